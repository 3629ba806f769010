/*
 * Reading the run folder's CSV files: see csvread.h. The files are pvbench's own, but a
 * reader must survive whatever a crash, a disk-full or a spreadsheet left in them.
 */
#include "csvread.h"

#include <errno.h>
#include <string.h>

enum {
    CSVREAD_TOO_LONG = 1 << 0,
    CSVREAD_NO_NEWLINE = 1 << 1,
    CSVREAD_NUL = 1 << 2,
};

/*
 * Read one line (without '\n') into buf, at most cap - 1 bytes; the rest of a longer line
 * is consumed and flagged. 1 for a line, 0 at end of file, -1 on a read error.
 */
static int csvread_line(FILE *f, char *buf, size_t cap, size_t *len, unsigned *flags)
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
            *flags |= CSVREAD_NO_NEWLINE;
            break;
        }
        any = 1;
        if (c == '\n') {
            break;
        }
        if (c == '\0') {
            *flags |= CSVREAD_NUL;
        }
        if (n + 1 < cap) {
            buf[n++] = (char)c;
        } else {
            *flags |= CSVREAD_TOO_LONG;
        }
    }
    buf[n] = '\0';
    *len = n;
    return 1;
}

/*
 * Split a CSV line into fields, decoding quotes, into store (at least len + 1 bytes).
 * Fields past max are counted but not kept. 0, or -1 with a reason.
 */
static int csvread_split(const char *line, size_t len, char *store, char **fields, unsigned max,
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

int csvread_open(struct csvread *c, const char *path, char *err, size_t errlen)
{
    const char *why;
    unsigned flags;
    size_t len = 0;
    int saved;
    int r;

    memset(c, 0, sizeof(*c));
    c->path = path;
    c->f = fopen(path, "re");
    if (!c->f) {
        saved = errno;
        snprintf(err, errlen, "%s: %s", path, strerror(saved));
        errno = saved;
        return -1;
    }
    r = csvread_line(c->f, c->line, sizeof(c->line), &len, &flags);
    if (r < 0) {
        saved = errno;
        snprintf(err, errlen, "%s: read error: %s", path, strerror(saved));
        csvread_close(c);
        errno = saved;
        return -1;
    }
    if (r == 0) {
        c->empty = 1;
        return 0;
    }
    c->lineno = 1;
    if (len >= 3 && memcmp(c->line, "\xef\xbb\xbf", 3) == 0) {
        /* a byte-order mark left by a spreadsheet */
        memmove(c->line, c->line + 3, len - 3 + 1);
        len -= 3;
    }
    if (len > 0 && c->line[len - 1] == '\r') {
        c->line[--len] = '\0';
    }
    memcpy(c->header, c->line, len + 1);
    c->header_len = len;
    c->header_bad = (flags & (CSVREAD_TOO_LONG | CSVREAD_NUL)) != 0;
    if (!c->header_bad && csvread_split(c->header, len, c->header_store, c->names, CSVREAD_COLS_MAX,
                                        &c->ncols, &why) < 0) {
        c->ncols = 0;
    }
    if (c->ncols > CSVREAD_COLS_MAX) {
        c->ncols = CSVREAD_COLS_MAX;
    }
    return 0;
}

int csvread_header_is(const struct csvread *c, const char *text)
{
    return !c->empty && !c->header_bad && c->header_len == strlen(text) &&
           memcmp(c->header, text, c->header_len) == 0;
}

int csvread_col(const struct csvread *c, const char *name)
{
    for (unsigned i = 0; i < c->ncols; i++) {
        if (strcmp(c->names[i], name) == 0) {
            return (int)i;
        }
    }
    return -1;
}

int csvread_next(struct csvread *c)
{
    const char *why;
    unsigned flags;
    size_t len = 0;
    int r;

    if (!c->f || c->empty) {
        return 0;
    }
    for (;;) {
        r = csvread_line(c->f, c->line, sizeof(c->line), &len, &flags);
        if (r <= 0) {
            return r;
        }
        c->lineno++;
        if (len > 0 && c->line[len - 1] == '\r' && !(flags & CSVREAD_TOO_LONG)) {
            c->line[--len] = '\0';
        }
        if (len > 0 || (flags & (CSVREAD_TOO_LONG | CSVREAD_NUL))) {
            break;
        }
        /* a blank line */
    }
    c->nf = 0;
    c->why[0] = '\0';
    if (flags & CSVREAD_TOO_LONG) {
        snprintf(c->why, sizeof(c->why), "line longer than %d bytes", CSVREAD_LINE_MAX);
    } else if (flags & CSVREAD_NUL) {
        snprintf(c->why, sizeof(c->why), "NUL byte in line");
    } else if (flags & CSVREAD_NO_NEWLINE) {
        /* A crash mid-write can cut "1.2345" to "1.2": never trust a cut line. */
        snprintf(c->why, sizeof(c->why), "truncated line (no newline at end of file)");
    } else if (csvread_split(c->line, len, c->store, c->fields, CSVREAD_COLS_MAX, &c->nf, &why) <
               0) {
        snprintf(c->why, sizeof(c->why), "%s", why);
    } else {
        return 1;
    }
    return 2;
}

void csvread_close(struct csvread *c)
{
    if (c->f) {
        fclose(c->f);
        c->f = NULL;
    }
}
