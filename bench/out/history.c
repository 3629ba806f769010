/* Series over runs: grouping, ordering, change points and the gate (history.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "history.h"
#include "permtest.h"
#include "util.h"
#include "verdict.h"

/* Grow *v (of *cap elements of size) to hold one more than n. 0 or -1. */
static int history_grow(void **v, size_t *cap, size_t n, size_t size)
{
    void *nv;
    size_t ncap;

    if (n < *cap) {
        return 0;
    }
    ncap = *cap ? *cap * 2 : 8;
    nv = realloc(*v, ncap * size);
    if (!nv) {
        return -1;
    }
    *v = nv;
    *cap = ncap;
    return 0;
}

long history_add_run(struct history *h, const struct history_run *r)
{
    size_t i;

    for (i = h->nruns; i-- > 0;) {
        if (strcmp(h->runs[i].run_id, r->run_id) == 0) {
            return (long)i;
        }
    }
    if (history_grow((void **)&h->runs, &h->runs_cap, h->nruns, sizeof(*h->runs)) < 0) {
        return -1;
    }
    h->runs[h->nruns] = *r;
    return (long)h->nruns++;
}

static int history_same_cell(const struct history *h, const struct history_series *s, size_t run,
                             const char *config, const char *workload, const char *metric)
{
    const struct history_run *a = &h->runs[s->host_run];
    const struct history_run *b = &h->runs[run];

    return strcmp(s->config, config) == 0 && strcmp(s->workload, workload) == 0 &&
           strcmp(s->metric, metric) == 0 && strcmp(a->host_class, b->host_class) == 0 &&
           strcmp(a->accel, b->accel) == 0;
}

int history_add_sample(struct history *h, size_t run, const char *config, const char *workload,
                       const char *metric, const char *unit, double value)
{
    struct history_series *s = NULL;
    struct history_point *p = NULL;
    size_t i;

    /* Samples come run by run, cell by cell: the last series is the likely one. */
    for (i = h->ns; i-- > 0;) {
        if (history_same_cell(h, &h->s[i], run, config, workload, metric)) {
            s = &h->s[i];
            break;
        }
    }
    if (!s) {
        if (history_grow((void **)&h->s, &h->s_cap, h->ns, sizeof(*h->s)) < 0) {
            return -1;
        }
        s = &h->s[h->ns++];
        memset(s, 0, sizeof(*s));
        util_strlcpy(s->config, config, sizeof(s->config));
        util_strlcpy(s->workload, workload, sizeof(s->workload));
        util_strlcpy(s->metric, metric, sizeof(s->metric));
        util_strlcpy(s->unit, unit, sizeof(s->unit));
        s->host_run = run;
    }
    for (i = s->n; i-- > 0;) {
        if (s->p[i].run == run) {
            p = &s->p[i];
            break;
        }
    }
    if (!p) {
        if (history_grow((void **)&s->p, &s->cap, s->n, sizeof(*s->p)) < 0) {
            return -1;
        }
        p = &s->p[s->n++];
        memset(p, 0, sizeof(*p));
        p->run = run;
    }
    if (history_grow((void **)&p->v, &p->cap, p->n, sizeof(*p->v)) < 0) {
        return -1;
    }
    p->v[p->n++] = value;
    return 0;
}

struct history_sort {
    const struct history *h;
    enum history_by by;
};

static int history_point_cmp(const void *a, const void *b, void *arg)
{
    const struct history_sort *o = arg;
    const struct history_run *ra = &o->h->runs[((const struct history_point *)a)->run];
    const struct history_run *rb = &o->h->runs[((const struct history_point *)b)->run];
    int c = 0;

    switch (o->by) {
    case HISTORY_BY_QEMU:
        c = strverscmp(ra->qemu, rb->qemu);
        break;
    case HISTORY_BY_KERNEL:
        c = strverscmp(ra->kernel, rb->kernel);
        break;
    case HISTORY_BY_LABEL:
        c = strverscmp(ra->label, rb->label);
        break;
    case HISTORY_BY_TIME:
        break;
    }
    if (c == 0) {
        c = strcmp(ra->start, rb->start);
    }
    return c != 0 ? c : strcmp(ra->run_id, rb->run_id);
}

/* Change points of s's medians, each with the bootstrap interval of its ratio. */
static int history_series_changes(struct history_series *s, uint64_t seed)
{
    struct changepoint_options o;
    double *x = malloc((s->n ? s->n : 1) * sizeof(*x));
    size_t i, k, start, end;
    double ratio, lo, hi;
    int rc = -1;

    if (!x) {
        return -1;
    }
    for (i = 0; i < s->n; i++) {
        x[i] = s->p[i].st.median;
    }
    changepoint_options_init(&o);
    o.seed = seed;
    if (changepoint_find(x, s->n, &o, s->cp, CHANGEPOINT_MAX, &s->ncp) < 0) {
        goto out;
    }
    for (k = 0; k < s->ncp; k++) {
        start = k > 0 ? s->cp[k - 1].index : 0;
        end = k + 1 < s->ncp ? s->cp[k + 1].index : s->n;
        s->cp_lo[k] = s->cp_hi[k] = NAN;
        /* median(after) / median(before), the runs' medians resampled. */
        if (stats_ratio(x + s->cp[k].index, end - s->cp[k].index, x + start, s->cp[k].index - start,
                        seed, &ratio, &lo, &hi) == 0) {
            s->cp_lo[k] = (lo - 1.0) * 100.0;
            s->cp_hi[k] = (hi - 1.0) * 100.0;
        }
    }
    rc = 0;
out:
    free(x);
    return rc;
}

int history_finish(struct history *h, enum history_by by, uint64_t seed)
{
    struct history_sort o = {h, by};
    size_t i, j;

    for (i = 0; i < h->ns; i++) {
        struct history_series *s = &h->s[i];

        qsort_r(s->p, s->n, sizeof(*s->p), history_point_cmp, &o);
        for (j = 0; j < s->n; j++) {
            if (stats_summarize(s->p[j].v, s->p[j].n, seed, &s->p[j].st) < 0) {
                return -1;
            }
        }
        if (history_series_changes(s, seed) < 0) {
            return -1;
        }
    }
    return 0;
}

void history_free(struct history *h)
{
    size_t i, j;

    for (i = 0; i < h->ns; i++) {
        for (j = 0; j < h->s[i].n; j++) {
            free(h->s[i].p[j].v);
        }
        free(h->s[i].p);
    }
    free(h->s);
    free(h->runs);
    memset(h, 0, sizeof(*h));
}

int history_filter_match(const struct history_filter *f, const char *config, const char *workload,
                         const char *metric)
{
    struct compare_options o;

    if ((f->config && *f->config && strcmp(f->config, config) != 0) ||
        (f->workload && *f->workload && strcmp(f->workload, workload) != 0) ||
        (f->metric && *f->metric && strcmp(f->metric, metric) != 0)) {
        return 0;
    }
    if (f->headline) {
        compare_options_init(&o);
        return compare_metric_selected(&o, metric);
    }
    return 1;
}

int history_by_parse(const char *s, enum history_by *by)
{
    static const char *const names[] = {"time", "qemu", "kernel", "label"};
    size_t i;

    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcmp(s, names[i]) == 0) {
            *by = (enum history_by)i;
            return 0;
        }
    }
    return -1;
}

/*
 * The segment's own noise floor: the 95th percentile of how far its runs' medians sit from
 * the segment's median (verdict_noise_floor), in %. NAN when it cannot be computed.
 */
static double history_segment_floor(const struct history_series *s, size_t start, size_t end,
                                    double median)
{
    double ch[HISTORY_FLOOR_MAX];
    size_t i, n = 0;

    if (end - start > HISTORY_FLOOR_MAX) {
        start = end - HISTORY_FLOOR_MAX;
    }
    for (i = start; i < end; i++) {
        ch[n++] = median != 0.0 ? (s->p[i].st.median / median - 1.0) * 100.0 : NAN;
    }
    return n > 0 && isfinite(ch[0]) ? verdict_noise_floor(ch, n) : NAN;
}

int history_gate(const struct history_series *s, size_t last, int higher_is_better,
                 double threshold_pct, double alpha, uint64_t seed, struct history_gate *g)
{
    struct changepoint_options o;
    struct changepoint cp[CHANGEPOINT_MAX];
    struct permtest t;
    double *x = NULL, *a = NULL;
    size_t i, j, na = 0, ncp = 0, total = 0;
    double ma, mb, floor_pct;
    int rc = -1;

    memset(g, 0, sizeof(*g));
    g->p = 1.0;
    if (last < HISTORY_MIN_HISTORY || last >= s->n) {
        return 0;
    }
    x = malloc(last * sizeof(*x));
    if (!x) {
        return -1;
    }
    for (i = 0; i < last; i++) {
        x[i] = s->p[i].st.median;
    }
    changepoint_options_init(&o);
    o.seed = seed;
    if (changepoint_find(x, last, &o, cp, CHANGEPOINT_MAX, &ncp) < 0) {
        goto out;
    }
    g->seg_start = ncp > 0 ? cp[ncp - 1].index : 0;
    if (last - g->seg_start < HISTORY_MIN_HISTORY) {
        rc = 0;
        goto out;
    }
    for (i = g->seg_start; i < last; i++) {
        total += s->p[i].n;
    }
    a = malloc((total ? total : 1) * sizeof(*a));
    if (!a) {
        goto out;
    }
    for (i = g->seg_start; i < last; i++) {
        for (j = 0; j < s->p[i].n; j++) {
            a[na++] = s->p[i].v[j];
        }
    }
    if (na == 0 || s->p[last].n == 0) {
        rc = 0;
        goto out;
    }
    if (permtest_run(a, na, s->p[last].v, s->p[last].n, alpha, seed, &t) < 0) {
        goto out;
    }
    ma = stats_median(a, na);
    mb = stats_median(s->p[last].v, s->p[last].n);
    floor_pct = history_segment_floor(s, g->seg_start, last, ma);
    g->threshold_pct = isfinite(floor_pct) && floor_pct > threshold_pct ? floor_pct : threshold_pct;
    g->judged = 1;
    g->p = t.p;
    g->change_pct = ma != 0.0 ? (mb / ma - 1.0) * 100.0 : NAN;
    g->worse =
        isfinite(g->change_pct) && t.p < alpha &&
        (higher_is_better ? g->change_pct < -g->threshold_pct : g->change_pct > g->threshold_pct);
    rc = 0;
out:
    free(a);
    free(x);
    return rc;
}
