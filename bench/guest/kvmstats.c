/* KVM's exit counters from QMP query-stats (kvmstats.h). */
#include "kvmstats.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "qmp.h"

/* Which query-stats names fill which field. */
static const struct {
    const char *name;
    size_t offset;
} kvmstats_fields[] = {
    {"exits", offsetof(struct kvmstats, exits)},
    {"io_exits", offsetof(struct kvmstats, io_exits)},
    {"mmio_exits", offsetof(struct kvmstats, mmio_exits)},
    {"halt_exits", offsetof(struct kvmstats, halt_exits)},
    {"irq_injections", offsetof(struct kvmstats, irq_injections)},
};

#define KVMSTATS_NFIELDS (sizeof(kvmstats_fields) / sizeof(kvmstats_fields[0]))

static double *kvmstats_field(struct kvmstats *k, size_t i)
{
    return (double *)((char *)k + kvmstats_fields[i].offset);
}

static const double *kvmstats_cfield(const struct kvmstats *k, size_t i)
{
    return (const double *)((const char *)k + kvmstats_fields[i].offset);
}

void kvmstats_init(struct kvmstats *k)
{
    for (size_t i = 0; i < KVMSTATS_NFIELDS; i++) {
        *kvmstats_field(k, i) = -1;
    }
}

/* One {name, value} of a provider's stats into *k. 1 if it was one of ours, else 0. */
static int kvmstats_add_one(struct kvmstats *k, json_object *st)
{
    json_object *nm, *val;
    const char *name;
    int64_t v;

    if (!json_object_object_get_ex(st, "name", &nm) || !json_object_is_type(nm, json_type_string) ||
        !json_object_object_get_ex(st, "value", &val) || !json_object_is_type(val, json_type_int)) {
        return 0; /* histograms (arrays) and other shapes are not counters */
    }
    name = json_object_get_string(nm);
    v = json_object_get_int64(val);
    if (v < 0) {
        return 0;
    }
    for (size_t i = 0; i < KVMSTATS_NFIELDS; i++) {
        if (strcmp(name, kvmstats_fields[i].name) == 0) {
            double *f = kvmstats_field(k, i);
            *f = (*f < 0 ? 0 : *f) + (double)v;
            return 1;
        }
    }
    return 0;
}

int kvmstats_add_reply(struct kvmstats *k, json_object *reply)
{
    int added = 0;
    size_t n;

    if (!json_object_is_type(reply, json_type_array)) {
        return -1;
    }
    n = json_object_array_length(reply);
    for (size_t i = 0; i < n; i++) {
        json_object *ent = json_object_array_get_idx(reply, i), *prov, *stats;

        /* Only KVM's counters; another provider's may reuse a name. */
        if (json_object_object_get_ex(ent, "provider", &prov) &&
            (!json_object_is_type(prov, json_type_string) ||
             strcmp(json_object_get_string(prov), "kvm") != 0)) {
            continue;
        }
        if (!json_object_object_get_ex(ent, "stats", &stats) ||
            !json_object_is_type(stats, json_type_array)) {
            continue;
        }
        for (size_t s = 0; s < json_object_array_length(stats); s++) {
            added += kvmstats_add_one(k, json_object_array_get_idx(stats, s));
        }
    }
    return added;
}

int kvmstats_collect(struct kvmstats *k, kvmstats_query_fn query, void *arg, char *err,
                     size_t errlen)
{
    static const char *const targets[] = {"vm", "vcpu"};
    int added = 0;

    kvmstats_init(k);
    for (size_t t = 0; t < sizeof(targets) / sizeof(targets[0]); t++) {
        json_object *ret = NULL;
        int rc;

        if (query(arg, targets[t], &ret, err, errlen) < 0) {
            return -1;
        }
        rc = kvmstats_add_reply(k, ret);
        json_object_put(ret);
        if (rc < 0) {
            snprintf(err, errlen, "query-stats (target %s): not an array", targets[t]);
            return -1;
        }
        added += rc;
    }
    if (added == 0) {
        snprintf(err, errlen, "no KVM counters in query-stats");
        return -1;
    }
    return 0;
}

/* QMP's client and the deadline of its commands (kvmstats_read). */
struct kvmstats_qmp {
    struct qmp *q;
    double deadline;
};

static int kvmstats_qmp_query(void *arg, const char *target, json_object **ret, char *err,
                              size_t errlen)
{
    const struct kvmstats_qmp *c = arg;
    json_object *args = json_object_new_object();
    int rc;

    if (!args) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    json_object_object_add(args, "target", json_object_new_string(target));
    rc = qmp_execute(c->q, "query-stats", args, ret, c->deadline, err, errlen);
    json_object_put(args);
    return rc == QMP_OK ? 0 : -1;
}

int kvmstats_read(struct qmp *q, struct kvmstats *k, double deadline, char *err, size_t errlen)
{
    struct kvmstats_qmp c = {q, deadline};

    return kvmstats_collect(k, kvmstats_qmp_query, &c, err, errlen);
}

void kvmstats_delta(const struct kvmstats *before, const struct kvmstats *after,
                    struct kvmstats *d)
{
    for (size_t i = 0; i < KVMSTATS_NFIELDS; i++) {
        double b = *kvmstats_cfield(before, i), a = *kvmstats_cfield(after, i);

        *kvmstats_field(d, i) = b >= 0 && a >= b ? a - b : -1;
    }
}
