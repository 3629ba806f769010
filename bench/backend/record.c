/* Agent results and host counters into samples (record.h). */
#include "record.h"

#include <math.h>
#include <string.h>

#include "log.h"
#include "metric.h"
#include "util.h"

/* The bare host's samples: what it moved and how fast, nothing of a guest or of QEMU. */
static int record_host_keeps(const char *metric)
{
    return strncmp(metric, "lat_", 4) == 0 || strncmp(metric, "throughput_", 11) == 0 ||
           strcmp(metric, "iops") == 0 || strcmp(metric, "transactions_s") == 0 ||
           strcmp(metric, "pps") == 0;
}

int record_sample(struct sample_set *set, const struct record_target *t, const char *workload,
                  const char *metric, unsigned rep, double value)
{
    const struct metric *m = metric_find(metric);
    struct sample s;

    if (!isfinite(value) || value < 0 || (t->vcpus == 0 && !record_host_keeps(metric))) {
        return 0;
    }
    memset(&s, 0, sizeof(s));
    util_strlcpy(s.config, t->config, sizeof(s.config));
    util_strlcpy(s.host, t->host ? t->host : "", sizeof(s.host));
    util_strlcpy(s.device, t->device, sizeof(s.device));
    util_strlcpy(s.class_, t->class_, sizeof(s.class_));
    util_strlcpy(s.kind, devmodel_kind_name(t->kind), sizeof(s.kind));
    util_strlcpy(s.workload, workload, sizeof(s.workload));
    util_strlcpy(s.metric, metric, sizeof(s.metric));
    util_strlcpy(s.unit, m ? m->unit : "", sizeof(s.unit));
    s.rep = rep;
    s.boot = t->boot;
    s.value = value;
    return samples_add(set, &s);
}

static void record_put(struct record_metric *out, unsigned max, unsigned *n, const char *name,
                       double v);

unsigned record_kvm_metrics(const struct agent_result *a, double ops_total,
                            struct record_metric *out, unsigned max)
{
    unsigned n = 0;

    if (!a->kvm_valid || !(ops_total > 0)) {
        return 0;
    }
    /* record_put leaves out the counters the kernel did not expose (-1). */
    record_put(out, max, &n, "exits_per_op", a->kvm.exits / ops_total);
    record_put(out, max, &n, "io_exits_per_op", a->kvm.io_exits / ops_total);
    record_put(out, max, &n, "mmio_exits_per_op", a->kvm.mmio_exits / ops_total);
    record_put(out, max, &n, "halt_exits_per_op", a->kvm.halt_exits / ops_total);
    record_put(out, max, &n, "irq_injections_per_op", a->kvm.irq_injections / ops_total);
    return n;
}

unsigned record_thread_metrics(const struct record_host *h, double ops_total,
                               struct record_metric *out, unsigned max)
{
    /* Indexed by enum threadcpu_role: the names must be string constants (record_metric). */
    static const char *const names[THREADCPU_ROLES] = {
        [THREADCPU_VCPU] = "host_cpu_vcpu_us_per_op",
        [THREADCPU_MAIN] = "host_cpu_main_us_per_op",
        [THREADCPU_IO] = "host_cpu_io_us_per_op",
        [THREADCPU_VHOST] = "host_cpu_vhost_us_per_op",
        [THREADCPU_OTHER] = "host_cpu_other_us_per_op",
    };
    unsigned n = 0;

    if (!h || !h->threads || !(ops_total > 0)) {
        return 0;
    }
    for (unsigned r = 0; r < THREADCPU_ROLES; r++) {
        double s = h->thread_s[r];

        if (r == THREADCPU_OTHER && h->ended_s > 0) {
            s += h->ended_s; /* below 0 it is the total's clock-tick rounding, nothing ended */
        }
        if (r == THREADCPU_VHOST && !(s > 0)) {
            continue; /* no vhost worker: no sample rather than a zero that says "free" */
        }
        record_put(out, max, &n, names[r], s * 1e6 / ops_total);
    }
    return n;
}

int record_blk(struct sample_set *set, const struct record_target *t, const struct workload *w,
               unsigned rep, const struct agent_result *res, const struct record_host *host)
{
    struct record_metric km[RECORD_METRICS_MAX];
    unsigned nk;
    const struct agent_cpu *c = &res->cpu_pct;
    double rt = res->runtime_s, ops = (double)res->ops, busy = 100.0 - c->idle - c->iowait;
    const char *wl = w->name;
    int rc = 0;

    if (!(rt > 0)) {
        return -1;
    }
    if (busy < 0) {
        busy = 0;
    }
    if (host && host->disk_bytes >= 0 && res->ops_total > 0) {
        /* Both sides must agree on the bytes moved; a disagreement is flagged, not hidden. */
        double agent = (double)res->ops_total * w->bs, ratio = host->disk_bytes / agent;

        rc |= record_sample(set, t, wl, "host_bytes_ratio", rep, ratio);
        if (ratio < 0.95 || ratio > 1.05) {
            log_warn("%s %s rep %u: the backend saw %.0f bytes on the disk, the agent %.0f "
                     "(ratio %.3f): sample flagged in host_bytes_ratio",
                     t->device, wl, rep, host->disk_bytes, agent, ratio);
        }
    }
    rc |= record_sample(set, t, wl, "throughput_mib_s", rep, (double)res->bytes / rt / 1048576.0);
    rc |= record_sample(set, t, wl, "iops", rep, ops / rt);
    rc |= record_sample(set, t, wl, "lat_mean_us", rep, res->lat_us.mean);
    rc |= record_sample(set, t, wl, "lat_p50_us", rep, res->lat_us.p50);
    rc |= record_sample(set, t, wl, "lat_p90_us", rep, res->lat_us.p90);
    rc |= record_sample(set, t, wl, "lat_p99_us", rep, res->lat_us.p99);
    rc |= record_sample(set, t, wl, "lat_p999_us", rep, res->lat_us.p999);
    rc |= record_sample(set, t, wl, "lat_max_us", rep, res->lat_us.max);
    rc |= record_sample(set, t, wl, "guest_cpu_pct", rep, busy);
    rc |= record_sample(set, t, wl, "guest_user_pct", rep, c->user + c->nice);
    rc |= record_sample(set, t, wl, "guest_sys_pct", rep, c->system);
    rc |= record_sample(set, t, wl, "guest_irq_pct", rep, c->irq);
    rc |= record_sample(set, t, wl, "guest_softirq_pct", rep, c->softirq);
    if (res->ops > 0) {
        /* /proc/stat sums all vCPUs: busy share x vCPUs x interval = CPU time used. */
        rc |= record_sample(set, t, wl, "guest_cpu_us_per_op", rep,
                            busy / 100.0 * t->vcpus * rt * 1e6 / ops);
        rc |= record_sample(set, t, wl, "irqs_per_op", rep, (double)res->irqs / ops);
    }
    /* fio's start-up and ramp are in QEMU's CPU time but not in its counts: no per-op cost */
    if (host && host->cpu_s >= 0 && res->ops_total > 0 && strcmp(res->engine, "fio") != 0) {
        rc |= record_sample(set, t, wl, "host_cpu_us_per_op", rep,
                            host->cpu_s * 1e6 / (double)res->ops_total);
        nk = record_thread_metrics(host, (double)res->ops_total, km, RECORD_METRICS_MAX);
        for (unsigned i = 0; i < nk; i++) {
            rc |= record_sample(set, t, wl, km[i].name, rep, km[i].value);
        }
    }
    /* KVM's counters cover the whole job, warm-up included: per op of ops_total. */
    nk = record_kvm_metrics(res, (double)res->ops_total, km, RECORD_METRICS_MAX);
    for (unsigned i = 0; i < nk; i++) {
        rc |= record_sample(set, t, wl, km[i].name, rep, km[i].value);
    }
    return rc ? -1 : 0;
}

/* ---- the network formulas ------------------------------------------------------------------ */

static void record_put(struct record_metric *out, unsigned max, unsigned *n, const char *name,
                       double v)
{
    if (*n < max && isfinite(v) && v >= 0) {
        out[*n].name = name;
        out[*n].value = v;
        (*n)++;
    }
}

unsigned record_net_metrics(enum pvb_net_workload w, const struct agent_result *a,
                            const struct peer_report *p, double host_cpu_s, unsigned vcpus,
                            struct record_metric *out, unsigned max)
{
    const struct agent_cpu *c = &a->cpu_pct;
    double busy = 100.0 - c->idle - c->iowait;
    double guest_cpu_s, ops = 0, ops_total = 0;
    unsigned n = 0;
    int stream = w == PVB_NET_TCP_TX || w == PVB_NET_TCP_RX;

    if (busy < 0) {
        busy = 0;
    }
    switch (w) {
    case PVB_NET_TCP_TX:
        if (p->window_s > 0) {
            record_put(out, max, &n, "throughput_mbit_s",
                     (double)p->window_bytes * 8 / p->window_s / 1e6);
        }
        break;
    case PVB_NET_TCP_RX:
        if (a->runtime_s > 0) {
            record_put(out, max, &n, "throughput_mbit_s",
                     (double)a->bytes * 8 / a->runtime_s / 1e6);
        }
        break;
    case PVB_NET_TCP_RR:
        if (a->runtime_s > 0) {
            record_put(out, max, &n, "transactions_s", (double)a->ops / a->runtime_s);
        }
        record_put(out, max, &n, "lat_mean_us", a->lat_us.mean);
        record_put(out, max, &n, "lat_p50_us", a->lat_us.p50);
        record_put(out, max, &n, "lat_p90_us", a->lat_us.p90);
        record_put(out, max, &n, "lat_p99_us", a->lat_us.p99);
        record_put(out, max, &n, "lat_p999_us", a->lat_us.p999);
        record_put(out, max, &n, "lat_max_us", a->lat_us.max);
        break;
    case PVB_NET_UDP_PPS:
        if (p->window_s > 0) {
            record_put(out, max, &n, "pps", (double)p->window_packets / p->window_s);
        }
        if (a->ops_total > 0 && p->total_packets <= a->ops_total) {
            record_put(out, max, &n, "loss_pct",
                     (double)(a->ops_total - p->total_packets) * 100.0 / (double)a->ops_total);
        }
        break;
    }
    record_put(out, max, &n, "guest_cpu_pct", busy);
    record_put(out, max, &n, "guest_user_pct", c->user + c->nice);
    record_put(out, max, &n, "guest_sys_pct", c->system);
    record_put(out, max, &n, "guest_irq_pct", c->irq);
    record_put(out, max, &n, "guest_softirq_pct", c->softirq);
    /* An op: one Mbit of payload for streams, a transaction or a datagram otherwise. */
    if (stream) {
        ops = (double)a->bytes * 8 / 1e6;
        ops_total = (double)a->bytes_total * 8 / 1e6;
    } else {
        ops = (double)a->ops;
        ops_total = (double)a->ops_total;
    }
    guest_cpu_s = busy / 100.0 * (vcpus ? vcpus : 1) * a->runtime_s;
    if (ops > 0) {
        record_put(out, max, &n, "guest_cpu_us_per_op", guest_cpu_s * 1e6 / ops);
        record_put(out, max, &n, "irqs_per_op", (double)a->irqs / ops);
    }
    if (host_cpu_s >= 0 && ops_total > 0) {
        record_put(out, max, &n, "host_cpu_us_per_op", host_cpu_s * 1e6 / ops_total);
        if (stream) {
            record_put(out, max, &n, "host_cpu_us_per_mbit", host_cpu_s * 1e6 / ops_total);
        }
    }
    n += record_kvm_metrics(a, ops_total, out + n, max - n);
    return n;
}

int record_net(struct sample_set *set, const struct record_target *t, const struct workload *w,
               unsigned rep, const struct agent_result *a, const struct peer_report *p,
               const struct record_host *host)
{
    struct record_metric m[RECORD_METRICS_MAX];
    enum pvb_net_workload nw = peer_workload_parse(w->rw);
    unsigned n;
    int rc = 0;

    if (!p && (nw == PVB_NET_TCP_TX || nw == PVB_NET_TCP_RX)) {
        nw = PVB_NET_TCP_RX; /* the result's own bytes are the receiving side's */
    } else if (!p) {
        return -1; /* request/response and datagrams need the peer's side */
    }
    n = record_net_metrics(nw, a, p, host ? host->cpu_s : -1.0, t->vcpus, m, RECORD_METRICS_MAX);
    if (host && host->cpu_s >= 0) {
        /* per op as host_cpu_us_per_op: a Mbit for streams, else a transaction or datagram */
        double ops_total = nw == PVB_NET_TCP_TX || nw == PVB_NET_TCP_RX
                               ? (double)a->bytes_total * 8 / 1e6
                               : (double)a->ops_total;

        n += record_thread_metrics(host, ops_total, m + n, RECORD_METRICS_MAX - n);
    }
    for (unsigned i = 0; i < n; i++) {
        rc |= record_sample(set, t, w->name, m[i].name, rep, m[i].value);
    }
    return rc ? -1 : 0;
}
