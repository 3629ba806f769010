/*
 * Block workloads on the device under test, O_DIRECT.
 *
 * qd=1 is a plain pread/pwrite loop. qd>1 uses Linux native AIO through raw
 * syscalls (io_setup/io_submit/io_getevents): no library in the static binary,
 * works on every kernel the guest may run, and with O_DIRECT on a block device
 * the submission is truly asynchronous. The loop reaps whatever completed
 * (at least one), then resubmits the same number in one io_submit: two
 * syscalls and two clock reads per batch, the same work as fio's libaio engine.
 *
 * Phases (struct agent_meter, agent_meter.c): warm-up (counted in ops_total
 * only), measured interval, drain. A batch of completions is accounted in the
 * phase it was reaped in, then the phase may change at that batch's timestamp,
 * which becomes the interval's start or end; /proc/stat and /proc/interrupts
 * are read right after it.
 */
#include "agent.h"
#include "agent_stall.h"
#include "hist.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <fcntl.h>
#include <linux/aio_abi.h>
#include <linux/fs.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* Above this, all slots share one buffer (data content does not matter). */
#define AGENT_BLK_BUF_MAX (32u * 1024 * 1024)

struct agent_blk {
    const struct agent_job *job;
    const char *dev;
    int fd;
    uint64_t base;    /* the region's first byte (offset_mib) */
    uint64_t nblocks; /* the region's size in units of bs */
    uint64_t seq_next;
    uint64_t rng;
    struct agent_meter m; /* phases, counters, error reason */
    char *buf;
    size_t buf_stride; /* 0: one shared buffer */
};

static void AGENT_PRINTF(2, 3) agent_blk_err(struct agent_blk *b, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(b->m.err, b->m.errlen, fmt, ap);
    va_end(ap);
}

/* xorshift64*: fast, good enough to spread offsets uniformly. */
static inline uint64_t agent_blk_rand(struct agent_blk *b)
{
    b->rng ^= b->rng >> 12;
    b->rng ^= b->rng << 25;
    b->rng ^= b->rng >> 27;
    return b->rng * 0x2545F4914F6CDD1DULL;
}

static inline uint64_t agent_blk_offset(struct agent_blk *b)
{
    uint64_t blk;

    if (agent_job_rw_is_random(b->job->rw)) {
        /* Multiply-shift maps 64 random bits onto [0, nblocks) without a division. */
        blk = (uint64_t)(((unsigned __int128)agent_blk_rand(b) * b->nblocks) >> 64);
    } else {
        blk = b->seq_next++;
        if (b->seq_next >= b->nblocks) {
            b->seq_next = 0;
        }
    }
    return b->base + blk * b->job->bs;
}

/* Is the next operation a write? randrw draws it: a read with probability rwmixread %. */
static inline bool agent_blk_op_write(struct agent_blk *b)
{
    if (agent_job_rw_is_mixed(b->job->rw)) {
        return (unsigned)(((unsigned __int128)agent_blk_rand(b) * 100u) >> 64) >=
               b->job->rwmixread;
    }
    return agent_job_rw_is_write(b->job->rw);
}

static inline char *agent_blk_buf(struct agent_blk *b, unsigned slot)
{
    return b->buf + (size_t)slot * b->buf_stride;
}

static inline void agent_blk_complete(struct agent_blk *b, uint64_t lat_ns)
{
    if (b->m.phase == AGENT_PHASE_AFTER) {
        return;
    }
    b->m.ops_total++;
    if (b->m.phase == AGENT_PHASE_MEASURE) {
        b->m.ops++;
        b->m.bytes += b->job->bs;
        hist_add(b->m.hist, lat_ns);
    }
}

static void agent_blk_io_err(struct agent_blk *b, long res, uint64_t off, bool write)
{
    const char *op = write ? "write" : "read";

    if (res < 0) {
        agent_blk_err(b, "%s %s at offset %llu: %s", op, b->dev, (unsigned long long)off,
                      strerror((int)-res));
    } else {
        agent_blk_err(b, "short %s on %s at offset %llu: %ld of %u bytes", op, b->dev,
                      (unsigned long long)off, res, b->job->bs);
    }
}

/* qd=1: one synchronous request at a time. */
static int agent_blk_sync(struct agent_blk *b)
{
    bool write;
    uint64_t off, t1, t2;
    ssize_t n;
    int ret;

    agent_stall_inflight(1); /* one request at a time, always one in flight */
    agent_stall_fault(b->job);
    while (b->m.phase != AGENT_PHASE_AFTER) {
        off = agent_blk_offset(b);
        write = agent_blk_op_write(b);
        t1 = agent_meter_now();
        if (write) {
            n = pwrite(b->fd, b->buf, b->job->bs, (off_t)off);
        } else {
            n = pread(b->fd, b->buf, b->job->bs, (off_t)off);
        }
        t2 = agent_meter_now();
        if (n != (ssize_t)b->job->bs) {
            if (n < 0 && errno == EINTR) {
                continue;
            }
            ret = n < 0 ? -errno : -EIO;
            agent_blk_io_err(b, n < 0 ? (long)ret : (long)n, off, write);
            return ret;
        }
        agent_blk_complete(b, t2 - t1);
        ret = agent_meter_tick(&b->m, t2);
        if (ret < 0) {
            return ret;
        }
    }
    return 0;
}

static inline void agent_blk_prep(struct agent_blk *b, struct iocb *cb, unsigned slot)
{
    memset(cb, 0, sizeof(*cb));
    cb->aio_data = slot;
    cb->aio_lio_opcode = agent_blk_op_write(b) ? IOCB_CMD_PWRITE : IOCB_CMD_PREAD;
    cb->aio_fildes = (uint32_t)b->fd;
    cb->aio_buf = (uint64_t)(uintptr_t)agent_blk_buf(b, slot);
    cb->aio_nbytes = b->job->bs;
    cb->aio_offset = (int64_t)agent_blk_offset(b);
}

/* Submit n iocbs; returns how many went in, or -errno with the reason set if none did. */
static int agent_blk_submit(struct agent_blk *b, aio_context_t ctx, struct iocb **cbs, long n)
{
    long done = 0, ret;

    while (done < n) {
        ret = syscall(SYS_io_submit, ctx, n - done, cbs + done);
        if (ret < 0 && errno == EINTR) {
            continue;
        }
        if (ret <= 0) {
            ret = ret < 0 ? -errno : -EAGAIN;
            agent_blk_err(b, "io_submit on %s: %s", b->dev, strerror((int)-ret));
            return done > 0 ? (int)done : (int)ret;
        }
        done += ret;
    }
    return (int)done;
}

/* qd>1: keep qd requests in flight with native AIO. */
static int agent_blk_aio(struct agent_blk *b)
{
    unsigned qd = b->job->qd, slot;
    struct iocb *iocbs = NULL, **cbs = NULL;
    struct io_event *events = NULL;
    uint64_t *t_sub = NULL, now;
    aio_context_t ctx = 0;
    long n, i, inflight = 0, nsub;
    int ret = 0, sret;

    iocbs = calloc(qd, sizeof(*iocbs));
    cbs = calloc(qd, sizeof(*cbs));
    events = calloc(qd, sizeof(*events));
    t_sub = calloc(qd, sizeof(*t_sub));
    if (!iocbs || !cbs || !events || !t_sub) {
        ret = -ENOMEM;
        agent_blk_err(b, "out of memory for %u requests", qd);
        goto out;
    }
    if (syscall(SYS_io_setup, qd, &ctx) < 0) {
        ret = -errno;
        ctx = 0;
        agent_blk_err(b, "io_setup(%u): %s", qd, strerror(-ret));
        goto out;
    }
    for (slot = 0; slot < qd; slot++) {
        agent_blk_prep(b, &iocbs[slot], slot);
        cbs[slot] = &iocbs[slot];
    }
    now = agent_meter_now();
    for (slot = 0; slot < qd; slot++) {
        t_sub[slot] = now;
    }
    sret = agent_blk_submit(b, ctx, cbs, qd);
    if (sret < 0) {
        ret = sret;
        goto out;
    }
    inflight = sret;
    agent_stall_inflight(inflight);
    agent_stall_fault(b->job);
    if (sret < (int)qd) {
        ret = -EAGAIN;
    }
    while (inflight > 0) {
        n = syscall(SYS_io_getevents, ctx, 1L, (long)qd, events, NULL);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            ret = -errno;
            agent_blk_err(b, "io_getevents on %s: %s", b->dev, strerror(-ret));
            break; /* io_destroy below waits for what is still in flight */
        }
        now = agent_meter_now();
        inflight -= n;
        for (i = 0; i < n; i++) {
            slot = (unsigned)events[i].data;
            if (events[i].res != (int64_t)b->job->bs) {
                if (ret == 0) {
                    ret = events[i].res < 0 ? (int)events[i].res : -EIO;
                    agent_blk_io_err(b, (long)events[i].res, (uint64_t)iocbs[slot].aio_offset,
                                     iocbs[slot].aio_lio_opcode == IOCB_CMD_PWRITE);
                }
                continue;
            }
            agent_blk_complete(b, now - t_sub[slot]);
        }
        if (ret == 0) {
            ret = agent_meter_tick(&b->m, now);
        }
        if (ret < 0 || b->m.phase == AGENT_PHASE_AFTER) {
            continue; /* drain */
        }
        for (i = 0; i < n; i++) {
            slot = (unsigned)events[i].data;
            agent_blk_prep(b, &iocbs[slot], slot);
            cbs[i] = &iocbs[slot];
        }
        nsub = n;
        now = agent_meter_now();
        for (i = 0; i < nsub; i++) {
            t_sub[cbs[i]->aio_data] = now;
        }
        sret = agent_blk_submit(b, ctx, cbs, nsub);
        if (sret > 0) {
            inflight += sret;
        }
        agent_stall_inflight(inflight);
        if (sret < nsub) {
            ret = sret < 0 ? sret : -EAGAIN;
        }
    }
out:
    if (ctx) {
        syscall(SYS_io_destroy, ctx);
    }
    free(t_sub);
    free(events);
    free(cbs);
    free(iocbs);
    return ret;
}

/* Open the device and check that bs fits its geometry. */
static int agent_blk_open(struct agent_blk *b)
{
    uint64_t size = 0, len;
    struct stat st;
    int lbs = 512, ret;

    b->fd = open(b->dev, O_RDWR | O_DIRECT | O_CLOEXEC);
    if (b->fd < 0) {
        ret = -errno;
        agent_blk_err(b, "open %s: %s", b->dev, strerror(-ret));
        return ret;
    }
    if (fstat(b->fd, &st) < 0) {
        ret = -errno;
        agent_blk_err(b, "stat %s: %s", b->dev, strerror(-ret));
        return ret;
    }
    if (S_ISREG(st.st_mode)) {
        /* A plain file (host tests): its size, 512-byte sectors. */
        size = (uint64_t)st.st_size;
    } else {
        if (ioctl(b->fd, BLKGETSIZE64, &size) < 0) {
            ret = -errno;
            agent_blk_err(b, "BLKGETSIZE64 on %s: %s", b->dev, strerror(-ret));
            return ret;
        }
        if (ioctl(b->fd, BLKSSZGET, &lbs) < 0 || lbs <= 0) {
            lbs = 512;
        }
    }
    if (b->job->bs % (unsigned)lbs != 0) {
        agent_blk_err(b, "bs=%u is not a multiple of the logical block size %d of %s", b->job->bs,
                      lbs, b->dev);
        return -EINVAL;
    }
    b->base = (uint64_t)b->job->offset_mib << 20;
    len = b->job->size_mib ? (uint64_t)b->job->size_mib << 20
                           : (b->base < size ? size - b->base : 0);
    if (b->base + len > size || (b->job->offset_mib && len == 0)) {
        agent_blk_err(b, "region offset_mib=%u size_mib=%u lies beyond %s (%llu MiB)",
                      b->job->offset_mib, b->job->size_mib, b->dev,
                      (unsigned long long)(size >> 20));
        return -ENOSPC;
    }
    b->nblocks = len / b->job->bs;
    if (b->nblocks == 0) {
        agent_blk_err(b, "%s (%llu bytes) is smaller than bs=%u", b->dev, (unsigned long long)len,
                      b->job->bs);
        return -ENOSPC;
    }
    return 0;
}

static int agent_blk_buffers(struct agent_blk *b)
{
    size_t total, i;
    void *mem;
    int ret;

    b->buf_stride = (uint64_t)b->job->qd * b->job->bs <= AGENT_BLK_BUF_MAX ? b->job->bs : 0;
    total = b->buf_stride ? (size_t)b->job->qd * b->job->bs : b->job->bs;
    ret = posix_memalign(&mem, 4096, total);
    if (ret != 0) {
        agent_blk_err(b, "buffer of %zu bytes: %s", total, strerror(ret));
        return -ret;
    }
    b->buf = mem;
    /* Non-zero, non-repeating data: nothing below the guest may skip it as zeroes. */
    for (i = 0; i + 8 <= total; i += 8) {
        uint64_t v = agent_blk_rand(b);

        memcpy(b->buf + i, &v, 8);
    }
    return 0;
}

/* Set up submitter idx of numjobs (0 when one): its rng, its region, its buffers, the device
 * open. err is where its reason goes. 0 or -errno. */
static int agent_blk_setup(struct agent_blk *b, const struct agent_job *job, const char *dev,
                           unsigned idx, char *err, size_t errlen)
{
    unsigned n = job->numjobs > 1 ? job->numjobs : 1;
    int ret;

    memset(b, 0, sizeof(*b));
    b->job = job;
    b->dev = dev;
    b->fd = -1;
    b->m.job = job;
    b->m.err = err;
    b->m.errlen = errlen;
    b->m.no_counters = idx > 0;
    b->rng = 0x9E3779B97F4A7C15ULL ^ ((uint64_t)job->id * 0xBF58476D1CE4E5B9ULL) ^
             ((uint64_t)idx * 0x94D049BB133111EBULL);
    if (b->rng == 0) {
        b->rng = 1;
    }
    b->m.hist = malloc(sizeof(*b->m.hist));
    if (!b->m.hist) {
        agent_blk_err(b, "out of memory");
        return -ENOMEM;
    }
    hist_init(b->m.hist);
    ret = agent_blk_open(b);
    if (ret < 0) {
        return ret;
    }
    /* Sequential submitters each stream through a slice of their own, as fio's
     * offset_increment would; random ones share the whole region. */
    if (n > 1 && !agent_job_rw_is_random(job->rw)) {
        if (b->nblocks < n) {
            agent_blk_err(b, "%s holds %llu blocks of bs=%u, fewer than numjobs=%u", dev,
                          (unsigned long long)b->nblocks, job->bs, n);
            return -ENOSPC;
        }
        b->nblocks /= n;
        b->base += (uint64_t)idx * b->nblocks * job->bs;
    }
    return agent_blk_buffers(b);
}

static int agent_blk_go(struct agent_blk *b)
{
    int ret = agent_meter_start(&b->m, agent_meter_now());

    if (ret < 0) {
        return ret;
    }
    return b->job->qd > 1 ? agent_blk_aio(b) : agent_blk_sync(b);
}

static void agent_blk_free(struct agent_blk *b)
{
    if (b->fd >= 0) {
        close(b->fd);
    }
    free(b->buf);
    free(b->m.hist);
}

/* numjobs: one submitter on a thread of its own, on vCPU idx modulo the guest's vCPUs. */
struct agent_blk_sub {
    struct agent_blk b;
    unsigned idx;
    int ret;
    char err[AGENT_REASON_MAX];
};

static void *agent_blk_thread(void *arg)
{
    struct agent_blk_sub *s = arg;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    cpu_set_t set;

    agent_stall_slot(s->idx);
    if (ncpu > 1) {
        CPU_ZERO(&set);
        CPU_SET((int)(s->idx % (unsigned long)ncpu), &set);
        (void)sched_setaffinity(0, sizeof(set), &set); /* a hint: unpinned still measures */
    }
    s->ret = agent_blk_go(&s->b);
    agent_stall_done();
    return NULL;
}

/*
 * numjobs > 1: every submitter set up first, then all started; throughput summed (the rate
 * is the sum of each submitter's ops over its own interval), latency from the merged
 * histograms, guest CPU and interrupts over the first submitter's interval.
 */
static int agent_blk_run_many(const struct agent_job *job, const char *dev,
                              struct agent_result *res, char *err, size_t errlen)
{
    unsigned n = job->numjobs, started = 0, i;
    struct agent_blk_sub *subs = calloc(n, sizeof(*subs));
    pthread_t *th = calloc(n, sizeof(*th));
    double rate = 0;
    int ret = 0;

    if (!subs || !th) {
        snprintf(err, errlen, "out of memory for numjobs=%u", n);
        free(subs);
        free(th);
        return -ENOMEM;
    }
    for (i = 0; i < n; i++) {
        subs[i].b.fd = -1;
    }
    for (i = 0; i < n && ret == 0; i++) {
        subs[i].idx = i;
        ret = agent_blk_setup(&subs[i].b, job, dev, i, subs[i].err, sizeof(subs[i].err));
        if (ret < 0) {
            snprintf(err, errlen, "%s", subs[i].err);
        }
    }
    for (i = 0; ret == 0 && i < n; i++) {
        int rc = pthread_create(&th[i], NULL, agent_blk_thread, &subs[i]);

        if (rc != 0) {
            snprintf(err, errlen, "numjobs=%u: thread %u: %s", n, i, strerror(rc));
            ret = -rc;
            break;
        }
        started++;
    }
    for (i = 0; i < started; i++) {
        pthread_join(th[i], NULL);
    }
    for (i = 0; ret == 0 && i < n; i++) {
        if (subs[i].ret < 0) {
            ret = subs[i].ret;
            snprintf(err, errlen, "%s", subs[i].err);
        }
    }
    if (ret == 0) {
        struct agent_meter *m0 = &subs[0].b.m;

        for (i = 0; i < n; i++) {
            const struct agent_meter *m = &subs[i].b.m;

            if (m->t_end > m->t_start) {
                rate += (double)m->ops / ((double)(m->t_end - m->t_start) / 1e9);
            }
            if (i > 0) {
                m0->ops += m->ops;
                m0->ops_total += m->ops_total;
                m0->bytes += m->bytes;
                hist_merge(m0->hist, m->hist);
            }
        }
        agent_meter_fill(m0, dev, res);
        if (rate > 0) {
            res->runtime_s = (double)res->ops / rate;
        }
        res->numjobs = n;
    }
    for (i = 0; i < n; i++) {
        agent_blk_free(&subs[i].b);
    }
    free(subs);
    free(th);
    return ret;
}

int agent_blk_run(const struct agent_job *job, const char *dev, struct agent_result *res, char *err,
                  size_t errlen)
{
    struct agent_blk b;
    int ret;

    if (job->numjobs > 1) {
        return agent_blk_run_many(job, dev, res, err, errlen);
    }
    ret = agent_blk_setup(&b, job, dev, 0, err, errlen);
    if (ret == 0) {
        ret = agent_blk_go(&b);
    }
    if (ret == 0) {
        agent_meter_fill(&b.m, dev, res);
    }
    agent_blk_free(&b);
    return ret;
}
