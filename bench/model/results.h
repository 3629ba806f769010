/*
 * The run folder: samples (crash-safe), summaries, and the file helpers behind them.
 *
 * samples.csv  header: config,device,class,kind,workload,metric,unit,rep,value,host,boot
 * summary.csv  header: config,device,class,kind,workload,metric,unit,n,median,ci95_low,ci95_high,
 *              host
 * summary.json {"format":"pvbench-summary","version":1,"configs":[{"config","device","class",
 *               "kind","host","workloads":[{"workload","metrics":[{"metric","unit","n","median",
 *               "ci95_low","ci95_high","cv"}]}]}]}
 *
 * The host column (the machine the configuration ran on, a filename-safe label) came last,
 * so files written before it (the _V1 headers, without it) are still read: their samples
 * have an empty host. In a run of several hosts a configuration is "device@host". The boot
 * column (which guest of the configuration measured the sample, plan.h's step boot) came
 * after it: files without it (the _V2 headers) read as boot 0, one boot per configuration.
 *
 * Every write goes to "<file>.tmp", is fsync'ed, renamed over the file and the
 * folder fsync'ed: a reader (or a crash) sees the old file or the new one, never half.
 */
#ifndef PVB_RESULTS_H
#define PVB_RESULTS_H

#include <stddef.h>

#include "stats.h"

/* A configuration's name in samples and summaries: a scenario name (47 characters at most)
 * with "@HOST" or "@BACKEND" when several run side by side. */
#define RESULTS_CONFIG_MAX 64

#define RESULTS_SAMPLES_HEADER_V1 "config,device,class,kind,workload,metric,unit,rep,value"
#define RESULTS_SAMPLES_HEADER_V2 RESULTS_SAMPLES_HEADER_V1 ",host"
#define RESULTS_SAMPLES_HEADER RESULTS_SAMPLES_HEADER_V2 ",boot"
#define RESULTS_SUMMARY_HEADER_V1                                                                  \
    "config,device,class,kind,workload,metric,unit,n,median,ci95_low,ci95_high"
#define RESULTS_SUMMARY_HEADER RESULTS_SUMMARY_HEADER_V1 ",host"
/* Longest host label (results_host_label), NUL excluded. */
#define RESULTS_HOST_MAX 32
/* The host labels of a run of both backends side by side (pvbench run --backend qemu,libvirt). */
#define RESULTS_HOST_QEMU "qemu"
#define RESULTS_HOST_LIBVIRT "libvirt"
#define RESULTS_FORMAT_VERSION 1

struct sample {
    char config[RESULTS_CONFIG_MAX];
    char device[32];
    char class_[16];
    char kind[8];
    char workload[32];
    char metric[32];
    char unit[16];
    unsigned rep;
    double value;
    char host[RESULTS_HOST_MAX + 1]; /* "" when the file has no host column */
    unsigned boot;                   /* 0 when the file has no boot column */
};

struct sample_set {
    struct sample *v;
    size_t n, cap;
};

struct summary_row {
    char config[RESULTS_CONFIG_MAX];
    char device[32];
    char class_[16];
    char kind[8];
    char workload[32];
    char metric[32];
    char unit[16];
    char host[RESULTS_HOST_MAX + 1];
    struct stats_summary st;
    /* The median as a percentage of the bare host's (host_baseline = yes), if has_pct. */
    int has_pct;
    double pct, pct_low, pct_high;
};

struct summary_set {
    struct summary_row *v;
    size_t n, cap;
};

/* Append a copy of *s. 0 or -1 (out of memory). */
int samples_add(struct sample_set *set, const struct sample *s) __attribute__((warn_unused_result));
void samples_free(struct sample_set *set);
/* Does the set hold any sample of this config x workload x rep? (resume) */
int samples_has_cell(const struct sample_set *set, const char *config, const char *workload,
                     unsigned rep);

/* Write the whole set to path atomically (see above). 0 or -1 with errno set. */
int samples_write_csv(const char *path, const struct sample_set *set)
    __attribute__((warn_unused_result));

/*
 * Read samples.csv. Rows that do not parse are skipped and reported in err as
 * "path:line: reason" (the first one; *bad counts them). A missing file is an
 * error (-1); an unreadable row is not. Values must be finite.
 */
int samples_read_csv(const char *path, struct sample_set *set, unsigned *bad, char *err,
                     size_t errlen) __attribute__((warn_unused_result));

/* Group samples by config x workload x metric (in first-seen order) and summarize each. */
int summary_compute(const struct sample_set *samples, uint64_t seed, struct summary_set *out)
    __attribute__((warn_unused_result));
void summary_free(struct summary_set *set);
const struct summary_row *summary_find(const struct summary_set *set, const char *config,
                                       const char *workload, const char *metric);

/*
 * Read summary.csv into set, its columns found by name (files without the host column are
 * read too). Rows that do not parse are skipped, counted in *bad and the first one named in
 * err, as samples_read_csv does. -1: the file cannot be read, or (errno EINVAL) is not a
 * summary.
 */
int summary_read_csv(const char *path, struct summary_set *set, unsigned *bad, char *err,
                     size_t errlen) __attribute__((warn_unused_result));

int summary_write_csv(const char *path, const struct summary_set *set)
    __attribute__((warn_unused_result));
int summary_write_json(const char *path, const struct summary_set *set)
    __attribute__((warn_unused_result));

/* util_write_atomic, under the name the run folder's writers know. 0 or -1. */
int results_write_atomic(const char *path, const void *data, size_t len)
    __attribute__((warn_unused_result));

struct json_object;

/* Add val under key of obj; on failure (val NULL included) val is released too. 0 or -1. */
int results_json_add(struct json_object *obj, const char *key, struct json_object *val)
    __attribute__((warn_unused_result));

/* root as pretty JSON and a newline, written atomically to path. 0, or -1 with errno set. */
int results_write_json(const char *path, struct json_object *root)
    __attribute__((warn_unused_result));

/* CSV field quoting: writes s into out, quoted if it holds ',', '"' or a newline. */
void results_csv_field(char *out, size_t outlen, const char *s);

/*
 * A host label for the host column and "device@host" names: name with every character
 * other than letters, digits, '.', '_' and '-' turned into '-', at most RESULTS_HOST_MAX
 * characters, never empty ("unknown"). Stable: the same name always gives the same label.
 */
void results_host_label(char *out, size_t outlen, const char *name);

#endif
