/*
 * The host peer (peer.c): the far end of every network workload. One process per
 * run, forked by the harness, living inside the run's network namespace
 * (netns.h), serving one job at a time (a TCP job may have several streams). No external
 * server.
 *
 * Control channel (a socketpair, one line per message, at most PEER_LINE_MAX):
 *   harness -> peer   JOB id=N workload=tcp_tx|tcp_rx|tcp_rr|udp_pps port=P
 *                         runtime_ms=R warmup_ms=W life_ms=L [streams=S]
 *                     END id=N      the agent answered: finish (short grace) and report
 *                     ABORT id=N    the agent failed: stop now and report
 *                     QUIT
 *   peer -> harness   READY id=N    listening: the agent may be told to start
 *                     DONE id=N window_s=S window_bytes=B window_packets=K
 *                         total_bytes=B total_packets=K max_seq=Q
 *                     FAIL id=N reason=free text to the end of the line
 * The data plane (hello, stop, datagram header) is common/protocol.h's.
 *
 * Every socket operation of the peer has a deadline: the job's life_ms, which
 * the harness sets a little longer than the agent's own deadline. A guest that
 * never connects, resets, stalls or breaks the framing makes the job FAIL with a
 * reason; the peer then serves the next job.
 */
#ifndef PVB_PEER_H
#define PVB_PEER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "protocol.h"
#include "agentmsg.h"

#define PEER_LINE_MAX 512
#define PEER_REASON_MAX 256
/* After END, how long a job that has not finished yet may still take. */
#define PEER_END_GRACE_MS 2000u

struct peer_job {
    unsigned id;
    enum pvb_net_workload workload;
    unsigned port;
    unsigned runtime_ms;
    unsigned warmup_ms;
    unsigned life_ms; /* every wait of the job ends by then */
    unsigned streams; /* TCP connections of the job (0 or 1: one) */
};

/* What the peer measured in one job. */
struct peer_report {
    unsigned id;
    int ok;                  /* DONE (1) or FAIL (0) */
    char reason[PEER_REASON_MAX];
    double window_s;         /* the peer's measured interval (it received: tcp_tx, udp_pps) */
    uint64_t window_bytes;   /* payload bytes received in it */
    uint64_t window_packets; /* datagrams (udp_pps) or reads (tcp_tx) in it */
    uint64_t total_bytes;    /* payload received (tcp_tx, udp_pps), sent (tcp_rx), echoed (rr) */
    uint64_t total_packets;  /* datagrams received (udp_pps), transactions answered (tcp_rr) */
    uint64_t max_seq;        /* udp_pps: highest sequence number + 1 (0: none) */
};

/* ---- control lines (pure) ---------------------------------------------------------------- */

const char *peer_workload_name(enum pvb_net_workload w);
/* From the workload table's rw ("tcp_tx", ...). 0 if unknown. */
enum pvb_net_workload peer_workload_parse(const char *name);

int peer_format_job(char *buf, size_t len, const struct peer_job *j);
int peer_format_report(char *buf, size_t len, const struct peer_report *r);
/* Parse a JOB line (without '\n'). 0, or -1 with err. */
int peer_parse_job(const char *line, struct peer_job *j, char *err, size_t errlen);
/* Parse a DONE or FAIL line. 0, or -1 with err. */
int peer_parse_report(const char *line, struct peer_report *r, char *err, size_t errlen);

/* ---- the peer process (harness side) ----------------------------------------------------- */

struct peer {
    pid_t pid;
    int ctl;          /* harness end of the socketpair */
    unsigned open_id; /* job begun and not yet ended, 0: none */
    char in[PEER_LINE_MAX];
    size_t in_len;
};

/*
 * Fork the peer: it enters the namespace at netns_path (NULL: stays in the
 * caller's, for tests), binds addr, and waits for jobs. Registered as a process
 * of the run (dies with the harness: PR_SET_PDEATHSIG). 0, or -1 with err.
 */
int peer_start(struct peer *p, const char *netns_path, const char *addr, char *err,
               size_t errlen) __attribute__((warn_unused_result));
/* Tell the peer the next job and wait until it listens. 0, or -1 with err. */
int peer_job_begin(struct peer *p, const struct peer_job *j, char *err, size_t errlen)
    __attribute__((warn_unused_result));
/*
 * The agent answered job id: get the peer's report (timeout_s at most). 0 with
 * *r filled (r->ok may be 0: the peer's reason), or -1 with err (peer lost).
 */
int peer_job_end(struct peer *p, struct peer_report *r, double timeout_s, char *err,
                 size_t errlen) __attribute__((warn_unused_result));
/* The agent failed or was lost: abort the open job, if any (bounded wait). */
void peer_job_abort(struct peer *p);
/* QUIT, wait a moment, then end it by its pid; forget it in the registry. */
void peer_stop(struct peer *p);

/*
 * The peer's main loop over an open control fd: serve jobs on addr until QUIT or
 * EOF. Returns 0 (QUIT/EOF) or -1. Exposed so that tests can run it in a child.
 */
int peer_serve(int ctl, const char *addr);

/* ---- the job's numbers ------------------------------------------------------------------- */

/*
 * Cross-check the two sides of a finished job: the receiver's count must equal
 * what the sender says it sent (TCP: bytes; tcp_rr: transactions; UDP: received
 * <= sent, sequence numbers below sent). 0, or -1 with a reason.
 */
int peer_check(enum pvb_net_workload w, const struct agent_result *a, const struct peer_report *p,
               char *err, size_t errlen);

#endif
