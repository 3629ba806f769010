/*
 * Unit tests of the three-way verdict (bench/core/verdict.c) on synthetic samples with
 * known boot effects: values = mean x (1 + boot effect + repetition noise), both normal.
 * The error rates are counted over simulated trials, not assumed from alpha.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "permtest.h"
#include "stats.h"
#include "verdict.h"

#define MAXV 256

struct side {
    double v[MAXV];
    unsigned boot[MAXV];
    size_t n;
};

/* A standard normal draw (Box-Muller on the harness's PRNG). */
static double gauss(struct stats_rng *r)
{
    double u1 = ((double)(stats_rng_next(r) >> 11) + 0.5) / 9007199254740992.0;
    double u2 = ((double)(stats_rng_next(r) >> 11) + 0.5) / 9007199254740992.0;

    return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

/* boots x reps values around mean, boot effect sd sb and repetition noise sd sw (fractions). */
static void make_side(struct side *s, struct stats_rng *r, unsigned boots, unsigned reps,
                      double mean, double sb, double sw)
{
    s->n = 0;
    for (unsigned b = 0; b < boots; b++) {
        double be = sb * gauss(r);
        for (unsigned k = 0; k < reps; k++) {
            s->v[s->n] = mean * (1.0 + be + sw * gauss(r));
            s->boot[s->n] = 100 + b;
            s->n++;
        }
    }
}

static int decide(const struct side *a, const struct side *b, const struct verdict_options *o,
                  struct verdict *v)
{
    struct verdict_side sa = {a->v, a->boot, a->n}, sb = {b->v, b->boot, b->n};

    return verdict_decide(&sa, &sb, o, v);
}

static void test_same(void **state)
{
    struct stats_rng r;
    struct side a, b;
    struct verdict_options o;
    struct verdict v;

    (void)state;
    stats_rng_seed(&r, 1);
    make_side(&a, &r, 6, 4, 1000, 0.005, 0.01);
    make_side(&b, &r, 6, 4, 1000, 0.005, 0.01);
    verdict_options_init(&o);
    assert_int_equal(decide(&a, &b, &o, &v), 0);
    assert_int_equal(v.kind, VERDICT_SAME);
    assert_int_equal(v.boots_a, 6);
    assert_int_equal(v.boots_b, 6);
    assert_true(v.lo_pct >= -5.0 && v.hi_pct <= 5.0);
    assert_true(v.lo_pct <= v.change_pct && v.change_pct <= v.hi_pct);
    assert_int_equal(v.boots_needed, 0);
}

static void test_different_worse_and_better(void **state)
{
    struct stats_rng r;
    struct side a, b;
    struct verdict_options o;
    struct verdict v;

    (void)state;
    stats_rng_seed(&r, 2);
    make_side(&a, &r, 6, 3, 1000, 0.01, 0.01);
    make_side(&b, &r, 6, 3, 800, 0.01, 0.01);
    verdict_options_init(&o);
    assert_int_equal(decide(&a, &b, &o, &v), 0);
    assert_int_equal(v.kind, VERDICT_DIFFERENT);
    assert_true(v.change_pct < -15.0 && v.change_pct > -25.0);
    assert_true(v.p < 0.01);
    assert_int_equal(v.worse, 1);
    /* the same drop in a lower-is-better metric (a latency) is an improvement */
    o.higher_is_better = 0;
    assert_int_equal(decide(&a, &b, &o, &v), 0);
    assert_int_equal(v.kind, VERDICT_DIFFERENT);
    assert_int_equal(v.worse, 0);
}

/* One boot a side: the between-boot spread is unknown, so no interval and no verdict. */
static void test_one_boot_is_unknown(void **state)
{
    struct stats_rng r;
    struct side a, b;
    struct verdict_options o;
    struct verdict v;

    (void)state;
    stats_rng_seed(&r, 3);
    make_side(&a, &r, 1, 10, 1000, 0.0, 0.001);
    make_side(&b, &r, 1, 10, 1000, 0.0, 0.001);
    verdict_options_init(&o);
    assert_int_equal(decide(&a, &b, &o, &v), 0);
    assert_int_equal(v.kind, VERDICT_UNKNOWN);
    assert_true(isnan(v.lo_pct) && isnan(v.hi_pct));
    assert_true(v.boots_needed >= permtest_reps_needed(0.01));
    /* even a large change with tight repetitions is not DIFFERENT from one boot each */
    make_side(&b, &r, 1, 10, 700, 0.0, 0.001);
    assert_int_equal(decide(&a, &b, &o, &v), 0);
    assert_int_equal(v.kind, VERDICT_UNKNOWN);
}

/*
 * A/A trials where the boot explains most of the spread (boot sd 10 %, repetition sd 1 %):
 * the verdict must keep its error rate; a test that pooled the repetitions as if they were
 * independent does not (checked too, so the data really has the boot effect).
 */
static void test_aa_boot_effects_keep_alpha(void **state)
{
    struct stats_rng r;
    struct side a, b;
    struct verdict_options o;
    struct verdict v;
    struct permtest t;
    const unsigned trials = 300;
    unsigned different = 0, pooled = 0;
    double share = 0.0;

    (void)state;
    stats_rng_seed(&r, 4);
    verdict_options_init(&o);
    o.alpha = 0.05;
    o.threshold_pct = 1.0;
    o.resamples = 400;
    for (unsigned i = 0; i < trials; i++) {
        make_side(&a, &r, 5, 5, 1000, 0.10, 0.01);
        make_side(&b, &r, 5, 5, 1000, 0.10, 0.01);
        o.seed = i + 1;
        assert_int_equal(decide(&a, &b, &o, &v), 0);
        different += v.kind == VERDICT_DIFFERENT;
        share += v.between_share;
        assert_int_equal(permtest_run(a.v, a.n, b.v, b.n, o.alpha, i + 1, &t), 0);
        pooled += t.p < o.alpha;
    }
    print_message("A/A, boot sd 10 %%: DIFFERENT %u of %u at alpha 0.05 (pooled test: %u); "
                  "mean between-boot share %.2f\n",
                  different, trials, pooled, share / trials);
    /* binomial(300, 0.05): mean 15, sd 3.8; 27 is three sd above */
    assert_true(different <= 27);
    assert_true(pooled >= 100);
    assert_true(share / trials > 0.8);
}

/* Power: a 10 % slowdown with 8 boots of 3 repetitions, boot and repetition sd 2 %. */
static void test_power_ten_percent(void **state)
{
    struct stats_rng r;
    struct side a, b;
    struct verdict_options o;
    struct verdict v;
    const unsigned trials = 100;
    unsigned found = 0;

    (void)state;
    stats_rng_seed(&r, 5);
    verdict_options_init(&o);
    o.resamples = 400;
    for (unsigned i = 0; i < trials; i++) {
        make_side(&a, &r, 8, 3, 1000, 0.02, 0.02);
        make_side(&b, &r, 8, 3, 900, 0.02, 0.02);
        o.seed = i + 1;
        assert_int_equal(decide(&a, &b, &o, &v), 0);
        found += v.kind == VERDICT_DIFFERENT && v.worse;
    }
    print_message("10 %% slowdown, 8 boots: DIFFERENT-worse %u of %u\n", found, trials);
    assert_true(found >= 90);
}

/* Undecided: a change near the threshold with noisy boots asks for more boots. */
static void test_unknown_asks_for_more(void **state)
{
    struct stats_rng r;
    struct side a, b;
    struct verdict_options o;
    struct verdict v;

    (void)state;
    stats_rng_seed(&r, 6);
    make_side(&a, &r, 3, 3, 1000, 0.08, 0.01);
    make_side(&b, &r, 3, 3, 930, 0.08, 0.01);
    verdict_options_init(&o);
    assert_int_equal(decide(&a, &b, &o, &v), 0);
    assert_int_equal(v.kind, VERDICT_UNKNOWN);
    assert_true(v.boots_needed > 3);
    assert_true(v.boots_needed <= VERDICT_BOOTS_MAX);
    assert_true(v.min_p > 0.01); /* 3 boots a side can never reach alpha 0.01 */
}

static void test_threshold_from_calibration(void **state)
{
    struct stats_rng r;
    struct side a, b;
    struct verdict_options o;
    struct verdict v;

    (void)state;
    stats_rng_seed(&r, 7);
    make_side(&a, &r, 6, 3, 1000, 0.005, 0.005);
    make_side(&b, &r, 6, 3, 920, 0.005, 0.005);
    verdict_options_init(&o);
    assert_int_equal(decide(&a, &b, &o, &v), 0);
    assert_int_equal(v.kind, VERDICT_DIFFERENT);
    assert_int_equal(v.threshold_calibrated, 0);
    /* this host's A/A noise floor is 12 %: an 8 % change is inside it */
    o.noise_pct = 12.0;
    assert_int_equal(decide(&a, &b, &o, &v), 0);
    assert_int_equal(v.threshold_calibrated, 1);
    assert_true(fabs(v.threshold_pct - 12.0) < 1e-12);
    assert_int_equal(v.kind, VERDICT_SAME);
}

static void test_noise_floor(void **state)
{
    double c[21];

    (void)state;
    for (int i = 0; i <= 20; i++) {
        c[i] = (i % 2 ? -1.0 : 1.0) * i; /* |c| = 0..20 */
    }
    assert_true(fabs(verdict_noise_floor(c, 21) - 19.0) < 1e-9);
    assert_true(fabs(verdict_noise_floor(c, 1) - 0.0) < 1e-9);
    assert_true(isnan(verdict_noise_floor(c, 0)));
    assert_string_equal(verdict_name(VERDICT_SAME), "SAME");
    assert_string_equal(verdict_name(VERDICT_DIFFERENT), "DIFFERENT");
    assert_string_equal(verdict_name(VERDICT_UNKNOWN), "UNKNOWN");
}

static void test_empty_side(void **state)
{
    struct side a = {{1.0}, {1}, 1}, b = {{0}, {0}, 0};
    struct verdict_options o;
    struct verdict v;

    (void)state;
    verdict_options_init(&o);
    assert_int_equal(decide(&a, &b, &o, &v), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same),
        cmocka_unit_test(test_different_worse_and_better),
        cmocka_unit_test(test_one_boot_is_unknown),
        cmocka_unit_test(test_aa_boot_effects_keep_alpha),
        cmocka_unit_test(test_power_ten_percent),
        cmocka_unit_test(test_unknown_asks_for_more),
        cmocka_unit_test(test_threshold_from_calibration),
        cmocka_unit_test(test_noise_floor),
        cmocka_unit_test(test_empty_side),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
