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

int fio_job_build_argv(const struct fio_job_params *p, struct tool_argv *a)
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

/* Fill st from the parsed root object. 0 or -1 with err. */
static int fio_job_fill(struct json_object *root, bool write, unsigned flags,
                        struct fio_job_stats *st, char *err, size_t errlen)
{
    const char *side = (flags & FIO_JOB_MIXED) ? "mixed" : write ? "write" : "read";
    struct json_object *v, *jobs, *job, *sec, *lat, *pct;
    double d, lmin, lmax, p[4];
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
    job = json_object_array_get_idx(jobs, 0);
    if (!job || !json_object_is_type(job, json_type_object)) {
        tool_err(err, errlen, "fio JSON: jobs[0] is not an object");
        return -1;
    }
    if (tool_json_num("fio", job, "jobs[0].", "error", &d, err, errlen) < 0) {
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
    if (tool_json_num("fio", sec, path, "runtime", &d, err, errlen) < 0) {
        return -1;
    }
    st->runtime_s = d / 1000.0;
    if (tool_json_num("fio", sec, path, "total_ios", &d, err, errlen) < 0) {
        return -1;
    }
    st->ops = (uint64_t)d;
    if (tool_json_num("fio", sec, path, "io_bytes", &d, err, errlen) < 0) {
        return -1;
    }
    st->bytes = (uint64_t)d;
    lat = tool_json_get("fio", sec, path, "lat_ns", json_type_object, err, errlen);
    if (!lat) {
        return -1;
    }
    snprintf(path, sizeof(path), "jobs[0].%s.lat_ns.", side);
    if (tool_json_num("fio", lat, path, "min", &lmin, err, errlen) < 0 ||
        tool_json_num("fio", lat, path, "max", &lmax, err, errlen) < 0 ||
        tool_json_num("fio", lat, path, "mean", &d, err, errlen) < 0) {
        return -1;
    }
    st->lat_us.min = lmin / 1e3;
    st->lat_us.max = lmax / 1e3;
    st->lat_us.mean = d / 1e3;
    if (tool_json_num("fio", lat, path, "N", &d, err, errlen) < 0) {
        return -1;
    }
    if (d == 0) {
        st->ops = 0; /* no latency without completions: the caller refuses the result */
        return 0;
    }
    pct = tool_json_get("fio", lat, path, "percentile", json_type_object, err, errlen);
    if (!pct || fio_job_percentiles(pct, lmin, lmax, p, err, errlen) < 0) {
        return -1;
    }
    st->lat_us.p50 = p[0] / 1e3;
    st->lat_us.p90 = p[1] / 1e3;
    st->lat_us.p99 = p[2] / 1e3;
    st->lat_us.p999 = p[3] / 1e3;
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
