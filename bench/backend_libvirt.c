/*
 * The libvirt backend: the same guest as backend_qemu.c (domxml.c writes it), started as
 * a transient domain through the libvirt C API.
 *
 * - Every domain is registered (REG_DOMAIN, arg = URI) before it is created, and started
 *   with VIR_DOMAIN_START_AUTODESTROY: libvirtd destroys it when our connection closes,
 *   which is what PR_SET_PDEATHSIG is to the QEMU backend. `pvbench cleanup` destroys
 *   what is left through the release hook, and only domains named "pvb-*".
 * - Every libvirt call is bounded: connections are opened in a helper thread with a
 *   deadline, and keepalive (run by a default event loop thread) closes a connection
 *   whose daemon stops answering, which fails the call that waits on it.
 * - On a local URI the QEMU pid comes from libvirt's pid file, so the host CPU time is
 *   measured exactly as for the QEMU backend (/proc/PID/stat); otherwise from
 *   virDomainGetCPUStats.
 * - When the connection breaks (libvirtd restarted), libvirtd destroys the domain
 *   (AUTODESTROY): the guest is reported lost with that reason, and the next start
 *   reconnects, retrying while the daemon comes back. Should a domain survive, the
 *   reconnect finds it again by name.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/uri.h>
#include <libxml/xpath.h>

#include "backend.h"
#include "domxml.h"
#include "registry.h"
#include "util.h"

#define LV_OPEN_TIMEOUT_S 15.0
#define LV_KEEPALIVE_INTERVAL_S 3
#define LV_KEEPALIVE_COUNT 3
#define LV_RECONNECT_INTERVAL_S 1.0
#define LV_POLL_INTERVAL_S 0.5
#define LV_NAME_PREFIX "pvb-"
#define LV_GUEST_MAGIC 0x70766c76u
#define LV_PID_DIR "/run/libvirt/qemu"
#define LV_LOG_DIR "/var/log/libvirt/qemu"

/* Written by the event loop thread, read by the harness thread. */
struct lv_events {
    int stopped;
    int detail; /* VIR_DOMAIN_EVENT_STOPPED_* */
};

struct lv_guest {
    unsigned magic;
    virConnectPtr conn;
    virDomainPtr dom;
    struct lv_events *ev;
    int cb_id;
    int local;
    unsigned long long pid_start;
    double next_reconnect;
    double next_poll;
    int warned_unknown;
    int lost; /* ended while libvirtd was unreachable: libvirt may still write its log */
    char name[256];
    char uri[BACKEND_LIBVIRT_URI_MAX];
    char qemu_log[PATH_MAX];
    char blk_dev[32];
    char net_dev[64];
};

/* Module state: the harness uses the backend from one thread. */
static struct {
    int inited;
    virConnectPtr conn;
    char uri[BACKEND_LIBVIRT_URI_MAX];
} lv;

/* ---- library set-up ------------------------------------------------------------------------ */

/* libvirt prints every error to stderr by default; we report them ourselves, once. */
static void lv_quiet_error(void *opaque, virErrorPtr e)
{
    (void)opaque;
    (void)e;
}

static void *lv_event_main(void *arg)
{
    (void)arg;
    for (;;) {
        if (virEventRunDefaultImpl() < 0) {
            usleep(100000);
        }
    }
    return NULL;
}

/* virInitialize, quiet errors, and an event loop thread (keepalive and lifecycle events). */
static int lv_init(char *err, size_t errlen)
{
    pthread_attr_t attr;
    pthread_t tid;
    sigset_t all, old;
    int rc;

    if (lv.inited) {
        return 0;
    }
    if (virInitialize() < 0) {
        snprintf(err, errlen, "libvirt: cannot initialize: %s", virGetLastErrorMessage());
        return -1;
    }
    virSetErrorFunc(NULL, lv_quiet_error);
    if (virEventRegisterDefaultImpl() < 0) {
        snprintf(err, errlen, "libvirt: cannot set up the event loop: %s",
                 virGetLastErrorMessage());
        return -1;
    }
    /* The thread blocks every signal: SIGINT and friends stay with the harness thread. */
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    rc = pthread_create(&tid, &attr, lv_event_main, NULL);
    pthread_attr_destroy(&attr);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        snprintf(err, errlen, "libvirt: cannot start the event loop thread: %s", strerror(rc));
        return -1;
    }
    lv.inited = 1;
    return 0;
}

static int lv_uri_ok(const char *uri, char *err, size_t errlen)
{
    if (strlen(uri) >= BACKEND_LIBVIRT_URI_MAX || strpbrk(uri, " \t\r\n")) {
        snprintf(err, errlen,
                 "libvirt URI '%s': longer than %d bytes or holds white space "
                 "(it is stored in the run's registry)",
                 uri, BACKEND_LIBVIRT_URI_MAX - 1);
        return -1;
    }
    return 0;
}

/* 1 if uri names this machine (no host part, or localhost): libvirt's files are ours to read. */
static int lv_uri_is_local(const char *uri)
{
    xmlURIPtr u = xmlParseURI(uri);
    int local = 0;

    if (!u) {
        return 0;
    }
    local = !u->server || !u->server[0] || strcmp(u->server, "localhost") == 0 ||
            strcmp(u->server, "127.0.0.1") == 0 || strcmp(u->server, "::1") == 0;
    xmlFreeURI(u);
    return local;
}

/* ---- bounded connection ---------------------------------------------------------------------- */

/* One virConnectOpen in a helper thread; whoever of the two finishes last frees it. */
struct lv_open_req {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int done;
    int abandoned;
    virConnectPtr conn;
    char uri[BACKEND_LIBVIRT_URI_MAX];
    char err[512];
};

static void lv_open_req_free(struct lv_open_req *r)
{
    pthread_cond_destroy(&r->cv);
    pthread_mutex_destroy(&r->mu);
    free(r);
}

static void *lv_open_main(void *arg)
{
    struct lv_open_req *r = arg;
    virConnectPtr c = virConnectOpen(r->uri);
    int abandoned;

    if (!c) {
        /* libvirt's last error is per thread: copy it here. */
        snprintf(r->err, sizeof(r->err), "%s", virGetLastErrorMessage());
    }
    pthread_mutex_lock(&r->mu);
    r->conn = c;
    r->done = 1;
    abandoned = r->abandoned;
    pthread_cond_signal(&r->cv);
    pthread_mutex_unlock(&r->mu);
    if (abandoned) {
        if (c) {
            virConnectClose(c);
        }
        lv_open_req_free(r);
    }
    return NULL;
}

/* Open uri, waiting at most timeout_s; set keepalive on the new connection. */
static virConnectPtr lv_open(const char *uri, double timeout_s, char *err, size_t errlen)
{
    struct lv_open_req *r;
    pthread_condattr_t ca;
    pthread_attr_t attr;
    pthread_t tid;
    struct timespec ts;
    virConnectPtr c = NULL;
    sigset_t all, old;
    int rc, timed_out = 0;

    if (lv_init(err, errlen) < 0) {
        return NULL;
    }
    r = calloc(1, sizeof(*r));
    if (!r) {
        snprintf(err, errlen, "libvirt: out of memory");
        return NULL;
    }
    util_strlcpy(r->uri, uri, sizeof(r->uri));
    pthread_mutex_init(&r->mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&r->cv, &ca);
    pthread_condattr_destroy(&ca);

    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    rc = pthread_create(&tid, &attr, lv_open_main, r);
    pthread_attr_destroy(&attr);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        snprintf(err, errlen, "libvirt: cannot start a thread: %s", strerror(rc));
        lv_open_req_free(r);
        return NULL;
    }

    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += (time_t)timeout_s;
    ts.tv_nsec += (long)((timeout_s - (double)(time_t)timeout_s) * 1e9);
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&r->mu);
    while (!r->done) {
        if (pthread_cond_timedwait(&r->cv, &r->mu, &ts) == ETIMEDOUT && !r->done) {
            r->abandoned = 1;
            timed_out = 1;
            break;
        }
    }
    pthread_mutex_unlock(&r->mu);
    if (timed_out) {
        /* The helper thread frees the request (and closes a late connection). */
        snprintf(err, errlen, "libvirt: connecting to %s: no answer within %.0f s", uri, timeout_s);
        return NULL;
    }
    c = r->conn;
    if (!c) {
        snprintf(err, errlen, "libvirt: cannot connect to %s: %s", uri, r->err);
    }
    lv_open_req_free(r);
    if (c && virConnectSetKeepAlive(c, LV_KEEPALIVE_INTERVAL_S, LV_KEEPALIVE_COUNT) < 0) {
        log_debug("libvirt: no keepalive on %s: %s", uri, virGetLastErrorMessage());
    }
    return c;
}

int backend_libvirt_connect(const char *uri, char *err, size_t errlen)
{
    virConnectPtr c;

    if (!uri || !*uri) {
        uri = BACKEND_LIBVIRT_DEFAULT_URI;
    }
    if (lv_uri_ok(uri, err, errlen) < 0) {
        return -1;
    }
    c = lv_open(uri, LV_OPEN_TIMEOUT_S, err, errlen);
    if (!c) {
        return -1;
    }
    backend_libvirt_disconnect();
    lv.conn = c;
    util_strlcpy(lv.uri, uri, sizeof(lv.uri));
    backend_libvirt_install_release_hook();
    return 0;
}

void backend_libvirt_disconnect(void)
{
    if (lv.conn) {
        virConnectClose(lv.conn);
        lv.conn = NULL;
    }
    lv.uri[0] = '\0';
}

const char *backend_libvirt_uri(void)
{
    return lv.uri;
}

int backend_libvirt_describe(char *buf, size_t len)
{
    unsigned long lib = 0, hv = 0;
    char *host;

    if (!lv.conn || virConnectGetLibVersion(lv.conn, &lib) < 0) {
        return -1;
    }
    if (virConnectGetVersion(lv.conn, &hv) < 0) {
        hv = 0;
    }
    host = virConnectGetHostname(lv.conn);
    snprintf(buf, len, "libvirt %lu.%lu.%lu, QEMU %lu.%lu.%lu, host %s", lib / 1000000,
             lib / 1000 % 1000, lib % 1000, hv / 1000000, hv / 1000 % 1000, hv % 1000,
             host ? host : "?");
    free(host);
    return 0;
}

/*
 * Make sure the shared connection is usable. A connection that died (libvirtd restarted)
 * is reopened, retrying for a while: a restarting daemon takes a few seconds to answer.
 */
static int lv_conn_ready(char *err, size_t errlen)
{
    char uri[BACKEND_LIBVIRT_URI_MAX];
    double deadline = util_now() + LV_OPEN_TIMEOUT_S;
    int had = lv.conn != NULL;

    if (had && virConnectIsAlive(lv.conn) == 1) {
        return 0;
    }
    util_strlcpy(uri, lv.uri[0] ? lv.uri : BACKEND_LIBVIRT_DEFAULT_URI, sizeof(uri));
    if (had) {
        log_warn("libvirt (%s): the connection was lost; reconnecting", uri);
    }
    for (;;) {
        if (backend_libvirt_connect(uri, err, errlen) == 0) {
            return 0;
        }
        if (!had || util_now() + LV_RECONNECT_INTERVAL_S > deadline) {
            return -1;
        }
        usleep((useconds_t)(LV_RECONNECT_INTERVAL_S * 1e6));
    }
}

/* ---- release hook ------------------------------------------------------------------------- */

int backend_libvirt_release_domain(const char *name, const char *uri)
{
    char err[512];
    virConnectPtr c = NULL;
    virDomainPtr d = NULL;
    int own = 0, rc = -1;

    if (strncmp(name, LV_NAME_PREFIX, strlen(LV_NAME_PREFIX)) != 0) {
        log_warn("libvirt: not destroying domain %s: not a pvbench domain", name);
        return -1;
    }
    if (!uri || !*uri) {
        uri = BACKEND_LIBVIRT_DEFAULT_URI;
    }
    if (lv.conn && strcmp(lv.uri, uri) == 0 && virConnectIsAlive(lv.conn) == 1) {
        c = lv.conn;
    } else {
        c = lv_open(uri, LV_OPEN_TIMEOUT_S, err, sizeof(err));
        if (!c) {
            log_warn("cannot destroy domain %s: %s", name, err);
            return -1;
        }
        own = 1;
    }
    d = virDomainLookupByName(c, name);
    if (!d) {
        if (virGetLastErrorCode() == VIR_ERR_NO_DOMAIN) {
            rc = 0; /* already gone (autodestroy, or it powered off) */
        } else {
            log_warn("libvirt (%s): cannot look up domain %s: %s", uri, name,
                     virGetLastErrorMessage());
        }
        goto out;
    }
    /* pvbench only makes transient domains: a defined one of that name is someone else's. */
    if (virDomainIsPersistent(d) != 0) {
        log_warn("libvirt (%s): not destroying domain %s: it is persistent, pvbench did not "
                 "create it",
                 uri, name);
        goto out;
    }
    if (virDomainDestroy(d) < 0 && virGetLastErrorCode() != VIR_ERR_NO_DOMAIN &&
        virGetLastErrorCode() != VIR_ERR_OPERATION_INVALID) {
        log_warn("libvirt (%s): cannot destroy domain %s: %s", uri, name, virGetLastErrorMessage());
        goto out;
    }
    rc = 0;
out:
    if (d) {
        virDomainFree(d);
    }
    if (own) {
        virConnectClose(c);
    }
    return rc;
}

static int lv_release_hook(const char *id, const char *arg)
{
    return backend_libvirt_release_domain(id, arg);
}

void backend_libvirt_install_release_hook(void)
{
    registry_set_release_hook(REG_DOMAIN, lv_release_hook);
}

/* ---- guest helpers ----------------------------------------------------------------------- */

static int lv_lifecycle_cb(virConnectPtr conn, virDomainPtr dom, int event, int detail,
                           void *opaque)
{
    struct lv_events *ev = opaque;

    (void)conn;
    (void)dom;
    if (event == VIR_DOMAIN_EVENT_STOPPED) {
        __atomic_store_n(&ev->detail, detail, __ATOMIC_RELAXED);
        __atomic_store_n(&ev->stopped, 1, __ATOMIC_RELEASE);
    }
    return 0;
}

static void lv_events_free(void *opaque)
{
    free(opaque);
}

/* Watch the domain's lifecycle events, to tell a power-off from a crash or a destroy. */
static void lv_watch(struct lv_guest *lg)
{
    lg->cb_id = -1;
    lg->ev = calloc(1, sizeof(*lg->ev));
    if (!lg->ev) {
        return;
    }
    /* The double cast keeps -Wcast-function-type quiet: libvirt's documented idiom. */
    lg->cb_id = virConnectDomainEventRegisterAny(
        lg->conn, lg->dom, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
        (virConnectDomainEventGenericCallback)(void (*)(void))lv_lifecycle_cb, lg->ev,
        lv_events_free);
    if (lg->cb_id < 0) {
        log_debug("libvirt: no lifecycle events for %s: %s", lg->name, virGetLastErrorMessage());
        free(lg->ev); /* never handed over: libvirt does not call the free callback */
        lg->ev = NULL;
    }
}

static void lv_unwatch(struct lv_guest *lg)
{
    if (lg->cb_id >= 0) {
        /* libvirt frees lg->ev through lv_events_free once the callback is gone. */
        virConnectDomainEventDeregisterAny(lg->conn, lg->cb_id);
    }
    lg->cb_id = -1;
    lg->ev = NULL;
}

/* Evaluate an XPath string expression on xml into out ("" when absent). */
static void lv_xpath_string(xmlDocPtr doc, const char *expr, char *out, size_t len)
{
    xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
    xmlXPathObjectPtr obj = NULL;

    out[0] = '\0';
    if (!ctx) {
        return;
    }
    obj = xmlXPathEvalExpression(BAD_CAST expr, ctx);
    if (obj && obj->type == XPATH_STRING && obj->stringval) {
        util_strlcpy(out, (const char *)obj->stringval, len);
    }
    xmlXPathFreeObject(obj);
    xmlXPathFreeContext(ctx);
}

/* The live names libvirt gave the DUT: its disk's target dev, its NIC's host interface. */
static void lv_find_dut(struct lv_guest *lg, const struct guest_spec *s)
{
    char *xml = virDomainGetXMLDesc(lg->dom, 0);
    xmlDocPtr doc = NULL;

    if (xml) {
        doc = xmlReadMemory(xml, (int)strlen(xml), "domain.xml", NULL,
                            XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    }
    if (doc) {
        lv_xpath_string(
            doc, "string(/domain/devices/disk[alias/@name='" DOMXML_DUT_ALIAS "']/target/@dev)",
            lg->blk_dev, sizeof(lg->blk_dev));
        lv_xpath_string(doc,
                        "string(/domain/devices/interface[alias/@name='" DOMXML_DUT_ALIAS
                        "']/target/@dev)",
                        lg->net_dev, sizeof(lg->net_dev));
        xmlFreeDoc(doc);
    }
    free(xml);
    if (!lg->blk_dev[0] && domxml_dut_target_dev(s->dut)) {
        util_strlcpy(lg->blk_dev, domxml_dut_target_dev(s->dut), sizeof(lg->blk_dev));
    }
}

/* The QEMU pid from libvirt's pid file, checked against the process's -name guest=NAME. */
static pid_t lv_local_pid(const char *name, unsigned long long *start)
{
    char path[PATH_MAX], buf[32], want[300];
    char *cmd = NULL;
    size_t len = 0;
    pid_t pid = 0;
    long v;

    *start = 0;
    if (util_fmt(path, sizeof(path), LV_PID_DIR "/%s.pid", name) < 0 ||
        util_read_file(path, buf, sizeof(buf)) <= 0) {
        return 0;
    }
    v = strtol(buf, NULL, 10);
    if (v <= 1 || v > INT_MAX) {
        return 0;
    }
    snprintf(path, sizeof(path), "/proc/%ld/cmdline", v);
    snprintf(want, sizeof(want), "guest=%s,", name);
    cmd = util_slurp(path, 1u << 20, &len);
    if (cmd && memmem(cmd, len, want, strlen(want))) {
        pid = (pid_t)v;
        *start = util_proc_starttime(pid);
    }
    free(cmd);
    return *start ? pid : 0;
}

static void lv_guest_free(struct lv_guest *lg)
{
    if (!lg) {
        return;
    }
    lv_unwatch(lg);
    if (lg->dom) {
        virDomainFree(lg->dom);
    }
    if (lg->conn) {
        virConnectClose(lg->conn);
    }
    free(lg);
}

static struct lv_guest *lv_of(struct guest *g)
{
    struct lv_guest *lg = g ? g->priv : NULL;

    return lg && lg->magic == LV_GUEST_MAGIC ? lg : NULL;
}

/*
 * The connection of a guest broke (libvirtd restarted): open a new one and find the domain
 * again. 1 if found, 0 if the domain is gone, -1 if libvirt cannot be reached (yet).
 */
static int lv_guest_reconnect(struct lv_guest *lg)
{
    char err[512];
    virConnectPtr c;
    virDomainPtr d;

    if (virConnectIsAlive(lg->conn) == 1 || util_now() < lg->next_reconnect) {
        return -1;
    }
    lg->next_reconnect = util_now() + LV_RECONNECT_INTERVAL_S;
    c = lv_open(lg->uri, LV_OPEN_TIMEOUT_S, err, sizeof(err));
    if (!c) {
        log_debug("%s", err);
        return -1;
    }
    d = virDomainLookupByName(c, lg->name);
    if (!d && virGetLastErrorCode() != VIR_ERR_NO_DOMAIN) {
        log_debug("libvirt (%s): looking up %s: %s", lg->uri, lg->name, virGetLastErrorMessage());
        virConnectClose(c);
        return -1;
    }
    log_info("libvirt (%s): reconnected; domain %s %s", lg->uri, lg->name,
             d ? "still running" : "is gone");
    lv_unwatch(lg);
    virDomainFree(lg->dom);
    virConnectClose(lg->conn);
    lg->conn = c;
    lg->dom = d;
    if (!d) {
        return 0;
    }
    lv_watch(lg);
    return 1;
}

/* 1 once libvirt said the domain stopped (lifecycle event). */
static int lv_stopped_event(struct lv_guest *lg)
{
    return lg->ev && __atomic_load_n(&lg->ev->stopped, __ATOMIC_ACQUIRE);
}

/* The guest ended: a power-off reads like QEMU exiting 0, a destroy like a SIGTERM. */
static void lv_mark_exited(struct guest *g, struct lv_guest *lg)
{
    int detail = VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN;

    if (lv_stopped_event(lg)) {
        detail = __atomic_load_n(&lg->ev->detail, __ATOMIC_RELAXED);
    }
    g->exited = 1;
    switch (detail) {
    case VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN:
        g->exit_status = 0;
        break;
    case VIR_DOMAIN_EVENT_STOPPED_DESTROYED:
        g->exit_status = SIGTERM;
        log_warn("libvirt: domain %s was destroyed", lg->name);
        break;
    case VIR_DOMAIN_EVENT_STOPPED_CRASHED:
        g->exit_status = 1 << 8;
        log_warn("libvirt: domain %s crashed", lg->name);
        break;
    default:
        g->exit_status = 1 << 8;
        log_warn("libvirt: domain %s stopped (QEMU failed, detail %d); see %s/%s.log", lg->name,
                 detail, LV_LOG_DIR, lg->name);
        break;
    }
}

/* ---- ops ------------------------------------------------------------------------------------- */

/* Did the create fail in a way that leaves no doubt that no domain was made? */
static int lv_create_surely_failed(void)
{
    virErrorPtr e = virGetLastError();

    if (!e) {
        return 1;
    }
    return !(e->domain == VIR_FROM_RPC || e->domain == VIR_FROM_REMOTE ||
             e->code == VIR_ERR_SYSTEM_ERROR || e->code == VIR_ERR_RPC ||
             e->code == VIR_ERR_NO_CONNECT || e->code == VIR_ERR_OPERATION_TIMEOUT);
}

static int lv_start(const struct guest_spec *s, struct guest *g, char *err, size_t errlen)
{
    struct lv_guest *lg = NULL;
    xmlBufferPtr xml = NULL;
    int registered = 0;

    memset(g, 0, sizeof(*g));
    if (!s->name || strncmp(s->name, LV_NAME_PREFIX, strlen(LV_NAME_PREFIX)) != 0 ||
        !domxml_name_ok(s->name) || strchr(s->name, ' ')) {
        snprintf(err, errlen,
                 "libvirt: domain name '%s' must start with '%s' and hold no "
                 "'/', spaces or control characters",
                 s->name ? s->name : "", LV_NAME_PREFIX);
        return -1;
    }
    if (lv_conn_ready(err, errlen) < 0) {
        return -1;
    }
    lg = calloc(1, sizeof(*lg));
    xml = xmlBufferCreate();
    if (!lg || !xml) {
        snprintf(err, errlen, "libvirt: out of memory");
        goto fail;
    }
    lg->magic = LV_GUEST_MAGIC;
    lg->cb_id = -1;
    util_strlcpy(lg->name, s->name, sizeof(lg->name));
    util_strlcpy(lg->uri, lv.uri, sizeof(lg->uri));
    util_strlcpy(lg->qemu_log, s->qemu_log ? s->qemu_log : "", sizeof(lg->qemu_log));
    lg->local = lv_uri_is_local(lg->uri);
    if (domxml_write(s, xml, err, errlen) < 0) {
        goto fail;
    }
    if (registry_add(REG_DOMAIN, s->name, lg->uri) < 0) {
        snprintf(err, errlen, "cannot register domain %s: %s", s->name, strerror(errno));
        goto fail;
    }
    registered = 1;
    backend_libvirt_install_release_hook();

    lg->dom = virDomainCreateXML(lv.conn, (const char *)xmlBufferContent(xml),
                                 VIR_DOMAIN_START_AUTODESTROY);
    if (!lg->dom) {
        snprintf(err, errlen, "libvirt (%s): cannot start domain %s: %s", lg->uri, s->name,
                 virGetLastErrorMessage());
        if (lv_create_surely_failed()) {
            /* Nothing was made; a domain of that name, if any, is not ours to destroy. */
            registry_forget(REG_DOMAIN, s->name);
            registered = 0;
        }
        goto fail;
    }
    lg->conn = lv.conn;
    virConnectRef(lg->conn);
    lv_watch(lg);
    lv_find_dut(lg, s);
    if (lg->local) {
        g->pid = lv_local_pid(lg->name, &lg->pid_start);
    }
    if (g->pid <= 0) {
        log_debug("libvirt: QEMU pid of %s unknown; host CPU time from virDomainGetCPUStats",
                  s->name);
    }
    g->priv = lg;
    xmlBufferFree(xml);
    return 0;

fail:
    if (registered) {
        /* Left registered: the release at exit destroys it if it came to exist after all. */
        log_debug("libvirt: keeping %s registered: its creation is uncertain", s->name);
    }
    lv_guest_free(lg);
    xmlBufferFree(xml);
    memset(g, 0, sizeof(*g));
    return -1;
}

/* Read the domain's CPU statistics (seconds); 0 if cpu_time was read. */
static int lv_cpu_stats(virDomainPtr dom, struct libvirt_counters *out)
{
    virTypedParameterPtr params = NULL;
    unsigned long long v;
    int n, got, rc = -1;

    n = virDomainGetCPUStats(dom, NULL, 0, -1, 1, 0);
    if (n <= 0) {
        return -1;
    }
    params = calloc((size_t)n, sizeof(*params));
    if (!params) {
        return -1;
    }
    got = virDomainGetCPUStats(dom, params, (unsigned)n, -1, 1, 0);
    if (got > 0) {
        if (virTypedParamsGetULLong(params, got, VIR_DOMAIN_CPU_STATS_CPUTIME, &v) == 1) {
            out->cpu_s = (double)v / 1e9;
            rc = 0;
        }
        if (virTypedParamsGetULLong(params, got, VIR_DOMAIN_CPU_STATS_USERTIME, &v) == 1) {
            out->user_s = (double)v / 1e9;
        }
        if (virTypedParamsGetULLong(params, got, VIR_DOMAIN_CPU_STATS_SYSTEMTIME, &v) == 1) {
            out->system_s = (double)v / 1e9;
        }
        if (virTypedParamsGetULLong(params, got, VIR_DOMAIN_CPU_STATS_VCPUTIME, &v) == 1) {
            out->vcpu_total_s = (double)v / 1e9;
        }
        virTypedParamsClear(params, got);
    }
    free(params);
    return rc;
}

static double lv_cpu_seconds(struct guest *g)
{
    struct lv_guest *lg = lv_of(g);
    struct libvirt_counters c;
    virDomainInfo info;

    if (!lg || g->exited || !lg->dom) {
        return -1;
    }
    /* Same measure as the QEMU backend: user+system time of the QEMU process. */
    if (g->pid > 0 && util_proc_starttime(g->pid) == lg->pid_start) {
        return util_proc_cpu_seconds(g->pid);
    }
    memset(&c, 0, sizeof(c));
    if (lv_cpu_stats(lg->dom, &c) == 0) {
        return c.cpu_s;
    }
    if (virDomainGetInfo(lg->dom, &info) == 0) {
        return (double)info.cpuTime / 1e9;
    }
    return -1;
}

static int lv_alive(struct guest *g)
{
    struct lv_guest *lg = lv_of(g);
    int r, pid_alive;

    if (!lg || g->exited) {
        return 0;
    }
    if (lv_stopped_event(lg)) {
        lv_mark_exited(g, lg);
        return 0;
    }
    /*
     * The harness asks every 100 ms while it waits: answer from the lifecycle event and the
     * local process when we can, and ask libvirtd at most every LV_POLL_INTERVAL_S, so
     * polling does not load the host during a measurement.
     */
    pid_alive = g->pid > 0 && util_proc_starttime(g->pid) == lg->pid_start;
    if ((pid_alive || g->pid <= 0) && util_now() < lg->next_poll) {
        return 1;
    }
    lg->next_poll = util_now() + LV_POLL_INTERVAL_S;
    r = lg->dom ? virDomainIsActive(lg->dom) : -1;
    if (r == 1 && g->pid > 0 && !pid_alive) {
        /* QEMU is gone and libvirt is still cleaning up: its event follows shortly. */
        for (int i = 0; i < 50 && !lv_stopped_event(lg); i++) {
            usleep(10000);
        }
        lv_mark_exited(g, lg);
        return 0;
    }
    if (r == 1) {
        return 1;
    }
    if (r == 0 || (lg->dom && virGetLastErrorCode() == VIR_ERR_NO_DOMAIN)) {
        lv_mark_exited(g, lg); /* transient: once stopped, it no longer exists */
        return 0;
    }
    /* libvirt cannot say (daemon restarting?): try again, meanwhile trust the process. */
    r = lv_guest_reconnect(lg);
    if (r == 0) {
        lv_mark_exited(g, lg);
        return 0;
    }
    if (r == 1 && virDomainIsActive(lg->dom) == 1) {
        return 1;
    }
    if (g->pid > 0 && !pid_alive) {
        /* Most likely libvirtd stopped: it destroys the AUTODESTROY domains of its clients. */
        g->exited = 1;
        g->exit_status = SIGTERM;
        lg->lost = 1;
        log_warn("libvirt (%s): domain %s ended while libvirtd could not be reached "
                 "(a stopping libvirtd destroys the domains pvbench started)",
                 lg->uri, lg->name);
        return 0;
    }
    if (!lg->warned_unknown) {
        log_warn("libvirt (%s): cannot ask about domain %s; assuming it still runs", lg->uri,
                 lg->name);
        lg->warned_unknown = 1;
    }
    return 1;
}

/* Keep libvirt's log of the domain with the run's logs (local URIs only), then drop it. */
static void lv_collect_log(struct lv_guest *lg)
{
    char path[PATH_MAX];

    if (!lg->local || !lg->qemu_log[0] ||
        util_fmt(path, sizeof(path), LV_LOG_DIR "/%s.log", lg->name) < 0) {
        return;
    }
    if (util_copy_file(path, lg->qemu_log) == 0) {
        if (!lg->lost) {
            unlink(path);
        }
    } else if (errno != ENOENT) {
        log_debug("cannot copy %s to %s: %s", path, lg->qemu_log, strerror(errno));
    }
}

static void lv_stop(struct guest *g, double grace_s)
{
    struct lv_guest *lg = lv_of(g);
    double deadline = util_now() + grace_s;
    int gone = 0;

    if (!lg) {
        return;
    }
    while (!g->exited && util_now() < deadline) {
        if (!lv_alive(g)) {
            break;
        }
        usleep(20000);
    }
    if (g->exited) {
        gone = 1;
    } else if (lg->dom && virDomainDestroy(lg->dom) == 0) {
        g->exited = 1;
        g->exit_status = SIGKILL; /* as the QEMU backend's forced stop reads */
        gone = 1;
    } else {
        int code = virGetLastErrorCode();

        if (code == VIR_ERR_NO_DOMAIN || code == VIR_ERR_OPERATION_INVALID) {
            lv_mark_exited(g, lg);
            gone = 1;
        } else if (lv_guest_reconnect(lg) == 0 || (lg->dom && virDomainDestroy(lg->dom) == 0)) {
            g->exited = 1;
            g->exit_status = SIGKILL;
            gone = 1;
        } else {
            /* Stays registered: registry_release_all / `pvbench cleanup` try again. */
            log_warn("libvirt (%s): cannot destroy domain %s: %s", lg->uri, lg->name,
                     virGetLastErrorMessage());
        }
    }
    if (gone) {
        registry_forget(REG_DOMAIN, lg->name);
        lv_collect_log(lg);
    }
    lv_guest_free(lg);
    g->priv = NULL;
}

int backend_libvirt_counters(struct guest *g, struct libvirt_counters *out)
{
    struct lv_guest *lg = lv_of(g);
    virVcpuInfoPtr vi = NULL;
    virDomainBlockStatsStruct bs;
    virDomainInterfaceStatsStruct is;
    virDomainInfo info;
    int n;

    memset(out, 0, sizeof(*out));
    out->taken_at = util_now();
    out->cpu_s = out->user_s = out->system_s = out->vcpu_total_s = -1;
    out->rd_req = out->rd_bytes = out->wr_req = out->wr_bytes = -1;
    out->rx_bytes = out->rx_packets = out->tx_bytes = out->tx_packets = -1;
    if (!lg || !lg->dom || g->exited) {
        return -1;
    }
    if (lv_cpu_stats(lg->dom, out) < 0 && virDomainGetInfo(lg->dom, &info) == 0) {
        out->cpu_s = (double)info.cpuTime / 1e9; /* no cgroup CPU accounting on this host */
    }
    vi = calloc(BACKEND_LIBVIRT_MAX_VCPUS, sizeof(*vi));
    if (vi) {
        n = virDomainGetVcpus(lg->dom, vi, BACKEND_LIBVIRT_MAX_VCPUS, NULL, 0);
        for (int i = 0; i < n; i++) {
            out->vcpu_s[i] = (double)vi[i].cpuTime / 1e9;
        }
        out->n_vcpus = n > 0 ? (unsigned)n : 0;
        free(vi);
    }
    util_strlcpy(out->blk_dev, lg->blk_dev, sizeof(out->blk_dev));
    if (lg->blk_dev[0] && virDomainBlockStats(lg->dom, lg->blk_dev, &bs, sizeof(bs)) == 0) {
        out->rd_req = bs.rd_req;
        out->rd_bytes = bs.rd_bytes;
        out->wr_req = bs.wr_req;
        out->wr_bytes = bs.wr_bytes;
    }
    util_strlcpy(out->net_dev, lg->net_dev, sizeof(out->net_dev));
    if (lg->net_dev[0] && virDomainInterfaceStats(lg->dom, lg->net_dev, &is, sizeof(is)) == 0) {
        out->rx_bytes = is.rx_bytes;
        out->rx_packets = is.rx_packets;
        out->tx_bytes = is.tx_bytes;
        out->tx_packets = is.tx_packets;
    }
    return out->cpu_s >= 0 ? 0 : -1;
}

const struct backend_ops backend_libvirt_ops = {
    .name = "libvirt",
    .start = lv_start,
    .cpu_seconds = lv_cpu_seconds,
    .alive = lv_alive,
    .stop = lv_stop,
};
