/*
 * The plan of one measuring pass (docs/adr-001-run-loop.md, "The plan"): from a plain
 * description of what is to be measured together (the hosts side by side or one host, its
 * configurations and workloads, repetitions lo..hi, what is measured already) the ordered
 * steps that the run executes: boots, warm-ups, measured jobs, the bare host's jobs between
 * the guests', traced "why" jobs, stops. Pure: no guest, no file, no run state; the order is
 * tested without a guest (bench/tests/test_plan.c).
 *
 * The plan is static, the executor dynamic. The plan assumes that every step succeeds and
 * every job it lists records its cell (a warm-up is listed while its configuration has a
 * cell left in this workload or a later one: after a job that failed, the loops it replaced
 * also warmed up on a later workload with nothing left to measure). The executor (measure()
 * in run.c) keeps what only running can tell:
 *   - up[host][config]: a guest that did not boot, or was lost and could not be replaced, is
 *     down; the executor skips that configuration's later WARMUP, JOB and WHY steps (a STOP
 *     still runs). A job that failed without losing the guest leaves it up (the
 *     configuration is marked failed, its later jobs still run), as the loops did.
 *   - a guest lost during a step: the step itself stops it, boots a fresh one while the
 *     retries allow, warms it up and runs the job again; no step of the plan is added.
 *   - net configurations: BOOT first makes the test network and checks vhost (it may skip or
 *     fail the configuration there).
 *   - the bare host's sessions: HOST_NET_OPEN opens the network client only if the test
 *     network is up; a HOST_*_JOB runs only while its session is open (a failed job closes
 *     it, what is left runs after the guests').
 *   - a WHY step runs only if the guest's trace session was set up at its boot.
 *   - interrupted, or samples could not be written: every step up to the STOP steps is
 *     skipped; the STOP steps always run (they stop the guests and settle their status).
 */
#ifndef PVB_PLAN_H
#define PVB_PLAN_H

#include <stddef.h>

#include "devmodel.h"
#include "scenario.h"

/* The hosts measured together (RUN_MAX_HOSTS; run.c checks that they agree). */
#define PLAN_MAX_HOSTS 8
#define PLAN_MAX_CONFIGS SCENARIO_MAX_DEVICES
#define PLAN_MAX_WORKLOADS SCENARIO_MAX_WORKLOADS
/* Most boots per configuration (scenario key boots). */
#define PLAN_MAX_BOOTS 100
/* The host of the bare host's cells and steps (host_baseline = yes, configuration "host"). */
#define PLAN_BARE_HOST 0xffffffffu

enum plan_step_type {
    PLAN_BOOT,          /* host, config: boot its guest (one at a time) */
    PLAN_DONE,          /* host, config: nothing left in lo..hi (resume): not booted, ok */
    PLAN_HOST_NET_OPEN, /* the bare host's network client, once the guests' network is up */
    PLAN_WARMUP,        /* host, config, workload: an uncounted job */
    PLAN_JOB,           /* host, config, workload, rep: a measured job */
    PLAN_HOST_BLK_JOB,  /* workload, rep: the bare host's block job (rep 0: its warm-up) */
    PLAN_HOST_NET_JOB,  /* workload, rep: the bare host's network job (rep 0: a warm-up) */
    PLAN_WHY,           /* host, config, workload: the traced job, after every measured one */
    PLAN_STOP,          /* host, config: stop the guest, settle the configuration's status */
};

/*
 * One step. host is a plan_host.index (PLAN_BARE_HOST for HOST_*); unused fields are 0.
 * boot numbers the boots of a configuration across passes: lo - 1 + the round (plan_desc
 * boots), so the guests of two passes (a re-run's lo > the first's hi) never share a
 * number; it goes into the samples' boot column, the unit of the verdicts (verdict.h).
 */
struct plan_step {
    enum plan_step_type type;
    unsigned host;
    unsigned config;   /* index into plan_desc.config_kind (the scenario's devices) */
    unsigned workload; /* index into plan_desc.workload_kind (the scenario's workloads) */
    unsigned rep;
    unsigned boot;
};

/* One of the hosts measured together. */
struct plan_host {
    unsigned index;                       /* the run's number of the host, in the steps */
    unsigned char skip[PLAN_MAX_CONFIGS]; /* failed or skipped before this pass: no step */
    int why; /* traced "why" jobs here (why = yes and a backend that traces) */
};

/*
 * Is this cell measured already (it has samples)? host is a plan_host.index, or
 * PLAN_BARE_HOST for the bare host's cells (config then 0). Called while the plan is built.
 */
typedef int (*plan_measured_fn)(void *arg, unsigned host, unsigned config, unsigned workload,
                                unsigned rep);
/* Has (host, config, workload) its "why" samples already? */
typedef int (*plan_why_done_fn)(void *arg, unsigned host, unsigned config, unsigned workload);

struct plan_desc {
    /* 1 host, or N side by side: boots, warm-ups and "why" jobs of configuration c start
     * with hosts[c % N], measured job of repetition rep with hosts[(rep + c) % N]. */
    struct plan_host hosts[PLAN_MAX_HOSTS];
    unsigned n_hosts;
    enum devmodel_kind config_kind[PLAN_MAX_CONFIGS];
    unsigned n_configs;
    enum devmodel_kind workload_kind[PLAN_MAX_WORKLOADS]; /* a config runs its kind's only */
    unsigned n_workloads;
    const int *want;      /* n_configs flags, NULL: all (--max-iterations: the suspects) */
    unsigned lo, hi;      /* repetitions measured, 1 <= lo <= hi (a re-run continues them) */
    /* Rounds of fresh guests, 0 or 1: one. Round k (k < boots, k <= hi - lo) boots every
     * configuration, measures repetitions r with (r - lo) % boots == k and stops them; odd
     * rounds go through the configurations in reverse (A B, B A): scenario key boots. */
    unsigned boots;
    unsigned warmup_jobs; /* uncounted jobs per configuration and workload */
    /* host_baseline = yes, first pass (lo = 1, hi = repetitions): */
    int host_blk;      /* the bare host's block session is open: its jobs follow the guests' */
    int host_net;      /* its network client may be opened after the boots (lo = 1 only) */
    int host_net_open; /* ... is open already */
    plan_measured_fn measured; /* NULL: nothing measured */
    plan_why_done_fn why_done; /* NULL: no "why" samples yet */
    void *arg;
};

struct plan {
    struct plan_step *steps;
    size_t n;
    size_t cap;
    unsigned n_hosts; /* of the description (plan_format names hosts when > 1) */
};

/*
 * The steps of description d, in order, into p (plan_free it, also after a failure).
 * 0, or -1 with errno EINVAL (a description out of range) or ENOMEM.
 */
int plan_build(const struct plan_desc *d, struct plan *p) __attribute__((warn_unused_result));
void plan_free(struct plan *p);

/*
 * The compact form of a plan, for logs and tests: one word a step, separated by spaces.
 * B<c> boot, D<c> done (not booted), O host-net open, W<c><w> warm-up, J<c><w><rep> job,
 * H<w><rep> / N<w><rep> the bare host's block / network job, Y<c><w> why, S<c> stop; c the
 * configuration's index, w the workload's letter (a, b, ...), "@<host>" after each guest step
 * when the plan has several hosts. Example: "B0 B1 W0a W1a J0a1 J1a1 S0 S1".
 * 0, or -1 when buf is too small (buf then holds a truncated string).
 */
int plan_format(const struct plan *p, char *buf, size_t len) __attribute__((warn_unused_result));

#endif
