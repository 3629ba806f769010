/*
 * Scenario files (INI, parsed with inih) into a struct scenario.
 * One option table (scenario.c) drives the parser, CLI overrides and --help.
 */
#ifndef PVB_SCENARIO_H
#define PVB_SCENARIO_H

#include <stddef.h>
#include <stdio.h>

#include "devmodel.h"
#include "devopts.h"
#include "protocol.h"
#include "workload.h"

#define SCENARIO_MAX_REPETITIONS 1000 /* repetitions = N, and what --until-decided adds */
#define SCENARIO_MAX_DEVICES 64 /* configurations of one run (run_ctx.h sizes by it) */
#define SCENARIO_MAX_CONFIGS SCENARIO_MAX_DEVICES
#define SCENARIO_MAX_SECTIONS 32 /* [config NAME] sections of one file */
#define SCENARIO_MAX_WORKLOADS 16
#define SCENARIO_NAME_MAX 48  /* configuration and workload names, NUL included */
#define SCENARIO_PATH_MAX 192 /* qemu = and kernel = values */
#define SCENARIO_MATRIX_MAX 256
#define SCENARIO_ERR_MAX 512

/* The keys of a [config NAME] section, in the order of its option table (scenario.c). */
enum scenario_config_key {
    SCENARIO_CK_DEVICE,
    SCENARIO_CK_MACHINE,
    SCENARIO_CK_VCPUS,
    SCENARIO_CK_MEMORY,
    SCENARIO_CK_AIO,
    SCENARIO_CK_CACHE,
    SCENARIO_CK_IOTHREAD,
    SCENARIO_CK_FORMAT,
    SCENARIO_CK_PREALLOCATION,
    SCENARIO_CK_DISCARD,
    SCENARIO_CK_QUEUES,
    SCENARIO_CK_VHOST,
    SCENARIO_CK_DISK_IOPS_LIMIT,
    SCENARIO_CK_DEVICE_OPTIONS,
    SCENARIO_CK_QEMU,
    SCENARIO_CK_KERNEL,
    SCENARIO_CK_MATRIX,
    SCENARIO_CK_COUNT
};

/*
 * One configuration: a device model with its options. A resolved scenario has one per
 * `devices` entry (named after the model, every option inherited) and one per [config NAME]
 * section, or the product of its matrix.
 */
struct scenario_config {
    char name[SCENARIO_NAME_MAX];
    const struct devmodel *dev;
    unsigned machine; /* 0 = auto; resolved into scenario.device_machine[] */
    unsigned vcpus;
    unsigned memory_mib;
    unsigned vhost; /* enum netns_vhost */
    unsigned disk_iops_limit; /* QEMU I/O throttle on the scratch disk, 0 = none */
    struct devopts opts;
    char qemu[SCENARIO_PATH_MAX];     /* "" = the run's binary; resolved elsewhere (qemuver) */
    char kernel[SCENARIO_PATH_MAX];   /* "" = the run's guest image */
    char matrix[SCENARIO_MATRIX_MAX]; /* sections only: "key: v v x key: v v" */
    unsigned explicit_keys;           /* bit per enum scenario_config_key: set, not inherited */
    int line;                         /* its [config] header; 0: from devices = */
    int key_line[SCENARIO_CK_COUNT];  /* where each key was given (0: not in the file) */
};

/* The keys of a [workload NAME] section. */
enum scenario_workload_key {
    SCENARIO_WK_RW,
    SCENARIO_WK_BS,
    SCENARIO_WK_IODEPTH,
    SCENARIO_WK_NUMJOBS,
    SCENARIO_WK_RWMIXREAD,
    SCENARIO_WK_RUNTIME,
    SCENARIO_WK_WARMUP,
    SCENARIO_WK_SIZE,
    SCENARIO_WK_OFFSET,
    SCENARIO_WK_STREAMS,
    SCENARIO_WK_FIO_JOB,
    SCENARIO_WK_COUNT
};

/* A workload of the file's own ([workload NAME]); w's strings point into this entry. */
struct scenario_workload {
    char name[SCENARIO_NAME_MAX];
    char rw[16];
    char summary[96];
    unsigned bs, iodepth, numjobs, rwmixread, size_mib, offset_mib, streams;
    double runtime_s, warmup_s; /* runtime 0: the scenario's; warmup: when key_line says */
    struct workload w;
    int line;
    int key_line[SCENARIO_WK_COUNT];
    char fio_job[256];                    /* fio_job = a job file, as given */
    char fiojob_hex[2 * PVB_FIOJOB_MAX]; /* its checked text, hex (the job's fiojob=) */
};

/* Who does the block I/O in the guest (scenario key engine, job key engine=). */
enum scenario_engine { SCENARIO_ENGINE_AGENT, SCENARIO_ENGINE_FIO, SCENARIO_ENGINE_COUNT };

/* Engine memory floor: the fio image unpacks ~90 MiB of libraries into the guest's RAM. */
#define SCENARIO_FIO_MIN_MEMORY_MIB 384u

/*
 * A scenario. It points into itself (custom workloads): copy it with scenario_copy().
 */
struct scenario {
    char path[512];        /* file as given */
    char name[64];         /* [scenario] name=, default: file name without .ini */
    char description[256];
    /* Resolved: configs[i].dev, one per configuration (the run loop indexes by i). */
    const struct devmodel *devices[SCENARIO_MAX_DEVICES];
    unsigned n_devices;
    const struct workload *workloads[SCENARIO_MAX_WORKLOADS];
    unsigned n_workloads;
    /* As given: the devices = shorthand and the workloads = names. */
    const struct devmodel *shorthand[SCENARIO_MAX_DEVICES];
    unsigned n_shorthand;
    char workload_names[SCENARIO_MAX_WORKLOADS][SCENARIO_NAME_MAX];
    unsigned n_workload_names;
    /* [config NAME] sections as given, and every configuration resolved from them. */
    struct scenario_config base; /* the [scenario] section's values of the config keys */
    struct scenario_config sections[SCENARIO_MAX_SECTIONS];
    unsigned n_sections;
    struct scenario_config configs[SCENARIO_MAX_CONFIGS];
    unsigned n_configs;
    unsigned max_configs;              /* a matrix may not expand past this many configurations */
    char reference[SCENARIO_NAME_MAX]; /* configuration ratios are taken against; "" = rule */
    struct scenario_workload custom[SCENARIO_MAX_WORKLOADS];
    unsigned n_custom;
    unsigned repetitions;  /* measured repetitions per device x workload */
    unsigned boots;        /* fresh guests per device; repetitions spread over them */
    double runtime_s;      /* measured interval per job */
    double warmup_s;       /* warm-up before the measured interval */
    unsigned vcpus;
    unsigned memory_mib;
    unsigned disk_mib;     /* scratch disk size */
    unsigned machine;      /* 0 = auto, else one MACHINE_* bit */
    double boot_timeout_s; /* agent must be ready within this */
    double kvm_probe_timeout_s; /* the KVM probe guest must be ready within this */
    unsigned disk_iops_limit; /* QEMU I/O throttle on the scratch disk, 0 = none */
    unsigned warmup_jobs;  /* uncounted jobs per workload and guest before the measured ones */
    unsigned job_retries;  /* fresh guest + same job again after a lost guest, per config */
    char pin_vcpus[64];    /* host CPU list for QEMU's vCPU threads ("" = no pinning) */
    char pin_io[64];       /* host CPU list for QEMU's other threads (I/O) */
    unsigned vhost;           /* virtio-net vhost: enum netns_vhost (auto, on, off) */
    unsigned engine;          /* blk I/O in the guest: enum scenario_engine */
    unsigned host_baseline;   /* 1: blk workloads with fio on the bare host too (hostbase.h) */
    unsigned why;             /* 1: a traced "why" job per device x workload after the others */
    double why_runtime_s;     /* its length */
    /* Resolved by scenario_load: the machine each device's guest uses. */
    enum machine_type device_machine[SCENARIO_MAX_DEVICES];
};

/*
 * Parse a scenario file. On error returns -1 and writes "file:line: message"
 * into err (line 0 when the problem is not on one line, e.g. a missing key).
 * Refuses unknown sections/keys, out-of-range values, unknown device models and
 * workloads, and devices that cannot live on the requested machine type.
 */
int scenario_load(const char *path, struct scenario *s, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* Same, from a string; `name` stands in for the file name in messages. */
int scenario_load_string(const char *name, const char *text, struct scenario *s, char *err,
                         size_t errlen) __attribute__((warn_unused_result));

/*
 * Apply "key=value" as if it were in the [scenario] section (CLI --set); "NAME.key=value"
 * reaches the [config NAME] or [workload NAME] section. Validated and resolved at once.
 */
int scenario_set(struct scenario *s, const char *assignment, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/*
 * Apply n assignments as scenario_set does, all of them first, then validate and resolve
 * once: "--set devices=ide --set workloads=randread" is judged as a whole. *s is untouched
 * on error.
 */
int scenario_set_all(struct scenario *s, const char *const *assignments, unsigned n, char *err,
                     size_t errlen) __attribute__((warn_unused_result));

/* w's fio job file (fio_job =) as the job key fiojob= carries it (hex), or NULL. */
const char *scenario_fiojob(const struct scenario *s, const struct workload *w);

/* A job of w: its measured interval and its warm-up in seconds ([workload] runtime and
 * warmup, else the scenario's). */
double scenario_runtime_s(const struct scenario *s, const struct workload *w);
double scenario_warmup_s(const struct scenario *s, const struct workload *w);

/* *dst = *src, with dst's pointers into itself (custom workloads) made its own. */
void scenario_copy(struct scenario *dst, const struct scenario *src);

/* The resolved configuration named name, or NULL. */
const struct scenario_config *scenario_config_find(const struct scenario *s, const char *name);

/* Name of a configuration key ("aio"), NULL past the end. */
const char *scenario_config_key_name(unsigned key);

/* A configuration's value of one key as scenario text into buf (what-differs tables). */
void scenario_config_value(const struct scenario_config *c, unsigned key, char *buf, size_t len);

/* Configuration i's value of one key as the what-differs tables show it: the machine type as
 * resolved for its device (not "auto"), every other key as scenario text. */
void scenario_config_shown(const struct scenario *s, unsigned i, unsigned key, char *buf,
                           size_t len);

/*
 * What differs between the configurations: bit k set when key k (enum scenario_config_key)
 * has two values among them (machine as resolved). *unasked (may be NULL): those of them no
 * configuration asked for, e.g. the machine type that one device's needs changed.
 */
unsigned scenario_configs_differ(const struct scenario *s, unsigned *unasked);

/* Resolve machine types per device after a change (called by load and set). */
int scenario_resolve(struct scenario *s, char *err, size_t errlen);

/* Parse a CPU list such as "0", "0-1" or "0,2-3" into set. 0, or -1 if malformed. */
#include <sched.h>
int scenario_cpu_set(const char *list, cpu_set_t *set);

/* "agent", "fio" ("?" out of range). */
const char *scenario_engine_name(unsigned engine);

/* The option table as help text (key, type, default, range, meaning). */
void scenario_print_help(FILE *out);

/* One key of the option table, for pvbench-scenario(5) and the shell completion. */
struct scenario_key_doc {
    const char *section; /* "scenario", "config NAME" or "workload NAME" */
    const char *key;
    const char *value; /* what it takes: "seconds", "device,...", "auto|on|off" */
    char def[128];     /* "default 5, range 1..1000", "required", "default: no" */
    const char *help;
};

/* The i-th key into d ([scenario]'s, then [config NAME]'s, then [workload NAME]'s): 0, or -1
 * past the last. */
int scenario_key_doc(unsigned i, struct scenario_key_doc *d);

/* All options as resolved, as INI text (for run.json and `pvbench run --dry-run`). */
void scenario_print_resolved(const struct scenario *s, FILE *out);

/* One comment line per resolved configuration: every option, '*' on those it sets. */
void scenario_print_configs(const struct scenario *s, FILE *out);

#endif
