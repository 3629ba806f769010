/*
 * engine=iperf3 (agent_iperf3.c): run Debian's iperf3 client inside the guest for a tcp_tx
 * or tcp_rx job and answer in the agent's own RESULT schema, "engine":"iperf3". The
 * reference the agent's own network client is checked against (`pvbench selftest`).
 *
 * The pure parts (argv, JSON) are iperf3_job.c's, host-tested on outputs captured from
 * Debian's iperf3 3.12 (guest-agent/tests/fixtures/iperf3/).
 */
#ifndef PVB_AGENT_IPERF3_H
#define PVB_AGENT_IPERF3_H

#include <stddef.h>

#include "agent.h"
#include "iperf3_job.h"

/* Where the fio guest image (scripts/build-guest --with-fio) puts Debian's iperf3. */
#define AGENT_IPERF3_BIN "/usr/bin/iperf3"
/* iperf3's JSON for a few seconds is ~4 KiB (one object per second); more is refused. */
#define AGENT_IPERF3_OUT_MAX (256u * 1024)
/* Time iperf3 may take beyond 2 x (warm-up + runtime): start-up, connecting, results. */
#define AGENT_IPERF3_MARGIN_MS (PVB_IPERF3_MARGIN_S * 1000u)
/* iperf3 --connect-timeout (within the margin): no server fails the job in this time. */
#define AGENT_IPERF3_CONNECT_MS 5000u

/* The iperf3 binary agent_iperf3_run executes and its time margin; tests change them. */
extern const char *agent_iperf3_binary;
extern unsigned agent_iperf3_margin_ms;

/*
 * iperf3's command line for a kind=net job (tcp_tx: the guest sends; tcp_rx: --reverse).
 * Returns 0, or -1 with err: another workload, runtime or warm-up not whole seconds.
 */
int agent_iperf3_build_argv(const struct agent_job *job, struct tool_argv *a, char *err,
                            size_t errlen);

/*
 * The result of a parsed run (pure): the receiving side's seconds and bytes, ops =
 * bytes / bs, bytes_total what the guest sent (tcp_tx) or received (tcp_rx). Returns 0, or
 * -1 with err when iperf3 reported an error, ran another test than asked, or moved nothing.
 */
int agent_iperf3_result(const struct agent_job *job, const struct iperf3_job_stats *st,
                        const char *ifname, struct agent_result *res, char *err, size_t errlen);

/*
 * Run a tcp_tx or tcp_rx job with iperf3 against job->peer:job->port. Fills res like
 * agent_net_run (engine IPERF3; cpu_pct and irqs from snapshots over the runtime before
 * iperf3 printed its result). Returns 0, or -errno with iperf3's own error text in err:
 * iperf3 missing, an "error" in its JSON, exit status != 0, killed, timeout, output too
 * large, JSON that does not parse.
 */
int agent_iperf3_run(const struct agent_job *job, const char *ifname, struct agent_result *res,
                     char *err, size_t errlen);

#endif
