/* The direct QEMU backend: qemu-system-x86_64 from an argv array, never a shell. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backend.h"
#include "devbus.h"
#include "kvmstats.h"
#include "qmp.h"
#include "registry.h"
#include "scenario.h"
#include "util.h"

#define QEMU_KVM_QMP_TIMEOUT_S 5.0

/* A guest's own state beyond its pid. */
struct qemu_priv {
    struct qmp q; /* on g->monitor_sock: the lost-guest diagnostics and KVM's counters */
    int kvm;      /* under KVM: query-stats around every job */
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

int backend_qemu_build_argv(const struct guest_spec *s, struct qemu_argv *a)
{
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
    /* A fetched QEMU's own firmware first: the host's may be another version's. */
    for (const char *p = s->qemu_data_dirs; p && *p;) {
        size_t n = strcspn(p, ":");

        if (n == 0 || memchr(p, '\n', n)) {
            return -1;
        }
        rc |= backend_qemu_argv_add(a, "-L");
        rc |= backend_qemu_argv_add(a, "%.*s", (int)n, p);
        p += n + (p[n] == ':');
    }
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
    /* "Why" metrics (why.h): QMP to switch trace events on and off, and their log file. */
    if (s->qmp_sock) {
        if (!path_ok(s->qmp_sock)) {
            return -1;
        }
        rc |= backend_qemu_argv_add(a, "-qmp");
        rc |= backend_qemu_argv_add(a, "unix:%s,server=on,wait=off", s->qmp_sock);
    }
    /* A second QMP for the diagnostics of a lost guest: -qmp serves one client at a time,
     * and the why session may hold the first one. */
    if (s->monitor_sock) {
        if (!path_ok(s->monitor_sock)) {
            return -1;
        }
        rc |= backend_qemu_argv_add(a, "-qmp");
        rc |= backend_qemu_argv_add(a, "unix:%s,server=on,wait=off", s->monitor_sock);
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

/* "NAME=value" into a malloc'd string at *slot. 0 or -1. */
static int env_entry(char **slot, const char *name, const char *value)
{
    size_t n = strlen(name) + strlen(value) + 2;

    *slot = malloc(n);
    if (!*slot) {
        return -1;
    }
    snprintf(*slot, n, "%s=%s", name, value);
    return 0;
}

int backend_qemu_build_env(const struct guest_spec *s, char *const *base, char ***envp)
{
    static const char *const names[] = {"LD_LIBRARY_PATH", "QEMU_MODULE_DIR"};
    const char *values[] = {s->qemu_lib_path, s->qemu_module_dir};
    size_t nbase = 0, used = 0;
    char **e;

    *envp = NULL;
    if (!(values[0] && *values[0]) && !(values[1] && *values[1])) {
        return 0;
    }
    while (base && base[nbase]) {
        nbase++;
    }
    e = calloc(nbase + 3, sizeof(*e));
    if (!e) {
        return -1;
    }
    for (size_t i = 0; i < nbase; i++) {
        int ours = 0;

        for (size_t k = 0; k < 2; k++) {
            size_t len = strlen(names[k]);
            /* The spec's value replaces the harness's; an unset one is dropped as well, so
             * the fetched QEMU never loads the host's modules or libraries of another build. */
            ours |= strncmp(base[i], names[k], len) == 0 && base[i][len] == '=';
        }
        if (!ours && !(e[used++] = strdup(base[i]))) {
            goto fail;
        }
    }
    for (size_t k = 0; k < 2; k++) {
        if (values[k] && *values[k] && env_entry(&e[used++], names[k], values[k]) < 0) {
            goto fail;
        }
    }
    e[used] = NULL;
    *envp = e;
    return 0;
fail:
    backend_qemu_env_free(e);
    return -1;
}

void backend_qemu_env_free(char **envp)
{
    for (size_t i = 0; envp && envp[i]; i++) {
        free(envp[i]);
    }
    free(envp);
}

void backend_qemu_argv_line(const struct qemu_argv *a, char *line, size_t len)
{
    size_t used = 0;

    line[0] = '\0';
    for (unsigned i = 0; i < a->argc && used + 1 < len; i++) {
        int n = snprintf(line + used, len - used, "%s%s", i ? " " : "", a->argv[i]);
        if (n < 0) {
            break;
        }
        used += (size_t)n;
    }
}

static void qemu_log_argv(const struct qemu_argv *a)
{
    char line[sizeof(a->store) + GUEST_ARGV_MAX];

    backend_qemu_argv_line(a, line, sizeof(line));
    log_debug("qemu: %s", line);
}

void backend_shown_spec(const struct scenario *s, unsigned i, const char *binary,
                        const char *accel, struct backend_shown_spec *o)
{
    const struct scenario_config *c = &s->configs[i];

    memset(o, 0, sizeof(*o));
    snprintf(o->name, sizeof(o->name), "pvb-RUN-%s", c->name);
    snprintf(o->disk, sizeof(o->disk), "$STATE/disk-%s.img", c->name);
    snprintf(o->sock, sizeof(o->sock), "$STATE/ctl-%s.sock", c->name);
    snprintf(o->con, sizeof(o->con), "$LOGS/%s-console.log", c->name);
    o->spec.name = o->name;
    o->spec.qemu_binary = c->qemu[0] == '/' ? c->qemu : binary;
    o->spec.accel = accel;
    o->spec.machine = s->device_machine[i];
    o->spec.vcpus = c->vcpus;
    o->spec.memory_mib = c->memory_mib;
    o->spec.kernel = "$GUEST/vmlinuz";
    o->spec.initrd = "$GUEST/initramfs.img";
    o->spec.cmdline = GUEST_CMDLINE;
    o->spec.dut = c->dev;
    o->spec.dut_opts = &c->opts;
    o->spec.disk_path = o->disk;
    o->spec.disk_iops_limit = c->disk_iops_limit;
    o->spec.control_sock = o->sock;
    o->spec.console_log = o->con;
    o->spec.net_tap = "pvbtRUN";
    o->spec.net_mac = "52:54:00:00:00:01";
    o->spec.net_vhost = c->vhost == 1;
}

int backend_qemu_config_line(const struct scenario *s, unsigned i, const char *binary,
                             const char *accel, char *line, size_t len)
{
    static struct qemu_argv a;
    struct backend_shown_spec o;

    backend_shown_spec(s, i, binary, accel, &o);
    if (backend_qemu_build_argv(&o.spec, &a) < 0) {
        return -1;
    }
    backend_qemu_argv_line(&a, line, len);
    return 0;
}

void backend_qemu_print_configs(const struct scenario *s, const char *binary, const char *accel,
                                FILE *out)
{
    static char line[sizeof(((struct qemu_argv *)0)->store) + GUEST_ARGV_MAX];

    fprintf(out, "; QEMU command line of each configuration's guest:\n");
    for (unsigned i = 0; i < s->n_configs; i++) {
        if (backend_qemu_config_line(s, i, binary, accel, line, sizeof(line)) < 0) {
            fprintf(out, ";   %s: (does not fit on a command line)\n", s->configs[i].name);
            continue;
        }
        fprintf(out, ";   %s: %s\n", s->configs[i].name, line);
    }
}

/* qemu-img beside binary when it is a path, else the one on PATH. */
static void qemu_img_path(const char *binary, char *path, size_t len)
{
    const char *slash = strrchr(binary, '/');

    if (slash && (size_t)(slash - binary) + sizeof("/qemu-img") <= len) {
        snprintf(path, len, "%.*s/qemu-img", (int)(slash - binary), binary);
        if (access(path, X_OK) == 0) {
            return;
        }
    }
    snprintf(path, len, "qemu-img");
}

int backend_qemu_make_qcow2(const char *binary, const char *path, unsigned prealloc, char *err,
                            size_t errlen)
{
    char img[PATH_MAX], size[32], opt[64], out[1024];
    char *argv[10];
    struct stat st;
    int rc;

    if (stat(path, &st) < 0) {
        snprintf(err, errlen, "scratch disk %s: %s", path, strerror(errno));
        return -1;
    }
    qemu_img_path(binary, img, sizeof(img));
    snprintf(size, sizeof(size), "%lld", (long long)st.st_size);
    snprintf(opt, sizeof(opt), "preallocation=%s", devopts_name(devopts_prealloc_names, prealloc));
    argv[0] = img;
    argv[1] = "create";
    argv[2] = "-q";
    argv[3] = "-f";
    argv[4] = "qcow2";
    argv[5] = "-o";
    argv[6] = opt;
    argv[7] = (char *)path;
    argv[8] = size;
    argv[9] = NULL;
    rc = util_run_capture(argv, out, sizeof(out), 120.0);
    if (rc != 0) {
        util_rstrip(out);
        snprintf(err, errlen, "qemu-img create -f qcow2 %s: %s", path,
                 rc < 0 ? "could not run (or timed out)" : out);
        return -1;
    }
    return 0;
}

/* A guest's own state beyond its pid: one monitor connection, kept (QMP serves one client). */
static int qemu_priv_open(const struct guest_spec *s, struct guest *g, char *err, size_t errlen)
{
    struct qemu_priv *p = calloc(1, sizeof(*p));

    if (!p) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    qmp_init(&p->q);
    p->kvm = strcmp(s->accel, "kvm") == 0;
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
    free(p);
    g->priv = NULL;
}

/* The guest's monitor connection, made when first needed. QMP_OK or a qmp_status. */
static int qemu_monitor_connect(struct guest *g, double deadline, char *err, size_t errlen)
{
    struct qemu_priv *p = g->priv;

    if (!p || !g->monitor_sock[0] || g->exited) {
        util_seterr(err, errlen, "%s", g->exited ? "QEMU has exited" : "no monitor socket");
        return QMP_ERR_IO;
    }
    return p->q.fd >= 0 ? QMP_OK : qmp_connect(&p->q, g->monitor_sock, deadline, err, errlen);
}

static int qemu_kvm_stats(struct guest *g, struct kvmstats *out, char *err, size_t errlen)
{
    struct qemu_priv *p = g->priv;
    double deadline = util_now() + QEMU_KVM_QMP_TIMEOUT_S;

    err[0] = '\0';
    if (!p || !p->kvm || g->exited) {
        return -1; /* not under KVM (or gone): nothing to say */
    }
    if (qemu_monitor_connect(g, deadline, err, errlen) != QMP_OK) {
        return -1;
    }
    return kvmstats_read(&p->q, out, deadline, err, errlen);
}

static int qemu_start(const struct guest_spec *s, struct guest *g, char *err, size_t errlen)
{
    struct qemu_argv a;
    char **envp = NULL;
    int logfd;
    pid_t pid;

    memset(g, 0, sizeof(*g));
    if (s->dut && s->dut->kind == DEVMODEL_BLK && devbus_opts(s)->format == DEVOPTS_FORMAT_QCOW2 &&
        backend_qemu_make_qcow2(s->qemu_binary, s->disk_path, devbus_opts(s)->preallocation, err,
                                errlen) < 0) {
        return -1;
    }
    if (backend_qemu_build_argv(s, &a) < 0) {
        snprintf(err, errlen, "cannot build the QEMU command line (a path holds ',' or is long)");
        return -1;
    }
    /* Built before fork: the child only execs (malloc after fork is not safe with threads). */
    if (backend_qemu_build_env(s, environ, &envp) < 0) {
        snprintf(err, errlen, "cannot build QEMU's environment: out of memory");
        return -1;
    }
    if (envp) {
        log_debug("qemu: LD_LIBRARY_PATH=%s QEMU_MODULE_DIR=%s",
                  s->qemu_lib_path ? s->qemu_lib_path : "",
                  s->qemu_module_dir ? s->qemu_module_dir : "");
    }
    if (qemu_priv_open(s, g, err, errlen) < 0) {
        backend_qemu_env_free(envp);
        return -1;
    }
    /* -v shows the exact command line, to rerun a guest by hand. */
    qemu_log_argv(&a);
    logfd = open(s->qemu_log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (logfd < 0) {
        snprintf(err, errlen, "cannot open %s: %s", s->qemu_log, strerror(errno));
        backend_qemu_env_free(envp);
        qemu_priv_close(g);
        return -1;
    }
    pid = fork();
    if (pid < 0) {
        snprintf(err, errlen, "fork: %s", strerror(errno));
        close(logfd);
        backend_qemu_env_free(envp);
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
        if (envp) {
            execvpe(a.argv[0], a.argv, envp);
        } else {
            execvp(a.argv[0], a.argv);
        }
        dprintf(2, "pvbench: cannot execute %s: %s\n", a.argv[0], strerror(errno));
        _exit(127);
    }
    close(logfd);
    backend_qemu_env_free(envp);
    g->pid = pid;
    util_strlcpy(g->monitor_sock, s->monitor_sock ? s->monitor_sock : "", sizeof(g->monitor_sock));
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

static pid_t qemu_local_pid(struct guest *g)
{
    return g->exited ? -1 : g->pid;
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

/* One command on the guest's monitor connection (made when first needed, kept). */
static int qemu_monitor(struct guest *g, const char *cmd, json_object *args, json_object **ret,
                        double deadline, char *err, size_t errlen)
{
    struct qemu_priv *p = g->priv;
    int rc;

    if (ret) {
        *ret = NULL;
    }
    rc = qemu_monitor_connect(g, deadline, err, errlen);
    if (rc == QMP_OK) {
        rc = qmp_execute(&p->q, cmd, args, ret, deadline, err, errlen);
    }
    if (rc != QMP_OK && rc != QMP_ERR_CMD && p) {
        qmp_close(&p->q); /* the session is over: the next command connects again */
        qmp_init(&p->q);
    }
    return rc;
}

const struct backend_ops backend_qemu_ops = {
    .name = "qemu",
    .process_name = "QEMU",
    .caps = BACKEND_CAP_WHY | BACKEND_CAP_MONITOR | BACKEND_CAP_KVM_STATS | BACKEND_CAP_THREADS,
    .local_pid = qemu_local_pid,
    .monitor = qemu_monitor,
    .start = qemu_start,
    .cpu_seconds = qemu_cpu_seconds,
    .alive = qemu_alive,
    .stop = qemu_stop,
    .kvm_stats = qemu_kvm_stats,
};
