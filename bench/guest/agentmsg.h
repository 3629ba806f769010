/*
 * The host side of the wire protocol (common/protocol.h): format jobs,
 * parse and validate what the agent says. Everything from the guest is
 * untrusted: lines and fields are bounded, numbers must be finite, non-negative
 * and plausible, and a message that fails any check is rejected with a reason.
 */
#ifndef PVB_AGENTMSG_H
#define PVB_AGENTMSG_H

#include <stddef.h>
#include <stdint.h>

#include "kvmstats.h"
#include "protocol.h"

enum agentmsg_type { AGENTMSG_READY, AGENTMSG_RESULT, AGENTMSG_ERROR, AGENTMSG_LOG };

struct agent_ready {
    char agent[32];
    char kernel[64];
    double uptime_s;
    int modules_loaded;
    int modules_failed;
    char blk[32];
    char blk_driver[32];
    char net[32];
    char net_driver[32];
    unsigned net_queues; /* receive queues in use on net; 0: an agent that does not say */
};

#define AGENTMSG_RESULT_SUB(p, key, field, type, sent, doc) PVB_RESULT_CTYPE_##type field;
struct agent_lat {
    PVB_RESULT_LAT_LIST(AGENTMSG_RESULT_SUB, lat_us)
};

struct agent_cpu {
    PVB_RESULT_CPU_LIST(AGENTMSG_RESULT_SUB, cpu_pct)
};
#undef AGENTMSG_RESULT_SUB

/* The C type of each nested object of PVB_RESULT_LIST. */
#define AGENTMSG_RESULT_TYPE_lat_us struct agent_lat
#define AGENTMSG_RESULT_TYPE_cpu_pct struct agent_cpu
#define AGENTMSG_RESULT_NUM(key, field, type, sent, doc) PVB_RESULT_CTYPE_##type field;
#define AGENTMSG_RESULT_OBJ(key, field, list, doc) AGENTMSG_RESULT_TYPE_##field field;

struct agent_result {
    unsigned job;
    char workload[32];
    char engine[16];
    char device[32];
    char driver[32];
    /* runtime_s, ops, ops_total, bytes, lat_us, cpu_pct, irqs, bytes_total (net results
     * only: an optional key, 0 when absent) */
    PVB_RESULT_LIST(AGENTMSG_RESULT_NUM, AGENTMSG_RESULT_OBJ)
    unsigned numjobs; /* blk: the submitters that ran (sent when above 1; absent: 0) */
    unsigned streams; /* net: the connections that ran (sent when above 1; absent: 0) */
    /* Not the agent's: KVM's exit counters over the whole job (warm-up included, like
     * ops_total), added by session_job when the backend has them; kvm_valid 0: none. */
    int kvm_valid;
    struct kvmstats kvm;
};
#undef AGENTMSG_RESULT_NUM
#undef AGENTMSG_RESULT_OBJ

struct agentmsg {
    enum agentmsg_type type;
    union {
        struct agent_ready ready;
        struct agent_result result;
        struct {
            unsigned job;
            char reason[256];
        } error;
        char log[256];
    } u;
};

/* A job as the harness sends it. */
struct agent_job {
    unsigned id;
    const char *workload; /* [a-z0-9_-]+ */
    const char *kind;     /* "blk" | "net" */
    const char *rw;       /* "read" | "write" | "randread" | "randwrite" | net workload names */
    unsigned bs, qd;
    unsigned runtime_ms, warmup_ms;
    const char *irq;      /* substring naming the DUT's lines in the guest's /proc/interrupts */
    const char *fault;    /* "none" or a fault name, see protocol.h */
    const char *peer;     /* net: the peer's IPv4 address (NULL for blk: no peer/port keys) */
    unsigned port;        /* net: the peer's port */
    const char *engine;   /* blk: "fio" has fio do the I/O; NULL or "agent": the agent itself */
    unsigned rwmixread;   /* rw=randrw: percent of reads (sent for randrw only) */
    unsigned offset_mib, size_mib; /* blk: the region used (each sent when not 0) */
    const char *fiojob;   /* engine "fio": a user's job file as hex (fiojob=), or NULL */
    unsigned numjobs;     /* blk: parallel submitters in the guest (sent when above 1) */
    unsigned streams;     /* net TCP: parallel connections (sent when above 1) */
};

/*
 * Format a JOB line (with trailing '\n') into buf. Returns the length, or -1
 * if a string value holds a character outside [A-Za-z0-9_.-] or buf is too small.
 */
int agentmsg_format_job(char *buf, size_t len, const struct agent_job *job);

/*
 * Parse one line (without its '\n'; len <= PVB_LINE_MAX) from the agent.
 * Returns 0 and fills *out, or -1 with a reason in err: wrong tag/version,
 * unknown type, JSON that does not parse, a missing or mistyped key, a string
 * longer than its field, a number that is not finite or is negative.
 */
int agentmsg_parse(const char *line, size_t len, struct agentmsg *out, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/*
 * Plausibility of a result against the job that asked for it: job id and
 * workload match, runtime within [0.5 x asked, 2 x asked + AGENTMSG_RUNTIME_SLACK_S],
 * ops <= ops_total,
 * percentiles ordered (min <= p50 <= p90 <= p99 <= p999 <= max, mean within
 * [min, max]), cpu shares sum to 100 +- 5, throughput no more than
 * AGENTMSG_MAX_MIB_S and IOPS no more than AGENTMSG_MAX_IOPS.
 * Returns 0, or -1 with a reason.
 */
#define AGENTMSG_RUNTIME_SLACK_S 10.0
#define AGENTMSG_MAX_MIB_S 100000.0
#define AGENTMSG_MAX_IOPS 50000000.0
int agentmsg_check_result(const struct agent_result *r, const struct agent_job *job, char *err,
                          size_t errlen) __attribute__((warn_unused_result));

#endif
