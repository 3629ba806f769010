/* A lost guest's diagnostics: the verdict per queue, and snapshots through a fake monitor. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lostguest.h"
#include "qmp.h"

static struct lostguest_vq vq(long inuse, long last_avail, long used, long signalled,
                              long g_avail, long g_used_event, long g_used)
{
    struct lostguest_vq q;

    memset(&q, 0, sizeof(q));
    snprintf(q.device, sizeof(q.device), "virtio-blk");
    q.num = 256;
    q.inuse = inuse;
    q.last_avail = last_avail;
    q.used_idx = used;
    q.signalled = signalled;
    q.signalled_ok = 1;
    q.g_avail_idx = g_avail;
    q.g_used_event = g_used_event;
    q.g_used_idx = g_used;
    q.g_avail_event = last_avail;
    return q;
}

static void expect_verdict(struct lostguest_vq a, struct lostguest_vq b, const char *want)
{
    char out[512];

    lostguest_verdict(&a, &b, out, sizeof(out));
    if (!strstr(out, want)) {
        fail_msg("verdict \"%s\" lacks \"%s\"", out, want);
    }
    assert_non_null(strstr(out, "virtio-blk queue 0: "));
}

static void test_verdicts(void **state)
{
    (void)state;
    /* still completing between the snapshots */
    expect_verdict(vq(1, 10, 9, 9, 10, 9, 9), vq(1, 12, 11, 11, 12, 11, 11), "moving (2 completed");
    /* taken, never completed */
    expect_verdict(vq(2, 12, 10, 10, 12, 10, 10), vq(2, 12, 10, 10, 12, 10, 10),
                   "QEMU holds 2 requests");
    /* in the ring, not taken: a lost kick */
    expect_verdict(vq(0, 10, 10, 10, 11, 10, 10), vq(0, 10, 10, 10, 11, 10, 10),
                   "1 request in the ring that QEMU did not take");
    /* completed, no interrupt */
    expect_verdict(vq(0, 11, 11, 10, 11, 10, 11), vq(0, 11, 11, 10, 11, 10, 11),
                   "completed but not signalled: 1 completion");
    /* signalled, the driver never consumed it */
    expect_verdict(vq(0, 11, 11, 11, 11, 10, 11), vq(0, 11, 11, 11, 11, 10, 11),
                   "signalled, the guest did not take it: 1 completion");
    /* nothing outstanding anywhere */
    expect_verdict(vq(0, 3, 3, 3, 3, 3, 3), vq(0, 3, 3, 3, 3, 3, 3), "no request reached QEMU");
    /* ring indices wrap at 65536 */
    expect_verdict(vq(0, 65535, 65535, 65535, 1, 65535, 65535),
                   vq(0, 65535, 65535, 65535, 1, 65535, 65535),
                   "2 requests in the ring that QEMU did not take");
    /* QEMU stopped the device (virtio_error): that first, whatever the rings say */
    {
        struct lostguest_vq x = vq(0, 54415, 54408, 54408, 54440, 54408, 54408);
        char out[512];

        x.broken = 1;
        lostguest_verdict(&x, &x, out, sizeof(out));
        assert_non_null(strstr(out, "QEMU marked the device broken"));
        assert_non_null(strstr(out, "25 requests left in the ring"));
    }
    /* the guest's memory could not be read */
    expect_verdict(vq(0, 3, 3, 3, -1, -1, -1), vq(0, 3, 3, 3, -1, -1, -1),
                   "could not be read");
}

/* A fake QEMU: one virtio-blk with one queue, its rings in a small guest memory. */
struct fake {
    unsigned calls, xp;
    int fail_virtio;
    int msix; /* 0: "info pci" lists nothing; 1: vector 1 pending and masked; 2: none pending */
};

/* "info pci" as QEMU 7.2 prints it: a host bridge, then a virtio-blk with BAR1 for MSI-X. */
static const char fake_info_pci[] =
    "  Bus  0, device   0, function 0:\r\n"
    "    Host bridge: PCI device 8086:1237\r\n"
    "      PCI subsystem 1af4:1100\r\n"
    "      id \"\"\r\n"
    "  Bus  0, device   4, function 0:\r\n"
    "    SCSI controller: PCI device 1af4:1001\r\n"
    "      PCI subsystem 1af4:0002\r\n"
    "      IRQ 11, pin A\r\n"
    "      BAR0: I/O at 0xc000 [0xc07f].\r\n"
    "      BAR1: 32 bit memory at 0xfebf1000 [0xfebf1fff].\r\n"
    "      BAR4: 64 bit prefetchable memory at 0xfe000000 [0xfe003fff].\r\n"
    "      id \"\"\r\n";

static int fake_monitor(void *arg, const char *cmd, json_object *args, json_object **ret,
                        char *err, size_t errlen)
{
    struct fake *f = arg;
    json_object *v;

    f->calls++;
    *ret = NULL;
    if (strcmp(cmd, "x-query-virtio") == 0) {
        if (f->fail_virtio) {
            snprintf(err, errlen, "QMP: timed out waiting for QEMU");
            return QMP_ERR_TIMEOUT;
        }
        *ret = json_tokener_parse("[{\"path\":\"/machine/dev0/virtio-backend\","
                                  "\"name\":\"virtio-blk\"}]");
        return QMP_OK;
    }
    if (strcmp(cmd, "x-query-virtio-status") == 0) {
        *ret = json_tokener_parse("{\"name\":\"virtio-blk\",\"isr\":1,\"broken\":false}");
        return QMP_OK;
    }
    if (strcmp(cmd, "x-query-virtio-queue-status") == 0) {
        assert_true(json_object_object_get_ex(args, "queue", &v));
        if (json_object_get_int(v) > 0) {
            snprintf(err, errlen, "GenericError: Invalid virtqueue number %d",
                     json_object_get_int(v));
            return QMP_ERR_CMD;
        }
        *ret = json_tokener_parse("{\"name\":\"virtio-blk\",\"inuse\":2,\"last-avail-idx\":7,"
                                  "\"used-idx\":5,\"signalled-used\":5,"
                                  "\"signalled-used-valid\":true,\"vring-num\":4,"
                                  "\"vring-avail\":4096,\"vring-used\":8192}");
        return QMP_OK;
    }
    if (strcmp(cmd, "human-monitor-command") == 0) {
        const char *line;
        unsigned long long addr;
        char text[128];

        assert_true(json_object_object_get_ex(args, "command-line", &v));
        line = json_object_get_string(v);
        if (f->msix && strcmp(line, "info pci") == 0) {
            *ret = json_object_new_string(fake_info_pci);
            return QMP_OK;
        }
        if (f->msix && strcmp(line, "xp /16wx 0xfebf1000") == 0) {
            /* vector 0 (config) unmasked, vector 1 (the queue) masked, then two unused */
            *ret = json_object_new_string(
                "00000000febf1000: 0xfee00000 0x00000000 0x00004021 0x00000000\r\n"
                "00000000febf1010: 0xfee00000 0x00000000 0x00004022 0x00000001\r\n"
                "00000000febf1020: 0x00000000 0x00000000 0x00000000 0x00000001\r\n"
                "00000000febf1030: 0x00000000 0x00000000 0x00000000 0x00000001\r\n");
            return QMP_OK;
        }
        if (f->msix && strcmp(line, "xp /1wx 0xfebf1800") == 0) {
            *ret = json_object_new_string(f->msix == 1 ? "00000000febf1800: 0x00000002\r\n"
                                                       : "00000000febf1800: 0x00000000\r\n");
            return QMP_OK;
        }
        if (sscanf(line, "xp /1hx 0x%llx", &addr) == 1) {
            unsigned val = addr == 4096 + 2   ? 7   /* avail.idx */
                           : addr == 4096 + 12 ? 5  /* used_event, after 4 entries */
                           : addr == 8192 + 2  ? 5  /* used.idx */
                           : addr == 8192 + 36 ? 7  /* avail_event, after 4 used entries */
                                               : 0xdead;
            f->xp++;
            snprintf(text, sizeof(text), "%016llx: 0x%04x\r\n", addr, val);
        } else {
            snprintf(text, sizeof(text), "%s\tline one\r\nline two\r\n", line);
        }
        *ret = json_object_new_string(text);
        return QMP_OK;
    }
    snprintf(err, errlen, "CommandNotFound: %s", cmd);
    return QMP_ERR_CMD;
}

static void test_snapshot(void **state)
{
    struct fake f = {0};
    struct lostguest_snap s;
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);

    (void)state;
    assert_non_null(out);
    assert_int_equal(lostguest_snapshot(out, 1, fake_monitor, &f, &s), 0);
    fclose(out);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.vq[0].device, "virtio-blk");
    assert_int_equal(s.vq[0].inuse, 2);
    assert_int_equal(s.vq[0].last_avail, 7);
    assert_int_equal(s.vq[0].g_avail_idx, 7);
    assert_int_equal(s.vq[0].g_used_event, 5);
    assert_int_equal(s.vq[0].g_used_idx, 5);
    assert_int_equal(s.vq[0].g_avail_event, 7);
    assert_int_equal(f.xp, 4);
    assert_non_null(strstr(buf, "queue 0 in guest memory: avail.idx 7, used_event 5, used.idx 5"));
    assert_non_null(strstr(buf, "info lapic:\npvbench:     info lapic line one\n"));
    free(buf);
}

static void test_report(void **state)
{
    struct fake f = {0};
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);

    (void)state;
    assert_non_null(out);
    lostguest_report(out, -1, "QEMU", fake_monitor, &f, 0.0);
    fclose(out);
    assert_non_null(strstr(buf, "snapshot 1:"));
    assert_non_null(strstr(buf, "snapshot 2:"));
    assert_non_null(strstr(buf, "pvbench: verdict: virtio-blk queue 0: QEMU holds 2 requests"));
    free(buf);
}

static void test_msix(void **state)
{
    struct lostguest_msix m[LOSTGUEST_MAX_MSIX];
    char *buf = NULL;
    size_t len = 0;
    FILE *out;

    (void)state;
    /* The parser: only the virtio function, its BAR1, not the host bridge's subsystem id. */
    assert_int_equal(lostguest_msix_bars(fake_info_pci, m, LOSTGUEST_MAX_MSIX), 1);
    assert_string_equal(m[0].bdf, "00:04.0");
    assert_string_equal(m[0].id, "1af4:1001");
    assert_true(m[0].bar == 0xfebf1000ull);
    assert_int_equal(lostguest_msix_bars("garbage\nBAR1: 32 bit memory at 0x1000", m, 8), 0);

    for (int mode = 1; mode <= 2; mode++) {
        struct fake f = {.msix = mode};

        out = open_memstream(&buf, &len);
        assert_non_null(out);
        lostguest_report(out, -1, "QEMU", fake_monitor, &f, 0.0);
        fclose(out);
        assert_non_null(strstr(buf, "MSI-X 00:04.0 (1af4:1001) vector 1: address 0xfee00000, "
                                    "data 0x4022, masked yes, pending "));
        if (mode == 1) {
            assert_non_null(strstr(buf, "verdict: MSI-X 00:04.0 (1af4:1001) vector 1 is pending, "
                                        "masked"));
        } else {
            assert_non_null(strstr(buf, "verdict: MSI-X: no vector pending"));
            assert_null(strstr(buf, "is pending"));
        }
        free(buf);
        buf = NULL;
    }
}

static void test_report_no_qmp(void **state)
{
    struct fake f = {.fail_virtio = 1};
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);

    (void)state;
    assert_non_null(out);
    lostguest_report(out, -1, "QEMU", fake_monitor, &f, 0.0);
    lostguest_report(out, -1, "QEMU", NULL, NULL, 0.0);
    fclose(out);
    assert_non_null(strstr(buf, "no virtqueue state from QMP: QMP: timed out waiting for QEMU"));
    assert_non_null(strstr(buf, "no monitor for this guest"));
    assert_null(strstr(buf, "verdict"));
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_verdicts),
        cmocka_unit_test(test_snapshot),
        cmocka_unit_test(test_report),
        cmocka_unit_test(test_report_no_qmp),
        cmocka_unit_test(test_msix),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
