/*
 * One iperf3 client run: its command line and its --json output (iperf3_job.c), for the
 * agent's engine=iperf3 (agent_iperf3.c), which `pvbench selftest` puts against the agent's
 * own tcp_tx and tcp_rx in the same guest.
 *
 * Self-contained: only libc and json-c, no agent or harness header. Tested on outputs
 * captured from Debian's iperf3 3.12 (guest-agent/tests/fixtures/iperf3/).
 */
#ifndef PVB_IPERF3_JOB_H
#define PVB_IPERF3_JOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tool.h"

/* What a run asks of iperf3. Its -t and -O take whole seconds. */
struct iperf3_job_params {
    const char *binary;          /* argv[0] */
    const char *server;          /* -c: the server's IPv4 address */
    unsigned port;               /* -p */
    bool reverse;                /* -R: the server sends, the client receives (tcp_rx) */
    unsigned bs;                 /* -l: bytes per write */
    unsigned runtime_s;          /* -t: measured seconds, >= 1 */
    unsigned omit_s;             /* -O: warm-up seconds left out of the sums */
    unsigned connect_timeout_ms; /* --connect-timeout */
};

/* iperf3's command line for p (one TCP stream, --json). 0, or -1 if it does not fit. */
int iperf3_job_build_argv(const struct iperf3_job_params *p, struct tool_argv *a)
    __attribute__((warn_unused_result));

/* What one iperf3 run measured, from its JSON. */
struct iperf3_job_stats {
    char version[32]; /* "iperf 3.12" */
    char error[256];  /* the top-level "error" text, "" when the run went well */
    bool reverse;     /* start.test_start.reverse */
    unsigned duration_s, omit_s, blksize;
    /* end.sum_sent and end.sum_received: the omitted seconds are not in them */
    double sent_s, recv_s;
    uint64_t sent_bytes, recv_bytes;
};

/*
 * Parse iperf3's stdout (len bytes; text before the JSON object is skipped). Returns 0, or
 * -1 with a reason in err: no JSON, JSON that does not parse ("truncated" when cut short),
 * a missing or mistyped key, a number that is not finite or negative. An "error" key (iperf3
 * 3.12 exits 0 after "unable to connect to server") fills st->error and returns 0 with the
 * numbers left 0: the caller reports it.
 */
int iperf3_job_parse(const char *out, size_t len, struct iperf3_job_stats *st, char *err,
                     size_t errlen) __attribute__((warn_unused_result));

#endif
