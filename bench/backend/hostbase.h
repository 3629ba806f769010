/*
 * The bare-host baseline (scenario key host_baseline = yes): the scenario's block jobs run
 * with fio on the host itself, against a scratch file of the guests' disk size in the run's
 * state folder (the guests' scratch disks live there too), O_DIRECT as their cache=none;
 * its network jobs run from the agent as a host process in a second namespace of the test
 * network, against the same host peer (hostbase_net.h). The numbers become samples of the
 * configuration "host" (class "host"), and every device gets pct_of_host per metric: how
 * much of the bare host's performance it reaches.
 *
 * pct_of_host = 100 x device / host for metrics where higher is better (IOPS, MiB/s,
 * Mbit/s, transactions/s, packets/s) and 100 x host / device where lower is better
 * (latency): 100 % is "as good as the host",
 * 10 % is "a tenth of it", for every metric alike. The interval is the bootstrap 95 %
 * interval of the ratio of medians (stats_ratio).
 */
#ifndef PVB_HOSTBASE_H
#define PVB_HOSTBASE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "fio_job.h"
#include "agentmsg.h"
#include "results.h"
#include "scenario.h"
#include "workload.h"

#define HOSTBASE_CONFIG "host"
/* fio's JSON for one job is ~6 KiB; a bigger output is refused. */
#define HOSTBASE_OUT_MAX (256u * 1024)
/* Time fio may take beyond warm-up + runtime (start-up, layout, teardown). */
#define HOSTBASE_MARGIN_S 30.0
/* pct_of_host.csv in the run folder. */
#define HOSTBASE_PCT_FILE "pct_of_host.csv"
#define HOSTBASE_PCT_HEADER "config,device,kind,workload,metric,n,pct_of_host,ci95_low,ci95_high"

/* One block job, as the guests get it. */
struct hostbase_job {
    const char *workload;
    const char *rw; /* read | write | randread | randwrite | randrw (fio's names too) */
    unsigned bs, qd;
    unsigned runtime_ms, warmup_ms;
    unsigned rwmixread;            /* randrw: percent of reads */
    unsigned numjobs;              /* parallel fio jobs (0 or 1: one) */
    unsigned offset_mib, size_mib; /* the region used; size 0: to the end */
};

/*
 * fio's command line for job on file: fio_job_build_argv, as the agent gives fio in a guest,
 * so host and guests run the same job. 0, or -1 if it does not fit.
 */
int hostbase_build_argv(const struct hostbase_job *job, const char *file, const char *fio,
                        struct tool_argv *a) __attribute__((warn_unused_result));

/*
 * Parse fio's output (text before the JSON object is skipped) into res: runtime, ops,
 * bytes, total latency in us (percentiles clamped into [min, max]: fio's are bucket
 * values), engine "fio". cpu_pct and irqs stay 0 (no guest). Returns 0, or -1 with a reason:
 * no JSON, JSON that does not parse, a missing or mistyped key, a job error (errno) or no
 * completed operation.
 */
int hostbase_parse_fio(const char *out, size_t len, const char *rw, struct agent_result *res,
                       char *err, size_t errlen) __attribute__((warn_unused_result));

/*
 * Can this host run the baseline? fio on PATH (its version into version) and O_DIRECT on
 * the folder's file system. 0, or -1 with the reason (the baseline is then skipped).
 */
int hostbase_check(const char *dir, char *version, size_t vlen, char *reason, size_t len);

/* Run one job with fio on file. 0, or -1 with fio's own error text in err. */
int hostbase_run_job(const struct hostbase_job *job, const char *file, struct agent_result *res,
                     char *err, size_t errlen) __attribute__((warn_unused_result));

/* The samples of one host result of workload w (record.h): throughput_mib_s, iops, lat_*_us
 * (config "host"). */
int hostbase_record(struct sample_set *samples, const struct workload *w, unsigned rep,
                    const struct agent_result *res) __attribute__((warn_unused_result));

/* Jobs hostbase_run and hostbase_net_run would run now (warm-ups included), for progress. */
unsigned hostbase_count_jobs(const struct scenario *s, const struct sample_set *samples);
/* Does workload w, if of kind kind, still miss a repetition on the host? */
bool hostbase_wl_has_work(const struct scenario *s, const struct workload *w,
                          enum devmodel_kind kind, const struct sample_set *samples);
/* Does any workload of kind kind? */
bool hostbase_kind_has_work(const struct scenario *s, enum devmodel_kind kind,
                            const struct sample_set *samples);
/* Jobs left for the workloads of kind kind: `warmups` per workload with work, plus the
 * missing repetitions. */
unsigned hostbase_kind_count_jobs(const struct scenario *s, enum devmodel_kind kind,
                                  unsigned warmups, const struct sample_set *samples);

/* Called after each recorded job (save the samples now); non-zero stops the baseline. */
typedef int (*hostbase_save_fn)(void *arg);

/*
 * The block half job by job, so that the run can interleave the host's jobs with the
 * guests' (the machine's drift then touches the host as it touches them).
 * hostbase_blk_open: fio and O_DIRECT checked, the scratch file created (registered) in
 * registry_dir(). 0 open (or nothing to do: not open); 1 skipped (reason says why: no fio,
 * no O_DIRECT); -1 failed (reason). hostbase_blk_job: one job of workload w (rep 0: uncounted
 * warm-up; a cell already in samples, a closed session or a non-blk workload: nothing),
 * recorded and saved. 0 or -1 (reason: fio's own text). hostbase_blk_close removes the file.
 */
struct hostbase_blk {
    const struct scenario *s;
    char file[PATH_MAX];
    bool open;
};
int hostbase_blk_open(struct hostbase_blk *hb, const struct scenario *s,
                      const struct sample_set *samples, char *reason, size_t len);
int hostbase_blk_job(struct hostbase_blk *hb, const struct workload *w, unsigned rep,
                     struct sample_set *samples, hostbase_save_fn save, void *arg, char *reason,
                     size_t len);
void hostbase_blk_close(struct hostbase_blk *hb);

/*
 * The whole block baseline of a scenario at once: every blk workload x (one unrecorded
 * warm-up + repetitions), cells already in samples skipped (resume). Stops on
 * signals_interrupted(). Returns 0, 1 if skipped (reason says why: no fio, no O_DIRECT), -1 if
 * a job failed (reason: fio's own text).
 */
int hostbase_run(const struct scenario *s, struct sample_set *samples, hostbase_save_fn save,
                 void *arg, char *reason, size_t len);

/* ---- pct_of_host ---------------------------------------------------------------------- */

struct hostbase_pct {
    char config[48];
    char device[32];
    char kind[8];
    char workload[32];
    char metric[32];
    unsigned n; /* the device's samples */
    double pct; /* see the top of this file */
    double low, high;
};

struct hostbase_pct_set {
    struct hostbase_pct *v;
    size_t n, cap;
};

/*
 * pct_of_host of every config x workload x metric that the host has too (in the order of
 * the samples). A set without host samples is empty. 0, or -1 (out of memory).
 */
int hostbase_pct_compute(const struct sample_set *samples, uint64_t seed,
                         struct hostbase_pct_set *out) __attribute__((warn_unused_result));
void hostbase_pct_free(struct hostbase_pct_set *set);
const struct hostbase_pct *hostbase_pct_find(const struct hostbase_pct_set *set, const char *config,
                                             const char *workload, const char *metric);

/* HOSTBASE_PCT_FILE, atomically. 0 or -1 (errno). */
int hostbase_pct_write_csv(const char *path, const struct hostbase_pct_set *set)
    __attribute__((warn_unused_result));

/*
 * Give each summary row of set's config x workload x metric its pct_of_host, for
 * summary_write_json (the only writer of summary.json).
 */
void hostbase_pct_apply(const struct hostbase_pct_set *set, struct summary_set *sum);

/* The summary rows' pct_of_host from samples' (none when the host has no samples). */
void hostbase_pct_summary(const struct sample_set *samples, uint64_t seed,
                          struct summary_set *sum);

/*
 * After a run with the host's samples: HOSTBASE_PCT_FILE in dir (an error logged when it
 * cannot be written) and the terminal lines into out (hostbase_pct_print).
 */
void hostbase_pct_report(const struct sample_set *samples, uint64_t seed, const char *dir,
                         FILE *out);

/*
 * For the terminal: per workload, each device's pct_of_host; block: IOPS, MiB/s, mean
 * latency; network: Mbit/s, transactions/s, p50 latency, packets/s.
 */
void hostbase_pct_print(FILE *out, const struct hostbase_pct_set *set);

#endif
