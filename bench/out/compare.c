/*
 * pvbench compare: an A/B verdict on two run folders.
 *
 * Per config x workload x metric present in both runs, verdict_decide (verdict.h) with the
 * boot as the unit: each boot's repetitions averaged, the change of the mean of the boot
 * means with its hierarchical-bootstrap 95% interval, the permutation test of the boot
 * means, and SAME / DIFFERENT (better or worse) / UNKNOWN against the larger of the user's
 * threshold and this host's calibrated noise floor (calibrate.h). The medians of all the
 * repetitions are shown beside it for the reader; they decide nothing.
 * Everything random is seeded (per cell, from the seed and the cell's names), so
 * a comparison is reproducible and does not depend on which other cells exist.
 */
#include "compare.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cireport.h"
#include "exitcode.h"
#include "log.h"
#include "permtest.h"
#include "plot.h"
#include "runfolder.h"
#include "scenario.h"
#include "stats.h"
#include "util.h"

#ifndef PVB_VERSION
#define PVB_VERSION "unknown"
#endif

#define COMPARE_PATH_MAX 4096
#define COMPARE_CHART_WIDTH 800
/* Threads that fill rows: one per online CPU, at most this many. */
#define COMPARE_MAX_THREADS 8
#define COMPARE_CHART_MAX_HEIGHT 12000

/* The metrics that answer "how fast" and "at what cost": the default selection. */
static const char *const compare_primary[] = {
    "throughput_mib_s",  "iops",           "lat_mean_us", "lat_p99_us",
    "throughput_mbit_s", "transactions_s", "pps",         "host_cpu_us_per_op",
};

/* ---- options ------------------------------------------------------------------------------- */

void compare_options_init(struct compare_options *o)
{
    memset(o, 0, sizeof(*o));
    o->threshold_pct = COMPARE_DEFAULT_THRESHOLD_PCT;
    o->alpha = COMPARE_DEFAULT_ALPHA;
    o->seed = STATS_DEFAULT_SEED;
    o->plot = 1;
}

static int compare_is_primary(const char *name)
{
    size_t i;

    for (i = 0; i < sizeof(compare_primary) / sizeof(compare_primary[0]); i++) {
        if (strcmp(compare_primary[i], name) == 0) {
            return 1;
        }
    }
    return 0;
}

/* Is name one of the comma-separated items of list (blanks around items allowed)? */
static int compare_in_list(const char *list, const char *name)
{
    const char *p = list;
    const char *end;
    size_t len = strlen(name);

    while (*p) {
        while (*p == ' ' || *p == ',') {
            p++;
        }
        end = p;
        while (*end && *end != ',' && *end != ' ') {
            end++;
        }
        if ((size_t)(end - p) == len && len > 0 && memcmp(p, name, len) == 0) {
            return 1;
        }
        p = end;
    }
    return 0;
}

static int compare_metrics_mode_all(const struct compare_options *o)
{
    return o->metrics && strcmp(o->metrics, "all") == 0;
}

static int compare_metrics_mode_primary(const struct compare_options *o)
{
    return !o->metrics || !*o->metrics || strcmp(o->metrics, "primary") == 0;
}

int compare_metric_selected(const struct compare_options *o, const char *name)
{
    if (!metric_find(name)) {
        return 0;
    }
    if (compare_metrics_mode_primary(o)) {
        return compare_is_primary(name);
    }
    if (compare_metrics_mode_all(o)) {
        return 1;
    }
    return compare_in_list(o->metrics, name);
}

int compare_options_check(const struct compare_options *o, char *why, size_t whylen)
{
    char item[64];
    const char *p;
    const char *end;
    size_t len;

    if (!(o->threshold_pct >= 0.0 && o->threshold_pct <= COMPARE_THRESHOLD_MAX_PCT)) {
        snprintf(why, whylen, "--threshold: %g is outside 0 .. %g (percent)", o->threshold_pct,
                 COMPARE_THRESHOLD_MAX_PCT);
        return -1;
    }
    if (!(o->alpha >= COMPARE_ALPHA_MIN && o->alpha <= COMPARE_ALPHA_MAX)) {
        snprintf(why, whylen, "--alpha: %g is outside %g .. %g", o->alpha, COMPARE_ALPHA_MIN,
                 COMPARE_ALPHA_MAX);
        return -1;
    }
    if (compare_metrics_mode_primary(o) || compare_metrics_mode_all(o)) {
        return 0;
    }
    p = o->metrics;
    while (*p) {
        while (*p == ' ' || *p == ',') {
            p++;
        }
        end = p;
        while (*end && *end != ',' && *end != ' ') {
            end++;
        }
        len = (size_t)(end - p);
        if (len == 0) {
            break;
        }
        snprintf(item, sizeof(item), "%.*s", (int)(len < 60 ? len : 60), p);
        util_sanitize(item);
        if (len >= sizeof(item) || !metric_find(item)) {
            snprintf(why, whylen, "--metrics: unknown metric '%s' (pvbench list shows them)", item);
            return -1;
        }
        p = end;
    }
    return 0;
}

/* ---- run.json ------------------------------------------------------------------------------ */

int compare_meta_from(const struct runfolder *rf, struct compare_meta *m, char *why, size_t whylen)
{
    const char *name;

    memset(m, 0, sizeof(*m));
    if (util_strlcpy(m->dir, rf->dir, sizeof(m->dir)) < 0) {
        snprintf(why, whylen, "%s: path too long", rf->dir);
        return -2;
    }
    runfolder_copy_printable(m->run_id, sizeof(m->run_id), rf->run_id);
    runfolder_copy_printable(m->scenario, sizeof(m->scenario), rf->scenario_name);
    runfolder_copy_printable(m->accelerator, sizeof(m->accelerator), rf->accel_name);
    runfolder_copy_printable(m->guest_kernel, sizeof(m->guest_kernel), rf->guest_kernel);
    runfolder_copy_printable(m->qemu_version, sizeof(m->qemu_version), rf->qemu_version);
    runfolder_copy_printable(m->pvbench_version, sizeof(m->pvbench_version), rf->pvbench_version);
    runfolder_copy_printable(m->start, sizeof(m->start), rf->start);
    runfolder_copy_printable(m->backend, sizeof(m->backend), rf->backend);
    m->nested = !*rf->nested || strcmp(rf->nested, "false") == 0 ? 0
                : strcmp(rf->nested, "true") == 0                ? 1
                                                                 : -1;
    if (rf->n_configs > COMPARE_MAX_CONFIGS) {
        snprintf(why, whylen, "%s/run.json: %zu configurations, at most %d are supported", rf->dir,
                 rf->n_configs, COMPARE_MAX_CONFIGS);
        return -2;
    }
    for (size_t i = 0; i < rf->n_configs; i++) {
        name = rf->configs[i].config;
        if (!*name) {
            name = rf->configs[i].device;
        }
        if (!*name) {
            continue;
        }
        runfolder_copy_printable(m->configs[m->n_configs], sizeof(m->configs[0]), name);
        runfolder_copy_printable(m->status[m->n_configs], sizeof(m->status[0]),
                                 rf->configs[i].status);
        m->n_configs++;
    }
    return 0;
}

int compare_read_meta(const char *dir, struct compare_meta *m, char *why, size_t whylen)
{
    struct runfolder rf;
    int rc;

    memset(m, 0, sizeof(*m));
    if (runfolder_read(dir, &rf, why, whylen) != RUNFOLDER_OK && rf.run_err != RUNFOLDER_OK) {
        rc = runfolder_exit_code(rf.run_err) == PVB_EXIT_FAILED ? -1 : -2;
    } else {
        rc = compare_meta_from(&rf, m, why, whylen);
    }
    runfolder_free(&rf);
    return rc;
}

/* ---- may the two runs be compared? --------------------------------------------------------- */

/* Append "; " (unless first) and a formatted difference to why. */
static void compare_why_add(char *why, size_t whylen, const char *fmt, ...) PVB_PRINTF(3, 4);

static void compare_why_add(char *why, size_t whylen, const char *fmt, ...)
{
    size_t used = strnlen(why, whylen);
    va_list ap;

    if (used + 1 >= whylen) {
        return;
    }
    if (used > 0) {
        snprintf(why + used, whylen - used, "; ");
        used = strnlen(why, whylen);
    }
    va_start(ap, fmt);
    vsnprintf(why + used, whylen - used, fmt, ap);
    va_end(ap);
}

static int compare_has_config(const struct compare_meta *m, const char *name)
{
    unsigned i;

    for (i = 0; i < m->n_configs; i++) {
        if (strcmp(m->configs[i], name) == 0) {
            return 1;
        }
    }
    return 0;
}

/* Names of a's configs that b lacks, space separated, into out. Count of them. */
static unsigned compare_configs_missing(const struct compare_meta *a, const struct compare_meta *b,
                                        char *out, size_t outlen)
{
    unsigned i;
    unsigned n = 0;
    size_t used;

    out[0] = '\0';
    for (i = 0; i < a->n_configs; i++) {
        if (!compare_has_config(b, a->configs[i])) {
            used = strlen(out);
            snprintf(out + used, outlen - used, "%s%s", n ? " " : "", a->configs[i]);
            n++;
        }
    }
    return n;
}

static const char *compare_or_unknown(const char *s)
{
    return *s ? s : "(unknown)";
}

int compare_check_meta(const struct compare_meta *base, const struct compare_meta *new_, int force,
                       char *why, size_t whylen)
{
    char only_base[512];
    char only_new[512];
    unsigned nb;
    unsigned nn;

    why[0] = '\0';
    if (strcmp(base->accelerator, new_->accelerator) != 0) {
        compare_why_add(why, whylen, "accelerator: BASE %s, NEW %s",
                        compare_or_unknown(base->accelerator),
                        compare_or_unknown(new_->accelerator));
    }
    /* Nested KVM costs an exit far more than KVM on bare metal: never the same numbers. */
    if (base->nested != new_->nested) {
        static const char *const how[] = {"unknown", "no", "yes"};
        compare_why_add(why, whylen, "nested KVM: BASE %s, NEW %s", how[base->nested + 1],
                        how[new_->nested + 1]);
    }
    if (strcmp(base->backend, new_->backend) != 0) {
        compare_why_add(why, whylen, "backend: BASE %s, NEW %s", compare_or_unknown(base->backend),
                        compare_or_unknown(new_->backend));
    }
    nb = compare_configs_missing(base, new_, only_base, sizeof(only_base));
    nn = compare_configs_missing(new_, base, only_new, sizeof(only_new));
    if (nb || nn) {
        compare_why_add(why, whylen, "devices: only in BASE: %s, only in NEW: %s",
                        nb ? only_base : "-", nn ? only_new : "-");
    }
    if (strcmp(base->guest_kernel, new_->guest_kernel) != 0) {
        compare_why_add(why, whylen, "guest kernel: BASE %s, NEW %s",
                        compare_or_unknown(base->guest_kernel),
                        compare_or_unknown(new_->guest_kernel));
    }
    if (strcmp(base->scenario, new_->scenario) != 0) {
        compare_why_add(why, whylen, "scenario: BASE %s, NEW %s",
                        compare_or_unknown(base->scenario), compare_or_unknown(new_->scenario));
    }
    if (!why[0]) {
        return 0;
    }
    return force ? 1 : -1;
}

/* ---- grouping samples into cells ----------------------------------------------------------- */

struct compare_cell {
    const struct sample *first; /* the first sample of the cell in file order */
    const double *v;
    const unsigned *boot; /* the boot of each value */
    size_t n;
};

struct compare_side {
    const struct sample **idx;
    double *vals;
    unsigned *boots;
    struct compare_cell *cells;
    size_t n_cells;
};

static int compare_key_cmp(const struct sample *a, const struct sample *b)
{
    int c = strcmp(a->config, b->config);

    if (c == 0) {
        c = strcmp(a->workload, b->workload);
    }
    if (c == 0) {
        c = strcmp(a->metric, b->metric);
    }
    return c;
}

/* By cell, then file order (the addresses of one array), so a cell starts with its first. */
static int compare_sample_cmp(const void *pa, const void *pb)
{
    const struct sample *a = *(const struct sample *const *)pa;
    const struct sample *b = *(const struct sample *const *)pb;
    int c = compare_key_cmp(a, b);

    if (c != 0) {
        return c;
    }
    return a < b ? -1 : (a > b ? 1 : 0);
}

static void compare_side_free(struct compare_side *s)
{
    free(s->idx);
    free(s->vals);
    free(s->boots);
    free(s->cells);
    memset(s, 0, sizeof(*s));
}

/* Sort the selected samples of set into cells. 0 or -1 (out of memory). */
static int compare_group(const struct sample_set *set, const struct compare_options *o,
                         struct compare_side *side, unsigned *unknown)
{
    size_t n = 0;
    size_t i;
    size_t start;

    memset(side, 0, sizeof(*side));
    side->idx = malloc((set->n ? set->n : 1) * sizeof(*side->idx));
    side->vals = malloc((set->n ? set->n : 1) * sizeof(*side->vals));
    side->boots = malloc((set->n ? set->n : 1) * sizeof(*side->boots));
    side->cells = malloc((set->n ? set->n : 1) * sizeof(*side->cells));
    if (!side->idx || !side->vals || !side->boots || !side->cells) {
        compare_side_free(side);
        return -1;
    }
    for (i = 0; i < set->n; i++) {
        if (!metric_find(set->v[i].metric)) {
            (*unknown)++;
            continue;
        }
        if (compare_metric_selected(o, set->v[i].metric)) {
            side->idx[n++] = &set->v[i];
        }
    }
    qsort(side->idx, n, sizeof(*side->idx), compare_sample_cmp);
    for (i = 0; i < n; i++) {
        side->vals[i] = side->idx[i]->value;
        side->boots[i] = side->idx[i]->boot;
    }
    start = 0;
    for (i = 1; i <= n; i++) {
        if (i == n || compare_key_cmp(side->idx[i], side->idx[start]) != 0) {
            side->cells[side->n_cells].first = side->idx[start];
            side->cells[side->n_cells].v = side->vals + start;
            side->cells[side->n_cells].boot = side->boots + start;
            side->cells[side->n_cells].n = i - start;
            side->n_cells++;
            start = i;
        }
    }
    return 0;
}

/* ---- rows ---------------------------------------------------------------------------------- */

/* A cell's own seed: FNV-1a of its names mixed with the comparison's seed. */
static uint64_t compare_cell_seed(uint64_t seed, const struct sample *s)
{
    const char *parts[3] = {s->config, s->workload, s->metric};
    uint64_t h = 0xcbf29ce484222325ull;
    struct stats_rng mix;
    const char *p;
    int i;

    for (i = 0; i < 3; i++) {
        for (p = parts[i]; *p; p++) {
            h = (h ^ (unsigned char)*p) * 0x100000001b3ull;
        }
        h = (h ^ '/') * 0x100000001b3ull;
    }
    stats_rng_seed(&mix, h ^ seed);
    return stats_rng_next(&mix);
}

/* Fill one row from a cell present on both sides. 0 or -1 (out of memory). */
static int compare_row_fill(struct compare_row *row, const struct compare_cell *cb,
                            const struct compare_cell *cn, const struct compare_options *o)
{
    const struct metric *m = metric_find(cb->first->metric);
    const struct verdict_side a = {cb->v, cb->boot, cb->n}, b = {cn->v, cn->boot, cn->n};
    struct verdict_options vo;

    memset(row, 0, sizeof(*row));
    memcpy(row->config, cb->first->config, sizeof(row->config));
    memcpy(row->base_config, cb->first->config, sizeof(row->base_config));
    memcpy(row->device, cb->first->device, sizeof(row->device));
    memcpy(row->workload, cb->first->workload, sizeof(row->workload));
    memcpy(row->metric, cb->first->metric, sizeof(row->metric));
    memcpy(row->unit, cb->first->unit, sizeof(row->unit));
    row->dir = m ? m->dir : METRIC_HIGHER_BETTER;
    row->n_base = (unsigned)cb->n;
    row->n_new = (unsigned)cn->n;
    row->base_median = stats_median(cb->v, cb->n);
    row->new_median = stats_median(cn->v, cn->n);
    if (isnan(row->base_median) || isnan(row->new_median)) {
        return -1; /* stats_median's only failure: out of memory */
    }
    verdict_options_init(&vo);
    vo.threshold_pct = o->threshold_pct;
    vo.noise_pct = calibrate_floor_find(o->noise, row->workload, row->metric);
    vo.alpha = o->alpha;
    vo.higher_is_better = row->dir == METRIC_HIGHER_BETTER;
    vo.seed = compare_cell_seed(o->seed, cb->first);
    if (verdict_decide(&a, &b, &vo, &row->v) < 0) {
        return -1;
    }
    row->change_pct = row->v.change_pct;
    row->change_lo = row->v.lo_pct;
    row->change_hi = row->v.hi_pct;
    row->p = row->v.p;
    row->min_p = row->v.min_p;
    row->reps_needed = compare_reps_needed(o->alpha);
    if (row->v.kind == VERDICT_SAME) {
        row->verdict = COMPARE_SAME;
    } else if (row->v.kind == VERDICT_DIFFERENT) {
        row->verdict = row->v.worse ? COMPARE_WORSE : COMPARE_BETTER;
    } else {
        row->verdict = COMPARE_UNKNOWN;
    }
    return 0;
}

struct compare_pair {
    size_t base, new_; /* cell indexes */
    size_t order;      /* position of the base cell's first sample in its file */
};

/* Rows follow the base run's order of first appearance. */
static int compare_pair_cmp_order(const void *pa, const void *pb)
{
    const struct compare_pair *x = pa;
    const struct compare_pair *y = pb;

    return x->order < y->order ? -1 : (x->order > y->order ? 1 : 0);
}

/* The share of the rows one thread fills: rows first, first + step, ... */
struct compare_job {
    struct compare_row *rows;
    const struct compare_pair *pairs;
    size_t n, first, step;
    const struct compare_side *sb, *sn;
    const struct compare_options *o;
    int failed;
};

static void *compare_job_run(void *arg)
{
    struct compare_job *j = arg;
    size_t k;

    for (k = j->first; k < j->n && !j->failed; k += j->step) {
        if (compare_row_fill(&j->rows[k], &j->sb->cells[j->pairs[k].base],
                             &j->sn->cells[j->pairs[k].new_], j->o) < 0) {
            j->failed = 1;
        }
    }
    return NULL;
}

/*
 * Fill every row. Rows are independent and seeded by their own names, so they
 * are spread over the online CPUs (the bootstrap and the permutations dominate
 * a large comparison) with the same results as in one thread. Worker threads
 * block every signal: the caller's thread keeps handling them. 0 or -1.
 */
static int compare_fill_rows(struct compare_row *rows, const struct compare_pair *pairs, size_t n,
                             const struct compare_side *sb, const struct compare_side *sn,
                             const struct compare_options *o)
{
    struct compare_job jobs[COMPARE_MAX_THREADS];
    pthread_t tid[COMPARE_MAX_THREADS];
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    size_t nthreads = cpus > 1 ? (size_t)cpus : 1;
    size_t started = 1;
    size_t t;
    sigset_t all;
    sigset_t old;
    int failed = 0;

    if (nthreads > COMPARE_MAX_THREADS) {
        nthreads = COMPARE_MAX_THREADS;
    }
    if (nthreads > n) {
        nthreads = n > 0 ? n : 1;
    }
    memset(jobs, 0, sizeof(jobs));
    for (t = 0; t < nthreads; t++) {
        jobs[t].rows = rows;
        jobs[t].pairs = pairs;
        jobs[t].n = n;
        jobs[t].first = t;
        jobs[t].step = nthreads;
        jobs[t].sb = sb;
        jobs[t].sn = sn;
        jobs[t].o = o;
        jobs[t].failed = 0;
    }
    if (nthreads > 1) {
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &old);
        for (t = 1; t < nthreads; t++) {
            if (pthread_create(&tid[t], NULL, compare_job_run, &jobs[t]) != 0) {
                break;
            }
        }
        started = t;
        pthread_sigmask(SIG_SETMASK, &old, NULL);
    }
    /* This thread's own share, then any share whose thread could not start. */
    compare_job_run(&jobs[0]);
    for (t = started; t < nthreads; t++) {
        compare_job_run(&jobs[t]);
    }
    for (t = 1; t < started; t++) {
        pthread_join(tid[t], NULL);
    }
    for (t = 0; t < nthreads; t++) {
        failed |= jobs[t].failed;
    }
    return failed ? -1 : 0;
}

int compare_samples(const struct sample_set *base, const struct sample_set *new_,
                    const struct compare_options *o, struct compare_result *out)
{
    struct compare_side sb;
    struct compare_side sn;
    struct compare_pair *pairs = NULL;
    size_t np = 0;
    size_t i = 0;
    size_t j = 0;
    int c;
    int rc = -1;

    memset(&sb, 0, sizeof(sb));
    memset(&sn, 0, sizeof(sn));
    out->rows = NULL;
    out->n = out->cap = 0;
    out->n_worse = out->n_better = out->n_same = out->n_unknown = 0;
    out->only_base = out->only_new = out->unknown_metrics = 0;
    out->threshold_pct = o->threshold_pct;
    out->alpha = o->alpha;
    out->reps_needed = compare_reps_needed(o->alpha);
    if (compare_group(base, o, &sb, &out->unknown_metrics) < 0 ||
        compare_group(new_, o, &sn, &out->unknown_metrics) < 0) {
        goto out;
    }
    pairs = malloc((sb.n_cells ? sb.n_cells : 1) * sizeof(*pairs));
    if (!pairs) {
        goto out;
    }
    /* Both cell lists are sorted by name: walk them together. */
    while (i < sb.n_cells || j < sn.n_cells) {
        if (i == sb.n_cells) {
            c = 1;
        } else if (j == sn.n_cells) {
            c = -1;
        } else {
            c = compare_key_cmp(sb.cells[i].first, sn.cells[j].first);
        }
        if (c < 0) {
            out->only_base++;
            i++;
        } else if (c > 0) {
            out->only_new++;
            j++;
        } else {
            pairs[np].base = i;
            pairs[np].new_ = j;
            pairs[np].order = (size_t)(sb.cells[i].first - base->v);
            np++;
            i++;
            j++;
        }
    }
    qsort(pairs, np, sizeof(*pairs), compare_pair_cmp_order);
    out->rows = calloc(np ? np : 1, sizeof(*out->rows));
    if (!out->rows) {
        goto out;
    }
    out->cap = np;
    if (compare_fill_rows(out->rows, pairs, np, &sb, &sn, o) < 0) {
        goto out;
    }
    out->n = np;
    compare_recount(out);
    rc = 0;
out:
    if (rc < 0) {
        free(out->rows);
        out->rows = NULL;
        out->n = out->cap = 0;
        errno = ENOMEM;
    }
    free(pairs);
    compare_side_free(&sb);
    compare_side_free(&sn);
    return rc;
}

void compare_recount(struct compare_result *r)
{
    r->n_worse = r->n_better = r->n_same = r->n_unknown = 0;
    for (size_t k = 0; k < r->n; k++) {
        switch (r->rows[k].verdict) {
        case COMPARE_WORSE:
            r->n_worse++;
            break;
        case COMPARE_BETTER:
            r->n_better++;
            break;
        case COMPARE_UNKNOWN:
            r->n_unknown++;
            break;
        default:
            r->n_same++;
            break;
        }
    }
}

void compare_result_free(struct compare_result *r)
{
    if (!r) {
        return;
    }
    free(r->rows);
    r->rows = NULL;
    r->n = r->cap = 0;
}

const char *compare_verdict_name(enum compare_verdict v)
{
    switch (v) {
    case COMPARE_WORSE:
        return "DIFFERENT (worse)";
    case COMPARE_BETTER:
        return "DIFFERENT (better)";
    case COMPARE_UNKNOWN:
        return "UNKNOWN";
    default:
        return "SAME";
    }
}

int compare_exit_code(const struct compare_result *r)
{
    if (r->n_worse > 0) {
        return PVB_EXIT_REGRESSION;
    }
    if (r->n == 0) {
        return PVB_EXIT_USAGE; /* nothing to compare: not a pass */
    }
    return r->n_unknown > 0 ? PVB_EXIT_UNDECIDED : PVB_EXIT_OK;
}

size_t compare_regressed_configs(const struct compare_result *r, const char **out, size_t max)
{
    size_t n = 0;
    size_t i;
    size_t j;

    for (i = 0; i < r->n; i++) {
        if (r->rows[i].verdict != COMPARE_WORSE) {
            continue;
        }
        for (j = 0; j < n; j++) {
            if (strcmp(out[j], r->rows[i].config) == 0) {
                break;
            }
        }
        if (j == n && n < max) {
            out[n++] = r->rows[i].config;
        }
    }
    return n;
}

/* ---- reading two run folders --------------------------------------------------------------- */

/* run.json of a folder as read into m; PVB_EXIT_* (the error is reported here). */
static int compare_check_run(const struct runfolder *rf, const char *label, struct compare_meta *m)
{
    char why[1024];

    if (rf->run_err != RUNFOLDER_OK) {
        log_err("%s run: %s", label, rf->run_msg);
        return runfolder_exit_code(rf->run_err);
    }
    if (compare_meta_from(rf, m, why, sizeof(why)) < 0) {
        log_err("%s run: %s", label, why);
        return PVB_EXIT_USAGE;
    }
    return PVB_EXIT_OK;
}

/* samples.csv of a folder as read; PVB_EXIT_* (the error is reported here). */
static int compare_check_samples(const struct runfolder *rf, const char *label)
{
    if (rf->samples_err != RUNFOLDER_OK) {
        log_err("%s run: %s", label, rf->samples_msg);
        return runfolder_exit_code(rf->samples_err);
    }
    if (rf->samples_bad > 0) {
        log_warn("%s run: %u rows of %s/samples.csv could not be read and are left out "
                 "(first: %s)",
                 label, rf->samples_bad, rf->dir, rf->samples_msg);
    }
    return PVB_EXIT_OK;
}

/* Say which configurations of a run did not finish: their cells may be missing. */
static void compare_warn_failed(const struct compare_meta *m, const char *label)
{
    unsigned i;

    for (i = 0; i < m->n_configs; i++) {
        if (m->status[i][0] && strcmp(m->status[i], "ok") != 0) {
            log_warn("%s run: configuration %s has status '%s': some of its cells may be missing",
                     label, m->configs[i], m->status[i]);
        }
    }
}

void compare_use_calibration(struct compare_options *oc, const char *accelerator,
                             struct calibrate_table *noise)
{
    char key[CALIBRATE_KEY_MAX], cwhy[512];
    int found;

    if (oc->noise) {
        return;
    }
    calibrate_key(accelerator, key, sizeof(key));
    found = calibrate_load(oc->calibration, key, noise, cwhy, sizeof(cwhy));
    if (found < 0) {
        log_warn("compare: calibration ignored: %s", cwhy);
    } else if (found > 0) {
        oc->noise = noise;
    }
}

int compare_runs(const char *base_dir, const char *new_dir, const struct compare_options *o,
                 struct compare_result *out)
{
    struct runfolder *rb = NULL;
    struct runfolder *rn = NULL;
    struct compare_meta *mb = NULL;
    struct compare_meta *mn = NULL;
    struct calibrate_table *noise = NULL;
    struct compare_options oc = *o;
    char why[1024];
    int r;
    int rc = PVB_EXIT_FAILED;

    memset(out, 0, sizeof(*out));
    if (compare_options_check(o, why, sizeof(why)) < 0) {
        log_err("compare: %s", why);
        return PVB_EXIT_USAGE;
    }
    mb = malloc(sizeof(*mb));
    mn = malloc(sizeof(*mn));
    rb = calloc(1, sizeof(*rb));
    rn = calloc(1, sizeof(*rn));
    noise = malloc(sizeof(*noise));
    if (!mb || !mn || !rb || !rn || !noise) {
        log_err("compare: out of memory");
        goto out;
    }
    /* Each part's error is in the folder as read, reported below in the order they matter. */
    (void)!runfolder_read(base_dir, rb, NULL, 0);
    (void)!runfolder_read(new_dir, rn, NULL, 0);
    rc = compare_check_run(rb, "BASE", mb);
    if (rc != PVB_EXIT_OK) {
        goto out;
    }
    rc = compare_check_run(rn, "NEW", mn);
    if (rc != PVB_EXIT_OK) {
        goto out;
    }
    rc = PVB_EXIT_FAILED;
    r = compare_check_meta(mb, mn, o->force, why, sizeof(why));
    if (r < 0) {
        log_err("refusing to compare %s with %s: they differ in %s. Results of different "
                "accelerators, devices, guest kernels or scenarios are not comparable; "
                "--force compares them anyway",
                base_dir, new_dir, why);
        rc = PVB_EXIT_USAGE;
        goto out;
    }
    if (r > 0) {
        log_warn("comparing anyway (--force), although the runs differ in %s", why);
    }
    compare_warn_failed(mb, "BASE");
    compare_warn_failed(mn, "NEW");
    rc = compare_check_samples(rb, "BASE");
    if (rc != PVB_EXIT_OK) {
        goto out;
    }
    rc = compare_check_samples(rn, "NEW");
    if (rc != PVB_EXIT_OK) {
        goto out;
    }
    compare_use_calibration(&oc, mb->accelerator, noise);
    if (compare_samples(&rb->samples, &rn->samples, &oc, out) < 0) {
        log_err("compare: out of memory");
        rc = PVB_EXIT_FAILED;
        goto out;
    }
    compare_set_rw(out, rn);
    util_strlcpy(out->calibrated, oc.noise ? oc.noise->key : "", sizeof(out->calibrated));
    out->base = *mb;
    out->new_ = *mn;
    util_strlcpy(out->forced, r > 0 ? why : "", sizeof(out->forced));
    if (out->unknown_metrics > 0) {
        log_warn("%u samples of metrics this pvbench does not know were left out",
                 out->unknown_metrics);
    }
    rc = PVB_EXIT_OK;
out:
    runfolder_free(rb);
    runfolder_free(rn);
    free(rb);
    free(rn);
    free(mb);
    free(mn);
    free(noise);
    return rc;
}

void compare_set_rw(struct compare_result *r, const struct runfolder *rf)
{
    struct scenario *s = runfolder_scenario(rf);

    for (size_t i = 0; s && i < r->n; i++) {
        for (unsigned k = 0; k < s->n_workloads; k++) {
            if (strcmp(s->workloads[k]->name, r->rows[i].workload) == 0) {
                util_strlcpy(r->rows[i].rw, s->workloads[k]->rw, sizeof(r->rows[i].rw));
                break;
            }
        }
    }
    free(s);
}

/* ---- the terminal table -------------------------------------------------------------------- */

/* A value with about four significant digits, without exponents for everyday sizes. */
static void compare_fmt_value(char *buf, size_t len, double v)
{
    double a = fabs(v);

    if (!isfinite(v)) {
        snprintf(buf, len, "n/a");
    } else if (a == 0.0) {
        snprintf(buf, len, "0");
    } else if (a >= 1e6 || a < 0.01) {
        snprintf(buf, len, "%.3g", v);
    } else if (a >= 100.0) {
        snprintf(buf, len, "%.0f", v);
    } else if (a >= 10.0) {
        snprintf(buf, len, "%.1f", v);
    } else {
        snprintf(buf, len, "%.2f", v);
    }
}

/* A percentage with its sign; "inf" and "n/a" when there is no finite one. */
static void compare_fmt_pct(char *buf, size_t len, double v, const char *suffix)
{
    if (isnan(v)) {
        snprintf(buf, len, "n/a");
    } else if (isinf(v)) {
        snprintf(buf, len, "%sinf%s", v > 0 ? "+" : "-", suffix);
    } else if (fabs(v) >= 1000.0) {
        snprintf(buf, len, "%+.0f%s", v, suffix);
    } else {
        snprintf(buf, len, "%+.1f%s", v, suffix);
    }
}

static void compare_fmt_interval(char *buf, size_t len, const struct compare_row *row)
{
    char lo[24];
    char hi[24];

    if (isnan(row->change_lo) || isnan(row->change_hi)) {
        /* No interval is shown without a between-boot spread: one boot is not a sample. */
        snprintf(buf, len, row->v.boots_a < 2 || row->v.boots_b < 2 ? "- (1 boot)" : "-");
        return;
    }
    compare_fmt_pct(lo, sizeof(lo), row->change_lo, "");
    compare_fmt_pct(hi, sizeof(hi), row->change_hi, "");
    snprintf(buf, len, "[%s, %s]%%", lo, hi);
}

/* p, or "-" when the test could not run or these boots cannot reach alpha: no p is shown
 * that cannot mean anything. */
static void compare_fmt_p(char *buf, size_t len, const struct compare_row *row, double alpha)
{
    double p = row->p;

    if (row->v.boots_a < 2 || row->v.boots_b < 2 || row->min_p >= alpha) {
        snprintf(buf, len, "-");
    } else if (p < 0.0001) {
        snprintf(buf, len, "<0.0001");
    } else {
        snprintf(buf, len, "%.4f", p);
    }
}

/* The verdict in words; UNKNOWN says why and how many boots would likely settle it. */
static void compare_fmt_verdict(char *buf, size_t len, const struct compare_row *row)
{
    const struct verdict *v = &row->v;
    unsigned have = v->boots_a < v->boots_b ? v->boots_a : v->boots_b;
    unsigned more = v->boots_needed > have ? v->boots_needed - have : 1;

    switch (row->verdict) {
    case COMPARE_WORSE:
        snprintf(buf, len, "DIFFERENT, worse");
        break;
    case COMPARE_BETTER:
        snprintf(buf, len, "DIFFERENT, better");
        break;
    case COMPARE_UNKNOWN:
        if (have < 2) {
            snprintf(buf, len, "UNKNOWN: 1 boot a side, about %u more boots would settle it", more);
        } else {
            snprintf(buf, len, "UNKNOWN: inconclusive, about %u more boots would settle it", more);
        }
        break;
    default:
        snprintf(buf, len, "SAME");
        break;
    }
}

static int compare_max_width(int w, const char *s)
{
    int n = (int)strlen(s);

    return n > w ? n : w;
}

static void compare_print_run(FILE *out, const char *label, const struct compare_meta *m)
{
    const char *qemu = m->qemu_version;
    const char *prefix = "QEMU emulator version ";

    if (strncmp(qemu, prefix, strlen(prefix)) == 0) {
        qemu += strlen(prefix);
    }
    fprintf(out, "%s %s\n     run %s, scenario %s, %s, guest kernel %s, QEMU %s\n", label, m->dir,
            compare_or_unknown(m->run_id), compare_or_unknown(m->scenario),
            compare_or_unknown(m->accelerator), compare_or_unknown(m->guest_kernel),
            compare_or_unknown(qemu));
}

static void compare_print_table(const struct compare_result *r, FILE *out)
{
    const struct compare_row *row;
    char base[24];
    char nw[24];
    char chg[24];
    char ci[48];
    char p[16];
    char boots[24];
    char between[16];
    char thr[16];
    char verdict[96];
    int wc = (int)strlen("config");
    int ww = (int)strlen("workload");
    int wm = (int)strlen("metric");
    size_t i;

    compare_print_run(out, "BASE", &r->base);
    compare_print_run(out, "NEW ", &r->new_);
    if (r->forced[0]) {
        fprintf(out, "forced: the runs differ in %s\n", r->forced);
    }
    fputc('\n', out);
    for (i = 0; i < r->n; i++) {
        wc = compare_max_width(wc, r->rows[i].config);
        ww = compare_max_width(ww, r->rows[i].workload);
        wm = compare_max_width(wm, r->rows[i].metric);
    }
    fprintf(out, "%-*s  %-*s  %-*s  %5s  %9s  %9s  %8s  %-17s  %7s  %7s  %6s  %s\n", wc, "config",
            ww, "workload", wm, "metric", "boots", "base", "new", "change", "95% interval", "p",
            "between", "thresh", "verdict");
    for (i = 0; i < r->n; i++) {
        row = &r->rows[i];
        snprintf(boots, sizeof(boots), "%u/%u", row->v.boots_a, row->v.boots_b);
        compare_fmt_value(base, sizeof(base), row->v.mean_a);
        compare_fmt_value(nw, sizeof(nw), row->v.mean_b);
        compare_fmt_pct(chg, sizeof(chg), row->change_pct, "%");
        compare_fmt_interval(ci, sizeof(ci), row);
        compare_fmt_p(p, sizeof(p), row, r->alpha);
        if (isfinite(row->v.between_share)) {
            snprintf(between, sizeof(between), "%.0f%%", row->v.between_share * 100.0);
        } else {
            snprintf(between, sizeof(between), "-");
        }
        snprintf(thr, sizeof(thr), "%.3g%%%s", row->v.threshold_pct,
                 row->v.threshold_calibrated ? "c" : "");
        compare_fmt_verdict(verdict, sizeof(verdict), row);
        fprintf(out, "%-*s  %-*s  %-*s  %5s  %9s  %9s  %8s  %-17s  %7s  %7s  %6s  %s\n", wc,
                row->config, ww, row->workload, wm, row->metric, boots, base, nw, chg, ci, p,
                between, thr, verdict);
    }
}

/* The closing lines: counts, what was left out, which threshold applied, the verdict. */
static void compare_print_summary(const struct compare_result *r, FILE *out)
{
    const struct compare_row *top = NULL;
    unsigned few = 0;

    for (size_t i = 0; i < r->n; i++) {
        const struct verdict *v = &r->rows[i].v;

        if (v->threshold_calibrated && (!top || v->threshold_pct > top->v.threshold_pct)) {
            top = &r->rows[i];
        }
        few += r->rows[i].verdict == COMPARE_UNKNOWN &&
               (v->boots_a < r->reps_needed || v->boots_b < r->reps_needed);
    }
    fprintf(out,
            "\n%zu compared: %u SAME, %u DIFFERENT worse, %u DIFFERENT better, %u UNKNOWN\n"
            "(base and new: the mean of the boot means; change and its 95%% interval: hierarchical "
            "bootstrap over boots, then repetitions; p: permutation test of the boot means; "
            "between: the share of the spread that is between boots; thresh: %g%% or, marked c, "
            "this host's calibrated noise floor when larger; alpha %g)\n",
            r->n, r->n_same, r->n_worse, r->n_better, r->n_unknown, r->threshold_pct, r->alpha);
    if (r->calibrated[0] && top) {
        /* A floor far above the user's threshold hides changes below it: say how far. */
        fprintf(out,
                "noise floors: calibrated for %s (pvbench calibrate), above --threshold in some "
                "cells, the largest %s %s %.3g%%: this host cannot see smaller changes there\n",
                r->calibrated, top->workload, top->metric, top->v.threshold_pct);
    } else if (r->calibrated[0]) {
        fprintf(out,
                "noise floors: calibrated for %s (pvbench calibrate), none above "
                "--threshold\n",
                r->calibrated);
    } else {
        fprintf(out, "noise floors: none calibrated for this host and accelerator (pvbench "
                     "calibrate): the threshold is --threshold's\n");
    }
    if (r->only_base || r->only_new) {
        fprintf(out, "not compared: %u cells only in BASE, %u only in NEW\n", r->only_base,
                r->only_new);
    }
    if (few > 0) {
        fprintf(out,
                "UNKNOWN: %u row%s with fewer boots than the %u per side the test needs for "
                "alpha %g (scenario key boots)\n",
                few, few == 1 ? "" : "s", r->reps_needed, r->alpha);
    }
    if (r->n_unknown > few) {
        fprintf(out, "UNKNOWN: %u row%s inconclusive at these boots (a wide interval is not "
                     "\"no change\"); each says about how many more would settle it\n",
                r->n_unknown - few, r->n_unknown - few == 1 ? "" : "s");
    }
    switch (compare_exit_code(r)) {
    case PVB_EXIT_REGRESSION:
        fprintf(out, "result: DIFFERENT, worse in %u row%s\n", r->n_worse,
                r->n_worse == 1 ? "" : "s");
        break;
    case PVB_EXIT_OK:
        fprintf(out, "result: no cell worse, every cell decided\n");
        break;
    case PVB_EXIT_UNDECIDED:
        fprintf(out, "result: undecided: no cell worse, %u UNKNOWN (exit %d)\n", r->n_unknown,
                PVB_EXIT_UNDECIDED);
        break;
    default:
        fprintf(out, "result: nothing to compare: no config x workload x metric of the "
                     "selection is in both runs\n");
        break;
    }
}

/* ---- compare.json -------------------------------------------------------------------------- */

/* A number with 6 significant digits, or null when it is not finite. */
static int compare_json_double(struct json_object *obj, const char *key, double v)
{
    char num[32];

    if (!isfinite(v)) {
        return json_object_object_add(obj, key, NULL) != 0 ? -1 : 0;
    }
    snprintf(num, sizeof(num), "%.6g", v);
    return results_json_add(obj, key, json_object_new_double_s(v, num));
}

static struct json_object *compare_json_meta(const struct compare_meta *m)
{
    struct json_object *o = json_object_new_object();

    if (!o || results_json_add(o, "dir", json_object_new_string(m->dir)) < 0 ||
        results_json_add(o, "run_id", json_object_new_string(m->run_id)) < 0 ||
        results_json_add(o, "scenario", json_object_new_string(m->scenario)) < 0 ||
        results_json_add(o, "accelerator", json_object_new_string(m->accelerator)) < 0 ||
        results_json_add(o, "guest_kernel", json_object_new_string(m->guest_kernel)) < 0 ||
        results_json_add(o, "qemu_version", json_object_new_string(m->qemu_version)) < 0 ||
        results_json_add(o, "pvbench_version", json_object_new_string(m->pvbench_version)) < 0 ||
        results_json_add(o, "start", json_object_new_string(m->start)) < 0) {
        json_object_put(o);
        return NULL;
    }
    return o;
}

static struct json_object *compare_json_options(const struct compare_result *r,
                                                const struct compare_options *o)
{
    struct json_object *j = json_object_new_object();
    const char *metrics = compare_metrics_mode_primary(o) ? "primary" : o->metrics;

    if (!j || compare_json_double(j, "threshold_pct", r->threshold_pct) < 0 ||
        compare_json_double(j, "alpha", r->alpha) < 0 ||
        results_json_add(j, "force", json_object_new_boolean(o->force)) < 0 ||
        results_json_add(j, "metrics", json_object_new_string(metrics)) < 0 ||
        results_json_add(j, "seed", json_object_new_uint64(o->seed)) < 0 ||
        results_json_add(j, "unit", json_object_new_string("boot")) < 0 ||
        results_json_add(j, "test",
                         json_object_new_string("two-sided permutation test of the boot "
                                                "means")) < 0 ||
        results_json_add(j, "exact_max", json_object_new_int(COMPARE_EXACT_MAX)) < 0 ||
        results_json_add(j, "permutations",
                         json_object_new_int64((int64_t)permtest_nperm(r->alpha))) < 0 ||
        results_json_add(j, "interval",
                         json_object_new_string("hierarchical bootstrap 95% (boots, then "
                                                "repetitions), ratio of the means")) < 0 ||
        results_json_add(j, "bootstrap_resamples", json_object_new_int(VERDICT_RESAMPLES)) < 0 ||
        results_json_add(j, "calibration", json_object_new_string(r->calibrated)) < 0) {
        json_object_put(j);
        return NULL;
    }
    return j;
}

static struct json_object *compare_json_row(const struct compare_row *row)
{
    struct json_object *j = json_object_new_object();
    const char *better = row->dir == METRIC_HIGHER_BETTER ? "higher" : "lower";

    if (!j || results_json_add(j, "config", json_object_new_string(row->config)) < 0 ||
        results_json_add(j, "device", json_object_new_string(row->device)) < 0 ||
        results_json_add(j, "workload", json_object_new_string(row->workload)) < 0 ||
        results_json_add(j, "metric", json_object_new_string(row->metric)) < 0 ||
        results_json_add(j, "unit", json_object_new_string(row->unit)) < 0 ||
        results_json_add(j, "better", json_object_new_string(better)) < 0 ||
        results_json_add(j, "n_base", json_object_new_int64(row->n_base)) < 0 ||
        results_json_add(j, "n_new", json_object_new_int64(row->n_new)) < 0 ||
        results_json_add(j, "boots_base", json_object_new_int64(row->v.boots_a)) < 0 ||
        results_json_add(j, "boots_new", json_object_new_int64(row->v.boots_b)) < 0 ||
        compare_json_double(j, "base_median", row->base_median) < 0 ||
        compare_json_double(j, "new_median", row->new_median) < 0 ||
        compare_json_double(j, "base_mean", row->v.mean_a) < 0 ||
        compare_json_double(j, "new_mean", row->v.mean_b) < 0 ||
        compare_json_double(j, "change_pct", row->change_pct) < 0 ||
        compare_json_double(j, "change_ci95_low_pct", row->change_lo) < 0 ||
        compare_json_double(j, "change_ci95_high_pct", row->change_hi) < 0 ||
        compare_json_double(j, "p", row->p) < 0 ||
        compare_json_double(j, "min_p", row->min_p) < 0 ||
        compare_json_double(j, "between_boot_share", row->v.between_share) < 0 ||
        compare_json_double(j, "threshold_pct", row->v.threshold_pct) < 0 ||
        results_json_add(
            j, "threshold_source",
            json_object_new_string(row->v.threshold_calibrated ? "calibrated" : "user")) < 0 ||
        results_json_add(j, "boots_needed", json_object_new_int64(row->v.boots_needed)) < 0 ||
        results_json_add(j, "verdict", json_object_new_string(verdict_name(row->v.kind))) < 0 ||
        results_json_add(j, "direction",
                         json_object_new_string(row->verdict == COMPARE_WORSE    ? "worse"
                                                : row->verdict == COMPARE_BETTER ? "better"
                                                                                 : "")) < 0) {
        json_object_put(j);
        return NULL;
    }
    return j;
}

static struct json_object *compare_json_summary(const struct compare_result *r)
{
    struct json_object *j = json_object_new_object();

    if (!j || results_json_add(j, "rows", json_object_new_int64((int64_t)r->n)) < 0 ||
        results_json_add(j, "same", json_object_new_int64(r->n_same)) < 0 ||
        results_json_add(j, "different_worse", json_object_new_int64(r->n_worse)) < 0 ||
        results_json_add(j, "different_better", json_object_new_int64(r->n_better)) < 0 ||
        results_json_add(j, "unknown", json_object_new_int64(r->n_unknown)) < 0 ||
        results_json_add(j, "only_base", json_object_new_int64(r->only_base)) < 0 ||
        results_json_add(j, "only_new", json_object_new_int64(r->only_new)) < 0 ||
        results_json_add(j, "boots_needed", json_object_new_int64(r->reps_needed)) < 0 ||
        results_json_add(j, "exit_code", json_object_new_int(compare_exit_code(r))) < 0) {
        json_object_put(j);
        return NULL;
    }
    return j;
}

/* Write compare.json to path atomically. 0, or -1 with errno set. */
static int compare_write_json(const struct compare_result *r, const struct compare_options *o,
                              const char *path)
{
    struct json_object *root = json_object_new_object();
    struct json_object *rows = NULL;
    struct json_object *forced = NULL;
    size_t i;
    int saved;
    int rc = -1;

    errno = ENOMEM; /* every failure before the write is json-c running out of memory */
    if (!root || results_json_add(root, "format", json_object_new_string("pvbench-compare")) < 0 ||
        results_json_add(root, "version", json_object_new_int(COMPARE_FORMAT_VERSION)) < 0 ||
        results_json_add(root, "pvbench_version", json_object_new_string(PVB_VERSION)) < 0 ||
        results_json_add(root, "base", compare_json_meta(&r->base)) < 0 ||
        results_json_add(root, "new", compare_json_meta(&r->new_)) < 0 ||
        results_json_add(root, "options", compare_json_options(r, o)) < 0) {
        goto out;
    }
    forced = json_object_new_array();
    if (results_json_add(root, "forced_differences", forced) < 0 ||
        (r->forced[0] && json_object_array_add(forced, json_object_new_string(r->forced)) != 0) ||
        results_json_add(root, "summary", compare_json_summary(r)) < 0) {
        goto out;
    }
    rows = json_object_new_array();
    if (results_json_add(root, "rows", rows) < 0) {
        goto out;
    }
    for (i = 0; i < r->n; i++) {
        struct json_object *row = compare_json_row(&r->rows[i]);

        if (!row || json_object_array_add(rows, row) != 0) {
            json_object_put(row);
            goto out;
        }
    }
    rc = results_write_json(path, root);
out:
    saved = errno;
    json_object_put(root);
    errno = saved;
    return rc;
}

/* ---- compare.dat, compare.gp, compare.png -------------------------------------------------- */

/* A dat-file value: gnuplot reads "NaN" as missing. */
static void compare_dat_num(char *buf, size_t len, double v)
{
    if (isfinite(v)) {
        snprintf(buf, len, "%.4f", v);
    } else {
        snprintf(buf, len, "NaN");
    }
}

/* Write compare.dat (see compare.h for its layout). 0, or -1 with errno set. */
static int compare_write_dat(const struct compare_result *r, const char *path)
{
    const struct compare_row *row;
    char label[160], shown[96];
    char chg[32];
    char lo[32];
    char hi[32];
    char *buf = NULL;
    size_t len = 0;
    FILE *m;
    size_t i;
    char *c;
    int saved;
    int rc;

    m = open_memstream(&buf, &len);
    if (!m) {
        return -1;
    }
    fprintf(m,
            "# pvbench compare %d: change of the mean of the boot means (NEW vs BASE, %%) with "
            "its hierarchical-bootstrap 95%% interval\n# threshold %g%%, alpha %g\n"
            "# index \"label\" change_pct ci_low_pct ci_high_pct verdict "
            "(0 SAME, 1 DIFFERENT worse, 2 DIFFERENT better, 3 UNKNOWN)\n",
            COMPARE_FORMAT_VERSION, r->threshold_pct, r->alpha);
    for (i = 0; i < r->n; i++) {
        row = &r->rows[i];
        snprintf(label, sizeof(label), "%s %s: %s", row->config, row->workload,
                 metric_label(row->metric, row->rw[0] ? row->rw : row->workload, shown,
                              sizeof(shown)));
        for (c = label; *c; c++) {
            if (*c == '"' || *c == '\\' || (unsigned char)*c < 0x20) {
                *c = '?';
            }
        }
        compare_dat_num(chg, sizeof(chg), row->change_pct);
        /* No interval: draw a zero-width one at the change, so the row still plots. */
        compare_dat_num(lo, sizeof(lo), isnan(row->change_lo) ? row->change_pct : row->change_lo);
        compare_dat_num(hi, sizeof(hi), isnan(row->change_hi) ? row->change_pct : row->change_hi);
        fprintf(m, "%zu \"%s\" %s %s %s %d\n", i, label, chg, lo, hi, (int)row->verdict);
    }
    /* Block 1: the two threshold lines, each from above the first row to below the last. */
    fprintf(m, "\n\n# threshold lines\n%g -0.5\n%g %zu.5\n\n%g -0.5\n%g %zu.5\n", -r->threshold_pct,
            -r->threshold_pct, r->n - 1, r->threshold_pct, r->threshold_pct, r->n - 1);
    if (fclose(m) != 0) {
        saved = errno;
        free(buf);
        errno = saved;
        return -1;
    }
    rc = results_write_atomic(path, buf, len);
    saved = errno;
    free(buf);
    errno = saved;
    return rc;
}

/* Pixel height of the chart: room for the title, the axis, the caption and every row. */
static unsigned compare_chart_height(size_t rows)
{
    size_t h = 150 + 22 * rows;

    return h > COMPARE_CHART_MAX_HEIGHT ? COMPARE_CHART_MAX_HEIGHT : (unsigned)h;
}

/*
 * compare.dat and compare.gp (from the template scripts/plot/compare.gp) into dir,
 * then compare.png with gnuplot when it is installed, through the report's plot
 * module. The chart is an extra: a failure is reported, never fatal.
 */
static void compare_plot(const struct compare_result *r, const char *dir, FILE *out)
{
    struct plot_chart chart;
    char dat[COMPARE_PATH_MAX];
    char tdir[COMPARE_PATH_MAX];
    char caption[256];
    char err[512];

    if (util_fmt(dat, sizeof(dat), "%s/compare.dat", dir) < 0) {
        log_warn("chart skipped: %s: path too long", dir);
        return;
    }
    if (compare_write_dat(r, dat) < 0) {
        log_warn("chart skipped: %s: %s", dat, strerror(errno));
        return;
    }
    memset(&chart, 0, sizeof(chart));
    snprintf(chart.name, sizeof(chart.name), "compare");
    snprintf(chart.tmpl, sizeof(chart.tmpl), "compare");
    snprintf(chart.data[0], sizeof(chart.data[0]), "compare.dat");
    if (strcmp(r->base.dir, r->new_.dir) == 0) { /* compare RUN */
        snprintf(chart.title, sizeof(chart.title),
                 "run %s: change of the boot means, each configuration against its reference",
                 compare_or_unknown(r->new_.run_id));
    } else {
        snprintf(chart.title, sizeof(chart.title),
                 "%s vs %s: change of the boot means, NEW against BASE",
                 compare_or_unknown(r->new_.run_id), compare_or_unknown(r->base.run_id));
    }
    snprintf(chart.ylabel, sizeof(chart.ylabel), "change (%%), 95%% interval over boots");
    chart.width = COMPARE_CHART_WIDTH;
    chart.height = compare_chart_height(r->n);
    snprintf(caption, sizeof(caption),
             "red: DIFFERENT worse, green: DIFFERENT better, grey: SAME or UNKNOWN; "
             "dashed: threshold %g%%; alpha %g",
             r->threshold_pct, r->alpha);
    plot_template_dir(tdir, sizeof(tdir));
    if (plot_write_script(tdir, dir, &chart, "png", caption, err, sizeof(err)) < 0) {
        log_warn("chart skipped: %s", err);
        return;
    }
    if (!plot_have_gnuplot()) {
        fprintf(out,
                "chart: gnuplot is not installed, skipped (to draw it later: cd %s && "
                "gnuplot compare.gp)\n",
                dir);
        return;
    }
    if (plot_run_gnuplot(dir, "compare.gp", COMPARE_GNUPLOT_TIMEOUT_S, err, sizeof(err)) < 0) {
        log_warn("chart: %s", err);
        return;
    }
    fprintf(out, "chart: %s/compare.png\n", dir);
}

/* ---- report -------------------------------------------------------------------------------- */

/* The last part of a run folder's path ("results/a/" -> "a"), at most len - 1 bytes. */
static void compare_base_name(const char *dir, char *buf, size_t len)
{
    size_t n = strlen(dir);
    const char *start;

    while (n > 1 && dir[n - 1] == '/') {
        n--;
    }
    start = dir + n;
    while (start > dir && start[-1] != '/') {
        start--;
    }
    snprintf(buf, len, "%.*s", (int)(dir + n - start), start);
}

/*
 * The folder of the outputs into dir: -o DIR (made if missing); beside --output FILE when only
 * that is given; else a new ./compare-<BASE>-<NEW> (-2, -3, ... when taken), never NEW itself.
 */
static int compare_outdir(const struct compare_result *r, const struct compare_options *o,
                          char *dir, size_t len)
{
    char a[128], b[128];
    char *slash;

    if (o->outdir) {
        if (util_strlcpy(dir, o->outdir, len) < 0 || (mkdir(dir, 0755) < 0 && errno != EEXIST)) {
            log_err("-o %s: %s", o->outdir, strerror(errno));
            return PVB_EXIT_USAGE;
        }
        return PVB_EXIT_OK;
    }
    if (o->output) {
        util_strlcpy(dir, o->output, len);
        slash = strrchr(dir, '/');
        if (!slash) {
            snprintf(dir, len, ".");
        } else if (slash == dir) {
            dir[1] = '\0';
        } else {
            *slash = '\0';
        }
        return PVB_EXIT_OK;
    }
    compare_base_name(r->base.dir, a, sizeof(a));
    compare_base_name(r->new_.dir, b, sizeof(b));
    for (unsigned k = 1; k < 100; k++) {
        int n = k == 1 ? snprintf(dir, len, "compare-%s-%s", a, b)
                       : snprintf(dir, len, "compare-%s-%s-%u", a, b, k);

        if (n < 0 || (size_t)n >= len) {
            break;
        }
        if (mkdir(dir, 0755) == 0) {
            return PVB_EXIT_OK;
        }
        if (errno != EEXIST) {
            log_err("%s: %s", dir, strerror(errno));
            return PVB_EXIT_FAILED;
        }
    }
    log_err("compare: no free folder name compare-%s-%s[-N] here: give -o DIR", a, b);
    return PVB_EXIT_FAILED;
}

/* The rows as cireport rows (NULL when out of memory). */
static struct cireport_row *compare_ci_rows(const struct compare_result *r)
{
    struct cireport_row *rows = calloc(r->n ? r->n : 1, sizeof(*rows));

    for (size_t i = 0; rows && i < r->n; i++) {
        rows[i].config = r->rows[i].config;
        rows[i].workload = r->rows[i].workload;
        rows[i].metric = r->rows[i].metric;
        rows[i].v = r->rows[i].v;
    }
    return rows;
}

/* --junit FILE and --markdown FILE. PVB_EXIT_OK or _FAILED (reported). */
static int compare_write_ci(const struct compare_result *r, const struct compare_options *o,
                            FILE *out)
{
    struct cireport_row *rows;
    char title[256];
    FILE *f;
    int rc = PVB_EXIT_OK;

    if (!o->junit && !o->markdown) {
        return PVB_EXIT_OK;
    }
    rows = compare_ci_rows(r);
    if (!rows) {
        log_err("compare: out of memory");
        return PVB_EXIT_FAILED;
    }
    snprintf(title, sizeof(title), "pvbench compare %s %s", compare_or_unknown(r->base.run_id),
             compare_or_unknown(r->new_.run_id));
    if (o->junit) {
        if (cireport_junit_write(o->junit, title, rows, r->n) < 0) {
            log_err("--junit %s: %s", o->junit, strerror(errno));
            rc = PVB_EXIT_FAILED;
        } else {
            fprintf(out, "written: %s\n", o->junit);
        }
    }
    if (o->markdown) {
        f = fopen(o->markdown, "we");
        if (!f || cireport_markdown_write(f, title, rows, r->n) < 0 || fclose(f) != 0) {
            log_err("--markdown %s: %s", o->markdown, strerror(errno));
            rc = PVB_EXIT_FAILED;
        } else {
            fprintf(out, "written: %s\n", o->markdown);
        }
    }
    free(rows);
    return rc;
}

int compare_report(const struct compare_result *r, const struct compare_options *o, FILE *out)
{
    char json[COMPARE_PATH_MAX];
    char dir[COMPARE_PATH_MAX];
    int rc;

    compare_print_table(r, out);
    compare_print_summary(r, out);
    rc = compare_outdir(r, o, dir, sizeof(dir));
    if (rc != PVB_EXIT_OK) {
        return rc;
    }
    if (o->output) {
        if (util_strlcpy(json, o->output, sizeof(json)) < 0) {
            log_err("--output: path too long");
            return PVB_EXIT_USAGE;
        }
    } else if (util_fmt(json, sizeof(json), "%s/compare.json", dir) < 0) {
        log_err("%s: path too long", dir);
        return PVB_EXIT_FAILED;
    }
    if (compare_write_json(r, o, json) < 0) {
        log_err("%s: %s", json, strerror(errno));
        return PVB_EXIT_FAILED;
    }
    fprintf(out, "written: %s\n", json);
    if (o->plot && r->n > 0) {
        compare_plot(r, dir, out);
    }
    rc = compare_write_ci(r, o, out);
    fflush(out);
    return rc;
}

/* ---- pvbench compare ----------------------------------------------------------------------- */

#define COMPARE_XSTR(x) #x
#define COMPARE_STR(x) COMPARE_XSTR(x)

static const struct cli_opt compare_opts[] = {
    {"output", 'o', "DIR",
     "the output folder (default: a new folder compare-BASE-NEW here), never NEW", 'o', "=dir"},
    {"junit", 0, "FILE",
     "JUnit XML: a testcase per cell, failure on DIFFERENT-worse, skipped on UNKNOWN", 'J',
     "=file"},
    {"markdown", 0, "FILE", "a Markdown summary for a CI job page", 'M', "=file"},
    {"threshold", 0, "PCT",
     "changes within +-PCT % do not matter (default " COMPARE_STR(COMPARE_DEFAULT_THRESHOLD_PCT) ")",
     't', NULL},
    {"alpha", 0, "A",
     "DIFFERENT needs p < A (default " COMPARE_STR(COMPARE_DEFAULT_ALPHA) "; " COMPARE_STR(
         COMPARE_ALPHA_MIN) " .. " COMPARE_STR(COMPARE_ALPHA_MAX) ")",
     'a', NULL},
    {"metrics", 0, "LIST", "comma-separated metrics, 'primary' (default) or 'all'", 'm',
     "primary all"},
    {"force", 0, NULL,
     "compare runs of different accelerators, backends, devices, guest kernels or scenarios",
     'f', NULL},
    {"json", 0, "FILE", "write compare.json there (without -o the charts go beside it)", 'O',
     "=file"},
    {"calibration", 0, "F",
     "noise floors from F (default $PVBENCH_STATE_DIR/calibration.json)", 'C', "=file"},
    {"seed", 0, "N", "seed of the permutation test and bootstrap", 's', NULL},
    {"no-plot", 0, NULL, "no compare.dat / compare.gp / compare.png", 'P', NULL},
    {"configs", 0, "REF,B", "with one RUN: compare configuration B against REF only", 'c',
     NULL},
    {NULL, 0, NULL, NULL, 0, NULL},
};

const struct cli_spec compare_cli = {
    .name = "compare",
    .summary = "SAME / DIFFERENT / UNKNOWN per cell between two run folders (exit 1: worse)",
    .synopsis = "[options] BASE NEW | RUN",
    .description =
        "Compares two run folders with the boot as the unit: for each config x workload x\n"
        "metric in both, SAME (the change's 95% interval inside +-threshold), DIFFERENT\n"
        "(p < alpha and beyond the threshold; worse or better) or UNKNOWN (neither; with\n"
        "the boots that would likely settle it). The threshold of a cell is the larger of\n"
        "--threshold and this host's calibrated noise floor (pvbench calibrate). Writes\n"
        "compare.json, compare.dat, compare.gp and compare.png into -o DIR, never into NEW.\n"
        "With one RUN folder: each configuration against its reference in that run (the\n"
        "scenario's reference, else the first emulated one), or --configs REF,B.\n"
        "-q: no table, the exit code tells.",
    .opts = compare_opts,
    .notes = "exit codes: 0 no cell worse and every cell decided, 1 a DIFFERENT-worse cell,\n"
             "5 undecided (no cell worse, some UNKNOWN), 2 usage or input error (also: runs\n"
             "refused as not comparable, nothing to compare), 3 a file could not be read or\n"
             "written. Method: docs/regression.md",
    .operands = "=dir",
    .flags = CLI_F_VERBOSITY,
};

/* A whole argument as a finite number. 0 or -1. */
static int compare_parse_double(const char *s, double *out)
{
    char *end;
    double v;

    errno = 0;
    v = strtod(s, &end);
    if (end == s || *end != '\0' || errno != 0 || !isfinite(v)) {
        return -1;
    }
    *out = v;
    return 0;
}

int compare_main(int argc, char **argv)
{
    struct compare_options o;
    struct compare_result r;
    unsigned long long seed;
    struct cli c;
    const char *configs = NULL;
    FILE *out = stdout;
    char *end;
    int id;
    int rc;

    compare_options_init(&o);
    if (cli_start(&c, &compare_cli, argc, argv) < 0) {
        return PVB_EXIT_USAGE;
    }
    while ((id = cli_next(&c)) >= 0) {
        switch (id) {
        case 't':
            if (compare_parse_double(c.arg, &o.threshold_pct) < 0) {
                log_err("--threshold: '%s' is not a number (percent, e.g. 5)", c.arg);
                return PVB_EXIT_USAGE;
            }
            break;
        case 'a':
            if (compare_parse_double(c.arg, &o.alpha) < 0) {
                log_err("--alpha: '%s' is not a number (e.g. 0.01)", c.arg);
                return PVB_EXIT_USAGE;
            }
            break;
        case 'm':
            o.metrics = c.arg;
            break;
        case 'f':
            o.force = 1;
            break;
        case 'o':
            o.outdir = c.arg;
            break;
        case 'O':
            o.output = c.arg;
            break;
        case 'J':
            o.junit = c.arg;
            break;
        case 'M':
            o.markdown = c.arg;
            break;
        case 'C':
            o.calibration = c.arg;
            break;
        case 's':
            errno = 0;
            seed = strtoull(c.arg, &end, 0);
            if (end == c.arg || *end || errno || c.arg[0] == '-') {
                log_err("--seed: '%s' is not a non-negative integer", c.arg);
                return PVB_EXIT_USAGE;
            }
            o.seed = seed;
            break;
        case 'P':
            o.plot = 0;
            break;
        case 'c':
            configs = c.arg;
            break;
        default:
            return PVB_EXIT_USAGE;
        }
    }
    if (id != CLI_END) {
        return cli_exit_code(id);
    }
    if (argc - c.ind != 2 && argc - c.ind != 1) {
        log_err("compare: expected two run folders, BASE and NEW, or one RUN (got %d)",
                argc - c.ind);
        cli_try(&compare_cli);
        return PVB_EXIT_USAGE;
    }
    if (configs && argc - c.ind != 1) {
        log_err("compare: --configs is for one RUN folder");
        return PVB_EXIT_USAGE;
    }
    if (argc - c.ind == 1) {
        rc = compare_run_in(argv[c.ind], configs, &o, &r);
    } else {
        rc = compare_runs(argv[c.ind], argv[c.ind + 1], &o, &r);
    }
    if (rc != PVB_EXIT_OK) {
        return rc;
    }
    /* -q: the files are written and the exit code tells; no table. */
    if (log_verbosity() < 0) {
        out = fopen("/dev/null", "w");
        if (!out) {
            log_err("compare: /dev/null: %s", strerror(errno));
            compare_result_free(&r);
            return PVB_EXIT_FAILED;
        }
    }
    rc = compare_report(&r, &o, out);
    if (out != stdout) {
        fclose(out);
    }
    if (rc == PVB_EXIT_OK) {
        rc = compare_exit_code(&r);
    }
    compare_result_free(&r);
    return rc;
}

unsigned compare_reps_needed(double alpha)
{
    return permtest_reps_needed(alpha);
}
