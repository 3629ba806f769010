/*
 * Unit tests of the series over runs (bench/out/history.c) built in memory: cells split
 * into series (host class and accelerator included), points ordered by time, label or
 * version (natural order: v10 after v9), a step of known size found where it is with its
 * interval, a flat series without one, the gate on the newest point in both metric
 * directions, and too little history left unjudged.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "history.h"
#include "stats.h"

static double gauss(struct stats_rng *r)
{
    double u1 = ((double)(stats_rng_next(r) >> 11) + 0.5) / 9007199254740992.0;
    double u2 = ((double)(stats_rng_next(r) >> 11) + 0.5) / 9007199254740992.0;

    return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

static size_t add_run(struct history *h, unsigned i, const char *label, const char *qemu,
                      const char *host_class)
{
    struct history_run r;
    long idx;

    memset(&r, 0, sizeof(r));
    snprintf(r.run_id, sizeof(r.run_id), "run%04u", i);
    snprintf(r.start, sizeof(r.start), "2026-01-01T00:%02u:00Z", i);
    snprintf(r.label, sizeof(r.label), "%s", label);
    snprintf(r.qemu, sizeof(r.qemu), "%s", qemu);
    snprintf(r.host_class, sizeof(r.host_class), "%s", host_class);
    snprintf(r.accel, sizeof(r.accel), "kvm");
    snprintf(r.folder, sizeof(r.folder), "/results/%u", i);
    idx = history_add_run(h, &r);
    assert_true(idx >= 0);
    return (size_t)idx;
}

/* n runs of one cell: mean before[i < at] else after, reps samples each, sd noise. */
static void series(struct history *h, size_t n, size_t at, double before, double after, double sd,
                   unsigned reps, const char *metric)
{
    struct stats_rng rng;
    size_t i, run;
    unsigned k;
    char label[16];

    stats_rng_seed(&rng, 42);
    for (i = 0; i < n; i++) {
        snprintf(label, sizeof(label), "v%zu", i + 1);
        run = add_run(h, (unsigned)i, label, "7.2", "cpu x2");
        for (k = 0; k < reps; k++) {
            assert_int_equal(history_add_sample(h, run, "virtio-blk", "randread", metric, "IOPS",
                                                (i < at ? before : after) + sd * gauss(&rng)),
                             0);
        }
    }
}

static void test_cells_split_into_series(void **state)
{
    struct history h = {0};
    size_t a = add_run(&h, 1, "", "7.2", "cpu x2");
    size_t b = add_run(&h, 2, "", "7.2", "other cpu x8");

    assert_int_equal(add_run(&h, 1, "", "7.2", "cpu x2"), a); /* the same run_id */
    assert_int_equal(history_add_sample(&h, a, "virtio-blk", "randread", "iops", "IOPS", 1), 0);
    assert_int_equal(history_add_sample(&h, a, "virtio-blk", "randread", "iops", "IOPS", 2), 0);
    assert_int_equal(history_add_sample(&h, a, "ide", "randread", "iops", "IOPS", 3), 0);
    assert_int_equal(history_add_sample(&h, a, "virtio-blk", "randread", "lat_p99_us", "us", 4), 0);
    assert_int_equal(history_add_sample(&h, b, "virtio-blk", "randread", "iops", "IOPS", 5), 0);
    assert_int_equal(history_finish(&h, HISTORY_BY_TIME, 1), 0);
    assert_int_equal(h.nruns, 2);
    assert_int_equal(h.ns, 4); /* the other host class is its own series */
    assert_string_equal(h.s[0].config, "virtio-blk");
    assert_int_equal(h.s[0].n, 1);
    assert_int_equal(h.s[0].p[0].n, 2);
    assert_true(h.s[0].p[0].st.median == 1.5);
    assert_string_equal(h.runs[h.s[3].host_run].host_class, "other cpu x8");
    history_free(&h);
}

static void test_order_by_label_and_version(void **state)
{
    static const char *const labels[] = {"v10", "v9", "v2", "v1"};
    static const char *const qemu[] = {"QEMU 7.2.11", "QEMU 10.0.2", "QEMU 7.2.9", "QEMU 8.0"};
    struct history h = {0};
    size_t i, run;

    for (i = 0; i < 4; i++) {
        run = add_run(&h, (unsigned)i, labels[i], qemu[i], "c");
        assert_int_equal(history_add_sample(&h, run, "c", "w", "iops", "IOPS", (double)i), 0);
    }
    assert_int_equal(history_finish(&h, HISTORY_BY_LABEL, 1), 0);
    assert_string_equal(h.runs[h.s[0].p[0].run].label, "v1");
    assert_string_equal(h.runs[h.s[0].p[1].run].label, "v2");
    assert_string_equal(h.runs[h.s[0].p[2].run].label, "v9");
    assert_string_equal(h.runs[h.s[0].p[3].run].label, "v10");
    assert_int_equal(history_finish(&h, HISTORY_BY_QEMU, 1), 0);
    assert_string_equal(h.runs[h.s[0].p[0].run].qemu, "QEMU 7.2.9");
    assert_string_equal(h.runs[h.s[0].p[1].run].qemu, "QEMU 7.2.11");
    assert_string_equal(h.runs[h.s[0].p[2].run].qemu, "QEMU 8.0");
    assert_string_equal(h.runs[h.s[0].p[3].run].qemu, "QEMU 10.0.2");
    assert_int_equal(history_finish(&h, HISTORY_BY_TIME, 1), 0);
    assert_string_equal(h.runs[h.s[0].p[0].run].label, "v10");
    history_free(&h);
}

static void test_step_found(void **state)
{
    struct history h = {0};

    series(&h, 12, 6, 1000, 800, 10, 5, "iops");
    assert_int_equal(history_finish(&h, HISTORY_BY_TIME, 7), 0);
    assert_int_equal(h.ns, 1);
    assert_int_equal(h.s[0].ncp, 1);
    assert_int_equal(h.s[0].cp[0].index, 6);
    assert_true(fabs(h.s[0].cp[0].change_pct + 20.0) < 2.0);
    assert_true(h.s[0].cp[0].p < 0.05);
    assert_true(h.s[0].cp_lo[0] <= -18.0 && h.s[0].cp_hi[0] >= -22.0);
    assert_true(h.s[0].cp_lo[0] <= h.s[0].cp_hi[0]);
    history_free(&h);
}

static void test_flat_series_has_none(void **state)
{
    struct history h = {0};

    series(&h, 12, 12, 1000, 1000, 10, 5, "iops");
    assert_int_equal(history_finish(&h, HISTORY_BY_TIME, 7), 0);
    assert_int_equal(h.s[0].ncp, 0);
    history_free(&h);
}

static void test_gate(void **state)
{
    struct history h = {0};
    struct history_gate g;

    /* Six steady runs, then a newest 20 % lower: worse when higher is better. */
    series(&h, 7, 6, 1000, 800, 10, 5, "iops");
    assert_int_equal(history_finish(&h, HISTORY_BY_TIME, 7), 0);
    assert_int_equal(history_gate(&h.s[0], 6, 1, 5.0, 0.01, 7, &g), 0);
    assert_int_equal(g.judged, 1);
    assert_int_equal(g.worse, 1);
    assert_int_equal(g.seg_start, 0);
    assert_true(fabs(g.change_pct + 20.0) < 3.0);
    assert_true(g.p < 0.01);
    /* The same drop on a lower-is-better metric is an improvement. */
    assert_int_equal(history_gate(&h.s[0], 6, 0, 5.0, 0.01, 7, &g), 0);
    assert_int_equal(g.judged, 1);
    assert_int_equal(g.worse, 0);
    /* Below the threshold: not worse, however sure. */
    assert_int_equal(history_gate(&h.s[0], 6, 1, 25.0, 0.01, 7, &g), 0);
    assert_int_equal(g.worse, 0);
    /* A steady point is not worse. */
    assert_int_equal(history_gate(&h.s[0], 5, 1, 5.0, 0.01, 7, &g), 0);
    assert_int_equal(g.judged, 1);
    assert_int_equal(g.worse, 0);
    /* Two earlier points are too few to judge. */
    assert_int_equal(history_gate(&h.s[0], 2, 1, 5.0, 0.01, 7, &g), 0);
    assert_int_equal(g.judged, 0);
    history_free(&h);
}

/* After a step, the gate compares with the new segment only. */
static void test_gate_after_step(void **state)
{
    struct history h = {0};
    struct history_gate g;

    series(&h, 13, 6, 1000, 700, 5, 5, "iops");
    assert_int_equal(history_finish(&h, HISTORY_BY_TIME, 7), 0);
    assert_int_equal(history_gate(&h.s[0], 12, 1, 5.0, 0.01, 7, &g), 0);
    assert_int_equal(g.judged, 1);
    assert_int_equal(g.seg_start, 6);
    assert_int_equal(g.worse, 0);
    assert_true(fabs(g.change_pct) < 3.0);
    history_free(&h);
}

/* Runs that drift by +-15 % among themselves: a newest run 10 % low is within their noise. */
static void test_gate_noisy_segment(void **state)
{
    static const double means[] = {1000, 1150, 850, 1100, 900, 1000, 900};
    struct history h = {0};
    struct history_gate g;
    struct stats_rng rng;
    size_t i, run;
    unsigned k;

    stats_rng_seed(&rng, 3);
    for (i = 0; i < 7; i++) {
        run = add_run(&h, (unsigned)i, "", "7.2", "c");
        for (k = 0; k < 8; k++) {
            assert_int_equal(
                history_add_sample(&h, run, "c", "w", "iops", "IOPS", means[i] + 5 * gauss(&rng)),
                0);
        }
    }
    assert_int_equal(history_finish(&h, HISTORY_BY_TIME, 7), 0);
    assert_int_equal(history_gate(&h.s[0], 6, 1, 5.0, 0.01, 7, &g), 0);
    assert_int_equal(g.judged, 1);
    assert_true(g.p < 0.01);             /* the pooled test alone would call it */
    assert_true(g.change_pct < -5.0);    /* and it is beyond the user's threshold */
    assert_true(g.threshold_pct > 10.0); /* but not beyond the runs' own spread */
    assert_int_equal(g.worse, 0);
    history_free(&h);
}

static void test_filter_and_by(void **state)
{
    struct history_filter f = {0};
    enum history_by by;

    assert_true(history_filter_match(&f, "a", "b", "irqs_per_op"));
    f.headline = 1;
    assert_true(history_filter_match(&f, "a", "b", "iops"));
    assert_false(history_filter_match(&f, "a", "b", "irqs_per_op"));
    f.config = "virtio-blk";
    assert_false(history_filter_match(&f, "ide", "b", "iops"));
    assert_true(history_filter_match(&f, "virtio-blk", "b", "iops"));
    assert_int_equal(history_by_parse("kernel", &by), 0);
    assert_int_equal(by, HISTORY_BY_KERNEL);
    assert_int_equal(history_by_parse("commit", &by), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cells_split_into_series),
        cmocka_unit_test(test_order_by_label_and_version),
        cmocka_unit_test(test_step_found),
        cmocka_unit_test(test_flat_series_has_none),
        cmocka_unit_test(test_gate),
        cmocka_unit_test(test_gate_after_step),
        cmocka_unit_test(test_gate_noisy_segment),
        cmocka_unit_test(test_filter_and_by),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
