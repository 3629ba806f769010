/* pvbench: command-line entry. Each subcommand lives in its own module; one table below. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backend.h"
#include "baseline.h"
#include "calibrate.h"
#include "cli.h"
#include "compare.h"
#include "demo.h"
#include "devbus.h"
#include "devmodel.h"
#include "exitcode.h"
#include "history.h"
#include "log.h"
#include "qemuver.h"
#include "manual.h"
#include "metric.h"
#include "paths.h"
#include "registry.h"
#include "report.h"
#include "run.h"
#include "runout.h"
#include "scenario.h"
#include "selftest.h"
#include "store.h"
#include "util.h"
#include "workload.h"

/* ---- pvbench run --------------------------------------------------------------------------- */

enum {
    RUN_OPT_OUTPUT = 'o',
    RUN_OPT_ACCEL = 'a',
    RUN_OPT_BACKEND = 'b',
    RUN_OPT_CONNECT = 'c',
    RUN_OPT_BASELINE = 'B',
    RUN_OPT_BASELINE_DIR = 'D',
    RUN_OPT_THRESHOLD = 'T',
    RUN_OPT_ALPHA = 'A',
    RUN_OPT_MAX_ITER = 'M',
    RUN_OPT_SET = 's',
    RUN_OPT_QEMU = 'q',
    RUN_OPT_IMAGE = 'i',
    RUN_OPT_RESUME = 'r',
    RUN_OPT_FORCE = 'F',
    RUN_OPT_DRY_RUN = 'n',
    RUN_OPT_FAULT = 'f',
    RUN_OPT_KVM_PROBE = 'K',
    RUN_OPT_DB = 'd',
    RUN_OPT_LABEL = 'l',
    RUN_OPT_JSON = 'j',
    RUN_OPT_UNTIL_DECIDED = 'U',
    RUN_OPT_BUDGET = 'W',
    RUN_OPT_METRICS = 'm',
};

static const struct cli_opt main_run_opts[] = {
    {"output", 'o', "DIR",
     "run folder (default results/<date>-<time>-<scenario>); a run folder that exists already "
     "is refused unless --force",
     RUN_OPT_OUTPUT, "=dir"},
    {"force", 0, NULL, "with -o: write into a folder that holds a run already, replacing it",
     RUN_OPT_FORCE, NULL},
    {"accel", 'a', "MODE", "auto (KVM if a probe guest boots, else TCG), kvm or tcg", RUN_OPT_ACCEL,
     "auto kvm tcg"},
    {"kvm-probe-timeout", 0, "S",
     "how long the KVM probe guest may take to boot (default 10; the scenario key "
     "kvm_probe_timeout)",
     RUN_OPT_KVM_PROBE, NULL},
    {"backend", 'b', "B",
     "auto (libvirt if its daemon answers, else qemu), libvirt or qemu (default: "
     "$PVBENCH_BACKEND or auto); qemu,libvirt: every configuration through both, job after "
     "job, in one run (DEV@qemu, DEV@libvirt), then a table of the two side by side; process: "
     "the agent as a host process, no QEMU (tests the harness; device models are labels)",
     RUN_OPT_BACKEND, "auto libvirt qemu qemu,libvirt process"},
    {"connect", 0, "URI",
     "libvirt URI (default qemu:///system); given more than once, the scenario runs on each "
     "host in turn (one run folder, a host column; up to 8 hosts)",
     RUN_OPT_CONNECT, NULL},
    {"baseline", 0, "NAME", "compare the run with a saved baseline at the end (exit 1: regression)",
     RUN_OPT_BASELINE, NULL},
    {"baseline-dir", 0, "DIR", "where the baselines are (see pvbench baseline)",
     RUN_OPT_BASELINE_DIR, "=dir"},
    {"threshold", 0, "PCT",
     "with --baseline or --until-decided: a change must be beyond PCT % (default 5)",
     RUN_OPT_THRESHOLD, NULL},
    {"alpha", 0, "A",
     "with --baseline or --until-decided: and have p < A (0 .. 0.5], default 0.01; "
     "--until-decided spends half of what is left on each look",
     RUN_OPT_ALPHA, NULL},
    {"max-iterations", 0, "K",
     "with --baseline: re-run suspect configurations up to K-1 times and decide on all their "
     "samples (1 .. 10)",
     RUN_OPT_MAX_ITER, NULL},
    {"until-decided", 0, NULL,
     "after the planned boots, decide each configuration against its reference (SAME, "
     "DIFFERENT or UNKNOWN, as pvbench compare RUN); while a cell is UNKNOWN, boot the "
     "configurations it needs twice more (A B, B A) and decide again, until every cell is "
     "decided or --budget is spent (exit 0, 1 worse, 5 undecided)",
     RUN_OPT_UNTIL_DECIDED, NULL},
    {"budget", 0, "TIME",
     "with --until-decided: the run's wall time, e.g. 600, 90s, 10m, 1h (default 30m); a "
     "round that would end past it is not started",
     RUN_OPT_BUDGET, NULL},
    {"metrics", 0, "LIST",
     "with --until-decided: the metrics decided, comma-separated, 'primary' (default) or "
     "'all' (as pvbench compare --metrics)",
     RUN_OPT_METRICS, "primary all"},
    {"set", 0, "KEY=VALUE", "override a scenario key (repeatable; pvbench help scenario)",
     RUN_OPT_SET, "=set"},
    {"qemu", 0, "PATH", "QEMU binary (default qemu-system-x86_64)", RUN_OPT_QEMU, "=file"},
    {"image", 0, "DIR", "guest image folder (default build/guest, or $PVBENCH_IMAGE_DIR)",
     RUN_OPT_IMAGE, "=dir"},
    {"resume", 0, "DIR", "continue DIR, skipping cells already measured", RUN_OPT_RESUME, "=dir"},
    {"dry-run", 'n', NULL, "print the resolved scenario and exit", RUN_OPT_DRY_RUN, NULL},
    {"fault", 0, "F@DEV[:WL]",
     "test the harness: tell the agent to misbehave (hang, crash, exit, garbage, flood) in "
     "DEV's first job (or WL's; WL \"why\": its first traced why job)",
     RUN_OPT_FAULT, NULL},
    {"db", 0, "DB", "add the run to this results store when it ends (SQLite file or "
     "postgresql:// URI; \"\": $PVBENCH_DB or the default, see pvbench db)", RUN_OPT_DB, "=file"},
    {"label", 0, "L", "with --db: the run's label (a version, a commit) for trend --by label",
     RUN_OPT_LABEL, NULL},
    {"json", 0, NULL,
     "at the end, print summary.json with the run folder (run_dir) and the "
     "exit code (exit_status) on stdout; the table and every other line go to stderr",
     RUN_OPT_JSON, NULL},
    {NULL, 0, NULL, NULL, 0, NULL},
};

static const struct cli_spec main_run_cli = {
    .name = "run",
    .summary = "boot one guest per device model, measure each workload, report",
    .synopsis = "[options] SCENARIO.ini...\n--resume DIR [options] [SCENARIO.ini]",
    .description =
        "Runs the scenario: one guest per device model (and backend, and host), warm-up jobs,\n"
        "then the measured repetitions, interleaved. Every sample goes into the run folder:\n"
        "run.json, samples.csv, summary.csv, summary.json, scenario.ini, logs/, plots/ and\n"
        "report.html. Several scenarios run one after the other, each in its own folder.",
    .opts = main_run_opts,
    .notes = "exit codes: 0 every configuration measured, 1 regression against --baseline\n"
             "(or, with --until-decided, a cell DIFFERENT and worse than its reference), 2\n"
             "usage error, 3 a configuration failed or the run was interrupted, 4 some\n"
             "configurations were skipped (this host cannot run them), 5 with\n"
             "--until-decided: the budget was spent with cells undecided. --db that cannot\n"
             "add the run warns and keeps the run folder; the exit code is then 3 if it\n"
             "would have been 0.",
    .operands = "=ini",
    .flags = CLI_F_VERBOSITY,
};

/* "600", "90s", "10m", "1.5h" into seconds (> 0, at most a week). 0, or -1. */
static int main_parse_duration(const char *arg, double *out)
{
    char *end;
    double v, unit = 1;

    errno = 0;
    v = strtod(arg, &end);
    if (end == arg || errno) {
        return -1;
    }
    if (*end == 's' || *end == 'm' || *end == 'h') {
        unit = *end == 'm' ? 60 : *end == 'h' ? 3600 : 1;
        end++;
    }
    if (*end || !(v > 0) || v * unit > 7 * 86400.0) {
        return -1;
    }
    *out = v * unit;
    return 0;
}

/* A folder holding any of these is a run folder: -o must not overwrite it by surprise. */
static const char *const main_run_files[] = {"run.json", "samples.csv", "scenario.ini"};

/* -o DIR: refuse a folder that holds a run already unless --force. 0, or -1 (said once). */
static int main_run_check_out(const char *dir, int force)
{
    char path[4096];

    for (size_t i = 0; !force && i < sizeof(main_run_files) / sizeof(main_run_files[0]); i++) {
        if (util_fmt(path, sizeof(path), "%s/%s", dir, main_run_files[i]) >= 0 &&
            access(path, F_OK) == 0) {
            fprintf(stderr,
                    "pvbench run: %s holds a run already (%s): --force replaces it, "
                    "--resume %s continues it\n",
                    dir, main_run_files[i], dir);
            return -1;
        }
    }
    return 0;
}

/* One run option into o. PVB_EXIT_OK, or PVB_EXIT_USAGE with the error said. */
static int main_run_option(struct run_options *o, int id, const char *arg, int *force)
{
    switch (id) {
    case RUN_OPT_OUTPUT:
        o->out_dir = arg;
        break;
    case RUN_OPT_FORCE:
        *force = 1;
        break;
    case RUN_OPT_ACCEL:
        if (run_parse_accel(arg, &o->accel) < 0) {
            return PVB_EXIT_USAGE;
        }
        break;
    case RUN_OPT_KVM_PROBE: {
        /* a --set of the scenario key, checked by its parser; a later --set wins */
        static char probe_set[64];
        snprintf(probe_set, sizeof(probe_set), "kvm_probe_timeout=%.40s", arg);
        arg = probe_set;
    }
        /* fall through */
    case RUN_OPT_SET:
        if (o->n_sets == RUN_MAX_SETS) {
            log_err("--set: at most %d", RUN_MAX_SETS);
            return PVB_EXIT_USAGE;
        }
        o->sets[o->n_sets++] = arg;
        break;
    case RUN_OPT_QEMU:
        o->qemu_binary = arg;
        break;
    case RUN_OPT_IMAGE:
        o->image_dir = arg;
        break;
    case RUN_OPT_RESUME:
        o->resume_dir = arg;
        break;
    case RUN_OPT_DRY_RUN:
        o->dry_run = 1;
        break;
    case RUN_OPT_DB:
        o->db = arg;
        break;
    case RUN_OPT_LABEL:
        o->label = arg;
        break;
    case RUN_OPT_JSON:
        o->json = 1;
        break;
    case RUN_OPT_FAULT:
        o->fault = arg;
        break;
    case RUN_OPT_BACKEND:
        o->backend = arg;
        break;
    case RUN_OPT_CONNECT:
        if (o->n_connect == RUN_MAX_HOSTS) {
            log_err("--connect: at most %d hosts", RUN_MAX_HOSTS);
            return PVB_EXIT_USAGE;
        }
        o->connect[o->n_connect++] = arg;
        break;
    case RUN_OPT_BASELINE:
        o->baseline = arg;
        break;
    case RUN_OPT_BASELINE_DIR:
        o->baseline_dir = arg;
        break;
    case RUN_OPT_THRESHOLD:
        o->threshold_pct = atof(arg);
        if (o->threshold_pct <= 0 || o->threshold_pct > 1000) {
            log_err("--threshold: expected a percentage in (0, 1000], got '%s'", arg);
            return PVB_EXIT_USAGE;
        }
        break;
    case RUN_OPT_ALPHA:
        o->alpha = atof(arg);
        if (o->alpha <= 0 || o->alpha > 0.5) {
            log_err("--alpha: expected a value in (0, 0.5], got '%s'", arg);
            return PVB_EXIT_USAGE;
        }
        break;
    case RUN_OPT_UNTIL_DECIDED:
        o->until_decided = 1;
        break;
    case RUN_OPT_BUDGET:
        if (main_parse_duration(arg, &o->budget_s) < 0) {
            log_err("--budget: expected a time such as 600, 90s, 10m or 1h, got '%s'", arg);
            return PVB_EXIT_USAGE;
        }
        break;
    case RUN_OPT_METRICS:
        o->metrics = arg;
        break;
    case RUN_OPT_MAX_ITER:
        o->max_iterations = (unsigned)atoi(arg);
        if (o->max_iterations < 1 || o->max_iterations > 10) {
            log_err("--max-iterations: expected 1..10, got '%s'", arg);
            return PVB_EXIT_USAGE;
        }
        break;
    default:
        return PVB_EXIT_USAGE;
    }
    return PVB_EXIT_OK;
}

/*
 * The exit code of several scenarios: the one that matters most, not the largest number:
 * failed (3), then a usage error (2), a regression (1), undecided (5), skipped (4), success.
 */
static int main_run_worse(int a, int b)
{
    static const int order[] = {PVB_EXIT_FAILED, PVB_EXIT_USAGE, PVB_EXIT_REGRESSION,
                                PVB_EXIT_UNDECIDED, PVB_EXIT_SKIPPED};

    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
        if (a == order[i] || b == order[i]) {
            return order[i];
        }
    }
    return a > b ? a : b;
}

static int cmd_run(int argc, char **argv)
{
    struct run_options o;
    struct cli c;
    char resume_scn[4096];
    int id, code = PVB_EXIT_OK, force = 0;

    memset(&o, 0, sizeof(o));
    o.finish = &runout_finish;
    if (cli_start(&c, &main_run_cli, argc, argv) < 0) {
        return PVB_EXIT_USAGE;
    }
    while ((id = cli_next(&c)) >= 0) {
        code = main_run_option(&o, id, c.arg, &force);
        if (code != PVB_EXIT_OK) {
            return code;
        }
    }
    if (id != CLI_END) {
        return cli_exit_code(id);
    }
    if (c.ind >= argc && o.resume_dir) {
        snprintf(resume_scn, sizeof(resume_scn), "%s/scenario.ini", o.resume_dir);
        return run_main(resume_scn, &o);
    }
    if (c.ind >= argc) {
        log_err("run: no scenario file given (try scenarios/quick.ini)");
        cli_try(&main_run_cli);
        return PVB_EXIT_USAGE;
    }
    if (argc - c.ind > 1 && (o.out_dir || o.resume_dir)) {
        log_err("run: -o and --resume take one scenario");
        return PVB_EXIT_USAGE;
    }
    if (argc - c.ind > 1 && o.json) {
        log_err("run: --json takes one scenario (stdout holds one JSON document)");
        return PVB_EXIT_USAGE;
    }
    if (o.budget_s > 0 && !o.until_decided) {
        log_err("run: --budget is the time --until-decided may take; give both");
        return PVB_EXIT_USAGE;
    }
    if (o.until_decided && o.alpha > 0 && o.alpha / 2 < RUN_ALPHA_MIN) {
        log_err("run: --until-decided spends half of --alpha on its first look; %g is below %g",
                o.alpha, 2 * RUN_ALPHA_MIN);
        return PVB_EXIT_USAGE;
    }
    if (o.metrics && !o.until_decided) {
        log_err("run: --metrics chooses what --until-decided decides; give both");
        return PVB_EXIT_USAGE;
    }
    if (o.metrics) {
        struct compare_options co;
        char why[512];

        compare_options_init(&co);
        co.metrics = o.metrics;
        if (compare_options_check(&co, why, sizeof(why)) < 0) {
            log_err("run: %s", why);
            return PVB_EXIT_USAGE;
        }
    }
    if (o.until_decided && o.baseline) {
        log_err("run: --until-decided decides the run's configurations against each other; "
                "against a --baseline, use --max-iterations");
        return PVB_EXIT_USAGE;
    }
    if (o.out_dir && !o.resume_dir && !o.dry_run && main_run_check_out(o.out_dir, force) < 0) {
        return PVB_EXIT_USAGE;
    }
    for (int i = c.ind; i < argc; i++) {
        char scn[4096];
        int rc;

        /* "quick": ./quick.ini, then the installed or the tree's scenarios/quick.ini */
        if (paths_scenario(argv[i], scn, sizeof(scn)) < 0 && !strchr(argv[i], '/') &&
            !strstr(argv[i], ".ini")) {
            log_err("run: no scenario '%s' (not ./%s.ini, not %s/scenarios/%s.ini)", argv[i],
                    argv[i], paths_datadir(), argv[i]);
            return PVB_EXIT_USAGE;
        }
        rc = run_main(scn, &o);
        code = main_run_worse(code, rc);
        if (run_interrupted()) {
            break;
        }
    }
    return code;
}

/* ---- pvbench list -------------------------------------------------------------------------- */

enum { LIST_OPT_MODULES = 'm', LIST_OPT_CMDLINE = 'c', LIST_OPT_CONNECT = 'C' };

static const struct cli_opt main_list_opts[] = {
    {"modules", 0, NULL,
     "only the guest kernel modules the device table needs, one a line (scripts/build-guest)",
     LIST_OPT_MODULES, NULL},
    {"cmdline", 0, NULL,
     "only the guest kernel command line every configuration gets (scripts/measure-boot)",
     LIST_OPT_CMDLINE, NULL},
    {"connect", 0, "URI",
     "what the libvirt host at URI offers instead: its accelerator, machine types and which "
     "device models its QEMU has (a paused empty guest is started and destroyed to ask QEMU)",
     LIST_OPT_CONNECT, NULL},
    {NULL, 0, NULL, NULL, 0, NULL},
};

static const struct cli_spec main_list_cli = {
    .name = "list",
    .summary = "list the device models, workloads and metrics pvbench knows",
    .synopsis = "[--modules | --cmdline | --connect URI]",
    .description = "Prints the device model table (class, kind, bus, machine types, guest "
                   "driver) and the\nworkload table; scenario keys devices and workloads take "
                   "these names.",
    .opts = main_list_opts,
};

/* For scripts/build-guest: every guest module the device table needs, once each. */
static void main_list_modules(void)
{
    char seen[2048] = " ";

    for (unsigned i = 0; i < devmodel_count(); i++) {
        char mods[256], key[80], *save = NULL, *tok;
        snprintf(mods, sizeof(mods), "%s", devmodel_at(i)->guest_modules);
        for (tok = strtok_r(mods, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
            snprintf(key, sizeof(key), " %s ", tok);
            if (!strstr(seen, key)) {
                printf("%s\n", tok);
                strncat(seen, tok, sizeof(seen) - strlen(seen) - 2);
                strcat(seen, " ");
            }
        }
    }
}

/* pvbench list --connect URI: the host's side of the device table. */
static int main_list_host(const char *uri)
{
    const char *types[BACKEND_OFFER_TYPES];
    struct backend_offer off;
    struct backend_host h;
    char err[512];
    unsigned n = devmodel_count() < BACKEND_OFFER_TYPES ? devmodel_count() : BACKEND_OFFER_TYPES;
    int rc;

    if (backend_libvirt_connect(uri, err, sizeof(err)) < 0) {
        log_err("%s", err);
        return PVB_EXIT_FAILED;
    }
    for (unsigned i = 0; i < n; i++) {
        types[i] = devmodel_at(i)->qemu_device;
    }
    rc = backend_libvirt_offers(&off, types, n, err, sizeof(err));
    if (backend_libvirt_host_info(&h) == 0) {
        printf("host %s: libvirt %s, QEMU %s, %s, %u CPUs (%s)\n", h.hostname, h.libvirt_version,
               h.qemu_version, h.cpu_model[0] ? h.cpu_model : "CPU model unknown", h.cpus,
               h.arch);
    }
    if (off.kvm) {
        printf("accelerator: kvm\n");
    } else {
        printf("accelerator: tcg only (%s)\n", off.kvm_reason);
    }
    printf("machine types: pc %s, q35 %s\n", off.has_pc ? "yes" : "no",
           off.has_q35 ? "yes" : "no");
    printf("device models:\n  %-12s %-16s %s\n", "name", "QEMU device", "on this host");
    for (unsigned i = 0; i < n; i++) {
        const struct devmodel *m = devmodel_at(i);

        printf("  %-12s %-16s %s\n", m->name, m->qemu_device,
               off.has_type[i] == 1 ? "yes" : off.has_type[i] == 0 ? "no" : "unknown");
    }
    if (rc < 0) {
        log_err("%s", err);
    }
    backend_libvirt_disconnect();
    return rc < 0 ? PVB_EXIT_FAILED : PVB_EXIT_OK;
}

static int cmd_list(int argc, char **argv)
{
    struct cli c;
    int id, only = 0;
    const char *uri = NULL;

    if (cli_start(&c, &main_list_cli, argc, argv) < 0) {
        return PVB_EXIT_USAGE;
    }
    while ((id = cli_next(&c)) >= 0) {
        only = id;
        if (id == LIST_OPT_CONNECT) {
            uri = c.arg;
        }
    }
    if (id != CLI_END) {
        return cli_exit_code(id);
    }
    if (uri && c.ind == argc) {
        return main_list_host(uri);
    }
    if (c.ind < argc) {
        log_err("list: unexpected argument '%s'", argv[c.ind]);
        cli_try(&main_list_cli);
        return PVB_EXIT_USAGE;
    }
    if (only == LIST_OPT_CMDLINE) {
        printf("%s\n", GUEST_CMDLINE);
        return PVB_EXIT_OK;
    }
    if (only == LIST_OPT_MODULES) {
        main_list_modules();
        return PVB_EXIT_OK;
    }
    printf("device models:\n");
    printf("  %-12s %-11s %-4s %-7s %-8s %-28s %s\n", "name", "class", "kind", "bus", "machine",
           "guest driver", "");
    for (unsigned i = 0; i < devmodel_count(); i++) {
        const struct devmodel *m = devmodel_at(i);
        char mach[16];
        snprintf(mach, sizeof(mach), "%s%s%s", (m->machines & MACHINE_PC) ? "pc" : "",
                 (m->machines & MACHINE_PC) && (m->machines & MACHINE_Q35) ? "," : "",
                 (m->machines & MACHINE_Q35) ? "q35" : "");
        printf("  %-12s %-11s %-4s %-7s %-8s %-28s\n      %s\n", m->name,
               devmodel_class_name(m->class), devmodel_kind_name(m->kind), m->bus, mach,
               m->guest_modules, m->summary);
    }
    printf("\nworkloads:\n");
    for (unsigned i = 0; i < workload_count(); i++) {
        const struct workload *w = workload_at(i);
        printf("  %-14s %-4s %-10s bs=%-8u qd=%-3u %s\n", w->name, devmodel_kind_name(w->kind),
               w->rw, w->bs, w->qd, w->summary);
    }
    return PVB_EXIT_OK;
}

/* ---- pvbench image -------------------------------------------------------------------------- */

enum { IMAGE_OPT_WITH_FIO = 'F' };

static const struct cli_opt main_image_opts[] = {
    {"with-fio", 0, NULL, "build: also the image with Debian's fio (engine = fio, selftest)",
     IMAGE_OPT_WITH_FIO, NULL},
    {NULL, 0, NULL, NULL, 0, NULL},
};

static const struct cli_spec main_image_cli = {
    .name = "image",
    .summary = "build the guest image into the cache, or say where it is",
    .synopsis = "status\nbuild [--with-fio]",
    .description = "The guest image (Debian's kernel and an initramfs whose /init is the pvbench "
                   "agent) lives in the cache: $PVBENCH_IMAGE_DIR, else CACHE/guest (CACHE: the "
                   "source tree's build/, or /var/cache/pvbench as root, else "
                   "$XDG_CACHE_HOME/pvbench). build makes it with the data folder's "
                   "scripts/build-guest, from Debian's archive; status says what is there.",
    .opts = main_image_opts,
    .operands = "status build",
    .flags = CLI_F_VERBOSITY,
};

/* `pvbench image status`: the image folder and what it holds. */
static int main_image_status(void)
{
    const char *dir = paths_image_dir();
    char path[4096], release[128] = "";
    int ok;

    printf("image folder: %s\n", dir);
    snprintf(path, sizeof(path), "%s/kernel-release", dir);
    if (util_read_file(path, release, sizeof(release)) > 0) {
        util_rstrip(release);
    }
    snprintf(path, sizeof(path), "%s/vmlinux", dir);
    ok = access(path, R_OK) == 0;
    snprintf(path, sizeof(path), "%s/initramfs.img", dir);
    ok = ok && access(path, R_OK) == 0;
    printf("guest image:  %s%s%s\n", ok ? "ready" : "missing (pvbench image build)",
           release[0] ? ", kernel " : "", release);
    snprintf(path, sizeof(path), "%s/initramfs-fio.img", dir);
    printf("fio image:    %s\n",
           access(path, R_OK) == 0 ? "ready" : "missing (pvbench image build --with-fio)");
    return ok ? PVB_EXIT_OK : PVB_EXIT_FAILED;
}

/* `pvbench image build`: scripts/build-guest of the data folder, into the image folder. */
static int main_image_build(int with_fio)
{
    char script[4096], self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    char *argv[] = {script, "--out", (char *)paths_image_dir(), "--agent",
                    (char *)paths_agent(), "--pvbench", self, with_fio ? "--with-fio" : NULL,
                    NULL};
    int status;
    pid_t pid;

    if (n <= 0) {
        log_err("image: cannot find pvbench's own binary: %s", strerror(errno));
        return PVB_EXIT_FAILED;
    }
    self[n] = '\0';
    snprintf(script, sizeof(script), "%s/scripts/build-guest", paths_datadir());
    if (access(script, X_OK) < 0 || access(argv[4], X_OK) < 0) {
        log_err("image: %s: %s", access(script, X_OK) < 0 ? script : argv[4], strerror(errno));
        return PVB_EXIT_FAILED;
    }
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        execv(script, argv);
        _exit(127);
    }
    if (pid < 0 || waitpid(pid, &status, 0) != pid) {
        log_err("image: cannot run %s: %s", script, strerror(errno));
        return PVB_EXIT_FAILED;
    }
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? PVB_EXIT_OK : PVB_EXIT_FAILED;
}

static int cmd_image(int argc, char **argv)
{
    struct cli c;
    int id, with_fio = 0;

    if (cli_start(&c, &main_image_cli, argc, argv) < 0) {
        return PVB_EXIT_USAGE;
    }
    while ((id = cli_next(&c)) >= 0) {
        with_fio |= id == IMAGE_OPT_WITH_FIO;
    }
    if (id != CLI_END) {
        return cli_exit_code(id);
    }
    if (c.ind + 1 == argc && strcmp(argv[c.ind], "status") == 0 && !with_fio) {
        return main_image_status();
    }
    if (c.ind + 1 == argc && strcmp(argv[c.ind], "build") == 0) {
        return main_image_build(with_fio);
    }
    log_err("image: expected status or build [--with-fio]");
    cli_try(&main_image_cli);
    return PVB_EXIT_USAGE;
}

/* ---- pvbench cleanup ----------------------------------------------------------------------- */

static const struct cli_opt main_cleanup_opts[] = {
    {"dry-run", 'n', NULL, "only list what would be stopped and removed", 'n', NULL},
    {NULL, 0, NULL, NULL, 0, NULL},
};

static const struct cli_spec main_cleanup_cli = {
    .name = "cleanup",
    .summary = "remove what crashed runs left behind",
    .synopsis = "[--dry-run]",
    .description = "Stops the guests and removes the scratch disks, sockets and namespaces "
                   "that crashed runs\nleft behind in $PVBENCH_STATE_DIR (the registry of "
                   "what each run created).",
    .opts = main_cleanup_opts,
    .flags = CLI_F_VERBOSITY,
};

static int cmd_cleanup(int argc, char **argv)
{
    struct cli c;
    int dry = 0, id;

    /* Help and anything unknown must never act: the cleanup stops guests and removes disks. */
    if (cli_start(&c, &main_cleanup_cli, argc, argv) < 0) {
        return PVB_EXIT_USAGE;
    }
    while ((id = cli_next(&c)) >= 0) {
        dry = 1;
    }
    if (id != CLI_END) {
        return cli_exit_code(id);
    }
    if (c.ind < argc) {
        log_err("cleanup: unexpected argument '%s'", argv[c.ind]);
        cli_try(&main_cleanup_cli);
        return PVB_EXIT_USAGE;
    }
    backend_libvirt_install_release_hook();
    return registry_cleanup_stale(dry) < 0 ? PVB_EXIT_FAILED : PVB_EXIT_OK;
}

/* ---- pvbench help, pvbench version, the table of subcommands -------------------------------- */

static const struct cli_spec main_help_cli = {
    .name = "help",
    .summary = "this overview, a subcommand's help, or every scenario key",
    .synopsis = "[COMMAND | scenario]",
    .description = "help scenario prints every scenario key with its default and range "
                   "(pvbench-scenario(5)).",
    .operands = "=commands",
};

static const struct cli_spec main_version_cli = {
    .name = "version",
    .summary = "print the version and the git revision it was built from",
    .synopsis = "",
};

static int cmd_help(int argc, char **argv);
static int cmd_version(int argc, char **argv);

struct main_cmd {
    const struct cli_spec *spec;
    int (*fn)(int argc, char **argv);
};

/* clang-format off: one subcommand a line */
static const struct main_cmd main_cmds[] = {
    {&main_run_cli, cmd_run},         {&main_list_cli, cmd_list},     {&report_cli, report_main},
    {&compare_cli, compare_main},     {&baseline_cli, baseline_main}, {&demo_cli, demo_main},
    {&main_cleanup_cli, cmd_cleanup}, {&selftest_cli, selftest_main}, {&main_help_cli, cmd_help},
    {&main_version_cli, cmd_version}, {&store_cli, store_cli_main},
    {&history_trend_cli, history_trend_main}, {&history_changes_cli, history_changes_main},
    {&history_check_cli, history_check_main}, {&history_report_cli, history_report_main},
    {&qemuver_fetch_cli, qemuver_fetch_main}, {&calibrate_cli, calibrate_main},
    {&main_image_cli, cmd_image},
};
/* clang-format on */

#define MAIN_NCMDS (sizeof(main_cmds) / sizeof(main_cmds[0]))

static void main_usage(FILE *out)
{
    fprintf(out,
            "pvbench %s: benchmark emulated against paravirtual VM I/O devices\n\n"
            "usage: pvbench COMMAND [options] [arguments]\n\ncommands:\n",
            PVB_VERSION);
    for (unsigned i = 0; i < MAIN_NCMDS; i++) {
        if (!(main_cmds[i].spec->flags & CLI_F_HIDDEN)) {
            fprintf(out, "  %-15s %s\n", main_cmds[i].spec->name, main_cmds[i].spec->summary);
        }
    }
    fprintf(out, "\n'pvbench COMMAND --help' tells its options, 'pvbench help scenario' every "
                 "scenario key;\nman pvbench and man pvbench-scenario say all of it.\n\n");
    manual_exit_codes(out);
    fprintf(out, "\nState (scratch disks, sockets, the registry of what a run created) lives in\n"
                 "$PVBENCH_STATE_DIR (default /var/tmp/pvbench).\n");
}

static const struct main_cmd *main_find(const char *name)
{
    for (unsigned i = 0; i < MAIN_NCMDS; i++) {
        if (strcmp(main_cmds[i].spec->name, name) == 0) {
            return &main_cmds[i];
        }
    }
    return NULL;
}

static int cmd_help(int argc, char **argv)
{
    const struct cli_spec *specs[MAIN_NCMDS];
    const struct main_cmd *m;

    for (unsigned i = 0; i < MAIN_NCMDS; i++) {
        specs[i] = main_cmds[i].spec;
    }
    if (argc < 2) {
        main_usage(stdout);
        return PVB_EXIT_OK;
    }
    if (argc > 2) {
        log_err("help: one topic at a time");
        cli_try(&main_help_cli);
        return PVB_EXIT_USAGE;
    }
    /* Hidden topics: what the Makefile generates from the tables (man pages, completion). */
    if (strcmp(argv[1], "scenario") == 0) {
        scenario_print_help(stdout);
        return PVB_EXIT_OK;
    }
    if (strcmp(argv[1], "man1") == 0) {
        return manual_man1(stdout, specs, MAIN_NCMDS) < 0 ? PVB_EXIT_FAILED : PVB_EXIT_OK;
    }
    if (strcmp(argv[1], "man5") == 0) {
        return manual_man5(stdout) < 0 ? PVB_EXIT_FAILED : PVB_EXIT_OK;
    }
    if (strcmp(argv[1], "completion") == 0) {
        return manual_completion(stdout, specs, MAIN_NCMDS) < 0 ? PVB_EXIT_FAILED : PVB_EXIT_OK;
    }
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        cli_usage(stdout, &main_help_cli);
        return PVB_EXIT_OK;
    }
    m = main_find(argv[1]);
    if (!m) {
        fprintf(stderr, "pvbench help: no such command or topic '%s'\n", argv[1]);
        cli_try(&main_help_cli);
        return PVB_EXIT_USAGE;
    }
    cli_usage(stdout, m->spec);
    return PVB_EXIT_OK;
}

static int cmd_version(int argc, char **argv)
{
    struct cli c;
    int id;

    if (cli_start(&c, &main_version_cli, argc, argv) < 0) {
        return PVB_EXIT_USAGE;
    }
    while ((id = cli_next(&c)) >= 0) {
    }
    if (id != CLI_END) {
        return cli_exit_code(id);
    }
    printf("pvbench %s (%s)\n", PVB_VERSION, PVB_GIT_REV);
    return PVB_EXIT_OK;
}

int main(int argc, char **argv)
{
    const char *cmd = argc > 1 ? argv[1] : NULL;
    const struct main_cmd *m;

    if (devmodel_check_table() < 0 || devbus_check_table() < 0 || workload_check_table() < 0 ||
        metric_check_table() < 0) {
        return PVB_EXIT_USAGE;
    }
    run_install_signals();
    if (!cmd || strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0) {
        main_usage(cmd ? stdout : stderr);
        return cmd ? PVB_EXIT_OK : PVB_EXIT_USAGE;
    }
    if (strcmp(cmd, "--version") == 0) {
        return cmd_version(1, argv + 1);
    }
    m = main_find(cmd);
    if (!m) {
        fprintf(stderr, "pvbench: unknown command '%s'\nTry 'pvbench --help'.\n", cmd);
        return PVB_EXIT_USAGE;
    }
    return m->fn(argc - 1, argv + 1);
}
