/*
 * A/B comparison of two run folders: for each config x workload x metric present in both,
 * the three-way verdict of verdict.h with the boot as the unit (SAME, DIFFERENT better or
 * worse, UNKNOWN with the boots that would likely settle it), the threshold applied being the
 * larger of --threshold and this host's calibrated noise floor (calibrate.h).
 *
 * Outputs go to a folder of their own (-o DIR, default ./compare-<BASE>-<NEW>), never into
 * NEW: compare.json, compare.dat/.gp/.png, and on request JUnit and Markdown (cireport.h).
 * compare.json {"format":"pvbench-compare","version":2,"pvbench_version","base":{...},
 *               "new":{...},"options":{...},"forced_differences":[...],"summary":{...},
 *               "rows":[{"config","device","workload","metric","unit","better","n_base",
 *               "n_new","boots_base","boots_new","base_median","new_median","base_mean",
 *               "new_mean","change_pct","change_ci95_low_pct","change_ci95_high_pct","p",
 *               "min_p","between_boot_share","threshold_pct","threshold_source",
 *               "boots_needed","verdict","direction"}]}
 *              (version 2: the change is of the means of the boot means, the interval a
 *              hierarchical bootstrap, p the permutation test of the boot means.)
 * compare.dat  one line per row: index, "label", change %, interval low %, high %, verdict
 *              code (0 SAME, 1 DIFFERENT worse, 2 DIFFERENT better, 3 UNKNOWN); then, after
 *              two blank lines, the threshold lines (drawn by scripts/plot/compare.gp).
 *
 * Method and exit codes: docs/regression.md.
 */
#ifndef PVB_COMPARE_H
#define PVB_COMPARE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "calibrate.h"
#include "cli.h"
#include "metric.h"
#include "permtest.h"
#include "results.h"
#include "verdict.h"

#define COMPARE_FORMAT_VERSION 2
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
    const char *output;   /* compare.json path; NULL: <outdir>/compare.json */
    const char *outdir;   /* NULL: a new folder compare-<BASE>-<NEW> in the current one */
    const char *junit;    /* JUnit XML there too, NULL: none */
    const char *markdown; /* a Markdown summary there too, NULL: none */
    const char *calibration; /* the noise floors' file, NULL: the state folder's */
    const struct calibrate_table *noise; /* this host's floors (compare_runs loads them) */
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
    char backend[32];
    char guest_kernel[64];
    char qemu_version[128];
    char pvbench_version[32];
    char start[32];
    unsigned n_configs;
    char configs[COMPARE_MAX_CONFIGS][48];
    char status[COMPARE_MAX_CONFIGS][16];
};

/* A row's verdict.h kind with its direction. */
enum compare_verdict {
    COMPARE_SAME = 0,
    COMPARE_WORSE = 1,   /* DIFFERENT in the bad direction: a regression */
    COMPARE_BETTER = 2,  /* DIFFERENT in the good direction */
    COMPARE_UNKNOWN = 3, /* neither: more boots would likely settle it (v.boots_needed) */
};

struct compare_row {
    char config[RESULTS_CONFIG_MAX];
    char base_config[RESULTS_CONFIG_MAX]; /* BASE's samples: config, or its reference (one RUN) */
    char device[32];
    char workload[32];
    char rw[16]; /* the workload's rw (compare_set_rw), "" when not known: names its "op" */
    char metric[32];
    char unit[16];
    enum metric_dir dir;
    unsigned n_base, n_new;
    double base_median, new_median; /* of all the repetitions, for the reader */
    double change_pct;           /* of the boot means (v.change_pct); +-inf when base is 0 */
    double change_lo, change_hi; /* hierarchical bootstrap 95% interval, in %; NAN if none */
    double p;                    /* permutation test of the boot means (v.p) */
    double min_p;                /* smallest p these numbers of boots can give */
    unsigned reps_needed;        /* boots per side that can reach alpha */
    struct verdict v;            /* the whole verdict of the cell */
    enum compare_verdict verdict;
};

struct compare_result {
    struct compare_row *rows;
    size_t n, cap;
    unsigned n_worse, n_better, n_same, n_unknown;
    unsigned only_base, only_new; /* config x workload x metric cells present on one side */
    unsigned unknown_metrics;     /* samples left out: metric not in the metric table */
    unsigned reps_needed;         /* boots per side, for alpha (balanced design) */
    double threshold_pct, alpha;
    char calibrated[CALIBRATE_KEY_MAX]; /* the floors applied ("host/accel"), "" if none */
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
 * May base and new be compared? 0: same accelerator, backend, device set, guest kernel and
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
/* This host's noise floors for accelerator (calibrate.h) into *noise and oc->noise, unless
 * the caller brought its own (oc->noise set); a calibration file that cannot be read is a
 * warning. */
void compare_use_calibration(struct compare_options *oc, const char *accelerator,
                             struct calibrate_table *noise);

int compare_runs(const char *base_dir, const char *new_dir, const struct compare_options *o,
                 struct compare_result *out) __attribute__((warn_unused_result));

struct runfolder;
/* Each row's workload rw from the scenario of run folder rf (runfolder_scenario): a custom
 * `[workload NAME]` on a TCP stream costs CPU per Mbit, not per operation. */
void compare_set_rw(struct compare_result *r, const struct runfolder *rf);

/*
 * One run folder: each configuration against the reference of its kind in that run (the
 * scenario's `reference`, else the first emulated configuration, else the first), or, with
 * configs "REF,OTHER", just that pair. Same returns as compare_runs (compare_in.c).
 */
int compare_run_in(const char *dir, const char *configs, const struct compare_options *o,
                   struct compare_result *out) __attribute__((warn_unused_result));
/* The pairs (ref[k], cfg[k]) of all as two sets for compare_samples: new_ holds cfg[k]'s
 * samples, base ref[k]'s renamed cfg[k]. 0, or -1 out of memory (both freed). */
int compare_in_split(const struct sample_set *all, const char *const *cfg, const char *const *ref,
                     size_t n_pairs, struct sample_set *base, struct sample_set *new_)
    __attribute__((warn_unused_result));

/* Table on out; compare.json, compare.dat + .gp + .png, JUnit, Markdown into the output
 * folder (made here). PVB_EXIT_OK, _USAGE (an output path) or _FAILED. */
int compare_report(const struct compare_result *r, const struct compare_options *o, FILE *out);

/* PVB_EXIT_REGRESSION: a DIFFERENT-worse row; PVB_EXIT_USAGE: no row; PVB_EXIT_UNDECIDED: an
 * UNKNOWN row; else PVB_EXIT_OK. */
int compare_exit_code(const struct compare_result *r);

/* Configs with at least one DIFFERENT-worse row, in row order, each once (to re-run them). */
size_t compare_regressed_configs(const struct compare_result *r, const char **out, size_t max);

/* n_worse, n_better, n_same and n_unknown from the rows' verdicts (after a row changed). */
void compare_recount(struct compare_result *r);
void compare_result_free(struct compare_result *r);

const char *compare_verdict_name(enum compare_verdict v);
/* Repetitions per side (equal sizes) the permutation test needs to reach p < alpha. */
unsigned compare_reps_needed(double alpha);

/* pvbench compare BASE NEW [-o DIR] [--junit F] [--markdown F] [--threshold PCT] [--alpha A]
 * [--force] [--metrics L] [--output F] [--calibration F] [--seed N] [--no-plot] */
int compare_main(int argc, char **argv);
/* Its options, --help and man page section (pvbench help man1). */
extern const struct cli_spec compare_cli;

#endif
