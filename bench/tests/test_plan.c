/*
 * Unit tests of plan.c: the order of a measuring pass (docs/adr-001-run-loop.md) for several
 * shapes, without a guest. The expected words are written from the ADR's rules:
 * configurations one after another, side by side the host that goes first taking turns
 * ((k + c) % N for boots, warm-ups and "why" jobs, (k + rep + c) % N for jobs), each
 * workload's warm-ups before its repetitions, A B A B, the bare host after each repetition.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "plan.h"

#define T_REPS 8

/* What is measured already, the arg of the plan's predicates. */
struct cells {
    unsigned char guest[PLAN_MAX_HOSTS][4][4][T_REPS + 1]; /* host, config, workload, rep */
    unsigned char bare[4][T_REPS + 1];
    unsigned char why[PLAN_MAX_HOSTS][4][4];
    unsigned below; /* every cell of rep < below is measured (a first pass done) */
    unsigned calls; /* predicate calls with a host that is not in the description */
    unsigned host_ok[PLAN_MAX_HOSTS];
};

static int cells_measured(void *arg, unsigned host, unsigned config, unsigned workload,
                          unsigned rep)
{
    struct cells *c = arg;

    if (rep < c->below) {
        return 1;
    }
    assert_true(rep >= 1 && rep <= T_REPS);
    assert_true(workload < 4);
    if (host == PLAN_BARE_HOST) {
        assert_int_equal(config, 0);
        return c->bare[workload][rep];
    }
    assert_true(host < PLAN_MAX_HOSTS && config < 4);
    c->calls += !c->host_ok[host];
    return c->guest[host][config][workload][rep];
}

static int cells_why_done(void *arg, unsigned host, unsigned config, unsigned workload)
{
    struct cells *c = arg;

    assert_true(host < PLAN_MAX_HOSTS && config < 4 && workload < 4);
    c->calls += !c->host_ok[host];
    return c->why[host][config][workload];
}

/* A description: hosts numbered 0..n_hosts-1, the given kinds, repetitions lo..hi. */
static void desc_init(struct plan_desc *d, struct cells *c, unsigned n_hosts, const char *configs,
                      const char *workloads, unsigned lo, unsigned hi, unsigned warmup_jobs)
{
    memset(d, 0, sizeof(*d));
    memset(c, 0, sizeof(*c));
    d->n_hosts = n_hosts;
    for (unsigned k = 0; k < n_hosts; k++) {
        d->hosts[k].index = k;
        c->host_ok[k] = 1;
    }
    for (const char *p = configs; *p; p++) {
        d->config_kind[d->n_configs++] = *p == 'n' ? DEVMODEL_NET : DEVMODEL_BLK;
    }
    for (const char *p = workloads; *p; p++) {
        d->workload_kind[d->n_workloads++] = *p == 'n' ? DEVMODEL_NET : DEVMODEL_BLK;
    }
    d->lo = lo;
    d->hi = hi;
    d->warmup_jobs = warmup_jobs;
    d->measured = cells_measured;
    d->why_done = cells_why_done;
    d->arg = c;
}

static void expect_plan(const struct plan_desc *d, const char *expected)
{
    struct plan p;
    char buf[4096];

    assert_int_equal(plan_build(d, &p), 0);
    assert_int_equal(plan_format(&p, buf, sizeof(buf)), 0);
    assert_string_equal(buf, expected);
    plan_free(&p);
    assert_int_equal(((const struct cells *)d->arg)->calls, 0);
}

/* ---- one host ------------------------------------------------------------------------------ */

static void test_one_host_two_blk(void **state)
{
    struct plan_desc d;
    struct cells c;

    (void)state;
    desc_init(&d, &c, 1, "bb", "b", 1, 2, 1);
    expect_plan(&d, "B0 B1 W0a W1a J0a1 J1a1 J0a2 J1a2 S0 S1");
    /* more warm-up jobs: round after round, each configuration in turn */
    d.warmup_jobs = 2;
    expect_plan(&d, "B0 B1 W0a W1a W0a W1a J0a1 J1a1 J0a2 J1a2 S0 S1");
    d.warmup_jobs = 0;
    expect_plan(&d, "B0 B1 J0a1 J1a1 J0a2 J1a2 S0 S1");
}

/* A configuration runs the workloads of its kind only, workload after workload. */
static void test_blk_net_mix(void **state)
{
    struct plan_desc d;
    struct cells c;

    (void)state;
    desc_init(&d, &c, 1, "bn", "bnb", 1, 2, 2);
    expect_plan(&d, "B0 B1 W0a W0a J0a1 J0a2 W1b W1b J1b1 J1b2 W0c W0c J0c1 J0c2 S0 S1");
}

/* A configuration failed or skipped before the pass (status) has no step at all. */
static void test_skipped_config(void **state)
{
    struct plan_desc d;
    struct cells c;

    (void)state;
    desc_init(&d, &c, 1, "bb", "b", 1, 1, 1);
    d.hosts[0].skip[0] = 1;
    expect_plan(&d, "B1 W1a J1a1 S1");
    d.hosts[0].skip[1] = 1;
    expect_plan(&d, "");
}

/* A host measured alone in turn (the second of three): the steps carry its number. */
static void test_host_index(void **state)
{
    struct plan_desc d;
    struct cells c;
    struct plan p;

    (void)state;
    desc_init(&d, &c, 1, "b", "b", 1, 2, 0);
    d.hosts[0].index = 2;
    c.host_ok[0] = 0;
    c.host_ok[2] = 1;
    c.guest[2][0][0][1] = 1;
    d.host_blk = 1;
    assert_int_equal(plan_build(&d, &p), 0);
    assert_int_equal(p.n, 6); /* B0 Ha0 Ha1 J0a2 Ha2 S0: no J0a1 */
    plan_free(&p);
    c.bare[0][1] = 1;
    assert_int_equal(plan_build(&d, &p), 0);
    assert_int_equal(p.n, 5); /* B0 Ha0 J0a2 Ha2 S0 */
    assert_int_equal(p.steps[0].type, PLAN_BOOT);
    assert_int_equal(p.steps[0].host, 2);
    assert_int_equal(p.steps[1].type, PLAN_HOST_BLK_JOB);
    assert_int_equal(p.steps[1].host, PLAN_BARE_HOST);
    assert_int_equal(p.steps[1].workload, 0);
    assert_int_equal(p.steps[1].rep, 0);
    assert_int_equal(p.steps[2].type, PLAN_JOB);
    assert_int_equal(p.steps[2].host, 2);
    assert_int_equal(p.steps[2].config, 0);
    assert_int_equal(p.steps[2].workload, 0);
    assert_int_equal(p.steps[2].rep, 2);
    assert_int_equal(p.steps[3].type, PLAN_HOST_BLK_JOB);
    assert_int_equal(p.steps[3].rep, 2);
    assert_int_equal(p.steps[4].type, PLAN_STOP);
    assert_int_equal(p.steps[4].host, 2);
    plan_free(&p);
    assert_int_equal(c.calls, 0);
}

/* ---- side by side -------------------------------------------------------------------------- */

/* Two backends: who goes first turns with the configuration (boots, warm-ups) and with the
 * repetition too (jobs); the stops go host after host. */
static void test_side_by_side(void **state)
{
    struct plan_desc d;
    struct cells c;

    (void)state;
    desc_init(&d, &c, 2, "bnb", "bn", 1, 2, 1);
    expect_plan(&d, "B0@0 B0@1 B1@1 B1@0 B2@0 B2@1 "
                    "W0a@0 W0a@1 W2a@0 W2a@1 "
                    "J0a1@1 J0a1@0 J2a1@1 J2a1@0 "
                    "J0a2@0 J0a2@1 J2a2@0 J2a2@1 "
                    "W1b@1 W1b@0 "
                    "J1b1@0 J1b1@1 "
                    "J1b2@1 J1b2@0 "
                    "S0@0 S1@0 S2@0 S0@1 S1@1 S2@1");
}

/* The same formulas with three hosts. */
static void test_three_hosts(void **state)
{
    struct plan_desc d;
    struct cells c;

    (void)state;
    desc_init(&d, &c, 3, "bb", "b", 1, 2, 1);
    expect_plan(&d, "B0@0 B0@1 B0@2 B1@1 B1@2 B1@0 "
                    "W0a@0 W0a@1 W0a@2 W1a@1 W1a@2 W1a@0 "
                    "J0a1@1 J0a1@2 J0a1@0 J1a1@2 J1a1@0 J1a1@1 "
                    "J0a2@2 J0a2@0 J0a2@1 J1a2@0 J1a2@1 J1a2@2 "
                    "S0@0 S1@0 S0@1 S1@1 S0@2 S1@2");
}

/* Side by side, one backend's configuration failed before, another measured already. */
static void test_side_by_side_partial(void **state)
{
    struct plan_desc d;
    struct cells c;

    (void)state;
    desc_init(&d, &c, 2, "bb", "b", 1, 1, 0);
    d.hosts[1].skip[1] = 1;
    c.guest[0][0][0][1] = 1;
    expect_plan(&d, "D0@0 B0@1 B1@0 J0a1@1 J1a1@0 S1@0 S0@1");
}

/* ---- the bare host ------------------------------------------------------------------------- */

/* Its block job after each repetition of the guests' (one warm-up, after theirs); its
 * network client opened after the boots, a warm-up after each round of the guests'. */
static void test_host_baseline(void **state)
{
    struct plan_desc d;
    struct cells c;

    (void)state;
    desc_init(&d, &c, 1, "bn", "bn", 1, 2, 2);
    d.host_blk = 1;
    d.host_net = 1;
    expect_plan(&d, "B0 B1 O W0a W0a Ha0 J0a1 Ha1 J0a2 Ha2 "
                    "W1b Nb0 W1b Nb0 J1b1 Nb1 J1b2 Nb2 S0 S1");
    /* no warm-up jobs: the block session still has its one */
    d.warmup_jobs = 0;
    expect_plan(&d, "B0 B1 O Ha0 J0a1 Ha1 J0a2 Ha2 J1b1 Nb1 J1b2 Nb2 S0 S1");
}

/* Resume: the bare host's measured cells have no job; no network work, no client. */
static void test_host_baseline_resume(void **state)
{
    struct plan_desc d;
    struct cells c;

    (void)state;
    desc_init(&d, &c, 1, "bn", "bn", 1, 2, 1);
    d.host_blk = 1;
    d.host_net = 1;
    c.bare[0][1] = 1;
    c.bare[1][1] = c.bare[1][2] = 1;
    expect_plan(&d, "B0 B1 W0a Ha0 J0a1 J0a2 Ha2 W1b J1b1 J1b2 S0 S1");
    /* every block cell measured: not even its warm-up */
    c.bare[0][2] = 1;
    expect_plan(&d, "B0 B1 W0a J0a1 J0a2 W1b J1b1 J1b2 S0 S1");
}

/* The network client opens in the first pass only; one open already is used as it is. */
static void test_host_net_open(void **state)
{
    struct plan_desc d;
    struct cells c;

    (void)state;
    desc_init(&d, &c, 1, "n", "n", 3, 3, 1);
    d.host_net = 1;
    expect_plan(&d, "B0 W0a J0a3 S0");
    desc_init(&d, &c, 1, "n", "n", 1, 1, 1);
    d.host_net = 1;
    d.host_net_open = 1;
    expect_plan(&d, "B0 W0a Na0 J0a1 Na1 S0");
    d.host_net = 0;
    expect_plan(&d, "B0 W0a Na0 J0a1 Na1 S0");
    d.host_net_open = 0;
    expect_plan(&d, "B0 W0a J0a1 S0");
}

/* ---- resume -------------------------------------------------------------------------------- */

/*
 * Cells measured already get no job; a configuration with none left is not booted (D); a
 * warm-up runs while the configuration has a cell left in this or a later workload (as the
 * loops' config_has_work saw it then: c1 warms up on a, c2 not on b).
 */
static void test_resume(void **state)
{
    struct plan_desc d;
    struct cells c;

    (void)state;
    desc_init(&d, &c, 1, "bbb", "bb", 1, 2, 1);
    c.guest[0][0][0][1] = c.guest[0][0][0][2] = c.guest[0][0][1][1] = c.guest[0][0][1][2] = 1;
    c.guest[0][1][0][1] = c.guest[0][1][0][2] = 1;
    c.guest[0][2][0][1] = c.guest[0][2][1][1] = c.guest[0][2][1][2] = 1;
    expect_plan(&d, "D0 B1 B2 W1a W2a J2a2 W1b J1b1 J1b2 S1 S2");
}

/* --max-iterations: the suspects only, repetitions that continue, no "why", no host client. */
static void test_max_iterations(void **state)
{
    struct plan_desc d;
    struct cells c;
    static const int want[] = {0, 1, 1};

    (void)state;
    desc_init(&d, &c, 1, "bbb", "b", 3, 4, 1);
    c.below = 3;
    d.want = want;
    d.hosts[0].why = 1;
    d.host_net = 1;
    expect_plan(&d, "B1 B2 W1a W2a J1a3 J2a3 J1a4 J2a4 S1 S2");
}

/* ---- boots --------------------------------------------------------------------------------- */

/* boots = 2: A B, then fresh guests B A; repetition r in boot (r - lo) % 2. */
static void test_boots_interleaved(void **state)
{
    struct plan_desc d;
    struct cells c;
    struct plan p;

    (void)state;
    desc_init(&d, &c, 1, "bb", "b", 1, 4, 1);
    d.boots = 2;
    expect_plan(&d, "B0 B1 W0a W1a J0a1 J1a1 J0a3 J1a3 S0 S1 "
                    "B1 B0 W1a W0a J1a2 J0a2 J1a4 J0a4 S1 S0");
    /* The boot numbers the samples carry: 0 for the first round, 1 for the second. */
    assert_int_equal(plan_build(&d, &p), 0);
    assert_int_equal(p.steps[4].type, PLAN_JOB);
    assert_int_equal(p.steps[4].boot, 0);
    assert_int_equal(p.steps[14].type, PLAN_JOB);
    assert_int_equal(p.steps[14].rep, 2);
    assert_int_equal(p.steps[14].boot, 1);
    plan_free(&p);
    /* boots = 1 and 0 are the one-boot plan */
    d.boots = 1;
    expect_plan(&d, "B0 B1 W0a W1a J0a1 J1a1 J0a2 J1a2 J0a3 J1a3 J0a4 J1a4 S0 S1");
}

/* Three rounds over three configurations and two workloads: A B C, C B A, A B C. */
static void test_boots_three(void **state)
{
    struct plan_desc d;
    struct cells c;

    (void)state;
    desc_init(&d, &c, 1, "bbn", "bn", 1, 3, 0);
    d.boots = 3;
    expect_plan(&d, "B0 B1 B2 J0a1 J1a1 J2b1 S0 S1 S2 "
                    "B2 B1 B0 J1a2 J0a2 J2b2 S2 S1 S0 "
                    "B0 B1 B2 J0a3 J1a3 J2b3 S0 S1 S2");
}

/* More boots than repetitions: a round without a repetition boots nothing. */
static void test_boots_above_reps(void **state)
{
    struct plan_desc d;
    struct cells c;

    (void)state;
    desc_init(&d, &c, 1, "bb", "b", 1, 2, 0);
    d.boots = 5;
    expect_plan(&d, "B0 B1 J0a1 J1a1 S0 S1 B1 B0 J1a2 J0a2 S1 S0");
}

/* Resume: a configuration with nothing left in a round is not booted in it, one with nothing
 * left at all is DONE once; a re-run's boots are numbered from lo - 1, after the first's. */
static void test_boots_resume(void **state)
{
    struct plan_desc d;
    struct cells c;
    struct plan p;

    (void)state;
    desc_init(&d, &c, 1, "bbb", "b", 1, 4, 0);
    d.boots = 2;
    c.guest[0][0][0][1] = c.guest[0][0][0][2] = c.guest[0][0][0][3] = c.guest[0][0][0][4] = 1;
    c.guest[0][1][0][1] = c.guest[0][1][0][3] = 1;
    expect_plan(&d, "D0 B2 J2a1 J2a3 S2 B2 B1 J2a2 J1a2 J2a4 J1a4 S2 S1");
    desc_init(&d, &c, 1, "bb", "b", 5, 8, 0);
    c.below = 5;
    d.boots = 2;
    expect_plan(&d, "B0 B1 J0a5 J1a5 J0a7 J1a7 S0 S1 B1 B0 J1a6 J0a6 J1a8 J0a8 S1 S0");
    assert_int_equal(plan_build(&d, &p), 0);
    assert_int_equal(p.steps[0].boot, 4);
    assert_int_equal(p.steps[8].boot, 5);
    plan_free(&p);
}

/* The bare host's session lasts the pass (one warm-up), the why jobs follow the last round's,
 * the host network client opens after the first round's boots. */
static void test_boots_host_and_why(void **state)
{
    struct plan_desc d;
    struct cells c;

    (void)state;
    desc_init(&d, &c, 1, "bn", "bn", 1, 2, 1);
    d.boots = 2;
    d.host_blk = 1;
    d.host_net = 1;
    d.hosts[0].why = 1;
    expect_plan(&d, "B0 B1 O W0a Ha0 J0a1 Ha1 W1b Nb0 J1b1 Nb1 S0 S1 "
                    "B1 B0 W0a J0a2 Ha2 W1b J1b2 Nb2 Y0a Y1b S1 S0");
}

/* ---- why ----------------------------------------------------------------------------------- */

/* After every measured job, workload by workload, not for those done already. */
static void test_why(void **state)
{
    struct plan_desc d;
    struct cells c;

    (void)state;
    desc_init(&d, &c, 1, "bn", "bnb", 1, 1, 0);
    d.hosts[0].why = 1;
    c.why[0][0][2] = 1;
    expect_plan(&d, "B0 B1 J0a1 J1b1 J0c1 Y0a Y1b S0 S1");
    /* a configuration not booted (every cell measured) has no why job */
    c.guest[0][1][1][1] = 1;
    expect_plan(&d, "B0 D1 J0a1 J0c1 Y0a S0");
    /* a host without tracing */
    d.hosts[0].why = 0;
    expect_plan(&d, "B0 D1 J0a1 J0c1 S0");
}

/* Only the first pass has them. */
static void test_why_first_pass_only(void **state)
{
    struct plan_desc d;
    struct cells c;

    (void)state;
    desc_init(&d, &c, 1, "b", "b", 2, 2, 0);
    d.hosts[0].why = 1;
    expect_plan(&d, "B0 J0a2 S0");
}

/* Side by side: only on the host that traces, in the boots' turns. */
static void test_why_side_by_side(void **state)
{
    struct plan_desc d;
    struct cells c;

    (void)state;
    desc_init(&d, &c, 2, "bn", "bn", 1, 1, 0);
    d.hosts[0].why = 1;
    expect_plan(&d, "B0@0 B0@1 B1@1 B1@0 J0a1@1 J0a1@0 J1b1@0 J1b1@1 Y0a@0 Y1b@0 "
                    "S0@0 S1@0 S0@1 S1@1");
    d.hosts[1].why = 1;
    expect_plan(&d, "B0@0 B0@1 B1@1 B1@0 J0a1@1 J0a1@0 J1b1@0 J1b1@1 Y0a@0 Y0a@1 Y1b@1 "
                    "Y1b@0 S0@0 S1@0 S0@1 S1@1");
}

/* ---- the API ------------------------------------------------------------------------------- */

static void test_bad_description(void **state)
{
    struct plan_desc d;
    struct cells c;
    struct plan p;

    (void)state;
    desc_init(&d, &c, 1, "b", "b", 1, 1, 0);
    d.n_hosts = 0;
    errno = 0;
    assert_int_equal(plan_build(&d, &p), -1);
    assert_int_equal(errno, EINVAL);
    assert_int_equal(p.n, 0);
    d.n_hosts = PLAN_MAX_HOSTS + 1;
    assert_int_equal(plan_build(&d, &p), -1);
    d.n_hosts = 1;
    d.lo = 0;
    assert_int_equal(plan_build(&d, &p), -1);
    d.lo = 2;
    assert_int_equal(plan_build(&d, &p), -1); /* lo > hi */
    d.lo = 1;
    d.hosts[0].index = PLAN_MAX_HOSTS;
    assert_int_equal(plan_build(&d, &p), -1);
    d.hosts[0].index = 0;
    d.n_configs = PLAN_MAX_CONFIGS + 1;
    assert_int_equal(plan_build(&d, &p), -1);
    d.n_configs = 1;
    d.n_workloads = PLAN_MAX_WORKLOADS + 1;
    assert_int_equal(plan_build(&d, &p), -1);
    plan_free(&p);
}

/* No predicates: nothing measured yet. */
static void test_no_predicates(void **state)
{
    struct plan_desc d;
    struct cells c;

    (void)state;
    desc_init(&d, &c, 1, "b", "b", 1, 1, 0);
    d.measured = NULL;
    d.why_done = NULL;
    d.hosts[0].why = 1;
    expect_plan(&d, "B0 J0a1 Y0a S0");
}

static void test_format_too_small(void **state)
{
    struct plan_desc d;
    struct cells c;
    struct plan p;
    char buf[16];

    (void)state;
    desc_init(&d, &c, 1, "bb", "b", 1, 2, 1);
    assert_int_equal(plan_build(&d, &p), 0);
    assert_int_equal(plan_format(&p, buf, sizeof(buf)), -1);
    assert_true(strlen(buf) < sizeof(buf));
    assert_int_equal(strncmp(buf, "B0 B1 W0a W1a", 13), 0);
    assert_int_equal(plan_format(&p, buf, 0), -1);
    plan_free(&p);
}

/* A plan of many steps grows past its first allocation. */
static void test_large_plan(void **state)
{
    struct plan_desc d;
    struct cells c;
    struct plan p;
    size_t jobs = 0;

    (void)state;
    desc_init(&d, &c, 2, "bbbbbbbbbbbbbbbb", "bbbbbbbbbbbbbbbb", 1, T_REPS, 1);
    d.measured = NULL;
    d.why_done = NULL;
    assert_int_equal(plan_build(&d, &p), 0);
    for (size_t i = 0; i < p.n; i++) {
        jobs += p.steps[i].type == PLAN_JOB;
    }
    assert_int_equal(jobs, 2 * 16 * 16 * T_REPS);
    /* boots, warm-ups, jobs, stops */
    assert_int_equal(p.n, 2 * 16 + 2 * 16 * 16 + jobs + 2 * 16);
    plan_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_host_two_blk),
        cmocka_unit_test(test_blk_net_mix),
        cmocka_unit_test(test_skipped_config),
        cmocka_unit_test(test_host_index),
        cmocka_unit_test(test_side_by_side),
        cmocka_unit_test(test_three_hosts),
        cmocka_unit_test(test_side_by_side_partial),
        cmocka_unit_test(test_host_baseline),
        cmocka_unit_test(test_host_baseline_resume),
        cmocka_unit_test(test_host_net_open),
        cmocka_unit_test(test_resume),
        cmocka_unit_test(test_max_iterations),
        cmocka_unit_test(test_boots_interleaved),
        cmocka_unit_test(test_boots_three),
        cmocka_unit_test(test_boots_above_reps),
        cmocka_unit_test(test_boots_resume),
        cmocka_unit_test(test_boots_host_and_why),
        cmocka_unit_test(test_why),
        cmocka_unit_test(test_why_first_pass_only),
        cmocka_unit_test(test_why_side_by_side),
        cmocka_unit_test(test_bad_description),
        cmocka_unit_test(test_no_predicates),
        cmocka_unit_test(test_format_too_small),
        cmocka_unit_test(test_large_plan),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
