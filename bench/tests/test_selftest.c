/*
 * `pvbench selftest`'s pure parts (selftest.c): which goal a metric has and the verdict of
 * one comparison; and the JOB line's engine key (agentmsg.c), which selftest and engine =
 * fio depend on.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "agentmsg.h"
#include "selftest.h"

static void test_goal_of(void **state)
{
    (void)state;
    /* random 4 KiB: IOPS; sequential 1 MiB: throughput; QD 1: mean latency too */
    assert_int_equal(selftest_goal_of(32, 4096, "iops"), SELFTEST_GOAL_AT_LEAST);
    assert_int_equal(selftest_goal_of(32, 4096, "throughput_mib_s"), SELFTEST_GOAL_NONE);
    assert_int_equal(selftest_goal_of(32, 4096, "lat_mean_us"), SELFTEST_GOAL_NONE);
    assert_int_equal(selftest_goal_of(1, 4096, "lat_mean_us"), SELFTEST_GOAL_WITHIN);
    assert_int_equal(selftest_goal_of(1, 4096, "iops"), SELFTEST_GOAL_AT_LEAST);
    assert_int_equal(selftest_goal_of(8, 1048576, "throughput_mib_s"), SELFTEST_GOAL_AT_LEAST);
    assert_int_equal(selftest_goal_of(8, 1048576, "iops"), SELFTEST_GOAL_NONE);
    assert_int_equal(selftest_goal_of(1, 4096, "lat_p99_us"), SELFTEST_GOAL_NONE);
    /* the streams against iperf3: Mbit/s; the guest's CPU is shown, not judged */
    assert_int_equal(selftest_goal_of(1, 131072, "throughput_mbit_s"), SELFTEST_GOAL_AT_LEAST);
    assert_int_equal(selftest_goal_of(1, 131072, "guest_cpu_us_per_op"), SELFTEST_GOAL_NONE);
}

static void test_compare(void **state)
{
    static const double agent[] = {96, 97, 98, 95, 99};
    static const double fio[] = {100, 100, 101, 99, 100};
    static const double lat_a[] = {104, 105, 106};
    static const double lat_f[] = {100, 100, 100};
    struct selftest_row row;

    (void)state;
    assert_int_equal(selftest_compare(agent, 5, fio, 5, SELFTEST_GOAL_AT_LEAST, &row), 0);
    assert_true(fabs(row.ratio - 0.97) < 1e-12);
    assert_true(row.low <= row.ratio && row.ratio <= row.high);
    assert_int_equal(row.met, 1);
    assert_int_equal(row.n_agent, 5);
    /* 0.94 misses ">= 0.95" */
    assert_int_equal(selftest_compare(agent, 5, agent, 5, SELFTEST_GOAL_AT_LEAST, &row), 0);
    assert_int_equal(row.met, 1);
    assert_int_equal(selftest_compare(fio, 1, agent, 1, SELFTEST_GOAL_AT_LEAST, &row), 0);
    assert_int_equal(row.met, 1); /* 100 / 96 */
    assert_int_equal(selftest_compare(agent + 3, 1, fio + 2, 1, SELFTEST_GOAL_AT_LEAST, &row), 0);
    assert_true(fabs(row.ratio - 95.0 / 101.0) < 1e-12);
    assert_int_equal(row.met, 0);
    /* latency: 1.05 is within +-5 %, 1.06 is not */
    assert_int_equal(selftest_compare(lat_a + 1, 1, lat_f, 1, SELFTEST_GOAL_WITHIN, &row), 0);
    assert_int_equal(row.met, 1);
    assert_int_equal(selftest_compare(lat_a + 2, 1, lat_f, 1, SELFTEST_GOAL_WITHIN, &row), 0);
    assert_int_equal(row.met, 0);
    assert_int_equal(selftest_compare(lat_a, 3, lat_f, 3, SELFTEST_GOAL_NONE, &row), 0);
    assert_int_equal(row.met, 1);
    /* nothing to compare */
    assert_int_equal(selftest_compare(agent, 0, fio, 5, SELFTEST_GOAL_AT_LEAST, &row), -1);
}

static void test_job_engine(void **state)
{
    struct agent_job job;
    char line[PVB_LINE_MAX];

    (void)state;
    memset(&job, 0, sizeof(job));
    job.id = 3;
    job.workload = "randread";
    job.kind = "blk";
    job.rw = "randread";
    job.bs = 4096;
    job.qd = 32;
    job.runtime_ms = 1000;
    job.warmup_ms = 300;
    job.irq = "virtio";
    job.fault = "none";
    /* no engine, or the agent: the line older agents know */
    assert_true(agentmsg_format_job(line, sizeof(line), &job) > 0);
    assert_null(strstr(line, "engine="));
    job.engine = "agent";
    assert_true(agentmsg_format_job(line, sizeof(line), &job) > 0);
    assert_null(strstr(line, "engine="));
    job.engine = "fio";
    assert_true(agentmsg_format_job(line, sizeof(line), &job) > 0);
    assert_string_equal(line, "PVB1 JOB id=3 workload=randread kind=blk rw=randread bs=4096 "
                              "qd=32 runtime_ms=1000 warmup_ms=300 irq=virtio fault=none "
                              "engine=fio\n");
    job.engine = "fio ; reboot";
    assert_int_equal(agentmsg_format_job(line, sizeof(line), &job), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_goal_of),
        cmocka_unit_test(test_compare),
        cmocka_unit_test(test_job_engine),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
