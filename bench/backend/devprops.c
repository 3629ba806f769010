/* device_options checked against the binary's own list of -device properties (devprops.h). */
#include "devprops.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define DEVPROPS_CACHE 16
#define DEVPROPS_OUT_MAX 65536 /* virtio-blk-pci lists ~70 properties, ~6 KiB */

/* One `-device MODEL,help` answer: the property names, one per line, or QEMU's complaint. */
struct devprops_entry {
    char binary[256];
    char model[64];
    char *names; /* "\nname\nname\n" (malloc'ed), NULL when QEMU refused the model */
    char qemu_err[256];
};

static struct devprops_entry devprops_cache[DEVPROPS_CACHE];
static unsigned devprops_n;

/* "  num-queues=<uint16> - ..." lines into "\nnum-queues\n...". */
static char *devprops_names(const char *out)
{
    size_t cap = strlen(out) + 2, used = 1;
    char *names = malloc(cap);
    const char *line = out;

    if (!names) {
        return NULL;
    }
    names[0] = '\n';
    while (*line) {
        const char *end = strchr(line, '\n'), *p = line, *eq;
        size_t n = end ? (size_t)(end - line) : strlen(line);
        while (p < line + n && *p == ' ') {
            p++;
        }
        eq = memchr(p, '=', (size_t)(line + n - p));
        if (p > line && eq && used + (size_t)(eq - p) + 2 <= cap) {
            memcpy(names + used, p, (size_t)(eq - p));
            used += (size_t)(eq - p);
            names[used++] = '\n';
        }
        line += n + (end ? 1 : 0);
    }
    names[used] = '\0';
    return names;
}

/* The cached answer for binary and model, asking QEMU the first time. NULL: cannot run it. */
static const struct devprops_entry *devprops_get(const char *binary, const char *model)
{
    struct devprops_entry *e;
    char arg[128];
    char *out;
    char *argv[4];
    int rc;

    for (unsigned i = 0; i < devprops_n; i++) {
        if (strcmp(devprops_cache[i].binary, binary) == 0 &&
            strcmp(devprops_cache[i].model, model) == 0) {
            return &devprops_cache[i];
        }
    }
    if (devprops_n == DEVPROPS_CACHE ||
        snprintf(arg, sizeof(arg), "%s,help", model) >= (int)sizeof(arg)) {
        return NULL;
    }
    out = malloc(DEVPROPS_OUT_MAX);
    if (!out) {
        return NULL;
    }
    argv[0] = (char *)binary;
    argv[1] = "-device";
    argv[2] = arg;
    argv[3] = NULL;
    rc = util_run_capture(argv, out, DEVPROPS_OUT_MAX, 10.0);
    if (rc < 0 || (rc == 127 && !strstr(out, model))) {
        free(out);
        return NULL;
    }
    e = &devprops_cache[devprops_n];
    memset(e, 0, sizeof(*e));
    util_strlcpy(e->binary, binary, sizeof(e->binary));
    util_strlcpy(e->model, model, sizeof(e->model));
    if (strstr(out, " options:") && !strstr(out, "not found")) {
        e->names = devprops_names(out);
    } else {
        /* "qemu-system-x86_64: -device nosuch,help: Device 'nosuch' not found" */
        util_strlcpy(e->qemu_err, out, sizeof(e->qemu_err));
        util_rstrip(e->qemu_err);
    }
    free(out);
    if (!e->names && !e->qemu_err[0]) {
        return NULL;
    }
    devprops_n++;
    return e;
}

int devprops_check(const char *binary, const char *model, const char *props, char *err,
                   size_t errlen)
{
    const struct devprops_entry *e = devprops_get(binary, model);
    const char *p = props;

    if (!e) {
        snprintf(err, errlen, "cannot ask %s for the properties of %s", binary, model);
        return -2;
    }
    if (!e->names) {
        snprintf(err, errlen, "%s", e->qemu_err);
        return -1;
    }
    while (*p) {
        char key[96];
        size_t n = strcspn(p, "=,");
        char look[100];

        snprintf(key, sizeof(key), "%.*s", (int)n, p);
        snprintf(look, sizeof(look), "\n%s\n", key);
        if (!strstr(e->names, look)) {
            /* what QEMU itself says when it is given such a property */
            snprintf(err, errlen,
                     "Property '%s.%s' not found (%s -device %s,help lists %s's "
                     "properties)",
                     model, key, binary, model, model);
            return -1;
        }
        p += strcspn(p, ",");
        p += *p == ',';
    }
    return 0;
}

int devprops_check_scenario(const struct scenario *s, const char *binary, char *err, size_t errlen)
{
    char why[SCENARIO_ERR_MAX];

    for (unsigned i = 0; i < s->n_configs; i++) {
        const struct scenario_config *c = &s->configs[i];
        const char *bin = c->qemu[0] == '/' ? c->qemu : binary;
        int line = c->key_line[SCENARIO_CK_DEVICE_OPTIONS] > 0
                       ? c->key_line[SCENARIO_CK_DEVICE_OPTIONS]
                       : s->base.key_line[SCENARIO_CK_DEVICE_OPTIONS];
        int rc;

        if (!c->opts.device_options[0]) {
            continue;
        }
        rc = devprops_check(bin, c->dev->qemu_device, c->opts.device_options, why, sizeof(why));
        if (rc == -2) {
            continue; /* the binary is checked, with its own message, when the run starts */
        }
        if (rc < 0) {
            if (line > 0) {
                snprintf(err, errlen, "%s:%d: config '%s': device_options: %s", s->path, line,
                         c->name, why);
            } else {
                snprintf(err, errlen, "%s: config '%s': device_options: %s", s->path, c->name, why);
            }
            return -1;
        }
    }
    return 0;
}
