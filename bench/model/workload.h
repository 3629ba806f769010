/* Workloads: one table, one line per workload (workload.c). */
#ifndef PVB_WORKLOAD_H
#define PVB_WORKLOAD_H

#include "devmodel.h"

struct workload {
    const char *name;        /* scenario name, e.g. "randread" */
    enum devmodel_kind kind; /* which device kind it exercises */
    const char *rw;          /* agent job "rw": read|write|randread|randwrite|randrw */
    unsigned bs;             /* block size in bytes (blk) */
    unsigned qd;             /* queue depth (blk) */
    unsigned rwmixread;      /* randrw: percent of reads */
    unsigned offset_mib, size_mib; /* blk: the disk's region used; size 0: to its end */
    unsigned numjobs;        /* blk: parallel submitters in the guest (0 or 1: one) */
    unsigned streams;        /* net TCP: parallel connections to the peer (0 or 1: one) */
    const char *metric;      /* the headline metric: tables, charts, the demo */
    const char *summary;     /* one line for `pvbench list` */
};

const struct workload *workload_find(const char *name);
const struct workload *workload_at(unsigned i); /* NULL past the end */
unsigned workload_count(void);
int workload_check_table(void);

/* The kind of an agent job rw value (common/protocol.h's PVB_RW_LIST). 0, or -1: unknown. */
int workload_rw_kind(const char *rw, enum devmodel_kind *kind);
/* Every rw value, "read|write|...|udp_pps" (static storage). */
const char *workload_rw_names(void);
/* The headline metric of a workload of this kind, rw and queue depth. */
const char *workload_metric_for(enum devmodel_kind kind, const char *rw, unsigned qd);

#endif
