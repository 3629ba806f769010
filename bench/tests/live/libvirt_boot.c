/*
 * Integration-only program (built by bench/tests/integration/test_libvirt.sh, not by
 * `make`): boots the guest image through backend_libvirt_ops (and, to compare, through
 * backend_qemu_ops), waits for the agent's READY, optionally runs one job and checks the
 * host-side block counters against the agent's numbers, and stops the guest.
 *
 * usage: libvirt_boot [--backend libvirt|qemu|both] [--connect URI] [--model NAME]
 *                     [--image DIR] [--logs DIR] [--rounds N] [--job] [--timeout S]
 *                     [--name DOMAIN] [--hold S] [--keep-going] [--iops N] [--qemu SPEC]
 *        libvirt_boot --cleanup          what `pvbench cleanup` does, with the libvirt hook
 *        libvirt_boot --release NAME [--connect URI]   the REG_DOMAIN release hook alone
 *
 * --hold S watches the first guest for S seconds after READY (a test restarts libvirtd
 * meanwhile). --keep-going boots every round even after a failed boot (exit 1 at the end).
 * --backend both boots N rounds of one libvirt and one QEMU guest each, alternating which
 * goes first, and prints the ratio of the median define-to-ready times.
 * --qemu SPEC (QEMU backend): a binary path, or a Debian version of qemu-system-x86 that
 * qemuver_resolve() fetches into the cache first (bench/tests/integration/test_qemu_version.sh).
 * Exit: 0 ok, 1 failure, 2 usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agentmsg.h"
#include "backend.h"
#include "chan.h"
#include "exitcode.h"
#include "qemuver.h"
#include "registry.h"
#include "util.h"

#define BOOT_MAX_ROUNDS 50
#define BOOT_DISK_MIB 64
#define BOOT_JOB_BS 65536u

struct boot_opts {
    const char *uri;
    const char *model;
    const char *image;
    const char *logs;
    const char *name; /* domain name instead of pvb-<run id>-<backend>-<n> */
    double timeout_s;
    double hold_s; /* after READY, watch the first guest this long (daemon restarts) */
    int job;
    int keep_going;
    unsigned iops; /* disk_iops_limit of the guest */
    const struct qemuver *qemu; /* --qemu, resolved; NULL: the host's qemu-system-x86_64 */
};

struct boot_result {
    double start_s; /* backend start() call: define + launch */
    double ready_s; /* start() to the agent's READY line */
};

static struct guest *abort_guest;
static const struct backend_ops *abort_ops;

static int boot_abort(void *arg)
{
    (void)arg;
    return abort_ops && abort_guest && !abort_ops->alive(abort_guest);
}

/* A scratch disk filled with a pattern (reads must move real data), registered first. */
static int boot_make_disk(const char *path)
{
    char *buf = malloc(1u << 20);
    int fd = -1, rc = -1;

    if (!buf || registry_add(REG_FILE, path, NULL) < 0) {
        goto out;
    }
    for (size_t i = 0; i < (1u << 20); i++) {
        buf[i] = (char)(i * 131u + 7u);
    }
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        goto out;
    }
    for (unsigned i = 0; i < BOOT_DISK_MIB; i++) {
        if (util_write_all(fd, buf, 1u << 20) < 0) {
            goto out;
        }
    }
    rc = fdatasync(fd);
out:
    if (fd >= 0) {
        close(fd);
    }
    free(buf);
    return rc;
}

/* Read lines until the agent's READY (or give up). */
static int boot_wait_ready(struct chan *ch, double deadline, struct agent_ready *ready)
{
    char line[PVB_LINE_MAX], err[256];
    struct agentmsg msg;
    int st;

    st = chan_accept(ch, deadline, boot_abort, NULL);
    if (st != CHAN_LINE) {
        fprintf(stderr, "control channel: %s while waiting for the guest to connect\n",
                chan_status_name(st));
        return -1;
    }
    for (;;) {
        st = chan_read_line(ch, line, sizeof(line), deadline, boot_abort, NULL);
        if (st != CHAN_LINE) {
            fprintf(stderr, "control channel: %s while waiting for READY\n", chan_status_name(st));
            return -1;
        }
        if (agentmsg_parse(line, strlen(line), &msg, err, sizeof(err)) < 0 ||
            msg.type == AGENTMSG_LOG) {
            continue;
        }
        if (msg.type != AGENTMSG_READY) {
            fprintf(stderr, "agent sent something other than READY\n");
            return -1;
        }
        *ready = msg.u.ready;
        return 0;
    }
}

/* One seqread job; the host's block counters must agree with the agent's byte count. */
static int boot_job_check(struct chan *ch, struct guest *g, const struct devmodel *m)
{
    char line[PVB_LINE_MAX], err[256];
    struct libvirt_counters c0, c1;
    struct agent_job job;
    struct agentmsg msg;
    double deadline = util_now() + 60.0, host_bytes, agent_bytes, cpu_sum = 0;
    int st;

    memset(&job, 0, sizeof(job));
    job.id = 1;
    job.workload = "seqread";
    job.kind = "blk";
    job.rw = "read";
    job.bs = BOOT_JOB_BS;
    job.qd = 1;
    job.runtime_ms = 1000;
    job.warmup_ms = 200;
    job.irq = m->irq_match;
    job.fault = "none";
    if (agentmsg_format_job(line, sizeof(line), &job) < 0 || backend_libvirt_counters(g, &c0) < 0) {
        fprintf(stderr, "cannot format the job or read the counters before it\n");
        return -1;
    }
    if (chan_send(ch, line, util_now() + 5.0) != 0) {
        fprintf(stderr, "cannot send the job\n");
        return -1;
    }
    for (;;) {
        st = chan_read_line(ch, line, sizeof(line), deadline, boot_abort, NULL);
        if (st != CHAN_LINE) {
            fprintf(stderr, "control channel: %s while waiting for the result\n",
                    chan_status_name(st));
            return -1;
        }
        if (agentmsg_parse(line, strlen(line), &msg, err, sizeof(err)) < 0) {
            fprintf(stderr, "agent: %s\n", err);
            return -1;
        }
        if (msg.type == AGENTMSG_RESULT) {
            break;
        }
        if (msg.type == AGENTMSG_ERROR) {
            fprintf(stderr, "agent: job failed: %s\n", msg.u.error.reason);
            return -1;
        }
    }
    if (backend_libvirt_counters(g, &c1) < 0 || c1.rd_bytes < 0 || c0.rd_bytes < 0) {
        fprintf(stderr, "cannot read the block counters of %s after the job\n", c1.blk_dev);
        return -1;
    }
    /* The agent counts bytes of the measured interval and operations including warm-up. */
    host_bytes = (double)(c1.rd_bytes - c0.rd_bytes);
    agent_bytes = (double)msg.u.result.ops_total * BOOT_JOB_BS;
    for (unsigned i = 0; i < c1.n_vcpus && i < c0.n_vcpus; i++) {
        cpu_sum += c1.vcpu_s[i] - c0.vcpu_s[i];
    }
    printf("counters dev=%s agent_iops=%.0f host_rd_bytes=%.0f agent_bytes_incl_warmup=%.0f "
           "host_rd_req=%lld agent_ops_total=%llu cpu_s=%.3f vcpu_total_s=%.3f "
           "vcpus=%u sum_vcpu_s=%.3f\n",
           c1.blk_dev, (double)msg.u.result.ops / msg.u.result.runtime_s, host_bytes, agent_bytes,
           c1.rd_req - c0.rd_req, (unsigned long long)msg.u.result.ops_total, c1.cpu_s - c0.cpu_s,
           c1.vcpu_total_s - c0.vcpu_total_s, c1.n_vcpus, cpu_sum);
    if (agent_bytes <= 0 || fabs(host_bytes - agent_bytes) > 0.02 * agent_bytes + 1048576.0) {
        fprintf(stderr, "host and agent disagree on the bytes read\n");
        return -1;
    }
    return 0;
}

static int boot_once(const struct backend_ops *ops, const struct boot_opts *o, unsigned n,
                     struct boot_result *res)
{
    char name[96], cmdline[384], sock[PATH_MAX], disk[PATH_MAX], console[PATH_MAX];
    char qemulog[PATH_MAX], kernel[PATH_MAX], initrd[PATH_MAX], err[512], quit[32];
    struct guest_spec spec;
    struct agent_ready ready;
    struct guest g;
    struct chan ch;
    double t0, t1;
    int rc = -1, started = 0;

    memset(&ch, 0, sizeof(ch));
    ch.fd = ch.listen_fd = -1;
    if (o->name) {
        snprintf(name, sizeof(name), "%s", o->name);
    } else {
        snprintf(name, sizeof(name), "pvb-%s-%s-%u", registry_run_id(), ops->name, n);
    }
    snprintf(cmdline, sizeof(cmdline),
             "console=ttyS0 quiet loglevel=4 panic=-1 tsc=reliable no_timer_check "
             "cryptomgr.notests i8042.noaux i8042.nokbd 8250.nr_uarts=2 pvbench.run=%s",
             registry_run_id());
    if (util_fmt(sock, sizeof(sock), "%s/ctl-%u.sock", registry_dir(), n) < 0 ||
        util_fmt(disk, sizeof(disk), "%s/disk-%u.img", registry_dir(), n) < 0 ||
        util_fmt(console, sizeof(console), "%s/%s-console.log", o->logs, name) < 0 ||
        util_fmt(qemulog, sizeof(qemulog), "%s/%s-qemu.log", o->logs, name) < 0 ||
        util_fmt(kernel, sizeof(kernel), "%s/vmlinux", o->image) < 0 ||
        util_fmt(initrd, sizeof(initrd), "%s/initramfs.img", o->image) < 0) {
        fprintf(stderr, "paths too long\n");
        return -1;
    }
    if (boot_make_disk(disk) < 0) {
        fprintf(stderr, "cannot create %s: %s\n", disk, strerror(errno));
        goto out;
    }
    if (registry_add(REG_FILE, sock, NULL) < 0 || chan_listen(&ch, sock) < 0) {
        fprintf(stderr, "cannot listen on %s: %s\n", sock, strerror(errno));
        goto out;
    }
    memset(&spec, 0, sizeof(spec));
    spec.name = name;
    spec.qemu_binary = "qemu-system-x86_64";
    if (o->qemu) {
        spec.qemu_binary = o->qemu->binary;
        spec.qemu_data_dirs = o->qemu->data_dirs;
        spec.qemu_lib_path = o->qemu->lib_path;
        spec.qemu_module_dir = o->qemu->module_dir;
    }
    spec.accel = "tcg";
    spec.dut = devmodel_find(o->model);
    spec.machine = devmodel_default_machine(spec.dut);
    spec.vcpus = 1;
    spec.memory_mib = 256;
    spec.kernel = kernel;
    spec.initrd = initrd;
    spec.cmdline = cmdline;
    spec.disk_path = disk;
    spec.disk_iops_limit = o->iops;
    spec.control_sock = sock;
    spec.console_log = console;
    spec.qemu_log = qemulog;

    t0 = util_now();
    if (ops->start(&spec, &g, err, sizeof(err)) < 0) {
        fprintf(stderr, "%s: start failed: %s\n", ops->name, err);
        goto out;
    }
    t1 = util_now();
    started = 1;
    abort_ops = ops;
    abort_guest = &g;
    if (boot_wait_ready(&ch, t0 + o->timeout_s, &ready) < 0) {
        goto out;
    }
    res->start_s = t1 - t0;
    res->ready_s = util_now() - t0;
    printf("boot backend=%s name=%s model=%s pid=%d start_s=%.3f ready_s=%.3f blk=%s "
           "driver=%s host_cpu_s=%.2f\n",
           ops->name, name, o->model, (int)g.pid, res->start_s, res->ready_s, ready.blk,
           ready.blk_driver, ops->cpu_seconds(&g));
    fflush(stdout);
    if (!ready.blk[0]) {
        fprintf(stderr, "the agent found no disk under test\n");
        goto out;
    }
    for (double until = util_now() + (n == 0 ? o->hold_s : 0); util_now() < until;) {
        if (!ops->alive(&g)) {
            fprintf(stderr, "%s: the guest died while held\n", ops->name);
            goto out;
        }
        usleep(100000);
    }
    if (o->job && ops == &backend_libvirt_ops && boot_job_check(&ch, &g, spec.dut) < 0) {
        goto out;
    }
    rc = 0;
out:
    if (started) {
        if (ch.fd >= 0 && ops->alive(&g)) {
            snprintf(quit, sizeof(quit), "%s %s\n", PVB_PROTO_TAG, PVB_MSG_QUIT);
            chan_send(&ch, quit, util_now() + 1.0);
        }
        ops->stop(&g, 10.0);
        if (rc == 0 && (!g.exited || g.exit_status != 0)) {
            fprintf(stderr, "%s: guest did not power off by itself\n", ops->name);
            rc = -1;
        }
    }
    abort_guest = NULL;
    chan_close(&ch);
    unlink(sock);
    registry_forget(REG_FILE, sock);
    unlink(disk);
    registry_forget(REG_FILE, disk);
    return rc;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

static double median(double *v, unsigned n)
{
    qsort(v, n, sizeof(v[0]), cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

static void usage(void)
{
    fprintf(stderr, "usage: libvirt_boot [--backend libvirt|qemu|both] [--connect URI] "
                    "[--model NAME] [--image DIR] [--logs DIR] [--rounds N] [--job] "
                    "[--timeout S] [--name DOMAIN] [--hold S] [--keep-going] [--iops N] "
                    "[--qemu SPEC]\n"
                    "       libvirt_boot --cleanup | --release NAME [--connect URI]\n");
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"backend", required_argument, NULL, 'b'},
        {"connect", required_argument, NULL, 'c'},
        {"model", required_argument, NULL, 'm'},
        {"image", required_argument, NULL, 'i'},
        {"logs", required_argument, NULL, 'l'},
        {"rounds", required_argument, NULL, 'n'},
        {"job", no_argument, NULL, 'j'},
        {"timeout", required_argument, NULL, 't'},
        {"name", required_argument, NULL, 'N'},
        {"hold", required_argument, NULL, 'H'},
        {"keep-going", no_argument, NULL, 'k'},
        {"cleanup", no_argument, NULL, 'C'},
        {"release", required_argument, NULL, 'R'},
        {"iops", required_argument, NULL, 'I'},
        {"qemu", required_argument, NULL, 'Q'},
        {NULL, 0, NULL, 0},
    };
    struct boot_opts o = {
        .model = "virtio-blk", .image = "build/guest", .logs = "/tmp", .timeout_s = 120.0};
    const char *backend = "libvirt";
    double lv_ready[BOOT_MAX_ROUNDS], qm_ready[BOOT_MAX_ROUNDS];
    double lv_start_s[BOOT_MAX_ROUNDS], qm_start_s[BOOT_MAX_ROUNDS];
    char image[PATH_MAX], run_id[16], err[512];
    unsigned rounds = 1, n = 0, failed = 0;
    int opt, rc = 1, use_lv, use_qm, cleanup = 0;
    const char *release = NULL, *qemu_spec = NULL;
    static struct qemuver qv;

    while ((opt = getopt_long(argc, argv, "b:c:m:i:l:n:jt:N:H:kCR:I:Q:", longopts, NULL)) != -1) {
        switch (opt) {
        case 'b':
            backend = optarg;
            break;
        case 'c':
            o.uri = optarg;
            break;
        case 'm':
            o.model = optarg;
            break;
        case 'i':
            o.image = optarg;
            break;
        case 'l':
            o.logs = optarg;
            break;
        case 'n':
            rounds = (unsigned)atoi(optarg);
            break;
        case 'j':
            o.job = 1;
            break;
        case 't':
            o.timeout_s = atof(optarg);
            break;
        case 'N':
            o.name = optarg;
            break;
        case 'H':
            o.hold_s = atof(optarg);
            break;
        case 'k':
            o.keep_going = 1;
            break;
        case 'C':
            cleanup = 1;
            break;
        case 'I':
            o.iops = (unsigned)atoi(optarg);
            break;
        case 'R':
            release = optarg;
            break;
        case 'Q':
            qemu_spec = optarg;
            break;
        default:
            usage();
            return 2;
        }
    }
    if (cleanup) {
        /* `pvbench cleanup` must install the hook before releasing stale runs. */
        backend_libvirt_install_release_hook();
        return registry_cleanup_stale(0) < 0 ? 1 : 0;
    }
    if (release) {
        return backend_libvirt_release_domain(release, o.uri) < 0 ? 1 : 0;
    }
    use_lv = strcmp(backend, "libvirt") == 0 || strcmp(backend, "both") == 0;
    use_qm = strcmp(backend, "qemu") == 0 || strcmp(backend, "both") == 0;
    if ((!use_lv && !use_qm) || rounds < 1 || rounds > BOOT_MAX_ROUNDS || o.timeout_s <= 0 ||
        !devmodel_find(o.model) || devmodel_find(o.model)->kind != DEVMODEL_BLK ||
        !realpath(o.image, image)) {
        usage();
        return 2;
    }
    o.image = image;
    if (qemu_spec) {
        /* qemuver's exit codes: 2 no such version, 4 archive unreachable (a test skips) */
        int code = qemuver_resolve(qemu_spec, &qv, err, sizeof(err));

        if (code != PVB_EXIT_OK) {
            fprintf(stderr, "--qemu %s: %s\n", qemu_spec, err);
            return code;
        }
        if (use_lv && qv.lib_path[0]) {
            fprintf(stderr, "--qemu %s: a fetched QEMU needs its own libraries, which libvirt "
                    "cannot give its emulator: use --backend qemu\n", qemu_spec);
            return 2;
        }
        printf("qemu binary=%s version=%s packages=%s\n", qv.binary,
               qv.version[0] ? qv.version : "-", qv.packages[0] ? qv.packages : "-");
        o.qemu = &qv;
    }
    if (registry_open(run_id, sizeof(run_id)) < 0) {
        return 1;
    }
    if (use_lv && backend_libvirt_connect(o.uri, err, sizeof(err)) < 0) {
        fprintf(stderr, "%s\n", err);
        goto out;
    }
    if (use_lv && backend_libvirt_describe(err, sizeof(err)) == 0) {
        printf("connected to %s: %s\n", backend_libvirt_uri(), err);
    }
    for (unsigned r = 0; r < rounds; r++) {
        /* Alternate which backend goes first, so drift (caches, other load) hits both. */
        int lv_first = r % 2 == 0;
        struct boot_result br;

        for (int k = 0; k < 2; k++) {
            int is_lv = (k == 0) == lv_first;

            if ((is_lv && !use_lv) || (!is_lv && !use_qm)) {
                continue;
            }
            memset(&br, 0, sizeof(br));
            if (boot_once(is_lv ? &backend_libvirt_ops : &backend_qemu_ops, &o, n++, &br) < 0) {
                printf("boot failed backend=%s\n", is_lv ? "libvirt" : "qemu");
                fflush(stdout);
                failed++;
                if (!o.keep_going) {
                    goto out;
                }
            }
            if (is_lv) {
                lv_ready[r] = br.ready_s;
                lv_start_s[r] = br.start_s;
            } else {
                qm_ready[r] = br.ready_s;
                qm_start_s[r] = br.start_s;
            }
        }
    }
    if (failed) {
        goto out;
    }
    if (use_lv && use_qm) {
        double ml = median(lv_ready, rounds), mq = median(qm_ready, rounds);

        printf("summary rounds=%u libvirt_ready_median_s=%.3f qemu_ready_median_s=%.3f "
               "ratio=%.3f libvirt_start_median_s=%.3f qemu_start_median_s=%.3f\n",
               rounds, ml, mq, ml / mq, median(lv_start_s, rounds), median(qm_start_s, rounds));
    }
    rc = 0;
out:
    registry_release_all();
    backend_libvirt_disconnect();
    return rc;
}
