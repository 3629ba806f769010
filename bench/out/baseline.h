/*
 * Named baselines: a saved copy of a run folder's results (run.json, samples.csv,
 * summary.csv, scenario.ini) under BASEDIR/NAME/, to compare later runs against.
 * BASEDIR is --dir, else $PVBENCH_BASELINES, else ./baselines.
 */
#ifndef PVB_BASELINE_H
#define PVB_BASELINE_H

#include <stddef.h>
#include <stdio.h>

#include "cli.h"
#include "compare.h"

#define BASELINE_ENV "PVBENCH_BASELINES"
#define BASELINE_DEFAULT_DIR "baselines"
#define BASELINE_NAME_MAX 64

/* The folder of baselines when none is given: $PVBENCH_BASELINES or "baselines". */
const char *baseline_default_dir(void);

/* A baseline name is 1..64 of [A-Za-z0-9._-], not starting with '.'. 1 or 0. */
int baseline_name_ok(const char *name);

/*
 * The folder of baseline name in dir (NULL: the default) into buf. A name holding
 * a '/' is taken as a folder path as it is. 0, or -1 with errno: EINVAL (bad name),
 * ENAMETOOLONG, ENOENT (no such baseline).
 */
int baseline_path(const char *name, const char *dir, char *buf, size_t len)
    __attribute__((warn_unused_result));

/*
 * Copy run_dir's results into dir/name atomically: written into dir/name.tmp.<pid>/,
 * fsync'ed, then renamed. An existing baseline is kept unless replace is set (then
 * it is swapped out atomically). Reports its errors; returns a PVB_EXIT_* code.
 */
int baseline_save(const char *run_dir, const char *name, const char *dir, int replace);

/* Print the baselines in dir (NULL: the default) to out. PVB_EXIT_* code. */
int baseline_list(const char *dir, FILE *out);

/*
 * For `pvbench run --baseline NAME`: compare run_dir (NEW) against the baseline
 * (BASE), print the table, write run_dir/compare.json and the chart. Returns the
 * exit code of compare (0 no regression, 1 regression, 2 input error or refused,
 * 3 could not read). When res is not NULL and the comparison ran, the rows are
 * handed over in *res (compare_result_free them), e.g. to re-run regressed configs.
 */
int baseline_compare(const char *run_dir, const char *name, const char *dir,
                     const struct compare_options *o, struct compare_result *res);

/* pvbench baseline save RUNDIR NAME [--dir BASEDIR] [--replace] | list [--dir BASEDIR] */
int baseline_main(int argc, char **argv);
/* Its options, --help and man page section (pvbench help man1). */
extern const struct cli_spec baseline_cli;

#endif
