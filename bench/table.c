#include "table.h"

#include <stdlib.h>
#include <string.h>

#include "metric.h"

const char *table_primary_metric(const struct workload *w)
{
    if (w->kind == DEVMODEL_BLK) {
        if (strcmp(w->rw, "read") == 0 || strcmp(w->rw, "write") == 0) {
            return "throughput_mib_s";
        }
        return w->qd > 1 ? "iops" : "lat_mean_us";
    }
    return "throughput_mbit_s";
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

/* The device every other of its kind is compared with: the first emulated one listed. */
static const struct devmodel *reference_device(const struct scenario *s, enum devmodel_kind kind)
{
    for (unsigned i = 0; i < s->n_devices; i++) {
        if (s->devices[i]->kind == kind && s->devices[i]->class == DEVMODEL_EMULATED) {
            return s->devices[i];
        }
    }
    return NULL;
}

static void print_row(FILE *out, const struct scenario *s, const struct sample_set *samples,
                      const struct summary_set *sum, const struct workload *w,
                      const char *metric, const struct devmodel *d, const struct devmodel *ref)
{
    const struct summary_row *row = summary_find(sum, d->name, w->name, metric);
    const struct metric *m = metric_find(metric);
    double *a, *b, ratio, lo, hi;
    size_t na, nb;

    (void)s;
    if (!row) {
        fprintf(out, "  %-14s %-12s %12s\n", w->name, d->name, "(no data)");
        return;
    }
    fprintf(out, "  %-14s %-12s %12.4g  [%.4g .. %.4g] %-6s n=%-3u", w->name, d->name,
            row->st.median, row->st.ci_low, row->st.ci_high, m ? m->unit : "", row->st.n);
    if (ref && ref != d) {
        a = cell_values(samples, d->name, w->name, metric, &na);
        b = cell_values(samples, ref->name, w->name, metric, &nb);
        if (a && b && stats_ratio(a, na, b, nb, STATS_DEFAULT_SEED, &ratio, &lo, &hi) == 0) {
            int excl = lo > 1.0 || hi < 1.0;
            fprintf(out, "  %6.2fx vs %s [%.2f .. %.2f]%s", ratio, ref->name, lo, hi,
                    excl ? " *" : "");
        }
        free(a);
        free(b);
    }
    fputc('\n', out);
}

void table_print(FILE *out, const struct scenario *s, const struct sample_set *samples,
                 const struct summary_set *sum)
{
    fprintf(out, "\n%-16s %-12s %12s  %-18s %-6s %-5s  %s\n", "  workload", "device", "median",
            "95% interval", "unit", "n", "ratio (paravirtual / emulated)");
    for (unsigned wi = 0; wi < s->n_workloads; wi++) {
        const struct workload *w = s->workloads[wi];
        const struct devmodel *ref = reference_device(s, w->kind);
        const char *metrics[2] = {table_primary_metric(w), "host_cpu_us_per_op"};

        for (unsigned mi = 0; mi < 2; mi++) {
            fprintf(out, "%s%s\n", mi ? "" : "\n", metrics[mi]);
            for (unsigned di = 0; di < s->n_devices; di++) {
                if (s->devices[di]->kind == w->kind) {
                    print_row(out, s, samples, sum, w, metrics[mi], s->devices[di], ref);
                }
            }
        }
    }
    fprintf(out, "\nboot_to_ready_s\n");
    for (unsigned di = 0; di < s->n_devices; di++) {
        const struct summary_row *row =
            summary_find(sum, s->devices[di]->name, "boot", "boot_to_ready_s");
        if (row) {
            fprintf(out, "  %-14s %-12s %12.3g s\n", "boot", s->devices[di]->name,
                    row->st.median);
        }
    }
    fprintf(out, "\n* the 95%% interval of the ratio excludes 1: the difference is not noise.\n"
                 "  A ratio above 1 means more of the metric (better for throughput and IOPS, "
                 "worse for latency and CPU).\n");
}
