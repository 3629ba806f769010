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
 *                         net (DUT interface or ""), net_driver
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
 *   rw=read|write|randread|randwrite     (blk)
 *   bs=<bytes> qd=<n>                    (blk) block size and queue depth
 *   runtime_ms=<n> warmup_ms=<n>         measured interval and warm-up before it
 *   irq=<substring>       [A-Za-z0-9_.-]+ (blk) which /proc/interrupts lines are the
 *                         DUT's: every line whose description (the text after the
 *                         per-CPU counts, e.g. "PCI-MSI 65537-edge virtio0-req.0",
 *                         "IO-APIC 14-edge ata_piix") contains it; absent: irqs is 0
 *   fault=none|hang|crash|garbage|flood|exit   fault injection for harness tests:
 *                         instead of running the job, hang never answers; crash
 *                         abort()s and exit exit(1)s PID 1 (kernel panic); garbage
 *                         sends one non-protocol line; flood sends 100 MB of 'A'
 *                         then one '\n' (minutes through the emulated UART). After
 *                         garbage and flood no answer to that job follows and the
 *                         agent serves the next one.
 *   Required: id, kind; for kind=blk also rw, bs (a multiple of 512), qd, runtime_ms.
 *   Any other key, a repeated key or a bad value is answered with ERROR.
 *
 * Result keys (JSON object):
 *   job, workload, engine ("agent"), device, driver,
 *   runtime_s      measured interval in seconds
 *   ops            operations completed in the measured interval
 *   ops_total      operations completed including warm-up
 *   bytes          bytes moved in the measured interval
 *   lat_us         {"mean","min","p50","p90","p99","p999","max"} per-operation latency
 *                  in microseconds, from just before submission to the reaping of
 *                  the completion (guest CLOCK_MONOTONIC); percentiles to ~0.4 %
 *   cpu_pct        {"user","nice","system","irq","softirq","iowait","idle","steal"}
 *                  share of guest CPU time over the measured interval (sums to ~100)
 *   irqs           interrupts of the device under test over the measured interval
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

/* The guest's control channel device and the kernel console. */
#define PVB_CONTROL_TTY "/dev/ttyS1"

/* Module load list inside the initramfs: one path per line, dependencies first. */
#define PVB_MODULES_LIST "/etc/pvbench/modules"

#endif
