/*
 * The libvirt domain XML of a guest. Everything the direct QEMU backend puts on its
 * command line has its counterpart here, and nothing more:
 *
 *   QEMU backend                          domain XML
 *   -accel tcg|kvm                        <domain type='qemu'|'kvm'>
 *   -cpu max | -cpu host                  <cpu mode='maximum'|'host-passthrough'>
 *   -smp N (QEMU 7.2: 1 socket, N cores)  <vcpu>N</vcpu> + <topology sockets='1' cores='N'>
 *   -machine pc|q35, ACPI on by default   <type machine='pc'|'q35'>, <features><acpi/>
 *   -m MiB                                <memory unit='MiB'>
 *   -nodefaults, -display none            no <graphics>/<video>/<interface>, no USB, no balloon
 *   -no-reboot                            <on_reboot>destroy</on_reboot>
 *   -kernel/-initrd/-append               <kernel>/<initrd>/<cmdline>
 *   -serial file, -serial socket          <serial type='file'>, <serial type='unix' connect>
 *   -drive ...,cache=none + -device DUT   <disk> with <driver cache='none'> and the bus
 *   -drive ...,throttling.iops-total=N    <iotune><total_iops_sec>N</total_iops_sec>
 *   -drive format=,cache=,aio=,discard=    <driver type= cache= io= discard=>
 *   -object iothread + iothread=dutio     <iothreads>1</iothreads> + <driver iothread='1'>
 *   num-queues= / num_queues= (SCSI)      <driver queues=> (disk / SCSI <controller>)
 *   -device ...,<device_options>, qcow2   refused by name (devbus_xml_refuse)
 *
 * The device under test is written by its bus (devbus.c), next to its QEMU arguments.
 * PCI devices of the DUT get an explicit slot on the root bus (the slot QEMU picks
 * itself), so libvirt does not put them behind a pcie-root-port on q35.
 */
#include "domxml.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/xmlstring.h>
#include <libxml/xmlwriter.h>
#include <libxml/xpath.h>

#include "devbus.h"
#include "util.h"
#include "xmlw.h"

/* Longest domain name accepted (libvirt has no hard limit; paths under /run derive from it). */
#define DOMXML_NAME_MAX 200

/* Printable UTF-8 without control characters: what XML 1.0 and libvirt can carry. */
static int text_ok(const char *s)
{
    if (!s || !xmlCheckUTF8((const unsigned char *)s)) {
        return 0;
    }
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x20 || *p == 0x7f) {
            return 0;
        }
    }
    return 1;
}

static int path_ok(const char *p)
{
    return p && p[0] == '/' && text_ok(p);
}

int domxml_name_ok(const char *name)
{
    /* libvirt refuses '/' (names become file names) and newlines in names. */
    return name && name[0] && strlen(name) <= DOMXML_NAME_MAX && !strchr(name, '/') &&
           text_ok(name);
}

const char *domxml_dut_target_dev(const struct devmodel *m)
{
    return m && m->kind == DEVMODEL_BLK ? m->libvirt_dev : NULL;
}

/* Append s to out (len bytes, *o used) with the attribute-ending characters as entities;
 * *o becomes len when it did not fit. */
static void domxml_cat(char *out, size_t len, size_t *o, const char *s, int attr)
{
    for (; *s && *o < len; s++) {
        const char *ent = !attr ? NULL
                          : *s == '\'' ? "&apos;"
                          : *s == '&'  ? "&amp;"
                          : *s == '<'  ? "&lt;"
                                       : NULL;
        size_t n = ent ? strlen(ent) : 1;

        if (*o + n >= len) {
            *o = len;
            return;
        }
        memcpy(out + *o, ent ? ent : s, n);
        *o += n;
    }
    if (*o < len) {
        out[*o] = '\0';
    }
}

int domxml_dut_line(xmlDocPtr doc, char *out, size_t len)
{
    static const char *const paths[] = {
        "/domain/devices/disk[alias/@name='" DOMXML_DUT_ALIAS "']/target",
        "/domain/devices/interface[alias/@name='" DOMXML_DUT_ALIAS "']/model",
    };
    xmlXPathContextPtr ctx = doc ? xmlXPathNewContext(doc) : NULL;
    xmlXPathObjectPtr obj = NULL;
    xmlNodePtr n = NULL;
    size_t o = 0;

    if (len == 0) {
        return -1;
    }
    out[0] = '\0';
    for (size_t i = 0; ctx && !n && i < sizeof(paths) / sizeof(paths[0]); i++) {
        xmlXPathFreeObject(obj);
        obj = xmlXPathEvalExpression(BAD_CAST paths[i], ctx);
        if (obj && obj->nodesetval && obj->nodesetval->nodeNr > 0) {
            n = obj->nodesetval->nodeTab[0];
        }
    }
    if (n) {
        domxml_cat(out, len, &o, "<", 0);
        domxml_cat(out, len, &o, (const char *)n->name, 0);
        for (xmlAttrPtr a = n->properties; a; a = a->next) {
            xmlChar *v = xmlNodeListGetString(doc, a->children, 1);

            domxml_cat(out, len, &o, " ", 0);
            domxml_cat(out, len, &o, (const char *)a->name, 0);
            domxml_cat(out, len, &o, "='", 0);
            domxml_cat(out, len, &o, v ? (const char *)v : "", 1);
            domxml_cat(out, len, &o, "'", 0);
            xmlFree(v);
        }
        domxml_cat(out, len, &o, "/>", 0);
        if (o >= len) {
            out[0] = '\0'; /* cut short: no half an element */
        }
    }
    xmlXPathFreeObject(obj);
    xmlXPathFreeContext(ctx);
    return out[0] ? 0 : -1;
}

/* ---- sections -------------------------------------------------------------------------------- */

static int write_os(xmlTextWriterPtr w, const struct guest_spec *s)
{
    int rc = 0;

    rc |= xmlw_start(w, "os");
    rc |= xmlw_start(w, "type");
    rc |= xmlw_attr(w, "arch", "x86_64");
    rc |= xmlw_attr(w, "machine", machine_name(s->machine));
    rc |= xmlTextWriterWriteString(w, BAD_CAST "hvm") < 0 ? -1 : 0;
    rc |= xmlw_end(w);
    rc |= xmlw_elem(w, "kernel", s->kernel);
    rc |= xmlw_elem(w, "initrd", s->initrd);
    rc |= xmlw_elem(w, "cmdline", s->cmdline);
    rc |= xmlw_end(w);
    /* QEMU enables ACPI unless told otherwise; libvirt disables it unless asked. */
    rc |= xmlw_start(w, "features");
    rc |= xmlw_start(w, "acpi");
    rc |= xmlw_end(w);
    rc |= xmlw_end(w);
    return rc;
}

/* -cpu host / -cpu max, and QEMU 7.2's default topology for -smp N: 1 socket of N cores. */
static int write_cpu(xmlTextWriterPtr w, const struct guest_spec *s, int kvm)
{
    int rc = 0;

    rc |= xmlw_start(w, "cpu");
    rc |= xmlw_attr(w, "mode", kvm ? "host-passthrough" : "maximum");
    rc |= xmlw_attr(w, "check", "none");
    rc |= xmlw_start(w, "topology");
    rc |= xmlw_attr(w, "sockets", "1");
    rc |= xmlw_attr(w, "dies", "1");
    rc |= xmlw_attrf(w, "cores", "%u", s->vcpus);
    rc |= xmlw_attr(w, "threads", "1");
    rc |= xmlw_end(w);
    rc |= xmlw_end(w);
    return rc;
}

/* ttyS0: the kernel console into a file; ttyS1: the control channel (the harness listens). */
static int write_serials(xmlTextWriterPtr w, const struct guest_spec *s)
{
    int rc = 0;

    rc |= xmlw_start(w, "serial");
    rc |= xmlw_attr(w, "type", "file");
    rc |= xmlw_empty1(w, "source", "path", s->console_log);
    rc |= xmlw_empty1(w, "target", "port", "0");
    rc |= xmlw_end(w);

    rc |= xmlw_start(w, "serial");
    rc |= xmlw_attr(w, "type", "unix");
    rc |= xmlw_start(w, "source");
    rc |= xmlw_attr(w, "mode", "connect");
    rc |= xmlw_attr(w, "path", s->control_sock);
    rc |= xmlw_end(w);
    rc |= xmlw_empty1(w, "target", "port", "1");
    rc |= xmlw_end(w);
    return rc;
}

/*
 * Both ports as ptys, for a host that cannot see the harness's files: the harness reaches
 * them through libvirt streams (virDomainOpenConsole refuses unix serials). The console also
 * goes into log_path on the daemon's side when given, kept there should the stream break.
 */
static int write_pty_serials(xmlTextWriterPtr w, const char *log_path)
{
    int rc = 0;

    for (int port = 0; port < 2; port++) {
        rc |= xmlw_start(w, "serial");
        rc |= xmlw_attr(w, "type", "pty");
        if (port == 0 && log_path) {
            rc |= xmlw_start(w, "log");
            rc |= xmlw_attr(w, "file", log_path);
            rc |= xmlw_attr(w, "append", "off");
            rc |= xmlw_end(w);
        }
        rc |= xmlw_empty1(w, "target", "port", port == 0 ? "0" : "1");
        rc |= xmlw_end(w);
    }
    return rc;
}

/* The device under test as its bus writes it (devbus.c); a bus libvirt cannot express: refused. */
static int write_dut(xmlTextWriterPtr w, const struct guest_spec *s, char *err, size_t errlen)
{
    const struct devbus_ops *bus = devbus_of(s->dut);

    if (!bus->domxml) {
        snprintf(err, errlen, "device model %s: the libvirt backend cannot express it: %s",
                 s->dut->name, bus->libvirt_refusal);
        return -1;
    }
    return bus->domxml(w, s, err, errlen);
}

/* A Linux interface name: 1..15 bytes, letters, digits, '-', '_', '.'. */
static int ifname_ok(const char *n)
{
    size_t len = n ? strlen(n) : 0;

    return len > 0 && len < 16 && strspn(n, "abcdefghijklmnopqrstuvwxyz"
                                            "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") == len;
}

static int check_spec(const struct guest_spec *s, char *err, size_t errlen)
{
    if (!domxml_name_ok(s->name)) {
        snprintf(err, errlen,
                 "domain name is empty, too long, or holds '/' or control "
                 "characters");
        return -1;
    }
    if (!s->accel || (strcmp(s->accel, "kvm") != 0 && strcmp(s->accel, "tcg") != 0)) {
        snprintf(err, errlen, "accelerator must be kvm or tcg");
        return -1;
    }
    if (s->vcpus == 0 || s->memory_mib == 0) {
        snprintf(err, errlen, "vCPUs and memory must be at least 1");
        return -1;
    }
    if (!path_ok(s->kernel) || !path_ok(s->initrd) || !path_ok(s->console_log) ||
        !path_ok(s->control_sock) ||
        (s->dut && s->dut->kind == DEVMODEL_BLK && !path_ok(s->disk_path))) {
        snprintf(err, errlen,
                 "kernel, initrd, console log, control socket and disk must be "
                 "absolute paths without control characters");
        return -1;
    }
    if (!s->cmdline || !text_ok(s->cmdline)) {
        snprintf(err, errlen, "kernel command line holds control characters");
        return -1;
    }
    if (s->qemu_binary && s->qemu_binary[0] == '/' && !path_ok(s->qemu_binary)) {
        snprintf(err, errlen, "QEMU binary path holds control characters");
        return -1;
    }
    /* Never run a fetched QEMU without its firmware and libraries: refused, not dropped. */
    if ((s->qemu_data_dirs && *s->qemu_data_dirs) || (s->qemu_lib_path && *s->qemu_lib_path) ||
        (s->qemu_module_dir && *s->qemu_module_dir)) {
        snprintf(err, errlen,
                 "a QEMU fetched from Debian's archive runs with its own firmware folders and "
                 "libraries, which the libvirt backend does not pass to its emulator: use "
                 "--backend qemu");
        return -1;
    }
    if (s->dut && s->dut->kind == DEVMODEL_NET &&
        ((s->net_network ? !domxml_name_ok(s->net_network) : !ifname_ok(s->net_tap)) ||
         !s->net_mac || strlen(s->net_mac) != 17 ||
         strspn(s->net_mac, "0123456789abcdefABCDEF:") != 17)) {
        snprintf(err, errlen, "device model %s: the NIC needs a tap or network name and a MAC address",
                 s->dut->name);
        return -1;
    }
    return 0;
}

/* pty: the serial ports as ptys (domxml_write_pty), pty_log the console log on that side. */
static int domxml_emit(const struct guest_spec *s, int pty, const char *pty_log, xmlBufferPtr out,
                       char *err, size_t errlen)
{
    xmlTextWriterPtr w = NULL;
    int kvm, rc = 0;
    char num[32];

    if (errlen > 0) {
        err[0] = '\0';
    }
    if (check_spec(s, err, errlen) < 0) {
        return -1;
    }
    kvm = strcmp(s->accel, "kvm") == 0;
    w = xmlNewTextWriterMemory(out, 0);
    if (!w) {
        snprintf(err, errlen, "cannot create the XML writer");
        return -1;
    }
    rc |= xmlTextWriterSetIndent(w, 1) < 0 ? -1 : 0;
    rc |= xmlTextWriterSetIndentString(w, BAD_CAST "  ") < 0 ? -1 : 0;
    rc |= xmlTextWriterStartDocument(w, NULL, "UTF-8", NULL) < 0 ? -1 : 0;
    rc |= xmlw_start(w, "domain");
    rc |= xmlw_attr(w, "type", kvm ? "kvm" : "qemu");
    rc |= xmlw_elem(w, "name", s->name);
    rc |= xmlw_start(w, "memory");
    rc |= xmlw_attr(w, "unit", "MiB");
    snprintf(num, sizeof(num), "%u", s->memory_mib);
    rc |= xmlTextWriterWriteString(w, BAD_CAST num) < 0 ? -1 : 0;
    rc |= xmlw_end(w);
    rc |= xmlw_start(w, "vcpu");
    rc |= xmlw_attr(w, "placement", "static");
    snprintf(num, sizeof(num), "%u", s->vcpus);
    rc |= xmlTextWriterWriteString(w, BAD_CAST num) < 0 ? -1 : 0;
    rc |= xmlw_end(w);
    if (s->dut && devbus_opts(s)->iothread) {
        /* QEMU's -object iothread: the disk names it as iothread='1' */
        rc |= xmlw_elem(w, "iothreads", "1");
    }
    rc |= write_os(w, s);
    rc |= write_cpu(w, s, kvm);
    rc |= xmlw_elem(w, "on_poweroff", "destroy");
    rc |= xmlw_elem(w, "on_reboot", "destroy");
    rc |= xmlw_elem(w, "on_crash", "destroy");

    rc |= xmlw_start(w, "devices");
    if (s->qemu_binary && s->qemu_binary[0] == '/') {
        rc |= xmlw_elem(w, "emulator", s->qemu_binary);
    }
    rc |= pty ? write_pty_serials(w, pty_log) : write_serials(w, s);
    if (s->dut && write_dut(w, s, err, errlen) < 0) {
        rc = -1;
    }
    /* What libvirt would add by default and QEMU's -nodefaults leaves out. */
    rc |= xmlw_start(w, "controller");
    rc |= xmlw_attr(w, "type", "usb");
    rc |= xmlw_attr(w, "model", "none");
    rc |= xmlw_end(w);
    rc |= xmlw_empty1(w, "memballoon", "model", "none");
    rc |= xmlw_end(w); /* devices */

    /*
     * Run this domain's QEMU as root without relabelling anything: the harness's scratch
     * folder (disk, control socket) is root-only, mode 0700. Per domain, so the host's
     * qemu.conf stays as it is. See docs/libvirt.md.
     */
    rc |= xmlw_start(w, "seclabel");
    rc |= xmlw_attr(w, "type", "static");
    rc |= xmlw_attr(w, "model", "dac");
    rc |= xmlw_attr(w, "relabel", "no");
    rc |= xmlw_elem(w, "label", "+0:+0");
    rc |= xmlw_end(w);

    rc |= xmlw_end(w); /* domain */
    rc |= xmlTextWriterEndDocument(w) < 0 ? -1 : 0;
    if (rc != 0) {
        if (!err[0]) {
            snprintf(err, errlen, "cannot write the domain XML (out of memory?)");
        }
        goto out;
    }
    xmlFreeTextWriter(w);
    return 0;
out:
    xmlFreeTextWriter(w);
    return -1;
}

int domxml_write(const struct guest_spec *s, xmlBufferPtr out, char *err, size_t errlen)
{
    return domxml_emit(s, 0, NULL, out, err, errlen);
}

int domxml_write_pty(const struct guest_spec *s, const char *console_log, xmlBufferPtr out,
                     char *err, size_t errlen)
{
    if (console_log && !path_ok(console_log)) {
        snprintf(err, errlen, "console log path on the host must be absolute, without control "
                              "characters");
        return -1;
    }
    return domxml_emit(s, 1, console_log, out, err, errlen);
}

int domxml_spec_dut_line(const struct guest_spec *spec, char *out, size_t len)
{
    struct guest_spec s = *spec;
    xmlBufferPtr buf = xmlBufferCreate();
    xmlDocPtr doc = NULL;
    char err[256];
    int rc = -1;

    if (len) {
        out[0] = '\0';
    }
    /* The element does not depend on where the files are: any absolute paths will do. */
    s.kernel = "/guest/vmlinuz";
    s.initrd = "/guest/initramfs.img";
    s.disk_path = "/state/disk.img";
    s.control_sock = "/state/ctl.sock";
    s.console_log = "/logs/console.log";
    s.qemu_binary = NULL;
    s.qemu_data_dirs = NULL;
    s.qemu_lib_path = NULL;
    s.qemu_module_dir = NULL;
    if (buf && domxml_write(&s, buf, err, sizeof(err)) == 0) {
        doc = xmlReadMemory((const char *)xmlBufferContent(buf), (int)xmlBufferLength(buf),
                            "domain.xml", NULL, XML_PARSE_NONET);
        rc = domxml_dut_line(doc, out, len);
    }
    xmlFreeDoc(doc);
    xmlBufferFree(buf);
    return rc;
}
