/* Messages to the user: one place, printf-checked. */
#ifndef PVB_LOG_H
#define PVB_LOG_H

#define PVB_PRINTF(a, b) __attribute__((format(printf, a, b)))

void log_err(const char *fmt, ...) PVB_PRINTF(1, 2);
void log_warn(const char *fmt, ...) PVB_PRINTF(1, 2);
void log_info(const char *fmt, ...) PVB_PRINTF(1, 2);
/* Verbose detail, shown with -v. */
void log_debug(const char *fmt, ...) PVB_PRINTF(1, 2);
/* -1: quiet (errors and warnings only), 0: normal, 1: verbose (-v). */
void log_set_verbose(int v);
int log_verbosity(void);
/* Called before printing a message so a live progress line can be cleared first. */
void log_set_clear_hook(void (*hook)(void));

#endif
