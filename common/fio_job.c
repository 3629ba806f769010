/*
 * One fio job, see fio_job.h: the command line the agent and the host baseline give fio,
 * and fio's JSON parsed with json-c into struct fio_job_stats, which each side copies into
 * its own result struct.
 */
#include "fio_job.h"

#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- command line ------------------------------------------------------------------------ */

/* file as fio's filename= wants it: fio splits at ':' (several files), "\:" is a literal
 * one. 0, or -1 if it does not fit in len. */
static int fio_job_escape_name(const char *file, char *name, size_t len)
{
    size_t o = 0;

    for (size_t i = 0; file[i]; i++) {
        if (o + 3 > len) {
            return -1;
        }
        if (file[i] == ':') {
            name[o++] = '\\';
        }
        name[o++] = file[i];
    }
    name[o] = '\0';
    return 0;
}

int fio_job_build_argv(const struct fio_job_params *p, struct tool_argv *a)
{
    char name[sizeof(a->store)];
    int rc = 0;

    memset(a, 0, sizeof(*a));
    if (fio_job_escape_name(p->file, name, sizeof(name)) < 0) {
        return -1;
    }
    rc |= tool_argv_add(a, "%s", p->binary);
    rc |= tool_argv_add(a, "--name=pvbench");
    rc |= tool_argv_add(a, "--filename=%s", name);
    rc |= tool_argv_add(a, "--rw=%s", p->rw);
    rc |= tool_argv_add(a, "--bs=%u", p->bs);
    rc |= tool_argv_add(a, "--iodepth=%u", p->qd);
    rc |= tool_argv_add(a, "--ioengine=libaio");
    rc |= tool_argv_add(a, "--direct=1");
    rc |= tool_argv_add(a, "--time_based=1");
    rc |= tool_argv_add(a, "--runtime=%ums", p->runtime_ms);
    if (p->warmup_ms > 0) {
        rc |= tool_argv_add(a, "--ramp_time=%ums", p->warmup_ms);
    }
    if (strcmp(p->rw, "randrw") == 0) {
        rc |= tool_argv_add(a, "--rwmixread=%u", p->rwmixread);
        rc |= tool_argv_add(a, "--unified_rw_reporting=mixed");
    }
    if (p->offset_mib > 0) {
        rc |= tool_argv_add(a, "--offset=%uM", p->offset_mib);
    }
    if (p->size_mib > 0) {
        rc |= tool_argv_add(a, "--size=%uM", p->size_mib);
    }
    if (p->numjobs > 1) {
        rc |= tool_argv_add(a, "--numjobs=%u", p->numjobs);
        rc |= tool_argv_add(a, "--group_reporting=1");
    }
    rc |= tool_argv_add(a, "--norandommap=1");
    rc |= tool_argv_add(a, "--randrepeat=0");
    rc |= tool_argv_add(a, "--lat_percentiles=1");
    rc |= tool_argv_add(a, "--clat_percentiles=0");
    rc |= tool_argv_add(a, "--percentile_list=50:90:99:99.9");
    rc |= tool_argv_add(a, "--eta=never");
    rc |= tool_argv_add(a, "--output-format=json");
    return rc ? -1 : 0;
}

/* ---- JSON -------------------------------------------------------------------------------- */

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
            tool_err(err, errlen, "fio JSON: lat_ns.percentile lacks %g", want[i]);
            return -1;
        }
    }
    return 0;
}

/* One side of one job (jobs[i].read, ...): its numbers, latency in ns. */
struct fio_job_side {
    double runtime_ms, ops, bytes, n;
    double lmin, lmax, lmean, p[4];
};

/*
 * Read side object sec (path: "jobs[0].read." for messages). The percentiles only when
 * the side has completions (fio leaves them out otherwise). 0 or -1 with err.
 */
static int fio_job_read_side(struct json_object *sec, const char *path, struct fio_job_side *o,
                             char *err, size_t errlen)
{
    struct json_object *lat, *pct;
    char lpath[64];

    memset(o, 0, sizeof(*o));
    if (tool_json_num("fio", sec, path, "runtime", &o->runtime_ms, err, errlen) < 0 ||
        tool_json_num("fio", sec, path, "total_ios", &o->ops, err, errlen) < 0 ||
        tool_json_num("fio", sec, path, "io_bytes", &o->bytes, err, errlen) < 0) {
        return -1;
    }
    lat = tool_json_get("fio", sec, path, "lat_ns", json_type_object, err, errlen);
    if (!lat) {
        return -1;
    }
    snprintf(lpath, sizeof(lpath), "%slat_ns.", path);
    if (tool_json_num("fio", lat, lpath, "min", &o->lmin, err, errlen) < 0 ||
        tool_json_num("fio", lat, lpath, "max", &o->lmax, err, errlen) < 0 ||
        tool_json_num("fio", lat, lpath, "mean", &o->lmean, err, errlen) < 0 ||
        tool_json_num("fio", lat, lpath, "N", &o->n, err, errlen) < 0) {
        return -1;
    }
    if (o->n == 0) {
        return 0;
    }
    pct = tool_json_get("fio", lat, lpath, "percentile", json_type_object, err, errlen);
    if (!pct || fio_job_percentiles(pct, o->lmin, o->lmax, o->p, err, errlen) < 0) {
        return -1;
    }
    return 0;
}

/* The latencies of a side (ns) into st (us). */
static void fio_job_set_lat(struct fio_job_stats *st, const struct fio_job_side *d)
{
    st->lat_us.min = d->lmin / 1e3;
    st->lat_us.max = d->lmax / 1e3;
    st->lat_us.mean = d->lmean / 1e3;
    st->lat_us.p50 = d->p[0] / 1e3;
    st->lat_us.p90 = d->p[1] / 1e3;
    st->lat_us.p99 = d->p[2] / 1e3;
    st->lat_us.p999 = d->p[3] / 1e3;
}

/* jobs[i] as an object, or NULL with err. */
static struct json_object *fio_job_entry(struct json_object *jobs, size_t i, char *err,
                                         size_t errlen)
{
    struct json_object *job = json_object_array_get_idx(jobs, i);

    if (!job || !json_object_is_type(job, json_type_object)) {
        tool_err(err, errlen, "fio JSON: jobs[%zu] is not an object", i);
        return NULL;
    }
    return job;
}

/* FIO_JOB_ALL: every job and side with completions, summed into st (fio_job.h). */
static int fio_job_fill_all(struct json_object *jobs, unsigned flags, struct fio_job_stats *st,
                            char *err, size_t errlen)
{
    static const char *const sides[] = {"read", "write", "trim", "mixed"};
    struct fio_job_side d, sum;
    struct json_object *job, *sec;
    size_t n = json_object_array_length(jobs), i, k;
    double v, ops = 0, bytes = 0;
    char path[64];
    unsigned q;

    memset(&sum, 0, sizeof(sum));
    for (i = 0; i < n; i++) {
        job = fio_job_entry(jobs, i, err, errlen);
        snprintf(path, sizeof(path), "jobs[%zu].", i);
        if (!job || tool_json_num("fio", job, path, "error", &v, err, errlen) < 0) {
            return -1;
        }
        if (v != 0) {
            st->error = v > 4095 ? 4095 : (int)v;
            return 0;
        }
        if ((flags & FIO_JOB_WINDOW) &&
            tool_json_num("fio", job, path, "job_runtime", &v, err, errlen) < 0) {
            return -1;
        }
        st->job_runtime_ms = v > st->job_runtime_ms ? v : st->job_runtime_ms;
        for (k = 0; k < sizeof(sides) / sizeof(sides[0]); k++) {
            if (!json_object_object_get_ex(job, sides[k], &sec) ||
                !json_object_is_type(sec, json_type_object)) {
                continue;
            }
            snprintf(path, sizeof(path), "jobs[%zu].%s.", i, sides[k]);
            if (fio_job_read_side(sec, path, &d, err, errlen) < 0) {
                return -1;
            }
            ops += d.ops;
            bytes += d.bytes;
            if (d.n == 0) {
                continue;
            }
            sum.runtime_ms = d.runtime_ms > sum.runtime_ms ? d.runtime_ms : sum.runtime_ms;
            sum.lmin = sum.n == 0 || d.lmin < sum.lmin ? d.lmin : sum.lmin;
            sum.lmax = d.lmax > sum.lmax ? d.lmax : sum.lmax;
            sum.lmean += d.lmean * d.n;
            for (q = 0; q < 4; q++) {
                sum.p[q] += d.p[q] * d.n;
            }
            sum.n += d.n;
        }
    }
    st->runtime_s = sum.runtime_ms / 1000.0;
    st->bytes = (uint64_t)bytes;
    if (sum.n == 0) {
        return 0; /* st->ops = 0: no completion, the caller refuses the result */
    }
    st->ops = (uint64_t)ops;
    sum.lmean /= sum.n;
    for (q = 0; q < 4; q++) {
        sum.p[q] /= sum.n;
        sum.p[q] = sum.p[q] < sum.lmin ? sum.lmin : sum.p[q] > sum.lmax ? sum.lmax : sum.p[q];
    }
    fio_job_set_lat(st, &sum);
    return 0;
}

/* Fill st from the parsed root object. 0 or -1 with err. */
static int fio_job_fill(struct json_object *root, bool write, unsigned flags,
                        struct fio_job_stats *st, char *err, size_t errlen)
{
    const char *side = (flags & FIO_JOB_MIXED) ? "mixed" : write ? "write" : "read";
    struct json_object *v, *jobs, *job, *sec;
    struct fio_job_side one;
    double d;
    char path[64];

    if (flags & FIO_JOB_WINDOW) {
        v = tool_json_get("fio", root, "", "fio version", json_type_string, err, errlen);
        if (!v) {
            return -1;
        }
        snprintf(st->version, sizeof(st->version), "%s", json_object_get_string(v));
        if (tool_json_num("fio", root, "", "timestamp_ms", &st->timestamp_ms, err, errlen) < 0) {
            return -1;
        }
    }
    jobs = tool_json_get("fio", root, "", "jobs", json_type_array, err, errlen);
    if (!jobs) {
        return -1;
    }
    if (json_object_array_length(jobs) < 1) {
        tool_err(err, errlen, "fio JSON: no job in jobs[]");
        return -1;
    }
    if (flags & FIO_JOB_ALL) {
        return fio_job_fill_all(jobs, flags, st, err, errlen);
    }
    job = fio_job_entry(jobs, 0, err, errlen);
    if (!job || tool_json_num("fio", job, "jobs[0].", "error", &d, err, errlen) < 0) {
        return -1;
    }
    st->error = d > 4095 ? 4095 : (int)d;
    if (st->error != 0) {
        return 0; /* the caller reports the error; the numbers mean nothing */
    }
    if ((flags & FIO_JOB_WINDOW) &&
        tool_json_num("fio", job, "jobs[0].", "job_runtime", &st->job_runtime_ms, err, errlen) < 0) {
        return -1;
    }
    sec = tool_json_get("fio", job, "jobs[0].", side, json_type_object, err, errlen);
    if (!sec) {
        return -1;
    }
    snprintf(path, sizeof(path), "jobs[0].%s.", side);
    if (fio_job_read_side(sec, path, &one, err, errlen) < 0) {
        return -1;
    }
    st->runtime_s = one.runtime_ms / 1000.0;
    st->ops = (uint64_t)one.ops;
    st->bytes = (uint64_t)one.bytes;
    if (one.n == 0) {
        st->ops = 0; /* no latency without completions: the caller refuses the result */
        st->lat_us.min = one.lmin / 1e3;
        st->lat_us.max = one.lmax / 1e3;
        st->lat_us.mean = one.lmean / 1e3;
        return 0;
    }
    fio_job_set_lat(st, &one);
    return 0;
}

int fio_job_parse(const char *out, size_t len, bool write, unsigned flags, struct fio_job_stats *st,
                  char *err, size_t errlen)
{
    struct json_object *root;
    int ret;

    memset(st, 0, sizeof(*st));
    root = tool_json_parse("fio", out, len, err, errlen);
    if (!root) {
        return -1;
    }
    ret = fio_job_fill(root, write, flags, st, err, errlen);
    json_object_put(root);
    return ret;
}

/* ---- a user's job file ------------------------------------------------------------------- */

int fio_job_file_text(const struct fio_job_params *p, const char *user, char *out, size_t outlen)
{
    char ramp[48] = "", name[256];
    int n;

    /* filename= in a job file splits at ':' as on the command line */
    if (fio_job_escape_name(p->file, name, sizeof(name)) < 0) {
        return -1;
    }
    if (p->warmup_ms > 0) {
        snprintf(ramp, sizeof(ramp), "ramp_time=%ums\n", p->warmup_ms);
    }
    n = snprintf(out, outlen,
                 "[global]\nfilename=%s\ndirect=1\nioengine=libaio\ntime_based=1\n"
                 "runtime=%ums\n%sgroup_reporting=1\nunified_rw_reporting=mixed\n"
                 "lat_percentiles=1\nclat_percentiles=0\npercentile_list=50:90:99:99.9\n%s",
                 name, p->runtime_ms, ramp, user);
    return n < 0 || (size_t)n >= outlen ? -1 : n;
}

int fio_job_build_file_argv(const char *binary, const char *path, struct tool_argv *a)
{
    int rc = 0;

    memset(a, 0, sizeof(*a));
    rc |= tool_argv_add(a, "%s", binary);
    rc |= tool_argv_add(a, "--eta=never");
    rc |= tool_argv_add(a, "--output-format=json");
    rc |= tool_argv_add(a, "%s", path);
    return rc ? -1 : 0;
}

int fio_job_hex_encode(const char *s, size_t n, char *out, size_t outlen)
{
    static const char digits[] = "0123456789abcdef";
    size_t i;

    if (outlen == 0 || n > (outlen - 1) / 2) {
        return -1;
    }
    for (i = 0; i < n; i++) {
        out[2 * i] = digits[(unsigned char)s[i] >> 4];
        out[2 * i + 1] = digits[(unsigned char)s[i] & 0xf];
    }
    out[2 * n] = '\0';
    return (int)(2 * n);
}

/* One hex digit's value, or -1. */
static int fio_job_hex_digit(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

int fio_job_hex_decode(const char *hex, size_t n, char *out, size_t outlen)
{
    size_t i;
    int hi, lo;

    if (n % 2 != 0 || outlen == 0 || n / 2 > outlen - 1) {
        return -1;
    }
    for (i = 0; i < n / 2; i++) {
        hi = fio_job_hex_digit(hex[2 * i]);
        lo = fio_job_hex_digit(hex[2 * i + 1]);
        if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
            return -1;
        }
        out[i] = (char)(hi << 4 | lo);
    }
    out[n / 2] = '\0';
    return (int)(n / 2);
}
