/* Unit tests of JOB parsing, line framing and protocol-line formatting (agent_job.c). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "agent.h"

static struct agent_job job;
static char err[AGENT_REASON_MAX];
static char out[PVB_LINE_MAX];

/* ---- a minimal strict JSON validator (RFC 8259 grammar, no extensions) ---- */

static const char *json_value(const char *p, int depth);

static const char *json_ws(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') {
        p++;
    }
    return p;
}

static const char *json_string(const char *p)
{
    int i;

    if (*p++ != '"') {
        return NULL;
    }
    while (*p != '"') {
        if ((unsigned char)*p < 0x20) {
            return NULL;
        }
        if (*p == '\\') {
            p++;
            if (*p == 'u') {
                for (i = 1; i <= 4; i++) {
                    if (!strchr("0123456789abcdefABCDEF", p[i]) || !p[i]) {
                        return NULL;
                    }
                }
                p += 4;
            } else if (!*p || !strchr("\"\\/bfnrt", *p)) {
                return NULL;
            }
        }
        p++;
    }
    return p + 1;
}

static const char *json_number(const char *p)
{
    const char *start;

    if (*p == '-') {
        p++;
    }
    if (*p == '0') {
        p++;
    } else if (*p >= '1' && *p <= '9') {
        while (*p >= '0' && *p <= '9') {
            p++;
        }
    } else {
        return NULL;
    }
    if (*p == '.') {
        start = ++p;
        while (*p >= '0' && *p <= '9') {
            p++;
        }
        if (p == start) {
            return NULL;
        }
    }
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-') {
            p++;
        }
        start = p;
        while (*p >= '0' && *p <= '9') {
            p++;
        }
        if (p == start) {
            return NULL;
        }
    }
    return p;
}

static const char *json_value(const char *p, int depth)
{
    if (depth > 16) {
        return NULL;
    }
    p = json_ws(p);
    if (*p == '{' || *p == '[') {
        char close = *p == '{' ? '}' : ']';

        p = json_ws(p + 1);
        if (*p == close) {
            return p + 1;
        }
        for (;;) {
            if (close == '}') {
                p = json_string(json_ws(p));
                if (!p) {
                    return NULL;
                }
                p = json_ws(p);
                if (*p++ != ':') {
                    return NULL;
                }
            }
            p = json_value(p, depth + 1);
            if (!p) {
                return NULL;
            }
            p = json_ws(p);
            if (*p == close) {
                return p + 1;
            }
            if (*p++ != ',') {
                return NULL;
            }
        }
    }
    if (*p == '"') {
        return json_string(p);
    }
    if (strncmp(p, "true", 4) == 0 || strncmp(p, "null", 4) == 0) {
        return p + 4;
    }
    if (strncmp(p, "false", 5) == 0) {
        return p + 5;
    }
    return json_number(p);
}

/* A protocol line "PVB1 <type> {json}\n": check the frame and that the JSON is valid. */
static void check_json_line(const char *line, const char *type)
{
    char prefix[32];
    const char *end;
    size_t len = strlen(line);

    snprintf(prefix, sizeof(prefix), "PVB1 %s {", type);
    assert_true(strncmp(line, prefix, strlen(prefix)) == 0);
    assert_true(len <= PVB_LINE_MAX);
    assert_true(line[len - 1] == '\n');
    assert_int_equal(strchr(line, '\n') - line + 1, len); /* one line, no inner newline */
    end = json_value(line + strlen(prefix) - 1, 0);
    if (!end || *end != '\n' || end[1]) {
        fail_msg("invalid JSON in: %s", line);
    }
    assert_null(strstr(line, "nan"));
    assert_null(strstr(line, "inf"));
}

/* ---- JOB parsing ---- */

static void test_parse_good(void **state)
{
    assert_int_equal(agent_job_parse("id=7 workload=randread kind=blk rw=randread bs=4096 "
                                     "qd=32 runtime_ms=2000 warmup_ms=500 irq=virtio0-req "
                                     "fault=none",
                                     &job, err, sizeof(err)),
                     0);
    assert_int_equal(job.id, 7);
    assert_string_equal(job.workload, "randread");
    assert_int_equal(job.kind, AGENT_KIND_BLK);
    assert_int_equal(job.rw, AGENT_RW_RANDREAD);
    assert_int_equal(job.bs, 4096);
    assert_int_equal(job.qd, 32);
    assert_int_equal(job.runtime_ms, 2000);
    assert_int_equal(job.warmup_ms, 500);
    assert_string_equal(job.irq, "virtio0-req");
    assert_int_equal(job.fault, AGENT_FAULT_NONE);
    assert_true(agent_job_rw_is_random(job.rw));
    assert_false(agent_job_rw_is_write(job.rw));
}

static void test_parse_mix_and_region(void **state)
{
    assert_int_equal(agent_job_parse("id=1 kind=blk rw=randrw bs=4096 qd=4 runtime_ms=100 "
                                     "rwmixread=70 offset_mib=16 size_mib=64",
                                     &job, err, sizeof(err)),
                     0);
    assert_int_equal(job.rw, AGENT_RW_RANDRW);
    assert_true(agent_job_rw_is_random(job.rw));
    assert_true(agent_job_rw_is_mixed(job.rw));
    assert_false(agent_job_rw_is_write(job.rw));
    assert_int_equal(job.rwmixread, 70);
    assert_int_equal(job.offset_mib, 16);
    assert_int_equal(job.size_mib, 64);
    /* rwmixread defaults to 50, as fio's */
    assert_int_equal(agent_job_parse("id=1 kind=blk rw=randrw bs=4096 qd=4 runtime_ms=100", &job,
                                     err, sizeof(err)),
                     0);
    assert_int_equal(job.rwmixread, 50);
    assert_int_equal(job.offset_mib, 0);
    assert_int_equal(job.size_mib, 0);
    assert_int_equal(agent_job_parse("id=1 kind=blk rw=randread bs=4096 qd=4 runtime_ms=100 "
                                     "rwmixread=70",
                                     &job, err, sizeof(err)),
                     -1);
    assert_string_equal(err, "rwmixread is for rw=randrw");
    assert_int_equal(agent_job_parse("id=1 kind=blk rw=randrw bs=4096 qd=4 runtime_ms=100 "
                                     "rwmixread=101",
                                     &job, err, sizeof(err)),
                     -1);
    assert_string_equal(err, "rwmixread=101 out of range [0, 100]");
    assert_int_equal(agent_job_parse("id=1 kind=net rw=tcp_tx bs=4096 runtime_ms=100 "
                                     "peer=1.2.3.4 port=9 size_mib=4",
                                     &job, err, sizeof(err)),
                     -1);
    assert_string_equal(err, "offset_mib and size_mib are for kind=blk");
    /* numjobs: blk only, 1 when not given */
    assert_int_equal(agent_job_parse("id=1 kind=blk rw=randread bs=4096 qd=4 runtime_ms=100 "
                                     "numjobs=4",
                                     &job, err, sizeof(err)),
                     0);
    assert_int_equal(job.numjobs, 4);
    assert_int_equal(agent_job_parse("id=1 kind=blk rw=randread bs=4096 qd=4 runtime_ms=100",
                                     &job, err, sizeof(err)),
                     0);
    assert_int_equal(job.numjobs, 1);
    assert_int_equal(agent_job_parse("id=1 kind=blk rw=randread bs=4096 qd=4 runtime_ms=100 "
                                     "numjobs=65",
                                     &job, err, sizeof(err)),
                     -1);
    assert_string_equal(err, "numjobs=65 out of range [1, 64]");
    assert_int_equal(agent_job_parse("id=1 kind=net rw=tcp_tx bs=4096 runtime_ms=100 "
                                     "peer=1.2.3.4 port=9 numjobs=2",
                                     &job, err, sizeof(err)),
                     -1);
    assert_string_equal(err, "numjobs is for kind=blk");
}

static void test_parse_defaults_and_order(void **state)
{
    /* Any order, extra blanks; warmup_ms, workload, irq and fault are optional. */
    assert_int_equal(agent_job_parse("  rw=write   qd=1 kind=blk bs=1048576 runtime_ms=1 id=0 ",
                                     &job, err, sizeof(err)),
                     0);
    assert_int_equal(job.rw, AGENT_RW_WRITE);
    assert_int_equal(job.warmup_ms, 0);
    assert_string_equal(job.workload, "");
    assert_string_equal(job.irq, "");
    assert_int_equal(job.fault, AGENT_FAULT_NONE);
    assert_true(agent_job_rw_is_write(job.rw));
    assert_string_equal(agent_job_rw_name(job.rw), "write");

    /* A net job needs no qd; it needs the peer (tests of the net keys: test_net.c). */
    assert_int_equal(agent_job_parse("id=3 kind=net rw=tcp_rr bs=1 runtime_ms=10 "
                                     "peer=198.51.100.1 port=7100",
                                     &job, err, sizeof(err)),
                     0);
    assert_int_equal(job.kind, AGENT_KIND_NET);
    assert_int_equal(job.engine, AGENT_ENGINE_AGENT);
    assert_int_equal(agent_job_parse("id=3 kind=net rw=tcp_tx bs=131072 runtime_ms=1000 "
                                     "peer=198.51.100.1 port=5201 engine=iperf3",
                                     &job, err, sizeof(err)),
                     0);
    assert_int_equal(job.engine, AGENT_ENGINE_IPERF3);

    assert_int_equal(agent_job_parse("id=4 kind=blk fault=flood rw=read bs=512 qd=1 "
                                     "runtime_ms=10",
                                     &job, err, sizeof(err)),
                     0);
    assert_int_equal(job.fault, AGENT_FAULT_FLOOD);
}

/* Expect a parse error whose reason contains want; the id (if parsed first) is kept. */
static void expect_error(const char *args, const char *want, unsigned id)
{
    err[0] = '\0';
    assert_int_equal(agent_job_parse(args, &job, err, sizeof(err)), -1);
    if (!strstr(err, want)) {
        fail_msg("'%s': error '%s' does not contain '%s'", args, err, want);
    }
    assert_int_equal(job.id, id);
}

#define BLK " kind=blk rw=read bs=4096 qd=1 runtime_ms=100"

static void test_parse_unknown_key(void **state)
{
    expect_error("id=5" BLK " colour=blue", "unknown key 'colour'", 5);
    expect_error("id=5 ID=6" BLK, "unknown key 'ID'", 5);
}

static void test_parse_bad_number(void **state)
{
    expect_error("id=9 kind=blk rw=read bs=4k qd=1 runtime_ms=100", "bad number for bs", 9);
    expect_error("id=9 kind=blk rw=read bs=4096 qd=-1 runtime_ms=100", "bad number for qd", 9);
    expect_error("id=9 kind=blk rw=read bs=4096 qd=+1 runtime_ms=100", "bad number for qd", 9);
    expect_error("id=9 kind=blk rw=read bs=4096 qd=1 runtime_ms=1.5", "bad number", 9);
    expect_error("id=99999999999" BLK, "bad number for id", 0);
    expect_error("id=4294967296" BLK, "out of range", 0);
    expect_error("id=9 kind=blk rw=read bs=4096 qd=0 runtime_ms=100", "qd=0 out of range", 9);
    expect_error("id=9 kind=blk rw=read bs=4096 qd=1025 runtime_ms=100", "out of range", 9);
    expect_error("id=9 kind=blk rw=read bs=256 qd=1 runtime_ms=100", "bs=256 out of range", 9);
    expect_error("id=9 kind=blk rw=read bs=1000 qd=1 runtime_ms=100", "multiple of 512", 9);
    expect_error("id=9 kind=blk rw=read bs=4096 qd=1 runtime_ms=0", "out of range", 9);
}

static void test_parse_bad_tokens(void **state)
{
    expect_error("id=1" BLK " bs=512", "bs given twice", 1);
    expect_error("id=1" BLK " warmup_ms=", "empty value for warmup_ms", 1);
    expect_error("id=1" BLK " =5", "malformed token", 1);
    expect_error("id=1" BLK " verbose", "malformed token 'verbose'", 1);
    expect_error("id=1 kind=disk", "bad value for kind", 1);
    expect_error("id=1 kind=blk rw=readwrite bs=4096 qd=1 runtime_ms=1", "bad value for rw", 1);
    expect_error("id=1" BLK " fault=segv", "bad value for fault", 1);
    expect_error("id=1" BLK " irq=virtio*", "bad character in irq", 1);
    expect_error("id=1" BLK " workload=\"x\"", "bad character in workload", 1);
    expect_error("id=1" BLK " workload=abcdefghijabcdefghijabcdefghij12", "longer than 31", 1);
    expect_error("id=1 kind=blk bs=4096 qd=1 runtime_ms=100", "missing key rw", 1);
    expect_error("id=1 kind=blk rw=read qd=1 runtime_ms=100", "missing key bs", 1);
    expect_error("id=1 kind=blk rw=read bs=512 qd=1", "missing key runtime_ms", 1);
    expect_error("kind=net", "missing key id", 0);
    expect_error("id=2", "missing key kind", 2);
}

/* fiojob=: a job file's text in hex, decoded; refused without engine=fio or when not hex. */
static void test_parse_fiojob(void **state)
{
    assert_int_equal(agent_job_parse("id=2" BLK " engine=fio fiojob=5b615d0a72773d726561640a",
                                     &job, err, sizeof(err)),
                     0);
    assert_string_equal(job.fiojob, "[a]\nrw=read\n");
    assert_int_equal(agent_job_parse("id=2" BLK, &job, err, sizeof(err)), 0);
    assert_string_equal(job.fiojob, "");
    expect_error("id=2" BLK " fiojob=5b615d0a", "fiojob= is a fio job file: it needs engine=fio",
                 2);
    expect_error("id=2" BLK " engine=fio fiojob=5b6", "fiojob: not hex text of at most 3071 bytes",
                 2);
    expect_error("id=2" BLK " engine=fio fiojob=zz", "fiojob: not hex text", 2);
}

static void test_classify(void **state)
{
    const char *args;

    assert_int_equal(agent_job_classify("PVB1 JOB id=1 kind=net", &args, err, sizeof(err)),
                     AGENT_MSG_JOB);
    assert_string_equal(args, "id=1 kind=net");
    assert_int_equal(agent_job_classify("PVB1 JOB", &args, err, sizeof(err)), AGENT_MSG_JOB);
    assert_string_equal(args, "");
    assert_int_equal(agent_job_classify("PVB1 QUIT", &args, err, sizeof(err)), AGENT_MSG_QUIT);
    assert_int_equal(agent_job_classify("PVB1 QUIT  ", &args, err, sizeof(err)), AGENT_MSG_QUIT);
    assert_int_equal(agent_job_classify("", &args, err, sizeof(err)), AGENT_MSG_EMPTY);
    assert_int_equal(agent_job_classify("   ", &args, err, sizeof(err)), AGENT_MSG_EMPTY);
    assert_int_equal(agent_job_classify("PVB1 HELLO x", &args, err, sizeof(err)), AGENT_MSG_BAD);
    assert_string_equal(err, "unknown message type 'HELLO'");
    assert_int_equal(agent_job_classify("PVB1", &args, err, sizeof(err)), AGENT_MSG_BAD);
    assert_string_equal(err, "missing message type");
    assert_int_equal(agent_job_classify("PVB2 JOB id=1", &args, err, sizeof(err)), AGENT_MSG_BAD);
    assert_string_equal(err, "not a PVB1 line");
    assert_int_equal(agent_job_classify("PVB1JOB", &args, err, sizeof(err)), AGENT_MSG_BAD);
    assert_int_equal(agent_job_classify("\x01\x02 junk", &args, err, sizeof(err)), AGENT_MSG_BAD);
}

/* ---- line framing ---- */

/* Feed a string; return the last non-NONE event and how many there were. */
static enum agent_line_event feed(struct agent_line *lr, const char *s, size_t n, int *events)
{
    enum agent_line_event ev, last = AGENT_LINE_NONE;
    size_t i;

    *events = 0;
    for (i = 0; i < n; i++) {
        ev = agent_line_feed(lr, s[i]);
        if (ev != AGENT_LINE_NONE) {
            last = ev;
            (*events)++;
        }
    }
    return last;
}

static void test_line_framing(void **state)
{
    static struct agent_line lr;
    static char longline[3 * PVB_LINE_MAX];
    int events;

    agent_line_init(&lr);
    assert_int_equal(feed(&lr, "PVB1 QUIT\n", 10, &events), AGENT_LINE_READY);
    assert_int_equal(events, 1);
    assert_string_equal(lr.buf, "PVB1 QUIT");
    /* CRLF and a line split over several reads */
    assert_int_equal(feed(&lr, "PVB1 JO", 7, &events), AGENT_LINE_NONE);
    assert_int_equal(feed(&lr, "B id=1\r\n", 8, &events), AGENT_LINE_READY);
    assert_string_equal(lr.buf, "PVB1 JOB id=1");
    assert_int_equal(feed(&lr, "\n", 1, &events), AGENT_LINE_READY);
    assert_string_equal(lr.buf, "");

    /* Longest allowed: PVB_LINE_MAX bytes with the newline. */
    memset(longline, 'x', sizeof(longline));
    longline[PVB_LINE_MAX - 1] = '\n';
    assert_int_equal(feed(&lr, longline, PVB_LINE_MAX, &events), AGENT_LINE_READY);
    assert_int_equal(strlen(lr.buf), PVB_LINE_MAX - 1);

    /* One byte more: discarded, reported once, and the next line is intact. */
    longline[PVB_LINE_MAX - 1] = 'x';
    longline[PVB_LINE_MAX] = '\n';
    assert_int_equal(feed(&lr, longline, PVB_LINE_MAX + 1, &events), AGENT_LINE_TOOLONG);
    assert_int_equal(events, 1);
    memset(longline, 'y', sizeof(longline));
    longline[sizeof(longline) - 1] = '\n';
    assert_int_equal(feed(&lr, longline, sizeof(longline), &events), AGENT_LINE_TOOLONG);
    assert_int_equal(events, 1);
    assert_int_equal(feed(&lr, "PVB1 QUIT\n", 10, &events), AGENT_LINE_READY);
    assert_int_equal(events, 1);
    assert_string_equal(lr.buf, "PVB1 QUIT");
}

/* ---- formatting ---- */

static void fill_result(struct agent_result *r)
{
    memset(r, 0, sizeof(*r));
    r->job = 7;
    snprintf(r->workload, sizeof(r->workload), "randread");
    snprintf(r->device, sizeof(r->device), "/dev/vda");
    snprintf(r->driver, sizeof(r->driver), "virtio_blk");
    r->runtime_s = 2.0001234;
    r->ops = 123456;
    r->ops_total = 150000;
    r->bytes = 123456ULL * 4096;
    r->lat_us = (struct agent_lat_us){.mean = 258.75,
                                      .min = 41.5,
                                      .p50 = 230,
                                      .p90 = 400.25,
                                      .p99 = 1200,
                                      .p999 = 5100.5,
                                      .max = 20000};
    r->cpu_pct = (struct procstat_pct){.user = 10,
                                       .nice = 0,
                                       .system = 45,
                                       .idle = 30,
                                       .iowait = 0,
                                       .irq = 5,
                                       .softirq = 10,
                                       .steal = 0};
    r->irqs = 99000;
}

static void test_format_result(void **state)
{
    struct agent_result r;
    int n;

    fill_result(&r);
    n = agent_job_format_result(out, sizeof(out), &r);
    assert_int_equal(n, (int)strlen(out));
    assert_string_equal(
        out, "PVB1 RESULT {\"job\":7,\"workload\":\"randread\",\"engine\":\"agent\","
             "\"device\":\"/dev/vda\",\"driver\":\"virtio_blk\",\"runtime_s\":2.00012,"
             "\"ops\":123456,\"ops_total\":150000,\"bytes\":505675776,"
             "\"lat_us\":{\"mean\":258.75,\"min\":41.5,\"p50\":230,\"p90\":400.25,"
             "\"p99\":1200,\"p999\":5100.5,\"max\":20000},"
             "\"cpu_pct\":{\"user\":10,\"nice\":0,\"system\":45,\"irq\":5,\"softirq\":10,"
             "\"iowait\":0,\"idle\":30,\"steal\":0},\"irqs\":99000}\n");
    check_json_line(out, "RESULT");

    /* Too small a buffer: -1, never a truncated line. */
    assert_int_equal(agent_job_format_result(out, 40, &r), -1);
    assert_string_equal(out, "");
}

static void test_format_non_finite(void **state)
{
    struct agent_result r;

    fill_result(&r);
    r.lat_us.mean = NAN;
    r.lat_us.p99 = INFINITY;
    r.lat_us.min = -0.0;
    r.runtime_s = -INFINITY;
    r.lat_us.max = 1e-7;
    r.lat_us.p999 = 1.5e300;
    assert_true(agent_job_format_result(out, sizeof(out), &r) > 0);
    check_json_line(out, "RESULT");
    assert_non_null(strstr(out, "\"mean\":0,"));
    assert_non_null(strstr(out, "\"min\":0,"));
    assert_non_null(strstr(out, "\"p99\":0,"));
    assert_non_null(strstr(out, "\"runtime_s\":0,"));
    assert_non_null(strstr(out, "\"max\":1e-07}"));
}

static void test_format_escaping(void **state)
{
    struct agent_result r;
    char reason[600];

    assert_true(agent_job_format_error(out, sizeof(out), 3,
                                       "open \"/dev/vda\": C:\\ no\tsuch\x01 \xc3\xa9") > 0);
    assert_string_equal(out, "PVB1 ERROR {\"job\":3,\"reason\":\"open \\\"/dev/vda\\\": C:\\\\ "
                             "no\\u0009such\\u0001 ??\"}\n");
    check_json_line(out, "ERROR");

    /* Reasons are cut to what the host accepts (255 bytes). */
    memset(reason, 'r', sizeof(reason));
    reason[sizeof(reason) - 1] = '\0';
    assert_true(agent_job_format_error(out, sizeof(out), 0, reason) > 0);
    check_json_line(out, "ERROR");
    assert_int_equal(strlen(out), strlen("PVB1 ERROR {\"job\":0,\"reason\":\"\"}\n") + 255);

    fill_result(&r);
    snprintf(r.workload, sizeof(r.workload), "a\"b\\c\nd");
    assert_true(agent_job_format_result(out, sizeof(out), &r) > 0);
    check_json_line(out, "RESULT");
    assert_non_null(strstr(out, "\"workload\":\"a\\\"b\\\\c\\nd\""));
}

static void test_format_ready_and_log(void **state)
{
    struct agent_ready r;

    memset(&r, 0, sizeof(r));
    snprintf(r.kernel, sizeof(r.kernel), "6.1.0-27-amd64");
    r.uptime_s = 1.25;
    r.modules_loaded = 6;
    r.modules_failed = 1;
    snprintf(r.blk, sizeof(r.blk), "sda");
    snprintf(r.blk_driver, sizeof(r.blk_driver), "ata_piix");
    assert_true(agent_job_format_ready(out, sizeof(out), &r) > 0);
    assert_string_equal(out, "PVB1 READY {\"agent\":\"" AGENT_VERSION "\",\"kernel\":"
                             "\"6.1.0-27-amd64\",\"uptime_s\":1.25,\"modules_loaded\":6,"
                             "\"modules_failed\":1,\"blk\":\"sda\",\"blk_driver\":\"ata_piix\","
                             "\"net\":\"\",\"net_driver\":\"\",\"net_queues\":0}\n");
    check_json_line(out, "READY");
    assert_true(strlen(AGENT_VERSION) < AGENT_NAME_MAX);

    assert_true(agent_job_format_log(out, sizeof(out), "two\nlines\x01 here") > 0);
    assert_string_equal(out, "PVB1 LOG two lines  here\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_good),
        cmocka_unit_test(test_parse_defaults_and_order),
        cmocka_unit_test(test_parse_unknown_key),
        cmocka_unit_test(test_parse_bad_number),
        cmocka_unit_test(test_parse_bad_tokens),
        cmocka_unit_test(test_parse_fiojob),
        cmocka_unit_test(test_classify),
        cmocka_unit_test(test_line_framing),
        cmocka_unit_test(test_format_result),
        cmocka_unit_test(test_parse_mix_and_region),
        cmocka_unit_test(test_format_non_finite),
        cmocka_unit_test(test_format_escaping),
        cmocka_unit_test(test_format_ready_and_log),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
