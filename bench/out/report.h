/*
 * Reports of a run folder: plots/ (gnuplot data, scripts, images), report.html and
 * report.md, rebuilt from samples.csv and run.json alone (report.c).
 */
#ifndef PVB_REPORT_H
#define PVB_REPORT_H

#include <stddef.h>
#include <stdio.h>

#include "cli.h"
#include "plot.h"
#include "results.h"
#include "table.h"

/*
 * Rebuild run_dir/plots/, run_dir/report.html and run_dir/report.md. format is "png" or
 * "svg". Unless quiet, prints the summary table first; always prints the report's path.
 * What cannot be read is named (file:line) and left out; the rest is still reported.
 * Returns PVB_EXIT_OK; PVB_EXIT_USAGE when an input file was missing or partly unreadable;
 * PVB_EXIT_FAILED when a file could not be written or gnuplot failed; PVB_EXIT_SKIPPED when
 * gnuplot is not installed (data files and scripts are written, charts are not drawn).
 */
int report_build(const char *run_dir, const char *format, int quiet);

/* `pvbench report [--format png|svg] [--quiet] DIR`: argv[0] is "report". */
int report_main(int argc, char **argv);
/* Its options, --help and man page section (pvbench help man1). */
extern const struct cli_spec report_cli;

/* ---- building blocks, exposed for the unit tests --------------------------------------------- */

/*
 * Bars of one metric for the given workloads: per workload, one bar per configuration of
 * the workload's kind that measured it (median and 95% interval from sum); the note above
 * a bar is its ratio to the reference configuration ("2.15× *", * when the interval of the
 * ratio excludes 1). keep_missing: configurations without the metric get a NaN bar (an
 * empty place), so that two metrics give the same rows. *out is malloc'ed (caller frees).
 * 0 or -1 (out of memory).
 */
int report_bars(const struct table_view *v, const struct sample_set *samples,
                const struct summary_set *sum, const char *const *workloads, size_t n_workloads,
                const char *metric, int keep_missing, struct plot_bar **out, size_t *n)
    __attribute__((warn_unused_result));

/*
 * The speed-up overview: per workload, one bar per configuration other than the
 * reference, whose value is how many times better it does than the reference on the
 * workload's metric (median ratio for higher-is-better metrics, the inverse for
 * lower-is-better ones) with the ratio's 95% interval. Bars whose interval holds 1 get the
 * class "within noise".
 */
int report_speedup_bars(const struct table_view *v, const struct sample_set *samples,
                        struct plot_bar **out, size_t *n) __attribute__((warn_unused_result));

/* Boot-to-ready per configuration, grouped by kind. */
int report_boot_bars(const struct table_view *v, const struct sample_set *samples,
                     const struct summary_set *sum, struct plot_bar **out, size_t *n)
    __attribute__((warn_unused_result));

/* Latency percentiles (metrics lat_pNN_us) of one workload, one series per configuration. */
int report_latency_points(const struct table_view *v, const struct summary_set *sum,
                          const char *workload, struct plot_point **out, size_t *n)
    __attribute__((warn_unused_result));

/* "lat_p999_us" -> "p99.9", "lat_p50_us" -> "p50"; 0, or -1 if metric is no percentile. */
int report_percentile_label(const char *metric, char *out, size_t outlen);

/* Write s HTML-escaped (& < > " '), control bytes as spaces. */
void report_fput_html(FILE *out, const char *s);
/* Write s for a Markdown table cell: | \ ` * _ [ ] < > escaped, control bytes as spaces. */
void report_fput_md(FILE *out, const char *s);

#endif
