/* E-divisive change points with a permutation test (changepoint.h). */
#include "changepoint.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"

struct changepoint_seg {
    size_t s, e; /* x[s..e) */
    size_t t;    /* its best split, 0 when it has none */
    double q;
};

void changepoint_options_init(struct changepoint_options *o)
{
    memset(o, 0, sizeof(*o));
    o->alpha = 0.05;
    o->min_segment = 3;
    o->permutations = CHANGEPOINT_PERMUTATIONS;
    o->max_points = CHANGEPOINT_MAX;
    o->seed = STATS_DEFAULT_SEED;
}

static double changepoint_q(double between, double wl, double wr, size_t a, size_t b)
{
    double e = 2.0 * between / ((double)a * (double)b);

    if (a > 1) {
        e -= wl / ((double)a * (double)(a - 1) / 2.0);
    }
    if (b > 1) {
        e -= wr / ((double)b * (double)(b - 1) / 2.0);
    }
    return (double)a * (double)b / (double)(a + b) * e;
}

/*
 * The best split of x[0..n) with at least m points a side: *t (0 if none) and its Q.
 * O(n^2): the three sums move along as the split does.
 */
static void changepoint_best(const double *x, size_t n, size_t m, size_t *t, double *q)
{
    double between = 0.0, wl = 0.0, wr = 0.0;
    size_t i, j;

    *t = 0;
    *q = -INFINITY;
    if (m == 0 || n < 2 * m) {
        return;
    }
    for (i = 0; i < n; i++) {
        for (j = i + 1; j < n; j++) {
            double d = fabs(x[i] - x[j]);
            if (j < m) {
                wl += d;
            } else if (i >= m) {
                wr += d;
            } else {
                between += d;
            }
        }
    }
    for (size_t tau = m;; tau++) {
        double v = changepoint_q(between, wl, wr, tau, n - tau);
        double dl = 0.0, dr = 0.0;

        if (v > *q) {
            *q = v;
            *t = tau;
        }
        if (tau + 1 > n - m) {
            break;
        }
        /* x[tau] moves to the left side */
        for (i = 0; i < tau; i++) {
            dl += fabs(x[tau] - x[i]);
        }
        for (j = tau + 1; j < n; j++) {
            dr += fabs(x[tau] - x[j]);
        }
        between += dr - dl;
        wl += dl;
        wr -= dr;
    }
}

static void changepoint_seg_best(const double *x, size_t m, struct changepoint_seg *g)
{
    size_t t;

    changepoint_best(x + g->s, g->e - g->s, m, &t, &g->q);
    g->t = t ? g->s + t : 0;
}

/* p of segment g's best split: its values permuted, the best Q of each arrangement. */
static double changepoint_perm_p(const double *x, const struct changepoint_seg *g,
                                 const struct changepoint_options *o, double *work,
                                 struct stats_rng *rng)
{
    size_t n = g->e - g->s, t;
    unsigned ge = 0;
    double q;

    memcpy(work, x + g->s, n * sizeof(*work));
    for (unsigned r = 0; r < o->permutations; r++) {
        for (size_t i = n - 1; i > 0; i--) {
            size_t j = stats_rng_below(rng, i + 1);
            double tmp = work[i];
            work[i] = work[j];
            work[j] = tmp;
        }
        changepoint_best(work, n, o->min_segment, &t, &q);
        ge += q >= g->q * (1.0 - 1e-12);
    }
    return ((double)ge + 1.0) / ((double)o->permutations + 1.0);
}

static int changepoint_cmp_index(const void *pa, const void *pb)
{
    const struct changepoint *a = pa, *b = pb;

    return (a->index > b->index) - (a->index < b->index);
}

int changepoint_find(const double *x, size_t n, const struct changepoint_options *o,
                     struct changepoint *out, size_t max, size_t *found)
{
    struct changepoint_seg *seg;
    struct stats_rng rng;
    size_t nseg = 1, k = 0, cap;
    double *work;
    int rc = -1;

    *found = 0;
    if (o->min_segment == 0 || !(o->alpha > 0 && o->alpha < 1) || o->permutations == 0) {
        return -1;
    }
    if (n < 2 * o->min_segment) {
        return 0;
    }
    cap = (o->max_points < max ? o->max_points : max) + 1;
    seg = calloc(cap, sizeof(*seg));
    work = malloc(n * sizeof(*work));
    if (!seg || !work) {
        goto out;
    }
    stats_rng_seed(&rng, o->seed);
    seg[0].s = 0;
    seg[0].e = n;
    changepoint_seg_best(x, o->min_segment, &seg[0]);
    while (k + 1 < cap) {
        size_t best = nseg;
        double p;

        for (size_t i = 0; i < nseg; i++) {
            if (seg[i].t && (best == nseg || seg[i].q > seg[best].q)) {
                best = i;
            }
        }
        if (best == nseg) {
            break;
        }
        p = changepoint_perm_p(x, &seg[best], o, work, &rng);
        if (p >= o->alpha) {
            break;
        }
        out[k].index = seg[best].t;
        out[k].q = seg[best].q;
        out[k].p = p;
        k++;
        seg[nseg].s = seg[best].t;
        seg[nseg].e = seg[best].e;
        seg[best].e = seg[best].t;
        changepoint_seg_best(x, o->min_segment, &seg[best]);
        changepoint_seg_best(x, o->min_segment, &seg[nseg]);
        nseg++;
    }
    qsort(out, k, sizeof(*out), changepoint_cmp_index);
    for (size_t i = 0; i < k; i++) {
        size_t s0 = i ? out[i - 1].index : 0;
        size_t e1 = i + 1 < k ? out[i + 1].index : n;
        out[i].before = stats_median(x + s0, out[i].index - s0);
        out[i].after = stats_median(x + out[i].index, e1 - out[i].index);
        out[i].change_pct =
            out[i].before != 0 ? (out[i].after / out[i].before - 1.0) * 100.0 : NAN;
    }
    *found = k;
    rc = 0;
out:
    free(seg);
    free(work);
    return rc;
}
