/*
 * `pvbench run`'s accelerator: --accel, and the KVM probe. /dev/kvm opening is not enough:
 * on nested set-ups a standard kernel can hang in early boot, so KVM is used only when a
 * probe guest (virtio-blk, its own scratch disk) reaches agent-ready under it.
 */
#include "run_accel.h"

#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend.h"
#include "devmodel.h"
#include "log.h"
#include "progress.h"
#include "registry.h"
#include "run_ctx.h"
#include "session.h"
#include "util.h"

#define RUN_PROBE_DISK_MIB 16
/* After a timeout, how long the probe's console is watched for growth. */
#define RUN_PROBE_GRACE_S 2.0
#define RUN_PROBE_CONSOLE_MAX (1u << 20)

int run_parse_accel(const char *arg, const char **accel)
{
    if (strcmp(arg, "auto") && strcmp(arg, "kvm") && strcmp(arg, "tcg")) {
        log_err("--accel: expected auto, kvm or tcg, got '%s'", arg);
        return -1;
    }
    *accel = arg;
    return 0;
}

/*
 * Boot the probe guest under KVM: the measured guests' spec (run.c) with the probe's own
 * scratch disk, control socket and logs ("kvmprobe-*"), no "why" tracing and no NIC.
 * The guest is left in *s for session_stop either way.
 */
static int run_accel_probe_boot(struct run_ctx *r, struct session *s, const struct devmodel *dev,
                                double timeout_s, char *console, size_t console_len,
                                char *reason, size_t len)
{
    static const char config[] = "kvmprobe";
    char name[96], cmdline[256], qemulog[PATH_MAX + 32];
    char sock[PATH_MAX], disk[PATH_MAX], agent_log[PATH_MAX + 32], mods[128], *p;
    const char *volume;
    struct guest_spec spec;

    snprintf(agent_log, sizeof(agent_log), "%s/%s-agent.log", r->logs_dir, config);
    session_init(s, r->backend, agent_log);
    snprintf(name, sizeof(name), "pvb-%s-%s", r->run_id, config);
    util_strlcpy(mods, dev->guest_modules, sizeof(mods));
    for (p = mods; *p; p++) {
        *p = *p == ' ' ? ',' : *p;
    }
    /* The measured guests' command line: more console output would cost the probe seconds
     * where each byte of the UART is an exit (nested KVM: 45 s instead of 18). */
    snprintf(cmdline, sizeof(cmdline), "%s pvbench.run=%s pvbench.modules=%s", GUEST_CMDLINE,
             r->run_id, mods);
    if (util_fmt(sock, sizeof(sock), "%s/ctl-%s.sock", registry_dir(), config) < 0 ||
        util_fmt(disk, sizeof(disk), "%s/disk-%s.img", registry_dir(), config) < 0) {
        snprintf(reason, len, "state folder path too long");
        return -1;
    }
    snprintf(console, console_len, "%s/%s-console.log", r->logs_dir, config);
    snprintf(qemulog, sizeof(qemulog), "%s/%s-qemu.log", r->logs_dir, config);
    /* A host that cannot see our files gets a volume. */
    volume = backend_can(r->backend, BACKEND_CAP_REMOTE_STORAGE) && r->host->upload ? config : NULL;
    if (session_scratch_disk(s, disk, volume, RUN_PROBE_DISK_MIB, reason, len) < 0) {
        return -1;
    }
    memset(&spec, 0, sizeof(spec));
    spec.name = name;
    spec.qemu_binary = r->qemu_binary;
    spec.accel = "kvm";
    spec.machine = MACHINE_PC;
    spec.vcpus = r->s.vcpus;
    spec.memory_mib = r->s.memory_mib;
    spec.kernel = r->host->kernel[0] ? r->host->kernel : r->kernel;
    spec.initrd = r->host->initrd[0] ? r->host->initrd : r->initrd;
    spec.cmdline = cmdline;
    spec.dut = dev;
    spec.disk_path = s->disk;
    spec.disk_iops_limit = r->s.disk_iops_limit;
    spec.control_sock = sock;
    spec.console_log = console;
    spec.qemu_log = qemulog;
    return session_boot(s, &spec, timeout_s, reason, len);
}

const char *run_accel_probe_name(enum run_probe_result r)
{
    static const char *const names[] = {
        [RUN_PROBE_NOT_RUN] = "not-run", [RUN_PROBE_OK] = "ok",     [RUN_PROBE_NO_KVM] = "no-kvm",
        [RUN_PROBE_HUNG] = "hung",       [RUN_PROBE_SLOW] = "slow", [RUN_PROBE_FAILED] = "failed",
    };

    return (unsigned)r < sizeof(names) / sizeof(names[0]) ? names[r] : "?";
}

enum run_probe_result run_accel_probe_verdict(const char *console, size_t len, int grew)
{
    static const char banner[] = "Linux version ";

    if (grew) {
        return RUN_PROBE_SLOW;
    }
    return console && memmem(console, len, banner, sizeof(banner) - 1) ? RUN_PROBE_SLOW
                                                                        : RUN_PROBE_HUNG;
}

int run_accel_cpu_is_virtual(void)
{
    unsigned a, b, c, d;

    return __get_cpuid(1, &a, &b, &c, &d) && (c & (1u << 31)) != 0;
}

static long long run_accel_file_size(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

/* The console's last line with text in it, printable, into out ("" if none). */
static void run_accel_console_tail(const char *text, size_t n, char *out, size_t len)
{
    size_t end = n, start;

    while (end > 0 && (text[end - 1] == '\n' || text[end - 1] == '\r' || text[end - 1] == ' ')) {
        end--;
    }
    start = end;
    while (start > 0 && text[start - 1] != '\n' && text[start - 1] != '\r') {
        start--;
    }
    if (end - start >= len) {
        start = end - (len - 1);
    }
    memcpy(out, text + start, end - start);
    out[end - start] = '\0';
    util_sanitize(out);
}

/* Port I/O + MMIO exits of the guest so far (a booting kernel probes devices); -1: unknown. */
static double run_accel_device_exits(struct session *s)
{
    struct kvmstats k;
    char err[256];

    if (!backend_can(s->ops, BACKEND_CAP_KVM_STATS) ||
        s->ops->kvm_stats(&s->g, &k, err, sizeof(err)) < 0 || k.io_exits < 0) {
        return -1;
    }
    return k.io_exits + (k.mmio_exits > 0 ? k.mmio_exits : 0);
}

/*
 * A probe that timed out with its guest still running: watch it a little longer, then say
 * whether it hung or is only slow (into r->kvm_probe and why). Slow: the console grew, or
 * the guest kept touching devices (port I/O or MMIO exits, KVM's counters), or the console
 * shows the kernel's banner; a guest stuck in early boot (a decompressor that never ends, a
 * spinning CPU) does none of these.
 */
static void run_accel_probe_timed_out(struct run_ctx *r, struct session *s, const char *console,
                                      const char *reason, char *why, size_t len)
{
    long long before = run_accel_file_size(console);
    double exits0 = run_accel_device_exits(s), exits1;
    char tail[96] = "";
    size_t n = 0;
    char *text;
    int grew;

    usleep((useconds_t)(RUN_PROBE_GRACE_S * 1e6));
    exits1 = run_accel_device_exits(s);
    grew = session_alive(s) && (run_accel_file_size(console) > before ||
                                (exits0 >= 0 && exits1 > exits0));
    text = util_slurp(console, RUN_PROBE_CONSOLE_MAX, &n);
    r->kvm_probe.result = run_accel_probe_verdict(text, text ? n : 0, grew);
    if (text) {
        run_accel_console_tail(text, n, tail, sizeof(tail));
    }
    free(text);
    if (r->kvm_probe.result == RUN_PROBE_SLOW) {
        snprintf(why, len,
                 "/dev/kvm opens but the probe guest is slower than kvm_probe_timeout = %.0f s: "
                 "it was still booting (%s); a larger --kvm-probe-timeout may do",
                 r->kvm_probe.timeout_s, reason);
        return;
    }
    if (!tail[0]) {
        snprintf(why, len,
                 "/dev/kvm opens but the probe guest hung: its console stayed empty and it "
                 "touched no device for %.0f s after %.0f s",
                 RUN_PROBE_GRACE_S, r->kvm_probe.timeout_s);
        return;
    }
    snprintf(why, len,
             "/dev/kvm opens but the probe guest hung: its console stopped (last line: '%s') "
             "and it touched no device for %.0f s more",
             tail, RUN_PROBE_GRACE_S);
}

/*
 * KVM only if a probe guest reaches agent-ready under KVM within kvm_probe_timeout: on
 * nested set-ups /dev/kvm opens but a standard kernel can hang in early boot or be slow.
 */
int run_accel_choose(struct run_ctx *r)
{
    const char *want = r->o->accel ? r->o->accel : "auto";
    const struct devmodel *probe_dev = devmodel_find("virtio-blk");
    char reason[512], console[PATH_MAX + 32];
    struct session s;
    int fd, ok;

    memset(&r->kvm_probe, 0, sizeof(r->kvm_probe));
    r->kvm_probe.timeout_s = r->s.kvm_probe_timeout_s;
    r->nested = 0;
    if (r->backend == &backend_process_ops) {
        util_strlcpy(r->accel, "none", sizeof(r->accel));
        util_strlcpy(r->accel_reason, "process backend: no guest", sizeof(r->accel_reason));
        return 0;
    }
    if (strcmp(want, "tcg") == 0) {
        util_strlcpy(r->accel, "tcg", sizeof(r->accel));
        util_strlcpy(r->accel_reason, "asked for with --accel tcg", sizeof(r->accel_reason));
        return 0;
    }
    r->kvm_probe.result = RUN_PROBE_NO_KVM;
    if (r->backend == &backend_libvirt_ops && !r->host->local) {
        /* Another machine: its /dev/kvm is not ours to open; its libvirt says. */
        if (!backend_libvirt_kvm_available(r->accel_reason, sizeof(r->accel_reason))) {
            goto no_kvm;
        }
    } else {
        fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
        if (fd < 0) {
            snprintf(r->accel_reason, sizeof(r->accel_reason), "/dev/kvm: %s", strerror(errno));
            goto no_kvm;
        }
        close(fd);
    }
    progress_status("probing KVM with a test guest");
    ok = run_accel_probe_boot(r, &s, probe_dev, r->kvm_probe.timeout_s, console, sizeof(console),
                              reason, sizeof(reason)) == 0;
    if (ok) {
        r->kvm_probe.result = RUN_PROBE_OK;
        r->kvm_probe.boot_s = s.boot_s;
    } else if (s.started && session_alive(&s)) {
        run_accel_probe_timed_out(r, &s, console, reason, r->accel_reason,
                                  sizeof(r->accel_reason));
    } else {
        r->kvm_probe.result = RUN_PROBE_FAILED;
        snprintf(r->accel_reason, sizeof(r->accel_reason),
                 "/dev/kvm opens but the probe guest failed: %s", reason);
    }
    session_stop(&s);
    progress_clear();
    if (ok) {
        util_strlcpy(r->accel, "kvm", sizeof(r->accel));
        /* Only this machine's CPU can be asked; a remote host's stays unknown. */
        r->nested = r->backend == &backend_libvirt_ops && !r->host->local
                        ? -1
                        : run_accel_cpu_is_virtual();
        snprintf(r->accel_reason, sizeof(r->accel_reason),
                 "probe guest reached agent-ready under KVM in %.2f s (timeout %.0f s)%s",
                 s.boot_s, r->kvm_probe.timeout_s,
                 r->nested == 1 ? "; nested: this machine is itself a VM" : "");
        return 0;
    }
no_kvm:
    if (strcmp(want, "kvm") == 0) {
        log_err("--accel kvm: KVM cannot run guests here: probe %s (%s)",
                run_accel_probe_name(r->kvm_probe.result), r->accel_reason);
        return -1;
    }
    util_strlcpy(r->accel, "tcg", sizeof(r->accel));
    log_warn("--accel auto: falling back to TCG (software emulation), KVM probe %s (%s); numbers "
             "are much lower than under KVM and are never compared with KVM runs",
             run_accel_probe_name(r->kvm_probe.result), r->accel_reason);
    return 0;
}
