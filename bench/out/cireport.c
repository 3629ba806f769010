/* Verdicts as JUnit XML and Markdown (cireport.h). */
#include "cireport.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xmlwriter.h>

void cireport_count(const struct cireport_row *rows, size_t n, struct cireport_counts *out)
{
    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < n; i++) {
        const struct verdict *v = &rows[i].v;
        if (v->kind == VERDICT_SAME) {
            out->same++;
        } else if (v->kind == VERDICT_DIFFERENT && v->worse) {
            out->different_worse++;
        } else if (v->kind == VERDICT_DIFFERENT) {
            out->different_better++;
        } else {
            out->unknown++;
        }
    }
}

/* "-12.3 % [-15.0, -9.8]", or "-12.3 % (no interval: one boot a side)". */
static void cireport_change(const struct verdict *v, char *buf, size_t len)
{
    if (!isfinite(v->change_pct)) {
        snprintf(buf, len, "no change computable (the base is 0)");
    } else if (!isfinite(v->lo_pct)) {
        snprintf(buf, len, "%+.1f %% (no interval: fewer than 2 boots a side)", v->change_pct);
    } else {
        snprintf(buf, len, "%+.1f %% [%+.1f, %+.1f]", v->change_pct, v->lo_pct, v->hi_pct);
    }
}

void cireport_describe(const struct cireport_row *row, char *buf, size_t len)
{
    const struct verdict *v = &row->v;
    char change[96];

    cireport_change(v, change, sizeof(change));
    switch (v->kind) {
    case VERDICT_SAME:
        snprintf(buf, len, "SAME: %s, inside +-%.1f %%%s", change, v->threshold_pct,
                 v->threshold_calibrated ? " (this host's calibrated noise)" : "");
        break;
    case VERDICT_DIFFERENT:
        snprintf(buf, len, "DIFFERENT, %s: %s, p = %.3g, beyond +-%.1f %%%s",
                 v->worse ? "worse" : "better", change, v->p, v->threshold_pct,
                 v->threshold_calibrated ? " (this host's calibrated noise)" : "");
        break;
    case VERDICT_UNKNOWN:
        snprintf(buf, len, "UNKNOWN (inconclusive): %s, p = %.3g with %u and %u boots; about %u "
                 "boots a side would likely settle it",
                 change, v->p, v->boots_a, v->boots_b, v->boots_needed);
        break;
    }
}

static int cireport_attr(xmlTextWriterPtr w, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int cireport_attr(xmlTextWriterPtr w, const char *name, const char *fmt, ...)
{
    char buf[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    return xmlTextWriterWriteAttribute(w, BAD_CAST name, BAD_CAST buf) < 0 ? -1 : 0;
}

int cireport_junit_write(const char *path, const char *suite, const struct cireport_row *rows,
                         size_t n)
{
    struct cireport_counts c;
    FILE *fp = fopen(path, "we");
    xmlOutputBufferPtr ob;
    xmlTextWriterPtr w;
    char msg[512];
    int rc = -1;

    if (!fp) {
        return -1; /* errno from fopen: the caller names the file */
    }
    ob = xmlOutputBufferCreateFile(fp, NULL);
    w = ob ? xmlNewTextWriter(ob) : NULL;
    if (!w) {
        if (ob) {
            xmlOutputBufferClose(ob);
        }
        fclose(fp);
        errno = ENOMEM;
        return -1;
    }
    cireport_count(rows, n, &c);
    xmlTextWriterSetIndent(w, 1);
    if (xmlTextWriterStartDocument(w, NULL, "UTF-8", NULL) < 0 ||
        xmlTextWriterStartElement(w, BAD_CAST "testsuites") < 0 ||
        xmlTextWriterStartElement(w, BAD_CAST "testsuite") < 0 ||
        cireport_attr(w, "name", "%s", suite) < 0 || cireport_attr(w, "tests", "%zu", n) < 0 ||
        cireport_attr(w, "failures", "%u", c.different_worse) < 0 ||
        cireport_attr(w, "errors", "0") < 0 || cireport_attr(w, "skipped", "%u", c.unknown) < 0) {
        goto out;
    }
    if (xmlTextWriterStartElement(w, BAD_CAST "properties") < 0 ||
        xmlTextWriterStartElement(w, BAD_CAST "property") < 0 ||
        cireport_attr(w, "name", "pvbench.cireport.version") < 0 ||
        cireport_attr(w, "value", "%d", CIREPORT_VERSION) < 0 ||
        xmlTextWriterEndElement(w) < 0 || xmlTextWriterEndElement(w) < 0) {
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        const struct cireport_row *r = &rows[i];

        cireport_describe(r, msg, sizeof(msg));
        if (xmlTextWriterStartElement(w, BAD_CAST "testcase") < 0 ||
            cireport_attr(w, "classname", "%s.%s", r->config, r->workload) < 0 ||
            cireport_attr(w, "name", "%s", r->metric) < 0 || cireport_attr(w, "time", "0") < 0) {
            goto out;
        }
        if (r->v.kind == VERDICT_DIFFERENT && r->v.worse) {
            if (xmlTextWriterStartElement(w, BAD_CAST "failure") < 0 ||
                cireport_attr(w, "message", "%s", msg) < 0 ||
                cireport_attr(w, "type", "regression") < 0 ||
                xmlTextWriterWriteString(w, BAD_CAST msg) < 0 || xmlTextWriterEndElement(w) < 0) {
                goto out;
            }
        } else if (r->v.kind == VERDICT_UNKNOWN) {
            if (xmlTextWriterStartElement(w, BAD_CAST "skipped") < 0 ||
                cireport_attr(w, "message", "%s", msg) < 0 || xmlTextWriterEndElement(w) < 0) {
                goto out;
            }
        } else if (xmlTextWriterWriteElement(w, BAD_CAST "system-out", BAD_CAST msg) < 0) {
            goto out;
        }
        if (xmlTextWriterEndElement(w) < 0) {
            goto out;
        }
    }
    if (xmlTextWriterEndDocument(w) < 0) {
        goto out;
    }
    rc = 0;
out:
    if (xmlTextWriterFlush(w) < 0) {
        rc = -1;
    }
    xmlFreeTextWriter(w); /* closes the output buffer, not fp */
    if (fclose(fp) != 0) {
        rc = -1;
    }
    if (rc < 0 && !errno) {
        errno = EIO;
    }
    return rc;
}

/* Worse first, then unknown, better, same; stable within each. */
static int cireport_rank(const struct verdict *v)
{
    if (v->kind == VERDICT_DIFFERENT) {
        return v->worse ? 0 : 2;
    }
    return v->kind == VERDICT_UNKNOWN ? 1 : 3;
}

/* A Markdown table cell: | and newlines would break the row. */
static void cireport_md_cell(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '|') {
            fputs("\\|", f);
        } else {
            fputc(*s == '\n' ? ' ' : *s, f);
        }
    }
}

int cireport_markdown_write(FILE *f, const char *title, const struct cireport_row *rows,
                            size_t n)
{
    struct cireport_counts c;
    char change[96];

    cireport_count(rows, n, &c);
    fprintf(f, "## %s\n\n", title);
    if (c.different_worse) {
        fprintf(f, "**%u worse** of %zu cells. ", c.different_worse, n);
    } else {
        fprintf(f, "No cell is worse (%zu cells). ", n);
    }
    fprintf(f, "SAME %u, DIFFERENT worse %u, DIFFERENT better %u, UNKNOWN %u.\n\n", c.same,
            c.different_worse, c.different_better, c.unknown);
    if (c.unknown) {
        fprintf(f, "UNKNOWN means inconclusive: collect more boots (the last column), not "
                   "\"no change\".\n\n");
    }
    fprintf(f, "| verdict | configuration | workload | metric | change [95 %% interval] | p | "
               "boots | to settle |\n|---|---|---|---|---|---|---|---|\n");
    for (int rank = 0; rank <= 3; rank++) {
        for (size_t i = 0; i < n; i++) {
            const struct cireport_row *r = &rows[i];
            const struct verdict *v = &r->v;

            if (cireport_rank(v) != rank) {
                continue;
            }
            cireport_change(v, change, sizeof(change));
            fprintf(f, "| %s%s | ", verdict_name(v->kind),
                    v->kind == VERDICT_DIFFERENT ? (v->worse ? " (worse)" : " (better)") : "");
            cireport_md_cell(f, r->config);
            fputs(" | ", f);
            cireport_md_cell(f, r->workload);
            fputs(" | ", f);
            cireport_md_cell(f, r->label ? r->label : r->metric);
            if (v->kind == VERDICT_UNKNOWN) {
                fprintf(f, " | %s | %.3g | %u / %u | about %u boots a side |\n", change, v->p,
                        v->boots_a, v->boots_b, v->boots_needed);
            } else {
                fprintf(f, " | %s | %.3g | %u / %u | |\n", change, v->p, v->boots_a, v->boots_b);
            }
        }
    }
    return ferror(f) ? -1 : 0;
}
