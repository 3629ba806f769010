/*
 * engine=fio (agent_fio.c): fio's command line, its JSON parsed on outputs captured from
 * Debian's fio 3.33 (fixtures/fio/, error cases included), the error text in fio's own
 * words, and agent_fio_run against the host's fio and against fakes that misbehave.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "agent.h"
#include "agent_fio.h"

#ifndef PVB_AGENT_FIXTURES
#define PVB_AGENT_FIXTURES "guest-agent/tests/fixtures"
#endif

#define FILE_SIZE (16u * 1024 * 1024)

static char scratch[] = "/var/tmp/pvb-test-fio.XXXXXX";
static char fakedir[] = "/var/tmp/pvb-test-fio-bin.XXXXXX";
static bool direct_ok;

/* A fixture file as a NUL-terminated malloc'ed string. */
static char *load(const char *name, size_t *lenp)
{
    char path[512];
    const char *dir = getenv("PVB_AGENT_FIXTURES");
    FILE *f;
    char *buf;
    long n;

    snprintf(path, sizeof(path), "%s/fio/%s", dir ? dir : PVB_AGENT_FIXTURES, name);
    f = fopen(path, "rb");
    if (!f) {
        fail_msg("cannot open fixture %s", path);
    }
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    if (lenp) {
        *lenp = (size_t)n;
    }
    return buf;
}

static void make_job(struct agent_job *job, enum agent_rw rw, unsigned bs, unsigned qd)
{
    memset(job, 0, sizeof(*job));
    job->id = 9;
    snprintf(job->workload, sizeof(job->workload), "fio-%s", agent_job_rw_name(rw));
    job->kind = AGENT_KIND_BLK;
    job->engine = AGENT_ENGINE_FIO;
    job->rw = rw;
    job->bs = bs;
    job->qd = qd;
    job->runtime_ms = 400;
    job->warmup_ms = 100;
}

static int setup(void **state)
{
    char buf[65536];
    int fd, probe;
    unsigned i;

    fd = mkstemp(scratch);
    if (fd < 0) {
        return -1;
    }
    /* Real data, so reads are reads (fio lays out nothing on an existing file). */
    for (i = 0; i < sizeof(buf); i++) {
        buf[i] = (char)(i * 131u + 7u);
    }
    for (i = 0; i < FILE_SIZE / sizeof(buf); i++) {
        if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf)) {
            return -1;
        }
    }
    close(fd);
    probe = open(scratch, O_RDWR | O_DIRECT);
    direct_ok = probe >= 0;
    if (probe >= 0) {
        close(probe);
    }
    if (!mkdtemp(fakedir)) {
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    char cmd[600];

    unlink(scratch);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fakedir);
    if (system(cmd) != 0) {
        return -1;
    }
    return 0;
}

/* ---- command line ---------------------------------------------------------------------- */

static bool has_arg(const struct tool_argv *a, const char *want)
{
    unsigned i;

    for (i = 0; i < a->argc; i++) {
        if (strcmp(a->argv[i], want) == 0) {
            return true;
        }
    }
    return false;
}

static void test_argv(void **state)
{
    struct tool_argv a;
    struct agent_job job;

    make_job(&job, AGENT_RW_RANDREAD, 4096, 32);
    job.runtime_ms = 2000;
    job.warmup_ms = 500;
    assert_int_equal(agent_fio_build_argv(&job, "/dev/vda", &a), 0);
    assert_string_equal(a.argv[0], AGENT_FIO_BIN);
    assert_null(a.argv[a.argc]);
    assert_true(has_arg(&a, "--filename=/dev/vda"));
    assert_true(has_arg(&a, "--rw=randread"));
    assert_true(has_arg(&a, "--bs=4096"));
    assert_true(has_arg(&a, "--iodepth=32"));
    assert_true(has_arg(&a, "--runtime=2000ms"));
    assert_true(has_arg(&a, "--ramp_time=500ms"));
    assert_true(has_arg(&a, "--time_based=1"));
    assert_true(has_arg(&a, "--direct=1"));
    assert_true(has_arg(&a, "--ioengine=libaio"));
    assert_true(has_arg(&a, "--lat_percentiles=1"));
    assert_true(has_arg(&a, "--output-format=json"));

    /* no ramp_time at all without a warm-up; fio's rw names are the agent's */
    make_job(&job, AGENT_RW_WRITE, 1048576, 8);
    job.warmup_ms = 0;
    assert_int_equal(agent_fio_build_argv(&job, "/tmp/a:b", &a), 0);
    assert_true(has_arg(&a, "--rw=write"));
    assert_true(has_arg(&a, "--filename=/tmp/a\\:b")); /* ':' separates files in fio */
    for (unsigned i = 0; i < a.argc; i++) {
        assert_null(strstr(a.argv[i], "ramp_time"));
        assert_null(strstr(a.argv[i], "rwmix"));
        assert_null(strstr(a.argv[i], "offset"));
        assert_null(strstr(a.argv[i], "size"));
    }

    /* randrw: the mix and one "mixed" side; a region: offset and size */
    make_job(&job, AGENT_RW_RANDRW, 4096, 16);
    job.rwmixread = 70;
    job.offset_mib = 16;
    job.size_mib = 64;
    assert_int_equal(agent_fio_build_argv(&job, "/dev/vda", &a), 0);
    assert_true(has_arg(&a, "--rw=randrw"));
    assert_true(has_arg(&a, "--rwmixread=70"));
    assert_true(has_arg(&a, "--unified_rw_reporting=mixed"));
    assert_true(has_arg(&a, "--offset=16M"));
    assert_true(has_arg(&a, "--size=64M"));
}

/* ---- JSON ------------------------------------------------------------------------------ */

static void check_stats(const struct fio_job_stats *st)
{
    const struct fio_job_lat *l = &st->lat_us;

    assert_string_equal(st->version, "fio-3.33");
    assert_int_equal(st->error, 0);
    assert_true(st->ops > 0);
    assert_true(st->runtime_s > 0.9 && st->runtime_s < 1.1); /* the fixtures ran 1 s */
    assert_true(st->timestamp_ms > 1.6e12);
    assert_true(st->job_runtime_ms > 900);
    assert_true(l->min > 0);
    assert_true(l->min <= l->p50 && l->p50 <= l->p90 && l->p90 <= l->p99 && l->p99 <= l->p999 &&
                l->p999 <= l->max);
    assert_true(l->mean >= l->min && l->mean <= l->max);
}

static void test_parse_randread_qd32(void **state)
{
    struct fio_job_stats st;
    char err[AGENT_REASON_MAX] = "";
    size_t len;
    char *out = load("randread_qd32.json", &len);

    if (agent_fio_parse(out, len, AGENT_RW_RANDREAD, &st, err, sizeof(err)) != 0) {
        fail_msg("parse: %s", err);
    }
    check_stats(&st);
    /* the numbers fio printed: read.total_ios, io_bytes, runtime, lat_ns (ns -> us) */
    assert_int_equal(st.ops, 51404);
    assert_int_equal(st.bytes, 210677760);
    assert_true(fabs(st.runtime_s - 1.006) < 1e-9);
    assert_true(fabs(st.lat_us.mean - 636.746239312) < 1e-6);
    assert_true(fabs(st.lat_us.p50 - 477.184) < 1e-9);
    assert_true(fabs(st.lat_us.p999 - 22675.456) < 1e-9);
    free(out);
}

static void test_parse_each_fixture(void **state)
{
    static const struct {
        const char *file;
        enum agent_rw rw;
        unsigned bs;
    } cases[] = {
        {"randread_qd1.json", AGENT_RW_RANDREAD, 4096},
        {"randread_qd32.json", AGENT_RW_RANDREAD, 4096},
        {"seqread.json", AGENT_RW_READ, 1048576},
        {"seqwrite.json", AGENT_RW_WRITE, 1048576},
        {"randrw_mixed.json", AGENT_RW_RANDRW, 4096}, /* rwmixread=70: the "mixed" side */
    };
    struct fio_job_stats st;
    char err[AGENT_REASON_MAX];
    size_t len, i;
    char *out;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        out = load(cases[i].file, &len);
        if (agent_fio_parse(out, len, cases[i].rw, &st, err, sizeof(err)) != 0) {
            fail_msg("%s: %s", cases[i].file, err);
        }
        check_stats(&st);
        /* io_bytes also counts the I/Os in flight when the ramp ended (at most iodepth) */
        assert_true(st.bytes >= st.ops * cases[i].bs);
        assert_true(st.bytes <= (st.ops + 32) * cases[i].bs);
        free(out);
        if (agent_job_rw_is_mixed(cases[i].rw)) {
            continue; /* one "mixed" side: no read or write side to ask for */
        }
        out = load(cases[i].file, &len);
        /* the other side of the job did nothing */
        assert_int_equal(
            agent_fio_parse(out, len,
                            agent_job_rw_is_write(cases[i].rw) ? AGENT_RW_READ : AGENT_RW_WRITE,
                            &st, err, sizeof(err)),
            0);
        assert_int_equal(st.ops, 0);
        free(out);
    }
}

/* An error case captured from fio: the JSON parses, and says which errno the job hit. */
static void test_parse_error_fixture(void **state)
{
    struct fio_job_stats st;
    char err[AGENT_REASON_MAX];
    size_t len;
    char *out = load("error_io.stdout", &len);

    /* fio printed its "fio: pid=..." line on stdout before the JSON */
    assert_int_equal(strncmp(out, "fio: pid=", 9), 0);
    assert_int_equal(agent_fio_parse(out, len, AGENT_RW_RANDREAD, &st, err, sizeof(err)), 0);
    assert_int_equal(st.error, EINVAL);
    free(out);
    out = load("error_nosize.stdout", &len);
    if (agent_fio_parse(out, len, AGENT_RW_RANDREAD, &st, err, sizeof(err)) != 0) {
        fail_msg("parse: %s", err);
    }
    assert_int_equal(st.error, EINVAL);
    assert_int_equal(st.ops, 0);
    free(out);
}

static void expect_parse_error(const char *text, size_t len, const char *want)
{
    struct fio_job_stats st;
    char err[AGENT_REASON_MAX] = "";

    assert_int_equal(agent_fio_parse(text, len, AGENT_RW_RANDREAD, &st, err, sizeof(err)), -1);
    if (!strstr(err, want)) {
        fail_msg("error '%s' lacks '%s'", err, want);
    }
}

static void test_parse_bad(void **state)
{
    size_t len;
    char *out = load("randread_qd32.json", &len);
    const char *p;
    char *q;
    static const char nul[] = "{\"fio version\":\"x\0\"}";

    expect_parse_error("", 0, "no JSON");
    expect_parse_error("fio: something went wrong\n", 26, "no JSON");
    expect_parse_error(out, len / 2, "does not parse: truncated");
    expect_parse_error("{\"a\": [1, 2,, 3]}\n", 18, "does not parse");
    expect_parse_error(nul, sizeof(nul) - 1, "NUL");
    expect_parse_error("{}", 2, "missing fio version");
    p = "{\"fio version\":\"fio-3.33\",\"timestamp_ms\":1,\"jobs\":[]}";
    expect_parse_error(p, strlen(p), "no job");
    p = "{\"fio version\":\"fio-3.33\",\"timestamp_ms\":1,\"jobs\":{}}";
    expect_parse_error(p, strlen(p), "jobs is not of type array");
    /* a number that is negative, and a key that is missing */
    q = strstr(out, "\"total_ios\" : ");
    assert_non_null(q);
    q[14] = '-';
    expect_parse_error(out, len, "jobs[0].read.total_ios is not a finite number");
    q[14] = '5';
    q = strstr(out, "\"lat_ns\"");
    assert_non_null(q);
    memcpy(q, "\"lat_xx\"", 8);
    expect_parse_error(out, len, "missing jobs[0].read.lat_ns");
    free(out);
}

/* ---- error text ------------------------------------------------------------------------ */

static void test_error_text(void **state)
{
    char err[AGENT_REASON_MAX], what[128];
    size_t len;
    char *out = load("error_nosize.stdout", &len);
    char *errtext = load("error_nosize.stderr", NULL);

    agent_fio_status_text(1 << 8, what, sizeof(what));
    assert_string_equal(what, "fio exited with status 1");
    agent_fio_error_text(out, len, errtext, what, err, sizeof(err));
    assert_string_equal(err, "fio exited with status 1 | pvbench: you need to specify size= | "
                             "fio: pid=0, err=22/file:filesetup.c:1155, func=total_file_size, "
                             "error=Invalid argument");
    free(out);
    free(errtext);

    /* error_io: one line on stderr, one "fio:" line on stdout before the JSON */
    out = load("error_io.stdout", &len);
    errtext = load("error_io.stderr", NULL);
    agent_fio_error_text(out, len, errtext, what, err, sizeof(err));
    assert_non_null(strstr(err, "| fio: io_u error on file "));
    assert_non_null(strstr(err, "| fio: pid="));
    assert_non_null(strstr(err, "error=Invalid argument"));
    assert_null(strchr(err, '{')); /* never the JSON itself */
    free(out);
    free(errtext);

    /* bounded, control characters replaced */
    agent_fio_status_text(9, what, sizeof(what));
    assert_string_equal(what, "fio killed by signal 9");
    agent_fio_error_text(NULL, 0, "a\tb\n\nc\n", what, err, 30);
    assert_string_equal(err, "fio killed by signal 9 | a?b");
}

/* ---- running fio ----------------------------------------------------------------------- */

static void check_result(const struct agent_job *job, const struct agent_result *r)
{
    const struct procstat_pct *c = &r->cpu_pct;
    double sum =
        c->user + c->nice + c->system + c->idle + c->iowait + c->irq + c->softirq + c->steal;

    assert_int_equal(r->job, job->id);
    assert_int_equal(r->engine, AGENT_ENGINE_FIO);
    assert_string_equal(r->workload, job->workload);
    assert_string_equal(r->device, scratch);
    assert_true(r->ops > 0);
    assert_int_equal(r->ops_total, r->ops);
    assert_true(r->bytes >= r->ops * job->bs && r->bytes <= (r->ops + job->qd) * job->bs);
    assert_true(r->runtime_s > job->runtime_ms / 1000.0 * 0.9);
    assert_true(r->runtime_s < job->runtime_ms / 1000.0 * 1.5);
    assert_true(r->lat_us.min <= r->lat_us.p50 && r->lat_us.p50 <= r->lat_us.max);
    assert_true(fabs(sum - 100.0) < 1.0);
}

static void test_run_real_fio(void **state)
{
    struct agent_result r;
    struct agent_job job;
    char err[AGENT_REASON_MAX] = "", line[PVB_LINE_MAX];
    int ret;

    if (access(AGENT_FIO_BIN, X_OK) < 0 || !direct_ok) {
        skip();
    }
    agent_fio_binary = AGENT_FIO_BIN;
    make_job(&job, AGENT_RW_RANDREAD, 4096, 8);
    snprintf(job.irq, sizeof(job.irq), "timer"); /* some line every host has */
    ret = agent_fio_run(&job, scratch, &r, err, sizeof(err));
    if (ret != 0) {
        fail_msg("agent_fio_run: %d %s", ret, err);
    }
    check_result(&job, &r);
    assert_true(agent_job_format_result(line, sizeof(line), &r) > 0);
    assert_non_null(strstr(line, "\"engine\":\"fio\""));

    make_job(&job, AGENT_RW_WRITE, 65536, 1);
    job.warmup_ms = 0;
    ret = agent_fio_run(&job, scratch, &r, err, sizeof(err));
    if (ret != 0) {
        fail_msg("agent_fio_run: %d %s", ret, err);
    }
    check_result(&job, &r);
}

/* A user's job file (fiojob=): two jobs, three processes, one result summing them. */
static void test_run_real_jobfile(void **state)
{
    static const char text[] = "[a]\nrw=randread\nbs=4k\niodepth=4\n[b]\nrw=read\nbs=64k\n"
                               "numjobs=2\n";
    struct agent_result r;
    struct agent_job job;
    char err[AGENT_REASON_MAX] = "";
    int ret;

    (void)state;
    if (access(AGENT_FIO_BIN, X_OK) < 0 || !direct_ok) {
        skip();
    }
    agent_fio_binary = AGENT_FIO_BIN;
    make_job(&job, AGENT_RW_RANDREAD, 4096, 4);
    snprintf(job.fiojob, sizeof(job.fiojob), "%s", text);
    ret = agent_fio_run(&job, scratch, &r, err, sizeof(err));
    if (ret != 0) {
        fail_msg("agent_fio_run: %d %s", ret, err);
    }
    assert_int_equal(r.engine, AGENT_ENGINE_FIO);
    assert_string_equal(r.device, scratch);
    assert_true(r.ops > 0);
    /* 4 KiB and 64 KiB operations together */
    assert_true(r.bytes > r.ops * 4096 && r.bytes < r.ops * 65536);
    assert_true(r.runtime_s > job.runtime_ms / 1000.0 * 0.9);
    assert_true(r.runtime_s < job.runtime_ms / 1000.0 * 1.5);
    assert_true(r.lat_us.min <= r.lat_us.p50 && r.lat_us.p50 <= r.lat_us.p99 &&
                r.lat_us.p99 <= r.lat_us.max);
    /* fio's complaint about a key it does not know is the error */
    snprintf(job.fiojob, sizeof(job.fiojob), "[a]\nno_such_key=1\n");
    assert_true(agent_fio_run(&job, scratch, &r, err, sizeof(err)) < 0);
    assert_non_null(strstr(err, "no_such_key"));
}

/* Every job and side of fio's JSON summed (FIO_JOB_ALL), on outputs of fio 3.33. */
static void test_parse_jobfile(void **state)
{
    struct fio_job_stats st;
    char err[AGENT_REASON_MAX] = "";
    size_t len;
    char *out;

    (void)state;
    /* three jobs (one with numjobs=2), read, write and trim sides each */
    out = load("jobfile_split.json", &len);
    if (fio_job_parse(out, len, false, FIO_JOB_WINDOW | FIO_JOB_ALL, &st, err, sizeof(err))) {
        fail_msg("parse: %s", err);
    }
    assert_int_equal(st.error, 0);
    assert_int_equal(st.ops, 8635);
    assert_int_equal(st.bytes, 111063040);
    assert_true(fabs(st.runtime_s - 0.304) < 1e-9);
    assert_true(fabs(st.job_runtime_ms - 303) < 1e-9);
    assert_true(fabs(st.lat_us.min - 28.804) < 1e-9);
    assert_true(fabs(st.lat_us.max - 36711.508) < 1e-9);
    assert_true(fabs(st.lat_us.mean - 315.613985524) < 1e-6); /* weighted by completions */
    assert_true(fabs(st.lat_us.p50 - 143.213248408) < 1e-6);  /* approximate: weighted */
    free(out);
    /* group_reporting and unified_rw_reporting=mixed: one entry, fio's own merge */
    out = load("jobfile_grouped.json", &len);
    if (fio_job_parse(out, len, false, FIO_JOB_WINDOW | FIO_JOB_ALL, &st, err, sizeof(err))) {
        fail_msg("parse: %s", err);
    }
    assert_int_equal(st.ops, 18714);
    assert_int_equal(st.bytes, 204140544);
    assert_true(fabs(st.lat_us.mean - 143.908296837) < 1e-6);
    assert_true(fabs(st.lat_us.p50 - 132.096) < 1e-9);
    free(out);
    /* the single-job reader still takes jobs[0]'s one side */
    out = load("jobfile_split.json", &len);
    assert_int_equal(fio_job_parse(out, len, true, 0, &st, err, sizeof(err)), 0);
    assert_int_equal(st.ops, 1932);
    free(out);
}

/* fio's own error text reaches the ERROR reason. */
static void test_run_real_fio_error(void **state)
{
    struct agent_result r;
    struct agent_job job;
    char err[AGENT_REASON_MAX] = "";

    if (access(AGENT_FIO_BIN, X_OK) < 0) {
        skip();
    }
    agent_fio_binary = AGENT_FIO_BIN;
    make_job(&job, AGENT_RW_RANDREAD, 4096, 8);
    assert_true(agent_fio_run(&job, "/nonexistent/pvb/disk", &r, err, sizeof(err)) < 0);
    if (!strstr(err, "fio exited with status 1") || !strstr(err, "size=")) {
        fail_msg("unexpected reason: %s", err);
    }
}

/* Write an executable fake fio (a shell script) and point the agent at it. */
static void fake_fio(const char *name, const char *body)
{
    static char path[600];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", fakedir, name);
    f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "#!/bin/sh\n%s\n", body);
    fclose(f);
    assert_int_equal(chmod(path, 0755), 0);
    agent_fio_binary = path;
}

static void expect_run_error(const char *want)
{
    struct agent_result r;
    struct agent_job job;
    char err[AGENT_REASON_MAX] = "";

    make_job(&job, AGENT_RW_RANDREAD, 4096, 8);
    job.runtime_ms = 100;
    job.warmup_ms = 0;
    assert_true(agent_fio_run(&job, scratch, &r, err, sizeof(err)) < 0);
    if (!strstr(err, want)) {
        fail_msg("error '%s' lacks '%s'", err, want);
    }
}

static void test_run_fakes(void **state)
{
    char body[1024];

    agent_fio_binary = "/nonexistent/fio";
    expect_run_error("no fio in this guest");

    fake_fio("garbage", "echo 'this is not json'");
    expect_run_error("fio printed no JSON object");

    snprintf(body, sizeof(body), "head -c 20 '%s/fio/randread_qd32.json'",
             getenv("PVB_AGENT_FIXTURES") ? getenv("PVB_AGENT_FIXTURES") : PVB_AGENT_FIXTURES);
    fake_fio("truncated", body);
    expect_run_error("fio JSON does not parse: truncated");

    fake_fio("status", "echo 'fio: engine libaio not loadable' >&2; exit 1");
    expect_run_error("fio exited with status 1 | fio: engine libaio not loadable");

    fake_fio("signal", "kill -9 $$");
    expect_run_error("fio killed by signal 9");

    fake_fio("flood", "head -c 1000000 /dev/zero | tr '\\0' 'x'");
    expect_run_error("fio printed more than");

    snprintf(body, sizeof(body),
             "echo 'fio: pid=1, err=5/file:io_u.c:1, error=Input/output "
             "error'; sed 's/\"error\" : 0/\"error\" : 5/' "
             "'%s/fio/randread_qd32.json'",
             getenv("PVB_AGENT_FIXTURES") ? getenv("PVB_AGENT_FIXTURES") : PVB_AGENT_FIXTURES);
    fake_fio("joberror", body);
    expect_run_error("fio job error 5 (Input/output error) | fio: pid=1, err=5");

    /* a fio that hangs is killed at the deadline: 2 x (0.1 s) + margin */
    agent_fio_margin_ms = 300;
    fake_fio("hang", "exec sleep 30");
    expect_run_error("did not finish within 500 ms; killed");
    agent_fio_margin_ms = AGENT_FIO_MARGIN_MS;
    agent_fio_binary = AGENT_FIO_BIN;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_argv),
        cmocka_unit_test(test_parse_randread_qd32),
        cmocka_unit_test(test_parse_each_fixture),
        cmocka_unit_test(test_parse_error_fixture),
        cmocka_unit_test(test_parse_bad),
        cmocka_unit_test(test_error_text),
        cmocka_unit_test(test_run_real_fio),
        cmocka_unit_test(test_run_real_fio_error),
        cmocka_unit_test(test_run_real_jobfile),
        cmocka_unit_test(test_parse_jobfile),
        cmocka_unit_test(test_run_fakes),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
