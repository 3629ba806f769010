/*
 * The control channel to one guest agent: a Unix socket the harness listens on,
 * which QEMU (or libvirt) connects to as the guest's ttyS1. Every read and write
 * has a deadline; lines are bounded; a flood of bytes without a newline is
 * discarded and counted, never buffered.
 */
#ifndef PVB_CHAN_H
#define PVB_CHAN_H

#include <stddef.h>
#include <stdint.h>

#include "protocol.h"

enum chan_status {
    CHAN_LINE = 1,     /* a complete line was read */
    CHAN_TIMEOUT = 0,  /* deadline passed */
    CHAN_EOF = -1,     /* the other side closed (guest gone) */
    CHAN_ERROR = -2,   /* I/O error */
    CHAN_FLOOD = -3,   /* more than the allowed bytes without a complete line */
    CHAN_ABORTED = -4, /* the abort callback asked to stop (signal, QEMU died) */
};

struct chan {
    int listen_fd;
    int fd;
    char buf[PVB_LINE_MAX];
    size_t len;
    int discarding;      /* inside an over-long line: drop bytes up to the next newline */
    uint64_t junk_bytes; /* bytes dropped since the last good line */
    uint64_t junk_limit; /* CHAN_FLOOD past this many dropped bytes */
    unsigned long overlong_lines;
};

/* Create the listening socket at path (the caller removes the path). */
int chan_listen(struct chan *c, const char *path) __attribute__((warn_unused_result));
/*
 * Wait until deadline (util_now() seconds) for the guest side to connect.
 * abort_cb, when given, is polled every 100 ms; non-zero stops the wait.
 */
int chan_accept(struct chan *c, double deadline, int (*abort_cb)(void *), void *arg);
/* Send a whole line (with its '\n') before deadline. 0 or a negative chan_status. */
int chan_send(struct chan *c, const char *line, double deadline);
/*
 * Read one line (without '\n', NUL-terminated, at most PVB_LINE_MAX-1 bytes)
 * into out. Over-long lines are skipped and counted in overlong_lines.
 */
int chan_read_line(struct chan *c, char *out, size_t outlen, double deadline,
                   int (*abort_cb)(void *), void *arg);
void chan_close(struct chan *c);
const char *chan_status_name(int status);

#endif
