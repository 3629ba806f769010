/*
 * KVM's exit counters of a guest, as QMP's query-stats reports them (QEMU >= 7.1 with KVM):
 * the vCPUs' exits, io_exits, mmio_exits, halt_exits and irq_injections summed over every
 * vCPU (and the VM, target "vm", should a kernel put one of them there).
 */
#ifndef PVB_KVMSTATS_H
#define PVB_KVMSTATS_H

#include <json-c/json.h>

struct qmp;

/* Counter totals; -1: the kernel does not expose it. */
struct kvmstats {
    double exits;          /* every VM exit */
    double io_exits;       /* port I/O (PIO): emulated registers, legacy devices */
    double mmio_exits;     /* MMIO the kernel did not handle itself */
    double halt_exits;     /* HLT: the vCPU went idle */
    double irq_injections; /* interrupts injected into the guest */
};

/* All five counters -1 (nothing read yet). */
void kvmstats_init(struct kvmstats *k);

/*
 * Add the counters of one query-stats "return" (an array of {provider, stats: [{name,
 * value}]}) into *k; a counter seen for the first time starts at 0. Returns how many
 * values were added (0: none of ours in it), or -1 when reply is not such an array.
 */
int kvmstats_add_reply(struct kvmstats *k, json_object *reply);

/*
 * One query-stats of target ("vm", "vcpu") however a backend reaches QEMU's monitor: 0 with
 * *ret the command's "return" value (the caller puts it), or -1 with err.
 */
typedef int (*kvmstats_query_fn)(void *arg, const char *target, json_object **ret, char *err,
                                 size_t errlen);

/*
 * The counters into *k from query(arg, "vm") and query(arg, "vcpu"). 0, or -1 with err
 * (the query's error, a reply of another shape, or "no KVM counters in query-stats").
 */
int kvmstats_collect(struct kvmstats *k, kvmstats_query_fn query, void *arg, char *err,
                     size_t errlen) __attribute__((warn_unused_result));

/* kvmstats_collect over a connected QMP client q, every command before deadline. */
int kvmstats_read(struct qmp *q, struct kvmstats *k, double deadline, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/*
 * after - before, counter by counter, into *d; -1 where either side lacks it or the
 * counter went backwards (a reset guest).
 */
void kvmstats_delta(const struct kvmstats *before, const struct kvmstats *after,
                    struct kvmstats *d);

#endif
