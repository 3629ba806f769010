/*
 * Series over runs, read from the results store (store.h): trends, change points, the
 * nightly gate and the static history page (history.c).
 *
 * A series is one cell: configuration, workload, metric, host class (CPU model and cores)
 * and accelerator. Its points are the runs that measured the cell, ordered by start time
 * or by a version key (QEMU version, guest kernel, label: natural version order, then
 * time). A point is the run's median with its bootstrap 95 % interval (stats.h).
 *
 * Change points: e-divisive means on the points' medians (changepoint.h; alpha 0.05,
 * at least 3 points a side, 199 permutations). Each is reported with its size (the
 * change of the median of the segments' medians), a bootstrap 95 % interval of that
 * ratio (the runs resampled, stats_ratio) and its permutation p.
 *
 * The gate (`pvbench check`): for each series of the run, the segment before it (from
 * the last change point among the earlier points) is compared with the run itself: the
 * samples of the segment's runs against the run's samples, permutation test of the
 * means (permtest.h); the run is worse when the change is in the metric's bad direction,
 * beyond the threshold and p < alpha (0.01). The threshold is the larger of the user's (5 %,
 * compare's default) and the segment's own noise floor: the 95th percentile of how far its
 * runs' medians lie from the segment's median (verdict_noise_floor), because repetitions
 * inside a run are correlated and the pooled test alone takes run-to-run drift for a
 * change. A series with fewer than 3 earlier points cannot be judged and says so.
 */
#ifndef PVB_HISTORY_H
#define PVB_HISTORY_H

#include <stddef.h>
#include <stdint.h>

#include "cli.h"
#include "changepoint.h"
#include "results.h"
#include "stats.h"

/* Earlier points a series needs before `check` judges its newest one. */
#define HISTORY_MIN_HISTORY 3
/* Runs of a segment that its noise floor looks at: the newest ones. */
#define HISTORY_FLOOR_MAX 256

enum history_by { HISTORY_BY_TIME, HISTORY_BY_QEMU, HISTORY_BY_KERNEL, HISTORY_BY_LABEL };

struct history_run {
    char run_id[32];
    char label[64];
    char start[32];
    char qemu[128];
    char kernel[64];
    char host_class[192];
    char accel[16];
    char folder[1024];
};

struct history_point {
    size_t run; /* index into history.runs */
    double *v;  /* the run's samples of the cell */
    size_t n, cap;
    struct stats_summary st;
};

struct history_series {
    char config[RESULTS_CONFIG_MAX];
    char workload[32];
    char metric[32];
    char unit[16];
    size_t host_run; /* a run of the series: its host class and accelerator name the cell */
    struct history_point *p;
    size_t n, cap;
    struct changepoint cp[CHANGEPOINT_MAX];
    double cp_lo[CHANGEPOINT_MAX], cp_hi[CHANGEPOINT_MAX]; /* interval of the change, % */
    size_t ncp;
};

struct history {
    struct history_run *runs;
    size_t nruns, runs_cap;
    struct history_series *s;
    size_t ns, s_cap;
};

/* Which cells to keep (NULL or "": any). */
struct history_filter {
    const char *config;
    const char *workload;
    const char *metric;
    int headline; /* only compare's primary metrics */
};

/* Index of the run with run_id, added if new (fields from r). -1 out of memory. */
long history_add_run(struct history *h, const struct history_run *r)
    __attribute__((warn_unused_result));
/* One sample of run (an index from history_add_run). 0 or -1 out of memory. */
int history_add_sample(struct history *h, size_t run, const char *config, const char *workload,
                       const char *metric, const char *unit, double value)
    __attribute__((warn_unused_result));
/* Order every series' points by by, summarize them, find their change points. 0 or -1. */
int history_finish(struct history *h, enum history_by by, uint64_t seed)
    __attribute__((warn_unused_result));
void history_free(struct history *h);

/* Does cell pass f? */
int history_filter_match(const struct history_filter *f, const char *config, const char *workload,
                         const char *metric);
/* "time", "qemu", "kernel", "label" into *by. 0 or -1. */
int history_by_parse(const char *s, enum history_by *by);

/* The gate on one series: is point last worse than the segment before it? */
struct history_gate {
    int judged;       /* 0: fewer than HISTORY_MIN_HISTORY earlier points */
    int worse;        /* 1: a regression by the rule above */
    size_t seg_start; /* first point of the segment compared */
    double change_pct, p;
    double threshold_pct; /* the one applied: the user's or the segment's noise floor */
};
int history_gate(const struct history_series *s, size_t last, int higher_is_better,
                 double threshold_pct, double alpha, uint64_t seed, struct history_gate *g)
    __attribute__((warn_unused_result));

/* Subcommands. */
/* The subcommands' option tables and --help (history_cli.c). */
extern const struct cli_spec history_trend_cli, history_changes_cli, history_check_cli,
    history_report_cli;
int history_trend_main(int argc, char **argv);
int history_changes_main(int argc, char **argv);
int history_check_main(int argc, char **argv);
int history_report_main(int argc, char **argv);

#endif
