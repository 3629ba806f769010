/* Device models under test: one table, one line per model (devmodel.c). */
#ifndef PVB_DEVMODEL_H
#define PVB_DEVMODEL_H

enum devmodel_class { DEVMODEL_EMULATED, DEVMODEL_PARAVIRTUAL };
enum devmodel_kind { DEVMODEL_BLK, DEVMODEL_NET };

/* Machine types, as a bit mask of what a model can live on. */
enum machine_type { MACHINE_PC = 1u << 0, MACHINE_Q35 = 1u << 1 };

struct devmodel {
    const char *name;          /* scenario name, e.g. "virtio-blk" */
    enum devmodel_class class;
    enum devmodel_kind kind;
    unsigned machines;         /* MACHINE_* mask it works on */
    const char *bus;           /* bus as people name it: "ide", "sata", "virtio", "scsi", "pci" */
    const char *qemu_device;   /* QEMU -device driver of the DUT */
    const char *qemu_controller; /* extra -device controller, or NULL */
    const char *libvirt_bus;   /* libvirt <target bus=> or <model type=> */
    const char *guest_modules; /* space-separated guest kernel modules (deps are resolved) */
    const char *irq_match;     /* substring of the DUT's /proc/interrupts lines */
    const char *summary;       /* one line for `pvbench list` */
};

const struct devmodel *devmodel_find(const char *name);
const struct devmodel *devmodel_at(unsigned i); /* NULL past the end */
unsigned devmodel_count(void);
const char *devmodel_class_name(enum devmodel_class c);
const char *devmodel_kind_name(enum devmodel_kind k);
const char *machine_name(enum machine_type m);
/* MACHINE_* bit for "pc"/"q35", 0 if unknown. */
unsigned machine_parse(const char *s);
/* The machine a model uses when the scenario leaves the choice open. */
enum machine_type devmodel_default_machine(const struct devmodel *m);
/* Check the table once at start: every field a model needs is set. 0 or -1. */
int devmodel_check_table(void);

#endif
