/*
 * The one place samples are made and metrics derived: an agent's result (a guest's, the bare
 * host's, fio's on the host), the host peer's report of a network job and what the host
 * measured around it become the samples of samples.csv, for `pvbench run`, the bare-host
 * baseline and `pvbench selftest` alike. It sits in the backend/net layer because the host
 * baseline (backend) uses it and it reads the peer's report (net/peer.h).
 */
#ifndef PVB_RECORD_H
#define PVB_RECORD_H

#include "agentmsg.h"
#include "devmodel.h"
#include "peer.h"
#include "results.h"
#include "threadcpu.h"
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
    unsigned boot; /* which guest of the configuration (plan_step.boot): the boot column */
};

/* What the host measured around one job; -1: not measured. */
struct record_host {
    double cpu_s;      /* CPU seconds of the guest's process during the job */
    double disk_bytes; /* bytes the backend saw move on the DUT disk during the job */
    /* The same CPU by QEMU thread role (threadcpu_delta), when threads is 1: thread_s[r]
     * for the live threads, ended_s what threads that ended took with them. */
    int threads;
    double thread_s[THREADCPU_ROLES];
    double ended_s;
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

struct record_metric {
    const char *name;
    double value;
};

#define RECORD_METRICS_MAX 32

/*
 * KVM's exits of a job per operation (exits_per_op, io_exits_per_op, mmio_exits_per_op,
 * halt_exits_per_op, irq_injections_per_op) into out, from a->kvm (session_job's, none when
 * a->kvm_valid is 0) over ops_total, the job's operations warm-up included (what the
 * counters cover). A counter the kernel does not expose is left out. Returns the count.
 */
unsigned record_kvm_metrics(const struct agent_result *a, double ops_total,
                            struct record_metric *out, unsigned max);

/*
 * The host's CPU of a job by QEMU thread role per operation of ops_total, when h->threads:
 * host_cpu_vcpu_us_per_op, _main_, _io_, _vhost_ and _other_ (the rest, threads that ended
 * during the job included), so that all but vhost add up to host_cpu_us_per_op (vhost too
 * when its workers are threads of the process, Linux 6.4 on). Returns the count.
 */
unsigned record_thread_metrics(const struct record_host *h, double ops_total,
                               struct record_metric *out, unsigned max);

/*
 * The metrics of one network job, from the receiving side's numbers (peer for tcp_tx and
 * udp_pps, agent for tcp_rx and tcp_rr), the agent's CPU split and interrupts, and
 * host_cpu_s (QEMU CPU over the job, < 0: unknown). For streams an "op" is one Mbit (10^6
 * bits) of payload. A value that is not finite or negative is left out. Returns the count.
 */
unsigned record_net_metrics(enum pvb_net_workload w, const struct agent_result *a,
                            const struct peer_report *p, double host_cpu_s, unsigned vcpus,
                            struct record_metric *out, unsigned max);

/*
 * The samples of a network job (record_net_metrics): p is the
 * host peer's report, or NULL when the agent's result holds the receiving side's count
 * itself (iperf3's end.sum_received, either direction of a stream). host may be NULL.
 * 0, or -1 (out of memory).
 */
int record_net(struct sample_set *set, const struct record_target *t, const struct workload *w,
               unsigned rep, const struct agent_result *a, const struct peer_report *p,
               const struct record_host *host) __attribute__((warn_unused_result));

#endif
