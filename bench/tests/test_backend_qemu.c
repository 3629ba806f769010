/* QEMU argv building per device model: pure, no QEMU started. */
/* cmocka.h needs these headers first. */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend.h"
#include "devbus.h"
#include "devprops.h"

static void base_spec(struct guest_spec *s, const char *model)
{
    memset(s, 0, sizeof(*s));
    s->name = "pvb-0000abcd-x";
    s->qemu_binary = "qemu-system-x86_64";
    s->accel = "tcg";
    s->machine = MACHINE_PC;
    s->vcpus = 1;
    s->memory_mib = 256;
    s->kernel = "/img/vmlinux";
    s->initrd = "/img/initramfs.img";
    s->cmdline = "console=ttyS0 quiet";
    s->dut = model ? devmodel_find(model) : NULL;
    s->disk_path = "/var/tmp/pvbench/0000abcd/disk-x.img";
    s->control_sock = "/var/tmp/pvbench/0000abcd/ctl-x.sock";
    s->console_log = "/r/logs/x-console.log";
    s->qemu_log = "/r/logs/x-qemu.log";
}

/* Index of the argument equal to s, or -1. */
static int find_arg(const struct qemu_argv *a, const char *s)
{
    for (unsigned i = 0; i < a->argc; i++) {
        if (strcmp(a->argv[i], s) == 0) {
            return (int)i;
        }
    }
    return -1;
}

/* Value following the n-th (0-based) occurrence of option opt. */
static const char *opt_value(const struct qemu_argv *a, const char *opt, int n)
{
    for (unsigned i = 0; i + 1 < a->argc; i++) {
        if (strcmp(a->argv[i], opt) == 0 && n-- == 0) {
            return a->argv[i + 1];
        }
    }
    return NULL;
}

static int count_opt(const struct qemu_argv *a, const char *opt)
{
    int n = 0;
    for (unsigned i = 0; i < a->argc; i++) {
        n += strcmp(a->argv[i], opt) == 0;
    }
    return n;
}

static void test_common_guest(void **state)
{
    struct guest_spec s;
    struct qemu_argv a;

    (void)state;
    base_spec(&s, "ide");
    assert_int_equal(backend_qemu_build_argv(&s, &a), 0);
    assert_string_equal(a.argv[0], "qemu-system-x86_64");
    assert_null(a.argv[a.argc]);
    assert_string_equal(opt_value(&a, "-accel", 0), "tcg");
    assert_string_equal(opt_value(&a, "-machine", 0), "pc");
    assert_string_equal(opt_value(&a, "-m", 0), "256");
    assert_string_equal(opt_value(&a, "-kernel", 0), "/img/vmlinux");
    assert_true(find_arg(&a, "-nodefaults") > 0);
    assert_true(find_arg(&a, "-no-reboot") > 0);
    /* Two serial ports: console file, then the control channel socket. */
    assert_int_equal(count_opt(&a, "-serial"), 2);
    assert_string_equal(opt_value(&a, "-chardev", 1),
                        "socket,id=ctl,path=/var/tmp/pvbench/0000abcd/ctl-x.sock");
    assert_string_equal(opt_value(&a, "-drive", 0),
                        "file=/var/tmp/pvbench/0000abcd/disk-x.img,format=raw,if=none,id=dut,"
                        "cache=none");
}

static void test_models(void **state)
{
    static const struct {
        const char *model;
        enum machine_type machine;
        const char *dev0, *dev1;
    } cases[] = {
        {"ide", MACHINE_PC, "ide-hd,drive=dut,bus=ide.0", NULL},
        {"ahci", MACHINE_Q35, "ide-hd,drive=dut,bus=ide.0", NULL},
        {"virtio-blk", MACHINE_PC, "virtio-blk-pci,drive=dut", NULL},
        {"virtio-scsi", MACHINE_Q35, "virtio-scsi-pci,id=dutctl", "scsi-hd,drive=dut,bus=dutctl.0"},
        {"nvme", MACHINE_PC, "nvme,drive=dut,serial=" DEVBUS_NVME_SERIAL, NULL},
        {"nvme", MACHINE_Q35, "nvme,drive=dut,serial=" DEVBUS_NVME_SERIAL, NULL},
    };
    (void)state;
    for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct guest_spec s;
        struct qemu_argv a;

        base_spec(&s, cases[i].model);
        s.machine = cases[i].machine;
        assert_int_equal(backend_qemu_build_argv(&s, &a), 0);
        assert_string_equal(opt_value(&a, "-machine", 0), machine_name(cases[i].machine));
        assert_string_equal(opt_value(&a, "-device", 0), cases[i].dev0);
        if (cases[i].dev1) {
            assert_string_equal(opt_value(&a, "-device", 1), cases[i].dev1);
        } else {
            assert_int_equal(count_opt(&a, "-device"), 1);
        }
    }
}

static void test_throttle(void **state)
{
    struct guest_spec s;
    struct qemu_argv a;

    (void)state;
    base_spec(&s, "virtio-blk");
    s.disk_iops_limit = 300;
    assert_int_equal(backend_qemu_build_argv(&s, &a), 0);
    assert_non_null(strstr(opt_value(&a, "-drive", 0), ",throttling.iops-total=300"));
}

/* Each configuration option where QEMU expects it, and nothing when it is at its default. */
static void test_config_options(void **state)
{
    struct guest_spec s;
    struct qemu_argv a;
    struct devopts o = {0};

    (void)state;
    base_spec(&s, "virtio-blk");
    s.dut_opts = &o;
    assert_int_equal(backend_qemu_build_argv(&s, &a), 0);
    assert_string_equal(opt_value(&a, "-drive", 0),
                        "file=/var/tmp/pvbench/0000abcd/disk-x.img,format=raw,if=none,id=dut,"
                        "cache=none");
    assert_string_equal(opt_value(&a, "-device", 0), "virtio-blk-pci,drive=dut");
    assert_int_equal(count_opt(&a, "-object"), 0);

    o.aio = DEVOPTS_AIO_IO_URING;
    o.cache = DEVOPTS_CACHE_WRITEBACK;
    o.discard = DEVOPTS_DISCARD_UNMAP;
    o.format = DEVOPTS_FORMAT_QCOW2;
    s.disk_iops_limit = 50;
    assert_int_equal(backend_qemu_build_argv(&s, &a), 0);
    assert_string_equal(opt_value(&a, "-drive", 0),
                        "file=/var/tmp/pvbench/0000abcd/disk-x.img,format=qcow2,if=none,id=dut,"
                        "cache=writeback,aio=io_uring,discard=unmap,throttling.iops-total=50");
    s.disk_iops_limit = 0;

    memset(&o, 0, sizeof(o));
    o.aio = DEVOPTS_AIO_NATIVE;
    o.iothread = 1;
    o.queues = 4;
    snprintf(o.device_options, sizeof(o.device_options), "queue-size=256");
    assert_int_equal(backend_qemu_build_argv(&s, &a), 0);
    assert_string_equal(opt_value(&a, "-object", 0), "iothread,id=" DEVBUS_IOTHREAD_ID);
    assert_string_equal(opt_value(&a, "-device", 0),
                        "virtio-blk-pci,drive=dut,iothread=dutio,num-queues=4,queue-size=256");
    /* the object comes before the device that names it */
    assert_true(find_arg(&a, "iothread,id=dutio") < find_arg(&a, "virtio-blk-pci,drive=dut,"
                                                                 "iothread=dutio,num-queues=4,"
                                                                 "queue-size=256"));

    /* virtio-scsi: the iothread and the queues belong to the adapter, the options to the disk */
    base_spec(&s, "virtio-scsi");
    s.dut_opts = &o;
    assert_int_equal(backend_qemu_build_argv(&s, &a), 0);
    assert_string_equal(opt_value(&a, "-device", 0),
                        "virtio-scsi-pci,id=dutctl,iothread=dutio,num_queues=4");
    assert_string_equal(opt_value(&a, "-device", 1), "scsi-hd,drive=dut,bus=dutctl.0,"
                                                     "queue-size=256");

    /* nvme: its I/O queue pairs */
    memset(&o, 0, sizeof(o));
    o.queues = 2;
    base_spec(&s, "nvme");
    s.dut_opts = &o;
    assert_int_equal(backend_qemu_build_argv(&s, &a), 0);
    assert_string_equal(opt_value(&a, "-device", 0),
                        "nvme,drive=dut,serial=" DEVBUS_NVME_SERIAL ",max_ioqpairs=2");

    /* a NIC: its device_options on its -device */
    memset(&o, 0, sizeof(o));
    snprintf(o.device_options, sizeof(o.device_options), "x-mtu-bypass-backend=off");
    base_spec(&s, "virtio-net");
    s.dut_opts = &o;
    s.net_tap = "pvbt0000abcd0";
    s.net_mac = "52:54:00:70:76:02";
    assert_int_equal(backend_qemu_build_argv(&s, &a), 0);
    assert_string_equal(
        opt_value(&a, "-device", 0),
        "virtio-net-pci,netdev=net0,mac=52:54:00:70:76:02,x-mtu-bypass-backend=off");
    assert_string_equal(opt_value(&a, "-netdev", 0),
                        "tap,id=net0,ifname=pvbt0000abcd0,script=no,downscript=no,vhost=off");

    /* a multiqueue NIC: the tap opened per pair, vhost per pair, 2N+2 vectors */
    memset(&o, 0, sizeof(o));
    o.queues = 3;
    s.net_vhost = 1;
    assert_int_equal(backend_qemu_build_argv(&s, &a), 0);
    assert_string_equal(opt_value(&a, "-netdev", 0), "tap,id=net0,ifname=pvbt0000abcd0,script=no,"
                                                     "downscript=no,vhost=on,queues=3");
    assert_string_equal(opt_value(&a, "-device", 0),
                        "virtio-net-pci,netdev=net0,mac=52:54:00:70:76:02,mq=on,vectors=8");
    /* queues = 1 is the single-queue NIC of the default */
    o.queues = 1;
    s.net_vhost = 0;
    assert_int_equal(backend_qemu_build_argv(&s, &a), 0);
    assert_string_equal(opt_value(&a, "-device", 0),
                        "virtio-net-pci,netdev=net0,mac=52:54:00:70:76:02");
}

/* device_options against a real binary's -device MODEL,help (skipped without QEMU). */
static void test_device_props(void **state)
{
    struct scenario *scn;
    char err[512];
    int rc;

    (void)state;
    rc = devprops_check("qemu-system-x86_64", "virtio-blk-pci", "queue-size=256,num-queues=2", err,
                        sizeof(err));
    if (rc == -2) {
        skip();
    }
    assert_int_equal(rc, 0);
    assert_int_equal(
        devprops_check("qemu-system-x86_64", "virtio-blk-pci", "queue-sise=256", err, sizeof(err)),
        -1);
    assert_string_equal(err, "Property 'virtio-blk-pci.queue-sise' not found (qemu-system-x86_64 "
                             "-device virtio-blk-pci,help lists virtio-blk-pci's properties)");
    assert_int_equal(devprops_check("qemu-system-x86_64", "no-such-dev", "a=1", err, sizeof(err)),
                     -1);
    assert_string_equal(err, "qemu-system-x86_64: -device no-such-dev,help: Device 'no-such-dev' "
                             "not found");
    /* from a scenario: the line of its device_options key, QEMU's words after it */
    scn = malloc(sizeof(*scn));
    assert_non_null(scn);
    assert_int_equal(scenario_load_string("t.ini",
                                          "[scenario]\nworkloads = randread\n[config v]\n"
                                          "device = virtio-blk\ndevice_options = queue-sise=8\n",
                                          scn, err, sizeof(err)),
                     0);
    assert_int_equal(devprops_check_scenario(scn, "qemu-system-x86_64", err, sizeof(err)), -1);
    assert_string_equal(err, "t.ini:5: config 'v': device_options: Property "
                             "'virtio-blk-pci.queue-sise' not found (qemu-system-x86_64 -device "
                             "virtio-blk-pci,help lists virtio-blk-pci's properties)");
    free(scn);
}

/* A qcow2 scratch disk replaces the raw one, same virtual size (skipped without qemu-img). */
static void test_make_qcow2(void **state)
{
    char path[] = "/tmp/pvb-qcow2-XXXXXX", err[512], magic[4] = {0};
    int fd = mkstemp(path);
    FILE *f;

    (void)state;
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, 4 << 20), 0);
    close(fd);
    if (system("qemu-img --version >/dev/null 2>&1") != 0) {
        unlink(path);
        skip();
    }
    assert_int_equal(backend_qemu_make_qcow2("qemu-system-x86_64", path, DEVOPTS_PREALLOC_METADATA,
                                             err, sizeof(err)),
                     0);
    f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fread(magic, 1, 4, f), 4);
    fclose(f);
    assert_memory_equal(magic, "QFI\xfb", 4);
    unlink(path);
    /* a disk that is not there: qemu-img is not even asked */
    assert_int_equal(backend_qemu_make_qcow2("qemu-system-x86_64", path, 0, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "No such file or directory"));
}

static void test_every_blk_model_builds(void **state)
{
    (void)state;
    for (unsigned i = 0; i < devmodel_count(); i++) {
        const struct devmodel *m = devmodel_at(i);
        struct guest_spec s;
        struct qemu_argv a;

        if (m->kind != DEVMODEL_BLK) {
            continue;
        }
        base_spec(&s, m->name);
        s.machine = devmodel_default_machine(m);
        assert_int_equal(backend_qemu_build_argv(&s, &a), 0);
        assert_true(count_opt(&a, "-device") >= 1);
    }
}

static void test_kvm_and_probe(void **state)
{
    struct guest_spec s;
    struct qemu_argv a;

    (void)state;
    base_spec(&s, NULL);
    s.accel = "kvm";
    assert_int_equal(backend_qemu_build_argv(&s, &a), 0);
    assert_string_equal(opt_value(&a, "-accel", 0), "kvm");
    assert_string_equal(opt_value(&a, "-cpu", 0), "host");
    assert_int_equal(count_opt(&a, "-device"), 0);
    assert_int_equal(count_opt(&a, "-drive"), 0);
    /* one monitor socket (the session's, any accelerator): KVM's counters and the lost-guest
     * diagnostics share it, never a second one */
    assert_int_equal(count_opt(&a, "-qmp"), 0);
    s.monitor_sock = "/var/tmp/pvbench/0000abcd/ctl-x.sock.mon";
    assert_int_equal(backend_qemu_build_argv(&s, &a), 0);
    assert_int_equal(count_opt(&a, "-qmp"), 1);
    assert_string_equal(opt_value(&a, "-qmp", 0),
                        "unix:/var/tmp/pvbench/0000abcd/ctl-x.sock.mon,server=on,wait=off");
    s.accel = "tcg";
    assert_int_equal(backend_qemu_build_argv(&s, &a), 0);
    assert_int_equal(count_opt(&a, "-qmp"), 1);
    assert_int_equal(count_opt(&a, "-mon"), 0);
}

/* A comma in a path would inject QEMU sub-options: refused. */
static void test_refuses_injection(void **state)
{
    struct guest_spec s;
    struct qemu_argv a;

    (void)state;
    base_spec(&s, "virtio-blk");
    s.disk_path = "/tmp/x.img,file.locking=off";
    assert_int_equal(backend_qemu_build_argv(&s, &a), -1);
    base_spec(&s, "virtio-blk");
    s.control_sock = "/tmp/a,server=on";
    assert_int_equal(backend_qemu_build_argv(&s, &a), -1);
    base_spec(&s, "virtio-blk");
    s.name = "x,debug-threads=off";
    assert_int_equal(backend_qemu_build_argv(&s, &a), -1);
}

/* Every bus has its QEMU arguments, and domain XML or the reason libvirt has none. */
static void test_bus_table(void **state)
{
    (void)state;
    assert_int_equal(devbus_check_table(), 0);
    for (unsigned i = 0; i < devmodel_count(); i++) {
        const struct devbus_ops *b = devbus_of(devmodel_at(i));
        assert_non_null(b->qemu_args);
        assert_true(!b->domxml != !b->libvirt_refusal);
    }
}

/* A NIC model: its tap and MAC, on -netdev and -device, the same for every NIC bus user. */
static void test_nic_models(void **state)
{
    static const char *const nics[] = {"rtl8139", "e1000e", "vmxnet3", "virtio-net"};

    (void)state;
    for (size_t i = 0; i < sizeof(nics) / sizeof(nics[0]); i++) {
        struct guest_spec s;
        struct qemu_argv a;
        char want[96];

        base_spec(&s, nics[i]);
        if (!s.dut) {
            continue; /* a model not in this build's table */
        }
        s.machine = devmodel_default_machine(s.dut);
        s.net_tap = "pvbt0000abcd0";
        s.net_mac = "52:54:00:70:76:02";
        assert_int_equal(backend_qemu_build_argv(&s, &a), 0);
        snprintf(want, sizeof(want), "%s,netdev=net0,mac=52:54:00:70:76:02", s.dut->qemu_device);
        assert_string_equal(opt_value(&a, "-device", 0), want);
        assert_string_equal(opt_value(&a, "-netdev", 0),
                            "tap,id=net0,ifname=pvbt0000abcd0,script=no,downscript=no,vhost=off");
        assert_int_equal(count_opt(&a, "-drive"), 0);
        s.net_mac = "52:54:00:70:76";
        assert_int_equal(backend_qemu_build_argv(&s, &a), -1);
    }
}

/* A QEMU fetched from Debian's archive: its firmware folders as -L, right after argv[0]. */
static void test_fetched_qemu_argv(void **state)
{
    struct guest_spec s;
    struct qemu_argv a;

    (void)state;
    base_spec(&s, "virtio-blk");
    assert_int_equal(backend_qemu_build_argv(&s, &a), 0);
    assert_int_equal(count_opt(&a, "-L"), 0); /* no version given: today's command line */
    s.qemu_binary = "/c/qemu/1%3a10.0/root/usr/bin/qemu-system-x86_64";
    s.qemu_data_dirs =
        "/c/qemu/1%3a10.0/root/usr/share/qemu:/c/qemu/1%3a10.0/root/usr/share/seabios";
    assert_int_equal(backend_qemu_build_argv(&s, &a), 0);
    assert_string_equal(a.argv[0], "/c/qemu/1%3a10.0/root/usr/bin/qemu-system-x86_64");
    assert_int_equal(count_opt(&a, "-L"), 2);
    assert_string_equal(a.argv[1], "-L");
    assert_string_equal(a.argv[2], "/c/qemu/1%3a10.0/root/usr/share/qemu");
    assert_string_equal(opt_value(&a, "-L", 1), "/c/qemu/1%3a10.0/root/usr/share/seabios");
    /* the rest as before */
    assert_string_equal(opt_value(&a, "-kernel", 0), "/img/vmlinux");
    assert_null(a.argv[a.argc]);
    s.qemu_data_dirs = "/a::/b";
    assert_int_equal(backend_qemu_build_argv(&s, &a), -1);
    s.qemu_data_dirs = "";
    assert_int_equal(backend_qemu_build_argv(&s, &a), 0);
    assert_int_equal(count_opt(&a, "-L"), 0);
}

/* Count of entries of envp that start with prefix. */
static int env_count(char **envp, const char *prefix)
{
    int n = 0;
    for (size_t i = 0; envp[i]; i++) {
        n += strncmp(envp[i], prefix, strlen(prefix)) == 0;
    }
    return n;
}

/* The library path and module folder go to QEMU's environment alone, replacing pvbench's. */
static void test_fetched_qemu_env(void **state)
{
    char *base[] = {"PATH=/usr/bin", "LD_LIBRARY_PATH=/host/lib", "QEMU_MODULE_DIRX=keep",
                    "HOME=/root", NULL};
    struct guest_spec s;
    char **envp = (char **)1;

    (void)state;
    base_spec(&s, "ide");
    assert_int_equal(backend_qemu_build_env(&s, base, &envp), 0);
    assert_null(envp); /* the host's QEMU: pvbench's environment unchanged */
    s.qemu_lib_path = "/c/q/root/usr/lib/x86_64-linux-gnu";
    s.qemu_module_dir = "/c/q/root/usr/lib/x86_64-linux-gnu/qemu";
    assert_int_equal(backend_qemu_build_env(&s, base, &envp), 0);
    assert_non_null(envp);
    assert_int_equal(env_count(envp, "LD_LIBRARY_PATH="), 1);
    assert_int_equal(env_count(envp, "LD_LIBRARY_PATH=/c/q/root/usr/lib/x86_64-linux-gnu"), 1);
    assert_int_equal(env_count(envp, "QEMU_MODULE_DIR=/c/q/root/usr/lib/x86_64-linux-gnu/qemu"),
                     1);
    assert_int_equal(env_count(envp, "PATH=/usr/bin"), 1);
    assert_int_equal(env_count(envp, "HOME=/root"), 1);
    assert_int_equal(env_count(envp, "QEMU_MODULE_DIRX=keep"), 1);
    assert_int_equal(env_count(envp, ""), 5);
    backend_qemu_env_free(envp);
    /* a module folder alone: the host's LD_LIBRARY_PATH is not the fetched QEMU's */
    s.qemu_lib_path = NULL;
    assert_int_equal(backend_qemu_build_env(&s, base, &envp), 0);
    assert_int_equal(env_count(envp, "LD_LIBRARY_PATH="), 0);
    assert_int_equal(env_count(envp, "QEMU_MODULE_DIR="), 1);
    assert_int_equal(env_count(envp, ""), 4);
    backend_qemu_env_free(envp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_common_guest),
        cmocka_unit_test(test_models),
        cmocka_unit_test(test_every_blk_model_builds),
        cmocka_unit_test(test_throttle),
        cmocka_unit_test(test_config_options),
        cmocka_unit_test(test_device_props),
        cmocka_unit_test(test_make_qcow2),
        cmocka_unit_test(test_kvm_and_probe),
        cmocka_unit_test(test_refuses_injection),
        cmocka_unit_test(test_bus_table),
        cmocka_unit_test(test_nic_models),
        cmocka_unit_test(test_fetched_qemu_argv),
        cmocka_unit_test(test_fetched_qemu_env),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
