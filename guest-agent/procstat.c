/* /proc/stat and /proc/interrupts parsing, see procstat.h. */
#include "procstat.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PROCSTAT_STAT_MAX (64 * 1024)
#define PROCSTAT_IRQ_MAX (512 * 1024)
#define PROCSTAT_DESC_MAX 256

/* Parse one unsigned decimal at *p (after blanks); advance *p. Returns 0 or -1. */
static int procstat_number(const char **p, uint64_t *out)
{
    const char *s = *p;
    uint64_t v = 0;

    while (*s == ' ' || *s == '\t') {
        s++;
    }
    if (!isdigit((unsigned char)*s)) {
        return -1;
    }
    while (isdigit((unsigned char)*s)) {
        v = v * 10 + (uint64_t)(*s - '0');
        s++;
    }
    *p = s;
    *out = v;
    return 0;
}

int procstat_parse_cpu(const char *text, struct procstat_cpu *out)
{
    uint64_t *field[8];
    const char *p = text;
    unsigned i;

    memset(out, 0, sizeof(*out));
    field[0] = &out->user;
    field[1] = &out->nice;
    field[2] = &out->system;
    field[3] = &out->idle;
    field[4] = &out->iowait;
    field[5] = &out->irq;
    field[6] = &out->softirq;
    field[7] = &out->steal;

    while (p && strncmp(p, "cpu ", 4) != 0) {
        p = strchr(p, '\n');
        if (p) {
            p++;
        }
    }
    if (!p) {
        return -EINVAL;
    }
    p += 3;
    for (i = 0; i < 8; i++) {
        if (procstat_number(&p, field[i]) < 0) {
            break;
        }
    }
    /* user nice system idle are in every kernel since 2.4 */
    return i >= 4 ? 0 : -EINVAL;
}

/* The eight counters in /proc/stat order. */
static void procstat_cpu_fields(const struct procstat_cpu *c, uint64_t v[8])
{
    v[0] = c->user;
    v[1] = c->nice;
    v[2] = c->system;
    v[3] = c->idle;
    v[4] = c->iowait;
    v[5] = c->irq;
    v[6] = c->softirq;
    v[7] = c->steal;
}

int procstat_cpu_pct(const struct procstat_cpu *before, const struct procstat_cpu *after,
                     struct procstat_pct *out)
{
    uint64_t a[8], b[8];
    double d[8], total = 0.0, scale;
    unsigned i;

    procstat_cpu_fields(before, a);
    procstat_cpu_fields(after, b);
    for (i = 0; i < 8; i++) {
        d[i] = b[i] > a[i] ? (double)(b[i] - a[i]) : 0.0;
        total += d[i];
    }
    scale = total > 0.0 ? 100.0 / total : 0.0;
    out->user = d[0] * scale;
    out->nice = d[1] * scale;
    out->system = d[2] * scale;
    out->idle = d[3] * scale;
    out->iowait = d[4] * scale;
    out->irq = d[5] * scale;
    out->softirq = d[6] * scale;
    out->steal = d[7] * scale;
    return total > 0.0 ? 0 : -ERANGE;
}

/* Number of "CPUn" columns in the header line of /proc/interrupts. */
static int procstat_irq_ncpu(const char *line, const char *end)
{
    int n = 0;
    const char *p;

    for (p = line; p + 3 <= end; p++) {
        if (p[0] == 'C' && p[1] == 'P' && p[2] == 'U') {
            n++;
            p += 2;
        }
    }
    return n;
}

int procstat_parse_irqs(const char *text, const char *needle, uint64_t *sum)
{
    const char *line = text, *end, *p, *colon;
    char desc[PROCSTAT_DESC_MAX];
    uint64_t total = 0, v, line_sum;
    int ncpu, i, matches = 0;
    size_t dlen;

    *sum = 0;
    if (!needle || !*needle) {
        return -EINVAL;
    }
    end = strchr(line, '\n');
    if (!end) {
        end = line + strlen(line);
    }
    ncpu = procstat_irq_ncpu(line, end);
    if (ncpu == 0) {
        return -EINVAL;
    }
    while (*end) {
        line = end + 1;
        end = strchr(line, '\n');
        if (!end) {
            end = line + strlen(line);
        }
        colon = memchr(line, ':', (size_t)(end - line));
        if (!colon) {
            continue;
        }
        p = colon + 1;
        line_sum = 0;
        for (i = 0; i < ncpu; i++) {
            if (procstat_number(&p, &v) < 0) {
                break;
            }
            line_sum += v;
        }
        while (p < end && (*p == ' ' || *p == '\t')) {
            p++;
        }
        if (p > end) {
            p = end;
        }
        dlen = (size_t)(end - p);
        if (dlen >= sizeof(desc)) {
            dlen = sizeof(desc) - 1;
        }
        memcpy(desc, p, dlen);
        desc[dlen] = '\0';
        if (strstr(desc, needle)) {
            total += line_sum;
            matches++;
        }
    }
    *sum = total;
    return matches;
}

int procstat_read_file(const char *path, char *buf, size_t size)
{
    size_t len = 0;
    ssize_t n;
    int fd, ret;

    if (size < 2) {
        return -EINVAL;
    }
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return -errno;
    }
    for (;;) {
        if (len == size - 1) {
            buf[len] = '\0';
            ret = -EFBIG;
            goto out;
        }
        n = read(fd, buf + len, size - 1 - len);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            ret = -errno;
            goto out;
        }
        if (n == 0) {
            break;
        }
        len += (size_t)n;
    }
    buf[len] = '\0';
    ret = (int)len;
out:
    close(fd);
    return ret;
}

int procstat_read_cpu(struct procstat_cpu *out)
{
    char *buf;
    int ret;

    buf = malloc(PROCSTAT_STAT_MAX);
    if (!buf) {
        return -ENOMEM;
    }
    ret = procstat_read_file("/proc/stat", buf, PROCSTAT_STAT_MAX);
    /* The "cpu " line comes first: a truncated /proc/stat (huge "intr" line) is fine. */
    if (ret == -EFBIG) {
        ret = 0;
    }
    if (ret >= 0) {
        ret = procstat_parse_cpu(buf, out);
    }
    free(buf);
    return ret;
}

int procstat_read_irqs(const char *needle, uint64_t *sum)
{
    char *buf;
    int ret;

    *sum = 0;
    buf = malloc(PROCSTAT_IRQ_MAX);
    if (!buf) {
        return -ENOMEM;
    }
    ret = procstat_read_file("/proc/interrupts", buf, PROCSTAT_IRQ_MAX);
    if (ret >= 0) {
        ret = procstat_parse_irqs(buf, needle, sum);
    }
    free(buf);
    return ret;
}
