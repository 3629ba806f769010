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
 * - A remote host cannot read the harness's files: there the kernel, the initramfs and each
 *   scratch disk become volumes of a directory pool "pvb-<run id>" the run defines on that
 *   host, filled through virStorageVolUpload; pool and volumes are registered (REG_POOL,
 *   REG_VOLUME) and deleted at the end, or by `pvbench cleanup` after a crash.
 * - Nor can it reach the harness's Unix socket or write its console log: there both serial
 *   ports are ptys, opened as libvirt streams (backend_libvirt_stream.c) while the domain is
 *   still paused (a pty drops what is written while nobody holds it), then resumed. A local
 *   URI keeps the Unix socket and the console file, as before. The close callback of every
 *   connection shuts the streams' sockets, so a broken connection loses the job at once.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <libvirt/libvirt-qemu.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/uri.h>
#include <libxml/xmlwriter.h>
#include <libxml/xpath.h>

#include "backend.h"
#include "backend_libvirt_stream.h"
#include "domxml.h"
#include "kvmstats.h"
#include "qmp.h"
#include "registry.h"
#include "util.h"

#define LV_OPEN_TIMEOUT_S 15.0
#define LV_KEEPALIVE_INTERVAL_S 3
#define LV_KEEPALIVE_COUNT 3
#define LV_RECONNECT_INTERVAL_S 1.0
/* After a lost connection: retry for this long, waiting 0.5 s, 1 s, 2 s ... (at most 8 s). */
#define LV_RECONNECT_WINDOW_S 30.0
#define LV_RECONNECT_FIRST_S 0.5
#define LV_RECONNECT_MAX_S 8.0
#define LV_POLL_INTERVAL_S 0.5
#define LV_NAME_PREFIX "pvb-"
#define LV_GUEST_MAGIC 0x70766c76u
#define LV_PID_DIR "/run/libvirt/qemu"
#define LV_LOG_DIR "/var/log/libvirt/qemu"
/* Where the run's storage pool folder is made on a host (override: PVBENCH_LIBVIRT_POOL_DIR). */
#define LV_POOL_PARENT "/var/lib/libvirt/images"
#define LV_UPLOAD_CHUNK (1u << 20)

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
    int kvm;  /* started under KVM: query-stats has its exit counters */
    char name[256];
    char uri[BACKEND_LIBVIRT_URI_MAX];
    char qemu_log[PATH_MAX];
    char blk_dev[32];
    char net_dev[64];
    struct lv_ports *ports; /* the serial ports as streams (remote host), NULL if local */
};

/*
 * Connection state, one per harness thread: hosts measured in parallel (run_hosts.c) each
 * have a thread and their own connection; one host uses the backend from the main thread.
 */
static __thread struct {
    virConnectPtr conn;
    char uri[BACKEND_LIBVIRT_URI_MAX];
    char pool[64];          /* the run's storage pool on this connection's host, "" if none */
    char pool_dir[PATH_MAX]; /* its folder, as the host sees it */
    int gave_up;             /* lv_conn_ready spent its window on uri: one try from now on */
    double lost_at;          /* when it began to try, for the reason it gives */
} lv;

/* The library and its event loop are set up once for every thread. */
static pthread_mutex_t lv_init_mu = PTHREAD_MUTEX_INITIALIZER;
static int lv_inited;

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
static int lv_init_once(char *err, size_t errlen)
{
    pthread_attr_t attr;
    pthread_t tid;
    sigset_t all, old;
    int rc;

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
    return 0;
}

static int lv_init(char *err, size_t errlen)
{
    int rc = 0;

    pthread_mutex_lock(&lv_init_mu);
    if (!lv_inited) {
        rc = lv_init_once(err, errlen);
        lv_inited = rc == 0;
    }
    pthread_mutex_unlock(&lv_init_mu);
    return rc;
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
int backend_libvirt_uri_is_local(const char *uri)
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
/* libvirt's event loop thread: the connection is gone, and so is every stream through it. */
static void lv_close_cb(virConnectPtr conn, int reason, void *opaque)
{
    static const char *const why[] = {"an I/O error", "end of file", "keepalive timeout",
                                      "a client's close"};

    (void)opaque;
    if (reason == VIR_CONNECT_CLOSE_REASON_CLIENT) {
        return; /* ours, on purpose */
    }
    log_warn("libvirt: the connection closed (%s)",
             reason >= 0 && reason < 4 ? why[reason] : "unknown reason");
    backend_libvirt_stream_conn_closed(conn);
}

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
    if (c && virConnectRegisterCloseCallback(c, lv_close_cb, NULL, NULL) < 0) {
        log_debug("libvirt: no close callback on %s: %s", uri, virGetLastErrorMessage());
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
    if (strcmp(lv.uri, uri) != 0) {
        lv.pool[0] = '\0'; /* another host: its pool, if any, was released or stays registered */
        lv.gave_up = 0;
    }
    if (lv.conn) {
        virConnectClose(lv.conn);
    }
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
    lv.pool[0] = '\0';
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
 * Make sure the shared connection is usable. A connection that died (libvirtd restarted,
 * the network between) is reopened with a growing wait between tries, for
 * LV_RECONNECT_WINDOW_S: a restarting daemon takes a few seconds to answer; one that stays
 * away fails what needed it with the reason, and its host alone fails.
 */
static int lv_conn_ready(char *err, size_t errlen)
{
    char uri[BACKEND_LIBVIRT_URI_MAX], last[512];
    double t0 = util_now(), deadline = t0 + LV_RECONNECT_WINDOW_S, wait = LV_RECONNECT_FIRST_S;
    int had = lv.conn != NULL, tries = 0;

    if (had && virConnectIsAlive(lv.conn) == 1) {
        return 0;
    }
    util_strlcpy(uri, lv.uri[0] ? lv.uri : BACKEND_LIBVIRT_DEFAULT_URI, sizeof(uri));
    if (had) {
        log_warn("libvirt (%s): the connection was lost; reconnecting", uri);
        if (!lv.gave_up) {
            lv.lost_at = t0;
        }
    }
    for (;;) {
        tries++;
        if (backend_libvirt_connect(uri, last, sizeof(last)) == 0) {
            lv.gave_up = 0;
            if (had) {
                log_info("libvirt (%s): reconnected after %.1f s (%d tr%s)", uri, util_now() - t0,
                         tries, tries == 1 ? "y" : "ies");
            }
            return 0;
        }
        if (!had) {
            snprintf(err, errlen, "%s", last);
            return -1;
        }
        if (lv.gave_up || util_now() + wait > deadline) {
            lv.gave_up = 1;
            snprintf(err, errlen, "host unreachable for %.0f s after the connection was lost: %s",
                     util_now() - lv.lost_at, last);
            return -1;
        }
        usleep((useconds_t)(wait * 1e6));
        wait = wait * 2 > LV_RECONNECT_MAX_S ? LV_RECONNECT_MAX_S : wait * 2;
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

static int lv_release_volume_hook(const char *id, const char *arg)
{
    return backend_libvirt_release_volume(id, arg);
}

static int lv_release_pool_hook(const char *id, const char *arg)
{
    return backend_libvirt_release_pool(id, arg);
}

static int lv_release_network_hook(const char *id, const char *arg)
{
    return backend_libvirt_release_network(id, arg);
}

void backend_libvirt_install_release_hook(void)
{
    registry_set_release_hook(REG_NETWORK, lv_release_network_hook);
    registry_set_release_hook(REG_DOMAIN, lv_release_hook);
    registry_set_release_hook(REG_VOLUME, lv_release_volume_hook);
    registry_set_release_hook(REG_POOL, lv_release_pool_hook);
}

/* ---- storage: the guest image and scratch disks on a remote host ---------------------------- */

static void lv_xpath_string(xmlDocPtr doc, const char *expr, char *out, size_t len);

/* The connection to uri for a release: the current one when it is that host's, else a new one. */
static virConnectPtr lv_release_conn(const char *uri, int *own, char *err, size_t errlen)
{
    virConnectPtr c;

    *own = 0;
    if (lv.conn && strcmp(lv.uri, uri) == 0 && virConnectIsAlive(lv.conn) == 1) {
        return lv.conn;
    }
    c = lv_open(uri, LV_OPEN_TIMEOUT_S, err, errlen);
    *own = c != NULL;
    return c;
}

int backend_libvirt_uri_needs_upload(const char *uri)
{
    static const char *const remote[] = {"ssh", "tcp", "tls", "libssh", "libssh2", "ext"};
    const char *force = getenv("PVBENCH_LIBVIRT_FORCE_UPLOAD");
    const char *plus;
    xmlURIPtr u;
    int rc = 0;

    if (force && strcmp(force, "1") == 0) {
        return 1;
    }
    u = xmlParseURI(uri && *uri ? uri : BACKEND_LIBVIRT_DEFAULT_URI);
    if (!u) {
        return 0; /* libvirt refuses it at connect time anyway */
    }
    plus = u->scheme ? strchr(u->scheme, '+') : NULL;
    if (plus) {
        for (size_t i = 0; i < sizeof(remote) / sizeof(remote[0]); i++) {
            rc |= strcmp(plus + 1, remote[i]) == 0;
        }
    } else if (u->server && u->server[0]) {
        rc = 1; /* a host part and no transport: libvirt goes over TLS */
    }
    xmlFreeURI(u);
    return rc;
}

/* The machine behind the connection: virNodeGetInfo and the capabilities' <host>. */
static void lv_node_facts(struct backend_host *out)
{
    char vendor[64], model[64];
    virNodeInfo ni;
    xmlDocPtr doc = NULL;
    char *caps;

    if (virNodeGetInfo(lv.conn, &ni) == 0) {
        util_strlcpy(out->arch, ni.model, sizeof(out->arch));
        out->cpus = ni.cpus;
        out->sockets = ni.sockets * ni.nodes;
        out->cores = ni.cores;
        out->threads = ni.threads;
        out->mhz = ni.mhz;
        out->memory_kib = ni.memory;
    }
    caps = virConnectGetCapabilities(lv.conn);
    if (caps) {
        doc = xmlReadMemory(caps, (int)strlen(caps), "capabilities.xml", NULL,
                            XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    }
    if (doc) {
        lv_xpath_string(doc, "string(/capabilities/host/cpu/vendor)", vendor, sizeof(vendor));
        lv_xpath_string(doc, "string(/capabilities/host/cpu/model)", model, sizeof(model));
        lv_xpath_string(doc, "string(/capabilities/host/uuid)", out->uuid, sizeof(out->uuid));
        snprintf(out->cpu_model, sizeof(out->cpu_model), "%s%s%s", vendor,
                 vendor[0] && model[0] ? " " : "", model);
        util_sanitize(out->cpu_model);
        util_sanitize(out->uuid);
        xmlFreeDoc(doc);
    }
    free(caps);
}

int backend_libvirt_host_info(struct backend_host *out)
{
    unsigned long lib = 0, hv = 0;
    char *host;

    memset(out, 0, sizeof(*out));
    if (!lv.conn || virConnectGetLibVersion(lv.conn, &lib) < 0) {
        return -1;
    }
    snprintf(out->libvirt_version, sizeof(out->libvirt_version), "%lu.%lu.%lu", lib / 1000000,
             lib / 1000 % 1000, lib % 1000);
    if (virConnectGetVersion(lv.conn, &hv) == 0) {
        snprintf(out->qemu_version, sizeof(out->qemu_version), "%lu.%lu.%lu", hv / 1000000,
                 hv / 1000 % 1000, hv % 1000);
    }
    host = virConnectGetHostname(lv.conn);
    util_strlcpy(out->hostname, host ? host : "", sizeof(out->hostname));
    util_sanitize(out->hostname);
    free(host);
    lv_node_facts(out);
    return 0;
}

#define LV_CPU_SOURCES 8

/* Per host URI, how lv_cpu_seconds measured (run.json says which). */
static struct {
    char uri[BACKEND_LIBVIRT_URI_MAX];
    const char *source;
} lv_cpu_src[LV_CPU_SOURCES];
static pthread_mutex_t lv_cpu_src_mu = PTHREAD_MUTEX_INITIALIZER; /* hosts in parallel */

static void lv_cpu_source_set(const char *uri, const char *source)
{
    unsigned i;

    pthread_mutex_lock(&lv_cpu_src_mu);
    for (i = 0; i < LV_CPU_SOURCES && lv_cpu_src[i].uri[0]; i++) {
        if (strcmp(lv_cpu_src[i].uri, uri) == 0) {
            break;
        }
    }
    if (i < LV_CPU_SOURCES) { /* more hosts than slots: run.json says "" for the rest */
        util_strlcpy(lv_cpu_src[i].uri, uri, sizeof(lv_cpu_src[i].uri));
        lv_cpu_src[i].source = source;
    }
    pthread_mutex_unlock(&lv_cpu_src_mu);
}

const char *backend_libvirt_cpu_source(const char *uri)
{
    const char *src = "";

    if (!uri || !*uri) {
        uri = BACKEND_LIBVIRT_DEFAULT_URI;
    }
    pthread_mutex_lock(&lv_cpu_src_mu);
    for (unsigned i = 0; i < LV_CPU_SOURCES && lv_cpu_src[i].uri[0]; i++) {
        if (strcmp(lv_cpu_src[i].uri, uri) == 0) {
            src = lv_cpu_src[i].source;
            break;
        }
    }
    pthread_mutex_unlock(&lv_cpu_src_mu);
    return src;
}

int backend_libvirt_kvm_available(char *why, size_t len)
{
    char *caps;

    if (!lv.conn) {
        snprintf(why, len, "libvirt: not connected");
        return 0;
    }
    caps = virConnectGetDomainCapabilities(lv.conn, NULL, "x86_64", NULL, "kvm", 0);
    if (caps) {
        free(caps);
        return 1;
    }
    snprintf(why, len, "libvirt (%s) has no KVM: %s", lv.uri, virGetLastErrorMessage());
    return 0;
}

const char *backend_libvirt_pool(void)
{
    return lv.pool;
}

/* The pool's or volume's XML: <pool type='dir'> with a target folder, or a raw volume. */
static int lv_storage_xml(xmlBufferPtr out, const char *name, const char *pool_dir,
                          unsigned long long capacity)
{
    xmlTextWriterPtr w = xmlNewTextWriterMemory(out, 0);
    char num[32];
    int rc = 0;

    if (!w) {
        return -1;
    }
    rc |= xmlTextWriterStartElement(w, BAD_CAST(pool_dir ? "pool" : "volume")) < 0;
    if (pool_dir) {
        rc |= xmlTextWriterWriteAttribute(w, BAD_CAST "type", BAD_CAST "dir") < 0;
    }
    rc |= xmlTextWriterWriteElement(w, BAD_CAST "name", BAD_CAST name) < 0;
    if (!pool_dir) {
        snprintf(num, sizeof(num), "%llu", capacity);
        rc |= xmlTextWriterStartElement(w, BAD_CAST "capacity") < 0;
        rc |= xmlTextWriterWriteAttribute(w, BAD_CAST "unit", BAD_CAST "bytes") < 0;
        rc |= xmlTextWriterWriteString(w, BAD_CAST num) < 0;
        rc |= xmlTextWriterEndElement(w) < 0;
        /* Nothing allocated up front: the upload writes every byte anyway. */
        rc |= xmlTextWriterStartElement(w, BAD_CAST "allocation") < 0;
        rc |= xmlTextWriterWriteString(w, BAD_CAST "0") < 0;
        rc |= xmlTextWriterEndElement(w) < 0;
    }
    rc |= xmlTextWriterStartElement(w, BAD_CAST "target") < 0;
    if (pool_dir) {
        rc |= xmlTextWriterWriteElement(w, BAD_CAST "path", BAD_CAST pool_dir) < 0;
    } else {
        rc |= xmlTextWriterStartElement(w, BAD_CAST "format") < 0;
        rc |= xmlTextWriterWriteAttribute(w, BAD_CAST "type", BAD_CAST "raw") < 0;
        rc |= xmlTextWriterEndElement(w) < 0;
    }
    /* Root only, like the harness's own scratch folder; QEMU runs as root (domxml.c). */
    rc |= xmlTextWriterStartElement(w, BAD_CAST "permissions") < 0;
    rc |= xmlTextWriterWriteElement(w, BAD_CAST "mode", BAD_CAST(pool_dir ? "0700" : "0600")) < 0;
    rc |= xmlTextWriterEndElement(w) < 0;
    rc |= xmlTextWriterEndElement(w) < 0; /* target */
    rc |= xmlTextWriterEndElement(w) < 0; /* pool | volume */
    rc |= xmlTextWriterEndDocument(w) < 0;
    xmlFreeTextWriter(w);
    return rc ? -1 : 0;
}

/* The folder of a directory pool, from its XML. 0, or -1. */
static int lv_pool_dir(virStoragePoolPtr pool, char *out, size_t len)
{
    char *xml = virStoragePoolGetXMLDesc(pool, 0);
    xmlDocPtr doc = NULL;

    out[0] = '\0';
    if (xml) {
        doc = xmlReadMemory(xml, (int)strlen(xml), "pool.xml", NULL,
                            XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    }
    if (doc) {
        lv_xpath_string(doc, "string(/pool/target/path)", out, len);
        xmlFreeDoc(doc);
    }
    free(xml);
    return out[0] == '/' ? 0 : -1;
}

/*
 * The run's pool on the current connection: found ("pvb-<run id>" from an earlier host of
 * the same daemon) or defined, built (its folder made) and started. 0, or -1 with err.
 */
static int lv_pool_ensure(char *err, size_t errlen)
{
    const char *parent = getenv("PVBENCH_LIBVIRT_POOL_DIR");
    char name[64], dir[PATH_MAX];
    virStoragePoolPtr pool = NULL;
    xmlBufferPtr xml = NULL;
    int rc = -1;

    /* First the connection: a pool known on a connection that died must be reached again. */
    if (lv_conn_ready(err, errlen) < 0) {
        return -1;
    }
    if (lv.pool[0]) {
        return 0;
    }
    if (!registry_run_id()[0]) {
        snprintf(err, errlen, "libvirt storage: no run id (registry not open)");
        return -1;
    }
    if (!parent || !*parent) {
        parent = LV_POOL_PARENT;
    }
    snprintf(name, sizeof(name), LV_NAME_PREFIX "%s", registry_run_id());
    if (util_fmt(dir, sizeof(dir), "%s/%s", parent, name) < 0 || dir[0] != '/') {
        snprintf(err, errlen, "libvirt storage: pool folder %s/%s: not an absolute path", parent,
                 name);
        return -1;
    }
    if (registry_add(REG_POOL, name, lv.uri) < 0) {
        snprintf(err, errlen, "cannot register storage pool %s: %s", name, strerror(errno));
        return -1;
    }
    backend_libvirt_install_release_hook();
    pool = virStoragePoolLookupByName(lv.conn, name);
    if (!pool) {
        xml = xmlBufferCreate();
        if (!xml || lv_storage_xml(xml, name, dir, 0) < 0) {
            snprintf(err, errlen, "libvirt storage: cannot write the pool XML");
            goto out;
        }
        /* Defined (not transient): only a defined pool can have its folder deleted. */
        pool = virStoragePoolDefineXML(lv.conn, (const char *)xmlBufferContent(xml), 0);
        if (!pool) {
            snprintf(err, errlen, "libvirt (%s): cannot define storage pool %s: %s", lv.uri, name,
                     virGetLastErrorMessage());
            goto out;
        }
        if (virStoragePoolBuild(pool, 0) < 0) {
            snprintf(err, errlen, "libvirt (%s): cannot make the folder %s of pool %s: %s", lv.uri,
                     dir, name, virGetLastErrorMessage());
            goto out;
        }
    }
    if (virStoragePoolIsActive(pool) != 1 && virStoragePoolCreate(pool, 0) < 0) {
        snprintf(err, errlen, "libvirt (%s): cannot start storage pool %s: %s", lv.uri, name,
                 virGetLastErrorMessage());
        goto out;
    }
    if (lv_pool_dir(pool, lv.pool_dir, sizeof(lv.pool_dir)) < 0) {
        snprintf(err, errlen, "libvirt (%s): storage pool %s has no target folder", lv.uri, name);
        goto out;
    }
    util_strlcpy(lv.pool, name, sizeof(lv.pool));
    log_debug("libvirt (%s): storage pool %s in %s", lv.uri, name, lv.pool_dir);
    rc = 0;
out:
    /* On failure the pool stays registered: the release at exit removes what came to be. */
    if (pool) {
        virStoragePoolFree(pool);
    }
    if (xml) {
        xmlBufferFree(xml);
    }
    return rc;
}

/* What an upload sends: a local file, or `left` bytes of registry_scratch_file's data. */
struct lv_source {
    int fd;                  /* -1: generated data */
    unsigned long long left; /* bytes still to send */
    uint64_t x;              /* xorshift state, as registry_scratch_file starts it */
    char *buf;               /* generated data, LV_UPLOAD_CHUNK bytes */
    size_t have, off;
    int error;               /* errno of a failed read */
};

/* virStreamSendAll's source: up to nbytes into data; 0 at the end, -1 on error. */
static int lv_source_read(virStreamPtr st, char *data, size_t nbytes, void *opaque)
{
    struct lv_source *src = opaque;
    size_t n = nbytes;
    ssize_t got;

    (void)st;
    if (src->left == 0) {
        return 0;
    }
    if (n > src->left) {
        n = (size_t)src->left;
    }
    if (n > INT_MAX) {
        n = INT_MAX;
    }
    if (src->fd >= 0) {
        do {
            got = read(src->fd, data, n);
        } while (got < 0 && errno == EINTR);
        if (got <= 0) {
            src->error = got < 0 ? errno : EIO; /* a file that shrank under us */
            return -1;
        }
        src->left -= (unsigned long long)got;
        return (int)got;
    }
    if (src->off == src->have) {
        uint64_t *w = (uint64_t *)(void *)src->buf;

        /* The same xorshift stream registry_scratch_file writes, MiB after MiB. */
        for (size_t k = 0; k < LV_UPLOAD_CHUNK / 8; k++) {
            src->x ^= src->x << 13;
            src->x ^= src->x >> 7;
            src->x ^= src->x << 17;
            w[k] = src->x;
        }
        src->have = LV_UPLOAD_CHUNK;
        src->off = 0;
    }
    if (n > src->have - src->off) {
        n = src->have - src->off;
    }
    memcpy(data, src->buf + src->off, n);
    src->off += n;
    src->left -= n;
    return (int)n;
}

/*
 * Create volume vname of size bytes in the run's pool (registered first, by the path it
 * will have) and fill it from src through virStorageVolUpload. Its path into path.
 */
static int lv_volume_upload(const char *vname, unsigned long long size, struct lv_source *src,
                            char *path, size_t pathlen, char *err, size_t errlen)
{
    virStoragePoolPtr pool = NULL;
    virStorageVolPtr vol = NULL;
    virStreamPtr st = NULL;
    xmlBufferPtr xml = NULL;
    char want[PATH_MAX], *got = NULL;
    double t0 = util_now();
    int rc = -1;

    if (lv_pool_ensure(err, errlen) < 0) {
        return -1;
    }
    if (util_fmt(want, sizeof(want), "%s/%s", lv.pool_dir, vname) < 0) {
        snprintf(err, errlen, "libvirt storage: volume path too long");
        return -1;
    }
    if (registry_add(REG_VOLUME, want, lv.uri) < 0) {
        snprintf(err, errlen, "cannot register volume %s: %s", want, strerror(errno));
        return -1;
    }
    pool = virStoragePoolLookupByName(lv.conn, lv.pool);
    xml = xmlBufferCreate();
    if (!pool || !xml || lv_storage_xml(xml, vname, NULL, size) < 0) {
        snprintf(err, errlen, "libvirt (%s): storage pool %s: %s", lv.uri, lv.pool,
                 pool ? "cannot write the volume XML" : virGetLastErrorMessage());
        goto out;
    }
    vol = virStorageVolCreateXML(pool, (const char *)xmlBufferContent(xml), 0);
    if (!vol) {
        snprintf(err, errlen, "libvirt (%s): cannot create volume %s in pool %s: %s", lv.uri,
                 vname, lv.pool, virGetLastErrorMessage());
        goto out;
    }
    got = virStorageVolGetPath(vol);
    if (!got) {
        snprintf(err, errlen, "libvirt (%s): volume %s has no path: %s", lv.uri, vname,
                 virGetLastErrorMessage());
        goto out;
    }
    if (strcmp(got, want) != 0) {
        /* The host names it otherwise (a symlinked folder): register that name too. */
        if (registry_add(REG_VOLUME, got, lv.uri) < 0) {
            snprintf(err, errlen, "cannot register volume %s: %s", got, strerror(errno));
            goto out;
        }
        registry_forget(REG_VOLUME, want);
    }
    st = virStreamNew(lv.conn, 0);
    if (!st || virStorageVolUpload(vol, st, 0, size, 0) < 0) {
        snprintf(err, errlen, "libvirt (%s): cannot upload to volume %s: %s", lv.uri, vname,
                 virGetLastErrorMessage());
        goto out;
    }
    if (virStreamSendAll(st, lv_source_read, src) < 0) {
        /* virStreamSendAll has aborted the stream already. */
        snprintf(err, errlen, "libvirt (%s): uploading volume %s failed: %s", lv.uri, vname,
                 src->error ? strerror(src->error) : virGetLastErrorMessage());
        goto out;
    }
    if (virStreamFinish(st) < 0) {
        snprintf(err, errlen, "libvirt (%s): finishing the upload of %s failed: %s", lv.uri,
                 vname, virGetLastErrorMessage());
        goto out;
    }
    if (util_strlcpy(path, got, pathlen) < 0) {
        snprintf(err, errlen, "libvirt storage: path of volume %s too long", vname);
        goto out;
    }
    log_debug("libvirt (%s): uploaded %llu bytes to %s in %.2f s", lv.uri, size, got,
              util_now() - t0);
    rc = 0;
out:
    if (st) {
        virStreamFree(st);
    }
    if (vol) {
        virStorageVolFree(vol);
    }
    if (pool) {
        virStoragePoolFree(pool);
    }
    if (xml) {
        xmlBufferFree(xml);
    }
    free(got);
    return rc;
}

/* Upload one local file as volume "pvb-<run id>-<its base name>". */
static int lv_stage_file(const char *file, char *path, size_t pathlen, char *err, size_t errlen)
{
    struct lv_source src = {.fd = -1};
    const char *base = strrchr(file, '/');
    char vname[256];
    off_t size;
    int rc;

    base = base ? base + 1 : file;
    src.fd = open(file, O_RDONLY | O_CLOEXEC);
    if (src.fd < 0) {
        snprintf(err, errlen, "cannot open %s: %s", file, strerror(errno));
        return -1;
    }
    size = lseek(src.fd, 0, SEEK_END);
    if (size <= 0 || lseek(src.fd, 0, SEEK_SET) < 0) {
        snprintf(err, errlen, "%s: empty or not a regular file", file);
        close(src.fd);
        return -1;
    }
    src.left = (unsigned long long)size;
    snprintf(vname, sizeof(vname), LV_NAME_PREFIX "%s-%s", registry_run_id(), base);
    rc = lv_volume_upload(vname, (unsigned long long)size, &src, path, pathlen, err, errlen);
    close(src.fd);
    return rc;
}

int backend_libvirt_stage_image(const char *kernel, const char *initrd, char *kpath, size_t klen,
                                char *ipath, size_t ilen, char *err, size_t errlen)
{
    if (!lv.conn) {
        snprintf(err, errlen, "libvirt: not connected");
        return -1;
    }
    if (lv_stage_file(kernel, kpath, klen, err, errlen) < 0 ||
        lv_stage_file(initrd, ipath, ilen, err, errlen) < 0) {
        return -1;
    }
    return 0;
}

int backend_libvirt_scratch_volume(const char *name, unsigned mib, char *path, size_t pathlen,
                                   char *err, size_t errlen)
{
    struct lv_source src = {.fd = -1, .x = 0x9e3779b97f4a7c15ull};
    char vname[256];
    int rc;

    if (!lv.conn) {
        snprintf(err, errlen, "libvirt: not connected");
        return -1;
    }
    if (mib == 0 || !domxml_name_ok(name)) {
        snprintf(err, errlen, "libvirt storage: bad scratch volume '%s' of %u MiB", name, mib);
        return -1;
    }
    src.buf = malloc(LV_UPLOAD_CHUNK);
    if (!src.buf) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    src.left = (unsigned long long)mib << 20;
    snprintf(vname, sizeof(vname), LV_NAME_PREFIX "%s-disk-%s.img", registry_run_id(), name);
    rc = lv_volume_upload(vname, src.left, &src, path, pathlen, err, errlen);
    free(src.buf);
    return rc;
}

/* Delete volume path on connection c (only "pvb-*" volumes). 0 if it is gone, else -1. */
static int lv_volume_delete_on(virConnectPtr c, const char *uri, const char *path)
{
    virStorageVolPtr vol = virStorageVolLookupByPath(c, path);
    const char *name;
    int rc = -1;

    if (!vol) {
        if (virGetLastErrorCode() == VIR_ERR_NO_STORAGE_VOL) {
            return 0; /* never made, or deleted with its pool */
        }
        log_warn("libvirt (%s): cannot look up volume %s: %s", uri, path,
                 virGetLastErrorMessage());
        return -1;
    }
    name = virStorageVolGetName(vol);
    if (!name || strncmp(name, LV_NAME_PREFIX, strlen(LV_NAME_PREFIX)) != 0) {
        log_warn("libvirt (%s): not deleting volume %s: not a pvbench volume", uri, path);
    } else if (virStorageVolDelete(vol, 0) < 0 &&
               virGetLastErrorCode() != VIR_ERR_NO_STORAGE_VOL) {
        log_warn("libvirt (%s): cannot delete volume %s: %s", uri, path,
                 virGetLastErrorMessage());
    } else {
        rc = 0;
    }
    virStorageVolFree(vol);
    return rc;
}

void backend_libvirt_volume_delete(const char *path)
{
    if (!path || !*path) {
        return;
    }
    char err[512];

    /* A connection that broke under the guest is reopened: its scratch volume must go now,
     * or the retry's fresh guest finds the name taken. */
    if (lv.conn && virConnectIsAlive(lv.conn) != 1 && lv_conn_ready(err, sizeof(err)) < 0) {
        log_warn("cannot delete volume %s: %s", path, err);
        return;
    }
    if (lv.conn && lv_volume_delete_on(lv.conn, lv.uri, path) == 0) {
        registry_forget(REG_VOLUME, path);
    }
    /* Otherwise it stays registered: the release at exit (or `pvbench cleanup`) tries again. */
}

int backend_libvirt_release_volume(const char *path, const char *uri)
{
    char err[512];
    virConnectPtr c;
    int own, rc;

    if (!uri || !*uri) {
        uri = BACKEND_LIBVIRT_DEFAULT_URI;
    }
    c = lv_release_conn(uri, &own, err, sizeof(err));
    if (!c) {
        log_warn("cannot delete volume %s: %s", path, err);
        return -1;
    }
    rc = lv_volume_delete_on(c, uri, path);
    if (own) {
        virConnectClose(c);
    }
    return rc;
}

/* Delete the "pvb-*" volumes of pool, then the pool: stopped, its folder removed, undefined. */
static int lv_pool_delete_on(virConnectPtr c, const char *uri, const char *name)
{
    virStoragePoolPtr pool = virStoragePoolLookupByName(c, name);
    virStorageVolPtr *vols = NULL;
    int n, rc = -1;

    if (!pool) {
        if (virGetLastErrorCode() == VIR_ERR_NO_STORAGE_POOL) {
            return 0;
        }
        log_warn("libvirt (%s): cannot look up storage pool %s: %s", uri, name,
                 virGetLastErrorMessage());
        return -1;
    }
    /* Its volumes can only be listed and deleted while it runs (a libvirtd restart stops it). */
    if (virStoragePoolIsActive(pool) != 1 && virStoragePoolCreate(pool, 0) < 0) {
        log_warn("libvirt (%s): cannot start storage pool %s to empty it: %s", uri, name,
                 virGetLastErrorMessage());
        goto out;
    }
    virStoragePoolRefresh(pool, 0);
    n = virStoragePoolListAllVolumes(pool, &vols, 0);
    for (int i = 0; i < n; i++) {
        const char *vname = virStorageVolGetName(vols[i]);

        if (vname && strncmp(vname, LV_NAME_PREFIX, strlen(LV_NAME_PREFIX)) == 0 &&
            virStorageVolDelete(vols[i], 0) < 0) {
            log_warn("libvirt (%s): cannot delete volume %s of pool %s: %s", uri, vname, name,
                     virGetLastErrorMessage());
        }
        virStorageVolFree(vols[i]);
    }
    free(vols);
    if (virStoragePoolDestroy(pool) < 0 && virGetLastErrorCode() != VIR_ERR_OPERATION_INVALID) {
        log_warn("libvirt (%s): cannot stop storage pool %s: %s", uri, name,
                 virGetLastErrorMessage());
        goto out;
    }
    /* Removes the folder; fails, and keeps the definition, if anything is left in it. */
    if (virStoragePoolDelete(pool, 0) < 0) {
        log_warn("libvirt (%s): cannot delete the folder of storage pool %s: %s", uri, name,
                 virGetLastErrorMessage());
        goto out;
    }
    if (virStoragePoolUndefine(pool) < 0) {
        log_warn("libvirt (%s): cannot undefine storage pool %s: %s", uri, name,
                 virGetLastErrorMessage());
        goto out;
    }
    rc = 0;
out:
    virStoragePoolFree(pool);
    return rc;
}

int backend_libvirt_release_pool(const char *name, const char *uri)
{
    char err[512];
    virConnectPtr c;
    int own, rc;

    if (strncmp(name, LV_NAME_PREFIX, strlen(LV_NAME_PREFIX)) != 0) {
        log_warn("libvirt: not deleting storage pool %s: not a pvbench pool", name);
        return -1;
    }
    if (!uri || !*uri) {
        uri = BACKEND_LIBVIRT_DEFAULT_URI;
    }
    c = lv_release_conn(uri, &own, err, sizeof(err));
    if (!c) {
        log_warn("cannot delete storage pool %s: %s", name, err);
        return -1;
    }
    rc = lv_pool_delete_on(c, uri, name);
    if (own) {
        virConnectClose(c);
    }
    if (rc == 0 && c == lv.conn && strcmp(lv.pool, name) == 0) {
        lv.pool[0] = '\0';
    }
    return rc;
}

void backend_libvirt_storage_release(void)
{
    char name[sizeof(lv.pool)];

    if (!lv.pool[0] || !lv.conn) {
        return;
    }
    util_strlcpy(name, lv.pool, sizeof(name));
    if (lv_pool_delete_on(lv.conn, lv.uri, name) == 0) {
        /* Every volume went with it: forget them all, then the pool. */
        registry_forget_under(REG_VOLUME, lv.pool_dir);
        registry_forget(REG_POOL, name);
        lv.pool[0] = '\0';
    }
}

/* ---- the network of a host's peer guest -------------------------------------------------- */

/*
 * An isolated network: no <forward> (nothing leaves the bridge), no <ip> (no address on the
 * host's bridge, no dnsmasq; libvirt also turns IPv6 off on a bridge without an IPv6
 * address), STP off and no forward delay (the peer guest is reachable at once).
 */
static int lv_network_xml(xmlBufferPtr out, const char *name, const char *bridge)
{
    xmlTextWriterPtr w = xmlNewTextWriterMemory(out, 0);
    int rc = 0;

    if (!w) {
        return -1;
    }
    rc |= xmlw_start(w, "network");
    rc |= xmlw_elem(w, "name", name);
    rc |= xmlw_start(w, "bridge");
    rc |= xmlw_attr(w, "name", bridge);
    rc |= xmlw_attr(w, "stp", "off");
    rc |= xmlw_attr(w, "delay", "0");
    rc |= xmlw_end(w);
    rc |= xmlw_end(w);
    rc |= xmlTextWriterEndDocument(w) < 0;
    xmlFreeTextWriter(w);
    return rc ? -1 : 0;
}

int backend_libvirt_network_add(const char *name, const char *bridge, char *err, size_t errlen)
{
    xmlBufferPtr xml = NULL;
    virNetworkPtr net;

    if (lv_conn_ready(err, errlen) < 0) {
        return -1;
    }
    if (strncmp(name, LV_NAME_PREFIX, strlen(LV_NAME_PREFIX)) != 0 || !domxml_name_ok(name)) {
        snprintf(err, errlen, "libvirt: bad network name %s", name);
        return -1;
    }
    if (registry_add(REG_NETWORK, name, lv.uri) < 0) {
        snprintf(err, errlen, "cannot register network %s: %s", name, strerror(errno));
        return -1;
    }
    backend_libvirt_install_release_hook();
    /* Left by a connection that died (a transient network outlives a libvirtd restart). */
    net = virNetworkLookupByName(lv.conn, name);
    if (net) {
        int active = virNetworkIsActive(net) == 1;

        virNetworkFree(net);
        if (active) {
            return 0;
        }
    }
    xml = xmlBufferCreate();
    if (!xml || lv_network_xml(xml, name, bridge) < 0) {
        snprintf(err, errlen, "libvirt: cannot write the network XML");
        xmlBufferFree(xml);
        registry_forget(REG_NETWORK, name);
        return -1;
    }
    /* Transient: it is gone with virNetworkDestroy, nothing is left in /etc/libvirt. */
    net = virNetworkCreateXML(lv.conn, (const char *)xmlBufferContent(xml));
    xmlBufferFree(xml);
    if (!net) {
        snprintf(err, errlen, "libvirt (%s): cannot create network %s (bridge %s): %s", lv.uri,
                 name, bridge, virGetLastErrorMessage());
        registry_forget(REG_NETWORK, name);
        return -1;
    }
    virNetworkFree(net);
    return 0;
}

/* Destroy network name on c. 0 (gone, or never there), or -1 with a warning. */
static int lv_network_destroy_on(virConnectPtr c, const char *uri, const char *name)
{
    virNetworkPtr net = virNetworkLookupByName(c, name);
    int rc = 0;

    if (!net) {
        registry_forget(REG_NETWORK, name);
        return virGetLastErrorCode() == VIR_ERR_NO_NETWORK ? 0 : -1;
    }
    if (virNetworkIsActive(net) == 1 && virNetworkDestroy(net) < 0) {
        log_warn("libvirt (%s): cannot destroy network %s: %s", uri, name,
                 virGetLastErrorMessage());
        rc = -1;
    }
    if (rc == 0 && virNetworkIsPersistent(net) == 1 && virNetworkUndefine(net) < 0) {
        rc = -1;
    }
    virNetworkFree(net);
    if (rc == 0) {
        registry_forget(REG_NETWORK, name);
    }
    return rc;
}

void backend_libvirt_network_remove(const char *name)
{
    char err[512];

    if (strncmp(name, LV_NAME_PREFIX, strlen(LV_NAME_PREFIX)) != 0) {
        return;
    }
    /* A connection that died is made again; a host still unreachable keeps it registered
     * for `pvbench cleanup`. */
    if (lv_conn_ready(err, sizeof(err)) < 0) {
        log_warn("cannot destroy network %s: %s", name, err);
        return;
    }
    lv_network_destroy_on(lv.conn, lv.uri, name);
}

int backend_libvirt_release_network(const char *name, const char *uri)
{
    char err[512];
    virConnectPtr c;
    int own, rc;

    if (strncmp(name, LV_NAME_PREFIX, strlen(LV_NAME_PREFIX)) != 0) {
        log_warn("libvirt: not destroying network %s: not a pvbench network", name);
        return -1;
    }
    if (!uri || !*uri) {
        uri = BACKEND_LIBVIRT_DEFAULT_URI;
    }
    c = lv_release_conn(uri, &own, err, sizeof(err));
    if (!c) {
        log_warn("cannot destroy network %s: %s", name, err);
        return -1;
    }
    rc = lv_network_destroy_on(c, uri, name);
    if (own) {
        virConnectClose(c);
    }
    return rc;
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
    backend_libvirt_stream_close(lg->ports);
    lg->ports = NULL;
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
    /* Streams do not survive their connection: the session already read EOF on them. */
    backend_libvirt_stream_close(lg->ports);
    lg->ports = NULL;
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

/* The paused domain's serial ports as streams, then run it: nothing it prints is lost. */
static int lv_open_streams(struct lv_guest *lg, const struct guest_spec *s, char *err,
                           size_t errlen)
{
    if (backend_libvirt_stream_open(lg->conn, lg->dom, s->control_sock, s->console_log,
                                    &lg->ports, err, errlen) < 0) {
        return -1;
    }
    if (virDomainResume(lg->dom) < 0) {
        snprintf(err, errlen, "libvirt (%s): cannot resume domain %s: %s", lg->uri, s->name,
                 virGetLastErrorMessage());
        return -1;
    }
    return 0;
}

static int lv_start(const struct guest_spec *s, struct guest *g, char *err, size_t errlen)
{
    struct lv_guest *lg = NULL;
    xmlBufferPtr xml = NULL;
    int registered = 0, streams;

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
    lg->local = backend_libvirt_uri_is_local(lg->uri);
    lg->kvm = s->accel && strcmp(s->accel, "kvm") == 0;
    streams = backend_libvirt_uri_needs_upload(lg->uri);
    if (streams) {
        char hostlog[PATH_MAX];

        if (util_fmt(hostlog, sizeof(hostlog), LV_LOG_DIR "/%s-console.log", s->name) < 0 ||
            domxml_write_pty(s, hostlog, xml, err, errlen) < 0) {
            goto fail;
        }
    } else if (domxml_write(s, xml, err, errlen) < 0) {
        goto fail;
    }
    /* -v: the domain as libvirt gets it, to start the guest by hand (virsh create). */
    log_debug("libvirt (%s): domain %s:\n%s", lv.uri, s->name,
              (const char *)xmlBufferContent(xml));
    if (registry_add(REG_DOMAIN, s->name, lg->uri) < 0) {
        snprintf(err, errlen, "cannot register domain %s: %s", s->name, strerror(errno));
        goto fail;
    }
    registered = 1;
    backend_libvirt_install_release_hook();

    lg->dom = virDomainCreateXML(lv.conn, (const char *)xmlBufferContent(xml),
                                 VIR_DOMAIN_START_AUTODESTROY |
                                     (streams ? VIR_DOMAIN_START_PAUSED : 0));
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
    if (streams && lv_open_streams(lg, s, err, errlen) < 0) {
        goto fail_destroy;
    }
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

fail_destroy:
    if (virDomainDestroy(lg->dom) == 0 || virGetLastErrorCode() == VIR_ERR_NO_DOMAIN) {
        registry_forget(REG_DOMAIN, s->name);
        registered = 0;
    }
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

/* The QEMU process when it runs here (libvirt names its threads: debug-threads=on). */
static pid_t lv_qemu_pid(struct guest *g)
{
    struct lv_guest *lg = lv_of(g);

    if (!lg || g->exited || g->pid <= 0 || util_proc_starttime(g->pid) != lg->pid_start) {
        return -1;
    }
    return g->pid;
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
        lv_cpu_source_set(lg->uri, "/proc/PID/stat");
        return util_proc_cpu_seconds(g->pid);
    }
    memset(&c, 0, sizeof(c));
    if (lv_cpu_stats(lg->dom, &c) == 0) {
        lv_cpu_source_set(lg->uri, "virDomainGetCPUStats");
        return c.cpu_s;
    }
    /* A daemon without cgroups has no CPU statistics, but still the process's cpuTime. */
    if (virDomainGetInfo(lg->dom, &info) == 0) {
        lv_cpu_source_set(lg->uri, "virDomainGetInfo cpuTime");
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

/*
 * query-stats through libvirt: passed to the domain's monitor (virDomainQemuMonitorCommand;
 * libvirt marks such a domain "tainted: custom-monitor" in its log, the command only reads).
 */
static int lv_query_stats(void *arg, const char *target, json_object **ret, char *err,
                          size_t errlen)
{
    struct lv_guest *lg = arg;
    json_object *reply, *r;
    char cmd[128], *text = NULL;

    snprintf(cmd, sizeof(cmd), "{\"execute\":\"query-stats\",\"arguments\":{\"target\":\"%s\"}}",
             target);
    if (virDomainQemuMonitorCommand(lg->dom, cmd, &text,
                                    VIR_DOMAIN_QEMU_MONITOR_COMMAND_DEFAULT) < 0) {
        snprintf(err, errlen, "query-stats through libvirt: %s", virGetLastErrorMessage());
        return -1;
    }
    reply = json_tokener_parse(text);
    free(text);
    if (!reply || !json_object_object_get_ex(reply, "return", &r)) {
        json_object_put(reply);
        snprintf(err, errlen, "query-stats through libvirt: no \"return\" in the reply");
        return -1;
    }
    *ret = json_object_get(r);
    json_object_put(reply);
    return 0;
}

static int lv_kvm_stats(struct guest *g, struct kvmstats *out, char *err, size_t errlen)
{
    struct lv_guest *lg = lv_of(g);

    err[0] = '\0';
    if (!lg || !lg->dom || g->exited || !lg->kvm) {
        kvmstats_init(out);
        return -1; /* not under KVM (or gone): nothing to say */
    }
    return kvmstats_collect(out, lv_query_stats, lg, err, errlen);
}

/* The ops table's view of the counters: the DUT's bytes. */
static int lv_counters(struct guest *g, struct backend_counters *out)
{
    struct libvirt_counters c;
    int rc = backend_libvirt_counters(g, &c);

    out->rd_bytes = c.rd_bytes;
    out->wr_bytes = c.wr_bytes;
    out->rx_bytes = c.rx_bytes;
    out->tx_bytes = c.tx_bytes;
    return rc;
}

/*
 * One QMP command through libvirt's monitor pass-through (virDomainQemuMonitorCommand): the
 * domain's own monitor, shared with libvirtd. libvirt bounds it with its own job timeout;
 * the deadline only refuses to start a command after it.
 */
static int lv_monitor(struct guest *g, const char *cmd, json_object *args, json_object **ret,
                      double deadline, char *err, size_t errlen)
{
    struct lv_guest *lg = lv_of(g);
    json_object *req, *reply = NULL, *v;
    char *result = NULL;
    int rc = QMP_ERR_IO;

    if (ret) {
        *ret = NULL;
    }
    if (!lg || !lg->dom || util_now() > deadline) {
        util_seterr(err, errlen, "%s", !lg || !lg->dom ? "no domain" : "deadline passed");
        return !lg || !lg->dom ? QMP_ERR_IO : QMP_ERR_TIMEOUT;
    }
    req = json_object_new_object();
    json_object_object_add(req, "execute", json_object_new_string(cmd));
    if (args) {
        json_object_object_add(req, "arguments", json_object_get(args));
    }
    if (virDomainQemuMonitorCommand(lg->dom, json_object_to_json_string(req), &result, 0) < 0) {
        virErrorPtr e = virGetLastError();
        util_seterr(err, errlen, "libvirt: %s", e && e->message ? e->message : "monitor failed");
    } else if (!(reply = json_tokener_parse(result)) ||
               !json_object_is_type(reply, json_type_object)) {
        util_seterr(err, errlen, "libvirt: the monitor's answer is not a JSON object");
        rc = QMP_ERR_PROTO;
    } else if (json_object_object_get_ex(reply, "error", &v)) {
        json_object *c = NULL, *d = NULL;
        json_object_object_get_ex(v, "class", &c);
        json_object_object_get_ex(v, "desc", &d);
        util_seterr(err, errlen, "%s: %s", c ? json_object_get_string(c) : "error",
                    d ? json_object_get_string(d) : "?");
        rc = QMP_ERR_CMD;
    } else {
        if (ret && json_object_object_get_ex(reply, "return", &v)) {
            *ret = json_object_get(v);
        }
        rc = QMP_OK;
    }
    json_object_put(reply);
    json_object_put(req);
    free(result);
    return rc;
}

const struct backend_ops backend_libvirt_ops = {
    .name = "libvirt",
    .process_name = "QEMU",
    .caps = BACKEND_CAP_COUNTERS | BACKEND_CAP_REMOTE_STORAGE | BACKEND_CAP_HOSTS |
            BACKEND_CAP_MONITOR | BACKEND_CAP_KVM_STATS | BACKEND_CAP_THREADS,
    .local_pid = lv_qemu_pid,
    .monitor = lv_monitor,
    .start = lv_start,
    .cpu_seconds = lv_cpu_seconds,
    .alive = lv_alive,
    .stop = lv_stop,
    .counters = lv_counters,
    .kvm_stats = lv_kvm_stats,
    .scratch_volume = backend_libvirt_scratch_volume,
    .volume_delete = backend_libvirt_volume_delete,
    .connect = backend_libvirt_connect,
    .disconnect = backend_libvirt_disconnect,
    .host_info = backend_libvirt_host_info,
    .stage_image = backend_libvirt_stage_image,
    .storage_pool = backend_libvirt_pool,
    .storage_release = backend_libvirt_storage_release,
    .network_add = backend_libvirt_network_add,
    .network_remove = backend_libvirt_network_remove,
};

/* ---- what a host offers (pvbench list --connect) -------------------------------------------- */

/* A guest with nothing to boot, held paused: only its QEMU is wanted, to ask for its types. */
#define LV_PROBE_XML                                                                               \
    "<domain type='qemu'><name>%s</name><memory unit='MiB'>32</memory><vcpu>1</vcpu>"              \
    "<os><type arch='x86_64' machine='pc'>hvm</type></os><devices>"                                \
    "<controller type='usb' model='none'/><memballoon model='none'/></devices></domain>"

/* 1 if the capabilities list machine type name (alias or canonical) for x86_64. */
static int lv_has_machine(xmlDocPtr doc, const char *name)
{
    char expr[256], out[8];

    snprintf(expr, sizeof(expr),
             "string(count(/capabilities/guest[arch/@name='x86_64']/arch/machine[text()='%s' "
             "or @canonical='%s']) > 0)",
             name, name);
    lv_xpath_string(doc, expr, out, sizeof(out));
    return strcmp(out, "true") == 0;
}

int backend_libvirt_offers(struct backend_offer *out, const char *const *types, unsigned n_types,
                           char *err, size_t errlen)
{
    char name[64], xml[sizeof(LV_PROBE_XML) + 64], *result = NULL, *caps;
    json_object *reply = NULL, *list = NULL;
    virDomainPtr dom = NULL;
    xmlDocPtr doc = NULL;
    int rc = -1;

    memset(out, 0, sizeof(*out));
    for (unsigned i = 0; i < n_types && i < BACKEND_OFFER_TYPES; i++) {
        out->has_type[i] = -1;
    }
    if (!lv.conn) {
        snprintf(err, errlen, "libvirt: not connected");
        return -1;
    }
    out->kvm = backend_libvirt_kvm_available(out->kvm_reason, sizeof(out->kvm_reason));
    caps = virConnectGetCapabilities(lv.conn);
    if (caps) {
        doc = xmlReadMemory(caps, (int)strlen(caps), "capabilities.xml", NULL,
                            XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
        free(caps);
    }
    if (doc) {
        out->has_pc = lv_has_machine(doc, "pc");
        out->has_q35 = lv_has_machine(doc, "q35");
        xmlFreeDoc(doc);
    }
    /* QEMU alone knows its device types: a paused, empty guest of ours answers for it. */
    snprintf(name, sizeof(name), LV_NAME_PREFIX "list-%d-%ld", (int)getpid(), (long)time(NULL));
    snprintf(xml, sizeof(xml), LV_PROBE_XML, name);
    dom = virDomainCreateXML(lv.conn, xml, VIR_DOMAIN_START_PAUSED | VIR_DOMAIN_START_AUTODESTROY);
    if (!dom) {
        snprintf(err, errlen, "libvirt (%s): cannot start a paused guest to ask QEMU: %s", lv.uri,
                 virGetLastErrorMessage());
        return -1;
    }
    if (virDomainQemuMonitorCommand(dom, "{\"execute\":\"qom-list-types\"}", &result, 0) < 0) {
        snprintf(err, errlen, "libvirt (%s): QEMU's type list: %s", lv.uri,
                 virGetLastErrorMessage());
        goto out;
    }
    reply = json_tokener_parse(result);
    if (!reply || !json_object_object_get_ex(reply, "return", &list) ||
        !json_object_is_type(list, json_type_array)) {
        snprintf(err, errlen, "libvirt (%s): QEMU's type list is not a QMP answer", lv.uri);
        goto out;
    }
    for (unsigned i = 0; i < n_types && i < BACKEND_OFFER_TYPES; i++) {
        out->has_type[i] = 0;
        for (size_t k = 0; k < json_object_array_length(list); k++) {
            json_object *t = json_object_array_get_idx(list, k), *nm;

            if (json_object_object_get_ex(t, "name", &nm) &&
                strcmp(json_object_get_string(nm), types[i]) == 0) {
                out->has_type[i] = 1;
                break;
            }
        }
    }
    rc = 0;
out:
    json_object_put(reply);
    free(result);
    if (virDomainDestroy(dom) < 0) {
        log_warn("libvirt (%s): cannot destroy the probe guest %s (its connection's end does): %s",
                 lv.uri, name, virGetLastErrorMessage());
    }
    virDomainFree(dom);
    return rc;
}
