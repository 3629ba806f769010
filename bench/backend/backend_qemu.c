/* The direct QEMU backend: qemu-system-x86_64 from an argv array, never a shell. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backend.h"
#include "devbus.h"
#include "kvmstats.h"
#include "qmp.h"
#include "registry.h"
#include "util.h"

#define QEMU_KVM_QMP_TIMEOUT_S 5.0
#define QEMU_SUN_PATH_MAX 108

/* A guest's own state beyond its pid: the KVM counters' QMP monitor (NULL: none). */
struct qemu_priv {
    char kvm_qmp[QEMU_SUN_PATH_MAX];
    struct qmp q;
};

int backend_qemu_argv_add(struct qemu_argv *a, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (a->argc >= GUEST_ARGV_MAX) {
        return -1;
    }
    va_start(ap, fmt);
    n = vsnprintf(a->store + a->used, sizeof(a->store) - a->used, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(a->store) - a->used) {
        return -1;
    }
    a->argv[a->argc++] = a->store + a->used;
    a->argv[a->argc] = NULL;
    a->used += (size_t)n + 1;
    return 0;
}

/* QEMU option values use ',' as separator ("a,,b" escapes it): refuse paths with commas. */
static int path_ok(const char *p)
{
    return p && *p && !strchr(p, ',') && !strchr(p, '\n');
}

int backend_qemu_kvm_qmp_path(const struct guest_spec *s, char *path, size_t len)
{
    if (strcmp(s->accel, "kvm") != 0 || !path_ok(s->control_sock) ||
        snprintf(path, len, "%s.kvm", s->control_sock) >= (int)len ||
        strlen(path) >= QEMU_SUN_PATH_MAX) {
        return -1;
    }
    return 0;
}

int backend_qemu_build_argv(const struct guest_spec *s, struct qemu_argv *a)
{
    char kvm_qmp[PATH_MAX];
    int rc = 0;
    int kvm = strcmp(s->accel, "kvm") == 0;

    memset(a, 0, sizeof(*a));
    if (!path_ok(s->kernel) || !path_ok(s->initrd) || !path_ok(s->control_sock) ||
        !path_ok(s->console_log) ||
        (s->dut && s->dut->kind == DEVMODEL_BLK && !path_ok(s->disk_path)) ||
        strchr(s->name, ',') || strchr(s->cmdline, '\n')) {
        return -1;
    }
    rc |= backend_qemu_argv_add(a, "%s", s->qemu_binary);
    rc |= backend_qemu_argv_add(a, "-name");
    rc |= backend_qemu_argv_add(a, "%s,debug-threads=on", s->name);
    rc |= backend_qemu_argv_add(a, "-accel");
    rc |= backend_qemu_argv_add(a, "%s", kvm ? "kvm" : "tcg");
    rc |= backend_qemu_argv_add(a, "-cpu");
    rc |= backend_qemu_argv_add(a, "%s", kvm ? "host" : "max");
    rc |= backend_qemu_argv_add(a, "-machine");
    rc |= backend_qemu_argv_add(a, "%s", machine_name(s->machine));
    rc |= backend_qemu_argv_add(a, "-smp");
    rc |= backend_qemu_argv_add(a, "%u", s->vcpus);
    rc |= backend_qemu_argv_add(a, "-m");
    rc |= backend_qemu_argv_add(a, "%u", s->memory_mib);
    rc |= backend_qemu_argv_add(a, "-nodefaults");
    rc |= backend_qemu_argv_add(a, "-no-user-config");
    rc |= backend_qemu_argv_add(a, "-display");
    rc |= backend_qemu_argv_add(a, "none");
    rc |= backend_qemu_argv_add(a, "-no-reboot");
    rc |= backend_qemu_argv_add(a, "-kernel");
    rc |= backend_qemu_argv_add(a, "%s", s->kernel);
    rc |= backend_qemu_argv_add(a, "-initrd");
    rc |= backend_qemu_argv_add(a, "%s", s->initrd);
    rc |= backend_qemu_argv_add(a, "-append");
    rc |= backend_qemu_argv_add(a, "%s", s->cmdline);
    /* ttyS0: kernel console to a file; ttyS1: the control channel, same in every config. */
    rc |= backend_qemu_argv_add(a, "-chardev");
    rc |= backend_qemu_argv_add(a, "file,id=con,path=%s", s->console_log);
    rc |= backend_qemu_argv_add(a, "-serial");
    rc |= backend_qemu_argv_add(a, "chardev:con");
    rc |= backend_qemu_argv_add(a, "-chardev");
    rc |= backend_qemu_argv_add(a, "socket,id=ctl,path=%s", s->control_sock);
    rc |= backend_qemu_argv_add(a, "-serial");
    rc |= backend_qemu_argv_add(a, "chardev:ctl");
    /* KVM's exit counters (kvmstats.h): a monitor apart from the "why" jobs' one. */
    if (kvm && backend_qemu_kvm_qmp_path(s, kvm_qmp, sizeof(kvm_qmp)) == 0) {
        rc |= backend_qemu_argv_add(a, "-chardev");
        rc |= backend_qemu_argv_add(a, "socket,id=kvmstats,path=%s,server=on,wait=off", kvm_qmp);
        rc |= backend_qemu_argv_add(a, "-mon");
        rc |= backend_qemu_argv_add(a, "chardev=kvmstats,mode=control");
    }
    /* "Why" metrics (why.h): QMP to switch trace events on and off, and their log file. */
    if (s->qmp_sock) {
        if (!path_ok(s->qmp_sock)) {
            return -1;
        }
        rc |= backend_qemu_argv_add(a, "-qmp");
        rc |= backend_qemu_argv_add(a, "unix:%s,server=on,wait=off", s->qmp_sock);
    }
    if (s->trace_log) {
        if (!path_ok(s->trace_log)) {
            return -1;
        }
        rc |= backend_qemu_argv_add(a, "-D");
        rc |= backend_qemu_argv_add(a, "%s", s->trace_log);
    }
    if (s->dut) {
        rc |= devbus_of(s->dut)->qemu_args(a, s);
    }
    return rc ? -1 : 0;
}

static void qemu_log_argv(const struct qemu_argv *a)
{
    char line[sizeof(a->store) + GUEST_ARGV_MAX];
    size_t used = 0;

    line[0] = '\0';
    for (unsigned i = 0; i < a->argc && used + 1 < sizeof(line); i++) {
        int n = snprintf(line + used, sizeof(line) - used, "%s%s", i ? " " : "", a->argv[i]);
        if (n < 0) {
            break;
        }
        used += (size_t)n;
    }
    log_debug("qemu: %s", line);
}

/* The KVM counters' monitor socket, registered (QEMU creates it), into a new g->priv. */
static int qemu_priv_open(const struct guest_spec *s, struct guest *g, char *err, size_t errlen)
{
    struct qemu_priv *p;
    char path[PATH_MAX];

    if (backend_qemu_kvm_qmp_path(s, path, sizeof(path)) < 0) {
        return 0; /* not KVM, or a path too long: no counters, not an error */
    }
    p = calloc(1, sizeof(*p));
    if (!p) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    qmp_init(&p->q);
    util_strlcpy(p->kvm_qmp, path, sizeof(p->kvm_qmp));
    if (registry_add(REG_FILE, p->kvm_qmp, NULL) < 0) {
        snprintf(err, errlen, "cannot register %s: %s", p->kvm_qmp, strerror(errno));
        free(p);
        return -1;
    }
    g->priv = p;
    return 0;
}

static void qemu_priv_close(struct guest *g)
{
    struct qemu_priv *p = g->priv;

    if (!p) {
        return;
    }
    qmp_close(&p->q);
    unlink(p->kvm_qmp);
    registry_forget(REG_FILE, p->kvm_qmp);
    free(p);
    g->priv = NULL;
}

static int qemu_kvm_stats(struct guest *g, struct kvmstats *out, char *err, size_t errlen)
{
    struct qemu_priv *p = g->priv;
    double deadline = util_now() + QEMU_KVM_QMP_TIMEOUT_S;

    err[0] = '\0';
    if (!p || g->exited) {
        return -1; /* not under KVM (or gone): nothing to say */
    }
    if (p->q.fd < 0 && qmp_connect(&p->q, p->kvm_qmp, deadline, err, errlen) != QMP_OK) {
        return -1;
    }
    return kvmstats_read(&p->q, out, deadline, err, errlen);
}

static int qemu_start(const struct guest_spec *s, struct guest *g, char *err, size_t errlen)
{
    struct qemu_argv a;
    int logfd;
    pid_t pid;

    memset(g, 0, sizeof(*g));
    if (backend_qemu_build_argv(s, &a) < 0) {
        snprintf(err, errlen, "cannot build the QEMU command line (a path holds ',' or is long)");
        return -1;
    }
    if (qemu_priv_open(s, g, err, errlen) < 0) {
        return -1;
    }
    /* -v shows the exact command line, to rerun a guest by hand. */
    qemu_log_argv(&a);
    logfd = open(s->qemu_log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (logfd < 0) {
        snprintf(err, errlen, "cannot open %s: %s", s->qemu_log, strerror(errno));
        qemu_priv_close(g);
        return -1;
    }
    pid = fork();
    if (pid < 0) {
        snprintf(err, errlen, "fork: %s", strerror(errno));
        close(logfd);
        qemu_priv_close(g);
        return -1;
    }
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDONLY);
        sigset_t none;

        /* Dies with the harness, even after a SIGKILL of the harness. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() == 1) {
            _exit(127);
        }
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        /* Own process group: a Ctrl-C on the terminal reaches the harness, which stops us. */
        setpgid(0, 0);
        if (devnull >= 0) {
            dup2(devnull, 0);
        }
        dup2(logfd, 1);
        dup2(logfd, 2);
        execvp(a.argv[0], a.argv);
        dprintf(2, "pvbench: cannot execute %s: %s\n", a.argv[0], strerror(errno));
        _exit(127);
    }
    close(logfd);
    g->pid = pid;
    /* Give /proc a moment so the start time is readable, then register. */
    if (registry_add_proc(pid) < 0) {
        log_warn("cannot register QEMU pid %d: %s", (int)pid, strerror(errno));
    }
    return 0;
}

static double qemu_cpu_seconds(struct guest *g)
{
    return g->exited ? -1 : util_proc_cpu_seconds(g->pid);
}

static int qemu_alive(struct guest *g)
{
    int status;
    pid_t r;

    if (g->exited) {
        return 0;
    }
    r = waitpid(g->pid, &status, WNOHANG);
    if (r == g->pid) {
        g->exited = 1;
        g->exit_status = status;
        return 0;
    }
    return 1;
}

static void qemu_stop(struct guest *g, double grace_s)
{
    char id[32];
    double deadline = util_now() + grace_s;
    int status;

    if (g->pid <= 0) {
        return;
    }
    while (!g->exited && util_now() < deadline) {
        if (!qemu_alive(g)) {
            break;
        }
        usleep(20000);
    }
    if (!g->exited) {
        kill(g->pid, SIGKILL);
        if (waitpid(g->pid, &status, 0) == g->pid) {
            g->exited = 1;
            g->exit_status = status;
        }
    }
    snprintf(id, sizeof(id), "%d", (int)g->pid);
    registry_forget(REG_PROC, id);
    qemu_priv_close(g);
}

const struct backend_ops backend_qemu_ops = {
    .name = "qemu",
    .caps = BACKEND_CAP_WHY | BACKEND_CAP_KVM_STATS,
    .start = qemu_start,
    .cpu_seconds = qemu_cpu_seconds,
    .alive = qemu_alive,
    .stop = qemu_stop,
    .kvm_stats = qemu_kvm_stats,
};
