/*
 * Scenario files (INI, parsed with inih) into a struct scenario.
 * One option table (scenario.c) drives the parser, CLI overrides and --help.
 */
#ifndef PVB_SCENARIO_H
#define PVB_SCENARIO_H

#include <stddef.h>
#include <stdio.h>

#include "devmodel.h"
#include "workload.h"

#define SCENARIO_MAX_DEVICES 16
#define SCENARIO_MAX_WORKLOADS 16
#define SCENARIO_ERR_MAX 512

/* Who does the block I/O in the guest (scenario key engine, job key engine=). */
enum scenario_engine { SCENARIO_ENGINE_AGENT, SCENARIO_ENGINE_FIO, SCENARIO_ENGINE_COUNT };

/* Engine memory floor: the fio image unpacks ~90 MiB of libraries into the guest's RAM. */
#define SCENARIO_FIO_MIN_MEMORY_MIB 384u

struct scenario {
    char path[512];        /* file as given */
    char name[64];         /* [scenario] name=, default: file name without .ini */
    char description[256];
    const struct devmodel *devices[SCENARIO_MAX_DEVICES];
    unsigned n_devices;
    const struct workload *workloads[SCENARIO_MAX_WORKLOADS];
    unsigned n_workloads;
    unsigned repetitions;  /* measured repetitions per device x workload */
    unsigned boots;        /* fresh guests per device; repetitions spread over them */
    double runtime_s;      /* measured interval per job */
    double warmup_s;       /* warm-up before the measured interval */
    unsigned vcpus;
    unsigned memory_mib;
    unsigned disk_mib;     /* scratch disk size */
    unsigned machine;      /* 0 = auto, else one MACHINE_* bit */
    double boot_timeout_s; /* agent must be ready within this */
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

/* Apply "key=value" as if it were in the [scenario] section (CLI --set). */
int scenario_set(struct scenario *s, const char *assignment, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* Resolve machine types per device after a change (called by load and set). */
int scenario_resolve(struct scenario *s, char *err, size_t errlen);

/* Parse a CPU list such as "0", "0-1" or "0,2-3" into set. 0, or -1 if malformed. */
#include <sched.h>
int scenario_cpu_set(const char *list, cpu_set_t *set);

/* "agent", "fio" ("?" out of range). */
const char *scenario_engine_name(unsigned engine);

/* The option table as help text (key, type, default, range, meaning). */
void scenario_print_help(FILE *out);

/* All options as resolved, as INI text (for run.json and `pvbench run --dry-run`). */
void scenario_print_resolved(const struct scenario *s, FILE *out);

#endif
