/* QEMU and kernel versions: what is a version, the cache's names, its manifest, exit codes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exitcode.h"
#include "qemuver.h"
#include "util.h"

#define V10 "1:10.0.2+ds-2+deb13u1~bpo12+1"
#define V10_DIR "1%3a10.0.2+ds-2+deb13u1~bpo12+1"

static char tmp[64];

static int setup(void **state)
{
    (void)state;
    snprintf(tmp, sizeof(tmp), "/tmp/pvb-qemuver-XXXXXX");
    if (!mkdtemp(tmp)) {
        return -1;
    }
    setenv("PVBENCH_CACHE_DIR", tmp, 1);
    return 0;
}

static int teardown(void **state)
{
    char *argv[] = {"rm", "-rf", tmp, NULL};

    (void)state;
    unsetenv("PVBENCH_CACHE_DIR");
    unsetenv("PVBENCH_DATADIR");
    return util_run_capture(argv, NULL, 0, 30.0) == 0 ? 0 : -1;
}

static void write_file(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(chmod(path, mode), 0);
}

/* A cache folder as scripts/fetch-debian leaves it; complete: with its marker. */
static void make_cache_dir(const char *dir, int complete)
{
    char path[512];

    assert_int_equal(util_mkdir_p(dir), 0);
    snprintf(path, sizeof(path), "%s/qemuver.txt", dir);
    write_file(path,
               "version=" V10 "\n"
               "packages=qemu-system-x86=" V10 " qemu-system-common=" V10 "\n"
               "qemu=QEMU emulator version 10.0.2\n"
               "binary=root/usr/bin/qemu-system-x86_64\n"
               "firmware=root/usr/share/qemu:root/usr/share/seabios\n"
               "libpath=root/usr/lib/x86_64-linux-gnu\n"
               "moduledir=root/usr/lib/x86_64-linux-gnu/qemu\n",
               0644);
    if (complete) {
        snprintf(path, sizeof(path), "%s/.complete", dir);
        write_file(path, "", 0644);
    }
}

static void test_is_version(void **state)
{
    (void)state;
    assert_true(qemuver_is_version(V10));
    assert_true(qemuver_is_version("1:7.2+dfsg-7+deb12u15"));
    assert_true(qemuver_is_version("6.12.95-1~bpo12+1"));
    assert_false(qemuver_is_version("qemu-system-x86_64"));
    assert_false(qemuver_is_version("/usr/bin/qemu-system-x86_64"));
    assert_false(qemuver_is_version("./qemu"));
    assert_false(qemuver_is_version("10/qemu"));
    assert_false(qemuver_is_version("1:7.2 dfsg"));
    assert_false(qemuver_is_version(""));
    assert_false(qemuver_is_version(NULL));
}

static void test_dir_name(void **state)
{
    char buf[64];

    (void)state;
    assert_int_equal(qemuver_dir_name(V10, buf, sizeof(buf)), 0);
    assert_string_equal(buf, V10_DIR);
    assert_int_equal(qemuver_dir_name("6.12.95-1~bpo12+1", buf, sizeof(buf)), 0);
    assert_string_equal(buf, "6.12.95-1~bpo12+1");
    /* "1%3a" needs 4 bytes and the NUL one more */
    assert_int_equal(qemuver_dir_name("1:2", buf, 5), -1);
    assert_int_equal(qemuver_dir_name("1:2", buf, 6), 0);
    assert_string_equal(buf, "1%3a2");
}

static void test_manifest(void **state)
{
    char dir[256], err[512];
    struct qemuver q;

    (void)state;
    snprintf(dir, sizeof(dir), "%s/m", tmp);
    make_cache_dir(dir, 0);
    /* without its marker a folder is half made: never read */
    assert_int_equal(qemuver_read_manifest(dir, &q, err, sizeof(err)), -1);
    assert_non_null(strstr(err, ".complete"));
    make_cache_dir(dir, 1);
    assert_int_equal(qemuver_read_manifest(dir, &q, err, sizeof(err)), 0);
    assert_string_equal(q.version, V10);
    assert_string_equal(q.qemu, "QEMU emulator version 10.0.2");
    assert_non_null(strstr(q.packages, "qemu-system-common=" V10));
    assert_int_equal(strncmp(q.binary, dir, strlen(dir)), 0);
    assert_string_equal(q.binary + strlen(dir), "/root/usr/bin/qemu-system-x86_64");
    assert_int_equal(strncmp(q.data_dirs, dir, strlen(dir)), 0);
    assert_non_null(strstr(q.data_dirs, "/root/usr/share/qemu:"));
    assert_non_null(strstr(q.data_dirs, "/m/root/usr/share/seabios"));
    assert_string_equal(q.lib_path + strlen(dir), "/root/usr/lib/x86_64-linux-gnu");
    assert_string_equal(q.module_dir + strlen(dir), "/root/usr/lib/x86_64-linux-gnu/qemu");
}

static void test_manifest_refuses_escape(void **state)
{
    char dir[256], path[300], err[512];
    struct qemuver q;

    (void)state;
    snprintf(dir, sizeof(dir), "%s/bad", tmp);
    make_cache_dir(dir, 1);
    snprintf(path, sizeof(path), "%s/qemuver.txt", dir);
    write_file(path, "version=1:1\nbinary=/usr/bin/qemu-system-x86_64\n", 0644);
    assert_int_equal(qemuver_read_manifest(dir, &q, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "binary="));
    write_file(path, "version=1:1\nbinary=root/../../x\n", 0644);
    assert_int_equal(qemuver_read_manifest(dir, &q, err, sizeof(err)), -1);
    write_file(path, "version=1:1\n", 0644);
    assert_int_equal(qemuver_read_manifest(dir, &q, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "no binary="));
}

static void test_resolve_path(void **state)
{
    struct qemuver q;
    char err[256];

    (void)state;
    assert_int_equal(qemuver_resolve("qemu-system-x86_64", &q, err, sizeof(err)), PVB_EXIT_OK);
    assert_string_equal(q.binary, "qemu-system-x86_64");
    assert_string_equal(q.data_dirs, "");
    assert_string_equal(q.lib_path, "");
    assert_string_equal(q.version, "");
    assert_int_equal(qemuver_resolve("/opt/q/bin/qemu", &q, err, sizeof(err)), PVB_EXIT_OK);
    assert_string_equal(q.binary, "/opt/q/bin/qemu");
    assert_int_equal(qemuver_resolve("", &q, err, sizeof(err)), PVB_EXIT_USAGE);
}

static void test_resolve_cached(void **state)
{
    char dir[256], err[256];
    struct qemuver q;

    (void)state;
    /* no fetch script at all: a complete cache folder needs none */
    setenv("PVBENCH_DATADIR", "/nonexistent", 1);
    snprintf(dir, sizeof(dir), "%s/qemu/%s", tmp, V10_DIR);
    make_cache_dir(dir, 1);
    assert_int_equal(qemuver_resolve(V10, &q, err, sizeof(err)), PVB_EXIT_OK);
    assert_string_equal(q.version, V10);
    assert_string_equal(q.binary + strlen(dir), "/root/usr/bin/qemu-system-x86_64");
}

/* A stand-in for scripts/fetch-debian that answers as apt would, with exit code code. */
static void fake_script(const char *words, int code)
{
    char dir[256], path[300], text[512];

    snprintf(dir, sizeof(dir), "%s/data/scripts", tmp);
    assert_int_equal(util_mkdir_p(dir), 0);
    snprintf(path, sizeof(path), "%s/fetch-debian", dir);
    snprintf(text, sizeof(text),
             "#!/bin/sh\necho \"$@\" >\"%s/args\"\necho 'Reading package lists...'\n"
             "echo \"%s\" >&2\nexit %d\n",
             tmp, words, code);
    write_file(path, text, 0755);
    snprintf(dir, sizeof(dir), "%s/data", tmp);
    setenv("PVBENCH_DATADIR", dir, 1);
}

static void test_resolve_exit_codes(void **state)
{
    char err[512], path[300], *args;
    struct qemuver q;

    (void)state;
    fake_script("E: Version '1:9.9-1' for 'qemu-system-x86' was not found", 2);
    assert_int_equal(qemuver_resolve("1:9.9-1", &q, err, sizeof(err)), PVB_EXIT_USAGE);
    /* apt's own words reach the user */
    assert_non_null(strstr(err, "E: Version '1:9.9-1' for 'qemu-system-x86' was not found"));
    assert_null(strstr(err, "Reading package lists"));
    snprintf(path, sizeof(path), "%s/args", tmp);
    args = util_slurp(path, 4096, NULL);
    assert_non_null(args);
    assert_non_null(strstr(args, "qemu 1:9.9-1"));
    assert_non_null(strstr(args, "--cache"));
    free(args);

    fake_script("fetch-debian: error: the Debian archive cannot be reached", 4);
    assert_int_equal(qemuver_resolve("1:9.9-1", &q, err, sizeof(err)), PVB_EXIT_SKIPPED);
    assert_non_null(strstr(err, "cannot be reached"));

    fake_script("fetch-debian: error: dpkg-deb -x failed", 1);
    assert_int_equal(qemuver_resolve("1:9.9-1", &q, err, sizeof(err)), PVB_EXIT_FAILED);

    /* exit 0 without a complete folder is not a success */
    fake_script("", 0);
    assert_int_equal(qemuver_resolve("1:9.9-2", &q, err, sizeof(err)), PVB_EXIT_FAILED);
    assert_non_null(strstr(err, ".complete"));
}

static void test_kernel_resolve(void **state)
{
    char dir[512], err[256], path[600], *args;

    (void)state;
    assert_int_equal(qemuver_kernel_resolve("/img/guest", dir, sizeof(dir), err, sizeof(err)),
                     PVB_EXIT_OK);
    assert_string_equal(dir, "/img/guest");
    snprintf(path, sizeof(path), "%s/guest-kernel-6.12.95-1~bpo12+1", tmp);
    assert_int_equal(util_mkdir_p(path), 0);
    snprintf(path, sizeof(path), "%s/guest-kernel-6.12.95-1~bpo12+1/.complete", tmp);
    write_file(path, "", 0644);
    setenv("PVBENCH_AGENT", "/bin/true", 1); /* any file: the stand-in script ignores it */
    fake_script("", 0);
    assert_int_equal(
        qemuver_kernel_resolve("6.12.95-1~bpo12+1", dir, sizeof(dir), err, sizeof(err)),
        PVB_EXIT_OK);
    snprintf(path, sizeof(path), "%s/guest-kernel-6.12.95-1~bpo12+1", tmp);
    assert_string_equal(dir, path);
    snprintf(path, sizeof(path), "%s/args", tmp);
    args = util_slurp(path, 4096, NULL);
    assert_non_null(args);
    assert_non_null(strstr(args, "kernel 6.12.95-1~bpo12+1 --agent /bin/true --pvbench /"));
    free(args);
    /* no such version: apt's words, exit 2; and nothing is taken from a folder without
     * its marker */
    fake_script("E: Version '6.12.0-1' for 'linux-image-amd64' was not found", 2);
    assert_int_equal(qemuver_kernel_resolve("6.12.0-1", dir, sizeof(dir), err, sizeof(err)),
                     PVB_EXIT_USAGE);
    assert_non_null(strstr(err, "'6.12.0-1' for 'linux-image-amd64' was not found"));
    fake_script("", 0);
    assert_int_equal(qemuver_kernel_resolve("6.12.0-2", dir, sizeof(dir), err, sizeof(err)),
                     PVB_EXIT_FAILED);
    unsetenv("PVBENCH_AGENT");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_is_version),
        cmocka_unit_test(test_dir_name),
        cmocka_unit_test(test_manifest),
        cmocka_unit_test(test_manifest_refuses_escape),
        cmocka_unit_test(test_resolve_path),
        cmocka_unit_test(test_resolve_cached),
        cmocka_unit_test(test_resolve_exit_codes),
        cmocka_unit_test(test_kernel_resolve),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
