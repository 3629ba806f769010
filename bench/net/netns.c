/* The run's isolated test network: names, the ip(8) commands, registry bookkeeping. */
#include "netns.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "protocol.h"
#include "util.h"

#define NETNS_IP_TIMEOUT_S 10.0
#define NETNS_CAP_NET_ADMIN 12
#define NETNS_CAP_SYS_ADMIN 21

int netns_names(struct netns_topo *t, const char *run_id, unsigned n_taps)
{
    memset(t, 0, sizeof(*t));
    if (!run_id || strlen(run_id) != 8 || strspn(run_id, "0123456789abcdef") != 8 ||
        n_taps > NETNS_MAX_TAPS) {
        return -1;
    }
    snprintf(t->netns, sizeof(t->netns), "pvb-%s", run_id);
    snprintf(t->netns_path, sizeof(t->netns_path), "/run/netns/%s", t->netns);
    for (unsigned k = 0; k < n_taps; k++) {
        snprintf(t->taps[k], sizeof(t->taps[k]), "pvbt%s%x", run_id, k);
    }
    t->n_taps = n_taps;
    snprintf(t->bridge, sizeof(t->bridge), "pvbb%s", run_id);
    snprintf(t->veth, sizeof(t->veth), "pvbv%s", run_id);
    snprintf(t->peer_addr, sizeof(t->peer_addr), "%s/%d", PVB_NET_PEER_ADDR, PVB_NET_PREFIX);
    snprintf(t->host_netns, sizeof(t->host_netns), "pvb-%s-h", run_id);
    snprintf(t->host_netns_path, sizeof(t->host_netns_path), "/run/netns/%s", t->host_netns);
    snprintf(t->host_veth, sizeof(t->host_veth), "pvbv%sh", run_id);
    snprintf(t->host_addr, sizeof(t->host_addr), "%s/%d", NETNS_HOST_ADDR, PVB_NET_PREFIX);
    return 0;
}

/* Append one command of up to NETNS_ARGV_MAX - 1 words (NULL-terminated list). */
static void netns_add(struct netns_cmd *cmds, unsigned max, unsigned *n, enum registry_kind kind,
                      const char *id, ...)
{
    struct netns_cmd *c;
    unsigned i = 0;
    va_list ap;
    char *w;

    if (*n >= max) {
        (*n)++; /* counted, so the caller sees the list did not fit */
        return;
    }
    c = &cmds[*n];
    memset(c, 0, sizeof(*c));
    c->reg_kind = kind;
    c->reg_id = id;
    va_start(ap, id);
    while ((w = va_arg(ap, char *)) != NULL && i < NETNS_ARGV_MAX - 1) {
        c->argv[i++] = w;
    }
    va_end(ap);
    c->argv[i] = NULL;
    (*n)++;
}

#define NONE REG_KIND_COUNT, NULL
/* The end of a word list: a typed null pointer, as variadic functions need. */
#define END ((char *)NULL)

int netns_guest_addr(unsigned k, char *buf, size_t len)
{
    if (k >= NETNS_MAX_TAPS) {
        return -1;
    }
    return util_fmt(buf, len, "198.51.100.%u", 2 + k) < 0 ? -1 : 0;
}

int netns_guest_mac(unsigned k, char *buf, size_t len)
{
    if (k >= NETNS_MAX_TAPS) {
        return -1;
    }
    return util_fmt(buf, len, "52:54:00:70:76:%02x", 2 + k) < 0 ? -1 : 0;
}

unsigned netns_plan(const struct netns_topo *t, struct netns_cmd *cmds, unsigned max)
{
    char *ns = (char *)t->netns, *br = (char *)t->bridge, *tap;
    char *veth = (char *)t->veth, *addr = (char *)t->peer_addr;
    unsigned n = 0;

    /* The namespace and its loopback. */
    netns_add(cmds, max, &n, REG_NETNS, t->netns, "ip", "netns", "add", ns, END);
    netns_add(cmds, max, &n, NONE, "ip", "-n", ns, "link", "set", "lo", "up", END);
    /* The bridge: no IPv6 link-local, no ARP, no address. */
    netns_add(cmds, max, &n, REG_LINK, t->bridge, "ip", "link", "add", br, "type", "bridge", END);
    netns_add(cmds, max, &n, NONE, "ip", "link", "set", br, "addrgenmode", "none", "arp", "off",
              END);
    /* The taps QEMU (or libvirt) attaches to, ports of the bridge. */
    for (unsigned k = 0; k < t->n_taps; k++) {
        tap = (char *)t->taps[k];
        netns_add(cmds, max, &n, REG_LINK, t->taps[k], "ip", "tuntap", "add", "dev", tap, "mode",
                  "tap", t->tap_queues[k] > 1 ? "multi_queue" : END, END);
        netns_add(cmds, max, &n, NONE, "ip", "link", "set", tap, "addrgenmode", "none", "master",
                  br, END);
    }
    /* The veth pair: the host end on the bridge, peer0 created inside the namespace. */
    netns_add(cmds, max, &n, REG_LINK, t->veth, "ip", "link", "add", veth, "type", "veth",
              "peer", "name", NETNS_PEER_IF, "netns", ns, END);
    netns_add(cmds, max, &n, NONE, "ip", "link", "set", veth, "addrgenmode", "none", "master",
              br, END);
    netns_add(cmds, max, &n, NONE, "ip", "-n", ns, "link", "set", NETNS_PEER_IF, "addrgenmode",
              "none", END);
    netns_add(cmds, max, &n, NONE, "ip", "-n", ns, "addr", "add", addr, "dev", NETNS_PEER_IF, END);
    netns_add(cmds, max, &n, NONE, "ip", "-n", ns, "link", "set", NETNS_PEER_IF, "up", END);
    netns_add(cmds, max, &n, NONE, "ip", "link", "set", veth, "up", END);
    for (unsigned k = 0; k < t->n_taps; k++) {
        netns_add(cmds, max, &n, NONE, "ip", "link", "set", (char *)t->taps[k], "up", END);
    }
    netns_add(cmds, max, &n, NONE, "ip", "link", "set", br, "up", END);
    return n;
}

unsigned netns_plan_host(const struct netns_topo *t, struct netns_cmd *cmds, unsigned max)
{
    char *ns = (char *)t->host_netns, *br = (char *)t->bridge;
    char *veth = (char *)t->host_veth, *addr = (char *)t->host_addr;
    unsigned n = 0;

    netns_add(cmds, max, &n, REG_NETNS, t->host_netns, "ip", "netns", "add", ns, END);
    netns_add(cmds, max, &n, NONE, "ip", "-n", ns, "link", "set", "lo", "up", END);
    /* One more port of the bridge: the path to the peer a guest's tap has, minus QEMU. */
    netns_add(cmds, max, &n, REG_LINK, t->host_veth, "ip", "link", "add", veth, "type", "veth",
              "peer", "name", NETNS_HOST_IF, "netns", ns, END);
    netns_add(cmds, max, &n, NONE, "ip", "link", "set", veth, "addrgenmode", "none", "master",
              br, END);
    netns_add(cmds, max, &n, NONE, "ip", "-n", ns, "link", "set", NETNS_HOST_IF, "addrgenmode",
              "none", END);
    netns_add(cmds, max, &n, NONE, "ip", "-n", ns, "addr", "add", addr, "dev", NETNS_HOST_IF, END);
    netns_add(cmds, max, &n, NONE, "ip", "-n", ns, "link", "set", NETNS_HOST_IF, "up", END);
    netns_add(cmds, max, &n, NONE, "ip", "link", "set", veth, "up", END);
    return n;
}

/* Is capability bit cap in this process's effective set (/proc/self/status CapEff)? */
static int netns_has_cap(unsigned cap)
{
    char buf[4096], *p;
    unsigned long long eff;

    if (util_read_file("/proc/self/status", buf, sizeof(buf)) <= 0) {
        return 0;
    }
    p = strstr(buf, "\nCapEff:");
    if (!p || sscanf(p + 8, "%llx", &eff) != 1) {
        return 0;
    }
    return (eff >> cap) & 1;
}

int netns_host_check(char *reason, size_t len)
{
    char *argv[] = {"ip", "-V", NULL};
    char out[256];
    int fd;

    if (!netns_has_cap(NETNS_CAP_NET_ADMIN)) {
        snprintf(reason, len, "no CAP_NET_ADMIN (run as root) to create the test network");
        return -1;
    }
    if (!netns_has_cap(NETNS_CAP_SYS_ADMIN)) {
        snprintf(reason, len, "no CAP_SYS_ADMIN (run as root) to create a network namespace");
        return -1;
    }
    fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        snprintf(reason, len, "cannot open /dev/net/tun: %s (no tap devices on this host)",
                 strerror(errno));
        return -1;
    }
    close(fd);
    if (util_run_capture(argv, out, sizeof(out), NETNS_IP_TIMEOUT_S) != 0) {
        snprintf(reason, len, "cannot run ip(8) (package iproute2)");
        return -1;
    }
    return 0;
}

static int netns_run_ip(char *const argv[], char *out, size_t outlen)
{
    return util_run_capture(argv, out, outlen, NETNS_IP_TIMEOUT_S);
}

/* "ip link add x type bridge" for messages. */
static void netns_join(char *buf, size_t len, char *const argv[])
{
    size_t used = 0;

    buf[0] = '\0';
    for (unsigned i = 0; argv[i] && used + 1 < len; i++) {
        int n = snprintf(buf + used, len - used, "%s%s", i ? " " : "", argv[i]);
        if (n < 0) {
            return;
        }
        used += (size_t)n;
    }
}

/* Remove what was made after the first keep resources (newest first), forget it. */
static void netns_unwind(struct netns_topo *t, unsigned keep)
{
    while (t->n_res > keep) {
        t->n_res--;
        registry_release(t->res_kind[t->n_res], t->res_id[t->n_res], NULL, 0);
        registry_forget(t->res_kind[t->n_res], t->res_id[t->n_res]);
    }
}

/*
 * Run n planned commands, registering what each creates before it runs. On a failure,
 * what they created is removed again (what existed before is kept). 0, or -1 with reason.
 */
static int netns_apply(struct netns_topo *t, const struct netns_cmd *cmds, unsigned n,
                       netns_runner run, char *reason, size_t len)
{
    unsigned i, keep = t->n_res;
    char out[512], what[256];
    int rc;

    if (!run) {
        run = netns_run_ip;
    }
    for (i = 0; i < n; i++) {
        const struct netns_cmd *c = &cmds[i];

        if (c->reg_kind != REG_KIND_COUNT) {
            if (t->n_res >= NETNS_MAX_RES || registry_add(c->reg_kind, c->reg_id, NULL) < 0) {
                snprintf(reason, len, "cannot register %s in the run's registry: %s", c->reg_id,
                         strerror(errno));
                goto fail;
            }
            t->res_kind[t->n_res] = c->reg_kind;
            util_strlcpy(t->res_id[t->n_res], c->reg_id, sizeof(t->res_id[0]));
            t->n_res++;
        }
        out[0] = '\0';
        rc = run(c->argv, out, sizeof(out));
        if (rc != 0) {
            netns_join(what, sizeof(what), c->argv);
            util_rstrip(out);
            util_sanitize(out);
            snprintf(reason, len, "%s: %s", what,
                     out[0] ? out : rc < 0 ? "could not run or timed out" : "failed");
            if (c->reg_kind != REG_KIND_COUNT) {
                /* Not created (maybe the name was taken): never delete what is not ours. */
                t->n_res--;
                registry_forget(c->reg_kind, c->reg_id);
            }
            goto fail;
        }
    }
    return 0;
fail:
    netns_unwind(t, keep);
    return -1;
}

int netns_create(struct netns_topo *t, netns_runner run, char *reason, size_t len)
{
    struct netns_cmd cmds[NETNS_MAX_CMDS];
    unsigned n;

    n = netns_plan(t, cmds, NETNS_MAX_CMDS);
    if (n > NETNS_MAX_CMDS) {
        snprintf(reason, len, "internal error: the network plan does not fit");
        return -1;
    }
    return netns_apply(t, cmds, n, run, reason, len);
}

int netns_add_host(struct netns_topo *t, netns_runner run, char *reason, size_t len)
{
    struct netns_cmd cmds[NETNS_MAX_HOST_CMDS];
    unsigned n;

    if (t->host_up) {
        return 0;
    }
    n = netns_plan_host(t, cmds, NETNS_MAX_HOST_CMDS);
    if (n > NETNS_MAX_HOST_CMDS) {
        snprintf(reason, len, "internal error: the host client's plan does not fit");
        return -1;
    }
    if (netns_apply(t, cmds, n, run, reason, len) < 0) {
        return -1;
    }
    t->host_up = 1;
    return 0;
}

void netns_destroy(struct netns_topo *t)
{
    netns_unwind(t, 0);
    t->host_up = 0;
}

int netns_vhost_available(void)
{
    int fd = open("/dev/vhost-net", O_RDWR | O_CLOEXEC);

    if (fd < 0) {
        return 0;
    }
    close(fd);
    return 1;
}

int netns_vhost_for(const struct devmodel *d, enum netns_vhost setting, int available)
{
    if (!d || d->kind != DEVMODEL_NET || strncmp(d->qemu_device, "virtio-net", 10) != 0) {
        return 0;
    }
    switch (setting) {
    case NETNS_VHOST_OFF:
        return 0;
    case NETNS_VHOST_ON:
        return available ? 1 : -1;
    case NETNS_VHOST_AUTO:
        break;
    }
    return available ? 1 : 0;
}
