/* `pvbench db add|list|show|rm`: the results store from the command line (store.h). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exitcode.h"
#include "log.h"
#include "store.h"
#include "util.h"

static void store_cli_usage(FILE *out)
{
    fprintf(out,
            "usage: pvbench db [--db DB] add [--label L] RUN_FOLDER...\n"
            "       pvbench db [--db DB] list\n"
            "       pvbench db [--db DB] show RUN\n"
            "       pvbench db [--db DB] rm RUN\n"
            "\n"
            "Records run folders in the results store and lists them. RUN is a run id, a\n"
            "label or a run folder. Adding a run that is already there changes nothing.\n"
            "\n"
            "options:\n"
            "      --db DB            a SQLite file (default $PVBENCH_DB, else\n"
            "                         $PVBENCH_STATE_DIR/" STORE_DEFAULT_FILE
            ") or a PostgreSQL URI\n"
            "                         (postgresql://..., postgres:///DB?host=/socket/dir)\n"
            "      --label L          add: the runs' label (a version, a commit) for --by label\n"
            "  -h, --help             this help\n");
}

/* A usage error in one line and where to look. */
static void store_cli_bad_usage(const char *what, const char *arg)
{
    log_err("db: %s%s%s", what, arg ? " " : "", arg ? arg : "");
    fprintf(stderr, "Try 'pvbench db --help'.\n");
}

static int store_cli_add(const char *db, const char *label, int argc, char **argv)
{
    struct store st;
    char why[1024];
    int i, added, code = PVB_EXIT_OK;
    double t0;

    if (argc < 1) {
        log_err("db add: no run folder given");
        return PVB_EXIT_USAGE;
    }
    if (store_open(&st, db, 1, why, sizeof(why)) < 0) {
        log_err("db: %s", why);
        return PVB_EXIT_USAGE;
    }
    for (i = 0; i < argc; i++) {
        t0 = util_now();
        if (store_add_run_folder(&st, argv[i], label, &added, why, sizeof(why)) < 0) {
            log_err("db add: %s", why);
            code = PVB_EXIT_USAGE;
            continue;
        }
        printf("%s: %s (%.3f s)\n", argv[i], added ? "added" : "already there, unchanged",
               util_now() - t0);
    }
    store_close(&st);
    return code;
}

static int store_cli_list(const char *db)
{
    struct store st;
    struct store_run *runs = NULL;
    char why[1024];
    size_t n = 0, i;

    if (store_open(&st, db, 0, why, sizeof(why)) < 0) {
        log_err("db: %s", why);
        return PVB_EXIT_USAGE;
    }
    if (store_list_runs(&st, &runs, &n, why, sizeof(why)) < 0) {
        log_err("db list: %s", why);
        store_close(&st);
        return PVB_EXIT_USAGE;
    }
    printf("%-10s %-20s %-16s %-12s %-8s %-8s %8s  %s\n", "run", "start", "label", "scenario",
           "backend", "accel", "samples", "qemu");
    for (i = 0; i < n; i++) {
        printf("%-10s %-20s %-16s %-12s %-8s %-8s %8lu  %s\n", runs[i].run_id, runs[i].start,
               runs[i].label[0] ? runs[i].label : "-", runs[i].scenario, runs[i].backend,
               runs[i].accelerator, runs[i].samples, runs[i].qemu_version);
    }
    printf("%zu runs in %s\n", n, st.target);
    free(runs);
    store_close(&st);
    return PVB_EXIT_OK;
}

static int store_cli_show_rm(const char *db, const char *key, int rm)
{
    struct store st;
    struct store_run r;
    char why[1024];
    int found, code = PVB_EXIT_OK;

    if (store_open(&st, db, rm, why, sizeof(why)) < 0) {
        log_err("db: %s", why);
        return PVB_EXIT_USAGE;
    }
    found = store_find_run(&st, key, &r, why, sizeof(why));
    if (found < 0) {
        log_err("db: %s", why);
        code = PVB_EXIT_USAGE;
    } else if (found == 0) {
        log_err("db: no run %s in %s", key, st.target);
        code = PVB_EXIT_USAGE;
    } else if (rm) {
        if (store_remove_run(&st, r.run_id, why, sizeof(why)) < 0) {
            log_err("db rm: %s", why);
            code = PVB_EXIT_USAGE;
        } else {
            printf("removed run %s (%lu samples)\n", r.run_id, r.samples);
        }
    } else {
        printf("run:          %s\nlabel:        %s\nstart:        %s\nscenario:     %s\n"
               "qemu:         %s\nguest kernel: %s\nhost:         %s\naccelerator:  %s\n"
               "backend:      %s\npvbench:      %s\nfolder:       %s\nsamples:      %lu\n",
               r.run_id, r.label, r.start, r.scenario, r.qemu_version, r.guest_kernel, r.host,
               r.accelerator, r.backend, r.git_revision, r.folder, r.samples);
    }
    store_close(&st);
    return code;
}

/* Options before and after the subcommand: -1 usage error, 1 help, 0 ok; optind past them. */
static int store_cli_options(int argc, char **argv, const char *optstring, const char **db,
                             const char **label)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},
        {"label", required_argument, NULL, 'l'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;

    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, optstring, opts, NULL)) != -1) {
        if (c == 'd') {
            *db = optarg;
        } else if (c == 'l') {
            *label = optarg;
        } else if (c == 'h') {
            store_cli_usage(stdout);
            return 1;
        } else {
            store_cli_bad_usage(c == ':' ? "missing the argument of" : "unknown option",
                                argv[optind - 1]);
            return -1;
        }
    }
    return 0;
}

int store_cli_main(int argc, char **argv)
{
    const char *db = NULL, *label = NULL, *sub;
    int rc;

    /* "+": options up to the subcommand, then its own. */
    rc = store_cli_options(argc, argv, "+:h", &db, &label);
    if (rc != 0) {
        return rc > 0 ? PVB_EXIT_OK : PVB_EXIT_USAGE;
    }
    if (optind >= argc) {
        store_cli_bad_usage("which? add, list, show or rm", NULL);
        return PVB_EXIT_USAGE;
    }
    sub = argv[optind];
    argc -= optind;
    argv += optind;
    rc = store_cli_options(argc, argv, ":h", &db, &label);
    if (rc != 0) {
        return rc > 0 ? PVB_EXIT_OK : PVB_EXIT_USAGE;
    }
    argc -= optind;
    argv += optind;
    if (label && strcmp(sub, "add") != 0) {
        store_cli_bad_usage("--label goes with add", NULL);
        return PVB_EXIT_USAGE;
    }
    if (strcmp(sub, "add") == 0) {
        return store_cli_add(db, label, argc, argv);
    }
    if (strcmp(sub, "list") == 0 && argc == 0) {
        return store_cli_list(db);
    }
    if ((strcmp(sub, "show") == 0 || strcmp(sub, "rm") == 0) && argc == 1) {
        return store_cli_show_rm(db, argv[0], strcmp(sub, "rm") == 0);
    }
    store_cli_bad_usage("unknown subcommand or wrong arguments:", sub);
    return PVB_EXIT_USAGE;
}
