/* PID 1 plumbing: mounts, kernel modules, finding the device under test and its driver. */
#include "agent.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#ifndef MODULE_INIT_COMPRESSED_FILE
#define MODULE_INIT_COMPRESSED_FILE 4 /* Linux 6.2+: the kernel decompresses */
#endif

#define AGENT_SYS_LIST_MAX (64 * 1024)

static void AGENT_PRINTF(2, 3) agent_sys_log(agent_sys_log_fn log, const char *fmt, ...)
{
    char msg[AGENT_REASON_MAX];
    va_list ap;

    if (!log) {
        return;
    }
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    log(msg);
}

int agent_sys_mounts(agent_sys_log_fn log)
{
    static const struct {
        const char *src, *dir, *type;
        unsigned long flags;
    } mounts[] = {
        {"proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC},
        {"sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC},
        {"devtmpfs", "/dev", "devtmpfs", MS_NOSUID},
    };
    int failed = 0;
    size_t i;

    for (i = 0; i < sizeof(mounts) / sizeof(mounts[0]); i++) {
        if (mkdir(mounts[i].dir, 0755) < 0 && errno != EEXIST) {
            agent_sys_log(log, "mkdir %s: %s", mounts[i].dir, strerror(errno));
        }
        if (mount(mounts[i].src, mounts[i].dir, mounts[i].type, mounts[i].flags, NULL) < 0 &&
            errno != EBUSY) {
            agent_sys_log(log, "mount %s on %s: %s", mounts[i].type, mounts[i].dir,
                          strerror(errno));
            failed++;
        }
    }
    /* The block layer's queue state for the agent's stall reports (agent_stall.h); optional */
    if (mount("debugfs", "/sys/kernel/debug", "debugfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
              NULL) < 0 &&
        errno != EBUSY) {
        agent_sys_log(log, "mount debugfs on /sys/kernel/debug: %s (no blk-mq state in stall "
                           "reports)",
                      strerror(errno));
    }
    return failed;
}

static bool agent_sys_ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);

    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Load one module file; returns 0 (EEXIST included) or -errno. */
static int agent_sys_load_one(const char *path)
{
    int fd, flags = 0, ret = 0;

    if (agent_sys_ends_with(path, ".xz") || agent_sys_ends_with(path, ".zst") ||
        agent_sys_ends_with(path, ".gz")) {
        flags = MODULE_INIT_COMPRESSED_FILE;
    }
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return -errno;
    }
    if (syscall(SYS_finit_module, fd, "", flags) < 0 && errno != EEXIST) {
        ret = -errno;
    }
    close(fd);
    return ret;
}

/* Module name of a .ko path: basename without .ko[.xz|.zst|.gz], '-' as '_'. */
static void agent_sys_modname(const char *path, char *name, size_t len)
{
    const char *base = strrchr(path, '/');
    size_t n;

    base = base ? base + 1 : path;
    n = strcspn(base, ".");
    if (n >= len) {
        n = len - 1;
    }
    for (size_t i = 0; i < n; i++) {
        name[i] = base[i] == '-' ? '_' : base[i];
    }
    name[n] = '\0';
}

/* Is name one of the words of list (separated by spaces or commas, '-' same as '_')? */
static bool agent_sys_in_list(const char *list, const char *name)
{
    size_t n = strlen(name);

    while (*list) {
        size_t k = strcspn(list, " ,");
        bool same = k == n;

        for (size_t i = 0; same && i < n; i++) {
            char c = list[i] == '-' ? '_' : list[i];
            same = c == name[i];
        }
        if (same) {
            return true;
        }
        list += k;
        list += strspn(list, " ,");
    }
    return false;
}

int agent_sys_load_modules(const char *path, const char *wanted, int *loaded, int *failed,
                           agent_sys_log_fn log)
{
    char *list, *line, *save = NULL, *end;
    char **lines = NULL, *needed = NULL;
    bool *take = NULL;
    size_t n = 0, cap = 0, needed_len = 0;
    int ret;

    *loaded = 0;
    *failed = 0;
    list = malloc(AGENT_SYS_LIST_MAX);
    if (!list) {
        return -ENOMEM;
    }
    ret = procstat_read_file(path, list, AGENT_SYS_LIST_MAX);
    if (ret < 0) {
        agent_sys_log(log, "module list %s: %s", path, strerror(-ret));
        goto out;
    }
    /* Lines: "PATH [DEP ...]", dependencies first. */
    for (line = strtok_r(list, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        while (*line == ' ' || *line == '\t') {
            line++;
        }
        end = line + strlen(line);
        while (end > line && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r')) {
            *--end = '\0';
        }
        if (!*line || *line == '#') {
            continue;
        }
        if (n == cap) {
            char **bigger = realloc(lines, (cap ? cap * 2 : 64) * sizeof(*lines));
            if (!bigger) {
                ret = -ENOMEM;
                goto out;
            }
            lines = bigger;
            cap = cap ? cap * 2 : 64;
        }
        lines[n++] = line;
    }
    take = calloc(n ? n : 1, sizeof(*take));
    needed_len = (wanted ? strlen(wanted) : 0) + AGENT_SYS_LIST_MAX + 2;
    needed = malloc(needed_len);
    if (!take || !needed) {
        ret = -ENOMEM;
        goto out;
    }
    /*
     * Only what `wanted` names, with everything it depends on: walk the list backwards
     * (dependents come after their dependencies) and add each taken line's dependencies.
     */
    snprintf(needed, needed_len, "%s", wanted ? wanted : "");
    for (size_t i = n; i-- > 0;) {
        char name[64], *deps;

        agent_sys_modname(lines[i], name, sizeof(name));
        take[i] = !wanted || agent_sys_in_list(needed, name);
        deps = strpbrk(lines[i], " \t");
        if (deps) {
            *deps++ = '\0'; /* the path ends here */
            if (take[i] && wanted) {
                size_t used = strlen(needed);
                snprintf(needed + used, needed_len - used, " %s", deps);
            }
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (!take[i]) {
            continue;
        }
        ret = agent_sys_load_one(lines[i]);
        if (ret < 0) {
            (*failed)++;
            agent_sys_log(log, "module %s: %s", lines[i], strerror(-ret));
        } else {
            (*loaded)++;
        }
    }
    ret = 0;
out:
    free(needed);
    free(take);
    free(lines);
    free(list);
    return ret;
}

/* Block devices that are never the device under test. */
static bool agent_sys_skip_disk(const char *name)
{
    static const char *const prefixes[] = {"ram", "loop", "zram", "sr", "fd"};
    size_t i;

    if (name[0] == '.') {
        return true;
    }
    for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
        if (strncmp(name, prefixes[i], strlen(prefixes[i])) == 0) {
            return true;
        }
    }
    return false;
}

/*
 * Count the entries of folder dir (below sysfs) that keep accepts, and copy the first in
 * strcmp order into name. Returns the count, or -errno.
 */
static int agent_sys_first_entry(const char *sysfs, const char *dir,
                                 bool (*keep)(const char *sysfs, const char *entry), char *name,
                                 size_t len)
{
    char path[PATH_MAX], best[NAME_MAX + 1] = "";
    struct dirent *de;
    int n = 0;
    DIR *d;

    snprintf(path, sizeof(path), "%s/%s", sysfs, dir);
    d = opendir(path);
    if (!d) {
        return -errno;
    }
    while ((de = readdir(d)) != NULL) {
        if (!keep(sysfs, de->d_name)) {
            continue;
        }
        if (n == 0 || strcmp(de->d_name, best) < 0) {
            snprintf(best, sizeof(best), "%s", de->d_name);
        }
        n++;
    }
    closedir(d);
    if (n > 0) {
        if (strlen(best) >= len) {
            return -ENAMETOOLONG;
        }
        snprintf(name, len, "%s", best);
    }
    return n;
}

/*
 * NVMe native multipath (a controller in a subsystem: QEMU 10 always makes one) shows the
 * namespace twice: its head nvme0n1, with a /dev node, and each path nvme0c0n1, hidden (no
 * /dev node), which strcmp order would pick first.
 */
static bool agent_sys_hidden(const char *sysfs, const char *entry)
{
    char path[PATH_MAX], c = '0';
    int fd;

    if (snprintf(path, sizeof(path), "%s/block/%s/hidden", sysfs, entry) >= (int)sizeof(path)) {
        return false;
    }
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return false;
    }
    if (read(fd, &c, 1) != 1) {
        c = '0';
    }
    close(fd);
    return c == '1';
}

static bool agent_sys_keep_disk(const char *sysfs, const char *entry)
{
    return !agent_sys_skip_disk(entry) && !agent_sys_hidden(sysfs, entry);
}


int agent_sys_find_disk(const char *sysfs, char *name, size_t len)
{
    return agent_sys_first_entry(sysfs, "block", agent_sys_keep_disk, name, len);
}

static bool agent_sys_is_virtio(const char *base)
{
    const char *p;

    if (strncmp(base, "virtio", 6) != 0 || !base[6]) {
        return false;
    }
    for (p = base + 6; *p; p++) {
        if (*p < '0' || *p > '9') {
            return false;
        }
    }
    return true;
}

static bool agent_sys_is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* A PCI device name: domain:bus:slot.function, e.g. 0000:00:01.1. */
static bool agent_sys_is_pci(const char *base)
{
    static const char tail[] = ":xx:xx.x"; /* after a domain of 4+ hex digits */
    size_t n = strlen(base), tlen = sizeof(tail) - 1, dom, i;

    if (n < 4 + tlen) {
        return false;
    }
    dom = n - tlen;
    for (i = 0; i < n; i++) {
        if (i < dom || tail[i - dom] == 'x') {
            if (!agent_sys_is_hex(base[i])) {
                return false;
            }
        } else if (base[i] != tail[i - dom]) {
            return false;
        }
    }
    return true;
}

/* The driver of the first virtio or PCI device above disk's device link. 0 or -errno. */
static int agent_sys_disk_driver_walk(const char *sysfs, const char *disk, char *drv,
                                      size_t len)
{
    char link[PATH_MAX], path[PATH_MAX], root[PATH_MAX], target[PATH_MAX];
    const char *base, *tbase;
    size_t rootlen;
    ssize_t n;
    char *slash;

    snprintf(link, sizeof(link), "%s/block/%s/device", sysfs, disk);
    if (!realpath(link, path) || !realpath(sysfs, root)) {
        return -errno;
    }
    rootlen = strlen(root);
    for (;;) {
        slash = strrchr(path, '/');
        if (!slash || strlen(path) <= rootlen) {
            break;
        }
        base = slash + 1;
        if (agent_sys_is_virtio(base) || agent_sys_is_pci(base)) {
            if (snprintf(link, sizeof(link), "%s/driver", path) >= (int)sizeof(link)) {
                return -ENAMETOOLONG;
            }
            n = readlink(link, target, sizeof(target) - 1);
            if (n > 0) {
                target[n] = '\0';
                tbase = strrchr(target, '/');
                tbase = tbase ? tbase + 1 : target;
                if (strlen(tbase) >= len) {
                    return -ENAMETOOLONG;
                }
                snprintf(drv, len, "%s", tbase);
                return 0;
            }
        }
        *slash = '\0';
    }
    return -ENOENT;
}

/*
 * An NVMe multipath head nvme<S>n<N> hangs off its subsystem, not a PCI device: its driver
 * is that of its first path nvme<S>c<C>n<N> (in strcmp order) into path. 0 or -ENOENT.
 */
static int agent_sys_nvme_path(const char *sysfs, const char *head, char *path, size_t len)
{
    char dir[PATH_MAX];
    const char *n = strrchr(head, 'n');
    size_t plen, slen;
    struct dirent *de;
    int found = 0;
    DIR *d;

    if (strncmp(head, "nvme", 4) != 0 || !n || n < head + 5) {
        return -ENOENT;
    }
    plen = (size_t)(n - head); /* "nvme0" */
    slen = strlen(n);          /* "n1" */
    snprintf(dir, sizeof(dir), "%s/block", sysfs);
    d = opendir(dir);
    if (!d) {
        return -ENOENT;
    }
    while ((de = readdir(d)) != NULL) {
        size_t len_e = strlen(de->d_name);

        if (len_e > plen + 1 + slen && strncmp(de->d_name, head, plen) == 0 &&
            de->d_name[plen] == 'c' && strcmp(de->d_name + len_e - slen, n) == 0 &&
            len_e < len && (!found || strcmp(de->d_name, path) < 0)) {
            snprintf(path, len, "%s", de->d_name);
            found = 1;
        }
    }
    closedir(d);
    return found ? 0 : -ENOENT;
}

int agent_sys_disk_driver(const char *sysfs, const char *disk, char *drv, size_t len)
{
    char path[NAME_MAX + 1];
    int ret = agent_sys_disk_driver_walk(sysfs, disk, drv, len);

    if (ret == -ENOENT && agent_sys_nvme_path(sysfs, disk, path, sizeof(path)) == 0) {
        ret = agent_sys_disk_driver_walk(sysfs, path, drv, len);
    }
    return ret;
}

int agent_sys_wait_disk(char *name, size_t len, unsigned timeout_ms)
{
    struct timespec step = {0, 50 * 1000 * 1000};
    char dev[PATH_MAX];
    unsigned waited = 0;
    int n;

    for (;;) {
        n = agent_sys_find_disk("/sys", name, len);
        if (n > 0) {
            snprintf(dev, sizeof(dev), "/dev/%s", name);
            if (access(dev, F_OK) == 0) {
                return n;
            }
        }
        if (waited >= timeout_ms) {
            return n > 0 ? -ENOENT : n;
        }
        nanosleep(&step, NULL);
        waited += 50;
    }
}

/* Only interfaces with a device behind them: not lo, tunnels, bridges. */
static bool agent_sys_keep_netdev(const char *sysfs, const char *entry)
{
    char path[PATH_MAX];
    struct stat st;

    if (entry[0] == '.') {
        return false;
    }
    return snprintf(path, sizeof(path), "%s/class/net/%s/device", sysfs, entry) <
               (int)sizeof(path) &&
           stat(path, &st) == 0;
}

int agent_sys_find_netdev(const char *sysfs, char *name, size_t len)
{
    return agent_sys_first_entry(sysfs, "class/net", agent_sys_keep_netdev, name, len);
}

int agent_sys_net_driver(const char *sysfs, const char *ifname, char *drv, size_t len)
{
    char link[PATH_MAX], target[PATH_MAX];
    const char *base;
    ssize_t n;

    if (snprintf(link, sizeof(link), "%s/class/net/%s/device/driver", sysfs, ifname) >=
        (int)sizeof(link)) {
        return -ENAMETOOLONG;
    }
    n = readlink(link, target, sizeof(target) - 1);
    if (n <= 0) {
        return n < 0 ? -errno : -ENOENT;
    }
    target[n] = '\0';
    base = strrchr(target, '/');
    base = base ? base + 1 : target;
    if (!*base || strlen(base) >= len) {
        return -ENAMETOOLONG;
    }
    snprintf(drv, len, "%s", base);
    return 0;
}

int agent_sys_net_queues(const char *sysfs, const char *ifname)
{
    char path[PATH_MAX];
    struct dirent *e;
    int n = 0;
    DIR *d;

    if (snprintf(path, sizeof(path), "%s/class/net/%s/queues", sysfs, ifname) >=
        (int)sizeof(path)) {
        return -ENAMETOOLONG;
    }
    d = opendir(path);
    if (!d) {
        return -errno;
    }
    while ((e = readdir(d)) != NULL) {
        n += strncmp(e->d_name, "rx-", 3) == 0;
    }
    closedir(d);
    return n;
}

int agent_sys_wait_netdev(char *name, size_t len, unsigned timeout_ms)
{
    struct timespec step = {0, 50 * 1000 * 1000};
    unsigned waited = 0;
    int n;

    for (;;) {
        n = agent_sys_find_netdev("/sys", name, len);
        if (n != 0 || waited >= timeout_ms) {
            return n;
        }
        nanosleep(&step, NULL);
        waited += 50;
    }
}

int agent_sys_cmdline_value(const char *cmdline, const char *key, char *val, size_t len)
{
    size_t klen = strlen(key), n;
    const char *p = cmdline;

    while (p && *p) {
        while (*p == ' ' || *p == '\t' || *p == '\n') {
            p++;
        }
        n = strcspn(p, " \t\n");
        if (n > klen && strncmp(p, key, klen) == 0 && p[klen] == '=') {
            if (n - klen - 1 >= len) {
                return -ENAMETOOLONG;
            }
            memcpy(val, p + klen + 1, n - klen - 1);
            val[n - klen - 1] = '\0';
            return 0;
        }
        p += n;
    }
    return -ENOENT;
}
