/*
 * Unit tests of plot.c and report.c: the data files behind the charts, the numbers behind
 * the error bars and ratios, template filling, escaping, and report_build on the fixture
 * run folder (without gnuplot, which the integration test runs).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exitcode.h"
#include "log.h"
#include "metric.h"
#include "plot.h"
#include "report.h"
#include "stats.h"
#include "table.h"

static char fixture_dir[PATH_MAX];
static char tmp_dir[PATH_MAX];

/* ---- helpers --------------------------------------------------------------------------------- */

/* What a printer wrote, as one malloc'ed string. */
struct capture {
    char *buf;
    size_t len;
    FILE *f;
};

static void capture_open(struct capture *c)
{
    c->buf = NULL;
    c->len = 0;
    c->f = open_memstream(&c->buf, &c->len);
    assert_non_null(c->f);
}

static char *capture_close(struct capture *c)
{
    assert_int_equal(fclose(c->f), 0);
    return c->buf;
}

static void add(struct sample_set *set, const char *config, const char *class_, const char *kind,
                const char *workload, const char *metric, unsigned rep, double value)
{
    struct sample s;

    memset(&s, 0, sizeof(s));
    snprintf(s.config, sizeof(s.config), "%s", config);
    snprintf(s.device, sizeof(s.device), "%s", config);
    snprintf(s.class_, sizeof(s.class_), "%s", class_);
    snprintf(s.kind, sizeof(s.kind), "%s", kind);
    snprintf(s.workload, sizeof(s.workload), "%s", workload);
    snprintf(s.metric, sizeof(s.metric), "%s", metric);
    snprintf(s.unit, sizeof(s.unit), "x");
    s.rep = rep;
    s.value = value;
    assert_int_equal(samples_add(set, &s), 0);
}

/* The line of text that starts with prefix (NULL if none). */
static const char *line_starting(const char *text, const char *prefix)
{
    const char *p = text;

    while (p && *p) {
        if (strncmp(p, prefix, strlen(prefix)) == 0) {
            return p;
        }
        p = strchr(p, '\n');
        p = p ? p + 1 : NULL;
    }
    return NULL;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    char *buf;
    long n;

    if (!f) {
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = calloc(1, (size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    return buf;
}

/* The text of dir/name, which must exist (caller frees). */
static char *slurp_at(const char *dir, const char *name)
{
    char path[PATH_MAX * 3];
    char *text;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    text = slurp(path);
    assert_non_null(text);
    return text;
}

/* Write text to dir/name (a test fixture). */
static void put_file(const char *dir, const char *name, const char *text)
{
    char path[PATH_MAX * 3];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "w");
    assert_non_null(f);
    assert_true(fputs(text, f) >= 0);
    assert_int_equal(fclose(f), 0);
}

static int exists(const char *dir, const char *name)
{
    char path[PATH_MAX * 2];

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    return access(path, F_OK) == 0;
}

/*
 * A small run: ide (emulated) and virtio-blk (paravirtual), randread (iops, higher is
 * better) and randread_qd1 (lat_mean_us, lower is better), three repetitions each.
 */
static const double ide_iops[] = {1000, 1100, 1200};
static const double vblk_iops[] = {3000, 3300, 3600};
static const double ide_lat[] = {400, 420, 440};
static const double vblk_lat[] = {200, 205, 210};

static void small_run(struct sample_set *s, struct summary_set *sum, struct table_view *v)
{
    memset(s, 0, sizeof(*s));
    for (unsigned i = 0; i < 3; i++) {
        add(s, "ide", "emulated", "blk", "boot", "boot_to_ready_s", 1, 5.0);
        add(s, "ide", "emulated", "blk", "randread", "iops", i + 1, ide_iops[i]);
        add(s, "ide", "emulated", "blk", "randread_qd1", "lat_mean_us", i + 1, ide_lat[i]);
        add(s, "ide", "emulated", "blk", "randread_qd1", "lat_p50_us", i + 1, ide_lat[i]);
        add(s, "ide", "emulated", "blk", "randread_qd1", "lat_p999_us", i + 1, 10 * ide_lat[i]);
        add(s, "virtio-blk", "paravirtual", "blk", "randread", "iops", i + 1, vblk_iops[i]);
        add(s, "virtio-blk", "paravirtual", "blk", "randread_qd1", "lat_mean_us", i + 1,
            vblk_lat[i]);
        add(s, "virtio-blk", "paravirtual", "blk", "randread_qd1", "lat_p50_us", i + 1,
            vblk_lat[i]);
        add(s, "virtio-blk", "paravirtual", "blk", "randread_qd1", "lat_p999_us", i + 1,
            8 * vblk_lat[i]);
    }
    add(s, "virtio-blk", "paravirtual", "blk", "boot", "boot_to_ready_s", 1, 6.0);
    assert_int_equal(summary_compute(s, STATS_DEFAULT_SEED, sum), 0);
    assert_int_equal(table_view_build(s, v), 0);
}

static void small_free(struct sample_set *s, struct summary_set *sum, struct table_view *v)
{
    samples_free(s);
    summary_free(sum);
    table_view_free(v);
}

/* ---- data files ------------------------------------------------------------------------------ */

static void test_bars_file(void **state)
{
    struct plot_bar bars[3];
    struct capture c;
    char *text;
    const char *p;

    (void)state;
    memset(bars, 0, sizeof(bars));
    snprintf(bars[0].group, sizeof(bars[0].group), "randread");
    snprintf(bars[0].name, sizeof(bars[0].name), "ide");
    snprintf(bars[0].class_, sizeof(bars[0].class_), "emulated");
    bars[0].value = 100;
    bars[0].low = 90;
    bars[0].high = 110;
    bars[0].n = 3;
    bars[1] = bars[0];
    snprintf(bars[1].name, sizeof(bars[1].name), "virtio-blk");
    snprintf(bars[1].class_, sizeof(bars[1].class_), "paravirtual");
    snprintf(bars[1].note, sizeof(bars[1].note), "2.00× *");
    bars[1].value = 200;
    bars[2] = bars[0];
    snprintf(bars[2].group, sizeof(bars[2].group), "randwrite");

    capture_open(&c);
    assert_int_equal(plot_bars_fprint(c.f, "iops of blk devices", bars, 3), 0);
    text = capture_close(&c);
    /* A header comment line with the format's version, then the columns. */
    assert_true(strncmp(text, "# pvbench plot data v1: iops of blk devices\n", 44) == 0);
    assert_non_null(strstr(text, "# block 0, one row per bar: x value low high colour name "
                                 "class note n\n"));
    /* Bars of a group side by side; a gap before the next group. */
    assert_non_null(line_starting(text, "0 100 90 110 0xE69F00 \"ide\" \"emulated\" \"\" 3\n"));
    assert_non_null(line_starting(
        text, "1 200 90 110 0x0072B2 \"virtio-blk\" \"paravirtual\" \"2.00× *\" 3\n"));
    assert_non_null(line_starting(text, "2.7 100 90 110 0xE69F00 \"ide\""));
    /* Block 1 after two blank lines: group centres and names. */
    p = strstr(text, "\n\n\n# block 1");
    assert_non_null(p);
    assert_non_null(line_starting(p, "0.5 \"randread\" \"\"\n"));
    assert_non_null(line_starting(p, "2.7 \"randwrite\" \"\"\n"));
    free(text);
}

static void test_bars_file_hostile_text(void **state)
{
    struct plot_bar b;
    struct capture c;
    char *text;

    (void)state;
    memset(&b, 0, sizeof(b));
    /* A hand-edited name must not break the columns: no quote, no line break survives. */
    snprintf(b.group, sizeof(b.group), "a\"b\nc");
    snprintf(b.name, sizeof(b.name), "x y\"z");
    snprintf(b.class_, sizeof(b.class_), "weird");
    b.value = 1;
    capture_open(&c);
    assert_int_equal(plot_bars_fprint(c.f, "what\nnext", &b, 1), 0);
    text = capture_close(&c);
    assert_non_null(strstr(text, "# pvbench plot data v1: what next\n"));
    assert_non_null(strstr(text, "0x999999 \"x y'z\" \"weird\""));
    assert_non_null(strstr(text, "\"a'b c\" \"\"\n"));
    free(text);
}

static void test_points_file(void **state)
{
    struct plot_point p[5];
    struct capture c;
    char *text;
    const char *blk2;

    (void)state;
    memset(p, 0, sizeof(p));
    for (int i = 0; i < 5; i++) {
        snprintf(p[i].series, sizeof(p[i].series), "%s", i < 2 ? "ide" : (i < 4 ? "ahci" : "vb"));
        snprintf(p[i].class_, sizeof(p[i].class_), "%s", i < 4 ? "emulated" : "paravirtual");
        snprintf(p[i].x, sizeof(p[i].x), "%s", i % 2 ? "p99" : "p50");
        p[i].value = 10 * (i + 1);
        p[i].low = p[i].value - 1;
        p[i].high = p[i].value + 1;
    }
    /* The last series only has p50: its x position is still that of p50. */
    capture_open(&c);
    assert_int_equal(plot_points_fprint(c.f, "latency", p, 5), 0);
    text = capture_close(&c);
    assert_true(strncmp(text, "# pvbench plot data v1: latency\n", 32) == 0);
    assert_non_null(line_starting(text, "\"ide\" x label value low high colour\n"));
    assert_non_null(line_starting(text, "0 \"p50\" 10 9 11 0xE69F00\n"));
    assert_non_null(line_starting(text, "1 \"p99\" 20 19 21 0xE69F00\n"));
    /* Second emulated series: another tone of the same hue. */
    blk2 = strstr(text, "\n\n\n\"ahci\"");
    assert_non_null(blk2);
    assert_non_null(line_starting(blk2, "0 \"p50\" 30 29 31 0x"));
    assert_null(strstr(blk2, "30 29 31 0xE69F00"));
    assert_int_equal(plot_class_colour("emulated", 1), plot_class_colour("emulated", 5));
    assert_non_null(line_starting(text, "0 \"p50\" 50 49 51 0x0072B2\n"));
    free(text);
}

static void test_write_bars_to_file(void **state)
{
    char path[PATH_MAX * 2];
    struct plot_bar b;
    char *text;

    (void)state;
    memset(&b, 0, sizeof(b));
    snprintf(b.name, sizeof(b.name), "ide");
    b.value = 1.5;
    snprintf(path, sizeof(path), "%s/one.dat", tmp_dir);
    assert_int_equal(plot_write_bars(path, "one", &b, 1), 0);
    text = slurp(path);
    assert_non_null(text);
    assert_non_null(strstr(text, "0 1.5 0 0 0x999999 \"ide\""));
    free(text);
    snprintf(path, sizeof(path), "%s/no/such/dir/one.dat", tmp_dir);
    assert_int_equal(plot_write_bars(path, "one", &b, 1), -1);
}

/* ---- templates --------------------------------------------------------------------------------
 */

static void test_gp_quote(void **state)
{
    char out[64];

    (void)state;
    plot_gp_quote(out, sizeof(out), "it's");
    assert_string_equal(out, "it''s");
    plot_gp_quote(out, sizeof(out), "a\nb");
    assert_string_equal(out, "a' . \"\\n\" . 'b");
    plot_gp_quote(out, sizeof(out), "tab\there @x $1");
    assert_string_equal(out, "tab here @x $1");
    /* Too long: cut between two pieces, never inside a doubled quote. */
    plot_gp_quote(out, 6, "ab''''");
    assert_string_equal(out, "ab''");
}

static void test_substitute(void **state)
{
    const struct plot_var vars[] = {{"DATA", "x.dat"}, {"SIZE", "800,480"}};
    char err[256];
    char *out;

    (void)state;
    out = plot_substitute("DATA = '{{DATA}}'\nset size {{SIZE}} # {{DATA}}\n", "t.gp", vars, 2, err,
                          sizeof(err));
    assert_non_null(out);
    assert_string_equal(out, "DATA = 'x.dat'\nset size 800,480 # x.dat\n");
    free(out);
    out = plot_substitute("a\nb\nc {{NOPE}}\n", "t.gp", vars, 2, err, sizeof(err));
    assert_null(out);
    assert_string_equal(err, "t.gp:3: unknown placeholder {{NOPE}}");
    out = plot_substitute("x {{DATA", "t.gp", vars, 2, err, sizeof(err));
    assert_null(out);
    assert_non_null(strstr(err, "t.gp:1: unknown placeholder"));
}

static void test_write_script(void **state)
{
    char tmpl_dir[PATH_MAX], path[PATH_MAX * 2], err[512];
    struct plot_chart c;
    char *text;

    (void)state;
    plot_template_dir(tmpl_dir, sizeof(tmpl_dir));
    memset(&c, 0, sizeof(c));
    snprintf(c.name, sizeof(c.name), "bars-blk-iops");
    snprintf(c.tmpl, sizeof(c.tmpl), "bars");
    snprintf(c.data[0], sizeof(c.data[0]), "bars-blk-iops.dat");
    snprintf(c.title, sizeof(c.title), "it's a title");
    snprintf(c.ylabel, sizeof(c.ylabel), "IOPS");
    c.width = 800;
    c.height = 480;
    assert_int_equal(
        plot_write_script(tmpl_dir, tmp_dir, &c, "svg", "line 1\nline 2", err, sizeof(err)), 0);
    snprintf(path, sizeof(path), "%s/bars-blk-iops.gp", tmp_dir);
    text = slurp(path);
    assert_non_null(text);
    assert_non_null(strstr(text, "set terminal svg size 800,480 "));
    assert_non_null(strstr(text, "set output 'bars-blk-iops.svg'"));
    assert_non_null(strstr(text, "DATA = 'bars-blk-iops.dat'"));
    assert_non_null(strstr(text, "TITLE = 'it''s a title'"));
    assert_non_null(strstr(text, "CAPTION = 'line 1' . \"\\n\" . 'line 2'"));
    assert_null(strstr(text, "{{"));
    free(text);
    /* A template that is not there is an error naming its path. */
    snprintf(c.tmpl, sizeof(c.tmpl), "no-such-template");
    assert_int_equal(plot_write_script(tmpl_dir, tmp_dir, &c, "png", "", err, sizeof(err)), -1);
    assert_non_null(strstr(err, "no-such-template.gp"));
}

/* ---- the numbers behind the error bars and ratios ------------------------------------------- */

static void test_bars_numbers(void **state)
{
    struct sample_set s;
    struct summary_set sum;
    struct table_view v;
    struct stats_summary ide, vblk;
    struct plot_bar *bars = NULL;
    const char *wl[] = {"randread"};
    double ratio, lo, hi;
    char note[48];
    size_t n = 0;

    (void)state;
    small_run(&s, &sum, &v);
    assert_int_equal(report_bars(&v, &s, &sum, wl, 1, "iops", 0, &bars, &n), 0);
    assert_int_equal(n, 2);
    /* Bar = median, error bar = the bootstrap interval of the median, as stats computes. */
    assert_int_equal(stats_summarize(ide_iops, 3, STATS_DEFAULT_SEED, &ide), 0);
    assert_int_equal(stats_summarize(vblk_iops, 3, STATS_DEFAULT_SEED, &vblk), 0);
    assert_string_equal(bars[0].name, "ide");
    assert_string_equal(bars[0].group, "randread");
    assert_true(bars[0].value == 1100);
    assert_true(bars[0].low == ide.ci_low && bars[0].high == ide.ci_high);
    assert_int_equal(bars[0].n, 3);
    assert_string_equal(bars[0].note, ""); /* the reference has no ratio */
    assert_string_equal(bars[1].class_, "paravirtual");
    assert_true(bars[1].value == 3300);
    assert_true(bars[1].low == vblk.ci_low && bars[1].high == vblk.ci_high);
    /* The note is the ratio of the medians; * because its interval excludes 1. */
    assert_int_equal(stats_ratio(vblk_iops, 3, ide_iops, 3, STATS_DEFAULT_SEED, &ratio, &lo, &hi),
                     0);
    assert_true(fabs(ratio - 3.0) < 1e-12);
    assert_true(lo > 1.0);
    snprintf(note, sizeof(note), "%.2f× *", ratio);
    assert_string_equal(bars[1].note, note);
    free(bars);
    small_free(&s, &sum, &v);
}

static void test_speedup_numbers(void **state)
{
    struct sample_set s;
    struct summary_set sum;
    struct table_view v;
    struct plot_bar *bars = NULL;
    double ratio, lo, hi;
    size_t n = 0;

    (void)state;
    small_run(&s, &sum, &v);
    assert_int_equal(report_speedup_bars(&v, &s, &bars, &n), 0);
    /* One bar per workload for the one non-reference device, in workload order. */
    assert_int_equal(n, 2);
    assert_string_equal(bars[0].group, "randread");
    assert_string_equal(bars[0].sub, "iops");
    assert_int_equal(stats_ratio(vblk_iops, 3, ide_iops, 3, STATS_DEFAULT_SEED, &ratio, &lo, &hi),
                     0);
    assert_true(bars[0].value == ratio && bars[0].low == lo && bars[0].high == hi);
    /* Latency: lower is better, so the speed-up is reference over device. */
    assert_string_equal(bars[1].group, "randread_qd1");
    assert_string_equal(bars[1].sub, "1/lat_mean_us");
    assert_int_equal(stats_ratio(ide_lat, 3, vblk_lat, 3, STATS_DEFAULT_SEED, &ratio, &lo, &hi), 0);
    assert_true(bars[1].value == ratio && bars[1].low == lo && bars[1].high == hi);
    assert_true(fabs(ratio - 420.0 / 205.0) < 1e-12);
    assert_string_equal(bars[1].class_, "paravirtual");
    assert_int_equal(bars[1].n, 3);
    free(bars);
    small_free(&s, &sum, &v);
}

/* Two hosts, each with ide and virtio-blk: configurations device@host, host column set. */
static void add_host(struct sample_set *set, const char *device, const char *host,
                     const char *class_, unsigned rep, double iops)
{
    struct sample s;

    memset(&s, 0, sizeof(s));
    snprintf(s.config, sizeof(s.config), "%s@%s", device, host);
    snprintf(s.device, sizeof(s.device), "%s", device);
    snprintf(s.host, sizeof(s.host), "%s", host);
    snprintf(s.class_, sizeof(s.class_), "%s", class_);
    snprintf(s.kind, sizeof(s.kind), "blk");
    snprintf(s.workload, sizeof(s.workload), "randread");
    snprintf(s.metric, sizeof(s.metric), "iops");
    snprintf(s.unit, sizeof(s.unit), "IOPS");
    s.rep = rep;
    s.value = iops;
    assert_int_equal(samples_add(set, &s), 0);
}

static void two_hosts(struct sample_set *s)
{
    static const double a_ide[] = {1000, 1100, 1200}, a_vblk[] = {3000, 3300, 3600};
    static const double b_ide[] = {2000, 2200, 2400}, b_vblk[] = {3000, 3300, 3600};

    memset(s, 0, sizeof(*s));
    for (unsigned i = 0; i < 3; i++) {
        add_host(s, "ide", "hostA", "emulated", i + 1, a_ide[i]);
        add_host(s, "virtio-blk", "hostA", "paravirtual", i + 1, a_vblk[i]);
        add_host(s, "ide", "hostB", "emulated", i + 1, b_ide[i]);
        add_host(s, "virtio-blk", "hostB", "paravirtual", i + 1, b_vblk[i]);
    }
}

/* Several hosts: every ratio is taken against the emulated device of the same host. */
static void test_hosts_ratios(void **state)
{
    struct sample_set s;
    struct summary_set sum;
    struct table_view v;
    struct plot_bar *bars = NULL;
    const char *wl[] = {"randread"};
    struct capture c;
    char *text;
    size_t n = 0;

    (void)state;
    two_hosts(&s);
    assert_int_equal(summary_compute(&s, STATS_DEFAULT_SEED, &sum), 0);
    assert_int_equal(table_view_build(&s, &v), 0);
    assert_int_equal(v.n_configs, 4);
    assert_int_equal(table_view_hosts(&v), 2);
    assert_string_equal(v.configs[3].host, "hostB");
    assert_string_equal(table_view_reference_of(&v, &v.configs[1])->config, "ide@hostA");
    assert_string_equal(table_view_reference_of(&v, &v.configs[3])->config, "ide@hostB");
    assert_string_equal(table_view_reference_of(&v, &v.configs[2])->config, "ide@hostB");
    assert_string_equal(sum.v[3].host, "hostB");
    /* the scenario's reference = NAME first, within its host; the other host keeps its rule */
    snprintf(v.reference, sizeof(v.reference), "virtio-blk@hostA");
    assert_string_equal(table_view_reference_of(&v, &v.configs[0])->config, "virtio-blk@hostA");
    assert_string_equal(table_view_reference_of(&v, &v.configs[3])->config, "ide@hostB");
    assert_string_equal(table_view_reference(&v, "blk")->config, "virtio-blk@hostA");
    v.reference[0] = '\0';

    assert_int_equal(report_bars(&v, &s, &sum, wl, 1, "iops", 0, &bars, &n), 0);
    assert_int_equal(n, 4);
    assert_string_equal(bars[1].name, "virtio-blk@hostA");
    assert_string_equal(bars[1].note, "3.00× *");
    assert_string_equal(bars[3].name, "virtio-blk@hostB");
    assert_true(strncmp(bars[3].note, "1.50×", strlen("1.50×")) == 0);
    assert_string_equal(bars[2].note, ""); /* ide@hostB is its host's reference */
    free(bars);

    assert_int_equal(report_speedup_bars(&v, &s, &bars, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(bars[0].name, "virtio-blk@hostA");
    assert_true(fabs(bars[0].value - 3.0) < 1e-9);
    assert_string_equal(bars[1].name, "virtio-blk@hostB");
    assert_true(fabs(bars[1].value - 1.5) < 1e-9);
    free(bars);

    capture_open(&c);
    table_print_view(c.f, &v, &s, &sum);
    text = capture_close(&c);
    assert_non_null(strstr(text, "vs ide@hostB"));
    assert_non_null(strstr(text, "vs ide@hostA"));
    free(text);
    small_free(&s, &sum, &v);

    /* A file without the host column is one host: the references of before. */
    small_run(&s, &sum, &v);
    assert_int_equal(table_view_hosts(&v), 1);
    assert_string_equal(table_view_reference_of(&v, &v.configs[1])->config, "ide");
    small_free(&s, &sum, &v);
}

static int build_without_gnuplot(const char *dir);

/*
 * Both backends side by side (hosts "qemu" and "libvirt"): the table pairs each device's
 * two configurations, gives the ratio libvirt / qemu with its interval and says whether
 * the medians lie inside each other's intervals; a clear difference is marked and counted.
 */
static void test_backends_side_by_side(void **state)
{
    static const double q_ide[] = {1000, 1100, 1200, 1050, 1150};
    static const double l_ide[] = {1020, 1120, 1180, 1060, 1140};
    static const double q_vblk[] = {3000, 3100, 3200, 3050, 3150};
    static const double l_vblk[] = {6000, 6200, 6400, 6100, 6300};
    const char *a[] = {"ide@qemu", "virtio-blk@qemu"}, *b[] = {"ide@libvirt", "virtio-blk@libvirt"};
    struct sample_set s;
    struct summary_set sum;
    struct table_view v;
    struct capture c;
    char dir[PATH_MAX * 2], path[PATH_MAX * 3];
    char *text, *ide, *vblk;

    (void)state;
    memset(&s, 0, sizeof(s));
    for (unsigned i = 0; i < 5; i++) {
        add_host(&s, "ide", "qemu", "emulated", i + 1, q_ide[i]);
        add_host(&s, "ide", "libvirt", "emulated", i + 1, l_ide[i]);
        add_host(&s, "virtio-blk", "qemu", "paravirtual", i + 1, q_vblk[i]);
        add_host(&s, "virtio-blk", "libvirt", "paravirtual", i + 1, l_vblk[i]);
    }
    assert_int_equal(summary_compute(&s, STATS_DEFAULT_SEED, &sum), 0);
    assert_int_equal(table_view_build(&s, &v), 0);

    capture_open(&c);
    assert_int_equal(table_print_backends(c.f, &s, &sum, a, b, 2, "qemu", "libvirt"), 1);
    text = capture_close(&c);
    ide = strstr(text, "\n  ide ");
    vblk = strstr(text, "\n  virtio-blk ");
    assert_non_null(strstr(text, "backends side by side"));
    assert_non_null(ide);
    assert_non_null(vblk);
    assert_non_null(strstr(ide, "~   yes")); /* same: the interval holds 1, medians inside */
    assert_non_null(strstr(vblk, "2.00x"));
    assert_non_null(strstr(vblk, "*   no")); /* twice as fast: told apart */
    assert_non_null(strstr(text, "(1 row)"));
    free(text);

    /* The view of the run folder finds the pairs by their host labels. */
    capture_open(&c);
    table_print_view(c.f, &v, &s, &sum);
    text = capture_close(&c);
    assert_non_null(strstr(text, "backends side by side"));
    assert_non_null(strstr(text, "the ratio libvirt / qemu"));
    free(text);

    /* The report of such a run folder has the table too, in both formats. */
    snprintf(dir, sizeof(dir), "%s/run-backends", tmp_dir);
    mkdir(dir, 0755);
    snprintf(path, sizeof(path), "%s/samples.csv", dir);
    assert_int_equal(samples_write_csv(path, &s), 0);
    small_free(&s, &sum, &v);
    put_file(dir, "run.json",
             "{\"format\":\"pvbench-run\",\"version\":1,\"accelerator\":{\"name\":\"tcg\"},"
             "\"backend\":\"qemu,libvirt\",\"hosts\":[{\"label\":\"qemu\",\"backend\":\"qemu\"},"
             "{\"label\":\"libvirt\",\"backend\":\"libvirt\"}]}\n");
    assert_int_equal(build_without_gnuplot(dir), PVB_EXIT_SKIPPED);
    text = slurp_at(dir, "report.html");
    assert_non_null(strstr(text, "<h2 id=\"backends\">Backends side by side</h2>"));
    assert_non_null(strstr(text, "<pre>backends side by side"));
    free(text);
    text = slurp_at(dir, "report.md");
    assert_non_null(strstr(text, "## Backends side by side\n"));
    assert_non_null(strstr(text, "```\nbackends side by side"));
    free(text);
}

/* report_build on a 2-host run folder: labels device@host, the hosts table, the note. */
static void test_build_hosts(void **state)
{
    struct sample_set s;
    char dir[PATH_MAX * 2], path[PATH_MAX * 3];
    char *html, *md;

    (void)state;
    snprintf(dir, sizeof(dir), "%s/run-hosts", tmp_dir);
    mkdir(dir, 0755);
    two_hosts(&s);
    snprintf(path, sizeof(path), "%s/samples.csv", dir);
    assert_int_equal(samples_write_csv(path, &s), 0);
    samples_free(&s);
    put_file(dir, "run.json",
             "{\"format\":\"pvbench-run\",\"version\":1,\"accelerator\":{\"name\":\"tcg\"},"
             "\"configs\":[{\"config\":\"ide@hostA\",\"host\":\"hostA\",\"status\":\"ok\"}],"
             "\"hosts\":[{\"label\":\"hostA\",\"uri\":\"qemu+ssh://hostA/system\","
             "\"accelerator\":{\"name\":\"tcg\"},\"status\":\"ok\"},{\"label\":\"hostB\","
             "\"uri\":\"qemu+ssh://<b>/system\",\"status\":\"failed\"}, 3]}\n");
    assert_int_equal(build_without_gnuplot(dir), PVB_EXIT_SKIPPED);
    html = slurp_at(dir, "report.html");
    assert_non_null(strstr(html, "<h3>Hosts</h3>"));
    assert_non_null(strstr(html, "qemu+ssh://hostA/system"));
    assert_null(strstr(html, "qemu+ssh://<b>/system"));
    assert_non_null(strstr(html, "qemu+ssh://&lt;b&gt;/system"));
    assert_non_null(strstr(html, "named device@host"));
    assert_non_null(strstr(html, "1.50× <span class=\"vs\">vs ide@hostB"));
    assert_non_null(strstr(html, "<td>hostA</td>")); /* the configurations' host column */
    md = slurp_at(dir, "report.md");
    assert_non_null(strstr(md, "| randread | I/O operations per second | virtio-blk@hostB | paravirtual |"));
    assert_non_null(strstr(md, "### Hosts"));
    assert_null(strstr(md, "Backends side by side")); /* hosts, not the two backends */
    free(html);
    free(md);
}

static void test_ratio_within_noise(void **state)
{
    static const double a[] = {100, 150, 200}, b[] = {110, 140, 190};
    struct sample_set s = {0};
    struct summary_set sum;
    struct table_view v;
    struct plot_bar *bars = NULL;
    struct table_ratio t;
    size_t n = 0;

    (void)state;
    for (unsigned i = 0; i < 3; i++) {
        add(&s, "ide", "emulated", "blk", "randread", "iops", i + 1, a[i]);
        add(&s, "virtio-blk", "paravirtual", "blk", "randread", "iops", i + 1, b[i]);
    }
    assert_int_equal(summary_compute(&s, STATS_DEFAULT_SEED, &sum), 0);
    assert_int_equal(table_view_build(&s, &v), 0);
    assert_int_equal(table_ratio(&s, "virtio-blk", "ide", "randread", "iops", &t), 0);
    assert_false(t.excludes_one);
    assert_true(t.low <= 1.0 && t.high >= 1.0);
    assert_string_equal(table_ratio_mark(&t, "iops"), "~ within noise");
    assert_int_equal(report_speedup_bars(&v, &s, &bars, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(bars[0].class_, "within noise");
    assert_null(strchr(bars[0].note, '*'));
    free(bars);
    small_free(&s, &sum, &v);
}

static void test_ratio_marks(void **state)
{
    struct table_ratio t = {.ratio = 2.0, .low = 1.5, .high = 2.5, .n_min = 3, .excludes_one = 1};
    struct sample_set s;
    struct summary_set sum;
    struct table_view v;

    (void)state;
    assert_string_equal(table_ratio_mark(&t, "iops"), "* better");
    assert_string_equal(table_ratio_mark(&t, "lat_mean_us"), "* worse");
    assert_string_equal(table_ratio_mark(&t, "no_such_metric"), "* more");
    /* One boot per configuration: a point, not an interval; never marked as a difference. */
    small_run(&s, &sum, &v);
    assert_int_equal(table_ratio(&s, "virtio-blk", "ide", "boot", "boot_to_ready_s", &t), 0);
    assert_true(fabs(t.ratio - 1.2) < 1e-12);
    assert_int_equal(t.n_min, 1);
    assert_false(t.excludes_one);
    assert_string_equal(table_ratio_mark(&t, "boot_to_ready_s"), "~ n=1, no interval");
    assert_int_equal(table_ratio(&s, "virtio-blk", "nobody", "boot", "boot_to_ready_s", &t), -1);
    small_free(&s, &sum, &v);
}

static void test_boot_and_latency(void **state)
{
    struct sample_set s;
    struct summary_set sum;
    struct table_view v;
    struct plot_bar *bars = NULL;
    struct plot_point *pts = NULL;
    size_t n = 0;

    (void)state;
    small_run(&s, &sum, &v);
    assert_int_equal(report_boot_bars(&v, &s, &sum, &bars, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(bars[0].group, "block devices");
    assert_true(bars[0].value == 5.0 && bars[1].value == 6.0);
    assert_string_equal(bars[1].note, "1.20×"); /* n=1: no star */
    free(bars);
    assert_int_equal(report_latency_points(&v, &sum, "randread_qd1", &pts, &n), 0);
    assert_int_equal(n, 4);
    assert_string_equal(pts[0].series, "ide");
    assert_string_equal(pts[0].x, "p50");
    assert_true(pts[0].value == 420);
    assert_string_equal(pts[1].x, "p99.9");
    assert_true(pts[1].value == 4200);
    assert_string_equal(pts[3].series, "virtio-blk");
    free(pts);
    assert_int_equal(report_latency_points(&v, &sum, "randread", &pts, &n), 0);
    assert_int_equal(n, 0);
    free(pts);
    small_free(&s, &sum, &v);
}

static void test_percentile_label(void **state)
{
    char out[16];

    (void)state;
    assert_int_equal(report_percentile_label("lat_p50_us", out, sizeof(out)), 0);
    assert_string_equal(out, "p50");
    assert_int_equal(report_percentile_label("lat_p999_us", out, sizeof(out)), 0);
    assert_string_equal(out, "p99.9");
    assert_int_equal(report_percentile_label("lat_p9999_us", out, sizeof(out)), 0);
    assert_string_equal(out, "p99.99");
    assert_int_equal(report_percentile_label("lat_mean_us", out, sizeof(out)), -1);
    assert_int_equal(report_percentile_label("lat_p5_us", out, sizeof(out)), -1);
    assert_int_equal(report_percentile_label("lat_p50_ms", out, sizeof(out)), -1);
}

static void test_view(void **state)
{
    struct sample_set s = {0};
    struct table_view v;

    (void)state;
    add(&s, "e1000", "emulated", "net", "boot", "boot_to_ready_s", 1, 5);
    /* A workload this build does not know: its first "higher is better" metric leads. */
    add(&s, "e1000", "emulated", "net", "tcp_rr", "lat_p50_us", 1, 50);
    add(&s, "e1000", "emulated", "net", "tcp_rr", "transactions_s", 1, 5000);
    add(&s, "virtio-net", "paravirtual", "net", "tcp_rr", "transactions_s", 1, 9000);
    add(&s, "ide", "emulated", "blk", "randread_qd1", "iops", 1, 100);
    add(&s, "ide", "emulated", "blk", "randread_qd1", "lat_mean_us", 1, 10);
    assert_int_equal(table_view_build(&s, &v), 0);
    assert_int_equal(v.n_configs, 3);
    assert_int_equal(v.n_workloads, 2); /* boot is no workload */
    assert_string_equal(v.workloads[0].name, "tcp_rr");
    assert_string_equal(v.workloads[0].kind, "net");
    assert_string_equal(v.workloads[0].metric, "transactions_s");
    /* A known workload: the table's metric, even when another one comes first. */
    assert_string_equal(v.workloads[1].metric, "lat_mean_us");
    assert_string_equal(table_view_reference(&v, "net")->config, "e1000");
    assert_string_equal(table_view_reference(&v, "blk")->config, "ide");
    assert_null(table_view_reference(&v, "gpu"));
    assert_true(table_config_is_kind(&v.configs[0], "net"));
    assert_false(table_config_is_kind(&v.configs[0], "blk"));
    assert_false(table_config_is_kind(&v.configs[0], "ne"));
    table_view_free(&v);

    /* the bare host measures disks and NICs: it belongs to both kinds, references neither */
    add(&s, "host", "host", "blk", "randread_qd1", "iops", 1, 1000);
    add(&s, "host", "host", "net", "tcp_rr", "transactions_s", 1, 30000);
    add(&s, "host", "host", "net", "tcp_rr", "lat_p50_us", 1, 20);
    assert_int_equal(table_view_build(&s, &v), 0);
    assert_int_equal(v.n_configs, 4);
    assert_string_equal(v.configs[3].kind, "blk,net");
    assert_true(table_config_is_kind(&v.configs[3], "blk"));
    assert_true(table_config_is_kind(&v.configs[3], "net"));
    assert_false(table_config_is_kind(&v.configs[3], "bl"));
    assert_string_equal(table_view_reference(&v, "net")->config, "e1000");
    table_view_free(&v);
    samples_free(&s);
}

/* A custom workload's rw comes from the scenario the run was made of; a preset's from the
 * preset table; a name the view does not know is its own. */
static void test_view_rw(void **state)
{
    static const char scn[] = "[scenario]\nname = t\ndevices = e1000\nworkloads = tx4\n"
                              "\n[workload tx4]\nrw = tcp_tx\n";
    struct sample_set s = {0};
    struct table_view v;
    struct scenario *sc = calloc(1, sizeof(*sc));
    char err[SCENARIO_ERR_MAX], label[64];

    (void)state;
    assert_non_null(sc);
    assert_int_equal(scenario_load_string("t.ini", scn, sc, err, sizeof(err)), 0);
    add(&s, "e1000", "emulated", "net", "tx4", "throughput_mbit_s", 1, 900);
    add(&s, "e1000", "emulated", "net", "tx4", "host_cpu_us_per_op", 1, 3);
    add(&s, "e1000", "emulated", "net", "tcp_rr", "transactions_s", 1, 5000);
    assert_int_equal(table_view_build(&s, &v), 0);
    assert_string_equal(v.workloads[0].rw, ""); /* not a preset: unknown until the scenario */
    assert_string_equal(v.workloads[1].rw, "tcp_rr");
    assert_string_equal(table_view_rw(&v, "tx4"), "tx4");
    table_view_set_rw(&v, sc);
    assert_string_equal(table_view_rw(&v, "tx4"), "tcp_tx");
    assert_string_equal(table_view_rw(&v, "tcp_rr"), "tcp_rr");
    assert_string_equal(table_view_rw(&v, "nowhere"), "nowhere");
    assert_string_equal(metric_label("host_cpu_us_per_op", table_view_rw(&v, "tx4"), label,
                                     sizeof(label)),
                        "host CPU per Mbit");
    table_view_set_rw(&v, NULL);
    assert_string_equal(table_view_rw(&v, "tx4"), "tcp_tx");
    table_view_free(&v);
    samples_free(&s);
    free(sc);
}

static void test_fmt_value(void **state)
{
    char out[32];

    (void)state;
    table_fmt_value(out, sizeof(out), 14720.3);
    assert_string_equal(out, "14720");
    table_fmt_value(out, sizeof(out), 314.72);
    assert_string_equal(out, "314.7");
    table_fmt_value(out, sizeof(out), 0.012341);
    assert_string_equal(out, "0.01234");
}

/* ---- escaping ---------------------------------------------------------------------------------
 */

static void test_html_escape(void **state)
{
    struct capture c;
    char *text;

    (void)state;
    capture_open(&c);
    report_fput_html(c.f, "<script>alert(\"x\")</script> & 'y'\x01\n");
    report_fput_html(c.f, NULL);
    text = capture_close(&c);
    assert_string_equal(text, "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; "
                              "&#39;y&#39;  ");
    free(text);
}

static void test_md_escape(void **state)
{
    struct capture c;
    char *text;

    (void)state;
    capture_open(&c);
    report_fput_md(c.f, "a|b *c* [d](e) <f> lat_p99_us _g_ `h`\n");
    text = capture_close(&c);
    assert_string_equal(text, "a\\|b \\*c\\* \\[d\\](e) \\<f\\> lat_p99_us \\_g\\_ \\`h\\` ");
    free(text);
}

/* ---- report_build on the fixture ------------------------------------------------------------ */

/* A copy of the fixture run folder in tmp_dir/name; returns its path. */
static const char *copy_fixture(const char *name)
{
    static char dir[PATH_MAX * 2];
    char cmd[PATH_MAX * 5];

    snprintf(dir, sizeof(dir), "%s/%s", tmp_dir, name);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s' && cp -r '%s' '%s'", dir, fixture_dir, dir);
    assert_int_equal(system(cmd), 0);
    return dir;
}

/* Run report_build with a PATH that has no gnuplot: the unit tests never draw. */
static int build_without_gnuplot(const char *dir)
{
    char *old = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
    int rc;

    setenv("PATH", tmp_dir, 1);
    rc = report_build(dir, "png", 1);
    if (old) {
        setenv("PATH", old, 1);
        free(old);
    }
    return rc;
}

static void test_build_fixture(void **state)
{
    const char *dir = copy_fixture("run-ok");
    char plots[PATH_MAX * 3];
    char *html, *md;

    (void)state;
    /* Everything read; charts not drawn because gnuplot is missing: "skipped". */
    assert_int_equal(build_without_gnuplot(dir), PVB_EXIT_SKIPPED);
    snprintf(plots, sizeof(plots), "%s/plots", dir);
    assert_true(exists(plots, "bars-blk-iops.dat"));
    assert_true(exists(plots, "bars-blk-iops.gp"));
    assert_true(exists(plots, "latency-randread_qd1.dat"));
    assert_true(exists(plots, "cpu-blk-host.dat"));
    assert_true(exists(plots, "cpu-blk-guest.dat"));
    assert_true(exists(plots, "boot.dat"));
    assert_true(exists(plots, "speedup.dat"));
    assert_false(exists(plots, "speedup.png"));
    html = slurp_at(dir, "report.html");
    assert_null(strstr(html, "<img")); /* no image that is not there */
    assert_non_null(strstr(html, "gnuplot *.gp"));
    assert_non_null(strstr(html, "5.88× <span class=\"vs\">vs ide"));
    assert_non_null(strstr(html, "QEMU emulator version 7.2.22"));
    md = slurp_at(dir, "report.md");
    assert_non_null(strstr(md, "| randread | I/O operations per second | virtio-blk | paravirtual | 9035 |"));
    free(html);
    free(md);
}

static void test_build_hostile_metadata(void **state)
{
    const char *dir = copy_fixture("run-hostile");
    char *html;

    (void)state;
    put_file(dir, "run.json",
             "{\"format\":\"pvbench-run\",\"version\":1,\"scenario\":{\"name\":\"<b>x</b>\"},"
             "\"accelerator\":{\"name\":\"tcg\",\"reason\":\"a\\\"b'c<d>\"},\"configs\":"
             "[{\"config\":\"ide\",\"reason\":\"<script>alert(1)</script>\"}, 7]}");
    assert_int_equal(build_without_gnuplot(dir), PVB_EXIT_SKIPPED);
    html = slurp_at(dir, "report.html");
    assert_null(strstr(html, "<b>x</b>"));
    assert_null(strstr(html, "<script>"));
    assert_non_null(strstr(html, "&lt;b&gt;x&lt;/b&gt;"));
    assert_non_null(strstr(html, "&lt;script&gt;alert(1)&lt;/script&gt;"));
    free(html);
    /* The caption in the scripts is a well-quoted gnuplot string. */
    html = slurp_at(dir, "plots/boot.gp");
    assert_non_null(strstr(html, "CAPTION = 'accelerator: tcg (a\"b''c<d>)"));
    free(html);
}

static void test_build_bad_input(void **state)
{
    const char *dir = copy_fixture("run-bad");
    char path[PATH_MAX * 3];
    char *html;
    FILE *f;

    (void)state;
    snprintf(path, sizeof(path), "%s/samples.csv", dir);
    f = fopen(path, "a");
    assert_non_null(f);
    fputs("ide,ide,emulated,blk,randread,iops,IOPS,3,oops\nide,ide,emulated,blk,randread,io", f);
    fclose(f);
    snprintf(path, sizeof(path), "%s/run.json", dir);
    assert_int_equal(unlink(path), 0);
    /* What is readable is reported; the bad parts are named; exit 2. */
    assert_int_equal(build_without_gnuplot(dir), PVB_EXIT_USAGE);
    html = slurp_at(dir, "report.html");
    assert_non_null(strstr(html, "samples.csv:196: value &#39;oops&#39; is not a finite number "
                                 "(2 unreadable rows left out)"));
    assert_non_null(strstr(html, "run.json: No such file or directory"));
    assert_non_null(strstr(html, "9035")); /* the good samples are still there */
    free(html);
    /* No folder at all: nothing to do, said once. */
    snprintf(path, sizeof(path), "%s/nowhere", tmp_dir);
    assert_int_equal(report_build(path, "png", 1), PVB_EXIT_USAGE);
    assert_int_equal(report_build(dir, "gif", 1), PVB_EXIT_USAGE);
}

static void test_report_main_usage(void **state)
{
    char *help[] = {"report", "--help", NULL};
    char *none[] = {"report", NULL};
    char *badfmt[] = {"report", "--format", "bmp", "x", NULL};

    (void)state;
    assert_int_equal(report_main(2, help), PVB_EXIT_OK);
    assert_int_equal(report_main(1, none), PVB_EXIT_USAGE);
    assert_int_equal(report_main(4, badfmt), PVB_EXIT_USAGE);
}

static int setup_dirs(void **state)
{
    const char *file = __FILE__;
    const char *slash = strrchr(file, '/');

    (void)state;
    if (slash) {
        snprintf(fixture_dir, sizeof(fixture_dir), "%.*s/fixtures/run-small", (int)(slash - file),
                 file);
    } else {
        snprintf(fixture_dir, sizeof(fixture_dir), "fixtures/run-small");
    }
    snprintf(tmp_dir, sizeof(tmp_dir), "/tmp/pvbench-test-report-XXXXXX");
    return mkdtemp(tmp_dir) ? 0 : -1;
}

static int teardown_dirs(void **state)
{
    char cmd[PATH_MAX + 16];

    (void)state;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp_dir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bars_file),
        cmocka_unit_test(test_bars_file_hostile_text),
        cmocka_unit_test(test_points_file),
        cmocka_unit_test(test_write_bars_to_file),
        cmocka_unit_test(test_gp_quote),
        cmocka_unit_test(test_substitute),
        cmocka_unit_test(test_write_script),
        cmocka_unit_test(test_bars_numbers),
        cmocka_unit_test(test_speedup_numbers),
        cmocka_unit_test(test_hosts_ratios),
        cmocka_unit_test(test_build_hosts),
        cmocka_unit_test(test_ratio_within_noise),
        cmocka_unit_test(test_ratio_marks),
        cmocka_unit_test(test_boot_and_latency),
        cmocka_unit_test(test_percentile_label),
        cmocka_unit_test(test_view),
        cmocka_unit_test(test_view_rw),
        cmocka_unit_test(test_fmt_value),
        cmocka_unit_test(test_html_escape),
        cmocka_unit_test(test_backends_side_by_side),
        cmocka_unit_test(test_md_escape),
        cmocka_unit_test(test_build_fixture),
        cmocka_unit_test(test_build_hostile_metadata),
        cmocka_unit_test(test_build_bad_input),
        cmocka_unit_test(test_report_main_usage),
    };

    return cmocka_run_group_tests(tests, setup_dirs, teardown_dirs);
}
