/*
 * QEMU builds and guest kernels by Debian package version (issue 13 item 5): a scenario's
 * `qemu = ...` is a binary path as before, or a version of qemu-system-x86 that
 * scripts/fetch-debian fetches from Debian's archive into a cache (build/qemu/<version>/,
 * root $PVBENCH_CACHE_DIR or the source tree's build/) and pvbench runs from there with its
 * own firmware folders (-L) and libraries; nothing is installed. `kernel = ...` likewise: a
 * guest image folder, or a linux-image-amd64 version built by scripts/build-guest into
 * build/guest-kernel-<version>/. A cache folder counts only with its .complete marker (it
 * appears by rename once complete).
 */
#ifndef PVB_QEMUVER_H
#define PVB_QEMUVER_H

#include <limits.h>
#include <stddef.h>

#include "cli.h"

#define QEMUVER_DIRS_MAX (3 * PATH_MAX)

/* A resolved `qemu = ...`: what the QEMU backend execs and with what (guest_spec). */
struct qemuver {
    char binary[PATH_MAX];            /* the spec itself for a path, else the cached binary */
    char data_dirs[QEMUVER_DIRS_MAX]; /* ':'-separated, a -L each; "" for a path */
    char lib_path[QEMUVER_DIRS_MAX];  /* LD_LIBRARY_PATH of QEMU alone; "" for a path */
    char module_dir[PATH_MAX];        /* QEMU_MODULE_DIR of QEMU alone; "" for a path */
    char version[128];                /* the Debian version asked for; "" for a path */
    char packages[1024];              /* "qemu-system-x86=V qemu-system-common=V ..." (run.json) */
    char qemu[160];                   /* the binary's --version line when fetched */
};

/* 1 if spec reads as a Debian package version ("1:10.0.2+ds-2", "6.12.95-1~bpo12+1"), 0 if
 * it is a path or a program name (it then has a '/' or starts with no digit). */
int qemuver_is_version(const char *spec);

/* The cache root: $PVBENCH_CACHE_DIR, else PVB_DATADIR/build. 0, or -1 if it is too long. */
int qemuver_cache_root(char *buf, size_t len) __attribute__((warn_unused_result));

/* A version's folder name: ':' is written "%3a" (as apt names .debs) so that the folder can
 * stand in LD_LIBRARY_PATH. 0, or -1 if it does not fit. */
int qemuver_dir_name(const char *version, char *buf, size_t len)
    __attribute__((warn_unused_result));

/*
 * Read dir/qemuver.txt (written by scripts/fetch-debian; paths relative to dir) into *out,
 * the paths made absolute under dir. The folder must have its .complete marker. 0, or -1
 * with err set.
 */
int qemuver_read_manifest(const char *dir, struct qemuver *out, char *err, size_t len)
    __attribute__((warn_unused_result));

/*
 * Resolve `qemu = spec`: a path is taken as it is; a version is read from the cache, fetched
 * first (scripts/fetch-debian qemu VERSION) when it is not there. PVB_EXIT_OK, or
 * PVB_EXIT_USAGE (no such version: apt's words in err), PVB_EXIT_SKIPPED (the archive cannot
 * be reached), PVB_EXIT_FAILED (anything else), with err set.
 */
int qemuver_resolve(const char *spec, struct qemuver *out, char *err, size_t len)
    __attribute__((warn_unused_result));

/*
 * Resolve `kernel = spec` to a guest image folder (vmlinux, initramfs.img): a folder is taken
 * as it is; a version is build/guest-kernel-<version>/, built first when it is not there or
 * carries another agent (scripts/fetch-debian kernel). Exit codes as qemuver_resolve.
 */
int qemuver_kernel_resolve(const char *spec, char *dir, size_t dirlen, char *err, size_t len)
    __attribute__((warn_unused_result));

/* `pvbench fetch qemu VERSION | kernel VERSION | --list`: a pvb_exit code. */
int qemuver_fetch_main(int argc, char **argv);
extern const struct cli_spec qemuver_fetch_cli;

#endif
