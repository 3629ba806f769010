/*
 * The one reader of the run folder's CSV files (samples.csv, summary.csv): the header names
 * the columns, then row after row is split into fields ("..." quoting with "" inside).
 * A row that cannot be split is not fatal: csvread_next says why, the caller names the line
 * and goes on. A crash mid-write can cut the last line, so a line without its newline is
 * such a bad row too.
 */
#ifndef PVB_CSVREAD_H
#define PVB_CSVREAD_H

#include <stddef.h>
#include <stdio.h>

/* Longest line accepted (a longer one is a bad row, not a larger buffer). */
#define CSVREAD_LINE_MAX 4096
/* Fields kept per row; more are counted (nf) but not kept. */
#define CSVREAD_COLS_MAX 16

struct csvread {
    FILE *f;
    const char *path;
    unsigned lineno;
    /* The header line as read (byte-order mark and '\r' removed), and its columns. */
    char header[CSVREAD_LINE_MAX + 1];
    size_t header_len;
    int header_bad; /* too long or holding a NUL byte: matches no header */
    int empty;      /* the file has no line at all */
    char header_store[CSVREAD_LINE_MAX + 2];
    char *names[CSVREAD_COLS_MAX];
    unsigned ncols;
    /* The current row. */
    char line[CSVREAD_LINE_MAX + 1];
    char store[CSVREAD_LINE_MAX + 2];
    char *fields[CSVREAD_COLS_MAX];
    unsigned nf;
    char why[64];
};

/*
 * Open path and read its header. 0; or -1 with errno set and err "path: reason" (a file
 * that cannot be opened or read). An empty file is no error here: c->empty says so.
 */
int csvread_open(struct csvread *c, const char *path, char *err, size_t errlen)
    __attribute__((warn_unused_result));
/* Is the header exactly text? */
int csvread_header_is(const struct csvread *c, const char *text);
/* The index of the header's column name, or -1. */
int csvread_col(const struct csvread *c, const char *name);
/*
 * The next row, blank lines skipped: 1 with c->fields and c->nf set; 2 for a bad row
 * (c->why says why, c->lineno is its line); 0 at the end; -1 on a read error (errno).
 */
int csvread_next(struct csvread *c) __attribute__((warn_unused_result));
void csvread_close(struct csvread *c);

#endif
