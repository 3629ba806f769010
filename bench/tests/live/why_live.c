/*
 * Live program (built and run by bench/tests/live/why_live.sh, not by `make`): boots the
 * guest image once per block device model through backend_qemu_ops, waits for the
 * agent's READY, and runs each given workload once as a traced "why" job: QMP switches
 * the trace events on, one agent job runs, QMP switches them off, and the trace is
 * counted against the model's memory regions (why.h). Prints per model and workload:
 * operations, register accesses per operation (reads, writes, kicks), virtio
 * interrupts, guest interrupts per operation, and the regions touched.
 *
 * usage: why_live [--image DIR] [--models ide,virtio-blk] [--workloads randread_qd1,...]
 *                 [--runtime S] [--logs DIR] [--keep-trace DIR] [--timeout S]
 *
 * If backend_qemu.c does not pass guest_spec.qmp_sock / trace_log to QEMU yet, a small
 * wrapper script in the scratch folder adds -qmp and -D to QEMU's command line.
 * --keep-trace copies each guest's trace file there (fixtures for test_why.c).
 * Exit: 0 ok, 1 failure, 2 usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agentmsg.h"
#include "backend.h"
#include "chan.h"
#include "registry.h"
#include "util.h"
#include "why.h"
#include "workload.h"

#define LIVE_DISK_MIB 64
#define LIVE_MAX_ITEMS 8

struct live_opts {
    const char *image;
    const char *logs;
    const char *keep;
    char *models[LIVE_MAX_ITEMS];
    unsigned n_models;
    char *workloads[LIVE_MAX_ITEMS];
    unsigned n_workloads;
    double runtime_s;
    double timeout_s;
};

static struct guest *abort_guest;

static int live_abort(void *arg)
{
    (void)arg;
    return abort_guest && !backend_qemu_ops.alive(abort_guest);
}

static unsigned live_split(char *s, char **out, unsigned max)
{
    unsigned n = 0;
    char *save = NULL;

    for (char *t = strtok_r(s, ",", &save); t && n < max; t = strtok_r(NULL, ",", &save)) {
        out[n++] = t;
    }
    return n;
}

/* Does the backend already put -qmp on QEMU's command line for this spec? */
static int live_backend_has_qmp(const struct guest_spec *spec)
{
    struct qemu_argv a;

    if (backend_qemu_build_argv(spec, &a) < 0) {
        return 0;
    }
    for (unsigned i = 0; i < a.argc; i++) {
        if (strcmp(a.argv[i], "-qmp") == 0) {
            return 1;
        }
    }
    return 0;
}

/* A wrapper that execs QEMU with -qmp and -D appended. 0 or -1. */
static int live_write_wrapper(const char *path, const struct why_session *ws)
{
    FILE *f;

    if (registry_add(REG_FILE, path, NULL) < 0) {
        return -1;
    }
    f = fopen(path, "we");
    if (!f) {
        return -1;
    }
    fprintf(f, "#!/bin/sh\nexec qemu-system-x86_64 \"$@\" -qmp unix:%s,server=on,wait=off -D %s\n",
            ws->qmp_path, ws->trace_path);
    if (fclose(f) != 0 || chmod(path, 0700) < 0) {
        return -1;
    }
    return 0;
}

/* Send one job and wait for its RESULT. 0 and *res, or -1 with err. */
static int live_job(struct chan *ch, const struct devmodel *dev, const struct workload *w,
                    unsigned id, double runtime_s, struct agent_result *res, char *err,
                    size_t errlen)
{
    char line[PVB_LINE_MAX], perr[256];
    struct agent_job job;
    struct agentmsg msg;
    double deadline;
    int st;

    memset(&job, 0, sizeof(job));
    job.id = id;
    job.workload = w->name;
    job.kind = devmodel_kind_name(w->kind);
    job.rw = w->rw;
    job.bs = w->bs;
    job.qd = w->qd;
    job.runtime_ms = (unsigned)(runtime_s * 1000.0 + 0.5);
    job.warmup_ms = 0;
    job.irq = dev->irq_match;
    job.fault = "none";
    if (agentmsg_format_job(line, sizeof(line), &job) < 0) {
        snprintf(err, errlen, "cannot format the job");
        return -1;
    }
    if (chan_send(ch, line, util_now() + 5.0) != 0) {
        snprintf(err, errlen, "cannot send the job");
        return -1;
    }
    deadline = util_now() + runtime_s * 2 + 30.0;
    for (;;) {
        st = chan_read_line(ch, line, sizeof(line), deadline, live_abort, NULL);
        if (st != CHAN_LINE) {
            snprintf(err, errlen, "no result: %s", chan_status_name(st));
            return -1;
        }
        if (agentmsg_parse(line, strlen(line), &msg, perr, sizeof(perr)) < 0) {
            continue;
        }
        if (msg.type == AGENTMSG_LOG) {
            continue;
        }
        if (msg.type == AGENTMSG_ERROR) {
            snprintf(err, errlen, "agent: %s", msg.u.error.reason);
            return -1;
        }
        if (msg.type == AGENTMSG_RESULT && msg.u.result.job == id) {
            *res = msg.u.result;
            return 0;
        }
    }
}

static void live_print(const struct devmodel *dev, const struct workload *w,
                       const struct agent_result *res, const struct why_result *r)
{
    double ops = (double)r->ops;

    printf("%-11s %-13s ops %6.0f  reg_accesses_per_op %7.2f (reads %.2f, writes %.2f, "
           "kicks %.2f)  irqs_per_op %.2f",
           dev->name, w->name, r->ops, r->reg_accesses_per_op,
           ops > 0 ? (double)r->c.dut_reads / ops : 0, ops > 0 ? (double)r->c.dut_writes / ops : 0,
           ops > 0 ? (double)r->c.kicks / ops : 0,
           res->ops > 0 ? (double)res->irqs / (double)res->ops : 0);
    if (r->notifies_per_op >= 0) {
        printf("  notifies_per_op %.2f  virtio_irqs_per_op %.2f", r->notifies_per_op,
               r->dev_irqs_per_op);
    }
    printf("  (%.2f s traced, %llu trace lines, %llu other accesses)\n", r->seconds,
           (unsigned long long)r->c.lines, (unsigned long long)r->c.other_accesses);
    for (unsigned i = 0; i < r->c.n_regions; i++) {
        printf("      region %-32s reads/op %6.2f  writes/op %6.2f\n", r->c.regions[i].name,
               ops > 0 ? (double)r->c.regions[i].reads / ops : 0,
               ops > 0 ? (double)r->c.regions[i].writes / ops : 0);
    }
    fflush(stdout);
}

/* Boot one model, run every workload of its kind traced. 0 or -1. */
static int live_model(const struct live_opts *o, const struct devmodel *dev)
{
    char sock[PATH_MAX], disk[PATH_MAX], wrapper[PATH_MAX], console[PATH_MAX], qlog[PATH_MAX];
    char name[96], cmdline[256], line[PVB_LINE_MAX], err[512], kernel[PATH_MAX];
    char initrd[PATH_MAX];
    struct why_session ws;
    struct guest_spec spec;
    struct guest g;
    struct chan ch;
    struct agentmsg msg;
    double t0;
    unsigned id = 0;
    int fd, st, rc = -1, started = 0;

    memset(&ch, 0, sizeof(ch));
    ch.fd = ch.listen_fd = -1;
    memset(&ws, 0, sizeof(ws));
    qmp_init(&ws.q);
    snprintf(sock, sizeof(sock), "%s/ctl-%s.sock", registry_dir(), dev->name);
    snprintf(disk, sizeof(disk), "%s/disk-%s.img", registry_dir(), dev->name);
    snprintf(wrapper, sizeof(wrapper), "%s/qemu-%s.sh", registry_dir(), dev->name);
    snprintf(console, sizeof(console), "%s/%s-console.log", o->logs, dev->name);
    snprintf(qlog, sizeof(qlog), "%s/%s-qemu.log", o->logs, dev->name);
    snprintf(kernel, sizeof(kernel), "%s/vmlinux", o->image);
    snprintf(initrd, sizeof(initrd), "%s/initramfs.img", o->image);
    snprintf(name, sizeof(name), "pvb-%s-why-%s", registry_run_id(), dev->name);
    snprintf(cmdline, sizeof(cmdline),
             "console=ttyS0 quiet loglevel=4 panic=-1 tsc=reliable no_timer_check "
             "cryptomgr.notests i8042.noaux i8042.nokbd 8250.nr_uarts=2 pvbench.run=%s",
             registry_run_id());

    if (registry_add(REG_FILE, disk, NULL) < 0) {
        fprintf(stderr, "%s: cannot register the disk\n", dev->name);
        return -1;
    }
    fd = open(disk, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0 || ftruncate(fd, (off_t)LIVE_DISK_MIB << 20) < 0) {
        fprintf(stderr, "%s: cannot create %s: %s\n", dev->name, disk, strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        goto out;
    }
    close(fd);
    if (registry_add(REG_FILE, sock, NULL) < 0 || chan_listen(&ch, sock) < 0) {
        fprintf(stderr, "%s: cannot listen on %s\n", dev->name, sock);
        goto out;
    }
    if (why_session_init(&ws, registry_dir(), dev->name, dev, "tcg", err, sizeof(err)) < 0) {
        fprintf(stderr, "%s: %s\n", dev->name, err);
        goto out;
    }
    memset(&spec, 0, sizeof(spec));
    spec.name = name;
    spec.qemu_binary = "qemu-system-x86_64";
    spec.accel = "tcg";
    spec.machine = devmodel_default_machine(dev);
    spec.vcpus = 1;
    spec.memory_mib = 256;
    spec.kernel = kernel;
    spec.initrd = initrd;
    spec.cmdline = cmdline;
    spec.dut = dev;
    spec.disk_path = disk;
    spec.control_sock = sock;
    spec.console_log = console;
    spec.qemu_log = qlog;
    spec.qmp_sock = ws.qmp_path;
    spec.trace_log = ws.trace_path;
    if (!live_backend_has_qmp(&spec)) {
        if (live_write_wrapper(wrapper, &ws) < 0) {
            fprintf(stderr, "%s: cannot write %s: %s\n", dev->name, wrapper, strerror(errno));
            goto out;
        }
        spec.qemu_binary = wrapper;
        printf("(backend_qemu.c does not pass -qmp/-D yet: using a wrapper script)\n");
    }
    t0 = util_now();
    if (backend_qemu_ops.start(&spec, &g, err, sizeof(err)) < 0) {
        fprintf(stderr, "%s: %s\n", dev->name, err);
        goto out;
    }
    started = 1;
    abort_guest = &g;
    if (chan_accept(&ch, t0 + o->timeout_s, live_abort, NULL) != CHAN_LINE) {
        fprintf(stderr, "%s: QEMU did not connect the control channel\n", dev->name);
        goto out;
    }
    for (;;) {
        st = chan_read_line(&ch, line, sizeof(line), t0 + o->timeout_s, live_abort, NULL);
        if (st != CHAN_LINE) {
            fprintf(stderr, "%s: no READY: %s\n", dev->name, chan_status_name(st));
            goto out;
        }
        if (agentmsg_parse(line, strlen(line), &msg, err, sizeof(err)) == 0 &&
            msg.type == AGENTMSG_READY) {
            break;
        }
    }
    printf("%s: agent ready in %.2f s (disk %s, driver %s)\n", dev->name, util_now() - t0,
           msg.u.ready.blk, msg.u.ready.blk_driver);
    for (unsigned i = 0; i < o->n_workloads; i++) {
        const struct workload *w = workload_find(o->workloads[i]);
        struct agent_result res;
        struct why_result r;
        double tj = util_now();

        if (!w || w->kind != dev->kind) {
            continue;
        }
        if (why_begin(&ws, err, sizeof(err)) < 0) {
            fprintf(stderr, "%s %s: why_begin: %s\n", dev->name, w->name, err);
            goto out;
        }
        if (live_job(&ch, dev, w, ++id, o->runtime_s, &res, err, sizeof(err)) < 0) {
            fprintf(stderr, "%s %s: %s\n", dev->name, w->name, err);
            goto out;
        }
        if (why_end(&ws, why_job_ops(w, &res), &r, err, sizeof(err)) < 0) {
            fprintf(stderr, "%s %s: why_end: %s\n", dev->name, w->name, err);
            goto out;
        }
        live_print(dev, w, &res, &r);
        printf("      traced job took %.2f s in all\n", util_now() - tj);
    }
    if (o->keep) {
        char dst[PATH_MAX + 64];
        snprintf(dst, sizeof(dst), "%s/trace-%s.log", o->keep, dev->name);
        if (util_copy_file(ws.trace_path, dst) < 0) {
            fprintf(stderr, "cannot copy the trace to %s\n", dst);
        }
    }
    rc = 0;
out:
    if (started) {
        char quit[32];
        snprintf(quit, sizeof(quit), "%s %s\n", PVB_PROTO_TAG, PVB_MSG_QUIT);
        if (ch.fd >= 0) {
            chan_send(&ch, quit, util_now() + 1.0);
        }
        backend_qemu_ops.stop(&g, 5.0);
        abort_guest = NULL;
    }
    chan_close(&ch);
    why_session_close(&ws);
    unlink(sock);
    registry_forget(REG_FILE, sock);
    unlink(disk);
    registry_forget(REG_FILE, disk);
    if (access(wrapper, F_OK) == 0) {
        unlink(wrapper);
    }
    registry_forget(REG_FILE, wrapper);
    return rc;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"image", required_argument, NULL, 'i'},     {"models", required_argument, NULL, 'm'},
        {"workloads", required_argument, NULL, 'w'}, {"runtime", required_argument, NULL, 'r'},
        {"logs", required_argument, NULL, 'l'},      {"keep-trace", required_argument, NULL, 'k'},
        {"timeout", required_argument, NULL, 't'},   {NULL, 0, NULL, 0},
    };
    char models[256] = "ide,virtio-blk", workloads[256] = "randread_qd1,randread";
    char run_id[16], image[PATH_MAX];
    struct live_opts o;
    int c, failed = 0;

    memset(&o, 0, sizeof(o));
    o.runtime_s = WHY_DEFAULT_RUNTIME_S;
    o.timeout_s = 90;
    o.logs = "/tmp";
    snprintf(image, sizeof(image), "%s/build/guest", PVB_DATADIR);
    o.image = image;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'i':
            o.image = optarg;
            break;
        case 'm':
            util_strlcpy(models, optarg, sizeof(models));
            break;
        case 'w':
            util_strlcpy(workloads, optarg, sizeof(workloads));
            break;
        case 'r':
            o.runtime_s = atof(optarg);
            break;
        case 'l':
            o.logs = optarg;
            break;
        case 'k':
            o.keep = optarg;
            break;
        case 't':
            o.timeout_s = atof(optarg);
            break;
        default:
            fprintf(stderr, "usage: why_live [--image DIR] [--models A,B] [--workloads W,..] "
                            "[--runtime S] [--logs DIR] [--keep-trace DIR] [--timeout S]\n");
            return 2;
        }
    }
    o.n_models = live_split(models, o.models, LIVE_MAX_ITEMS);
    o.n_workloads = live_split(workloads, o.workloads, LIVE_MAX_ITEMS);
    if (o.runtime_s <= 0 || o.runtime_s > 60) {
        fprintf(stderr, "--runtime: 0 < S <= 60\n");
        return 2;
    }
    if (registry_open(run_id, sizeof(run_id)) < 0) {
        fprintf(stderr, "cannot open the registry\n");
        return 1;
    }
    for (unsigned i = 0; i < o.n_models; i++) {
        const struct devmodel *dev = devmodel_find(o.models[i]);
        if (!dev || dev->kind != DEVMODEL_BLK) {
            fprintf(stderr, "%s: not a block device model\n", o.models[i]);
            failed = 1;
            continue;
        }
        if (live_model(&o, dev) < 0) {
            failed = 1;
        }
    }
    registry_release_all();
    return failed;
}
