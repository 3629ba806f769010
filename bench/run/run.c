/*
 * `pvbench run`: the measurement loop. It owns the order of things; measuring
 * (agent), bookkeeping (registry), files (results) and output (table, report)
 * live in their own modules. Here: signals, guest lifecycle, samples, jobs,
 * configurations, backend and accelerator choice, --baseline, set-up and run_main;
 * the hosts are in run_hosts.c, the test network in run_net.c, run.json in
 * run_json.c, the state they share in run_ctx.h.
 */
#include "run.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <dirent.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>

#include "agentmsg.h"
#include "backend.h"
#include "devprops.h"
#include "exitcode.h"
#include "hostbase_target.h"
#include "metric.h"
#include "netns.h"
#include "paths.h"
#include "peer.h"
#include "plan.h"
#include "progress.h"
#include "record.h"
#include "registry.h"
#include "results.h"
#include "run_ctx.h"
#include "scenario.h"
#include "session.h"
#include "signals.h"
#include "threadcpu.h"
#include "util.h"
#include "why.h"


/* ---- guest lifecycle ------------------------------------------------------------------------ */

/* A guest of the run: its session (session.h) and what the run keeps beside it. */
struct live_guest {
    struct session s;
    struct why_session why;   /* QMP + trace log of this guest (why.h) */
    int why_job;              /* the running job is the traced "why" job */
    struct agent_result last; /* the last result the agent sent */
};

/* Whose samples configuration di's are: on the current host. */
static struct record_target run_target(const struct run_ctx *r, unsigned di)
{
    const struct devmodel *dev = r->s.devices[di];
    struct record_target t = {
        .config = run_config_name(r, di),
        .host = r->host->label,
        .device = dev->name,
        .class_ = devmodel_class_name(dev->class),
        .kind = dev->kind,
        .vcpus = r->s.vcpus,
        .boot = r->cfg[di].boot,
    };

    return t;
}

/*
 * Index of net configuration di among the scenario's net configurations: its tap, address
 * and MAC. Side by side, each backend's guests have their own (the second backend's come
 * after the first's).
 */
static unsigned net_index(const struct run_ctx *r, unsigned di)
{
    unsigned k = 0, n_net = 0;

    for (unsigned i = 0; i < r->s.n_devices; i++) {
        k += i < di && r->s.devices[i]->kind == DEVMODEL_NET;
        n_net += r->s.devices[i]->kind == DEVMODEL_NET;
    }
    return k + (r->side_by_side ? run_host_index(r) * n_net : 0);
}

/* What guest_start boots. */
struct guest_req {
    const char *config;         /* its name: logs, socket, disk, domain */
    const struct devmodel *dut; /* NULL: none */
    unsigned tap;               /* a net dut's: net_index */
    int peer;                   /* the peer guest of a host's NICs (run_peer_guest_start) */
    enum machine_type machine;
    const char *accel;
    double timeout_s;
    unsigned disk_mib;
};

/*
 * Boot a guest as q says and wait for the agent's READY (lg->s.ready, lg->s.boot_s).
 * On failure the guest is left for guest_stop.
 */
static int guest_start(struct run_ctx *r, struct live_guest *lg, const struct guest_req *q,
                       char *reason, size_t len)
{
    char name[96], cmdline[256], console[PATH_MAX + 32], qemulog[PATH_MAX + 32];
    char sock[PATH_MAX], disk[PATH_MAX], agent_log[PATH_MAX + 32], err[256];
    char addr[32] = "", mac[32] = "";
    const char *config = q->config, *accel = q->accel, *volume;
    const struct devmodel *dut = q->dut;
    struct guest_spec spec;
    const struct scenario_config *cfg = NULL;
    unsigned k = q->tap;

    memset(lg, 0, sizeof(*lg));
    snprintf(agent_log, sizeof(agent_log), "%s/%s-agent.log", r->logs_dir, config);
    session_init(&lg->s, r->backend, agent_log);
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
    if (q->peer) {
        /* The peer's own address and MAC on the host's network, and its agent's role. */
        util_strlcpy(addr, PVB_NET_PEER_ADDR, sizeof(addr));
        util_strlcpy(mac, RUN_PEER_GUEST_MAC, sizeof(mac));
        snprintf(cmdline + strlen(cmdline), sizeof(cmdline) - strlen(cmdline),
                 " pvbench.addr=%s pvbench.peer=1", addr);
    } else if (dut && dut->kind == DEVMODEL_NET) {
        /* Each net guest of the run has its own tap (or the host's network), address and MAC
         * (netns.h). */
        if ((!r->net_remote && k >= r->net.n_taps) ||
            netns_guest_addr(k, addr, sizeof(addr)) < 0 ||
            netns_guest_mac(k, mac, sizeof(mac)) < 0) {
            snprintf(reason, len, "no tap of the test network for %s", config);
            return -1;
        }
        snprintf(cmdline + strlen(cmdline), sizeof(cmdline) - strlen(cmdline),
                 " pvbench.addr=%s", addr);
    }
    if (util_fmt(sock, sizeof(sock), "%s/ctl-%s.sock", registry_dir(), config) < 0 ||
        util_fmt(disk, sizeof(disk), "%s/disk-%s.img", registry_dir(), config) < 0) {
        snprintf(reason, len, "state folder path too long");
        return -1;
    }
    snprintf(console, sizeof(console), "%s/%s-console.log", r->logs_dir, config);
    snprintf(qemulog, sizeof(qemulog), "%s/%s-qemu.log", r->logs_dir, config);

    /* A NIC under test has no scratch disk; a host that cannot see our files gets a volume. */
    volume = backend_can(r->backend, BACKEND_CAP_REMOTE_STORAGE) && r->host->upload ? config : NULL;
    if ((!dut || dut->kind != DEVMODEL_NET) &&
        session_scratch_disk(&lg->s, disk, volume, q->disk_mib, reason, len) < 0) {
        return -1;
    }

    memset(&spec, 0, sizeof(spec));
    /* The configuration this guest is (its name is the host's config[i]): its own options. */
    for (unsigned i = 0; r->host && !q->peer && i < r->s.n_configs; i++) {
        cfg = strcmp(r->host->config[i], config) == 0 ? &r->s.configs[i] : cfg;
    }
    spec.name = name;
    spec.qemu_binary = r->qemu_binary;
    for (unsigned i = 0; r->inputs && cfg && i < r->s.n_configs; i++) {
        const struct run_config_inputs *in = &r->inputs[i];

        if (cfg != &r->s.configs[i]) {
            continue;
        }
        if (in->qemu) { /* qemu = VERSION or PATH: this configuration's own build */
            spec.qemu_binary = in->qemu->binary;
            spec.qemu_data_dirs = in->qemu->data_dirs[0] ? in->qemu->data_dirs : NULL;
            spec.qemu_lib_path = in->qemu->lib_path[0] ? in->qemu->lib_path : NULL;
            spec.qemu_module_dir = in->qemu->module_dir[0] ? in->qemu->module_dir : NULL;
        }
    }
    spec.accel = accel;
    spec.machine = q->machine;
    spec.vcpus = cfg ? cfg->vcpus : r->s.vcpus;
    spec.memory_mib = cfg ? cfg->memory_mib : r->s.memory_mib;
    spec.dut_opts = cfg ? &cfg->opts : NULL;
    /* The guest image as the host sees it: uploaded volumes on a remote host. */
    spec.kernel = r->host->kernel[0] ? r->host->kernel : r->kernel;
    spec.initrd = r->host->initrd[0] ? r->host->initrd : r->initrd;
    for (unsigned i = 0; r->inputs && cfg && i < r->s.n_configs; i++) {
        if (cfg == &r->s.configs[i] && r->inputs[i].kernel[0]) { /* kernel = VERSION or DIR */
            spec.kernel = r->inputs[i].kernel;
            spec.initrd = r->inputs[i].initrd;
        }
    }
    spec.cmdline = cmdline;
    spec.dut = dut;
    spec.disk_path = lg->s.disk;
    spec.disk_iops_limit = cfg ? cfg->disk_iops_limit : r->s.disk_iops_limit;
    spec.control_sock = sock;
    spec.console_log = console;
    spec.qemu_log = qemulog;
    /* "Why" metrics: QMP and a trace log, backends that have them (why.h). */
    if (dut && !q->peer && r->s.why && backend_can(r->backend, BACKEND_CAP_WHY)) {
        if (why_session_init(&lg->why, registry_dir(), config, dut, accel, err, sizeof(err)) == 0) {
            spec.qmp_sock = lg->why.qmp_path;
            spec.trace_log = lg->why.trace_path;
        } else {
            log_warn("%s: no why metrics: %s", config, err);
        }
    }
    if (dut && dut->kind == DEVMODEL_NET && r->net_remote) {
        /* The host's own network; vhost as asked, or (auto) as that host's libvirt can. */
        enum netns_vhost v = (enum netns_vhost)(cfg ? cfg->vhost : r->s.vhost);

        spec.net_network = r->net_network;
        spec.net_mac = mac;
        spec.net_vhost = q->peer || v == NETNS_VHOST_AUTO ? -1 : v == NETNS_VHOST_ON;
        if (!dut->virtio) {
            spec.net_vhost = 0;
        }
    } else if (dut && dut->kind == DEVMODEL_NET) {
        spec.net_tap = r->net.taps[k];
        spec.net_mac = mac;
        spec.net_vhost = netns_vhost_for(dut, (enum netns_vhost)(cfg ? cfg->vhost : r->s.vhost),
                                         r->vhost_available) > 0;
    }
    /* vhost-net serves the queues in the host kernel: QEMU never sees their kicks. */
    lg->why.kicks_hidden = spec.net_vhost > 0;

    return session_boot(&lg->s, &spec, q->timeout_s, reason, len);
}

static void guest_stop(struct live_guest *lg)
{
    session_stop(&lg->s);
    why_session_close(&lg->why);
}

int run_peer_guest_start(struct run_ctx *r, enum machine_type machine, char *reason, size_t len)
{
    char config[RESULTS_CONFIG_MAX];
    const struct guest_req q = {.config = config,
                                .dut = devmodel_find(RUN_PEER_GUEST_MODEL),
                                .peer = 1,
                                .machine = machine,
                                .accel = r->accel,
                                .timeout_s = r->s.boot_timeout_s};
    struct live_guest *lg;
    char err[256];

    snprintf(config, sizeof(config), "peer@%s", r->host->label);
    lg = calloc(1, sizeof(*lg));
    if (!lg || !q.dut) {
        free(lg);
        snprintf(reason, len, "peer guest: %s", lg ? "no virtio-net model" : "out of memory");
        return -1;
    }
    r->peer_guest = lg;
    if (guest_start(r, lg, &q, reason, len) < 0) {
        return -1;
    }
    if (!lg->s.ready.net[0]) {
        snprintf(reason, len, "the peer guest found no network interface");
        return -1;
    }
    if (peer_attach(&r->peer, lg->s.ch.fd, lg->s.ch.buf, lg->s.ch.len, err, sizeof(err)) < 0) {
        snprintf(reason, len, "%s", err);
        return -1;
    }
    lg->s.ch.len = 0;
    r->peer_boot_s = lg->s.boot_s;
    return 0;
}

void run_peer_guest_stop(struct run_ctx *r)
{
    if (r->peer_guest) {
        r->peer_cpu_s = session_cpu_seconds(&r->peer_guest->s);
        peer_stop(&r->peer);
        guest_stop(r->peer_guest);
        free(r->peer_guest);
        r->peer_guest = NULL;
    }
}

int run_peer_guest_alive(struct run_ctx *r)
{
    return r->peer_guest && peer_alive(&r->peer) && session_alive(&r->peer_guest->s);
}

/* ---- samples -------------------------------------------------------------------------------- */

/* Persist all samples now; a failure stops the run (disk full must not lose anything). */
static int save_samples(struct run_ctx *r)
{
    struct run_ctx *m = run_hosts_lock(r);

    if (m) { /* a host measured in parallel: its samples join the run's, one at a time */
        int rc = save_samples(m);
        run_hosts_unlock(r);
        return rc;
    }
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

/* The bare host's callback (hostbase_target.h): persist the samples after each of its jobs. */
static int save_samples_cb(void *arg)
{
    return save_samples(arg);
}

/*
 * After the guests, what the bare host has left (a session that failed, or one that could not
 * run beside the guests): its block jobs, then its network jobs on the test network, made
 * again if the guests' is gone. Its status: the worse of the two halves.
 */
static void run_bare_finish(struct run_ctx *r)
{
    char blk[512] = "", net[512] = "";
    int rc, rcn = 0;

    if (!r->s.host_baseline || signals_interrupted() || r->write_failed) {
        return;
    }
    rc = hostbase_target_rest(&r->bare, DEVMODEL_BLK, blk, sizeof(blk));
    if (!signals_interrupted() && !r->write_failed &&
        hostbase_target_has_work(&r->bare, DEVMODEL_NET)) {
        run_net_up(r);
        if (r->net_state == 1) {
            rcn = hostbase_target_rest(&r->bare, DEVMODEL_NET, net, sizeof(net));
            run_net_teardown(r);
        } else {
            util_strlcpy(net, r->net_reason, sizeof(net));
            rcn = r->net_state == -2 ? 1 : -1;
            r->net_state = 0;
        }
    }
    hostbase_target_settle(&r->bare, rc, blk, rcn, net);
}

/* ---- jobs ----------------------------------------------------------------------------------- */

enum job_outcome { JOB_OK, JOB_FAILED, JOB_GUEST_LOST };

/* The fault to inject into this job of configuration di (--fault F@DEV[:WL]: its device;
 * WL "why": the traced job). */
static const char *job_fault(struct run_ctx *r, unsigned di, const struct workload *w,
                             int why_job)
{
    if (!r->fault[0] || r->fault_used || strcmp(r->fault_device, r->s.devices[di]->name) != 0 ||
        (strcmp(r->fault_workload, "why") == 0 && !why_job) ||
        (r->fault_workload[0] && strcmp(r->fault_workload, "why") != 0 &&
         strcmp(r->fault_workload, w->name) != 0)) {
        return "none";
    }
    r->fault_used = 1;
    return r->fault;
}

/* A snapshot of the guest's QEMU threads when the backend runs it here; 0, or -1 (none). */
static int job_threads_snap(struct live_guest *lg, int vhost, struct threadcpu_snap *s)
{
    pid_t pid;

    if (!lg->s.started || !backend_can(lg->s.ops, BACKEND_CAP_THREADS) ||
        (pid = lg->s.ops->local_pid(&lg->s.g)) <= 0) {
        return -1;
    }
    return threadcpu_snap(NULL, pid, vhost, s);
}

static enum job_outcome job_run(struct run_ctx *r, struct live_guest *lg, unsigned di,
                                const struct workload *w, unsigned rep, char *reason, size_t len)
{
    const struct devmodel *dev = r->s.devices[di];
    const struct record_target t = run_target(r, di);
    struct record_host hc = {.cpu_s = -1, .disk_bytes = -1};
    struct threadcpu_snap th0, th1;
    struct backend_counters c0, c1;
    struct agent_result res;
    struct peer_report prep;
    struct agent_job job;
    double cpu0, cpu1, th_total, runtime_s;
    int rc, have_c, have_th;

    memset(&job, 0, sizeof(job));
    memset(&prep, 0, sizeof(prep));
    job.id = ++r->job_seq;
    job.workload = w->name;
    job.kind = devmodel_kind_name(w->kind);
    job.rw = w->rw;
    job.bs = w->bs;
    job.qd = w->qd;
    job.rwmixread = w->rwmixread;
    job.offset_mib = w->offset_mib;
    job.size_mib = w->size_mib;
    job.numjobs = w->numjobs;
    job.streams = w->streams;
    /* The "why" job: short, no warm-up, so the trace holds the job and little else. */
    runtime_s = lg->why_job ? r->s.why_runtime_s : scenario_runtime_s(&r->s, w);
    job.runtime_ms = (unsigned)(runtime_s * 1000.0 + 0.5);
    job.warmup_ms = lg->why_job ? 0 : (unsigned)(scenario_warmup_s(&r->s, w) * 1000.0 + 0.5);
    job.irq = dev->irq_match;
    job.fault = job_fault(r, di, w, lg->why_job);
    if (w->kind == DEVMODEL_NET) {
        job.peer = PVB_NET_PEER_ADDR;
        job.port = PVB_NET_PORT;
    }
    if (w->kind == DEVMODEL_BLK) {
        job.engine = scenario_engine_name(r->s.engine);
        job.fiojob = scenario_fiojob(&r->s, w); /* a [workload] with fio_job, else NULL */
    }
    have_c = backend_can(lg->s.ops, BACKEND_CAP_COUNTERS) &&
             lg->s.ops->counters(&lg->s.g, &c0) == 0;
    if (w->kind == DEVMODEL_NET &&
        run_net_job_begin(r, &job, w, session_job_budget(&job), reason, len) < 0) {
        return JOB_FAILED;
    }
    cpu0 = session_cpu_seconds(&lg->s);
    /* vhost workers serve NICs only: no walk of all of /proc for a disk's job */
    have_th = rep > 0 && job_threads_snap(lg, w->kind == DEVMODEL_NET, &th0) == 0;
    rc = session_job(&lg->s, &job, &res, reason, len);
    if (rc != SESSION_OK) {
        return rc == SESSION_LOST ? JOB_GUEST_LOST : JOB_FAILED;
    }
    have_th = have_th && job_threads_snap(lg, w->kind == DEVMODEL_NET, &th1) == 0;
    cpu1 = session_cpu_seconds(&lg->s);
    if (w->kind == DEVMODEL_NET && run_net_job_end(r, w, &res, &prep, reason, len) < 0) {
        return JOB_FAILED;
    }
    lg->last = res;
    if (rep == 0) {
        return JOB_OK; /* a warm-up or why job: measured by the agent, never recorded */
    }
    hc.cpu_s = cpu0 >= 0 && cpu1 >= 0 ? cpu1 - cpu0 : -1;
    if (have_th && !th0.truncated && !th1.truncated) {
        threadcpu_delta(&th0, &th1, hc.thread_s, &th_total, &hc.ended_s);
        hc.threads = th_total >= 0;
    }
    if (have_c && w->kind == DEVMODEL_BLK && lg->s.ops->counters(&lg->s.g, &c1) == 0 &&
        c0.rd_bytes >= 0) {
        hc.disk_bytes = (double)(c1.rd_bytes - c0.rd_bytes + c1.wr_bytes - c0.wr_bytes);
    }
    if ((w->kind == DEVMODEL_NET ? record_net(&r->samples, &t, w, rep, &res, &prep, &hc)
                                 : record_blk(&r->samples, &t, w, rep, &res, &hc)) < 0) {
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
                 run_config_name(r, di), la, running, ncpu);
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
    const struct record_target t = run_target(r, di);
    struct config_state *c = &r->cfg[di];
    const struct guest_req q = {.config = run_config_name(r, di),
                                .dut = dev,
                                .tap = net_index(r, di),
                                .machine = r->s.device_machine[di],
                                .accel = r->accel,
                                .timeout_s = r->s.boot_timeout_s,
                                .disk_mib = r->s.disk_mib};
    const struct agent_ready *ready = &lg->s.ready;
    char reason[512], status[96];
    double boot_s;

    snprintf(status, sizeof(status), "booting %s (%s, %s)", run_config_name(r, di),
             machine_name(r->s.device_machine[di]), r->accel);
    progress_status(status);
    record_load(r, di, 0);
    if (guest_start(r, lg, &q, reason, sizeof(reason)) < 0) {
        config_fail(r, di, reason);
        return -1;
    }
    boot_s = lg->s.boot_s;
    util_strlcpy(c->driver, dev->kind == DEVMODEL_NET ? ready->net_driver : ready->blk_driver,
                 sizeof(c->driver));
    if (dev->kind == DEVMODEL_NET && !ready->net[0]) {
        snprintf(reason, sizeof(reason),
                 "the guest found no network interface (modules loaded %d, failed %d): is the "
                 "%s driver in the image?",
                 ready->modules_loaded, ready->modules_failed, dev->guest_modules);
        config_fail(r, di, reason);
        return -1;
    }
    /* queues = N: the guest's agent enabled N pairs (an agent that does not say is let be) */
    if (dev->kind == DEVMODEL_NET && di < r->s.n_configs && r->s.configs[di].opts.queues > 1 &&
        ready->net_queues && ready->net_queues != r->s.configs[di].opts.queues) {
        snprintf(reason, sizeof(reason),
                 "queues = %u, but the guest's %s has %u receive queue%s in use (a kernel "
                 "without multiqueue virtio-net?)",
                 r->s.configs[di].opts.queues, ready->net, ready->net_queues,
                 ready->net_queues == 1 ? "" : "s");
        config_fail(r, di, reason);
        return -1;
    }
    if (dev->kind == DEVMODEL_NET && ready->net_queues > 1) {
        log_info("%s: %s has %u queue pairs in use", run_config_name(r, di), ready->net,
                 ready->net_queues);
    }
    if (dev->kind == DEVMODEL_BLK && !ready->blk[0]) {
        snprintf(reason, sizeof(reason),
                 "the guest found no disk (modules loaded %d, failed %d): is the %s driver in "
                 "the image?",
                 ready->modules_loaded, ready->modules_failed, dev->guest_modules);
        config_fail(r, di, reason);
        return -1;
    }
    log_debug("%s: agent ready in %.2f s, disk %s, driver %s", dev->name, boot_s, ready->blk,
              ready->blk_driver);
    pin_guest(r, lg->s.g.pid);
    if (record_sample(&r->samples, &t, "boot", "boot_to_ready_s",
                      count_boot_samples(r, run_config_name(r, di)) + 1, boot_s) < 0 ||
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

    console_tail(r, run_config_name(r, di), full, len);
    /* Before a lost guest is stopped: what its QEMU was doing, into its -agent.log. */
    session_log_lost(&lg->s);
    guest_stop(lg);
    *up = 0;
    if (signals_interrupted() || r->write_failed || c->retries >= r->s.job_retries) {
        config_fail(r, di, full);
        return -1;
    }
    c->retries++;
    util_strlcpy(c->retry_reason, full, sizeof(c->retry_reason));
    log_warn("%s %s; booting a fresh guest to run it again (retry %u of at most %u)", dev->name,
             full, c->retries, r->s.job_retries);
    keep_attempt_logs(r, run_config_name(r, di), c->retries);
    progress_add_jobs(jobs);
    /* A NIC's peer may have gone with its guest (a remote host's connection): made again. */
    if (dev->kind == DEVMODEL_NET && run_net_prepare(r, di) < 0) {
        return -1;
    }
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

    progress_job(run_config_name(r, di), w->name, rep,
                 r->rep_hi > r->s.repetitions ? r->rep_hi : r->s.repetitions);
    out = job_run(r, lg, di, w, rep, reason, sizeof(reason));
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

/* Has configuration `config`'s workload w its "why" samples already (resume)? */
static int why_done(const struct run_ctx *r, const char *config, const struct workload *w)
{
    for (size_t i = 0; i < r->samples.n; i++) {
        const struct sample *s = &r->samples.v[i];
        if (strcmp(s->config, config) == 0 && strcmp(s->workload, w->name) == 0 &&
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
    const struct record_target t = run_target(r, di);
    struct why_result wr;
    char err[512], reason[512], status[160];
    enum job_outcome out;

    if (!lg->why.registered || why_done(r, run_config_name(r, di), w)) {
        return;
    }
    snprintf(status, sizeof(status), "%s  %s  why: traced job (not timed)",
             run_config_name(r, di), w->name);
    progress_status(status);
    if (why_begin(&lg->why, err, sizeof(err)) < 0) {
        log_warn("%s %s: no why metrics: %s", dev->name, w->name, err);
        return;
    }
    lg->why_job = 1;
    out = job_run(r, lg, di, w, 0, reason, sizeof(reason));
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
    if (record_sample(&r->samples, &t, w->name, "reg_accesses_per_op", 1,
                      wr.reg_accesses_per_op) < 0 ||
        record_sample(&r->samples, &t, w->name, "notifies_per_op", 1, wr.notifies_per_op) < 0 ||
        save_samples(r) < 0) {
        log_err("%s %s: cannot save the why samples", dev->name, w->name);
        return;
    }
    if (why_record(r->out_dir, dev, run_config_name(r, di), w->name, &wr, err, sizeof(err)) < 0) {
        log_warn("%s", err);
    }
    util_strlcpy(r->cfg[di].why_source, wr.source, sizeof(r->cfg[di].why_source));
    log_debug("%s %s: %.2f register accesses per op (%.0f ops traced)", dev->name, w->name,
              wr.reg_accesses_per_op, wr.ops);
}

/* ---- the plan and its executor -------------------------------------------------------------- */

/* Do the bare host's jobs go between the guests' (host_baseline = yes, the guests run here)? */
static int run_bare_beside(const struct run_ctx *r)
{
    return r->s.host_baseline && (r->n_hosts == 1 || r->side_by_side) && r->hosts[0].local;
}

_Static_assert(RUN_MAX_HOSTS <= PLAN_MAX_HOSTS, "every host of a run fits a plan");

/* plan_desc.measured: has the cell its samples (the bare host's: configuration "host")? */
static int plan_cell_measured(void *arg, unsigned host, unsigned config, unsigned workload,
                              unsigned rep)
{
    const struct run_ctx *r = arg;
    const char *name =
        host == PLAN_BARE_HOST ? HOSTBASE_CONFIG : run_host_config_name(r, host, config);

    return samples_has_cell(&r->samples, name, r->s.workloads[workload]->name, rep);
}

/* plan_desc.why_done */
static int plan_why_measured(void *arg, unsigned host, unsigned config, unsigned workload)
{
    const struct run_ctx *r = arg;

    return why_done(r, run_host_config_name(r, host, config), r->s.workloads[workload]);
}

/*
 * The plan of one pass over hosts h0 .. h0 + n - 1 (one host, or every host side by side):
 * repetitions lo..hi of the configurations in want (NULL: all) that did not fail or were
 * skipped, the bare host's jobs between the guests' while its sessions are open or may be.
 */
static int run_plan_build(struct run_ctx *r, unsigned h0, unsigned n, const int *want, unsigned lo,
                          unsigned hi, struct plan *p)
{
    struct plan_desc d;

    memset(&d, 0, sizeof(d));
    d.n_hosts = n;
    for (unsigned k = 0; k < n; k++) {
        const struct run_host *hs = &r->hosts[h0 + k];

        d.hosts[k].index = h0 + k;
        d.hosts[k].why =
            r->s.why && backend_can(hs->backend ? hs->backend : r->backend, BACKEND_CAP_WHY);
        for (unsigned di = 0; di < r->s.n_devices; di++) {
            d.hosts[k].skip[di] =
                hs->cfg[di].status == CONFIG_FAILED || hs->cfg[di].status == CONFIG_SKIPPED;
        }
    }
    d.n_configs = r->s.n_devices;
    for (unsigned di = 0; di < r->s.n_devices; di++) {
        d.config_kind[di] = r->s.devices[di]->kind;
    }
    d.n_workloads = r->s.n_workloads;
    for (unsigned wi = 0; wi < r->s.n_workloads; wi++) {
        d.workload_kind[wi] = r->s.workloads[wi]->kind;
    }
    d.want = want;
    d.lo = lo;
    d.hi = hi;
    d.warmup_jobs = r->s.warmup_jobs;
    d.boots = r->pass_boots ? r->pass_boots : r->s.boots;
    d.host_blk = hostbase_target_is_open(&r->bare, DEVMODEL_BLK);
    /* The bare host's network client joins the guests' test network: this machine's. */
    d.host_net = run_bare_beside(r);
    d.host_net_open = hostbase_target_is_open(&r->bare, DEVMODEL_NET);
    d.measured = plan_cell_measured;
    d.why_done = plan_why_measured;
    d.arg = r;
    return plan_build(&d, p);
}

/* What only running tells (plan.h): the guests of the pass, which of them are up. */
struct run_exec {
    struct run_ctx *r;
    unsigned h0;                                 /* the first host of the pass */
    struct live_guest *guests;                   /* host after host, n_devices each */
    int up[RUN_MAX_HOSTS][SCENARIO_MAX_DEVICES]; /* by host index */
};

static struct live_guest *exec_guest(struct run_exec *x, const struct plan_step *st)
{
    return &x->guests[(size_t)(st->host - x->h0) * x->r->s.n_devices + st->config];
}

/* BOOT: a net configuration first needs the test network; a guest that fails is down. */
static void exec_boot(struct run_exec *x, const struct plan_step *st)
{
    struct run_ctx *r = x->r;
    struct live_guest *lg = exec_guest(x, st);
    int *up = &x->up[st->host][st->config];

    *up = 0; /* a configuration may be booted again after its STOP */
    r->cfg[st->config].boot = st->boot;
    if (r->s.devices[st->config]->kind == DEVMODEL_NET && run_net_prepare(r, st->config) < 0) {
        return;
    }
    *up = config_boot(r, st->config, lg) == 0;
    if (!*up) {
        guest_stop(lg);
    }
}

static void exec_done(struct run_exec *x, const struct plan_step *st)
{
    struct config_state *c = &x->r->cfg[st->config];

    if (c->status == CONFIG_PENDING) {
        c->status = CONFIG_OK;
    }
    log_info("%s: every cell already measured, not booted (resume)",
             run_config_name(x->r, st->config));
}

/* WARMUP (rep 0) and JOB: on a guest that is up; a lost one is replaced within the step. */
static void exec_job(struct run_exec *x, const struct plan_step *st, unsigned rep)
{
    int *up = &x->up[st->host][st->config];

    if (*up) {
        config_job(x->r, st->config, exec_guest(x, st), x->r->s.workloads[st->workload], rep, up);
    }
}

static void exec_why(struct run_exec *x, const struct plan_step *st)
{
    int *up = &x->up[st->host][st->config];

    if (*up) {
        config_why(x->r, st->config, exec_guest(x, st), x->r->s.workloads[st->workload], up);
    }
}

/* HOST_NET_OPEN: the bare host's network client, once the guests' test network is up. */
static void exec_bare_open(struct run_exec *x)
{
    char err[512];

    if (x->r->net_state == 1 &&
        hostbase_target_open(&x->r->bare, DEVMODEL_NET, err, sizeof(err)) < 0) {
        log_warn("host baseline: %s; its network jobs run after the guests'", err);
    }
}

/* HOST_*_JOB, while the session of its kind is open: a failed job closes it. */
static void exec_bare_job(struct run_exec *x, const struct plan_step *st)
{
    const struct workload *w = x->r->s.workloads[st->workload];
    char err[512];

    if (hostbase_target_job(&x->r->bare, w, st->rep, err, sizeof(err)) < 0) {
        log_warn("host baseline: %s; its remaining %sjobs run after the guests'", err,
                 w->kind == DEVMODEL_NET ? "network " : "");
    }
}

/* STOP: the guest goes, booted or lost; a configuration that was up is settled. */
static void exec_stop(struct run_exec *x, const struct plan_step *st)
{
    struct run_ctx *r = x->r;
    int *up = &x->up[st->host][st->config];

    progress_clear();
    if (*up) {
        record_load(r, st->config, 1);
        if (signals_interrupted()) {
            config_fail(r, st->config, "interrupted");
        } else if (r->cfg[st->config].status == CONFIG_PENDING) {
            r->cfg[st->config].status = CONFIG_OK;
        }
    }
    guest_stop(exec_guest(x, st));
    *up = 0;
}

/* One step; interrupted or samples not written: every step up to the stops is skipped. */
static void exec_step(struct run_exec *x, const struct plan_step *st)
{
    struct run_ctx *r = x->r;

    if (st->type != PLAN_STOP && (signals_interrupted() || r->write_failed)) {
        return;
    }
    if (st->host != PLAN_BARE_HOST) {
        run_host_select(r, st->host);
    }
    switch (st->type) {
    case PLAN_BOOT:
        exec_boot(x, st);
        break;
    case PLAN_DONE:
        exec_done(x, st);
        break;
    case PLAN_HOST_NET_OPEN:
        exec_bare_open(x);
        break;
    case PLAN_WARMUP:
        exec_job(x, st, 0);
        break;
    case PLAN_JOB:
        exec_job(x, st, st->rep);
        break;
    case PLAN_HOST_BLK_JOB:
    case PLAN_HOST_NET_JOB:
        exec_bare_job(x, st);
        break;
    case PLAN_WHY:
        exec_why(x, st);
        break;
    case PLAN_STOP:
        exec_stop(x, st);
        break;
    }
}

/*
 * Measure repetitions lo..hi of every configuration in `want` (NULL: all) of the current
 * host, or of both backends side by side: the plan of the pass (plan.h, ADR-001), step by
 * step. All their guests are up together and the repetitions are interleaved (A B A B ...),
 * so drift of the host hits every configuration alike; each workload starts with uncounted
 * warm-up jobs.
 */
static void measure(struct run_ctx *r, const int *want, unsigned lo, unsigned hi)
{
    /* The hosts measured together: all of them side by side, else the current one. */
    unsigned h0 = r->side_by_side ? 0 : run_host_index(r);
    unsigned n = r->side_by_side ? r->n_hosts : 1, nd = r->s.n_devices;
    struct run_exec x;
    struct plan p;
    char text[2048];

    memset(&x, 0, sizeof(x));
    x.r = r;
    x.h0 = h0;
    if (run_plan_build(r, h0, n, want, lo, hi, &p) < 0 ||
        !(x.guests = calloc((size_t)n * nd, sizeof(*x.guests)))) {
        log_err("cannot plan the run: %s", strerror(errno));
        plan_free(&p);
        return;
    }
    if (plan_format(&p, text, sizeof(text)) < 0) {
        util_strlcpy(text + sizeof(text) - 5, "...", 5);
    }
    log_debug("plan of repetitions %u..%u: %s", lo, hi, text);
    for (size_t i = 0; i < (size_t)n * nd; i++) {
        session_init(&x.guests[i].s, NULL, NULL); /* nothing to stop until booted */
    }
    for (size_t i = 0; i < p.n; i++) {
        exec_step(&x, &p.steps[i]);
    }
    progress_clear();
    free(x.guests);
    plan_free(&p);
}

/* ---- backend -------------------------------------------------------------------------------- */

/* Every backend a run may choose, each table checked at start (backend_check_ops). */
static const struct backend_ops *const run_backends[] = {&backend_qemu_ops, &backend_libvirt_ops,
                                                          &backend_process_ops};

static int run_check_backends(void)
{
    for (size_t i = 0; i < sizeof(run_backends) / sizeof(run_backends[0]); i++) {
        if (backend_check_ops(run_backends[i]) < 0) {
            return -1;
        }
    }
    return 0;
}

/* Drop the connection backend_choose made (side by side: the host-reaching backend's). */
static void run_disconnect(struct run_ctx *r)
{
    for (unsigned h = 0; h <= r->n_hosts; h++) {
        const struct backend_ops *be = h < r->n_hosts ? r->hosts[h].backend : r->backend;

        if (backend_can(be, BACKEND_CAP_HOSTS)) {
            be->disconnect();
            return;
        }
    }
}

/* libvirt when its daemon answers (auto), else the direct QEMU backend; the run says which. */
static int backend_choose(struct run_ctx *r)
{
    const char *want = r->o->backend ? r->o->backend : getenv("PVBENCH_BACKEND");
    char err[512];

    if (!want || !*want) {
        want = "auto";
    }
    if (r->side_by_side) {
        /* Both: the libvirt host's connection is made here and kept for the whole run. */
        const char *uri = r->hosts[0].backend == &backend_libvirt_ops ? r->hosts[0].uri
                                                                      : r->hosts[1].uri;
        char lv[200];

        if (backend_libvirt_connect(*uri ? uri : NULL, err, sizeof(err)) < 0) {
            log_err("--backend %s: %s", want, err);
            return -1;
        }
        if (backend_libvirt_describe(lv, sizeof(lv)) < 0) {
            snprintf(lv, sizeof(lv), "libvirt %s", backend_libvirt_uri());
        }
        snprintf(r->backend_info, sizeof(r->backend_info),
                 "direct QEMU and libvirt side by side (%s)", lv);
        log_info("backends: direct QEMU and libvirt (%s), side by side, job after job", lv);
        run_host_select(r, 0);
        return 0;
    }
    if (r->backend == &backend_process_ops) { /* chosen by run_hosts_init */
        util_strlcpy(r->backend_info, "the agent as a host process, no QEMU: the device models "
                     "are labels only", sizeof(r->backend_info));
        log_info("backend: process (%s)", r->backend_info);
        return 0;
    }
    if (strcmp(want, "qemu") == 0) {
        r->backend = &backend_qemu_ops;
        snprintf(r->backend_info, sizeof(r->backend_info), "direct QEMU (asked for)");
        return 0;
    }
    if (r->n_hosts > 1) {
        /* Each host is connected in turn (run_host_begin); one that cannot be reached fails
         * alone. */
        r->backend = &backend_libvirt_ops;
        snprintf(r->backend_info, sizeof(r->backend_info), "libvirt, %u hosts (see hosts)",
                 r->n_hosts);
        log_info("backend: libvirt, %u hosts", r->n_hosts);
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

static int write_summaries(struct run_ctx *r, struct summary_set *sum);

/* ---- baseline ------------------------------------------------------------------------------- */

/*
 * --baseline NAME: compare the finished run with the baseline. When a regression is
 * flagged and --max-iterations allows, measure the suspect configurations again (more
 * repetitions, same guests as before) and decide on all their samples.
 */
static int run_against_baseline(struct run_ctx *r, struct summary_set *sum)
{
    unsigned iters = r->o->max_iterations ? r->o->max_iterations : 1;
    unsigned reps = r->s.repetitions;
    int rc = PVB_EXIT_OK;

    if (!r->o->finish || !r->o->finish->baseline) {
        return PVB_EXIT_OK;
    }
    if (r->n_hosts > 1 && iters > 1) {
        /* The hosts' connections and images are gone by now: compare once, do not re-measure. */
        log_warn("--max-iterations: a run of several hosts is compared once, not measured again");
        iters = 1;
    }
    for (unsigned it = 1; it <= iters && !signals_interrupted(); it++) {
        static char suspects[SCENARIO_MAX_DEVICES][RESULTS_CONFIG_MAX];
        int want[SCENARIO_MAX_DEVICES] = {0};
        unsigned n = 0;

        printf("\ncompared with baseline %s:\n", r->o->baseline);
        rc = r->o->finish->baseline(r->out_dir, r->o, suspects, SCENARIO_MAX_DEVICES, &n);
        if (rc != PVB_EXIT_REGRESSION || it == iters) {
            break;
        }
        for (unsigned i = 0; i < n; i++) {
            for (unsigned di = 0; di < r->s.n_devices; di++) {
                want[di] |= strcmp(run_config_name(r, di), suspects[i]) == 0;
            }
        }
        log_info("regression suspected (iteration %u of %u): measuring %zu configuration%s "
                 "again, repetitions %u..%u",
                 it, iters, (size_t)n, n == 1 ? "" : "s", reps * it + 1, reps * (it + 1));
        measure(r, want, reps * it + 1, reps * (it + 1));
        summary_free(sum);
        if (write_summaries(r, sum) < 0) {
            return PVB_EXIT_FAILED;
        }
        run_json_write(r);
    }
    return rc;
}

/* ---- --until-decided ------------------------------------------------------------------------ */

/* Does s have two configurations of one kind (what a verdict compares)? */
static int run_has_pair(const struct scenario *s)
{
    unsigned n[2] = {0, 0};

    for (unsigned di = 0; di < s->n_devices; di++) {
        n[s->devices[di]->kind == DEVMODEL_NET]++;
    }
    return n[0] >= 2 || n[1] >= 2;
}

/*
 * --until-decided: after the planned boots, decide every configuration against its
 * reference (finish->verdict, as pvbench compare RUN). While a cell is UNKNOWN and the
 * budget allows, one more round of boots of the configurations of the undecided cells and
 * of their references, as many as they have (the data doubles; an even number, interleaved
 * A B, B A), each with the repetitions a planned boot had, then decide again on all the
 * samples. A round is cut to the boots that fit in what is left of the budget, at the
 * speed of the last one.
 *
 * Each look at the data is a test: looking until something is DIFFERENT would call
 * identical configurations different far more often than alpha says. So look k (0: the
 * planned boots) spends alpha / 2^(k+1) of it, and all the looks together never more than
 * alpha (r->alpha_share is the last look's share, for the verdict printed at the end, which
 * also decides the run's exit code).
 */
static void run_until_decided(struct run_ctx *r)
{
    const struct run_finish *f = r->o->finish;
    double budget = r->o->budget_s > 0 ? r->o->budget_s : RUN_DEFAULT_BUDGET_S;
    double alpha = r->o->alpha > 0 ? r->o->alpha : RUN_DEFAULT_ALPHA;
    unsigned have = r->s.boots < r->s.repetitions ? r->s.boots : r->s.repetitions;
    unsigned per_boot = r->s.repetitions / have, next = r->s.repetitions + 1, rounds = 0;
    /* a boot's cost so far: the planned pass, set-up included (an upper bound) */
    double boot_s = (util_now() - r->t_start) / have;
    const char *why = NULL;
    int rc;

    if (!r->o->until_decided || !f || !f->verdict) {
        return;
    }
    for (;;) {
        static char names[SCENARIO_MAX_DEVICES][RESULTS_CONFIG_MAX];
        int want[SCENARIO_MAX_DEVICES] = {0};
        unsigned n = 0, any = 0, add, jobs = 0;
        size_t before = r->samples.n;
        double t0 = util_now(), left = budget - (t0 - r->t_start);

        r->alpha_share = ldexp(0.5, -(int)rounds);
        rc = f->verdict(r->out_dir, r->o, r->alpha_share, 0, names, SCENARIO_MAX_DEVICES, &n);
        if (rc != PVB_EXIT_UNDECIDED || signals_interrupted() || r->write_failed) {
            break;
        }
        if (r->n_hosts > 1) {
            why = "a run of several hosts or backends is decided once, not measured again";
            break;
        }
        /* as many boots again as there are (the next look's data doubles), even (A B B A),
         * as many of them as fit in the budget */
        add = have + (have & 1);
        while (add > 2 && add * boot_s > left) {
            add -= 2;
        }
        if (add * boot_s > left) {
            why = "the budget is spent";
            break;
        }
        if (next + add * per_boot - 1 > SCENARIO_MAX_REPETITIONS) {
            why = "repetitions are at their limit";
            break;
        }
        if (alpha * ldexp(0.5, -(int)rounds - 1) < RUN_ALPHA_MIN) {
            why = "alpha is spent (each look takes half of what is left)";
            break;
        }
        for (unsigned di = 0; di < r->s.n_devices; di++) {
            for (unsigned i = 0; i < n && !want[di]; i++) {
                want[di] = strcmp(run_config_name(r, di), names[i]) == 0 &&
                           r->host->cfg[di].status == CONFIG_OK;
            }
            any += want[di] ? 1 : 0;
            for (unsigned wi = 0; want[di] && wi < r->s.n_workloads; wi++) {
                if (r->s.workloads[wi]->kind == r->s.devices[di]->kind) {
                    jobs += add * (per_boot + r->s.warmup_jobs);
                }
            }
        }
        if (any < 2) {
            why = "the undecided cells' configurations cannot be booted again";
            break;
        }
        log_info("--until-decided: round %u, %u more boots of each of %u configurations "
                 "(repetitions %u..%u; %.0f s of the budget left)",
                 rounds + 1, add, any, next, next + add * per_boot - 1, left);
        progress_add_jobs(jobs);
        r->pass_boots = add;
        r->rep_hi = next + add * per_boot - 1;
        measure(r, want, next, r->rep_hi);
        r->pass_boots = 0;
        next += add * per_boot;
        have += add;
        rounds++;
        boot_s = (util_now() - t0) / add;
        if (r->samples.n == before) {
            why = "the last round measured nothing";
            break;
        }
        run_json_write(r);
    }
    if (why) {
        log_warn("--until-decided: %s after %u more round%s of boots; cells stay UNKNOWN", why,
                 rounds, rounds == 1 ? "" : "s");
    }
    if (rounds) {
        log_info("--until-decided: %u more round%s of boots (%u boots a configuration), %.0f s "
                 "in all",
                 rounds, rounds == 1 ? "" : "s", have, util_now() - r->t_start);
    }
}

/* ---- set-up --------------------------------------------------------------------------------- */

static int parse_fault(struct run_ctx *r, const char *spec)
{
    const char *at = strchr(spec, '@');
    const char *colon;
    static const char *const faults[] = {"hang", "crash", "exit", "garbage", "flood", "stall"};
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

/*
 * The run's QEMU and kernel (run.json's qemu_version, guest_kernel, what the history store
 * files a run under) are what its configurations ran: when every configuration names the
 * same qemu = / kernel =, that one, not the default binary's and image's; when they differ,
 * "per configuration" (each configuration's own is in its entry).
 */
static void config_inputs_versions(struct run_ctx *r)
{
    const struct scenario_config *c0 = &r->s.configs[0];
    char path[PATH_MAX + 32], rel[64];
    const char *slash;
    int same_qemu = 1, same_kernel = 1;

    for (unsigned i = 1; i < r->s.n_configs; i++) {
        same_qemu &= strcmp(r->s.configs[i].qemu, c0->qemu) == 0;
        same_kernel &= strcmp(r->s.configs[i].kernel, c0->kernel) == 0;
    }
    if (!same_qemu) {
        util_strlcpy(r->qemu_version, "per configuration", sizeof(r->qemu_version));
    } else if (c0->qemu[0] && r->inputs[0].qemu && r->inputs[0].qemu->qemu[0]) {
        util_strlcpy(r->qemu_version, r->inputs[0].qemu->qemu, sizeof(r->qemu_version));
    }
    if (!same_kernel) {
        util_strlcpy(r->guest_kernel, "per configuration", sizeof(r->guest_kernel));
    } else if (c0->kernel[0] && (slash = strrchr(r->inputs[0].kernel, '/')) &&
               util_fmt(path, sizeof(path), "%.*s/kernel-release",
                        (int)(slash - r->inputs[0].kernel), r->inputs[0].kernel) >= 0 &&
               util_read_file(path, rel, sizeof(rel)) >= 0) {
        util_rstrip(rel);
        util_strlcpy(r->guest_kernel, rel, sizeof(r->guest_kernel));
    }
}

/*
 * Each configuration's `qemu =` and `kernel =` (qemuver.h): a build or an image fetched or
 * built from Debian's archive if it is not in the cache yet (the libvirt backend refuses a
 * fetched build when it writes the domain: domxml.c). 0, -3 (no such version), -4 (the
 * archive cannot be reached) or -1, said per configuration.
 */
static int find_config_inputs(struct run_ctx *r)
{
    char err[1024], dir[PATH_MAX];

    r->inputs = calloc(r->s.n_configs ? r->s.n_configs : 1, sizeof(*r->inputs));
    if (!r->inputs) {
        log_err("out of memory");
        return -1;
    }
    for (unsigned i = 0; i < r->s.n_configs; i++) {
        const struct scenario_config *c = &r->s.configs[i];
        struct run_config_inputs *in = &r->inputs[i];
        int rc;

        if (c->qemu[0]) {
            in->qemu = calloc(1, sizeof(*in->qemu));
            if (!in->qemu) {
                return -1;
            }
            rc = qemuver_resolve(c->qemu, in->qemu, err, sizeof(err));
            if (rc != PVB_EXIT_OK) {
                log_err("config %s: qemu = %s: %s", c->name, c->qemu, err);
                return rc == PVB_EXIT_USAGE ? -3 : rc == PVB_EXIT_SKIPPED ? -4 : -1;
            }
            log_info("config %s: QEMU %s", c->name,
                     in->qemu->qemu[0] ? in->qemu->qemu : in->qemu->binary);
        }
        if (c->kernel[0]) {
            rc = qemuver_kernel_resolve(c->kernel, dir, sizeof(dir), err, sizeof(err));
            if (rc != PVB_EXIT_OK) {
                log_err("config %s: kernel = %s: %s", c->name, c->kernel, err);
                return rc == PVB_EXIT_USAGE ? -3 : rc == PVB_EXIT_SKIPPED ? -4 : -1;
            }
            if (util_fmt(in->kernel, sizeof(in->kernel), "%s/vmlinux", dir) < 0 ||
                util_fmt(in->initrd, sizeof(in->initrd), "%s/%s", dir,
                         r->s.engine == SCENARIO_ENGINE_FIO ? "initramfs-fio.img"
                                                            : "initramfs.img") < 0 ||
                access(in->kernel, R_OK) < 0 || access(in->initrd, R_OK) < 0) {
                log_err("config %s: kernel = %s: no vmlinux and initramfs in %s", c->name,
                        c->kernel, dir);
                return -1;
            }
        }
    }
    if (r->s.n_configs > 0) {
        config_inputs_versions(r);
    }
    return 0;
}

static void free_config_inputs(struct run_ctx *r)
{
    for (unsigned i = 0; r->inputs && i < r->s.n_configs; i++) {
        free(r->inputs[i].qemu);
    }
    free(r->inputs);
    r->inputs = NULL;
}

static int find_inputs(struct run_ctx *r)
{
    const char *img = r->o->image_dir;
    char buf[256], path[PATH_MAX + 32];
    char *argv[] = {r->qemu_binary, "--version", NULL};
    int rc;

    if (r->backend == &backend_process_ops) { /* no guest: no image, no QEMU */
        util_strlcpy(r->guest_kernel, "none", sizeof(r->guest_kernel));
        util_strlcpy(r->qemu_version, "none", sizeof(r->qemu_version));
        return 0;
    }
    if (!img) {
        img = paths_image_dir();
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
        log_err("guest image missing in %s (vmlinux, initramfs.img): run `%s`", img,
                paths_layout() == PATHS_TREE ? "make image" : "pvbench image build");
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
    return find_config_inputs(r);
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
    /* Absolute, so QEMU started by libvirtd (another working folder) finds the logs too. */
    if (util_make_absolute(r->logs_dir, sizeof(r->logs_dir)) < 0) {
        log_err("cannot resolve %s: %s", r->logs_dir, strerror(errno));
        return -1;
    }
    return 0;
}

/* A run refused before it measured: the folder make_out_dir made goes again (if empty). */
static void run_discard_out_dir(const struct run_ctx *r, const char *scenario_copy)
{
    if (r->o->resume_dir) {
        return;
    }
    unlink(scenario_copy);
    rmdir(r->logs_dir);
    rmdir(r->out_dir); /* only when nothing else is in it */
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
    /* each boot warms up again (plan.c): as many boots as repetitions at most */
    unsigned n = 0, boots = r->s.boots < r->s.repetitions ? r->s.boots : r->s.repetitions;

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
                n += r->s.warmup_jobs * (boots ? boots : 1);
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
    /* pct_of_host first, so summary.json is written once, whole. */
    if (r->s.host_baseline) {
        hostbase_pct_summary(&r->samples, STATS_DEFAULT_SEED, sum);
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

/* The terminal table: from the scenario (one host), or per configuration = device@host. */
static void run_print_table(struct run_ctx *r, const struct summary_set *sum)
{
    if (r->o->finish && r->o->finish->table) {
        r->o->finish->table(stdout, &r->s, &r->samples, sum, r->n_hosts > 1);
    }
}

/*
 * The measuring passes: host after host (one host: as before; a host that cannot be measured
 * fails alone), or every host at once side by side. PVB_EXIT_OK, PVB_EXIT_SKIPPED (--accel
 * kvm without KVM on the only host) or PVB_EXIT_FAILED (run.json cannot be written).
 */
/* One host of several, in its worker's copy of the run (run_hosts_parallel). */
static void run_host_pass(struct run_ctx *r, unsigned h)
{
    if (run_host_begin(r, h) == 0) {
        measure(r, NULL, 1, r->s.repetitions);
        hostbase_target_close(&r->bare, DEVMODEL_NET);
        run_net_teardown(r);
    }
    run_host_end(r);
}

static int run_passes(struct run_ctx *r)
{
    if (r->n_hosts > 1 && !r->side_by_side) {
        if (run_json_write(r) < 0) {
            return PVB_EXIT_FAILED;
        }
        log_info("run %s: scenario %s, %u device%s, %u hosts, backend %s, results in %s",
                 r->run_id, r->s.name, r->s.n_devices, r->s.n_devices == 1 ? "" : "s",
                 r->n_hosts, r->backend->name, r->out_dir);
        if (run_hosts_parallel(r, run_host_pass) == 0) {
            return run_json_write(r) < 0 ? PVB_EXIT_FAILED : PVB_EXIT_OK;
        }
    }
    for (unsigned h = 0; h < r->n_hosts && !signals_interrupted() && !r->write_failed; h++) {
        int hb = run_host_begin(r, h);

        if (hb == -2) {
            return PVB_EXIT_SKIPPED;
        }
        if (h == 0 && (r->n_hosts == 1 || r->side_by_side)) {
            log_info("run %s: scenario %s, %u device%s, %s%s, backend %s, results in %s",
                     r->run_id, r->s.name, r->s.n_devices, r->s.n_devices == 1 ? "" : "s",
                     r->n_hosts > 1 ? "hosts " : "accelerator ",
                     r->side_by_side ? "side by side"
                     : r->n_hosts > 1 ? "in turn"
                                      : r->accel,
                     r->side_by_side ? "qemu and libvirt" : r->backend->name, r->out_dir);
        }
        if (run_json_write(r) < 0) {
            return PVB_EXIT_FAILED;
        }
        if (r->side_by_side) {
            continue; /* both backends' guests are measured together, below */
        }
        if (hb == 0) {
            measure(r, NULL, 1, r->s.repetitions);
            hostbase_target_close(&r->bare, DEVMODEL_NET);
            run_net_teardown(r);
        }
        if (r->n_hosts > 1) {
            run_host_end(r);
        }
    }
    if (r->side_by_side && !signals_interrupted() && !r->write_failed) {
        measure(r, NULL, 1, r->s.repetitions);
        hostbase_target_close(&r->bare, DEVMODEL_NET);
        run_net_teardown(r);
        for (unsigned h = 0; h < r->n_hosts; h++) {
            run_host_select(r, h);
            run_host_end(r);
        }
    }
    return PVB_EXIT_OK;
}

/*
 * --json: every human line (the table, "results:", the baseline verdict, whatever a module
 * prints) goes to stderr while the run lasts, so stdout holds the one JSON document alone.
 * The real stdout's descriptor, or -1 with the error logged.
 */
static int run_stdout_hold(void)
{
    int fd;

    fflush(stdout);
    fd = dup(STDOUT_FILENO);
    if (fd < 0 || dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
        log_err("--json: cannot send the human output to stderr: %s", strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        return -1;
    }
    return fd;
}

/* Gives stdout back (run_stdout_hold). 0, or -1 with the error logged. */
static int run_stdout_release(int fd)
{
    int rc = 0;

    fflush(stdout);
    if (dup2(fd, STDOUT_FILENO) < 0) {
        log_err("--json: cannot restore stdout: %s", strerror(errno));
        rc = -1;
    }
    close(fd);
    return rc;
}

int run_main(const char *scenario_path, const struct run_options *o)
{
    struct run_ctx *r = calloc(1, sizeof(*r));
    struct summary_set sum = {0};
    char err[SCENARIO_ERR_MAX], path[PATH_MAX + 32];
    int code = PVB_EXIT_OK, rep, json_fd = -1, json_emit = 0;
    unsigned failed = 0, skipped = 0, n_configs;

    if (!r) {
        log_err("out of memory");
        return PVB_EXIT_FAILED;
    }
    r->o = o;
    if (o->json && (json_fd = run_stdout_hold()) < 0) {
        code = PVB_EXIT_FAILED;
        goto out_free;
    }
    r->backend = &backend_qemu_ops;
    if (scenario_load(scenario_path, &r->s, err, sizeof(err)) < 0) {
        fprintf(stderr, "%s\n", err);
        code = PVB_EXIT_USAGE;
        goto out_free;
    }
    /* every --set first, then validated together */
    if (scenario_set_all(&r->s, o->sets, o->n_sets, err, sizeof(err)) < 0) {
        fprintf(stderr, "%s\n", err);
        code = PVB_EXIT_USAGE;
        goto out_free;
    }
    if (o->fault && parse_fault(r, o->fault) < 0) {
        log_err("--fault %s: expected FAULT@DEVICE[:WORKLOAD], FAULT one of hang, crash, exit, "
                "garbage, flood",
                o->fault);
        code = PVB_EXIT_USAGE;
        goto out_free;
    }
    if (run_hosts_init(r) < 0) {
        code = PVB_EXIT_USAGE;
        goto out_free;
    }
    if (o->until_decided && !run_has_pair(&r->s)) {
        log_err("--until-decided: scenario %s has no two configurations of one kind (block or "
                "network) to decide between",
                r->s.name);
        code = PVB_EXIT_USAGE;
        goto out_free;
    }
    util_strlcpy(r->qemu_binary, o->qemu_binary ? o->qemu_binary : "qemu-system-x86_64",
                 sizeof(r->qemu_binary));
    /* device_options against the binary's own -device MODEL,help, before anything boots */
    if (devprops_check_scenario(&r->s, r->qemu_binary, err, sizeof(err)) < 0) {
        fprintf(stderr, "%s\n", err);
        code = PVB_EXIT_USAGE;
        goto out_free;
    }
    if (o->dry_run) {
        scenario_print_resolved(&r->s, stdout);
        backend_qemu_print_configs(&r->s, r->qemu_binary,
                                   o->accel && strcmp(o->accel, "tcg") == 0 ? "tcg" : "kvm",
                                   stdout);
        goto out_free;
    }
    if (run_check_backends() < 0) {
        code = PVB_EXIT_FAILED;
        goto out_free;
    }
    switch (find_inputs(r)) {
    case 0:
        break;
    case -2: /* engine = fio without the fio image */
    case -4: /* a configuration's QEMU or kernel, and the archive cannot be reached */
        code = PVB_EXIT_SKIPPED;
        goto out_free;
    case -3: /* no such version */
        code = PVB_EXIT_USAGE;
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
        run_discard_out_dir(r, path);
        code = PVB_EXIT_FAILED;
        goto out_free;
    }
    json_emit = 1; /* from here on the run folder stays, whatever happens */
    util_iso_time(r->started, sizeof(r->started));
    r->t_start = util_now();
    snprintf(path, sizeof(path), "%s/host-agent.log", r->logs_dir);
    hostbase_target_init(&r->bare, &r->s, &r->samples, save_samples_cb, r, &r->net, &r->peer,
                         path);
    progress_init(count_jobs(r) + (r->s.host_baseline ? hostbase_target_count_jobs(&r->bare) : 0));
    if (backend_choose(r) < 0) {
        code = PVB_EXIT_FAILED;
        goto out_release;
    }
    if (backend_check_ops(r->backend) < 0) {
        code = PVB_EXIT_FAILED;
        goto out_release;
    }
    /* The bare host's block jobs go between the guests' when the guests run here, all in one
     * measure(); a host that cannot run them is skipped at the end, with the reason. */
    if (run_bare_beside(r) && hostbase_target_open(&r->bare, DEVMODEL_BLK, err, sizeof(err)) < 0) {
        log_warn("host baseline: %s; its jobs run after the guests'", err);
    }
    code = run_passes(r);
    if (code != PVB_EXIT_OK) {
        goto out_release;
    }
    hostbase_target_close(&r->bare, DEVMODEL_BLK);
    run_bare_finish(r);
    run_json_write(r);
    progress_clear();
    run_until_decided(r); /* its verdict is printed, and decides the exit code, below */

    util_iso_time(r->ended, sizeof(r->ended));
    /* The bare-host baseline counts as one configuration more ("host"). */
    n_configs = r->n_hosts * r->s.n_devices + (r->s.host_baseline ? 1 : 0);
    failed = strcmp(r->bare.status, "failed") == 0;
    skipped = strcmp(r->bare.status, "skipped") == 0;
    for (unsigned h = 0; h < r->n_hosts; h++) {
        for (unsigned di = 0; di < r->s.n_devices; di++) {
            const struct config_state *c = &r->hosts[h].cfg[di];

            failed += c->status != CONFIG_OK && c->status != CONFIG_SKIPPED;
            skipped += c->status == CONFIG_SKIPPED;
        }
    }
    if (write_summaries(r, &sum) == 0) {
        run_print_table(r, &sum);
        if (r->s.host_baseline) {
            hostbase_pct_report(&r->samples, STATS_DEFAULT_SEED, r->out_dir, stdout);
        }
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
    if (signals_interrupted()) {
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
    if (o->until_decided && o->finish && o->finish->verdict && !signals_interrupted()) {
        static char names[SCENARIO_MAX_DEVICES][RESULTS_CONFIG_MAX];
        unsigned n;
        int v = o->finish->verdict(r->out_dir, o, r->alpha_share, 1, names, SCENARIO_MAX_DEVICES,
                                   &n);

        code = code == PVB_EXIT_OK ? v : code;
    }
    printf("results: %s\n", r->out_dir);
    fflush(stdout);
    rep = r->o->finish && r->o->finish->report ? r->o->finish->report(r->out_dir) : PVB_EXIT_OK;
    if (rep != PVB_EXIT_OK && rep != PVB_EXIT_SKIPPED) {
        log_warn("report of %s incomplete (exit %d)", r->out_dir, rep);
    }
    /* An interrupted run is added when --resume finishes it: the store keeps a run once. */
    if (o->db && !signals_interrupted() && r->o->finish && r->o->finish->store &&
        r->o->finish->store(r->out_dir, o) < 0 && code == PVB_EXIT_OK) {
        code = PVB_EXIT_FAILED;
    }
out_release:
    run_host_end(r);
    registry_release_all();
    run_disconnect(r);
out_free:
    if (json_fd >= 0 && run_stdout_release(json_fd) == 0 && json_emit && o->finish &&
        o->finish->json && o->finish->json(stdout, r->out_dir, code) < 0 && code == PVB_EXIT_OK) {
        code = PVB_EXIT_FAILED;
    }
    summary_free(&sum);
    samples_free(&r->samples);
    free_config_inputs(r);
    free(r);
    return code;
}
