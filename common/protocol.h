/*
 * pvbench host <-> agent wire protocol, shared by bench/ and guest-agent/.
 *
 * The control channel is the guest's second 16550 UART (ttyS1), connected to a
 * Unix socket on the host. It is the same in every configuration and does not
 * depend on any device under test.
 *
 * Every line starts with the protocol tag "PVB<version>" and a message type, and
 * ends with '\n'. No line (tag and newline included) is longer than PVB_LINE_MAX.
 *
 * Agent -> host:
 *   PVB1 READY {json}     once, after modules are loaded and the DUT is found.
 *                         keys: agent (version string), kernel (uname -r),
 *                         uptime_s (guest /proc/uptime at ready), modules_loaded,
 *                         modules_failed, blk (DUT block device or ""), blk_driver,
 *                         net (DUT interface or ""), net_driver, net_queues
 *                         net_queues: receive queues in use on net (its sysfs
 *                         queues/rx-N) after the agent enabled every combined
 *                         channel the NIC offers (ETHTOOL_SCHANNELS: a host's
 *                         queues = N); 0 without a net DUT.
 *                         net is the guest's interface name ("eth0"), configured
 *                         with PVB_NET_GUEST_ADDR; net_driver the driver bound to
 *                         its device (/sys/class/net/IF/device/driver: virtio_net,
 *                         8139cp, e1000, e1000e).
 *                         blk is the kernel's name ("vda", "sda"; the result's
 *                         device is "/dev/vda"); blk_driver is the controller's
 *                         driver: the virtio driver (virtio_blk, virtio_scsi) for
 *                         virtio devices, else the PCI driver (ata_piix, ahci).
 *                         LOG lines about setup problems may come before READY.
 *   PVB1 RESULT {json}    answer to one JOB (see "Result keys" below)
 *   PVB1 ERROR {json}     a JOB failed: {"job":N,"reason":"..."}; job 0 answers a
 *                         line that is not a job (too long, unknown type)
 *   PVB1 LOG <text>       free text, for the run log only
 *
 * Host -> agent:
 *   PVB1 JOB key=value ...   one job; keys below. Values never contain spaces.
 *   PVB1 QUIT                sync and power the guest off
 *
 * Job keys:
 *   id=<n>                job number, echoed in the answer
 *   workload=<name>       the harness's workload name, echoed
 *   kind=blk|net
 *   rw=read|write|randread|randwrite|randrw   (blk; randrw: each operation a read with
 *                         probability rwmixread %, else a write)
 *   rw=tcp_tx|tcp_rx|tcp_rr|udp_pps      (net) see "Network workloads" below
 *                         (the list: PVB_RW_LIST below)
 *   bs=<bytes> qd=<n>     (blk) block size and queue depth; (net) bs is the message
 *                         size: one write of a stream (tcp_tx, tcp_rx), the request and
 *                         the response (tcp_rr), the UDP payload (udp_pps, >= 16);
 *                         qd must be 1 for net (one connection)
 *   runtime_ms=<n> warmup_ms=<n>         measured interval and warm-up before it
 *   rwmixread=<0..100>    (blk, rw=randrw only; default 50) percent of operations that read
 *   offset_mib=<n> size_mib=<n>          (blk; default 0 and 0) the region of the device
 *                         the job's offsets fall in: from offset_mib MiB, size_mib MiB long
 *                         (0: to the device's end); a region beyond the device is an ERROR
 *   numjobs=<1..64>       (blk; default 1) parallel submitters, each with qd requests in
 *                         flight, on a thread of its own pinned to vCPU i modulo the vCPUs;
 *                         sequential ones each stream through a slice (1/numjobs) of the
 *                         region; the RESULT sums them and carries "numjobs":N when N > 1
 *                         (runtime_s: ops over the summed rates; latency: the merged
 *                         histograms; cpu_pct and irqs: over the first submitter's interval)
 *   streams=<1..64>       (net, TCP workloads; default 1) parallel connections to the
 *                         peer, a thread each; the RESULT sums them as for numjobs and
 *                         carries "streams":N when N > 1 (bytes_total and ops_total: the
 *                         sums, checked against the peer's)
 *   peer=<a.b.c.d> port=<n>              (net) the host peer's IPv4 address and port
 *   irq=<substring>       [A-Za-z0-9_.-]+ which /proc/interrupts lines are the
 *                         DUT's: every line whose description (the text after the
 *                         per-CPU counts, e.g. "PCI-MSI 65537-edge virtio0-req.0",
 *                         "IO-APIC 14-edge ata_piix", "IO-APIC 11-fasteoi eth0")
 *                         contains it; absent: irqs is 0
 *   fault=none|hang|crash|garbage|flood|exit   fault injection for harness tests:
 *                         instead of running the job, hang never answers; crash
 *                         abort()s and exit exit(1)s PID 1 (kernel panic); garbage
 *                         sends one non-protocol line; flood sends 100 MB of 'A'
 *                         then one '\n' (minutes through the emulated UART). After
 *                         garbage and flood no answer to that job follows and the
 *                         agent serves the next one.
 *   engine=agent|fio      (blk) who does the I/O: the agent (default), or Debian's fio
 *                         run by the agent with the same rw, bs, qd (iodepth), runtime,
 *                         warm-up (ramp_time), direct=1, ioengine=libaio on the DUT; needs
 *                         the fio image (/usr/bin/fio). fio exiting non-zero, being
 *                         killed, taking PVB_FIO_MARGIN_S longer than 2 x (warm-up +
 *                         runtime), or printing JSON that does not parse: ERROR with
 *                         fio's own text. A net job with engine=fio: ERROR.
 *   fiojob=<hex>          (blk, engine=fio) a user's fio job file (bench/model/fiofile.c
 *                         checked it on the host): its text, lower-case hex, at most
 *                         PVB_FIOJOB_MAX - 1 bytes. The agent writes pvbench's [global]
 *                         (filename= the DUT, direct=1, ioengine=libaio, time_based,
 *                         runtime, ramp_time, group_reporting, unified_rw_reporting=mixed,
 *                         the latency percentiles) then the text to a temporary file and
 *                         runs fio on it; rw, bs and qd are then only the file's first job
 *                         as the harness shows it. The result sums every job and side of
 *                         fio's JSON (common/fio_job.h FIO_JOB_ALL: ops, bytes, latency
 *                         min, max and mean exact; percentiles exact when fio reports one
 *                         group, otherwise the completion-weighted mean).
 *   engine=iperf3         (net, tcp_tx and tcp_rx only) Debian's iperf3 client run by the
 *                         agent against an iperf3 server at peer:port (`pvbench selftest`
 *                         starts one in the run's namespace): --time runtime, --omit
 *                         warm-up (whole seconds: other values are an ERROR), --length bs,
 *                         --reverse for tcp_rx, --json; needs /usr/bin/iperf3 in the image
 *                         (scripts/build-guest --with-fio). iperf3 reporting an error,
 *                         exiting non-zero or taking PVB_IPERF3_MARGIN_S longer than
 *                         2 x (warm-up + runtime): ERROR with iperf3's own text.
 *   Required: id, kind; for kind=blk also rw, bs (a multiple of 512), qd, runtime_ms;
 *   for kind=net also rw, bs, runtime_ms, peer, port.
 *   Any other key, a repeated key or a bad value is answered with ERROR.
 *
 * Result keys (JSON object):
 *   job, workload, engine ("agent" or "fio", as asked), device, driver, then the numbers of
 *   PVB_RESULT_LIST below, in its order (each entry's doc says what it is).
 *                  engine "fio": runtime_s, ops (total_ios), bytes (io_bytes) and lat_us
 *                  (total latency, lat_ns) are fio's; ops_total = ops (fio resets its
 *                  counters after ramp_time); cpu_pct and irqs come from /proc samples
 *                  every 100 ms, over the window nearest fio's measured interval
 *                  engine "iperf3": runtime_s and bytes are the receiving side's
 *                  (end.sum_received: the server's for tcp_tx, the client's for tcp_rx),
 *                  ops = bytes / bs, ops_total = ops (iperf3 leaves --omit out of its sums),
 *                  lat_us all 0; cpu_pct and irqs from /proc samples every 100 ms over the
 *                  runtime_s before iperf3 printed its result
 *
 * Network workloads (kind=net): the guest (on its one NIC, the address of
 * "pvbench.addr=" on its kernel command line, default PVB_NET_GUEST_ADDR, /24) and
 * the host peer (PVB_NET_PEER_ADDR, inside a network namespace of the harness) are
 * the two ends. The side that receives the payload owns the measured interval: it starts
 * warmup_ms after the first payload arrived, lasts runtime_ms, and then the receiver
 * tells the sender to stop (PVB_NET_STOP). The agent's own interval (same lengths,
 * on its clock, starting at its first payload sent or received) is where the
 * guest CPU split and the interrupts are read.
 *   tcp_tx   agent connects, sends a hello, then writes bs-byte chunks until the
 *            peer sends one PVB_NET_STOP byte back; then shuts down its side and
 *            waits for the peer to close. The peer counts the bytes.
 *   tcp_rx   agent connects and sends a hello; the peer writes until the agent
 *            sends PVB_NET_STOP, then shuts down its side. The agent counts.
 *   tcp_rr   agent connects (TCP_NODELAY on both ends), sends a hello, then bs-byte
 *            requests, each answered by a bs-byte response; latency per transaction
 *            in the agent's histogram. After its interval the agent shuts down.
 *   udp_pps  agent sends a hello datagram until the peer echoes it (address
 *            resolution and a listening peer before the first counted datagram),
 *            then bs-byte datagrams numbered from 0, until a stop datagram from
 *            the peer. Loss = datagrams sent but never received.
 * streams=N (tcp_tx, tcp_rx, tcp_rr; 1 when absent): the agent opens N connections, one
 * thread each (on vCPU i modulo the guest's vCPUs), each with its own hello and its own
 * interval; the peer accepts all N before it moves any payload, and for tcp_tx keeps one
 * interval over the sum of the N streams and sends the stop on every one of them.
 * Framing: the TCP hello is PVB_NET_HELLO_LEN bytes, four big-endian u32: magic,
 * job id, workload (enum pvb_net_workload), bs. Every UDP datagram starts with
 * PVB_NET_UDP_HDR bytes: magic (u32), job id (u32), sequence (u64), big-endian; the
 * sequence PVB_NET_SEQ_HELLO is the hello and its echo, PVB_NET_SEQ_STOP the stop.
 * The peer drops a connection or datagram whose magic or job id is not the
 * current job's (a stale sender from an earlier, failed job).
 */
#ifndef PVB_PROTOCOL_H
#define PVB_PROTOCOL_H

#define PVB_PROTO_VERSION 1
#define PVB_PROTO_TAG "PVB1"
#define PVB_LINE_MAX 8192

#define PVB_MSG_READY "READY"
#define PVB_MSG_RESULT "RESULT"
#define PVB_MSG_ERROR "ERROR"
#define PVB_MSG_LOG "LOG"
#define PVB_MSG_JOB "JOB"
#define PVB_MSG_QUIT "QUIT"

/* engine=fio: how much longer than 2 x (warm-up + runtime) fio may take (start-up). */
#define PVB_FIO_MARGIN_S 60
/* engine=iperf3: the same for iperf3 (start-up, connecting, the result exchange). */
#define PVB_IPERF3_MARGIN_S 30
/* engine=fio with fiojob=: the job file's text (NUL included) at most; hex is twice that. */
#define PVB_FIOJOB_MAX 3072
/* The port of the iperf3 server `pvbench selftest` runs beside the host peer. */
#define PVB_IPERF3_PORT 5201u

/* The guest's control channel device and the kernel console. */
#define PVB_CONTROL_TTY "/dev/ttyS1"

/* ---- the network data plane (agent <-> host peer) -------------------------------------- */

#define PVB_NET_PEER_ADDR "198.51.100.1"
#define PVB_NET_GUEST_ADDR "198.51.100.2"
#define PVB_NET_PREFIX 24
#define PVB_NET_PORT 7100
#define PVB_NET_MAGIC 0x50564e31u /* "PVN1" */
#define PVB_NET_HELLO_LEN 16
#define PVB_NET_STREAMS_MAX 64 /* parallel TCP connections of one job */
#define PVB_NET_UDP_HDR 16
#define PVB_NET_STOP 'S'
#define PVB_NET_SEQ_HELLO 0xfffffffffffffffeull
#define PVB_NET_SEQ_STOP 0xffffffffffffffffull

enum pvb_net_workload {
    PVB_NET_TCP_TX = 1,
    PVB_NET_TCP_RX = 2,
    PVB_NET_TCP_RR = 3,
    PVB_NET_UDP_PPS = 4,
};

/*
 * The job "rw" values, one line each, in the order of enum pvb_rw:
 *   X(ID, name, kind, wire)  ID names PVB_RW_<ID>; kind is BLK or NET; wire is the
 *                            enum pvb_net_workload a net job's hello carries, 0 for blk.
 * The harness's workload table, the agent's job parser and the host peer all take their
 * names from here.
 */
#define PVB_RW_LIST(X)                                                                             \
    X(READ, "read", BLK, 0)                                                                        \
    X(WRITE, "write", BLK, 0)                                                                      \
    X(RANDREAD, "randread", BLK, 0)                                                                \
    X(RANDWRITE, "randwrite", BLK, 0)                                                              \
    X(RANDRW, "randrw", BLK, 0)                                                                    \
    X(TCP_TX, "tcp_tx", NET, PVB_NET_TCP_TX)                                                       \
    X(TCP_RX, "tcp_rx", NET, PVB_NET_TCP_RX)                                                       \
    X(TCP_RR, "tcp_rr", NET, PVB_NET_TCP_RR)                                                       \
    X(UDP_PPS, "udp_pps", NET, PVB_NET_UDP_PPS)

enum pvb_rw_kind { PVB_RW_BLK, PVB_RW_NET };

#define PVB_RW_ENUM(id, name, kind, wire) PVB_RW_##id,
enum pvb_rw { PVB_RW_LIST(PVB_RW_ENUM) PVB_RW_COUNT };
#undef PVB_RW_ENUM

/* One rw value: its name, kind and network wire number (0 for blk). */
struct pvb_rw_info {
    const char *name;
    enum pvb_rw_kind kind;
    enum pvb_net_workload wire;
};

#define PVB_RW_INFO(id, name, kind, wire) {name, PVB_RW_##kind, (enum pvb_net_workload)(wire)},
/* Indexed by enum pvb_rw; static, so every user gets its own copy of this small table. */
static const struct pvb_rw_info pvb_rw_table[PVB_RW_COUNT]
    __attribute__((unused)) = {PVB_RW_LIST(PVB_RW_INFO)};
#undef PVB_RW_INFO

/*
 * The RESULT's numbers, in the order the agent writes them. The agent's formatter
 * (guest-agent/agent_job.c), the agent's and the harness's struct agent_result and the
 * harness's parser table (bench/guest/agentmsg.c) are all expanded from this list, so a
 * new raw metric is one line here (then the engine that measures it, and on the host
 * bench/backend/record.c and bench/model/metric.c).
 *   X(key, field, type, sent, doc)   key: the JSON key; field: the C member of struct
 *                            agent_result; type DBL (double, "%.6g", not finite -> 0) or
 *                            U64 (uint64_t, an integer); sent ALL (every result) or NET
 *                            (net results only; optional for the parser, 0 when absent)
 *   OBJ(key, field, list, doc)  a nested object whose members are list(X, field), each
 *                            X(parent, key, field, type, sent, doc)
 */
#define PVB_RESULT_LIST(X, OBJ)                                                                    \
    X("runtime_s", runtime_s, DBL, ALL, "measured interval in seconds")                           \
    X("ops", ops, U64, ALL, "operations completed in the measured interval")                      \
    X("ops_total", ops_total, U64, ALL, "operations completed including warm-up")                 \
    X("bytes", bytes, U64, ALL, "bytes moved in the measured interval")                           \
    OBJ("lat_us", lat_us, PVB_RESULT_LAT_LIST,                                                     \
        "per-operation latency in microseconds, from just before submission to the reaping "      \
        "of the completion (guest CLOCK_MONOTONIC); percentiles to ~0.4 %")                        \
    OBJ("cpu_pct", cpu_pct, PVB_RESULT_CPU_LIST,                                                   \
        "share of guest CPU time over the measured interval (sums to ~100)")                       \
    X("irqs", irqs, U64, ALL, "interrupts of the device under test over the measured interval")   \
    X("bytes_total", bytes_total, U64, NET,                                                        \
      "payload bytes the agent sent (tcp_tx, udp_pps) or received (tcp_rx) over the whole "       \
      "job, warm-up and tail included; for tcp_rr the request bytes sent")

/* lat_us: the latency summary, from the agent's histogram. */
#define PVB_RESULT_LAT_LIST(X, p)                                                                  \
    X(p, "mean", mean, DBL, ALL, "mean")                                                           \
    X(p, "min", min, DBL, ALL, "smallest")                                                         \
    X(p, "p50", p50, DBL, ALL, "median")                                                           \
    X(p, "p90", p90, DBL, ALL, "90th percentile")                                                  \
    X(p, "p99", p99, DBL, ALL, "99th percentile")                                                  \
    X(p, "p999", p999, DBL, ALL, "99.9th percentile")                                              \
    X(p, "max", max, DBL, ALL, "largest")

/* cpu_pct: /proc/stat's split over the measured interval. */
#define PVB_RESULT_CPU_LIST(X, p)                                                                  \
    X(p, "user", user, DBL, ALL, "user")                                                           \
    X(p, "nice", nice, DBL, ALL, "nice")                                                           \
    X(p, "system", system, DBL, ALL, "system")                                                     \
    X(p, "irq", irq, DBL, ALL, "hard interrupts")                                                  \
    X(p, "softirq", softirq, DBL, ALL, "soft interrupts")                                          \
    X(p, "iowait", iowait, DBL, ALL, "iowait")                                                     \
    X(p, "idle", idle, DBL, ALL, "idle")                                                           \
    X(p, "steal", steal, DBL, ALL, "steal")

/* C types of the list's types. */
#define PVB_RESULT_CTYPE_DBL double
#define PVB_RESULT_CTYPE_U64 uint64_t

/* Module load list inside the initramfs: one path per line, dependencies first. */
#define PVB_MODULES_LIST "/etc/pvbench/modules"

#endif
