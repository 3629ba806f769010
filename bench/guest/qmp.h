/*
 * A minimal QMP client (QEMU Machine Protocol) over a Unix socket: the greeting,
 * qmp_capabilities, and one command at a time. Replies are matched by "id";
 * asynchronous events and stale replies in between are skipped. Every read and
 * write has a deadline (util_now() seconds); a message is one line of at most
 * QMP_MSG_MAX bytes, anything longer ends the session. QEMU is a local process we
 * started, but its answers are still checked like any other input.
 */
#ifndef PVB_QMP_H
#define PVB_QMP_H

#include <json-c/json.h>
#include <stddef.h>

#define QMP_MSG_MAX (256u * 1024u)

enum qmp_status {
    QMP_OK = 0,
    QMP_ERR_IO = -1,      /* socket error, or QEMU closed the connection */
    QMP_ERR_TIMEOUT = -2, /* the deadline passed */
    QMP_ERR_PROTO = -3,   /* not QMP: bad JSON, no greeting, over-long message */
    QMP_ERR_CMD = -4,     /* QEMU answered the command with an error */
};

struct qmp {
    int fd;
    char *buf; /* bytes read and not yet consumed */
    size_t len;
    unsigned next_id;
    unsigned long events_skipped;
    char version[32]; /* "7.2.22" from the greeting */
};

/* An unconnected client (fd -1); qmp_close on it is harmless. */
void qmp_init(struct qmp *q);

/*
 * Connect to QEMU's QMP socket at path, read the greeting and negotiate
 * capabilities, all before deadline. QMP_OK, or a negative qmp_status with err set.
 */
int qmp_connect(struct qmp *q, const char *path, double deadline, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* The same over an already connected stream socket; q owns fd from now on (tests). */
int qmp_attach_fd(struct qmp *q, int fd, double deadline, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/*
 * Run one command with optional arguments (borrowed; NULL for none) and wait until
 * deadline for its reply. On QMP_OK, *ret (when ret is not NULL) holds the value of
 * "return", owned by the caller (json_object_put). QMP_ERR_CMD carries QEMU's
 * "class: desc" in err; the session stays usable. Other errors end the session.
 */
int qmp_execute(struct qmp *q, const char *cmd, json_object *args, json_object **ret,
                double deadline, char *err, size_t errlen) __attribute__((warn_unused_result));

void qmp_close(struct qmp *q);
const char *qmp_status_name(int status);

#endif
