/*
 * Scenario files. One option table (scn_opts[]) drives the INI parser (inih), the
 * CLI overrides (--set key=value), the help text and the resolved dump; adding a key
 * is one entry there plus its member in struct scenario.
 *
 * Line numbers: inih (as packaged) does not pass them to the handler, so lines come to
 * inih through our own reader, which counts them, strips leading white space (this
 * also turns off inih's indented continuation lines, which would otherwise make an
 * indented key part of the previous value) and catches inih's syntax errors first to
 * word them better. The first error stops the parse.
 */
#include "scenario.h"
#include "fiofile.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "log.h"

#define SCN_SECTION "scenario"
#define SCN_TOKEN_MAX 64    /* longest list entry or key we look up */
#define SCN_SET_MAX 1024    /* longest --set assignment */
#define SCN_LIST_MAX 64     /* most entries of any list */

enum scn_type {
    SCN_STRING,    /* text (SCN_F_IDENT: a name usable in file names) */
    SCN_UINT,      /* whole number */
    SCN_MIB,       /* whole number of MiB, optional unit M, G, T */
    SCN_SECONDS,   /* seconds (double), optional unit s, ms, min */
    SCN_DEVICES,   /* list of device model names */
    SCN_WORKLOADS, /* list of workload names */
    SCN_MACHINE,   /* auto | pc | q35 */
    SCN_VHOST,     /* auto | on | off */
    SCN_ENGINE,    /* agent | fio (enum scenario_engine) */
    SCN_BOOL,      /* no | yes (0 | 1) */
    SCN_CHOICE,    /* one of scn_choice_names(o), stored as its index */
    SCN_DEVICE,    /* one device model name */
    SCN_TEXT,      /* free text kept as given (matrix) */
};

#define SCN_F_REQUIRED (1u << 0) /* the file must give it */
#define SCN_F_IDENT (1u << 1)    /* letters, digits, '.', '_', '-' only */
#define SCN_F_INHERIT (1u << 2)  /* a [config] key the [scenario] section may give too */

struct scn_opt {
    const char *key;
    enum scn_type type;
    size_t offset;       /* member of struct scenario */
    size_t size;         /* its size: string buffer, list capacity */
    size_t count_offset; /* lists: the unsigned member that counts the entries */
    const char *def;     /* default as text, parsed like a file value; NULL: none */
    const char *def_doc; /* default as shown in help when it is not a constant */
    double min, max;     /* numbers: range (in seconds / MiB); lists: at least min entries */
    unsigned flags;
    const char *help;
};

/* How each type is named in help ("<seconds>") and in error messages. */
static const struct {
    const char *what;
    const char *expect;
} scn_types[] = {
    [SCN_STRING] = {"text", "text"},
    [SCN_UINT] = {"count", "a whole number"},
    [SCN_MIB] = {"MiB", "a size in MiB: a whole number, optionally with unit M, G or T, "
                        "e.g. 512, 2G"},
    [SCN_SECONDS] = {"seconds", "a number of seconds, optionally with unit s, ms or min, "
                                "e.g. 2, 1.5s, 500ms"},
    [SCN_DEVICES] = {"device,...", "a list of device models"},
    [SCN_WORKLOADS] = {"workload,...", "a list of workloads"},
    [SCN_MACHINE] = {"auto|pc|q35", "auto, pc or q35"},
    [SCN_VHOST] = {"auto|on|off", "auto, on or off"},
    [SCN_ENGINE] = {"agent|fio", "agent or fio"},
    [SCN_BOOL] = {"yes|no", "yes or no"},
    [SCN_CHOICE] = {"choice", "one of the listed values"},
    [SCN_DEVICE] = {"device", "a device model"},
    [SCN_TEXT] = {"text", "text"},
};

#define SCN_MEMBER(m) offsetof(struct scenario, m), sizeof(((struct scenario *)0)->m)
#define SCN_COUNT(m) offsetof(struct scenario, m)

/* key, type, member (offset, size), list count, default, default for help, min, max, flags,
 * help */
static const struct scn_opt scn_opts[] = {
    {"name", SCN_STRING, SCN_MEMBER(name), 0, NULL, "the file name without .ini", 0, 0,
     SCN_F_IDENT, "short name of the scenario, used in run folders and reports"},
    {"description", SCN_STRING, SCN_MEMBER(description), 0, NULL, "empty", 0, 0, 0,
     "one line saying what the scenario is for"},
    {"devices", SCN_DEVICES, SCN_MEMBER(shorthand), SCN_COUNT(n_shorthand), NULL,
     "none (required without [config] sections)", 1, 0, 0,
     "device models under test, comma or space separated; each one is a configuration of "
     "its own (named after the model, with the [scenario] section's options) and boots its "
     "own guest"},
    {"workloads", SCN_WORKLOADS, SCN_MEMBER(workload_names), SCN_COUNT(n_workload_names), NULL,
     "the [workload] sections", 1, 0, 0,
     "workloads run on every configuration of their kind (blk or net): presets and "
     "[workload NAME] sections"},
    {"repetitions", SCN_UINT, SCN_MEMBER(repetitions), 0, "5", NULL, 1, SCENARIO_MAX_REPETITIONS, 0,
     "measured repetitions of each device x workload (statistics need several)"},
    {"boots", SCN_UINT, SCN_MEMBER(boots), 0, "1", NULL, 1, 100, 0,
     "fresh guests per device, booted in turns (A B B A); the repetitions are spread over "
     "them (repetition r in boot (r - 1) mod boots) and a verdict treats the boot as the unit"},
    {"runtime", SCN_SECONDS, SCN_MEMBER(runtime_s), 0, "2", NULL, 0.1, 3600, 0,
     "measured interval of one repetition"},
    {"warmup", SCN_SECONDS, SCN_MEMBER(warmup_s), 0, "0.5", NULL, 0, 600, 0,
     "unmeasured run before each measured interval"},
    {"vcpus", SCN_UINT, SCN_MEMBER(vcpus), 0, "1", NULL, 1, 64, 0, "virtual CPUs of the guest"},
    {"memory", SCN_MIB, SCN_MEMBER(memory_mib), 0, "256", NULL, 64, 65536, 0,
     "guest memory"},
    {"disk_size", SCN_MIB, SCN_MEMBER(disk_mib), 0, "256", NULL, 16, 1048576, 0,
     "size of the scratch disk behind a block device under test"},
    {"machine", SCN_MACHINE, SCN_MEMBER(machine), 0, "auto", NULL, 0, 0, 0,
     "QEMU machine type; auto: one type all devices can share (pc first), else each "
     "device's own"},
    {"boot_timeout", SCN_SECONDS, SCN_MEMBER(boot_timeout_s), 0, "60", NULL, 1, 600, 0,
     "how long a guest may take to boot until its agent is ready"},
    {"vhost", SCN_VHOST, SCN_MEMBER(vhost), 0, "auto", NULL, 0, 0, 0,
     "virtio-net's vhost-net back end: auto (on when /dev/vhost-net exists), on (skip "
     "virtio-net without it), off"},
    {"disk_iops_limit", SCN_UINT, SCN_MEMBER(disk_iops_limit), 0, "0", NULL, 0, 10000000, 0,
     "throttle the scratch disk to this many IOPS in QEMU (throttling.iops-total); 0: none. "
     "Makes a run slower on purpose, e.g. to test regression gating"},
    {"warmup_jobs", SCN_UINT, SCN_MEMBER(warmup_jobs), 0, "1", NULL, 0, 10, 0,
     "uncounted jobs per workload and guest before the measured repetitions"},
    {"job_retries", SCN_UINT, SCN_MEMBER(job_retries), 0, "1", NULL, 0, 5, 0,
     "when a guest is lost during a job (hung, crashed, babbling), boot a fresh one and run "
     "that job again, at most this many times per configuration; each retry is recorded in "
     "run.json. 0: the configuration fails at once"},
    {"pin_vcpus", SCN_STRING, SCN_MEMBER(pin_vcpus), 0, NULL, "no pinning", 0, 0, 0,
     "host CPUs for QEMU's vCPU threads, e.g. 1 or 0-1"},
    {"pin_io", SCN_STRING, SCN_MEMBER(pin_io), 0, NULL, "no pinning", 0, 0, 0,
     "host CPUs for QEMU's other threads (I/O, main loop), e.g. 0"},
    {"engine", SCN_ENGINE, SCN_MEMBER(engine), 0, "agent", NULL, 0, 0, 0,
     "who does the block I/O in the guest: the agent, or Debian's fio run by the agent with "
     "the same parameters (guest image initramfs-fio.img: make image-fio; memory >= 384 MiB)"},
    {"host_baseline", SCN_BOOL, SCN_MEMBER(host_baseline), 0, "no", NULL, 0, 0, 0,
     "also run the block workloads with fio on the bare host, on a scratch file beside the "
     "guests' disks (O_DIRECT), and the network workloads with the agent as a host process in "
     "a namespace of its own against the same peer: configuration 'host', and pct_of_host "
     "for every device"},
    {"why", SCN_BOOL, SCN_MEMBER(why), 0, "yes", NULL, 0, 0, 0,
     "after the measured jobs, one short job per device and workload with QEMU's trace events "
     "on: register accesses and virtio kicks per operation (reg_accesses_per_op, "
     "notifies_per_op; qemu backend only)"},
    {"why_runtime", SCN_SECONDS, SCN_MEMBER(why_runtime_s), 0, "0.5", NULL, 0.1, 60, 0,
     "length of that traced job"},
    {"max_configs", SCN_UINT, SCN_MEMBER(max_configs), 0, "64", NULL, 1, SCENARIO_MAX_CONFIGS, 0,
     "most configurations the devices, [config] sections and their matrices may make"},
    {"reference", SCN_STRING, SCN_MEMBER(reference), 0, NULL, "today's rule (first emulated)", 0, 0,
     SCN_F_IDENT, "the configuration that ratios are taken against"},
    {"kvm_probe_timeout", SCN_SECONDS, SCN_MEMBER(kvm_probe_timeout_s), 0, "10", NULL, 1, 600, 0,
     "how long the KVM probe guest may take to boot before KVM counts as unusable"},
};

#define SCN_NOPTS (sizeof(scn_opts) / sizeof(scn_opts[0]))

#define SCN_CFG(m) offsetof(struct scenario_config, m), sizeof(((struct scenario_config *)0)->m)
#define SCN_OPT(m) offsetof(struct scenario_config, opts.m), sizeof(((struct devopts *)0)->m)

static const char *const scn_yesno_names[] = {"no", "yes", NULL};

/*
 * The keys of a [config NAME] section, in enum scenario_config_key order. SCN_F_INHERIT:
 * the [scenario] section may give it for every configuration; machine, vcpus, memory, vhost
 * and disk_iops_limit are [scenario] keys of their own (scn_opts) that configurations inherit.
 */
static const struct scn_opt scn_cfg_opts[SCENARIO_CK_COUNT] = {
    [SCENARIO_CK_DEVICE] = {"device", SCN_DEVICE, SCN_CFG(dev), 0, NULL, "required", 0, 0, 0,
                            "the device model of the configuration"},
    [SCENARIO_CK_MACHINE] = {"machine", SCN_MACHINE, SCN_CFG(machine), 0, NULL, "[scenario]", 0, 0,
                             0, "QEMU machine type of this configuration's guest"},
    [SCENARIO_CK_VCPUS] = {"vcpus", SCN_UINT, SCN_CFG(vcpus), 0, NULL, "[scenario]", 1, 64, 0,
                           "virtual CPUs of this configuration's guest"},
    [SCENARIO_CK_MEMORY] = {"memory", SCN_MIB, SCN_CFG(memory_mib), 0, NULL, "[scenario]", 64,
                            65536, 0, "memory of this configuration's guest"},
    [SCENARIO_CK_AIO] = {"aio", SCN_CHOICE, SCN_OPT(aio), 0, "threads", NULL, 0, 0, SCN_F_INHERIT,
                         "how QEMU submits the disk's I/O on the host (-drive aio=)"},
    [SCENARIO_CK_CACHE] = {"cache", SCN_CHOICE, SCN_OPT(cache), 0, "none", NULL, 0, 0,
                           SCN_F_INHERIT, "the host page cache for the disk image (-drive cache=)"},
    [SCENARIO_CK_IOTHREAD] = {"iothread", SCN_CHOICE, SCN_OPT(iothread), 0, "no", NULL, 0, 0,
                              SCN_F_INHERIT,
                              "the disk's queues in an iothread of their own (virtio-blk, "
                              "virtio-scsi)"},
    [SCENARIO_CK_FORMAT] = {"format", SCN_CHOICE, SCN_OPT(format), 0, "raw", NULL, 0, 0,
                            SCN_F_INHERIT,
                            "the scratch disk's image format (qcow2: made with "
                            "qemu-img)"},
    [SCENARIO_CK_PREALLOCATION] = {"preallocation", SCN_CHOICE, SCN_OPT(preallocation), 0, "off",
                                   NULL, 0, 0, SCN_F_INHERIT,
                                   "qcow2 preallocation (qemu-img create -o preallocation=)"},
    [SCENARIO_CK_DISCARD] = {"discard", SCN_CHOICE, SCN_OPT(discard), 0, "ignore", NULL, 0, 0,
                             SCN_F_INHERIT, "guest discards reach the image (-drive discard=)"},
    [SCENARIO_CK_QUEUES] = {"queues", SCN_UINT, SCN_OPT(queues), 0, "0", NULL, 0,
                            DEVOPTS_MAX_QUEUES, SCN_F_INHERIT,
                            "queues of the device (num-queues, max_ioqpairs, virtio-net queue "
                            "pairs); 0: its default"},
    [SCENARIO_CK_VHOST] = {"vhost", SCN_VHOST, SCN_CFG(vhost), 0, NULL, "[scenario]", 0, 0, 0,
                           "virtio-net's vhost-net back end for this configuration"},
    [SCENARIO_CK_DISK_IOPS_LIMIT] = {"disk_iops_limit", SCN_UINT, SCN_CFG(disk_iops_limit), 0, NULL,
                                     "[scenario]", 0, 10000000, 0,
                                     "throttle this configuration's scratch disk to this many "
                                     "IOPS (block devices; 0: none)"},
    [SCENARIO_CK_DEVICE_OPTIONS] = {"device_options", SCN_STRING, SCN_OPT(device_options), 0, NULL,
                                    "none", 0, 0, SCN_F_INHERIT,
                                    "extra QEMU -device properties, e.g. queue-size=256 "
                                    "(checked against the binary's -device MODEL,help)"},
    [SCENARIO_CK_QEMU] = {"qemu", SCN_STRING, SCN_CFG(qemu), 0, NULL, "the run's binary", 0, 0,
                          SCN_F_INHERIT, "a QEMU binary path or a Debian package version"},
    [SCENARIO_CK_KERNEL] = {"kernel", SCN_STRING, SCN_CFG(kernel), 0, NULL, "the guest image", 0, 0,
                            SCN_F_INHERIT,
                            "a guest image folder or a Debian kernel package version"},
    [SCENARIO_CK_MATRIX] = {"matrix", SCN_TEXT, SCN_CFG(matrix), 0, NULL, "none", 0, 0, 0,
                            "one configuration per combination: 'aio: native io_uring x "
                            "iothread: yes no' makes NAME-aio_native-iothread_yes and so on"},
};

/* The values of a SCN_CHOICE key, in enum order. */
static const char *const *scn_choice_names(const struct scn_opt *o)
{
    static const struct {
        const char *key;
        const char *const *names;
    } choices[] = {{"aio", devopts_aio_names},
                   {"cache", devopts_cache_names},
                   {"iothread", scn_yesno_names},
                   {"format", devopts_format_names},
                   {"preallocation", devopts_prealloc_names},
                   {"discard", devopts_discard_names}};

    for (size_t i = 0; i < sizeof(choices) / sizeof(choices[0]); i++) {
        if (strcmp(choices[i].key, o->key) == 0) {
            return choices[i].names;
        }
    }
    return scn_yesno_names;
}

#define SCN_WL(m) offsetof(struct scenario_workload, m), sizeof(((struct scenario_workload *)0)->m)

/* The keys of a [workload NAME] section, in enum scenario_workload_key order. */
static const struct scn_opt scn_wl_opts[SCENARIO_WK_COUNT] = {
    [SCENARIO_WK_RW] =
        {"rw", SCN_STRING, SCN_WL(rw), 0, NULL, "required", 0, 0, 0,
         "read, write, randread, randwrite (blk; randrw is refused until the job line "
         "carries it); tcp_tx (guest to host), "
         "tcp_rx (host to guest), tcp_rr, udp_pps (net)"},
    [SCENARIO_WK_BS] = {"bs", SCN_UINT, SCN_WL(bs), 0, NULL, "4096 (blk), 131072 (net)", 1,
                        64u << 20, 0,
                        "block size in bytes (blk, a multiple of 512), message "
                        "size (net)"},
    [SCENARIO_WK_IODEPTH] = {"iodepth", SCN_UINT, SCN_WL(iodepth), 0, "1", NULL, 1, 1024, 0,
                             "queue depth (blk)"},
    [SCENARIO_WK_NUMJOBS] =
        {"numjobs", SCN_UINT, SCN_WL(numjobs), 0, "1", NULL, 1, 64, 0,
         "parallel submitters in the guest (blk), each with iodepth requests in flight, "
         "spread over the vCPUs; throughput summed, latency from the merged histograms; "
         "sequential ones each stream through a slice of their own"},
    [SCENARIO_WK_RWMIXREAD] =
        {"rwmixread", SCN_UINT, SCN_WL(rwmixread), 0, "50", NULL, 0, 100, 0,
         "randrw: percent of operations that read"},
    [SCENARIO_WK_RUNTIME] =
        {"runtime", SCN_SECONDS, SCN_WL(runtime_s), 0, NULL, "the scenario's", 0.1, 3600, 0,
         "measured interval of each job of this workload"},
    [SCENARIO_WK_WARMUP] =
        {"warmup", SCN_SECONDS, SCN_WL(warmup_s), 0, NULL, "the scenario's", 0, 600, 0,
         "unmeasured run before each job's measured interval"},
    [SCENARIO_WK_SIZE] = {"size", SCN_MIB, SCN_WL(size_mib), 0, "0", NULL, 0, 1048576, 0,
                          "size of the region of the disk the job uses; 0: to the disk's end"},
    [SCENARIO_WK_OFFSET] =
        {"offset", SCN_MIB, SCN_WL(offset_mib), 0, "0", NULL, 0, 1048576, 0,
         "where that region starts"},
    [SCENARIO_WK_STREAMS] =
        {"streams", SCN_UINT, SCN_WL(streams), 0, "1", NULL, 1, 64, 0,
         "parallel TCP connections to the peer, a guest thread each on vCPU i mod vcpus "
         "(tcp_tx, tcp_rx, tcp_rr): throughput summed, latency merged"},
    [SCENARIO_WK_FIO_JOB] =
        {"fio_job", SCN_STRING, SCN_WL(fio_job), 0, NULL, "none", 0, 0, 0,
         "a fio job file (relative to the scenario file) run by fio in each guest instead of "
         "rw, bs and iodepth (no other key with it but runtime and warmup; needs engine = "
         "fio); pvbench sets filename to the device under test, direct=1, ioengine=libaio "
         "unless the file names another direct engine, and runtime, ramp_time, time_based from the workload's "
         "runtime and warmup (the file may not set them); the file is checked before anything "
         "boots (docs/fio-jobs.md)"},
};

/* State of one parse: the source, the line being read and the first error. */
struct scn_parse {
    const char *file;  /* name used in messages */
    struct scenario s; /* filled as lines come; copied out only if all is well */
    FILE *fp;          /* source: a file ... */
    const char *text;  /* ... or a string */
    size_t pos;
    char *line;        /* current physical line (malloc'ed) */
    size_t cap;
    int lineno;
    int saw_section;
    int failed;
    int err_line;
    int read_errno;    /* errno of a failed read of fp */
    char msg[SCENARIO_ERR_MAX];
    int seen[SCN_NOPTS]; /* line each key was given on, 0 = not given */
    struct scenario_config *cfg;  /* the [config] section being read, or NULL */
    struct scenario_workload *wl; /* the [workload] section being read, or NULL */
};

/* ---- small helpers ------------------------------------------------------------------------ */

static int scn_name_ok(const char *n);

/* Write "prefix: message" or "file:line: message" into err (err may be NULL). */
static void scn_report(char *err, size_t errlen, const char *where, int line, const char *msg)
{
    if (!err || errlen == 0) {
        return;
    }
    if (line > 0) {
        snprintf(err, errlen, "%s:%d: %s", where, line, msg);
    } else {
        snprintf(err, errlen, "%s: %s", where, msg);
    }
}

/* Copy a string into a buffer of len bytes. 0, or -1 if it did not fit. */
static int scn_copy(char *dst, size_t len, const char *src)
{
    size_t n = strlen(src);

    if (n >= len) {
        return -1;
    }
    memcpy(dst, src, n + 1);
    return 0;
}

static const char *scn_opt_key(unsigned i)
{
    return scn_opts[i].key;
}

/* The [config] keys a [scenario] section may give; "" for the others (never close). */
static const char *scn_inherit_key(unsigned i)
{
    return (scn_cfg_opts[i].flags & SCN_F_INHERIT) ? scn_cfg_opts[i].key : "";
}

static const char *scn_dev_name(unsigned i)
{
    return devmodel_at(i)->name;
}

static const char *scn_wl_name(unsigned i)
{
    return workload_at(i)->name;
}

static int scn_opt_index(const char *key)
{
    for (unsigned i = 0; i < SCN_NOPTS; i++) {
        if (strcmp(scn_opts[i].key, key) == 0) {
            return (int)i;
        }
    }
    return -1;
}

/* Edit distance (Levenshtein) of two short words; long words count as far apart. */
static unsigned scn_distance(const char *a, const char *b)
{
    unsigned row[SCN_TOKEN_MAX + 1];
    size_t la = strlen(a), lb = strlen(b);

    if (la > SCN_TOKEN_MAX || lb > SCN_TOKEN_MAX) {
        return 1000;
    }
    for (size_t j = 0; j <= lb; j++) {
        row[j] = (unsigned)j;
    }
    for (size_t i = 1; i <= la; i++) {
        unsigned diag = row[0];
        row[0] = (unsigned)i;
        for (size_t j = 1; j <= lb; j++) {
            unsigned up = row[j];
            unsigned best = diag + (a[i - 1] == b[j - 1] ? 0 : 1);
            if (up + 1 < best) {
                best = up + 1;
            }
            if (row[j - 1] + 1 < best) {
                best = row[j - 1] + 1;
            }
            diag = up;
            row[j] = best;
        }
    }
    return row[lb];
}

/* The table name closest to word, if it is close enough to be a likely typo; else NULL. */
static const char *scn_closest(const char *word, const char *(*name_at)(unsigned),
                               unsigned count)
{
    const char *best = NULL;
    unsigned best_d = 1000;
    size_t wl = strlen(word);
    unsigned limit = wl <= 4 ? 1 : 2;

    for (unsigned i = 0; i < count; i++) {
        const char *name = name_at(i);
        unsigned d = scn_distance(word, name);
        /* "disk" for "disk_size": a prefix of a key is a likely abbreviation */
        if (wl >= 3 && strncmp(name, word, wl) == 0 && d > limit) {
            d = limit;
        }
        if (d < best_d) {
            best_d = d;
            best = name;
        }
    }
    return best_d <= limit ? best : NULL;
}

/* "a, b, c" from a name table. */
static void scn_join(char *buf, size_t len, const char *(*name_at)(unsigned), unsigned count)
{
    size_t used = 0;

    buf[0] = '\0';
    for (unsigned i = 0; i < count && used < len; i++) {
        int n = snprintf(buf + used, len - used, "%s%s", i ? ", " : "", name_at(i));
        if (n < 0) {
            return;
        }
        used += (size_t)n;
    }
}

/* "pc", "q35" or "pc or q35" for a MACHINE_* mask. */
static const char *scn_machines_text(unsigned mask)
{
    if (mask == MACHINE_PC) {
        return "pc";
    }
    if (mask == MACHINE_Q35) {
        return "q35";
    }
    return "pc or q35";
}

/* ---- values ------------------------------------------------------------------------------- */

/*
 * Read the number at the start of v ("12", "-1", "2.5" unless whole) into *num and point
 * *unit at what follows it (white space skipped). 0, or -1 if v does not start with one.
 * Exponents and hex are not numbers here: "1e3" is 1 with unit "e3".
 */
static int scn_number(const char *v, int whole, double *num, const char **unit)
{
    const char *p = v;
    int digits = 0;
    char buf[SCN_TOKEN_MAX];
    size_t n;

    if (*p == '+' || *p == '-') {
        p++;
    }
    while (isdigit((unsigned char)*p)) {
        p++;
        digits++;
    }
    if (!whole && *p == '.') {
        p++;
        while (isdigit((unsigned char)*p)) {
            p++;
            digits++;
        }
    }
    if (digits == 0) {
        return -1;
    }
    n = (size_t)(p - v);
    if (n >= sizeof(buf)) {
        /* more digits than any range here: out of range, with its sign */
        *num = v[0] == '-' ? -HUGE_VAL : HUGE_VAL;
    } else {
        memcpy(buf, v, n);
        buf[n] = '\0';
        *num = strtod(buf, NULL);
    }
    while (isspace((unsigned char)*p)) {
        p++;
    }
    *unit = p;
    return 0;
}

/* Factor from a size unit to MiB (case does not matter); 0 if unknown. */
static double scn_size_unit(const char *u)
{
    if (!*u || strcasecmp(u, "m") == 0 || strcasecmp(u, "mib") == 0) {
        return 1;
    }
    if (strcasecmp(u, "g") == 0 || strcasecmp(u, "gib") == 0) {
        return 1024;
    }
    if (strcasecmp(u, "t") == 0 || strcasecmp(u, "tib") == 0) {
        return 1024.0 * 1024.0;
    }
    return 0;
}

/* Seconds from a number and its time unit. -1 if the unit is unknown. */
static int scn_time_unit(double v, const char *u, double *secs)
{
    if (!*u || strcmp(u, "s") == 0) {
        *secs = v;
    } else if (strcmp(u, "ms") == 0) {
        *secs = v / 1000.0; /* divide, so "100ms" is exactly the double 0.1 */
    } else if (strcmp(u, "min") == 0) {
        *secs = v * 60.0;
    } else {
        return -1;
    }
    return 0;
}

static int scn_set_string(const struct scn_opt *o, void *s, const char *value, char *msg,
                          size_t len)
{
    char *dst = (char *)s + o->offset;

    if (strlen(value) >= o->size) {
        snprintf(msg, len, "%s: value too long (at most %zu characters)", o->key, o->size - 1);
        return -1;
    }
    for (const char *p = value; *p; p++) {
        if (iscntrl((unsigned char)*p)) {
            snprintf(msg, len, "%s: value holds a control character", o->key);
            return -1;
        }
        if ((o->flags & SCN_F_IDENT) &&
            !(isalnum((unsigned char)*p) || *p == '_' || (p > value && strchr(".-", *p)))) {
            snprintf(msg, len,
                     "%s: '%s' may hold only letters, digits, '_', '.' and '-' (and not "
                     "start with '.' or '-')",
                     o->key, value);
            return -1;
        }
    }
    memcpy(dst, value, strlen(value) + 1);
    return 0;
}

static int scn_set_number(const struct scn_opt *o, void *s, const char *value, char *msg,
                          size_t len)
{
    double v, mult, secs;
    const char *unit;

    if (scn_number(value, o->type != SCN_SECONDS, &v, &unit) < 0) {
        goto not_a_number;
    }
    if (o->type == SCN_SECONDS) {
        if (scn_time_unit(v, unit, &secs) < 0) {
            goto not_a_number;
        }
        v = secs;
    } else if (o->type == SCN_MIB) {
        mult = scn_size_unit(unit);
        if (mult == 0) {
            goto not_a_number;
        }
        v *= mult;
    } else if (*unit) {
        goto not_a_number;
    }
    if (!(v >= o->min && v <= o->max)) {
        snprintf(msg, len, "%s: %s is out of range (%.10g..%.10g%s)", o->key, value, o->min, o->max,
                 o->type == SCN_SECONDS ? " seconds" : o->type == SCN_MIB ? " MiB" : "");
        return -1;
    }
    if (o->type == SCN_SECONDS) {
        *(double *)(void *)((char *)s + o->offset) = v;
    } else {
        *(unsigned *)(void *)((char *)s + o->offset) = (unsigned)v;
    }
    return 0;

not_a_number:
    snprintf(msg, len, "%s: '%s' is not %s", o->key, value, scn_types[o->type].expect);
    return -1;
}

/* A name table a list value draws from. */
struct scn_names {
    const char *what; /* "device model" */
    const char *item; /* "device" */
    unsigned (*count)(void);
    const char *(*name_at)(unsigned);
};

static const struct scn_names scn_devices = {"device model", "device", devmodel_count,
                                             scn_dev_name};

/* Next entry of a comma and/or space separated list; NULL at the end. */
static const char *scn_list_next(const char **pos, size_t *len)
{
    const char *p = *pos, *start;

    while (*p == ',' || isspace((unsigned char)*p)) {
        p++;
    }
    if (!*p) {
        *pos = p;
        return NULL;
    }
    start = p;
    while (*p && *p != ',' && !isspace((unsigned char)*p)) {
        p++;
    }
    *len = (size_t)(p - start);
    *pos = p;
    return start;
}

/* Parse a list value into indexes of table t (no repeats, at most cap). 0 or -1. */
static int scn_parse_list(const struct scn_opt *o, const struct scn_names *t, const char *value,
                          unsigned *idx, unsigned cap, unsigned *n, char *msg, size_t len)
{
    const char *pos = value, *tok;
    size_t tl;
    char name[SCN_TOKEN_MAX];
    char known[SCENARIO_ERR_MAX / 2];

    *n = 0;
    while ((tok = scn_list_next(&pos, &tl)) != NULL) {
        unsigned i, count = t->count();
        const char *near;

        snprintf(name, sizeof(name), "%.*s", (int)tl, tok);
        for (i = 0; i < count; i++) {
            if (tl < sizeof(name) && strcmp(t->name_at(i), name) == 0) {
                break;
            }
        }
        if (i == count) {
            scn_join(known, sizeof(known), t->name_at, count);
            near = scn_closest(name, t->name_at, count);
            if (near) {
                snprintf(msg, len, "unknown %s '%s' (did you mean '%s'? known: %s)", t->what,
                         name, near, known);
            } else {
                snprintf(msg, len, "unknown %s '%s' (known: %s)", t->what, name, known);
            }
            return -1;
        }
        for (unsigned j = 0; j < *n; j++) {
            if (idx[j] == i) {
                snprintf(msg, len, "%s '%s' listed twice", t->item, name);
                return -1;
            }
        }
        if (*n == cap) {
            snprintf(msg, len, "%s: too many entries (at most %u)", o->key, cap);
            return -1;
        }
        idx[(*n)++] = i;
    }
    if (*n < (unsigned)o->min) {
        snprintf(msg, len, "%s: the list is empty", o->key);
        return -1;
    }
    return 0;
}

static int scn_set_list(const struct scn_opt *o, void *s, const char *value, char *msg, size_t len)
{
    unsigned idx[SCN_LIST_MAX];
    unsigned n, cap;
    unsigned *count = (unsigned *)(void *)((char *)s + o->count_offset);
    void *dst = (char *)s + o->offset;

    if (o->type == SCN_DEVICES) {
        const struct devmodel **list = dst;
        cap = (unsigned)(o->size / sizeof(list[0]));
        cap = cap < SCN_LIST_MAX ? cap : SCN_LIST_MAX;
        if (scn_parse_list(o, &scn_devices, value, idx, cap, &n, msg, len) < 0) {
            return -1;
        }
        for (unsigned i = 0; i < n; i++) {
            list[i] = devmodel_at(idx[i]);
        }
    } else {
        /* names only: [workload NAME] sections may come later in the file (scn_resolve) */
        char(*names)[SCENARIO_NAME_MAX] = dst;
        const char *pos = value, *tok;
        size_t tl;
        cap = (unsigned)(o->size / sizeof(names[0]));
        n = 0;
        while ((tok = scn_list_next(&pos, &tl)) != NULL) {
            char name[SCENARIO_NAME_MAX];
            snprintf(name, sizeof(name), "%.*s", (int)tl, tok);
            for (unsigned j = 0; j < n; j++) {
                if (strcmp(names[j], name) == 0) {
                    snprintf(msg, len, "workload '%s' listed twice", name);
                    return -1;
                }
            }
            if (n == cap) {
                snprintf(msg, len, "%s: too many entries (at most %u)", o->key, cap);
                return -1;
            }
            memcpy(names[n++], name, sizeof(name));
        }
        if (n < (unsigned)o->min) {
            snprintf(msg, len, "%s: the list is empty", o->key);
            return -1;
        }
    }
    *count = n;
    return 0;
}

static int scn_set_machine(const struct scn_opt *o, void *s, const char *value, char *msg,
                           size_t len)
{
    unsigned *dst = (unsigned *)(void *)((char *)s + o->offset);
    unsigned m;

    if (strcmp(value, "auto") == 0) {
        *dst = 0;
        return 0;
    }
    m = machine_parse(value);
    if (!m) {
        snprintf(msg, len, "%s: '%s' is not one of auto, pc, q35", o->key, value);
        return -1;
    }
    *dst = m;
    return 0;
}

static const char *const scn_vhost_names[] = {"auto", "on", "off"}; /* enum netns_vhost */

static int scn_set_vhost(const struct scn_opt *o, void *s, const char *value, char *msg, size_t len)
{
    for (unsigned i = 0; i < sizeof(scn_vhost_names) / sizeof(scn_vhost_names[0]); i++) {
        if (strcmp(value, scn_vhost_names[i]) == 0) {
            *(unsigned *)(void *)((char *)s + o->offset) = i;
            return 0;
        }
    }
    snprintf(msg, len, "%s: '%s' is not one of auto, on, off", o->key, value);
    return -1;
}

static const char *const scn_engine_names[] = {"agent", "fio", NULL}; /* enum scenario_engine */
static const char *const scn_bool_names[] = {"no", "yes", NULL};

const char *scenario_engine_name(unsigned engine)
{
    return engine < SCENARIO_ENGINE_COUNT ? scn_engine_names[engine] : "?";
}

/* A value from a fixed list of names (SCN_ENGINE, SCN_BOOL), stored as its index. */
static int scn_set_choice(const struct scn_opt *o, void *s, const char *value, char *msg,
                          size_t len)
{
    const char *const *names = o->type == SCN_ENGINE ? scn_engine_names
                               : o->type == SCN_BOOL ? scn_bool_names
                                                     : scn_choice_names(o);
    char known[SCENARIO_ERR_MAX / 2];
    size_t used = 0;

    for (unsigned i = 0; names[i]; i++) {
        if (strcmp(value, names[i]) == 0) {
            *(unsigned *)(void *)((char *)s + o->offset) = i;
            return 0;
        }
    }
    if (o->type != SCN_CHOICE) {
        snprintf(msg, len, "%s: '%s' is not %s", o->key, value, scn_types[o->type].expect);
        return -1;
    }
    known[0] = '\0';
    for (unsigned i = 0; names[i] && used < sizeof(known); i++) {
        int k = snprintf(known + used, sizeof(known) - used, "%s%s", i ? ", " : "", names[i]);
        used += k > 0 ? (size_t)k : 0;
    }
    snprintf(msg, len, "%s: '%s' is not one of %s", o->key, value, known);
    return -1;
}

/* One device model by name, with the closest one when it is a likely typo. */
static int scn_set_device(const struct scn_opt *o, void *s, const char *value, char *msg,
                          size_t len)
{
    const struct devmodel *m = devmodel_find(value);
    char known[SCENARIO_ERR_MAX / 2];
    const char *near;

    if (m) {
        *(const struct devmodel **)(void *)((char *)s + o->offset) = m;
        return 0;
    }
    scn_join(known, sizeof(known), scn_dev_name, devmodel_count());
    near = scn_closest(value, scn_dev_name, devmodel_count());
    if (near) {
        snprintf(msg, len, "unknown device model '%s' (did you mean '%s'? known: %s)", value, near,
                 known);
    } else {
        snprintf(msg, len, "unknown device model '%s' (known: %s)", value, known);
    }
    return -1;
}

/* Set one option from its text. 0, or -1 with a message (without location) in msg. */
static int scn_apply(const struct scn_opt *o, void *s, const char *value, char *msg, size_t len)
{
    if (value[0] == '\0') {
        snprintf(msg, len, "key '%s' has an empty value (expected %s)", o->key,
                 scn_types[o->type].expect);
        return -1;
    }
    switch (o->type) {
    case SCN_STRING:
        return scn_set_string(o, s, value, msg, len);
    case SCN_UINT:
    case SCN_MIB:
    case SCN_SECONDS:
        return scn_set_number(o, s, value, msg, len);
    case SCN_DEVICES:
    case SCN_WORKLOADS:
        return scn_set_list(o, s, value, msg, len);
    case SCN_MACHINE:
        return scn_set_machine(o, s, value, msg, len);
    case SCN_VHOST:
        return scn_set_vhost(o, s, value, msg, len);
    case SCN_ENGINE:
    case SCN_BOOL:
    case SCN_CHOICE:
        return scn_set_choice(o, s, value, msg, len);
    case SCN_DEVICE:
        return scn_set_device(o, s, value, msg, len);
    case SCN_TEXT:
        if (strlen(value) >= o->size) {
            snprintf(msg, len, "%s: value too long (at most %zu characters)", o->key, o->size - 1);
            return -1;
        }
        memcpy((char *)s + o->offset, value, strlen(value) + 1);
        return 0;
    }
    snprintf(msg, len, "%s: option of unknown type", o->key);
    return -1;
}

/* "unknown key 'x'" with the closest key, or all of them. */
static void scn_unknown_key(const char *key, char *msg, size_t len)
{
    char known[SCENARIO_ERR_MAX - 64];
    const char *near = scn_closest(key, scn_opt_key, SCN_NOPTS);
    size_t used;

    if (!near) {
        near = scn_closest(key, scn_inherit_key, SCENARIO_CK_COUNT);
    }
    if (near) {
        snprintf(msg, len, "unknown key '%s' (did you mean '%s'?)", key, near);
    } else {
        scn_join(known, sizeof(known), scn_opt_key, SCN_NOPTS);
        for (unsigned k = 0; k < SCENARIO_CK_COUNT; k++) {
            used = strlen(known);
            if (scn_cfg_opts[k].flags & SCN_F_INHERIT) {
                snprintf(known + used, sizeof(known) - used, ", %s", scn_cfg_opts[k].key);
            }
        }
        snprintf(msg, len, "unknown key '%s' (known keys: %s)", key, known);
    }
}

/* Every option at its default. 0, or -1 if a default in the table does not parse. */
static int scn_defaults(struct scenario *s, char *msg, size_t len)
{
    memset(s, 0, sizeof(*s));
    for (unsigned i = 0; i < SCN_NOPTS; i++) {
        if (scn_opts[i].def && scn_apply(&scn_opts[i], s, scn_opts[i].def, msg, len) < 0) {
            return -1;
        }
    }
    for (unsigned i = 0; i < SCENARIO_CK_COUNT; i++) {
        const struct scn_opt *o = &scn_cfg_opts[i];
        if (o->def && scn_apply(o, &s->base, o->def, msg, len) < 0) {
            return -1;
        }
    }
    return 0;
}

/* A section's keys at their defaults (a workload's; a configuration inherits instead). */
static int scn_wl_defaults(struct scenario_workload *w, char *msg, size_t len)
{
    for (unsigned i = 0; i < SCENARIO_WK_COUNT; i++) {
        const struct scn_opt *o = &scn_wl_opts[i];
        if (o->def && scn_apply(o, w, o->def, msg, len) < 0) {
            return -1;
        }
    }
    return 0;
}

/* The index of key in a table of n options, or -1. */
static int scn_table_index(const struct scn_opt *t, unsigned n, const char *key)
{
    for (unsigned i = 0; i < n; i++) {
        if (strcmp(t[i].key, key) == 0) {
            return (int)i;
        }
    }
    return -1;
}

/*
 * Open a [config NAME] or [workload NAME] section (kind "config" / "workload") in s.
 * The new section, or NULL with msg.
 */
static void *scn_open_section(struct scenario *s, const char *kind, const char *name, int line,
                              char *msg, size_t len)
{
    int cfg = strcmp(kind, "config") == 0;

    if (!scn_name_ok(name) || strlen(name) >= SCENARIO_NAME_MAX) {
        snprintf(msg, len,
                 "[%s %s]: a name of 1..%d letters, digits, '_', '.' and '-' (not "
                 "first)",
                 kind, name, SCENARIO_NAME_MAX - 1);
        return NULL;
    }
    if (cfg) {
        struct scenario_config *c;
        for (unsigned i = 0; i < s->n_sections; i++) {
            if (strcmp(s->sections[i].name, name) == 0) {
                snprintf(msg, len, "two configurations are named '%s' (first on line %d)", name,
                         s->sections[i].line);
                return NULL;
            }
        }
        if (s->n_sections == SCENARIO_MAX_SECTIONS) {
            snprintf(msg, len, "more than %d [config] sections", SCENARIO_MAX_SECTIONS);
            return NULL;
        }
        c = &s->sections[s->n_sections++];
        memset(c, 0, sizeof(*c));
        memcpy(c->name, name, strlen(name) + 1);
        c->line = line;
        return c;
    } else {
        struct scenario_workload *w;
        for (unsigned i = 0; i < s->n_custom; i++) {
            if (strcmp(s->custom[i].name, name) == 0) {
                snprintf(msg, len, "two workloads are named '%s' (first on line %d)", name,
                         s->custom[i].line);
                return NULL;
            }
        }
        if (workload_find(name)) {
            snprintf(msg, len, "[workload %s]: a preset has that name; choose another", name);
            return NULL;
        }
        if (s->n_custom == SCENARIO_MAX_WORKLOADS) {
            snprintf(msg, len, "more than %d [workload] sections", SCENARIO_MAX_WORKLOADS);
            return NULL;
        }
        w = &s->custom[s->n_custom++];
        memset(w, 0, sizeof(*w));
        memcpy(w->name, name, strlen(name) + 1);
        w->line = line;
        if (scn_wl_defaults(w, msg, len) < 0) {
            return NULL;
        }
        return w;
    }
}

/* "unknown key" for a section's table, with the closest key. */
static const struct scn_opt *scn_near_table;
static const char *scn_near_key(unsigned i)
{
    return scn_near_table[i].key;
}

static void scn_unknown_section_key(const char *section, const struct scn_opt *t, unsigned n,
                                    const char *key, char *msg, size_t len)
{
    char known[SCENARIO_ERR_MAX / 2];
    const char *near;

    scn_near_table = t;
    near = scn_closest(key, scn_near_key, n);
    if (near) {
        snprintf(msg, len, "unknown key '%s' in [%s] (did you mean '%s'?)", key, section, near);
    } else {
        scn_join(known, sizeof(known), scn_near_key, n);
        snprintf(msg, len, "unknown key '%s' in [%s] (known keys: %s)", key, section, known);
    }
}

/*
 * Set key = value of a [config] (cfg) or [workload] (wl) section. line: where it was given
 * (0 from --set). 0, or -1 with msg.
 */
static int scn_section_key(struct scenario_config *cfg, struct scenario_workload *wl,
                           const char *key, const char *value, int line, char *msg, size_t len)
{
    char section[SCENARIO_NAME_MAX + 16];
    int i;

    if (cfg) {
        snprintf(section, sizeof(section), "config %s", cfg->name);
        i = scn_table_index(scn_cfg_opts, SCENARIO_CK_COUNT, key);
        if (i < 0) {
            scn_unknown_section_key(section, scn_cfg_opts, SCENARIO_CK_COUNT, key, msg, len);
            return -1;
        }
        if (line && cfg->key_line[i]) {
            snprintf(msg, len, "key '%s' given twice (first on line %d)", key, cfg->key_line[i]);
            return -1;
        }
        if (scn_apply(&scn_cfg_opts[i], cfg, value, msg, len) < 0) {
            return -1;
        }
        cfg->explicit_keys |= 1u << i;
        cfg->key_line[i] = line ? line : cfg->key_line[i];
        return 0;
    }
    snprintf(section, sizeof(section), "workload %s", wl->name);
    i = scn_table_index(scn_wl_opts, SCENARIO_WK_COUNT, key);
    if (i < 0) {
        scn_unknown_section_key(section, scn_wl_opts, SCENARIO_WK_COUNT, key, msg, len);
        return -1;
    }
    if (line && wl->key_line[i]) {
        snprintf(msg, len, "key '%s' given twice (first on line %d)", key, wl->key_line[i]);
        return -1;
    }
    if (scn_apply(&scn_wl_opts[i], wl, value, msg, len) < 0) {
        return -1;
    }
    /* --set: a key with no line of its own still counts as given (-1: not a file line) */
    wl->key_line[i] = line ? line : (wl->key_line[i] ? wl->key_line[i] : -1);
    return 0;
}

/* The default name: the file's base name without ".ini", made a valid name. */
static void scn_default_name(struct scenario *s, const char *file)
{
    const char *base = strrchr(file, '/');
    size_t n, i;

    base = base ? base + 1 : file;
    n = strlen(base);
    if (n > 4 && strcmp(base + n - 4, ".ini") == 0) {
        n -= 4;
    }
    if (n >= sizeof(s->name)) {
        n = sizeof(s->name) - 1;
    }
    for (i = 0; i < n; i++) {
        char c = base[i];
        int ok = isalnum((unsigned char)c) || c == '_' || (i > 0 && (c == '.' || c == '-'));
        s->name[i] = ok ? c : '_';
    }
    s->name[i] = '\0';
    if (i == 0) {
        scn_copy(s->name, sizeof(s->name), "scenario");
    }
}

/* ---- rules across keys and machine resolution -------------------------------------------- */

/*
 * Rules that tie keys together. 0, or -1 with a message and *blame set to the key at
 * fault (its line is the one to report).
 */
int scenario_cpu_set(const char *list, cpu_set_t *set)
{
    const char *p = list;

    CPU_ZERO(set);
    if (!*p) {
        return -1;
    }
    while (*p) {
        char *end;
        unsigned long a = strtoul(p, &end, 10), b;

        if (end == p || a >= CPU_SETSIZE) {
            return -1;
        }
        b = a;
        if (*end == '-') {
            p = end + 1;
            b = strtoul(p, &end, 10);
            if (end == p || b >= CPU_SETSIZE || b < a) {
                return -1;
            }
        }
        for (unsigned long c = a; c <= b; c++) {
            CPU_SET(c, set);
        }
        if (*end == ',') {
            end++;
            if (!*end) {
                return -1;
            }
        } else if (*end) {
            return -1;
        }
        p = end;
    }
    return 0;
}

static int scn_check(const struct scenario *s, char *msg, size_t len, const char **blame)
{
    cpu_set_t set;

    if (s->pin_vcpus[0] && scenario_cpu_set(s->pin_vcpus, &set) < 0) {
        *blame = "pin_vcpus";
        snprintf(msg, len, "pin_vcpus: '%s' is not a CPU list (e.g. 1, 0-1, 0,2)", s->pin_vcpus);
        return -1;
    }
    if (s->pin_io[0] && scenario_cpu_set(s->pin_io, &set) < 0) {
        *blame = "pin_io";
        snprintf(msg, len, "pin_io: '%s' is not a CPU list (e.g. 0, 0-1, 0,2)", s->pin_io);
        return -1;
    }
    if (s->engine == SCENARIO_ENGINE_FIO && s->memory_mib < SCENARIO_FIO_MIN_MEMORY_MIB) {
        *blame = "engine";
        snprintf(msg, len,
                 "engine = fio needs memory >= %u MiB (memory = %u): the fio guest image unpacks "
                 "~90 MiB of libraries into RAM",
                 SCENARIO_FIO_MIN_MEMORY_MIB, s->memory_mib);
        return -1;
    }
    if (s->machine != 0 && s->machine != MACHINE_PC && s->machine != MACHINE_Q35) {
        *blame = "machine";
        snprintf(msg, len, "machine: unknown machine type %u", s->machine);
        return -1;
    }
    return 0;
}

/* Where a problem with key k of configuration c is: its own line, its [scenario] line, its
 * section's header. */
static int scn_cfg_line(const struct scenario *s, const struct scenario_config *c, unsigned k)
{
    if (c->key_line[k]) {
        return c->key_line[k];
    }
    if (s->base.key_line[k]) {
        return s->base.key_line[k];
    }
    return c->line;
}

/* Every key c does not set itself taken from the [scenario] section (s->base) into *out. */
static void scn_inherit(const struct scenario *s, const struct scenario_config *c,
                        struct scenario_config *out)
{
    *out = *c;
    for (unsigned k = 0; k < SCENARIO_CK_COUNT; k++) {
        const struct scn_opt *o = &scn_cfg_opts[k];
        if (k == SCENARIO_CK_DEVICE || k == SCENARIO_CK_MATRIX || (c->explicit_keys & (1u << k))) {
            continue;
        }
        memcpy((char *)out + o->offset, (const char *)&s->base + o->offset, o->size);
    }
    out->explicit_keys = c->explicit_keys | (s->base.explicit_keys & ~(1u << SCENARIO_CK_MATRIX));
    out->matrix[0] = '\0';
}

#define SCN_MATRIX_AXES 4
#define SCN_MATRIX_VALUES 8

struct scn_axis {
    unsigned key; /* enum scenario_config_key */
    unsigned n;
    char values[SCN_MATRIX_VALUES][SCN_TOKEN_MAX];
};

/*
 * "aio: native io_uring x iothread: yes no" into axes: "x" between axes, "key:" opens one
 * ("key:value" too). 0, or -1 with msg.
 */
static int scn_matrix_parse(const char *text, struct scn_axis *ax, unsigned *nax, char *msg,
                            size_t len)
{
    const char *p = text;
    struct scn_axis *cur = NULL;

    *nax = 0;
    for (;;) {
        char tok[SCN_TOKEN_MAX], *colon;
        size_t n;
        int i;

        while (isspace((unsigned char)*p)) {
            p++;
        }
        if (!*p) {
            break;
        }
        n = strcspn(p, " \t");
        if (n >= sizeof(tok)) {
            snprintf(msg, len, "matrix: '%.*s' is too long", (int)n, p);
            return -1;
        }
        memcpy(tok, p, n);
        tok[n] = '\0';
        p += n;
        if (strcmp(tok, "x") == 0) {
            if (!cur || cur->n == 0) {
                snprintf(msg, len, "matrix: 'x' must stand between 'key: values' groups");
                return -1;
            }
            cur = NULL;
            continue;
        }
        colon = strchr(tok, ':');
        if (!cur) {
            if (!colon) {
                snprintf(msg, len, "matrix: expected 'key: values', got '%s'", tok);
                return -1;
            }
            *colon = '\0';
            i = -1;
            for (unsigned k = 0; k < SCENARIO_CK_COUNT; k++) {
                if (strcmp(scn_cfg_opts[k].key, tok) == 0) {
                    i = (int)k;
                }
            }
            if (i < 0 || i == SCENARIO_CK_MATRIX || i == SCENARIO_CK_DEVICE_OPTIONS ||
                i == SCENARIO_CK_QEMU || i == SCENARIO_CK_KERNEL) {
                snprintf(msg, len,
                         "matrix: '%s' is not a key a matrix can vary (device, machine, vcpus, "
                         "memory, aio, cache, iothread, format, preallocation, discard, queues, "
                         "vhost, disk_iops_limit)",
                         tok);
                return -1;
            }
            for (unsigned a = 0; a < *nax; a++) {
                if (ax[a].key == (unsigned)i) {
                    snprintf(msg, len, "matrix: key '%s' given twice", tok);
                    return -1;
                }
            }
            if (*nax == SCN_MATRIX_AXES) {
                snprintf(msg, len, "matrix: at most %d keys", SCN_MATRIX_AXES);
                return -1;
            }
            cur = &ax[(*nax)++];
            cur->key = (unsigned)i;
            cur->n = 0;
            memmove(tok, colon + 1, strlen(colon + 1) + 1);
            if (!tok[0]) {
                continue;
            }
        } else if (colon) {
            snprintf(msg, len, "matrix: 'x' missing before '%s'", tok);
            return -1;
        }
        for (unsigned v = 0; v < cur->n; v++) {
            if (strcmp(cur->values[v], tok) == 0) {
                snprintf(msg, len, "matrix: %s value '%s' given twice", scn_cfg_opts[cur->key].key,
                         tok);
                return -1;
            }
        }
        if (cur->n == SCN_MATRIX_VALUES) {
            snprintf(msg, len, "matrix: at most %d values per key", SCN_MATRIX_VALUES);
            return -1;
        }
        snprintf(cur->values[cur->n++], SCN_TOKEN_MAX, "%s", tok);
    }
    if (*nax == 0 || !cur || cur->n == 0) {
        snprintf(msg, len, "matrix: expected 'key: values [x key: values]...'");
        return -1;
    }
    return 0;
}

/* A configuration name: letters, digits, '_', '.', '-', not starting with '.' or '-'. */
static int scn_name_ok(const char *n)
{
    if (!n[0] || n[0] == '.' || n[0] == '-') {
        return 0;
    }
    for (const char *q = n; *q; q++) {
        if (!isalnum((unsigned char)*q) && !strchr("_.-", *q)) {
            return 0;
        }
    }
    return 1;
}

/* Append one configuration (resolved); duplicates and the cap are refused. 0 or -1. */
static int scn_add_config(struct scenario *s, const struct scenario_config *c, char *msg,
                          size_t len, int *line)
{
    for (unsigned i = 0; i < s->n_configs; i++) {
        if (strcmp(s->configs[i].name, c->name) == 0) {
            *line = c->line ? c->line : s->configs[i].line;
            snprintf(msg, len, "two configurations are named '%s'", c->name);
            return -1;
        }
    }
    if (s->n_configs >= s->max_configs) {
        *line = c->line;
        snprintf(msg, len, "more than max_configs = %u configurations (at %s)", s->max_configs,
                 c->name);
        return -1;
    }
    s->configs[s->n_configs++] = *c;
    return 0;
}

/* A section's configurations: itself, or one per combination of its matrix. 0 or -1. */
static int scn_expand(struct scenario *s, const struct scenario_config *sec, char *msg, size_t len,
                      int *line)
{
    struct scn_axis ax[SCN_MATRIX_AXES];
    struct scenario_config c, r;
    unsigned nax = 0, total = 1, at;
    char vmsg[SCENARIO_ERR_MAX];

    *line = sec->key_line[SCENARIO_CK_MATRIX];
    if (sec->matrix[0]) {
        if (scn_matrix_parse(sec->matrix, ax, &nax, msg, len) < 0) {
            return -1;
        }
        for (unsigned a = 0; a < nax; a++) {
            if (sec->explicit_keys & (1u << ax[a].key)) {
                snprintf(msg, len, "matrix varies '%s', which [config %s] sets too (line %d)",
                         scn_cfg_opts[ax[a].key].key, sec->name, sec->key_line[ax[a].key]);
                return -1;
            }
            total *= ax[a].n;
        }
        if (s->n_configs + total > s->max_configs) {
            snprintf(msg, len,
                     "matrix of [config %s] makes %u configurations, %u in all: more than "
                     "max_configs = %u",
                     sec->name, total, s->n_configs + total, s->max_configs);
            return -1;
        }
    }
    for (unsigned i = 0; i < total; i++) {
        size_t used;
        c = *sec;
        at = i;
        for (unsigned a = nax; a-- > 0;) {
            unsigned v = at % ax[a].n;
            const struct scn_opt *o = &scn_cfg_opts[ax[a].key];
            at /= ax[a].n;
            if (scn_apply(o, &c, ax[a].values[v], vmsg, sizeof(vmsg)) < 0) {
                snprintf(msg, len, "matrix: %s", vmsg);
                return -1;
            }
            c.explicit_keys |= 1u << ax[a].key;
            c.key_line[ax[a].key] = sec->key_line[SCENARIO_CK_MATRIX];
        }
        /* NAME-key_value-key_value, axes in the order given */
        used = strlen(sec->name);
        for (unsigned a = 0; a < nax; a++) {
            unsigned v = i;
            for (unsigned b = nax; --b > a;) {
                v /= ax[b].n;
            }
            v %= ax[a].n;
            int n = snprintf(c.name + used, sizeof(c.name) - used, "-%s_%s",
                             scn_cfg_opts[ax[a].key].key, ax[a].values[v]);
            if (n < 0 || (size_t)n >= sizeof(c.name) - used) {
                snprintf(msg, len,
                         "matrix: the name of [config %s]'s combination %u is longer "
                         "than %d characters",
                         sec->name, i + 1, SCENARIO_NAME_MAX - 1);
                return -1;
            }
            used += (size_t)n;
        }
        if (!scn_name_ok(c.name)) {
            snprintf(msg, len,
                     "matrix: '%s' is not a usable configuration name (letters, digits, "
                     "'_', '.', '-')",
                     c.name);
            return -1;
        }
        scn_inherit(s, &c, &r);
        if (scn_add_config(s, &r, msg, len, line) < 0) {
            return -1;
        }
    }
    return 0;
}

/* One configuration's own rules: a device, options it can take. 0 or -1 with *line. */
static int scn_check_config(const struct scenario *s, const struct scenario_config *c, char *msg,
                            size_t len, int *line)
{
    char why[SCENARIO_ERR_MAX / 2];
    const char *key = NULL;

    if (!c->dev) {
        *line = c->line;
        snprintf(msg, len, "[config %s] has no device key", c->name);
        return -1;
    }
    if (devopts_check(&c->opts, c->dev, why, sizeof(why), &key) < 0) {
        for (unsigned k = 0; k < SCENARIO_CK_COUNT; k++) {
            if (key && strcmp(scn_cfg_opts[k].key, key) == 0) {
                *line = scn_cfg_line(s, c, k);
            }
        }
        snprintf(msg, len, "config '%s': %s", c->name, why);
        return -1;
    }
    /* [scenario]'s limit applies to the disks only; a NIC's own one is a mistake */
    if (c->dev->kind != DEVMODEL_BLK && c->disk_iops_limit != s->disk_iops_limit) {
        *line = scn_cfg_line(s, c, SCENARIO_CK_DISK_IOPS_LIMIT);
        snprintf(msg, len, "config '%s': disk_iops_limit is for block devices (%s has no disk)",
                 c->name, c->dev->name);
        return -1;
    }
    /* the guest's virtio-net driver and the agent use one queue pair per vCPU at most */
    if (c->dev->kind == DEVMODEL_NET && c->opts.queues > c->vcpus) {
        *line = scn_cfg_line(s, c, SCENARIO_CK_QUEUES);
        snprintf(msg, len,
                 "config '%s': queues = %u is more than its vcpus = %u (a NIC's queue pair "
                 "needs a vCPU of its own to run in parallel)",
                 c->name, c->opts.queues, c->vcpus);
        return -1;
    }
    if (s->engine == SCENARIO_ENGINE_FIO && c->memory_mib < SCENARIO_FIO_MIN_MEMORY_MIB) {
        *line = scn_cfg_line(s, c, SCENARIO_CK_MEMORY);
        snprintf(msg, len, "config '%s': engine = fio needs memory >= %u MiB (memory = %u)",
                 c->name, SCENARIO_FIO_MIN_MEMORY_MIB, c->memory_mib);
        return -1;
    }
    return 0;
}

/* Custom workload names next to the presets', for lookups and messages. */
static const struct scenario *scn_names_of; /* scn_resolve's scenario, while it runs */

static const char *scn_any_wl_name(unsigned i)
{
    unsigned np = workload_count();

    return i < np ? workload_at(i)->name : scn_names_of->custom[i - np].name;
}

/* A [workload NAME] with fio_job: the file checked, the workload its first job's. 0 or -1. */
static int scn_finish_fio_workload(const char *path, struct scenario_workload *cw, char *msg,
                                   size_t len, int *line)
{
    struct workload *w = &cw->w;
    struct fiofile f;
    char m[SCENARIO_ERR_MAX];

    *line = cw->key_line[SCENARIO_WK_FIO_JOB];
    for (unsigned k = 0; k < SCENARIO_WK_COUNT; k++) {
        /* runtime and warmup are the job line's, which sets fio's runtime and ramp_time */
        if (k != SCENARIO_WK_FIO_JOB && k != SCENARIO_WK_RUNTIME && k != SCENARIO_WK_WARMUP &&
            cw->key_line[k]) {
            *line = cw->key_line[k] > 0 ? cw->key_line[k] : *line;
            snprintf(msg, len, "[workload %s]: %s with fio_job: the job file says it; remove it",
                     cw->name, scn_wl_opts[k].key);
            return -1;
        }
    }
    if (fiofile_for_scenario(path, cw->fio_job, &f, cw->fiojob_hex, sizeof(cw->fiojob_hex), m,
                             sizeof(m)) < 0) {
        snprintf(msg, len, "[workload %s]: %s", cw->name, m);
        return -1;
    }
    memset(w, 0, sizeof(*w));
    snprintf(cw->rw, sizeof(cw->rw), "%s", f.rw);
    w->name = cw->name;
    w->kind = DEVMODEL_BLK;
    w->rw = cw->rw;
    w->bs = f.bs;
    w->qd = f.iodepth;
    w->metric = workload_metric_for(DEVMODEL_BLK, cw->rw, f.iodepth);
    /* a copy: snprintf's source and target must not overlap (both are in *s) */
    memcpy(m, cw->fio_job, sizeof(cw->fio_job));
    snprintf(cw->summary, sizeof(cw->summary), "fio job file %.40s: %u job%s (scenario's own)", m,
             f.jobs, f.jobs == 1 ? "" : "s");
    w->summary = cw->summary;
    return 0;
}

/* A [workload NAME] section into its struct workload. 0, or -1 with msg and *line. */
static int scn_finish_workload(const char *path, struct scenario_workload *cw, unsigned disk_mib,
                               char *msg, size_t len, int *line)
{
    struct workload *w = &cw->w;
    enum devmodel_kind kind;
    char rw[sizeof(cw->rw)];

    if (cw->key_line[SCENARIO_WK_FIO_JOB]) {
        return scn_finish_fio_workload(path, cw, msg, len, line);
    }
    *line = cw->key_line[SCENARIO_WK_RW] ? cw->key_line[SCENARIO_WK_RW] : cw->line;
    if (!cw->rw[0]) {
        snprintf(msg, len, "[workload %s] has no rw key", cw->name);
        return -1;
    }
    if (workload_rw_kind(cw->rw, &kind) < 0) {
        snprintf(msg, len, "[workload %s]: rw '%s' is not one of %s", cw->name, cw->rw,
                 workload_rw_names());
        return -1;
    }
    if (cw->streams > 1 && (kind != DEVMODEL_NET || strcmp(cw->rw, "udp_pps") == 0)) {
        *line = cw->key_line[SCENARIO_WK_STREAMS];
        snprintf(msg, len, "[workload %s]: streams is for TCP workloads (%s)", cw->name,
                 kind == DEVMODEL_NET ? "udp_pps sends from one socket" : "block: numjobs");
        return -1;
    }
    if (!cw->key_line[SCENARIO_WK_BS]) {
        cw->bs = kind == DEVMODEL_NET ? (strcmp(cw->rw, "udp_pps") == 0  ? 64
                                         : strcmp(cw->rw, "tcp_rr") == 0 ? 1
                                                                         : 128 * 1024)
                                      : 4096;
    }
    *line = cw->key_line[SCENARIO_WK_BS] ? cw->key_line[SCENARIO_WK_BS] : cw->line;
    if (kind == DEVMODEL_BLK && cw->bs % 512 != 0) {
        snprintf(msg, len, "[workload %s]: bs = %u is not a multiple of 512 (O_DIRECT)", cw->name,
                 cw->bs);
        return -1;
    }
    if (kind == DEVMODEL_NET && strcmp(cw->rw, "udp_pps") == 0 && (cw->bs < 16 || cw->bs > 1472)) {
        snprintf(msg, len,
                 "[workload %s]: udp_pps needs bs 16..1472 (header, one 1500-byte "
                 "frame)",
                 cw->name);
        return -1;
    }
    if (kind == DEVMODEL_NET && cw->iodepth != 1) {
        *line = cw->key_line[SCENARIO_WK_IODEPTH];
        snprintf(msg, len, "[workload %s]: iodepth is for block workloads", cw->name);
        return -1;
    }
    if (kind == DEVMODEL_NET && cw->numjobs > 1) {
        *line = cw->key_line[SCENARIO_WK_NUMJOBS];
        snprintf(msg, len, "[workload %s]: numjobs is for block workloads (network: streams)",
                 cw->name);
        return -1;
    }
    if (cw->key_line[SCENARIO_WK_RWMIXREAD] && strcmp(cw->rw, "randrw") != 0) {
        *line = cw->key_line[SCENARIO_WK_RWMIXREAD];
        snprintf(msg, len, "[workload %s]: rwmixread is for rw = randrw", cw->name);
        return -1;
    }
    for (unsigned k = SCENARIO_WK_SIZE; k <= SCENARIO_WK_OFFSET; k++) {
        if (kind == DEVMODEL_NET && cw->key_line[k]) {
            *line = cw->key_line[k];
            snprintf(msg, len, "[workload %s]: %s is for block workloads", cw->name,
                     scn_wl_opts[k].key);
            return -1;
        }
    }
    /* the scratch disk's size is known here: a region beyond it fails before any boot */
    if (kind == DEVMODEL_BLK && (cw->offset_mib || cw->size_mib) &&
        (unsigned long long)cw->offset_mib + (cw->size_mib ? cw->size_mib : 1) > disk_mib) {
        *line = cw->key_line[SCENARIO_WK_OFFSET] ? cw->key_line[SCENARIO_WK_OFFSET]
                                                 : cw->key_line[SCENARIO_WK_SIZE];
        snprintf(msg, len,
                 "[workload %s]: offset %u MiB + size %u MiB lies beyond the %u MiB disk "
                 "(disk_size)",
                 cw->name, cw->offset_mib, cw->size_mib, disk_mib);
        return -1;
    }
    memset(w, 0, sizeof(*w));
    w->name = cw->name;
    w->kind = kind;
    w->rw = cw->rw;
    w->bs = cw->bs;
    w->qd = cw->iodepth;
    w->rwmixread = cw->rwmixread;
    w->offset_mib = cw->offset_mib;
    w->size_mib = cw->size_mib;
    w->numjobs = cw->numjobs;
    w->streams = cw->streams;
    w->metric = workload_metric_for(kind, cw->rw, cw->iodepth);
    memcpy(rw, cw->rw, sizeof(rw)); /* a copy: snprintf's source and target must not overlap */
    if (kind == DEVMODEL_BLK) {
        snprintf(cw->summary, sizeof(cw->summary), "%s, %u-byte blocks, QD %u%s (scenario's own)",
                 rw, cw->bs, cw->iodepth,
                 cw->numjobs > 1 ? ", several submitters (numjobs)" : "");
    } else {
        snprintf(cw->summary, sizeof(cw->summary), "%s, %u-byte messages%s (scenario's own)", rw,
                 cw->bs, cw->streams > 1 ? ", parallel streams" : "");
    }
    w->summary = cw->summary;
    return 0;
}

/* The workloads = names (or every [workload] section) into s->workloads. 0 or -1. */
static int scn_resolve_workloads(struct scenario *s, char *msg, size_t len, const char **blame,
                                 int *line)
{
    char known[SCENARIO_ERR_MAX / 2];
    unsigned np = workload_count(), nall = np + s->n_custom;

    for (unsigned i = 0; i < s->n_custom; i++) {
        if (scn_finish_workload(s->path, &s->custom[i], s->disk_mib, msg, len, line) < 0) {
            return -1;
        }
        if (s->custom[i].fiojob_hex[0] && s->engine != SCENARIO_ENGINE_FIO) {
            *line = s->custom[i].key_line[SCENARIO_WK_FIO_JOB];
            snprintf(msg, len, "[workload %s]: fio_job runs fio in the guest: set engine = fio",
                     s->custom[i].name);
            return -1;
        }
    }
    *line = 0;
    s->n_workloads = 0;
    if (s->n_workload_names == 0) {
        for (unsigned i = 0; i < s->n_custom && i < SCENARIO_MAX_WORKLOADS; i++) {
            s->workloads[s->n_workloads++] = &s->custom[i].w;
        }
        return 0;
    }
    scn_names_of = s;
    for (unsigned i = 0; i < s->n_workload_names; i++) {
        const char *name = s->workload_names[i], *near;
        const struct workload *w = NULL;
        for (unsigned c = 0; c < s->n_custom && !w; c++) {
            if (strcmp(s->custom[c].name, name) == 0) {
                w = &s->custom[c].w;
            }
        }
        if (!w) {
            w = workload_find(name);
        }
        if (!w) {
            *blame = "workloads";
            scn_join(known, sizeof(known), scn_any_wl_name, nall);
            near = scn_closest(name, scn_any_wl_name, nall);
            if (near) {
                snprintf(msg, len, "unknown workload '%s' (did you mean '%s'? known: %s)", name,
                         near, known);
            } else {
                snprintf(msg, len, "unknown workload '%s' (known: %s)", name, known);
            }
            return -1;
        }
        s->workloads[s->n_workloads++] = w;
    }
    return 0;
}

/* Does the scenario have a configuration of this kind? */
static int scn_has_config_kind(const struct scenario *s, enum devmodel_kind kind)
{
    for (unsigned i = 0; i < s->n_configs; i++) {
        if (s->configs[i].dev->kind == kind) {
            return 1;
        }
    }
    return 0;
}

/*
 * Everything derived: workloads, configurations (devices and sections, matrices expanded,
 * options inherited), devices[] and the machine of each guest. 0, or -1 with a message and
 * either *line or *blame (the [scenario] key at fault) set.
 */
static int scn_resolve_all(struct scenario *s, char *msg, size_t len, const char **blame, int *line)
{
    unsigned common = MACHINE_PC | MACHINE_Q35;
    char known[SCENARIO_ERR_MAX / 2];
    struct scenario_config r;

    *line = 0;
    *blame = NULL;
    if (scn_check(s, msg, len, blame) < 0) {
        return -1;
    }
    if (s->n_shorthand == 0 && s->n_sections == 0) {
        scn_join(known, sizeof(known), scn_dev_name, devmodel_count());
        snprintf(msg, len, "missing required key 'devices' (one or more of: %s)", known);
        return -1;
    }
    if (s->n_workload_names == 0 && s->n_custom == 0) {
        scn_join(known, sizeof(known), scn_wl_name, workload_count());
        snprintf(msg, len, "missing required key 'workloads' (one or more of: %s)", known);
        return -1;
    }
    if (scn_resolve_workloads(s, msg, len, blame, line) < 0) {
        return -1;
    }
    /* what configurations inherit from [scenario] */
    s->base.machine = s->machine;
    s->base.vcpus = s->vcpus;
    s->base.memory_mib = s->memory_mib;
    s->base.vhost = s->vhost;
    s->base.disk_iops_limit = s->disk_iops_limit;
    s->n_configs = 0;
    for (unsigned i = 0; i < s->n_shorthand; i++) {
        struct scenario_config c;
        memset(&c, 0, sizeof(c));
        snprintf(c.name, sizeof(c.name), "%s", s->shorthand[i]->name);
        c.dev = s->shorthand[i];
        scn_inherit(s, &c, &r);
        if (scn_add_config(s, &r, msg, len, line) < 0) {
            *blame = "devices";
            return -1;
        }
    }
    for (unsigned i = 0; i < s->n_sections; i++) {
        if (!s->sections[i].dev &&
            !(s->sections[i].matrix[0] && strstr(s->sections[i].matrix, "device"))) {
            *line = s->sections[i].line;
            snprintf(msg, len, "[config %s] has no device key", s->sections[i].name);
            return -1;
        }
        if (scn_expand(s, &s->sections[i], msg, len, line) < 0) {
            return -1;
        }
    }
    for (unsigned i = 0; i < s->n_configs; i++) {
        if (scn_check_config(s, &s->configs[i], msg, len, line) < 0) {
            return -1;
        }
        s->devices[i] = s->configs[i].dev;
    }
    s->n_devices = s->n_configs;
    for (unsigned i = 0; i < s->n_workloads; i++) {
        const struct workload *w = s->workloads[i];
        if (!scn_has_config_kind(s, w->kind)) {
            *blame = "workloads";
            snprintf(msg, len, "workload %s needs a %s device, but devices lists none", w->name,
                     devmodel_kind_name(w->kind));
            return -1;
        }
    }
    for (unsigned i = 0; i < s->n_configs; i++) {
        const struct devmodel *d = s->configs[i].dev;
        int found = 0;
        for (unsigned j = 0; j < s->n_workloads; j++) {
            found |= s->workloads[j]->kind == d->kind;
        }
        if (!found) {
            *blame = "devices";
            *line = s->configs[i].line;
            snprintf(msg, len, "device '%s' is a %s device, but workloads lists no %s workload",
                     d->name, devmodel_kind_name(d->kind), devmodel_kind_name(d->kind));
            return -1;
        }
    }
    for (unsigned i = 0; i < s->n_configs; i++) {
        const struct scenario_config *c = &s->configs[i];
        if (c->machine && !(c->dev->machines & c->machine)) {
            *blame = "machine";
            *line = c->line ? scn_cfg_line(s, c, SCENARIO_CK_MACHINE) : 0;
            snprintf(msg, len, "device '%s' needs machine %s, but machine = %s", c->dev->name,
                     scn_machines_text(c->dev->machines), machine_name(c->machine));
            return -1;
        }
        if (!c->machine) {
            common &= c->dev->machines;
        }
    }
    for (unsigned i = 0; i < s->n_configs; i++) {
        const struct scenario_config *c = &s->configs[i];
        if (c->machine) {
            s->device_machine[i] = (enum machine_type)c->machine;
        } else if (common) {
            /* one machine for every guest keeps the comparison fair; pc when possible */
            s->device_machine[i] = (common & MACHINE_PC) ? MACHINE_PC : MACHINE_Q35;
        } else {
            s->device_machine[i] = devmodel_default_machine(c->dev);
        }
    }
    if (s->reference[0] && !scenario_config_find(s, s->reference)) {
        *blame = "reference";
        snprintf(msg, len, "reference: no configuration is named '%s'", s->reference);
        return -1;
    }
    return 0;
}

const struct scenario_config *scenario_config_find(const struct scenario *s, const char *name)
{
    for (unsigned i = 0; i < s->n_configs; i++) {
        if (strcmp(s->configs[i].name, name) == 0) {
            return &s->configs[i];
        }
    }
    return NULL;
}

/* Repoint what points into the scenario itself (custom workloads) after a copy. */
static void scn_fix_pointers(struct scenario *dst, const struct scenario *src)
{
    for (unsigned i = 0; i < dst->n_custom; i++) {
        dst->custom[i].w.name = dst->custom[i].name;
        dst->custom[i].w.rw = dst->custom[i].rw;
        dst->custom[i].w.summary = dst->custom[i].summary;
    }
    for (unsigned i = 0; i < dst->n_workloads; i++) {
        for (unsigned c = 0; c < src->n_custom; c++) {
            if (src->workloads[i] == &src->custom[c].w) {
                dst->workloads[i] = &dst->custom[c].w;
            }
        }
    }
}

/* The [workload] section w came from, or NULL (a preset). */
static const struct scenario_workload *scn_custom_of(const struct scenario *s,
                                                     const struct workload *w)
{
    for (unsigned i = 0; i < s->n_custom; i++) {
        if (w == &s->custom[i].w) {
            return &s->custom[i];
        }
    }
    return NULL;
}

const char *scenario_fiojob(const struct scenario *s, const struct workload *w)
{
    const struct scenario_workload *cw = scn_custom_of(s, w);

    return cw && cw->fiojob_hex[0] ? cw->fiojob_hex : NULL;
}

double scenario_runtime_s(const struct scenario *s, const struct workload *w)
{
    const struct scenario_workload *cw = scn_custom_of(s, w);

    return cw && cw->key_line[SCENARIO_WK_RUNTIME] ? cw->runtime_s : s->runtime_s;
}

double scenario_warmup_s(const struct scenario *s, const struct workload *w)
{
    const struct scenario_workload *cw = scn_custom_of(s, w);

    /* warmup 0 is a value of its own: only the key's line tells it was given */
    return cw && cw->key_line[SCENARIO_WK_WARMUP] ? cw->warmup_s : s->warmup_s;
}

void scenario_copy(struct scenario *dst, const struct scenario *src)
{
    if (dst != src) {
        memcpy(dst, src, sizeof(*dst));
        scn_fix_pointers(dst, src);
    }
}

int scenario_resolve(struct scenario *s, char *err, size_t errlen)
{
    char msg[SCENARIO_ERR_MAX];
    const char *blame;
    int line;

    if (scn_resolve_all(s, msg, sizeof(msg), &blame, &line) < 0) {
        if (err && errlen) {
            snprintf(err, errlen, "%s", msg);
        }
        return -1;
    }
    return 0;
}

/* The [config] key a [scenario] section may give for every configuration, or -1. */
static int scn_inherit_index(const char *key)
{
    int k = scn_table_index(scn_cfg_opts, SCENARIO_CK_COUNT, key);

    return k >= 0 && (scn_cfg_opts[k].flags & SCN_F_INHERIT) ? k : -1;
}

/*
 * key = value of the [scenario] section: one of its own keys, or a configuration key all
 * configurations inherit. line: where (0: --set). 0, or -1 with msg.
 */
static int scn_scenario_key(struct scenario *s, const char *key, const char *value, int line,
                            char *msg, size_t len)
{
    int i = scn_opt_index(key), k;

    if (i >= 0) {
        if (scn_apply(&scn_opts[i], s, value, msg, len) < 0) {
            return -1;
        }
        /* [scenario]'s machine, vcpus, memory, vhost, disk_iops_limit: inherited keys too */
        k = scn_table_index(scn_cfg_opts, SCENARIO_CK_COUNT, key);
        if (k >= 0) {
            s->base.explicit_keys |= 1u << k;
            s->base.key_line[k] = line ? line : s->base.key_line[k];
        }
        return 0;
    }
    k = scn_inherit_index(key);
    if (k < 0) {
        scn_unknown_key(key, msg, len);
        return -1;
    }
    if (scn_apply(&scn_cfg_opts[k], &s->base, value, msg, len) < 0) {
        return -1;
    }
    s->base.explicit_keys |= 1u << k;
    s->base.key_line[k] = line ? line : s->base.key_line[k];
    return 0;
}

/* ---- parsing files ------------------------------------------------------------------------ */

static void scn_fail(struct scn_parse *p, int line, const char *fmt, ...) PVB_PRINTF(3, 4);

/* Record the first error of a parse; later ones are not reported. */
static void scn_fail(struct scn_parse *p, int line, const char *fmt, ...)
{
    va_list ap;

    if (p->failed) {
        return;
    }
    p->failed = 1;
    p->err_line = line;
    va_start(ap, fmt);
    vsnprintf(p->msg, sizeof(p->msg), fmt, ap);
    va_end(ap);
}

/* Next physical line into p->line, without its newline. Its length, or -1 at the end. */
static ssize_t scn_next_line(struct scn_parse *p)
{
    const char *start, *nl;
    size_t n;
    ssize_t got;

    if (p->fp) {
        got = getline(&p->line, &p->cap, p->fp);
        if (got < 0 && ferror(p->fp)) {
            p->read_errno = errno;
        }
        if (got > 0 && p->line[got - 1] == '\n') {
            p->line[--got] = '\0';
        }
        return got;
    }
    start = p->text + p->pos;
    if (!*start) {
        return -1;
    }
    nl = strchr(start, '\n');
    n = nl ? (size_t)(nl - start) : strlen(start);
    if (n + 1 > p->cap) {
        char *bigger = realloc(p->line, n + 1);
        if (!bigger) {
            scn_fail(p, 0, "out of memory");
            return -1;
        }
        p->line = bigger;
        p->cap = n + 1;
    }
    memcpy(p->line, start, n);
    p->line[n] = '\0';
    p->pos += n + (nl ? 1 : 0);
    return (ssize_t)n;
}

/* Catch the lines inih would reject, with a clearer message; note the section. 0 or -1. */
static int scn_check_line(struct scn_parse *p, const char *line)
{
    const char *end;
    size_t n;

    if (!*line || *line == ';' || *line == '#') {
        return 0;
    }
    if (*line == '[') {
        end = strchr(line, ']');
        if (!end) {
            scn_fail(p, p->lineno, "section header '%s' has no closing ']'", line);
            return -1;
        }
        n = (size_t)(end - line - 1);
        p->cfg = NULL;
        p->wl = NULL;
        if (n == strlen(SCN_SECTION) && strncmp(line + 1, SCN_SECTION, n) == 0) {
            p->saw_section = 1;
            return 0;
        }
        if ((n > 7 && strncmp(line + 1, "config ", 7) == 0) ||
            (n > 9 && strncmp(line + 1, "workload ", 9) == 0)) {
            char head[SCN_SET_MAX], msg[SCENARIO_ERR_MAX];
            const char *name;
            void *sec;
            snprintf(head, sizeof(head), "%.*s", (int)n, line + 1);
            head[strcspn(head, " ")] = '\0';
            name = line + 1 + strlen(head);
            while (*name == ' ') {
                name++;
            }
            snprintf(head + strlen(head) + 1, sizeof(head) - strlen(head) - 1, "%.*s",
                     (int)(end - name), name);
            sec =
                scn_open_section(&p->s, head, head + strlen(head) + 1, p->lineno, msg, sizeof(msg));
            if (!sec) {
                scn_fail(p, p->lineno, "%s", msg);
                return -1;
            }
            if (head[0] == 'c') {
                p->cfg = sec;
            } else {
                p->wl = sec;
            }
            p->saw_section = 1;
            return 0;
        }
        if ((n == 6 && strncmp(line + 1, "config", 6) == 0) ||
            (n == 8 && strncmp(line + 1, "workload", 8) == 0)) {
            scn_fail(p, p->lineno, "section [%.*s] needs a name: [%.*s NAME]", (int)n, line + 1,
                     (int)n, line + 1);
            return -1;
        }
        if (n == 6 && strncmp(line + 1, "global", 6) == 0) {
            char hint[SCENARIO_ERR_MAX / 2];
            fiofile_not_a_scenario(p->file, hint, sizeof(hint));
            scn_fail(p, p->lineno, "unknown section [global]: %s", hint);
            return -1;
        }
        scn_fail(p, p->lineno,
                 "unknown section [%.*s] (a scenario file has a [" SCN_SECTION
                 "] section, [config NAME] and [workload NAME] sections)",
                 (int)n, line + 1);
        return -1;
    }
    /* inih: a key line needs '=' (or ':') before any " ;" comment */
    for (const char *q = line; *q; q++) {
        if (*q == '=' || *q == ':') {
            return 0;
        }
        if (*q == ';' && q > line && isspace((unsigned char)q[-1])) {
            break;
        }
    }
    scn_fail(p, p->lineno, "expected 'key = value', a [section] header or a comment, got '%s'",
             line);
    return -1;
}

/* inih reader: one physical line per call, counted, trimmed and checked. */
static char *scn_reader(char *str, int num, void *stream)
{
    struct scn_parse *p = stream;
    ssize_t got;
    char *start, *end;
    size_t n;

    if (p->failed) {
        return NULL; /* stop at the first error */
    }
    got = scn_next_line(p);
    if (got < 0) {
        return NULL;
    }
    p->lineno++;
    if (strlen(p->line) != (size_t)got) {
        scn_fail(p, p->lineno, "line holds a NUL byte (is this a text file?)");
        return NULL;
    }
    start = p->line;
    /* got >= 3: a shorter first line (from a string) has a buffer of got + 1 bytes (fuzz). */
    if (p->lineno == 1 && got >= 3 && memcmp(start, "\xEF\xBB\xBF", 3) == 0) {
        start += 3; /* UTF-8 byte order mark */
    }
    while (isspace((unsigned char)*start)) {
        start++;
    }
    end = start + strlen(start);
    while (end > start && isspace((unsigned char)end[-1])) {
        *--end = '\0';
    }
    n = (size_t)(end - start);
    if (num <= 0 || n >= (size_t)num) {
        scn_fail(p, p->lineno, "line too long (at most %d characters)", num - 1);
        return NULL;
    }
    if (scn_check_line(p, start) < 0) {
        return NULL;
    }
    memcpy(str, start, n + 1);
    return str;
}

/* inih handler: one key = value of the file. Errors are recorded in p, never returned. */
static int scn_handler(void *user, const char *section, const char *key, const char *value)
{
    struct scn_parse *p = user;
    char msg[SCENARIO_ERR_MAX];
    int i;

    if (p->failed) {
        return 1;
    }
    if (p->cfg || p->wl) {
        if (!*key) {
            scn_fail(p, p->lineno, "missing key name before '='");
        } else if (scn_section_key(p->cfg, p->wl, key, value, p->lineno, msg, sizeof(msg)) < 0) {
            scn_fail(p, p->lineno, "%s", msg);
        }
        return 1;
    }
    if (strcmp(section, SCN_SECTION) != 0) {
        if (!*section) {
            scn_fail(p, p->lineno, "key '%s' comes before the [" SCN_SECTION "] header", key);
        } else {
            scn_fail(p, p->lineno, "unknown section [%s]", section);
        }
        return 1;
    }
    if (!*key) {
        scn_fail(p, p->lineno, "missing key name before '='");
        return 1;
    }
    i = scn_opt_index(key);
    if (i < 0 && scn_inherit_index(key) < 0) {
        scn_unknown_key(key, msg, sizeof(msg));
        scn_fail(p, p->lineno, "%s", msg);
        return 1;
    }
    if (i >= 0 && p->seen[i]) {
        scn_fail(p, p->lineno, "key '%s' given twice (first on line %d)", key, p->seen[i]);
        return 1;
    }
    if (i < 0 && p->s.base.key_line[scn_inherit_index(key)]) {
        scn_fail(p, p->lineno, "key '%s' given twice (first on line %d)", key,
                 p->s.base.key_line[scn_inherit_index(key)]);
        return 1;
    }
    if (i >= 0) {
        p->seen[i] = p->lineno;
    }
    if (scn_scenario_key(&p->s, key, value, p->lineno, msg, sizeof(msg)) < 0) {
        if (strstr(value, " #")) {
            scn_fail(p, p->lineno, "%s (comments after a value start with ' ;', not '#')", msg);
        } else {
            scn_fail(p, p->lineno, "%s", msg);
        }
    }
    return 1;
}

/* Parse p's source into *out (untouched on error). 0 or -1 with "file:line: message". */
static int scn_parse(struct scn_parse *p, struct scenario *out, char *err, size_t errlen)
{
    struct scenario *s = &p->s;
    char msg[SCENARIO_ERR_MAX];
    const char *blame = NULL;
    int ret, idx, line;

    if (scn_defaults(s, msg, sizeof(msg)) < 0) {
        scn_report(err, errlen, p->file, 0, msg);
        return -1;
    }
    if (scn_copy(s->path, sizeof(s->path), p->file) < 0) {
        scn_report(err, errlen, p->file, 0, "path too long");
        return -1;
    }
    ret = ini_parse_stream(scn_reader, p, scn_handler, p);
    free(p->line);
    p->line = NULL;
    if (p->fp && ferror(p->fp)) {
        snprintf(msg, sizeof(msg), "read error: %s", strerror(p->read_errno));
        scn_report(err, errlen, p->file, 0, msg);
        return -1;
    }
    if (ret > 0 && (!p->failed || ret < p->err_line)) {
        /* a syntax error inih found and scn_check_line did not */
        scn_report(err, errlen, p->file, ret, "syntax error");
        return -1;
    }
    if (ret < 0) {
        scn_report(err, errlen, p->file, 0, "out of memory");
        return -1;
    }
    if (p->failed) {
        scn_report(err, errlen, p->file, p->err_line, p->msg);
        return -1;
    }
    if (!p->saw_section) {
        scn_report(err, errlen, p->file, 0,
                   "no [" SCN_SECTION "] section (is this a scenario file?)");
        return -1;
    }
    if (!p->seen[scn_opt_index("name")]) {
        scn_default_name(s, p->file);
    }
    if (scn_resolve_all(s, msg, sizeof(msg), &blame, &line) < 0) {
        idx = blame ? scn_opt_index(blame) : -1;
        scn_report(err, errlen, p->file, line > 0 ? line : idx >= 0 ? p->seen[idx] : 0, msg);
        return -1;
    }
    scenario_copy(out, s);
    return 0;
}

int scenario_load(const char *path, struct scenario *s, char *err, size_t errlen)
{
    struct scn_parse p;
    char msg[SCENARIO_ERR_MAX];
    int ret;

    memset(&p, 0, sizeof(p));
    p.file = path;
    p.fp = fopen(path, "r");
    if (!p.fp) {
        snprintf(msg, sizeof(msg), "cannot open: %s", strerror(errno));
        scn_report(err, errlen, path, 0, msg);
        return -1;
    }
    ret = scn_parse(&p, s, err, errlen);
    fclose(p.fp);
    return ret;
}

int scenario_load_string(const char *name, const char *text, struct scenario *s, char *err,
                         size_t errlen)
{
    struct scn_parse p;

    memset(&p, 0, sizeof(p));
    p.file = name;
    p.text = text;
    return scn_parse(&p, s, err, errlen);
}

/* --set NAME.key=value: the section's key, its errors led by "[config NAME]". */
static int scn_set_section(struct scenario_config *cfg, struct scenario_workload *wl,
                           const char *name, const char *key, const char *value, char *msg,
                           size_t len)
{
    char why[SCENARIO_ERR_MAX];

    if (scn_section_key(cfg, wl, key, value, 0, why, sizeof(why)) < 0) {
        /* the unknown-key message names its section already */
        if (strstr(why, "unknown key")) {
            snprintf(msg, len, "%s", why);
        } else {
            snprintf(msg, len, "[%s %s] %.400s", cfg ? "config" : "workload", name, why);
        }
        return -1;
    }
    return 0;
}

/*
 * One --set assignment into s, without resolving: "key=value" for the [scenario] section,
 * "NAME.key=value" for [config NAME] or [workload NAME]. 0, or -1 with msg.
 */
static int scn_set_one(struct scenario *s, const char *assignment, char *msg, size_t len)
{
    char buf[SCN_SET_MAX];
    char *key, *value, *eq, *end, *dot;

    if (scn_copy(buf, sizeof(buf), assignment) < 0) {
        snprintf(msg, len, "assignment too long");
        return -1;
    }
    eq = strchr(buf, '=');
    if (!eq) {
        snprintf(msg, len, "expected key=value, got '%.200s'", assignment);
        return -1;
    }
    *eq = '\0';
    key = buf;
    value = eq + 1;
    /* trim both sides of key and value, as inih does in a file */
    while (isspace((unsigned char)*key)) {
        key++;
    }
    for (end = eq; end > key && isspace((unsigned char)end[-1]);) {
        *--end = '\0';
    }
    while (isspace((unsigned char)*value)) {
        value++;
    }
    for (end = value + strlen(value); end > value && isspace((unsigned char)end[-1]);) {
        *--end = '\0';
    }
    if (!*key) {
        snprintf(msg, len, "missing key name before '='");
        return -1;
    }
    /* keys have no '.', names may: the last '.' ends the section's name */
    dot = strrchr(key, '.');
    if (dot) {
        *dot = '\0';
        for (unsigned i = 0; i < s->n_sections; i++) {
            if (strcmp(s->sections[i].name, key) == 0) {
                return scn_set_section(&s->sections[i], NULL, key, dot + 1, value, msg, len);
            }
        }
        for (unsigned i = 0; i < s->n_custom; i++) {
            if (strcmp(s->custom[i].name, key) == 0) {
                return scn_set_section(NULL, &s->custom[i], key, dot + 1, value, msg, len);
            }
        }
        snprintf(msg, len, "%s.%s: no [config %s] or [workload %s] section", key, dot + 1, key,
                 key);
        return -1;
    }
    return scn_scenario_key(s, key, value, 0, msg, len);
}

int scenario_set_all(struct scenario *s, const char *const *assignments, unsigned n, char *err,
                     size_t errlen)
{
    struct scenario *tmp = malloc(sizeof(*tmp));
    char msg[SCENARIO_ERR_MAX];
    const char *blame;
    int line, rc = -1;

    if (!tmp) {
        scn_report(err, errlen, "--set", 0, "out of memory");
        return -1;
    }
    scenario_copy(tmp, s);
    for (unsigned i = 0; i < n; i++) {
        if (scn_set_one(tmp, assignments[i], msg, sizeof(msg)) < 0) {
            scn_report(err, errlen, "--set", 0, msg);
            goto out;
        }
    }
    if (scn_resolve_all(tmp, msg, sizeof(msg), &blame, &line) < 0) {
        scn_report(err, errlen, "--set", 0, msg);
        goto out;
    }
    scenario_copy(s, tmp);
    rc = 0;
out:
    free(tmp);
    return rc;
}

int scenario_set(struct scenario *s, const char *assignment, char *err, size_t errlen)
{
    return scenario_set_all(s, &assignment, 1, err, errlen);
}

/* ---- printing ----------------------------------------------------------------------------- */

/* The value of an option of obj (s or one of its sections) as scenario text into buf. */
static void scn_format_value(const struct scn_opt *o, const void *obj, const struct scenario *s,
                             char *buf, size_t len)
{
    const char *at = (const char *)obj + o->offset;
    unsigned u = 0;
    size_t used = 0;

    buf[0] = '\0';
    if (o->type == SCN_UINT || o->type == SCN_MIB || o->type == SCN_MACHINE ||
        o->type == SCN_VHOST || o->type == SCN_ENGINE || o->type == SCN_BOOL ||
        o->type == SCN_CHOICE) {
        u = *(const unsigned *)(const void *)at;
    }
    switch (o->type) {
    case SCN_STRING:
    case SCN_TEXT:
        snprintf(buf, len, "%s", at);
        break;
    case SCN_UINT:
    case SCN_MIB:
        snprintf(buf, len, "%u", u);
        break;
    case SCN_SECONDS:
        snprintf(buf, len, "%.9g", *(const double *)(const void *)at);
        break;
    case SCN_DEVICES:
        for (unsigned i = 0; i < s->n_shorthand && used < len; i++) {
            int n = snprintf(buf + used, len - used, "%s%s", i ? ", " : "", s->shorthand[i]->name);
            used += n > 0 ? (size_t)n : 0;
        }
        break;
    case SCN_WORKLOADS:
        for (unsigned i = 0; i < s->n_workloads && used < len; i++) {
            int n = snprintf(buf + used, len - used, "%s%s", i ? ", " : "", s->workloads[i]->name);
            used += n > 0 ? (size_t)n : 0;
        }
        break;
    case SCN_MACHINE:
        snprintf(buf, len, "%s", u ? machine_name((enum machine_type)u) : "auto");
        break;
    case SCN_VHOST:
        snprintf(buf, len, "%s", u < 3 ? scn_vhost_names[u] : "auto");
        break;
    case SCN_ENGINE:
        snprintf(buf, len, "%s", scenario_engine_name(u));
        break;
    case SCN_BOOL:
        snprintf(buf, len, "%s", u ? "yes" : "no");
        break;
    case SCN_CHOICE:
        snprintf(buf, len, "%s", devopts_name(scn_choice_names(o), u));
        break;
    case SCN_DEVICE: {
        const struct devmodel *m = *(const struct devmodel *const *)(const void *)at;
        snprintf(buf, len, "%s", m ? m->name : "");
        break;
    }
    }
}

/* A key's default and range as help shows it. */
static void scn_default_text(const struct scn_opt *o, char *def, size_t len)
{
    const char *d = o->def ? o->def : o->def_doc;

    switch (o->type) {
    case SCN_UINT:
        snprintf(def, len, "default %s, range %.10g..%.10g", d, o->min, o->max);
        break;
    case SCN_MIB:
        snprintf(def, len, "default %s MiB, range %.10g..%.10g MiB (units M, G, T)", d, o->min,
                 o->max);
        break;
    case SCN_SECONDS:
        snprintf(def, len, "default %s s, range %.10g..%.10g s (units s, ms, min)", d, o->min,
                 o->max);
        break;
    default:
        if (o->flags & SCN_F_REQUIRED) {
            snprintf(def, len, "required");
        } else {
            snprintf(def, len, "default: %s", d);
        }
        break;
    }
}

int scenario_key_doc(unsigned i, struct scenario_key_doc *d)
{
    static char choices[SCENARIO_CK_COUNT + SCENARIO_WK_COUNT][96];
    const struct scn_opt *o;
    unsigned slot = 0;

    if (i < SCN_NOPTS) {
        o = &scn_opts[i];
        d->section = SCN_SECTION;
    } else if (i < SCN_NOPTS + SCENARIO_CK_COUNT) {
        slot = (unsigned)(i - SCN_NOPTS);
        o = &scn_cfg_opts[slot];
        d->section = "config NAME";
    } else if (i < SCN_NOPTS + SCENARIO_CK_COUNT + SCENARIO_WK_COUNT) {
        slot = (unsigned)(i - SCN_NOPTS);
        o = &scn_wl_opts[i - SCN_NOPTS - SCENARIO_CK_COUNT];
        d->section = "workload NAME";
    } else {
        return -1;
    }
    d->key = o->key;
    d->value = scn_types[o->type].what;
    if (o->type == SCN_CHOICE && i >= SCN_NOPTS) {
        /* the values themselves: "threads|native|io_uring" */
        char *c = choices[slot];
        size_t used = 0;

        c[0] = '\0';
        for (unsigned v = 0; scn_choice_names(o)[v] && used + 1 < sizeof(choices[0]); v++) {
            int k = snprintf(c + used, sizeof(choices[0]) - used, "%s%s", v ? "|" : "",
                             scn_choice_names(o)[v]);
            used += k > 0 ? (size_t)k : 0;
        }
        d->value = c;
    }
    d->help = o->help;
    scn_default_text(o, d->def, sizeof(d->def));
    return 0;
}

const char *scenario_config_key_name(unsigned key)
{
    return key < SCENARIO_CK_COUNT ? scn_cfg_opts[key].key : NULL;
}

void scenario_config_shown(const struct scenario *s, unsigned i, unsigned key, char *buf,
                           size_t len)
{
    if (key == SCENARIO_CK_MACHINE) {
        snprintf(buf, len, "%s", machine_name(s->device_machine[i]));
    } else {
        scenario_config_value(&s->configs[i], key, buf, len);
    }
}

void scenario_config_value(const struct scenario_config *c, unsigned key, char *buf, size_t len)
{
    if (key >= SCENARIO_CK_COUNT) {
        buf[0] = '\0';
        return;
    }
    scn_format_value(&scn_cfg_opts[key], c, NULL, buf, len);
}

/* One option table as help text. */
static void scn_help_table(FILE *out, const struct scn_opt *t, unsigned n)
{
    char head[64], def[160], known[SCENARIO_ERR_MAX];

    for (unsigned i = 0; i < n; i++) {
        const struct scn_opt *o = &t[i];
        snprintf(head, sizeof(head), "%s = <%s>", o->key,
                 o->type == SCN_CHOICE ? "" : scn_types[o->type].what);
        if (o->type == SCN_CHOICE) {
            size_t used = strlen(head) - 1;
            for (unsigned v = 0; scn_choice_names(o)[v] && used < sizeof(head); v++) {
                int k = snprintf(head + used, sizeof(head) - used, "%s%s", v ? "|" : "",
                                 scn_choice_names(o)[v]);
                used += k > 0 ? (size_t)k : 0;
            }
            if (used + 1 < sizeof(head)) {
                head[used] = '>';
                head[used + 1] = '\0';
            }
        }
        scn_default_text(o, def, sizeof(def));
        fprintf(out, "  %-26s %s\n      %s\n", head, def, o->help);
        if (o->type == SCN_DEVICES || o->type == SCN_DEVICE) {
            scn_join(known, sizeof(known), scn_dev_name, devmodel_count());
            fprintf(out, "      %s: %s\n", o->type == SCN_DEVICE ? "one of" : "one or more of",
                    known);
        } else if (o->type == SCN_WORKLOADS) {
            scn_join(known, sizeof(known), scn_wl_name, workload_count());
            fprintf(out, "      one or more of: %s\n", known);
        }
    }
}

void scenario_print_help(FILE *out)
{
    fprintf(out, "Scenario keys: one [" SCN_SECTION "] section of 'key = value' lines; "
                 "--set key=value overrides one.\n\n");
    scn_help_table(out, scn_opts, SCN_NOPTS);
    fprintf(out, "\n[config NAME] sections: one configuration each (or one per combination of "
                 "its matrix), every key not given taken from [" SCN_SECTION "], where aio, "
                 "cache, iothread, format, preallocation, discard, queues, device_options, qemu "
                 "and kernel may be given for all configurations. --set NAME.key=value "
                 "overrides one.\n\n");
    scn_help_table(out, scn_cfg_opts, SCENARIO_CK_COUNT);
    fprintf(out, "\n[workload NAME] sections: a workload of the scenario's own, next to the "
                 "presets. --set NAME.key=value overrides one.\n\n");
    scn_help_table(out, scn_wl_opts, SCENARIO_WK_COUNT);
}

unsigned scenario_configs_differ(const struct scenario *s, unsigned *unasked)
{
    char first[SCENARIO_ERR_MAX], val[SCENARIO_ERR_MAX];
    unsigned differ = 0, asked = 0;

    for (unsigned k = 0; k < SCENARIO_CK_COUNT; k++) {
        if (k == SCENARIO_CK_MATRIX) {
            continue;
        }
        for (unsigned i = 0; i < s->n_configs; i++) {
            if (k == SCENARIO_CK_MACHINE) {
                snprintf(val, sizeof(val), "%s", machine_name(s->device_machine[i]));
            } else {
                scenario_config_value(&s->configs[i], k, val, sizeof(val));
            }
            if (i == 0) {
                memcpy(first, val, sizeof(first));
            } else if (strcmp(first, val) != 0) {
                differ |= 1u << k;
            }
            asked |= s->configs[i].explicit_keys & (1u << k);
        }
    }
    if (unasked) {
        /* the device is always asked for: it is what a configuration is */
        *unasked = differ & ~asked & ~(1u << SCENARIO_CK_DEVICE);
    }
    return differ;
}

/* A section's given keys as scenario text. */
static void scn_print_section(const char *kind, const char *name, const struct scn_opt *t,
                              unsigned n, const void *obj, const int *key_line,
                              const struct scenario *s, FILE *out)
{
    char val[SCENARIO_ERR_MAX];

    fprintf(out, "\n[%s %s]\n", kind, name);
    for (unsigned k = 0; k < n; k++) {
        if (key_line[k] || (t == scn_cfg_opts &&
                            (((const struct scenario_config *)obj)->explicit_keys & (1u << k)))) {
            scn_format_value(&t[k], obj, s, val, sizeof(val));
            fprintf(out, "%s = %s\n", t[k].key, val);
        }
    }
}

void scenario_print_configs(const struct scenario *s, FILE *out)
{
    char val[SCENARIO_ERR_MAX];

    fprintf(out, "; %u configuration%s, as resolved (* = set, not inherited):\n", s->n_configs,
            s->n_configs == 1 ? "" : "s");
    for (unsigned i = 0; i < s->n_configs; i++) {
        const struct scenario_config *c = &s->configs[i];
        fprintf(out, ";   %s:", c->name);
        for (unsigned k = 0; k < SCENARIO_CK_COUNT; k++) {
            if (k == SCENARIO_CK_MATRIX || ((k == SCENARIO_CK_DEVICE_OPTIONS ||
                                             k == SCENARIO_CK_QEMU || k == SCENARIO_CK_KERNEL) &&
                                            !((const char *)c + scn_cfg_opts[k].offset)[0])) {
                continue;
            }
            if (k == SCENARIO_CK_MACHINE) {
                snprintf(val, sizeof(val), "%s", machine_name(s->device_machine[i]));
            } else {
                scenario_config_value(c, k, val, sizeof(val));
            }
            fprintf(out, " %s%s=%s", (c->explicit_keys & (1u << k)) ? "*" : "", scn_cfg_opts[k].key,
                    val);
        }
        fputc('\n', out);
    }
}

void scenario_print_resolved(const struct scenario *s, FILE *out)
{
    char val[SCENARIO_ERR_MAX];

    fprintf(out, "; scenario %s, as resolved (defaults and --set included)\n",
            s->path[0] ? s->path : "(no file)");
    fprintf(out, "[" SCN_SECTION "]\n");
    for (unsigned i = 0; i < SCN_NOPTS; i++) {
        const struct scn_opt *o = &scn_opts[i];
        if (o->type == SCN_STRING && !((const char *)s + o->offset)[0]) {
            fprintf(out, "; %s: (empty)\n", o->key); /* an empty value would not parse */
            continue;
        }
        if (o->type == SCN_DEVICES && s->n_shorthand == 0) {
            fprintf(out, "; %s: (none: [config] sections)\n", o->key);
            continue;
        }
        scn_format_value(o, s, s, val, sizeof(val));
        fprintf(out, "%s = %s\n", o->key, val);
        if (o->type == SCN_DEVICES) {
            for (unsigned j = 0; j < s->n_devices; j++) {
                fprintf(out, ";   %s: machine %s\n", s->configs[j].name,
                        machine_name(s->device_machine[j]));
            }
        }
    }
    for (unsigned k = 0; k < SCENARIO_CK_COUNT; k++) {
        const struct scn_opt *o = &scn_cfg_opts[k];
        if (!(o->flags & SCN_F_INHERIT)) {
            continue;
        }
        scn_format_value(o, &s->base, s, val, sizeof(val));
        if (!val[0]) {
            fprintf(out, "; %s: (empty)\n", o->key);
        } else {
            fprintf(out, "%s = %s\n", o->key, val);
        }
    }
    for (unsigned i = 0; i < s->n_sections; i++) {
        scn_print_section("config", s->sections[i].name, scn_cfg_opts, SCENARIO_CK_COUNT,
                          &s->sections[i], s->sections[i].key_line, s, out);
    }
    for (unsigned i = 0; i < s->n_custom; i++) {
        scn_print_section("workload", s->custom[i].name, scn_wl_opts, SCENARIO_WK_COUNT,
                          &s->custom[i], s->custom[i].key_line, s, out);
    }
    fputc('\n', out);
    scenario_print_configs(s, out);
}
