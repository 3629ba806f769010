/*
 * A/B comparison of two run folders: for each config x workload x metric
 * present in both, the relative change of the median with its bootstrap 95%
 * interval, a two-sided permutation test on the difference of the MEANS, and
 * a verdict (regression / improvement / no change / insufficient samples).
 *
 * compare.json {"format":"pvbench-compare","version":1,"pvbench_version","base":{...},
 *               "new":{...},"options":{...},"forced_differences":[...],"summary":{...},
 *               "rows":[{"config","device","workload","metric","unit","better","n_base",
 *               "n_new","base_median","new_median","change_pct","change_ci95_low_pct",
 *               "change_ci95_high_pct","p","p_method","permutations","min_p",
 *               "reps_needed","verdict"}]}
 * compare.dat  one line per row: index, "label", change %, interval low %, high %, verdict
 *              code (0 no change, 1 regression, 2 improvement, 3 insufficient); then, after
 *              two blank lines, the threshold lines (drawn by scripts/plot/compare.gp).
 *
 * Method and exit codes: docs/regression.md.
 */
#ifndef PVB_COMPARE_H
#define PVB_COMPARE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cli.h"
#include "metric.h"
#include "permtest.h"
#include "results.h"
#include "results.h"

#define COMPARE_FORMAT_VERSION 1
#define COMPARE_DEFAULT_THRESHOLD_PCT 5.0
#define COMPARE_DEFAULT_ALPHA 0.01
/* The permutation test's sizes (permtest.h). */
#define COMPARE_PERMUTATIONS PERMTEST_RANDOM
#define COMPARE_EXACT_MAX PERMTEST_EXACT_MAX
#define COMPARE_ALPHA_MIN 0.0001
#define COMPARE_ALPHA_MAX 0.5
#define COMPARE_THRESHOLD_MAX_PCT 1000.0
#define COMPARE_MAX_CONFIGS 64
/* Seconds gnuplot may take to draw compare.png. */
#define COMPARE_GNUPLOT_TIMEOUT_S 30.0

struct compare_options {
    double threshold_pct; /* a change must be worse than this (in %) to be a regression */
    double alpha;         /* and its p-value below this */
    int force;            /* compare runs whose metadata differ */
    const char *metrics;  /* NULL or "primary": the primary set; "all"; or "m1,m2,..." */
    const char *output;   /* compare.json path; NULL: <new run folder>/compare.json */
    uint64_t seed;        /* permutation test and bootstrap */
    int plot;             /* write compare.dat/compare.gp and run gnuplot */
};

/* What compare needs to know about one run folder (from its run.json). */
struct compare_meta {
    char dir[4096];
    char run_id[32];
    char scenario[64];
    char accelerator[16];
    int nested; /* run.json "nested": 1 true, 0 false or absent (older runs), -1 null */
    char guest_kernel[64];
    char qemu_version[128];
    char pvbench_version[32];
    char start[32];
    unsigned n_configs;
    char configs[COMPARE_MAX_CONFIGS][48];
    char status[COMPARE_MAX_CONFIGS][16];
};

enum compare_verdict {
    COMPARE_NO_CHANGE = 0,
    COMPARE_REGRESSION = 1,
    COMPARE_IMPROVEMENT = 2,
    COMPARE_INSUFFICIENT = 3, /* the sample sizes cannot reach p < alpha */
};

struct compare_row {
    char config[RESULTS_CONFIG_MAX];
    char device[32];
    char workload[32];
    char metric[32];
    char unit[16];
    enum metric_dir dir;
    unsigned n_base, n_new;
    double base_median, new_median;
    double change_pct;           /* (new - base) / |base| x 100; +-inf when base is 0 */
    double change_lo, change_hi; /* bootstrap 95% interval of the change, in %; NAN if none */
    double p;                    /* two-sided permutation p-value, difference of means */
    int exact;                   /* p from every arrangement (else random permutations) */
    unsigned long permutations;  /* arrangements counted */
    double min_p;                /* smallest p these sample sizes can give */
    unsigned reps_needed;        /* repetitions per side that can reach alpha */
    enum compare_verdict verdict;
};

struct compare_result {
    struct compare_row *rows;
    size_t n, cap;
    unsigned n_regression, n_improvement, n_no_change, n_insufficient;
    unsigned only_base, only_new; /* config x workload x metric cells present on one side */
    unsigned unknown_metrics;     /* samples left out: metric not in the metric table */
    unsigned reps_needed;         /* per side, for alpha (balanced design) */
    double threshold_pct, alpha;
    char forced[1024]; /* differences accepted with --force, "" if none */
    struct compare_meta base, new_;
};

/* Defaults: 5%, alpha 0.01, primary metrics, STATS_DEFAULT_SEED, plot on. */
void compare_options_init(struct compare_options *o);
/* Check ranges and metric names; why gets a one-line reason. 0 or -1. */
int compare_options_check(const struct compare_options *o, char *why, size_t whylen);
/* Is metric name in the selection of o (the primary set, all, or a list)? */
int compare_metric_selected(const struct compare_options *o, const char *name);

struct runfolder;
/* What compare checks of a run, from its folder as read (runfolder_read). 0, or -2 (why). */
int compare_meta_from(const struct runfolder *rf, struct compare_meta *m, char *why, size_t whylen);
/* Read run.json of dir into m. 0; -1 unreadable; -2 not a pvbench run (why says which). */
int compare_read_meta(const char *dir, struct compare_meta *m, char *why, size_t whylen);
/*
 * May base and new be compared? 0: same accelerator, device set, guest kernel and
 * scenario; 1: they differ but force is set; -1: they differ (refused). why lists
 * every difference ("accelerator: BASE tcg, NEW kvm; ...").
 */
int compare_check_meta(const struct compare_meta *base, const struct compare_meta *new_, int force,
                       char *why, size_t whylen);

/* The statistics on two sample sets (pure: no files, no messages). 0, or -1 out of memory. */
int compare_samples(const struct sample_set *base, const struct sample_set *new_,
                    const struct compare_options *o, struct compare_result *out)
    __attribute__((warn_unused_result));

/*
 * Read both run folders, check that they may be compared, and compare. Returns
 * PVB_EXIT_OK with *out filled, PVB_EXIT_USAGE (bad options, not a run folder,
 * refused), or PVB_EXIT_FAILED (a file could not be read); errors are reported here.
 */
int compare_runs(const char *base_dir, const char *new_dir, const struct compare_options *o,
                 struct compare_result *out) __attribute__((warn_unused_result));

/* Table on out, compare.json, compare.dat + compare.gp + compare.png. PVB_EXIT_OK or _FAILED. */
int compare_report(const struct compare_result *r, const struct compare_options *o, FILE *out);

/* PVB_EXIT_REGRESSION if any, PVB_EXIT_USAGE if no row could be tested, else PVB_EXIT_OK. */
int compare_exit_code(const struct compare_result *r);

/* Configs with at least one regression, in row order, each once (for re-running them). */
size_t compare_regressed_configs(const struct compare_result *r, const char **out, size_t max);

void compare_result_free(struct compare_result *r);

const char *compare_verdict_name(enum compare_verdict v);
/* Repetitions per side (equal sizes) the permutation test needs to reach p < alpha. */
unsigned compare_reps_needed(double alpha);

/* pvbench compare BASE NEW [--threshold PCT] [--alpha A] [--force] [--metrics L] [--output F] */
int compare_main(int argc, char **argv);
/* Its options, --help and man page section (pvbench help man1). */
extern const struct cli_spec compare_cli;

#endif
