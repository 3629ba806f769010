/* The output side of `pvbench run` (runout.h). */
#include "runout.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "baseline.h"
#include "compare.h"
#include "exitcode.h"
#include "log.h"
#include "report.h"
#include "store.h"
#include "table.h"
#include "util.h"

static void runout_table(FILE *out, const struct scenario *s, const struct sample_set *samples,
                         const struct summary_set *sum, int several_hosts)
{
    struct table_view v;

    table_print_differs(out, s);
    if (!several_hosts) {
        table_print(out, s, samples, sum);
        return;
    }
    if (table_view_build(samples, &v) < 0) {
        log_err("cannot print the table: out of memory");
        return;
    }
    table_view_set_rw(&v, s);
    table_print_view(out, &v, samples, sum);
    table_view_free(&v);
}

static int runout_report(const char *run_dir)
{
    return report_build(run_dir, "png", 1);
}

/* compare's defaults with run's --threshold and --alpha where given. */
static void runout_compare_options(const struct run_options *o, struct compare_options *co)
{
    compare_options_init(co);
    if (o->threshold_pct > 0) {
        co->threshold_pct = o->threshold_pct;
    }
    if (o->alpha > 0) {
        co->alpha = o->alpha;
    }
}

static int runout_baseline(const char *run_dir, const struct run_options *o,
                           char names[][RESULTS_CONFIG_MAX], unsigned max, unsigned *n)
{
    const char *suspects[SCENARIO_MAX_DEVICES];
    struct compare_options co;
    struct compare_result cr;
    size_t k;
    int rc;

    runout_compare_options(o, &co);
    memset(&cr, 0, sizeof(cr));
    *n = 0;
    rc = baseline_compare(run_dir, o->baseline, o->baseline_dir, &co, &cr);
    if (rc == PVB_EXIT_REGRESSION) {
        k = compare_regressed_configs(&cr, suspects,
                                      max < SCENARIO_MAX_DEVICES ? max : SCENARIO_MAX_DEVICES);
        for (size_t i = 0; i < k; i++) {
            util_strlcpy(names[*n], suspects[i], RESULTS_CONFIG_MAX);
            (*n)++;
        }
    }
    compare_result_free(&cr);
    return rc;
}

/* Add name to names (*n of max) unless it is there. */
static void runout_add_name(char names[][RESULTS_CONFIG_MAX], unsigned max, unsigned *n,
                            const char *name)
{
    for (unsigned i = 0; i < *n; i++) {
        if (strcmp(names[i], name) == 0) {
            return;
        }
    }
    if (*n < max) {
        util_strlcpy(names[(*n)++], name, RESULTS_CONFIG_MAX);
    }
}

/*
 * --until-decided: the first verdict of each cell a look decided, for the later looks of the
 * same run. A cell is settled by the look that decided it (the looks' shares of alpha add up
 * to the run's alpha only if a decision is never taken back); its numbers are the latest.
 */
struct runout_kept_cell {
    char key[3 * RESULTS_CONFIG_MAX];
    enum compare_verdict verdict;
    struct verdict v; /* its kind and direction as decided */
};

static struct {
    char run_dir[PATH_MAX];
    struct runout_kept_cell *v;
    size_t n, cap;
} runout_kept;

/* Rows of r decided before keep that verdict; rows decided now are kept. The rows changed. */
static unsigned runout_keep_decided(const char *run_dir, struct compare_result *r)
{
    unsigned changed = 0;

    if (strcmp(runout_kept.run_dir, run_dir) != 0) {
        runout_kept.n = 0;
        util_strlcpy(runout_kept.run_dir, run_dir, sizeof(runout_kept.run_dir));
    }
    for (size_t i = 0; i < r->n; i++) {
        struct compare_row *row = &r->rows[i];
        char key[3 * RESULTS_CONFIG_MAX];
        size_t k;

        snprintf(key, sizeof(key), "%s|%s|%s", row->config, row->workload, row->metric);
        for (k = 0; k < runout_kept.n && strcmp(runout_kept.v[k].key, key) != 0; k++) {
        }
        if (k < runout_kept.n) {
            if (row->verdict != runout_kept.v[k].verdict) {
                row->verdict = runout_kept.v[k].verdict;
                row->v.kind = runout_kept.v[k].v.kind;
                row->v.worse = runout_kept.v[k].v.worse;
                row->v.boots_needed = 0;
                changed++;
            }
            continue;
        }
        if (row->verdict == COMPARE_UNKNOWN) {
            continue;
        }
        if (runout_kept.n == runout_kept.cap) {
            size_t cap = runout_kept.cap ? 2 * runout_kept.cap : 64;
            struct runout_kept_cell *v = realloc(runout_kept.v, cap * sizeof(*v));

            if (!v) {
                continue; /* not kept: a later look decides it again */
            }
            runout_kept.v = v;
            runout_kept.cap = cap;
        }
        util_strlcpy(runout_kept.v[runout_kept.n].key, key, sizeof(key));
        runout_kept.v[runout_kept.n].verdict = row->verdict;
        runout_kept.v[runout_kept.n].v = row->v;
        runout_kept.n++;
    }
    if (changed) {
        compare_recount(r);
    }
    return changed;
}

static int runout_verdict(const char *run_dir, const struct run_options *o, double alpha_share,
                          int final, char names[][RESULTS_CONFIG_MAX], unsigned max, unsigned *n)
{
    char dir[PATH_MAX];
    struct compare_options co;
    struct compare_result cr;
    unsigned need, most = 0, kept;
    int rc;

    runout_compare_options(o, &co);
    co.alpha *= alpha_share;
    co.metrics = o->metrics ? o->metrics : co.metrics;
    *n = 0;
    if (util_fmt(dir, sizeof(dir), "%s/verdict", run_dir) < 0) {
        log_err("%s: path too long", run_dir);
        return PVB_EXIT_FAILED;
    }
    co.outdir = dir;
    co.plot = final;
    rc = compare_run_in(run_dir, NULL, &co, &cr);
    if (rc != PVB_EXIT_OK) {
        return rc;
    }
    kept = runout_keep_decided(run_dir, &cr);
    for (size_t i = 0; i < cr.n; i++) {
        if (cr.rows[i].verdict == COMPARE_UNKNOWN) {
            runout_add_name(names, max, n, cr.rows[i].base_config);
            runout_add_name(names, max, n, cr.rows[i].config);
            need = cr.rows[i].v.boots_needed;
            need = need > cr.rows[i].v.boots_a ? need : cr.rows[i].v.boots_a; /* as a total */
            most = need > most ? need : most;
        }
    }
    if (final) {
        printf("\nverdict of each configuration against its reference (%s):\n", dir);
        rc = compare_report(&cr, &co, stdout);
        if (kept) {
            printf("%u row%s keep%s the verdict of the look that first decided %s (its p was "
                   "below that look's alpha; the numbers shown are the latest)\n",
                   kept, kept == 1 ? "" : "s", kept == 1 ? "s" : "", kept == 1 ? "it" : "them");
        }
    } else {
        char more[96] = "";

        if (cr.n_unknown) {
            snprintf(more, sizeof(more), " (the least settled likely needs about %u boots a side)",
                     most);
        }
        log_info("verdict so far: %u SAME, %u DIFFERENT (worse), %u DIFFERENT (better), %u "
                 "UNKNOWN%s",
                 cr.n_same, cr.n_worse, cr.n_better, cr.n_unknown, more);
    }
    if (rc == PVB_EXIT_OK) {
        rc = compare_exit_code(&cr);
    }
    compare_result_free(&cr);
    return rc;
}

static int runout_store(const char *run_dir, const struct run_options *o)
{
    char why[1024] = "", shown[1024];
    int added = 0;

    store_redact(o->db, shown, sizeof(shown));
    if (store_record_run(o->db, run_dir, o->label, &added, why, sizeof(why)) < 0) {
        log_warn("--db %s: the run was not added (%s); its folder %s is complete: "
                 "pvbench db --db DB add %s adds it later",
                 shown[0] ? shown : "(default)", why, run_dir, run_dir);
        return -1;
    }
    log_info("--db %s: %s %s", shown[0] ? shown : "(default)", run_dir,
             added ? "added" : "was there already");
    return 0;
}

/*
 * summary.json as it is in the run folder, so stdout and the folder cannot disagree, with
 * the two things a script needs beside it: where the run is and how it ended. A run that
 * ended before its summary was written still gets a document (without "configs").
 */
static int runout_json(FILE *out, const char *run_dir, int exit_code)
{
    char path[PATH_MAX + 32];
    struct json_object *root;
    const char *text;
    int rc = -1;

    snprintf(path, sizeof(path), "%s/summary.json", run_dir);
    root = access(path, F_OK) == 0 ? json_object_from_file(path) : json_object_new_object();
    if (!root) {
        log_err("--json: cannot read %s: %s", path, json_util_get_last_err());
        return -1;
    }
    if (json_object_object_add(root, "run_dir", json_object_new_string(run_dir)) < 0 ||
        json_object_object_add(root, "exit_status", json_object_new_int(exit_code)) < 0) {
        log_err("--json: out of memory");
        goto out;
    }
    text = json_object_to_json_string_ext(root,
                                          JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
    if (!text || fprintf(out, "%s\n", text) < 0 || fflush(out) != 0) {
        log_err("--json: cannot write the summary: %s", strerror(errno));
        goto out;
    }
    rc = 0;
out:
    json_object_put(root);
    return rc;
}

const struct run_finish runout_finish = {
    .table = runout_table,
    .report = runout_report,
    .baseline = runout_baseline,
    .verdict = runout_verdict,
    .store = runout_store,
    .json = runout_json,
};
