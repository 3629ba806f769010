/*
 * Verdicts in the formats a CI reads: JUnit XML (one testcase per cell: a failure on
 * DIFFERENT-worse, skipped on UNKNOWN) and Markdown (a summary for a CI job's page).
 * Pure writers over the verdict structs (verdict.h): no statistics here.
 */
#ifndef PVB_CIREPORT_H
#define PVB_CIREPORT_H

#include <stddef.h>
#include <stdio.h>

#include "verdict.h"

/* Version of the Markdown layout and of the JUnit properties pvbench writes. */
#define CIREPORT_VERSION 1

struct cireport_row {
    const char *config;   /* "virtio-blk" or "virtio-blk@host" */
    const char *workload; /* "randread" */
    const char *metric;   /* "iops" */
    const char *label;    /* the metric's display name, NULL: metric */
    struct verdict v;
};

struct cireport_counts {
    unsigned same, different_worse, different_better, unknown;
};

void cireport_count(const struct cireport_row *rows, size_t n, struct cireport_counts *out);

/* The sentence a row's verdict stands for ("DIFFERENT, worse: -12.3 % [-15.0, -9.8]"). */
void cireport_describe(const struct cireport_row *row, char *buf, size_t len);

/* JUnit XML into path: testsuite `suite`. 0, or -1 (errno or libxml2 failure). */
int cireport_junit_write(const char *path, const char *suite, const struct cireport_row *rows,
                         size_t n) __attribute__((warn_unused_result));

/* Markdown: a headline, the counts, then a table of every cell (worse ones first). 0 or -1. */
int cireport_markdown_write(FILE *f, const char *title, const struct cireport_row *rows,
                            size_t n) __attribute__((warn_unused_result));

#endif
