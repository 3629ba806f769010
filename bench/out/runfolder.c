/*
 * The one reader of a run folder (runfolder.h): run.json through tables of where each text
 * lives, samples.csv and summary.csv through results.c's readers.
 */
#include "runfolder.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "exitcode.h"
#include "scenario.h"
#include "util.h"

/* What an absent text points to: never freed. */
static const char runfolder_none[] = "";

/* Where a text of run.json goes: its dotted path and the member of the struct it fills. */
struct runfolder_key {
    const char *path;
    size_t off;
};

#define RF_TOP(p, m)                                                                               \
    {                                                                                              \
        p, offsetof(struct runfolder, m)                                                           \
    }
static const struct runfolder_key runfolder_top[] = {
    RF_TOP("format", format),
    RF_TOP("pvbench_version", pvbench_version),
    RF_TOP("git_revision", git_revision),
    RF_TOP("run_id", run_id),
    RF_TOP("scenario.name", scenario_name),
    RF_TOP("scenario.path", scenario_path),
    RF_TOP("scenario.file", scenario_file),
    RF_TOP("scenario.resolved", scenario_resolved),
    RF_TOP("host.hostname", host_hostname),
    RF_TOP("host.cpu_model", host_cpu_model),
    RF_TOP("host.cores", host_cores),
    RF_TOP("host.kernel", host_kernel),
    RF_TOP("qemu_binary", qemu_binary),
    RF_TOP("qemu_version", qemu_version),
    RF_TOP("guest_kernel", guest_kernel),
    RF_TOP("accelerator.name", accel_name),
    RF_TOP("accelerator.reason", accel_reason),
    RF_TOP("backend", backend),
    RF_TOP("backend_info", backend_info),
    RF_TOP("start", start),
    RF_TOP("end", end),
    RF_TOP("engine", engine),
    RF_TOP("order", order),
    RF_TOP("nested", nested),
    RF_TOP("host_baseline.status", host_baseline_status),
    RF_TOP("host_baseline.reason", host_baseline_reason),
};

#define RF_CFG(p, m)                                                                               \
    {                                                                                              \
        p, offsetof(struct runfolder_config, m)                                                    \
    }
static const struct runfolder_key runfolder_cfg[] = {
    RF_CFG("config", config),
    RF_CFG("host", host),
    RF_CFG("device", device),
    RF_CFG("class", class_),
    RF_CFG("kind", kind),
    RF_CFG("machine", machine),
    RF_CFG("qemu_device", qemu_device),
    RF_CFG("vhost", vhost),
    RF_CFG("guest_driver", guest_driver),
    RF_CFG("status", status),
    RF_CFG("reason", reason),
    RF_CFG("job_retries", job_retries),
    RF_CFG("retry_reason", retry_reason),
    RF_CFG("why_source", why_source),
    RF_CFG("libvirt_dut", libvirt_dut),
    RF_CFG("qemu_command", qemu_command),
    RF_CFG("net_peer", net_peer),
};

#define RF_HOST(p, m)                                                                              \
    {                                                                                              \
        p, offsetof(struct runfolder_host, m)                                                      \
    }
static const struct runfolder_key runfolder_host_keys[] = {
    RF_HOST("label", label),
    RF_HOST("backend", backend),
    RF_HOST("uri", uri),
    RF_HOST("hostname", hostname),
    RF_HOST("libvirt_version", libvirt_version),
    RF_HOST("qemu_version", qemu_version),
    RF_HOST("accelerator.name", accel_name),
    RF_HOST("accelerator.reason", accel_reason),
    RF_HOST("local", local),
    RF_HOST("storage", storage),
    RF_HOST("kernel", kernel),
    RF_HOST("initrd", initrd),
    RF_HOST("status", status),
    RF_HOST("reason", reason),
};

#define RF_N(t) (sizeof(t) / sizeof((t)[0]))

static const char **runfolder_slot(void *base, size_t off)
{
    return (const char **)(void *)((char *)base + off);
}

/* Every text of a table in base: absent ones point to runfolder_none. */
static void runfolder_clear(void *base, const struct runfolder_key *keys, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        *runfolder_slot(base, keys[i].off) = runfolder_none;
    }
}

static void runfolder_release(void *base, const struct runfolder_key *keys, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char **slot = runfolder_slot(base, keys[i].off);

        if (*slot && *slot != runfolder_none) {
            free((void *)*slot);
        }
        *slot = runfolder_none;
    }
}

/* The scalar of obj at a dotted path ("host.cores") as its JSON text; NULL if absent or null. */
static const char *runfolder_json_text(json_object *obj, const char *path)
{
    char key[64];
    const char *p = path;
    const char *dot;
    json_object *v = obj;

    while (v && *p) {
        dot = strchr(p, '.');
        snprintf(key, sizeof(key), "%.*s", dot ? (int)(dot - p) : (int)strlen(p), p);
        if (!json_object_is_type(v, json_type_object) || !json_object_object_get_ex(v, key, &v)) {
            return NULL;
        }
        p = dot ? dot + 1 : p + strlen(p);
    }
    if (!v || json_object_is_type(v, json_type_object) || json_object_is_type(v, json_type_array) ||
        json_object_is_type(v, json_type_null)) {
        return NULL;
    }
    return json_object_get_string(v);
}

/* Fill the texts of a table from obj. 0, or -1 out of memory. */
static int runfolder_fill(void *base, const struct runfolder_key *keys, size_t n, json_object *obj)
{
    for (size_t i = 0; i < n; i++) {
        const char *t = runfolder_json_text(obj, keys[i].path);
        char *copy;

        if (!t || !*t) {
            continue;
        }
        copy = strdup(t);
        if (!copy) {
            return -1;
        }
        *runfolder_slot(base, keys[i].off) = copy;
    }
    return 0;
}

/* The array at key of root as a table of n entries of size each. 0, or -1 out of memory. */
static int runfolder_fill_array(json_object *root, const char *key, void **out, size_t *n,
                                size_t size, const struct runfolder_key *keys, size_t nkeys)
{
    json_object *arr;
    size_t len;
    char *v;

    *out = NULL;
    *n = 0;
    if (!json_object_object_get_ex(root, key, &arr) || !json_object_is_type(arr, json_type_array)) {
        return 0;
    }
    len = json_object_array_length(arr);
    if (len == 0) {
        return 0;
    }
    v = calloc(len, size);
    if (!v) {
        return -1;
    }
    *out = v;
    for (size_t i = 0; i < len; i++) {
        runfolder_clear(v + i * size, keys, nkeys);
    }
    *n = len;
    for (size_t i = 0; i < len; i++) {
        if (runfolder_fill(v + i * size, keys, nkeys, json_object_array_get_idx(arr, i)) < 0) {
            return -1;
        }
    }
    return 0;
}

/* run.json's "configs" as plain JSON text ("[]" without it). 0, or -1 out of memory. */
static int runfolder_keep_configs(struct runfolder *rf, json_object *root)
{
    json_object *arr;
    const char *text = "[]";
    char *copy;

    if (json_object_object_get_ex(root, "configs", &arr) &&
        json_object_is_type(arr, json_type_array)) {
        text = json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PLAIN);
    }
    copy = text ? strdup(text) : NULL;
    if (!copy) {
        return -1;
    }
    rf->configs_json = copy;
    return 0;
}

/* 1 + the number of newlines in text[0..off). */
static unsigned runfolder_line_of(const char *text, size_t off)
{
    unsigned line = 1;

    for (size_t i = 0; i < off && text[i]; i++) {
        line += text[i] == '\n';
    }
    return line;
}

/* run.json's format and version: the one rule of every reader. */
static enum runfolder_err runfolder_check_version(struct runfolder *rf, json_object *root,
                                                  const char *path)
{
    json_object *v;
    int64_t ver;

    if (!json_object_object_get_ex(root, "format", &v) ||
        !json_object_is_type(v, json_type_string) ||
        strcmp(json_object_get_string(v), RUNFOLDER_FORMAT) != 0) {
        snprintf(rf->run_msg, sizeof(rf->run_msg),
                 "%s: not a pvbench run (format is not \"" RUNFOLDER_FORMAT "\")", path);
        return RUNFOLDER_FOREIGN;
    }
    if (!json_object_object_get_ex(root, "version", &v) || !json_object_is_type(v, json_type_int) ||
        json_object_get_int64(v) < 1) {
        snprintf(rf->run_msg, sizeof(rf->run_msg),
                 "%s: run format version not understood (this pvbench reads 1 to %d)", path,
                 RUNFOLDER_VERSION);
        return RUNFOLDER_BAD_VERSION;
    }
    ver = json_object_get_int64(v);
    if (ver > RUNFOLDER_VERSION) {
        snprintf(rf->run_msg, sizeof(rf->run_msg),
                 "%s: run format version %lld is newer than this pvbench reads (1 to %d)", path,
                 (long long)ver, RUNFOLDER_VERSION);
        return RUNFOLDER_NEWER;
    }
    rf->version = (int)ver;
    return RUNFOLDER_OK;
}

static enum runfolder_err runfolder_read_run(struct runfolder *rf, const char *dir)
{
    char path[PATH_MAX];
    struct json_tokener *tok = NULL;
    enum json_tokener_error jerr;
    enum runfolder_err e = RUNFOLDER_NO_MEMORY;
    json_object *root = NULL;
    size_t len = 0;
    size_t end;
    char *text = NULL;

    if (util_fmt(path, sizeof(path), "%s/run.json", dir) < 0) {
        snprintf(rf->run_msg, sizeof(rf->run_msg), "%s: path too long", dir);
        return RUNFOLDER_NO_DIR;
    }
    if (access(dir, F_OK) < 0) {
        snprintf(rf->run_msg, sizeof(rf->run_msg), "%s: %s", dir, strerror(errno));
        return RUNFOLDER_NO_DIR;
    }
    errno = 0;
    text = util_slurp(path, RUNFOLDER_JSON_MAX, &len);
    if (!text) {
        snprintf(rf->run_msg, sizeof(rf->run_msg), "%s: %s", path,
                 errno ? strerror(errno) : "cannot read");
        return errno == EFBIG ? RUNFOLDER_TOO_BIG : RUNFOLDER_NO_RUN;
    }
    tok = json_tokener_new();
    if (!tok) {
        snprintf(rf->run_msg, sizeof(rf->run_msg), "%s: out of memory", path);
        goto out;
    }
    root = json_tokener_parse_ex(tok, text, (int)len);
    jerr = json_tokener_get_error(tok);
    end = json_tokener_get_parse_end(tok);
    if (!root) {
        snprintf(rf->run_msg, sizeof(rf->run_msg), "%s:%u: %s", path, runfolder_line_of(text, end),
                 jerr == json_tokener_continue ? "unexpected end of file"
                                               : json_tokener_error_desc(jerr));
        e = jerr == json_tokener_continue ? RUNFOLDER_TRUNCATED : RUNFOLDER_SYNTAX;
        goto out;
    }
    while (end < len && strchr(" \t\r\n", text[end])) {
        end++;
    }
    if (end < len) {
        snprintf(rf->run_msg, sizeof(rf->run_msg), "%s:%u: text after the end of the JSON object",
                 path, runfolder_line_of(text, end));
        e = RUNFOLDER_SYNTAX;
        goto out;
    }
    if (!json_object_is_type(root, json_type_object)) {
        snprintf(rf->run_msg, sizeof(rf->run_msg), "%s:1: not a JSON object", path);
        e = RUNFOLDER_NOT_OBJECT;
        goto out;
    }
    e = runfolder_check_version(rf, root, path);
    if (e != RUNFOLDER_OK) {
        goto out;
    }
    if (runfolder_keep_configs(rf, root) < 0 ||
        runfolder_fill(rf, runfolder_top, RF_N(runfolder_top), root) < 0 ||
        runfolder_fill_array(root, "configs", (void **)&rf->configs, &rf->n_configs,
                             sizeof(*rf->configs), runfolder_cfg, RF_N(runfolder_cfg)) < 0 ||
        runfolder_fill_array(root, "hosts", (void **)&rf->hosts, &rf->n_hosts, sizeof(*rf->hosts),
                             runfolder_host_keys, RF_N(runfolder_host_keys)) < 0) {
        snprintf(rf->run_msg, sizeof(rf->run_msg), "%s: out of memory", path);
        e = RUNFOLDER_NO_MEMORY;
        goto out;
    }
    e = RUNFOLDER_OK;
out:
    if (tok) {
        json_tokener_free(tok);
    }
    json_object_put(root);
    free(text);
    return e;
}

/* Forget all of run.json: its texts, configurations and hosts. */
static void runfolder_release_run(struct runfolder *rf)
{
    runfolder_release(rf, runfolder_top, RF_N(runfolder_top));
    for (size_t i = 0; i < rf->n_configs; i++) {
        runfolder_release(&rf->configs[i], runfolder_cfg, RF_N(runfolder_cfg));
    }
    for (size_t i = 0; i < rf->n_hosts; i++) {
        runfolder_release(&rf->hosts[i], runfolder_host_keys, RF_N(runfolder_host_keys));
    }
    free(rf->configs);
    free(rf->hosts);
    if (rf->configs_json && rf->configs_json != runfolder_none) {
        free((void *)rf->configs_json);
    }
    rf->configs_json = runfolder_none;
    rf->configs = NULL;
    rf->hosts = NULL;
    rf->n_configs = rf->n_hosts = 0;
    rf->version = 0;
}

/* A results.c reader's failure as a named error: errno EINVAL means "not this file". */
static enum runfolder_err runfolder_csv_err(int saved, enum runfolder_err missing,
                                            enum runfolder_err foreign)
{
    if (saved == ENOMEM) {
        return RUNFOLDER_NO_MEMORY;
    }
    return saved == EINVAL ? foreign : missing;
}

enum runfolder_err runfolder_read(const char *dir, struct runfolder *rf, char *err, size_t errlen)
{
    char path[PATH_MAX];

    memset(rf, 0, sizeof(*rf));
    runfolder_clear(rf, runfolder_top, RF_N(runfolder_top));
    rf->configs_json = runfolder_none;
    rf->dir = strdup(dir);
    if (!rf->dir) {
        rf->dir = runfolder_none;
        rf->run_err = rf->samples_err = rf->summary_err = RUNFOLDER_NO_MEMORY;
        util_seterr(err, errlen, "%s: out of memory", dir);
        return RUNFOLDER_NO_MEMORY;
    }
    rf->run_err = runfolder_read_run(rf, dir);
    if (rf->run_err != RUNFOLDER_OK) {
        /* A run.json only partly read is not read: no text of it is kept. */
        runfolder_release_run(rf);
    }

    if (util_fmt(path, sizeof(path), "%s/samples.csv", dir) < 0) {
        snprintf(rf->samples_msg, sizeof(rf->samples_msg), "%s: path too long", dir);
        rf->samples_err = RUNFOLDER_NO_DIR;
    } else if (samples_read_csv(path, &rf->samples, &rf->samples_bad, rf->samples_msg,
                                sizeof(rf->samples_msg)) < 0) {
        rf->samples_err = runfolder_csv_err(errno, RUNFOLDER_NO_SAMPLES, RUNFOLDER_BAD_SAMPLES);
    }

    if (util_fmt(path, sizeof(path), "%s/summary.csv", dir) < 0) {
        snprintf(rf->summary_msg, sizeof(rf->summary_msg), "%s: path too long", dir);
        rf->summary_err = RUNFOLDER_NO_DIR;
    } else if (summary_read_csv(path, &rf->summary, &rf->summary_bad, rf->summary_msg,
                                sizeof(rf->summary_msg)) < 0) {
        rf->summary_err = runfolder_csv_err(errno, RUNFOLDER_NO_SUMMARY, RUNFOLDER_BAD_SUMMARY);
    }

    if (rf->run_err != RUNFOLDER_OK) {
        util_seterr(err, errlen, "%s", rf->run_msg);
        return rf->run_err;
    }
    if (rf->samples_err != RUNFOLDER_OK) {
        util_seterr(err, errlen, "%s", rf->samples_msg);
        return rf->samples_err;
    }
    util_seterr(err, errlen, "%s", "");
    return RUNFOLDER_OK;
}

void runfolder_free(struct runfolder *rf)
{
    if (!rf) {
        return;
    }
    runfolder_release_run(rf);
    if (rf->dir && rf->dir != runfolder_none) {
        free((void *)rf->dir);
    }
    samples_free(&rf->samples);
    summary_free(&rf->summary);
    memset(rf, 0, sizeof(*rf));
}

void runfolder_copy_printable(char *dst, size_t len, const char *src)
{
    util_strlcpy(dst, src, len);
    util_sanitize(dst);
}

/* The member of base that the table fills from key ("" for a key the table does not hold). */
static const char *runfolder_lookup(const void *base, const struct runfolder_key *keys, size_t n,
                                    const char *key)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(keys[i].path, key) == 0) {
            const char *t = *(const char *const *)(const void *)((const char *)base + keys[i].off);

            return t ? t : runfolder_none;
        }
    }
    return runfolder_none;
}

const char *runfolder_text(const struct runfolder *rf, const char *key)
{
    return runfolder_lookup(rf, runfolder_top, RF_N(runfolder_top), key);
}

const char *runfolder_config_text(const struct runfolder_config *c, const char *key)
{
    return runfolder_lookup(c, runfolder_cfg, RF_N(runfolder_cfg), key);
}

const char *runfolder_host_text(const struct runfolder_host *h, const char *key)
{
    return runfolder_lookup(h, runfolder_host_keys, RF_N(runfolder_host_keys), key);
}

const char *runfolder_strerror(enum runfolder_err e)
{
    switch (e) {
    case RUNFOLDER_OK:
        return "ok";
    case RUNFOLDER_NO_DIR:
        return "no run folder";
    case RUNFOLDER_NO_RUN:
        return "run.json unreadable";
    case RUNFOLDER_TOO_BIG:
        return "run.json too large";
    case RUNFOLDER_TRUNCATED:
        return "run.json truncated";
    case RUNFOLDER_SYNTAX:
        return "run.json is not JSON";
    case RUNFOLDER_NOT_OBJECT:
        return "run.json is not a JSON object";
    case RUNFOLDER_FOREIGN:
        return "not a pvbench run";
    case RUNFOLDER_BAD_VERSION:
        return "run format version not understood";
    case RUNFOLDER_NEWER:
        return "newer run format version";
    case RUNFOLDER_NO_SAMPLES:
        return "samples.csv unreadable";
    case RUNFOLDER_BAD_SAMPLES:
        return "samples.csv is not a samples file";
    case RUNFOLDER_NO_SUMMARY:
        return "summary.csv unreadable";
    case RUNFOLDER_BAD_SUMMARY:
        return "summary.csv is not a summary file";
    case RUNFOLDER_NO_MEMORY:
        return "out of memory";
    }
    return "unknown error";
}

int runfolder_exit_code(enum runfolder_err e)
{
    switch (e) {
    case RUNFOLDER_OK:
        return PVB_EXIT_OK;
    case RUNFOLDER_NO_MEMORY:
        return PVB_EXIT_FAILED;
    default: /* a folder named on the command line that is not a readable run: bad input */
        return PVB_EXIT_USAGE;
    }
}

struct scenario *runfolder_scenario(const struct runfolder *rf)
{
    struct scenario *s;
    char err[SCENARIO_ERR_MAX];

    if (!rf->scenario_resolved || !rf->scenario_resolved[0] || !(s = calloc(1, sizeof(*s)))) {
        return NULL;
    }
    if (scenario_load_string("run.json", rf->scenario_resolved, s, err, sizeof(err)) != 0) {
        free(s);
        return NULL;
    }
    return s;
}

void runfolder_scenario_reference(const struct runfolder *rf, char *buf, size_t len)
{
    struct scenario *s = runfolder_scenario(rf);

    buf[0] = '\0';
    if (s) {
        util_strlcpy(buf, s->reference, len);
    }
    free(s);
}
