/*
 * Signals of the long commands (run, selftest, demo): SIGINT, SIGTERM and SIGHUP set a flag
 * that every wait polls (a guest's channel, a host job), so a Ctrl-C stops guests and
 * removes scratch files instead of leaving them; SIGPIPE is ignored (a guest's socket closing
 * under a write is an error return, not a death).
 */
#ifndef PVB_SIGNALS_H
#define PVB_SIGNALS_H

void signals_install(void);
/* 1 once one of the signals arrived. */
int signals_interrupted(void);
/* The last signal that arrived, 0 if none. */
int signals_last(void);

#endif
