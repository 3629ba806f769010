/*
 * Device models under test: one table (devmodel.c), one entry per model holding every
 * fact about it, from the QEMU -device name to the demo's words.
 */
#ifndef PVB_DEVMODEL_H
#define PVB_DEVMODEL_H

enum devmodel_class { DEVMODEL_EMULATED, DEVMODEL_PARAVIRTUAL };
enum devmodel_kind { DEVMODEL_BLK, DEVMODEL_NET };

/* Machine types, as a bit mask of what a model can live on. */
enum machine_type { MACHINE_PC = 1u << 0, MACHINE_Q35 = 1u << 1 };

/*
 * How the device under test is attached to the guest. Each value has one entry in the
 * backends' bus table (bench/backend/devbus.c) that writes it on the QEMU command line
 * and in the libvirt domain XML.
 */
enum devbus {
    DEVBUS_IDE,      /* the machine's own IDE or AHCI controller, port ide.0 */
    DEVBUS_PCI_DISK, /* a disk that is its own PCI function (virtio-blk-pci) */
    DEVBUS_SCSI,     /* a disk behind a SCSI host adapter (qemu_controller) */
    DEVBUS_NVME,     /* an NVMe controller, the disk its one namespace */
    DEVBUS_NIC,      /* a NIC on the root PCI bus, on the run's tap */
    DEVBUS_COUNT
};

/* Most memory regions one model has (its "why" register map). */
#define DEVMODEL_MAX_REGIONS 8

/*
 * One memory region of a model as QEMU 7.2 names it (found by tracing a real guest, or
 * `info mtree`): an fnmatch(3) glob, and what it is in the demo's words.
 */
struct devmodel_region {
    const char *pattern;
    const char *what;
};

struct devmodel {
    const char *name;    /* scenario name, e.g. "virtio-blk" */
    const char *display; /* how people write it ("IDE"); NULL: the name */
    enum devmodel_class class;
    enum devmodel_kind kind;
    unsigned machines;              /* MACHINE_* mask it works on */
    const char *bus;                /* bus as people name it: "ide", "sata", "virtio", "pci"... */
    enum devbus attach;             /* how the backends attach it (their bus table) */
    const char *qemu_device;        /* QEMU -device driver of the DUT */
    const char *qemu_controller;    /* extra -device controller (DEVBUS_SCSI), or NULL */
    const char *libvirt_bus;        /* libvirt <target bus=> (disks) or <model type=> (NICs) */
    const char *libvirt_dev;        /* libvirt <target dev=> of a disk ("hda", "sda", "vda") */
    const char *libvirt_controller; /* libvirt <controller type='scsi' model=> (DEVBUS_SCSI) */
    const char *guest_modules;      /* space-separated guest kernel modules (deps are resolved) */
    const char *irq_match;          /* substring of the DUT's /proc/interrupts lines */
    int virtio;                     /* a virtio-pci device: kicks and virtio interrupts are its */
    /* Its register map: the regions the "why" metrics count (why.c), pattern NULL ends it. */
    struct devmodel_region regions[DEVMODEL_MAX_REGIONS + 1];
    const char *summary; /* one line for `pvbench list` */
};

const struct devmodel *devmodel_find(const char *name);
const struct devmodel *devmodel_at(unsigned i); /* NULL past the end */
unsigned devmodel_count(void);
const char *devmodel_class_name(enum devmodel_class c);
const char *devmodel_kind_name(enum devmodel_kind k);
/* How the demo and reports write the model's name. */
const char *devmodel_display_name(const struct devmodel *m);
const char *machine_name(enum machine_type m);
/* MACHINE_* bit for "pc"/"q35", 0 if unknown. */
unsigned machine_parse(const char *s);
/* The machine a model uses when the scenario leaves the choice open. */
enum machine_type devmodel_default_machine(const struct devmodel *m);
/* The region of m that QEMU's region name belongs to, or NULL. */
const struct devmodel_region *devmodel_region_of(const struct devmodel *m, const char *region);
/* Check one entry: every field its kind and bus need is set. 0, or -1 with a message. */
int devmodel_check_entry(const struct devmodel *m);
/* Check the table once at start: every entry complete, names unique. 0 or -1. */
int devmodel_check_table(void);

#endif
