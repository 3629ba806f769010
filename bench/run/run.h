/* `pvbench run`: boot one guest per configuration, run the jobs, keep every sample. */
#ifndef PVB_RUN_H
#define PVB_RUN_H

#include <stdio.h>

#include "results.h"
#include "scenario.h"
#include "signals.h"

#define RUN_MAX_SETS 32
/* --connect given more than once: the scenario runs on each host in turn (one run folder). */
#define RUN_MAX_HOSTS 8
/* --until-decided without --budget: the run's wall time */
#define RUN_DEFAULT_BUDGET_S 1800.0
/* compare's default alpha and the smallest it takes (compare.h): where the looks stop */
#define RUN_DEFAULT_ALPHA 0.01
#define RUN_ALPHA_MIN 0.0001

struct run_options {
    const char *out_dir;     /* -o: run folder; default results/<time>-<scenario> */
    const char *accel;       /* auto | kvm | tcg */
    const char *qemu_binary; /* default qemu-system-x86_64 (PATH) */
    const char *image_dir;   /* guest image folder, default <source>/build/guest */
    const char *resume_dir;  /* continue this interrupted run */
    const char *sets[RUN_MAX_SETS];
    unsigned n_sets;
    const char *fault;       /* test-only: FAULT@DEVICE[:WORKLOAD] */
    const char *backend;     /* auto | libvirt | qemu (default: $PVBENCH_BACKEND or auto) */
    const char *connect[RUN_MAX_HOSTS]; /* libvirt URIs (none: qemu:///system), one per host */
    unsigned n_connect;
    const char *baseline;    /* compare the run against this named baseline at the end */
    const char *baseline_dir;
    double threshold_pct;    /* for --baseline: 0 = compare's default */
    double alpha;
    unsigned max_iterations; /* re-run configurations suspected of a regression (>= 1) */
    int until_decided;       /* add rounds of boots until every verdict is SAME or DIFFERENT */
    double budget_s;         /* --budget: the run's wall time for --until-decided (0: default) */
    const char *metrics;     /* --metrics: what --until-decided decides (NULL: primary) */
    int dry_run;
    const char *db;          /* --db: add the finished run to this results store (store.h) */
    const char *label;       /* --label: the run's label in the store (a version, a commit) */
    int json;                /* --json: stdout holds only the summary (finish->json) */
    const struct run_finish *finish; /* what the command shows of a finished run; NULL: none */
};

/*
 * What the command does with a finished run, from the output layer (bench/out/runout.c:
 * runout_finish): the run itself depends on no output module. NULL members are skipped.
 */
struct run_finish {
    /* The terminal table: the scenario's (one host) or per configuration@host. */
    void (*table)(FILE *out, const struct scenario *s, const struct sample_set *samples,
                  const struct summary_set *sum, int several_hosts);
    /* report.html and its charts: a PVB_EXIT_* code. */
    int (*report)(const char *run_dir);
    /*
     * --baseline: compare run_dir with o->baseline (its options); a PVB_EXIT_* code, and
     * on PVB_EXIT_REGRESSION the names of the configurations that regressed (*n of max).
     */
    int (*baseline)(const char *run_dir, const struct run_options *o,
                    char names[][RESULTS_CONFIG_MAX], unsigned max, unsigned *n);
    /*
     * --until-decided: the verdict of every configuration of run_dir against its reference
     * (compare RUN, o's threshold, and o's alpha times alpha_share: the share of it this
     * look may spend): PVB_EXIT_OK, _REGRESSION or _UNDECIDED, or
     * another code when it cannot tell. Into names (*n of max) the configurations of the
     * undecided cells and their references. final: print the verdict table and write
     * run_dir/verdict/ (compare.json, compare.png); else one line of counts.
     */
    int (*verdict)(const char *run_dir, const struct run_options *o, double alpha_share,
                   int final, char names[][RESULTS_CONFIG_MAX], unsigned max, unsigned *n);
    /*
     * --db: add run_dir to o->db with o->label. 0, or -1 with the reason warned: the run
     * folder stays as it is (pvbench db add can add it later).
     */
    int (*store)(const char *run_dir, const struct run_options *o);
    /*
     * --json: the run's summary as one JSON document on out (summary.json, the run folder
     * and the exit code). 0, or -1 with the reason logged.
     */
    int (*json)(FILE *out, const char *run_dir, int exit_code);
};

/* The value of --accel (auto, kvm or tcg) into *accel. 0, or -1 with the error logged. */
int run_parse_accel(const char *arg, const char **accel) __attribute__((warn_unused_result));

/* Returns a PVB_EXIT_* code. */
int run_main(const char *scenario_path, const struct run_options *o);

/* Signal handling lives in signals.h; these names stay for main.c and demo.c. */
static inline void run_install_signals(void)
{
    signals_install();
}

static inline int run_interrupted(void)
{
    return signals_interrupted();
}

#endif
