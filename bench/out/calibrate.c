/* The host's noise floor from A/A pairs of runs (calibrate.h). */
#include "calibrate.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cli.h"
#include "exitcode.h"
#include "log.h"
#include "registry.h"
#include "util.h"
#include "verdict.h"

#define CALIBRATE_PATH_MAX 4096
/* Most A/A pairs one `calibrate SCENARIO` runs. */
#define CALIBRATE_MAX_PAIRS 20
#define CALIBRATE_FILE_MAX (1u << 20)
#define CALIBRATE_ESTIMATOR                                                                        \
    "95th percentile of |x| over every A/A cell's change of the boot means and the distances "     \
    "of its hierarchical-bootstrap 95% interval ends from that change"

/* The values gathered for one workload x metric. */
struct calibrate_vals {
    char workload[32];
    char metric[32];
    double *v;
    size_t n, cap;
};

struct calibrate_acc {
    struct calibrate_vals *w;
    size_t n, cap;
    unsigned pairs;
};

void calibrate_key(const char *accel, char *buf, size_t len)
{
    char host[256] = "";
    char label[RESULTS_HOST_MAX + 1];

    if (gethostname(host, sizeof(host) - 1) < 0) {
        host[0] = '\0';
    }
    results_host_label(label, sizeof(label), host);
    snprintf(buf, len, "%s/%s", label, accel && *accel ? accel : "unknown");
}

double calibrate_floor_find(const struct calibrate_table *t, const char *workload,
                            const char *metric)
{
    for (size_t i = 0; t && i < t->n; i++) {
        if (strcmp(t->v[i].workload, workload) == 0 && strcmp(t->v[i].metric, metric) == 0) {
            return t->v[i].noise_pct;
        }
    }
    return 0.0;
}

struct calibrate_acc *calibrate_acc_new(void)
{
    return calloc(1, sizeof(struct calibrate_acc));
}

void calibrate_acc_free(struct calibrate_acc *acc)
{
    for (size_t i = 0; acc && i < acc->n; i++) {
        free(acc->w[i].v);
    }
    if (acc) {
        free(acc->w);
    }
    free(acc);
}

static int calibrate_push(struct calibrate_acc *acc, const struct sample *s, double x)
{
    struct calibrate_vals *c = NULL;

    if (!isfinite(x)) {
        return 0;
    }
    for (size_t i = 0; i < acc->n && !c; i++) {
        if (strcmp(acc->w[i].workload, s->workload) == 0 &&
            strcmp(acc->w[i].metric, s->metric) == 0) {
            c = &acc->w[i];
        }
    }
    if (!c) {
        if (acc->n == acc->cap) {
            size_t cap = acc->cap ? 2 * acc->cap : 16;
            struct calibrate_vals *w = realloc(acc->w, cap * sizeof(*w));

            if (!w) {
                return -1;
            }
            acc->w = w;
            acc->cap = cap;
        }
        c = &acc->w[acc->n++];
        memset(c, 0, sizeof(*c));
        util_strlcpy(c->workload, s->workload, sizeof(c->workload));
        util_strlcpy(c->metric, s->metric, sizeof(c->metric));
    }
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 16;
        double *v = realloc(c->v, cap * sizeof(*v));

        if (!v) {
            return -1;
        }
        c->v = v;
        c->cap = cap;
    }
    c->v[c->n++] = fabs(x);
    return 0;
}

static int calibrate_same_cell(const struct sample *x, const struct sample *y)
{
    return strcmp(x->config, y->config) == 0 && strcmp(x->workload, y->workload) == 0 &&
           strcmp(x->metric, y->metric) == 0;
}

/* The values and boots of set's cell of s into v/boot (room for set->n). Returns the count. */
static size_t calibrate_cell(const struct sample_set *set, const struct sample *s, double *v,
                             unsigned *boot)
{
    size_t n = 0;

    for (size_t i = 0; i < set->n; i++) {
        if (calibrate_same_cell(&set->v[i], s)) {
            v[n] = set->v[i].value;
            boot[n++] = set->v[i].boot;
        }
    }
    return n;
}

int calibrate_acc_add(struct calibrate_acc *acc, const struct sample_set *a,
                      const struct sample_set *b)
{
    size_t cap = (a->n > b->n ? a->n : b->n) + 1;
    double *va = malloc(cap * sizeof(*va)), *vb = malloc(cap * sizeof(*vb));
    unsigned *ba = malloc(cap * sizeof(*ba)), *bb = malloc(cap * sizeof(*bb));
    struct verdict_options o;
    int rc = -1;

    if (!va || !vb || !ba || !bb) {
        goto out;
    }
    verdict_options_init(&o);
    for (size_t i = 0; i < a->n; i++) {
        struct verdict_side sa = {va, ba, 0}, sb = {vb, bb, 0};
        struct verdict v;
        size_t j;

        for (j = 0; j < i && !calibrate_same_cell(&a->v[j], &a->v[i]); j++) {
        }
        if (j < i) {
            continue; /* the cell was taken at its first sample */
        }
        sa.n = calibrate_cell(a, &a->v[i], va, ba);
        sb.n = calibrate_cell(b, &a->v[i], vb, bb);
        if (sb.n == 0) {
            continue;
        }
        /* The change is one draw of what identical configurations do here; the interval's
         * ends, taken around it, are the resamples' spread of that draw. */
        if (verdict_decide(&sa, &sb, &o, &v) < 0 ||
            calibrate_push(acc, &a->v[i], v.change_pct) < 0 ||
            calibrate_push(acc, &a->v[i], v.lo_pct - v.change_pct) < 0 ||
            calibrate_push(acc, &a->v[i], v.hi_pct - v.change_pct) < 0) {
            goto out;
        }
    }
    acc->pairs++;
    rc = 0;
out:
    free(va);
    free(vb);
    free(ba);
    free(bb);
    return rc;
}

void calibrate_finish(const struct calibrate_acc *acc, struct calibrate_table *t)
{
    t->n = 0;
    t->pairs = acc->pairs;
    for (size_t i = 0; i < acc->n && t->n < CALIBRATE_MAX_FLOORS; i++) {
        struct calibrate_floor *f = &t->v[t->n++];

        util_strlcpy(f->workload, acc->w[i].workload, sizeof(f->workload));
        util_strlcpy(f->metric, acc->w[i].metric, sizeof(f->metric));
        f->noise_pct = verdict_noise_floor(acc->w[i].v, acc->w[i].n);
        f->n = (unsigned)acc->w[i].n;
    }
}

int calibrate_default_path(char *buf, size_t len)
{
    return util_fmt(buf, len, "%s/%s", registry_state_dir(), CALIBRATE_FILE);
}

/* The whole calibration file (NULL with errno ENOENT when there is none). */
static struct json_object *calibrate_read_root(const char *path, char *why, size_t whylen)
{
    struct json_object *root, *v;
    size_t len = 0;
    char *text = util_slurp(path, CALIBRATE_FILE_MAX, &len);

    if (!text) {
        if (errno != ENOENT) {
            snprintf(why, whylen, "%s: %s", path, strerror(errno));
        }
        return NULL;
    }
    root = json_tokener_parse(text);
    free(text);
    if (!root || !json_object_is_type(root, json_type_object) ||
        !json_object_object_get_ex(root, "format", &v) ||
        strcmp(json_object_get_string(v), "pvbench-calibration") != 0 ||
        !json_object_object_get_ex(root, "hosts", &v) ||
        !json_object_is_type(v, json_type_object)) {
        snprintf(why, whylen, "%s: not a pvbench calibration file", path);
        json_object_put(root);
        errno = EINVAL;
        return NULL;
    }
    return root;
}

int calibrate_load(const char *path, const char *key, struct calibrate_table *t, char *why,
                   size_t whylen)
{
    char def[CALIBRATE_PATH_MAX];
    struct json_object *root, *hosts, *e, *floors, *f, *x;
    int rc = 0;

    memset(t, 0, sizeof(*t));
    why[0] = '\0';
    if (!path) {
        if (calibrate_default_path(def, sizeof(def)) < 0) {
            snprintf(why, whylen, "state folder path too long");
            return -1;
        }
        path = def;
    }
    root = calibrate_read_root(path, why, whylen);
    if (!root) {
        return errno == ENOENT ? 0 : -1;
    }
    json_object_object_get_ex(root, "hosts", &hosts);
    if (json_object_object_get_ex(hosts, key, &e) &&
        json_object_object_get_ex(e, "floors", &floors) &&
        json_object_is_type(floors, json_type_array)) {
        util_strlcpy(t->key, key, sizeof(t->key));
        if (json_object_object_get_ex(e, "pairs", &x)) {
            t->pairs = (unsigned)json_object_get_int(x);
        }
        for (size_t i = 0; i < json_object_array_length(floors) && t->n < CALIBRATE_MAX_FLOORS;
             i++) {
            struct calibrate_floor *fl = &t->v[t->n];

            f = json_object_array_get_idx(floors, i);
            if (!json_object_object_get_ex(f, "workload", &x) ||
                util_strlcpy(fl->workload, json_object_get_string(x), sizeof(fl->workload)) < 0 ||
                !json_object_object_get_ex(f, "metric", &x) ||
                util_strlcpy(fl->metric, json_object_get_string(x), sizeof(fl->metric)) < 0 ||
                !json_object_object_get_ex(f, "noise_pct", &x)) {
                continue;
            }
            fl->noise_pct = json_object_get_double(x);
            if (!isfinite(fl->noise_pct) || fl->noise_pct < 0) {
                continue;
            }
            if (json_object_object_get_ex(f, "n", &x)) {
                fl->n = (unsigned)json_object_get_int(x);
            }
            t->n++;
        }
        rc = 1;
    }
    json_object_put(root);
    return rc;
}

static struct json_object *calibrate_json_entry(const struct calibrate_table *t)
{
    struct json_object *e = json_object_new_object(), *floors = json_object_new_array();
    char now[32];
    time_t tt = time(NULL);
    struct tm tm;

    strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&tt, &tm));
    if (!e || !floors || results_json_add(e, "updated", json_object_new_string(now)) < 0 ||
        results_json_add(e, "pairs", json_object_new_int((int)t->pairs)) < 0) {
        json_object_put(e);
        json_object_put(floors);
        return NULL;
    }
    if (results_json_add(e, "floors", floors) < 0) {
        json_object_put(e);
        return NULL;
    }
    for (size_t i = 0; i < t->n; i++) {
        struct json_object *f = json_object_new_object();

        if (!f || results_json_add(f, "workload", json_object_new_string(t->v[i].workload)) < 0 ||
            results_json_add(f, "metric", json_object_new_string(t->v[i].metric)) < 0 ||
            results_json_add(f, "noise_pct", json_object_new_double(t->v[i].noise_pct)) < 0 ||
            results_json_add(f, "n", json_object_new_int((int)t->v[i].n)) < 0 ||
            json_object_array_add(floors, f) != 0) {
            json_object_put(f);
            json_object_put(e);
            return NULL;
        }
    }
    return e;
}

int calibrate_store(const char *path, const struct calibrate_table *t)
{
    char def[CALIBRATE_PATH_MAX], why[256];
    struct json_object *root, *hosts;
    int rc, saved;

    if (!path) {
        if (calibrate_default_path(def, sizeof(def)) < 0) {
            errno = ENAMETOOLONG;
            return -1;
        }
        path = def;
    }
    root = calibrate_read_root(path, why, sizeof(why));
    if (!root && errno != ENOENT) {
        return -1; /* never overwrite a file that is not ours */
    }
    if (!root) {
        root = json_object_new_object();
        if (!root ||
            results_json_add(root, "format", json_object_new_string("pvbench-calibration")) < 0 ||
            results_json_add(root, "version", json_object_new_int(CALIBRATE_FORMAT_VERSION)) < 0 ||
            results_json_add(root, "estimator", json_object_new_string(CALIBRATE_ESTIMATOR)) < 0 ||
            results_json_add(root, "hosts", json_object_new_object()) < 0) {
            json_object_put(root);
            errno = ENOMEM;
            return -1;
        }
    }
    json_object_object_get_ex(root, "hosts", &hosts);
    if (results_json_add(hosts, t->key, calibrate_json_entry(t)) < 0) {
        json_object_put(root);
        errno = ENOMEM;
        return -1;
    }
    rc = results_write_json(path, root);
    saved = errno;
    json_object_put(root);
    errno = saved;
    return rc;
}

/* run.json's accelerator of dir into buf; -1 (why says so) when dir is not a run folder. */
static int calibrate_run_accel(const char *dir, char *buf, size_t len, char *why, size_t whylen)
{
    char path[CALIBRATE_PATH_MAX];
    struct json_object *root, *acc, *name;
    size_t n = 0;
    char *text;

    if (util_fmt(path, sizeof(path), "%s/run.json", dir) < 0 ||
        !(text = util_slurp(path, 4u << 20, &n))) {
        snprintf(why, whylen, "%s: %s", path, strerror(errno));
        return -1;
    }
    root = json_tokener_parse(text);
    free(text);
    if (!root || !json_object_object_get_ex(root, "accelerator", &acc) ||
        !json_object_object_get_ex(acc, "name", &name)) {
        snprintf(why, whylen, "%s: not a pvbench run (no accelerator)", path);
        json_object_put(root);
        return -1;
    }
    util_strlcpy(buf, json_object_get_string(name), len);
    json_object_put(root);
    return 0;
}

enum { CALIBRATE_OPT_FILE = 'f', CALIBRATE_OPT_PAIRS = 'p', CALIBRATE_OPT_RUNS = 'r' };

static const struct cli_opt calibrate_opts[] = {
    {"file", 0, "F", "the calibration file (default $PVBENCH_STATE_DIR/calibration.json)",
     CALIBRATE_OPT_FILE, "=file"},
    {"pairs", 0, "N", "with a scenario: run it 2 x N times (default 1)", CALIBRATE_OPT_PAIRS,
     NULL},
    {"runs", 0, "DIR", "with a scenario: where its runs go (default a new ./calibrate-NAME)",
     CALIBRATE_OPT_RUNS, "=dir"},
    {NULL, 0, NULL, NULL, 0, NULL},
};

const struct cli_spec calibrate_cli = {
    .name = "calibrate",
    .summary = "this host's noise floor from A/A runs, for compare's thresholds",
    .synopsis = "RUN_A RUN_B [RUN_C RUN_D ...] [--file F]\nSCENARIO.ini [--pairs N] [--runs DIR] "
                "[--file F]",
    .description = "Each pair of run folders is an A/A: the same scenario run twice on this host "
                   "with nothing changed. Stores per workload and metric the host's noise floor, "
                   "the 95th percentile of |change| between identical configurations (the "
                   "changes and their 95% intervals' half-widths), under this host and the runs' "
                   "accelerator. With a scenario it runs it 2 x N times (pvbench run, one after "
                   "the other) and calibrates on those pairs. pvbench compare then uses "
                   "max(--threshold, floor) per cell and says which applied (docs/regression.md).",
    .opts = calibrate_opts,
    .operands = "=dir",
    .flags = CLI_F_VERBOSITY,
};

/* Read samples.csv of dir into set; PVB_EXIT_* (reported). */
static int calibrate_read(const char *dir, struct sample_set *set)
{
    char path[CALIBRATE_PATH_MAX], err[512];
    unsigned bad = 0;

    if (util_fmt(path, sizeof(path), "%s/samples.csv", dir) < 0 ||
        samples_read_csv(path, set, &bad, err, sizeof(err)) < 0) {
        log_err("calibrate: %s", err[0] ? err : "path too long");
        return PVB_EXIT_USAGE;
    }
    return PVB_EXIT_OK;
}

/* `pvbench run -o out scenario` as a child of this process; its exit code, -1 if none. */
static int calibrate_run_child(const char *scenario, const char *out)
{
    char *const argv[] = {"pvbench", "run", "-o", (char *)out, (char *)scenario, NULL};
    int status;
    pid_t pid;

    fflush(NULL);
    pid = fork();
    if (pid < 0) {
        return -1;
    }
    if (pid == 0) {
        execv("/proc/self/exe", argv);
        _exit(127);
    }
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            return -1;
        }
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/*
 * calibrate SCENARIO: `pairs` A/A pairs run into a new folder (runs, or ./calibrate-<stem>),
 * their paths into dirs (2 x pairs, CALIBRATE_PATH_MAX each). PVB_EXIT_OK or the failure.
 */
static int calibrate_run_pairs(const char *scenario, unsigned pairs, const char *runs,
                               char (*dirs)[CALIBRATE_PATH_MAX])
{
    char top[CALIBRATE_PATH_MAX], stem[128];
    const char *base = strrchr(scenario, '/');
    char *dot;

    snprintf(stem, sizeof(stem), "%s", base ? base + 1 : scenario);
    dot = strrchr(stem, '.');
    if (dot) {
        *dot = '\0';
    }
    if (runs ? util_strlcpy(top, runs, sizeof(top)) < 0
             : util_fmt(top, sizeof(top), "calibrate-%s", stem) < 0) {
        log_err("calibrate: path too long");
        return PVB_EXIT_USAGE;
    }
    if (mkdir(top, 0755) < 0) {
        log_err("calibrate: %s: %s (give a new folder with --runs)", top, strerror(errno));
        return PVB_EXIT_USAGE;
    }
    for (unsigned k = 0; k < 2 * pairs; k++) {
        int rc;

        if (util_fmt(dirs[k], CALIBRATE_PATH_MAX, "%s/pair%u-%c", top, k / 2 + 1,
                     k % 2 ? 'b' : 'a') < 0) {
            log_err("calibrate: path too long");
            return PVB_EXIT_USAGE;
        }
        log_info("calibrate: A/A run %u of %u into %s", k + 1, 2 * pairs, dirs[k]);
        rc = calibrate_run_child(scenario, dirs[k]);
        if (rc != PVB_EXIT_OK) {
            log_err("calibrate: pvbench run %s exited %d: no floor from an incomplete run", dirs[k],
                    rc);
            return rc > 0 ? rc : PVB_EXIT_FAILED;
        }
    }
    return PVB_EXIT_OK;
}

int calibrate_main(int argc, char **argv)
{
    static char dirs[2 * CALIBRATE_MAX_PAIRS][CALIBRATE_PATH_MAX];
    char *paths[2 * CALIBRATE_MAX_PAIRS];
    const char *runs = NULL;
    unsigned pairs = 1;
    struct stat st;
    char *end;
    struct calibrate_table *t = NULL;
    struct calibrate_acc *acc = NULL;
    const char *file = NULL;
    char accel[32] = "", a1[32], a2[32], why[512];
    int id, first, rc = PVB_EXIT_USAGE;
    struct cli cl;

    if (cli_start(&cl, &calibrate_cli, argc, argv) < 0) {
        return PVB_EXIT_USAGE;
    }
    while ((id = cli_next(&cl)) >= 0) {
        if (id == CALIBRATE_OPT_FILE) {
            file = cl.arg;
        } else if (id == CALIBRATE_OPT_RUNS) {
            runs = cl.arg;
        } else if (id == CALIBRATE_OPT_PAIRS) {
            unsigned long v = strtoul(cl.arg, &end, 10);

            if (end == cl.arg || *end || v < 1 || v > CALIBRATE_MAX_PAIRS) {
                log_err("--pairs: '%s' is not 1 .. %d", cl.arg, CALIBRATE_MAX_PAIRS);
                cli_try(&calibrate_cli);
                return PVB_EXIT_USAGE;
            }
            pairs = (unsigned)v;
        }
    }
    if (id != CLI_END) {
        return cli_exit_code(id);
    }
    first = cl.ind;
    if (argc - first == 1 && stat(argv[first], &st) == 0 && S_ISREG(st.st_mode)) {
        rc = calibrate_run_pairs(argv[first], pairs, runs, dirs);
        if (rc != PVB_EXIT_OK) {
            return rc;
        }
        for (unsigned k = 0; k < 2 * pairs; k++) {
            paths[k] = dirs[k];
        }
        argv = paths;
        argc = (int)(2 * pairs);
        first = 0;
    }
    if (argc - first < 2 || (argc - first) % 2) {
        log_err("calibrate: expected pairs of run folders (A/A), got %d folders", argc - first);
        cli_try(&calibrate_cli);
        return PVB_EXIT_USAGE;
    }
    t = calloc(1, sizeof(*t));
    acc = calibrate_acc_new();
    if (!t || !acc) {
        log_err("calibrate: out of memory");
        rc = PVB_EXIT_FAILED;
        goto out;
    }
    for (int i = first; i < argc; i += 2) {
        struct sample_set a = {0}, b = {0};

        if (calibrate_run_accel(argv[i], a1, sizeof(a1), why, sizeof(why)) < 0 ||
            calibrate_run_accel(argv[i + 1], a2, sizeof(a2), why, sizeof(why)) < 0) {
            log_err("calibrate: %s", why);
            goto out;
        }
        if (!accel[0]) {
            util_strlcpy(accel, a1, sizeof(accel));
        }
        if (strcmp(accel, a1) != 0 || strcmp(accel, a2) != 0) {
            log_err("calibrate: %s ran on %s, %s on %s: a floor is per accelerator, calibrate "
                    "each on its own",
                    argv[first], accel, argv[i + 1], a2);
            goto out;
        }
        rc = calibrate_read(argv[i], &a);
        if (rc == PVB_EXIT_OK) {
            rc = calibrate_read(argv[i + 1], &b);
        }
        if (rc == PVB_EXIT_OK && calibrate_acc_add(acc, &a, &b) < 0) {
            log_err("calibrate: out of memory");
            rc = PVB_EXIT_FAILED;
        }
        samples_free(&a);
        samples_free(&b);
        if (rc != PVB_EXIT_OK) {
            goto out;
        }
    }
    rc = PVB_EXIT_FAILED;
    calibrate_key(accel, t->key, sizeof(t->key));
    calibrate_finish(acc, t);
    printf("noise floor of %s from %u A/A pair%s (%s):\n", t->key, t->pairs,
           t->pairs == 1 ? "" : "s", CALIBRATE_ESTIMATOR);
    for (size_t i = 0; i < t->n; i++) {
        printf("  %-16s %-22s %6.1f %%  (%u values)\n", t->v[i].workload, t->v[i].metric,
               t->v[i].noise_pct, t->v[i].n);
    }
    if (calibrate_store(file, t) < 0) {
        log_err("calibrate: %s: %s", file ? file : "calibration file", strerror(errno));
        goto out;
    }
    if (!file && calibrate_default_path(why, sizeof(why)) >= 0) {
        file = why;
    }
    printf("written: %s\n", file);
    rc = PVB_EXIT_OK;
out:
    calibrate_acc_free(acc);
    free(t);
    return rc;
}
