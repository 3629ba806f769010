/* Names and rules of the device and back-end options of a configuration (devopts.h). */
#include "devopts.h"

#include <stdio.h>
#include <string.h>

const char *const devopts_aio_names[] = {"threads", "native", "io_uring", NULL};
const char *const devopts_cache_names[] = {"none", "writeback", "directsync", "unsafe", NULL};
const char *const devopts_format_names[] = {"raw", "qcow2", NULL};
const char *const devopts_prealloc_names[] = {"off", "metadata", "falloc", "full", NULL};
const char *const devopts_discard_names[] = {"ignore", "unmap", NULL};

const char *devopts_name(const char *const *names, unsigned v)
{
    for (unsigned i = 0; names[i]; i++) {
        if (i == v) {
            return names[i];
        }
    }
    return "?";
}

const char *devopts_queue_prop(const struct devmodel *m)
{
    if (m->attach == DEVBUS_PCI_DISK && m->virtio) {
        return "num-queues"; /* virtio-blk-pci */
    }
    if (m->attach == DEVBUS_SCSI && m->virtio) {
        return "num_queues"; /* virtio-scsi-pci, on the controller */
    }
    if (m->attach == DEVBUS_NVME) {
        return "max_ioqpairs";
    }
    return NULL;
}

int devopts_has_iothread(const struct devmodel *m)
{
    return m->virtio && (m->attach == DEVBUS_PCI_DISK || m->attach == DEVBUS_SCSI);
}

/* Properties the harness sets itself: a configuration says queues = or iothread = instead. */
static const char *const devopts_reserved[] = {"drive",      "netdev",       "id",     "bus",
                                               "mac",        "iothread",     "serial", "num-queues",
                                               "num_queues", "max_ioqpairs", NULL};

/* "a=1,b=x" with QEMU property names; 0, or -1 with msg. */
static int devopts_check_props(const char *props, char *msg, size_t len)
{
    const char *p = props;

    while (*p) {
        size_t n = strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-");
        size_t v;
        if (n == 0 || p[n] != '=') {
            snprintf(msg, len, "device_options: expected name=value[,name=value...], got '%s'",
                     props);
            return -1;
        }
        for (unsigned i = 0; devopts_reserved[i]; i++) {
            if (strlen(devopts_reserved[i]) == n && strncmp(p, devopts_reserved[i], n) == 0) {
                snprintf(msg, len,
                         "device_options: '%s' is set by pvbench (use the keys queues "
                         "and iothread)",
                         devopts_reserved[i]);
                return -1;
            }
        }
        v = strcspn(p + n + 1, ", \t");
        if (v == 0 || (p[n + 1 + v] && p[n + 1 + v] != ',')) {
            snprintf(msg, len, "device_options: expected name=value[,name=value...], got '%s'",
                     props);
            return -1;
        }
        p += n + 1 + v;
        p += *p == ',';
    }
    return 0;
}

int devopts_check(const struct devopts *o, const struct devmodel *m, char *msg, size_t len,
                  const char **key)
{
    int blk = m->kind == DEVMODEL_BLK;

    if (o->device_options[0] && devopts_check_props(o->device_options, msg, len) < 0) {
        *key = "device_options";
        return -1;
    }

    /* Linux AIO submits asynchronously only with O_DIRECT; QEMU refuses it otherwise. */
    if (o->aio == DEVOPTS_AIO_NATIVE && o->cache != DEVOPTS_CACHE_NONE &&
        o->cache != DEVOPTS_CACHE_DIRECTSYNC) {
        *key = "aio";
        snprintf(msg, len, "aio = native needs cache = none or directsync (O_DIRECT), not %s",
                 devopts_name(devopts_cache_names, o->cache));
        return -1;
    }
    if (!blk && (o->aio || o->cache || o->format || o->preallocation || o->discard)) {
        *key = o->aio             ? "aio"
               : o->cache         ? "cache"
               : o->format        ? "format"
               : o->preallocation ? "preallocation"
                                  : "discard";
        snprintf(msg, len, "%s: '%s' is a network device, the key is for disks", *key, m->name);
        return -1;
    }
    if (o->iothread && !devopts_has_iothread(m)) {
        *key = "iothread";
        snprintf(msg, len,
                 "iothread = yes: '%s' has no iothread property (virtio-blk and virtio-scsi do)",
                 m->name);
        return -1;
    }
    if (o->preallocation && o->format != DEVOPTS_FORMAT_QCOW2) {
        *key = "preallocation";
        snprintf(msg, len,
                 "preallocation = %s is for format = qcow2 (a raw image is written "
                 "in full)",
                 devopts_name(devopts_prealloc_names, o->preallocation));
        return -1;
    }
    if (o->queues > 1 && !blk && !m->virtio) {
        /* QEMU's emulated NICs (rtl8139, e1000, e1000e, vmxnet3) have one queue pair here */
        *key = "queues";
        snprintf(msg, len, "queues = %u: '%s' has one queue pair (virtio-net has more)", o->queues,
                 m->name);
        return -1;
    }
    if (o->queues && blk && !devopts_queue_prop(m)) {
        *key = "queues";
        snprintf(msg, len,
                 "queues = %u: '%s' has one queue (virtio-blk, virtio-scsi and nvme "
                 "have more)",
                 o->queues, m->name);
        return -1;
    }
    return 0;
}
