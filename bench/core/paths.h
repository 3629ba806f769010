/*
 * Where pvbench finds its files: one place for every folder it reads or fills, so that an
 * installed copy works without the source clone it was built from.
 *
 * The layout is found from the binary's own location (/proc/self/exe):
 *   - in the source tree (bench/pvbench next to scenarios/): data = the tree, cache = build/,
 *     agent = guest-agent/pvbench-agent, catalogues = build/locale;
 *   - installed (PREFIX/bin/pvbench): data = PREFIX/share/pvbench, agent =
 *     PREFIX/lib/pvbench/pvbench-agent, catalogues = PREFIX/share/locale, cache =
 *     /var/cache/pvbench as root, else $XDG_CACHE_HOME/pvbench (~/.cache/pvbench).
 * Each can be overridden: PVBENCH_DATADIR, PVBENCH_CACHE_DIR, PVBENCH_AGENT,
 * PVBENCH_LOCALEDIR, PVBENCH_IMAGE_DIR (the guest image, default CACHE/guest).
 */
#ifndef PVB_PATHS_H
#define PVB_PATHS_H

#include <stddef.h>

enum paths_layout { PATHS_TREE, PATHS_INSTALLED };

/* Which layout this binary runs from. */
enum paths_layout paths_layout(void);

/* Scenarios, chart templates, the image builder: the data folder. */
const char *paths_datadir(void);
/* Built or fetched things that can be made again: guest images, kernel and QEMU caches. */
const char *paths_cachedir(void);
/* The guest image folder (vmlinux, initramfs.img). */
const char *paths_image_dir(void);
/* The agent binary that runs on the host (bare-host baseline, process backend). */
const char *paths_agent(void);
/* Message catalogues (<dir>/<lang>/LC_MESSAGES/pvbench.mo). */
const char *paths_localedir(void);
/* What is kept and cannot be made again (the results store's default file): the tree, or
 * /var/lib/pvbench as root, else $XDG_DATA_HOME/pvbench (~/.local/share/pvbench). */
const char *paths_keepdir(void);

/*
 * A scenario given on the command line: a path as it is, or a bare name ("quick") looked up
 * as NAME.ini in the current folder, then in DATADIR/scenarios. 0 with the path in out, or -1
 * when nothing was found (out then holds the argument as given).
 */
int paths_scenario(const char *arg, char *out, size_t len);

#endif
