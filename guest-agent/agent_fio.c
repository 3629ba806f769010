/*
 * engine=fio: the same block job, done by Debian's fio instead of the agent's own loop.
 *
 * fio runs as a child with the job's parameters and --output-format=json; its stdout is
 * read with a bound (AGENT_FIO_OUT_MAX: a bigger output is refused and fio killed), its
 * stderr kept for the error text, and the whole run has a deadline. The JSON is parsed
 * with json-c into the agent's RESULT schema.
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
#include <json-c/json.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

const char *agent_fio_binary = AGENT_FIO_BIN;
unsigned agent_fio_margin_ms = AGENT_FIO_MARGIN_MS;

static void AGENT_PRINTF(3, 4) agent_fio_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (!err || errlen == 0) {
        return;
    }
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* ---- command line ------------------------------------------------------------------------ */

static int AGENT_PRINTF(2, 3) agent_fio_arg(struct agent_fio_argv *a, const char *fmt, ...)
{
    size_t room = sizeof(a->store) - a->used;
    va_list ap;
    int n;

    if (a->argc >= AGENT_FIO_ARGV_MAX) {
        return -1;
    }
    va_start(ap, fmt);
    n = vsnprintf(a->store + a->used, room, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= room) {
        return -1;
    }
    a->argv[a->argc++] = a->store + a->used;
    a->argv[a->argc] = NULL;
    a->used += (size_t)n + 1;
    return 0;
}

int agent_fio_build_argv(const struct agent_job *job, const char *dev, struct agent_fio_argv *a)
{
    char name[512];
    size_t i, o = 0;
    int rc = 0;

    memset(a, 0, sizeof(*a));
    /* fio splits filename= at ':' (several files); a literal one is written "\:". */
    for (i = 0; dev[i]; i++) {
        if (o + 3 > sizeof(name)) {
            return -1;
        }
        if (dev[i] == ':') {
            name[o++] = '\\';
        }
        name[o++] = dev[i];
    }
    name[o] = '\0';
    rc |= agent_fio_arg(a, "%s", agent_fio_binary);
    rc |= agent_fio_arg(a, "--name=pvbench");
    rc |= agent_fio_arg(a, "--filename=%s", name);
    rc |= agent_fio_arg(a, "--rw=%s", agent_job_rw_name(job->rw));
    rc |= agent_fio_arg(a, "--bs=%u", job->bs);
    rc |= agent_fio_arg(a, "--iodepth=%u", job->qd);
    rc |= agent_fio_arg(a, "--ioengine=libaio");
    rc |= agent_fio_arg(a, "--direct=1");
    rc |= agent_fio_arg(a, "--time_based=1");
    rc |= agent_fio_arg(a, "--runtime=%ums", job->runtime_ms);
    if (job->warmup_ms > 0) {
        rc |= agent_fio_arg(a, "--ramp_time=%ums", job->warmup_ms);
    }
    rc |= agent_fio_arg(a, "--norandommap=1");
    rc |= agent_fio_arg(a, "--randrepeat=0");
    rc |= agent_fio_arg(a, "--lat_percentiles=1");
    rc |= agent_fio_arg(a, "--clat_percentiles=0");
    rc |= agent_fio_arg(a, "--percentile_list=50:90:99:99.9");
    rc |= agent_fio_arg(a, "--eta=never");
    rc |= agent_fio_arg(a, "--output-format=json");
    return rc ? -1 : 0;
}

/* ---- JSON -------------------------------------------------------------------------------- */

/* Member key of obj, of JSON type type. NULL with err naming path.key if absent or mistyped. */
static struct json_object *agent_fio_get(struct json_object *obj, const char *path, const char *key,
                                         enum json_type type, char *err, size_t errlen)
{
    struct json_object *v = NULL;

    if (!json_object_object_get_ex(obj, key, &v) || !v) {
        agent_fio_err(err, errlen, "fio JSON: missing %s%s", path, key);
        return NULL;
    }
    if (type == json_type_double) {
        if (!json_object_is_type(v, json_type_double) && !json_object_is_type(v, json_type_int)) {
            agent_fio_err(err, errlen, "fio JSON: %s%s is not a number", path, key);
            return NULL;
        }
    } else if (!json_object_is_type(v, type)) {
        agent_fio_err(err, errlen, "fio JSON: %s%s is not of type %s", path, key,
                      json_type_to_name(type));
        return NULL;
    }
    return v;
}

/* A finite, non-negative number. 0 or -1 with err. */
static int agent_fio_num(struct json_object *obj, const char *path, const char *key, double *out,
                         char *err, size_t errlen)
{
    struct json_object *v = agent_fio_get(obj, path, key, json_type_double, err, errlen);
    double d;

    if (!v) {
        return -1;
    }
    d = json_object_get_double(v);
    if (!isfinite(d) || d < 0) {
        agent_fio_err(err, errlen, "fio JSON: %s%s is not a finite number >= 0", path, key);
        return -1;
    }
    *out = d;
    return 0;
}

/* The lat_ns percentiles fio was asked for (keys are "50.000000" etc.), in ns. */
static int agent_fio_percentiles(struct json_object *pct, double *p50, double *p90, double *p99,
                                 double *p999, char *err, size_t errlen)
{
    static const double want[] = {50.0, 90.0, 99.0, 99.9};
    double *dst[] = {p50, p90, p99, p999};
    bool found[4] = {false, false, false, false};
    double d;
    char *end;
    unsigned i;

    json_object_object_foreach(pct, key, val)
    {
        d = strtod(key, &end);
        if (end == key || *end != '\0') {
            continue;
        }
        for (i = 0; i < 4; i++) {
            if (fabs(d - want[i]) < 1e-6 && (json_object_is_type(val, json_type_int) ||
                                             json_object_is_type(val, json_type_double))) {
                *dst[i] = json_object_get_double(val);
                found[i] = isfinite(*dst[i]) && *dst[i] >= 0;
            }
        }
    }
    for (i = 0; i < 4; i++) {
        if (!found[i]) {
            agent_fio_err(err, errlen, "fio JSON: lat_ns.percentile lacks %g", want[i]);
            return -1;
        }
    }
    return 0;
}

static double agent_fio_clamp(double v, double lo, double hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* Start of the JSON object: the first line that begins with '{'. */
static const char *agent_fio_json_start(const char *out, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++) {
        if (out[i] == '{' && (i == 0 || out[i - 1] == '\n')) {
            return out + i;
        }
    }
    return NULL;
}

/* Fill st from the parsed root object. 0 or -1 with err. */
static int agent_fio_fill(struct json_object *root, enum agent_rw rw, struct agent_fio_stats *st,
                          char *err, size_t errlen)
{
    const char *side = agent_job_rw_is_write(rw) ? "write" : "read";
    struct json_object *v, *jobs, *job, *sec, *lat, *pct;
    double d, lmin, lmax, p50 = 0, p90 = 0, p99 = 0, p999 = 0;
    char path[64];

    v = agent_fio_get(root, "", "fio version", json_type_string, err, errlen);
    if (!v) {
        return -1;
    }
    snprintf(st->version, sizeof(st->version), "%s", json_object_get_string(v));
    if (agent_fio_num(root, "", "timestamp_ms", &st->timestamp_ms, err, errlen) < 0) {
        return -1;
    }
    jobs = agent_fio_get(root, "", "jobs", json_type_array, err, errlen);
    if (!jobs) {
        return -1;
    }
    if (json_object_array_length(jobs) < 1) {
        agent_fio_err(err, errlen, "fio JSON: no job in jobs[]");
        return -1;
    }
    job = json_object_array_get_idx(jobs, 0);
    if (!job || !json_object_is_type(job, json_type_object)) {
        agent_fio_err(err, errlen, "fio JSON: jobs[0] is not an object");
        return -1;
    }
    if (agent_fio_num(job, "jobs[0].", "error", &d, err, errlen) < 0) {
        return -1;
    }
    st->error = d > 4095 ? 4095 : (int)d;
    if (st->error != 0) {
        return 0; /* the caller reports the error; the numbers mean nothing */
    }
    if (agent_fio_num(job, "jobs[0].", "job_runtime", &st->job_runtime_ms, err, errlen) < 0) {
        return -1;
    }
    snprintf(path, sizeof(path), "jobs[0].");
    sec = agent_fio_get(job, path, side, json_type_object, err, errlen);
    if (!sec) {
        return -1;
    }
    snprintf(path, sizeof(path), "jobs[0].%s.", side);
    if (agent_fio_num(sec, path, "runtime", &d, err, errlen) < 0) {
        return -1;
    }
    st->runtime_s = d / 1000.0;
    if (agent_fio_num(sec, path, "total_ios", &d, err, errlen) < 0) {
        return -1;
    }
    st->ops = (uint64_t)d;
    if (agent_fio_num(sec, path, "io_bytes", &d, err, errlen) < 0) {
        return -1;
    }
    st->bytes = (uint64_t)d;
    lat = agent_fio_get(sec, path, "lat_ns", json_type_object, err, errlen);
    if (!lat) {
        return -1;
    }
    snprintf(path, sizeof(path), "jobs[0].%s.lat_ns.", side);
    if (agent_fio_num(lat, path, "min", &lmin, err, errlen) < 0 ||
        agent_fio_num(lat, path, "max", &lmax, err, errlen) < 0 ||
        agent_fio_num(lat, path, "mean", &d, err, errlen) < 0) {
        return -1;
    }
    st->lat_us.min = lmin / 1e3;
    st->lat_us.max = lmax / 1e3;
    st->lat_us.mean = d / 1e3;
    if (agent_fio_num(lat, path, "N", &d, err, errlen) < 0) {
        return -1;
    }
    if (d == 0) {
        st->ops = 0; /* no latency without completions: the caller refuses the result */
        return 0;
    }
    pct = agent_fio_get(lat, path, "percentile", json_type_object, err, errlen);
    if (!pct || agent_fio_percentiles(pct, &p50, &p90, &p99, &p999, err, errlen) < 0) {
        return -1;
    }
    /* fio's percentiles are bucket values: one may lie just outside [min, max]. */
    st->lat_us.p50 = agent_fio_clamp(p50, lmin, lmax) / 1e3;
    st->lat_us.p90 = agent_fio_clamp(p90, lmin, lmax) / 1e3;
    st->lat_us.p99 = agent_fio_clamp(p99, lmin, lmax) / 1e3;
    st->lat_us.p999 = agent_fio_clamp(p999, lmin, lmax) / 1e3;
    return 0;
}

int agent_fio_parse(const char *out, size_t len, enum agent_rw rw, struct agent_fio_stats *st,
                    char *err, size_t errlen)
{
    struct json_tokener *tok = NULL;
    struct json_object *root = NULL;
    enum json_tokener_error jerr;
    const char *start;
    size_t n;
    int ret = -1;

    memset(st, 0, sizeof(*st));
    start = agent_fio_json_start(out, len);
    if (!start) {
        agent_fio_err(err, errlen, "fio printed no JSON object");
        goto out;
    }
    n = len - (size_t)(start - out);
    if (memchr(start, '\0', n)) {
        agent_fio_err(err, errlen, "fio JSON holds a NUL byte");
        goto out;
    }
    tok = json_tokener_new();
    if (!tok) {
        agent_fio_err(err, errlen, "out of memory");
        goto out;
    }
    root = json_tokener_parse_ex(tok, start, (int)n);
    jerr = json_tokener_get_error(tok);
    if (!root || jerr != json_tokener_success) {
        agent_fio_err(err, errlen, "fio JSON does not parse: %s",
                      jerr == json_tokener_continue ? "truncated" : json_tokener_error_desc(jerr));
        goto out;
    }
    if (!json_object_is_type(root, json_type_object)) {
        agent_fio_err(err, errlen, "fio JSON is not an object");
        goto out;
    }
    ret = agent_fio_fill(root, rw, st, err, errlen);
out:
    json_object_put(root);
    if (tok) {
        json_tokener_free(tok);
    }
    return ret;
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
        json = agent_fio_json_start(out, outlen);
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
static void agent_fio_window(const struct agent_fio_proc *p, const struct agent_fio_stats *st,
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
static void agent_fio_child(const struct agent_fio_argv *a, int out_w, int err_w)
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
            agent_fio_err(err, errlen, "fio did not finish within %llu ms; killed",
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
            agent_fio_err(err, errlen, "poll on fio's output: %s", strerror(errno));
            break;
        }
        for (i = 0; i < nfds; i++) {
            if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) {
                continue;
            }
            r = agent_fio_read(p, fds[i].fd);
            if (r < 0) {
                agent_fio_err(err, errlen, "fio printed more than %u bytes; killed",
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
            agent_fio_err(err, errlen, "waitpid fio: %s", strerror(errno));
            break;
        }
        if (w == 0 && agent_fio_ms(CLOCK_MONOTONIC) >= deadline) {
            kill(-p->pid, SIGKILL);
            agent_fio_err(err, errlen, "fio closed its output but did not exit; killed");
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

static int agent_fio_start(struct agent_fio_proc *p, const struct agent_fio_argv *a, char *err,
                           size_t errlen)
{
    int out_pipe[2] = {-1, -1}, err_pipe[2] = {-1, -1};
    int ret, i;

    if (pipe2(out_pipe, O_CLOEXEC) < 0 || pipe2(err_pipe, O_CLOEXEC) < 0) {
        ret = -errno;
        agent_fio_err(err, errlen, "pipe: %s", strerror(errno));
        goto fail;
    }
    p->pid = fork();
    if (p->pid < 0) {
        ret = -errno;
        agent_fio_err(err, errlen, "fork: %s", strerror(errno));
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
static void agent_fio_result(const struct agent_fio_proc *p, const struct agent_fio_stats *st,
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
    res->lat_us = st->lat_us;
    agent_fio_window(p, st, res);
}

int agent_fio_run(const struct agent_job *job, const char *dev, struct agent_result *res, char *err,
                  size_t errlen)
{
    struct agent_fio_proc p;
    struct agent_fio_argv *a = NULL;
    struct agent_fio_stats st;
    char what[AGENT_REASON_MAX];
    uint64_t total_ms, deadline;
    int ret, status = -1;

    memset(&p, 0, sizeof(p));
    p.job = job;
    p.pid = -1;
    p.out_fd = p.err_fd = -1;
    if (job->kind != AGENT_KIND_BLK) {
        agent_fio_err(err, errlen, "engine=fio runs block jobs only");
        return -EINVAL;
    }
    if (access(agent_fio_binary, X_OK) < 0) {
        ret = -errno;
        agent_fio_err(err, errlen,
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
        agent_fio_err(err, errlen, "out of memory");
        ret = -ENOMEM;
        goto out;
    }
    if (agent_fio_build_argv(job, dev, a) < 0) {
        agent_fio_err(err, errlen, "fio command line too long for %s", dev);
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
