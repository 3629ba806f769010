/* Cleanup bookkeeping: what is registered is released, and nothing else. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "registry.h"
#include "util.h"

static char state_dir[256];

static int setup(void **state)
{
    (void)state;
    snprintf(state_dir, sizeof(state_dir), "/tmp/pvb-regtest-XXXXXX");
    if (!mkdtemp(state_dir)) {
        return -1;
    }
    setenv("PVBENCH_STATE_DIR", state_dir, 1);
    return 0;
}

static int teardown(void **state)
{
    char cmd[300];
    (void)state;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", state_dir);
    return system(cmd) == 0 ? 0 : -1;
}

static int exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

static void touch(const char *p)
{
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fclose(f);
}

static pid_t spawn_sleeper(void)
{
    pid_t pid = fork();
    if (pid == 0) {
        execlp("sleep", "sleep", "30", (char *)NULL);
        _exit(127);
    }
    assert_true(pid > 0);
    /* Let exec happen so the start time is stable. */
    usleep(50000);
    return pid;
}

static void test_release_all(void **state)
{
    char id[16], f1[512], f2[512];
    pid_t child;

    (void)state;
    assert_int_equal(registry_open(id, sizeof(id)), 0);
    assert_int_equal(strlen(id), 8);
    snprintf(f1, sizeof(f1), "%s/disk-a.img", registry_dir());
    snprintf(f2, sizeof(f2), "%s/ctl-a.sock", registry_dir());
    assert_int_equal(registry_add(REG_FILE, f1, NULL), 0);
    touch(f1);
    assert_int_equal(registry_add(REG_FILE, f2, NULL), 0);
    touch(f2);
    child = spawn_sleeper();
    assert_int_equal(registry_add_proc(child), 0);
    /* A forgotten entry is not released. */
    registry_forget(REG_FILE, f2);
    registry_release_all();
    assert_false(exists(f1));
    /* The sleeper was ended and reaped by the release. */
    assert_int_equal(waitpid(child, NULL, WNOHANG), -1);
    assert_int_equal(util_proc_starttime(child), 0);
    /* The forgotten file stays, so the run folder could not be removed. */
    assert_true(exists(f2));
    unlink(f2);
    assert_int_equal(rmdir(registry_dir()), 0);
}

/* A registry left by a dead harness is cleaned; a pid whose start time differs is not killed. */
static void test_cleanup_stale(void **state)
{
    char dir[512], reg[600], f1[600];
    pid_t dead, stranger, ours;
    FILE *f;

    (void)state;
    dead = fork();
    if (dead == 0) {
        _exit(0);
    }
    waitpid(dead, NULL, 0);
    stranger = spawn_sleeper();
    ours = spawn_sleeper();
    snprintf(dir, sizeof(dir), "%s/0badc0de", state_dir);
    assert_int_equal(mkdir(dir, 0700), 0);
    snprintf(f1, sizeof(f1), "%s/disk-x.img", dir);
    touch(f1);
    snprintf(reg, sizeof(reg), "%s/registry", dir);
    f = fopen(reg, "w");
    assert_non_null(f);
    fprintf(f, "harness %d 12345\n", (int)dead);
    fprintf(f, "file %s\n", f1);
    fprintf(f, "proc %d %llu\n", (int)stranger, util_proc_starttime(stranger) + 1);
    fprintf(f, "proc %d %llu\n", (int)ours, util_proc_starttime(ours));
    fclose(f);
    /* A folder that does not follow the run-id naming is never touched. */
    snprintf(reg, sizeof(reg), "%s/not-a-run", state_dir);
    assert_int_equal(mkdir(reg, 0700), 0);

    assert_int_equal(registry_cleanup_stale(0), 1);
    assert_false(exists(f1));
    assert_false(exists(dir));
    assert_true(exists(reg));
    /* ours was ended (and reaped: it is our child); the stranger (start time mismatch) lives. */
    assert_int_equal(util_proc_starttime(ours), 0);
    assert_int_equal(kill(stranger, 0), 0);
    kill(stranger, SIGKILL);
    waitpid(stranger, NULL, 0);
    rmdir(reg);
}

/* A run whose harness is alive is left alone. */
static void test_cleanup_skips_live_run(void **state)
{
    char dir[512], reg[600], f1[600];
    FILE *f;

    (void)state;
    snprintf(dir, sizeof(dir), "%s/0000beef", state_dir);
    assert_int_equal(mkdir(dir, 0700), 0);
    snprintf(f1, sizeof(f1), "%s/disk-y.img", dir);
    touch(f1);
    snprintf(reg, sizeof(reg), "%s/registry", dir);
    f = fopen(reg, "w");
    assert_non_null(f);
    fprintf(f, "harness %d %llu\nfile %s\n", (int)getpid(), util_proc_starttime(getpid()), f1);
    fclose(f);
    assert_int_equal(registry_cleanup_stale(0), 0);
    assert_true(exists(f1));
    unlink(f1);
    unlink(reg);
    rmdir(dir);
}

/* The libvirt kinds (volume, pool) go through their release hooks, newest first. */
static char hook_log[1024];

static int hook_volume(const char *id, const char *arg)
{
    snprintf(hook_log + strlen(hook_log), sizeof(hook_log) - strlen(hook_log), "volume %s %s;",
             id, arg);
    return 0;
}

static int hook_pool(const char *id, const char *arg)
{
    snprintf(hook_log + strlen(hook_log), sizeof(hook_log) - strlen(hook_log), "pool %s %s;", id,
             arg);
    return 0;
}

static void test_storage_kinds(void **state)
{
    char id[16], dir[512], reg[600];
    FILE *f;

    (void)state;
    registry_set_release_hook(REG_VOLUME, hook_volume);
    registry_set_release_hook(REG_POOL, hook_pool);
    hook_log[0] = '\0';
    assert_int_equal(registry_open(id, sizeof(id)), 0);
    assert_int_equal(registry_add(REG_POOL, "pvb-x", "qemu+tcp://h/system"), 0);
    assert_int_equal(registry_add(REG_VOLUME, "/p/pvb-x/pvb-x-vmlinux", "qemu+tcp://h/system"), 0);
    assert_int_equal(registry_add(REG_VOLUME, "/p/pvb-x/pvb-x-disk.img", "qemu+tcp://h/system"), 0);
    assert_int_equal(registry_add(REG_VOLUME, "/p/pvb-xy/other", "qemu+tcp://h/system"), 0);
    /* Forgetting what lies under a folder spares a folder whose name only starts alike. */
    registry_forget_under(REG_VOLUME, "/p/pvb-x");
    registry_release_all();
    assert_string_equal(hook_log, "volume /p/pvb-xy/other qemu+tcp://h/system;"
                                  "pool pvb-x qemu+tcp://h/system;");

    /* After a crash, `pvbench cleanup` reads the kinds back and releases them the same way. */
    hook_log[0] = '\0';
    snprintf(dir, sizeof(dir), "%s/0000f00d", state_dir);
    assert_int_equal(mkdir(dir, 0700), 0);
    snprintf(reg, sizeof(reg), "%s/registry", dir);
    f = fopen(reg, "w");
    assert_non_null(f);
    fprintf(f, "harness 0 0\npool pvb-y qemu:///system\nvolume /p/pvb-y/pvb-y-vmlinux "
               "qemu:///system\n");
    fclose(f);
    assert_int_equal(registry_cleanup_stale(0), 1);
    assert_string_equal(hook_log, "volume /p/pvb-y/pvb-y-vmlinux qemu:///system;"
                                  "pool pvb-y qemu:///system;");
    assert_false(exists(dir));
    registry_set_release_hook(REG_VOLUME, NULL);
    registry_set_release_hook(REG_POOL, NULL);
}

/* An unreachable host: the hook fails, so the object stays in the registry for a cleanup. */
static int hook_unreachable(const char *id, const char *arg)
{
    (void)id;
    return strstr(arg, "down") ? -1 : 0;
}

static void test_unreleased_stay(void **state)
{
    char id[16], reg[600], *text;
    size_t len = 0;

    (void)state;
    registry_set_release_hook(REG_DOMAIN, hook_unreachable);
    registry_set_release_hook(REG_VOLUME, hook_unreachable);
    registry_set_release_hook(REG_POOL, hook_unreachable);
    assert_int_equal(registry_open(id, sizeof(id)), 0);
    snprintf(reg, sizeof(reg), "%s/%s/registry", state_dir, id);
    assert_int_equal(registry_add(REG_POOL, "pvb-a", "qemu+tcp://down/system"), 0);
    assert_int_equal(registry_add(REG_VOLUME, "/p/pvb-a/v", "qemu+tcp://down/system"), 0);
    assert_int_equal(registry_add(REG_DOMAIN, "pvb-a-up", "qemu+tcp://up/system"), 0);
    assert_int_equal(registry_add(REG_DOMAIN, "pvb-a-down", "qemu+tcp://down/system"), 0);
    registry_release_all();
    text = util_slurp(reg, 1u << 16, &len);
    assert_non_null(text);
    assert_non_null(strstr(text, "domain pvb-a-down qemu+tcp://down/system\n"));
    assert_null(strstr(text, "pvb-a-up"));
    /* In their order of registration: the pool before its volume, released after it. */
    assert_non_null(strstr(text, "pool pvb-a qemu+tcp://down/system\nvolume /p/pvb-a/v"));
    free(text);
    /* Nothing left to keep: the registry and its folder go, as before. */
    assert_int_equal(registry_open(id, sizeof(id)), 0);
    snprintf(reg, sizeof(reg), "%s/%s", state_dir, id);
    assert_int_equal(registry_add(REG_DOMAIN, "pvb-b", "qemu+tcp://up/system"), 0);
    registry_release_all();
    assert_false(exists(reg));
    registry_set_release_hook(REG_DOMAIN, NULL);
    registry_set_release_hook(REG_VOLUME, NULL);
    registry_set_release_hook(REG_POOL, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_release_all),
        cmocka_unit_test(test_cleanup_stale),
        cmocka_unit_test(test_cleanup_skips_live_run),
        cmocka_unit_test(test_storage_kinds),
        cmocka_unit_test(test_unreleased_stay),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
