/* The workload table. Adding a workload is one line here (and its runner in the agent). */
#include "workload.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "protocol.h"

#define BLK DEVMODEL_BLK
#define NET DEVMODEL_NET
#define MIB (1u << 20)

/*
 * name, kind, rw (the agent's job "rw"), block size in bytes, queue depth, headline metric,
 * summary.
 * Network workloads (tcp_tx, tcp_rx, tcp_rr, udp_pps) are at the end with kind NET.
 */
/* Presets use none of the [workload] extras (rwmixread, a region): designated, they stay 0. */
#define WL(n, k, r, b, q, m, s)                                                                    \
    {                                                                                              \
        .name = n, .kind = k, .rw = r, .bs = b, .qd = q, .metric = m, .summary = s                 \
    }
static const struct workload workloads[] = {
    WL("seqread", BLK, "read", MIB, 8, "throughput_mib_s",
     "sequential read throughput, 1 MiB blocks, QD 8"),
    WL("seqwrite", BLK, "write", MIB, 8, "throughput_mib_s",
     "sequential write throughput, 1 MiB blocks, QD 8"),
    WL("randread", BLK, "randread", 4096, 32, "iops", "random-read IOPS, 4 KiB blocks, QD 32"),
    WL("randwrite", BLK, "randwrite", 4096, 32, "iops", "random-write IOPS, 4 KiB blocks, QD 32"),
    WL("randread_qd1", BLK, "randread", 4096, 1, "lat_mean_us",
     "random-read latency, 4 KiB blocks, QD 1"),
    WL("randwrite_qd1", BLK, "randwrite", 4096, 1, "lat_mean_us",
     "random-write latency, 4 KiB blocks, QD 1"),
    /* net: bs is the message size (one write of a stream, a request, a datagram's payload) */
    WL("tcp_tx", NET, "tcp_tx", 128 * 1024, 1, "throughput_mbit_s",
     "TCP stream guest -> host peer, 128 KiB writes"),
    WL("tcp_rx", NET, "tcp_rx", 128 * 1024, 1, "throughput_mbit_s",
     "TCP stream host peer -> guest, 128 KiB writes"),
    WL("tcp_rr", NET, "tcp_rr", 1, 1, "transactions_s",
     "TCP request/response, 1 byte each way, one connection"),
    WL("udp_pps", NET, "udp_pps", 64, 1, "pps",
     "UDP 64-byte datagrams guest -> host peer: rate, loss"),
};

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

/*
 * The rw values of kind (common/protocol.h's PVB_RW_LIST, which the agent and the host
 * peer read too), joined with '|' into buf; 1 if rw is one of them.
 */
static int workload_rw_ok(const char *rw, enum devmodel_kind kind, char *buf, size_t len)
{
    enum pvb_rw_kind want = kind == DEVMODEL_NET ? PVB_RW_NET : PVB_RW_BLK;
    int found = 0;
    size_t used = 0;

    buf[0] = '\0';
    for (unsigned i = 0; i < PVB_RW_COUNT; i++) {
        if (pvb_rw_table[i].kind != want) {
            continue;
        }
        found |= strcmp(rw, pvb_rw_table[i].name) == 0;
        if (used < len) {
            int n = snprintf(buf + used, len - used, "%s%s", used ? "|" : "", pvb_rw_table[i].name);
            used += n > 0 ? (size_t)n : 0;
        }
    }
    return found;
}

int workload_rw_kind(const char *rw, enum devmodel_kind *kind)
{
    for (unsigned i = 0; i < PVB_RW_COUNT; i++) {
        if (strcmp(rw, pvb_rw_table[i].name) == 0) {
            *kind = pvb_rw_table[i].kind == PVB_RW_NET ? DEVMODEL_NET : DEVMODEL_BLK;
            return 0;
        }
    }
    return -1;
}

const char *workload_rw_names(void)
{
    static char names[128];
    size_t used = 0;

    if (!names[0]) {
        for (unsigned i = 0; i < PVB_RW_COUNT && used < sizeof(names); i++) {
            int n = snprintf(names + used, sizeof(names) - used, "%s%s", i ? "|" : "",
                             pvb_rw_table[i].name);
            used += n > 0 ? (size_t)n : 0;
        }
    }
    return names;
}

const char *workload_metric_for(enum devmodel_kind kind, const char *rw, unsigned qd)
{
    for (unsigned i = 0; i < workload_count(); i++) {
        /* a network job reports what the preset of the same rw reports */
        if (kind == DEVMODEL_NET && strcmp(workloads[i].rw, rw) == 0) {
            return workloads[i].metric;
        }
    }
    if (kind == DEVMODEL_NET) {
        return "throughput_mbit_s";
    }
    if (qd == 1) {
        return "lat_mean_us";
    }
    return strncmp(rw, "rand", 4) == 0 ? "iops" : "throughput_mib_s";
}

/* One workload entry: fields set, kind known, block parameters sane. 0 or -1. */
static int workload_check_entry(unsigned i, const struct workload *w)
{
    const char *name = w->name ? w->name : "?";
    char known[128];

    /* that w->metric is in the metric table is metric_check_table's to check */
    if (!w->name || !w->name[0] || !w->rw || !w->summary || !w->metric) {
        log_err("workload table: entry %u (%s) is incomplete", i, name);
        return -1;
    }
    if (w->kind != DEVMODEL_BLK && w->kind != DEVMODEL_NET) {
        log_err("workload table: %s has an unknown kind %d", name, (int)w->kind);
        return -1;
    }
    if (!workload_rw_ok(w->rw, w->kind, known, sizeof(known))) {
        log_err("workload table: %s has rw '%s', not %s", name, w->rw, known);
        return -1;
    }
    if (w->kind == DEVMODEL_BLK) {
        /* O_DIRECT in the guest needs whole 512-byte sectors. */
        if (w->bs == 0 || w->bs % 512 != 0 || w->qd == 0 || w->qd > 1024) {
            log_err("workload table: %s has bs %u / qd %u (need bs a multiple of 512, "
                    "qd 1..1024)",
                    name, w->bs, w->qd);
            return -1;
        }
    }
    if (w->kind == DEVMODEL_NET) {
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
