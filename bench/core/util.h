/* Small helpers shared by the harness: time, strings, files, child processes. */
#ifndef PVB_UTIL_H
#define PVB_UTIL_H

#include <stddef.h>
#include <sys/types.h>

#include "log.h"

/* Monotonic seconds. */
double util_now(void);
/* Wall clock as ISO 8601 UTC ("2026-11-26T06:36:41Z") into buf. */
void util_iso_time(char *buf, size_t len);
/* strlcpy semantics: returns -1 if src did not fit (dst is still terminated). */
int util_strlcpy(char *dst, const char *src, size_t len);
/* An error's reason into err (nothing when err is NULL or errlen 0). */
void util_seterr(char *err, size_t errlen, const char *fmt, ...) PVB_PRINTF(3, 4);
/* snprintf that reports truncation as -1. */
int util_fmt(char *dst, size_t len, const char *fmt, ...) PVB_PRINTF(3, 4);
/* mkdir -p with mode 0755. 0 or -1 (errno). */
int util_mkdir_p(const char *path);
/* Replace path (an existing file or folder) by its absolute, canonical form. 0 or -1 (errno). */
int util_make_absolute(char *path, size_t len);
/* Read at most len-1 bytes of a small file into buf (NUL-terminated). Bytes read or -1. */
ssize_t util_read_file(const char *path, char *buf, size_t len);
/* Read a whole file into a malloc'ed NUL-terminated buffer (max bytes). NULL on error. */
char *util_slurp(const char *path, size_t max, size_t *lenp);
/* Strip trailing white space in place. */
void util_rstrip(char *s);
/* Make a string printable: control and non-ASCII bytes become '?'. */
void util_sanitize(char *s);
/* Start time of a process (field 22 of /proc/PID/stat), 0 if gone. */
unsigned long long util_proc_starttime(pid_t pid);
/* User+system CPU seconds of a process (and its reaped threads), -1 if gone. */
double util_proc_cpu_seconds(pid_t pid);
/*
 * Run argv (no shell), capture up to outlen-1 bytes of stdout+stderr, wait at most
 * timeout_s. Returns the exit status (0..255), or -1 if it could not run or timed out.
 */
int util_run_capture(char *const argv[], char *out, size_t outlen, double timeout_s);
/* Write a whole buffer to an fd, retrying on EINTR and short writes. 0 or -1. */
int util_write_all(int fd, const void *buf, size_t len);
/* fsync a folder, so renames inside it survive a crash (EINVAL from fsync is no error). 0 or -1. */
int util_sync_dir(const char *dir) __attribute__((warn_unused_result));
/*
 * Write len bytes to path atomically: to "<path>.tmp", fsync'ed, renamed over path and the
 * folder fsync'ed, so that a reader (or a crash) sees the old file or the new one, never half.
 * 0, or -1 with errno set.
 */
int util_write_atomic(const char *path, const void *data, size_t len)
    __attribute__((warn_unused_result));
/* Copy a file (for the scenario copy in the run folder). 0 or -1. */
int util_copy_file(const char *from, const char *to);

#endif
