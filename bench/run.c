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
#include <dirent.h>
#include <sched.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "agentmsg.h"
#include "backend.h"
#include "baseline.h"
#include "compare.h"
#include "chan.h"
#include "exitcode.h"
#include "hostbase.h"
#include "hostbase_net.h"
#include "metric.h"
#include "netns.h"
#include "peer.h"
#include "progress.h"
#include "registry.h"
#include "report.h"
#include "results.h"
#include "scenario.h"
#include "table.h"
#include "util.h"
#include "why.h"

#define RUN_SEND_TIMEOUT_S 5.0
#define RUN_QUIT_GRACE_S 5.0
#define RUN_KVM_PROBE_TIMEOUT_S 10.0
#define RUN_PROBE_DISK_MIB 16

enum config_status { CONFIG_PENDING, CONFIG_OK, CONFIG_FAILED, CONFIG_SKIPPED };

struct config_state {
    enum config_status status;
    char reason[512];
    char driver[32];
    double load_before, load_after; /* host 1-minute load average around the configuration */
    char vhost[8];                  /* net: "on" | "off" (run.json) */
    char why_source[128];           /* where the "why" counts came from ("" if none) */
    unsigned retries;               /* jobs run again on a fresh guest after a lost one */
    char retry_reason[512];         /* why the last of them was lost */
};

/*
 * One host of the run (--connect URI; one host when it is given once or not at all). A
 * configuration is a device on a host: "device" in a run of one host, "device@label" in a
 * run of several, where label (the host column) comes from the URI's host part or, for this
 * machine, its hostname, with the transport added when two hosts would share a label.
 */
struct run_host {
    char uri[BACKEND_LIBVIRT_URI_MAX]; /* "" : the default URI, or the qemu backend */
    char label[RESULTS_HOST_MAX + 1];
    int local;                         /* the URI names this machine */
    int upload;                        /* guest image and scratch disks as volumes */
    struct backend_libvirt_host info;  /* as libvirt describes it ("" before connecting) */
    char accel[8];
    char accel_reason[256];
    char status[16];                   /* "" not yet, "ok", "failed", "skipped" */
    char reason[512];
    char storage[256];                 /* where its guests' image is (run.json) */
    char kernel[PATH_MAX];             /* the guest image as this host sees it */
    char initrd[PATH_MAX];
    char config[SCENARIO_MAX_DEVICES][48];
    struct config_state cfg[SCENARIO_MAX_DEVICES];
};

struct run_ctx {
    struct scenario s;
    const struct run_options *o;
    const struct backend_ops *backend;
    struct run_host hosts[RUN_MAX_HOSTS];
    unsigned n_hosts;
    struct run_host *host;      /* the host being measured */
    char local_label[RESULTS_HOST_MAX + 1]; /* this machine's (the bare-host baseline) */
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
    struct config_state *cfg; /* the current host's (host->cfg) */
    unsigned job_seq;
    unsigned total_jobs;
    char fault[16];
    char fault_device[32];
    char fault_workload[32];
    int fault_used;
    int write_failed; /* samples could not be saved: stop */
    /* The test network (netns.h) and host peer (peer.h): once per run, at the first net
     * configuration; net_state 0 not yet, 1 up, -1 failed, -2 this host cannot. */
    struct netns_topo net;
    struct peer peer;
    int net_state;
    char net_reason[256];
    int vhost_available;
    /* host_baseline = yes (hostbase.h): "ok", "skipped", "failed" or "" (not asked) */
    char host_status[16];
    char host_reason[512];
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

/* ---- hosts ---------------------------------------------------------------------------------- */

/* The configuration of device dev on the current host: "dev" or "dev@host" (several hosts). */
static const char *config_name(const struct run_ctx *r, const struct devmodel *dev)
{
    for (unsigned i = 0; r->host && i < r->s.n_devices; i++) {
        if (r->s.devices[i] == dev) {
            return r->host->config[i];
        }
    }
    return dev->name;
}

/* Make h the host being measured: its configurations' names and states. */
static void host_select(struct run_ctx *r, unsigned h)
{
    r->host = &r->hosts[h];
    r->cfg = r->host->cfg;
}

/* The transport of a libvirt URI for a label: "unix", "tcp", "ssh", ... ("local" if none). */
static void uri_transport(const char *uri, char *out, size_t len)
{
    const char *plus = strchr(uri, '+');
    const char *colon = strchr(uri, ':');

    if (plus && colon && plus < colon) {
        snprintf(out, len, "%.*s", (int)(colon - plus - 1), plus + 1);
    } else {
        snprintf(out, len, "local");
    }
}

/* The host part of a libvirt URI ("" if none): "qemu+ssh://root@hostA:22/system" -> hostA. */
static void uri_server(const char *uri, char *out, size_t len)
{
    const char *p = strstr(uri, "://");
    size_t n;

    out[0] = '\0';
    if (!p) {
        return;
    }
    p += 3;
    n = strcspn(p, "/?");
    snprintf(out, len, "%.*s", (int)n, p);
    if ((p = strrchr(out, '@')) != NULL) {
        memmove(out, p + 1, strlen(p + 1) + 1);
    }
    if (out[0] == '[') {
        out[strcspn(out, "]")] = '\0'; /* [::1]:16509 */
        memmove(out, out + 1, strlen(out));
    } else {
        out[strcspn(out, ":")] = '\0';
    }
}

/* Does one of the hosts before h have label? */
static int host_label_taken(const struct run_ctx *r, unsigned h, const char *label)
{
    for (unsigned k = 0; k < h; k++) {
        if (strcmp(r->hosts[k].label, label) == 0) {
            return 1;
        }
    }
    return 0;
}

/*
 * The hosts of the run from --connect (none or one: one host, as before) and their labels:
 * the URI's host part, or this machine's hostname for a local URI; when labels collide,
 * "-<transport>" is added, then "-<n>", so labels stay stable for the same command line.
 * Configuration names carry the label only when there are several hosts.
 */
static int hosts_init(struct run_ctx *r)
{
    char name[256] = "", server[256], tr[32], base[RESULTS_HOST_MAX + 1], cand[64];
    const char *backend = r->o->backend ? r->o->backend : getenv("PVBENCH_BACKEND");

    if (r->o->n_connect > 1 && backend && strcmp(backend, "qemu") == 0) {
        log_err("%s: several --connect hosts are reached through libvirt only "
                "(use --backend libvirt)",
                r->o->backend ? "--backend qemu" : "PVBENCH_BACKEND=qemu");
        return -1;
    }
    gethostname(name, sizeof(name) - 1);
    results_host_label(r->local_label, sizeof(r->local_label), name);
    r->n_hosts = r->o->n_connect ? r->o->n_connect : 1;
    for (unsigned h = 0; h < r->n_hosts; h++) {
        struct run_host *hs = &r->hosts[h];
        const char *uri = r->o->n_connect ? r->o->connect[h] : "";

        if (util_strlcpy(hs->uri, uri, sizeof(hs->uri)) < 0) {
            log_err("--connect %s: longer than %d bytes", uri, BACKEND_LIBVIRT_URI_MAX - 1);
            return -1;
        }
        uri_server(uri, server, sizeof(server));
        hs->local = !*uri || backend_libvirt_uri_is_local(uri);
        hs->upload = *uri ? backend_libvirt_uri_needs_upload(uri)
                          : backend_libvirt_uri_needs_upload(BACKEND_LIBVIRT_DEFAULT_URI);
        if (hs->local || !server[0]) {
            util_strlcpy(hs->label, r->local_label, sizeof(hs->label));
        } else {
            results_host_label(hs->label, sizeof(hs->label), server);
        }
    }
    for (unsigned h = 1; h < r->n_hosts; h++) {
        if (!host_label_taken(r, h, r->hosts[h].label)) {
            continue;
        }
        uri_transport(r->hosts[h].uri, tr, sizeof(tr));
        util_strlcpy(base, r->hosts[h].label, sizeof(base));
        snprintf(cand, sizeof(cand), "%.20s-%.8s", base, tr);
        results_host_label(r->hosts[h].label, sizeof(r->hosts[h].label), cand);
        for (unsigned n = 2; host_label_taken(r, h, r->hosts[h].label); n++) {
            snprintf(cand, sizeof(cand), "%.20s-%.8s-%u", base, tr, n);
            results_host_label(r->hosts[h].label, sizeof(r->hosts[h].label), cand);
        }
    }
    for (unsigned h = 0; h < r->n_hosts; h++) {
        util_strlcpy(base, r->hosts[h].label, sizeof(base)); /* not an argument inside r */
        for (unsigned di = 0; di < r->s.n_devices; di++) {
            if (r->n_hosts == 1) {
                util_strlcpy(r->hosts[h].config[di], r->s.devices[di]->name,
                             sizeof(r->hosts[h].config[di]));
            } else {
                snprintf(r->hosts[h].config[di], sizeof(r->hosts[h].config[di]), "%s@%s",
                         r->s.devices[di]->name, base);
            }
        }
    }
    host_select(r, 0);
    return 0;
}

/* ---- guest lifecycle ------------------------------------------------------------------------ */

struct live_guest {
    struct run_ctx *r;
    struct guest g;
    struct chan ch;
    char sock[PATH_MAX];
    char disk[PATH_MAX];
    char agent_log[PATH_MAX + 32];
    int disk_volume; /* disk is a libvirt volume on the host's side (remote host), not a file */
    int started;
    struct why_session why;   /* QMP + trace log of this guest (why.h) */
    int why_job;              /* the running job is the traced "why" job */
    struct agent_result last; /* the last result the agent sent */
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


/* Index of a net device among the scenario's net devices: its tap, address and MAC. */
static unsigned net_index(const struct run_ctx *r, const struct devmodel *dev)
{
    unsigned k = 0;

    for (unsigned i = 0; i < r->s.n_devices && r->s.devices[i] != dev; i++) {
        k += r->s.devices[i]->kind == DEVMODEL_NET;
    }
    return k;
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
    char line[PVB_LINE_MAX], err[256], addr[32] = "", mac[32] = "";
    struct guest_spec spec;
    struct agentmsg msg;
    double t0, deadline;
    unsigned k = 0;
    int st;

    memset(lg, 0, sizeof(*lg));
    lg->r = r;
    lg->ch.fd = lg->ch.listen_fd = -1;
    snprintf(name, sizeof(name), "pvb-%s-%s", r->run_id, config);
    snprintf(cmdline, sizeof(cmdline), "%s pvbench.run=%s", GUEST_CMDLINE, r->run_id);
    if (dut) {
        /* Only the driver of the device under test (and what it needs) is loaded. */
        char mods[128], *p;
        util_strlcpy(mods, dut->guest_modules, sizeof(mods));
        for (p = mods; *p; p++) {
            *p = *p == ' ' ? ',' : *p;
        }
        snprintf(cmdline + strlen(cmdline), sizeof(cmdline) - strlen(cmdline),
                 " pvbench.modules=%s", mods);
    }
    if (dut && dut->kind == DEVMODEL_NET) {
        /* Each net guest of the run has its own tap, address and MAC (netns.h). */
        k = net_index(r, dut);
        if (k >= r->net.n_taps || netns_guest_addr(k, addr, sizeof(addr)) < 0 ||
            netns_guest_mac(k, mac, sizeof(mac)) < 0) {
            snprintf(reason, len, "no tap of the test network for %s", config);
            return -1;
        }
        snprintf(cmdline + strlen(cmdline), sizeof(cmdline) - strlen(cmdline),
                 " pvbench.addr=%s", addr);
    }
    if (util_fmt(lg->sock, sizeof(lg->sock), "%s/ctl-%s.sock", registry_dir(), config) < 0 ||
        util_fmt(lg->disk, sizeof(lg->disk), "%s/disk-%s.img", registry_dir(), config) < 0) {
        snprintf(reason, len, "state folder path too long");
        return -1;
    }
    snprintf(console, sizeof(console), "%s/%s-console.log", r->logs_dir, config);
    snprintf(qemulog, sizeof(qemulog), "%s/%s-qemu.log", r->logs_dir, config);
    snprintf(lg->agent_log, sizeof(lg->agent_log), "%s/%s-agent.log", r->logs_dir, config);

    if (dut && dut->kind == DEVMODEL_NET) {
        lg->disk[0] = '\0'; /* a NIC under test: no scratch disk */
    } else if (r->backend == &backend_libvirt_ops && r->host->upload) {
        /* A host that cannot see our files: the scratch disk is a volume on its side. */
        lg->disk[0] = '\0';
        lg->disk_volume = 1;
        if (backend_libvirt_scratch_volume(config, disk_mib, lg->disk, sizeof(lg->disk), reason,
                                           len) < 0) {
            return -1;
        }
    } else if (registry_scratch_file(lg->disk, disk_mib, reason, len) < 0) {
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
    /* The guest image as the host sees it: uploaded volumes on a remote host. */
    spec.kernel = r->host->kernel[0] ? r->host->kernel : r->kernel;
    spec.initrd = r->host->initrd[0] ? r->host->initrd : r->initrd;
    spec.cmdline = cmdline;
    spec.dut = dut;
    spec.disk_path = lg->disk;
    spec.disk_iops_limit = r->s.disk_iops_limit;
    spec.control_sock = lg->sock;
    spec.console_log = console;
    spec.qemu_log = qemulog;
    /* "Why" metrics: QMP and a trace log, qemu backend only (why.h). */
    if (dut && r->s.why && r->backend == &backend_qemu_ops) {
        if (why_session_init(&lg->why, registry_dir(), config, dut, accel, err, sizeof(err)) == 0) {
            spec.qmp_sock = lg->why.qmp_path;
            spec.trace_log = lg->why.trace_path;
        } else {
            log_warn("%s: no why metrics: %s", config, err);
        }
    }
    if (dut && dut->kind == DEVMODEL_NET) {
        spec.net_tap = r->net.taps[k];
        spec.net_mac = mac;
        spec.net_vhost = netns_vhost_for(dut, (enum netns_vhost)r->s.vhost, r->vhost_available) > 0;
    }
    /* vhost-net serves the queues in the host kernel: QEMU never sees their kicks. */
    lg->why.kicks_hidden = spec.net_vhost;

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
    why_session_close(&lg->why);
    chan_close(&lg->ch);
    if (lg->sock[0]) {
        unlink(lg->sock);
        registry_forget(REG_FILE, lg->sock);
    }
    if (lg->disk[0] && lg->disk_volume) {
        backend_libvirt_volume_delete(lg->disk);
    } else if (lg->disk[0]) {
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
    util_strlcpy(s.config, config_name(r, dev), sizeof(s.config));
    util_strlcpy(s.host, r->host->label, sizeof(s.host));
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
    /* Samples made elsewhere (the bare-host baseline) were measured on this machine. */
    for (size_t i = 0; i < r->samples.n; i++) {
        if (!r->samples.v[i].host[0]) {
            util_strlcpy(r->samples.v[i].host, r->local_label, sizeof(r->samples.v[i].host));
        }
    }
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
    /* fio's start-up and ramp are in QEMU's CPU time but not in its counts: no per-op cost */
    if (host_cpu_s >= 0 && res->ops_total > 0 && strcmp(res->engine, "fio") != 0) {
        rc |= add_sample(r, dev, w->name, "host_cpu_us_per_op", rep,
                         host_cpu_s * 1e6 / (double)res->ops_total);
    }
    return rc ? -1 : 0;
}

/* hostbase_run's callback: persist the samples after each host job. */
static int save_samples_cb(void *arg)
{
    return save_samples(arg);
}

static void net_up(struct run_ctx *r);
static void net_teardown(struct run_ctx *r);

/*
 * The network half: the agent as a host process in a namespace of its own, against the run's
 * host peer (hostbase_net.h), the test network made again if the guests' is gone. Returns as
 * hostbase_net_run: 0, 1 skipped, -1 failed (reason).
 */
static int host_baseline_net(struct run_ctx *r, char *reason, size_t len)
{
    char log[PATH_MAX + 32];
    int rc;

    if (!hostbase_net_has_work(&r->s, &r->samples)) {
        return 0;
    }
    net_up(r);
    if (r->net_state != 1) {
        util_strlcpy(reason, r->net_reason, len);
        rc = r->net_state == -2 ? 1 : -1;
        r->net_state = 0;
        return rc;
    }
    snprintf(log, sizeof(log), "%s/host-agent.log", r->logs_dir);
    rc = hostbase_net_run(&r->s, &r->net, &r->peer, log, &r->samples, save_samples_cb, r, reason,
                          len);
    net_teardown(r);
    return rc;
}

/*
 * host_baseline = yes, on the bare host (configuration "host"): the blk jobs with fio, the
 * net jobs with the agent in a namespace of its own. Status: the worse of the two halves.
 */
static void host_baseline_run(struct run_ctx *r)
{
    char blk[512] = "", net[512] = "";
    int rc, rcn = 0;

    if (!r->s.host_baseline || interrupted || r->write_failed) {
        return;
    }
    rc = hostbase_run(&r->s, &r->samples, save_samples_cb, r, blk, sizeof(blk));
    if (!interrupted && !r->write_failed) {
        rcn = host_baseline_net(r, net, sizeof(net));
    }
    util_strlcpy(r->host_status,
                 rc < 0 || rcn < 0 ? "failed" : rc == 1 || rcn == 1 ? "skipped" : "ok",
                 sizeof(r->host_status));
    snprintf(r->host_reason, sizeof(r->host_reason), "%s%s%s%s%s", rc ? "block: " : "",
             rc ? blk : "", rc && rcn ? "; " : "", rcn ? "network: " : "", rcn ? net : "");
    if (rc == 1 || rcn == 1) {
        log_warn("host baseline skipped in part: %s", r->host_reason);
    }
    if (rc < 0 || rcn < 0) {
        log_err("host baseline: %s", r->host_reason);
    }
}

/* pct_of_host.csv, pct_of_host in summary.json, and the terminal lines. */
static void host_baseline_report(struct run_ctx *r)
{
    struct hostbase_pct_set pct;
    char path[PATH_MAX + 32], err[512];

    if (!r->s.host_baseline || hostbase_pct_compute(&r->samples, STATS_DEFAULT_SEED, &pct) < 0) {
        return;
    }
    if (pct.n > 0) {
        snprintf(path, sizeof(path), "%s/%s", r->out_dir, HOSTBASE_PCT_FILE);
        if (hostbase_pct_write_csv(path, &pct) < 0) {
            log_err("cannot write %s: %s", path, strerror(errno));
        }
        snprintf(path, sizeof(path), "%s/summary.json", r->out_dir);
        if (hostbase_pct_annotate_json(path, &pct, err, sizeof(err)) < 0) {
            log_err("%s", err);
        }
        hostbase_pct_print(stdout, &pct);
    }
    hostbase_pct_free(&pct);
}

/* ---- network: test network, host peer, net samples ------------------------------------------ */

/* The test network and the host peer, made once per run: net_state 1, or -1/-2 and why. */
static void net_up(struct run_ctx *r)
{
    unsigned n_net = 0;
    char err[256];

    if (r->net_state == 0) {
        for (unsigned i = 0; i < r->s.n_devices; i++) {
            n_net += r->s.devices[i]->kind == DEVMODEL_NET;
        }
        r->vhost_available = netns_vhost_available();
        if (netns_host_check(r->net_reason, sizeof(r->net_reason)) < 0) {
            r->net_state = -2;
        } else if (netns_names(&r->net, r->run_id, n_net) < 0 ||
                   netns_create(&r->net, NULL, err, sizeof(err)) < 0) {
            snprintf(r->net_reason, sizeof(r->net_reason), "cannot create the test network: %s",
                     err);
            r->net_state = -1;
        } else if (peer_start(&r->peer, r->net.netns_path, PVB_NET_PEER_ADDR, err,
                              sizeof(err)) < 0) {
            util_strlcpy(r->net_reason, err, sizeof(r->net_reason));
            netns_destroy(&r->net);
            r->net_state = -1;
        } else {
            r->net_state = 1;
            log_info("test network: namespace %s, bridge %s, %u tap%s, host peer pid %d at %s",
                     r->net.netns, r->net.bridge, n_net, n_net == 1 ? "" : "s",
                     (int)r->peer.pid, PVB_NET_PEER_ADDR);
        }
    }
}

/*
 * Before booting net configuration di: the test network and the host peer exist
 * (made at the first call, once per run) and its vhost choice is possible. 0, or
 * -1 with the configuration marked skipped (this host cannot) or failed.
 */
static int net_prepare(struct run_ctx *r, unsigned di)
{
    const struct devmodel *dev = r->s.devices[di];
    struct config_state *c = &r->cfg[di];
    int vh;

    net_up(r);
    if (r->net_state == -2) {
        c->status = CONFIG_SKIPPED;
        snprintf(c->reason, sizeof(c->reason), "skipped: %s", r->net_reason);
        log_warn("%s: %s", dev->name, c->reason);
        return -1;
    }
    if (r->net_state < 0) {
        c->status = CONFIG_FAILED;
        util_strlcpy(c->reason, r->net_reason, sizeof(c->reason));
        log_err("%s: %s", dev->name, c->reason);
        return -1;
    }
    vh = netns_vhost_for(dev, (enum netns_vhost)r->s.vhost, r->vhost_available);
    if (vh < 0) {
        c->status = CONFIG_SKIPPED;
        snprintf(c->reason, sizeof(c->reason), "skipped: vhost = on but /dev/vhost-net is missing");
        log_warn("%s: %s", dev->name, c->reason);
        return -1;
    }
    util_strlcpy(c->vhost, vh ? "on" : "off", sizeof(c->vhost));
    if (!vh && strncmp(dev->qemu_device, "virtio-net", 10) == 0 &&
        r->s.vhost == NETNS_VHOST_AUTO) {
        log_warn("%s: /dev/vhost-net is missing: vhost=off, QEMU itself moves the packets "
                 "(recorded in run.json)",
                 dev->name);
    }
    return 0;
}

/* Stop the peer and remove the test network (the guests are stopped already). */
static void net_teardown(struct run_ctx *r)
{
    if (r->net_state == 1) {
        peer_stop(&r->peer);
        netns_destroy(&r->net);
    }
    r->net_state = 0;
}

/* Tell the host peer about a net job before the agent hears of it. 0 or -1 with reason. */
static int net_job_begin(struct run_ctx *r, const struct agent_job *job,
                         const struct workload *w, double budget_s, char *reason, size_t len)
{
    struct peer_job pj;
    char err[256];

    memset(&pj, 0, sizeof(pj));
    pj.id = job->id;
    pj.workload = peer_workload_parse(w->rw);
    pj.port = job->port;
    pj.runtime_ms = job->runtime_ms;
    pj.warmup_ms = job->warmup_ms;
    /* Longer than the agent's own deadline, shorter than the harness's wait. */
    pj.life_ms = (unsigned)((budget_s - 2.0) * 1000.0);
    if (r->net_state != 1 || peer_job_begin(&r->peer, &pj, err, sizeof(err)) < 0) {
        snprintf(reason, len, "%s", r->net_state != 1 ? "no test network" : err);
        return -1;
    }
    return 0;
}

/* The agent answered: get the peer's side and check both agree. 0 or -1 with reason. */
static int net_job_end(struct run_ctx *r, const struct workload *w, const struct agent_result *a,
                       struct peer_report *p, char *reason, size_t len)
{
    char err[256];

    if (peer_job_end(&r->peer, p, PEER_END_GRACE_MS / 1000.0 + 3.0, err, sizeof(err)) < 0) {
        snprintf(reason, len, "%s", err);
        return -1;
    }
    if (!p->ok) {
        snprintf(reason, len, "host peer: %s", p->reason);
        return -1;
    }
    if (peer_check(peer_workload_parse(w->rw), a, p, err, sizeof(err)) < 0) {
        snprintf(reason, len, "the two ends disagree: %s", err);
        return -1;
    }
    return 0;
}

/* Turn one net job (agent and peer) plus host counters into samples. */
static int record_net(struct run_ctx *r, const struct devmodel *dev, const struct workload *w,
                      unsigned rep, const struct agent_result *a, const struct peer_report *p,
                      double host_cpu_s)
{
    struct peer_metric m[PEER_METRICS_MAX];
    unsigned n;
    int rc = 0;

    n = peer_metrics(peer_workload_parse(w->rw), a, p, host_cpu_s, r->s.vcpus, m,
                     PEER_METRICS_MAX);
    for (unsigned i = 0; i < n; i++) {
        rc |= add_sample(r, dev, w->name, m[i].name, rep, m[i].value);
    }
    return rc ? -1 : 0;
}

/* ---- jobs ----------------------------------------------------------------------------------- */

enum job_outcome { JOB_OK, JOB_FAILED, JOB_GUEST_LOST };

/* The fault to inject into this job (--fault F@DEV[:WL]; WL "why": the traced job). */
static const char *job_fault(struct run_ctx *r, const struct devmodel *dev,
                             const struct workload *w, int why_job)
{
    if (!r->fault[0] || r->fault_used || strcmp(r->fault_device, dev->name) != 0 ||
        (strcmp(r->fault_workload, "why") == 0 && !why_job) ||
        (r->fault_workload[0] && strcmp(r->fault_workload, "why") != 0 &&
         strcmp(r->fault_workload, w->name) != 0)) {
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
    struct peer_report prep;
    int st, have_lv;

    memset(&job, 0, sizeof(job));
    memset(&prep, 0, sizeof(prep));
    job.id = ++r->job_seq;
    job.workload = w->name;
    job.kind = devmodel_kind_name(w->kind);
    job.rw = w->rw;
    job.bs = w->bs;
    job.qd = w->qd;
    /* The "why" job: short, no warm-up, so the trace holds the job and little else. */
    job.runtime_ms =
        (unsigned)((lg->why_job ? r->s.why_runtime_s : r->s.runtime_s) * 1000.0 + 0.5);
    job.warmup_ms = lg->why_job ? 0 : (unsigned)(r->s.warmup_s * 1000.0 + 0.5);
    job.irq = dev->irq_match;
    job.fault = job_fault(r, dev, w, lg->why_job);
    if (w->kind == DEVMODEL_NET) {
        job.peer = PVB_NET_PEER_ADDR;
        job.port = PVB_NET_PORT;
    }
    if (w->kind == DEVMODEL_BLK) {
        job.engine = scenario_engine_name(r->s.engine);
    }
    if (agentmsg_format_job(line, sizeof(line), &job) < 0) {
        snprintf(reason, len, "cannot format job %u", job.id);
        return JOB_FAILED;
    }
    /* Runtime plus warm-up, plus a margin for a slow (TCG) guest to set up and answer. */
    budget = (job.runtime_ms + job.warmup_ms) / 1000.0 * 1.5 + 15.0;
    if (w->kind == DEVMODEL_BLK && r->s.engine == SCENARIO_ENGINE_FIO) {
        /* the agent gives fio 2 x (warm-up + runtime) + PVB_FIO_MARGIN_S, then answers ERROR */
        budget = (r->s.runtime_s + r->s.warmup_s) * 2.0 + PVB_FIO_MARGIN_S + 15.0;
    }
    have_lv = r->backend == &backend_libvirt_ops && backend_libvirt_counters(&lg->g, &lv0) == 0;
    if (w->kind == DEVMODEL_NET && net_job_begin(r, &job, w, budget, reason, len) < 0) {
        return JOB_FAILED;
    }
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
    if (w->kind == DEVMODEL_NET && net_job_end(r, w, &msg.u.result, &prep, reason, len) < 0) {
        return JOB_FAILED;
    }
    if (agentmsg_check_result(&msg.u.result, &job, err, sizeof(err)) < 0) {
        util_sanitize(err);
        snprintf(reason, len, "implausible result for %s rep %u: %s", w->name, rep, err);
        return JOB_FAILED;
    }
    lg->last = msg.u.result;
    if (rep == 0) {
        return JOB_OK; /* a warm-up or why job: measured by the agent, never recorded */
    }
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
    if ((w->kind == DEVMODEL_NET
             ? record_net(r, dev, w, rep, &msg.u.result, &prep,
                          (cpu0 >= 0 && cpu1 >= 0) ? cpu1 - cpu0 : -1)
             : record_result(r, dev, w, rep, &msg.u.result,
                             (cpu0 >= 0 && cpu1 >= 0) ? cpu1 - cpu0 : -1)) < 0) {
        snprintf(reason, len, "out of memory");
        return JOB_FAILED;
    }
    if (save_samples(r) < 0) {
        /* Say so: reason still held older text, e.g. the agent's READY (test_disk_full). */
        snprintf(reason, len, "the samples could not be saved (see the error above)");
        return JOB_FAILED;
    }
    return JOB_OK;
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

/* Does device di still miss a cell among repetitions lo..hi? (resume, re-runs) */
static int config_has_work(const struct run_ctx *r, unsigned di, unsigned lo, unsigned hi)
{
    const struct devmodel *dev = r->s.devices[di];

    for (unsigned wi = 0; wi < r->s.n_workloads; wi++) {
        const struct workload *w = r->s.workloads[wi];
        if (w->kind != dev->kind) {
            continue;
        }
        for (unsigned rep = lo; rep <= hi; rep++) {
            if (!samples_has_cell(&r->samples, config_name(r, dev), w->name, rep)) {
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

/* Host load: 1-minute load average and runnable tasks, to tell a quiet host from a busy one. */
static void host_load(double *loadavg, unsigned *running)
{
    char buf[4096], *p;

    *loadavg = -1;
    *running = 0;
    if (util_read_file("/proc/loadavg", buf, sizeof(buf)) > 0) {
        *loadavg = strtod(buf, NULL);
    }
    if (util_read_file("/proc/stat", buf, sizeof(buf)) > 0 &&
        (p = strstr(buf, "procs_running ")) != NULL) {
        *running = (unsigned)strtoul(p + 14, NULL, 10);
    }
}

static void record_load(struct run_ctx *r, unsigned di, int after)
{
    struct config_state *c = &r->cfg[di];
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    double la;
    unsigned running;

    host_load(&la, &running);
    if (after) {
        c->load_after = la;
        return;
    }
    c->load_before = la;
    /* Our own QEMU counts as one runnable task; more than half the CPUs busy is noise. */
    if (la > 0.5 * (double)ncpu + 1.0 || running > (unsigned)ncpu) {
        log_warn("host busy before measuring %s: load average %.2f, %u runnable tasks on %ld "
                 "CPUs; expect noisier numbers",
                 r->s.devices[di]->name, la, running, ncpu);
    }
}

/* Pin every thread of a guest's QEMU: vCPU threads ("CPU n/...") and the others (I/O). */
static void pin_guest(struct run_ctx *r, pid_t pid)
{
    char path[64], comm[64];
    DIR *d;
    struct dirent *de;

    if (!r->s.pin_vcpus[0] && !r->s.pin_io[0]) {
        return;
    }
    snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
    d = opendir(path);
    if (!d) {
        return;
    }
    while ((de = readdir(d)) != NULL) {
        char tpath[128];
        const char *list;
        cpu_set_t set;
        pid_t tid = (pid_t)atoi(de->d_name);

        if (tid <= 0) {
            continue;
        }
        snprintf(tpath, sizeof(tpath), "/proc/%d/task/%d/comm", (int)pid, (int)tid);
        if (util_read_file(tpath, comm, sizeof(comm)) < 0) {
            continue;
        }
        list = strncmp(comm, "CPU ", 4) == 0 ? r->s.pin_vcpus : r->s.pin_io;
        if (!list[0] || scenario_cpu_set(list, &set) < 0) {
            continue;
        }
        if (sched_setaffinity(tid, sizeof(set), &set) < 0) {
            log_warn("cannot pin QEMU thread %d to CPUs %s: %s", (int)tid, list,
                     strerror(errno));
        }
    }
    closedir(d);
}

/* Boot the guest of device di; on failure the configuration is marked failed. */
static int config_boot(struct run_ctx *r, unsigned di, struct live_guest *lg)
{
    const struct devmodel *dev = r->s.devices[di];
    struct config_state *c = &r->cfg[di];
    struct agent_ready ready;
    char reason[512], status[96];
    double boot_s = 0;

    snprintf(status, sizeof(status), "booting %s (%s, %s)", dev->name,
             machine_name(r->s.device_machine[di]), r->accel);
    progress_status(status);
    record_load(r, di, 0);
    if (guest_boot(r, lg, config_name(r, dev), dev, r->s.device_machine[di], r->accel,
                   r->s.boot_timeout_s, r->s.disk_mib, &ready, &boot_s, reason,
                   sizeof(reason)) < 0) {
        config_fail(r, di, reason);
        return -1;
    }
    util_strlcpy(c->driver, dev->kind == DEVMODEL_NET ? ready.net_driver : ready.blk_driver,
                 sizeof(c->driver));
    if (dev->kind == DEVMODEL_NET && !ready.net[0]) {
        snprintf(reason, sizeof(reason),
                 "the guest found no network interface (modules loaded %d, failed %d): is the "
                 "%s driver in the image?",
                 ready.modules_loaded, ready.modules_failed, dev->guest_modules);
        config_fail(r, di, reason);
        return -1;
    }
    if (dev->kind == DEVMODEL_BLK && !ready.blk[0]) {
        snprintf(reason, sizeof(reason),
                 "the guest found no disk (modules loaded %d, failed %d): is the %s driver in "
                 "the image?",
                 ready.modules_loaded, ready.modules_failed, dev->guest_modules);
        config_fail(r, di, reason);
        return -1;
    }
    log_debug("%s: agent ready in %.2f s, disk %s, driver %s", dev->name, boot_s, ready.blk,
              ready.blk_driver);
    pin_guest(r, lg->g.pid);
    if (add_sample(r, dev, "boot", "boot_to_ready_s",
                   count_boot_samples(r, config_name(r, dev)) + 1,
                   boot_s) < 0 ||
        save_samples(r) < 0) {
        config_fail(r, di, "cannot save samples");
        return -1;
    }
    return 0;
}

/* Append the last line the guest printed on its console to a lost guest's reason. */
static void console_tail(const struct run_ctx *r, const char *config, char *reason, size_t len)
{
    char path[PATH_MAX + 32], buf[4096], *end, *start;
    ssize_t n;
    int fd;

    snprintf(path, sizeof(path), "%s/%s-console.log", r->logs_dir, config);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return;
    }
    if (lseek(fd, 0, SEEK_END) > (off_t)sizeof(buf) - 1) {
        lseek(fd, -(off_t)(sizeof(buf) - 1), SEEK_END);
    } else {
        lseek(fd, 0, SEEK_SET);
    }
    n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0) {
        return;
    }
    buf[n] = '\0';
    end = buf + n;
    while (end > buf && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' ')) {
        *--end = '\0';
    }
    start = strrchr(buf, '\n');
    start = start ? start + 1 : buf;
    if (!*start) {
        return;
    }
    util_sanitize(start);
    snprintf(reason + strlen(reason), len - strlen(reason), "; the guest console ends: \"%.160s\"",
             start);
}

/* Before a retry boots a fresh guest: keep the lost guest's logs as <config>-*.attemptN.log. */
static void keep_attempt_logs(const struct run_ctx *r, const char *config, unsigned attempt)
{
    static const char *const kinds[] = {"console", "qemu", "agent"};
    char from[PATH_MAX + 64], to[PATH_MAX + 80];

    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        snprintf(from, sizeof(from), "%s/%s-%s.log", r->logs_dir, config, kinds[i]);
        snprintf(to, sizeof(to), "%s/%s-%s.attempt%u.log", r->logs_dir, config, kinds[i],
                 attempt);
        if (rename(from, to) < 0 && errno != ENOENT) {
            log_debug("cannot keep %s: %s", from, strerror(errno));
        }
    }
}

/*
 * The guest of device di was lost during a job (dead, hung, babbling; `full` says how): stop
 * it now so it cannot disturb the others. One lost guest on a noisy host should not cost the
 * configuration: while job_retries allow, a fresh guest is booted to run the job again
 * (`jobs` more for the progress line); the retry is recorded (run.json) and the lost guest's
 * logs kept. 0: a fresh guest is up; -1: the configuration failed.
 */
static int config_replace_guest(struct run_ctx *r, unsigned di, struct live_guest *lg,
                                char *full, size_t len, unsigned jobs, int *up)
{
    const struct devmodel *dev = r->s.devices[di];
    struct config_state *c = &r->cfg[di];

    console_tail(r, config_name(r, dev), full, len);
    guest_stop(lg);
    *up = 0;
    if (interrupted || r->write_failed || c->retries >= r->s.job_retries) {
        config_fail(r, di, full);
        return -1;
    }
    c->retries++;
    util_strlcpy(c->retry_reason, full, sizeof(c->retry_reason));
    log_warn("%s %s; booting a fresh guest to run it again (retry %u of at most %u)", dev->name,
             full, c->retries, r->s.job_retries);
    keep_attempt_logs(r, config_name(r, dev), c->retries);
    progress_add_jobs(jobs);
    if (config_boot(r, di, lg) < 0) {
        guest_stop(lg);
        return -1;
    }
    *up = 1;
    return 0;
}

/* Run one job on a live configuration and account for its outcome. */
static void config_job(struct run_ctx *r, unsigned di, struct live_guest *lg,
                       const struct workload *w, unsigned rep, int *up)
{
    const struct devmodel *dev = r->s.devices[di];
    struct config_state *c = &r->cfg[di];
    char reason[512], full[600];
    double t0 = util_now();
    enum job_outcome out;

    progress_job(dev->name, w->name, rep, r->s.repetitions);
    out = job_run(r, lg, dev, w, rep, reason, sizeof(reason));
    if (dev->kind == DEVMODEL_NET) {
        peer_job_abort(&r->peer); /* a job that failed before its end: the peer lets go */
    }
    progress_job_done(util_now() - t0);
    if (out == JOB_OK) {
        return;
    }
    if (rep) {
        snprintf(full, sizeof(full), "%s rep %u: %s", w->name, rep, reason);
    } else {
        snprintf(full, sizeof(full), "%s warm-up job: %s", w->name, reason);
    }
    if (out == JOB_FAILED) {
        c->status = CONFIG_FAILED;
        util_strlcpy(c->reason, full, sizeof(c->reason));
        log_err("%s %s", dev->name, full);
        return;
    }
    if (config_replace_guest(r, di, lg, full, sizeof(full),
                             1 + (rep > 0 ? r->s.warmup_jobs : 0), up) < 0) {
        return;
    }
    for (unsigned k = 0; k < r->s.warmup_jobs && *up && rep > 0; k++) {
        config_job(r, di, lg, w, 0, up); /* the fresh guest warms up like the first did */
    }
    if (*up) {
        config_job(r, di, lg, w, rep, up);
    }
}

/* Has device di's workload w its "why" samples already (resume)? */
static int why_done(const struct run_ctx *r, const struct devmodel *dev, const struct workload *w)
{
    for (size_t i = 0; i < r->samples.n; i++) {
        const struct sample *s = &r->samples.v[i];
        if (strcmp(s->config, config_name(r, dev)) == 0 && strcmp(s->workload, w->name) == 0 &&
            strcmp(s->metric, "reg_accesses_per_op") == 0) {
            return 1;
        }
    }
    return 0;
}

/*
 * The "why" job of device di and workload w (why.h): one short job with QEMU's trace
 * events on, after the measured ones; its counts per operation become samples (rep 1)
 * and an entry of why.json. A failure costs only these numbers, unless the guest is lost.
 */
static void config_why(struct run_ctx *r, unsigned di, struct live_guest *lg,
                       const struct workload *w, int *up)
{
    const struct devmodel *dev = r->s.devices[di];
    struct why_result wr;
    char err[512], reason[512], status[160];
    enum job_outcome out;

    if (!lg->why.registered || why_done(r, dev, w)) {
        return;
    }
    snprintf(status, sizeof(status), "%s  %s  why: traced job (not timed)", dev->name, w->name);
    progress_status(status);
    if (why_begin(&lg->why, err, sizeof(err)) < 0) {
        log_warn("%s %s: no why metrics: %s", dev->name, w->name, err);
        return;
    }
    lg->why_job = 1;
    out = job_run(r, lg, dev, w, 0, reason, sizeof(reason));
    lg->why_job = 0;
    if (dev->kind == DEVMODEL_NET) {
        peer_job_abort(&r->peer);
    }
    if (out != JOB_OK) {
        why_cancel(&lg->why);
        if (out == JOB_GUEST_LOST) {
            char full[600];
            snprintf(full, sizeof(full), "%s why job: %s", w->name, reason);
            if (config_replace_guest(r, di, lg, full, sizeof(full), 0, up) == 0) {
                config_why(r, di, lg, w, up);
            }
        } else {
            log_warn("%s %s: why job failed: %s", dev->name, w->name, reason);
        }
        return;
    }
    if (why_end(&lg->why, why_job_ops(w, &lg->last), &wr, err, sizeof(err)) < 0) {
        log_warn("%s %s: no why metrics: %s", dev->name, w->name, err);
        return;
    }
    if (add_sample(r, dev, w->name, "reg_accesses_per_op", 1, wr.reg_accesses_per_op) < 0 ||
        add_sample(r, dev, w->name, "notifies_per_op", 1, wr.notifies_per_op) < 0 ||
        save_samples(r) < 0) {
        log_err("%s %s: cannot save the why samples", dev->name, w->name);
        return;
    }
    if (why_record(r->out_dir, dev, config_name(r, dev), w->name, &wr, err, sizeof(err)) < 0) {
        log_warn("%s", err);
    }
    util_strlcpy(r->cfg[di].why_source, wr.source, sizeof(r->cfg[di].why_source));
    log_debug("%s %s: %.2f register accesses per op (%.0f ops traced)", dev->name, w->name,
              wr.reg_accesses_per_op, wr.ops);
}

/*
 * Measure repetitions lo..hi of every configuration in `want` (NULL: all). All their
 * guests are up together and the repetitions are interleaved (A B A B ...), so drift
 * of the host hits every configuration alike; each workload starts with uncounted
 * warm-up jobs.
 */
static void measure(struct run_ctx *r, const int *want, unsigned lo, unsigned hi)
{
    struct live_guest *lg = calloc(r->s.n_devices, sizeof(*lg));
    int up[SCENARIO_MAX_DEVICES] = {0};

    if (!lg) {
        log_err("out of memory");
        return;
    }
    for (unsigned di = 0; di < r->s.n_devices && !interrupted && !r->write_failed; di++) {
        lg[di].ch.fd = lg[di].ch.listen_fd = -1;
        if ((want && !want[di]) || r->cfg[di].status == CONFIG_FAILED ||
            r->cfg[di].status == CONFIG_SKIPPED) {
            continue;
        }
        if (!config_has_work(r, di, lo, hi)) {
            if (r->cfg[di].status == CONFIG_PENDING) {
                r->cfg[di].status = CONFIG_OK;
            }
            log_info("%s: every cell already measured, not booted (resume)",
                     r->s.devices[di]->name);
            continue;
        }
        if (r->s.devices[di]->kind == DEVMODEL_NET && net_prepare(r, di) < 0) {
            continue;
        }
        up[di] = config_boot(r, di, &lg[di]) == 0;
        if (!up[di]) {
            guest_stop(&lg[di]);
        }
    }
    for (unsigned wi = 0; wi < r->s.n_workloads && !interrupted && !r->write_failed; wi++) {
        const struct workload *w = r->s.workloads[wi];

        for (unsigned k = 0; k < r->s.warmup_jobs; k++) {
            for (unsigned di = 0; di < r->s.n_devices && !interrupted; di++) {
                if (up[di] && r->s.devices[di]->kind == w->kind &&
                    config_has_work(r, di, lo, hi)) {
                    config_job(r, di, &lg[di], w, 0, &up[di]);
                }
            }
        }
        for (unsigned rep = lo; rep <= hi && !interrupted && !r->write_failed; rep++) {
            for (unsigned di = 0; di < r->s.n_devices && !interrupted && !r->write_failed;
                 di++) {
                if (!up[di] || r->s.devices[di]->kind != w->kind ||
                    samples_has_cell(&r->samples, config_name(r, r->s.devices[di]), w->name,
                                     rep)) {
                    continue;
                }
                config_job(r, di, &lg[di], w, rep, &up[di]);
            }
        }
    }
    /* The "why" jobs come after every measured job, so tracing never touches those. */
    for (unsigned wi = 0; lo == 1 && wi < r->s.n_workloads && !interrupted && !r->write_failed;
         wi++) {
        for (unsigned di = 0; di < r->s.n_devices && !interrupted; di++) {
            if (up[di] && r->s.devices[di]->kind == r->s.workloads[wi]->kind) {
                config_why(r, di, &lg[di], r->s.workloads[wi], &up[di]);
            }
        }
    }
    progress_clear();
    for (unsigned di = 0; di < r->s.n_devices; di++) {
        if (up[di]) {
            record_load(r, di, 1);
            if (interrupted) {
                config_fail(r, di, "interrupted");
            } else if (r->cfg[di].status == CONFIG_PENDING) {
                r->cfg[di].status = CONFIG_OK;
            }
        }
        guest_stop(&lg[di]);
    }
    free(lg);
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
    if (r->n_hosts > 1) {
        /* Each host is connected in turn (host_begin); one that cannot be reached fails alone. */
        r->backend = &backend_libvirt_ops;
        snprintf(r->backend_info, sizeof(r->backend_info), "libvirt, %u hosts (see hosts)",
                 r->n_hosts);
        log_info("backend: libvirt, %u hosts measured in turn", r->n_hosts);
        return 0;
    }
    if (backend_libvirt_connect(r->hosts[0].uri[0] ? r->hosts[0].uri : NULL, err, sizeof(err)) ==
        0) {
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

int run_parse_accel(const char *arg, const char **accel)
{
    if (strcmp(arg, "auto") && strcmp(arg, "kvm") && strcmp(arg, "tcg")) {
        log_err("--accel: expected auto, kvm or tcg, got '%s'", arg);
        return -1;
    }
    *accel = arg;
    return 0;
}

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
    if (r->backend == &backend_libvirt_ops && !r->host->local) {
        /* Another machine: its /dev/kvm is not ours to open; its libvirt says. */
        if (!backend_libvirt_kvm_available(r->accel_reason, sizeof(r->accel_reason))) {
            goto no_kvm;
        }
    } else {
        fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
        if (fd < 0) {
            snprintf(r->accel_reason, sizeof(r->accel_reason), "/dev/kvm: %s", strerror(errno));
            goto no_kvm;
        }
        close(fd);
    }
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

static int write_summaries(struct run_ctx *r, struct summary_set *sum);
static int run_json_write(struct run_ctx *r);

/* ---- baseline ------------------------------------------------------------------------------- */

/*
 * --baseline NAME: compare the finished run with the baseline. When a regression is
 * flagged and --max-iterations allows, measure the suspect configurations again (more
 * repetitions, same guests as before) and decide on all their samples.
 */
static int run_against_baseline(struct run_ctx *r, struct summary_set *sum)
{
    struct compare_options co;
    struct compare_result cr;
    unsigned iters = r->o->max_iterations ? r->o->max_iterations : 1;
    unsigned reps = r->s.repetitions;
    int rc = PVB_EXIT_OK;

    if (r->n_hosts > 1 && iters > 1) {
        /* The hosts' connections and images are gone by now: compare once, do not re-measure. */
        log_warn("--max-iterations: a run of several hosts is compared once, not measured again");
        iters = 1;
    }
    compare_options_init(&co);
    if (r->o->threshold_pct > 0) {
        co.threshold_pct = r->o->threshold_pct;
    }
    if (r->o->alpha > 0) {
        co.alpha = r->o->alpha;
    }
    for (unsigned it = 1; it <= iters && !interrupted; it++) {
        const char *suspects[SCENARIO_MAX_DEVICES];
        int want[SCENARIO_MAX_DEVICES] = {0};
        size_t n;

        memset(&cr, 0, sizeof(cr));
        printf("\ncompared with baseline %s:\n", r->o->baseline);
        rc = baseline_compare(r->out_dir, r->o->baseline, r->o->baseline_dir, &co, &cr);
        if (rc != PVB_EXIT_REGRESSION || it == iters) {
            compare_result_free(&cr);
            break;
        }
        n = compare_regressed_configs(&cr, suspects, SCENARIO_MAX_DEVICES);
        for (size_t i = 0; i < n; i++) {
            for (unsigned di = 0; di < r->s.n_devices; di++) {
                want[di] |= strcmp(r->s.devices[di]->name, suspects[i]) == 0;
            }
        }
        compare_result_free(&cr);
        log_info("regression suspected (iteration %u of %u): measuring %zu configuration%s "
                 "again, repetitions %u..%u",
                 it, iters, n, n == 1 ? "" : "s", reps * it + 1, reps * (it + 1));
        measure(r, want, reps * it + 1, reps * (it + 1));
        summary_free(sum);
        if (write_summaries(r, sum) < 0) {
            return PVB_EXIT_FAILED;
        }
        run_json_write(r);
    }
    return rc;
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

/*
 * The run's accelerator: the one every host used; "mixed" when they differ (such a run is
 * compared with no other, see compare), the reason naming each host's.
 */
static void run_json_accel(const struct run_ctx *r, char *name, size_t nlen, char *why,
                           size_t wlen)
{
    size_t used;

    util_strlcpy(name, r->accel, nlen);
    util_strlcpy(why, r->accel_reason, wlen);
    if (r->n_hosts < 2) {
        return;
    }
    name[0] = why[0] = '\0';
    for (unsigned h = 0; h < r->n_hosts; h++) {
        const struct run_host *hs = &r->hosts[h];

        if (!hs->accel[0]) {
            continue;
        }
        if (!name[0]) {
            util_strlcpy(name, hs->accel, nlen);
        } else if (strcmp(name, hs->accel) != 0) {
            util_strlcpy(name, "mixed", nlen);
        }
        used = strlen(why);
        snprintf(why + used, wlen - used, "%s%s: %s (%s)", used ? "; " : "", hs->label,
                 hs->accel, hs->accel_reason);
    }
}

/* run.json "hosts": where each host's configurations ran. */
static json_object *run_json_hosts(const struct run_ctx *r)
{
    json_object *arr = json_object_new_array();
    char local[256] = "";

    gethostname(local, sizeof(local) - 1);
    for (unsigned h = 0; arr && h < r->n_hosts; h++) {
        const struct run_host *hs = &r->hosts[h];
        json_object *o = json_object_new_object();
        json_object *acc = json_object_new_object();
        int lv = r->backend == &backend_libvirt_ops;

        json_object_object_add(o, "label", json_object_new_string(hs->label));
        json_object_object_add(o, "uri",
                               lv ? json_object_new_string(hs->uri[0] ? hs->uri
                                                                      : BACKEND_LIBVIRT_DEFAULT_URI)
                                  : NULL);
        json_object_object_add(o, "hostname", json_object_new_string(lv ? hs->info.hostname
                                                                         : local));
        json_object_object_add(o, "libvirt_version",
                               lv ? json_object_new_string(hs->info.libvirt_version) : NULL);
        json_object_object_add(o, "qemu_version",
                               json_object_new_string(lv ? hs->info.qemu_version
                                                         : r->qemu_version));
        json_object_object_add(acc, "name", json_object_new_string(hs->accel));
        json_object_object_add(acc, "reason", json_object_new_string(hs->accel_reason));
        json_object_object_add(o, "accelerator", acc);
        json_object_object_add(o, "local", json_object_new_boolean(hs->local));
        json_object_object_add(o, "storage", json_object_new_string(hs->storage));
        /* The guest image as the host saw it (uploaded volumes), else the local files. */
        json_object_object_add(o, "kernel", json_object_new_string(hs->kernel[0] ? hs->kernel
                                                                                 : r->kernel));
        json_object_object_add(o, "initrd", json_object_new_string(hs->initrd[0] ? hs->initrd
                                                                                 : r->initrd));
        json_object_object_add(o, "status",
                               json_object_new_string(hs->status[0] ? hs->status : "pending"));
        json_object_object_add(o, "reason", json_object_new_string(hs->reason));
        json_object_array_add(arr, o);
    }
    return arr;
}

static int run_json_write(struct run_ctx *r)
{
    json_object *root = json_object_new_object();
    json_object *host = json_object_new_object();
    json_object *scen = json_object_new_object();
    json_object *acc = json_object_new_object();
    json_object *configs = json_object_new_array();
    struct utsname un;
    struct run_host *cur = r->host;
    char cpu[256], hostname[256] = "", path[PATH_MAX + 16], *resolved = NULL;
    char accel[16], accel_reason[512];
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
    run_json_accel(r, accel, sizeof(accel), accel_reason, sizeof(accel_reason));
    json_object_object_add(acc, "name", json_object_new_string(accel));
    json_object_object_add(acc, "reason", json_object_new_string(accel_reason));
    json_object_object_add(root, "accelerator", acc);
    json_object_object_add(root, "backend", json_object_new_string(r->backend->name));
    json_object_object_add(root, "backend_info", json_object_new_string(r->backend_info));
    json_object_object_add(root, "start", json_object_new_string(r->started));
    json_object_object_add(root, "end", r->ended[0] ? json_object_new_string(r->ended) : NULL);
    /* Every host's configurations, host after host (i: the device, k / n_devices: the host). */
    for (unsigned k = 0, i = 0; k < r->n_hosts * r->s.n_devices; k++, i = k % r->s.n_devices) {
        const struct devmodel *d = r->s.devices[i];
        json_object *c = json_object_new_object();
        host_select(r, k / r->s.n_devices);
        json_object_object_add(c, "config", json_object_new_string(config_name(r, d)));
        json_object_object_add(c, "host", json_object_new_string(r->host->label));
        json_object_object_add(c, "device", json_object_new_string(d->name));
        json_object_object_add(c, "class", json_object_new_string(devmodel_class_name(d->class)));
        json_object_object_add(c, "kind", json_object_new_string(devmodel_kind_name(d->kind)));
        json_object_object_add(c, "machine",
                               json_object_new_string(machine_name(r->s.device_machine[i])));
        json_object_object_add(c, "qemu_device", json_object_new_string(d->qemu_device));
        if (d->kind == DEVMODEL_NET) {
            json_object_object_add(c, "vhost", json_object_new_string(r->cfg[i].vhost[0]
                                                                          ? r->cfg[i].vhost
                                                                          : "off"));
        }
        json_object_object_add(c, "guest_driver", json_object_new_string(r->cfg[i].driver));
        json_object_object_add(c, "status",
                               json_object_new_string(config_status_name(r->cfg[i].status)));
        json_object_object_add(c, "reason", json_object_new_string(r->cfg[i].reason));
        json_object_object_add(c, "job_retries", json_object_new_int((int)r->cfg[i].retries));
        if (r->cfg[i].retries) {
            json_object_object_add(c, "retry_reason",
                                   json_object_new_string(r->cfg[i].retry_reason));
        }
        json_object_object_add(c, "host_load_before",
                               json_object_new_double(r->cfg[i].load_before));
        json_object_object_add(c, "host_load_after", json_object_new_double(r->cfg[i].load_after));
        /* The "why" numbers of this configuration: their source (detail in why.json). */
        json_object_object_add(c, "why_source",
                               r->cfg[i].why_source[0]
                                   ? json_object_new_string(r->cfg[i].why_source)
                                   : NULL);
        json_object_array_add(configs, c);
    }
    r->host = cur;
    r->cfg = cur->cfg;
    json_object_object_add(root, "configs", configs);
    json_object_object_add(root, "hosts", run_json_hosts(r));
    json_object_object_add(root, "engine",
                           json_object_new_string(scenario_engine_name(r->s.engine)));
    if (r->s.host_baseline) {
        json_object *hb = json_object_new_object();
        json_object_object_add(hb, "status",
                               json_object_new_string(r->host_status[0] ? r->host_status
                                                                        : "pending"));
        json_object_object_add(hb, "reason", json_object_new_string(r->host_reason));
        json_object_object_add(root, "host_baseline", hb);
    }
    json_object_object_add(root, "order",
                           json_object_new_string("interleaved: all guests up, repetitions "
                                                  "A B A B per workload, after warm-up jobs"));
    text = json_object_to_json_string_ext(root,
                                          JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
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
    /* engine = fio: the variant image that carries Debian's fio (scripts/build-guest --with-fio) */
    snprintf(r->initrd, sizeof(r->initrd), "%s/%s", img,
             r->s.engine == SCENARIO_ENGINE_FIO ? "initramfs-fio.img" : "initramfs.img");
    if (access(r->kernel, R_OK) < 0 || access(r->initrd, R_OK) < 0) {
        if (r->s.engine == SCENARIO_ENGINE_FIO && access(r->kernel, R_OK) == 0) {
            log_err("skipped: engine = fio, but %s has no initramfs-fio.img: run `make image-fio`",
                    img);
            return -2;
        }
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

    for (unsigned h = 0; h < r->n_hosts; h++) {
        for (unsigned di = 0; di < r->s.n_devices; di++) {
            for (unsigned wi = 0; wi < r->s.n_workloads; wi++) {
                if (r->s.workloads[wi]->kind != r->s.devices[di]->kind) {
                    continue;
                }
                for (unsigned rep = 1; rep <= r->s.repetitions; rep++) {
                    n += !samples_has_cell(&r->samples, r->hosts[h].config[di],
                                           r->s.workloads[wi]->name, rep);
                }
                n += r->s.warmup_jobs;
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

/* ---- one host of the run ------------------------------------------------------------------ */

/* The terminal table: from the scenario (one host), or per configuration = device@host. */
static void run_print_table(struct run_ctx *r, const struct summary_set *sum)
{
    struct table_view v;

    if (r->n_hosts < 2) {
        table_print(stdout, &r->s, &r->samples, sum);
        return;
    }
    if (table_view_build(&r->samples, &v) < 0) {
        log_err("cannot print the table: out of memory");
        return;
    }
    table_print_view(stdout, &v, &r->samples, sum);
    table_view_free(&v);
}

/* Every configuration of the current host that is not done yet fails (or is skipped) with why. */
static void host_give_up(struct run_ctx *r, enum config_status st, const char *why)
{
    struct run_host *hs = r->host;

    util_strlcpy(hs->status, st == CONFIG_SKIPPED ? "skipped" : "failed", sizeof(hs->status));
    util_strlcpy(hs->reason, why, sizeof(hs->reason));
    for (unsigned di = 0; di < r->s.n_devices; di++) {
        if (hs->cfg[di].status == CONFIG_PENDING) {
            hs->cfg[di].status = st;
            util_strlcpy(hs->cfg[di].reason, why, sizeof(hs->cfg[di].reason));
        }
    }
    if (st == CONFIG_SKIPPED) {
        log_warn("host %s: its configurations are skipped: %s", hs->label, why);
    } else {
        log_err("host %s: its configurations fail: %s", hs->label, why);
    }
}

/*
 * Make host h the one measured: connect to it (several hosts; one host was connected by
 * backend_choose), describe it, put the guest image where it can read it (uploaded volumes
 * on a remote host) and choose its accelerator. 0; -1 when this host cannot be measured
 * (its configurations say why, the run goes on); -2 when --accel kvm cannot be had on the
 * only host (the run is skipped, as before).
 */
static int host_begin(struct run_ctx *r, unsigned h)
{
    struct run_host *hs = &r->hosts[h];
    char err[512], why[600];
    double t0;

    host_select(r, h);
    if (r->backend != &backend_libvirt_ops) {
        util_strlcpy(hs->storage, "local files", sizeof(hs->storage));
    } else {
        if (r->n_hosts > 1 &&
            backend_libvirt_connect(hs->uri[0] ? hs->uri : NULL, err, sizeof(err)) < 0) {
            host_give_up(r, CONFIG_FAILED, err);
            return -1;
        }
        if (backend_libvirt_host_info(&hs->info) < 0) {
            log_warn("host %s: libvirt does not describe it: %s", hs->label, hs->uri);
        }
        if (hs->upload) {
            t0 = util_now();
            if (backend_libvirt_stage_image(r->kernel, r->initrd, hs->kernel, sizeof(hs->kernel),
                                            hs->initrd, sizeof(hs->initrd), err,
                                            sizeof(err)) < 0) {
                snprintf(why, sizeof(why), "cannot upload the guest image: %s", err);
                host_give_up(r, CONFIG_FAILED, why);
                return -1;
            }
            snprintf(hs->storage, sizeof(hs->storage),
                     "uploaded with virStorageVolUpload to storage pool %s",
                     backend_libvirt_pool());
            log_info("host %s: guest image uploaded to storage pool %s in %.1f s", hs->label,
                     backend_libvirt_pool(), util_now() - t0);
        } else {
            util_strlcpy(hs->storage, "local files", sizeof(hs->storage));
        }
        snprintf(why, sizeof(why),
                 "skipped: the test network is on the harness's machine, host %s is not",
                 hs->label);
        for (unsigned di = 0; !hs->local && di < r->s.n_devices; di++) {
            /* The test network and its peer live on this machine: a remote guest cannot join. */
            if (r->s.devices[di]->kind == DEVMODEL_NET && hs->cfg[di].status == CONFIG_PENDING) {
                hs->cfg[di].status = CONFIG_SKIPPED;
                util_strlcpy(hs->cfg[di].reason, why, sizeof(hs->cfg[di].reason));
                log_warn("%s: %s", hs->config[di], hs->cfg[di].reason);
            }
        }
    }
    if (accel_choose(r) < 0) {
        util_strlcpy(hs->accel_reason, r->accel_reason, sizeof(hs->accel_reason));
        if (r->n_hosts == 1) {
            return -2;
        }
        snprintf(why, sizeof(why), "--accel kvm: no KVM (%s)", r->accel_reason);
        host_give_up(r, CONFIG_SKIPPED, why);
        return -1;
    }
    util_strlcpy(hs->accel, r->accel, sizeof(hs->accel));
    util_strlcpy(hs->accel_reason, r->accel_reason, sizeof(hs->accel_reason));
    util_strlcpy(hs->status, "ok", sizeof(hs->status));
    if (r->n_hosts > 1) {
        log_info("host %u of %u: %s (%s, libvirt %s, QEMU %s), accelerator %s, guest image: %s",
                 h + 1, r->n_hosts, hs->label, hs->uri[0] ? hs->uri : BACKEND_LIBVIRT_DEFAULT_URI,
                 hs->info.libvirt_version, hs->info.qemu_version, hs->accel,
                 hs->upload ? "uploaded" : "local files");
    }
    return 0;
}

/* The host is done: its volumes and pool go (remote host); several hosts: its connection too. */
static void host_end(struct run_ctx *r)
{
    if (r->backend != &backend_libvirt_ops) {
        return;
    }
    backend_libvirt_storage_release();
    if (r->n_hosts > 1) {
        backend_libvirt_disconnect();
    }
}

int run_main(const char *scenario_path, const struct run_options *o)
{
    struct run_ctx *r = calloc(1, sizeof(*r));
    struct summary_set sum = {0};
    char err[SCENARIO_ERR_MAX], path[PATH_MAX + 32];
    int code = PVB_EXIT_OK, rep;
    unsigned failed = 0, skipped = 0, n_configs;

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
    if (hosts_init(r) < 0) {
        code = PVB_EXIT_USAGE;
        goto out_free;
    }
    if (o->dry_run) {
        scenario_print_resolved(&r->s, stdout);
        goto out_free;
    }
    util_strlcpy(r->qemu_binary, o->qemu_binary ? o->qemu_binary : "qemu-system-x86_64",
                 sizeof(r->qemu_binary));
    if (backend_check_ops(r->backend) < 0) {
        code = PVB_EXIT_FAILED;
        goto out_free;
    }
    switch (find_inputs(r)) {
    case 0:
        break;
    case -2: /* engine = fio without the fio image */
        code = PVB_EXIT_SKIPPED;
        goto out_free;
    default:
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
    progress_init(count_jobs(r) +
                  (r->s.host_baseline ? hostbase_count_jobs(&r->s, &r->samples) : 0));
    if (backend_choose(r) < 0) {
        code = PVB_EXIT_FAILED;
        goto out_release;
    }
    if (backend_check_ops(r->backend) < 0) {
        code = PVB_EXIT_FAILED;
        goto out_release;
    }
    /* Host after host (one host: as before); a host that cannot be measured fails alone. */
    for (unsigned h = 0; h < r->n_hosts && !interrupted && !r->write_failed; h++) {
        int hb = host_begin(r, h);

        if (hb == -2) {
            code = PVB_EXIT_SKIPPED;
            goto out_release;
        }
        if (h == 0) {
            log_info("run %s: scenario %s, %u device%s, %s%s, backend %s, results in %s",
                     r->run_id, r->s.name, r->s.n_devices, r->s.n_devices == 1 ? "" : "s",
                     r->n_hosts > 1 ? "hosts " : "accelerator ",
                     r->n_hosts > 1 ? "in turn" : r->accel, r->backend->name, r->out_dir);
        }
        if (run_json_write(r) < 0) {
            code = PVB_EXIT_FAILED;
            goto out_release;
        }
        if (hb == 0) {
            measure(r, NULL, 1, r->s.repetitions);
            net_teardown(r);
        }
        if (r->n_hosts > 1) {
            host_end(r);
        }
    }
    host_baseline_run(r);
    run_json_write(r);
    progress_clear();

    util_iso_time(r->ended, sizeof(r->ended));
    /* The bare-host baseline counts as one configuration more ("host"). */
    n_configs = r->n_hosts * r->s.n_devices + (r->s.host_baseline ? 1 : 0);
    failed = strcmp(r->host_status, "failed") == 0;
    skipped = strcmp(r->host_status, "skipped") == 0;
    for (unsigned h = 0; h < r->n_hosts; h++) {
        for (unsigned di = 0; di < r->s.n_devices; di++) {
            const struct config_state *c = &r->hosts[h].cfg[di];

            failed += c->status != CONFIG_OK && c->status != CONFIG_SKIPPED;
            skipped += c->status == CONFIG_SKIPPED;
        }
    }
    if (write_summaries(r, &sum) == 0) {
        run_print_table(r, &sum);
        host_baseline_report(r);
    }
    run_json_write(r);
    for (unsigned h = 0; h < r->n_hosts; h++) {
        for (unsigned di = 0; di < r->s.n_devices; di++) {
            const struct config_state *c = &r->hosts[h].cfg[di];
            if (c->retries) {
                log_warn("%s: %u job%s run again on a fresh guest after a lost one (last: %s)",
                         r->hosts[h].config[di], c->retries, c->retries == 1 ? "" : "s",
                         c->retry_reason);
            }
        }
    }
    if (interrupted) {
        log_err("interrupted: guests stopped, scratch disks removed; %zu samples kept in %s "
                "(continue with: pvbench run --resume %s %s)",
                r->samples.n, r->samples_path, r->out_dir, scenario_path);
        code = PVB_EXIT_FAILED;
    } else if (failed || r->write_failed) {
        log_err("%u of %u configuration%s failed (see %s/run.json and logs/)", failed, n_configs,
                n_configs == 1 ? "" : "s", r->out_dir);
        code = PVB_EXIT_FAILED;
    } else if (skipped) {
        log_warn("%u of %u configuration%s skipped: this host cannot run them (see run.json)",
                 skipped, n_configs, n_configs == 1 ? "" : "s");
        code = PVB_EXIT_SKIPPED;
    }
    if (o->baseline && code == PVB_EXIT_OK) {
        code = run_against_baseline(r, &sum);
    }
    printf("results: %s\n", r->out_dir);
    fflush(stdout);
    rep = report_build(r->out_dir, "png", 1);
    if (rep != PVB_EXIT_OK && rep != PVB_EXIT_SKIPPED) {
        log_warn("report of %s incomplete (exit %d)", r->out_dir, rep);
    }
out_release:
    host_end(r);
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
