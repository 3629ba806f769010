/*
 * pvbench-agent: shared declarations of the guest's /init.
 *
 * agent_main.c  PID 1 setup and the control loop (guest only)
 * agent_engine.c  the table of engines a job may run on
 * agent_job.c   JOB parsing, line framing, JSON formatting (pure, host-tested)
 * agent_blk.c   block workloads
 * agent_net.c   network workloads and the guest's interface set-up
 * agent_fio.c, agent_iperf3.c   engine=fio and engine=iperf3 (agent_child.c runs the tool)
 * agent_sys.c   mounts, modules, device discovery
 * hist.c        latency histogram;  procstat.c  /proc/stat and /proc/interrupts
 */
#ifndef PVB_AGENT_H
#define PVB_AGENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "procstat.h"
#include "protocol.h"

#ifndef PVB_VERSION
#define PVB_VERSION "0.0.0"
#endif
#define AGENT_VERSION "pvbench-agent/" PVB_VERSION

#define AGENT_PRINTF(a, b) __attribute__((format(printf, a, b)))

/* Longest string field the host accepts (bench/guest/agentmsg.h char[32], with NUL). */
#define AGENT_NAME_MAX 32
/* Longest error reason / LOG text the host accepts (char[256], with NUL). */
#define AGENT_REASON_MAX 256

/* ---- jobs (agent_job.c) ------------------------------------------------------------------- */

enum agent_kind { AGENT_KIND_BLK, AGENT_KIND_NET, AGENT_KIND_COUNT };
enum agent_rw {
    AGENT_RW_READ,
    AGENT_RW_WRITE,
    AGENT_RW_RANDREAD,
    AGENT_RW_RANDWRITE,
    AGENT_RW_RANDRW, /* blk: random, a read with probability rwmixread % */
    AGENT_RW_TCP_TX, /* net: guest -> peer stream */
    AGENT_RW_TCP_RX, /* net: peer -> guest stream */
    AGENT_RW_TCP_RR, /* net: request/response on one connection */
    AGENT_RW_UDP_PPS, /* net: small datagrams guest -> peer */
    AGENT_RW_COUNT,
};
/*
 * Who does a job's I/O: the agent itself (agent_blk.c, agent_net.c), fio for a blk job
 * (agent_fio.c) or iperf3 for a tcp_tx or tcp_rx job (agent_iperf3.c).
 */
enum agent_engine {
    AGENT_ENGINE_AGENT,
    AGENT_ENGINE_FIO,
    AGENT_ENGINE_IPERF3,
    AGENT_ENGINE_COUNT,
};
enum agent_fault {
    AGENT_FAULT_NONE,
    AGENT_FAULT_HANG,
    AGENT_FAULT_CRASH,
    AGENT_FAULT_GARBAGE,
    AGENT_FAULT_FLOOD,
    AGENT_FAULT_EXIT,
    AGENT_FAULT_STALL, /* the engine stops completing anything once its job started */
};

/* Limits of job values; the parser rejects anything outside. */
#define AGENT_BS_MIN 512u /* blk; a net job's bs (message size) may be smaller */
#define AGENT_BS_MAX (16u * 1024 * 1024)
#define AGENT_QD_MAX 1024u
#define AGENT_NUMJOBS_MAX 64u
#define AGENT_MS_MAX (3600u * 1000)
#define AGENT_REGION_MIB_MAX (16u * 1024 * 1024) /* offset_mib, size_mib: 16 TiB */

struct agent_job {
    unsigned id;
    char workload[AGENT_NAME_MAX];
    enum agent_kind kind;
    enum agent_rw rw;
    unsigned bs;
    unsigned qd;
    unsigned runtime_ms;
    unsigned warmup_ms;
    char irq[AGENT_NAME_MAX]; /* /proc/interrupts description substring, "" = none */
    enum agent_fault fault;
    enum agent_engine engine; /* engine=agent|fio|iperf3, default agent */
    char peer[AGENT_NAME_MAX]; /* net: the peer's IPv4 address */
    unsigned port;             /* net: the peer's port */
    unsigned rwmixread;        /* randrw: percent of reads (50 when not given) */
    unsigned offset_mib, size_mib; /* blk: the region used; size 0: to the device's end */
    char fiojob[PVB_FIOJOB_MAX]; /* engine=fio: a user's job file (fiojob=, hex), "" = none */
    unsigned numjobs; /* blk: parallel submitters, each with qd in flight (1 when not given) */
    unsigned streams; /* net TCP: parallel connections, a thread each (1 when not given) */
};

/*
 * Parse the key=value list of a JOB line (the text after "PVB1 JOB ").
 * Returns 0, or -1 with a reason in err (unknown or repeated key, malformed
 * token, bad number, value out of range, missing key). job->id is set as soon
 * as the id key has been read, so an error can still name its job.
 */
int agent_job_parse(const char *args, struct agent_job *job, char *err, size_t errlen);

const char *agent_job_rw_name(enum agent_rw rw);
bool agent_job_rw_is_write(enum agent_rw rw);
bool agent_job_rw_is_random(enum agent_rw rw);
/* Does rw both read and write (randrw)? agent_job_rw_is_write() is false for it. */
bool agent_job_rw_is_mixed(enum agent_rw rw);
/* Is rw one of the network workloads (tcp_tx, tcp_rx, tcp_rr, udp_pps)? */
bool agent_job_rw_is_net(enum agent_rw rw);

/* Message types of a host line. */
enum agent_msg { AGENT_MSG_EMPTY, AGENT_MSG_JOB, AGENT_MSG_QUIT, AGENT_MSG_BAD };

/*
 * Classify one host line (no '\n'). For AGENT_MSG_JOB *args points at the
 * key=value list; for AGENT_MSG_BAD err says why.
 */
enum agent_msg agent_job_classify(const char *line, const char **args, char *err, size_t errlen);

/* ---- line framing (agent_job.c) ------------------------------------------------------------ */

enum agent_line_event { AGENT_LINE_NONE, AGENT_LINE_READY, AGENT_LINE_TOOLONG };

/*
 * Bounded line assembler. A line longer than PVB_LINE_MAX (its '\n'
 * included) is discarded up to its '\n' and reported once as TOOLONG.
 */
struct agent_line {
    char buf[PVB_LINE_MAX];
    size_t len;
    bool discarding;
};

void agent_line_init(struct agent_line *lr);
/* Feed one byte. On READY, lr->buf holds the line (NUL-terminated, no "\r\n"). */
enum agent_line_event agent_line_feed(struct agent_line *lr, char c);

/* ---- results and their JSON (agent_job.c) -------------------------------------------------- */

#define AGENT_RESULT_SUB(p, key, field, type, sent, doc) PVB_RESULT_CTYPE_##type field;
struct agent_lat_us {
    PVB_RESULT_LAT_LIST(AGENT_RESULT_SUB, lat_us)
};
#undef AGENT_RESULT_SUB

/* The C type of each nested object of PVB_RESULT_LIST. */
#define AGENT_RESULT_TYPE_lat_us struct agent_lat_us
#define AGENT_RESULT_TYPE_cpu_pct struct procstat_pct
#define AGENT_RESULT_NUM(key, field, type, sent, doc) PVB_RESULT_CTYPE_##type field;
#define AGENT_RESULT_OBJ(key, field, list, doc) AGENT_RESULT_TYPE_##field field;

struct agent_result {
    unsigned job;
    char workload[AGENT_NAME_MAX];
    char device[AGENT_NAME_MAX]; /* "/dev/vda" */
    char driver[AGENT_NAME_MAX];
    /* the numbers sent: runtime_s, ops, ops_total, bytes, lat_us, cpu_pct, irqs, bytes_total
     * (net: payload bytes sent or received over the whole job) */
    PVB_RESULT_LIST(AGENT_RESULT_NUM, AGENT_RESULT_OBJ)
    int irq_lines; /* /proc/interrupts lines that matched job.irq (not sent) */
    enum agent_engine engine; /* "engine" of the RESULT */
    bool net;             /* a net result: the list's NET entries (bytes_total) are sent too */
    unsigned numjobs;     /* blk: the submitters that ran; "numjobs" sent when above 1 */
    unsigned streams;     /* net: the connections that ran; "streams" sent when above 1 */
};
#undef AGENT_RESULT_NUM
#undef AGENT_RESULT_OBJ

struct agent_ready {
    char kernel[64];
    double uptime_s;
    int modules_loaded;
    int modules_failed;
    char blk[AGENT_NAME_MAX];
    char blk_driver[AGENT_NAME_MAX];
    char net[AGENT_NAME_MAX];
    char net_driver[AGENT_NAME_MAX];
    unsigned net_queues; /* receive queues of net in use (sysfs queues/rx-N); 0: no net */
};

/*
 * Format whole protocol lines, "PVB1 TYPE ...\n", into buf. Strings are JSON
 * escaped (bytes outside printable ASCII become \u00XX), numbers that are not
 * finite are written as 0. Return the length, or -1 if buf is too small.
 */
int agent_job_format_ready(char *buf, size_t len, const struct agent_ready *r);
int agent_job_format_result(char *buf, size_t len, const struct agent_result *r);
int agent_job_format_error(char *buf, size_t len, unsigned job, const char *reason);
int agent_job_format_log(char *buf, size_t len, const char *text);

/* An error's reason into err (nothing when err is NULL or errlen 0). */
void agent_job_err(char *err, size_t errlen, const char *fmt, ...) AGENT_PRINTF(3, 4);

/* ---- the measured interval (agent_meter.c) ------------------------------------------------- */

/*
 * A job's phases, shared by the block and network engines: warm-up (counted in ops_total
 * only), the measured interval of runtime_ms, then after it (drain, or a sender's tail).
 * The interval starts and ends at the timestamp of an operation; /proc/stat and
 * /proc/interrupts are read right there.
 */
enum agent_phase { AGENT_PHASE_WARMUP, AGENT_PHASE_MEASURE, AGENT_PHASE_AFTER };

struct hist;

struct agent_meter {
    const struct agent_job *job;
    enum agent_phase phase;
    uint64_t t_warm_end, t_start, t_end; /* CLOCK_MONOTONIC, ns */
    uint64_t ops, ops_total, bytes;      /* ops and bytes: the measured interval's */
    struct hist *hist;                   /* latencies of the measured interval */
    struct procstat_cpu cpu0, cpu1;      /* at the interval's start and end */
    uint64_t irq0, irq1;
    int irq_lines;
    bool no_counters; /* numjobs, streams: a thread other than the first reads no /proc counters */
    char *err; /* where an error's reason goes */
    size_t errlen;
};

/* CLOCK_MONOTONIC in ns. */
uint64_t agent_meter_now(void);

/* The first operation can start at now: warm-up until now + warmup_ms (none: measure). */
int agent_meter_start(struct agent_meter *m, uint64_t now);

/* Phase changes after an operation at now (warm-up over, runtime reached). 0 or -errno. */
int agent_meter_tick(struct agent_meter *m, uint64_t now);

/* End the measured interval at now. 0 or -errno with the reason in m->err. */
int agent_meter_end(struct agent_meter *m, uint64_t now);

/* res from the meter (memset first): job, workload, device, interval, latency, CPU, irqs. */
void agent_meter_fill(const struct agent_meter *m, const char *dev, struct agent_result *res);

/* ---- engines (agent_engine.c) ------------------------------------------------------------- */

/*
 * One engine: runs a job of its kind on target (a block device's path, or the interface
 * under test's name) and fills res (job, workload, device; driver is the caller's).
 * Returns 0, or -errno with a reason in err; the caller answers RESULT or ERROR.
 */
struct agent_engine_ops {
    const char *name; /* the job's engine= value */
    enum agent_kind kind;
    enum agent_engine engine;
    int (*run)(const struct agent_job *job, const char *target, struct agent_result *res,
               char *err, size_t errlen);
    const char *only; /* what it runs, for a job of the other kind: "block jobs only" */
};

/* The table itself (n entries), for the tests. */
const struct agent_engine_ops *agent_engine_table(size_t *n);

/*
 * Check a table: every entry complete, kinds and engines known, no (kind, engine) twice,
 * every kind with an engine of the agent's own. 0, or -1 with the reason in err.
 */
int agent_engine_check_table(const struct agent_engine_ops *t, size_t n, char *err,
                             size_t errlen) __attribute__((warn_unused_result));
/* agent_engine_check_table on the agent's table (at start). */
int agent_engine_check(char *err, size_t errlen) __attribute__((warn_unused_result));

/*
 * The engine of a job's kind and engine= keys, or NULL with the reason in err
 * ("engine=fio runs block jobs only").
 */
const struct agent_engine_ops *agent_engine_find(const struct agent_job *job, char *err,
                                                 size_t errlen);

/* ---- block workloads (agent_blk.c) --------------------------------------------------------- */

/*
 * Run a kind=blk job on dev (e.g. "/dev/vda"). Fills res (job, workload and
 * device included; driver is the caller's). Returns 0, or -errno with a
 * reason in err; an I/O error is an error, never a result.
 */
int agent_blk_run(const struct agent_job *job, const char *dev, struct agent_result *res, char *err,
                  size_t errlen);

/* ---- network workloads (agent_net.c) ------------------------------------------------------- */

/*
 * Configure the interface under test: IPv6 off (no router solicitations or DAD
 * on the test network), addr/PVB_NET_PREFIX (NULL: PVB_NET_GUEST_ADDR), up; lo up
 * with 127.0.0.1. Returns 0 or -errno with a reason in err.
 */
int agent_net_setup(const char *ifname, const char *addr, char *err, size_t errlen);

/* Wait up to timeout_ms for the interface's carrier. 0, or -ETIMEDOUT / -errno. */
int agent_net_wait_carrier(const char *ifname, unsigned timeout_ms);

/*
 * Enable every combined channel (queue pair) the NIC offers (ETHTOOL_SCHANNELS up to
 * max_combined): a guest kernel may enable fewer than the host gave. 0 (also when the
 * driver has no channels: one queue), or -errno with a reason in err.
 */
int agent_net_channels(const char *ifname, char *err, size_t errlen);

/*
 * Run a kind=net job against job->peer:job->port. Fills res (job, workload,
 * device = ifname; driver is the caller's). Returns 0, or -errno with a
 * reason in err: a peer that does not answer, resets or breaks the framing
 * is an error, never a result.
 */
int agent_net_run(const struct agent_job *job, const char *ifname, struct agent_result *res,
                  char *err, size_t errlen);

/* ---- system setup (agent_sys.c) ------------------------------------------------------------ */

typedef void (*agent_sys_log_fn)(const char *msg);

/* Mount proc, sysfs and devtmpfs (an already mounted one is fine). Returns failures. */
int agent_sys_mounts(agent_sys_log_fn log);

/*
 * Load modules listed in path with finit_module. Each line is "PATH [DEP ...]": an absolute
 * .ko path and the names of the modules it needs, dependencies first; blank lines and '#'
 * comments skipped. wanted (module names separated by spaces or commas, e.g. the kernel
 * command line's pvbench.modules=) selects those modules and what they depend on; NULL
 * loads every line. EEXIST counts as loaded. Returns 0 (counts in *loaded, *failed) or
 * -errno if the list cannot be read.
 */
int agent_sys_load_modules(const char *path, const char *wanted, int *loaded, int *failed,
                           agent_sys_log_fn log);

/*
 * The one disk in <sysfs>/block that is not ram, loop, zram, sr or fd.
 * Returns the number of candidates (the first by name is copied to name) or
 * -errno.
 */
int agent_sys_find_disk(const char *sysfs, char *name, size_t len);

/*
 * Driver of the disk's controller: walk up from realpath(<sysfs>/block/X/device)
 * to the nearest virtioN or PCI (0000:00:01.1) directory with a driver link and
 * return that link's basename. Returns 0 or -errno (-ENOENT: none found).
 */
int agent_sys_disk_driver(const char *sysfs, const char *disk, char *drv, size_t len);

/* Poll for the disk and its /dev node for up to timeout_ms. Returns as agent_sys_find_disk. */
int agent_sys_wait_disk(char *name, size_t len, unsigned timeout_ms);

/*
 * The network interfaces in <sysfs>/class/net backed by a device (a "device"
 * link: lo, tunnels and bridges have none). Returns the number of candidates
 * (the first by name is copied to name) or -errno.
 */
int agent_sys_find_netdev(const char *sysfs, char *name, size_t len);

/*
 * Driver bound to an interface's device: basename of
 * <sysfs>/class/net/IF/device/driver (virtio_net for virtio, else the PCI
 * driver, e.g. 8139cp, e1000). Returns 0 or -errno.
 */
int agent_sys_net_driver(const char *sysfs, const char *ifname, char *drv, size_t len);

/* Receive queues in use on an interface: the rx-N entries of <sysfs>/class/net/IF/queues. */
int agent_sys_net_queues(const char *sysfs, const char *ifname);

/*
 * The value of key=value in a kernel command line (e.g. "pvbench.addr"), copied to
 * val. 0, -ENOENT when absent, -ENAMETOOLONG when it does not fit.
 */
int agent_sys_cmdline_value(const char *cmdline, const char *key, char *val, size_t len);

/* Poll for an interface under test for up to timeout_ms. Returns as agent_sys_find_netdev. */
int agent_sys_wait_netdev(char *name, size_t len, unsigned timeout_ms);

#endif
