/* CPU time per QEMU thread role, from /proc (threadcpu.h). */
#include "threadcpu.h"

#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

const char *threadcpu_role_name(enum threadcpu_role r)
{
    static const char *const names[THREADCPU_ROLES] = {"vcpu", "main", "io", "vhost", "other"};

    return (unsigned)r < THREADCPU_ROLES ? names[r] : "?";
}

enum threadcpu_role threadcpu_role_of(const char *comm, int is_main)
{
    if (is_main) {
        return THREADCPU_MAIN;
    }
    if (strncmp(comm, "CPU ", 4) == 0 && strchr(comm, '/')) {
        return THREADCPU_VCPU;
    }
    if (strcmp(comm, "worker") == 0 ||
        (strncmp(comm, "IO ", 3) == 0 && strcmp(comm, "IO mon_iothread") != 0)) {
        return THREADCPU_IO;
    }
    if (strncmp(comm, "vhost-", 6) == 0) {
        return THREADCPU_VHOST;
    }
    return THREADCPU_OTHER;
}

/* A small file's first line, without its newline. 0, or -1. */
static int threadcpu_read_line(const char *path, char *buf, size_t len)
{
    ssize_t n = util_read_file(path, buf, len);

    if (n <= 0) {
        return -1;
    }
    buf[strcspn(buf, "\n")] = '\0';
    return 0;
}

/* utime + stime of a stat line, in clock ticks (fields 14 and 15, after the comm's ')'). */
static int threadcpu_stat_ticks(const char *line, unsigned long long *ticks)
{
    const char *p = strrchr(line, ')');
    unsigned long long ut, st;
    int field = 2;

    if (!p) {
        return -1;
    }
    p++;
    while (*p && field < 14) {
        if (*p++ == ' ') {
            field++;
        }
    }
    /* p is at field 14 (utime), field 15 is stime */
    if (sscanf(p, "%llu %llu", &ut, &st) != 2) {
        return -1;
    }
    *ticks = ut + st;
    return 0;
}

/* A thread's CPU time in ns: schedstat's first field, else its stat's ticks. */
static int threadcpu_task_ns(const char *dir, unsigned long long *ns)
{
    char path[512], line[1024];
    unsigned long long ticks;

    if (util_fmt(path, sizeof(path), "%s/schedstat", dir) >= 0 &&
        threadcpu_read_line(path, line, sizeof(line)) == 0 && sscanf(line, "%llu", ns) == 1) {
        return 0;
    }
    if (util_fmt(path, sizeof(path), "%s/stat", dir) >= 0 &&
        threadcpu_read_line(path, line, sizeof(line)) == 0 &&
        threadcpu_stat_ticks(line, &ticks) == 0) {
        *ns = ticks * (1000000000ull / (unsigned long long)sysconf(_SC_CLK_TCK));
        return 0;
    }
    return -1;
}

static void threadcpu_add(struct threadcpu_snap *s, pid_t tid, const char *comm, int is_main,
                          int own, const char *dir)
{
    unsigned long long ns;

    if (threadcpu_task_ns(dir, &ns) < 0) {
        return; /* it ended while we looked */
    }
    if (s->n >= THREADCPU_MAX) {
        s->truncated = 1;
        return;
    }
    s->t[s->n].tid = tid;
    s->t[s->n].role = threadcpu_role_of(comm, is_main);
    s->t[s->n].ns = ns;
    s->t[s->n].own = own;
    s->n++;
}

static int threadcpu_known(const struct threadcpu_snap *s, pid_t tid)
{
    for (unsigned i = 0; i < s->n; i++) {
        if (s->t[i].tid == tid) {
            return 1;
        }
    }
    return 0;
}

/*
 * The numeric entries of dir (a task folder, or /proc itself) whose comm is want (NULL: any)
 * and that are not in s yet, into s; own: they are threads of process pid.
 */
static void threadcpu_scan(const char *dir, pid_t pid, const char *want, int own,
                           struct threadcpu_snap *s)
{
    char tdir[600], path[700], comm[64];
    struct dirent *e;
    DIR *d = opendir(dir);

    if (!d) {
        return;
    }
    while ((e = readdir(d)) != NULL) {
        long tid;
        char *end;

        if (!isdigit((unsigned char)e->d_name[0])) {
            continue;
        }
        tid = strtol(e->d_name, &end, 10);
        if (*end || util_fmt(tdir, sizeof(tdir), "%s/%s", dir, e->d_name) < 0 ||
            util_fmt(path, sizeof(path), "%s/comm", tdir) < 0 ||
            threadcpu_read_line(path, comm, sizeof(comm)) < 0 || (want && strcmp(comm, want)) ||
            threadcpu_known(s, (pid_t)tid)) {
            continue;
        }
        threadcpu_add(s, (pid_t)tid, comm, own && tid == (long)pid, own, tdir);
    }
    closedir(d);
}

int threadcpu_snap(const char *proc_root, pid_t pid, int vhost, struct threadcpu_snap *s)
{
    const char *root = proc_root ? proc_root : "/proc";
    char dir[512], path[700], line[1024], want[32];
    unsigned long long ticks;

    memset(s, 0, sizeof(*s));
    s->total_s = -1;
    if (util_fmt(path, sizeof(path), "%s/%d/stat", root, (int)pid) < 0 ||
        threadcpu_read_line(path, line, sizeof(line)) < 0) {
        return -1;
    }
    if (threadcpu_stat_ticks(line, &ticks) == 0) {
        s->total_s = (double)ticks / (double)sysconf(_SC_CLK_TCK);
    }
    if (util_fmt(dir, sizeof(dir), "%s/%d/task", root, (int)pid) < 0 || access(dir, X_OK) < 0) {
        return -1;
    }
    threadcpu_scan(dir, pid, NULL, 1, s);
    if (vhost) {
        /* kernel threads named vhost-<pid> (Linux before 6.4: not threads of the process) */
        snprintf(want, sizeof(want), "vhost-%d", (int)pid);
        threadcpu_scan(root, pid, want, 0, s);
    }
    return 0;
}

void threadcpu_delta(const struct threadcpu_snap *a, const struct threadcpu_snap *b,
                     double role_s[THREADCPU_ROLES], double *total_s, double *ended_s)
{
    double own = 0;

    for (unsigned r = 0; r < THREADCPU_ROLES; r++) {
        role_s[r] = 0;
    }
    for (unsigned i = 0; i < b->n; i++) {
        unsigned long long before = 0;
        double d;

        for (unsigned j = 0; j < a->n; j++) {
            if (a->t[j].tid == b->t[i].tid) {
                before = a->t[j].ns;
                break;
            }
        }
        d = b->t[i].ns >= before ? (double)(b->t[i].ns - before) / 1e9 : 0;
        role_s[b->t[i].role] += d;
        if (b->t[i].own) {
            own += d; /* vhost kernel threads (before 6.4) are not in the process's total */
        }
    }
    *total_s = a->total_s >= 0 && b->total_s >= 0 ? b->total_s - a->total_s : -1;
    *ended_s = *total_s >= 0 ? *total_s - own : 0;
}
