/*
 * One iperf3 client run, see iperf3_job.h: the command line the agent gives iperf3 and its
 * --json output parsed with json-c into struct iperf3_job_stats.
 */
#include "iperf3_job.h"

#include <json-c/json.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* ---- command line ------------------------------------------------------------------------ */

int iperf3_job_build_argv(const struct iperf3_job_params *p, struct tool_argv *a)
{
    int rc = 0;

    memset(a, 0, sizeof(*a));
    if (p->runtime_s < 1) {
        return -1;
    }
    rc |= tool_argv_add(a, "%s", p->binary);
    rc |= tool_argv_add(a, "--client");
    rc |= tool_argv_add(a, "%s", p->server);
    rc |= tool_argv_add(a, "--port");
    rc |= tool_argv_add(a, "%u", p->port);
    rc |= tool_argv_add(a, "--time");
    rc |= tool_argv_add(a, "%u", p->runtime_s);
    if (p->omit_s > 0) {
        rc |= tool_argv_add(a, "--omit");
        rc |= tool_argv_add(a, "%u", p->omit_s);
    }
    rc |= tool_argv_add(a, "--length");
    rc |= tool_argv_add(a, "%u", p->bs);
    if (p->reverse) {
        rc |= tool_argv_add(a, "--reverse");
    }
    if (p->connect_timeout_ms > 0) {
        rc |= tool_argv_add(a, "--connect-timeout");
        rc |= tool_argv_add(a, "%u", p->connect_timeout_ms);
    }
    rc |= tool_argv_add(a, "--json");
    return rc ? -1 : 0;
}

/* ---- JSON -------------------------------------------------------------------------------- */

/* end.<key>: seconds and bytes of one side. */
static int iperf3_job_sum(struct json_object *end, const char *key, double *seconds,
                          uint64_t *bytes, char *err, size_t errlen)
{
    struct json_object *sum = tool_json_get("iperf3", end, "end.", key, json_type_object, err, errlen);
    char path[48];
    double b;

    if (!sum) {
        return -1;
    }
    snprintf(path, sizeof(path), "end.%s.", key);
    if (tool_json_num("iperf3", sum, path, "seconds", seconds, err, errlen) < 0 ||
        tool_json_num("iperf3", sum, path, "bytes", &b, err, errlen) < 0) {
        return -1;
    }
    *bytes = (uint64_t)b;
    return 0;
}

/* Fill st from the parsed root object. 0 or -1 with err. */
static int iperf3_job_fill(struct json_object *root, struct iperf3_job_stats *st, char *err,
                           size_t errlen)
{
    struct json_object *v = NULL, *start, *test, *end;
    double d;

    /* iperf3 reports its failures in the JSON (and 3.12 then still exits 0) */
    if (json_object_object_get_ex(root, "error", &v) && v) {
        snprintf(st->error, sizeof(st->error), "%s",
                 json_object_is_type(v, json_type_string) ? json_object_get_string(v)
                                                          : "(an error that is not a string)");
        return 0;
    }
    start = tool_json_get("iperf3", root, "", "start", json_type_object, err, errlen);
    if (!start) {
        return -1;
    }
    v = tool_json_get("iperf3", start, "start.", "version", json_type_string, err, errlen);
    if (!v) {
        return -1;
    }
    snprintf(st->version, sizeof(st->version), "%s", json_object_get_string(v));
    test = tool_json_get("iperf3", start, "start.", "test_start", json_type_object, err, errlen);
    if (!test) {
        return -1;
    }
    if (tool_json_num("iperf3", test, "start.test_start.", "duration", &d, err, errlen) < 0) {
        return -1;
    }
    st->duration_s = d > UINT_MAX ? UINT_MAX : (unsigned)d;
    if (tool_json_num("iperf3", test, "start.test_start.", "omit", &d, err, errlen) < 0) {
        return -1;
    }
    st->omit_s = d > UINT_MAX ? UINT_MAX : (unsigned)d;
    if (tool_json_num("iperf3", test, "start.test_start.", "blksize", &d, err, errlen) < 0) {
        return -1;
    }
    st->blksize = d > UINT_MAX ? UINT_MAX : (unsigned)d;
    if (tool_json_num("iperf3", test, "start.test_start.", "reverse", &d, err, errlen) < 0) {
        return -1;
    }
    st->reverse = d != 0;
    end = tool_json_get("iperf3", root, "", "end", json_type_object, err, errlen);
    if (!end || iperf3_job_sum(end, "sum_sent", &st->sent_s, &st->sent_bytes, err, errlen) < 0 ||
        iperf3_job_sum(end, "sum_received", &st->recv_s, &st->recv_bytes, err, errlen) < 0) {
        return -1;
    }
    return 0;
}

int iperf3_job_parse(const char *out, size_t len, struct iperf3_job_stats *st, char *err,
                     size_t errlen)
{
    struct json_object *root;
    int ret;

    memset(st, 0, sizeof(*st));
    root = tool_json_parse("iperf3", out, len, err, errlen);
    if (!root) {
        return -1;
    }
    ret = iperf3_job_fill(root, st, err, errlen);
    json_object_put(root);
    return ret;
}
