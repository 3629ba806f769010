#include "tool.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int tool_argv_add(struct tool_argv *a, const char *fmt, ...)
{
    size_t room = sizeof(a->store) - a->used;
    va_list ap;
    int n;

    if (a->argc >= TOOL_ARGV_MAX) {
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

void tool_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (!err || errlen == 0) {
        return;
    }
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

struct json_object *tool_json_get(const char *tool, struct json_object *obj, const char *path,
                                  const char *key, enum json_type type, char *err, size_t errlen)
{
    struct json_object *v = NULL;

    if (!json_object_object_get_ex(obj, key, &v) || !v) {
        tool_err(err, errlen, "%s JSON: missing %s%s", tool, path, key);
        return NULL;
    }
    if (type == json_type_double) {
        if (!json_object_is_type(v, json_type_double) && !json_object_is_type(v, json_type_int)) {
            tool_err(err, errlen, "%s JSON: %s%s is not a number", tool, path, key);
            return NULL;
        }
    } else if (!json_object_is_type(v, type)) {
        tool_err(err, errlen, "%s JSON: %s%s is not of type %s", tool, path, key,
                 json_type_to_name(type));
        return NULL;
    }
    return v;
}

int tool_json_num(const char *tool, struct json_object *obj, const char *path, const char *key,
                  double *out, char *err, size_t errlen)
{
    struct json_object *v = tool_json_get(tool, obj, path, key, json_type_double, err, errlen);
    double d;

    if (!v) {
        return -1;
    }
    d = json_object_get_double(v);
    if (!isfinite(d) || d < 0) {
        tool_err(err, errlen, "%s JSON: %s%s is not a finite number >= 0", tool, path, key);
        return -1;
    }
    *out = d;
    return 0;
}

const char *tool_json_start(const char *out, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (out[i] == '{' && (i == 0 || out[i - 1] == '\n')) {
            return out + i;
        }
    }
    return NULL;
}

struct json_object *tool_json_parse(const char *tool, const char *out, size_t len, char *err,
                                    size_t errlen)
{
    const char *start = tool_json_start(out, len);
    struct json_tokener *tok;
    struct json_object *root;
    enum json_tokener_error jerr;
    size_t n;

    if (!start) {
        tool_err(err, errlen, "%s printed no JSON object", tool);
        return NULL;
    }
    n = len - (size_t)(start - out);
    if (memchr(start, '\0', n) || n > INT_MAX) {
        tool_err(err, errlen, "%s JSON holds a NUL byte", tool);
        return NULL;
    }
    tok = json_tokener_new();
    if (!tok) {
        tool_err(err, errlen, "out of memory");
        return NULL;
    }
    root = json_tokener_parse_ex(tok, start, (int)n);
    jerr = json_tokener_get_error(tok);
    json_tokener_free(tok);
    if (!root || jerr != json_tokener_success) {
        tool_err(err, errlen, "%s JSON does not parse: %s", tool,
                 jerr == json_tokener_continue ? "truncated" : json_tokener_error_desc(jerr));
        json_object_put(root);
        return NULL;
    }
    if (!json_object_is_type(root, json_type_object)) {
        tool_err(err, errlen, "%s JSON is not an object", tool);
        json_object_put(root);
        return NULL;
    }
    return root;
}
