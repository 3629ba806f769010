#include "chan.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "util.h"

#define CHAN_DEFAULT_JUNK_LIMIT (256u << 10) /* 32 longest lines without a newline */

int chan_listen(struct chan *c, const char *path)
{
    struct sockaddr_un sa;

    memset(c, 0, sizeof(*c));
    c->fd = -1;
    c->junk_limit = CHAN_DEFAULT_JUNK_LIMIT;
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    if (util_strlcpy(sa.sun_path, path, sizeof(sa.sun_path)) < 0) {
        errno = ENAMETOOLONG;
        return -1;
    }
    c->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (c->listen_fd < 0) {
        return -1;
    }
    unlink(path);
    if (bind(c->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
        listen(c->listen_fd, 1) < 0) {
        int e = errno;
        close(c->listen_fd);
        c->listen_fd = -1;
        errno = e;
        return -1;
    }
    return 0;
}

static int wait_fd(int fd, short events, double deadline, int (*abort_cb)(void *), void *arg)
{
    for (;;) {
        struct pollfd p = {.fd = fd, .events = events};
        double left = deadline - util_now();
        int ms, r;

        if (abort_cb && abort_cb(arg)) {
            return CHAN_ABORTED;
        }
        if (left <= 0) {
            return CHAN_TIMEOUT;
        }
        ms = left > 0.1 ? 100 : (int)(left * 1000) + 1;
        r = poll(&p, 1, ms);
        if (r < 0 && errno != EINTR) {
            return CHAN_ERROR;
        }
        if (r > 0) {
            return CHAN_LINE;
        }
    }
}

int chan_accept(struct chan *c, double deadline, int (*abort_cb)(void *), void *arg)
{
    for (;;) {
        int r = wait_fd(c->listen_fd, POLLIN, deadline, abort_cb, arg);
        if (r != CHAN_LINE) {
            return r;
        }
        c->fd = accept4(c->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (c->fd >= 0) {
            return CHAN_LINE;
        }
        if (errno != EAGAIN && errno != EINTR) {
            return CHAN_ERROR;
        }
    }
}

int chan_send(struct chan *c, const char *line, double deadline)
{
    size_t len = strlen(line), off = 0;

    while (off < len) {
        ssize_t n = send(c->fd, line + off, len - off, MSG_NOSIGNAL);
        if (n > 0) {
            off += (size_t)n;
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            int r = wait_fd(c->fd, POLLOUT, deadline, NULL, NULL);
            if (r != CHAN_LINE) {
                return r;
            }
            continue;
        }
        return (n < 0 && (errno == EPIPE || errno == ECONNRESET)) ? CHAN_EOF : CHAN_ERROR;
    }
    return 0;
}

/* Take one complete line out of the buffer if there is one. */
static int take_line(struct chan *c, char *out, size_t outlen)
{
    char *nl = memchr(c->buf, '\n', c->len);
    size_t n;

    if (!nl) {
        return 0;
    }
    n = (size_t)(nl - c->buf);
    if (n > 0 && c->buf[n - 1] == '\r') {
        n--;
    }
    if (n >= outlen) {
        n = outlen - 1;
    }
    memcpy(out, c->buf, n);
    out[n] = '\0';
    c->len -= (size_t)(nl - c->buf) + 1;
    memmove(c->buf, nl + 1, c->len);
    c->junk_bytes = 0;
    return 1;
}

int chan_read_line(struct chan *c, char *out, size_t outlen, double deadline,
                   int (*abort_cb)(void *), void *arg)
{
    for (;;) {
        ssize_t n;
        int r;

        if (!c->discarding && take_line(c, out, outlen)) {
            return CHAN_LINE;
        }
        if (c->len == sizeof(c->buf)) {
            /* A full buffer without a newline: an over-long line. Drop it. */
            c->discarding = 1;
            c->overlong_lines++;
            c->junk_bytes += c->len;
            c->len = 0;
        }
        if (c->junk_bytes > c->junk_limit) {
            return CHAN_FLOOD;
        }
        n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);
        if (n == 0) {
            return CHAN_EOF;
        }
        if (n < 0) {
            if (errno != EAGAIN && errno != EINTR) {
                return CHAN_ERROR;
            }
            r = wait_fd(c->fd, POLLIN, deadline, abort_cb, arg);
            if (r != CHAN_LINE) {
                return r;
            }
            continue;
        }
        if (c->discarding) {
            char *nl = memchr(c->buf + c->len, '\n', (size_t)n);
            if (!nl) {
                c->junk_bytes += (size_t)n;
                continue;
            }
            /* Keep what follows the newline that ends the over-long line. */
            c->junk_bytes += (size_t)(nl - (c->buf + c->len)) + 1;
            memmove(c->buf, nl + 1, (size_t)(c->buf + c->len + n - (nl + 1)));
            c->len = (size_t)(c->buf + c->len + n - (nl + 1));
            c->discarding = 0;
            continue;
        }
        c->len += (size_t)n;
    }
}

void chan_close(struct chan *c)
{
    if (c->fd >= 0) {
        close(c->fd);
        c->fd = -1;
    }
    if (c->listen_fd >= 0) {
        close(c->listen_fd);
        c->listen_fd = -1;
    }
}

const char *chan_status_name(int status)
{
    switch (status) {
    case CHAN_LINE:
        return "ok";
    case CHAN_TIMEOUT:
        return "timed out";
    case CHAN_EOF:
        return "the guest closed the control channel";
    case CHAN_ERROR:
        return "I/O error on the control channel";
    case CHAN_FLOOD:
        return "the agent flooded the control channel (256 KiB without a newline)";
    case CHAN_ABORTED:
        return "interrupted";
    default:
        return "unknown";
    }
}
