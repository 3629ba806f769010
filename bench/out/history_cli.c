/*
 * `pvbench trend`, `changes`, `check` and `history-report`: series read from the results
 * store (history.h), printed, charted with gnuplot and laid out as one static page.
 */
#include <errno.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "exitcode.h"
#include "history.h"
#include "log.h"
#include "metric.h"
#include "plot.h"
#include "report.h"
#include "store.h"
#include "util.h"

/* Pixels of one small multiple on the history page. */
#define HISTORY_SMALL_W 380
#define HISTORY_SMALL_H 260
#define HISTORY_TREND_W 900
#define HISTORY_TREND_H 420

struct history_args {
    const char *db;
    struct history_filter f;
    enum history_by by;
    const char *output;
    const char *since;
    double threshold_pct;
    double alpha;
    const char *run; /* check: the run */
};

struct history_load_ctx {
    struct history *h;
    const struct history_filter *f;
    int failed;
};

static int history_load_row(void *arg, int ncols, const char *const *vals)
{
    struct history_load_ctx *c = arg;
    struct history_run r;
    char *end;
    double value;
    long idx;
    int i;

    if (ncols < 13) {
        return -1;
    }
    for (i = 0; i < ncols; i++) {
        if (!vals[i]) {
            return 0;
        }
    }
    if (!history_filter_match(c->f, vals[8], vals[9], vals[10])) {
        return 0;
    }
    errno = 0;
    value = strtod(vals[12], &end);
    if (errno || *end || !isfinite(value)) {
        return 0;
    }
    memset(&r, 0, sizeof(r));
    util_strlcpy(r.run_id, vals[0], sizeof(r.run_id));
    util_strlcpy(r.label, vals[1], sizeof(r.label));
    util_strlcpy(r.start, vals[2], sizeof(r.start));
    util_strlcpy(r.qemu, vals[3], sizeof(r.qemu));
    util_strlcpy(r.kernel, vals[4], sizeof(r.kernel));
    util_strlcpy(r.host_class, vals[5], sizeof(r.host_class));
    util_strlcpy(r.accel, vals[6], sizeof(r.accel));
    util_strlcpy(r.folder, vals[7], sizeof(r.folder));
    idx = history_add_run(c->h, &r);
    if (idx < 0 ||
        history_add_sample(c->h, (size_t)idx, vals[8], vals[9], vals[10], vals[11], value) < 0) {
        c->failed = 1;
        return -1;
    }
    return 0;
}

/* The series of the open store that pass f, ordered by by. 0, or -1 with why. */
static int history_load(struct store *st, const struct history_filter *f, enum history_by by,
                        struct history *h, char *why, size_t whylen)
{
    struct history_load_ctx c = {h, f, 0};

    memset(h, 0, sizeof(*h));
    if (store_query(st,
                    "SELECT r.run_id, r.label, r.start_time, r.qemu_version, r.guest_kernel, "
                    "r.host_class, r.accelerator, r.folder, s.config, s.workload, s.metric, "
                    "s.unit, s.value FROM samples s JOIN runs r ON r.id = s.run "
                    "ORDER BY r.start_time, r.run_id",
                    NULL, 0, history_load_row, &c, why, whylen) < 0) {
        if (c.failed) {
            util_seterr(why, whylen, "out of memory");
        }
        history_free(h);
        return -1;
    }
    if (history_finish(h, by, STATS_DEFAULT_SEED) < 0) {
        util_seterr(why, whylen, "out of memory");
        history_free(h);
        return -1;
    }
    return 0;
}

/* What the x axis says of a run: its time, version or label. */
static void history_point_key(const struct history_run *r, enum history_by by, char *out,
                              size_t outlen)
{
    const char *v = r->start;
    const char *d;
    size_t n;

    if (by == HISTORY_BY_LABEL && r->label[0]) {
        v = r->label;
    } else if (by == HISTORY_BY_KERNEL) {
        v = r->kernel;
    } else if (by == HISTORY_BY_QEMU) {
        /* "QEMU emulator version 7.2.11 (Debian ...)": the version number. */
        d = strpbrk(r->qemu, "0123456789");
        v = d ? d : r->qemu;
        n = strcspn(v, " (");
        snprintf(out, outlen, "%.*s", (int)n, v);
        return;
    }
    util_strlcpy(out, v, outlen);
}

static void history_series_title(const struct history *h, const struct history_series *s, char *out,
                                 size_t outlen)
{
    const struct history_run *r = &h->runs[s->host_run];

    snprintf(out, outlen, "%s %s %s (%s), %s, accel %s", s->config, s->workload, s->metric, s->unit,
             r->host_class, r->accel);
}

/* The same, as a page or a chart shows it: the metric by its display name and unit. */
static void history_series_shown(const struct history *h, const struct history_series *s,
                                 char *out, size_t outlen)
{
    const struct history_run *r = &h->runs[s->host_run];
    char label[128], unit[32];

    snprintf(out, outlen, "%s %s: %s (%s), %s, accel %s", s->config, s->workload,
             metric_label(s->metric, s->workload, label, sizeof(label)),
             metric_find(s->metric) ? metric_unit_shown(s->metric, s->workload, unit, sizeof(unit))
                                    : s->unit,
             r->host_class, r->accel);
}

/* ---- charts ---------------------------------------------------------------------------------- */

/* dir/name.dat: the points, the segments' medians and the change points (trend.gp). */
static int history_write_dat(const struct history *h, const struct history_series *s,
                             enum history_by by, int numbers, const char *path)
{
    FILE *f = fopen(path, "w");
    char key[160];
    double ymin = INFINITY, ymax = -INFINITY, m;
    size_t i, k, start, end;

    if (!f) {
        return -1;
    }
    fprintf(f, "# pvbench trend data, version %d: point median low high \"label\"\n",
            PLOT_DATA_VERSION);
    for (i = 0; i < s->n; i++) {
        const struct stats_summary *st = &s->p[i].st;

        if (numbers) {
            snprintf(key, sizeof(key), "%zu", i + 1);
        } else {
            history_point_key(&h->runs[s->p[i].run], by, key, sizeof(key));
        }
        util_sanitize(key);
        for (k = 0; key[k]; k++) {
            key[k] = key[k] == '"' ? '\'' : key[k];
        }
        fprintf(f, "%zu %.9g %.9g %.9g \"%s\"\n", i + 1, st->median, st->ci_low, st->ci_high, key);
        ymin = fmin(ymin, st->ci_low);
        ymax = fmax(ymax, st->ci_high);
    }
    fputs("\n\n# segment medians\n", f);
    for (k = 0; k <= s->ncp; k++) {
        start = k > 0 ? s->cp[k - 1].index : 0;
        end = k < s->ncp ? s->cp[k].index : s->n;
        m = k < s->ncp ? s->cp[k].before : (s->ncp ? s->cp[s->ncp - 1].after : NAN);
        if (s->ncp == 0 || end <= start) {
            continue;
        }
        fprintf(f, "%.1f %.9g\n%.1f %.9g\n\n", (double)start + 0.5, m, (double)end + 0.5, m);
    }
    /* gnuplot wants every block present: a NaN row stands in for "no change points". */
    fputs("\n# change points\n", f);
    if (s->ncp == 0) {
        fputs("NaN NaN\n", f);
    }
    for (k = 0; k < s->ncp; k++) {
        fprintf(f, "%.1f %.9g\n%.1f %.9g\n\n", (double)s->cp[k].index + 0.5, ymin,
                (double)s->cp[k].index + 0.5, ymax);
    }
    return fclose(f) == 0 ? 0 : -1;
}

/* plots_dir/name.{dat,gp,png} for s. 0, or -1 with err. */
static int history_chart(const struct history *h, const struct history_series *s,
                         enum history_by by, const char *plots_dir, const char *name,
                         unsigned width, unsigned height, int numbers, char *err, size_t errlen)
{
    struct plot_chart c;
    char tmpl[1024], path[4200], caption[512], script[80], label[128], unit[32];
    const struct history_run *first = &h->runs[s->p[0].run];
    const struct history_run *last = &h->runs[s->p[s->n - 1].run];

    memset(&c, 0, sizeof(c));
    util_strlcpy(c.name, name, sizeof(c.name));
    util_strlcpy(c.tmpl, "trend", sizeof(c.tmpl));
    snprintf(c.data[0], sizeof(c.data[0]), "%s.dat", name);
    snprintf(c.title, sizeof(c.title), "%s %s: %s", s->config, s->workload,
             metric_label(s->metric, s->workload, label, sizeof(label)));
    snprintf(c.ylabel, sizeof(c.ylabel), "%s (median, 95%% interval)",
             metric_find(s->metric) ? metric_unit_shown(s->metric, s->workload, unit, sizeof(unit))
                                    : s->unit);
    c.width = width;
    c.height = height;
    /* A small multiple has room for the counts only; its page lists the runs. */
    if (numbers) {
        snprintf(caption, sizeof(caption), "%zu runs; %zu change point%s", s->n, s->ncp,
                 s->ncp == 1 ? "" : "s");
    } else {
        snprintf(caption, sizeof(caption), "%zu runs, %s to %s; %zu change point%s", s->n,
                 first->start, last->start, s->ncp, s->ncp == 1 ? "" : "s");
    }
    if (util_fmt(path, sizeof(path), "%s/%s.dat", plots_dir, name) < 0 ||
        history_write_dat(h, s, by, numbers, path) < 0) {
        util_seterr(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    plot_template_dir(tmpl, sizeof(tmpl));
    if (plot_write_script(tmpl, plots_dir, &c, "png", caption, err, errlen) < 0) {
        return -1;
    }
    if (!plot_have_gnuplot()) {
        util_seterr(err, errlen, "gnuplot is not installed: %s/%s.gp written, not drawn", plots_dir,
                    name);
        return -1;
    }
    snprintf(script, sizeof(script), "%s.gp", name);
    return plot_run_gnuplot(plots_dir, script, PLOT_GNUPLOT_TIMEOUT_S, err, errlen);
}

/* ---- arguments --------------------------------------------------------------------------- */

enum {
    HISTORY_OPT_DB = 'd',
    HISTORY_OPT_CONFIG = 'c',
    HISTORY_OPT_WORKLOAD = 'w',
    HISTORY_OPT_METRIC = 'm',
    HISTORY_OPT_BY = 'b',
    HISTORY_OPT_OUTPUT = 'o',
    HISTORY_OPT_SINCE = 's',
    HISTORY_OPT_THRESHOLD = 't',
    HISTORY_OPT_ALPHA = 'a',
};

/* The options every history subcommand shares (each says where an option applies). */
static const struct cli_opt history_opts[] = {
    {"db", 0, "DB",
     "SQLite file or PostgreSQL URI (default $PVBENCH_DB, else $PVBENCH_STATE_DIR/"
     STORE_DEFAULT_FILE ")",
     HISTORY_OPT_DB, "=file"},
    {"config", 0, "C", "only configuration C (filters: also --workload, --metric)",
     HISTORY_OPT_CONFIG, NULL},
    {"workload", 0, "W", "only workload W", HISTORY_OPT_WORKLOAD, NULL},
    {"metric", 0, "M", "only metric M", HISTORY_OPT_METRIC, NULL},
    {"by", 0, "KEY", "order the runs by time, qemu, kernel or label", HISTORY_OPT_BY,
     "time qemu kernel label"},
    {"output", 'o', "PATH", "trend: CHART.png; history-report: DIR", HISTORY_OPT_OUTPUT, "=file"},
    {"since", 0, "LABEL", "changes: from the first run labelled LABEL on", HISTORY_OPT_SINCE,
     NULL},
    {"threshold", 0, "PCT", "check: the smallest change that counts (5)", HISTORY_OPT_THRESHOLD,
     NULL},
    {"alpha", 0, "A", "check: the permutation test's level (0.01)", HISTORY_OPT_ALPHA, NULL},
    {NULL, 0, NULL, NULL, 0, NULL},
};

const struct cli_spec history_trend_cli = {
    .name = "trend",
    .summary = "a series of stored runs: median and interval per run, change points",
    .synopsis = "[--db DB] [--config C] [--workload W] [--metric M] [--by KEY] [-o CHART.png]",
    .description = "Prints every series of the results store that the filters keep (one per "
                   "configuration, workload, metric, host class and accelerator): each run's "
                   "median and 95% interval, and where a change point starts a new segment. "
                   "-o draws the first series (gnuplot).",
    .opts = history_opts,
    .flags = CLI_F_VERBOSITY,
};

const struct cli_spec history_changes_cli = {
    .name = "changes",
    .summary = "the change points of every stored series",
    .synopsis = "[--db DB] [filters] [--by KEY] [--since LABEL]",
    .description = "Lists the change points of every series (e-divisive means, alpha 0.05, at "
                   "least 3 runs a side): where, the medians before and after, the change with "
                   "its 95% interval and p. --since: only those at or after the first run "
                   "labelled LABEL.",
    .opts = history_opts,
    .flags = CLI_F_VERBOSITY,
};

const struct cli_spec history_check_cli = {
    .name = "check",
    .summary = "the nightly gate: is a stored run worse than the segment before it",
    .synopsis = "[--db DB] [--threshold PCT] [--alpha A] RUN",
    .description = "Exit 1 when RUN (run id, label or folder) is worse than the segment before "
                   "it in any series, beyond the threshold (5%, or the segment's own run-to-run "
                   "noise if larger) with p < alpha (0.01); else 0.",
    .opts = history_opts,
    .operands = "=dir",
    .flags = CLI_F_VERBOSITY,
};

const struct cli_spec history_report_cli = {
    .name = "history-report",
    .summary = "a static HTML page of every stored series, change points marked",
    .synopsis = "[--db DB] [filters] [--by KEY] -o DIR",
    .description = "Writes DIR/index.html: a chart per series of the headline metrics, change "
                   "points in red, each run linked to its report.html. Nothing is loaded from "
                   "the network.",
    .opts = history_opts,
    .flags = CLI_F_VERBOSITY,
};

/* A usage error in one line and where to look, as every subcommand says it. */
static void history_bad_usage(const struct cli_spec *spec, const char *what, const char *arg)
{
    log_err("%s: %s '%s'", spec->name, what, arg);
    cli_try(spec);
}

/* Parse the options every history subcommand shares. -1 usage error, 1 help, 0 ok. */
static int history_parse(const struct cli_spec *spec, int argc, char **argv,
                         struct history_args *a)
{
    struct cli c;
    char *end;
    int id;

    memset(a, 0, sizeof(*a));
    a->threshold_pct = 5.0;
    a->alpha = 0.01;
    if (cli_start(&c, spec, argc, argv) < 0) {
        return -1;
    }
    while ((id = cli_next(&c)) >= 0) {
        switch (id) {
        case HISTORY_OPT_DB:
            a->db = c.arg;
            break;
        case HISTORY_OPT_CONFIG:
            a->f.config = c.arg;
            break;
        case HISTORY_OPT_WORKLOAD:
            a->f.workload = c.arg;
            break;
        case HISTORY_OPT_METRIC:
            a->f.metric = c.arg;
            break;
        case HISTORY_OPT_BY:
            if (history_by_parse(c.arg, &a->by) < 0) {
                history_bad_usage(spec, "--by takes time, qemu, kernel or label, not", c.arg);
                return -1;
            }
            break;
        case HISTORY_OPT_OUTPUT:
            a->output = c.arg;
            break;
        case HISTORY_OPT_SINCE:
            a->since = c.arg;
            break;
        case HISTORY_OPT_THRESHOLD:
        case HISTORY_OPT_ALPHA:
            errno = 0;
            *(id == HISTORY_OPT_THRESHOLD ? &a->threshold_pct : &a->alpha) = strtod(c.arg, &end);
            if (errno || *end || !(a->threshold_pct >= 0) || !(a->alpha > 0 && a->alpha < 1)) {
                history_bad_usage(spec, "bad number", c.arg);
                return -1;
            }
            break;
        default:
            return -1;
        }
    }
    if (id != CLI_END) {
        return id == CLI_HELP ? 1 : -1;
    }
    if (c.ind < argc) {
        a->run = argv[c.ind++];
    }
    if (c.ind < argc) {
        history_bad_usage(spec, "unexpected argument", argv[c.ind]);
        return -1;
    }
    return 0;
}

/* Parse, open the store and load its series. A PVB_EXIT_* code, or -1 to go on. */
static int history_start(const struct cli_spec *spec, int argc, char **argv,
                         struct history_args *a, struct store *st, struct history *h, int headline)
{
    char why[1024];
    int rc = history_parse(spec, argc, argv, a);

    if (rc != 0) {
        return rc > 0 ? PVB_EXIT_OK : PVB_EXIT_USAGE;
    }
    a->f.headline = headline;
    if (headline && (!a->output || a->run)) {
        log_err("%s: -o DIR is required, and nothing else", argv[0]);
        return PVB_EXIT_USAGE;
    }
    if (store_open(st, a->db, 0, why, sizeof(why)) < 0) {
        log_err("%s: %s", argv[0], why);
        return PVB_EXIT_USAGE;
    }
    if (history_load(st, &a->f, a->by, h, why, sizeof(why)) < 0) {
        log_err("%s: %s", argv[0], why);
        store_close(st);
        return PVB_EXIT_USAGE;
    }
    return -1;
}

/* ---- trend ------------------------------------------------------------------------------- */

static void history_print_series(const struct history *h, const struct history_series *s,
                                 enum history_by by, FILE *out)
{
    char title[512], key[160];
    size_t i, k;

    history_series_title(h, s, title, sizeof(title));
    fprintf(out, "%s: %zu point%s, %zu change point%s\n", title, s->n, s->n == 1 ? "" : "s", s->ncp,
            s->ncp == 1 ? "" : "s");
    fprintf(out, "  %3s  %-24s %-10s %4s %14s %14s %14s\n", "#", "key", "run", "n", "median",
            "ci95_low", "ci95_high");
    for (i = 0; i < s->n; i++) {
        const struct history_point *p = &s->p[i];

        for (k = 0; k < s->ncp; k++) {
            if (s->cp[k].index == i) {
                fprintf(out, "  --- change: %+.1f %% [%+.1f, %+.1f], p %.3f ---\n",
                        s->cp[k].change_pct, s->cp_lo[k], s->cp_hi[k], s->cp[k].p);
            }
        }
        history_point_key(&h->runs[p->run], by, key, sizeof(key));
        fprintf(out, "  %3zu  %-24s %-10s %4u %14.6g %14.6g %14.6g\n", i + 1, key,
                h->runs[p->run].run_id, p->st.n, p->st.median, p->st.ci_low, p->st.ci_high);
    }
}

int history_trend_main(int argc, char **argv)
{
    struct history_args a;
    struct store st;
    struct history h = {0};
    char dir[4096], base[256], err[1024];
    char *dot;
    size_t i;
    int rc = history_start(&history_trend_cli, argc, argv, &a, &st, &h, 0);

    if (rc >= 0) {
        return rc;
    }
    rc = PVB_EXIT_OK;
    if (h.ns == 0) {
        printf("no series match in %s\n", st.target);
    }
    for (i = 0; i < h.ns; i++) {
        history_print_series(&h, &h.s[i], a.by, stdout);
    }
    if (a.output && h.ns > 0) {
        util_strlcpy(dir, a.output, sizeof(dir));
        util_strlcpy(base, basename(dir), sizeof(base));
        util_strlcpy(dir, a.output, sizeof(dir));
        util_strlcpy(dir, dirname(dir), sizeof(dir));
        dot = strrchr(base, '.');
        if (!dot || strcmp(dot, ".png") != 0) {
            log_err("trend: -o takes a .png file name");
            rc = PVB_EXIT_USAGE;
        } else {
            *dot = '\0';
            if (h.ns > 1) {
                log_warn("trend: %zu series match; the chart shows the first (narrow it with "
                         "--config, --workload, --metric)",
                         h.ns);
            }
            if (history_chart(&h, &h.s[0], a.by, dir, base, HISTORY_TREND_W, HISTORY_TREND_H, 0,
                              err, sizeof(err)) < 0) {
                log_err("trend: %s", err);
                rc = PVB_EXIT_FAILED;
            } else {
                printf("chart: %s\n", a.output);
            }
        }
    }
    history_free(&h);
    store_close(&st);
    return rc;
}

/* ---- changes ----------------------------------------------------------------------------- */

int history_changes_main(int argc, char **argv)
{
    struct history_args a;
    struct store st;
    struct history h = {0};
    char title[512];
    const char *since_start = NULL;
    const struct history_run *r;
    size_t i, k, shown = 0;
    int rc = history_start(&history_changes_cli, argc, argv, &a, &st, &h, 0);

    if (rc >= 0) {
        return rc;
    }
    rc = PVB_EXIT_OK;
    if (a.since) {
        for (i = 0; i < h.nruns; i++) {
            if (strcmp(h.runs[i].label, a.since) == 0 &&
                (!since_start || strcmp(h.runs[i].start, since_start) < 0)) {
                since_start = h.runs[i].start;
            }
        }
        if (!since_start) {
            log_err("changes: no run labelled '%s' in %s", a.since, st.target);
            rc = PVB_EXIT_USAGE;
            goto out;
        }
    }
    for (i = 0; i < h.ns; i++) {
        const struct history_series *s = &h.s[i];

        history_series_title(&h, s, title, sizeof(title));
        for (k = 0; k < s->ncp; k++) {
            r = &h.runs[s->p[s->cp[k].index].run];
            if (since_start && strcmp(r->start, since_start) < 0) {
                continue;
            }
            printf("%s\n  at point %zu of %zu (run %s%s%s, %s): %.6g -> %.6g, %+.1f %% "
                   "[%+.1f, %+.1f], p %.3f\n",
                   title, s->cp[k].index + 1, s->n, r->run_id, r->label[0] ? " " : "", r->label,
                   r->start, s->cp[k].before, s->cp[k].after, s->cp[k].change_pct, s->cp_lo[k],
                   s->cp_hi[k], s->cp[k].p);
            shown++;
        }
    }
    printf("%zu change point%s in %zu series\n", shown, shown == 1 ? "" : "s", h.ns);
out:
    history_free(&h);
    store_close(&st);
    return rc;
}

/* ---- check ------------------------------------------------------------------------------- */

int history_check_main(int argc, char **argv)
{
    struct history_args a;
    struct store st;
    struct history h = {0};
    struct store_run run;
    struct history_gate g;
    const struct metric *m;
    char title[512], why[1024];
    size_t i, j, judged = 0, unjudged = 0, worse = 0;
    int found;
    int rc = history_start(&history_check_cli, argc, argv, &a, &st, &h, 0);

    if (rc >= 0) {
        return rc;
    }
    rc = PVB_EXIT_USAGE;
    if (!a.run) {
        log_err("check: which run? (pvbench check --db DB RUN)");
        goto out;
    }
    found = store_find_run(&st, a.run, &run, why, sizeof(why));
    if (found <= 0) {
        log_err("check: %s", found < 0 ? why : "no such run in the database (pvbench db add)");
        goto out;
    }
    for (i = 0; i < h.ns; i++) {
        const struct history_series *s = &h.s[i];

        for (j = 0; j < s->n && strcmp(h.runs[s->p[j].run].run_id, run.run_id) != 0; j++) {
        }
        if (j == s->n) {
            continue;
        }
        m = metric_find(s->metric);
        if (history_gate(s, j, !m || m->dir == METRIC_HIGHER_BETTER, a.threshold_pct, a.alpha,
                         STATS_DEFAULT_SEED, &g) < 0) {
            log_err("check: out of memory");
            rc = PVB_EXIT_FAILED;
            goto out;
        }
        if (!g.judged) {
            unjudged++;
            continue;
        }
        judged++;
        if (g.worse) {
            worse++;
            history_series_title(&h, s, title, sizeof(title));
            printf("worse: %s: %+.1f %% against points %zu-%zu (threshold %.1f %%), p %.4f\n",
                   title, g.change_pct, g.seg_start + 1, j, g.threshold_pct, g.p);
        }
    }
    printf("run %s: %zu series judged, %zu worse than their segment (threshold %.1f %% or the "
           "segment's noise, alpha %.3g); %zu with fewer than %d earlier runs not judged\n",
           run.run_id, judged, worse, a.threshold_pct, a.alpha, unjudged, HISTORY_MIN_HISTORY);
    rc = worse ? PVB_EXIT_REGRESSION : PVB_EXIT_OK;
out:
    history_free(&h);
    store_close(&st);
    return rc;
}

/* ---- history-report ---------------------------------------------------------------------- */

static void history_html_series(FILE *f, const struct history *h, const struct history_series *s,
                                size_t idx, int drawn)
{
    char title[512], href[1200];
    const struct history_run *r;
    size_t i, k;
    int cp;

    history_series_shown(h, s, title, sizeof(title));
    fputs("<figure>\n", f);
    if (drawn) {
        fprintf(f, "<img src=\"plots/s%zu.png\" width=\"%d\" height=\"%d\" alt=\"", idx,
                HISTORY_SMALL_W, HISTORY_SMALL_H);
        report_fput_html(f, title);
        fputs("\">\n", f);
    }
    fputs("<figcaption>", f);
    report_fput_html(f, title);
    fputs("<br>runs:", f);
    for (i = 0; i < s->n; i++) {
        r = &h->runs[s->p[i].run];
        cp = 0;
        for (k = 0; k < s->ncp; k++) {
            cp |= s->cp[k].index == i;
        }
        snprintf(href, sizeof(href), "%s/report.html", r->folder);
        fputs(" <a href=\"", f);
        report_fput_html(f, href);
        fprintf(f, "\"%s title=\"", cp ? " class=\"cp\"" : "");
        report_fput_html(f, r->run_id);
        fputs(" ", f);
        report_fput_html(f, r->label);
        fputs(" ", f);
        report_fput_html(f, r->start);
        fprintf(f, "\">%zu</a>", i + 1);
    }
    for (k = 0; k < s->ncp; k++) {
        fprintf(f, "<br><span class=\"cp\">change at %zu: %+.1f %% [%+.1f, %+.1f], p %.3f</span>",
                s->cp[k].index + 1, s->cp[k].change_pct, s->cp_lo[k], s->cp_hi[k], s->cp[k].p);
    }
    fputs("</figcaption>\n</figure>\n", f);
}

int history_report_main(int argc, char **argv)
{
    struct history_args a;
    struct store st;
    struct history h = {0};
    char plots[4200], path[4200], name[32], err[1024];
    FILE *f = NULL;
    size_t i, drawn = 0;
    int ok;
    int rc;

    rc = history_start(&history_report_cli, argc, argv, &a, &st, &h, 1);
    if (rc >= 0) {
        return rc;
    }
    rc = PVB_EXIT_FAILED;
    if (util_fmt(plots, sizeof(plots), "%s/plots", a.output) < 0 || util_mkdir_p(plots) < 0 ||
        util_fmt(path, sizeof(path), "%s/index.html", a.output) < 0 || !(f = fopen(path, "w"))) {
        log_err("history-report: %s: %s", a.output, strerror(errno));
        goto out;
    }
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<title>pvbench history</title>\n<style>\n"
          "body { font-family: sans-serif; margin: 1em; }\n"
          ".grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(400px, 1fr)); "
          "gap: 1em; }\n"
          "figure { margin: 0; border: 1px solid #ddd; padding: 0.5em; }\n"
          "figcaption { font-size: 0.8em; }\n"
          ".cp { color: #d62728; font-weight: bold; }\n"
          "</style>\n</head>\n<body>\n<h1>pvbench history</h1>\n<p>",
          f);
    fprintf(f, "%zu runs, %zu series of the headline metrics, from ", h.nruns, h.ns);
    report_fput_html(f, st.target);
    fputs(". Each chart: a run's median and 95 % interval; dashed: the segments' medians; "
          "red: change points (e-divisive means, alpha 0.05). The numbers under a chart "
          "link to each run's report; red ones start a new segment.</p>\n<div class=\"grid\">\n",
          f);
    for (i = 0; i < h.ns; i++) {
        snprintf(name, sizeof(name), "s%zu", i);
        ok = history_chart(&h, &h.s[i], a.by, plots, name, HISTORY_SMALL_W, HISTORY_SMALL_H, 1, err,
                           sizeof(err)) == 0;
        if (!ok) {
            log_warn("history-report: chart %s: %s", name, err);
        }
        drawn += ok;
        history_html_series(f, &h, &h.s[i], i, ok);
    }
    fputs("</div>\n<footer>Made by pvbench " PVB_VERSION " from the results store; nothing "
          "here is loaded from the network.</footer>\n</body>\n</html>\n",
          f);
    if (fclose(f) != 0) {
        f = NULL;
        log_err("history-report: %s: %s", path, strerror(errno));
        goto out;
    }
    f = NULL;
    printf("history: %s (%zu series, %zu charts)\n", path, h.ns, drawn);
    rc = drawn == h.ns ? PVB_EXIT_OK : PVB_EXIT_FAILED;
out:
    if (f) {
        fclose(f);
    }
    history_free(&h);
    store_close(&st);
    return rc;
}
