/*
 * A measuring tool run as a child of the agent (agent_child.c): fio for engine=fio
 * (agent_fio.c), iperf3 for engine=iperf3 (agent_iperf3.c).
 *
 * The tool runs with stdin from /dev/null, in its own process group (fio forks its job
 * process: one group to kill); its stdout is read with a bound (a bigger output is refused
 * and the tool killed, never buffered), its stderr kept for the error text, and the whole
 * run has a deadline. While it runs, /proc/stat and /proc/interrupts are sampled every
 * period_ms with a CLOCK_REALTIME stamp, so that the caller can pick the two samples nearest
 * the tool's own measured interval (the tool's start-up and warm-up must not count).
 */
#ifndef PVB_AGENT_CHILD_H
#define PVB_AGENT_CHILD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "agent.h"

/* The tool's own messages (stderr) kept for the error text. */
#define AGENT_CHILD_ERRTEXT_MAX 4096u
/* Period of the /proc/stat and /proc/interrupts snapshots taken while the tool runs. */
#define AGENT_CHILD_SNAP_MS 100u

struct agent_child_snap {
    uint64_t t_ms; /* CLOCK_REALTIME, the clock of fio's timestamp_ms */
    struct procstat_cpu cpu;
    uint64_t irqs;
};

struct agent_child {
    const char *name; /* "fio", "iperf3": the messages say it */
    const char *irq;  /* the job's irq= ("" or NULL: no interrupt counts) */
    pid_t pid;
    int out_fd, err_fd;
    char *out; /* stdout, NUL-terminated after agent_child_collect */
    size_t out_len, out_max;
    uint64_t t_first_out_ms; /* CLOCK_REALTIME of stdout's first byte (0: none yet) */
    char errtext[AGENT_CHILD_ERRTEXT_MAX];
    size_t err_len;
    struct agent_child_snap *snaps; /* ring */
    size_t snap_cap, snap_n;        /* snap_n counts every snapshot taken */
    unsigned period_ms;
    uint64_t limit_ms; /* how long the tool may run */
    int irq_lines;
};

/* CLOCK_MONOTONIC or CLOCK_REALTIME in ms. */
uint64_t agent_child_ms(clockid_t clk);

/*
 * Prepare c for a tool called name that may print out_max bytes and runs limit_ms at most
 * (snapshots for that long are kept). 0, or -ENOMEM with err set.
 */
int agent_child_init(struct agent_child *c, const char *name, const char *irq, size_t out_max,
                     uint64_t limit_ms, char *err, size_t errlen);

/* Fork and exec argv (argv[0] a path) with a minimal environment. 0 or -errno with err. */
int agent_child_start(struct agent_child *c, char *const argv[], char *err, size_t errlen);

/*
 * Collect the tool's output until both pipes close, sampling /proc on the way, then reap
 * it; the deadline is limit_ms from now. Returns 0 with *status (a waitpid status) set, or
 * -errno with err set: "<name> did not finish within N ms; killed", "<name> printed more
 * than N bytes; killed". out is NUL-terminated in both cases.
 */
int agent_child_collect(struct agent_child *c, int *status, char *err, size_t errlen);

/*
 * cpu_pct and irqs of res over the snapshots nearest [start_ms, end_ms] (CLOCK_REALTIME);
 * irqs are scaled from the sampled window to measured_ms. Nothing with fewer than two
 * snapshots.
 */
void agent_child_window(const struct agent_child *c, uint64_t start_ms, uint64_t end_ms,
                        double measured_ms, struct agent_result *res);

/* How the tool ended, from a waitpid status: "iperf3 exited with status 1", "... killed by". */
void agent_child_status_text(const char *name, int status, char *buf, size_t len);

/* Append one line (len bytes) to err at *pos, with " | " between lines, unprintable as '?'. */
void agent_child_append(char *err, size_t errlen, size_t *pos, const char *line, size_t len);

/* Kill the tool if it still runs (its whole group), close the pipes, free the buffers. */
void agent_child_free(struct agent_child *c);

#endif
