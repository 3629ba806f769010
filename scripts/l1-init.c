/*
 * l1-init: the /init of scripts/kvm-l1's L1 guest, a VM under TCG with an SVM CPU in which
 * KVM runs nested. It loads the modules listed in /etc/l1/modules (virtio, 9p, overlay,
 * ext4, kvm_amd nested=1, vhost_net, tun, bridge, veth: one "insmod PATH [params]" a line,
 * in dependency order, as `modprobe --show-depends` printed them), puts a tmpfs overlay on
 * the host's / (9p tag hostroot, read-only), mounts the results share (9p tag l1out, the
 * host's folder) at /run/l1 and the ext4 scratch disk (/dev/vda) at /var/tmp/pvbench,
 * chroots and runs /bin/bash /run/l1/cmd.sh with the console as its output. Its exit status
 * goes into /run/l1/exit-code, what this init saw into /run/l1/init.log; then it powers
 * off. Built static by scripts/kvm-l1: cc -static -O2.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define L1_ROOT "/newroot"
#define L1_OUT L1_ROOT "/run/l1"
#define L1_LOG_MAX 16384

static char l1_log[L1_LOG_MAX];
static size_t l1_log_len;

/* A line on the console and in init.log (written once the results share is mounted). */
__attribute__((format(printf, 1, 2))) static void l1_say(const char *fmt, ...)
{
    char line[512];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (n < 0) {
        return;
    }
    fprintf(stderr, "l1-init: %s\n", line);
    n = snprintf(l1_log + l1_log_len, sizeof(l1_log) - l1_log_len, "%s\n", line);
    if (n > 0 && l1_log_len + (size_t)n < sizeof(l1_log)) {
        l1_log_len += (size_t)n;
    }
}

static void l1_mkdirs(const char *path)
{
    char buf[512];

    snprintf(buf, sizeof(buf), "%s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            mkdir(buf, 0755);
            *p = '/';
        }
    }
    mkdir(buf, 0755);
}

static int l1_mount(const char *src, const char *dst, const char *type, unsigned long flags,
                    const char *data)
{
    l1_mkdirs(dst);
    if (mount(src, dst, type, flags, data) < 0) {
        l1_say("mount %s on %s (%s, %s): %s", src, dst, type, data ? data : "", strerror(errno));
        return -1;
    }
    return 0;
}

/* Each "insmod PATH [params]" line of /etc/l1/modules; kvm_amd's failure is remembered. */
static void l1_load_modules(int *kvm_ok)
{
    static char list[65536];
    char *line, *save = NULL;
    ssize_t n;
    int fd = open("/etc/l1/modules", O_RDONLY | O_CLOEXEC);

    *kvm_ok = 0;
    if (fd < 0) {
        l1_say("/etc/l1/modules: %s", strerror(errno));
        return;
    }
    n = read(fd, list, sizeof(list) - 1);
    close(fd);
    list[n > 0 ? n : 0] = '\0';
    for (line = strtok_r(list, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *path, *params, *sp;
        int mfd;

        if (strncmp(line, "insmod ", 7) != 0) {
            continue;
        }
        path = line + 7;
        sp = strchr(path, ' ');
        params = sp ? sp + 1 : "";
        if (sp) {
            *sp = '\0';
        }
        mfd = open(path, O_RDONLY | O_CLOEXEC);
        if (mfd < 0) {
            l1_say("%s: %s", path, strerror(errno));
            continue;
        }
        if (syscall(SYS_finit_module, mfd, params, 0) < 0 && errno != EEXIST) {
            l1_say("loading %s %s: %s", path, params, strerror(errno));
        } else if (strstr(path, "/kvm-amd.ko") || strstr(path, "/kvm_amd.ko")) {
            *kvm_ok = 1;
        }
        close(mfd);
    }
}

/* What the command runs in: the overlay root with its own /proc, /sys, /dev, /run, /tmp. */
static int l1_setup_root(const char *release)
{
    char src[256], dst[256];

    if (l1_mount("hostroot", "/lower", "9p", MS_RDONLY,
                 "trans=virtio,version=9p2000.L,msize=512000,cache=loose") < 0 ||
        l1_mount("tmpfs", "/upper", "tmpfs", 0, "mode=0755") < 0) {
        return -1;
    }
    l1_mkdirs("/upper/u");
    l1_mkdirs("/upper/w");
    if (l1_mount("overlay", L1_ROOT, "overlay", 0,
                 "lowerdir=/lower,upperdir=/upper/u,workdir=/upper/w") < 0) {
        return -1;
    }
    if (l1_mount("proc", L1_ROOT "/proc", "proc", 0, NULL) < 0 ||
        l1_mount("sysfs", L1_ROOT "/sys", "sysfs", 0, NULL) < 0 ||
        l1_mount("devtmpfs", L1_ROOT "/dev", "devtmpfs", 0, NULL) < 0 ||
        l1_mount("devpts", L1_ROOT "/dev/pts", "devpts", 0, "gid=5,mode=620,ptmxmode=666") < 0 ||
        l1_mount("tmpfs", L1_ROOT "/dev/shm", "tmpfs", 0, "mode=1777") < 0 ||
        l1_mount("tmpfs", L1_ROOT "/run", "tmpfs", 0, "mode=0755") < 0 ||
        l1_mount("tmpfs", L1_ROOT "/tmp", "tmpfs", 0, "mode=1777") < 0) {
        return -1;
    }
    /* The L1 kernel's modules, for whatever the command loads on demand (the host has its own
     * release, or none, in /lib/modules). */
    snprintf(src, sizeof(src), "/lib/modules/%s", release);
    snprintf(dst, sizeof(dst), L1_ROOT "/lib/modules/%s", release);
    if (l1_mount(src, dst, NULL, MS_BIND, NULL) < 0) {
        return -1;
    }
    if (l1_mount("l1out", L1_OUT, "9p", 0, "trans=virtio,version=9p2000.L,msize=512000") < 0) {
        return -1;
    }
    /* Scratch disks need O_DIRECT, which tmpfs on 6.1 lacks: the ext4 disk is the state
     * folder. */
    if (l1_mount("/dev/vda", L1_ROOT "/var/tmp/pvbench", "ext4", 0, NULL) < 0) {
        return -1;
    }
    return 0;
}

static void l1_write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

    if (fd < 0) {
        fprintf(stderr, "l1-init: %s: %s\n", path, strerror(errno));
        return;
    }
    if (write(fd, text, strlen(text)) < 0 || fsync(fd) < 0) {
        fprintf(stderr, "l1-init: writing %s: %s\n", path, strerror(errno));
    }
    close(fd);
}

/* Run the command in the new root; reap every orphan until it ends. Its exit status. */
static int l1_run_command(void)
{
    pid_t pid, w;
    int st = 0;

    pid = fork();
    if (pid < 0) {
        l1_say("fork: %s", strerror(errno));
        return 125;
    }
    if (pid == 0) {
        char *argv[] = {"/bin/bash", "/run/l1/cmd.sh", NULL};
        char *envp[] = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                        "HOME=/root", "TERM=dumb", "LC_ALL=C", NULL};
        if (chroot(L1_ROOT) < 0 || chdir("/") < 0) {
            fprintf(stderr, "l1-init: chroot %s: %s\n", L1_ROOT, strerror(errno));
            _exit(125);
        }
        setsid();
        execve(argv[0], argv, envp);
        fprintf(stderr, "l1-init: %s: %s\n", argv[0], strerror(errno));
        _exit(126);
    }
    for (;;) {
        w = waitpid(-1, &st, 0);
        if (w == pid) {
            break;
        }
        if (w < 0 && errno != EINTR) {
            l1_say("waitpid: %s", strerror(errno));
            return 125;
        }
    }
    if (WIFEXITED(st)) {
        return WEXITSTATUS(st);
    }
    l1_say("command killed by signal %d", WTERMSIG(st));
    return 128 + WTERMSIG(st);
}

static void l1_release(char *buf, size_t len)
{
    int fd = open("/etc/l1/kernel-release", O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, buf, len - 1) : -1;

    buf[n > 0 ? n : 0] = '\0';
    buf[strcspn(buf, "\n")] = '\0';
    if (fd >= 0) {
        close(fd);
    }
}

int main(void)
{
    char release[128], code[32];
    int kvm_ok, rc = 125, fd;

    mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
    fd = open("/dev/console", O_RDWR);
    if (fd >= 0) {
        dup2(fd, 0);
        dup2(fd, 1);
        dup2(fd, 2);
        if (fd > 2) {
            close(fd);
        }
    }
    mount("proc", "/proc", "proc", 0, NULL);
    mount("sysfs", "/sys", "sysfs", 0, NULL);
    l1_release(release, sizeof(release));
    l1_load_modules(&kvm_ok);
    l1_say("kernel %s; kvm_amd %s; /dev/kvm %s; /dev/vhost-net %s", release,
           kvm_ok ? "loaded" : "NOT loaded", access("/dev/kvm", F_OK) == 0 ? "yes" : "no",
           access("/dev/vhost-net", F_OK) == 0 ? "yes" : "no");
    if (l1_setup_root(release) == 0) {
        l1_say("root ready; running /run/l1/cmd.sh");
        rc = l1_run_command();
        l1_say("command exited with %d", rc);
        l1_write_file(L1_OUT "/init.log", l1_log);
        snprintf(code, sizeof(code), "%d\n", rc);
        l1_write_file(L1_OUT "/exit-code", code);
        /* Whatever the command left running (it should have left nothing). */
        kill(-1, SIGKILL);
        while (wait(NULL) > 0) {
        }
        umount2(L1_ROOT "/var/tmp/pvbench", 0);
        umount2(L1_OUT, 0);
    }
    sync();
    reboot(RB_POWER_OFF);
    return 1;
}
