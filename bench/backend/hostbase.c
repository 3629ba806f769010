/*
 * The bare-host baseline: the scenario's block jobs with fio on the host, and each
 * device's pct_of_host (of the block and the network baseline, hostbase_net.c). See
 * hostbase.h for what the numbers mean.
 *
 * fio gets the command line the agent gives it inside a guest, on a scratch file in the
 * run's state folder, beside the guests' scratch disks, and its JSON is read by the same
 * parser (common/fio_job.c, compiled into both) into the harness's struct
 * agent_result, the shape every measurement has on the host side.
 */
#include "hostbase.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "metric.h"
#include "progress.h"
#include "record.h"
#include "registry.h"
#include "signals.h"
#include "stats.h"
#include "util.h"
#include "workload.h"

#define HOSTBASE_CLASS "host"

/* ---- fio command line and JSON (common/fio_job.c) ----------------------------------- */

int hostbase_build_argv(const struct hostbase_job *job, const char *file, const char *fio,
                        struct tool_argv *a)
{
    struct fio_job_params p = {
        .binary = fio,
        .file = file,
        .rw = job->rw,
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

int hostbase_parse_fio(const char *out, size_t len, const char *rw, struct agent_result *res,
                       char *err, size_t errlen)
{
    bool mixed = strcmp(rw, "randrw") == 0;
    const char *side = mixed ? "mixed" : strstr(rw, "write") ? "write" : "read";
    struct fio_job_stats st;

    memset(res, 0, sizeof(*res));
    util_strlcpy(res->engine, "fio", sizeof(res->engine));
    if (fio_job_parse(out, len, strcmp(side, "write") == 0, mixed ? FIO_JOB_MIXED : 0u, &st, err,
                      errlen) < 0) {
        return -1;
    }
    if (st.error != 0) {
        util_seterr(err, errlen, "fio job error %d (%s)", st.error, strerror(st.error));
        return -1;
    }
    if (st.ops == 0 || st.runtime_s <= 0) {
        util_seterr(err, errlen, "fio completed no %s in the measured interval", side);
        return -1;
    }
    res->runtime_s = st.runtime_s;
    res->ops = st.ops;
    res->ops_total = st.ops; /* fio resets its counters after ramp_time */
    res->bytes = st.bytes;
    res->lat_us.mean = st.lat_us.mean;
    res->lat_us.min = st.lat_us.min;
    res->lat_us.p50 = st.lat_us.p50;
    res->lat_us.p90 = st.lat_us.p90;
    res->lat_us.p99 = st.lat_us.p99;
    res->lat_us.p999 = st.lat_us.p999;
    res->lat_us.max = st.lat_us.max;
    return 0;
}

/* fio's own words: the non-empty lines it printed before its JSON, joined with " | ". */
static void hostbase_fio_text(const char *out, size_t len, char *buf, size_t buflen)
{
    const char *json = tool_json_start(out, len), *p = out, *end, *nl;
    size_t pos = 0, n;

    buf[0] = '\0';
    end = json ? json : out + len;
    while (p < end && pos + 4 < buflen) {
        nl = memchr(p, '\n', (size_t)(end - p));
        n = (size_t)((nl ? nl : end) - p);
        while (n > 0 && (p[n - 1] == '\r' || p[n - 1] == ' ')) {
            n--;
        }
        if (n > 0) {
            pos += (size_t)snprintf(buf + pos, buflen - pos, "%s%.*s", pos ? " | " : "", (int)n, p);
            if (pos >= buflen) {
                pos = buflen - 1;
            }
        }
        p = nl ? nl + 1 : end;
    }
    util_sanitize(buf);
}

/* ---- running it ------------------------------------------------------------------------ */

int hostbase_check(const char *dir, char *version, size_t vlen, char *reason, size_t len)
{
    char *argv[] = {"fio", "--version", NULL};
    char buf[128], path[PATH_MAX];
    int rc, fd;

    rc = util_run_capture(argv, buf, sizeof(buf), 10.0);
    if (rc != 0 || strncmp(buf, "fio-", 4) != 0) {
        util_seterr(reason, len,
                    "fio is not installed on this host (apt-get install fio; "
                    "scripts/setup installs it)");
        return -1;
    }
    buf[strcspn(buf, "\r\n")] = '\0';
    util_strlcpy(version, buf, vlen);
    if (util_fmt(path, sizeof(path), "%s/.pvb-odirect-%d", dir, (int)getpid()) < 0) {
        util_seterr(reason, len, "state folder path too long");
        return -1;
    }
    fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_DIRECT | O_CLOEXEC, 0600);
    if (fd < 0) {
        util_seterr(reason, len,
                    "the file system of %s refuses O_DIRECT (%s): the guests' "
                    "cache=none has no bare-host equivalent there",
                    dir, strerror(errno));
        return -1;
    }
    close(fd);
    unlink(path);
    return 0;
}

int hostbase_run_job(const struct hostbase_job *job, const char *file, struct agent_result *res,
                     char *err, size_t errlen)
{
    struct tool_argv *a = malloc(sizeof(*a));
    char *out = malloc(HOSTBASE_OUT_MAX + 1);
    char text[512], why[256];
    double limit;
    size_t len;
    int rc = -1, st;

    if (!a || !out) {
        util_seterr(err, errlen, "out of memory");
        goto out;
    }
    if (hostbase_build_argv(job, file, "fio", a) < 0) {
        util_seterr(err, errlen, "fio command line too long for %s", file);
        goto out;
    }
    limit = (job->runtime_ms + job->warmup_ms) / 1000.0 * 2.0 + HOSTBASE_MARGIN_S;
    st = util_run_capture(a->argv, out, HOSTBASE_OUT_MAX + 1, limit);
    len = strlen(out);
    hostbase_fio_text(out, len, text, sizeof(text));
    if (st < 0) {
        util_seterr(err, errlen,
                    "fio did not run to its end within %.0f s (killed or could "
                    "not start)%s%s",
                    limit, text[0] ? ": " : "", text);
        goto out;
    }
    if (len >= HOSTBASE_OUT_MAX) {
        util_seterr(err, errlen, "fio printed more than %u bytes", HOSTBASE_OUT_MAX);
        goto out;
    }
    if (st != 0) {
        util_seterr(err, errlen, "fio exited with status %d%s%s", st, text[0] ? ": " : "", text);
        goto out;
    }
    if (hostbase_parse_fio(out, len, job->rw, res, why, sizeof(why)) < 0) {
        util_seterr(err, errlen, "%s%s%s", why, text[0] ? ": " : "", text);
        goto out;
    }
    util_strlcpy(res->workload, job->workload ? job->workload : job->rw, sizeof(res->workload));
    util_strlcpy(res->device, HOSTBASE_CONFIG, sizeof(res->device));
    util_strlcpy(res->driver, "fio", sizeof(res->driver));
    rc = 0;
out:
    free(out);
    free(a);
    return rc;
}

int hostbase_record(struct sample_set *samples, const struct workload *w, unsigned rep,
                    const struct agent_result *res)
{
    const struct record_target t = {
        .config = HOSTBASE_CONFIG,
        .device = HOSTBASE_CONFIG,
        .class_ = HOSTBASE_CLASS,
        .kind = DEVMODEL_BLK,
    };

    return record_blk(samples, &t, w, rep, res, NULL);
}

bool hostbase_wl_has_work(const struct scenario *s, const struct workload *w,
                          enum devmodel_kind kind, const struct sample_set *samples)
{
    unsigned rep;

    if (w->kind != kind) {
        return false;
    }
    for (rep = 1; rep <= s->repetitions; rep++) {
        if (!samples_has_cell(samples, HOSTBASE_CONFIG, w->name, rep)) {
            return true;
        }
    }
    return false;
}

bool hostbase_kind_has_work(const struct scenario *s, enum devmodel_kind kind,
                            const struct sample_set *samples)
{
    for (unsigned wi = 0; wi < s->n_workloads; wi++) {
        if (hostbase_wl_has_work(s, s->workloads[wi], kind, samples)) {
            return true;
        }
    }
    return false;
}

unsigned hostbase_kind_count_jobs(const struct scenario *s, enum devmodel_kind kind,
                                  unsigned warmups, const struct sample_set *samples)
{
    unsigned n = 0;

    for (unsigned wi = 0; wi < s->n_workloads; wi++) {
        if (!hostbase_wl_has_work(s, s->workloads[wi], kind, samples)) {
            continue;
        }
        n += warmups;
        for (unsigned rep = 1; rep <= s->repetitions; rep++) {
            n += !samples_has_cell(samples, HOSTBASE_CONFIG, s->workloads[wi]->name, rep);
        }
    }
    return n;
}

unsigned hostbase_count_jobs(const struct scenario *s, const struct sample_set *samples)
{
    /* the blk jobs have one warm-up job each, the net ones the guests' warmup_jobs */
    return hostbase_kind_count_jobs(s, DEVMODEL_BLK, 1, samples) +
           hostbase_kind_count_jobs(s, DEVMODEL_NET, s->warmup_jobs, samples);
}

int hostbase_blk_open(struct hostbase_blk *hb, const struct scenario *s,
                      const struct sample_set *samples, char *reason, size_t len)
{
    char version[64];

    memset(hb, 0, sizeof(*hb));
    hb->s = s;
    if (!hostbase_kind_has_work(s, DEVMODEL_BLK, samples)) {
        return 0; /* nothing to do: not open, every job a no-op */
    }
    if (hostbase_check(registry_dir(), version, sizeof(version), reason, len) < 0) {
        return 1;
    }
    if (util_fmt(hb->file, sizeof(hb->file), "%s/disk-%s.img", registry_dir(), HOSTBASE_CONFIG) <
        0) {
        util_seterr(reason, len, "state folder path too long");
        return -1;
    }
    progress_status("host baseline: creating the scratch file");
    hb->open = true; /* registered from here on, even if only partly created */
    if (registry_scratch_file(hb->file, s->disk_mib, reason, len) < 0) {
        hostbase_blk_close(hb);
        return -1;
    }
    progress_clear();
    log_info("host baseline: %s on %s (%u MiB, O_DIRECT, libaio)", version, hb->file,
             s->disk_mib);
    return 0;
}

int hostbase_blk_job(struct hostbase_blk *hb, const struct workload *w, unsigned rep,
                     struct sample_set *samples, hostbase_save_fn save, void *arg, char *reason,
                     size_t len)
{
    struct hostbase_job job;
    struct agent_result res;
    char err[512];
    double t0;

    if (!hb->open || w->kind != DEVMODEL_BLK ||
        (rep > 0 && samples_has_cell(samples, HOSTBASE_CONFIG, w->name, rep)) ||
        (rep == 0 && !hostbase_wl_has_work(hb->s, w, DEVMODEL_BLK, samples))) {
        return 0;
    }
    memset(&job, 0, sizeof(job));
    job.workload = w->name;
    job.rw = w->rw;
    job.bs = w->bs;
    job.qd = w->qd;
    job.rwmixread = w->rwmixread;
    job.offset_mib = w->offset_mib;
    job.size_mib = w->size_mib;
    job.numjobs = w->numjobs;
    job.runtime_ms = (unsigned)(scenario_runtime_s(hb->s, w) * 1000.0 + 0.5);
    job.warmup_ms = (unsigned)(scenario_warmup_s(hb->s, w) * 1000.0 + 0.5);
    progress_job(HOSTBASE_CONFIG, w->name, rep, hb->s->repetitions);
    t0 = util_now();
    if (hostbase_run_job(&job, hb->file, &res, err, sizeof(err)) < 0) {
        progress_job_done(util_now() - t0);
        util_seterr(reason, len, "%s rep %u: %s", w->name, rep, err);
        return -1;
    }
    progress_job_done(util_now() - t0);
    if (rep == 0) {
        return 0;
    }
    if (hostbase_record(samples, w, rep, &res) < 0) {
        util_seterr(reason, len, "out of memory");
        return -1;
    }
    if (save && save(arg) != 0) {
        util_seterr(reason, len, "cannot save the samples");
        return -1;
    }
    return 0;
}

void hostbase_blk_close(struct hostbase_blk *hb)
{
    progress_clear();
    if (hb->open) {
        unlink(hb->file);
        registry_forget(REG_FILE, hb->file);
        hb->open = false;
    }
}

int hostbase_run(const struct scenario *s, struct sample_set *samples, hostbase_save_fn save,
                 void *arg, char *reason, size_t len)
{
    struct hostbase_blk hb;
    int rc = hostbase_blk_open(&hb, s, samples, reason, len);

    if (rc != 0) {
        return rc;
    }
    for (unsigned wi = 0; wi < s->n_workloads && rc == 0; wi++) {
        const struct workload *w = s->workloads[wi];

        if (!hostbase_wl_has_work(s, w, DEVMODEL_BLK, samples)) {
            continue;
        }
        /* rep 0: one uncounted job per workload, as the guests get */
        for (unsigned rep = 0; rep <= s->repetitions && rc == 0; rep++) {
            if (signals_interrupted()) {
                util_seterr(reason, len, "interrupted");
                rc = -1;
                break;
            }
            rc = hostbase_blk_job(&hb, w, rep, samples, save, arg, reason, len);
        }
    }
    hostbase_blk_close(&hb);
    return rc;
}

/* ---- pct_of_host ----------------------------------------------------------------------- */

static int hostbase_pct_push(struct hostbase_pct_set *set, const struct hostbase_pct *p)
{
    struct hostbase_pct *v;
    size_t cap;

    if (set->n == set->cap) {
        cap = set->cap ? set->cap * 2 : 64;
        v = realloc(set->v, cap * sizeof(*v));
        if (!v) {
            return -1;
        }
        set->v = v;
        set->cap = cap;
    }
    set->v[set->n++] = *p;
    return 0;
}

/* Values of config x workload x metric into a malloc'ed array (*n of them; NULL if none). */
static double *hostbase_values(const struct sample_set *samples, const char *config,
                               const char *workload, const char *metric, size_t *n)
{
    double *v = NULL, *bigger;
    size_t i, cap = 0;

    *n = 0;
    for (i = 0; i < samples->n; i++) {
        const struct sample *s = &samples->v[i];

        if (strcmp(s->config, config) != 0 || strcmp(s->workload, workload) != 0 ||
            strcmp(s->metric, metric) != 0) {
            continue;
        }
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            bigger = realloc(v, cap * sizeof(*v));
            if (!bigger) {
                free(v);
                *n = 0;
                return NULL;
            }
            v = bigger;
        }
        v[(*n)++] = s->value;
    }
    return v;
}

int hostbase_pct_compute(const struct sample_set *samples, uint64_t seed,
                         struct hostbase_pct_set *out)
{
    const struct metric *m;
    struct hostbase_pct p;
    double *dev = NULL, *host = NULL, r, lo, hi;
    size_t i, nd, nh;
    int rc = 0;

    memset(out, 0, sizeof(*out));
    for (i = 0; i < samples->n && rc == 0; i++) {
        const struct sample *s = &samples->v[i];

        if (strcmp(s->config, HOSTBASE_CONFIG) == 0 ||
            hostbase_pct_find(out, s->config, s->workload, s->metric)) {
            continue;
        }
        m = metric_find(s->metric);
        if (!m) {
            continue;
        }
        host = hostbase_values(samples, HOSTBASE_CONFIG, s->workload, s->metric, &nh);
        if (!host) {
            continue; /* the host has no such cell (or out of memory: no number either) */
        }
        dev = hostbase_values(samples, s->config, s->workload, s->metric, &nd);
        if (dev && (m->dir == METRIC_HIGHER_BETTER
                        ? stats_ratio(dev, nd, host, nh, seed, &r, &lo, &hi)
                        : stats_ratio(host, nh, dev, nd, seed, &r, &lo, &hi)) == 0) {
            memset(&p, 0, sizeof(p));
            util_strlcpy(p.config, s->config, sizeof(p.config));
            util_strlcpy(p.device, s->device, sizeof(p.device));
            util_strlcpy(p.kind, s->kind, sizeof(p.kind));
            util_strlcpy(p.workload, s->workload, sizeof(p.workload));
            util_strlcpy(p.metric, s->metric, sizeof(p.metric));
            p.n = (unsigned)nd;
            p.pct = 100.0 * r;
            p.low = 100.0 * lo;
            p.high = 100.0 * hi;
            rc = hostbase_pct_push(out, &p);
        }
        free(dev);
        free(host);
        dev = host = NULL;
    }
    if (rc < 0) {
        hostbase_pct_free(out);
    }
    return rc;
}

void hostbase_pct_free(struct hostbase_pct_set *set)
{
    free(set->v);
    memset(set, 0, sizeof(*set));
}

const struct hostbase_pct *hostbase_pct_find(const struct hostbase_pct_set *set, const char *config,
                                             const char *workload, const char *metric)
{
    size_t i;

    for (i = 0; i < set->n; i++) {
        if (strcmp(set->v[i].config, config) == 0 && strcmp(set->v[i].workload, workload) == 0 &&
            strcmp(set->v[i].metric, metric) == 0) {
            return &set->v[i];
        }
    }
    return NULL;
}

int hostbase_pct_write_csv(const char *path, const struct hostbase_pct_set *set)
{
    char *doc = NULL, f[5][160];
    size_t dlen = 0, i;
    FILE *m;
    int rc;

    m = open_memstream(&doc, &dlen);
    if (!m) {
        return -1;
    }
    fprintf(m, "%s\n", HOSTBASE_PCT_HEADER);
    for (i = 0; i < set->n; i++) {
        const struct hostbase_pct *p = &set->v[i];

        results_csv_field(f[0], sizeof(f[0]), p->config);
        results_csv_field(f[1], sizeof(f[1]), p->device);
        results_csv_field(f[2], sizeof(f[2]), p->kind);
        results_csv_field(f[3], sizeof(f[3]), p->workload);
        results_csv_field(f[4], sizeof(f[4]), p->metric);
        fprintf(m, "%s,%s,%s,%s,%s,%u,%.6g,%.6g,%.6g\n", f[0], f[1], f[2], f[3], f[4], p->n, p->pct,
                p->low, p->high);
    }
    if (fclose(m) != 0) {
        free(doc);
        errno = ENOMEM;
        return -1;
    }
    rc = results_write_atomic(path, doc, dlen);
    free(doc);
    return rc;
}

void hostbase_pct_apply(const struct hostbase_pct_set *set, struct summary_set *sum)
{
    const struct hostbase_pct *p;
    size_t i;

    for (i = 0; i < sum->n; i++) {
        struct summary_row *r = &sum->v[i];

        p = hostbase_pct_find(set, r->config, r->workload, r->metric);
        r->has_pct = p != NULL;
        if (p) {
            r->pct = p->pct;
            r->pct_low = p->low;
            r->pct_high = p->high;
        }
    }
}

/* The columns of one kind's block of hostbase_pct_print. */
struct hostbase_pct_cols {
    const char *kind;
    const char *title;
    const char *metrics[4];
    const char *labels[4];
};

static const struct hostbase_pct_cols hostbase_pct_blocks[] = {
    {"blk",
     "block: fio on a scratch file, O_DIRECT",
     {"iops", "throughput_mib_s", "lat_mean_us", NULL},
     {"IOPS", "MiB/s", "mean latency", NULL}},
    {"net",
     "network: the agent in a namespace of its own, same peer",
     {"throughput_mbit_s", "transactions_s", "lat_p50_us", "pps"},
     {"Mbit/s", "transactions/s", "p50 latency", "packets/s"}},
};

/* One block: per workload of this kind (first-seen order), a line per configuration. */
static void hostbase_pct_print_kind(FILE *out, const struct hostbase_pct_set *set,
                                    const struct hostbase_pct_cols *b)
{
    const struct hostbase_pct *p;
    char cell[4][40];
    size_t i, j, k, ncol = 0;
    bool seen, any = false;

    while (ncol < 4 && b->metrics[ncol]) {
        ncol++;
    }
    for (i = 0; i < set->n; i++) {
        if (strcmp(set->v[i].kind, b->kind) != 0) {
            continue;
        }
        if (!any) {
            fprintf(out, "  %s\n  %-14s %-14s", b->title, "workload", "device");
            for (k = 0; k < ncol; k++) {
                fprintf(out, " %-24s", b->labels[k]);
            }
            fputc('\n', out);
            any = true;
        }
        /* one line per workload x configuration, at its first metric */
        seen = false;
        for (j = 0; j < i && !seen; j++) {
            seen = strcmp(set->v[j].workload, set->v[i].workload) == 0 &&
                   strcmp(set->v[j].config, set->v[i].config) == 0;
        }
        if (seen) {
            continue;
        }
        for (k = 0; k < ncol; k++) {
            p = hostbase_pct_find(set, set->v[i].config, set->v[i].workload, b->metrics[k]);
            if (p) {
                snprintf(cell[k], sizeof(cell[k]), "%.3g%% [%.3g, %.3g]", p->pct, p->low, p->high);
            } else {
                snprintf(cell[k], sizeof(cell[k]), "-");
            }
        }
        fprintf(out, "  %-14s %-14s", set->v[i].workload, set->v[i].config);
        for (k = 0; k < ncol; k++) {
            fprintf(out, " %-24s", cell[k]);
        }
        fputc('\n', out);
    }
}

void hostbase_pct_print(FILE *out, const struct hostbase_pct_set *set)
{
    size_t b;

    if (set->n == 0) {
        return;
    }
    fprintf(out, "\n%% of the bare host (100%% = as good as the host; latency: host / device)\n");
    for (b = 0; b < sizeof(hostbase_pct_blocks) / sizeof(hostbase_pct_blocks[0]); b++) {
        hostbase_pct_print_kind(out, set, &hostbase_pct_blocks[b]);
    }
}

void hostbase_pct_summary(const struct sample_set *samples, uint64_t seed,
                          struct summary_set *sum)
{
    struct hostbase_pct_set pct;

    if (hostbase_pct_compute(samples, seed, &pct) == 0) {
        hostbase_pct_apply(&pct, sum);
        hostbase_pct_free(&pct);
    }
}

void hostbase_pct_report(const struct sample_set *samples, uint64_t seed, const char *dir,
                         FILE *out)
{
    struct hostbase_pct_set pct;
    char path[PATH_MAX + 32];

    if (hostbase_pct_compute(samples, seed, &pct) < 0) {
        return;
    }
    if (pct.n > 0) {
        snprintf(path, sizeof(path), "%s/%s", dir, HOSTBASE_PCT_FILE);
        if (hostbase_pct_write_csv(path, &pct) < 0) {
            log_err("cannot write %s: %s", path, strerror(errno));
        }
        hostbase_pct_print(out, &pct);
    }
    hostbase_pct_free(&pct);
}
