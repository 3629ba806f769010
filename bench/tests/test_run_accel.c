/*
 * Unit tests of run_accel.c's pure parts: how a KVM probe that timed out is told apart
 * (hung in early boot or only slow) from the console text it left, and the names run.json
 * records for each outcome.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "run_accel.h"

/* What this machine's QEMU printed when the kernel's decompressor never finished. */
static const char console_hung[] = "\033c\033[?7l\033[2J\033[0mSeaBIOS (version 1.16.2)\r\n\r\n"
                                   "Booting from ROM...\r\n"
                                   "Probing EDD (edd=off to disable)... ok\r\n";
/* A kernel that started (its banner at loglevel 6) but was not done in time. */
static const char console_slow[] = "Booting from ROM...\r\n"
                                   "Probing EDD (edd=off to disable)... ok\r\n"
                                   "[    0.000000] Linux version 6.1.0-28-amd64 (debian-kernel@"
                                   "lists.debian.org)\r\n"
                                   "[    0.000000] Command line: console=ttyS0 quiet\r\n";

static void test_verdict_hung(void **state)
{
    (void)state;
    assert_int_equal(run_accel_probe_verdict(console_hung, strlen(console_hung), 0),
                     RUN_PROBE_HUNG);
    /* nothing on the console at all: hung as well */
    assert_int_equal(run_accel_probe_verdict("", 0, 0), RUN_PROBE_HUNG);
    assert_int_equal(run_accel_probe_verdict(NULL, 0, 0), RUN_PROBE_HUNG);
}

static void test_verdict_slow(void **state)
{
    (void)state;
    /* the kernel's banner: the kernel started */
    assert_int_equal(run_accel_probe_verdict(console_slow, strlen(console_slow), 0),
                     RUN_PROBE_SLOW);
    /* a console still growing after the timeout is slow whatever it holds */
    assert_int_equal(run_accel_probe_verdict(console_hung, strlen(console_hung), 1),
                     RUN_PROBE_SLOW);
}

static void test_verdict_len_bounds(void **state)
{
    (void)state;
    /* the banner beyond len does not count: the text need not be NUL-terminated */
    assert_int_equal(run_accel_probe_verdict(console_slow, strlen(console_slow) - 120, 0),
                     RUN_PROBE_HUNG);
    assert_int_equal(run_accel_probe_verdict(console_slow, strlen(console_slow) - 90, 0),
                     RUN_PROBE_SLOW);
}

static void test_probe_names(void **state)
{
    (void)state;
    assert_string_equal(run_accel_probe_name(RUN_PROBE_NOT_RUN), "not-run");
    assert_string_equal(run_accel_probe_name(RUN_PROBE_OK), "ok");
    assert_string_equal(run_accel_probe_name(RUN_PROBE_NO_KVM), "no-kvm");
    assert_string_equal(run_accel_probe_name(RUN_PROBE_HUNG), "hung");
    assert_string_equal(run_accel_probe_name(RUN_PROBE_SLOW), "slow");
    assert_string_equal(run_accel_probe_name(RUN_PROBE_FAILED), "failed");
    assert_string_equal(run_accel_probe_name((enum run_probe_result)99), "?");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_verdict_hung),
        cmocka_unit_test(test_verdict_slow),
        cmocka_unit_test(test_verdict_len_bounds),
        cmocka_unit_test(test_probe_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
