/*
 * The host peer: its control lines, the two-sided checks, the samples, and a live
 * peer (forked, no namespace) talking to a fake agent in this test over loopback
 * only (127.0.0.1): counting, deadlines, stale connections, resets, aborts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pty.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "peer.h"
#include "registry.h"
#include "util.h"

static struct peer pr;
static unsigned next_id = 100;
static char state_dir[256];

/* ---- helpers ---------------------------------------------------------------------------- */

static unsigned free_port(void)
{
    struct sockaddr_in sa = {.sin_family = AF_INET};
    socklen_t sl = sizeof(sa);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    unsigned port;

    assert_true(fd >= 0);
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
    port = ntohs(sa.sin_port);
    close(fd);
    return port;
}

static void put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

static void put64(unsigned char *p, uint64_t v)
{
    put32(p, (uint32_t)(v >> 32));
    put32(p + 4, (uint32_t)v);
}

static uint64_t get64(const unsigned char *p)
{
    return (uint64_t)p[0] << 56 | (uint64_t)p[1] << 48 | (uint64_t)p[2] << 40 |
           (uint64_t)p[3] << 32 | (uint64_t)p[4] << 24 | (uint64_t)p[5] << 16 |
           (uint64_t)p[6] << 8 | p[7];
}

/* Begin a job at the peer; returns its id. */
static struct peer_job begin(enum pvb_net_workload w, unsigned runtime_ms, unsigned warmup_ms,
                             unsigned life_ms)
{
    struct peer_job j = {.id = ++next_id,
                         .workload = w,
                         .port = free_port(),
                         .runtime_ms = runtime_ms,
                         .warmup_ms = warmup_ms,
                         .life_ms = life_ms};
    char err[256];

    if (peer_job_begin(&pr, &j, err, sizeof(err)) != 0) {
        fail_msg("peer_job_begin: %s", err);
    }
    return j;
}

static int tcp_connect(unsigned port)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

    assert_true(fd >= 0);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fd;
}

static void send_hello(int fd, uint32_t id, uint32_t wl, uint32_t bs)
{
    unsigned char h[PVB_NET_HELLO_LEN];

    put32(h, PVB_NET_MAGIC);
    put32(h + 4, id);
    put32(h + 8, wl);
    put32(h + 12, bs);
    assert_int_equal(send(fd, h, sizeof(h), MSG_NOSIGNAL), (ssize_t)sizeof(h));
}

/* Read until EOF (or error); returns bytes read. */
static uint64_t read_to_eof(int fd)
{
    char buf[65536];
    uint64_t total = 0;
    ssize_t n;

    while ((n = recv(fd, buf, sizeof(buf), 0)) > 0) {
        total += (uint64_t)n;
    }
    return total;
}

static struct peer_report end(void)
{
    struct peer_report r;
    char err[256];

    if (peer_job_end(&pr, &r, 5.0, err, sizeof(err)) != 0) {
        fail_msg("peer_job_end: %s", err);
    }
    return r;
}

static int setup(void **state)
{
    char err[256], id[16];

    (void)state;
    snprintf(state_dir, sizeof(state_dir), "/tmp/pvb-peertest-XXXXXX");
    if (!mkdtemp(state_dir)) {
        return -1;
    }
    setenv("PVBENCH_STATE_DIR", state_dir, 1);
    if (registry_open(id, sizeof(id)) < 0) {
        return -1;
    }
    if (peer_start(&pr, NULL, "127.0.0.1", err, sizeof(err)) != 0) {
        fprintf(stderr, "peer_start: %s\n", err);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    char cmd[300];

    (void)state;
    peer_stop(&pr);
    registry_release_all();
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", state_dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* ---- control lines ---------------------------------------------------------------------- */

static void test_lines(void **state)
{
    struct peer_job j = {7, PVB_NET_UDP_PPS, 7100, 1000, 300, 20000, 1}, k;
    struct peer_report r, q;
    char buf[PEER_LINE_MAX], err[256];

    (void)state;
    assert_true(peer_format_job(buf, sizeof(buf), &j) > 0);
    assert_string_equal(buf, "JOB id=7 workload=udp_pps port=7100 runtime_ms=1000 warmup_ms=300 "
                             "life_ms=20000 streams=1\n");
    buf[strlen(buf) - 1] = '\0';
    assert_int_equal(peer_parse_job(buf, &k, err, sizeof(err)), 0);
    assert_memory_equal(&j, &k, sizeof(j));

    memset(&r, 0, sizeof(r));
    r.id = 9;
    r.ok = 1;
    r.window_s = 1.000123456;
    r.window_bytes = 123456789012ull;
    r.window_packets = 42;
    r.total_bytes = UINT64_MAX - 1;
    r.total_packets = 77;
    r.max_seq = 78;
    assert_true(peer_format_report(buf, sizeof(buf), &r) > 0);
    buf[strlen(buf) - 1] = '\0';
    assert_int_equal(peer_parse_report(buf, &q, err, sizeof(err)), 0);
    assert_int_equal(q.ok, 1);
    assert_int_equal(q.id, 9);
    assert_true(q.window_s > 1.000123455 && q.window_s < 1.000123457);
    assert_true(q.window_bytes == r.window_bytes && q.total_bytes == r.total_bytes);
    assert_true(q.window_packets == 42 && q.total_packets == 77 && q.max_seq == 78);

    /* A reason keeps its spaces; a newline in it cannot break the line. */
    memset(&r, 0, sizeof(r));
    r.id = 3;
    snprintf(r.reason, sizeof(r.reason), "timed out after 2.0 s\nwaiting for x");
    assert_true(peer_format_report(buf, sizeof(buf), &r) > 0);
    assert_int_equal(strchr(buf, '\n') - buf, (long)strlen(buf) - 1);
    buf[strlen(buf) - 1] = '\0';
    assert_int_equal(peer_parse_report(buf, &q, err, sizeof(err)), 0);
    assert_int_equal(q.ok, 0);
    assert_int_equal(q.id, 3);
    assert_string_equal(q.reason, "timed out after 2.0 s?waiting for x");

    /* Bad lines are refused, never half-read. */
    assert_int_equal(peer_parse_job("JOB id=1 workload=tcp_xx port=1 runtime_ms=1 warmup_ms=0 "
                                    "life_ms=1",
                                    &k, err, sizeof(err)),
                     -1);
    assert_non_null(strstr(err, "unknown workload"));
    assert_int_equal(peer_parse_job("JOB id=1 workload=tcp_tx port=70000 runtime_ms=1 "
                                    "warmup_ms=0 life_ms=1",
                                    &k, err, sizeof(err)),
                     -1);
    assert_int_equal(peer_parse_job("JOB id=0 workload=tcp_tx port=7 runtime_ms=1 warmup_ms=0 "
                                    "life_ms=1",
                                    &k, err, sizeof(err)),
                     -1);
    assert_int_equal(peer_parse_job("JOB id=1 workload=tcp_tx port=7 runtime_ms=-1 warmup_ms=0 "
                                    "life_ms=1",
                                    &k, err, sizeof(err)),
                     -1);
    assert_int_equal(peer_parse_job("JOB id=1 workload=tcp_tx port=7 warmup_ms=0 life_ms=1", &k,
                                    err, sizeof(err)),
                     -1);
    assert_int_equal(peer_parse_job("READY id=1", &k, err, sizeof(err)), -1);
    /* streams: optional (an older harness's line means one), 1..64, TCP only. */
    assert_int_equal(peer_parse_job("JOB id=1 workload=tcp_tx port=7 runtime_ms=1 warmup_ms=0 "
                                    "life_ms=1",
                                    &k, err, sizeof(err)),
                     0);
    assert_int_equal(k.streams, 1);
    assert_int_equal(peer_parse_job("JOB id=1 workload=tcp_rx port=7 runtime_ms=1 warmup_ms=0 "
                                    "life_ms=1 streams=64",
                                    &k, err, sizeof(err)),
                     0);
    assert_int_equal(k.streams, 64);
    assert_int_equal(peer_parse_job("JOB id=1 workload=tcp_rx port=7 runtime_ms=1 warmup_ms=0 "
                                    "life_ms=1 streams=65",
                                    &k, err, sizeof(err)),
                     -1);
    assert_non_null(strstr(err, "bad streams"));
    assert_int_equal(peer_parse_job("JOB id=1 workload=tcp_rx port=7 runtime_ms=1 warmup_ms=0 "
                                    "life_ms=1 streams=0",
                                    &k, err, sizeof(err)),
                     -1);
    assert_int_equal(peer_parse_job("JOB id=1 workload=udp_pps port=7 runtime_ms=1 warmup_ms=0 "
                                    "life_ms=1 streams=2",
                                    &k, err, sizeof(err)),
                     -1);
    assert_int_equal(peer_parse_report("DONE id=1 window_s=1 window_bytes=1 window_packets=1 "
                                       "total_bytes=99999999999999999999 total_packets=1 "
                                       "max_seq=0",
                                       &q, err, sizeof(err)),
                     -1);
    assert_int_equal(peer_parse_report("DONE id=1 window_s=nan window_bytes=1 window_packets=1 "
                                       "total_bytes=1 total_packets=1 max_seq=0",
                                       &q, err, sizeof(err)),
                     -1);
    assert_int_equal(peer_parse_report("DONE id=1 window_s=1", &q, err, sizeof(err)), -1);
    assert_int_equal(peer_parse_report("HELLO", &q, err, sizeof(err)), -1);
    assert_int_equal(peer_workload_parse("tcp_rr"), PVB_NET_TCP_RR);
    assert_int_equal(peer_workload_parse("read"), 0);
    assert_string_equal(peer_workload_name(PVB_NET_TCP_RX), "tcp_rx");
}

/* ---- checks and samples ----------------------------------------------------------------- */

static void test_check(void **state)
{
    struct agent_result a;
    struct peer_report p;
    char err[256];

    (void)state;
    memset(&a, 0, sizeof(a));
    memset(&p, 0, sizeof(p));
    p.window_s = 1.0;
    p.window_packets = 10;
    a.bytes_total = 1000;
    p.total_bytes = 1000;
    assert_int_equal(peer_check(PVB_NET_TCP_TX, &a, &p, err, sizeof(err)), 0);
    p.total_bytes = 999; /* the guest says it sent more than arrived */
    assert_int_equal(peer_check(PVB_NET_TCP_TX, &a, &p, err, sizeof(err)), -1);
    assert_string_equal(err, "the guest says it sent 1000 bytes, the peer received 999");
    p.total_bytes = 1001;
    assert_int_equal(peer_check(PVB_NET_TCP_TX, &a, &p, err, sizeof(err)), -1);
    p.total_bytes = 1000;
    p.window_s = 0;
    assert_int_equal(peer_check(PVB_NET_TCP_TX, &a, &p, err, sizeof(err)), -1);
    assert_string_equal(err, "the peer's measured interval is empty");

    p.total_bytes = 5000;
    a.bytes_total = 4000;
    assert_int_equal(peer_check(PVB_NET_TCP_RX, &a, &p, err, sizeof(err)), -1);
    assert_string_equal(err, "the peer sent 5000 bytes, the guest says it received 4000");
    a.bytes_total = 5000;
    assert_int_equal(peer_check(PVB_NET_TCP_RX, &a, &p, err, sizeof(err)), 0);

    a.ops_total = 300;
    p.total_packets = 299;
    assert_int_equal(peer_check(PVB_NET_TCP_RR, &a, &p, err, sizeof(err)), -1);
    p.total_packets = 300;
    assert_int_equal(peer_check(PVB_NET_TCP_RR, &a, &p, err, sizeof(err)), 0);

    /* UDP: loss is allowed, more than was sent is not (by count or by sequence number). */
    p.window_s = 1.0;
    a.ops_total = 1000;
    p.total_packets = 990;
    p.max_seq = 1000;
    assert_int_equal(peer_check(PVB_NET_UDP_PPS, &a, &p, err, sizeof(err)), 0);
    p.max_seq = 1001;
    assert_int_equal(peer_check(PVB_NET_UDP_PPS, &a, &p, err, sizeof(err)), -1);
    p.max_seq = 1000;
    p.total_packets = 1001;
    assert_int_equal(peer_check(PVB_NET_UDP_PPS, &a, &p, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "the guest says it sent 1000"));
    p.total_packets = 900;
    p.window_packets = 0;
    assert_int_equal(peer_check(PVB_NET_UDP_PPS, &a, &p, err, sizeof(err)), -1);
}

/* ---- a live peer over loopback ------------------------------------------------------------ */

static double now_s(void)
{
    return util_now();
}

static void test_tcp_tx(void **state)
{
    struct peer_job j = begin(PVB_NET_TCP_TX, 300, 100, 10000);
    static char buf[65536];
    struct agent_result a;
    struct peer_report r;
    uint64_t sent = 0;
    char c = 0, err[256];
    int fd, got_stop = 0;
    ssize_t n;

    (void)state;
    memset(buf, 'x', sizeof(buf));
    fd = tcp_connect(j.port);
    send_hello(fd, j.id, PVB_NET_TCP_TX, sizeof(buf));
    while (!got_stop) {
        n = send(fd, buf, sizeof(buf), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            sent += (uint64_t)n;
        } else {
            struct pollfd p = {.fd = fd, .events = POLLIN | POLLOUT};
            poll(&p, 1, 100);
        }
        if (recv(fd, &c, 1, MSG_DONTWAIT) == 1) {
            assert_int_equal(c, PVB_NET_STOP);
            got_stop = 1;
        }
    }
    shutdown(fd, SHUT_WR);
    assert_int_equal(read_to_eof(fd), 0);
    close(fd);
    r = end();
    if (!r.ok) {
        fail_msg("peer: %s", r.reason);
    }
    assert_true(r.total_bytes == sent);
    assert_true(r.window_bytes > 0 && r.window_bytes < sent);
    assert_true(r.window_s >= 0.3 && r.window_s < 1.0);
    memset(&a, 0, sizeof(a));
    a.bytes_total = sent;
    assert_int_equal(peer_check(PVB_NET_TCP_TX, &a, &r, err, sizeof(err)), 0);
}

static void test_tcp_rx(void **state)
{
    struct peer_job j = begin(PVB_NET_TCP_RX, 200, 50, 10000);
    static char buf[65536];
    const char stop = PVB_NET_STOP;
    struct peer_report r;
    uint64_t got = 0;
    double t0 = 0;
    ssize_t n;
    int fd;

    (void)state;
    fd = tcp_connect(j.port);
    send_hello(fd, j.id, PVB_NET_TCP_RX, 16384);
    for (;;) {
        n = recv(fd, buf, sizeof(buf), 0);
        assert_true(n > 0);
        got += (uint64_t)n;
        if (t0 == 0) {
            t0 = now_s();
        }
        if (now_s() - t0 > 0.3) {
            break;
        }
    }
    assert_int_equal(send(fd, &stop, 1, MSG_NOSIGNAL), 1);
    got += read_to_eof(fd);
    close(fd);
    r = end();
    if (!r.ok) {
        fail_msg("peer: %s", r.reason);
    }
    assert_true(r.total_bytes == got);
    assert_true(got > 16384);
}

static void test_tcp_rr(void **state)
{
    struct peer_job j = begin(PVB_NET_TCP_RR, 200, 0, 10000);
    struct peer_report r;
    char c = 'q';
    int fd;

    (void)state;
    fd = tcp_connect(j.port);
    send_hello(fd, j.id, PVB_NET_TCP_RR, 1);
    for (int i = 0; i < 500; i++) {
        assert_int_equal(send(fd, &c, 1, MSG_NOSIGNAL), 1);
        assert_int_equal(recv(fd, &c, 1, MSG_WAITALL), 1);
    }
    shutdown(fd, SHUT_WR);
    assert_int_equal(read_to_eof(fd), 0);
    close(fd);
    r = end();
    if (!r.ok) {
        fail_msg("peer: %s", r.reason);
    }
    assert_true(r.total_packets == 500);
}

static void test_udp(void **state)
{
    struct peer_job j = begin(PVB_NET_UDP_PPS, 200, 50, 10000);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)j.port)};
    /* d zeroed: only its header is set, the rest is sent as padding (valgrind). */
    unsigned char d[64] = {0}, in[64];
    struct peer_report r;
    struct agent_result a;
    uint64_t seq = 0;
    char err[256];
    int fd, echoed = 0, stopped = 0;
    ssize_t n;

    (void)state;
    fd = socket(AF_INET, SOCK_DGRAM, 0);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    put32(d, PVB_NET_MAGIC);
    put32(d + 4, j.id);
    /* A datagram of another job first: dropped, never counted. */
    put32(d + 4, j.id + 1000);
    put64(d + 8, 0);
    send(fd, d, sizeof(d), 0);
    put32(d + 4, j.id);
    for (int tries = 0; tries < 50 && !echoed; tries++) {
        struct pollfd p = {.fd = fd, .events = POLLIN};

        put64(d + 8, PVB_NET_SEQ_HELLO);
        send(fd, d, sizeof(d), 0);
        if (poll(&p, 1, 100) == 1 && recv(fd, in, sizeof(in), 0) >= 16 &&
            get64(in + 8) == PVB_NET_SEQ_HELLO) {
            echoed = 1;
        }
    }
    assert_true(echoed);
    while (!stopped && seq < 50000000) {
        put64(d + 8, seq);
        if (send(fd, d, sizeof(d), 0) == (ssize_t)sizeof(d)) {
            seq++;
        }
        if (seq % 16 == 0) {
            usleep(50); /* loopback never loses, unless the receive buffer overflows */
        }
        n = recv(fd, in, sizeof(in), MSG_DONTWAIT);
        if (n >= 16 && get64(in + 8) == PVB_NET_SEQ_STOP) {
            stopped = 1;
        }
    }
    assert_true(stopped);
    close(fd);
    r = end();
    if (!r.ok) {
        fail_msg("peer: %s", r.reason);
    }
    assert_true(r.total_packets <= seq && r.total_packets > seq / 2);
    assert_true(r.max_seq <= seq);
    assert_true(r.window_packets > 0 && r.window_s >= 0.2);
    memset(&a, 0, sizeof(a));
    a.ops_total = seq;
    assert_int_equal(peer_check(PVB_NET_UDP_PPS, &a, &r, err, sizeof(err)), 0);
}

/* streams=N: N connections of one job; the peer counts their sum over one interval and
 * says stop on every one of them. */
static void test_tcp_tx_streams(void **state)
{
    enum { N = 3 };
    struct peer_job j = {.id = ++next_id,
                         .workload = PVB_NET_TCP_TX,
                         .port = free_port(),
                         .runtime_ms = 300,
                         .warmup_ms = 100,
                         .life_ms = 10000,
                         .streams = N};
    static char buf[16384];
    struct agent_result a;
    struct peer_report r;
    uint64_t sent[N] = {0}, sum = 0;
    int fd[N], stopped[N] = {0}, nstopped = 0;
    char c, err[256];

    (void)state;
    if (peer_job_begin(&pr, &j, err, sizeof(err)) != 0) {
        fail_msg("peer_job_begin: %s", err);
    }
    memset(buf, 'x', sizeof(buf));
    for (int i = 0; i < N; i++) {
        fd[i] = tcp_connect(j.port);
        send_hello(fd[i], j.id, PVB_NET_TCP_TX, sizeof(buf));
    }
    while (nstopped < N) {
        struct pollfd p[N];

        for (int i = 0; i < N; i++) {
            p[i].fd = fd[i];
            p[i].events = stopped[i] ? 0 : POLLIN | POLLOUT;
        }
        poll(p, N, 100);
        for (int i = 0; i < N; i++) {
            ssize_t n;

            if (stopped[i]) {
                continue;
            }
            n = send(fd[i], buf, sizeof(buf), MSG_NOSIGNAL | MSG_DONTWAIT);
            if (n > 0) {
                sent[i] += (uint64_t)n;
            }
            if (recv(fd[i], &c, 1, MSG_DONTWAIT) == 1) {
                assert_int_equal(c, PVB_NET_STOP);
                stopped[i] = 1;
                nstopped++;
                shutdown(fd[i], SHUT_WR);
            }
        }
    }
    for (int i = 0; i < N; i++) {
        assert_int_equal(read_to_eof(fd[i]), 0);
        close(fd[i]);
        assert_true(sent[i] > 0); /* every stream moved payload */
        sum += sent[i];
    }
    r = end();
    if (!r.ok) {
        fail_msg("peer: %s", r.reason);
    }
    assert_true(r.total_bytes == sum);
    assert_true(r.window_bytes > 0 && r.window_bytes < sum);
    assert_true(r.window_s >= 0.3 && r.window_s < 1.5);
    memset(&a, 0, sizeof(a));
    a.bytes_total = sum;
    assert_int_equal(peer_check(PVB_NET_TCP_TX, &a, &r, err, sizeof(err)), 0);
}

/* tcp_rx with streams: the peer sends on every stream only once all have said hello. */
static void test_tcp_rx_streams(void **state)
{
    enum { N = 2 };
    struct peer_job j = {.id = ++next_id,
                         .workload = PVB_NET_TCP_RX,
                         .port = free_port(),
                         .runtime_ms = 200,
                         .warmup_ms = 50,
                         .life_ms = 10000,
                         .streams = N};
    static char buf[65536];
    const char stop = PVB_NET_STOP;
    struct peer_report r;
    uint64_t got = 0;
    char err[256];
    int fd[N];

    (void)state;
    if (peer_job_begin(&pr, &j, err, sizeof(err)) != 0) {
        fail_msg("peer_job_begin: %s", err);
    }
    fd[0] = tcp_connect(j.port);
    send_hello(fd[0], j.id, PVB_NET_TCP_RX, 16384);
    {
        struct pollfd p = {.fd = fd[0], .events = POLLIN};

        assert_int_equal(poll(&p, 1, 300), 0); /* nothing before the second stream */
    }
    fd[1] = tcp_connect(j.port);
    send_hello(fd[1], j.id, PVB_NET_TCP_RX, 16384);
    for (int i = 0; i < N; i++) {
        ssize_t n = recv(fd[i], buf, sizeof(buf), 0);

        assert_true(n > 0);
        got += (uint64_t)n;
    }
    usleep(300 * 1000);
    for (int i = 0; i < N; i++) {
        assert_int_equal(send(fd[i], &stop, 1, MSG_NOSIGNAL), 1);
    }
    for (int i = 0; i < N; i++) {
        got += read_to_eof(fd[i]);
        close(fd[i]);
    }
    r = end();
    if (!r.ok) {
        fail_msg("peer: %s", r.reason);
    }
    assert_true(r.total_bytes == got);
}

/* Fewer streams than the job asks for: a failure that says how many came. */
static void test_streams_missing(void **state)
{
    struct peer_job j = {.id = ++next_id,
                         .workload = PVB_NET_TCP_TX,
                         .port = free_port(),
                         .runtime_ms = 100,
                         .warmup_ms = 0,
                         .life_ms = 500,
                         .streams = 4};
    struct peer_report r;
    char err[256];
    int fd;

    (void)state;
    if (peer_job_begin(&pr, &j, err, sizeof(err)) != 0) {
        fail_msg("peer_job_begin: %s", err);
    }
    fd = tcp_connect(j.port);
    send_hello(fd, j.id, PVB_NET_TCP_TX, 1000);
    usleep(700 * 1000);
    r = end();
    close(fd);
    assert_int_equal(r.ok, 0);
    if (!strstr(r.reason, "(1 of 4 connected)")) {
        fail_msg("reason: %s", r.reason);
    }
}

static void test_never_connects(void **state)
{
    struct peer_report r;
    double t0;

    (void)state;
    begin(PVB_NET_TCP_TX, 100, 0, 400);
    t0 = now_s();
    usleep(600 * 1000);
    r = end();
    assert_int_equal(r.ok, 0);
    assert_non_null(strstr(r.reason, "timed out after 0."));
    assert_non_null(strstr(r.reason, "waiting for a connection from the guest"));
    assert_true(now_s() - t0 < 2.0);

    begin(PVB_NET_UDP_PPS, 100, 0, 300);
    usleep(400 * 1000);
    r = end();
    assert_int_equal(r.ok, 0);
    assert_non_null(strstr(r.reason, "no datagram from the guest"));
}

static void test_stale_then_good(void **state)
{
    struct peer_job j = begin(PVB_NET_TCP_RR, 100, 0, 10000);
    struct peer_report r;
    char c = 'q';
    int stale, fd;

    (void)state;
    /* A sender of an earlier job: dropped, the peer keeps listening. */
    stale = tcp_connect(j.port);
    send_hello(stale, j.id - 1, PVB_NET_TCP_RR, 1);
    assert_int_equal(read_to_eof(stale), 0);
    close(stale);
    fd = tcp_connect(j.port);
    send_hello(fd, j.id, PVB_NET_TCP_RR, 1);
    for (int i = 0; i < 10; i++) {
        assert_int_equal(send(fd, &c, 1, MSG_NOSIGNAL), 1);
        assert_int_equal(recv(fd, &c, 1, MSG_WAITALL), 1);
    }
    shutdown(fd, SHUT_WR);
    read_to_eof(fd);
    close(fd);
    r = end();
    assert_int_equal(r.ok, 1);
    assert_true(r.total_packets == 10);
}

static void test_reset_and_bad_hello(void **state)
{
    struct peer_job j = begin(PVB_NET_TCP_TX, 5000, 0, 10000);
    struct linger lg = {1, 0};
    static char buf[4096];
    struct peer_report r;
    int fd;

    (void)state;
    fd = tcp_connect(j.port);
    send_hello(fd, j.id, PVB_NET_TCP_TX, sizeof(buf));
    assert_int_equal(send(fd, buf, sizeof(buf), MSG_NOSIGNAL), (ssize_t)sizeof(buf));
    usleep(100 * 1000);
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
    close(fd); /* RST */
    usleep(100 * 1000);
    r = end();
    assert_int_equal(r.ok, 0);
    assert_true(strstr(r.reason, "reset") || strstr(r.reason, "closed the stream before"));

    /* A hello of this job for another workload: the job fails with a reason. */
    j = begin(PVB_NET_TCP_RX, 100, 0, 10000);
    fd = tcp_connect(j.port);
    send_hello(fd, j.id, PVB_NET_TCP_TX, 1024);
    usleep(100 * 1000);
    r = end();
    close(fd);
    assert_int_equal(r.ok, 0);
    assert_non_null(strstr(r.reason, "hello is for workload 1, the job is tcp_rx"));
}

static void test_abort_then_next(void **state)
{
    struct peer_job j;
    struct peer_report r;
    char c = 'q';
    int fd;

    (void)state;
    begin(PVB_NET_TCP_TX, 100, 0, 60000);
    peer_job_abort(&pr); /* the agent failed: the peer lets go at once */
    assert_int_equal(pr.open_id, 0);
    j = begin(PVB_NET_TCP_RR, 100, 0, 10000);
    fd = tcp_connect(j.port);
    send_hello(fd, j.id, PVB_NET_TCP_RR, 1);
    assert_int_equal(send(fd, &c, 1, MSG_NOSIGNAL), 1);
    assert_int_equal(recv(fd, &c, 1, MSG_WAITALL), 1);
    shutdown(fd, SHUT_WR);
    read_to_eof(fd);
    close(fd);
    r = end();
    assert_int_equal(r.ok, 1);
    assert_true(r.total_packets == 1);
}

/*
 * A peer guest: the peer's loop on a tty (as the agent runs it on its ttyS1), the harness's
 * side attached to the other end with part of READY already read; one tcp_rr job; QUIT.
 */
static void test_attach_tty(void **state)
{
    struct peer saved = pr, g;
    struct peer_job j;
    struct peer_report r;
    struct termios t;
    char err[256], pre[4] = "", c = 'q';
    int master, slave, fd, status;
    pid_t pid;

    (void)state;
    assert_int_equal(openpty(&master, &slave, NULL, NULL, NULL), 0);
    assert_int_equal(tcgetattr(slave, &t), 0);
    cfmakeraw(&t);
    assert_int_equal(tcsetattr(slave, TCSANOW, &t), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(master);
        _exit(peer_send_line(slave, "READY id=0\n") == 0 && peer_serve(slave, "127.0.0.1") == 0
                  ? 0
                  : 1);
    }
    close(slave);
    assert_int_equal(read(master, pre, 3), 3); /* "REA": what the session read past its line */
    assert_int_equal(peer_attach(&g, master, pre, 3, err, sizeof(err)), 0);
    assert_int_equal(peer_alive(&g), 1);
    assert_string_equal(peer_who(&g), "peer guest");
    pr = g;
    j = begin(PVB_NET_TCP_RR, 200, 0, 10000);
    fd = tcp_connect(j.port);
    send_hello(fd, j.id, PVB_NET_TCP_RR, 1);
    for (int i = 0; i < 50; i++) {
        assert_int_equal(send(fd, &c, 1, MSG_NOSIGNAL), 1);
        assert_int_equal(recv(fd, &c, 1, MSG_WAITALL), 1);
    }
    shutdown(fd, SHUT_WR);
    assert_int_equal(read_to_eof(fd), 0);
    close(fd);
    r = end();
    g = pr;
    pr = saved;
    if (!r.ok) {
        fail_msg("peer guest: %s", r.reason);
    }
    assert_true(r.total_packets == 50);
    peer_stop(&g); /* QUIT; the channel is the caller's */
    assert_int_equal(g.ctl, -1);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    close(master);
}

/* A peer guest's channel that ends (its connection went): no longer alive; no READY: refused. */
static void test_attach_gone(void **state)
{
    struct peer g;
    char err[256];
    int sv[2];

    (void)state;
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    assert_int_equal(peer_attach(&g, sv[0], "READY id=0\n", 11, err, sizeof(err)), 0);
    assert_int_equal(peer_alive(&g), 1);
    close(sv[1]);
    assert_int_equal(peer_alive(&g), 0);
    close(sv[0]);
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    assert_int_equal(write(sv[1], "PVB1 ERROR {}\n", 14), 14); /* an agent not told to be one */
    assert_int_equal(peer_attach(&g, sv[0], NULL, 0, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "peer guest: PVB1 ERROR"));
    close(sv[0]);
    close(sv[1]);
}

static void test_stop(void **state)
{
    struct peer p;
    char err[256];
    pid_t pid;

    (void)state;
    assert_int_equal(peer_start(&p, NULL, "127.0.0.1", err, sizeof(err)), 0);
    pid = p.pid;
    assert_true(pid > 0);
    peer_stop(&p);
    assert_int_equal(p.pid, 0);
    assert_int_equal(kill(pid, 0), -1);
    /* A namespace that does not exist: the peer says why and is gone. */
    assert_int_equal(peer_start(&p, "/run/netns/pvb-doesnotexist", "127.0.0.1", err,
                                sizeof(err)),
                     -1);
    assert_non_null(strstr(err, "cannot enter /run/netns/pvb-doesnotexist"));
    assert_int_equal(p.pid, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lines),
        cmocka_unit_test(test_check),
        cmocka_unit_test(test_tcp_tx),
        cmocka_unit_test(test_tcp_rx),
        cmocka_unit_test(test_tcp_rr),
        cmocka_unit_test(test_udp),
        cmocka_unit_test(test_tcp_tx_streams),
        cmocka_unit_test(test_tcp_rx_streams),
        cmocka_unit_test(test_streams_missing),
        cmocka_unit_test(test_never_connects),
        cmocka_unit_test(test_stale_then_good),
        cmocka_unit_test(test_reset_and_bad_hello),
        cmocka_unit_test(test_abort_then_next),
        cmocka_unit_test(test_attach_tty),
        cmocka_unit_test(test_attach_gone),
        cmocka_unit_test(test_stop),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
