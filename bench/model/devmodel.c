/*
 * The device-model table. Adding a model on an existing bus is one entry here (its guest
 * modules reach the image through `pvbench list --modules`); a new bus also needs a
 * DEVBUS_ value (devmodel.h) and its entry in bench/backend/devbus.c.
 */
#include "devmodel.h"

#include <fnmatch.h>
#include <stddef.h>
#include <string.h>

#include "i18n.h"
#include "log.h"

/*
 * The regions of a virtio-pci device: the modern common/isr/device/notify regions (named
 * after the device, e.g. "virtio-pci-common-virtio-blk"; notify-pio only with
 * modern-pio-notify), the legacy I/O BAR, and MSI-X. MSI-X table/PBA regions carry no
 * device name; in our guests the device under test is the only device with MSI-X.
 */
/* clang-format off */
#define DEVMODEL_MSIX_REGIONS                                                                      \
    {"msix-table", N_("MSI-X vector table (MMIO)")}, {"msix-pba", N_("MSI-X pending bits (MMIO)")}
#define DEVMODEL_VIRTIO_PCI_REGIONS(dev)                                                           \
    {"virtio-pci-common-" dev, N_("virtio common configuration (MMIO)")},                          \
        {"virtio-pci-isr-" dev, N_("virtio interrupt status (MMIO)")},                             \
        {"virtio-pci-device-" dev, N_("device configuration (MMIO)")},                             \
        {"virtio-pci-notify*-" dev, N_("doorbell (MMIO)")},                                        \
        {"virtio-pci", N_("legacy virtio registers (port I/O)")}, DEVMODEL_MSIX_REGIONS
/* clang-format on */

static const struct devmodel devmodels[] = {
    {
        .name = "ide",
        .display = "IDE",
        .class = DEVMODEL_EMULATED,
        .kind = DEVMODEL_BLK,
        .machines = MACHINE_PC,
        .attach = DEVBUS_IDE,
        .bus = "ide",
        .qemu_device = "ide-hd",
        .libvirt_bus = "ide",
        .libvirt_dev = "hda",
        .guest_modules = "ata_piix sd_mod",
        .irq_match = "ata_piix",
        /* PIIX IDE: task file + control block ports ("ide"), bus-master DMA ports */
        .regions = {{"ide", N_("ATA task file and status (port I/O)")},
                    {"piix-bmdma", N_("bus-master DMA command and status (port I/O)")},
                    {"bmdma", N_("DMA descriptor-table address (port I/O)")}},
        .summary = "PIIX IDE disk (i440FX 'pc'): port I/O registers, one request at a time",
    },
    {
        .name = "ahci",
        .display = "AHCI",
        .class = DEVMODEL_EMULATED,
        .kind = DEVMODEL_BLK,
        .machines = MACHINE_Q35,
        .attach = DEVBUS_IDE,
        .bus = "sata",
        .qemu_device = "ide-hd",
        .libvirt_bus = "sata",
        .libvirt_dev = "sda",
        .guest_modules = "ahci sd_mod",
        .irq_match = "ahci",
        /* ICH9 AHCI: ABAR MMIO, and the index/data pair in its I/O BAR */
        .regions = {{"ahci", N_("AHCI host and port registers (MMIO)")},
                    {"ahci-idp", N_("AHCI index/data pair (port I/O)")}},
        .summary = "ICH9 AHCI SATA disk (q35): MMIO registers, NCQ up to 32 commands",
    },
    {
        .name = "virtio-blk",
        .class = DEVMODEL_PARAVIRTUAL,
        .kind = DEVMODEL_BLK,
        .machines = MACHINE_PC | MACHINE_Q35,
        .attach = DEVBUS_PCI_DISK,
        .bus = "virtio",
        .qemu_device = "virtio-blk-pci",
        .libvirt_bus = "virtio",
        .libvirt_dev = "vda",
        .guest_modules = "virtio_pci virtio_blk",
        .irq_match = "virtio",
        .virtio = 1,
        .regions = {DEVMODEL_VIRTIO_PCI_REGIONS("virtio-blk")},
        .summary = "virtio-blk: paravirtual disk, requests in a virtqueue",
    },
    {
        .name = "virtio-scsi",
        .class = DEVMODEL_PARAVIRTUAL,
        .kind = DEVMODEL_BLK,
        .machines = MACHINE_PC | MACHINE_Q35,
        .attach = DEVBUS_SCSI,
        .bus = "scsi",
        .qemu_device = "scsi-hd",
        .qemu_controller = "virtio-scsi-pci",
        .libvirt_bus = "scsi",
        .libvirt_dev = "sda",
        .libvirt_controller = "virtio-scsi",
        .guest_modules = "virtio_pci virtio_scsi sd_mod",
        .irq_match = "virtio",
        .virtio = 1,
        .regions = {DEVMODEL_VIRTIO_PCI_REGIONS("virtio-scsi")},
        .summary = "virtio-scsi: paravirtual SCSI HBA with a scsi-hd disk behind it",
    },
    {
        .name = "nvme",
        .display = "NVMe",
        .class = DEVMODEL_EMULATED,
        .kind = DEVMODEL_BLK,
        .machines = MACHINE_PC | MACHINE_Q35,
        .bus = "nvme",
        .attach = DEVBUS_NVME,
        .qemu_device = "nvme",
        /* what a libvirt with emulated NVMe names it; libvirt 9.0 has none (devbus.c) */
        .libvirt_bus = "nvme",
        .libvirt_dev = "nvme0n1",
        .guest_modules = "nvme",
        .irq_match = "nvme0",
        /*
         * BAR0 "nvme-bar0" is a container: "nvme" holds the controller registers and the
         * queue doorbells, MSI-X sits behind them. Doorbells are plain MMIO writes
         * (ioeventfd=off by default in QEMU 7.2), so memory_region_ops counts them.
         */
        .regions = {{"nvme", N_("NVMe controller registers and queue doorbells (MMIO)")},
                    DEVMODEL_MSIX_REGIONS},
        .summary = "NVMe controller: emulated, but built for queues (doorbell per batch, MSI-X)",
    },
    {
        .name = "rtl8139",
        .display = "RTL8139",
        .class = DEVMODEL_EMULATED,
        .kind = DEVMODEL_NET,
        .machines = MACHINE_PC,
        .attach = DEVBUS_NIC,
        .bus = "pci",
        .qemu_device = "rtl8139",
        .libvirt_bus = "rtl8139",
        .guest_modules = "8139cp 8139too",
        .irq_match = "eth0",
        /* one register file behind both BARs (the MMIO BAR is an alias) */
        .regions = {{"rtl8139", N_("RTL8139 register file (port I/O)")}},
        .summary = "Realtek RTL8139C+ NIC: register-level emulation, one interrupt per event",
    },
    {
        .name = "e1000",
        .class = DEVMODEL_EMULATED,
        .kind = DEVMODEL_NET,
        .machines = MACHINE_PC,
        .attach = DEVBUS_NIC,
        .bus = "pci",
        .qemu_device = "e1000",
        .libvirt_bus = "e1000",
        .guest_modules = "e1000",
        .irq_match = "eth0",
        .regions = {{"e1000-mmio", N_("e1000 registers (MMIO)")},
                    {"e1000-io", N_("e1000 index/data pair (port I/O)")}},
        .summary = "Intel 82540EM gigabit NIC: descriptor rings in guest memory, MMIO doorbells",
    },
    {
        .name = "e1000e",
        .class = DEVMODEL_EMULATED,
        .kind = DEVMODEL_NET,
        .machines = MACHINE_Q35,
        .attach = DEVBUS_NIC,
        .bus = "pcie",
        .qemu_device = "e1000e",
        .libvirt_bus = "e1000e",
        .guest_modules = "e1000e",
        .irq_match = "eth0",
        .regions = {{"e1000e-mmio", N_("e1000e registers (MMIO)")},
                    {"e1000e-io", N_("e1000e index/data pair (port I/O)")},
                    {"e1000e-flash", N_("e1000e flash window (MMIO)")},
                    DEVMODEL_MSIX_REGIONS},
        .summary = "Intel 82574L PCIe NIC (q35): descriptor rings, MSI-X, interrupt moderation",
    },
    {
        .name = "vmxnet3",
        .class = DEVMODEL_PARAVIRTUAL,
        .kind = DEVMODEL_NET,
        .machines = MACHINE_PC | MACHINE_Q35,
        .bus = "pci",
        .attach = DEVBUS_NIC,
        .qemu_device = "vmxnet3",
        .libvirt_bus = "vmxnet3",
        .guest_modules = "vmxnet3",
        .irq_match = "eth0",
        /* BAR0: per-queue doorbells and interrupt masks; BAR1: commands and config */
        .regions = {{"vmxnet3-b0", N_("vmxnet3 doorbells and interrupt masks (MMIO)")},
                    {"vmxnet3-b1", N_("vmxnet3 commands, MAC and shared-area address (MMIO)")},
                    DEVMODEL_MSIX_REGIONS},
        .summary = "VMware's paravirtual NIC as QEMU emulates it: rings, MMIO doorbells, no vhost",
    },
    {
        .name = "virtio-net",
        .class = DEVMODEL_PARAVIRTUAL,
        .kind = DEVMODEL_NET,
        .machines = MACHINE_PC | MACHINE_Q35,
        .attach = DEVBUS_NIC,
        .bus = "virtio",
        .qemu_device = "virtio-net-pci",
        .libvirt_bus = "virtio",
        .guest_modules = "virtio_pci virtio_net",
        .irq_match = "virtio",
        .virtio = 1,
        .regions = {DEVMODEL_VIRTIO_PCI_REGIONS("virtio-net")},
        .summary = "virtio-net: paravirtual NIC, packets in virtqueues",
    },
};

unsigned devmodel_count(void)
{
    return sizeof(devmodels) / sizeof(devmodels[0]);
}

const struct devmodel *devmodel_at(unsigned i)
{
    return i < devmodel_count() ? &devmodels[i] : NULL;
}

const struct devmodel *devmodel_find(const char *name)
{
    for (unsigned i = 0; name && i < devmodel_count(); i++) {
        if (strcmp(devmodels[i].name, name) == 0) {
            return &devmodels[i];
        }
    }
    return NULL;
}

const char *devmodel_class_name(enum devmodel_class c)
{
    return c == DEVMODEL_PARAVIRTUAL ? "paravirtual" : "emulated";
}

const char *devmodel_kind_name(enum devmodel_kind k)
{
    return k == DEVMODEL_NET ? "net" : "blk";
}

const char *devmodel_display_name(const struct devmodel *m)
{
    return m->display ? m->display : m->name;
}

const char *machine_name(enum machine_type m)
{
    return m == MACHINE_Q35 ? "q35" : "pc";
}

unsigned machine_parse(const char *s)
{
    if (strcmp(s, "pc") == 0) {
        return MACHINE_PC;
    }
    if (strcmp(s, "q35") == 0) {
        return MACHINE_Q35;
    }
    return 0;
}

enum machine_type devmodel_default_machine(const struct devmodel *m)
{
    return (m->machines & MACHINE_PC) ? MACHINE_PC : MACHINE_Q35;
}

const struct devmodel_region *devmodel_region_of(const struct devmodel *m, const char *region)
{
    if (!m || !region || !*region) {
        return NULL;
    }
    for (const struct devmodel_region *r = m->regions; r->pattern; r++) {
        if (fnmatch(r->pattern, region, 0) == 0) {
            return r;
        }
    }
    return NULL;
}

int devmodel_check_entry(const struct devmodel *m)
{
    const char *name = m->name ? m->name : "?";
    int blk = m->kind == DEVMODEL_BLK;

    if (!m->name || !m->name[0] || !m->bus || !m->qemu_device || !m->libvirt_bus ||
        !m->guest_modules || !m->irq_match || !m->summary || !m->regions[0].pattern) {
        log_err("device model table: %s is incomplete", name);
        return -1;
    }
    if ((m->class != DEVMODEL_EMULATED && m->class != DEVMODEL_PARAVIRTUAL) ||
        (m->kind != DEVMODEL_BLK && m->kind != DEVMODEL_NET) ||
        (unsigned)m->attach >= DEVBUS_COUNT || !(m->machines & (MACHINE_PC | MACHINE_Q35)) ||
        (m->machines & ~(unsigned)(MACHINE_PC | MACHINE_Q35))) {
        log_err("device model table: %s has an unknown class, kind, bus or machine", name);
        return -1;
    }
    /* A disk needs a disk bus and a libvirt target name; a NIC the NIC bus. */
    if (blk ? (m->attach == DEVBUS_NIC || !m->libvirt_dev) : m->attach != DEVBUS_NIC) {
        log_err("device model table: %s: its bus does not fit a %s device", name,
                devmodel_kind_name(m->kind));
        return -1;
    }
    if ((m->attach == DEVBUS_SCSI) != (m->qemu_controller != NULL) ||
        (m->attach == DEVBUS_SCSI) != (m->libvirt_controller != NULL)) {
        log_err("device model table: %s: a SCSI disk, and only it, names its controller", name);
        return -1;
    }
    for (const struct devmodel_region *r = m->regions; r->pattern; r++) {
        if (!r->what) {
            log_err("device model table: %s: region %s has no words", name, r->pattern);
            return -1;
        }
    }
    return 0;
}

int devmodel_check_table(void)
{
    int bad = 0;

    for (unsigned i = 0; i < devmodel_count(); i++) {
        if (devmodel_check_entry(&devmodels[i]) < 0) {
            bad = 1;
            continue;
        }
        for (unsigned j = 0; j < i; j++) {
            if (strcmp(devmodels[j].name, devmodels[i].name) == 0) {
                log_err("device model table: %s appears twice", devmodels[i].name);
                bad = 1;
            }
        }
    }
    return bad ? -1 : 0;
}
