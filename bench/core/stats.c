/*
 * Statistics over the repetitions of one metric: median, percentile-bootstrap
 * CI of the median, mean and CV. Deterministic: every random draw comes from a
 * seeded splitmix64, so the same samples and seed give the same interval.
 */
#include "stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Below this size a selection range is finished with insertion sort. */
#define STATS_SMALL 16

void stats_rng_seed(struct stats_rng *r, uint64_t seed)
{
    r->state = seed;
}

/* splitmix64 (Steele, Lea, Flood 2014): one add and a 64-bit finalizer. */
uint64_t stats_rng_next(struct stats_rng *r)
{
    uint64_t z;

    r->state += 0x9e3779b97f4a7c15ull;
    z = r->state;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Uniform in [0, n) without modulo bias: reject the incomplete last block. */
size_t stats_rng_below(struct stats_rng *r, size_t n)
{
    uint64_t limit;
    uint64_t x;

    if (n <= 1) {
        return 0;
    }
    /* The largest multiple of n that fits is UINT64_MAX - (2^64 mod n). */
    limit = UINT64_MAX - (UINT64_MAX % (uint64_t)n + 1) % (uint64_t)n;
    do {
        x = stats_rng_next(r);
    } while (x > limit);
    return (size_t)(x % (uint64_t)n);
}

/* Total order for qsort with NaN last, so sorting never misbehaves. */
static int stats_cmp_double(const void *pa, const void *pb)
{
    double a = *(const double *)pa;
    double b = *(const double *)pb;

    if (a < b) {
        return -1;
    }
    if (a > b) {
        return 1;
    }
    if (isnan(a) || isnan(b)) {
        return isnan(a) - isnan(b);
    }
    return 0;
}

static void stats_swap(double *a, double *b)
{
    double t = *a;

    *a = *b;
    *b = t;
}

static void stats_insertion_sort(double *v, size_t n)
{
    size_t i;
    size_t j;
    double x;

    for (i = 1; i < n; i++) {
        x = v[i];
        j = i;
        while (j > 0 && stats_cmp_double(&v[j - 1], &x) > 0) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = x;
    }
}

/*
 * Quickselect: reorder v so that v[k] is the k-th smallest, everything before
 * it <= v[k] and everything after >= v[k]. Three-way partition (fast with many
 * equal values), median-of-three pivot, and a fall back to qsort after too many
 * rounds so a hostile ordering cannot make it quadratic.
 */
static void stats_select(double *v, size_t n, size_t k)
{
    size_t lo = 0;
    size_t hi = n; /* working range [lo, hi) */
    size_t budget = 64;
    size_t lt;
    size_t gt;
    size_t i;
    size_t mid;
    double a;
    double b;
    double c;
    double pivot;

    while (hi - lo > STATS_SMALL) {
        if (budget-- == 0) {
            qsort(v + lo, hi - lo, sizeof(*v), stats_cmp_double);
            return;
        }
        mid = lo + (hi - lo) / 2;
        a = v[lo];
        b = v[mid];
        c = v[hi - 1];
        if (stats_cmp_double(&a, &b) > 0) {
            stats_swap(&a, &b);
        }
        if (stats_cmp_double(&b, &c) > 0) {
            stats_swap(&b, &c);
            if (stats_cmp_double(&a, &b) > 0) {
                stats_swap(&a, &b);
            }
        }
        pivot = b;
        /* Invariant: [lo,lt) < pivot, [lt,i) == pivot, (gt,hi) > pivot. */
        lt = lo;
        gt = hi;
        i = lo;
        while (i < gt) {
            int c3 = stats_cmp_double(&v[i], &pivot);

            if (c3 < 0) {
                stats_swap(&v[lt++], &v[i++]);
            } else if (c3 > 0) {
                stats_swap(&v[i], &v[--gt]);
            } else {
                i++;
            }
        }
        if (k < lt) {
            hi = lt;
        } else if (k >= gt) {
            lo = gt;
        } else {
            return; /* v[k] == pivot, already in place */
        }
    }
    stats_insertion_sort(v + lo, hi - lo);
}

/* Median of v, reordering v in place (n > 0). */
static double stats_median_inplace(double *v, size_t n)
{
    size_t k = n / 2;
    size_t i;
    double below;

    stats_select(v, n, k);
    if (n % 2 == 1) {
        return v[k];
    }
    /* Even n: the other middle value is the largest of v[0..k). */
    below = v[0];
    for (i = 1; i < k; i++) {
        if (stats_cmp_double(&v[i], &below) > 0) {
            below = v[i];
        }
    }
    return below + (v[k] - below) / 2.0;
}

double stats_median(const double *v, size_t n)
{
    double small[64];
    double *tmp = small;
    double m;

    if (n == 0) {
        return NAN;
    }
    if (n > sizeof(small) / sizeof(small[0])) {
        tmp = malloc(n * sizeof(*tmp));
        if (!tmp) {
            return NAN; /* out of memory: the only value that cannot pass for a median */
        }
    }
    memcpy(tmp, v, n * sizeof(*tmp));
    m = stats_median_inplace(tmp, n);
    if (tmp != small) {
        free(tmp);
    }
    return m;
}

/*
 * Quantile p of sorted[0..n) by linear interpolation between order statistics
 * (R's type 7). Infinite neighbours are not interpolated (inf - inf is NaN).
 */
static double stats_quantile_sorted(const double *sorted, size_t n, double p)
{
    double h = (double)(n - 1) * p;
    size_t i = (size_t)floor(h);
    double f = h - (double)i;
    double a;
    double b;

    if (i + 1 >= n) {
        return sorted[n - 1];
    }
    a = sorted[i];
    b = sorted[i + 1];
    if (f == 0.0 || a == b) {
        return a;
    }
    if (!isfinite(a) || !isfinite(b)) {
        return f < 0.5 ? a : b;
    }
    return a + (b - a) * f;
}

/* Draw a bootstrap resample of v into out and return its median. */
static double stats_resample_median(struct stats_rng *rng, const double *v, size_t n, double *out)
{
    size_t i;

    for (i = 0; i < n; i++) {
        out[i] = v[stats_rng_below(rng, n)];
    }
    return stats_median_inplace(out, n);
}

int stats_summarize(const double *v, size_t n, uint64_t seed, struct stats_summary *out)
{
    struct stats_rng rng;
    double *work = NULL;
    double *meds = NULL;
    double sum = 0.0;
    double ss = 0.0;
    double mean;
    double d;
    size_t i;
    int rc = -1;

    if (!v || !out || n == 0 || n > UINT32_MAX) {
        goto out;
    }
    memset(out, 0, sizeof(*out));
    out->n = (unsigned)n;

    for (i = 0; i < n; i++) {
        sum += v[i];
    }
    mean = sum / (double)n;
    out->mean = mean;
    if (n >= 2 && mean != 0.0) {
        /* Two-pass variance: no catastrophic cancellation for large, close values. */
        for (i = 0; i < n; i++) {
            d = v[i] - mean;
            ss += d * d;
        }
        out->cv = sqrt(ss / (double)(n - 1)) / fabs(mean);
    }

    work = malloc(n * sizeof(*work));
    if (!work) {
        goto out;
    }
    memcpy(work, v, n * sizeof(*work));
    out->median = stats_median_inplace(work, n);

    if (n == 1) {
        out->ci_low = out->median;
        out->ci_high = out->median;
        rc = 0;
        goto out;
    }

    meds = malloc(STATS_BOOTSTRAP_RESAMPLES * sizeof(*meds));
    if (!meds) {
        goto out;
    }
    stats_rng_seed(&rng, seed);
    for (i = 0; i < STATS_BOOTSTRAP_RESAMPLES; i++) {
        meds[i] = stats_resample_median(&rng, v, n, work);
    }
    qsort(meds, STATS_BOOTSTRAP_RESAMPLES, sizeof(*meds), stats_cmp_double);
    out->ci_low = stats_quantile_sorted(meds, STATS_BOOTSTRAP_RESAMPLES, 0.025);
    out->ci_high = stats_quantile_sorted(meds, STATS_BOOTSTRAP_RESAMPLES, 0.975);
    rc = 0;
out:
    free(work);
    free(meds);
    return rc;
}

/* Ratio of two medians, with a sign-aware infinity when the divisor is 0. */
static double stats_div(double a, double b)
{
    if (b == 0.0) {
        if (a == 0.0) {
            return 1.0; /* both resampled medians 0: no difference */
        }
        return a > 0.0 ? INFINITY : -INFINITY;
    }
    return a / b;
}

int stats_ratio(const double *a, size_t na, const double *b, size_t nb, uint64_t seed,
                double *ratio, double *lo, double *hi)
{
    struct stats_rng rng;
    double *work = NULL;
    double *ratios = NULL;
    double ma;
    double mb;
    double ra;
    double rb;
    size_t i;
    int rc = -1;

    if (!a || !b || na == 0 || nb == 0 || !ratio || !lo || !hi) {
        goto out;
    }
    work = malloc((na > nb ? na : nb) * sizeof(*work));
    ratios = malloc(STATS_BOOTSTRAP_RESAMPLES * sizeof(*ratios));
    if (!work || !ratios) {
        goto out;
    }
    memcpy(work, a, na * sizeof(*work));
    ma = stats_median_inplace(work, na);
    memcpy(work, b, nb * sizeof(*work));
    mb = stats_median_inplace(work, nb);
    if (mb == 0.0 || isnan(ma) || isnan(mb)) {
        goto out;
    }

    stats_rng_seed(&rng, seed);
    for (i = 0; i < STATS_BOOTSTRAP_RESAMPLES; i++) {
        ra = stats_resample_median(&rng, a, na, work);
        rb = stats_resample_median(&rng, b, nb, work);
        ratios[i] = stats_div(ra, rb);
    }
    qsort(ratios, STATS_BOOTSTRAP_RESAMPLES, sizeof(*ratios), stats_cmp_double);
    *ratio = ma / mb;
    *lo = stats_quantile_sorted(ratios, STATS_BOOTSTRAP_RESAMPLES, 0.025);
    *hi = stats_quantile_sorted(ratios, STATS_BOOTSTRAP_RESAMPLES, 0.975);
    rc = 0;
out:
    free(work);
    free(ratios);
    return rc;
}
