/*
 * `pvbench run`: run.json, what the run was (scenario, host, QEMU, guest image, accelerator,
 * backend) and how each configuration on each host fared; rewritten as the run goes.
 */
#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "backend.h"
#include "domxml.h"
#include "results.h"
#include "run_ctx.h"
#include "scenario.h"
#include "util.h"

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
 * What chooses configuration i's device, as a user writes it: QEMU's command line (as
 * `pvbench run -n` prints it, for a host of the QEMU backend) and the element of libvirt's
 * domain XML (as the libvirt backend writes it; null when libvirt cannot express the device).
 */
static void run_json_config_lines(const struct run_ctx *r, const struct run_host *hs, unsigned i,
                                  json_object *c)
{
    static char line[8192 + 1024];
    const struct backend_ops *b = hs->backend ? hs->backend : r->backend;
    const char *accel = hs->accel[0] ? hs->accel : r->accel;
    struct backend_shown_spec o;
    char dut[256];

    if (strcmp(accel, "kvm") != 0) {
        accel = "tcg";
    }
    if (b == &backend_qemu_ops &&
        backend_qemu_config_line(&r->s, i, r->qemu_binary, accel, line, sizeof(line)) == 0) {
        json_object_object_add(c, "qemu_command", json_object_new_string(line));
    }
    backend_shown_spec(&r->s, i, r->qemu_binary, accel, &o);
    json_object_object_add(c, "libvirt_dut", domxml_spec_dut_line(&o.spec, dut, sizeof(dut)) == 0
                                                 ? json_object_new_string(dut)
                                                 : NULL);
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

/* run.json "accelerator"."probe": what the KVM probe found, its time and its timeout. */
static json_object *run_json_probe(const struct run_probe *p)
{
    json_object *o = json_object_new_object();

    json_object_object_add(o, "result", json_object_new_string(run_accel_probe_name(p->result)));
    json_object_object_add(o, "seconds", p->result == RUN_PROBE_OK
                                             ? json_object_new_double(p->boot_s)
                                             : NULL);
    json_object_object_add(o, "timeout", json_object_new_double(p->timeout_s));
    return o;
}

/* run.json "nested": true when a host's guests ran under KVM inside a VM; null unknown. */
static json_object *run_json_nested(const struct run_ctx *r)
{
    int nested = r->nested;

    if (r->n_hosts > 1) {
        /* Several hosts: nested if one is, unknown if one is unknown, else not. */
        nested = 0;
        for (unsigned h = 0; h < r->n_hosts && nested != 1; h++) {
            nested = r->hosts[h].nested != 0 ? r->hosts[h].nested : nested;
        }
    }
    return nested < 0 ? NULL : json_object_new_boolean(nested);
}

static json_object *run_json_count(unsigned long long v)
{
    return v ? json_object_new_int64((int64_t)v) : NULL;
}

/*
 * A host's machine: what its libvirt says (remote or not), or this machine's own for the
 * other backends. The kernel only where it is this machine's: libvirt has no call for the
 * far side's, so a remote host's is null. host_cpu_source: how host CPU per operation was read.
 */
static json_object *run_json_host_facts(const struct run_host *hs, int lv)
{
    json_object *o = json_object_new_object();
    struct utsname un;
    char cpu[256];
    const char *src;

    if (!lv) {
        host_cpu_model(cpu, sizeof(cpu));
        uname(&un);
        json_object_object_add(o, "cpu_model", json_object_new_string(cpu));
        json_object_object_add(o, "cpus",
                               json_object_new_int((int)sysconf(_SC_NPROCESSORS_ONLN)));
        json_object_object_add(o, "kernel", json_object_new_string(un.release));
        json_object_object_add(o, "host_cpu_source",
                               json_object_new_string("/proc/PID/stat"));
        return o;
    }
    json_object_object_add(o, "cpu_model", hs->info.cpu_model[0]
                                               ? json_object_new_string(hs->info.cpu_model)
                                               : NULL);
    json_object_object_add(o, "arch", hs->info.arch[0] ? json_object_new_string(hs->info.arch)
                                                       : NULL);
    json_object_object_add(o, "cpus", run_json_count(hs->info.cpus));
    json_object_object_add(o, "sockets", run_json_count(hs->info.sockets));
    json_object_object_add(o, "cores_per_socket", run_json_count(hs->info.cores));
    json_object_object_add(o, "threads_per_core", run_json_count(hs->info.threads));
    json_object_object_add(o, "mhz", run_json_count(hs->info.mhz));
    json_object_object_add(o, "memory_kib", run_json_count(hs->info.memory_kib));
    json_object_object_add(o, "uuid", hs->info.uuid[0] ? json_object_new_string(hs->info.uuid)
                                                       : NULL);
    if (hs->local) {
        uname(&un);
        json_object_object_add(o, "kernel", json_object_new_string(un.release));
    } else {
        json_object_object_add(o, "kernel", NULL);
    }
    src = backend_libvirt_cpu_source(hs->uri);
    json_object_object_add(o, "host_cpu_source", src[0] ? json_object_new_string(src) : NULL);
    return o;
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
        const struct backend_ops *be = hs->backend ? hs->backend : r->backend;
        int lv = backend_can(be, BACKEND_CAP_HOSTS); /* libvirt's URI and versions */

        json_object_object_add(o, "label", json_object_new_string(hs->label));
        json_object_object_add(o, "backend", json_object_new_string(be->name));
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
        json_object_object_add(acc, "probe", run_json_probe(&hs->kvm_probe));
        json_object_object_add(o, "accelerator", acc);
        json_object_object_add(o, "local", json_object_new_boolean(hs->local));
        json_object_object_add(o, "facts", run_json_host_facts(hs, lv));
        json_object_object_add(o, "storage", json_object_new_string(hs->storage));
        if (hs->peer_guest[0]) { /* its NICs were measured against a guest peer */
            json_object *pg = json_object_new_object();

            json_object_object_add(pg, "peer", json_object_new_string(hs->peer_guest));
            json_object_object_add(pg, "boot_s", json_object_new_double(hs->peer_boot_s));
            json_object_object_add(pg, "cpu_s", hs->peer_cpu_s >= 0
                                                    ? json_object_new_double(hs->peer_cpu_s)
                                                    : NULL);
            json_object_object_add(o, "net_peer", pg);
        }
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

int run_json_write(const struct run_ctx *r)
{
    json_object *root = json_object_new_object();
    json_object *host = json_object_new_object();
    json_object *scen = json_object_new_object();
    json_object *acc = json_object_new_object();
    json_object *configs = json_object_new_array();
    struct utsname un;
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
    json_object_object_add(acc, "probe", run_json_probe(&r->kvm_probe));
    json_object_object_add(root, "accelerator", acc);
    json_object_object_add(root, "nested", run_json_nested(r));
    json_object_object_add(root, "backend", json_object_new_string(r->side_by_side
                                                                       ? "qemu,libvirt"
                                                                       : r->backend->name));
    json_object_object_add(root, "backend_info", json_object_new_string(r->backend_info));
    json_object_object_add(root, "start", json_object_new_string(r->started));
    json_object_object_add(root, "end", r->ended[0] ? json_object_new_string(r->ended) : NULL);
    /* Every host's configurations, host after host (i: the device, k / n_devices: the host). */
    for (unsigned k = 0, i = 0; k < r->n_hosts * r->s.n_devices; k++, i = k % r->s.n_devices) {
        const struct run_host *hs = &r->hosts[k / r->s.n_devices];
        const struct config_state *cs = &hs->cfg[i];
        const struct devmodel *d = r->s.devices[i];
        json_object *c = json_object_new_object();

        json_object_object_add(c, "config", json_object_new_string(hs->config[i]));
        json_object_object_add(c, "host", json_object_new_string(hs->label));
        json_object_object_add(c, "device", json_object_new_string(d->name));
        json_object_object_add(c, "class", json_object_new_string(devmodel_class_name(d->class)));
        json_object_object_add(c, "kind", json_object_new_string(devmodel_kind_name(d->kind)));
        json_object_object_add(c, "machine",
                               json_object_new_string(machine_name(r->s.device_machine[i])));
        json_object_object_add(c, "qemu_device", json_object_new_string(d->qemu_device));
        run_json_config_lines(r, hs, i, c);
        if (d->kind == DEVMODEL_NET) {
            json_object_object_add(c, "vhost",
                                   json_object_new_string(cs->vhost[0] ? cs->vhost : "off"));
            /* The far end: the host peer in a namespace, or a peer guest beside it. */
            json_object_object_add(c, "net_peer", cs->net_peer[0]
                                                      ? json_object_new_string(cs->net_peer)
                                                      : NULL);
        }
        json_object_object_add(c, "guest_driver", json_object_new_string(cs->driver));
        json_object_object_add(c, "status", json_object_new_string(config_status_name(cs->status)));
        json_object_object_add(c, "reason", json_object_new_string(cs->reason));
        json_object_object_add(c, "job_retries", json_object_new_int((int)cs->retries));
        if (cs->retries) {
            json_object_object_add(c, "retry_reason", json_object_new_string(cs->retry_reason));
        }
        json_object_object_add(c, "host_load_before", json_object_new_double(cs->load_before));
        json_object_object_add(c, "host_load_after", json_object_new_double(cs->load_after));
        /* The "why" numbers of this configuration: their source (detail in why.json). */
        json_object_object_add(c, "why_source",
                               cs->why_source[0] ? json_object_new_string(cs->why_source) : NULL);
        json_object_array_add(configs, c);
    }
    json_object_object_add(root, "configs", configs);
    json_object_object_add(root, "hosts", run_json_hosts(r));
    json_object_object_add(root, "engine",
                           json_object_new_string(scenario_engine_name(r->s.engine)));
    if (r->s.host_baseline) {
        json_object *hb = json_object_new_object();
        json_object_object_add(hb, "status",
                               json_object_new_string(r->bare.status[0] ? r->bare.status
                                                                        : "pending"));
        json_object_object_add(hb, "reason", json_object_new_string(r->bare.reason));
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
