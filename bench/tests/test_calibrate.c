/*
 * Unit tests of calibrate.c: the noise floor of A/A pairs with known spreads, and the
 * calibration file (round trip, other hosts kept, a foreign file never overwritten).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "calibrate.h"
#include "results.h"
#include "stats.h"

static char test_dir[] = "/tmp/pvbench-test-calibrate.XXXXXX";

/* One cell of boots x reps values around center, boot levels spread by `between` (uniform). */
static void add_cell(struct sample_set *set, const char *config, const char *metric, double center,
                     double between, unsigned boots, unsigned reps, uint64_t seed)
{
    struct stats_rng rng;
    struct sample s;

    stats_rng_seed(&rng, seed);
    memset(&s, 0, sizeof(s));
    snprintf(s.config, sizeof(s.config), "%s", config);
    snprintf(s.workload, sizeof(s.workload), "randread");
    snprintf(s.metric, sizeof(s.metric), "%s", metric);
    for (unsigned k = 0; k < boots; k++) {
        double u = (double)(stats_rng_next(&rng) >> 11) / 9007199254740992.0;
        double level = center * (1.0 + between * (2.0 * u - 1.0));

        for (unsigned i = 0; i < reps; i++) {
            s.boot = k;
            s.rep = k * reps + i + 1;
            s.value = level;
            assert_int_equal(samples_add(set, &s), 0);
        }
    }
}

/* A quiet metric gets a low floor, a noisy one a high floor; cells in one run only count not. */
static void test_floor_from_pairs(void **state)
{
    struct calibrate_acc *acc = calibrate_acc_new();
    struct calibrate_table *t = calloc(1, sizeof(*t));
    double quiet, noisy;

    (void)state;
    assert_non_null(acc);
    assert_non_null(t);
    for (uint64_t pair = 0; pair < 3; pair++) {
        struct sample_set a = {0}, b = {0};

        add_cell(&a, "ide", "iops", 1000.0, 0.01, 5, 2, 10 + pair);
        add_cell(&b, "ide", "iops", 1000.0, 0.01, 5, 2, 20 + pair);
        add_cell(&a, "ide", "lat_p99_us", 300.0, 0.30, 5, 2, 30 + pair);
        add_cell(&b, "ide", "lat_p99_us", 300.0, 0.30, 5, 2, 40 + pair);
        add_cell(&a, "only-a", "iops", 1000.0, 0.5, 5, 2, 50 + pair);
        assert_int_equal(calibrate_acc_add(acc, &a, &b), 0);
        samples_free(&a);
        samples_free(&b);
    }
    calibrate_finish(acc, t);
    assert_int_equal(t->pairs, 3);
    assert_int_equal(t->n, 2);
    quiet = calibrate_floor_find(t, "randread", "iops");
    noisy = calibrate_floor_find(t, "randread", "lat_p99_us");
    /* a level spread of +-1 % cannot move two means of 5 boots 3 % apart */
    assert_true(quiet > 0.0 && quiet < 3.0);
    assert_true(noisy > 5.0 && noisy < 60.0);
    /* each pair gives its change and the two ends of its interval */
    assert_int_equal(t->v[0].n, 9);
    assert_true(calibrate_floor_find(t, "randread", "tcp_rr") == 0.0);
    assert_true(calibrate_floor_find(NULL, "randread", "iops") == 0.0);
    calibrate_acc_free(acc);
    free(t);
}

/* store, load; a second key keeps the first; a file that is not ours is left alone. */
static void test_file_round_trip(void **state)
{
    struct calibrate_table *t = calloc(1, sizeof(*t)), *back = calloc(1, sizeof(*back));
    char path[128], why[256];
    FILE *f;

    (void)state;
    assert_non_null(t);
    assert_non_null(back);
    snprintf(path, sizeof(path), "%s/calibration.json", test_dir);
    assert_int_equal(calibrate_load(path, "h/tcg", back, why, sizeof(why)), 0); /* no file */
    snprintf(t->key, sizeof(t->key), "h/tcg");
    t->pairs = 2;
    snprintf(t->v[0].workload, sizeof(t->v[0].workload), "randread");
    snprintf(t->v[0].metric, sizeof(t->v[0].metric), "iops");
    t->v[0].noise_pct = 7.25;
    t->v[0].n = 6;
    t->n = 1;
    assert_int_equal(calibrate_store(path, t), 0);
    snprintf(t->key, sizeof(t->key), "h/kvm");
    t->v[0].noise_pct = 1.5;
    assert_int_equal(calibrate_store(path, t), 0);
    assert_int_equal(calibrate_load(path, "h/tcg", back, why, sizeof(why)), 1);
    assert_string_equal(back->key, "h/tcg");
    assert_int_equal(back->pairs, 2);
    assert_int_equal(back->n, 1);
    assert_true(fabs(back->v[0].noise_pct - 7.25) < 1e-9);
    assert_int_equal(back->v[0].n, 6);
    assert_int_equal(calibrate_load(path, "h/kvm", back, why, sizeof(why)), 1);
    assert_true(fabs(calibrate_floor_find(back, "randread", "iops") - 1.5) < 1e-9);
    assert_int_equal(calibrate_load(path, "other/tcg", back, why, sizeof(why)), 0);
    /* someone else's file: not read as floors, never overwritten */
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("{\"format\":\"something-else\"}\n", f);
    fclose(f);
    assert_int_equal(calibrate_load(path, "h/tcg", back, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "not a pvbench calibration file"));
    assert_int_equal(calibrate_store(path, t), -1);
    unlink(path);
    free(t);
    free(back);
}

static void test_key(void **state)
{
    char key[CALIBRATE_KEY_MAX];

    (void)state;
    calibrate_key("tcg", key, sizeof(key));
    assert_non_null(strstr(key, "/tcg"));
    assert_true(strlen(key) > strlen("/tcg"));
    calibrate_key(NULL, key, sizeof(key));
    assert_non_null(strstr(key, "/unknown"));
}

static int setup(void **state)
{
    (void)state;
    return mkdtemp(test_dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    return rmdir(test_dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_floor_from_pairs),
        cmocka_unit_test(test_file_round_trip),
        cmocka_unit_test(test_key),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
