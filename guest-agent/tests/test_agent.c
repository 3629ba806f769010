/*
 * The agent binary end to end, off PID 1: pvbench-agent serves a pty (as it
 * serves ttyS1 in a guest) with jobs on a scratch file. Checks the control
 * loop: READY, RESULT, ERROR for bad and over-long lines, the garbage fault,
 * QUIT. And a Unix socket as its control (the bare-host network baseline runs it
 * so): it connects, serves, and exits when the socket closes.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "agent.h"

#ifndef PVB_AGENT_BIN
#define PVB_AGENT_BIN "guest-agent/pvbench-agent"
#endif

static char disk[] = "/var/tmp/pvb-test-agent.XXXXXX";
static int master = -1;
static pid_t child = -1;
static char inbuf[64 * 1024];
static size_t inlen;

/* Next line from the agent (without '\n') into line; fails the test after timeout_ms. */
static void read_line(char *line, size_t size, int timeout_ms)
{
    struct pollfd pfd = {.fd = master, .events = POLLIN};
    char *nl;
    ssize_t n;
    size_t len;

    for (;;) {
        nl = memchr(inbuf, '\n', inlen);
        if (nl) {
            len = (size_t)(nl - inbuf);
            assert_true(len < size);
            memcpy(line, inbuf, len);
            line[len] = '\0';
            inlen -= len + 1;
            memmove(inbuf, nl + 1, inlen);
            return;
        }
        assert_true(inlen < sizeof(inbuf));
        if (poll(&pfd, 1, timeout_ms) <= 0) {
            fail_msg("no line from the agent within %d ms", timeout_ms);
        }
        n = read(master, inbuf + inlen, sizeof(inbuf) - inlen);
        if (n <= 0) {
            fail_msg("agent channel closed (%s)", n < 0 ? strerror(errno) : "EOF");
        }
        inlen += (size_t)n;
    }
}

static bool starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static void send_str(const char *s)
{
    size_t len = strlen(s);

    assert_int_equal(write(master, s, len), (ssize_t)len);
}

static int setup(void **state)
{
    const char *slave;
    int fd;

    if (access(PVB_AGENT_BIN, X_OK) != 0) {
        fprintf(stderr, "%s not built: skipping\n", PVB_AGENT_BIN);
        return 0;
    }
    fd = mkstemp(disk);
    if (fd < 0 || ftruncate(fd, 4 * 1024 * 1024) < 0) {
        return -1;
    }
    close(fd);
    master = posix_openpt(O_RDWR | O_NOCTTY);
    if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0) {
        return -1;
    }
    slave = ptsname(master);
    if (!slave) {
        return -1;
    }
    child = fork();
    if (child == 0) {
        fd = open("/dev/null", O_WRONLY);
        if (fd >= 0) {
            dup2(fd, 2); /* the agent's console diagnostics */
        }
        execl(PVB_AGENT_BIN, "pvbench-agent", slave, disk, (char *)NULL);
        _exit(127);
    }
    return child > 0 ? 0 : -1;
}

static int teardown(void **state)
{
    if (child > 0) {
        kill(child, SIGKILL);
        waitpid(child, NULL, 0);
    }
    if (master >= 0) {
        close(master);
    }
    unlink(disk);
    return 0;
}

static void test_session(void **state)
{
    static char line[PVB_LINE_MAX + 1], longline[PVB_LINE_MAX + 100];
    int status = 0, i;
    pid_t w = 0;

    if (child <= 0) {
        skip();
    }
    read_line(line, sizeof(line), 10000);
    assert_true(starts_with(line, "PVB1 READY {\"agent\":\"" AGENT_VERSION "\""));
    assert_non_null(strstr(line, "\"blk\":\"pvb-test-agent."));

    send_str("PVB1 JOB id=1 workload=randread kind=blk rw=randread bs=4096 qd=8 "
             "runtime_ms=200 warmup_ms=50 irq=timer fault=none\n");
    read_line(line, sizeof(line), 10000);
    assert_true(starts_with(
        line, "PVB1 RESULT {\"job\":1,\"workload\":\"randread\",\"engine\":\"agent\","));
    assert_non_null(strstr(line, "\"device\":\"/var/tmp/pvb-test-agent."));

    send_str("PVB1 JOB id=2 kind=blk rw=read bs=4096 qd=1 runtime_ms=100 size=1\n");
    read_line(line, sizeof(line), 5000);
    assert_string_equal(line, "PVB1 ERROR {\"job\":2,\"reason\":\"unknown key 'size'\"}");

    memset(longline, 'x', sizeof(longline));
    memcpy(longline, "PVB1 JOB ", 9);
    longline[sizeof(longline) - 2] = '\n';
    longline[sizeof(longline) - 1] = '\0';
    send_str(longline);
    read_line(line, sizeof(line), 5000);
    assert_string_equal(line, "PVB1 ERROR {\"job\":0,\"reason\":\"line too long\"}");

    send_str("PVB1 STATUS\n");
    read_line(line, sizeof(line), 5000);
    assert_string_equal(line,
                        "PVB1 ERROR {\"job\":0,\"reason\":\"unknown message type 'STATUS'\"}");

    send_str("PVB1 JOB id=3 kind=blk rw=read bs=4096 qd=1 runtime_ms=100 fault=garbage\n");
    read_line(line, sizeof(line), 5000);
    assert_string_equal(line, "\x01\x02 not json {{{");

    /* The agent goes on serving after the fault. */
    send_str("PVB1 JOB id=4 kind=net\n");
    read_line(line, sizeof(line), 5000);
    assert_true(starts_with(line, "PVB1 ERROR {\"job\":4,"));

    send_str("PVB1 QUIT\n");
    for (i = 0; i < 100 && w == 0; i++) {
        w = waitpid(child, &status, WNOHANG);
        if (w == 0) {
            nanosleep(&(struct timespec){0, 50 * 1000 * 1000}, NULL);
        }
    }
    assert_int_equal(w, child);
    child = -1;
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* A Unix socket as the control: READY, a refused job, and an exit when the harness hangs up. */
static void test_socket_control(void **state)
{
    static char line[PVB_LINE_MAX + 1];
    struct sockaddr_un sa;
    int lfd, status = 0, i, saved = master;
    pid_t pid, w = 0;

    if (access(PVB_AGENT_BIN, X_OK) != 0) {
        skip();
    }
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s.sock", disk);
    unlink(sa.sun_path);
    lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(lfd >= 0);
    assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(listen(lfd, 1), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int fd = open("/dev/null", O_WRONLY);

        if (fd >= 0) {
            dup2(fd, 2);
        }
        execl(PVB_AGENT_BIN, "pvbench-agent", sa.sun_path, (char *)NULL);
        _exit(127);
    }
    master = accept(lfd, NULL, NULL);
    assert_true(master >= 0);
    inlen = 0;
    read_line(line, sizeof(line), 10000);
    assert_true(starts_with(line, "PVB1 READY {\"agent\":\"" AGENT_VERSION "\""));
    send_str("PVB1 JOB id=5 kind=blk rw=read bs=4096 qd=1 runtime_ms=100 engine=iperf3\n");
    read_line(line, sizeof(line), 5000);
    assert_string_equal(line, "PVB1 ERROR {\"job\":5,\"reason\":\"engine=iperf3 runs network "
                              "jobs only (tcp_tx, tcp_rx)\"}");
    /* the harness goes away: off PID 1 the agent ends, no QUIT (and no sync) needed */
    close(master);
    master = saved;
    for (i = 0; i < 100 && w == 0; i++) {
        w = waitpid(pid, &status, WNOHANG);
        if (w == 0) {
            nanosleep(&(struct timespec){0, 50 * 1000 * 1000}, NULL);
        }
    }
    if (w != pid) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
    }
    close(lfd);
    unlink(sa.sun_path);
    assert_int_equal(w, pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_session),
        cmocka_unit_test(test_socket_control),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
