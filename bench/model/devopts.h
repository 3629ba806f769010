/*
 * The options of one configuration's device under test and its back end (scenario keys
 * aio, cache, iothread, format, preallocation, discard, queues, device_options): what the
 * backends put on QEMU's command line and in the domain XML (bench/backend/devbus.c). All
 * zero is today's fixed guest: raw image, cache=none, aio=threads, no iothread, one queue.
 */
#ifndef PVB_DEVOPTS_H
#define PVB_DEVOPTS_H

#include <stddef.h>

#include "devmodel.h"

enum devopts_aio { DEVOPTS_AIO_THREADS, DEVOPTS_AIO_NATIVE, DEVOPTS_AIO_IO_URING };
enum devopts_cache {
    DEVOPTS_CACHE_NONE,
    DEVOPTS_CACHE_WRITEBACK,
    DEVOPTS_CACHE_DIRECTSYNC,
    DEVOPTS_CACHE_UNSAFE
};
enum devopts_format { DEVOPTS_FORMAT_RAW, DEVOPTS_FORMAT_QCOW2 };
enum devopts_prealloc {
    DEVOPTS_PREALLOC_OFF,
    DEVOPTS_PREALLOC_METADATA,
    DEVOPTS_PREALLOC_FALLOC,
    DEVOPTS_PREALLOC_FULL
};
enum devopts_discard { DEVOPTS_DISCARD_IGNORE, DEVOPTS_DISCARD_UNMAP };

#define DEVOPTS_PROPS_MAX 160 /* device_options text, with its NUL */
#define DEVOPTS_MAX_QUEUES 16

struct devopts {
    unsigned aio;           /* enum devopts_aio */
    unsigned cache;         /* enum devopts_cache */
    unsigned iothread;      /* 1: the DUT's queues run in an iothread of their own */
    unsigned format;        /* enum devopts_format */
    unsigned preallocation; /* enum devopts_prealloc (qcow2) */
    unsigned discard;       /* enum devopts_discard */
    unsigned queues;        /* 0: the device's default; else num-queues / ioqpairs / NIC pairs */
    char device_options[DEVOPTS_PROPS_MAX]; /* extra -device properties "a=1,b=2", "" */
};

/* Value names, NULL-terminated, in enum order: what the scenario file spells. */
extern const char *const devopts_aio_names[];
extern const char *const devopts_cache_names[];
extern const char *const devopts_format_names[];
extern const char *const devopts_prealloc_names[];
extern const char *const devopts_discard_names[];

/* names[v], or "?" when v is past the end. */
const char *devopts_name(const char *const *names, unsigned v);

/*
 * Can the model take these options? 0, or -1 with the reason in msg (which key is wrong
 * into *key): aio=native needs O_DIRECT, an iothread needs a virtio disk, and so on.
 */
int devopts_check(const struct devopts *o, const struct devmodel *m, char *msg, size_t len,
                  const char **key);

/* The -device property that sets the queue count of m, or NULL when it has none. */
const char *devopts_queue_prop(const struct devmodel *m);

/* 1 if m's QEMU device (or its controller) has an iothread property. */
int devopts_has_iothread(const struct devmodel *m);

#endif
