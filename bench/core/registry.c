#include "registry.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

struct reg_entry {
    enum registry_kind kind;
    char id[REGISTRY_ID_MAX];
    char arg[REGISTRY_ARG_MAX];
};

static const char *const kind_names[REG_KIND_COUNT] = {"proc",   "file",   "dir",  "netns",
                                                       "link",   "domain", "volume", "pool",
                                                       "network"};
static registry_release_fn release_hooks[REG_KIND_COUNT];

static char run_id_buf[16];
static char run_dir[1024];
static char reg_path[1100];
static struct reg_entry *entries;
static size_t n_entries, cap_entries;
static unsigned long long harness_start;
/* Hosts measured in parallel (one thread each) add and forget entries at the same time. */
static pthread_mutex_t reg_mu = PTHREAD_MUTEX_INITIALIZER;

const char *registry_state_dir(void)
{
    const char *d = getenv("PVBENCH_STATE_DIR");
    return (d && *d) ? d : "/var/tmp/pvbench";
}

const char *registry_run_id(void)
{
    return run_id_buf;
}

const char *registry_dir(void)
{
    return run_dir;
}

void registry_set_release_hook(enum registry_kind kind, registry_release_fn fn)
{
    release_hooks[kind] = fn;
}

static enum registry_kind kind_parse(const char *s)
{
    for (int k = 0; k < REG_KIND_COUNT; k++) {
        if (strcmp(kind_names[k], s) == 0) {
            return (enum registry_kind)k;
        }
    }
    return REG_KIND_COUNT;
}

/* Rewrite the registry file atomically from the in-memory list. */
static int registry_save(void)
{
    size_t cap = 128 + n_entries * (REGISTRY_ID_MAX + REGISTRY_ARG_MAX + 32);
    char *buf = malloc(cap);
    size_t len = 0;
    int rc;

    if (!buf) {
        return -1;
    }
    len += (size_t)snprintf(buf, cap, "harness %d %llu\n", (int)getpid(), harness_start);
    for (size_t i = 0; i < n_entries; i++) {
        len += (size_t)snprintf(buf + len, cap - len, "%s %s%s%s\n", kind_names[entries[i].kind],
                                entries[i].id, entries[i].arg[0] ? " " : "", entries[i].arg);
    }
    rc = util_write_atomic(reg_path, buf, len);
    free(buf);
    return rc;
}

int registry_open(char *run_id, size_t len)
{
    unsigned long long seed;
    struct timespec ts;

    if (util_mkdir_p(registry_state_dir()) < 0) {
        log_err("cannot create state folder %s: %s", registry_state_dir(), strerror(errno));
        return -1;
    }
    clock_gettime(CLOCK_REALTIME, &ts);
    seed = ((unsigned long long)ts.tv_sec * 1000003ull) ^ (unsigned long long)ts.tv_nsec ^
           ((unsigned long long)getpid() << 16);
    for (int attempt = 0; attempt < 16; attempt++) {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        snprintf(run_id_buf, sizeof(run_id_buf), "%08llx", (seed >> 24) & 0xffffffffull);
        if (util_fmt(run_dir, sizeof(run_dir), "%s/%s", registry_state_dir(), run_id_buf) < 0) {
            return -1;
        }
        if (mkdir(run_dir, 0700) == 0) {
            break;
        }
        if (errno != EEXIST) {
            int e = errno;
            log_err("cannot create %s: %s%s", run_dir, strerror(e),
                    e == EACCES || e == EPERM || e == EROFS
                        ? " (the state folder for scratch disks and sockets: as a user, set "
                          "PVBENCH_STATE_DIR to a folder of yours; disk scenarios then run "
                          "without root, network ones need root for their namespaces)"
                        : "");
            return -1;
        }
        run_dir[0] = '\0';
    }
    if (!run_dir[0]) {
        return -1;
    }
    snprintf(reg_path, sizeof(reg_path), "%s/registry", run_dir);
    harness_start = util_proc_starttime(getpid());
    if (registry_save() < 0) {
        log_err("cannot write %s: %s", reg_path, strerror(errno));
        rmdir(run_dir);
        return -1;
    }
    return util_strlcpy(run_id, run_id_buf, len);
}

static int registry_add_locked(enum registry_kind kind, const char *id, const char *arg)
{
    if (!reg_path[0]) {
        return -1;
    }
    if (strlen(id) >= REGISTRY_ID_MAX || strchr(id, '\n') || strchr(id, ' ') ||
        (arg && (strlen(arg) >= sizeof(entries[0].arg) || strchr(arg, '\n')))) {
        errno = EINVAL;
        return -1;
    }
    if (n_entries == cap_entries) {
        size_t ncap = cap_entries ? cap_entries * 2 : 16;
        struct reg_entry *n = realloc(entries, ncap * sizeof(*n));
        if (!n) {
            return -1;
        }
        entries = n;
        cap_entries = ncap;
    }
    entries[n_entries].kind = kind;
    util_strlcpy(entries[n_entries].id, id, sizeof(entries[n_entries].id));
    util_strlcpy(entries[n_entries].arg, arg ? arg : "", sizeof(entries[n_entries].arg));
    n_entries++;
    if (registry_save() < 0) {
        n_entries--;
        return -1;
    }
    return 0;
}

int registry_add(enum registry_kind kind, const char *id, const char *arg)
{
    int rc;

    pthread_mutex_lock(&reg_mu);
    rc = registry_add_locked(kind, id, arg);
    pthread_mutex_unlock(&reg_mu);
    return rc;
}

int registry_add_proc(pid_t pid)
{
    char id[32], arg[32];

    snprintf(id, sizeof(id), "%d", (int)pid);
    snprintf(arg, sizeof(arg), "%llu", util_proc_starttime(pid));
    return registry_add(REG_PROC, id, arg);
}

void registry_forget(enum registry_kind kind, const char *id)
{
    pthread_mutex_lock(&reg_mu);
    for (size_t i = n_entries; i-- > 0;) {
        if (entries[i].kind == kind && strcmp(entries[i].id, id) == 0) {
            memmove(&entries[i], &entries[i + 1], (n_entries - i - 1) * sizeof(entries[0]));
            n_entries--;
            if (registry_save() < 0) {
                log_warn("cannot update %s: %s", reg_path, strerror(errno));
            }
            break;
        }
    }
    pthread_mutex_unlock(&reg_mu);
}

void registry_forget_under(enum registry_kind kind, const char *folder)
{
    size_t len = strlen(folder);
    size_t kept = 0;

    pthread_mutex_lock(&reg_mu);
    for (size_t i = 0; i < n_entries; i++) {
        if (!(entries[i].kind == kind && len > 0 && strncmp(entries[i].id, folder, len) == 0 &&
              entries[i].id[len] == '/')) {
            entries[kept++] = entries[i];
        }
    }
    if (kept != n_entries) {
        n_entries = kept;
        if (registry_save() < 0) {
            log_warn("cannot update %s: %s", reg_path, strerror(errno));
        }
    }
    pthread_mutex_unlock(&reg_mu);
}

/* End a process we started, if it is still the same process. */
static int release_proc(const char *id, const char *arg, double grace_s)
{
    pid_t pid = (pid_t)atoi(id);
    /* No start time recorded (arg NULL): never signal a pid we cannot identify (cppcheck). */
    unsigned long long want = arg ? strtoull(arg, NULL, 10) : 0;
    double deadline;

    if (pid <= 1 || want == 0 || util_proc_starttime(pid) != want) {
        return 0; /* gone, or the pid now belongs to someone else */
    }
    kill(pid, SIGTERM);
    deadline = util_now() + grace_s;
    while (util_now() < deadline) {
        /* Reap if it is our child; otherwise wait for /proc to say it is gone. */
        if (waitpid(pid, NULL, WNOHANG) == pid || util_proc_starttime(pid) != want) {
            return 0;
        }
        usleep(20000);
    }
    if (util_proc_starttime(pid) == want) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
    }
    return 0;
}

/* ip OBJECT delete NAME (no shell). */
static int run_ip_delete(const char *object, const char *name)
{
    char out[512];
    char *argv[] = {"ip", (char *)object, "delete", (char *)name, NULL};
    int rc = util_run_capture(argv, out, sizeof(out), 10.0);

    if (rc != 0) {
        util_rstrip(out);
        log_warn("ip %s delete %s: %s", object, name, out);
    }
    return rc == 0 ? 0 : -1;
}

int registry_release(enum registry_kind kind, const char *id, const char *arg, double grace_s)
{
    switch (kind) {
    case REG_PROC:
        return release_proc(id, arg, grace_s);
    case REG_FILE:
        if (unlink(id) < 0 && errno != ENOENT) {
            log_warn("cannot remove %s: %s", id, strerror(errno));
            return -1;
        }
        return 0;
    case REG_DIR:
        if (rmdir(id) < 0 && errno != ENOENT) {
            log_warn("cannot remove folder %s: %s", id, strerror(errno));
            return -1;
        }
        return 0;
    case REG_NETNS:
        return run_ip_delete("netns", id);
    case REG_LINK:
        return run_ip_delete("link", id);
    case REG_DOMAIN:
    case REG_VOLUME:
    case REG_POOL:
    case REG_NETWORK:
        if (release_hooks[kind]) {
            return release_hooks[kind](id, arg);
        }
        log_warn("cannot release libvirt %s %s: libvirt support not loaded", kind_names[kind], id);
        return -1;
    case REG_KIND_COUNT:
        break;
    }
    return -1;
}

void registry_release_all(void)
{
    struct reg_entry *left = n_entries ? calloc(n_entries, sizeof(*left)) : NULL;
    size_t n_left = 0;

    while (n_entries > 0) {
        struct reg_entry e = entries[n_entries - 1];
        int rc = registry_release(e.kind, e.id, e.arg, 3.0);

        n_entries--;
        /* What lives on another host that could not be reached stays for `pvbench cleanup`. */
        if (rc < 0 && left && (e.kind == REG_DOMAIN || e.kind == REG_VOLUME || e.kind == REG_POOL ||
                             e.kind == REG_NETWORK)) {
            left[n_left++] = e;
        }
    }
    if (n_left > 0 && reg_path[0]) {
        /* Back in their order of registration: pools after their volumes on release. */
        for (size_t i = 0; i < n_left; i++) {
            entries[i] = left[n_left - 1 - i];
        }
        n_entries = n_left;
        if (registry_save() == 0) {
            log_warn("%zu libvirt object%s could not be released; `pvbench cleanup` tries again",
                     n_left, n_left == 1 ? "" : "s");
            n_entries = 0;
            reg_path[0] = '\0';
            free(left);
            free(entries);
            entries = NULL;
            cap_entries = 0;
            return;
        }
        n_entries = 0;
    }
    free(left);
    if (reg_path[0]) {
        unlink(reg_path);
        reg_path[0] = '\0';
        if (rmdir(run_dir) < 0 && errno != ENOENT) {
            log_warn("run folder %s not empty after cleanup", run_dir);
        }
    }
    free(entries);
    entries = NULL;
    cap_entries = 0;
}

int registry_scratch_file(const char *path, unsigned mib, char *err, size_t errlen)
{
    uint64_t x = 0x9e3779b97f4a7c15ull, *w;
    char *buf = NULL;
    int fd = -1, rc = -1;
    unsigned i;
    size_t k;

    if (registry_add(REG_FILE, path, NULL) < 0) {
        snprintf(err, errlen, "cannot register %s: %s", path, strerror(errno));
        return -1;
    }
    buf = malloc(1u << 20);
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (!buf || fd < 0) {
        snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
        goto out;
    }
    /* Data, not a sparse file: reads must reach the disk, as in the guests' scratch disks. */
    for (i = 0; i < mib; i++) {
        w = (uint64_t *)(void *)buf;
        for (k = 0; k < (1u << 20) / 8; k++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            w[k] = x;
        }
        if (util_write_all(fd, buf, 1u << 20) < 0) {
            snprintf(err, errlen, "cannot fill %s: %s", path, strerror(errno));
            goto out;
        }
    }
    if (fdatasync(fd) < 0) {
        snprintf(err, errlen, "cannot sync %s: %s", path, strerror(errno));
        goto out;
    }
    rc = 0;
out:
    if (fd >= 0) {
        close(fd);
    }
    free(buf);
    return rc;
}

/* Release what one dead run registered. Returns 1 if cleaned, 0 if skipped, -1 on error. */
static int cleanup_one(const char *dir, int dry_run)
{
    char path[1200], line[REGISTRY_ID_MAX + REGISTRY_ARG_MAX + 32];
    struct reg_entry *list = NULL;
    size_t n = 0, cap = 0;
    FILE *f;
    int hpid = 0;
    unsigned long long hstart = 0;

    snprintf(path, sizeof(path), "%s/registry", dir);
    f = fopen(path, "re");
    if (!f) {
        return 0;
    }
    while (fgets(line, sizeof(line), f)) {
        char kind[16], id[REGISTRY_ID_MAX], arg[REGISTRY_ARG_MAX] = "";
        int k;

        util_rstrip(line);
        if (sscanf(line, "harness %d %llu", &hpid, &hstart) == 2) {
            continue;
        }
        if (sscanf(line, "%15s %511s %255s", kind, id, arg) < 2) {
            continue;
        }
        k = kind_parse(kind);
        if (k == REG_KIND_COUNT) {
            continue;
        }
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            struct reg_entry *nl = realloc(list, ncap * sizeof(*nl));
            if (!nl) {
                fclose(f);
                free(list);
                return -1;
            }
            list = nl;
            cap = ncap;
        }
        list[n].kind = (enum registry_kind)k;
        util_strlcpy(list[n].id, id, sizeof(list[n].id));
        util_strlcpy(list[n].arg, arg, sizeof(list[n].arg));
        n++;
    }
    fclose(f);
    if (hpid > 0 && hstart != 0 && util_proc_starttime(hpid) == hstart) {
        printf("run %s: harness pid %d still running, left alone\n", dir, hpid);
        free(list);
        return 0;
    }
    for (size_t i = n; i-- > 0;) {
        printf("%s %s %s\n", dry_run ? "would release" : "releasing", kind_names[list[i].kind],
               list[i].id);
        if (!dry_run) {
            registry_release(list[i].kind, list[i].id, list[i].arg, 3.0);
        }
    }
    if (!dry_run) {
        unlink(path);
        if (rmdir(dir) < 0) {
            log_warn("%s: not empty after cleanup: %s", dir, strerror(errno));
        }
    }
    free(list);
    return 1;
}

int registry_cleanup_stale(int dry_run)
{
    DIR *d = opendir(registry_state_dir());
    struct dirent *de;
    int cleaned = 0;

    if (!d) {
        if (errno == ENOENT) {
            printf("nothing to clean up (%s does not exist)\n", registry_state_dir());
            return 0;
        }
        log_err("cannot open %s: %s", registry_state_dir(), strerror(errno));
        return -1;
    }
    while ((de = readdir(d)) != NULL) {
        char dir[1100];
        size_t l = strlen(de->d_name);
        int r;

        /* Only our own naming: 8 hex digits. */
        if (l != 8 || strspn(de->d_name, "0123456789abcdef") != 8) {
            continue;
        }
        snprintf(dir, sizeof(dir), "%s/%s", registry_state_dir(), de->d_name);
        r = cleanup_one(dir, dry_run);
        if (r > 0) {
            cleaned++;
        }
    }
    closedir(d);
    printf("%d stale run%s %s\n", cleaned, cleaned == 1 ? "" : "s",
           dry_run ? "found" : "cleaned up");
    return cleaned;
}
