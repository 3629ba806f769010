/*
 * The bare-host baseline (hostbase.c): fio's command line, its JSON on outputs captured from
 * Debian's fio 3.33 (the agent's fixtures, guest-agent/tests/fixtures/fio), the samples,
 * pct_of_host and its files, and a real baseline on a scratch file when fio is installed;
 * the network half's samples and bookkeeping (hostbase_net.c; the real one boots in
 * bench/tests/integration/test_host_baseline_net.sh).
 */
#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "hostbase.h"
#include "hostbase_net.h"
#include "registry.h"
#include "results.h"
#include "scenario.h"
#include "util.h"

static char fixture_dir[PATH_MAX];
static char tmp_dir[] = "/var/tmp/pvb-test-hostbase.XXXXXX";

static int setup(void **state)
{
    const char *file = __FILE__;
    const char *slash = strrchr(file, '/');
    char sd[PATH_MAX];

    if (slash) {
        snprintf(fixture_dir, sizeof(fixture_dir), "%.*s/../../guest-agent/tests/fixtures/fio",
                 (int)(slash - file), file);
    } else {
        snprintf(fixture_dir, sizeof(fixture_dir), "../../guest-agent/tests/fixtures/fio");
    }
    if (!mkdtemp(tmp_dir)) {
        return -1;
    }
    snprintf(sd, sizeof(sd), "%s/state", tmp_dir);
    setenv("PVBENCH_STATE_DIR", sd, 1);
    return 0;
}

static int teardown(void **state)
{
    char cmd[PATH_MAX + 16];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp_dir);
    return system(cmd) == 0 ? 0 : -1;
}

static char *load(const char *name, size_t *len)
{
    char path[PATH_MAX + 64];
    char *text;

    snprintf(path, sizeof(path), "%s/%s", fixture_dir, name);
    text = util_slurp(path, 1u << 20, len);
    if (!text) {
        fail_msg("cannot read fixture %s", path);
    }
    return text;
}

static bool has_arg(const struct tool_argv *a, const char *want)
{
    unsigned i;

    for (i = 0; i < a->argc; i++) {
        if (strcmp(a->argv[i], want) == 0) {
            return true;
        }
    }
    return false;
}

static void test_argv(void **state)
{
    struct hostbase_job job = {.workload = "randread", .rw = "randread", .bs = 4096, .qd = 32,
                               .runtime_ms = 1000, .warmup_ms = 300};
    struct tool_argv a;

    assert_int_equal(hostbase_build_argv(&job, "/var/tmp/x:y.img", "fio", &a), 0);
    assert_string_equal(a.argv[0], "fio");
    assert_null(a.argv[a.argc]);
    assert_true(has_arg(&a, "--filename=/var/tmp/x\\:y.img"));
    assert_true(has_arg(&a, "--rw=randread"));
    assert_true(has_arg(&a, "--bs=4096"));
    assert_true(has_arg(&a, "--iodepth=32"));
    assert_true(has_arg(&a, "--runtime=1000ms"));
    assert_true(has_arg(&a, "--ramp_time=300ms"));
    assert_true(has_arg(&a, "--direct=1"));
    assert_true(has_arg(&a, "--ioengine=libaio"));
    assert_true(has_arg(&a, "--output-format=json"));
}

static void test_parse_fixtures(void **state)
{
    static const struct {
        const char *file, *rw;
        unsigned bs;
    } cases[] = {
        {"randread_qd1.json", "randread", 4096},
        {"randread_qd32.json", "randread", 4096},
        {"seqread.json", "read", 1048576},
        {"seqwrite.json", "write", 1048576},
    };
    struct agent_result r;
    char err[256];
    size_t len, i;
    char *out;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        out = load(cases[i].file, &len);
        if (hostbase_parse_fio(out, len, cases[i].rw, &r, err, sizeof(err)) != 0) {
            fail_msg("%s: %s", cases[i].file, err);
        }
        assert_string_equal(r.engine, "fio");
        assert_true(r.ops > 0 && r.ops == r.ops_total);
        assert_true(r.bytes >= r.ops * cases[i].bs);
        assert_true(r.runtime_s > 0.9 && r.runtime_s < 1.1);
        assert_true(r.lat_us.min <= r.lat_us.p50 && r.lat_us.p50 <= r.lat_us.p90 &&
                    r.lat_us.p90 <= r.lat_us.p99 && r.lat_us.p99 <= r.lat_us.p999 &&
                    r.lat_us.p999 <= r.lat_us.max);
        free(out);
    }
    out = load("randread_qd32.json", &len);
    assert_int_equal(hostbase_parse_fio(out, len, "randread", &r, err, sizeof(err)), 0);
    assert_int_equal(r.ops, 51404);
    assert_int_equal(r.bytes, 210677760);
    assert_true(fabs(r.lat_us.mean - 636.746239312) < 1e-6);
    /* the write side of a read job completed nothing: refused */
    assert_int_equal(hostbase_parse_fio(out, len, "randwrite", &r, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "completed no write"));
    free(out);
}

static void test_parse_errors(void **state)
{
    struct agent_result r;
    char err[256];
    size_t len;
    char *out;

    out = load("error_io.stdout", &len);
    assert_int_equal(hostbase_parse_fio(out, len, "randread", &r, err, sizeof(err)), -1);
    assert_string_equal(err, "fio job error 22 (Invalid argument)");
    assert_int_equal(hostbase_parse_fio(out, len / 2, "randread", &r, err, sizeof(err)), -1);
    assert_string_equal(err, "fio JSON does not parse: truncated");
    free(out);
    assert_int_equal(hostbase_parse_fio("fio: no\n", 8, "read", &r, err, sizeof(err)), -1);
    assert_string_equal(err, "fio printed no JSON object");
    assert_int_equal(
        hostbase_parse_fio("{\"jobs\":[{\"error\":0}]}", 22, "read", &r, err, sizeof(err)), -1);
    assert_string_equal(err, "fio JSON: missing jobs[0].read");
}

static void test_record(void **state)
{
    struct sample_set set = {0};
    struct agent_result r;
    char err[256];
    size_t len, i;
    char *out = load("randread_qd1.json", &len);

    assert_int_equal(hostbase_parse_fio(out, len, "randread", &r, err, sizeof(err)), 0);
    assert_int_equal(hostbase_record(&set, workload_find("randread_qd1"), 3, &r), 0);
    assert_int_equal(set.n, 8);
    for (i = 0; i < set.n; i++) {
        assert_string_equal(set.v[i].config, HOSTBASE_CONFIG);
        assert_string_equal(set.v[i].class_, "host");
        assert_string_equal(set.v[i].kind, "blk");
        assert_string_equal(set.v[i].workload, "randread_qd1");
        assert_int_equal(set.v[i].rep, 3);
        assert_true(set.v[i].unit[0] != '\0');
    }
    assert_string_equal(set.v[1].metric, "iops");
    assert_true(fabs(set.v[1].value - (double)r.ops / r.runtime_s) < 1e-9);
    samples_free(&set);
    free(out);
}

static void add(struct sample_set *set, const char *config, const char *metric, unsigned rep,
                double v)
{
    struct sample s;

    memset(&s, 0, sizeof(s));
    snprintf(s.config, sizeof(s.config), "%s", config);
    snprintf(s.device, sizeof(s.device), "%s", config);
    snprintf(s.class_, sizeof(s.class_), "%s", strcmp(config, "host") ? "paravirtual" : "host");
    snprintf(s.kind, sizeof(s.kind), "blk");
    snprintf(s.workload, sizeof(s.workload), "randread");
    snprintf(s.metric, sizeof(s.metric), "%s", metric);
    snprintf(s.unit, sizeof(s.unit), "x");
    s.rep = rep;
    s.value = v;
    assert_int_equal(samples_add(set, &s), 0);
}

/* Synthetic samples: virtio-blk reaches 10 % of the host's IOPS and 10 % of its latency. */
static void fill(struct sample_set *set)
{
    unsigned rep;

    for (rep = 1; rep <= 3; rep++) {
        add(set, "virtio-blk", "iops", rep, 1000.0 + rep);
        add(set, "virtio-blk", "lat_mean_us", rep, 500.0);
        add(set, "virtio-blk", "guest_cpu_pct", rep, 50.0);
        add(set, "host", "iops", rep, 10000.0 + 10 * rep);
        add(set, "host", "lat_mean_us", rep, 50.0);
    }
}

static void test_pct(void **state)
{
    struct sample_set set = {0};
    struct hostbase_pct_set pct;
    const struct hostbase_pct *p;

    fill(&set);
    assert_int_equal(hostbase_pct_compute(&set, STATS_DEFAULT_SEED, &pct), 0);
    assert_int_equal(pct.n, 2); /* guest_cpu_pct: the host has none */
    p = hostbase_pct_find(&pct, "virtio-blk", "randread", "iops");
    assert_non_null(p);
    assert_true(fabs(p->pct - 100.0 * 1002.0 / 10020.0) < 1e-9);
    assert_true(p->low <= p->pct && p->pct <= p->high);
    assert_int_equal(p->n, 3);
    p = hostbase_pct_find(&pct, "virtio-blk", "randread", "lat_mean_us");
    assert_non_null(p);
    assert_true(fabs(p->pct - 10.0) < 1e-9); /* lower is better: host / device */
    assert_null(hostbase_pct_find(&pct, "host", "randread", "iops"));
    hostbase_pct_free(&pct);
    samples_free(&set);

    /* no host samples: nothing */
    add(&set, "ide", "iops", 1, 5.0);
    assert_int_equal(hostbase_pct_compute(&set, STATS_DEFAULT_SEED, &pct), 0);
    assert_int_equal(pct.n, 0);
    hostbase_pct_free(&pct);
    samples_free(&set);
}

static void test_pct_files(void **state)
{
    struct sample_set set = {0};
    struct summary_set sum = {0};
    struct hostbase_pct_set pct;
    struct json_object *root, *c, *w, *m, *v, *x;
    char path[PATH_MAX], csv[PATH_MAX], *text;
    size_t i, len;

    fill(&set);
    assert_int_equal(summary_compute(&set, STATS_DEFAULT_SEED, &sum), 0);
    assert_int_equal(hostbase_pct_compute(&set, STATS_DEFAULT_SEED, &pct), 0);
    hostbase_pct_apply(&pct, &sum);
    snprintf(path, sizeof(path), "%s/summary.json", tmp_dir);
    assert_int_equal(summary_write_json(path, &sum), 0);
    root = json_object_from_file(path);
    assert_non_null(root);
    assert_true(json_object_object_get_ex(root, "configs", &c));
    c = json_object_array_get_idx(c, 0); /* virtio-blk comes first */
    assert_true(json_object_object_get_ex(c, "workloads", &w));
    w = json_object_array_get_idx(w, 0);
    assert_true(json_object_object_get_ex(w, "metrics", &m));
    for (i = 0; i < json_object_array_length(m); i++) {
        v = json_object_array_get_idx(m, i);
        assert_true(json_object_object_get_ex(v, "metric", &x));
        if (strcmp(json_object_get_string(x), "lat_mean_us") == 0) {
            assert_true(json_object_object_get_ex(v, "pct_of_host", &x));
            assert_true(json_object_object_get_ex(x, "value", &x));
            assert_true(fabs(json_object_get_double(x) - 10.0) < 1e-9);
        } else if (strcmp(json_object_get_string(x), "guest_cpu_pct") == 0) {
            assert_false(json_object_object_get_ex(v, "pct_of_host", &x));
        }
    }
    json_object_put(root);

    snprintf(csv, sizeof(csv), "%s/%s", tmp_dir, HOSTBASE_PCT_FILE);
    assert_int_equal(hostbase_pct_write_csv(csv, &pct), 0);
    text = util_slurp(csv, 1 << 16, &len);
    assert_non_null(text);
    assert_int_equal(strncmp(text, HOSTBASE_PCT_HEADER "\n", strlen(HOSTBASE_PCT_HEADER) + 1), 0);
    assert_non_null(strstr(text, "\nvirtio-blk,virtio-blk,blk,randread,lat_mean_us,3,10,"));
    free(text);
    hostbase_pct_print(stdout, &pct);
    hostbase_pct_free(&pct);
    summary_free(&sum);
    samples_free(&set);
}

/* The network half: which samples a host net job gives, and the printed block. */
static void test_net_record(void **state)
{
    struct sample_set set = {0};
    struct hostbase_pct_set pct;
    struct agent_result a;
    struct peer_report p;
    struct scenario sc;
    char *text = NULL;
    size_t i, tlen = 0;
    FILE *m;
    bool tput = false;

    memset(&a, 0, sizeof(a));
    memset(&p, 0, sizeof(p));
    a.runtime_s = 1.0;
    a.bytes = 125000000; /* tcp_rx: the agent received 1000 Mbit in 1 s */
    a.bytes_total = a.bytes;
    a.ops = 1000;
    a.ops_total = 1000;
    a.cpu_pct.idle = 50;
    a.cpu_pct.system = 50;
    p.ok = 1;
    p.total_bytes = a.bytes;
    assert_int_equal(hostbase_net_record(&set, workload_find("tcp_rx"), 2, &a, &p), 0);
    for (i = 0; i < set.n; i++) {
        assert_string_equal(set.v[i].config, HOSTBASE_CONFIG);
        assert_string_equal(set.v[i].class_, "host");
        assert_string_equal(set.v[i].kind, "net");
        assert_int_equal(set.v[i].rep, 2);
        /* the agent's CPU split is the whole host's: never a sample */
        assert_null(strstr(set.v[i].metric, "cpu"));
        assert_null(strstr(set.v[i].metric, "irqs"));
        if (strcmp(set.v[i].metric, "throughput_mbit_s") == 0) {
            assert_true(fabs(set.v[i].value - 1000.0) < 1e-9);
            tput = true;
        }
    }
    assert_true(tput);
    /* udp_pps: pps, not loss_pct */
    a.ops_total = 2000;
    p.window_s = 1.0;
    p.window_packets = 900;
    p.total_packets = 1900;
    assert_int_equal(hostbase_net_record(&set, workload_find("udp_pps"), 1, &a, &p), 0);
    assert_int_equal(set.n, 2);
    assert_string_equal(set.v[1].metric, "pps");
    assert_true(fabs(set.v[1].value - 900.0) < 1e-9);

    /* a device at half the host's Mbit/s: 50 %, printed in the network block */
    {
        struct sample s = set.v[0];

        snprintf(s.config, sizeof(s.config), "virtio-net");
        snprintf(s.device, sizeof(s.device), "virtio-net");
        snprintf(s.class_, sizeof(s.class_), "paravirtual");
        s.value = 500.0;
        assert_int_equal(samples_add(&set, &s), 0);
    }
    assert_int_equal(hostbase_pct_compute(&set, STATS_DEFAULT_SEED, &pct), 0);
    assert_int_equal(pct.n, 1);
    assert_true(fabs(pct.v[0].pct - 50.0) < 1e-9);
    assert_string_equal(pct.v[0].kind, "net");
    m = open_memstream(&text, &tlen);
    assert_non_null(m);
    hostbase_pct_print(m, &pct);
    fclose(m);
    assert_non_null(strstr(text, "network: the agent in a namespace of its own"));
    assert_non_null(strstr(text, "tcp_rx         virtio-net     50% [50, 50]"));
    assert_null(strstr(text, "block:"));
    free(text);
    hostbase_pct_free(&pct);

    /* jobs to run: the net workloads' warm-ups and missing repetitions (resume) */
    memset(&sc, 0, sizeof(sc));
    sc.workloads[0] = workload_find("tcp_rx");
    sc.workloads[1] = workload_find("randread");
    sc.n_workloads = 2;
    sc.repetitions = 3;
    sc.warmup_jobs = 1;
    assert_true(hostbase_net_has_work(&sc, &set));
    assert_int_equal(hostbase_net_count_jobs(&sc, &set), 1 + 2); /* rep 2 is there */
    sc.workloads[0] = workload_find("randread");
    sc.n_workloads = 1;
    assert_false(hostbase_net_has_work(&sc, &set));
    assert_int_equal(hostbase_net_count_jobs(&sc, &set), 0);
    samples_free(&set);
}

/* No agent binary: the network half is skipped with the reason, nothing else happens. */
static void test_net_no_agent(void **state)
{
    struct sample_set set = {0};
    struct netns_topo t;
    struct peer peer;
    struct scenario sc;
    char reason[512] = "";

    memset(&sc, 0, sizeof(sc));
    memset(&peer, 0, sizeof(peer));
    sc.workloads[0] = workload_find("tcp_tx");
    sc.n_workloads = 1;
    sc.repetitions = 1;
    assert_int_equal(netns_names(&t, "0badcafe", 1), 0);
    setenv(HOSTBASE_NET_AGENT_ENV, "/nonexistent/pvbench-agent", 1);
    assert_int_equal(
        hostbase_net_run(&sc, &t, &peer, "/dev/null", &set, NULL, NULL, reason, sizeof(reason)), 1);
    unsetenv(HOSTBASE_NET_AGENT_ENV);
    assert_non_null(strstr(reason, "no agent binary to run on the host"));
    assert_non_null(strstr(reason, "/nonexistent/pvbench-agent"));
    assert_int_equal(t.n_res, 0);
    assert_int_equal(set.n, 0);
}

/* fio's own words when it fails. */
static void test_run_job_error(void **state)
{
    struct hostbase_job job = {
        .workload = "randread", .rw = "randread", .bs = 4096, .qd = 4, .runtime_ms = 200};
    struct agent_result r;
    char err[512];

    if (access("/usr/bin/fio", X_OK) < 0) {
        skip();
    }
    assert_int_equal(hostbase_run_job(&job, "/nonexistent/pvb/host.img", &r, err, sizeof(err)), -1);
    if (!strstr(err, "fio exited with status 1") || !strstr(err, "size=")) {
        fail_msg("unexpected reason: %s", err);
    }
}

/* The baseline of a small scenario on a real scratch file, through the registry. */
static void test_run_baseline(void **state)
{
    static const char ini[] = "[scenario]\ndevices = virtio-blk\n"
                              "workloads = randread_qd1, seqwrite\nrepetitions = 2\n"
                              "runtime = 0.3\nwarmup = 0.1\ndisk_size = 16\n"
                              "host_baseline = yes\n";
    struct sample_set set = {0};
    struct scenario s;
    char err[512], id[32], file[PATH_MAX];
    unsigned n_iops = 0;
    size_t i;
    int rc;

    if (access("/usr/bin/fio", X_OK) < 0) {
        skip();
    }
    assert_int_equal(scenario_load_string("t.ini", ini, &s, err, sizeof(err)), 0);
    assert_int_equal(s.host_baseline, 1);
    assert_int_equal(registry_open(id, sizeof(id)), 0);
    rc = hostbase_run(&s, &set, NULL, NULL, err, sizeof(err));
    if (rc == 1) {
        registry_release_all();
        skip(); /* no O_DIRECT where the state folder is */
    }
    if (rc != 0) {
        fail_msg("hostbase_run: %s", err);
    }
    for (i = 0; i < set.n; i++) {
        assert_string_equal(set.v[i].config, "host");
        assert_true(set.v[i].rep >= 1 && set.v[i].rep <= 2);
        n_iops += strcmp(set.v[i].metric, "iops") == 0;
    }
    assert_int_equal(n_iops, 4); /* 2 workloads x 2 repetitions; warm-ups are not samples */
    snprintf(file, sizeof(file), "%s/disk-host.img", registry_dir());
    assert_int_equal(access(file, F_OK), -1); /* the scratch file is gone */
    /* resumed: nothing left to do, nothing run */
    assert_int_equal(hostbase_run(&s, &set, NULL, NULL, err, sizeof(err)), 0);
    assert_int_equal(n_iops * 8, set.n);
    registry_release_all();
    samples_free(&set);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_argv),          cmocka_unit_test(test_parse_fixtures),
        cmocka_unit_test(test_parse_errors),  cmocka_unit_test(test_record),
        cmocka_unit_test(test_pct),           cmocka_unit_test(test_pct_files),
        cmocka_unit_test(test_run_job_error), cmocka_unit_test(test_run_baseline),
        cmocka_unit_test(test_net_record),    cmocka_unit_test(test_net_no_agent),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
