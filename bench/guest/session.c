/* One guest session: boot to READY, jobs, a lost guest, stop (session.h). */
#include "session.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "lostguest.h"
#include "registry.h"
#include "signals.h"
#include "util.h"

/* After EOF on the channel: how long QEMU may take to exit, so its exit status is known. */
#define SESSION_EXIT_WAIT_S 3.0

void session_init(struct session *s, const struct backend_ops *ops, const char *agent_log)
{
    memset(s, 0, sizeof(*s));
    s->ops = ops;
    s->who = ops && ops->process_name ? ops->process_name : "QEMU";
    s->agent = "agent";
    s->logs = "logs/";
    s->log_prefix = "";
    s->ch.fd = s->ch.listen_fd = -1;
    util_strlcpy(s->agent_log, agent_log ? agent_log : "", sizeof(s->agent_log));
}

/* The channel's abort callback: a signal, or the guest's process is gone. */
static int session_abort_cb(void *arg)
{
    struct session *s = arg;

    return signals_interrupted() || (s->started && !s->ops->alive(&s->g));
}

static void session_log_line(const struct session *s, const char *line)
{
    FILE *f = s->agent_log[0] ? fopen(s->agent_log, "ae") : NULL;

    if (f) {
        fprintf(f, "%s%s\n", s->log_prefix, line);
        fclose(f);
    }
}

/* Why the channel stopped: a signal, a process that ended, or the channel status itself. */
static void session_describe(struct session *s, int st, const char *what, double waited,
                             char *reason, size_t len)
{
    char how[128];

    if (signals_interrupted()) {
        snprintf(reason, len, "interrupted by signal %d while waiting for %s", signals_last(),
                 what);
        return;
    }
    if (s->started && st == CHAN_EOF) {
        double until = util_now() + SESSION_EXIT_WAIT_S;

        while (s->ops->alive(&s->g) && util_now() < until) {
            usleep(20000);
        }
    }
    if (s->started && !s->ops->alive(&s->g)) {
        backend_describe_exit(s->g.exit_status, how, sizeof(how));
        snprintf(reason, len, "%s %s while waiting for %s (see %s)", s->who, how, what, s->logs);
        return;
    }
    if (st == CHAN_TIMEOUT) {
        snprintf(reason, len, "timed out after %.1f s waiting for %s%s", waited, what,
                 s->ch.junk_bytes ? " (the agent was sending bytes without a newline)" : "");
        return;
    }
    snprintf(reason, len, "%s while waiting for %s", chan_status_name(st), what);
}

int session_scratch_disk(struct session *s, const char *path, const char *volume, unsigned mib,
                         char *reason, size_t len)
{
    if (volume) {
        if (!backend_can(s->ops, BACKEND_CAP_REMOTE_STORAGE)) {
            snprintf(reason, len, "backend %s keeps no storage of its own", s->ops->name);
            return -1;
        }
        s->disk_volume = 1;
        return s->ops->scratch_volume(volume, mib, s->disk, sizeof(s->disk), reason, len);
    }
    if (util_strlcpy(s->disk, path, sizeof(s->disk)) < 0) {
        s->disk[0] = '\0';
        snprintf(reason, len, "scratch disk path too long");
        return -1;
    }
    return registry_scratch_file(s->disk, mib, reason, len);
}

int session_boot(struct session *s, const struct guest_spec *spec, double timeout_s, char *reason,
                 size_t len)
{
    char line[PVB_LINE_MAX], err[256], what[96];
    struct guest_spec local;
    struct agentmsg msg;
    double t0, deadline;
    int st;

    if (util_strlcpy(s->sock, spec->control_sock, sizeof(s->sock)) < 0) {
        s->sock[0] = '\0';
        snprintf(reason, len, "control socket path too long");
        return -1;
    }
    if (registry_add(REG_FILE, s->sock, NULL) < 0 || chan_listen(&s->ch, s->sock) < 0) {
        snprintf(reason, len, "cannot create control socket %s: %s", s->sock, strerror(errno));
        return -1;
    }
    /* The monitor for a lost guest's diagnostics, beside the control socket. */
    local = *spec;
    if (backend_can(s->ops, BACKEND_CAP_MONITOR) && !local.monitor_sock &&
        util_fmt(s->monitor, sizeof(s->monitor), "%s.mon", s->sock) >= 0 &&
        registry_add(REG_FILE, s->monitor, NULL) == 0) {
        local.monitor_sock = s->monitor;
    } else {
        s->monitor[0] = '\0';
    }
    t0 = util_now();
    deadline = t0 + timeout_s;
    if (s->ops->start(&local, &s->g, reason, len) < 0) {
        return -1;
    }
    s->started = 1;
    snprintf(what, sizeof(what), "%s to connect the control channel", s->who);
    st = chan_accept(&s->ch, deadline, session_abort_cb, s);
    if (st != CHAN_LINE) {
        session_describe(s, st, what, timeout_s, reason, len);
        return -1;
    }
    for (;;) {
        st = chan_read_line(&s->ch, line, sizeof(line), deadline, session_abort_cb, s);
        if (st != CHAN_LINE) {
            session_describe(s, st, "the agent to report ready (boot)", timeout_s, reason, len);
            return -1;
        }
        if (agentmsg_parse(line, strlen(line), &msg, err, sizeof(err)) < 0) {
            /* Before READY a line may be boot noise: logged, and the deadline stands. */
            util_sanitize(line);
            session_log_line(s, line);
            continue;
        }
        if (msg.type == AGENTMSG_LOG) {
            session_log_line(s, msg.u.log);
            continue;
        }
        if (msg.type != AGENTMSG_READY) {
            snprintf(reason, len, "%s sent a message other than READY during boot", s->agent);
            return -1;
        }
        break;
    }
    s->boot_s = util_now() - t0;
    s->ready = msg.u.ready;
    return 0;
}

double session_job_budget(const struct agent_job *job)
{
    double t = (job->runtime_ms + job->warmup_ms) / 1000.0;

    /* the agent gives its tool 2 x (warm-up + runtime) + the tool's margin, then answers ERROR */
    if (job->engine && strcmp(job->engine, "fio") == 0) {
        return 2.0 * t + PVB_FIO_MARGIN_S + SESSION_ANSWER_MARGIN_S;
    }
    if (job->engine && strcmp(job->engine, "iperf3") == 0) {
        return 2.0 * t + PVB_IPERF3_MARGIN_S + SESSION_ANSWER_MARGIN_S;
    }
    return 1.5 * t + SESSION_ANSWER_MARGIN_S;
}

/*
 * The guest's KVM counters into *k: 0, or -1 when the backend has none (not KVM, an older
 * QEMU); said once per session in the agent log, a missing counter is no error.
 */
static int session_kvm_stats(struct session *s, struct kvmstats *k)
{
    char err[256] = "", line[320];

    if (!backend_can(s->ops, BACKEND_CAP_KVM_STATS) || s->kvm_stats_off) {
        return -1;
    }
    if (s->ops->kvm_stats(&s->g, k, err, sizeof(err)) == 0) {
        return 0;
    }
    s->kvm_stats_off = 1;
    if (err[0]) { /* "": not a KVM guest, nothing to say */
        snprintf(line, sizeof(line), "no KVM exit counters: %s", err);
        session_log_line(s, line);
    }
    return -1;
}

int session_job(struct session *s, const struct agent_job *job, struct agent_result *res,
                char *reason, size_t len)
{
    char line[PVB_LINE_MAX], err[256], what[96];
    double budget = session_job_budget(job), deadline;
    struct kvmstats k0, k1;
    struct agentmsg msg;
    int st, have_k;

    if (agentmsg_format_job(line, sizeof(line), job) < 0) {
        snprintf(reason, len, "cannot format job %u", job->id);
        return SESSION_FAILED;
    }
    /* KVM's exit counters around the job, where the backend has them (under KVM). */
    have_k = session_kvm_stats(s, &k0) == 0;
    st = chan_send(&s->ch, line, util_now() + SESSION_SEND_TIMEOUT_S);
    if (st != 0) {
        session_describe(s, st, "the agent to take a job", SESSION_SEND_TIMEOUT_S, reason, len);
        return SESSION_LOST;
    }
    snprintf(what, sizeof(what), "the result of job %u (%s)", job->id, job->workload);
    /* One deadline for the whole answer: no line read moves it. */
    deadline = util_now() + budget;
    for (;;) {
        st = chan_read_line(&s->ch, line, sizeof(line), deadline, session_abort_cb, s);
        if (st != CHAN_LINE) {
            session_describe(s, st, what, budget, reason, len);
            return SESSION_LOST;
        }
        if (agentmsg_parse(line, strlen(line), &msg, err, sizeof(err)) < 0) {
            util_sanitize(err);
            snprintf(reason, len, "%s sent garbage while waiting for %s: %s", s->agent, what, err);
            return SESSION_LOST;
        }
        if (msg.type == AGENTMSG_LOG) {
            session_log_line(s, msg.u.log);
            continue;
        }
        if (msg.type == AGENTMSG_ERROR) {
            util_sanitize(msg.u.error.reason);
            snprintf(reason, len, "%s: %s", s->agent, msg.u.error.reason);
            return SESSION_FAILED;
        }
        if (msg.type == AGENTMSG_RESULT && msg.u.result.job == job->id) {
            break;
        }
        snprintf(reason, len, "%s answered out of turn while waiting for %s", s->agent, what);
        return SESSION_LOST;
    }
    if (agentmsg_check_result(&msg.u.result, job, err, sizeof(err)) < 0) {
        util_sanitize(err);
        snprintf(reason, len, "implausible result for %s: %s", job->workload, err);
        return SESSION_FAILED;
    }
    *res = msg.u.result;
    if (have_k && session_kvm_stats(s, &k1) == 0) {
        kvmstats_delta(&k0, &k1, &res->kvm);
        res->kvm_valid = 1;
    }
    return SESSION_OK;
}

int session_alive(struct session *s)
{
    return s->started && s->ops->alive(&s->g);
}

double session_cpu_seconds(struct session *s)
{
    return s->started ? s->ops->cpu_seconds(&s->g) : -1;
}

/* lostguest_monitor_fn over the session's backend. */
static int session_monitor_cb(void *arg, const char *cmd, json_object *args, json_object **ret,
                              char *err, size_t errlen)
{
    struct session *s = arg;

    return s->ops->monitor(&s->g, cmd, args, ret, util_now() + SESSION_MONITOR_TIMEOUT_S, err,
                           errlen);
}

void session_log_lost(struct session *s)
{
    FILE *f;

    if (!session_alive(s) || !s->agent_log[0] || !(f = fopen(s->agent_log, "ae"))) {
        return;
    }
    lostguest_report(f, s->g.pid, s->who,
                     backend_can(s->ops, BACKEND_CAP_MONITOR) ? session_monitor_cb : NULL, s,
                     SESSION_LOST_SNAPSHOT_GAP_S);
    fclose(f);
}

void session_stop(struct session *s)
{
    char quit[32];

    if (s->started) {
        if (backend_can(s->ops, BACKEND_CAP_QUIT_ON_CLOSE)) {
            chan_close(&s->ch);
        } else if (s->ch.fd >= 0 && s->ops->alive(&s->g)) {
            snprintf(quit, sizeof(quit), "%s %s\n", PVB_PROTO_TAG, PVB_MSG_QUIT);
            chan_send(&s->ch, quit, util_now() + 1.0);
        }
        s->ops->stop(&s->g, SESSION_QUIT_GRACE_S);
        s->started = 0;
    }
    chan_close(&s->ch);
    if (s->monitor[0]) {
        unlink(s->monitor);
        registry_forget(REG_FILE, s->monitor);
        s->monitor[0] = '\0';
    }
    if (s->sock[0]) {
        unlink(s->sock);
        registry_forget(REG_FILE, s->sock);
        s->sock[0] = '\0';
    }
    if (s->disk[0] && s->disk_volume) {
        s->ops->volume_delete(s->disk);
    } else if (s->disk[0]) {
        unlink(s->disk);
        registry_forget(REG_FILE, s->disk);
    }
    s->disk[0] = '\0';
    s->disk_volume = 0;
}
