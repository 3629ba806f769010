/* The PostgreSQL engine of the results store, through libpq: one database for a team. */
#include <libpq-fe.h>
#include <stdio.h>
#include <string.h>

#include "store.h"
#include "util.h"

/* The advisory lock every writer holds for its transaction ("pvbe"). */
#define STORE_PG_LOCK "1886806629"

static int store_pg_claims(const char *target)
{
    return strncmp(target, "postgres://", 11) == 0 || strncmp(target, "postgresql://", 13) == 0 ||
           strncmp(target, "postgres:///", 12) == 0;
}

/* libpq's messages end with a newline: one line in why. */
static void store_pg_err(char *why, size_t whylen, const char *what, const char *msg)
{
    char line[512];

    util_strlcpy(line, msg ? msg : "unknown error", sizeof(line));
    util_rstrip(line);
    util_seterr(why, whylen, "%s: %s", what, line);
}

static int store_pg_open(struct store *st, const char *target, int create, char *why, size_t whylen)
{
    PGconn *c = PQconnectdb(target);

    if (!c || PQstatus(c) != CONNECTION_OK) {
        store_pg_err(why, whylen, "PostgreSQL", c ? PQerrorMessage(c) : "out of memory");
        PQfinish(c);
        return -1;
    }
    st->handle = c;
    return 0;
}

static void store_pg_close(struct store *st)
{
    PQfinish(st->handle);
    st->handle = NULL;
}

static int store_pg_query(struct store *st, const char *sql, const char *const *params, int nparams,
                          store_row_fn fn, void *arg, char *why, size_t whylen)
{
    PGresult *res = PQexecParams(st->handle, sql, nparams, NULL, params, NULL, NULL, 0);
    const char *vals[64];
    ExecStatusType s = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    int i, r, ncols, nrows, rc = -1;

    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
        store_pg_err(why, whylen, "PostgreSQL",
                     res ? PQresultErrorMessage(res) : PQerrorMessage(st->handle));
        goto out;
    }
    ncols = PQnfields(res);
    nrows = PQntuples(res);
    if (ncols > (int)(sizeof(vals) / sizeof(vals[0]))) {
        util_seterr(why, whylen, "a query of %d columns", ncols);
        goto out;
    }
    for (r = 0; fn && r < nrows; r++) {
        for (i = 0; i < ncols; i++) {
            vals[i] = PQgetisnull(res, r, i) ? NULL : PQgetvalue(res, r, i);
        }
        if (fn(arg, ncols, vals) < 0) {
            util_seterr(why, whylen, "PostgreSQL: stopped while reading rows");
            goto out;
        }
    }
    rc = 0;
out:
    PQclear(res);
    return rc;
}

static int store_pg_begin(struct store *st, int write, char *why, size_t whylen)
{
    if (store_pg_query(st, "BEGIN", NULL, 0, NULL, NULL, why, whylen) < 0) {
        return -1;
    }
    /* CREATE TABLE is not safe against a concurrent CREATE: writers take turns. */
    if (write && store_pg_query(st, "SELECT pg_advisory_xact_lock(" STORE_PG_LOCK ")", NULL, 0,
                                NULL, NULL, why, whylen) < 0) {
        return -1;
    }
    return 0;
}

/* The server keeps its own pages consistent: nothing to check cheaply from here. */
static int store_pg_check(struct store *st, char *why, size_t whylen)
{
    return 0;
}

const struct store_ops store_pg_ops = {
    .name = "postgresql",
    .id_type = "BIGSERIAL PRIMARY KEY",
    .claims = store_pg_claims,
    .open = store_pg_open,
    .close = store_pg_close,
    .begin = store_pg_begin,
    .query = store_pg_query,
    .tables_sql = "SELECT table_name FROM information_schema.tables "
                  "WHERE table_schema = current_schema()",
    .check = store_pg_check,
};
