/*
 * Charts: gnuplot data files (plots/<chart>.dat), scripts made from the templates in
 * scripts/plot/ (plots/<chart>.gp), and gnuplot run on them (plot.c).
 *
 * Data files are whitespace-separated text with a header comment line; text columns are
 * double-quoted. A user can edit plots/<chart>.gp and run `gnuplot <chart>.gp` in plots/.
 */
#ifndef PVB_PLOT_H
#define PVB_PLOT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PLOT_DATA_VERSION 1
/* Default width of every chart, in pixels: readable on a laptop and in report.html. */
#define PLOT_WIDTH 800
/* How long one gnuplot run may take before it is killed. */
#define PLOT_GNUPLOT_TIMEOUT_S 30.0

/* One bar: a median and its 95% interval, in a group of bars (a workload). */
struct plot_bar {
    char group[48];  /* group under the x axis, e.g. a workload */
    char sub[48];    /* second line under the group, e.g. the metric (may be empty) */
    char name[48];   /* the bar's own label, e.g. a configuration */
    char class_[16]; /* colour: "emulated", "paravirtual", anything else is grey */
    double value;
    double low;
    double high;
    unsigned n;
    char note[48]; /* text above the bar, e.g. "2.15× *" (may be empty) */
};

/* One point of a line: series (a configuration) at category x (e.g. "p99"). */
struct plot_point {
    char series[48];
    char class_[16];
    char x[16];
    double value;
    double low;
    double high;
};

/* Write bars as a data file: block 0 one row per bar, block 1 one row per group. 0 or -1. */
int plot_bars_fprint(FILE *out, const char *what, const struct plot_bar *bars, size_t n);
/* Write points as a data file: one block per series, x categories in first-seen order. */
int plot_points_fprint(FILE *out, const char *what, const struct plot_point *pts, size_t n);
/* The same into a file (path). 0, or -1 with errno set. */
int plot_write_bars(const char *path, const char *what, const struct plot_bar *bars, size_t n)
    __attribute__((warn_unused_result));
int plot_write_points(const char *path, const char *what, const struct plot_point *pts, size_t n)
    __attribute__((warn_unused_result));

/* Colour (0xRRGGBB) of a class; shade > 0 picks a lighter or darker tone of the same hue. */
uint32_t plot_class_colour(const char *class_, unsigned shade);

/* A chart to draw: which template, which data files, how big, what it says. */
struct plot_chart {
    char name[64];    /* base name in plots/: <name>.gp and <name>.png|svg */
    char tmpl[32];    /* template scripts/plot/<tmpl>.gp */
    char data[2][80]; /* data files in plots/ ({{DATA}}, {{DATA2}}) */
    char title[160];
    char ylabel[96];
    unsigned width;
    unsigned height;
};

/* "name=value" for the template placeholders {{NAME}}. */
struct plot_var {
    const char *name;
    const char *value;
};

/*
 * Quote s as the inside of a gnuplot single-quoted string: ' becomes '', a newline
 * ends the string and continues it after . "\n" . (so the value must be used inside
 * '...' in an expression). Control bytes become spaces. Output is always terminated.
 */
void plot_gp_quote(char *out, size_t outlen, const char *s);

/*
 * Replace every {{NAME}} in text by its value (already quoted as it must be). A
 * placeholder without a value is an error: "name:line: unknown placeholder {{X}}".
 * Returns a malloc'ed string, or NULL with err set.
 */
char *plot_substitute(const char *text, const char *name, const struct plot_var *vars, size_t nvars,
                      char *err, size_t errlen);

/* Folder of the templates: $PVBENCH_DATADIR/scripts/plot, else PVB_DATADIR/scripts/plot. */
void plot_template_dir(char *out, size_t outlen);

/*
 * Write plots_dir/<chart>.gp from its template, for format "png" or "svg", with the
 * caption (may hold newlines) under the chart. 0, or -1 with err set.
 */
int plot_write_script(const char *tmpl_dir, const char *plots_dir, const struct plot_chart *c,
                      const char *format, const char *caption, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* Is gnuplot on PATH? 1 or 0. */
int plot_have_gnuplot(void);

/*
 * Run `gnuplot <script>` in plots_dir (fork/exec, no shell), killed after timeout_s.
 * Its output goes to plots_dir/<script>.log, removed when empty. 0 when gnuplot exits 0,
 * else -1 with err holding the reason and gnuplot's first message.
 */
int plot_run_gnuplot(const char *plots_dir, const char *script, double timeout_s, char *err,
                     size_t errlen) __attribute__((warn_unused_result));

#endif
