/*
 * What the agent needs to run an external tool (fio, iperf3) and read its JSON: the argv,
 * a NULL-terminated array whose strings live in the struct itself (no allocation), and
 * json-c lookups whose errors name the tool and the path. Shared with the host (bench/
 * builds fio_job.c for the bare-host baseline).
 */
#ifndef PVB_TOOL_H
#define PVB_TOOL_H

#include <stddef.h>

#include <json-c/json.h>

#define TOOL_ARGV_MAX 24

struct tool_argv {
    char *argv[TOOL_ARGV_MAX + 1]; /* NULL-terminated */
    unsigned argc;
    char store[2048];
    size_t used;
};

/* Append one argument, printf-style. 0, or -1 when argv or store is full. */
int tool_argv_add(struct tool_argv *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), warn_unused_result));

/* Write msg (printf-style) into err when err is not NULL and errlen > 0. */
void tool_err(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * Member key of obj (path: where obj is, for the message, e.g. "jobs[0].read."), of JSON
 * type type (json_type_double also takes an integer). NULL with err "<tool> JSON: missing
 * <path><key>" or "... is not ..." when absent or mistyped.
 */
struct json_object *tool_json_get(const char *tool, struct json_object *obj, const char *path,
                                  const char *key, enum json_type type, char *err, size_t errlen);

/* A finite, non-negative number at obj.key. 0, or -1 with err. */
int tool_json_num(const char *tool, struct json_object *obj, const char *path, const char *key,
                  double *out, char *err, size_t errlen);

/* Where a tool's JSON starts in its output: the first line that begins with '{'. NULL: none. */
const char *tool_json_start(const char *out, size_t len);

/*
 * Parse the JSON object in a tool's output (from tool_json_start on). The object (the
 * caller puts it), or NULL with err: "<tool> printed no JSON object", "... holds a NUL
 * byte", "... does not parse: truncated", "... is not an object".
 */
struct json_object *tool_json_parse(const char *tool, const char *out, size_t len, char *err,
                                    size_t errlen);

#endif
