/* Unit tests of record.c: which samples a result makes, for a guest and for the bare host. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "record.h"

static const struct record_target guest = {
    .config = "virtio-blk@a",
    .host = "a",
    .device = "virtio-blk",
    .class_ = "paravirtual",
    .kind = DEVMODEL_BLK,
    .vcpus = 2,
};

static const struct record_target bare = {
    .config = "host",
    .device = "host",
    .class_ = "host",
    .kind = DEVMODEL_BLK,
};

static struct agent_result blk_result(void)
{
    struct agent_result r;

    memset(&r, 0, sizeof(r));
    r.job = 1;
    strcpy(r.workload, "randread");
    strcpy(r.engine, "agent");
    r.runtime_s = 2.0;
    r.ops = 1000;
    r.ops_total = 1250;
    r.bytes = 1000 * 4096;
    r.lat_us.mean = 500;
    r.lat_us.p50 = 450;
    r.lat_us.max = 900;
    r.cpu_pct.system = 30;
    r.cpu_pct.iowait = 20;
    r.cpu_pct.idle = 50;
    r.irqs = 2000;
    return r;
}

static const struct sample *find(const struct sample_set *set, const char *metric)
{
    for (size_t i = 0; i < set->n; i++) {
        if (strcmp(set->v[i].metric, metric) == 0) {
            return &set->v[i];
        }
    }
    return NULL;
}

static void test_blk_guest(void **state)
{
    const struct workload *w = workload_find("randread");
    struct agent_result r = blk_result();
    struct record_host h = {.cpu_s = 0.5, .disk_bytes = 1250.0 * 4096 * 1.2};
    struct sample_set set = {0};
    const struct sample *s;

    (void)state;
    assert_non_null(w);
    assert_int_equal(record_blk(&set, &guest, w, 3, &r, &h), 0);
    /* the disagreement with the backend's count comes first, flagged */
    assert_string_equal(set.v[0].metric, "host_bytes_ratio");
    assert_true(fabs(set.v[0].value - 1.2) < 1e-9);
    s = find(&set, "iops");
    assert_non_null(s);
    assert_true(fabs(s->value - 500.0) < 1e-9);
    assert_string_equal(s->config, "virtio-blk@a");
    assert_string_equal(s->host, "a");
    assert_string_equal(s->kind, "blk");
    assert_int_equal(s->rep, 3);
    assert_string_equal(s->unit, "IOPS");
    /* busy 30 % of 2 vCPUs over 2 s for 1000 ops */
    s = find(&set, "guest_cpu_us_per_op");
    assert_non_null(s);
    assert_true(fabs(s->value - 0.30 * 2 * 2.0 * 1e6 / 1000) < 1e-6);
    s = find(&set, "host_cpu_us_per_op");
    assert_non_null(s);
    assert_true(fabs(s->value - 0.5 * 1e6 / 1250) < 1e-6);
    /* lat_p90_us is 0 here: a sample (0 is a value); a negative one would not be */
    assert_non_null(find(&set, "lat_p90_us"));
    samples_free(&set);

    /* fio: QEMU's CPU time holds fio's start-up, so no host CPU per op */
    strcpy(r.engine, "fio");
    assert_int_equal(record_blk(&set, &guest, w, 1, &r, NULL), 0);
    assert_null(find(&set, "host_cpu_us_per_op"));
    assert_null(find(&set, "host_bytes_ratio"));
    samples_free(&set);
}

/* KVM's counters over the job become per-op metrics, over ops_total (warm-up included). */
static void test_kvm_exits(void **state)
{
    const struct workload *w = workload_find("randread");
    struct agent_result r = blk_result();
    struct record_metric m[RECORD_METRICS_MAX];
    struct sample_set set = {0};
    const struct sample *s;

    (void)state;
    /* not measured (TCG, an older QEMU): no such metric at all */
    assert_int_equal(record_kvm_metrics(&r, 1250, m, RECORD_METRICS_MAX), 0);
    assert_int_equal(record_blk(&set, &guest, w, 1, &r, NULL), 0);
    assert_null(find(&set, "exits_per_op"));
    samples_free(&set);

    r.kvm_valid = 1;
    r.kvm.exits = 5000;
    r.kvm.io_exits = 2500;
    r.kvm.mmio_exits = 1250;
    r.kvm.halt_exits = 625;
    r.kvm.irq_injections = -1; /* a kernel that does not expose it */
    assert_int_equal(record_kvm_metrics(&r, 1250, m, RECORD_METRICS_MAX), 4);
    assert_int_equal(record_kvm_metrics(&r, 0, m, RECORD_METRICS_MAX), 0);
    assert_int_equal(record_kvm_metrics(&r, 1250, m, 2), 2);
    assert_int_equal(record_blk(&set, &guest, w, 2, &r, NULL), 0);
    s = find(&set, "exits_per_op");
    assert_non_null(s);
    assert_true(fabs(s->value - 4.0) < 1e-9);
    assert_string_equal(s->unit, "exit/op");
    s = find(&set, "io_exits_per_op");
    assert_non_null(s);
    assert_true(fabs(s->value - 2.0) < 1e-9);
    s = find(&set, "mmio_exits_per_op");
    assert_non_null(s);
    assert_true(fabs(s->value - 1.0) < 1e-9);
    s = find(&set, "halt_exits_per_op");
    assert_non_null(s);
    assert_true(fabs(s->value - 0.5) < 1e-9);
    assert_null(find(&set, "irq_injections_per_op"));
    samples_free(&set);
}

/* The bare host: what it moved and how fast, nothing of a guest's CPU. */
static void test_blk_bare_host(void **state)
{
    struct agent_result r = blk_result();
    struct sample_set set = {0};

    (void)state;
    assert_int_equal(record_blk(&set, &bare, workload_find("randread"), 1, &r, NULL), 0);
    assert_int_equal(set.n, 8);
    for (size_t i = 0; i < set.n; i++) {
        assert_null(strstr(set.v[i].metric, "cpu"));
        assert_string_equal(set.v[i].host, "");
    }
    r.runtime_s = 0;
    assert_int_equal(record_blk(&set, &bare, workload_find("randread"), 1, &r, NULL), -1);
    samples_free(&set);
}

/* iperf3's result counts the receiving side itself: no peer report, either direction. */
static void test_net_without_peer(void **state)
{
    struct record_target t = guest;
    struct agent_result r = blk_result();
    struct sample_set set = {0};
    const struct sample *s;

    (void)state;
    t.kind = DEVMODEL_NET;
    t.vcpus = 1;
    r.bytes = 250000000; /* 2000 Mbit in 2 s */
    assert_int_equal(record_net(&set, &t, workload_find("tcp_tx"), 1, &r, NULL, NULL), 0);
    s = find(&set, "throughput_mbit_s");
    assert_non_null(s);
    assert_true(fabs(s->value - 1000.0) < 1e-9);
    assert_string_equal(s->kind, "net");
    assert_non_null(find(&set, "guest_cpu_us_per_op"));
    /* request/response needs the peer's side */
    assert_int_equal(record_net(&set, &t, workload_find("tcp_rr"), 1, &r, NULL, NULL), -1);
    samples_free(&set);
}

static double metric(const struct record_metric *m, unsigned n, const char *name)
{
    for (unsigned i = 0; i < n; i++) {
        if (strcmp(m[i].name, name) == 0) {
            return m[i].value;
        }
    }
    return -1;
}

/* The CPU by thread role: per op of the whole job, what ended folded into "other". */
static void test_thread_metrics(void **state)
{
    const struct workload *w = workload_find("randread");
    struct agent_result r = blk_result();
    struct record_host h = {.cpu_s = 0.5, .disk_bytes = -1, .threads = 1, .ended_s = 0.05};
    struct record_metric m[RECORD_METRICS_MAX];
    struct sample_set set = {0};
    const struct sample *s;
    double sum = 0;
    unsigned n;

    (void)state;
    h.thread_s[THREADCPU_VCPU] = 0.3;
    h.thread_s[THREADCPU_MAIN] = 0.1;
    h.thread_s[THREADCPU_IO] = 0.025;
    h.thread_s[THREADCPU_OTHER] = 0.025;
    n = record_thread_metrics(&h, 1250, m, RECORD_METRICS_MAX);
    assert_int_equal(n, 4); /* no vhost worker ran: no vhost sample */
    assert_true(fabs(metric(m, n, "host_cpu_vcpu_us_per_op") - 0.3e6 / 1250) < 1e-6);
    assert_true(fabs(metric(m, n, "host_cpu_main_us_per_op") - 0.1e6 / 1250) < 1e-6);
    assert_true(fabs(metric(m, n, "host_cpu_io_us_per_op") - 0.025e6 / 1250) < 1e-6);
    assert_true(fabs(metric(m, n, "host_cpu_other_us_per_op") - 0.075e6 / 1250) < 1e-6);
    assert_true(metric(m, n, "host_cpu_vhost_us_per_op") < 0);
    for (unsigned i = 0; i < n; i++) {
        sum += m[i].value;
    }
    assert_true(fabs(sum - h.cpu_s * 1e6 / 1250) < 1e-6); /* the split adds up */
    /* a negative ended_s is clock-tick rounding: nothing is taken off "other" */
    h.ended_s = -0.01;
    h.thread_s[THREADCPU_VHOST] = 0.2;
    n = record_thread_metrics(&h, 1250, m, RECORD_METRICS_MAX);
    assert_int_equal(n, 5);
    assert_true(fabs(metric(m, n, "host_cpu_other_us_per_op") - 0.025e6 / 1250) < 1e-6);
    assert_true(fabs(metric(m, n, "host_cpu_vhost_us_per_op") - 0.2e6 / 1250) < 1e-6);
    /* without a split, or without operations, nothing */
    assert_int_equal(record_thread_metrics(&h, 0, m, RECORD_METRICS_MAX), 0);
    h.threads = 0;
    assert_int_equal(record_thread_metrics(&h, 1250, m, RECORD_METRICS_MAX), 0);
    assert_int_equal(record_thread_metrics(NULL, 1250, m, RECORD_METRICS_MAX), 0);

    /* record_blk makes them samples beside host_cpu_us_per_op, not for fio */
    h.threads = 1;
    assert_int_equal(record_blk(&set, &guest, w, 1, &r, &h), 0);
    s = find(&set, "host_cpu_main_us_per_op");
    assert_non_null(s);
    assert_string_equal(s->unit, "us");
    assert_true(fabs(s->value - 0.1e6 / 1250) < 1e-6);
    samples_free(&set);
    strcpy(r.engine, "fio");
    assert_int_equal(record_blk(&set, &guest, w, 1, &r, &h), 0);
    assert_null(find(&set, "host_cpu_main_us_per_op"));
    samples_free(&set);
}

/* The network formulas: the receiving side counts, an op of a stream is one Mbit. */
static void test_net_metrics(void **state)
{
    struct record_metric m[RECORD_METRICS_MAX];
    struct agent_result a;
    struct peer_report p;
    unsigned n;

    (void)state;
    memset(&a, 0, sizeof(a));
    memset(&p, 0, sizeof(p));
    a.cpu_pct = (struct agent_cpu){.user = 5, .system = 30, .softirq = 15, .idle = 50};
    a.runtime_s = 2.0;
    a.bytes = 250000000; /* 2000 Mbit in the agent's interval */
    a.bytes_total = 375000000;
    a.irqs = 4000;
    p.window_s = 1.0;
    p.window_bytes = 125000000; /* 1000 Mbit in 1 s at the receiver */
    /* tcp_tx: throughput from the receiver (the peer) */
    n = record_net_metrics(PVB_NET_TCP_TX, &a, &p, 1.5, 1, m, RECORD_METRICS_MAX);
    assert_true(n >= 10);
    assert_true(metric(m, n, "throughput_mbit_s") > 999.99 &&
                metric(m, n, "throughput_mbit_s") < 1000.01);
    assert_true(metric(m, n, "guest_cpu_pct") == 50.0);
    assert_true(metric(m, n, "guest_sys_pct") == 30.0);
    /* An op of a stream is one Mbit: 1 s of busy CPU over 2000 Mbit, 4000 irqs over 2000 */
    assert_true(metric(m, n, "guest_cpu_us_per_op") > 499.99 &&
                metric(m, n, "guest_cpu_us_per_op") < 500.01);
    assert_true(metric(m, n, "irqs_per_op") == 2.0);
    /* QEMU's 1.5 s over the whole job's 3000 Mbit */
    assert_true(metric(m, n, "host_cpu_us_per_mbit") > 499.99 &&
                metric(m, n, "host_cpu_us_per_mbit") < 500.01);
    assert_true(metric(m, n, "host_cpu_us_per_op") == metric(m, n, "host_cpu_us_per_mbit"));
    assert_true(metric(m, n, "pps") < 0 && metric(m, n, "lat_p50_us") < 0);

    /* tcp_rx: throughput from the receiver (the agent) */
    n = record_net_metrics(PVB_NET_TCP_RX, &a, &p, -1, 1, m, RECORD_METRICS_MAX);
    assert_true(metric(m, n, "throughput_mbit_s") > 999.99 &&
                metric(m, n, "throughput_mbit_s") < 1000.01);
    assert_true(metric(m, n, "host_cpu_us_per_op") < 0); /* unknown host CPU: no sample */

    /* tcp_rr */
    a.ops = 10000;
    a.ops_total = 12000;
    a.lat_us = (struct agent_lat){.mean = 190, .min = 100, .p50 = 180, .p90 = 250, .p99 = 400,
                                  .p999 = 900, .max = 2000};
    n = record_net_metrics(PVB_NET_TCP_RR, &a, &p, 1.2, 2, m, RECORD_METRICS_MAX);
    assert_true(metric(m, n, "transactions_s") == 5000.0);
    assert_true(metric(m, n, "lat_p50_us") == 180.0 && metric(m, n, "lat_p999_us") == 900.0);
    assert_true(metric(m, n, "host_cpu_us_per_op") > 99.99 &&
                metric(m, n, "host_cpu_us_per_op") < 100.01);
    /* 2 vCPUs x 50 % x 2 s = 2 s of guest CPU over 10000 transactions */
    assert_true(metric(m, n, "guest_cpu_us_per_op") > 199.99 &&
                metric(m, n, "guest_cpu_us_per_op") < 200.01);
    assert_true(metric(m, n, "host_cpu_us_per_mbit") < 0);

    /* udp_pps: rate at the receiver, loss over the whole job */
    a.ops_total = 20000;
    p.window_packets = 8000;
    p.window_s = 0.5;
    p.total_packets = 19000;
    n = record_net_metrics(PVB_NET_UDP_PPS, &a, &p, 1.0, 1, m, RECORD_METRICS_MAX);
    assert_true(metric(m, n, "pps") == 16000.0);
    assert_true(metric(m, n, "loss_pct") == 5.0);
    assert_true(metric(m, n, "host_cpu_us_per_op") == 50.0);
    assert_true(metric(m, n, "throughput_mbit_s") < 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_blk_guest),
        cmocka_unit_test(test_blk_bare_host),
        cmocka_unit_test(test_kvm_exits),
        cmocka_unit_test(test_net_without_peer),
        cmocka_unit_test(test_net_metrics),
        cmocka_unit_test(test_thread_metrics),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
