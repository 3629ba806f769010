/*
 * The registry of everything a run creates: processes, files, folders, network
 * namespaces, links, libvirt domains. An entry is written (durably) before or as
 * the resource comes to be, and removed once it is released, so:
 *  - a normal exit, an error path or a signal releases what is left (registry_release_all);
 *  - after a SIGKILL, `pvbench cleanup` finds the run's folder by its run id and
 *    releases exactly what that run registered, never anything else.
 *
 * Layout: <state dir>/<run id>/registry, one entry per line:
 *   harness <pid> <starttime>          the pvbench process owning the run
 *   <kind> <id> [<arg>]                kinds: proc file dir netns link domain volume pool
 * A proc entry's arg is the process start time (guards against pid reuse). A libvirt
 * domain's, volume's (id: its path) and storage pool's arg is the URI of its host.
 */
#ifndef PVB_REGISTRY_H
#define PVB_REGISTRY_H

#include <stddef.h>
#include <sys/types.h>

enum registry_kind {
    REG_PROC,
    REG_FILE,
    REG_DIR,
    REG_NETNS,
    REG_LINK,
    REG_DOMAIN,
    REG_VOLUME, /* a libvirt storage volume (remote hosts: guest image, scratch disk) */
    REG_POOL,   /* the run's libvirt storage pool on a host */
    REG_NETWORK, /* the run's libvirt network on a host (a NIC's peer guest beside it) */
    REG_KIND_COUNT
};

#define REGISTRY_ID_MAX 512
/* An entry's argument (a libvirt URI with its ?keyfile=...&command=... included) */
#define REGISTRY_ARG_MAX 256

/* Where run folders live: $PVBENCH_STATE_DIR, default /var/tmp/pvbench. */
const char *registry_state_dir(void);

/*
 * Create a new run id (8 hex digits) and its folder, and register this process
 * as the harness. The folder is also the run's scratch space (sockets, disks).
 */
int registry_open(char *run_id, size_t len) __attribute__((warn_unused_result));
const char *registry_run_id(void);
/* The run's scratch folder <state dir>/<run id>. */
const char *registry_dir(void);

/* Record a resource. 0, or -1 if the registry could not be written (then do not create it). */
int registry_add(enum registry_kind kind, const char *id, const char *arg)
    __attribute__((warn_unused_result));
int registry_add_proc(pid_t pid) __attribute__((warn_unused_result));
/*
 * Create a registered scratch file of mib MiB (registered before it exists), filled with
 * pseudo-random data, not sparse, so reads reach the disk; synced. 0, or -1 with a reason.
 */
int registry_scratch_file(const char *path, unsigned mib, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* Forget a resource that was released by its owner. */
void registry_forget(enum registry_kind kind, const char *id);
/* Forget every resource of kind whose id lies under folder (id = "<folder>/..."). */
void registry_forget_under(enum registry_kind kind, const char *folder);

/* Release every resource still registered, newest first, then the run folder. */
void registry_release_all(void);

/*
 * `pvbench cleanup`: release the leftovers of runs whose harness is gone.
 * Prints what it does; dry_run only lists. Returns the number of runs cleaned, -1 on error.
 */
int registry_cleanup_stale(int dry_run);

/*
 * Release one resource now (used by the release paths and by cleanup).
 * Processes get SIGTERM, then SIGKILL after grace_s; only if their start time matches.
 */
int registry_release(enum registry_kind kind, const char *id, const char *arg, double grace_s);

/* Hook for kinds whose release needs a library (libvirt domains, volumes and pools). */
typedef int (*registry_release_fn)(const char *id, const char *arg);
void registry_set_release_hook(enum registry_kind kind, registry_release_fn fn);

#endif
