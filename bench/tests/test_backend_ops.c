/* Unit tests of backend_ops.c: every table checked at start, capabilities and their ops. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include "backend.h"

static int no_start(const struct guest_spec *spec, struct guest *g, char *err, size_t errlen)
{
    return -1;
}

static double no_cpu(struct guest *g)
{
    return -1;
}

static int no_alive(struct guest *g)
{
    return 0;
}

static void no_stop(struct guest *g, double grace_s)
{
}

static int no_counters(struct guest *g, struct backend_counters *out)
{
    return -1;
}

static void test_real_tables(void **state)
{
    (void)state;
    assert_int_equal(backend_check_ops(&backend_qemu_ops), 0);
    assert_int_equal(backend_check_ops(&backend_libvirt_ops), 0);
    assert_int_equal(backend_check_ops(&backend_process_ops), 0);
    /* a process-backend guest that ends is not reported as QEMU */
    assert_string_not_equal(backend_process_ops.process_name, backend_qemu_ops.process_name);
    /* traced "why" jobs need QEMU's QMP and trace log: the direct backend has them */
    assert_true(backend_can(&backend_qemu_ops, BACKEND_CAP_WHY));
    assert_false(backend_can(&backend_qemu_ops, BACKEND_CAP_HOSTS));
    assert_true(backend_can(&backend_libvirt_ops,
                            BACKEND_CAP_COUNTERS | BACKEND_CAP_REMOTE_STORAGE | BACKEND_CAP_HOSTS));
    assert_false(backend_can(&backend_libvirt_ops, BACKEND_CAP_WHY));
    assert_false(backend_can(NULL, BACKEND_CAP_WHY));
    /* KVM's exit counters: QMP of its own (qemu), the domain's monitor (libvirt) */
    assert_true(backend_can(&backend_qemu_ops, BACKEND_CAP_KVM_STATS));
    assert_true(backend_can(&backend_libvirt_ops, BACKEND_CAP_KVM_STATS));
    assert_false(backend_can(&backend_process_ops, BACKEND_CAP_KVM_STATS));
}

/* A capability without its ops, or a table without a basic op, is refused at start. */
static void test_incomplete_tables(void **state)
{
    struct backend_ops t = {
        .name = "test",
        .process_name = "the test process",
        .start = no_start,
        .cpu_seconds = no_cpu,
        .alive = no_alive,
        .stop = no_stop,
    };

    (void)state;
    assert_int_equal(backend_check_ops(&t), 0);
    t.caps = BACKEND_CAP_COUNTERS;
    assert_int_equal(backend_check_ops(&t), -1);
    t.counters = no_counters;
    assert_int_equal(backend_check_ops(&t), 0);
    t.caps |= BACKEND_CAP_REMOTE_STORAGE;
    assert_int_equal(backend_check_ops(&t), -1);
    t.caps = BACKEND_CAP_KVM_STATS;
    assert_int_equal(backend_check_ops(&t), -1);
    t.caps = BACKEND_CAP_HOSTS;
    assert_int_equal(backend_check_ops(&t), -1);
    t.caps = 0;
    t.process_name = NULL; /* messages must be able to name what runs the guest */
    assert_int_equal(backend_check_ops(&t), -1);
    t.process_name = "the test process";
    t.stop = NULL;
    assert_int_equal(backend_check_ops(&t), -1);
}

static void test_describe_exit(void **state)
{
    char buf[128];

    (void)state;
    backend_describe_exit(3 << 8, buf, sizeof(buf));
    assert_string_equal(buf, "exited with status 3");
    backend_describe_exit(SIGKILL, buf, sizeof(buf));
    assert_non_null(strstr(buf, "killed by signal 9"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_real_tables),
        cmocka_unit_test(test_incomplete_tables),
        cmocka_unit_test(test_describe_exit),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
