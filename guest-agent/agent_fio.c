/*
 * engine=fio: the same block job, done by Debian's fio instead of the agent's own loop.
 *
 * fio runs as a child (agent_child.c) with the job's parameters and --output-format=json;
 * its stdout is read with a bound (AGENT_FIO_OUT_MAX: a bigger output is refused and fio
 * killed), its stderr kept for the error text, and the whole run has a deadline. The command line
 * and the JSON parser are fio_job.c's, shared with the host baseline (bench/backend/hostbase.c); the
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
 *
 * fiojob= (a user's job file, checked on the host by bench/model/fiofile.c): pvbench's
 * [global] and the file's text go to a temporary file (AGENT_FIO_JOBFILE) that fio runs;
 * every job and side of its JSON is summed (fio_job.h FIO_JOB_ALL).
 */
#include "agent_fio.h"
#include "agent_child.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

const char *agent_fio_binary = AGENT_FIO_BIN;
unsigned agent_fio_margin_ms = AGENT_FIO_MARGIN_MS;

/* ---- command line and JSON (fio_job.c) ----------------------------------------------------- */

int agent_fio_build_argv(const struct agent_job *job, const char *dev, struct tool_argv *a)
{
    struct fio_job_params p = {
        .binary = agent_fio_binary,
        .file = dev,
        .rw = agent_job_rw_name(job->rw),
        .bs = job->bs,
        .qd = job->qd,
        .runtime_ms = job->runtime_ms,
        .warmup_ms = job->warmup_ms,
        .rwmixread = job->rwmixread,
        .offset_mib = job->offset_mib,
        .size_mib = job->size_mib,
        .numjobs = job->numjobs,
    };

    return fio_job_build_argv(&p, a);
}

int agent_fio_parse(const char *out, size_t len, enum agent_rw rw, struct fio_job_stats *st,
                    char *err, size_t errlen)
{
    return fio_job_parse(out, len, agent_job_rw_is_write(rw),
                         FIO_JOB_WINDOW | (agent_job_rw_is_mixed(rw) ? FIO_JOB_MIXED : 0u), st,
                         err, errlen);
}

/*
 * fiojob=: pvbench's [global] and the user's text into a temporary file (its path into
 * path, to unlink), and fio's command line for it. 0 or -errno with err.
 */
static int agent_fio_jobfile(const struct agent_job *job, const char *dev, char *path,
                             struct tool_argv *a, char *err, size_t errlen)
{
    struct fio_job_params p = {
        .file = dev, .runtime_ms = job->runtime_ms, .warmup_ms = job->warmup_ms};
    size_t cap = sizeof(job->fiojob) + 1024;
    char *text = malloc(cap);
    int fd = -1, n, ret = 0;

    if (!text) {
        agent_job_err(err, errlen, "out of memory");
        return -ENOMEM;
    }
    n = fio_job_file_text(&p, job->fiojob, text, cap);
    if (n < 0) {
        agent_job_err(err, errlen, "fio job file too long for %s", dev);
        ret = -ENAMETOOLONG;
        goto out;
    }
    fd = mkstemp(path);
    if (fd < 0 || write(fd, text, (size_t)n) != n) {
        ret = -errno;
        agent_job_err(err, errlen, "cannot write the fio job file %s: %s", path, strerror(errno));
        goto out;
    }
    if (fio_job_build_file_argv(agent_fio_binary, path, a) < 0) {
        agent_job_err(err, errlen, "fio command line too long");
        ret = -ENAMETOOLONG;
    }
out:
    if (fd >= 0) {
        close(fd);
    }
    free(text);
    return ret;
}

/* ---- error text -------------------------------------------------------------------------- */

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
            agent_child_append(err, errlen, pos, p, (size_t)(nl - p));
        }
        p = nl + 1;
    }
}

void agent_fio_status_text(int status, char *buf, size_t len)
{
    agent_child_status_text("fio", status, buf, len);
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
    agent_child_append(err, errlen, &pos, what, strlen(what));
    if (errtext) {
        agent_fio_append_lines(err, errlen, &pos, errtext, strlen(errtext), false);
    }
    if (out) {
        json = tool_json_start(out, outlen);
        agent_fio_append_lines(err, errlen, &pos, out, json ? (size_t)(json - out) : outlen, true);
    }
}

/* ---- running fio (agent_child.c) ----------------------------------------------------------- */

/* The result from fio's numbers and the /proc samples over fio's measured interval. */
static void agent_fio_result(const struct agent_child *c, const struct agent_job *job,
                             const struct fio_job_stats *st, const char *dev,
                             struct agent_result *res)
{
    uint64_t end = (uint64_t)st->timestamp_ms;
    uint64_t start = end > (uint64_t)st->job_runtime_ms ? end - (uint64_t)st->job_runtime_ms : 0;

    memset(res, 0, sizeof(*res));
    res->job = job->id;
    res->engine = AGENT_ENGINE_FIO;
    snprintf(res->workload, sizeof(res->workload), "%s", job->workload);
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
    /* fio's JSON says when it ended (timestamp_ms) and how long it measured (job_runtime) */
    agent_child_window(c, start, end, st->job_runtime_ms, res);
}

int agent_fio_run(const struct agent_job *job, const char *dev, struct agent_result *res, char *err,
                  size_t errlen)
{
    struct agent_child c;
    struct tool_argv *a = NULL;
    struct fio_job_stats st;
    char what[AGENT_REASON_MAX], path[] = AGENT_FIO_JOBFILE;
    uint64_t total_ms;
    int ret, status = -1;

    memset(&c, 0, sizeof(c));
    c.pid = c.out_fd = c.err_fd = -1;
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
    ret = agent_child_init(&c, "fio", job->irq, AGENT_FIO_OUT_MAX,
                           2u * total_ms + agent_fio_margin_ms, err, errlen);
    a = malloc(sizeof(*a));
    if (ret < 0 || !a) {
        agent_job_err(err, errlen, "out of memory");
        ret = -ENOMEM;
        goto out;
    }
    if (job->fiojob[0]) {
        ret = agent_fio_jobfile(job, dev, path, a, err, errlen);
        if (ret < 0) {
            goto out;
        }
    } else if (agent_fio_build_argv(job, dev, a) < 0) {
        agent_job_err(err, errlen, "fio command line too long for %s", dev);
        ret = -ENAMETOOLONG;
        goto out;
    }
    ret = agent_child_start(&c, a->argv, err, errlen);
    if (ret < 0) {
        goto out;
    }
    ret = agent_child_collect(&c, &status, err, errlen);
    if (ret < 0) {
        goto out;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        agent_fio_status_text(status, what, sizeof(what));
        agent_fio_error_text(c.out, c.out_len, c.errtext, what, err, errlen);
        ret = -EIO;
        goto out;
    }
    if ((job->fiojob[0] ? fio_job_parse(c.out, c.out_len, false, FIO_JOB_WINDOW | FIO_JOB_ALL,
                                        &st, what, sizeof(what))
                        : agent_fio_parse(c.out, c.out_len, job->rw, &st, what, sizeof(what))) <
        0) {
        agent_fio_error_text(c.out, c.out_len, c.errtext, what, err, errlen);
        ret = -EPROTO;
        goto out;
    }
    if (st.error != 0) {
        snprintf(what, sizeof(what), "fio job error %d (%s)", st.error, strerror(st.error));
        agent_fio_error_text(c.out, c.out_len, c.errtext, what, err, errlen);
        ret = -st.error;
        goto out;
    }
    agent_fio_result(&c, job, &st, dev, res);
    res->numjobs = job->numjobs > 1 && !job->fiojob[0] ? job->numjobs : 0;
    ret = 0;
out:
    if (strcmp(path, AGENT_FIO_JOBFILE) != 0) {
        unlink(path); /* mkstemp made it */
    }
    agent_child_free(&c);
    free(a);
    return ret;
}
