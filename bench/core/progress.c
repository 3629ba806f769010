#include "progress.h"

#include <stdio.h>
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

static void show(const char *text)
{
    char eta[32] = "";
    double elapsed = util_now() - started;

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
        fprintf(stderr, "\r\033[K[%u/%u%s] %s", done, total, eta, text);
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
