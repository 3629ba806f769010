/*
 * `pvbench run`: the hosts of a run (--connect), their labels and configuration names, and
 * one host's turn: connect, describe, upload the guest image, choose the accelerator; end.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend.h"
#include "results.h"
#include "run_accel.h"
#include "run_ctx.h"
#include "signals.h"
#include "util.h"

/* ---- hosts ---------------------------------------------------------------------------------- */

const char *run_config_base(const struct run_ctx *r, unsigned di)
{
    return r->s.configs[di].name;
}

const char *run_host_config_name(const struct run_ctx *r, unsigned h, unsigned di)
{
    return r->hosts[h].config[di];
}

const char *run_config_name(const struct run_ctx *r, unsigned di)
{
    return r->host ? r->host->config[di] : run_config_base(r, di);
}

/* Make h the host being measured: its configurations' names and states. */
void run_host_select(struct run_ctx *r, unsigned h)
{
    r->host = &r->hosts[h];
    r->cfg = r->host->cfg;
    if (r->host->backend) {
        r->backend = r->host->backend;
    }
}

/* The index of the host being measured. */
unsigned run_host_index(const struct run_ctx *r)
{
    return r->host ? (unsigned)(r->host - r->hosts) : 0;
}

/*
 * --backend qemu,libvirt (or libvirt,qemu): each configuration through both backends on
 * this machine, one "host" per backend in the order given, labelled "qemu" and "libvirt".
 * 1 if asked for (hosts set up), 0 if not, -1 on a usage error.
 */
static int side_by_side_init(struct run_ctx *r, const char *backend)
{
    int qemu_first;
    const char *uri = r->o->n_connect ? r->o->connect[0] : "";

    if (!backend || (strcmp(backend, "qemu,libvirt") != 0 &&
                     strcmp(backend, "libvirt,qemu") != 0)) {
        return 0;
    }
    if (r->o->n_connect > 1 || (*uri && !backend_libvirt_uri_is_local(uri))) {
        log_err("--backend %s compares the backends on this machine: give at most one "
                "--connect, a local libvirt URI",
                backend);
        return -1;
    }
    qemu_first = backend[0] == 'q';
    r->side_by_side = 1;
    r->n_hosts = 2;
    for (unsigned h = 0; h < 2; h++) {
        struct run_host *hs = &r->hosts[h];
        int is_qemu = (h == 0) == qemu_first;

        hs->backend = is_qemu ? &backend_qemu_ops : &backend_libvirt_ops;
        hs->local = 1;
        util_strlcpy(hs->label, is_qemu ? RESULTS_HOST_QEMU : RESULTS_HOST_LIBVIRT,
                     sizeof(hs->label));
        if (!is_qemu) {
            util_strlcpy(hs->uri, uri, sizeof(hs->uri));
            hs->upload = backend_libvirt_uri_needs_upload(*uri ? uri
                                                               : BACKEND_LIBVIRT_DEFAULT_URI);
        }
    }
    return 1;
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
int run_hosts_init(struct run_ctx *r)
{
    char name[256] = "", server[256], tr[32], base[RESULTS_HOST_MAX + 1], cand[64];
    const char *backend = r->o->backend ? r->o->backend : getenv("PVBENCH_BACKEND");

    static const char *const known[] = {"auto", "libvirt", "qemu", "qemu,libvirt",
                                        "libvirt,qemu", "process"};
    size_t k = 0;

    while (backend && *backend && k < sizeof(known) / sizeof(known[0]) &&
           strcmp(backend, known[k]) != 0) {
        k++;
    }
    if (k == sizeof(known) / sizeof(known[0])) {
        log_err("%s: expected auto, libvirt, qemu, qemu,libvirt or process, got '%s'",
                r->o->backend ? "--backend" : "PVBENCH_BACKEND", backend);
        return -1;
    }
    if (r->o->n_connect > 1 && backend && strcmp(backend, "qemu") == 0) {
        log_err("%s: several --connect hosts are reached through libvirt only "
                "(use --backend libvirt)",
                r->o->backend ? "--backend qemu" : "PVBENCH_BACKEND=qemu");
        return -1;
    }
    if (backend && strcmp(backend, "process") == 0) {
        if (r->o->n_connect) {
            log_err("--backend process runs the agent on this machine: no --connect");
            return -1;
        }
        r->hosts[0].backend = &backend_process_ops;
    }
    gethostname(name, sizeof(name) - 1);
    results_host_label(r->local_label, sizeof(r->local_label), name);
    switch (side_by_side_init(r, backend)) {
    case -1:
        return -1;
    case 1:
        goto names;
    default:
        break;
    }
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
names:
    for (unsigned h = 0; h < r->n_hosts; h++) {
        util_strlcpy(base, r->hosts[h].label, sizeof(base)); /* not an argument inside r */
        for (unsigned di = 0; di < r->s.n_devices; di++) {
            if (r->n_hosts == 1) {
                util_strlcpy(r->hosts[h].config[di], run_config_base(r, di),
                             sizeof(r->hosts[h].config[di]));
            } else {
                char cname[SCENARIO_NAME_MAX]; /* a copy: snprintf's source is inside r too */
                util_strlcpy(cname, run_config_base(r, di), sizeof(cname));
                snprintf(r->hosts[h].config[di], sizeof(r->hosts[h].config[di]), "%s@%s", cname,
                         base);
            }
        }
    }
    run_host_select(r, 0);
    return 0;
}

/* ---- one host of the run ------------------------------------------------------------------ */

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
int run_host_begin(struct run_ctx *r, unsigned h)
{
    struct run_host *hs = &r->hosts[h];
    const struct backend_ops *be;
    char err[512], why[600];
    double t0;

    run_host_select(r, h);
    be = r->backend;
    if (!backend_can(be, BACKEND_CAP_HOSTS)) {
        util_strlcpy(hs->storage, "local files", sizeof(hs->storage));
    } else {
        if (r->n_hosts > 1 && !r->side_by_side &&
            be->connect(hs->uri[0] ? hs->uri : NULL, err, sizeof(err)) < 0) {
            host_give_up(r, CONFIG_FAILED, err);
            return -1;
        }
        if (be->host_info(&hs->info) < 0) {
            log_warn("host %s: %s does not describe it: %s", hs->label, be->name, hs->uri);
        }
        if (hs->upload) {
            t0 = util_now();
            if (be->stage_image(r->kernel, r->initrd, hs->kernel, sizeof(hs->kernel), hs->initrd,
                                sizeof(hs->initrd), err, sizeof(err)) < 0) {
                snprintf(why, sizeof(why), "cannot upload the guest image: %s", err);
                host_give_up(r, CONFIG_FAILED, why);
                return -1;
            }
            snprintf(hs->storage, sizeof(hs->storage),
                     "uploaded with virStorageVolUpload to storage pool %s", be->storage_pool());
            log_info("host %s: guest image uploaded to storage pool %s in %.1f s", hs->label,
                     be->storage_pool(), util_now() - t0);
        } else {
            util_strlcpy(hs->storage, "local files", sizeof(hs->storage));
        }
    }
    if (run_accel_choose(r) < 0) {
        util_strlcpy(hs->accel_reason, r->accel_reason, sizeof(hs->accel_reason));
        hs->kvm_probe = r->kvm_probe;
        if (r->n_hosts == 1) {
            return -2;
        }
        snprintf(why, sizeof(why), "--accel kvm: no KVM (%s)", r->accel_reason);
        host_give_up(r, CONFIG_SKIPPED, why);
        return -1;
    }
    util_strlcpy(hs->accel, r->accel, sizeof(hs->accel));
    util_strlcpy(hs->accel_reason, r->accel_reason, sizeof(hs->accel_reason));
    hs->kvm_probe = r->kvm_probe;
    hs->nested = r->nested;
    util_strlcpy(hs->status, "ok", sizeof(hs->status));
    if (r->side_by_side) {
        log_info("backend %s: accelerator %s%s%s", hs->label, hs->accel,
                 backend_can(hs->backend, BACKEND_CAP_HOSTS) ? ", libvirt " : "",
                 backend_can(hs->backend, BACKEND_CAP_HOSTS) ? hs->info.libvirt_version : "");
    } else if (r->n_hosts > 1) {
        log_info("host %u of %u: %s (%s, libvirt %s, QEMU %s), accelerator %s, guest image: %s",
                 h + 1, r->n_hosts, hs->label, hs->uri[0] ? hs->uri : BACKEND_LIBVIRT_DEFAULT_URI,
                 hs->info.libvirt_version, hs->info.qemu_version, hs->accel,
                 hs->upload ? "uploaded" : "local files");
    }
    return 0;
}

/* The host is done: its volumes and pool go (remote host); several hosts: its connection too. */
void run_host_end(struct run_ctx *r)
{
    if (!backend_can(r->backend, BACKEND_CAP_HOSTS)) {
        return;
    }
    r->backend->storage_release();
    if (r->n_hosts > 1 && !r->side_by_side) {
        r->backend->disconnect();
    }
}

/* ---- hosts in parallel -------------------------------------------------------------------- */

/* The worker's samples go into the run's, and the run's samples.csv is written, one at a time. */
static pthread_mutex_t hosts_mu = PTHREAD_MUTEX_INITIALIZER;

unsigned run_hosts_group(const struct backend_host *ids, const int *known, unsigned n,
                         unsigned *group)
{
    unsigned machines = 0;

    for (unsigned h = 0; h < n; h++) {
        group[h] = h;
        for (unsigned k = 0; known[h] && ids[h].uuid[0] && k < h; k++) {
            if (known[k] && strcmp(ids[k].uuid, ids[h].uuid) == 0 &&
                strcmp(ids[k].hostname, ids[h].hostname) == 0) {
                group[h] = group[k];
                break;
            }
        }
        machines += group[h] == h;
    }
    return machines;
}

struct run_ctx *run_hosts_lock(struct run_ctx *r)
{
    struct run_ctx *m = r->main_ctx;

    if (!m) {
        return NULL;
    }
    pthread_mutex_lock(&hosts_mu);
    for (; r->samples_merged < r->samples.n; r->samples_merged++) {
        if (samples_add(&m->samples, &r->samples.v[r->samples_merged]) < 0) {
            log_err("out of memory: a sample of host %s is lost", r->host->label);
            m->write_failed = 1;
        }
    }
    return m;
}

void run_hosts_unlock(struct run_ctx *r)
{
    if (r->main_ctx) {
        r->write_failed |= r->main_ctx->write_failed;
        pthread_mutex_unlock(&hosts_mu);
    }
}

/* One machine's hosts, measured in turn on a copy of the run. */
struct hosts_worker {
    struct run_ctx *w;
    run_host_pass_fn pass;
    unsigned hosts[RUN_MAX_HOSTS];
    unsigned n;
    pthread_t tid;
    int started;
};

static void *hosts_worker_main(void *arg)
{
    struct hosts_worker *hw = arg;

    for (unsigned i = 0; i < hw->n && !signals_interrupted() && !hw->w->write_failed; i++) {
        hw->pass(hw->w, hw->hosts[i]);
    }
    return NULL;
}

/* A copy of the run for a worker: its own cursor, connection and samples (a deep copy). */
static struct run_ctx *hosts_worker_ctx(struct run_ctx *r, unsigned first)
{
    struct run_ctx *w = malloc(sizeof(*w));

    if (!w) {
        return NULL;
    }
    memcpy(w, r, sizeof(*w));
    memset(&w->samples, 0, sizeof(w->samples));
    for (size_t i = 0; i < r->samples.n; i++) {
        if (samples_add(&w->samples, &r->samples.v[i]) < 0) {
            samples_free(&w->samples);
            free(w);
            return NULL;
        }
    }
    w->main_ctx = r;
    w->samples_merged = w->samples.n;
    run_host_select(w, first);
    return w;
}

/* Each host's identity, from a short connection of the main thread; known[h] 0 if none. */
static void hosts_identify(struct run_ctx *r, struct backend_host *ids, int *known)
{
    char err[512];

    for (unsigned h = 0; h < r->n_hosts; h++) {
        const char *uri = r->hosts[h].uri[0] ? r->hosts[h].uri : NULL;

        known[h] = r->backend->connect(uri, err, sizeof(err)) == 0 &&
                   r->backend->host_info(&ids[h]) == 0;
        if (!known[h]) {
            memset(&ids[h], 0, sizeof(ids[h]));
            log_debug("host %s: no identity (%s): measured in its own thread", r->hosts[h].label,
                      err);
        }
        r->backend->disconnect();
    }
}

/* Would two workers set up the one test network of this machine (local hosts, NIC models)? */
static int hosts_share_test_network(const struct run_ctx *r, const unsigned *group)
{
    int net = 0;
    unsigned first = RUN_MAX_HOSTS;

    for (unsigned di = 0; di < r->s.n_devices; di++) {
        net |= r->s.devices[di]->kind == DEVMODEL_NET;
    }
    for (unsigned h = 0; net && h < r->n_hosts; h++) {
        if (!r->hosts[h].local) {
            continue;
        }
        if (first != RUN_MAX_HOSTS && group[h] != first) {
            return 1;
        }
        first = group[h];
    }
    return 0;
}

int run_hosts_parallel(struct run_ctx *r, run_host_pass_fn pass)
{
    struct backend_host *ids = calloc(RUN_MAX_HOSTS, sizeof(*ids));
    struct hosts_worker hw[RUN_MAX_HOSTS];
    unsigned group[RUN_MAX_HOSTS], machines, nw = 0;
    int known[RUN_MAX_HOSTS] = {0};
    sigset_t all, old;
    double t0 = util_now();

    if (!ids) {
        return 1;
    }
    hosts_identify(r, ids, known);
    machines = run_hosts_group(ids, known, r->n_hosts, group);
    for (unsigned h = 0; h < r->n_hosts; h++) {
        if (group[h] != h) {
            log_warn("hosts %s and %s are one machine (hostname %s, host UUID %s): they are "
                     "measured in turn",
                     r->hosts[group[h]].label, r->hosts[h].label, ids[h].hostname, ids[h].uuid);
        }
    }
    free(ids);
    if (machines < 2) {
        return 1;
    }
    if (hosts_share_test_network(r, group)) {
        log_warn("hosts on two machines both join this machine's test network: measured in turn");
        return 1;
    }
    memset(hw, 0, sizeof(hw));
    for (unsigned h = 0; h < r->n_hosts; h++) {
        unsigned k = 0;

        while (k < nw && group[hw[k].hosts[0]] != group[h]) {
            k++;
        }
        if (k == nw) {
            nw++;
        }
        hw[k].hosts[hw[k].n++] = h;
    }
    log_info("%u hosts on %u machines: measured in parallel, one thread per machine",
             r->n_hosts, machines);
    /* Signals stay with the main thread, which waits; the workers see signals_interrupted. */
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    for (unsigned k = 0; k < nw; k++) {
        hw[k].pass = pass;
        hw[k].w = hosts_worker_ctx(r, hw[k].hosts[0]);
        hw[k].started = hw[k].w && pthread_create(&hw[k].tid, NULL, hosts_worker_main, &hw[k]) == 0;
        if (!hw[k].started) {
            log_err("host %s: cannot start its thread: measured after the others",
                    r->hosts[hw[k].hosts[0]].label);
        }
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    for (unsigned k = 0; k < nw; k++) {
        if (hw[k].started) {
            pthread_join(hw[k].tid, NULL);
        } else if (hw[k].w) {
            hosts_worker_main(&hw[k]);
        }
    }
    for (unsigned k = 0; k < nw; k++) {
        struct run_ctx *w = hw[k].w;

        for (unsigned i = 0; i < hw[k].n; i++) {
            unsigned h = hw[k].hosts[i];

            if (w) {
                r->hosts[h] = w->hosts[h];
            } else {
                util_strlcpy(r->hosts[h].status, "failed", sizeof(r->hosts[h].status));
                util_strlcpy(r->hosts[h].reason, "out of memory", sizeof(r->hosts[h].reason));
            }
        }
        if (w) {
            r->write_failed |= w->write_failed;
            r->job_seq = w->job_seq > r->job_seq ? w->job_seq : r->job_seq;
            samples_free(&w->samples);
            free(w);
        }
    }
    run_host_select(r, 0);
    log_info("hosts in parallel: %.1f s", util_now() - t0);
    return 0;
}
