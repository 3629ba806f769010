/*
 * The harness's side of the network peer (peer.h): the host peer forked into the run's
 * network namespace, or a peer guest's channel taken over, and the check of a job's two
 * ends. The serving loop itself is common/peer_serve.c.
 */
#include "peer.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "registry.h"
#include "util.h"

#define PEER_START_TIMEOUT_S 5.0
#define PEER_CTL_TIMEOUT_S 5.0

/* ---- the harness's side ------------------------------------------------------------------- */

/* Read one line from the peer before deadline. 1 line, 0 timeout, -1 EOF/error. */
static int peer_read_line(struct peer *p, char *out, size_t outlen, double deadline)
{
    struct pollfd pf;
    double left;
    char *nl;
    ssize_t n;
    size_t len;

    for (;;) {
        nl = memchr(p->in, '\n', p->in_len);
        if (nl) {
            len = (size_t)(nl - p->in);
            snprintf(out, outlen, "%.*s", (int)len, p->in);
            memmove(p->in, nl + 1, p->in_len - len - 1);
            p->in_len -= len + 1;
            util_sanitize(out);
            return 1;
        }
        if (p->in_len == sizeof(p->in)) {
            p->in_len = 0; /* the peer is ours, but still: never an unbounded line */
            return -1;
        }
        left = deadline - util_now();
        pf = (struct pollfd){.fd = p->ctl, .events = POLLIN};
        if (left <= 0) {
            return 0;
        }
        if (poll(&pf, 1, (int)(left * 1000) + 1) < 0 && errno != EINTR) {
            return -1;
        }
        if (!pf.revents) {
            continue;
        }
        n = read(p->ctl, p->in + p->in_len, sizeof(p->in) - p->in_len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return -1;
        }
        p->in_len += (size_t)n;
    }
}

int peer_alive(struct peer *p)
{
    struct pollfd pf = {.fd = p->ctl, .events = POLLIN};
    char c;

    if (p->ctl < 0 || (p->pid <= 0 && !p->attached)) {
        return 0;
    }
    if (poll(&pf, 1, 0) <= 0) {
        return 1; /* nothing to read: open */
    }
    if (pf.revents & (POLLHUP | POLLERR | POLLNVAL)) {
        return 0;
    }
    return recv(p->ctl, &c, 1, MSG_PEEK | MSG_DONTWAIT) != 0;
}

const char *peer_who(const struct peer *p)
{
    return p->attached ? "peer guest" : "host peer";
}

static int peer_write(struct peer *p, const char *line)
{
    return p->ctl >= 0 ? peer_send_line(p->ctl, line) : -1;
}

/* Child side of peer_start; never returns. */
static void peer_child(int ctl, pid_t parent, const char *netns_path, const char *addr)
{
    char line[PEER_LINE_MAX];
    sigset_t none;
    int fd;

    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) {
        _exit(1);
    }
    /* Hold nothing of the harness (guests' control sockets, logs): only the channel. */
    if (ctl != 3) {
        if (dup2(ctl, 3) < 0) {
            _exit(1);
        }
        ctl = 3;
    }
    close_range(4, ~0u, 0);
    setpgid(0, 0); /* Ctrl-C reaches the harness, which stops the peer */
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
    signal(SIGPIPE, SIG_IGN);
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (netns_path) {
        fd = open(netns_path, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || setns(fd, CLONE_NEWNET) < 0) {
            snprintf(line, sizeof(line), "FAIL id=0 reason=cannot enter %s: %s\n", netns_path,
                     strerror(errno));
            peer_send_line(ctl, line);
            _exit(1);
        }
        close(fd);
    }
    peer_send_line(ctl, "READY id=0\n");
    _exit(peer_serve(ctl, addr) < 0 ? 1 : 0);
}

int peer_start(struct peer *p, const char *netns_path, const char *addr, char *err, size_t errlen)
{
    char line[PEER_LINE_MAX];
    pid_t parent = getpid(), pid;
    int sv[2], rc;

    memset(p, 0, sizeof(*p));
    p->ctl = -1;
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
        util_seterr(err, errlen, "socketpair: %s", strerror(errno));
        return -1;
    }
    pid = fork();
    if (pid < 0) {
        util_seterr(err, errlen, "fork: %s", strerror(errno));
        close(sv[0]);
        close(sv[1]);
        return -1;
    }
    if (pid == 0) {
        close(sv[0]);
        peer_child(sv[1], parent, netns_path, addr);
    }
    close(sv[1]);
    p->pid = pid;
    p->ctl = sv[0];
    if (registry_add_proc(pid) < 0) {
        log_warn("cannot register the host peer (pid %d): %s", (int)pid, strerror(errno));
    }
    rc = peer_read_line(p, line, sizeof(line), util_now() + PEER_START_TIMEOUT_S);
    if (rc == 1 && strcmp(line, "READY id=0") == 0) {
        return 0;
    }
    if (rc == 1 && peer_word(line, "FAIL")) {
        const char *why = strstr(line, "reason=");
        util_seterr(err, errlen, "host peer: %s", why ? why + 7 : line);
    } else {
        util_seterr(err, errlen, "host peer did not start (%s)",
                    rc == 0 ? "no answer in 5 s" : "it exited");
    }
    peer_stop(p);
    return -1;
}

int peer_attach(struct peer *p, int fd, const char *pending, size_t len, char *err,
                size_t errlen)
{
    char line[PEER_LINE_MAX];
    int rc;

    memset(p, 0, sizeof(*p));
    p->ctl = fd;
    p->attached = 1;
    p->in_len = len < sizeof(p->in) ? len : sizeof(p->in);
    if (p->in_len) {
        memcpy(p->in, pending, p->in_len);
    }
    rc = peer_read_line(p, line, sizeof(line), util_now() + PEER_START_TIMEOUT_S);
    if (rc == 1 && strcmp(line, "READY id=0") == 0) {
        return 0;
    }
    util_seterr(err, errlen, "peer guest: %s",
                rc == 1 ? line : rc == 0 ? "no READY in 5 s" : "its channel closed");
    p->ctl = -1;
    p->attached = 0;
    return -1;
}

int peer_job_begin(struct peer *p, const struct peer_job *j, char *err, size_t errlen)
{
    char line[PEER_LINE_MAX];
    struct peer_report rep;
    int rc;

    if ((p->pid <= 0 && !p->attached) || p->ctl < 0) {
        util_seterr(err, errlen, "the peer is not running");
        return -1;
    }
    if (p->open_id) {
        peer_job_abort(p);
    }
    if (peer_format_job(line, sizeof(line), j) < 0 || peer_write(p, line) < 0) {
        util_seterr(err, errlen, "cannot send the job to the %s: %s", peer_who(p), strerror(errno));
        return -1;
    }
    p->open_id = j->id;
    for (;;) {
        rc = peer_read_line(p, line, sizeof(line), util_now() + PEER_CTL_TIMEOUT_S);
        if (rc <= 0) {
            util_seterr(err, errlen, "the %s %s", peer_who(p),
                        rc == 0 ? "did not get ready in 5 s" : "is gone");
            p->open_id = 0;
            return -1;
        }
        if (peer_word(line, "READY")) {
            unsigned id = 0;

            if (peer_uint(line, "id", UINT32_MAX, &id) == 0 && id == j->id) {
                return 0;
            }
            continue; /* an older line */
        }
        if (peer_parse_report(line, &rep, NULL, 0) == 0 && rep.id == j->id && !rep.ok) {
            util_seterr(err, errlen, "%s: %s", peer_who(p), rep.reason);
            p->open_id = 0;
            return -1;
        }
    }
}

/* Send END or ABORT for the open job and read its report. 0, or -1 with err. */
static int peer_finish(struct peer *p, const char *verb, struct peer_report *r, double timeout_s,
                       char *err, size_t errlen)
{
    char line[PEER_LINE_MAX], perr[128];
    unsigned id = p->open_id;
    double deadline;
    int rc;

    if (!id) {
        util_seterr(err, errlen, "no job open at the %s", peer_who(p));
        return -1;
    }
    p->open_id = 0;
    snprintf(line, sizeof(line), "%s id=%u\n", verb, id);
    if (peer_write(p, line) < 0) {
        util_seterr(err, errlen, "the %s is gone", peer_who(p));
        return -1;
    }
    deadline = util_now() + timeout_s;
    for (;;) {
        rc = peer_read_line(p, line, sizeof(line), deadline);
        if (rc <= 0) {
            util_seterr(err, errlen, "the %s %s", peer_who(p),
                        rc == 0 ? "did not report in time" : "is gone");
            return -1;
        }
        if (peer_parse_report(line, r, perr, sizeof(perr)) < 0) {
            continue; /* READY of an aborted begin, or noise */
        }
        if (r->id == id) {
            return 0;
        }
    }
}

int peer_job_end(struct peer *p, struct peer_report *r, double timeout_s, char *err, size_t errlen)
{
    return peer_finish(p, "END", r, timeout_s, err, errlen);
}

void peer_job_abort(struct peer *p)
{
    struct peer_report r;
    char err[128];

    if (p->open_id && peer_finish(p, "ABORT", &r, PEER_CTL_TIMEOUT_S, err, sizeof(err)) < 0) {
        log_warn("%s", err);
    }
}

void peer_stop(struct peer *p)
{
    char id[32];
    double until;
    int status;

    if (p->pid > 0) {
        peer_write(p, "QUIT\n");
        until = util_now() + 2.0;
        while (waitpid(p->pid, &status, WNOHANG) == 0) {
            if (util_now() >= until) {
                kill(p->pid, SIGKILL);
                waitpid(p->pid, &status, 0);
                break;
            }
            usleep(10000);
        }
        snprintf(id, sizeof(id), "%d", (int)p->pid);
        registry_forget(REG_PROC, id);
        p->pid = 0;
    }
    if (p->attached && p->ctl >= 0) {
        peer_write(p, "QUIT\n"); /* the agent powers its guest off; the fd is the caller's */
        p->ctl = -1;
    }
    if (p->ctl >= 0) {
        close(p->ctl);
        p->ctl = -1;
    }
    p->attached = 0;
    p->open_id = 0;
}

/* ---- checks and metrics ------------------------------------------------------------------- */

int peer_check(enum pvb_net_workload w, const struct agent_result *a, const struct peer_report *p,
               char *err, size_t errlen)
{
    unsigned long long sent, got;

    switch (w) {
    case PVB_NET_TCP_TX:
        sent = a->bytes_total;
        got = p->total_bytes;
        if (sent != got) {
            util_seterr(err, errlen, "the guest says it sent %llu bytes, the peer received %llu",
                        sent, got);
            return -1;
        }
        break;
    case PVB_NET_TCP_RX:
        sent = p->total_bytes;
        got = a->bytes_total;
        if (sent != got) {
            util_seterr(err, errlen, "the peer sent %llu bytes, the guest says it received %llu",
                        sent, got);
            return -1;
        }
        break;
    case PVB_NET_TCP_RR:
        if (a->ops_total != p->total_packets) {
            util_seterr(err, errlen,
                        "the guest says it made %llu transactions, the peer answered %llu",
                        (unsigned long long)a->ops_total, (unsigned long long)p->total_packets);
            return -1;
        }
        break;
    case PVB_NET_UDP_PPS:
        if (p->total_packets > a->ops_total || p->max_seq > a->ops_total) {
            util_seterr(err, errlen,
                        "the peer received %llu datagrams (numbers up to %llu), the guest says "
                        "it sent %llu",
                        (unsigned long long)p->total_packets, (unsigned long long)p->max_seq,
                        (unsigned long long)a->ops_total);
            return -1;
        }
        break;
    default:
        util_seterr(err, errlen, "unknown network workload");
        return -1;
    }
    if ((w == PVB_NET_TCP_TX || w == PVB_NET_UDP_PPS) && !(p->window_s > 0)) {
        util_seterr(err, errlen, "the peer's measured interval is empty");
        return -1;
    }
    if ((w == PVB_NET_TCP_TX || w == PVB_NET_UDP_PPS) && p->window_packets == 0) {
        util_seterr(err, errlen, "the peer received nothing in its measured interval");
        return -1;
    }
    return 0;
}
