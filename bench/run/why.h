/*
 * "Why" metrics: what one I/O operation costs in trapped device-register accesses,
 * virtio notifications and interrupts, measured in a short extra job after the timed
 * ones, so that tracing never touches the timed numbers.
 *
 * Source (both accelerators): QEMU's trace events through its `log` backend into the
 * file given with -D, switched on and off over QMP (trace-event-set-state) around
 * the extra job only; the file stays empty otherwise.
 *   memory_region_ops_read/_write  every guest access that QEMU dispatches to a device
 *                                  model, with the memory region's name: port I/O
 *                                  (IDE task file, rtl8139) and MMIO (AHCI, e1000 BARs,
 *                                  virtio-pci common/isr/device regions)
 *   virtio_queue_notify            a virtqueue kick the device handled. A kick is a write
 *                                  to the notify region, but with ioeventfd (QEMU's
 *                                  default, under TCG too) that write never reaches
 *                                  memory_region_ops, so kicks are counted here.
 *   virtio_notify(_irqfd)          an interrupt a virtio device raised (after suppression)
 * Under KVM, query-stats adds the guest-wide io/mmio exit counts.
 *
 * Each device model maps to the names of its memory regions (its entry in devmodel.c;
 * found by tracing a real guest); accesses to other regions (timers, APIC, the control UART) and
 * accesses not made by a vCPU are left out.
 */
#ifndef PVB_WHY_H
#define PVB_WHY_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "devmodel.h"
#include "qmp.h"
#include "results.h"

#define WHY_SOURCE_TRACE "qemu-trace:memory_region_ops+virtio_queue_notify"
#define WHY_SOURCE_KVM_STATS "qmp:query-stats(kvm io_exits+mmio_exits)"
#define WHY_FILE "why.json"
#define WHY_FORMAT_VERSION 1

#define WHY_LINE_MAX 512                 /* longer trace lines are skipped and counted */
#define WHY_REGION_MAX 64                /* longest memory-region name kept */
#define WHY_MAX_REGIONS 16               /* distinct DUT region names kept per measurement */
#define WHY_TRACE_MAX_BYTES (1ull << 30) /* never read more than this of one trace */
#define WHY_PATH_MAX 512
#define WHY_DEFAULT_RUNTIME_S 0.5 /* length of the traced job */

/* ---- trace lines (pure; unit-tested on lines captured from QEMU 7.2) ------------------------ */

enum why_line_kind {
    WHY_LINE_READ,       /* memory_region_ops_read */
    WHY_LINE_WRITE,      /* memory_region_ops_write */
    WHY_LINE_KICK,       /* virtio_queue_notify */
    WHY_LINE_VIRTIO_IRQ, /* virtio_notify, virtio_notify_irqfd */
};

struct why_line {
    enum why_line_kind kind;
    int cpu;       /* vCPU index, -1 when not made by a vCPU (DMA, MSI delivery) */
    uint64_t addr; /* absolute address (port number for port I/O) */
    uint64_t value;
    unsigned size;
    char region[WHY_REGION_MAX];
    int region_truncated; /* the name did not fit: it matches nothing */
    uint64_t vdev;        /* virtio lines: the VirtIODevice pointer */
    int queue;            /* virtio_queue_notify: queue index */
};

/*
 * Parse one trace line (without its newline; the optional "pid@sec.usec:" prefix of
 * -msg timestamp=on is accepted). 0 and *out filled, or -1: not a line of an event we
 * enable, or malformed.
 */
int why_parse_line(const char *line, struct why_line *out) __attribute__((warn_unused_result));

/* ---- which regions belong to a device model ------------------------------------------------ */

/* The regions of a model (devmodel.h), ended by a NULL pattern; NULL if the model has none. */
const struct devmodel_region *why_regions_of(const struct devmodel *dut);
/* 1 if region is one of dut's memory regions. */
int why_region_matches(const struct devmodel *dut, const char *region);
/* 1 if dut is a virtio-pci device (kicks and virtio interrupts are its). */
int why_is_virtio(const struct devmodel *dut);
/* 1 if region is a virtio notify region (its writes are kicks, counted once, as kicks). */
int why_is_notify_region(const char *region);

/* ---- counting ------------------------------------------------------------------------------ */

struct why_region_count {
    char name[WHY_REGION_MAX];
    uint64_t reads, writes;
};

struct why_counts {
    uint64_t lines;          /* complete lines read */
    uint64_t overlong;       /* lines longer than WHY_LINE_MAX, skipped */
    uint64_t unknown;        /* lines that are not an event we enabled */
    uint64_t dut_reads;      /* vCPU reads of the DUT's registers */
    uint64_t dut_writes;     /* vCPU writes of the DUT's registers (kicks not included) */
    uint64_t notify_writes;  /* writes to a virtio notify region that reached the trace */
    uint64_t kicks;          /* virtio_queue_notify of a virtio DUT */
    uint64_t virtio_irqs;    /* interrupts raised by a virtio DUT */
    uint64_t other_accesses; /* other regions, or not made by a vCPU */
    uint64_t other_virtio;   /* virtio lines while the DUT is not virtio */
    unsigned n_regions;
    struct why_region_count regions[WHY_MAX_REGIONS];
    uint64_t regions_dropped; /* DUT accesses to names beyond WHY_MAX_REGIONS */
};

/* Account one parsed line against dut. */
void why_counts_add(struct why_counts *c, const struct devmodel *dut, const struct why_line *l);

/*
 * Stream the bytes [from, to) of a trace file (to < 0: up to its end) through the
 * parser, at most WHY_TRACE_MAX_BYTES, in fixed-size buffers: memory does not grow
 * with the file. c is added to (zero it first). 0, or -1 with err set.
 */
int why_count_file(const char *path, off_t from, off_t to, const struct devmodel *dut,
                   struct why_counts *c, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* Register accesses of the DUT: reads + writes + kicks (a kick is a trapped write). */
uint64_t why_accesses(const struct why_counts *c);

/* ---- a measurement ------------------------------------------------------------------------- */

struct why_result {
    char source[128];
    double ops;     /* operations of the traced job (why_job_ops) */
    double seconds; /* from switching the events on to switching them off */
    struct why_counts c;
    double reg_accesses_per_op; /* -1 when there were no operations */
    double notifies_per_op;     /* kicks per operation; -1 when the DUT is not virtio */
    double dev_irqs_per_op;     /* interrupts a virtio DUT raised per op; -1 if not virtio */
    double kvm_exits_per_op;    /* KVM io+mmio exits per op, whole guest; -1 unless KVM */
    int kicks_hidden;           /* vhost: kicks invisible, per-op numbers -1 (see why_session) */
};

/*
 * The operations of a traced job, counted as the timed metrics count them: the agent's
 * ops_total, and for TCP streams megabits of payload (bytes_total), as in peer.c.
 */
struct workload;
struct agent_result;
double why_job_ops(const struct workload *w, const struct agent_result *a);

/* Fill the per-operation fields of r from r->c and r->ops (pure). */
void why_result_finish(struct why_result *r, const struct devmodel *dut);

/*
 * One guest's tracing: the QMP socket QEMU listens on and its -D log file, both in
 * the run's scratch folder and registered, so a crashed run's cleanup removes them.
 */
struct why_session {
    char qmp_path[WHY_PATH_MAX];
    char trace_path[WHY_PATH_MAX];
    const struct devmodel *dut;
    int kvm;
    struct qmp q;
    off_t from;
    double t0;
    int enabled; /* events are on */
    int registered;
    int kvm_stats; /* query-stats answered at begin */
    uint64_t kvm_exits0;
    /*
     * Set by the caller when the DUT's queues are served outside QEMU (vhost-net): its
     * kicks and interrupts never reach QEMU's trace, so no per-op numbers are given.
     */
    int kicks_hidden;
};

/*
 * Name the QMP socket and trace file of a guest in dir (the run's scratch folder)
 * and register both. The caller passes ws->qmp_path and ws->trace_path in its
 * guest_spec (qmp_sock, trace_log). accel is "kvm" or "tcg". 0, or -1 with err.
 */
int why_session_init(struct why_session *ws, const char *dir, const char *config,
                     const struct devmodel *dut, const char *accel, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* Connect (once), note where the trace file ends, switch the events on. 0 or -1 with err. */
int why_begin(struct why_session *ws, char *err, size_t errlen) __attribute__((warn_unused_result));

/*
 * Switch the events off, wait for the file to settle, count what the job left in it.
 * ops: operations the traced job completed, warm-up included (why_job_ops). 0 or -1
 * with err; the events are switched off in both cases when QEMU still answers.
 */
int why_end(struct why_session *ws, double ops, struct why_result *out, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* The traced job failed: switch the events off (if QEMU still answers), count nothing. */
void why_cancel(struct why_session *ws);

/* Close QMP, remove the socket and the trace file, forget them in the registry. */
void why_session_close(struct why_session *ws);

/* Sum one statistic (e.g. "io_exits") over every entry of a query-stats reply. 0 or -1. */
int why_stats_sum(json_object *reply, const char *name, uint64_t *sum);

/* ---- the run folder's why.json ------------------------------------------------------------- */

/*
 * why.json: {"format":"pvbench-why","version":1,"entries":[{"config","device","class",
 * "kind","workload","source","ops","seconds","reg_accesses","reg_reads","reg_writes",
 * "kicks","notify_writes","virtio_irqs","reg_accesses_per_op","notifies_per_op",
 * "dev_irqs_per_op","kvm_exits_per_op","kicks_hidden","other_accesses","trace_lines",
 * "regions":[{"name","reads","writes"}]}]}. Per-op values that do not apply are null.
 */
struct why_entry {
    char config[RESULTS_CONFIG_MAX];
    char device[32];
    char workload[32];
    char source[128];
    double ops;
    uint64_t reg_accesses, kicks, virtio_irqs;
    double reg_accesses_per_op, notifies_per_op, dev_irqs_per_op, kvm_exits_per_op;
    int kicks_hidden;
    unsigned n_regions;
    struct why_region_count regions[WHY_MAX_REGIONS];
};

/*
 * Add (or replace: same config and workload) one measurement in run_dir/why.json,
 * rewritten atomically. 0 or -1 with err.
 */
int why_record(const char *run_dir, const struct devmodel *dev, const char *config,
               const char *workload, const struct why_result *r, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/*
 * Read run_dir/why.json (at most max entries, file at most 4 MiB). A missing file gives
 * 0 entries. 0, or -1 with err when the file is unreadable.
 */
int why_load(const char *run_dir, struct why_entry *out, size_t max, size_t *n, char *err,
             size_t errlen) __attribute__((warn_unused_result));

#endif
