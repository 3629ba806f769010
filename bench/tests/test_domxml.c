/*
 * The libvirt domain XML: written for every device model, parsed back with libxml2 and
 * checked; escaping of odd names and paths; and the device-equivalence test: the guest of
 * the domain XML and the guest of the QEMU backend's argv are the same guest.
 */
/* cmocka.h needs these headers first. */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>

#include "backend.h"
#include "devbus.h"
#include "domxml.h"

static void base_spec(struct guest_spec *s, const struct devmodel *m)
{
    memset(s, 0, sizeof(*s));
    s->name = "pvb-0000abcd-x";
    s->qemu_binary = "qemu-system-x86_64";
    s->accel = "tcg";
    s->machine = m ? devmodel_default_machine(m) : MACHINE_PC;
    s->vcpus = 2;
    s->memory_mib = 256;
    s->kernel = "/img/vmlinux";
    s->initrd = "/img/initramfs.img";
    s->cmdline = "console=ttyS0 quiet 8250.nr_uarts=2";
    s->dut = m;
    s->disk_path = "/var/tmp/pvbench/0000abcd/disk-x.img";
    s->control_sock = "/var/tmp/pvbench/0000abcd/ctl-x.sock";
    s->console_log = "/r/logs/x-console.log";
    s->qemu_log = "/r/logs/x-qemu.log";
    s->net_tap = "pvbt0000abcd0";
    s->net_mac = "52:54:00:70:76:02";
    s->net_vhost = 0;
}

/* Write the XML of s and parse it back; NULL (and err) if the writer refused. */
static xmlDocPtr write_parse(const struct guest_spec *s, char *err, size_t errlen)
{
    xmlBufferPtr b = xmlBufferCreate();
    xmlDocPtr doc = NULL;

    assert_non_null(b);
    if (domxml_write(s, b, err, errlen) == 0) {
        doc = xmlReadMemory((const char *)xmlBufferContent(b), xmlBufferLength(b), "d.xml", NULL,
                            XML_PARSE_NONET);
        assert_non_null(doc);
    }
    xmlBufferFree(b);
    return doc;
}

static xmlDocPtr must_write(const struct guest_spec *s)
{
    char err[256] = "";
    xmlDocPtr doc = write_parse(s, err, sizeof(err));

    if (!doc) {
        fail_msg("domxml_write refused: %s", err);
    }
    return doc;
}

/* Value of an XPath expression as a string, in a static buffer; "" when absent. */
static const char *xs(xmlDocPtr doc, const char *expr)
{
    static char out[1024];
    xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
    xmlXPathObjectPtr o;
    char e[512];

    snprintf(e, sizeof(e), "string(%s)", expr);
    o = xmlXPathEvalExpression(BAD_CAST e, ctx);
    assert_non_null(o);
    snprintf(out, sizeof(out), "%s", o->stringval ? (const char *)o->stringval : "");
    xmlXPathFreeObject(o);
    xmlXPathFreeContext(ctx);
    return out;
}

static int xcount(xmlDocPtr doc, const char *expr)
{
    xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
    xmlXPathObjectPtr o;
    char e[512];
    int n;

    snprintf(e, sizeof(e), "count(%s)", expr);
    o = xmlXPathEvalExpression(BAD_CAST e, ctx);
    assert_non_null(o);
    n = (int)o->floatval;
    xmlXPathFreeObject(o);
    xmlXPathFreeContext(ctx);
    return n;
}

/* ---- every model ---------------------------------------------------------------------------- */

static void check_common(xmlDocPtr d, const struct guest_spec *s)
{
    assert_string_equal(xs(d, "/domain/@type"), "qemu");
    assert_string_equal(xs(d, "/domain/name"), s->name);
    assert_string_equal(xs(d, "/domain/memory"), "256");
    assert_string_equal(xs(d, "/domain/memory/@unit"), "MiB");
    assert_string_equal(xs(d, "/domain/vcpu"), "2");
    assert_string_equal(xs(d, "/domain/os/type"), "hvm");
    assert_string_equal(xs(d, "/domain/os/type/@machine"), machine_name(s->machine));
    assert_string_equal(xs(d, "/domain/os/kernel"), s->kernel);
    assert_string_equal(xs(d, "/domain/os/initrd"), s->initrd);
    assert_string_equal(xs(d, "/domain/os/cmdline"), s->cmdline);
    assert_string_equal(xs(d, "/domain/cpu/@mode"), "maximum");
    assert_string_equal(xs(d, "/domain/on_poweroff"), "destroy");
    assert_string_equal(xs(d, "/domain/on_reboot"), "destroy");
    assert_string_equal(xs(d, "/domain/on_crash"), "destroy");
    /* No extra devices: libvirt's defaults are switched off, none of the rest is written. */
    assert_int_equal(xcount(d, "/domain/devices/memballoon"), 1);
    assert_string_equal(xs(d, "/domain/devices/memballoon/@model"), "none");
    assert_int_equal(xcount(d, "/domain/devices/controller[@type='usb']"), 1);
    assert_string_equal(xs(d, "/domain/devices/controller[@type='usb']/@model"), "none");
    assert_int_equal(xcount(d, "/domain/devices/graphics"), 0);
    assert_int_equal(xcount(d, "/domain/devices/video"), 0);
    assert_int_equal(xcount(d, "/domain/devices/interface"), 0);
    assert_int_equal(xcount(d, "/domain/devices/input"), 0);
    assert_int_equal(xcount(d, "/domain/devices/sound"), 0);
    assert_int_equal(xcount(d, "/domain/devices/channel"), 0);
    assert_int_equal(xcount(d, "/domain/devices/rng"), 0);
    /* Serial 0: console file; serial 1: the control channel, QEMU connects. */
    assert_int_equal(xcount(d, "/domain/devices/serial"), 2);
    assert_string_equal(xs(d, "/domain/devices/serial[target/@port='0']/@type"), "file");
    assert_string_equal(xs(d, "/domain/devices/serial[target/@port='0']/source/@path"),
                        s->console_log);
    assert_string_equal(xs(d, "/domain/devices/serial[target/@port='1']/@type"), "unix");
    assert_string_equal(xs(d, "/domain/devices/serial[target/@port='1']/source/@mode"), "connect");
    assert_string_equal(xs(d, "/domain/devices/serial[target/@port='1']/source/@path"),
                        s->control_sock);
    /* Runs as root without relabelling: the scratch folder is root-only. */
    assert_string_equal(xs(d, "/domain/seclabel[@model='dac']/@type"), "static");
    assert_string_equal(xs(d, "/domain/seclabel[@model='dac']/@relabel"), "no");
    assert_string_equal(xs(d, "/domain/seclabel[@model='dac']/label"), "+0:+0");
}

static void test_every_model(void **state)
{
    (void)state;
    for (unsigned i = 0; i < devmodel_count(); i++) {
        const struct devmodel *m = devmodel_at(i);

        if (m->kind != DEVMODEL_BLK || devbus_of(m)->libvirt_refusal) {
            continue; /* a bus libvirt cannot express: test_refused_bus */
        }
        for (unsigned mt = MACHINE_PC; mt <= MACHINE_Q35; mt <<= 1) {
            struct guest_spec s;
            xmlDocPtr d;

            if (!(m->machines & mt)) {
                continue;
            }
            base_spec(&s, m);
            s.machine = (enum machine_type)mt;
            d = must_write(&s);
            check_common(d, &s);
            assert_int_equal(xcount(d, "/domain/devices/disk"), 1);
            assert_string_equal(xs(d, "/domain/devices/disk/@type"), "file");
            assert_string_equal(xs(d, "/domain/devices/disk/@device"), "disk");
            assert_string_equal(xs(d, "/domain/devices/disk/driver/@name"), "qemu");
            assert_string_equal(xs(d, "/domain/devices/disk/driver/@type"), "raw");
            assert_string_equal(xs(d, "/domain/devices/disk/driver/@cache"), "none");
            assert_string_equal(xs(d, "/domain/devices/disk/source/@file"), s.disk_path);
            assert_string_equal(xs(d, "/domain/devices/disk/target/@bus"), m->libvirt_bus);
            assert_string_equal(xs(d, "/domain/devices/disk/target/@dev"),
                                domxml_dut_target_dev(m));
            assert_string_equal(xs(d, "/domain/devices/disk/alias/@name"), DOMXML_DUT_ALIAS);
            assert_int_equal(xcount(d, "/domain/devices/disk/iotune"), 0);
            if (strcmp(m->libvirt_bus, "scsi") == 0) {
                assert_int_equal(xcount(d, "/domain/devices/controller[@type='scsi']"), 1);
                assert_string_equal(xs(d, "/domain/devices/controller[@type='scsi']/@model"),
                                    "virtio-scsi");
            } else {
                assert_int_equal(xcount(d, "/domain/devices/controller[@type='scsi']"), 0);
            }
            xmlFreeDoc(d);
        }
    }
}

/* The line a student writes, from the domain XML: the DUT's <target> or <model>. */
static void test_dut_line(void **state)
{
    static const char live[] =
        "<domain type='qemu'><devices>"
        "<disk type='file' device='disk'><target dev='sda' bus='sata'/><alias name='ua-x'/></disk>"
        "<disk type='file' device='disk'><target dev='sdb' bus='sata'/>"
        "<alias name='" DOMXML_DUT_ALIAS "'/><address type='drive'/></disk>"
        "</devices></domain>";
    static const char odd[] = "<domain><devices><interface type='ethernet'>"
                              "<model type='v&apos;&amp;&lt;'/><alias name='" DOMXML_DUT_ALIAS
                              "'/></interface></devices></domain>";
    char line[128], want[128];
    struct guest_spec s0;
    xmlDocPtr d;

    (void)state;
    for (unsigned i = 0; i < devmodel_count(); i++) {
        const struct devmodel *m = devmodel_at(i);
        struct guest_spec s;

        if (devbus_of(m)->libvirt_refusal) {
            continue;
        }
        base_spec(&s, m);
        d = must_write(&s);
        if (m->kind == DEVMODEL_NET) {
            snprintf(want, sizeof(want), "<model type='%s'/>", m->libvirt_bus);
        } else {
            snprintf(want, sizeof(want), "<target dev='%s' bus='%s'/>", domxml_dut_target_dev(m),
                     m->libvirt_bus);
        }
        assert_int_equal(domxml_dut_line(d, line, sizeof(line)), 0);
        assert_string_equal(line, want);
        /* the same element from the spec alone, whatever its paths (run.json's libvirt_dut) */
        s.kernel = "$GUEST/vmlinuz";
        s.disk_path = "$STATE/disk.img";
        assert_int_equal(domxml_spec_dut_line(&s, line, sizeof(line)), 0);
        assert_string_equal(line, want);
        /* too small a buffer: nothing rather than half an element */
        assert_int_equal(domxml_dut_line(d, line, 12), -1);
        assert_string_equal(line, "");
        xmlFreeDoc(d);
    }
    /* a model libvirt cannot express: no element */
    for (unsigned i = 0; i < devmodel_count(); i++) {
        const struct devmodel *m = devmodel_at(i);
        struct guest_spec s;

        if (!devbus_of(m)->libvirt_refusal) {
            continue;
        }
        base_spec(&s, m);
        assert_int_equal(domxml_spec_dut_line(&s, line, sizeof(line)), -1);
        assert_string_equal(line, "");
    }
    /* libvirt's own XML: the DUT by its alias, not the first disk */
    d = xmlReadMemory(live, (int)strlen(live), "live.xml", NULL, XML_PARSE_NONET);
    assert_non_null(d);
    assert_int_equal(domxml_dut_line(d, line, sizeof(line)), 0);
    assert_string_equal(line, "<target dev='sdb' bus='sata'/>");
    xmlFreeDoc(d);
    d = xmlReadMemory(odd, (int)strlen(odd), "odd.xml", NULL, XML_PARSE_NONET);
    assert_non_null(d);
    assert_int_equal(domxml_dut_line(d, line, sizeof(line)), 0);
    assert_string_equal(line, "<model type='v&apos;&amp;&lt;'/>");
    xmlFreeDoc(d);
    /* no device under test */
    base_spec(&s0, NULL);
    d = must_write(&s0);
    assert_int_equal(domxml_dut_line(d, line, sizeof(line)), -1);
    xmlFreeDoc(d);
}

static void test_iops_limit(void **state)
{
    struct guest_spec s;
    xmlDocPtr d;

    (void)state;
    base_spec(&s, devmodel_find("virtio-blk"));
    s.disk_iops_limit = 300;
    d = must_write(&s);
    assert_string_equal(xs(d, "/domain/devices/disk/iotune/total_iops_sec"), "300");
    assert_int_equal(xcount(d, "/domain/devices/disk/iotune/*"), 1);
    xmlFreeDoc(d);
}

static void test_kvm_probe_guest(void **state)
{
    struct guest_spec s;
    xmlDocPtr d;

    (void)state;
    base_spec(&s, NULL);
    s.accel = "kvm";
    s.qemu_binary = "/usr/bin/qemu-system-x86_64";
    d = must_write(&s);
    assert_string_equal(xs(d, "/domain/@type"), "kvm");
    assert_string_equal(xs(d, "/domain/cpu/@mode"), "host-passthrough");
    assert_string_equal(xs(d, "/domain/devices/emulator"), "/usr/bin/qemu-system-x86_64");
    assert_int_equal(xcount(d, "/domain/devices/disk"), 0);
    assert_int_equal(xcount(d, "/domain/devices/controller[@type='scsi']"), 0);
    xmlFreeDoc(d);
}

/* Both ports as ptys, only the console logged, nothing of the harness's paths in the XML. */
static void test_pty_serials(void **state)
{
    struct guest_spec s;
    xmlBufferPtr b = xmlBufferCreate();
    xmlDocPtr d;
    char err[256] = "";
    const char *xml;

    (void)state;
    base_spec(&s, devmodel_find("virtio-blk"));
    assert_non_null(b);
    assert_int_equal(domxml_write_pty(&s, "/var/log/libvirt/qemu/pvb-x-console.log", b, err,
                                      sizeof(err)),
                     0);
    xml = (const char *)xmlBufferContent(b);
    assert_null(strstr(xml, s.control_sock));
    assert_null(strstr(xml, s.console_log));
    d = xmlReadMemory(xml, xmlBufferLength(b), "d.xml", NULL, XML_PARSE_NONET);
    assert_non_null(d);
    assert_int_equal(xcount(d, "/domain/devices/serial[@type='pty']"), 2);
    assert_int_equal(xcount(d, "/domain/devices/serial[@type!='pty']"), 0);
    assert_string_equal(xs(d, "/domain/devices/serial[target/@port='0']/log/@file"),
                        "/var/log/libvirt/qemu/pvb-x-console.log");
    assert_string_equal(xs(d, "/domain/devices/serial[target/@port='0']/log/@append"), "off");
    assert_int_equal(xcount(d, "/domain/devices/serial[target/@port='1']/log"), 0);
    /* The rest of the guest is the one domxml_write describes. */
    assert_int_equal(xcount(d, "/domain/devices/disk"), 1);
    xmlFreeDoc(d);
    xmlBufferEmpty(b);
    assert_int_equal(domxml_write_pty(&s, NULL, b, err, sizeof(err)), 0);
    d = xmlReadMemory((const char *)xmlBufferContent(b), xmlBufferLength(b), "d.xml", NULL,
                      XML_PARSE_NONET);
    assert_non_null(d);
    assert_int_equal(xcount(d, "/domain/devices/serial/log"), 0);
    xmlFreeDoc(d);
    xmlBufferEmpty(b);
    assert_int_equal(domxml_write_pty(&s, "relative.log", b, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "absolute"));
    xmlBufferFree(b);
}

/* ---- escaping and refusals ------------------------------------------------------------------ */

/* A remote host's NIC: on the run's libvirt network there, vhost as that host's libvirt can. */
static void test_network_nic(void **state)
{
    const struct devmodel *m = devmodel_find("virtio-net");
    struct guest_spec s;
    char err[256];
    xmlDocPtr d;

    (void)state;
    base_spec(&s, m);
    s.net_tap = NULL;
    s.net_network = "pvb-0000abcd-net0";
    s.net_vhost = -1;
    d = must_write(&s);
    assert_string_equal(xs(d, "/domain/devices/interface/@type"), "network");
    assert_string_equal(xs(d, "/domain/devices/interface/source/@network"), "pvb-0000abcd-net0");
    assert_int_equal(xcount(d, "/domain/devices/interface/target"), 0);
    assert_int_equal(xcount(d, "/domain/devices/interface/driver/@name"), 0);
    assert_string_equal(xs(d, "/domain/devices/interface/mac/@address"), "52:54:00:70:76:02");
    xmlFreeDoc(d);
    s.net_vhost = 1; /* asked for: libvirt must give it or refuse */
    d = must_write(&s);
    assert_string_equal(xs(d, "/domain/devices/interface/driver/@name"), "vhost");
    xmlFreeDoc(d);
    s.net_network = "bad/name";
    assert_null(write_parse(&s, err, sizeof(err)));
    assert_non_null(strstr(err, "tap or network name"));
}

static void test_escaping(void **state)
{
    static const char name[] = "pvb-&<>'\"-x";
    static const char disk[] = "/var/tmp/a&b/<c>/'d\"/e,f g.img";
    static const char sock[] = "/tmp/&amp;/s<>.sock";
    static const char cmd[] = "console=ttyS0 x=\"a b\" y='<&>'";
    struct guest_spec s;
    xmlBufferPtr b = xmlBufferCreate();
    char err[256];
    xmlDocPtr d;
    const char *raw;

    (void)state;
    base_spec(&s, devmodel_find("virtio-blk"));
    s.name = name;
    s.disk_path = disk;
    s.control_sock = sock;
    s.cmdline = cmd;
    assert_int_equal(domxml_write(&s, b, err, sizeof(err)), 0);
    raw = (const char *)xmlBufferContent(b);
    /* Nothing pasted raw: the odd characters only appear escaped. */
    assert_null(strstr(raw, "&<>"));
    assert_null(strstr(raw, "<c>"));
    d = xmlReadMemory(raw, xmlBufferLength(b), "d.xml", NULL, XML_PARSE_NONET);
    assert_non_null(d);
    assert_string_equal(xs(d, "/domain/name"), name);
    assert_string_equal(xs(d, "/domain/devices/disk/source/@file"), disk);
    assert_string_equal(xs(d, "/domain/devices/serial[target/@port='1']/source/@path"), sock);
    assert_string_equal(xs(d, "/domain/os/cmdline"), cmd);
    xmlFreeDoc(d);
    xmlBufferFree(b);
}

static void test_refusals(void **state)
{
    static const char *bad_names[] = {"", "pvb-a/b", "pvb-a\nb", "pvb-\x01", "pvb-\xff\xfe"};
    struct guest_spec s;
    char err[256];
    xmlDocPtr d;

    (void)state;
    for (size_t i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++) {
        base_spec(&s, devmodel_find("ide"));
        s.name = bad_names[i];
        err[0] = '\0';
        d = write_parse(&s, err, sizeof(err));
        assert_null(d);
        assert_true(err[0] != '\0');
        assert_int_equal(domxml_name_ok(bad_names[i]), 0);
    }
    assert_int_equal(domxml_name_ok("pvb-0000abcd-virtio-blk"), 1);

    base_spec(&s, devmodel_find("ide"));
    s.disk_path = "relative/disk.img";
    assert_null(write_parse(&s, err, sizeof(err)));
    base_spec(&s, devmodel_find("ide"));
    s.control_sock = "/tmp/a\nb.sock";
    assert_null(write_parse(&s, err, sizeof(err)));
    base_spec(&s, devmodel_find("ide"));
    s.cmdline = "console=ttyS0\n";
    assert_null(write_parse(&s, err, sizeof(err)));
    base_spec(&s, devmodel_find("ide"));
    s.accel = "hvf";
    assert_null(write_parse(&s, err, sizeof(err)));
    base_spec(&s, devmodel_find("ide"));
    s.vcpus = 0;
    assert_null(write_parse(&s, err, sizeof(err)));
    /* a QEMU from Debian's archive: its -L and libraries cannot be left out silently */
    base_spec(&s, devmodel_find("ide"));
    s.qemu_binary = "/c/qemu/1%3a10.0/root/usr/bin/qemu-system-x86_64";
    s.qemu_data_dirs = "/c/qemu/1%3a10.0/root/usr/share/qemu";
    assert_null(write_parse(&s, err, sizeof(err)));
    assert_non_null(strstr(err, "--backend qemu"));
    s.qemu_data_dirs = NULL;
    s.qemu_lib_path = "/c/qemu/1%3a10.0/root/usr/lib/x86_64-linux-gnu";
    assert_null(write_parse(&s, err, sizeof(err)));
    s.qemu_lib_path = NULL;
    d = write_parse(&s, err, sizeof(err)); /* the binary alone is an <emulator> as before */
    assert_non_null(d);
    xmlFreeDoc(d);
}

/* A model on a bus libvirt cannot express is refused with its name, never left out. */
static void test_refused_bus(void **state)
{
    unsigned refused = 0;

    (void)state;
    for (unsigned i = 0; i < devmodel_count(); i++) {
        const struct devmodel *m = devmodel_at(i);
        struct guest_spec s;
        char err[256] = "";

        if (!devbus_of(m)->libvirt_refusal) {
            continue;
        }
        base_spec(&s, m);
        assert_null(write_parse(&s, err, sizeof(err)));
        assert_non_null(strstr(err, m->name));
        assert_non_null(strstr(err, devbus_of(m)->libvirt_refusal));
        refused++;
    }
    /* libvirt 9.0 has no emulated NVMe controller */
    if (devmodel_find("nvme")) {
        assert_true(refused >= 1);
        assert_non_null(devbus_of(devmodel_find("nvme"))->libvirt_refusal);
    }
}

/* ---- device equivalence --------------------------------------------------------------------- */

/*
 * A backend-neutral description of a guest. Each backend's output is reduced to it
 * independently: the QEMU argv by reading its options, the XML by what libvirt 9 turns
 * each element into on QEMU's command line (checked by hand with
 * `virsh domxml-to-native qemu-argv`, see docs/libvirt.md).
 */
struct guest_desc {
    char accel[8];
    char cpu[8];
    char machine[8];
    char vcpus[8];
    char memory[16];
    char kernel[128], initrd[128], cmdline[256];
    int no_reboot;
    int serials;
    char serial0[128];   /* "file:PATH" */
    char serial1[128];   /* "connect:PATH" */
    char drive[192];     /* "PATH,raw,cache=none,iops=N" */
    char devices[4][64]; /* QEMU -device drivers of the DUT, controller first */
    int n_devices;
    char dut_bus[16]; /* bus the DUT disk sits on, as QEMU names the controller */
    char nic[128];    /* "tap=NAME,vhost=on|off,queues=N,mac=MAC" of the NIC under test */
    char blkopts[96]; /* "aio=X,discard=Y,iothread=N,queues=N" of the disk under test */
    int iothreads;    /* iothread objects (-object iothread / <iothreads>) */
    int iothread_users; /* devices that name one */
    char queues[8];
};

/* Value of key= inside a QEMU option string "a,key=v,b" ("" when absent). */
static void opt_get(const char *opts, const char *key, char *out, size_t len)
{
    size_t kl = strlen(key);
    const char *p = opts;

    out[0] = '\0';
    while (p && *p) {
        const char *end = strchr(p, ',');
        size_t l = end ? (size_t)(end - p) : strlen(p);

        if (l > kl && strncmp(p, key, kl) == 0 && p[kl] == '=') {
            snprintf(out, len, "%.*s", (int)(l - kl - 1), p + kl + 1);
            return;
        }
        p = end ? end + 1 : NULL;
    }
}

static void desc_from_argv(const struct qemu_argv *a, struct guest_desc *g)
{
    char ids[4][16], descs[4][128], v[160];
    int n_chardevs = 0;

    memset(g, 0, sizeof(*g));
    for (unsigned i = 0; i < a->argc; i++) {
        const char *o = a->argv[i], *val = i + 1 < a->argc ? a->argv[i + 1] : "";

        if (strcmp(o, "-no-reboot") == 0) {
            g->no_reboot = 1;
        } else if (strcmp(o, "-accel") == 0) {
            snprintf(g->accel, sizeof(g->accel), "%s", val);
        } else if (strcmp(o, "-cpu") == 0) {
            snprintf(g->cpu, sizeof(g->cpu), "%s", val);
        } else if (strcmp(o, "-machine") == 0) {
            snprintf(g->machine, sizeof(g->machine), "%s", val);
        } else if (strcmp(o, "-smp") == 0) {
            snprintf(g->vcpus, sizeof(g->vcpus), "%s", val);
        } else if (strcmp(o, "-m") == 0) {
            snprintf(g->memory, sizeof(g->memory), "%s", val);
        } else if (strcmp(o, "-kernel") == 0) {
            snprintf(g->kernel, sizeof(g->kernel), "%s", val);
        } else if (strcmp(o, "-initrd") == 0) {
            snprintf(g->initrd, sizeof(g->initrd), "%s", val);
        } else if (strcmp(o, "-append") == 0) {
            snprintf(g->cmdline, sizeof(g->cmdline), "%s", val);
        } else if (strcmp(o, "-chardev") == 0 && n_chardevs < 4) {
            opt_get(val, "id", ids[n_chardevs], sizeof(ids[0]));
            opt_get(val, "path", v, sizeof(v));
            if (strncmp(val, "file,", 5) == 0) {
                snprintf(descs[n_chardevs], sizeof(descs[0]), "file:%s", v);
            } else if (strncmp(val, "socket,", 7) == 0 && !strstr(val, "server=on")) {
                snprintf(descs[n_chardevs], sizeof(descs[0]), "connect:%s", v);
            } else {
                snprintf(descs[n_chardevs], sizeof(descs[0]), "other");
            }
            n_chardevs++;
        } else if (strcmp(o, "-serial") == 0) {
            char *dst = g->serials == 0 ? g->serial0 : g->serial1;

            for (int c = 0; c < n_chardevs; c++) {
                if (strncmp(val, "chardev:", 8) == 0 && strcmp(val + 8, ids[c]) == 0) {
                    snprintf(dst, sizeof(g->serial0), "%s", descs[c]);
                }
            }
            g->serials++;
        } else if (strcmp(o, "-object") == 0 && strncmp(val, "iothread,", 9) == 0) {
            g->iothreads++;
        } else if (strcmp(o, "-drive") == 0) {
            char file[128], fmt[16], cache[16], iops[16], aio[16], discard[16];

            opt_get(val, "file", file, sizeof(file));
            opt_get(val, "format", fmt, sizeof(fmt));
            opt_get(val, "cache", cache, sizeof(cache));
            opt_get(val, "throttling.iops-total", iops, sizeof(iops));
            opt_get(val, "aio", aio, sizeof(aio));
            opt_get(val, "discard", discard, sizeof(discard));
            snprintf(g->drive, sizeof(g->drive), "%s,%s,cache=%s,iops=%s", file, fmt, cache,
                     iops[0] ? iops : "0");
            /* QEMU's defaults when absent: aio=threads, discard=ignore */
            snprintf(g->blkopts, sizeof(g->blkopts), "aio=%s,discard=%s", aio[0] ? aio : "threads",
                     discard[0] ? discard : "ignore");
        } else if (strcmp(o, "-netdev") == 0 && strncmp(val, "tap,", 4) == 0) {
            char tap[32], vhost[8], nq[8];
            size_t used = strlen(g->nic);

            opt_get(val, "ifname", tap, sizeof(tap));
            opt_get(val, "vhost", vhost, sizeof(vhost));
            opt_get(val, "queues", nq, sizeof(nq));
            snprintf(g->nic + used, sizeof(g->nic) - used, "tap=%s,vhost=%s,queues=%s", tap,
                     vhost[0] ? vhost : "off", nq[0] ? nq : "1");
        } else if (strcmp(o, "-device") == 0 && g->n_devices < 4) {
            size_t l = strcspn(val, ",");
            char bus[32], q[16];

            snprintf(g->devices[g->n_devices++], sizeof(g->devices[0]), "%.*s", (int)l, val);
            opt_get(val, "bus", bus, sizeof(bus));
            opt_get(val, "iothread", q, sizeof(q));
            g->iothread_users += q[0] != '\0';
            opt_get(val, "num-queues", q, sizeof(q));
            if (!q[0]) {
                opt_get(val, "num_queues", q, sizeof(q));
            }
            if (q[0]) {
                snprintf(g->queues, sizeof(g->queues), "%s", q);
            }
            if (strstr(val, "netdev=net0")) {
                char mac[32];
                size_t used = strlen(g->nic);

                char mq[8], vectors[8], nq[8];

                opt_get(val, "mac", mac, sizeof(mac));
                snprintf(g->nic + used, sizeof(g->nic) - used, ",mac=%s", mac);
                /* what libvirt derives from <driver queues='N'/>: mq on, 2N+2 vectors */
                opt_get(val, "mq", mq, sizeof(mq));
                opt_get(val, "vectors", vectors, sizeof(vectors));
                opt_get(g->nic, "queues", nq, sizeof(nq));
                if (atoi(nq) > 1) {
                    assert_string_equal(mq, "on");
                    assert_int_equal(atoi(vectors), 2 * atoi(nq) + 2);
                } else {
                    assert_string_equal(mq, "");
                    assert_string_equal(vectors, "");
                }
                snprintf(g->dut_bus, sizeof(g->dut_bus), "pci");
            }
            if (strstr(val, "drive=dut")) {
                /* "dutctl.0" is the SCSI adapter's bus; "ide.0" the machine's IDE/AHCI. */
                snprintf(g->dut_bus, sizeof(g->dut_bus), "%s",
                         strcmp(bus, "dutctl.0") == 0 ? "ctl"
                         : bus[0]                     ? bus
                                                      : "pci");
            }
        }
    }
}

/* What libvirt puts on QEMU's command line for each XML element this writer uses. */
static void desc_from_xml(xmlDocPtr d, struct guest_desc *g)
{
    const char *bus;

    memset(g, 0, sizeof(*g));
    snprintf(g->accel, sizeof(g->accel), "%s",
             strcmp(xs(d, "/domain/@type"), "kvm") == 0 ? "kvm" : "tcg");
    snprintf(g->cpu, sizeof(g->cpu), "%s",
             strcmp(xs(d, "/domain/cpu/@mode"), "host-passthrough") == 0 ? "host"
             : strcmp(xs(d, "/domain/cpu/@mode"), "maximum") == 0        ? "max"
                                                                         : "?");
    snprintf(g->machine, sizeof(g->machine), "%s", xs(d, "/domain/os/type/@machine"));
    snprintf(g->vcpus, sizeof(g->vcpus), "%s", xs(d, "/domain/vcpu"));
    /* QEMU 7.2 lays out -smp N as one socket of N cores: the XML must say the same. */
    assert_string_equal(xs(d, "/domain/cpu/topology/@sockets"), "1");
    assert_string_equal(xs(d, "/domain/cpu/topology/@cores"), g->vcpus);
    assert_string_equal(xs(d, "/domain/cpu/topology/@threads"), "1");
    assert_string_equal(xs(d, "/domain/memory/@unit"), "MiB");
    snprintf(g->memory, sizeof(g->memory), "%s", xs(d, "/domain/memory"));
    snprintf(g->kernel, sizeof(g->kernel), "%s", xs(d, "/domain/os/kernel"));
    snprintf(g->initrd, sizeof(g->initrd), "%s", xs(d, "/domain/os/initrd"));
    snprintf(g->cmdline, sizeof(g->cmdline), "%s", xs(d, "/domain/os/cmdline"));
    g->no_reboot = strcmp(xs(d, "/domain/on_reboot"), "destroy") == 0;
    g->serials = xcount(d, "/domain/devices/serial");
    if (strcmp(xs(d, "/domain/devices/serial[target/@port='0']/@type"), "file") == 0) {
        snprintf(g->serial0, sizeof(g->serial0), "file:%s",
                 xs(d, "/domain/devices/serial[target/@port='0']/source/@path"));
    }
    if (strcmp(xs(d, "/domain/devices/serial[target/@port='1']/@type"), "unix") == 0 &&
        strcmp(xs(d, "/domain/devices/serial[target/@port='1']/source/@mode"), "connect") == 0) {
        snprintf(g->serial1, sizeof(g->serial1), "connect:%s",
                 xs(d, "/domain/devices/serial[target/@port='1']/source/@path"));
    }
    if (xcount(d, "/domain/devices/disk") == 1) {
        char file[128], type[16], cache[16], iops[16];

        /* xs() returns one static buffer: copy before the next call. */
        snprintf(file, sizeof(file), "%s", xs(d, "/domain/devices/disk/source/@file"));
        snprintf(type, sizeof(type), "%s", xs(d, "/domain/devices/disk/driver/@type"));
        snprintf(cache, sizeof(cache), "%s", xs(d, "/domain/devices/disk/driver/@cache"));
        snprintf(iops, sizeof(iops), "%s", xs(d, "/domain/devices/disk/iotune/total_iops_sec"));
        /* Any other limit in <iotune> would be a throttle the QEMU guest does not have. */
        assert_int_equal(xcount(d, "/domain/devices/disk/iotune/*"), iops[0] ? 1 : 0);
        snprintf(g->drive, sizeof(g->drive), "%s,%s,cache=%s,iops=%s", file, type, cache,
                 iops[0] ? iops : "0");
        /* libvirt's defaults when absent: io='threads', discard='ignore' */
        snprintf(cache, sizeof(cache), "%s", xs(d, "/domain/devices/disk/driver/@io"));
        snprintf(g->blkopts, sizeof(g->blkopts), "aio=%s,discard=%s", cache[0] ? cache : "threads",
                 xs(d, "/domain/devices/disk/driver/@discard")[0]
                     ? xs(d, "/domain/devices/disk/driver/@discard")
                     : "ignore");
        g->iothread_users = xcount(d, "/domain/devices/disk/driver[@iothread]") +
                            xcount(d, "/domain/devices/controller/driver[@iothread]");
        snprintf(g->queues, sizeof(g->queues), "%s", xs(d, "/domain/devices/disk/driver/@queues"));
        if (!g->queues[0]) {
            snprintf(g->queues, sizeof(g->queues), "%s",
                     xs(d, "/domain/devices/controller[@type='scsi']/driver/@queues"));
        }
    }
    g->iothreads = atoi(xs(d, "/domain/iothreads"));
    /* Devices on QEMU's command line: a SCSI adapter, then the disk's device. */
    if (strcmp(xs(d, "/domain/devices/controller[@type='scsi']/@model"), "virtio-scsi") == 0) {
        snprintf(g->devices[g->n_devices++], sizeof(g->devices[0]), "virtio-scsi-pci");
    }
    bus = xs(d, "/domain/devices/disk/target/@bus");
    if (strcmp(bus, "virtio") == 0) {
        snprintf(g->devices[g->n_devices++], sizeof(g->devices[0]), "virtio-blk-pci");
        snprintf(g->dut_bus, sizeof(g->dut_bus), "pci");
    } else if (strcmp(bus, "ide") == 0 || strcmp(bus, "sata") == 0) {
        /* PIIX IDE (pc) and ICH9 AHCI (q35) are the machine's own; both expose "ide.0". */
        snprintf(g->devices[g->n_devices++], sizeof(g->devices[0]), "ide-hd");
        snprintf(g->dut_bus, sizeof(g->dut_bus), "ide.0");
    } else if (strcmp(bus, "scsi") == 0) {
        snprintf(g->devices[g->n_devices++], sizeof(g->devices[0]), "scsi-hd");
        snprintf(g->dut_bus, sizeof(g->dut_bus), "ctl");
    }
    if (xcount(d, "/domain/devices/interface") == 1) {
        static const struct {
            const char *libvirt, *qemu;
        } nic_models[] = {{"rtl8139", "rtl8139"},
                          {"e1000", "e1000"},
                          {"e1000e", "e1000e"},
                          {"vmxnet3", "vmxnet3"},
                          {"virtio", "virtio-net-pci"}};
        char tap[32], mac[32], model[32], nq[8];

        assert_string_equal(xs(d, "/domain/devices/interface/@type"), "ethernet");
        assert_string_equal(xs(d, "/domain/devices/interface/target/@managed"), "no");
        snprintf(tap, sizeof(tap), "%s", xs(d, "/domain/devices/interface/target/@dev"));
        snprintf(mac, sizeof(mac), "%s", xs(d, "/domain/devices/interface/mac/@address"));
        snprintf(model, sizeof(model), "%s", xs(d, "/domain/devices/interface/model/@type"));
        snprintf(nq, sizeof(nq), "%s", xs(d, "/domain/devices/interface/driver/@queues"));
        snprintf(g->nic, sizeof(g->nic), "tap=%s,vhost=%s,queues=%s,mac=%s", tap,
                 strcmp(xs(d, "/domain/devices/interface/driver/@name"), "vhost") == 0 ? "on"
                                                                                      : "off",
                 nq[0] ? nq : "1", mac);
        for (size_t i = 0; i < sizeof(nic_models) / sizeof(nic_models[0]); i++) {
            if (strcmp(model, nic_models[i].libvirt) == 0) {
                snprintf(g->devices[g->n_devices++], sizeof(g->devices[0]), "%s",
                         nic_models[i].qemu);
            }
        }
        snprintf(g->dut_bus, sizeof(g->dut_bus), "pci");
    }
    /* Anything else under <devices> would be a device the QEMU guest does not have. */
    assert_string_equal(xs(d, "/domain/devices/memballoon/@model"), "none");
    assert_string_equal(xs(d, "/domain/devices/controller[@type='usb']/@model"), "none");
    assert_int_equal(xcount(d, "/domain/devices/*"),
                     1 /* usb none */ + 1 /* balloon none */ + g->serials +
                         xcount(d, "/domain/devices/emulator") + xcount(d, "/domain/devices/disk") +
                         xcount(d, "/domain/devices/controller[@type='scsi']") +
                         xcount(d, "/domain/devices/interface"));
}

static void assert_same_guest(const struct guest_desc *q, const struct guest_desc *l,
                              const char *what)
{
    if (strcmp(q->accel, l->accel) || strcmp(q->cpu, l->cpu) || strcmp(q->machine, l->machine) ||
        strcmp(q->vcpus, l->vcpus) || strcmp(q->memory, l->memory) ||
        strcmp(q->kernel, l->kernel) || strcmp(q->initrd, l->initrd) ||
        strcmp(q->cmdline, l->cmdline) || q->no_reboot != l->no_reboot ||
        q->serials != l->serials || strcmp(q->serial0, l->serial0) ||
        strcmp(q->serial1, l->serial1) || strcmp(q->drive, l->drive) ||
        q->n_devices != l->n_devices || strcmp(q->dut_bus, l->dut_bus) || strcmp(q->nic, l->nic) ||
        strcmp(q->blkopts, l->blkopts) || q->iothreads != l->iothreads ||
        q->iothread_users != l->iothread_users || strcmp(q->queues, l->queues)) {
        fail_msg("%s: guests differ: qemu{%s %s %s smp=%s m=%s ser=%d %s|%s drive=%s bus=%s "
                 "nic=%s n=%d %s iot=%d/%d q=%s} libvirt{%s %s %s smp=%s m=%s ser=%d %s|%s "
                 "drive=%s bus=%s nic=%s n=%d %s iot=%d/%d q=%s}",
                 what, q->accel, q->cpu, q->machine, q->vcpus, q->memory, q->serials, q->serial0,
                 q->serial1, q->drive, q->dut_bus, q->nic, q->n_devices, q->blkopts, q->iothreads,
                 q->iothread_users, q->queues, l->accel, l->cpu, l->machine, l->vcpus, l->memory,
                 l->serials, l->serial0, l->serial1, l->drive, l->dut_bus, l->nic, l->n_devices,
                 l->blkopts, l->iothreads, l->iothread_users, l->queues);
    }
    for (int i = 0; i < q->n_devices; i++) {
        if (strcmp(q->devices[i], l->devices[i]) != 0) {
            fail_msg("%s: device %d: qemu %s, libvirt %s", what, i, q->devices[i], l->devices[i]);
        }
    }
}

/* Option sets of a configuration: the defaults first, then each option libvirt can express. */
static const struct devopts equiv_opts[] = {
    {0},
    {.aio = DEVOPTS_AIO_NATIVE},
    {.aio = DEVOPTS_AIO_IO_URING,
     .cache = DEVOPTS_CACHE_WRITEBACK,
     .discard = DEVOPTS_DISCARD_UNMAP},
    {.cache = DEVOPTS_CACHE_UNSAFE, .iothread = 1},
    {.aio = DEVOPTS_AIO_NATIVE, .cache = DEVOPTS_CACHE_DIRECTSYNC, .iothread = 1, .queues = 2},
    {.queues = 4},
};

/* The same guest, also for every option set a model takes (devopts_check). */
static void test_option_equivalence(void **state)
{
    unsigned checked = 0;
    char why[256];
    const char *key;

    (void)state;
    for (unsigned i = 0; i < devmodel_count(); i++) {
        const struct devmodel *m = devmodel_at(i);
        for (unsigned k = 0; k < sizeof(equiv_opts) / sizeof(equiv_opts[0]); k++) {
            struct guest_spec s;
            struct qemu_argv a;
            struct guest_desc q, l;
            char what[128];
            xmlDocPtr d;

            if (devbus_of(m)->libvirt_refusal ||
                devopts_check(&equiv_opts[k], m, why, sizeof(why), &key) < 0) {
                continue;
            }
            base_spec(&s, m);
            s.dut_opts = &equiv_opts[k];
            snprintf(what, sizeof(what), "%s with option set %u", m->name, k);
            assert_int_equal(backend_qemu_build_argv(&s, &a), 0);
            d = must_write(&s);
            desc_from_argv(&a, &q);
            desc_from_xml(d, &l);
            assert_same_guest(&q, &l, what);
            xmlFreeDoc(d);
            checked++;
        }
    }
    /* ide, ahci: sets 0-2; virtio-blk, virtio-scsi: all 6; 5 NICs: set 0; virtio-net: 4 queues */
    assert_int_equal(checked, 2 * 3 + 2 * 6 + 5 + 1);
}

/* What libvirt cannot express is refused with its name, never dropped. */
static void test_option_refusals(void **state)
{
    struct devopts o = {0};
    struct guest_spec s;
    char err[256];

    (void)state;
    base_spec(&s, devmodel_find("virtio-blk"));
    s.dut_opts = &o;
    snprintf(o.device_options, sizeof(o.device_options), "queue-size=256");
    assert_null(write_parse(&s, err, sizeof(err)));
    assert_string_equal(err, "device_options = queue-size=256: the libvirt backend cannot express "
                             "QEMU -device properties; use --backend qemu");
    o.device_options[0] = '\0';
    o.format = DEVOPTS_FORMAT_QCOW2;
    assert_null(write_parse(&s, err, sizeof(err)));
    assert_string_equal(err, "format = qcow2: the libvirt backend does not create qcow2 scratch "
                             "images; use --backend qemu");
    base_spec(&s, devmodel_find("e1000"));
    o.format = DEVOPTS_FORMAT_RAW;
    snprintf(o.device_options, sizeof(o.device_options), "x-pcie-lnksta-dllla=off");
    s.dut_opts = &o;
    assert_null(write_parse(&s, err, sizeof(err)));
}

static void test_device_equivalence(void **state)
{
    static const char *accels[] = {"tcg", "kvm"};
    unsigned checked = 0;

    (void)state;
    for (unsigned i = 0; i <= devmodel_count(); i++) {
        /* i == devmodel_count(): the guest without a device under test (KVM probe). */
        const struct devmodel *m = i < devmodel_count() ? devmodel_at(i) : NULL;

        for (unsigned mt = MACHINE_PC; mt <= MACHINE_Q35; mt <<= 1) {
            for (unsigned k = 0; k < 4; k++) {
                struct guest_spec s;
                struct qemu_argv a;
                struct guest_desc q, l;
                char what[128];
                xmlDocPtr d;

                if (m && (!(m->machines & mt) || devbus_of(m)->libvirt_refusal)) {
                    continue;
                }
                base_spec(&s, m);
                s.machine = (enum machine_type)mt;
                s.accel = accels[k % 2];
                s.disk_iops_limit = k >= 2 ? 300 : 0; /* scenario key disk_iops_limit */
                /* vhost on and off: the harness asks for it for virtio-net only */
                s.net_vhost = k >= 2 && m && strcmp(m->qemu_device, "virtio-net-pci") == 0;
                snprintf(what, sizeof(what), "%s on %s (%s, iops limit %u)", m ? m->name : "no DUT",
                         machine_name(s.machine), s.accel, s.disk_iops_limit);
                assert_int_equal(backend_qemu_build_argv(&s, &a), 0);
                d = must_write(&s);
                desc_from_argv(&a, &q);
                desc_from_xml(d, &l);
                assert_same_guest(&q, &l, what);
                assert_true(q.no_reboot);
                assert_int_equal(q.serials, 2);
                xmlFreeDoc(d);
                checked++;
            }
        }
    }
    /* ide(pc) + ahci(q35) + virtio-blk(pc,q35) + virtio-scsi(pc,q35) + probe(pc,q35), x4. */
    assert_true(checked >= 32);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_model),     cmocka_unit_test(test_iops_limit),
        cmocka_unit_test(test_dut_line),
        cmocka_unit_test(test_kvm_probe_guest), cmocka_unit_test(test_escaping),
        cmocka_unit_test(test_refusals),        cmocka_unit_test(test_device_equivalence),
        cmocka_unit_test(test_refused_bus),     cmocka_unit_test(test_option_equivalence),
        cmocka_unit_test(test_option_refusals), cmocka_unit_test(test_pty_serials),
        cmocka_unit_test(test_network_nic),
    };
    int rc;

    xmlInitParser();
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    xmlCleanupParser();
    return rc;
}
