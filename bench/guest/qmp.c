/* A minimal QMP client: Unix socket, greeting, capabilities, one command at a time. */
#include "qmp.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "util.h"

/* Longest single poll() sleep; deadlines are re-checked after each. */
#define QMP_POLL_SLICE_MS 1000

void qmp_init(struct qmp *q)
{
    memset(q, 0, sizeof(*q));
    q->fd = -1;
}

void qmp_close(struct qmp *q)
{
    if (q->fd >= 0) {
        close(q->fd);
    }
    free(q->buf);
    qmp_init(q);
}

const char *qmp_status_name(int status)
{
    switch (status) {
    case QMP_OK:
        return "ok";
    case QMP_ERR_IO:
        return "I/O error";
    case QMP_ERR_TIMEOUT:
        return "timeout";
    case QMP_ERR_PROTO:
        return "protocol error";
    case QMP_ERR_CMD:
        return "command failed";
    default:
        return "unknown";
    }
}

/* Wait until fd is ready for events or the deadline passes. QMP_OK or a negative status. */
static int qmp_wait(int fd, short events, double deadline)
{
    for (;;) {
        struct pollfd p;
        double left = deadline - util_now();
        int ms, rc;

        if (left <= 0) {
            return QMP_ERR_TIMEOUT;
        }
        ms = left * 1000.0 >= QMP_POLL_SLICE_MS ? QMP_POLL_SLICE_MS : (int)(left * 1000.0) + 1;
        p.fd = fd;
        p.events = events;
        p.revents = 0;
        rc = poll(&p, 1, ms);
        if (rc < 0) {
            if (errno == EINTR) {
                continue;
            }
            return QMP_ERR_IO;
        }
        if (rc > 0) {
            return QMP_OK;
        }
    }
}

static int qmp_send_all(struct qmp *q, const char *data, size_t len, double deadline)
{
    while (len > 0) {
        ssize_t n = send(q->fd, data, len, MSG_NOSIGNAL | MSG_DONTWAIT);
        int rc;

        if (n > 0) {
            data += n;
            len -= (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
            return QMP_ERR_IO;
        }
        rc = qmp_wait(q->fd, POLLOUT, deadline);
        if (rc != QMP_OK) {
            return rc;
        }
    }
    return QMP_OK;
}

/* Parse one complete line as a JSON object; the whole line must be that object. */
static json_object *qmp_parse_line(const char *line, size_t len)
{
    json_tokener *tok = json_tokener_new();
    json_object *obj;

    if (!tok || len > INT_MAX) {
        json_tokener_free(tok);
        return NULL;
    }
    obj = json_tokener_parse_ex(tok, line, (int)len);
    if (obj &&
        (json_tokener_get_error(tok) != json_tokener_success ||
         json_tokener_get_parse_end(tok) != len || !json_object_is_type(obj, json_type_object))) {
        json_object_put(obj);
        obj = NULL;
    }
    json_tokener_free(tok);
    return obj;
}

/*
 * Read the next message (one line) before deadline. Blank lines are skipped.
 * QMP_OK with *out owned by the caller, or a negative status with err set.
 */
static int qmp_read_msg(struct qmp *q, json_object **out, double deadline, char *err, size_t errlen)
{
    *out = NULL;
    for (;;) {
        char *nl = q->len ? memchr(q->buf, '\n', q->len) : NULL;
        ssize_t n;
        int rc;

        if (nl) {
            size_t linelen = (size_t)(nl - q->buf);
            size_t rest = q->len - linelen - 1;
            json_object *obj;

            while (linelen > 0 && (q->buf[linelen - 1] == '\r' || q->buf[linelen - 1] == ' ' ||
                                   q->buf[linelen - 1] == '\t')) {
                linelen--;
            }
            q->buf[linelen] = '\0';
            obj = linelen ? qmp_parse_line(q->buf, linelen) : NULL;
            memmove(q->buf, nl + 1, rest);
            q->len = rest;
            if (linelen == 0) {
                continue;
            }
            if (!obj) {
                snprintf(err, errlen, "QMP: a message that is not a JSON object");
                return QMP_ERR_PROTO;
            }
            *out = obj;
            return QMP_OK;
        }
        if (q->len >= QMP_MSG_MAX) {
            snprintf(err, errlen, "QMP: a message longer than %u bytes", QMP_MSG_MAX);
            return QMP_ERR_PROTO;
        }
        n = recv(q->fd, q->buf + q->len, QMP_MSG_MAX - q->len, MSG_DONTWAIT);
        if (n > 0) {
            q->len += (size_t)n;
            continue;
        }
        if (n == 0) {
            snprintf(err, errlen, "QMP: QEMU closed the connection");
            return QMP_ERR_IO;
        }
        if (errno == EINTR) {
            continue;
        }
        if (errno != EAGAIN && errno != EWOULDBLOCK) {
            snprintf(err, errlen, "QMP: read: %s", strerror(errno));
            return QMP_ERR_IO;
        }
        rc = qmp_wait(q->fd, POLLIN, deadline);
        if (rc != QMP_OK) {
            snprintf(err, errlen, "QMP: %s waiting for QEMU",
                     rc == QMP_ERR_TIMEOUT ? "timed out" : "poll failed");
            return rc;
        }
    }
}

/* "class: desc" of an error reply, bounded and printable. */
static void qmp_describe_error(json_object *e, char *err, size_t errlen)
{
    json_object *cls = NULL, *desc = NULL;

    json_object_object_get_ex(e, "class", &cls);
    json_object_object_get_ex(e, "desc", &desc);
    snprintf(err, errlen, "QMP: %s: %s",
             json_object_is_type(cls, json_type_string) ? json_object_get_string(cls) : "Error",
             json_object_is_type(desc, json_type_string) ? json_object_get_string(desc)
                                                         : "(no description)");
    util_sanitize(err);
}

int qmp_execute(struct qmp *q, const char *cmd, json_object *args, json_object **ret,
                double deadline, char *err, size_t errlen)
{
    json_object *req = NULL, *msg = NULL, *v = NULL;
    const char *text;
    unsigned id;
    int rc;

    if (ret) {
        *ret = NULL;
    }
    if (q->fd < 0 || !q->buf) {
        snprintf(err, errlen, "QMP: not connected");
        return QMP_ERR_IO;
    }
    id = ++q->next_id;
    req = json_object_new_object();
    if (!req) {
        snprintf(err, errlen, "QMP: out of memory");
        rc = QMP_ERR_IO;
        goto fail;
    }
    json_object_object_add(req, "execute", json_object_new_string(cmd));
    if (args) {
        json_object_object_add(req, "arguments", json_object_get(args));
    }
    json_object_object_add(req, "id", json_object_new_int64(id));
    text = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
    rc = qmp_send_all(q, text, strlen(text), deadline);
    if (rc == QMP_OK) {
        rc = qmp_send_all(q, "\n", 1, deadline);
    }
    if (rc != QMP_OK) {
        snprintf(err, errlen, "QMP: cannot send %s: %s", cmd,
                 rc == QMP_ERR_TIMEOUT ? "timed out" : strerror(errno));
        goto fail;
    }
    for (;;) {
        int has_id;

        rc = qmp_read_msg(q, &msg, deadline, err, errlen);
        if (rc != QMP_OK) {
            goto fail;
        }
        if (json_object_object_get_ex(msg, "event", NULL)) {
            q->events_skipped++;
            json_object_put(msg);
            msg = NULL;
            continue;
        }
        has_id = json_object_object_get_ex(msg, "id", &v);
        if (has_id &&
            !(json_object_is_type(v, json_type_int) && json_object_get_int64(v) == (int64_t)id)) {
            /* The answer to an earlier command that timed out: not ours. */
            json_object_put(msg);
            msg = NULL;
            continue;
        }
        if (json_object_object_get_ex(msg, "error", &v)) {
            /* Without an id it is QEMU refusing the request itself: ours too. */
            qmp_describe_error(v, err, errlen);
            rc = QMP_ERR_CMD;
            break;
        }
        if (!has_id) {
            json_object_put(msg);
            msg = NULL;
            continue;
        }
        if (json_object_object_get_ex(msg, "return", &v)) {
            if (ret) {
                *ret = json_object_get(v);
            }
            rc = QMP_OK;
            break;
        }
        snprintf(err, errlen, "QMP: a reply to %s with neither return nor error", cmd);
        rc = QMP_ERR_PROTO;
        goto fail;
    }
    json_object_put(msg);
    json_object_put(req);
    return rc;
fail:
    json_object_put(msg);
    json_object_put(req);
    /* After a timeout or garbage the stream is out of step: end the session. */
    if (q->fd >= 0) {
        close(q->fd);
        q->fd = -1;
    }
    return rc;
}

/* The greeting {"QMP": {"version": {"qemu": {...}}, "capabilities": [...]}}, then capabilities. */
static int qmp_handshake(struct qmp *q, double deadline, char *err, size_t errlen)
{
    json_object *msg = NULL, *greet, *ver, *qemu, *part;
    long long v[3] = {0, 0, 0};
    static const char *const keys[] = {"major", "minor", "micro"};
    int rc;

    q->buf = malloc(QMP_MSG_MAX + 1);
    if (!q->buf) {
        snprintf(err, errlen, "QMP: out of memory");
        return QMP_ERR_IO;
    }
    q->len = 0;
    rc = qmp_read_msg(q, &msg, deadline, err, errlen);
    if (rc != QMP_OK) {
        return rc;
    }
    if (!json_object_object_get_ex(msg, "QMP", &greet) ||
        !json_object_is_type(greet, json_type_object)) {
        snprintf(err, errlen, "QMP: the first message is not a QMP greeting");
        json_object_put(msg);
        return QMP_ERR_PROTO;
    }
    if (json_object_object_get_ex(greet, "version", &ver) &&
        json_object_object_get_ex(ver, "qemu", &qemu)) {
        for (unsigned i = 0; i < 3; i++) {
            if (json_object_object_get_ex(qemu, keys[i], &part) &&
                json_object_is_type(part, json_type_int)) {
                v[i] = json_object_get_int64(part);
            }
        }
    }
    snprintf(q->version, sizeof(q->version), "%lld.%lld.%lld", v[0], v[1], v[2]);
    json_object_put(msg);
    return qmp_execute(q, "qmp_capabilities", NULL, NULL, deadline, err, errlen);
}

int qmp_attach_fd(struct qmp *q, int fd, double deadline, char *err, size_t errlen)
{
    int rc;

    qmp_init(q);
    q->fd = fd;
    rc = qmp_handshake(q, deadline, err, errlen);
    if (rc != QMP_OK) {
        qmp_close(q);
    }
    return rc;
}

int qmp_connect(struct qmp *q, const char *path, double deadline, char *err, size_t errlen)
{
    struct sockaddr_un sa;
    int fd;

    qmp_init(q);
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    if (util_strlcpy(sa.sun_path, path, sizeof(sa.sun_path)) < 0) {
        snprintf(err, errlen, "QMP: socket path too long: %s", path);
        return QMP_ERR_IO;
    }
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, errlen, "QMP: socket: %s", strerror(errno));
        return QMP_ERR_IO;
    }
    /* QEMU creates the socket early; until then (or while its backlog is full) retry. */
    while (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        if (errno != ENOENT && errno != ECONNREFUSED && errno != EAGAIN && errno != EINTR) {
            snprintf(err, errlen, "QMP: connect %s: %s", path, strerror(errno));
            close(fd);
            return QMP_ERR_IO;
        }
        if (util_now() >= deadline) {
            snprintf(err, errlen, "QMP: connect %s: %s (gave up)", path, strerror(errno));
            close(fd);
            return QMP_ERR_TIMEOUT;
        }
        usleep(20000);
    }
    return qmp_attach_fd(q, fd, deadline, err, errlen);
}
