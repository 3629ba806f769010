/*
 * Block workload engine (agent_blk.c) on a plain file with O_DIRECT: both
 * engines (pread/pwrite at qd=1, native AIO above), phases and accounting.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "agent.h"

#define FILE_SIZE (8u * 1024 * 1024)

static char path[] = "/var/tmp/pvb-test-blk.XXXXXX";
static bool skip_all;

static int setup(void **state)
{
    int fd, probe;

    fd = mkstemp(path);
    if (fd < 0 || ftruncate(fd, FILE_SIZE) < 0) {
        return -1;
    }
    close(fd);
    /* Some file systems (tmpfs before 6.6) refuse O_DIRECT: skip then. */
    probe = open(path, O_RDWR | O_DIRECT);
    if (probe < 0) {
        skip_all = true;
    } else {
        close(probe);
    }
    return 0;
}

static int teardown(void **state)
{
    unlink(path);
    return 0;
}

static void make_job(struct agent_job *job, enum agent_rw rw, unsigned bs, unsigned qd)
{
    memset(job, 0, sizeof(*job));
    job->id = 42;
    snprintf(job->workload, sizeof(job->workload), "test-%s", agent_job_rw_name(rw));
    job->kind = AGENT_KIND_BLK;
    job->rw = rw;
    job->bs = bs;
    job->qd = qd;
    job->runtime_ms = 200;
    job->warmup_ms = 50;
    /* Under valgrind (scripts/valgrind-test) everything runs ~20x slower: give it time. */
    if (getenv("PVBENCH_TEST_SLOW")) {
        job->runtime_ms *= 20;
    }
}

/* Run a job and check what every result must satisfy (the host's plausibility checks). */
static void run_ok(const struct agent_job *job, struct agent_result *r)
{
    const struct agent_lat_us *l = &r->lat_us;
    const struct procstat_pct *c = &r->cpu_pct;
    char err[AGENT_REASON_MAX] = "";
    double sum;
    int ret;

    ret = agent_blk_run(job, path, r, err, sizeof(err));
    if (ret != 0) {
        fail_msg("agent_blk_run: %d %s", ret, err);
    }
    assert_int_equal(r->job, job->id);
    assert_string_equal(r->workload, job->workload);
    assert_string_equal(r->device, path);
    assert_true(r->ops > 0);
    assert_true(r->ops_total > r->ops); /* warm-up ops count in ops_total only */
    assert_int_equal(r->bytes, r->ops * job->bs);
    assert_true(r->runtime_s >= job->runtime_ms / 1000.0);
    assert_true(r->runtime_s < job->runtime_ms / 1000.0 + 0.2);
    assert_true(l->min > 0 && l->min <= l->p50 && l->p50 <= l->p90 && l->p90 <= l->p99);
    assert_true(l->p99 <= l->p999 && l->p999 <= l->max);
    assert_true(l->mean >= l->min && l->mean <= l->max);
    sum = c->user + c->nice + c->system + c->idle + c->iowait + c->irq + c->softirq + c->steal;
    assert_true(sum == 0.0 || (sum > 99.99 && sum < 100.01));
}

static void test_randread_qd1(void **state)
{
    struct agent_job job;
    struct agent_result r;

    if (skip_all) {
        skip();
    }
    make_job(&job, AGENT_RW_RANDREAD, 4096, 1);
    run_ok(&job, &r);
    assert_int_equal(r.irqs, 0); /* no irq= key */
}

static void test_randread_aio(void **state)
{
    struct agent_job job;
    struct agent_result r;

    if (skip_all) {
        skip();
    }
    make_job(&job, AGENT_RW_RANDREAD, 4096, 32);
    snprintf(job.irq, sizeof(job.irq), "timer"); /* any line of the host's interrupts */
    run_ok(&job, &r);
    assert_true(r.irq_lines >= 0);
}

static void test_write_wraps(void **state)
{
    struct agent_job job;
    struct agent_result r;

    if (skip_all) {
        skip();
    }
    /* Sequential over a file of 128 blocks: must wrap at the end many times. */
    make_job(&job, AGENT_RW_WRITE, 65536, 4);
    run_ok(&job, &r);
    assert_true(r.ops_total > FILE_SIZE / 65536);
    make_job(&job, AGENT_RW_READ, 1024 * 1024, 1);
    run_ok(&job, &r);
}

static void test_randwrite_no_warmup(void **state)
{
    struct agent_job job;
    struct agent_result r;

    if (skip_all) {
        skip();
    }
    make_job(&job, AGENT_RW_RANDWRITE, 512, 8);
    job.warmup_ms = 0;
    job.runtime_ms = 100;
    memset(&r, 0, sizeof(r));
    assert_int_equal(agent_blk_run(&job, path, &r, NULL, 0), 0);
    assert_true(r.ops > 0);
    assert_int_equal(r.ops_total, r.ops);
}

static void test_errors(void **state)
{
    struct agent_job job;
    struct agent_result r;
    char err[AGENT_REASON_MAX];

    make_job(&job, AGENT_RW_READ, 4096, 1);
    assert_int_equal(agent_blk_run(&job, "/nonexistent/disk", &r, err, sizeof(err)), -ENOENT);
    assert_string_equal(err, "open /nonexistent/disk: No such file or directory");
    if (skip_all) {
        return;
    }
    make_job(&job, AGENT_RW_READ, AGENT_BS_MAX, 1);
    assert_int_equal(agent_blk_run(&job, path, &r, err, sizeof(err)), -ENOSPC);
    assert_non_null(strstr(err, "smaller than bs=16777216"));
}

/* The file zeroed again; then how many of its bytes in [from, to) are not zero. */
static void zero_file(void)
{
    assert_int_equal(truncate(path, 0), 0);
    assert_int_equal(truncate(path, FILE_SIZE), 0);
}

static size_t nonzero_bytes(size_t from, size_t to)
{
    static unsigned char buf[FILE_SIZE];
    size_t n = 0, i;
    FILE *f = fopen(path, "rb");

    assert_non_null(f);
    assert_int_equal(fread(buf, 1, FILE_SIZE, f), FILE_SIZE);
    fclose(f);
    for (i = from; i < to; i++) {
        n += buf[i] != 0;
    }
    return n;
}

static void test_region(void **state)
{
    struct agent_job job;
    struct agent_result r;
    char err[AGENT_REASON_MAX];

    if (skip_all) {
        skip();
    }
    /* Writes inside [2 MiB, 4 MiB) only, at both queue depths. */
    zero_file();
    make_job(&job, AGENT_RW_RANDWRITE, 4096, 8);
    job.offset_mib = 2;
    job.size_mib = 2;
    run_ok(&job, &r);
    make_job(&job, AGENT_RW_WRITE, 4096, 1);
    job.offset_mib = 2;
    job.size_mib = 2;
    run_ok(&job, &r);
    assert_int_equal(nonzero_bytes(0, 2u << 20), 0);
    assert_true(nonzero_bytes(2u << 20, 4u << 20) > 0);
    assert_int_equal(nonzero_bytes(4u << 20, FILE_SIZE), 0);
    /* size 0: from the offset to the end */
    zero_file();
    make_job(&job, AGENT_RW_RANDWRITE, 4096, 4);
    job.offset_mib = 6;
    run_ok(&job, &r);
    assert_int_equal(nonzero_bytes(0, 6u << 20), 0);
    assert_true(nonzero_bytes(6u << 20, FILE_SIZE) > 0);
    /* beyond the file: refused before any I/O */
    make_job(&job, AGENT_RW_READ, 4096, 1);
    job.offset_mib = 6;
    job.size_mib = 4;
    assert_int_equal(agent_blk_run(&job, path, &r, err, sizeof(err)), -ENOSPC);
    assert_non_null(strstr(err, "region offset_mib=6 size_mib=4 lies beyond"));
    job.offset_mib = 8;
    job.size_mib = 0;
    assert_int_equal(agent_blk_run(&job, path, &r, err, sizeof(err)), -ENOSPC);
}

/* numjobs: several submitters, summed; sequential ones in slices of their own. */
static void test_numjobs(void **state)
{
    struct agent_job job;
    struct agent_result r, one;
    char err[AGENT_REASON_MAX];

    if (skip_all) {
        skip();
    }
    make_job(&job, AGENT_RW_RANDREAD, 4096, 1);
    run_ok(&job, &one);
    assert_int_equal(one.numjobs, 0);
    make_job(&job, AGENT_RW_RANDREAD, 4096, 4);
    job.numjobs = 3;
    run_ok(&job, &r);
    assert_int_equal(r.numjobs, 3);
    make_job(&job, AGENT_RW_READ, 4096, 1);
    job.numjobs = 2;
    run_ok(&job, &r);
    assert_int_equal(r.numjobs, 2);
    /* two sequential writers in [2 MiB, 4 MiB): each starts at its own slice */
    zero_file();
    make_job(&job, AGENT_RW_WRITE, 4096, 2);
    job.runtime_ms = 1;
    job.warmup_ms = 0;
    job.offset_mib = 2;
    job.size_mib = 2;
    job.numjobs = 2;
    assert_int_equal(agent_blk_run(&job, path, &r, err, sizeof(err)), 0);
    assert_int_equal(nonzero_bytes(0, 2u << 20), 0);
    assert_true(nonzero_bytes(2u << 20, (2u << 20) + 4096) > 0);
    assert_true(nonzero_bytes(3u << 20, (3u << 20) + 4096) > 0);
    assert_int_equal(nonzero_bytes(4u << 20, FILE_SIZE), 0);
    /* more submitters than blocks: refused with the reason */
    make_job(&job, AGENT_RW_READ, 1024 * 1024, 1);
    job.size_mib = 2;
    job.numjobs = 4;
    assert_int_equal(agent_blk_run(&job, path, &r, err, sizeof(err)), -ENOSPC);
    assert_non_null(strstr(err, "fewer than numjobs=4"));
}

static void test_randrw(void **state)
{
    struct agent_job job;
    struct agent_result r;

    if (skip_all) {
        skip();
    }
    /* rwmixread=100: reads only, the file stays zero; 0: writes only. */
    zero_file();
    make_job(&job, AGENT_RW_RANDRW, 4096, 8);
    job.rwmixread = 100;
    run_ok(&job, &r);
    job.qd = 1;
    run_ok(&job, &r);
    assert_int_equal(nonzero_bytes(0, FILE_SIZE), 0);
    job.rwmixread = 0;
    run_ok(&job, &r);
    assert_true(nonzero_bytes(0, FILE_SIZE) > 0);
    job.rwmixread = 70;
    job.qd = 16;
    run_ok(&job, &r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_randread_qd1), cmocka_unit_test(test_randread_aio),
        cmocka_unit_test(test_write_wraps),  cmocka_unit_test(test_randwrite_no_warmup),
        cmocka_unit_test(test_errors),       cmocka_unit_test(test_region),
        cmocka_unit_test(test_randrw),       cmocka_unit_test(test_numjobs),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
