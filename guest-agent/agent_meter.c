/*
 * The measured interval of a block or network job (agent.h): phases, and the CPU and
 * interrupt counters read at its two ends.
 */
#include "agent.h"
#include "agent_stall.h"
#include "hist.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static void AGENT_PRINTF(2, 3) agent_meter_err(struct agent_meter *m, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(m->err, m->errlen, fmt, ap);
    va_end(ap);
}

uint64_t agent_meter_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Snapshot CPU and interrupt counters; returns 0 or -errno with the reason set. */
static int agent_meter_snapshot(struct agent_meter *m, struct procstat_cpu *cpu, uint64_t *irqs)
{
    int ret;

    if (m->no_counters) {
        return 0;
    }
    ret = procstat_read_cpu(cpu);
    if (ret < 0) {
        agent_meter_err(m, "read /proc/stat: %s", strerror(-ret));
        return ret;
    }
    *irqs = 0;
    if (m->job->irq[0]) {
        ret = procstat_read_irqs(m->job->irq, irqs);
        m->irq_lines = ret;
        if (ret < 0) {
            agent_meter_err(m, "read /proc/interrupts: %s", strerror(-ret));
            return ret;
        }
    }
    return 0;
}

static int agent_meter_begin(struct agent_meter *m, uint64_t now)
{
    m->phase = AGENT_PHASE_MEASURE;
    m->t_start = now;
    return agent_meter_snapshot(m, &m->cpu0, &m->irq0);
}

int agent_meter_start(struct agent_meter *m, uint64_t now)
{
    agent_stall_progress(now);
    if (m->job->kind == AGENT_KIND_NET) {
        agent_stall_fault(m->job); /* block engines stall with their requests in flight */
    }
    m->phase = AGENT_PHASE_WARMUP;
    m->t_warm_end = now + (uint64_t)m->job->warmup_ms * 1000000u;
    if (m->job->warmup_ms == 0) {
        return agent_meter_begin(m, now);
    }
    return 0;
}

int agent_meter_end(struct agent_meter *m, uint64_t now)
{
    m->phase = AGENT_PHASE_AFTER;
    m->t_end = now;
    return agent_meter_snapshot(m, &m->cpu1, &m->irq1);
}

int agent_meter_tick(struct agent_meter *m, uint64_t now)
{
    agent_stall_progress(now);
    if (m->phase == AGENT_PHASE_WARMUP && now >= m->t_warm_end) {
        return agent_meter_begin(m, now);
    }
    if (m->phase == AGENT_PHASE_MEASURE &&
        now - m->t_start >= (uint64_t)m->job->runtime_ms * 1000000u) {
        return agent_meter_end(m, now);
    }
    return 0;
}

void agent_meter_fill(const struct agent_meter *m, const char *dev, struct agent_result *res)
{
    const struct hist *h = m->hist;

    memset(res, 0, sizeof(*res));
    res->job = m->job->id;
    snprintf(res->workload, sizeof(res->workload), "%s", m->job->workload);
    snprintf(res->device, sizeof(res->device), "%s", dev);
    res->runtime_s = (double)(m->t_end - m->t_start) / 1e9;
    res->ops = m->ops;
    res->ops_total = m->ops_total;
    res->bytes = m->bytes;
    if (hist_count(h) > 0) { /* none: no latency (a stream), all zero */
        res->lat_us.mean = hist_mean(h) / 1e3;
        res->lat_us.min = (double)hist_min(h) / 1e3;
        res->lat_us.p50 = (double)hist_percentile(h, 50.0) / 1e3;
        res->lat_us.p90 = (double)hist_percentile(h, 90.0) / 1e3;
        res->lat_us.p99 = (double)hist_percentile(h, 99.0) / 1e3;
        res->lat_us.p999 = (double)hist_percentile(h, 99.9) / 1e3;
        res->lat_us.max = (double)hist_max(h) / 1e3;
    }
    procstat_cpu_pct(&m->cpu0, &m->cpu1, &res->cpu_pct);
    res->irqs = m->irq1 >= m->irq0 ? m->irq1 - m->irq0 : 0;
    res->irq_lines = m->irq_lines;
}
