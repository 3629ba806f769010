/*
 * The network half of the bare-host baseline (host_baseline = yes; the block half is
 * hostbase.h). The scenario's network workloads run against the run's host peer (peer.h)
 * from the agent itself (guest-agent/pvbench-agent, the guests' /init), started as a host
 * process inside a second namespace of the run's test network (netns_add_host: a veth
 * whose other end is one more port of the bridge, address NETNS_HOST_ADDR). Same client
 * code, same peer, same bridge and veth into the peer's namespace, same runtime, warm-up
 * and repetitions as the guests; no QEMU, no guest kernel, no NIC model in the path.
 *
 * The agent runs off PID 1 (no mounts, no modules) and connects its control channel to a
 * Unix socket of the run's state folder, where the harness talks the same protocol
 * (protocol.h) as with a guest. The process is registered (pid and start time) and dies
 * with the harness (PR_SET_PDEATHSIG); the socket and the namespace are registered too,
 * so `pvbench cleanup` removes what a SIGKILL leaves.
 *
 * Samples: configuration, device and class "host", kind "net", the receiving side's
 * numbers as for the guests: throughput_mbit_s (tcp_tx, tcp_rx), transactions_s and
 * lat_*_us (tcp_rr), pps (udp_pps). No CPU metric (the agent's /proc/stat is the whole
 * host's) and no loss_pct (a ratio of loss rates means nothing).
 */
#ifndef PVB_HOSTBASE_NET_H
#define PVB_HOSTBASE_NET_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "agentmsg.h"
#include "hostbase.h"
#include "netns.h"
#include "peer.h"
#include "results.h"
#include "scenario.h"
#include "session.h"
#include "workload.h"

/* Which agent binary runs on the host: $PVBENCH_AGENT, else the build tree's. */
#define HOSTBASE_NET_AGENT_ENV "PVBENCH_AGENT"
/* Job ids of the host client, apart from the guests' (logs and the peer tell them apart). */
#define HOSTBASE_NET_JOB_BASE 1000000u
/* How long the agent may take to connect and say READY. */
#define HOSTBASE_NET_START_TIMEOUT_S 10.0

/* The agent running on the host, driven through a guest session (session.h). */
struct hostbase_net {
    struct session s;
    char log[PATH_MAX];
    unsigned job_seq;
};

/*
 * In a child of parent that must run argv (argv[0] searched in PATH) inside the network
 * namespace netns_path (NULL: this one): die with the harness, own process group (a Ctrl-C
 * reaches the harness, which stops it), default signals, output appended to log, nothing of
 * the harness's open files. Never returns (exit 126: no namespace, 127: no program).
 */
void hostbase_net_exec(pid_t parent, const char *netns_path, const char *log,
                       char *const argv[]) __attribute__((noreturn));

/* The agent binary to run: $PVBENCH_AGENT or PVB_DATADIR's. 0, or -1 with the reason. */
int hostbase_net_find_agent(char *path, size_t len, char *reason, size_t rlen);

/*
 * Start agent inside netns_path (its log: log, appended) and wait for its READY. 0, or -1
 * with a reason (nothing left running then).
 */
int hostbase_net_start(struct hostbase_net *h, const char *agent, const char *netns_path,
                       const char *log, char *reason, size_t len)
    __attribute__((warn_unused_result));

/*
 * One job of workload w against the peer: the peer gets it first, then the agent; the
 * agent's RESULT, the peer's report and their agreement (peer_check) are checked. 0 with
 * *a and *p, or -1 with a reason.
 */
int hostbase_net_job(struct hostbase_net *h, struct peer *peer, const struct workload *w,
                     unsigned runtime_ms, unsigned warmup_ms, struct agent_result *a,
                     struct peer_report *p, char *reason, size_t len)
    __attribute__((warn_unused_result));

/* Close its channel (it exits), a moment to exit, then SIGTERM/SIGKILL; socket removed. */
void hostbase_net_stop(struct hostbase_net *h);

/* The samples of one host net job (see the top of this file). 0 or -1 (out of memory). */
int hostbase_net_record(struct sample_set *samples, const struct workload *w, unsigned rep,
                        const struct agent_result *a, const struct peer_report *p)
    __attribute__((warn_unused_result));

/* Does the scenario have a net workload the host still misses a repetition of? */
bool hostbase_net_has_work(const struct scenario *s, const struct sample_set *samples);

/* Jobs hostbase_net_run would run now (warm-ups included), for the progress line. */
unsigned hostbase_net_count_jobs(const struct scenario *s, const struct sample_set *samples);

/*
 * The agent on the host, started in a namespace of its own on t (netns_add_host), ready for
 * jobs: 0; 1 skipped (no agent binary: reason); -1 failed (reason, nothing left running).
 */
int hostbase_net_open(struct hostbase_net *h, struct netns_topo *t, const char *log,
                      char *reason, size_t len) __attribute__((warn_unused_result));

/*
 * One job of net workload w, repetition rep (0: a warm-up, not recorded), recorded and saved;
 * nothing for another kind, a cell already measured or a warm-up of a workload without work.
 * 0, or -1 with a reason.
 */
int hostbase_net_rep(struct hostbase_net *h, struct peer *peer, const struct scenario *s,
                     const struct workload *w, unsigned rep, struct sample_set *samples,
                     hostbase_save_fn save, void *arg, char *reason, size_t len)
    __attribute__((warn_unused_result));

/*
 * The whole network baseline: the client's namespace added to t (which must be up, with
 * peer serving in it), the agent started there, every net workload x (warmup_jobs
 * unrecorded + repetitions) with cells already in samples skipped (resume), then the
 * agent stopped (the namespace goes with t). Stops on signals_interrupted(). log: the agent's
 * output. Returns 0, 1 if skipped (reason: no agent binary), -1 if it failed (reason).
 */
int hostbase_net_run(const struct scenario *s, struct netns_topo *t, struct peer *peer,
                     const char *log, struct sample_set *samples, hostbase_save_fn save, void *arg,
                     char *reason, size_t len);

#endif
