/* The long commands' signal flag (signals.h). */
#include "signals.h"

#include <signal.h>
#include <string.h>

static volatile sig_atomic_t signals_caught;

static void signals_on(int sig)
{
    signals_caught = sig;
}

void signals_install(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = signals_on;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

int signals_interrupted(void)
{
    return signals_caught != 0;
}

int signals_last(void)
{
    return (int)signals_caught;
}
