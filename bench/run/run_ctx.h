/*
 * `pvbench run`, internal (the public API is run.h): the state of a run (struct run_ctx:
 * its hosts, their configurations, the test network) and what the run's files call across:
 * run.c (the loop: guests, samples, jobs, configurations), run_hosts.c (the hosts, their
 * labels, one host's turn), run_net.c (the test network and host peer) and run_json.c.
 */
#ifndef PVB_RUN_CTX_H
#define PVB_RUN_CTX_H

#include <limits.h>
#include <stddef.h>

#include "agentmsg.h"
#include "backend.h"
#include "hostbase_target.h"
#include "netns.h"
#include "peer.h"
#include "qemuver.h"
#include "results.h"
#include "run.h"
#include "run_accel.h"
#include "scenario.h"

enum config_status { CONFIG_PENDING, CONFIG_OK, CONFIG_FAILED, CONFIG_SKIPPED };

struct live_guest; /* run.c */

struct config_state {
    enum config_status status;
    char reason[512];
    char driver[32];
    double load_before, load_after; /* host 1-minute load average around the configuration */
    char vhost[8];                  /* net: "on" | "off" | "auto" (run.json) */
    char net_peer[160];             /* net: what its peer was (run.json net_peer) */
    char why_source[128];           /* where the "why" counts came from ("" if none) */
    unsigned retries;               /* jobs run again on a fresh guest after a lost one */
    char retry_reason[512];         /* why the last of them was lost */
    unsigned boot;                  /* the guest up now: plan_step.boot (samples' boot column) */
};

/*
 * One host of the run (--connect URI; one host when it is given once or not at all). A
 * configuration is a device on a host: "device" in a run of one host, "device@label" in a
 * run of several, where label (the host column) comes from the URI's host part or, for this
 * machine, its hostname, with the transport added when two hosts would share a label.
 */
struct run_host {
    char uri[BACKEND_LIBVIRT_URI_MAX]; /* "" : the default URI, or the qemu backend */
    const struct backend_ops *backend; /* side by side: this host's; NULL: the run's */
    char label[RESULTS_HOST_MAX + 1];
    int local;                         /* the URI names this machine */
    int upload;                        /* guest image and scratch disks as volumes */
    struct backend_host info;          /* as its backend describes it ("" before connecting) */
    char accel[8];
    char accel_reason[256];
    struct run_probe kvm_probe;
    int nested;                        /* under KVM: 1 this host is a VM, 0 not, -1 unknown */
    char status[16];                   /* "" not yet, "ok", "failed", "skipped" */
    char reason[512];
    char storage[256];                 /* where its guests' image is (run.json) */
    /* Its NICs' peer guest (run_net.c), run.json net_peer: "" none; boot and CPU seconds. */
    char peer_guest[160];
    double peer_boot_s, peer_cpu_s;
    char kernel[PATH_MAX];             /* the guest image as this host sees it */
    char initrd[PATH_MAX];
    char config[SCENARIO_MAX_DEVICES][RESULTS_CONFIG_MAX];
    struct config_state cfg[SCENARIO_MAX_DEVICES];
};

struct run_ctx {
    struct scenario s;
    const struct run_options *o;
    const struct backend_ops *backend;
    struct run_host hosts[RUN_MAX_HOSTS];
    unsigned n_hosts;
    struct run_host *host;      /* the host being measured */
    /* --backend qemu,libvirt: two "hosts" of this machine, one per backend, labelled by
     * backend, measured together (job after job, device by device) rather than in turn. */
    int side_by_side;
    char local_label[RESULTS_HOST_MAX + 1]; /* this machine's (the bare-host baseline) */
    char out_dir[PATH_MAX];
    char logs_dir[PATH_MAX + 8];
    char samples_path[PATH_MAX + 16];
    char run_id[16];
    char accel[8];
    char accel_reason[256];
    struct run_probe kvm_probe; /* what the KVM probe found (run_accel.h) */
    int nested;                 /* 1, 0, or -1 unknown (run_accel_choose) */
    char backend_info[256];
    char kernel[PATH_MAX];
    char initrd[PATH_MAX];
    char guest_kernel[64];
    char qemu_binary[PATH_MAX];
    char qemu_version[128];
    /* A configuration's own QEMU build and guest kernel (qemu =, kernel =), resolved before
     * anything boots; NULL entries: the run's. One per configuration. */
    struct run_config_inputs {
        struct qemuver *qemu;
        char kernel[PATH_MAX], initrd[PATH_MAX]; /* "" : the run's image */
    } *inputs;
    char started[32];
    double t_start;      /* util_now() when it started (--budget) */
    unsigned pass_boots; /* boots of the next measure() pass; 0: the scenario's boots */
    double alpha_share;  /* --until-decided: the share of alpha its last look spent */
    unsigned rep_hi;     /* the last repetition measured so far (--until-decided adds some) */
    char ended[32];
    struct sample_set samples;
    struct config_state *cfg; /* the current host's (host->cfg) */
    unsigned job_seq;
    unsigned total_jobs;
    char fault[16];
    char fault_device[32];
    char fault_workload[32];
    int fault_used;
    int write_failed; /* samples could not be saved: stop */
    /* The test network (netns.h) and host peer (peer.h): once per run, at the first net
     * configuration; net_state 0 not yet, 1 up, -1 failed, -2 this host cannot. */
    struct netns_topo net;
    struct peer peer;
    int net_state;
    /* A host the harness reaches only through libvirt (its guests take the uploaded image):
     * the NICs' peer is a guest beside them, on a network of the run's on that host. */
    int net_remote;
    char net_network[64];     /* "pvb-<run id>-net<h>" */
    char net_bridge[16];      /* "pvbn<run id><h>" */
    struct live_guest *peer_guest;
    double peer_boot_s;       /* its boot, READY included */
    double peer_cpu_s;        /* its host CPU seconds when stopped; -1 unknown */
    char net_reason[256];
    int vhost_available;
    /* host_baseline = yes: the bare host, a target beside the guests (its sessions, its
     * status for run.json) */
    struct hostbase_target bare;
    /* Hosts in parallel (run_hosts_parallel): a worker's copy of the run for its hosts,
     * reporting to main_ctx (NULL: this is the run); samples_merged of its samples are
     * there already. */
    struct run_ctx *main_ctx;
    size_t samples_merged;
};

/* run_hosts.c */
/*
 * Configuration di (the index into the scenario's devices) on the current host: "name" in a
 * run of one host, "name@label" in a run of several; name is run_config_base's.
 */
const char *run_config_name(const struct run_ctx *r, unsigned di);
/* The scenario's name of configuration di, the same on every host (today its device's). */
const char *run_config_base(const struct run_ctx *r, unsigned di);
/* Configuration di on host h (run_config_name's, whichever host is current). */
const char *run_host_config_name(const struct run_ctx *r, unsigned h, unsigned di);
void run_host_select(struct run_ctx *r, unsigned h);
unsigned run_host_index(const struct run_ctx *r);
int run_hosts_init(struct run_ctx *r);
int run_host_begin(struct run_ctx *r, unsigned h);
void run_host_end(struct run_ctx *r);
/*
 * Which hosts are one machine (the same hostname and host UUID, as the far side says):
 * group[h] is the first host of h's machine; a host without an identity is its own.
 * The number of machines.
 */
unsigned run_hosts_group(const struct backend_host *ids, const int *known, unsigned n,
                         unsigned *group);
/*
 * Several hosts: one thread per machine, each measuring its hosts in turn with pass() on a
 * copy of the run; samples reach r's samples.csv through run_hosts_save (one lock). 0 when
 * the hosts were measured so, 1 when they all are one machine (measure them in turn).
 */
typedef void (*run_host_pass_fn)(struct run_ctx *r, unsigned h);
int run_hosts_parallel(struct run_ctx *r, run_host_pass_fn pass);
/*
 * A worker's samples (r->main_ctx set): lock the run, add the worker's new samples to it
 * and return it, for save(main); run_hosts_unlock after. NULL when r is the run.
 */
struct run_ctx *run_hosts_lock(struct run_ctx *r);
void run_hosts_unlock(struct run_ctx *r);

/* run_net.c */
void run_net_up(struct run_ctx *r);
int run_net_prepare(struct run_ctx *r, unsigned di);
void run_net_teardown(struct run_ctx *r);

/* run.c: the peer guest of a host reached only through libvirt (run_net.c makes its network). */
#define RUN_PEER_GUEST_MODEL "virtio-net"
#define RUN_PEER_GUEST_MAC "52:54:00:70:76:01"
/* Boot "peer@<host label>" on machine and take its channel over as r->peer. 0, or -1 with
 * reason (the guest is then left for run_peer_guest_stop). */
int run_peer_guest_start(struct run_ctx *r, enum machine_type machine, char *reason, size_t len)
    __attribute__((warn_unused_result));
/* QUIT to its peer, the guest stopped (its CPU seconds into peer_cpu_s). No-op without one. */
void run_peer_guest_stop(struct run_ctx *r);
int run_peer_guest_alive(struct run_ctx *r);
int run_net_job_begin(struct run_ctx *r, const struct agent_job *job, const struct workload *w,
                      double budget_s, char *reason, size_t len);
int run_net_job_end(struct run_ctx *r, const struct workload *w, const struct agent_result *a,
                    struct peer_report *p, char *reason, size_t len);

/* run_json.c: every host's configurations, the cursor (r->host) left where it is */
int run_json_write(const struct run_ctx *r);

#endif
