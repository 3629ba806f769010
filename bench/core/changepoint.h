/*
 * Change points of a series (one cell's medians over runs, ordered by time or version):
 * e-divisive means (Matteson and James, 2014) with exponent 1, found one at a time by
 * bisection, each kept only when a permutation test says so.
 *
 * For a segment x[s..e) and a split t, with A = x[s..t) (a points) and B = x[t..e) (b):
 *   E(t) = 2 mean|A - B| - mean|A - A'| - mean|B - B'|   (energy distance; pairs within a
 *                                                          side, none when a side has 1 point)
 *   Q(t) = a b / (a + b) x E(t)
 * The best split of a segment is the t with the largest Q (each side at least
 * min_segment points). Each round takes the segment whose best split has the largest Q and
 * tests it: the segment's values are permuted `permutations` times and p is the share of
 * permutations whose best Q is at least the observed one (the observed arrangement
 * counted, so p >= 1 / (permutations + 1)). A split with p < alpha is kept and the search
 * goes on in its two halves; the first that is not stops the search.
 *
 * What it can see: a single outlying last point is split off by a permutation only when
 * it lands at one of the two ends, so its p is about 2 / n: detectable at alpha 0.05 from
 * about 40 points on. The nightly gate (a newest run worse than its segment) should
 * therefore test the newest run's own samples against the segment's (verdict.h), and use
 * this for where a series stepped.
 */
#ifndef PVB_CHANGEPOINT_H
#define PVB_CHANGEPOINT_H

#include <stddef.h>
#include <stdint.h>

#define CHANGEPOINT_PERMUTATIONS 199
#define CHANGEPOINT_MAX 16

struct changepoint_options {
    double alpha;          /* 0.05 */
    size_t min_segment;    /* points on each side of a split, at least 1 (default 3) */
    unsigned permutations; /* CHANGEPOINT_PERMUTATIONS */
    unsigned max_points;   /* CHANGEPOINT_MAX */
    uint64_t seed;
};

struct changepoint {
    size_t index;      /* first point of the new segment */
    double q;          /* the split's statistic */
    double p;          /* its permutation p-value */
    double before;     /* median of the segment that ends here */
    double after;      /* median of the segment that starts here */
    double change_pct; /* (after / before - 1) x 100; NAN when before is 0 */
};

void changepoint_options_init(struct changepoint_options *o);

/*
 * Change points of x[0..n) into out[0..*found), by index (at most max). 0, or -1 out of
 * memory or bad options.
 */
int changepoint_find(const double *x, size_t n, const struct changepoint_options *o,
                     struct changepoint *out, size_t max, size_t *found)
    __attribute__((warn_unused_result));

#endif
