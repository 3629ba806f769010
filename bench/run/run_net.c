/*
 * `pvbench run`: the test network and peer of the net configurations, and a net job's two
 * ends: the peer told first, then checked against the agent. The peer is
 *   - on this machine (and on a host whose libvirt sees this machine's files): the host peer
 *     in the run's network namespace (netns.h, peer.h), made once per run;
 *   - on a host the harness reaches only through libvirt: a peer guest on that host, booted
 *     from the same image with a virtio-net NIC on an isolated libvirt network of the run's
 *     (no address, no DHCP, no forwarding), made at the host's first net configuration and
 *     removed after its last, so that every NIC model of the host meets the same peer.
 */
#include <stdio.h>
#include <string.h>

#include "netns.h"
#include "peer.h"
#include "run_ctx.h"
#include "util.h"

/* ---- network: test network, host peer ------------------------------------------------------- */

/*
 * Tap k is net configuration k's (run.c's net_index, each backend's set in turn side by side):
 * a multiqueue NIC's tap is made multi_queue. Always 0.
 */
static int run_net_tap_queues(struct run_ctx *r)
{
    unsigned k = 0;

    for (unsigned h = 0; h < (r->side_by_side ? r->n_hosts : 1); h++) {
        for (unsigned i = 0; i < r->s.n_devices && k < NETNS_MAX_TAPS; i++) {
            if (r->s.devices[i]->kind == DEVMODEL_NET) {
                r->net.tap_queues[k++] = i < r->s.n_configs ? r->s.configs[i].opts.queues : 0;
            }
        }
    }
    return 0;
}

/* The test network and the host peer, made once per run: net_state 1, or -1/-2 and why. */
void run_net_up(struct run_ctx *r)
{
    unsigned n_net = 0;
    char err[256];

    if (r->net_state == 0) {
        for (unsigned i = 0; i < r->s.n_devices; i++) {
            n_net += r->s.devices[i]->kind == DEVMODEL_NET;
        }
        n_net *= r->side_by_side ? r->n_hosts : 1; /* each backend's guests have their own */
        r->vhost_available = netns_vhost_available();
        if (netns_host_check(r->net_reason, sizeof(r->net_reason)) < 0) {
            r->net_state = -2;
        } else if (netns_names(&r->net, r->run_id, n_net) < 0 || run_net_tap_queues(r) < 0 ||
                   netns_create(&r->net, NULL, err, sizeof(err)) < 0) {
            snprintf(r->net_reason, sizeof(r->net_reason), "cannot create the test network: %s",
                     err);
            r->net_state = -1;
        } else if (peer_start(&r->peer, r->net.netns_path, PVB_NET_PEER_ADDR, err, sizeof(err)) <
                   0) {
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
 * The current host is not this machine (its URI names another): it shares no network with
 * the harness, so its NICs get a peer guest there. A local URI keeps the host peer, even with
 * PVBENCH_LIBVIRT_FORCE_UPLOAD (which is about storage only).
 */
static int run_net_host_remote(const struct run_ctx *r)
{
    return !r->side_by_side && backend_can(r->backend, BACKEND_CAP_HOSTS) && r->host &&
           !r->host->local;
}

/* The host's network and its peer guest, made at its first net configuration (machine). */
static void run_net_remote_up(struct run_ctx *r, enum machine_type machine)
{
    const struct backend_ops *be = r->backend;
    unsigned h = run_host_index(r);
    char err[512];

    if (r->net_state == 1 && !run_peer_guest_alive(r)) {
        log_warn("host %s: the peer guest is gone: booting it again", r->host->label);
        run_net_teardown(r);
    }
    if (r->net_state != 0) {
        return;
    }
    r->net_remote = 1;
    r->peer_cpu_s = -1;
    snprintf(r->net_network, sizeof(r->net_network), "pvb-%s-net%u", r->run_id, h);
    snprintf(r->net_bridge, sizeof(r->net_bridge), "pvbn%s%x", r->run_id, h & 0xffu);
    if (be->network_add(r->net_network, r->net_bridge, err, sizeof(err)) < 0) {
        snprintf(r->net_reason, sizeof(r->net_reason), "cannot create the test network: %s",
                 err);
        r->net_remote = 0;
        r->net_state = -1;
        return;
    }
    if (run_peer_guest_start(r, machine, err, sizeof(err)) < 0) {
        snprintf(r->net_reason, sizeof(r->net_reason), "the peer guest did not start: %s", err);
        run_peer_guest_stop(r);
        be->network_remove(r->net_network);
        r->net_remote = 0;
        r->net_state = -1;
        return;
    }
    r->net_state = 1;
    log_info("host %s: peer guest at %s on network %s (bridge %s, no address on the host), "
             "booted in %.1f s",
             r->host->label, PVB_NET_PEER_ADDR, r->net_network, r->net_bridge, r->peer_boot_s);
}

/*
 * Before booting net configuration di: the test network and its peer exist (made at the
 * first call: once per run here, once per host on a remote host) and its vhost choice is
 * possible. 0, or -1 with the configuration marked skipped (this host cannot) or failed.
 */
int run_net_prepare(struct run_ctx *r, unsigned di)
{
    const struct devmodel *dev = r->s.devices[di];
    struct config_state *c = &r->cfg[di];
    int vh;

    if (run_net_host_remote(r)) {
        run_net_remote_up(r, r->s.device_machine[di]);
        if (r->net_state < 0) {
            c->status = CONFIG_FAILED;
            util_strlcpy(c->reason, r->net_reason, sizeof(c->reason));
            log_err("%s: %s", run_config_name(r, di), c->reason);
            return -1;
        }
        /* vhost as asked; "auto": as the host's libvirt can (vhost where it opens there) */
        vh = di < r->s.n_configs ? (int)r->s.configs[di].vhost : (int)r->s.vhost;
        snprintf(c->net_peer, sizeof(c->net_peer), "guest peer@%s, %s, network %s",
                 r->host->label, RUN_PEER_GUEST_MODEL, r->net_network);
        util_strlcpy(c->vhost,
                     !dev->virtio                ? "off"
                     : vh == NETNS_VHOST_ON      ? "on"
                     : vh == NETNS_VHOST_OFF     ? "off"
                                                 : "auto",
                     sizeof(c->vhost));
        return 0;
    }
    run_net_up(r);
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
    snprintf(c->net_peer, sizeof(c->net_peer), "host netns %s", r->net.netns);
    if (!vh && strncmp(dev->qemu_device, "virtio-net", 10) == 0 &&
        r->s.vhost == NETNS_VHOST_AUTO) {
        log_warn("%s: /dev/vhost-net is missing: vhost=off, QEMU itself moves the packets "
                 "(recorded in run.json)",
                 dev->name);
    }
    return 0;
}

/* Stop the peer and remove the test network (the guests are stopped already). */
void run_net_teardown(struct run_ctx *r)
{
    if (r->net_remote) {
        run_peer_guest_stop(r);
        if (r->host) {
            snprintf(r->host->peer_guest, sizeof(r->host->peer_guest),
                     "guest peer@%s, %s, vCPUs %u, network %s, bridge %s", r->host->label,
                     RUN_PEER_GUEST_MODEL, r->s.vcpus, r->net_network, r->net_bridge);
            r->host->peer_boot_s = r->peer_boot_s;
            r->host->peer_cpu_s = r->peer_cpu_s;
        }
        r->backend->network_remove(r->net_network);
        r->net_remote = 0;
        r->net_state = 0;
        return;
    }
    if (r->net_state == 1) {
        peer_stop(&r->peer);
        netns_destroy(&r->net);
    }
    r->net_state = 0;
}

/* Tell the host peer about a net job before the agent hears of it. 0 or -1 with reason. */
int run_net_job_begin(struct run_ctx *r, const struct agent_job *job,
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
    pj.streams = job->streams;
    /* Longer than the agent's own deadline, shorter than the harness's wait. */
    pj.life_ms = (unsigned)((budget_s - 2.0) * 1000.0);
    if (r->net_state != 1 || peer_job_begin(&r->peer, &pj, err, sizeof(err)) < 0) {
        snprintf(reason, len, "%s", r->net_state != 1 ? "no test network" : err);
        return -1;
    }
    return 0;
}

/* The agent answered: get the peer's side and check both agree. 0 or -1 with reason. */
int run_net_job_end(struct run_ctx *r, const struct workload *w, const struct agent_result *a,
                    struct peer_report *p, char *reason, size_t len)
{
    char err[256];

    if (peer_job_end(&r->peer, p, PEER_END_GRACE_MS / 1000.0 + 3.0, err, sizeof(err)) < 0) {
        snprintf(reason, len, "%s", err);
        return -1;
    }
    if (!p->ok) {
        snprintf(reason, len, "%s: %s", peer_who(&r->peer), p->reason);
        return -1;
    }
    if (peer_check(peer_workload_parse(w->rw), a, p, err, sizeof(err)) < 0) {
        snprintf(reason, len, "the two ends disagree: %s", err);
        return -1;
    }
    return 0;
}
