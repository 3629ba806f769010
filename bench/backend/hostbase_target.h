/*
 * The bare host (host_baseline = yes) as a target of the run, beside its guests: one session
 * per kind, opened, given jobs and closed, as a guest is booted, given jobs and stopped. The
 * block session runs fio on a scratch file (hostbase.h), the network session the agent as a
 * host process in a namespace of the run's test network, against its peer (hostbase_net.h).
 *
 * The run's plan puts the host's jobs between the guests' (PLAN_HOST_*: bench/run/plan.h);
 * a session that fails closes, and what it did not run, or what could not run beside the
 * guests (several hosts in turn, a remote one), runs after the guests (hostbase_target_rest).
 * The target keeps the baseline's status for run.json (hostbase_target_settle).
 */
#ifndef PVB_HOSTBASE_TARGET_H
#define PVB_HOSTBASE_TARGET_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "devmodel.h"
#include "hostbase.h"
#include "hostbase_net.h"
#include "netns.h"
#include "peer.h"
#include "results.h"
#include "scenario.h"
#include "workload.h"

struct hostbase_target {
    const struct scenario *s;
    struct sample_set *samples;
    hostbase_save_fn save; /* after each recorded job; non-zero: the job fails */
    void *arg;
    struct netns_topo *net; /* the run's test network and its peer: the network session's */
    struct peer *peer;
    char agent_log[PATH_MAX];
    struct hostbase_blk blk;
    struct hostbase_net hnet;
    bool net_open;
    char status[16]; /* "ok", "skipped", "failed"; "" until settled */
    char reason[512];
};

/*
 * A target with no session open, recording into samples (save after each job), its network
 * session on net and peer when opened, the agent's output appended to agent_log.
 */
void hostbase_target_init(struct hostbase_target *t, const struct scenario *s,
                          struct sample_set *samples, hostbase_save_fn save, void *arg,
                          struct netns_topo *net, struct peer *peer, const char *agent_log);

/* Does the host still miss a repetition of a workload of this kind? */
bool hostbase_target_has_work(const struct hostbase_target *t, enum devmodel_kind kind);

/* The jobs both sessions would run now (warm-ups included), for the progress line. */
unsigned hostbase_target_count_jobs(const struct hostbase_target *t);

/*
 * Open the session of this kind (the network's: the test network must be up, its peer
 * serving). 0: open, or nothing to do (not open); 1: skipped (reason: no fio, no O_DIRECT, no
 * agent binary); -1: failed (reason).
 */
int hostbase_target_open(struct hostbase_target *t, enum devmodel_kind kind, char *reason,
                         size_t len) __attribute__((warn_unused_result));

bool hostbase_target_is_open(const struct hostbase_target *t, enum devmodel_kind kind);

/*
 * One job of workload w on the session of its kind, repetition rep (0: an uncounted
 * warm-up), recorded and saved; nothing when that session is closed, the cell is measured or
 * a warm-up's workload has nothing left. 0, or -1 with reason (the session is closed then:
 * what is left runs in hostbase_target_rest).
 */
int hostbase_target_job(struct hostbase_target *t, const struct workload *w, unsigned rep,
                        char *reason, size_t len) __attribute__((warn_unused_result));

/* Close the session of this kind (the scratch file removed, the agent stopped). Idempotent. */
void hostbase_target_close(struct hostbase_target *t, enum devmodel_kind kind);

/*
 * Every job of this kind still missing, in a session of its own (opened, warm-ups and
 * repetitions, closed); stops on signals_interrupted(). The network's needs the test network
 * up, its peer serving. 0, 1 skipped (reason), -1 failed (reason).
 */
int hostbase_target_rest(struct hostbase_target *t, enum devmodel_kind kind, char *reason,
                         size_t len);

/*
 * The baseline's status from its two halves (as hostbase_target_rest returns, with their
 * reasons): the worse of them; the reason names each half that did not finish. Logged.
 */
void hostbase_target_settle(struct hostbase_target *t, int blk_rc, const char *blk, int net_rc,
                            const char *net);

#endif
