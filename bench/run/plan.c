/*
 * The plan of one measuring pass (plan.h): the order of ADR-001 written once, as data.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"

/*
 * What the builder keeps: the description, the round of boots it is at and which guests it
 * boots in that round. Round `round` of `rounds` measures the repetitions r of lo..hi with
 * (r - lo) % rounds == round, in guests booted for it, in the configurations' order, or in
 * the reverse order on an odd round (A B, then B A).
 */
struct plan_builder {
    const struct plan_desc *d;
    struct plan *p;
    unsigned round, rounds;
    unsigned char booted[PLAN_MAX_HOSTS][PLAN_MAX_CONFIGS]; /* by position k in d->hosts */
};

/* Is repetition rep measured in the builder's round? */
static int plan_in_round(const struct plan_builder *b, unsigned rep)
{
    return (rep - b->d->lo) % b->rounds == b->round;
}

/* The i-th configuration of the round's order. */
static unsigned plan_config_at(const struct plan_builder *b, unsigned i)
{
    return b->round % 2 ? b->d->n_configs - 1 - i : i;
}

static int plan_measured(const struct plan_desc *d, unsigned host, unsigned config,
                         unsigned workload, unsigned rep)
{
    return d->measured && d->measured(d->arg, host, config, workload, rep);
}

static int plan_add(struct plan_builder *b, enum plan_step_type type, unsigned host,
                    unsigned config, unsigned workload, unsigned rep)
{
    struct plan *p = b->p;
    struct plan_step *v;

    if (p->n == p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 64;

        if (!(v = realloc(p->steps, cap * sizeof(*v)))) {
            errno = ENOMEM;
            return -1;
        }
        p->steps = v;
        p->cap = cap;
    }
    p->steps[p->n++] = (struct plan_step){.type = type,
                                          .host = host,
                                          .config = config,
                                          .workload = workload,
                                          .rep = rep,
                                          .boot = b->d->lo - 1 + b->round};
    return 0;
}

static int plan_guest_step(struct plan_builder *b, enum plan_step_type type, unsigned k,
                           unsigned config, unsigned workload, unsigned rep)
{
    return plan_add(b, type, b->d->hosts[k].index, config, workload, rep);
}

static int plan_bare_step(struct plan_builder *b, enum plan_step_type type, unsigned workload,
                          unsigned rep)
{
    return plan_add(b, type, PLAN_BARE_HOST, 0, workload, rep);
}

/*
 * Does configuration c of host k miss a cell of workload `from` or a later one, in lo..hi
 * (of the builder's round only when `round`)? At the boot (from 0) that is the loops'
 * config_has_work; at a warm-up the cells of the earlier workloads are measured by then (the
 * plan assumes every job records its cell).
 */
static int plan_has_work(const struct plan_builder *b, unsigned k, unsigned c, unsigned from,
                         int round)
{
    const struct plan_desc *d = b->d;

    for (unsigned w = from; w < d->n_workloads; w++) {
        if (d->workload_kind[w] != d->config_kind[c]) {
            continue;
        }
        for (unsigned rep = d->lo; rep <= d->hi; rep++) {
            if ((!round || plan_in_round(b, rep)) &&
                !plan_measured(d, d->hosts[k].index, c, w, rep)) {
                return 1;
            }
        }
    }
    return 0;
}

/* Does the bare host miss a cell of workload w (of kind `kind`) in lo..hi? */
static int plan_bare_has_work(const struct plan_desc *d, unsigned w, enum devmodel_kind kind)
{
    if (d->workload_kind[w] != kind) {
        return 0;
    }
    for (unsigned rep = d->lo; rep <= d->hi; rep++) {
        if (!plan_measured(d, PLAN_BARE_HOST, 0, w, rep)) {
            return 1;
        }
    }
    return 0;
}

static int plan_bare_kind_has_work(const struct plan_desc *d, enum devmodel_kind kind)
{
    for (unsigned w = 0; w < d->n_workloads; w++) {
        if (plan_bare_has_work(d, w, kind)) {
            return 1;
        }
    }
    return 0;
}

/* Boots one at a time, configuration by configuration; side by side the host that goes
 * first takes turns. A configuration with nothing left at all is DONE in the first round;
 * one with nothing left in this round is not booted in it. */
static int plan_boots(struct plan_builder *b)
{
    const struct plan_desc *d = b->d;
    unsigned n = d->n_hosts;

    memset(b->booted, 0, sizeof(b->booted));
    for (unsigned i = 0; i < d->n_configs; i++) {
        unsigned c = plan_config_at(b, i);

        for (unsigned j = 0; j < n; j++) {
            unsigned k = (j + c) % n;
            int rc = 0;

            if ((d->want && !d->want[c]) || d->hosts[k].skip[c]) {
                continue;
            }
            if (!plan_has_work(b, k, c, 0, 0)) {
                if (b->round == 0) {
                    rc = plan_guest_step(b, PLAN_DONE, k, c, 0, 0);
                }
            } else if (plan_has_work(b, k, c, 0, 1)) {
                b->booted[k][c] = 1;
                rc = plan_guest_step(b, PLAN_BOOT, k, c, 0, 0);
            }
            if (rc < 0) {
                return -1;
            }
        }
    }
    return 0;
}

/* Workload w in the builder's round: its warm-ups, then repetition after repetition of every
 * configuration, each repetition followed by the bare host's job (whose session lasts the
 * whole pass: its warm-ups are in the first round only). */
static int plan_workload(struct plan_builder *b, unsigned w, int host_net)
{
    const struct plan_desc *d = b->d;
    unsigned n = d->n_hosts;
    enum devmodel_kind kind = d->workload_kind[w];

    for (unsigned i = 0; i < d->warmup_jobs; i++) {
        for (unsigned ci = 0; ci < d->n_configs; ci++) {
            unsigned c = plan_config_at(b, ci);

            for (unsigned j = 0; j < n; j++) {
                unsigned k = (j + c) % n;

                if (b->booted[k][c] && d->config_kind[c] == kind && plan_has_work(b, k, c, w, 1) &&
                    plan_guest_step(b, PLAN_WARMUP, k, c, w, 0) < 0) {
                    return -1;
                }
            }
        }
        if (host_net && b->round == 0 && plan_bare_has_work(d, w, DEVMODEL_NET) &&
            plan_bare_step(b, PLAN_HOST_NET_JOB, w, 0) < 0) {
            return -1;
        }
    }
    /* The bare host's block session has one warm-up job, whatever warmup_jobs says. */
    if (d->host_blk && b->round == 0 && plan_bare_has_work(d, w, DEVMODEL_BLK) &&
        plan_bare_step(b, PLAN_HOST_BLK_JOB, w, 0) < 0) {
        return -1;
    }
    for (unsigned rep = d->lo; rep <= d->hi; rep++) {
        if (!plan_in_round(b, rep)) {
            continue;
        }
        for (unsigned ci = 0; ci < d->n_configs; ci++) {
            unsigned c = plan_config_at(b, ci);

            for (unsigned j = 0; j < n; j++) {
                unsigned k = (j + rep + c) % n;

                if (b->booted[k][c] && d->config_kind[c] == kind &&
                    !plan_measured(d, d->hosts[k].index, c, w, rep) &&
                    plan_guest_step(b, PLAN_JOB, k, c, w, rep) < 0) {
                    return -1;
                }
            }
        }
        if (d->host_blk && kind == DEVMODEL_BLK && !plan_measured(d, PLAN_BARE_HOST, 0, w, rep) &&
            plan_bare_step(b, PLAN_HOST_BLK_JOB, w, rep) < 0) {
            return -1;
        }
        if (host_net && kind == DEVMODEL_NET && !plan_measured(d, PLAN_BARE_HOST, 0, w, rep) &&
            plan_bare_step(b, PLAN_HOST_NET_JOB, w, rep) < 0) {
            return -1;
        }
    }
    return 0;
}

/* The traced jobs, after every measured one so tracing never touches those (in the guests of
 * the last round); first pass only. */
static int plan_why(struct plan_builder *b)
{
    const struct plan_desc *d = b->d;
    unsigned n = d->n_hosts;

    for (unsigned w = 0; d->lo == 1 && w < d->n_workloads; w++) {
        for (unsigned ci = 0; ci < d->n_configs; ci++) {
            unsigned c = plan_config_at(b, ci);

            for (unsigned j = 0; j < n; j++) {
                unsigned k = (j + c) % n;

                if (!b->booted[k][c] || !d->hosts[k].why ||
                    d->config_kind[c] != d->workload_kind[w] ||
                    (d->why_done && d->why_done(d->arg, d->hosts[k].index, c, w))) {
                    continue;
                }
                if (plan_guest_step(b, PLAN_WHY, k, c, w, 0) < 0) {
                    return -1;
                }
            }
        }
    }
    return 0;
}

/* One round: its boots, its share of every workload, the traced jobs after the last round's,
 * and its stops. */
static int plan_round(struct plan_builder *b, int *host_net)
{
    const struct plan_desc *d = b->d;

    if (plan_boots(b) < 0) {
        return -1;
    }
    /* After the first boots: the first net configuration's boot made the test network. */
    if (!*host_net && b->round == 0 && d->host_net && d->lo == 1 &&
        plan_bare_kind_has_work(d, DEVMODEL_NET)) {
        if (plan_bare_step(b, PLAN_HOST_NET_OPEN, 0, 0) < 0) {
            return -1;
        }
        *host_net = 1;
    }
    for (unsigned w = 0; w < d->n_workloads; w++) {
        if (plan_workload(b, w, *host_net) < 0) {
            return -1;
        }
    }
    if (b->round + 1 == b->rounds && plan_why(b) < 0) {
        return -1;
    }
    /* Host after host, every guest of the round, booted or lost. */
    for (unsigned k = 0; k < d->n_hosts; k++) {
        for (unsigned i = 0; i < d->n_configs; i++) {
            unsigned c = plan_config_at(b, i);

            if (b->booted[k][c] && plan_guest_step(b, PLAN_STOP, k, c, 0, 0) < 0) {
                return -1;
            }
        }
    }
    return 0;
}

static int plan_desc_check(const struct plan_desc *d)
{
    if (d->n_hosts < 1 || d->n_hosts > PLAN_MAX_HOSTS || d->n_configs > PLAN_MAX_CONFIGS ||
        d->n_workloads > PLAN_MAX_WORKLOADS || d->lo < 1 || d->lo > d->hi ||
        d->boots > PLAN_MAX_BOOTS) {
        return -1;
    }
    for (unsigned k = 0; k < d->n_hosts; k++) {
        if (d->hosts[k].index >= PLAN_MAX_HOSTS) {
            return -1;
        }
    }
    return 0;
}

int plan_build(const struct plan_desc *d, struct plan *p)
{
    struct plan_builder b;
    int host_net;

    memset(p, 0, sizeof(*p));
    if (plan_desc_check(d) < 0) {
        errno = EINVAL;
        return -1;
    }
    p->n_hosts = d->n_hosts;
    memset(&b, 0, sizeof(b));
    b.d = d;
    b.p = p;
    b.rounds = d->boots > 1 ? d->boots : 1;
    if (b.rounds > d->hi - d->lo + 1) {
        b.rounds = d->hi - d->lo + 1; /* a round without a repetition would boot for nothing */
    }
    host_net = d->host_net_open;
    for (b.round = 0; b.round < b.rounds; b.round++) {
        if (plan_round(&b, &host_net) < 0) {
            return -1;
        }
    }
    return 0;
}

void plan_free(struct plan *p)
{
    free(p->steps);
    memset(p, 0, sizeof(*p));
}

/* One step's word of plan_format. */
static int plan_step_word(const struct plan *p, const struct plan_step *s, char *buf, size_t len)
{
    char wl = (char)('a' + s->workload);
    int n;

    switch (s->type) {
    case PLAN_BOOT:
        n = snprintf(buf, len, "B%u", s->config);
        break;
    case PLAN_DONE:
        n = snprintf(buf, len, "D%u", s->config);
        break;
    case PLAN_HOST_NET_OPEN:
        return snprintf(buf, len, "O");
    case PLAN_WARMUP:
        n = snprintf(buf, len, "W%u%c", s->config, wl);
        break;
    case PLAN_JOB:
        n = snprintf(buf, len, "J%u%c%u", s->config, wl, s->rep);
        break;
    case PLAN_HOST_BLK_JOB:
        return snprintf(buf, len, "H%c%u", wl, s->rep);
    case PLAN_HOST_NET_JOB:
        return snprintf(buf, len, "N%c%u", wl, s->rep);
    case PLAN_WHY:
        n = snprintf(buf, len, "Y%u%c", s->config, wl);
        break;
    case PLAN_STOP:
        n = snprintf(buf, len, "S%u", s->config);
        break;
    default:
        return snprintf(buf, len, "?");
    }
    if (n >= 0 && p->n_hosts > 1 && (size_t)n < len) {
        n += snprintf(buf + n, len - (size_t)n, "@%u", s->host);
    }
    return n;
}

int plan_format(const struct plan *p, char *buf, size_t len)
{
    size_t used = 0;

    if (!len) {
        return -1;
    }
    buf[0] = '\0';
    for (size_t i = 0; i < p->n; i++) {
        int n;

        if (i > 0) {
            if (used + 1 >= len) {
                return -1;
            }
            buf[used++] = ' ';
            buf[used] = '\0';
        }
        n = plan_step_word(p, &p->steps[i], buf + used, len - used);
        if (n < 0 || (size_t)n >= len - used) {
            buf[len - 1] = '\0';
            return -1;
        }
        used += (size_t)n;
    }
    return 0;
}
