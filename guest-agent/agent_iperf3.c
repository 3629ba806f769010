/*
 * engine=iperf3: the same stream as the agent's tcp_tx or tcp_rx, done by Debian's iperf3
 * client against an iperf3 server beside the host peer.
 *
 * iperf3 runs as a child (agent_child.c) with --json; its output is read with a bound, its
 * stderr kept for the error text, and the whole run has a deadline. The numbers are the
 * receiving side's, as for the agent's own streams: end.sum_received is the server's count
 * for tcp_tx and the client's for tcp_rx; --omit leaves the warm-up out of the sums.
 *
 * iperf3 prints its JSON once, after the test and the exchange of results with the server:
 * the /proc/stat and /proc/interrupts snapshots nearest [first output - runtime, first
 * output] give cpu_pct and irqs (within a snapshot period and the result exchange).
 */
#include "agent_iperf3.h"
#include "agent_child.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

const char *agent_iperf3_binary = AGENT_IPERF3_BIN;
unsigned agent_iperf3_margin_ms = AGENT_IPERF3_MARGIN_MS;

int agent_iperf3_build_argv(const struct agent_job *job, struct tool_argv *a, char *err,
                            size_t errlen)
{
    struct iperf3_job_params p = {
        .binary = agent_iperf3_binary,
        .server = job->peer,
        .port = job->port,
        .reverse = job->rw == AGENT_RW_TCP_RX,
        .bs = job->bs,
        .runtime_s = job->runtime_ms / 1000u,
        .omit_s = job->warmup_ms / 1000u,
        .connect_timeout_ms = AGENT_IPERF3_CONNECT_MS,
    };

    if (job->kind != AGENT_KIND_NET || (job->rw != AGENT_RW_TCP_TX && job->rw != AGENT_RW_TCP_RX)) {
        agent_job_err(err, errlen, "engine=iperf3 runs tcp_tx and tcp_rx only");
        return -1;
    }
    if (job->runtime_ms < 1000 || job->runtime_ms % 1000 != 0 || job->warmup_ms % 1000 != 0) {
        agent_job_err(err, errlen,
                      "engine=iperf3 takes whole seconds (iperf3 --time, --omit): "
                      "runtime_ms=%u warmup_ms=%u",
                      job->runtime_ms, job->warmup_ms);
        return -1;
    }
    if (iperf3_job_build_argv(&p, a) < 0) {
        agent_job_err(err, errlen, "iperf3 command line too long");
        return -1;
    }
    return 0;
}

int agent_iperf3_result(const struct agent_job *job, const struct iperf3_job_stats *st,
                        const char *ifname, struct agent_result *res, char *err, size_t errlen)
{
    bool rx = job->rw == AGENT_RW_TCP_RX;

    memset(res, 0, sizeof(*res));
    if (st->error[0]) {
        agent_job_err(err, errlen, "iperf3: %s", st->error);
        return -1;
    }
    if (st->reverse != rx || st->duration_s != job->runtime_ms / 1000u ||
        st->omit_s != job->warmup_ms / 1000u || st->blksize != job->bs) {
        agent_job_err(err, errlen,
                      "iperf3 ran another test than asked: reverse %d, %u s, omit %u s, "
                      "%u-byte writes",
                      (int)st->reverse, st->duration_s, st->omit_s, st->blksize);
        return -1;
    }
    if (st->recv_bytes == 0 || !(st->recv_s > 0)) {
        agent_job_err(err, errlen, "iperf3 moved no data in its measured interval");
        return -1;
    }
    res->job = job->id;
    res->engine = AGENT_ENGINE_IPERF3;
    res->net = true;
    snprintf(res->workload, sizeof(res->workload), "%s", job->workload);
    snprintf(res->device, sizeof(res->device), "%s", ifname);
    res->runtime_s = st->recv_s;
    res->bytes = st->recv_bytes;
    res->ops = (st->recv_bytes + job->bs - 1) / job->bs;
    res->ops_total = res->ops;
    res->bytes_total = rx ? st->recv_bytes : st->sent_bytes;
    return 0;
}

/* An error reason in iperf3's own words: what, then the non-empty lines of its stderr. */
static void agent_iperf3_error_text(const char *errtext, const char *what, char *err, size_t errlen)
{
    const char *p = errtext, *nl;
    size_t pos = 0;

    if (!err || errlen == 0) {
        return;
    }
    err[0] = '\0';
    agent_child_append(err, errlen, &pos, what, strlen(what));
    while (p && *p) {
        nl = strchr(p, '\n');
        agent_child_append(err, errlen, &pos, p, nl ? (size_t)(nl - p) : strlen(p));
        p = nl ? nl + 1 : NULL;
    }
}

int agent_iperf3_run(const struct agent_job *job, const char *ifname, struct agent_result *res,
                     char *err, size_t errlen)
{
    struct agent_child c;
    struct tool_argv *a = NULL;
    struct iperf3_job_stats st;
    char what[AGENT_REASON_MAX];
    uint64_t total_ms, end, measured_ms;
    int ret, status = -1;

    memset(&c, 0, sizeof(c));
    c.pid = c.out_fd = c.err_fd = -1;
    a = malloc(sizeof(*a));
    if (!a) {
        agent_job_err(err, errlen, "out of memory");
        return -ENOMEM;
    }
    if (agent_iperf3_build_argv(job, a, err, errlen) < 0) {
        ret = -EINVAL;
        goto out;
    }
    if (access(agent_iperf3_binary, X_OK) < 0) {
        ret = -errno;
        agent_job_err(err, errlen,
                      "no iperf3 in this guest (%s: %s): boot the image built with "
                      "scripts/build-guest --with-fio on a host with iperf3 (initramfs-fio.img)",
                      agent_iperf3_binary, strerror(errno));
        goto out;
    }
    total_ms = (uint64_t)job->runtime_ms + job->warmup_ms;
    ret = agent_child_init(&c, "iperf3", job->irq, AGENT_IPERF3_OUT_MAX,
                           2u * total_ms + agent_iperf3_margin_ms, err, errlen);
    if (ret < 0) {
        goto out;
    }
    ret = agent_child_start(&c, a->argv, err, errlen);
    if (ret < 0) {
        goto out;
    }
    ret = agent_child_collect(&c, &status, err, errlen);
    if (ret < 0) {
        goto out;
    }
    /* a parsed "error" says more than the exit status (3.12 exits 0 after one anyway) */
    if (iperf3_job_parse(c.out, c.out_len, &st, what, sizeof(what)) == 0 && st.error[0]) {
        snprintf(what, sizeof(what), "iperf3: %s", st.error);
        agent_iperf3_error_text(c.errtext, what, err, errlen);
        ret = -EIO;
        goto out;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        agent_child_status_text("iperf3", status, what, sizeof(what));
        agent_iperf3_error_text(c.errtext, what, err, errlen);
        ret = -EIO;
        goto out;
    }
    if (iperf3_job_parse(c.out, c.out_len, &st, what, sizeof(what)) < 0) {
        agent_iperf3_error_text(c.errtext, what, err, errlen);
        ret = -EPROTO;
        goto out;
    }
    if (agent_iperf3_result(job, &st, ifname, res, what, sizeof(what)) < 0) {
        agent_iperf3_error_text(c.errtext, what, err, errlen);
        ret = -EIO;
        goto out;
    }
    /* the guest's own side of the interval: its send (tcp_tx) or receive (tcp_rx) seconds */
    measured_ms = (uint64_t)((job->rw == AGENT_RW_TCP_RX ? st.recv_s : st.sent_s) * 1000.0);
    end = c.t_first_out_ms ? c.t_first_out_ms : agent_child_ms(CLOCK_REALTIME);
    agent_child_window(&c, end > measured_ms ? end - measured_ms : 0, end, (double)measured_ms,
                       res);
    ret = 0;
out:
    agent_child_free(&c);
    free(a);
    return ret;
}
