/* Statistics over the repetitions of one metric: median, bootstrap CI, CV. */
#ifndef PVB_STATS_H
#define PVB_STATS_H

#include <stddef.h>
#include <stdint.h>

#define STATS_BOOTSTRAP_RESAMPLES 2000
#define STATS_DEFAULT_SEED 0x70766265ull /* "pvbe": runs are reproducible */

struct stats_summary {
    unsigned n;
    double median;
    double ci_low;  /* bootstrap 95% interval of the median (percentile method) */
    double ci_high;
    double mean;
    double cv;      /* coefficient of variation: stddev / mean (0 when n < 2 or mean == 0) */
};

/* Small deterministic PRNG (splitmix64), so tests and runs are reproducible. */
struct stats_rng {
    uint64_t state;
};
void stats_rng_seed(struct stats_rng *r, uint64_t seed);
uint64_t stats_rng_next(struct stats_rng *r);
/* Uniform in [0, n). */
size_t stats_rng_below(struct stats_rng *r, size_t n);

/* Median of v (v is not modified). n must be > 0. */
double stats_median(const double *v, size_t n);

/* Fill *out for the n values in v. Returns 0, or -1 when n == 0 or out of memory. */
int stats_summarize(const double *v, size_t n, uint64_t seed, struct stats_summary *out);

/*
 * Ratio median(a) / median(b) with a bootstrap 95% interval (resampling a and b
 * independently). Returns -1 when either side is empty or median(b) == 0.
 */
int stats_ratio(const double *a, size_t na, const double *b, size_t nb, uint64_t seed,
                double *ratio, double *lo, double *hi);

#endif
