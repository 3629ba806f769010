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

#include "csvread.h"
#include "log.h"
#include "util.h"

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

int results_write_atomic(const char *path, const void *data, size_t len)
{
    return util_write_atomic(path, data, len);
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

/* Room for one more element of size in *v (n used of *cap). 0, or -1 with errno ENOMEM. */
static int results_grow(void **v, size_t n, size_t *cap, size_t size)
{
    void *nv;
    size_t ncap;

    if (n < *cap) {
        return 0;
    }
    ncap = *cap ? *cap * 2 : 64;
    if (ncap < *cap || ncap > SIZE_MAX / size) {
        errno = ENOMEM;
        return -1;
    }
    nv = realloc(*v, ncap * size);
    if (!nv) {
        errno = ENOMEM;
        return -1;
    }
    *v = nv;
    *cap = ncap;
    return 0;
}

int samples_add(struct sample_set *set, const struct sample *s)
{
    void *v = set->v;

    if (results_grow(&v, set->n, &set->cap, sizeof(*s)) < 0) {
        return -1;
    }
    set->v = v;
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

/*
 * One of the run folder's tables read row by row: header() checks the header (0, or -1 with
 * err and errno EINVAL), row() takes a decoded row (0 kept, 1 bad with why, -1 out of
 * memory). Bad rows are counted in *bad and the first one named in err. 0 or -1.
 */
struct results_table {
    int (*header)(void *ctx, const struct csvread *c, char *err, size_t errlen);
    int (*row)(void *ctx, char **f, unsigned nf, char *why, size_t whylen);
    void *ctx;
};

static int results_read_table(const char *path, const struct results_table *t, unsigned *bad,
                              char *err, size_t errlen)
{
    struct csvread *c = NULL;
    char why[128];
    unsigned nbad = 0;
    char dummy[1];
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
    c = malloc(sizeof(*c));
    if (!c) {
        snprintf(err, errlen, "%s: out of memory", path);
        errno = ENOMEM;
        return -1;
    }
    if (csvread_open(c, path, err, errlen) < 0) {
        saved = errno;
        free(c);
        errno = saved;
        return -1;
    }
    if (t->header(t->ctx, c, err, errlen) < 0) {
        errno = EINVAL;
        goto out;
    }
    while ((r = csvread_next(c)) != 0) {
        if (r < 0) {
            saved = errno;
            snprintf(err, errlen, "%s: read error: %s", path, strerror(saved));
            errno = saved;
            goto out;
        }
        if (r == 2) {
            snprintf(why, sizeof(why), "%s", c->why);
        } else {
            r = t->row(t->ctx, c->fields, c->nf, why, sizeof(why));
            if (r < 0) {
                snprintf(err, errlen, "%s: out of memory", path);
                errno = ENOMEM;
                goto out;
            }
            if (r == 0) {
                continue;
            }
        }
        if (nbad == 0) {
            snprintf(err, errlen, "%s:%u: %s", path, c->lineno, why);
        }
        nbad++;
    }
    if (bad) {
        *bad = nbad;
    }
    rc = 0;
out:
    saved = errno;
    csvread_close(c);
    free(c);
    errno = saved;
    return rc;
}

/* samples.csv: the set, and the columns its header announced. */
struct results_samples_ctx {
    struct sample_set *set;
    const char *path;
    unsigned cols;
};

/* The header: the only line that is fatal when wrong (it is the format's version). */
static int results_samples_header(void *ctx, const struct csvread *c, char *err, size_t errlen)
{
    struct results_samples_ctx *x = ctx;
    char ex[64];

    if (c->empty) {
        snprintf(err, errlen, "%s: empty file, expected the header '%s'", x->path,
                 RESULTS_SAMPLES_HEADER);
        return -1;
    }
    if (csvread_header_is(c, RESULTS_SAMPLES_HEADER_V1)) {
        x->cols = RESULTS_SAMPLE_COLS_V1; /* written before the host column: hosts stay "" */
        return 0;
    }
    if (csvread_header_is(c, RESULTS_SAMPLES_HEADER_V2)) {
        x->cols = RESULTS_SAMPLE_COLS_V2; /* written before the boot column: boots stay 0 */
        return 0;
    }
    if (!csvread_header_is(c, RESULTS_SAMPLES_HEADER)) {
        results_excerpt(ex, sizeof(ex), c->header, c->header_len);
        snprintf(err, errlen, "%s:1: not a pvbench samples file: header '%s', expected '%s'",
                 x->path, ex, RESULTS_SAMPLES_HEADER);
        return -1;
    }
    x->cols = RESULTS_SAMPLE_COLS;
    return 0;
}

static int results_samples_row(void *ctx, char **f, unsigned nf, char *why, size_t whylen)
{
    struct results_samples_ctx *x = ctx;
    struct sample s;

    if (results_parse_row(f, nf, x->cols, &s, why, whylen) < 0) {
        return 1;
    }
    return samples_add(x->set, &s) < 0 ? -1 : 0;
}

int samples_read_csv(const char *path, struct sample_set *set, unsigned *bad, char *err,
                     size_t errlen)
{
    struct results_samples_ctx x = {set, path, RESULTS_SAMPLE_COLS};
    const struct results_table t = {results_samples_header, results_samples_row, &x};
    size_t n0 = set->n;
    int saved;
    int rc;

    rc = results_read_table(path, &t, bad, err, errlen);
    if (rc < 0) {
        saved = errno;
        set->n = n0; /* a failed read adds nothing */
        errno = saved;
    }
    return rc;
}

/* ---- summaries ----------------------------------------------------------------------------- */

/* Append a copy of *r. 0 or -1 (out of memory). */
static int results_summary_add(struct summary_set *set, const struct summary_row *r)
{
    void *v = set->v;

    if (results_grow(&v, set->n, &set->cap, sizeof(*r)) < 0) {
        return -1;
    }
    set->v = v;
    set->v[set->n++] = *r;
    return 0;
}

/* The columns of summary.csv, by name; the host column may be missing (-1). */
enum {
    RESULTS_SUM_CONFIG,
    RESULTS_SUM_DEVICE,
    RESULTS_SUM_CLASS,
    RESULTS_SUM_KIND,
    RESULTS_SUM_WORKLOAD,
    RESULTS_SUM_METRIC,
    RESULTS_SUM_UNIT,
    RESULTS_SUM_N,
    RESULTS_SUM_MEDIAN,
    RESULTS_SUM_LOW,
    RESULTS_SUM_HIGH,
    RESULTS_SUM_HOST,
    RESULTS_SUM_COLS
};

static const char *const results_sum_names[RESULTS_SUM_COLS] = {
    "config", "device", "class",  "kind",     "workload",  "metric",
    "unit",   "n",      "median", "ci95_low", "ci95_high", "host",
};

/* A number that may also be nan or inf (an interval of one value), blanks around it allowed. */
static int results_parse_number(const char *s, double *out)
{
    const char *p = results_skip_space(s);
    char *end;

    if (*p == '\0') {
        return -1;
    }
    *out = strtod(p, &end);
    return end == p || *results_skip_space(end) != '\0' ? -1 : 0;
}

/* One decoded summary.csv row into r, or why not. */
static int results_parse_summary(char **f, unsigned nf, unsigned cols, const int *col,
                                 struct summary_row *r, char *why, size_t whylen)
{
    char ex[24];

    memset(r, 0, sizeof(*r));
    if (nf != cols) {
        snprintf(why, whylen, "%u columns, expected %u", nf, cols);
        return -1;
    }
    if (results_copy_field(r->config, sizeof(r->config), f[col[RESULTS_SUM_CONFIG]], "config", why,
                           whylen) < 0 ||
        results_copy_field(r->device, sizeof(r->device), f[col[RESULTS_SUM_DEVICE]], "device", why,
                           whylen) < 0 ||
        results_copy_field(r->class_, sizeof(r->class_), f[col[RESULTS_SUM_CLASS]], "class", why,
                           whylen) < 0 ||
        results_copy_field(r->kind, sizeof(r->kind), f[col[RESULTS_SUM_KIND]], "kind", why,
                           whylen) < 0 ||
        results_copy_field(r->workload, sizeof(r->workload), f[col[RESULTS_SUM_WORKLOAD]],
                           "workload", why, whylen) < 0 ||
        results_copy_field(r->metric, sizeof(r->metric), f[col[RESULTS_SUM_METRIC]], "metric", why,
                           whylen) < 0 ||
        results_copy_field(r->unit, sizeof(r->unit), f[col[RESULTS_SUM_UNIT]], "unit", why,
                           whylen) < 0) {
        return -1;
    }
    if (col[RESULTS_SUM_HOST] >= 0 &&
        results_copy_field(r->host, sizeof(r->host), f[col[RESULTS_SUM_HOST]], "host", why,
                           whylen) < 0) {
        return -1;
    }
    if (results_parse_uint(f[col[RESULTS_SUM_N]], &r->st.n) < 0) {
        results_excerpt(ex, sizeof(ex), f[col[RESULTS_SUM_N]], 20);
        snprintf(why, whylen, "n '%s' is not a non-negative integer", ex);
        return -1;
    }
    if (results_parse_double(f[col[RESULTS_SUM_MEDIAN]], &r->st.median) < 0) {
        results_excerpt(ex, sizeof(ex), f[col[RESULTS_SUM_MEDIAN]], 20);
        snprintf(why, whylen, "median '%s' is not a finite number", ex);
        return -1;
    }
    if (results_parse_number(f[col[RESULTS_SUM_LOW]], &r->st.ci_low) < 0 ||
        results_parse_number(f[col[RESULTS_SUM_HIGH]], &r->st.ci_high) < 0) {
        snprintf(why, whylen, "the 95%% interval is not a pair of numbers");
        return -1;
    }
    return 0;
}

/* summary.csv: the set, and where each column is (the header's order). */
struct results_summary_ctx {
    struct summary_set *set;
    const char *path;
    int col[RESULTS_SUM_COLS];
    unsigned ncols;
};

static int results_summary_header(void *ctx, const struct csvread *c, char *err, size_t errlen)
{
    struct results_summary_ctx *x = ctx;
    char ex[64];

    x->ncols = c->ncols;
    for (unsigned k = 0; k < RESULTS_SUM_COLS; k++) {
        x->col[k] = csvread_col(c, results_sum_names[k]);
        if (x->col[k] < 0 && k != RESULTS_SUM_HOST) {
            results_excerpt(ex, sizeof(ex), c->header, c->header_len);
            snprintf(err, errlen, "%s:1: not a pvbench summary file: header '%s', expected '%s'",
                     x->path, ex, RESULTS_SUMMARY_HEADER);
            return -1;
        }
    }
    return 0;
}

static int results_summary_row(void *ctx, char **f, unsigned nf, char *why, size_t whylen)
{
    struct results_summary_ctx *x = ctx;
    struct summary_row r;

    if (results_parse_summary(f, nf, x->ncols, x->col, &r, why, whylen) < 0) {
        return 1;
    }
    return results_summary_add(x->set, &r) < 0 ? -1 : 0;
}

int summary_read_csv(const char *path, struct summary_set *set, unsigned *bad, char *err,
                     size_t errlen)
{
    struct results_summary_ctx x = {.set = set, .path = path};
    const struct results_table t = {results_summary_header, results_summary_row, &x};
    size_t n0 = set->n;
    int saved;
    int rc;

    rc = results_read_table(path, &t, bad, err, errlen);
    if (rc < 0) {
        saved = errno;
        set->n = n0;
        errno = saved;
    }
    return rc;
}

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
