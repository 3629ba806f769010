/* The device-model table. Adding a model is one line here (plus its guest module). */
#include "devmodel.h"

#include <stddef.h>
#include <string.h>

#include "log.h"

#define PC MACHINE_PC
#define Q35 MACHINE_Q35
#define EMU DEVMODEL_EMULATED
#define PV DEVMODEL_PARAVIRTUAL
#define BLK DEVMODEL_BLK
#define NET DEVMODEL_NET

/* name, class, kind, machines, bus, qemu device, controller, libvirt bus, modules, irq, summary */
static const struct devmodel devmodels[] = {
    {"ide", EMU, BLK, PC, "ide", "ide-hd", NULL, "ide", "ata_piix sd_mod", "ata_piix",
     "PIIX IDE disk (i440FX 'pc'): port I/O registers, one request at a time"},
    {"ahci", EMU, BLK, Q35, "sata", "ide-hd", NULL, "sata", "ahci sd_mod", "ahci",
     "ICH9 AHCI SATA disk (q35): MMIO registers, NCQ up to 32 commands"},
    {"virtio-blk", PV, BLK, PC | Q35, "virtio", "virtio-blk-pci", NULL, "virtio",
     "virtio_pci virtio_blk", "virtio", "virtio-blk: paravirtual disk, requests in a virtqueue"},
    {"virtio-scsi", PV, BLK, PC | Q35, "scsi", "scsi-hd", "virtio-scsi-pci", "scsi",
     "virtio_pci virtio_scsi sd_mod", "virtio",
     "virtio-scsi: paravirtual SCSI HBA with a scsi-hd disk behind it"},
    {"rtl8139", EMU, NET, PC, "pci", "rtl8139", NULL, "rtl8139", "8139cp 8139too", "eth0",
     "Realtek RTL8139C+ NIC: register-level emulation, one interrupt per event"},
    {"e1000", EMU, NET, PC, "pci", "e1000", NULL, "e1000", "e1000", "eth0",
     "Intel 82540EM gigabit NIC: descriptor rings in guest memory, MMIO doorbells"},
    {"e1000e", EMU, NET, Q35, "pcie", "e1000e", NULL, "e1000e", "e1000e", "eth0",
     "Intel 82574L PCIe NIC (q35): descriptor rings, MSI-X, interrupt moderation"},
    {"virtio-net", PV, NET, PC | Q35, "virtio", "virtio-net-pci", NULL, "virtio",
     "virtio_pci virtio_net", "virtio", "virtio-net: paravirtual NIC, packets in virtqueues"},
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
    for (unsigned i = 0; i < devmodel_count(); i++) {
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

int devmodel_check_table(void)
{
    int bad = 0;

    for (unsigned i = 0; i < devmodel_count(); i++) {
        const struct devmodel *m = &devmodels[i];
        if (!m->name || !m->bus || !m->qemu_device || !m->libvirt_bus || !m->guest_modules ||
            !m->irq_match || !m->summary || !(m->machines & (MACHINE_PC | MACHINE_Q35))) {
            log_err("device model table: entry %u (%s) is incomplete", i,
                    m->name ? m->name : "?");
            bad = 1;
        }
    }
    return bad ? -1 : 0;
}
