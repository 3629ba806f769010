/*
 * `pvbench selftest`: the agent against fio in the same guest, on the same disk, with the
 * same parameters; and the agent's network client against iperf3 in the same guest, on the
 * same NIC, against the same namespace (selftest.h). A separate command with its own small
 * guest lifecycle, built from the same blocks as `pvbench run` (backend, chan, agentmsg,
 * registry, netns, peer), so it never depends on the run loop.
 *
 * Order of jobs: per workload, one uncounted warm-up job per engine, then N repetitions,
 * the engines alternating which goes first (agent-fio, fio-agent, ...), so a drift of the
 * host (another tenant, a thermal limit) hits both alike.
 *
 * The network part boots a second guest (virtio-net, the same fio image, which carries
 * iperf3) on the run's own test network (netns.h): the host peer (peer.c) and an iperf3
 * server run side by side in its namespace, at PVB_NET_PEER_ADDR, ports PVB_NET_PORT and
 * PVB_IPERF3_PORT; the agent's tcp_tx and tcp_rx go to the peer, iperf3's client (the
 * agent's engine=iperf3) to the server. Both report the receiving side's count.
 */
#include "selftest.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "agentmsg.h"
#include "backend.h"
#include "devmodel.h"
#include "exitcode.h"
#include "hostbase.h"
#include "hostbase_net.h"
#include "log.h"
#include "netns.h"
#include "paths.h"
#include "peer.h"
#include "progress.h"
#include "record.h"
#include "registry.h"
#include "results.h"
#include "run.h"
#include "session.h"
#include "signals.h"
#include "stats.h"
#include "util.h"
#include "workload.h"

#define SELFTEST_MAX_WL 8
#define SELFTEST_BOOT_TIMEOUT_S 180.0
#define SELFTEST_MEMORY_MIB 512
#define SELFTEST_DEFAULT_WL "randread,randread_qd1,seqread,seqwrite,tcp_tx,tcp_rx"
/* the reference tool of a row is in the last column (fio or iperf3) */
#define SELFTEST_CSV_HEADER                                                                        \
    "workload,metric,goal,n_agent,n_reference,agent_median,reference_median,ratio,ci95_low,"       \
    "ci95_high,met,reference"
#define SELFTEST_IPERF3_START_S 5.0

/* Per kind of workload: the engines, the first the agent's own. */
static const char *const selftest_engines[] = {"agent", "fio"};
static const char *const selftest_net_engines[] = {"agent", "iperf3"};

struct selftest_opts {
    unsigned reps;
    double runtime_s, warmup_s;
    unsigned disk_mib;
    const char *workloads;
    const char *image_dir;
    const char *qemu;
    const char *accel;
    const char *out_dir;
    int host_only;
};

struct selftest {
    struct selftest_opts o;
    const struct workload *wl[SELFTEST_MAX_WL];
    unsigned n_wl;
    char out_dir[PATH_MAX];
    char logs_dir[PATH_MAX + 8];
    char kernel[PATH_MAX];
    char initrd[PATH_MAX];
    char accel[8];
    char agent_log[PATH_MAX + 32];
    /* the guest */
    const struct backend_ops *backend;
    struct session s;
    unsigned job_seq;
    /* config = engine ("agent", "fio", "iperf3") or "host" */
    struct sample_set samples;
    /* the network part: test network, host peer, iperf3 server, whole-second jobs */
    struct netns_topo net;
    int net_made;
    struct peer peer;
    pid_t iperf3_pid;
    unsigned net_runtime_ms, net_warmup_ms;
    char vhost[8];
    char iperf3_version[64];
};

static unsigned selftest_count_kind(const struct selftest *t, enum devmodel_kind kind)
{
    unsigned i, n = 0;

    for (i = 0; i < t->n_wl; i++) {
        n += t->wl[i]->kind == kind;
    }
    return n;
}

/* ---- pure parts ---------------------------------------------------------------------------- */

int selftest_compare(const double *agent, size_t na, const double *fio, size_t nf,
                     enum selftest_goal goal, struct selftest_row *row)
{
    row->n_agent = (unsigned)na;
    row->n_ref = (unsigned)nf;
    row->goal = goal;
    row->met = 0;
    if (na == 0 || nf == 0) {
        return -1;
    }
    row->agent = stats_median(agent, na);
    row->ref = stats_median(fio, nf);
    if (stats_ratio(agent, na, fio, nf, STATS_DEFAULT_SEED, &row->ratio, &row->low, &row->high) <
        0) {
        return -1;
    }
    switch (goal) {
    case SELFTEST_GOAL_NONE:
        row->met = 1;
        break;
    case SELFTEST_GOAL_AT_LEAST:
        row->met = row->ratio >= SELFTEST_MIN_RATIO;
        break;
    case SELFTEST_GOAL_WITHIN:
        row->met = fabs(row->ratio - 1.0) <= SELFTEST_LAT_TOL + 1e-12;
        break;
    }
    return 0;
}

enum selftest_goal selftest_goal_of(unsigned qd, unsigned bs, const char *metric)
{
    int seq = bs >= 64u * 1024;

    if (strcmp(metric, "throughput_mbit_s") == 0) {
        return SELFTEST_GOAL_AT_LEAST; /* agent/iperf3 of the streams */
    }
    if (strcmp(metric, "iops") == 0 && !seq) {
        return SELFTEST_GOAL_AT_LEAST;
    }
    if (strcmp(metric, "throughput_mib_s") == 0 && seq) {
        return SELFTEST_GOAL_AT_LEAST;
    }
    if (strcmp(metric, "lat_mean_us") == 0 && qd == 1) {
        return SELFTEST_GOAL_WITHIN;
    }
    return SELFTEST_GOAL_NONE;
}

static const char *selftest_goal_text(enum selftest_goal g)
{
    switch (g) {
    case SELFTEST_GOAL_AT_LEAST:
        return ">= 0.95";
    case SELFTEST_GOAL_WITHIN:
        return "1 +- 0.05";
    case SELFTEST_GOAL_NONE:
        break;
    }
    return "-";
}

/* ---- samples ------------------------------------------------------------------------------- */

/* The samples of engine's jobs: configuration engine, the part's device, one vCPU. */
static struct record_target selftest_target(const char *engine, enum devmodel_kind kind)
{
    struct record_target t = {
        .config = engine,
        .device = kind == DEVMODEL_NET ? "virtio-net" : "virtio-blk",
        .class_ = devmodel_class_name(DEVMODEL_PARAVIRTUAL),
        .kind = kind,
        .vcpus = 1,
    };

    return t;
}

/* Values of config x workload x metric (malloc'ed, *n of them). */
static double *selftest_values(const struct selftest *t, const char *config, const char *workload,
                               const char *metric, size_t *n)
{
    double *v = malloc((t->samples.n + 1) * sizeof(*v));
    size_t i;

    *n = 0;
    if (!v) {
        return NULL;
    }
    for (i = 0; i < t->samples.n; i++) {
        const struct sample *s = &t->samples.v[i];

        if (strcmp(s->config, config) == 0 && strcmp(s->workload, workload) == 0 &&
            strcmp(s->metric, metric) == 0) {
            v[(*n)++] = s->value;
        }
    }
    return v;
}

static int selftest_save(void *arg)
{
    struct selftest *t = arg;
    char path[PATH_MAX + 16];

    snprintf(path, sizeof(path), "%s/samples.csv", t->out_dir);
    if (samples_write_csv(path, &t->samples) < 0) {
        log_err("cannot write %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* ---- the guest ----------------------------------------------------------------------------- */

/*
 * Boot the guest of one part: dut virtio-blk (a scratch disk) or virtio-net (the test
 * network's tap; selftest_net_up first), with the fio image, and wait for READY.
 */
static int selftest_boot(struct selftest *t, const char *accel, const struct devmodel *dut,
                         char *reason, size_t len)
{
    char name[64], console[PATH_MAX + 32], qemulog[PATH_MAX + 32];
    char sock[PATH_MAX], disk[PATH_MAX], cmdline[256], addr[32] = "", mac[32] = "";
    const char *part = dut->kind == DEVMODEL_NET ? "selftest-net" : "selftest";
    const struct agent_ready *ready = &t->s.ready;
    struct guest_spec spec;
    int net = dut->kind == DEVMODEL_NET;

    session_init(&t->s, t->backend, t->agent_log);
    t->s.logs = t->logs_dir;
    snprintf(name, sizeof(name), "pvb-%s-%s", registry_run_id(), part);
    snprintf(console, sizeof(console), "%s/%s-console.log", t->logs_dir, part);
    snprintf(qemulog, sizeof(qemulog), "%s/%s-qemu.log", t->logs_dir, part);
    snprintf(cmdline, sizeof(cmdline), "%s", GUEST_CMDLINE);
    if (util_fmt(sock, sizeof(sock), "%s/ctl-%s.sock", registry_dir(), part) < 0 ||
        util_fmt(disk, sizeof(disk), "%s/disk-selftest.img", registry_dir()) < 0) {
        snprintf(reason, len, "state folder path too long");
        return -1;
    }
    if (net) {
        /* guest 0 of the test network: its address on the command line, its own MAC */
        if (netns_guest_addr(0, addr, sizeof(addr)) < 0 ||
            netns_guest_mac(0, mac, sizeof(mac)) < 0) {
            snprintf(reason, len, "no address for the guest");
            return -1;
        }
        snprintf(cmdline + strlen(cmdline), sizeof(cmdline) - strlen(cmdline), " pvbench.addr=%s",
                 addr);
    } else {
        progress_status("selftest: creating the scratch disk");
        if (session_scratch_disk(&t->s, disk, NULL, t->o.disk_mib, reason, len) < 0) {
            return -1;
        }
    }
    memset(&spec, 0, sizeof(spec));
    spec.name = name;
    spec.qemu_binary = t->o.qemu;
    spec.accel = accel;
    spec.machine = MACHINE_PC;
    spec.vcpus = 1;
    spec.memory_mib = SELFTEST_MEMORY_MIB;
    spec.kernel = t->kernel;
    spec.initrd = t->initrd;
    spec.cmdline = cmdline;
    spec.dut = dut;
    spec.disk_path = t->s.disk;
    spec.control_sock = sock;
    spec.console_log = console;
    spec.qemu_log = qemulog;
    if (net) {
        spec.net_tap = t->net.taps[0];
        spec.net_mac = mac;
        spec.net_vhost = strcmp(t->vhost, "on") == 0;
    }
    progress_status(net ? "selftest: booting a virtio-net guest with the fio image"
                        : "selftest: booting a virtio-blk guest with the fio image");
    if (session_boot(&t->s, &spec, SELFTEST_BOOT_TIMEOUT_S, reason, len) < 0) {
        return -1;
    }
    if (net && strcmp(ready->net_driver, "virtio_net") != 0) {
        snprintf(reason, len, "the guest found no virtio-net NIC (interface '%s', driver '%s')",
                 ready->net, ready->net_driver);
        return -1;
    }
    if (!net && strcmp(ready->blk_driver, "virtio_blk") != 0) {
        snprintf(reason, len, "the guest found no virtio-blk disk (disk '%s', driver '%s')",
                 ready->blk, ready->blk_driver);
        return -1;
    }
    if (net) {
        log_info("selftest: guest ready in %.1f s (%s, %s, %u MiB), NIC %s at %s, vhost %s",
                 t->s.boot_s, accel, ready->kernel, SELFTEST_MEMORY_MIB, ready->net, addr,
                 t->vhost);
    } else {
        log_info("selftest: guest ready in %.1f s (%s, %s, %u MiB), disk /dev/%s", t->s.boot_s,
                 accel, ready->kernel, SELFTEST_MEMORY_MIB, ready->blk);
    }
    return 0;
}

static void selftest_stop(struct selftest *t)
{
    session_stop(&t->s);
}

/*
 * One job in the guest. 0 with *res, 1 if the agent answered ERROR or the result does not
 * hold (reason set; the guest is fine), -1 if the guest is lost. A net job of the agent's
 * own engine goes to the host peer first and its report lands in *prep (its two ends must
 * agree); iperf3's goes to the iperf3 server, prep untouched.
 */
static int selftest_job(struct selftest *t, const struct workload *w, const char *engine,
                        struct agent_result *res, struct peer_report *prep, char *reason,
                        size_t len)
{
    char err[256], what[96];
    int net = w->kind == DEVMODEL_NET, to_peer = net && strcmp(engine, "agent") == 0;
    struct agent_job job;
    struct peer_job pj;
    int rc;

    memset(&job, 0, sizeof(job));
    job.id = ++t->job_seq;
    job.workload = w->name;
    job.kind = devmodel_kind_name(w->kind);
    job.rw = w->rw;
    job.bs = w->bs;
    job.qd = w->qd;
    job.runtime_ms = net ? t->net_runtime_ms : (unsigned)(t->o.runtime_s * 1000.0 + 0.5);
    job.warmup_ms = net ? t->net_warmup_ms : (unsigned)(t->o.warmup_s * 1000.0 + 0.5);
    job.irq = "virtio";
    job.fault = "none";
    job.engine = engine;
    if (net) {
        job.peer = PVB_NET_PEER_ADDR;
        job.port = to_peer ? PVB_NET_PORT : PVB_IPERF3_PORT;
    }
    snprintf(what, sizeof(what), "job %u (%s, %s)", job.id, w->name, engine);
    if (to_peer) {
        /* as `pvbench run`: longer than the agent's own deadline, shorter than our wait */
        memset(&pj, 0, sizeof(pj));
        pj.id = job.id;
        pj.workload = peer_workload_parse(w->rw);
        pj.port = job.port;
        pj.runtime_ms = job.runtime_ms;
        pj.warmup_ms = job.warmup_ms;
        pj.life_ms = (unsigned)((session_job_budget(&job) - 2.0) * 1000.0);
        if (peer_job_begin(&t->peer, &pj, err, sizeof(err)) < 0) {
            snprintf(reason, len, "%s", err);
            return -1;
        }
    }
    rc = session_job(&t->s, &job, res, reason, len);
    if (rc != SESSION_OK) {
        if (to_peer) {
            peer_job_abort(&t->peer);
        }
        return rc == SESSION_LOST ? -1 : 1;
    }
    if (to_peer) {
        if (peer_job_end(&t->peer, prep, PEER_END_GRACE_MS / 1000.0 + 3.0, err, sizeof(err)) < 0) {
            snprintf(reason, len, "%s: %s", what, err);
            return -1;
        }
        if (!prep->ok) {
            snprintf(reason, len, "%s: host peer: %s", what, prep->reason);
            return 1;
        }
        if (peer_check(peer_workload_parse(w->rw), res, prep, err, sizeof(err)) < 0) {
            snprintf(reason, len, "%s: the two ends disagree: %s", what, err);
            return 1;
        }
    }
    if (strcmp(res->engine, engine) != 0) {
        snprintf(reason, len, "%s was answered by engine '%s'", what, res->engine);
        return 1;
    }
    return 0;
}

/*
 * Every workload of kind x (warm-up + repetitions) x both engines of the kind. 0, or -1
 * with reason; 1 (net) when the guest has no iperf3: the part is skipped.
 */
static int selftest_jobs(struct selftest *t, enum devmodel_kind kind, char *reason, size_t len)
{
    const char *const *engines = kind == DEVMODEL_NET ? selftest_net_engines : selftest_engines;
    struct record_target tg;
    struct agent_result res;
    struct peer_report prep;
    const struct workload *w;
    unsigned wi, rep, k, e;
    double t0;
    int rc;

    for (wi = 0; wi < t->n_wl; wi++) {
        w = t->wl[wi];
        if (w->kind != kind) {
            continue;
        }
        for (rep = 0; rep <= t->o.reps; rep++) {
            for (k = 0; k < 2; k++) {
                /* odd repetitions: agent first; even ones: the reference first */
                e = rep % 2 == 1 ? k : 1 - k;
                if (signals_interrupted()) {
                    snprintf(reason, len, "interrupted");
                    return -1;
                }
                progress_job(engines[e], w->name, rep, t->o.reps);
                t0 = util_now();
                memset(&prep, 0, sizeof(prep));
                rc = selftest_job(t, w, engines[e], &res, &prep, reason, len);
                progress_job_done(util_now() - t0);
                if (rc == 1 && kind == DEVMODEL_NET && strstr(reason, "no iperf3 in this guest")) {
                    return 1;
                }
                if (rc != 0) {
                    return -1;
                }
                if (rep == 0) {
                    continue;
                }
                tg = selftest_target(engines[e], kind);
                if ((kind == DEVMODEL_NET
                         ? record_net(&t->samples, &tg, w, rep, &res,
                                      strcmp(engines[e], "agent") == 0 ? &prep : NULL, NULL)
                         : record_blk(&t->samples, &tg, w, rep, &res, NULL)) < 0 ||
                    selftest_save(t) < 0) {
                    snprintf(reason, len, "cannot keep the samples");
                    return -1;
                }
            }
        }
    }
    return 0;
}

/* ---- the network part: test network, peer, iperf3 server ------------------------------------ */

/* Is an iperf3 server of pid listening on addr:port (its namespace's /proc/PID/net/tcp)? */
static int selftest_iperf3_listening(pid_t pid, const char *addr, unsigned port)
{
    char path[64], buf[16384], want[32];
    unsigned a, b, c, d;

    if (sscanf(addr, "%u.%u.%u.%u", &a, &b, &c, &d) != 4) {
        return 0;
    }
    /* local_address as the kernel prints it on x86: the address little-endian, port big */
    snprintf(want, sizeof(want), "%02X%02X%02X%02X:%04X 00000000:0000 0A", d, c, b, a, port);
    snprintf(path, sizeof(path), "/proc/%d/net/tcp", (int)pid);
    return util_read_file(path, buf, sizeof(buf)) > 0 && strstr(buf, want) != NULL;
}

/* Stop what selftest_net_up made, newest first. */
static void selftest_net_down(struct selftest *t)
{
    char id[32];
    double deadline;

    if (t->iperf3_pid > 0) {
        /* our own child, not reaped yet: its pid is still ours */
        kill(t->iperf3_pid, SIGTERM);
        deadline = util_now() + 2.0;
        while (waitpid(t->iperf3_pid, NULL, WNOHANG) == 0) {
            if (util_now() >= deadline) {
                kill(t->iperf3_pid, SIGKILL);
                waitpid(t->iperf3_pid, NULL, 0);
                break;
            }
            usleep(20000);
        }
        snprintf(id, sizeof(id), "%d", (int)t->iperf3_pid);
        registry_forget(REG_PROC, id);
        t->iperf3_pid = 0;
    }
    if (t->peer.pid > 0) {
        peer_stop(&t->peer);
    }
    if (t->net_made) {
        netns_destroy(&t->net);
        t->net_made = 0;
    }
}

/*
 * The test network with one tap, the host peer and an iperf3 server in its namespace.
 * 0, 1 if this host cannot (reason), -1 if it failed (reason).
 */
static int selftest_net_up(struct selftest *t, char *reason, size_t len)
{
    char err[256], log[PATH_MAX + 32], port[16];
    pid_t parent = getpid();
    double deadline;

    if (netns_host_check(err, sizeof(err)) < 0) {
        snprintf(reason, len, "%s", err);
        return 1;
    }
    util_strlcpy(t->vhost, netns_vhost_available() ? "on" : "off", sizeof(t->vhost));
    if (netns_names(&t->net, registry_run_id(), 1) < 0 ||
        netns_create(&t->net, NULL, err, sizeof(err)) < 0) {
        snprintf(reason, len, "cannot create the test network: %s", err);
        return -1;
    }
    t->net_made = 1;
    if (peer_start(&t->peer, t->net.netns_path, PVB_NET_PEER_ADDR, err, sizeof(err)) < 0) {
        snprintf(reason, len, "%s", err);
        goto fail;
    }
    snprintf(log, sizeof(log), "%s/selftest-iperf3-server.log", t->logs_dir);
    snprintf(port, sizeof(port), "%u", PVB_IPERF3_PORT);
    t->iperf3_pid = fork();
    if (t->iperf3_pid < 0) {
        t->iperf3_pid = 0;
        snprintf(reason, len, "fork: %s", strerror(errno));
        goto fail;
    }
    if (t->iperf3_pid == 0) {
        char *argv[] = {"iperf3", "--server", "--bind", PVB_NET_PEER_ADDR, "--port", port, NULL};

        hostbase_net_exec(parent, t->net.netns_path, log, argv);
    }
    if (registry_add_proc(t->iperf3_pid) < 0) {
        log_warn("cannot register the iperf3 server (pid %d): %s", (int)t->iperf3_pid,
                 strerror(errno));
    }
    deadline = util_now() + SELFTEST_IPERF3_START_S;
    while (!selftest_iperf3_listening(t->iperf3_pid, PVB_NET_PEER_ADDR, PVB_IPERF3_PORT)) {
        if (waitpid(t->iperf3_pid, NULL, WNOHANG) == t->iperf3_pid) {
            snprintf(reason, len, "the iperf3 server exited at once (see %s)", log);
            t->iperf3_pid = 0;
            goto fail;
        }
        if (util_now() >= deadline) {
            snprintf(reason, len,
                     "the iperf3 server did not listen on %s:%u within %.0f s (see %s)",
                     PVB_NET_PEER_ADDR, PVB_IPERF3_PORT, SELFTEST_IPERF3_START_S, log);
            goto fail;
        }
        usleep(20000);
    }
    log_info("selftest: test network %s, host peer pid %d on %s:%u, iperf3 server pid %d on "
             "port %u",
             t->net.netns, (int)t->peer.pid, PVB_NET_PEER_ADDR, (unsigned)PVB_NET_PORT,
             (int)t->iperf3_pid, PVB_IPERF3_PORT);
    return 0;
fail:
    selftest_net_down(t);
    return -1;
}

/* ---- the verdict --------------------------------------------------------------------------- */

static const char *const selftest_metrics[] = {
    "iops", "throughput_mib_s", "lat_mean_us", "lat_p50_us", "lat_p99_us", "guest_cpu_us_per_op"};
static const char *const selftest_net_metrics[] = {"throughput_mbit_s", "guest_cpu_pct",
                                                   "guest_cpu_us_per_op"};

/*
 * Print and append to selftest.csv the comparison of the workloads of kind: the agent against
 * ref ("fio" or "iperf3"). Returns the number of goals missed.
 */
static int selftest_verdict(struct selftest *t, enum devmodel_kind kind, const char *ref,
                            const char *ref_version, FILE *csv)
{
    const char *const *metrics = kind == DEVMODEL_NET ? selftest_net_metrics : selftest_metrics;
    size_t n_metrics = kind == DEVMODEL_NET
                           ? sizeof(selftest_net_metrics) / sizeof(selftest_net_metrics[0])
                           : sizeof(selftest_metrics) / sizeof(selftest_metrics[0]);
    struct selftest_row row;
    char head[48];
    double *a, *f;
    size_t na, nf, mi;
    unsigned wi;
    int missed = 0, ok;

    if (kind == DEVMODEL_NET) {
        printf("\nagent / %s in one virtio-net guest (%s, %s, vhost %s), %u repetitions x %u s "
               "(+ %u s warm-up), engines alternating; the agent against the host peer, iperf3 "
               "against an iperf3 server in the same namespace\n",
               ref, t->accel, ref_version, t->vhost, t->o.reps, t->net_runtime_ms / 1000,
               t->net_warmup_ms / 1000);
    } else {
        printf("\nagent / %s in one virtio-blk guest (%s, %s), %u repetitions x %.3g s "
               "(+ %.3g s warm-up), engines alternating\n",
               ref, t->accel, ref_version, t->o.reps, t->o.runtime_s, t->o.warmup_s);
    }
    snprintf(head, sizeof(head), "agent/%s [95%% CI]", ref);
    printf("  %-14s %-20s %12s %12s  %-24s %-10s %s\n", "workload", "metric", "agent", ref, head,
           "goal", "");
    for (wi = 0; wi < t->n_wl; wi++) {
        if (t->wl[wi]->kind != kind) {
            continue;
        }
        for (mi = 0; mi < n_metrics; mi++) {
            a = selftest_values(t, "agent", t->wl[wi]->name, metrics[mi], &na);
            f = selftest_values(t, ref, t->wl[wi]->name, metrics[mi], &nf);
            memset(&row, 0, sizeof(row));
            util_strlcpy(row.workload, t->wl[wi]->name, sizeof(row.workload));
            util_strlcpy(row.metric, metrics[mi], sizeof(row.metric));
            ok = a && f &&
                 selftest_compare(a, na, f, nf,
                                  selftest_goal_of(t->wl[wi]->qd, t->wl[wi]->bs, row.metric),
                                  &row) == 0;
            free(a);
            free(f);
            if (!ok) {
                continue;
            }
            if (!row.met) {
                missed++;
            }
            printf("  %-14s %-20s %12.4g %12.4g  %5.3f [%5.3f, %5.3f]     %-10s %s\n", row.workload,
                   row.metric, row.agent, row.ref, row.ratio, row.low, row.high,
                   selftest_goal_text(row.goal),
                   row.goal == SELFTEST_GOAL_NONE ? ""
                   : row.met                      ? "met"
                                                  : "MISSED");
            if (csv) {
                fprintf(csv, "%s,%s,%s,%u,%u,%.6g,%.6g,%.6g,%.6g,%.6g,%d,%s\n", row.workload,
                        row.metric, selftest_goal_text(row.goal), row.n_agent, row.n_ref, row.agent,
                        row.ref, row.ratio, row.low, row.high, row.met, ref);
            }
        }
    }
    if (kind == DEVMODEL_NET) {
        printf("goal: Mbit/s agent/iperf3 >= %.2f (the receiving side's count on both). %s\n",
               SELFTEST_MIN_RATIO, missed ? "Some goals MISSED." : "All goals met.");
    } else {
        printf("goals: IOPS and MiB/s agent/fio >= %.2f; mean latency at QD 1 within +-%.0f%%. "
               "%s\n",
               SELFTEST_MIN_RATIO, SELFTEST_LAT_TOL * 100,
               missed ? "Some goals MISSED." : "All goals met.");
    }
    return missed;
}

/* --host: the baseline's numbers for the same workloads. */
static void selftest_print_host(struct selftest *t, const char *fio_version)
{
    static const char *const metrics[] = {"iops", "throughput_mib_s", "lat_mean_us", "lat_p99_us"};
    struct stats_summary st;
    double *v;
    size_t n;
    unsigned wi, mi;

    printf("\nbare host: %s on a scratch file in %s (O_DIRECT, libaio), %u repetitions x %.3g s"
           "\n",
           fio_version, registry_state_dir(), t->o.reps, t->o.runtime_s);
    printf("  %-14s %-18s %12s  %s\n", "workload", "metric", "median", "95% CI");
    for (wi = 0; wi < t->n_wl; wi++) {
        for (mi = 0; mi < sizeof(metrics) / sizeof(metrics[0]); mi++) {
            v = selftest_values(t, HOSTBASE_CONFIG, t->wl[wi]->name, metrics[mi], &n);
            if (v && n > 0 && stats_summarize(v, n, STATS_DEFAULT_SEED, &st) == 0) {
                printf("  %-14s %-18s %12.4g  [%.4g, %.4g]\n", t->wl[wi]->name, metrics[mi],
                       st.median, st.ci_low, st.ci_high);
            }
            free(v);
        }
    }
}

/* ---- set-up -------------------------------------------------------------------------------- */

static const struct cli_opt selftest_opts[] = {
    {"quick", 0, NULL, "3 repetitions x 1 s (+0.3 s warm-up) instead of 5 x 2 s (+0.5 s)", 'Q',
     NULL},
    {"reps", 0, "N", "repetitions (1 .. 100)", 'r', NULL},
    {"runtime", 0, "S", "measured seconds per job (0.1 .. 600)", 't', NULL},
    {"warmup", 0, "S", "warm-up seconds per job (0 .. 60)", 'w', NULL},
    {"workloads", 0, "a,b,...", "the workloads (default " SELFTEST_DEFAULT_WL ")", 'W', NULL},
    {"image", 0, "DIR", "guest image folder", 'i', "=dir"},
    {"qemu", 0, "PATH", "QEMU binary", 'q', "=file"},
    {"accel", 0, "MODE", "auto, kvm or tcg", 'a', "auto kvm tcg"},
    {"output", 'o', "DIR", "folder of the logs and results", 'o', "=dir"},
    {"host", 0, NULL, "the bare-host baseline's block jobs instead (fio on a scratch file)", 'H',
     NULL},
    {NULL, 0, NULL, NULL, 0, NULL},
};

const struct cli_spec selftest_cli = {
    .name = "selftest",
    .summary = "check the agent against fio and iperf3 in guests",
    .synopsis = "[--quick] [--host] [options]",
    .description =
        "Boots a virtio-blk guest with the fio image and runs each block workload with\n"
        "the agent and with fio (engine=agent|fio), alternating; then a virtio-net guest\n"
        "(same image, which carries iperf3) and runs tcp_tx and tcp_rx with the agent\n"
        "against the host peer and with iperf3 against an iperf3 server in the same\n"
        "namespace (engine=iperf3; whole seconds: iperf3's --time and --omit).\n"
        "Prints agent/fio and agent/iperf3 per metric with a bootstrap 95% interval.",
    .opts = selftest_opts,
    .notes = "exit: 0 goals met, 1 a goal missed, 3 could not measure, 4 skipped (all parts)",
    .flags = CLI_F_VERBOSITY,
};

static int selftest_parse(struct selftest *t, int argc, char **argv)
{
    struct selftest_opts *o = &t->o;
    int c, quick = 0, reps = -1;
    struct cli cl;
    double runtime = -1, warmup = -1;

    if (cli_start(&cl, &selftest_cli, argc, argv) < 0) {
        return -1;
    }
    while ((c = cli_next(&cl)) >= 0) {
        const char *arg = cl.arg;

        switch (c) {
        case 'Q':
            quick = 1;
            break;
        case 'r':
            reps = atoi(arg);
            if (reps < 1 || reps > 100) {
                log_err("--reps: expected 1..100, got '%s'", arg);
                return -1;
            }
            break;
        case 't':
        case 'w':
            if (c == 't') {
                runtime = atof(arg);
            } else {
                warmup = atof(arg);
            }
            if ((c == 't' && !(runtime >= 0.1 && runtime <= 600)) ||
                (c == 'w' && !(warmup >= 0 && warmup <= 60))) {
                log_err("--%s: out of range: '%s'", c == 't' ? "runtime" : "warmup", arg);
                return -1;
            }
            break;
        case 'W':
            o->workloads = arg;
            break;
        case 'i':
            o->image_dir = arg;
            break;
        case 'q':
            o->qemu = arg;
            break;
        case 'a':
            if (run_parse_accel(arg, &o->accel) < 0) {
                return -1;
            }
            break;
        case 'o':
            o->out_dir = arg;
            break;
        case 'H':
            o->host_only = 1;
            break;
        default:
            return -1;
        }
    }
    if (c != CLI_END) {
        return c == CLI_HELP ? 1 : -1;
    }
    if (cl.ind < argc) {
        log_err("selftest: unexpected argument '%s'", argv[cl.ind]);
        cli_try(&selftest_cli);
        return -1;
    }
    o->reps = reps > 0 ? (unsigned)reps : quick ? 3 : 5;
    o->runtime_s = runtime > 0 ? runtime : quick ? 1.0 : 2.0;
    o->warmup_s = warmup >= 0 ? warmup : quick ? 0.3 : 0.5;
    o->disk_mib = quick ? 128 : 256;
    if (!o->workloads) {
        o->workloads = SELFTEST_DEFAULT_WL;
    }
    if (!o->qemu) {
        o->qemu = "qemu-system-x86_64";
    }
    if (!o->accel) {
        o->accel = "auto";
    }
    return 0;
}

/* The workload list: block workloads, and the streams iperf3 can run too. 0 or -1. */
static int selftest_workloads(struct selftest *t)
{
    char buf[256], *save = NULL, *tok;
    const struct workload *w;

    if (util_strlcpy(buf, t->o.workloads, sizeof(buf)) < 0) {
        log_err("--workloads: list too long");
        return -1;
    }
    for (tok = strtok_r(buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
        w = workload_find(tok);
        if (!w || (w->kind != DEVMODEL_BLK && strcmp(w->rw, "tcp_tx") != 0 &&
                   strcmp(w->rw, "tcp_rx") != 0)) {
            log_err("--workloads: '%s' is neither a block workload nor tcp_tx or tcp_rx (the "
                    "network workloads iperf3 can run; see pvbench list)",
                    tok);
            return -1;
        }
        if (t->n_wl == SELFTEST_MAX_WL) {
            log_err("--workloads: at most %d", SELFTEST_MAX_WL);
            return -1;
        }
        t->wl[t->n_wl++] = w;
    }
    if (t->n_wl == 0) {
        log_err("--workloads: empty list");
        return -1;
    }
    return 0;
}

/* Guest inputs and QEMU. PVB_EXIT_OK, or PVB_EXIT_SKIPPED with the reason logged. */
static int selftest_inputs(struct selftest *t)
{
    const char *img = t->o.image_dir;
    char buf[256];
    char *argv[] = {(char *)t->o.qemu, "--version", NULL};

    if (!img) {
        img = paths_image_dir();
    }
    snprintf(t->kernel, sizeof(t->kernel), "%s/vmlinux", img);
    snprintf(t->initrd, sizeof(t->initrd), "%s/initramfs-fio.img", img);
    if (access(t->kernel, R_OK) < 0 || access(t->initrd, R_OK) < 0) {
        log_err("skipped: no fio guest image in %s (vmlinux, initramfs-fio.img): run "
                "`make image-fio` (scripts/build-guest --with-fio)",
                img);
        return PVB_EXIT_SKIPPED;
    }
    if (util_run_capture(argv, buf, sizeof(buf), 10.0) != 0) {
        log_err("skipped: cannot run %s --version (scripts/setup installs QEMU)", t->o.qemu);
        return PVB_EXIT_SKIPPED;
    }
    return PVB_EXIT_OK;
}

static int selftest_out_dir(struct selftest *t)
{
    char stamp[32];
    time_t now = time(NULL);
    struct tm tm;

    if (t->o.out_dir) {
        util_strlcpy(t->out_dir, t->o.out_dir, sizeof(t->out_dir));
    } else {
        localtime_r(&now, &tm);
        strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
        snprintf(t->out_dir, sizeof(t->out_dir), "results/%s-selftest%s", stamp,
                 t->o.host_only ? "-host" : "");
    }
    snprintf(t->logs_dir, sizeof(t->logs_dir), "%s/logs", t->out_dir);
    if (util_mkdir_p(t->logs_dir) < 0 || util_make_absolute(t->logs_dir, sizeof(t->logs_dir)) < 0) {
        log_err("cannot create %s: %s", t->logs_dir, strerror(errno));
        return -1;
    }
    snprintf(t->agent_log, sizeof(t->agent_log), "%s/selftest-agent.log", t->logs_dir);
    return 0;
}

/* --host: the host baseline on the selftest's workloads. A PVB_EXIT_* code. */
static int selftest_host(struct selftest *t)
{
    struct scenario s;
    char reason[512], version[64], err[64];
    unsigned i;
    int rc;

    memset(&s, 0, sizeof(s));
    for (i = 0; i < t->n_wl; i++) {
        if (t->wl[i]->kind == DEVMODEL_BLK) {
            s.workloads[s.n_workloads++] = t->wl[i];
        }
    }
    if (s.n_workloads == 0) {
        log_err("skipped: --host runs the block workloads with fio on the host; the network's "
                "bare host is `pvbench run` with host_baseline = yes");
        return PVB_EXIT_SKIPPED;
    }
    s.repetitions = t->o.reps;
    s.runtime_s = t->o.runtime_s;
    s.warmup_s = t->o.warmup_s;
    s.disk_mib = t->o.disk_mib;
    rc = hostbase_run(&s, &t->samples, selftest_save, t, reason, sizeof(reason));
    if (rc == 1) {
        log_err("skipped: %s", reason);
        return PVB_EXIT_SKIPPED;
    }
    if (rc < 0) {
        log_err("host baseline: %s", reason);
        return PVB_EXIT_FAILED;
    }
    if (hostbase_check(registry_dir(), version, sizeof(version), err, sizeof(err)) < 0) {
        util_strlcpy(version, "fio", sizeof(version));
    }
    selftest_print_host(t, version);
    return PVB_EXIT_OK;
}

/* The accelerator: KVM if it opens and was not refused, else TCG. PVB_EXIT_OK or SKIPPED. */
static int selftest_accel(struct selftest *t)
{
    int fd, kvm_ok;

    fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    kvm_ok = fd >= 0;
    if (fd >= 0) {
        close(fd);
    }
    if (strcmp(t->o.accel, "kvm") == 0 && !kvm_ok) {
        log_err("skipped: --accel kvm, but /dev/kvm cannot be opened");
        return PVB_EXIT_SKIPPED;
    }
    util_strlcpy(t->accel, strcmp(t->o.accel, "tcg") != 0 && kvm_ok ? "kvm" : "tcg",
                 sizeof(t->accel));
    if (strcmp(t->accel, "tcg") == 0 && strcmp(t->o.accel, "tcg") != 0) {
        log_warn("no KVM: the guest runs under TCG (software emulation)");
    }
    return PVB_EXIT_OK;
}

/* Boot the part's guest, falling back from KVM to TCG under --accel auto. 0 or -1. */
static int selftest_boot_any(struct selftest *t, const struct devmodel *dut, char *reason,
                             size_t len)
{
    int rc = selftest_boot(t, t->accel, dut, reason, len);

    if (rc < 0 && strcmp(t->accel, "kvm") == 0 && strcmp(t->o.accel, "auto") == 0 &&
        !signals_interrupted()) {
        /* /dev/kvm may open and still not run a guest (nested set-ups): try TCG */
        log_warn("the guest did not come up under KVM (%s); trying TCG", reason);
        selftest_stop(t);
        util_strlcpy(t->accel, "tcg", sizeof(t->accel));
        rc = selftest_boot(t, t->accel, dut, reason, len);
    }
    return rc;
}

/* The block part: agent against fio. 0, or -1 with reason. */
static int selftest_blk_part(struct selftest *t, char *reason, size_t len)
{
    int rc = selftest_boot_any(t, devmodel_find("virtio-blk"), reason, len);

    if (rc == 0) {
        rc = selftest_jobs(t, DEVMODEL_BLK, reason, len);
    }
    selftest_stop(t);
    return rc < 0 ? -1 : 0;
}

/* Whole seconds for both engines of the network part: iperf3's --time and --omit are. */
static void selftest_net_times(struct selftest *t)
{
    double r = floor(t->o.runtime_s + 0.5), w = ceil(t->o.warmup_s - 1e-9);

    t->net_runtime_ms = (unsigned)(r < 1 ? 1 : r) * 1000u;
    t->net_warmup_ms = (unsigned)(w < 0 ? 0 : w) * 1000u;
}

/*
 * The network part: agent against iperf3. 0, 1 skipped (reason: no iperf3 on the host or in
 * the image, no network namespaces), -1 failed (reason).
 */
static int selftest_net_part(struct selftest *t, char *reason, size_t len)
{
    char *argv[] = {"iperf3", "--version", NULL};
    const char *slash = strrchr(t->initrd, '/');
    char list[PATH_MAX + 16], text[256];
    int rc;

    if (util_run_capture(argv, t->iperf3_version, sizeof(t->iperf3_version), 10.0) != 0) {
        snprintf(reason, len,
                 "iperf3 is not installed on this host (apt-get install iperf3; scripts/setup "
                 "installs it): no server for the guest's iperf3");
        return 1;
    }
    t->iperf3_version[strcspn(t->iperf3_version, "(\r\n")] = '\0';
    util_rstrip(t->iperf3_version);
    /* scripts/build-guest lists what initramfs-fio.img carries (an older image: no list,
     * and the agent's "no iperf3 in this guest" says it) */
    snprintf(list, sizeof(list), "%.*s/tools-fio.txt", slash ? (int)(slash - t->initrd) : 1,
             slash ? t->initrd : ".");
    if (util_read_file(list, text, sizeof(text)) >= 0 && !strstr(text, "iperf3")) {
        snprintf(reason, len,
                 "no iperf3 in the guest image (%s lists none): install iperf3 and run "
                 "`make image-fio`",
                 list);
        return 1;
    }
    selftest_net_times(t);
    rc = selftest_net_up(t, reason, len);
    if (rc != 0) {
        return rc;
    }
    rc = selftest_boot_any(t, devmodel_find("virtio-net"), reason, len);
    if (rc == 0) {
        rc = selftest_jobs(t, DEVMODEL_NET, reason, len);
    }
    selftest_stop(t);
    selftest_net_down(t);
    return rc;
}

/* The guest parts, then the verdicts. A PVB_EXIT_* code. */
static int selftest_guest(struct selftest *t)
{
    char reason[1024] = "", version[64] = "fio", net_reason[1024] = "", path[PATH_MAX + 16];
    char *argv[] = {"fio", "--version", NULL};
    unsigned n_blk = selftest_count_kind(t, DEVMODEL_BLK);
    unsigned n_net = selftest_count_kind(t, DEVMODEL_NET);
    int missed = 0, code, net_rc = 0;
    FILE *csv;

    code = selftest_accel(t);
    if (code != PVB_EXIT_OK) {
        return code;
    }
    if (n_blk > 0 && selftest_blk_part(t, reason, sizeof(reason)) < 0) {
        progress_clear();
        log_err("selftest: %s", reason[0] ? reason : "the guest did not start");
        return PVB_EXIT_FAILED;
    }
    if (n_net > 0 && !signals_interrupted()) {
        net_rc = selftest_net_part(t, net_reason, sizeof(net_reason));
        if (net_rc < 0) {
            progress_clear();
            log_err("selftest: network part: %s", net_reason);
            return PVB_EXIT_FAILED;
        }
    }
    progress_clear();
    if (signals_interrupted()) {
        log_err("selftest: interrupted");
        return PVB_EXIT_FAILED;
    }
    snprintf(path, sizeof(path), "%s/selftest.csv", t->out_dir);
    csv = fopen(path, "we");
    if (csv) {
        fprintf(csv, "%s\n", SELFTEST_CSV_HEADER);
    }
    if (n_blk > 0) {
        /* The image carries the host's /usr/bin/fio (scripts/build-guest --with-fio). */
        if (util_run_capture(argv, version, sizeof(version), 10.0) != 0) {
            util_strlcpy(version, "fio", sizeof(version));
        }
        version[strcspn(version, "\r\n")] = '\0';
        missed += selftest_verdict(t, DEVMODEL_BLK, "fio", version, csv);
    }
    if (n_net > 0 && net_rc == 0) {
        missed += selftest_verdict(t, DEVMODEL_NET, "iperf3", t->iperf3_version, csv);
    }
    if (csv) {
        fclose(csv);
    }
    if (net_rc == 1) {
        printf("\nnetwork part (agent / iperf3) skipped: %s\n", net_reason);
        log_warn("selftest: network part skipped: %s", net_reason);
    }
    printf("samples and verdict: %s/{samples.csv,selftest.csv}\n", t->out_dir);
    if (net_rc == 1 && n_blk == 0) {
        return PVB_EXIT_SKIPPED;
    }
    return missed > 0 ? PVB_EXIT_REGRESSION : PVB_EXIT_OK;
}

int selftest_main(int argc, char **argv)
{
    struct selftest *t = calloc(1, sizeof(*t));
    char run_id[16];
    int code, rc;

    if (!t) {
        log_err("out of memory");
        return PVB_EXIT_FAILED;
    }
    t->backend = &backend_qemu_ops;
    session_init(&t->s, t->backend, NULL);
    rc = selftest_parse(t, argc, argv);
    if (rc != 0) {
        code = rc > 0 ? PVB_EXIT_OK : PVB_EXIT_USAGE;
        goto out_free;
    }
    if (selftest_workloads(t) < 0) {
        code = PVB_EXIT_USAGE;
        goto out_free;
    }
    if (!t->o.host_only) {
        code = selftest_inputs(t);
        if (code != PVB_EXIT_OK || backend_check_ops(t->backend) < 0) {
            code = code != PVB_EXIT_OK ? code : PVB_EXIT_FAILED;
            goto out_free;
        }
    }
    if (selftest_out_dir(t) < 0 || registry_open(run_id, sizeof(run_id)) < 0) {
        code = PVB_EXIT_FAILED;
        goto out_free;
    }
    /* --host runs the block workloads once each; the guests both engines of every one */
    progress_init(t->o.host_only ? selftest_count_kind(t, DEVMODEL_BLK) * (t->o.reps + 1)
                                 : t->n_wl * (t->o.reps + 1) * 2);
    code = t->o.host_only ? selftest_host(t) : selftest_guest(t);
    progress_clear();
    selftest_stop(t);
    selftest_net_down(t);
    registry_release_all();
out_free:
    samples_free(&t->samples);
    free(t);
    return code;
}
