/*
 * Where the host's time goes inside one QEMU process: CPU time per thread role (vCPU
 * threads, the main loop, I/O threads, vhost workers, the rest), from snapshots of
 * /proc/PID/task/TID taken around a job. QEMU names its threads when started with
 * -name ...,debug-threads=on (both backends do): "CPU 0/TCG" or "CPU 0/KVM" for vCPUs,
 * "worker" for the block layer's thread pool, "IO <id>" for iothreads, the process's own
 * name for the main loop. vhost workers are "vhost-<QEMU pid>": kernel threads of their own
 * before Linux 6.4, threads of the QEMU process from 6.4 on; both are found.
 *
 * Per-thread times come from /proc/.../schedstat (nanoseconds on the CPU); the process's
 * total from /proc/PID/stat (utime + stime, clock ticks, threads that ended included).
 * A thread that ended between two snapshots takes its last stretch with it: the delta
 * says how much of the total no live thread accounts for (`ended_s`).
 */
#ifndef PVB_THREADCPU_H
#define PVB_THREADCPU_H

#include <stddef.h>
#include <sys/types.h>

enum threadcpu_role {
    THREADCPU_VCPU,  /* "CPU n/TCG", "CPU n/KVM" */
    THREADCPU_MAIN,  /* the main loop: the thread whose id is the process id */
    THREADCPU_IO,    /* "worker" (thread pool), "IO ..." (iothreads) */
    THREADCPU_VHOST, /* "vhost-<pid>" */
    THREADCPU_OTHER, /* call_rcu, the monitor's iothread, ... */
    THREADCPU_ROLES
};

/* Threads of one snapshot at most (QEMU has about 10 with a few vCPUs and workers). */
#define THREADCPU_MAX 256

struct threadcpu_thread {
    pid_t tid;
    enum threadcpu_role role;
    unsigned long long ns; /* on the CPU since the thread started */
    int own;               /* a thread of the process (else a vhost kernel thread) */
};

struct threadcpu_snap {
    double total_s; /* the process's CPU time, < 0: unknown */
    unsigned n;
    int truncated; /* more than THREADCPU_MAX threads: the rest are not in t[] */
    struct threadcpu_thread t[THREADCPU_MAX];
};

/* The metric name of a role ("vcpu", "main", "io", "vhost", "other"). */
const char *threadcpu_role_name(enum threadcpu_role r);

/* The role of a thread from its name (comm) and whether it is the main thread. */
enum threadcpu_role threadcpu_role_of(const char *comm, int is_main);

/*
 * Snapshot the threads of pid under proc_root (NULL: "/proc"), and with vhost the kernel's
 * vhost-<pid> threads. 0, or -1 when the process is gone.
 */
int threadcpu_snap(const char *proc_root, pid_t pid, int vhost, struct threadcpu_snap *s)
    __attribute__((warn_unused_result));

/*
 * CPU seconds per role between a and b (a thread that appeared counts from 0), and the
 * process's total over the same interval minus what the live threads account for
 * (*ended_s; it can be slightly negative from the totals' clock-tick rounding). *total_s:
 * the process's own delta (< 0 when a snapshot lacks it).
 */
void threadcpu_delta(const struct threadcpu_snap *a, const struct threadcpu_snap *b,
                     double role_s[THREADCPU_ROLES], double *total_s, double *ended_s);

#endif
