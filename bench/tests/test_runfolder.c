/*
 * The run-folder reader: real run folders of every version read (fixtures/runfolder/v1,
 * fixtures/run-small), and each way a folder can be wrong gives its named error.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exitcode.h"
#include "runfolder.h"
#include "util.h"

static char fixture_dir[PATH_MAX];
static char tmp_dir[PATH_MAX];

static int setup(void **state)
{
    const char *file = __FILE__;
    const char *slash = strrchr(file, '/');

    (void)state;
    if (slash) {
        snprintf(fixture_dir, sizeof(fixture_dir), "%.*s/fixtures", (int)(slash - file), file);
    } else {
        snprintf(fixture_dir, sizeof(fixture_dir), "fixtures");
    }
    snprintf(tmp_dir, sizeof(tmp_dir), "/tmp/pvbench-test-runfolder-XXXXXX");
    return mkdtemp(tmp_dir) ? 0 : -1;
}

static int teardown(void **state)
{
    char cmd[PATH_MAX + 16];

    (void)state;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp_dir);
    return system(cmd) == 0 ? 0 : -1;
}

static char *read_fixture(const char *name)
{
    char path[PATH_MAX * 2];
    char *text;

    snprintf(path, sizeof(path), "%s/runfolder/v1/%s", fixture_dir, name);
    text = util_slurp(path, 1u << 20, NULL);
    assert_non_null(text);
    return text;
}

static void put(const char *dir, const char *name, const char *text, size_t len)
{
    char path[PATH_MAX * 2];

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    assert_int_equal(util_write_atomic(path, text, len), 0);
}

/*
 * A copy of the v1 fixture in tmp_dir/name, its run.json's "version":1 replaced by
 * version (unless 0: as it is), without samples.csv unless samples. The folder's path.
 */
static const char *make_folder(const char *name, int version, int samples)
{
    static char dir[PATH_MAX * 2];
    char *run = read_fixture("run.json");
    char *csv = read_fixture("samples.csv");
    char *sum = read_fixture("summary.csv");
    char *text = run;
    char *at = strstr(run, "\"version\":1,");
    char buf[8192];

    assert_non_null(at);
    snprintf(dir, sizeof(dir), "%s/%s", tmp_dir, name);
    assert_int_equal(util_mkdir_p(dir), 0);
    if (version) {
        snprintf(buf, sizeof(buf), "%.*s\"version\":%d,%s", (int)(at - run), run, version,
                 at + strlen("\"version\":1,"));
        text = buf;
    }
    put(dir, "run.json", text, strlen(text));
    if (samples) {
        put(dir, "samples.csv", csv, strlen(csv));
    }
    put(dir, "summary.csv", sum, strlen(sum));
    free(run);
    free(csv);
    free(sum);
    return dir;
}

/* The real run folder, version 1: every text the readers use, and its samples and summary. */
static void test_reads_real_v1(void **state)
{
    struct runfolder rf;
    char dir[PATH_MAX * 2];
    char err[RUNFOLDER_MSG_MAX];

    (void)state;
    snprintf(dir, sizeof(dir), "%s/runfolder/v1", fixture_dir);
    assert_int_equal(runfolder_read(dir, &rf, err, sizeof(err)), RUNFOLDER_OK);
    assert_string_equal(err, "");
    assert_int_equal(rf.version, 1);
    assert_string_equal(rf.format, "pvbench-run");
    assert_string_equal(rf.run_id, "496e8076");
    assert_string_equal(rf.scenario_name, "shape-blk");
    assert_string_equal(rf.accel_name, "none");
    assert_string_equal(rf.accel_reason, "process backend: no guest");
    assert_string_equal(rf.backend, "process");
    assert_string_equal(rf.host_cores, "2"); /* a number: its JSON text */
    assert_string_equal(rf.qemu_version, "none");
    assert_string_equal(rf.start, "2026-12-03T12:49:17Z");
    assert_string_equal(rf.host_baseline_status, ""); /* absent */
    assert_non_null(strstr(rf.scenario_resolved, "workloads = randread, seqwrite"));
    assert_int_equal(rf.n_configs, 2);
    assert_string_equal(rf.configs[0].config, "virtio-blk");
    assert_string_equal(rf.configs[0].qemu_device, "virtio-blk-pci");
    assert_string_equal(rf.configs[1].class_, "emulated");
    assert_string_equal(rf.configs[1].status, "ok");
    assert_string_equal(rf.configs[1].job_retries, "0");
    assert_string_equal(rf.configs[1].why_source, ""); /* null */
    assert_non_null(strstr(rf.configs_json, "[{\"config\":\"virtio-blk\","));
    assert_ptr_equal(strstr(rf.configs_json, "[{"), rf.configs_json);
    assert_int_equal(rf.n_hosts, 1);
    assert_string_equal(rf.hosts[0].backend, "process");
    assert_string_equal(rf.hosts[0].uri, ""); /* null */
    assert_string_equal(rf.hosts[0].local, "true");
    assert_string_equal(rf.hosts[0].accel_name, "none");
    assert_int_equal(rf.samples_err, RUNFOLDER_OK);
    assert_int_equal(rf.samples.n, 130);
    assert_int_equal(rf.samples_bad, 0);
    assert_string_equal(rf.samples.v[0].host, "vm");
    assert_int_equal(rf.summary_err, RUNFOLDER_OK);
    assert_true(rf.summary.n > 0);
    assert_string_equal(rf.summary.v[0].config, rf.samples.v[0].config);
    runfolder_free(&rf);
}

/* An older run folder (qemu backend, no "hosts"). */
static void test_reads_run_small(void **state)
{
    struct runfolder rf;
    char dir[PATH_MAX * 2];
    char err[RUNFOLDER_MSG_MAX];

    (void)state;
    snprintf(dir, sizeof(dir), "%s/run-small", fixture_dir);
    assert_int_equal(runfolder_read(dir, &rf, err, sizeof(err)), RUNFOLDER_OK);
    assert_string_equal(rf.qemu_version,
                        "QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)");
    assert_string_equal(rf.guest_kernel, "6.1.0-56-amd64");
    assert_int_equal(rf.n_configs, 2);
    assert_string_equal(rf.configs[0].guest_driver, "ata_piix");
    assert_int_equal(rf.n_hosts, 0);
    assert_null(rf.hosts);
    assert_true(rf.samples.n > 0);
    assert_int_equal(rf.summary_err, RUNFOLDER_OK);
    assert_true(rf.summary.n > 0);
    runfolder_free(&rf);
}

/* Every version from 1 to the current one is read; the next one is a named error. */
static void test_versions(void **state)
{
    struct runfolder rf;
    char err[RUNFOLDER_MSG_MAX];
    char name[32];
    const char *dir;

    (void)state;
    for (int v = 1; v <= RUNFOLDER_VERSION; v++) {
        snprintf(name, sizeof(name), "v%d", v);
        dir = make_folder(name, v, 1);
        assert_int_equal(runfolder_read(dir, &rf, err, sizeof(err)), RUNFOLDER_OK);
        assert_int_equal(rf.version, v);
        assert_string_equal(rf.run_id, "496e8076");
        runfolder_free(&rf);
    }
    dir = make_folder("newer", RUNFOLDER_VERSION + 1, 1);
    assert_int_equal(runfolder_read(dir, &rf, err, sizeof(err)), RUNFOLDER_NEWER);
    assert_non_null(strstr(err, "is newer than this pvbench reads"));
    assert_string_equal(err, rf.run_msg);
    /* Nothing of a run.json that is not read is kept; the samples are still there. */
    assert_string_equal(rf.run_id, "");
    assert_int_equal(rf.n_configs, 0);
    assert_string_equal(rf.configs_json, "");
    assert_int_equal(rf.samples_err, RUNFOLDER_OK);
    assert_true(rf.samples.n > 0);
    assert_int_equal(runfolder_exit_code(RUNFOLDER_NEWER), PVB_EXIT_USAGE);
    assert_string_equal(runfolder_strerror(RUNFOLDER_NEWER), "newer run format version");
    runfolder_free(&rf);

    dir = make_folder("below", -1, 1);
    assert_int_equal(runfolder_read(dir, &rf, err, sizeof(err)), RUNFOLDER_BAD_VERSION);
    runfolder_free(&rf);
}

static void test_foreign_format(void **state)
{
    struct runfolder rf;
    char err[RUNFOLDER_MSG_MAX];
    const char *dir = make_folder("foreign", 0, 1);
    static const char other[] = "{\"format\":\"fio\",\"version\":1}\n";
    static const char text[] = "{\"format\":\"pvbench-run\",\"version\":\"1\"}\n";

    (void)state;
    put(dir, "run.json", other, strlen(other));
    assert_int_equal(runfolder_read(dir, &rf, err, sizeof(err)), RUNFOLDER_FOREIGN);
    assert_non_null(strstr(err, "run.json: not a pvbench run (format is not \"pvbench-run\")"));
    runfolder_free(&rf);
    /* The version as a string is no version. */
    put(dir, "run.json", text, strlen(text));
    assert_int_equal(runfolder_read(dir, &rf, err, sizeof(err)), RUNFOLDER_BAD_VERSION);
    runfolder_free(&rf);
    put(dir, "run.json", "[1,2]", 5);
    assert_int_equal(runfolder_read(dir, &rf, err, sizeof(err)), RUNFOLDER_NOT_OBJECT);
    runfolder_free(&rf);
}

/* Cut mid-file (a crash while writing), or text after the object: named, with the line. */
static void test_truncated_json(void **state)
{
    struct runfolder rf;
    char err[RUNFOLDER_MSG_MAX];
    const char *dir = make_folder("truncated", 0, 1);
    char *run = read_fixture("run.json");
    size_t len = strlen(run);

    (void)state;
    put(dir, "run.json", run, len / 2);
    assert_int_equal(runfolder_read(dir, &rf, err, sizeof(err)), RUNFOLDER_TRUNCATED);
    assert_non_null(strstr(err, "run.json:"));
    assert_non_null(strstr(err, ": unexpected end of file"));
    assert_int_equal(runfolder_exit_code(RUNFOLDER_TRUNCATED), PVB_EXIT_USAGE);
    runfolder_free(&rf);
    put(dir, "run.json", "{\"format\":\"pvbench-run\",\"version\":1}\n}\n", 39);
    assert_int_equal(runfolder_read(dir, &rf, err, sizeof(err)), RUNFOLDER_SYNTAX);
    assert_non_null(strstr(err, "run.json:2: text after the end of the JSON object"));
    runfolder_free(&rf);
    free(run);
}

static void test_missing_files(void **state)
{
    struct runfolder rf;
    char err[RUNFOLDER_MSG_MAX];
    char path[PATH_MAX * 2];
    char from[PATH_MAX * 2];
    const char *dir = make_folder("nosamples", 0, 0);

    (void)state;
    assert_int_equal(runfolder_read(dir, &rf, err, sizeof(err)), RUNFOLDER_NO_SAMPLES);
    assert_non_null(strstr(err, "samples.csv: No such file or directory"));
    assert_int_equal(runfolder_exit_code(RUNFOLDER_NO_SAMPLES), PVB_EXIT_USAGE);
    /* run.json was read all the same. */
    assert_int_equal(rf.run_err, RUNFOLDER_OK);
    assert_string_equal(rf.scenario_name, "shape-blk");
    runfolder_free(&rf);

    /* A summary.csv in place of samples.csv: not a samples file. */
    snprintf(path, sizeof(path), "%s/samples.csv", dir);
    snprintf(from, sizeof(from), "%s/summary.csv", dir);
    assert_int_equal(util_copy_file(from, path), 0);
    assert_int_equal(runfolder_read(dir, &rf, err, sizeof(err)), RUNFOLDER_BAD_SAMPLES);
    assert_non_null(strstr(err, "not a pvbench samples file"));
    runfolder_free(&rf);

    /* Without summary.csv the folder is read; the summary's absence is noted. */
    assert_int_equal(unlink(from), 0);
    assert_int_equal(runfolder_read(dir, &rf, err, sizeof(err)), RUNFOLDER_BAD_SAMPLES);
    assert_int_equal(rf.summary_err, RUNFOLDER_NO_SUMMARY);
    assert_non_null(strstr(rf.summary_msg, "summary.csv: No such file or directory"));
    runfolder_free(&rf);

    snprintf(path, sizeof(path), "%s/run.json", dir);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(runfolder_read(dir, &rf, err, sizeof(err)), RUNFOLDER_NO_RUN);
    assert_non_null(strstr(err, "run.json: No such file or directory"));
    assert_int_equal(runfolder_exit_code(RUNFOLDER_NO_RUN), PVB_EXIT_USAGE);
    assert_int_equal(runfolder_exit_code(RUNFOLDER_NO_MEMORY), PVB_EXIT_FAILED);
    runfolder_free(&rf);

    snprintf(path, sizeof(path), "%s/not-there", tmp_dir);
    assert_int_equal(runfolder_read(path, &rf, err, sizeof(err)), RUNFOLDER_NO_DIR);
    assert_int_equal(runfolder_exit_code(RUNFOLDER_NO_DIR), PVB_EXIT_USAGE);
    runfolder_free(&rf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reads_real_v1),  cmocka_unit_test(test_reads_run_small),
        cmocka_unit_test(test_versions),       cmocka_unit_test(test_foreign_format),
        cmocka_unit_test(test_truncated_json), cmocka_unit_test(test_missing_files),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
