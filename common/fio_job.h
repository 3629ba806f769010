/*
 * One fio job: its command line and its JSON output (fio_job.c). Shared by the agent's
 * engine=fio (agent_fio.c, inside a guest) and the host baseline (bench/backend/hostbase.c), so
 * host and guests run the same job and read its numbers the same way.
 *
 * Self-contained: only libc and json-c, no agent or harness header; the agent links it
 * statically, the host into libpvbench.a. Tested on outputs captured from Debian's
 * fio 3.33 (guest-agent/tests/fixtures/fio/).
 */
#ifndef PVB_FIO_JOB_H
#define PVB_FIO_JOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tool.h"

/* What a job asks of fio. */
struct fio_job_params {
    const char *binary; /* argv[0] */
    const char *file;   /* filename= (a device or a scratch file) */
    const char *rw;     /* read | write | randread | randwrite | randrw (fio's names) */
    unsigned bs, qd;
    unsigned runtime_ms, warmup_ms;
    unsigned rwmixread;            /* randrw: percent of reads */
    unsigned offset_mib, size_mib; /* the region used; size 0: to the end */
    unsigned numjobs;              /* above 1: that many jobs, reported as one group */
};

/*
 * fio's command line for p: rw, bs, iodepth, time_based runtime and ramp_time
 * (milliseconds, none without a warm-up), direct=1, ioengine=libaio, norandommap (offsets
 * drawn with replacement, as the agent does), total latency percentiles, JSON output;
 * randrw adds rwmixread and unified_rw_reporting=mixed (one "mixed" side, as the agent's one
 * histogram), a region adds offset and size (MiB), numjobs above 1 adds numjobs and
 * group_reporting (one summed job in the JSON; sequential jobs each get a slice of the region
 * from the region's start, fio's default, where the agent gives each a slice of its own).
 * Returns 0, or -1 if it does not fit.
 */
int fio_job_build_argv(const struct fio_job_params *p, struct tool_argv *a)
    __attribute__((warn_unused_result));

/* Latencies in us, the field order of the agent's and the harness's latency structs. */
struct fio_job_lat {
    double mean, min, p50, p90, p99, p999, max;
};

/* What one fio job measured, from its JSON. */
struct fio_job_stats {
    char version[32];    /* "fio-3.33" */
    int error;           /* jobs[0].error: an errno, 0 when the job went well */
    double timestamp_ms; /* when fio wrote the output (CLOCK_REALTIME, ms) */
    double job_runtime_ms;
    double runtime_s; /* measured interval of the read or write side */
    uint64_t ops;     /* total_ios; 0 when no latency was recorded */
    uint64_t bytes;   /* io_bytes */
    /* total latency (submission to completion); percentiles clamped into [min, max] */
    struct fio_job_lat lat_us;
};

/* fio_job_parse flag: also read, and require, "fio version", timestamp_ms, job_runtime. */
#define FIO_JOB_WINDOW 1u
/* fio_job_parse flag: read the "mixed" side (randrw with unified_rw_reporting=mixed). */
#define FIO_JOB_MIXED 2u
/*
 * fio_job_parse flag for a user's job file: every entry of jobs[] and every side it reports
 * (read, write, trim, or fio's "mixed" under unified_rw_reporting) with completions is
 * summed: runtime_s and job_runtime_ms are the longest, ops and bytes the sums, latency
 * min and max exact, the mean weighted by completions (exact), the percentiles the
 * completion-weighted mean of each entry's (exact with one entry, approximate otherwise:
 * fio's JSON has no histograms). st->error is the first non-zero job error.
 */
#define FIO_JOB_ALL 4u

/*
 * Parse fio's stdout (len bytes; text before the JSON object, such as fio's own
 * "fio: ..." notes, is skipped); write picks the "write" side, else "read". Returns 0, or
 * -1 with a reason in err: no JSON, JSON that does not parse, a missing or mistyped key, a
 * number that is not finite or negative. st->error is set even when it is not 0 (the
 * other numbers are then left 0); so is st->ops = 0 when no operation completed.
 */
int fio_job_parse(const char *out, size_t len, bool write, unsigned flags, struct fio_job_stats *st,
                  char *err, size_t errlen) __attribute__((warn_unused_result));

/* ---- a user's job file (engine=fio with fiojob=, see common/protocol.h) ------------------- */

/*
 * The file fio runs for a user's job: pvbench's own [global] (filename=p->file, direct=1,
 * ioengine=libaio, time_based, runtime and ramp_time from p, group_reporting,
 * unified_rw_reporting=mixed, the total-latency percentiles) followed by the user's
 * validated text (bench/model/fiofile.c), whose sections come after and so override the
 * defaults they may. p->rw, bs and qd are not used. Returns the length, or -1 if it does
 * not fit in outlen.
 */
int fio_job_file_text(const struct fio_job_params *p, const char *user, char *out, size_t outlen)
    __attribute__((warn_unused_result));

/* fio's command line for a job file at path: JSON output, no progress line. 0 or -1. */
int fio_job_build_file_argv(const char *binary, const char *path, struct tool_argv *a)
    __attribute__((warn_unused_result));

/*
 * Lower-case hex of s[0..n) into out, NUL-terminated: how a job file's text travels on the
 * job line (whose values have no spaces). Returns the length (2n), or -1 if it does not fit.
 */
int fio_job_hex_encode(const char *s, size_t n, char *out, size_t outlen)
    __attribute__((warn_unused_result));

/*
 * hex[0..n) back into out, NUL-terminated. Returns the length, or -1: odd length, a
 * character that is not hex, a NUL byte, or more than outlen - 1 bytes.
 */
int fio_job_hex_decode(const char *hex, size_t n, char *out, size_t outlen)
    __attribute__((warn_unused_result));

#endif
