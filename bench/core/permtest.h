/*
 * The two-sided permutation test of a difference of means (moved out of compare.c so the
 * verdicts can permute boots as well as repetitions): every arrangement when there are at
 * most PERMTEST_EXACT_MAX of them, else random ones (p never 0: Phipson and Smyth 2010).
 */
#ifndef PVB_PERMTEST_H
#define PVB_PERMTEST_H

#include <stddef.h>
#include <stdint.h>

/* Random permutations when exact enumeration is too large (more for a very small alpha). */
#define PERMTEST_RANDOM 10000
/* Enumerate every arrangement when there are at most this many. */
#define PERMTEST_EXACT_MAX 50000

struct permtest {
    double p;
    double min_p;
    int exact;
    unsigned long count; /* arrangements looked at */
    int mean_sign;       /* sign of mean(b) - mean(a) */
};

/* Random permutations for a given alpha: enough to resolve p well below alpha. */
unsigned long permtest_nperm(double alpha);

/* Smallest two-sided p the test can give for sizes na and nb, whatever the data. */
double permtest_min_p(size_t na, size_t nb, double alpha);

/* Units per side (equal sizes) the test needs to be able to reach p < alpha. */
unsigned permtest_reps_needed(double alpha);

/* Two-sided test of mean(b) - mean(a) into *t. 0, or -1 when out of memory. */
int permtest_run(const double *a, size_t na, const double *b, size_t nb, double alpha,
                 uint64_t seed, struct permtest *t) __attribute__((warn_unused_result));

#endif
