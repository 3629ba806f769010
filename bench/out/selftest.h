/*
 * `pvbench selftest`: does the agent measure what fio and iperf3 measure? One virtio-blk
 * guest booted with the fio image (initramfs-fio.img) runs the same block jobs with
 * engine=agent and engine=fio, alternating; one virtio-net guest (the same image, which
 * carries iperf3) runs tcp_tx and tcp_rx with the agent against the host peer and with
 * engine=iperf3 against an iperf3 server in the same namespace. The ratio agent/reference
 * of each metric's median is printed with its bootstrap 95 % interval. `--host` runs the
 * bare-host baseline's block jobs instead (hostbase.h): fio on a scratch file, no guest.
 *
 * Goals (from the issue): agent/fio >= 0.95 for IOPS and throughput, mean latency at
 * queue depth 1 within +-5 %; agent/iperf3 >= 0.95 for Mbit/s. Exit codes: 0 goals met,
 * 1 a goal missed, 3 could not measure, 4 skipped (no fio image, no QEMU, no fio on the
 * host; or only network workloads and no iperf3 or network namespaces). A skipped network
 * part beside a measured block part is reported and does not change the exit code.
 */
#ifndef PVB_SELFTEST_H
#define PVB_SELFTEST_H

#include <stddef.h>

#include "cli.h"

#define SELFTEST_MIN_RATIO 0.95 /* IOPS and throughput */
#define SELFTEST_LAT_TOL 0.05   /* QD1 mean latency: |agent/fio - 1| <= this */

enum selftest_goal {
    SELFTEST_GOAL_NONE,     /* shown for information */
    SELFTEST_GOAL_AT_LEAST, /* ratio >= SELFTEST_MIN_RATIO */
    SELFTEST_GOAL_WITHIN,   /* |ratio - 1| <= SELFTEST_LAT_TOL */
};

/* One line of the verdict: a workload x metric, agent against fio or iperf3. */
struct selftest_row {
    char workload[32];
    char metric[32];
    unsigned n_agent, n_ref;
    double agent, ref;       /* medians; ref: fio's or iperf3's */
    double ratio, low, high; /* agent / ref and its bootstrap 95 % interval */
    enum selftest_goal goal;
    int met; /* the goal holds for the median ratio (1 for GOAL_NONE) */
};

/*
 * Compare the samples of one metric (pure). 0, or -1 when a side is empty or the
 * reference's median is 0.
 */
int selftest_compare(const double *agent, size_t na, const double *fio, size_t nf,
                     enum selftest_goal goal, struct selftest_row *row);

/* Which goal a workload x metric has (by the workload's queue depth and block size). */
enum selftest_goal selftest_goal_of(unsigned qd, unsigned bs, const char *metric);

/* The command. Returns a PVB_EXIT_* code. */
int selftest_main(int argc, char **argv);
/* Its options, --help and man page section (pvbench help man1). */
extern const struct cli_spec selftest_cli;

#endif
