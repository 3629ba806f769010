/*
 * The host side of the wire protocol: format JOB lines, parse and check what
 * the agent answers. Every byte from the guest is untrusted: the line length is
 * bounded, JSON depth is bounded, every key is type-checked against a table,
 * strings must fit their fields, and numbers must be finite and non-negative.
 * Nothing the guest sends reaches the terminal unescaped.
 */
#include "agentmsg.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "log.h"
#include "util.h"

/* Deepest JSON nesting accepted: messages use two levels ("lat_us" inside a result). */
#define AGENTMSG_JSON_DEPTH 8
/* Longest excerpt of guest bytes quoted in an error message. */
#define AGENTMSG_EXCERPT_MAX 40

/*
 * Printable excerpt of untrusted bytes: at most AGENTMSG_EXCERPT_MAX visible
 * characters, anything outside printable ASCII (and the backslash) escaped as
 * \xNN, "..." appended when cut. out should hold 4 * 40 + 4 bytes.
 */
static void agentmsg_excerpt(char *out, size_t outlen, const char *s, size_t n)
{
    size_t o = 0;
    size_t shown = 0;
    size_t i;
    unsigned char c;
    int w;

    if (outlen == 0) {
        return;
    }
    for (i = 0; i < n; i++) {
        c = (unsigned char)s[i];
        w = (c >= 0x20 && c < 0x7f && c != '\\') ? 1 : 4;
        if (shown + (size_t)w > AGENTMSG_EXCERPT_MAX || o + (size_t)w + 4 > outlen) {
            break;
        }
        if (w == 1) {
            out[o++] = (char)c;
        } else {
            snprintf(out + o, outlen - o, "\\x%02x", c);
            o += 4;
        }
        shown += (size_t)w;
    }
    if (i < n && o + 4 <= outlen) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o] = '\0';
}

/*
 * Copy n bytes of guest text into dst (size > n), replacing what a terminal
 * could interpret: C0 controls and DEL, and with utf8 (text json-c already
 * validated as UTF-8) the C1 controls U+0080..U+009F; without utf8 every
 * non-ASCII byte.
 */
static void agentmsg_clean(char *dst, const char *src, size_t n, int utf8)
{
    size_t i;
    size_t o = 0;
    unsigned char c;

    for (i = 0; i < n; i++) {
        c = (unsigned char)src[i];
        if (c < 0x20 || c == 0x7f || (!utf8 && c >= 0x80)) {
            dst[o++] = '?';
        } else if (utf8 && c == 0xc2 && i + 1 < n && (unsigned char)src[i + 1] >= 0x80 &&
                   (unsigned char)src[i + 1] <= 0x9f) {
            dst[o++] = '?';
            i++;
        } else {
            dst[o++] = (char)c;
        }
    }
    dst[o] = '\0';
}

/* ---- JOB lines ----------------------------------------------------------------------------- */

/* A job value: non-empty, only [A-Za-z0-9_.-] (no spaces, no '=', nothing a shell reads). */
static int agentmsg_token_ok(const char *s)
{
    const char *p;

    if (!s || !*s) {
        return 0;
    }
    for (p = s; *p; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '_' || *p == '.' || *p == '-')) {
            return 0;
        }
    }
    return 1;
}

int agentmsg_format_job(char *buf, size_t len, const struct agent_job *job)
{
    int n;

    if (!buf || len == 0) {
        return -1;
    }
    buf[0] = '\0';
    if (!job || !agentmsg_token_ok(job->workload) || !agentmsg_token_ok(job->kind) ||
        !agentmsg_token_ok(job->rw) || !agentmsg_token_ok(job->irq) ||
        !agentmsg_token_ok(job->fault)) {
        return -1;
    }
    if (job->peer && (!agentmsg_token_ok(job->peer) || job->port == 0 || job->port > 65535)) {
        return -1;
    }
    n = snprintf(buf, len,
                 "%s %s id=%u workload=%s kind=%s rw=%s bs=%u qd=%u runtime_ms=%u warmup_ms=%u "
                 "irq=%s fault=%s",
                 PVB_PROTO_TAG, PVB_MSG_JOB, job->id, job->workload, job->kind, job->rw, job->bs,
                 job->qd, job->runtime_ms, job->warmup_ms, job->irq, job->fault);
    if (n >= 0 && (size_t)n < len && job->peer) {
        n += snprintf(buf + n, len - (size_t)n, " peer=%s port=%u", job->peer, job->port);
    }
    /* engine= only when it is not the agent: the line stays what older agents know */
    if (n >= 0 && (size_t)n < len && job->engine && strcmp(job->engine, "agent") != 0) {
        if (!agentmsg_token_ok(job->engine)) {
            buf[0] = '\0';
            return -1;
        }
        n += snprintf(buf + n, len - (size_t)n, " engine=%s", job->engine);
    }
    /* the optional block keys only when they say something: older agents lack them */
    if (n >= 0 && (size_t)n < len && strcmp(job->rw, "randrw") == 0) {
        n += snprintf(buf + n, len - (size_t)n, " rwmixread=%u", job->rwmixread);
    }
    if (n >= 0 && (size_t)n < len && job->offset_mib) {
        n += snprintf(buf + n, len - (size_t)n, " offset_mib=%u", job->offset_mib);
    }
    if (n >= 0 && (size_t)n < len && job->size_mib) {
        n += snprintf(buf + n, len - (size_t)n, " size_mib=%u", job->size_mib);
    }
    if (n >= 0 && (size_t)n < len && job->numjobs > 1) {
        n += snprintf(buf + n, len - (size_t)n, " numjobs=%u", job->numjobs);
    }
    if (n >= 0 && (size_t)n < len && job->streams > 1) {
        n += snprintf(buf + n, len - (size_t)n, " streams=%u", job->streams);
    }
    if (n >= 0 && (size_t)n < len && job->fiojob) {
        if (strspn(job->fiojob, "0123456789abcdef") != strlen(job->fiojob)) {
            buf[0] = '\0';
            return -1;
        }
        n += snprintf(buf + n, len - (size_t)n, " fiojob=%s", job->fiojob);
    }
    if (n >= 0 && (size_t)n < len) {
        n += snprintf(buf + n, len - (size_t)n, "\n");
    }
    if (n < 0 || (size_t)n >= len || n > PVB_LINE_MAX) {
        buf[0] = '\0';
        return -1;
    }
    return n;
}

/* ---- message tables ------------------------------------------------------------------------ */

enum agentmsg_ftype {
    AGENTMSG_F_STR,  /* JSON string into char[size] */
    AGENTMSG_F_DBL,  /* JSON number into double */
    AGENTMSG_F_U64,  /* integral JSON number into uint64_t */
    AGENTMSG_F_UINT, /* integral JSON number into unsigned */
    AGENTMSG_F_INT,  /* integral JSON number into int */
    AGENTMSG_F_OBJ,  /* nested object, described by sub */
};

struct agentmsg_field {
    const char *key;
    enum agentmsg_ftype type;
    size_t off; /* from the base the table is applied to */
    size_t size;
    const struct agentmsg_field *sub;
    size_t nsub;
    int optional; /* may be absent (the field stays 0) */
};

#define AGENTMSG_N(a) (sizeof(a) / sizeof((a)[0]))
#define AGENTMSG_F(st, member, key, type)                                                          \
    {                                                                                              \
        key, type, offsetof(st, member), sizeof(((st *)0)->member), NULL, 0, 0                     \
    }
/* A key an older agent does not send (net_queues of READY): absent, the field stays 0. */
#define AGENTMSG_FOPT(st, member, key, type)                                                       \
    {                                                                                              \
        key, type, offsetof(st, member), sizeof(((st *)0)->member), NULL, 0, 1                     \
    }
#define AGENTMSG_SUB(st, member, key, table)                                                       \
    {                                                                                              \
        key, AGENTMSG_F_OBJ, offsetof(st, member), sizeof(((st *)0)->member), table,               \
            AGENTMSG_N(table), 0                                                                   \
    }

static const struct agentmsg_field agentmsg_ready_fields[] = {
    AGENTMSG_F(struct agent_ready, agent, "agent", AGENTMSG_F_STR),
    AGENTMSG_F(struct agent_ready, kernel, "kernel", AGENTMSG_F_STR),
    AGENTMSG_F(struct agent_ready, uptime_s, "uptime_s", AGENTMSG_F_DBL),
    AGENTMSG_F(struct agent_ready, modules_loaded, "modules_loaded", AGENTMSG_F_INT),
    AGENTMSG_F(struct agent_ready, modules_failed, "modules_failed", AGENTMSG_F_INT),
    AGENTMSG_F(struct agent_ready, blk, "blk", AGENTMSG_F_STR),
    AGENTMSG_F(struct agent_ready, blk_driver, "blk_driver", AGENTMSG_F_STR),
    AGENTMSG_F(struct agent_ready, net, "net", AGENTMSG_F_STR),
    AGENTMSG_F(struct agent_ready, net_driver, "net_driver", AGENTMSG_F_STR),
    AGENTMSG_FOPT(struct agent_ready, net_queues, "net_queues", AGENTMSG_F_UINT),
};

/* PVB_RESULT_LIST's entries: NET ones are optional (only net results carry them). */
#define AGENTMSG_OPT_ALL 0
#define AGENTMSG_OPT_NET 1

/* A nested object's members, offsets from the object. */
#define AGENTMSG_RESULT_SUB(p, key, field, type, sent, doc)                                        \
    {key,                                                                                          \
     AGENTMSG_F_##type,                                                                            \
     offsetof(struct agent_result, p.field) - offsetof(struct agent_result, p),                    \
     sizeof(((struct agent_result *)0)->p.field),                                                  \
     NULL,                                                                                         \
     0,                                                                                            \
     AGENTMSG_OPT_##sent},
#define AGENTMSG_RESULT_SUBTABLE(key, field, list, doc)                                            \
    static const struct agentmsg_field agentmsg_##field##_fields[] = {                             \
        list(AGENTMSG_RESULT_SUB, field)};
#define AGENTMSG_RESULT_NONE(key, field, type, sent, doc)
PVB_RESULT_LIST(AGENTMSG_RESULT_NONE, AGENTMSG_RESULT_SUBTABLE)
#undef AGENTMSG_RESULT_NONE
#undef AGENTMSG_RESULT_SUBTABLE
#undef AGENTMSG_RESULT_SUB

#define AGENTMSG_RESULT_F(key, field, type, sent, doc)                                             \
    {key,                                                                                          \
     AGENTMSG_F_##type,                                                                            \
     offsetof(struct agent_result, field),                                                         \
     sizeof(((struct agent_result *)0)->field),                                                    \
     NULL,                                                                                         \
     0,                                                                                            \
     AGENTMSG_OPT_##sent},
#define AGENTMSG_RESULT_O(key, field, list, doc)                                                   \
    AGENTMSG_SUB(struct agent_result, field, key, agentmsg_##field##_fields),
static const struct agentmsg_field agentmsg_result_fields[] = {
    AGENTMSG_F(struct agent_result, job, "job", AGENTMSG_F_UINT),
    AGENTMSG_F(struct agent_result, workload, "workload", AGENTMSG_F_STR),
    AGENTMSG_F(struct agent_result, engine, "engine", AGENTMSG_F_STR),
    AGENTMSG_F(struct agent_result, device, "device", AGENTMSG_F_STR),
    AGENTMSG_F(struct agent_result, driver, "driver", AGENTMSG_F_STR),
    PVB_RESULT_LIST(AGENTMSG_RESULT_F, AGENTMSG_RESULT_O)
    AGENTMSG_FOPT(struct agent_result, numjobs, "numjobs", AGENTMSG_F_UINT),
    AGENTMSG_FOPT(struct agent_result, streams, "streams", AGENTMSG_F_UINT)};
#undef AGENTMSG_RESULT_F
#undef AGENTMSG_RESULT_O

/* The ERROR payload is an anonymous struct inside struct agentmsg: offsets from the message. */
static const struct agentmsg_field agentmsg_error_fields[] = {
    AGENTMSG_F(struct agentmsg, u.error.job, "job", AGENTMSG_F_UINT),
    AGENTMSG_F(struct agentmsg, u.error.reason, "reason", AGENTMSG_F_STR),
};

/* ---- JSON to struct ------------------------------------------------------------------------ */

/*
 * An integral, non-negative JSON number as uint64. json-c saturates integers
 * that overflow to UINT64_MAX, so that value itself counts as out of range.
 */
static int agentmsg_get_u64(struct json_object *v, uint64_t *out, const char **why)
{
    double d;

    if (json_object_is_type(v, json_type_int)) {
        if (json_object_get_int64(v) < 0) {
            *why = "is negative";
            return -1;
        }
        *out = json_object_get_uint64(v);
        if (*out == UINT64_MAX) {
            *why = "is out of range";
            return -1;
        }
        return 0;
    }
    d = json_object_get_double(v);
    if (!isfinite(d)) {
        *why = "is not finite";
        return -1;
    }
    if (d < 0.0) {
        *why = "is negative";
        return -1;
    }
    if (d != floor(d)) {
        *why = "is not an integer";
        return -1;
    }
    if (d >= 18446744073709551616.0) { /* 2^64 */
        *why = "is out of range";
        return -1;
    }
    *out = (uint64_t)d;
    return 0;
}

/* Store one value per its table entry; why says what is wrong with it. */
static int agentmsg_store(struct json_object *v, const struct agentmsg_field *f, char *base,
                          const char **why)
{
    const char *s;
    size_t n;
    double d;
    uint64_t u;
    int is_num;

    is_num = json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double);

    switch (f->type) {
    case AGENTMSG_F_STR:
        if (!json_object_is_type(v, json_type_string)) {
            *why = "is not a string";
            return -1;
        }
        s = json_object_get_string(v);
        n = (size_t)json_object_get_string_len(v);
        if (n >= f->size) {
            *why = "is longer than its field";
            return -1;
        }
        if (memchr(s, '\0', n)) {
            *why = "holds a NUL character";
            return -1;
        }
        agentmsg_clean(base + f->off, s, n, 1);
        return 0;
    case AGENTMSG_F_DBL:
        if (!is_num) {
            *why = "is not a number";
            return -1;
        }
        d = json_object_get_double(v);
        if (!isfinite(d)) {
            *why = "is not finite";
            return -1;
        }
        if (d < 0.0) {
            *why = "is negative";
            return -1;
        }
        memcpy(base + f->off, &d, sizeof(d));
        return 0;
    case AGENTMSG_F_U64:
    case AGENTMSG_F_UINT:
    case AGENTMSG_F_INT:
        if (!is_num) {
            *why = "is not a number";
            return -1;
        }
        if (agentmsg_get_u64(v, &u, why) < 0) {
            return -1;
        }
        if (f->type == AGENTMSG_F_U64) {
            memcpy(base + f->off, &u, sizeof(u));
        } else if (f->type == AGENTMSG_F_UINT) {
            unsigned x = (unsigned)u;

            if (u > UINT_MAX) {
                *why = "is out of range";
                return -1;
            }
            memcpy(base + f->off, &x, sizeof(x));
        } else {
            int x = (int)u;

            if (u > INT_MAX) {
                *why = "is out of range";
                return -1;
            }
            memcpy(base + f->off, &x, sizeof(x));
        }
        return 0;
    case AGENTMSG_F_OBJ:
        *why = "is not an object"; /* handled by the caller */
        return -1;
    }
    *why = "has an unknown type";
    return -1;
}

/*
 * Fill base from obj by the table: every key required, extra keys ignored (a
 * newer agent may add some). prefix names the enclosing key in messages.
 */
static int agentmsg_fill(struct json_object *obj, const struct agentmsg_field *fields,
                         size_t nfields, char *base, const char *what, const char *prefix,
                         char *err, size_t errlen)
{
    struct json_object *v;
    const struct agentmsg_field *f;
    const char *why = NULL;
    char sub[64];
    size_t i;

    for (i = 0; i < nfields; i++) {
        f = &fields[i];
        if ((!json_object_object_get_ex(obj, f->key, &v) || !v) && f->optional) {
            continue;
        }
        if (!json_object_object_get_ex(obj, f->key, &v) || !v) {
            util_seterr(err, errlen, "%s: missing key '%s%s'", what, prefix, f->key);
            return -1;
        }
        if (f->type == AGENTMSG_F_OBJ) {
            if (!json_object_is_type(v, json_type_object)) {
                util_seterr(err, errlen, "%s: key '%s%s' is not an object", what, prefix, f->key);
                return -1;
            }
            snprintf(sub, sizeof(sub), "%s%s.", prefix, f->key);
            if (agentmsg_fill(v, f->sub, f->nsub, base + f->off, what, sub, err, errlen) < 0) {
                return -1;
            }
            continue;
        }
        if (agentmsg_store(v, f, base, &why) < 0) {
            util_seterr(err, errlen, "%s: key '%s%s' %s", what, prefix, f->key, why);
            return -1;
        }
    }
    return 0;
}

/* Parse the JSON object of a READY/RESULT/ERROR line. NULL with err on failure. */
static struct json_object *agentmsg_json(const char *s, size_t n, const char *what, char *err,
                                         size_t errlen)
{
    struct json_tokener *tok = NULL;
    struct json_object *obj = NULL;
    enum json_tokener_error jerr;
    char ex[4 * AGENTMSG_EXCERPT_MAX + 4];
    size_t end;

    if (n == 0) {
        util_seterr(err, errlen, "%s: no JSON object", what);
        goto fail;
    }
    if (memchr(s, '\0', n)) {
        util_seterr(err, errlen, "%s: NUL byte in the message", what);
        goto fail;
    }
    tok = json_tokener_new_ex(AGENTMSG_JSON_DEPTH);
    if (!tok) {
        util_seterr(err, errlen, "%s: out of memory", what);
        goto fail;
    }
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    obj = json_tokener_parse_ex(tok, s, (int)n);
    jerr = json_tokener_get_error(tok);
    if (!obj) {
        if (jerr == json_tokener_continue) {
            util_seterr(err, errlen, "%s: truncated JSON (%zu bytes)", what, n);
        } else {
            end = json_tokener_get_parse_end(tok);
            end = end < n ? end : n;
            agentmsg_excerpt(ex, sizeof(ex), s + end, n - end);
            util_seterr(err, errlen, "%s: invalid JSON at byte %zu (%s): '%s'", what, end,
                        json_tokener_error_desc(jerr), ex);
        }
        goto fail;
    }
    end = json_tokener_get_parse_end(tok);
    while (end < n && (s[end] == ' ' || s[end] == '\t')) {
        end++;
    }
    if (end < n) {
        agentmsg_excerpt(ex, sizeof(ex), s + end, n - end);
        util_seterr(err, errlen, "%s: trailing data after the JSON object: '%s'", what, ex);
        goto fail;
    }
    if (!json_object_is_type(obj, json_type_object)) {
        util_seterr(err, errlen, "%s: payload is not a JSON object", what);
        goto fail;
    }
    json_tokener_free(tok);
    return obj;
fail:
    json_object_put(obj);
    if (tok) {
        json_tokener_free(tok);
    }
    return NULL;
}

/* ---- parsing lines ------------------------------------------------------------------------- */

static int agentmsg_is_word(const char *s, size_t n, const char *word)
{
    return n == strlen(word) && memcmp(s, word, n) == 0;
}

int agentmsg_parse(const char *line, size_t len, struct agentmsg *out, char *err, size_t errlen)
{
    char ex[4 * AGENTMSG_EXCERPT_MAX + 4];
    const struct agentmsg_field *fields;
    size_t nfields;
    struct json_object *obj = NULL;
    const char *type;
    const char *rest;
    const char *sp;
    size_t tlen;
    size_t rlen;
    size_t n;
    size_t i;
    char *base;
    int rc = -1;

    if (err && errlen > 0) {
        err[0] = '\0';
    }
    if (!line || !out) {
        util_seterr(err, errlen, "no line");
        return -1;
    }
    memset(out, 0, sizeof(*out));
    if (len > PVB_LINE_MAX) {
        util_seterr(err, errlen, "line too long (%zu bytes, limit %d)", len, PVB_LINE_MAX);
        return -1;
    }
    /* Tolerate the line end if the caller left it, and a tty's "\r\n". */
    if (len > 0 && line[len - 1] == '\n') {
        len--;
    }
    if (len > 0 && line[len - 1] == '\r') {
        len--;
    }

    /* The tag: "PVB1", then one space. */
    sp = memchr(line, ' ', len);
    tlen = sp ? (size_t)(sp - line) : len;
    if (!agentmsg_is_word(line, tlen, PVB_PROTO_TAG)) {
        for (i = 3; i < tlen && line[i] >= '0' && line[i] <= '9'; i++) {
        }
        if (tlen > 3 && i == tlen && memcmp(line, "PVB", 3) == 0) {
            agentmsg_excerpt(ex, sizeof(ex), line, tlen);
            util_seterr(err, errlen, "unsupported protocol version '%s' (expected %s)", ex,
                        PVB_PROTO_TAG);
        } else {
            agentmsg_excerpt(ex, sizeof(ex), line, len);
            util_seterr(err, errlen, "not a pvbench message: '%s'", ex);
        }
        return -1;
    }
    if (!sp) {
        util_seterr(err, errlen, "%s line without a message type", PVB_PROTO_TAG);
        return -1;
    }

    /* The type word, then the payload after one space (may be empty). */
    type = sp + 1;
    n = len - (size_t)(type - line);
    sp = memchr(type, ' ', n);
    tlen = sp ? (size_t)(sp - type) : n;
    rest = sp ? sp + 1 : type + tlen;
    rlen = len - (size_t)(rest - line);

    if (agentmsg_is_word(type, tlen, PVB_MSG_LOG)) {
        out->type = AGENTMSG_LOG;
        n = rlen < sizeof(out->u.log) ? rlen : sizeof(out->u.log) - 1;
        agentmsg_clean(out->u.log, rest, n, 0);
        return 0;
    }
    if (agentmsg_is_word(type, tlen, PVB_MSG_READY)) {
        out->type = AGENTMSG_READY;
        fields = agentmsg_ready_fields;
        nfields = AGENTMSG_N(agentmsg_ready_fields);
        base = (char *)&out->u.ready;
    } else if (agentmsg_is_word(type, tlen, PVB_MSG_RESULT)) {
        out->type = AGENTMSG_RESULT;
        fields = agentmsg_result_fields;
        nfields = AGENTMSG_N(agentmsg_result_fields);
        base = (char *)&out->u.result;
    } else if (agentmsg_is_word(type, tlen, PVB_MSG_ERROR)) {
        out->type = AGENTMSG_ERROR;
        fields = agentmsg_error_fields;
        nfields = AGENTMSG_N(agentmsg_error_fields);
        base = (char *)out;
    } else if (agentmsg_is_word(type, tlen, PVB_MSG_JOB) ||
               agentmsg_is_word(type, tlen, PVB_MSG_QUIT)) {
        agentmsg_excerpt(ex, sizeof(ex), type, tlen);
        util_seterr(err, errlen, "'%s' is a host message, not one an agent sends", ex);
        return -1;
    } else {
        agentmsg_excerpt(ex, sizeof(ex), type, tlen);
        util_seterr(err, errlen, "unknown message type '%s'", ex);
        return -1;
    }

    /* type is one of our own words now: safe to print as is. */
    snprintf(ex, sizeof(ex), "%.*s", (int)tlen, type);
    obj = agentmsg_json(rest, rlen, ex, err, errlen);
    if (!obj) {
        goto out;
    }
    if (agentmsg_fill(obj, fields, nfields, base, ex, "", err, errlen) < 0) {
        goto out;
    }
    rc = 0;
out:
    json_object_put(obj);
    if (rc < 0) {
        memset(out, 0, sizeof(*out));
    }
    return rc;
}

/* ---- plausibility -------------------------------------------------------------------------- */

int agentmsg_check_result(const struct agent_result *r, const struct agent_job *job, char *err,
                          size_t errlen)
{
    static const char *const lat_names[] = {"min", "p50", "p90", "p99", "p999", "max"};
    double lat[6];
    double asked, hi;
    double cpu;
    double rate;
    int i;

    if (err && errlen > 0) {
        err[0] = '\0';
    }
    if (!r || !job || !job->workload) {
        util_seterr(err, errlen, "no result or no job to check it against");
        return -1;
    }
    if (r->job != job->id) {
        util_seterr(err, errlen, "result is for job %u, expected job %u", r->job, job->id);
        return -1;
    }
    if (strcmp(r->workload, job->workload) != 0) {
        util_seterr(err, errlen, "result is for workload '%s', expected '%s'", r->workload,
                    job->workload);
        return -1;
    }
    if ((r->numjobs > 1 ? r->numjobs : 1) != (job->numjobs > 1 ? job->numjobs : 1)) {
        util_seterr(err, errlen, "result of %u submitters, the job asked numjobs=%u",
                    r->numjobs > 1 ? r->numjobs : 1, job->numjobs > 1 ? job->numjobs : 1);
        return -1;
    }
    if ((r->streams > 1 ? r->streams : 1) != (job->streams > 1 ? job->streams : 1)) {
        util_seterr(err, errlen, "result of %u streams, the job asked streams=%u",
                    r->streams > 1 ? r->streams : 1, job->streams > 1 ? job->streams : 1);
        return -1;
    }
    asked = job->runtime_ms / 1000.0;
    hi = asked > 0.0 ? 2.0 * asked + AGENTMSG_RUNTIME_SLACK_S : 0.0;
    /* The interval ends at the first completion after it: on a starved host (TCG, load 5 on
     * 2 CPUs) a slow emulated disk's last request has been seen to stretch 0.5 s to 3 s. */
    if (!(r->runtime_s > 0.0) || !(r->runtime_s >= 0.5 * asked) ||
        !(r->runtime_s <= hi)) {
        util_seterr(err, errlen, "runtime %.3f s outside [%.3f, %.3f] s (job asked %u ms)",
                    r->runtime_s, 0.5 * asked, hi, job->runtime_ms);
        return -1;
    }
    if (r->ops > r->ops_total) {
        util_seterr(err, errlen,
                    "ops %llu > ops_total %llu (the measured interval is part "
                    "of the total)",
                    (unsigned long long)r->ops, (unsigned long long)r->ops_total);
        return -1;
    }

    lat[0] = r->lat_us.min;
    lat[1] = r->lat_us.p50;
    lat[2] = r->lat_us.p90;
    lat[3] = r->lat_us.p99;
    lat[4] = r->lat_us.p999;
    lat[5] = r->lat_us.max;
    for (i = 0; i < 6; i++) {
        if (!isfinite(lat[i]) || lat[i] < 0.0) {
            util_seterr(err, errlen, "latency %s is not a non-negative number", lat_names[i]);
            return -1;
        }
        if (i > 0 && !(lat[i - 1] <= lat[i])) {
            util_seterr(err, errlen, "latency percentiles out of order: %s %.6g > %s %.6g",
                        lat_names[i - 1], lat[i - 1], lat_names[i], lat[i]);
            return -1;
        }
    }
    if (!(r->lat_us.mean >= r->lat_us.min && r->lat_us.mean <= r->lat_us.max)) {
        util_seterr(err, errlen, "latency mean %.6g outside [min %.6g, max %.6g]", r->lat_us.mean,
                    r->lat_us.min, r->lat_us.max);
        return -1;
    }

    cpu = r->cpu_pct.user + r->cpu_pct.nice + r->cpu_pct.system + r->cpu_pct.irq +
          r->cpu_pct.softirq + r->cpu_pct.iowait + r->cpu_pct.idle + r->cpu_pct.steal;
    if (!(cpu >= 95.0 && cpu <= 105.0)) {
        util_seterr(err, errlen, "CPU shares sum to %.2f%%, expected 100 +- 5", cpu);
        return -1;
    }

    rate = (double)r->bytes / r->runtime_s / (1024.0 * 1024.0);
    if (!(rate <= AGENTMSG_MAX_MIB_S)) {
        util_seterr(err, errlen, "throughput %.6g MiB/s above the plausible %.6g MiB/s", rate,
                    AGENTMSG_MAX_MIB_S);
        return -1;
    }
    rate = (double)r->ops / r->runtime_s;
    if (!(rate <= AGENTMSG_MAX_IOPS)) {
        util_seterr(err, errlen, "%.6g operations/s above the plausible %.6g", rate,
                    AGENTMSG_MAX_IOPS);
        return -1;
    }
    return 0;
}
