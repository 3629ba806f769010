/*
 * The agent's engines: who does a job's I/O, chosen from its kind= and engine= keys.
 *
 * Adding an engine is one entry below (and its engine= name in agent_job.c); the control
 * loop (agent_main.c) runs whatever entry agent_engine_find returns and answers the same
 * way for all of them. agent_engine_check, called at start, refuses an incomplete table.
 */
#include "agent.h"
#include "agent_fio.h"
#include "agent_iperf3.h"

#include <stdio.h>

static const struct agent_engine_ops agent_engines[] = {
    {
        .name = "agent",
        .kind = AGENT_KIND_BLK,
        .engine = AGENT_ENGINE_AGENT,
        .run = agent_blk_run,
        .only = "block and network jobs",
    },
    {
        .name = "fio",
        .kind = AGENT_KIND_BLK,
        .engine = AGENT_ENGINE_FIO,
        .run = agent_fio_run,
        .only = "block jobs only",
    },
    {
        .name = "agent",
        .kind = AGENT_KIND_NET,
        .engine = AGENT_ENGINE_AGENT,
        .run = agent_net_run,
        .only = "block and network jobs",
    },
    {
        .name = "iperf3",
        .kind = AGENT_KIND_NET,
        .engine = AGENT_ENGINE_IPERF3,
        .run = agent_iperf3_run,
        .only = "network jobs only (tcp_tx, tcp_rx)",
    },
};

#define AGENT_NENGINES (sizeof(agent_engines) / sizeof(agent_engines[0]))

const struct agent_engine_ops *agent_engine_table(size_t *n)
{
    *n = AGENT_NENGINES;
    return agent_engines;
}

int agent_engine_check_table(const struct agent_engine_ops *t, size_t n, char *err, size_t errlen)
{
    bool own[AGENT_KIND_COUNT] = {false};
    size_t i, j;

    for (i = 0; i < n; i++) {
        if (!t[i].name || !t[i].name[0] || !t[i].run || !t[i].only) {
            agent_job_err(err, errlen, "engine table: entry %zu is incomplete", i);
            return -1;
        }
        if ((unsigned)t[i].kind >= AGENT_KIND_COUNT ||
            (unsigned)t[i].engine >= AGENT_ENGINE_COUNT) {
            agent_job_err(err, errlen, "engine table: %s has an unknown kind or engine", t[i].name);
            return -1;
        }
        for (j = 0; j < i; j++) {
            if (t[j].kind == t[i].kind && t[j].engine == t[i].engine) {
                agent_job_err(err, errlen, "engine table: %s appears twice for one kind",
                              t[i].name);
                return -1;
            }
        }
        if (t[i].engine == AGENT_ENGINE_AGENT) {
            own[t[i].kind] = true;
        }
    }
    for (i = 0; i < AGENT_KIND_COUNT; i++) {
        if (!own[i]) {
            agent_job_err(err, errlen, "engine table: kind %zu has no engine of the agent's own",
                          i);
            return -1;
        }
    }
    return 0;
}

int agent_engine_check(char *err, size_t errlen)
{
    return agent_engine_check_table(agent_engines, AGENT_NENGINES, err, errlen);
}

const struct agent_engine_ops *agent_engine_find(const struct agent_job *job, char *err,
                                                 size_t errlen)
{
    const struct agent_engine_ops *other = NULL;
    size_t i;

    for (i = 0; i < AGENT_NENGINES; i++) {
        if (agent_engines[i].engine != job->engine) {
            continue;
        }
        if (agent_engines[i].kind == job->kind) {
            return &agent_engines[i];
        }
        other = &agent_engines[i];
    }
    if (other) {
        agent_job_err(err, errlen, "engine=%s runs %s", other->name, other->only);
    } else {
        agent_job_err(err, errlen, "no engine %u for this kind of job", (unsigned)job->engine);
    }
    return NULL;
}
