/* CPU time per QEMU thread role: roles from thread names, deltas over a fake /proc tree. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "threadcpu.h"

static char root[256];

static void put(const char *rel, const char *text)
{
    char path[512], dir[512], *slash;
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", root, rel);
    snprintf(dir, sizeof(dir), "%s", path);
    for (slash = dir + strlen(root) + 1; (slash = strchr(slash, '/')) != NULL; slash++) {
        *slash = '\0';
        mkdir(dir, 0755);
        *slash = '/';
    }
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* A thread of process 100 with its name and CPU nanoseconds. */
static void thread(int tid, const char *comm, unsigned long long ns)
{
    char rel[128], text[128];

    snprintf(rel, sizeof(rel), "100/task/%d/comm", tid);
    snprintf(text, sizeof(text), "%s\n", comm);
    put(rel, text);
    snprintf(rel, sizeof(rel), "100/task/%d/schedstat", tid);
    snprintf(text, sizeof(text), "%llu 5000 7\n", ns);
    put(rel, text);
}

/* The process's stat line with utime + stime = ticks (a comm with spaces and a ')'). */
static void process_ticks(unsigned long long ticks)
{
    char text[512];

    snprintf(text, sizeof(text),
             "100 (qemu (x) y) S 1 100 100 0 -1 4194560 100 0 0 0 %llu 0 0 0 20 0 9 0 5 0 0\n",
             ticks);
    put("100/stat", text);
}

static int setup(void **state)
{
    (void)state;
    snprintf(root, sizeof(root), "/tmp/pvb-threadcpu-XXXXXX");
    return mkdtemp(root) ? 0 : -1;
}

static int teardown(void **state)
{
    char cmd[300];

    (void)state;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
    return system(cmd) == 0 ? 0 : -1;
}

static void test_roles(void **state)
{
    (void)state;
    assert_int_equal(threadcpu_role_of("qemu-system-x86", 1), THREADCPU_MAIN);
    assert_int_equal(threadcpu_role_of("CPU 0/TCG", 0), THREADCPU_VCPU);
    assert_int_equal(threadcpu_role_of("CPU 11/KVM", 0), THREADCPU_VCPU);
    assert_int_equal(threadcpu_role_of("worker", 0), THREADCPU_IO);
    assert_int_equal(threadcpu_role_of("IO iothread0", 0), THREADCPU_IO);
    assert_int_equal(threadcpu_role_of("IO mon_iothread", 0), THREADCPU_OTHER);
    assert_int_equal(threadcpu_role_of("vhost-4242", 0), THREADCPU_VHOST);
    assert_int_equal(threadcpu_role_of("call_rcu", 0), THREADCPU_OTHER);
    assert_int_equal(threadcpu_role_of("CPUfoo", 0), THREADCPU_OTHER);
    assert_string_equal(threadcpu_role_name(THREADCPU_IO), "io");
}

static void test_delta(void **state)
{
    struct threadcpu_snap *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
    double role[THREADCPU_ROLES], total, ended;
    long hz = sysconf(_SC_CLK_TCK);

    (void)state;
    assert_non_null(a);
    assert_non_null(b);
    process_ticks(0);
    thread(100, "qemu-system-x86", 1000000000ull);
    thread(101, "call_rcu", 0);
    thread(102, "CPU 0/TCG", 2000000000ull);
    thread(103, "worker", 500000000ull); /* ends before the second snapshot */
    assert_int_equal(threadcpu_snap(root, 100, 0, a), 0);
    assert_int_equal(a->n, 4);
    assert_false(a->truncated);

    /* 1 s later: main +0.25 s, vCPU +0.5 s, a new worker 0.1 s, worker 103 gone */
    process_ticks((unsigned long long)hz); /* the process: +1 s in all */
    thread(100, "qemu-system-x86", 1250000000ull);
    thread(102, "CPU 0/TCG", 2500000000ull);
    thread(104, "worker", 100000000ull);
    {
        char cmd[400];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s/100/task/103'", root);
        assert_int_equal(system(cmd), 0);
    }
    /* a vhost kernel thread of this process (Linux before 6.4), and one of another */
    put("300/comm", "vhost-100\n");
    put("300/schedstat", "300000000 0 1\n");
    put("301/comm", "vhost-999\n");
    put("301/schedstat", "900000000 0 1\n");
    assert_int_equal(threadcpu_snap(root, 100, 1, b), 0);
    assert_int_equal(b->n, 5); /* 100, 101, 102, 104 and vhost 300 */

    threadcpu_delta(a, b, role, &total, &ended);
    assert_true(fabs(role[THREADCPU_MAIN] - 0.25) < 1e-9);
    assert_true(fabs(role[THREADCPU_VCPU] - 0.5) < 1e-9);
    assert_true(fabs(role[THREADCPU_IO] - 0.1) < 1e-9);     /* the new worker from 0 */
    assert_true(fabs(role[THREADCPU_VHOST] - 0.3) < 1e-9);  /* counted from 0 too */
    assert_true(fabs(role[THREADCPU_OTHER]) < 1e-9);
    assert_true(fabs(total - 1.0) < 1e-9);
    /* the process's 1 s minus its own threads' 0.85 s: the ended worker's last stretch */
    assert_true(fabs(ended - 0.15) < 1e-9);
    free(a);
    free(b);
}

static void test_gone(void **state)
{
    struct threadcpu_snap *s = calloc(1, sizeof(*s));

    (void)state;
    assert_non_null(s);
    assert_int_equal(threadcpu_snap(root, 12345, 0, s), -1);
    free(s);
}

/* The real /proc: this test process itself, one thread, its total matches util's reading. */
static void test_self(void **state)
{
    struct threadcpu_snap *s = calloc(1, sizeof(*s));
    volatile double x = 0;

    (void)state;
    assert_non_null(s);
    for (long i = 0; i < 20000000; i++) {
        x += (double)i * 1e-9;
    }
    assert_int_equal(threadcpu_snap(NULL, getpid(), 0, s), 0);
    assert_int_equal(s->n, 1);
    assert_int_equal(s->t[0].role, THREADCPU_MAIN);
    assert_true(s->total_s >= 0);
    assert_true(s->t[0].ns > 0);
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roles),
        cmocka_unit_test_setup_teardown(test_delta, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gone, setup, teardown),
        cmocka_unit_test(test_self),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
