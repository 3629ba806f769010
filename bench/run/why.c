/*
 * "Why" metrics: trapped register accesses, virtio kicks and interrupts per operation,
 * from QEMU trace events switched on over QMP around one short extra job (see why.h).
 */
#include "why.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agentmsg.h"
#include "registry.h"
#include "results.h"
#include "util.h"
#include "workload.h"

#define WHY_QMP_TIMEOUT_S 5.0
#define WHY_SETTLE_MAX_S 2.0
#define WHY_READ_CHUNK 65536
#define WHY_JSON_MAX (4u << 20)

/* ---- region map ---------------------------------------------------------------------------- */

/*
 * The memory regions of each device model live in its entry of the device table
 * (devmodel.c); accesses to other regions (timers, APIC, the control UART) are not its.
 */
const struct devmodel_region *why_regions_of(const struct devmodel *dut)
{
    return dut && dut->regions[0].pattern ? dut->regions : NULL;
}

int why_is_virtio(const struct devmodel *dut)
{
    return dut ? dut->virtio : 0;
}

int why_region_matches(const struct devmodel *dut, const char *region)
{
    return devmodel_region_of(dut, region) != NULL;
}

int why_is_notify_region(const char *region)
{
    return strncmp(region, "virtio-pci-notify", strlen("virtio-pci-notify")) == 0;
}

/* ---- trace lines --------------------------------------------------------------------------- */

/* Skip the literal word w (including its trailing space) at *p. 0 or -1. */
static int why_expect(const char **p, const char *w)
{
    size_t n = strlen(w);

    if (strncmp(*p, w, n) != 0) {
        return -1;
    }
    *p += n;
    return 0;
}

/* A hexadecimal number with 0x prefix (also what %p prints). 0 or -1. */
static int why_hex(const char **p, uint64_t *v)
{
    const char *s = *p;
    uint64_t x = 0;
    unsigned digits = 0;

    if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) {
        return -1;
    }
    s += 2;
    for (;; s++, digits++) {
        unsigned d;
        if (*s >= '0' && *s <= '9') {
            d = (unsigned)(*s - '0');
        } else if (*s >= 'a' && *s <= 'f') {
            d = (unsigned)(*s - 'a' + 10);
        } else if (*s >= 'A' && *s <= 'F') {
            d = (unsigned)(*s - 'A' + 10);
        } else {
            break;
        }
        if (digits >= 16) {
            return -1;
        }
        x = (x << 4) | d;
    }
    if (digits == 0) {
        return -1;
    }
    *v = x;
    *p = s;
    return 0;
}

/* A decimal integer in [lo, hi], optionally negative. 0 or -1. */
static int why_dec(const char **p, long lo, long hi, long *v)
{
    const char *s = *p;
    int neg = 0;
    long x = 0;
    unsigned digits = 0;

    if (*s == '-') {
        neg = 1;
        s++;
    }
    for (; *s >= '0' && *s <= '9'; s++, digits++) {
        if (digits >= 10) {
            return -1;
        }
        x = x * 10 + (*s - '0');
    }
    if (digits == 0) {
        return -1;
    }
    x = neg ? -x : x;
    if (x < lo || x > hi) {
        return -1;
    }
    *v = x;
    *p = s;
    return 0;
}

/* "pid@seconds.micros:" that -msg timestamp=on puts in front of every line. */
static const char *why_skip_timestamp(const char *s)
{
    const char *p = s;

    if (*p < '0' || *p > '9') {
        return s;
    }
    while (*p >= '0' && *p <= '9') {
        p++;
    }
    if (*p++ != '@') {
        return s;
    }
    while ((*p >= '0' && *p <= '9') || *p == '.') {
        p++;
    }
    return *p == ':' ? p + 1 : s;
}

/* " cpu N mr 0x.. addr 0x.. value 0x.. size N name 'NAME'" */
static int why_parse_ops(const char *p, struct why_line *out)
{
    uint64_t mr;
    long cpu, size;
    const char *name, *end;
    size_t n;

    if (why_expect(&p, "cpu ") < 0 || why_dec(&p, -1, 65535, &cpu) < 0 ||
        why_expect(&p, " mr ") < 0 || why_hex(&p, &mr) < 0 || why_expect(&p, " addr ") < 0 ||
        why_hex(&p, &out->addr) < 0 || why_expect(&p, " value ") < 0 ||
        why_hex(&p, &out->value) < 0 || why_expect(&p, " size ") < 0 ||
        why_dec(&p, 0, 65536, &size) < 0 || why_expect(&p, " name '") < 0) {
        return -1;
    }
    name = p;
    end = name + strlen(name);
    if (end == name || end[-1] != '\'') {
        return -1; /* cut short: the closing quote is missing */
    }
    n = (size_t)(end - 1 - name);
    if (n >= sizeof(out->region)) {
        n = sizeof(out->region) - 1;
        out->region_truncated = 1;
    }
    memcpy(out->region, name, n);
    out->region[n] = '\0';
    out->cpu = (int)cpu;
    out->size = (unsigned)size;
    return 0;
}

int why_parse_line(const char *line, struct why_line *out)
{
    const char *p;
    long queue;

    memset(out, 0, sizeof(*out));
    out->cpu = -1;
    if (!line) {
        return -1;
    }
    p = why_skip_timestamp(line);
    if (why_expect(&p, "memory_region_ops_read ") == 0) {
        out->kind = WHY_LINE_READ;
        return why_parse_ops(p, out);
    }
    if (why_expect(&p, "memory_region_ops_write ") == 0) {
        out->kind = WHY_LINE_WRITE;
        return why_parse_ops(p, out);
    }
    if (why_expect(&p, "virtio_queue_notify vdev ") == 0) {
        out->kind = WHY_LINE_KICK;
        if (why_hex(&p, &out->vdev) < 0 || why_expect(&p, " n ") < 0 ||
            why_dec(&p, 0, 65535, &queue) < 0) {
            return -1;
        }
        out->queue = (int)queue;
        return 0;
    }
    if (why_expect(&p, "virtio_notify vdev ") == 0 ||
        why_expect(&p, "virtio_notify_irqfd vdev ") == 0) {
        out->kind = WHY_LINE_VIRTIO_IRQ;
        return why_hex(&p, &out->vdev);
    }
    return -1;
}

/* ---- counting ------------------------------------------------------------------------------ */

static void why_count_region(struct why_counts *c, const struct why_line *l)
{
    struct why_region_count *r = NULL;

    for (unsigned i = 0; i < c->n_regions; i++) {
        if (strcmp(c->regions[i].name, l->region) == 0) {
            r = &c->regions[i];
            break;
        }
    }
    if (!r) {
        if (c->n_regions == WHY_MAX_REGIONS) {
            c->regions_dropped++;
            return;
        }
        r = &c->regions[c->n_regions++];
        util_strlcpy(r->name, l->region, sizeof(r->name));
    }
    if (l->kind == WHY_LINE_READ) {
        r->reads++;
    } else {
        r->writes++;
    }
}

void why_counts_add(struct why_counts *c, const struct devmodel *dut, const struct why_line *l)
{
    int virtio = why_is_virtio(dut);

    switch (l->kind) {
    case WHY_LINE_READ:
    case WHY_LINE_WRITE:
        /* A trapped access is one a vCPU made; cpu -1 is QEMU itself (DMA, MSI delivery). */
        if (l->cpu < 0 || l->region_truncated || !why_region_matches(dut, l->region)) {
            c->other_accesses++;
            return;
        }
        if (virtio && l->kind == WHY_LINE_WRITE && why_is_notify_region(l->region)) {
            /* Without ioeventfd the same kick shows up as virtio_queue_notify too. */
            c->notify_writes++;
            return;
        }
        if (l->kind == WHY_LINE_READ) {
            c->dut_reads++;
        } else {
            c->dut_writes++;
        }
        why_count_region(c, l);
        return;
    case WHY_LINE_KICK:
        if (virtio) {
            c->kicks++;
        } else {
            c->other_virtio++;
        }
        return;
    case WHY_LINE_VIRTIO_IRQ:
        if (virtio) {
            c->virtio_irqs++;
        } else {
            c->other_virtio++;
        }
        return;
    }
}

uint64_t why_accesses(const struct why_counts *c)
{
    return c->dut_reads + c->dut_writes + c->kicks;
}

/* One complete line (NUL-terminated, newline removed) into the counts. */
static void why_count_line(struct why_counts *c, const struct devmodel *dut, const char *line)
{
    struct why_line l;

    c->lines++;
    if (why_parse_line(line, &l) < 0) {
        c->unknown++;
        return;
    }
    why_counts_add(c, dut, &l);
}

int why_count_file(const char *path, off_t from, off_t to, const struct devmodel *dut,
                   struct why_counts *c, char *err, size_t errlen)
{
    char *chunk = NULL;
    char line[WHY_LINE_MAX];
    size_t len = 0;
    int discarding = 0;
    uint64_t left;
    struct stat st;
    int fd, rc = -1;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "cannot open trace %s: %s", path, strerror(errno));
        return -1;
    }
    if (fstat(fd, &st) < 0) {
        snprintf(err, errlen, "cannot stat trace %s: %s", path, strerror(errno));
        goto out;
    }
    if (to < 0 || to > st.st_size) {
        to = st.st_size;
    }
    if (from < 0 || from > to) {
        snprintf(err, errlen, "trace %s: offset %lld beyond its end %lld (was it truncated?)", path,
                 (long long)from, (long long)to);
        goto out;
    }
    left = (uint64_t)(to - from);
    if (left > WHY_TRACE_MAX_BYTES) {
        snprintf(err, errlen, "trace %s: %llu bytes, more than the %llu this reads", path,
                 (unsigned long long)left, (unsigned long long)WHY_TRACE_MAX_BYTES);
        goto out;
    }
    if (lseek(fd, from, SEEK_SET) < 0) {
        snprintf(err, errlen, "cannot seek in trace %s: %s", path, strerror(errno));
        goto out;
    }
    chunk = malloc(WHY_READ_CHUNK);
    if (!chunk) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    while (left > 0) {
        size_t want = left < WHY_READ_CHUNK ? (size_t)left : WHY_READ_CHUNK;
        ssize_t n = read(fd, chunk, want);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            snprintf(err, errlen, "cannot read trace %s: %s", path, strerror(errno));
            goto out;
        }
        if (n == 0) {
            break; /* shorter than it was: count what is there */
        }
        left -= (uint64_t)n;
        for (ssize_t i = 0; i < n; i++) {
            char ch = chunk[i];
            if (ch == '\n') {
                if (discarding) {
                    discarding = 0;
                } else {
                    line[len] = '\0';
                    why_count_line(c, dut, line);
                }
                len = 0;
                continue;
            }
            if (discarding) {
                continue;
            }
            if (len + 1 >= sizeof(line)) {
                c->overlong++;
                discarding = 1;
                len = 0;
                continue;
            }
            line[len++] = ch;
        }
    }
    if (len > 0 && !discarding) {
        /* A last line without its newline: parsed, and refused if it was cut short. */
        line[len] = '\0';
        why_count_line(c, dut, line);
    }
    rc = 0;
out:
    free(chunk);
    close(fd);
    return rc;
}

double why_job_ops(const struct workload *w, const struct agent_result *a)
{
    if (w->kind == DEVMODEL_NET && (strcmp(w->rw, "tcp_tx") == 0 || strcmp(w->rw, "tcp_rx") == 0)) {
        return (double)a->bytes_total * 8.0 / 1e6;
    }
    return (double)a->ops_total;
}

void why_result_finish(struct why_result *r, const struct devmodel *dut)
{
    int virtio = why_is_virtio(dut);
    int have_ops = isfinite(r->ops) && r->ops > 0;
    /* With vhost the kicks bypass QEMU: a count without them would be wrong, not low. */
    int have = have_ops && !r->kicks_hidden;

    r->reg_accesses_per_op = have ? (double)why_accesses(&r->c) / r->ops : -1;
    r->notifies_per_op = virtio && have ? (double)r->c.kicks / r->ops : -1;
    r->dev_irqs_per_op = virtio && have ? (double)r->c.virtio_irqs / r->ops : -1;
    if (!have_ops) {
        r->kvm_exits_per_op = -1;
    }
}

/* ---- QMP side ------------------------------------------------------------------------------ */

/* The events of one measurement, switched on and off together. */
static const char *const why_events[] = {
    "memory_region_ops_read", "memory_region_ops_write", "virtio_queue_notify",
    "virtio_notify",          "virtio_notify_irqfd",
};
#define WHY_N_EVENTS (sizeof(why_events) / sizeof(why_events[0]))

static int why_trace_set(struct why_session *ws, const char *name, int on, char *err, size_t errlen)
{
    json_object *args = json_object_new_object();
    int rc;

    if (!args) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    json_object_object_add(args, "name", json_object_new_string(name));
    json_object_object_add(args, "enable", json_object_new_boolean(on));
    rc = qmp_execute(&ws->q, "trace-event-set-state", args, NULL, util_now() + WHY_QMP_TIMEOUT_S,
                     err, errlen);
    json_object_put(args);
    return rc == QMP_OK ? 0 : -1;
}

/* Switch every event off; keeps the first error. 0 or -1. */
static int why_trace_all_off(struct why_session *ws, char *err, size_t errlen)
{
    char e[256];
    int rc = 0;

    for (size_t i = 0; i < WHY_N_EVENTS; i++) {
        if (why_trace_set(ws, why_events[i], 0, e, sizeof(e)) < 0 && rc == 0) {
            snprintf(err, errlen, "%s", e);
            rc = -1;
        }
    }
    ws->enabled = 0;
    return rc;
}

int why_stats_sum(json_object *reply, const char *name, uint64_t *sum)
{
    size_t n;
    int found = 0;

    *sum = 0;
    if (!json_object_is_type(reply, json_type_array)) {
        return -1;
    }
    n = json_object_array_length(reply);
    for (size_t i = 0; i < n; i++) {
        json_object *ent = json_object_array_get_idx(reply, i), *stats;
        size_t m;

        if (!json_object_object_get_ex(ent, "stats", &stats) ||
            !json_object_is_type(stats, json_type_array)) {
            continue;
        }
        m = json_object_array_length(stats);
        for (size_t k = 0; k < m; k++) {
            json_object *st = json_object_array_get_idx(stats, k), *nm, *val;
            if (json_object_object_get_ex(st, "name", &nm) &&
                json_object_is_type(nm, json_type_string) &&
                strcmp(json_object_get_string(nm), name) == 0 &&
                json_object_object_get_ex(st, "value", &val) &&
                json_object_is_type(val, json_type_int) && json_object_get_int64(val) >= 0) {
                *sum += (uint64_t)json_object_get_int64(val);
                found = 1;
            }
        }
    }
    return found ? 0 : -1;
}

/* Guest-wide KVM io + mmio exits from query-stats (QEMU >= 7.1 with KVM). 0 or -1. */
static int why_kvm_exits(struct why_session *ws, uint64_t *exits)
{
    json_object *args = json_object_new_object(), *ret = NULL;
    uint64_t io = 0, mmio = 0;
    char err[256];
    int rc = -1;

    if (!args) {
        return -1;
    }
    json_object_object_add(args, "target", json_object_new_string("vcpu"));
    if (qmp_execute(&ws->q, "query-stats", args, &ret, util_now() + WHY_QMP_TIMEOUT_S, err,
                    sizeof(err)) == QMP_OK &&
        why_stats_sum(ret, "io_exits", &io) == 0 && why_stats_sum(ret, "mmio_exits", &mmio) == 0) {
        *exits = io + mmio;
        rc = 0;
    }
    json_object_put(ret);
    json_object_put(args);
    return rc;
}

int why_session_init(struct why_session *ws, const char *dir, const char *config,
                     const struct devmodel *dut, const char *accel, char *err, size_t errlen)
{
    memset(ws, 0, sizeof(*ws));
    qmp_init(&ws->q);
    ws->dut = dut;
    ws->kvm = accel && strcmp(accel, "kvm") == 0;
    if (util_fmt(ws->qmp_path, sizeof(ws->qmp_path), "%s/qmp-%s.sock", dir, config) < 0 ||
        util_fmt(ws->trace_path, sizeof(ws->trace_path), "%s/trace-%s.log", dir, config) < 0 ||
        strlen(ws->qmp_path) >= 108) {
        snprintf(err, errlen, "QMP socket path too long in %s", dir);
        return -1;
    }
    if (registry_add(REG_FILE, ws->qmp_path, NULL) < 0 ||
        registry_add(REG_FILE, ws->trace_path, NULL) < 0) {
        snprintf(err, errlen, "cannot register the trace files: %s", strerror(errno));
        registry_forget(REG_FILE, ws->qmp_path);
        return -1;
    }
    ws->registered = 1;
    return 0;
}

int why_begin(struct why_session *ws, char *err, size_t errlen)
{
    struct stat st;
    char e[256];

    if (!why_regions_of(ws->dut)) {
        snprintf(err, errlen, "no register map for device model %s (devmodel.c)",
                 ws->dut ? ws->dut->name : "(none)");
        return -1;
    }
    if (ws->q.fd < 0 &&
        qmp_connect(&ws->q, ws->qmp_path, util_now() + WHY_QMP_TIMEOUT_S, err, errlen) != QMP_OK) {
        return -1;
    }
    if (stat(ws->trace_path, &st) < 0) {
        snprintf(err, errlen, "no trace file %s (QEMU started without -D?): %s", ws->trace_path,
                 strerror(errno));
        return -1;
    }
    ws->from = st.st_size;
    ws->kvm_stats = ws->kvm && why_kvm_exits(ws, &ws->kvm_exits0) == 0;
    ws->enabled = 1;
    for (size_t i = 0; i < WHY_N_EVENTS; i++) {
        if (why_trace_set(ws, why_events[i], 1, err, errlen) < 0) {
            why_trace_all_off(ws, e, sizeof(e));
            return -1;
        }
    }
    ws->t0 = util_now();
    return 0;
}

/* Wait until the trace file stops growing (QEMU may still be writing). Its size, or -1. */
static off_t why_settle(const char *path)
{
    double until = util_now() + WHY_SETTLE_MAX_S;
    struct stat st;
    off_t last = -1;

    for (;;) {
        if (stat(path, &st) < 0) {
            return -1;
        }
        if (st.st_size == last || util_now() >= until) {
            return st.st_size;
        }
        last = st.st_size;
        usleep(50000);
    }
}

int why_end(struct why_session *ws, double ops, struct why_result *out, char *err, size_t errlen)
{
    uint64_t exits1 = 0;
    off_t end;
    int rc;

    memset(out, 0, sizeof(*out));
    out->kvm_exits_per_op = -1;
    if (!ws->enabled) {
        snprintf(err, errlen, "tracing was not switched on");
        return -1;
    }
    rc = why_trace_all_off(ws, err, errlen);
    out->seconds = util_now() - ws->t0;
    if (rc < 0) {
        return -1;
    }
    if (ws->kvm_stats && why_kvm_exits(ws, &exits1) == 0 && exits1 >= ws->kvm_exits0 && ops > 0) {
        out->kvm_exits_per_op = (double)(exits1 - ws->kvm_exits0) / ops;
    }
    end = why_settle(ws->trace_path);
    if (end < 0) {
        snprintf(err, errlen, "trace file %s vanished: %s", ws->trace_path, strerror(errno));
        return -1;
    }
    if (why_count_file(ws->trace_path, ws->from, end, ws->dut, &out->c, err, errlen) < 0) {
        return -1;
    }
    /*
     * Never truncate: QEMU did not open the log in append mode, so its next line would
     * land at the old offset behind a hole. The next measurement starts where this ended.
     */
    ws->from = end;
    out->ops = ops;
    out->kicks_hidden = ws->kicks_hidden;
    snprintf(out->source, sizeof(out->source), "%s%s%s", WHY_SOURCE_TRACE,
             out->kvm_exits_per_op >= 0 ? "; " WHY_SOURCE_KVM_STATS : "",
             ws->kicks_hidden ? "; kicks not visible (vhost)" : "");
    why_result_finish(out, ws->dut);
    return 0;
}

void why_cancel(struct why_session *ws)
{
    char err[256];
    off_t end;

    if (ws->enabled && ws->q.fd >= 0) {
        why_trace_all_off(ws, err, sizeof(err));
    }
    ws->enabled = 0;
    /* What the failed job left in the trace is not counted by the next measurement. */
    end = why_settle(ws->trace_path);
    if (end >= 0) {
        ws->from = end;
    }
}

void why_session_close(struct why_session *ws)
{
    if (!ws->registered) {
        return; /* never initialised (a zeroed struct): nothing of ours to close */
    }
    qmp_close(&ws->q);
    unlink(ws->qmp_path);
    unlink(ws->trace_path);
    registry_forget(REG_FILE, ws->qmp_path);
    registry_forget(REG_FILE, ws->trace_path);
    ws->registered = 0;
}

/* ---- why.json ------------------------------------------------------------------------------ */

static json_object *why_num_or_null(double v)
{
    return isfinite(v) && v >= 0 ? json_object_new_double(v) : NULL;
}

static json_object *why_entry_json(const struct devmodel *dev, const char *config,
                                   const char *workload, const struct why_result *r)
{
    json_object *e = json_object_new_object(), *regions = json_object_new_array();

    if (!e || !regions) {
        json_object_put(e);
        json_object_put(regions);
        return NULL;
    }
    json_object_object_add(e, "config", json_object_new_string(config));
    json_object_object_add(e, "device", json_object_new_string(dev->name));
    json_object_object_add(e, "class", json_object_new_string(devmodel_class_name(dev->class)));
    json_object_object_add(e, "kind", json_object_new_string(devmodel_kind_name(dev->kind)));
    json_object_object_add(e, "workload", json_object_new_string(workload));
    json_object_object_add(e, "source", json_object_new_string(r->source));
    json_object_object_add(e, "ops", json_object_new_double(r->ops));
    json_object_object_add(e, "seconds", json_object_new_double(r->seconds));
    json_object_object_add(e, "reg_accesses", json_object_new_int64((int64_t)why_accesses(&r->c)));
    json_object_object_add(e, "reg_reads", json_object_new_int64((int64_t)r->c.dut_reads));
    json_object_object_add(e, "reg_writes", json_object_new_int64((int64_t)r->c.dut_writes));
    json_object_object_add(e, "kicks", json_object_new_int64((int64_t)r->c.kicks));
    json_object_object_add(e, "notify_writes", json_object_new_int64((int64_t)r->c.notify_writes));
    json_object_object_add(e, "virtio_irqs", json_object_new_int64((int64_t)r->c.virtio_irqs));
    json_object_object_add(e, "other_accesses",
                           json_object_new_int64((int64_t)r->c.other_accesses));
    json_object_object_add(e, "trace_lines", json_object_new_int64((int64_t)r->c.lines));
    json_object_object_add(e, "reg_accesses_per_op", why_num_or_null(r->reg_accesses_per_op));
    json_object_object_add(e, "notifies_per_op", why_num_or_null(r->notifies_per_op));
    json_object_object_add(e, "dev_irqs_per_op", why_num_or_null(r->dev_irqs_per_op));
    json_object_object_add(e, "kvm_exits_per_op", why_num_or_null(r->kvm_exits_per_op));
    json_object_object_add(e, "kicks_hidden", json_object_new_boolean(r->kicks_hidden));
    for (unsigned i = 0; i < r->c.n_regions; i++) {
        json_object *g = json_object_new_object();
        json_object_object_add(g, "name", json_object_new_string(r->c.regions[i].name));
        json_object_object_add(g, "reads", json_object_new_int64((int64_t)r->c.regions[i].reads));
        json_object_object_add(g, "writes", json_object_new_int64((int64_t)r->c.regions[i].writes));
        json_object_array_add(regions, g);
    }
    json_object_object_add(e, "regions", regions);
    return e;
}

/* Parse run_dir/why.json into a json object (NULL when missing: *missing set). */
static json_object *why_read_json(const char *path, int *missing, char *err, size_t errlen)
{
    size_t len = 0;
    char *text;
    json_object *root, *fmt;
    enum json_tokener_error jerr = json_tokener_success;

    *missing = 0;
    if (access(path, F_OK) < 0 && errno == ENOENT) {
        *missing = 1;
        return NULL;
    }
    text = util_slurp(path, WHY_JSON_MAX, &len);
    if (!text) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        return NULL;
    }
    root = json_tokener_parse_verbose(text, &jerr);
    free(text);
    if (!root || !json_object_object_get_ex(root, "format", &fmt) ||
        !json_object_is_type(fmt, json_type_string) ||
        strcmp(json_object_get_string(fmt), "pvbench-why") != 0) {
        snprintf(err, errlen, "%s: not a pvbench why file%s%s", path, root ? "" : ": ",
                 root ? "" : json_tokener_error_desc(jerr));
        json_object_put(root);
        return NULL;
    }
    return root;
}

static int why_same_entry(json_object *e, const char *config, const char *workload)
{
    json_object *c, *w;

    return json_object_object_get_ex(e, "config", &c) &&
           json_object_object_get_ex(e, "workload", &w) &&
           strcmp(json_object_get_string(c), config) == 0 &&
           strcmp(json_object_get_string(w), workload) == 0;
}

int why_record(const char *run_dir, const struct devmodel *dev, const char *config,
               const char *workload, const struct why_result *r, char *err, size_t errlen)
{
    char path[PATH_MAX];
    json_object *root = NULL, *entries = NULL, *fresh, *e;
    const char *text;
    int missing, rc = -1;

    if (util_fmt(path, sizeof(path), "%s/%s", run_dir, WHY_FILE) < 0) {
        snprintf(err, errlen, "path too long: %s", run_dir);
        return -1;
    }
    root = why_read_json(path, &missing, err, errlen);
    if (!root && !missing) {
        return -1;
    }
    fresh = json_object_new_array();
    e = why_entry_json(dev, config, workload, r);
    if (!fresh || !e) {
        snprintf(err, errlen, "out of memory");
        json_object_put(fresh);
        json_object_put(e);
        goto out;
    }
    if (root && json_object_object_get_ex(root, "entries", &entries) &&
        json_object_is_type(entries, json_type_array)) {
        size_t n = json_object_array_length(entries);
        for (size_t i = 0; i < n; i++) {
            json_object *old = json_object_array_get_idx(entries, i);
            if (!why_same_entry(old, config, workload)) {
                json_object_array_add(fresh, json_object_get(old));
            }
        }
    }
    json_object_array_add(fresh, e);
    json_object_put(root);
    root = json_object_new_object();
    json_object_object_add(root, "format", json_object_new_string("pvbench-why"));
    json_object_object_add(root, "version", json_object_new_int(WHY_FORMAT_VERSION));
    json_object_object_add(root, "entries", fresh);
    text = json_object_to_json_string_ext(root,
                                          JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
    if (results_write_atomic(path, text, strlen(text)) < 0) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        goto out;
    }
    rc = 0;
out:
    json_object_put(root);
    return rc;
}

static void why_get_str(json_object *o, const char *key, char *out, size_t len)
{
    json_object *v;

    out[0] = '\0';
    if (json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)) {
        util_strlcpy(out, json_object_get_string(v), len);
        util_sanitize(out);
    }
}

static uint64_t why_get_u64(json_object *o, const char *key)
{
    json_object *v;

    if (json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_int) &&
        json_object_get_int64(v) > 0) {
        return (uint64_t)json_object_get_int64(v);
    }
    return 0;
}

/* A per-op number; -1 for null, missing, negative or not finite. */
static double why_get_dbl(json_object *o, const char *key)
{
    json_object *v;
    double d;

    if (!json_object_object_get_ex(o, key, &v) ||
        !(json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int))) {
        return -1;
    }
    d = json_object_get_double(v);
    return isfinite(d) && d >= 0 ? d : -1;
}

int why_load(const char *run_dir, struct why_entry *out, size_t max, size_t *n, char *err,
             size_t errlen)
{
    char path[PATH_MAX];
    json_object *root, *entries, *regions;
    int missing;
    size_t len;

    *n = 0;
    if (util_fmt(path, sizeof(path), "%s/%s", run_dir, WHY_FILE) < 0) {
        snprintf(err, errlen, "path too long: %s", run_dir);
        return -1;
    }
    root = why_read_json(path, &missing, err, errlen);
    if (!root) {
        return missing ? 0 : -1;
    }
    if (!json_object_object_get_ex(root, "entries", &entries) ||
        !json_object_is_type(entries, json_type_array)) {
        snprintf(err, errlen, "%s: no entries", path);
        json_object_put(root);
        return -1;
    }
    len = json_object_array_length(entries);
    for (size_t i = 0; i < len && *n < max; i++) {
        json_object *e = json_object_array_get_idx(entries, i);
        struct why_entry *w = &out[*n];

        if (!json_object_is_type(e, json_type_object)) {
            continue;
        }
        memset(w, 0, sizeof(*w));
        why_get_str(e, "config", w->config, sizeof(w->config));
        why_get_str(e, "device", w->device, sizeof(w->device));
        why_get_str(e, "workload", w->workload, sizeof(w->workload));
        why_get_str(e, "source", w->source, sizeof(w->source));
        if (!w->config[0] || !w->workload[0]) {
            continue;
        }
        w->ops = why_get_dbl(e, "ops");
        if (w->ops < 0) {
            w->ops = 0;
        }
        w->reg_accesses = why_get_u64(e, "reg_accesses");
        w->kicks = why_get_u64(e, "kicks");
        w->virtio_irqs = why_get_u64(e, "virtio_irqs");
        w->reg_accesses_per_op = why_get_dbl(e, "reg_accesses_per_op");
        w->notifies_per_op = why_get_dbl(e, "notifies_per_op");
        w->dev_irqs_per_op = why_get_dbl(e, "dev_irqs_per_op");
        w->kvm_exits_per_op = why_get_dbl(e, "kvm_exits_per_op");
        if (json_object_object_get_ex(e, "kicks_hidden", &regions)) {
            w->kicks_hidden = json_object_get_boolean(regions);
        }
        if (json_object_object_get_ex(e, "regions", &regions) &&
            json_object_is_type(regions, json_type_array)) {
            size_t m = json_object_array_length(regions);
            for (size_t k = 0; k < m && w->n_regions < WHY_MAX_REGIONS; k++) {
                json_object *g = json_object_array_get_idx(regions, k);
                struct why_region_count *rc = &w->regions[w->n_regions];
                why_get_str(g, "name", rc->name, sizeof(rc->name));
                if (!rc->name[0]) {
                    continue;
                }
                rc->reads = why_get_u64(g, "reads");
                rc->writes = why_get_u64(g, "writes");
                w->n_regions++;
            }
        }
        (*n)++;
    }
    json_object_put(root);
    return 0;
}
