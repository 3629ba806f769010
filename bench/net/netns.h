/*
 * The isolated test network of a run (netns.c): one per run, the same for every
 * backend, so that results stay comparable.
 *
 *   host namespace (no address, no route, addrgenmode none: no IPv6 either)
 *     pvbt<id><k> persistent tap of the k-th network configuration (k = 0..f), the
 *                 guest NIC's backend (QEMU attaches by name; libvirt can use
 *                 <target dev='pvbt<id><k>' managed='no'/>). One per configuration:
 *                 the guests of a run are up together, and a tap takes one guest.
 *     pvbb<id>    bridge holding the taps and pvbv<id>; "arp off", so the host never
 *                 answers ARP for one of its own addresses on the test network
 *     pvbv<id>    veth, its other end is peer0 inside the namespace
 *   namespace pvb-<id>
 *     lo up, peer0 with PVB_NET_PEER_ADDR/24: the host peer (peer.c) listens there
 *
 * Guest k is 198.51.100.(2 + k) (netns_guest_addr), told by the kernel command line
 * (pvbench.addr=), with MAC 52:54:00:70:76:(2 + k). Every namespace and link is
 * written to the run's registry before it is created, so `pvbench cleanup` removes
 * them after a crash.
 *
 * The bare-host network baseline (host_baseline = yes, bench/backend/hostbase_net.c) adds, with
 * netns_add_host, a second namespace where the agent runs as a host process in place of
 * a guest, on a veth pair whose host end is one more port of the bridge:
 *     pvbv<id>h   veth on pvbb<id> (no address), its other end host0 inside
 *   namespace pvb-<id>-h
 *     lo up, host0 with NETNS_HOST_ADDR/24: the same path to the peer as a guest's tap,
 *     without QEMU
 */
#ifndef PVB_NETNS_H
#define PVB_NETNS_H

#include <stddef.h>

#include "devmodel.h"
#include "registry.h"

#define NETNS_PEER_IF "peer0"
#define NETNS_HOST_IF "host0"
/* The bare-host client's address: far from the guests' 198.51.100.(2 + k), k < 16. */
#define NETNS_HOST_ADDR "198.51.100.250"
#define NETNS_ARGV_MAX 16
#define NETNS_MAX_TAPS 16
#define NETNS_MAX_CMDS (16 + 3 * NETNS_MAX_TAPS)
#define NETNS_MAX_RES (6 + NETNS_MAX_TAPS)
#define NETNS_MAX_HOST_CMDS 8

/* Names of one run's network, from its 8-hex-digit run id (all fit IFNAMSIZ). */
struct netns_topo {
    char netns[32];      /* "pvb-<id>" */
    char netns_path[64]; /* "/run/netns/pvb-<id>", what the peer enters with setns */
    char taps[NETNS_MAX_TAPS][16]; /* "pvbt<id><k>" */
    unsigned n_taps;
    /* > 1: tap k is made multi_queue (IFF_MULTI_QUEUE) for a NIC with that many queue pairs;
     * a single-queue tap cannot be opened N times, a multiqueue one not without the flag */
    unsigned tap_queues[NETNS_MAX_TAPS];
    char bridge[16];     /* "pvbb<id>" */
    char veth[16];       /* "pvbv<id>", host end of the veth pair */
    char peer_addr[24];  /* "198.51.100.1/24" */
    /* The bare-host client (netns_add_host): its namespace and veth. */
    char host_netns[32];      /* "pvb-<id>-h" */
    char host_netns_path[64]; /* "/run/netns/pvb-<id>-h" */
    char host_veth[16];       /* "pvbv<id>h", host end on the bridge */
    char host_addr[24];       /* "198.51.100.250/24" */
    int host_up;              /* netns_add_host succeeded */
    /* What was registered and created so far, in order (released in reverse). */
    enum registry_kind res_kind[NETNS_MAX_RES];
    char res_id[NETNS_MAX_RES][32];
    unsigned n_res;
};

/* One step of the set-up: an ip(8) command, registered first when it creates something. */
struct netns_cmd {
    enum registry_kind reg_kind; /* REG_NETNS or REG_LINK, REG_KIND_COUNT: creates nothing */
    const char *reg_id;
    char *argv[NETNS_ARGV_MAX];
};

/* Fill the names from a run id ([0-9a-f]{8}) for n_taps guests. 0, or -1 if not valid. */
int netns_names(struct netns_topo *t, const char *run_id, unsigned n_taps)
    __attribute__((warn_unused_result));

/* Guest k's address ("198.51.100.2" for k = 0) and MAC, into buf. 0, or -1 (k too large). */
int netns_guest_addr(unsigned k, char *buf, size_t len);
int netns_guest_mac(unsigned k, char *buf, size_t len);

/* The set-up as a list of commands (pure; argv points into t). Returns the count. */
unsigned netns_plan(const struct netns_topo *t, struct netns_cmd *cmds, unsigned max);

/*
 * The bare-host client's part of the set-up (pure, like netns_plan): its namespace with lo
 * up, a veth pair from the bridge into it, host0 with NETNS_HOST_ADDR. Returns the count.
 */
unsigned netns_plan_host(const struct netns_topo *t, struct netns_cmd *cmds, unsigned max);

/* Runs one argv; returns its exit status (0 = success), output in out. */
typedef int (*netns_runner)(char *const argv[], char *out, size_t outlen);

/*
 * Can this host build the test network? Root (CAP_NET_ADMIN and CAP_SYS_ADMIN for
 * the namespace), /dev/net/tun, ip(8). 0, or -1 with a reason a user can act on.
 */
int netns_host_check(char *reason, size_t len);

/*
 * Create the topology: each command in netns_plan order, registering what it
 * creates before it runs (run is NULL: ip(8) through util_run_capture). On a
 * failure what was created is removed again. 0, or -1 with a reason.
 */
int netns_create(struct netns_topo *t, netns_runner run, char *reason, size_t len);

/*
 * Add the bare-host client's namespace to a topology netns_create made (netns_plan_host,
 * registered like the rest; run NULL: ip(8)). On a failure only what this step created
 * is removed again; the guests' network stays. 0, or -1 with a reason.
 */
int netns_add_host(struct netns_topo *t, netns_runner run, char *reason, size_t len);

/* Remove everything netns_create and netns_add_host made (newest first), forget it. */
void netns_destroy(struct netns_topo *t);

/* Scenario key `vhost`. */
enum netns_vhost { NETNS_VHOST_AUTO, NETNS_VHOST_ON, NETNS_VHOST_OFF };

/* Does /dev/vhost-net exist and open for this process? */
int netns_vhost_available(void);

/*
 * vhost for a device model: 1 on, 0 off, -1 impossible (vhost = on without
 * /dev/vhost-net). Only virtio-net uses vhost; emulated NICs are always off.
 */
int netns_vhost_for(const struct devmodel *d, enum netns_vhost setting, int available);

#endif
