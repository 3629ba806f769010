/* The control channel reader against a misbehaving peer (a socketpair stands in for QEMU). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "chan.h"
#include "util.h"

static void chan_pair(struct chan *c, int *peer)
{
    int sv[2];

    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
    memset(c, 0, sizeof(*c));
    c->listen_fd = -1;
    c->fd = sv[0];
    c->junk_limit = 1u << 20;
    *peer = sv[1];
}

static void test_lines(void **state)
{
    struct chan c;
    char line[PVB_LINE_MAX];
    int peer;
    const char *data = "PVB1 LOG a\r\nPVB1 LOG b\npartial";

    (void)state;
    chan_pair(&c, &peer);
    assert_int_equal(write(peer, data, strlen(data)), (ssize_t)strlen(data));
    assert_int_equal(chan_read_line(&c, line, sizeof(line), util_now() + 1, NULL, NULL), CHAN_LINE);
    assert_string_equal(line, "PVB1 LOG a");
    assert_int_equal(chan_read_line(&c, line, sizeof(line), util_now() + 1, NULL, NULL), CHAN_LINE);
    assert_string_equal(line, "PVB1 LOG b");
    /* "partial" has no newline yet: a deadline, not a hang. */
    assert_int_equal(chan_read_line(&c, line, sizeof(line), util_now() + 0.2, NULL, NULL),
                     CHAN_TIMEOUT);
    close(peer);
    assert_int_equal(chan_read_line(&c, line, sizeof(line), util_now() + 1, NULL, NULL), CHAN_EOF);
    chan_close(&c);
}

static void test_overlong_line_skipped(void **state)
{
    struct chan c;
    char line[PVB_LINE_MAX];
    size_t big = PVB_LINE_MAX * 3;
    char *junk = malloc(big + 32);
    int peer;

    (void)state;
    chan_pair(&c, &peer);
    memset(junk, 'x', big);
    memcpy(junk + big, "\nPVB1 LOG ok\n", 13);
    /* Write in pieces: the socket buffer is smaller than the whole. */
    for (size_t off = 0; off < big + 13;) {
        ssize_t n = write(peer, junk + off, big + 13 - off);
        if (n > 0) {
            off += (size_t)n;
        } else {
            assert_int_equal(chan_read_line(&c, line, sizeof(line), util_now() + 0.05, NULL, NULL),
                             CHAN_TIMEOUT);
        }
    }
    assert_int_equal(chan_read_line(&c, line, sizeof(line), util_now() + 1, NULL, NULL), CHAN_LINE);
    assert_string_equal(line, "PVB1 LOG ok");
    assert_true(c.overlong_lines >= 1);
    free(junk);
    close(peer);
    chan_close(&c);
}

static void test_flood_detected(void **state)
{
    struct chan c;
    char line[PVB_LINE_MAX], chunk[65536];
    int peer, rc = CHAN_TIMEOUT;

    (void)state;
    chan_pair(&c, &peer);
    c.junk_limit = 256 * 1024;
    memset(chunk, 'A', sizeof(chunk));
    for (int i = 0; i < 200 && rc != CHAN_FLOOD; i++) {
        if (write(peer, chunk, sizeof(chunk)) < 0) {
            /* buffer full: let the reader drain */
        }
        rc = chan_read_line(&c, line, sizeof(line), util_now() + 0.05, NULL, NULL);
        assert_true(rc == CHAN_TIMEOUT || rc == CHAN_FLOOD);
    }
    assert_int_equal(rc, CHAN_FLOOD);
    close(peer);
    chan_close(&c);
}

static int abort_now(void *arg)
{
    return *(int *)arg;
}

static void test_abort_callback(void **state)
{
    struct chan c;
    char line[64];
    int peer, stop = 1;
    double t0 = util_now();

    (void)state;
    chan_pair(&c, &peer);
    assert_int_equal(chan_read_line(&c, line, sizeof(line), util_now() + 10, abort_now, &stop),
                     CHAN_ABORTED);
    assert_true(util_now() - t0 < 1.0);
    close(peer);
    chan_close(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lines),
        cmocka_unit_test(test_overlong_line_skipped),
        cmocka_unit_test(test_flood_detected),
        cmocka_unit_test(test_abort_callback),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
