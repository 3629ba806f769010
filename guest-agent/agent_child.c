/*
 * A measuring tool (fio, iperf3) run as a child of the agent: start, bounded output,
 * deadline, /proc snapshots while it runs, and the window of them that matches the tool's
 * measured interval. See agent_child.h.
 */
#include "agent_child.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

uint64_t agent_child_ms(clockid_t clk)
{
    struct timespec ts;

    clock_gettime(clk, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int agent_child_init(struct agent_child *c, const char *name, const char *irq, size_t out_max,
                     uint64_t limit_ms, char *err, size_t errlen)
{
    memset(c, 0, sizeof(*c));
    c->name = name;
    c->irq = irq;
    c->pid = -1;
    c->out_fd = c->err_fd = -1;
    c->out_max = out_max;
    c->limit_ms = limit_ms;
    c->period_ms = AGENT_CHILD_SNAP_MS;
    if (limit_ms / 2000u > c->period_ms) {
        c->period_ms = (unsigned)(limit_ms / 2000u); /* at most ~2000 samples per run */
    }
    c->snap_cap = (size_t)(limit_ms / c->period_ms) + 16;
    c->snaps = calloc(c->snap_cap, sizeof(*c->snaps));
    c->out = malloc(out_max + 1);
    if (!c->snaps || !c->out) {
        agent_job_err(err, errlen, "out of memory");
        return -ENOMEM;
    }
    c->out[0] = '\0';
    return 0;
}

void agent_child_status_text(const char *name, int status, char *buf, size_t len)
{
    if (WIFSIGNALED(status)) {
        snprintf(buf, len, "%s killed by signal %d", name, WTERMSIG(status));
    } else if (WIFEXITED(status)) {
        snprintf(buf, len, "%s exited with status %d", name, WEXITSTATUS(status));
    } else {
        snprintf(buf, len, "%s ended with wait status 0x%x", name, (unsigned)status);
    }
}

void agent_child_append(char *err, size_t errlen, size_t *pos, const char *line, size_t len)
{
    size_t i;
    unsigned char ch;

    while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == ' ')) {
        len--;
    }
    if (len == 0 || *pos + 1 >= errlen) {
        return;
    }
    if (*pos > 0) {
        if (*pos + 4 >= errlen) {
            return; /* not even the separator and one byte fit */
        }
        memcpy(err + *pos, " | ", 3);
        *pos += 3;
    }
    for (i = 0; i < len && *pos + 1 < errlen; i++) {
        ch = (unsigned char)line[i];
        err[(*pos)++] = ch < 0x20 || ch >= 0x7f ? '?' : (char)ch;
    }
    err[*pos] = '\0';
}

/* ---- snapshots ----------------------------------------------------------------------------- */

static void agent_child_snapshot(struct agent_child *c)
{
    struct agent_child_snap s;
    int ret;

    memset(&s, 0, sizeof(s));
    s.t_ms = agent_child_ms(CLOCK_REALTIME);
    if (procstat_read_cpu(&s.cpu) < 0) {
        return;
    }
    if (c->irq && c->irq[0]) {
        ret = procstat_read_irqs(c->irq, &s.irqs);
        if (ret < 0) {
            return;
        }
        c->irq_lines = ret;
    }
    c->snaps[c->snap_n % c->snap_cap] = s;
    c->snap_n++;
}

/* The kept snapshot nearest to t_ms (index into the ring's logical order). */
static size_t agent_child_nearest(const struct agent_child *c, uint64_t t_ms)
{
    size_t first = c->snap_n > c->snap_cap ? c->snap_n - c->snap_cap : 0, best = first, i;
    uint64_t d, best_d = UINT64_MAX, t;

    for (i = first; i < c->snap_n; i++) {
        t = c->snaps[i % c->snap_cap].t_ms;
        d = t > t_ms ? t - t_ms : t_ms - t;
        if (d < best_d) {
            best_d = d;
            best = i;
        }
    }
    return best;
}

void agent_child_window(const struct agent_child *c, uint64_t start_ms, uint64_t end_ms,
                        double measured_ms, struct agent_result *res)
{
    const struct agent_child_snap *a, *b;
    size_t i0, i1;
    double scale;

    if (c->snap_n < 2) {
        return;
    }
    i0 = agent_child_nearest(c, start_ms);
    i1 = agent_child_nearest(c, end_ms);
    if (i1 <= i0) {
        /* Clocks disagree (should not happen): use everything that was sampled. */
        i0 = c->snap_n > c->snap_cap ? c->snap_n - c->snap_cap : 0;
        i1 = c->snap_n - 1;
    }
    a = &c->snaps[i0 % c->snap_cap];
    b = &c->snaps[i1 % c->snap_cap];
    procstat_cpu_pct(&a->cpu, &b->cpu, &res->cpu_pct);
    if (b->irqs >= a->irqs && b->t_ms > a->t_ms) {
        scale = measured_ms > 0 ? measured_ms / (double)(b->t_ms - a->t_ms) : 1.0;
        res->irqs = (uint64_t)((double)(b->irqs - a->irqs) * scale + 0.5);
    }
    res->irq_lines = c->irq_lines;
}

/* ---- running it ---------------------------------------------------------------------------- */

/* Child side: stdin from /dev/null, stdout and stderr to the pipes, exec the tool. */
static void agent_child_exec(char *const argv[], int out_w, int err_w)
{
    static char *const envp[] = {"PATH=/usr/bin:/bin", "HOME=/", "TMPDIR=/tmp", "LANG=C", NULL};
    char msg[256];
    int fd, n;

    signal(SIGPIPE, SIG_DFL);
    setpgid(0, 0); /* the tool may fork (fio's job process): one group to kill */
    fd = open("/dev/null", O_RDONLY);
    if (fd >= 0) {
        dup2(fd, 0);
    }
    dup2(out_w, 1);
    dup2(err_w, 2);
    execve(argv[0], argv, envp);
    n = snprintf(msg, sizeof(msg), "cannot run %s: %s\n", argv[0], strerror(errno));
    if (n > 0 && write(2, msg, (size_t)n) < 0) {
        _exit(127);
    }
    _exit(127);
}

int agent_child_start(struct agent_child *c, char *const argv[], char *err, size_t errlen)
{
    int out_pipe[2] = {-1, -1}, err_pipe[2] = {-1, -1};
    int ret, i;

    if (pipe2(out_pipe, O_CLOEXEC) < 0 || pipe2(err_pipe, O_CLOEXEC) < 0) {
        ret = -errno;
        agent_job_err(err, errlen, "pipe: %s", strerror(errno));
        goto fail;
    }
    c->pid = fork();
    if (c->pid < 0) {
        ret = -errno;
        agent_job_err(err, errlen, "fork: %s", strerror(errno));
        goto fail;
    }
    if (c->pid == 0) {
        agent_child_exec(argv, out_pipe[1], err_pipe[1]);
    }
    setpgid(c->pid, c->pid); /* also here: a kill may come before the child's own call */
    close(out_pipe[1]);
    close(err_pipe[1]);
    c->out_fd = out_pipe[0];
    c->err_fd = err_pipe[0];
    return 0;
fail:
    for (i = 0; i < 2; i++) {
        if (out_pipe[i] >= 0) {
            close(out_pipe[i]);
        }
        if (err_pipe[i] >= 0) {
            close(err_pipe[i]);
        }
    }
    return ret;
}

/* Read what fd has; returns 0 at EOF, 1 if still open, -1 on overflow (stdout). */
static int agent_child_read(struct agent_child *c, int fd)
{
    char chunk[4096];
    ssize_t n;
    size_t keep;

    n = read(fd, chunk, sizeof(chunk));
    if (n < 0) {
        return errno == EINTR || errno == EAGAIN ? 1 : 0;
    }
    if (n == 0) {
        return 0;
    }
    if (fd == c->out_fd) {
        if (c->out_len + (size_t)n > c->out_max) {
            return -1;
        }
        if (c->out_len == 0) {
            c->t_first_out_ms = agent_child_ms(CLOCK_REALTIME);
        }
        memcpy(c->out + c->out_len, chunk, (size_t)n);
        c->out_len += (size_t)n;
        return 1;
    }
    /* stderr: keep the first AGENT_CHILD_ERRTEXT_MAX - 1 bytes, where the tool says what failed */
    keep = sizeof(c->errtext) - 1 - c->err_len;
    if ((size_t)n < keep) {
        keep = (size_t)n;
    }
    memcpy(c->errtext + c->err_len, chunk, keep);
    c->err_len += keep;
    c->errtext[c->err_len] = '\0';
    return 1;
}

/*
 * After a kill: a forked process of the tool, orphaned, is re-parented to PID 1 (the agent
 * in a guest) and must be reaped there, or it stays a zombie. Off PID 1 it is not ours
 * (ECHILD at once). Bounded to one second.
 */
static void agent_child_reap_group(pid_t pgid)
{
    uint64_t until = agent_child_ms(CLOCK_MONOTONIC) + 1000u;
    pid_t w;

    while (agent_child_ms(CLOCK_MONOTONIC) < until) {
        w = waitpid(-pgid, NULL, WNOHANG);
        if (w < 0 && errno != EINTR) {
            return; /* ECHILD: nothing of that group is ours any more */
        }
        if (w == 0) {
            usleep(10000);
        }
    }
}

int agent_child_collect(struct agent_child *c, int *status, char *err, size_t errlen)
{
    struct pollfd fds[2];
    uint64_t now, next = 0, deadline = agent_child_ms(CLOCK_MONOTONIC) + c->limit_ms;
    int nfds, r, ret = 0, timeout, i;
    bool out_open = true, err_open = true;
    pid_t w;

    while (out_open || err_open) {
        now = agent_child_ms(CLOCK_MONOTONIC);
        if (now >= next) {
            agent_child_snapshot(c);
            next = now + c->period_ms;
        }
        if (now >= deadline) {
            agent_job_err(err, errlen, "%s did not finish within %llu ms; killed", c->name,
                          (unsigned long long)c->limit_ms);
            ret = -ETIMEDOUT;
            break;
        }
        nfds = 0;
        if (out_open) {
            fds[nfds].fd = c->out_fd;
            fds[nfds++].events = POLLIN;
        }
        if (err_open) {
            fds[nfds].fd = c->err_fd;
            fds[nfds++].events = POLLIN;
        }
        timeout = (int)((next < deadline ? next : deadline) - now);
        if (poll(fds, (nfds_t)nfds, timeout) < 0) {
            if (errno == EINTR) {
                continue;
            }
            ret = -errno;
            agent_job_err(err, errlen, "poll on %s's output: %s", c->name, strerror(errno));
            break;
        }
        for (i = 0; i < nfds; i++) {
            if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) {
                continue;
            }
            r = agent_child_read(c, fds[i].fd);
            if (r < 0) {
                agent_job_err(err, errlen, "%s printed more than %zu bytes; killed", c->name,
                              c->out_max);
                ret = -EFBIG;
                out_open = err_open = false;
                break;
            }
            if (r == 0 && fds[i].fd == c->out_fd) {
                out_open = false;
            } else if (r == 0) {
                err_open = false;
            }
        }
    }
    c->out[c->out_len] = '\0';
    if (ret < 0) {
        kill(-c->pid, SIGKILL);
    }
    /* Both pipes are closed: the tool is exiting. Still bounded by the deadline. */
    for (;;) {
        w = waitpid(c->pid, status, ret < 0 ? 0 : WNOHANG);
        if (w == c->pid) {
            break;
        }
        if (w < 0 && errno != EINTR) {
            ret = ret < 0 ? ret : -errno;
            agent_job_err(err, errlen, "waitpid %s: %s", c->name, strerror(errno));
            break;
        }
        if (w == 0 && agent_child_ms(CLOCK_MONOTONIC) >= deadline) {
            kill(-c->pid, SIGKILL);
            agent_job_err(err, errlen, "%s closed its output but did not exit; killed", c->name);
            ret = -ETIMEDOUT;
            continue; /* now wait blocking for the killed child */
        }
        if (w == 0) {
            usleep(5000);
        }
    }
    if (ret < 0) {
        agent_child_reap_group(c->pid);
    }
    c->pid = -1;
    agent_child_snapshot(c);
    return ret;
}

void agent_child_free(struct agent_child *c)
{
    if (c->pid > 0) {
        kill(-c->pid, SIGKILL);
        waitpid(c->pid, NULL, 0);
        agent_child_reap_group(c->pid);
        c->pid = -1;
    }
    if (c->out_fd >= 0) {
        close(c->out_fd);
        c->out_fd = -1;
    }
    if (c->err_fd >= 0) {
        close(c->err_fd);
        c->err_fd = -1;
    }
    free(c->out);
    free(c->snaps);
    c->out = NULL;
    c->snaps = NULL;
}
