/*
 * libFuzzer target: one line from the (untrusted) guest agent through agentmsg_parse and,
 * for a RESULT, agentmsg_check_result against a job that matches it well enough to get
 * past the id/workload/runtime checks.
 */
#include "fuzz_util.h"

#include <math.h>

#include "agentmsg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct agentmsg msg;
    struct agent_job job;
    char err[512];
    double ms;

    /* The exact bytes, no terminating NUL: the parser must stay within len. */
    if (agentmsg_parse((const char *)data, size, &msg, err, sizeof(err)) < 0) {
        return 0;
    }
    if (msg.type != AGENTMSG_RESULT) {
        return 0;
    }
    memset(&job, 0, sizeof(job));
    job.id = msg.u.result.job;
    job.workload = msg.u.result.workload;
    job.kind = size % 2 ? "net" : "blk";
    job.rw = "randread";
    job.bs = 4096;
    job.qd = 1 + (unsigned)(size % 32);
    ms = msg.u.result.runtime_s * 1000.0;
    job.runtime_ms = isfinite(ms) && ms >= 1.0 && ms < 1e9 ? (unsigned)ms : 1000;
    job.fault = "none";
    if (agentmsg_check_result(&msg.u.result, &job, err, sizeof(err)) < 0) {
        return 0;
    }
    /* A bad job must be refused, never crash. */
    job.workload = NULL;
    if (agentmsg_check_result(&msg.u.result, &job, err, sizeof(err)) == 0) {
        abort();
    }
    return 0;
}
