/*
 * What the QEMU of a lost guest (one that stopped answering during a job) was doing when
 * the harness gave up on it, written into the configuration's -agent.log before the guest is
 * stopped:
 *   - the state and wait channel of each QEMU thread (a host I/O stall shows as D, a
 *     spinning vCPU as R, a guest waiting for nothing as S everywhere);
 *   - through the guest's monitor (backend_ops .monitor: a QMP socket of its own in the QEMU
 *     backend, libvirt's monitor pass-through in the libvirt one), two snapshots some
 *     seconds apart of every virtqueue as QEMU sees it (x-query-virtio-queue-status), the
 *     guest's own ring indices read from guest memory at the vring addresses (avail.idx,
 *     used_event, used.idx, avail_event), the vCPUs (halted or not), the local APIC's
 *     IRR/ISR, the PIC and the interrupt counts;
 *   - one verdict line per queue saying where the request stopped.
 */
#ifndef PVB_LOSTGUEST_H
#define PVB_LOSTGUEST_H

#include <stdio.h>
#include <sys/types.h>

#include <json-c/json.h>

/* One QMP command to the lost guest's QEMU (args borrowed; *ret the caller's). 0 = QMP_OK. */
typedef int (*lostguest_monitor_fn)(void *arg, const char *cmd, json_object *args,
                                    json_object **ret, char *err, size_t errlen);

/* Queues per snapshot at most (all devices). */
#define LOSTGUEST_MAX_VQS 16

/* One virtqueue: QEMU's view, and the guest's ring indices (-1 where unread). */
struct lostguest_vq {
    char device[32]; /* "virtio-blk" */
    int queue;
    long num;          /* vring-num */
    long inuse;        /* taken from the ring, not completed */
    long last_avail;   /* last-avail-idx: the next entry QEMU takes */
    long used_idx;     /* used-idx as QEMU wrote it */
    long signalled;    /* signalled-used: the used index the guest was last told about */
    int signalled_ok;  /* signalled-used-valid */
    unsigned long long avail_addr, used_addr;
    long g_avail_idx;  /* the guest's avail.idx: what the driver made available */
    long g_used_event; /* the driver's used_event: the used index it wants an interrupt at */
    long g_used_idx;   /* used.idx as the guest sees it */
    long g_avail_event;
    int broken; /* x-query-virtio-status "broken": QEMU refused a request and stopped the device */
};

/* Virtio PCI functions whose MSI-X table is read per snapshot, at most. */
#define LOSTGUEST_MAX_MSIX 8
/* Vectors read per function (virtio-blk uses 2: config and one queue). */
#define LOSTGUEST_MSIX_VECTORS 4

/* One virtio PCI function's MSI-X state: its table in BAR1, its pending bits (PBA). */
struct lostguest_msix {
    char bdf[16];          /* "00:04.0" */
    char id[16];           /* "1af4:1001" */
    unsigned long long bar; /* BAR1's guest-physical address: table at 0, PBA at 0x800 */
    int read;              /* the table and PBA were read */
    unsigned masked;       /* bit i: vector i's entry is masked */
    unsigned pending;      /* bit i: vector i is pending in the PBA */
};

struct lostguest_snap {
    unsigned n;
    struct lostguest_vq vq[LOSTGUEST_MAX_VQS];
    unsigned nmsix;
    struct lostguest_msix msix[LOSTGUEST_MAX_MSIX];
};

/*
 * The virtio functions (vendor 1af4) with a memory BAR1 in HMP "info pci" text, into m
 * (at most max). QEMU's virtio-pci puts the MSI-X table at BAR1's start and its pending
 * bits at BAR1 + 0x800 (an exclusive 4 KiB BAR). Returns how many. Pure.
 */
unsigned lostguest_msix_bars(const char *info_pci, struct lostguest_msix *m, unsigned max);

/* The threads of process pid (who: "QEMU", ...), one line each ("tid name state wchan"). */
void lostguest_threads(FILE *out, pid_t pid, const char *who);

/*
 * Everything about the lost guest: its threads, then (when monitor is not NULL) a snapshot,
 * gap_s seconds, a second snapshot and a verdict line per queue ("pvbench: verdict: ...").
 */
void lostguest_report(FILE *out, pid_t pid, const char *who, lostguest_monitor_fn monitor,
                      void *arg, double gap_s);

/*
 * One snapshot through the monitor into *s, its lines (label "snapshot N") into out.
 * 0, or -1 when the monitor does not answer (said in out).
 */
int lostguest_snapshot(FILE *out, unsigned n, lostguest_monitor_fn monitor, void *arg,
                       struct lostguest_snap *s);

/*
 * Where a queue's requests stopped, from two snapshots of it (a before b), into out:
 * "moving", "QEMU holds N requests", "N requests in the ring that QEMU did not take",
 * "completed but not signalled", "signalled, the guest did not take it", or "no request
 * reached QEMU". Pure (bench/tests/test_lostguest.c).
 */
void lostguest_verdict(const struct lostguest_vq *a, const struct lostguest_vq *b, char *out,
                       size_t len);

#endif
