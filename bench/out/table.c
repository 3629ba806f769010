/*
 * The terminal summary table, from a scenario (pvbench run) or from a sample set read
 * back from disk (pvbench report), and the ratio-to-reference numbers behind it.
 */
#include "table.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metric.h"
#include "util.h"

const char *table_primary_metric(const struct workload *w)
{
    return w->metric;
}

void table_fmt_value(char *out, size_t outlen, double v)
{
    /* Large values in full ("14720", not "1.472e+04"); small ones with 4 significant digits. */
    if (v >= 1000.0 || v <= -1000.0) {
        snprintf(out, outlen, "%.0f", v);
    } else {
        snprintf(out, outlen, "%.4g", v);
    }
}

/* Values of one cell's metric, gathered from the samples (caller frees). */
static double *cell_values(const struct sample_set *set, const char *config, const char *workload,
                           const char *metric, size_t *n)
{
    double *v = malloc((set->n ? set->n : 1) * sizeof(double));

    *n = 0;
    if (!v) {
        return NULL;
    }
    for (size_t i = 0; i < set->n; i++) {
        const struct sample *s = &set->v[i];
        if (strcmp(s->config, config) == 0 && strcmp(s->workload, workload) == 0 &&
            strcmp(s->metric, metric) == 0) {
            v[(*n)++] = s->value;
        }
    }
    return v;
}

int table_ratio(const struct sample_set *samples, const char *num, const char *den,
                const char *workload, const char *metric, struct table_ratio *out)
{
    double *a = NULL, *b = NULL;
    size_t na = 0, nb = 0;
    int rc = -1;

    memset(out, 0, sizeof(*out));
    a = cell_values(samples, num, workload, metric, &na);
    b = cell_values(samples, den, workload, metric, &nb);
    if (a && b && na > 0 && nb > 0 &&
        stats_ratio(a, na, b, nb, STATS_DEFAULT_SEED, &out->ratio, &out->low, &out->high) == 0) {
        out->n_min = na < nb ? (unsigned)na : (unsigned)nb;
        /* One value on a side has no spread to resample: its "interval" is a point. */
        out->excludes_one = out->n_min >= 2 && (out->low > 1.0 || out->high < 1.0);
        rc = 0;
    }
    free(a);
    free(b);
    return rc;
}

const char *table_ratio_mark(const struct table_ratio *r, const char *metric)
{
    const struct metric *m = metric_find(metric);
    int more = r->ratio > 1.0;

    if (r->n_min < 2) {
        return "~ n=1, no interval";
    }
    if (!r->excludes_one) {
        return "~ within noise";
    }
    if (!m) {
        return more ? "* more" : "* less";
    }
    return more == (m->dir == METRIC_HIGHER_BETTER) ? "* better" : "* worse";
}

/*
 * The configuration every other of its kind is compared with: `reference = NAME` when it is
 * of that kind, else the first emulated one listed, else the first one.
 */
static const char *reference_config(const struct scenario *s, enum devmodel_kind kind)
{
    const char *first = NULL;

    for (unsigned i = 0; i < s->n_configs; i++) {
        if (s->devices[i]->kind == kind && s->reference[0] &&
            strcmp(s->configs[i].name, s->reference) == 0) {
            return s->configs[i].name;
        }
    }
    for (unsigned i = 0; i < s->n_configs; i++) {
        if (s->devices[i]->kind == kind && s->devices[i]->class == DEVMODEL_EMULATED) {
            return s->configs[i].name;
        }
        first = !first && s->devices[i]->kind == kind ? s->configs[i].name : first;
    }
    return first;
}

/* The configuration column: as wide as the longest name, at least 12. */
static int table_config_width(const struct scenario *s)
{
    size_t w = 12;

    for (unsigned i = 0; i < s->n_configs; i++) {
        w = strlen(s->configs[i].name) > w ? strlen(s->configs[i].name) : w;
    }
    return (int)w;
}

/* A metric's heading: its display name for the workload, its samples.csv name after it. */
static void print_metric_heading(FILE *out, const char *metric, const char *workload, int first)
{
    char label[128];

    fprintf(out, "%s%s (%s)\n", first ? "\n" : "", metric_label(metric, workload, label, sizeof(label)),
            metric);
}

/* The configuration column: 12 wide, wider for longer names ("virtio-blk@host"). */
#define TABLE_CONFIG_W 12

/*
 * One line: config's median of metric in workload, and its ratio to ref (NULL: none);
 * cw: the width of the configuration column.
 */
static void print_row(FILE *out, const struct sample_set *samples, const struct summary_set *sum,
                      const char *workload, const char *rw, const char *metric, const char *config,
                      const char *ref, int cw)
{
    const struct summary_row *row = summary_find(sum, config, workload, metric);
    const struct metric *m = metric_find(metric);
    struct table_ratio r;
    char ival[80], med[32], lo[32], hi[32], unit[32];
    int uw = 6;

    if (!row) {
        fprintf(out, "  %-14s %-*s %12s\n", workload, cw, config, "(no data)");
        return;
    }
    table_fmt_value(med, sizeof(med), row->st.median);
    table_fmt_value(lo, sizeof(lo), row->st.ci_low);
    table_fmt_value(hi, sizeof(hi), row->st.ci_high);
    /* One value is no sample: no interval is shown for it. */
    snprintf(ival, sizeof(ival), row->st.n < 2 ? "-" : "[%s .. %s]", lo, hi);
    if (m) {
        metric_unit_shown(metric, rw, unit, sizeof(unit));
    } else {
        snprintf(unit, sizeof(unit), "%s", row->unit);
    }
    /* The unit column is 6 terminal columns: a UTF-8 "µ" is two bytes in one column. */
    for (const char *p = unit; *p; p++) {
        uw += ((unsigned char)*p & 0xC0) == 0x80;
    }
    fprintf(out, "  %-14s %-*s %12s  %-18s %-*s n=%-3u", workload, cw, config, med, ival, uw,
            unit, row->st.n);
    if (ref && strcmp(ref, config) != 0 &&
        table_ratio(samples, config, ref, workload, metric, &r) == 0) {
        fprintf(out, "  %6.2fx vs %s [%.2f .. %.2f] %s", r.ratio, ref, r.low, r.high,
                table_ratio_mark(&r, metric));
    }
    fputc('\n', out);
}

static void print_header(FILE *out, int cw)
{
    fprintf(out, "\n%-16s %-*s %12s  %-18s %-6s %-5s  %s\n", "  workload", cw, "config", "median",
            "95% interval", "unit", "n", "ratio to the reference configuration");
}

static void print_footer(FILE *out)
{
    fprintf(out, "\n* the 95%% interval of the ratio excludes 1: the difference is not noise.\n"
                 "~ the interval holds 1: this run cannot tell the configurations apart.\n"
                 "  A ratio above 1 means more of the metric (better for throughput and IOPS, "
                 "worse for latency and CPU).\n");
}

void table_print_differs(FILE *out, const struct scenario *s)
{
    char val[SCENARIO_ERR_MAX];
    unsigned unasked = 0, differ = scenario_configs_differ(s, &unasked);
    int cw = table_config_width(s);

    if (s->n_configs < 2 || !differ) {
        return;
    }
    fprintf(out, "\nwhat differs between the configurations%s:\n",
            unasked ? " (! = not asked for: it follows from another choice)" : "");
    for (unsigned i = 0; i < s->n_configs; i++) {
        fprintf(out, "  %-*s", cw, s->configs[i].name);
        for (unsigned k = 0; k < SCENARIO_CK_COUNT; k++) {
            if (!(differ & (1u << k))) {
                continue;
            }
            scenario_config_shown(s, i, k, val, sizeof(val));
            fprintf(out, "  %s%s=%s", (unasked & (1u << k)) ? "!" : "",
                    scenario_config_key_name(k), val[0] ? val : "-");
        }
        fputc('\n', out);
    }
}

void table_print(FILE *out, const struct scenario *s, const struct sample_set *samples,
                 const struct summary_set *sum)
{
    int cw = table_config_width(s);

    print_header(out, cw);
    for (unsigned wi = 0; wi < s->n_workloads; wi++) {
        const struct workload *w = s->workloads[wi];
        const char *ref = reference_config(s, w->kind);
        const char *metrics[2] = {table_primary_metric(w), "host_cpu_us_per_op"};

        for (unsigned mi = 0; mi < 2; mi++) {
            print_metric_heading(out, metrics[mi], w->rw, mi == 0); /* custom ones: rw */
            for (unsigned di = 0; di < s->n_devices; di++) {
                if (s->devices[di]->kind == w->kind) {
                    print_row(out, samples, sum, w->name, w->rw, metrics[mi],
                              s->configs[di].name, ref, cw);
                }
            }
        }
    }
    print_metric_heading(out, TABLE_BOOT_METRIC, "boot", 1);
    for (unsigned di = 0; di < s->n_devices; di++) {
        const struct summary_row *row =
            summary_find(sum, s->configs[di].name, "boot", TABLE_BOOT_METRIC);
        if (row) {
            fprintf(out, "  %-14s %-*s %12.3g s\n", "boot", cw, s->configs[di].name,
                     row->st.median);
        }
    }
    print_footer(out);
}

/* ---- the view of a sample set ---------------------------------------------------------------- */

void table_view_free(struct table_view *v)
{
    if (!v) {
        return;
    }
    free(v->configs);
    free(v->workloads);
    memset(v, 0, sizeof(*v));
}

int table_config_is_kind(const struct table_config *c, const char *kind)
{
    size_t n = strlen(kind);
    const char *p = c->kind;

    for (;;) {
        if (strncmp(p, kind, n) == 0 && (p[n] == '\0' || p[n] == ',')) {
            return 1;
        }
        p = strchr(p, ',');
        if (!p) {
            return 0;
        }
        p++;
    }
}

const struct table_config *table_view_config(const struct table_view *v, const char *config)
{
    for (size_t i = 0; i < v->n_configs; i++) {
        if (strcmp(v->configs[i].config, config) == 0) {
            return &v->configs[i];
        }
    }
    return NULL;
}

const struct table_config *table_view_reference(const struct table_view *v, const char *kind)
{
    const struct table_config *first = NULL;

    for (size_t i = 0; i < v->n_configs && v->reference[0]; i++) {
        if (strcmp(v->configs[i].kind, kind) == 0 && strcmp(v->configs[i].config, v->reference) == 0) {
            return &v->configs[i];
        }
    }
    for (size_t i = 0; i < v->n_configs; i++) {
        if (strcmp(v->configs[i].kind, kind) != 0) {
            continue;
        }
        if (strcmp(v->configs[i].class_, devmodel_class_name(DEVMODEL_EMULATED)) == 0) {
            return &v->configs[i];
        }
        first = first ? first : &v->configs[i];
    }
    return first; /* no emulated one: the first listed, as in a run's own table */
}

const struct table_config *table_view_reference_of(const struct table_view *v,
                                                   const struct table_config *c)
{
    const struct table_config *first = NULL;

    if (!c) {
        return NULL;
    }
    for (size_t i = 0; i < v->n_configs && v->reference[0]; i++) {
        if (strcmp(v->configs[i].kind, c->kind) == 0 && strcmp(v->configs[i].host, c->host) == 0 &&
            strcmp(v->configs[i].config, v->reference) == 0) {
            return &v->configs[i];
        }
    }
    for (size_t i = 0; i < v->n_configs; i++) {
        if (strcmp(v->configs[i].kind, c->kind) != 0 || strcmp(v->configs[i].host, c->host) != 0) {
            continue;
        }
        if (strcmp(v->configs[i].class_, devmodel_class_name(DEVMODEL_EMULATED)) == 0) {
            return &v->configs[i];
        }
        first = first ? first : &v->configs[i];
    }
    return first;
}

size_t table_view_hosts(const struct table_view *v)
{
    size_t n = 0;

    for (size_t i = 0; i < v->n_configs; i++) {
        size_t j = 0;

        while (j < i && strcmp(v->configs[j].host, v->configs[i].host) != 0) {
            j++;
        }
        n += j == i;
    }
    return n;
}

static int has_metric(const struct sample_set *samples, const char *workload, const char *metric)
{
    for (size_t i = 0; i < samples->n; i++) {
        if (strcmp(samples->v[i].workload, workload) == 0 &&
            strcmp(samples->v[i].metric, metric) == 0) {
            return 1;
        }
    }
    return 0;
}

/* First metric of the workload other than the boot metric, in file order ("" if none). */
static const char *first_metric(const struct sample_set *samples, const char *workload)
{
    for (size_t i = 0; i < samples->n; i++) {
        if (strcmp(samples->v[i].workload, workload) == 0 &&
            strcmp(samples->v[i].metric, TABLE_BOOT_METRIC) != 0) {
            return samples->v[i].metric;
        }
    }
    return "";
}

/* See table_view_build in table.h for the order of preference. */
static const char *view_metric(const struct sample_set *samples, const char *workload)
{
    const struct workload *w = workload_find(workload);
    const struct metric *m;

    if (w && has_metric(samples, workload, table_primary_metric(w))) {
        return table_primary_metric(w);
    }
    for (unsigned i = 0; (m = metric_at(i)) != NULL; i++) {
        if (m->dir == METRIC_HIGHER_BETTER && has_metric(samples, workload, m->name)) {
            return m->name;
        }
    }
    return first_metric(samples, workload);
}

int table_view_build(const struct sample_set *samples, struct table_view *v)
{
    size_t i, k;

    memset(v, 0, sizeof(*v));
    if (samples->n == 0) {
        return 0;
    }
    /* At most one configuration and one workload per sample. */
    v->configs = calloc(samples->n, sizeof(*v->configs));
    v->workloads = calloc(samples->n, sizeof(*v->workloads));
    if (!v->configs || !v->workloads) {
        table_view_free(v);
        errno = ENOMEM;
        return -1;
    }
    for (i = 0; i < samples->n; i++) {
        const struct sample *s = &samples->v[i];

        if (!table_view_config(v, s->config)) {
            struct table_config *c = &v->configs[v->n_configs++];
            memcpy(c->config, s->config, sizeof(c->config));
            memcpy(c->device, s->device, sizeof(c->device));
            memcpy(c->class_, s->class_, sizeof(c->class_));
            memcpy(c->kind, s->kind, sizeof(c->kind));
            memcpy(c->host, s->host, sizeof(c->host));
        } else {
            /* the bare host ("host") measures disks and NICs alike: "blk,net" */
            struct table_config *c = (struct table_config *)table_view_config(v, s->config);
            size_t l = strlen(c->kind);

            if (!table_config_is_kind(c, s->kind) && l + 1 + strlen(s->kind) < sizeof(c->kind)) {
                snprintf(c->kind + l, sizeof(c->kind) - l, ",%s", s->kind);
            }
        }
        for (k = 0; k < v->n_workloads; k++) {
            if (strcmp(v->workloads[k].name, s->workload) == 0) {
                break;
            }
        }
        if (k == v->n_workloads) {
            const struct workload *preset = workload_find(s->workload);

            memcpy(v->workloads[k].name, s->workload, sizeof(v->workloads[k].name));
            memcpy(v->workloads[k].kind, s->kind, sizeof(v->workloads[k].kind));
            if (preset) {
                util_strlcpy(v->workloads[k].rw, preset->rw, sizeof(v->workloads[k].rw));
            }
            v->n_workloads++;
        }
    }
    /* Pick each workload's metric; drop those that only carry the boot metric. */
    for (i = 0, k = 0; i < v->n_workloads; i++) {
        const char *m = view_metric(samples, v->workloads[i].name);

        if (!*m) {
            continue;
        }
        v->workloads[k] = v->workloads[i];
        snprintf(v->workloads[k].metric, sizeof(v->workloads[k].metric), "%s", m);
        k++;
    }
    v->n_workloads = k;
    return 0;
}

void table_view_set_rw(struct table_view *v, const struct scenario *s)
{
    for (size_t i = 0; s && i < v->n_workloads; i++) {
        for (unsigned k = 0; k < s->n_workloads; k++) {
            if (strcmp(s->workloads[k]->name, v->workloads[i].name) == 0) {
                util_strlcpy(v->workloads[i].rw, s->workloads[k]->rw, sizeof(v->workloads[i].rw));
                break;
            }
        }
    }
}

const char *table_view_rw(const struct table_view *v, const char *workload)
{
    for (size_t i = 0; i < v->n_workloads; i++) {
        if (strcmp(v->workloads[i].name, workload) == 0 && v->workloads[i].rw[0]) {
            return v->workloads[i].rw;
        }
    }
    return workload;
}

/* Is median m of one side inside the 95% interval [lo, hi] of the other? */
static int within(double m, const struct stats_summary *other)
{
    return m >= other->ci_low && m <= other->ci_high;
}

/* Metrics the side-by-side table leaves out: shares of CPU time (per op says it better), and
 * latency points between the median and p99. */
static int backends_skip(const char *metric)
{
    static const char *const skip[] = {"lat_mean_us", "lat_p90_us", "lat_p999_us", "lat_max_us"};
    size_t n = strlen(metric);

    if (n > 4 && strcmp(metric + n - 4, "_pct") == 0) {
        return 1;
    }
    for (size_t i = 0; i < sizeof(skip) / sizeof(skip[0]); i++) {
        if (strcmp(metric, skip[i]) == 0) {
            return 1;
        }
    }
    return 0;
}

unsigned table_print_backends(FILE *out, const struct sample_set *samples,
                              const struct summary_set *sum, const char *const *dev_a,
                              const char *const *dev_b, size_t n, const char *name_a,
                              const char *name_b)
{
    char ma[16], la[16], ha[16], mb[16], lb[16], hb[16], ival_a[40], ival_b[40], rt[48];
    unsigned differ = 0, apart = 0;
    int header = 0;

    for (size_t di = 0; di < n; di++) {
        for (size_t i = 0; i < sum->n; i++) {
            const struct summary_row *a = &sum->v[i], *b;
            struct table_ratio r;
            const char *inside = "-";

            if (strcmp(a->config, dev_a[di]) != 0 || backends_skip(a->metric) ||
                (b = summary_find(sum, dev_b[di], a->workload, a->metric)) == NULL) {
                continue;
            }
            if (!header) {
                fprintf(out, "\nbackends side by side: median [95%% interval] of each; the ratio "
                             "%s / %s with its 95%% interval\n",
                        name_b, name_a);
                fprintf(out, "  %-12s %-10s %-20s %-28s %-28s %-24s %s\n", "device", "workload",
                        "metric", name_a, name_b, "ratio", "medians inside");
                header = 1;
            }
            table_fmt_value(ma, sizeof(ma), a->st.median);
            table_fmt_value(la, sizeof(la), a->st.ci_low);
            table_fmt_value(ha, sizeof(ha), a->st.ci_high);
            table_fmt_value(mb, sizeof(mb), b->st.median);
            table_fmt_value(lb, sizeof(lb), b->st.ci_low);
            table_fmt_value(hb, sizeof(hb), b->st.ci_high);
            snprintf(ival_a, sizeof(ival_a), "%s [%s .. %s]", ma, la, ha);
            snprintf(ival_b, sizeof(ival_b), "%s [%s .. %s]", mb, lb, hb);
            if (table_ratio(samples, dev_b[di], dev_a[di], a->workload, a->metric, &r) < 0) {
                snprintf(rt, sizeof(rt), "-");
            } else if (r.n_min < 2) {
                snprintf(rt, sizeof(rt), "%.2fx (n=%u)", r.ratio, r.n_min);
            } else {
                snprintf(rt, sizeof(rt), "%.2fx [%.2f .. %.2f] %s", r.ratio, r.low, r.high,
                         r.excludes_one ? "*" : "~");
                differ += r.excludes_one;
            }
            if (a->st.n >= 2 && b->st.n >= 2) {
                int in = within(a->st.median, &b->st) && within(b->st.median, &a->st);

                inside = in ? "yes" : "no";
                apart += !in;
            }
            fprintf(out, "  %-12s %-10s %-20s %-28s %-28s %-24s %s\n", a->device, a->workload,
                    a->metric, ival_a, ival_b, rt, inside);
        }
    }
    if (header) {
        fprintf(out, "  * the ratio's interval excludes 1: the backends differ beyond this run's "
                     "noise (%u row%s)\n"
                     "  ~ it holds 1: this run cannot tell them apart\n"
                     "  medians inside: each median within the other's interval (%u row%s not)\n",
                differ, differ == 1 ? "" : "s", apart, apart == 1 ? "" : "s");
    }
    return differ;
}

size_t table_print_backends_of_view(FILE *out, const struct table_view *v,
                                    const struct sample_set *samples,
                                    const struct summary_set *sum)
{
    const char **a = calloc(v->n_configs + 1, sizeof(*a));
    const char **b = calloc(v->n_configs + 1, sizeof(*b));
    size_t n = 0;

    for (size_t i = 0; a && b && i < v->n_configs; i++) {
        for (size_t k = 0; strcmp(v->configs[i].host, RESULTS_HOST_QEMU) == 0 && k < v->n_configs;
             k++) {
            if (strcmp(v->configs[k].host, RESULTS_HOST_LIBVIRT) == 0 &&
                strcmp(v->configs[k].device, v->configs[i].device) == 0) {
                a[n] = v->configs[i].config;
                b[n++] = v->configs[k].config;
            }
        }
    }
    if (n > 0) {
        table_print_backends(out, samples, sum, a, b, n, RESULTS_HOST_QEMU, RESULTS_HOST_LIBVIRT);
    }
    free(a);
    free(b);
    return n;
}

void table_print_view(FILE *out, const struct table_view *v, const struct sample_set *samples,
                      const struct summary_set *sum)
{
    int any_boot = 0, cw = TABLE_CONFIG_W;

    for (size_t ci = 0; ci < v->n_configs; ci++) {
        if ((int)strlen(v->configs[ci].config) > cw) {
            cw = (int)strlen(v->configs[ci].config);
        }
    }
    print_header(out, cw);
    for (size_t wi = 0; wi < v->n_workloads; wi++) {
        const struct table_workload *w = &v->workloads[wi];
        const char *metrics[2] = {w->metric, "host_cpu_us_per_op"};

        for (unsigned mi = 0; mi < 2; mi++) {
            if (mi > 0 && !has_metric(samples, w->name, metrics[mi])) {
                continue;
            }
            print_metric_heading(out, metrics[mi], table_view_rw(v, w->name), mi == 0);
            for (size_t ci = 0; ci < v->n_configs; ci++) {
                /* Several hosts: each configuration against the emulated one of its host. */
                const struct table_config *ref = table_view_reference_of(v, &v->configs[ci]);

                if (table_config_is_kind(&v->configs[ci], w->kind)) {
                    print_row(out, samples, sum, w->name, table_view_rw(v, w->name), metrics[mi],
                              v->configs[ci].config, ref ? ref->config : NULL, cw);
                }
            }
        }
    }
    for (size_t ci = 0; ci < v->n_configs; ci++) {
        for (size_t i = 0; i < sum->n; i++) {
            const struct summary_row *row = &sum->v[i];

            if (strcmp(row->config, v->configs[ci].config) == 0 &&
                strcmp(row->metric, TABLE_BOOT_METRIC) == 0) {
                if (!any_boot) {
                    print_metric_heading(out, TABLE_BOOT_METRIC, "boot", 1);
                    any_boot = 1;
                }
                fprintf(out, "  %-14s %-*s %12.3g s\n", row->workload, cw, row->config,
                        row->st.median);
            }
        }
    }
    print_footer(out);
    table_print_backends_of_view(out, v, samples, sum);
}

