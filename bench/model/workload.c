/* The workload table. Adding a workload is one line here (and its runner in the agent). */
#include "workload.h"

#include "metric.h"

#include <stddef.h>
#include <string.h>

#include "log.h"

#define BLK DEVMODEL_BLK
#define NET DEVMODEL_NET
#define MIB (1u << 20)

/*
 * name, kind, rw (the agent's job "rw"), block size in bytes, queue depth, headline metric,
 * summary.
 * Network workloads (tcp_tx, tcp_rx, tcp_rr, udp_pps) are at the end with kind NET.
 */
static const struct workload workloads[] = {
    {"seqread", BLK, "read", MIB, 8, "throughput_mib_s",
     "sequential read throughput, 1 MiB blocks, QD 8"},
    {"seqwrite", BLK, "write", MIB, 8, "throughput_mib_s",
     "sequential write throughput, 1 MiB blocks, QD 8"},
    {"randread", BLK, "randread", 4096, 32, "iops", "random-read IOPS, 4 KiB blocks, QD 32"},
    {"randwrite", BLK, "randwrite", 4096, 32, "iops", "random-write IOPS, 4 KiB blocks, QD 32"},
    {"randread_qd1", BLK, "randread", 4096, 1, "lat_mean_us",
     "random-read latency, 4 KiB blocks, QD 1"},
    {"randwrite_qd1", BLK, "randwrite", 4096, 1, "lat_mean_us",
     "random-write latency, 4 KiB blocks, QD 1"},
    /* net: bs is the message size (one write of a stream, a request, a datagram's payload) */
    {"tcp_tx", NET, "tcp_tx", 128 * 1024, 1, "throughput_mbit_s",
     "TCP stream guest -> host peer, 128 KiB writes"},
    {"tcp_rx", NET, "tcp_rx", 128 * 1024, 1, "throughput_mbit_s",
     "TCP stream host peer -> guest, 128 KiB writes"},
    {"tcp_rr", NET, "tcp_rr", 1, 1, "transactions_s",
     "TCP request/response, 1 byte each way, one connection"},
    {"udp_pps", NET, "udp_pps", 64, 1, "pps",
     "UDP 64-byte datagrams guest -> host peer: rate, loss"},
};

/* The block "rw" values the agent understands (common/protocol.h, job keys). */
static const char *const workload_blk_rw[] = {"read", "write", "randread", "randwrite"};
/* The network "rw" values the agent and the host peer understand. */
static const char *const workload_net_rw[] = {"tcp_tx", "tcp_rx", "tcp_rr", "udp_pps"};

unsigned workload_count(void)
{
    return sizeof(workloads) / sizeof(workloads[0]);
}

const struct workload *workload_at(unsigned i)
{
    return i < workload_count() ? &workloads[i] : NULL;
}

const struct workload *workload_find(const char *name)
{
    for (unsigned i = 0; i < workload_count(); i++) {
        if (strcmp(workloads[i].name, name) == 0) {
            return &workloads[i];
        }
    }
    return NULL;
}

/* Is rw one of the block access patterns the agent runs? */
static int workload_blk_rw_ok(const char *rw)
{
    for (size_t i = 0; i < sizeof(workload_blk_rw) / sizeof(workload_blk_rw[0]); i++) {
        if (strcmp(rw, workload_blk_rw[i]) == 0) {
            return 1;
        }
    }
    return 0;
}

/* Is rw one of the network workloads the agent and the peer run? */
static int workload_net_rw_ok(const char *rw)
{
    for (size_t i = 0; i < sizeof(workload_net_rw) / sizeof(workload_net_rw[0]); i++) {
        if (strcmp(rw, workload_net_rw[i]) == 0) {
            return 1;
        }
    }
    return 0;
}

/* One workload entry: fields set, kind known, block parameters sane. 0 or -1. */
static int workload_check_entry(unsigned i, const struct workload *w)
{
    const char *name = w->name ? w->name : "?";

    if (!w->name || !w->name[0] || !w->rw || !w->summary || !w->metric ||
        !metric_find(w->metric)) {
        log_err("workload table: entry %u (%s) is incomplete", i, name);
        return -1;
    }
    if (w->kind != DEVMODEL_BLK && w->kind != DEVMODEL_NET) {
        log_err("workload table: %s has an unknown kind %d", name, (int)w->kind);
        return -1;
    }
    if (w->kind == DEVMODEL_BLK) {
        if (!workload_blk_rw_ok(w->rw)) {
            log_err("workload table: %s has rw '%s', not read|write|randread|randwrite", name,
                    w->rw);
            return -1;
        }
        /* O_DIRECT in the guest needs whole 512-byte sectors. */
        if (w->bs == 0 || w->bs % 512 != 0 || w->qd == 0 || w->qd > 1024) {
            log_err("workload table: %s has bs %u / qd %u (need bs a multiple of 512, "
                    "qd 1..1024)",
                    name, w->bs, w->qd);
            return -1;
        }
    }
    if (w->kind == DEVMODEL_NET) {
        if (!workload_net_rw_ok(w->rw)) {
            log_err("workload table: %s has rw '%s', not tcp_tx|tcp_rx|tcp_rr|udp_pps", name,
                    w->rw);
            return -1;
        }
        /* One connection; a datagram's payload holds the 16-byte header and fits 1500 MTU. */
        if (w->qd != 1 || w->bs == 0 || (strcmp(w->rw, "udp_pps") == 0 &&
                                         (w->bs < 16 || w->bs > 1472))) {
            log_err("workload table: %s has bs %u / qd %u (net: qd 1; udp_pps bs 16..1472)",
                    name, w->bs, w->qd);
            return -1;
        }
    }
    for (unsigned j = 0; j < i; j++) {
        if (strcmp(workloads[j].name, w->name) == 0) {
            log_err("workload table: %s appears twice", name);
            return -1;
        }
    }
    return 0;
}

int workload_check_table(void)
{
    int bad = 0;

    for (unsigned i = 0; i < workload_count(); i++) {
        if (workload_check_entry(i, &workloads[i]) < 0) {
            bad = 1;
        }
    }
    return bad ? -1 : 0;
}
