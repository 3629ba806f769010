/* QEMU and guest kernel versions from Debian's archive: the cache and its manifest (qemuver.h). */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "exitcode.h"
#include "hostbase_net.h"
#include "log.h"
#include "paths.h"
#include "qemuver.h"
#include "util.h"

/* A fetch downloads ~20 MB and a kernel build takes a minute or two: generous. */
#define QEMUVER_FETCH_TIMEOUT_S 1800.0
#define QEMUVER_OUTPUT_MAX 16384

int qemuver_is_version(const char *spec)
{
    const char *p = spec;

    if (!spec || !isdigit((unsigned char)*spec) || strchr(spec, '/')) {
        return 0;
    }
    for (; *p; p++) {
        if (!isalnum((unsigned char)*p) && !strchr(".+~:-", *p)) {
            return 0;
        }
    }
    return 1;
}

int qemuver_cache_root(char *buf, size_t len)
{
    return util_fmt(buf, len, "%s", paths_cachedir());
}

int qemuver_dir_name(const char *version, char *buf, size_t len)
{
    size_t used = 0;

    for (const char *p = version; *p; p++) {
        const char *piece = *p == ':' ? "%3a" : NULL;
        size_t n = piece ? 3 : 1;

        if (used + n + 1 > len) {
            return -1;
        }
        if (piece) {
            memcpy(buf + used, piece, n);
        } else {
            buf[used] = *p;
        }
        used += n;
    }
    if (len == 0) {
        return -1;
    }
    buf[used] = '\0';
    return 0;
}

/* dir/rel into out: rel must stay inside dir (no absolute path, no ".."). 0 or -1. */
static int under(const char *dir, const char *rel, char *out, size_t len)
{
    if (!*rel || rel[0] == '/' || strstr(rel, "..") || strchr(rel, ':')) {
        return -1;
    }
    return util_fmt(out, len, "%s/%s", dir, rel);
}

/* Each ':'-separated entry of rels put under dir, into out. 0 or -1. */
static int under_list(const char *dir, const char *rels, char *out, size_t len)
{
    char one[PATH_MAX], rel[PATH_MAX];
    size_t used = 0;
    const char *p = rels;

    out[0] = '\0';
    while (*p) {
        size_t n = strcspn(p, ":");

        if (n == 0 || n >= sizeof(rel)) {
            return -1;
        }
        memcpy(rel, p, n);
        rel[n] = '\0';
        if (under(dir, rel, one, sizeof(one)) < 0 ||
            util_fmt(out + used, len - used, "%s%s", used ? ":" : "", one) < 0) {
            return -1;
        }
        used += strlen(out + used);
        p += n;
        if (*p == ':') {
            p++;
        }
    }
    return 0;
}

int qemuver_read_manifest(const char *dir, struct qemuver *out, char *err, size_t len)
{
    char path[PATH_MAX], *text = NULL, *line, *save = NULL;
    int have_binary = 0, rc = -1;
    struct stat st;

    memset(out, 0, sizeof(*out));
    if (util_fmt(path, sizeof(path), "%s/.complete", dir) < 0 || stat(path, &st) < 0) {
        util_seterr(err, len, "%s is not a complete QEMU cache folder (no .complete)", dir);
        return -1;
    }
    if (util_fmt(path, sizeof(path), "%s/qemuver.txt", dir) < 0 ||
        !(text = util_slurp(path, 65536, NULL))) {
        util_seterr(err, len, "cannot read %s/qemuver.txt: %s", dir, strerror(errno));
        return -1;
    }
    for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *eq = strchr(line, '=');
        const char *key = line, *val;
        int bad = 0;

        if (!eq) {
            continue;
        }
        *eq = '\0';
        val = eq + 1;
        if (strcmp(key, "version") == 0) {
            bad = util_fmt(out->version, sizeof(out->version), "%s", val) < 0;
        } else if (strcmp(key, "packages") == 0) {
            bad = util_fmt(out->packages, sizeof(out->packages), "%s", val) < 0;
        } else if (strcmp(key, "qemu") == 0) {
            bad = util_fmt(out->qemu, sizeof(out->qemu), "%s", val) < 0;
        } else if (strcmp(key, "binary") == 0) {
            bad = under(dir, val, out->binary, sizeof(out->binary)) < 0;
            have_binary = !bad;
        } else if (strcmp(key, "firmware") == 0) {
            bad = under_list(dir, val, out->data_dirs, sizeof(out->data_dirs)) < 0;
        } else if (strcmp(key, "libpath") == 0) {
            bad = under_list(dir, val, out->lib_path, sizeof(out->lib_path)) < 0;
        } else if (strcmp(key, "moduledir") == 0) {
            bad = under(dir, val, out->module_dir, sizeof(out->module_dir)) < 0;
        }
        if (bad) {
            util_seterr(err, len, "%s: bad %s= line", path, key);
            goto out;
        }
    }
    if (!have_binary || !out->version[0]) {
        util_seterr(err, len, "%s: no binary= or version= line", path);
        goto out;
    }
    rc = 0;
out:
    free(text);
    return rc;
}

/* The script's last lines that say what went wrong ("E: Version ... was not found"). */
static void tail_errors(const char *output, char *err, size_t len, const char *what)
{
    char pick[1024] = "";
    size_t used = 0;
    const char *p = output;

    while (*p) {
        size_t n = strcspn(p, "\n");

        if ((n > 3 && (strncmp(p, "E: ", 3) == 0 || strncmp(p, "W: ", 3) == 0)) ||
            strncmp(p, "fetch-debian: error: ", 21) == 0 ||
            strncmp(p, "build-guest: error: ", 20) == 0) {
            int w =
                snprintf(pick + used, sizeof(pick) - used, "%s%.*s", used ? "; " : "", (int)n, p);
            if (w < 0 || (size_t)w >= sizeof(pick) - used) {
                break;
            }
            used += (size_t)w;
        }
        p += n;
        if (*p == '\n') {
            p++;
        }
    }
    util_seterr(err, len, "%s: %s", what, used ? pick : "failed (no message)");
}

/* The script's exit code as pvbench's: 2 no such version, 4 archive unreachable. */
static int exit_of(int status)
{
    switch (status) {
    case 0:
        return PVB_EXIT_OK;
    case 2:
        return PVB_EXIT_USAGE;
    case 4:
        return PVB_EXIT_SKIPPED;
    default:
        return PVB_EXIT_FAILED;
    }
}

static int script_path(char *buf, size_t len)
{
    return util_fmt(buf, len, "%s/scripts/fetch-debian", paths_datadir());
}

/* argv of fetch-debian: the script, --cache root, then args (NULL-terminated). */
static void fetch_argv(char **argv, size_t max, char *script, char *root, char *const *args)
{
    size_t n = 0;

    argv[n++] = script;
    argv[n++] = "--cache";
    argv[n++] = root;
    while (*args && n + 1 < max) {
        argv[n++] = *args++;
    }
    argv[n] = NULL;
}

/* Run fetch-debian with args, its output into output. Its exit status, 1 if it did not run. */
static int fetch_run(char *root, char *const *args, char *output, size_t outlen)
{
    char script[PATH_MAX];
    char *argv[12];
    int st;

    if (script_path(script, sizeof(script)) < 0) {
        util_strlcpy(output, "fetch-debian: error: path too long", outlen);
        return 1;
    }
    fetch_argv(argv, sizeof(argv) / sizeof(argv[0]), script, root, args);
    st = util_run_capture(argv, output, outlen, QEMUVER_FETCH_TIMEOUT_S);
    if (st == 127) {
        snprintf(output, outlen, "fetch-debian: error: cannot run %s", script);
    }
    return st < 0 ? 1 : st;
}

int qemuver_resolve(const char *spec, struct qemuver *out, char *err, size_t len)
{
    char root[PATH_MAX], name[256], dir[PATH_MAX + 300], *output = NULL;
    char *args[] = {"qemu", (char *)spec, NULL};
    int code;

    memset(out, 0, sizeof(*out));
    if (!qemuver_is_version(spec)) {
        if (util_fmt(out->binary, sizeof(out->binary), "%s", spec ? spec : "") < 0 ||
            !out->binary[0]) {
            util_seterr(err, len, "bad QEMU binary '%s'", spec ? spec : "");
            return PVB_EXIT_USAGE;
        }
        return PVB_EXIT_OK;
    }
    if (qemuver_cache_root(root, sizeof(root)) < 0 ||
        qemuver_dir_name(spec, name, sizeof(name)) < 0 ||
        util_fmt(dir, sizeof(dir), "%s/qemu/%s", root, name) < 0) {
        util_seterr(err, len, "QEMU version '%s': cache path too long", spec);
        return PVB_EXIT_USAGE;
    }
    if (access(dir, F_OK) == 0 && qemuver_read_manifest(dir, out, err, len) == 0) {
        return PVB_EXIT_OK;
    }
    output = malloc(QEMUVER_OUTPUT_MAX);
    if (!output) {
        util_seterr(err, len, "out of memory");
        return PVB_EXIT_FAILED;
    }
    log_info("fetching QEMU %s from Debian's archive into %s", spec, dir);
    code = exit_of(fetch_run(root, args, output, QEMUVER_OUTPUT_MAX));
    if (code != PVB_EXIT_OK) {
        tail_errors(output, err, len, spec);
    } else if (qemuver_read_manifest(dir, out, err, len) < 0) {
        code = PVB_EXIT_FAILED;
    }
    free(output);
    return code;
}

int qemuver_kernel_resolve(const char *spec, char *dir, size_t dirlen, char *err, size_t len)
{
    char root[PATH_MAX], name[256], marker[PATH_MAX + 16], agent[PATH_MAX], self[PATH_MAX];
    char *output = NULL;
    char *args[] = {"kernel", (char *)spec, "--agent", agent, "--pvbench", self, NULL};
    ssize_t n;
    int code;

    if (!qemuver_is_version(spec)) {
        if (util_fmt(dir, dirlen, "%s", spec ? spec : "") < 0 || !dir[0]) {
            util_seterr(err, len, "bad guest image folder '%s'", spec ? spec : "");
            return PVB_EXIT_USAGE;
        }
        return PVB_EXIT_OK;
    }
    if (qemuver_cache_root(root, sizeof(root)) < 0 ||
        qemuver_dir_name(spec, name, sizeof(name)) < 0 ||
        util_fmt(dir, dirlen, "%s/guest-kernel-%s", root, name) < 0 ||
        util_fmt(marker, sizeof(marker), "%s/.complete", dir) < 0) {
        util_seterr(err, len, "kernel version '%s': cache path too long", spec);
        return PVB_EXIT_USAGE;
    }
    /* Always through the script: it checks the image still carries this agent (~50 ms). */
    n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n <= 0 || hostbase_net_find_agent(agent, sizeof(agent), err, len) < 0) {
        if (n <= 0) {
            util_seterr(err, len, "cannot find pvbench's own binary: %s", strerror(errno));
        }
        return PVB_EXIT_FAILED;
    }
    self[n] = '\0';
    output = malloc(QEMUVER_OUTPUT_MAX);
    if (!output) {
        util_seterr(err, len, "out of memory");
        return PVB_EXIT_FAILED;
    }
    if (access(marker, F_OK) < 0) {
        log_info("building a guest image from linux-image-amd64 %s into %s", spec, dir);
    }
    code = exit_of(fetch_run(root, args, output, QEMUVER_OUTPUT_MAX));
    if (code != PVB_EXIT_OK) {
        tail_errors(output, err, len, spec);
    } else if (access(marker, F_OK) < 0) {
        util_seterr(err, len, "%s: built, but %s is missing", spec, marker);
        code = PVB_EXIT_FAILED;
    }
    free(output);
    return code;
}

/* fetch-debian with the terminal as its output (the user watches the fetch). */
static int fetch_interactive(char *const *args)
{
    char root[PATH_MAX], script[PATH_MAX];
    char *argv[12];
    pid_t pid;
    int status;

    if (qemuver_cache_root(root, sizeof(root)) < 0 || script_path(script, sizeof(script)) < 0) {
        log_err("fetch: cache or script path too long");
        return PVB_EXIT_USAGE;
    }
    fetch_argv(argv, sizeof(argv) / sizeof(argv[0]), script, root, args);
    pid = fork();
    if (pid < 0) {
        log_err("fetch: fork: %s", strerror(errno));
        return PVB_EXIT_FAILED;
    }
    if (pid == 0) {
        execv(argv[0], argv);
        dprintf(2, "pvbench: cannot execute %s: %s\n", argv[0], strerror(errno));
        _exit(1);
    }
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            return PVB_EXIT_FAILED;
        }
    }
    return WIFEXITED(status) ? exit_of(WEXITSTATUS(status)) : PVB_EXIT_FAILED;
}

enum { QEMUVER_OPT_LIST = 'l' };

static const struct cli_opt qemuver_fetch_opts[] = {
    {"list", 0, NULL, "the QEMU and kernel versions Debian's archive offers", QEMUVER_OPT_LIST,
     NULL},
    {NULL, 0, NULL, NULL, 0, NULL},
};

const struct cli_spec qemuver_fetch_cli = {
    .name = "fetch",
    .summary = "QEMU builds and guest kernels from Debian's archive, into the cache",
    .synopsis = "--list\nqemu VERSION\nkernel VERSION",
    .description = "qemu VERSION unpacks qemu-system-x86 VERSION (and the libraries and firmware "
                   "it needs) into the cache's qemu/<version>/, never installed; kernel VERSION "
                   "builds a guest image of linux-image-amd64 VERSION into "
                   "guest-kernel-<version>/. Both through a private apt configuration "
                   "(docs/versions.md).",
    .opts = qemuver_fetch_opts,
    .operands = "qemu kernel",
    .notes = "Exit: 0 done, 2 no such version (apt's words), 4 the archive cannot be reached.",
};

int qemuver_fetch_main(int argc, char **argv)
{
    char agent[PATH_MAX], self[PATH_MAX], why[512];
    struct cli c;
    int id, list = 0;
    ssize_t n;

    if (cli_start(&c, &qemuver_fetch_cli, argc, argv) < 0) {
        return PVB_EXIT_USAGE;
    }
    while ((id = cli_next(&c)) >= 0) {
        list |= id == QEMUVER_OPT_LIST;
    }
    if (id != CLI_END) {
        return cli_exit_code(id);
    }
    argv += c.ind - 1; /* argv[1..] are the operands now */
    argc -= c.ind - 1;
    if (list && argc == 1) {
        char *args[] = {"list", NULL};
        return fetch_interactive(args);
    }
    if (argc == 3 && strcmp(argv[1], "qemu") == 0) {
        char *args[] = {"qemu", argv[2], NULL};
        return fetch_interactive(args);
    }
    if (argc == 3 && strcmp(argv[1], "kernel") == 0) {
        char *args[] = {"kernel", argv[2], "--agent", agent, "--pvbench", self, NULL};

        n = readlink("/proc/self/exe", self, sizeof(self) - 1);
        if (n <= 0) {
            log_err("fetch: cannot find pvbench's own binary: %s", strerror(errno));
            return PVB_EXIT_FAILED;
        }
        self[n] = '\0';
        if (hostbase_net_find_agent(agent, sizeof(agent), why, sizeof(why)) < 0) {
            log_err("fetch: %s", why);
            return PVB_EXIT_FAILED;
        }
        return fetch_interactive(args);
    }
    log_err("fetch: expected --list, qemu VERSION or kernel VERSION");
    cli_try(&qemuver_fetch_cli);
    return PVB_EXIT_USAGE;
}
