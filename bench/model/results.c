/*
 * The run folder: samples.csv (written whole and atomically after every
 * sample, read back tolerantly on resume or report), summary.csv and
 * summary.json, and the atomic-write helper they share.
 */
#include "results.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "log.h"

/* Longest samples.csv line accepted (a longer one is a bad row, not a larger buffer). */
#define RESULTS_LINE_MAX 4096
#define RESULTS_SAMPLE_COLS_V1 9 /* before the host column */
#define RESULTS_SAMPLE_COLS_V2 10 /* before the boot column */
#define RESULTS_SAMPLE_COLS 11
/* Room for any struct text field once quoted: every char doubled, two quotes, NUL. */
#define RESULTS_QUOTED_MAX (2 * 48 + 3)

/* ---- a growable text buffer ---------------------------------------------------------------- */

struct results_buf {
    char *p;
    size_t len, cap;
};

static int results_buf_printf(struct results_buf *b, const char *fmt, ...) PVB_PRINTF(2, 3);

/* Append formatted text. 0, or -1 with errno set (ENOMEM, EOVERFLOW). */
static int results_buf_printf(struct results_buf *b, const char *fmt, ...)
{
    va_list ap;
    int n;
    size_t need;
    size_t ncap;
    char *np;

    va_start(ap, fmt);
    n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        errno = EOVERFLOW;
        return -1;
    }
    if (b->p && (size_t)n < b->cap - b->len) {
        b->len += (size_t)n;
        return 0;
    }
    need = b->len + (size_t)n + 1;
    ncap = b->cap ? b->cap : 1024;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2) {
            errno = ENOMEM;
            return -1;
        }
        ncap *= 2;
    }
    np = realloc(b->p, ncap);
    if (!np) {
        errno = ENOMEM;
        return -1;
    }
    b->p = np;
    b->cap = ncap;
    va_start(ap, fmt);
    n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= b->cap - b->len) {
        errno = EOVERFLOW;
        return -1;
    }
    b->len += (size_t)n;
    return 0;
}

/* ---- atomic file writes -------------------------------------------------------------------- */

/* Write all of data, resuming after signals and short writes. 0 or -1 with errno. */
static int results_write_all(int fd, const char *data, size_t len)
{
    ssize_t w;

    while (len > 0) {
        w = write(fd, data, len);
        if (w < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -1;
        }
        if (w == 0) {
            errno = ENOSPC; /* no progress and no error: treat as a full device */
            return -1;
        }
        data += w;
        len -= (size_t)w;
    }
    return 0;
}

/* fsync the folder that holds path, so the rename itself survives a crash. */
static int results_sync_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = NULL;
    int fd = -1;
    int rc = -1;
    int saved;

    if (!slash) {
        dir = strdup(".");
    } else if (slash == path) {
        dir = strdup("/");
    } else {
        dir = strndup(path, (size_t)(slash - path));
    }
    if (!dir) {
        errno = ENOMEM;
        goto out;
    }
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        goto out;
    }
    if (fsync(fd) < 0 && errno != EINVAL) {
        /* EINVAL: the filesystem cannot sync folders; nothing more can be done. */
        goto out;
    }
    rc = 0;
out:
    saved = errno;
    if (fd >= 0) {
        close(fd);
    }
    free(dir);
    errno = saved;
    return rc;
}

int results_write_atomic(const char *path, const void *data, size_t len)
{
    char *tmp = NULL;
    size_t plen;
    int fd = -1;
    int created = 0;
    int saved;
    int rc = -1;

    if (!path || !*path || (!data && len > 0)) {
        errno = EINVAL;
        return -1;
    }
    plen = strlen(path);
    tmp = malloc(plen + sizeof(".tmp"));
    if (!tmp) {
        errno = ENOMEM;
        return -1;
    }
    memcpy(tmp, path, plen);
    memcpy(tmp + plen, ".tmp", sizeof(".tmp"));

    /* O_NOFOLLOW: a stale "<file>.tmp" symlink must not redirect the write. */
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) {
        goto fail;
    }
    created = 1;
    if (results_write_all(fd, data, len) < 0) {
        goto fail;
    }
    if (fsync(fd) < 0) {
        goto fail;
    }
    if (close(fd) < 0) {
        fd = -1;
        goto fail;
    }
    fd = -1;
    if (rename(tmp, path) < 0) {
        goto fail;
    }
    created = 0;
    /*
     * The new content is in place; a failure here only means the rename may not
     * survive a power cut, which the caller still has to hear about.
     */
    if (results_sync_dir(path) < 0) {
        goto fail;
    }
    rc = 0;
    goto out;
fail:
    saved = errno;
    if (fd >= 0) {
        close(fd);
    }
    if (created) {
        unlink(tmp);
    }
    errno = saved;
out:
    free(tmp);
    return rc;
}

/* ---- CSV fields ---------------------------------------------------------------------------- */

void results_host_label(char *out, size_t outlen, const char *name)
{
    size_t o = 0;

    if (!out || outlen == 0) {
        return;
    }
    for (; name && *name && o + 1 < outlen && o < RESULTS_HOST_MAX; name++) {
        unsigned char c = (unsigned char)*name;
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '.' || c == '_' || c == '-';

        out[o++] = ok ? (char)c : '-';
    }
    out[o] = '\0';
    if (o == 0 || strcmp(out, ".") == 0 || strcmp(out, "..") == 0) {
        snprintf(out, outlen, "unknown");
    }
}

void results_csv_field(char *out, size_t outlen, const char *s)
{
    size_t o = 0;
    size_t need;

    if (!out || outlen == 0) {
        return;
    }
    if (!s) {
        s = "";
    }
    if (!strpbrk(s, ",\"\n\r")) {
        snprintf(out, outlen, "%s", s);
        return;
    }
    if (outlen < 3) {
        out[0] = '\0';
        return;
    }
    /* Too small a buffer cuts the text but always yields a well-formed quoted field. */
    out[o++] = '"';
    for (; *s; s++) {
        need = *s == '"' ? 2 : 1;
        if (o + need + 2 > outlen) {
            break;
        }
        if (*s == '"') {
            out[o++] = '"';
        }
        out[o++] = *s;
    }
    out[o++] = '"';
    out[o] = '\0';
}

/* ---- sample sets --------------------------------------------------------------------------- */

int samples_add(struct sample_set *set, const struct sample *s)
{
    struct sample *nv;
    size_t ncap;

    if (set->n == set->cap) {
        ncap = set->cap ? set->cap * 2 : 64;
        if (ncap < set->cap || ncap > SIZE_MAX / sizeof(*nv)) {
            errno = ENOMEM;
            return -1;
        }
        nv = realloc(set->v, ncap * sizeof(*nv));
        if (!nv) {
            errno = ENOMEM;
            return -1;
        }
        set->v = nv;
        set->cap = ncap;
    }
    set->v[set->n++] = *s;
    return 0;
}

void samples_free(struct sample_set *set)
{
    if (!set) {
        return;
    }
    free(set->v);
    set->v = NULL;
    set->n = 0;
    set->cap = 0;
}

int samples_has_cell(const struct sample_set *set, const char *config, const char *workload,
                     unsigned rep)
{
    size_t i;

    for (i = 0; i < set->n; i++) {
        if (set->v[i].rep == rep && strcmp(set->v[i].config, config) == 0 &&
            strcmp(set->v[i].workload, workload) == 0) {
            return 1;
        }
    }
    return 0;
}

/*
 * A text field can be written to samples.csv: NUL-terminated inside its member
 * and free of line breaks (the reader is line based, so it could not read them back).
 */
static int results_text_ok(const char *f, size_t size)
{
    size_t n = strnlen(f, size);

    return n < size && !memchr(f, '\n', n) && !memchr(f, '\r', n);
}

/* The seven label columns samples.csv and summary.csv begin with, quoted, each with its ','. */
static int results_buf_labels(struct results_buf *b, const char *config, const char *device,
                              const char *class_, const char *kind, const char *workload,
                              const char *metric, const char *unit)
{
    const char *label[7] = {config, device, class_, kind, workload, metric, unit};
    char q[RESULTS_QUOTED_MAX];
    unsigned i;

    for (i = 0; i < 7; i++) {
        results_csv_field(q, sizeof(q), label[i]);
        if (results_buf_printf(b, "%s,", q) < 0) {
            return -1;
        }
    }
    return 0;
}

/* A text column (host), quoted when it must be, followed by end (",", "\n"). */
static int results_buf_field(struct results_buf *b, const char *text, const char *end)
{
    char q[RESULTS_QUOTED_MAX];

    results_csv_field(q, sizeof(q), text);
    return results_buf_printf(b, "%s%s", q, end);
}

int samples_write_csv(const char *path, const struct sample_set *set)
{
    struct results_buf b = {0};
    const struct sample *s;
    size_t i;
    int saved;
    int rc = -1;

    if (results_buf_printf(&b, "%s\n", RESULTS_SAMPLES_HEADER) < 0) {
        goto out;
    }
    for (i = 0; i < set->n; i++) {
        s = &set->v[i];
        if (!results_text_ok(s->config, sizeof(s->config)) ||
            !results_text_ok(s->device, sizeof(s->device)) ||
            !results_text_ok(s->class_, sizeof(s->class_)) ||
            !results_text_ok(s->kind, sizeof(s->kind)) ||
            !results_text_ok(s->workload, sizeof(s->workload)) ||
            !results_text_ok(s->metric, sizeof(s->metric)) ||
            !results_text_ok(s->unit, sizeof(s->unit)) ||
            !results_text_ok(s->host, sizeof(s->host)) || !isfinite(s->value)) {
            errno = EINVAL;
            goto out;
        }
        if (results_buf_labels(&b, s->config, s->device, s->class_, s->kind, s->workload, s->metric,
                               s->unit) < 0 ||
            results_buf_printf(&b, "%u,%.9g,", s->rep, s->value) < 0 ||
            results_buf_field(&b, s->host, ",") < 0 || results_buf_printf(&b, "%u\n", s->boot) < 0) {
            goto out;
        }
    }
    rc = results_write_atomic(path, b.p, b.len);
out:
    saved = errno;
    free(b.p);
    errno = saved;
    return rc;
}

/* ---- reading samples.csv ------------------------------------------------------------------- */

enum {
    RESULTS_LINE_TOO_LONG = 1 << 0,
    RESULTS_LINE_NO_NEWLINE = 1 << 1,
    RESULTS_LINE_NUL = 1 << 2,
};

/*
 * Read one line (without '\n') into buf, at most cap - 1 bytes; the rest of a
 * longer line is consumed and flagged. Returns 1 for a line, 0 at end of file,
 * -1 on a read error.
 */
static int results_read_line(FILE *f, char *buf, size_t cap, size_t *len, unsigned *flags)
{
    int c;
    size_t n = 0;
    int any = 0;

    *flags = 0;
    for (;;) {
        c = getc(f);
        if (c == EOF) {
            if (ferror(f)) {
                return -1;
            }
            if (!any) {
                return 0;
            }
            *flags |= RESULTS_LINE_NO_NEWLINE;
            break;
        }
        any = 1;
        if (c == '\n') {
            break;
        }
        if (c == '\0') {
            *flags |= RESULTS_LINE_NUL;
        }
        if (n + 1 < cap) {
            buf[n++] = (char)c;
        } else {
            *flags |= RESULTS_LINE_TOO_LONG;
        }
    }
    buf[n] = '\0';
    *len = n;
    return 1;
}

/*
 * Split a CSV line into fields, decoding quotes, into store (at least len + 1
 * bytes). Fields past max are counted but not kept. 0, or -1 with a reason.
 */
static int results_split(const char *line, size_t len, char *store, char **fields, unsigned max,
                         unsigned *nf, const char **why)
{
    const char *p = line;
    const char *end = line + len;
    char *o = store; /* end of the kept fields; fields past max are decoded here, then dropped */
    char *w;

    *nf = 0;
    for (;;) {
        w = o;
        if (*nf < max) {
            fields[*nf] = w;
        }
        if (p < end && *p == '"') {
            p++;
            for (;;) {
                if (p == end) {
                    *why = "unterminated quoted field";
                    return -1;
                }
                if (*p == '"') {
                    if (p + 1 < end && p[1] == '"') {
                        *w++ = '"';
                        p += 2;
                        continue;
                    }
                    p++;
                    break;
                }
                *w++ = *p++;
            }
            if (p < end && *p != ',') {
                *why = "text after the closing quote of a field";
                return -1;
            }
        } else {
            while (p < end && *p != ',') {
                if (*p == '"') {
                    *why = "quote inside an unquoted field";
                    return -1;
                }
                *w++ = *p++;
            }
        }
        *w++ = '\0';
        if (*nf < max) {
            o = w;
        }
        (*nf)++;
        if (p == end) {
            break;
        }
        p++; /* the comma */
    }
    return 0;
}

/* Copy a text field into a member of size size, or say why it does not fit. */
static int results_copy_field(char *dst, size_t size, const char *src, const char *name, char *why,
                              size_t whylen)
{
    size_t n = strlen(src);

    if (n >= size) {
        snprintf(why, whylen, "%s longer than %zu characters", name, size - 1);
        return -1;
    }
    memcpy(dst, src, n + 1);
    return 0;
}

static const char *results_skip_space(const char *s)
{
    while (*s == ' ' || *s == '\t') {
        s++;
    }
    return s;
}

/* A non-negative decimal integer that fits unsigned, blanks around it allowed. */
static int results_parse_uint(const char *s, unsigned *out)
{
    unsigned long long v = 0;
    const char *p = results_skip_space(s);

    if (*p < '0' || *p > '9') {
        return -1;
    }
    while (*p >= '0' && *p <= '9') {
        v = v * 10 + (unsigned long long)(*p - '0');
        if (v > UINT32_MAX) {
            return -1;
        }
        p++;
    }
    if (*results_skip_space(p) != '\0') {
        return -1;
    }
    *out = (unsigned)v;
    return 0;
}

/* A finite floating-point number, blanks around it allowed. */
static int results_parse_double(const char *s, double *out)
{
    const char *p = results_skip_space(s);
    char *end;
    double v;

    if (*p == '\0') {
        return -1;
    }
    errno = 0;
    v = strtod(p, &end);
    if (end == p || *results_skip_space(end) != '\0' || !isfinite(v)) {
        return -1;
    }
    if (errno == ERANGE && v != 0.0) {
        return -1; /* overflow; an underflow to a tiny value is still a number */
    }
    *out = v;
    return 0;
}

/* Short printable excerpt of a local file's text for an error message. */
static void results_excerpt(char *out, size_t outlen, const char *s, size_t max)
{
    size_t i;

    for (i = 0; i + 1 < outlen && i < max && s[i]; i++) {
        out[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
    }
    out[i] = '\0';
}

/*
 * Turn one decoded line into a sample, or write why not into why. cols: the columns the
 * header announced (RESULTS_SAMPLE_COLS_V1 without the host column, _V2 without the boot
 * column, RESULTS_SAMPLE_COLS).
 */
static int results_parse_row(char **f, unsigned nf, unsigned cols, struct sample *s, char *why,
                             size_t whylen)
{
    char ex[24];

    memset(s, 0, sizeof(*s));
    if (nf != cols) {
        snprintf(why, whylen, "%u columns, expected %u", nf, cols);
        return -1;
    }
    if (results_copy_field(s->config, sizeof(s->config), f[0], "config", why, whylen) < 0 ||
        results_copy_field(s->device, sizeof(s->device), f[1], "device", why, whylen) < 0 ||
        results_copy_field(s->class_, sizeof(s->class_), f[2], "class", why, whylen) < 0 ||
        results_copy_field(s->kind, sizeof(s->kind), f[3], "kind", why, whylen) < 0 ||
        results_copy_field(s->workload, sizeof(s->workload), f[4], "workload", why, whylen) < 0 ||
        results_copy_field(s->metric, sizeof(s->metric), f[5], "metric", why, whylen) < 0 ||
        results_copy_field(s->unit, sizeof(s->unit), f[6], "unit", why, whylen) < 0) {
        return -1;
    }
    if (results_parse_uint(f[7], &s->rep) < 0) {
        results_excerpt(ex, sizeof(ex), f[7], 20);
        snprintf(why, whylen, "rep '%s' is not a non-negative integer", ex);
        return -1;
    }
    if (results_parse_double(f[8], &s->value) < 0) {
        results_excerpt(ex, sizeof(ex), f[8], 20);
        snprintf(why, whylen, "value '%s' is not a finite number", ex);
        return -1;
    }
    if (cols > RESULTS_SAMPLE_COLS_V1 &&
        results_copy_field(s->host, sizeof(s->host), f[9], "host", why, whylen) < 0) {
        return -1;
    }
    if (cols > RESULTS_SAMPLE_COLS_V2 && results_parse_uint(f[10], &s->boot) < 0) {
        results_excerpt(ex, sizeof(ex), f[10], 20);
        snprintf(why, whylen, "boot '%s' is not a non-negative integer", ex);
        return -1;
    }
    return 0;
}

int samples_read_csv(const char *path, struct sample_set *set, unsigned *bad, char *err,
                     size_t errlen)
{
    char line[RESULTS_LINE_MAX + 1];
    char store[RESULTS_LINE_MAX + 2];
    char *fields[RESULTS_SAMPLE_COLS];
    char why[128];
    char ex[64];
    struct sample s;
    const char *why_split;
    const char *text;
    size_t n0 = set->n;
    size_t len = 0;
    unsigned flags;
    unsigned nf;
    unsigned lineno = 0;
    unsigned nbad = 0;
    unsigned cols = RESULTS_SAMPLE_COLS;
    char dummy[1];
    FILE *f = NULL;
    int r;
    int saved;
    int rc = -1;

    if (!err || errlen == 0) {
        err = dummy;
        errlen = sizeof(dummy);
    }
    err[0] = '\0';
    if (bad) {
        *bad = 0;
    }
    f = fopen(path, "re");
    if (!f) {
        saved = errno;
        snprintf(err, errlen, "%s: %s", path, strerror(saved));
        errno = saved;
        goto out;
    }

    /* The header: the only line that is fatal when wrong (it is the format's version). */
    r = results_read_line(f, line, sizeof(line), &len, &flags);
    if (r < 0) {
        goto read_error;
    }
    if (r == 0) {
        snprintf(err, errlen, "%s: empty file, expected the header '%s'", path,
                 RESULTS_SAMPLES_HEADER);
        errno = EINVAL;
        goto out;
    }
    lineno = 1;
    text = line;
    if (len >= 3 && memcmp(line, "\xef\xbb\xbf", 3) == 0) {
        text += 3; /* a byte-order mark left by a spreadsheet */
        len -= 3;
    }
    if (len > 0 && text[len - 1] == '\r') {
        len--;
    }
    if (!(flags & (RESULTS_LINE_TOO_LONG | RESULTS_LINE_NUL)) &&
        len == strlen(RESULTS_SAMPLES_HEADER_V1) &&
        memcmp(text, RESULTS_SAMPLES_HEADER_V1, len) == 0) {
        cols = RESULTS_SAMPLE_COLS_V1; /* written before the host column: hosts stay "" */
    } else if (!(flags & (RESULTS_LINE_TOO_LONG | RESULTS_LINE_NUL)) &&
               len == strlen(RESULTS_SAMPLES_HEADER_V2) &&
               memcmp(text, RESULTS_SAMPLES_HEADER_V2, len) == 0) {
        cols = RESULTS_SAMPLE_COLS_V2; /* written before the boot column: boots stay 0 */
    } else if ((flags & (RESULTS_LINE_TOO_LONG | RESULTS_LINE_NUL)) ||
               len != strlen(RESULTS_SAMPLES_HEADER) ||
               memcmp(text, RESULTS_SAMPLES_HEADER, len) != 0) {
        results_excerpt(ex, sizeof(ex), text, len);
        snprintf(err, errlen, "%s:1: not a pvbench samples file: header '%s', expected '%s'", path,
                 ex, RESULTS_SAMPLES_HEADER);
        errno = EINVAL;
        goto out;
    }

    for (;;) {
        r = results_read_line(f, line, sizeof(line), &len, &flags);
        if (r < 0) {
            goto read_error;
        }
        if (r == 0) {
            break;
        }
        lineno++;
        if (len > 0 && line[len - 1] == '\r' && !(flags & RESULTS_LINE_TOO_LONG)) {
            line[--len] = '\0';
        }
        if (len == 0 && !(flags & (RESULTS_LINE_TOO_LONG | RESULTS_LINE_NUL))) {
            continue; /* blank line */
        }
        why[0] = '\0';
        if (flags & RESULTS_LINE_TOO_LONG) {
            snprintf(why, sizeof(why), "line longer than %d bytes", RESULTS_LINE_MAX);
        } else if (flags & RESULTS_LINE_NUL) {
            snprintf(why, sizeof(why), "NUL byte in line");
        } else if (flags & RESULTS_LINE_NO_NEWLINE) {
            /* A crash mid-write can cut "1.2345" to "1.2": never trust a cut line. */
            snprintf(why, sizeof(why), "truncated line (no newline at end of file)");
        } else if (results_split(line, len, store, fields, RESULTS_SAMPLE_COLS, &nf, &why_split) <
                   0) {
            snprintf(why, sizeof(why), "%s", why_split);
        } else if (results_parse_row(fields, nf, cols, &s, why, sizeof(why)) == 0) {
            if (samples_add(set, &s) < 0) {
                snprintf(err, errlen, "%s: out of memory", path);
                errno = ENOMEM;
                goto out;
            }
            continue;
        }
        if (nbad == 0) {
            snprintf(err, errlen, "%s:%u: %s", path, lineno, why);
        }
        nbad++;
    }
    if (bad) {
        *bad = nbad;
    }
    rc = 0;
    goto out;
read_error:
    saved = errno;
    snprintf(err, errlen, "%s: read error: %s", path, strerror(saved));
    errno = saved;
out:
    saved = errno;
    if (f) {
        fclose(f);
    }
    if (rc < 0) {
        set->n = n0; /* a failed read adds nothing */
    }
    errno = saved;
    return rc;
}

/* ---- summaries ----------------------------------------------------------------------------- */

void summary_free(struct summary_set *set)
{
    if (!set) {
        return;
    }
    free(set->v);
    set->v = NULL;
    set->n = 0;
    set->cap = 0;
}

const struct summary_row *summary_find(const struct summary_set *set, const char *config,
                                       const char *workload, const char *metric)
{
    size_t i;

    for (i = 0; i < set->n; i++) {
        if (strcmp(set->v[i].config, config) == 0 && strcmp(set->v[i].workload, workload) == 0 &&
            strcmp(set->v[i].metric, metric) == 0) {
            return &set->v[i];
        }
    }
    return NULL;
}

static int results_same_group(const struct summary_row *g, const struct sample *s)
{
    return strcmp(g->config, s->config) == 0 && strcmp(g->workload, s->workload) == 0 &&
           strcmp(g->metric, s->metric) == 0;
}

/*
 * Groups in first-seen order. Each sample gets its group index, values are laid
 * out group after group (a counting sort), and each run is summarized.
 */
int summary_compute(const struct sample_set *samples, uint64_t seed, struct summary_set *out)
{
    struct summary_set res = {0};
    struct summary_row *g;
    size_t *gid = NULL;
    size_t *start = NULL;
    size_t *fill = NULL;
    double *vals = NULL;
    size_t last = 0;
    size_t i;
    size_t k;
    int rc = -1;

    memset(out, 0, sizeof(*out));
    if (samples->n == 0) {
        return 0;
    }
    gid = malloc(samples->n * sizeof(*gid));
    vals = malloc(samples->n * sizeof(*vals));
    res.v = calloc(samples->n, sizeof(*res.v)); /* at most one group per sample */
    if (!gid || !vals || !res.v) {
        errno = ENOMEM;
        goto out;
    }
    res.cap = samples->n;
    for (i = 0; i < samples->n; i++) {
        const struct sample *s = &samples->v[i];

        /* Samples usually come grouped: try the last group before searching. */
        if (res.n > 0 && results_same_group(&res.v[last], s)) {
            gid[i] = last;
            continue;
        }
        for (k = 0; k < res.n; k++) {
            if (results_same_group(&res.v[k], s)) {
                break;
            }
        }
        if (k == res.n) {
            g = &res.v[res.n++];
            memcpy(g->config, s->config, sizeof(g->config));
            memcpy(g->device, s->device, sizeof(g->device));
            memcpy(g->class_, s->class_, sizeof(g->class_));
            memcpy(g->kind, s->kind, sizeof(g->kind));
            memcpy(g->workload, s->workload, sizeof(g->workload));
            memcpy(g->metric, s->metric, sizeof(g->metric));
            memcpy(g->unit, s->unit, sizeof(g->unit));
            memcpy(g->host, s->host, sizeof(g->host));
        }
        gid[i] = k;
        last = k;
    }

    start = calloc(res.n + 1, sizeof(*start));
    fill = calloc(res.n, sizeof(*fill));
    if (!start || !fill) {
        errno = ENOMEM;
        goto out;
    }
    for (i = 0; i < samples->n; i++) {
        start[gid[i] + 1]++;
    }
    for (k = 0; k < res.n; k++) {
        start[k + 1] += start[k];
    }
    for (i = 0; i < samples->n; i++) {
        vals[start[gid[i]] + fill[gid[i]]++] = samples->v[i].value;
    }
    for (k = 0; k < res.n; k++) {
        if (stats_summarize(vals + start[k], start[k + 1] - start[k], seed, &res.v[k].st) < 0) {
            errno = ENOMEM;
            goto out;
        }
    }
    *out = res;
    res.v = NULL;
    rc = 0;
out:
    free(res.v);
    free(gid);
    free(start);
    free(fill);
    free(vals);
    return rc;
}

int summary_write_csv(const char *path, const struct summary_set *set)
{
    struct results_buf b = {0};
    const struct summary_row *r;
    size_t i;
    int saved;
    int rc = -1;

    if (results_buf_printf(&b, "%s\n", RESULTS_SUMMARY_HEADER) < 0) {
        goto out;
    }
    for (i = 0; i < set->n; i++) {
        r = &set->v[i];
        if (results_buf_labels(&b, r->config, r->device, r->class_, r->kind, r->workload, r->metric,
                               r->unit) < 0 ||
            results_buf_printf(&b, "%u,%.6g,%.6g,%.6g,", r->st.n, r->st.median, r->st.ci_low,
                               r->st.ci_high) < 0 ||
            results_buf_field(&b, r->host, "\n") < 0) {
            goto out;
        }
    }
    rc = results_write_atomic(path, b.p, b.len);
out:
    saved = errno;
    free(b.p);
    errno = saved;
    return rc;
}

/* ---- summary.json -------------------------------------------------------------------------- */

int results_write_json(const char *path, struct json_object *root)
{
    const char *text;
    char *doc;
    size_t tlen = 0;
    int saved, rc;

    text = json_object_to_json_string_length(
        root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE,
        &tlen);
    doc = text ? malloc(tlen + 1) : NULL;
    if (!doc) {
        errno = ENOMEM;
        return -1;
    }
    memcpy(doc, text, tlen);
    doc[tlen] = '\n';
    rc = results_write_atomic(path, doc, tlen + 1);
    saved = errno;
    free(doc);
    errno = saved;
    return rc;
}

int results_json_add(struct json_object *obj, const char *key, struct json_object *val)
{
    if (!val) {
        return -1;
    }
    if (json_object_object_add(obj, key, val) != 0) {
        json_object_put(val);
        return -1;
    }
    return 0;
}

static int results_json_push(struct json_object *arr, struct json_object *val)
{
    if (!val) {
        return -1;
    }
    if (json_object_array_add(arr, val) != 0) {
        json_object_put(val);
        return -1;
    }
    return 0;
}

/* Add a double as a JSON number with 9 significant digits (null if not finite). */
static int results_json_add_double(struct json_object *obj, const char *key, double v)
{
    char num[32];

    if (!isfinite(v)) {
        return json_object_object_add(obj, key, NULL) != 0 ? -1 : 0;
    }
    snprintf(num, sizeof(num), "%.9g", v);
    return results_json_add(obj, key, json_object_new_double_s(v, num));
}

/* "pct_of_host":{"value","ci95_low","ci95_high"} of a metric object. 0 or -1. */
static int results_json_pct(struct json_object *m, const struct summary_row *r)
{
    struct json_object *p = json_object_new_object();

    if (!p) {
        return -1;
    }
    if (results_json_add_double(p, "value", r->pct) < 0 ||
        results_json_add_double(p, "ci95_low", r->pct_low) < 0 ||
        results_json_add_double(p, "ci95_high", r->pct_high) < 0) {
        json_object_put(p);
        return -1;
    }
    return results_json_add(m, "pct_of_host", p);
}

/* The element of arr whose string member key equals want, or NULL. */
static struct json_object *results_json_find(struct json_object *arr, const char *key,
                                             const char *want)
{
    struct json_object *el;
    struct json_object *v;
    size_t i;
    size_t n = json_object_array_length(arr);

    for (i = 0; i < n; i++) {
        el = json_object_array_get_idx(arr, i);
        if (json_object_object_get_ex(el, key, &v) &&
            strcmp(json_object_get_string(v), want) == 0) {
            return el;
        }
    }
    return NULL;
}

static struct json_object *results_json_metric(const struct summary_row *r)
{
    struct json_object *m = json_object_new_object();

    if (!m) {
        return NULL;
    }
    if (results_json_add(m, "metric", json_object_new_string(r->metric)) < 0 ||
        results_json_add(m, "unit", json_object_new_string(r->unit)) < 0 ||
        results_json_add(m, "n", json_object_new_int64(r->st.n)) < 0 ||
        results_json_add_double(m, "median", r->st.median) < 0 ||
        results_json_add_double(m, "ci95_low", r->st.ci_low) < 0 ||
        results_json_add_double(m, "ci95_high", r->st.ci_high) < 0 ||
        results_json_add_double(m, "cv", r->st.cv) < 0 ||
        (r->has_pct && results_json_pct(m, r) < 0)) {
        json_object_put(m);
        return NULL;
    }
    return m;
}

/* Find or append the config object of row r in configs; NULL on out of memory. */
static struct json_object *results_json_config(struct json_object *configs,
                                               const struct summary_row *r)
{
    struct json_object *c = results_json_find(configs, "config", r->config);

    if (c) {
        return c;
    }
    c = json_object_new_object();
    if (!c) {
        return NULL;
    }
    if (results_json_add(c, "config", json_object_new_string(r->config)) < 0 ||
        results_json_add(c, "device", json_object_new_string(r->device)) < 0 ||
        results_json_add(c, "class", json_object_new_string(r->class_)) < 0 ||
        results_json_add(c, "kind", json_object_new_string(r->kind)) < 0 ||
        results_json_add(c, "host", json_object_new_string(r->host)) < 0 ||
        results_json_add(c, "workloads", json_object_new_array()) < 0) {
        json_object_put(c);
        return NULL;
    }
    if (results_json_push(configs, c) < 0) {
        return NULL;
    }
    return c;
}

/* Find or append the workload object of row r inside config c; NULL on out of memory. */
static struct json_object *results_json_workload(struct json_object *c, const struct summary_row *r)
{
    struct json_object *wls;
    struct json_object *w;

    if (!json_object_object_get_ex(c, "workloads", &wls)) {
        return NULL;
    }
    w = results_json_find(wls, "workload", r->workload);
    if (w) {
        return w;
    }
    w = json_object_new_object();
    if (!w) {
        return NULL;
    }
    if (results_json_add(w, "workload", json_object_new_string(r->workload)) < 0 ||
        results_json_add(w, "metrics", json_object_new_array()) < 0) {
        json_object_put(w);
        return NULL;
    }
    if (results_json_push(wls, w) < 0) {
        return NULL;
    }
    return w;
}

int summary_write_json(const char *path, const struct summary_set *set)
{
    struct json_object *root = NULL;
    struct json_object *configs = NULL;
    struct json_object *c;
    struct json_object *w;
    struct json_object *metrics;
    size_t i;
    int saved;
    int rc = -1;

    errno = ENOMEM; /* every failure below is json-c running out of memory */
    root = json_object_new_object();
    if (!root || results_json_add(root, "format", json_object_new_string("pvbench-summary")) < 0 ||
        results_json_add(root, "version", json_object_new_int(RESULTS_FORMAT_VERSION)) < 0) {
        goto out;
    }
    configs = json_object_new_array();
    if (results_json_add(root, "configs", configs) < 0) {
        goto out;
    }
    for (i = 0; i < set->n; i++) {
        c = results_json_config(configs, &set->v[i]);
        w = c ? results_json_workload(c, &set->v[i]) : NULL;
        if (!w || !json_object_object_get_ex(w, "metrics", &metrics) ||
            results_json_push(metrics, results_json_metric(&set->v[i])) < 0) {
            goto out;
        }
    }
    rc = results_write_json(path, root);
out:
    saved = errno;
    json_object_put(root);
    errno = saved;
    return rc;
}
