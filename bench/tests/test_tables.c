/* The device-model, workload and metric tables: complete, unique, consistent. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "devmodel.h"
#include "metric.h"
#include "results.h"
#include "workload.h"

#define FIELD_SIZE(type, member) sizeof(((type *)0)->member)

/* ---- device models ------------------------------------------------------------------------ */

static void test_devmodel_check_table(void **state)
{
    (void)state;
    assert_int_equal(devmodel_check_table(), 0);
    assert_true(devmodel_count() > 0);
    assert_null(devmodel_at(devmodel_count()));
}

static void test_devmodel_names_unique(void **state)
{
    (void)state;
    for (unsigned i = 0; i < devmodel_count(); i++) {
        const struct devmodel *m = devmodel_at(i);
        assert_non_null(m);
        assert_true(strlen(m->name) < FIELD_SIZE(struct sample, device));
        assert_ptr_equal(devmodel_find(m->name), m);
        for (unsigned j = 0; j < i; j++) {
            assert_string_not_equal(devmodel_at(j)->name, m->name);
        }
    }
}

static void test_devmodel_fields(void **state)
{
    (void)state;
    for (unsigned i = 0; i < devmodel_count(); i++) {
        const struct devmodel *m = devmodel_at(i);
        assert_true(m->kind == DEVMODEL_BLK || m->kind == DEVMODEL_NET);
        assert_true(m->class == DEVMODEL_EMULATED || m->class == DEVMODEL_PARAVIRTUAL);
        assert_int_equal(m->machines & ~(unsigned)(MACHINE_PC | MACHINE_Q35), 0);
        /* the default machine is one the model can live on */
        assert_true(m->machines & devmodel_default_machine(m));
    }
    assert_null(devmodel_find("no-such-device"));
}

/* A broken entry is an error at start, whichever fact it lacks or gets wrong. */
static void test_devmodel_check_entry_refuses(void **state)
{
    struct devmodel m;

    (void)state;
    m = *devmodel_find("virtio-scsi");
    assert_int_equal(devmodel_check_entry(&m), 0);
    m.guest_modules = NULL;
    assert_int_equal(devmodel_check_entry(&m), -1);
    m = *devmodel_find("virtio-scsi");
    m.regions[0].pattern = NULL; /* no register map */
    assert_int_equal(devmodel_check_entry(&m), -1);
    m = *devmodel_find("virtio-scsi");
    m.regions[1].what = NULL; /* a region without the demo's words */
    assert_int_equal(devmodel_check_entry(&m), -1);
    m = *devmodel_find("virtio-scsi");
    m.qemu_controller = NULL; /* a SCSI disk without its host adapter */
    assert_int_equal(devmodel_check_entry(&m), -1);
    m = *devmodel_find("virtio-blk");
    m.attach = DEVBUS_NIC; /* a disk on the NIC bus */
    assert_int_equal(devmodel_check_entry(&m), -1);
    m = *devmodel_find("virtio-blk");
    m.attach = DEVBUS_COUNT;
    assert_int_equal(devmodel_check_entry(&m), -1);
    m = *devmodel_find("virtio-blk");
    m.libvirt_dev = NULL;
    assert_int_equal(devmodel_check_entry(&m), -1);
    m = *devmodel_find("e1000e");
    m.machines = 0;
    assert_int_equal(devmodel_check_entry(&m), -1);
}

/* The register map and the demo's words come from the entry: every region has both. */
static void test_devmodel_regions(void **state)
{
    (void)state;
    for (unsigned i = 0; i < devmodel_count(); i++) {
        const struct devmodel *m = devmodel_at(i);
        unsigned n = 0;

        for (const struct devmodel_region *r = m->regions; r->pattern; r++, n++) {
            assert_non_null(r->what);
            /* a literal name finds its own entry: no earlier glob shadows it */
            if (!strpbrk(r->pattern, "*?[")) {
                assert_ptr_equal(devmodel_region_of(m, r->pattern), r);
            }
        }
        assert_true(n > 0 && n <= DEVMODEL_MAX_REGIONS);
        assert_non_null(devmodel_display_name(m));
    }
    assert_string_equal(devmodel_display_name(devmodel_find("ide")), "IDE");
    assert_string_equal(devmodel_display_name(devmodel_find("virtio-blk")), "virtio-blk");
    assert_string_equal(devmodel_region_of(devmodel_find("ahci"), "ahci-idp")->what,
                        "AHCI index/data pair (port I/O)");
    assert_string_equal(devmodel_region_of(devmodel_find("virtio-net"),
                                           "virtio-pci-notify-virtio-net")->what,
                        "doorbell (MMIO)");
    assert_null(devmodel_region_of(devmodel_find("virtio-net"), "virtio-pci-notify-virtio-blk"));
    assert_null(devmodel_region_of(devmodel_find("ide"), "serial"));
}

/* ---- workloads ---------------------------------------------------------------------------- */

static void test_workload_check_table(void **state)
{
    (void)state;
    assert_int_equal(workload_check_table(), 0);
    assert_true(workload_count() > 0);
    assert_null(workload_at(workload_count()));
}

static void test_workload_names_unique(void **state)
{
    (void)state;
    for (unsigned i = 0; i < workload_count(); i++) {
        const struct workload *w = workload_at(i);
        assert_non_null(w);
        assert_true(strlen(w->name) > 0);
        assert_true(strlen(w->name) < FIELD_SIZE(struct sample, workload));
        assert_ptr_equal(workload_find(w->name), w);
        for (unsigned j = 0; j < i; j++) {
            assert_string_not_equal(workload_at(j)->name, w->name);
        }
    }
    assert_null(workload_find("no-such-workload"));
}

static void test_workload_kinds_valid(void **state)
{
    (void)state;
    for (unsigned i = 0; i < workload_count(); i++) {
        const struct workload *w = workload_at(i);
        int has_device = 0;

        assert_true(w->kind == DEVMODEL_BLK || w->kind == DEVMODEL_NET);
        assert_non_null(w->rw);
        assert_non_null(w->summary);
        if (w->kind == DEVMODEL_BLK) {
            assert_true(strcmp(w->rw, "read") == 0 || strcmp(w->rw, "write") == 0 ||
                        strcmp(w->rw, "randread") == 0 || strcmp(w->rw, "randwrite") == 0);
            assert_true(w->bs > 0 && w->bs % 512 == 0);
            assert_true(w->qd > 0);
        }
        /* a workload no device model can run could never be put in a scenario */
        for (unsigned j = 0; j < devmodel_count(); j++) {
            if (devmodel_at(j)->kind == w->kind) {
                has_device = 1;
            }
        }
        if (w->kind == DEVMODEL_BLK) {
            assert_true(has_device);
        }
    }
}

/* The block workloads the brief and the docs promise, with their parameters. */
static void test_workload_block_set(void **state)
{
    static const struct {
        const char *name, *rw;
        unsigned bs, qd;
    } want[] = {
        {"seqread", "read", 1u << 20, 8},        {"seqwrite", "write", 1u << 20, 8},
        {"randread", "randread", 4096, 32},      {"randwrite", "randwrite", 4096, 32},
        {"randread_qd1", "randread", 4096, 1},   {"randwrite_qd1", "randwrite", 4096, 1},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        const struct workload *w = workload_find(want[i].name);
        assert_non_null(w);
        assert_int_equal(w->kind, DEVMODEL_BLK);
        assert_string_equal(w->rw, want[i].rw);
        assert_int_equal(w->bs, want[i].bs);
        assert_int_equal(w->qd, want[i].qd);
    }
}

/* ---- metrics ------------------------------------------------------------------------------ */

static void test_metric_check_table(void **state)
{
    (void)state;
    assert_int_equal(metric_check_table(), 0);
    assert_true(metric_count() > 0);
    assert_null(metric_at(metric_count()));
}

static void test_metric_names_unique(void **state)
{
    (void)state;
    for (unsigned i = 0; i < metric_count(); i++) {
        const struct metric *m = metric_at(i);
        assert_non_null(m);
        assert_true(strlen(m->name) > 0);
        assert_true(strlen(m->name) < FIELD_SIZE(struct sample, metric));
        assert_true(strlen(m->unit) > 0);
        assert_true(strlen(m->unit) < FIELD_SIZE(struct sample, unit));
        assert_true(m->dir == METRIC_HIGHER_BETTER || m->dir == METRIC_LOWER_BETTER);
        assert_ptr_equal(metric_find(m->name), m);
        for (unsigned j = 0; j < i; j++) {
            assert_string_not_equal(metric_at(j)->name, m->name);
        }
    }
    assert_null(metric_find("no_such_metric"));
}

static void test_metric_required_set(void **state)
{
    static const struct {
        const char *name, *unit;
        enum metric_dir dir;
    } want[] = {
        {"throughput_mib_s", "MiB/s", METRIC_HIGHER_BETTER},
        {"iops", "IOPS", METRIC_HIGHER_BETTER},
        {"lat_mean_us", "us", METRIC_LOWER_BETTER},
        {"lat_p50_us", "us", METRIC_LOWER_BETTER},
        {"lat_p90_us", "us", METRIC_LOWER_BETTER},
        {"lat_p99_us", "us", METRIC_LOWER_BETTER},
        {"lat_p999_us", "us", METRIC_LOWER_BETTER},
        {"lat_max_us", "us", METRIC_LOWER_BETTER},
        {"guest_cpu_pct", "%", METRIC_LOWER_BETTER},
        {"guest_user_pct", "%", METRIC_LOWER_BETTER},
        {"guest_sys_pct", "%", METRIC_LOWER_BETTER},
        {"guest_irq_pct", "%", METRIC_LOWER_BETTER},
        {"guest_softirq_pct", "%", METRIC_LOWER_BETTER},
        {"guest_cpu_us_per_op", "us", METRIC_LOWER_BETTER},
        {"host_cpu_us_per_op", "us", METRIC_LOWER_BETTER},
        {"irqs_per_op", "irq/op", METRIC_LOWER_BETTER},
        {"boot_to_ready_s", "s", METRIC_LOWER_BETTER},
        {"throughput_mbit_s", "Mbit/s", METRIC_HIGHER_BETTER},
        {"transactions_s", "1/s", METRIC_HIGHER_BETTER},
        {"pps", "pkt/s", METRIC_HIGHER_BETTER},
        {"loss_pct", "%", METRIC_LOWER_BETTER},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        const struct metric *m = metric_find(want[i].name);
        assert_non_null(m);
        assert_string_equal(m->unit, want[i].unit);
        assert_int_equal(m->dir, want[i].dir);
    }
}

/* Names live in one CSV column each: no name may be both a workload and a device. */
static void test_names_disjoint(void **state)
{
    (void)state;
    for (unsigned i = 0; i < workload_count(); i++) {
        assert_null(devmodel_find(workload_at(i)->name));
        assert_null(metric_find(workload_at(i)->name));
    }
    for (unsigned i = 0; i < devmodel_count(); i++) {
        assert_null(metric_find(devmodel_at(i)->name));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_devmodel_check_table),
        cmocka_unit_test(test_devmodel_names_unique),
        cmocka_unit_test(test_devmodel_fields),
        cmocka_unit_test(test_devmodel_check_entry_refuses),
        cmocka_unit_test(test_devmodel_regions),
        cmocka_unit_test(test_workload_check_table),
        cmocka_unit_test(test_workload_names_unique),
        cmocka_unit_test(test_workload_kinds_valid),
        cmocka_unit_test(test_workload_block_set),
        cmocka_unit_test(test_metric_check_table),
        cmocka_unit_test(test_metric_names_unique),
        cmocka_unit_test(test_metric_required_set),
        cmocka_unit_test(test_names_disjoint),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
