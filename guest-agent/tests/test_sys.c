/* Unit tests of device discovery and module-list handling (agent_sys.c) on a fake sysfs. */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "agent.h"

static char root[64];

/* mkdir -p root/rel */
static void mkdirs(const char *rel)
{
    char path[PATH_MAX];
    char *p;

    assert_true(snprintf(path, sizeof(path), "%s/%s", root, rel) < (int)sizeof(path));
    for (p = path + strlen(root) + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            mkdir(path, 0755);
            *p = '/';
        }
    }
    mkdir(path, 0755);
}

/* ln -s target root/rel */
static void link_at(const char *target, const char *rel)
{
    char path[PATH_MAX];

    assert_true(snprintf(path, sizeof(path), "%s/%s", root, rel) < (int)sizeof(path));
    assert_int_equal(symlink(target, path), 0);
}

/*
 * A disk as sysfs shows it: the real directory <dev>/block/<disk>, the
 * /sys/block/<disk> link to it and its "device" link, relative like the kernel's.
 */
static void add_disk(const char *dev, const char *disk, const char *device_link)
{
    char rel[PATH_MAX], target[PATH_MAX];

    assert_true(snprintf(rel, sizeof(rel), "devices/%s/block/%s", dev, disk) < (int)sizeof(rel));
    mkdirs(rel);
    assert_true(snprintf(target, sizeof(target), "../devices/%s/block/%s", dev, disk) <
                (int)sizeof(target));
    assert_true(snprintf(rel, sizeof(rel), "block/%s", disk) < (int)sizeof(rel));
    link_at(target, rel);
    if (device_link) {
        assert_true(snprintf(rel, sizeof(rel), "devices/%s/block/%s/device", dev, disk) <
                    (int)sizeof(rel));
        link_at(device_link, rel);
    }
}

static void add_driver(const char *dev, const char *target)
{
    char rel[PATH_MAX];

    assert_true(snprintf(rel, sizeof(rel), "devices/%s/driver", dev) < (int)sizeof(rel));
    link_at(target, rel);
}

static int setup(void **state)
{
    snprintf(root, sizeof(root), "/tmp/pvb-test-sys.XXXXXX");
    if (!mkdtemp(root)) {
        return -1;
    }
    mkdirs("block");
    add_disk("virtual", "loop0", NULL);
    add_disk("virtual", "ram0", NULL);
    add_disk("virtual", "zram0", NULL);
    return 0;
}

static int teardown(void **state)
{
    char cmd[PATH_MAX + 16];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
    return system(cmd) == 0 ? 0 : -1;
}

static void test_virtio_blk(void **state)
{
    char name[32], drv[32];

    add_disk("pci0000:00/0000:00:04.0/virtio0", "vda", "../../../virtio0");
    add_driver("pci0000:00/0000:00:04.0/virtio0", "../../../../bus/virtio/drivers/virtio_blk");
    add_driver("pci0000:00/0000:00:04.0", "../../../bus/pci/drivers/virtio-pci");
    assert_int_equal(agent_sys_find_disk(root, name, sizeof(name)), 1);
    assert_string_equal(name, "vda");
    assert_int_equal(agent_sys_disk_driver(root, name, drv, sizeof(drv)), 0);
    assert_string_equal(drv, "virtio_blk");
    /* A name that does not fit is an error, not a truncation. */
    assert_int_equal(agent_sys_disk_driver(root, name, drv, 5), -ENAMETOOLONG);
}

static void test_ide(void **state)
{
    const char *dev = "pci0000:00/0000:00:01.1/ata1/host0/target0:0:0/0:0:0:0";
    char name[32], drv[32];

    add_disk(dev, "sda", "../../../0:0:0:0");
    add_driver(dev, "../../../../../../../bus/scsi/drivers/sd"); /* not the controller */
    add_driver("pci0000:00/0000:00:01.1", "../../../bus/pci/drivers/ata_piix");
    add_disk("pci0000:00/0000:00:01.1/ata2/host1/target1:0:0/1:0:0:0", "sr0", "../../../1:0:0:0");
    assert_int_equal(agent_sys_find_disk(root, name, sizeof(name)), 1);
    assert_string_equal(name, "sda");
    assert_int_equal(agent_sys_disk_driver(root, name, drv, sizeof(drv)), 0);
    assert_string_equal(drv, "ata_piix");
}

static void test_ahci(void **state)
{
    const char *dev = "pci0000:00/0000:00:1f.2/ata1/host0/target0:0:0/0:0:0:0";
    char drv[32];

    add_disk(dev, "sda", "../../../0:0:0:0");
    add_driver(dev, "../../../../../../../bus/scsi/drivers/sd");
    add_driver("pci0000:00/0000:00:1f.2", "../../../bus/pci/drivers/ahci");
    assert_int_equal(agent_sys_disk_driver(root, "sda", drv, sizeof(drv)), 0);
    assert_string_equal(drv, "ahci");
}

static void test_virtio_scsi(void **state)
{
    const char *dev = "pci0000:00/0000:00:04.0/virtio1/host2/target2:0:0/2:0:0:0";
    char drv[32];

    add_disk(dev, "sda", "../../../2:0:0:0");
    add_driver(dev, "../../../../../../../../bus/scsi/drivers/sd");
    add_driver("pci0000:00/0000:00:04.0/virtio1", "../../../../bus/virtio/drivers/virtio_scsi");
    add_driver("pci0000:00/0000:00:04.0", "../../../bus/pci/drivers/virtio-pci");
    assert_int_equal(agent_sys_disk_driver(root, "sda", drv, sizeof(drv)), 0);
    assert_string_equal(drv, "virtio_scsi");
}

static void test_no_driver(void **state)
{
    char drv[32];

    /* Driver not bound yet: nothing found, and the walk stops at the sysfs root. */
    add_disk("pci0000:00/0000:00:05.0/virtio2", "vdb", "../../../virtio2");
    assert_int_equal(agent_sys_disk_driver(root, "vdb", drv, sizeof(drv)), -ENOENT);
    assert_int_equal(agent_sys_disk_driver(root, "nosuch", drv, sizeof(drv)), -ENOENT);
}

static void test_two_disks(void **state)
{
    char name[32];

    add_disk("pci0000:00/0000:00:05.0/virtio3", "vdb", "../../../virtio3");
    add_disk("pci0000:00/0000:00:04.0/virtio2", "vda", "../../../virtio2");
    /* More than one candidate: the count says so, the first by name is returned. */
    assert_int_equal(agent_sys_find_disk(root, name, sizeof(name)), 2);
    assert_string_equal(name, "vda");
}

/* echo text > root/rel */
static void write_at(const char *rel, const char *text)
{
    char path[PATH_MAX];
    FILE *f;

    assert_true(snprintf(path, sizeof(path), "%s/%s", root, rel) < (int)sizeof(path));
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

/* NVMe native multipath (QEMU 10): the head nvme0n1, not the hidden path nvme0c0n1 that sorts
 * first; its driver is the path's controller's. */
static void test_nvme_multipath(void **state)
{
    const char *path_dev = "pci0000:00/0000:00:02.0/nvme/nvme0";
    char name[32], drv[32];

    add_disk("virtual/nvme-subsystem/nvme-subsys0", "nvme0n1", "../../../nvme-subsys0");
    add_disk(path_dev, "nvme0c0n1", "../../../nvme0");
    write_at("devices/virtual/nvme-subsystem/nvme-subsys0/block/nvme0n1/hidden", "0\n");
    write_at("devices/pci0000:00/0000:00:02.0/nvme/nvme0/block/nvme0c0n1/hidden", "1\n");
    /* another namespace's path, and a path of a namespace with another number: not ours */
    add_disk("pci0000:00/0000:00:03.0/nvme/nvme1", "nvme1c1n1", "../../../nvme1");
    add_disk("pci0000:00/0000:00:03.0/nvme/nvme1", "nvme0c0n0", "../../../nvme1");
    write_at("devices/pci0000:00/0000:00:03.0/nvme/nvme1/block/nvme1c1n1/hidden", "1\n");
    write_at("devices/pci0000:00/0000:00:03.0/nvme/nvme1/block/nvme0c0n0/hidden", "1\n");
    add_driver("pci0000:00/0000:00:03.0", "../../../bus/pci/drivers/other");
    add_driver("pci0000:00/0000:00:02.0", "../../../bus/pci/drivers/nvme");
    assert_int_equal(agent_sys_find_disk(root, name, sizeof(name)), 1);
    assert_string_equal(name, "nvme0n1");
    assert_int_equal(agent_sys_disk_driver(root, name, drv, sizeof(drv)), 0);
    assert_string_equal(drv, "nvme");
    /* the path alone still has its own driver */
    assert_int_equal(agent_sys_disk_driver(root, "nvme0c0n1", drv, sizeof(drv)), 0);
    assert_string_equal(drv, "nvme");
}

static void test_no_disk(void **state)
{
    char name[32] = "unchanged";

    assert_int_equal(agent_sys_find_disk(root, name, sizeof(name)), 0);
    assert_string_equal(name, "unchanged");
    assert_int_equal(agent_sys_find_disk("/nonexistent/pvbench", name, sizeof(name)), -ENOENT);
}

static char logged[8][AGENT_REASON_MAX];
static int nlogged;

static void test_log(const char *msg)
{
    if (nlogged < 8) {
        snprintf(logged[nlogged++], AGENT_REASON_MAX, "%s", msg);
    }
}

static void test_modules(void **state)
{
    char path[PATH_MAX];
    int loaded = -1, failed = -1;
    FILE *f;

    assert_true(snprintf(path, sizeof(path), "%s/modules", root) < (int)sizeof(path));
    f = fopen(path, "w");
    assert_non_null(f);
    /* Only paths that do not exist: a unit test must never load a module. */
    fputs("# comment\n\n  /nonexistent/a.ko  \n/nonexistent/b.ko.xz\r\n", f);
    fclose(f);
    nlogged = 0;
    assert_int_equal(agent_sys_load_modules(path, NULL, &loaded, &failed, test_log), 0);
    assert_int_equal(loaded, 0);
    assert_int_equal(failed, 2);
    assert_int_equal(nlogged, 2);
    assert_string_equal(logged[0], "module /nonexistent/a.ko: No such file or directory");
    assert_string_equal(logged[1], "module /nonexistent/b.ko.xz: No such file or directory");

    nlogged = 0;
    assert_int_equal(
        agent_sys_load_modules("/nonexistent/list", NULL, &loaded, &failed, test_log), -ENOENT);
    assert_int_equal(loaded + failed, 0);
    assert_int_equal(nlogged, 1);
}

/* pvbench.modules= selects a module and what it depends on, in the list's order. */
static void test_modules_wanted(void **state)
{
    char path[PATH_MAX];
    int loaded = -1, failed = -1;
    FILE *f;

    (void)state;
    assert_true(snprintf(path, sizeof(path), "%s/modules-deps", root) < (int)sizeof(path));
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("/nonexistent/scsi_common.ko\n"
          "/nonexistent/scsi_mod.ko scsi_common\n"
          "/nonexistent/libata.ko scsi_mod\n"
          "/nonexistent/ata_piix.ko libata scsi_mod\n"
          "/nonexistent/virtio_ring.ko\n"
          "/nonexistent/virtio-blk.ko virtio_ring\n",
          f);
    fclose(f);
    nlogged = 0;
    assert_int_equal(agent_sys_load_modules(path, "ata_piix", &loaded, &failed, test_log), 0);
    assert_int_equal(failed, 4);
    assert_string_equal(logged[0], "module /nonexistent/scsi_common.ko: No such file or directory");
    assert_string_equal(logged[3], "module /nonexistent/ata_piix.ko: No such file or directory");
    nlogged = 0;
    assert_int_equal(agent_sys_load_modules(path, "virtio_blk,nothere", &loaded, &failed,
                                            test_log), 0);
    assert_int_equal(failed, 2);
    assert_string_equal(logged[0], "module /nonexistent/virtio_ring.ko: No such file or directory");
    assert_string_equal(logged[1], "module /nonexistent/virtio-blk.ko: No such file or directory");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_virtio_blk, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ide, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ahci, setup, teardown),
        cmocka_unit_test_setup_teardown(test_virtio_scsi, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_driver, setup, teardown),
        cmocka_unit_test_setup_teardown(test_two_disks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nvme_multipath, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_disk, setup, teardown),
        cmocka_unit_test_setup_teardown(test_modules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_modules_wanted, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
