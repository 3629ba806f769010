#include "log.h"

#include <stdarg.h>
#include <stdio.h>

static int verbose;
static void (*clear_hook)(void);

void log_set_verbose(int v)
{
    verbose = v;
}

int log_verbosity(void)
{
    return verbose;
}

void log_set_clear_hook(void (*hook)(void))
{
    clear_hook = hook;
}

static void log_v(const char *prefix, const char *fmt, va_list ap) PVB_PRINTF(2, 0);

static void log_v(const char *prefix, const char *fmt, va_list ap)
{
    flockfile(stderr); /* one line whole when hosts log from their threads */
    if (clear_hook) {
        clear_hook();
    }
    fprintf(stderr, "pvbench: %s", prefix);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    funlockfile(stderr);
}

void log_err(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_v("error: ", fmt, ap);
    va_end(ap);
}

void log_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_v("warning: ", fmt, ap);
    va_end(ap);
}

void log_info(const char *fmt, ...)
{
    va_list ap;
    if (verbose < 0) {
        return;
    }
    va_start(ap, fmt);
    log_v("", fmt, ap);
    va_end(ap);
}

void log_debug(const char *fmt, ...)
{
    va_list ap;
    if (verbose <= 0) {
        return;
    }
    va_start(ap, fmt);
    log_v("debug: ", fmt, ap);
    va_end(ap);
}
