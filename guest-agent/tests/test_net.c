/*
 * The agent's network side: JOB parsing of the net keys, net results, the kernel
 * command line, interface discovery on a fake sysfs, and the workloads themselves
 * against a tiny fake peer in a child process, over loopback only (127.0.0.1).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "agent.h"

static struct agent_job job;
static char err[AGENT_REASON_MAX];
static char out[PVB_LINE_MAX];

#define NET " kind=net rw=tcp_tx bs=131072 runtime_ms=1000 peer=198.51.100.1 port=7100"

/* ---- parsing ------------------------------------------------------------------------------ */

static void test_parse_net(void **state)
{
    (void)state;
    assert_int_equal(agent_job_parse("id=5 workload=tcp_rr kind=net rw=tcp_rr bs=1 qd=1 "
                                     "runtime_ms=2000 warmup_ms=300 irq=eth0 fault=none "
                                     "peer=198.51.100.1 port=7100",
                                     &job, err, sizeof(err)),
                     0);
    assert_int_equal(job.kind, AGENT_KIND_NET);
    assert_int_equal(job.rw, AGENT_RW_TCP_RR);
    assert_int_equal(job.bs, 1);
    assert_string_equal(job.peer, "198.51.100.1");
    assert_int_equal(job.port, 7100);
    assert_string_equal(job.irq, "eth0");
    assert_true(agent_job_rw_is_net(job.rw));
    assert_string_equal(agent_job_rw_name(job.rw), "tcp_rr");
    /* qd is not needed for net */
    assert_int_equal(agent_job_parse("id=6" NET, &job, err, sizeof(err)), 0);
    assert_int_equal(job.rw, AGENT_RW_TCP_TX);
    assert_int_equal(agent_job_parse("id=6 kind=net rw=udp_pps bs=64 runtime_ms=10 "
                                     "peer=10.0.0.255 port=1",
                                     &job, err, sizeof(err)),
                     0);
    assert_int_equal(job.rw, AGENT_RW_UDP_PPS);
    assert_false(agent_job_rw_is_net(AGENT_RW_RANDREAD));
    assert_int_equal(job.streams, 1); /* not given: one */
    assert_int_equal(agent_job_parse("id=7" NET " streams=64", &job, err, sizeof(err)), 0);
    assert_int_equal(job.streams, 64);
}

static void expect_error(const char *args, const char *substring)
{
    err[0] = '\0';
    assert_int_equal(agent_job_parse(args, &job, err, sizeof(err)), -1);
    if (!strstr(err, substring)) {
        fail_msg("'%s': error '%s' lacks '%s'", args, err, substring);
    }
}

static void test_parse_net_errors(void **state)
{
    (void)state;
    expect_error("id=1 kind=net rw=tcp_tx bs=1 runtime_ms=1 port=7100", "missing key peer");
    expect_error("id=1 kind=net rw=tcp_tx bs=1 runtime_ms=1 peer=198.51.100.1", "missing key port");
    expect_error("id=1 kind=net bs=1 runtime_ms=1 peer=198.51.100.1 port=1", "missing key rw");
    expect_error("id=1 kind=net rw=tcp_tx runtime_ms=1 peer=198.51.100.1 port=1", "missing key bs");
    expect_error("id=1 kind=net rw=tcp_tx bs=1 peer=198.51.100.1 port=1", "missing key runtime_ms");
    expect_error("id=1" NET " port=1", "port given twice");
    expect_error("id=1 kind=net rw=tcp_tx bs=1 runtime_ms=1 peer=198.51.100.1 port=0",
                 "port=0 out of range");
    expect_error("id=1 kind=net rw=tcp_tx bs=1 runtime_ms=1 peer=198.51.100.1 port=65536",
                 "out of range");
    expect_error("id=1 kind=net rw=tcp_tx bs=1 runtime_ms=1 peer=198.51.100 port=1",
                 "peer=198.51.100 is not an IPv4 address");
    expect_error("id=1 kind=net rw=tcp_tx bs=1 runtime_ms=1 peer=198.51.100.256 port=1",
                 "not an IPv4 address");
    expect_error("id=1 kind=net rw=tcp_tx bs=1 runtime_ms=1 peer=1.2.3.4.5 port=1",
                 "not an IPv4 address");
    expect_error("id=1 kind=net rw=tcp_tx bs=1 runtime_ms=1 peer=host.example port=1",
                 "not an IPv4 address");
    expect_error("id=1 kind=net rw=tcp_tx bs=1 runtime_ms=1 peer=1..2.3 port=1",
                 "not an IPv4 address");
    expect_error("id=1 kind=net rw=tcp_tx bs=1 runtime_ms=1 peer=0001.2.3.4 port=1",
                 "not an IPv4 address");
    expect_error("id=1 kind=net rw=tcp_tx bs=1 runtime_ms=1 peer=1.2.3.4/24 port=1",
                 "bad character in peer");
    expect_error("id=1 kind=net rw=read bs=4096 runtime_ms=1 peer=1.2.3.4 port=1",
                 "rw=read is a blk workload, not for kind=net");
    expect_error("id=1 kind=blk rw=tcp_rr bs=4096 qd=1 runtime_ms=1",
                 "rw=tcp_rr is a net workload, not for kind=blk");
    expect_error("id=1 kind=net rw=udp_pps bs=8 runtime_ms=1 peer=1.2.3.4 port=1",
                 "udp_pps needs 16..1472 bytes");
    expect_error("id=1 kind=net rw=udp_pps bs=1473 runtime_ms=1 peer=1.2.3.4 port=1",
                 "udp_pps needs");
    expect_error("id=1 kind=net rw=tcp_rr bs=65537 runtime_ms=1 peer=1.2.3.4 port=1",
                 "at most 65536");
    expect_error("id=1 kind=net rw=tcp_tx bs=0 runtime_ms=1 peer=1.2.3.4 port=1",
                 "bs=0 out of range");
    expect_error("id=1 kind=net rw=tcp_tx bs=1 qd=2 runtime_ms=1 peer=1.2.3.4 port=1",
                 "one connection");
    expect_error("id=1" NET " streams=0", "streams=0 out of range");
    expect_error("id=1" NET " streams=65", "out of range");
    expect_error("id=1 kind=net rw=udp_pps bs=64 runtime_ms=1 peer=1.2.3.4 port=1 streams=2",
                 "streams is for kind=net TCP workloads");
    expect_error("id=1 kind=blk rw=read bs=4096 qd=1 runtime_ms=1 streams=2",
                 "streams is for kind=net TCP workloads");
    /* blk keeps its rules: 512-byte multiples */
    expect_error("id=9 kind=blk rw=read bs=100 qd=1 runtime_ms=100", "bs=100 out of range");
}

static void test_format_net_result(void **state)
{
    struct agent_result r;

    (void)state;
    memset(&r, 0, sizeof(r));
    r.job = 3;
    snprintf(r.workload, sizeof(r.workload), "tcp_rx");
    snprintf(r.device, sizeof(r.device), "eth0");
    snprintf(r.driver, sizeof(r.driver), "8139cp");
    r.runtime_s = 1;
    r.ops = 10;
    r.ops_total = 12;
    r.bytes = 1000;
    r.cpu_pct.idle = 100;
    r.net = true;
    r.bytes_total = 123456789012ULL;
    assert_true(agent_job_format_result(out, sizeof(out), &r) > 0);
    assert_non_null(strstr(out, ",\"irqs\":0,\"bytes_total\":123456789012}\n"));
    assert_non_null(strstr(out, "\"device\":\"eth0\",\"driver\":\"8139cp\""));
    assert_null(strstr(out, "streams"));
    r.streams = 4;
    assert_true(agent_job_format_result(out, sizeof(out), &r) > 0);
    assert_non_null(strstr(out, ",\"bytes_total\":123456789012,\"streams\":4}\n"));
    r.streams = 0;
    /* a blk result carries no bytes_total */
    r.net = false;
    assert_true(agent_job_format_result(out, sizeof(out), &r) > 0);
    assert_null(strstr(out, "bytes_total"));
}

static void test_cmdline(void **state)
{
    char v[32];

    (void)state;
    assert_int_equal(agent_sys_cmdline_value("console=ttyS0 pvbench.run=1a2b3c4d "
                                              "pvbench.addr=198.51.100.5 quiet\n",
                                              "pvbench.addr", v, sizeof(v)),
                     0);
    assert_string_equal(v, "198.51.100.5");
    assert_int_equal(agent_sys_cmdline_value("pvbench.addr=198.51.100.7", "pvbench.addr", v,
                                              sizeof(v)),
                     0);
    assert_string_equal(v, "198.51.100.7");
    assert_int_equal(agent_sys_cmdline_value("xpvbench.addr=1 pvbench.address=2", "pvbench.addr",
                                              v, sizeof(v)),
                     -ENOENT);
    assert_int_equal(agent_sys_cmdline_value("pvbench.addr=0123456789012345678901234567890123",
                                              "pvbench.addr", v, sizeof(v)),
                     -ENAMETOOLONG);
    assert_int_equal(agent_sys_cmdline_value("", "pvbench.addr", v, sizeof(v)), -ENOENT);
}

/* ---- discovery on a fake sysfs --------------------------------------------------------- */

static void sh(const char *cmd)
{
    assert_int_equal(system(cmd), 0);
}

static void test_find_netdev(void **state)
{
    char root[] = "/tmp/pvb-nettest-XXXXXX", cmd[1024], name[32], drv[32];

    (void)state;
    assert_non_null(mkdtemp(root));
    snprintf(cmd, sizeof(cmd),
             "cd %s && mkdir -p class/net/lo bus/pci/drivers/8139cp bus/virtio/drivers/virtio_net "
             "devices/pci0000:00/0000:00:03.0 devices/pci0000:00/0000:00:04.0/virtio0 "
             "class/net/pvbtest0 && "
             "ln -s ../../../../bus/pci/drivers/8139cp devices/pci0000:00/0000:00:03.0/driver && "
             "mkdir -p class/net/eth1 && "
             "ln -s ../../../devices/pci0000:00/0000:00:03.0 class/net/eth1/device",
             root);
    sh(cmd);
    /* lo and a software interface have no device: not candidates */
    assert_int_equal(agent_sys_find_netdev(root, name, sizeof(name)), 1);
    assert_string_equal(name, "eth1");
    assert_int_equal(agent_sys_net_driver(root, "eth1", drv, sizeof(drv)), 0);
    assert_string_equal(drv, "8139cp");
    assert_true(agent_sys_net_driver(root, "lo", drv, sizeof(drv)) < 0);
    /* a second NIC (virtio): the first by name is used */
    snprintf(cmd, sizeof(cmd),
             "cd %s && ln -s ../../../../../bus/virtio/drivers/virtio_net "
             "devices/pci0000:00/0000:00:04.0/virtio0/driver && mkdir -p class/net/eth0 && "
             "ln -s ../../../devices/pci0000:00/0000:00:04.0/virtio0 class/net/eth0/device",
             root);
    sh(cmd);
    assert_int_equal(agent_sys_find_netdev(root, name, sizeof(name)), 2);
    assert_string_equal(name, "eth0");
    assert_int_equal(agent_sys_net_driver(root, "eth0", drv, sizeof(drv)), 0);
    assert_string_equal(drv, "virtio_net");
    /* its queues: the rx-N entries, not the tx-N ones */
    snprintf(cmd, sizeof(cmd),
             "cd %s && mkdir -p class/net/eth0/queues/rx-0 class/net/eth0/queues/rx-1 "
             "class/net/eth0/queues/tx-0 class/net/eth0/queues/tx-1 class/net/eth1/queues/rx-0 "
             "class/net/eth1/queues/tx-0",
             root);
    sh(cmd);
    assert_int_equal(agent_sys_net_queues(root, "eth0"), 2);
    assert_int_equal(agent_sys_net_queues(root, "eth1"), 1);
    assert_true(agent_sys_net_queues(root, "eth9") < 0);
    assert_int_equal(agent_sys_find_netdev("/nonexistent", name, sizeof(name)), -ENOENT);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
    sh(cmd);
}

/* ---- the workloads against a fake peer ------------------------------------------------------ */

static uint32_t get32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t get64(const unsigned char *p)
{
    return (uint64_t)get32(p) << 32 | get32(p + 4);
}

static void put64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) {
        p[i] = (unsigned char)(v >> (56 - 8 * i));
    }
}

static double mono(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A listening (TCP) or bound (UDP) socket on 127.0.0.1, its port in *port. */
static int bound(int type, unsigned *port)
{
    struct sockaddr_in sa = {.sin_family = AF_INET};
    socklen_t sl = sizeof(sa);
    int fd = socket(AF_INET, type, 0);

    assert_true(fd >= 0);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    if (type == SOCK_STREAM) {
        assert_int_equal(listen(fd, 4), 0);
    }
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
    *port = ntohs(sa.sin_port);
    return fd;
}

/* The fake peer's side of one job; writes its count (bytes or transactions) to fd `rep`. */
static void fake_peer(int lfd, enum agent_rw rw, int rep)
{
    static char buf[1 << 16];
    unsigned char h[PVB_NET_HELLO_LEN];
    uint64_t count = 0;
    double t0 = 0;
    int fd;
    ssize_t n;

    alarm(20);
    if (rw == AGENT_RW_UDP_PPS) {
        struct sockaddr_in from;
        socklen_t fl;
        unsigned char d[2048];

        for (;;) {
            fl = sizeof(from);
            n = recvfrom(lfd, d, sizeof(d), 0, (struct sockaddr *)&from, &fl);
            if (n < 16 || get32(d) != PVB_NET_MAGIC) {
                continue;
            }
            if (get64(d + 8) == PVB_NET_SEQ_HELLO) {
                sendto(lfd, d, 16, 0, (struct sockaddr *)&from, fl);
                continue;
            }
            count++;
            if (t0 == 0) {
                t0 = mono();
            }
            if (mono() - t0 > 0.3) {
                put64(d + 8, PVB_NET_SEQ_STOP);
                sendto(lfd, d, 16, 0, (struct sockaddr *)&from, fl);
                break;
            }
        }
        /* drain what is still coming for a moment */
        struct pollfd p = {.fd = lfd, .events = POLLIN};
        while (poll(&p, 1, 200) == 1) {
            if (recv(lfd, d, sizeof(d), 0) >= 16 && get64(d + 8) < PVB_NET_SEQ_HELLO) {
                count++;
            }
        }
        (void)!write(rep, &count, sizeof(count));
        _exit(0);
    }
    fd = accept(lfd, NULL, NULL);
    if (fd < 0 || recv(fd, h, sizeof(h), MSG_WAITALL) != (ssize_t)sizeof(h) ||
        get32(h) != PVB_NET_MAGIC) {
        _exit(1);
    }
    switch (rw) {
    case AGENT_RW_TCP_TX:
        while ((n = recv(fd, buf, sizeof(buf), 0)) > 0) {
            count += (uint64_t)n;
            if (t0 == 0) {
                t0 = mono();
            } else if (t0 > 0 && mono() - t0 > 0.3) {
                char s = PVB_NET_STOP;
                (void)!send(fd, &s, 1, MSG_NOSIGNAL);
                t0 = -1;
            }
        }
        break;
    case AGENT_RW_TCP_RX:
        for (;;) {
            struct pollfd p = {.fd = fd, .events = POLLIN | POLLOUT};
            char c;

            poll(&p, 1, 1000);
            if (p.revents & POLLIN) {
                if (recv(fd, &c, 1, 0) == 1 && c == PVB_NET_STOP) {
                    break;
                }
                _exit(2);
            }
            n = send(fd, buf, sizeof(buf), MSG_NOSIGNAL | MSG_DONTWAIT);
            if (n > 0) {
                count += (uint64_t)n;
            }
        }
        shutdown(fd, SHUT_WR);
        while (recv(fd, buf, sizeof(buf), 0) > 0) {
        }
        break;
    default: /* tcp_rr */
        while ((n = recv(fd, buf, 1, 0)) == 1) {
            if (send(fd, buf, 1, MSG_NOSIGNAL) != 1) {
                _exit(3);
            }
            count++;
        }
        break;
    }
    close(fd);
    (void)!write(rep, &count, sizeof(count));
    _exit(0);
}

static void check_common(const struct agent_result *res);

/* A fake tcp_tx peer of n streams: all hellos first, then the sum counted; stop on every
 * stream 0.3 s after the first payload; the sum to fd `rep` when all have closed. */
static void fake_peer_streams(int lfd, unsigned n, int rep)
{
    static char buf[1 << 16];
    unsigned char h[PVB_NET_HELLO_LEN];
    struct pollfd p[8];
    uint64_t count = 0;
    double t0 = 0;
    unsigned open_n = n, i;
    bool stopped = false;

    alarm(20);
    for (i = 0; i < n; i++) {
        p[i].fd = accept(lfd, NULL, NULL);
        p[i].events = POLLIN;
        if (p[i].fd < 0 || recv(p[i].fd, h, sizeof(h), MSG_WAITALL) != (ssize_t)sizeof(h) ||
            get32(h) != PVB_NET_MAGIC) {
            _exit(1);
        }
    }
    while (open_n > 0) {
        poll(p, n, 1000);
        for (i = 0; i < n; i++) {
            ssize_t r;

            if (p[i].fd < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR))) {
                continue;
            }
            r = recv(p[i].fd, buf, sizeof(buf), 0);
            if (r > 0) {
                count += (uint64_t)r;
                t0 = t0 == 0 ? mono() : t0;
            } else {
                close(p[i].fd);
                p[i].fd = -1;
                open_n--;
            }
        }
        if (!stopped && t0 > 0 && mono() - t0 > 0.3) {
            char s = PVB_NET_STOP;

            for (i = 0; i < n; i++) {
                (void)!send(p[i].fd, &s, 1, MSG_NOSIGNAL);
            }
            stopped = true;
        }
    }
    (void)!write(rep, &count, sizeof(count));
    _exit(0);
}

/* streams=3: three connections, their bytes summed, the rate over each one's interval. */
static void test_run_tcp_tx_streams(void **state)
{
    struct agent_result res;
    uint64_t peer = 0;
    unsigned port;
    int lfd, pfd[2], status;
    pid_t pid;

    (void)state;
    lfd = bound(SOCK_STREAM, &port);
    assert_int_equal(pipe(pfd), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(pfd[0]);
        fake_peer_streams(lfd, 3, pfd[1]);
    }
    close(pfd[1]);
    close(lfd);
    snprintf(out, sizeof(out),
             "id=11 workload=w kind=net rw=tcp_tx bs=65536 runtime_ms=200 warmup_ms=50 "
             "peer=127.0.0.1 port=%u streams=3",
             port);
    assert_int_equal(agent_job_parse(out, &job, err, sizeof(err)), 0);
    if (agent_net_run(&job, "lo", &res, err, sizeof(err)) < 0) {
        fail_msg("agent_net_run: %s", err);
    }
    assert_int_equal(read(pfd[0], &peer, sizeof(peer)), (ssize_t)sizeof(peer));
    close(pfd[0]);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    check_common(&res);
    assert_int_equal(res.streams, 3);
    assert_true(res.bytes_total == peer); /* every byte of every stream arrived */
    assert_true(res.bytes > 0 && res.bytes < res.bytes_total);
}

/* Run job rw against a fake peer; the peer's count in *peer_count. Returns agent_net_run's. */
static int run_against_peer(enum agent_rw rw, unsigned bs, struct agent_result *res,
                            uint64_t *peer_count)
{
    char args[256];
    unsigned port;
    int lfd, pfd[2], ret, status;
    pid_t pid;

    lfd = bound(rw == AGENT_RW_UDP_PPS ? SOCK_DGRAM : SOCK_STREAM, &port);
    assert_int_equal(pipe(pfd), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(pfd[0]);
        fake_peer(lfd, rw, pfd[1]);
    }
    close(pfd[1]);
    close(lfd);
    snprintf(args, sizeof(args),
             "id=11 workload=w kind=net rw=%s bs=%u runtime_ms=200 warmup_ms=50 "
             "peer=127.0.0.1 port=%u",
             agent_job_rw_name(rw), bs, port);
    assert_int_equal(agent_job_parse(args, &job, err, sizeof(err)), 0);
    ret = agent_net_run(&job, "lo", res, err, sizeof(err));
    if (ret < 0) {
        fprintf(stderr, "agent_net_run: %s\n", err);
    }
    *peer_count = 0;
    assert_int_equal(read(pfd[0], peer_count, sizeof(*peer_count)), (ssize_t)sizeof(*peer_count));
    close(pfd[0]);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    return ret;
}

static void check_common(const struct agent_result *res)
{
    assert_int_equal(res->job, 11);
    assert_string_equal(res->device, "lo");
    assert_true(res->net);
    assert_true(res->runtime_s >= 0.2 && res->runtime_s < 1.0);
    assert_true(res->ops > 0 && res->ops <= res->ops_total);
}

static void test_run_tcp_tx(void **state)
{
    struct agent_result res;
    uint64_t peer;

    (void)state;
    assert_int_equal(run_against_peer(AGENT_RW_TCP_TX, 65536, &res, &peer), 0);
    check_common(&res);
    assert_true(res.bytes_total == peer); /* every byte sent arrived */
    assert_true(res.bytes > 0 && res.bytes < res.bytes_total);
}

static void test_run_tcp_rx(void **state)
{
    struct agent_result res;
    uint64_t peer;

    (void)state;
    assert_int_equal(run_against_peer(AGENT_RW_TCP_RX, 65536, &res, &peer), 0);
    check_common(&res);
    assert_true(res.bytes_total == peer);
}

static void test_run_tcp_rr(void **state)
{
    struct agent_result res;
    uint64_t peer;

    (void)state;
    assert_int_equal(run_against_peer(AGENT_RW_TCP_RR, 1, &res, &peer), 0);
    check_common(&res);
    assert_true(res.ops_total == peer);
    assert_true(res.lat_us.min > 0 && res.lat_us.min <= res.lat_us.p50 &&
                res.lat_us.p50 <= res.lat_us.p99 && res.lat_us.p99 <= res.lat_us.max);
}

static void test_run_udp(void **state)
{
    struct agent_result res;
    uint64_t peer;

    (void)state;
    assert_int_equal(run_against_peer(AGENT_RW_UDP_PPS, 64, &res, &peer), 0);
    check_common(&res);
    assert_true(peer <= res.ops_total && peer > 0);
    assert_true(res.bytes_total == res.ops_total * 64);
}

static void test_run_refused(void **state)
{
    struct agent_result res;
    unsigned port;
    double t0;
    int fd;

    (void)state;
    fd = bound(SOCK_STREAM, &port);
    close(fd); /* nobody listens there now */
    snprintf(out, sizeof(out),
             "id=12 kind=net rw=tcp_tx bs=1000 runtime_ms=100 peer=127.0.0.1 port=%u", port);
    assert_int_equal(agent_job_parse(out, &job, err, sizeof(err)), 0);
    t0 = mono();
    assert_true(agent_net_run(&job, "lo", &res, err, sizeof(err)) < 0);
    if (!strstr(err, "refused (no peer listening)")) {
        fail_msg("error: %s", err);
    }
    assert_true(mono() - t0 < 5.0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_net),
        cmocka_unit_test(test_parse_net_errors),
        cmocka_unit_test(test_format_net_result),
        cmocka_unit_test(test_cmdline),
        cmocka_unit_test(test_find_netdev),
        cmocka_unit_test(test_run_tcp_tx),
        cmocka_unit_test(test_run_tcp_rx),
        cmocka_unit_test(test_run_tcp_rr),
        cmocka_unit_test(test_run_udp),
        cmocka_unit_test(test_run_tcp_tx_streams),
        cmocka_unit_test(test_run_refused),
    };

    signal(SIGPIPE, SIG_IGN);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
