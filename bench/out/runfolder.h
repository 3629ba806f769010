/*
 * A run folder as read: run.json (what the run was), samples.csv (what it measured) and
 * summary.csv (the medians). The one reader of these files for report, compare, demo and
 * baseline, with one version rule: run.json's "format" is "pvbench-run" and its "version"
 * 1 .. RUNFOLDER_VERSION; anything else is a named error, never a guess.
 *
 * Every text is as run.json has it (a number or a boolean as its JSON text, "" when absent
 * or null): each reader makes it printable its own way.
 */
#ifndef PVB_RUNFOLDER_H
#define PVB_RUNFOLDER_H

#include <stddef.h>

#include "results.h"

/* The newest run.json this pvbench reads (the one it writes). */
#define RUNFOLDER_VERSION RESULTS_FORMAT_VERSION
#define RUNFOLDER_FORMAT "pvbench-run"
/* Largest run.json read (the resolved scenario is the biggest part). */
#define RUNFOLDER_JSON_MAX (4u << 20)
#define RUNFOLDER_MSG_MAX 512

enum runfolder_err {
    RUNFOLDER_OK = 0,
    RUNFOLDER_NO_DIR,      /* the folder is not there */
    RUNFOLDER_NO_RUN,      /* run.json missing or unreadable */
    RUNFOLDER_TOO_BIG,     /* run.json larger than RUNFOLDER_JSON_MAX */
    RUNFOLDER_TRUNCATED,   /* run.json ends inside its JSON */
    RUNFOLDER_SYNTAX,      /* run.json is not JSON, or has text after it */
    RUNFOLDER_NOT_OBJECT,  /* run.json is JSON but not an object */
    RUNFOLDER_FOREIGN,     /* "format" is not "pvbench-run" */
    RUNFOLDER_BAD_VERSION, /* "version" missing, not an integer, or below 1 */
    RUNFOLDER_NEWER,       /* "version" newer than this pvbench reads */
    RUNFOLDER_NO_SAMPLES,  /* samples.csv missing or unreadable */
    RUNFOLDER_BAD_SAMPLES, /* samples.csv is not a samples file (its header) */
    RUNFOLDER_NO_SUMMARY,  /* summary.csv missing or unreadable */
    RUNFOLDER_BAD_SUMMARY, /* summary.csv is not a summary file (its header) */
    RUNFOLDER_NO_MEMORY,
};

/* One entry of run.json's "configs": a device on a host. */
struct runfolder_config {
    const char *config, *host, *device, *class_, *kind, *machine, *qemu_device, *vhost;
    const char *guest_driver, *status, *reason, *job_retries, *retry_reason, *why_source;
    const char *libvirt_dut, *qemu_command; /* NULL in runs made before they were recorded */
    const char *net_peer; /* a NIC's far end: "host netns ..." or "guest peer@..."; NULL before */
};

/* One entry of run.json's "hosts" (absent in runs made before pvbench knew hosts). */
struct runfolder_host {
    const char *label, *backend, *uri, *hostname, *libvirt_version, *qemu_version;
    const char *accel_name, *accel_reason, *local, *storage, *kernel, *initrd, *status, *reason;
};

struct runfolder {
    const char *dir;

    /* run.json; its texts are "" unless run_err is RUNFOLDER_OK. */
    enum runfolder_err run_err;
    char run_msg[RUNFOLDER_MSG_MAX];
    int version;
    const char *format, *pvbench_version, *git_revision, *run_id;
    const char *scenario_name, *scenario_path, *scenario_file, *scenario_resolved;
    const char *host_hostname, *host_cpu_model, *host_cores, *host_kernel;
    const char *qemu_binary, *qemu_version, *guest_kernel, *accel_name, *accel_reason;
    const char *backend, *backend_info, *start, *end, *engine, *order;
    const char *nested; /* "true", "false", "null" or "" (older runs) */
    const char *host_baseline_status, *host_baseline_reason;
    struct runfolder_config *configs;
    size_t n_configs;
    const char *configs_json; /* "configs" as plain JSON text, for a reader that keeps it whole */
    struct runfolder_host *hosts;
    size_t n_hosts;

    /* samples.csv: rows that could not be read are left out, counted and the first named. */
    enum runfolder_err samples_err;
    char samples_msg[RUNFOLDER_MSG_MAX];
    struct sample_set samples;
    unsigned samples_bad;

    /* summary.csv, likewise. */
    enum runfolder_err summary_err;
    char summary_msg[RUNFOLDER_MSG_MAX];
    struct summary_set summary;
    unsigned summary_bad;
};

/*
 * Read the run folder dir into *rf (each file on its own: a missing or broken one leaves
 * the others read, with its error and message in rf). Returns RUNFOLDER_OK when run.json
 * and samples.csv were read, else the first error (run.json's, then samples.csv's), its
 * message in err. A missing summary.csv is only noted in rf. rf must be freed in any case.
 */
enum runfolder_err runfolder_read(const char *dir, struct runfolder *rf, char *err, size_t errlen)
    __attribute__((warn_unused_result));
void runfolder_free(struct runfolder *rf);

struct scenario;
/*
 * The scenario of a run folder (run.json's "scenario"."resolved", parsed): its workloads
 * with their rw, its `reference = NAME`. NULL when none (older runs) or unreadable; free()
 * it (a scenario points into itself, nothing else is allocated).
 */
struct scenario *runfolder_scenario(const struct runfolder *rf);
/* The scenario's `reference = NAME` of a run folder into buf, "" when none or unreadable. */
void runfolder_scenario_reference(const struct runfolder *rf, char *buf, size_t len);
/*
 * A text by its place in run.json ("accelerator.name"; in a configuration "qemu_device", in
 * a host "accelerator.name"), for readers driven by tables of keys. "" for a key not read.
 */
const char *runfolder_text(const struct runfolder *rf, const char *key);
const char *runfolder_config_text(const struct runfolder_config *c, const char *key);
const char *runfolder_host_text(const struct runfolder_host *h, const char *key);
/* A text of run.json into a field of a reader: cut to len, control and non-ASCII bytes '?'. */
void runfolder_copy_printable(char *dst, size_t len, const char *src);
/* The error's name ("newer version", ...). */
const char *runfolder_strerror(enum runfolder_err e);
/* The exit code a reader gives for it: PVB_EXIT_USAGE (a folder that is not a readable run), or
 * PVB_EXIT_FAILED (out of memory). */
int runfolder_exit_code(enum runfolder_err e);

#endif
