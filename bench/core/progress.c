#include "progress.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

static int tty;
static int line_shown;
static unsigned total, done;
static double started;

void progress_init(unsigned total_jobs)
{
    tty = isatty(STDERR_FILENO);
    total = total_jobs;
    done = 0;
    started = util_now();
    log_set_clear_hook(progress_clear);
}

void progress_clear(void)
{
    flockfile(stderr); /* hosts measured in parallel report from their threads */
    if (tty && line_shown) {
        fputs("\r\033[K", stderr);
        line_shown = 0;
    }
    funlockfile(stderr);
}

/* Bytes of the UTF-8 sequence that starts with byte c (1 for a stray continuation byte). */
static size_t utf8_len(unsigned char c)
{
    if (c >= 0xf0 && c < 0xf8) {
        return 4;
    }
    if (c >= 0xe0) {
        return c < 0xf0 ? 3 : 1;
    }
    return c >= 0xc0 ? 2 : 1;
}

size_t progress_fit(const char *text, unsigned width, char *out, size_t outsz)
{
    size_t in = 0, n = 0;
    unsigned cols = 0;

    if (outsz == 0) {
        return 0;
    }
    while (text[in] != '\0' && cols < width) {
        size_t len = utf8_len((unsigned char)text[in]), k;

        for (k = 1; k < len; k++) {
            if (((unsigned char)text[in + k] & 0xc0) != 0x80) {
                len = k; /* a cut sequence: what is there is one column */
                break;
            }
        }
        if (n + len >= outsz) {
            break;
        }
        memcpy(out + n, text + in, len);
        if (len == 1 && (unsigned char)out[n] < 0x20) {
            out[n] = ' '; /* a tab or newline would move the cursor off the counted column */
        }
        n += len;
        in += len;
        cols++;
    }
    out[n] = '\0';
    return n;
}

/*
 * The terminal's width now: asked on every update, so a resized window is followed without
 * a SIGWINCH handler. COLUMNS when stderr answers no size; 0 when nothing says.
 */
static unsigned term_width(void)
{
    struct winsize ws;
    const char *env = getenv("COLUMNS");
    long cols;
    char *end;

    if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) {
        return ws.ws_col;
    }
    if (env && *env) {
        cols = strtol(env, &end, 10);
        if (*end == '\0' && cols > 0 && cols < 10000) {
            return (unsigned)cols;
        }
    }
    return 0;
}

static void show(const char *text)
{
    char eta[32] = "";
    char line[512], shown[512];
    double elapsed = util_now() - started;
    unsigned width;

    /* -q: no progress at all; the run's result still says what happened. */
    if (log_verbosity() < 0) {
        return;
    }
    if (done > 0 && total > done) {
        double left = elapsed / done * (total - done);
        snprintf(eta, sizeof(eta), ", ETA %um%02us", (unsigned)left / 60, (unsigned)left % 60);
    }
    flockfile(stderr);
    if (tty) {
        snprintf(line, sizeof(line), "[%u/%u%s] %s", done, total, eta, text);
        width = term_width();
        /*
         * One column short of the width: a line that fills the last column wraps on some
         * terminals, and the next "\r" would then return to the wrapped half only.
         */
        if (width > 1) {
            progress_fit(line, width - 1, shown, sizeof(shown));
        } else {
            snprintf(shown, sizeof(shown), "%s", line);
        }
        fprintf(stderr, "\r\033[K%s", shown);
        fflush(stderr);
        line_shown = 1;
    } else {
        fprintf(stderr, "pvbench: [%u/%u%s] %s\n", done, total, eta, text);
    }
    funlockfile(stderr);
}

void progress_job(const char *config, const char *workload, unsigned rep, unsigned reps)
{
    char text[160];

    if (rep == 0) {
        snprintf(text, sizeof(text), "%s  %s  warm-up (not counted)", config, workload);
    } else {
        snprintf(text, sizeof(text), "%s  %s  rep %u/%u", config, workload, rep, reps);
    }
    show(text);
}

void progress_job_done(double seconds)
{
    (void)seconds;
    __atomic_add_fetch(&done, 1, __ATOMIC_RELAXED);
}

void progress_add_jobs(unsigned n)
{
    __atomic_add_fetch(&total, n, __ATOMIC_RELAXED);
}

void progress_status(const char *what)
{
    show(what);
}
