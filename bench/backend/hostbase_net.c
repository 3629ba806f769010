/*
 * The network half of the bare-host baseline: the agent itself as a host process in a
 * namespace of its own, against the run's host peer. See hostbase_net.h.
 */
#include "hostbase_net.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "paths.h"
#include "progress.h"
#include "record.h"
#include "registry.h"
#include "signals.h"
#include "util.h"

#define HOSTBASE_NET_QUIT_GRACE_S 2.0
/* irq= is required on the wire; no line of the host's /proc/interrupts is the client's */
#define HOSTBASE_NET_NO_IRQ "pvbench-host-none"

/* ---- the agent process ------------------------------------------------------------------ */

int hostbase_net_find_agent(char *path, size_t len, char *reason, size_t rlen)
{
    if (util_strlcpy(path, paths_agent(), len) < 0) {
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

void hostbase_net_exec(pid_t parent, const char *netns_path, const char *log,
                       char *const argv[])
{
    sigset_t none;
    int fd;

    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) {
        _exit(1);
    }
    setpgid(0, 0); /* Ctrl-C reaches the harness, which stops the child */
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
    signal(SIGPIPE, SIG_DFL);
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
    if (netns_path) {
        fd = open(netns_path, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || setns(fd, CLONE_NEWNET) < 0) {
            fprintf(stderr, "pvbench: cannot enter %s: %s\n", netns_path, strerror(errno));
            _exit(126);
        }
        close(fd);
    }
    execvp(argv[0], argv);
    fprintf(stderr, "pvbench: cannot run %s: %s\n", argv[0], strerror(errno));
    _exit(127);
}

/* Our own child, reaped: forget its registry entry. */
static void hostbase_net_forget(pid_t pid)
{
    char id[32];

    snprintf(id, sizeof(id), "%d", (int)pid);
    registry_forget(REG_PROC, id);
}

/* Wait up to grace_s for our child to exit; 1 if it did (reaped, status kept). */
static int hostbase_net_reaped(struct guest *g, double grace_s)
{
    double deadline = util_now() + grace_s;
    int status = 0;
    pid_t w;

    while (!g->exited) {
        w = waitpid(g->pid, &status, WNOHANG);
        if (w == g->pid || (w < 0 && errno == ECHILD)) {
            g->exited = 1;
            g->exit_status = status;
            hostbase_net_forget(g->pid);
            break;
        }
        if (util_now() >= deadline) {
            return 0;
        }
        usleep(20000);
    }
    return 1;
}

/* The session's start: fork, and the child becomes the agent in spec->netns_path. */
static int hostbase_net_proc_start(const struct guest_spec *spec, struct guest *g, char *err,
                                   size_t errlen)
{
    pid_t parent = getpid();

    memset(g, 0, sizeof(*g));
    g->pid = fork();
    if (g->pid < 0) {
        util_seterr(err, errlen, "fork: %s", strerror(errno));
        g->pid = 0;
        return -1;
    }
    if (g->pid == 0) {
        char *argv[] = {(char *)spec->qemu_binary, (char *)spec->control_sock, NULL};

        hostbase_net_exec(parent, spec->netns_path, spec->qemu_log, argv);
    }
    if (registry_add_proc(g->pid) < 0) {
        log_warn("cannot register the agent on the host (pid %d): %s", (int)g->pid,
                 strerror(errno));
    }
    return 0;
}

/* No QEMU: the client's CPU is not measured (the host's /proc/stat is everyone's). */
static double hostbase_net_proc_cpu(struct guest *g)
{
    return -1;
}

static int hostbase_net_proc_alive(struct guest *g)
{
    return g->pid > 0 && !hostbase_net_reaped(g, 0);
}

/* Its channel is closed already (it exits then): a moment to exit, then SIGTERM, SIGKILL. */
static void hostbase_net_proc_stop(struct guest *g, double grace_s)
{
    if (g->pid <= 0) {
        return;
    }
    /* our own child, not reaped yet: its pid cannot belong to anyone else */
    if (grace_s > HOSTBASE_NET_QUIT_GRACE_S) {
        grace_s = HOSTBASE_NET_QUIT_GRACE_S;
    }
    if (!hostbase_net_reaped(g, grace_s)) {
        kill(g->pid, SIGTERM);
        if (!hostbase_net_reaped(g, 1.0)) {
            kill(g->pid, SIGKILL);
            hostbase_net_reaped(g, 60.0);
        }
    }
}

/* The agent as a host process, behind the interface the guest session drives. */
static const struct backend_ops hostbase_net_ops = {
    .name = "host",
    .process_name = "the agent on the host",
    /* Off PID 1 the agent exits when its channel closes; no QUIT, whose sync() would flush
     * the whole host's file systems. */
    .caps = BACKEND_CAP_QUIT_ON_CLOSE,
    .start = hostbase_net_proc_start,
    .cpu_seconds = hostbase_net_proc_cpu,
    .alive = hostbase_net_proc_alive,
    .stop = hostbase_net_proc_stop,
};

int hostbase_net_start(struct hostbase_net *h, const char *agent, const char *netns_path,
                       const char *log, char *reason, size_t len)
{
    struct guest_spec spec;
    char sock[PATH_MAX];

    memset(h, 0, sizeof(*h));
    h->job_seq = HOSTBASE_NET_JOB_BASE;
    util_strlcpy(h->log, log, sizeof(h->log));
    session_init(&h->s, &hostbase_net_ops, log);
    h->s.agent = hostbase_net_ops.process_name; /* the process is the agent itself */
    h->s.logs = h->log;
    h->s.log_prefix = "LOG ";
    if (backend_check_ops(&hostbase_net_ops) < 0) {
        util_seterr(reason, len, "the host agent's ops table is incomplete");
        return -1;
    }
    if (util_fmt(sock, sizeof(sock), "%s/ctl-host.sock", registry_dir()) < 0) {
        util_seterr(reason, len, "state folder path too long");
        return -1;
    }
    memset(&spec, 0, sizeof(spec));
    spec.name = HOSTBASE_CONFIG;
    spec.qemu_binary = agent;
    spec.qemu_log = log;
    spec.control_sock = sock;
    spec.netns_path = netns_path;
    if (session_boot(&h->s, &spec, HOSTBASE_NET_START_TIMEOUT_S, reason, len) < 0) {
        hostbase_net_stop(h);
        return -1;
    }
    return 0;
}

void hostbase_net_stop(struct hostbase_net *h)
{
    session_stop(&h->s);
}

/* ---- jobs ------------------------------------------------------------------------------- */

int hostbase_net_job(struct hostbase_net *h, struct peer *peer, const struct workload *w,
                     unsigned runtime_ms, unsigned warmup_ms, struct agent_result *a,
                     struct peer_report *p, char *reason, size_t len)
{
    char err[256];
    struct agent_job job;
    struct peer_job pj;

    memset(&job, 0, sizeof(job));
    job.id = ++h->job_seq;
    job.workload = w->name;
    job.kind = devmodel_kind_name(w->kind);
    job.rw = w->rw;
    job.bs = w->bs;
    job.qd = w->qd;
    job.streams = w->streams;
    job.runtime_ms = runtime_ms;
    job.warmup_ms = warmup_ms;
    job.irq = HOSTBASE_NET_NO_IRQ;
    job.fault = "none";
    job.peer = PVB_NET_PEER_ADDR;
    job.port = PVB_NET_PORT;
    memset(&pj, 0, sizeof(pj));
    pj.id = job.id;
    pj.workload = peer_workload_parse(w->rw);
    pj.port = job.port;
    pj.runtime_ms = runtime_ms;
    pj.warmup_ms = warmup_ms;
    pj.streams = job.streams;
    pj.life_ms = (unsigned)((session_job_budget(&job) - 2.0) * 1000.0);
    if (peer_job_begin(peer, &pj, err, sizeof(err)) < 0) {
        util_seterr(reason, len, "%s", err);
        return -1;
    }
    if (session_job(&h->s, &job, a, reason, len) != SESSION_OK) {
        peer_job_abort(peer);
        return -1;
    }
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
    return 0;
}

/* ---- samples ---------------------------------------------------------------------------- */

int hostbase_net_record(struct sample_set *samples, const struct workload *w, unsigned rep,
                        const struct agent_result *a, const struct peer_report *p)
{
    const struct record_target t = {
        .config = HOSTBASE_CONFIG,
        .device = HOSTBASE_CONFIG,
        .class_ = HOSTBASE_CONFIG,
        .kind = DEVMODEL_NET,
    };

    return record_net(samples, &t, w, rep, a, p, NULL);
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
    if (hostbase_net_job(h, peer, w, (unsigned)(scenario_runtime_s(s, w) * 1000.0 + 0.5),
                         (unsigned)(scenario_warmup_s(s, w) * 1000.0 + 0.5), &a, &p, err,
                         sizeof(err)) < 0) {
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
                if (signals_interrupted()) {
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
