/* Metrics: names, units and which direction is better (metric.c). */
#ifndef PVB_METRIC_H
#define PVB_METRIC_H

enum metric_dir { METRIC_HIGHER_BETTER, METRIC_LOWER_BETTER };

struct metric {
    const char *name; /* column value in samples.csv, e.g. "iops" */
    const char *unit; /* e.g. "IOPS", "MiB/s", "us", "%", "s" */
    enum metric_dir dir;
    const char *summary;
};

const struct metric *metric_find(const char *name);
const struct metric *metric_at(unsigned i); /* NULL past the end */
unsigned metric_count(void);
/* Check the table once at start: fields set, names unique, sizes fit a sample. 0 or -1. */
int metric_check_table(void);

#endif
