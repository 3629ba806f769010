/*
 * `pvbench report`: charts, report.html and report.md of a run folder, rebuilt from
 * samples.csv and run.json. Reading, deciding what to draw, and writing the two reports
 * live here; data files, templates and gnuplot live in plot.c.
 *
 * Everything read from the folder is untrusted text: it is escaped for HTML, Markdown,
 * gnuplot strings and file names, and a bad file is named (file:line), never fatal.
 */
#include "report.h"
#include "hostbase.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "csvread.h"
#include "exitcode.h"
#include "i18n.h"
#include "log.h"
#include "metric.h"
#include "runfolder.h"
#include "util.h"

#ifndef PVB_VERSION
#define PVB_VERSION "unknown"
#endif

#define REPORT_MAX_PROBLEMS 24
#define REPORT_PROBLEM_LEN 400
#define REPORT_BAR_HEIGHT 480
#define REPORT_LATENCY_HEIGHT 440
/* Charts of horizontal bars: fixed part, per bar and per group, smallest height. */
#define REPORT_ROWS_BASE 170
#define REPORT_ROW_HEIGHT 26
#define REPORT_GROUP_GAP 14
#define REPORT_ROWS_MIN 330
#define REPORT_BOOT_HEIGHT 420
/* Charts of vertical bars: pixels each bar keeps at least (the chart grows wider), the
 * widest chart, and the height a character of the longest bar name adds past 12. */
#define REPORT_BAR_SLOT 24
#define REPORT_BARS_MAX_WIDTH 4000
#define REPORT_BAR_NAME_DEPTH 6
/* File names of the charts start with one of these; a rebuild removes only such files. */
static const char *const report_chart_prefixes[] = {"bars-", "latency-", "cpu-", "boot", "speedup"};

struct report_chart {
    struct plot_chart c;
    char about[640]; /* what the chart shows, under it in the reports */
    int scripted;    /* plots/<name>.gp was written */
    int drawn;       /* plots/<name>.<format> exists */
};

/* What problems did to the outcome: the exit code is the most serious one. */
enum report_trouble { REPORT_BAD_INPUT, REPORT_WRITE_FAILED, REPORT_DRAW_FAILED };

struct report_ctx {
    const char *dir;
    const char *format;
    char plots[PATH_MAX];
    struct sample_set samples;
    struct summary_set sum;
    struct table_view view;
    int have_samples;
    struct runfolder rf; /* its run.json is known when rf.run_err is RUNFOLDER_OK */
    char problems[REPORT_MAX_PROBLEMS][REPORT_PROBLEM_LEN];
    unsigned n_problems;
    unsigned n_more_problems;
    int bad_input;
    int write_failed;
    int draw_failed;
    int no_gnuplot;
    struct report_chart *charts;
    size_t n_charts;
    size_t cap_charts;
    char caption[640];
    struct report_pct *pct; /* pct_of_host.csv (host_baseline = yes), NULL if none */
    size_t n_pct;
};

/* One row of pct_of_host.csv: a device's median as a percentage of the bare host's. */
struct report_pct {
    char device[32], workload[32], metric[32];
    double pct, lo, hi;
};

static void report_problem(struct report_ctx *r, enum report_trouble t, const char *fmt, ...)
    PVB_PRINTF(3, 4);

/* Record a problem: said once on the terminal, listed again at the top of the reports. */
static void report_problem(struct report_ctx *r, enum report_trouble t, const char *fmt, ...)
{
    char msg[REPORT_PROBLEM_LEN];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    log_warn("%s", msg);
    if (t == REPORT_BAD_INPUT) {
        r->bad_input = 1;
    } else if (t == REPORT_WRITE_FAILED) {
        r->write_failed = 1;
    } else {
        r->draw_failed = 1;
    }
    if (r->n_problems < REPORT_MAX_PROBLEMS) {
        memcpy(r->problems[r->n_problems++], msg, sizeof(msg));
    } else {
        r->n_more_problems++;
    }
}

/* ---- escaping -------------------------------------------------------------------------------- */

void report_fput_html(FILE *out, const char *s)
{
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;

        switch (c) {
        case '&':
            fputs("&amp;", out);
            break;
        case '<':
            fputs("&lt;", out);
            break;
        case '>':
            fputs("&gt;", out);
            break;
        case '"':
            fputs("&quot;", out);
            break;
        case '\'':
            fputs("&#39;", out);
            break;
        default:
            fputc(c < 0x20 || c == 0x7f ? ' ' : c, out);
        }
    }
}

void report_fput_md(FILE *out, const char *s)
{
    const char *start = s;

    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        /* An underscore inside a word ("lat_p99_us") is no emphasis: left as it is. */
        int inword =
            c == '_' && s > start && isalnum((unsigned char)s[-1]) && isalnum((unsigned char)s[1]);

        if (strchr("|\\`*_[]<>", c) && !inword) {
            fputc('\\', out);
            fputc(c, out);
        } else {
            fputc(c < 0x20 || c == 0x7f ? ' ' : c, out);
        }
    }
}

/* A file name made of s: letters, digits, '-', '_' and '.', never starting with '.'. */
static void report_file_name(char *out, size_t outlen, const char *s)
{
    size_t o = 0;

    for (; *s && o + 1 < outlen; s++) {
        unsigned char c = (unsigned char)*s;
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '-' || c == '_' || (c == '.' && o > 0);

        out[o++] = ok ? (char)c : '_';
    }
    out[o] = '\0';
}

/* "blk" -> "block", "net" -> "network"; other kinds as they are (English: _() where shown). */
static const char *report_kind_label(const char *kind)
{
    if (strcmp(kind, "blk") == 0) {
        return N_("block");
    }
    if (strcmp(kind, "net") == 0) {
        return N_("network");
    }
    return kind;
}

/* ---- reading the run folder ------------------------------------------------------------------ */

static void report_read_samples(struct report_ctx *r)
{
    unsigned bad = r->rf.samples_bad;

    if (r->rf.samples_err != RUNFOLDER_OK) {
        report_problem(r, REPORT_BAD_INPUT, "%s (no samples: nothing to chart)",
                       r->rf.samples_msg);
        return;
    }
    /* The report owns the samples from here on. */
    r->samples = r->rf.samples;
    memset(&r->rf.samples, 0, sizeof(r->rf.samples));
    r->have_samples = 1;
    if (bad > 0) {
        report_problem(r, REPORT_BAD_INPUT, "%s (%u unreadable row%s left out)", r->rf.samples_msg,
                       bad, bad == 1 ? "" : "s");
    }
    if (r->samples.n == 0) {
        report_problem(r, REPORT_BAD_INPUT, "%s/samples.csv: no samples in the file", r->dir);
    }
}

static void report_read_run_json(struct report_ctx *r)
{
    if (r->rf.run_err != RUNFOLDER_OK) {
        report_problem(r, REPORT_BAD_INPUT, "%s (run metadata left out)", r->rf.run_msg);
    }
}

/* A text of run.json as the reports print it: control characters become blanks. */
static void report_text(const char *src, char *out, size_t outlen)
{
    snprintf(out, outlen, "%s", src);
    for (char *c = out; *c; c++) {
        if ((unsigned char)*c < 0x20 || *c == 0x7f) {
            *c = ' ';
        }
    }
}

static void report_meta(const struct report_ctx *r, const char *path, char *out, size_t outlen)
{
    report_text(runfolder_text(&r->rf, path), out, outlen);
}

/* The run's metadata as the reports show it: one table, one line per row. */
static const struct {
    const char *label;
    const char *path;
} report_meta_rows[] = {
    {"scenario", "scenario.name"},
    {"scenario file", "scenario.path"},
    {"run id", "run_id"},
    {"started", "start"},
    {"ended", "end"},
    {"accelerator", "accelerator.name"},
    {"why this accelerator", "accelerator.reason"},
    {"backend", "backend"},
    {"QEMU", "qemu_version"},
    {"QEMU binary", "qemu_binary"},
    {"guest kernel", "guest_kernel"},
    {"host", "host.hostname"},
    {"host CPU", "host.cpu_model"},
    {"host cores", "host.cores"},
    {"host kernel", "host.kernel"},
    {"pvbench", "pvbench_version"},
    {"git revision", "git_revision"},
};

/* Per configuration in run.json: the columns of the configurations table. */
static const char *const report_config_cols[] = {
    "config",      "host",         "device", "class",  "kind",   "machine",
    "qemu_device", "guest_driver", "net_peer", "status", "reason",
};

/* Per host in run.json's "hosts" (runs of pvbench that know hosts): the hosts table. */
static const struct {
    const char *label;
    const char *path;
} report_host_cols[] = {
    {"host", "label"},
    {"backend", "backend"},
    {"URI", "uri"},
    {"hostname (libvirt)", "hostname"},
    {"libvirt", "libvirt_version"},
    {"QEMU", "qemu_version"},
    {"accelerator", "accelerator.name"},
    {"guest image", "storage"},
    {"status", "status"},
    {"reason", "reason"},
};

/* Said under "How to read this" when the samples come from several hosts. */
static const char report_hosts_note[] =
    N_("This run measured the same scenario on several hosts: a configuration is a device on "
       "one host, named device@host, and every ratio compares a configuration with the first "
       "emulated device of the same kind on the same host, never across hosts.");

/* Said under "How to read this" when a NIC was measured against a peer guest (run.json). */
static const char report_peer_guest_note[] =
    N_("Some network interfaces were measured against a peer guest on their own host (a host "
       "reached only through libvirt; see net_peer in the configurations table), not against "
       "the harness's host peer: that guest's NIC and vCPU are part of those numbers, so "
       "compare them with the other NICs of that host only.");

/* 1 if a configuration of the run met a peer guest (net_peer "guest ..."). */
static int report_has_peer_guest(const struct report_ctx *r)
{
    for (size_t i = 0; i < r->rf.n_configs; i++) {
        if (strncmp(runfolder_config_text(&r->rf.configs[i], "net_peer"), "guest ", 6) == 0) {
            return 1;
        }
    }
    return 0;
}

/* The caption under every chart: accelerator, backend, QEMU and guest kernel, run. */
static void report_make_caption(struct report_ctx *r)
{
    char accel[32], why[80], backend[32], qemu[128], kernel[64], run_id[32], start[40];
    char cpu[64], cores[16];
    const char *q = qemu;

    report_meta(r, "accelerator.name", accel, sizeof(accel));
    report_meta(r, "accelerator.reason", why, sizeof(why));
    report_meta(r, "backend", backend, sizeof(backend));
    report_meta(r, "qemu_version", qemu, sizeof(qemu));
    report_meta(r, "guest_kernel", kernel, sizeof(kernel));
    report_meta(r, "run_id", run_id, sizeof(run_id));
    report_meta(r, "start", start, sizeof(start));
    report_meta(r, "host.cpu_model", cpu, sizeof(cpu));
    report_meta(r, "host.cores", cores, sizeof(cores));
    if (strncmp(q, "QEMU emulator version ", 22) == 0) {
        q += 22;
    }
    /* gnuplot gets plain ASCII: the separators are the only non-ASCII characters. */
    util_sanitize(accel);
    util_sanitize(why);
    util_sanitize(backend);
    util_sanitize(qemu);
    util_sanitize(kernel);
    util_sanitize(run_id);
    util_sanitize(start);
    util_sanitize(cpu);
    util_sanitize(cores);
    snprintf(r->caption, sizeof(r->caption),
             "accelerator: %s%s%s%s · backend: %s · run %s %s\n"
             "QEMU %s · guest kernel %s · host: %s, %s cores",
             accel[0] ? accel : "unknown", why[0] ? " (" : "", why, why[0] ? ")" : "",
             backend[0] ? backend : "unknown", run_id[0] ? run_id : "?", start,
             q[0] ? q : "unknown", kernel[0] ? kernel : "unknown", cpu[0] ? cpu : "?",
             cores[0] ? cores : "?");
}

/* ---- the numbers behind the charts ----------------------------------------------------------- */

/* Append one bar (or point) to a growing array. 0 or -1. */
static int report_grow(void **v, size_t *n, size_t *cap, size_t size)
{
    void *nv;
    size_t ncap;

    if (*n < *cap) {
        return 0;
    }
    ncap = *cap ? *cap * 2 : 16;
    nv = realloc(*v, ncap * size);
    if (!nv) {
        errno = ENOMEM;
        return -1;
    }
    *v = nv;
    *cap = ncap;
    return 0;
}

static const struct table_workload *report_workload(const struct table_view *v, const char *name)
{
    for (size_t i = 0; i < v->n_workloads; i++) {
        if (strcmp(v->workloads[i].name, name) == 0) {
            return &v->workloads[i];
        }
    }
    return NULL;
}

/*
 * "2.15×" ("2,15×" in Spanish), with " *" when the ratio's interval excludes 1; three
 * figures are enough above a chart's bar: "41667×", "12.5×".
 */
static void report_ratio_note(char *out, size_t outlen, const struct table_ratio *t)
{
    char num[32];
    int decimals = fabs(t->ratio) >= 99.5 ? 0 : fabs(t->ratio) >= 9.995 ? 1 : 2;

    snprintf(out, outlen, "%s×%s", i18n_num(num, sizeof(num), t->ratio, decimals),
             t->excludes_one ? " *" : "");
}

/* Fill a bar from a summary row; the caller sets group, sub and note. */
static void report_bar_from_row(struct plot_bar *b, const struct table_config *c,
                                const struct summary_row *row)
{
    memset(b, 0, sizeof(*b));
    snprintf(b->name, sizeof(b->name), "%s", c->config);
    snprintf(b->class_, sizeof(b->class_), "%s", c->class_);
    b->value = row->st.median;
    b->low = row->st.ci_low;
    b->high = row->st.ci_high;
    b->n = row->st.n;
}

int report_bars(const struct table_view *v, const struct sample_set *samples,
                const struct summary_set *sum, const char *const *workloads, size_t n_workloads,
                const char *metric, int keep_missing, struct plot_bar **out, size_t *n)
{
    struct plot_bar *bars = NULL;
    size_t nb = 0, cap = 0;

    for (size_t wi = 0; wi < n_workloads; wi++) {
        const struct table_workload *w = report_workload(v, workloads[wi]);

        if (!w) {
            continue;
        }
        for (size_t ci = 0; ci < v->n_configs; ci++) {
            const struct table_config *c = &v->configs[ci];
            const struct table_config *ref = table_view_reference_of(v, c);
            const struct summary_row *row = summary_find(sum, c->config, w->name, metric);
            struct table_ratio t;
            struct plot_bar *b;

            if (!table_config_is_kind(c, w->kind) || (!row && !keep_missing)) {
                continue;
            }
            if (report_grow((void **)&bars, &nb, &cap, sizeof(*bars)) < 0) {
                free(bars);
                return -1;
            }
            b = &bars[nb++];
            if (row) {
                report_bar_from_row(b, c, row);
            } else {
                memset(b, 0, sizeof(*b));
                snprintf(b->name, sizeof(b->name), "%s", c->config);
                snprintf(b->class_, sizeof(b->class_), "%s", c->class_);
                b->value = b->low = b->high = NAN; /* keeps its place: an empty row */
            }
            snprintf(b->group, sizeof(b->group), "%s", w->name);
            if (ref && ref != c &&
                table_ratio(samples, c->config, ref->config, w->name, metric, &t) == 0) {
                report_ratio_note(b->note, sizeof(b->note), &t);
            }
        }
    }
    *out = bars;
    *n = nb;
    return 0;
}

int report_speedup_bars(const struct table_view *v, const struct sample_set *samples,
                        struct plot_bar **out, size_t *n)
{
    struct plot_bar *bars = NULL;
    size_t nb = 0, cap = 0;

    for (size_t wi = 0; wi < v->n_workloads; wi++) {
        const struct table_workload *w = &v->workloads[wi];
        const struct metric *m = metric_find(w->metric);
        int lower_better = m && m->dir == METRIC_LOWER_BETTER;

        for (size_t ci = 0; ci < v->n_configs; ci++) {
            const struct table_config *c = &v->configs[ci];
            /* Within the configuration's own host (a run of several hosts). */
            const struct table_config *ref = table_view_reference_of(v, c);
            struct table_ratio t;
            struct plot_bar *b;
            int rc;

            if (!ref || c == ref || !table_config_is_kind(c, w->kind)) {
                continue;
            }
            /* "Better" is up: for latency the reference's median over this one's. */
            rc = lower_better
                     ? table_ratio(samples, ref->config, c->config, w->name, w->metric, &t)
                     : table_ratio(samples, c->config, ref->config, w->name, w->metric, &t);
            if (rc < 0) {
                continue;
            }
            if (report_grow((void **)&bars, &nb, &cap, sizeof(*bars)) < 0) {
                free(bars);
                return -1;
            }
            b = &bars[nb++];
            memset(b, 0, sizeof(*b));
            snprintf(b->group, sizeof(b->group), "%s", w->name);
            snprintf(b->sub, sizeof(b->sub), "%s%s", lower_better ? "1/" : "", w->metric);
            snprintf(b->name, sizeof(b->name), "%s", c->config);
            snprintf(b->class_, sizeof(b->class_), "%s",
                     t.excludes_one ? c->class_ : "within noise");
            b->value = t.ratio;
            b->low = t.low;
            b->high = t.high;
            b->n = t.n_min;
            report_ratio_note(b->note, sizeof(b->note), &t);
        }
    }
    *out = bars;
    *n = nb;
    return 0;
}

int report_boot_bars(const struct table_view *v, const struct sample_set *samples,
                     const struct summary_set *sum, struct plot_bar **out, size_t *n)
{
    struct plot_bar *bars = NULL;
    size_t nb = 0, cap = 0;

    /* Grouped by kind, kinds in the order their first configuration appears. */
    for (size_t ki = 0; ki < v->n_configs; ki++) {
        const char *kind = v->configs[ki].kind;
        int first = 1;

        for (size_t j = 0; j < ki && first; j++) {
            first = strcmp(v->configs[j].kind, kind) != 0;
        }
        if (!first) {
            continue;
        }
        for (size_t ci = ki; ci < v->n_configs; ci++) {
            const struct table_config *c = &v->configs[ci];
            const struct table_config *ref = table_view_reference_of(v, c);

            if (strcmp(c->kind, kind) != 0) {
                continue;
            }
            for (size_t i = 0; i < sum->n; i++) {
                const struct summary_row *row = &sum->v[i];
                struct table_ratio t;
                struct plot_bar *b;

                if (strcmp(row->config, c->config) != 0 ||
                    strcmp(row->metric, TABLE_BOOT_METRIC) != 0) {
                    continue;
                }
                if (report_grow((void **)&bars, &nb, &cap, sizeof(*bars)) < 0) {
                    free(bars);
                    return -1;
                }
                b = &bars[nb++];
                report_bar_from_row(b, c, row);
                snprintf(b->group, sizeof(b->group), _("%s devices"), _(report_kind_label(kind)));
                if (ref && ref != c &&
                    table_ratio(samples, c->config, ref->config, row->workload, TABLE_BOOT_METRIC,
                                &t) == 0) {
                    report_ratio_note(b->note, sizeof(b->note), &t);
                }
                break; /* one boot per configuration */
            }
        }
    }
    *out = bars;
    *n = nb;
    return 0;
}

int report_percentile_label(const char *metric, char *out, size_t outlen)
{
    const char *p;
    size_t digits;

    if (strncmp(metric, "lat_p", 5) != 0) {
        return -1;
    }
    p = metric + 5;
    digits = strspn(p, "0123456789");
    if (digits < 2 || strcmp(p + digits, "_us") != 0) {
        return -1;
    }
    /* Two digits are a whole percentile; more digits are its decimals: 999 is 99.9. */
    snprintf(out, outlen, "p%.2s%s%.*s", p, digits > 2 ? "." : "", (int)(digits - 2), p + 2);
    return 0;
}

int report_latency_points(const struct table_view *v, const struct summary_set *sum,
                          const char *workload, struct plot_point **out, size_t *n)
{
    struct plot_point *pts = NULL;
    size_t np = 0, cap = 0;
    const struct metric *m;
    char label[16];

    for (size_t ci = 0; ci < v->n_configs; ci++) {
        const struct table_config *c = &v->configs[ci];

        /* Percentiles in the metric table's order: p50, p90, p99, p99.9. */
        for (unsigned mi = 0; (m = metric_at(mi)) != NULL; mi++) {
            const struct summary_row *row = summary_find(sum, c->config, workload, m->name);
            struct plot_point *pt;

            if (!row || report_percentile_label(m->name, label, sizeof(label)) < 0) {
                continue;
            }
            if (report_grow((void **)&pts, &np, &cap, sizeof(*pts)) < 0) {
                free(pts);
                return -1;
            }
            pt = &pts[np++];
            memset(pt, 0, sizeof(*pt));
            snprintf(pt->series, sizeof(pt->series), "%s", c->config);
            snprintf(pt->class_, sizeof(pt->class_), "%s", c->class_);
            snprintf(pt->x, sizeof(pt->x), "%s", label);
            pt->value = row->st.median;
            pt->low = row->st.ci_low;
            pt->high = row->st.ci_high;
        }
    }
    *out = pts;
    *n = np;
    return 0;
}

/* ---- planning and drawing the charts --------------------------------------------------------- */

static int report_chart_exists(const struct report_ctx *r, const char *name)
{
    for (size_t i = 0; i < r->n_charts; i++) {
        if (strcmp(r->charts[i].c.name, name) == 0) {
            return 1;
        }
    }
    return 0;
}

/* A new chart with a unique file name made of base; NULL when out of memory. */
static struct report_chart *report_add_chart(struct report_ctx *r, const char *base,
                                             const char *tmpl, unsigned height)
{
    struct report_chart *ch;
    char name[sizeof(ch->c.name)], clean[sizeof(ch->c.name) - 8];
    unsigned dup = 1;

    if (report_grow((void **)&r->charts, &r->n_charts, &r->cap_charts, sizeof(*r->charts)) < 0) {
        report_problem(r, REPORT_WRITE_FAILED, "out of memory planning the charts");
        return NULL;
    }
    report_file_name(clean, sizeof(clean), base);
    snprintf(name, sizeof(name), "%s", clean);
    while (report_chart_exists(r, name)) {
        snprintf(name, sizeof(name), "%s-%u", clean, ++dup);
    }
    ch = &r->charts[r->n_charts++];
    memset(ch, 0, sizeof(*ch));
    snprintf(ch->c.name, sizeof(ch->c.name), "%s", name);
    snprintf(ch->c.tmpl, sizeof(ch->c.tmpl), "%s", tmpl);
    snprintf(ch->c.data[0], sizeof(ch->c.data[0]), "%s.dat", name);
    snprintf(ch->c.data[1], sizeof(ch->c.data[1]), "%s.dat", name);
    ch->c.width = PLOT_WIDTH;
    ch->c.height = height;
    return ch;
}

/* y-axis title of a metric: "IOPS" style units alone, else "metric (unit)". */
static void report_axis_title(const char *metric, char *out, size_t outlen)
{
    const struct metric *m = metric_find(metric);
    char label[96], unit[32];

    metric_label_i18n(metric, NULL, label, sizeof(label));
    metric_unit_i18n(metric, NULL, unit, sizeof(unit));
    if (!m) {
        snprintf(out, outlen, "%s", metric);
    } else if (strcmp(m->unit, "IOPS") == 0) {
        snprintf(out, outlen, "%s", _("I/O operations per second (IOPS)"));
    } else {
        snprintf(out, outlen, "%s (%s)", label, unit);
    }
}

static int report_write_bars_file(struct report_ctx *r, struct report_chart *ch, int which,
                                  const char *what, const struct plot_bar *bars, size_t n)
{
    char path[PATH_MAX + 96];

    snprintf(path, sizeof(path), "%s/%s", r->plots, ch->c.data[which]);
    if (plot_write_bars(path, what, bars, n) < 0) {
        report_problem(r, REPORT_WRITE_FAILED, "%s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* Height of a chart of horizontal bars: it grows with the bars and their groups. */
static unsigned report_rows_height(const struct plot_bar *bars, size_t nb)
{
    unsigned groups = 0, h;

    for (size_t i = 0; i < nb; i++) {
        groups += i == 0 || strcmp(bars[i].group, bars[i - 1].group) != 0;
    }
    h = REPORT_ROWS_BASE + REPORT_ROW_HEIGHT * (unsigned)nb + REPORT_GROUP_GAP * groups;
    return h < REPORT_ROWS_MIN ? REPORT_ROWS_MIN : h;
}

/* Characters of UTF-8 text: its bytes that do not continue a character. */
static size_t report_utf8_len(const char *s)
{
    size_t n = 0;

    for (; *s; s++) {
        n += ((unsigned char)*s & 0xC0) != 0x80;
    }
    return n;
}

/*
 * A chart of vertical bars: PLOT_WIDTH wide, or wider so that each bar keeps
 * REPORT_BAR_SLOT pixels (bars.gp's gaps: 0.7 of a bar between groups, 0.7 at each end, 130
 * pixels of margins); height, or taller when long bar names stand turned under the axis.
 */
static void report_bars_size(struct report_chart *ch, const struct plot_bar *bars, size_t nb,
                             unsigned height)
{
    size_t groups = 0, longest = 0, len;
    double w;

    for (size_t i = 0; i < nb; i++) {
        groups += i == 0 || strcmp(bars[i].group, bars[i - 1].group) != 0 ||
                  strcmp(bars[i].sub, bars[i - 1].sub) != 0;
        len = report_utf8_len(bars[i].name);
        longest = len > longest ? len : longest;
    }
    w = 130.0 + REPORT_BAR_SLOT * ((double)nb + 0.7 * (double)(groups ? groups - 1 : 0) + 1.4);
    if (w > REPORT_BARS_MAX_WIDTH) {
        w = REPORT_BARS_MAX_WIDTH;
    }
    ch->c.width = w > PLOT_WIDTH ? (unsigned)w : PLOT_WIDTH;
    ch->c.height = height + (longest > 12 ? REPORT_BAR_NAME_DEPTH * (unsigned)(longest - 12) : 0);
}

/* Chart 1: per (kind, metric), the workloads measured by it as groups of bars. */
static void report_plan_bars(struct report_ctx *r)
{
    const struct table_view *v = &r->view;
    const char **names = calloc(v->n_workloads + 1, sizeof(*names));

    if (!names) {
        report_problem(r, REPORT_WRITE_FAILED, "out of memory planning the charts");
        return;
    }
    for (size_t i = 0; i < v->n_workloads; i++) {
        const struct table_workload *w = &v->workloads[i];
        const struct table_config *ref = table_view_reference(v, w->kind);
        const struct metric *m = metric_find(w->metric);
        struct report_chart *ch;
        struct plot_bar *bars = NULL;
        const char *rw = w->rw[0] ? w->rw : w->name;
        char base[96], what[160], list[256] = "", label[96], unit[32];
        size_t nw = 0, nb = 0;
        int seen = 0;

        for (size_t j = 0; j < i && !seen; j++) {
            seen = strcmp(v->workloads[j].kind, w->kind) == 0 &&
                   strcmp(v->workloads[j].metric, w->metric) == 0;
        }
        if (seen) {
            continue; /* drawn with the first workload of this kind and metric */
        }
        for (size_t j = i; j < v->n_workloads; j++) {
            if (strcmp(v->workloads[j].kind, w->kind) == 0 &&
                strcmp(v->workloads[j].metric, w->metric) == 0) {
                names[nw++] = v->workloads[j].name;
                snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
                         nw > 1 ? ", " : "", v->workloads[j].name);
            }
        }
        if (report_bars(v, &r->samples, &r->sum, names, nw, w->metric, 0, &bars, &nb) < 0) {
            report_problem(r, REPORT_WRITE_FAILED, "out of memory planning the charts");
            break;
        }
        snprintf(base, sizeof(base), "bars-%s-%s", w->kind, w->metric);
        ch = nb ? report_add_chart(r, base, "bars", REPORT_BAR_HEIGHT) : NULL;
        if (ch) {
            report_bars_size(ch, bars, nb, REPORT_BAR_HEIGHT);
            snprintf(ch->c.title, sizeof(ch->c.title),
                     _("%s, %s devices: median and 95%% interval"),
                     metric_label_i18n(w->metric, rw, label, sizeof(label)),
                     _(report_kind_label(w->kind)));
            report_axis_title(w->metric, ch->c.ylabel, sizeof(ch->c.ylabel));
            snprintf(ch->about, sizeof(ch->about),
                     "%s (%s, %s in samples.csv) of each %s configuration in workload%s %s: "
                     "bar = median over the repetitions, error bar = its bootstrap 95%% "
                     "interval. Above each bar: its ratio to %s (* = the interval of the ratio "
                     "excludes 1). %s is better.",
                     label, metric_unit_i18n(w->metric, rw, unit, sizeof(unit)), w->metric,
                     report_kind_label(w->kind), nw > 1 ? "s" : "",
                     list,
                     table_view_hosts(v) > 1 ? "the first emulated device of its host"
                     : ref                   ? ref->config
                                             : "the emulated device",
                     m && m->dir == METRIC_LOWER_BETTER ? "Lower" : "Higher");
            snprintf(what, sizeof(what), "%s of %s devices per workload", w->metric, w->kind);
            report_write_bars_file(r, ch, 0, what, bars, nb);
        }
        free(bars);
    }
    free(names);
}

/* Chart 2: latency percentiles, one chart per workload that has them. */
static void report_plan_latency(struct report_ctx *r)
{
    for (size_t i = 0; i < r->view.n_workloads; i++) {
        const struct table_workload *w = &r->view.workloads[i];
        struct report_chart *ch;
        struct plot_point *pts = NULL;
        char base[96], path[PATH_MAX + 96], what[128];
        size_t np = 0;

        if (report_latency_points(&r->view, &r->sum, w->name, &pts, &np) < 0) {
            report_problem(r, REPORT_WRITE_FAILED, "out of memory planning the charts");
            return;
        }
        snprintf(base, sizeof(base), "latency-%s", w->name);
        ch = np ? report_add_chart(r, base, "latency", REPORT_LATENCY_HEIGHT) : NULL;
        if (ch) {
            snprintf(ch->c.title, sizeof(ch->c.title), _("Latency percentiles, workload %s"),
                     w->name);
            snprintf(ch->c.ylabel, sizeof(ch->c.ylabel), "%s",
                     _("latency of one operation (µs, log)"));
            snprintf(ch->about, sizeof(ch->about),
                     "Latency percentiles of workload %s (p50 to p99.9, as measured by the agent "
                     "in the guest), one line per configuration, logarithmic scale: each point "
                     "is the median over the repetitions with its 95%% interval. Lower is better;"
                     " a steep rise towards p99.9 means a long tail.",
                     w->name);
            snprintf(what, sizeof(what), "latency percentiles of workload %s", w->name);
            snprintf(path, sizeof(path), "%s/%s", r->plots, ch->c.data[0]);
            if (plot_write_points(path, what, pts, np) < 0) {
                report_problem(r, REPORT_WRITE_FAILED, "%s: %s", path, strerror(errno));
            }
        }
        free(pts);
    }
}

/* Chart 3: host and guest CPU per operation, one chart (two panels) per kind. */
static void report_plan_cpu(struct report_ctx *r)
{
    static const char *const metrics[2] = {"host_cpu_us_per_op", "guest_cpu_us_per_op"};
    const struct table_view *v = &r->view;
    const char **names = calloc(v->n_workloads + 1, sizeof(*names));

    if (!names) {
        report_problem(r, REPORT_WRITE_FAILED, "out of memory planning the charts");
        return;
    }
    for (size_t i = 0; i < v->n_workloads; i++) {
        const char *kind = v->workloads[i].kind;
        struct plot_bar *bars[2] = {NULL, NULL};
        size_t nb[2] = {0, 0}, nw = 0;
        struct report_chart *ch;
        char base[64], what[128];
        int seen = 0;

        for (size_t j = 0; j < i && !seen; j++) {
            seen = strcmp(v->workloads[j].kind, kind) == 0;
        }
        if (seen) {
            continue;
        }
        for (size_t j = i; j < v->n_workloads; j++) {
            if (strcmp(v->workloads[j].kind, kind) == 0) {
                names[nw++] = v->workloads[j].name;
            }
        }
        if (report_bars(v, &r->samples, &r->sum, names, nw, metrics[0], 0, &bars[0], &nb[0]) < 0 ||
            report_bars(v, &r->samples, &r->sum, names, nw, metrics[1], 0, &bars[1], &nb[1]) < 0) {
            report_problem(r, REPORT_WRITE_FAILED, "out of memory planning the charts");
            free(bars[0]);
            break;
        }
        snprintf(base, sizeof(base), "cpu-%s", kind);
        if (nb[0] && nb[1]) {
            /* Both panels share their rows: the same bars, a gap where one is missing. */
            free(bars[0]);
            free(bars[1]);
            bars[0] = bars[1] = NULL;
            if (report_bars(v, &r->samples, &r->sum, names, nw, metrics[0], 1, &bars[0], &nb[0]) <
                    0 ||
                report_bars(v, &r->samples, &r->sum, names, nw, metrics[1], 1, &bars[1], &nb[1]) <
                    0) {
                report_problem(r, REPORT_WRITE_FAILED, "out of memory planning the charts");
                free(bars[0]);
                break;
            }
            ch = report_add_chart(r, base, "cpu", report_rows_height(bars[0], nb[0]));
        } else {
            /* Only one of the two measured: an ordinary bar chart of it. */
            ch = nb[0] || nb[1] ? report_add_chart(r, base, "bars", REPORT_BAR_HEIGHT) : NULL;
            if (ch) {
                report_bars_size(ch, nb[0] ? bars[0] : bars[1], nb[0] ? nb[0] : nb[1],
                                 REPORT_BAR_HEIGHT);
            }
        }
        if (ch) {
            if (nb[0] && nb[1]) {
                snprintf(ch->c.data[0], sizeof(ch->c.data[0]), "%s-host.dat", ch->c.name);
                snprintf(ch->c.data[1], sizeof(ch->c.data[1]), "%s-guest.dat", ch->c.name);
            }
            /* TRANSLATORS: "operation" or "Mbit or transaction", then "block" or "network" */
            snprintf(ch->c.title, sizeof(ch->c.title), _("CPU time per %s, %s devices%s"),
                     strcmp(kind, "net") == 0 ? _("Mbit or transaction") : _("operation"),
                     _(report_kind_label(kind)),
                     nb[0] && nb[1] ? "" : (nb[0] ? _(" (host)") : _(" (guest)")));
            snprintf(ch->c.ylabel, sizeof(ch->c.ylabel), "%s (µs)",
                     strcmp(kind, "net") == 0
                         ? _("CPU time per Mbit (streams), per transaction or datagram")
                         : _("CPU time per operation"));
            snprintf(ch->about, sizeof(ch->about),
                     "The cost of emulation: CPU time per I/O operation of the QEMU process on "
                     "the host%s and busy guest CPU time per operation%s, per %s workload and "
                     "configuration; median with 95%% interval; above each bar its ratio to "
                     "the emulated device. Lower is better. Under TCG the host time includes "
                     "running the guest's own instructions.",
                     nb[0] && nb[1] ? " (left)" : (nb[0] ? "" : " (not measured)"),
                     nb[0] && nb[1] ? " (right)" : (nb[1] ? "" : " (not measured)"),
                     report_kind_label(kind));
            for (int k = 0; k < 2; k++) {
                if (nb[k]) {
                    snprintf(what, sizeof(what), "%s of %s devices per workload", metrics[k], kind);
                    report_write_bars_file(r, ch, nb[0] && nb[1] ? k : 0, what, bars[k], nb[k]);
                }
            }
        }
        free(bars[0]);
        free(bars[1]);
    }
    free(names);
}

/* Chart 4: boot-to-ready per configuration. */
static void report_plan_boot(struct report_ctx *r)
{
    struct plot_bar *bars = NULL;
    struct report_chart *ch;
    size_t nb = 0;

    if (report_boot_bars(&r->view, &r->samples, &r->sum, &bars, &nb) < 0) {
        report_problem(r, REPORT_WRITE_FAILED, "out of memory planning the charts");
        return;
    }
    ch = nb ? report_add_chart(r, "boot", "bars", REPORT_BOOT_HEIGHT) : NULL;
    if (ch) {
        report_bars_size(ch, bars, nb, REPORT_BOOT_HEIGHT);
        snprintf(ch->c.title, sizeof(ch->c.title), "%s",
                 _("Boot to ready: from starting QEMU to the agent's READY"));
        snprintf(ch->c.ylabel, sizeof(ch->c.ylabel), "%s", _("boot to ready (s)"));
        snprintf(ch->about, sizeof(ch->about),
                 "Time from starting the guest to the agent's READY message, per configuration "
                 "(median and 95%% interval over the boots; one boot per configuration gives "
                 "no interval). Every configuration boots the same kernel and initramfs, so "
                 "differences come from probing the device under test. Lower is better.");
        report_write_bars_file(r, ch, 0, "boot to ready per configuration", bars, nb);
    }
    free(bars);
}

/* Chart 5: speed-up of every configuration over its kind's emulated reference. */
static void report_plan_speedup(struct report_ctx *r)
{
    struct plot_bar *bars = NULL;
    struct report_chart *ch;
    size_t nb = 0;

    if (report_speedup_bars(&r->view, &r->samples, &bars, &nb) < 0) {
        report_problem(r, REPORT_WRITE_FAILED, "out of memory planning the charts");
        return;
    }
    ch = nb ? report_add_chart(r, "speedup", "speedup", report_rows_height(bars, nb)) : NULL;
    if (ch) {
        snprintf(ch->c.title, sizeof(ch->c.title), "%s",
                 _("Speed-up over the emulated device, per workload"));
        snprintf(ch->c.ylabel, sizeof(ch->c.ylabel), "%s",
                 _("times better than the emulated device (log scale)"));
        snprintf(
            ch->about, sizeof(ch->about),
            "One bar per workload and device: how many times better it does than the "
            "first emulated device of its kind on the workload's metric (named under the "
            "workload) — the ratio of medians, inverted for latency (1/metric) so that "
            "right of 1 is always better — with the bootstrap 95%% interval of the ratio, on a "
            "log scale. Grey bars: the interval holds 1, this run cannot tell the "
            "devices apart.");
        report_write_bars_file(r, ch, 0, "speed-up over the emulated reference", bars, nb);
    }
    free(bars);
}

/* Is name one of the files a chart writes (prefix and extension)? */
static int report_is_chart_file(const char *name, int images)
{
    const char *dot = strrchr(name, '.');
    int prefix = 0;

    for (size_t i = 0; i < sizeof(report_chart_prefixes) / sizeof(report_chart_prefixes[0]); i++) {
        prefix |= strncmp(name, report_chart_prefixes[i], strlen(report_chart_prefixes[i])) == 0;
    }
    if (!prefix || !dot) {
        return 0;
    }
    if (strcmp(dot, ".png") == 0 || strcmp(dot, ".svg") == 0) {
        return images;
    }
    return strcmp(dot, ".dat") == 0 || strcmp(dot, ".gp") == 0 || strcmp(dot, ".log") == 0;
}

/* Remove what an earlier report left in plots/ (images only when they will be redrawn). */
static void report_clean_plots(struct report_ctx *r, int images)
{
    char path[PATH_MAX + 300];
    DIR *d = opendir(r->plots);
    struct dirent *e;

    if (!d) {
        return;
    }
    while ((e = readdir(d)) != NULL) {
        if (e->d_type != DT_REG && e->d_type != DT_UNKNOWN) {
            continue;
        }
        if (report_is_chart_file(e->d_name, images)) {
            snprintf(path, sizeof(path), "%s/%s", r->plots, e->d_name);
            unlink(path);
        }
    }
    closedir(d);
}

/* Scripts for every chart, then gnuplot on each (when there is one). */
static void report_draw(struct report_ctx *r)
{
    char tmpl_dir[PATH_MAX], err[512], script[96], image[PATH_MAX + 128];
    struct stat st;

    plot_template_dir(tmpl_dir, sizeof(tmpl_dir));
    for (size_t i = 0; i < r->n_charts; i++) {
        struct report_chart *ch = &r->charts[i];

        if (plot_write_script(tmpl_dir, r->plots, &ch->c, r->format, r->caption, err, sizeof(err)) <
            0) {
            report_problem(r, REPORT_WRITE_FAILED, "%s", err);
            continue;
        }
        ch->scripted = 1;
        snprintf(script, sizeof(script), "%s.gp", ch->c.name);
        if (!r->no_gnuplot &&
            plot_run_gnuplot(r->plots, script, PLOT_GNUPLOT_TIMEOUT_S, err, sizeof(err)) < 0) {
            report_problem(r, REPORT_DRAW_FAILED, "%s", err);
        }
        snprintf(image, sizeof(image), "%s/%s.%s", r->plots, ch->c.name, r->format);
        ch->drawn = stat(image, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0;
    }
}

/* ---- report.html and report.md --------------------------------------------------------------- */

/* ---- sections written alike into report.html and report.md ------------------------------- */

enum report_fmt { REPORT_HTML, REPORT_MD };

static void report_fput(FILE *f, enum report_fmt fmt, const char *s)
{
    if (fmt == REPORT_HTML) {
        report_fput_html(f, s);
    } else {
        report_fput_md(f, s);
    }
}

/* A heading of level 2 or 3 (id: the HTML anchor, NULL for none) and a paragraph. */
static void report_heading(FILE *f, enum report_fmt fmt, int level, const char *id,
                           const char *text)
{
    if (fmt == REPORT_HTML) {
        fprintf(f, id ? "<h%d id=\"%s\">" : "<h%d>", level, id);
        report_fput_html(f, text);
        fprintf(f, "</h%d>\n", level);
    } else {
        fprintf(f, "\n%s ", level == 2 ? "##" : "###");
        report_fput_md(f, text);
        fputs("\n\n", f);
    }
}

static void report_para(FILE *f, enum report_fmt fmt, const char *text)
{
    fputs(fmt == REPORT_HTML ? "<p>" : "", f);
    report_fput(f, fmt, text);
    fputs(fmt == REPORT_HTML ? "</p>\n" : "\n\n", f);
}

/*
 * A table of n columns: its head, rows of n cells (tr_class: the HTML row's class, or NULL)
 * and its end. num[c]: column c holds numbers (right-aligned).
 */
static void report_table_head(FILE *f, enum report_fmt fmt, const char *table_class,
                              const char *const *head, const bool *num, size_t n)
{
    if (fmt == REPORT_HTML) {
        fprintf(f, table_class ? "<table class=\"%s\">\n" : "<table>\n", table_class);
        if (!head[0][0]) {
            return; /* a table of name, value rows: no head in HTML */
        }
        fputs("<tr>", f);
        for (size_t c = 0; c < n; c++) {
            fputs("<th>", f);
            report_fput_html(f, head[c]);
            fputs("</th>", f);
        }
        fputs("</tr>\n", f);
        return;
    }
    fputs("|", f);
    for (size_t c = 0; c < n; c++) {
        fputs(" ", f);
        report_fput_md(f, head[c]);
        fputs(" |", f);
    }
    fputs("\n|", f);
    for (size_t c = 0; c < n; c++) {
        fputs(num[c] ? "---:|" : "---|", f);
    }
    fputs("\n", f);
}

static void report_table_row(FILE *f, enum report_fmt fmt, const char *tr_class,
                             const char *const *cells, const bool *num, size_t n)
{
    if (fmt == REPORT_HTML) {
        fprintf(f, tr_class ? "<tr class=\"%s\">" : "<tr>", tr_class);
        for (size_t c = 0; c < n; c++) {
            fputs(num[c] ? "<td class=\"num\">" : "<td>", f);
            report_fput_html(f, cells[c]);
            fputs("</td>", f);
        }
        fputs("</tr>\n", f);
        return;
    }
    fputs("|", f);
    for (size_t c = 0; c < n; c++) {
        fputs(" ", f);
        report_fput_md(f, cells[c]);
        fputs(" |", f);
    }
    fputs("\n", f);
}

static void report_table_end(FILE *f, enum report_fmt fmt)
{
    fputs(fmt == REPORT_HTML ? "</table>\n" : "\n", f);
}

#define REPORT_HOST_COLS (sizeof(report_host_cols) / sizeof(report_host_cols[0]))

/* run.json's "hosts" as a table (absent in runs made before pvbench knew hosts). */
static void report_hosts(const struct report_ctx *r, FILE *f, enum report_fmt fmt)
{
    const char *head[REPORT_HOST_COLS], *cells[REPORT_HOST_COLS];
    char val[REPORT_HOST_COLS][512], status[32];
    bool num[REPORT_HOST_COLS] = {false};

    if (r->rf.n_hosts == 0) {
        return;
    }
    report_heading(f, fmt, 3, NULL, "Hosts");
    for (size_t c = 0; c < REPORT_HOST_COLS; c++) {
        head[c] = report_host_cols[c].label;
        cells[c] = val[c];
    }
    report_table_head(f, fmt, "configs", head, num, REPORT_HOST_COLS);
    for (size_t i = 0; i < r->rf.n_hosts; i++) {
        const struct runfolder_host *h = &r->rf.hosts[i];

        for (size_t c = 0; c < REPORT_HOST_COLS; c++) {
            report_text(runfolder_host_text(h, report_host_cols[c].path), val[c], sizeof(val[c]));
        }
        report_text(h->status, status, sizeof(status));
        report_table_row(f, fmt, strcmp(status, "failed") == 0 ? "bad" : "ok", cells, num,
                         REPORT_HOST_COLS);
    }
    report_table_end(f, fmt);
}

#define REPORT_META_ROWS (sizeof(report_meta_rows) / sizeof(report_meta_rows[0]))
#define REPORT_CONFIG_COLS (sizeof(report_config_cols) / sizeof(report_config_cols[0]))

/* The run from run.json: what, where, how; its configurations and hosts. */
static void report_run(const struct report_ctx *r, FILE *f, enum report_fmt fmt)
{
    static const char *const kv_head[] = {"", ""};
    static const bool kv_num[] = {false, false};
    bool num[REPORT_CONFIG_COLS] = {false};
    char val[REPORT_CONFIG_COLS][512], status[32];
    const char *cells[REPORT_CONFIG_COLS];

    report_heading(f, fmt, 2, "run", "Run");
    if (r->rf.run_err != RUNFOLDER_OK) {
        report_para(f, fmt, "run.json could not be read: the run's metadata is unknown.");
        return;
    }
    report_table_head(f, fmt, "meta", kv_head, kv_num, 2);
    for (size_t i = 0; i < REPORT_META_ROWS; i++) {
        report_meta(r, report_meta_rows[i].path, val[1], sizeof(val[1]));
        cells[0] = report_meta_rows[i].label;
        cells[1] = val[1][0] ? val[1] : "unknown";
        report_table_row(f, fmt, NULL, cells, kv_num, 2);
    }
    report_table_end(f, fmt);
    if (r->rf.n_configs > 0) {
        report_heading(f, fmt, 3, NULL, "Configurations");
        report_table_head(f, fmt, "configs", report_config_cols, num, REPORT_CONFIG_COLS);
        for (size_t c = 0; c < REPORT_CONFIG_COLS; c++) {
            cells[c] = val[c];
        }
        for (size_t i = 0; i < r->rf.n_configs; i++) {
            const struct runfolder_config *cfg = &r->rf.configs[i];

            for (size_t c = 0; c < REPORT_CONFIG_COLS; c++) {
                report_text(runfolder_config_text(cfg, report_config_cols[c]), val[c],
                            sizeof(val[c]));
            }
            report_text(cfg->status, status, sizeof(status));
            report_table_row(f, fmt, strcmp(status, "ok") == 0 ? "ok" : "bad", cells, num,
                             REPORT_CONFIG_COLS);
        }
        report_table_end(f, fmt);
    }
    report_hosts(r, f, fmt);
}

/* The side-by-side table of a run of both backends as the terminal shows it; NULL if none. */
static char *report_backends_text(const struct report_ctx *r)
{
    char *text = NULL;
    size_t len = 0, pairs;
    FILE *mf = open_memstream(&text, &len);

    if (!mf) {
        return NULL;
    }
    pairs = table_print_backends_of_view(mf, &r->view, &r->samples, &r->sum);
    if (fclose(mf) != 0 || pairs == 0) {
        free(text);
        return NULL;
    }
    return text;
}

/* --backend qemu,libvirt: the side-by-side table, preformatted. */
static void report_backends(const struct report_ctx *r, FILE *f, enum report_fmt fmt)
{
    char *text = report_backends_text(r);
    char *line, *nl;

    if (!text) {
        return;
    }
    report_heading(f, fmt, 2, "backends", "Backends side by side");
    report_para(f, fmt,
                "Every configuration ran through both backends in this run (--backend "
                "qemu,libvirt), job after job. Each median with its 95% interval, the ratio "
                "libvirt / qemu with its interval (* when it excludes 1), and whether each median "
                "lies inside the other's interval; boot_to_ready_s is define-to-agent-ready.");
    fputs(fmt == REPORT_HTML ? "<pre>" : "```\n", f);
    for (line = text + strspn(text, "\n"); *line; line = nl + 1) {
        nl = strchr(line, '\n');
        if (nl) {
            *nl = '\0';
        }
        /* report_fput_html turns control characters, newlines too, into spaces. */
        if (fmt == REPORT_HTML) {
            report_fput_html(f, line);
        } else {
            fputs(line, f);
        }
        fputc('\n', f);
        if (!nl) {
            break;
        }
    }
    fputs(fmt == REPORT_HTML ? "</pre>\n" : "```\n\n", f);
    free(text);
}

/* The share of the bare host each device reaches (host_baseline = yes). */
static void report_pct(const struct report_ctx *r, FILE *f, enum report_fmt fmt)
{
    static const char *const head[] = {"workload", "device", "metric", "% of host",
                                       "95% interval"};
    static const bool num[] = {false, false, false, true, true};
    char pct[32], ival[48], label[128];
    const char *cells[5];

    if (!r->n_pct) {
        return;
    }
    report_heading(f, fmt, 2, "host", "Share of the bare host");
    report_para(f, fmt,
                "The same block jobs run with fio on the host against a scratch file on the same "
                "filesystem (O_DIRECT); the same network jobs run from the agent as a host "
                "process in a network namespace of its own, against the same host peer; the "
                "host's jobs go between the guests'. Each device's median as a percentage of the "
                "host's, with its 95% interval.");
    report_table_head(f, fmt, NULL, head, num, 5);
    for (size_t i = 0; i < r->n_pct; i++) {
        const struct report_pct *p = &r->pct[i];

        snprintf(pct, sizeof(pct), "%.1f%%", p->pct);
        snprintf(ival, sizeof(ival), "%.1f .. %.1f", p->lo, p->hi);
        cells[0] = p->workload;
        cells[1] = p->device;
        cells[2] = metric_label_i18n(p->metric, table_view_rw(&r->view, p->workload), label,
                                     sizeof(label));
        cells[3] = pct;
        cells[4] = ival;
        report_table_row(f, fmt, NULL, cells, num, 5);
    }
    report_table_end(f, fmt);
}

/* The metrics shown per workload in the summary table: its own, then the CPU costs. */
static size_t report_headline_metrics(const struct table_workload *w, const char **out)
{
    size_t n = 0;

    out[n++] = w->metric;
    if (strcmp(w->metric, "host_cpu_us_per_op") != 0) {
        out[n++] = "host_cpu_us_per_op";
    }
    if (strcmp(w->metric, "guest_cpu_us_per_op") != 0) {
        out[n++] = "guest_cpu_us_per_op";
    }
    return n;
}

/* CSS class of a ratio mark. */
static const char *report_mark_class(const char *mark)
{
    if (strstr(mark, "better")) {
        return "better";
    }
    if (strstr(mark, "worse")) {
        return "worse";
    }
    return mark[0] == '*' ? "diff" : "noise";
}

static const char report_html_head[] =
    "<tr><th>workload</th><th>metric</th><th>configuration</th><th>median</th>"
    "<th>95% interval</th><th>n</th><th>ratio</th><th>its 95% interval</th>"
    "<th>mark</th></tr>\n";

/*
 * One row of a summary table in HTML: a configuration's median and its ratio to ref.
 * first: the first row of a workload, which names it. Returns 1 if a row was written.
 */
static int report_html_row(const struct report_ctx *r, FILE *f, const char *workload,
                           const char *metric, const struct table_config *c,
                           const struct table_config *ref, int first)
{
    const struct summary_row *row = summary_find(&r->sum, c->config, workload, metric);
    const char *rw = table_view_rw(&r->view, workload);
    char med[32], lo[32], hi[32], label[128], unit[32];
    struct table_ratio t;
    const char *mark;

    if (!row) {
        return 0;
    }
    table_fmt_value(med, sizeof(med), row->st.median);
    table_fmt_value(lo, sizeof(lo), row->st.ci_low);
    table_fmt_value(hi, sizeof(hi), row->st.ci_high);
    fprintf(f, "<tr class=\"%s%s\"><td>", strcmp(c->class_, "paravirtual") == 0 ? "pv" : "emu",
            first ? " first" : "");
    if (first) {
        report_fput_html(f, workload);
    }
    /* the metric by its display name; its column name in samples.csv on hover */
    fputs("</td><td title=\"", f);
    report_fput_html(f, metric);
    fputs("\">", f);
    report_fput_html(f, metric_label_i18n(metric, rw, label, sizeof(label)));
    fputs("</td><td>", f);
    report_fput_html(f, c->config);
    fprintf(f, "</td><td class=\"num\">%s <span class=\"unit\">", med);
    report_fput_html(f, metric_find(metric) ? metric_unit_i18n(metric, rw, unit, sizeof(unit))
                                            : row->unit);
    fprintf(f, "</span></td><td class=\"num\">%s – %s</td><td class=\"num\">%u</td>", lo, hi,
            row->st.n);
    if (ref && ref != c &&
        table_ratio(&r->samples, c->config, ref->config, workload, metric, &t) == 0) {
        mark = table_ratio_mark(&t, metric);
        fprintf(f, "<td class=\"num\">%.2f× <span class=\"vs\">vs ", t.ratio);
        report_fput_html(f, ref->config);
        fprintf(f, "</span></td><td class=\"num\">%.2f – %.2f</td>", t.low, t.high);
        fprintf(f, "<td class=\"%s\">", report_mark_class(mark));
        report_fput_html(f, mark);
        fputs("</td></tr>\n", f);
    } else {
        fputs("<td class=\"ref\">reference</td><td></td><td></td></tr>\n", f);
    }
    return 1;
}

/* One sentence per workload and device: how many times better or worse, and how sure. */
static void report_glance_text(const struct report_ctx *r, const struct plot_bar *b, char *out,
                               size_t outlen)
{
    const struct table_workload *w = report_workload(&r->view, b->group);
    const struct table_config *c = table_view_config(&r->view, b->name);
    const struct table_config *ref =
        c ? table_view_reference_of(&r->view, c)
          : (w ? table_view_reference(&r->view, w->kind) : NULL);
    int better = b->value >= 1.0;
    /* Worse is said as "N× worse", its interval turned the same way. */
    double x = better ? b->value : 1.0 / b->value;
    double lo = better ? b->low : 1.0 / b->high, hi = better ? b->high : 1.0 / b->low;
    const char *metric = strncmp(b->sub, "1/", 2) == 0 ? b->sub + 2 : b->sub;
    const char *sure = strcmp(b->class_, "within noise") == 0 ? "within the noise of this run"
                                                              : "larger than the noise";
    const char *rw = table_view_rw(&r->view, b->group);
    char label[128];

    snprintf(out, outlen, "%s (%s): %s is %.2f× %s than %s (95%% interval %.2f – %.2f), %s",
             b->group, metric_label_i18n(metric, rw, label, sizeof(label)), b->name, x,
             better ? "better" : "worse",
             ref ? ref->config : "the emulated device", lo, hi, sure);
}

/* "At a glance": the speed-up chart in words. */
static void report_html_glance(const struct report_ctx *r, FILE *f)
{
    struct plot_bar *bars = NULL;
    size_t nb = 0;
    char line[512];

    if (report_speedup_bars(&r->view, &r->samples, &bars, &nb) < 0 || nb == 0) {
        free(bars);
        return;
    }
    fputs("<h2 id=\"glance\">At a glance</h2>\n<ul class=\"glance\">\n", f);
    for (size_t i = 0; i < nb; i++) {
        report_glance_text(r, &bars[i], line, sizeof(line));
        fprintf(f, "<li class=\"%s\">",
                strcmp(bars[i].class_, "within noise") == 0
                    ? "noise"
                    : (bars[i].value >= 1.0 ? "up" : "down"));
        report_fput_html(f, line);
        fputs("</li>\n", f);
    }
    fputs("</ul>\n", f);
    free(bars);
}

/* "What differs": the keys whose values differ between the run's configurations. */
static void report_html_differs(const struct report_ctx *r, FILE *f)
{
    struct scenario *s;
    char err[SCENARIO_ERR_MAX], val[SCENARIO_ERR_MAX];
    unsigned differ, unasked = 0;

    if (r->rf.run_err != RUNFOLDER_OK || !r->rf.scenario_resolved ||
        !r->rf.scenario_resolved[0] || !(s = calloc(1, sizeof(*s)))) {
        return;
    }
    if (scenario_load_string("run.json", r->rf.scenario_resolved, s, err, sizeof(err)) < 0 ||
        s->n_configs < 2 || !(differ = scenario_configs_differ(s, &unasked))) {
        free(s);
        return;
    }
    fputs("<h2 id=\"differs\">What differs between the configurations</h2>\n"
          "<table class=\"summary\">\n<tr><th>configuration</th>",
          f);
    for (unsigned k = 0; k < SCENARIO_CK_COUNT; k++) {
        if (differ & (1u << k)) {
            fputs("<th>", f);
            report_fput_html(f, scenario_config_key_name(k));
            fputs((unasked & (1u << k)) ? " (not asked for)</th>" : "</th>", f);
        }
    }
    fputs("</tr>\n", f);
    for (unsigned i = 0; i < s->n_configs; i++) {
        fputs("<tr><td>", f);
        report_fput_html(f, s->configs[i].name);
        fputs("</td>", f);
        for (unsigned k = 0; k < SCENARIO_CK_COUNT; k++) {
            if (!(differ & (1u << k))) {
                continue;
            }
            scenario_config_shown(s, i, k, val, sizeof(val));
            fputs("<td>", f);
            report_fput_html(f, val[0] ? val : "-");
            fputs("</td>", f);
        }
        fputs("</tr>\n", f);
    }
    fputs("</table>\n", f);
    free(s);
}

static void report_html_summary(const struct report_ctx *r, FILE *f)
{
    const struct table_view *v = &r->view;
    const char *metrics[3];
    int first;

    fputs("<h2 id=\"summary\">Summary</h2>\n", f);
    if (v->n_workloads == 0) {
        fputs("<p>No measurements to summarize.</p>\n", f);
        return;
    }
    fprintf(f, "<table class=\"summary\">\n%s", report_html_head);
    for (size_t wi = 0; wi < v->n_workloads; wi++) {
        const struct table_workload *w = &v->workloads[wi];
        size_t nm = report_headline_metrics(w, metrics);

        first = 1;
        for (size_t mi = 0; mi < nm; mi++) {
            for (size_t ci = 0; ci < v->n_configs; ci++) {
                if (table_config_is_kind(&v->configs[ci], w->kind) &&
                    report_html_row(r, f, w->name, metrics[mi], &v->configs[ci],
                                    table_view_reference_of(v, &v->configs[ci]), first)) {
                    first = 0;
                }
            }
        }
    }
    first = 1;
    for (size_t ci = 0; ci < v->n_configs; ci++) {
        for (size_t i = 0; i < r->sum.n; i++) {
            if (strcmp(r->sum.v[i].config, v->configs[ci].config) == 0 &&
                strcmp(r->sum.v[i].metric, TABLE_BOOT_METRIC) == 0) {
                if (report_html_row(r, f, r->sum.v[i].workload, TABLE_BOOT_METRIC, &v->configs[ci],
                                    table_view_reference_of(v, &v->configs[ci]), first)) {
                    first = 0;
                }
                break;
            }
        }
    }
    fputs("</table>\n", f);
}

/* Every metric of every cell, folded away: for readers who want the whole picture. */
static void report_html_all(const struct report_ctx *r, FILE *f)
{
    const struct table_view *v = &r->view;

    if (r->sum.n == 0) {
        return;
    }
    fprintf(f,
            "<h2 id=\"all\">All metrics</h2>\n<details><summary>Every metric of every "
            "workload and configuration (median, 95%% interval, ratio to the emulated "
            "device)</summary>\n<table class=\"summary\">\n%s",
            report_html_head);
    for (size_t i = 0; i < r->sum.n; i++) {
        const struct summary_row *row = &r->sum.v[i];
        const struct table_config *c = table_view_config(v, row->config);

        if (c) {
            report_html_row(r, f, row->workload, row->metric, c, table_view_reference_of(v, c),
                            i == 0 || strcmp(r->sum.v[i - 1].workload, row->workload) != 0);
        }
    }
    fputs("</table>\n</details>\n", f);
}

static void report_html_charts(const struct report_ctx *r, FILE *f)
{
    fputs("<h2 id=\"charts\">Charts</h2>\n", f);
    if (r->n_charts == 0) {
        fputs("<p>No charts: there are no measurements to draw.</p>\n", f);
        return;
    }
    if (r->no_gnuplot) {
        fputs("<p class=\"problems\">gnuplot is not installed, so the charts that follow "
              "were not drawn. Their data files and gnuplot scripts are in plots/: draw "
              "them with <code>cd plots &amp;&amp; gnuplot *.gp</code> (Debian: "
              "<code>apt-get install gnuplot-nox</code>), then run <code>pvbench report"
              "</code> on this folder again.</p>\n",
              f);
    }
    for (size_t i = 0; i < r->n_charts; i++) {
        const struct report_chart *ch = &r->charts[i];

        fputs("<figure>\n", f);
        if (ch->drawn) {
            fputs("<img src=\"plots/", f);
            report_fput_html(f, ch->c.name);
            fprintf(f, ".%s\" width=\"%u\" height=\"%u\" alt=\"", r->format, ch->c.width,
                    ch->c.height);
            report_fput_html(f, ch->c.title);
            fputs("\">\n", f);
        } else {
            fputs("<p class=\"missing\">Not drawn: ", f);
            report_fput_html(f, ch->c.title);
            fputs("</p>\n", f);
        }
        fputs("<figcaption>", f);
        report_fput_html(f, ch->about);
        if (ch->scripted) {
            fputs(" <span class=\"files\">Data: ", f);
            for (int k = 0; k < 2; k++) {
                if (k == 1 && strcmp(ch->c.data[1], ch->c.data[0]) == 0) {
                    break;
                }
                fputs(k ? ", <a href=\"plots/" : "<a href=\"plots/", f);
                report_fput_html(f, ch->c.data[k]);
                fputs("\">", f);
                report_fput_html(f, ch->c.data[k]);
                fputs("</a>", f);
            }
            fputs("; script: <a href=\"plots/", f);
            report_fput_html(f, ch->c.name);
            fputs(".gp\">", f);
            report_fput_html(f, ch->c.name);
            fputs(".gp</a></span>", f);
        }
        fputs("</figcaption>\n</figure>\n", f);
    }
}

static const char report_how_to_read[] =
    /* xgettext:no-c-format */
    N_("Each configuration is one guest that differs from the others only in the device under "
       "test. Every workload ran several times (repetitions); a value is the median of the "
       "repetitions and its 95% interval comes from a bootstrap of the median: with only a few "
       "repetitions it is wide, and with one it is a single point. A ratio compares a "
       "configuration's median with that of the first emulated device of the same kind (the "
       "reference), with its own bootstrap 95% interval. A ratio marked * has an interval that "
       "excludes 1: the difference is larger than the noise of this run; ~ means this run "
       "cannot tell the two apart. Whether more is better depends on the metric: more "
       "throughput, IOPS or transactions is better, more latency or CPU time per operation is "
       "worse; the speed-up chart turns every workload into \"times better\" so that more is "
       "always better. Results under different accelerators (KVM, TCG) are never comparable: "
       "under TCG every device is slower and the gap between emulated and paravirtual devices "
       "differs from what KVM shows.");

/*
 * The reading guide's worked example: the first workload's headline metric for the first
 * configuration that has a reference, its median, interval and ratio as this run measured
 * them, in the language's number format. "" when the run has no such pair.
 */
static void report_guide_example(const struct report_ctx *r, char *out, size_t len)
{
    const struct table_view *v = &r->view;

    out[0] = '\0';
    for (size_t wi = 0; wi < v->n_workloads; wi++) {
        const struct table_workload *w = &v->workloads[wi];

        for (size_t ci = 0; ci < v->n_configs; ci++) {
            const struct table_config *c = &v->configs[ci];
            const struct table_config *ref = table_view_reference_of(v, c);
            const struct summary_row *row, *rrow;
            char unit[32], med[32], lo[32], hi[32], rmed[32], ratio[32], rlo[32], rhi[32];
            char label[96];
            struct table_ratio t;

            if (!ref || ref == c || !table_config_is_kind(c, w->kind)) {
                continue;
            }
            row = summary_find(&r->sum, c->config, w->name, w->metric);
            rrow = summary_find(&r->sum, ref->config, w->name, w->metric);
            if (!row || !rrow ||
                table_ratio(&r->samples, c->config, ref->config, w->name, w->metric, &t) < 0) {
                continue;
            }
            metric_unit_i18n(w->metric, table_view_rw(&r->view, w->name), unit, sizeof(unit));
            i18n_num_auto(med, sizeof(med), row->st.median);
            i18n_num_auto(lo, sizeof(lo), row->st.ci_low);
            i18n_num_auto(hi, sizeof(hi), row->st.ci_high);
            i18n_num_auto(rmed, sizeof(rmed), rrow->st.median);
            i18n_num(ratio, sizeof(ratio), t.ratio, 2);
            i18n_num(rlo, sizeof(rlo), t.low, 2);
            i18n_num(rhi, sizeof(rhi), t.high, 2);
            /* TRANSLATORS: workload, configuration, metric, median, unit, interval low and
             * high, repetitions, reference configuration, its median, unit, ratio, ratio's
             * interval low and high */
            snprintf(out, len,
                     _("For example, in this run's workload %s, %s has a median %s of %s %s (95%% "
                       "interval %s to %s, %u repetitions) and the reference %s one of %s %s: a "
                       "ratio of %s× with an interval of %s to %s. %s"),
                     w->name, c->config,
                     metric_label_i18n(w->metric, table_view_rw(&r->view, w->name), label,
                                       sizeof(label)),
                     med, unit, lo, hi, row->st.n, ref->config, rmed,
                     unit, ratio, rlo, rhi,
                     t.excludes_one ? _("That interval excludes 1, so the ratio is marked *.")
                                    : _("That interval holds 1, so the ratio is marked ~: this "
                                        "run cannot tell the two apart."));
            return;
        }
    }
}

static const char report_css[] =
    "body{font-family:'DejaVu Sans',Arial,sans-serif;max-width:1020px;margin:1em auto;"
    "padding:0 1em;color:#222;line-height:1.45}\n"
    "h1{font-size:1.6em;margin-bottom:.2em}h2{margin-top:1.6em;border-bottom:1px solid #ddd}\n"
    "table{border-collapse:collapse;margin:.5em 0 1.2em}\n"
    "th,td{border:1px solid #ccc;padding:.15em .4em;text-align:left;font-size:.86em;"
    "vertical-align:top}\n"
    "th,table.meta td:first-child{background:#f2f2f2}td.num{text-align:right;white-space:nowrap;"
    "font-variant-numeric:tabular-nums}\n"
    "tr.emu td:first-child{border-left:4px solid #E69F00}"
    "tr.pv td:first-child{border-left:4px solid #0072B2}\n"
    "tr.bad td{background:#fdecea}tr.first td{border-top:2px solid #999}.unit{color:#666}\n"
    ".better{color:#1a7f37;font-weight:bold}.worse{color:#b3261e;font-weight:bold}"
    ".diff{font-weight:bold}.noise,.ref,.vs{color:#777}\n"
    "ul.glance li.up::marker{color:#1a7f37}ul.glance li.down::marker{color:#b3261e}\n"
    "figure{margin:1.5em 0}figure img{max-width:100%;height:auto;border:1px solid #ddd}\n"
    "figcaption{font-size:.9em;color:#444;max-width:800px}.files{color:#777}\n"
    ".problems{background:#fff4e5;border:1px solid #f0b35b;padding:.5em 1em}\n"
    ".missing{background:#f6f6f6;border:1px dashed #aaa;padding:2em;max-width:760px}\n"
    "pre{font-size:.72em;overflow-x:auto;background:#f8f8f8;padding:.5em}\n"
    "code{background:#f4f4f4;padding:0 .2em}footer{margin-top:2em;color:#777;"
    "font-size:.85em}\n";

/* Links to the run's files that exist. */
static void report_html_files(const struct report_ctx *r, FILE *f)
{
    static const char *const files[] = {"samples.csv", "summary.csv",  "summary.json",
                                        "run.json",    "scenario.ini", "report.md"};
    char path[PATH_MAX + 32];

    fputs("<h2 id=\"files\">Files</h2>\n<p>", f);
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", r->dir, files[i]);
        if (access(path, R_OK) == 0) {
            fprintf(f, "<a href=\"%s\">%s</a> ", files[i], files[i]);
        }
    }
    fputs("— charts can be redrawn by hand: <code>cd plots &amp;&amp; gnuplot *.gp</code>, "
          "or rebuilt with <code>pvbench report DIR</code>.</p>\n",
          f);
}

/*
 * pct_of_host.csv (written by a run with host_baseline = yes): the IOPS, MiB/s, Mbit/s,
 * transactions/s and packets/s rows.
 * Missing: nothing to show. A row that does not parse is named and skipped.
 */
/* A finite number that is the whole of s. 0 or -1. */
static int report_finite(const char *s, double *out)
{
    char *end;

    *out = strtod(s, &end);
    return end == s || *end != '\0' || !isfinite(*out) ? -1 : 0;
}

/* One row of pct_of_host.csv (col: where device, workload, metric, pct, low, high are). */
static int report_parse_pct(const struct csvread *c, const int *col, struct report_pct *p)
{
    if (c->nf != c->ncols || util_strlcpy(p->device, c->fields[col[0]], sizeof(p->device)) < 0 ||
        util_strlcpy(p->workload, c->fields[col[1]], sizeof(p->workload)) < 0 ||
        util_strlcpy(p->metric, c->fields[col[2]], sizeof(p->metric)) < 0 ||
        report_finite(c->fields[col[3]], &p->pct) < 0 ||
        report_finite(c->fields[col[4]], &p->lo) < 0 ||
        report_finite(c->fields[col[5]], &p->hi) < 0) {
        return -1;
    }
    return 0;
}

static void report_read_pct(struct report_ctx *r)
{
    static const char *const cols[] = {"device", "workload", "metric", "pct_of_host",
                                       "ci95_low", "ci95_high"};
    char path[PATH_MAX + 32], err[PATH_MAX + 64];
    struct csvread *c = malloc(sizeof(*c));
    int col[sizeof(cols) / sizeof(cols[0])];
    int k;

    snprintf(path, sizeof(path), "%s/%s", r->dir, HOSTBASE_PCT_FILE);
    if (!c || csvread_open(c, path, err, sizeof(err)) < 0) {
        free(c);
        return;
    }
    if (c->empty) {
        goto out;
    }
    if (!csvread_header_is(c, HOSTBASE_PCT_HEADER)) {
        report_problem(r, REPORT_BAD_INPUT, "%s:1: unexpected header", path);
        goto out;
    }
    for (k = 0; k < (int)(sizeof(cols) / sizeof(cols[0])); k++) {
        col[k] = csvread_col(c, cols[k]);
    }
    while ((k = csvread_next(c)) > 0) {
        struct report_pct p;
        struct report_pct *grown;

        if (k != 1 || report_parse_pct(c, col, &p) < 0) {
            report_problem(r, REPORT_BAD_INPUT, "%s:%u: row does not parse", path, c->lineno);
            continue;
        }
        /* the primary throughput of each workload: block IOPS and MiB/s, network Mbit/s,
         * transactions/s, packets/s */
        if (strcmp(p.metric, "iops") != 0 && strcmp(p.metric, "throughput_mib_s") != 0 &&
            strcmp(p.metric, "throughput_mbit_s") != 0 && strcmp(p.metric, "transactions_s") != 0 &&
            strcmp(p.metric, "pps") != 0) {
            continue;
        }
        grown = realloc(r->pct, (r->n_pct + 1) * sizeof(*grown));
        if (!grown) {
            break;
        }
        r->pct = grown;
        r->pct[r->n_pct++] = p;
    }
out:
    csvread_close(c);
    free(c);
}

static void report_html(const struct report_ctx *r, FILE *f)
{
    char scen[128], run_id[64], accel[32], when[40], example[1024];

    report_meta(r, "scenario.name", scen, sizeof(scen));
    report_meta(r, "run_id", run_id, sizeof(run_id));
    report_meta(r, "accelerator.name", accel, sizeof(accel));
    util_iso_time(when, sizeof(when));
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>"
          "pvbench report: ",
          f);
    report_fput_html(f, scen[0] ? scen : r->dir);
    fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<h1>pvbench report: ", report_css);
    report_fput_html(f, scen[0] ? scen : "(scenario unknown)");
    fputs("</h1>\n<p>Emulated against paravirtual I/O devices: ", f);
    fprintf(f, "%zu configuration%s, %zu workload%s, accelerator <b>", r->view.n_configs,
            r->view.n_configs == 1 ? "" : "s", r->view.n_workloads,
            r->view.n_workloads == 1 ? "" : "s");
    report_fput_html(f, accel[0] ? accel : "unknown");
    fputs("</b>, run ", f);
    report_fput_html(f, run_id[0] ? run_id : "unknown");
    fputs(". <a href=\"#summary\">Summary</a> · <a href=\"#charts\">Charts</a> · "
          "<a href=\"#run\">Run</a> · <a href=\"#files\">Files</a></p>\n",
          f);
    if (strcmp(accel, "tcg") == 0) {
        fputs("<p class=\"problems\">", f);
        report_fput_html(f, _("Measured under TCG (no KVM): QEMU translates every guest "
                              "instruction, so every device is slower than under KVM and the gap "
                              "between emulated and paravirtual devices differs. Compare only "
                              "with other TCG runs."));
        fputs("</p>\n", f);
    }
    if (r->n_problems) {
        fputs("<div class=\"problems\"><b>Parts of this run could not be read or drawn; the "
              "report shows the rest.</b>\n<ul>\n",
              f);
        for (unsigned i = 0; i < r->n_problems; i++) {
            fputs("<li>", f);
            report_fput_html(f, r->problems[i]);
            fputs("</li>\n", f);
        }
        if (r->n_more_problems) {
            fprintf(f, "<li>and %u more</li>\n", r->n_more_problems);
        }
        fputs("</ul></div>\n", f);
    }
    /* The rest of the page is English: the guide says which language it is in. */
    fprintf(f, "<div class=\"guide\" lang=\"%s\">\n<h2 id=\"how\">", i18n_lang());
    report_fput_html(f, _("How to read this"));
    fputs("</h2>\n<p>", f);
    report_fput_html(f, _(report_how_to_read));
    fputs("</p>\n", f);
    report_guide_example(r, example, sizeof(example));
    if (example[0]) {
        fputs("<p>", f);
        report_fput_html(f, example);
        fputs("</p>\n", f);
    }
    if (table_view_hosts(&r->view) > 1) {
        fputs("<p>", f);
        report_fput_html(f, _(report_hosts_note));
        fputs("</p>\n", f);
    }
    if (report_has_peer_guest(r)) {
        fputs("<p>", f);
        report_fput_html(f, _(report_peer_guest_note));
        fputs("</p>\n", f);
    }
    fputs("</div>\n", f);
    report_html_glance(r, f);
    report_html_differs(r, f);
    report_html_summary(r, f);
    report_backends(r, f, REPORT_HTML);
    report_pct(r, f, REPORT_HTML);
    report_html_charts(r, f);
    report_run(r, f, REPORT_HTML);
    report_html_all(r, f);
    report_html_files(r, f);
    fputs("<footer>Generated by pvbench " PVB_VERSION " on ", f);
    report_fput_html(f, when);
    fputs(" from samples.csv and run.json.</footer>\n</body>\n</html>\n", f);
}

static void report_md_row(const struct report_ctx *r, FILE *f, const char *workload,
                          const char *metric, const struct table_config *c,
                          const struct table_config *ref)
{
    const struct summary_row *row = summary_find(&r->sum, c->config, workload, metric);
    const char *rw = table_view_rw(&r->view, workload);
    char med[32], lo[32], hi[32], label[128], unit[32];
    struct table_ratio t;

    if (!row) {
        return;
    }
    fputs("| ", f);
    report_fput_md(f, workload);
    fputs(" | ", f);
    report_fput_md(f, metric_label_i18n(metric, rw, label, sizeof(label)));
    fputs(" | ", f);
    report_fput_md(f, c->config);
    fputs(" | ", f);
    report_fput_md(f, c->class_);
    table_fmt_value(med, sizeof(med), row->st.median);
    table_fmt_value(lo, sizeof(lo), row->st.ci_low);
    table_fmt_value(hi, sizeof(hi), row->st.ci_high);
    fprintf(f, " | %s | %s – %s | ", med, lo, hi);
    report_fput_md(f, metric_find(metric) ? metric_unit_i18n(metric, rw, unit, sizeof(unit))
                                          : row->unit);
    fprintf(f, " | %u | ", row->st.n);
    if (ref && ref != c &&
        table_ratio(&r->samples, c->config, ref->config, workload, metric, &t) == 0) {
        fprintf(f, "%.2f× vs ", t.ratio);
        report_fput_md(f, ref->config);
        fprintf(f, " [%.2f – %.2f] ", t.low, t.high);
        report_fput_md(f, table_ratio_mark(&t, metric));
        fputs(" |\n", f);
    } else {
        fputs("reference |\n", f);
    }
}

/* run.json's "hosts" as a Markdown table (absent in older runs). */
static void report_md(const struct report_ctx *r, FILE *f)
{
    const struct table_view *v = &r->view;
    const char *metrics[3];
    char val[512], scen[128], example[1024];
    struct plot_bar *glance = NULL;
    size_t nglance = 0;

    report_meta(r, "scenario.name", scen, sizeof(scen));
    fputs("# pvbench report: ", f);
    report_fput_md(f, scen[0] ? scen : "(scenario unknown)");
    fputs("\n\n", f);
    if (r->n_problems) {
        fputs("**Parts of this run could not be read or drawn; the report shows the rest.**\n\n",
              f);
        for (unsigned i = 0; i < r->n_problems; i++) {
            fputs("- ", f);
            report_fput_md(f, r->problems[i]);
            fputs("\n", f);
        }
        fputs("\n", f);
    }
    fputs("## ", f);
    report_fput_md(f, _("How to read this"));
    fputs("\n\n", f);
    report_fput_md(f, _(report_how_to_read));
    fputs("\n\n", f);
    report_guide_example(r, example, sizeof(example));
    if (example[0]) {
        report_fput_md(f, example);
        fputs("\n\n", f);
    }
    if (table_view_hosts(v) > 1) {
        report_fput_md(f, _(report_hosts_note));
        fputs("\n\n", f);
    }
    if (report_has_peer_guest(r)) {
        report_fput_md(f, _(report_peer_guest_note));
        fputs("\n\n", f);
    }
    if (report_speedup_bars(v, &r->samples, &glance, &nglance) == 0 && nglance > 0) {
        fputs("## At a glance\n\n", f);
        for (size_t i = 0; i < nglance; i++) {
            report_glance_text(r, &glance[i], val, sizeof(val));
            fputs("- ", f);
            report_fput_md(f, val);
            fputs("\n", f);
        }
        fputs("\n", f);
    }
    free(glance);
    fputs("## Summary\n\n", f);
    if (v->n_workloads == 0) {
        fputs("No measurements to summarize.\n", f);
    } else {
        fputs("| workload | metric | configuration | class | median | 95% interval | unit | n "
              "| ratio |\n|---|---|---|---|---:|---:|---|---:|---|\n",
              f);
        for (size_t wi = 0; wi < v->n_workloads; wi++) {
            const struct table_workload *w = &v->workloads[wi];
            size_t nm = report_headline_metrics(w, metrics);

            for (size_t mi = 0; mi < nm; mi++) {
                for (size_t ci = 0; ci < v->n_configs; ci++) {
                    if (table_config_is_kind(&v->configs[ci], w->kind)) {
                        report_md_row(r, f, w->name, metrics[mi], &v->configs[ci],
                                      table_view_reference_of(v, &v->configs[ci]));
                    }
                }
            }
        }
        for (size_t i = 0; i < r->sum.n; i++) {
            const struct table_config *c = table_view_config(v, r->sum.v[i].config);

            if (c && strcmp(r->sum.v[i].metric, TABLE_BOOT_METRIC) == 0) {
                report_md_row(r, f, r->sum.v[i].workload, TABLE_BOOT_METRIC, c,
                              table_view_reference_of(v, c));
            }
        }
    }
    fputs("\n## Charts\n\n", f);
    if (r->no_gnuplot && r->n_charts) {
        fputs("gnuplot is not installed: the charts were not drawn. Draw them with "
              "`cd plots && gnuplot *.gp`, then run `pvbench report` again.\n\n",
              f);
    }
    for (size_t i = 0; i < r->n_charts; i++) {
        const struct report_chart *ch = &r->charts[i];

        if (ch->drawn) {
            fputs("![", f);
            report_fput_md(f, ch->c.title);
            fprintf(f, "](plots/%s.%s)\n\n", ch->c.name, r->format);
        } else {
            fputs("*Not drawn:* ", f);
            report_fput_md(f, ch->c.title);
            fputs("\n\n", f);
        }
        report_fput_md(f, ch->about);
        fputs("\n\n", f);
    }
    report_backends(r, f, REPORT_MD);
    report_pct(r, f, REPORT_MD);
    report_run(r, f, REPORT_MD);
}

/* Render one report with fn into memory, then write it atomically. */
static void report_write(struct report_ctx *r, const char *file,
                         void (*fn)(const struct report_ctx *, FILE *))
{
    char path[PATH_MAX + 32];
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    snprintf(path, sizeof(path), "%s/%s", r->dir, file);
    if (!f) {
        report_problem(r, REPORT_WRITE_FAILED, "%s: out of memory", path);
        return;
    }
    fn(r, f);
    if (fclose(f) != 0) {
        report_problem(r, REPORT_WRITE_FAILED, "%s: out of memory", path);
    } else if (results_write_atomic(path, buf, len) < 0) {
        report_problem(r, REPORT_WRITE_FAILED, "%s: %s", path, strerror(errno));
    }
    free(buf);
}

/* ---- the command ----------------------------------------------------------------------------- */

static void report_free(struct report_ctx *r)
{
    samples_free(&r->samples);
    summary_free(&r->sum);
    table_view_free(&r->view);
    runfolder_free(&r->rf);
    free(r->charts);
    free(r->pct);
}

int report_build(const char *run_dir, const char *format, int quiet)
{
    struct report_ctx *r;
    struct stat st;
    int code;

    if (!format || (strcmp(format, "png") != 0 && strcmp(format, "svg") != 0)) {
        log_err("report: format must be png or svg, got '%s'", format ? format : "(none)");
        return PVB_EXIT_USAGE;
    }
    if (stat(run_dir, &st) < 0) {
        log_err("report: %s: %s", run_dir, strerror(errno));
        return PVB_EXIT_USAGE;
    }
    if (!S_ISDIR(st.st_mode)) {
        log_err("report: %s: not a folder (expected a run folder with samples.csv)", run_dir);
        return PVB_EXIT_USAGE;
    }
    r = calloc(1, sizeof(*r));
    if (!r) {
        log_err("report: out of memory");
        return PVB_EXIT_FAILED;
    }
    r->dir = run_dir;
    r->format = format;
    snprintf(r->plots, sizeof(r->plots), "%s/plots", run_dir);

    /* Each file's trouble is in r->rf, reported below in the order of the files. */
    (void)!runfolder_read(run_dir, &r->rf, NULL, 0);
    report_read_samples(r);
    report_read_run_json(r);
    report_read_pct(r);
    if (summary_compute(&r->samples, STATS_DEFAULT_SEED, &r->sum) < 0 ||
        table_view_build(&r->samples, &r->view) < 0) {
        report_problem(r, REPORT_WRITE_FAILED, "out of memory summarizing %zu samples",
                       r->samples.n);
    }
    /* The scenario the run was made of: its reference = NAME, its custom workloads' rw. */
    {
        struct scenario *scn = runfolder_scenario(&r->rf);

        if (scn) {
            util_strlcpy(r->view.reference, scn->reference, sizeof(r->view.reference));
            table_view_set_rw(&r->view, scn);
        }
        free(scn);
    }
    report_make_caption(r);
    if (!quiet && r->view.n_workloads > 0) {
        table_print_view(stdout, &r->view, &r->samples, &r->sum);
    }

    r->no_gnuplot = !plot_have_gnuplot();
    if (util_mkdir_p(r->plots) < 0) {
        report_problem(r, REPORT_WRITE_FAILED, "%s: %s", r->plots, strerror(errno));
    } else {
        report_clean_plots(r, !r->no_gnuplot);
        report_plan_bars(r);
        report_plan_latency(r);
        report_plan_cpu(r);
        report_plan_boot(r);
        report_plan_speedup(r);
        report_draw(r);
    }
    if (r->no_gnuplot && r->n_charts > 0) {
        log_warn("gnuplot not found: the charts' data and scripts are in %s; draw them with: "
                 "cd %s && gnuplot *.gp (Debian: apt-get install gnuplot-nox)",
                 r->plots, r->plots);
    }
    report_write(r, "report.md", report_md);
    report_write(r, "report.html", report_html);

    if (r->write_failed || r->draw_failed) {
        code = PVB_EXIT_FAILED;
    } else if (r->bad_input) {
        code = PVB_EXIT_USAGE;
    } else if (r->no_gnuplot && r->n_charts > 0) {
        code = PVB_EXIT_SKIPPED;
    } else {
        code = PVB_EXIT_OK;
    }
    printf("report: %s/report.html (%zu chart%s%s)\n", run_dir, r->n_charts,
           r->n_charts == 1 ? "" : "s", r->no_gnuplot && r->n_charts ? ", not drawn" : "");
    report_free(r);
    free(r);
    return code;
}

static const struct cli_opt report_opts[] = {
    {"format", 'f', "FMT", "png (default) or svg", 'f', "png svg"},
    {"lang", 0, "LANG",
     "language of the reading guide and the chart titles: en or es (default: from LANGUAGE, "
     "LC_ALL, LC_MESSAGES, LANG)",
     'L', "en es"},
    {NULL, 0, NULL, NULL, 0, NULL},
};

const struct cli_spec report_cli = {
    .name = "report",
    .summary = "rebuild a run folder's charts, report.html and report.md",
    .synopsis = "[--format png|svg] [-q] DIR",
    .description =
        "Rebuilds DIR/plots/ (gnuplot data, scripts and charts), DIR/report.html and\n"
        "DIR/report.md from DIR/samples.csv and DIR/run.json, without running anything.\n"
        "-q: no summary table on the terminal.",
    .opts = report_opts,
    .notes = "Templates: $PVBENCH_DATADIR/scripts/plot (default: the data folder's).\n\n"
             "exit codes: 0 done, 2 bad command line or unreadable input (what could be read\n"
             "is still reported), 3 a file could not be written or gnuplot failed, 4 gnuplot\n"
             "is not installed (data files and scripts written, charts not drawn).",
    .operands = "=dir",
    .flags = CLI_F_VERBOSITY,
};

int report_main(int argc, char **argv)
{
    const char *format = "png", *lang = NULL;
    struct cli c;
    int id;

    if (cli_start(&c, &report_cli, argc, argv) < 0) {
        return PVB_EXIT_USAGE;
    }
    while ((id = cli_next(&c)) >= 0) {
        if (id == 'L') {
            lang = c.arg;
            continue;
        }
        if (strcmp(c.arg, "png") != 0 && strcmp(c.arg, "svg") != 0) {
            log_err("report: --format: expected png or svg, got '%s'", c.arg);
            return PVB_EXIT_USAGE;
        }
        format = c.arg;
    }
    if (id != CLI_END) {
        return cli_exit_code(id);
    }
    if (argc - c.ind != 1) {
        log_err("report: expected one run folder, got %d", argc - c.ind);
        cli_try(&report_cli);
        return PVB_EXIT_USAGE;
    }
    if (i18n_init(lang, NULL) < 0) {
        log_err("report: no messages in language '%s' (pvbench has: %s)", lang, I18N_LANGS);
        return PVB_EXIT_USAGE;
    }
    return report_build(argv[c.ind], format, log_verbosity() < 0);
}
