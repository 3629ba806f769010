/*
 * One guest session: the only code that boots a guest (or the agent as a host process) to
 * READY, sends it a job and reads lines until that job's RESULT, recognises a lost guest and
 * stops it. `pvbench run`, `pvbench selftest` and the bare-host baseline all talk to their
 * agents through it, with one deadline rule:
 *
 *   - a boot has timeout_s from the backend's start to READY;
 *   - a job has session_job_budget(job) from the moment it was sent to its RESULT.
 *
 * A LOG line (or, before READY, boot noise) is written to the agent log and never moves a
 * deadline: an agent that keeps talking without answering times out like a silent one.
 * The guest is lost when the channel ends (EOF), times out, floods, carries a line that is
 * not the protocol, or an answer to another job; when the backend says the guest is gone;
 * or on SIGINT/SIGTERM/SIGHUP (signals.h). The session knows nothing of runs: the caller
 * gives the backend, the guest's spec, the socket and disk paths and the agent log.
 */
#ifndef PVB_SESSION_H
#define PVB_SESSION_H

#include <limits.h>
#include <stddef.h>
#include <stdio.h>

#include "agentmsg.h"
#include "backend_ops.h"
#include "chan.h"

/* How long the agent may take to take a job, and the guest to power off after QUIT. */
#define SESSION_SEND_TIMEOUT_S 5.0
#define SESSION_QUIT_GRACE_S 5.0
/* Beyond what the agent itself may take: time for a slow (TCG) guest to set up and answer. */
#define SESSION_ANSWER_MARGIN_S 15.0
/* A lost guest's two diagnostic snapshots are this far apart; each monitor command waits
 * this long at most. */
#define SESSION_LOST_SNAPSHOT_GAP_S 3.0
#define SESSION_MONITOR_TIMEOUT_S 3.0

enum session_rc {
    SESSION_OK = 0,
    SESSION_FAILED = 1, /* the job failed (agent ERROR, implausible result); the guest is fine */
    SESSION_LOST = -1,  /* the guest is lost (see the top of this file); stop it */
};

struct session {
    const struct backend_ops *ops;
    /* In reasons: the process (the backend's process_name), the agent ("agent"), where its
     * logs are. */
    const char *who;
    const char *agent;
    const char *logs;
    /* The agent's LOG lines and boot noise, appended, each after log_prefix. */
    char agent_log[PATH_MAX + 32];
    const char *log_prefix;
    struct guest g;
    struct chan ch;
    char sock[PATH_MAX];
    char monitor[108]; /* the guest's monitor socket (BACKEND_CAP_MONITOR), "" if none */
    char disk[PATH_MAX];
    int disk_volume; /* disk is a volume on the backend's side, not a file here */
    int started;
    struct agent_ready ready; /* what the agent said when it came up */
    double boot_s;            /* from the backend's start to READY */
    int kvm_stats_off;        /* the backend's KVM counters failed once: not asked again */
};

/*
 * A session with nothing started yet (session_stop is a no-op on it), driving its guest
 * through ops, appending the agent's lines to agent_log. Messages name the process as ops'
 * process_name ("QEMU" without ops), say "agent" and "logs/" until the caller sets who,
 * agent and logs.
 */
void session_init(struct session *s, const struct backend_ops *ops, const char *agent_log);

/*
 * The guest's scratch disk of mib MiB, removed by session_stop: a file at path (registered),
 * or, when volume is not NULL, a volume of that name on the backend's side
 * (BACKEND_CAP_REMOTE_STORAGE). Its path is s->disk. 0, or -1 with reason.
 */
int session_scratch_disk(struct session *s, const char *path, const char *volume, unsigned mib,
                         char *reason, size_t len) __attribute__((warn_unused_result));

/*
 * Listen on spec->control_sock (registered, removed by session_stop), start the guest and
 * wait up to timeout_s for the agent's READY (into s->ready, the time into s->boot_s).
 * 0, or -1 with reason; the guest is then left for session_stop either way.
 */
int session_boot(struct session *s, const struct guest_spec *spec, double timeout_s, char *reason,
                 size_t len) __attribute__((warn_unused_result));

/*
 * How long the harness waits for a job's RESULT once sent: what the agent may take (1.5 x
 * (warm-up + runtime); engine=fio or iperf3: 2 x (warm-up + runtime) plus the tool's margin,
 * protocol.h) plus SESSION_ANSWER_MARGIN_S. A peer serving the job lives 2 s less.
 */
double session_job_budget(const struct agent_job *job);

/*
 * Send job and wait for its RESULT (into *res, checked with agentmsg_check_result) under
 * session_job_budget. SESSION_OK, SESSION_FAILED or SESSION_LOST, with reason.
 */
int session_job(struct session *s, const struct agent_job *job, struct agent_result *res,
                char *reason, size_t len) __attribute__((warn_unused_result));

/* 1 while the guest runs. */
int session_alive(struct session *s);

/* Host CPU seconds the guest used so far, -1 if unknown. */
double session_cpu_seconds(struct session *s);

/*
 * A lost guest that still runs: what its process was doing and, through the backend's
 * monitor (BACKEND_CAP_MONITOR), two snapshots of its virtqueues, rings and interrupt state
 * and a verdict per queue (lostguest.h), into the agent log. About 3 s. Call before
 * session_stop.
 */
void session_log_lost(struct session *s);

/*
 * QUIT to the agent (or its channel closed, BACKEND_CAP_QUIT_ON_CLOSE), the backend's stop
 * (a grace, then force), the socket and the scratch disk removed. Safe to call twice.
 */
void session_stop(struct session *s);

#endif
