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
#include "agent_child.h"
#include "fio_job.h"

/* Where the fio guest image (scripts/build-guest --with-fio) puts Debian's fio. */
#define AGENT_FIO_BIN "/usr/bin/fio"
/* fio's JSON for one job is ~6 KiB; anything past this is refused, never buffered. */
#define AGENT_FIO_OUT_MAX (256u * 1024)
/* fio's own messages (stderr) kept for the error text (agent_child.h). */
#define AGENT_FIO_ERRTEXT_MAX AGENT_CHILD_ERRTEXT_MAX
/* Time fio may take beyond 2 x (warm-up + runtime): loading ~60 libraries under TCG. */
#define AGENT_FIO_MARGIN_MS (PVB_FIO_MARGIN_S * 1000u)
/* The temporary job file of fiojob= (a mkstemp template; the image has a /tmp). */
#define AGENT_FIO_JOBFILE "/tmp/pvb-fiojob-XXXXXX"
/* Period of the /proc/stat and /proc/interrupts snapshots taken while fio runs. */
#define AGENT_FIO_SNAP_MS AGENT_CHILD_SNAP_MS

/* The fio binary agent_fio_run executes and its time margin; tests change them. */
extern const char *agent_fio_binary;
extern unsigned agent_fio_margin_ms;

/*
 * fio's command line for a kind=blk job on dev (fio_job_build_argv: the same job as the
 * host baseline's). Returns 0, or -1 if it does not fit.
 */
int agent_fio_build_argv(const struct agent_job *job, const char *dev, struct tool_argv *a);

/*
 * Parse fio's stdout for job side rw (fio_job_parse with FIO_JOB_WINDOW: the version and
 * the timing keys that place fio's measured interval are required too).
 */
int agent_fio_parse(const char *out, size_t len, enum agent_rw rw, struct fio_job_stats *st,
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
