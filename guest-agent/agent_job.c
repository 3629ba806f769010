/*
 * JOB lines in, protocol lines out: the pure part of the agent, host-tested.
 * The job keys are one table (agent_job_keys); the parser is driven by it.
 */
#include "agent.h"
#include "fio_job.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* ---- job keys -------------------------------------------------------------------------------- */

enum agent_key_type { AGENT_KEY_UINT, AGENT_KEY_NAME, AGENT_KEY_ENUM, AGENT_KEY_HEX };

/* When a key must be present. */
enum agent_key_need {
    AGENT_NEED_NO,
    AGENT_NEED_ALWAYS,
    AGENT_NEED_BLK,
    AGENT_NEED_NET,
    AGENT_NEED_BOTH, /* every job: its workload's pattern, size and length */
};

struct agent_key {
    const char *name;
    enum agent_key_type type;
    enum agent_key_need need;
    size_t off;                /* field in struct agent_job */
    size_t size;               /* AGENT_KEY_NAME: field size */
    unsigned min, max;         /* AGENT_KEY_UINT: inclusive range */
    const char *const *values; /* AGENT_KEY_ENUM: names, NULL-terminated, index = value */
};

static const char *const agent_kind_names[] = {"blk", "net", NULL};
/* The rw names of the protocol (PVB_RW_LIST); enum agent_rw follows the list's order. */
#define AGENT_RW_NAME(id, name, kind, wire) name,
static const char *const agent_rw_names[] = {PVB_RW_LIST(AGENT_RW_NAME) NULL};
#undef AGENT_RW_NAME
_Static_assert(sizeof(agent_rw_names) / sizeof(agent_rw_names[0]) == AGENT_RW_COUNT + 1,
               "one name per enum agent_rw");
#define AGENT_RW_SAME(id, name, kind, wire)                                                        \
    _Static_assert((int)AGENT_RW_##id == (int)PVB_RW_##id, "enum agent_rw follows PVB_RW_LIST");
PVB_RW_LIST(AGENT_RW_SAME)
#undef AGENT_RW_SAME
static const char *const agent_fault_names[] = {"none", "hang", "crash", "garbage",
                                                "flood", "exit", "stall", NULL};

/* Enum fields are stored through an unsigned pointer. */
_Static_assert(sizeof(enum agent_kind) == sizeof(unsigned), "enum size");
_Static_assert(sizeof(enum agent_rw) == sizeof(unsigned), "enum size");
_Static_assert(sizeof(enum agent_fault) == sizeof(unsigned), "enum size");
static const char *const agent_engine_names[] = {"agent", "fio", "iperf3", NULL};
_Static_assert(sizeof(enum agent_engine) == sizeof(unsigned), "enum size");

#define AGENT_UINT(n, need, f, lo, hi)                                                             \
    {                                                                                              \
        n, AGENT_KEY_UINT, need, offsetof(struct agent_job, f), 0, lo, hi, NULL                    \
    }
#define AGENT_NAME(n, need, f)                                                                     \
    {                                                                                              \
        n, AGENT_KEY_NAME, need, offsetof(struct agent_job, f),                                    \
            sizeof(((struct agent_job *)0)->f), 0, 0, NULL                                         \
    }
#define AGENT_ENUM(n, need, f, names)                                                              \
    {                                                                                              \
        n, AGENT_KEY_ENUM, need, offsetof(struct agent_job, f), 0, 0, 0, names                     \
    }

/* A hex value decoded into a text field (fio_job_hex_decode). */
#define AGENT_HEX(n, need, f)                                                                      \
    {                                                                                              \
        n, AGENT_KEY_HEX, need, offsetof(struct agent_job, f),                                     \
            sizeof(((struct agent_job *)0)->f), 0, 0, NULL                                         \
    }

static const struct agent_key agent_job_keys[] = {
    AGENT_UINT("id", AGENT_NEED_ALWAYS, id, 0, UINT32_MAX),
    AGENT_NAME("workload", AGENT_NEED_NO, workload),
    AGENT_ENUM("kind", AGENT_NEED_ALWAYS, kind, agent_kind_names),
    AGENT_ENUM("rw", AGENT_NEED_BOTH, rw, agent_rw_names),
    AGENT_UINT("bs", AGENT_NEED_BOTH, bs, 1, AGENT_BS_MAX),
    AGENT_UINT("qd", AGENT_NEED_BLK, qd, 1, AGENT_QD_MAX),
    AGENT_UINT("runtime_ms", AGENT_NEED_BOTH, runtime_ms, 1, AGENT_MS_MAX),
    AGENT_UINT("warmup_ms", AGENT_NEED_NO, warmup_ms, 0, AGENT_MS_MAX),
    AGENT_NAME("irq", AGENT_NEED_NO, irq),
    AGENT_ENUM("fault", AGENT_NEED_NO, fault, agent_fault_names),
    AGENT_ENUM("engine", AGENT_NEED_NO, engine, agent_engine_names),
    AGENT_NAME("peer", AGENT_NEED_NET, peer),
    AGENT_UINT("port", AGENT_NEED_NET, port, 1, 65535),
    AGENT_UINT("rwmixread", AGENT_NEED_NO, rwmixread, 0, 100),
    AGENT_UINT("offset_mib", AGENT_NEED_NO, offset_mib, 0, AGENT_REGION_MIB_MAX),
    AGENT_UINT("size_mib", AGENT_NEED_NO, size_mib, 0, AGENT_REGION_MIB_MAX),
    AGENT_HEX("fiojob", AGENT_NEED_NO, fiojob),
    AGENT_UINT("numjobs", AGENT_NEED_NO, numjobs, 1, AGENT_NUMJOBS_MAX),
    AGENT_UINT("streams", AGENT_NEED_NO, streams, 1, PVB_NET_STREAMS_MAX),
};
#define AGENT_NKEYS (sizeof(agent_job_keys) / sizeof(agent_job_keys[0]))

void agent_job_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (!err || errlen == 0) {
        return;
    }
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static bool agent_job_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
}

/* Store one value; returns 0 or -1 with err set. */
static int agent_job_set(const struct agent_key *k, const char *val, size_t vlen,
                         struct agent_job *job, char *err, size_t errlen)
{
    char *field = (char *)job + k->off;
    uint64_t v = 0;
    unsigned i;
    size_t j;

    switch (k->type) {
    case AGENT_KEY_UINT:
        for (j = 0; j < vlen; j++) {
            if (val[j] < '0' || val[j] > '9' || j >= 10) {
                agent_job_err(err, errlen, "bad number for %s: '%.*s'", k->name,
                              (int)(vlen > 24 ? 24 : vlen), val);
                return -1;
            }
            v = v * 10 + (uint64_t)(val[j] - '0');
        }
        if (v < k->min || v > k->max) {
            agent_job_err(err, errlen, "%s=%llu out of range [%u, %u]", k->name,
                          (unsigned long long)v, k->min, k->max);
            return -1;
        }
        *(unsigned *)(void *)field = (unsigned)v;
        return 0;
    case AGENT_KEY_NAME:
        if (vlen >= k->size) {
            agent_job_err(err, errlen, "%s value longer than %zu characters", k->name, k->size - 1);
            return -1;
        }
        for (j = 0; j < vlen; j++) {
            if (!agent_job_name_char(val[j])) {
                agent_job_err(err, errlen, "bad character in %s (allowed: A-Za-z0-9_.-)", k->name);
                return -1;
            }
        }
        memcpy(field, val, vlen);
        field[vlen] = '\0';
        return 0;
    case AGENT_KEY_ENUM:
        for (i = 0; k->values[i]; i++) {
            if (strlen(k->values[i]) == vlen && memcmp(k->values[i], val, vlen) == 0) {
                *(unsigned *)(void *)field = i;
                return 0;
            }
        }
        agent_job_err(err, errlen, "bad value for %s: '%.*s'", k->name,
                      (int)(vlen > 24 ? 24 : vlen), val);
        return -1;
    case AGENT_KEY_HEX:
        if (fio_job_hex_decode(val, vlen, field, k->size) < 0) {
            agent_job_err(err, errlen, "%s: not hex text of at most %zu bytes", k->name,
                          k->size - 1);
            return -1;
        }
        return 0;
    }
    return -1;
}

/* 1 if key k must be given for this job, else 0. */
static int agent_job_needed(const struct agent_key *k, const struct agent_job *job)
{
    bool net = job->kind == AGENT_KIND_NET;

    switch (k->need) {
    case AGENT_NEED_ALWAYS:
        return 1;
    case AGENT_NEED_BLK:
        return !net;
    case AGENT_NEED_NET:
        return net;
    case AGENT_NEED_BOTH:
        return 1;
    case AGENT_NEED_NO:
        break;
    }
    return 0;
}

/* Is s a dotted-quad IPv4 address (four numbers 0..255)? */
static bool agent_job_ipv4_ok(const char *s)
{
    unsigned parts = 0, v, digits;

    for (;;) {
        v = 0;
        digits = 0;
        while (*s >= '0' && *s <= '9' && digits < 4) {
            v = v * 10 + (unsigned)(*s++ - '0');
            digits++;
        }
        if (digits == 0 || digits > 3 || v > 255) {
            return false;
        }
        parts++;
        if (*s == '\0') {
            return parts == 4;
        }
        if (*s++ != '.' || parts == 4) {
            return false;
        }
    }
}

/* Rules between kind, rw and the sizes, once every key is read. 0 or -1 with err. */
static int agent_job_check_kind(const struct agent_job *job, char *err, size_t errlen)
{
    if (job->kind == AGENT_KIND_NET && (job->offset_mib || job->size_mib)) {
        agent_job_err(err, errlen, "offset_mib and size_mib are for kind=blk");
        return -1;
    }
    if (job->kind == AGENT_KIND_BLK) {
        if (agent_job_rw_is_net(job->rw)) {
            agent_job_err(err, errlen, "rw=%s is a net workload, not for kind=blk",
                          agent_job_rw_name(job->rw));
            return -1;
        }
        if (job->bs < AGENT_BS_MIN) {
            agent_job_err(err, errlen, "bs=%u out of range [%u, %u]", job->bs, AGENT_BS_MIN,
                          AGENT_BS_MAX);
            return -1;
        }
        if (job->bs % 512 != 0) {
            agent_job_err(err, errlen, "bs=%u is not a multiple of 512", job->bs);
            return -1;
        }
        if (job->fiojob[0] && job->engine != AGENT_ENGINE_FIO) {
            agent_job_err(err, errlen, "fiojob= is a fio job file: it needs engine=fio");
            return -1;
        }
        return 0;
    }
    if (!agent_job_rw_is_net(job->rw)) {
        agent_job_err(err, errlen, "rw=%s is a blk workload, not for kind=net",
                      agent_job_rw_name(job->rw));
        return -1;
    }
    if (job->qd > 1) {
        agent_job_err(err, errlen, "qd=%u: a net job uses one connection (qd=1)", job->qd);
        return -1;
    }
    if (!agent_job_ipv4_ok(job->peer)) {
        agent_job_err(err, errlen, "peer=%s is not an IPv4 address", job->peer);
        return -1;
    }
    if (job->rw == AGENT_RW_UDP_PPS && (job->bs < PVB_NET_UDP_HDR || job->bs > 1472)) {
        agent_job_err(err, errlen, "bs=%u: udp_pps needs %u..1472 bytes per datagram", job->bs,
                      PVB_NET_UDP_HDR);
        return -1;
    }
    if (job->rw == AGENT_RW_TCP_RR && job->bs > 65536) {
        agent_job_err(err, errlen, "bs=%u: tcp_rr messages are at most 65536 bytes", job->bs);
        return -1;
    }
    return 0;
}

int agent_job_parse(const char *args, struct agent_job *job, char *err, size_t errlen)
{
    bool seen[AGENT_NKEYS] = {false};
    const char *p = args, *tok, *eq;
    size_t tlen, klen, i;

    memset(job, 0, sizeof(*job));
    if (err && errlen) {
        err[0] = '\0';
    }
    for (;;) {
        while (*p == ' ') {
            p++;
        }
        if (!*p) {
            break;
        }
        tok = p;
        while (*p && *p != ' ') {
            p++;
        }
        tlen = (size_t)(p - tok);
        eq = memchr(tok, '=', tlen);
        if (!eq || eq == tok) {
            agent_job_err(err, errlen, "malformed token '%.*s' (want key=value)",
                          (int)(tlen > 32 ? 32 : tlen), tok);
            return -1;
        }
        klen = (size_t)(eq - tok);
        for (i = 0; i < AGENT_NKEYS; i++) {
            if (strlen(agent_job_keys[i].name) == klen &&
                memcmp(agent_job_keys[i].name, tok, klen) == 0) {
                break;
            }
        }
        if (i == AGENT_NKEYS) {
            agent_job_err(err, errlen, "unknown key '%.*s'", (int)(klen > 32 ? 32 : klen), tok);
            return -1;
        }
        if (seen[i]) {
            agent_job_err(err, errlen, "key %s given twice", agent_job_keys[i].name);
            return -1;
        }
        seen[i] = true;
        if (eq + 1 == tok + tlen) {
            agent_job_err(err, errlen, "empty value for %s", agent_job_keys[i].name);
            return -1;
        }
        if (agent_job_set(&agent_job_keys[i], eq + 1, tlen - klen - 1, job, err, errlen) < 0) {
            return -1;
        }
    }
    for (i = 0; i < AGENT_NKEYS; i++) {
        if (strcmp(agent_job_keys[i].name, "numjobs") == 0) {
            if (seen[i] && job->numjobs > 1 && job->kind != AGENT_KIND_BLK) {
                agent_job_err(err, errlen, "numjobs is for kind=blk");
                return -1;
            }
            if (!seen[i]) {
                job->numjobs = 1;
            }
        }
        if (strcmp(agent_job_keys[i].name, "streams") == 0) {
            if (seen[i] && job->streams > 1 &&
                (job->kind != AGENT_KIND_NET || job->rw == AGENT_RW_UDP_PPS)) {
                agent_job_err(err, errlen, "streams is for kind=net TCP workloads");
                return -1;
            }
            if (!seen[i]) {
                job->streams = 1;
            }
        }
        if (strcmp(agent_job_keys[i].name, "rwmixread") == 0) {
            if (seen[i] && !agent_job_rw_is_mixed(job->rw)) {
                agent_job_err(err, errlen, "rwmixread is for rw=randrw");
                return -1;
            }
            if (!seen[i]) {
                job->rwmixread = 50;
            }
        }
        if (seen[i] || agent_job_needed(&agent_job_keys[i], job) == 0) {
            continue;
        }
        agent_job_err(err, errlen, "missing key %s", agent_job_keys[i].name);
        return -1;
    }
    return agent_job_check_kind(job, err, errlen);
}

const char *agent_job_rw_name(enum agent_rw rw)
{
    return (unsigned)rw < AGENT_RW_COUNT ? agent_rw_names[rw] : "?";
}

bool agent_job_rw_is_net(enum agent_rw rw)
{
    return (unsigned)rw < PVB_RW_COUNT && pvb_rw_table[rw].kind == PVB_RW_NET;
}

bool agent_job_rw_is_write(enum agent_rw rw)
{
    return rw == AGENT_RW_WRITE || rw == AGENT_RW_RANDWRITE;
}

bool agent_job_rw_is_random(enum agent_rw rw)
{
    return rw == AGENT_RW_RANDREAD || rw == AGENT_RW_RANDWRITE || rw == AGENT_RW_RANDRW;
}

bool agent_job_rw_is_mixed(enum agent_rw rw)
{
    return rw == AGENT_RW_RANDRW;
}

enum agent_msg agent_job_classify(const char *line, const char **args, char *err, size_t errlen)
{
    const char *p = line, *type;
    size_t tlen;

    *args = NULL;
    while (*p == ' ') {
        p++;
    }
    if (!*p) {
        return AGENT_MSG_EMPTY;
    }
    if (strncmp(p, PVB_PROTO_TAG, strlen(PVB_PROTO_TAG)) != 0 ||
        (p[strlen(PVB_PROTO_TAG)] != ' ' && p[strlen(PVB_PROTO_TAG)] != '\0')) {
        agent_job_err(err, errlen, "not a %s line", PVB_PROTO_TAG);
        return AGENT_MSG_BAD;
    }
    p += strlen(PVB_PROTO_TAG);
    while (*p == ' ') {
        p++;
    }
    type = p;
    while (*p && *p != ' ') {
        p++;
    }
    tlen = (size_t)(p - type);
    while (*p == ' ') {
        p++;
    }
    if (tlen == strlen(PVB_MSG_JOB) && memcmp(type, PVB_MSG_JOB, tlen) == 0) {
        *args = p;
        return AGENT_MSG_JOB;
    }
    if (tlen == strlen(PVB_MSG_QUIT) && memcmp(type, PVB_MSG_QUIT, tlen) == 0) {
        return AGENT_MSG_QUIT;
    }
    if (tlen == 0) {
        agent_job_err(err, errlen, "missing message type");
    } else {
        agent_job_err(err, errlen, "unknown message type '%.*s'", (int)(tlen > 32 ? 32 : tlen),
                      type);
    }
    return AGENT_MSG_BAD;
}

/* ---- line framing ---------------------------------------------------------------------------- */

void agent_line_init(struct agent_line *lr)
{
    lr->len = 0;
    lr->discarding = false;
    lr->buf[0] = '\0';
}

enum agent_line_event agent_line_feed(struct agent_line *lr, char c)
{
    if (c == '\n') {
        if (lr->discarding) {
            lr->discarding = false;
            lr->len = 0;
            return AGENT_LINE_TOOLONG;
        }
        if (lr->len > 0 && lr->buf[lr->len - 1] == '\r') {
            lr->len--;
        }
        lr->buf[lr->len] = '\0';
        lr->len = 0;
        return AGENT_LINE_READY;
    }
    if (lr->discarding) {
        return AGENT_LINE_NONE;
    }
    /* Content plus '\n' must fit in PVB_LINE_MAX; the buffer keeps a byte for NUL. */
    if (lr->len >= PVB_LINE_MAX - 1) {
        lr->discarding = true;
        lr->len = 0;
        return AGENT_LINE_NONE;
    }
    lr->buf[lr->len++] = c;
    return AGENT_LINE_NONE;
}

/* ---- output ---------------------------------------------------------------------------------- */

struct agent_out {
    char *buf;
    size_t len;
    size_t pos;
    bool full;
};

static void AGENT_PRINTF(2, 3) agent_out_printf(struct agent_out *o, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (o->full) {
        return;
    }
    va_start(ap, fmt);
    n = vsnprintf(o->buf + o->pos, o->len - o->pos, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= o->len - o->pos) {
        o->full = true;
        return;
    }
    o->pos += (size_t)n;
}

/* A JSON string of at most max source bytes: control bytes escaped, non-ASCII as '?'. */
static void agent_out_str(struct agent_out *o, const char *s, size_t max)
{
    unsigned char c;
    size_t i;

    agent_out_printf(o, "\"");
    for (i = 0; i < max && s[i]; i++) {
        c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            agent_out_printf(o, "\\%c", c);
        } else if (c == '\n') {
            agent_out_printf(o, "\\n");
        } else if (c < 0x20) {
            agent_out_printf(o, "\\u%04x", c);
        } else if (c >= 0x7f) {
            agent_out_printf(o, "?");
        } else {
            agent_out_printf(o, "%c", c);
        }
    }
    agent_out_printf(o, "\"");
}

/* A JSON number; NaN and infinities (which JSON cannot hold) become 0. */
static void agent_out_num(struct agent_out *o, double v)
{
    if (!isfinite(v)) {
        v = 0.0;
    }
    if (v == 0.0) {
        v = 0.0; /* no "-0" */
    }
    agent_out_printf(o, "%.6g", v);
}

static int agent_out_end(struct agent_out *o)
{
    agent_out_printf(o, "\n");
    if (o->full) {
        if (o->len) {
            o->buf[0] = '\0';
        }
        return -1;
    }
    return (int)o->pos;
}

static void agent_out_start(struct agent_out *o, char *buf, size_t len, const char *type)
{
    o->buf = buf;
    o->len = len;
    o->pos = 0;
    o->full = len == 0;
    agent_out_printf(o, "%s %s ", PVB_PROTO_TAG, type);
}

int agent_job_format_ready(char *buf, size_t len, const struct agent_ready *r)
{
    struct agent_out o;

    agent_out_start(&o, buf, len, PVB_MSG_READY);
    agent_out_printf(&o, "{\"agent\":");
    agent_out_str(&o, AGENT_VERSION, AGENT_NAME_MAX - 1);
    agent_out_printf(&o, ",\"kernel\":");
    agent_out_str(&o, r->kernel, 63);
    agent_out_printf(&o, ",\"uptime_s\":");
    agent_out_num(&o, r->uptime_s);
    agent_out_printf(&o, ",\"modules_loaded\":%d,\"modules_failed\":%d,\"blk\":", r->modules_loaded,
                     r->modules_failed);
    agent_out_str(&o, r->blk, AGENT_NAME_MAX - 1);
    agent_out_printf(&o, ",\"blk_driver\":");
    agent_out_str(&o, r->blk_driver, AGENT_NAME_MAX - 1);
    agent_out_printf(&o, ",\"net\":");
    agent_out_str(&o, r->net, AGENT_NAME_MAX - 1);
    agent_out_printf(&o, ",\"net_driver\":");
    agent_out_str(&o, r->net_driver, AGENT_NAME_MAX - 1);
    agent_out_printf(&o, ",\"net_queues\":%u}", r->net_queues);
    return agent_out_end(&o);
}

static void agent_out_U64(struct agent_out *o, uint64_t v)
{
    agent_out_printf(o, "%llu", (unsigned long long)v);
}

static void agent_out_DBL(struct agent_out *o, double v)
{
    agent_out_num(o, v);
}

/* "," before every key but an object's first. */
static void agent_out_key(struct agent_out *o, bool *first, const char *key)
{
    agent_out_printf(o, "%s\"%s\":", *first ? "" : ",", key);
    *first = false;
}

/* Is an entry sent in this result? ALL: always; NET: in net results only. */
#define AGENT_SENT_ALL(r) true
#define AGENT_SENT_NET(r) ((r)->net)

int agent_job_format_result(char *buf, size_t len, const struct agent_result *r)
{
    struct agent_out o;
    bool first = false;

    agent_out_start(&o, buf, len, PVB_MSG_RESULT);
    agent_out_printf(&o, "{\"job\":%u,\"workload\":", r->job);
    agent_out_str(&o, r->workload, AGENT_NAME_MAX - 1);
    agent_out_printf(&o, ",\"engine\":\"%s\",\"device\":",
                     agent_engine_names[r->engine <= AGENT_ENGINE_IPERF3 ? r->engine : 0]);
    agent_out_str(&o, r->device, AGENT_NAME_MAX - 1);
    agent_out_printf(&o, ",\"driver\":");
    agent_out_str(&o, r->driver, AGENT_NAME_MAX - 1);
#define AGENT_FMT_NUM(key, field, type, sent, doc)                                                 \
    if (AGENT_SENT_##sent(r)) {                                                                    \
        agent_out_key(&o, &first, key);                                                            \
        agent_out_##type(&o, r->field);                                                            \
    }
#define AGENT_FMT_SUB(p, key, field, type, sent, doc)                                              \
    if (AGENT_SENT_##sent(r)) {                                                                    \
        agent_out_key(&o, &first, key);                                                            \
        agent_out_##type(&o, r->p.field);                                                          \
    }
#define AGENT_FMT_OBJ(key, field, list, doc)                                                       \
    agent_out_key(&o, &first, key);                                                                \
    agent_out_printf(&o, "{");                                                                     \
    first = true;                                                                                  \
    list(AGENT_FMT_SUB, field) agent_out_printf(&o, "}");                                          \
    first = false;
    PVB_RESULT_LIST(AGENT_FMT_NUM, AGENT_FMT_OBJ)
    if (r->numjobs > 1) {
        agent_out_printf(&o, ",\"numjobs\":%u", r->numjobs);
    }
    if (r->streams > 1) {
        agent_out_printf(&o, ",\"streams\":%u", r->streams);
    }
#undef AGENT_FMT_NUM
#undef AGENT_FMT_SUB
#undef AGENT_FMT_OBJ
    agent_out_printf(&o, "}");
    return agent_out_end(&o);
}

int agent_job_format_error(char *buf, size_t len, unsigned job, const char *reason)
{
    struct agent_out o;

    agent_out_start(&o, buf, len, PVB_MSG_ERROR);
    agent_out_printf(&o, "{\"job\":%u,\"reason\":", job);
    agent_out_str(&o, reason, AGENT_REASON_MAX - 1);
    agent_out_printf(&o, "}");
    return agent_out_end(&o);
}

int agent_job_format_log(char *buf, size_t len, const char *text)
{
    struct agent_out o;
    unsigned char c;
    size_t i;

    agent_out_start(&o, buf, len, PVB_MSG_LOG);
    for (i = 0; i < AGENT_REASON_MAX - 1 && text[i]; i++) {
        c = (unsigned char)text[i];
        agent_out_printf(&o, "%c", c < 0x20 || c >= 0x7f ? ' ' : c);
    }
    return agent_out_end(&o);
}
