/*
 * Unit tests of session.c: a fake backend whose "guest" is a forked process playing the
 * agent on the control socket (READY, then an answer to the job, or LOG lines, garbage, an
 * exit). The deadline rule is the point: LOG lines must never move a deadline.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "registry.h"
#include "session.h"
#include "util.h"

#define READY_LINE                                                                                 \
    "PVB1 READY {\"agent\":\"0.1.0\",\"kernel\":\"6.1.0-28-amd64\",\"uptime_s\":0.84,"             \
    "\"modules_loaded\":5,\"modules_failed\":0,\"blk\":\"vda\",\"blk_driver\":\"virtio_blk\","     \
    "\"net\":\"\",\"net_driver\":\"\"}\n"
#define RESULT_LINE(job)                                                                           \
    "PVB1 RESULT {\"job\":" job ",\"workload\":\"randread\",\"engine\":\"agent\",\"device\":"      \
    "\"vda\",\"driver\":\"virtio_blk\",\"runtime_s\":2.001,\"ops\":82468,\"ops_total\":103110,"    \
    "\"bytes\":337788928,\"lat_us\":{\"mean\":775.2,\"min\":98.1,\"p50\":702.0,\"p90\":1100.5,"    \
    "\"p99\":2210.0,\"p999\":4890.2,\"max\":9120.7},\"cpu_pct\":{\"user\":1.2,\"nice\":0,"         \
    "\"system\":20.5,\"irq\":3.1,\"softirq\":4.2,\"iowait\":60.0,\"idle\":11.0,\"steal\":0},"      \
    "\"irqs\":41233}\n"
/* How long the chatty fakes talk before they fall silent: far past any deadline tested. */
#define FAKE_TALK_S 25.0

enum fake_mode {
    FAKE_RESULT,
    FAKE_LOG_FOREVER,      /* READY, then LOG lines and never the RESULT */
    FAKE_BOOT_LOG_FOREVER, /* LOG lines and never READY */
    FAKE_ERROR,
    FAKE_GARBAGE,
    FAKE_EXIT,
    FAKE_OUT_OF_TURN,
};

static enum fake_mode fake_mode;
static char state_dir[64];

static void fake_write(int fd, const char *line)
{
    size_t n = strlen(line), done = 0;
    ssize_t w;

    while (done < n) {
        w = write(fd, line + done, n - done);
        if (w <= 0) {
            _exit(0); /* the harness closed the channel */
        }
        done += (size_t)w;
    }
}

/* One line from the harness into buf; 0 at EOF. */
static int fake_read_line(int fd, char *buf, size_t len)
{
    size_t n = 0;
    char c;

    while (read(fd, &c, 1) == 1) {
        if (c == '\n') {
            buf[n] = '\0';
            return 1;
        }
        if (n + 1 < len) {
            buf[n++] = c;
        }
    }
    return 0;
}

/* LOG lines every 20 ms for FAKE_TALK_S, then silence until killed. */
static void fake_chatter(int fd)
{
    double until = util_now() + FAKE_TALK_S;

    while (util_now() < until) {
        fake_write(fd, "PVB1 LOG still working\n");
        usleep(20000);
    }
    for (;;) {
        pause();
    }
}

/* The child: the agent's side of the control socket, as fake_mode says. */
static void fake_agent(const char *path)
{
    struct sockaddr_un sa;
    char line[4096];
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);

    prctl(PR_SET_PDEATHSIG, SIGKILL); /* a failed assertion leaves no fake behind */
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    util_strlcpy(sa.sun_path, path, sizeof(sa.sun_path));
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        _exit(2);
    }
    if (fake_mode == FAKE_BOOT_LOG_FOREVER) {
        fake_chatter(fd);
    }
    fake_write(fd, "boot noise before the agent\n");
    fake_write(fd, READY_LINE);
    if (!fake_read_line(fd, line, sizeof(line))) {
        _exit(0);
    }
    switch (fake_mode) {
    case FAKE_RESULT:
        fake_write(fd, "PVB1 LOG measuring\n");
        fake_write(fd, RESULT_LINE("1"));
        break;
    case FAKE_LOG_FOREVER:
    case FAKE_BOOT_LOG_FOREVER:
        fake_chatter(fd);
        break;
    case FAKE_ERROR:
        fake_write(fd, "PVB1 ERROR {\"job\":1,\"reason\":\"no such disk\"}\n");
        break;
    case FAKE_GARBAGE:
        fake_write(fd, "hello from somewhere else\n");
        break;
    case FAKE_EXIT:
        _exit(3);
    case FAKE_OUT_OF_TURN:
        fake_write(fd, RESULT_LINE("7"));
        break;
    }
    /* serve until QUIT or EOF */
    while (fake_read_line(fd, line, sizeof(line)) && !strstr(line, "QUIT")) {
    }
    _exit(0);
}

static int fake_start(const struct guest_spec *spec, struct guest *g, char *err, size_t errlen)
{
    memset(g, 0, sizeof(*g));
    g->pid = fork();
    if (g->pid < 0) {
        snprintf(err, errlen, "fork: %s", strerror(errno));
        return -1;
    }
    if (g->pid == 0) {
        fake_agent(spec->control_sock);
    }
    return 0;
}

static double fake_cpu(struct guest *g)
{
    return -1;
}

static int fake_alive(struct guest *g)
{
    int status;

    if (!g->exited && waitpid(g->pid, &status, WNOHANG) == g->pid) {
        g->exited = 1;
        g->exit_status = status;
    }
    return !g->exited;
}

static void fake_stop(struct guest *g, double grace_s)
{
    double until = util_now() + (grace_s < 0.5 ? grace_s : 0.5); /* QUIT is answered at once */
    int status;

    while (fake_alive(g) && util_now() < until) {
        usleep(10000);
    }
    if (!g->exited) {
        kill(g->pid, SIGKILL);
        if (waitpid(g->pid, &status, 0) == g->pid) {
            g->exited = 1;
            g->exit_status = status;
        }
    }
}

static const struct backend_ops fake_ops = {
    .name = "fake",
    .process_name = "the fake process",
    .start = fake_start,
    .cpu_seconds = fake_cpu,
    .alive = fake_alive,
    .stop = fake_stop,
};

static int setup(void **state)
{
    char id[16];

    (void)state;
    snprintf(state_dir, sizeof(state_dir), "/tmp/pvb-sessiontest-XXXXXX");
    if (!mkdtemp(state_dir)) {
        return -1;
    }
    setenv("PVBENCH_STATE_DIR", state_dir, 1);
    return registry_open(id, sizeof(id));
}

static int teardown(void **state)
{
    char cmd[128];

    (void)state;
    registry_release_all();
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", state_dir);
    return system(cmd) == 0 ? 0 : -1;
}

static struct agent_job test_job(unsigned runtime_ms)
{
    struct agent_job job;

    memset(&job, 0, sizeof(job));
    job.id = 1;
    job.workload = "randread";
    job.kind = "blk";
    job.rw = "randread";
    job.bs = 4096;
    job.qd = 1;
    job.runtime_ms = runtime_ms;
    job.irq = "virtio";
    job.fault = "none";
    return job;
}

/* Boot the fake in mode into s; the agent log in log. */
static int boot(struct session *s, enum fake_mode mode, double timeout_s, char *log, size_t loglen,
                char *reason, size_t len)
{
    char sock[PATH_MAX];
    struct guest_spec spec;

    fake_mode = mode;
    snprintf(log, loglen, "%s/agent.log", state_dir);
    snprintf(sock, sizeof(sock), "%s/ctl.sock", registry_dir());
    session_init(s, &fake_ops, log);
    memset(&spec, 0, sizeof(spec));
    spec.name = "fake";
    spec.control_sock = sock;
    return session_boot(s, &spec, timeout_s, reason, len);
}

static void assert_contains(const char *hay, const char *needle)
{
    if (!strstr(hay, needle)) {
        fail_msg("'%s' does not contain '%s'", hay, needle);
    }
}

static void test_budget(void **state)
{
    struct agent_job job = test_job(2000);

    (void)state;
    job.warmup_ms = 500;
    assert_float_equal(session_job_budget(&job), 1.5 * 2.5 + SESSION_ANSWER_MARGIN_S, 1e-9);
    job.engine = "agent";
    assert_float_equal(session_job_budget(&job), 1.5 * 2.5 + SESSION_ANSWER_MARGIN_S, 1e-9);
    job.engine = "fio";
    assert_float_equal(session_job_budget(&job),
                       2 * 2.5 + PVB_FIO_MARGIN_S + SESSION_ANSWER_MARGIN_S, 1e-9);
    job.engine = "iperf3";
    assert_float_equal(session_job_budget(&job),
                       2 * 2.5 + PVB_IPERF3_MARGIN_S + SESSION_ANSWER_MARGIN_S, 1e-9);
}

/* READY, a job, its RESULT; the socket and the scratch disk are gone after the stop. */
static void test_result_and_stop(void **state)
{
    struct agent_job job = test_job(2000);
    struct agent_result res;
    struct session s;
    char reason[512], log[PATH_MAX], disk[PATH_MAX], sock[PATH_MAX], text[4096];

    (void)state;
    snprintf(disk, sizeof(disk), "%s/disk.img", registry_dir());
    assert_int_equal(boot(&s, FAKE_RESULT, 10.0, log, sizeof(log), reason, sizeof(reason)), 0);
    assert_int_equal(session_scratch_disk(&s, disk, NULL, 1, reason, sizeof(reason)), 0);
    assert_string_equal(s.ready.blk, "vda");
    assert_true(s.boot_s >= 0 && s.boot_s < 10.0);
    assert_true(session_alive(&s));
    assert_int_equal(session_job(&s, &job, &res, reason, sizeof(reason)), SESSION_OK);
    assert_int_equal(res.job, 1);
    assert_true(res.ops == 82468);
    util_strlcpy(sock, s.sock, sizeof(sock));
    session_stop(&s);
    assert_int_not_equal(access(sock, F_OK), 0);
    assert_int_not_equal(access(disk, F_OK), 0);
    /* the fake exited by itself on QUIT: status 0, not killed */
    assert_true(WIFEXITED(s.g.exit_status) && WEXITSTATUS(s.g.exit_status) == 0);
    session_stop(&s); /* twice is harmless */
    assert_true(util_read_file(log, text, sizeof(text)) > 0);
    assert_contains(text, "boot noise before the agent");
    assert_contains(text, "measuring");
}

/*
 * An agent that keeps sending LOG lines and never its RESULT times out at the job's budget
 * (it talks for FAKE_TALK_S, longer than the budget: a deadline renewed by each line would
 * end only after it falls silent, FAKE_TALK_S + budget in).
 */
static void test_log_lines_do_not_extend_the_job(void **state)
{
    struct agent_job job = test_job(100);
    double budget = session_job_budget(&job), t0, took;
    struct agent_result res;
    struct session s;
    char reason[512], log[PATH_MAX];

    (void)state;
    assert_true(budget + 5.0 < FAKE_TALK_S);
    assert_int_equal(boot(&s, FAKE_LOG_FOREVER, 10.0, log, sizeof(log), reason, sizeof(reason)), 0);
    t0 = util_now();
    assert_int_equal(session_job(&s, &job, &res, reason, sizeof(reason)), SESSION_LOST);
    took = util_now() - t0;
    assert_contains(reason, "timed out");
    if (took < budget - 0.2 || took > budget + 3.0) {
        fail_msg("the job ended after %.2f s, its budget is %.2f s", took, budget);
    }
    session_stop(&s);
}

/* The same for a boot: LOG lines without READY do not keep a guest booting. */
static void test_log_lines_do_not_extend_the_boot(void **state)
{
    struct session s;
    char reason[512], log[PATH_MAX];
    double t0 = util_now(), took;

    (void)state;
    assert_int_equal(boot(&s, FAKE_BOOT_LOG_FOREVER, 1.0, log, sizeof(log), reason, sizeof(reason)),
                     -1);
    took = util_now() - t0;
    assert_contains(reason, "timed out");
    assert_contains(reason, "ready");
    if (took > 4.0) {
        fail_msg("the boot ended after %.2f s, its timeout is 1 s", took);
    }
    session_stop(&s);
}

/* An ERROR fails the job, the guest stays; garbage, an exit, an answer out of turn lose it. */
static void test_failures(void **state)
{
    static const struct {
        enum fake_mode mode;
        int rc;
        const char *reason;
    } cases[] = {
        {FAKE_ERROR, SESSION_FAILED, "agent: no such disk"},
        {FAKE_GARBAGE, SESSION_LOST, "sent garbage"},
        /* the backend names what ran the guest (not "QEMU" for every backend) */
        {FAKE_EXIT, SESSION_LOST, "the fake process exited with status 3"},
        {FAKE_OUT_OF_TURN, SESSION_LOST, "out of turn"},
    };
    struct agent_job job = test_job(2000);
    struct agent_result res;
    struct session s;
    char reason[512], log[PATH_MAX];

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(boot(&s, cases[i].mode, 10.0, log, sizeof(log), reason, sizeof(reason)),
                         0);
        reason[0] = '\0';
        assert_int_equal(session_job(&s, &job, &res, reason, sizeof(reason)), cases[i].rc);
        assert_contains(reason, cases[i].reason);
        assert_int_equal(session_alive(&s), cases[i].mode != FAKE_EXIT);
        session_stop(&s);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_budget),
        cmocka_unit_test_setup_teardown(test_result_and_stop, setup, teardown),
        cmocka_unit_test_setup_teardown(test_log_lines_do_not_extend_the_job, setup, teardown),
        cmocka_unit_test_setup_teardown(test_log_lines_do_not_extend_the_boot, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failures, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
