/*
 * engine=fio (agent_fio.c): run Debian's fio inside the guest with the parameters of a
 * kind=blk job and answer in the agent's own RESULT schema, "engine":"fio".
 *
 * The pure parts (argv, JSON parsing, error text) are host-tested on outputs captured
 * from Debian's fio 3.33 (guest-agent/tests/fixtures/fio/).
 */
#ifndef PVB_AGENT_FIO_H
#define PVB_AGENT_FIO_H

#include <stddef.h>
#include <stdint.h>

#include "agent.h"

/* Where the fio guest image (scripts/build-guest --with-fio) puts Debian's fio. */
#define AGENT_FIO_BIN "/usr/bin/fio"
/* fio's JSON for one job is ~6 KiB; anything past this is refused, never buffered. */
#define AGENT_FIO_OUT_MAX (256u * 1024)
/* fio's own messages (stderr) kept for the error text. */
#define AGENT_FIO_ERRTEXT_MAX 4096u
/* Time fio may take beyond 2 x (warm-up + runtime): loading ~60 libraries under TCG. */
#define AGENT_FIO_MARGIN_MS (PVB_FIO_MARGIN_S * 1000u)
/* Period of the /proc/stat and /proc/interrupts snapshots taken while fio runs. */
#define AGENT_FIO_SNAP_MS 100u

/* The fio binary agent_fio_run executes and its time margin; tests change them. */
extern const char *agent_fio_binary;
extern unsigned agent_fio_margin_ms;

#define AGENT_FIO_ARGV_MAX 24
struct agent_fio_argv {
    char *argv[AGENT_FIO_ARGV_MAX + 1]; /* NULL-terminated */
    unsigned argc;
    char store[2048];
    size_t used;
};

/*
 * fio's command line for a kind=blk job on dev: rw, bs, iodepth, time_based runtime and
 * ramp_time (milliseconds), direct=1, ioengine=libaio, norandommap (offsets drawn with
 * replacement, as the agent does), total latency percentiles, JSON output.
 * Returns 0, or -1 if it does not fit.
 */
int agent_fio_build_argv(const struct agent_job *job, const char *dev, struct agent_fio_argv *a);

/* What one fio run measured, from its JSON. */
struct agent_fio_stats {
    char version[32];    /* "fio-3.33" */
    int error;           /* jobs[0].error: an errno, 0 when the job went well */
    double timestamp_ms; /* when fio wrote the output (guest CLOCK_REALTIME, ms) */
    double job_runtime_ms;
    double runtime_s;           /* measured interval of the read or write side */
    uint64_t ops;               /* total_ios */
    uint64_t bytes;             /* io_bytes */
    struct agent_lat_us lat_us; /* total latency (submission to completion), us */
};

/*
 * Parse fio's stdout (len bytes; text before the JSON object, such as fio's own
 * "fio: ..." notes, is skipped). rw picks the "read" or "write" side. Returns 0, or -1
 * with a reason in err: no JSON, JSON that does not parse, a missing or mistyped key, a
 * number that is not finite or negative. st->error is set even when it is not 0 (the
 * other numbers are then left 0).
 */
int agent_fio_parse(const char *out, size_t len, enum agent_rw rw, struct agent_fio_stats *st,
                    char *err, size_t errlen);

/* How fio ended, from a waitpid status: "fio exited with status 1", "fio killed by ...". */
void agent_fio_status_text(int status, char *buf, size_t len);

/*
 * An error reason in fio's own words: what (e.g. agent_fio_status_text), then the
 * non-empty lines of fio's stderr (errtext, may be NULL), then the "fio:" lines it printed
 * on stdout before its JSON (out, may be NULL), joined with " | ", cut to errlen.
 */
void agent_fio_error_text(const char *out, size_t outlen, const char *errtext, const char *what,
                          char *err, size_t errlen);

/*
 * Run a kind=blk job with fio on dev. Fills res like agent_blk_run (engine FIO; cpu_pct
 * and irqs from snapshots taken every AGENT_FIO_SNAP_MS, over the window that matches
 * fio's measured interval). Returns 0, or -errno with fio's own error text in err when
 * fio is missing, exits non-zero, is killed, times out, prints too much or prints JSON
 * that does not parse.
 */
int agent_fio_run(const struct agent_job *job, const char *dev, struct agent_result *res, char *err,
                  size_t errlen);

#endif
