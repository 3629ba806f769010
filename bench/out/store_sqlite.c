/* The SQLite engine of the results store: one file, the default (store.h). */
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "store.h"
#include "util.h"

/* How long a writer waits for another process's transaction before giving up. */
#define STORE_SQLITE_BUSY_MS 30000

static int store_sqlite_claims(const char *target)
{
    return strncmp(target, "postgres://", 11) != 0 && strncmp(target, "postgresql://", 13) != 0 &&
           strncmp(target, "postgres:///", 12) != 0;
}

static int store_sqlite_open(struct store *st, const char *target, int create, char *why,
                             size_t whylen)
{
    sqlite3 *db = NULL;
    struct stat sb;
    int flags = SQLITE_OPEN_READWRITE;

    if (stat(target, &sb) < 0) {
        if (errno != ENOENT || !create) {
            util_seterr(why, whylen, "%s: %s", target,
                        errno == ENOENT ? "no such database (pvbench db add creates it)"
                                        : strerror(errno));
            return -1;
        }
        flags |= SQLITE_OPEN_CREATE;
    } else if (!S_ISREG(sb.st_mode)) {
        util_seterr(why, whylen, "%s: not a file", target);
        return -1;
    }
    if (sqlite3_open_v2(target, &db, flags, NULL) != SQLITE_OK) {
        util_seterr(why, whylen, "%s: %s", target, db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return -1;
    }
    sqlite3_busy_timeout(db, STORE_SQLITE_BUSY_MS);
    st->handle = db;
    return 0;
}

static void store_sqlite_close(struct store *st)
{
    sqlite3_close(st->handle);
    st->handle = NULL;
}

static int store_sqlite_query(struct store *st, const char *sql, const char *const *params,
                              int nparams, store_row_fn fn, void *arg, char *why, size_t whylen)
{
    sqlite3 *db = st->handle;
    sqlite3_stmt *stmt = NULL;
    const char *vals[64];
    char name[8];
    int i, idx, ncols, rc = -1, step;

    if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK) {
        util_seterr(why, whylen, "%s: %s", st->target, sqlite3_errmsg(db));
        return -1;
    }
    /* Parameters by name ($1, $2, ...): the SQL is the same text PostgreSQL reads. */
    for (i = 0; i < nparams; i++) {
        snprintf(name, sizeof(name), "$%d", i + 1);
        idx = sqlite3_bind_parameter_index(stmt, name);
        if (idx > 0 && sqlite3_bind_text(stmt, idx, params[i] ? params[i] : "", -1,
                                         SQLITE_TRANSIENT) != SQLITE_OK) {
            util_seterr(why, whylen, "%s: %s", st->target, sqlite3_errmsg(db));
            goto out;
        }
    }
    ncols = sqlite3_column_count(stmt);
    if (ncols > (int)(sizeof(vals) / sizeof(vals[0]))) {
        util_seterr(why, whylen, "a query of %d columns", ncols);
        goto out;
    }
    while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
        for (i = 0; i < ncols; i++) {
            vals[i] = (const char *)sqlite3_column_text(stmt, i);
        }
        if (fn && fn(arg, ncols, vals) < 0) {
            util_seterr(why, whylen, "%s: stopped while reading rows", st->target);
            goto out;
        }
    }
    if (step != SQLITE_DONE) {
        util_seterr(why, whylen, "%s: %s", st->target, sqlite3_errmsg(db));
        goto out;
    }
    rc = 0;
out:
    sqlite3_finalize(stmt);
    return rc;
}

static int store_sqlite_begin(struct store *st, int write, char *why, size_t whylen)
{
    /* IMMEDIATE takes the write lock now: two adders queue instead of deadlocking later. */
    return store_sqlite_query(st, write ? "BEGIN IMMEDIATE" : "BEGIN", NULL, 0, NULL, NULL, why,
                              whylen);
}

static int store_sqlite_check_row(void *arg, int ncols, const char *const *vals)
{
    char *first = arg;

    if (!first[0] && ncols > 0 && vals[0]) {
        util_strlcpy(first, vals[0], 256);
    }
    return 0;
}

/* quick_check reads every page: a truncated or damaged file shows here, before any change. */
static int store_sqlite_check(struct store *st, char *why, size_t whylen)
{
    char first[256] = "";

    if (store_sqlite_query(st, "PRAGMA quick_check", NULL, 0, store_sqlite_check_row, first, why,
                           whylen) < 0) {
        return -1;
    }
    if (strcmp(first, "ok") != 0) {
        util_seterr(why, whylen, "%s: damaged database (%s)", st->target, first);
        return -1;
    }
    return 0;
}

const struct store_ops store_sqlite_ops = {
    .name = "sqlite",
    .id_type = "INTEGER PRIMARY KEY",
    .claims = store_sqlite_claims,
    .open = store_sqlite_open,
    .close = store_sqlite_close,
    .begin = store_sqlite_begin,
    .query = store_sqlite_query,
    .tables_sql = "SELECT name FROM sqlite_master WHERE type = 'table'",
    .check = store_sqlite_check,
};
