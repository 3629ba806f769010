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
 *
 * PCI devices of the DUT get an explicit slot on the root bus (the slot QEMU picks
 * itself), so libvirt does not put them behind a pcie-root-port on q35.
 */
#include "domxml.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <libxml/xmlstring.h>
#include <libxml/xmlwriter.h>

#include "util.h"

/* Longest domain name accepted (libvirt has no hard limit; paths under /run derive from it). */
#define DOMXML_NAME_MAX 200

/* QEMU SCSI host adapter -> libvirt <controller type='scsi' model=>. */
static const struct {
    const char *qemu;
    const char *libvirt;
} scsi_models[] = {
    {"virtio-scsi-pci", "virtio-scsi"},
    {"lsi53c895a", "lsilogic"},
    {"megasas", "megasas"},
};

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
    if (!m || m->kind != DEVMODEL_BLK) {
        return NULL;
    }
    if (strcmp(m->libvirt_bus, "ide") == 0) {
        return "hda";
    }
    if (strcmp(m->libvirt_bus, "virtio") == 0) {
        return "vda";
    }
    if (strcmp(m->libvirt_bus, "sata") == 0 || strcmp(m->libvirt_bus, "scsi") == 0) {
        return "sda";
    }
    return NULL;
}

static const char *scsi_controller_model(const char *qemu_controller)
{
    for (size_t i = 0; i < sizeof(scsi_models) / sizeof(scsi_models[0]); i++) {
        if (qemu_controller && strcmp(scsi_models[i].qemu, qemu_controller) == 0) {
            return scsi_models[i].libvirt;
        }
    }
    return NULL;
}

/* ---- thin wrappers: every xmlTextWriter call reports failure as -1 ------------------------ */

static int x_start(xmlTextWriterPtr w, const char *name)
{
    return xmlTextWriterStartElement(w, BAD_CAST name) < 0 ? -1 : 0;
}

static int x_end(xmlTextWriterPtr w)
{
    return xmlTextWriterEndElement(w) < 0 ? -1 : 0;
}

static int x_attr(xmlTextWriterPtr w, const char *name, const char *value)
{
    return xmlTextWriterWriteAttribute(w, BAD_CAST name, BAD_CAST value) < 0 ? -1 : 0;
}

static int x_attrf(xmlTextWriterPtr w, const char *name, const char *fmt, ...) PVB_PRINTF(3, 4);

static int x_attrf(xmlTextWriterPtr w, const char *name, const char *fmt, ...)
{
    char buf[64];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(buf)) {
        return -1;
    }
    return x_attr(w, name, buf);
}

/* <name>text</name>, text escaped by libxml2. */
static int x_elem(xmlTextWriterPtr w, const char *name, const char *text)
{
    return xmlTextWriterWriteElement(w, BAD_CAST name, BAD_CAST text) < 0 ? -1 : 0;
}

/* An empty element with one attribute: <name attr='value'/>. */
static int x_empty1(xmlTextWriterPtr w, const char *name, const char *attr, const char *value)
{
    int rc = 0;

    rc |= x_start(w, name);
    rc |= x_attr(w, attr, value);
    rc |= x_end(w);
    return rc;
}

/* <address type='pci'> on the root bus, function 0. */
static int x_pci_address(xmlTextWriterPtr w, unsigned slot)
{
    int rc = 0;

    rc |= x_start(w, "address");
    rc |= x_attr(w, "type", "pci");
    rc |= x_attr(w, "domain", "0x0000");
    rc |= x_attr(w, "bus", "0x00");
    rc |= x_attrf(w, "slot", "0x%02x", slot);
    rc |= x_attr(w, "function", "0x0");
    rc |= x_end(w);
    return rc;
}

/* ---- sections -------------------------------------------------------------------------------- */

static int write_os(xmlTextWriterPtr w, const struct guest_spec *s)
{
    int rc = 0;

    rc |= x_start(w, "os");
    rc |= x_start(w, "type");
    rc |= x_attr(w, "arch", "x86_64");
    rc |= x_attr(w, "machine", machine_name(s->machine));
    rc |= xmlTextWriterWriteString(w, BAD_CAST "hvm") < 0 ? -1 : 0;
    rc |= x_end(w);
    rc |= x_elem(w, "kernel", s->kernel);
    rc |= x_elem(w, "initrd", s->initrd);
    rc |= x_elem(w, "cmdline", s->cmdline);
    rc |= x_end(w);
    /* QEMU enables ACPI unless told otherwise; libvirt disables it unless asked. */
    rc |= x_start(w, "features");
    rc |= x_start(w, "acpi");
    rc |= x_end(w);
    rc |= x_end(w);
    return rc;
}

/* -cpu host / -cpu max, and QEMU 7.2's default topology for -smp N: 1 socket of N cores. */
static int write_cpu(xmlTextWriterPtr w, const struct guest_spec *s, int kvm)
{
    int rc = 0;

    rc |= x_start(w, "cpu");
    rc |= x_attr(w, "mode", kvm ? "host-passthrough" : "maximum");
    rc |= x_attr(w, "check", "none");
    rc |= x_start(w, "topology");
    rc |= x_attr(w, "sockets", "1");
    rc |= x_attr(w, "dies", "1");
    rc |= x_attrf(w, "cores", "%u", s->vcpus);
    rc |= x_attr(w, "threads", "1");
    rc |= x_end(w);
    rc |= x_end(w);
    return rc;
}

/* ttyS0: the kernel console into a file; ttyS1: the control channel (the harness listens). */
static int write_serials(xmlTextWriterPtr w, const struct guest_spec *s)
{
    int rc = 0;

    rc |= x_start(w, "serial");
    rc |= x_attr(w, "type", "file");
    rc |= x_empty1(w, "source", "path", s->console_log);
    rc |= x_empty1(w, "target", "port", "0");
    rc |= x_end(w);

    rc |= x_start(w, "serial");
    rc |= x_attr(w, "type", "unix");
    rc |= x_start(w, "source");
    rc |= x_attr(w, "mode", "connect");
    rc |= x_attr(w, "path", s->control_sock);
    rc |= x_end(w);
    rc |= x_empty1(w, "target", "port", "1");
    rc |= x_end(w);
    return rc;
}

/* The disk under test, with its SCSI host adapter when it needs one. */
static int write_dut_disk(xmlTextWriterPtr w, const struct guest_spec *s, char *err, size_t errlen)
{
    const struct devmodel *m = s->dut;
    const char *dev = domxml_dut_target_dev(m);
    const char *ctl_model = NULL;
    /* The slot QEMU gives the first PCI device it adds: after PIIX3 on pc, after none on q35. */
    unsigned slot = s->machine == MACHINE_Q35 ? 1 : 2;
    int is_pci = strcmp(m->libvirt_bus, "virtio") == 0;
    int rc = 0;
    char num[32];

    if (!dev) {
        snprintf(err, errlen, "device model %s: no libvirt disk bus for '%s'", m->name,
                 m->libvirt_bus);
        return -1;
    }
    if (strcmp(m->libvirt_bus, "scsi") == 0) {
        ctl_model = scsi_controller_model(m->qemu_controller);
        if (!ctl_model) {
            snprintf(err, errlen, "device model %s: no libvirt SCSI controller model for '%s'",
                     m->name, m->qemu_controller ? m->qemu_controller : "(none)");
            return -1;
        }
        rc |= x_start(w, "controller");
        rc |= x_attr(w, "type", "scsi");
        rc |= x_attr(w, "index", "0");
        rc |= x_attr(w, "model", ctl_model);
        rc |= x_empty1(w, "alias", "name", DOMXML_DUT_ALIAS "ctl");
        rc |= x_pci_address(w, slot);
        rc |= x_end(w);
    }
    rc |= x_start(w, "disk");
    rc |= x_attr(w, "type", "file");
    rc |= x_attr(w, "device", "disk");
    rc |= x_start(w, "driver");
    rc |= x_attr(w, "name", "qemu");
    rc |= x_attr(w, "type", "raw");
    rc |= x_attr(w, "cache", "none");
    rc |= x_end(w);
    rc |= x_empty1(w, "source", "file", s->disk_path);
    if (s->disk_iops_limit) {
        /* QEMU's throttling.iops-total: reads and writes share one budget. */
        snprintf(num, sizeof(num), "%u", s->disk_iops_limit);
        rc |= x_start(w, "iotune");
        rc |= x_elem(w, "total_iops_sec", num);
        rc |= x_end(w);
    }
    rc |= x_start(w, "target");
    rc |= x_attr(w, "dev", dev);
    rc |= x_attr(w, "bus", m->libvirt_bus);
    rc |= x_end(w);
    rc |= x_empty1(w, "alias", "name", DOMXML_DUT_ALIAS);
    if (is_pci) {
        rc |= x_pci_address(w, slot);
    }
    rc |= x_end(w);
    return rc;
}

/*
 * The NIC under test on the run's tap (created by the harness, so managed='no': libvirt
 * opens it and never adds an address), with the harness's MAC and back end.
 */
static int write_dut_nic(xmlTextWriterPtr w, const struct guest_spec *s)
{
    const struct devmodel *m = s->dut;
    /* Same PCI slot as QEMU gives the first device it adds (see write_dut_disk). */
    unsigned slot = s->machine == MACHINE_Q35 ? 1 : 2;
    int rc = 0;

    rc |= x_start(w, "interface");
    rc |= x_attr(w, "type", "ethernet");
    rc |= x_empty1(w, "mac", "address", s->net_mac);
    rc |= x_start(w, "target");
    rc |= x_attr(w, "dev", s->net_tap);
    rc |= x_attr(w, "managed", "no");
    rc |= x_end(w);
    rc |= x_empty1(w, "model", "type", m->libvirt_bus);
    if (strcmp(m->libvirt_bus, "virtio") == 0) {
        rc |= x_empty1(w, "driver", "name", s->net_vhost ? "vhost" : "qemu");
    }
    rc |= x_empty1(w, "alias", "name", DOMXML_DUT_ALIAS);
    rc |= x_pci_address(w, slot);
    rc |= x_end(w);
    return rc;
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
    if (s->dut && s->dut->kind == DEVMODEL_NET &&
        (!ifname_ok(s->net_tap) || !s->net_mac || strlen(s->net_mac) != 17 ||
         strspn(s->net_mac, "0123456789abcdefABCDEF:") != 17)) {
        snprintf(err, errlen, "device model %s: the NIC needs a tap name and a MAC address",
                 s->dut->name);
        return -1;
    }
    return 0;
}

int domxml_write(const struct guest_spec *s, xmlBufferPtr out, char *err, size_t errlen)
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
    rc |= x_start(w, "domain");
    rc |= x_attr(w, "type", kvm ? "kvm" : "qemu");
    rc |= x_elem(w, "name", s->name);
    rc |= x_start(w, "memory");
    rc |= x_attr(w, "unit", "MiB");
    snprintf(num, sizeof(num), "%u", s->memory_mib);
    rc |= xmlTextWriterWriteString(w, BAD_CAST num) < 0 ? -1 : 0;
    rc |= x_end(w);
    rc |= x_start(w, "vcpu");
    rc |= x_attr(w, "placement", "static");
    snprintf(num, sizeof(num), "%u", s->vcpus);
    rc |= xmlTextWriterWriteString(w, BAD_CAST num) < 0 ? -1 : 0;
    rc |= x_end(w);
    rc |= write_os(w, s);
    rc |= write_cpu(w, s, kvm);
    rc |= x_elem(w, "on_poweroff", "destroy");
    rc |= x_elem(w, "on_reboot", "destroy");
    rc |= x_elem(w, "on_crash", "destroy");

    rc |= x_start(w, "devices");
    if (s->qemu_binary && s->qemu_binary[0] == '/') {
        rc |= x_elem(w, "emulator", s->qemu_binary);
    }
    rc |= write_serials(w, s);
    if (s->dut && s->dut->kind == DEVMODEL_NET) {
        rc |= write_dut_nic(w, s);
    } else if (s->dut && write_dut_disk(w, s, err, errlen) < 0) {
        rc = -1;
    }
    /* What libvirt would add by default and QEMU's -nodefaults leaves out. */
    rc |= x_start(w, "controller");
    rc |= x_attr(w, "type", "usb");
    rc |= x_attr(w, "model", "none");
    rc |= x_end(w);
    rc |= x_empty1(w, "memballoon", "model", "none");
    rc |= x_end(w); /* devices */

    /*
     * Run this domain's QEMU as root without relabelling anything: the harness's scratch
     * folder (disk, control socket) is root-only, mode 0700. Per domain, so the host's
     * qemu.conf stays as it is. See docs/libvirt.md.
     */
    rc |= x_start(w, "seclabel");
    rc |= x_attr(w, "type", "static");
    rc |= x_attr(w, "model", "dac");
    rc |= x_attr(w, "relabel", "no");
    rc |= x_elem(w, "label", "+0:+0");
    rc |= x_end(w);

    rc |= x_end(w); /* domain */
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
