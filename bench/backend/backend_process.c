/*
 * The process backend: pvbench-agent as an ordinary host process instead of a guest, the
 * way fio's null engine is an engine whose purpose is to test the tool. The run loop,
 * resume, retries, Ctrl-C, disk full and the fault paths run through it in seconds, with
 * no QEMU, no guest kernel and no accelerator.
 *
 * Off PID 1 the agent takes `pvbench-agent CONTROL [DISK]` (guest-agent/agent.c): CONTROL
 * is the Unix socket the harness listens on (spec->control_sock), DISK the scratch file of
 * a blk configuration (spec->disk_path, opened with O_DIRECT). A net configuration's agent
 * runs inside a network namespace of its own, on a veth whose other end is one more port
 * of the run's bridge (netns_add_host with per-guest names), with the address the guest
 * would have been given (pvbench.addr= on the kernel command line): the same path to the
 * host peer as a guest's tap, minus the NIC. The device models only name the
 * configurations: the agent reads a file and uses a veth whatever the model.
 *
 * The process is registered (pid and start time) and dies with the harness
 * (PR_SET_PDEATHSIG); its stdout and stderr are the configuration's console log.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backend.h"
#include "hostbase_net.h"
#include "netns.h"
#include "protocol.h"
#include "registry.h"
#include "util.h"

/* What a running agent holds besides its pid: the namespace of a net configuration. */
struct process_priv {
    struct netns_topo net;
};

/* The tap of a net configuration is "pvbt<run id><k>" (netns.h): the run id and k from it. */
static int process_tap_parse(const char *tap, char *run_id, size_t len, unsigned *k)
{
    char *end;

    if (!tap || strlen(tap) < 13 || strncmp(tap, "pvbt", 4) != 0 || len < 9) {
        return -1;
    }
    memcpy(run_id, tap + 4, 8);
    run_id[8] = '\0';
    *k = (unsigned)strtoul(tap + 12, &end, 16);
    return *end ? -1 : 0;
}

/* The address the harness gives the guest (pvbench.addr= on its command line), as "a.b.c.d/p". */
static int process_guest_addr(const char *cmdline, char *buf, size_t len)
{
    const char *p = cmdline ? strstr(cmdline, "pvbench.addr=") : NULL;
    size_t n;

    if (!p) {
        return -1;
    }
    p += strlen("pvbench.addr=");
    n = strcspn(p, " ");
    if (n == 0 || n > 15) {
        return -1;
    }
    return util_fmt(buf, len, "%.*s/%d", (int)n, p, PVB_NET_PREFIX);
}

/*
 * The namespace of a net configuration: "pvb-<id>-g<k>", veth "pvbv<id>g<k>" on the run's
 * bridge, host0 inside with the guest's address. Registered like the rest of the test network.
 */
static int process_net_up(const struct guest_spec *s, struct netns_topo *t, char *err,
                          size_t errlen)
{
    char run_id[16], addr[32], why[256];
    unsigned k;

    if (process_tap_parse(s->net_tap, run_id, sizeof(run_id), &k) < 0 ||
        netns_names(t, run_id, 0) < 0 || process_guest_addr(s->cmdline, addr, sizeof(addr)) < 0) {
        util_seterr(err, errlen, "process backend: no test network address for %s", s->name);
        return -1;
    }
    snprintf(t->host_netns, sizeof(t->host_netns), "pvb-%s-g%x", run_id, k);
    snprintf(t->host_netns_path, sizeof(t->host_netns_path), "/run/netns/%s", t->host_netns);
    snprintf(t->host_veth, sizeof(t->host_veth), "pvbv%sg%x", run_id, k);
    util_strlcpy(t->host_addr, addr, sizeof(t->host_addr));
    if (netns_add_host(t, NULL, why, sizeof(why)) < 0) {
        util_seterr(err, errlen, "process backend: cannot give %s its namespace: %s", s->name, why);
        return -1;
    }
    return 0;
}

/* The agent reads the scratch file with O_DIRECT: a file system that refuses it is said here. */
static int process_disk_check(const char *path, char *err, size_t errlen)
{
    int fd = open(path, O_RDWR | O_DIRECT | O_CLOEXEC);

    if (fd < 0) {
        util_seterr(err, errlen,
                    "process backend: cannot open the scratch disk %s with O_DIRECT: %s (put "
                    "$PVBENCH_STATE_DIR on a file system that supports it, e.g. ext4)",
                    path, strerror(errno));
        return -1;
    }
    close(fd);
    return 0;
}

/* Child side: no core dumps, the interface under test named, then the one way a host process
 * is started (hostbase_net_exec: dies with the harness, logs, enters the namespace, execs). */
static void process_child(pid_t parent, const char *agent, const struct guest_spec *s,
                          const char *netns_path)
{
    struct rlimit nocore = {0, 0};
    char *argv[] = {(char *)agent, (char *)s->control_sock, NULL, NULL};

    setrlimit(RLIMIT_CORE, &nocore); /* the crash fault aborts on purpose */
    if (netns_path) {
        /* the agent reports it as its interface under test (guest-agent/agent_main.c) */
        setenv("PVBENCH_NET_IF", NETNS_HOST_IF, 1);
    }
    if (s->dut && s->dut->kind == DEVMODEL_BLK) {
        argv[2] = (char *)s->disk_path;
    }
    hostbase_net_exec(parent, netns_path, s->console_log, argv);
}

/* Free what start made besides the process: the namespace, the private state. */
static void process_release(struct guest *g)
{
    struct process_priv *p = g->priv;

    if (p) {
        netns_destroy(&p->net);
        free(p);
        g->priv = NULL;
    }
}

static int process_start(const struct guest_spec *s, struct guest *g, char *err, size_t errlen)
{
    char agent[PATH_MAX], why[512];
    const char *netns_path = NULL;
    struct process_priv *p;
    pid_t parent = getpid();

    memset(g, 0, sizeof(*g));
    g->pid = -1;
    if (hostbase_net_find_agent(agent, sizeof(agent), why, sizeof(why)) < 0) {
        util_seterr(err, errlen, "process backend: %s", why);
        return -1;
    }
    if (s->dut && s->dut->kind == DEVMODEL_BLK && process_disk_check(s->disk_path, err, errlen) < 0) {
        return -1;
    }
    p = calloc(1, sizeof(*p));
    if (!p) {
        util_seterr(err, errlen, "out of memory");
        return -1;
    }
    g->priv = p;
    if (s->dut && s->dut->kind == DEVMODEL_NET) {
        if (process_net_up(s, &p->net, err, errlen) < 0) {
            goto fail;
        }
        netns_path = p->net.host_netns_path;
    }
    /* -v: what QEMU's command line is for the other backends, to rerun the agent by hand. */
    log_debug("process: %s %s%s%s%s%s", agent, s->control_sock,
              s->dut && s->dut->kind == DEVMODEL_BLK ? " " : "",
              s->dut && s->dut->kind == DEVMODEL_BLK ? s->disk_path : "",
              netns_path ? " in network namespace " : "", netns_path ? netns_path : "");
    g->pid = fork();
    if (g->pid < 0) {
        util_seterr(err, errlen, "fork: %s", strerror(errno));
        goto fail;
    }
    if (g->pid == 0) {
        process_child(parent, agent, s, netns_path);
    }
    if (registry_add_proc(g->pid) < 0) {
        log_warn("cannot register the agent of %s (pid %d): %s", s->name, (int)g->pid,
                 strerror(errno));
    }
    return 0;
fail:
    process_release(g);
    g->pid = -1;
    return -1;
}

static double process_cpu_seconds(struct guest *g)
{
    return g->exited ? -1 : util_proc_cpu_seconds(g->pid);
}

static int process_alive(struct guest *g)
{
    int status;

    if (g->exited || g->pid <= 0) {
        return 0;
    }
    if (waitpid(g->pid, &status, WNOHANG) != g->pid) {
        return 1;
    }
    g->exited = 1;
    g->exit_status = status;
    return 0;
}

/* Wait up to grace_s for the agent to end; 1 if it did. */
static int process_wait(struct guest *g, double grace_s)
{
    double deadline = util_now() + grace_s;

    while (process_alive(g)) {
        if (util_now() >= deadline) {
            return 0;
        }
        usleep(10000);
    }
    return 1;
}

/*
 * QUIT (sent before stop) makes the agent sync() the whole host and exit: SIGTERM at once
 * ends it as surely without waiting for that; SIGKILL after grace_s.
 */
static void process_stop(struct guest *g, double grace_s)
{
    char id[32];

    if (g->pid > 0) {
        /* our own child, not reaped yet: its pid cannot belong to anyone else */
        if (!g->exited) {
            kill(g->pid, SIGTERM);
        }
        if (!process_wait(g, grace_s)) {
            kill(g->pid, SIGKILL);
            if (waitpid(g->pid, &g->exit_status, 0) == g->pid) {
                g->exited = 1;
            }
        }
        snprintf(id, sizeof(id), "%d", (int)g->pid);
        registry_forget(REG_PROC, id);
    }
    process_release(g);
}

const struct backend_ops backend_process_ops = {
    .name = "process",
    .process_name = "the agent process",
    .start = process_start,
    .cpu_seconds = process_cpu_seconds,
    .alive = process_alive,
    .stop = process_stop,
};
