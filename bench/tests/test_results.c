/* Unit tests of results.c: samples.csv round trip and tolerant reading, summaries, atomic I/O. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "csvread.h"
#include "results.h"

/* Fixtures sit next to this file; tests run from the project root (make unit). */
static char fixture_dir[PATH_MAX];
static char tmp_dir[PATH_MAX];

static const char *fixture(const char *name)
{
    static char path[PATH_MAX * 2];

    snprintf(path, sizeof(path), "%s/%s", fixture_dir, name);
    return path;
}

static const char *tmp_path(const char *name)
{
    static char path[PATH_MAX * 2];

    snprintf(path, sizeof(path), "%s/%s", tmp_dir, name);
    return path;
}

/* Whole file into a malloc'ed string (NULL if it cannot be read). */
static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    char *buf = NULL;
    long n;

    if (!f) {
        return NULL;
    }
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
        buf = calloc(1, (size_t)n + 1);
        if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
            free(buf);
            buf = NULL;
        }
    }
    fclose(f);
    return buf;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}

static int exists(const char *path)
{
    struct stat st;

    return lstat(path, &st) == 0;
}

static void make_sample(struct sample *s, const char *config, const char *workload,
                        const char *metric, unsigned rep, double value)
{
    memset(s, 0, sizeof(*s));
    snprintf(s->config, sizeof(s->config), "%s", config);
    snprintf(s->device, sizeof(s->device), "%s",
             strncmp(config, "ide", 3) ? "virtio-blk" : "ide-hd");
    snprintf(s->class_, sizeof(s->class_), "%s",
             strncmp(config, "ide", 3) ? "paravirtual" : "emulated");
    snprintf(s->kind, sizeof(s->kind), "blk");
    snprintf(s->workload, sizeof(s->workload), "%s", workload);
    snprintf(s->metric, sizeof(s->metric), "%s", metric);
    snprintf(s->unit, sizeof(s->unit), "%s", strcmp(metric, "iops") ? "us" : "IOPS");
    s->rep = rep;
    s->value = value;
}

static void assert_sample_equal(const struct sample *a, const struct sample *b)
{
    assert_string_equal(a->config, b->config);
    assert_string_equal(a->device, b->device);
    assert_string_equal(a->class_, b->class_);
    assert_string_equal(a->kind, b->kind);
    assert_string_equal(a->workload, b->workload);
    assert_string_equal(a->metric, b->metric);
    assert_string_equal(a->unit, b->unit);
    assert_int_equal(a->rep, b->rep);
    assert_true(a->value == b->value);
    assert_string_equal(a->host, b->host);
    assert_int_equal(a->boot, b->boot);
}

static int setup_dirs(void **state)
{
    const char *file = __FILE__;
    const char *slash = strrchr(file, '/');

    (void)state;
    if (slash) {
        snprintf(fixture_dir, sizeof(fixture_dir), "%.*s/fixtures/results", (int)(slash - file),
                 file);
    } else {
        snprintf(fixture_dir, sizeof(fixture_dir), "fixtures/results");
    }
    snprintf(tmp_dir, sizeof(tmp_dir), "/tmp/pvbench-test-results-XXXXXX");
    return mkdtemp(tmp_dir) ? 0 : -1;
}

static int teardown_dirs(void **state)
{
    char cmd[PATH_MAX + 16];

    (void)state;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp_dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* ---- CSV fields ---------------------------------------------------------------------------- */

static void test_csv_field(void **state)
{
    char out[64];
    char tiny[6];

    (void)state;
    results_csv_field(out, sizeof(out), "virtio-blk");
    assert_string_equal(out, "virtio-blk");
    results_csv_field(out, sizeof(out), "a,b");
    assert_string_equal(out, "\"a,b\"");
    results_csv_field(out, sizeof(out), "say \"hi\"");
    assert_string_equal(out, "\"say \"\"hi\"\"\"");
    results_csv_field(out, sizeof(out), "two\nlines");
    assert_string_equal(out, "\"two\nlines\"");
    results_csv_field(out, sizeof(out), "");
    assert_string_equal(out, "");
    /* Too small: cut, but still a closed quoted field. */
    results_csv_field(tiny, sizeof(tiny), "a,bcdef");
    assert_string_equal(tiny, "\"a,b\"");
    results_csv_field(tiny, sizeof(tiny), "\"\"\"");
    assert_string_equal(tiny, "\"\"\"\"");
}

/* ---- samples.csv --------------------------------------------------------------------------- */

static void test_samples_round_trip(void **state)
{
    struct sample_set set = {0};
    struct sample_set back = {0};
    struct sample s;
    char err[256];
    unsigned bad = 99;
    size_t i;
    const double values[] = {41234.5, 0.0, 1e-9, 123456789.0, 3.14159265, 7.0};

    (void)state;
    for (i = 0; i < 6; i++) {
        make_sample(&s, i % 2 ? "ide" : "virtio", "randread", i < 3 ? "iops" : "lat_p99",
                    (unsigned)i + 1, values[i]);
        assert_int_equal(samples_add(&set, &s), 0);
    }
    make_sample(&s, "odd, \"name\"", "rand,read", "iops", 4294967295u, 2.5);
    assert_int_equal(samples_add(&set, &s), 0);
    make_sample(&s, "virtio@hostB", "randread", "iops", 1, 9.5);
    snprintf(s.host, sizeof(s.host), "hostB");
    s.boot = 7;
    assert_int_equal(samples_add(&set, &s), 0);
    /* Many rows: the reader grows its array. */
    for (i = 0; i < 3000; i++) {
        make_sample(&s, "bulk", "seqread", "mib_s", (unsigned)i, (double)i * 0.25);
        assert_int_equal(samples_add(&set, &s), 0);
    }

    assert_int_equal(samples_write_csv(tmp_path("rt.csv"), &set), 0);
    assert_false(exists(tmp_path("rt.csv.tmp")));
    assert_int_equal(samples_read_csv(tmp_path("rt.csv"), &back, &bad, err, sizeof(err)), 0);
    assert_int_equal(bad, 0);
    assert_string_equal(err, "");
    assert_int_equal(back.n, set.n);
    for (i = 0; i < set.n; i++) {
        assert_sample_equal(&set.v[i], &back.v[i]);
    }
    assert_true(samples_has_cell(&back, "virtio", "randread", 3));
    assert_false(samples_has_cell(&back, "virtio", "randread", 2));
    assert_true(samples_has_cell(&back, "odd, \"name\"", "rand,read", 4294967295u));
    samples_free(&set);
    samples_free(&back);
    assert_null(back.v);
    assert_int_equal(back.n, 0);
}

static void test_samples_read_good_fixture(void **state)
{
    struct sample_set set = {0};
    char err[256];
    unsigned bad = 99;

    (void)state;
    assert_int_equal(samples_read_csv(fixture("good.csv"), &set, &bad, err, sizeof(err)), 0);
    assert_int_equal(bad, 0);
    assert_int_equal(set.n, 4);
    assert_string_equal(set.v[0].config, "virtio");
    assert_string_equal(set.v[0].class_, "paravirtual");
    assert_true(set.v[0].value == 41234.5);
    assert_int_equal(set.v[3].rep, 1);
    assert_string_equal(set.v[3].device, "ide-hd");
    assert_string_equal(set.v[0].host, ""); /* written before the host column */
    samples_free(&set);

    /* CRLF line ends (a file saved on Windows) read the same. */
    assert_int_equal(samples_read_csv(fixture("crlf.csv"), &set, &bad, err, sizeof(err)), 0);
    assert_int_equal(bad, 0);
    assert_int_equal(set.n, 1);
    assert_true(set.v[0].value == 41234.5);
    samples_free(&set);
}

/* The host column (several hosts: configurations are device@host), and files without it. */
static void test_samples_read_hosts(void **state)
{
    struct sample_set set = {0};
    struct sample s;
    char err[512], path[PATH_MAX];
    unsigned bad = 99;
    FILE *f;

    (void)state;
    assert_int_equal(samples_read_csv(fixture("hosts.csv"), &set, &bad, err, sizeof(err)), 0);
    /* A row of 9 columns under the 10-column header is a bad row, not a hostless one. */
    assert_int_equal(bad, 1);
    assert_non_null(strstr(err, "hosts.csv:6: 9 columns, expected 10"));
    assert_int_equal(set.n, 5);
    assert_string_equal(set.v[0].config, "ide@hostA");
    assert_string_equal(set.v[0].host, "hostA");
    assert_string_equal(set.v[3].host, "host-b.example.org"); /* quoted */
    assert_true(set.v[3].value == 39000.0);
    assert_string_equal(set.v[4].config, "host"); /* an empty host column */
    assert_string_equal(set.v[4].host, "");
    samples_free(&set);

    /* The header without host, rows with it: bad rows, named. */
    snprintf(path, sizeof(path), "%s", tmp_path("v1_extra.csv"));
    f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "%s\nide,ide,emulated,blk,randread,iops,IOPS,1,3120,hostA\n"
               "ide,ide,emulated,blk,randread,iops,IOPS,2,3121\n",
            RESULTS_SAMPLES_HEADER_V1);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(samples_read_csv(path, &set, &bad, err, sizeof(err)), 0);
    assert_int_equal(bad, 1);
    assert_int_equal(set.n, 1);
    assert_int_equal(set.v[0].rep, 2);
    assert_non_null(strstr(err, "v1_extra.csv:2: 10 columns, expected 9"));
    samples_free(&set);

    /* A host longer than a label is refused; writing one with a newline too. */
    f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "%s\nide,ide,emulated,blk,randread,iops,IOPS,1,3120,"
               "a-host-label-that-is-far-longer-than-thirty-two\n",
            RESULTS_SAMPLES_HEADER_V2);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(samples_read_csv(path, &set, &bad, err, sizeof(err)), 0);
    assert_int_equal(bad, 1);
    assert_non_null(strstr(err, "host longer than 32 characters"));
    samples_free(&set);
    make_sample(&s, "ide", "randread", "iops", 1, 1.0);
    snprintf(s.host, sizeof(s.host), "a\nb");
    assert_int_equal(samples_add(&set, &s), 0);
    assert_int_equal(samples_write_csv(tmp_path("nl.csv"), &set), -1);
    samples_free(&set);
}

/* The boot column: files without it (the host-column header) read as boot 0; a boot that is
 * not a number is a bad row. */
static void test_samples_read_boots(void **state)
{
    struct sample_set set = {0};
    char err[512], path[PATH_MAX];
    unsigned bad = 99;
    FILE *f;

    (void)state;
    assert_int_equal(samples_read_csv(fixture("hosts.csv"), &set, &bad, err, sizeof(err)), 0);
    assert_int_equal(set.n, 5);
    for (size_t i = 0; i < set.n; i++) {
        assert_int_equal(set.v[i].boot, 0);
    }
    samples_free(&set);
    snprintf(path, sizeof(path), "%s", tmp_path("boots.csv"));
    f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "%s\nide,ide,emulated,blk,randread,iops,IOPS,1,3120,,0\n"
               "ide,ide,emulated,blk,randread,iops,IOPS,2,3121,,1\n"
               "ide,ide,emulated,blk,randread,iops,IOPS,3,3122,,x\n"
               "ide,ide,emulated,blk,randread,iops,IOPS,4,3123,\n",
            RESULTS_SAMPLES_HEADER);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(samples_read_csv(path, &set, &bad, err, sizeof(err)), 0);
    assert_int_equal(bad, 2);
    assert_non_null(strstr(err, "boots.csv:4: boot 'x' is not a non-negative integer"));
    assert_int_equal(set.n, 2);
    assert_int_equal(set.v[0].boot, 0);
    assert_int_equal(set.v[1].boot, 1);
    samples_free(&set);
}

static void test_host_label(void **state)
{
    char out[RESULTS_HOST_MAX + 1];
    char small[6];

    (void)state;
    results_host_label(out, sizeof(out), "hostA");
    assert_string_equal(out, "hostA");
    results_host_label(out, sizeof(out), "host-b.example.org");
    assert_string_equal(out, "host-b.example.org");
    results_host_label(out, sizeof(out), "a/b c@d:e,f\"g");
    assert_string_equal(out, "a-b-c-d-e-f-g");
    results_host_label(out, sizeof(out), "");
    assert_string_equal(out, "unknown");
    results_host_label(out, sizeof(out), "..");
    assert_string_equal(out, "unknown");
    results_host_label(out, sizeof(out), NULL);
    assert_string_equal(out, "unknown");
    results_host_label(out, sizeof(out), "0123456789012345678901234567890123456789");
    assert_string_equal(out, "01234567890123456789012345678901");
    results_host_label(small, sizeof(small), "abcdefgh");
    assert_string_equal(small, "abcde");
}

static void test_samples_read_quoted(void **state)
{
    struct sample_set set = {0};
    char err[256];
    unsigned bad = 99;

    (void)state;
    assert_int_equal(samples_read_csv(fixture("quoted.csv"), &set, &bad, err, sizeof(err)), 0);
    assert_int_equal(bad, 0);
    assert_int_equal(set.n, 2);
    assert_string_equal(set.v[0].config, "ide, legacy");
    assert_string_equal(set.v[1].config, "say \"hi\"");
    assert_string_equal(set.v[1].workload, "rand,read");
    assert_true(set.v[1].value == 3121.0);
    samples_free(&set);
}

static void test_samples_read_bad_value(void **state)
{
    struct sample_set set = {0};
    char err[256];
    char want[PATH_MAX * 2 + 64];
    unsigned bad = 0;

    (void)state;
    assert_int_equal(samples_read_csv(fixture("bad_value.csv"), &set, &bad, err, sizeof(err)), 0);
    assert_int_equal(bad, 1);
    assert_int_equal(set.n, 2);
    assert_int_equal(set.v[0].rep, 1);
    assert_int_equal(set.v[1].rep, 3);
    snprintf(want, sizeof(want), "%s:3: value 'abc' is not a finite number",
             fixture("bad_value.csv"));
    assert_string_equal(err, want);
    samples_free(&set);
}

static void test_samples_read_truncated(void **state)
{
    struct sample_set set = {0};
    char err[256];
    unsigned bad = 0;

    (void)state;
    assert_int_equal(samples_read_csv(fixture("truncated.csv"), &set, &bad, err, sizeof(err)), 0);
    assert_int_equal(bad, 1);
    assert_int_equal(set.n, 2);
    assert_non_null(strstr(err, "truncated.csv:4: truncated line"));
    samples_free(&set);
}

static void test_samples_read_wrong_header(void **state)
{
    struct sample_set set = {0};
    char err[512];
    unsigned bad = 0;

    (void)state;
    assert_int_equal(samples_read_csv(fixture("wrong_header.csv"), &set, &bad, err, sizeof(err)),
                     -1);
    assert_int_equal(set.n, 0);
    assert_non_null(strstr(err, "wrong_header.csv:1:"));
    assert_non_null(strstr(err, "header"));

    assert_int_equal(samples_read_csv(fixture("empty.csv"), &set, &bad, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "empty.csv: empty file"));

    errno = 0;
    assert_int_equal(samples_read_csv(fixture("no-such-file.csv"), &set, &bad, err, sizeof(err)),
                     -1);
    assert_int_equal(errno, ENOENT);
    assert_non_null(strstr(err, "no-such-file.csv: "));
    assert_int_equal(set.n, 0);
}

static void test_samples_read_mixed_bad(void **state)
{
    struct sample_set set = {0};
    struct sample s;
    char err[256];
    unsigned bad = 0;

    (void)state;
    /* A failed read must not disturb samples already in the set... */
    make_sample(&s, "keep", "randread", "iops", 1, 1.0);
    assert_int_equal(samples_add(&set, &s), 0);
    assert_int_equal(samples_read_csv(fixture("wrong_header.csv"), &set, &bad, err, sizeof(err)),
                     -1);
    assert_int_equal(set.n, 1);
    /* ...and a successful one appends. */
    assert_int_equal(samples_read_csv(fixture("mixed_bad.csv"), &set, &bad, err, sizeof(err)), 0);
    assert_int_equal(bad, 14);
    assert_int_equal(set.n, 3);
    assert_string_equal(set.v[0].config, "keep");
    assert_int_equal(set.v[1].rep, 1);
    assert_true(set.v[1].value == 100.0);
    assert_int_equal(set.v[2].rep, 12); /* blanks around numbers are tolerated */
    assert_true(set.v[2].value == 200.0);
    assert_non_null(strstr(err, "mixed_bad.csv:3: 8 columns, expected 9"));
    /* No err buffer and no counter: still fine. */
    samples_free(&set);
    assert_int_equal(samples_read_csv(fixture("mixed_bad.csv"), &set, NULL, NULL, 0), 0);
    assert_int_equal(set.n, 2);
    samples_free(&set);
}

static void test_samples_read_long_and_nul_lines(void **state)
{
    struct sample_set set = {0};
    char err[256];
    char *text;
    size_t n;
    unsigned bad = 0;
    FILE *f;

    (void)state;
    /* A 10000-byte line between two good rows, then a row with a NUL byte. */
    n = 10000;
    text = malloc(n + 1);
    assert_non_null(text);
    memset(text, 'x', n);
    text[n] = '\0';
    f = fopen(tmp_path("long.csv"), "w");
    assert_non_null(f);
    fprintf(f, "%s\n", RESULTS_SAMPLES_HEADER_V1);
    fprintf(f, "a,b,c,blk,w,m,u,1,1\n");
    fprintf(f, "a,b,c,blk,w,m,u,2,%s\n", text);
    fwrite("a,b,c,blk,w,m,u,3,\0003\n", 1, 21, f);
    fprintf(f, "a,b,c,blk,w,m,u,4,4\n");
    assert_int_equal(fclose(f), 0);
    free(text);

    assert_int_equal(samples_read_csv(tmp_path("long.csv"), &set, &bad, err, sizeof(err)), 0);
    assert_int_equal(bad, 2);
    assert_int_equal(set.n, 2);
    assert_int_equal(set.v[0].rep, 1);
    assert_int_equal(set.v[1].rep, 4);
    assert_non_null(strstr(err, "long.csv:3: line longer than 4096 bytes"));
    samples_free(&set);
}

static void test_samples_write_rejects_bad_data(void **state)
{
    struct sample_set set = {0};
    struct sample s;

    (void)state;
    write_file(tmp_path("keep.csv"), "old\n");
    make_sample(&s, "virtio", "randread", "iops", 1, NAN);
    assert_int_equal(samples_add(&set, &s), 0);
    errno = 0;
    assert_int_equal(samples_write_csv(tmp_path("keep.csv"), &set), -1);
    assert_int_equal(errno, EINVAL);
    set.v[0].value = 1.0;
    snprintf(set.v[0].metric, sizeof(set.v[0].metric), "two\nlines");
    assert_int_equal(samples_write_csv(tmp_path("keep.csv"), &set), -1);
    assert_int_equal(errno, EINVAL);
    {
        char *old = slurp(tmp_path("keep.csv"));

        assert_non_null(old);
        assert_string_equal(old, "old\n");
        free(old);
    }
    assert_false(exists(tmp_path("keep.csv.tmp")));
    samples_free(&set);
}

/* ---- atomic writes ------------------------------------------------------------------------- */

static void test_atomic_write_replaces(void **state)
{
    char *got;

    (void)state;
    write_file(tmp_path("a.txt"), "old content\n");
    assert_int_equal(results_write_atomic(tmp_path("a.txt"), "new\n", 4), 0);
    got = slurp(tmp_path("a.txt"));
    assert_non_null(got);
    assert_string_equal(got, "new\n");
    free(got);
    assert_false(exists(tmp_path("a.txt.tmp")));

    /* Empty content is a valid (empty) file. */
    assert_int_equal(results_write_atomic(tmp_path("a.txt"), "", 0), 0);
    got = slurp(tmp_path("a.txt"));
    assert_non_null(got);
    assert_string_equal(got, "");
    free(got);
}

static void test_atomic_write_missing_dir(void **state)
{
    (void)state;
    errno = 0;
    assert_int_equal(results_write_atomic(tmp_path("no-such-dir/x.csv"), "x\n", 2), -1);
    assert_int_equal(errno, ENOENT);
    assert_false(exists(tmp_path("no-such-dir")));
}

static void test_atomic_write_tmp_blocked(void **state)
{
    char target[PATH_MAX * 2];
    char *got;

    (void)state;
    /* "<file>.tmp" is a folder: open fails, the old file stays as it was. */
    write_file(tmp_path("b.csv"), "precious\n");
    assert_int_equal(mkdir(tmp_path("b.csv.tmp"), 0755), 0);
    errno = 0;
    assert_int_equal(results_write_atomic(tmp_path("b.csv"), "clobber\n", 8), -1);
    assert_int_equal(errno, EISDIR);
    got = slurp(tmp_path("b.csv"));
    assert_non_null(got);
    assert_string_equal(got, "precious\n");
    free(got);
    assert_int_equal(rmdir(tmp_path("b.csv.tmp")), 0);

    /* A stale symlink at the tmp path is not followed. */
    snprintf(target, sizeof(target), "%s", tmp_path("elsewhere"));
    assert_int_equal(symlink(target, tmp_path("b.csv.tmp")), 0);
    errno = 0;
    assert_int_equal(results_write_atomic(tmp_path("b.csv"), "clobber\n", 8), -1);
    assert_int_equal(errno, ELOOP);
    assert_false(exists(target));
    assert_int_equal(unlink(tmp_path("b.csv.tmp")), 0);
}

static void test_atomic_write_full_disk(void **state)
{
    struct rlimit old;
    struct rlimit lim;
    char *big;
    char *got;
    void (*old_handler)(int);
    int rc;
    int err;

    (void)state;
    /*
     * A file size limit makes write() fail part way (EFBIG), like a full disk:
     * the old file must survive and the half-written tmp file must be gone.
     */
    write_file(tmp_path("c.csv"), "precious\n");
    big = malloc(1 << 16);
    assert_non_null(big);
    memset(big, 'z', 1 << 16);
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    lim = old;
    lim.rlim_cur = 4096;
    old_handler = signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    errno = 0;
    rc = results_write_atomic(tmp_path("c.csv"), big, 1 << 16);
    err = errno;
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, old_handler);
    free(big);
    assert_int_equal(rc, -1);
    assert_int_equal(err, EFBIG);
    got = slurp(tmp_path("c.csv"));
    assert_non_null(got);
    assert_string_equal(got, "precious\n");
    free(got);
    assert_false(exists(tmp_path("c.csv.tmp")));
}

/* ---- summaries ----------------------------------------------------------------------------- */

static void build_summary_input(struct sample_set *set)
{
    struct sample s;
    unsigned r;

    /* Interleaved on purpose: groups keep first-seen order regardless. */
    for (r = 1; r <= 5; r++) {
        make_sample(&s, "virtio", "randread", "iops", r, 1000.0 + r);
        assert_int_equal(samples_add(set, &s), 0);
        make_sample(&s, "ide", "randread", "iops", r, 100.0 + r);
        assert_int_equal(samples_add(set, &s), 0);
        make_sample(&s, "virtio", "randread", "lat_p99", r, 50.0);
        assert_int_equal(samples_add(set, &s), 0);
        make_sample(&s, "virtio", "seqread", "iops", r, 10.0 * r);
        assert_int_equal(samples_add(set, &s), 0);
    }
    make_sample(&s, "ide", "seqwrite", "iops", 1, 42.0);
    assert_int_equal(samples_add(set, &s), 0);
}

static void test_summary_compute(void **state)
{
    struct sample_set set = {0};
    struct summary_set sum;
    struct summary_set again;
    const struct summary_row *r;

    (void)state;
    build_summary_input(&set);
    assert_int_equal(summary_compute(&set, STATS_DEFAULT_SEED, &sum), 0);
    assert_int_equal(sum.n, 5);
    assert_string_equal(sum.v[0].config, "virtio");
    assert_string_equal(sum.v[0].metric, "iops");
    assert_string_equal(sum.v[1].config, "ide");
    assert_string_equal(sum.v[2].metric, "lat_p99");
    assert_string_equal(sum.v[3].workload, "seqread");
    assert_string_equal(sum.v[4].workload, "seqwrite");

    r = summary_find(&sum, "virtio", "randread", "iops");
    assert_ptr_equal(r, &sum.v[0]);
    assert_int_equal(r->st.n, 5);
    assert_true(r->st.median == 1003.0);
    assert_true(r->st.ci_low <= 1003.0 && r->st.ci_high >= 1003.0);
    assert_string_equal(r->unit, "IOPS");
    assert_string_equal(r->class_, "paravirtual");
    r = summary_find(&sum, "virtio", "randread", "lat_p99");
    assert_non_null(r);
    assert_true(r->st.median == 50.0 && r->st.ci_low == 50.0 && r->st.ci_high == 50.0);
    r = summary_find(&sum, "ide", "seqwrite", "iops");
    assert_non_null(r);
    assert_int_equal(r->st.n, 1);
    assert_null(summary_find(&sum, "ide", "seqwrite", "lat_p99"));

    /* Same seed, same numbers. */
    assert_int_equal(summary_compute(&set, STATS_DEFAULT_SEED, &again), 0);
    assert_int_equal(again.n, sum.n);
    assert_memory_equal(again.v, sum.v, sum.n * sizeof(*sum.v));
    summary_free(&again);
    summary_free(&sum);

    /* No samples, no rows. */
    set.n = 0;
    assert_int_equal(summary_compute(&set, 1, &sum), 0);
    assert_int_equal(sum.n, 0);
    summary_free(&sum);
    samples_free(&set);
}

/* Two samples (one quoted config, one with a host), their summary written to summary.csv. */
static void write_two_summaries(struct sample_set *set, struct summary_set *sum)
{
    struct sample s;

    make_sample(&s, "a,b", "randread", "iops", 1, 1234567.0);
    assert_int_equal(samples_add(set, &s), 0);
    make_sample(&s, "ide", "randread", "lat_p99", 1, 0.5);
    snprintf(s.host, sizeof(s.host), "hostA");
    assert_int_equal(samples_add(set, &s), 0);
    assert_int_equal(summary_compute(set, 1, sum), 0);
    assert_int_equal(summary_write_csv(tmp_path("summary.csv"), sum), 0);
}

static void test_summary_write_csv(void **state)
{
    struct sample_set set = {0};
    struct summary_set sum;
    char *got;

    (void)state;
    write_two_summaries(&set, &sum);
    got = slurp(tmp_path("summary.csv"));
    assert_non_null(got);
    assert_string_equal(got, RESULTS_SUMMARY_HEADER
                        "\n"
                        "\"a,b\",virtio-blk,paravirtual,blk,randread,iops,IOPS,1,"
                        "1.23457e+06,1.23457e+06,1.23457e+06,\n"
                        "ide,ide-hd,emulated,blk,randread,lat_p99,us,1,0.5,0.5,0.5,hostA\n");
    free(got);
    assert_false(exists(tmp_path("summary.csv.tmp")));
    summary_free(&sum);
    samples_free(&set);
}

/* The CSV reader itself: BOM and CRLF of a spreadsheet, columns by name, quoting, bad rows. */
static void test_csvread(void **state)
{
    struct csvread *c = malloc(sizeof(*c));
    char err[256];

    (void)state;
    assert_non_null(c);
    write_file(tmp_path("t.csv"), "\xef\xbb\xbf" "a,\"b c\",d\r\n"
                                  "1,\"x,\"\"y\"\"\",3\r\n"
                                  "\n"
                                  "1,x\"y,3\n"
                                  "4,5,6");
    assert_int_equal(csvread_open(c, tmp_path("t.csv"), err, sizeof(err)), 0);
    assert_false(c->empty);
    assert_true(csvread_header_is(c, "a,\"b c\",d"));
    assert_int_equal(c->ncols, 3);
    assert_int_equal(csvread_col(c, "b c"), 1);
    assert_int_equal(csvread_col(c, "d"), 2);
    assert_int_equal(csvread_col(c, "e"), -1);
    assert_int_equal(csvread_next(c), 1);
    assert_int_equal(c->nf, 3);
    assert_string_equal(c->fields[1], "x,\"y\"");
    assert_string_equal(c->fields[2], "3");
    assert_int_equal(csvread_next(c), 2); /* the blank line is skipped */
    assert_int_equal(c->lineno, 4);
    assert_string_equal(c->why, "quote inside an unquoted field");
    assert_int_equal(csvread_next(c), 2);
    assert_string_equal(c->why, "truncated line (no newline at end of file)");
    assert_int_equal(csvread_next(c), 0);
    csvread_close(c);

    write_file(tmp_path("empty.csv"), "");
    assert_int_equal(csvread_open(c, tmp_path("empty.csv"), err, sizeof(err)), 0);
    assert_true(c->empty);
    assert_false(csvread_header_is(c, ""));
    assert_int_equal(csvread_next(c), 0);
    csvread_close(c);

    errno = 0;
    assert_int_equal(csvread_open(c, tmp_path("none.csv"), err, sizeof(err)), -1);
    assert_int_equal(errno, ENOENT);
    assert_non_null(strstr(err, "none.csv: No such file or directory"));
    free(c);
}

/* summary.csv read back gives the rows written, strings quoted or not, host column or not. */
static void test_summary_read_csv(void **state)
{
    struct sample_set set = {0};
    struct summary_set sum, back = {0}, old = {0};
    unsigned bad = 7;
    char err[256];

    (void)state;
    write_two_summaries(&set, &sum);
    assert_int_equal(summary_read_csv(tmp_path("summary.csv"), &back, &bad, err, sizeof(err)), 0);
    assert_int_equal(bad, 0);
    assert_int_equal(back.n, 2);
    assert_string_equal(back.v[0].config, "a,b");
    assert_string_equal(back.v[0].host, "");
    assert_int_equal(back.v[0].st.n, 1);
    assert_true(fabs(back.v[0].st.median - 1.23457e+06) < 1e-6);
    assert_string_equal(back.v[1].unit, "us");
    assert_string_equal(back.v[1].host, "hostA");
    assert_true(back.v[1].st.ci_high == 0.5);

    /* A file of before the host column; a bad row is named and skipped, the rest read. */
    write_file(tmp_path("old.csv"), RESULTS_SUMMARY_HEADER_V1 "\n"
               "ide,ide-hd,emulated,blk,randread,iops,IOPS,2,100,90,110\n"
               "ide,ide-hd,emulated,blk,seqread,iops,IOPS,2,oops,90,110\n"
               "ide,ide-hd,emulated,blk,seqwrite,iops,IOPS,2,50,40,60\n");
    assert_int_equal(summary_read_csv(tmp_path("old.csv"), &old, &bad, err, sizeof(err)), 0);
    assert_int_equal(bad, 1);
    assert_non_null(strstr(err, "old.csv:3: median 'oops' is not a finite number"));
    assert_int_equal(old.n, 2);
    assert_string_equal(old.v[1].workload, "seqwrite");
    assert_string_equal(old.v[1].host, "");

    /* samples.csv is no summary: refused with EINVAL. */
    assert_int_equal(samples_write_csv(tmp_path("samples.csv"), &set), 0);
    errno = 0;
    assert_int_equal(summary_read_csv(tmp_path("samples.csv"), &old, &bad, err, sizeof(err)), -1);
    assert_int_equal(errno, EINVAL);
    assert_non_null(strstr(err, "not a pvbench summary file"));
    assert_int_equal(old.n, 2);
    summary_free(&old);
    summary_free(&back);
    summary_free(&sum);
    samples_free(&set);
}

static struct json_object *get(struct json_object *o, const char *key)
{
    struct json_object *v = NULL;

    assert_true(json_object_object_get_ex(o, key, &v));
    return v;
}

static void test_summary_write_json(void **state)
{
    struct sample_set set = {0};
    struct summary_set sum;
    struct json_object *root;
    struct json_object *configs;
    struct json_object *c;
    struct json_object *wls;
    struct json_object *w;
    struct json_object *m;

    (void)state;
    build_summary_input(&set);
    assert_int_equal(summary_compute(&set, STATS_DEFAULT_SEED, &sum), 0);
    assert_int_equal(summary_write_json(tmp_path("summary.json"), &sum), 0);
    assert_false(exists(tmp_path("summary.json.tmp")));
    root = json_object_from_file(tmp_path("summary.json"));
    assert_non_null(root);
    assert_string_equal(json_object_get_string(get(root, "format")), "pvbench-summary");
    assert_int_equal(json_object_get_int(get(root, "version")), RESULTS_FORMAT_VERSION);
    configs = get(root, "configs");
    assert_int_equal(json_object_array_length(configs), 2);

    c = json_object_array_get_idx(configs, 0);
    assert_string_equal(json_object_get_string(get(c, "config")), "virtio");
    assert_string_equal(json_object_get_string(get(c, "device")), "virtio-blk");
    assert_string_equal(json_object_get_string(get(c, "class")), "paravirtual");
    assert_string_equal(json_object_get_string(get(c, "kind")), "blk");
    wls = get(c, "workloads");
    assert_int_equal(json_object_array_length(wls), 2);
    w = json_object_array_get_idx(wls, 0);
    assert_string_equal(json_object_get_string(get(w, "workload")), "randread");
    assert_int_equal(json_object_array_length(get(w, "metrics")), 2);
    m = json_object_array_get_idx(get(w, "metrics"), 0);
    assert_string_equal(json_object_get_string(get(m, "metric")), "iops");
    assert_string_equal(json_object_get_string(get(m, "unit")), "IOPS");
    assert_int_equal(json_object_get_int(get(m, "n")), 5);
    assert_true(json_object_get_double(get(m, "median")) == 1003.0);
    assert_true(json_object_get_double(get(m, "ci95_low")) <= 1003.0);
    assert_true(json_object_get_double(get(m, "ci95_high")) >= 1003.0);
    assert_true(json_object_get_double(get(m, "cv")) > 0.0);

    c = json_object_array_get_idx(configs, 1);
    assert_string_equal(json_object_get_string(get(c, "config")), "ide");
    assert_string_equal(json_object_get_string(get(c, "host")), "");
    wls = get(c, "workloads");
    assert_int_equal(json_object_array_length(wls), 2);
    w = json_object_array_get_idx(wls, 1);
    assert_string_equal(json_object_get_string(get(w, "workload")), "seqwrite");

    json_object_put(root);
    summary_free(&sum);
    samples_free(&set);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_field),
        cmocka_unit_test(test_samples_round_trip),
        cmocka_unit_test(test_samples_read_good_fixture),
        cmocka_unit_test(test_samples_read_hosts),
        cmocka_unit_test(test_samples_read_boots),
        cmocka_unit_test(test_host_label),
        cmocka_unit_test(test_samples_read_quoted),
        cmocka_unit_test(test_samples_read_bad_value),
        cmocka_unit_test(test_samples_read_truncated),
        cmocka_unit_test(test_samples_read_wrong_header),
        cmocka_unit_test(test_samples_read_mixed_bad),
        cmocka_unit_test(test_samples_read_long_and_nul_lines),
        cmocka_unit_test(test_samples_write_rejects_bad_data),
        cmocka_unit_test(test_atomic_write_replaces),
        cmocka_unit_test(test_atomic_write_missing_dir),
        cmocka_unit_test(test_atomic_write_tmp_blocked),
        cmocka_unit_test(test_atomic_write_full_disk),
        cmocka_unit_test(test_summary_compute),
        cmocka_unit_test(test_summary_write_csv),
        cmocka_unit_test(test_summary_read_csv),
        cmocka_unit_test(test_csvread),
        cmocka_unit_test(test_summary_write_json),
    };

    return cmocka_run_group_tests(tests, setup_dirs, teardown_dirs);
}
