/*
 * `pvbench demo`: the teaching demo. Runs scenarios/teaching.ini through the normal run
 * path (run_main), then reads the run folder (summary.csv, run.json, why.json, plots/)
 * and tells, in plain words and with the measured numbers, how much faster the
 * paravirtual devices were and why: register accesses that trap, interrupts and CPU
 * per operation. Writes demo.html (a web page with the charts) and the handout to print:
 * handout.html and demo.pdf (two A4 pages at most), into the run folder.
 */
#ifndef PVB_DEMO_H
#define PVB_DEMO_H

#include <stdio.h>

#include "cli.h"

#define DEMO_HTML "demo.html"
#define DEMO_HANDOUT "handout.html" /* the printed handout's page */
#define DEMO_PDF "demo.pdf"         /* printed from it by headless Chromium */

/* `pvbench demo [options]`: argv[0] is "demo". Returns a PVB_EXIT_* code. */
int demo_main(int argc, char **argv);
/* Its options, --help and man page section (pvbench help man1). */
extern const struct cli_spec demo_cli;

/*
 * Read run_dir and print the account to out; write run_dir/demo.html, handout.html and
 * demo.pdf unless no_html (without Chromium, no PDF: said on out, not an error).
 * elapsed_s < 0: the demo's duration is unknown (re-rendering an old run).
 * 0 when at least one emulated/paravirtual pair could be compared, 1 when the
 * handout was written but nothing could be compared, -1 when run_dir is unreadable.
 */
int demo_render(const char *run_dir, double elapsed_s, FILE *out, int no_html);

#endif
