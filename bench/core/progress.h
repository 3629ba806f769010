/* Progress of a run: one updating line on a terminal, plain lines otherwise. */
#ifndef PVB_PROGRESS_H
#define PVB_PROGRESS_H

#include <stddef.h>

void progress_init(unsigned total_jobs);
/* A job is starting. */
void progress_job(const char *config, const char *workload, unsigned rep, unsigned reps);
/* A job finished (successfully or not). */
void progress_job_done(double seconds);
/* A free-form status, e.g. "booting ide". */
void progress_status(const char *what);
/* A job to run again (a retry): one more in the total. */
void progress_add_jobs(unsigned n);
/* Erase the live line (before other output). */
void progress_clear(void);
/*
 * The first `width` columns of UTF-8 text into out (outsz bytes, NUL-terminated): one
 * column per character, so a multi-byte character is never split; a control character
 * becomes a space. Returns the bytes kept.
 */
size_t progress_fit(const char *text, unsigned width, char *out, size_t outsz);

#endif
