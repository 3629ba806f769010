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
    s.value = value;
    return samples_add(set, &s);
}

int record_blk(struct sample_set *set, const struct record_target *t, const struct workload *w,
               unsigned rep, const struct agent_result *res, const struct record_host *host)
{
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
    }
    return rc ? -1 : 0;
}

int record_net(struct sample_set *set, const struct record_target *t, const struct workload *w,
               unsigned rep, const struct agent_result *a, const struct peer_report *p,
               const struct record_host *host)
{
    struct peer_metric m[PEER_METRICS_MAX];
    enum pvb_net_workload nw = peer_workload_parse(w->rw);
    unsigned n;
    int rc = 0;

    if (!p && (nw == PVB_NET_TCP_TX || nw == PVB_NET_TCP_RX)) {
        nw = PVB_NET_TCP_RX; /* the result's own bytes are the receiving side's */
    } else if (!p) {
        return -1; /* request/response and datagrams need the peer's side */
    }
    n = peer_metrics(nw, a, p, host ? host->cpu_s : -1.0, t->vcpus, m, PEER_METRICS_MAX);
    for (unsigned i = 0; i < n; i++) {
        rc |= record_sample(set, t, w->name, m[i].name, rep, m[i].value);
    }
    return rc ? -1 : 0;
}
