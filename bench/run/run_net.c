/*
 * `pvbench run`: the test network and host peer of the net configurations (netns.h,
 * peer.h), made once per run, and a net job's two ends: the peer told first, then checked
 * against the agent.
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
 * Before booting net configuration di: the test network and the host peer exist
 * (made at the first call, once per run) and its vhost choice is possible. 0, or
 * -1 with the configuration marked skipped (this host cannot) or failed.
 */
int run_net_prepare(struct run_ctx *r, unsigned di)
{
    const struct devmodel *dev = r->s.devices[di];
    struct config_state *c = &r->cfg[di];
    int vh;

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
        snprintf(reason, len, "host peer: %s", p->reason);
        return -1;
    }
    if (peer_check(peer_workload_parse(w->rw), a, p, err, sizeof(err)) < 0) {
        snprintf(reason, len, "the two ends disagree: %s", err);
        return -1;
    }
    return 0;
}
