/* Metrics: names, units and which direction is better (metric.c). */
#ifndef PVB_METRIC_H
#define PVB_METRIC_H

#include <stddef.h>

enum metric_dir { METRIC_HIGHER_BETTER, METRIC_LOWER_BETTER };

struct metric {
    const char *name; /* column value in samples.csv, e.g. "iops" */
    const char *unit; /* e.g. "IOPS", "MiB/s", "us", "%", "s" */
    enum metric_dir dir;
    const char *summary;
    /* What charts, tables and the report call it: "host CPU per operation" */
    const char *label;
};

const struct metric *metric_find(const char *name);
const struct metric *metric_at(unsigned i); /* NULL past the end */
unsigned metric_count(void);
/*
 * The display name and unit of metric in workload: the workload's rw ("tcp_tx"), or a
 * preset's name (NULL or unknown: a block operation):
 * "per operation" becomes "per Mbit" on a TCP stream (its "op" is one Mbit, record.c),
 * "per transaction" on tcp_rr, "per datagram" on udp_pps; "us" is shown as "µs".
 * An unknown metric is shown by its name. Returns out.
 */
const char *metric_label(const char *metric, const char *workload, char *out, size_t outlen);
const char *metric_unit_shown(const char *metric, const char *workload, char *out, size_t outlen);
/*
 * The same in the language in use (i18n.h), for reports: the translated display name ("CPU
 * del anfitrión por Mbit") and unit words ("transacciones/s"). The terminal table, CSV and
 * JSON keep the English ones above: scripts read them.
 */
const char *metric_label_i18n(const char *metric, const char *workload, char *out,
                              size_t outlen);
const char *metric_unit_i18n(const char *metric, const char *workload, char *out, size_t outlen);
/* Check the table once at start: fields set, names unique, sizes fit a sample. 0 or -1. */
int metric_check_table(void);

#endif
