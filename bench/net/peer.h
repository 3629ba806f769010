/*
 * The harness's side of the network peer (peer.c): the far end of every network workload
 * and its control channel (common/peer_serve.h has the lines and the serving loop). Two
 * kinds of peer:
 *   - the host peer: one process per run, forked by the harness, living inside the run's
 *     network namespace (netns.h);
 *   - a peer guest: a guest booted beside the guest under test on a host the harness
 *     reaches only through libvirt (run_net.c); its agent serves the same lines on its
 *     control channel, which the harness takes over once the agent is READY.
 */
#ifndef PVB_PEER_H
#define PVB_PEER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "agentmsg.h"
#include "peer_serve.h"
#include "protocol.h"

/* ---- the peer process (harness side) ----------------------------------------------------- */

struct peer {
    pid_t pid;        /* the host peer's process; 0 for a peer guest */
    int attached;     /* a peer guest's channel (peer_attach): no process of ours */
    int ctl;          /* harness end of the socketpair, or the peer guest's channel */
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
/*
 * A peer guest: serve jobs through fd, the channel of a guest whose agent was told to be the
 * peer (after its PVB1 READY it says READY id=0, as a host peer does); pending, len: bytes
 * already read from fd after that PVB1 READY. fd is the caller's; peer_stop sends QUIT and
 * leaves it open. 0, or -1 with err (no READY in time).
 */
int peer_attach(struct peer *p, int fd, const char *pending, size_t len, char *err,
                size_t errlen)
    __attribute__((warn_unused_result));
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
/* 1 while its channel is open (a peer guest's ends with its connection), else 0. */
int peer_alive(struct peer *p);
/* In messages: "host peer" or "peer guest". */
const char *peer_who(const struct peer *p);
/* QUIT, wait a moment, then end it by its pid; forget it in the registry. */
void peer_stop(struct peer *p);

/* ---- the job's numbers ------------------------------------------------------------------- */

/*
 * Cross-check the two sides of a finished job: the receiver's count must equal
 * what the sender says it sent (TCP: bytes; tcp_rr: transactions; UDP: received
 * <= sent, sequence numbers below sent). 0, or -1 with a reason.
 */
int peer_check(enum pvb_net_workload w, const struct agent_result *a, const struct peer_report *p,
               char *err, size_t errlen);

#endif
