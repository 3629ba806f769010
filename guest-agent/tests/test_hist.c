/* Unit tests of the log-linear latency histogram (hist.c). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hist.h"

#define NSAMPLES 200000

static struct hist h;
static uint64_t samples[NSAMPLES];

/* Deterministic 64-bit generator (splitmix64) so failures reproduce. */
static uint64_t test_rng = 12345;

static uint64_t test_rand(void)
{
    uint64_t z = (test_rng += 0x9E3779B97F4A7C15ULL);

    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* Uniform in (0, 1). */
static double test_unit(void)
{
    return ((double)(test_rand() >> 11) + 0.5) / 9007199254740992.0;
}

static int test_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return x < y ? -1 : x > y;
}

/* Exact percentile with the histogram's definition: the rank-th smallest, rank = ceil(p*n). */
static uint64_t test_exact(const uint64_t *sorted, size_t n, double p)
{
    double r = ceil(p / 100.0 * (double)n);
    size_t rank = r < 1 ? 1 : (size_t)r;

    return sorted[rank - 1];
}

/* Fill h with samples, then compare percentiles with the exact ones. */
static void test_check_percentiles(size_t n, double tolerance)
{
    static const double ps[] = {1, 10, 25, 50, 75, 90, 99, 99.9, 99.99};
    double sum = 0.0, rel;
    uint64_t exact, got;
    size_t i;

    hist_init(&h);
    for (i = 0; i < n; i++) {
        hist_add(&h, samples[i]);
        sum += (double)samples[i];
    }
    qsort(samples, n, sizeof(samples[0]), test_cmp);
    assert_int_equal(hist_count(&h), n);
    assert_int_equal(hist_min(&h), samples[0]);
    assert_int_equal(hist_max(&h), samples[n - 1]);
    assert_true(fabs(hist_mean(&h) - sum / (double)n) <= 1e-9 * sum / (double)n);
    for (i = 0; i < sizeof(ps) / sizeof(ps[0]); i++) {
        exact = test_exact(samples, n, ps[i]);
        got = hist_percentile(&h, ps[i]);
        rel = exact ? fabs((double)got - (double)exact) / (double)exact : (double)got;
        if (rel > tolerance) {
            fail_msg("p%g: histogram %llu, exact %llu (%.3f %%)", ps[i], (unsigned long long)got,
                     (unsigned long long)exact, rel * 100);
        }
    }
}

static void test_empty(void **state)
{
    hist_init(&h);
    assert_int_equal(hist_count(&h), 0);
    assert_int_equal(hist_percentile(&h, 50), 0);
    assert_int_equal(hist_min(&h), 0);
    assert_int_equal(hist_max(&h), 0);
    assert_true(hist_mean(&h) == 0.0);
}

static void test_small_values_exact(void **state)
{
    uint64_t v;

    hist_init(&h);
    for (v = 1; v <= 100; v++) {
        hist_add(&h, v);
    }
    assert_int_equal(hist_percentile(&h, 50), 50);
    assert_int_equal(hist_percentile(&h, 90), 90);
    assert_int_equal(hist_percentile(&h, 99), 99);
    assert_int_equal(hist_percentile(&h, 99.9), 100);
    assert_int_equal(hist_percentile(&h, 100), 100);
    assert_int_equal(hist_percentile(&h, 0), 1);
    assert_int_equal(hist_min(&h), 1);
    assert_int_equal(hist_max(&h), 100);
    assert_true(hist_mean(&h) == 50.5);
}

static void test_single_value(void **state)
{
    hist_init(&h);
    hist_add(&h, 123456789);
    /* Percentiles are clamped to [min, max]: one value is reported exactly. */
    assert_int_equal(hist_percentile(&h, 50), 123456789);
    assert_int_equal(hist_percentile(&h, 99.9), 123456789);
    hist_add(&h, 0);
    assert_int_equal(hist_min(&h), 0);
    assert_int_equal(hist_percentile(&h, 50), 0);
    assert_int_equal(hist_percentile(&h, 51), 123456789);
}

/* Merging two histograms is the same as adding every value to one. */
static void test_merge(void **state)
{
    static struct hist a, b, all;
    uint64_t v = 7;

    hist_init(&a);
    hist_init(&b);
    hist_init(&all);
    hist_merge(&a, &b); /* empty into empty: still empty */
    assert_int_equal(hist_count(&a), 0);
    for (int i = 0; i < 5000; i++) {
        v = v * 6364136223846793005ULL + 1442695040888963407ULL;
        hist_add(i % 3 ? &a : &b, (v >> 40) + (i % 3 ? 0 : 1000000));
        hist_add(&all, (v >> 40) + (i % 3 ? 0 : 1000000));
    }
    hist_merge(&a, &b);
    assert_int_equal(hist_count(&a), hist_count(&all));
    assert_int_equal(hist_min(&a), hist_min(&all));
    assert_int_equal(hist_max(&a), hist_max(&all));
    assert_true(hist_mean(&a) == hist_mean(&all));
    for (double p = 1; p < 100; p += 7.5) {
        assert_int_equal(hist_percentile(&a, p), hist_percentile(&all, p));
    }
    assert_memory_equal(a.bucket, all.bucket, sizeof(a.bucket));
}

static void test_bucket_geometry(void **state)
{
    uint64_t v, low, width;
    unsigned i, idx, prev = 0;
    int bits;

    /* Every bucket: contiguous with the next, at most 1/128 of its lower bound wide. */
    for (i = 0; i + 1 < HIST_NBUCKETS; i++) {
        low = hist_bucket_low(i);
        width = hist_bucket_width(i);
        assert_int_equal(low + width, hist_bucket_low(i + 1));
        if (low >= HIST_SUB) {
            assert_true((double)width / (double)low <= 1.0 / 128.0);
        }
        assert_int_equal(hist_index(low), i);
        assert_int_equal(hist_index(low + width - 1), i);
    }
    /* Random values land in the bucket that covers them; indexes are monotonic. */
    for (i = 0; i < 100000; i++) {
        bits = (int)(test_rand() % 37);
        v = test_rand() >> (63 - bits);
        idx = hist_index(v);
        assert_true(idx < HIST_NBUCKETS);
        assert_true(hist_bucket_low(idx) <= v);
        assert_true(v < hist_bucket_low(idx) + hist_bucket_width(idx));
    }
    for (v = 0; v < 1u << 20; v += 7) {
        idx = hist_index(v);
        assert_true(idx >= prev);
        prev = idx;
    }
    /* 100 s fits; beyond 2^37 ns goes to the last bucket. */
    assert_true(hist_index(100ULL * 1000000000ULL) < HIST_NBUCKETS - 1);
    assert_int_equal(hist_index(UINT64_MAX), HIST_NBUCKETS - 1);
}

static void test_uniform(void **state)
{
    size_t i;

    for (i = 0; i < NSAMPLES; i++) {
        samples[i] = 1000 + test_rand() % 999000; /* 1 us .. 1 ms */
    }
    test_check_percentiles(NSAMPLES, 0.005);
}

static void test_exponential(void **state)
{
    size_t i;

    for (i = 0; i < NSAMPLES; i++) {
        samples[i] = (uint64_t)(-log(test_unit()) * 100000.0); /* mean 100 us */
    }
    test_check_percentiles(NSAMPLES, 0.005);
}

static void test_lognormal_tail(void **state)
{
    double z;
    size_t i;

    /* Heavy tail over seven decades: 10 us median, 1 ns .. ~10 s. */
    for (i = 0; i < NSAMPLES; i++) {
        z = sqrt(-2.0 * log(test_unit())) * cos(2.0 * M_PI * test_unit());
        samples[i] = 1 + (uint64_t)exp(log(10000.0) + 2.0 * z);
    }
    test_check_percentiles(NSAMPLES, 0.005);
}

static void test_bimodal(void **state)
{
    size_t i;

    /* Cache hits at ~20 us and misses at ~5 ms: p90 and p99 sit in different modes. */
    for (i = 0; i < NSAMPLES; i++) {
        if (i % 20 == 0) {
            samples[i] = 5000000 + test_rand() % 100000;
        } else {
            samples[i] = 20000 + test_rand() % 2000;
        }
    }
    test_check_percentiles(NSAMPLES, 0.005);
    assert_true(hist_percentile(&h, 90) < 23000);
    assert_true(hist_percentile(&h, 99) > 4900000);
}

static void test_huge_values(void **state)
{
    hist_init(&h);
    hist_add(&h, 500ULL * 1000000000ULL); /* 500 s: beyond the last bucket */
    hist_add(&h, 1000);
    assert_int_equal(hist_max(&h), 500ULL * 1000000000ULL);
    assert_int_equal(hist_percentile(&h, 100), 500ULL * 1000000000ULL);
    /* The overflow bucket is open-ended: its percentile is the exact max. */
    assert_int_equal(hist_percentile(&h, 99), 500ULL * 1000000000ULL);
    assert_in_range(hist_percentile(&h, 50), 1000, 1003);
    assert_true(hist_mean(&h) == (500e9 + 1000) / 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),          cmocka_unit_test(test_small_values_exact),
        cmocka_unit_test(test_single_value),   cmocka_unit_test(test_bucket_geometry),
        cmocka_unit_test(test_uniform),        cmocka_unit_test(test_exponential),
        cmocka_unit_test(test_lognormal_tail), cmocka_unit_test(test_bimodal),
        cmocka_unit_test(test_huge_values),    cmocka_unit_test(test_merge),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
