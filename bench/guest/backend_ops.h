/*
 * What a backend is to the rest of pvbench: the ops table every backend fills (the direct
 * QEMU one, libvirt, the bare host's agent process), the guest it starts and what that guest
 * is made of. It lives below the backends so that the guest session (session.h) can drive
 * any of them without knowing which: the harness asks a backend's capabilities (caps), never
 * its identity.
 */
#ifndef PVB_BACKEND_OPS_H
#define PVB_BACKEND_OPS_H

#include <stddef.h>
#include <sys/types.h>
#include <json-c/json.h>

#include "devmodel.h"
#include "devopts.h"
#include "kvmstats.h"

/*
 * The guest kernel's command line, the same for every configuration: console on ttyS0,
 * quiet, reboot on panic (QEMU runs with -no-reboot, so a panic ends QEMU), and boot-time
 * checks that only cost time under emulation skipped (TSC watchdog, timer check, crypto
 * self-tests, PS/2 probing, unused UARTs). The harness appends pvbench.run=, pvbench.modules=
 * (the driver of the device under test) and, for NICs, pvbench.addr=.
 */
#define GUEST_CMDLINE                                                                              \
    "console=ttyS0 quiet loglevel=4 panic=-1 tsc=reliable no_timer_check cryptomgr.notests "       \
    "i8042.noaux i8042.nokbd 8250.nr_uarts=2"

/* What a guest is made of: identical for every configuration but the device under test. */
struct guest_spec {
    const char *name;        /* "pvb-<run id>-<config>" */
    const char *qemu_binary; /* qemu-system-x86_64 (the agent binary for a host process) */
    /* A QEMU unpacked from Debian's archive (qemuver.h); NULL each for the host's own. */
    const char *qemu_data_dirs;  /* ':'-separated, a -L each, searched before QEMU's own */
    const char *qemu_lib_path;   /* LD_LIBRARY_PATH of that QEMU process alone */
    const char *qemu_module_dir; /* QEMU_MODULE_DIR of that QEMU process alone */
    const char *accel;       /* "kvm" | "tcg" */
    enum machine_type machine;
    unsigned vcpus;
    unsigned memory_mib;
    const char *kernel;
    const char *initrd;
    const char *cmdline;
    const struct devmodel *dut; /* NULL: no device under test (accelerator probe) */
    const char *disk_path;      /* scratch disk for a blk DUT */
    unsigned disk_iops_limit;   /* throttle the scratch disk (0: none) */
    const struct devopts *dut_opts; /* the configuration's DUT options; NULL: all defaults */
    const char *control_sock;   /* Unix socket the harness listens on (guest ttyS1) */
    const char *console_log;    /* guest ttyS0 */
    const char *qemu_log;       /* QEMU's own stdout/stderr */
    /* A net DUT (bench/net/netns.h): the NIC's backend is a tap the harness created. */
    const char *net_tap; /* host tap name, "pvbt<run id>" (no address, on a bridge) */
    /* Or, on a host reached through libvirt, a libvirt network of the run's (the NIC a tap
     * that libvirt makes on its bridge): its name; NULL: net_tap. */
    const char *net_network;
    /* 1: vhost=on (virtio-net with /dev/vhost-net), 0: off, -1 (net_network only): the
     * host's libvirt chooses (vhost where /dev/vhost-net opens) */
    int net_vhost;
    const char *net_mac; /* the guest NIC's MAC, "52:54:00:xx:xx:xx" */
    /* "Why" metrics (why.h), backends with BACKEND_CAP_WHY; NULL: not wanted. */
    const char *qmp_sock;  /* QMP socket QEMU listens on (-qmp unix:...,server=on,wait=off) */
    const char *trace_log; /* QEMU's log file (-D): trace events, empty until enabled */
    /* An agent run as a host process: the network namespace it joins (NULL: none). */
    const char *netns_path;
    /* BACKEND_CAP_MONITOR, QEMU backend: a second QMP socket, never the why session's, for
     * the diagnostics of a lost guest (lostguest.h); NULL: none. */
    const char *monitor_sock;
};

struct guest {
    pid_t pid;       /* QEMU process (both backends know it) */
    int exited;      /* set once reaped */
    int exit_status; /* waitpid status when exited */
    void *priv;
    char monitor_sock[108]; /* the QEMU backend's guest_spec monitor_sock, "" if none */
};

/* What a backend can do beyond start, alive, stop; each names the ops it needs. */
enum backend_cap {
    /* QEMU's QMP socket and trace log (guest_spec qmp_sock, trace_log): the "why" jobs */
    BACKEND_CAP_WHY = 1u << 0,
    /* .counters: the DUT's bytes as the host saw them */
    BACKEND_CAP_COUNTERS = 1u << 1,
    /* .scratch_volume, .volume_delete: scratch disks on a host that cannot see our files */
    BACKEND_CAP_REMOTE_STORAGE = 1u << 2,
    /* .connect, .disconnect, .host_info, .stage_image, .storage_pool, .storage_release:
     * guests on hosts reached through a URI (--connect), each described in run.json */
    BACKEND_CAP_HOSTS = 1u << 3,
    /* The agent ends when its channel closes and must not get QUIT (an agent off PID 1:
     * QUIT's sync() would flush the whole host's file systems). */
    BACKEND_CAP_QUIT_ON_CLOSE = 1u << 4,
    /* .monitor: QMP commands to the guest's QEMU at any time, beside the why session */
    BACKEND_CAP_MONITOR = 1u << 5,
    /* .kvm_stats: KVM's exit counters of a guest under KVM (kvmstats.h) */
    BACKEND_CAP_KVM_STATS = 1u << 6,
    /* .local_pid: the guest is a QEMU process on this machine whose threads carry QEMU's
     * names (debug-threads=on), for the CPU split by thread role (threadcpu.h) */
    BACKEND_CAP_THREADS = 1u << 7,
};

/* Host-side counters of a guest's device under test; -1 where the backend cannot say. */
struct backend_counters {
    long long rd_bytes, wr_bytes; /* the DUT disk */
    long long rx_bytes, tx_bytes; /* the DUT NIC's host side */
};

/* A host as its backend describes it (run.json "hosts"). */
struct backend_host {
    char hostname[256];
    char libvirt_version[32]; /* the daemon's, "9.0.0" */
    char qemu_version[32];    /* the hypervisor's, "7.2.22" */
    /* The machine itself, as the far side says (virNodeGetInfo, the capabilities XML);
     * "" / 0 where it does not. */
    char cpu_model[128]; /* "Broadwell", vendor first when known: "Intel Broadwell" */
    char arch[32];
    char uuid[40]; /* the host's UUID: two URIs of one machine share it */
    unsigned cpus, sockets, cores, threads, mhz;
    unsigned long long memory_kib;
};

struct backend_ops {
    const char *name;
    /* What runs the guest, in messages ("QEMU exited with status 1"): "QEMU", "the agent
     * process", ... */
    const char *process_name;
    unsigned caps; /* enum backend_cap */
    int (*start)(const struct guest_spec *spec, struct guest *g, char *err, size_t errlen);
    /* Host CPU seconds used by the guest so far; -1 if unknown. */
    double (*cpu_seconds)(struct guest *g);
    /* 1 if running, 0 if it has exited (then exit_status is set). */
    int (*alive)(struct guest *g);
    /* Wait up to grace_s for the guest to power off by itself, then force it. */
    void (*stop)(struct guest *g, double grace_s);

    /* BACKEND_CAP_COUNTERS: fill *out (fields -1 where unknown). 0, or -1 (guest gone). */
    int (*counters)(struct guest *g, struct backend_counters *out);
    /* BACKEND_CAP_KVM_STATS: the guest's KVM exit counters so far. 0, or -1 with err (not
     * under KVM, no query-stats, the guest gone). */
    int (*kvm_stats)(struct guest *g, struct kvmstats *out, char *err, size_t errlen);
    /* BACKEND_CAP_THREADS: the QEMU process's pid in this machine's /proc, or -1 (the guest
     * is gone or runs elsewhere). */
    pid_t (*local_pid)(struct guest *g);
    /* BACKEND_CAP_REMOTE_STORAGE: a scratch disk of mib MiB named after name on the host's
     * side, its path there into path. 0, or -1 with err. */
    int (*scratch_volume)(const char *name, unsigned mib, char *path, size_t pathlen, char *err,
                          size_t errlen);
    void (*volume_delete)(const char *path);
    /* BACKEND_CAP_HOSTS: connect to uri ("" or NULL: the default one), 0 or -1 with err. */
    int (*connect)(const char *uri, char *err, size_t errlen);
    void (*disconnect)(void);
    int (*host_info)(struct backend_host *out);
    /* Put the guest image where the host reads it; the paths it sees into kpath, ipath. */
    int (*stage_image)(const char *kernel, const char *initrd, char *kpath, size_t klen,
                       char *ipath, size_t ilen, char *err, size_t errlen);
    const char *(*storage_pool)(void);
    void (*storage_release)(void);
    /* A network of its own on the host (no address, no DHCP, no forwarding: only the guests
     * on it reach each other) named name, with a bridge named bridge; registered. 0, or -1
     * with err. network_remove destroys it (name: "pvb-*" only). */
    int (*network_add)(const char *name, const char *bridge, char *err, size_t errlen);
    void (*network_remove)(const char *name);
    /* BACKEND_CAP_MONITOR: one QMP command (args borrowed, may be NULL) answered before
     * deadline; *ret (the "return" value, the caller's) when ret is not NULL. QMP_OK (0),
     * or a negative qmp_status with err. */
    int (*monitor)(struct guest *g, const char *cmd, json_object *args, json_object **ret,
                   double deadline, char *err, size_t errlen);
};

/*
 * Check an ops table at start: its names, the four callbacks every backend has, and the ops
 * each capability it claims needs. 0, or -1 with the error logged.
 */
int backend_check_ops(const struct backend_ops *ops) __attribute__((warn_unused_result));

/* 1 if the backend has every capability in caps. */
int backend_can(const struct backend_ops *ops, unsigned caps);

/* Describe how a guest ended ("exited with status 1", "killed by signal 9"). */
void backend_describe_exit(int status, char *buf, size_t len);

#endif
