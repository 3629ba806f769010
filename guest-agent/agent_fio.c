/*
 * engine=fio: the same block job, done by Debian's fio instead of the agent's own loop.
 *
 * fio runs as a child with the job's parameters and --output-format=json; its stdout is
 * read with a bound (AGENT_FIO_OUT_MAX: a bigger output is refused and fio killed), its
 * stderr kept for the error text, and the whole run has a deadline. The command line and
 * the JSON parser are fio_job.c's, shared with the host baseline (bench/hostbase.c); the
 * numbers go into the agent's RESULT schema.
 *
 * fio knows nothing of the guest's CPU split or of the device's interrupts, and its
 * start-up (dynamic loading of ~60 libraries under TCG) must not count: while fio runs,
 * /proc/stat and /proc/interrupts are sampled every AGENT_FIO_SNAP_MS with a CLOCK_REALTIME
 * stamp. fio's JSON says when it ended (timestamp_ms) and how long it measured
 * (job_runtime), so the two samples nearest that interval give cpu_pct and irqs (scaled
 * from the sampled window to the measured one).
 *
 * fio resets its counters after ramp_time, so ops_total is the measured ops only.
 */
#include "agent_fio.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

const char *agent_fio_binary = AGENT_FIO_BIN;
unsigned agent_fio_margin_ms = AGENT_FIO_MARGIN_MS;

/* ---- command line and JSON (fio_job.c) ----------------------------------------------------- */

int agent_fio_build_argv(const struct agent_job *job, const char *dev, struct fio_job_argv *a)
{
    struct fio_job_params p = {
        .binary = agent_fio_binary,
        .file = dev,
        .rw = agent_job_rw_name(job->rw),
        .bs = job->bs,
        .qd = job->qd,
        .runtime_ms = job->runtime_ms,
        .warmup_ms = job->warmup_ms,
    };

    return fio_job_build_argv(&p, a);
}

int agent_fio_parse(const char *out, size_t len, enum agent_rw rw, struct fio_job_stats *st,
                    char *err, size_t errlen)
{
    return fio_job_parse(out, len, agent_job_rw_is_write(rw), FIO_JOB_WINDOW, st, err, errlen);
}

/* ---- error text -------------------------------------------------------------------------- */

/* Append one line (len bytes) to err at *pos, with " | " between lines. */
static void agent_fio_append(char *err, size_t errlen, size_t *pos, const char *line, size_t len)
{
    size_t i;
    unsigned char c;

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
        c = (unsigned char)line[i];
        err[(*pos)++] = c < 0x20 || c >= 0x7f ? '?' : (char)c;
    }
    err[*pos] = '\0';
}

/* Append every non-empty line of text[0..len) (only "fio:" lines if fio_only). */
static void agent_fio_append_lines(char *err, size_t errlen, size_t *pos, const char *text,
                                   size_t len, bool fio_only)
{
    const char *p = text, *end = text + len, *nl;

    while (p < end) {
        nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl) {
            nl = end;
        }
        if (!fio_only || ((size_t)(nl - p) >= 4 && memcmp(p, "fio:", 4) == 0)) {
            agent_fio_append(err, errlen, pos, p, (size_t)(nl - p));
        }
        p = nl + 1;
    }
}

void agent_fio_status_text(int status, char *buf, size_t len)
{
    if (WIFSIGNALED(status)) {
        snprintf(buf, len, "fio killed by signal %d", WTERMSIG(status));
    } else if (WIFEXITED(status)) {
        snprintf(buf, len, "fio exited with status %d", WEXITSTATUS(status));
    } else {
        snprintf(buf, len, "fio ended with wait status 0x%x", (unsigned)status);
    }
}

void agent_fio_error_text(const char *out, size_t outlen, const char *errtext, const char *what,
                          char *err, size_t errlen)
{
    const char *json;
    size_t pos = 0;

    if (!err || errlen == 0) {
        return;
    }
    err[0] = '\0';
    agent_fio_append(err, errlen, &pos, what, strlen(what));
    if (errtext) {
        agent_fio_append_lines(err, errlen, &pos, errtext, strlen(errtext), false);
    }
    if (out) {
        json = fio_job_json_start(out, outlen);
        agent_fio_append_lines(err, errlen, &pos, out, json ? (size_t)(json - out) : outlen, true);
    }
}

/* ---- running fio ------------------------------------------------------------------------- */

struct agent_fio_snap {
    uint64_t t_ms; /* CLOCK_REALTIME, the clock of fio's timestamp_ms */
    struct procstat_cpu cpu;
    uint64_t irqs;
};

struct agent_fio_proc {
    const struct agent_job *job;
    pid_t pid;
    int out_fd, err_fd;
    char *out;
    size_t out_len;
    char errtext[AGENT_FIO_ERRTEXT_MAX];
    size_t err_len;
    struct agent_fio_snap *snaps; /* ring */
    size_t snap_cap, snap_n;      /* snap_n counts every snapshot taken */
    unsigned period_ms;
    uint64_t limit_ms; /* how long fio may run */
    int irq_lines;
};

static uint64_t agent_fio_ms(clockid_t clk)
{
    struct timespec ts;

    clock_gettime(clk, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void agent_fio_snapshot(struct agent_fio_proc *p)
{
    struct agent_fio_snap s;
    int ret;

    memset(&s, 0, sizeof(s));
    s.t_ms = agent_fio_ms(CLOCK_REALTIME);
    if (procstat_read_cpu(&s.cpu) < 0) {
        return;
    }
    if (p->job->irq[0]) {
        ret = procstat_read_irqs(p->job->irq, &s.irqs);
        if (ret < 0) {
            return;
        }
        p->irq_lines = ret;
    }
    p->snaps[p->snap_n % p->snap_cap] = s;
    p->snap_n++;
}

/* The kept snapshot nearest to t_ms (index into the ring's logical order). */
static size_t agent_fio_nearest(const struct agent_fio_proc *p, uint64_t t_ms)
{
    size_t first = p->snap_n > p->snap_cap ? p->snap_n - p->snap_cap : 0, best = first, i;
    uint64_t d, best_d = UINT64_MAX, t;

    for (i = first; i < p->snap_n; i++) {
        t = p->snaps[i % p->snap_cap].t_ms;
        d = t > t_ms ? t - t_ms : t_ms - t;
        if (d < best_d) {
            best_d = d;
            best = i;
        }
    }
    return best;
}

/* cpu_pct and irqs over the samples that best match fio's measured interval. */
static void agent_fio_window(const struct agent_fio_proc *p, const struct fio_job_stats *st,
                             struct agent_result *res)
{
    const struct agent_fio_snap *a, *b;
    uint64_t end, start;
    size_t i0, i1;
    double scale;

    if (p->snap_n < 2) {
        return;
    }
    end = (uint64_t)st->timestamp_ms;
    start = end > (uint64_t)st->job_runtime_ms ? end - (uint64_t)st->job_runtime_ms : 0;
    i0 = agent_fio_nearest(p, start);
    i1 = agent_fio_nearest(p, end);
    if (i1 <= i0) {
        /* Clocks disagree (should not happen): use everything that was sampled. */
        i0 = p->snap_n > p->snap_cap ? p->snap_n - p->snap_cap : 0;
        i1 = p->snap_n - 1;
    }
    a = &p->snaps[i0 % p->snap_cap];
    b = &p->snaps[i1 % p->snap_cap];
    procstat_cpu_pct(&a->cpu, &b->cpu, &res->cpu_pct);
    if (b->irqs >= a->irqs && b->t_ms > a->t_ms) {
        scale = st->job_runtime_ms > 0 ? st->job_runtime_ms / (double)(b->t_ms - a->t_ms) : 1.0;
        res->irqs = (uint64_t)((double)(b->irqs - a->irqs) * scale + 0.5);
    }
    res->irq_lines = p->irq_lines;
}

/* Child side: stdin from /dev/null, stdout and stderr to the pipes, exec fio. */
static void agent_fio_child(const struct fio_job_argv *a, int out_w, int err_w)
{
    static char *const envp[] = {"PATH=/usr/bin:/bin", "HOME=/", "TMPDIR=/tmp", "LANG=C", NULL};
    char msg[256];
    int fd, n;

    signal(SIGPIPE, SIG_DFL);
    setpgid(0, 0); /* fio forks its job process: one group to kill */
    fd = open("/dev/null", O_RDONLY);
    if (fd >= 0) {
        dup2(fd, 0);
    }
    dup2(out_w, 1);
    dup2(err_w, 2);
    execve(a->argv[0], a->argv, envp);
    n = snprintf(msg, sizeof(msg), "cannot run %s: %s\n", a->argv[0], strerror(errno));
    if (n > 0 && write(2, msg, (size_t)n) < 0) {
        _exit(127);
    }
    _exit(127);
}

/* Read what fd has; returns 0 at EOF, 1 if still open, -1 on overflow (stdout). */
static int agent_fio_read(struct agent_fio_proc *p, int fd)
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
    if (fd == p->out_fd) {
        if (p->out_len + (size_t)n > AGENT_FIO_OUT_MAX) {
            return -1;
        }
        memcpy(p->out + p->out_len, chunk, (size_t)n);
        p->out_len += (size_t)n;
        return 1;
    }
    /* stderr: keep the first AGENT_FIO_ERRTEXT_MAX - 1 bytes, where fio says what failed */
    keep = sizeof(p->errtext) - 1 - p->err_len;
    if ((size_t)n < keep) {
        keep = (size_t)n;
    }
    memcpy(p->errtext + p->err_len, chunk, keep);
    p->err_len += keep;
    p->errtext[p->err_len] = '\0';
    return 1;
}

/*
 * After a kill: fio's job process, orphaned, is re-parented to PID 1 (the agent in a
 * guest) and must be reaped there, or it stays a zombie. Off PID 1 it is not ours
 * (ECHILD at once). Bounded to one second.
 */
static void agent_fio_reap_group(pid_t pgid)
{
    uint64_t until = agent_fio_ms(CLOCK_MONOTONIC) + 1000u;
    pid_t w;

    while (agent_fio_ms(CLOCK_MONOTONIC) < until) {
        w = waitpid(-pgid, NULL, WNOHANG);
        if (w < 0 && errno != EINTR) {
            return; /* ECHILD: nothing of that group is ours any more */
        }
        if (w == 0) {
            usleep(10000);
        }
    }
}

/*
 * Collect fio's output until both pipes close, sampling /proc on the way, then reap it.
 * Returns 0 with *status set, or -errno with err set (timeout, overflow).
 */
static int agent_fio_collect(struct agent_fio_proc *p, uint64_t deadline, int *status, char *err,
                             size_t errlen)
{
    struct pollfd fds[2];
    uint64_t now, next = 0;
    int nfds, r, ret = 0, timeout, i;
    bool out_open = true, err_open = true;
    pid_t w;

    while (out_open || err_open) {
        now = agent_fio_ms(CLOCK_MONOTONIC);
        if (now >= next) {
            agent_fio_snapshot(p);
            next = now + p->period_ms;
        }
        if (now >= deadline) {
            agent_job_err(err, errlen, "fio did not finish within %llu ms; killed",
                          (unsigned long long)p->limit_ms);
            ret = -ETIMEDOUT;
            break;
        }
        nfds = 0;
        if (out_open) {
            fds[nfds].fd = p->out_fd;
            fds[nfds++].events = POLLIN;
        }
        if (err_open) {
            fds[nfds].fd = p->err_fd;
            fds[nfds++].events = POLLIN;
        }
        timeout = (int)((next < deadline ? next : deadline) - now);
        if (poll(fds, (nfds_t)nfds, timeout) < 0) {
            if (errno == EINTR) {
                continue;
            }
            ret = -errno;
            agent_job_err(err, errlen, "poll on fio's output: %s", strerror(errno));
            break;
        }
        for (i = 0; i < nfds; i++) {
            if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) {
                continue;
            }
            r = agent_fio_read(p, fds[i].fd);
            if (r < 0) {
                agent_job_err(err, errlen, "fio printed more than %u bytes; killed",
                              AGENT_FIO_OUT_MAX);
                ret = -EFBIG;
                out_open = err_open = false;
                break;
            }
            if (r == 0 && fds[i].fd == p->out_fd) {
                out_open = false;
            } else if (r == 0) {
                err_open = false;
            }
        }
    }
    if (ret < 0) {
        kill(-p->pid, SIGKILL);
    }
    /* Both pipes are closed: fio is exiting. Still bounded by the deadline. */
    for (;;) {
        w = waitpid(p->pid, status, ret < 0 ? 0 : WNOHANG);
        if (w == p->pid) {
            break;
        }
        if (w < 0 && errno != EINTR) {
            ret = ret < 0 ? ret : -errno;
            agent_job_err(err, errlen, "waitpid fio: %s", strerror(errno));
            break;
        }
        if (w == 0 && agent_fio_ms(CLOCK_MONOTONIC) >= deadline) {
            kill(-p->pid, SIGKILL);
            agent_job_err(err, errlen, "fio closed its output but did not exit; killed");
            ret = -ETIMEDOUT;
            continue; /* now wait blocking for the killed child */
        }
        if (w == 0) {
            usleep(5000);
        }
    }
    if (ret < 0) {
        agent_fio_reap_group(p->pid);
    }
    p->pid = -1;
    agent_fio_snapshot(p);
    return ret;
}

static int agent_fio_start(struct agent_fio_proc *p, const struct fio_job_argv *a, char *err,
                           size_t errlen)
{
    int out_pipe[2] = {-1, -1}, err_pipe[2] = {-1, -1};
    int ret, i;

    if (pipe2(out_pipe, O_CLOEXEC) < 0 || pipe2(err_pipe, O_CLOEXEC) < 0) {
        ret = -errno;
        agent_job_err(err, errlen, "pipe: %s", strerror(errno));
        goto fail;
    }
    p->pid = fork();
    if (p->pid < 0) {
        ret = -errno;
        agent_job_err(err, errlen, "fork: %s", strerror(errno));
        goto fail;
    }
    if (p->pid == 0) {
        agent_fio_child(a, out_pipe[1], err_pipe[1]);
    }
    setpgid(p->pid, p->pid); /* also here: a kill may come before the child's own call */
    close(out_pipe[1]);
    close(err_pipe[1]);
    p->out_fd = out_pipe[0];
    p->err_fd = err_pipe[0];
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

/* The result from fio's numbers and the /proc samples. */
static void agent_fio_result(const struct agent_fio_proc *p, const struct fio_job_stats *st,
                             const char *dev, struct agent_result *res)
{
    memset(res, 0, sizeof(*res));
    res->job = p->job->id;
    res->engine = AGENT_ENGINE_FIO;
    snprintf(res->workload, sizeof(res->workload), "%s", p->job->workload);
    snprintf(res->device, sizeof(res->device), "%s", dev);
    res->runtime_s = st->runtime_s;
    res->ops = st->ops;
    res->ops_total = st->ops;
    res->bytes = st->bytes;
    res->lat_us.mean = st->lat_us.mean;
    res->lat_us.min = st->lat_us.min;
    res->lat_us.p50 = st->lat_us.p50;
    res->lat_us.p90 = st->lat_us.p90;
    res->lat_us.p99 = st->lat_us.p99;
    res->lat_us.p999 = st->lat_us.p999;
    res->lat_us.max = st->lat_us.max;
    agent_fio_window(p, st, res);
}

int agent_fio_run(const struct agent_job *job, const char *dev, struct agent_result *res, char *err,
                  size_t errlen)
{
    struct agent_fio_proc p;
    struct fio_job_argv *a = NULL;
    struct fio_job_stats st;
    char what[AGENT_REASON_MAX];
    uint64_t total_ms, deadline;
    int ret, status = -1;

    memset(&p, 0, sizeof(p));
    p.job = job;
    p.pid = -1;
    p.out_fd = p.err_fd = -1;
    if (job->kind != AGENT_KIND_BLK) {
        agent_job_err(err, errlen, "engine=fio runs block jobs only");
        return -EINVAL;
    }
    if (access(agent_fio_binary, X_OK) < 0) {
        ret = -errno;
        agent_job_err(err, errlen,
                      "no fio in this guest (%s: %s): boot the image built with "
                      "scripts/build-guest --with-fio (initramfs-fio.img)",
                      agent_fio_binary, strerror(errno));
        return ret;
    }
    total_ms = (uint64_t)job->runtime_ms + job->warmup_ms;
    p.period_ms = AGENT_FIO_SNAP_MS;
    if (total_ms / 2000u > p.period_ms) {
        p.period_ms = (unsigned)(total_ms / 2000u); /* at most ~2000 samples per job */
    }
    p.snap_cap = (size_t)(total_ms + 2u * agent_fio_margin_ms) / p.period_ms + 16;
    p.snaps = calloc(p.snap_cap, sizeof(*p.snaps));
    p.out = malloc(AGENT_FIO_OUT_MAX + 1);
    a = malloc(sizeof(*a));
    if (!p.snaps || !p.out || !a) {
        agent_job_err(err, errlen, "out of memory");
        ret = -ENOMEM;
        goto out;
    }
    if (agent_fio_build_argv(job, dev, a) < 0) {
        agent_job_err(err, errlen, "fio command line too long for %s", dev);
        ret = -ENAMETOOLONG;
        goto out;
    }
    ret = agent_fio_start(&p, a, err, errlen);
    if (ret < 0) {
        goto out;
    }
    p.limit_ms = 2u * total_ms + agent_fio_margin_ms;
    deadline = agent_fio_ms(CLOCK_MONOTONIC) + p.limit_ms;
    ret = agent_fio_collect(&p, deadline, &status, err, errlen);
    if (ret < 0) {
        goto out;
    }
    p.out[p.out_len] = '\0';
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        agent_fio_status_text(status, what, sizeof(what));
        agent_fio_error_text(p.out, p.out_len, p.errtext, what, err, errlen);
        ret = -EIO;
        goto out;
    }
    if (agent_fio_parse(p.out, p.out_len, job->rw, &st, what, sizeof(what)) < 0) {
        agent_fio_error_text(p.out, p.out_len, p.errtext, what, err, errlen);
        ret = -EPROTO;
        goto out;
    }
    if (st.error != 0) {
        snprintf(what, sizeof(what), "fio job error %d (%s)", st.error, strerror(st.error));
        agent_fio_error_text(p.out, p.out_len, p.errtext, what, err, errlen);
        ret = -st.error;
        goto out;
    }
    agent_fio_result(&p, &st, dev, res);
    ret = 0;
out:
    if (p.pid > 0) {
        kill(-p.pid, SIGKILL);
        waitpid(p.pid, NULL, 0);
        agent_fio_reap_group(p.pid);
    }
    if (p.out_fd >= 0) {
        close(p.out_fd);
    }
    if (p.err_fd >= 0) {
        close(p.err_fd);
    }
    free(a);
    free(p.out);
    free(p.snaps);
    return ret;
}
