/* The terminal summary: per workload, each device's median and its ratio to the emulated one. */
#ifndef PVB_TABLE_H
#define PVB_TABLE_H

#include <stdio.h>

#include "results.h"
#include "scenario.h"

/* The metric that answers "how fast" for a workload (throughput, IOPS or latency). */
const char *table_primary_metric(const struct workload *w);

void table_print(FILE *out, const struct scenario *s, const struct sample_set *samples,
                 const struct summary_set *sum);

#endif
