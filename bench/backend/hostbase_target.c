/* The bare host as a target of the run: its block and network sessions (hostbase_target.h). */
#include "hostbase_target.h"

#include <stdio.h>
#include <string.h>

#include "log.h"
#include "util.h"

void hostbase_target_init(struct hostbase_target *t, const struct scenario *s,
                          struct sample_set *samples, hostbase_save_fn save, void *arg,
                          struct netns_topo *net, struct peer *peer, const char *agent_log)
{
    memset(t, 0, sizeof(*t));
    t->s = s;
    t->samples = samples;
    t->save = save;
    t->arg = arg;
    t->net = net;
    t->peer = peer;
    util_strlcpy(t->agent_log, agent_log, sizeof(t->agent_log));
}

bool hostbase_target_has_work(const struct hostbase_target *t, enum devmodel_kind kind)
{
    return hostbase_kind_has_work(t->s, kind, t->samples);
}

unsigned hostbase_target_count_jobs(const struct hostbase_target *t)
{
    return hostbase_count_jobs(t->s, t->samples);
}

int hostbase_target_open(struct hostbase_target *t, enum devmodel_kind kind, char *reason,
                         size_t len)
{
    int rc;

    if (kind == DEVMODEL_BLK) {
        return hostbase_blk_open(&t->blk, t->s, t->samples, reason, len);
    }
    if (t->net_open || !hostbase_net_has_work(t->s, t->samples)) {
        return 0;
    }
    rc = hostbase_net_open(&t->hnet, t->net, t->agent_log, reason, len);
    t->net_open = rc == 0;
    return rc;
}

bool hostbase_target_is_open(const struct hostbase_target *t, enum devmodel_kind kind)
{
    return kind == DEVMODEL_BLK ? t->blk.open : t->net_open;
}

int hostbase_target_job(struct hostbase_target *t, const struct workload *w, unsigned rep,
                        char *reason, size_t len)
{
    int rc;

    if (!hostbase_target_is_open(t, w->kind)) {
        return 0;
    }
    if (w->kind == DEVMODEL_BLK) {
        rc = hostbase_blk_job(&t->blk, w, rep, t->samples, t->save, t->arg, reason, len);
    } else {
        rc = hostbase_net_rep(&t->hnet, t->peer, t->s, w, rep, t->samples, t->save, t->arg,
                              reason, len);
    }
    if (rc < 0) {
        hostbase_target_close(t, w->kind);
    }
    return rc;
}

void hostbase_target_close(struct hostbase_target *t, enum devmodel_kind kind)
{
    if (kind == DEVMODEL_BLK) {
        hostbase_blk_close(&t->blk);
    } else if (t->net_open) {
        hostbase_net_stop(&t->hnet);
        t->net_open = false;
    }
}

int hostbase_target_rest(struct hostbase_target *t, enum devmodel_kind kind, char *reason,
                         size_t len)
{
    if (kind == DEVMODEL_BLK) {
        return hostbase_run(t->s, t->samples, t->save, t->arg, reason, len);
    }
    return hostbase_net_run(t->s, t->net, t->peer, t->agent_log, t->samples, t->save, t->arg,
                            reason, len);
}

void hostbase_target_settle(struct hostbase_target *t, int blk_rc, const char *blk, int net_rc,
                            const char *net)
{
    util_strlcpy(t->status,
                 blk_rc < 0 || net_rc < 0     ? "failed"
                 : blk_rc == 1 || net_rc == 1 ? "skipped"
                                              : "ok",
                 sizeof(t->status));
    snprintf(t->reason, sizeof(t->reason), "%s%s%s%s%s", blk_rc ? "block: " : "",
             blk_rc ? blk : "", blk_rc && net_rc ? "; " : "", net_rc ? "network: " : "",
             net_rc ? net : "");
    if (blk_rc == 1 || net_rc == 1) {
        log_warn("host baseline skipped in part: %s", t->reason);
    }
    if (blk_rc < 0 || net_rc < 0) {
        log_err("host baseline: %s", t->reason);
    }
}
