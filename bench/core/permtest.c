/* The permutation test (permtest.h). */
#include "permtest.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"

/* Random permutations for a given alpha: enough to resolve p well below alpha. */
unsigned long permtest_nperm(double alpha)
{
    double n = ceil(20.0 / alpha);

    return n > (double)PERMTEST_RANDOM ? (unsigned long)n : PERMTEST_RANDOM;
}

/* Binomial coefficient as a double (exact up to 2^53), +inf when huge. */
static double permtest_binom(size_t n, size_t k)
{
    double c = 1.0;
    size_t i;

    if (k > n - k) {
        k = n - k;
    }
    for (i = 1; i <= k; i++) {
        c = c * (double)(n - k + i) / (double)i;
        if (c > 1e300) {
            return INFINITY;
        }
    }
    return floor(c + 0.5);
}

/*
 * Smallest two-sided p the test can give for these sizes, whatever the data:
 * with exact enumeration the most extreme arrangement (and, for equal sizes, its
 * mirror image) over all of them; with random permutations 1 / (B + 1).
 */
double permtest_min_p(size_t na, size_t nb, double alpha)
{
    double c = permtest_binom(na + nb, na < nb ? na : nb);

    if (c <= PERMTEST_EXACT_MAX) {
        return (na == nb ? 2.0 : 1.0) / c;
    }
    return 1.0 / ((double)permtest_nperm(alpha) + 1.0);
}

unsigned permtest_reps_needed(double alpha)
{
    unsigned n;

    for (n = 1; n < 1000; n++) {
        if (permtest_min_p(n, n, alpha) < alpha) {
            return n;
        }
    }
    return n;
}

/* Uniform in [0, n) from the stats PRNG, by multiply-and-shift (Lemire), unbiased. */
static size_t permtest_rng_below(struct stats_rng *r, size_t n)
{
    unsigned __int128 m = (unsigned __int128)stats_rng_next(r) * (uint64_t)n;
    uint64_t low = (uint64_t)m;
    uint64_t t;

    if (low < (uint64_t)n) {
        t = (0 - (uint64_t)n) % (uint64_t)n;
        while (low < t) {
            m = (unsigned __int128)stats_rng_next(r) * (uint64_t)n;
            low = (uint64_t)m;
        }
    }
    return (size_t)(m >> 64);
}

/* |mean of a k-subset with sum s - mean of the rest| for a pool of n values summing to total. */
static double permtest_stat(double s, double total, size_t k, size_t n)
{
    return fabs(s / (double)k - (total - s) / (double)(n - k));
}

/* Every k-subset of x[0..n), in lexicographic order, counting those at least as extreme. */
static int permtest_exact(const double *x, size_t n, size_t k, double total, double limit,
                         unsigned long *count, unsigned long *ge)
{
    size_t *idx = malloc(k * sizeof(*idx));
    double *psum = malloc((k + 1) * sizeof(*psum));
    size_t i;
    size_t j;

    if (!idx || !psum) {
        free(idx);
        free(psum);
        return -1;
    }
    psum[0] = 0.0;
    for (i = 0; i < k; i++) {
        idx[i] = i;
        psum[i + 1] = psum[i] + x[i];
    }
    *count = 0;
    *ge = 0;
    for (;;) {
        (*count)++;
        if (permtest_stat(psum[k], total, k, n) >= limit) {
            (*ge)++;
        }
        /* Next combination: bump the rightmost index that can move, reset those after it. */
        i = k;
        while (i > 0 && idx[i - 1] == n - k + (i - 1)) {
            i--;
        }
        if (i == 0) {
            break;
        }
        i--;
        idx[i]++;
        for (j = i + 1; j < k; j++) {
            idx[j] = idx[j - 1] + 1;
        }
        for (j = i; j < k; j++) {
            psum[j + 1] = psum[j] + x[idx[j]];
        }
    }
    free(idx);
    free(psum);
    return 0;
}

/*
 * Random k-subsets by a partial Fisher-Yates shuffle of x (reordered in place;
 * the order it starts from does not matter, so it is never reset).
 */
static void permtest_random(double *x, size_t n, size_t k, double total, double limit,
                           unsigned long nperm, uint64_t seed, unsigned long *ge)
{
    struct stats_rng rng;
    unsigned long r;
    size_t i;
    size_t j;
    double s;
    double t;

    stats_rng_seed(&rng, seed);
    *ge = 0;
    for (r = 0; r < nperm; r++) {
        s = 0.0;
        for (i = 0; i < k; i++) {
            j = i + permtest_rng_below(&rng, n - i);
            t = x[i];
            x[i] = x[j];
            x[j] = t;
            s += x[i];
        }
        if (permtest_stat(s, total, k, n) >= limit) {
            (*ge)++;
        }
    }
}

/*
 * Two-sided permutation test of mean(b) - mean(a). The smaller side is the
 * subset that is drawn; values are centred first so sums stay well conditioned.
 * 0, or -1 when out of memory.
 */
int permtest_run(const double *a, size_t na, const double *b, size_t nb, double alpha,
                             uint64_t seed, struct permtest *t)
{
    size_t n = na + nb;
    size_t k = na <= nb ? na : nb;
    const double *small = na <= nb ? a : b;
    const double *large = na <= nb ? b : a;
    double *x = malloc(n * sizeof(*x));
    double mean = 0.0;
    double total = 0.0;
    double s = 0.0;
    double scale = 0.0;
    double tobs;
    double limit;
    double ma = 0.0;
    double mb = 0.0;
    unsigned long ge = 0;
    size_t i;

    if (!x) {
        return -1;
    }
    memset(t, 0, sizeof(*t));
    for (i = 0; i < na; i++) {
        ma += a[i];
    }
    for (i = 0; i < nb; i++) {
        mb += b[i];
    }
    ma /= (double)na;
    mb /= (double)nb;
    t->mean_sign = mb > ma ? 1 : (mb < ma ? -1 : 0);
    mean = (ma * (double)na + mb * (double)nb) / (double)n;
    for (i = 0; i < k; i++) {
        x[i] = small[i] - mean;
    }
    for (i = 0; i < n - k; i++) {
        x[k + i] = large[i] - mean;
    }
    for (i = 0; i < n; i++) {
        total += x[i];
        if (i < k) {
            s += x[i];
        }
        if (fabs(x[i]) > scale) {
            scale = fabs(x[i]);
        }
    }
    tobs = permtest_stat(s, total, k, n);
    /* Arrangements equal to the observed one up to rounding count as "as extreme". */
    limit = tobs - (1e-9 * tobs + 1e-12 * scale);
    t->min_p = permtest_min_p(na, nb, alpha);
    if (permtest_binom(n, k) <= PERMTEST_EXACT_MAX) {
        if (permtest_exact(x, n, k, total, limit, &t->count, &ge) < 0) {
            free(x);
            return -1;
        }
        t->exact = 1;
        t->p = (double)ge / (double)t->count;
    } else {
        t->count = permtest_nperm(alpha);
        permtest_random(x, n, k, total, limit, t->count, seed, &ge);
        /* The observed arrangement counts too: p is never 0 (Phipson and Smyth 2010). */
        t->p = ((double)ge + 1.0) / ((double)t->count + 1.0);
    }
    free(x);
    return 0;
}

