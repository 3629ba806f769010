/* Unit tests of metric.c's display names and units: what charts, tables and the report show. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "metric.h"

static void test_table_complete(void **state)
{
    (void)state;
    assert_int_equal(metric_check_table(), 0);
    for (unsigned i = 0; i < metric_count(); i++) {
        const struct metric *m = metric_at(i);

        /* A display name is words, not the identifier. */
        assert_non_null(m->label);
        assert_null(strchr(m->label, '_'));
        assert_string_not_equal(m->label, m->name);
    }
}

static void test_label_per_op_noun(void **state)
{
    char buf[64];

    (void)state;
    assert_string_equal(metric_label("host_cpu_us_per_op", "randread", buf, sizeof(buf)),
                        "host CPU per operation");
    /* A stream's "op" is one Mbit (record.c): the same number as host_cpu_us_per_mbit. */
    assert_string_equal(metric_label("host_cpu_us_per_op", "tcp_tx", buf, sizeof(buf)),
                        "host CPU per Mbit");
    assert_string_equal(metric_label("host_cpu_us_per_op", "tcp_rx", buf, sizeof(buf)),
                        metric_label("host_cpu_us_per_mbit", "tcp_rx", buf, sizeof(buf)));
    assert_string_equal(metric_label("guest_cpu_us_per_op", "tcp_rr", buf, sizeof(buf)),
                        "guest CPU per transaction");
    assert_string_equal(metric_label("irqs_per_op", "udp_pps", buf, sizeof(buf)),
                        "interrupts per datagram");
    assert_string_equal(metric_label("iops", NULL, buf, sizeof(buf)), "I/O operations per second");
    assert_string_equal(metric_label("lat_mean_us", "tcp_tx", buf, sizeof(buf)), "mean latency");
    assert_string_equal(metric_label("no_such_metric", NULL, buf, sizeof(buf)), "no_such_metric");
    /* a preset's name or an rw: a custom workload is named by its rw, its name says nothing */
    assert_string_equal(metric_label("host_cpu_us_per_op", "randread_qd1", buf, sizeof(buf)),
                        "host CPU per operation");
    assert_string_equal(metric_label("host_cpu_us_per_op", "tx4", buf, sizeof(buf)),
                        "host CPU per operation");
    assert_string_equal(metric_label("host_cpu_us_per_op", "randrw", buf, sizeof(buf)),
                        "host CPU per operation");
    /* in the language in use: English here (no catalogue chosen) */
    assert_string_equal(metric_label_i18n("host_cpu_us_per_op", "tcp_tx", buf, sizeof(buf)),
                        "host CPU per Mbit");
    assert_string_equal(metric_unit_i18n("transactions_s", "tcp_rr", buf, sizeof(buf)),
                        "transactions/s");
}

static void test_unit_shown(void **state)
{
    char buf[32];

    (void)state;
    assert_string_equal(metric_unit_shown("lat_p99_us", "randread", buf, sizeof(buf)), "µs");
    assert_string_equal(metric_unit_shown("throughput_mib_s", NULL, buf, sizeof(buf)), "MiB/s");
    assert_string_equal(metric_unit_shown("throughput_mbit_s", "tcp_tx", buf, sizeof(buf)),
                        "Mbit/s");
    assert_string_equal(metric_unit_shown("iops", "randread", buf, sizeof(buf)), "IOPS");
    assert_string_equal(metric_unit_shown("transactions_s", "tcp_rr", buf, sizeof(buf)),
                        "transactions/s");
    assert_string_equal(metric_unit_shown("irqs_per_op", "tcp_tx", buf, sizeof(buf)), "irq/Mbit");
    assert_string_equal(metric_unit_shown("irqs_per_op", "seqread", buf, sizeof(buf)), "irq/op");
    assert_string_equal(metric_unit_shown("no_such_metric", NULL, buf, sizeof(buf)), "?");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_complete),
        cmocka_unit_test(test_label_per_op_noun),
        cmocka_unit_test(test_unit_shown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
