/*
 * Network workloads against the host peer, and the set-up of the guest's
 * interface under test. The wire rules (hello, stop, datagram header, who owns
 * the measured interval) are in protocol.h, "Network workloads".
 *
 * Phases are those of the block engine (agent_meter.c): warm-up, measured
 * interval, tail. The agent's interval starts at its first payload sent (tcp_tx,
 * tcp_rr, udp_pps) or received (tcp_rx) and ends runtime_ms later, at the
 * timestamp of an operation; /proc/stat and /proc/interrupts are read right
 * there. A sender goes on past its own interval until the receiver (the peer)
 * says stop, so the receiver's interval is always full of traffic.
 *
 * Every wait has a deadline: the job's whole life is bounded by
 * (warm-up + runtime) x 1.2 + AGENT_NET_SLACK_MS, which is shorter than what the
 * harness waits for a result, so a peer that never answers ends as an ERROR line
 * (the job fails, the guest stays usable) and never as a silent guest.
 */
#include "agent.h"
#include "agent_stall.h"
#include "hist.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifdef PVB_AGENT_TEST
#define AGENT_NET_SLACK_MS 1500u /* host tests: a refused peer fails fast */
#else
#define AGENT_NET_SLACK_MS 8000u
#endif
#define AGENT_NET_RXBUF (256u * 1024)
#define AGENT_NET_UDP_BATCH 32
/* A sender looks for the receiver's stop byte at least this often (in sends). */
#define AGENT_NET_STOP_CHECK 64u
#define AGENT_NET_HELLO_RETRY_MS 100

struct agent_net {
    const struct agent_job *job;
    int fd;
    uint64_t t_deadline;
    bool started;         /* first payload moved: the phases run */
    struct agent_meter m; /* phases, counters, error reason */
    uint64_t bytes_total;
    char *buf;
    size_t buflen;
};

static void AGENT_PRINTF(2, 3) agent_net_err(struct agent_net *n, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(n->m.err, n->m.errlen, fmt, ap);
    va_end(ap);
}

/* Milliseconds left until the job's deadline (0 when passed), for poll(). */
static int agent_net_left_ms(const struct agent_net *n, uint64_t now)
{
    uint64_t left = n->t_deadline > now ? n->t_deadline - now : 0;

    return (int)(left / 1000000u) + (left ? 1 : 0);
}

/* ---- interface set-up -------------------------------------------------------------------- */

static int agent_net_ioctl_addr(int s, const char *ifname, unsigned long req, const char *addr)
{
    struct sockaddr_in *sin;
    struct ifreq ifr;

    memset(&ifr, 0, sizeof(ifr));
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
    sin = (struct sockaddr_in *)(void *)&ifr.ifr_addr;
    sin->sin_family = AF_INET;
    if (inet_pton(AF_INET, addr, &sin->sin_addr) != 1) {
        return -EINVAL;
    }
    return ioctl(s, req, &ifr) < 0 ? -errno : 0;
}

static int agent_net_ioctl_up(int s, const char *ifname)
{
    struct ifreq ifr;

    memset(&ifr, 0, sizeof(ifr));
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
    if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0) {
        return -errno;
    }
    ifr.ifr_flags |= IFF_UP;
    return ioctl(s, SIOCSIFFLAGS, &ifr) < 0 ? -errno : 0;
}

/* No IPv6 on the test network: no solicitations, DAD or MLD between the two ends. */
static void agent_net_no_ipv6(const char *ifname)
{
    char path[128];
    int fd;

    snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6", ifname);
    fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd >= 0) {
        if (write(fd, "1\n", 2) < 0) {
            /* IPv6 stays on: harmless, only a little noise on the link */
        }
        close(fd);
    }
}

/* Address, netmask, up. Returns 0 or -errno with what failed in *what. */
static int agent_net_config_if(int s, const char *ifname, const char *addr, const char *mask,
                               const char **what)
{
    int ret;

    *what = "SIOCSIFADDR";
    ret = agent_net_ioctl_addr(s, ifname, SIOCSIFADDR, addr);
    if (ret == 0) {
        *what = "SIOCSIFNETMASK";
        ret = agent_net_ioctl_addr(s, ifname, SIOCSIFNETMASK, mask);
    }
    if (ret == 0) {
        *what = "SIOCSIFFLAGS";
        ret = agent_net_ioctl_up(s, ifname);
    }
    return ret;
}

int agent_net_setup(const char *ifname, const char *addr, char *err, size_t errlen)
{
    const char *what = "";
    char mask[16];
    uint32_t m;
    int s, ret;

    if (!ifname || !*ifname || strlen(ifname) >= IFNAMSIZ) {
        snprintf(err, errlen, "bad interface name");
        return -EINVAL;
    }
    m = PVB_NET_PREFIX ? ~0u << (32 - PVB_NET_PREFIX) : 0;
    snprintf(mask, sizeof(mask), "%u.%u.%u.%u", m >> 24, (m >> 16) & 255, (m >> 8) & 255, m & 255);
    s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0) {
        ret = -errno;
        snprintf(err, errlen, "socket: %s", strerror(-ret));
        return ret;
    }
    agent_net_no_ipv6("lo");
    ret = agent_net_config_if(s, "lo", "127.0.0.1", "255.0.0.0", &what);
    if (ret < 0) {
        snprintf(err, errlen, "lo: %s: %s", what, strerror(-ret));
        goto out;
    }
    agent_net_no_ipv6(ifname);
    ret = agent_net_config_if(s, ifname, addr ? addr : PVB_NET_GUEST_ADDR, mask, &what);
    if (ret < 0) {
        snprintf(err, errlen, "%s: %s: %s", ifname, what, strerror(-ret));
    }
out:
    close(s);
    return ret;
}

int agent_net_channels(const char *ifname, char *err, size_t errlen)
{
    struct ethtool_channels ch;
    struct ifreq ifr;
    int s, ret = 0;

    s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0) {
        ret = -errno;
        snprintf(err, errlen, "socket: %s", strerror(-ret));
        return ret;
    }
    memset(&ifr, 0, sizeof(ifr));
    memset(&ch, 0, sizeof(ch));
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
    ifr.ifr_data = (char *)&ch;
    ch.cmd = ETHTOOL_GCHANNELS;
    if (ioctl(s, SIOCETHTOOL, &ifr) < 0) {
        /* rtl8139, e1000: no channels, one queue pair */
        ret = errno == EOPNOTSUPP ? 0 : -errno;
        if (ret < 0) {
            snprintf(err, errlen, "%s: ETHTOOL_GCHANNELS: %s", ifname, strerror(-ret));
        }
        goto out;
    }
    if (ch.max_combined > ch.combined_count) {
        ch.cmd = ETHTOOL_SCHANNELS;
        ch.combined_count = ch.max_combined;
        if (ioctl(s, SIOCETHTOOL, &ifr) < 0) {
            ret = -errno;
            snprintf(err, errlen, "%s: ETHTOOL_SCHANNELS combined %u: %s", ifname, ch.max_combined,
                     strerror(-ret));
        }
    }
out:
    close(s);
    return ret;
}

int agent_net_wait_carrier(const char *ifname, unsigned timeout_ms)
{
    struct timespec step = {0, 20 * 1000 * 1000};
    char path[128], buf[16];
    unsigned waited = 0;
    int ret;

    snprintf(path, sizeof(path), "/sys/class/net/%s/carrier", ifname);
    for (;;) {
        ret = procstat_read_file(path, buf, sizeof(buf));
        if (ret > 0 && buf[0] == '1') {
            return 0;
        }
        if (waited >= timeout_ms) {
            return ret < 0 && ret != -EINVAL ? ret : -ETIMEDOUT;
        }
        nanosleep(&step, NULL);
        waited += 20;
    }
}

/* ---- phases and counters ----------------------------------------------------------------- */

/* The first payload moved at now: the warm-up starts. */
static int agent_net_first(struct agent_net *n, uint64_t now)
{
    n->started = true;
    return agent_meter_start(&n->m, now);
}

/* Phase changes at now. Returns 0 or -errno. */
static inline int agent_net_tick(struct agent_net *n, uint64_t now)
{
    if (!n->started) {
        return 0;
    }
    return agent_meter_tick(&n->m, now);
}

/* One operation of len payload bytes completed at now (latency lat_ns, 0: none). */
static inline int agent_net_account(struct agent_net *n, uint64_t len, uint64_t now,
                                    uint64_t lat_ns)
{
    int ret = 0;

    if (!n->started) {
        ret = agent_net_first(n, now);
        if (ret < 0) {
            return ret;
        }
    }
    n->m.ops_total++;
    n->bytes_total += len;
    if (n->m.phase == AGENT_PHASE_MEASURE) {
        n->m.ops++;
        n->m.bytes += len;
        if (lat_ns) {
            hist_add(n->m.hist, lat_ns);
        }
    }
    return agent_net_tick(n, now);
}

/* ---- sockets ----------------------------------------------------------------------------- */

static int agent_net_errno_msg(struct agent_net *n, int e, const char *what)
{
    if (e == ECONNRESET || e == EPIPE) {
        agent_net_err(n, "%s: the peer reset the connection", what);
    } else if (e == ETIMEDOUT || e == EAGAIN) {
        agent_net_err(n, "%s: no progress before the job's deadline", what);
    } else {
        agent_net_err(n, "%s: %s", what, strerror(e));
    }
    return -e;
}

/* Wait for events on fd until the deadline. >0 revents, or -errno with the reason set. */
static int agent_net_poll(struct agent_net *n, short events, const char *what)
{
    struct pollfd p = {.fd = n->fd, .events = events};
    int r, left;

    for (;;) {
        left = agent_net_left_ms(n, agent_meter_now());
        if (left <= 0) {
            return agent_net_errno_msg(n, ETIMEDOUT, what);
        }
        r = poll(&p, 1, left);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r < 0) {
            return agent_net_errno_msg(n, errno, what);
        }
        if (r > 0) {
            return p.revents;
        }
    }
}

static void agent_net_peer_addr(const struct agent_net *n, struct sockaddr_in *sa)
{
    memset(sa, 0, sizeof(*sa));
    sa->sin_family = AF_INET;
    sa->sin_port = htons((uint16_t)n->job->port);
    inet_pton(AF_INET, n->job->peer, &sa->sin_addr);
}

/*
 * Connect a TCP socket to the peer, retrying while it refuses (not listening
 * yet) until the deadline. The socket is left non-blocking. 0 or -errno.
 */
static int agent_net_connect(struct agent_net *n)
{
    struct sockaddr_in sa;
    socklen_t sl;
    int one = 1, soerr, r, refused = 0;

    agent_net_peer_addr(n, &sa);
    for (;;) {
        n->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (n->fd < 0) {
            return agent_net_errno_msg(n, errno, "socket");
        }
        /* Request/response wants each 1-byte message sent at once; the streams keep Nagle,
         * as iperf3 does, so a short non-blocking send does not go out as a small segment. */
        if (n->job->rw == AGENT_RW_TCP_RR &&
            setsockopt(n->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) < 0) {
            return agent_net_errno_msg(n, errno, "TCP_NODELAY");
        }
        soerr = 0;
        if (connect(n->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
            if (errno != EINPROGRESS) {
                soerr = errno;
            } else {
                r = agent_net_poll(n, POLLOUT, "connect to the peer");
                if (r < 0) {
                    if (refused) {
                        agent_net_err(n, "connect to %s:%u: refused (no peer listening)",
                                      n->job->peer, n->job->port);
                    }
                    return r;
                }
                sl = sizeof(soerr);
                getsockopt(n->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
            }
        }
        if (soerr == 0) {
            return 0;
        }
        close(n->fd);
        n->fd = -1;
        refused += soerr == ECONNREFUSED;
        if (soerr != ECONNREFUSED || agent_net_left_ms(n, agent_meter_now()) <= 50) {
            agent_net_err(n, "connect to %s:%u: %s", n->job->peer, n->job->port,
                          soerr == ECONNREFUSED ? "refused (no peer listening)" : strerror(soerr));
            return -soerr;
        }
        usleep(50 * 1000);
    }
}

/* Send all of buf on the non-blocking socket before the deadline. 0 or -errno. */
static int agent_net_send_all(struct agent_net *n, const void *buf, size_t len, const char *what)
{
    const char *p = buf;
    ssize_t w;
    int r;

    while (len > 0) {
        w = send(n->fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w > 0) {
            p += w;
            len -= (size_t)w;
            continue;
        }
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w < 0 && errno != EAGAIN) {
            return agent_net_errno_msg(n, errno, what);
        }
        r = agent_net_poll(n, POLLOUT, what);
        if (r < 0) {
            return r;
        }
    }
    return 0;
}

static void agent_net_put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

static uint32_t agent_net_get32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void agent_net_put64(unsigned char *p, uint64_t v)
{
    agent_net_put32(p, (uint32_t)(v >> 32));
    agent_net_put32(p + 4, (uint32_t)v);
}

static uint64_t agent_net_get64(const unsigned char *p)
{
    return (uint64_t)agent_net_get32(p) << 32 | agent_net_get32(p + 4);
}

static uint32_t agent_net_wire_workload(enum agent_rw rw)
{
    switch (rw) {
    case AGENT_RW_TCP_TX:
        return PVB_NET_TCP_TX;
    case AGENT_RW_TCP_RX:
        return PVB_NET_TCP_RX;
    case AGENT_RW_TCP_RR:
        return PVB_NET_TCP_RR;
    default:
        return PVB_NET_UDP_PPS;
    }
}

static int agent_net_hello(struct agent_net *n)
{
    unsigned char h[PVB_NET_HELLO_LEN];

    agent_net_put32(h, PVB_NET_MAGIC);
    agent_net_put32(h + 4, n->job->id);
    agent_net_put32(h + 8, agent_net_wire_workload(n->job->rw));
    agent_net_put32(h + 12, n->job->bs);
    return agent_net_send_all(n, h, sizeof(h), "send hello");
}

/* After shutting down our side: read until the peer closes. 0 or -errno. */
static int agent_net_wait_close(struct agent_net *n)
{
    char tmp[4096];
    ssize_t r;
    int ret;

    for (;;) {
        r = recv(n->fd, tmp, sizeof(tmp), MSG_DONTWAIT);
        if (r == 0) {
            return 0;
        }
        if (r > 0 || (r < 0 && errno == EINTR)) {
            continue;
        }
        if (errno != EAGAIN) {
            return agent_net_errno_msg(n, errno, "wait for the peer to close");
        }
        ret = agent_net_poll(n, POLLIN, "wait for the peer to close");
        if (ret < 0) {
            return ret;
        }
    }
}

/* ---- workloads --------------------------------------------------------------------------- */

/* Has the receiver sent its stop byte? 1 yes, 0 not yet, -errno on error or early close. */
static int agent_net_stop_seen(struct agent_net *n)
{
    char c;
    ssize_t r = recv(n->fd, &c, 1, MSG_DONTWAIT);

    if (r == 1) {
        if (c != PVB_NET_STOP) {
            agent_net_err(n, "the peer sent 0x%02x instead of its stop byte", (unsigned char)c);
            return -EPROTO;
        }
        return 1;
    }
    if (r == 0) {
        agent_net_err(n, "the peer closed the connection before the end of the measurement");
        return -ECONNRESET;
    }
    if (errno == EAGAIN || errno == EINTR) {
        return 0;
    }
    return agent_net_errno_msg(n, errno, "stream to the peer");
}

/*
 * The receiver said stop at now. Normally the agent's own interval is over by
 * then (the receiver's starts later); if the clocks disagree, it ends here.
 */
static int agent_net_stopped(struct agent_net *n, uint64_t now)
{
    if (n->started && n->m.phase == AGENT_PHASE_MEASURE) {
        return agent_meter_end(&n->m, now);
    }
    if (!n->started || n->m.phase != AGENT_PHASE_AFTER) {
        agent_net_err(n, "the peer said stop during the agent's warm-up");
        return -EPROTO;
    }
    return 0;
}

/* tcp_tx: write bs-byte chunks until the peer says stop. */
static int agent_net_tcp_tx(struct agent_net *n)
{
    unsigned since_check = 0;
    uint64_t now;
    ssize_t w;
    int ret = 0, rev;

    while (ret == 0) {
        w = send(n->fd, n->buf, n->job->bs, MSG_NOSIGNAL | MSG_DONTWAIT);
        now = agent_meter_now();
        if (w > 0) {
            ret = agent_net_account(n, (uint64_t)w, now, 0);
            if (ret < 0) {
                return ret;
            }
            if (++since_check < AGENT_NET_STOP_CHECK && n->m.phase != AGENT_PHASE_AFTER) {
                continue;
            }
            since_check = 0;
            ret = agent_net_stop_seen(n);
            if (ret == 0 && now >= n->t_deadline) {
                return agent_net_errno_msg(n, ETIMEDOUT, "wait for the peer's stop");
            }
            continue;
        }
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w < 0 && errno != EAGAIN) {
            return agent_net_errno_msg(n, errno, "stream to the peer");
        }
        rev = agent_net_poll(n, POLLOUT | POLLIN, "stream to the peer");
        if (rev < 0) {
            return rev;
        }
        if (rev & (POLLIN | POLLERR | POLLHUP)) {
            ret = agent_net_stop_seen(n);
        }
        if (ret == 0) {
            ret = agent_net_tick(n, agent_meter_now());
        }
    }
    if (ret < 0) {
        return ret;
    }
    ret = agent_net_stopped(n, agent_meter_now());
    if (ret < 0) {
        return ret;
    }
    if (shutdown(n->fd, SHUT_WR) < 0) {
        return agent_net_errno_msg(n, errno, "shutdown");
    }
    return agent_net_wait_close(n);
}

/* tcp_rx: count what the peer sends; say stop after the interval; read to the end. */
static int agent_net_tcp_rx(struct agent_net *n)
{
    const char stop = PVB_NET_STOP;
    bool stopped = false;
    uint64_t now;
    ssize_t r;
    int ret;

    for (;;) {
        r = recv(n->fd, n->buf, n->buflen, MSG_DONTWAIT);
        now = agent_meter_now();
        if (r > 0) {
            ret = agent_net_account(n, (uint64_t)r, now, 0);
        } else if (r == 0) {
            if (!stopped) {
                agent_net_err(n, "the peer closed the stream before the end of the measurement");
                return -ECONNRESET;
            }
            return 0;
        } else if (errno == EINTR) {
            continue;
        } else if (errno != EAGAIN) {
            return agent_net_errno_msg(n, errno, "stream from the peer");
        } else {
            ret = agent_net_tick(n, now);
        }
        if (ret < 0) {
            return ret;
        }
        if (!stopped && n->started && n->m.phase == AGENT_PHASE_AFTER) {
            ret = agent_net_send_all(n, &stop, 1, "send stop");
            if (ret < 0) {
                return ret;
            }
            stopped = true;
        }
        if (r < 0) {
            ret = agent_net_poll(n, POLLIN, "stream from the peer");
            if (ret < 0) {
                return ret;
            }
        }
    }
}

/* Blocking I/O with a timeout for the request/response loop. */
static int agent_net_blocking(struct agent_net *n)
{
    struct timeval tv;
    int fl, left = agent_net_left_ms(n, agent_meter_now());

    tv.tv_sec = left / 1000;
    tv.tv_usec = (left % 1000) * 1000;
    fl = fcntl(n->fd, F_GETFL);
    if (fl < 0 || fcntl(n->fd, F_SETFL, fl & ~O_NONBLOCK) < 0 ||
        setsockopt(n->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
        setsockopt(n->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0) {
        return agent_net_errno_msg(n, errno, "socket options");
    }
    return 0;
}

/* tcp_rr: bs-byte request, bs-byte response, one at a time. */
static int agent_net_tcp_rr(struct agent_net *n)
{
    size_t bs = n->job->bs, got;
    uint64_t t1, t2;
    ssize_t r;
    int ret;

    ret = agent_net_blocking(n);
    if (ret < 0) {
        return ret;
    }
    while (!(n->started && n->m.phase == AGENT_PHASE_AFTER)) {
        t1 = agent_meter_now();
        for (got = 0; got < bs; got += (size_t)r) {
            r = send(n->fd, n->buf + got, bs - got, MSG_NOSIGNAL);
            if (r <= 0) {
                if (r < 0 && errno == EINTR) {
                    r = 0;
                    continue;
                }
                return agent_net_errno_msg(n, r < 0 ? errno : EIO, "request");
            }
        }
        for (got = 0; got < bs; got += (size_t)r) {
            r = recv(n->fd, n->buf + got, bs - got, 0);
            if (r <= 0) {
                if (r < 0 && errno == EINTR) {
                    r = 0;
                    continue;
                }
                if (r == 0) {
                    agent_net_err(n, "the peer closed the connection in the middle of a "
                                     "transaction");
                    return -ECONNRESET;
                }
                return agent_net_errno_msg(n, errno, "response");
            }
        }
        t2 = agent_meter_now();
        ret = agent_net_account(n, bs, t2, t2 > t1 ? t2 - t1 : 1);
        if (ret < 0) {
            return ret;
        }
        if (t2 >= n->t_deadline) {
            return agent_net_errno_msg(n, ETIMEDOUT, "transactions");
        }
    }
    if (shutdown(n->fd, SHUT_WR) < 0) {
        return agent_net_errno_msg(n, errno, "shutdown");
    }
    fcntl(n->fd, F_SETFL, fcntl(n->fd, F_GETFL) | O_NONBLOCK);
    return agent_net_wait_close(n);
}

/* A datagram from the peer with our header and this sequence number? */
static bool agent_net_udp_is(const struct agent_net *n, const unsigned char *p, ssize_t len,
                             uint64_t seq)
{
    return len >= PVB_NET_UDP_HDR && agent_net_get32(p) == PVB_NET_MAGIC &&
           agent_net_get32(p + 4) == n->job->id && agent_net_get64(p + 8) == seq;
}

/* Hello until the peer echoes it: the peer listens and both ends know each other's MAC. */
static int agent_net_udp_hello(struct agent_net *n)
{
    unsigned char h[PVB_NET_UDP_HDR], in[64];
    struct pollfd p = {.fd = n->fd, .events = POLLIN};
    uint64_t next = 0, now;
    ssize_t r;

    agent_net_put32(h, PVB_NET_MAGIC);
    agent_net_put32(h + 4, n->job->id);
    agent_net_put64(h + 8, PVB_NET_SEQ_HELLO);
    for (;;) {
        now = agent_meter_now();
        if (now >= n->t_deadline) {
            agent_net_err(n, "no answer from the peer %s:%u to the UDP hello", n->job->peer,
                          n->job->port);
            return -ETIMEDOUT;
        }
        if (now >= next) {
            /* ECONNREFUSED: the peer's port is not open yet; try again. */
            if (send(n->fd, h, sizeof(h), MSG_DONTWAIT) < 0 && errno != ECONNREFUSED &&
                errno != EAGAIN) {
                return agent_net_errno_msg(n, errno, "UDP hello");
            }
            next = now + AGENT_NET_HELLO_RETRY_MS * 1000000ull;
        }
        if (poll(&p, 1, AGENT_NET_HELLO_RETRY_MS) <= 0) {
            continue;
        }
        r = recv(n->fd, in, sizeof(in), MSG_DONTWAIT);
        if (r < 0 && errno != EAGAIN && errno != EINTR && errno != ECONNREFUSED) {
            return agent_net_errno_msg(n, errno, "UDP hello");
        }
        if (agent_net_udp_is(n, in, r, PVB_NET_SEQ_HELLO)) {
            return 0;
        }
    }
}

/* udp_pps: numbered datagrams in batches until the peer's stop datagram. */
static int agent_net_udp_pps(struct agent_net *n)
{
    struct mmsghdr msgs[AGENT_NET_UDP_BATCH];
    struct iovec iov[AGENT_NET_UDP_BATCH];
    unsigned char in[64];
    size_t bs = n->job->bs;
    uint64_t seq = 0, now;
    struct timeval tv = {1, 0};
    int sent, i, ret;
    ssize_t r;

    ret = agent_net_udp_hello(n);
    if (ret < 0) {
        return ret;
    }
    /* Blocking sends (the send buffer paces the sender), never longer than 1 s each. */
    if (fcntl(n->fd, F_SETFL, fcntl(n->fd, F_GETFL) & ~O_NONBLOCK) < 0 ||
        setsockopt(n->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0) {
        return agent_net_errno_msg(n, errno, "socket options");
    }
    memset(msgs, 0, sizeof(msgs));
    for (i = 0; i < AGENT_NET_UDP_BATCH; i++) {
        iov[i].iov_base = n->buf + (size_t)i * bs;
        iov[i].iov_len = bs;
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
        agent_net_put32(iov[i].iov_base, PVB_NET_MAGIC);
        agent_net_put32((unsigned char *)iov[i].iov_base + 4, n->job->id);
    }
    for (;;) {
        for (i = 0; i < AGENT_NET_UDP_BATCH; i++) {
            agent_net_put64((unsigned char *)iov[i].iov_base + 8, seq + (uint64_t)i);
        }
        sent = sendmmsg(n->fd, msgs, AGENT_NET_UDP_BATCH, 0);
        now = agent_meter_now();
        if (sent < 0) {
            if (errno != EINTR && errno != EAGAIN && errno != ENOBUFS) {
                return agent_net_errno_msg(n, errno == ECONNREFUSED ? ECONNRESET : errno,
                                           "datagrams to the peer");
            }
            sent = 0;
        }
        for (i = 0; i < sent; i++) {
            ret = agent_net_account(n, bs, now, 0);
            if (ret < 0) {
                return ret;
            }
        }
        seq += (uint64_t)sent;
        if (sent == 0) {
            ret = agent_net_tick(n, now);
            if (ret < 0) {
                return ret;
            }
        }
        for (;;) {
            r = recv(n->fd, in, sizeof(in), MSG_DONTWAIT);
            if (r < 0) {
                break;
            }
            if (agent_net_udp_is(n, in, r, PVB_NET_SEQ_STOP)) {
                return agent_net_stopped(n, now);
            }
        }
        if (now >= n->t_deadline) {
            return agent_net_errno_msg(n, ETIMEDOUT, "wait for the peer's stop");
        }
    }
}

/* ---- the job ----------------------------------------------------------------------------- */

/* Set up stream idx of the job (0 when one): deadline, buffers, meter. 0 or -errno. */
static int agent_net_setup_one(struct agent_net *n, const struct agent_job *job, unsigned idx,
                               char *err, size_t errlen)
{
    uint64_t life_ms;
    size_t i;

    memset(n, 0, sizeof(*n));
    n->job = job;
    n->fd = -1;
    n->m.job = job;
    n->m.err = err;
    n->m.errlen = errlen;
    n->m.no_counters = idx > 0;
    life_ms = ((uint64_t)job->warmup_ms + job->runtime_ms) * 12 / 10 + AGENT_NET_SLACK_MS;
    n->t_deadline = agent_meter_now() + life_ms * 1000000u;
    n->m.hist = malloc(sizeof(*n->m.hist));
    n->buflen = job->bs > AGENT_NET_RXBUF ? job->bs : AGENT_NET_RXBUF;
    if (job->rw == AGENT_RW_UDP_PPS) {
        n->buflen = (size_t)job->bs * AGENT_NET_UDP_BATCH;
    }
    n->buf = malloc(n->buflen);
    if (!n->m.hist || !n->buf) {
        agent_net_err(n, "out of memory");
        return -ENOMEM;
    }
    hist_init(n->m.hist);
    /* Payload that is not all zeroes: nothing on the path may compress or skip it. */
    for (i = 0; i < n->buflen; i++) {
        n->buf[i] = (char)(i * 131u + 7u);
    }
    return 0;
}

/* Connect (or open the datagram socket) and run the workload to its end. 0 or -errno. */
static int agent_net_go(struct agent_net *n)
{
    const struct agent_job *job = n->job;
    struct sockaddr_in sa;
    int ret;

    if (job->rw == AGENT_RW_UDP_PPS) {
        n->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        agent_net_peer_addr(n, &sa);
        if (n->fd < 0 || connect(n->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
            return agent_net_errno_msg(n, errno, "UDP socket");
        }
        ret = agent_net_udp_pps(n);
    } else {
        ret = agent_net_connect(n);
        if (ret == 0) {
            ret = agent_net_hello(n);
        }
        if (ret == 0) {
            switch (job->rw) {
            case AGENT_RW_TCP_TX:
                ret = agent_net_tcp_tx(n);
                break;
            case AGENT_RW_TCP_RX:
                ret = agent_net_tcp_rx(n);
                break;
            case AGENT_RW_TCP_RR:
                ret = agent_net_tcp_rr(n);
                break;
            default:
                agent_net_err(n, "rw=%s is not a network workload", agent_job_rw_name(job->rw));
                ret = -EINVAL;
                break;
            }
        }
    }
    if (ret == 0 && n->m.phase != AGENT_PHASE_AFTER) {
        agent_net_err(n, "the measured interval did not complete");
        ret = -EPROTO;
    }
    return ret;
}

static void agent_net_free(struct agent_net *n)
{
    if (n->fd >= 0) {
        close(n->fd);
    }
    free(n->buf);
    free(n->m.hist);
}

/* streams: one connection on a thread of its own, on vCPU idx modulo the guest's vCPUs. */
struct agent_net_stream {
    struct agent_net n;
    unsigned idx;
    int ret;
    char err[AGENT_REASON_MAX];
};

static void *agent_net_thread(void *arg)
{
    struct agent_net_stream *s = arg;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    cpu_set_t set;

    agent_stall_slot(s->idx);
    if (ncpu > 1) {
        CPU_ZERO(&set);
        CPU_SET((int)(s->idx % (unsigned long)ncpu), &set);
        (void)sched_setaffinity(0, sizeof(set), &set); /* a hint: unpinned still measures */
    }
    s->ret = agent_net_go(&s->n);
    agent_stall_done();
    return NULL;
}

/*
 * streams > 1: every connection set up, then all started; the peer accepts all of them
 * before any payload moves (protocol.h). Throughput summed (the rate is the sum of each
 * stream's bytes over its own interval), latency from the merged histograms, guest CPU and
 * interrupts over the first stream's interval.
 */
static int agent_net_run_many(const struct agent_job *job, const char *ifname,
                              struct agent_result *res, char *err, size_t errlen)
{
    unsigned n = job->streams, started = 0, i;
    struct agent_net_stream *st = calloc(n, sizeof(*st));
    pthread_t *th = calloc(n, sizeof(*th));
    double rate = 0;
    uint64_t bytes_total = 0;
    int ret = 0;

    if (!st || !th) {
        snprintf(err, errlen, "out of memory for streams=%u", n);
        free(st);
        free(th);
        return -ENOMEM;
    }
    for (i = 0; i < n; i++) {
        st[i].n.fd = -1;
    }
    for (i = 0; i < n && ret == 0; i++) {
        st[i].idx = i;
        ret = agent_net_setup_one(&st[i].n, job, i, st[i].err, sizeof(st[i].err));
        if (ret < 0) {
            snprintf(err, errlen, "%s", st[i].err);
        }
    }
    for (i = 0; ret == 0 && i < n; i++) {
        int rc = pthread_create(&th[i], NULL, agent_net_thread, &st[i]);

        if (rc != 0) {
            snprintf(err, errlen, "streams=%u: thread %u: %s", n, i, strerror(rc));
            ret = -rc;
            break;
        }
        started++;
    }
    for (i = 0; i < started; i++) {
        pthread_join(th[i], NULL);
    }
    for (i = 0; ret == 0 && i < n; i++) {
        if (st[i].ret < 0) {
            ret = st[i].ret;
            snprintf(err, errlen, "stream %u of %u: %s", i + 1, n, st[i].err);
        }
    }
    if (ret == 0) {
        struct agent_meter *m0 = &st[0].n.m;

        for (i = 0; i < n; i++) {
            const struct agent_meter *m = &st[i].n.m;

            if (m->t_end > m->t_start) {
                rate += (double)m->bytes / ((double)(m->t_end - m->t_start) / 1e9);
            }
            bytes_total += st[i].n.bytes_total;
            if (i > 0) {
                m0->ops += m->ops;
                m0->ops_total += m->ops_total;
                m0->bytes += m->bytes;
                hist_merge(m0->hist, m->hist);
            }
        }
        agent_meter_fill(m0, ifname, res);
        if (rate > 0) {
            res->runtime_s = (double)res->bytes / rate;
        }
        res->net = true;
        res->bytes_total = bytes_total;
        res->streams = n;
    }
    for (i = 0; i < n; i++) {
        agent_net_free(&st[i].n);
    }
    free(st);
    free(th);
    return ret;
}

int agent_net_run(const struct agent_job *job, const char *ifname, struct agent_result *res,
                  char *err, size_t errlen)
{
    struct agent_net n;
    int ret;

    if (job->streams > 1) {
        return agent_net_run_many(job, ifname, res, err, errlen);
    }
    ret = agent_net_setup_one(&n, job, 0, err, errlen);
    if (ret == 0) {
        ret = agent_net_go(&n);
    }
    if (ret == 0) {
        agent_meter_fill(&n.m, ifname, res);
        res->net = true;
        res->bytes_total = n.bytes_total;
    }
    agent_net_free(&n);
    return ret;
}
