/* The metric table: every value a sample can carry, its unit and which way is better. */
#include "metric.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "i18n.h"
#include "log.h"
#include "workload.h"

#define HI METRIC_HIGHER_BETTER
#define LO METRIC_LOWER_BETTER

/* Longest name and unit that fit the fixed fields of struct sample (results.h). */
#define METRIC_NAME_MAX 31
#define METRIC_UNIT_MAX 15

/* name, unit (as stored in samples.csv), better, summary, label (translated where shown) */
static const struct metric metrics[] = {
    /* block and general throughput */
    {"throughput_mib_s", "MiB/s", HI, "data moved per second of the measured interval",
     N_("throughput")},
    {"iops", "IOPS", HI, "operations completed per second", N_("I/O operations per second")},
    /* per-operation latency, as measured by the agent in the guest */
    {"lat_mean_us", "us", LO, "mean latency of one operation", N_("mean latency")},
    {"lat_p50_us", "us", LO, "median latency of one operation", N_("median latency")},
    {"lat_p90_us", "us", LO, "90th percentile latency", N_("p90 latency")},
    {"lat_p99_us", "us", LO, "99th percentile latency", N_("p99 latency")},
    {"lat_p999_us", "us", LO, "99.9th percentile latency", N_("p99.9 latency")},
    {"lat_max_us", "us", LO, "largest latency seen", N_("largest latency")},
    /* guest CPU, shares of all guest CPU time over the measured interval */
    {"guest_cpu_pct", "%", LO, "busy share of guest CPU: 100 - idle - iowait",
     N_("guest CPU busy")},
    {"guest_user_pct", "%", LO, "guest CPU share in user mode", N_("guest CPU in user mode")},
    {"guest_sys_pct", "%", LO, "guest CPU share in the kernel (system)",
     N_("guest CPU in the kernel")},
    {"guest_irq_pct", "%", LO, "guest CPU share in hard interrupt handlers",
     N_("guest CPU in interrupts")},
    {"guest_softirq_pct", "%", LO, "guest CPU share in softirqs", N_("guest CPU in softirqs")},
    /* CPU cost per operation: what the device model costs, guest and host side */
    {"guest_cpu_us_per_op", "us", LO, "busy guest CPU time per operation",
     N_("guest CPU per operation")},
    {"host_cpu_us_per_op", "us", LO, "CPU time of the QEMU process per operation",
     N_("host CPU per operation")},
    /* the same by QEMU thread (threadcpu.h), local QEMU guests */
    {"host_cpu_vcpu_us_per_op", "us", LO, "CPU time of QEMU's vCPU threads per operation",
     N_("vCPU threads' CPU per operation")},
    {"host_cpu_main_us_per_op", "us", LO, "CPU time of QEMU's main loop per operation",
     N_("main loop's CPU per operation")},
    {"host_cpu_io_us_per_op", "us", LO, "CPU time of QEMU's I/O workers and iothreads per op",
     N_("I/O workers' CPU per operation")},
    {"host_cpu_vhost_us_per_op", "us", LO, "CPU time of the vhost workers per operation",
     N_("vhost workers' CPU per operation")},
    {"host_cpu_other_us_per_op", "us", LO, "CPU time of QEMU's other threads per operation",
     N_("other QEMU threads' CPU per operation")},
    {"irqs_per_op", "irq/op", LO, "interrupts of the device under test per operation",
     N_("interrupts per operation")},
    /* KVM's exit counters (query-stats) over each job, under KVM only (kvmstats.h) */
    {"exits_per_op", "exit/op", LO, "VM exits of all vCPUs per operation (KVM)",
     N_("VM exits per operation")},
    {"io_exits_per_op", "exit/op", LO, "port I/O exits per operation (KVM)",
     N_("port I/O exits per operation")},
    {"mmio_exits_per_op", "exit/op", LO, "MMIO exits to QEMU per operation (KVM)",
     N_("MMIO exits per operation")},
    {"halt_exits_per_op", "exit/op", LO, "HLT exits (idle vCPU) per operation (KVM)",
     N_("HLT exits per operation")},
    {"irq_injections_per_op", "irq/op", LO, "interrupts KVM injected per operation (KVM)",
     N_("injected interrupts per operation")},
    /* "why" metrics: one traced job after the measured ones (why.h) */
    {"reg_accesses_per_op", "acc/op", LO,
     "trapped register accesses (port I/O, MMIO, virtio kicks) to the device per operation",
     N_("register accesses per operation")},
    {"notifies_per_op", "kick/op", LO, "virtio notifications (kicks) to the device per operation",
     N_("virtio kicks per operation")},
    /* boot */
    {"boot_to_ready_s", "s", LO, "from starting the guest to the agent's READY",
     N_("boot to ready")},
    {"host_bytes_ratio", "ratio", HI,
     "bytes the host saw on the DUT (libvirt block stats) / bytes the agent moved; ~1",
     N_("host bytes / guest bytes")},
    /* network */
    {"throughput_mbit_s", "Mbit/s", HI, "network throughput", N_("network throughput")},
    {"transactions_s", "1/s", HI, "request/response round trips per second",
     N_("transactions per second")},
    {"pps", "pkt/s", HI, "packets per second", N_("packets per second")},
    {"loss_pct", "%", LO, "share of packets sent but not received", N_("packet loss")},
    {"host_cpu_us_per_mbit", "us", LO, "CPU time of the QEMU process per Mbit moved (streams)",
     N_("host CPU per Mbit")},
};

unsigned metric_count(void)
{
    return sizeof(metrics) / sizeof(metrics[0]);
}

const struct metric *metric_at(unsigned i)
{
    return i < metric_count() ? &metrics[i] : NULL;
}

const struct metric *metric_find(const char *name)
{
    for (unsigned i = 0; i < metric_count(); i++) {
        if (strcmp(metrics[i].name, name) == 0) {
            return &metrics[i];
        }
    }
    return NULL;
}

/*
 * What one "op" of a workload is: a block I/O, a Mbit of a stream, a transaction, a
 * datagram. workload: its rw, or the name of a preset (a custom workload's name says
 * nothing: its rw does).
 */
static const char *metric_op_noun(const char *workload)
{
    const struct workload *w = workload ? workload_find(workload) : NULL;
    const char *rw = w ? w->rw : workload;

    if (!rw) {
        return N_("operation");
    }
    if (strcmp(rw, "tcp_tx") == 0 || strcmp(rw, "tcp_rx") == 0) {
        return N_("Mbit");
    }
    if (strcmp(rw, "tcp_rr") == 0) {
        return N_("transaction");
    }
    return strcmp(rw, "udp_pps") == 0 ? N_("datagram") : N_("operation");
}

/* in with its first "what" replaced by "with", into out. */
static void metric_replace(const char *in, const char *what, const char *with, char *out,
                           size_t outlen)
{
    const char *at = strstr(in, what);

    if (!at) {
        snprintf(out, outlen, "%s", in);
        return;
    }
    snprintf(out, outlen, "%.*s%s%s", (int)(at - in), in, with, at + strlen(what));
}

const char *metric_label(const char *metric, const char *workload, char *out, size_t outlen)
{
    const struct metric *m = metric_find(metric);

    if (!m) {
        snprintf(out, outlen, "%s", metric);
    } else {
        metric_replace(m->label, "operation", metric_op_noun(workload), out, outlen);
    }
    return out;
}

const char *metric_unit_shown(const char *metric, const char *workload, char *out, size_t outlen)
{
    const struct metric *m = metric_find(metric);
    const char *noun = metric_op_noun(workload);

    if (!m) {
        snprintf(out, outlen, "?");
    } else if (strcmp(m->unit, "us") == 0) {
        snprintf(out, outlen, "µs");
    } else if (strcmp(m->unit, "1/s") == 0) {
        snprintf(out, outlen, "transactions/s");
    } else if (strcmp(noun, "Mbit") == 0) {
        metric_replace(m->unit, "/op", "/Mbit", out, outlen);
    } else {
        snprintf(out, outlen, "%s", m->unit);
    }
    return out;
}

const char *metric_label_i18n(const char *metric, const char *workload, char *out,
                              size_t outlen)
{
    const struct metric *m = metric_find(metric);

    if (!m) {
        snprintf(out, outlen, "%s", metric);
    } else {
        /* the translated label names its operation by the translated word, replaced alike */
        metric_replace(_(m->label), _("operation"), _(metric_op_noun(workload)), out, outlen);
    }
    return out;
}

/* Units shown to people that are words, not symbols: translated (the others stay). */
static const char *const metric_unit_words[] = {
    N_("transactions/s"), N_("pkt/s"),   N_("ratio"),  N_("irq/op"),   N_("irq/Mbit"),
    N_("exit/op"),        N_("exit/Mbit"), N_("acc/op"), N_("acc/Mbit"), N_("kick/op"),
    N_("kick/Mbit"),
};

const char *metric_unit_i18n(const char *metric, const char *workload, char *out, size_t outlen)
{
    metric_unit_shown(metric, workload, out, outlen);
    for (size_t i = 0; i < sizeof(metric_unit_words) / sizeof(metric_unit_words[0]); i++) {
        if (strcmp(out, metric_unit_words[i]) == 0) {
            snprintf(out, outlen, "%s", _(metric_unit_words[i]));
            break;
        }
    }
    return out;
}

/* One entry: fields set, direction known, sizes fit a sample, name unique. 0 or -1. */
static int metric_check_entry(unsigned i, const struct metric *m)
{
    const char *name = m->name ? m->name : "?";

    if (!m->name || !m->name[0] || !m->unit || !m->unit[0] || !m->summary ||
        !m->label || !m->label[0]) {
        log_err("metric table: entry %u (%s) is incomplete", i, name);
        return -1;
    }
    if (m->dir != METRIC_HIGHER_BETTER && m->dir != METRIC_LOWER_BETTER) {
        log_err("metric table: %s has an unknown direction %d", name, (int)m->dir);
        return -1;
    }
    if (strlen(m->name) > METRIC_NAME_MAX || strlen(m->unit) > METRIC_UNIT_MAX) {
        log_err("metric table: %s: name or unit too long for a sample", name);
        return -1;
    }
    for (unsigned j = 0; j < i; j++) {
        if (strcmp(metrics[j].name, m->name) == 0) {
            log_err("metric table: %s appears twice", name);
            return -1;
        }
    }
    return 0;
}

int metric_check_table(void)
{
    unsigned i_wl = 0;
    int bad = 0;

    for (unsigned i = 0; i < metric_count(); i++) {
        if (metric_check_entry(i, &metrics[i]) < 0) {
            bad = 1;
        }
    }
    /* every workload's headline metric is one of ours (the workload table's own check does
     * not look here: metric.c reads workloads, not the other way round) */
    for (const struct workload *w; (w = workload_at(i_wl)) != NULL; i_wl++) {
        if (w->metric && !metric_find(w->metric)) {
            log_err("workload table: %s's headline metric %s is not in the metric table",
                    w->name, w->metric);
            bad = 1;
        }
    }
    return bad ? -1 : 0;
}
