/*
 * Backends start and stop guests. One ops table per backend (backend_qemu.c,
 * backend_libvirt.c); the harness only talks to struct backend_ops (backend_ops.h) and asks
 * its capabilities. Below: the tables, and what each backend's own tests and ops use.
 */
#ifndef PVB_BACKEND_H
#define PVB_BACKEND_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "backend_ops.h"
#include "devmodel.h"

#define GUEST_ARGV_MAX 64

extern const struct backend_ops backend_qemu_ops;
/* The agent as a host process, no QEMU: tests the harness (backend_process.c). */
extern const struct backend_ops backend_process_ops;

/* A NULL-terminated argv built into owned storage. */
struct qemu_argv {
    char *argv[GUEST_ARGV_MAX + 1];
    unsigned argc;
    char store[8192];
    size_t used;
};

/* Build QEMU's argv for a guest (pure; unit-tested). 0, or -1 if it does not fit. */
int backend_qemu_build_argv(const struct guest_spec *spec, struct qemu_argv *out)
    __attribute__((warn_unused_result));

/*
 * The environment QEMU runs with: base (pvbench's environ) with LD_LIBRARY_PATH and
 * QEMU_MODULE_DIR replaced by the spec's qemu_lib_path and qemu_module_dir, so that only
 * that QEMU process sees them. *envp is NULL (inherit base) when the spec sets neither,
 * else a malloc'd NULL-terminated array for backend_qemu_env_free(). 0, or -1 (no memory).
 */
int backend_qemu_build_env(const struct guest_spec *spec, char *const *base, char ***envp)
    __attribute__((warn_unused_result));
void backend_qemu_env_free(char **envp);

/* The argv as one line, arguments separated by spaces (-v, pvbench run -n). */
void backend_qemu_argv_line(const struct qemu_argv *a, char *line, size_t len);

/*
 * For `pvbench run -n`: each configuration of s with the QEMU command line its guest gets
 * (run-time paths shown as $STATE, $LOGS and $GUEST), one "; NAME: argv" line each.
 */
struct scenario;
/*
 * Configuration i of s as `pvbench run -n` and run.json show it: a guest_spec with the
 * run-time paths as $STATE, $LOGS and $GUEST, its strings in *o.
 */
struct backend_shown_spec {
    struct guest_spec spec;
    char name[96], disk[96], sock[96], con[96];
};
void backend_shown_spec(const struct scenario *s, unsigned i, const char *binary,
                        const char *accel, struct backend_shown_spec *o);
/* Its QEMU command line as one line (run.json's qemu_command). 0, or -1: does not fit. */
int backend_qemu_config_line(const struct scenario *s, unsigned i, const char *binary,
                             const char *accel, char *line, size_t len);
void backend_qemu_print_configs(const struct scenario *s, const char *binary, const char *accel,
                                FILE *out);

/*
 * A qcow2 scratch disk in place of the raw one at path (same virtual size), made with the
 * qemu-img beside binary (or on PATH). 0, or -1 with qemu-img's words in err.
 */
int backend_qemu_make_qcow2(const char *binary, const char *path, unsigned prealloc, char *err,
                            size_t errlen) __attribute__((warn_unused_result));

/* ---- libvirt backend (backend_libvirt.c) ------------------------------------------------- */

extern const struct backend_ops backend_libvirt_ops;

#define BACKEND_LIBVIRT_DEFAULT_URI "qemu:///system"
/* A URI is stored as the registry argument of its domains (REGISTRY_ARG_MAX): at most 255
 * bytes, no spaces; a qemu+ssh URI with keyfile= and command= needs more than 63. */
#define BACKEND_LIBVIRT_URI_MAX 256
#define BACKEND_LIBVIRT_MAX_VCPUS 64

/*
 * Connect to uri (NULL: BACKEND_LIBVIRT_DEFAULT_URI); later starts use this connection.
 * Bounded: gives up after a few seconds on a daemon that does not answer. Also installs
 * the REG_DOMAIN release hook. 0, or -1 with libvirt's own message in err.
 * `--backend auto` = libvirt if this returns 0, else qemu.
 */
int backend_libvirt_connect(const char *uri, char *err, size_t errlen)
    __attribute__((warn_unused_result));
/* Drop the current connection (guests still running keep their own reference). */
void backend_libvirt_disconnect(void);
/* The URI of the current connection as libvirt resolved it, "" when not connected. */
const char *backend_libvirt_uri(void);
/* For run.json: "libvirt 9.0.0, QEMU 7.2.22, host NAME". 0 or -1 (not connected). */
int backend_libvirt_describe(char *buf, size_t len);
/*
 * Install the release hooks of REG_DOMAIN, REG_VOLUME and REG_POOL (`pvbench cleanup` must
 * call this before releasing).
 */
void backend_libvirt_install_release_hook(void);
/* The hook itself: destroy domain name (only "pvb-*") at uri (registry arg). 0 or -1. */
int backend_libvirt_release_domain(const char *name, const char *uri);
/* Delete the volume at path on uri (only volumes named "pvb-*"). 0 or -1. */
int backend_libvirt_release_volume(const char *path, const char *uri);
/* Delete pool name on uri (only "pvb-*"): its "pvb-*" volumes, the pool, its folder. 0 or -1. */
int backend_libvirt_release_pool(const char *name, const char *uri);

/*
 * The isolated network of a host's peer guest (backend_ops network_add, network_remove):
 * transient, registered as REG_NETWORK with the connection's URI. Release: destroy network
 * name (only "pvb-*") at uri. 0 or -1.
 */
int backend_libvirt_network_add(const char *name, const char *bridge, char *err, size_t errlen)
    __attribute__((warn_unused_result));
void backend_libvirt_network_remove(const char *name);
int backend_libvirt_release_network(const char *name, const char *uri);

/* ---- several hosts: what the current connection's host is, and its storage ----------------- */

/* Fill *out for the current connection (virConnectGetHostname, versions). 0, or -1 when not
 * connected. */
int backend_libvirt_host_info(struct backend_host *out) __attribute__((warn_unused_result));

/* 1 if URI names this machine (no host part, or localhost): its pid and log files are ours. */
int backend_libvirt_uri_is_local(const char *uri);

/*
 * 1 if guests started through URI need their kernel, initramfs and scratch disk as volumes
 * on the host's side (libvirt storage API): a remote transport (+ssh, +tcp, +tls, +libssh,
 * +libssh2, +ext) or a host part that is not this machine; or PVBENCH_LIBVIRT_FORCE_UPLOAD=1
 * (tests: the upload path against a local daemon). 0 otherwise (local files, as today).
 */
int backend_libvirt_uri_needs_upload(const char *uri);

/*
 * How the host CPU time of guests on uri was last measured: "/proc/PID/stat",
 * "virDomainGetCPUStats" (the domain's cgroup) or "virDomainGetInfo cpuTime" (a daemon
 * without cgroups); "" if not yet.
 */
const char *backend_libvirt_cpu_source(const char *uri);

#define BACKEND_OFFER_TYPES 32

/* What a connected host offers guests (pvbench list --connect). */
struct backend_offer {
    int kvm; /* 1: KVM; 0: not, kvm_reason says why */
    char kvm_reason[256];
    int has_pc, has_q35;                /* the machine types, from the capabilities */
    int has_type[BACKEND_OFFER_TYPES]; /* per asked QEMU device type: 1, 0, -1 unknown */
};

/*
 * Ask the connected host: KVM, machine types, and which of types (QEMU -device names, at
 * most BACKEND_OFFER_TYPES) its QEMU has, from qom-list-types of a paused empty guest that
 * is destroyed at once. 0, or -1 with err (the fields known so far are still filled).
 */
int backend_libvirt_offers(struct backend_offer *out, const char *const *types, unsigned n_types,
                           char *err, size_t errlen) __attribute__((warn_unused_result));

/* KVM on the connected host, as libvirt's domain capabilities say: 1, or 0 with why. */
int backend_libvirt_kvm_available(char *why, size_t len);

/*
 * Upload kernel and initrd (local files) into the run's storage pool on the current
 * connection: a directory pool "pvb-<run id>" under $PVBENCH_LIBVIRT_POOL_DIR (default
 * /var/lib/libvirt/images), defined, built and started here unless it exists. Each volume
 * is created with virStorageVolCreateXML and filled with virStorageVolUpload through a
 * virStream; pool and volumes are registered (REG_POOL, REG_VOLUME) before they are made.
 * The paths the host sees go to kpath and ipath. 0, or -1 with a message in err.
 */
int backend_libvirt_stage_image(const char *kernel, const char *initrd, char *kpath, size_t klen,
                                char *ipath, size_t ilen, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/*
 * A scratch disk of mib MiB as a volume "pvb-<run id>-<name>.img" in the run's pool, filled
 * through the upload stream with the same pseudo-random data registry_scratch_file writes
 * (not sparse). Its path on the host into path. 0, or -1 with a message in err.
 */
int backend_libvirt_scratch_volume(const char *name, unsigned mib, char *path, size_t pathlen,
                                   char *err, size_t errlen) __attribute__((warn_unused_result));

/* Delete a volume of this run by its path (the current connection) and forget its entry. */
void backend_libvirt_volume_delete(const char *path);

/* The run's pool on the current connection, "" if none was made. */
const char *backend_libvirt_pool(void);

/*
 * Remove what the run made on the current connection's storage: its volumes, then its pool
 * (destroyed, its folder deleted, undefined). Entries that cannot be removed stay registered.
 */
void backend_libvirt_storage_release(void);

/* Host-side counters of a libvirt guest; fields are -1 when libvirt cannot say. */
struct libvirt_counters {
    double taken_at;        /* util_now() when read */
    double cpu_s;           /* virDomainGetCPUStats cpu_time: whole QEMU process (cgroup) */
    double user_s, system_s;
    double vcpu_total_s;    /* time spent running vCPUs */
    unsigned n_vcpus;       /* entries of vcpu_s */
    double vcpu_s[BACKEND_LIBVIRT_MAX_VCPUS];
    char blk_dev[32];       /* target dev of the DUT disk ("" if none) */
    long long rd_req, rd_bytes, wr_req, wr_bytes;
    char net_dev[64];       /* host-side interface of the DUT NIC ("" if none) */
    long long rx_bytes, rx_packets, tx_bytes, tx_packets;
};

/*
 * Read every counter libvirt has for g (a guest started by backend_libvirt_ops).
 * 0 if at least the CPU time was read, -1 otherwise (not a libvirt guest, domain gone).
 */
int backend_libvirt_counters(struct guest *g, struct libvirt_counters *out)
    __attribute__((warn_unused_result));

#endif
