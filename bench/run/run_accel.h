/*
 * `pvbench run`'s accelerator: --accel parsed, and KVM chosen only when a probe guest boots
 * under it (run_accel.c).
 */
#ifndef PVB_RUN_ACCEL_H
#define PVB_RUN_ACCEL_H

struct run_ctx;

/*
 * The run's accelerator into r->accel and r->accel_reason: tcg when asked for, kvm when
 * /dev/kvm opens and a probe guest reaches agent-ready under it, else tcg (--accel auto)
 * or -1 with the error logged (--accel kvm).
 */
int run_accel_choose(struct run_ctx *r) __attribute__((warn_unused_result));

#endif
