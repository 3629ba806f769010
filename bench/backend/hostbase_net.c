/*
 * The network half of the bare-host baseline: the agent itself as a host process in a
 * namespace of its own, against the run's host peer. See hostbase_net.h.
 */
#include "hostbase_net.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "metric.h"
#include "progress.h"
#include "registry.h"
#include "run.h"
#include "util.h"

#ifndef PVB_DATADIR
#define PVB_DATADIR "."
#endif

#define HOSTBASE_NET_SEND_TIMEOUT_S 5.0
#define HOSTBASE_NET_QUIT_GRACE_S 2.0
/* irq= is required on the wire; no line of the host's /proc/interrupts is the client's */
#define HOSTBASE_NET_NO_IRQ "pvbench-host-none"

/* ---- the agent process ------------------------------------------------------------------ */

int hostbase_net_find_agent(char *path, size_t len, char *reason, size_t rlen)
{
    const char *env = getenv(HOSTBASE_NET_AGENT_ENV);

    if (env && *env) {
        util_strlcpy(path, env, len);
    } else if (util_fmt(path, len, "%s/guest-agent/pvbench-agent", PVB_DATADIR) < 0) {
        util_seterr(reason, rlen, "agent path too long");
        return -1;
    }
    if (access(path, X_OK) < 0) {
        util_seterr(reason, rlen,
                    "no agent binary to run on the host (%s: %s; `make` builds it, "
                    "$%s names another)",
                    path, strerror(errno), HOSTBASE_NET_AGENT_ENV);
        return -1;
    }
    return 0;
}

/* Child side: die with the harness, enter the namespace, log to log, exec the agent. */
static void hostbase_net_child(pid_t parent, const char *agent, const char *netns_path,
                               const char *log, const char *sock)
{
    sigset_t none;
    int fd;

    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) {
        _exit(1);
    }
    setpgid(0, 0); /* Ctrl-C reaches the harness, which stops the agent */
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd >= 0) {
        dup2(fd, 1);
        dup2(fd, 2);
    }
    fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        dup2(fd, 0);
    }
    close_range(3, ~0u, 0); /* nothing of the harness: guests' sockets, logs */
    fd = open(netns_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || setns(fd, CLONE_NEWNET) < 0) {
        fprintf(stderr, "pvbench: cannot enter %s: %s\n", netns_path, strerror(errno));
        _exit(126);
    }
    close(fd);
    execl(agent, "pvbench-agent", sock, (char *)NULL);
    fprintf(stderr, "pvbench: cannot run %s: %s\n", agent, strerror(errno));
    _exit(127);
}

/* The agent was reaped: forget its registry entry. */
static void hostbase_net_forget(struct hostbase_net *h)
{
    char id[32];

    snprintf(id, sizeof(id), "%d", (int)h->pid);
    registry_forget(REG_PROC, id);
    h->pid = -1;
}

/* chan's abort callback: a signal, or the agent is gone. */
static int hostbase_net_abort_cb(void *arg)
{
    struct hostbase_net *h = arg;
    int status;

    if (run_interrupted()) {
        return 1;
    }
    if (h->pid > 0 && waitpid(h->pid, &status, WNOHANG) == h->pid) {
        hostbase_net_forget(h);
    }
    return h->pid <= 0;
}

/* Why the channel stopped, for a reason string. */
static void hostbase_net_chan_reason(const struct hostbase_net *h, int st, const char *what,
                                     char *reason, size_t len)
{
    if (run_interrupted()) {
        util_seterr(reason, len, "interrupted while waiting for %s", what);
    } else if (h->pid <= 0) {
        util_seterr(reason, len, "the agent on the host exited while waiting for %s (see %s)", what,
                    h->log);
    } else {
        util_seterr(reason, len, "%s while waiting for %s from the agent on the host",
                    chan_status_name(st), what);
    }
}

/* Agent LOG lines into its log file, after its own output. */
static void hostbase_net_log(const struct hostbase_net *h, const char *text)
{
    FILE *f = fopen(h->log, "ae");

    if (f) {
        fprintf(f, "LOG %s\n", text);
        fclose(f);
    }
}

int hostbase_net_start(struct hostbase_net *h, const char *agent, const char *netns_path,
                       const char *log, char *reason, size_t len)
{
    char line[PVB_LINE_MAX], err[256];
    struct agentmsg msg;
    pid_t parent = getpid();
    double deadline;
    int st;

    memset(h, 0, sizeof(*h));
    h->pid = -1;
    h->ch.fd = h->ch.listen_fd = -1;
    h->job_seq = HOSTBASE_NET_JOB_BASE;
    util_strlcpy(h->log, log, sizeof(h->log));
    if (util_fmt(h->sock, sizeof(h->sock), "%s/ctl-host.sock", registry_dir()) < 0) {
        util_seterr(reason, len, "state folder path too long");
        h->sock[0] = '\0';
        return -1;
    }
    if (registry_add(REG_FILE, h->sock, NULL) < 0 || chan_listen(&h->ch, h->sock) < 0) {
        util_seterr(reason, len, "cannot create control socket %s: %s", h->sock, strerror(errno));
        goto fail;
    }
    h->pid = fork();
    if (h->pid < 0) {
        util_seterr(reason, len, "fork: %s", strerror(errno));
        goto fail;
    }
    if (h->pid == 0) {
        hostbase_net_child(parent, agent, netns_path, log, h->sock);
    }
    if (registry_add_proc(h->pid) < 0) {
        log_warn("cannot register the agent on the host (pid %d): %s", (int)h->pid,
                 strerror(errno));
    }
    deadline = util_now() + HOSTBASE_NET_START_TIMEOUT_S;
    st = chan_accept(&h->ch, deadline, hostbase_net_abort_cb, h);
    if (st != CHAN_LINE) {
        hostbase_net_chan_reason(h, st, "a connection", reason, len);
        goto fail;
    }
    for (;;) {
        st = chan_read_line(&h->ch, line, sizeof(line), deadline, hostbase_net_abort_cb, h);
        if (st != CHAN_LINE) {
            hostbase_net_chan_reason(h, st, "READY", reason, len);
            goto fail;
        }
        if (agentmsg_parse(line, strlen(line), &msg, err, sizeof(err)) < 0) {
            util_sanitize(err);
            util_seterr(reason, len, "the agent on the host sent garbage: %s", err);
            goto fail;
        }
        if (msg.type == AGENTMSG_LOG) {
            hostbase_net_log(h, msg.u.log);
            continue;
        }
        if (msg.type != AGENTMSG_READY) {
            util_seterr(reason, len, "the agent on the host sent a message other than READY");
            goto fail;
        }
        break;
    }
    return 0;
fail:
    hostbase_net_stop(h);
    return -1;
}

/* Wait up to grace_s for our child to exit; 1 if it did (and was reaped). */
static int hostbase_net_reaped(pid_t pid, double grace_s)
{
    double deadline = util_now() + grace_s;
    pid_t w;

    for (;;) {
        w = waitpid(pid, NULL, WNOHANG);
        if (w == pid || (w < 0 && errno == ECHILD)) {
            return 1;
        }
        if (util_now() >= deadline) {
            return 0;
        }
        usleep(20000);
    }
}

void hostbase_net_stop(struct hostbase_net *h)
{
    if (h->pid > 0) {
        /* Off PID 1 the agent exits when its channel closes; no QUIT, whose sync() would
         * flush the whole host's file systems. */
        chan_close(&h->ch);
        /* our own child, not reaped yet: its pid cannot belong to anyone else */
        if (!hostbase_net_reaped(h->pid, HOSTBASE_NET_QUIT_GRACE_S)) {
            kill(h->pid, SIGTERM);
            if (!hostbase_net_reaped(h->pid, 1.0)) {
                kill(h->pid, SIGKILL);
                waitpid(h->pid, NULL, 0);
            }
        }
        hostbase_net_forget(h);
    }
    chan_close(&h->ch);
    if (h->sock[0]) {
        unlink(h->sock);
        registry_forget(REG_FILE, h->sock);
        h->sock[0] = '\0';
    }
}

/* ---- jobs ------------------------------------------------------------------------------- */

int hostbase_net_job(struct hostbase_net *h, struct peer *peer, const struct workload *w,
                     unsigned runtime_ms, unsigned warmup_ms, struct agent_result *a,
                     struct peer_report *p, char *reason, size_t len)
{
    char line[PVB_LINE_MAX], err[256], what[96];
    struct agent_job job;
    struct peer_job pj;
    struct agentmsg msg;
    double budget, deadline;
    int st;

    memset(&job, 0, sizeof(job));
    job.id = ++h->job_seq;
    job.workload = w->name;
    job.kind = devmodel_kind_name(w->kind);
    job.rw = w->rw;
    job.bs = w->bs;
    job.qd = w->qd;
    job.runtime_ms = runtime_ms;
    job.warmup_ms = warmup_ms;
    job.irq = HOSTBASE_NET_NO_IRQ;
    job.fault = "none";
    job.peer = PVB_NET_PEER_ADDR;
    job.port = PVB_NET_PORT;
    if (agentmsg_format_job(line, sizeof(line), &job) < 0) {
        util_seterr(reason, len, "cannot format job %u", job.id);
        return -1;
    }
    /* the guests' budget (run.c): runtime plus warm-up, plus a margin to set up and answer */
    budget = (runtime_ms + warmup_ms) / 1000.0 * 1.5 + 15.0;
    memset(&pj, 0, sizeof(pj));
    pj.id = job.id;
    pj.workload = peer_workload_parse(w->rw);
    pj.port = job.port;
    pj.runtime_ms = runtime_ms;
    pj.warmup_ms = warmup_ms;
    pj.life_ms = (unsigned)((budget - 2.0) * 1000.0);
    if (peer_job_begin(peer, &pj, err, sizeof(err)) < 0) {
        util_seterr(reason, len, "%s", err);
        return -1;
    }
    st = chan_send(&h->ch, line, util_now() + HOSTBASE_NET_SEND_TIMEOUT_S);
    if (st != 0) {
        peer_job_abort(peer);
        hostbase_net_chan_reason(h, st, "the job to be taken", reason, len);
        return -1;
    }
    snprintf(what, sizeof(what), "the result of job %u (%s)", job.id, w->name);
    deadline = util_now() + budget;
    for (;;) {
        st = chan_read_line(&h->ch, line, sizeof(line), deadline, hostbase_net_abort_cb, h);
        if (st != CHAN_LINE) {
            peer_job_abort(peer);
            hostbase_net_chan_reason(h, st, what, reason, len);
            return -1;
        }
        if (agentmsg_parse(line, strlen(line), &msg, err, sizeof(err)) < 0) {
            peer_job_abort(peer);
            util_sanitize(err);
            util_seterr(reason, len, "the agent on the host sent garbage: %s", err);
            return -1;
        }
        if (msg.type == AGENTMSG_LOG) {
            hostbase_net_log(h, msg.u.log);
            continue;
        }
        if (msg.type == AGENTMSG_ERROR) {
            peer_job_abort(peer);
            util_sanitize(msg.u.error.reason);
            util_seterr(reason, len, "agent on the host: %s", msg.u.error.reason);
            return -1;
        }
        if (msg.type == AGENTMSG_RESULT && msg.u.result.job == job.id) {
            break;
        }
        peer_job_abort(peer);
        util_seterr(reason, len, "the agent on the host answered out of turn (job %u)", job.id);
        return -1;
    }
    *a = msg.u.result;
    if (peer_job_end(peer, p, PEER_END_GRACE_MS / 1000.0 + 3.0, err, sizeof(err)) < 0) {
        util_seterr(reason, len, "%s", err);
        return -1;
    }
    if (!p->ok) {
        util_seterr(reason, len, "host peer: %s", p->reason);
        return -1;
    }
    if (peer_check(peer_workload_parse(w->rw), a, p, err, sizeof(err)) < 0) {
        util_seterr(reason, len, "the two ends disagree: %s", err);
        return -1;
    }
    if (agentmsg_check_result(a, &job, err, sizeof(err)) < 0) {
        util_sanitize(err);
        util_seterr(reason, len, "implausible result for %s: %s", w->name, err);
        return -1;
    }
    return 0;
}

/* ---- samples ---------------------------------------------------------------------------- */

int hostbase_net_record(struct sample_set *samples, const struct workload *w, unsigned rep,
                        const struct agent_result *a, const struct peer_report *p)
{
    /* the receiving side's numbers; the CPU split is the whole host's, loss no ratio */
    static const char *const keep[] = {"throughput_mbit_s", "transactions_s", "pps",
                                       "lat_mean_us",       "lat_p50_us",     "lat_p90_us",
                                       "lat_p99_us",        "lat_p999_us",    "lat_max_us"};
    struct peer_metric m[PEER_METRICS_MAX];
    const struct metric *md;
    struct sample s;
    unsigned n, i, k;

    n = peer_metrics(peer_workload_parse(w->rw), a, p, -1.0, 1, m, PEER_METRICS_MAX);
    for (i = 0; i < n; i++) {
        for (k = 0; k < sizeof(keep) / sizeof(keep[0]); k++) {
            if (strcmp(m[i].name, keep[k]) == 0) {
                break;
            }
        }
        if (k == sizeof(keep) / sizeof(keep[0]) || !isfinite(m[i].value) || m[i].value < 0) {
            continue;
        }
        md = metric_find(m[i].name);
        memset(&s, 0, sizeof(s));
        util_strlcpy(s.config, HOSTBASE_CONFIG, sizeof(s.config));
        util_strlcpy(s.device, HOSTBASE_CONFIG, sizeof(s.device));
        util_strlcpy(s.class_, HOSTBASE_CONFIG, sizeof(s.class_));
        util_strlcpy(s.kind, devmodel_kind_name(DEVMODEL_NET), sizeof(s.kind));
        util_strlcpy(s.workload, w->name, sizeof(s.workload));
        util_strlcpy(s.metric, m[i].name, sizeof(s.metric));
        util_strlcpy(s.unit, md ? md->unit : "", sizeof(s.unit));
        s.rep = rep;
        s.value = m[i].value;
        if (samples_add(samples, &s) < 0) {
            return -1;
        }
    }
    return 0;
}

bool hostbase_net_has_work(const struct scenario *s, const struct sample_set *samples)
{
    return hostbase_kind_has_work(s, DEVMODEL_NET, samples);
}

unsigned hostbase_net_count_jobs(const struct scenario *s, const struct sample_set *samples)
{
    return hostbase_kind_count_jobs(s, DEVMODEL_NET, s->warmup_jobs, samples);
}

int hostbase_net_open(struct hostbase_net *h, struct netns_topo *t, const char *log,
                      char *reason, size_t len)
{
    char agent[PATH_MAX], err[512];

    if (hostbase_net_find_agent(agent, sizeof(agent), reason, len) < 0) {
        return 1;
    }
    progress_status("host baseline: the agent in a namespace of its own");
    if (netns_add_host(t, NULL, err, sizeof(err)) < 0) {
        util_seterr(reason, len, "cannot create the host client's namespace: %s", err);
        return -1;
    }
    if (hostbase_net_start(h, agent, t->host_netns_path, log, err, sizeof(err)) < 0) {
        util_seterr(reason, len, "%s", err);
        return -1;
    }
    log_info("host baseline: %s as a host process in namespace %s (%s), against the host peer",
             agent, t->host_netns, NETNS_HOST_ADDR);
    return 0;
}

int hostbase_net_rep(struct hostbase_net *h, struct peer *peer, const struct scenario *s,
                     const struct workload *w, unsigned rep, struct sample_set *samples,
                     hostbase_save_fn save, void *arg, char *reason, size_t len)
{
    struct agent_result a;
    struct peer_report p;
    char err[512];
    double t0;

    if (w->kind != DEVMODEL_NET ||
        (rep > 0 && samples_has_cell(samples, HOSTBASE_CONFIG, w->name, rep)) ||
        (rep == 0 && !hostbase_wl_has_work(s, w, DEVMODEL_NET, samples))) {
        return 0;
    }
    progress_job(HOSTBASE_CONFIG, w->name, rep, s->repetitions);
    t0 = util_now();
    if (hostbase_net_job(h, peer, w, (unsigned)(s->runtime_s * 1000.0 + 0.5),
                         (unsigned)(s->warmup_s * 1000.0 + 0.5), &a, &p, err, sizeof(err)) < 0) {
        progress_job_done(util_now() - t0);
        util_seterr(reason, len, "%s rep %u: %s", w->name, rep, err);
        return -1;
    }
    progress_job_done(util_now() - t0);
    if (rep == 0) {
        return 0;
    }
    if (hostbase_net_record(samples, w, rep, &a, &p) < 0) {
        util_seterr(reason, len, "out of memory");
        return -1;
    }
    if (save && save(arg) != 0) {
        util_seterr(reason, len, "cannot save the samples");
        return -1;
    }
    return 0;
}

int hostbase_net_run(const struct scenario *s, struct netns_topo *t, struct peer *peer,
                     const char *log, struct sample_set *samples, hostbase_save_fn save, void *arg,
                     char *reason, size_t len)
{
    struct hostbase_net h;
    int rc;

    if (!hostbase_net_has_work(s, samples)) {
        return 0;
    }
    if ((rc = hostbase_net_open(&h, t, log, reason, len)) != 0) {
        return rc;
    }
    for (unsigned wi = 0; wi < s->n_workloads && rc == 0; wi++) {
        const struct workload *w = s->workloads[wi];

        if (!hostbase_wl_has_work(s, w, DEVMODEL_NET, samples)) {
            continue;
        }
        /* rep 0: the guests' uncounted warm-up jobs (warmup_jobs of them) */
        for (unsigned rep = s->warmup_jobs ? 0 : 1; rep <= s->repetitions && rc == 0; rep++) {
            for (unsigned k = 0; k < (rep == 0 ? s->warmup_jobs : 1) && rc == 0; k++) {
                if (run_interrupted()) {
                    util_seterr(reason, len, "interrupted");
                    rc = -1;
                } else {
                    rc = hostbase_net_rep(&h, peer, s, w, rep, samples, save, arg, reason, len);
                }
            }
        }
    }
    hostbase_net_stop(&h);
    progress_clear();
    return rc;
}
