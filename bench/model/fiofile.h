/*
 * A user's fio job file as a workload (scenario key fio_job, engine = fio): the file read,
 * checked and normalised on the host, before anything boots (fiofile.c, pure).
 *
 * fio's job-file format: [global] and job sections, "key=value" and bare "key" lines,
 * comments from ';' or '#' at the start of a line. What the file may not say, refused with
 * "FILE:LINE: message": an include; a key naming another file or folder (filename,
 * directory, filename_format, opendir, nrfiles, the iolog and log files, exec_*); unlink;
 * an ioengine that is not direct I/O on a block device (allowed: FIOFILE_ENGINES);
 * direct=0, buffered=1; the keys pvbench owns: runtime, ramp_time, time_based (from the
 * scenario's runtime and warmup), startdelay, stonewall and wait_for* (every job runs
 * over the same measured interval), the latency percentile keys and
 * unified_rw_reporting (what pvbench reports); ${VAR} (the guest has not the user's
 * environment). Any other key goes to fio as it is: fio checks it in the guest, and its
 * complaint is the job's error.
 */
#ifndef PVB_FIOFILE_H
#define PVB_FIOFILE_H

#include <stddef.h>

#include "protocol.h"

/* The normalised text's limit (bytes, NUL included): it travels as hex on the job line. */
#define FIOFILE_TEXT_MAX PVB_FIOJOB_MAX
/* The ioengines a job file may name: direct I/O on the device under test. */
#define FIOFILE_ENGINES "libaio, io_uring, psync, sync, pvsync, pvsync2, vsync, posixaio"

struct fiofile {
    char text[FIOFILE_TEXT_MAX]; /* "[section]\nkey=value\nkey\n...": no comment, no blank */
    size_t len;
    unsigned jobs; /* sections other than [global] */
    /* the first job's pattern (one of the agent's read|write|randread|randwrite: mixed
     * patterns as their read side), block size and queue depth, for the tables */
    char rw[16];
    unsigned bs, iodepth;
};

/*
 * Parse and check src[0..n), named name in messages. 0, or -1 with "name:line: message"
 * (or "name: message" for the file as a whole) in msg.
 */
int fiofile_parse(const char *name, const char *src, size_t n, struct fiofile *f, char *msg,
                  size_t len) __attribute__((warn_unused_result));

/* Read path (at most 64 KiB) and fiofile_parse it. 0, or -1 with msg. */
int fiofile_load(const char *path, struct fiofile *f, char *msg, size_t len)
    __attribute__((warn_unused_result));

/*
 * A scenario's fio_job = job: job relative to the scenario file's folder (scenario: its
 * path as given) unless absolute, loaded and checked into f, its text hex-encoded into hex
 * (at least 2 * FIOFILE_TEXT_MAX bytes). 0, or -1 with msg.
 */
int fiofile_for_scenario(const char *scenario, const char *job, struct fiofile *f, char *hex,
                         size_t hexlen, char *msg, size_t len) __attribute__((warn_unused_result));

/*
 * What `pvbench run job.fio` is told: a job file is not a scenario, and how to name it in
 * one (into msg).
 */
void fiofile_not_a_scenario(const char *file, char *msg, size_t len);

#endif
