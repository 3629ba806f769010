/*
 * Unit tests of the change-point method (bench/core/changepoint.c) on synthetic series:
 * a step of known size at a known place is found, pure noise gives none at the stated
 * alpha (counted over many series), two steps, a step at the last point.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "changepoint.h"
#include "stats.h"

static double gauss(struct stats_rng *r)
{
    double u1 = ((double)(stats_rng_next(r) >> 11) + 0.5) / 9007199254740992.0;
    double u2 = ((double)(stats_rng_next(r) >> 11) + 0.5) / 9007199254740992.0;

    return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

static void fill(double *x, size_t from, size_t to, double mean, double sd, struct stats_rng *r)
{
    for (size_t i = from; i < to; i++) {
        x[i] = mean + sd * gauss(r);
    }
}

static void test_one_step(void **state)
{
    struct changepoint_options o;
    struct changepoint cp[CHANGEPOINT_MAX];
    struct stats_rng r;
    double x[80];
    size_t n;

    (void)state;
    stats_rng_seed(&r, 11);
    fill(x, 0, 40, 100.0, 2.0, &r);
    fill(x, 40, 80, 85.0, 2.0, &r);
    changepoint_options_init(&o);
    assert_int_equal(changepoint_find(x, 80, &o, cp, CHANGEPOINT_MAX, &n), 0);
    assert_int_equal(n, 1);
    assert_true(cp[0].index >= 39 && cp[0].index <= 41);
    assert_true(cp[0].p < 0.05);
    assert_true(cp[0].change_pct < -12.0 && cp[0].change_pct > -18.0);
    assert_true(fabs(cp[0].before - 100.0) < 2.0 && fabs(cp[0].after - 85.0) < 2.0);
}

static void test_noise_keeps_alpha(void **state)
{
    struct changepoint_options o;
    struct changepoint cp[CHANGEPOINT_MAX];
    struct stats_rng r;
    double x[40];
    unsigned with_cp = 0;
    const unsigned series = 100;
    size_t n;

    (void)state;
    stats_rng_seed(&r, 12);
    changepoint_options_init(&o);
    for (unsigned i = 0; i < series; i++) {
        fill(x, 0, 40, 100.0, 3.0, &r);
        o.seed = i + 1;
        assert_int_equal(changepoint_find(x, 40, &o, cp, CHANGEPOINT_MAX, &n), 0);
        with_cp += n > 0;
    }
    print_message("pure noise: %u of %u series with a change point at alpha 0.05\n", with_cp,
                  series);
    /* binomial(100, 0.05): mean 5, sd 2.2 */
    assert_true(with_cp <= 12);
}

static void test_two_steps(void **state)
{
    struct changepoint_options o;
    struct changepoint cp[CHANGEPOINT_MAX];
    struct stats_rng r;
    double x[90];
    size_t n;

    (void)state;
    stats_rng_seed(&r, 13);
    fill(x, 0, 30, 100.0, 2.0, &r);
    fill(x, 30, 60, 120.0, 2.0, &r);
    fill(x, 60, 90, 90.0, 2.0, &r);
    changepoint_options_init(&o);
    assert_int_equal(changepoint_find(x, 90, &o, cp, CHANGEPOINT_MAX, &n), 0);
    assert_int_equal(n, 2);
    assert_true(cp[0].index >= 29 && cp[0].index <= 31);
    assert_true(cp[1].index >= 59 && cp[1].index <= 61);
    assert_true(cp[0].change_pct > 15.0);
    assert_true(cp[1].change_pct < -20.0);
}

/* One outlying newest point: split off only at an end, so p is about 2 / n (100 points). */
static void test_step_at_last_point(void **state)
{
    struct changepoint_options o;
    struct changepoint cp[CHANGEPOINT_MAX];
    struct stats_rng r;
    double x[100];
    size_t n;

    (void)state;
    stats_rng_seed(&r, 14);
    fill(x, 0, 99, 100.0, 2.0, &r);
    x[99] = 70.0;
    changepoint_options_init(&o);
    o.min_segment = 1;
    assert_int_equal(changepoint_find(x, 100, &o, cp, CHANGEPOINT_MAX, &n), 0);
    assert_true(n >= 1);
    assert_int_equal(cp[n - 1].index, 99);
    assert_true(cp[n - 1].change_pct < -25.0);
    /* with the default minimum segment of 3 points it cannot be a segment of its own */
    changepoint_options_init(&o);
    assert_int_equal(changepoint_find(x, 100, &o, cp, CHANGEPOINT_MAX, &n), 0);
    for (size_t i = 0; i < n; i++) {
        assert_true(cp[i].index <= 97);
    }
}

static void test_bad_input(void **state)
{
    struct changepoint_options o;
    struct changepoint cp[2];
    double x[4] = {1, 2, 3, 4};
    size_t n = 7;

    (void)state;
    changepoint_options_init(&o);
    assert_int_equal(changepoint_find(x, 4, &o, cp, 2, &n), 0); /* shorter than 2 segments */
    assert_int_equal(n, 0);
    o.alpha = 0;
    assert_int_equal(changepoint_find(x, 4, &o, cp, 2, &n), -1);
    changepoint_options_init(&o);
    o.min_segment = 0;
    assert_int_equal(changepoint_find(x, 4, &o, cp, 2, &n), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_step),
        cmocka_unit_test(test_noise_keeps_alpha),
        cmocka_unit_test(test_two_steps),
        cmocka_unit_test(test_step_at_last_point),
        cmocka_unit_test(test_bad_input),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
