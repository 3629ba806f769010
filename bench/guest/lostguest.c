/* The state of a lost guest's QEMU, for its log (lostguest.h). */
#include "lostguest.h"

#include <dirent.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "qmp.h"
#include "signals.h"
#include "util.h"

/* At most this many queues per device are asked about (virtio-net with many queue pairs). */
#define LOSTGUEST_MAX_QUEUES 8
/* Lines of one HMP answer kept in the log ("info lapic" has about 30). */
#define LOSTGUEST_HMP_LINES 48

void lostguest_threads(FILE *out, pid_t pid, const char *who)
{
    char path[64], buf[512], comm[64], wchan[64];
    struct dirent *de;
    DIR *d;

    snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
    d = pid > 0 ? opendir(path) : NULL;
    if (!d) {
        return;
    }
    fprintf(out, "pvbench: %s pid %d lost its guest; its threads (name, state, wait channel):\n",
            who, (int)pid);
    while ((de = readdir(d)) != NULL) {
        char *close_paren, state;
        int tid = atoi(de->d_name);

        if (tid <= 0) {
            continue;
        }
        snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", (int)pid, tid);
        /* "tid (comm) S ...": comm may hold spaces and parentheses, the last ')' ends it */
        if (util_read_file(path, buf, sizeof(buf)) <= 0 || !(close_paren = strrchr(buf, ')')) ||
            !strchr(buf, '(')) {
            continue;
        }
        *close_paren = '\0';
        util_strlcpy(comm, strchr(buf, '(') + 1, sizeof(comm));
        state = close_paren[1] == ' ' ? close_paren[2] : '?';
        snprintf(path, sizeof(path), "/proc/%d/task/%d/wchan", (int)pid, tid);
        if (util_read_file(path, wchan, sizeof(wchan)) <= 0) {
            util_strlcpy(wchan, "-", sizeof(wchan));
        }
        util_sanitize(comm);
        util_sanitize(wchan);
        fprintf(out, "pvbench:   %d %s %c %s\n", tid, comm, state, wchan);
    }
    closedir(d);
}

/* Run cmd with {"path": path[, "queue": queue >= 0]}; its answer or NULL (err set). */
static json_object *lostguest_ask(lostguest_monitor_fn monitor, void *arg, const char *cmd,
                                  const char *path, int queue, char *err, size_t errlen)
{
    json_object *args = json_object_new_object(), *ret = NULL;
    int rc;

    json_object_object_add(args, "path", json_object_new_string(path));
    if (queue >= 0) {
        json_object_object_add(args, "queue", json_object_new_int(queue));
    }
    rc = monitor(arg, cmd, args, &ret, err, errlen);
    json_object_put(args);
    if (rc != QMP_OK) {
        json_object_put(ret);
        return NULL;
    }
    return ret;
}

/* An HMP command through QMP (human-monitor-command); its text (malloc'ed) or NULL. */
static char *lostguest_hmp(lostguest_monitor_fn monitor, void *arg, const char *line, char *err,
                           size_t errlen)
{
    json_object *args = json_object_new_object(), *ret = NULL;
    char *text = NULL;

    json_object_object_add(args, "command-line", json_object_new_string(line));
    if (monitor(arg, "human-monitor-command", args, &ret, err, errlen) == QMP_OK &&
        json_object_is_type(ret, json_type_string)) {
        text = strdup(json_object_get_string(ret));
    }
    json_object_put(args);
    json_object_put(ret);
    return text;
}

/* obj (or its keys named in keys, NULL-terminated) as one sanitized line. */
static void lostguest_print(FILE *out, const char *label, json_object *obj,
                            const char *const *keys)
{
    json_object *pick = NULL, *v;
    char line[2048];

    if (keys) {
        pick = json_object_new_object();
        for (; *keys; keys++) {
            if (json_object_object_get_ex(obj, *keys, &v)) {
                json_object_object_add(pick, *keys, json_object_get(v));
            }
        }
        obj = pick;
    }
    util_strlcpy(line, json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN), sizeof(line));
    util_sanitize(line);
    fprintf(out, "pvbench:   %s: %s\n", label, line);
    json_object_put(pick);
}

static long lostguest_long(json_object *o, const char *key)
{
    json_object *v;

    return json_object_object_get_ex(o, key, &v) ? (long)json_object_get_int64(v) : -1;
}

/* A 16-bit value of guest physical memory (HMP "xp"), or -1. */
static long lostguest_xp16(lostguest_monitor_fn monitor, void *arg, unsigned long long addr)
{
    char cmd[64], err[128], *text, *colon;
    unsigned v;
    long r = -1;

    snprintf(cmd, sizeof(cmd), "xp /1hx 0x%llx", addr);
    text = lostguest_hmp(monitor, arg, cmd, err, sizeof(err));
    /* "0000000006176002: 0x0003" */
    if (text && (colon = strchr(text, ':')) && sscanf(colon + 1, " %x", &v) == 1) {
        r = (long)(v & 0xffff);
    }
    free(text);
    return r;
}

/* The split ring's indices in guest memory (virtio 1.x, 2.6): avail and used rings. */
static void lostguest_guest_ring(lostguest_monitor_fn monitor, void *arg, struct lostguest_vq *q)
{
    q->g_avail_idx = q->g_used_event = q->g_used_idx = q->g_avail_event = -1;
    if (!q->avail_addr || !q->used_addr || q->num <= 0) {
        return;
    }
    q->g_avail_idx = lostguest_xp16(monitor, arg, q->avail_addr + 2);
    q->g_used_event = lostguest_xp16(monitor, arg, q->avail_addr + 4 + 2 * (unsigned long long)q->num);
    q->g_used_idx = lostguest_xp16(monitor, arg, q->used_addr + 2);
    q->g_avail_event = lostguest_xp16(monitor, arg, q->used_addr + 4 + 8 * (unsigned long long)q->num);
}

unsigned lostguest_msix_bars(const char *info_pci, struct lostguest_msix *m, unsigned max)
{
    const char *p = info_pci;
    unsigned n = 0, bus = 0, dev = 0, fn = 0, vendor = 0, device = 0;
    int in_virtio = 0;

    while (p && *p && n < max) {
        const char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        char line[256];
        unsigned long long addr;
        const char *t;

        snprintf(line, sizeof(line), "%.*s", (int)(len < sizeof(line) ? len : sizeof(line) - 1),
                 p);
        p = eol ? eol + 1 : NULL;
        if (sscanf(line, " Bus %u, device %u, function %u:", &bus, &dev, &fn) == 3) {
            in_virtio = 0;
        } else if ((t = strstr(line, "PCI device ")) && strstr(line, "subsystem") == NULL &&
                   sscanf(t, "PCI device %x:%x", &vendor, &device) == 2) {
            in_virtio = vendor == 0x1af4;
        } else if (in_virtio && (t = strstr(line, "BAR1: ")) && strstr(t, "memory at ") &&
                   sscanf(strstr(t, "memory at ") + 10, "%llx", &addr) == 1) {
            memset(&m[n], 0, sizeof(m[n]));
            snprintf(m[n].bdf, sizeof(m[n].bdf), "%02x:%02x.%x", bus & 0xff, dev & 0x1f, fn & 7);
            snprintf(m[n].id, sizeof(m[n].id), "%04x:%04x", vendor & 0xffff, device & 0xffff);
            m[n].bar = addr;
            n++;
            in_virtio = 0;
        }
    }
    return n;
}

/* Up to max 32-bit words of guest physical memory from addr (HMP "xp /Nwx"); how many. */
static unsigned lostguest_xp32(lostguest_monitor_fn monitor, void *arg, unsigned long long addr,
                               unsigned max, uint32_t *w)
{
    char cmd[64], err[128], *text, *line, *save = NULL;
    unsigned n = 0;

    snprintf(cmd, sizeof(cmd), "xp /%uwx 0x%llx", max, addr);
    if (!(text = lostguest_hmp(monitor, arg, cmd, err, sizeof(err)))) {
        return 0;
    }
    /* "00000000febf1000: 0xfee00000 0x00000000 0x00004021 0x00000000" */
    for (line = strtok_r(text, "\r\n", &save); line && n < max;
         line = strtok_r(NULL, "\r\n", &save)) {
        char *c = strchr(line, ':'), *end;

        for (c = c ? c + 1 : NULL; c && n < max; c = end) {
            unsigned long v = strtoul(c, &end, 16);

            if (end == c) {
                break;
            }
            w[n++] = (uint32_t)v;
        }
    }
    free(text);
    return n;
}

/* Each virtio function's MSI-X vectors: address, data, mask bit, pending bit. */
static void lostguest_msix(FILE *out, lostguest_monitor_fn monitor, void *arg,
                           struct lostguest_snap *s)
{
    char err[256], *text = lostguest_hmp(monitor, arg, "info pci", err, sizeof(err));
    uint32_t tab[4 * LOSTGUEST_MSIX_VECTORS], pba[1];

    if (!text) {
        util_sanitize(err);
        fprintf(out, "pvbench:   MSI-X: no \"info pci\": %s\n", err);
        return;
    }
    s->nmsix = lostguest_msix_bars(text, s->msix, LOSTGUEST_MAX_MSIX);
    free(text);
    for (unsigned i = 0; i < s->nmsix; i++) {
        struct lostguest_msix *m = &s->msix[i];
        unsigned nw = lostguest_xp32(monitor, arg, m->bar, 4 * LOSTGUEST_MSIX_VECTORS, tab);

        if (nw < 4 || lostguest_xp32(monitor, arg, m->bar + 0x800, 1, pba) != 1) {
            fprintf(out, "pvbench:   MSI-X %s (%s): table at 0x%llx not readable\n", m->bdf,
                    m->id, m->bar);
            continue;
        }
        m->read = 1;
        for (unsigned v = 0; v < nw / 4; v++) {
            /* An entry: address low, address high, data, vector control (bit 0: masked). */
            m->masked |= (tab[4 * v + 3] & 1u) << v;
            m->pending |= (pba[0] >> v & 1u) << v;
            fprintf(out, "pvbench:   MSI-X %s (%s) vector %u: address 0x%08x, data 0x%04x, "
                         "masked %s, pending %s\n",
                    m->bdf, m->id, v, tab[4 * v], tab[4 * v + 2] & 0xffff,
                    tab[4 * v + 3] & 1u ? "yes" : "no", pba[0] >> v & 1u ? "yes" : "no");
        }
    }
}

/* The MSI-X part of the verdict: any vector pending at a virtio function, masked or not. */
static void lostguest_msix_verdict(FILE *out, const struct lostguest_snap *s)
{
    int any = 0, read = 0;

    for (unsigned i = 0; i < s->nmsix; i++) {
        const struct lostguest_msix *m = &s->msix[i];

        read |= m->read;
        for (unsigned v = 0; v < LOSTGUEST_MSIX_VECTORS; v++) {
            if (m->pending >> v & 1u) {
                fprintf(out, "pvbench: verdict: MSI-X %s (%s) vector %u is pending%s\n", m->bdf,
                        m->id, v,
                        m->masked >> v & 1u ? ", masked: the device raised it and the guest "
                                              "masked the vector"
                                            : " and not masked: raised, not delivered");
                any = 1;
            }
        }
    }
    if (read && !any) {
        fprintf(out, "pvbench: verdict: MSI-X: no vector pending at any virtio function (an "
                     "interrupt QEMU sent was delivered, or never sent)\n");
    }
}

/* An HMP answer, line by line, under a heading. */
static void lostguest_hmp_lines(FILE *out, lostguest_monitor_fn monitor, void *arg,
                                const char *cmd)
{
    char err[256], *text = lostguest_hmp(monitor, arg, cmd, err, sizeof(err));
    char *line, *save = NULL;
    unsigned n = 0;

    if (!text) {
        util_sanitize(err);
        fprintf(out, "pvbench:   %s: no answer: %s\n", cmd, err);
        return;
    }
    fprintf(out, "pvbench:   %s:\n", cmd);
    for (line = strtok_r(text, "\r\n", &save); line && n < LOSTGUEST_HMP_LINES;
         line = strtok_r(NULL, "\r\n", &save), n++) {
        for (char *t = line; *t; t++) {
            *t = *t == '\t' ? ' ' : *t; /* HMP aligns with tabs */
        }
        util_sanitize(line);
        fprintf(out, "pvbench:     %s\n", line);
    }
    free(text);
}

int lostguest_snapshot(FILE *out, unsigned n, lostguest_monitor_fn monitor, void *arg,
                       struct lostguest_snap *s)
{
    static const char *const status_keys[] = {"name",    "status",        "isr",
                                              "broken",  "started",       "disabled",
                                              "num-vqs", "vhost-started", NULL};
    json_object *devs = NULL, *st;
    char err[256], label[64];
    int broken;

    memset(s, 0, sizeof(*s));
    if (monitor(arg, "x-query-virtio", NULL, &devs, err, sizeof(err)) != QMP_OK ||
        !json_object_is_type(devs, json_type_array)) {
        util_sanitize(err);
        fprintf(out, "pvbench: no virtqueue state from QMP: %s\n", err);
        json_object_put(devs);
        return -1;
    }
    fprintf(out, "pvbench: snapshot %u: virtio devices and queues as QEMU sees them "
                 "(x-query-virtio-*), the guest's ring indices from its memory:\n", n);
    for (size_t i = 0; i < json_object_array_length(devs); i++) {
        json_object *jpath = NULL, *jname = NULL;
        const char *path;

        if (!json_object_object_get_ex(json_object_array_get_idx(devs, i), "path", &jpath) ||
            !(path = json_object_get_string(jpath))) {
            continue;
        }
        broken = 0;
        if ((st = lostguest_ask(monitor, arg, "x-query-virtio-status", path, -1, err,
                                sizeof(err)))) {
            lostguest_print(out, path, st, status_keys);
            broken = lostguest_long(st, "broken") == 1;
            json_object_put(st);
        }
        /* Queue after queue until QEMU says there is no such queue. */
        for (int k = 0; k < LOSTGUEST_MAX_QUEUES; k++) {
            struct lostguest_vq *q;

            if (!(st = lostguest_ask(monitor, arg, "x-query-virtio-queue-status", path, k, err,
                                     sizeof(err)))) {
                break;
            }
            snprintf(label, sizeof(label), "queue %d", k);
            lostguest_print(out, label, st, NULL);
            if (s->n < LOSTGUEST_MAX_VQS) {
                q = &s->vq[s->n++];
                json_object_object_get_ex(st, "name", &jname);
                util_strlcpy(q->device, jname ? json_object_get_string(jname) : "?",
                             sizeof(q->device));
                util_sanitize(q->device);
                q->queue = k;
                q->broken = broken;
                q->num = lostguest_long(st, "vring-num");
                q->inuse = lostguest_long(st, "inuse");
                q->last_avail = lostguest_long(st, "last-avail-idx");
                q->used_idx = lostguest_long(st, "used-idx");
                q->signalled = lostguest_long(st, "signalled-used");
                q->signalled_ok = lostguest_long(st, "signalled-used-valid") == 1;
                q->avail_addr = (unsigned long long)lostguest_long(st, "vring-avail");
                q->used_addr = (unsigned long long)lostguest_long(st, "vring-used");
                lostguest_guest_ring(monitor, arg, q);
                fprintf(out,
                        "pvbench:   queue %d in guest memory: avail.idx %ld, used_event %ld, "
                        "used.idx %ld, avail_event %ld\n",
                        k, q->g_avail_idx, q->g_used_event, q->g_used_idx, q->g_avail_event);
            }
            json_object_put(st);
        }
    }
    json_object_put(devs);
    lostguest_msix(out, monitor, arg, s);
    lostguest_hmp_lines(out, monitor, arg, "info cpus");
    lostguest_hmp_lines(out, monitor, arg, "info lapic");
    lostguest_hmp_lines(out, monitor, arg, "info pic");
    lostguest_hmp_lines(out, monitor, arg, "info irq");
    return 0;
}

/* b - a on 16-bit ring indices; -1 when either is unknown. */
static long lostguest_ring_diff(long b, long a)
{
    return a < 0 || b < 0 ? -1 : (long)((uint16_t)(b - a));
}

void lostguest_verdict(const struct lostguest_vq *a, const struct lostguest_vq *b, char *out,
                       size_t len)
{
    long done = lostguest_ring_diff(b->used_idx, a->used_idx);
    long taken = lostguest_ring_diff(b->last_avail, a->last_avail);
    long not_taken = lostguest_ring_diff(b->g_avail_idx, b->last_avail);
    long unsignalled = b->signalled_ok ? lostguest_ring_diff(b->used_idx, b->signalled) : -1;
    long unseen = lostguest_ring_diff(b->g_used_idx, b->g_used_event);
    int n;

    n = snprintf(out, len, "%s queue %d: ", b->device, b->queue);
    if (n < 0 || (size_t)n >= len) {
        return;
    }
    out += n;
    len -= (size_t)n;
    if (b->broken) {
        /* Seen in a hunt (QEMU 7.2, guest kernel 6.12): "virtio: zero sized buffers are not
         * allowed" on QEMU's stderr, the device marked NEEDS_RESET, the guest waiting. */
        snprintf(out, len, "QEMU marked the device broken (VIRTIO_CONFIG_S_NEEDS_RESET): it "
                           "refused a request as malformed and serves none of its queues until "
                           "the guest resets it; QEMU's reason is on its stderr (the qemu log "
                           "of this attempt, \"virtio: ...\"); %ld request%s left in the ring",
                 not_taken > 0 ? not_taken : 0, not_taken == 1 ? "" : "s");
    } else if (done > 0 || taken > 0) {
        /* Seen in a hunt: I/O going on after the budget, the agent's job still unfinished on
         * its own clock (which ran slow: 113037 operations "in 0.501 s"). */
        snprintf(out, len, "moving (%ld completed, %ld taken between the snapshots): not stuck "
                           "here; the job outlived its budget with its I/O still going (a "
                           "guest far slower than usual, or a guest clock running slow)",
                 done, taken);
    } else if (b->inuse > 0) {
        snprintf(out, len, "QEMU holds %ld request%s (taken from the ring, not completed "
                           "between the snapshots): the host side's I/O did not finish",
                 b->inuse, b->inuse == 1 ? "" : "s");
    } else if (not_taken > 0) {
        snprintf(out, len, "%ld request%s in the ring that QEMU did not take (the guest's "
                           "avail.idx %ld, QEMU's last-avail-idx %ld): the kick did not reach "
                           "QEMU",
                 not_taken, not_taken == 1 ? "" : "s", b->g_avail_idx, b->last_avail);
    } else if (unsignalled > 0) {
        snprintf(out, len, "completed but not signalled: %ld completion%s after the last "
                           "interrupt (used-idx %ld, signalled-used %ld)",
                 unsignalled, unsignalled == 1 ? "" : "s", b->used_idx, b->signalled);
    } else if (unseen > 0 && b->g_used_idx == b->used_idx) {
        snprintf(out, len, "signalled, the guest did not take it: %ld completion%s beyond the "
                           "driver's used_event %ld (used.idx %ld); see the LAPIC's IRR/ISR",
                 unseen, unseen == 1 ? "" : "s", b->g_used_event, b->g_used_idx);
    } else if (b->g_avail_idx < 0) {
        snprintf(out, len, "no request held by QEMU (the guest's ring could not be read)");
    } else {
        snprintf(out, len, "no request reached QEMU: the queue is idle (avail.idx %ld = "
                           "used-idx %ld); the request, if any, stopped in the guest",
                 b->g_avail_idx, b->used_idx);
    }
}

void lostguest_report(FILE *out, pid_t pid, const char *who, lostguest_monitor_fn monitor,
                      void *arg, double gap_s)
{
    struct lostguest_snap *s1 = NULL, *s2 = NULL;
    char line[512];

    lostguest_threads(out, pid, who);
    if (!monitor) {
        fprintf(out, "pvbench: no monitor for this guest: no virtqueue snapshots\n");
        return;
    }
    s1 = calloc(1, sizeof(*s1));
    s2 = calloc(1, sizeof(*s2));
    if (!s1 || !s2 || lostguest_snapshot(out, 1, monitor, arg, s1) < 0) {
        goto out;
    }
    fflush(out);
    for (double end = util_now() + gap_s; util_now() < end && !signals_interrupted();) {
        usleep(100000);
    }
    if (lostguest_snapshot(out, 2, monitor, arg, s2) < 0) {
        goto out;
    }
    for (unsigned i = 0; i < s2->n; i++) {
        const struct lostguest_vq *a = NULL;
        for (unsigned j = 0; j < s1->n && !a; j++) {
            if (strcmp(s1->vq[j].device, s2->vq[i].device) == 0 &&
                s1->vq[j].queue == s2->vq[i].queue) {
                a = &s1->vq[j];
            }
        }
        lostguest_verdict(a ? a : &s2->vq[i], &s2->vq[i], line, sizeof(line));
        fprintf(out, "pvbench: verdict: %s\n", line);
    }
    lostguest_msix_verdict(out, s2);
    if (s2->n == 0) {
        fprintf(out, "pvbench: verdict: no virtqueue (not a virtio device): see the threads "
                     "and the interrupt state above\n");
    }
out:
    free(s1);
    free(s2);
}
