/*
 * The test network's bookkeeping: names, the ip(8) command list, registry lines
 * written before each resource is created, removal in reverse order. ip(8) is a
 * fake script on PATH that only logs its arguments: nothing on the host changes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "netns.h"
#include "registry.h"
#include "util.h"

static char tmp_dir[256], log_path[300], fail_path[300], old_path[4096];

/* A fake ip(8): appends "ip ARGS" to log_path; fails when its args match fail_path's line. */
static int setup(void **state)
{
    char path[400], env[4400];
    FILE *f;

    (void)state;
    snprintf(tmp_dir, sizeof(tmp_dir), "/tmp/pvb-netnstest-XXXXXX");
    if (!mkdtemp(tmp_dir)) {
        return -1;
    }
    snprintf(log_path, sizeof(log_path), "%s/ip.log", tmp_dir);
    snprintf(fail_path, sizeof(fail_path), "%s/ip.fail", tmp_dir);
    snprintf(path, sizeof(path), "%s/ip", tmp_dir);
    f = fopen(path, "w");
    if (!f) {
        return -1;
    }
    fprintf(f,
            "#!/bin/sh\n"
            "echo \"ip $*\" >>'%s'\n"
            "if [ -f '%s' ] && [ \"ip $*\" = \"$(cat '%s')\" ]; then\n"
            "    echo 'RTNETLINK answers: File exists'; exit 2\n"
            "fi\n"
            "exit 0\n",
            log_path, fail_path, fail_path);
    fclose(f);
    chmod(path, 0755);
    snprintf(old_path, sizeof(old_path), "%s", getenv("PATH") ? getenv("PATH") : "/usr/bin");
    snprintf(env, sizeof(env), "%s:%s", tmp_dir, old_path);
    setenv("PATH", env, 1);
    snprintf(path, sizeof(path), "%s/state", tmp_dir);
    setenv("PVBENCH_STATE_DIR", path, 1);
    return 0;
}

static int teardown(void **state)
{
    char cmd[300];

    (void)state;
    setenv("PATH", old_path, 1);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp_dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void test_names(void **state)
{
    struct netns_topo t;
    char buf[32];

    (void)state;
    assert_int_equal(netns_names(&t, "1a2b3c4d", 3), 0);
    assert_string_equal(t.netns, "pvb-1a2b3c4d");
    assert_string_equal(t.netns_path, "/run/netns/pvb-1a2b3c4d");
    assert_string_equal(t.bridge, "pvbb1a2b3c4d");
    assert_string_equal(t.veth, "pvbv1a2b3c4d");
    assert_string_equal(t.taps[0], "pvbt1a2b3c4d0");
    assert_string_equal(t.taps[2], "pvbt1a2b3c4d2");
    assert_int_equal(t.n_taps, 3);
    assert_string_equal(t.peer_addr, "198.51.100.1/24");
    assert_string_equal(t.host_netns, "pvb-1a2b3c4d-h");
    assert_string_equal(t.host_netns_path, "/run/netns/pvb-1a2b3c4d-h");
    assert_string_equal(t.host_veth, "pvbv1a2b3c4dh");
    assert_string_equal(t.host_addr, "198.51.100.250/24");
    assert_true(strlen(t.host_veth) < 16);
    /* The longest name fits IFNAMSIZ (16 with the NUL). */
    assert_int_equal(netns_names(&t, "ffffffff", NETNS_MAX_TAPS), 0);
    assert_string_equal(t.taps[15], "pvbtfffffffff");
    assert_true(strlen(t.taps[15]) < 16);
    /* Only run ids of our own form. */
    assert_int_equal(netns_names(&t, "1a2b3c4", 1), -1);
    assert_int_equal(netns_names(&t, "1A2B3C4D", 1), -1);
    assert_int_equal(netns_names(&t, "1a2b3c4d5", 1), -1);
    assert_int_equal(netns_names(&t, "../../xx", 1), -1);
    assert_int_equal(netns_names(&t, NULL, 1), -1);
    assert_int_equal(netns_names(&t, "1a2b3c4d", NETNS_MAX_TAPS + 1), -1);

    assert_int_equal(netns_guest_addr(0, buf, sizeof(buf)), 0);
    assert_string_equal(buf, "198.51.100.2");
    assert_int_equal(netns_guest_addr(15, buf, sizeof(buf)), 0);
    assert_string_equal(buf, "198.51.100.17");
    assert_int_equal(netns_guest_addr(16, buf, sizeof(buf)), -1);
    assert_int_equal(netns_guest_mac(0, buf, sizeof(buf)), 0);
    assert_string_equal(buf, "52:54:00:70:76:02");
    assert_int_equal(netns_guest_mac(15, buf, sizeof(buf)), 0);
    assert_string_equal(buf, "52:54:00:70:76:11");
}

/* "ip a b c" of a command. */
static void joined(const struct netns_cmd *c, char *buf, size_t len)
{
    size_t used = 0;

    buf[0] = '\0';
    for (unsigned i = 0; c->argv[i]; i++) {
        used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? " " : "", c->argv[i]);
    }
}

static int find_cmd(struct netns_cmd *cmds, unsigned n, const char *text)
{
    char buf[512];

    for (unsigned i = 0; i < n; i++) {
        joined(&cmds[i], buf, sizeof(buf));
        if (strcmp(buf, text) == 0) {
            return (int)i;
        }
    }
    return -1;
}

static void test_plan(void **state)
{
    struct netns_cmd cmds[NETNS_MAX_CMDS];
    struct netns_topo t;
    char buf[512];
    unsigned n;
    int i_ns, i_br, i_brset, i_brup, i_tap, i_tapset, i_tapup, i_veth, i_vethset, i_vethup;
    int i_addr;

    (void)state;
    assert_int_equal(netns_names(&t, "0badcafe", 2), 0);
    n = netns_plan(&t, cmds, NETNS_MAX_CMDS);
    assert_true(n > 0 && n <= NETNS_MAX_CMDS);
    /* A list too short is reported by the count, never overrun. */
    assert_int_equal(netns_plan(&t, cmds, 3), n);
    n = netns_plan(&t, cmds, NETNS_MAX_CMDS);

    i_ns = find_cmd(cmds, n, "ip netns add pvb-0badcafe");
    i_br = find_cmd(cmds, n, "ip link add pvbb0badcafe type bridge");
    i_brset = find_cmd(cmds, n, "ip link set pvbb0badcafe addrgenmode none arp off");
    i_brup = find_cmd(cmds, n, "ip link set pvbb0badcafe up");
    i_tap = find_cmd(cmds, n, "ip tuntap add dev pvbt0badcafe1 mode tap");
    i_tapset = find_cmd(cmds, n, "ip link set pvbt0badcafe1 addrgenmode none master pvbb0badcafe");
    i_tapup = find_cmd(cmds, n, "ip link set pvbt0badcafe1 up");
    i_veth = find_cmd(cmds, n,
                      "ip link add pvbv0badcafe type veth peer name peer0 netns pvb-0badcafe");
    i_vethset = find_cmd(cmds, n, "ip link set pvbv0badcafe addrgenmode none master pvbb0badcafe");
    i_vethup = find_cmd(cmds, n, "ip link set pvbv0badcafe up");
    i_addr = find_cmd(cmds, n, "ip -n pvb-0badcafe addr add 198.51.100.1/24 dev peer0");
    assert_int_equal(i_ns, 0);
    assert_true(find_cmd(cmds, n, "ip -n pvb-0badcafe link set lo up") > 0);
    assert_true(find_cmd(cmds, n, "ip tuntap add dev pvbt0badcafe0 mode tap") > 0);
    assert_true(i_br > 0 && i_brset > i_br && i_brup > i_brset);
    assert_true(i_tap > i_br && i_tapset > i_tap && i_tapup > i_tapset);
    assert_true(i_veth > i_br && i_vethset > i_veth && i_vethup > i_vethset);
    assert_true(i_addr > i_veth);
    /* The bridge comes up last, once every port is in place. */
    assert_int_equal(i_brup, (int)n - 1);

    /* What creates something is registered as such; nothing else is. */
    assert_int_equal(cmds[i_ns].reg_kind, REG_NETNS);
    assert_string_equal(cmds[i_ns].reg_id, "pvb-0badcafe");
    assert_int_equal(cmds[i_br].reg_kind, REG_LINK);
    assert_string_equal(cmds[i_br].reg_id, "pvbb0badcafe");
    assert_int_equal(cmds[i_tap].reg_kind, REG_LINK);
    assert_string_equal(cmds[i_tap].reg_id, "pvbt0badcafe1");
    assert_int_equal(cmds[i_veth].reg_kind, REG_LINK);
    assert_string_equal(cmds[i_veth].reg_id, "pvbv0badcafe");
    for (unsigned i = 0; i < n; i++) {
        int creates;

        joined(&cmds[i], buf, sizeof(buf));
        creates = strstr(buf, " add ") != NULL && strstr(buf, "addr add") == NULL;
        assert_int_equal(creates, cmds[i].reg_kind != REG_KIND_COUNT);
        /* An address is only ever added inside the run's namespace. */
        if (strstr(buf, "addr add")) {
            assert_non_null(strstr(buf, "ip -n pvb-0badcafe "));
        }
        /* No route, no sysctl, no firewall: only netns, link, tuntap and addr commands. */
        assert_true(strncmp(buf, "ip netns add ", 13) == 0 || strncmp(buf, "ip link ", 8) == 0 ||
                    strncmp(buf, "ip tuntap ", 10) == 0 ||
                    strncmp(buf, "ip -n pvb-0badcafe ", 19) == 0);
    }
}

/* A tap for a NIC with N queue pairs is made multi_queue; the others are not. */
static void test_plan_multiqueue(void **state)
{
    struct netns_cmd cmds[NETNS_MAX_CMDS];
    struct netns_topo t;
    unsigned n;

    (void)state;
    assert_int_equal(netns_names(&t, "0badcafe", 3), 0);
    assert_int_equal(t.tap_queues[1], 0);
    t.tap_queues[1] = 2;
    t.tap_queues[2] = 1;
    n = netns_plan(&t, cmds, NETNS_MAX_CMDS);
    assert_true(n > 0 && n <= NETNS_MAX_CMDS);
    assert_true(find_cmd(cmds, n, "ip tuntap add dev pvbt0badcafe0 mode tap") > 0);
    assert_true(find_cmd(cmds, n, "ip tuntap add dev pvbt0badcafe1 mode tap multi_queue") > 0);
    assert_true(find_cmd(cmds, n, "ip tuntap add dev pvbt0badcafe2 mode tap") > 0);
    assert_int_equal(find_cmd(cmds, n, "ip tuntap add dev pvbt0badcafe1 mode tap"), -1);
}

/* Lines of the run's registry file. */
static void read_registry(char *buf, size_t len)
{
    char path[1200];

    snprintf(path, sizeof(path), "%s/registry", registry_dir());
    assert_true(util_read_file(path, buf, len) > 0);
}

static int check_runner_calls;

/* A runner that checks the resource of each creating command is registered already. */
static int check_runner(char *const argv[], char *out, size_t outlen)
{
    char reg[8192], line[128];

    read_registry(reg, sizeof(reg));
    if (strcmp(argv[1], "netns") == 0 && strcmp(argv[2], "add") == 0) {
        snprintf(line, sizeof(line), "\nnetns %s\n", argv[3]);
        assert_non_null(strstr(reg, line));
    }
    if (strcmp(argv[1], "link") == 0 && strcmp(argv[2], "add") == 0) {
        snprintf(line, sizeof(line), "\nlink %s\n", argv[3]);
        assert_non_null(strstr(reg, line));
    }
    if (strcmp(argv[1], "tuntap") == 0) {
        snprintf(line, sizeof(line), "\nlink %s\n", argv[4]);
        assert_non_null(strstr(reg, line));
    }
    check_runner_calls++;
    snprintf(out, outlen, "ok");
    return 0;
}

static void test_create_registers_first(void **state)
{
    char id[16], reg[8192], log[8192], line[512], reason[256];
    struct netns_topo t;

    (void)state;
    assert_int_equal(registry_open(id, sizeof(id)), 0);
    assert_int_equal(netns_names(&t, id, 2), 0);
    check_runner_calls = 0;
    assert_int_equal(netns_create(&t, check_runner, reason, sizeof(reason)), 0);
    assert_true(check_runner_calls > 10);
    assert_int_equal(t.n_res, 5); /* netns, bridge, 2 taps, veth */
    read_registry(reg, sizeof(reg));
    snprintf(line, sizeof(line), "netns pvb-%s\n", id);
    assert_non_null(strstr(reg, line));
    snprintf(line, sizeof(line), "link pvbv%s\n", id);
    assert_non_null(strstr(reg, line));

    /* Removal: newest first, with ip(8) (the fake one), and forgotten in the registry. */
    unlink(log_path);
    netns_destroy(&t);
    assert_int_equal(t.n_res, 0);
    assert_true(util_read_file(log_path, log, sizeof(log)) > 0);
    snprintf(line, sizeof(line),
             "ip link delete pvbv%s\nip link delete pvbt%s1\nip link delete pvbt%s0\n"
             "ip link delete pvbb%s\nip netns delete pvb-%s\n",
             id, id, id, id, id);
    assert_string_equal(log, line);
    read_registry(reg, sizeof(reg));
    assert_null(strstr(reg, "netns "));
    assert_null(strstr(reg, "link "));
    registry_release_all();
}

static void test_create_failure_cleans_up(void **state)
{
    char id[16], reg[8192], log[8192], line[512], reason[256];
    struct netns_topo t;
    FILE *f;

    (void)state;
    assert_int_equal(registry_open(id, sizeof(id)), 0);
    assert_int_equal(netns_names(&t, id, 1), 0);
    /* The veth cannot be created (say its name is taken): the run's other links go again,
     * and the veth name, which is not ours, is never deleted. */
    f = fopen(fail_path, "w");
    assert_non_null(f);
    fprintf(f, "ip link add pvbv%s type veth peer name peer0 netns pvb-%s\n", id, id);
    fclose(f);
    unlink(log_path);
    assert_int_equal(netns_create(&t, NULL, reason, sizeof(reason)), -1);
    unlink(fail_path);
    assert_non_null(strstr(reason, "type veth"));
    assert_non_null(strstr(reason, "File exists"));
    assert_int_equal(t.n_res, 0);
    assert_true(util_read_file(log_path, log, sizeof(log)) > 0);
    snprintf(line, sizeof(line), "ip link delete pvbv%s\n", id);
    assert_null(strstr(log, line));
    snprintf(line, sizeof(line), "ip link delete pvbt%s0\nip link delete pvbb%s\n"
                                 "ip netns delete pvb-%s\n",
             id, id, id);
    assert_non_null(strstr(log, line));
    read_registry(reg, sizeof(reg));
    assert_null(strstr(reg, "link "));
    assert_null(strstr(reg, "netns "));
    registry_release_all();
}

/* The bare-host client: its namespace and a veth onto the bridge; its address only inside. */
static void test_plan_host(void **state)
{
    struct netns_cmd cmds[NETNS_MAX_HOST_CMDS], guests[NETNS_MAX_CMDS];
    struct netns_topo t;
    char buf[512], gbuf[512];
    unsigned n, ng;
    int i_ns, i_veth, i_set, i_addr, i_up;

    (void)state;
    assert_int_equal(netns_names(&t, "0badcafe", 2), 0);
    n = netns_plan_host(&t, cmds, NETNS_MAX_HOST_CMDS);
    assert_true(n > 0 && n <= NETNS_MAX_HOST_CMDS);
    assert_int_equal(netns_plan_host(&t, cmds, 2), n);
    n = netns_plan_host(&t, cmds, NETNS_MAX_HOST_CMDS);
    i_ns = find_cmd(cmds, n, "ip netns add pvb-0badcafe-h");
    i_veth = find_cmd(cmds, n,
                      "ip link add pvbv0badcafeh type veth peer name host0 netns pvb-0badcafe-h");
    i_set = find_cmd(cmds, n, "ip link set pvbv0badcafeh addrgenmode none master pvbb0badcafe");
    i_addr = find_cmd(cmds, n, "ip -n pvb-0badcafe-h addr add 198.51.100.250/24 dev host0");
    i_up = find_cmd(cmds, n, "ip link set pvbv0badcafeh up");
    assert_int_equal(i_ns, 0);
    assert_true(find_cmd(cmds, n, "ip -n pvb-0badcafe-h link set lo up") > 0);
    assert_true(find_cmd(cmds, n, "ip -n pvb-0badcafe-h link set host0 addrgenmode none") > 0);
    assert_true(find_cmd(cmds, n, "ip -n pvb-0badcafe-h link set host0 up") > 0);
    assert_true(i_veth > i_ns && i_set > i_veth && i_addr > i_veth && i_up > i_set);
    assert_int_equal(cmds[i_ns].reg_kind, REG_NETNS);
    assert_string_equal(cmds[i_ns].reg_id, "pvb-0badcafe-h");
    assert_int_equal(cmds[i_veth].reg_kind, REG_LINK);
    assert_string_equal(cmds[i_veth].reg_id, "pvbv0badcafeh");
    /* The client's address is not one a guest of the run can have. */
    for (unsigned k = 0; k < NETNS_MAX_TAPS; k++) {
        assert_int_equal(netns_guest_addr(k, gbuf, sizeof(gbuf)), 0);
        assert_string_not_equal(gbuf, NETNS_HOST_ADDR);
    }
    ng = netns_plan(&t, guests, NETNS_MAX_CMDS);
    for (unsigned i = 0; i < n; i++) {
        int creates;

        joined(&cmds[i], buf, sizeof(buf));
        creates = strstr(buf, " add ") != NULL && strstr(buf, "addr add") == NULL;
        assert_int_equal(creates, cmds[i].reg_kind != REG_KIND_COUNT);
        if (strstr(buf, "addr add")) {
            assert_non_null(strstr(buf, "ip -n pvb-0badcafe-h "));
        }
        assert_true(strncmp(buf, "ip netns add ", 13) == 0 || strncmp(buf, "ip link ", 8) == 0 ||
                    strncmp(buf, "ip -n pvb-0badcafe-h ", 21) == 0);
        /* nothing of the guests' plan again */
        assert_int_equal(find_cmd(guests, ng, buf), -1);
    }
}

/* netns_add_host registers first; a failure takes back only its own part; destroy: all. */
static void test_add_host(void **state)
{
    char id[16], reg[8192], log[8192], line[1024], reason[256];
    struct netns_topo t;
    FILE *f;

    (void)state;
    assert_int_equal(registry_open(id, sizeof(id)), 0);
    assert_int_equal(netns_names(&t, id, 1), 0);
    assert_int_equal(netns_create(&t, NULL, reason, sizeof(reason)), 0);
    assert_int_equal(t.n_res, 4); /* netns, bridge, tap, veth */

    /* the veth into the client's namespace cannot be made: its namespace goes again */
    f = fopen(fail_path, "w");
    assert_non_null(f);
    fprintf(f, "ip link add pvbv%sh type veth peer name host0 netns pvb-%s-h\n", id, id);
    fclose(f);
    unlink(log_path);
    assert_int_equal(netns_add_host(&t, NULL, reason, sizeof(reason)), -1);
    unlink(fail_path);
    assert_non_null(strstr(reason, "File exists"));
    assert_int_equal(t.n_res, 4);
    assert_int_equal(t.host_up, 0);
    assert_true(util_read_file(log_path, log, sizeof(log)) > 0);
    snprintf(line, sizeof(line), "ip link delete pvbv%sh\n", id);
    assert_null(strstr(log, line));
    snprintf(line, sizeof(line), "ip netns delete pvb-%s-h\n", id);
    assert_non_null(strstr(log, line));
    snprintf(line, sizeof(line), "ip netns delete pvb-%s\n", id);
    assert_null(strstr(log, line));

    check_runner_calls = 0;
    assert_int_equal(netns_add_host(&t, check_runner, reason, sizeof(reason)), 0);
    assert_int_equal(check_runner_calls, 8);
    assert_int_equal(t.host_up, 1);
    assert_int_equal(t.n_res, 6);
    /* once is enough */
    assert_int_equal(netns_add_host(&t, check_runner, reason, sizeof(reason)), 0);
    assert_int_equal(check_runner_calls, 8);
    read_registry(reg, sizeof(reg));
    snprintf(line, sizeof(line), "netns pvb-%s-h\n", id);
    assert_non_null(strstr(reg, line));
    snprintf(line, sizeof(line), "link pvbv%sh\n", id);
    assert_non_null(strstr(reg, line));

    /* newest first: the client's veth and namespace, then the guests' network */
    unlink(log_path);
    netns_destroy(&t);
    assert_int_equal(t.host_up, 0);
    assert_true(util_read_file(log_path, log, sizeof(log)) > 0);
    snprintf(line, sizeof(line),
             "ip link delete pvbv%sh\nip netns delete pvb-%s-h\nip link delete pvbv%s\n"
             "ip link delete pvbt%s0\nip link delete pvbb%s\nip netns delete pvb-%s\n",
             id, id, id, id, id, id);
    assert_string_equal(log, line);
    read_registry(reg, sizeof(reg));
    assert_null(strstr(reg, "netns "));
    assert_null(strstr(reg, "link "));
    registry_release_all();
}

static void test_vhost_choice(void **state)
{
    const struct devmodel *vnet = devmodel_find("virtio-net");
    const struct devmodel *rtl = devmodel_find("rtl8139");
    const struct devmodel *vblk = devmodel_find("virtio-blk");

    (void)state;
    assert_non_null(vnet);
    assert_non_null(rtl);
    assert_int_equal(netns_vhost_for(vnet, NETNS_VHOST_AUTO, 1), 1);
    assert_int_equal(netns_vhost_for(vnet, NETNS_VHOST_AUTO, 0), 0);
    assert_int_equal(netns_vhost_for(vnet, NETNS_VHOST_ON, 1), 1);
    assert_int_equal(netns_vhost_for(vnet, NETNS_VHOST_ON, 0), -1);
    assert_int_equal(netns_vhost_for(vnet, NETNS_VHOST_OFF, 1), 0);
    /* Emulated NICs and disks never use vhost. */
    assert_int_equal(netns_vhost_for(rtl, NETNS_VHOST_ON, 1), 0);
    assert_int_equal(netns_vhost_for(rtl, NETNS_VHOST_ON, 0), 0);
    assert_int_equal(netns_vhost_for(vblk, NETNS_VHOST_ON, 1), 0);
    assert_int_equal(netns_vhost_for(NULL, NETNS_VHOST_ON, 1), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_plan),
        cmocka_unit_test(test_plan_multiqueue),
        cmocka_unit_test(test_create_registers_first),
        cmocka_unit_test(test_create_failure_cleans_up),
        cmocka_unit_test(test_plan_host),
        cmocka_unit_test(test_add_host),
        cmocka_unit_test(test_vhost_choice),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
