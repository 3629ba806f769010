/* Unit tests of the agent's engine table (agent_engine.c): its check and the job -> engine map. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "agent.h"
#include "agent_fio.h"
#include "agent_iperf3.h"

static char err[AGENT_REASON_MAX];

static int fake_run(const struct agent_job *job, const char *target, struct agent_result *res,
                    char *e, size_t elen)
{
    (void)job, (void)target, (void)res, (void)e, (void)elen;
    return 0;
}

static void test_table_passes_its_check(void **state)
{
    (void)state;
    assert_int_equal(agent_engine_check(err, sizeof(err)), 0);
}

static const struct agent_engine_ops *find(enum agent_kind kind, enum agent_engine engine)
{
    struct agent_job job;

    memset(&job, 0, sizeof(job));
    job.kind = kind;
    job.engine = engine;
    err[0] = '\0';
    return agent_engine_find(&job, err, sizeof(err));
}

static void test_each_kind_and_engine(void **state)
{
    const struct agent_engine_ops *e;

    (void)state;
    e = find(AGENT_KIND_BLK, AGENT_ENGINE_AGENT);
    assert_non_null(e);
    assert_ptr_equal(e->run, agent_blk_run);
    e = find(AGENT_KIND_BLK, AGENT_ENGINE_FIO);
    assert_non_null(e);
    assert_ptr_equal(e->run, agent_fio_run);
    assert_string_equal(e->name, "fio");
    e = find(AGENT_KIND_NET, AGENT_ENGINE_AGENT);
    assert_non_null(e);
    assert_ptr_equal(e->run, agent_net_run);
    e = find(AGENT_KIND_NET, AGENT_ENGINE_IPERF3);
    assert_non_null(e);
    assert_ptr_equal(e->run, agent_iperf3_run);
    assert_string_equal(e->name, "iperf3");
}

/* The reasons the harness has always been given for a tool on the wrong kind of job. */
static void test_wrong_kind(void **state)
{
    (void)state;
    assert_null(find(AGENT_KIND_NET, AGENT_ENGINE_FIO));
    assert_string_equal(err, "engine=fio runs block jobs only");
    assert_null(find(AGENT_KIND_BLK, AGENT_ENGINE_IPERF3));
    assert_string_equal(err, "engine=iperf3 runs network jobs only (tcp_tx, tcp_rx)");
}

static void test_check_refuses(void **state)
{
    struct agent_engine_ops t[3] = {
        {.name = "agent", .kind = AGENT_KIND_BLK, .run = fake_run, .only = "x"},
        {.name = "agent", .kind = AGENT_KIND_NET, .run = fake_run, .only = "x"},
        {.name = "fio",
         .kind = AGENT_KIND_BLK,
         .engine = AGENT_ENGINE_FIO,
         .run = fake_run,
         .only = "x"},
    };

    (void)state;
    assert_int_equal(agent_engine_check_table(t, 3, err, sizeof(err)), 0);
    t[2].run = NULL;
    assert_int_equal(agent_engine_check_table(t, 3, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "entry 2 is incomplete"));
    t[2].run = fake_run;
    t[2].engine = AGENT_ENGINE_AGENT;
    assert_int_equal(agent_engine_check_table(t, 3, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "twice"));
    t[2].engine = AGENT_ENGINE_COUNT;
    assert_int_equal(agent_engine_check_table(t, 3, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "unknown"));
    /* no engine of the agent's own for network jobs */
    assert_int_equal(agent_engine_check_table(t, 1, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "kind 1"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_passes_its_check),
        cmocka_unit_test(test_each_kind_and_engine),
        cmocka_unit_test(test_wrong_kind),
        cmocka_unit_test(test_check_refuses),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
