/*
 * Unit tests of compare.c and baseline.c on synthetic samples with known answers:
 * the verdict rule, the metric directions, the permutation test's exact p-values,
 * "insufficient samples", refusal of mismatched runs, determinism, and baselines.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>

#include "baseline.h"
#include "cireport.h"
#include "compare.h"
#include "exitcode.h"
#include "metric.h"
#include "permtest.h"
#include "results.h"
#include "stats.h"
#include "util.h"

/* ---- helpers ------------------------------------------------------------------------------- */

/* Roughly normal noise (sum of 12 uniforms - 6) from the suite's PRNG. */
static double test_noise(struct stats_rng *r)
{
    double s = 0.0;
    int i;

    for (i = 0; i < 12; i++) {
        s += (double)(stats_rng_next(r) >> 11) / 9007199254740992.0;
    }
    return s - 6.0;
}

/* Append n samples center * (1 + noise * N(0,1)) for one cell, each repetition in a boot of
 * its own (no boot effect: the boots are as independent as the values). */
static void test_add_cell(struct sample_set *set, const char *config, const char *workload,
                          const char *metric, double center, double noise, unsigned n,
                          uint64_t seed)
{
    const struct metric *m = metric_find(metric);
    struct stats_rng rng;
    struct sample s;
    unsigned i;

    stats_rng_seed(&rng, seed);
    memset(&s, 0, sizeof(s));
    snprintf(s.config, sizeof(s.config), "%s", config);
    snprintf(s.device, sizeof(s.device), "%s", config);
    snprintf(s.class_, sizeof(s.class_), "paravirtual");
    snprintf(s.kind, sizeof(s.kind), "blk");
    snprintf(s.workload, sizeof(s.workload), "%s", workload);
    snprintf(s.metric, sizeof(s.metric), "%s", metric);
    snprintf(s.unit, sizeof(s.unit), "%s", m ? m->unit : "x");
    for (i = 0; i < n; i++) {
        s.rep = i + 1;
        s.boot = i;
        s.value = center * (1.0 + noise * test_noise(&rng));
        assert_int_equal(samples_add(set, &s), 0);
    }
}

/* Append exact values for one cell, one boot each. */
static void test_add_values(struct sample_set *set, const char *config, const char *metric,
                            const double *v, unsigned n)
{
    struct sample s;
    unsigned i;

    memset(&s, 0, sizeof(s));
    snprintf(s.config, sizeof(s.config), "%s", config);
    snprintf(s.device, sizeof(s.device), "%s", config);
    snprintf(s.workload, sizeof(s.workload), "randread");
    snprintf(s.metric, sizeof(s.metric), "%s", metric);
    for (i = 0; i < n; i++) {
        s.rep = i + 1;
        s.boot = i;
        s.value = v[i];
        assert_int_equal(samples_add(set, &s), 0);
    }
}

static const struct compare_row *test_find(const struct compare_result *r, const char *config,
                                           const char *metric)
{
    size_t i;

    for (i = 0; i < r->n; i++) {
        if (strcmp(r->rows[i].config, config) == 0 && strcmp(r->rows[i].metric, metric) == 0) {
            return &r->rows[i];
        }
    }
    fail_msg("no row %s/%s", config, metric);
    return NULL;
}

/* One cell each side: base center b, new center nw, same noise and size. */
static enum compare_verdict test_one(const char *metric, double b, double nw, double noise,
                                     unsigned n, struct compare_row *out)
{
    struct sample_set sb = {0};
    struct sample_set sn = {0};
    struct compare_options o;
    struct compare_result r;
    enum compare_verdict v;

    compare_options_init(&o);
    o.metrics = "all";
    test_add_cell(&sb, "virtio-blk", "randread", metric, b, noise, n, 1);
    test_add_cell(&sn, "virtio-blk", "randread", metric, nw, noise, n, 2);
    assert_int_equal(compare_samples(&sb, &sn, &o, &r), 0);
    assert_int_equal(r.n, 1);
    v = r.rows[0].verdict;
    if (out) {
        *out = r.rows[0];
    }
    compare_result_free(&r);
    samples_free(&sb);
    samples_free(&sn);
    return v;
}

/* ---- the verdict on known shifts ----------------------------------------------------------- */

static void test_identical_no_change(void **state)
{
    struct sample_set sb = {0};
    struct sample_set sn = {0};
    struct compare_options o;
    struct compare_result r;
    size_t i;

    (void)state;
    compare_options_init(&o);
    /* Same distribution, different draws: and the very same values. */
    test_add_cell(&sb, "ide", "seqread", "throughput_mib_s", 500.0, 0.02, 10, 11);
    test_add_cell(&sn, "ide", "seqread", "throughput_mib_s", 500.0, 0.02, 10, 12);
    test_add_cell(&sb, "ide", "seqread", "lat_mean_us", 800.0, 0.02, 10, 13);
    test_add_cell(&sn, "ide", "seqread", "lat_mean_us", 800.0, 0.02, 10, 13);
    assert_int_equal(compare_samples(&sb, &sn, &o, &r), 0);
    assert_int_equal(r.n, 2);
    for (i = 0; i < r.n; i++) {
        assert_int_equal(r.rows[i].verdict, COMPARE_SAME);
        assert_true(fabs(r.rows[i].change_pct) < 5.0);
    }
    /* Identical samples: no difference at all, every arrangement is as extreme. */
    assert_true(test_find(&r, "ide", "lat_mean_us")->change_pct == 0.0);
    assert_true(test_find(&r, "ide", "lat_mean_us")->p > 0.99);
    assert_int_equal(compare_exit_code(&r), PVB_EXIT_OK);
    compare_result_free(&r);
    samples_free(&sb);
    samples_free(&sn);
}

static void test_shift_low_noise(void **state)
{
    struct compare_row row;

    (void)state;
    /* Throughput down 10%: worse. */
    assert_int_equal(test_one("throughput_mib_s", 100.0, 90.0, 0.01, 10, &row), COMPARE_WORSE);
    assert_true(row.p < 0.01);
    assert_true(row.change_pct > -11.5 && row.change_pct < -8.5);
    assert_true(row.change_lo < -5.0 && row.change_hi < 0.0 && row.change_lo <= row.change_hi);
    assert_true(row.change_lo < row.change_pct && row.change_pct < row.change_hi);
    assert_int_equal(row.n_base, 10);
    assert_int_equal(row.n_new, 10);
    /* Latency up 10%: worse. */
    assert_int_equal(test_one("lat_mean_us", 100.0, 110.0, 0.01, 10, &row), COMPARE_WORSE);
    assert_true(row.change_pct > 8.5 && row.change_pct < 11.5);
    /* The opposite moves are improvements. */
    assert_int_equal(test_one("throughput_mib_s", 100.0, 110.0, 0.01, 10, NULL), COMPARE_BETTER);
    assert_int_equal(test_one("lat_mean_us", 100.0, 90.0, 0.01, 10, NULL), COMPARE_BETTER);
    assert_int_equal(test_one("iops", 5000.0, 4500.0, 0.01, 10, NULL), COMPARE_WORSE);
}

static void test_shift_below_threshold(void **state)
{
    struct compare_row row;

    (void)state;
    /* A 3% drop, very clear statistically, is still under the 5% threshold. */
    assert_int_equal(test_one("throughput_mib_s", 100.0, 97.0, 0.002, 10, &row), COMPARE_SAME);
    assert_true(row.p < 0.01);
}

static void test_shift_heavy_noise(void **state)
{
    struct compare_row row;
    uint64_t seed;
    struct sample_set sb = {0};
    struct sample_set sn = {0};
    struct compare_options o;
    struct compare_result r;

    (void)state;
    assert_int_not_equal(test_one("throughput_mib_s", 100.0, 90.0, 0.30, 10, &row), COMPARE_WORSE);
    assert_true(row.p >= 0.01);
    /* Whatever the draw, 30% noise never makes a 10% shift a regression at n = 10. */
    compare_options_init(&o);
    for (seed = 100; seed < 120; seed++) {
        test_add_cell(&sb, "ide", "randread", "iops", 1000.0, 0.30, 10, seed);
        test_add_cell(&sn, "ide", "randread", "iops", 900.0, 0.30, 10, seed + 1000);
        assert_int_equal(compare_samples(&sb, &sn, &o, &r), 0);
        assert_int_not_equal(r.rows[0].verdict, COMPARE_WORSE);
        compare_result_free(&r);
        samples_free(&sb);
        samples_free(&sn);
    }
}

/* Every metric of the table: 10% worse in its own direction is a regression. */
static void test_direction_per_metric(void **state)
{
    const struct metric *m;
    unsigned i;
    double worse;
    double better;

    (void)state;
    for (i = 0; (m = metric_at(i)) != NULL; i++) {
        worse = m->dir == METRIC_HIGHER_BETTER ? 90.0 : 110.0;
        better = m->dir == METRIC_HIGHER_BETTER ? 110.0 : 90.0;
        if (test_one(m->name, 100.0, worse, 0.01, 10, NULL) != COMPARE_WORSE ||
            test_one(m->name, 100.0, better, 0.01, 10, NULL) != COMPARE_BETTER) {
            fail_msg("metric %s: wrong direction", m->name);
        }
    }
}

/* ---- the permutation test ------------------------------------------------------------------ */

static void test_exact_p_values(void **state)
{
    static const double lo[5] = {10, 11, 12, 13, 14};
    static const double hi[5] = {15, 16, 17, 18, 19};
    static const double mixed[5] = {10.5, 11.5, 15.5, 16.5, 12.2};
    struct sample_set sb = {0};
    struct sample_set sn = {0};
    struct compare_options o;
    struct compare_result r;
    const struct compare_row *row;

    (void)state;
    compare_options_init(&o);
    o.metrics = "all";
    /* 5 vs 5, complete separation: the 2 most extreme of C(10,5) = 252 arrangements. */
    test_add_values(&sb, "a", "iops", hi, 5);
    test_add_values(&sn, "a", "iops", lo, 5);
    /* 5 vs 5 overlapping: not significant. */
    test_add_values(&sb, "b", "iops", lo, 5);
    test_add_values(&sn, "b", "iops", mixed, 5);
    assert_int_equal(compare_samples(&sb, &sn, &o, &r), 0);
    row = test_find(&r, "a", "iops");
    /* exact: every one of the 252 arrangements of the boot means */
    assert_true(fabs(row->p - 2.0 / 252.0) < 1e-12);
    assert_true(fabs(row->min_p - 2.0 / 252.0) < 1e-12);
    assert_int_equal(row->verdict, COMPARE_WORSE); /* 17 -> 12: -29% */
    row = test_find(&r, "b", "iops");
    assert_true(row->p > 0.1);
    /* +10 % with an interval far wider than +-5 %: inconclusive, never "no change" */
    assert_int_equal(row->verdict, COMPARE_UNKNOWN);
    assert_true(row->change_hi - row->change_lo > 10.0);
    compare_result_free(&r);
    samples_free(&sb);
    samples_free(&sn);
}

static void test_reps_needed(void **state)
{
    (void)state;
    /* 2 / C(2n, n) < alpha: 4 vs 4 gives 2/70, 5 vs 5 gives 2/252, 7 vs 7 gives 2/3432. */
    assert_int_equal(compare_reps_needed(0.01), 5);
    assert_int_equal(compare_reps_needed(0.05), 4);
    assert_int_equal(compare_reps_needed(0.001), 7);
    /* 3 vs 3 gives 2/20 = 0.1, which is not below 0.1. */
    assert_int_equal(compare_reps_needed(0.1), 4);
    assert_int_equal(compare_reps_needed(0.2), 3);
}

static void test_insufficient_3v3(void **state)
{
    struct sample_set sb = {0};
    struct sample_set sn = {0};
    struct compare_options o;
    struct compare_result r;
    const struct compare_row *row;

    (void)state;
    compare_options_init(&o);
    /* A huge, obvious drop: still not testable at alpha 0.01 with 3 vs 3. */
    test_add_cell(&sb, "ide", "randread", "iops", 1000.0, 0.01, 3, 1);
    test_add_cell(&sn, "ide", "randread", "iops", 500.0, 0.01, 3, 2);
    assert_int_equal(compare_samples(&sb, &sn, &o, &r), 0);
    row = test_find(&r, "ide", "iops");
    assert_int_equal(row->verdict, COMPARE_UNKNOWN);
    assert_true(fabs(row->min_p - 0.1) < 1e-12);
    assert_int_equal(row->reps_needed, 5);
    assert_int_equal(r.reps_needed, 5);
    assert_true(row->v.boots_needed >= 5); /* it says how many boots would settle it */
    assert_int_equal(r.n_unknown, 1);
    assert_string_equal(compare_verdict_name(row->verdict), "UNKNOWN");
    /* Nothing could be decided: that is not a pass, it is undecided. */
    assert_int_equal(compare_exit_code(&r), PVB_EXIT_UNDECIDED);
    compare_result_free(&r);
    /* At alpha 0.2 the same 3 vs 3 can be tested: min p 0.1 < 0.2. */
    o.alpha = 0.2;
    assert_int_equal(compare_samples(&sb, &sn, &o, &r), 0);
    assert_int_equal(r.rows[0].verdict, COMPARE_WORSE);
    compare_result_free(&r);
    samples_free(&sb);
    samples_free(&sn);
}

static void test_determinism(void **state)
{
    struct sample_set sb = {0};
    struct sample_set sn = {0};
    struct compare_options o;
    struct compare_result r1;
    struct compare_result r2;
    struct compare_result r3;
    size_t i;

    (void)state;
    compare_options_init(&o);
    o.metrics = "all";
    /* 20 vs 20: random permutations (C(40,20) is far above the exact limit). */
    test_add_cell(&sb, "ide", "randread", "iops", 1000.0, 0.05, 20, 7);
    test_add_cell(&sn, "ide", "randread", "iops", 970.0, 0.05, 20, 8);
    test_add_cell(&sb, "ide", "randread", "lat_p99_us", 300.0, 0.10, 20, 9);
    test_add_cell(&sn, "ide", "randread", "lat_p99_us", 310.0, 0.10, 20, 10);
    assert_int_equal(compare_samples(&sb, &sn, &o, &r1), 0);
    assert_int_equal(compare_samples(&sb, &sn, &o, &r2), 0);
    assert_int_equal(r1.n, 2);
    assert_int_equal(r1.n, r2.n);
    for (i = 0; i < r1.n; i++) {
        /* 20 boots a side: random permutations, whose p is never 0 */
        assert_true(r1.rows[i].min_p > 0 && r1.rows[i].min_p < 0.001);
        assert_memory_equal(&r1.rows[i], &r2.rows[i], sizeof(r1.rows[i]));
    }
    /* Another seed: other draws, the same answer within Monte Carlo error. */
    o.seed = 12345;
    assert_int_equal(compare_samples(&sb, &sn, &o, &r3), 0);
    for (i = 0; i < r1.n; i++) {
        assert_true(fabs(r1.rows[i].p - r3.rows[i].p) < 0.03);
        assert_int_equal(r1.rows[i].verdict, r3.rows[i].verdict);
    }
    /* A cell's result does not depend on which other cells are compared. */
    compare_result_free(&r2);
    o.seed = STATS_DEFAULT_SEED;
    o.metrics = "iops";
    assert_int_equal(compare_samples(&sb, &sn, &o, &r2), 0);
    assert_int_equal(r2.n, 1);
    assert_memory_equal(&r2.rows[0], test_find(&r1, "ide", "iops"), sizeof(r2.rows[0]));
    compare_result_free(&r1);
    compare_result_free(&r2);
    compare_result_free(&r3);
    samples_free(&sb);
    samples_free(&sn);
}

/* ---- selection, order, edge cases ---------------------------------------------------------- */

static void test_metric_selection(void **state)
{
    struct compare_options o;
    char why[256];

    (void)state;
    compare_options_init(&o);
    assert_true(compare_metric_selected(&o, "iops"));
    assert_true(compare_metric_selected(&o, "host_cpu_us_per_op"));
    assert_true(compare_metric_selected(&o, "lat_p99_us"));
    assert_false(compare_metric_selected(&o, "lat_p50_us"));
    assert_false(compare_metric_selected(&o, "boot_to_ready_s"));
    assert_false(compare_metric_selected(&o, "no_such_metric"));
    o.metrics = "all";
    assert_true(compare_metric_selected(&o, "lat_p50_us"));
    assert_false(compare_metric_selected(&o, "no_such_metric"));
    o.metrics = "iops, lat_p50_us";
    assert_true(compare_metric_selected(&o, "lat_p50_us"));
    assert_false(compare_metric_selected(&o, "lat_p5"));
    assert_false(compare_metric_selected(&o, "throughput_mib_s"));
    assert_int_equal(compare_options_check(&o, why, sizeof(why)), 0);
    o.metrics = "iops,bogus";
    assert_int_equal(compare_options_check(&o, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "bogus"));
    o.metrics = NULL;
    o.alpha = 0.0;
    assert_int_equal(compare_options_check(&o, why, sizeof(why)), -1);
    o.alpha = 0.01;
    o.threshold_pct = -1.0;
    assert_int_equal(compare_options_check(&o, why, sizeof(why)), -1);
    o.threshold_pct = NAN;
    assert_int_equal(compare_options_check(&o, why, sizeof(why)), -1);
}

static void test_order_and_missing(void **state)
{
    struct sample_set sb = {0};
    struct sample_set sn = {0};
    struct compare_options o;
    struct compare_result r;
    const char *regressed[4];

    (void)state;
    compare_options_init(&o);
    /* Base order: zz, then aa; a cell only in base, one only in new. */
    test_add_cell(&sb, "zz", "seqread", "throughput_mib_s", 100.0, 0.01, 6, 1);
    test_add_cell(&sb, "aa", "seqread", "throughput_mib_s", 100.0, 0.01, 6, 2);
    test_add_cell(&sb, "only-base", "seqread", "throughput_mib_s", 100.0, 0.01, 6, 3);
    test_add_cell(&sn, "only-new", "seqread", "throughput_mib_s", 100.0, 0.01, 6, 4);
    test_add_cell(&sn, "aa", "seqread", "throughput_mib_s", 80.0, 0.01, 6, 5);
    test_add_cell(&sn, "zz", "seqread", "throughput_mib_s", 100.0, 0.01, 6, 6);
    /* Not selected by default: ignored entirely. */
    test_add_cell(&sb, "zz", "seqread", "lat_p50_us", 100.0, 0.01, 6, 7);
    test_add_cell(&sn, "zz", "seqread", "lat_p50_us", 200.0, 0.01, 6, 8);
    assert_int_equal(compare_samples(&sb, &sn, &o, &r), 0);
    assert_int_equal(r.n, 2);
    assert_string_equal(r.rows[0].config, "zz");
    assert_string_equal(r.rows[1].config, "aa");
    assert_int_equal(r.only_base, 1);
    assert_int_equal(r.only_new, 1);
    assert_int_equal(r.rows[1].verdict, COMPARE_WORSE);
    assert_int_equal(compare_exit_code(&r), PVB_EXIT_REGRESSION);
    assert_int_equal(compare_regressed_configs(&r, regressed, 4), 1);
    assert_string_equal(regressed[0], "aa");
    compare_result_free(&r);
    samples_free(&sb);
    samples_free(&sn);
}

static void test_zero_base(void **state)
{
    static const double zeros[6] = {0, 0, 0, 0, 0, 0};
    static const double some[6] = {2, 3, 2.5, 4, 3, 2};
    struct sample_set sb = {0};
    struct sample_set sn = {0};
    struct compare_options o;
    struct compare_result r;
    const struct compare_row *row;

    (void)state;
    compare_options_init(&o);
    o.metrics = "loss_pct,iops";
    test_add_values(&sb, "virtio-net", "loss_pct", zeros, 6);
    test_add_values(&sn, "virtio-net", "loss_pct", some, 6);
    test_add_values(&sb, "virtio-net", "iops", zeros, 6);
    test_add_values(&sn, "virtio-net", "iops", zeros, 6);
    assert_int_equal(compare_samples(&sb, &sn, &o, &r), 0);
    row = test_find(&r, "virtio-net", "loss_pct");
    assert_true(isinf(row->change_pct) && row->change_pct > 0);
    assert_true(isnan(row->change_lo));
    assert_int_equal(row->verdict, COMPARE_WORSE); /* loss from 0 to 3%: worse */
    row = test_find(&r, "virtio-net", "iops");
    assert_true(row->change_pct == 0.0);
    assert_int_equal(row->verdict, COMPARE_SAME);
    compare_result_free(&r);
    samples_free(&sb);
    samples_free(&sn);
}

/* ---- refusing mismatched runs -------------------------------------------------------------- */

static void test_meta_init(struct compare_meta *m)
{
    memset(m, 0, sizeof(*m));
    snprintf(m->scenario, sizeof(m->scenario), "quick");
    snprintf(m->accelerator, sizeof(m->accelerator), "kvm");
    snprintf(m->guest_kernel, sizeof(m->guest_kernel), "6.1.0-56-amd64");
    m->n_configs = 2;
    snprintf(m->configs[0], sizeof(m->configs[0]), "ide");
    snprintf(m->configs[1], sizeof(m->configs[1]), "virtio-blk");
}

static void test_meta_mismatch(void **state)
{
    struct compare_meta a;
    struct compare_meta b;
    char why[1024];

    (void)state;
    test_meta_init(&a);
    test_meta_init(&b);
    /* Same devices in another order, another QEMU: comparable (that is the point). */
    snprintf(b.configs[0], sizeof(b.configs[0]), "virtio-blk");
    snprintf(b.configs[1], sizeof(b.configs[1]), "ide");
    snprintf(b.qemu_version, sizeof(b.qemu_version), "QEMU emulator version 9.0.0");
    assert_int_equal(compare_check_meta(&a, &b, 0, why, sizeof(why)), 0);

    test_meta_init(&b);
    snprintf(b.accelerator, sizeof(b.accelerator), "tcg");
    assert_int_equal(compare_check_meta(&a, &b, 0, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "accelerator: BASE kvm, NEW tcg"));
    assert_int_equal(compare_check_meta(&a, &b, 1, why, sizeof(why)), 1);

    /* Both KVM, one nested (the host of its guests is itself a VM): refused. */
    test_meta_init(&b);
    b.nested = 1;
    assert_int_equal(compare_check_meta(&a, &b, 0, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "nested KVM: BASE no, NEW yes"));
    a.nested = -1;
    assert_int_equal(compare_check_meta(&a, &b, 0, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "nested KVM: BASE unknown, NEW yes"));
    a.nested = 1;
    assert_int_equal(compare_check_meta(&a, &b, 0, why, sizeof(why)), 0);
    test_meta_init(&a);

    test_meta_init(&b);
    snprintf(b.configs[1], sizeof(b.configs[1]), "ahci");
    assert_int_equal(compare_check_meta(&a, &b, 0, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "devices: only in BASE: virtio-blk, only in NEW: ahci"));

    test_meta_init(&b);
    b.n_configs = 1;
    assert_int_equal(compare_check_meta(&a, &b, 0, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "only in BASE: virtio-blk, only in NEW: -"));

    test_meta_init(&b);
    snprintf(b.guest_kernel, sizeof(b.guest_kernel), "6.12.0-1-amd64");
    assert_int_equal(compare_check_meta(&a, &b, 0, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "guest kernel: BASE 6.1.0-56-amd64, NEW 6.12.0-1-amd64"));

    test_meta_init(&b);
    snprintf(b.scenario, sizeof(b.scenario), "standard");
    assert_int_equal(compare_check_meta(&a, &b, 0, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "scenario: BASE quick, NEW standard"));

    /* Everything at once: every difference is named. */
    snprintf(b.accelerator, sizeof(b.accelerator), "tcg");
    snprintf(b.guest_kernel, sizeof(b.guest_kernel), "x");
    assert_int_equal(compare_check_meta(&a, &b, 1, why, sizeof(why)), 1);
    assert_non_null(strstr(why, "accelerator"));
    assert_non_null(strstr(why, "guest kernel"));
    assert_non_null(strstr(why, "scenario"));
}

/* ---- run folders on disk ------------------------------------------------------------------- */

static char test_tmp[256];

static int test_setup_tmp(void **state)
{
    (void)state;
    snprintf(test_tmp, sizeof(test_tmp), "/tmp/pvbench-test-compare.XXXXXX");
    return mkdtemp(test_tmp) ? 0 : -1;
}

static int test_rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    return flag == FTW_DP ? rmdir(path) : unlink(path);
}

/* Remove the scratch folder this test made with mkdtemp, depth first, no symlinks followed. */
static int test_teardown_tmp(void **state)
{
    (void)state;
    return nftw(test_tmp, test_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* The backend test_write_run writes into run.json; test_make_pair's NEW gets test_backend_new. */
static const char *test_backend = "qemu";
static const char *test_backend_new = "qemu";

/* A run folder: run.json with these properties and samples.csv. */
static void test_write_run(const char *dir, const char *accel, const char *kernel,
                           const char *scenario, const char *dev2, const struct sample_set *set)
{
    char path[512];
    char json[2048];
    int n;

    assert_int_equal(util_mkdir_p(dir), 0);
    n = snprintf(json, sizeof(json),
                 "{\"format\":\"pvbench-run\",\"version\":1,\"pvbench_version\":\"0.1.0\","
                 "\"run_id\":\"r-%s\",\"scenario\":{\"name\":\"%s\"},\"guest_kernel\":\"%s\","
                 "\"qemu_version\":\"QEMU emulator version 7.2.22\","
                 "\"accelerator\":{\"name\":\"%s\",\"reason\":\"\"},\"start\":\"2026-01-01\","
                 "\"backend\":\"%s\","
                 "\"configs\":[{\"config\":\"ide\",\"device\":\"ide\",\"status\":\"ok\"},"
                 "{\"config\":\"%s\",\"device\":\"%s\",\"status\":\"ok\"}]}\n",
                 accel, scenario, kernel, accel, test_backend, dev2, dev2);
    snprintf(path, sizeof(path), "%s/run.json", dir);
    assert_int_equal(results_write_atomic(path, json, (size_t)n), 0);
    snprintf(path, sizeof(path), "%s/samples.csv", dir);
    assert_int_equal(samples_write_csv(path, set), 0);
    snprintf(path, sizeof(path), "%s/scenario.ini", dir);
    assert_int_equal(results_write_atomic(path, "[scenario]\n", 11), 0);
}

/* Two folders: base, and new with iops of virtio-blk 20% lower. */
static void test_make_pair(const char *base, const char *nw, const char *accel2,
                           const char *kernel2, const char *scen2, const char *dev2)
{
    struct sample_set sb = {0};
    struct sample_set sn = {0};

    test_add_cell(&sb, "ide", "randread", "iops", 1000.0, 0.01, 6, 1);
    test_add_cell(&sb, "virtio-blk", "randread", "iops", 5000.0, 0.01, 6, 2);
    test_add_cell(&sn, "ide", "randread", "iops", 1000.0, 0.01, 6, 3);
    test_add_cell(&sn, "virtio-blk", "randread", "iops", 4000.0, 0.01, 6, 4);
    test_write_run(base, "kvm", "6.1.0-56-amd64", "quick", "virtio-blk", &sb);
    test_backend = test_backend_new;
    test_write_run(nw, accel2, kernel2, scen2, dev2, &sn);
    test_backend = "qemu";
    samples_free(&sb);
    samples_free(&sn);
}

static void test_runs_on_disk(void **state)
{
    char base[512];
    char nw[512];
    char outdir[512];
    char path[600];
    struct compare_options o;
    struct compare_result r;
    struct json_object *root;
    struct json_object *v;
    FILE *devnull = fopen("/dev/null", "w");

    (void)state;
    assert_non_null(devnull);
    compare_options_init(&o);
    o.plot = 0;
    snprintf(base, sizeof(base), "%s/base", test_tmp);

    /* Same properties: compared, one regression, compare.json in -o DIR and not in NEW. */
    snprintf(nw, sizeof(nw), "%s/new-ok", test_tmp);
    snprintf(outdir, sizeof(outdir), "%s/cmp-out", test_tmp);
    o.outdir = outdir;
    test_make_pair(base, nw, "kvm", "6.1.0-56-amd64", "quick", "virtio-blk");
    assert_int_equal(compare_runs(base, nw, &o, &r), PVB_EXIT_OK);
    assert_int_equal(r.n, 2);
    assert_int_equal(r.n_worse, 1);
    assert_string_equal(r.base.accelerator, "kvm");
    assert_string_equal(r.base.backend, "qemu");
    assert_int_equal(compare_report(&r, &o, devnull), PVB_EXIT_OK);
    assert_int_equal(compare_exit_code(&r), PVB_EXIT_REGRESSION);
    compare_result_free(&r);
    snprintf(path, sizeof(path), "%s/compare.json", nw);
    assert_int_not_equal(access(path, F_OK), 0);
    snprintf(path, sizeof(path), "%s/compare.json", outdir);
    root = json_object_from_file(path);
    assert_non_null(root);
    assert_true(json_object_object_get_ex(root, "format", &v));
    assert_string_equal(json_object_get_string(v), "pvbench-compare");
    assert_true(json_object_object_get_ex(root, "version", &v));
    assert_int_equal(json_object_get_int(v), COMPARE_FORMAT_VERSION);
    assert_true(json_object_object_get_ex(root, "rows", &v));
    assert_int_equal(json_object_array_length(v), 2);
    json_object_put(root);

    /* Each mismatch is refused with exit 2, and accepted with force. */
    snprintf(nw, sizeof(nw), "%s/new-tcg", test_tmp);
    test_make_pair(base, nw, "tcg", "6.1.0-56-amd64", "quick", "virtio-blk");
    assert_int_equal(compare_runs(base, nw, &o, &r), PVB_EXIT_USAGE);
    o.force = 1;
    assert_int_equal(compare_runs(base, nw, &o, &r), PVB_EXIT_OK);
    assert_non_null(strstr(r.forced, "accelerator"));
    compare_result_free(&r);
    o.force = 0;

    /* Another backend (libvirt against qemu) is refused too, unless forced. */
    snprintf(nw, sizeof(nw), "%s/new-libvirt", test_tmp);
    test_backend_new = "libvirt";
    test_make_pair(base, nw, "kvm", "6.1.0-56-amd64", "quick", "virtio-blk");
    test_backend_new = "qemu";
    assert_int_equal(compare_runs(base, nw, &o, &r), PVB_EXIT_USAGE);
    o.force = 1;
    assert_int_equal(compare_runs(base, nw, &o, &r), PVB_EXIT_OK);
    assert_non_null(strstr(r.forced, "backend: BASE qemu, NEW libvirt"));
    compare_result_free(&r);
    o.force = 0;

    snprintf(nw, sizeof(nw), "%s/new-kernel", test_tmp);
    test_make_pair(base, nw, "kvm", "6.12.0-1-amd64", "quick", "virtio-blk");
    assert_int_equal(compare_runs(base, nw, &o, &r), PVB_EXIT_USAGE);

    snprintf(nw, sizeof(nw), "%s/new-scenario", test_tmp);
    test_make_pair(base, nw, "kvm", "6.1.0-56-amd64", "standard", "virtio-blk");
    assert_int_equal(compare_runs(base, nw, &o, &r), PVB_EXIT_USAGE);

    snprintf(nw, sizeof(nw), "%s/new-devices", test_tmp);
    test_make_pair(base, nw, "kvm", "6.1.0-56-amd64", "quick", "virtio-scsi");
    assert_int_equal(compare_runs(base, nw, &o, &r), PVB_EXIT_USAGE);
    o.force = 1;
    assert_int_equal(compare_runs(base, nw, &o, &r), PVB_EXIT_OK);
    compare_result_free(&r);
    o.force = 0;

    /* A folder that is not there, or not a run: input error (2), as pvbench report says. */
    snprintf(nw, sizeof(nw), "%s/missing", test_tmp);
    assert_int_equal(compare_runs(base, nw, &o, &r), PVB_EXIT_USAGE);
    snprintf(path, sizeof(path), "%s/run.json", base);
    assert_int_equal(results_write_atomic(path, "{\"format\":\"other\"}", 18), 0);
    snprintf(nw, sizeof(nw), "%s/new-ok", test_tmp);
    assert_int_equal(compare_runs(base, nw, &o, &r), PVB_EXIT_USAGE);
    fclose(devnull);
}

/* Fill argv with "compare BASE NEW --no-plot --output OUT" and extra options. */
static int test_cli_argv(char **argv, char *base, char *nw, char *out, const char *opt,
                         const char *val)
{
    int argc = 0;

    argv[argc++] = "compare";
    argv[argc++] = base;
    argv[argc++] = nw;
    argv[argc++] = "--no-plot";
    argv[argc++] = "--output";
    argv[argc++] = out;
    if (opt) {
        argv[argc++] = (char *)opt;
        argv[argc++] = (char *)val;
    }
    argv[argc] = NULL;
    return argc;
}

static void test_main_cli(void **state)
{
    char base[512];
    char nw[512];
    char out[600];
    char *argv[12];
    int argc;

    (void)state;
    snprintf(base, sizeof(base), "%s/cli-base", test_tmp);
    snprintf(nw, sizeof(nw), "%s/cli-new", test_tmp);
    snprintf(out, sizeof(out), "%s/cli.json", test_tmp);
    test_make_pair(base, nw, "kvm", "6.1.0-56-amd64", "quick", "virtio-blk");
    argc = test_cli_argv(argv, base, nw, out, NULL, NULL);
    assert_int_equal(compare_main(argc, argv), PVB_EXIT_REGRESSION);
    assert_int_equal(access(out, F_OK), 0);
    /* A 25% threshold makes the 20% drop no regression. */
    argc = test_cli_argv(argv, base, nw, out, "--threshold", "25");
    assert_int_equal(compare_main(argc, argv), PVB_EXIT_OK);
    argc = test_cli_argv(argv, base, nw, out, "--threshold", "x");
    assert_int_equal(compare_main(argc, argv), PVB_EXIT_USAGE);
    argc = test_cli_argv(argv, base, nw, out, "--alpha", "0.9");
    assert_int_equal(compare_main(argc, argv), PVB_EXIT_USAGE);
    argc = test_cli_argv(argv, base, nw, out, "--metrics", "lat_p50_us");
    assert_int_equal(compare_main(argc, argv), PVB_EXIT_USAGE); /* nothing to compare */
    /* One folder is a RUN: its configurations against its reference (here: no change). */
    argc = test_cli_argv(argv, base, nw, out, NULL, NULL);
    argv[2] = argv[3]; /* "compare BASE --no-plot --output OUT" */
    argv[3] = argv[4];
    argv[4] = argv[5];
    argv[5] = NULL;
    assert_int_equal(compare_main(5, argv), PVB_EXIT_OK);
    argv[1] = NULL;
    assert_int_equal(compare_main(1, argv), PVB_EXIT_USAGE);
}

/* ---- boots as the unit --------------------------------------------------------------------- */

/*
 * One cell of `boots` boots of `reps` repetitions: boot k's level is center * (1 + between *
 * N(0,1)), its repetitions that level * (1 + within * N(0,1)).
 */
static void test_add_boots(struct sample_set *set, const char *config, double center,
                           double between, double within, unsigned boots, unsigned reps,
                           uint64_t seed)
{
    struct stats_rng rng;
    struct sample s;

    stats_rng_seed(&rng, seed);
    memset(&s, 0, sizeof(s));
    snprintf(s.config, sizeof(s.config), "%s", config);
    snprintf(s.device, sizeof(s.device), "%s", config);
    snprintf(s.workload, sizeof(s.workload), "randread");
    snprintf(s.metric, sizeof(s.metric), "iops");
    for (unsigned k = 0; k < boots; k++) {
        double level = center * (1.0 + between * test_noise(&rng));

        for (unsigned i = 0; i < reps; i++) {
            s.boot = k;
            s.rep = k * reps + i + 1;
            s.value = level * (1.0 + within * test_noise(&rng));
            assert_int_equal(samples_add(set, &s), 0);
        }
    }
}

/*
 * Nothing changed, but each boot lands 10 % off at random (TCG on a loaded host): pooling the
 * repetitions as if independent calls many of 20 such A/A trials DIFFERENT, the boot as the
 * unit none of them.
 */
static void test_boot_effect_not_different(void **state)
{
    unsigned naive = 0, boots = 0, unknown = 0;

    (void)state;
    for (uint64_t t = 0; t < 20; t++) {
        struct sample_set sb = {0}, sn = {0};
        struct compare_options o;
        struct compare_result r;
        struct permtest pt;
        double *vb, *vn;

        compare_options_init(&o);
        test_add_boots(&sb, "ide", 1000.0, 0.10, 0.005, 6, 4, 500 + t);
        test_add_boots(&sn, "ide", 1000.0, 0.10, 0.005, 6, 4, 900 + t);
        assert_int_equal(compare_samples(&sb, &sn, &o, &r), 0);
        assert_int_equal(r.n, 1);
        assert_true(r.rows[0].v.between_share > 0.9); /* the boots make the spread */
        boots += r.rows[0].verdict == COMPARE_WORSE || r.rows[0].verdict == COMPARE_BETTER;
        unknown += r.rows[0].verdict == COMPARE_UNKNOWN;
        /* the pooled test of every repetition, the flaw the boots remove */
        vb = malloc(sb.n * sizeof(*vb));
        vn = malloc(sn.n * sizeof(*vn));
        assert_non_null(vb);
        assert_non_null(vn);
        for (size_t i = 0; i < sb.n; i++) {
            vb[i] = sb.v[i].value;
        }
        for (size_t i = 0; i < sn.n; i++) {
            vn[i] = sn.v[i].value;
        }
        assert_int_equal(permtest_run(vb, sb.n, vn, sn.n, 0.01, 1, &pt), 0);
        naive += pt.p < 0.01 && fabs(r.rows[0].change_pct) > 5.0;
        free(vb);
        free(vn);
        compare_result_free(&r);
        samples_free(&sb);
        samples_free(&sn);
    }
    assert_int_equal(boots, 0);
    assert_true(unknown > 0);
    assert_true(naive >= 4);
}

/* One row of each verdict, and the exit code each mix gives. */
static void test_three_way(void **state)
{
    struct sample_set sb = {0}, sn = {0};
    struct compare_options o;
    struct compare_result r;
    char buf[256];

    (void)state;
    compare_options_init(&o);
    /* SAME: 6 boots a side, 1 % between boots, no change */
    test_add_boots(&sb, "a", 1000.0, 0.01, 0.005, 6, 3, 1);
    test_add_boots(&sn, "a", 1000.0, 0.01, 0.005, 6, 3, 2);
    assert_int_equal(compare_samples(&sb, &sn, &o, &r), 0);
    assert_int_equal(r.rows[0].verdict, COMPARE_SAME);
    assert_int_equal(compare_exit_code(&r), PVB_EXIT_OK);
    compare_result_free(&r);
    /* UNKNOWN: one boot a side, whatever the change: no interval, no p */
    test_add_boots(&sb, "b", 1000.0, 0.01, 0.005, 1, 6, 3);
    test_add_boots(&sn, "b", 500.0, 0.01, 0.005, 1, 6, 4);
    assert_int_equal(compare_samples(&sb, &sn, &o, &r), 0);
    assert_int_equal(test_find(&r, "b", "iops")->verdict, COMPARE_UNKNOWN);
    assert_true(isnan(test_find(&r, "b", "iops")->change_lo));
    assert_int_equal(test_find(&r, "b", "iops")->v.boots_a, 1);
    assert_int_equal(compare_exit_code(&r), PVB_EXIT_UNDECIDED);
    compare_result_free(&r);
    /* DIFFERENT, better: +20 % over 6 boots */
    test_add_boots(&sb, "c", 1000.0, 0.01, 0.005, 6, 3, 5);
    test_add_boots(&sn, "c", 1200.0, 0.01, 0.005, 6, 3, 6);
    assert_int_equal(compare_samples(&sb, &sn, &o, &r), 0);
    assert_int_equal(test_find(&r, "c", "iops")->verdict, COMPARE_BETTER);
    assert_int_equal(compare_exit_code(&r), PVB_EXIT_UNDECIDED); /* "b" is still UNKNOWN */
    compare_result_free(&r);
    /* DIFFERENT, worse: -20 %; one worse cell is exit 1 whatever the others say */
    test_add_boots(&sb, "d", 1000.0, 0.01, 0.005, 6, 3, 7);
    test_add_boots(&sn, "d", 800.0, 0.01, 0.005, 6, 3, 8);
    assert_int_equal(compare_samples(&sb, &sn, &o, &r), 0);
    assert_int_equal(test_find(&r, "d", "iops")->verdict, COMPARE_WORSE);
    assert_int_equal(r.n_same, 1);
    assert_int_equal(r.n_unknown, 1);
    assert_int_equal(r.n_better, 1);
    assert_int_equal(r.n_worse, 1);
    assert_int_equal(compare_exit_code(&r), PVB_EXIT_REGRESSION);
    /* the CI sentence of the worse row names its interval */
    {
        struct cireport_row cr = {"d", "randread", "iops", NULL, test_find(&r, "d", "iops")->v};

        cireport_describe(&cr, buf, sizeof(buf));
        assert_non_null(strstr(buf, "DIFFERENT, worse"));
    }
    compare_result_free(&r);
    samples_free(&sb);
    samples_free(&sn);
}

/* A calibrated floor above --threshold is the one applied, and the row says so. */
static void test_calibrated_threshold(void **state)
{
    struct sample_set sb = {0}, sn = {0};
    struct compare_options o;
    struct compare_result r;
    struct calibrate_table *t = calloc(1, sizeof(*t));

    (void)state;
    assert_non_null(t);
    test_add_boots(&sb, "a", 1000.0, 0.01, 0.005, 6, 3, 11);
    test_add_boots(&sn, "a", 920.0, 0.01, 0.005, 6, 3, 12);
    compare_options_init(&o);
    assert_int_equal(compare_samples(&sb, &sn, &o, &r), 0);
    assert_int_equal(r.rows[0].verdict, COMPARE_WORSE); /* -8 % beyond 5 % */
    assert_false(r.rows[0].v.threshold_calibrated);
    compare_result_free(&r);
    /* this host moves 12 % between identical runs: -8 % is inside its noise */
    snprintf(t->key, sizeof(t->key), "h/tcg");
    snprintf(t->v[0].workload, sizeof(t->v[0].workload), "randread");
    snprintf(t->v[0].metric, sizeof(t->v[0].metric), "iops");
    t->v[0].noise_pct = 12.0;
    t->n = 1;
    o.noise = t;
    assert_int_equal(compare_samples(&sb, &sn, &o, &r), 0);
    assert_int_equal(r.rows[0].verdict, COMPARE_SAME);
    assert_true(r.rows[0].v.threshold_calibrated);
    assert_true(r.rows[0].v.threshold_pct == 12.0);
    compare_result_free(&r);
    /* a floor below --threshold changes nothing */
    t->v[0].noise_pct = 2.0;
    assert_int_equal(compare_samples(&sb, &sn, &o, &r), 0);
    assert_int_equal(r.rows[0].verdict, COMPARE_WORSE);
    assert_false(r.rows[0].v.threshold_calibrated);
    compare_result_free(&r);
    samples_free(&sb);
    samples_free(&sn);
    free(t);
}

/* How many nodes of doc match expr. */
static int test_xpath_count(xmlDocPtr doc, const char *expr)
{
    xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
    xmlXPathObjectPtr x = ctx ? xmlXPathEvalExpression(BAD_CAST expr, ctx) : NULL;
    int n = x && x->nodesetval ? x->nodesetval->nodeNr : -1;

    xmlXPathFreeObject(x);
    xmlXPathFreeContext(ctx);
    return n;
}

/* compare --junit and --markdown: the files are written and the JUnit reads back. */
static void test_junit_markdown(void **state)
{
    char base[512], nw[512], dir[512], junit[600], md[600], text[4096];
    char *argv[12];
    xmlDocPtr doc;
    FILE *f;
    size_t n;
    int argc = 0;

    (void)state;
    snprintf(base, sizeof(base), "%s/ci-base", test_tmp);
    snprintf(nw, sizeof(nw), "%s/ci-new", test_tmp);
    snprintf(dir, sizeof(dir), "%s/ci-out", test_tmp);
    snprintf(junit, sizeof(junit), "%s/junit.xml", test_tmp);
    snprintf(md, sizeof(md), "%s/summary.md", test_tmp);
    test_make_pair(base, nw, "kvm", "6.1.0-56-amd64", "quick", "virtio-blk");
    argv[argc++] = "compare";
    argv[argc++] = base;
    argv[argc++] = nw;
    argv[argc++] = "--no-plot";
    argv[argc++] = "-o";
    argv[argc++] = dir;
    argv[argc++] = "--junit";
    argv[argc++] = junit;
    argv[argc++] = "--markdown";
    argv[argc++] = md;
    argv[argc] = NULL;
    assert_int_equal(compare_main(argc, argv), PVB_EXIT_REGRESSION);
    snprintf(text, sizeof(text), "%s/compare.json", dir);
    assert_int_equal(access(text, F_OK), 0);
    snprintf(text, sizeof(text), "%s/compare.json", nw);
    assert_int_not_equal(access(text, F_OK), 0);
    doc = xmlReadFile(junit, NULL, XML_PARSE_NONET);
    assert_non_null(doc);
    assert_int_equal(test_xpath_count(doc, "//testsuite/testcase"), 2);
    assert_int_equal(test_xpath_count(doc, "//testcase/failure"), 1);
    assert_int_equal(test_xpath_count(doc, "//testcase/skipped"), 0);
    assert_int_equal(test_xpath_count(doc, "//testsuite[@failures='1']"), 1);
    xmlFreeDoc(doc);
    f = fopen(md, "r");
    assert_non_null(f);
    n = fread(text, 1, sizeof(text) - 1, f);
    text[n] = '\0';
    fclose(f);
    assert_non_null(strstr(text, "virtio-blk"));
    assert_non_null(strstr(text, "DIFFERENT"));
}

/* ---- baselines ----------------------------------------------------------------------------- */

static void test_baseline(void **state)
{
    char run[512];
    char other[512];
    char dir[512];
    char path[600];
    char got[600];
    char *argv[8];
    struct compare_options o;
    struct compare_result r;
    FILE *devnull = fopen("/dev/null", "w");

    (void)state;
    assert_non_null(devnull);
    snprintf(run, sizeof(run), "%s/bl-run", test_tmp);
    snprintf(other, sizeof(other), "%s/bl-new", test_tmp);
    snprintf(dir, sizeof(dir), "%s/baselines", test_tmp);
    test_make_pair(run, other, "kvm", "6.1.0-56-amd64", "quick", "virtio-blk");

    assert_false(baseline_name_ok(""));
    assert_false(baseline_name_ok(".hidden"));
    assert_false(baseline_name_ok("a/b"));
    assert_false(baseline_name_ok("a b"));
    assert_false(baseline_name_ok("x.tmp.123"));
    assert_true(baseline_name_ok("main-2026.01_kvm"));

    assert_int_equal(baseline_save(run, "bad/name", dir, 0), PVB_EXIT_USAGE);
    assert_int_equal(baseline_save(run, "main", dir, 0), PVB_EXIT_OK);
    snprintf(path, sizeof(path), "%s/main/samples.csv", dir);
    assert_int_equal(access(path, R_OK), 0);
    snprintf(path, sizeof(path), "%s/main/run.json", dir);
    assert_int_equal(access(path, R_OK), 0);
    snprintf(path, sizeof(path), "%s/main/scenario.ini", dir);
    assert_int_equal(access(path, R_OK), 0);
    /* summary.csv was not in the run folder: saved without it. */
    snprintf(path, sizeof(path), "%s/main/summary.csv", dir);
    assert_int_not_equal(access(path, F_OK), 0);
    snprintf(path, sizeof(path), "%s/main.tmp.%ld", dir, (long)getpid());
    assert_int_not_equal(access(path, F_OK), 0);

    assert_int_equal(baseline_path("main", dir, got, sizeof(got)), 0);
    snprintf(path, sizeof(path), "%s/main", dir);
    assert_string_equal(got, path);
    assert_int_equal(baseline_path("nope", dir, got, sizeof(got)), -1);
    assert_int_equal(errno, ENOENT);
    assert_int_equal(baseline_path("../x", dir, got, sizeof(got)), -1);

    /* An existing name is kept unless replaced. */
    assert_int_equal(baseline_save(other, "main", dir, 0), PVB_EXIT_USAGE);
    assert_int_equal(baseline_save(other, "main", dir, 1), PVB_EXIT_OK);
    snprintf(path, sizeof(path), "%s/main.tmp.%ld", dir, (long)getpid());
    assert_int_not_equal(access(path, F_OK), 0);
    assert_int_equal(baseline_save(run, "main", dir, 1), PVB_EXIT_OK);

    /* Not a run folder (no run.json): bad input, refused, nothing saved. */
    assert_int_equal(baseline_save(dir, "junk", dir, 0), PVB_EXIT_USAGE);
    snprintf(path, sizeof(path), "%s/junk", dir);
    assert_int_not_equal(access(path, F_OK), 0);

    assert_int_equal(baseline_list(dir, devnull), PVB_EXIT_OK);

    /* The run loop's call: NEW (20% slower virtio-blk) against the baseline. */
    compare_options_init(&o);
    o.plot = 0;
    assert_int_equal(baseline_compare(other, "main", dir, &o, &r), PVB_EXIT_REGRESSION);
    assert_int_equal(r.n_worse, 1);
    compare_result_free(&r);
    assert_int_equal(baseline_compare(other, "missing", dir, &o, NULL), PVB_EXIT_USAGE);

    argv[0] = "baseline";
    argv[1] = "list";
    argv[2] = "--dir";
    argv[3] = dir;
    argv[4] = NULL;
    assert_int_equal(baseline_main(4, argv), PVB_EXIT_OK);
    argv[1] = "save";
    argv[2] = run;
    argv[3] = "second";
    argv[4] = "--dir";
    argv[5] = dir;
    argv[6] = NULL;
    assert_int_equal(baseline_main(6, argv), PVB_EXIT_OK);
    assert_int_equal(baseline_path("second", dir, got, sizeof(got)), 0);
    argv[1] = "frobnicate";
    assert_int_equal(baseline_main(6, argv), PVB_EXIT_USAGE);
    fclose(devnull);
}

/* One run's samples: ref "a" and "b" the same, "c" 20 % slower. Split against "a", each row
 * pairs a with its configuration: b SAME, c DIFFERENT worse, and a never against itself. */
static void test_in_run_split(void **state)
{
    struct sample_set all = {0}, sb, sn;
    struct compare_options o;
    struct compare_result r;
    const char *cfg[2] = {"b", "c"}, *ref[2] = {"a", "a"};
    size_t i;

    (void)state;
    compare_options_init(&o);
    test_add_boots(&all, "a", 1000.0, 0.01, 0.005, 6, 3, 11);
    test_add_boots(&all, "b", 1000.0, 0.01, 0.005, 6, 3, 12);
    test_add_boots(&all, "c", 800.0, 0.01, 0.005, 6, 3, 13);
    assert_int_equal(compare_in_split(&all, cfg, ref, 2, &sb, &sn), 0);
    assert_int_equal(sb.n, 2 * 18);
    assert_int_equal(sn.n, 2 * 18);
    for (i = 0; i < sb.n; i++) {
        assert_string_not_equal(sb.v[i].config, "a");
    }
    assert_int_equal(compare_samples(&sb, &sn, &o, &r), 0);
    assert_int_equal(r.n, 2);
    assert_int_equal(test_find(&r, "b", "iops")->verdict, COMPARE_SAME);
    assert_int_equal(test_find(&r, "c", "iops")->verdict, COMPARE_WORSE);
    assert_int_equal(compare_exit_code(&r), PVB_EXIT_REGRESSION);
    compare_result_free(&r);
    samples_free(&sb);
    samples_free(&sn);
    samples_free(&all);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_identical_no_change),
        cmocka_unit_test(test_shift_low_noise),
        cmocka_unit_test(test_shift_below_threshold),
        cmocka_unit_test(test_shift_heavy_noise),
        cmocka_unit_test(test_direction_per_metric),
        cmocka_unit_test(test_exact_p_values),
        cmocka_unit_test(test_reps_needed),
        cmocka_unit_test(test_insufficient_3v3),
        cmocka_unit_test(test_determinism),
        cmocka_unit_test(test_metric_selection),
        cmocka_unit_test(test_order_and_missing),
        cmocka_unit_test(test_zero_base),
        cmocka_unit_test(test_meta_mismatch),
        cmocka_unit_test(test_runs_on_disk),
        cmocka_unit_test(test_main_cli),
        cmocka_unit_test(test_boot_effect_not_different),
        cmocka_unit_test(test_three_way),
        cmocka_unit_test(test_calibrated_threshold),
        cmocka_unit_test(test_junit_markdown),
        cmocka_unit_test(test_baseline),
        cmocka_unit_test(test_in_run_split),
    };

    return cmocka_run_group_tests(tests, test_setup_tmp, test_teardown_tmp);
}
