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

static const struct devopts devbus_default_opts; /* all zero: today's fixed guest */

const struct devopts *devbus_opts(const struct guest_spec *s)
{
    return s->dut_opts ? s->dut_opts : &devbus_default_opts;
}

/*
 * The disk image of every disk bus: its format, the host page cache mode, how QEMU submits
 * I/O and discards, optionally throttled. QEMU's defaults (aio=threads, discard=ignore) are
 * left out, so the default configuration's command line is the one pvbench always had.
 */
static int devbus_qemu_drive(struct qemu_argv *a, const struct guest_spec *s)
{
    const struct devopts *o = devbus_opts(s);
    char extra[96] = "";
    size_t used = 0;
    int rc = 0;

    if (o->aio != DEVOPTS_AIO_THREADS) {
        used += (size_t)snprintf(extra + used, sizeof(extra) - used, ",aio=%s",
                                 devopts_name(devopts_aio_names, o->aio));
    }
    if (o->discard != DEVOPTS_DISCARD_IGNORE && used < sizeof(extra)) {
        used += (size_t)snprintf(extra + used, sizeof(extra) - used, ",discard=%s",
                                 devopts_name(devopts_discard_names, o->discard));
    }
    if (s->disk_iops_limit && used < sizeof(extra)) {
        snprintf(extra + used, sizeof(extra) - used, ",throttling.iops-total=%u",
                 s->disk_iops_limit);
    }
    rc |= backend_qemu_argv_add(a, "-drive");
    rc |= backend_qemu_argv_add(a, "file=%s,format=%s,if=none,id=dut,cache=%s%s", s->disk_path,
                                devopts_name(devopts_format_names, o->format),
                                devopts_name(devopts_cache_names, o->cache), extra);
    return rc ? -1 : 0;
}

/*
 * A disk: its image, an iothread when asked for, the host adapter it sits behind if the
 * model names one (SCSI), then its -device with the bus's own properties (the port, a serial
 * number), the queues and the configuration's own device_options. An iothread and the queues
 * belong to the adapter for SCSI, to the disk's own PCI function otherwise.
 */
static int devbus_qemu_disk(struct qemu_argv *a, const struct guest_spec *s)
{
    const struct devmodel *m = s->dut;
    const struct devopts *o = devbus_opts(s);
    const char *qprop = devopts_queue_prop(m);
    char own[64] = "";
    int rc = devbus_qemu_drive(a, s);

    if (o->iothread) {
        rc |= backend_qemu_argv_add(a, "-object");
        rc |= backend_qemu_argv_add(a, "iothread,id=" DEVBUS_IOTHREAD_ID);
    }
    if (o->iothread) {
        snprintf(own, sizeof(own), ",iothread=" DEVBUS_IOTHREAD_ID);
    }
    if (o->queues && qprop) {
        snprintf(own + strlen(own), sizeof(own) - strlen(own), ",%s=%u", qprop, o->queues);
    }
    if (m->qemu_controller) {
        rc |= backend_qemu_argv_add(a, "-device");
        rc |= backend_qemu_argv_add(a, "%s,id=dutctl%s", m->qemu_controller, own);
        own[0] = '\0';
    }
    rc |= backend_qemu_argv_add(a, "-device");
    rc |= backend_qemu_argv_add(a, "%s,drive=dut%s%s%s%s", m->qemu_device, devbus_of(m)->qemu_props,
                                own, o->device_options[0] ? "," : "", o->device_options);
    return rc ? -1 : 0;
}

/*
 * A NIC under test: its backend is the persistent tap the harness created (no
 * script, QEMU only attaches), vhost as decided by the harness.
 */
static int devbus_qemu_nic(struct qemu_argv *a, const struct guest_spec *s)
{
    const struct devopts *o = devbus_opts(s);
    char netq[32] = "", devq[48] = "";
    int rc = 0;

    if (!devbus_ifname_ok(s->net_tap) || !devbus_mac_ok(s->net_mac)) {
        return -1;
    }
    if (o->queues > 1) {
        /*
         * QEMU opens the multi_queue tap once per pair (IFF_MULTI_QUEUE), and /dev/vhost-net
         * once per pair when vhost is on; the NIC gets a vector per queue, one for its
         * configuration and one for its control queue.
         */
        snprintf(netq, sizeof(netq), ",queues=%u", o->queues);
        snprintf(devq, sizeof(devq), ",mq=on,vectors=%u", 2 * o->queues + 2);
    }
    rc |= backend_qemu_argv_add(a, "-netdev");
    rc |= backend_qemu_argv_add(a, "tap,id=net0,ifname=%s,script=no,downscript=no,vhost=%s%s",
                                s->net_tap, s->net_vhost ? "on" : "off", netq);
    rc |= backend_qemu_argv_add(a, "-device");
    rc |= backend_qemu_argv_add(a, "%s,netdev=net0,mac=%s%s%s%s", s->dut->qemu_device, s->net_mac,
                                devq, o->device_options[0] ? "," : "", o->device_options);
    return rc ? -1 : 0;
}

/* ---- libvirt domain XML ------------------------------------------------------------------- */

/*
 * Options the domain XML has no words for: refused by name, never dropped. 0, or -1 with
 * err.
 */
int devbus_xml_refuse(const struct guest_spec *s, char *err, size_t errlen)
{
    const struct devopts *o = devbus_opts(s);

    if (o->device_options[0]) {
        snprintf(err, errlen,
                 "device_options = %s: the libvirt backend cannot express QEMU -device "
                 "properties; use --backend qemu",
                 o->device_options);
        return -1;
    }
    if (o->format == DEVOPTS_FORMAT_QCOW2) {
        snprintf(err, errlen,
                 "format = qcow2: the libvirt backend does not create qcow2 scratch "
                 "images; use --backend qemu");
        return -1;
    }
    return 0;
}

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
    const struct devopts *o = devbus_opts(s);
    char num[32];
    int rc = 0;

    if (devbus_xml_refuse(s, err, errlen) < 0) {
        return -1;
    }
    if (m->libvirt_controller) {
        rc |= xmlw_start(w, "controller");
        rc |= xmlw_attr(w, "type", "scsi");
        rc |= xmlw_attr(w, "index", "0");
        rc |= xmlw_attr(w, "model", m->libvirt_controller);
        if (o->iothread || o->queues) {
            rc |= xmlw_start(w, "driver");
            if (o->queues) {
                rc |= xmlw_attrf(w, "queues", "%u", o->queues);
            }
            if (o->iothread) {
                rc |= xmlw_attr(w, "iothread", "1");
            }
            rc |= xmlw_end(w);
        }
        rc |= xmlw_empty1(w, "alias", "name", DOMXML_DUT_ALIAS "ctl");
        rc |= xmlw_pci_address(w, devbus_dut_slot(s));
        rc |= xmlw_end(w);
    }
    rc |= xmlw_start(w, "disk");
    rc |= xmlw_attr(w, "type", "file");
    rc |= xmlw_attr(w, "device", "disk");
    rc |= xmlw_start(w, "driver");
    rc |= xmlw_attr(w, "name", "qemu");
    rc |= xmlw_attr(w, "type", devopts_name(devopts_format_names, o->format));
    rc |= xmlw_attr(w, "cache", devopts_name(devopts_cache_names, o->cache));
    if (o->aio != DEVOPTS_AIO_THREADS) {
        rc |= xmlw_attr(w, "io", devopts_name(devopts_aio_names, o->aio));
    }
    if (o->discard != DEVOPTS_DISCARD_IGNORE) {
        rc |= xmlw_attr(w, "discard", devopts_name(devopts_discard_names, o->discard));
    }
    /* the disk's own PCI function carries them; behind an adapter, the adapter does */
    if (!m->libvirt_controller && o->iothread) {
        rc |= xmlw_attr(w, "iothread", "1");
    }
    if (!m->libvirt_controller && o->queues) {
        rc |= xmlw_attrf(w, "queues", "%u", o->queues);
    }
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
 * opens it and never adds an address), or on a host the harness reaches only through
 * libvirt, on the run's libvirt network there (libvirt makes the tap on its bridge); with
 * the harness's MAC and back end.
 */
static int devbus_xml_nic(xmlTextWriterPtr w, const struct guest_spec *s, char *err, size_t errlen)
{
    const struct devmodel *m = s->dut;
    int rc = 0;

    if (devbus_xml_refuse(s, err, errlen) < 0) {
        return -1;
    }
    rc |= xmlw_start(w, "interface");
    rc |= xmlw_attr(w, "type", s->net_network ? "network" : "ethernet");
    rc |= xmlw_empty1(w, "mac", "address", s->net_mac);
    if (s->net_network) {
        rc |= xmlw_empty1(w, "source", "network", s->net_network);
    } else {
        rc |= xmlw_start(w, "target");
        rc |= xmlw_attr(w, "dev", s->net_tap);
        rc |= xmlw_attr(w, "managed", "no");
        rc |= xmlw_end(w);
    }
    rc |= xmlw_empty1(w, "model", "type", m->libvirt_bus);
    if (m->virtio) {
        /* queues='N': libvirt opens the tap (and vhost-net) N times and sets mq and vectors;
         * no name: the host's libvirt takes vhost where it can */
        rc |= xmlw_start(w, "driver");
        if (s->net_vhost >= 0) {
            rc |= xmlw_attr(w, "name", s->net_vhost ? "vhost" : "qemu");
        }
        if (devbus_opts(s)->queues > 1) {
            rc |= xmlw_attrf(w, "queues", "%u", devbus_opts(s)->queues);
        }
        rc |= xmlw_end(w);
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
