/*
 * scripts/chan-rtt.c: the agent channel's round trip of one short line, through whatever a
 * backend makes of it (the Unix socket of a local QEMU, libvirt streams on a remote host).
 * It boots the guest image with no device under test, then sends N lines the agent answers
 * at once with an ERROR ("PVB1 PING": an unknown message type) and prints the median, the
 * 10th and the 90th percentile of the round trips.
 *
 * build: cc -Ibench/core -Ibench/model -Ibench/guest -Ibench/backend -Icommon \
 *            $(pkg-config --cflags libvirt json-c libxml-2.0) scripts/chan-rtt.c \
 *            build/libpvbench.a $(pkg-config --libs inih json-c libvirt libvirt-qemu \
 *            libxml-2.0) -lpthread -lm -o build/chan-rtt
 * usage: build/chan-rtt qemu|URI [N]   (root; build/guest holds the image)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend.h"
#include "chan.h"
#include "registry.h"
#include "session.h"
#include "util.h"

static int chan_rtt_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    const struct backend_ops *ops = &backend_qemu_ops;
    char run_id[16], dir[256], sock[300], con[300], qlog[300], name[64], err[512];
    char kpath[4096], ipath[4096], line[PVB_LINE_MAX];
    struct guest_spec spec;
    struct session s;
    unsigned n = argc > 2 ? (unsigned)atoi(argv[2]) : 200;
    double *t;
    int rc = 1;

    if (argc < 2 || n == 0) {
        fprintf(stderr, "usage: %s qemu|URI [N]\n", argv[0]);
        return 2;
    }
    t = calloc(n, sizeof(*t));
    if (!t || registry_open(run_id, sizeof(run_id)) < 0) {
        return 1;
    }
    snprintf(kpath, sizeof(kpath), "%s", "build/guest/vmlinux");
    snprintf(ipath, sizeof(ipath), "%s", "build/guest/initramfs.img");
    if (strcmp(argv[1], "qemu") != 0) {
        ops = &backend_libvirt_ops;
        if (ops->connect(argv[1], err, sizeof(err)) < 0 ||
            ops->stage_image(realpath("build/guest/vmlinux", NULL),
                             realpath("build/guest/initramfs.img", NULL), kpath, sizeof(kpath),
                             ipath, sizeof(ipath), err, sizeof(err)) < 0) {
            fprintf(stderr, "%s\n", err);
            goto out;
        }
    } else {
        char *k = realpath(kpath, NULL), *i = realpath(ipath, NULL);

        snprintf(kpath, sizeof(kpath), "%s", k ? k : "");
        snprintf(ipath, sizeof(ipath), "%s", i ? i : "");
        free(k);
        free(i);
    }
    snprintf(dir, sizeof(dir), "/var/tmp/pvb-chan-rtt-%s", run_id);
    if (util_mkdir_p(dir) < 0) {
        goto out;
    }
    snprintf(sock, sizeof(sock), "%s/ctl.sock", dir);
    snprintf(con, sizeof(con), "%s/console.log", dir);
    snprintf(qlog, sizeof(qlog), "%s/qemu.log", dir);
    snprintf(name, sizeof(name), "pvb-%s-rtt", run_id);
    memset(&spec, 0, sizeof(spec));
    spec.name = name;
    spec.qemu_binary = "qemu-system-x86_64";
    spec.accel = "tcg";
    spec.machine = MACHINE_PC;
    spec.vcpus = 1;
    spec.memory_mib = 256;
    spec.kernel = kpath;
    spec.initrd = ipath;
    spec.cmdline = GUEST_CMDLINE " pvbench.run=rtt";
    spec.control_sock = sock;
    spec.console_log = con;
    spec.qemu_log = qlog;
    session_init(&s, ops, NULL);
    if (session_boot(&s, &spec, 120, err, sizeof(err)) < 0) {
        fprintf(stderr, "boot: %s\n", err);
        goto stop;
    }
    for (unsigned i = 0; i < n; i++) {
        double t0 = util_now();

        if (chan_send(&s.ch, PVB_PROTO_TAG " PING\n", t0 + 5) != 0 ||
            chan_read_line(&s.ch, line, sizeof(line), t0 + 5, NULL, NULL) != CHAN_LINE) {
            fprintf(stderr, "round trip %u failed\n", i);
            goto stop;
        }
        t[i] = (util_now() - t0) * 1e3;
        /* Skip LOG lines the agent may interleave: only the answer ends a round trip. */
        if (strstr(line, " " PVB_MSG_LOG " ")) {
            i--;
        }
    }
    qsort(t, n, sizeof(*t), chan_rtt_cmp);
    printf("%s: %u round trips of one short line: median %.3f ms, p10 %.3f ms, p90 %.3f ms\n",
           argv[1], n, t[n / 2], t[n / 10], t[n * 9 / 10]);
    rc = 0;
stop:
    session_stop(&s);
out:
    if (ops->storage_release) {
        ops->storage_release();
    }
    registry_release_all();
    free(t);
    return rc;
}
