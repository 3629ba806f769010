/* The state of a lost guest's QEMU, for its log (lostguest.h). */
#include "lostguest.h"

#include <dirent.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "qmp.h"
#include "util.h"

/* At most this many queues per device are asked about (virtio-net with many queue pairs). */
#define LOSTGUEST_MAX_QUEUES 8
#define LOSTGUEST_QMP_S 3.0

void lostguest_threads(FILE *out, pid_t pid, const char *who)
{
    char path[64], buf[512], comm[64], wchan[64];
    struct dirent *de;
    DIR *d;

    snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
    d = pid > 0 ? opendir(path) : NULL;
    if (!d) {
        return;
    }
    fprintf(out, "pvbench: %s pid %d lost its guest; its threads (name, state, wait channel):\n",
            who, (int)pid);
    while ((de = readdir(d)) != NULL) {
        char *close_paren, state;
        int tid = atoi(de->d_name);

        if (tid <= 0) {
            continue;
        }
        snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", (int)pid, tid);
        /* "tid (comm) S ...": comm may hold spaces and parentheses, the last ')' ends it */
        if (util_read_file(path, buf, sizeof(buf)) <= 0 || !(close_paren = strrchr(buf, ')')) ||
            !strchr(buf, '(')) {
            continue;
        }
        *close_paren = '\0';
        util_strlcpy(comm, strchr(buf, '(') + 1, sizeof(comm));
        state = close_paren[1] == ' ' ? close_paren[2] : '?';
        snprintf(path, sizeof(path), "/proc/%d/task/%d/wchan", (int)pid, tid);
        if (util_read_file(path, wchan, sizeof(wchan)) <= 0) {
            util_strlcpy(wchan, "-", sizeof(wchan));
        }
        util_sanitize(comm);
        util_sanitize(wchan);
        fprintf(out, "pvbench:   %d %s %c %s\n", tid, comm, state, wchan);
    }
    closedir(d);
}

/* Run cmd with {"path": path[, "queue": queue >= 0]}; its answer or NULL (err set). */
static json_object *lostguest_ask(struct qmp *q, const char *cmd, const char *path, int queue,
                                  char *err, size_t errlen)
{
    json_object *args = json_object_new_object(), *ret = NULL;
    int rc;

    json_object_object_add(args, "path", json_object_new_string(path));
    if (queue >= 0) {
        json_object_object_add(args, "queue", json_object_new_int(queue));
    }
    rc = qmp_execute(q, cmd, args, &ret, util_now() + LOSTGUEST_QMP_S, err, errlen);
    json_object_put(args);
    if (rc != QMP_OK) {
        json_object_put(ret);
        return NULL;
    }
    return ret;
}

/* obj (or its keys named in keys, NULL-terminated) as one sanitized line. */
static void lostguest_print(FILE *out, const char *label, json_object *obj,
                            const char *const *keys)
{
    json_object *pick = NULL, *v;
    char line[2048];

    if (keys) {
        pick = json_object_new_object();
        for (; *keys; keys++) {
            if (json_object_object_get_ex(obj, *keys, &v)) {
                json_object_object_add(pick, *keys, json_object_get(v));
            }
        }
        obj = pick;
    }
    util_strlcpy(line, json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN), sizeof(line));
    util_sanitize(line);
    fprintf(out, "pvbench:   %s: %s\n", label, line);
    json_object_put(pick);
}

void lostguest_virtqueues(FILE *out, const char *qmp_path)
{
    static const char *const status_keys[] = {"name",    "status",        "isr",
                                              "broken",  "started",       "disabled",
                                              "num-vqs", "vhost-started", NULL};
    json_object *devs = NULL, *st;
    struct qmp q;
    char err[256], label[32];

    qmp_init(&q);
    if (qmp_connect(&q, qmp_path, util_now() + LOSTGUEST_QMP_S, err, sizeof(err)) != QMP_OK ||
        qmp_execute(&q, "x-query-virtio", NULL, &devs, util_now() + LOSTGUEST_QMP_S, err,
                    sizeof(err)) != QMP_OK ||
        !json_object_is_type(devs, json_type_array)) {
        util_sanitize(err);
        fprintf(out, "pvbench: no virtqueue state from QMP: %s\n", err);
        json_object_put(devs);
        qmp_close(&q);
        return;
    }
    fprintf(out, "pvbench: virtio devices and queues as QEMU sees them (x-query-virtio-*):\n");
    for (size_t i = 0; i < json_object_array_length(devs); i++) {
        json_object *jpath = NULL;
        const char *path;

        if (!json_object_object_get_ex(json_object_array_get_idx(devs, i), "path", &jpath) ||
            !(path = json_object_get_string(jpath))) {
            continue;
        }
        if ((st = lostguest_ask(&q, "x-query-virtio-status", path, -1, err, sizeof(err)))) {
            lostguest_print(out, path, st, status_keys);
            json_object_put(st);
        }
        /* Queue after queue until QEMU says there is no such queue. */
        for (int k = 0; k < LOSTGUEST_MAX_QUEUES; k++) {
            if (!(st = lostguest_ask(&q, "x-query-virtio-queue-status", path, k, err,
                                     sizeof(err)))) {
                break;
            }
            snprintf(label, sizeof(label), "queue %d", k);
            lostguest_print(out, label, st, NULL);
            json_object_put(st);
        }
    }
    json_object_put(devs);
    qmp_close(&q);
}
