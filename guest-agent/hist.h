/*
 * Log-linear latency histogram (HdrHistogram-like): fixed memory, no
 * per-sample storage, O(1) insertion.
 *
 * Values (nanoseconds) below HIST_SUB are counted exactly. Above, every
 * power-of-two range [2^e, 2^(e+1)) is split into HIST_SUB equal buckets, so a
 * bucket is at most 1/HIST_SUB = 0.78 % of its lower bound wide; a percentile is
 * reported as the middle of its bucket (error <= 0.4 %), clamped to the exact
 * min and max. Values from 2^HIST_MAX_EXP ns (~137 s) up land in the last bucket
 * (min, max and mean stay exact).
 */
#ifndef PVB_HIST_H
#define PVB_HIST_H

#include <stdint.h>

#define HIST_SUB_BITS 7
#define HIST_SUB (1u << HIST_SUB_BITS)
#define HIST_MAX_EXP 37
#define HIST_NBUCKETS (HIST_SUB + (HIST_MAX_EXP - HIST_SUB_BITS) * HIST_SUB)

struct hist {
    uint64_t count;
    uint64_t sum; /* exact sum for the mean: 2^64 ns is 584 years */
    uint64_t min;
    uint64_t max;
    uint64_t bucket[HIST_NBUCKETS];
};

void hist_init(struct hist *h);
void hist_add(struct hist *h, uint64_t ns);
/* Add every sample of src to dst (the same as adding them one by one). */
void hist_merge(struct hist *dst, const struct hist *src);
/* Smallest recorded value v (to bucket precision) with at least p % of samples <= v. */
uint64_t hist_percentile(const struct hist *h, double p);
uint64_t hist_count(const struct hist *h);
uint64_t hist_min(const struct hist *h);
uint64_t hist_max(const struct hist *h);
double hist_mean(const struct hist *h);

/* Bucket index of a value and the value range of a bucket (exposed for tests). */
unsigned hist_index(uint64_t ns);
uint64_t hist_bucket_low(unsigned idx);
uint64_t hist_bucket_width(unsigned idx);

#endif
