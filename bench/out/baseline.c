/*
 * Named baselines. A baseline is a folder holding the result files of one run;
 * saving one never leaves a half-written baseline behind: the files go into a
 * temporary folder beside it, are fsync'ed, and the folder is renamed into place
 * (or swapped with the old one with RENAME_EXCHANGE when replacing).
 */
#include "baseline.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exitcode.h"
#include "log.h"
#include "results.h"
#include "runfolder.h"
#include "util.h"

#define BASELINE_PATH_MAX 4096
#define BASELINE_LIST_MAX 1024

/* The files a baseline keeps; the required ones make a run folder comparable. */
static const struct {
    const char *name;
    int required;
} baseline_files[] = {
    {"run.json", 1},
    {"samples.csv", 1},
    {"summary.csv", 0},
    {"scenario.ini", 0},
};

#define BASELINE_NFILES (sizeof(baseline_files) / sizeof(baseline_files[0]))

const char *baseline_default_dir(void)
{
    const char *env = getenv(BASELINE_ENV);

    return env && *env ? env : BASELINE_DEFAULT_DIR;
}

int baseline_name_ok(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    size_t i;
    char c;

    if (n == 0 || n > BASELINE_NAME_MAX || name[0] == '.') {
        return 0;
    }
    for (i = 0; i < n; i++) {
        c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-')) {
            return 0;
        }
    }
    /* "NAME.tmp.<pid>" is what an unfinished save looks like. */
    return strstr(name, ".tmp.") == NULL;
}

int baseline_path(const char *name, const char *dir, char *buf, size_t len)
{
    struct stat st;

    if (!name || !*name) {
        errno = EINVAL;
        return -1;
    }
    if (strchr(name, '/')) {
        if (util_strlcpy(buf, name, len) < 0) {
            errno = ENAMETOOLONG;
            return -1;
        }
    } else {
        if (!baseline_name_ok(name)) {
            errno = EINVAL;
            return -1;
        }
        if (util_fmt(buf, len, "%s/%s", dir ? dir : baseline_default_dir(), name) < 0) {
            errno = ENAMETOOLONG;
            return -1;
        }
    }
    if (stat(buf, &st) < 0) {
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        return -1;
    }
    return 0;
}

/* ---- saving -------------------------------------------------------------------------------- */

/* Copy from to a new file to, fsync'ed. 0, or -1 with errno set. */
static int baseline_copy_file(const char *from, const char *to)
{
    char buf[65536];
    ssize_t n;
    int in = -1;
    int out = -1;
    int saved;
    int rc = -1;

    in = open(from, O_RDONLY | O_CLOEXEC);
    if (in < 0) {
        return -1;
    }
    out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (out < 0) {
        goto out;
    }
    for (;;) {
        n = read(in, buf, sizeof(buf));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            goto out;
        }
        if (n == 0) {
            break;
        }
        if (util_write_all(out, buf, (size_t)n) < 0) {
            goto out;
        }
    }
    if (fsync(out) < 0) {
        goto out;
    }
    rc = 0;
out:
    saved = errno;
    if (in >= 0) {
        close(in);
    }
    if (out >= 0 && close(out) < 0 && rc == 0) {
        saved = errno;
        rc = -1;
    }
    errno = saved;
    return rc;
}

/* Remove a folder holding only files (a baseline, or an unfinished save). 0 or -1. */
static int baseline_remove_dir(const char *path)
{
    char file[BASELINE_PATH_MAX];
    struct dirent *e;
    DIR *d = opendir(path);
    int rc = 0;

    if (!d) {
        return errno == ENOENT ? 0 : -1;
    }
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
            continue;
        }
        if (util_fmt(file, sizeof(file), "%s/%s", path, e->d_name) < 0 || unlink(file) < 0) {
            rc = -1;
        }
    }
    closedir(d);
    if (rmdir(path) < 0) {
        rc = -1;
    }
    return rc;
}

/* Is run_dir a readable pvbench run with samples? PVB_EXIT_OK, or the error is reported. */
static int baseline_check_run(const char *run_dir, struct compare_meta *meta)
{
    struct runfolder rf;
    char why[1024];
    int r = PVB_EXIT_OK;

    /* Each part's error is in rf, reported below: run.json's first. */
    (void)!runfolder_read(run_dir, &rf, NULL, 0);
    if (rf.run_err != RUNFOLDER_OK) {
        log_err("baseline save: %s", rf.run_msg);
        r = runfolder_exit_code(rf.run_err);
    } else if (compare_meta_from(&rf, meta, why, sizeof(why)) < 0) {
        log_err("baseline save: %s", why);
        r = PVB_EXIT_USAGE;
    } else if (rf.samples_err != RUNFOLDER_OK) {
        log_err("baseline save: %s", rf.samples_msg);
        r = runfolder_exit_code(rf.samples_err);
    } else if (rf.samples.n == 0) {
        log_err("baseline save: %s/samples.csv holds no samples: nothing to compare against",
                run_dir);
        r = PVB_EXIT_USAGE;
    } else if (rf.samples_bad > 0) {
        log_warn("baseline save: %u rows of %s/samples.csv cannot be read (first: %s); they will "
                 "be left out of every comparison",
                 rf.samples_bad, run_dir, rf.samples_msg);
    }
    runfolder_free(&rf);
    return r;
}

/* Copy the result files of run_dir into the empty folder tmp. PVB_EXIT_* (reported). */
static int baseline_fill(const char *run_dir, const char *tmp)
{
    char from[BASELINE_PATH_MAX];
    char to[BASELINE_PATH_MAX];
    size_t i;

    for (i = 0; i < BASELINE_NFILES; i++) {
        if (util_fmt(from, sizeof(from), "%s/%s", run_dir, baseline_files[i].name) < 0 ||
            util_fmt(to, sizeof(to), "%s/%s", tmp, baseline_files[i].name) < 0) {
            log_err("baseline save: path too long");
            return PVB_EXIT_USAGE;
        }
        if (baseline_copy_file(from, to) == 0) {
            continue;
        }
        if (errno == ENOENT && !baseline_files[i].required && access(from, F_OK) < 0) {
            log_warn("baseline save: %s is missing, saved without it", from);
            continue;
        }
        log_err("baseline save: copying %s to %s: %s", from, to, strerror(errno));
        return PVB_EXIT_FAILED;
    }
    if (util_sync_dir(tmp) < 0) {
        log_err("baseline save: %s: %s", tmp, strerror(errno));
        return PVB_EXIT_FAILED;
    }
    return PVB_EXIT_OK;
}

/*
 * Put the finished folder tmp in place of final. With an existing final (replace),
 * the two are exchanged atomically and the old one, now at tmp, is removed.
 */
static int baseline_install(const char *tmp, const char *final, int exists)
{
    if (!exists) {
        if (rename(tmp, final) < 0) {
            log_err("baseline save: rename %s to %s: %s", tmp, final, strerror(errno));
            return PVB_EXIT_FAILED;
        }
        return PVB_EXIT_OK;
    }
    if (renameat2(AT_FDCWD, tmp, AT_FDCWD, final, RENAME_EXCHANGE) < 0) {
        log_err("baseline save: cannot swap %s with %s: %s", tmp, final, strerror(errno));
        return PVB_EXIT_FAILED;
    }
    if (baseline_remove_dir(tmp) < 0) {
        log_warn("baseline save: the replaced baseline is left in %s: %s", tmp, strerror(errno));
    }
    return PVB_EXIT_OK;
}

int baseline_save(const char *run_dir, const char *name, const char *dir, int replace)
{
    struct compare_meta *meta = NULL;
    char final[BASELINE_PATH_MAX];
    char tmp[BASELINE_PATH_MAX];
    struct stat st;
    int made_tmp = 0;
    int exists;
    int rc;

    if (!dir) {
        dir = baseline_default_dir();
    }
    if (!baseline_name_ok(name)) {
        log_err("baseline save: '%s' is not a valid name: 1 to %d letters, digits, '.', '_' "
                "or '-', not starting with '.'",
                name, BASELINE_NAME_MAX);
        return PVB_EXIT_USAGE;
    }
    if (util_fmt(final, sizeof(final), "%s/%s", dir, name) < 0 ||
        util_fmt(tmp, sizeof(tmp), "%s/%s.tmp.%ld", dir, name, (long)getpid()) < 0) {
        log_err("baseline save: %s: path too long", dir);
        return PVB_EXIT_USAGE;
    }
    meta = malloc(sizeof(*meta));
    if (!meta) {
        log_err("baseline save: out of memory");
        return PVB_EXIT_FAILED;
    }
    rc = baseline_check_run(run_dir, meta);
    if (rc != PVB_EXIT_OK) {
        goto out;
    }
    rc = PVB_EXIT_FAILED;
    if (util_mkdir_p(dir) < 0) {
        log_err("baseline save: cannot create %s: %s", dir, strerror(errno));
        goto out;
    }
    exists = stat(final, &st) == 0;
    if (exists && !replace) {
        log_err("baseline save: baseline '%s' already exists in %s (--replace overwrites it)", name,
                dir);
        rc = PVB_EXIT_USAGE;
        goto out;
    }
    if (exists && !S_ISDIR(st.st_mode)) {
        log_err("baseline save: %s exists and is not a folder", final);
        rc = PVB_EXIT_USAGE;
        goto out;
    }
    /* A folder left by an earlier save that died with this same pid. */
    baseline_remove_dir(tmp);
    if (mkdir(tmp, 0755) < 0) {
        log_err("baseline save: cannot create %s: %s", tmp, strerror(errno));
        goto out;
    }
    made_tmp = 1;
    rc = baseline_fill(run_dir, tmp);
    if (rc != PVB_EXIT_OK) {
        goto out;
    }
    rc = baseline_install(tmp, final, exists);
    if (rc != PVB_EXIT_OK) {
        goto out;
    }
    made_tmp = 0;
    if (util_sync_dir(dir) < 0) {
        log_warn("baseline save: %s: fsync: %s", dir, strerror(errno));
    }
    printf("saved baseline '%s' in %s (run %s, scenario %s, %s, guest kernel %s)\n", name, final,
           meta->run_id[0] ? meta->run_id : "?", meta->scenario[0] ? meta->scenario : "?",
           meta->accelerator[0] ? meta->accelerator : "?",
           meta->guest_kernel[0] ? meta->guest_kernel : "?");
    rc = PVB_EXIT_OK;
out:
    if (made_tmp) {
        baseline_remove_dir(tmp);
    }
    free(meta);
    return rc;
}

/* ---- listing ------------------------------------------------------------------------------- */

static int baseline_cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int baseline_list(const char *dir, FILE *out)
{
    struct compare_meta *meta = NULL;
    char *names[BASELINE_LIST_MAX];
    char path[BASELINE_PATH_MAX];
    char why[512];
    struct dirent *e;
    struct stat st;
    size_t n = 0;
    size_t i;
    unsigned stale = 0;
    int more = 0;
    DIR *d;

    if (!dir) {
        dir = baseline_default_dir();
    }
    d = opendir(dir);
    if (!d) {
        if (errno == ENOENT) {
            fprintf(out, "no baselines in %s (pvbench baseline save RUNDIR NAME makes one)\n", dir);
            return PVB_EXIT_OK;
        }
        log_err("baseline list: %s: %s", dir, strerror(errno));
        return PVB_EXIT_FAILED;
    }
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') {
            continue;
        }
        if (strstr(e->d_name, ".tmp.")) {
            stale++;
            continue;
        }
        if (util_fmt(path, sizeof(path), "%s/%s", dir, e->d_name) < 0 || stat(path, &st) < 0 ||
            !S_ISDIR(st.st_mode)) {
            continue;
        }
        if (n == BASELINE_LIST_MAX) {
            more = 1;
            continue;
        }
        names[n] = strdup(e->d_name);
        if (names[n]) {
            n++;
        }
    }
    closedir(d);
    qsort(names, n, sizeof(names[0]), baseline_cmp_name);
    meta = malloc(sizeof(*meta));
    if (!meta) {
        log_err("baseline list: out of memory");
        for (i = 0; i < n; i++) {
            free(names[i]);
        }
        return PVB_EXIT_FAILED;
    }
    fprintf(out, "baselines in %s:\n", dir);
    if (n == 0) {
        fprintf(out, "  (none)\n");
    } else {
        fprintf(out, "  %-20s %-12s %-6s %-18s %-21s %s\n", "name", "scenario", "accel",
                "guest kernel", "run start", "run id");
    }
    for (i = 0; i < n; i++) {
        util_fmt(path, sizeof(path), "%s/%s", dir, names[i]);
        if (compare_read_meta(path, meta, why, sizeof(why)) < 0) {
            fprintf(out, "  %-20s (unreadable: %s)\n", names[i], why);
        } else {
            fprintf(out, "  %-20s %-12s %-6s %-18s %-21s %s\n", names[i], meta->scenario,
                    meta->accelerator, meta->guest_kernel, meta->start, meta->run_id);
        }
        free(names[i]);
    }
    if (more) {
        fprintf(out, "  (more than %d: the rest is not shown)\n", BASELINE_LIST_MAX);
    }
    if (stale) {
        fprintf(out, "  %u unfinished save%s (NAME.tmp.PID) can be removed\n", stale,
                stale == 1 ? "" : "s");
    }
    free(meta);
    return PVB_EXIT_OK;
}

/* ---- comparing a run against a baseline ---------------------------------------------------- */

int baseline_compare(const char *run_dir, const char *name, const char *dir,
                     const struct compare_options *o, struct compare_result *res)
{
    struct compare_result r;
    struct compare_options oc = *o;
    char path[BASELINE_PATH_MAX];
    int rc;

    /* run --baseline: the comparison is part of the run it was asked for, so its files go
     * into that run's folder unless told otherwise (pvbench compare never writes into NEW). */
    if (!oc.outdir && !oc.output) {
        oc.outdir = run_dir;
    }
    o = &oc;
    if (baseline_path(name, dir, path, sizeof(path)) < 0) {
        if (errno == EINVAL) {
            log_err("baseline '%s': not a valid baseline name", name);
        } else {
            log_err("baseline '%s' in %s: %s (pvbench baseline list shows the saved ones)", name,
                    dir ? dir : baseline_default_dir(), strerror(errno));
        }
        return PVB_EXIT_USAGE;
    }
    printf("\ncomparing with baseline '%s' (%s)\n", name, path);
    rc = compare_runs(path, run_dir, o, &r);
    if (rc != PVB_EXIT_OK) {
        return rc;
    }
    rc = compare_report(&r, o, stdout);
    if (rc == PVB_EXIT_OK) {
        rc = compare_exit_code(&r);
    }
    if (res) {
        *res = r;
    } else {
        compare_result_free(&r);
    }
    return rc;
}

/* ---- pvbench baseline ---------------------------------------------------------------------- */

static const struct cli_opt baseline_opts[] = {
    {"dir", 0, "BASEDIR", "where the baselines are: else $" BASELINE_ENV ", else ./"
     BASELINE_DEFAULT_DIR, 'd', "=dir"},
    {"replace", 0, NULL, "save: replace a baseline of that name", 'r', NULL},
    {NULL, 0, NULL, NULL, 0, NULL},
};

const struct cli_spec baseline_cli = {
    .name = "baseline",
    .summary = "keep named baselines to compare later runs with (run --baseline NAME)",
    .synopsis = "save RUNDIR NAME [--dir BASEDIR] [--replace]\nlist [--dir BASEDIR]",
    .description =
        "save copies RUNDIR's run.json, samples.csv, summary.csv and scenario.ini into\n"
        "BASEDIR/NAME/ (atomically); `pvbench run --baseline NAME` compares a new run\n"
        "with it at the end. list prints the saved baselines.",
    .opts = baseline_opts,
    .operands = "save list",
};

int baseline_main(int argc, char **argv)
{
    const char *dir = NULL;
    const char *sub;
    struct cli c;
    int replace = 0, id, n;

    if (cli_start(&c, &baseline_cli, argc, argv) < 0) {
        return PVB_EXIT_USAGE;
    }
    while ((id = cli_next(&c)) >= 0) {
        if (id == 'd') {
            dir = c.arg;
        } else {
            replace = 1;
        }
    }
    if (id != CLI_END) {
        return cli_exit_code(id);
    }
    if (c.ind >= argc) {
        log_err("baseline: save or list?");
        cli_try(&baseline_cli);
        return PVB_EXIT_USAGE;
    }
    sub = argv[c.ind];
    n = argc - c.ind - 1;
    if (strcmp(sub, "help") == 0) {
        cli_usage(stdout, &baseline_cli);
        return PVB_EXIT_OK;
    }
    if (strcmp(sub, "save") == 0) {
        if (n != 2) {
            log_err("baseline save: expected RUNDIR and NAME");
            cli_try(&baseline_cli);
            return PVB_EXIT_USAGE;
        }
        return baseline_save(argv[c.ind + 1], argv[c.ind + 2], dir, replace);
    }
    if (strcmp(sub, "list") == 0) {
        if (n != 0) {
            log_err("baseline list: unexpected argument '%s'", argv[c.ind + 1]);
            cli_try(&baseline_cli);
            return PVB_EXIT_USAGE;
        }
        return baseline_list(dir, stdout);
    }
    log_err("baseline: unknown subcommand '%s' (save or list)", sub);
    cli_try(&baseline_cli);
    return PVB_EXIT_USAGE;
}
