/*
 * The agent reports its own stall. While an engine runs a job, a watchdog thread looks at
 * the time of the job's last progress (agent_meter_tick, every completion or batch): after
 * AGENT_STALL_S seconds without any it sends a LOG line with what the agent knows, then again
 * every AGENT_STALL_REPEAT_S while the stall lasts. For a block device: the requests in
 * flight by the agent's count, the kernel's /sys/block/DEV/inflight and, when debugfs is
 * mounted, the block layer's per-queue state (/sys/kernel/debug/block/DEV/hctx*); for a
 * network job, the interface's packet counters.
 *
 * A thread, not a timeout on the waits: a QD1 job blocks in pread/pwrite, which no timeout
 * interrupts (a lost completion leaves the task in D state), and the AIO loop would have to
 * pass a timeout to every io_getevents. The watchdog costs the job nothing but one relaxed
 * store per completion.
 */
#ifndef PVB_AGENT_STALL_H
#define PVB_AGENT_STALL_H

#include <stddef.h>
#include <stdint.h>

#include "agent.h"

#define AGENT_STALL_S 5.0
#define AGENT_STALL_REPEAT_S 30.0

/* Where reports go (the control channel's LOG); NULL: the console only. Thread-safe. */
void agent_stall_set_log(void (*log)(const char *text));

/* Watch job on target (the device or the interface) until agent_stall_end. 0 or -errno. */
int agent_stall_begin(const struct agent_job *job, const char *target);
void agent_stall_end(void);

/* Progress at now (CLOCK_MONOTONIC ns): the engines' meter calls it. */
void agent_stall_progress(uint64_t now);
/* Requests in flight by the engine's count (-1: unknown). */
void agent_stall_inflight(long n);
/*
 * numjobs: the calling thread reports as submitter i (0 .. numjobs - 1) from now on; the
 * watchdog watches the submitter with the oldest progress and sums their requests in
 * flight. agent_stall_done: this thread's submitter has finished (no longer watched).
 */
void agent_stall_slot(unsigned i);
void agent_stall_done(void);

/*
 * --fault stall: never return, as if the requests in flight were never completed; only the
 * watchdog speaks until the harness gives up on the job. Returns at once for other jobs.
 */
void agent_stall_fault(const struct agent_job *job);

/*
 * The report's text: job, target, seconds since the last progress, in flight, and the
 * kernel's view read under sysroot ("" for "/"). Length, or -1 when it did not fit.
 */
int agent_stall_format(char *buf, size_t len, const struct agent_job *job, const char *target,
                       double since_s, long inflight, const char *sysroot);

#endif
