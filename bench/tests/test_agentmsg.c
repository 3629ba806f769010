/* Unit tests of agentmsg.c: JOB formatting, parsing untrusted agent lines, plausibility. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agentmsg.h"

static char fixture_dir[PATH_MAX];

static int setup_dirs(void **state)
{
    const char *file = __FILE__;
    const char *slash = strrchr(file, '/');

    (void)state;
    if (slash) {
        snprintf(fixture_dir, sizeof(fixture_dir), "%.*s/fixtures/agentmsg", (int)(slash - file),
                 file);
    } else {
        snprintf(fixture_dir, sizeof(fixture_dir), "fixtures/agentmsg");
    }
    return 0;
}

/* Read a one-line fixture into buf without its '\n'; returns the length. */
static size_t fixture_line(const char *name, char *buf, size_t cap)
{
    char path[PATH_MAX * 2];
    FILE *f;
    size_t n;

    snprintf(path, sizeof(path), "%s/%s", fixture_dir, name);
    f = fopen(path, "rb");
    assert_non_null(f);
    n = fread(buf, 1, cap - 1, f);
    assert_int_equal(ferror(f), 0);
    fclose(f);
    if (n > 0 && buf[n - 1] == '\n') {
        n--;
    }
    buf[n] = '\0';
    return n;
}

/* Parse a fixture; returns agentmsg_parse's answer. */
static int parse_fixture(const char *name, struct agentmsg *m, char *err, size_t errlen)
{
    static char buf[16384];
    size_t n = fixture_line(name, buf, sizeof(buf));

    return agentmsg_parse(buf, n, m, err, errlen);
}

static int parse_str(const char *s, struct agentmsg *m, char *err, size_t errlen)
{
    return agentmsg_parse(s, strlen(s), m, err, errlen);
}

/* No byte of err may be a control character or non-ASCII: it goes to a terminal. */
static void assert_printable(const char *s)
{
    for (; *s; s++) {
        assert_true((unsigned char)*s >= 0x20 && (unsigned char)*s < 0x7f);
    }
}

static void assert_contains(const char *hay, const char *needle)
{
    if (!strstr(hay, needle)) {
        fail_msg("'%s' does not contain '%s'", hay, needle);
    }
}

static struct agent_job good_job(void)
{
    struct agent_job j;

    memset(&j, 0, sizeof(j));
    j.id = 1;
    j.workload = "randread";
    j.kind = "blk";
    j.rw = "randread";
    j.bs = 4096;
    j.qd = 32;
    j.runtime_ms = 2000;
    j.warmup_ms = 500;
    j.irq = "virtio";
    j.fault = "none";
    return j;
}

/* ---- JOB ----------------------------------------------------------------------------------- */

static void test_format_job(void **state)
{
    struct agent_job j = good_job();
    char buf[256];
    char small[40];
    int n;

    (void)state;
    n = agentmsg_format_job(buf, sizeof(buf), &j);
    assert_string_equal(buf, "PVB1 JOB id=1 workload=randread kind=blk rw=randread bs=4096 qd=32 "
                             "runtime_ms=2000 warmup_ms=500 irq=virtio fault=none\n");
    assert_int_equal(n, (int)strlen(buf));

    j.irq = "ata_piix";
    j.workload = "Tcp-RR.v2";
    assert_true(agentmsg_format_job(buf, sizeof(buf), &j) > 0);
    assert_contains(buf, " irq=ata_piix fault=none\n");

    /* rwmixread for randrw only, a region's keys when not 0 */
    j.rw = "randrw";
    j.rwmixread = 70;
    j.size_mib = 64;
    assert_true(agentmsg_format_job(buf, sizeof(buf), &j) > 0);
    assert_contains(buf, " fault=none rwmixread=70 size_mib=64\n");
    j.rw = "randread";
    j.offset_mib = 8;
    assert_true(agentmsg_format_job(buf, sizeof(buf), &j) > 0);
    assert_contains(buf, " fault=none offset_mib=8 size_mib=64\n");
    /* numjobs only above 1 (older agents lack the key) */
    j.numjobs = 1;
    assert_true(agentmsg_format_job(buf, sizeof(buf), &j) > 0);
    assert_true(strstr(buf, "numjobs") == NULL);
    j.numjobs = 4;
    assert_true(agentmsg_format_job(buf, sizeof(buf), &j) > 0);
    assert_contains(buf, " size_mib=64 numjobs=4\n");
    j.numjobs = 0;
    /* streams likewise */
    j.streams = 1;
    assert_true(agentmsg_format_job(buf, sizeof(buf), &j) > 0);
    assert_true(strstr(buf, "streams") == NULL);
    j.streams = 8;
    assert_true(agentmsg_format_job(buf, sizeof(buf), &j) > 0);
    assert_contains(buf, " size_mib=64 streams=8\n");
    j.streams = 0;

    /* Too small a buffer: -1, and no half line left behind. */
    assert_int_equal(agentmsg_format_job(small, sizeof(small), &j), -1);
    assert_string_equal(small, "");
}

static void test_format_job_rejects(void **state)
{
    struct agent_job j;
    char buf[256];

    (void)state;
    j = good_job();
    j.workload = "rand read";
    assert_int_equal(agentmsg_format_job(buf, sizeof(buf), &j), -1);
    j.workload = "randread;reboot";
    assert_int_equal(agentmsg_format_job(buf, sizeof(buf), &j), -1);
    j.workload = "a=b";
    assert_int_equal(agentmsg_format_job(buf, sizeof(buf), &j), -1);
    j.workload = "";
    assert_int_equal(agentmsg_format_job(buf, sizeof(buf), &j), -1);
    j.workload = NULL;
    assert_int_equal(agentmsg_format_job(buf, sizeof(buf), &j), -1);
    j = good_job();
    j.irq = "virtio\n";
    assert_int_equal(agentmsg_format_job(buf, sizeof(buf), &j), -1);
    j = good_job();
    j.irq = NULL;
    assert_int_equal(agentmsg_format_job(buf, sizeof(buf), &j), -1);
    j = good_job();
    j.fault = "hang now";
    assert_int_equal(agentmsg_format_job(buf, sizeof(buf), &j), -1);
    j = good_job();
    j.rw = "rand\tread";
    assert_int_equal(agentmsg_format_job(buf, sizeof(buf), &j), -1);
    assert_int_equal(agentmsg_format_job(buf, sizeof(buf), NULL), -1);
}

/* ---- good messages ------------------------------------------------------------------------- */

static void test_parse_ready(void **state)
{
    struct agentmsg m;
    char err[256];

    (void)state;
    assert_int_equal(parse_fixture("ready_good.txt", &m, err, sizeof(err)), 0);
    assert_int_equal(m.type, AGENTMSG_READY);
    assert_string_equal(m.u.ready.agent, "0.1.0");
    assert_string_equal(m.u.ready.kernel, "6.1.0-28-amd64");
    assert_float_equal(m.u.ready.uptime_s, 0.84, 1e-12);
    assert_int_equal(m.u.ready.modules_loaded, 5);
    assert_int_equal(m.u.ready.modules_failed, 0);
    assert_string_equal(m.u.ready.blk, "vda");
    assert_string_equal(m.u.ready.blk_driver, "virtio_blk");
    assert_string_equal(m.u.ready.net, "");
    assert_string_equal(m.u.ready.net_driver, "");
    /* an agent before multiqueue NICs says no net_queues: 0 */
    assert_int_equal(m.u.ready.net_queues, 0);
    assert_int_equal(
        parse_str("PVB1 READY {\"agent\":\"0.1.0\",\"kernel\":\"6.1\",\"uptime_s\":1,"
                  "\"modules_loaded\":1,\"modules_failed\":0,\"blk\":\"\",\"blk_driver\":\"\","
                  "\"net\":\"eth0\",\"net_driver\":\"virtio_net\",\"net_queues\":2}\n",
                  &m, err, sizeof(err)),
        0);
    assert_int_equal(m.u.ready.net_queues, 2);
}

static void test_parse_result(void **state)
{
    struct agent_job j = good_job();
    struct agentmsg m;
    char err[256];

    (void)state;
    assert_int_equal(parse_fixture("result_good.txt", &m, err, sizeof(err)), 0);
    assert_int_equal(m.type, AGENTMSG_RESULT);
    assert_int_equal(m.u.result.job, 1);
    assert_string_equal(m.u.result.workload, "randread");
    assert_string_equal(m.u.result.engine, "agent");
    assert_string_equal(m.u.result.device, "vda");
    assert_string_equal(m.u.result.driver, "virtio_blk");
    assert_float_equal(m.u.result.runtime_s, 2.001, 1e-12);
    assert_true(m.u.result.ops == 82468);
    assert_true(m.u.result.ops_total == 103110);
    assert_true(m.u.result.bytes == 337788928);
    assert_float_equal(m.u.result.lat_us.mean, 775.2, 1e-9);
    assert_float_equal(m.u.result.lat_us.p999, 4890.2, 1e-9);
    assert_float_equal(m.u.result.lat_us.max, 9120.7, 1e-9);
    assert_float_equal(m.u.result.cpu_pct.iowait, 60.0, 1e-12);
    assert_float_equal(m.u.result.cpu_pct.steal, 0.0, 1e-12);
    assert_true(m.u.result.irqs == 41233);
    assert_int_equal(m.u.result.streams, 0); /* absent: 0 */
    assert_int_equal(agentmsg_check_result(&m.u.result, &j, err, sizeof(err)), 0);
}

static void test_parse_error_and_log(void **state)
{
    struct agentmsg m;
    char err[256];
    char line[600];

    (void)state;
    assert_int_equal(parse_fixture("error_good.txt", &m, err, sizeof(err)), 0);
    assert_int_equal(m.type, AGENTMSG_ERROR);
    assert_int_equal(m.u.error.job, 3);
    assert_string_equal(m.u.error.reason, "open /dev/vda: No such device");

    assert_int_equal(parse_str("PVB1 LOG loaded virtio_blk", &m, err, sizeof(err)), 0);
    assert_int_equal(m.type, AGENTMSG_LOG);
    assert_string_equal(m.u.log, "loaded virtio_blk");
    assert_int_equal(parse_str("PVB1 LOG", &m, err, sizeof(err)), 0);
    assert_string_equal(m.u.log, "");
    /* Control characters and non-ASCII bytes become '?'. */
    assert_int_equal(parse_str("PVB1 LOG a\033[2Jb\tc\xc2\x9b"
                               "d",
                               &m, err, sizeof(err)),
                     0);
    assert_string_equal(m.u.log, "a?[2Jb?c??d");
    /* A long LOG line is cut to the field. */
    memcpy(line, "PVB1 LOG ", 9);
    memset(line + 9, 'x', 500);
    line[509] = '\0';
    assert_int_equal(parse_str(line, &m, err, sizeof(err)), 0);
    assert_int_equal(strlen(m.u.log), sizeof(m.u.log) - 1);
    /* A trailing "\r\n" from a tty is tolerated. */
    assert_int_equal(parse_str("PVB1 LOG hi\r\n", &m, err, sizeof(err)), 0);
    assert_string_equal(m.u.log, "hi");
    /* Extra keys from a newer agent are ignored. */
    assert_int_equal(
        parse_str("PVB1 ERROR {\"job\":4,\"reason\":\"x\",\"errno\":5}", &m, err, sizeof(err)), 0);
    assert_int_equal(m.u.error.job, 4);
}

static void test_parse_strings_cleaned(void **state)
{
    struct agentmsg m;
    char err[256];

    (void)state;
    /* JSON escapes can smuggle controls into strings: they are replaced too. */
    assert_int_equal(parse_str("PVB1 ERROR {\"job\":1,\"reason\":\"bad\\u001b[2J \\u009b1m "
                               "caf\\u00e9\"}",
                               &m, err, sizeof(err)),
                     0);
    assert_string_equal(m.u.error.reason, "bad?[2J ?1m caf\xc3\xa9");
    assert_int_equal(
        parse_str("PVB1 ERROR {\"job\":1,\"reason\":\"a\\u0000b\"}", &m, err, sizeof(err)), -1);
    assert_contains(err, "NUL");
}

/* ---- bad lines ----------------------------------------------------------------------------- */

static void test_parse_truncated_json(void **state)
{
    struct agentmsg m;
    char err[256];

    (void)state;
    assert_int_equal(parse_fixture("truncated_json.txt", &m, err, sizeof(err)), -1);
    assert_contains(err, "RESULT: truncated JSON");
    assert_int_equal(parse_str("PVB1 RESULT", &m, err, sizeof(err)), -1);
    assert_contains(err, "no JSON");
    assert_int_equal(parse_str("PVB1 RESULT {\"job\":1,}", &m, err, sizeof(err)), -1);
    assert_contains(err, "invalid JSON");
    assert_int_equal(parse_str("PVB1 READY [1,2]", &m, err, sizeof(err)), -1);
    assert_contains(err, "not a JSON object");
}

static void test_parse_trailing_garbage(void **state)
{
    struct agentmsg m;
    char err[256];

    (void)state;
    assert_int_equal(
        parse_str("PVB1 ERROR {\"job\":1,\"reason\":\"x\"} \033[31mjunk", &m, err, sizeof(err)),
        -1);
    assert_printable(err);
    assert_contains(err, "invalid JSON at byte 23");
    assert_contains(err, "'\\x1b[31mjunk'");
    /* Trailing blanks are fine. */
    assert_int_equal(parse_str("PVB1 ERROR {\"job\":1,\"reason\":\"x\"}  ", &m, err, sizeof(err)),
                     0);
}

static void test_parse_wrong_version(void **state)
{
    struct agentmsg m;
    char err[256];

    (void)state;
    assert_int_equal(parse_fixture("wrong_version.txt", &m, err, sizeof(err)), -1);
    assert_contains(err, "unsupported protocol version 'PVB2'");
    assert_int_equal(parse_str("PVB10 READY {}", &m, err, sizeof(err)), -1);
    assert_contains(err, "'PVB10'");
    assert_int_equal(parse_str("PVB1", &m, err, sizeof(err)), -1);
    assert_contains(err, "without a message type");
    assert_int_equal(parse_str("", &m, err, sizeof(err)), -1);
    assert_contains(err, "not a pvbench message");
}

static void test_parse_garbage_escaped(void **state)
{
    struct agentmsg m;
    char err[512];
    const char *q;

    (void)state;
    assert_int_equal(parse_fixture("garbage_tag.txt", &m, err, sizeof(err)), -1);
    assert_printable(err);
    assert_contains(err, "not a pvbench message: 'XYZ \\x1b[2J");
    /* The excerpt is bounded: at most 40 visible characters, then "...". */
    q = strchr(err, '\'');
    assert_non_null(q);
    assert_true(strlen(q) <= 40 + 3 + 2);
    assert_contains(err, "...'");

    assert_int_equal(parse_fixture("unknown_type.txt", &m, err, sizeof(err)), -1);
    assert_contains(err, "unknown message type 'HELLO'");
    assert_int_equal(parse_str("PVB1 \x01\x02zap {}", &m, err, sizeof(err)), -1);
    assert_printable(err);
    assert_contains(err, "unknown message type '\\x01\\x02zap'");
    assert_int_equal(parse_str("PVB1 JOB id=1", &m, err, sizeof(err)), -1);
    assert_contains(err, "host message");
    assert_int_equal(parse_str("XYZ", &m, err, sizeof(err)), -1);
    assert_contains(err, "'XYZ'");
    /* A NUL byte inside the line does not cut the check short. */
    assert_int_equal(agentmsg_parse("PVB1 READY {\"a\0", 15, &m, err, sizeof(err)), -1);
    assert_contains(err, "NUL");
}

static void test_parse_long_line(void **state)
{
    struct agentmsg m;
    char err[256];

    (void)state;
    assert_int_equal(parse_fixture("long_line.txt", &m, err, sizeof(err)), -1);
    assert_contains(err, "line too long (9000 bytes");
}

static void test_parse_bad_numbers(void **state)
{
    struct agentmsg m;
    char err[256];

    (void)state;
    assert_int_equal(parse_fixture("result_nan.txt", &m, err, sizeof(err)), -1);
    assert_contains(err, "RESULT: key 'runtime_s' is not finite");
    assert_int_equal(parse_fixture("result_negative.txt", &m, err, sizeof(err)), -1);
    assert_contains(err, "RESULT: key 'ops' is negative");
    assert_int_equal(parse_fixture("result_huge.txt", &m, err, sizeof(err)), -1);
    assert_contains(err, "RESULT: key 'bytes' is not finite");
    assert_int_equal(parse_fixture("result_huge_int.txt", &m, err, sizeof(err)), -1);
    assert_contains(err, "RESULT: key 'ops_total' is out of range");

    assert_int_equal(parse_str("PVB1 ERROR {\"job\":1.5,\"reason\":\"x\"}", &m, err, sizeof(err)),
                     -1);
    assert_contains(err, "'job' is not an integer");
    assert_int_equal(
        parse_str("PVB1 ERROR {\"job\":4294967296,\"reason\":\"x\"}", &m, err, sizeof(err)), -1);
    assert_contains(err, "'job' is out of range");
    assert_int_equal(parse_str("PVB1 ERROR {\"job\":1e30,\"reason\":\"x\"}", &m, err, sizeof(err)),
                     -1);
    assert_contains(err, "'job' is out of range");
    assert_int_equal(
        parse_str("PVB1 ERROR {\"job\":-1e-300,\"reason\":\"x\"}", &m, err, sizeof(err)), -1);
    assert_contains(err, "'job' is negative");
    /* An integral double is an integer. */
    assert_int_equal(parse_str("PVB1 ERROR {\"job\":7e0,\"reason\":\"x\"}", &m, err, sizeof(err)),
                     0);
    assert_int_equal(m.u.error.job, 7);
    assert_int_equal(
        parse_str("PVB1 ERROR {\"job\":Infinity,\"reason\":\"x\"}", &m, err, sizeof(err)), -1);
    assert_contains(err, "not finite");
}

static void test_parse_bad_keys(void **state)
{
    struct agentmsg m;
    char err[256];
    char line[1024];

    (void)state;
    assert_int_equal(parse_str("PVB1 ERROR {\"reason\":\"x\"}", &m, err, sizeof(err)), -1);
    assert_string_equal(err, "ERROR: missing key 'job'");
    assert_int_equal(parse_str("PVB1 ERROR {\"job\":\"1\",\"reason\":\"x\"}", &m, err, sizeof(err)),
                     -1);
    assert_string_equal(err, "ERROR: key 'job' is not a number");
    assert_int_equal(parse_str("PVB1 ERROR {\"job\":1,\"reason\":7}", &m, err, sizeof(err)), -1);
    assert_string_equal(err, "ERROR: key 'reason' is not a string");
    assert_int_equal(parse_str("PVB1 ERROR {\"job\":null,\"reason\":\"x\"}", &m, err, sizeof(err)),
                     -1);
    assert_string_equal(err, "ERROR: missing key 'job'");

    /* Nested keys are named with their parent. */
    snprintf(line, sizeof(line), "%s",
             "PVB1 RESULT {\"job\":1,\"workload\":\"w\",\"engine\":"
             "\"agent\",\"device\":\"vda\",\"driver\":\"d\","
             "\"runtime_s\":1,\"ops\":1,\"ops_total\":1,\"bytes\":1,"
             "\"lat_us\":{\"mean\":1,\"min\":1,\"p50\":1,\"p90\":1,"
             "\"p99\":1,\"max\":1},\"cpu_pct\":{},\"irqs\":0}");
    assert_int_equal(parse_str(line, &m, err, sizeof(err)), -1);
    assert_string_equal(err, "RESULT: missing key 'lat_us.p999'");
    assert_int_equal(m.type, 0); /* a rejected message leaves nothing behind */

    /* Strings longer than their field are an error, not a silent cut. */
    assert_int_equal(parse_str("PVB1 READY {\"agent\":\"0123456789012345678901234567890123\"}", &m,
                               err, sizeof(err)),
                     -1);
    assert_string_equal(err, "READY: key 'agent' is longer than its field");

    /* Too deep. */
    assert_int_equal(parse_str("PVB1 READY {\"x\":[[[[[[[[[[1]]]]]]]]]]}", &m, err, sizeof(err)),
                     -1);
    assert_contains(err, "invalid JSON");
}

/* ---- plausibility -------------------------------------------------------------------------- */

static struct agent_result good_result(void)
{
    struct agentmsg m;
    char err[256];

    assert_int_equal(parse_fixture("result_good.txt", &m, err, sizeof(err)), 0);
    return m.u.result;
}

static void check_fails(const struct agent_result *r, const struct agent_job *j, const char *needle)
{
    char err[256];

    assert_int_equal(agentmsg_check_result(r, j, err, sizeof(err)), -1);
    assert_contains(err, needle);
}

static void test_check_percentiles(void **state)
{
    struct agent_job j = good_job();
    struct agentmsg m;
    char err[256];

    (void)state;
    assert_int_equal(parse_fixture("result_percentiles.txt", &m, err, sizeof(err)), 0);
    check_fails(&m.u.result, &j, "percentiles out of order: p90 2500 > p99 2210");
}

static void test_check_implausible(void **state)
{
    struct agent_job j = good_job();
    struct agent_result r;
    struct agentmsg m;
    char err[256];

    (void)state;
    assert_int_equal(parse_fixture("result_implausible.txt", &m, err, sizeof(err)), 0);
    check_fails(&m.u.result, &j, "MiB/s above the plausible");

    r = good_result();
    r.ops = 200000000;
    r.ops_total = r.ops;
    check_fails(&r, &j, "operations/s above the plausible");

    r = good_result();
    r.job = 2;
    check_fails(&r, &j, "result is for job 2, expected job 1");

    r = good_result();
    snprintf(r.workload, sizeof(r.workload), "seqread");
    check_fails(&r, &j, "workload 'seqread', expected 'randread'");

    r = good_result();
    r.runtime_s = 0.9;
    check_fails(&r, &j, "runtime 0.900 s outside [1.000, 14.000]");
    r.runtime_s = 14.5;
    check_fails(&r, &j, "runtime");
    r.runtime_s = 1.0; /* both bounds are inclusive */
    assert_int_equal(agentmsg_check_result(&r, &j, err, sizeof(err)), 0);
    r.runtime_s = 14.0;
    assert_int_equal(agentmsg_check_result(&r, &j, err, sizeof(err)), 0);

    /* the submitters that ran must be the job's numjobs (absent: one) */
    r = good_result();
    r.numjobs = 4;
    check_fails(&r, &j, "result of 4 submitters, the job asked numjobs=1");
    j.numjobs = 4;
    assert_int_equal(agentmsg_check_result(&r, &j, err, sizeof(err)), 0);
    r.numjobs = 0;
    check_fails(&r, &j, "result of 1 submitters, the job asked numjobs=4");
    j.numjobs = 0;
    /* and the streams that ran the job's streams */
    r = good_result();
    r.streams = 3;
    check_fails(&r, &j, "result of 3 streams, the job asked streams=1");
    j.streams = 3;
    assert_int_equal(agentmsg_check_result(&r, &j, err, sizeof(err)), 0);
    j.streams = 0;

    r = good_result();
    r.ops_total = r.ops - 1;
    check_fails(&r, &j, "ops 82468 > ops_total 82467");

    r = good_result();
    r.cpu_pct.idle += 10.0;
    check_fails(&r, &j, "CPU shares sum to 110.00%");
    r.cpu_pct.idle -= 14.0; /* 96: within 100 +- 5 */
    assert_int_equal(agentmsg_check_result(&r, &j, err, sizeof(err)), 0);

    r = good_result();
    r.lat_us.mean = r.lat_us.max + 1.0;
    check_fails(&r, &j, "mean");
    r = good_result();
    r.lat_us.min = r.lat_us.p50 + 1.0;
    check_fails(&r, &j, "min");

    j.runtime_ms = 0;
    r = good_result();
    check_fails(&r, &j, "runtime");
    check_fails(NULL, &j, "no result");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_job),           cmocka_unit_test(test_format_job_rejects),
        cmocka_unit_test(test_parse_ready),          cmocka_unit_test(test_parse_result),
        cmocka_unit_test(test_parse_error_and_log),  cmocka_unit_test(test_parse_strings_cleaned),
        cmocka_unit_test(test_parse_truncated_json), cmocka_unit_test(test_parse_trailing_garbage),
        cmocka_unit_test(test_parse_wrong_version),  cmocka_unit_test(test_parse_garbage_escaped),
        cmocka_unit_test(test_parse_long_line),      cmocka_unit_test(test_parse_bad_numbers),
        cmocka_unit_test(test_parse_bad_keys),       cmocka_unit_test(test_check_percentiles),
        cmocka_unit_test(test_check_implausible),
    };

    return cmocka_run_group_tests(tests, setup_dirs, NULL);
}
