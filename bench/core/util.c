#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

double util_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void util_iso_time(char *buf, size_t len)
{
    time_t t = time(NULL);
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int util_strlcpy(char *dst, const char *src, size_t len)
{
    size_t n = strlen(src);

    if (len == 0) {
        return -1;
    }
    if (n >= len) {
        memcpy(dst, src, len - 1);
        dst[len - 1] = '\0';
        return -1;
    }
    memcpy(dst, src, n + 1);
    return 0;
}

void util_seterr(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (!err || errlen == 0) {
        return;
    }
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

int util_fmt(char *dst, size_t len, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(dst, len, fmt, ap);
    va_end(ap);
    return (n < 0 || (size_t)n >= len) ? -1 : n;
}

int util_mkdir_p(const char *path)
{
    char tmp[4096];
    char *p;

    if (util_strlcpy(tmp, path, sizeof(tmp)) < 0) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (p = tmp + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            if (mkdir(tmp, 0755) < 0 && errno != EEXIST) {
                return -1;
            }
            *p = '/';
        }
    }
    if (mkdir(tmp, 0755) < 0 && errno != EEXIST) {
        return -1;
    }
    return 0;
}

int util_make_absolute(char *path, size_t len)
{
    char *abs = realpath(path, NULL);
    int rc;

    if (!abs) {
        return -1;
    }
    rc = util_strlcpy(path, abs, len);
    free(abs);
    if (rc < 0) {
        errno = ENAMETOOLONG;
    }
    return rc < 0 ? -1 : 0;
}

ssize_t util_read_file(const char *path, char *buf, size_t len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    size_t got = 0;
    ssize_t n;

    if (fd < 0 || len == 0) {
        if (fd >= 0) {
            close(fd);
        }
        return -1;
    }
    while (got < len - 1) {
        n = read(fd, buf + got, len - 1 - got);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        got += (size_t)n;
    }
    buf[got] = '\0';
    close(fd);
    return (ssize_t)got;
}

char *util_slurp(const char *path, size_t max, size_t *lenp)
{
    FILE *f = fopen(path, "re");
    char *buf = NULL;
    size_t cap = 0, len = 0, n;

    if (!f) {
        return NULL;
    }
    for (;;) {
        if (len + 4096 + 1 > cap) {
            size_t ncap = cap ? cap * 2 : 8192;
            char *nb = realloc(buf, ncap);
            if (!nb) {
                goto fail;
            }
            buf = nb;
            cap = ncap;
        }
        n = fread(buf + len, 1, 4096, f);
        len += n;
        if (len > max) {
            errno = EFBIG;
            goto fail;
        }
        if (n < 4096) {
            break;
        }
    }
    if (ferror(f)) {
        goto fail;
    }
    fclose(f);
    buf[len] = '\0';
    if (lenp) {
        *lenp = len;
    }
    return buf;
fail:
    free(buf);
    fclose(f);
    return NULL;
}

void util_rstrip(char *s)
{
    size_t n = strlen(s);

    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ' ||
                     s[n - 1] == '\t')) {
        s[--n] = '\0';
    }
}

void util_sanitize(char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x20 || c >= 0x7f) {
            *s = '?';
        }
    }
}

/* Fields of /proc/PID/stat after the command name, which may hold spaces and ')'. */
static const char *proc_stat_fields(pid_t pid, char *buf, size_t len)
{
    char path[64];
    char *p;

    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    if (util_read_file(path, buf, len) <= 0) {
        return NULL;
    }
    p = strrchr(buf, ')');
    return p ? p + 2 : NULL;
}

unsigned long long util_proc_starttime(pid_t pid)
{
    char buf[1024];
    const char *p = proc_stat_fields(pid, buf, sizeof(buf));
    unsigned long long v = 0;
    int field = 3; /* p points at field 3 (state) */

    if (!p) {
        return 0;
    }
    while (*p && field < 22) {
        if (*p++ == ' ') {
            field++;
        }
    }
    if (sscanf(p, "%llu", &v) != 1) {
        return 0;
    }
    return v;
}

double util_proc_cpu_seconds(pid_t pid)
{
    char buf[1024];
    const char *p = proc_stat_fields(pid, buf, sizeof(buf));
    unsigned long long ut = 0, st = 0;
    int field = 3;

    if (!p) {
        return -1;
    }
    while (*p && field < 14) {
        if (*p++ == ' ') {
            field++;
        }
    }
    if (sscanf(p, "%llu %llu", &ut, &st) != 2) {
        return -1;
    }
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

int util_run_capture(char *const argv[], char *out, size_t outlen, double timeout_s)
{
    int pfd[2];
    pid_t pid;
    size_t got = 0;
    int status = 0;
    double deadline = util_now() + timeout_s;

    if (pipe2(pfd, O_CLOEXEC) < 0) {
        return -1;
    }
    pid = fork();
    if (pid < 0) {
        close(pfd[0]);
        close(pfd[1]);
        return -1;
    }
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0) {
            dup2(devnull, 0);
        }
        dup2(pfd[1], 1);
        dup2(pfd[1], 2);
        execvp(argv[0], argv);
        _exit(127);
    }
    close(pfd[1]);
    for (;;) {
        struct pollfd p = {.fd = pfd[0], .events = POLLIN};
        double left = deadline - util_now();
        char tmp[1024];
        ssize_t n;
        int r;

        if (left <= 0) {
            kill(pid, SIGKILL);
            waitpid(pid, NULL, 0);
            close(pfd[0]);
            return -1;
        }
        r = poll(&p, 1, (int)(left * 1000) + 1);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            continue;
        }
        n = read(pfd[0], tmp, sizeof(tmp));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        if (out && got + 1 < outlen) {
            size_t take = (size_t)n < outlen - 1 - got ? (size_t)n : outlen - 1 - got;
            memcpy(out + got, tmp, take);
            got += take;
        }
    }
    close(pfd[0]);
    if (out && outlen) {
        out[got] = '\0';
    }
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            return -1;
        }
    }
    if (!WIFEXITED(status)) {
        return -1;
    }
    return WEXITSTATUS(status) == 127 ? -1 : WEXITSTATUS(status);
}

int util_write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;

    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n == 0) {
            errno = ENOSPC; /* no progress and no error: treat as a full device */
            return -1;
        }
        if (n < 0) {
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int util_copy_file(const char *from, const char *to)
{
    size_t len = 0;
    char *buf = util_slurp(from, 16u << 20, &len);
    FILE *f;
    int rc = -1;

    if (!buf) {
        return -1;
    }
    f = fopen(to, "we");
    if (f) {
        rc = (fwrite(buf, 1, len, f) == len) ? 0 : -1;
        if (fclose(f) != 0) {
            rc = -1;
        }
    }
    free(buf);
    return rc;
}

int util_sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int rc = 0;
    int saved;

    if (fd < 0) {
        return -1;
    }
    /* EINVAL: the filesystem cannot sync folders; nothing more can be done. */
    if (fsync(fd) < 0 && errno != EINVAL) {
        rc = -1;
    }
    saved = errno;
    close(fd);
    errno = saved;
    return rc;
}

/* fsync the folder that holds path, so a rename inside it survives a crash. */
static int util_sync_parent(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = NULL;
    int rc;
    int saved;

    if (!slash) {
        dir = strdup(".");
    } else if (slash == path) {
        dir = strdup("/");
    } else {
        dir = strndup(path, (size_t)(slash - path));
    }
    if (!dir) {
        errno = ENOMEM;
        return -1;
    }
    rc = util_sync_dir(dir);
    saved = errno;
    free(dir);
    errno = saved;
    return rc;
}

int util_write_atomic(const char *path, const void *data, size_t len)
{
    char *tmp = NULL;
    size_t plen;
    int fd = -1;
    int created = 0;
    int saved;
    int rc = -1;

    if (!path || !*path || (!data && len > 0)) {
        errno = EINVAL;
        return -1;
    }
    plen = strlen(path);
    tmp = malloc(plen + sizeof(".tmp"));
    if (!tmp) {
        errno = ENOMEM;
        return -1;
    }
    memcpy(tmp, path, plen);
    memcpy(tmp + plen, ".tmp", sizeof(".tmp"));

    /* O_NOFOLLOW: a stale "<file>.tmp" symlink must not redirect the write. */
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) {
        goto fail;
    }
    created = 1;
    if (util_write_all(fd, data, len) < 0) {
        goto fail;
    }
    if (fsync(fd) < 0) {
        goto fail;
    }
    if (close(fd) < 0) {
        fd = -1;
        goto fail;
    }
    fd = -1;
    if (rename(tmp, path) < 0) {
        goto fail;
    }
    created = 0;
    /*
     * The new content is in place; a failure here only means the rename may not
     * survive a power cut, which the caller still has to hear about.
     */
    if (util_sync_parent(path) < 0) {
        goto fail;
    }
    rc = 0;
    goto out;
fail:
    saved = errno;
    if (fd >= 0) {
        close(fd);
    }
    if (created) {
        unlink(tmp);
    }
    errno = saved;
out:
    free(tmp);
    return rc;
}
