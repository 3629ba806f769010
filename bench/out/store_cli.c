/* `pvbench db add|list|show|rm`: the results store from the command line (store.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "exitcode.h"
#include "log.h"
#include "store.h"
#include "util.h"

enum { STORE_OPT_DB = 'd', STORE_OPT_LABEL = 'l' };

static const struct cli_opt store_opts[] = {
    {"db", 0, "DB",
     "a SQLite file (default $PVBENCH_DB, else $PVBENCH_STATE_DIR/" STORE_DEFAULT_FILE
     ") or a PostgreSQL URI (postgresql://..., postgres:///DB?host=/socket/dir)",
     STORE_OPT_DB, "=file"},
    {"label", 0, "L", "add: the runs' label (a version, a commit) for --by label",
     STORE_OPT_LABEL, NULL},
    {NULL, 0, NULL, NULL, 0, NULL},
};

const struct cli_spec store_cli = {
    .name = "db",
    .summary = "the results store: add run folders, list, show and remove them",
    .synopsis = "[--db DB] add [--label L] RUN_FOLDER...\n[--db DB] list\n[--db DB] show RUN\n"
                "[--db DB] rm RUN",
    .description = "Records run folders in the results store and lists them. RUN is a run id, "
                   "a label or a run folder. Adding a run that is already there changes "
                   "nothing.",
    .opts = store_opts,
    .operands = "add list show rm",
    .flags = CLI_F_VERBOSITY,
};

/* A usage error in one line and where to look. */
static void store_cli_bad_usage(const char *what, const char *arg)
{
    log_err("db: %s%s%s", what, arg ? " " : "", arg ? arg : "");
    cli_try(&store_cli);
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

int store_cli_main(int argc, char **argv)
{
    const char *db = NULL, *label = NULL, *sub;
    struct cli c;
    int id;

    /* options anywhere, before or after the subcommand (getopt's permutation) */
    if (cli_start(&c, &store_cli, argc, argv) < 0) {
        return PVB_EXIT_USAGE;
    }
    while ((id = cli_next(&c)) >= 0) {
        if (id == STORE_OPT_DB) {
            db = c.arg;
        } else if (id == STORE_OPT_LABEL) {
            label = c.arg;
        }
    }
    if (id != CLI_END) {
        return cli_exit_code(id);
    }
    if (c.ind >= argc) {
        store_cli_bad_usage("which? add, list, show or rm", NULL);
        return PVB_EXIT_USAGE;
    }
    sub = argv[c.ind];
    argc -= c.ind + 1;
    argv += c.ind + 1;
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
