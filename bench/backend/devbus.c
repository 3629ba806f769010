/*
 * The bus table: how each bus puts the device under test on QEMU's command line and in
 * libvirt's domain XML. A new bus is one entry here and its DEVBUS_ value (devmodel.h).
 */
#include "devbus.h"

#include <stdio.h>
#include <string.h>

#include "xmlw.h"

/* ---- QEMU command line -------------------------------------------------------------------- */

/* An interface name QEMU and ip accept: 1..15 of [A-Za-z0-9_.-]. */
static int devbus_ifname_ok(const char *n)
{
    size_t len = n ? strlen(n) : 0;

    return len > 0 && len < 16 &&
           strspn(n, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                     "0123456789_.-") == len;
}

/* A MAC address as six colon-separated hex pairs. */
static int devbus_mac_ok(const char *m)
{
    if (!m || strlen(m) != 17) {
        return 0;
    }
    for (int i = 0; i < 17; i++) {
        if (i % 3 == 2 ? m[i] != ':' : !strchr("0123456789abcdefABCDEF", m[i])) {
            return 0;
        }
    }
    return 1;
}

/* The disk image of every disk bus: raw, no host page cache, optionally throttled. */
static int devbus_qemu_drive(struct qemu_argv *a, const struct guest_spec *s)
{
    int rc = 0;

    rc |= backend_qemu_argv_add(a, "-drive");
    if (s->disk_iops_limit) {
        rc |= backend_qemu_argv_add(
            a, "file=%s,format=raw,if=none,id=dut,cache=none,throttling.iops-total=%u",
            s->disk_path, s->disk_iops_limit);
    } else {
        rc |=
            backend_qemu_argv_add(a, "file=%s,format=raw,if=none,id=dut,cache=none", s->disk_path);
    }
    return rc ? -1 : 0;
}

/*
 * A disk: its image, the host adapter it sits behind if the model names one (SCSI), then
 * its -device with the bus's own properties (the port, a serial number).
 */
static int devbus_qemu_disk(struct qemu_argv *a, const struct guest_spec *s)
{
    const struct devmodel *m = s->dut;
    int rc = devbus_qemu_drive(a, s);

    if (m->qemu_controller) {
        rc |= backend_qemu_argv_add(a, "-device");
        rc |= backend_qemu_argv_add(a, "%s,id=dutctl", m->qemu_controller);
    }
    rc |= backend_qemu_argv_add(a, "-device");
    rc |= backend_qemu_argv_add(a, "%s,drive=dut%s", m->qemu_device, devbus_of(m)->qemu_props);
    return rc ? -1 : 0;
}

/*
 * A NIC under test: its backend is the persistent tap the harness created (no
 * script, QEMU only attaches), vhost as decided by the harness.
 */
static int devbus_qemu_nic(struct qemu_argv *a, const struct guest_spec *s)
{
    int rc = 0;

    if (!devbus_ifname_ok(s->net_tap) || !devbus_mac_ok(s->net_mac)) {
        return -1;
    }
    rc |= backend_qemu_argv_add(a, "-netdev");
    rc |= backend_qemu_argv_add(a, "tap,id=net0,ifname=%s,script=no,downscript=no,vhost=%s",
                                s->net_tap, s->net_vhost ? "on" : "off");
    rc |= backend_qemu_argv_add(a, "-device");
    rc |= backend_qemu_argv_add(a, "%s,netdev=net0,mac=%s", s->dut->qemu_device, s->net_mac);
    return rc ? -1 : 0;
}

/* ---- libvirt domain XML ------------------------------------------------------------------- */

/* The slot QEMU gives the first PCI device it adds: after PIIX3 on pc, after none on q35. */
static unsigned devbus_dut_slot(const struct guest_spec *s)
{
    return s->machine == MACHINE_Q35 ? 1 : 2;
}

/*
 * A disk: the SCSI host adapter first when the model names one (on the DUT's PCI slot),
 * then the disk, with a PCI slot of its own when the bus makes it a PCI function.
 */
static int devbus_xml_disk(xmlTextWriterPtr w, const struct guest_spec *s, char *err, size_t errlen)
{
    const struct devmodel *m = s->dut;
    char num[32];
    int rc = 0;

    (void)err;
    (void)errlen;
    if (m->libvirt_controller) {
        rc |= xmlw_start(w, "controller");
        rc |= xmlw_attr(w, "type", "scsi");
        rc |= xmlw_attr(w, "index", "0");
        rc |= xmlw_attr(w, "model", m->libvirt_controller);
        rc |= xmlw_empty1(w, "alias", "name", DOMXML_DUT_ALIAS "ctl");
        rc |= xmlw_pci_address(w, devbus_dut_slot(s));
        rc |= xmlw_end(w);
    }
    rc |= xmlw_start(w, "disk");
    rc |= xmlw_attr(w, "type", "file");
    rc |= xmlw_attr(w, "device", "disk");
    rc |= xmlw_start(w, "driver");
    rc |= xmlw_attr(w, "name", "qemu");
    rc |= xmlw_attr(w, "type", "raw");
    rc |= xmlw_attr(w, "cache", "none");
    rc |= xmlw_end(w);
    rc |= xmlw_empty1(w, "source", "file", s->disk_path);
    if (s->disk_iops_limit) {
        /* QEMU's throttling.iops-total: reads and writes share one budget. */
        snprintf(num, sizeof(num), "%u", s->disk_iops_limit);
        rc |= xmlw_start(w, "iotune");
        rc |= xmlw_elem(w, "total_iops_sec", num);
        rc |= xmlw_end(w);
    }
    rc |= xmlw_start(w, "target");
    rc |= xmlw_attr(w, "dev", m->libvirt_dev);
    rc |= xmlw_attr(w, "bus", m->libvirt_bus);
    rc |= xmlw_end(w);
    rc |= xmlw_empty1(w, "alias", "name", DOMXML_DUT_ALIAS);
    if (devbus_of(m)->libvirt_pci) {
        rc |= xmlw_pci_address(w, devbus_dut_slot(s));
    }
    rc |= xmlw_end(w);
    return rc;
}

/*
 * The NIC under test on the run's tap (created by the harness, so managed='no': libvirt
 * opens it and never adds an address), with the harness's MAC and back end.
 */
static int devbus_xml_nic(xmlTextWriterPtr w, const struct guest_spec *s, char *err, size_t errlen)
{
    const struct devmodel *m = s->dut;
    int rc = 0;

    (void)err;
    (void)errlen;
    rc |= xmlw_start(w, "interface");
    rc |= xmlw_attr(w, "type", "ethernet");
    rc |= xmlw_empty1(w, "mac", "address", s->net_mac);
    rc |= xmlw_start(w, "target");
    rc |= xmlw_attr(w, "dev", s->net_tap);
    rc |= xmlw_attr(w, "managed", "no");
    rc |= xmlw_end(w);
    rc |= xmlw_empty1(w, "model", "type", m->libvirt_bus);
    if (m->virtio) {
        rc |= xmlw_empty1(w, "driver", "name", s->net_vhost ? "vhost" : "qemu");
    }
    rc |= xmlw_empty1(w, "alias", "name", DOMXML_DUT_ALIAS);
    rc |= xmlw_pci_address(w, devbus_dut_slot(s));
    rc |= xmlw_end(w);
    return rc;
}

/* ---- the table ---------------------------------------------------------------------------- */

static const struct devbus_ops devbus_table[DEVBUS_COUNT] = {
    /* PIIX IDE on pc and ICH9 AHCI on q35 are built into the machine; both expose ide.0. */
    [DEVBUS_IDE] = {.name = "ide",
                    .qemu_args = devbus_qemu_disk,
                    .qemu_props = ",bus=ide.0",
                    .domxml = devbus_xml_disk},
    [DEVBUS_PCI_DISK] = {.name = "pci-disk",
                         .qemu_args = devbus_qemu_disk,
                         .qemu_props = "",
                         .domxml = devbus_xml_disk,
                         .libvirt_pci = 1},
    [DEVBUS_SCSI] = {.name = "scsi",
                     .qemu_args = devbus_qemu_disk,
                     .qemu_props = ",bus=dutctl.0",
                     .domxml = devbus_xml_disk},
    /*
     * The controller and its one namespace in one -device (QEMU 7.2 wants a serial).
     * libvirt 9.0's domain schema has no emulated NVMe controller: <target bus=> knows
     * ide, fdc, scsi, virtio, xen, usb, uml, sata and sd only, and <disk type='nvme'> is
     * a host NVMe device passed through, not QEMU's -device nvme.
     */
    [DEVBUS_NVME] = {.name = "nvme",
                     .qemu_args = devbus_qemu_disk,
                     .qemu_props = ",serial=" DEVBUS_NVME_SERIAL,
                     .libvirt_refusal = "libvirt 9.0 has no emulated NVMe controller "
                                        "(no <target bus='nvme'>); use --backend qemu"},
    [DEVBUS_NIC] = {.name = "nic", .qemu_args = devbus_qemu_nic, .domxml = devbus_xml_nic},
};

const struct devbus_ops *devbus_of(const struct devmodel *m)
{
    return &devbus_table[m->attach];
}

int devbus_check_table(void)
{
    int bad = 0;

    for (unsigned i = 0; i < DEVBUS_COUNT; i++) {
        const struct devbus_ops *b = &devbus_table[i];
        if (!b->name || !b->qemu_args || (b->qemu_args == devbus_qemu_disk && !b->qemu_props) ||
            !b->domxml == !b->libvirt_refusal) {
            log_err("bus table: entry %u (%s) needs QEMU arguments and either domain XML or "
                    "the reason libvirt cannot express it",
                    i, b->name ? b->name : "?");
            bad = 1;
        }
    }
    return bad ? -1 : 0;
}
