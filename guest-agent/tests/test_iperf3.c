/*
 * engine=iperf3 (agent_iperf3.c, iperf3_job.c): iperf3's command line, its --json output
 * parsed on outputs captured from Debian's iperf3 3.12 on loopback (fixtures/iperf3/: a
 * tcp_tx and a tcp_rx with --omit 1, one without --omit, and "unable to connect", which 3.12
 * reports in the JSON with exit status 0), the RESULT made of it, and agent_iperf3_run
 * against the host's iperf3 and against fakes that misbehave.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "agent.h"
#include "agent_iperf3.h"
#include "iperf3_job.h"

#ifndef PVB_AGENT_FIXTURES
#define PVB_AGENT_FIXTURES "guest-agent/tests/fixtures"
#endif

static char fakedir[] = "/var/tmp/pvb-test-iperf3-bin.XXXXXX";

static const char *fixtures(void)
{
    return getenv("PVB_AGENT_FIXTURES") ? getenv("PVB_AGENT_FIXTURES") : PVB_AGENT_FIXTURES;
}

/* A fixture file as a NUL-terminated malloc'ed string. */
static char *load(const char *name, size_t *lenp)
{
    char path[512];
    FILE *f;
    char *buf;
    long n;

    snprintf(path, sizeof(path), "%s/iperf3/%s", fixtures(), name);
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

static void make_job(struct agent_job *job, enum agent_rw rw)
{
    memset(job, 0, sizeof(*job));
    job->id = 11;
    snprintf(job->workload, sizeof(job->workload), "%s", agent_job_rw_name(rw));
    job->kind = AGENT_KIND_NET;
    job->engine = AGENT_ENGINE_IPERF3;
    job->rw = rw;
    job->bs = 131072;
    job->qd = 1;
    job->runtime_ms = 2000;
    job->warmup_ms = 1000;
    snprintf(job->peer, sizeof(job->peer), "127.0.0.1");
    job->port = 5201;
}

static int setup(void **state)
{
    return mkdtemp(fakedir) ? 0 : -1;
}

static int teardown(void **state)
{
    char cmd[600];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fakedir);
    return system(cmd) == 0 ? 0 : -1;
}

/* ---- command line ---------------------------------------------------------------------- */

static bool has_args(const struct tool_argv *a, const char *k, const char *v)
{
    unsigned i;

    for (i = 0; i < a->argc; i++) {
        if (strcmp(a->argv[i], k) == 0 &&
            (!v || (i + 1 < a->argc && strcmp(a->argv[i + 1], v) == 0))) {
            return true;
        }
    }
    return false;
}

static void test_argv(void **state)
{
    struct tool_argv a;
    struct agent_job job;
    char err[AGENT_REASON_MAX];

    make_job(&job, AGENT_RW_TCP_TX);
    assert_int_equal(agent_iperf3_build_argv(&job, &a, err, sizeof(err)), 0);
    assert_string_equal(a.argv[0], AGENT_IPERF3_BIN);
    assert_true(has_args(&a, "--client", "127.0.0.1"));
    assert_true(has_args(&a, "--port", "5201"));
    assert_true(has_args(&a, "--time", "2"));
    assert_true(has_args(&a, "--omit", "1"));
    assert_true(has_args(&a, "--length", "131072"));
    assert_true(has_args(&a, "--connect-timeout", "5000"));
    assert_true(has_args(&a, "--json", NULL));
    assert_false(has_args(&a, "--reverse", NULL));
    assert_null(a.argv[a.argc]);

    make_job(&job, AGENT_RW_TCP_RX);
    job.warmup_ms = 0;
    assert_int_equal(agent_iperf3_build_argv(&job, &a, err, sizeof(err)), 0);
    assert_true(has_args(&a, "--reverse", NULL));
    assert_false(has_args(&a, "--omit", NULL));

    /* iperf3's --time and --omit take whole seconds: anything else is refused, not rounded */
    make_job(&job, AGENT_RW_TCP_TX);
    job.runtime_ms = 1500;
    assert_int_equal(agent_iperf3_build_argv(&job, &a, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "whole seconds"));
    make_job(&job, AGENT_RW_TCP_TX);
    job.warmup_ms = 300;
    assert_int_equal(agent_iperf3_build_argv(&job, &a, err, sizeof(err)), -1);
    make_job(&job, AGENT_RW_TCP_TX);
    job.runtime_ms = 500;
    assert_int_equal(agent_iperf3_build_argv(&job, &a, err, sizeof(err)), -1);
    make_job(&job, AGENT_RW_UDP_PPS);
    assert_int_equal(agent_iperf3_build_argv(&job, &a, err, sizeof(err)), -1);
    assert_string_equal(err, "engine=iperf3 runs tcp_tx and tcp_rx only");
}

/* ---- JSON ------------------------------------------------------------------------------- */

static void test_parse_fixtures(void **state)
{
    static const struct {
        const char *name;
        bool reverse;
        unsigned omit;
        unsigned duration;
    } want[] = {
        {"tcp_tx.json", false, 1, 2},
        {"tcp_rx.json", true, 1, 2},
        {"tcp_tx_noomit.json", false, 0, 1},
    };
    struct iperf3_job_stats st;
    char err[256] = "", *out;
    size_t len, i;

    for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        out = load(want[i].name, &len);
        if (iperf3_job_parse(out, len, &st, err, sizeof(err)) != 0) {
            fail_msg("%s: %s", want[i].name, err);
        }
        assert_string_equal(st.version, "iperf 3.12");
        assert_string_equal(st.error, "");
        assert_int_equal(st.reverse, want[i].reverse);
        assert_int_equal(st.omit_s, want[i].omit);
        assert_int_equal(st.duration_s, want[i].duration);
        assert_int_equal(st.blksize, 131072);
        /* the sums leave the omitted second out: about duration seconds on both sides */
        assert_true(fabs(st.sent_s - want[i].duration) < 0.1);
        assert_true(fabs(st.recv_s - want[i].duration) < 0.1);
        assert_true(st.sent_bytes > 100u * 1024 * 1024);
        assert_true(st.recv_bytes > 100u * 1024 * 1024);
        assert_true(st.recv_bytes <= st.sent_bytes);
        /* a TCP stream: what one side sent, the other received, within what was in flight */
        assert_true(fabs((double)st.sent_bytes - (double)st.recv_bytes) <
                    0.05 * (double)st.sent_bytes);
        free(out);
    }
    /* the captured numbers themselves */
    out = load("tcp_tx.json", &len);
    assert_int_equal(iperf3_job_parse(out, len, &st, err, sizeof(err)), 0);
    assert_int_equal(st.sent_bytes, 1917583360ull);
    assert_int_equal(st.recv_bytes, 1912471658ull);
    assert_true(fabs(st.recv_s - 2.001002) < 1e-9);
    free(out);
}

static void test_parse_error_fixture(void **state)
{
    struct iperf3_job_stats st;
    struct agent_result res;
    struct agent_job job;
    char err[256] = "", *out, *status;
    size_t len;

    out = load("error_refused.json", &len);
    status = load("error_refused.status", NULL);
    /* iperf3 3.12 says "unable to connect" in its JSON and still exits 0 */
    assert_int_equal(atoi(status), 0);
    assert_int_equal(iperf3_job_parse(out, len, &st, err, sizeof(err)), 0);
    assert_string_equal(st.error, "unable to connect to server: Connection refused");
    assert_int_equal(st.recv_bytes, 0);
    make_job(&job, AGENT_RW_TCP_TX);
    assert_int_equal(agent_iperf3_result(&job, &st, "eth0", &res, err, sizeof(err)), -1);
    assert_string_equal(err, "iperf3: unable to connect to server: Connection refused");
    free(out);
    free(status);
}

static void expect_parse_error(const char *out, const char *want)
{
    struct iperf3_job_stats st;
    char err[256] = "";

    assert_int_equal(iperf3_job_parse(out, strlen(out), &st, err, sizeof(err)), -1);
    if (!strstr(err, want)) {
        fail_msg("error '%s' lacks '%s'", err, want);
    }
}

static void test_parse_bad(void **state)
{
    char *out, *p;
    size_t len;

    expect_parse_error("", "printed no JSON object");
    expect_parse_error("iperf3: error - unable to connect\n", "printed no JSON object");
    expect_parse_error("[1, 2]\n", "printed no JSON object");
    out = load("tcp_tx.json", &len);
    out[len / 2] = '\0';
    expect_parse_error(out, "does not parse: truncated");
    free(out);
    /* a missing key, named with its path */
    out = load("tcp_tx.json", &len);
    p = strstr(out, "\"sum_received\"");
    assert_non_null(p);
    memcpy(p, "\"sum_receivex\"", 14);
    expect_parse_error(out, "missing end.sum_received");
    free(out);
    /* a mistyped and a negative number */
    out = load("tcp_rx.json", &len);
    p = strstr(out, "\"blksize\":\t131072");
    assert_non_null(p);
    memcpy(p + strlen("\"blksize\":\t"), "\"xxxx\"", 6);
    expect_parse_error(out, "start.test_start.blksize is not a number");
    free(out);
    expect_parse_error("{\"start\":{\"version\":\"iperf 3.12\",\"test_start\":{\"duration\":-1}}}",
                       "start.test_start.duration is not a finite number >= 0");
    /* text before the JSON is skipped */
    out = load("tcp_tx.json", &len);
    p = malloc(len + 64);
    assert_non_null(p);
    snprintf(p, len + 64, "warning: something\n%s", out);
    {
        struct iperf3_job_stats st;
        char err[256];

        assert_int_equal(iperf3_job_parse(p, strlen(p), &st, err, sizeof(err)), 0);
    }
    free(p);
    free(out);
}

/* ---- the RESULT ------------------------------------------------------------------------- */

static void test_result(void **state)
{
    struct iperf3_job_stats st;
    struct agent_result res;
    struct agent_job job;
    char err[256] = "", line[PVB_LINE_MAX], *out;
    size_t len;

    out = load("tcp_tx.json", &len);
    assert_int_equal(iperf3_job_parse(out, len, &st, err, sizeof(err)), 0);
    free(out);
    make_job(&job, AGENT_RW_TCP_TX);
    assert_int_equal(agent_iperf3_result(&job, &st, "eth0", &res, err, sizeof(err)), 0);
    assert_int_equal(res.engine, AGENT_ENGINE_IPERF3);
    assert_true(res.net);
    /* tcp_tx: the server received; the guest sent */
    assert_int_equal(res.bytes, st.recv_bytes);
    assert_true(res.runtime_s == st.recv_s);
    assert_int_equal(res.bytes_total, st.sent_bytes);
    assert_int_equal(res.ops, (st.recv_bytes + 131071) / 131072);
    assert_int_equal(res.ops_total, res.ops);
    assert_string_equal(res.device, "eth0");
    assert_string_equal(res.workload, "tcp_tx");
    /* what the harness reads: cpu shares must sum to ~100, so give it a plausible split */
    res.cpu_pct.idle = 100;
    assert_true(agent_job_format_result(line, sizeof(line), &res) > 0);
    assert_non_null(strstr(line, "\"engine\":\"iperf3\""));

    /* the JSON of a tcp_tx run does not answer a tcp_rx job */
    make_job(&job, AGENT_RW_TCP_RX);
    assert_int_equal(agent_iperf3_result(&job, &st, "eth0", &res, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "another test than asked"));

    out = load("tcp_rx.json", &len);
    assert_int_equal(iperf3_job_parse(out, len, &st, err, sizeof(err)), 0);
    free(out);
    assert_int_equal(agent_iperf3_result(&job, &st, "eth0", &res, err, sizeof(err)), 0);
    assert_int_equal(res.bytes, st.recv_bytes);
    assert_int_equal(res.bytes_total, st.recv_bytes);
    /* nothing moved */
    st.recv_bytes = 0;
    assert_int_equal(agent_iperf3_result(&job, &st, "eth0", &res, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "moved no data"));
}

/* ---- running iperf3 --------------------------------------------------------------------- */

static void check_run(const struct agent_job *job, const struct agent_result *r)
{
    const struct procstat_pct *c = &r->cpu_pct;
    double sum =
        c->user + c->nice + c->system + c->idle + c->iowait + c->irq + c->softirq + c->steal;

    assert_int_equal(r->job, job->id);
    assert_int_equal(r->engine, AGENT_ENGINE_IPERF3);
    assert_true(r->bytes > 0 && r->ops > 0);
    /* the receiver's seconds: on a loaded host its reads can lag the sender's by a lot */
    assert_true(r->runtime_s > job->runtime_ms / 1000.0 * 0.9);
    assert_true(r->runtime_s < job->runtime_ms / 1000.0 * 3.0);
    assert_true(fabs(sum - 100.0) < 1.0);
}

/* An iperf3 server on loopback for test_run_real_iperf3, ended by teardown even on failure. */
static pid_t srv_pid = -1;
static char srv_port[16];

static int srv_setup(void **state)
{
    if (access(AGENT_IPERF3_BIN, X_OK) < 0) {
        return 0; /* the test skips */
    }
    snprintf(srv_port, sizeof(srv_port), "%u", 20000u + (unsigned)getpid() % 20000u);
    srv_pid = fork();
    if (srv_pid < 0) {
        return -1;
    }
    if (srv_pid == 0) {
        int null = open("/dev/null", O_WRONLY);

        dup2(null, 1);
        dup2(null, 2);
        execl(AGENT_IPERF3_BIN, "iperf3", "--server", "--bind", "127.0.0.1", "--port", srv_port,
              (char *)NULL);
        _exit(127);
    }
    usleep(300000);
    return 0;
}

static void srv_stop(void)
{
    if (srv_pid > 0) {
        kill(srv_pid, SIGTERM);
        waitpid(srv_pid, NULL, 0);
        srv_pid = -1;
    }
}

static int srv_teardown(void **state)
{
    srv_stop();
    return 0;
}

/* The host's iperf3 against a server of its own on loopback, both directions. */
static void test_run_real_iperf3(void **state)
{
    struct agent_result r;
    struct agent_job job;
    char err[AGENT_REASON_MAX] = "";
    unsigned rw;
    int ret;

    if (srv_pid <= 0) {
        skip();
    }
    agent_iperf3_binary = AGENT_IPERF3_BIN;
    for (rw = AGENT_RW_TCP_TX; rw <= AGENT_RW_TCP_RX; rw++) {
        make_job(&job, (enum agent_rw)rw);
        job.runtime_ms = 1000;
        job.warmup_ms = 0;
        job.port = (unsigned)atoi(srv_port);
        snprintf(job.irq, sizeof(job.irq), "timer"); /* some line every host has */
        ret = agent_iperf3_run(&job, "lo", &r, err, sizeof(err));
        if (ret != 0) {
            fail_msg("agent_iperf3_run %s: %d %s", job.workload, ret, err);
        }
        check_run(&job, &r);
    }
    srv_stop();
    /* nothing listens any more: iperf3's own words */
    make_job(&job, AGENT_RW_TCP_TX);
    job.runtime_ms = 1000;
    job.warmup_ms = 0;
    job.port = (unsigned)atoi(srv_port);
    assert_true(agent_iperf3_run(&job, "lo", &r, err, sizeof(err)) < 0);
    if (!strstr(err, "iperf3: unable to connect to server")) {
        fail_msg("unexpected reason: %s", err);
    }
}

/* Write an executable fake iperf3 (a shell script) and point the agent at it. */
static void fake_iperf3(const char *name, const char *body)
{
    static char path[600];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", fakedir, name);
    f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "#!/bin/sh\n%s\n", body);
    fclose(f);
    assert_int_equal(chmod(path, 0755), 0);
    agent_iperf3_binary = path;
}

static void expect_run_error(const char *want)
{
    struct agent_result r;
    struct agent_job job;
    char err[AGENT_REASON_MAX] = "";

    make_job(&job, AGENT_RW_TCP_TX);
    assert_true(agent_iperf3_run(&job, "eth0", &r, err, sizeof(err)) < 0);
    if (!strstr(err, want)) {
        fail_msg("error '%s' lacks '%s'", err, want);
    }
}

static void test_run_fakes(void **state)
{
    struct agent_result r;
    struct agent_job job;
    char body[1024], err[AGENT_REASON_MAX] = "";

    /* a fake that prints the captured tcp_tx run: a result */
    snprintf(body, sizeof(body), "cat '%s/iperf3/tcp_tx.json'", fixtures());
    fake_iperf3("good", body);
    make_job(&job, AGENT_RW_TCP_TX);
    if (agent_iperf3_run(&job, "eth0", &r, err, sizeof(err)) != 0) {
        fail_msg("fake good: %s", err);
    }
    assert_int_equal(r.bytes, 1912471658ull);

    agent_iperf3_binary = "/nonexistent/iperf3";
    expect_run_error("no iperf3 in this guest");

    snprintf(body, sizeof(body), "cat '%s/iperf3/error_refused.json'", fixtures());
    fake_iperf3("refused", body);
    expect_run_error("iperf3: unable to connect to server: Connection refused");

    fake_iperf3("status", "echo 'iperf3: error - the server is busy running a test' >&2; exit 1");
    expect_run_error("iperf3 exited with status 1 | iperf3: error - the server is busy");

    fake_iperf3("garbage", "echo 'this is not json'");
    expect_run_error("iperf3 printed no JSON object");

    snprintf(body, sizeof(body), "head -c 200 '%s/iperf3/tcp_tx.json'", fixtures());
    fake_iperf3("truncated", body);
    expect_run_error("iperf3 JSON does not parse: truncated");

    snprintf(body, sizeof(body), "cat '%s/iperf3/tcp_rx.json'", fixtures());
    fake_iperf3("reverse", body);
    expect_run_error("iperf3 ran another test than asked");

    fake_iperf3("signal", "kill -9 $$");
    expect_run_error("iperf3 killed by signal 9");

    fake_iperf3("flood", "head -c 1000000 /dev/zero | tr '\\0' 'x'");
    expect_run_error("iperf3 printed more than");

    /* an iperf3 that hangs is killed at the deadline: 2 x (1 s) + margin */
    agent_iperf3_margin_ms = 300;
    fake_iperf3("hang", "exec sleep 30");
    make_job(&job, AGENT_RW_TCP_TX);
    job.runtime_ms = 1000;
    job.warmup_ms = 0;
    assert_true(agent_iperf3_run(&job, "eth0", &r, err, sizeof(err)) < 0);
    if (!strstr(err, "iperf3 did not finish within 2300 ms; killed")) {
        fail_msg("unexpected reason: %s", err);
    }
    agent_iperf3_margin_ms = AGENT_IPERF3_MARGIN_MS;
    agent_iperf3_binary = AGENT_IPERF3_BIN;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_argv),
        cmocka_unit_test(test_parse_fixtures),
        cmocka_unit_test(test_parse_error_fixture),
        cmocka_unit_test(test_parse_bad),
        cmocka_unit_test(test_result),
        cmocka_unit_test_setup_teardown(test_run_real_iperf3, srv_setup, srv_teardown),
        cmocka_unit_test(test_run_fakes),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
