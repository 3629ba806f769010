/*
 * iperf-init: the one-off /init of scripts/measure-net-iperf's guest. It sets the guest
 * up the way pvbench-agent does (mounts, the same module list, the NIC under test with
 * pvbench.addr=, default 198.51.100.2/24, IPv6 off, lo up), runs /usr/bin/iperf3 (or
 * /usr/bin/sockperf with pvbtool=sockperf) with the arguments of pvbiperf=
 * (comma-separated) on the kernel command line, writes its output and /proc/interrupts
 * to the console, and powers off. Built static by the script: cc -static -O2.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define INIT_ARGS_MAX 32

static void init_sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

    nanosleep(&ts, NULL);
}

static void init_load_modules(void)
{
    static char list[65536];
    char *line, *save = NULL;
    ssize_t n;
    int fd = open("/etc/pvbench/modules", O_RDONLY), mfd;

    if (fd < 0) {
        return;
    }
    n = read(fd, list, sizeof(list) - 1);
    close(fd);
    list[n > 0 ? n : 0] = '\0';
    for (line = strtok_r(list, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (line[0] != '/') {
            continue;
        }
        mfd = open(line, O_RDONLY | O_CLOEXEC);
        if (mfd >= 0) {
            syscall(SYS_finit_module, mfd, "", 0);
            close(mfd);
        }
    }
}

static int init_addr(int s, const char *ifname, unsigned long req, const char *addr)
{
    struct ifreq ifr;
    struct sockaddr_in *sin = (struct sockaddr_in *)(void *)&ifr.ifr_addr;

    memset(&ifr, 0, sizeof(ifr));
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
    sin->sin_family = AF_INET;
    inet_pton(AF_INET, addr, &sin->sin_addr);
    return ioctl(s, req, &ifr);
}

static void init_up(int s, const char *ifname, const char *addr, const char *mask)
{
    struct ifreq ifr;
    char path[128];
    int fd;

    snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6", ifname);
    fd = open(path, O_WRONLY);
    if (fd >= 0) {
        if (write(fd, "1\n", 2) < 0) {
            perror("disable_ipv6");
        }
        close(fd);
    }
    if (init_addr(s, ifname, SIOCSIFADDR, addr) < 0 ||
        init_addr(s, ifname, SIOCSIFNETMASK, mask) < 0) {
        fprintf(stderr, "iperf-init: address of %s: %s\n", ifname, strerror(errno));
    }
    memset(&ifr, 0, sizeof(ifr));
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
    if (ioctl(s, SIOCGIFFLAGS, &ifr) == 0) {
        ifr.ifr_flags |= IFF_UP;
        ioctl(s, SIOCSIFFLAGS, &ifr);
    }
}

/* The value of key= on the kernel command line into val; 0 or -1. */
static int init_cmdline(const char *key, char *val, size_t len)
{
    static char cmd[4096];
    size_t klen = strlen(key), n;
    const char *p;
    int fd = open("/proc/cmdline", O_RDONLY);
    ssize_t r;

    if (fd < 0) {
        return -1;
    }
    r = read(fd, cmd, sizeof(cmd) - 1);
    close(fd);
    cmd[r > 0 ? r : 0] = '\0';
    for (p = cmd; *p;) {
        while (*p == ' ' || *p == '\n') {
            p++;
        }
        n = strcspn(p, " \n");
        if (n > klen && strncmp(p, key, klen) == 0 && p[klen] == '=' && n - klen - 1 < len) {
            memcpy(val, p + klen + 1, n - klen - 1);
            val[n - klen - 1] = '\0';
            return 0;
        }
        p += n;
    }
    return -1;
}

int main(void)
{
    char addr[32], args[1024], path[64], carrier[8], tool[32], *argv[INIT_ARGS_MAX + 2], *tok;
    char *save = NULL;
    int s, fd, i, argc = 0, status = 0;
    pid_t pid;

    mkdir("/proc", 0755);
    mkdir("/sys", 0755);
    mkdir("/dev", 0755);
    mount("proc", "/proc", "proc", 0, NULL);
    mount("sysfs", "/sys", "sysfs", 0, NULL);
    mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
    fd = open("/dev/console", O_WRONLY);
    if (fd >= 0) {
        dup2(fd, 1);
        dup2(fd, 2);
    }
    init_load_modules();
    for (i = 0; i < 100 && access("/sys/class/net/eth0", F_OK) < 0; i++) {
        init_sleep_ms(50);
    }
    if (init_cmdline("pvbench.addr", addr, sizeof(addr)) < 0) {
        snprintf(addr, sizeof(addr), "198.51.100.2");
    }
    s = socket(AF_INET, SOCK_DGRAM, 0);
    init_up(s, "lo", "127.0.0.1", "255.0.0.0");
    init_up(s, "eth0", addr, "255.255.255.0");
    close(s);
    snprintf(path, sizeof(path), "/sys/class/net/eth0/carrier");
    for (i = 0; i < 500; i++) {
        fd = open(path, O_RDONLY);
        carrier[0] = '\0';
        if (fd >= 0) {
            if (read(fd, carrier, 1) < 0) {
                carrier[0] = '\0';
            }
            close(fd);
        }
        if (carrier[0] == '1') {
            break;
        }
        init_sleep_ms(20);
    }
    if (init_cmdline("pvbiperf", args, sizeof(args)) < 0) {
        snprintf(args, sizeof(args), "--version");
    }
    /* pvbtool=sockperf runs /usr/bin/sockperf instead (the request/response reference). */
    if (init_cmdline("pvbtool", tool, sizeof(tool)) == 0 && strcmp(tool, "sockperf") == 0) {
        argv[argc++] = "/usr/bin/sockperf";
    } else {
        argv[argc++] = "/usr/bin/iperf3";
    }
    for (tok = strtok_r(args, ",", &save); tok && argc < INIT_ARGS_MAX;
         tok = strtok_r(NULL, ",", &save)) {
        argv[argc++] = tok;
    }
    argv[argc] = NULL;
    printf("IPERF-START %s\n", addr);
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        execv(argv[0], argv);
        perror("execv");
        _exit(127);
    }
    if (pid > 0) {
        waitpid(pid, &status, 0);
    }
    /* What the NIC's interrupt lines are called, for pvbench's irq_match. */
    fd = open("/proc/interrupts", O_RDONLY);
    if (fd >= 0) {
        static char irqs[16384];
        ssize_t n = read(fd, irqs, sizeof(irqs) - 1);

        close(fd);
        irqs[n > 0 ? n : 0] = '\0';
        printf("IPERF-IRQS\n%sIPERF-IRQS-END\n", irqs);
    }
    printf("IPERF-DONE %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    fflush(stdout);
    sync();
    reboot(RB_POWER_OFF);
    for (;;) {
        pause();
    }
}
