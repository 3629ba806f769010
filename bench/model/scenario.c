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
};

#define SCN_F_REQUIRED (1u << 0) /* the file must give it */
#define SCN_F_IDENT (1u << 1)    /* letters, digits, '.', '_', '-' only */

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
    {"devices", SCN_DEVICES, SCN_MEMBER(devices), SCN_COUNT(n_devices), NULL, NULL, 1, 0,
     SCN_F_REQUIRED, "device models under test, comma or space separated; each one boots "
                     "its own guest"},
    {"workloads", SCN_WORKLOADS, SCN_MEMBER(workloads), SCN_COUNT(n_workloads), NULL, NULL, 1,
     0, SCN_F_REQUIRED, "workloads run on every device of their kind (blk or net)"},
    {"repetitions", SCN_UINT, SCN_MEMBER(repetitions), 0, "5", NULL, 1, 1000, 0,
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
};

#define SCN_NOPTS (sizeof(scn_opts) / sizeof(scn_opts[0]))

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
};

/* ---- small helpers ------------------------------------------------------------------------ */

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

static int scn_set_string(const struct scn_opt *o, struct scenario *s, const char *value,
                          char *msg, size_t len)
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

static int scn_set_number(const struct scn_opt *o, struct scenario *s, const char *value,
                          char *msg, size_t len)
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
static const struct scn_names scn_workloads = {"workload", "workload", workload_count,
                                               scn_wl_name};

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

static int scn_set_list(const struct scn_opt *o, struct scenario *s, const char *value,
                        char *msg, size_t len)
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
        const struct workload **list = dst;
        cap = (unsigned)(o->size / sizeof(list[0]));
        cap = cap < SCN_LIST_MAX ? cap : SCN_LIST_MAX;
        if (scn_parse_list(o, &scn_workloads, value, idx, cap, &n, msg, len) < 0) {
            return -1;
        }
        for (unsigned i = 0; i < n; i++) {
            list[i] = workload_at(idx[i]);
        }
    }
    *count = n;
    return 0;
}

static int scn_set_machine(const struct scn_opt *o, struct scenario *s, const char *value,
                           char *msg, size_t len)
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

static int scn_set_vhost(const struct scn_opt *o, struct scenario *s, const char *value,
                         char *msg, size_t len)
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
static int scn_set_choice(const struct scn_opt *o, struct scenario *s, const char *value,
                          char *msg, size_t len)
{
    const char *const *names = o->type == SCN_ENGINE ? scn_engine_names : scn_bool_names;

    for (unsigned i = 0; names[i]; i++) {
        if (strcmp(value, names[i]) == 0) {
            *(unsigned *)(void *)((char *)s + o->offset) = i;
            return 0;
        }
    }
    snprintf(msg, len, "%s: '%s' is not %s", o->key, value, scn_types[o->type].expect);
    return -1;
}

/* Set one option from its text. 0, or -1 with a message (without location) in msg. */
static int scn_apply(const struct scn_opt *o, struct scenario *s, const char *value, char *msg,
                     size_t len)
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
        return scn_set_choice(o, s, value, msg, len);
    }
    snprintf(msg, len, "%s: option of unknown type", o->key);
    return -1;
}

/* "unknown key 'x'" with the closest key, or all of them. */
static void scn_unknown_key(const char *key, char *msg, size_t len)
{
    char known[SCENARIO_ERR_MAX / 2];
    const char *near = scn_closest(key, scn_opt_key, SCN_NOPTS);

    if (near) {
        snprintf(msg, len, "unknown key '%s' (did you mean '%s'?)", key, near);
    } else {
        scn_join(known, sizeof(known), scn_opt_key, SCN_NOPTS);
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

/* Does the scenario list a device (or workload, if workloads) of this kind? */
static int scn_has_kind(const struct scenario *s, enum devmodel_kind kind, int workloads)
{
    if (workloads) {
        for (unsigned i = 0; i < s->n_workloads; i++) {
            if (s->workloads[i]->kind == kind) {
                return 1;
            }
        }
        return 0;
    }
    for (unsigned i = 0; i < s->n_devices; i++) {
        if (s->devices[i]->kind == kind) {
            return 1;
        }
    }
    return 0;
}

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
    if (s->n_devices == 0 || s->n_devices > SCENARIO_MAX_DEVICES) {
        *blame = "devices";
        snprintf(msg, len, "devices: need 1..%d device models", SCENARIO_MAX_DEVICES);
        return -1;
    }
    if (s->n_workloads == 0 || s->n_workloads > SCENARIO_MAX_WORKLOADS) {
        *blame = "workloads";
        snprintf(msg, len, "workloads: need 1..%d workloads", SCENARIO_MAX_WORKLOADS);
        return -1;
    }
    for (unsigned i = 0; i < s->n_workloads; i++) {
        const struct workload *w = s->workloads[i];
        if (!scn_has_kind(s, w->kind, 0)) {
            *blame = "workloads";
            snprintf(msg, len, "workload %s needs a %s device, but devices lists none", w->name,
                     devmodel_kind_name(w->kind));
            return -1;
        }
    }
    for (unsigned i = 0; i < s->n_devices; i++) {
        const struct devmodel *d = s->devices[i];
        if (!scn_has_kind(s, d->kind, 1)) {
            *blame = "devices";
            snprintf(msg, len, "device '%s' is a %s device, but workloads lists no %s workload",
                     d->name, devmodel_kind_name(d->kind), devmodel_kind_name(d->kind));
            return -1;
        }
    }
    if (s->machine != 0 && s->machine != MACHINE_PC && s->machine != MACHINE_Q35) {
        *blame = "machine";
        snprintf(msg, len, "machine: unknown machine type %u", s->machine);
        return -1;
    }
    for (unsigned i = 0; s->machine && i < s->n_devices; i++) {
        const struct devmodel *d = s->devices[i];
        if (!(d->machines & s->machine)) {
            *blame = "machine";
            snprintf(msg, len, "device '%s' needs machine %s, but machine = %s", d->name,
                     scn_machines_text(d->machines), machine_name(s->machine));
            return -1;
        }
    }
    return 0;
}

static int scn_resolve(struct scenario *s, char *msg, size_t len, const char **blame)
{
    unsigned common = MACHINE_PC | MACHINE_Q35;

    if (scn_check(s, msg, len, blame) < 0) {
        return -1;
    }
    for (unsigned i = 0; i < s->n_devices; i++) {
        common &= s->devices[i]->machines;
    }
    for (unsigned i = 0; i < s->n_devices; i++) {
        if (s->machine) {
            s->device_machine[i] = (enum machine_type)s->machine;
        } else if (common) {
            /* one machine for every guest keeps the comparison fair; pc when possible */
            s->device_machine[i] = (common & MACHINE_PC) ? MACHINE_PC : MACHINE_Q35;
        } else {
            s->device_machine[i] = devmodel_default_machine(s->devices[i]);
        }
    }
    return 0;
}

int scenario_resolve(struct scenario *s, char *err, size_t errlen)
{
    char msg[SCENARIO_ERR_MAX];
    const char *blame;

    if (scn_resolve(s, msg, sizeof(msg), &blame) < 0) {
        if (err && errlen) {
            snprintf(err, errlen, "%s", msg);
        }
        return -1;
    }
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
        if (n != strlen(SCN_SECTION) || strncmp(line + 1, SCN_SECTION, n) != 0) {
            scn_fail(p, p->lineno,
                     "unknown section [%.*s] (a scenario file has one section, [" SCN_SECTION
                     "])",
                     (int)n, line + 1);
            return -1;
        }
        p->saw_section = 1;
        return 0;
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
    if (i < 0) {
        scn_unknown_key(key, msg, sizeof(msg));
        scn_fail(p, p->lineno, "%s", msg);
        return 1;
    }
    if (p->seen[i]) {
        scn_fail(p, p->lineno, "key '%s' given twice (first on line %d)", key, p->seen[i]);
        return 1;
    }
    p->seen[i] = p->lineno;
    if (scn_apply(&scn_opts[i], &p->s, value, msg, sizeof(msg)) < 0) {
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
    int ret, idx;

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
    for (unsigned i = 0; i < SCN_NOPTS; i++) {
        const struct scn_opt *o = &scn_opts[i];
        char known[SCENARIO_ERR_MAX / 2];
        if (!(o->flags & SCN_F_REQUIRED) || p->seen[i]) {
            continue;
        }
        if (o->type == SCN_DEVICES || o->type == SCN_WORKLOADS) {
            const struct scn_names *t = o->type == SCN_DEVICES ? &scn_devices : &scn_workloads;
            scn_join(known, sizeof(known), t->name_at, t->count());
            snprintf(msg, sizeof(msg), "missing required key '%s' (one or more of: %s)", o->key,
                     known);
        } else {
            snprintf(msg, sizeof(msg), "missing required key '%s'", o->key);
        }
        scn_report(err, errlen, p->file, 0, msg);
        return -1;
    }
    if (!p->seen[scn_opt_index("name")]) {
        scn_default_name(s, p->file);
    }
    if (scn_resolve(s, msg, sizeof(msg), &blame) < 0) {
        idx = blame ? scn_opt_index(blame) : -1;
        scn_report(err, errlen, p->file, idx >= 0 ? p->seen[idx] : 0, msg);
        return -1;
    }
    *out = *s;
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

int scenario_set(struct scenario *s, const char *assignment, char *err, size_t errlen)
{
    struct scenario tmp = *s;
    char buf[SCN_SET_MAX];
    char msg[SCENARIO_ERR_MAX];
    char *key, *value, *eq, *end;
    const char *blame;
    int i;

    if (scn_copy(buf, sizeof(buf), assignment) < 0) {
        scn_report(err, errlen, "--set", 0, "assignment too long");
        return -1;
    }
    eq = strchr(buf, '=');
    if (!eq) {
        snprintf(msg, sizeof(msg), "expected key=value, got '%.200s'", assignment);
        scn_report(err, errlen, "--set", 0, msg);
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
    i = scn_opt_index(key);
    if (i < 0) {
        if (*key) {
            scn_unknown_key(key, msg, sizeof(msg));
        } else {
            snprintf(msg, sizeof(msg), "missing key name before '='");
        }
        scn_report(err, errlen, "--set", 0, msg);
        return -1;
    }
    if (scn_apply(&scn_opts[i], &tmp, value, msg, sizeof(msg)) < 0 ||
        scn_resolve(&tmp, msg, sizeof(msg), &blame) < 0) {
        scn_report(err, errlen, "--set", 0, msg);
        return -1;
    }
    *s = tmp;
    return 0;
}

/* ---- printing ----------------------------------------------------------------------------- */

/* The value of an option as scenario text (what parses back to the same value). */
static void scn_print_value(const struct scn_opt *o, const struct scenario *s, FILE *out)
{
    const char *at = (const char *)s + o->offset;

    switch (o->type) {
    case SCN_STRING:
        fputs(at, out);
        break;
    case SCN_UINT:
    case SCN_MIB:
        fprintf(out, "%u", *(const unsigned *)(const void *)at);
        break;
    case SCN_SECONDS:
        fprintf(out, "%.9g", *(const double *)(const void *)at);
        break;
    case SCN_DEVICES:
        for (unsigned i = 0; i < s->n_devices; i++) {
            fprintf(out, "%s%s", i ? ", " : "", s->devices[i]->name);
        }
        break;
    case SCN_WORKLOADS:
        for (unsigned i = 0; i < s->n_workloads; i++) {
            fprintf(out, "%s%s", i ? ", " : "", s->workloads[i]->name);
        }
        break;
    case SCN_MACHINE:
        fputs(s->machine ? machine_name((enum machine_type)s->machine) : "auto", out);
        break;
    case SCN_VHOST:
        fputs(s->vhost < 3 ? scn_vhost_names[s->vhost] : "auto", out);
        break;
    case SCN_ENGINE:
        fputs(scenario_engine_name(s->engine), out);
        break;
    case SCN_BOOL:
        fputs(*(const unsigned *)(const void *)at ? "yes" : "no", out);
        break;
    }
}

void scenario_print_help(FILE *out)
{
    char head[64], def[128], known[SCENARIO_ERR_MAX];

    fprintf(out, "Scenario keys: one [" SCN_SECTION "] section of 'key = value' lines; "
                 "--set key=value overrides one.\n\n");
    for (unsigned i = 0; i < SCN_NOPTS; i++) {
        const struct scn_opt *o = &scn_opts[i];
        snprintf(head, sizeof(head), "%s = <%s>", o->key, scn_types[o->type].what);
        switch (o->type) {
        case SCN_UINT:
            snprintf(def, sizeof(def), "default %s, range %.10g..%.10g", o->def, o->min, o->max);
            break;
        case SCN_MIB:
            snprintf(def, sizeof(def), "default %s MiB, range %.10g..%.10g MiB (units M, G, T)",
                     o->def, o->min, o->max);
            break;
        case SCN_SECONDS:
            snprintf(def, sizeof(def), "default %s s, range %.10g..%.10g s (units s, ms, min)",
                     o->def, o->min, o->max);
            break;
        default:
            if (o->flags & SCN_F_REQUIRED) {
                snprintf(def, sizeof(def), "required");
            } else {
                snprintf(def, sizeof(def), "default: %s", o->def ? o->def : o->def_doc);
            }
            break;
        }
        fprintf(out, "  %-26s %s\n      %s\n", head, def, o->help);
        if (o->type == SCN_DEVICES) {
            scn_join(known, sizeof(known), scn_dev_name, devmodel_count());
            fprintf(out, "      one or more of: %s\n", known);
        } else if (o->type == SCN_WORKLOADS) {
            scn_join(known, sizeof(known), scn_wl_name, workload_count());
            fprintf(out, "      one or more of: %s\n", known);
        }
    }
}

void scenario_print_resolved(const struct scenario *s, FILE *out)
{
    fprintf(out, "; scenario %s, as resolved (defaults and --set included)\n",
            s->path[0] ? s->path : "(no file)");
    fprintf(out, "[" SCN_SECTION "]\n");
    for (unsigned i = 0; i < SCN_NOPTS; i++) {
        const struct scn_opt *o = &scn_opts[i];
        if (o->type == SCN_STRING && !((const char *)s + o->offset)[0]) {
            fprintf(out, "; %s: (empty)\n", o->key); /* an empty value would not parse */
            continue;
        }
        fprintf(out, "%s = ", o->key);
        scn_print_value(o, s, out);
        fputc('\n', out);
        if (o->type == SCN_DEVICES) {
            for (unsigned j = 0; j < s->n_devices; j++) {
                fprintf(out, ";   %s: machine %s\n", s->devices[j]->name,
                        machine_name(s->device_machine[j]));
            }
        }
    }
}
