/* pvbench: command-line entry. Each subcommand lives in its own module. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend.h"
#include "baseline.h"
#include "calibrate.h"
#include "compare.h"
#include "demo.h"
#include "devbus.h"
#include "devmodel.h"
#include "exitcode.h"
#include "log.h"
#include "metric.h"
#include "registry.h"
#include "report.h"
#include "run.h"
#include "scenario.h"
#include "selftest.h"
#include "workload.h"

static void usage(FILE *out)
{
    fprintf(out,
            "pvbench %s: benchmark emulated against paravirtual VM I/O devices\n"
            "\n"
            "usage:\n"
            "  pvbench run [options] SCENARIO.ini     boot one guest per device, measure, report\n"
            "  pvbench run --resume DIR [SCENARIO]    continue an interrupted run in DIR\n"
            "  pvbench list [--modules]               device models, workloads and metrics\n"
            "  pvbench report [--format png|svg] DIR  rebuild plots/, report.html, report.md\n"
            "  pvbench compare BASE NEW [options]     SAME / DIFFERENT / UNKNOWN per cell (exit 1:\n"
            "                                         worse, 5: undecided)\n"
            "  pvbench calibrate A1 A2 [B1 B2 ...]    this host's noise floor from A/A run pairs\n"
            "  pvbench baseline save DIR NAME | list  keep named baselines for --baseline\n"
            "  pvbench demo [--quick] [-o DIR]        teaching demo: emulated vs virtio, and why\n"
            "  pvbench cleanup [--dry-run]            remove what crashed runs left behind\n"
            "  pvbench selftest [--quick] [--host]    agent vs fio and iperf3 (see --help)\n"
            "  pvbench help scenario                  every scenario key, default and range\n"
            "\n"
            "run options:\n"
            "  -o, --output DIR       run folder (default results/<date>-<time>-<scenario>)\n"
            "  -a, --accel MODE       auto (KVM if a probe guest boots, else TCG), kvm, tcg\n"
            "  -b, --backend B        auto (libvirt if its daemon answers, else qemu), libvirt,\n"
            "                         qemu (default: $PVBENCH_BACKEND or auto); qemu,libvirt:\n"
            "                         every configuration through both, job after job, in one\n"
            "                         run (DEV@qemu, DEV@libvirt), then a table of the two\n"
            "                         side by side; process: the agent as a host process,\n"
            "                         no QEMU (tests the harness; device models are labels)\n"
            "      --connect URI      libvirt URI (default qemu:///system); given more than\n"
            "                         once, the scenario runs on each host in turn (one run\n"
            "                         folder, a host column; up to 8 hosts)\n"
            "      --baseline NAME    compare the run with a saved baseline at the end (exit 1:\n"
            "                         regression); --baseline-dir DIR, --threshold PCT, --alpha A\n"
            "      --max-iterations K with --baseline: re-run suspect configurations up to K-1\n"
            "                         times and decide on all their samples\n"
            "      --set KEY=VALUE    override a scenario key (repeatable)\n"
            "      --qemu PATH        QEMU binary (default qemu-system-x86_64)\n"
            "      --image DIR        guest image folder (default build/guest, or\n"
            "                         $PVBENCH_IMAGE_DIR)\n"
            "      --resume DIR       continue DIR, skipping cells already measured\n"
            "  -n, --dry-run          print the resolved scenario and exit\n"
            "      --fault F@DEV[:WL] test the harness: tell the agent to misbehave (hang, crash,\n"
            "                         exit, garbage, flood) in DEV's first job (or WL's;\n"
            "                         WL \"why\": its first traced why job)\n"
            "  -v, --verbose          more detail\n"
            "\n"
            "exit codes:\n"
            "  0  success\n"
            "  1  regression found (compare)\n"
            "  2  usage error: bad command line, scenario file or input\n"
            "  3  could not measure: a configuration failed or the run was interrupted\n"
            "  4  skipped: this host cannot run what was asked (e.g. --accel kvm without KVM)\n"
            "  5  undecided (compare): no cell worse, but some need more boots to tell\n"
            "\n"
            "State (scratch disks, sockets, the registry of what a run created) lives in\n"
            "$PVBENCH_STATE_DIR (default /var/tmp/pvbench).\n",
            PVB_VERSION);
}

static int cmd_list(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--cmdline") == 0) {
        /* For scripts/measure-boot: the guest kernel command line every configuration gets. */
        printf("%s\n", GUEST_CMDLINE);
        return PVB_EXIT_OK;
    }
    if (argc > 1 && strcmp(argv[1], "--modules") == 0) {
        /* For scripts/build-guest: every guest module the device table needs, once each. */
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

static int cmd_cleanup(int argc, char **argv)
{
    int dry = 0;

    /* Help and anything unknown must never act: the cleanup stops guests and removes disks. */
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--dry-run") == 0 || strcmp(argv[i], "-n") == 0) {
            dry = 1;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("usage: pvbench cleanup [--dry-run]\n"
                   "Stop the guests and remove the scratch disks, sockets and namespaces that\n"
                   "crashed runs left behind in $PVBENCH_STATE_DIR; --dry-run only lists them.\n");
            return PVB_EXIT_OK;
        } else {
            fprintf(stderr, "pvbench cleanup: unknown option '%s'\n"
                            "Try 'pvbench cleanup --help'.\n", argv[i]);
            return PVB_EXIT_USAGE;
        }
    }
    backend_libvirt_install_release_hook();
    return registry_cleanup_stale(dry) < 0 ? PVB_EXIT_FAILED : PVB_EXIT_OK;
}

static int cmd_run(int argc, char **argv)
{
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'}, {"accel", required_argument, NULL, 'a'},
        {"set", required_argument, NULL, 's'},    {"qemu", required_argument, NULL, 'q'},
        {"image", required_argument, NULL, 'i'},  {"resume", required_argument, NULL, 'r'},
        {"dry-run", no_argument, NULL, 'n'},      {"fault", required_argument, NULL, 'f'},
        {"verbose", no_argument, NULL, 'v'},      {"help", no_argument, NULL, 'h'},
        {"backend", required_argument, NULL, 'b'}, {"connect", required_argument, NULL, 'c'},
        {"baseline", required_argument, NULL, 'B'}, {"baseline-dir", required_argument, NULL, 'D'},
        {"threshold", required_argument, NULL, 'T'}, {"alpha", required_argument, NULL, 'A'},
        {"max-iterations", required_argument, NULL, 'M'},
        {NULL, 0, NULL, 0},
    };
    struct run_options o;
    char resume_scn[4096];
    int c, code = PVB_EXIT_OK;

    memset(&o, 0, sizeof(o));
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:a:b:nvh", opts, NULL)) != -1) {
        switch (c) {
        case 'o':
            o.out_dir = optarg;
            break;
        case 'a':
            if (run_parse_accel(optarg, &o.accel) < 0) {
                return PVB_EXIT_USAGE;
            }
            break;
        case 's':
            if (o.n_sets == RUN_MAX_SETS) {
                log_err("--set: at most %d", RUN_MAX_SETS);
                return PVB_EXIT_USAGE;
            }
            o.sets[o.n_sets++] = optarg;
            break;
        case 'q':
            o.qemu_binary = optarg;
            break;
        case 'i':
            o.image_dir = optarg;
            break;
        case 'r':
            o.resume_dir = optarg;
            break;
        case 'n':
            o.dry_run = 1;
            break;
        case 'f':
            o.fault = optarg;
            break;
        case 'v':
            log_set_verbose(1);
            break;
        case 'b':
            o.backend = optarg;
            break;
        case 'c':
            if (o.n_connect == RUN_MAX_HOSTS) {
                log_err("--connect: at most %d hosts", RUN_MAX_HOSTS);
                return PVB_EXIT_USAGE;
            }
            o.connect[o.n_connect++] = optarg;
            break;
        case 'B':
            o.baseline = optarg;
            break;
        case 'D':
            o.baseline_dir = optarg;
            break;
        case 'T':
            o.threshold_pct = atof(optarg);
            if (o.threshold_pct <= 0 || o.threshold_pct > 1000) {
                log_err("--threshold: expected a percentage in (0, 1000], got '%s'", optarg);
                return PVB_EXIT_USAGE;
            }
            break;
        case 'A':
            o.alpha = atof(optarg);
            if (o.alpha <= 0 || o.alpha > 0.5) {
                log_err("--alpha: expected a value in (0, 0.5], got '%s'", optarg);
                return PVB_EXIT_USAGE;
            }
            break;
        case 'M':
            o.max_iterations = (unsigned)atoi(optarg);
            if (o.max_iterations < 1 || o.max_iterations > 10) {
                log_err("--max-iterations: expected 1..10, got '%s'", optarg);
                return PVB_EXIT_USAGE;
            }
            break;
        case 'h':
            usage(stdout);
            return PVB_EXIT_OK;
        default:
            usage(stderr);
            return PVB_EXIT_USAGE;
        }
    }
    if (optind >= argc && o.resume_dir) {
        snprintf(resume_scn, sizeof(resume_scn), "%s/scenario.ini", o.resume_dir);
        return run_main(resume_scn, &o);
    }
    if (optind >= argc) {
        log_err("run: no scenario file given (try scenarios/quick.ini)");
        return PVB_EXIT_USAGE;
    }
    if (argc - optind > 1 && (o.out_dir || o.resume_dir)) {
        log_err("run: -o and --resume take one scenario");
        return PVB_EXIT_USAGE;
    }
    for (int i = optind; i < argc; i++) {
        int rc = run_main(argv[i], &o);
        if (rc > code) {
            code = rc;
        }
        if (run_interrupted()) {
            break;
        }
    }
    return code;
}

int main(int argc, char **argv)
{
    const char *cmd = argc > 1 ? argv[1] : NULL;

    if (devmodel_check_table() < 0 || devbus_check_table() < 0 || workload_check_table() < 0 ||
        metric_check_table() < 0) {
        return PVB_EXIT_USAGE;
    }
    run_install_signals();
    if (!cmd || strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0) {
        usage(cmd ? stdout : stderr);
        return cmd ? PVB_EXIT_OK : PVB_EXIT_USAGE;
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
        printf("pvbench %s (%s)\n", PVB_VERSION, PVB_GIT_REV);
        return PVB_EXIT_OK;
    }
    if (strcmp(cmd, "run") == 0) {
        return cmd_run(argc - 1, argv + 1);
    }
    if (strcmp(cmd, "list") == 0) {
        return cmd_list(argc - 1, argv + 1);
    }
    if (strcmp(cmd, "report") == 0) {
        return report_main(argc - 1, argv + 1);
    }
    if (strcmp(cmd, "calibrate") == 0) {
        return calibrate_main(argc - 1, argv + 1);
    }
    if (strcmp(cmd, "compare") == 0) {
        return compare_main(argc - 1, argv + 1);
    }
    if (strcmp(cmd, "baseline") == 0) {
        return baseline_main(argc - 1, argv + 1);
    }
    if (strcmp(cmd, "selftest") == 0) {
        return selftest_main(argc - 1, argv + 1);
    }
    if (strcmp(cmd, "demo") == 0) {
        return demo_main(argc - 1, argv + 1);
    }
    if (strcmp(cmd, "cleanup") == 0) {
        return cmd_cleanup(argc - 1, argv + 1);
    }
    if (strcmp(cmd, "help") == 0) {
        if (argc > 2 && strcmp(argv[2], "scenario") == 0) {
            scenario_print_help(stdout);
            return PVB_EXIT_OK;
        }
        usage(stdout);
        return PVB_EXIT_OK;
    }
    log_err("unknown command '%s'", cmd);
    usage(stderr);
    return PVB_EXIT_USAGE;
}
