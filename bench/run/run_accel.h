/*
 * `pvbench run`'s accelerator: --accel parsed, and KVM chosen only when a probe guest boots
 * under it (run_accel.c). What the probe found goes into run.json (run_json.c).
 */
#ifndef PVB_RUN_ACCEL_H
#define PVB_RUN_ACCEL_H

#include <stddef.h>

struct run_ctx;

/* What the KVM probe found; run.json "accelerator"."probe"."result" by run_accel_probe_name. */
enum run_probe_result {
    RUN_PROBE_NOT_RUN, /* tcg asked for, or no guest (process backend) */
    RUN_PROBE_OK,      /* the probe guest reached agent-ready under KVM */
    RUN_PROBE_NO_KVM,  /* /dev/kvm does not open (or the remote libvirt has no KVM) */
    RUN_PROBE_HUNG,    /* KVM there, the guest neither printed nor touched a device any more */
    RUN_PROBE_SLOW,    /* KVM there, the guest was still booting when the timeout came */
    RUN_PROBE_FAILED,  /* KVM there, the guest could not start or died (QEMU's log says) */
};

struct run_probe {
    enum run_probe_result result;
    double boot_s;    /* to agent-ready (RUN_PROBE_OK), else 0 */
    double timeout_s; /* the probe's timeout (scenario key kvm_probe_timeout) */
};

/* "not-run", "ok", "no-kvm", "hung", "slow", "failed". */
const char *run_accel_probe_name(enum run_probe_result r);

/*
 * A probe guest that timed out: SLOW when it kept going after the timeout (grew: its console
 * grew or it kept making port I/O or MMIO exits) or its console shows the kernel's "Linux
 * version" banner (a verbose kernel), else HUNG. console is the console log's text (len
 * bytes, need not be NUL-terminated).
 */
enum run_probe_result run_accel_probe_verdict(const char *console, size_t len, int grew);

/*
 * 1 when the CPU the harness runs on says it is virtual (CPUID leaf 1, ECX bit 31, the
 * hypervisor bit): guests under KVM here are then nested.
 */
int run_accel_cpu_is_virtual(void);

/*
 * The run's accelerator into r->accel, r->accel_reason, r->kvm_probe and r->nested: tcg
 * when asked for, kvm when /dev/kvm opens and a probe guest reaches agent-ready under it
 * within the scenario's kvm_probe_timeout, else tcg (--accel auto, saying why) or -1 with
 * the error logged (--accel kvm).
 */
int run_accel_choose(struct run_ctx *r) __attribute__((warn_unused_result));

#endif
