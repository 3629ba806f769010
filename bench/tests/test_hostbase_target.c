/*
 * The bare host as a target of the run (hostbase_target.c): its status from the two halves,
 * jobs only while a session is open, sessions with nothing to do not opened, a session that
 * cannot start, and a real block session on a scratch file when fio is installed.
 */
#include <limits.h>
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

#include "hostbase_target.h"
#include "registry.h"
#include "scenario.h"
#include "workload.h"

static char tmp_dir[] = "/var/tmp/pvb-test-hbtarget.XXXXXX";
static unsigned saves;

static int setup(void **state)
{
    char sd[PATH_MAX];

    (void)state;
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

    (void)state;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp_dir);
    return system(cmd) == 0 ? 0 : -1;
}

static int count_save(void *arg)
{
    (void)arg;
    saves++;
    return 0;
}

/* A scenario of the given workloads, 2 repetitions, one warm-up job, short jobs. */
static void scenario_of(struct scenario *s, const char *const *names, unsigned n)
{
    memset(s, 0, sizeof(*s));
    for (unsigned i = 0; i < n; i++) {
        s->workloads[i] = workload_find(names[i]);
        assert_non_null(s->workloads[i]);
    }
    s->n_workloads = n;
    s->repetitions = 2;
    s->warmup_jobs = 1;
    s->runtime_s = 0.3;
    s->warmup_s = 0.1;
    s->disk_mib = 16;
}

/* The worse half wins; the reason names each half that did not finish, block first. */
static void test_settle(void **state)
{
    static const struct {
        int blk_rc, net_rc;
        const char *status, *reason;
    } cases[] = {
        {0, 0, "ok", ""},
        {1, 0, "skipped", "block: no fio"},
        {0, -1, "failed", "network: peer gone"},
        {-1, 1, "failed", "block: no fio; network: peer gone"},
        {1, 1, "skipped", "block: no fio; network: peer gone"},
    };
    struct hostbase_target t;
    struct sample_set set = {0};
    struct scenario s;

    (void)state;
    scenario_of(&s, NULL, 0);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        hostbase_target_init(&t, &s, &set, NULL, NULL, NULL, NULL, "/dev/null");
        assert_string_equal(t.status, "");
        hostbase_target_settle(&t, cases[i].blk_rc, "no fio", cases[i].net_rc, "peer gone");
        assert_string_equal(t.status, cases[i].status);
        assert_string_equal(t.reason, cases[i].reason);
    }
}

/* Closed sessions: no job runs, nothing is recorded, closing again is harmless; a session
 * whose kind has no workload is not opened. */
static void test_closed(void **state)
{
    static const char *const blk_only[] = {"randread"};
    static const char *const net_only[] = {"tcp_rr"};
    struct hostbase_target t;
    struct sample_set set = {0};
    struct scenario s;
    char reason[512] = "";

    (void)state;
    scenario_of(&s, blk_only, 1);
    hostbase_target_init(&t, &s, &set, count_save, NULL, NULL, NULL, "/dev/null");
    saves = 0;
    assert_true(hostbase_target_has_work(&t, DEVMODEL_BLK));
    assert_false(hostbase_target_has_work(&t, DEVMODEL_NET));
    assert_false(hostbase_target_is_open(&t, DEVMODEL_BLK));
    assert_int_equal(hostbase_target_job(&t, s.workloads[0], 1, reason, sizeof(reason)), 0);
    assert_int_equal(set.n, 0);
    assert_int_equal(saves, 0);
    /* nothing of this kind to do: 0, and not open (no agent started, no namespace needed) */
    assert_int_equal(hostbase_target_open(&t, DEVMODEL_NET, reason, sizeof(reason)), 0);
    assert_false(hostbase_target_is_open(&t, DEVMODEL_NET));
    hostbase_target_close(&t, DEVMODEL_NET);
    hostbase_target_close(&t, DEVMODEL_BLK);
    hostbase_target_close(&t, DEVMODEL_BLK);

    scenario_of(&s, net_only, 1);
    hostbase_target_init(&t, &s, &set, count_save, NULL, NULL, NULL, "/dev/null");
    assert_int_equal(hostbase_target_open(&t, DEVMODEL_BLK, reason, sizeof(reason)), 0);
    assert_false(hostbase_target_is_open(&t, DEVMODEL_BLK));
    /* warm-up and repetitions of the one net workload */
    assert_int_equal(hostbase_target_count_jobs(&t), 1 + 2);
}

/* No agent binary: the network session is skipped with the reason and stays closed. */
static void test_net_no_agent(void **state)
{
    static const char *const net_only[] = {"tcp_tx"};
    struct hostbase_target t;
    struct sample_set set = {0};
    struct netns_topo topo;
    struct peer peer;
    struct scenario s;
    char reason[512] = "";

    (void)state;
    scenario_of(&s, net_only, 1);
    memset(&peer, 0, sizeof(peer));
    assert_int_equal(netns_names(&topo, "0badcafe", 1), 0);
    hostbase_target_init(&t, &s, &set, NULL, NULL, &topo, &peer, "/dev/null");
    setenv(HOSTBASE_NET_AGENT_ENV, "/nonexistent/pvbench-agent", 1);
    assert_int_equal(hostbase_target_open(&t, DEVMODEL_NET, reason, sizeof(reason)), 1);
    unsetenv(HOSTBASE_NET_AGENT_ENV);
    assert_non_null(strstr(reason, "/nonexistent/pvbench-agent"));
    assert_false(hostbase_target_is_open(&t, DEVMODEL_NET));
    assert_int_equal(topo.n_res, 0);
}

/* A block session on a real scratch file: a warm-up records nothing, a repetition records
 * and saves once, a measured cell is not run again, closing removes the file. */
static void test_blk_session(void **state)
{
    static const char *const blk_only[] = {"randread_qd1"};
    struct hostbase_target t;
    struct sample_set set = {0};
    struct scenario s;
    char reason[512] = "", id[32];
    size_t n;
    int rc;

    (void)state;
    if (access("/usr/bin/fio", X_OK) < 0) {
        skip();
    }
    scenario_of(&s, blk_only, 1);
    assert_int_equal(registry_open(id, sizeof(id)), 0);
    hostbase_target_init(&t, &s, &set, count_save, NULL, NULL, NULL, "/dev/null");
    saves = 0;
    rc = hostbase_target_open(&t, DEVMODEL_BLK, reason, sizeof(reason));
    if (rc == 1) {
        registry_release_all();
        skip(); /* no O_DIRECT where the state folder is */
    }
    assert_int_equal(rc, 0);
    assert_true(hostbase_target_is_open(&t, DEVMODEL_BLK));
    assert_int_equal(access(t.blk.file, F_OK), 0);
    assert_int_equal(hostbase_target_job(&t, s.workloads[0], 0, reason, sizeof(reason)), 0);
    assert_int_equal(set.n, 0);
    assert_int_equal(hostbase_target_job(&t, s.workloads[0], 1, reason, sizeof(reason)), 0);
    n = set.n;
    assert_true(n > 0);
    assert_int_equal(saves, 1);
    for (size_t i = 0; i < set.n; i++) {
        assert_string_equal(set.v[i].config, HOSTBASE_CONFIG);
    }
    assert_int_equal(hostbase_target_job(&t, s.workloads[0], 1, reason, sizeof(reason)), 0);
    assert_int_equal(set.n, n);
    assert_int_equal(saves, 1);
    hostbase_target_close(&t, DEVMODEL_BLK);
    assert_false(hostbase_target_is_open(&t, DEVMODEL_BLK));
    assert_int_equal(access(t.blk.file, F_OK), -1);
    samples_free(&set);
    registry_release_all();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_settle),
        cmocka_unit_test(test_closed),
        cmocka_unit_test(test_net_no_agent),
        cmocka_unit_test(test_blk_session),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
