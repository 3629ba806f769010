/* Unit tests of /proc/stat and /proc/interrupts parsing (procstat.c), on fixture files. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "procstat.h"

#ifndef PVB_AGENT_FIXTURES
#define PVB_AGENT_FIXTURES "guest-agent/tests/fixtures"
#endif

static char text[64 * 1024];

/* Load a fixture into text; the directory can be overridden by $PVB_AGENT_FIXTURES. */
static void load(const char *name)
{
    const char *dir = getenv("PVB_AGENT_FIXTURES");
    char path[1024];
    int ret;

    snprintf(path, sizeof(path), "%s/%s", dir ? dir : PVB_AGENT_FIXTURES, name);
    ret = procstat_read_file(path, text, sizeof(text));
    if (ret <= 0) {
        fail_msg("cannot read fixture %s: %s", path, strerror(-ret));
    }
}

static void test_cpu_fixture(void **state)
{
    struct procstat_cpu a, b;
    struct procstat_pct p;
    double sum;

    load("proc_stat_before.txt");
    assert_int_equal(procstat_parse_cpu(text, &a), 0);
    assert_int_equal(a.user, 1523);
    assert_int_equal(a.nice, 0);
    assert_int_equal(a.system, 4211);
    assert_int_equal(a.idle, 187654);
    assert_int_equal(a.iowait, 312);
    assert_int_equal(a.irq, 0);
    assert_int_equal(a.softirq, 845);
    assert_int_equal(a.steal, 17);
    load("proc_stat_after.txt");
    assert_int_equal(procstat_parse_cpu(text, &b), 0);

    /* deltas: user 40 system 180 idle 120 iowait -10 (counts 0) irq 20 softirq 40: 400 */
    assert_int_equal(procstat_cpu_pct(&a, &b, &p), 0);
    assert_float_equal(p.user, 10.0, 1e-9);
    assert_float_equal(p.nice, 0.0, 1e-9);
    assert_float_equal(p.system, 45.0, 1e-9);
    assert_float_equal(p.idle, 30.0, 1e-9);
    assert_float_equal(p.iowait, 0.0, 1e-9);
    assert_float_equal(p.irq, 5.0, 1e-9);
    assert_float_equal(p.softirq, 10.0, 1e-9);
    assert_float_equal(p.steal, 0.0, 1e-9);
    sum = p.user + p.nice + p.system + p.idle + p.iowait + p.irq + p.softirq + p.steal;
    assert_float_equal(sum, 100.0, 1e-9);
}

static void test_cpu_variants(void **state)
{
    struct procstat_cpu c;
    struct procstat_pct p;

    /* A 2.4-era line with four fields: the rest are 0. */
    assert_int_equal(procstat_parse_cpu("cpu  10 20 30 40\n", &c), 0);
    assert_int_equal(c.idle, 40);
    assert_int_equal(c.iowait, 0);
    assert_int_equal(c.steal, 0);
    /* The cpu line need not be first; cpu0 is not the aggregate. */
    assert_int_equal(procstat_parse_cpu("intr 5 1\ncpu0 1 2 3 4\ncpu  5 6 7 8 9\n", &c), 0);
    assert_int_equal(c.user, 5);
    assert_int_equal(c.iowait, 9);
    /* No final newline. */
    assert_int_equal(procstat_parse_cpu("cpu  1 2 3 4 5 6 7 8", &c), 0);
    assert_int_equal(c.steal, 8);
    assert_int_equal(procstat_parse_cpu("cpu0 1 2 3 4\n", &c), -EINVAL);
    assert_int_equal(procstat_parse_cpu("", &c), -EINVAL);
    assert_int_equal(procstat_parse_cpu("cpu  1 2\n", &c), -EINVAL);
    assert_int_equal(procstat_parse_cpu("cpu  x y z w\n", &c), -EINVAL);

    /* No tick elapsed: an error and all shares 0 (never NaN). */
    assert_int_equal(procstat_parse_cpu("cpu  1 2 3 4\n", &c), 0);
    assert_int_equal(procstat_cpu_pct(&c, &c, &p), -ERANGE);
    assert_true(p.user == 0.0 && p.idle == 0.0 && p.steal == 0.0);
}

static void test_irqs_virtio_blk(void **state)
{
    uint64_t sum;

    load("interrupts_pc_virtio_blk.txt");
    /* req.0 on CPU0 and req.1 on CPU1 */
    assert_int_equal(procstat_parse_irqs(text, "virtio0-req", &sum), 2);
    assert_int_equal(sum, 5120 + 4973);
    assert_int_equal(procstat_parse_irqs(text, "virtio0", &sum), 3);
    assert_int_equal(sum, 5120 + 4973);
    assert_int_equal(procstat_parse_irqs(text, "virtio", &sum), 3);
    /* ata_piix is present (legacy IDE of -M pc) but idle */
    assert_int_equal(procstat_parse_irqs(text, "ata_piix", &sum), 2);
    assert_int_equal(sum, 0);
    assert_int_equal(procstat_parse_irqs(text, "ttyS0", &sum), 1);
    assert_int_equal(sum, 611);
    /* Descriptions of the architecture lines take part too. */
    assert_int_equal(procstat_parse_irqs(text, "Local timer", &sum), 1);
    assert_int_equal(sum, 21234 + 19876);
    assert_int_equal(procstat_parse_irqs(text, "virtio7", &sum), 0);
    assert_int_equal(sum, 0);
    /* The label is not part of the description. */
    assert_int_equal(procstat_parse_irqs(text, "ERR", &sum), 0);
}

static void test_irqs_ide_one_cpu(void **state)
{
    uint64_t sum;

    load("interrupts_pc_ide.txt");
    assert_int_equal(procstat_parse_irqs(text, "ata_piix", &sum), 2);
    assert_int_equal(sum, 38211 + 7);
    assert_int_equal(procstat_parse_irqs(text, "14-edge", &sum), 1);
    assert_int_equal(sum, 38211);
}

static void test_irqs_ahci_virtio_scsi(void **state)
{
    uint64_t sum;

    load("interrupts_q35_ahci_virtio_scsi.txt");
    assert_int_equal(procstat_parse_irqs(text, "ahci", &sum), 1);
    assert_int_equal(sum, 1711 + 2290);
    assert_int_equal(procstat_parse_irqs(text, "virtio1-request", &sum), 1);
    assert_int_equal(sum, 834 + 95);
    assert_int_equal(procstat_parse_irqs(text, "virtio1", &sum), 4);
    assert_int_equal(sum, 834 + 95);
}

static void test_irqs_malformed(void **state)
{
    char big[4096];
    uint64_t sum;

    assert_int_equal(procstat_parse_irqs("", "virtio", &sum), -EINVAL);
    assert_int_equal(procstat_parse_irqs("garbage\nmore garbage\n", "virtio", &sum), -EINVAL);
    assert_int_equal(procstat_parse_irqs("  CPU0\n", "x", &sum), 0);
    assert_int_equal(procstat_parse_irqs("  CPU0\n 1: 5 virtio\n", "", &sum), -EINVAL);
    /* Header only, lines without a colon, short lines, a last line without newline. */
    assert_int_equal(procstat_parse_irqs("      CPU0       CPU1\n"
                                         "no colon here virtio\n"
                                         "ERR:\n"
                                         "MIS:          0\n"
                                         " 30:  7\n"
                                         " 31:  1  2  PCI-MSI 1-edge virtio3-req.0",
                                         "virtio3", &sum),
                     1);
    assert_int_equal(sum, 3);
    /* A description longer than the parser's buffer is cut, not overrun. */
    memset(big, 'x', sizeof(big));
    memcpy(big, "  CPU0\n 5:  9  ", 15);
    memcpy(big + sizeof(big) - 8, "virtio\n", 8);
    assert_true(procstat_parse_irqs(big, "virtio", &sum) >= 0);
    assert_int_equal(procstat_parse_irqs(big, "xxxx", &sum), 1);
    assert_int_equal(sum, 9);
}

static void test_read_file(void **state)
{
    char small[16];
    char path[1024];
    const char *dir = getenv("PVB_AGENT_FIXTURES");

    snprintf(path, sizeof(path), "%s/interrupts_pc_ide.txt", dir ? dir : PVB_AGENT_FIXTURES);
    assert_int_equal(procstat_read_file(path, small, sizeof(small)), -EFBIG);
    assert_int_equal(strlen(small), sizeof(small) - 1);
    assert_int_equal(procstat_read_file("/nonexistent/pvbench", small, sizeof(small)), -ENOENT);
}

static void test_live_proc(void **state)
{
    struct procstat_cpu c;
    uint64_t sum;

    /* The host's own /proc must parse as well (a Linux host runs these tests). */
    assert_int_equal(procstat_read_cpu(&c), 0);
    assert_true(c.user + c.system + c.idle > 0);
    assert_true(procstat_read_irqs("timer", &sum) >= 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cpu_fixture),
        cmocka_unit_test(test_cpu_variants),
        cmocka_unit_test(test_irqs_virtio_blk),
        cmocka_unit_test(test_irqs_ide_one_cpu),
        cmocka_unit_test(test_irqs_ahci_virtio_scsi),
        cmocka_unit_test(test_irqs_malformed),
        cmocka_unit_test(test_read_file),
        cmocka_unit_test(test_live_proc),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
