/* The results store: engines, schema and migrations, adding and reading runs (store.h). */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compare.h"
#include "paths.h"
#include "results.h"
#include "store.h"
#include "util.h"

/* Largest run.json the store reads (the resolved scenario is the biggest part). */
#define STORE_RUN_JSON_MAX (4u << 20)

static const struct store_ops *const store_engines[] = {&store_pg_ops, &store_sqlite_ops};

/*
 * One migration: the statements that take a database from version - 1 to version. "%s"
 * in a statement is the engine's id column type (the only one). Never edit a released one: add
 * another.
 */
struct store_migration {
    int version;
    const char *sql[8];
};

static const struct store_migration store_migrations[] = {
    {.version = 1,
     .sql = {"CREATE TABLE schema_version (version INTEGER NOT NULL)",
             "CREATE TABLE runs (id %s, run_id TEXT NOT NULL UNIQUE, folder TEXT NOT NULL, "
             "scenario TEXT NOT NULL, configs TEXT NOT NULL, resolved TEXT NOT NULL, "
             "qemu_version TEXT NOT NULL, guest_kernel TEXT NOT NULL, "
             "libvirt_version TEXT NOT NULL, host TEXT NOT NULL, host_class TEXT NOT NULL, "
             "accelerator TEXT NOT NULL, backend TEXT NOT NULL, git_revision TEXT NOT NULL, "
             "pvbench_version TEXT NOT NULL, start_time TEXT NOT NULL, added TEXT NOT NULL)",
             "CREATE TABLE samples (run BIGINT NOT NULL REFERENCES runs (id), "
             "config TEXT NOT NULL, device TEXT NOT NULL, workload TEXT NOT NULL, "
             "metric TEXT NOT NULL, unit TEXT NOT NULL, rep INTEGER NOT NULL, boot INTEGER, "
             "value DOUBLE PRECISION NOT NULL)",
             "CREATE INDEX samples_run ON samples (run)",
             "CREATE INDEX samples_cell ON samples (config, workload, metric)",
             "INSERT INTO schema_version (version) VALUES (0)"}},
    {.version = 2, .sql = {"ALTER TABLE runs ADD COLUMN label TEXT NOT NULL DEFAULT ''"}},
};

int store_check_ops(const struct store_ops *ops, char *why, size_t whylen)
{
    const char *missing = NULL;

    if (!ops->name) {
        missing = "name";
    } else if (!ops->id_type) {
        missing = "id_type";
    } else if (!ops->claims) {
        missing = "claims";
    } else if (!ops->open) {
        missing = "open";
    } else if (!ops->close) {
        missing = "close";
    } else if (!ops->begin) {
        missing = "begin";
    } else if (!ops->query) {
        missing = "query";
    } else if (!ops->tables_sql) {
        missing = "tables_sql";
    } else if (!ops->check) {
        missing = "check";
    }
    if (missing) {
        util_seterr(why, whylen, "store engine %s: no %s", ops->name ? ops->name : "(unnamed)",
                    missing);
        return -1;
    }
    return 0;
}

int store_resolve_target(const char *target, char *out, size_t outlen)
{
    const char *env = getenv("PVBENCH_DB");
    const char *dir = getenv("PVBENCH_STATE_DIR");

    if (target && *target) {
        return util_strlcpy(out, target, outlen) < 0 ? -1 : 0;
    }
    if (env && *env) {
        return util_strlcpy(out, env, outlen) < 0 ? -1 : 0;
    }
    if (!dir || !*dir) {
        dir = paths_keepdir();
    }
    return util_fmt(out, outlen, "%s/" STORE_DEFAULT_FILE, dir) < 0 ? -1 : 0;
}

void store_redact(const char *target, char *out, size_t outlen)
{
    const char *auth = strstr(target, "://");
    const char *at, *colon, *pw;
    char tmp[2048];
    size_t n;

    util_strlcpy(out, target, outlen);
    if (!auth) {
        return;
    }
    auth += 3;
    at = strchr(auth, '@');
    colon = strchr(auth, ':');
    if (at && colon && colon < at && !memchr(auth, '/', (size_t)(at - auth))) {
        n = (size_t)(colon - target) + 1;
        snprintf(out, outlen, "%.*s***%s", (int)n, target, at);
    }
    /* A password given as a parameter: postgresql://h/db?password=... */
    pw = strstr(out, "password=");
    if (pw) {
        n = (size_t)(pw - out) + strlen("password=");
        at = pw + strcspn(pw, "&");
        snprintf(tmp, sizeof(tmp), "%.*s***%s", (int)n, out, at);
        util_strlcpy(out, tmp, outlen);
    }
}

int store_query(struct store *st, const char *sql, const char *const *params, int nparams,
                store_row_fn fn, void *arg, char *why, size_t whylen)
{
    return st->ops->query(st, sql, params, nparams, fn, arg, why, whylen);
}

static int store_exec(struct store *st, const char *sql, char *why, size_t whylen)
{
    return store_query(st, sql, NULL, 0, NULL, NULL, why, whylen);
}

/* Roll back after an error, keeping the first reason in why. */
static void store_rollback(struct store *st)
{
    char ignored[256];

    (void)store_exec(st, "ROLLBACK", ignored, sizeof(ignored));
}

struct store_tables {
    int any, runs, samples, version;
};

static int store_tables_row(void *arg, int ncols, const char *const *vals)
{
    struct store_tables *t = arg;

    if (ncols < 1 || !vals[0]) {
        return 0;
    }
    t->any = 1;
    t->runs |= strcmp(vals[0], "runs") == 0;
    t->samples |= strcmp(vals[0], "samples") == 0;
    t->version |= strcmp(vals[0], "schema_version") == 0;
    return 0;
}

static int store_int_row(void *arg, int ncols, const char *const *vals)
{
    long *v = arg;
    char *end;

    if (ncols >= 1 && vals[0]) {
        errno = 0;
        *v = strtol(vals[0], &end, 10);
        if (errno || *end) {
            *v = -1;
        }
    }
    return 0;
}

/* The schema version of an open database inside a transaction: -1 when it is not ours. */
static int store_read_version(struct store *st, long *version, char *why, size_t whylen)
{
    struct store_tables t = {0};

    if (store_query(st, st->ops->tables_sql, NULL, 0, store_tables_row, &t, why, whylen) < 0) {
        return -1;
    }
    *version = 0;
    if (!t.any) {
        return 0;
    }
    if (!t.version || !t.runs || !t.samples) {
        util_seterr(why, whylen,
                    "%s: not a pvbench results database (it has other tables and no "
                    "schema_version); refusing to change it",
                    st->target);
        return -1;
    }
    *version = -1;
    if (store_query(st, "SELECT MAX(version) FROM schema_version", NULL, 0, store_int_row, version,
                    why, whylen) < 0) {
        return -1;
    }
    if (*version < 0) {
        util_seterr(why, whylen, "%s: schema_version holds no valid version", st->target);
        return -1;
    }
    return 0;
}

/* tmpl with its one "%s" replaced by id_type, into out. 0 or -1 (too long). */
static int store_sql_subst(char *out, size_t outlen, const char *tmpl, const char *id_type)
{
    const char *at = strstr(tmpl, "%s");

    if (!at) {
        return util_strlcpy(out, tmpl, outlen);
    }
    return util_fmt(out, outlen, "%.*s%s%s", (int)(at - tmpl), tmpl, id_type, at + 2);
}

/* Apply the migrations after version up to target, in the open write transaction. */
static int store_migrate(struct store *st, long version, int target, char *why, size_t whylen)
{
    char sql[1024];
    char v[16];
    const char *params[1] = {v};
    size_t i, j;

    for (i = 0; i < sizeof(store_migrations) / sizeof(store_migrations[0]); i++) {
        const struct store_migration *m = &store_migrations[i];

        if (m->version <= version || m->version > target) {
            continue;
        }
        for (j = 0; j < sizeof(m->sql) / sizeof(m->sql[0]) && m->sql[j]; j++) {
            if (store_sql_subst(sql, sizeof(sql), m->sql[j], st->ops->id_type) < 0 ||
                store_exec(st, sql, why, whylen) < 0) {
                return -1;
            }
        }
        snprintf(v, sizeof(v), "%d", m->version);
        if (store_query(st, "UPDATE schema_version SET version = $1", params, 1, NULL, NULL, why,
                        whylen) < 0) {
            return -1;
        }
    }
    return 0;
}

int store_open_version(struct store *st, const char *target, int version, char *why, size_t whylen)
{
    char resolved[sizeof(st->target)];
    long have = 0;
    size_t i;

    memset(st, 0, sizeof(*st));
    if (store_resolve_target(target, resolved, sizeof(resolved)) < 0) {
        util_seterr(why, whylen, "database name too long");
        return -1;
    }
    for (i = 0; i < sizeof(store_engines) / sizeof(store_engines[0]); i++) {
        if (store_check_ops(store_engines[i], why, whylen) < 0) {
            return -1;
        }
        if (store_engines[i]->claims(resolved)) {
            st->ops = store_engines[i];
            break;
        }
    }
    /* st->target is what messages and pages show: never a password. */
    store_redact(resolved, st->target, sizeof(st->target));
    if (!st->ops || st->ops->open(st, resolved, version > 0, why, whylen) < 0) {
        st->ops = NULL;
        return -1;
    }
    if (st->ops->begin(st, version > 0, why, whylen) < 0) {
        goto fail;
    }
    if (st->ops->check(st, why, whylen) < 0 || store_read_version(st, &have, why, whylen) < 0) {
        goto fail_tx;
    }
    if (have > STORE_SCHEMA_VERSION) {
        util_seterr(why, whylen,
                    "%s: schema version %ld is newer than this pvbench's (%d): update pvbench",
                    st->target, have, STORE_SCHEMA_VERSION);
        goto fail_tx;
    }
    if (version <= 0 && have == 0) {
        util_seterr(why, whylen, "%s: empty database (pvbench db add fills it)", st->target);
        goto fail_tx;
    }
    if (version > 0 && have < version && store_migrate(st, have, version, why, whylen) < 0) {
        goto fail_tx;
    }
    if (store_exec(st, "COMMIT", why, whylen) < 0) {
        goto fail_tx;
    }
    st->version = version > have ? version : (int)have;
    if (version <= 0 && have < STORE_SCHEMA_VERSION) {
        util_seterr(why, whylen, "%s: schema version %ld; any write (pvbench db add) migrates it",
                    st->target, have);
        goto fail;
    }
    return 0;
fail_tx:
    store_rollback(st);
fail:
    st->ops->close(st);
    st->ops = NULL;
    return -1;
}

int store_open(struct store *st, const char *target, int write, char *why, size_t whylen)
{
    return store_open_version(st, target, write ? STORE_SCHEMA_VERSION : 0, why, whylen);
}

void store_close(struct store *st)
{
    if (st->ops) {
        st->ops->close(st);
        st->ops = NULL;
    }
}

/* ---- adding a run folder ---------------------------------------------------------------- */

/* What run.json says beyond compare_read_meta's fields. */
struct store_meta {
    struct compare_meta m;
    char *configs;  /* JSON text */
    char *resolved; /* resolved scenario */
    char host[128];
    char host_class[192];
    char backend[16];
    char git_revision[48];
    char libvirt[128];
};

static const char *store_json_str(struct json_object *o, const char *key)
{
    struct json_object *v;

    if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string)) {
        return "";
    }
    return json_object_get_string(v);
}

static int store_read_meta(const char *dir, struct store_meta *sm, char *why, size_t whylen)
{
    struct json_object *root = NULL, *o, *h;
    char path[4200];
    char *text = NULL;
    int cores = 0;
    int rc = -1;

    memset(sm, 0, sizeof(*sm));
    if (compare_read_meta(dir, &sm->m, why, whylen) < 0) {
        return -1;
    }
    if (!sm->m.run_id[0]) {
        util_seterr(why, whylen, "%s/run.json: no run_id", dir);
        return -1;
    }
    util_fmt(path, sizeof(path), "%s/run.json", dir);
    text = util_slurp(path, STORE_RUN_JSON_MAX, NULL);
    root = text ? json_tokener_parse(text) : NULL;
    if (!root) {
        util_seterr(why, whylen, "%s: unreadable", path);
        goto out;
    }
    if (json_object_object_get_ex(root, "configs", &o)) {
        sm->configs = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
    } else {
        sm->configs = strdup("[]");
    }
    sm->resolved = json_object_object_get_ex(root, "scenario", &o)
                       ? strdup(store_json_str(o, "resolved"))
                       : strdup("");
    if (!sm->configs || !sm->resolved) {
        util_seterr(why, whylen, "out of memory");
        goto out;
    }
    h = json_object_object_get_ex(root, "host", &o) ? o : NULL;
    util_strlcpy(sm->host, store_json_str(h, "hostname"), sizeof(sm->host));
    if (h && json_object_object_get_ex(h, "cores", &o)) {
        cores = json_object_get_int(o);
    }
    /* Runs on the same kind of machine are one series even when the host name changes. */
    snprintf(sm->host_class, sizeof(sm->host_class), "%s x%d", store_json_str(h, "cpu_model"),
             cores);
    util_strlcpy(sm->backend, store_json_str(root, "backend"), sizeof(sm->backend));
    util_strlcpy(sm->git_revision, store_json_str(root, "git_revision"), sizeof(sm->git_revision));
    if (json_object_object_get_ex(root, "hosts", &o) && json_object_is_type(o, json_type_array) &&
        json_object_array_length(o) > 0) {
        util_strlcpy(sm->libvirt,
                     store_json_str(json_object_array_get_idx(o, 0), "libvirt_version"),
                     sizeof(sm->libvirt));
    }
    util_sanitize(sm->host);
    util_sanitize(sm->host_class);
    util_sanitize(sm->backend);
    util_sanitize(sm->git_revision);
    util_sanitize(sm->libvirt);
    rc = 0;
out:
    json_object_put(root);
    free(text);
    return rc;
}

static void store_meta_free(struct store_meta *sm)
{
    free(sm->configs);
    free(sm->resolved);
}

struct store_id {
    char id[32];
    int found;
};

static int store_id_row(void *arg, int ncols, const char *const *vals)
{
    struct store_id *r = arg;

    if (ncols >= 1 && vals[0]) {
        util_strlcpy(r->id, vals[0], sizeof(r->id));
        r->found = 1;
    }
    return 0;
}

static int store_insert_samples(struct store *st, const char *id, const struct sample_set *set,
                                char *why, size_t whylen)
{
    char rep[16], value[40];
    const char *p[8];
    size_t i;

    for (i = 0; i < set->n; i++) {
        const struct sample *s = &set->v[i];

        snprintf(rep, sizeof(rep), "%u", s->rep);
        snprintf(value, sizeof(value), "%.17g", s->value);
        p[0] = id;
        p[1] = s->config;
        p[2] = s->device;
        p[3] = s->workload;
        p[4] = s->metric;
        p[5] = s->unit;
        p[6] = rep;
        p[7] = value;
        if (store_query(st,
                        "INSERT INTO samples (run, config, device, workload, metric, unit, rep, "
                        "value) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                        p, 8, NULL, NULL, why, whylen) < 0) {
            return -1;
        }
    }
    return 0;
}

int store_add_run_folder(struct store *st, const char *dir, const char *label, int *added,
                         char *why, size_t whylen)
{
    struct store_meta sm;
    struct sample_set set = {0};
    struct store_id id = {{0}, 0};
    char folder[4096], path[4200], now[32], err[512] = "";
    const char *p[17];
    unsigned bad = 0;
    int rc = -1;

    *added = 0;
    if (store_read_meta(dir, &sm, why, whylen) < 0) {
        store_meta_free(&sm);
        return -1;
    }
    util_fmt(path, sizeof(path), "%s/samples.csv", dir);
    if (samples_read_csv(path, &set, &bad, err, sizeof(err)) < 0) {
        util_seterr(why, whylen, "%s: %s", path, err[0] ? err : strerror(errno));
        goto out;
    }
    if (bad) {
        util_seterr(why, whylen, "%s: %u rows do not parse (%s): not added", path, bad, err);
        goto out;
    }
    if (util_strlcpy(folder, dir, sizeof(folder)) < 0 ||
        util_make_absolute(folder, sizeof(folder)) < 0) {
        util_seterr(why, whylen, "%s: path too long", dir);
        goto out;
    }
    util_iso_time(now, sizeof(now));
    if (st->ops->begin(st, 1, why, whylen) < 0) {
        goto out;
    }
    if (st->ops->check(st, why, whylen) < 0) {
        goto fail;
    }
    p[0] = sm.m.run_id;
    p[1] = folder;
    p[2] = sm.m.scenario;
    p[3] = sm.configs;
    p[4] = sm.resolved;
    p[5] = sm.m.qemu_version;
    p[6] = sm.m.guest_kernel;
    p[7] = sm.libvirt;
    p[8] = sm.host;
    p[9] = sm.host_class;
    p[10] = sm.m.accelerator;
    p[11] = sm.backend;
    p[12] = sm.git_revision;
    p[13] = sm.m.pvbench_version;
    p[14] = sm.m.start;
    p[15] = now;
    p[16] = label ? label : "";
    /* The same run_id twice: no row comes back and nothing is written. */
    if (store_query(st,
                    "INSERT INTO runs (run_id, folder, scenario, configs, resolved, qemu_version, "
                    "guest_kernel, libvirt_version, host, host_class, accelerator, backend, "
                    "git_revision, pvbench_version, start_time, added, label) VALUES ($1, $2, "
                    "$3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) "
                    "ON CONFLICT (run_id) DO NOTHING RETURNING id",
                    p, 17, store_id_row, &id, why, whylen) < 0) {
        goto fail;
    }
    if (id.found && store_insert_samples(st, id.id, &set, why, whylen) < 0) {
        goto fail;
    }
    if (store_exec(st, "COMMIT", why, whylen) < 0) {
        goto fail;
    }
    *added = id.found;
    rc = 0;
    goto out;
fail:
    store_rollback(st);
out:
    samples_free(&set);
    store_meta_free(&sm);
    return rc;
}

int store_record_run(const char *target, const char *dir, const char *label, int *added, char *why,
                     size_t whylen)
{
    struct store st;
    int rc;

    *added = 0;
    if (store_open(&st, target, 1, why, whylen) < 0) {
        return -1;
    }
    rc = store_add_run_folder(&st, dir, label, added, why, whylen);
    store_close(&st);
    return rc;
}

/* ---- reading runs --------------------------------------------------------------------------- */

#define STORE_RUN_COLUMNS                                                                          \
    "r.run_id, r.label, r.start_time, r.scenario, r.qemu_version, r.guest_kernel, r.host, "        \
    "r.accelerator, r.backend, r.git_revision, r.folder, "                                         \
    "(SELECT COUNT(*) FROM samples s WHERE s.run = r.id)"

struct store_runs {
    struct store_run *v;
    size_t n, cap;
};

static void store_run_from_row(struct store_run *r, const char *const *vals)
{
    memset(r, 0, sizeof(*r));
    util_strlcpy(r->run_id, vals[0] ? vals[0] : "", sizeof(r->run_id));
    util_strlcpy(r->label, vals[1] ? vals[1] : "", sizeof(r->label));
    util_strlcpy(r->start, vals[2] ? vals[2] : "", sizeof(r->start));
    util_strlcpy(r->scenario, vals[3] ? vals[3] : "", sizeof(r->scenario));
    util_strlcpy(r->qemu_version, vals[4] ? vals[4] : "", sizeof(r->qemu_version));
    util_strlcpy(r->guest_kernel, vals[5] ? vals[5] : "", sizeof(r->guest_kernel));
    util_strlcpy(r->host, vals[6] ? vals[6] : "", sizeof(r->host));
    util_strlcpy(r->accelerator, vals[7] ? vals[7] : "", sizeof(r->accelerator));
    util_strlcpy(r->backend, vals[8] ? vals[8] : "", sizeof(r->backend));
    util_strlcpy(r->git_revision, vals[9] ? vals[9] : "", sizeof(r->git_revision));
    util_strlcpy(r->folder, vals[10] ? vals[10] : "", sizeof(r->folder));
    r->samples = vals[11] ? strtoul(vals[11], NULL, 10) : 0;
}

static int store_runs_row(void *arg, int ncols, const char *const *vals)
{
    struct store_runs *rs = arg;
    struct store_run *nv;

    if (ncols < 12) {
        return -1;
    }
    if (rs->n == rs->cap) {
        rs->cap = rs->cap ? rs->cap * 2 : 16;
        nv = realloc(rs->v, rs->cap * sizeof(*nv));
        if (!nv) {
            return -1;
        }
        rs->v = nv;
    }
    store_run_from_row(&rs->v[rs->n++], vals);
    return 0;
}

int store_list_runs(struct store *st, struct store_run **runs, size_t *n, char *why, size_t whylen)
{
    struct store_runs rs = {0};

    if (store_query(st, "SELECT " STORE_RUN_COLUMNS " FROM runs r ORDER BY r.start_time, r.run_id",
                    NULL, 0, store_runs_row, &rs, why, whylen) < 0) {
        free(rs.v);
        return -1;
    }
    *runs = rs.v;
    *n = rs.n;
    return 0;
}

int store_find_run(struct store *st, const char *key, struct store_run *r, char *why, size_t whylen)
{
    struct store_runs rs = {0};
    char folder[4096];
    const char *p[2] = {key, folder};

    util_strlcpy(folder, key, sizeof(folder));
    if (access(folder, F_OK) == 0) {
        (void)util_make_absolute(folder, sizeof(folder));
    }
    if (store_query(st,
                    "SELECT " STORE_RUN_COLUMNS " FROM runs r WHERE r.run_id = $1 OR "
                    "r.label = $1 OR r.folder = $2 ORDER BY r.start_time DESC",
                    p, 2, store_runs_row, &rs, why, whylen) < 0) {
        free(rs.v);
        return -1;
    }
    if (rs.n > 0) {
        *r = rs.v[0];
    }
    free(rs.v);
    return rs.n > 0;
}

int store_remove_run(struct store *st, const char *run_id, char *why, size_t whylen)
{
    struct store_id id = {{0}, 0};
    const char *p[1] = {run_id};

    if (st->ops->begin(st, 1, why, whylen) < 0) {
        return -1;
    }
    if (st->ops->check(st, why, whylen) < 0 ||
        store_query(st, "SELECT id FROM runs WHERE run_id = $1", p, 1, store_id_row, &id, why,
                    whylen) < 0) {
        goto fail;
    }
    if (id.found) {
        p[0] = id.id;
        if (store_query(st, "DELETE FROM samples WHERE run = $1", p, 1, NULL, NULL, why, whylen) <
                0 ||
            store_query(st, "DELETE FROM runs WHERE id = $1", p, 1, NULL, NULL, why, whylen) < 0) {
            goto fail;
        }
    }
    if (store_exec(st, "COMMIT", why, whylen) < 0) {
        goto fail;
    }
    return id.found;
fail:
    store_rollback(st);
    return -1;
}
