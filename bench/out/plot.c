/*
 * gnuplot data files, scripts made from templates, and gnuplot itself.
 * What to draw is decided in report.c; this file only knows bars, lines and files.
 */
#include "plot.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "paths.h"
#include "util.h"

/* Gap between two groups of bars, in bar widths. */
#define PLOT_GROUP_GAP 0.7
/* Longest template accepted. */
#define PLOT_TEMPLATE_MAX (256 * 1024)

/* ---- data files ------------------------------------------------------------------------------ */

/* A text column: double-quoted; quotes and control bytes cannot appear inside. */
static void plot_fput_text(FILE *out, const char *s)
{
    fputc('"', out);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;

        if (c == '"') {
            fputc('\'', out);
        } else if (c < 0x20 || c == 0x7f) {
            fputc(' ', out);
        } else {
            fputc(c, out);
        }
    }
    fputc('"', out);
}

/* Same as plot_fput_text, then a separator. */
static void plot_fput_col(FILE *out, const char *s, char sep)
{
    plot_fput_text(out, s);
    fputc(sep, out);
}

/* The header comment every data file starts with: format, version and what it holds. */
static void plot_fput_header(FILE *out, const char *what)
{
    fprintf(out, "# pvbench plot data v%d: ", PLOT_DATA_VERSION);
    for (; what && *what; what++) {
        fputc((unsigned char)*what < 0x20 ? ' ' : *what, out);
    }
    fputc('\n', out);
}

uint32_t plot_class_colour(const char *class_, unsigned shade)
{
    /* Okabe-Ito orange and blue first (readable for colour-blind readers), then tones. */
    static const uint32_t emulated[] = {0xE69F00, 0xB35900, 0xF2C45A, 0x8C6400};
    static const uint32_t paravirtual[] = {0x0072B2, 0x56B4E9, 0x003F66, 0x2E9BD6};
    static const uint32_t other[] = {0x999999, 0x666666, 0xBBBBBB, 0x444444};
    const uint32_t *t = other;

    if (class_ && strcmp(class_, "emulated") == 0) {
        t = emulated;
    } else if (class_ && strcmp(class_, "paravirtual") == 0) {
        t = paravirtual;
    }
    return t[shade % 4];
}

/* Do two bars belong to the same group? */
static int plot_same_group(const struct plot_bar *a, const struct plot_bar *b)
{
    return strcmp(a->group, b->group) == 0 && strcmp(a->sub, b->sub) == 0;
}

int plot_bars_fprint(FILE *out, const char *what, const struct plot_bar *bars, size_t n)
{
    double x = 0.0, first = 0.0;
    size_t i;

    plot_fput_header(out, what);
    fprintf(out, "# block 0, one row per bar: x value low high colour name class note n\n");
    for (i = 0; i < n; i++) {
        const struct plot_bar *b = &bars[i];

        if (i > 0) {
            x += plot_same_group(b, &bars[i - 1]) ? 1.0 : 1.0 + PLOT_GROUP_GAP;
        }
        fprintf(out, "%g %.6g %.6g %.6g 0x%06X ", x, b->value, b->low, b->high,
                (unsigned)plot_class_colour(b->class_, 0));
        plot_fput_col(out, b->name, ' ');
        plot_fput_col(out, b->class_, ' ');
        plot_fput_col(out, b->note, ' ');
        fprintf(out, "%u\n", b->n);
    }
    /* Two blank lines end a gnuplot data block ("index 1" below). */
    fprintf(out, "\n\n# block 1, one row per group: x group sub\n");
    x = 0.0;
    for (i = 0; i < n; i++) {
        if (i > 0) {
            x += plot_same_group(&bars[i], &bars[i - 1]) ? 1.0 : 1.0 + PLOT_GROUP_GAP;
        }
        if (i == 0 || !plot_same_group(&bars[i], &bars[i - 1])) {
            first = x;
        }
        if (i + 1 == n || !plot_same_group(&bars[i], &bars[i + 1])) {
            fprintf(out, "%g ", (first + x) / 2.0);
            plot_fput_col(out, bars[i].group, ' ');
            plot_fput_col(out, bars[i].sub, '\n');
        }
    }
    return ferror(out) ? -1 : 0;
}

/* Index of the first element of pts[0..n) whose field at offset off equals pts[i]'s. */
static size_t plot_first_same(const struct plot_point *pts, size_t i, size_t off)
{
    const char *want = (const char *)&pts[i] + off;
    size_t j;

    for (j = 0; j < i; j++) {
        if (strcmp((const char *)&pts[j] + off, want) == 0) {
            break;
        }
    }
    return j;
}

int plot_points_fprint(FILE *out, const char *what, const struct plot_point *pts, size_t n)
{
    const size_t off_series = offsetof(struct plot_point, series);
    const size_t off_x = offsetof(struct plot_point, x);
    size_t i, j, pos, blocks = 0;
    unsigned shade;

    plot_fput_header(out, what);
    fprintf(out, "# one block per series; its first row is the series title, then: "
                 "x label value low high colour\n");
    for (i = 0; i < n; i++) {
        if (plot_first_same(pts, i, off_series) != i) {
            continue; /* each series once, at its first point */
        }
        /* Series of the same class before this one: each gets its own tone of the hue. */
        shade = 0;
        for (j = 0; j < i; j++) {
            shade += plot_first_same(pts, j, off_series) == j &&
                     strcmp(pts[j].class_, pts[i].class_) == 0;
        }
        fprintf(out, "%s", blocks++ ? "\n\n" : "");
        plot_fput_col(out, pts[i].series, ' ');
        fprintf(out, "x label value low high colour\n");
        for (j = i; j < n; j++) {
            size_t k, first_x;

            if (strcmp(pts[j].series, pts[i].series) != 0) {
                continue;
            }
            /* x position: rank of this category among all categories, first-seen order. */
            first_x = plot_first_same(pts, j, off_x);
            pos = 0;
            for (k = 0; k < first_x; k++) {
                pos += plot_first_same(pts, k, off_x) == k;
            }
            fprintf(out, "%zu ", pos);
            plot_fput_col(out, pts[j].x, ' ');
            fprintf(out, "%.6g %.6g %.6g 0x%06X\n", pts[j].value, pts[j].low, pts[j].high,
                    (unsigned)plot_class_colour(pts[j].class_, shade));
        }
    }
    return ferror(out) ? -1 : 0;
}

/* Write a data file through one of the printers above. */
static int plot_write_file(const char *path,
                           int (*print)(FILE *, const char *, const void *, size_t),
                           const char *what, const void *items, size_t n)
{
    FILE *f = fopen(path, "we");
    int rc, saved;

    if (!f) {
        return -1;
    }
    rc = print(f, what, items, n);
    saved = errno;
    if (fclose(f) != 0 && rc == 0) {
        return -1;
    }
    errno = saved;
    return rc;
}

static int plot_bars_print_any(FILE *out, const char *what, const void *items, size_t n)
{
    return plot_bars_fprint(out, what, items, n);
}

static int plot_points_print_any(FILE *out, const char *what, const void *items, size_t n)
{
    return plot_points_fprint(out, what, items, n);
}

int plot_write_bars(const char *path, const char *what, const struct plot_bar *bars, size_t n)
{
    return plot_write_file(path, plot_bars_print_any, what, bars, n);
}

int plot_write_points(const char *path, const char *what, const struct plot_point *pts, size_t n)
{
    return plot_write_file(path, plot_points_print_any, what, pts, n);
}

/* ---- scripts from templates ------------------------------------------------------------------ */

void plot_gp_quote(char *out, size_t outlen, const char *s)
{
    static const char nl[] = "' . \"\\n\" . '";
    size_t o = 0;

    if (!out || outlen == 0) {
        return;
    }
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        const char *add;
        char one[3] = {0};
        size_t len;

        if (c == '\n') {
            add = nl;
        } else if (c == '\'') {
            add = "''";
        } else {
            one[0] = (c < 0x20 || c == 0x7f) ? ' ' : (char)c;
            add = one;
        }
        len = strlen(add);
        if (o + len + 1 > outlen) {
            break; /* cut between two pieces: the quoting stays well-formed */
        }
        memcpy(out + o, add, len);
        o += len;
    }
    out[o] = '\0';
}

/* The value of placeholder name[0..len), or NULL. */
static const char *plot_var_find(const struct plot_var *vars, size_t nvars, const char *name,
                                 size_t len)
{
    for (size_t i = 0; i < nvars; i++) {
        if (strlen(vars[i].name) == len && memcmp(vars[i].name, name, len) == 0) {
            return vars[i].value;
        }
    }
    return NULL;
}

char *plot_substitute(const char *text, const char *name, const struct plot_var *vars, size_t nvars,
                      char *err, size_t errlen)
{
    char *out = NULL;
    size_t outlen = 0;
    FILE *f = open_memstream(&out, &outlen);
    const char *p = text, *open, *close, *value;
    unsigned line = 1;

    if (!f) {
        snprintf(err, errlen, "%s: out of memory", name);
        return NULL;
    }
    while ((open = strstr(p, "{{")) != NULL) {
        for (const char *q = p; q < open; q++) {
            line += *q == '\n';
        }
        fwrite(p, 1, (size_t)(open - p), f);
        close = strstr(open + 2, "}}");
        value = close ? plot_var_find(vars, nvars, open + 2, (size_t)(close - open - 2)) : NULL;
        if (!value) {
            int len = close ? (int)(close - open + 2) : 2;

            if (len > 40) {
                len = 40;
            }
            snprintf(err, errlen, "%s:%u: unknown placeholder %.*s", name, line, len, open);
            fclose(f);
            free(out);
            return NULL;
        }
        fputs(value, f);
        p = close + 2;
    }
    fputs(p, f);
    if (fclose(f) != 0) {
        free(out);
        snprintf(err, errlen, "%s: out of memory", name);
        return NULL;
    }
    return out;
}

void plot_template_dir(char *out, size_t outlen)
{
    snprintf(out, outlen, "%s/scripts/plot", paths_datadir());
}

int plot_write_script(const char *tmpl_dir, const char *plots_dir, const struct plot_chart *c,
                      const char *format, const char *caption, char *err, size_t errlen)
{
    char tpath[PATH_MAX], gpath[PATH_MAX], output[96], size[32], width[16], height[16];
    char title[sizeof(c->title) * 2 + 64], ylabel[sizeof(c->ylabel) * 2 + 64];
    char capq[2048];
    const char *terminal = strcmp(format, "svg") == 0 ? "svg" : "pngcairo";
    char *text = NULL, *script = NULL;
    size_t len;
    int rc = -1;

    snprintf(tpath, sizeof(tpath), "%s/%s.gp", tmpl_dir, c->tmpl);
    snprintf(gpath, sizeof(gpath), "%s/%s.gp", plots_dir, c->name);
    snprintf(output, sizeof(output), "%s.%s", c->name, strcmp(format, "svg") == 0 ? "svg" : "png");
    snprintf(size, sizeof(size), "%u,%u", c->width, c->height);
    snprintf(width, sizeof(width), "%u", c->width);
    snprintf(height, sizeof(height), "%u", c->height);
    plot_gp_quote(title, sizeof(title), c->title);
    plot_gp_quote(ylabel, sizeof(ylabel), c->ylabel);
    plot_gp_quote(capq, sizeof(capq), caption);
    {
        const struct plot_var vars[] = {
            {"TERMINAL", terminal}, {"SIZE", size},       {"WIDTH", width},      {"HEIGHT", height},
            {"OUTPUT", output},     {"DATA", c->data[0]}, {"DATA2", c->data[1]}, {"TITLE", title},
            {"YLABEL", ylabel},     {"CAPTION", capq},
        };

        text = util_slurp(tpath, PLOT_TEMPLATE_MAX, &len);
        if (!text) {
            snprintf(err, errlen, "%s: cannot read the gnuplot template: %s", tpath,
                     strerror(errno));
            goto out;
        }
        script = plot_substitute(text, tpath, vars, sizeof(vars) / sizeof(vars[0]), err, errlen);
        if (!script) {
            goto out;
        }
    }
    {
        FILE *f = fopen(gpath, "we");

        if (!f) {
            snprintf(err, errlen, "%s: %s", gpath, strerror(errno));
            goto out;
        }
        fputs(script, f);
        if (fclose(f) != 0) {
            snprintf(err, errlen, "%s: write error: %s", gpath, strerror(errno));
            goto out;
        }
    }
    rc = 0;
out:
    free(text);
    free(script);
    return rc;
}

/* ---- gnuplot --------------------------------------------------------------------------------- */

int plot_have_gnuplot(void)
{
    const char *path = getenv("PATH");
    char *copy, *save = NULL, *dir;
    char exe[PATH_MAX];
    int found = 0;

    copy = strdup(path && *path ? path : "/usr/local/bin:/usr/bin:/bin");
    if (!copy) {
        return 0;
    }
    for (dir = strtok_r(copy, ":", &save); dir && !found; dir = strtok_r(NULL, ":", &save)) {
        snprintf(exe, sizeof(exe), "%s/gnuplot", *dir ? dir : ".");
        found = access(exe, X_OK) == 0;
    }
    free(copy);
    return found;
}

/* gnuplot's most useful message in its log: the first "file" line N: ... line, or the last. */
static void plot_log_message(const char *log, char *out, size_t outlen)
{
    char *text = util_slurp(log, 64 * 1024, NULL);
    char *line, *save = NULL, *pick = NULL, *last = NULL;

    out[0] = '\0';
    if (!text) {
        return;
    }
    for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (!pick && line[0] == '"' && strstr(line, "\" line ")) {
            pick = line;
        }
        if (line[strspn(line, " \t^")] != '\0') {
            last = line;
        }
    }
    if (pick || last) {
        snprintf(out, outlen, "%s", pick ? pick : last);
        util_sanitize(out);
    }
    free(text);
}

/* Wait for pid until the deadline; kill its process group when it passes. */
static int plot_wait(pid_t pid, double timeout_s, int *status)
{
    double deadline = util_now() + timeout_s;
    struct timespec nap = {0, 20 * 1000 * 1000};
    pid_t r;

    for (;;) {
        r = waitpid(pid, status, WNOHANG);
        if (r == pid) {
            return 0;
        }
        if (r < 0 && errno != EINTR) {
            return -1;
        }
        if (util_now() > deadline) {
            kill(-pid, SIGKILL); /* gnuplot leads its own process group (see below) */
            kill(pid, SIGKILL);
            while (waitpid(pid, status, 0) < 0 && errno == EINTR) {
            }
            errno = ETIMEDOUT;
            return -1;
        }
        nanosleep(&nap, NULL);
    }
}

int plot_run_gnuplot(const char *plots_dir, const char *script, double timeout_s, char *err,
                     size_t errlen)
{
    char log[PATH_MAX], msg[256];
    char *argv[] = {"gnuplot", (char *)script, NULL};
    struct stat st;
    int fd, devnull, status = 0;
    pid_t pid;

    snprintf(log, sizeof(log), "%s/%s.log", plots_dir, script);
    fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", log, strerror(errno));
        return -1;
    }
    devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
    pid = fork();
    if (pid < 0) {
        snprintf(err, errlen, "cannot start gnuplot: %s", strerror(errno));
        close(fd);
        if (devnull >= 0) {
            close(devnull);
        }
        return -1;
    }
    if (pid == 0) {
        /* Own process group, so a timeout can end gnuplot and anything it started. */
        setpgid(0, 0);
        if (chdir(plots_dir) < 0) {
            _exit(126);
        }
        if (devnull >= 0) {
            dup2(devnull, 0);
        }
        dup2(fd, 1);
        dup2(fd, 2);
        execvp(argv[0], argv);
        _exit(127);
    }
    close(fd);
    if (devnull >= 0) {
        close(devnull);
    }
    if (plot_wait(pid, timeout_s, &status) < 0) {
        snprintf(err, errlen, "%s/%s: gnuplot %s", plots_dir, script,
                 errno == ETIMEDOUT ? "did not finish in time and was stopped"
                                    : "could not be waited for");
        return -1;
    }
    plot_log_message(log, msg, sizeof(msg));
    if (stat(log, &st) == 0 && st.st_size == 0) {
        unlink(log);
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        return 0;
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
        snprintf(err, errlen, "gnuplot could not be started (is it installed?)");
    } else if (WIFEXITED(status) && WEXITSTATUS(status) == 126) {
        snprintf(err, errlen, "%s: cannot enter the folder", plots_dir);
    } else if (WIFEXITED(status)) {
        snprintf(err, errlen, "%s/%s: gnuplot exited with %d: %s", plots_dir, script,
                 WEXITSTATUS(status), msg[0] ? msg : "(no message)");
    } else {
        snprintf(err, errlen, "%s/%s: gnuplot killed by signal %d", plots_dir, script,
                 WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    }
    return -1;
}
