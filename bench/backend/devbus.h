/*
 * The buses a device under test is attached by (enum devbus, devmodel.h). One entry per
 * bus holds what the direct QEMU backend puts on its command line and what the libvirt
 * backend puts in the domain XML, side by side: both must describe the same guest
 * (bench/tests/test_domxml.c checks it for every device model).
 */
#ifndef PVB_DEVBUS_H
#define PVB_DEVBUS_H

#include <stddef.h>

#include <libxml/xmlwriter.h>

#include "backend.h"
#include "log.h"

/* The NVMe controller's serial number (QEMU requires one); the guest sees it in sysfs. */
#define DEVBUS_NVME_SERIAL "pvbench-dut"

struct devbus_ops {
    const char *name;
    /* Append the DUT's -drive/-netdev and -device arguments. 0, or -1 (bad name, full). */
    int (*qemu_args)(struct qemu_argv *a, const struct guest_spec *s);
    const char *qemu_props; /* disks: appended to the DUT's -device ("" for none) */
    /*
     * Write the DUT's elements inside <devices>. 0, or -1 (err set when it is more than
     * a libxml2 failure). NULL when libvirt cannot express the bus: libvirt_refusal says why.
     */
    int (*domxml)(xmlTextWriterPtr w, const struct guest_spec *s, char *err, size_t errlen);
    const char *libvirt_refusal;
    int libvirt_pci; /* disks: the disk is a PCI function of its own (<address type='pci'>) */
};

/* The id of the DUT's iothread (-object iothread,id=...; <iothreads>1</iothreads>). */
#define DEVBUS_IOTHREAD_ID "dutio"

/* The DUT options of a spec: its own, or the defaults (today's fixed guest). */
const struct devopts *devbus_opts(const struct guest_spec *s);

/* An option libvirt has no words for: 0, or -1 with err naming it. */
int devbus_xml_refuse(const struct guest_spec *s, char *err, size_t errlen);

/* The bus entry of a model (m->attach; devbus_check_table() made sure there is one). */
const struct devbus_ops *devbus_of(const struct devmodel *m);

/* Check the bus table once at start: one complete entry per DEVBUS_ value. 0 or -1. */
int devbus_check_table(void);

/* Append one printf-formatted argument to a (backend_qemu.c). 0, or -1 when it is full. */
int backend_qemu_argv_add(struct qemu_argv *a, const char *fmt, ...) PVB_PRINTF(2, 3);

#endif
