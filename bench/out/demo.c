/*
 * `pvbench demo`: run the teaching scenario, then explain the result with its own
 * numbers, on the terminal and in a one-page handout (demo.html). The account reads
 * only the run folder, so `pvbench demo --from DIR` re-tells an earlier run.
 */
#include "demo.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "devmodel.h"
#include "exitcode.h"
#include "i18n.h"
#include "log.h"
#include "paths.h"
#include "printpdf.h"
#include "report.h"
#include "results.h"
#include "run.h"
#include "runout.h"
#include "runfolder.h"
#include "scenario.h"
#include "util.h"
#include "why.h"

#define DEMO_MAX_CFG 16
#define DEMO_MAX_WHY 64
#define DEMO_MAX_CHARTS 4
#define DEMO_MAX_ROWS 200000
#define DEMO_MAX_FINDINGS 32
#define DEMO_TEXT_MAX 1024
/* Chromium prints a handout in about a second; a loaded host may take much longer. */
#define DEMO_PDF_TIMEOUT_S 120.0

/* --quick: a short run for tests; keys a scenario may not know are dropped. */
static const char *const demo_quick_sets[] = {
    "repetitions=2", "runtime=0.3", "warmup=0.1", "warmup_jobs=0", "why_runtime=0.3",
};

/* ---- what the run folder holds --------------------------------------------------------------- */

struct demo_cfg {
    char config[RESULTS_CONFIG_MAX];
    char device[32];
    char class_[16];
    char kind[8];
    char driver[32];
    char qemu_device[48]; /* run.json's -device driver */
    char libvirt_dut[160]; /* run.json's libvirt domain XML element, "" in older runs */
    char status[16];
    char reason[512];
};

struct demo_row {
    char config[RESULTS_CONFIG_MAX];
    char class_[16];
    char kind[8];
    char workload[32];
    char metric[32];
    unsigned n;
    double median;
};

struct demo_data {
    char run_dir[PATH_MAX];
    char accel[16];
    char accel_reason[256];
    char qemu_version[128];
    char cpu_model[160];
    char backend[32];
    char started[32];
    unsigned cores;
    struct demo_cfg cfg[DEMO_MAX_CFG];
    unsigned n_cfg;
    struct demo_row *rows;
    size_t n_rows;
    struct why_entry why[DEMO_MAX_WHY];
    size_t n_why;
    char why_err[256];
    char charts[DEMO_MAX_CHARTS][80];
    unsigned n_charts;
    int have_report;
    unsigned reps;
};

/* One comparison of an emulated and a paravirtual device on one workload. */
struct demo_finding {
    const struct demo_cfg *emu, *pv;
    const char *workload;
    int pv_not_better; /* the paravirtual device did not win this one */
    char headline[DEMO_TEXT_MAX];
    char why[DEMO_TEXT_MAX];
};

/* How the account speaks about each workload: its headline metric and what one op is. */
struct demo_wl {
    const char *workload;
    const char *metric;
    int higher_better;
    const char *what; /* "random-read IOPS" */
    const char *op;   /* "read" */
    const char *unit; /* shown after numbers */
};

static const struct demo_wl demo_wls[] = {
    /* TRANSLATORS: "what" follows "N× the" in a headline; "op" follows "per" */
    {"randread", "iops", 1, N_("random-read IOPS (4 KiB, 32 in flight)"), N_("read"), "IOPS"},
    {"randwrite", "iops", 1, N_("random-write IOPS (4 KiB, 32 in flight)"), N_("write"), "IOPS"},
    /* lat_mean_us, as the report's table and charts: one story in one folder */
    {"randread_qd1", "lat_mean_us", 0, N_("mean time for one 4 KiB read (one at a time)"),
     N_("read"), "µs"},
    {"randwrite_qd1", "lat_mean_us", 0, N_("mean time for one 4 KiB write (one at a time)"),
     N_("write"), "µs"},
    {"seqread", "throughput_mib_s", 1, N_("sequential-read throughput"), N_("1 MiB read"),
     "MiB/s"},
    {"seqwrite", "throughput_mib_s", 1, N_("sequential-write throughput"), N_("1 MiB write"),
     "MiB/s"},
    {"tcp_rr", "transactions_s", 1, N_("TCP request/response rate"), N_("round trip"),
     N_("per s")},
    {"tcp_tx", "throughput_mbit_s", 1, N_("TCP throughput, guest to host"), N_("Mbit sent"),
     "Mbit/s"},
    {"tcp_rx", "throughput_mbit_s", 1, N_("TCP throughput, host to guest"), N_("Mbit received"),
     "Mbit/s"},
    {"udp_pps", "pps", 1, N_("UDP packet rate"), N_("packet"), N_("packets/s")},
};

/* How people write the device names: the device table's display name, else the scenario's. */
static const char *demo_name(const char *device)
{
    const struct devmodel *m = devmodel_find(device);

    return m ? devmodel_display_name(m) : device;
}

static const struct demo_wl *demo_wl_of(const char *workload)
{
    for (size_t i = 0; i < sizeof(demo_wls) / sizeof(demo_wls[0]); i++) {
        if (strcmp(demo_wls[i].workload, workload) == 0) {
            return &demo_wls[i];
        }
    }
    return NULL;
}

/* What a register region of the device is, in the device table's words. */
static const char *demo_region_what(const char *device, const char *name)
{
    const struct devmodel_region *r = devmodel_region_of(devmodel_find(device), name);

    return r ? _(r->what) : _("device registers");
}

/* The device class as the account names it ("emulated", "paravirtual"). */
static const char *demo_class_word(const char *class_)
{
    if (strcmp(class_, "emulated") == 0) {
        return _("emulated");
    }
    if (strcmp(class_, "paravirtual") == 0) {
        return _("paravirtual");
    }
    return class_;
}

/* ---- reading the run folder ------------------------------------------------------------------ */

/* The medians the demo speaks of: summary.csv's rows. 0, or -1 (err says why). */
static int demo_load_summary(struct demo_data *d, const struct runfolder *rf, char *err,
                             size_t errlen)
{
    size_t n = rf->summary.n < DEMO_MAX_ROWS ? rf->summary.n : DEMO_MAX_ROWS;

    if (rf->summary_err != RUNFOLDER_OK) {
        snprintf(err, errlen, "%s%s", rf->summary_err == RUNFOLDER_NO_SUMMARY ? "cannot read " : "",
                 rf->summary_msg);
        return -1;
    }
    d->rows = calloc(n ? n : 1, sizeof(*d->rows));
    if (!d->rows) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        const struct summary_row *s = &rf->summary.v[i];
        struct demo_row *row = &d->rows[d->n_rows++];

        util_strlcpy(row->config, s->config, sizeof(row->config));
        util_strlcpy(row->class_, s->class_, sizeof(row->class_));
        util_strlcpy(row->kind, s->kind, sizeof(row->kind));
        util_strlcpy(row->workload, s->workload, sizeof(row->workload));
        util_strlcpy(row->metric, s->metric, sizeof(row->metric));
        row->n = s->st.n;
        row->median = s->st.median;
    }
    return 0;
}

/* What run.json says of the run and its configurations (nothing when it could not be read). */
static void demo_load_run_json(struct demo_data *d, const struct runfolder *rf)
{
    char *end;
    unsigned long cores;

    if (rf->run_err != RUNFOLDER_OK) {
        return;
    }
    runfolder_copy_printable(d->accel, sizeof(d->accel), rf->accel_name);
    runfolder_copy_printable(d->accel_reason, sizeof(d->accel_reason), rf->accel_reason);
    runfolder_copy_printable(d->cpu_model, sizeof(d->cpu_model), rf->host_cpu_model);
    cores = strtoul(rf->host_cores, &end, 10);
    if (end != rf->host_cores && *end == '\0') {
        d->cores = (unsigned)cores;
    }
    runfolder_copy_printable(d->qemu_version, sizeof(d->qemu_version), rf->qemu_version);
    runfolder_copy_printable(d->backend, sizeof(d->backend), rf->backend);
    runfolder_copy_printable(d->started, sizeof(d->started), rf->start);
    for (size_t i = 0; i < rf->n_configs && d->n_cfg < DEMO_MAX_CFG; i++) {
        const struct runfolder_config *c = &rf->configs[i];
        struct demo_cfg *g = &d->cfg[d->n_cfg];

        memset(g, 0, sizeof(*g));
        runfolder_copy_printable(g->config, sizeof(g->config), c->config);
        runfolder_copy_printable(g->device, sizeof(g->device), c->device);
        runfolder_copy_printable(g->class_, sizeof(g->class_), c->class_);
        runfolder_copy_printable(g->kind, sizeof(g->kind), c->kind);
        runfolder_copy_printable(g->driver, sizeof(g->driver), c->guest_driver);
        runfolder_copy_printable(g->qemu_device, sizeof(g->qemu_device), c->qemu_device);
        runfolder_copy_printable(g->libvirt_dut, sizeof(g->libvirt_dut), c->libvirt_dut);
        runfolder_copy_printable(g->status, sizeof(g->status), c->status);
        runfolder_copy_printable(g->reason, sizeof(g->reason), c->reason);
        if (g->config[0]) {
            d->n_cfg++;
        }
    }
}

/* Without run.json, the configurations are those summary.csv names. */
static void demo_cfgs_from_rows(struct demo_data *d)
{
    for (size_t i = 0; i < d->n_rows && d->n_cfg < DEMO_MAX_CFG; i++) {
        const struct demo_row *r = &d->rows[i];
        unsigned k;
        for (k = 0; k < d->n_cfg; k++) {
            if (strcmp(d->cfg[k].config, r->config) == 0) {
                break;
            }
        }
        if (k == d->n_cfg &&
            (strcmp(r->class_, "emulated") == 0 || strcmp(r->class_, "paravirtual") == 0)) {
            struct demo_cfg *g = &d->cfg[d->n_cfg++];
            memset(g, 0, sizeof(*g));
            util_strlcpy(g->config, r->config, sizeof(g->config));
            util_strlcpy(g->device, r->config, sizeof(g->device));
            util_strlcpy(g->class_, r->class_, sizeof(g->class_));
            util_strlcpy(g->kind, r->kind, sizeof(g->kind));
            util_strlcpy(g->status, "ok", sizeof(g->status));
        }
    }
}

/* Charts the report drew, in the order a handout wants them; only files that exist. */
static void demo_find_charts(struct demo_data *d)
{
    static const char *const prefer[] = {"speedup", "cpu-blk", "cpu-net", "bars-", "latency-"};
    char plots[PATH_MAX + 16], path[PATH_MAX + 32];
    struct dirent **names = NULL;
    int n;

    snprintf(path, sizeof(path), "%s/report.html", d->run_dir);
    d->have_report = access(path, R_OK) == 0;
    snprintf(plots, sizeof(plots), "%s/plots", d->run_dir);
    n = scandir(plots, &names, NULL, alphasort);
    if (n < 0) {
        return;
    }
    for (size_t k = 0; k < sizeof(prefer) / sizeof(prefer[0]); k++) {
        for (int i = 0; i < n && d->n_charts < DEMO_MAX_CHARTS; i++) {
            const char *name = names[i]->d_name;
            const char *dot = strrchr(name, '.');
            if (!dot || (strcmp(dot, ".png") != 0 && strcmp(dot, ".svg") != 0) ||
                strncmp(name, prefer[k], strlen(prefer[k])) != 0 ||
                strlen(name) >= sizeof(d->charts[0]) - 8 ||
                strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") !=
                    strlen(name)) {
                continue;
            }
            snprintf(path, sizeof(path), "%s/%s", plots, name);
            if (access(path, R_OK) == 0) {
                snprintf(d->charts[d->n_charts++], sizeof(d->charts[0]), "plots/%s", name);
            }
        }
    }
    for (int i = 0; i < n; i++) {
        free(names[i]);
    }
    free(names);
}

static int demo_load(struct demo_data *d, const char *run_dir, char *err, size_t errlen)
{
    struct runfolder rf;
    int rc;

    memset(d, 0, sizeof(*d));
    util_strlcpy(d->run_dir, run_dir, sizeof(d->run_dir));
    /* The demo needs summary.csv; run.json only adds to it (each part's trouble is in rf). */
    (void)!runfolder_read(run_dir, &rf, NULL, 0);
    rc = demo_load_summary(d, &rf, err, errlen);
    if (rc == 0) {
        demo_load_run_json(d, &rf);
    }
    runfolder_free(&rf);
    if (rc < 0) {
        return -1;
    }
    if (d->n_cfg == 0) {
        demo_cfgs_from_rows(d);
    }
    if (why_load(run_dir, d->why, DEMO_MAX_WHY, &d->n_why, d->why_err, sizeof(d->why_err)) < 0) {
        d->n_why = 0;
    }
    demo_find_charts(d);
    for (size_t i = 0; i < d->n_rows; i++) {
        if (d->rows[i].n > d->reps && strcmp(d->rows[i].workload, "boot") != 0) {
            d->reps = d->rows[i].n;
        }
    }
    return 0;
}

/* ---- looking things up ----------------------------------------------------------------------- */

static double demo_median(const struct demo_data *d, const char *config, const char *workload,
                          const char *metric)
{
    for (size_t i = 0; i < d->n_rows; i++) {
        const struct demo_row *r = &d->rows[i];
        if (strcmp(r->config, config) == 0 && strcmp(r->workload, workload) == 0 &&
            strcmp(r->metric, metric) == 0) {
            return r->median;
        }
    }
    return NAN;
}

static const struct why_entry *demo_why(const struct demo_data *d, const char *config,
                                        const char *workload)
{
    for (size_t i = 0; i < d->n_why; i++) {
        if (strcmp(d->why[i].config, config) == 0 && strcmp(d->why[i].workload, workload) == 0) {
            return &d->why[i];
        }
    }
    return NULL;
}

/* Register accesses per op: why.json first, then the summary's sample. NAN if neither. */
static double demo_reg(const struct demo_data *d, const char *config, const char *workload)
{
    const struct why_entry *w = demo_why(d, config, workload);

    if (w && w->reg_accesses_per_op >= 0) {
        return w->reg_accesses_per_op;
    }
    return demo_median(d, config, workload, "reg_accesses_per_op");
}

/*
 * Under KVM the guest's register accesses are not counted one by one (TCG's "why" trace):
 * KVM's own exit counters are, and they are what a real host pays. True when the run was
 * made under KVM and both devices have exits_per_op for the workload.
 */
static int demo_kvm_exits(const struct demo_data *d, const struct demo_cfg *emu,
                          const struct demo_cfg *pv, const char *workload)
{
    return strcmp(d->accel, "kvm") == 0 &&
           isfinite(demo_median(d, emu->config, workload, "exits_per_op")) &&
           isfinite(demo_median(d, pv->config, workload, "exits_per_op"));
}

/*
 * What a student writes to choose the device: the libvirt domain XML line as run.json
 * recorded it (libvirt_dut: the element the libvirt backend writes for that configuration;
 * a run made before it was recorded: the device model's <target> of a disk, <model> of a
 * NIC) and QEMU's -device driver as run.json recorded it. 0, or -1 when run.json did not name
 * them.
 */
static int demo_choice(const struct demo_cfg *c, char *xml, size_t xlen, char *dev, size_t dlen)
{
    const struct devmodel *m = devmodel_find(c->device);

    if (!m || !c->qemu_device[0]) {
        return -1;
    }
    if (c->libvirt_dut[0]) {
        snprintf(xml, xlen, "%s", c->libvirt_dut);
    } else if (m->kind == DEVMODEL_NET) {
        snprintf(xml, xlen, "<model type='%s'/>", m->libvirt_bus);
    } else {
        snprintf(xml, xlen, "<target dev='%s' bus='%s'/>", m->libvirt_dev, m->libvirt_bus);
    }
    snprintf(dev, dlen, "-device %s", c->qemu_device);
    return 0;
}

static int demo_has_data(const struct demo_data *d, const char *config)
{
    for (size_t i = 0; i < d->n_rows; i++) {
        if (strcmp(d->rows[i].config, config) == 0 && strcmp(d->rows[i].workload, "boot") != 0) {
            return 1;
        }
    }
    return 0;
}

/* The first configuration of kind and class that measured something, or NULL. */
static const struct demo_cfg *demo_pick(const struct demo_data *d, const char *kind,
                                        const char *class_)
{
    for (unsigned i = 0; i < d->n_cfg; i++) {
        const struct demo_cfg *c = &d->cfg[i];
        if (strcmp(c->kind, kind) == 0 && strcmp(c->class_, class_) == 0 &&
            strcmp(c->status, "skipped") != 0 && demo_has_data(d, c->config)) {
            return c;
        }
    }
    return NULL;
}

/* Workloads measured by both configurations, in summary order. */
static unsigned demo_common_workloads(const struct demo_data *d, const struct demo_cfg *a,
                                      const struct demo_cfg *b, const char **out, unsigned max)
{
    unsigned n = 0;

    for (size_t i = 0; i < d->n_rows && n < max; i++) {
        const char *w = d->rows[i].workload;
        unsigned k;
        if (strcmp(d->rows[i].config, a->config) != 0 || strcmp(w, "boot") == 0) {
            continue;
        }
        for (k = 0; k < n && strcmp(out[k], w) != 0; k++) {
        }
        if (k < n) {
            continue;
        }
        for (size_t j = 0; j < d->n_rows; j++) {
            if (strcmp(d->rows[j].config, b->config) == 0 && strcmp(d->rows[j].workload, w) == 0) {
                out[n++] = w;
                break;
            }
        }
    }
    return n;
}

/* ---- the account ----------------------------------------------------------------------------- */

/* A number for people: few digits, more for small values. */
static void demo_num(char *out, size_t len, double v)
{
    i18n_num_auto(out, len, v);
}

/* Append to a bounded text. */
static void demo_cat(char *buf, size_t len, const char *fmt, ...) PVB_PRINTF(3, 4);

static void demo_cat(char *buf, size_t len, const char *fmt, ...)
{
    size_t used = strlen(buf);
    va_list ap;

    if (used + 1 >= len) {
        return;
    }
    va_start(ap, fmt);
    vsnprintf(buf + used, len - used, fmt, ap);
    va_end(ap);
}

static void demo_headline(const struct demo_data *d, struct demo_finding *f)
{
    const struct demo_wl *wl = demo_wl_of(f->workload);
    char e[32], p[32], r[32];
    double ev, pv;

    f->headline[0] = '\0';
    if (!wl) {
        return;
    }
    ev = demo_median(d, f->emu->config, f->workload, wl->metric);
    pv = demo_median(d, f->pv->config, f->workload, wl->metric);
    if (!isfinite(ev) || !isfinite(pv) || ev <= 0 || pv <= 0) {
        return;
    }
    demo_num(e, sizeof(e), ev);
    demo_num(p, sizeof(p), pv);
    if (wl->higher_better) {
        i18n_num(r, sizeof(r), pv / ev, 1);
        /* TRANSLATORS: paravirtual device, ratio, what was measured, emulated device, then
           the two values and their unit */
        snprintf(f->headline, sizeof(f->headline), _("%s: %s× the %s of %s (%s vs %s %s)."),
                 demo_name(f->pv->device), r, _(wl->what), demo_name(f->emu->device), p, e,
                 _(wl->unit));
    } else {
        const char *what = _(wl->what);

        i18n_num(r, sizeof(r), ev / pv, 1);
        /* TRANSLATORS: what was measured (its first letter is made upper case), value, unit,
           emulated device, value, unit, paravirtual device, ratio, "faster" or "slower" */
        snprintf(f->headline, sizeof(f->headline), _("%c%s: %s %s on %s, %s %s on %s (%s× %s)."),
                 toupper((unsigned char)what[0]), what + 1, e, _(wl->unit),
                 demo_name(f->emu->device), p, _(wl->unit), demo_name(f->pv->device), r,
                 ev >= pv ? _("faster") : _("slower"));
    }
    f->pv_not_better = wl->higher_better ? pv <= ev * 1.05 : pv >= ev * 0.95;
    if (f->pv_not_better && strcmp(d->accel, "kvm") != 0) {
        demo_cat(f->headline, sizeof(f->headline),
                 "%s", _(" Not faster here: under TCG every guest instruction is emulated, and "
                         "for this workload that cost hides what the saved traps are worth."));
    }
}

/*
 * Where QEMU's CPU went, by thread (host_cpu_*_us_per_op, local QEMU guests): the main loop
 * is where an emulated device's register accesses and a vhost-less virtio queue are served,
 * the vCPU threads run the guest (all of it under TCG), the I/O workers do the disk's
 * system calls. Only roles both devices measured; nothing without the split.
 */
static void demo_split_sentence(const struct demo_data *d, struct demo_finding *f, const char *op)
{
    static const struct {
        const char *metric, *what;
    } roles[] = {
        {"host_cpu_main_us_per_op", N_("the main loop")},
        {"host_cpu_vcpu_us_per_op", N_("the vCPU threads")},
        {"host_cpu_io_us_per_op", N_("the I/O workers")},
        {"host_cpu_vhost_us_per_op", N_("the vhost workers")},
    };
    char a[32], b[32];
    double e_v, p_v, e_t, p_t;
    unsigned said = 0;

    for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++) {
        double e = demo_median(d, f->emu->config, f->workload, roles[i].metric);
        double p = demo_median(d, f->pv->config, f->workload, roles[i].metric);

        if (!isfinite(e) || !isfinite(p) || (!(e > 0) && !(p > 0))) {
            continue; /* a role neither device used (no I/O worker for a NIC) says nothing */
        }
        demo_num(a, sizeof(a), e);
        demo_num(b, sizeof(b), p);
        if (said++ == 0) {
            /* TRANSLATORS: "Of QEMU's CPU per round trip, the main loop took 80 vs 20 µs" */
            demo_cat(f->why, sizeof(f->why), _(" Of QEMU's CPU per %s, %s took %s vs %s µs"),
                     op, _(roles[i].what), a, b);
        } else {
            demo_cat(f->why, sizeof(f->why), _(", %s %s vs %s µs"), _(roles[i].what), a, b);
        }
    }
    if (said) {
        demo_cat(f->why, sizeof(f->why), ".");
    }
    e_v = demo_median(d, f->emu->config, f->workload, "host_cpu_vcpu_us_per_op");
    p_v = demo_median(d, f->pv->config, f->workload, "host_cpu_vcpu_us_per_op");
    e_t = demo_median(d, f->emu->config, f->workload, "host_cpu_us_per_op");
    p_t = demo_median(d, f->pv->config, f->workload, "host_cpu_us_per_op");
    if (isfinite(e_v) && isfinite(p_v) && e_t > 0 && p_t > 0) {
        demo_cat(f->why, sizeof(f->why),
                 _(" The vCPU threads (the guest's code, under TCG its emulation, and the register "
                   "accesses it traps into) took %.0f %% and %.0f %% of QEMU's CPU; the rest "
                   "moved the data to the host (main loop, I/O workers)."),
                 100.0 * e_v / e_t, 100.0 * p_v / p_t);
    }
}

/* KVM's exits per operation, all and by kind (port I/O, MMIO), where TCG gives traps. */
static void demo_exits_sentence(const struct demo_data *d, struct demo_finding *f, const char *op)
{
    double e = demo_median(d, f->emu->config, f->workload, "exits_per_op");
    double p = demo_median(d, f->pv->config, f->workload, "exits_per_op");
    char a[32], b[32], c[32], g[32];

    demo_num(a, sizeof(a), e);
    demo_num(b, sizeof(b), p);
    /* TRANSLATORS: emulated device, exits, op, paravirtual device, exits */
    demo_cat(f->why, sizeof(f->why),
             _("Under KVM these are VM exits (KVM's counters), not trapped register accesses: "
               "%s caused %s VM exits per %s, %s %s"),
             demo_name(f->emu->device), a, op, demo_name(f->pv->device), b);
    if (p > 0 && e / p >= 2) {
        demo_cat(f->why, sizeof(f->why), _(": %.0f× fewer"), e / p);
    }
    demo_cat(f->why, sizeof(f->why), ". ");
    for (int k = 0; k < 2; k++) {
        const char *m = k == 0 ? "io_exits_per_op" : "mmio_exits_per_op";
        double ev = demo_median(d, f->emu->config, f->workload, m);
        double pv = demo_median(d, f->pv->config, f->workload, m);

        if (!isfinite(ev) || !isfinite(pv)) {
            continue;
        }
        demo_num(c, sizeof(c), ev);
        demo_num(g, sizeof(g), pv);
        demo_cat(f->why, sizeof(f->why), k == 0 ? _("Port I/O exits: %s vs %s. ")
                                                : _("MMIO exits: %s vs %s. "),
                 c, g);
    }
}

static void demo_why_sentence(const struct demo_data *d, struct demo_finding *f)
{
    const struct demo_wl *wl = demo_wl_of(f->workload);
    const char *op = wl ? _(wl->op) : _("operation");
    double er = demo_reg(d, f->emu->config, f->workload);
    double pr = demo_reg(d, f->pv->config, f->workload);
    double ei = demo_median(d, f->emu->config, f->workload, "irqs_per_op");
    double pi = demo_median(d, f->pv->config, f->workload, "irqs_per_op");
    double eg = demo_median(d, f->emu->config, f->workload, "guest_cpu_us_per_op");
    double pg = demo_median(d, f->pv->config, f->workload, "guest_cpu_us_per_op");
    double eh = demo_median(d, f->emu->config, f->workload, "host_cpu_us_per_op");
    double ph = demo_median(d, f->pv->config, f->workload, "host_cpu_us_per_op");
    const struct why_entry *pw = demo_why(d, f->pv->config, f->workload);
    char a[32], b[32];

    f->why[0] = '\0';
    if (demo_kvm_exits(d, f->emu, f->pv, f->workload)) {
        demo_exits_sentence(d, f, op);
    } else if (isfinite(er) && isfinite(pr)) {
        demo_num(a, sizeof(a), er);
        demo_num(b, sizeof(b), pr);
        demo_cat(f->why, sizeof(f->why), _("%s needed %s trapped register accesses per %s, %s %s"),
                 demo_name(f->emu->device), a, op, demo_name(f->pv->device), b);
        if (pw && pw->notifies_per_op >= 0 && fabs(pw->notifies_per_op - pr) < 1e-9) {
            demo_cat(f->why, sizeof(f->why), "%s", _(", all of them doorbell kicks"));
        } else if (pw && pw->notifies_per_op >= 0) {
            demo_num(a, sizeof(a), pw->notifies_per_op);
            demo_cat(f->why, sizeof(f->why), _(" (%s of them doorbell kicks)"), a);
        }
        if (pr > 0 && er / pr >= 2) {
            demo_cat(f->why, sizeof(f->why), _(": %.0f× fewer"), er / pr);
        }
        demo_cat(f->why, sizeof(f->why), ". ");
    }
    if (isfinite(ei) && isfinite(pi)) {
        demo_num(a, sizeof(a), ei);
        demo_num(b, sizeof(b), pi);
        demo_cat(f->why, sizeof(f->why), _("Interrupts per %s: %s vs %s. "), op, a, b);
    }
    if (isfinite(eg) && isfinite(pg)) {
        demo_num(a, sizeof(a), eg);
        demo_num(b, sizeof(b), pg);
        demo_cat(f->why, sizeof(f->why), _("Guest CPU per %s: %s vs %s µs"), op, a, b);
        if (isfinite(eh) && isfinite(ph)) {
            demo_num(a, sizeof(a), eh);
            demo_num(b, sizeof(b), ph);
            demo_cat(f->why, sizeof(f->why), _("; host CPU (QEMU) %s vs %s µs"), a, b);
        }
        demo_cat(f->why, sizeof(f->why), ".");
    }
    demo_split_sentence(d, f, op);
}

/* Every emulated/paravirtual comparison the run allows, disks first. */
static unsigned demo_findings(const struct demo_data *d, struct demo_finding *out, unsigned max)
{
    static const char *const kinds[] = {"blk", "net"};
    unsigned n = 0;

    for (size_t k = 0; k < 2; k++) {
        const struct demo_cfg *emu = demo_pick(d, kinds[k], "emulated");
        const struct demo_cfg *pv = demo_pick(d, kinds[k], "paravirtual");
        const char *wls[SCENARIO_MAX_WORKLOADS];
        unsigned nw;

        if (!emu || !pv) {
            continue;
        }
        nw = demo_common_workloads(d, emu, pv, wls, SCENARIO_MAX_WORKLOADS);
        for (unsigned i = 0; i < nw && n < max; i++) {
            struct demo_finding *f = &out[n];
            memset(f, 0, sizeof(*f));
            f->emu = emu;
            f->pv = pv;
            f->workload = wls[i];
            demo_headline(d, f);
            demo_why_sentence(d, f);
            if (f->headline[0] || f->why[0]) {
                n++;
            }
        }
    }
    return n;
}

/* What could not be measured, one line each, into lines[]. */
static unsigned demo_missing(const struct demo_data *d, char lines[][DEMO_TEXT_MAX], unsigned max)
{
    static const char *const kinds[] = {"blk", "net"};
    static const char *const kind_names[] = {N_("disk"), N_("network")};
    unsigned n = 0;

    for (unsigned i = 0; i < d->n_cfg && n < max; i++) {
        const struct demo_cfg *c = &d->cfg[i];
        if (c->status[0] && strcmp(c->status, "ok") != 0) {
            snprintf(lines[n++], DEMO_TEXT_MAX, "%s (%s): %s%s%s", demo_name(c->device),
                     demo_class_word(c->class_), c->status, c->reason[0] ? ": " : "", c->reason);
        }
    }
    for (size_t k = 0; k < 2 && n < max; k++) {
        const struct demo_cfg *emu = demo_pick(d, kinds[k], "emulated");
        const struct demo_cfg *pv = demo_pick(d, kinds[k], "paravirtual");
        if (!emu || !pv) {
            snprintf(lines[n++], DEMO_TEXT_MAX,
                     /* TRANSLATORS: kind ("disk", "network"), reason, kind */
                     _("No %s comparison: %s. The %s rows of the handout are left out."),
                     _(kind_names[k]),
                     !emu && !pv ? _("no device of this kind measured anything")
                     : !emu      ? _("no emulated device measured anything")
                                 : _("no paravirtual device measured anything"),
                     _(kind_names[k]));
        }
    }
    for (size_t i = 0; i < d->n_why && n < max; i++) {
        if (d->why[i].kicks_hidden) {
            snprintf(lines[n++], DEMO_TEXT_MAX,
                     _("%s %s: no register counts. It used vhost-net: the host kernel serves its "
                       "queues, so its kicks and interrupts never reach QEMU, where they are "
                       "counted."),
                     demo_name(d->why[i].device), d->why[i].workload);
        }
    }
    if (d->n_why == 0 && n < max) {
        int in_summary = 0, exits = 0;
        for (size_t i = 0; i < d->n_rows && !in_summary; i++) {
            in_summary = strcmp(d->rows[i].metric, "reg_accesses_per_op") == 0;
            exits |= strcmp(d->rows[i].metric, "exits_per_op") == 0;
        }
        if (!in_summary && exits && strcmp(d->accel, "kvm") == 0) {
            snprintf(lines[n++], DEMO_TEXT_MAX,
                     _("No register counts (why.json %s): under KVM the demo shows KVM's VM "
                       "exits per operation instead."),
                     d->why_err[0] ? d->why_err : _("missing"));
        } else if (in_summary) {
            snprintf(lines[n++], DEMO_TEXT_MAX,
                     _("No per-register detail (why.json %s): the register counts come from "
                       "summary.csv alone."),
                     d->why_err[0] ? d->why_err : _("missing"));
        } else {
            snprintf(lines[n++], DEMO_TEXT_MAX,
                     _("No register counts (why.json %s): the traced 'why' jobs need the qemu "
                       "backend and a QEMU with QMP and the log trace backend."),
                     d->why_err[0] ? d->why_err : _("missing"));
        }
    }
    if (strcmp(d->accel, "kvm") != 0 && n < max) {
        snprintf(lines[n++], DEMO_TEXT_MAX,
                 _("No KVM: the guests ran under TCG, QEMU's software emulation of the CPU (%s). "
                   "Every device is slower than under KVM and the speed-ups differ; the counts "
                   "of register accesses and interrupts per operation come from the drivers and "
                   "the device models and stay about the same."),
                 d->accel_reason[0] ? d->accel_reason : _("no reason recorded"));
    }
    return n;
}

static void demo_print(const struct demo_data *d, const struct demo_finding *f, unsigned nf,
                       char missing[][DEMO_TEXT_MAX], unsigned nm, double elapsed_s, FILE *out)
{
    fprintf(out, _("\nWhat the demo showed (%s, medians of %u repetitions):\n"),
            strcmp(d->accel, "kvm") == 0 ? "KVM" : _("TCG, software CPU emulation"), d->reps);
    for (unsigned i = 0; i < nf; i++) {
        fprintf(out, "\n  [%s]\n", f[i].workload);
        if (f[i].headline[0]) {
            fprintf(out, "  %s\n", f[i].headline);
        }
        if (f[i].why[0]) {
            fprintf(out, _("  Why: %s\n"), f[i].why);
        }
    }
    if (nf == 0) {
        fprintf(out, "%s", _("\n  Nothing could be compared (see below).\n"));
    }
    for (unsigned i = 0; i < nf; i++) {
        char ex[96], ed[64], px[96], pd[64];

        if ((i > 0 && f[i].emu == f[i - 1].emu && f[i].pv == f[i - 1].pv) ||
            demo_choice(f[i].emu, ex, sizeof(ex), ed, sizeof(ed)) < 0 ||
            demo_choice(f[i].pv, px, sizeof(px), pd, sizeof(pd)) < 0) {
            continue;
        }
        /* TRANSLATORS: emulated device, its XML line, paravirtual device, its XML line, then
           QEMU's -device option of each */
        fprintf(out,
                _("\n  To choose %s or %s: in libvirt's domain XML %s against %s; on QEMU's "
                  "command line %s against %s.\n"),
                demo_name(f[i].emu->device), demo_name(f[i].pv->device), ex, px, ed, pd);
    }
    if (nm) {
        fprintf(out, "%s", _("\nMissing, and why:\n"));
        for (unsigned i = 0; i < nm; i++) {
            fprintf(out, "  - %s\n", missing[i]);
        }
    }
    if (elapsed_s >= 0) {
        fprintf(out, _("\nThe demo took %.0f min %02.0f s.\n"), floor(elapsed_s / 60),
                fmod(elapsed_s, 60));
    }
}

/* ---- the handout ----------------------------------------------------------------------------- */

static void demo_h(FILE *f, const char *s)
{
    report_fput_html(f, s);
}

static void demo_h_num(FILE *f, double v, const char *unit)
{
    char b[32];

    if (!isfinite(v)) {
        fprintf(f, "<span class=\"na\">%s</span>", _("not measured"));
        return;
    }
    demo_num(b, sizeof(b), v);
    fprintf(f, "<b>%s</b>%s%s", b, unit[0] ? " " : "", unit);
}

/* One row of the path table: label, then the same metric for each device. */
static void demo_h_metric_row(FILE *f, const struct demo_data *d, const struct demo_cfg *emu,
                              const struct demo_cfg *pv, const char *label, const char *workload,
                              const char *metric, const char *unit)
{
    fputs("<tr><th>", f);
    demo_h(f, label);
    fputs("</th><td>", f);
    demo_h_num(f, demo_median(d, emu->config, workload, metric), unit);
    fputs("</td><td>", f);
    demo_h_num(f, demo_median(d, pv->config, workload, metric), unit);
    fputs("</td></tr>\n", f);
}

/* The register accesses of one device and workload, with the regions they went to. */
static void demo_h_regs(FILE *f, const struct demo_data *d, const struct demo_cfg *c,
                        const char *workload, int detail)
{
    const struct why_entry *w = demo_why(d, c->config, workload);
    double reg = demo_reg(d, c->config, workload);
    char a[32], b[32];

    demo_h_num(f, reg, "");
    if (!w || w->ops <= 0 || !detail) {
        return;
    }
    fputs("<ul class=\"regs\">", f);
    for (unsigned i = 0; i < w->n_regions; i++) {
        demo_num(a, sizeof(a), (double)w->regions[i].reads / w->ops);
        demo_num(b, sizeof(b), (double)w->regions[i].writes / w->ops);
        fputs("<li><code>", f);
        demo_h(f, w->regions[i].name);
        fputs("</code> ", f);
        demo_h(f, demo_region_what(c->device, w->regions[i].name));
        fprintf(f, _(": %s reads + %s writes</li>"), a, b);
    }
    if (w->kicks > 0 || w->notifies_per_op >= 0) {
        demo_num(a, sizeof(a), (double)w->kicks / w->ops);
        fprintf(f, _("<li>%s doorbell writes (<i>kicks</i>) to the notify region</li>"), a);
    }
    if (w->n_regions == 0 && w->kicks == 0) {
        fprintf(f, "<li>%s</li>", _("no register touched"));
    }
    fputs("</ul>", f);
}

/* Three medians of one configuration in one cell, " · " between them (the handout's short
 * form): costs = interrupts, guest and host CPU per operation; exits = KVM's exits per
 * operation, all, port I/O, MMIO. */
static const char *const demo_h_costs_m[3] = {"irqs_per_op", "guest_cpu_us_per_op",
                                              "host_cpu_us_per_op"};
static const char *const demo_h_costs_u[3] = {"", "µs", "µs"};
static const char *const demo_h_exits_m[3] = {"exits_per_op", "io_exits_per_op",
                                              "mmio_exits_per_op"};
static const char *const demo_h_exits_u[3] = {"", "", ""};

static void demo_h_three(FILE *f, const struct demo_data *d, const struct demo_cfg *c,
                         const char *workload, const char *const metric[3],
                         const char *const unit[3])
{
    for (int k = 0; k < 3; k++) {
        if (k > 0) {
            fputs(" · ", f);
        }
        demo_h_num(f, demo_median(d, c->config, workload, metric[k]), unit[k]);
    }
}

/* A path-table row: its heading, then demo_h_three's cell for each of the pair. */
static void demo_h_three_row(FILE *f, const char *label, const struct demo_data *d,
                             const struct demo_cfg *emu, const struct demo_cfg *pv,
                             const char *workload, const char *const metric[3],
                             const char *const unit[3])
{
    fputs("<tr><th>", f);
    demo_h(f, label);
    fputs("</th><td>", f);
    demo_h_three(f, d, emu, workload, metric, unit);
    fputs("</td><td>", f);
    demo_h_three(f, d, pv, workload, metric, unit);
    fputs("</td></tr>\n", f);
}

/* The path table's row of what a student writes in libvirt and on QEMU's command line. */
static void demo_h_choice(FILE *f, const struct demo_cfg *emu, const struct demo_cfg *pv)
{
    char ex[96], ed[64], px[96], pd[64];

    if (demo_choice(emu, ex, sizeof(ex), ed, sizeof(ed)) < 0 ||
        demo_choice(pv, px, sizeof(px), pd, sizeof(pd)) < 0) {
        return;
    }
    fprintf(f, "<tr><th>%s</th><td><code>", _("What you write: libvirt domain XML, QEMU option"));
    demo_h(f, ex);
    fputs("</code><br><code>", f);
    demo_h(f, ed);
    fputs("</code></td><td><code>", f);
    demo_h(f, px);
    fputs("</code><br><code>", f);
    demo_h(f, pd);
    fputs("</code></td></tr>\n", f);
}

/* The path of one I/O on both devices; compact: one row of costs per workload (handout). */
static void demo_h_path(FILE *f, const struct demo_data *d, const struct demo_cfg *emu,
                        const struct demo_cfg *pv, int compact)
{
    const char *wls[SCENARIO_MAX_WORKLOADS];
    unsigned nw = demo_common_workloads(d, emu, pv, wls, SCENARIO_MAX_WORKLOADS);
    int blk = strcmp(emu->kind, "blk") == 0;

    fputs("<table class=\"path\">\n<tr><th></th><th class=\"emu\">", f);
    demo_h(f, demo_name(emu->device));
    fprintf(f, " <small>(%s)</small></th><th class=\"pv\">", _("emulated"));
    demo_h(f, demo_name(pv->device));
    fprintf(f, " <small>(%s)</small></th></tr>\n<tr><th>%s</th><td><code>", _("paravirtual"),
            _("Guest driver"));
    demo_h(f, emu->driver[0] ? emu->driver : "?");
    fputs("</code></td><td><code>", f);
    demo_h(f, pv->driver[0] ? pv->driver : "?");
    fputs("</code></td></tr>\n", f);
    demo_h_choice(f, emu, pv);
    fprintf(f,
            _("<tr><th>1. The driver hands over a request</th>"
              "<td>It programs the device as if it were real hardware: it writes the request "
              "into the device's registers and reads its status back. <b>Every register "
              "access traps</b>: the virtual CPU stops and QEMU emulates the register.</td>"
              "<td>It writes the request into a ring in guest memory (the <i>virtqueue</i>): "
              "plain memory, <b>no trap</b>. Then one doorbell write (<i>kick</i>) traps once; "
              "with many %s in flight one kick covers many, and the device can ask the driver "
              "not to kick while it is busy.</td></tr>\n"),
            blk ? _("requests") : _("packets"));
    for (unsigned i = 0; i < nw; i++) {
        const struct demo_wl *wl = demo_wl_of(wls[i]);
        char label[160];

        if (demo_kvm_exits(d, emu, pv, wls[i])) {
            snprintf(label, sizeof(label), _("VM exits per %s (%s, KVM): all · port I/O · MMIO"),
                     wl ? _(wl->op) : _("operation"), wls[i]);
            demo_h_three_row(f, label, d, emu, pv, wls[i], demo_h_exits_m, demo_h_exits_u);
            continue;
        }
        snprintf(label, sizeof(label), _("Trapped register accesses per %s (%s)"),
                 wl ? _(wl->op) : _("operation"), wls[i]);
        fputs("<tr><th>", f);
        demo_h(f, label);
        fputs("</th><td>", f);
        demo_h_regs(f, d, emu, wls[i], !compact || i == 0);
        fputs("</td><td>", f);
        demo_h_regs(f, d, pv, wls[i], !compact || i == 0);
        fputs("</td></tr>\n", f);
    }
    fputs(_("<tr><th>2. The device answers</th>"
            "<td>An interrupt, then the driver reads and acknowledges status registers: more "
            "traps.</td>"
            "<td>The finished request goes into the <i>used</i> ring and one interrupt (MSI-X) "
            "can report many of them; nothing to read back from registers.</td></tr>\n"),
          f);
    for (unsigned i = 0; i < nw && compact; i++) {
        const struct demo_wl *wl = demo_wl_of(wls[i]);
        char label[200];

        snprintf(label, sizeof(label), _("Per %s (%s): interrupts · guest CPU · host CPU (QEMU)"),
                 wl ? _(wl->op) : _("operation"), wls[i]);
        demo_h_three_row(f, label, d, emu, pv, wls[i], demo_h_costs_m, demo_h_costs_u);
    }
    for (unsigned i = 0; i < nw && !compact; i++) {
        const struct demo_wl *wl = demo_wl_of(wls[i]);
        char label[160];

        snprintf(label, sizeof(label), _("Interrupts per %s (%s)"),
                 wl ? _(wl->op) : _("operation"), wls[i]);
        demo_h_metric_row(f, d, emu, pv, label, wls[i], "irqs_per_op", "");
    }
    for (unsigned i = 0; i < nw && !compact; i++) {
        const struct demo_wl *wl = demo_wl_of(wls[i]);
        char label[160];

        snprintf(label, sizeof(label), _("Guest CPU per %s (%s)"), wl ? _(wl->op) : _("operation"),
                 wls[i]);
        demo_h_metric_row(f, d, emu, pv, label, wls[i], "guest_cpu_us_per_op", "µs");
        snprintf(label, sizeof(label), _("Host CPU (QEMU) per %s (%s)"),
                 wl ? _(wl->op) : _("operation"), wls[i]);
        demo_h_metric_row(f, d, emu, pv, label, wls[i], "host_cpu_us_per_op", "µs");
        if (isfinite(demo_median(d, emu->config, wls[i], "host_cpu_main_us_per_op"))) {
            snprintf(label, sizeof(label), _("… of it QEMU's main loop (%s)"), wls[i]);
            demo_h_metric_row(f, d, emu, pv, label, wls[i], "host_cpu_main_us_per_op", "µs");
            snprintf(label, sizeof(label), _("… of it the vCPU threads (%s)"), wls[i]);
            demo_h_metric_row(f, d, emu, pv, label, wls[i], "host_cpu_vcpu_us_per_op", "µs");
        }
    }
    fputs("</table>\n", f);
}

static const char demo_css[] =
    "body{font-family:sans-serif;max-width:60em;margin:1.5em auto;padding:0 1em;"
    "color:#222;line-height:1.4}"
    "h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.2em;margin-top:1.4em;"
    "border-bottom:1px solid #ccc}"
    ".meta{color:#555;font-size:.9em}.na{color:#999;font-style:italic}"
    "table.path{border-collapse:collapse;width:100%;font-size:.92em}"
    "table.path th,table.path td{border:1px solid #ccc;padding:.35em .5em;vertical-align:top;"
    "text-align:left}"
    "table.path th.emu{background:#fde3cf}table.path th.pv{background:#d6eaf8}"
    "ul.regs{margin:.2em 0 0 1em;padding:0;font-size:.9em}"
    "li.find{margin-bottom:.6em}img{max-width:100%;margin:.5em 0}"
    ".missing li{color:#8a4b00}"
    "@media print{body{margin:0;max-width:none}h2{page-break-after:avoid}}";

/* The page's head, title, the measurement's facts and what was compared. */
static void demo_h_head(FILE *out, const struct demo_data *d, const char *css, double elapsed_s)
{
    fprintf(out,
            "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<title>%s</title>\n<style>%s</style>\n"
            "</head>\n<body>\n<h1>%s</h1>\n<p class=\"meta\">",
            i18n_lang(), _("Why paravirtual I/O is faster: pvbench demo"), css,
            _("Why paravirtual I/O is faster"));
    fputs(_("Measured by pvbench on "), out);
    demo_h(out, d->cpu_model[0] ? d->cpu_model : _("this host"));
    if (d->cores) {
        fprintf(out, _(", %u cores"), d->cores);
    }
    fputs("; ", out);
    demo_h(out, d->qemu_version[0] ? d->qemu_version : "QEMU");
    fprintf(out, "; %s <b>", _("accelerator"));
    demo_h(out, d->accel[0] ? d->accel : "?");
    fputs("</b>", out);
    if (d->started[0]) {
        fputs("; ", out);
        demo_h(out, d->started);
    }
    if (elapsed_s >= 0) {
        fprintf(out, _("; the demo took %.0f min %02.0f s"), floor(elapsed_s / 60),
                fmod(elapsed_s, 60));
    }
    fprintf(out, _(". Medians of %u repetitions per device and workload.</p>\n"), d->reps);

    fputs(_("<p>Each device ran in its own virtual machine; the machines were identical except "
            "for that one device. An <b>emulated</b> device imitates a real piece of hardware "
            "(an IDE disk controller, a Realtek 8139 network card) so that any operating "
            "system's driver works with it. A <b>paravirtual</b> (virtio) device is designed for "
            "virtual machines: the guest needs a virtio driver, and in exchange the device is "
            "cheap to talk to.</p>\n"),
          out);
}

/* The course's questions answered, and where each number comes from. */
static void demo_h_questions(FILE *out, const struct demo_data *d)
{
    char buf[256];

    fprintf(out, "<h2>%s</h2>\n<ul>\n", _("Questions this answers"));
    fputs(_("<li><b>Why is an emulated device slower?</b> Each request costs it many register "
            "accesses, and each access stops the virtual CPU and runs QEMU's emulation of that "
            "register. The virtio device needs about one doorbell write per request, fewer when "
            "requests are in flight together.</li>\n"),
          out);
    fputs(_("<li><b>Why does it use more CPU?</b> Those stops and emulations are CPU time, in "
            "the guest (driver, interrupt handlers) and on the host (QEMU): see the CPU per "
            "operation rows.</li>\n"),
          out);
    fputs(_("<li><b>Why does a virtio device need its own driver?</b> It does not look like "
            "any real hardware: the guest talks to it through rings in memory. Linux has the "
            "virtio drivers built in; Windows needs them installed.</li>\n"),
          out);
    fputs(_("<li><b>Then why emulate old hardware at all?</b> Every operating system already "
            "has drivers for an IDE disk or a Realtek 8139 card: it installs and boots "
            "anywhere.</li>\n"),
          out);
    fputs(_("<li><b>What does KVM change?</b> With KVM the CPU runs guest code directly and "
            "only the traps are expensive, so the gap between the two kinds of device is "
            "usually larger than under TCG.</li>\n"),
          out);
    fputs("</ul>\n", out);
    snprintf(buf, sizeof(buf), "%s", d->n_why ? d->why[0].source : _("none"));
    fputs(_("<p class=\"meta\">Numbers: summary.csv (medians) of this run folder. Register "
            "accesses, kicks and device interrupts: one short traced job per device and "
            "workload after the measured ones, so tracing never slowed the measured numbers "
            "(why.json, source <code>"),
          out);
    demo_h(out, buf);
    fputs(_("</code>). Interrupts: the guest's /proc/interrupts. CPU: the guest's /proc/stat "
            "and the QEMU process's CPU time.</p>\n"),
          out);
}

/* The end of both pages: what is missing, the course's questions; the file closed. 0 or -1. */
static int demo_h_end(FILE *out, const struct demo_data *d, char missing[][DEMO_TEXT_MAX],
                      unsigned nm, const char *path)
{
    int rc;

    if (nm) {
        fprintf(out, "<h2 id=\"missing\">%s</h2>\n<ul class=\"missing\">\n",
                _("What is missing, and why"));
        for (unsigned i = 0; i < nm; i++) {
            fputs("<li>", out);
            demo_h(out, missing[i]);
            fputs("</li>\n", out);
        }
        fputs("</ul>\n", out);
    }
    demo_h_questions(out, d);
    fputs("</body>\n</html>\n", out);
    rc = ferror(out) ? -1 : 0;
    if (fclose(out) != 0 || rc < 0) {
        log_err("cannot write %s", path);
        return -1;
    }
    return 0;
}

static int demo_write_html(const struct demo_data *d, const struct demo_finding *f, unsigned nf,
                           char missing[][DEMO_TEXT_MAX], unsigned nm, double elapsed_s)
{
    static const char *const kinds[] = {"blk", "net"};
    static const char *const kind_titles[] = {N_("one disk request"), N_("one network exchange")};
    char path[PATH_MAX + 16];
    FILE *out;

    snprintf(path, sizeof(path), "%s/%s", d->run_dir, DEMO_HTML);
    out = fopen(path, "we");
    if (!out) {
        log_err("cannot write %s: %s", path, strerror(errno));
        return -1;
    }
    demo_h_head(out, d, demo_css, elapsed_s);
    fprintf(out, "<h2>%s</h2>\n<ul>\n", _("The result"));
    for (unsigned i = 0; i < nf; i++) {
        fputs("<li class=\"find\">", out);
        demo_h(out, f[i].headline[0] ? f[i].headline : f[i].workload);
        if (f[i].why[0]) {
            fprintf(out, "<br><i>%s</i> ", _("Why:"));
            demo_h(out, f[i].why);
        }
        fputs("</li>\n", out);
    }
    if (nf == 0) {
        fputs(_("<li>Nothing could be compared: see <a href=\"#missing\">what is missing</a>."
                "</li>\n"),
              out);
    }
    fputs("</ul>\n", out);

    for (size_t k = 0; k < 2; k++) {
        const struct demo_cfg *emu = demo_pick(d, kinds[k], "emulated");
        const struct demo_cfg *pv = demo_pick(d, kinds[k], "paravirtual");
        if (!emu || !pv) {
            continue;
        }
        fprintf(out, _("<h2>The path of one I/O: %s</h2>\n"), _(kind_titles[k]));
        demo_h_path(out, d, emu, pv, 0);
    }

    if (d->n_charts) {
        fprintf(out, "<h2>%s</h2>\n", _("Charts"));
        for (unsigned i = 0; i < d->n_charts; i++) {
            fputs("<img src=\"", out);
            demo_h(out, d->charts[i]);
            fputs("\" alt=\"", out);
            demo_h(out, d->charts[i]);
            fputs("\">\n", out);
        }
    }
    if (d->have_report) {
        fputs(_("<p>Every number with its 95% interval: <a href=\"report.html\">report.html</a>."
                "</p>\n"),
              out);
    }

    return demo_h_end(out, d, missing, nm, path);
}

/* ---- the printed handout (handout.html -> demo.pdf) ------------------------------------------ */

static const char demo_print_css[] =
    "@page{size:A4;margin:11mm 13mm}"
    "body{font-family:sans-serif;font-size:8.6pt;line-height:1.28;color:#111;margin:0}"
    "h1{font-size:14pt;margin:0 0 2pt}h2{font-size:10.5pt;margin:7pt 0 3pt;"
    "border-bottom:1px solid #999;page-break-after:avoid}"
    "p{margin:3pt 0}.meta{color:#444;font-size:7.6pt}.na{color:#888;font-style:italic}"
    "table{border-collapse:collapse;width:100%;margin:2pt 0}tr{page-break-inside:avoid}"
    "table.path th:first-child{width:24%}table.path{font-size:8pt}"
    "th,td{border:1px solid #bbb;padding:1.5pt 4pt;vertical-align:top;text-align:left}"
    "td.n{text-align:right;white-space:nowrap}th.emu{background:#fde3cf}"
    "th.pv{background:#d6eaf8}ul{margin:2pt 0 2pt 13pt;padding:0}li{margin-bottom:1.5pt}"
    "ul.regs{margin:1pt 0 0 10pt;font-size:7.6pt}code{font-size:8pt}"
    ".missing li{color:#8a4b00}";

/* One row of the numbers table: a finding's headline metric for both devices. */
static void demo_h_number_row(FILE *out, const struct demo_data *d, const struct demo_finding *f)
{
    const struct demo_wl *wl = demo_wl_of(f->workload);
    double ev, pv;
    char r[32];

    if (!wl) {
        return;
    }
    ev = demo_median(d, f->emu->config, f->workload, wl->metric);
    pv = demo_median(d, f->pv->config, f->workload, wl->metric);
    fputs("<tr><td>", out);
    demo_h(out, _(wl->what));
    fputs("</td><td class=\"n\">", out);
    demo_h_num(out, ev, _(wl->unit));
    fputs("</td><td class=\"n\">", out);
    demo_h_num(out, pv, _(wl->unit));
    fputs("</td><td class=\"n\">", out);
    if (isfinite(ev) && isfinite(pv) && ev > 0 && pv > 0) {
        i18n_num(r, sizeof(r), wl->higher_better ? pv / ev : ev / pv, 2);
        fprintf(out, "<b>%s×</b>", r);
    } else {
        fprintf(out, "<span class=\"na\">%s</span>", _("not measured"));
    }
    fputs("</td></tr>\n", out);
}

/* The table of the measured numbers, one block per kind of device. */
static void demo_h_numbers(FILE *out, const struct demo_data *d, const struct demo_finding *f,
                           unsigned nf)
{
    const struct demo_cfg *emu = NULL, *pv = NULL;

    fprintf(out, "<table>\n<tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr>\n",
            _("Measured"), _("Emulated"), _("Paravirtual"),
            _("Speed-up of the paravirtual device"));
    for (unsigned i = 0; i < nf; i++) {
        if (f[i].emu != emu || f[i].pv != pv) {
            emu = f[i].emu;
            pv = f[i].pv;
            fputs("<tr><th></th><th class=\"emu\">", out);
            demo_h(out, demo_name(emu->device));
            fputs("</th><th class=\"pv\">", out);
            demo_h(out, demo_name(pv->device));
            fputs("</th><th></th></tr>\n", out);
        }
        demo_h_number_row(out, d, &f[i]);
    }
    fputs("</table>\n", out);
}

/* handout.html: what demo.pdf is printed from; at most two A4 pages. */
static int demo_write_handout(const struct demo_data *d, const struct demo_finding *f,
                              unsigned nf, char missing[][DEMO_TEXT_MAX], unsigned nm,
                              double elapsed_s, char *path, size_t pathlen)
{
    static const char *const kinds[] = {"blk", "net"};
    static const char *const kind_titles[] = {N_("one disk request"), N_("one network exchange")};
    FILE *out;

    if (util_fmt(path, pathlen, "%s/%s", d->run_dir, DEMO_HANDOUT) < 0) {
        return -1;
    }
    out = fopen(path, "we");
    if (!out) {
        log_err("cannot write %s: %s", path, strerror(errno));
        return -1;
    }
    demo_h_head(out, d, demo_print_css, elapsed_s);
    fprintf(out, "<h2>%s</h2>\n", _("The numbers"));
    if (nf) {
        /* the reasons' numbers are in the path tables below; the headlines say the rest */
        demo_h_numbers(out, d, f, nf);
        fputs("<ul>\n", out);
        for (unsigned i = 0; i < nf; i++) {
            if (f[i].headline[0]) {
                fputs("<li>", out);
                demo_h(out, f[i].headline);
                fputs("</li>\n", out);
            }
        }
        fputs("</ul>\n", out);
    } else {
        fprintf(out, "<p>%s</p>\n", _("Nothing could be compared (see below)."));
    }
    for (size_t k = 0; k < 2; k++) {
        const struct demo_cfg *emu = demo_pick(d, kinds[k], "emulated");
        const struct demo_cfg *pv = demo_pick(d, kinds[k], "paravirtual");
        if (emu && pv) {
            fprintf(out, _("<h2>The path of one I/O: %s</h2>\n"), _(kind_titles[k]));
            demo_h_path(out, d, emu, pv, 1);
        }
    }
    if (demo_h_end(out, d, missing, nm, path) < 0) {
        return -1;
    }
    return 0;
}

int demo_render(const char *run_dir, double elapsed_s, FILE *out, int no_html)
{
    struct demo_data *d = calloc(1, sizeof(*d));
    struct demo_finding *f = calloc(DEMO_MAX_FINDINGS, sizeof(*f));
    char(*missing)[DEMO_TEXT_MAX] = calloc(DEMO_MAX_CFG + 4, sizeof(*missing));
    char err[512];
    unsigned nf, nm;
    int rc = -1;

    if (!d || !f || !missing) {
        log_err("out of memory");
        goto out;
    }
    if (demo_load(d, run_dir, err, sizeof(err)) < 0) {
        log_err("demo: %s", err);
        goto out;
    }
    nf = demo_findings(d, f, DEMO_MAX_FINDINGS);
    nm = demo_missing(d, missing, DEMO_MAX_CFG + 4);
    demo_print(d, f, nf, missing, nm, elapsed_s, out);
    if (!no_html) {
        char handout[PATH_MAX + 16], pdf[PATH_MAX + 16];

        if (demo_write_html(d, f, nf, missing, nm, elapsed_s) < 0 ||
            demo_write_handout(d, f, nf, missing, nm, elapsed_s, handout, sizeof(handout)) < 0 ||
            util_fmt(pdf, sizeof(pdf), "%s/%s", run_dir, DEMO_PDF) < 0) {
            goto out;
        }
        fprintf(out, _("Web page: %s/%s\n"), run_dir, DEMO_HTML);
        if (printpdf_from_html(handout, pdf, DEMO_PDF_TIMEOUT_S, err, sizeof(err)) == 0) {
            fprintf(out, _("Handout to print (A4): %s\n"), pdf);
        } else {
            fprintf(out, _("No handout PDF: %s. Print %s from a browser instead.\n"), err,
                    handout);
        }
    }
    rc = nf ? 0 : 1;
out:
    if (d) {
        free(d->rows);
    }
    free(d);
    free(f);
    free(missing);
    return rc;
}

/* ---- the command ----------------------------------------------------------------------------- */

static const struct cli_opt demo_opts[] = {
    {"output", 'o', "DIR", "run folder (default results/demo-<date>-<time>)", 'o', "=dir"},
    {"accel", 'a', "MODE", "auto, kvm or tcg (default auto)", 'a', "auto kvm tcg"},
    {"quick", 0, NULL, "shorter run (2 repetitions of 0.3 s): for tests", 'Q', NULL},
    {"scenario", 0, "FILE", "another scenario instead of teaching.ini", 's', "=file"},
    {"from", 0, "DIR", "no run: tell the story of an existing run folder again", 'F', "=dir"},
    {"image", 0, "DIR", "guest image folder", 'i', "=dir"},
    {"qemu", 0, "PATH", "QEMU binary", 'q', "=file"},
    {"lang", 0, "LANG",
     "language of the account and the handout: en or es (default: from LANGUAGE, LC_ALL, "
     "LC_MESSAGES, LANG)",
     'L', "en es"},
    {NULL, 0, NULL, NULL, 0, NULL},
};

const struct cli_spec demo_cli = {
    .name = "demo",
    .summary = "teaching demo: an emulated device against virtio, and why",
    .synopsis = "[--quick] [-o DIR] [--lang LANG] [options]",
    .description =
        "Runs scenarios/teaching.ini (an emulated device against its virtio counterpart,\n"
        "disk and network), then explains the result with the measured numbers and writes\n"
        "demo.html (a web page with the charts) and the handout to print, demo.pdf (two A4\n"
        "pages, printed by headless Chromium from handout.html), into the run folder.",
    .opts = demo_opts,
    .notes = "Exit: 0 when the handout compares at least one pair of devices, else the run's\n"
             "exit code (3: nothing could be measured, 4: this host cannot run it).",
    .flags = CLI_F_VERBOSITY,
};

/* The teaching scenario, in the data folder (paths.h: the tree's or the installed one). */
static int demo_scenario_path(char *out, size_t len)
{
    return util_fmt(out, len, "%s/scenarios/teaching.ini", paths_datadir()) >= 0 &&
                   access(out, R_OK) == 0
               ? 0
               : -1;
}

/* --quick: keep the overrides the scenario accepts (a key it does not know is dropped). */
static void demo_quick(const char *scenario, struct run_options *o)
{
    struct scenario *s = calloc(1, sizeof(*s));
    char err[SCENARIO_ERR_MAX];

    if (!s) {
        return;
    }
    if (scenario_load(scenario, s, err, sizeof(err)) == 0) {
        for (size_t i = 0; i < sizeof(demo_quick_sets) / sizeof(demo_quick_sets[0]); i++) {
            if (o->n_sets < RUN_MAX_SETS &&
                scenario_set(s, demo_quick_sets[i], err, sizeof(err)) == 0) {
                o->sets[o->n_sets++] = demo_quick_sets[i];
            } else {
                log_debug("demo --quick: %s not applied (%s)", demo_quick_sets[i], err);
            }
        }
    }
    free(s);
}

int demo_main(int argc, char **argv)
{
    struct run_options o;
    char scenario[PATH_MAX], out_dir[PATH_MAX], stamp[32];
    const char *scn = NULL, *from = NULL, *lang = NULL;
    int id, quick = 0, code, rendered;
    struct cli c;
    double t0;
    time_t now = time(NULL);
    struct tm tm;

    memset(&o, 0, sizeof(o));
    o.finish = &runout_finish;
    if (cli_start(&c, &demo_cli, argc, argv) < 0) {
        return PVB_EXIT_USAGE;
    }
    while ((id = cli_next(&c)) >= 0) {
        switch (id) {
        case 'o':
            o.out_dir = c.arg;
            break;
        case 'a':
            if (run_parse_accel(c.arg, &o.accel) < 0) {
                return PVB_EXIT_USAGE;
            }
            break;
        case 'Q':
            quick = 1;
            break;
        case 's':
            scn = c.arg;
            break;
        case 'F':
            from = c.arg;
            break;
        case 'i':
            o.image_dir = c.arg;
            break;
        case 'q':
            o.qemu_binary = c.arg;
            break;
        case 'L':
            lang = c.arg;
            break;
        default:
            return PVB_EXIT_USAGE;
        }
    }
    if (id != CLI_END) {
        return cli_exit_code(id);
    }
    if (c.ind < argc) {
        log_err("demo: unexpected argument '%s'", argv[c.ind]);
        cli_try(&demo_cli);
        return PVB_EXIT_USAGE;
    }
    if (i18n_init(lang, NULL) < 0) {
        log_err("demo: no messages in language '%s' (pvbench has: %s)", lang, I18N_LANGS);
        return PVB_EXIT_USAGE;
    }
    if (from) {
        rendered = demo_render(from, -1, stdout, 0);
        return rendered < 0 ? PVB_EXIT_USAGE : PVB_EXIT_OK;
    }
    if (!scn) {
        if (demo_scenario_path(scenario, sizeof(scenario)) < 0) {
            log_err("demo: %s/scenarios/teaching.ini not found (set PVBENCH_DATADIR)",
                    paths_datadir());
            return PVB_EXIT_USAGE;
        }
        scn = scenario;
    }
    if (!o.out_dir) {
        localtime_r(&now, &tm);
        strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
        snprintf(out_dir, sizeof(out_dir), "results/demo-%s", stamp);
        o.out_dir = out_dir;
    }
    /* The register counts need QMP and QEMU's trace log: the direct QEMU backend. */
    o.backend = "qemu";
    if (quick) {
        demo_quick(scn, &o);
    }
    printf("pvbench demo: %s, results in %s\n", scn, o.out_dir);
    fflush(stdout);
    t0 = util_now();
    code = run_main(scn, &o);
    if (code == PVB_EXIT_USAGE || run_interrupted()) {
        return code == PVB_EXIT_OK ? PVB_EXIT_FAILED : code;
    }
    rendered = demo_render(o.out_dir, util_now() - t0, stdout, 0);
    if (rendered == 0) {
        return PVB_EXIT_OK;
    }
    return code == PVB_EXIT_OK ? PVB_EXIT_FAILED : code;
}
