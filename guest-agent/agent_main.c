/*
 * pvbench-agent: the guest's /init (PID 1).
 *
 * Sets the guest up (mounts, modules, device under test), then serves the host
 * over the control serial port (protocol.h): one JOB at a time, answered by one
 * RESULT or ERROR line, until QUIT powers the guest off. As PID 1 it must never
 * return from main: the kernel would panic. Only the exit and crash faults end
 * it on purpose. Diagnostics also go to /dev/console (the host's console log).
 *
 * Run off PID 1 (pvbench-agent [CONTROL [DISK]]) it skips the system setup and serves
 * CONTROL (a pty, or a Unix socket it connects to) with jobs on DISK (e.g. a scratch file);
 * network jobs then use whatever route its network namespace has ($PVBENCH_NET_IF names the
 * interface to report as the one under test). The harness runs it that way inside a
 * namespace of its own for the bare-host network baseline (bench/backend/hostbase_net.c)
 * and for its process backend (bench/backend/backend_process.c).
 */
#include "agent.h"
#include "agent_stall.h"
#include "peer_serve.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define AGENT_DISK_WAIT_MS 5000
/* 100 MB: about 15 min through the emulated UART under TCG (~120 KB/s). */
#ifndef AGENT_FLOOD_BYTES
#define AGENT_FLOOD_BYTES (100u * 1024 * 1024)
#endif
#define AGENT_PENDING_LOGS 16

static bool agent_is_init;
/* Off PID 1 (debugging on a host): the disk must be named, never discovered. */
static const char *agent_debug_disk;
static int agent_console_fd = -1;
static int agent_ctl_fd = -1;
static struct agent_ready agent_ready_info;
/* The address the interface under test was given ("" without one). */
static char agent_net_addr[32];

/* Setup messages kept until the control channel is open, then sent as LOG lines. */
static char agent_pending[AGENT_PENDING_LOGS][AGENT_REASON_MAX];
static unsigned agent_npending;

static struct agent_line agent_in;
static char agent_out_line[PVB_LINE_MAX];

static void agent_sleep_ms(unsigned ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};

    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
    }
}

/* Write all of buf, retrying on EINTR/EAGAIN. Returns 0 or -errno. */
static int agent_write_all(int fd, const char *buf, size_t len)
{
    ssize_t n;

    while (len > 0) {
        n = write(fd, buf, len);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            if (errno == EAGAIN) {
                agent_sleep_ms(1);
                continue;
            }
            return -errno;
        }
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/* One diagnostic line on the kernel console (stderr when not yet open). */
static void AGENT_PRINTF(1, 2) agent_console(const char *fmt, ...)
{
    char line[512];
    va_list ap;
    int n;

    n = snprintf(line, sizeof(line), "pvbench-agent: ");
    va_start(ap, fmt);
    vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
    va_end(ap);
    strcat(line, "\n");
    agent_write_all(agent_console_fd >= 0 ? agent_console_fd : 2, line, strlen(line));
}

/* One line to the harness; the stall watchdog's thread sends too, a line at a time. */
static void agent_send(const char *line, int len)
{
    static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    int ret;

    if (len < 0) {
        agent_console("internal error: a protocol line did not fit its buffer");
        return;
    }
    if (agent_ctl_fd < 0) {
        return;
    }
    pthread_mutex_lock(&mu);
    ret = agent_write_all(agent_ctl_fd, line, (size_t)len);
    pthread_mutex_unlock(&mu);
    if (ret < 0) {
        agent_console("write %s: %s", PVB_CONTROL_TTY, strerror(-ret));
    }
}

static void agent_send_error(unsigned job, const char *reason)
{
    agent_console("job %u: error: %s", job, reason);
    agent_send(agent_out_line,
               agent_job_format_error(agent_out_line, sizeof(agent_out_line), job, reason));
}

static void AGENT_PRINTF(1, 2) agent_send_log(const char *fmt, ...)
{
    char text[AGENT_REASON_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    agent_send(agent_out_line, agent_job_format_log(agent_out_line, sizeof(agent_out_line), text));
}

/* The stall watchdog's reports (its own thread: its own buffer). */
static void agent_stall_send(const char *text)
{
    char line[PVB_LINE_MAX];

    agent_console("%s", text);
    agent_send(line, agent_job_format_log(line, sizeof(line), text));
}

/* Log callback of agent_sys_*: console now, control channel once it is open. */
static void agent_setup_log(const char *msg)
{
    agent_console("%s", msg);
    if (agent_ctl_fd >= 0) {
        agent_send_log("%s", msg);
    } else if (agent_npending < AGENT_PENDING_LOGS) {
        snprintf(agent_pending[agent_npending++], AGENT_REASON_MAX, "%s", msg);
    }
}

/* Off PID 1 the control may be a Unix socket the harness listens on (bench/backend/hostbase_net.c). */
static int agent_connect_control(const char *path)
{
    struct sockaddr_un sa;
    int fd, e;

    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    if (strlen(path) >= sizeof(sa.sun_path)) {
        return -ENAMETOOLONG;
    }
    memcpy(sa.sun_path, path, strlen(path) + 1);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -errno;
    }
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        e = errno;
        close(fd);
        return -e;
    }
    return fd;
}

static int agent_open_control(const char *path)
{
    struct termios t;
    struct stat st;
    int fd;

    if (!agent_is_init && stat(path, &st) == 0 && S_ISSOCK(st.st_mode)) {
        return agent_connect_control(path);
    }
    fd = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        return -errno;
    }
    if (isatty(fd)) {
        if (tcgetattr(fd, &t) < 0) {
            agent_console("tcgetattr %s: %s", path, strerror(errno));
        } else {
            cfmakeraw(&t);
            cfsetispeed(&t, B115200);
            cfsetospeed(&t, B115200);
            t.c_cflag |= CLOCAL | CREAD;
            t.c_cflag &= ~(tcflag_t)CRTSCTS;
            t.c_cc[VMIN] = 1;
            t.c_cc[VTIME] = 0;
            if (tcsetattr(fd, TCSANOW, &t) < 0) {
                agent_console("tcsetattr %s: %s", path, strerror(errno));
            }
        }
    }
    return fd;
}

static double agent_uptime(void)
{
    char buf[128];

    if (procstat_read_file("/proc/uptime", buf, sizeof(buf)) < 0) {
        return 0.0;
    }
    return strtod(buf, NULL);
}

/* Fill agent_ready_info.blk and blk_driver from the disk found (count n of candidates). */
static void agent_found_disk(int n)
{
    struct agent_ready *r = &agent_ready_info;
    int ret;

    if (n > 1) {
        agent_setup_log("more than one candidate disk in /sys/block; using the first");
    }
    ret = agent_sys_disk_driver("/sys", r->blk, r->blk_driver, sizeof(r->blk_driver));
    if (ret < 0) {
        r->blk_driver[0] = '\0';
        agent_console("driver of %s: %s", r->blk, strerror(-ret));
    }
    agent_console("disk under test: /dev/%s, driver %s", r->blk,
                  r->blk_driver[0] ? r->blk_driver : "(unknown)");
}

/* Fill net and net_driver from the interface found, and configure it. */
static void agent_found_netdev(int n)
{
    struct agent_ready *r = &agent_ready_info;
    char err[AGENT_REASON_MAX], cmdline[1024], addr[32];
    struct in_addr in;
    int ret;

    if (n > 1) {
        agent_setup_log("more than one network interface with a device; using the first");
    }
    ret = agent_sys_net_driver("/sys", r->net, r->net_driver, sizeof(r->net_driver));
    if (ret < 0) {
        r->net_driver[0] = '\0';
        agent_console("driver of %s: %s", r->net, strerror(-ret));
    }
    /* The harness gives each guest of a run its own address (pvbench.addr=). */
    if (procstat_read_file("/proc/cmdline", cmdline, sizeof(cmdline)) < 0 ||
        agent_sys_cmdline_value(cmdline, "pvbench.addr", addr, sizeof(addr)) < 0 ||
        inet_pton(AF_INET, addr, &in) != 1) {
        snprintf(addr, sizeof(addr), "%s", PVB_NET_GUEST_ADDR);
    }
    if (agent_net_setup(r->net, addr, err, sizeof(err)) < 0) {
        agent_setup_log(err);
    }
    snprintf(agent_net_addr, sizeof(agent_net_addr), "%s", addr);
    /* a multiqueue NIC (queues = N): all its pairs, before the interface carries traffic */
    if (agent_net_channels(r->net, err, sizeof(err)) < 0) {
        agent_setup_log(err);
    }
    ret = agent_sys_net_queues("/sys", r->net);
    r->net_queues = ret > 0 ? (unsigned)ret : 1;
    agent_console("interface under test: %s, driver %s, address %s/%d, %u queue%s", r->net,
                  r->net_driver[0] ? r->net_driver : "(unknown)", addr, PVB_NET_PREFIX,
                  r->net_queues, r->net_queues == 1 ? "" : "s");
}

/*
 * Find the device under test: a disk or a network interface, whichever shows up
 * (a guest has one). Fills agent_ready_info.blk/blk_driver or net/net_driver.
 */
static void agent_find_dut(unsigned timeout_ms)
{
    struct agent_ready *r = &agent_ready_info;
    unsigned waited = 0;
    int nd = 0, nn = 0;

    for (;;) {
        if (!r->blk[0]) {
            nd = agent_sys_wait_disk(r->blk, sizeof(r->blk), 0);
            if (nd <= 0) {
                r->blk[0] = '\0';
            }
        }
        if (!r->net[0]) {
            nn = agent_sys_find_netdev("/sys", r->net, sizeof(r->net));
            if (nn <= 0) {
                r->net[0] = '\0';
            }
        }
        if (r->blk[0] || r->net[0] || waited >= timeout_ms) {
            break;
        }
        agent_sleep_ms(50);
        waited += 50;
    }
    if (r->blk[0] && !r->blk_driver[0]) {
        agent_found_disk(nd);
    }
    if (r->net[0] && !r->net_driver[0]) {
        agent_found_netdev(nn);
    }
    if (!r->blk[0] && !r->net[0] && timeout_ms > 0) {
        agent_setup_log(nd == 0 ? "no device under test found (no disk in /sys/block, no "
                                  "network interface with a device)"
                                : "disk under test has no /dev node");
    }
}

/* Mounts, modules, DUT discovery. Problems are logged; the agent goes on regardless. */
static void agent_setup(void)
{
    struct agent_ready *r = &agent_ready_info;
    const char *base;
    struct utsname uts;
    int ret;

    if (agent_is_init) {
        agent_sys_mounts(agent_setup_log);
    }
    if (agent_is_init) {
        agent_console_fd = open("/dev/console", O_WRONLY | O_NOCTTY | O_CLOEXEC);
    }
    if (agent_console_fd >= 0) {
        dup2(agent_console_fd, 1);
        dup2(agent_console_fd, 2);
    }
    agent_console("%s starting (pid %d)", AGENT_VERSION, (int)getpid());
    if (uname(&uts) == 0 &&
        snprintf(r->kernel, sizeof(r->kernel), "%s", uts.release) >= (int)sizeof(r->kernel)) {
        agent_console("kernel release truncated to %s", r->kernel);
    }
    if (agent_is_init) {
        /* The harness names the driver of the device under test: only it and its deps load. */
        char cmdline[1024], wanted[512];
        int have = procstat_read_file("/proc/cmdline", cmdline, sizeof(cmdline)) >= 0 &&
                   agent_sys_cmdline_value(cmdline, "pvbench.modules", wanted,
                                           sizeof(wanted)) == 0;

        ret = agent_sys_load_modules(PVB_MODULES_LIST, have ? wanted : NULL,
                                     &r->modules_loaded, &r->modules_failed, agent_setup_log);
        agent_console("modules: %d loaded, %d failed%s", r->modules_loaded, r->modules_failed,
                      ret < 0 ? " (no module list)" : "");
    }
    if (agent_is_init) {
        agent_find_dut(AGENT_DISK_WAIT_MS);
    } else if (agent_debug_disk) {
        base = strrchr(agent_debug_disk, '/');
        snprintf(r->blk, sizeof(r->blk), "%.*s", AGENT_NAME_MAX - 1,
                 base ? base + 1 : agent_debug_disk);
    } else if (getenv("PVBENCH_NET_IF")) {
        /* In a namespace the harness set up (its process backend): the NIC is named to us. */
        snprintf(r->net, sizeof(r->net), "%.*s", AGENT_NAME_MAX - 1, getenv("PVBENCH_NET_IF"));
    }
}

/* Inject a fault instead of running the job. Returns only for garbage and flood. */
static void agent_fault(const struct agent_job *job)
{
    static const char garbage[] = "\x01\x02 not json {{{\n";
    char chunk[64 * 1024];
    size_t left;
    int ret = 0;

    switch (job->fault) {
    case AGENT_FAULT_NONE:
    case AGENT_FAULT_STALL: /* inside the engine (agent_meter_start) */
        return;
    case AGENT_FAULT_HANG:
        agent_console("job %u: fault hang: never answering", job->id);
        for (;;) {
            pause();
        }
    case AGENT_FAULT_CRASH:
        agent_console("job %u: fault crash: abort()", job->id);
        abort();
    case AGENT_FAULT_EXIT:
        agent_console("job %u: fault exit: exit(1) from pid %d", job->id, (int)getpid());
        exit(1);
    case AGENT_FAULT_GARBAGE:
        agent_console("job %u: fault garbage", job->id);
        agent_send(garbage, (int)strlen(garbage));
        return;
    case AGENT_FAULT_FLOOD:
        agent_console("job %u: fault flood: %u bytes without newline", job->id, AGENT_FLOOD_BYTES);
        memset(chunk, 'A', sizeof(chunk));
        for (left = AGENT_FLOOD_BYTES; left > 0 && ret == 0;) {
            size_t n = left < sizeof(chunk) ? left : sizeof(chunk);

            ret = agent_write_all(agent_ctl_fd, chunk, n);
            left -= n;
        }
        /* End the junk line so the channel is in sync again for the next job. */
        agent_send("\n", 1);
        agent_console("job %u: flood done", job->id);
        return;
    }
}

/*
 * What a kind needs around its engines: where a job runs (set up before the engine starts),
 * how it is described on the console, and its driver for the RESULT.
 */
struct agent_kind_ops {
    /* The target of job (device path or interface name) into buf; -1 with the reason. */
    int (*target)(const struct agent_job *job, char *buf, size_t len, char *err, size_t errlen);
    /* The job line's kind-specific part ("qd=32", "peer=10.0.2.2:5201"). */
    void (*describe)(const struct agent_job *job, char *buf, size_t len);
    /* The result line's figures ("1234 ops in 1.000 s (1234 IOPS)"). */
    void (*summary)(const struct agent_result *res, char *buf, size_t len);
    const char *driver; /* agent_ready_info's driver of this kind's device under test */
    const char *no_ops; /* the ERROR when nothing completed */
};

/* A kind=net job: on the interface under test, or (off PID 1) on whatever route the host has. */
static int agent_net_target(const struct agent_job *job, char *buf, size_t len, char *err,
                            size_t errlen)
{
    struct agent_ready *r = &agent_ready_info;
    int ret;

    (void)job;
    if (!r->net[0] && agent_is_init) {
        agent_find_dut(0);
    }
    if (!r->net[0] && agent_is_init) {
        snprintf(err, errlen, "no network interface under test found");
        return -1;
    }
    if (r->net[0] && agent_is_init) {
        ret = agent_net_wait_carrier(r->net, 10000);
        if (ret < 0) {
            snprintf(err, errlen, "%s has no carrier after 10 s: %s", r->net, strerror(-ret));
            return -1;
        }
    }
    snprintf(buf, len, "%s", r->net[0] ? r->net : "host");
    return 0;
}

static void agent_net_describe(const struct agent_job *job, char *buf, size_t len)
{
    if (job->streams > 1) {
        snprintf(buf, len, "peer=%s:%u streams=%u", job->peer, job->port, job->streams);
    } else {
        snprintf(buf, len, "peer=%s:%u", job->peer, job->port);
    }
}

static void agent_net_summary(const struct agent_result *res, char *buf, size_t len)
{
    snprintf(buf, len, "%llu ops, %llu bytes in %.3f s (%.1f Mbit/s)", (unsigned long long)res->ops,
             (unsigned long long)res->bytes, res->runtime_s,
             (double)res->bytes * 8 / res->runtime_s / 1e6);
}

/* A kind=blk job: on the disk under test, or (off PID 1) on the file named on the command line. */
static int agent_blk_target(const struct agent_job *job, char *buf, size_t len, char *err,
                            size_t errlen)
{
    (void)job;
    if (!agent_ready_info.blk[0] && agent_is_init) {
        agent_find_dut(0); /* a slow SCSI scan may have finished since READY */
    }
    if (!agent_ready_info.blk[0]) {
        snprintf(err, errlen, "no block device under test found");
        return -1;
    }
    snprintf(buf, len, "%s%s", agent_debug_disk ? "" : "/dev/",
             agent_debug_disk ? agent_debug_disk : agent_ready_info.blk);
    return 0;
}

static void agent_blk_describe(const struct agent_job *job, char *buf, size_t len)
{
    if (job->numjobs > 1) {
        snprintf(buf, len, "qd=%u numjobs=%u", job->qd, job->numjobs);
    } else {
        snprintf(buf, len, "qd=%u", job->qd);
    }
}

static void agent_blk_summary(const struct agent_result *res, char *buf, size_t len)
{
    snprintf(buf, len, "%llu ops in %.3f s (%.0f IOPS)", (unsigned long long)res->ops,
             res->runtime_s, (double)res->ops / res->runtime_s);
}

static const struct agent_kind_ops agent_kinds[AGENT_KIND_COUNT] = {
    [AGENT_KIND_BLK] =
        {
            .target = agent_blk_target,
            .describe = agent_blk_describe,
            .summary = agent_blk_summary,
            .driver = agent_ready_info.blk_driver,
            .no_ops = "no operation completed",
        },
    [AGENT_KIND_NET] =
        {
            .target = agent_net_target,
            .describe = agent_net_describe,
            .summary = agent_net_summary,
            .driver = agent_ready_info.net_driver,
            .no_ops = "no operation completed in the measured interval",
        },
};

/* Why no job can run: the engine table failed its check at start ("" when it passed). */
static char agent_engines_bad[AGENT_REASON_MAX];

/* What every engine's job ends with: the ERROR, or the RESULT and its console line. */
static void agent_job_epilogue(const struct agent_kind_ops *k, const struct agent_job *job,
                               struct agent_result *res, int ret, const char *err)
{
    char figures[160];

    if (ret < 0) {
        agent_send_error(job->id, err);
        return;
    }
    if (res->ops == 0) {
        agent_send_error(job->id, k->no_ops);
        return;
    }
    snprintf(res->driver, sizeof(res->driver), "%s", k->driver);
    if (job->irq[0] && res->irq_lines == 0) {
        agent_send_log("job %u: irq=%s matches no line of /proc/interrupts", job->id, job->irq);
    }
    k->summary(res, figures, sizeof(figures));
    agent_console("job %u: %s, mean latency %.1f us", job->id, figures, res->lat_us.mean);
    agent_send(agent_out_line,
               agent_job_format_result(agent_out_line, sizeof(agent_out_line), res));
}

static void agent_handle_job(const char *args)
{
    static struct agent_job job;
    static struct agent_result res;
    const struct agent_engine_ops *e;
    const struct agent_kind_ops *k;
    char err[AGENT_REASON_MAX], target[PATH_MAX], what[96], via[48];
    int ret;

    if (agent_job_parse(args, &job, err, sizeof(err)) < 0) {
        agent_send_error(job.id, err);
        return;
    }
    /* A stall happens inside the engine's measured loop (agent_meter.c), with the watchdog */
    if (job.fault != AGENT_FAULT_NONE && job.fault != AGENT_FAULT_STALL) {
        agent_fault(&job);
        return;
    }
    if (agent_engines_bad[0]) {
        agent_send_error(job.id, agent_engines_bad);
        return;
    }
    e = agent_engine_find(&job, err, sizeof(err));
    if (!e) {
        agent_send_error(job.id, err);
        return;
    }
    k = &agent_kinds[job.kind];
    if (k->target(&job, target, sizeof(target), err, sizeof(err)) < 0) {
        agent_send_error(job.id, err);
        return;
    }
    k->describe(&job, what, sizeof(what));
    via[0] = '\0';
    if (job.engine != AGENT_ENGINE_AGENT) {
        snprintf(via, sizeof(via), " engine=%s", e->name);
    }
    agent_console("job %u: %s %s bs=%u %s warmup=%ums runtime=%ums%s", job.id, job.workload,
                  agent_job_rw_name(job.rw), job.bs, what, job.warmup_ms, job.runtime_ms, via);
    if (agent_stall_begin(&job, target) < 0) {
        agent_console("job %u: no stall watchdog (thread): %s", job.id, strerror(errno));
    }
    ret = e->run(&job, target, &res, err, sizeof(err));
    agent_stall_end();
    agent_job_epilogue(k, &job, &res, ret, err);
}

static void agent_quit(void)
{
    agent_console("QUIT: syncing and powering off");
    sync();
    if (!agent_is_init) {
        exit(0);
    }
    reboot(RB_POWER_OFF);
    agent_console("reboot(RB_POWER_OFF): %s", strerror(errno));
    agent_send_error(0, "power off failed");
}

static void agent_handle_line(const char *line)
{
    char err[AGENT_REASON_MAX];
    const char *args;

    switch (agent_job_classify(line, &args, err, sizeof(err))) {
    case AGENT_MSG_EMPTY:
        return;
    case AGENT_MSG_JOB:
        agent_handle_job(args);
        return;
    case AGENT_MSG_QUIT:
        agent_quit();
        return;
    case AGENT_MSG_BAD:
        agent_send_error(0, err);
        return;
    }
}

/*
 * pvbench.peer=1 on the kernel command line: this guest is the network peer of a guest under
 * test on the same host (the harness's host peer cannot reach a host it talks to only through
 * libvirt). After READY the channel carries the peer's lines (common/peer_serve.h), not jobs.
 */
static int agent_is_peer(void)
{
    char cmdline[1024], v[8];

    return agent_is_init && procstat_read_file("/proc/cmdline", cmdline, sizeof(cmdline)) >= 0 &&
           agent_sys_cmdline_value(cmdline, "pvbench.peer", v, sizeof(v)) == 0 &&
           strcmp(v, "1") == 0;
}

/* Serve as the peer until the harness says QUIT (or the channel ends); then power off. */
static void agent_serve_peer(void)
{
    if (!agent_ready_info.net[0] || !agent_net_addr[0]) {
        agent_console("peer guest: no network interface, serving jobs instead");
        return;
    }
    agent_console("peer guest: serving the network peer at %s on %s", agent_net_addr,
                  agent_ready_info.net);
    if (peer_send_line(agent_ctl_fd, "READY id=0\n") == 0 &&
        peer_serve(agent_ctl_fd, agent_net_addr) < 0) {
        agent_console("peer guest: the control channel failed: %s", strerror(errno));
    }
    agent_quit();
}

/* The control loop; never returns. */
static void agent_serve(void)
{
    char chunk[4096];
    ssize_t n, i;

    agent_line_init(&agent_in);
    for (;;) {
        n = read(agent_ctl_fd, chunk, sizeof(chunk));
        if (n < 0) {
            if (errno != EINTR) {
                agent_console("read %s: %s", PVB_CONTROL_TTY, strerror(errno));
                agent_sleep_ms(100);
            }
            continue;
        }
        if (n == 0 && !agent_is_init) {
            agent_console("control channel closed: exiting");
            exit(0);
        }
        if (n == 0) {
            agent_sleep_ms(100);
            continue;
        }
        for (i = 0; i < n; i++) {
            switch (agent_line_feed(&agent_in, chunk[i])) {
            case AGENT_LINE_NONE:
                break;
            case AGENT_LINE_READY:
                agent_handle_line(agent_in.buf);
                break;
            case AGENT_LINE_TOOLONG:
                agent_send_error(0, "line too long");
                break;
            }
        }
    }
}

int main(int argc, char **argv)
{
    const char *ctl = PVB_CONTROL_TTY;
    unsigned i;
    int fd;

    agent_is_init = getpid() == 1;
    /*
     * Off PID 1 (debugging on a host): pvbench-agent [CONTROL [DISK]], e.g. a pty
     * and a scratch file. Nothing is mounted, loaded or discovered then.
     */
    if (!agent_is_init && argc > 1) {
        ctl = argv[1];
        agent_debug_disk = argc > 2 ? argv[2] : NULL;
    }
    signal(SIGPIPE, SIG_IGN);
    if (agent_is_init && chdir("/") < 0) {
        agent_console("chdir /: %s", strerror(errno));
    }
    agent_setup();
    if (agent_engine_check(agent_engines_bad, sizeof(agent_engines_bad)) < 0) {
        agent_setup_log(agent_engines_bad);
    }
    for (;;) {
        fd = agent_open_control(ctl);
        if (fd >= 0) {
            break;
        }
        agent_console("open %s: %s (retrying)", ctl, strerror(-fd));
        agent_sleep_ms(1000);
    }
    agent_ctl_fd = fd;
    agent_stall_set_log(agent_stall_send);
    for (i = 0; i < agent_npending; i++) {
        agent_send_log("%s", agent_pending[i]);
    }
    agent_ready_info.uptime_s = agent_uptime();
    agent_send(agent_out_line,
               agent_job_format_ready(agent_out_line, sizeof(agent_out_line), &agent_ready_info));
    agent_console("READY sent on %s (uptime %.2f s)", ctl, agent_ready_info.uptime_s);
    if (agent_is_peer()) {
        agent_serve_peer();
    }
    agent_serve();
    return 0;
}
