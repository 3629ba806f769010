/* The terminal summary: per workload, each device's median and its ratio to the emulated one. */
#ifndef PVB_TABLE_H
#define PVB_TABLE_H

#include <stddef.h>
#include <stdio.h>

#include "results.h"
#include "scenario.h"

/* The pseudo-workload that carries boot_to_ready_s: not a workload of the device. */
#define TABLE_BOOT_METRIC "boot_to_ready_s"

/* The metric that answers "how fast" for a workload (throughput, IOPS or latency). */
const char *table_primary_metric(const struct workload *w);

/*
 * Before the table: the keys whose values differ between the configurations (only those),
 * one line per configuration; a key that differs without being asked for (the machine type
 * that a device needs) is marked '!'. Nothing for a single configuration.
 */
void table_print_differs(FILE *out, const struct scenario *s);

void table_print(FILE *out, const struct scenario *s, const struct sample_set *samples,
                 const struct summary_set *sum);

/* A median or bound as the tables print it: "14720", "314.7", "0.0123". */
void table_fmt_value(char *out, size_t outlen, double v);

/*
 * A run read back from its samples alone (pvbench report): what the files hold, in
 * first-seen order, so kinds, workloads and metrics unknown to this build still show.
 */
struct table_config {
    char config[RESULTS_CONFIG_MAX];
    char device[32];
    char class_[16];
    char kind[8]; /* "blk", "net"; the bare host of a run with both: "blk,net" */
    char host[RESULTS_HOST_MAX + 1]; /* "" in files without the host column */
};

struct table_workload {
    char name[32];
    char kind[8];
    char metric[32]; /* the metric that answers "how fast" (see table_view_build) */
    char rw[16];     /* the agent's job rw ("tcp_tx"): a preset's, or table_view_set_rw's */
};

struct table_view {
    struct table_config *configs;
    size_t n_configs;
    struct table_workload *workloads; /* without the boot pseudo-workload */
    size_t n_workloads;
    char reference[RESULTS_CONFIG_MAX]; /* the scenario's reference = NAME, "" if none */
};

/*
 * Collect configurations and workloads from samples. A workload's metric is
 * table_primary_metric() when the workload is known and measured it, else the first
 * "higher is better" metric of the metric table it has, else its first metric.
 * 0, or -1 when out of memory.
 */
int table_view_build(const struct sample_set *samples, struct table_view *v)
    __attribute__((warn_unused_result));
void table_view_free(struct table_view *v);
/*
 * Each workload's rw from the scenario the run was made of (runfolder_scenario()): a
 * custom `[workload NAME]` is known by its name only there. NULL: nothing changes.
 */
void table_view_set_rw(struct table_view *v, const struct scenario *s);
/*
 * What names a workload's operation for metric_label() and metric_unit_shown(): its rw
 * when the view knows it, else its name (a preset's name is as good).
 */
const char *table_view_rw(const struct table_view *v, const char *workload);
/* Does configuration c have samples of kind ("blk", "net")? */
int table_config_is_kind(const struct table_config *c, const char *kind);
const struct table_config *table_view_config(const struct table_view *v, const char *config);
/* The configuration others of its kind are compared with: v->reference when it is of that
 * kind, else the first emulated one, else the first one of that kind (table_print's rule). */
const struct table_config *table_view_reference(const struct table_view *v, const char *kind);
/*
 * The reference of configuration c: v->reference when it is of c's kind on c's host, else
 * the first emulated configuration of its kind on its host (else the first of its kind
 * there), so that in a run of several hosts every ratio is taken within one host.
 */
const struct table_config *table_view_reference_of(const struct table_view *v,
                                                   const struct table_config *c);
/* Number of different hosts among the configurations (0 or 1: a run of one host). */
size_t table_view_hosts(const struct table_view *v);

/* A ratio of medians and its bootstrap 95% interval. */
struct table_ratio {
    double ratio;
    double low;
    double high;
    unsigned n_min;   /* fewer values of the two sides */
    int excludes_one; /* the interval does not hold 1 (and n_min >= 2): not noise */
};

/*
 * median(num) / median(den) of one workload's metric, num and den being configurations.
 * 0, or -1 when either has no values or den's median is 0.
 */
int table_ratio(const struct sample_set *samples, const char *num, const char *den,
                const char *workload, const char *metric, struct table_ratio *out)
    __attribute__((warn_unused_result));

/* The mark after a ratio: "* better", "* worse", "~ within noise" (or why no interval). */
const char *table_ratio_mark(const struct table_ratio *r, const char *metric);

/*
 * Side by side (--backend qemu,libvirt): for device i, the workloads and main metrics of
 * configuration dev_a[i] against dev_b[i]: both medians with their 95% intervals, the
 * ratio b / a with its bootstrap interval, and whether each median lies inside the other's
 * interval. Returns the number of rows whose ratio interval excludes 1.
 */
unsigned table_print_backends(FILE *out, const struct sample_set *samples,
                              const struct summary_set *sum, const char *const *dev_a,
                              const char *const *dev_b, size_t n, const char *name_a,
                              const char *name_b);

/*
 * A run of both backends side by side (hosts RESULTS_HOST_QEMU and RESULTS_HOST_LIBVIRT):
 * table_print_backends of each device's two configurations. The number of pairs (0: none,
 * nothing printed).
 */
size_t table_print_backends_of_view(FILE *out, const struct table_view *v,
                                    const struct sample_set *samples,
                                    const struct summary_set *sum);

/* table_print for a run folder read back from disk: the view stands in for the scenario. */
void table_print_view(FILE *out, const struct table_view *v, const struct sample_set *samples,
                      const struct summary_set *sum);

#endif
