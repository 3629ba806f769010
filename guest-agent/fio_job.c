/*
 * One fio job, see fio_job.h: the command line the agent and the host baseline give fio,
 * and fio's JSON parsed with json-c into struct fio_job_stats, which each side copies into
 * its own result struct.
 */
#include "fio_job.h"

#include <json-c/json.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void __attribute__((format(printf, 3, 4)))
fio_job_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (!err || errlen == 0) {
        return;
    }
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* ---- command line ------------------------------------------------------------------------ */

static int __attribute__((format(printf, 2, 3)))
fio_job_arg(struct fio_job_argv *a, const char *fmt, ...)
{
    size_t room = sizeof(a->store) - a->used;
    va_list ap;
    int n;

    if (a->argc >= FIO_JOB_ARGV_MAX) {
        return -1;
    }
    va_start(ap, fmt);
    n = vsnprintf(a->store + a->used, room, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= room) {
        return -1;
    }
    a->argv[a->argc++] = a->store + a->used;
    a->argv[a->argc] = NULL;
    a->used += (size_t)n + 1;
    return 0;
}

int fio_job_build_argv(const struct fio_job_params *p, struct fio_job_argv *a)
{
    char name[sizeof(a->store)];
    size_t i, o = 0;
    int rc = 0;

    memset(a, 0, sizeof(*a));
    /* fio splits filename= at ':' (several files); a literal one is written "\:". */
    for (i = 0; p->file[i]; i++) {
        if (o + 3 > sizeof(name)) {
            return -1;
        }
        if (p->file[i] == ':') {
            name[o++] = '\\';
        }
        name[o++] = p->file[i];
    }
    name[o] = '\0';
    rc |= fio_job_arg(a, "%s", p->binary);
    rc |= fio_job_arg(a, "--name=pvbench");
    rc |= fio_job_arg(a, "--filename=%s", name);
    rc |= fio_job_arg(a, "--rw=%s", p->rw);
    rc |= fio_job_arg(a, "--bs=%u", p->bs);
    rc |= fio_job_arg(a, "--iodepth=%u", p->qd);
    rc |= fio_job_arg(a, "--ioengine=libaio");
    rc |= fio_job_arg(a, "--direct=1");
    rc |= fio_job_arg(a, "--time_based=1");
    rc |= fio_job_arg(a, "--runtime=%ums", p->runtime_ms);
    if (p->warmup_ms > 0) {
        rc |= fio_job_arg(a, "--ramp_time=%ums", p->warmup_ms);
    }
    rc |= fio_job_arg(a, "--norandommap=1");
    rc |= fio_job_arg(a, "--randrepeat=0");
    rc |= fio_job_arg(a, "--lat_percentiles=1");
    rc |= fio_job_arg(a, "--clat_percentiles=0");
    rc |= fio_job_arg(a, "--percentile_list=50:90:99:99.9");
    rc |= fio_job_arg(a, "--eta=never");
    rc |= fio_job_arg(a, "--output-format=json");
    return rc ? -1 : 0;
}

/* ---- JSON -------------------------------------------------------------------------------- */

/* Member key of obj, of JSON type type. NULL with err naming path.key if absent or mistyped. */
static struct json_object *fio_job_get(struct json_object *obj, const char *path, const char *key,
                                       enum json_type type, char *err, size_t errlen)
{
    struct json_object *v = NULL;

    if (!json_object_object_get_ex(obj, key, &v) || !v) {
        fio_job_err(err, errlen, "fio JSON: missing %s%s", path, key);
        return NULL;
    }
    if (type == json_type_double) {
        if (!json_object_is_type(v, json_type_double) && !json_object_is_type(v, json_type_int)) {
            fio_job_err(err, errlen, "fio JSON: %s%s is not a number", path, key);
            return NULL;
        }
    } else if (!json_object_is_type(v, type)) {
        fio_job_err(err, errlen, "fio JSON: %s%s is not of type %s", path, key,
                    json_type_to_name(type));
        return NULL;
    }
    return v;
}

/* A finite, non-negative number. 0 or -1 with err. */
static int fio_job_num(struct json_object *obj, const char *path, const char *key, double *out,
                       char *err, size_t errlen)
{
    struct json_object *v = fio_job_get(obj, path, key, json_type_double, err, errlen);
    double d;

    if (!v) {
        return -1;
    }
    d = json_object_get_double(v);
    if (!isfinite(d) || d < 0) {
        fio_job_err(err, errlen, "fio JSON: %s%s is not a finite number >= 0", path, key);
        return -1;
    }
    *out = d;
    return 0;
}

/* The total-latency percentiles (keys "50.000000", ...) in ns, clamped into [lo, hi]. */
static int fio_job_percentiles(struct json_object *pct, double lo, double hi, double out[4],
                               char *err, size_t errlen)
{
    static const double want[] = {50.0, 90.0, 99.0, 99.9};
    bool found[4] = {false, false, false, false};
    double d, v;
    char *end;
    unsigned i;

    json_object_object_foreach(pct, key, val)
    {
        d = strtod(key, &end);
        if (end == key || *end != '\0' ||
            !(json_object_is_type(val, json_type_int) ||
              json_object_is_type(val, json_type_double))) {
            continue;
        }
        v = json_object_get_double(val);
        for (i = 0; i < 4; i++) {
            if (fabs(d - want[i]) < 1e-6 && isfinite(v) && v >= 0) {
                /* fio's percentiles are bucket values: one may lie just outside [min, max]. */
                out[i] = v < lo ? lo : v > hi ? hi : v;
                found[i] = true;
            }
        }
    }
    for (i = 0; i < 4; i++) {
        if (!found[i]) {
            fio_job_err(err, errlen, "fio JSON: lat_ns.percentile lacks %g", want[i]);
            return -1;
        }
    }
    return 0;
}

/* Fill st from the parsed root object. 0 or -1 with err. */
static int fio_job_fill(struct json_object *root, bool write, unsigned flags,
                        struct fio_job_stats *st, char *err, size_t errlen)
{
    const char *side = write ? "write" : "read";
    struct json_object *v, *jobs, *job, *sec, *lat, *pct;
    double d, lmin, lmax, p[4];
    char path[64];

    if (flags & FIO_JOB_WINDOW) {
        v = fio_job_get(root, "", "fio version", json_type_string, err, errlen);
        if (!v) {
            return -1;
        }
        snprintf(st->version, sizeof(st->version), "%s", json_object_get_string(v));
        if (fio_job_num(root, "", "timestamp_ms", &st->timestamp_ms, err, errlen) < 0) {
            return -1;
        }
    }
    jobs = fio_job_get(root, "", "jobs", json_type_array, err, errlen);
    if (!jobs) {
        return -1;
    }
    if (json_object_array_length(jobs) < 1) {
        fio_job_err(err, errlen, "fio JSON: no job in jobs[]");
        return -1;
    }
    job = json_object_array_get_idx(jobs, 0);
    if (!job || !json_object_is_type(job, json_type_object)) {
        fio_job_err(err, errlen, "fio JSON: jobs[0] is not an object");
        return -1;
    }
    if (fio_job_num(job, "jobs[0].", "error", &d, err, errlen) < 0) {
        return -1;
    }
    st->error = d > 4095 ? 4095 : (int)d;
    if (st->error != 0) {
        return 0; /* the caller reports the error; the numbers mean nothing */
    }
    if ((flags & FIO_JOB_WINDOW) &&
        fio_job_num(job, "jobs[0].", "job_runtime", &st->job_runtime_ms, err, errlen) < 0) {
        return -1;
    }
    sec = fio_job_get(job, "jobs[0].", side, json_type_object, err, errlen);
    if (!sec) {
        return -1;
    }
    snprintf(path, sizeof(path), "jobs[0].%s.", side);
    if (fio_job_num(sec, path, "runtime", &d, err, errlen) < 0) {
        return -1;
    }
    st->runtime_s = d / 1000.0;
    if (fio_job_num(sec, path, "total_ios", &d, err, errlen) < 0) {
        return -1;
    }
    st->ops = (uint64_t)d;
    if (fio_job_num(sec, path, "io_bytes", &d, err, errlen) < 0) {
        return -1;
    }
    st->bytes = (uint64_t)d;
    lat = fio_job_get(sec, path, "lat_ns", json_type_object, err, errlen);
    if (!lat) {
        return -1;
    }
    snprintf(path, sizeof(path), "jobs[0].%s.lat_ns.", side);
    if (fio_job_num(lat, path, "min", &lmin, err, errlen) < 0 ||
        fio_job_num(lat, path, "max", &lmax, err, errlen) < 0 ||
        fio_job_num(lat, path, "mean", &d, err, errlen) < 0) {
        return -1;
    }
    st->lat_us.min = lmin / 1e3;
    st->lat_us.max = lmax / 1e3;
    st->lat_us.mean = d / 1e3;
    if (fio_job_num(lat, path, "N", &d, err, errlen) < 0) {
        return -1;
    }
    if (d == 0) {
        st->ops = 0; /* no latency without completions: the caller refuses the result */
        return 0;
    }
    pct = fio_job_get(lat, path, "percentile", json_type_object, err, errlen);
    if (!pct || fio_job_percentiles(pct, lmin, lmax, p, err, errlen) < 0) {
        return -1;
    }
    st->lat_us.p50 = p[0] / 1e3;
    st->lat_us.p90 = p[1] / 1e3;
    st->lat_us.p99 = p[2] / 1e3;
    st->lat_us.p999 = p[3] / 1e3;
    return 0;
}

const char *fio_job_json_start(const char *out, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++) {
        if (out[i] == '{' && (i == 0 || out[i - 1] == '\n')) {
            return out + i;
        }
    }
    return NULL;
}

int fio_job_parse(const char *out, size_t len, bool write, unsigned flags, struct fio_job_stats *st,
                  char *err, size_t errlen)
{
    struct json_tokener *tok = NULL;
    struct json_object *root = NULL;
    enum json_tokener_error jerr;
    const char *start;
    size_t n;
    int ret = -1;

    memset(st, 0, sizeof(*st));
    start = fio_job_json_start(out, len);
    if (!start) {
        fio_job_err(err, errlen, "fio printed no JSON object");
        goto out;
    }
    n = len - (size_t)(start - out);
    if (memchr(start, '\0', n) || n > INT_MAX) {
        fio_job_err(err, errlen, "fio JSON holds a NUL byte");
        goto out;
    }
    tok = json_tokener_new();
    if (!tok) {
        fio_job_err(err, errlen, "out of memory");
        goto out;
    }
    root = json_tokener_parse_ex(tok, start, (int)n);
    jerr = json_tokener_get_error(tok);
    if (!root || jerr != json_tokener_success) {
        fio_job_err(err, errlen, "fio JSON does not parse: %s",
                    jerr == json_tokener_continue ? "truncated" : json_tokener_error_desc(jerr));
        goto out;
    }
    if (!json_object_is_type(root, json_type_object)) {
        fio_job_err(err, errlen, "fio JSON is not an object");
        goto out;
    }
    ret = fio_job_fill(root, write, flags, st, err, errlen);
out:
    json_object_put(root);
    if (tok) {
        json_tokener_free(tok);
    }
    return ret;
}
