/*
 * Backends start and stop guests. One ops table per backend (backend_qemu.c,
 * later backend_libvirt.c); the harness only talks to struct backend_ops.
 */
#ifndef PVB_BACKEND_H
#define PVB_BACKEND_H

#include <stddef.h>
#include <sys/types.h>

#include "devmodel.h"

#define GUEST_ARGV_MAX 64

/* What a guest is made of: identical for every configuration but the device under test. */
struct guest_spec {
    const char *name;         /* "pvb-<run id>-<config>" */
    const char *qemu_binary;  /* qemu-system-x86_64 */
    const char *accel;        /* "kvm" | "tcg" */
    enum machine_type machine;
    unsigned vcpus;
    unsigned memory_mib;
    const char *kernel;
    const char *initrd;
    const char *cmdline;
    const struct devmodel *dut; /* NULL: no device under test (accelerator probe) */
    const char *disk_path;      /* scratch disk for a blk DUT */
    const char *control_sock;   /* Unix socket the harness listens on (guest ttyS1) */
    const char *console_log;    /* guest ttyS0 */
    const char *qemu_log;       /* QEMU's own stdout/stderr */
};

struct guest {
    pid_t pid;         /* QEMU process (both backends know it) */
    int exited;        /* set once reaped */
    int exit_status;   /* waitpid status when exited */
    void *priv;
};

struct backend_ops {
    const char *name;
    int (*start)(const struct guest_spec *spec, struct guest *g, char *err, size_t errlen);
    /* Host CPU seconds used by the guest so far; -1 if unknown. */
    double (*cpu_seconds)(struct guest *g);
    /* 1 if running, 0 if it has exited (then exit_status is set). */
    int (*alive)(struct guest *g);
    /* Wait up to grace_s for the guest to power off by itself, then force it. */
    void (*stop)(struct guest *g, double grace_s);
};

extern const struct backend_ops backend_qemu_ops;

/* Check an ops table at start: every callback present. 0 or -1. */
int backend_check_ops(const struct backend_ops *ops);

/* A NULL-terminated argv built into owned storage. */
struct qemu_argv {
    char *argv[GUEST_ARGV_MAX + 1];
    unsigned argc;
    char store[8192];
    size_t used;
};

/* Build QEMU's argv for a guest (pure; unit-tested). 0, or -1 if it does not fit. */
int backend_qemu_build_argv(const struct guest_spec *spec, struct qemu_argv *out)
    __attribute__((warn_unused_result));

/* Describe how a guest ended ("exited with status 1", "killed by signal 9"). */
void backend_describe_exit(int status, char *buf, size_t len);

#endif
