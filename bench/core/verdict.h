/*
 * The three-way verdict of one cell (configuration x workload x metric) of an A/B
 * comparison, with the boot as the unit of replication.
 *
 * Repetitions taken inside one boot are correlated: a slow boot makes all of them slow
 * (a run here read 38 % low from one slow boot). So every statistic here starts from the
 * boots: each boot's repetitions are averaged, and
 *   - the change is mean(boot means of B) / mean(boot means of A) - 1;
 *   - its 95 % interval is a hierarchical bootstrap: resample boots, then repetitions
 *     within each drawn boot;
 *   - p is the permutation test of the boot means (boot labels permuted, permtest.h);
 *   - the spread is split into its between-boot and within-boot shares.
 * The verdict:
 *   SAME       the interval lies inside +-threshold;
 *   DIFFERENT  p < alpha and the change beyond the threshold (better or worse);
 *   UNKNOWN    neither: boots_needed says how many boots per side would likely settle it.
 * The threshold applied is the larger of the user's and the host's calibrated noise floor.
 * Fewer than 2 boots on a side: the between-boot spread is unknown, no interval is given
 * and the verdict is UNKNOWN.
 */
#ifndef PVB_VERDICT_H
#define PVB_VERDICT_H

#include <stddef.h>
#include <stdint.h>

#define VERDICT_RESAMPLES 2000
/* A boots_needed estimate above this is reported as this. */
#define VERDICT_BOOTS_MAX 1000

enum verdict_kind { VERDICT_SAME = 0, VERDICT_DIFFERENT = 1, VERDICT_UNKNOWN = 2 };

/* One side of a cell: n values, boot[i] the boot that value i was measured in. */
struct verdict_side {
    const double *v;
    const unsigned *boot;
    size_t n;
};

struct verdict_options {
    double threshold_pct;  /* the user's: smaller changes do not matter */
    double noise_pct;      /* the host's calibrated noise floor for this cell, 0: none */
    double alpha;          /* the permutation test's level */
    int higher_is_better;  /* 1: a drop is worse; 0: a rise is worse */
    unsigned resamples;    /* hierarchical bootstrap, 0: VERDICT_RESAMPLES */
    uint64_t seed;
};

struct verdict {
    enum verdict_kind kind;
    int worse;                  /* DIFFERENT in the bad direction */
    unsigned boots_a, boots_b;
    size_t n_a, n_b;
    double mean_a, mean_b;      /* mean of the boot means */
    double change_pct;          /* (mean_b / mean_a - 1) x 100 */
    double lo_pct, hi_pct;      /* hierarchical bootstrap 95 % interval; NAN below 2 boots */
    double p;                   /* permutation test of the boot means; 1 when it cannot run */
    double min_p;               /* the smallest p these numbers of boots can give */
    double threshold_pct;       /* the one applied */
    int threshold_calibrated;   /* 1: the calibrated floor was larger than the user's */
    double between_share;       /* share of the variance between boots (both sides), NAN if unknown */
    unsigned boots_needed;      /* UNKNOWN: boots per side likely to settle it; else 0 */
};

/* Defaults: threshold 5 %, no noise floor, alpha 0.01, higher is better. */
void verdict_options_init(struct verdict_options *o);

/* Decide one cell. 0, or -1 when a side is empty or out of memory. */
int verdict_decide(const struct verdict_side *a, const struct verdict_side *b,
                   const struct verdict_options *o, struct verdict *out)
    __attribute__((warn_unused_result));

/*
 * The noise floor of a host from n A/A changes (in %, any sign): the 95th percentile of
 * their absolute values (linear interpolation). NAN when n == 0.
 */
double verdict_noise_floor(const double *changes_pct, size_t n);

/* "SAME", "DIFFERENT", "UNKNOWN". */
const char *verdict_name(enum verdict_kind k);

#endif
