/*
 * Benchmark of `pvbench compare`: two synthetic run folders of 10 000 samples each
 * (every metric of the table for each config x workload, like a real run), for
 * several repetition counts, with the default metric selection (primary) and with
 * --metrics all. Issue 6 asks for an answer in under a second.
 *
 *   make build/tests/bench/bench_compare && build/tests/bench/bench_compare [TOTAL]
 *
 * Each line: wall and CPU seconds of reading both folders, the statistics and the
 * report (table to /dev/null, compare.json; no chart). The machine may be shared:
 * CPU time is the steadier figure. Exit 0 unless something fails.
 */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "compare.h"
#include "exitcode.h"
#include "metric.h"
#include "results.h"
#include "stats.h"
#include "util.h"

#define BENCH_WORKLOADS 5
#define BENCH_LIMIT_S 1.0

static const char *const bench_workloads[BENCH_WORKLOADS] = {
    "seqread", "seqwrite", "randread", "randwrite", "randread_qd1",
};

/* Roughly normal noise from the suite's PRNG. */
static double bench_noise(struct stats_rng *r)
{
    double s = 0.0;
    int i;

    for (i = 0; i < 12; i++) {
        s += (double)(stats_rng_next(r) >> 11) / 9007199254740992.0;
    }
    return s - 6.0;
}

/* total samples in cells of reps each; new is 3% worse in every tenth cell. */
static int bench_fill(struct sample_set *set, size_t total, unsigned reps, int is_new,
                      unsigned *nconf)
{
    struct stats_rng rng;
    struct sample s;
    const struct metric *m;
    size_t cells = total / reps;
    size_t c;
    unsigned per_config = BENCH_WORKLOADS * metric_count();
    unsigned r;
    double center;
    double shift;

    stats_rng_seed(&rng, is_new ? 2 : 1);
    *nconf = (unsigned)((cells + per_config - 1) / per_config);
    if (*nconf > COMPARE_MAX_CONFIGS) {
        fprintf(stderr, "bench: %zu cells need %u configs, at most %d\n", cells, *nconf,
                COMPARE_MAX_CONFIGS);
        return -1;
    }
    for (c = 0; c < cells; c++) {
        m = metric_at((unsigned)(c % metric_count()));
        memset(&s, 0, sizeof(s));
        snprintf(s.config, sizeof(s.config), "cfg%02zu", c / per_config);
        snprintf(s.device, sizeof(s.device), "cfg%02zu", c / per_config);
        snprintf(s.class_, sizeof(s.class_), "paravirtual");
        snprintf(s.kind, sizeof(s.kind), "blk");
        snprintf(s.workload, sizeof(s.workload), "%s",
                 bench_workloads[(c / metric_count()) % BENCH_WORKLOADS]);
        snprintf(s.metric, sizeof(s.metric), "%s", m->name);
        snprintf(s.unit, sizeof(s.unit), "%s", m->unit);
        center = 100.0 + (double)(c % 37);
        shift = (is_new && c % 10 == 0) ? (m->dir == METRIC_HIGHER_BETTER ? 0.97 : 1.03) : 1.0;
        for (r = 0; r < reps; r++) {
            s.rep = r + 1;
            s.boot = r; /* each repetition its own boot: the full bootstrap and test */
            s.value = center * shift * (1.0 + 0.02 * bench_noise(&rng));
            if (samples_add(set, &s) < 0) {
                return -1;
            }
        }
    }
    return 0;
}

static int bench_write_run(const char *dir, const struct sample_set *set, unsigned nconf)
{
    char path[600];
    char *json;
    size_t len = 0;
    FILE *f;
    unsigned i;
    int rc;

    if (util_mkdir_p(dir) < 0) {
        return -1;
    }
    f = open_memstream(&json, &len);
    if (!f) {
        return -1;
    }
    fprintf(f, "{\"format\":\"pvbench-run\",\"version\":1,\"run_id\":\"bench\","
               "\"scenario\":{\"name\":\"bench\"},\"guest_kernel\":\"k\","
               "\"accelerator\":{\"name\":\"tcg\"},\"configs\":[");
    for (i = 0; i < nconf; i++) {
        fprintf(f, "%s{\"config\":\"cfg%02u\",\"status\":\"ok\"}", i ? "," : "", i);
    }
    fprintf(f, "]}\n");
    if (fclose(f) != 0) {
        free(json);
        return -1;
    }
    snprintf(path, sizeof(path), "%s/run.json", dir);
    rc = results_write_atomic(path, json, len);
    free(json);
    if (rc < 0) {
        return -1;
    }
    snprintf(path, sizeof(path), "%s/samples.csv", dir);
    return samples_write_csv(path, set);
}

static double bench_cpu(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int bench_rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    return flag == FTW_DP ? rmdir(path) : unlink(path);
}

/* One shape: the two folders are written once, then compared for each selection. */
static int bench_shape(const char *tmp, size_t total, unsigned reps, double *worst)
{
    static const char *const selections[] = {"primary", "all"};
    struct sample_set sb = {0};
    struct sample_set sn = {0};
    struct compare_options o;
    struct compare_result r;
    char base[512];
    char nw[512];
    unsigned nconf = 0;
    double w0;
    double c0;
    double wall;
    double cpu;
    FILE *devnull = fopen("/dev/null", "w");
    size_t i;
    int rc = -1;

    snprintf(base, sizeof(base), "%s/base-%u", tmp, reps);
    snprintf(nw, sizeof(nw), "%s/new-%u", tmp, reps);
    if (!devnull || bench_fill(&sb, total, reps, 0, &nconf) < 0 ||
        bench_fill(&sn, total, reps, 1, &nconf) < 0 || bench_write_run(base, &sb, nconf) < 0 ||
        bench_write_run(nw, &sn, nconf) < 0) {
        fprintf(stderr, "bench: cannot set up the runs: %s\n", strerror(errno));
        goto out;
    }
    for (i = 0; i < sizeof(selections) / sizeof(selections[0]); i++) {
        compare_options_init(&o);
        o.metrics = selections[i];
        o.plot = 0;
        o.outdir = tmp; /* compare.json beside the runs, not in the current folder */
        w0 = util_now();
        c0 = bench_cpu();
        if (compare_runs(base, nw, &o, &r) != PVB_EXIT_OK) {
            goto out;
        }
        if (compare_report(&r, &o, devnull) != PVB_EXIT_OK) {
            compare_result_free(&r);
            goto out;
        }
        wall = util_now() - w0;
        cpu = bench_cpu() - c0;
        printf(
            "%6zu samples/side  %4u reps  %-7s  %5zu rows  boots %-4u  wall %.3f s  cpu %.3f s\n",
            sb.n, reps, selections[i], r.n, r.n ? r.rows[0].v.boots_a : 0, wall, cpu);
        if (strcmp(selections[i], "primary") == 0 && cpu > *worst) {
            *worst = cpu;
        }
        compare_result_free(&r);
    }
    rc = 0;
out:
    samples_free(&sb);
    samples_free(&sn);
    if (devnull) {
        fclose(devnull);
    }
    return rc;
}

int main(int argc, char **argv)
{
    static const unsigned shapes[] = {5, 10, 20, 50, 1000};
    char tmp[] = "/tmp/pvbench-bench-compare.XXXXXX";
    size_t total = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) : 10000;
    double worst = 0.0;
    size_t i;
    int rc = 0;

    if (total == 0 || !mkdtemp(tmp)) {
        fprintf(stderr, "usage: bench_compare [SAMPLES_PER_SIDE]\n");
        return 2;
    }
    for (i = 0; i < sizeof(shapes) / sizeof(shapes[0]) && rc == 0; i++) {
        if (bench_shape(tmp, total, shapes[i], &worst) < 0) {
            rc = 1;
        }
    }
    nftw(tmp, bench_rm, 16, FTW_DEPTH | FTW_PHYS);
    if (rc == 0) {
        printf("slowest default comparison: %.3f s CPU for %zu samples per side (%s the "
               "%.0f s asked for)\n",
               worst, total, worst < BENCH_LIMIT_S ? "within" : "OVER", BENCH_LIMIT_S);
    }
    return rc;
}
