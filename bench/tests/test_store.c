/*
 * Unit tests of the results store (bench/out/store*.c) on run folders written here: add,
 * list, show, rm; adding twice changes nothing; two processes adding at once; a foreign,
 * newer, truncated or missing database is refused and left as it was; a version 1
 * database is migrated.
 *
 * Against SQLite (a file in a temporary folder) by default; with PVBENCH_TEST_DB set to a
 * PostgreSQL URI (bench/tests/fast/test_store_pg.sh starts a server), the same suite runs
 * against it, each test on emptied tables. The SQLite-only cases skip there.
 */
#include <fcntl.h>
#include <libpq-fe.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "results.h"
#include "store.h"
#include "util.h"

static char tmpdir[256];
static char dbname[512];
static const char *pg_uri;

/* A run folder dir/<name> with run_id id, nsamples iops samples of config cfg. */
static void write_run(const char *name, const char *id, const char *start, const char *cfg,
                      unsigned nsamples, double base, char *dir, size_t dirlen)
{
    char path[1024];
    FILE *f;
    unsigned i;

    snprintf(dir, dirlen, "%s/%s", tmpdir, name);
    assert_int_equal(util_mkdir_p(dir), 0);
    snprintf(path, sizeof(path), "%s/run.json", dir);
    f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f,
            "{\"format\":\"pvbench-run\",\"version\":1,\"pvbench_version\":\"0.1.0\","
            "\"git_revision\":\"abc1234\",\"run_id\":\"%s\",\"scenario\":{\"name\":\"t\","
            "\"resolved\":\"[scenario]\\nname = t\\n\"},\"host\":{\"hostname\":\"h1\","
            "\"cpu_model\":\"cpu\",\"cores\":2},\"qemu_version\":\"QEMU emulator version "
            "7.2.11\",\"guest_kernel\":\"6.1.0\",\"accelerator\":{\"name\":\"tcg\"},"
            "\"backend\":\"process\",\"start\":\"%s\",\"configs\":[{\"config\":\"%s\","
            "\"device\":\"%s\",\"machine\":\"pc\",\"status\":\"ok\"}],"
            "\"hosts\":[{\"libvirt_version\":\"9.0.0\"}]}\n",
            id, start, cfg, cfg);
    assert_int_equal(fclose(f), 0);
    snprintf(path, sizeof(path), "%s/samples.csv", dir);
    f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "%s\n", RESULTS_SAMPLES_HEADER);
    for (i = 0; i < nsamples; i++) {
        fprintf(f, "%s,%s,paravirtual,blk,randread,iops,IOPS,%u,%.3f,h1,0\n", cfg, cfg, i + 1,
                base + i);
    }
    assert_int_equal(fclose(f), 0);
}

/* Empty the PostgreSQL database of the test (libpq directly: it may hold foreign tables). */
static void pg_reset(void)
{
    PGconn *c = PQconnectdb(pg_uri);
    PGresult *r;

    assert_int_equal(PQstatus(c), CONNECTION_OK);
    r = PQexec(c, "SET client_min_messages TO warning; "
                  "DROP TABLE IF EXISTS samples, runs, schema_version, foreign_things");
    assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
    PQclear(r);
    PQfinish(c);
}

static void raw_pg(const char *sql)
{
    PGconn *c = PQconnectdb(pg_uri);
    PGresult *r;

    assert_int_equal(PQstatus(c), CONNECTION_OK);
    r = PQexec(c, sql);
    assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
    PQclear(r);
    PQfinish(c);
}

static int setup(void **state)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/pvbench-test-store.XXXXXX");
    if (!mkdtemp(tmpdir)) {
        return -1;
    }
    if (pg_uri) {
        snprintf(dbname, sizeof(dbname), "%s", pg_uri);
        pg_reset();
    } else {
        snprintf(dbname, sizeof(dbname), "%s/test.db", tmpdir);
    }
    return 0;
}

static int teardown(void **state)
{
    char cmd[300];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static int count_row(void *arg, int ncols, const char *const *vals)
{
    *(long *)arg = vals[0] ? atol(vals[0]) : -1;
    return 0;
}

static long count(struct store *st, const char *sql)
{
    char why[512];
    long n = -1;

    assert_int_equal(store_query(st, sql, NULL, 0, count_row, &n, why, sizeof(why)), 0);
    return n;
}

static void test_add_list_show_rm(void **state)
{
    struct store st;
    struct store_run *runs = NULL, r;
    char why[1024], a[512], b[512];
    size_t n = 0;
    int added = -1;

    write_run("a", "aaaa0001", "2026-01-01T00:00:00Z", "virtio-blk", 5, 100, a, sizeof(a));
    write_run("b", "bbbb0002", "2026-01-02T00:00:00Z", "ide", 3, 50, b, sizeof(b));
    assert_int_equal(store_open(&st, dbname, 1, why, sizeof(why)), 0);
    assert_int_equal(st.version, STORE_SCHEMA_VERSION);
    assert_int_equal(store_add_run_folder(&st, a, "v1", &added, why, sizeof(why)), 0);
    assert_int_equal(added, 1);
    assert_int_equal(store_add_run_folder(&st, b, NULL, &added, why, sizeof(why)), 0);
    assert_int_equal(added, 1);
    assert_int_equal(store_list_runs(&st, &runs, &n, why, sizeof(why)), 0);
    assert_int_equal(n, 2);
    assert_string_equal(runs[0].run_id, "aaaa0001");
    assert_string_equal(runs[0].label, "v1");
    assert_int_equal(runs[0].samples, 5);
    assert_string_equal(runs[0].qemu_version, "QEMU emulator version 7.2.11");
    assert_string_equal(runs[0].accelerator, "tcg");
    assert_string_equal(runs[0].git_revision, "abc1234");
    assert_string_equal(runs[1].run_id, "bbbb0002");
    assert_string_equal(runs[1].label, "");
    assert_int_equal(runs[1].samples, 3);
    free(runs);
    /* By label, by run id and by folder. */
    assert_int_equal(store_find_run(&st, "v1", &r, why, sizeof(why)), 1);
    assert_string_equal(r.run_id, "aaaa0001");
    assert_int_equal(store_find_run(&st, "bbbb0002", &r, why, sizeof(why)), 1);
    assert_int_equal(store_find_run(&st, b, &r, why, sizeof(why)), 1);
    assert_string_equal(r.run_id, "bbbb0002");
    assert_int_equal(store_find_run(&st, "nope", &r, why, sizeof(why)), 0);
    assert_int_equal(count(&st, "SELECT COUNT(*) FROM samples WHERE config = 'virtio-blk' AND "
                                "value >= 100 AND value <= 104"),
                     5);
    assert_int_equal(count(&st, "SELECT COUNT(*) FROM runs WHERE configs LIKE '%\"machine\"%'"), 2);
    assert_int_equal(store_remove_run(&st, "aaaa0001", why, sizeof(why)), 1);
    assert_int_equal(store_remove_run(&st, "aaaa0001", why, sizeof(why)), 0);
    assert_int_equal(count(&st, "SELECT COUNT(*) FROM runs"), 1);
    assert_int_equal(count(&st, "SELECT COUNT(*) FROM samples"), 3);
    store_close(&st);
}

static void test_add_twice_is_noop(void **state)
{
    struct store st;
    char why[1024], a[512];
    int added = -1;

    write_run("a", "aaaa0001", "2026-01-01T00:00:00Z", "virtio-blk", 4, 10, a, sizeof(a));
    assert_int_equal(store_open(&st, dbname, 1, why, sizeof(why)), 0);
    assert_int_equal(store_add_run_folder(&st, a, "first", &added, why, sizeof(why)), 0);
    assert_int_equal(added, 1);
    assert_int_equal(store_add_run_folder(&st, a, "second", &added, why, sizeof(why)), 0);
    assert_int_equal(added, 0);
    /* The one-call form `pvbench run --db` uses: also a no-op. */
    assert_int_equal(store_record_run(dbname, a, "third", &added, why, sizeof(why)), 0);
    assert_int_equal(added, 0);
    assert_int_equal(count(&st, "SELECT COUNT(*) FROM runs"), 1);
    assert_int_equal(count(&st, "SELECT COUNT(*) FROM runs WHERE label = 'first'"), 1);
    assert_int_equal(count(&st, "SELECT COUNT(*) FROM samples"), 4);
    store_close(&st);
}

static void test_bad_folder_changes_nothing(void **state)
{
    struct store st;
    char why[1024], a[512], path[600];
    int added = -1;
    FILE *f;

    write_run("a", "aaaa0001", "2026-01-01T00:00:00Z", "virtio-blk", 4, 10, a, sizeof(a));
    snprintf(path, sizeof(path), "%s/samples.csv", a);
    f = fopen(path, "a");
    assert_non_null(f);
    fputs("virtio-blk,virtio-blk,paravirtual,blk,randread,iops,IOPS,x,notanumber,h1\n", f);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(store_open(&st, dbname, 1, why, sizeof(why)), 0);
    assert_int_equal(store_add_run_folder(&st, a, NULL, &added, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "do not parse"));
    assert_int_equal(store_add_run_folder(&st, tmpdir, NULL, &added, why, sizeof(why)), -1);
    assert_int_equal(count(&st, "SELECT COUNT(*) FROM runs"), 0);
    assert_int_equal(count(&st, "SELECT COUNT(*) FROM samples"), 0);
    store_close(&st);
}

/* Two processes add the same three runs (in opposite orders) at once: each lands once. */
static void test_concurrent_adds(void **state)
{
    static const char *const ids[] = {"cccc0001", "cccc0002", "cccc0003"};
    char dirs[3][512], name[8], start[32], why[1024];
    struct store st;
    pid_t pid[2];
    int i, k, status, added;

    for (i = 0; i < 3; i++) {
        snprintf(name, sizeof(name), "c%d", i);
        snprintf(start, sizeof(start), "2026-01-0%dT00:00:00Z", i + 1);
        write_run(name, ids[i], start, "virtio-net", 50, 1000 * (i + 1), dirs[i], sizeof(dirs[i]));
    }
    for (k = 0; k < 2; k++) {
        pid[k] = fork();
        assert_true(pid[k] >= 0);
        if (pid[k] == 0) {
            int rc = 0;

            if (store_open(&st, dbname, 1, why, sizeof(why)) < 0) {
                fprintf(stderr, "child %d: %s\n", k, why);
                _exit(1);
            }
            for (i = 0; i < 3; i++) {
                if (store_add_run_folder(&st, dirs[k ? 2 - i : i], NULL, &added, why, sizeof(why)) <
                    0) {
                    fprintf(stderr, "child %d: %s\n", k, why);
                    rc = 1;
                }
            }
            store_close(&st);
            _exit(rc);
        }
    }
    for (k = 0; k < 2; k++) {
        assert_int_equal(waitpid(pid[k], &status, 0), pid[k]);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
    }
    assert_int_equal(store_open(&st, dbname, 0, why, sizeof(why)), 0);
    assert_int_equal(count(&st, "SELECT COUNT(*) FROM runs"), 3);
    assert_int_equal(count(&st, "SELECT COUNT(*) FROM samples"), 150);
    store_close(&st);
}

/* A database with other tables is not pvbench's: refused, not touched. */
static void test_foreign_database(void **state)
{
    struct store st;
    char why[1024], cmd[700];

    if (pg_uri) {
        raw_pg("CREATE TABLE foreign_things (a INTEGER)");
    } else {
        snprintf(cmd, sizeof(cmd), "sqlite3 '%s' 'CREATE TABLE foreign_things (a INTEGER)'",
                 dbname);
        if (system(cmd) != 0) {
            skip();
        }
    }
    assert_int_equal(store_open(&st, dbname, 1, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "not a pvbench results database"));
    assert_int_equal(store_open(&st, dbname, 0, why, sizeof(why)), -1);
    if (!pg_uri) {
        /* Still exactly the one foreign table. */
        snprintf(cmd, sizeof(cmd), "test \"$(sqlite3 '%s' .tables)\" = foreign_things", dbname);
        assert_int_equal(system(cmd), 0);
    }
}

static void test_newer_schema_refused(void **state)
{
    struct store st;
    char why[1024], a[512];
    int added;

    write_run("a", "aaaa0001", "2026-01-01T00:00:00Z", "virtio-blk", 2, 10, a, sizeof(a));
    assert_int_equal(store_open(&st, dbname, 1, why, sizeof(why)), 0);
    assert_int_equal(store_query(&st, "UPDATE schema_version SET version = 99", NULL, 0, NULL, NULL,
                                 why, sizeof(why)),
                     0);
    store_close(&st);
    assert_int_equal(store_open(&st, dbname, 1, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "newer"));
    assert_int_equal(store_open(&st, dbname, 0, why, sizeof(why)), -1);
    (void)added;
}

/* Version 1 (no label) with a run in it: opening for writing migrates it, the run stays. */
static void test_migrate_from_v1(void **state)
{
    struct store st;
    struct store_run r;
    char why[1024], b[512];
    const char *p[1] = {"/old"};
    int added = -1;

    assert_int_equal(store_open_version(&st, dbname, 1, why, sizeof(why)), 0);
    assert_int_equal(st.version, 1);
    assert_int_equal(count(&st, "SELECT MAX(version) FROM schema_version"), 1);
    /* A v1 store has no label column. */
    assert_int_equal(
        store_query(&st, "SELECT label FROM runs", NULL, 0, NULL, NULL, why, sizeof(why)), -1);
    assert_int_equal(store_query(&st,
                                 "INSERT INTO runs (run_id, folder, scenario, configs, resolved, "
                                 "qemu_version, guest_kernel, libvirt_version, host, host_class, "
                                 "accelerator, backend, git_revision, pvbench_version, "
                                 "start_time, added) VALUES ('old00001', $1, 't', '[]', '', "
                                 "'7.2', '6.1', '', 'h', 'c', 'tcg', 'qemu', 'r', '0.1.0', "
                                 "'2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z')",
                                 p, 1, NULL, NULL, why, sizeof(why)),
                     0);
    store_close(&st);
    /* A reader does not migrate: it says so. */
    assert_int_equal(store_open(&st, dbname, 0, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "schema version 1"));
    assert_int_equal(store_open(&st, dbname, 1, why, sizeof(why)), 0);
    assert_int_equal(st.version, 2);
    assert_int_equal(count(&st, "SELECT MAX(version) FROM schema_version"), 2);
    assert_int_equal(store_find_run(&st, "old00001", &r, why, sizeof(why)), 1);
    assert_string_equal(r.label, "");
    write_run("b", "bbbb0002", "2026-01-02T00:00:00Z", "ide", 3, 50, b, sizeof(b));
    assert_int_equal(store_add_run_folder(&st, b, "new", &added, why, sizeof(why)), 0);
    assert_int_equal(added, 1);
    assert_int_equal(count(&st, "SELECT COUNT(*) FROM runs"), 2);
    store_close(&st);
}

static int file_bytes(const char *path, char **buf, size_t *len)
{
    *buf = util_slurp(path, 64u << 20, len);
    return *buf ? 0 : -1;
}

/* SQLite: a file cut in half is refused by every command and left byte for byte as it was. */
static void test_truncated_file(void **state)
{
    struct store st;
    char why[1024], dir[512], name[8], start[32], id[16];
    char *before = NULL, *after = NULL;
    size_t lb = 0, la = 0;
    int i, added, fd;
    struct stat sb;

    if (pg_uri) {
        skip();
    }
    assert_int_equal(store_open(&st, dbname, 1, why, sizeof(why)), 0);
    for (i = 0; i < 4; i++) {
        snprintf(name, sizeof(name), "t%d", i);
        snprintf(id, sizeof(id), "dddd000%d", i);
        snprintf(start, sizeof(start), "2026-02-0%dT00:00:00Z", i + 1);
        write_run(name, id, start, "virtio-blk", 400, 10, dir, sizeof(dir));
        assert_int_equal(store_add_run_folder(&st, dir, NULL, &added, why, sizeof(why)), 0);
    }
    store_close(&st);
    assert_int_equal(stat(dbname, &sb), 0);
    fd = open(dbname, O_WRONLY);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, sb.st_size / 2), 0);
    close(fd);
    assert_int_equal(file_bytes(dbname, &before, &lb), 0);
    assert_int_equal(store_open(&st, dbname, 1, why, sizeof(why)), -1);
    assert_true(strstr(why, "malformed") || strstr(why, "damaged"));
    assert_int_equal(store_open(&st, dbname, 0, why, sizeof(why)), -1);
    assert_int_equal(file_bytes(dbname, &after, &la), 0);
    assert_int_equal(la, lb);
    assert_memory_equal(before, after, lb);
    free(before);
    free(after);
}

/* SQLite: garbage is "not a database"; a missing file is not created by a reader. */
static void test_not_a_database(void **state)
{
    struct store st;
    char why[1024];
    FILE *f;

    if (pg_uri) {
        skip();
    }
    assert_int_equal(store_open(&st, dbname, 0, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "no such database"));
    assert_int_not_equal(access(dbname, F_OK), 0);
    f = fopen(dbname, "w");
    assert_non_null(f);
    fputs("this is not SQLite, just some text that is long enough to look like a header\n", f);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(store_open(&st, dbname, 1, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "not a database"));
}

static void test_targets_and_ops(void **state)
{
    char out[1024], why[256];
    struct store_ops broken = store_sqlite_ops;

    assert_int_equal(store_check_ops(&store_sqlite_ops, why, sizeof(why)), 0);
    assert_int_equal(store_check_ops(&store_pg_ops, why, sizeof(why)), 0);
    broken.check = NULL;
    assert_int_equal(store_check_ops(&broken, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "check"));
    assert_true(store_pg_ops.claims("postgresql://u@h/db"));
    assert_true(store_pg_ops.claims("postgres:///db?host=/tmp/x"));
    assert_false(store_pg_ops.claims("/var/tmp/pvbench.db"));
    assert_true(store_sqlite_ops.claims("results.db"));
    assert_int_equal(store_resolve_target("x.db", out, sizeof(out)), 0);
    assert_string_equal(out, "x.db");
    unsetenv("PVBENCH_DB");
    setenv("PVBENCH_STATE_DIR", "/some/state", 1);
    assert_int_equal(store_resolve_target(NULL, out, sizeof(out)), 0);
    assert_string_equal(out, "/some/state/" STORE_DEFAULT_FILE);
    setenv("PVBENCH_DB", "/elsewhere.db", 1);
    assert_int_equal(store_resolve_target("", out, sizeof(out)), 0);
    assert_string_equal(out, "/elsewhere.db");
    unsetenv("PVBENCH_DB");
    /* What messages and pages show of a URI: never its password. */
    store_redact("postgresql://ann:s3cret@db.lab/pvb", out, sizeof(out));
    assert_string_equal(out, "postgresql://ann:***@db.lab/pvb");
    store_redact("postgresql://db.lab/pvb?user=ann&password=s3cret&sslmode=require", out,
                 sizeof(out));
    assert_string_equal(out, "postgresql://db.lab/pvb?user=ann&password=***&sslmode=require");
    store_redact("postgres:///pvb?host=/run/pg&password=x", out, sizeof(out));
    assert_string_equal(out, "postgres:///pvb?host=/run/pg&password=***");
    store_redact("/var/tmp/a:b@c.db", out, sizeof(out));
    assert_string_equal(out, "/var/tmp/a:b@c.db");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_add_list_show_rm, setup, teardown),
        cmocka_unit_test_setup_teardown(test_add_twice_is_noop, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_folder_changes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_adds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_foreign_database, setup, teardown),
        cmocka_unit_test_setup_teardown(test_newer_schema_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migrate_from_v1, setup, teardown),
        cmocka_unit_test_setup_teardown(test_truncated_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_a_database, setup, teardown),
        cmocka_unit_test(test_targets_and_ops),
    };

    pg_uri = getenv("PVBENCH_TEST_DB");
    if (pg_uri && !*pg_uri) {
        pg_uri = NULL;
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
