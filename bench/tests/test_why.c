/*
 * "Why" metrics: trace-line parsing on lines captured from QEMU 7.2 (fixtures/why/),
 * per-device region matching, counting, bounded streaming, why.json.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka needs the four headers above first */
#include <cmocka.h>

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "devmodel.h"
#include "why.h"

#ifndef PVB_DATADIR
#define PVB_DATADIR "."
#endif
#define FIXTURES PVB_DATADIR "/bench/tests/fixtures/why"

static const struct devmodel *dev(const char *name)
{
    const struct devmodel *d = devmodel_find(name);

    assert_non_null(d);
    return d;
}

static void test_parse_real_lines(void **state)
{
    struct why_line l;

    (void)state;
    assert_int_equal(why_parse_line("memory_region_ops_write cpu 0 mr 0x5578c7f02070 addr 0x1f7 "
                                    "value 0xc8 size 1 name 'ide'",
                                    &l),
                     0);
    assert_int_equal(l.kind, WHY_LINE_WRITE);
    assert_int_equal(l.cpu, 0);
    assert_int_equal(l.addr, 0x1f7);
    assert_int_equal(l.value, 0xc8);
    assert_int_equal(l.size, 1);
    assert_string_equal(l.region, "ide");

    assert_int_equal(why_parse_line("memory_region_ops_read cpu 0 mr 0x561c8bd9ed70 addr "
                                    "0xfebf8004 value 0x30006e54 size 4 name "
                                    "'virtio-pci-common-virtio-blk'",
                                    &l),
                     0);
    assert_int_equal(l.kind, WHY_LINE_READ);
    assert_int_equal(l.addr, 0xfebf8004);
    assert_int_equal(l.size, 4);
    assert_string_equal(l.region, "virtio-pci-common-virtio-blk");

    /* MSI delivery by QEMU itself: no vCPU */
    assert_int_equal(why_parse_line("memory_region_ops_write cpu -1 mr 0x55b7bfea25e0 addr "
                                    "0xfee01004 value 0x26 size 4 name 'apic-msi'",
                                    &l),
                     0);
    assert_int_equal(l.cpu, -1);
    assert_string_equal(l.region, "apic-msi");

    assert_int_equal(why_parse_line("virtio_queue_notify vdev 0x55b7c0a38ec0 n 0 vq "
                                    "0x7feebe6d8010",
                                    &l),
                     0);
    assert_int_equal(l.kind, WHY_LINE_KICK);
    assert_int_equal(l.vdev, 0x55b7c0a38ec0ull);
    assert_int_equal(l.queue, 0);
    assert_int_equal(
        why_parse_line("virtio_notify_irqfd vdev 0x55b7c0a38ec0 vq 0x7feebe6d8010", &l), 0);
    assert_int_equal(l.kind, WHY_LINE_VIRTIO_IRQ);
    assert_int_equal(why_parse_line("virtio_notify vdev 0x55b7c0a38ec0 vq 0x7feebe6d8010", &l), 0);
    assert_int_equal(l.kind, WHY_LINE_VIRTIO_IRQ);
}

static void test_parse_timestamp_prefix(void **state)
{
    struct why_line l;

    (void)state;
    /* -msg timestamp=on puts "pid@sec.usec:" in front */
    assert_int_equal(why_parse_line("4321@1732600000.123456:memory_region_ops_read cpu 1 mr "
                                    "0x1 addr 0x3f6 value 0x50 size 1 name 'ide'",
                                    &l),
                     0);
    assert_int_equal(l.cpu, 1);
    assert_string_equal(l.region, "ide");
}

static void test_parse_rejects(void **state)
{
    static const char *const bad[] = {
        "",
        "garbage",
        "memory_region_ops_read",
        "memory_region_ops_read cpu 0",
        /* cut short: no closing quote */
        "memory_region_ops_write cpu 0 mr 0x1 addr 0x1f7 value 0xc8 size 1 name 'id",
        /* 17 hex digits do not fit */
        "memory_region_ops_write cpu 0 mr 0x1 addr 0x11111111111111111 value 0x0 size 1 name 'x'",
        "memory_region_ops_write cpu 99999999999 mr 0x1 addr 0x1 value 0x0 size 1 name 'x'",
        "memory_region_ops_write cpu -2 mr 0x1 addr 0x1 value 0x0 size 1 name 'x'",
        "memory_region_ops_write cpu 0 mr (nil) addr 0x1 value 0x0 size 1 name 'x'",
        "memory_region_ops_write cpu 0 mr 0x1 addr 1f7 value 0x0 size 1 name 'x'",
        "memory_region_ops_write cpu 0 mr 0x1 addr 0x1 value 0x0 size 1 name x",
        "virtio_queue_notify vdev 0x1 vq 0x2",
        "virtio_notify vdev nope",
        "memory_region_subpage_read cpu 0 mr 0x1 offset 0x0 value 0x0 size 1",
        "123@:memory_region_ops_read cpu 0 mr 0x1 addr 0x1 value 0x0 size 1 name",
        NULL,
    };
    struct why_line l;

    (void)state;
    for (const char *const *b = bad; *b; b++) {
        if (why_parse_line(*b, &l) == 0) {
            fail_msg("accepted: %s", *b);
        }
    }
    assert_int_equal(why_parse_line(NULL, &l), -1);
}

static void test_long_region_name(void **state)
{
    char line[400], name[200];
    struct why_line l;
    struct why_counts c;

    (void)state;
    memset(name, 'a', sizeof(name) - 1);
    name[sizeof(name) - 1] = '\0';
    snprintf(line, sizeof(line),
             "memory_region_ops_read cpu 0 mr 0x1 addr 0x1 value 0x0 size 1 name '%s'", name);
    assert_int_equal(why_parse_line(line, &l), 0);
    assert_true(l.region_truncated);
    assert_int_equal(strlen(l.region), WHY_REGION_MAX - 1);
    memset(&c, 0, sizeof(c));
    why_counts_add(&c, dev("ide"), &l);
    assert_int_equal(c.other_accesses, 1);
}

static void test_region_matching(void **state)
{
    static const struct {
        const char *model, *region;
        int match;
    } cases[] = {
        {"ide", "ide", 1},
        {"ide", "piix-bmdma", 1},
        {"ide", "bmdma", 1},
        {"ide", "serial", 0},
        {"ide", "apic-msi", 0},
        {"ide", "virtio-pci-common-virtio-blk", 0},
        {"ahci", "ahci", 1},
        {"ahci", "ahci-idp", 1},
        {"ahci", "ide", 0},
        {"virtio-blk", "virtio-pci-common-virtio-blk", 1},
        {"virtio-blk", "virtio-pci-isr-virtio-blk", 1},
        {"virtio-blk", "virtio-pci-device-virtio-blk", 1},
        {"virtio-blk", "virtio-pci-notify-virtio-blk", 1},
        {"virtio-blk", "virtio-pci-notify-pio-virtio-blk", 1},
        {"virtio-blk", "virtio-pci", 1},
        {"virtio-blk", "msix-table", 1},
        {"virtio-blk", "msix-pba", 1},
        {"virtio-blk", "virtio-pci-common-virtio-scsi", 0},
        {"virtio-blk", "ide", 0},
        {"virtio-blk", "pci-conf-data", 0},
        {"virtio-scsi", "virtio-pci-isr-virtio-scsi", 1},
        {"virtio-scsi", "virtio-pci-common-virtio-blk", 0},
        {"rtl8139", "rtl8139", 1},
        {"rtl8139", "e1000-mmio", 0},
        {"e1000", "e1000-mmio", 1},
        {"e1000", "e1000-io", 1},
        {"e1000", "e1000e-mmio", 0},
        {"e1000e", "e1000e-mmio", 1},
        {"e1000e", "e1000-mmio", 0},
        {"e1000e", "msix-table", 1},
        {"virtio-net", "virtio-pci-common-virtio-net", 1},
        {"virtio-net", "virtio-pci-device-virtio-blk", 0},
        /* QEMU 7.2's names (info mtree): nvme-bar0 and vmxnet3-msix-bar are containers */
        {"nvme", "nvme", 1},
        {"nvme", "msix-table", 1},
        {"nvme", "nvme-bar0", 0},
        {"nvme", "ahci", 0},
        {"vmxnet3", "vmxnet3-b0", 1},
        {"vmxnet3", "vmxnet3-b1", 1},
        {"vmxnet3", "msix-pba", 1},
        {"vmxnet3", "vmxnet3-msix-bar", 0},
        {"vmxnet3", "e1000e-mmio", 0},
        {"e1000e", "vmxnet3-b0", 0},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct devmodel *d = devmodel_find(cases[i].model);
        if (!d) {
            continue; /* a model not in this build's table */
        }
        if (why_region_matches(d, cases[i].region) != cases[i].match) {
            fail_msg("%s / %s: expected %d", cases[i].model, cases[i].region, cases[i].match);
        }
    }
    assert_true(why_is_virtio(dev("virtio-blk")));
    assert_false(why_is_virtio(dev("ide")));
    assert_true(why_is_notify_region("virtio-pci-notify-virtio-blk"));
    assert_false(why_is_notify_region("virtio-pci-common-virtio-blk"));
}

/* Every model of the device table has a register map: a new model must add one. */
static void test_every_model_mapped(void **state)
{
    (void)state;
    for (unsigned i = 0; i < devmodel_count(); i++) {
        const struct devmodel *d = devmodel_at(i);
        const struct devmodel_region *p = why_regions_of(d);
        if (!p || !p->pattern) {
            fail_msg("device model %s has no region map in devmodel.c", d->name);
        }
        assert_int_equal(why_is_virtio(d), strncmp(d->name, "virtio", 6) == 0);
    }
}

static void test_count_ide_one_op(void **state)
{
    struct why_counts c;
    char err[256] = "";
    unsigned seen = 0;

    (void)state;
    memset(&c, 0, sizeof(c));
    assert_int_equal(
        why_count_file(FIXTURES "/ide_one_op.log", 0, -1, dev("ide"), &c, err, sizeof(err)), 0);
    /* one 4 KiB READ DMA on PIIX IDE, as captured: 26 port accesses, plus the APIC's */
    assert_int_equal(c.lines, 28);
    assert_int_equal(c.unknown, 0);
    assert_int_equal(c.dut_reads, 13);
    assert_int_equal(c.dut_writes, 13);
    assert_int_equal(why_accesses(&c), 26);
    assert_int_equal(c.other_accesses, 2);
    assert_int_equal(c.kicks, 0);
    assert_int_equal(c.n_regions, 3);
    for (unsigned i = 0; i < c.n_regions; i++) {
        const struct why_region_count *r = &c.regions[i];
        if (strcmp(r->name, "ide") == 0) {
            assert_int_equal(r->reads, 8);
            assert_int_equal(r->writes, 8);
            seen |= 1;
        } else if (strcmp(r->name, "piix-bmdma") == 0) {
            assert_int_equal(r->reads, 5);
            assert_int_equal(r->writes, 4);
            seen |= 2;
        } else if (strcmp(r->name, "bmdma") == 0) {
            assert_int_equal(r->reads, 0);
            assert_int_equal(r->writes, 1);
            seen |= 4;
        }
    }
    assert_int_equal(seen, 7);

    /* the same trace seen from a virtio-blk guest: nothing of it is the device's */
    memset(&c, 0, sizeof(c));
    assert_int_equal(
        why_count_file(FIXTURES "/ide_one_op.log", 0, -1, dev("virtio-blk"), &c, err, sizeof(err)),
        0);
    assert_int_equal(why_accesses(&c), 0);
    assert_int_equal(c.other_accesses, 28);
}

static void test_count_virtio_kicks(void **state)
{
    struct why_counts c;
    struct why_result r;
    char err[256] = "";

    (void)state;
    memset(&c, 0, sizeof(c));
    assert_int_equal(why_count_file(FIXTURES "/virtio_blk_qd1_3ops.log", 0, -1, dev("virtio-blk"),
                                    &c, err, sizeof(err)),
                     0);
    /* three QD1 reads: a kick and an interrupt each, no other register access */
    assert_int_equal(c.kicks, 3);
    assert_int_equal(c.virtio_irqs, 3);
    assert_int_equal(c.dut_reads + c.dut_writes, 0);
    assert_int_equal(why_accesses(&c), 3);
    assert_int_equal(c.other_accesses, 6);

    memset(&r, 0, sizeof(r));
    r.c = c;
    r.ops = 3;
    why_result_finish(&r, dev("virtio-blk"));
    assert_true(r.reg_accesses_per_op == 1.0);
    assert_true(r.notifies_per_op == 1.0);
    assert_true(r.dev_irqs_per_op == 1.0);

    /* virtio lines in an IDE guest are not the DUT's */
    memset(&c, 0, sizeof(c));
    assert_int_equal(why_count_file(FIXTURES "/virtio_blk_qd1_3ops.log", 0, -1, dev("ide"), &c, err,
                                    sizeof(err)),
                     0);
    assert_int_equal(why_accesses(&c), 0);
    assert_int_equal(c.other_virtio, 6);
}

static void test_count_probe_regions(void **state)
{
    struct why_counts c;
    char err[256] = "";

    (void)state;
    memset(&c, 0, sizeof(c));
    assert_int_equal(why_count_file(FIXTURES "/virtio_blk_probe.log", 0, -1, dev("virtio-blk"), &c,
                                    err, sizeof(err)),
                     0);
    /* common x2, isr, device, msix-table x2 are the device's; serial and pcspk are not */
    assert_int_equal(c.dut_reads + c.dut_writes, 6);
    assert_int_equal(c.other_accesses, 4);
}

static void test_notify_write_counted_once(void **state)
{
    static const char *const lines[] = {
        /* without ioeventfd a kick is both a traced write and virtio_queue_notify */
        "memory_region_ops_write cpu 0 mr 0x1 addr 0xfebfc000 value 0x0 size 2 name "
        "'virtio-pci-notify-virtio-blk'",
        "virtio_queue_notify vdev 0x55b7c0a38ec0 n 0 vq 0x7feebe6d8010",
    };
    struct why_counts c;
    struct why_line l;

    (void)state;
    memset(&c, 0, sizeof(c));
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(why_parse_line(lines[i], &l), 0);
        why_counts_add(&c, dev("virtio-blk"), &l);
    }
    assert_int_equal(why_accesses(&c), 1);
    assert_int_equal(c.notify_writes, 1);
}

/* A temporary file with the given bytes; path in out. */
static void write_tmp(char *out, size_t len, const char *data, size_t n)
{
    FILE *f;
    int fd;

    snprintf(out, len, "/tmp/pvb-why-XXXXXX");
    fd = mkstemp(out);
    assert_true(fd >= 0);
    f = fdopen(fd, "w");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

static void test_bounded_lines(void **state)
{
    const char *ide =
        "memory_region_ops_read cpu 0 mr 0x1 addr 0x1f7 value 0x50 size 1 name 'ide'\n";
    size_t big = 100000, pos = 0, cap = big + 4096;
    char *data = malloc(cap), path[64], err[256] = "";
    struct why_counts c;
    off_t second;

    (void)state;
    assert_non_null(data);
    pos += (size_t)snprintf(data + pos, cap - pos, "%s", ide);
    /* an over-long line, with a NUL byte in it: skipped as one line */
    memset(data + pos, 'x', big);
    data[pos + 10] = '\0';
    pos += big;
    data[pos++] = '\n';
    second = (off_t)pos;
    pos += (size_t)snprintf(data + pos, cap - pos, "%s%s", ide, ide);
    /* the last line cut short while QEMU was writing it: no newline, no closing quote */
    pos += (size_t)snprintf(data + pos, cap - pos,
                            "memory_region_ops_read cpu 0 mr 0x1 addr "
                            "0x1f7 value 0x50 size 1 name 'id");
    write_tmp(path, sizeof(path), data, pos);

    memset(&c, 0, sizeof(c));
    assert_int_equal(why_count_file(path, 0, -1, dev("ide"), &c, err, sizeof(err)), 0);
    assert_int_equal(c.overlong, 1);
    assert_int_equal(c.dut_reads, 3);
    assert_int_equal(c.unknown, 1);

    /* only a slice: from the second part on, and up to a bound */
    memset(&c, 0, sizeof(c));
    assert_int_equal(
        why_count_file(path, second, second + (off_t)strlen(ide), dev("ide"), &c, err, sizeof(err)),
        0);
    assert_int_equal(c.dut_reads, 1);
    assert_int_equal(c.lines, 1);

    /* an offset past the end (the file was replaced) is an error, not a crash */
    memset(&c, 0, sizeof(c));
    assert_int_equal(why_count_file(path, (off_t)pos + 10, -1, dev("ide"), &c, err, sizeof(err)),
                     -1);
    assert_int_equal(
        why_count_file("/nonexistent/trace.log", 0, -1, dev("ide"), &c, err, sizeof(err)), -1);
    unlink(path);
    free(data);
}

static void test_stream_large_file(void **state)
{
    const char *ide = "memory_region_ops_write cpu 0 mr 0x5578c7f02070 addr 0x1f7 value 0xc8 "
                      "size 1 name 'ide'\n";
    const char *noise = "memory_region_ops_write cpu 0 mr 0x5578c74861e0 addr 0xfee000b0 value "
                        "0x0 size 4 name 'apic-msi'\n";
    unsigned n = 100000;
    char path[64] = "/tmp/pvb-why-XXXXXX", err[256] = "";
    struct why_counts c;
    FILE *f;
    int fd;

    (void)state;
    fd = mkstemp(path);
    assert_true(fd >= 0);
    f = fdopen(fd, "w");
    assert_non_null(f);
    for (unsigned i = 0; i < n; i++) {
        fputs(ide, f);
        fputs(noise, f);
    }
    assert_int_equal(fclose(f), 0);
    memset(&c, 0, sizeof(c));
    assert_int_equal(why_count_file(path, 0, -1, dev("ide"), &c, err, sizeof(err)), 0);
    assert_int_equal(c.dut_writes, n);
    assert_int_equal(c.other_accesses, n);
    assert_int_equal(c.lines, 2ull * n);
    unlink(path);
}

static void test_result_finish(void **state)
{
    struct why_result r;

    (void)state;
    memset(&r, 0, sizeof(r));
    r.c.dut_reads = 130;
    r.c.dut_writes = 130;
    r.ops = 10;
    r.kvm_exits_per_op = -1;
    why_result_finish(&r, dev("ide"));
    assert_true(r.reg_accesses_per_op == 26.0);
    assert_true(r.notifies_per_op < 0);
    assert_true(r.dev_irqs_per_op < 0);
    r.ops = 0;
    why_result_finish(&r, dev("ide"));
    assert_true(r.reg_accesses_per_op < 0);
}

static void test_stats_sum(void **state)
{
    const char *reply =
        "[{\"provider\": \"kvm\", \"qom-path\": \"/machine/unattached/device[0]\", \"stats\": "
        "[{\"name\": \"io_exits\", \"value\": 100}, {\"name\": \"mmio_exits\", \"value\": 7}, "
        "{\"name\": \"exits\", \"value\": 1000}]}, "
        "{\"provider\": \"kvm\", \"qom-path\": \"/machine/unattached/device[1]\", \"stats\": "
        "[{\"name\": \"io_exits\", \"value\": 20}, {\"name\": \"halt_poll_fail_hist\", \"value\": "
        "[1, 2]}]}]";
    json_object *o = json_tokener_parse(reply);
    uint64_t sum = 0;

    (void)state;
    assert_non_null(o);
    assert_int_equal(why_stats_sum(o, "io_exits", &sum), 0);
    assert_int_equal(sum, 120);
    assert_int_equal(why_stats_sum(o, "mmio_exits", &sum), 0);
    assert_int_equal(sum, 7);
    assert_int_equal(why_stats_sum(o, "nope", &sum), -1);
    json_object_put(o);
    o = json_tokener_parse("{\"not\": \"a list\"}");
    assert_int_equal(why_stats_sum(o, "io_exits", &sum), -1);
    json_object_put(o);
}

static void test_record_and_load(void **state)
{
    char dir[] = "/tmp/pvb-whyrun-XXXXXX", path[128], err[256] = "";
    struct why_entry e[4];
    struct why_result r;
    size_t n = 99;
    FILE *f;

    (void)state;
    assert_non_null(mkdtemp(dir));
    /* no why.json: no entries, no error */
    assert_int_equal(why_load(dir, e, 4, &n, err, sizeof(err)), 0);
    assert_int_equal(n, 0);

    memset(&r, 0, sizeof(r));
    snprintf(r.source, sizeof(r.source), "%s", WHY_SOURCE_TRACE);
    r.ops = 100;
    r.c.dut_reads = 1300;
    r.c.dut_writes = 1300;
    r.c.n_regions = 1;
    snprintf(r.c.regions[0].name, sizeof(r.c.regions[0].name), "ide");
    r.c.regions[0].reads = 800;
    r.c.regions[0].writes = 800;
    r.kvm_exits_per_op = -1;
    why_result_finish(&r, dev("ide"));
    assert_int_equal(why_record(dir, dev("ide"), "ide", "randread", &r, err, sizeof(err)), 0);
    r.ops = 200; /* same config and workload: replaces the first */
    why_result_finish(&r, dev("ide"));
    assert_int_equal(why_record(dir, dev("ide"), "ide", "randread", &r, err, sizeof(err)), 0);
    memset(&r, 0, sizeof(r));
    r.ops = 50;
    r.c.kicks = 50;
    r.c.virtio_irqs = 50;
    r.kvm_exits_per_op = -1;
    why_result_finish(&r, dev("virtio-blk"));
    assert_int_equal(
        why_record(dir, dev("virtio-blk"), "virtio-blk", "randread", &r, err, sizeof(err)), 0);

    assert_int_equal(why_load(dir, e, 4, &n, err, sizeof(err)), 0);
    assert_int_equal(n, 2);
    assert_string_equal(e[0].config, "ide");
    assert_int_equal(e[0].ops, 200);
    assert_true(e[0].reg_accesses_per_op == 13.0);
    assert_true(e[0].notifies_per_op < 0);
    assert_int_equal(e[0].n_regions, 1);
    assert_string_equal(e[0].regions[0].name, "ide");
    assert_string_equal(e[0].source, WHY_SOURCE_TRACE);
    assert_string_equal(e[1].config, "virtio-blk");
    assert_true(e[1].reg_accesses_per_op == 1.0);
    assert_true(e[1].notifies_per_op == 1.0);

    /* a damaged file is an error, not a crash */
    snprintf(path, sizeof(path), "%s/%s", dir, WHY_FILE);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("{\"format\": \"pvbench-why\", \"entries\": [", f);
    fclose(f);
    assert_int_equal(why_load(dir, e, 4, &n, err, sizeof(err)), -1);
    assert_int_equal(why_record(dir, dev("ide"), "ide", "randread", &r, err, sizeof(err)), -1);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_real_lines),
        cmocka_unit_test(test_parse_timestamp_prefix),
        cmocka_unit_test(test_parse_rejects),
        cmocka_unit_test(test_long_region_name),
        cmocka_unit_test(test_region_matching),
        cmocka_unit_test(test_every_model_mapped),
        cmocka_unit_test(test_count_ide_one_op),
        cmocka_unit_test(test_count_virtio_kicks),
        cmocka_unit_test(test_count_probe_regions),
        cmocka_unit_test(test_notify_write_counted_once),
        cmocka_unit_test(test_bounded_lines),
        cmocka_unit_test(test_stream_large_file),
        cmocka_unit_test(test_result_finish),
        cmocka_unit_test(test_stats_sum),
        cmocka_unit_test(test_record_and_load),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
