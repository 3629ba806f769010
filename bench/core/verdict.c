/* The three-way verdict of one cell, boots as the unit (verdict.h). */
#include "verdict.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "permtest.h"
#include "stats.h"

/* One side's values grouped by boot: boot k holds idx[start[k] .. start[k+1]). */
struct verdict_boots {
    unsigned n_boots;
    size_t *idx;
    size_t *start;
    double *mean;  /* each boot's mean */
    double grand;  /* mean of the boot means */
    double var_bm; /* sample variance of the boot means (0 below 2 boots) */
    double ms_w;   /* within-boot mean square (0 when no boot has 2 values) */
    double df_w;
};

void verdict_options_init(struct verdict_options *o)
{
    memset(o, 0, sizeof(*o));
    o->threshold_pct = 5.0;
    o->alpha = 0.01;
    o->higher_is_better = 1;
    o->resamples = VERDICT_RESAMPLES;
    o->seed = STATS_DEFAULT_SEED;
}

const char *verdict_name(enum verdict_kind k)
{
    switch (k) {
    case VERDICT_SAME:
        return "SAME";
    case VERDICT_DIFFERENT:
        return "DIFFERENT";
    case VERDICT_UNKNOWN:
        break;
    }
    return "UNKNOWN";
}

static void verdict_boots_free(struct verdict_boots *g)
{
    free(g->idx);
    free(g->start);
    free(g->mean);
    memset(g, 0, sizeof(*g));
}

/* Group s by boot (boots in order of first appearance) and take the moments. 0 or -1. */
static int verdict_group(const struct verdict_side *s, struct verdict_boots *g)
{
    unsigned *ids = NULL;
    size_t *count = NULL;
    size_t i, pos = 0;
    unsigned k, nb = 0;
    int rc = -1;

    memset(g, 0, sizeof(*g));
    ids = malloc(s->n * sizeof(*ids));
    count = calloc(s->n + 1, sizeof(*count));
    g->idx = malloc(s->n * sizeof(*g->idx));
    g->start = malloc((s->n + 1) * sizeof(*g->start));
    g->mean = calloc(s->n, sizeof(*g->mean));
    if (!ids || !count || !g->idx || !g->start || !g->mean) {
        goto out;
    }
    for (i = 0; i < s->n; i++) {
        for (k = 0; k < nb && ids[k] != s->boot[i]; k++) {
        }
        if (k == nb) {
            ids[nb++] = s->boot[i];
        }
        count[k]++;
    }
    for (k = 0; k < nb; k++) {
        g->start[k] = pos;
        pos += count[k];
        count[k] = 0;
    }
    g->start[nb] = pos;
    for (i = 0; i < s->n; i++) {
        for (k = 0; ids[k] != s->boot[i]; k++) {
        }
        g->idx[g->start[k] + count[k]++] = i;
        g->mean[k] += s->v[i];
    }
    g->n_boots = nb;
    for (k = 0; k < nb; k++) {
        size_t nk = g->start[k + 1] - g->start[k];
        g->mean[k] /= (double)nk;
        g->grand += g->mean[k];
        for (i = g->start[k]; i < g->start[k + 1]; i++) {
            double d = s->v[g->idx[i]] - g->mean[k];
            g->ms_w += d * d;
        }
        g->df_w += (double)nk - 1.0;
    }
    g->grand /= (double)nb;
    g->ms_w = g->df_w > 0 ? g->ms_w / g->df_w : 0.0;
    for (k = 0; nb > 1 && k < nb; k++) {
        g->var_bm += (g->mean[k] - g->grand) * (g->mean[k] - g->grand) / (double)(nb - 1);
    }
    rc = 0;
out:
    free(ids);
    free(count);
    if (rc < 0) {
        verdict_boots_free(g);
    }
    return rc;
}

/* The variance between boots (a variance component, never below 0) of one side. */
static double verdict_between_var(const struct verdict_boots *g, size_t n)
{
    double per_boot = (double)n / (double)g->n_boots;
    double v = g->var_bm - g->ms_w / per_boot;

    return v > 0 ? v : 0.0;
}

/* One hierarchical bootstrap draw of a side: boots with replacement, then values in each. */
static double verdict_draw(const struct verdict_side *s, const struct verdict_boots *g,
                           struct stats_rng *rng)
{
    double sum = 0.0;

    for (unsigned k = 0; k < g->n_boots; k++) {
        unsigned b = (unsigned)stats_rng_below(rng, g->n_boots);
        size_t nk = g->start[b + 1] - g->start[b];
        double m = 0.0;

        for (size_t t = 0; t < nk; t++) {
            m += s->v[g->idx[g->start[b] + stats_rng_below(rng, nk)]];
        }
        sum += m / (double)nk;
    }
    return sum / (double)g->n_boots;
}

static int verdict_cmp(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;

    return (a > b) - (a < b);
}

/* The standard normal quantile z with P(Z > z) = q (0 < q < 0.5), by bisection on erfc. */
static double verdict_z(double q)
{
    double lo = 0.0, hi = 40.0;

    for (int i = 0; i < 100; i++) {
        double mid = (lo + hi) / 2.0;
        if (0.5 * erfc(mid / sqrt(2.0)) > q) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    return (lo + hi) / 2.0;
}

/*
 * Boots per side likely to settle an undecided cell, from the pooled variance of the boot
 * means (as % of A's mean): for a change beyond the threshold, enough for 80 % power at
 * alpha; inside it, enough for the interval's half-width to fit the margin left.
 */
static unsigned verdict_boots_needed(const struct verdict *v, double var_bm_pct, double alpha)
{
    unsigned have = v->boots_a > v->boots_b ? v->boots_a : v->boots_b;
    unsigned floor_n = permtest_reps_needed(alpha);
    double d = fabs(v->change_pct), n;

    if (v->boots_a < 2 || v->boots_b < 2 || !isfinite(var_bm_pct)) {
        n = floor_n;
    } else if (d > v->threshold_pct) {
        double z = verdict_z(alpha / 2.0) + verdict_z(0.2);
        n = 2.0 * z * z * var_bm_pct / (d * d);
    } else {
        double margin = v->threshold_pct - d;
        n = margin > 0 ? 2.0 * 1.96 * 1.96 * var_bm_pct / (margin * margin) : INFINITY;
    }
    if (!(n < VERDICT_BOOTS_MAX)) {
        return VERDICT_BOOTS_MAX;
    }
    n = ceil(n);
    if (n < floor_n) {
        n = floor_n;
    }
    if (n <= have) {
        n = have + 1; /* it did not settle with these: at least one more */
    }
    return (unsigned)n;
}

int verdict_decide(const struct verdict_side *a, const struct verdict_side *b,
                   const struct verdict_options *o, struct verdict *out)
{
    struct verdict_boots ga, gb;
    struct permtest t;
    double *draws = NULL, var_pct = NAN;
    unsigned resamples = o->resamples ? o->resamples : VERDICT_RESAMPLES;
    int rc = -1;

    memset(out, 0, sizeof(*out));
    if (a->n == 0 || b->n == 0) {
        return -1;
    }
    if (verdict_group(a, &ga) < 0) {
        return -1;
    }
    if (verdict_group(b, &gb) < 0) {
        verdict_boots_free(&ga);
        return -1;
    }
    out->boots_a = ga.n_boots;
    out->boots_b = gb.n_boots;
    out->n_a = a->n;
    out->n_b = b->n;
    out->mean_a = ga.grand;
    out->mean_b = gb.grand;
    /* A base of 0 (a loss rate, say): no ratio, but a direction; 0 against 0 is no change. */
    if (ga.grand != 0) {
        out->change_pct = (gb.grand / ga.grand - 1.0) * 100.0;
    } else {
        out->change_pct = gb.grand == 0 ? 0.0 : (gb.grand > 0 ? INFINITY : -INFINITY);
    }
    out->lo_pct = out->hi_pct = out->between_share = NAN;
    out->p = out->min_p = 1.0;
    out->threshold_pct = o->threshold_pct;
    if (o->noise_pct > o->threshold_pct) {
        out->threshold_pct = o->noise_pct;
        out->threshold_calibrated = 1;
    }

    if (ga.n_boots >= 2 && gb.n_boots >= 2) {
        double bv = verdict_between_var(&ga, a->n) + verdict_between_var(&gb, b->n);
        double total = bv + ga.ms_w + gb.ms_w;

        /* No boot with two values: nothing tells the within-boot spread, so no share. */
        if (ga.df_w + gb.df_w > 0) {
            out->between_share = total > 0 ? bv / total : 0.0;
        }
        if (permtest_run(ga.mean, ga.n_boots, gb.mean, gb.n_boots, o->alpha, o->seed, &t) < 0) {
            goto out;
        }
        out->p = t.p;
        out->min_p = t.min_p;
        if (ga.grand == 0 && gb.grand == 0 && total == 0) {
            out->lo_pct = out->hi_pct = 0.0; /* every value 0 on both sides */
        }
    }
    if (ga.n_boots >= 2 && gb.n_boots >= 2 && ga.grand != 0) {
        struct stats_rng rng;

        var_pct = ((ga.n_boots - 1) * ga.var_bm + (gb.n_boots - 1) * gb.var_bm) /
                  (double)(ga.n_boots + gb.n_boots - 2) / (ga.grand * ga.grand) * 1e4;

        draws = malloc(resamples * sizeof(*draws));
        if (!draws) {
            goto out;
        }
        stats_rng_seed(&rng, o->seed);
        for (unsigned r = 0; r < resamples; r++) {
            double ma = verdict_draw(a, &ga, &rng), mb = verdict_draw(b, &gb, &rng);
            draws[r] = ma != 0 ? (mb / ma - 1.0) * 100.0 : NAN;
        }
        qsort(draws, resamples, sizeof(*draws), verdict_cmp);
        out->lo_pct = draws[(size_t)floor(0.025 * (resamples - 1))];
        out->hi_pct = draws[(size_t)ceil(0.975 * (resamples - 1))];
    }

    if (isfinite(out->lo_pct) && isfinite(out->hi_pct) && out->lo_pct >= -out->threshold_pct &&
        out->hi_pct <= out->threshold_pct) {
        out->kind = VERDICT_SAME;
    } else if (out->p < o->alpha && fabs(out->change_pct) > out->threshold_pct) {
        out->kind = VERDICT_DIFFERENT;
        out->worse = o->higher_is_better ? out->change_pct < 0 : out->change_pct > 0;
    } else {
        out->kind = VERDICT_UNKNOWN;
        out->boots_needed = verdict_boots_needed(out, var_pct, o->alpha);
    }
    rc = 0;
out:
    free(draws);
    verdict_boots_free(&ga);
    verdict_boots_free(&gb);
    return rc;
}

double verdict_noise_floor(const double *changes_pct, size_t n)
{
    double *v, pos, r;
    size_t i, k;

    if (n == 0) {
        return NAN;
    }
    v = malloc(n * sizeof(*v));
    if (!v) {
        return NAN;
    }
    for (i = 0; i < n; i++) {
        v[i] = fabs(changes_pct[i]);
    }
    qsort(v, n, sizeof(*v), verdict_cmp);
    pos = 0.95 * (double)(n - 1);
    k = (size_t)floor(pos);
    r = k + 1 < n ? v[k] + (pos - (double)k) * (v[k + 1] - v[k]) : v[k];
    free(v);
    return r;
}
