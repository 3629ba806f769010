/* A guest's serial ports through libvirt streams (backend_libvirt_stream.h). */
#include "backend_libvirt_stream.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <libvirt/virterror.h>

#include "log.h"
#include "util.h"

/* How long the event loop thread waits for the session to take what the agent sent. */
#define LVS_SOCK_WAIT_MS 2000
#define LVS_BUF 65536
#define LVS_PEND 4096

enum { LVS_CONSOLE = 0, LVS_AGENT = 1 };

struct lv_ports;

struct lv_port {
    struct lv_ports *owner;
    virStreamPtr st;
    int fd;    /* console: the harness's log file; agent: our end of the session's socket */
    int st_cb; /* the stream's event callback is registered */
    char pend[LVS_PEND]; /* harness-to-guest bytes the stream did not take yet (agent) */
    size_t pend_len;
    unsigned long long in; /* guest-to-harness bytes */
};

/*
 * Shared by the harness thread (open, close) and libvirt's event loop thread (callbacks),
 * under mu; freed when the owner and every registered callback have let go (refs).
 */
struct lv_ports {
    pthread_mutex_t mu;
    int refs;
    int closed;
    virConnectPtr conn;
    struct lv_port port[2];
    int watch; /* event handle on the agent socket, -1 if none */
    struct lv_ports *next;
};

static pthread_mutex_t lvs_list_mu = PTHREAD_MUTEX_INITIALIZER;
static struct lv_ports *lvs_list;

static void lvs_unref(void *opaque)
{
    struct lv_ports *p = opaque;

    if (__atomic_sub_fetch(&p->refs, 1, __ATOMIC_ACQ_REL) > 0) {
        return;
    }
    pthread_mutex_destroy(&p->mu);
    if (p->conn) {
        virConnectClose(p->conn);
    }
    free(p);
}

static void lvs_ref(struct lv_ports *p)
{
    __atomic_add_fetch(&p->refs, 1, __ATOMIC_ACQ_REL);
}

/* Write all of buf to fd (nonblocking), waiting a bounded time for room. 0 or -1. */
static int lvs_write_all(int fd, const char *buf, size_t len)
{
    size_t off = 0;

    while (off < len) {
        ssize_t n = write(fd, buf + off, len - off);

        if (n > 0) {
            off += (size_t)n;
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            struct pollfd pf = {.fd = fd, .events = POLLOUT};

            if (errno == EINTR || poll(&pf, 1, LVS_SOCK_WAIT_MS) > 0) {
                continue;
            }
        }
        return -1;
    }
    return 0;
}

/* The guest's side ended (or the stream failed): the session reads EOF. */
static void lvs_port_eof(struct lv_port *pt, const char *why)
{
    if (pt->st_cb) {
        virStreamEventRemoveCallback(pt->st);
        pt->st_cb = 0;
    }
    if (pt == &pt->owner->port[LVS_AGENT] && pt->fd >= 0) {
        log_debug("libvirt stream: agent port %s", why);
        shutdown(pt->fd, SHUT_RDWR);
    }
}

/* Push the pending harness-to-guest bytes: 1 when all went, 0 when some wait, -1 on error. */
static int lvs_flush(struct lv_port *pt)
{
    while (pt->pend_len > 0) {
        int n = virStreamSend(pt->st, pt->pend, pt->pend_len);

        if (n == -2) {
            return 0;
        }
        if (n <= 0) {
            return -1;
        }
        pt->pend_len -= (size_t)n;
        memmove(pt->pend, pt->pend + n, pt->pend_len);
    }
    return 1;
}

static void lvs_stream_cb(virStreamPtr st, int events, void *opaque)
{
    struct lv_port *pt = opaque;
    struct lv_ports *p = pt->owner;
    char buf[LVS_BUF];

    (void)st;
    pthread_mutex_lock(&p->mu);
    if (p->closed || !pt->st_cb) {
        goto out;
    }
    if (events & VIR_STREAM_EVENT_WRITABLE) {
        int r = lvs_flush(pt);

        if (r < 0) {
            lvs_port_eof(pt, "send failed");
            goto out;
        }
        if (r == 1) {
            virStreamEventUpdateCallback(pt->st, VIR_STREAM_EVENT_READABLE |
                                                     VIR_STREAM_EVENT_ERROR |
                                                     VIR_STREAM_EVENT_HANGUP);
            if (p->watch >= 0) {
                virEventUpdateHandle(p->watch, VIR_EVENT_HANDLE_READABLE);
            }
        }
    }
    if (events & VIR_STREAM_EVENT_READABLE) {
        for (;;) {
            int n = virStreamRecv(pt->st, buf, sizeof(buf));

            if (n == -2) {
                break;
            }
            if (n <= 0) {
                lvs_port_eof(pt, n == 0 ? "closed by the guest's side" : "failed");
                goto out;
            }
            pt->in += (unsigned long long)n;
            if (pt->fd >= 0 && lvs_write_all(pt->fd, buf, (size_t)n) < 0) {
                log_debug("libvirt stream: %d bytes from the guest dropped: %s", n,
                          strerror(errno));
            }
        }
    }
    if (events & (VIR_STREAM_EVENT_ERROR | VIR_STREAM_EVENT_HANGUP)) {
        lvs_port_eof(pt, "hung up");
    }
out:
    pthread_mutex_unlock(&p->mu);
}

/* The session wrote to its end of the agent socket: forward it to the guest. */
static void lvs_sock_cb(int watch, int fd, int events, void *opaque)
{
    struct lv_ports *p = opaque;
    struct lv_port *pt = &p->port[LVS_AGENT];
    ssize_t n;

    (void)watch;
    (void)events;
    pthread_mutex_lock(&p->mu);
    if (p->closed || p->watch < 0 || pt->pend_len > 0) {
        goto out;
    }
    n = read(fd, pt->pend, sizeof(pt->pend));
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
        goto out;
    }
    if (n <= 0) {
        /* The session closed its end: nothing more to forward. */
        virEventRemoveHandle(p->watch);
        p->watch = -1;
        goto out;
    }
    pt->pend_len = (size_t)n;
    if (!pt->st_cb) {
        pt->pend_len = 0; /* the guest's side is gone; the session sees EOF on reading */
        goto out;
    }
    switch (lvs_flush(pt)) {
    case 0:
        /* Wait for the stream to take it before reading more. */
        virEventUpdateHandle(p->watch, 0);
        virStreamEventUpdateCallback(pt->st, VIR_STREAM_EVENT_READABLE |
                                                 VIR_STREAM_EVENT_WRITABLE |
                                                 VIR_STREAM_EVENT_ERROR | VIR_STREAM_EVENT_HANGUP);
        break;
    case -1:
        lvs_port_eof(pt, "send failed");
        break;
    default:
        break;
    }
out:
    pthread_mutex_unlock(&p->mu);
}

static int lvs_connect_sock(const char *path, char *err, size_t errlen)
{
    struct sockaddr_un sa;
    int fd;

    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    if (util_strlcpy(sa.sun_path, path, sizeof(sa.sun_path)) < 0) {
        snprintf(err, errlen, "control socket path too long: %s", path);
        return -1;
    }
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
        fcntl(fd, F_SETFL, O_NONBLOCK) < 0) {
        snprintf(err, errlen, "cannot connect to the control socket %s: %s", path,
                 strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        return -1;
    }
    return fd;
}

static int lvs_open_port(struct lv_ports *p, int which, virDomainPtr dom, char *err,
                         size_t errlen)
{
    const char *dev = which == LVS_AGENT ? "serial1" : "serial0";
    struct lv_port *pt = &p->port[which];

    pt->st = virStreamNew(p->conn, VIR_STREAM_NONBLOCK);
    if (!pt->st || virDomainOpenConsole(dom, dev, pt->st, VIR_DOMAIN_CONSOLE_FORCE) < 0) {
        snprintf(err, errlen, "libvirt: cannot open %s of the guest as a stream: %s", dev,
                 virGetLastErrorMessage());
        return -1;
    }
    lvs_ref(p);
    if (virStreamEventAddCallback(pt->st,
                                  VIR_STREAM_EVENT_READABLE | VIR_STREAM_EVENT_ERROR |
                                      VIR_STREAM_EVENT_HANGUP,
                                  lvs_stream_cb, pt, lvs_unref) < 0) {
        lvs_unref(p);
        snprintf(err, errlen, "libvirt: cannot watch the stream of %s: %s", dev,
                 virGetLastErrorMessage());
        return -1;
    }
    pt->st_cb = 1;
    return 0;
}

int backend_libvirt_stream_open(virConnectPtr conn, virDomainPtr dom, const char *sock_path,
                                const char *console_log, struct lv_ports **out, char *err,
                                size_t errlen)
{
    struct lv_ports *p = calloc(1, sizeof(*p));

    *out = NULL;
    if (!p) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    pthread_mutex_init(&p->mu, NULL);
    p->refs = 1;
    p->watch = -1;
    p->conn = conn;
    virConnectRef(conn);
    for (int i = 0; i < 2; i++) {
        p->port[i].owner = p;
        p->port[i].fd = -1;
    }
    if (console_log) {
        p->port[LVS_CONSOLE].fd =
            open(console_log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NONBLOCK, 0644);
        if (p->port[LVS_CONSOLE].fd < 0) {
            snprintf(err, errlen, "cannot create %s: %s", console_log, strerror(errno));
            goto fail;
        }
    }
    p->port[LVS_AGENT].fd = lvs_connect_sock(sock_path, err, errlen);
    if (p->port[LVS_AGENT].fd < 0) {
        goto fail;
    }
    /* The callbacks take the lock: hold it until the ports are complete. */
    pthread_mutex_lock(&p->mu);
    if (lvs_open_port(p, LVS_CONSOLE, dom, err, errlen) < 0 ||
        lvs_open_port(p, LVS_AGENT, dom, err, errlen) < 0) {
        pthread_mutex_unlock(&p->mu);
        goto fail;
    }
    lvs_ref(p);
    p->watch = virEventAddHandle(p->port[LVS_AGENT].fd, VIR_EVENT_HANDLE_READABLE, lvs_sock_cb,
                                 p, lvs_unref);
    if (p->watch < 0) {
        lvs_unref(p);
        pthread_mutex_unlock(&p->mu);
        snprintf(err, errlen, "libvirt: cannot watch the control socket (no event loop?)");
        goto fail;
    }
    pthread_mutex_unlock(&p->mu);
    pthread_mutex_lock(&lvs_list_mu);
    p->next = lvs_list;
    lvs_list = p;
    pthread_mutex_unlock(&lvs_list_mu);
    *out = p;
    return 0;
fail:
    backend_libvirt_stream_close(p);
    return -1;
}

void backend_libvirt_stream_close(struct lv_ports *p)
{
    struct lv_ports **pp;

    if (!p) {
        return;
    }
    pthread_mutex_lock(&lvs_list_mu);
    for (pp = &lvs_list; *pp; pp = &(*pp)->next) {
        if (*pp == p) {
            *pp = p->next;
            break;
        }
    }
    pthread_mutex_unlock(&lvs_list_mu);
    pthread_mutex_lock(&p->mu);
    p->closed = 1;
    if (p->watch >= 0) {
        virEventRemoveHandle(p->watch);
        p->watch = -1;
    }
    for (int i = 0; i < 2; i++) {
        struct lv_port *pt = &p->port[i];

        if (pt->st) {
            if (pt->st_cb) {
                virStreamEventRemoveCallback(pt->st);
                pt->st_cb = 0;
            }
            virStreamAbort(pt->st); /* fails harmlessly on a stream that already ended */
            virStreamFree(pt->st);
            pt->st = NULL;
        }
        if (pt->fd >= 0) {
            close(pt->fd);
            pt->fd = -1;
        }
    }
    pthread_mutex_unlock(&p->mu);
    lvs_unref(p);
}

void backend_libvirt_stream_conn_closed(virConnectPtr conn)
{
    pthread_mutex_lock(&lvs_list_mu);
    for (struct lv_ports *p = lvs_list; p; p = p->next) {
        pthread_mutex_lock(&p->mu);
        if (p->conn == conn && !p->closed) {
            lvs_port_eof(&p->port[LVS_AGENT], "lost with the connection");
        }
        pthread_mutex_unlock(&p->mu);
    }
    pthread_mutex_unlock(&lvs_list_mu);
}

void backend_libvirt_stream_counts(const struct lv_ports *p, unsigned long long *agent_in,
                                   unsigned long long *console_in)
{
    *agent_in = p ? __atomic_load_n(&p->port[LVS_AGENT].in, __ATOMIC_RELAXED) : 0;
    *console_in = p ? __atomic_load_n(&p->port[LVS_CONSOLE].in, __ATOMIC_RELAXED) : 0;
}
