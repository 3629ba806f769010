/*
 * A user's fio job file: read, checked and normalised (fiofile.h). Pure but for
 * fiofile_load's read.
 */
#include "fiofile.h"
#include "fio_job.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A physical line is at most this long; fio's own limit is about the same (OPT_LEN_MAX). */
#define FIOFILE_LINE_MAX 512
/* fiofile_load reads at most this much: a job file is text of a few lines. */
#define FIOFILE_FILE_MAX (64u * 1024)

/* A key the file may not give, and why (the message's second half). */
struct fiofile_rule {
    const char *key;
    const char *why;
};

static const struct fiofile_rule fiofile_refused[] = {
    {"filename", "pvbench sets filename= to the device under test"},
    {"directory", "names a folder; the job runs on the device under test"},
    {"filename_format", "names other files; the job runs on the device under test"},
    {"opendir", "names a folder; the job runs on the device under test"},
    {"nrfiles", "the job has one file: the device under test"},
    {"openfiles", "the job has one file: the device under test"},
    {"unlink", "would remove the device under test"},
    {"unlink_each_loop", "would remove the device under test"},
    {"read_iolog", "names another file"},
    {"write_iolog", "names another file"},
    {"replay_redirect", "names another device"},
    {"write_bw_log", "writes a log file; pvbench reports the numbers"},
    {"write_lat_log", "writes a log file; pvbench reports the numbers"},
    {"write_iops_log", "writes a log file; pvbench reports the numbers"},
    {"write_hist_log", "writes a log file; pvbench reports the numbers"},
    {"exec_prerun", "runs a program in the guest"},
    {"exec_postrun", "runs a program in the guest"},
    {"ioscheduler", "changes the guest's I/O scheduler"},
    {"runtime", "pvbench sets it from the scenario's runtime"},
    {"ramp_time", "pvbench sets it from the scenario's warmup"},
    {"time_based", "pvbench sets it (every job runs for the scenario's runtime)"},
    {"startdelay", "every job runs over the same measured interval"},
    {"stonewall", "every job runs over the same measured interval"},
    {"wait_for", "every job runs over the same measured interval"},
    {"wait_for_previous", "every job runs over the same measured interval"},
    {"lat_percentiles", "pvbench sets the latency it reports"},
    {"clat_percentiles", "pvbench sets the latency it reports"},
    {"slat_percentiles", "pvbench sets the latency it reports"},
    {"percentile_list", "pvbench sets the latency it reports"},
    {"unified_rw_reporting", "pvbench sets how read and write are reported"},
};

static const char *const fiofile_engines[] = {"libaio", "io_uring", "psync",    "sync",
                                              "pvsync", "pvsync2",  "vsync",    "posixaio"};

/* The state of one parse. */
struct fiofile_parse {
    const char *name;
    int line;
    char *msg;
    size_t msglen;
    struct fiofile *f;
    bool in_job, first_done, overflow;
    /* [global]'s pattern so far, and the first job's */
    char g_rw[16], j_rw[16], g_bs[32], j_bs[32], g_qd[16], j_qd[16];
};

static void __attribute__((format(printf, 2, 3))) fiofile_err(struct fiofile_parse *p,
                                                              const char *fmt, ...)
{
    char text[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    if (p->line > 0) {
        snprintf(p->msg, p->msglen, "%s:%d: %s", p->name, p->line, text);
    } else {
        snprintf(p->msg, p->msglen, "%s: %s", p->name, text);
    }
}

/* Append s[0..n) and a newline to the normalised text. */
static void fiofile_emit(struct fiofile_parse *p, const char *s, size_t n)
{
    struct fiofile *f = p->f;

    if (f->len + n + 2 > sizeof(f->text)) {
        p->overflow = true;
        return;
    }
    memcpy(f->text + f->len, s, n);
    f->len += n;
    f->text[f->len++] = '\n';
    f->text[f->len] = '\0';
}

static bool fiofile_key_char(char c)
{
    return isalnum((unsigned char)c) || c == '_' || c == '-';
}

static bool fiofile_section_char(char c)
{
    return isalnum((unsigned char)c) || c == '_' || c == '-' || c == '.' || c == ':';
}

/* A [section] line (s trimmed, n > 0, s[0] == '['). 0 or -1. */
static int fiofile_section(struct fiofile_parse *p, const char *s, size_t n)
{
    size_t i;

    if (n < 3 || s[n - 1] != ']') {
        fiofile_err(p, "bad section header '%.*s' (want [NAME])", (int)(n > 40 ? 40 : n), s);
        return -1;
    }
    for (i = 1; i + 1 < n; i++) {
        if (!fiofile_section_char(s[i])) {
            fiofile_err(p, "bad section name '%.*s' (letters, digits, '_', '-', '.', ':')",
                        (int)(n > 40 ? 40 : n), s);
            return -1;
        }
    }
    if (p->in_job) {
        p->first_done = true;
    }
    p->in_job = !(n == 8 && memcmp(s, "[global]", 8) == 0);
    if (p->in_job) {
        p->f->jobs++;
    }
    fiofile_emit(p, s, n);
    return 0;
}

/* Is the value v (NULL for a bare key) fio's "true"? */
static bool fiofile_true(const char *v)
{
    return !v || strcmp(v, "1") == 0 || strcmp(v, "true") == 0 || strcmp(v, "yes") == 0 ||
           strcmp(v, "on") == 0;
}

/* Remember rw, bs and iodepth of [global] and of the first job, for the tables. */
static void fiofile_note(struct fiofile_parse *p, const char *key, const char *v)
{
    bool job = p->in_job;

    if (!v || (job && p->first_done)) {
        return;
    }
    if (strcmp(key, "rw") == 0 || strcmp(key, "readwrite") == 0) {
        snprintf(job ? p->j_rw : p->g_rw, sizeof(p->j_rw), "%s", v);
    } else if (strcmp(key, "bs") == 0 || strcmp(key, "blocksize") == 0) {
        snprintf(job ? p->j_bs : p->g_bs, sizeof(p->j_bs), "%s", v);
    } else if (strcmp(key, "iodepth") == 0) {
        snprintf(job ? p->j_qd : p->g_qd, sizeof(p->j_qd), "%s", v);
    }
}

/* Check one key (and its value, NULL when bare). 0 or -1. */
static int fiofile_check_key(struct fiofile_parse *p, const char *key, const char *v)
{
    size_t i;

    for (i = 0; i < sizeof(fiofile_refused) / sizeof(fiofile_refused[0]); i++) {
        if (strcmp(key, fiofile_refused[i].key) == 0) {
            fiofile_err(p, "%s: refused, %s", key, fiofile_refused[i].why);
            return -1;
        }
    }
    if (strcmp(key, "ioengine") == 0) {
        for (i = 0; v && i < sizeof(fiofile_engines) / sizeof(fiofile_engines[0]); i++) {
            if (strcmp(v, fiofile_engines[i]) == 0) {
                return 0;
            }
        }
        fiofile_err(p, "ioengine=%s: refused, not direct I/O on a block device (allowed: %s)",
                    v ? v : "", FIOFILE_ENGINES);
        return -1;
    }
    if (strcmp(key, "direct") == 0 && !fiofile_true(v)) {
        fiofile_err(p, "direct=%s: refused, pvbench measures the device, not the page cache "
                       "(direct=1)", v);
        return -1;
    }
    if (strcmp(key, "buffered") == 0 && fiofile_true(v)) {
        fiofile_err(p, "buffered%s%s: refused, pvbench measures the device, not the page cache",
                    v ? "=" : "", v ? v : "");
        return -1;
    }
    if (v && strstr(v, "${")) {
        fiofile_err(p, "%s=%s: refused, environment variables are not carried into the guest",
                    key, v);
        return -1;
    }
    return 0;
}

/* A key=value or bare key line (s trimmed, n > 0). 0 or -1. */
static int fiofile_keyline(struct fiofile_parse *p, const char *s, size_t n)
{
    char key[64], val[FIOFILE_LINE_MAX], out[FIOFILE_LINE_MAX + 64];
    const char *eq = memchr(s, '=', n), *vs;
    size_t klen = eq ? (size_t)(eq - s) : n, vlen = 0, i;

    while (klen > 0 && isspace((unsigned char)s[klen - 1])) {
        klen--;
    }
    if (klen == 0 || klen >= sizeof(key)) {
        fiofile_err(p, "bad line '%.*s' (want key=value or a key)", (int)(n > 40 ? 40 : n), s);
        return -1;
    }
    for (i = 0; i < klen; i++) {
        if (!fiofile_key_char(s[i])) {
            fiofile_err(p, "bad key '%.*s' (letters, digits, '_', '-')", (int)klen, s);
            return -1;
        }
    }
    memcpy(key, s, klen);
    key[klen] = '\0';
    if (!p->in_job && p->f->len == 0) {
        fiofile_err(p, "%s: outside a section (a job file starts with [global] or [JOB])", key);
        return -1;
    }
    if (eq) {
        vs = eq + 1;
        vlen = n - (size_t)(vs - s);
        while (vlen > 0 && isspace((unsigned char)*vs)) {
            vs++;
            vlen--;
        }
        if (vlen == 0) {
            fiofile_err(p, "%s=: empty value", key);
            return -1;
        }
        memcpy(val, vs, vlen);
        val[vlen] = '\0';
    }
    if (fiofile_check_key(p, key, eq ? val : NULL) < 0) {
        return -1;
    }
    fiofile_note(p, key, eq ? val : NULL);
    snprintf(out, sizeof(out), "%s%s%s", key, eq ? "=" : "", eq ? val : "");
    fiofile_emit(p, out, strlen(out));
    return 0;
}

/* One physical line (without its newline). 0 or -1. */
static int fiofile_line(struct fiofile_parse *p, const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if ((unsigned char)s[i] < 0x20 && s[i] != '\t' && s[i] != '\r') {
            fiofile_err(p, "a control character (byte %u): a job file is text", (unsigned)s[i]);
            return -1;
        }
        if ((unsigned char)s[i] >= 0x7f) {
            fiofile_err(p, "a non-ASCII byte: fio's keys and values are ASCII");
            return -1;
        }
    }
    while (n > 0 && isspace((unsigned char)*s)) {
        s++;
        n--;
    }
    while (n > 0 && isspace((unsigned char)s[n - 1])) {
        n--;
    }
    if (n == 0 || s[0] == ';' || s[0] == '#') {
        return 0;
    }
    if (n > FIOFILE_LINE_MAX - 1) {
        fiofile_err(p, "line longer than %d characters", FIOFILE_LINE_MAX - 1);
        return -1;
    }
    if (s[0] == '[') {
        return fiofile_section(p, s, n);
    }
    if ((n > 8 && memcmp(s, "include", 7) == 0 && isspace((unsigned char)s[7])) ||
        (n > 9 && memcmp(s, "$include", 8) == 0)) {
        fiofile_err(p, "include: refused, put the included sections in this file");
        return -1;
    }
    return fiofile_keyline(p, s, n);
}

/* "4k", "64K", "1m", "4096", "4k-16k", "4k,8k": the first size in bytes, or 0. */
static unsigned fiofile_size(const char *s)
{
    unsigned long long v;
    char *end;

    if (!isdigit((unsigned char)s[0])) {
        return 0;
    }
    errno = 0;
    v = strtoull(s, &end, 10);
    switch (tolower((unsigned char)*end)) {
    case 'k':
        v *= 1024ull;
        end++;
        break;
    case 'm':
        v *= 1024ull * 1024;
        end++;
        break;
    default:
        break;
    }
    if (errno || v > (64ull << 20) || (*end && *end != '-' && *end != ',' && *end != ':' &&
                                       tolower((unsigned char)*end) != 'b' &&
                                       tolower((unsigned char)*end) != 'i')) {
        return 0;
    }
    return (unsigned)v;
}

/* The first job's pattern as the tables show it. */
static void fiofile_summary(struct fiofile_parse *p)
{
    struct fiofile *f = p->f;
    const char *rw = p->j_rw[0] ? p->j_rw : p->g_rw[0] ? p->g_rw : "read";
    const char *bs = p->j_bs[0] ? p->j_bs : p->g_bs;
    const char *qd = p->j_qd[0] ? p->j_qd : p->g_qd;
    char *end;
    unsigned long d;

    /* fio's rw may carry ":N" (offset steps); mixed patterns are shown as their read side */
    if (strncmp(rw, "randwrite", 9) == 0) {
        rw = "randwrite";
    } else if (strncmp(rw, "randr", 5) == 0 || strncmp(rw, "rand", 4) == 0) {
        rw = "randread";
    } else if (strncmp(rw, "write", 5) == 0) {
        rw = "write";
    } else {
        rw = "read";
    }
    snprintf(f->rw, sizeof(f->rw), "%s", rw);
    f->bs = bs[0] ? fiofile_size(bs) : 4096;
    if (f->bs == 0 || f->bs % 512 != 0) {
        f->bs = 4096;
    }
    d = qd[0] ? strtoul(qd, &end, 10) : 1;
    f->iodepth = d >= 1 && d <= 1024 ? (unsigned)d : 1;
}

int fiofile_parse(const char *name, const char *src, size_t n, struct fiofile *f, char *msg,
                  size_t len)
{
    struct fiofile_parse p;
    const char *s = src, *end = src + n, *nl;

    memset(f, 0, sizeof(*f));
    memset(&p, 0, sizeof(p));
    p.name = name;
    p.msg = msg;
    p.msglen = len;
    p.f = f;
    while (s < end) {
        p.line++;
        nl = memchr(s, '\n', (size_t)(end - s));
        if (!nl) {
            nl = end;
        }
        if (memchr(s, '\0', (size_t)(nl - s))) {
            fiofile_err(&p, "a NUL byte: a job file is text");
            return -1;
        }
        if (fiofile_line(&p, s, (size_t)(nl - s)) < 0) {
            return -1;
        }
        if (p.overflow) {
            fiofile_err(&p, "the job file is too long: at most %d bytes without comments and "
                            "blank lines travel to the guest",
                        FIOFILE_TEXT_MAX - 1);
            return -1;
        }
        s = nl + 1;
    }
    p.line = 0;
    if (f->jobs == 0) {
        fiofile_err(&p, "no job section (a [NAME] other than [global])");
        return -1;
    }
    fiofile_summary(&p);
    return 0;
}

int fiofile_load(const char *path, struct fiofile *f, char *msg, size_t len)
{
    FILE *fp = fopen(path, "r");
    char *buf;
    size_t n;
    int ret;

    if (!fp) {
        snprintf(msg, len, "%s: %s", path, strerror(errno));
        return -1;
    }
    buf = malloc(FIOFILE_FILE_MAX + 1);
    if (!buf) {
        fclose(fp);
        snprintf(msg, len, "%s: out of memory", path);
        return -1;
    }
    n = fread(buf, 1, FIOFILE_FILE_MAX + 1, fp);
    if (ferror(fp)) {
        snprintf(msg, len, "%s: read error", path);
        ret = -1;
    } else if (n > FIOFILE_FILE_MAX) {
        snprintf(msg, len, "%s: larger than %u bytes: not a job file", path, FIOFILE_FILE_MAX);
        ret = -1;
    } else {
        ret = fiofile_parse(path, buf, n, f, msg, len);
    }
    fclose(fp);
    free(buf);
    return ret;
}

int fiofile_for_scenario(const char *scenario, const char *job, struct fiofile *f, char *hex,
                         size_t hexlen, char *msg, size_t len)
{
    const char *slash = strrchr(scenario, '/');
    char path[1024];
    int n;

    if (job[0] == '/' || !slash) {
        n = snprintf(path, sizeof(path), "%s", job);
    } else {
        n = snprintf(path, sizeof(path), "%.*s/%s", (int)(slash - scenario), scenario, job);
    }
    if (n < 0 || (size_t)n >= sizeof(path)) {
        snprintf(msg, len, "fio_job: path too long");
        return -1;
    }
    if (fiofile_load(path, f, msg, len) < 0) {
        return -1;
    }
    if (fio_job_hex_encode(f->text, f->len, hex, hexlen) < 0) {
        snprintf(msg, len, "%s: no room for the hex text", path);
        return -1;
    }
    return 0;
}

void fiofile_not_a_scenario(const char *file, char *msg, size_t len)
{
    snprintf(msg, len,
             "%s is a fio job file, not a scenario: name it in one, e.g. [scenario] devices = "
             "virtio-blk, engine = fio, memory = 512, then [workload mine] with fio_job = %s "
             "(see pvbench-scenario(5), docs/fio-jobs.md)",
             file, file);
}
