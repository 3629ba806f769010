/*
 * The serving side of the network peer (peer_serve.h): the control lines and the loop that
 * serves one job at a time. Built into the harness (the host peer, bench/net/peer.c, runs it
 * in a child inside the run's network namespace) and into the agent (a peer guest beside a
 * remote host's guest under test runs it on its control channel).
 *
 * The peer is single-threaded: one poll() loop per job over the control fd and
 * the job's socket, non-blocking sockets drained until EAGAIN, every wait bounded
 * by the job's deadline. The receiving side owns the measured interval
 * (protocol.h): for tcp_tx and udp_pps that is the peer, which starts it
 * warmup_ms after the first payload, ends it runtime_ms later at the timestamp of
 * a read, and then tells the agent to stop.
 */
#include "peer_serve.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "tool.h"

#define PEER_RXBUF (1u << 20)
#define PEER_UDP_BATCH 64
#define PEER_UDP_RCVBUF (8 << 20)
#define PEER_STOP_EVERY_NS (20u * 1000 * 1000)
#define PEER_UDP_DRAIN_MS 200u
#define PEER_SEND_CHECK 64u

/* ---- small string helpers (the agent has no bench/core) ---------------------------------- */

static int peer_fmt(char *dst, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int peer_fmt(char *dst, size_t len, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(dst, len, fmt, ap);
    va_end(ap);
    return (n < 0 || (size_t)n >= len) ? -1 : n;
}

static void peer_strlcpy(char *dst, const char *src, size_t len)
{
    snprintf(dst, len, "%s", src);
}

/* Control characters and bytes above 0x7e become '?': a line stays one printable line. */
static void peer_sanitize(char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x20 || c >= 0x7f) {
            *s = '?';
        }
    }
}

/* ---- names and control lines -------------------------------------------------------------- */

/* The network rw values of the protocol (PVB_RW_LIST), by their wire number. */
const char *peer_workload_name(enum pvb_net_workload w)
{
    for (unsigned i = 0; i < PVB_RW_COUNT; i++) {
        if (pvb_rw_table[i].kind == PVB_RW_NET && pvb_rw_table[i].wire == w) {
            return pvb_rw_table[i].name;
        }
    }
    return "?";
}

enum pvb_net_workload peer_workload_parse(const char *name)
{
    for (unsigned i = 0; name && i < PVB_RW_COUNT; i++) {
        if (pvb_rw_table[i].kind == PVB_RW_NET && strcmp(name, pvb_rw_table[i].name) == 0) {
            return pvb_rw_table[i].wire;
        }
    }
    return (enum pvb_net_workload)0;
}

int peer_format_job(char *buf, size_t len, const struct peer_job *j)
{
    return peer_fmt(buf, len,
                    "JOB id=%u workload=%s port=%u runtime_ms=%u warmup_ms=%u "
                    "life_ms=%u streams=%u\n",
                    j->id, peer_workload_name(j->workload), j->port, j->runtime_ms, j->warmup_ms,
                    j->life_ms, j->streams > 1 ? j->streams : 1);
}

int peer_format_report(char *buf, size_t len, const struct peer_report *r)
{
    char reason[PEER_REASON_MAX];

    if (!r->ok) {
        /* One line: the reason may not hold a newline. */
        peer_strlcpy(reason, r->reason[0] ? r->reason : "failed", sizeof(reason));
        peer_sanitize(reason);
        return peer_fmt(buf, len, "FAIL id=%u reason=%s\n", r->id, reason);
    }
    return peer_fmt(buf, len,
                    "DONE id=%u window_s=%.9f window_bytes=%llu window_packets=%llu "
                    "total_bytes=%llu total_packets=%llu max_seq=%llu\n",
                    r->id, r->window_s, (unsigned long long)r->window_bytes,
                    (unsigned long long)r->window_packets, (unsigned long long)r->total_bytes,
                    (unsigned long long)r->total_packets, (unsigned long long)r->max_seq);
}

/* The value of key in a "WORD k=v k=v" line: points into line, length in *vlen. */
static const char *peer_value(const char *line, const char *key, size_t *vlen)
{
    size_t klen = strlen(key);
    const char *p = strchr(line, ' ');

    while (p) {
        p++;
        if (strncmp(p, key, klen) == 0 && p[klen] == '=') {
            p += klen + 1;
            *vlen = strcspn(p, " ");
            return p;
        }
        p = strchr(p, ' ');
    }
    return NULL;
}

/* An unsigned decimal value of key (at most 20 digits, no sign). 0 or -1. */
static int peer_u64(const char *line, const char *key, uint64_t max, uint64_t *out)
{
    const char *v;
    size_t n, i;
    uint64_t x = 0;

    v = peer_value(line, key, &n);
    if (!v || n == 0 || n > 20) {
        return -1;
    }
    for (i = 0; i < n; i++) {
        uint64_t d = (uint64_t)(v[i] - '0');

        if (v[i] < '0' || v[i] > '9' || x > UINT64_MAX / 10 ||
            (x == UINT64_MAX / 10 && d > UINT64_MAX % 10)) {
            return -1;
        }
        x = x * 10 + d;
    }
    if (x > max) {
        return -1;
    }
    *out = x;
    return 0;
}

int peer_uint(const char *line, const char *key, unsigned max, unsigned *out)
{
    uint64_t v;

    if (peer_u64(line, key, max, &v) < 0) {
        return -1;
    }
    *out = (unsigned)v;
    return 0;
}

int peer_word(const char *line, const char *word)
{
    size_t n = strlen(word);

    return strncmp(line, word, n) == 0 && (line[n] == ' ' || line[n] == '\0');
}

int peer_parse_job(const char *line, struct peer_job *j, char *err, size_t errlen)
{
    char name[16];
    const char *v;
    size_t n;

    memset(j, 0, sizeof(*j));
    if (!peer_word(line, "JOB")) {
        tool_err(err, errlen, "not a JOB line");
        return -1;
    }
    v = peer_value(line, "workload", &n);
    if (!v || n >= sizeof(name)) {
        tool_err(err, errlen, "JOB: missing or bad workload");
        return -1;
    }
    memcpy(name, v, n);
    name[n] = '\0';
    j->workload = peer_workload_parse(name);
    if (!j->workload) {
        tool_err(err, errlen, "JOB: unknown workload '%s'", name);
        return -1;
    }
    if (peer_uint(line, "id", UINT32_MAX, &j->id) < 0 || j->id == 0 ||
        peer_uint(line, "port", 65535, &j->port) < 0 || j->port == 0 ||
        peer_uint(line, "runtime_ms", 3600000, &j->runtime_ms) < 0 || j->runtime_ms == 0 ||
        peer_uint(line, "warmup_ms", 3600000, &j->warmup_ms) < 0 ||
        peer_uint(line, "life_ms", 4 * 3600000, &j->life_ms) < 0 || j->life_ms == 0) {
        tool_err(err, errlen, "JOB: missing or bad id, port, runtime_ms, warmup_ms or life_ms");
        return -1;
    }
    j->streams = 1;
    if (peer_value(line, "streams", &n) &&
        (peer_uint(line, "streams", PVB_NET_STREAMS_MAX, &j->streams) < 0 || j->streams == 0 ||
         (j->streams > 1 && j->workload == PVB_NET_UDP_PPS))) {
        tool_err(err, errlen, "JOB: bad streams (1..%u, TCP workloads only)",
                    PVB_NET_STREAMS_MAX);
        return -1;
    }
    return 0;
}

int peer_parse_report(const char *line, struct peer_report *r, char *err, size_t errlen)
{
    const char *v;
    uint64_t ns;
    size_t n;

    memset(r, 0, sizeof(*r));
    if (peer_word(line, "FAIL")) {
        if (peer_uint(line, "id", UINT32_MAX, &r->id) < 0) {
            tool_err(err, errlen, "FAIL line without an id");
            return -1;
        }
        v = strstr(line, " reason=");
        peer_strlcpy(r->reason, v ? v + 8 : "no reason given", sizeof(r->reason));
        peer_sanitize(r->reason);
        return 0;
    }
    if (!peer_word(line, "DONE")) {
        tool_err(err, errlen, "expected DONE or FAIL from the peer");
        return -1;
    }
    /* window_s as seconds with up to 9 decimals: read as whole nanoseconds. */
    v = peer_value(line, "window_s", &n);
    if (!v || n == 0 || n > 24) {
        tool_err(err, errlen, "DONE: missing window_s");
        return -1;
    } else {
        char tmp[32], *end;
        double d;

        memcpy(tmp, v, n);
        tmp[n] = '\0';
        d = strtod(tmp, &end);
        if (*end || !isfinite(d) || d < 0 || d > 86400) {
            tool_err(err, errlen, "DONE: bad window_s");
            return -1;
        }
        ns = (uint64_t)(d * 1e9 + 0.5);
        r->window_s = (double)ns / 1e9;
    }
    if (peer_uint(line, "id", UINT32_MAX, &r->id) < 0 ||
        peer_u64(line, "window_bytes", UINT64_MAX, &r->window_bytes) < 0 ||
        peer_u64(line, "window_packets", UINT64_MAX, &r->window_packets) < 0 ||
        peer_u64(line, "total_bytes", UINT64_MAX, &r->total_bytes) < 0 ||
        peer_u64(line, "total_packets", UINT64_MAX, &r->total_packets) < 0 ||
        peer_u64(line, "max_seq", UINT64_MAX, &r->max_seq) < 0) {
        tool_err(err, errlen, "DONE: missing or bad counter");
        return -1;
    }
    r->ok = 1;
    return 0;
}

/* ---- the peer process: one job ------------------------------------------------------------ */

enum peer_phase { PEER_WARMUP, PEER_MEASURE, PEER_TAIL };
/* ACCEPT: listening until every stream of the job said its hello; RUN: the payload moves. */
enum peer_state { PEER_ST_ACCEPT, PEER_ST_RUN, PEER_ST_DONE, PEER_ST_FAILED };

/* One TCP connection of the job: a stream. A slot is free when fd < 0 and !ready. */
struct peer_conn {
    int fd;
    int ready;  /* its hello read: one of the job's streams */
    int closed; /* finished, fd closed */
    unsigned char hello[PVB_NET_HELLO_LEN];
    size_t hello_got;
    int stop_seen;        /* tcp_rx: the guest's stop byte came, our side shut down */
    unsigned since_check; /* tcp_rx: sends since the last look for the stop byte */
    size_t rr_got;        /* tcp_rr: bytes of the current request */
};

struct peer_run {
    const struct peer_job *job;
    int ctl;
    int lfd; /* TCP listener, until every stream said hello */
    int fd;  /* udp_pps: the socket */
    struct peer_conn conn[PVB_NET_STREAMS_MAX];
    unsigned streams; /* the job's streams (TCP; 1 for udp_pps) */
    unsigned nready, nclosed;
    enum peer_state state;
    const char *waiting_for;
    uint64_t t_begin, deadline;
    int end_asked;
    uint64_t end_deadline;
    int quit;
    /* the receiver's interval */
    int started;
    enum peer_phase phase;
    uint64_t t_warm_end, t_start, t_end;
    struct peer_report rep;
    unsigned rejected; /* connections or datagrams of other jobs, dropped */
    size_t bs;         /* message size from the hello */
    char *buf;
    size_t buflen;
    /* udp_pps */
    struct sockaddr_in agent;
    int have_agent;
    uint64_t next_stop;
};

static uint64_t peer_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint32_t peer_get32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void peer_put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

static uint64_t peer_get64(const unsigned char *p)
{
    return (uint64_t)peer_get32(p) << 32 | peer_get32(p + 4);
}

static void peer_put64(unsigned char *p, uint64_t v)
{
    peer_put32(p, (uint32_t)(v >> 32));
    peer_put32(p + 4, (uint32_t)v);
}

static void peer_close_all(struct peer_run *r)
{
    for (unsigned i = 0; i < PVB_NET_STREAMS_MAX; i++) {
        if (r->conn[i].fd >= 0) {
            close(r->conn[i].fd);
            r->conn[i].fd = -1;
        }
    }
    if (r->fd >= 0) {
        close(r->fd);
        r->fd = -1;
    }
    if (r->lfd >= 0) {
        close(r->lfd);
        r->lfd = -1;
    }
}

static void peer_fail(struct peer_run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The job failed: remember the first reason, close its sockets. */
static void peer_fail(struct peer_run *r, const char *fmt, ...)
{
    va_list ap;

    if (r->state == PEER_ST_FAILED || r->state == PEER_ST_DONE) {
        return;
    }
    va_start(ap, fmt);
    vsnprintf(r->rep.reason, sizeof(r->rep.reason), fmt, ap);
    va_end(ap);
    r->state = PEER_ST_FAILED;
    peer_close_all(r);
}

static void peer_fail_errno(struct peer_run *r, int e)
{
    if (e == ECONNRESET || e == EPIPE) {
        peer_fail(r, "the guest reset the connection while the peer waited for %s", r->waiting_for);
    } else {
        peer_fail(r, "socket error while waiting for %s: %s", r->waiting_for, strerror(e));
    }
}

static void peer_done(struct peer_run *r)
{
    if (r->state == PEER_ST_FAILED) {
        return;
    }
    r->state = PEER_ST_DONE;
    r->rep.window_s = r->t_end > r->t_start ? (double)(r->t_end - r->t_start) / 1e9 : 0;
    peer_close_all(r);
}

/* Stream c has finished (the guest closed after the stop): the job is done with the last. */
static void peer_conn_closed(struct peer_run *r, struct peer_conn *c)
{
    close(c->fd);
    c->fd = -1;
    c->closed = 1;
    if (++r->nclosed == r->streams) {
        peer_done(r);
    }
}

/*
 * Receiver's interval: len payload bytes (pkts datagrams or reads) arrived at now.
 * Counted in the phase they arrive in, then the phase may change at now.
 * Returns 1 when the interval has just ended (time to say stop), else 0.
 */
static int peer_window_account(struct peer_run *r, uint64_t now, uint64_t len, uint64_t pkts)
{
    const struct peer_job *j = r->job;

    if (!r->started) {
        r->started = 1;
        r->phase = PEER_WARMUP;
        r->t_warm_end = now + (uint64_t)j->warmup_ms * 1000000u;
        if (j->warmup_ms == 0) {
            r->phase = PEER_MEASURE;
            r->t_start = now;
        }
        /* the first payload is the start of the warm-up, not part of the interval */
        r->rep.total_bytes += len;
        return 0;
    }
    r->rep.total_bytes += len;
    if (r->phase == PEER_MEASURE) {
        r->rep.window_bytes += len;
        r->rep.window_packets += pkts;
    }
    if (r->phase == PEER_WARMUP && now >= r->t_warm_end) {
        r->phase = PEER_MEASURE;
        r->t_start = now;
    } else if (r->phase == PEER_MEASURE && now - r->t_start >= (uint64_t)j->runtime_ms * 1000000u) {
        r->phase = PEER_TAIL;
        r->t_end = now;
        return 1;
    }
    return 0;
}

/* Open the job's socket on addr. 0 or -1 (the job failed, reason set). */
static int peer_listen(struct peer_run *r, const char *addr)
{
    int udp = r->job->workload == PVB_NET_UDP_PPS;
    struct sockaddr_in sa;
    int one = 1, size = PEER_UDP_RCVBUF;
    int fd;

    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)r->job->port);
    if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1) {
        peer_fail(r, "bad peer address %s", addr);
        return -1;
    }
    fd = socket(AF_INET, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        peer_fail(r, "socket: %s", strerror(errno));
        return -1;
    }
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (udp && setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0) {
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
    }
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
        (!udp && listen(fd, (int)r->streams + 8) < 0)) {
        peer_fail(r, "bind/listen %s:%u: %s", addr, r->job->port, strerror(errno));
        close(fd);
        return -1;
    }
    if (udp) {
        r->fd = fd;
        r->state = PEER_ST_RUN;
        r->waiting_for = "datagrams from the guest";
    } else {
        r->lfd = fd;
        r->state = PEER_ST_ACCEPT;
        r->waiting_for =
            r->streams > 1 ? "the guest's streams to connect" : "a connection from the guest";
    }
    return 0;
}

/* Take waiting connections into free slots (at most one per stream still missing). */
static void peer_accept(struct peer_run *r)
{
    int one = 1, fd;

    for (unsigned i = 0; i < r->streams; i++) {
        struct peer_conn *c = &r->conn[i];

        if (c->fd >= 0 || c->ready) {
            continue;
        }
        fd = accept4(r->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED) {
                peer_fail(r, "accept: %s", strerror(errno));
            }
            return;
        }
        /* Request/response sends each answer at once; the streams keep Nagle, as iperf3
         * does. */
        if (r->job->workload == PVB_NET_TCP_RR) {
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        }
        c->fd = fd;
        c->hello_got = 0;
    }
}

/* A connection that is not one of this job's streams: dropped, its slot free again. */
static void peer_reject(struct peer_run *r, struct peer_conn *c)
{
    close(c->fd);
    c->fd = -1;
    c->hello_got = 0;
    r->rejected++;
}

/* Read a connection's hello; one of another job is dropped and the peer keeps listening. */
static void peer_read_hello(struct peer_run *r, struct peer_conn *c)
{
    ssize_t n;
    uint32_t wl, bs;

    n = recv(c->fd, c->hello + c->hello_got, sizeof(c->hello) - c->hello_got, MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
        return;
    }
    if (n <= 0) {
        /* a stale sender going away, or a reset before the hello: wait for the next */
        peer_reject(r, c);
        return;
    }
    c->hello_got += (size_t)n;
    if (c->hello_got < sizeof(c->hello)) {
        return;
    }
    if (peer_get32(c->hello) != PVB_NET_MAGIC || peer_get32(c->hello + 4) != r->job->id) {
        peer_reject(r, c);
        return;
    }
    wl = peer_get32(c->hello + 8);
    bs = peer_get32(c->hello + 12);
    if (wl != (uint32_t)r->job->workload) {
        peer_fail(r, "the guest's hello is for workload %u, the job is %s", (unsigned)wl,
                  peer_workload_name(r->job->workload));
        return;
    }
    if (bs == 0 || bs > 16u * 1024 * 1024 || (r->job->workload == PVB_NET_TCP_RR && bs > 65536)) {
        peer_fail(r, "the guest's hello asks for %u-byte messages", (unsigned)bs);
        return;
    }
    if (r->nready > 0 && bs != r->bs) {
        peer_fail(r, "the guest's streams ask for %zu-byte and %u-byte messages", r->bs,
                  (unsigned)bs);
        return;
    }
    r->bs = bs;
    if (r->job->workload == PVB_NET_TCP_RX && bs > r->buflen) {
        char *nb = realloc(r->buf, bs);

        if (!nb) {
            peer_fail(r, "out of memory for %u-byte writes", (unsigned)bs);
            return;
        }
        r->buf = nb;
        r->buflen = bs;
        memset(r->buf, 0x5a, r->buflen);
    }
    c->ready = 1;
    if (++r->nready < r->streams) {
        return;
    }
    close(r->lfd); /* every stream is here: later connection attempts are refused */
    r->lfd = -1;
    r->state = PEER_ST_RUN;
    switch (r->job->workload) {
    case PVB_NET_TCP_TX:
        r->waiting_for = "the guest's stream";
        break;
    case PVB_NET_TCP_RX:
        r->waiting_for = "the guest's stop byte";
        break;
    default:
        r->waiting_for = "the guest's requests";
        break;
    }
}

/* The interval is over: the stop byte on every stream. */
static void peer_tcp_tx_stop(struct peer_run *r)
{
    const char stop = PVB_NET_STOP;

    for (unsigned i = 0; i < r->streams; i++) {
        struct peer_conn *c = &r->conn[i];

        if (c->fd >= 0 && send(c->fd, &stop, 1, MSG_NOSIGNAL | MSG_DONTWAIT) != 1) {
            peer_fail_errno(r, errno ? errno : EIO);
            return;
        }
    }
    r->waiting_for = "the guest to close the stream after the stop";
}

/* tcp_tx: count the streams; stop byte after the interval; done at the guests' close. */
static void peer_tcp_tx(struct peer_run *r, struct peer_conn *c)
{
    uint64_t now;
    ssize_t n;

    for (unsigned i = 0; i < 256; i++) {
        n = recv(c->fd, r->buf, r->buflen, MSG_DONTWAIT);
        now = peer_now();
        if (n > 0) {
            if (peer_window_account(r, now, (uint64_t)n, 1)) {
                peer_tcp_tx_stop(r);
                if (r->state != PEER_ST_RUN) {
                    return;
                }
            }
            continue;
        }
        if (n == 0) {
            if (!r->started || r->phase != PEER_TAIL) {
                peer_fail(r,
                          "the guest closed the stream before the end of the measurement "
                          "(%llu bytes received)",
                          (unsigned long long)r->rep.total_bytes);
                return;
            }
            peer_conn_closed(r, c);
            return;
        }
        if (errno != EAGAIN && errno != EINTR) {
            peer_fail_errno(r, errno);
        }
        return;
    }
}

/* After the stop: our sending side is shut down; wait for the guest to close. */
static void peer_tcp_rx_drain(struct peer_run *r, struct peer_conn *c)
{
    char tmp[256];
    ssize_t n;

    n = recv(c->fd, tmp, sizeof(tmp), MSG_DONTWAIT);
    if (n == 0) {
        peer_conn_closed(r, c);
        return;
    }
    if (n > 0) {
        peer_fail(r, "the guest sent %zd bytes after its stop byte", n);
        return;
    }
    if (errno != EAGAIN && errno != EINTR) {
        peer_fail_errno(r, errno);
    }
}

/* Look for the guest's stop byte on c. 1 seen, 0 not yet, -1 failed. */
static int peer_tcp_rx_stop(struct peer_run *r, struct peer_conn *c)
{
    char ch;
    ssize_t n = recv(c->fd, &ch, 1, MSG_DONTWAIT);

    if (n == 1) {
        if (ch != PVB_NET_STOP) {
            peer_fail(r, "the guest sent 0x%02x instead of its stop byte", (unsigned char)ch);
            return -1;
        }
        c->stop_seen = 1;
        if (shutdown(c->fd, SHUT_WR) < 0) {
            peer_fail_errno(r, errno);
            return -1;
        }
        r->waiting_for = "the guest to close the stream";
        return 1;
    }
    if (n == 0) {
        peer_fail(r, "the guest closed the connection without its stop byte");
        return -1;
    }
    if (errno != EAGAIN && errno != EINTR) {
        peer_fail_errno(r, errno);
        return -1;
    }
    return 0;
}

/* tcp_rx: write bs-byte chunks on c until the guest says stop on it. */
static void peer_tcp_rx(struct peer_run *r, struct peer_conn *c, short revents)
{
    ssize_t n;

    if (c->stop_seen) {
        peer_tcp_rx_drain(r, c);
        return;
    }
    if ((revents & (POLLIN | POLLHUP | POLLERR)) && peer_tcp_rx_stop(r, c) != 0) {
        if (c->stop_seen) {
            peer_tcp_rx_drain(r, c);
        }
        return;
    }
    for (unsigned i = 0; i < 256; i++) {
        n = send(c->fd, r->buf, r->bs, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            r->rep.total_bytes += (uint64_t)n;
            if (++c->since_check >= PEER_SEND_CHECK) {
                c->since_check = 0;
                if (peer_tcp_rx_stop(r, c) != 0) {
                    return;
                }
            }
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            return;
        }
        peer_fail_errno(r, n < 0 ? errno : EIO);
        return;
    }
}

/* tcp_rr: answer every bs-byte request on c with bs bytes; done when the guest shuts down. */
static void peer_tcp_rr(struct peer_run *r, struct peer_conn *c)
{
    size_t sent;
    ssize_t n;

    for (unsigned i = 0; i < 1024; i++) {
        n = recv(c->fd, r->buf + c->rr_got, r->bs - c->rr_got, MSG_DONTWAIT);
        if (n == 0) {
            if (c->rr_got) {
                peer_fail(r, "the guest closed the connection in the middle of a request");
                return;
            }
            peer_conn_closed(r, c);
            return;
        }
        if (n < 0) {
            if (errno != EAGAIN && errno != EINTR) {
                peer_fail_errno(r, errno);
            }
            return;
        }
        c->rr_got += (size_t)n;
        if (c->rr_got < r->bs) {
            continue;
        }
        c->rr_got = 0;
        /* The response fits the empty send buffer; a full one means a guest not reading. */
        for (sent = 0; sent < r->bs; sent += (size_t)n) {
            n = send(c->fd, r->buf + sent, r->bs - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
            if (n <= 0) {
                if (n < 0 && errno == EAGAIN) {
                    peer_fail(r, "the guest stopped reading responses");
                } else {
                    peer_fail_errno(r, n < 0 ? errno : EIO);
                }
                return;
            }
        }
        r->rep.total_packets++;
        r->rep.total_bytes += r->bs;
    }
}

static void peer_udp_send(struct peer_run *r, uint64_t seq)
{
    unsigned char d[PVB_NET_UDP_HDR];

    peer_put32(d, PVB_NET_MAGIC);
    peer_put32(d + 4, r->job->id);
    peer_put64(d + 8, seq);
    sendto(r->fd, d, sizeof(d), MSG_DONTWAIT, (struct sockaddr *)&r->agent, sizeof(r->agent));
}

/* udp_pps: count this job's numbered datagrams, echo hellos, say stop after the interval. */
static void peer_udp(struct peer_run *r)
{
    struct mmsghdr msgs[PEER_UDP_BATCH];
    struct iovec iov[PEER_UDP_BATCH];
    struct sockaddr_in from[PEER_UDP_BATCH];
    size_t slot = 2048;
    uint64_t now, seq, len, bytes, pkts;
    int n, i;

    for (unsigned round = 0; round < 64; round++) {
        memset(msgs, 0, sizeof(msgs));
        for (i = 0; i < PEER_UDP_BATCH; i++) {
            iov[i].iov_base = r->buf + (size_t)i * slot;
            iov[i].iov_len = slot;
            msgs[i].msg_hdr.msg_iov = &iov[i];
            msgs[i].msg_hdr.msg_iovlen = 1;
            msgs[i].msg_hdr.msg_name = &from[i];
            msgs[i].msg_hdr.msg_namelen = sizeof(from[i]);
        }
        n = recvmmsg(r->fd, msgs, PEER_UDP_BATCH, MSG_DONTWAIT, NULL);
        now = peer_now();
        if (n < 0) {
            if (errno != EAGAIN && errno != EINTR) {
                peer_fail_errno(r, errno);
            }
            return;
        }
        bytes = 0;
        pkts = 0;
        for (i = 0; i < n; i++) {
            const unsigned char *d = iov[i].iov_base;

            len = msgs[i].msg_len;
            if (len < PVB_NET_UDP_HDR || peer_get32(d) != PVB_NET_MAGIC ||
                peer_get32(d + 4) != r->job->id) {
                r->rejected++;
                continue;
            }
            seq = peer_get64(d + 8);
            r->agent = from[i];
            r->have_agent = 1;
            if (seq == PVB_NET_SEQ_HELLO) {
                peer_udp_send(r, PVB_NET_SEQ_HELLO);
                continue;
            }
            if (seq == PVB_NET_SEQ_STOP) {
                continue;
            }
            if (seq + 1 > r->rep.max_seq) {
                r->rep.max_seq = seq + 1;
            }
            r->rep.total_packets++;
            bytes += len;
            pkts++;
        }
        if (pkts && peer_window_account(r, now, bytes, pkts)) {
            r->waiting_for = "the guest to stop sending";
        }
        if (r->started && r->phase == PEER_TAIL && r->have_agent && now >= r->next_stop) {
            peer_udp_send(r, PVB_NET_SEQ_STOP);
            r->next_stop = now + PEER_STOP_EVERY_NS;
        }
        if (n < PEER_UDP_BATCH) {
            return;
        }
    }
}

/* Handle one control line during a job. */
static void peer_ctl_line(struct peer_run *r, const char *line)
{
    unsigned id = 0;

    if (peer_word(line, "QUIT")) {
        r->quit = 1;
        return;
    }
    if ((peer_word(line, "END") || peer_word(line, "ABORT")) &&
        peer_uint(line, "id", UINT32_MAX, &id) == 0 && id == r->job->id) {
        if (peer_word(line, "ABORT")) {
            peer_fail(r, "aborted by the harness while waiting for %s", r->waiting_for);
            r->end_asked = 1;
            r->end_deadline = peer_now();
            return;
        }
        if (!r->end_asked) {
            r->end_asked = 1;
            r->end_deadline =
                peer_now() + (uint64_t)(r->job->workload == PVB_NET_UDP_PPS ? PEER_UDP_DRAIN_MS
                                                                            : PEER_END_GRACE_MS) *
                                 1000000u;
        }
    }
    /* Anything else (a line of an older job) is ignored. */
}

/* A control reader: complete lines from the fd into a bounded buffer. */
struct peer_lines {
    char buf[PEER_LINE_MAX];
    size_t len;
    int discarding;
};

/* Take one complete line from lr (NUL-terminated in out). 1 if one was there, else 0. */
static int peer_lines_take(struct peer_lines *lr, char *out, size_t outlen)
{
    char *nl = memchr(lr->buf, '\n', lr->len);
    size_t n;

    if (!nl) {
        if (lr->len == sizeof(lr->buf)) {
            lr->len = 0; /* an over-long line: dropped */
            lr->discarding = 1;
        }
        return 0;
    }
    n = (size_t)(nl - lr->buf);
    if (!lr->discarding) {
        snprintf(out, outlen, "%.*s", (int)n, lr->buf);
    }
    memmove(lr->buf, nl + 1, lr->len - n - 1);
    lr->len -= n + 1;
    if (lr->discarding) {
        lr->discarding = 0;
        return peer_lines_take(lr, out, outlen);
    }
    return 1;
}

/* Read what is there on fd. 0, or -1 at EOF/error. */
static int peer_lines_fill(struct peer_lines *lr, int fd)
{
    ssize_t n = read(fd, lr->buf + lr->len, sizeof(lr->buf) - lr->len);

    if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
        return 0;
    }
    if (n <= 0) {
        return -1;
    }
    lr->len += (size_t)n;
    return 0;
}

/*
 * Write a whole line on the control channel: a socket (never SIGPIPE: the other end may be
 * gone) or, in a peer guest, a tty (write(); waits while a non-blocking one is full).
 */
int peer_send_line(int fd, const char *line)
{
    size_t len = strlen(line);
    int is_sock = 1;
    ssize_t n;

    while (len > 0) {
        n = is_sock ? send(fd, line, len, MSG_NOSIGNAL) : write(fd, line, len);
        if (n < 0 && errno == ENOTSOCK && is_sock) {
            is_sock = 0;
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            struct pollfd pf = {.fd = fd, .events = POLLOUT};

            if (poll(&pf, 1, 5000) <= 0) {
                return -1;
            }
            continue;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return -1;
        }
        line += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Run one job until the harness ends it. Returns 0, or 1 if QUIT/EOF came. */
static int peer_run_job(int ctl, struct peer_lines *lr, const char *addr,
                        const struct peer_job *job)
{
    struct peer_run r;
    struct pollfd p[2 + PVB_NET_STREAMS_MAX];
    struct peer_conn *pc[2 + PVB_NET_STREAMS_MAX]; /* the stream behind p[i], or NULL */
    char line[PEER_LINE_MAX];
    uint64_t now, until;
    int np, timeout, ret = 0, i;
    double waited;

    memset(&r, 0, sizeof(r));
    r.job = job;
    r.ctl = ctl;
    r.lfd = r.fd = -1;
    for (i = 0; i < PVB_NET_STREAMS_MAX; i++) {
        r.conn[i].fd = -1;
    }
    r.streams = job->workload != PVB_NET_UDP_PPS && job->streams > 1 ? job->streams : 1;
    r.rep.id = job->id;
    r.t_begin = peer_now();
    r.deadline = r.t_begin + (uint64_t)job->life_ms * 1000000u;
    r.buflen = job->workload == PVB_NET_UDP_PPS ? (size_t)PEER_UDP_BATCH * 2048 : PEER_RXBUF;
    r.buf = malloc(r.buflen);
    if (!r.buf) {
        peer_fail(&r, "out of memory");
    } else {
        memset(r.buf, 0x5a, r.buflen);
        peer_listen(&r, addr);
    }
    if (r.state == PEER_ST_FAILED) {
        /* Could not listen: the harness hears it instead of READY. */
        r.rep.ok = 0;
        peer_format_report(line, sizeof(line), &r.rep);
        ret = peer_send_line(ctl, line) < 0 ? 1 : 0;
        free(r.buf);
        return ret;
    }
    snprintf(line, sizeof(line), "READY id=%u\n", job->id);
    if (peer_send_line(ctl, line) < 0) {
        ret = 1;
        goto out;
    }
    for (;;) {
        now = peer_now();
        if (r.quit) {
            ret = 1;
            goto out;
        }
        if (r.end_asked && (r.state == PEER_ST_DONE || r.state == PEER_ST_FAILED)) {
            break;
        }
        if (r.state != PEER_ST_DONE && r.state != PEER_ST_FAILED) {
            if (r.end_asked && now >= r.end_deadline && job->workload == PVB_NET_UDP_PPS &&
                r.started && r.phase == PEER_TAIL) {
                peer_done(&r); /* drained: what has not come by now is lost */
                continue;
            }
            if (now >= r.deadline || (r.end_asked && now >= r.end_deadline)) {
                waited = (double)(now - r.t_begin) / 1e9;
                if (r.state == PEER_ST_RUN && r.job->workload == PVB_NET_UDP_PPS && !r.started) {
                    peer_fail(&r, "no datagram from the guest in %.1f s", waited);
                } else if (r.state == PEER_ST_ACCEPT && r.streams > 1) {
                    peer_fail(&r, "timed out after %.1f s waiting for %s (%u of %u connected)%s",
                              waited, r.waiting_for, r.nready, r.streams,
                              r.rejected ? " (connections of other jobs dropped)" : "");
                } else {
                    peer_fail(&r, "timed out after %.1f s waiting for %s%s", waited, r.waiting_for,
                              r.rejected ? " (connections or datagrams of other jobs dropped)"
                                         : "");
                }
                continue;
            }
        }
        np = 0;
        pc[np] = NULL;
        p[np++] = (struct pollfd){.fd = ctl, .events = POLLIN};
        if (r.state == PEER_ST_ACCEPT && r.lfd >= 0) {
            pc[np] = NULL;
            p[np++] = (struct pollfd){.fd = r.lfd, .events = POLLIN};
        }
        if (r.state == PEER_ST_RUN && r.fd >= 0) {
            pc[np] = NULL;
            p[np++] = (struct pollfd){.fd = r.fd, .events = POLLIN};
        }
        for (unsigned k = 0; k < r.streams; k++) {
            struct peer_conn *c = &r.conn[k];
            short ev = POLLIN;

            /* A stream moves once all of them are here; until then only hellos are read. */
            if (c->fd < 0 || (c->ready && r.state != PEER_ST_RUN)) {
                continue;
            }
            if (c->ready && job->workload == PVB_NET_TCP_RX && !c->stop_seen) {
                ev |= POLLOUT;
            }
            pc[np] = c;
            p[np++] = (struct pollfd){.fd = c->fd, .events = ev};
        }
        until = r.state == PEER_ST_DONE || r.state == PEER_ST_FAILED ? 0 : r.deadline;
        if (r.end_asked && until > r.end_deadline) {
            until = r.end_deadline;
        }
        if (r.started && r.phase == PEER_TAIL && job->workload == PVB_NET_UDP_PPS &&
            r.state == PEER_ST_RUN && until > r.next_stop) {
            until = r.next_stop; /* repeat the stop datagram while the guest still sends */
        }
        timeout = until == 0 ? -1 : until > now ? (int)((until - now) / 1000000u) + 1 : 0;
        if (poll(p, (nfds_t)np, timeout) < 0) {
            if (errno == EINTR) {
                continue;
            }
            ret = 1;
            goto out;
        }
        if (p[0].revents) {
            if (peer_lines_fill(lr, ctl) < 0) {
                ret = 1; /* the harness is gone */
                goto out;
            }
            while (peer_lines_take(lr, line, sizeof(line))) {
                peer_ctl_line(&r, line);
            }
        }
        if (job->workload == PVB_NET_UDP_PPS) {
            if (r.state == PEER_ST_RUN && np > 1 && p[1].revents) {
                peer_udp(&r);
            }
            if (r.state == PEER_ST_RUN && r.started && r.phase == PEER_TAIL && r.have_agent &&
                peer_now() >= r.next_stop) {
                peer_udp_send(&r, PVB_NET_SEQ_STOP);
                r.next_stop = peer_now() + PEER_STOP_EVERY_NS;
            }
            continue;
        }
        if (r.state == PEER_ST_ACCEPT && np > 1 && p[1].revents) {
            peer_accept(&r);
        }
        for (i = 1; i < np && (r.state == PEER_ST_ACCEPT || r.state == PEER_ST_RUN); i++) {
            struct peer_conn *c = pc[i];

            if (!c || c->fd < 0 || p[i].revents == 0) {
                continue;
            }
            if (!c->ready) {
                peer_read_hello(&r, c);
                continue;
            }
            if (r.state != PEER_ST_RUN) {
                continue;
            }
            switch (job->workload) {
            case PVB_NET_TCP_TX:
                peer_tcp_tx(&r, c);
                break;
            case PVB_NET_TCP_RX:
                peer_tcp_rx(&r, c, p[i].revents);
                break;
            default:
                peer_tcp_rr(&r, c);
                break;
            }
        }
    }
    r.rep.ok = r.state == PEER_ST_DONE;
    if (r.rep.ok && r.rep.window_s <= 0 &&
        (job->workload == PVB_NET_TCP_TX || job->workload == PVB_NET_UDP_PPS)) {
        r.rep.ok = 0;
        snprintf(r.rep.reason, sizeof(r.rep.reason), "the peer's measured interval is empty");
    }
    peer_format_report(line, sizeof(line), &r.rep);
    if (peer_send_line(ctl, line) < 0) {
        ret = 1;
    }
out:
    peer_close_all(&r);
    free(r.buf);
    return ret;
}

int peer_serve(int ctl, const char *addr)
{
    static struct peer_lines lr;
    char line[PEER_LINE_MAX], out[PEER_LINE_MAX], err[PEER_REASON_MAX];
    struct peer_job job;
    struct peer_report rep;
    unsigned id;

    memset(&lr, 0, sizeof(lr));
    for (;;) {
        while (!peer_lines_take(&lr, line, sizeof(line))) {
            struct pollfd p = {.fd = ctl, .events = POLLIN};

            if (poll(&p, 1, -1) < 0 && errno != EINTR) {
                return -1;
            }
            if (p.revents && peer_lines_fill(&lr, ctl) < 0) {
                return 0; /* the harness closed the channel */
            }
        }
        if (peer_word(line, "QUIT")) {
            return 0;
        }
        if (peer_word(line, "JOB")) {
            if (peer_parse_job(line, &job, err, sizeof(err)) < 0) {
                memset(&rep, 0, sizeof(rep));
                peer_uint(line, "id", UINT32_MAX, &rep.id);
                peer_strlcpy(rep.reason, err, sizeof(rep.reason));
                peer_format_report(out, sizeof(out), &rep);
                if (peer_send_line(ctl, out) < 0) {
                    return 0;
                }
                continue;
            }
            if (peer_run_job(ctl, &lr, addr, &job) != 0) {
                return 0;
            }
            continue;
        }
        if ((peer_word(line, "END") || peer_word(line, "ABORT")) &&
            peer_uint(line, "id", UINT32_MAX, &id) == 0) {
            /* No such job running (it never began): say so, the harness is waiting. */
            memset(&rep, 0, sizeof(rep));
            rep.id = id;
            peer_strlcpy(rep.reason, "no such job at the peer", sizeof(rep.reason));
            peer_format_report(out, sizeof(out), &rep);
            if (peer_send_line(ctl, out) < 0) {
                return 0;
            }
        }
    }
}

