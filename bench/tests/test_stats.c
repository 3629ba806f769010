/* Unit tests of stats.c: known answers for median, bootstrap CI, mean, CV, ratio. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "stats.h"

/* Roughly normal noise (sum of 12 uniforms - 6), from the suite's own PRNG. */
static double test_noise(struct stats_rng *r)
{
    double s = 0.0;
    int i;

    for (i = 0; i < 12; i++) {
        s += (double)(stats_rng_next(r) >> 11) / 9007199254740992.0;
    }
    return s - 6.0;
}

static void test_rng_known_values(void **state)
{
    struct stats_rng r;

    (void)state;
    /* Reference outputs of splitmix64 seeded with 0. */
    stats_rng_seed(&r, 0);
    assert_true(stats_rng_next(&r) == 0xe220a8397b1dcdafull);
    assert_true(stats_rng_next(&r) == 0x6e789e6aa1b965f4ull);
    assert_true(stats_rng_next(&r) == 0x06c45d188009454full);
}

static void test_rng_below(void **state)
{
    struct stats_rng r;
    unsigned counts[7] = {0};
    size_t x;
    int i;

    (void)state;
    stats_rng_seed(&r, 42);
    assert_int_equal(stats_rng_below(&r, 0), 0);
    assert_int_equal(stats_rng_below(&r, 1), 0);
    for (i = 0; i < 70000; i++) {
        x = stats_rng_below(&r, 7);
        assert_true(x < 7);
        counts[x]++;
    }
    for (i = 0; i < 7; i++) {
        /* 10000 expected each; 5 sigma is about 450. */
        assert_in_range(counts[i], 9500, 10500);
    }
}

static void test_median_odd_even(void **state)
{
    const double odd[] = {3.0, 1.0, 2.0};
    const double even[] = {4.0, 1.0, 3.0, 2.0};
    const double one[] = {7.5};
    const double dup[] = {5.0, 5.0, 1.0, 5.0, 9.0, 5.0};
    double copy[4];

    (void)state;
    assert_true(stats_median(odd, 3) == 2.0);
    memcpy(copy, even, sizeof(even));
    assert_true(stats_median(even, 4) == 2.5);
    assert_memory_equal(copy, even, sizeof(even)); /* input untouched */
    assert_true(stats_median(one, 1) == 7.5);
    assert_true(stats_median(dup, 6) == 5.0);
}

static void test_median_large(void **state)
{
    size_t n = 10001;
    double *v = malloc(n * sizeof(*v));
    size_t i;

    (void)state;
    assert_non_null(v);
    /* Descending, then an adversarial-ish sawtooth: both must give 5001. */
    for (i = 0; i < n; i++) {
        v[i] = (double)(n - i);
    }
    assert_true(stats_median(v, n) == 5001.0);
    for (i = 0; i < n; i++) {
        v[i] = (double)((i * 7919) % n + 1);
    }
    assert_true(stats_median(v, n) == 5001.0);
    /* Many equal values. */
    for (i = 0; i < n; i++) {
        v[i] = (double)(i % 3);
    }
    assert_true(stats_median(v, n) == 1.0);
    /* Even count of 10000: middle values 5000 and 5001. */
    for (i = 0; i < 10000; i++) {
        v[i] = (double)(i + 1);
    }
    assert_true(stats_median(v, 10000) == 5000.5);
    free(v);
}

static void test_summarize_mean_cv(void **state)
{
    const double v[] = {2, 4, 4, 4, 5, 5, 7, 9};
    struct stats_summary s;

    (void)state;
    assert_int_equal(stats_summarize(v, 8, STATS_DEFAULT_SEED, &s), 0);
    assert_int_equal(s.n, 8);
    assert_true(s.median == 4.5);
    assert_true(s.mean == 5.0);
    /* Sample stddev sqrt(32 / 7). */
    assert_float_equal(s.cv, sqrt(32.0 / 7.0) / 5.0, 1e-12);
    assert_true(s.ci_low <= s.median && s.median <= s.ci_high);
    assert_true(s.ci_low >= 2.0 && s.ci_high <= 9.0);
}

static void test_summarize_single_and_empty(void **state)
{
    const double v[] = {42.0};
    struct stats_summary s;

    (void)state;
    assert_int_equal(stats_summarize(v, 1, 1, &s), 0);
    assert_int_equal(s.n, 1);
    assert_true(s.median == 42.0 && s.ci_low == 42.0 && s.ci_high == 42.0);
    assert_true(s.mean == 42.0 && s.cv == 0.0);
    assert_int_equal(stats_summarize(v, 0, 1, &s), -1);
}

static void test_summarize_identical(void **state)
{
    double v[50];
    struct stats_summary s;
    int i;

    (void)state;
    for (i = 0; i < 50; i++) {
        v[i] = 123.25;
    }
    assert_int_equal(stats_summarize(v, 50, STATS_DEFAULT_SEED, &s), 0);
    assert_true(s.median == 123.25);
    assert_true(s.ci_low == 123.25 && s.ci_high == 123.25);
    assert_true(s.cv == 0.0);
}

static void test_summarize_noise_width(void **state)
{
    double quiet[30];
    double noisy[30];
    struct stats_rng r;
    struct stats_summary sq;
    struct stats_summary sn;
    double e;
    int i;

    (void)state;
    stats_rng_seed(&r, 7);
    for (i = 0; i < 30; i++) {
        e = test_noise(&r);
        quiet[i] = 1000.0 + 1.0 * e;
        noisy[i] = 1000.0 + 50.0 * e;
    }
    assert_int_equal(stats_summarize(quiet, 30, STATS_DEFAULT_SEED, &sq), 0);
    assert_int_equal(stats_summarize(noisy, 30, STATS_DEFAULT_SEED, &sn), 0);
    assert_true(sq.ci_low <= sq.median && sq.median <= sq.ci_high);
    assert_true(sn.ci_low <= sn.median && sn.median <= sn.ci_high);
    assert_true(sq.ci_high - sq.ci_low > 0.0);
    assert_true(sq.ci_high - sq.ci_low < sn.ci_high - sn.ci_low);
    assert_true(sq.cv < sn.cv);
    /* The interval of the quiet set is a few units wide around 1000. */
    assert_true(sq.ci_low > 995.0 && sq.ci_high < 1005.0);
}

static void test_summarize_deterministic(void **state)
{
    double v[25];
    struct stats_rng r;
    struct stats_summary a;
    struct stats_summary b;
    struct stats_summary c;
    int i;

    (void)state;
    stats_rng_seed(&r, 99);
    for (i = 0; i < 25; i++) {
        v[i] = 10.0 + test_noise(&r);
    }
    assert_int_equal(stats_summarize(v, 25, 1234, &a), 0);
    assert_int_equal(stats_summarize(v, 25, 1234, &b), 0);
    assert_memory_equal(&a, &b, sizeof(a));
    assert_int_equal(stats_summarize(v, 25, 1235, &c), 0);
    assert_true(c.median == a.median && c.mean == a.mean);
}

static void test_summarize_large_fast(void **state)
{
    size_t n = 10000;
    double *v = malloc(n * sizeof(*v));
    struct stats_rng r;
    struct stats_summary s;
    struct timespec t0;
    struct timespec t1;
    double secs;
    size_t i;

    (void)state;
    assert_non_null(v);
    stats_rng_seed(&r, 3);
    for (i = 0; i < n; i++) {
        v[i] = 500.0 + 10.0 * test_noise(&r);
    }
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(stats_summarize(v, n, STATS_DEFAULT_SEED, &s), 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    assert_true(secs < 10.0); /* about 0.3 s at -O2; generous for sanitizers */
    assert_true(s.ci_low <= s.median && s.median <= s.ci_high);
    assert_true(s.ci_high - s.ci_low < 1.0);
    assert_float_equal(s.median, 500.0, 0.5);
    free(v);
}

static void test_ratio_known(void **state)
{
    const double a[] = {10.0, 20.0, 30.0, 40.0, 50.0};
    const double b[] = {5.0, 10.0, 15.0, 20.0, 25.0};
    const double c4[] = {4.0, 4.0, 4.0};
    const double c2[] = {2.0, 2.0, 2.0, 2.0};
    double ratio;
    double lo;
    double hi;
    double ratio2;
    double lo2;
    double hi2;

    (void)state;
    assert_int_equal(stats_ratio(c4, 3, c2, 4, 1, &ratio, &lo, &hi), 0);
    assert_true(ratio == 2.0 && lo == 2.0 && hi == 2.0);

    assert_int_equal(stats_ratio(a, 5, b, 5, STATS_DEFAULT_SEED, &ratio, &lo, &hi), 0);
    assert_true(ratio == 2.0);
    assert_true(lo <= ratio && ratio <= hi);
    assert_true(lo > 0.4 && hi < 10.0);
    assert_true(hi > lo);
    assert_int_equal(stats_ratio(a, 5, b, 5, STATS_DEFAULT_SEED, &ratio2, &lo2, &hi2), 0);
    assert_true(ratio2 == ratio && lo2 == lo && hi2 == hi);
}

static void test_ratio_errors(void **state)
{
    const double a[] = {1.0, 2.0, 3.0};
    const double z[] = {0.0, 0.0, 1.0};
    double ratio;
    double lo;
    double hi;

    (void)state;
    assert_int_equal(stats_ratio(a, 0, a, 3, 1, &ratio, &lo, &hi), -1);
    assert_int_equal(stats_ratio(a, 3, a, 0, 1, &ratio, &lo, &hi), -1);
    assert_int_equal(stats_ratio(a, 3, z, 3, 1, &ratio, &lo, &hi), -1);
    /* Zero in the numerator is fine. */
    assert_int_equal(stats_ratio(z, 3, a, 3, 1, &ratio, &lo, &hi), 0);
    assert_true(ratio == 0.0 && lo <= hi);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rng_known_values),
        cmocka_unit_test(test_rng_below),
        cmocka_unit_test(test_median_odd_even),
        cmocka_unit_test(test_median_large),
        cmocka_unit_test(test_summarize_mean_cv),
        cmocka_unit_test(test_summarize_single_and_empty),
        cmocka_unit_test(test_summarize_identical),
        cmocka_unit_test(test_summarize_noise_width),
        cmocka_unit_test(test_summarize_deterministic),
        cmocka_unit_test(test_summarize_large_fast),
        cmocka_unit_test(test_ratio_known),
        cmocka_unit_test(test_ratio_errors),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
