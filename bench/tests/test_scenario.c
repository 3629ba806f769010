/*
 * Scenario files: the repository's scenarios parse, every error class gives its exact
 * "file:line: message", machine=auto resolves as documented, --set overrides apply.
 * Runs from the repository root (scenarios/ and bench/tests/fixtures/ are relative).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"

#define FIXTURES "bench/tests/fixtures/scenarios/"

static struct scenario scn;
static char err[SCENARIO_ERR_MAX];

/* Load a string that must parse. */
static void load_ok(const char *text)
{
    err[0] = '\0';
    if (scenario_load_string("test.ini", text, &scn, err, sizeof(err)) != 0) {
        fail_msg("unexpected error: %s", err);
    }
}

/* Load a string that must fail with exactly this message. */
static void load_fails(const char *text, const char *expected)
{
    err[0] = '\0';
    assert_int_equal(scenario_load_string("test.ini", text, &scn, err, sizeof(err)), -1);
    assert_string_equal(err, expected);
}

static const char *dev_name(unsigned i)
{
    return scn.devices[i]->name;
}

/* ---- the repository's scenarios ---------------------------------------------------------- */

static void test_quick_ini(void **state)
{
    static const char *const wl[] = {"seqread",      "seqwrite", "randread", "randwrite",
                                     "randread_qd1", "tcp_tx",   "tcp_rx",   "tcp_rr"};

    (void)state;
    if (scenario_load("scenarios/quick.ini", &scn, err, sizeof(err)) != 0) {
        fail_msg("%s", err);
    }
    assert_string_equal(scn.name, "quick");
    assert_string_equal(scn.path, "scenarios/quick.ini");
    assert_int_equal(scn.n_devices, 4);
    assert_string_equal(dev_name(0), "ide");
    assert_string_equal(dev_name(1), "virtio-blk");
    assert_string_equal(dev_name(2), "rtl8139");
    assert_string_equal(dev_name(3), "virtio-net");
    assert_int_equal(scn.n_workloads, 8);
    for (unsigned i = 0; i < 8; i++) {
        assert_string_equal(scn.workloads[i]->name, wl[i]);
    }
    assert_int_equal(scn.repetitions, 5);
    assert_true(scn.runtime_s == 1.0);
    assert_true(scn.warmup_s == 0.3);
    assert_int_equal(scn.vcpus, 1);
    assert_int_equal(scn.memory_mib, 256);
    assert_int_equal(scn.disk_mib, 256);
    assert_int_equal(scn.machine, 0);
    /* ide and rtl8139 need pc, the virtio models can live there too: one machine for all */
    for (unsigned i = 0; i < 4; i++) {
        assert_int_equal(scn.device_machine[i], MACHINE_PC);
    }
    assert_int_equal(scn.vhost, 0); /* auto */
}

static void test_standard_ini(void **state)
{
    (void)state;
    if (scenario_load("scenarios/standard.ini", &scn, err, sizeof(err)) != 0) {
        fail_msg("%s", err);
    }
    assert_string_equal(scn.name, "standard");
    assert_int_equal(scn.n_devices, 8);
    assert_int_equal(scn.n_workloads, 10);
    assert_int_equal(scn.repetitions, 10);
    assert_true(scn.runtime_s == 5.0);
    assert_true(scn.warmup_s == 1.0);
    /* ide and ahci share no machine: each device gets its own */
    assert_string_equal(dev_name(0), "ide");
    assert_int_equal(scn.device_machine[0], MACHINE_PC);
    assert_string_equal(dev_name(1), "ahci");
    assert_int_equal(scn.device_machine[1], MACHINE_Q35);
    assert_int_equal(scn.device_machine[2], MACHINE_PC);
    assert_int_equal(scn.device_machine[3], MACHINE_PC);
    /* the NICs: rtl8139 and e1000 on pc, e1000e on q35, virtio-net on pc */
    assert_string_equal(dev_name(6), "e1000e");
    assert_int_equal(scn.device_machine[4], MACHINE_PC);
    assert_int_equal(scn.device_machine[5], MACHINE_PC);
    assert_int_equal(scn.device_machine[6], MACHINE_Q35);
    assert_int_equal(scn.device_machine[7], MACHINE_PC);
}

static void test_good_fixtures(void **state)
{
    (void)state;
    if (scenario_load(FIXTURES "good_minimal.ini", &scn, err, sizeof(err)) != 0) {
        fail_msg("%s", err);
    }
    /* name from the file; every other key at its default */
    assert_string_equal(scn.name, "good_minimal");
    assert_string_equal(scn.description, "");
    assert_int_equal(scn.repetitions, 5);
    assert_true(scn.runtime_s == 2.0);
    assert_true(scn.warmup_s == 0.5);
    assert_int_equal(scn.vcpus, 1);
    assert_int_equal(scn.memory_mib, 256);
    assert_int_equal(scn.disk_mib, 256);
    assert_int_equal(scn.machine, 0);
    assert_true(scn.boot_timeout_s == 60.0);
    assert_true(scn.kvm_probe_timeout_s == 10.0);

    if (scenario_load(FIXTURES "good_units.ini", &scn, err, sizeof(err)) != 0) {
        fail_msg("%s", err);
    }
    assert_int_equal(scn.n_devices, 2);
    assert_int_equal(scn.n_workloads, 3);
    assert_string_equal(scn.workloads[2]->name, "randwrite_qd1");
    assert_true(scn.runtime_s == 60.0);
    assert_true(scn.warmup_s == 0.25);
    assert_true(scn.boot_timeout_s == 90.0);
    assert_int_equal(scn.memory_mib, 2048);
    assert_int_equal(scn.disk_mib, 512);
    assert_int_equal(scn.repetitions, 3);
}

/* ---- one fixture per error class ---------------------------------------------------------- */

/* Load fixtures/<file> and expect "<path><rest>", rest being ":line: message" or ": message". */
static void expect_fixture_error(const char *file, const char *rest)
{
    char path[256], want[SCENARIO_ERR_MAX];

    snprintf(path, sizeof(path), FIXTURES "%s", file);
    snprintf(want, sizeof(want), "%s%s", path, rest);
    err[0] = '\0';
    assert_int_equal(scenario_load(path, &scn, err, sizeof(err)), -1);
    assert_string_equal(err, want);
}

#define BAD_FIXTURE(test, file, rest)                                                              \
    static void test(void **state)                                                                 \
    {                                                                                              \
        (void)state;                                                                               \
        expect_fixture_error(file, rest);                                                          \
    }

BAD_FIXTURE(
    test_bad_unknown_section, "bad_unknown_section.ini",
    ":6: unknown section [network] (a scenario file has a [scenario] section, [config NAME] "
    "and [workload NAME] sections)")
BAD_FIXTURE(test_bad_key_before_section, "bad_key_before_section.ini",
            ":2: key 'devices' comes before the [scenario] header")
BAD_FIXTURE(test_bad_unknown_key, "bad_unknown_key.ini",
            ":5: unknown key 'runtme' (did you mean 'runtime'?)")
BAD_FIXTURE(test_bad_unknown_key_far, "bad_unknown_key_far.ini",
            ":3: unknown key 'colour' (known keys: name, description, devices, workloads, "
            "repetitions, boots, runtime, warmup, vcpus, memory, disk_size, machine, boot_timeout, "
            "vhost, disk_iops_limit, warmup_jobs, job_retries, pin_vcpus, pin_io, engine, "
            "host_baseline, why, why_runtime, "
            "max_configs, reference, kvm_probe_timeout, aio, cache, iothread, format, preallocation, discard, queues, "
            "device_options, qemu, kernel)")
BAD_FIXTURE(test_bad_duplicate_key, "bad_duplicate_key.ini",
            ":6: key 'runtime' given twice (first on line 3)")
BAD_FIXTURE(test_bad_empty_value, "bad_empty_value.ini",
            ":5: key 'warmup' has an empty value (expected a number of seconds, optionally "
            "with unit s, ms or min, e.g. 2, 1.5s, 500ms)")
BAD_FIXTURE(test_bad_not_a_number, "bad_not_a_number.ini",
            ":5: repetitions: 'five' is not a whole number")
BAD_FIXTURE(test_bad_out_of_range, "bad_out_of_range.ini",
            ":5: runtime: 7200 is out of range (0.1..3600 seconds)")
BAD_FIXTURE(test_bad_unknown_device, "bad_unknown_device.ini",
            ":3: unknown device model 'virtio_blk' (did you mean 'virtio-blk'? known: ide, ahci, "
            "virtio-blk, virtio-scsi, nvme, rtl8139, e1000, e1000e, vmxnet3, virtio-net)")
BAD_FIXTURE(test_bad_unknown_workload, "bad_unknown_workload.ini",
            ":4: unknown workload 'mixed_rw' (known: seqread, seqwrite, randread, randwrite, "
            "randread_qd1, randwrite_qd1, tcp_tx, tcp_rx, tcp_rr, udp_pps)")
BAD_FIXTURE(test_bad_duplicate_device, "bad_duplicate_device.ini",
            ":3: device 'ide' listed twice")
BAD_FIXTURE(test_bad_duplicate_workload, "bad_duplicate_workload.ini",
            ":4: workload 'randread' listed twice")
BAD_FIXTURE(test_bad_missing_devices, "bad_missing_devices.ini",
            ": missing required key 'devices' (one or more of: ide, ahci, virtio-blk, "
            "virtio-scsi, nvme, rtl8139, e1000, e1000e, vmxnet3, virtio-net)")
BAD_FIXTURE(test_bad_machine, "bad_machine.ini",
            ":4: device 'ahci' needs machine q35, but machine = pc")
BAD_FIXTURE(test_bad_machine_value, "bad_machine_value.ini",
            ":5: machine: 'i440fx' is not one of auto, pc, q35")
BAD_FIXTURE(test_bad_syntax, "bad_syntax.ini",
            ":4: expected 'key = value', a [section] header or a comment, got 'runtime 2'")
BAD_FIXTURE(test_bad_section_unclosed, "bad_section_unclosed.ini",
            ":2: section header '[scenario' has no closing ']'")
BAD_FIXTURE(test_bad_name, "bad_name.ini",
            ":3: name: 'my scenario/1' may hold only letters, digits, '_', '.' and '-' (and not "
            "start with '.' or '-')")
BAD_FIXTURE(test_bad_missing_file, "no_such_file.ini",
            ": cannot open: No such file or directory")

/* ---- more errors, from strings ----------------------------------------------------------- */

static void test_errors_from_strings(void **state)
{
    char text[512];

    (void)state;
    load_fails("", "test.ini: no [scenario] section (is this a scenario file?)");
    load_fails("[scenario]\ndevices = ide\n",
               "test.ini: missing required key 'workloads' (one or more of: seqread, seqwrite, "
               "randread, randwrite, randread_qd1, randwrite_qd1, tcp_tx, tcp_rx, tcp_rr, "
               "udp_pps)");
    load_fails("[scenario]\ndevices = ide\nworkloads = seqread\nmemory = 1.5G\n",
               "test.ini:4: memory: '1.5G' is not a size in MiB: a whole number, optionally "
               "with unit M, G or T, e.g. 512, 2G");
    load_fails("[scenario]\ndevices = ide\nworkloads = seqread\nmemory = 32M\n",
               "test.ini:4: memory: 32M is out of range (64..65536 MiB)");
    load_fails("[scenario]\ndevices = ide\nworkloads = seqread\nwarmup = -1\n",
               "test.ini:4: warmup: -1 is out of range (0..600 seconds)");
    load_fails("[scenario]\ndevices = ide\nworkloads = seqread\nruntime = 1e3\n",
               "test.ini:4: runtime: '1e3' is not a number of seconds, optionally with unit s, "
               "ms or min, e.g. 2, 1.5s, 500ms");
    load_fails("[scenario]\ndevices = ide\nworkloads = seqread\nrepetitions = 99999999999999\n",
               "test.ini:4: repetitions: 99999999999999 is out of range (1..1000)");
    load_fails("[scenario]\ndevices = ,\nworkloads = seqread\n",
               "test.ini:2: devices: the list is empty");
    load_fails("[scenario]\ndevices = ide\nworkloads = seqread\nruntime = 2 # seconds\n",
               "test.ini:4: runtime: '2 # seconds' is not a number of seconds, optionally with "
               "unit s, ms or min, e.g. 2, 1.5s, 500ms (comments after a value start with ' ;', "
               "not '#')");
    load_fails("[scenario]\n= 3\n", "test.ini:2: missing key name before '='");
    /* the first error wins, even when a later line is also wrong */
    load_fails("[scenario]\nfoo = 1\nbar = 2\n",
               "test.ini:2: unknown key 'foo' (known keys: name, description, devices, "
               "workloads, repetitions, boots, runtime, warmup, vcpus, memory, disk_size, machine, "
               "boot_timeout, vhost, disk_iops_limit, warmup_jobs, job_retries, pin_vcpus, pin_io, "
               "engine, "
               "host_baseline, why, why_runtime, max_configs, reference, kvm_probe_timeout, aio, cache, iothread, "
               "format, preallocation, discard, queues, device_options, qemu, kernel)");
    /* a line longer than inih's buffer is refused, not split */
    snprintf(text, sizeof(text), "[scenario]\ndescription = %0300d\n", 0);
    err[0] = '\0';
    assert_int_equal(scenario_load_string("test.ini", text, &scn, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "test.ini:2: line too long (at most "));
}

/* The network half: NIC models, net workloads, the vhost key, machines per NIC. */
static void test_net_scenario(void **state)
{
    (void)state;
    load_ok("[scenario]\ndevices = ide, rtl8139, virtio-net\n"
            "workloads = seqread, tcp_tx, tcp_rx, tcp_rr, udp_pps\n");
    assert_int_equal(scn.vhost, 0); /* auto */
    assert_int_equal(scn.n_devices, 3);
    assert_int_equal(scn.device_machine[1], MACHINE_PC);
    assert_int_equal(scn.device_machine[2], MACHINE_PC);
    load_ok("[scenario]\ndevices = e1000e\nworkloads = tcp_rr\nvhost = off\n");
    assert_int_equal(scn.vhost, 2);
    assert_int_equal(scn.device_machine[0], MACHINE_Q35);
    load_ok("[scenario]\ndevices = virtio-net\nworkloads = udp_pps\nvhost = on\n");
    assert_int_equal(scn.vhost, 1);
    load_fails("[scenario]\ndevices = virtio-net\nworkloads = tcp_tx\nvhost = yes\n",
               "test.ini:4: vhost: 'yes' is not one of auto, on, off");
    load_fails("[scenario]\ndevices = e1000e\nworkloads = tcp_tx\nmachine = pc\n",
               "test.ini:4: device 'e1000e' needs machine q35, but machine = pc");
    load_fails("[scenario]\ndevices = rtl8139\nworkloads = seqread\n",
               "test.ini:3: workload seqread needs a blk device, but devices lists none");
    assert_int_equal(scenario_set(&scn, "vhost=off", err, sizeof(err)), 0);
    assert_int_equal(scn.vhost, 2);
}

/* The kind rules with a test-only NIC model and a net workload of the scenario's own. */
static void test_kind_rules(void **state)
{
    static const struct devmodel net_dev = {.name = "test-nic",
                                            .class = DEVMODEL_EMULATED,
                                            .kind = DEVMODEL_NET,
                                            .machines = MACHINE_PC,
                                            .bus = "pci",
                                            .attach = DEVBUS_NIC,
                                            .qemu_device = "e1000",
                                            .libvirt_bus = "e1000",
                                            .guest_modules = "e1000",
                                            .irq_match = "eth0",
                                            .summary = "test only"};
    struct scenario s;

    (void)state;
    /* the net workload a [workload] section of the scenario's own, the NIC a test-only model */
    load_ok("[scenario]\ndevices = ide\nworkloads = seqread\n[workload tcp_test]\nrw = tcp_tx\n");
    scenario_copy(&s, &scn);
    memcpy(s.workload_names[s.n_workload_names++], "tcp_test", sizeof("tcp_test"));
    assert_int_equal(scenario_resolve(&s, err, sizeof(err)), -1);
    assert_string_equal(err, "workload tcp_test needs a net device, but devices lists none");

    scenario_copy(&s, &scn);
    s.shorthand[s.n_shorthand++] = &net_dev;
    assert_int_equal(scenario_resolve(&s, err, sizeof(err)), -1);
    assert_string_equal(err, "device 'test-nic' is a net device, but workloads lists no net "
                             "workload");

    memcpy(s.workload_names[s.n_workload_names++], "tcp_test", sizeof("tcp_test"));
    assert_int_equal(scenario_resolve(&s, err, sizeof(err)), 0);
    assert_int_equal(s.n_devices, 2);
    assert_ptr_equal(s.devices[1], &net_dev);
}

/* ---- syntax that must be accepted --------------------------------------------------------- */

static void test_syntax_accepted(void **state)
{
    (void)state;
    /* BOM, CRLF, '#' comments, indented keys, inline ';' comments, ':' separator */
    load_ok("\xEF\xBB\xBF# comment\r\n[scenario]\r\n  devices = ide ; the old one\r\n"
            "\tworkloads: seqread\r\n");
    assert_int_equal(scn.n_devices, 1);
    assert_string_equal(dev_name(0), "ide");
    assert_int_equal(scn.n_workloads, 1);
    /* an indented line after a key is a key of its own, not a continuation */
    load_ok("[scenario]\ndevices = ide\n    workloads = seqread\n    runtime = 3\n");
    assert_int_equal(scn.n_devices, 1);
    assert_true(scn.runtime_s == 3.0);
    /* no trailing newline, list separators mixed, a second [scenario] header */
    load_ok("[scenario]\ndevices = ide,virtio-blk,\n[scenario]\nworkloads =seqread , randread");
    assert_int_equal(scn.n_devices, 2);
    assert_int_equal(scn.n_workloads, 2);
}

static void test_units(void **state)
{
    (void)state;
    load_ok("[scenario]\ndevices = ide\nworkloads = seqread\nruntime = 100ms\nwarmup = 0s\n"
            "boot_timeout = 2min\nmemory = 1G\ndisk_size = 1T\n");
    assert_true(scn.runtime_s == 0.1); /* the minimum, exactly */
    assert_true(scn.warmup_s == 0.0);
    assert_true(scn.boot_timeout_s == 120.0);
    assert_int_equal(scn.memory_mib, 1024);
    assert_int_equal(scn.disk_mib, 1048576);
    load_ok("[scenario]\ndevices = ide\nworkloads = seqread\nmemory = 512 MiB\n"
            "disk_size = 1gib\nruntime = 2.5 s\n");
    assert_int_equal(scn.memory_mib, 512);
    assert_int_equal(scn.disk_mib, 1024);
    assert_true(scn.runtime_s == 2.5);
}

static void test_name(void **state)
{
    (void)state;
    assert_int_equal(scenario_load_string("dir/sub/my-test.ini", "[scenario]\ndevices = ide\n"
                                          "workloads = seqread\n",
                                          &scn, err, sizeof(err)),
                     0);
    assert_string_equal(scn.name, "my-test");
    assert_string_equal(scn.path, "dir/sub/my-test.ini");
    /* a file name that cannot be a name is made one */
    assert_int_equal(scenario_load_string("odd name!.ini", "[scenario]\ndevices = ide\n"
                                          "workloads = seqread\n",
                                          &scn, err, sizeof(err)),
                     0);
    assert_string_equal(scn.name, "odd_name_");
    load_ok("[scenario]\nname = ci.nightly-1\ndescription = a; b\ndevices = ide\n"
            "workloads = seqread\n");
    assert_string_equal(scn.name, "ci.nightly-1");
    assert_string_equal(scn.description, "a; b"); /* ';' without a space before is text */
}

/* ---- machine resolution ------------------------------------------------------------------- */

static void resolve_case(const char *devices, const char *machine, enum machine_type m0,
                         enum machine_type m1)
{
    char text[256];

    snprintf(text, sizeof(text), "[scenario]\ndevices = %s\nworkloads = seqread\nmachine = %s\n",
             devices, machine);
    load_ok(text);
    assert_int_equal(scn.n_devices, 2);
    assert_int_equal(scn.device_machine[0], m0);
    assert_int_equal(scn.device_machine[1], m1);
}

static void test_resolve_auto(void **state)
{
    (void)state;
    resolve_case("ide, virtio-blk", "auto", MACHINE_PC, MACHINE_PC);
    resolve_case("ide, ahci", "auto", MACHINE_PC, MACHINE_Q35);
    /* a machine every device shares wins over each device's own default */
    resolve_case("ahci, virtio-blk", "auto", MACHINE_Q35, MACHINE_Q35);
    resolve_case("virtio-blk, virtio-scsi", "auto", MACHINE_PC, MACHINE_PC);
    resolve_case("virtio-blk, virtio-scsi", "q35", MACHINE_Q35, MACHINE_Q35);
    resolve_case("ide, virtio-scsi", "pc", MACHINE_PC, MACHINE_PC);
    load_fails("[scenario]\ndevices = virtio-blk ide\nworkloads = seqread\nmachine = q35\n",
               "test.ini:4: device 'ide' needs machine pc, but machine = q35");
}

/* ---- --set overrides --------------------------------------------------------------------- */

static void set_ok(const char *assignment)
{
    err[0] = '\0';
    if (scenario_set(&scn, assignment, err, sizeof(err)) != 0) {
        fail_msg("--set %s: %s", assignment, err);
    }
}

/* The scenario as resolved text (malloc'ed): what a refused override must leave unchanged. */
static char *scn_text(void)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    assert_non_null(f);
    scenario_print_resolved(&scn, f);
    scenario_print_configs(&scn, f);
    fclose(f);
    return buf;
}

static void set_fails(const char *assignment, const char *expected)
{
    /* compared as text: the struct's padding bytes are not values (valgrind) */
    char *before = scn_text(), *after;

    err[0] = '\0';
    assert_int_equal(scenario_set(&scn, assignment, err, sizeof(err)), -1);
    assert_string_equal(err, expected);
    /* a refused override changes nothing */
    after = scn_text();
    assert_string_equal(before, after);
    free(before);
    free(after);
}

static void test_set(void **state)
{
    (void)state;
    load_ok("[scenario]\ndevices = ide, virtio-blk\nworkloads = seqread\n");
    set_ok("runtime=3");
    assert_true(scn.runtime_s == 3.0);
    set_ok(" warmup = 250ms ");
    assert_true(scn.warmup_s == 0.25);
    set_ok("memory=1G");
    assert_int_equal(scn.memory_mib, 1024);
    set_ok("repetitions=1");
    assert_int_equal(scn.repetitions, 1);
    set_ok("name=override");
    assert_string_equal(scn.name, "override");
    set_ok("workloads=randread,randwrite_qd1");
    assert_int_equal(scn.n_workloads, 2);
    /* what --kvm-probe-timeout sets */
    set_ok("kvm_probe_timeout=45");
    assert_true(scn.kvm_probe_timeout_s == 45.0);
    set_fails("kvm_probe_timeout=0.5", "--set: kvm_probe_timeout: 0.5 is out of range (1..600 seconds)");

    /* changing devices re-resolves the machines */
    set_ok("devices=ide,ahci");
    assert_int_equal(scn.device_machine[0], MACHINE_PC);
    assert_int_equal(scn.device_machine[1], MACHINE_Q35);
    set_fails("machine=pc", "--set: device 'ahci' needs machine q35, but machine = pc");
    set_ok("devices=ahci,virtio-scsi");
    assert_int_equal(scn.device_machine[0], MACHINE_Q35);
    assert_int_equal(scn.device_machine[1], MACHINE_Q35);
    set_ok("machine=q35");
    assert_int_equal(scn.machine, MACHINE_Q35);

    set_fails("runtime", "--set: expected key=value, got 'runtime'");
    set_fails("=3", "--set: missing key name before '='");
    set_fails("runtme=3", "--set: unknown key 'runtme' (did you mean 'runtime'?)");
    set_fails("disk=1G", "--set: unknown key 'disk' (did you mean 'disk_size'?)");
    set_fails("vcpus=0", "--set: vcpus: 0 is out of range (1..64)");
    set_fails("vcpus=", "--set: key 'vcpus' has an empty value (expected a whole number)");
    set_fails("devices=ahci,ahci", "--set: device 'ahci' listed twice");
    set_fails("devices=ahci,ide", "--set: device 'ide' needs machine pc, but machine = q35");
}

/* ---- printing ----------------------------------------------------------------------------- */

static void test_print_resolved_round_trip(void **state)
{
    struct scenario first;
    char *buf = NULL;
    size_t len = 0;
    FILE *f;

    (void)state;
    if (scenario_load("scenarios/standard.ini", &scn, err, sizeof(err)) != 0) {
        fail_msg("%s", err);
    }
    set_ok("warmup=0.3");
    first = scn;
    f = open_memstream(&buf, &len);
    assert_non_null(f);
    scenario_print_resolved(&first, f);
    fclose(f);
    assert_non_null(strstr(buf, "\n[scenario]\n"));
    assert_non_null(strstr(buf, "\ndevices = ide, ahci, virtio-blk, virtio-scsi, rtl8139, e1000, "
                                "e1000e, virtio-net\n"));
    assert_non_null(strstr(buf, "ahci: machine q35\n"));
    assert_non_null(strstr(buf, "\nmachine = auto\n"));
    assert_non_null(strstr(buf, "\nwarmup = 0.3\n"));

    /* what is printed parses back to the same scenario */
    if (scenario_load_string(first.path, buf, &scn, err, sizeof(err)) != 0) {
        fail_msg("%s\n%s", err, buf);
    }
    free(buf);
    assert_string_equal(scn.name, first.name);
    assert_string_equal(scn.description, first.description);
    assert_int_equal(scn.n_devices, first.n_devices);
    assert_memory_equal(scn.devices, first.devices, sizeof(scn.devices));
    assert_int_equal(scn.n_workloads, first.n_workloads);
    assert_memory_equal(scn.workloads, first.workloads, sizeof(scn.workloads));
    assert_int_equal(scn.repetitions, first.repetitions);
    assert_true(scn.runtime_s == first.runtime_s);
    assert_true(scn.warmup_s == first.warmup_s);
    assert_int_equal(scn.vcpus, first.vcpus);
    assert_int_equal(scn.memory_mib, first.memory_mib);
    assert_int_equal(scn.disk_mib, first.disk_mib);
    assert_int_equal(scn.machine, first.machine);
    assert_true(scn.boot_timeout_s == first.boot_timeout_s);
    assert_memory_equal(scn.device_machine, first.device_machine, sizeof(scn.device_machine));
}

/* engine = agent|fio and host_baseline = yes|no (issue 9). */
static void test_engine_keys(void **state)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f;

    (void)state;
    load_ok("[scenario]\ndevices = ide\nworkloads = seqread\n");
    assert_int_equal(scn.engine, SCENARIO_ENGINE_AGENT);
    assert_int_equal(scn.host_baseline, 0);
    load_ok("[scenario]\ndevices = ide\nworkloads = seqread\nengine = fio\nmemory = 512\n"
            "host_baseline = yes\n");
    assert_int_equal(scn.engine, SCENARIO_ENGINE_FIO);
    assert_string_equal(scenario_engine_name(scn.engine), "fio");
    assert_int_equal(scn.host_baseline, 1);
    f = open_memstream(&buf, &len);
    assert_non_null(f);
    scenario_print_resolved(&scn, f);
    fclose(f);
    assert_non_null(strstr(buf, "\nengine = fio\n"));
    assert_non_null(strstr(buf, "\nhost_baseline = yes\n"));
    free(buf);
    load_fails("[scenario]\ndevices = ide\nworkloads = seqread\nengine = spdk\n",
               "test.ini:4: engine: 'spdk' is not agent or fio");
    load_fails("[scenario]\ndevices = ide\nworkloads = seqread\nhost_baseline = 1\n",
               "test.ini:4: host_baseline: '1' is not yes or no");
    /* the fio image unpacks ~90 MiB into the guest's RAM: 256 MiB guests cannot hold it */
    load_fails("[scenario]\ndevices = ide\nworkloads = seqread\nengine = fio\n",
               "test.ini:4: engine = fio needs memory >= 384 MiB (memory = 256): the fio guest "
               "image unpacks ~90 MiB of libraries into RAM");
    load_ok("[scenario]\ndevices = ide\nworkloads = seqread\n");
    assert_int_equal(scenario_set(&scn, "engine=fio", err, sizeof(err)), -1);
    assert_int_equal(scenario_set(&scn, "memory=384", err, sizeof(err)), 0);
    assert_int_equal(scenario_set(&scn, "engine=fio", err, sizeof(err)), 0);
    assert_int_equal(scn.engine, SCENARIO_ENGINE_FIO);
    assert_int_equal(scenario_set(&scn, "host_baseline=yes", err, sizeof(err)), 0);
    assert_int_equal(scn.host_baseline, 1);
}

static void test_print_help(void **state)
{
    static const char *const keys[] = {"name",   "description", "devices", "workloads",
                                       "repetitions", "runtime", "warmup",  "vcpus",
                                       "memory", "disk_size",   "machine", "boot_timeout",
                                       "engine", "host_baseline"};
    char *buf = NULL;
    size_t len = 0;
    char want[64];
    FILE *f;

    (void)state;
    f = open_memstream(&buf, &len);
    assert_non_null(f);
    scenario_print_help(f);
    fclose(f);
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        snprintf(want, sizeof(want), "  %s = <", keys[i]);
        if (!strstr(buf, want)) {
            fail_msg("help lacks %s", keys[i]);
        }
    }
    assert_non_null(strstr(buf, "default 5, range 1..1000"));
    assert_non_null(strstr(buf, "virtio-scsi"));
    assert_non_null(strstr(buf, "randwrite_qd1"));
    free(buf);
}

/* ---- configurations, matrices, workloads of the file's own (issue 13) --------------------- */

/* [config] sections inherit what they do not set from [scenario]; devices = stays shorthand. */
static void test_config_inheritance(void **state)
{
    const struct scenario_config *c;

    (void)state;
    load_ok("[scenario]\ndevices = ide\nworkloads = randread\nvcpus = 2\naio = io_uring\n"
            "[config vblk]\ndevice = virtio-blk\niothread = yes\nmemory = 512\n"
            "[config vblk-native]\ndevice = virtio-blk\naio = native\ncache = directsync\n");
    assert_int_equal(scn.n_configs, 3);
    assert_int_equal(scn.n_devices, 3);
    assert_string_equal(scn.configs[0].name, "ide");
    assert_ptr_equal(scn.devices[0], devmodel_find("ide"));
    assert_int_equal(scn.configs[0].opts.aio, DEVOPTS_AIO_IO_URING);
    assert_int_equal(scn.configs[0].vcpus, 2);
    c = scenario_config_find(&scn, "vblk");
    assert_non_null(c);
    assert_ptr_equal(scn.devices[1], c->dev);
    assert_int_equal(c->opts.aio, DEVOPTS_AIO_IO_URING);
    assert_int_equal(c->opts.iothread, 1);
    assert_int_equal(c->memory_mib, 512);
    assert_int_equal(c->vcpus, 2);
    assert_int_equal(c->opts.cache, DEVOPTS_CACHE_NONE);
    assert_true(c->explicit_keys & (1u << SCENARIO_CK_IOTHREAD));
    assert_true(c->explicit_keys & (1u << SCENARIO_CK_AIO)); /* from [scenario], asked for */
    assert_false(c->explicit_keys & (1u << SCENARIO_CK_CACHE));
    c = scenario_config_find(&scn, "vblk-native");
    assert_int_equal(c->opts.aio, DEVOPTS_AIO_NATIVE);
    assert_int_equal(c->opts.cache, DEVOPTS_CACHE_DIRECTSYNC);
    assert_int_equal(c->memory_mib, 256);
    /* a shorthand configuration has today's options: raw, cache=none, threads, no iothread */
    load_ok("[scenario]\ndevices = virtio-blk, virtio-net\nworkloads = randread, tcp_rr\n");
    assert_int_equal(scn.configs[0].opts.aio, DEVOPTS_AIO_THREADS);
    assert_int_equal(scn.configs[0].opts.cache, DEVOPTS_CACHE_NONE);
    assert_int_equal(scn.configs[0].opts.iothread, 0);
    assert_int_equal(scn.configs[0].opts.format, DEVOPTS_FORMAT_RAW);
    assert_int_equal(scn.configs[0].explicit_keys, 0);
    assert_string_equal(scn.configs[1].name, "virtio-net");
    /* only [config] sections, and only [workload] sections: no devices = or workloads = */
    load_ok("[config a]\ndevice = nvme\nqueues = 4\n[workload rr4k]\nrw = randread\n"
            "iodepth = 16\n[scenario]\nreference = a\n");
    assert_int_equal(scn.n_configs, 1);
    assert_int_equal(scn.configs[0].opts.queues, 4);
    assert_string_equal(scn.reference, "a");
    /* a multiqueue NIC: as many queue pairs as vCPUs */
    load_ok("[scenario]\nworkloads = tcp_tx\n[config mq]\ndevice = virtio-net\nvcpus = 2\n"
            "queues = 2\n");
    assert_int_equal(scn.configs[0].opts.queues, 2);
    assert_int_equal(scn.configs[0].vcpus, 2);
    /* reload the scenario the next checks read */
    load_ok("[config a]\ndevice = nvme\nqueues = 4\n[workload rr4k]\nrw = randread\n"
            "iodepth = 16\n[scenario]\nreference = a\n");
    assert_int_equal(scn.n_workloads, 1);
    assert_string_equal(scn.workloads[0]->name, "rr4k");
    assert_string_equal(scn.workloads[0]->rw, "randread");
    assert_int_equal(scn.workloads[0]->bs, 4096);
    assert_int_equal(scn.workloads[0]->qd, 16);
    assert_string_equal(scn.workloads[0]->metric, "iops");
    /* qemu and kernel are kept as text for whoever resolves them */
    load_ok("[scenario]\nworkloads = seqread\nqemu = 1:7.2+dfsg-7\n[config a]\ndevice = ide\n"
            "kernel = build/guest-6.12\n");
    assert_string_equal(scn.configs[0].qemu, "1:7.2+dfsg-7");
    assert_string_equal(scn.configs[0].kernel, "build/guest-6.12");
    /* disk_iops_limit: [scenario]'s for every configuration, a [config]'s own for it alone */
    load_ok("[scenario]\nworkloads = randread\ndisk_iops_limit = 500\n[config a]\n"
            "device = virtio-blk\n[config b]\ndevice = virtio-blk\ndisk_iops_limit = 90\n"
            "[config c]\ndevice = virtio-blk\ndisk_iops_limit = 0\n");
    assert_int_equal(scenario_config_find(&scn, "a")->disk_iops_limit, 500);
    assert_int_equal(scenario_config_find(&scn, "b")->disk_iops_limit, 90);
    assert_int_equal(scenario_config_find(&scn, "c")->disk_iops_limit, 0);
    assert_true(scenario_config_find(&scn, "b")->explicit_keys &
                (1u << SCENARIO_CK_DISK_IOPS_LIMIT));
    /* ... and a NIC is left alone by [scenario]'s */
    load_ok("[scenario]\ndevices = virtio-blk, virtio-net\nworkloads = randread, tcp_rr\n"
            "disk_iops_limit = 300\n");
    assert_int_equal(scn.configs[0].disk_iops_limit, 300);
}

/* A matrix is the product of its values, named NAME-key_value-..., capped by max_configs. */
static void test_config_matrix(void **state)
{
    static const char *const names[] = {
        "vblk-aio_native-iothread_yes",   "vblk-aio_native-iothread_no",
        "vblk-aio_io_uring-iothread_yes", "vblk-aio_io_uring-iothread_no",
        "vblk-aio_threads-iothread_yes",  "vblk-aio_threads-iothread_no",
    };

    (void)state;
    load_ok("[scenario]\nworkloads = randread\n[config vblk]\ndevice = virtio-blk\n"
            "matrix = aio: native io_uring threads x iothread: yes no\n");
    assert_int_equal(scn.n_configs, 6);
    for (unsigned i = 0; i < 6; i++) {
        assert_string_equal(scn.configs[i].name, names[i]);
        assert_true(scn.configs[i].explicit_keys & (1u << SCENARIO_CK_AIO));
        assert_int_equal(scn.configs[i].key_line[SCENARIO_CK_AIO], 5);
    }
    assert_int_equal(scn.configs[2].opts.aio, DEVOPTS_AIO_IO_URING);
    assert_int_equal(scn.configs[2].opts.iothread, 1);
    assert_int_equal(scn.configs[5].opts.aio, DEVOPTS_AIO_THREADS);
    assert_int_equal(scn.configs[5].opts.iothread, 0);
    /* the repository's example */
    assert_int_equal(scenario_load("scenarios/aio.ini", &scn, err, sizeof(err)), 0);
    assert_int_equal(scn.n_configs, 6);
    assert_string_equal(scn.reference, "vblk-aio_threads-iothread_no");
    assert_non_null(scenario_config_find(&scn, scn.reference));
    /* key:value without a space, and a device axis */
    load_ok("[scenario]\nworkloads = randread\n[config d]\n"
            "matrix = device:virtio-blk virtio-scsi x queues:1 2\n");
    assert_int_equal(scn.n_configs, 4);
    assert_string_equal(scn.configs[3].name, "d-device_virtio-scsi-queues_2");
    assert_ptr_equal(scn.devices[3], devmodel_find("virtio-scsi"));
    /* a throttle as an axis: the same disk at full speed and slowed, side by side */
    load_ok("[scenario]\nworkloads = randread\n[config t]\ndevice = virtio-blk\n"
            "matrix = disk_iops_limit: 0 900\n");
    assert_int_equal(scn.n_configs, 2);
    assert_string_equal(scn.configs[1].name, "t-disk_iops_limit_900");
    assert_int_equal(scn.configs[0].disk_iops_limit, 0);
    assert_int_equal(scn.configs[1].disk_iops_limit, 900);
    /* the cap: at most max_configs configurations */
    load_fails("[scenario]\nworkloads = randread\nmax_configs = 4\n[config vblk]\n"
               "device = virtio-blk\nmatrix = aio: native io_uring threads x iothread: yes no\n",
               "test.ini:6: matrix of [config vblk] makes 6 configurations, 6 in all: more than "
               "max_configs = 4");
    load_fails("[scenario]\nworkloads = randread\nmax_configs = 65\n",
               "test.ini:3: max_configs: 65 is out of range (1..64)");
    load_fails("[scenario]\ndevices = ide, ahci\nworkloads = randread\nmax_configs = 2\n"
               "[config c]\ndevice = ide\n",
               "test.ini:5: more than max_configs = 2 configurations (at c)");
    /* names: a section may not take a shorthand configuration's name, nor another's */
    load_fails("[scenario]\ndevices = ide\nworkloads = randread\n[config ide]\ndevice = ahci\n",
               "test.ini:4: two configurations are named 'ide'");
    load_fails("[scenario]\nworkloads = randread\n[config a]\ndevice = ide\n[config a]\n"
               "device = ahci\n",
               "test.ini:5: two configurations are named 'a' (first on line 3)");
    load_fails("[scenario]\nworkloads = randread\n[config a-aio_native]\ndevice = virtio-blk\n"
               "[config a]\ndevice = virtio-blk\nmatrix = aio: native threads\n",
               "test.ini:5: two configurations are named 'a-aio_native'");
    /* matrix syntax and its conflicts with the section's own keys */
    load_fails("[scenario]\nworkloads = randread\n[config a]\ndevice = virtio-blk\n"
               "aio = native\nmatrix = aio: native threads\n",
               "test.ini:6: matrix varies 'aio', which [config a] sets too (line 5)");
    load_fails("[scenario]\nworkloads = randread\n[config a]\ndevice = virtio-blk\n"
               "matrix = aio native\n",
               "test.ini:5: matrix: expected 'key: values', got 'aio'");
    load_fails("[scenario]\nworkloads = randread\n[config a]\ndevice = virtio-blk\n"
               "matrix = colour: red x aio: native\n",
               "test.ini:5: matrix: 'colour' is not a key a matrix can vary (device, machine, "
               "vcpus, memory, aio, cache, iothread, format, preallocation, discard, queues, "
               "vhost, disk_iops_limit)");
    load_fails("[scenario]\nworkloads = randread\n[config a]\ndevice = virtio-blk\n"
               "matrix = aio: native bogus\n",
               "test.ini:5: matrix: aio: 'bogus' is not one of threads, native, io_uring");
    load_fails("[scenario]\nworkloads = randread\n[config a]\ndevice = virtio-blk\n"
               "matrix = aio: native x\n",
               "test.ini:5: matrix: expected 'key: values [x key: values]...'");
}

/* Every validation message of a [config] or [workload] section, with its line. */
/* [workload] runtime and warmup: each job of the workload gets them, the others inherit. */
static void test_workload_runtime(void **state)
{
    struct scenario s;

    (void)state;
    /* runtime and warmup: the section's own, else the scenario's (warmup 0 is a value) */
    load_ok("[scenario]\ndevices = ide\nworkloads = short, randread, plain\nruntime = 2\n"
            "warmup = 0.5\n[workload short]\nrw = read\nruntime = 0.3\nwarmup = 0\n"
            "[workload plain]\nrw = write\n");
    assert_string_equal(scn.workloads[0]->name, "short");
    assert_true(scenario_runtime_s(&scn, scn.workloads[0]) == 0.3);
    assert_true(scenario_warmup_s(&scn, scn.workloads[0]) == 0.0);
    assert_true(scenario_runtime_s(&scn, scn.workloads[1]) == 2.0); /* a preset */
    assert_true(scenario_warmup_s(&scn, scn.workloads[1]) == 0.5);
    assert_string_equal(scn.workloads[2]->name, "plain");
    assert_true(scenario_runtime_s(&scn, scn.workloads[2]) == 2.0);
    assert_true(scenario_warmup_s(&scn, scn.workloads[2]) == 0.5);
    assert_int_equal(scenario_set(&scn, "plain.warmup=0", err, sizeof(err)), 0);
    assert_true(scenario_warmup_s(&scn, scn.workloads[2]) == 0.0);
    assert_true(scenario_warmup_s(&scn, scn.workloads[1]) == 0.5);
    assert_int_equal(scenario_set(&scn, "plain.runtime=1500ms", err, sizeof(err)), 0);
    assert_true(scenario_runtime_s(&scn, scn.workloads[2]) == 1.5);
    /* a copy keeps them (its workloads point into the copy) */
    scenario_copy(&s, &scn);
    assert_true(scenario_runtime_s(&s, s.workloads[0]) == 0.3);
    assert_true(scenario_runtime_s(&s, s.workloads[2]) == 1.5);
    /* with fio_job too: pvbench, not the job file, sets fio's runtime and ramp_time */
    assert_int_equal(scenario_load_string(FIXTURES "fio.ini",
                                          "[scenario]\ndevices = virtio-blk\nengine = fio\n"
                                          "memory = 512\n[workload f]\nfio_job = fio_runtime.fio\n"
                                          "runtime = 0.5\nwarmup = 0\n",
                                          &scn, err, sizeof(err)),
                     0);
    assert_non_null(scenario_fiojob(&scn, scn.workloads[0]));
    assert_true(scenario_runtime_s(&scn, scn.workloads[0]) == 0.5);
    assert_true(scenario_warmup_s(&scn, scn.workloads[0]) == 0.0);
    load_fails("[scenario]\ndevices = ide\n[workload w]\nrw = read\nruntime = 0.05\n",
               "test.ini:5: runtime: 0.05 is out of range (0.1..3600 seconds)");
}

static void test_config_errors(void **state)
{
    (void)state;
    load_fails("[scenario]\nworkloads = tcp_rr\n[config a]\ndevice = virtio-net\n"
               "disk_iops_limit = 100\n",
               "test.ini:5: config 'a': disk_iops_limit is for block devices (virtio-net has "
               "no disk)");
    load_fails("[scenario]\nworkloads = randread\n[config a]\naio = native\n",
               "test.ini:3: [config a] has no device key");
    load_fails("[scenario]\nworkloads = randread\n[config]\n",
               "test.ini:3: section [config] needs a name: [config NAME]");
    load_fails("[scenario]\nworkloads = randread\n[config a b]\n",
               "test.ini:3: [config a b]: a name of 1..47 letters, digits, '_', '.' and '-' "
               "(not first)");
    load_fails("[scenario]\nworkloads = randread\n[config a]\ndevice = virtio_blk\n",
               "test.ini:4: unknown device model 'virtio_blk' (did you mean 'virtio-blk'? "
               "known: ide, ahci, virtio-blk, virtio-scsi, nvme, rtl8139, e1000, e1000e, "
               "vmxnet3, virtio-net)");
    load_fails("[scenario]\nworkloads = randread\n[config a]\ndevice = ide\niothreads = no\n",
               "test.ini:5: unknown key 'iothreads' in [config a] (did you mean 'iothread'?)");
    load_fails("[scenario]\nworkloads = randread\n[config a]\ndevice = ide\ncache = off\n",
               "test.ini:5: cache: 'off' is not one of none, writeback, directsync, unsafe");
    load_fails("[scenario]\nworkloads = randread\n[config a]\ndevice = ide\ncache = none\n"
               "cache = none\n",
               "test.ini:6: key 'cache' given twice (first on line 5)");
    load_fails("[scenario]\nworkloads = randread\n[config a]\ndevice = virtio-blk\n"
               "aio = native\ncache = writeback\n",
               "test.ini:5: config 'a': aio = native needs cache = none or directsync "
               "(O_DIRECT), not writeback");
    /* an inherited key is blamed on its [scenario] line */
    load_fails("[scenario]\nworkloads = randread\niothread = yes\n[config a]\ndevice = ide\n",
               "test.ini:3: config 'a': iothread = yes: 'ide' has no iothread property "
               "(virtio-blk and virtio-scsi do)");
    load_fails("[scenario]\nworkloads = randread\n[config a]\ndevice = ahci\nqueues = 2\n",
               "test.ini:5: config 'a': queues = 2: 'ahci' has one queue (virtio-blk, "
               "virtio-scsi and nvme have more)");
    load_fails("[scenario]\nworkloads = tcp_rr\n[config a]\ndevice = virtio-net\nqueues = 2\n",
               "test.ini:5: config 'a': queues = 2 is more than its vcpus = 1 (a NIC's queue "
               "pair needs a vCPU of its own to run in parallel)");
    load_fails("[scenario]\nworkloads = tcp_rr\nvcpus = 2\n[config a]\ndevice = e1000e\n"
               "queues = 2\n",
               "test.ini:6: config 'a': queues = 2: 'e1000e' has one queue pair (virtio-net has "
               "more)");
    load_fails("[scenario]\nworkloads = tcp_rr\n[config a]\ndevice = e1000\ncache = unsafe\n",
               "test.ini:5: config 'a': cache: 'e1000' is a network device, the key is for disks");
    load_fails("[scenario]\nworkloads = randread\n[config a]\ndevice = ide\n"
               "preallocation = full\n",
               "test.ini:5: config 'a': preallocation = full is for format = qcow2 (a raw image "
               "is written in full)");
    load_ok("[scenario]\nworkloads = randread\n[config a]\ndevice = ide\nformat = qcow2\n"
            "preallocation = metadata\ndiscard = unmap\n");
    assert_int_equal(scn.configs[0].opts.format, DEVOPTS_FORMAT_QCOW2);
    assert_int_equal(scn.configs[0].opts.preallocation, DEVOPTS_PREALLOC_METADATA);
    assert_int_equal(scn.configs[0].opts.discard, DEVOPTS_DISCARD_UNMAP);
    load_fails("[scenario]\nworkloads = randread\n[config a]\ndevice = ahci\nmachine = pc\n",
               "test.ini:5: device 'ahci' needs machine q35, but machine = pc");
    load_fails("[scenario]\ndevices = ide\nworkloads = randread\nreference = vblk\n",
               "test.ini:4: reference: no configuration is named 'vblk'");
    /* workloads */
    load_fails("[scenario]\ndevices = ide\n[workload w]\nbs = 4096\n",
               "test.ini:3: [workload w] has no rw key");
    load_ok("[scenario]\ndevices = ide\n[workload w]\nrw = randrw\nrwmixread = 70\n"
            "iodepth = 16\noffset = 16M\nsize = 64M\n");
    assert_string_equal(scn.workloads[0]->rw, "randrw");
    assert_int_equal(scn.workloads[0]->rwmixread, 70);
    assert_int_equal(scn.workloads[0]->offset_mib, 16);
    assert_int_equal(scn.workloads[0]->size_mib, 64);
    assert_string_equal(scn.workloads[0]->metric, "iops");
    load_ok("[scenario]\ndevices = ide\n[workload w]\nrw = randrw\n");
    assert_int_equal(scn.workloads[0]->rwmixread, 50);
    load_fails("[scenario]\ndevices = ide\n[workload w]\nrw = randread\nrwmixread = 70\n",
               "test.ini:5: [workload w]: rwmixread is for rw = randrw");
    load_fails("[scenario]\ndevices = ide\ndisk_size = 256M\n[workload w]\nrw = read\n"
               "offset = 200M\nsize = 64M\n",
               "test.ini:6: [workload w]: offset 200 MiB + size 64 MiB lies beyond the 256 MiB "
               "disk (disk_size)");
    load_fails("[scenario]\ndevices = ide\n[workload w]\nrw = read\noffset = 256M\n",
               "test.ini:5: [workload w]: offset 256 MiB + size 0 MiB lies beyond the 256 MiB "
               "disk (disk_size)");
    load_fails("[scenario]\ndevices = virtio-net\n[workload w]\nrw = tcp_tx\nsize = 4M\n",
               "test.ini:5: [workload w]: size is for block workloads");
    load_fails("[scenario]\ndevices = ide\n[workload w]\nrw = mixed\n",
               "test.ini:4: [workload w]: rw 'mixed' is not one of "
               "read|write|randread|randwrite|randrw|tcp_tx|tcp_rx|tcp_rr|udp_pps");
    load_fails("[scenario]\ndevices = ide\n[workload w]\nrw = read\nbs = 1000\n",
               "test.ini:5: [workload w]: bs = 1000 is not a multiple of 512 (O_DIRECT)");
    load_ok("[scenario]\ndevices = ide\n[workload w]\nrw = randread\nnumjobs = 4\n");
    load_fails("[scenario]\ndevices = virtio-net\n[workload w]\nrw = tcp_tx\nnumjobs = 2\n",
               "test.ini:5: [workload w]: numjobs is for block workloads (network: streams)");
    load_ok("[scenario]\ndevices = virtio-net\nworkloads = w\n[workload w]\nrw = tcp_rx\n"
            "streams = 8\n");
    assert_int_equal(scn.workloads[0]->streams, 8);
    assert_non_null(strstr(scn.workloads[0]->summary, "parallel streams"));
    load_fails("[scenario]\ndevices = ide\n[workload w]\nrw = randread\nstreams = 2\n",
               "test.ini:5: [workload w]: streams is for TCP workloads (block: numjobs)");
    load_fails("[scenario]\ndevices = virtio-net\n[workload w]\nrw = udp_pps\nstreams = 2\n",
               "test.ini:5: [workload w]: streams is for TCP workloads (udp_pps sends from one "
               "socket)");
    load_fails("[scenario]\ndevices = virtio-net\n[workload w]\nrw = tcp_tx\nstreams = 65\n",
               "test.ini:5: streams: 65 is out of range (1..64)");
    load_fails("[scenario]\ndevices = ide\n[workload w]\nrw = read\niodepth = 2000\n",
               "test.ini:5: iodepth: 2000 is out of range (1..1024)");
    load_fails("[scenario]\ndevices = virtio-net\n[workload w]\nrw = udp_pps\nbs = 8\n",
               "test.ini:5: [workload w]: udp_pps needs bs 16..1472 (header, one 1500-byte "
               "frame)");
    load_fails("[scenario]\ndevices = virtio-net\n[workload w]\nrw = tcp_tx\niodepth = 4\n",
               "test.ini:5: [workload w]: iodepth is for block workloads");
    load_fails("[scenario]\ndevices = ide\n[workload randread]\nrw = read\n",
               "test.ini:3: [workload randread]: a preset has that name; choose another");
    load_fails("[scenario]\ndevices = ide\nworkloads = w2\n[workload w]\nrw = read\n",
               "test.ini:3: unknown workload 'w2' (did you mean 'w'? known: seqread, seqwrite, "
               "randread, randwrite, randread_qd1, randwrite_qd1, tcp_tx, tcp_rx, tcp_rr, "
               "udp_pps, w)");
    load_ok("[scenario]\ndevices = virtio-net\n[workload big]\nrw = tcp_tx\nbs = 65536\n");
    assert_int_equal(scn.workloads[0]->kind, DEVMODEL_NET);
    assert_int_equal(scn.workloads[0]->bs, 65536);
    assert_string_equal(scn.workloads[0]->metric, "throughput_mbit_s");
}

/* --set: all assignments first, then one validation; NAME.key reaches a section. */
static void test_set_all(void **state)
{
    const char *both[] = {"devices=ide,virtio-blk", "workloads=randread"};
    const char *sect[] = {"vblk.aio=native", "w.iodepth=8", "vcpus=2"};
    const char *bad[] = {"nope.aio=native"};
    const char *bad2[] = {"vblk.aio=native", "vblk.cache=writeback"};
    struct scenario s;

    (void)state;
    assert_int_equal(scenario_load("scenarios/quick.ini", &scn, err, sizeof(err)), 0);
    /* each alone would fail (quick.ini's net workloads without a NIC), together they hold */
    assert_int_equal(scenario_set(&scn, both[0], err, sizeof(err)), -1);
    assert_int_equal(scenario_set_all(&scn, both, 2, err, sizeof(err)), 0);
    assert_int_equal(scn.n_configs, 2);
    assert_int_equal(scn.n_workloads, 1);
    assert_string_equal(scn.configs[1].name, "virtio-blk");

    load_ok("[scenario]\nworkloads = w\n[config vblk]\ndevice = virtio-blk\n[workload w]\n"
            "rw = randread\n");
    assert_int_equal(scenario_set_all(&scn, sect, 3, err, sizeof(err)), 0);
    assert_int_equal(scn.configs[0].opts.aio, DEVOPTS_AIO_NATIVE);
    assert_true(scn.configs[0].explicit_keys & (1u << SCENARIO_CK_AIO));
    assert_int_equal(scn.configs[0].vcpus, 2); /* inherited from the --set [scenario] key */
    assert_int_equal(scn.workloads[0]->qd, 8);
    assert_ptr_equal(scn.workloads[0], &scn.custom[0].w);
    /* a copy points into itself */
    scenario_copy(&s, &scn);
    assert_ptr_equal(s.workloads[0], &s.custom[0].w);
    assert_ptr_equal(s.workloads[0]->name, s.custom[0].name);

    assert_int_equal(scenario_set_all(&scn, bad, 1, err, sizeof(err)), -1);
    assert_string_equal(err, "--set: nope.aio: no [config nope] or [workload nope] section");
    assert_int_equal(scenario_set_all(&scn, bad2, 2, err, sizeof(err)), -1);
    assert_string_equal(err, "--set: config 'vblk': aio = native needs cache = none or "
                             "directsync (O_DIRECT), not writeback");
    assert_int_equal(scn.configs[0].opts.cache, DEVOPTS_CACHE_NONE); /* untouched */
    assert_int_equal(scenario_set(&scn, "vblk.colour=red", err, sizeof(err)), -1);
    assert_string_equal(err, "--set: unknown key 'colour' in [config vblk] (known keys: device, "
                             "machine, vcpus, memory, aio, cache, iothread, format, preallocation, "
                             "discard, queues, vhost, disk_iops_limit, device_options, qemu, "
                             "kernel, matrix)");
    assert_int_equal(scenario_set(&scn, "vblk.aio=bogus", err, sizeof(err)), -1);
    assert_string_equal(err, "--set: [config vblk] aio: 'bogus' is not one of threads, native, "
                             "io_uring");
    assert_int_equal(scenario_set(&scn, "w.bs=0", err, sizeof(err)), -1);
    assert_string_equal(err, "--set: [workload w] bs: 0 is out of range (1..67108864)");
    assert_int_equal(scenario_set(&scn, "vblk.matrix=iothread: yes no", err, sizeof(err)), 0);
    assert_int_equal(scn.n_configs, 2);
    assert_string_equal(scn.configs[1].name, "vblk-iothread_no");
}

/* What differs between configurations, and what differs without being asked for. */
static void test_configs_differ(void **state)
{
    unsigned unasked, d;

    (void)state;
    load_ok("[scenario]\nworkloads = randread\n[config vblk]\ndevice = virtio-blk\n"
            "matrix = aio: threads native x iothread: yes no\n");
    d = scenario_configs_differ(&scn, &unasked);
    assert_int_equal(d, (1u << SCENARIO_CK_AIO) | (1u << SCENARIO_CK_IOTHREAD));
    assert_int_equal(unasked, 0);
    /* ide lives on pc, ahci on q35: the machine differs, and nobody asked for it */
    load_ok("[scenario]\ndevices = ide, ahci\nworkloads = randread\n");
    d = scenario_configs_differ(&scn, &unasked);
    assert_int_equal(d, (1u << SCENARIO_CK_DEVICE) | (1u << SCENARIO_CK_MACHINE));
    assert_int_equal(unasked, 1u << SCENARIO_CK_MACHINE);
    /* the same with machine asked for in one configuration: a difference, not a surprise */
    load_ok("[scenario]\nworkloads = randread\n[config a]\ndevice = ide\nmachine = pc\n"
            "[config b]\ndevice = ahci\n");
    d = scenario_configs_differ(&scn, &unasked);
    assert_int_equal(d, (1u << SCENARIO_CK_DEVICE) | (1u << SCENARIO_CK_MACHINE));
    assert_int_equal(unasked, 0);
    /* one configuration: nothing differs */
    load_ok("[scenario]\ndevices = nvme\nworkloads = randread\n");
    assert_int_equal(scenario_configs_differ(&scn, NULL), 0);
}

/* The dump names every configuration with its resolved options, '*' on those it sets. */
static void test_print_configs(void **state)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f;

    (void)state;
    load_ok("[scenario]\ndevices = ide\nworkloads = randread\n[config v]\ndevice = virtio-blk\n"
            "aio = io_uring\n");
    f = open_memstream(&buf, &len);
    assert_non_null(f);
    scenario_print_resolved(&scn, f);
    fclose(f);
    assert_non_null(strstr(buf, "\n[config v]\ndevice = virtio-blk\naio = io_uring\n"));
    assert_non_null(strstr(buf, ";   ide: device=ide machine=pc vcpus=1 memory=256 aio=threads "
                                "cache=none iothread=no format=raw preallocation=off "
                                "discard=ignore queues=0 vhost=auto disk_iops_limit=0\n"));
    assert_non_null(strstr(buf, ";   v: *device=virtio-blk machine=pc vcpus=1 memory=256 "
                                "*aio=io_uring cache=none"));
    /* and it parses back to the same configurations */
    assert_int_equal(scenario_load_string("dump.ini", buf, &scn, err, sizeof(err)), 0);
    assert_int_equal(scn.n_configs, 2);
    assert_int_equal(scn.configs[1].opts.aio, DEVOPTS_AIO_IO_URING);
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quick_ini),
        cmocka_unit_test(test_standard_ini),
        cmocka_unit_test(test_good_fixtures),
        cmocka_unit_test(test_bad_unknown_section),
        cmocka_unit_test(test_bad_key_before_section),
        cmocka_unit_test(test_bad_unknown_key),
        cmocka_unit_test(test_bad_unknown_key_far),
        cmocka_unit_test(test_bad_duplicate_key),
        cmocka_unit_test(test_bad_empty_value),
        cmocka_unit_test(test_bad_not_a_number),
        cmocka_unit_test(test_bad_out_of_range),
        cmocka_unit_test(test_bad_unknown_device),
        cmocka_unit_test(test_bad_unknown_workload),
        cmocka_unit_test(test_bad_duplicate_device),
        cmocka_unit_test(test_bad_duplicate_workload),
        cmocka_unit_test(test_bad_missing_devices),
        cmocka_unit_test(test_bad_machine),
        cmocka_unit_test(test_bad_machine_value),
        cmocka_unit_test(test_bad_syntax),
        cmocka_unit_test(test_bad_section_unclosed),
        cmocka_unit_test(test_bad_name),
        cmocka_unit_test(test_bad_missing_file),
        cmocka_unit_test(test_errors_from_strings),
        cmocka_unit_test(test_kind_rules),
        cmocka_unit_test(test_config_inheritance),
        cmocka_unit_test(test_config_matrix),
        cmocka_unit_test(test_config_errors),
        cmocka_unit_test(test_workload_runtime),
        cmocka_unit_test(test_set_all),
        cmocka_unit_test(test_print_configs),
        cmocka_unit_test(test_configs_differ),
        cmocka_unit_test(test_net_scenario),
        cmocka_unit_test(test_syntax_accepted),
        cmocka_unit_test(test_units),
        cmocka_unit_test(test_name),
        cmocka_unit_test(test_resolve_auto),
        cmocka_unit_test(test_set),
        cmocka_unit_test(test_print_resolved_round_trip),
        cmocka_unit_test(test_engine_keys),
        cmocka_unit_test(test_print_help),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
