/* The output side of `pvbench run` (runout.h). */
#include "runout.h"

#include <errno.h>
#include <limits.h>
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
    table_print_view(out, &v, samples, sum);
    table_view_free(&v);
}

static int runout_report(const char *run_dir)
{
    return report_build(run_dir, "png", 1);
}

static int runout_baseline(const char *run_dir, const struct run_options *o,
                           char names[][RESULTS_CONFIG_MAX], unsigned max, unsigned *n)
{
    const char *suspects[SCENARIO_MAX_DEVICES];
    struct compare_options co;
    struct compare_result cr;
    size_t k;
    int rc;

    compare_options_init(&co);
    if (o->threshold_pct > 0) {
        co.threshold_pct = o->threshold_pct;
    }
    if (o->alpha > 0) {
        co.alpha = o->alpha;
    }
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
    .store = runout_store,
    .json = runout_json,
};
