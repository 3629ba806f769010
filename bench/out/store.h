/*
 * The results store: run folders recorded in a database, so that series over many runs
 * can be read (history.h). One ops table per engine (store_sqlite.c: one file, the
 * default; store_pg.c: PostgreSQL through libpq, for a team), the same schema and the same
 * SQL for both (text parameters $1, $2, ...); the schema is created and migrated here.
 *
 * Schema (STORE_SCHEMA_VERSION 2):
 *   schema_version (version)
 *   runs    (id, run_id UNIQUE, folder, scenario, configs: run.json's configurations with
 *            their resolved options as JSON text, resolved: the resolved scenario,
 *            qemu_version, guest_kernel, libvirt_version, host, host_class, accelerator,
 *            backend, git_revision, pvbench_version, start_time, added, label [v2])
 *   samples (run -> runs.id, config, device, workload, metric, unit, rep, boot: NULL
 *            while samples.csv has no boot column, value)
 * Version 1 had no label; store_open migrates every older database inside one write
 * transaction. A database with tables but no schema_version (foreign), a newer version,
 * or a file that is not a database is refused with a clear reason and left as it was.
 *
 * Every change runs in one write transaction (SQLite: BEGIN IMMEDIATE; PostgreSQL: an
 * advisory lock), so two processes adding at once are serialized and adding a run that
 * is already there (same run_id) changes nothing.
 */
#ifndef PVB_STORE_H
#define PVB_STORE_H

#include <stddef.h>

#define STORE_SCHEMA_VERSION 2
/* SQLite file name in $PVBENCH_STATE_DIR (or the data folder) when --db is not given. */
#define STORE_DEFAULT_FILE "pvbench.db"
#define STORE_MAX_PARAMS 16

struct store;

/* One result row: ncols values as text, NULL for SQL NULL. Return 0 to go on, -1 to stop. */
typedef int (*store_row_fn)(void *arg, int ncols, const char *const *vals);

/* An engine. Every member is required (store_check_ops). */
struct store_ops {
    const char *name;
    /* Column type of runs.id: an integer key the engine fills in. */
    const char *id_type;
    /* Does target name a database of this engine? */
    int (*claims)(const char *target);
    /* Connect; create: the database may be created (SQLite: the file). 0, or -1 with why. */
    int (*open)(struct store *st, const char *target, int create, char *why, size_t whylen);
    void (*close)(struct store *st);
    /* Start a transaction; write: one writer at a time across processes. */
    int (*begin)(struct store *st, int write, char *why, size_t whylen);
    /* Run sql with text parameters $1..$n, fn called per row (may be NULL). 0 or -1. */
    int (*query)(struct store *st, const char *sql, const char *const *params, int nparams,
                 store_row_fn fn, void *arg, char *why, size_t whylen);
    /* Names of the tables of the database (one column). */
    const char *tables_sql;
    /* Is the database intact as far as the engine can tell cheaply? 0, or -1 with why. */
    int (*check)(struct store *st, char *why, size_t whylen);
};

struct store {
    const struct store_ops *ops;
    void *handle;
    char target[1024]; /* the database, as shown: without its password (store_redact) */
    int version;       /* schema version after open */
};

/* A run as the store lists it. */
struct store_run {
    char run_id[32];
    char label[64];
    char start[32];
    char scenario[64];
    char qemu_version[128];
    char guest_kernel[64];
    char host[64];
    char accelerator[16];
    char backend[16];
    char git_revision[48];
    char folder[1024];
    unsigned long samples;
};

extern const struct store_ops store_sqlite_ops;
extern const struct store_ops store_pg_ops;

/* Every member of ops set? 0, or -1 naming the missing one in why. */
int store_check_ops(const struct store_ops *ops, char *why, size_t whylen)
    __attribute__((warn_unused_result));

/*
 * The database named by target: "postgresql://..." or "postgres://..." (libpq), else a
 * SQLite file; NULL or "": $PVBENCH_DB, else STORE_DEFAULT_FILE in $PVBENCH_STATE_DIR,
 * else in the data folder. Into out.
 */
int store_resolve_target(const char *target, char *out, size_t outlen)
    __attribute__((warn_unused_result));

/* target as messages may show it: a URI's password (user:PW@, password=PW) as "***". */
void store_redact(const char *target, char *out, size_t outlen);

/*
 * Open and migrate to STORE_SCHEMA_VERSION (write: may create). A read-only open of a
 * database without pvbench's tables fails. 0, or -1 with why.
 */
int store_open(struct store *st, const char *target, int write, char *why, size_t whylen)
    __attribute__((warn_unused_result));
/* The same, migrating only up to version (tests of migrations). */
int store_open_version(struct store *st, const char *target, int version, char *why, size_t whylen)
    __attribute__((warn_unused_result));
void store_close(struct store *st);

/* Raw SQL through the engine (tests, and the history reader). */
int store_query(struct store *st, const char *sql, const char *const *params, int nparams,
                store_row_fn fn, void *arg, char *why, size_t whylen)
    __attribute__((warn_unused_result));

/*
 * Record the run folder dir (run.json, samples.csv) with label (may be NULL). *added: 1
 * when recorded, 0 when a run with its run_id was already there (nothing changed).
 * 0, or -1 with why (nothing changed).
 */
int store_add_run_folder(struct store *st, const char *dir, const char *label, int *added,
                         char *why, size_t whylen) __attribute__((warn_unused_result));

/*
 * Open target for writing, record dir, close: what `pvbench run --db DB` calls when a run
 * ends. *added as above. 0, or -1 with why (the store unchanged).
 */
int store_record_run(const char *target, const char *dir, const char *label, int *added, char *why,
                     size_t whylen) __attribute__((warn_unused_result));

/* Every run, oldest first; *runs malloc'ed. 0 or -1. */
int store_list_runs(struct store *st, struct store_run **runs, size_t *n, char *why, size_t whylen)
    __attribute__((warn_unused_result));

/* The run whose run_id, label or folder is key into *r: 1 found, 0 not, -1 error. */
int store_find_run(struct store *st, const char *key, struct store_run *r, char *why, size_t whylen)
    __attribute__((warn_unused_result));

/* Remove the run (and its samples) whose run_id is run_id: 1 removed, 0 none, -1 error. */
int store_remove_run(struct store *st, const char *run_id, char *why, size_t whylen)
    __attribute__((warn_unused_result));

/* `pvbench db add|list|show|rm` (store_cli.c). */
int store_cli_main(int argc, char **argv);
extern const struct cli_spec store_cli;

#endif
