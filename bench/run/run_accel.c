/*
 * `pvbench run`'s accelerator: --accel, and the KVM probe. /dev/kvm opening is not enough:
 * on nested set-ups a standard kernel can hang in early boot, so KVM is used only when a
 * probe guest (virtio-blk, its own scratch disk) reaches agent-ready under it.
 */
#include "run_accel.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "backend.h"
#include "devmodel.h"
#include "log.h"
#include "progress.h"
#include "registry.h"
#include "run_ctx.h"
#include "session.h"
#include "util.h"

#define RUN_KVM_PROBE_TIMEOUT_S 10.0
#define RUN_PROBE_DISK_MIB 16

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
                                double timeout_s, char *reason, size_t len)
{
    static const char config[] = "kvmprobe";
    char name[96], cmdline[256], console[PATH_MAX + 32], qemulog[PATH_MAX + 32];
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
    snprintf(cmdline, sizeof(cmdline), "%s pvbench.run=%s pvbench.modules=%s", GUEST_CMDLINE,
             r->run_id, mods);
    if (util_fmt(sock, sizeof(sock), "%s/ctl-%s.sock", registry_dir(), config) < 0 ||
        util_fmt(disk, sizeof(disk), "%s/disk-%s.img", registry_dir(), config) < 0) {
        snprintf(reason, len, "state folder path too long");
        return -1;
    }
    snprintf(console, sizeof(console), "%s/%s-console.log", r->logs_dir, config);
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

/*
 * KVM only if a probe guest reaches agent-ready under KVM in a few seconds: on
 * nested setups /dev/kvm opens but a standard kernel hangs in early boot.
 */
int run_accel_choose(struct run_ctx *r)
{
    const char *want = r->o->accel ? r->o->accel : "auto";
    const struct devmodel *probe_dev = devmodel_find("virtio-blk");
    struct session s;
    char reason[512];
    int fd, ok;

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
    ok = run_accel_probe_boot(r, &s, probe_dev, RUN_KVM_PROBE_TIMEOUT_S, reason,
                              sizeof(reason)) == 0;
    session_stop(&s);
    progress_clear();
    if (ok) {
        util_strlcpy(r->accel, "kvm", sizeof(r->accel));
        snprintf(r->accel_reason, sizeof(r->accel_reason),
                 "probe guest reached agent-ready under KVM in %.2f s", s.boot_s);
        return 0;
    }
    snprintf(r->accel_reason, sizeof(r->accel_reason),
             "/dev/kvm opens but a probe guest did not reach agent-ready under KVM: %s", reason);
no_kvm:
    if (strcmp(want, "kvm") == 0) {
        log_err("--accel kvm: KVM cannot run guests here (%s)", r->accel_reason);
        return -1;
    }
    util_strlcpy(r->accel, "tcg", sizeof(r->accel));
    log_warn("KVM not usable (%s); using TCG (software emulation): numbers are much lower than "
             "under KVM and are never compared with KVM runs",
             r->accel_reason);
    return 0;
}
