/* QEMU argv building per device model: pure, no QEMU started. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "backend.h"
#include "devbus.h"

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
        cmocka_unit_test(test_kvm_and_probe),
        cmocka_unit_test(test_refuses_injection),
        cmocka_unit_test(test_bus_table),
        cmocka_unit_test(test_nic_models),
        cmocka_unit_test(test_fetched_qemu_argv),
        cmocka_unit_test(test_fetched_qemu_env),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
