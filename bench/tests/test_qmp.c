/*
 * The QMP client against a fake QEMU: a thread on the other end of a socketpair plays
 * a script of expected requests and canned answers (events, stale replies, errors,
 * garbage, silence, split writes).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka needs the four headers above first */
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "qmp.h"
#include "util.h"

#define GREETING                                                                                   \
    "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 22, \"minor\": 2, \"major\": 7}, "             \
    "\"package\": \"Debian\"}, \"capabilities\": [\"oob\"]}}\r\n"
#define CAPS_OK "{\"return\": {}, \"id\": 1}\r\n"

/*
 * A script step: "<text" reads one request line and checks it holds text; ">text" writes
 * text as is; "~text" writes it one byte at a time; "." closes the socket; "z" waits until
 * the client hangs up (a server that never answers).
 */
struct fake {
    int fd;
    const char *const *steps;
    char failure[256];
    int listen_fd; /* when set: accept first, then play on the accepted socket */
};

static int fake_read_line(int fd, char *line, size_t len)
{
    size_t n = 0;

    while (n + 1 < len) {
        char c;
        ssize_t r = read(fd, &c, 1);
        if (r <= 0) {
            return -1;
        }
        if (c == '\n') {
            break;
        }
        line[n++] = c;
    }
    line[n] = '\0';
    return 0;
}

static void *fake_main(void *arg)
{
    struct fake *f = arg;
    char line[4096];

    if (f->listen_fd >= 0) {
        f->fd = accept(f->listen_fd, NULL, NULL);
        if (f->fd < 0) {
            snprintf(f->failure, sizeof(f->failure), "accept: %s", strerror(errno));
            return NULL;
        }
    }
    for (const char *const *s = f->steps; *s; s++) {
        const char *step = *s;
        if (step[0] == '<') {
            if (fake_read_line(f->fd, line, sizeof(line)) < 0) {
                snprintf(f->failure, sizeof(f->failure), "no request for '%s'", step + 1);
                break;
            }
            if (!strstr(line, step + 1)) {
                snprintf(f->failure, sizeof(f->failure), "request '%s' lacks '%s'", line, step + 1);
                break;
            }
        } else if (step[0] == '>') {
            if (send(f->fd, step + 1, strlen(step + 1), MSG_NOSIGNAL) < 0) {
                break;
            }
        } else if (step[0] == '~') {
            for (const char *p = step + 1; *p; p++) {
                if (send(f->fd, p, 1, MSG_NOSIGNAL) < 0) {
                    break;
                }
                usleep(200);
            }
        } else if (step[0] == '.') {
            close(f->fd);
            f->fd = -1;
            return NULL;
        } else if (step[0] == 'z') {
            while (fake_read_line(f->fd, line, sizeof(line)) == 0) {
            }
        }
    }
    return NULL;
}

/* Start the fake on one end of a socketpair; *client gets the other end. */
static void fake_start(struct fake *f, pthread_t *t, const char *const *steps, int *client)
{
    int sv[2];

    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    memset(f, 0, sizeof(*f));
    f->fd = sv[1];
    f->listen_fd = -1;
    f->steps = steps;
    *client = sv[0];
    assert_int_equal(pthread_create(t, NULL, fake_main, f), 0);
}

static void fake_finish(struct fake *f, pthread_t t, struct qmp *q)
{
    qmp_close(q); /* unblocks a fake waiting for more requests */
    pthread_join(t, NULL);
    if (f->fd >= 0) {
        close(f->fd);
    }
    if (f->failure[0]) {
        fail_msg("fake QEMU: %s", f->failure);
    }
}

static void test_handshake_and_command(void **state)
{
    static const char *const steps[] = {
        ">" GREETING,
        "<\"execute\":\"qmp_capabilities\"",
        ">" CAPS_OK,
        "<\"execute\":\"trace-event-set-state\"",
        /* an event, a stale reply to an older command, a blank line, then ours */
        ">{\"timestamp\": {\"seconds\": 1, \"microseconds\": 2}, \"event\": \"RESUME\"}\r\n",
        ">{\"return\": {}, \"id\": 99}\r\n\r\n",
        ">{\"return\": {\"ok\": 1}, \"id\": 2}\r\n",
        NULL,
    };
    struct fake f;
    struct qmp q;
    pthread_t t;
    json_object *args, *ret = NULL, *v;
    char err[256] = "";
    int fd;

    (void)state;
    fake_start(&f, &t, steps, &fd);
    assert_int_equal(qmp_attach_fd(&q, fd, util_now() + 5, err, sizeof(err)), QMP_OK);
    assert_string_equal(q.version, "7.2.22");
    args = json_object_new_object();
    json_object_object_add(args, "name", json_object_new_string("memory_region_ops_read"));
    json_object_object_add(args, "enable", json_object_new_boolean(1));
    assert_int_equal(
        qmp_execute(&q, "trace-event-set-state", args, &ret, util_now() + 5, err, sizeof(err)),
        QMP_OK);
    assert_non_null(ret);
    assert_true(json_object_object_get_ex(ret, "ok", &v));
    assert_int_equal(json_object_get_int(v), 1);
    assert_int_equal(q.events_skipped, 1);
    json_object_put(ret);
    json_object_put(args);
    fake_finish(&f, t, &q);
}

static void test_command_error_keeps_session(void **state)
{
    static const char *const steps[] = {
        ">" GREETING,
        "<qmp_capabilities",
        ">" CAPS_OK,
        "<query-stats",
        ">{\"id\": 2, \"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command "
        "query-stats has not been found\"}}\r\n",
        "<query-status",
        ">{\"return\": {\"status\": \"running\", \"running\": true}, \"id\": 3}\r\n",
        NULL,
    };
    struct fake f;
    struct qmp q;
    pthread_t t;
    json_object *ret = NULL;
    char err[256] = "";
    int fd;

    (void)state;
    fake_start(&f, &t, steps, &fd);
    assert_int_equal(qmp_attach_fd(&q, fd, util_now() + 5, err, sizeof(err)), QMP_OK);
    assert_int_equal(qmp_execute(&q, "query-stats", NULL, &ret, util_now() + 5, err, sizeof(err)),
                     QMP_ERR_CMD);
    assert_null(ret);
    assert_non_null(strstr(err, "CommandNotFound"));
    assert_int_equal(qmp_execute(&q, "query-status", NULL, &ret, util_now() + 5, err, sizeof(err)),
                     QMP_OK);
    assert_true(json_object_is_type(ret, json_type_object));
    json_object_put(ret);
    fake_finish(&f, t, &q);
}

static void test_split_writes(void **state)
{
    static const char *const steps[] = {
        "~" GREETING,
        "<qmp_capabilities",
        "~" CAPS_OK,
        NULL,
    };
    struct fake f;
    struct qmp q;
    pthread_t t;
    char err[256] = "";
    int fd;

    (void)state;
    fake_start(&f, &t, steps, &fd);
    assert_int_equal(qmp_attach_fd(&q, fd, util_now() + 5, err, sizeof(err)), QMP_OK);
    fake_finish(&f, t, &q);
}

static void test_silence_times_out(void **state)
{
    static const char *const steps[] = {">" GREETING, "<qmp_capabilities", ">" CAPS_OK, "z", NULL};
    struct fake f;
    struct qmp q;
    pthread_t t;
    char err[256] = "";
    double t0;
    int fd;

    (void)state;
    fake_start(&f, &t, steps, &fd);
    assert_int_equal(qmp_attach_fd(&q, fd, util_now() + 5, err, sizeof(err)), QMP_OK);
    t0 = util_now();
    assert_int_equal(qmp_execute(&q, "query-status", NULL, NULL, t0 + 0.3, err, sizeof(err)),
                     QMP_ERR_TIMEOUT);
    assert_true(util_now() - t0 < 2.0);
    /* The session is over: a late answer could not be told from the next one. */
    assert_int_equal(q.fd, -1);
    assert_int_equal(qmp_execute(&q, "query-status", NULL, NULL, util_now() + 1, err, sizeof(err)),
                     QMP_ERR_IO);
    fake_finish(&f, t, &q);
}

static void test_garbage_and_eof(void **state)
{
    static const char *const garbage[] = {">" GREETING, "<qmp_capabilities",
                                          ">this is not json\r\n", NULL};
    static const char *const trailing[] = {">" GREETING, "<qmp_capabilities",
                                           ">{\"return\": {}, \"id\": 1} junk\r\n", NULL};
    static const char *const no_greeting[] = {">{\"return\": {}}\r\n", NULL};
    static const char *const not_object[] = {">[1, 2, 3]\r\n", NULL};
    static const char *const eof[] = {">" GREETING, "<qmp_capabilities", ".", NULL};
    struct fake f;
    struct qmp q;
    pthread_t t;
    char err[256] = "";
    int fd;

    (void)state;
    fake_start(&f, &t, garbage, &fd);
    assert_int_equal(qmp_attach_fd(&q, fd, util_now() + 5, err, sizeof(err)), QMP_ERR_PROTO);
    fake_finish(&f, t, &q);

    fake_start(&f, &t, trailing, &fd);
    assert_int_equal(qmp_attach_fd(&q, fd, util_now() + 5, err, sizeof(err)), QMP_ERR_PROTO);
    fake_finish(&f, t, &q);

    fake_start(&f, &t, no_greeting, &fd);
    assert_int_equal(qmp_attach_fd(&q, fd, util_now() + 5, err, sizeof(err)), QMP_ERR_PROTO);
    assert_non_null(strstr(err, "greeting"));
    fake_finish(&f, t, &q);

    fake_start(&f, &t, not_object, &fd);
    assert_int_equal(qmp_attach_fd(&q, fd, util_now() + 5, err, sizeof(err)), QMP_ERR_PROTO);
    fake_finish(&f, t, &q);

    fake_start(&f, &t, eof, &fd);
    assert_int_equal(qmp_attach_fd(&q, fd, util_now() + 5, err, sizeof(err)), QMP_ERR_IO);
    assert_non_null(strstr(err, "closed"));
    fake_finish(&f, t, &q);
}

static void test_overlong_message(void **state)
{
    char *big = malloc(QMP_MSG_MAX + 64);
    const char *steps[] = {big, NULL};
    struct fake f;
    struct qmp q;
    pthread_t t;
    char err[256] = "";
    int fd;

    (void)state;
    assert_non_null(big);
    big[0] = '>';
    memset(big + 1, ' ', QMP_MSG_MAX + 16);
    big[QMP_MSG_MAX + 17] = '\0';
    fake_start(&f, &t, steps, &fd);
    assert_int_equal(qmp_attach_fd(&q, fd, util_now() + 5, err, sizeof(err)), QMP_ERR_PROTO);
    assert_non_null(strstr(err, "longer"));
    fake_finish(&f, t, &q);
    free(big);
}

static void test_connect_path(void **state)
{
    static const char *const steps[] = {">" GREETING, "<qmp_capabilities", ">" CAPS_OK, NULL};
    char dir[] = "/tmp/pvb-qmp-XXXXXX", path[128], err[256] = "";
    struct sockaddr_un sa;
    struct fake f;
    struct qmp q;
    pthread_t t;
    double t0;
    int lfd;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/qmp.sock", dir);
    /* Nobody there: gives up at the deadline. */
    t0 = util_now();
    assert_int_equal(qmp_connect(&q, path, t0 + 0.2, err, sizeof(err)), QMP_ERR_TIMEOUT);
    assert_true(util_now() - t0 < 2.0);

    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
    lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(lfd >= 0);
    assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(listen(lfd, 1), 0);
    memset(&f, 0, sizeof(f));
    f.fd = -1;
    f.listen_fd = lfd;
    f.steps = steps;
    assert_int_equal(pthread_create(&t, NULL, fake_main, &f), 0);
    assert_int_equal(qmp_connect(&q, path, util_now() + 5, err, sizeof(err)), QMP_OK);
    fake_finish(&f, t, &q);
    close(lfd);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_handshake_and_command),
        cmocka_unit_test(test_command_error_keeps_session),
        cmocka_unit_test(test_split_writes),
        cmocka_unit_test(test_silence_times_out),
        cmocka_unit_test(test_garbage_and_eof),
        cmocka_unit_test(test_overlong_message),
        cmocka_unit_test(test_connect_path),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
