/*
 * `pvbench run`: the measurement loop. It owns the order of things; measuring
 * (agent), bookkeeping (registry), files (results) and output (table, report)
 * live in their own modules.
 */
#include "run.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "agentmsg.h"
#include "backend.h"
#include "chan.h"
#include "exitcode.h"
#include "metric.h"
#include "progress.h"
#include "registry.h"
#include "report.h"
#include "results.h"
#include "scenario.h"
#include "table.h"
#include "util.h"

#define RUN_SEND_TIMEOUT_S 5.0
#define RUN_QUIT_GRACE_S 5.0
#define RUN_KVM_PROBE_TIMEOUT_S 10.0
#define RUN_PROBE_DISK_MIB 16

enum config_status { CONFIG_PENDING, CONFIG_OK, CONFIG_FAILED, CONFIG_SKIPPED };

struct config_state {
    enum config_status status;
    char reason[512];
    char driver[32];
    double boot_to_ready_s;
    unsigned jobs_failed;
};

struct run_ctx {
    struct scenario s;
    const struct run_options *o;
    const struct backend_ops *backend;
    char out_dir[PATH_MAX];
    char logs_dir[PATH_MAX + 8];
    char samples_path[PATH_MAX + 16];
    char run_id[16];
    char accel[8];
    char accel_reason[256];
    char backend_info[256];
    char kernel[PATH_MAX];
    char initrd[PATH_MAX];
    char guest_kernel[64];
    char qemu_binary[PATH_MAX];
    char qemu_version[128];
    char started[32];
    char ended[32];
    struct sample_set samples;
    struct config_state cfg[SCENARIO_MAX_DEVICES];
    unsigned job_seq;
    unsigned total_jobs;
    char fault[16];
    char fault_device[32];
    char fault_workload[32];
    int fault_used;
    int write_failed; /* samples could not be saved: stop */
};

/* ---- signals -------------------------------------------------------------------------------- */

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    interrupted = sig;
}

void run_install_signals(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

int run_interrupted(void)
{
    return interrupted != 0;
}

/* ---- guest lifecycle ------------------------------------------------------------------------ */

struct live_guest {
    struct run_ctx *r;
    struct guest g;
    struct chan ch;
    char sock[PATH_MAX];
    char disk[PATH_MAX];
    char agent_log[PATH_MAX + 32];
    int started;
};

/* Abort callback for channel waits: Ctrl-C, or QEMU gone. */
static int guest_abort_cb(void *arg)
{
    struct live_guest *lg = arg;

    if (interrupted) {
        return 1;
    }
    return lg->started && !lg->r->backend->alive(&lg->g);
}

static void agent_log_line(struct live_guest *lg, const char *line)
{
    FILE *f = fopen(lg->agent_log, "ae");

    if (f) {
        fprintf(f, "%s\n", line);
        fclose(f);
    }
}

/* Why the channel stopped: a signal, a dead QEMU, or the channel status itself. */
static void describe_chan_failure(struct live_guest *lg, int st, const char *waiting_for,
                                  double waited, char *reason, size_t len)
{
    char how[128];

    if (interrupted) {
        snprintf(reason, len, "interrupted by signal %d while waiting for %s", (int)interrupted,
                 waiting_for);
        return;
    }
    if (lg->started && st == CHAN_EOF) {
        /* The channel closes as QEMU exits: give it a moment so its exit status is known. */
        double until = util_now() + 3.0;
        while (lg->r->backend->alive(&lg->g) && util_now() < until) {
            usleep(20000);
        }
    }
    if (lg->started && !lg->r->backend->alive(&lg->g)) {
        backend_describe_exit(lg->g.exit_status, how, sizeof(how));
        snprintf(reason, len, "QEMU %s while waiting for %s (see logs/)", how, waiting_for);
        return;
    }
    if (st == CHAN_TIMEOUT) {
        snprintf(reason, len, "timed out after %.1f s waiting for %s%s", waited, waiting_for,
                 lg->ch.junk_bytes ? " (the agent was sending bytes without a newline)" : "");
        return;
    }
    snprintf(reason, len, "%s while waiting for %s", chan_status_name(st), waiting_for);
}

/* Create a scratch disk filled with data (so reads are real), registered before it exists. */
static int make_disk(const char *path, unsigned mib, char *reason, size_t len)
{
    char *buf;
    int fd, rc = -1;
    uint64_t x = 0x9e3779b97f4a7c15ull;

    if (registry_add(REG_FILE, path, NULL) < 0) {
        snprintf(reason, len, "cannot register scratch disk: %s", strerror(errno));
        return -1;
    }
    buf = malloc(1u << 20);
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (!buf || fd < 0) {
        snprintf(reason, len, "cannot create scratch disk %s: %s", path, strerror(errno));
        goto out;
    }
    for (unsigned i = 0; i < mib; i++) {
        uint64_t *w = (uint64_t *)buf;
        for (size_t k = 0; k < (1u << 20) / 8; k++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            w[k] = x;
        }
        if (util_write_all(fd, buf, 1u << 20) < 0) {
            snprintf(reason, len, "cannot fill scratch disk %s: %s", path, strerror(errno));
            goto out;
        }
    }
    if (fdatasync(fd) < 0) {
        snprintf(reason, len, "cannot sync scratch disk %s: %s", path, strerror(errno));
        goto out;
    }
    rc = 0;
out:
    if (fd >= 0) {
        close(fd);
    }
    free(buf);
    return rc;
}

/*
 * Boot a guest with dut (NULL for none) and wait for the agent's READY.
 * Fills *ready and *boot_s. On failure the guest is left for guest_stop.
 */
static int guest_boot(struct run_ctx *r, struct live_guest *lg, const char *config,
                      const struct devmodel *dut, enum machine_type machine, const char *accel,
                      double timeout_s, unsigned disk_mib, struct agent_ready *ready,
                      double *boot_s, char *reason, size_t len)
{
    char name[96], cmdline[256], console[PATH_MAX + 32], qemulog[PATH_MAX + 32];
    char line[PVB_LINE_MAX], err[256];
    struct guest_spec spec;
    struct agentmsg msg;
    double t0, deadline;
    int st;

    memset(lg, 0, sizeof(*lg));
    lg->r = r;
    lg->ch.fd = lg->ch.listen_fd = -1;
    snprintf(name, sizeof(name), "pvb-%s-%s", r->run_id, config);
    snprintf(cmdline, sizeof(cmdline), "console=ttyS0 quiet loglevel=4 panic=-1 tsc=reliable no_timer_check "
             "cryptomgr.notests i8042.noaux i8042.nokbd 8250.nr_uarts=2 pvbench.run=%s",
             r->run_id);
    if (util_fmt(lg->sock, sizeof(lg->sock), "%s/ctl-%s.sock", registry_dir(), config) < 0 ||
        util_fmt(lg->disk, sizeof(lg->disk), "%s/disk-%s.img", registry_dir(), config) < 0) {
        snprintf(reason, len, "state folder path too long");
        return -1;
    }
    snprintf(console, sizeof(console), "%s/%s-console.log", r->logs_dir, config);
    snprintf(qemulog, sizeof(qemulog), "%s/%s-qemu.log", r->logs_dir, config);
    snprintf(lg->agent_log, sizeof(lg->agent_log), "%s/%s-agent.log", r->logs_dir, config);

    if (make_disk(lg->disk, disk_mib, reason, len) < 0) {
        return -1;
    }
    if (registry_add(REG_FILE, lg->sock, NULL) < 0 || chan_listen(&lg->ch, lg->sock) < 0) {
        snprintf(reason, len, "cannot create control socket %s: %s", lg->sock, strerror(errno));
        return -1;
    }

    memset(&spec, 0, sizeof(spec));
    spec.name = name;
    spec.qemu_binary = r->qemu_binary;
    spec.accel = accel;
    spec.machine = machine;
    spec.vcpus = r->s.vcpus;
    spec.memory_mib = r->s.memory_mib;
    spec.kernel = r->kernel;
    spec.initrd = r->initrd;
    spec.cmdline = cmdline;
    spec.dut = dut;
    spec.disk_path = lg->disk;
    spec.disk_iops_limit = r->s.disk_iops_limit;
    spec.control_sock = lg->sock;
    spec.console_log = console;
    spec.qemu_log = qemulog;

    t0 = util_now();
    deadline = t0 + timeout_s;
    if (r->backend->start(&spec, &lg->g, reason, len) < 0) {
        return -1;
    }
    lg->started = 1;
    st = chan_accept(&lg->ch, deadline, guest_abort_cb, lg);
    if (st != CHAN_LINE) {
        describe_chan_failure(lg, st, "QEMU to connect the control channel", timeout_s, reason,
                              len);
        return -1;
    }
    for (;;) {
        st = chan_read_line(&lg->ch, line, sizeof(line), deadline, guest_abort_cb, lg);
        if (st != CHAN_LINE) {
            describe_chan_failure(lg, st, "the agent to report ready (boot)", timeout_s, reason,
                                  len);
            return -1;
        }
        if (agentmsg_parse(line, strlen(line), &msg, err, sizeof(err)) < 0) {
            /* Before READY the line may be boot noise; log it, keep waiting. */
            util_sanitize(line);
            agent_log_line(lg, line);
            continue;
        }
        if (msg.type == AGENTMSG_LOG) {
            agent_log_line(lg, msg.u.log);
            continue;
        }
        if (msg.type != AGENTMSG_READY) {
            snprintf(reason, len, "agent sent a message other than READY during boot");
            return -1;
        }
        break;
    }
    *boot_s = util_now() - t0;
    *ready = msg.u.ready;
    return 0;
}

static void guest_stop(struct live_guest *lg)
{
    if (lg->started) {
        if (lg->ch.fd >= 0 && lg->r->backend->alive(&lg->g)) {
            char quit[32];
            snprintf(quit, sizeof(quit), "%s %s\n", PVB_PROTO_TAG, PVB_MSG_QUIT);
            chan_send(&lg->ch, quit, util_now() + 1.0);
        }
        lg->r->backend->stop(&lg->g, RUN_QUIT_GRACE_S);
        lg->started = 0;
    }
    chan_close(&lg->ch);
    if (lg->sock[0]) {
        unlink(lg->sock);
        registry_forget(REG_FILE, lg->sock);
    }
    if (lg->disk[0]) {
        unlink(lg->disk);
        registry_forget(REG_FILE, lg->disk);
    }
}

/* ---- samples -------------------------------------------------------------------------------- */

static int add_sample(struct run_ctx *r, const struct devmodel *dev, const char *workload,
                      const char *metric, unsigned rep, double value)
{
    struct sample s;
    const struct metric *m = metric_find(metric);

    if (!isfinite(value) || value < 0) {
        return 0; /* undefined for this job (e.g. per-op cost with no ops): not a sample */
    }
    memset(&s, 0, sizeof(s));
    util_strlcpy(s.config, dev->name, sizeof(s.config));
    util_strlcpy(s.device, dev->name, sizeof(s.device));
    util_strlcpy(s.class_, devmodel_class_name(dev->class), sizeof(s.class_));
    util_strlcpy(s.kind, devmodel_kind_name(dev->kind), sizeof(s.kind));
    util_strlcpy(s.workload, workload, sizeof(s.workload));
    util_strlcpy(s.metric, metric, sizeof(s.metric));
    util_strlcpy(s.unit, m ? m->unit : "", sizeof(s.unit));
    s.rep = rep;
    s.value = value;
    return samples_add(&r->samples, &s);
}

/* Persist all samples now; a failure stops the run (disk full must not lose anything). */
static int save_samples(struct run_ctx *r)
{
    if (samples_write_csv(r->samples_path, &r->samples) < 0) {
        log_err("cannot write %s: %s; stopping, the samples written before are intact",
                r->samples_path, strerror(errno));
        r->write_failed = 1;
        return -1;
    }
    return 0;
}

/* Turn one agent result plus host counters into samples. */
static int record_result(struct run_ctx *r, const struct devmodel *dev, const struct workload *w,
                         unsigned rep, const struct agent_result *res, double host_cpu_s)
{
    const struct agent_cpu *c = &res->cpu_pct;
    double rt = res->runtime_s;
    double ops = (double)res->ops;
    double busy = 100.0 - c->idle - c->iowait;
    int rc = 0;

    if (busy < 0) {
        busy = 0;
    }
    rc |= add_sample(r, dev, w->name, "throughput_mib_s", rep, (double)res->bytes / rt / 1048576.0);
    rc |= add_sample(r, dev, w->name, "iops", rep, ops / rt);
    rc |= add_sample(r, dev, w->name, "lat_mean_us", rep, res->lat_us.mean);
    rc |= add_sample(r, dev, w->name, "lat_p50_us", rep, res->lat_us.p50);
    rc |= add_sample(r, dev, w->name, "lat_p90_us", rep, res->lat_us.p90);
    rc |= add_sample(r, dev, w->name, "lat_p99_us", rep, res->lat_us.p99);
    rc |= add_sample(r, dev, w->name, "lat_p999_us", rep, res->lat_us.p999);
    rc |= add_sample(r, dev, w->name, "lat_max_us", rep, res->lat_us.max);
    rc |= add_sample(r, dev, w->name, "guest_cpu_pct", rep, busy);
    rc |= add_sample(r, dev, w->name, "guest_user_pct", rep, c->user + c->nice);
    rc |= add_sample(r, dev, w->name, "guest_sys_pct", rep, c->system);
    rc |= add_sample(r, dev, w->name, "guest_irq_pct", rep, c->irq);
    rc |= add_sample(r, dev, w->name, "guest_softirq_pct", rep, c->softirq);
    if (res->ops > 0) {
        /* /proc/stat sums all vCPUs: busy share x vCPUs x interval = CPU time used. */
        rc |= add_sample(r, dev, w->name, "guest_cpu_us_per_op", rep,
                         busy / 100.0 * r->s.vcpus * rt * 1e6 / ops);
        rc |= add_sample(r, dev, w->name, "irqs_per_op", rep, (double)res->irqs / ops);
    }
    if (host_cpu_s >= 0 && res->ops_total > 0) {
        rc |= add_sample(r, dev, w->name, "host_cpu_us_per_op", rep,
                         host_cpu_s * 1e6 / (double)res->ops_total);
    }
    return rc ? -1 : 0;
}

/* ---- jobs ----------------------------------------------------------------------------------- */

enum job_outcome { JOB_OK, JOB_FAILED, JOB_GUEST_LOST };

static const char *job_fault(struct run_ctx *r, const struct devmodel *dev,
                             const struct workload *w)
{
    if (!r->fault[0] || r->fault_used || strcmp(r->fault_device, dev->name) != 0 ||
        (r->fault_workload[0] && strcmp(r->fault_workload, w->name) != 0)) {
        return "none";
    }
    r->fault_used = 1;
    return r->fault;
}

static enum job_outcome job_run(struct run_ctx *r, struct live_guest *lg,
                                const struct devmodel *dev, const struct workload *w,
                                unsigned rep, char *reason, size_t len)
{
    char line[PVB_LINE_MAX], err[256], what[128];
    struct agent_job job;
    struct agentmsg msg;
    double cpu0, cpu1, deadline, budget;
    struct libvirt_counters lv0, lv1;
    int st, have_lv;

    memset(&job, 0, sizeof(job));
    job.id = ++r->job_seq;
    job.workload = w->name;
    job.kind = devmodel_kind_name(w->kind);
    job.rw = w->rw;
    job.bs = w->bs;
    job.qd = w->qd;
    job.runtime_ms = (unsigned)(r->s.runtime_s * 1000.0 + 0.5);
    job.warmup_ms = (unsigned)(r->s.warmup_s * 1000.0 + 0.5);
    job.irq = dev->irq_match;
    job.fault = job_fault(r, dev, w);
    if (agentmsg_format_job(line, sizeof(line), &job) < 0) {
        snprintf(reason, len, "cannot format job %u", job.id);
        return JOB_FAILED;
    }
    /* Runtime plus warm-up, plus a margin for a slow (TCG) guest to set up and answer. */
    budget = (r->s.runtime_s + r->s.warmup_s) * 1.5 + 15.0;
    have_lv = r->backend == &backend_libvirt_ops && backend_libvirt_counters(&lg->g, &lv0) == 0;
    cpu0 = r->backend->cpu_seconds(&lg->g);
    st = chan_send(&lg->ch, line, util_now() + RUN_SEND_TIMEOUT_S);
    if (st != 0) {
        describe_chan_failure(lg, st, "the agent to take a job", RUN_SEND_TIMEOUT_S, reason, len);
        return JOB_GUEST_LOST;
    }
    snprintf(what, sizeof(what), "the result of job %u (%s, rep %u)", job.id, w->name, rep);
    deadline = util_now() + budget;
    for (;;) {
        st = chan_read_line(&lg->ch, line, sizeof(line), deadline, guest_abort_cb, lg);
        if (st != CHAN_LINE) {
            describe_chan_failure(lg, st, what, budget, reason, len);
            return JOB_GUEST_LOST;
        }
        if (agentmsg_parse(line, strlen(line), &msg, err, sizeof(err)) < 0) {
            util_sanitize(err);
            snprintf(reason, len, "agent sent garbage while running %s: %s", w->name, err);
            return JOB_GUEST_LOST;
        }
        if (msg.type == AGENTMSG_LOG) {
            agent_log_line(lg, msg.u.log);
            continue;
        }
        if (msg.type == AGENTMSG_ERROR) {
            util_sanitize(msg.u.error.reason);
            snprintf(reason, len, "agent: %s", msg.u.error.reason);
            return JOB_FAILED;
        }
        if (msg.type == AGENTMSG_RESULT && msg.u.result.job == job.id) {
            break;
        }
        snprintf(reason, len, "agent answered out of turn while running job %u", job.id);
        return JOB_GUEST_LOST;
    }
    cpu1 = r->backend->cpu_seconds(&lg->g);
    if (have_lv && backend_libvirt_counters(&lg->g, &lv1) == 0 && lv0.rd_bytes >= 0 &&
        w->kind == DEVMODEL_BLK && msg.u.result.ops_total > 0) {
        /* Both sides must agree on the bytes moved; a disagreement is flagged, not hidden. */
        double host = (double)(lv1.rd_bytes - lv0.rd_bytes + lv1.wr_bytes - lv0.wr_bytes);
        double agent = (double)msg.u.result.ops_total * w->bs;
        double ratio = host / agent;
        if (add_sample(r, dev, w->name, "host_bytes_ratio", rep, ratio) < 0) {
            snprintf(reason, len, "out of memory");
            return JOB_FAILED;
        }
        if (ratio < 0.95 || ratio > 1.05) {
            log_warn("%s %s rep %u: libvirt saw %.0f bytes on the disk, the agent %.0f "
                     "(ratio %.3f): sample flagged in host_bytes_ratio",
                     dev->name, w->name, rep, host, agent, ratio);
        }
    }
    if (agentmsg_check_result(&msg.u.result, &job, err, sizeof(err)) < 0) {
        util_sanitize(err);
        snprintf(reason, len, "implausible result for %s rep %u: %s", w->name, rep, err);
        return JOB_FAILED;
    }
    if (record_result(r, dev, w, rep, &msg.u.result, (cpu0 >= 0 && cpu1 >= 0) ? cpu1 - cpu0 : -1) <
        0) {
        snprintf(reason, len, "out of memory");
        return JOB_FAILED;
    }
    return save_samples(r) < 0 ? JOB_FAILED : JOB_OK;
}

/* ---- configurations ------------------------------------------------------------------------- */

static unsigned count_boot_samples(const struct run_ctx *r, const char *config)
{
    unsigned n = 0;

    for (size_t i = 0; i < r->samples.n; i++) {
        if (strcmp(r->samples.v[i].config, config) == 0 &&
            strcmp(r->samples.v[i].metric, "boot_to_ready_s") == 0) {
            n++;
        }
    }
    return n;
}

static int config_has_work(const struct run_ctx *r, const struct devmodel *dev)
{
    for (unsigned wi = 0; wi < r->s.n_workloads; wi++) {
        const struct workload *w = r->s.workloads[wi];
        if (w->kind != dev->kind) {
            continue;
        }
        for (unsigned rep = 1; rep <= r->s.repetitions; rep++) {
            if (!samples_has_cell(&r->samples, dev->name, w->name, rep)) {
                return 1;
            }
        }
    }
    return 0;
}

static void config_fail(struct run_ctx *r, unsigned di, const char *reason)
{
    struct config_state *c = &r->cfg[di];

    c->status = CONFIG_FAILED;
    util_strlcpy(c->reason, reason, sizeof(c->reason));
    log_err("%s: %s", r->s.devices[di]->name, reason);
}

static void config_run(struct run_ctx *r, unsigned di)
{
    const struct devmodel *dev = r->s.devices[di];
    struct config_state *c = &r->cfg[di];
    struct live_guest lg;
    struct agent_ready ready;
    char reason[512], status[96];
    double boot_s = 0;

    if (!config_has_work(r, dev)) {
        c->status = CONFIG_OK;
        log_info("%s: every cell already measured, skipped (resume)", dev->name);
        return;
    }
    snprintf(status, sizeof(status), "booting %s (%s, %s)", dev->name,
             machine_name(r->s.device_machine[di]), r->accel);
    progress_status(status);
    if (guest_boot(r, &lg, dev->name, dev, r->s.device_machine[di], r->accel,
                   r->s.boot_timeout_s, r->s.disk_mib, &ready, &boot_s, reason,
                   sizeof(reason)) < 0) {
        config_fail(r, di, reason);
        goto out;
    }
    c->boot_to_ready_s = boot_s;
    util_strlcpy(c->driver, ready.blk_driver, sizeof(c->driver));
    if (dev->kind == DEVMODEL_BLK && !ready.blk[0]) {
        snprintf(reason, sizeof(reason),
                 "the guest found no disk (modules loaded %d, failed %d): is the %s driver in "
                 "the image?",
                 ready.modules_loaded, ready.modules_failed, dev->guest_modules);
        config_fail(r, di, reason);
        goto out;
    }
    log_debug("%s: agent ready in %.2f s, disk %s, driver %s", dev->name, boot_s, ready.blk,
              ready.blk_driver);
    if (add_sample(r, dev, "boot", "boot_to_ready_s", count_boot_samples(r, dev->name) + 1,
                   boot_s) < 0 ||
        save_samples(r) < 0) {
        config_fail(r, di, "cannot save samples");
        goto out;
    }
    for (unsigned wi = 0; wi < r->s.n_workloads && !interrupted && !r->write_failed; wi++) {
        const struct workload *w = r->s.workloads[wi];
        if (w->kind != dev->kind) {
            continue;
        }
        for (unsigned rep = 1; rep <= r->s.repetitions && !interrupted && !r->write_failed;
             rep++) {
            double t0 = util_now();
            enum job_outcome out;

            if (samples_has_cell(&r->samples, dev->name, w->name, rep)) {
                continue;
            }
            progress_job(dev->name, w->name, rep, r->s.repetitions);
            out = job_run(r, &lg, dev, w, rep, reason, sizeof(reason));
            progress_job_done(util_now() - t0);
            if (out == JOB_FAILED) {
                c->jobs_failed++;
                log_err("%s %s rep %u: %s", dev->name, w->name, rep, reason);
                snprintf(c->reason, sizeof(c->reason), "%s rep %u: %s", w->name, rep, reason);
            } else if (out == JOB_GUEST_LOST) {
                char full[600];
                snprintf(full, sizeof(full), "%s rep %u: %s", w->name, rep, reason);
                config_fail(r, di, full);
                goto out;
            }
        }
    }
    if (interrupted) {
        config_fail(r, di, "interrupted");
    } else if (c->jobs_failed > 0) {
        c->status = CONFIG_FAILED;
    } else if (c->status == CONFIG_PENDING) {
        c->status = CONFIG_OK;
    }
out:
    guest_stop(&lg);
}

/* ---- backend -------------------------------------------------------------------------------- */

/* libvirt when its daemon answers (auto), else the direct QEMU backend; the run says which. */
static int backend_choose(struct run_ctx *r)
{
    const char *want = r->o->backend ? r->o->backend : getenv("PVBENCH_BACKEND");
    char err[512];

    if (!want || !*want) {
        want = "auto";
    }
    if (strcmp(want, "qemu") == 0) {
        r->backend = &backend_qemu_ops;
        snprintf(r->backend_info, sizeof(r->backend_info), "direct QEMU (asked for)");
        return 0;
    }
    if (strcmp(want, "libvirt") != 0 && strcmp(want, "auto") != 0) {
        log_err("--backend: expected auto, libvirt or qemu, got '%s'", want);
        return -1;
    }
    if (backend_libvirt_connect(r->o->connect, err, sizeof(err)) == 0) {
        r->backend = &backend_libvirt_ops;
        if (backend_libvirt_describe(r->backend_info, sizeof(r->backend_info)) < 0) {
            snprintf(r->backend_info, sizeof(r->backend_info), "libvirt %s",
                     backend_libvirt_uri());
        }
        log_info("backend: libvirt (%s)", r->backend_info);
        return 0;
    }
    if (strcmp(want, "libvirt") == 0) {
        log_err("--backend libvirt: %s", err);
        return -1;
    }
    r->backend = &backend_qemu_ops;
    snprintf(r->backend_info, sizeof(r->backend_info),
             "direct QEMU (libvirt not reachable: %.200s)", err);
    log_info("backend: direct QEMU; libvirt is not reachable (%s)", err);
    return 0;
}

/* ---- accelerator ---------------------------------------------------------------------------- */

/*
 * KVM only if a probe guest reaches agent-ready under KVM in a few seconds: on
 * nested setups /dev/kvm opens but a standard kernel hangs in early boot.
 */
static int accel_choose(struct run_ctx *r)
{
    const char *want = r->o->accel ? r->o->accel : "auto";
    const struct devmodel *probe_dev = devmodel_find("virtio-blk");
    struct live_guest lg;
    struct agent_ready ready;
    char reason[512];
    double boot_s;
    int fd, ok;

    if (strcmp(want, "tcg") == 0) {
        util_strlcpy(r->accel, "tcg", sizeof(r->accel));
        util_strlcpy(r->accel_reason, "asked for with --accel tcg", sizeof(r->accel_reason));
        return 0;
    }
    fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        snprintf(r->accel_reason, sizeof(r->accel_reason), "/dev/kvm: %s", strerror(errno));
        goto no_kvm;
    }
    close(fd);
    progress_status("probing KVM with a test guest");
    ok = guest_boot(r, &lg, "kvmprobe", probe_dev, MACHINE_PC, "kvm", RUN_KVM_PROBE_TIMEOUT_S,
                    RUN_PROBE_DISK_MIB, &ready, &boot_s, reason, sizeof(reason)) == 0;
    guest_stop(&lg);
    progress_clear();
    if (ok) {
        util_strlcpy(r->accel, "kvm", sizeof(r->accel));
        snprintf(r->accel_reason, sizeof(r->accel_reason),
                 "probe guest reached agent-ready under KVM in %.2f s", boot_s);
        return 0;
    }
    snprintf(r->accel_reason, sizeof(r->accel_reason),
             "/dev/kvm opens but a probe guest did not reach agent-ready under KVM: %s", reason);
no_kvm:
    if (strcmp(want, "kvm") == 0) {
        log_err("--accel kvm: KVM cannot run guests here (%s)", r->accel_reason);
        return -1;
    }
    util_strlcpy(r->accel, "tcg", sizeof(r->accel));
    log_warn("KVM not usable (%s); using TCG (software emulation): numbers are much lower than "
             "under KVM and are never compared with KVM runs",
             r->accel_reason);
    return 0;
}

/* ---- run.json ------------------------------------------------------------------------------- */

static void host_cpu_model(char *buf, size_t len)
{
    FILE *f = fopen("/proc/cpuinfo", "re");
    char line[512];

    util_strlcpy(buf, "unknown", len);
    if (!f) {
        return;
    }
    while (fgets(line, sizeof(line), f)) {
        char *colon = strchr(line, ':');
        if (strncmp(line, "model name", 10) == 0 && colon) {
            util_rstrip(colon + 2);
            util_strlcpy(buf, colon + 2, len);
            break;
        }
    }
    fclose(f);
}

static const char *config_status_name(enum config_status s)
{
    switch (s) {
    case CONFIG_OK:
        return "ok";
    case CONFIG_FAILED:
        return "failed";
    case CONFIG_SKIPPED:
        return "skipped";
    default:
        return "pending";
    }
}

static int run_json_write(struct run_ctx *r)
{
    json_object *root = json_object_new_object();
    json_object *host = json_object_new_object();
    json_object *scen = json_object_new_object();
    json_object *acc = json_object_new_object();
    json_object *configs = json_object_new_array();
    struct utsname un;
    char cpu[256], hostname[256] = "", path[PATH_MAX + 16], *resolved = NULL;
    size_t rlen = 0;
    FILE *mf = open_memstream(&resolved, &rlen);
    const char *text;
    int rc;

    uname(&un);
    gethostname(hostname, sizeof(hostname) - 1);
    host_cpu_model(cpu, sizeof(cpu));
    if (mf) {
        scenario_print_resolved(&r->s, mf);
        fclose(mf);
    }
    json_object_object_add(root, "format", json_object_new_string("pvbench-run"));
    json_object_object_add(root, "version", json_object_new_int(RESULTS_FORMAT_VERSION));
    json_object_object_add(root, "pvbench_version", json_object_new_string(PVB_VERSION));
    json_object_object_add(root, "git_revision", json_object_new_string(PVB_GIT_REV));
    json_object_object_add(root, "run_id", json_object_new_string(r->run_id));
    json_object_object_add(scen, "name", json_object_new_string(r->s.name));
    json_object_object_add(scen, "path", json_object_new_string(r->s.path));
    json_object_object_add(scen, "file", json_object_new_string("scenario.ini"));
    json_object_object_add(scen, "resolved", json_object_new_string(resolved ? resolved : ""));
    json_object_object_add(root, "scenario", scen);
    json_object_object_add(host, "hostname", json_object_new_string(hostname));
    json_object_object_add(host, "cpu_model", json_object_new_string(cpu));
    json_object_object_add(host, "cores", json_object_new_int((int)sysconf(_SC_NPROCESSORS_ONLN)));
    json_object_object_add(host, "kernel", json_object_new_string(un.release));
    json_object_object_add(root, "host", host);
    json_object_object_add(root, "qemu_binary", json_object_new_string(r->qemu_binary));
    json_object_object_add(root, "qemu_version", json_object_new_string(r->qemu_version));
    json_object_object_add(root, "guest_kernel", json_object_new_string(r->guest_kernel));
    json_object_object_add(acc, "name", json_object_new_string(r->accel));
    json_object_object_add(acc, "reason", json_object_new_string(r->accel_reason));
    json_object_object_add(root, "accelerator", acc);
    json_object_object_add(root, "backend", json_object_new_string(r->backend->name));
    json_object_object_add(root, "backend_info", json_object_new_string(r->backend_info));
    json_object_object_add(root, "start", json_object_new_string(r->started));
    json_object_object_add(root, "end", r->ended[0] ? json_object_new_string(r->ended) : NULL);
    for (unsigned i = 0; i < r->s.n_devices; i++) {
        const struct devmodel *d = r->s.devices[i];
        json_object *c = json_object_new_object();
        json_object_object_add(c, "config", json_object_new_string(d->name));
        json_object_object_add(c, "device", json_object_new_string(d->name));
        json_object_object_add(c, "class", json_object_new_string(devmodel_class_name(d->class)));
        json_object_object_add(c, "kind", json_object_new_string(devmodel_kind_name(d->kind)));
        json_object_object_add(c, "machine",
                               json_object_new_string(machine_name(r->s.device_machine[i])));
        json_object_object_add(c, "qemu_device", json_object_new_string(d->qemu_device));
        json_object_object_add(c, "guest_driver", json_object_new_string(r->cfg[i].driver));
        json_object_object_add(c, "status",
                               json_object_new_string(config_status_name(r->cfg[i].status)));
        json_object_object_add(c, "reason", json_object_new_string(r->cfg[i].reason));
        json_object_array_add(configs, c);
    }
    json_object_object_add(root, "configs", configs);
    text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
    snprintf(path, sizeof(path), "%s/run.json", r->out_dir);
    rc = results_write_atomic(path, text, strlen(text));
    if (rc < 0) {
        log_err("cannot write %s: %s", path, strerror(errno));
    }
    json_object_put(root);
    free(resolved);
    return rc;
}

/* ---- set-up --------------------------------------------------------------------------------- */

static int parse_fault(struct run_ctx *r, const char *spec)
{
    const char *at = strchr(spec, '@');
    const char *colon;
    static const char *const faults[] = {"hang", "crash", "exit", "garbage", "flood"};
    size_t n;
    int ok = 0;

    if (!at) {
        return -1;
    }
    n = (size_t)(at - spec);
    for (unsigned i = 0; i < sizeof(faults) / sizeof(faults[0]); i++) {
        if (strlen(faults[i]) == n && strncmp(faults[i], spec, n) == 0) {
            ok = 1;
        }
    }
    if (!ok || n >= sizeof(r->fault)) {
        return -1;
    }
    memcpy(r->fault, spec, n);
    r->fault[n] = '\0';
    colon = strchr(at + 1, ':');
    if (colon) {
        snprintf(r->fault_device, sizeof(r->fault_device), "%.*s", (int)(colon - at - 1), at + 1);
        util_strlcpy(r->fault_workload, colon + 1, sizeof(r->fault_workload));
    } else {
        util_strlcpy(r->fault_device, at + 1, sizeof(r->fault_device));
    }
    return devmodel_find(r->fault_device) ? 0 : -1;
}

static int find_inputs(struct run_ctx *r)
{
    const char *img = r->o->image_dir;
    char defdir[PATH_MAX], buf[256], path[PATH_MAX + 32];
    char *argv[] = {r->qemu_binary, "--version", NULL};
    int rc;

    if (!img) {
        img = getenv("PVBENCH_IMAGE_DIR");
    }
    if (!img) {
        snprintf(defdir, sizeof(defdir), "%s/build/guest", PVB_DATADIR);
        img = defdir;
    }
    snprintf(r->kernel, sizeof(r->kernel), "%s/vmlinux", img);
    snprintf(r->initrd, sizeof(r->initrd), "%s/initramfs.img", img);
    if (access(r->kernel, R_OK) < 0 || access(r->initrd, R_OK) < 0) {
        log_err("guest image missing in %s (vmlinux, initramfs.img): run `make image`", img);
        return -1;
    }
    snprintf(path, sizeof(path), "%s/kernel-release", img);
    if (util_read_file(path, r->guest_kernel, sizeof(r->guest_kernel)) < 0) {
        util_strlcpy(r->guest_kernel, "unknown", sizeof(r->guest_kernel));
    }
    util_rstrip(r->guest_kernel);

    rc = util_run_capture(argv, buf, sizeof(buf), 10.0);
    if (rc != 0) {
        log_err("cannot run %s --version: is QEMU installed? (scripts/setup installs it)",
                r->qemu_binary);
        return -1;
    }
    buf[strcspn(buf, "\n")] = '\0';
    util_strlcpy(r->qemu_version, buf, sizeof(r->qemu_version));
    return 0;
}

static int make_out_dir(struct run_ctx *r)
{
    char stamp[32];
    time_t t = time(NULL);
    struct tm tm;

    if (r->o->resume_dir) {
        util_strlcpy(r->out_dir, r->o->resume_dir, sizeof(r->out_dir));
    } else if (r->o->out_dir) {
        util_strlcpy(r->out_dir, r->o->out_dir, sizeof(r->out_dir));
    } else {
        localtime_r(&t, &tm);
        strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
        snprintf(r->out_dir, sizeof(r->out_dir), "results/%s-%s", stamp, r->s.name);
    }
    snprintf(r->logs_dir, sizeof(r->logs_dir), "%s/logs", r->out_dir);
    snprintf(r->samples_path, sizeof(r->samples_path), "%s/samples.csv", r->out_dir);
    if (util_mkdir_p(r->logs_dir) < 0) {
        log_err("cannot create %s: %s", r->logs_dir, strerror(errno));
        return -1;
    }
    return 0;
}

static int load_resume(struct run_ctx *r)
{
    char err[512];
    unsigned bad = 0;

    if (access(r->samples_path, F_OK) < 0) {
        return 0;
    }
    if (samples_read_csv(r->samples_path, &r->samples, &bad, err, sizeof(err)) < 0) {
        log_err("cannot resume: %s", err);
        return -1;
    }
    if (bad) {
        log_warn("%u unreadable row%s in %s ignored (first: %s)", bad, bad == 1 ? "" : "s",
                 r->samples_path, err);
    }
    log_info("resuming %s: %zu samples already measured", r->out_dir, r->samples.n);
    return 0;
}

static unsigned count_jobs(const struct run_ctx *r)
{
    unsigned n = 0;

    for (unsigned di = 0; di < r->s.n_devices; di++) {
        for (unsigned wi = 0; wi < r->s.n_workloads; wi++) {
            if (r->s.workloads[wi]->kind != r->s.devices[di]->kind) {
                continue;
            }
            for (unsigned rep = 1; rep <= r->s.repetitions; rep++) {
                n += !samples_has_cell(&r->samples, r->s.devices[di]->name,
                                       r->s.workloads[wi]->name, rep);
            }
        }
    }
    return n;
}

static int write_summaries(struct run_ctx *r, struct summary_set *sum)
{
    char path[PATH_MAX + 32];
    int rc = 0;

    if (summary_compute(&r->samples, STATS_DEFAULT_SEED, sum) < 0) {
        log_err("cannot compute the summary: out of memory");
        return -1;
    }
    snprintf(path, sizeof(path), "%s/summary.csv", r->out_dir);
    if (summary_write_csv(path, sum) < 0) {
        log_err("cannot write %s: %s", path, strerror(errno));
        rc = -1;
    }
    snprintf(path, sizeof(path), "%s/summary.json", r->out_dir);
    if (summary_write_json(path, sum) < 0) {
        log_err("cannot write %s: %s", path, strerror(errno));
        rc = -1;
    }
    return rc;
}

int run_main(const char *scenario_path, const struct run_options *o)
{
    struct run_ctx *r = calloc(1, sizeof(*r));
    struct summary_set sum = {0};
    char err[SCENARIO_ERR_MAX], path[PATH_MAX + 32];
    int code = PVB_EXIT_OK, rep;
    unsigned failed = 0;

    if (!r) {
        log_err("out of memory");
        return PVB_EXIT_FAILED;
    }
    r->o = o;
    r->backend = &backend_qemu_ops;
    if (scenario_load(scenario_path, &r->s, err, sizeof(err)) < 0) {
        fprintf(stderr, "%s\n", err);
        code = PVB_EXIT_USAGE;
        goto out_free;
    }
    for (unsigned i = 0; i < o->n_sets; i++) {
        if (scenario_set(&r->s, o->sets[i], err, sizeof(err)) < 0) {
            fprintf(stderr, "%s\n", err);
            code = PVB_EXIT_USAGE;
            goto out_free;
        }
    }
    if (o->fault && parse_fault(r, o->fault) < 0) {
        log_err("--fault %s: expected FAULT@DEVICE[:WORKLOAD], FAULT one of hang, crash, exit, "
                "garbage, flood",
                o->fault);
        code = PVB_EXIT_USAGE;
        goto out_free;
    }
    if (o->dry_run) {
        scenario_print_resolved(&r->s, stdout);
        goto out_free;
    }
    util_strlcpy(r->qemu_binary, o->qemu_binary ? o->qemu_binary : "qemu-system-x86_64",
                 sizeof(r->qemu_binary));
    if (backend_check_ops(r->backend) < 0 || find_inputs(r) < 0) {
        code = PVB_EXIT_FAILED;
        goto out_free;
    }
    if (make_out_dir(r) < 0 || (o->resume_dir && load_resume(r) < 0)) {
        code = PVB_EXIT_FAILED;
        goto out_free;
    }
    snprintf(path, sizeof(path), "%s/scenario.ini", r->out_dir);
    if (!o->resume_dir && util_copy_file(scenario_path, path) < 0) {
        log_warn("cannot copy the scenario into %s", path);
    }
    if (registry_open(r->run_id, sizeof(r->run_id)) < 0) {
        code = PVB_EXIT_FAILED;
        goto out_free;
    }
    util_iso_time(r->started, sizeof(r->started));
    progress_init(count_jobs(r));
    if (backend_choose(r) < 0) {
        code = PVB_EXIT_FAILED;
        goto out_release;
    }
    if (backend_check_ops(r->backend) < 0) {
        code = PVB_EXIT_FAILED;
        goto out_release;
    }
    if (accel_choose(r) < 0) {
        code = PVB_EXIT_SKIPPED;
        goto out_release;
    }
    log_info("run %s: scenario %s, %u device%s, accelerator %s, backend %s, results in %s",
             r->run_id, r->s.name, r->s.n_devices, r->s.n_devices == 1 ? "" : "s", r->accel,
             r->backend->name, r->out_dir);
    if (run_json_write(r) < 0) {
        code = PVB_EXIT_FAILED;
        goto out_release;
    }
    for (unsigned di = 0; di < r->s.n_devices && !interrupted && !r->write_failed; di++) {
        config_run(r, di);
        run_json_write(r);
    }
    progress_clear();

    util_iso_time(r->ended, sizeof(r->ended));
    for (unsigned di = 0; di < r->s.n_devices; di++) {
        failed += r->cfg[di].status != CONFIG_OK;
    }
    if (write_summaries(r, &sum) == 0) {
        table_print(stdout, &r->s, &r->samples, &sum);
    }
    run_json_write(r);
    if (interrupted) {
        log_err("interrupted: guests stopped, scratch disks removed; %zu samples kept in %s "
                "(continue with: pvbench run --resume %s %s)",
                r->samples.n, r->samples_path, r->out_dir, scenario_path);
        code = PVB_EXIT_FAILED;
    } else if (failed || r->write_failed) {
        log_err("%u of %u configuration%s failed (see %s/run.json and logs/)", failed,
                r->s.n_devices, r->s.n_devices == 1 ? "" : "s", r->out_dir);
        code = PVB_EXIT_FAILED;
    }
    printf("results: %s\n", r->out_dir);
    fflush(stdout);
    rep = report_build(r->out_dir, "png", 1);
    if (rep != PVB_EXIT_OK && rep != PVB_EXIT_SKIPPED) {
        log_warn("report of %s incomplete (exit %d)", r->out_dir, rep);
    }
out_release:
    registry_release_all();
    if (r->backend == &backend_libvirt_ops) {
        backend_libvirt_disconnect();
    }
out_free:
    summary_free(&sum);
    samples_free(&r->samples);
    free(r);
    return code;
}
