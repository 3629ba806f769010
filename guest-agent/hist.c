/* Log-linear latency histogram, see hist.h. */
#include "hist.h"

#include <string.h>

void hist_init(struct hist *h)
{
    memset(h, 0, sizeof(*h));
    h->min = UINT64_MAX;
}

void hist_merge(struct hist *dst, const struct hist *src)
{
    if (src->count == 0) {
        return;
    }
    dst->count += src->count;
    dst->sum += src->sum;
    dst->min = src->min < dst->min ? src->min : dst->min;
    dst->max = src->max > dst->max ? src->max : dst->max;
    for (unsigned i = 0; i < HIST_NBUCKETS; i++) {
        dst->bucket[i] += src->bucket[i];
    }
}

unsigned hist_index(uint64_t ns)
{
    unsigned e;

    if (ns < HIST_SUB) {
        return (unsigned)ns;
    }
    e = 63u - (unsigned)__builtin_clzll(ns);
    if (e >= HIST_MAX_EXP) {
        return HIST_NBUCKETS - 1;
    }
    /* (ns >> (e - SUB_BITS)) is in [HIST_SUB, 2 * HIST_SUB). */
    return HIST_SUB * (e - HIST_SUB_BITS + 1) + (unsigned)(ns >> (e - HIST_SUB_BITS)) - HIST_SUB;
}

uint64_t hist_bucket_low(unsigned idx)
{
    unsigned group, sub;

    if (idx < HIST_SUB) {
        return idx;
    }
    group = idx / HIST_SUB - 1;
    sub = idx % HIST_SUB;
    return (uint64_t)(HIST_SUB + sub) << group;
}

uint64_t hist_bucket_width(unsigned idx)
{
    if (idx < HIST_SUB) {
        return 1;
    }
    return (uint64_t)1 << (idx / HIST_SUB - 1);
}

void hist_add(struct hist *h, uint64_t ns)
{
    h->bucket[hist_index(ns)]++;
    h->count++;
    h->sum += ns;
    if (ns < h->min) {
        h->min = ns;
    }
    if (ns > h->max) {
        h->max = ns;
    }
}

uint64_t hist_percentile(const struct hist *h, double p)
{
    uint64_t rank, seen = 0, v;
    unsigned i;

    if (h->count == 0) {
        return 0;
    }
    if (!(p > 0.0)) { /* also catches NaN */
        return h->min;
    }
    if (p >= 100.0) {
        return h->max;
    }
    /* rank = ceil(p / 100 * count), at least 1 */
    rank = (uint64_t)((p / 100.0) * (double)h->count);
    if ((double)rank < (p / 100.0) * (double)h->count) {
        rank++;
    }
    if (rank < 1) {
        rank = 1;
    }
    for (i = 0; i < HIST_NBUCKETS; i++) {
        seen += h->bucket[i];
        if (seen >= rank) {
            break;
        }
    }
    if (i >= HIST_NBUCKETS - 1) {
        return h->max; /* the open-ended overflow bucket */
    }
    v = hist_bucket_low(i) + (hist_bucket_width(i) - 1) / 2;
    if (v < h->min) {
        v = h->min;
    }
    if (v > h->max) {
        v = h->max;
    }
    return v;
}

uint64_t hist_count(const struct hist *h)
{
    return h->count;
}

uint64_t hist_min(const struct hist *h)
{
    return h->count ? h->min : 0;
}

uint64_t hist_max(const struct hist *h)
{
    return h->max;
}

double hist_mean(const struct hist *h)
{
    return h->count ? (double)h->sum / (double)h->count : 0.0;
}
