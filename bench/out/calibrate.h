/*
 * The noise floor of this host: `pvbench calibrate RUN_A RUN_B [RUN_C RUN_D ...]` takes A/A
 * pairs (two runs of the same scenario on this host, nothing changed between them; `pvbench
 * calibrate SCENARIO [--pairs N]` makes them, one run after the other) and stores,
 * per workload and metric, how far identical configurations move apart here; `pvbench
 * compare` then never calls a change SAME or DIFFERENT inside that floor (its threshold for
 * a cell is the larger of the user's and the floor, verdict.h).
 *
 * The estimator (verdict_noise_floor): the 95th percentile, linearly interpolated, of the
 * absolute values of, for every A/A cell (configuration x workload x metric of every pair),
 * its change of the boot means and the distances of the two ends of its hierarchical-
 * bootstrap 95 % interval from that change (cells of one boot a side have no interval and
 * give their change only). The change is one draw of what identical configurations do on this
 * host; the interval's half-widths are the resamples' spread around it, so that a floor from
 * a single pair of a two-disk scenario does not rest on two numbers.
 *
 * calibration.json in the state folder ($PVBENCH_STATE_DIR, registry.h):
 *   {"format":"pvbench-calibration","version":1,"estimator":"...","hosts":{"<host>/<accel>":
 *    {"updated","pairs":N,"runs":[...],"floors":[{"workload","metric","noise_pct","n"}]}}}
 * keyed by host label (results_host_label of the host name) and accelerator; calibrating
 * again replaces that key's entry only.
 */
#ifndef PVB_CALIBRATE_H
#define PVB_CALIBRATE_H

#include <stddef.h>

#include "cli.h"
#include "results.h"

#define CALIBRATE_FORMAT_VERSION 1
#define CALIBRATE_FILE "calibration.json"
#define CALIBRATE_MAX_FLOORS 256
#define CALIBRATE_KEY_MAX 96

struct calibrate_floor {
    char workload[32];
    char metric[32];
    double noise_pct; /* the floor, in % */
    unsigned n;       /* values it was estimated from */
};

struct calibrate_table {
    char key[CALIBRATE_KEY_MAX]; /* "<host>/<accel>" */
    unsigned pairs;
    struct calibrate_floor v[CALIBRATE_MAX_FLOORS];
    size_t n;
};

/* "<this host's label>/<accel>" into buf. */
void calibrate_key(const char *accel, char *buf, size_t len);

/* The floor of workload x metric, or 0 when the table has none (or t is NULL). */
double calibrate_floor_find(const struct calibrate_table *t, const char *workload,
                            const char *metric);

/*
 * Add one A/A pair (the samples of two runs) to the values of the floors in acc; then
 * calibrate_finish computes the floors. Pure. 0, or -1 out of memory.
 */
struct calibrate_acc;
struct calibrate_acc *calibrate_acc_new(void);
int calibrate_acc_add(struct calibrate_acc *acc, const struct sample_set *a,
                      const struct sample_set *b) __attribute__((warn_unused_result));
void calibrate_finish(const struct calibrate_acc *acc, struct calibrate_table *t);
void calibrate_acc_free(struct calibrate_acc *acc);

/*
 * Read key's entry of the calibration file path (NULL: the state folder's) into t.
 * 1 found, 0 no file or no entry for the key, -1 unreadable or not a calibration file
 * (why says which).
 */
int calibrate_load(const char *path, const char *key, struct calibrate_table *t, char *why,
                   size_t whylen) __attribute__((warn_unused_result));

/* Put t under t->key in path (NULL: the state folder's), keeping other keys. 0 or -1 (errno). */
int calibrate_store(const char *path, const struct calibrate_table *t)
    __attribute__((warn_unused_result));

/* The default file: <state folder>/calibration.json. -1 if the path is too long. */
int calibrate_default_path(char *buf, size_t len);

/* pvbench calibrate RUN_A RUN_B [RUN_C RUN_D ...] | SCENARIO [--pairs N] [--runs D] [--file F] */
int calibrate_main(int argc, char **argv);
extern const struct cli_spec calibrate_cli;

#endif
