/*
 * The one place samples are made: an agent's result (a guest's, the bare host's, fio's on
 * the host) and what the host measured around it become the samples of samples.csv, for
 * `pvbench run`, the bare-host baseline and `pvbench selftest` alike. The network formulas
 * are peer_metrics' (peer.h), which is why this module sits in the backend/net layer: the
 * host baseline (backend) uses it, and it uses the peer (net).
 */
#ifndef PVB_RECORD_H
#define PVB_RECORD_H

#include "agentmsg.h"
#include "devmodel.h"
#include "peer.h"
#include "results.h"
#include "workload.h"

/* Whose samples: one configuration. */
struct record_target {
    const char *config; /* "virtio-blk", "virtio-blk@hostA", "host", "agent" (selftest) */
    const char *host;   /* host label; NULL or "": this machine's, filled in when saved */
    const char *device;
    const char *class_; /* devmodel_class_name(), or "host" */
    enum devmodel_kind kind;
    /* The guest's vCPUs (CPU time per op); 0: no guest, the bare host, whose samples are the
     * I/O metrics only (its CPU split is the whole host's, a ratio of loss rates means
     * nothing, there is no QEMU to cost). */
    unsigned vcpus;
};

/* What the host measured around one job; -1: not measured. */
struct record_host {
    double cpu_s;      /* CPU seconds of the guest's process during the job */
    double disk_bytes; /* bytes the backend saw move on the DUT disk during the job */
};

/*
 * One sample of t (unit from the metric table). A value that is not finite or negative is
 * undefined for this job and is no sample. 0, or -1 (out of memory).
 */
int record_sample(struct sample_set *set, const struct record_target *t, const char *workload,
                  const char *metric, unsigned rep, double value)
    __attribute__((warn_unused_result));

/*
 * The samples of a block job: throughput, IOPS, latencies; with a guest its CPU shares, CPU
 * time and interrupts per op; host CPU per op (not for fio, whose start-up is in QEMU's CPU
 * time but not in its counts); host_bytes_ratio when the backend counted the disk's bytes
 * (a disagreement above 5 % is flagged). host may be NULL. 0, or -1 (out of memory, or a
 * result without runtime).
 */
int record_blk(struct sample_set *set, const struct record_target *t, const struct workload *w,
               unsigned rep, const struct agent_result *res, const struct record_host *host)
    __attribute__((warn_unused_result));

/*
 * The samples of a network job from the receiving side's numbers (peer_metrics): p is the
 * host peer's report, or NULL when the agent's result holds the receiving side's count
 * itself (iperf3's end.sum_received, either direction of a stream). host may be NULL.
 * 0, or -1 (out of memory).
 */
int record_net(struct sample_set *set, const struct record_target *t, const struct workload *w,
               unsigned rep, const struct agent_result *a, const struct peer_report *p,
               const struct record_host *host) __attribute__((warn_unused_result));

#endif
