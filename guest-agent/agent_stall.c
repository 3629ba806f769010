/* The agent's stall watchdog (agent_stall.h). */
#include "agent_stall.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define AGENT_STALL_TICK_MS 1000
#define AGENT_STALL_FILE_MAX 512

/*
 * Written by the engine (relaxed atomics), read by the watchdog: one slot per submitter
 * (numjobs), each thread writing its own (agent_stall_slot); UINT64_MAX: that one is done.
 */
static uint64_t agent_stall_t_progress[AGENT_NUMJOBS_MAX];
static long agent_stall_n_inflight[AGENT_NUMJOBS_MAX] = {-1};
static unsigned agent_stall_n_slots = 1;
static __thread unsigned agent_stall_self;

static pthread_mutex_t agent_stall_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t agent_stall_cv;
static pthread_t agent_stall_th;
static int agent_stall_running, agent_stall_stop;
static void (*agent_stall_log)(const char *text);
static struct agent_job agent_stall_job;
static char agent_stall_target[64];

void agent_stall_set_log(void (*log)(const char *text))
{
    pthread_mutex_lock(&agent_stall_mu);
    agent_stall_log = log;
    pthread_mutex_unlock(&agent_stall_mu);
}

void agent_stall_fault(const struct agent_job *job)
{
    while (job->fault == AGENT_FAULT_STALL) {
        struct timespec ts = {1, 0};
        nanosleep(&ts, NULL);
    }
}

void agent_stall_slot(unsigned i)
{
    agent_stall_self = i < AGENT_NUMJOBS_MAX ? i : AGENT_NUMJOBS_MAX - 1;
}

void agent_stall_progress(uint64_t now)
{
    __atomic_store_n(&agent_stall_t_progress[agent_stall_self], now, __ATOMIC_RELAXED);
}

void agent_stall_inflight(long n)
{
    __atomic_store_n(&agent_stall_n_inflight[agent_stall_self], n, __ATOMIC_RELAXED);
}

void agent_stall_done(void)
{
    agent_stall_progress(UINT64_MAX);
    agent_stall_inflight(0);
}

/* The oldest progress of the submitters still running (0: none started or none left) and
 * their requests in flight (-1: unknown). */
static uint64_t agent_stall_oldest(long *inflight)
{
    uint64_t oldest = 0;

    *inflight = -1;
    for (unsigned i = 0; i < agent_stall_n_slots; i++) {
        uint64_t t = __atomic_load_n(&agent_stall_t_progress[i], __ATOMIC_RELAXED);
        long n = __atomic_load_n(&agent_stall_n_inflight[i], __ATOMIC_RELAXED);

        if (n >= 0) {
            *inflight = (*inflight < 0 ? 0 : *inflight) + n;
        }
        if (t != 0 && t != UINT64_MAX && (oldest == 0 || t < oldest)) {
            oldest = t;
        }
    }
    return oldest;
}

/* Every slot back to "not started", this thread to slot 0. */
static void agent_stall_reset(unsigned n_slots)
{
    for (unsigned i = 0; i < AGENT_NUMJOBS_MAX; i++) {
        __atomic_store_n(&agent_stall_t_progress[i], 0, __ATOMIC_RELAXED);
        __atomic_store_n(&agent_stall_n_inflight[i], -1, __ATOMIC_RELAXED);
    }
    agent_stall_n_slots = n_slots >= 1 && n_slots <= AGENT_NUMJOBS_MAX ? n_slots : 1;
    agent_stall_self = 0;
}

/* A small kernel file with its white space folded to single spaces, into out ("?" if none). */
static void agent_stall_file(const char *path, char *out, size_t len)
{
    char buf[AGENT_STALL_FILE_MAX];
    ssize_t n;
    size_t o = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC), space = 0;

    snprintf(out, len, "?");
    if (fd < 0) {
        return;
    }
    n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n < 0) {
        return;
    }
    for (ssize_t i = 0; i < n && o + 2 < len; i++) {
        char c = buf[i];
        if (c == '\n' || c == '\t' || c == ' ') {
            space = o > 0;
            continue;
        }
        if (space) {
            out[o++] = ' ';
            space = 0;
        }
        out[o++] = (c >= 32 && c < 127) ? c : '?';
    }
    out[o] = '\0';
    if (o == 0) {
        snprintf(out, len, "(empty)");
    }
}

/* Append to a bounded text; -1 once it is full. */
static int agent_stall_cat(char *buf, size_t len, size_t *used, const char *fmt, ...)
    AGENT_PRINTF(4, 5);

static int agent_stall_cat(char *buf, size_t len, size_t *used, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (*used >= len) {
        return -1;
    }
    va_start(ap, fmt);
    n = vsnprintf(buf + *used, len - *used, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= len - *used) {
        *used = len;
        return -1;
    }
    *used += (size_t)n;
    return 0;
}

/* The block layer's per-queue state from debugfs (hctxN: busy, dispatch, tags' busy). */
static void agent_stall_blkmq(char *buf, size_t len, size_t *used, const char *sysroot,
                              const char *name)
{
    char dir[256], path[512], v[160];
    struct dirent *e;
    DIR *d;
    unsigned n = 0;

    snprintf(dir, sizeof(dir), "%s/sys/kernel/debug/block/%s", sysroot, name);
    if (!(d = opendir(dir))) {
        agent_stall_cat(buf, len, used, "; blk-mq: debugfs not mounted");
        return;
    }
    while ((e = readdir(d)) != NULL && n < 4) {
        if (strncmp(e->d_name, "hctx", 4) != 0) {
            continue;
        }
        n++;
        agent_stall_cat(buf, len, used, "; %s", e->d_name);
        snprintf(path, sizeof(path), "%s/%s/busy", dir, e->d_name);
        agent_stall_file(path, v, sizeof(v));
        agent_stall_cat(buf, len, used, " busy: %s", v);
        snprintf(path, sizeof(path), "%s/%s/dispatch", dir, e->d_name);
        agent_stall_file(path, v, sizeof(v));
        agent_stall_cat(buf, len, used, ", dispatch: %s", v);
        snprintf(path, sizeof(path), "%s/%s/tags", dir, e->d_name);
        agent_stall_file(path, v, sizeof(v));
        agent_stall_cat(buf, len, used, ", tags: %.60s", v);
    }
    closedir(d);
    if (n == 0) {
        agent_stall_cat(buf, len, used, "; blk-mq: no hctx in %s", dir);
    }
}

int agent_stall_format(char *buf, size_t len, const struct agent_job *job, const char *target,
                       double since_s, long inflight, const char *sysroot)
{
    const char *name = strrchr(target, '/') ? strrchr(target, '/') + 1 : target;
    char path[256], v[160];
    size_t used = 0;

    if (job->kind == AGENT_KIND_NET) {
        agent_stall_cat(buf, len, &used,
                        "stall: job %u (%s) made no progress with the peer for %.1f s", job->id,
                        job->workload, since_s);
        snprintf(path, sizeof(path), "%s/sys/class/net/%s/statistics/rx_packets", sysroot, name);
        agent_stall_file(path, v, sizeof(v));
        agent_stall_cat(buf, len, &used, "; %s rx_packets %s", name, v);
        snprintf(path, sizeof(path), "%s/sys/class/net/%s/statistics/tx_packets", sysroot, name);
        agent_stall_file(path, v, sizeof(v));
        agent_stall_cat(buf, len, &used, ", tx_packets %s", v);
    } else {
        agent_stall_cat(buf, len, &used,
                        "stall: job %u (%s) completed nothing on %s for %.1f s", job->id,
                        job->workload, target, since_s);
        if (inflight >= 0) {
            agent_stall_cat(buf, len, &used, "; in flight by the agent's count: %ld", inflight);
        }
        snprintf(path, sizeof(path), "%s/sys/block/%s/inflight", sysroot, name);
        agent_stall_file(path, v, sizeof(v));
        agent_stall_cat(buf, len, &used, "; /sys/block/%s/inflight (reads writes): %s", name, v);
        agent_stall_blkmq(buf, len, &used, sysroot, name);
    }
    return used >= len ? -1 : (int)used;
}

static void *agent_stall_thread(void *arg)
{
    uint64_t next_report = 0;
    char text[AGENT_REASON_MAX];

    (void)arg;
    pthread_mutex_lock(&agent_stall_mu);
    while (!agent_stall_stop) {
        struct timespec ts;
        uint64_t now, last;
        long inflight;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_sec += AGENT_STALL_TICK_MS / 1000;
        pthread_cond_timedwait(&agent_stall_cv, &agent_stall_mu, &ts);
        if (agent_stall_stop) {
            break;
        }
        now = agent_meter_now();
        last = agent_stall_oldest(&inflight);
        if (last == 0 || now < last + (uint64_t)(AGENT_STALL_S * 1e9) || now < next_report) {
            continue;
        }
        next_report = now + (uint64_t)(AGENT_STALL_REPEAT_S * 1e9);
        if (agent_stall_format(text, sizeof(text), &agent_stall_job, agent_stall_target,
                               (double)(now - last) / 1e9, inflight, "") < 0) {
            text[sizeof(text) - 1] = '\0'; /* cut, still worth sending */
        }
        if (agent_stall_log) {
            agent_stall_log(text);
        }
    }
    pthread_mutex_unlock(&agent_stall_mu);
    return NULL;
}

int agent_stall_begin(const struct agent_job *job, const char *target)
{
    pthread_condattr_t ca;
    int rc;

    agent_stall_end();
    /* armed by the meter's start */
    agent_stall_reset(job->numjobs > job->streams ? job->numjobs : job->streams);
    pthread_mutex_lock(&agent_stall_mu);
    agent_stall_job = *job;
    snprintf(agent_stall_target, sizeof(agent_stall_target), "%s", target ? target : "?");
    agent_stall_stop = 0;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&agent_stall_cv, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_unlock(&agent_stall_mu);
    rc = pthread_create(&agent_stall_th, NULL, agent_stall_thread, NULL);
    if (rc != 0) {
        pthread_cond_destroy(&agent_stall_cv);
        return -rc;
    }
    agent_stall_running = 1;
    return 0;
}

void agent_stall_end(void)
{
    if (!agent_stall_running) {
        return;
    }
    pthread_mutex_lock(&agent_stall_mu);
    agent_stall_stop = 1;
    pthread_cond_signal(&agent_stall_cv);
    pthread_mutex_unlock(&agent_stall_mu);
    pthread_join(agent_stall_th, NULL);
    pthread_cond_destroy(&agent_stall_cv);
    agent_stall_running = 0;
    agent_stall_reset(1);
}
