/*
 * A user's fio job file (bench/model/fiofile.c): sections, keys, comments, the normalised
 * text, the first job's pattern, and every refusal with its file:line; the hex transport
 * and the job-file text the agent writes (common/fio_job.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka needs the four headers above first */
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fio_job.h"
#include "fiofile.h"

static int parse(const char *text, struct fiofile *f, char *msg, size_t len)
{
    return fiofile_parse("job.fio", text, strlen(text), f, msg, len);
}

static void test_parse_normalises(void **state)
{
    static const char text[] = "; a comment\n"
                               "# another\n"
                               "\n"
                               "[global]\n"
                               "  bs = 4k \n"
                               "norandommap\n"
                               "ioengine=io_uring\n"
                               "[mixed.1]\r\n"
                               "rw=randrw\n"
                               "rwmixread=70\n"
                               "iodepth=16\n"
                               "[seq]\n"
                               "rw=write\n"
                               "bs=1m\n";
    struct fiofile f;
    char msg[256] = "";

    (void)state;
    assert_int_equal(parse(text, &f, msg, sizeof(msg)), 0);
    assert_string_equal(f.text, "[global]\nbs=4k\nnorandommap\nioengine=io_uring\n[mixed.1]\n"
                                "rw=randrw\nrwmixread=70\niodepth=16\n[seq]\nrw=write\nbs=1m\n");
    assert_int_equal(f.len, strlen(f.text));
    assert_int_equal(f.jobs, 2);
    /* the first job: randrw shown as its read side, bs from [global], its own iodepth */
    assert_string_equal(f.rw, "randread");
    assert_int_equal(f.bs, 4096);
    assert_int_equal(f.iodepth, 16);
}

static void test_parse_defaults(void **state)
{
    struct fiofile f;
    char msg[256] = "";

    (void)state;
    assert_int_equal(parse("[only]\nrw=write\nbs=64k\n", &f, msg, sizeof(msg)), 0);
    assert_string_equal(f.rw, "write");
    assert_int_equal(f.bs, 65536);
    assert_int_equal(f.iodepth, 1);
    assert_int_equal(parse("[a]\nbs=1000\n[b]\nrw=randwrite\n", &f, msg, sizeof(msg)), 0);
    assert_string_equal(f.rw, "read"); /* the first job's, not b's */
    assert_int_equal(f.bs, 4096);      /* not a multiple of 512: shown as 4096 */
    assert_int_equal(f.jobs, 2);
}

/* Every refusal: the text, and the message it must give. */
static void test_parse_refusals(void **state)
{
    static const struct {
        const char *text, *msg;
    } cases[] = {
        {"rw=read\n[a]\n", "job.fio:1: rw: outside a section (a job file starts with [global] or "
                           "[JOB])"},
        {"[global]\n", "job.fio: no job section (a [NAME] other than [global])"},
        {"[a\n", "job.fio:1: bad section header '[a' (want [NAME])"},
        {"[]\n", "job.fio:1: bad section header '[]' (want [NAME])"},
        {"[a b]\n", "job.fio:1: bad section name '[a b]' (letters, digits, '_', '-', '.', ':')"},
        {"[a]\nb s=4k\n", "job.fio:2: bad key 'b s' (letters, digits, '_', '-')"},
        {"[a]\n=4k\n", "job.fio:2: bad line '=4k' (want key=value or a key)"},
        {"[a]\nbs=\n", "job.fio:2: bs=: empty value"},
        {"[a]\ninclude other.fio\n", "job.fio:2: include: refused, put the included sections in "
                                     "this file"},
        {"[a]\n\n\nfilename=/dev/sda\n",
         "job.fio:4: filename: refused, pvbench sets filename= to the device under test"},
        {"[a]\ndirectory=/tmp\n",
         "job.fio:2: directory: refused, names a folder; the job runs on the device under test"},
        {"[a]\nfilename_format=f.$jobnum\n", "job.fio:2: filename_format: refused, names other "
                                             "files; the job runs on the device under test"},
        {"[a]\nopendir=/tmp\n", "job.fio:2: opendir: refused, names a folder; the job runs on "
                                "the device under test"},
        {"[a]\nnrfiles=2\n", "job.fio:2: nrfiles: refused, the job has one file: the device "
                             "under test"},
        {"[a]\nunlink=1\n", "job.fio:2: unlink: refused, would remove the device under test"},
        {"[a]\nwrite_iolog=x\n", "job.fio:2: write_iolog: refused, names another file"},
        {"[a]\nread_iolog=x\n", "job.fio:2: read_iolog: refused, names another file"},
        {"[a]\nwrite_bw_log=x\n",
         "job.fio:2: write_bw_log: refused, writes a log file; pvbench reports the numbers"},
        {"[a]\nwrite_lat_log=x\n",
         "job.fio:2: write_lat_log: refused, writes a log file; pvbench reports the numbers"},
        {"[a]\nexec_prerun=rm\n", "job.fio:2: exec_prerun: refused, runs a program in the guest"},
        {"[a]\nruntime=10\n",
         "job.fio:2: runtime: refused, pvbench sets it from the scenario's runtime"},
        {"[a]\nramp_time=1\n",
         "job.fio:2: ramp_time: refused, pvbench sets it from the scenario's warmup"},
        {"[a]\ntime_based\n", "job.fio:2: time_based: refused, pvbench sets it (every job runs "
                              "for the scenario's runtime)"},
        {"[a]\n[b]\nstonewall\n",
         "job.fio:3: stonewall: refused, every job runs over the same measured interval"},
        {"[a]\npercentile_list=50\n",
         "job.fio:2: percentile_list: refused, pvbench sets the latency it reports"},
        {"[a]\nioengine=mmap\n", "job.fio:2: ioengine=mmap: refused, not direct I/O on a block "
                                 "device (allowed: " FIOFILE_ENGINES ")"},
        {"[a]\nioengine=net\n", "job.fio:2: ioengine=net: refused, not direct I/O on a block "
                                "device (allowed: " FIOFILE_ENGINES ")"},
        {"[a]\nioengine=splice\n", "job.fio:2: ioengine=splice: refused, not direct I/O on a "
                                   "block device (allowed: " FIOFILE_ENGINES ")"},
        {"[a]\nioengine=null\n", "job.fio:2: ioengine=null: refused, not direct I/O on a block "
                                 "device (allowed: " FIOFILE_ENGINES ")"},
        {"[a]\nioengine=exec\n", "job.fio:2: ioengine=exec: refused, not direct I/O on a block "
                                 "device (allowed: " FIOFILE_ENGINES ")"},
        {"[a]\ndirect=0\n", "job.fio:2: direct=0: refused, pvbench measures the device, not the "
                            "page cache (direct=1)"},
        {"[a]\nbuffered=1\n",
         "job.fio:2: buffered=1: refused, pvbench measures the device, not the page cache"},
        {"[a]\nbuffered\n",
         "job.fio:2: buffered: refused, pvbench measures the device, not the page cache"},
        {"[a]\nsize=${SIZE}\n",
         "job.fio:2: size=${SIZE}: refused, environment variables are not carried into the guest"},
        {"[a]\nrw=read\x01\n", "job.fio:2: a control character (byte 1): a job file is text"},
        {"[a]\nname=\xc3\xa9\n", "job.fio:2: a non-ASCII byte: fio's keys and values are ASCII"},
    };
    struct fiofile f;
    char msg[512];

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        msg[0] = '\0';
        assert_int_equal(parse(cases[i].text, &f, msg, sizeof(msg)), -1);
        assert_string_equal(msg, cases[i].msg);
    }
}

static void test_parse_accepts(void **state)
{
    static const char *const ok[] = {
        "[a]\ndirect=1\nbuffered=0\nioengine=libaio\n",
        "[a]\nioengine=psync\nnumjobs=4\nsize=64m\noffset=1m\n",
        "[global]\nrw=randrw\n[a]\n[b]\n",
        "[a]\nverify=crc32c\ndo_verify=1\n",
    };
    struct fiofile f;
    char msg[256];

    (void)state;
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        msg[0] = '\0';
        assert_int_equal(parse(ok[i], &f, msg, sizeof(msg)), 0);
        assert_string_equal(msg, "");
    }
}

static void test_parse_limits(void **state)
{
    char *big = malloc(2 * FIOFILE_TEXT_MAX), msg[256];
    struct fiofile f;
    size_t n = 0;

    (void)state;
    assert_non_null(big);
    n += (size_t)sprintf(big, "[a]\n");
    while (n < FIOFILE_TEXT_MAX + 100) {
        n += (size_t)sprintf(big + n, "description=%s\n", "0123456789012345678901234567890");
    }
    assert_int_equal(fiofile_parse("big.fio", big, n, &f, msg, sizeof(msg)), -1);
    assert_non_null(strstr(msg, "the job file is too long: at most 3071 bytes"));
    assert_int_equal(strncmp(msg, "big.fio:", 8), 0);
    /* a line too long for fio */
    memset(big, 'a', 600);
    memcpy(big, "[a]\nx=", 6);
    big[600] = '\n';
    assert_int_equal(fiofile_parse("long.fio", big, 601, &f, msg, sizeof(msg)), -1);
    assert_string_equal(msg, "long.fio:2: line longer than 511 characters");
    free(big);
}

static void test_load(void **state)
{
    char path[] = "/tmp/pvb-fiofile-XXXXXX", msg[256];
    struct fiofile f;
    FILE *fp;
    int fd;

    (void)state;
    fd = mkstemp(path);
    assert_true(fd >= 0);
    fp = fdopen(fd, "w");
    assert_non_null(fp);
    fputs("[global]\nbs=4k\n[r]\nrw=randread\niodepth=32\n", fp);
    fclose(fp);
    assert_int_equal(fiofile_load(path, &f, msg, sizeof(msg)), 0);
    assert_int_equal(f.iodepth, 32);
    assert_string_equal(f.rw, "randread");
    unlink(path);
    assert_int_equal(fiofile_load(path, &f, msg, sizeof(msg)), -1);
    assert_non_null(strstr(msg, "No such file or directory"));
}

static void test_hex(void **state)
{
    char hex[64], back[32];

    (void)state;
    assert_int_equal(fio_job_hex_encode("[a]\nbs=4k\n", 10, hex, sizeof(hex)), 20);
    assert_string_equal(hex, "5b615d0a62733d346b0a");
    assert_int_equal(fio_job_hex_decode(hex, 20, back, sizeof(back)), 10);
    assert_string_equal(back, "[a]\nbs=4k\n");
    assert_int_equal(fio_job_hex_decode("5B615D", 6, back, sizeof(back)), 3);
    assert_string_equal(back, "[a]");
    assert_int_equal(fio_job_hex_decode("5b6", 3, back, sizeof(back)), -1);   /* odd */
    assert_int_equal(fio_job_hex_decode("5g", 2, back, sizeof(back)), -1);    /* not hex */
    assert_int_equal(fio_job_hex_decode("5b00", 4, back, sizeof(back)), -1);  /* a NUL */
    assert_int_equal(fio_job_hex_decode("5b5b5b", 6, back, 3), -1);           /* too long */
    assert_int_equal(fio_job_hex_encode("abcd", 4, hex, 8), -1);              /* no room */
    /* the largest text fits on a job line, hex-encoded */
    assert_true(2 * (FIOFILE_TEXT_MAX - 1) + 512 < PVB_LINE_MAX);
}

static void test_file_text(void **state)
{
    struct fio_job_params p = {.file = "/dev/disk:1", .runtime_ms = 2000, .warmup_ms = 500};
    struct tool_argv a;
    char out[1024];

    (void)state;
    assert_true(fio_job_file_text(&p, "[r]\nrw=randread\n", out, sizeof(out)) > 0);
    assert_string_equal(out, "[global]\nfilename=/dev/disk\\:1\ndirect=1\nioengine=libaio\n"
                             "time_based=1\nruntime=2000ms\nramp_time=500ms\ngroup_reporting=1\n"
                             "unified_rw_reporting=mixed\nlat_percentiles=1\nclat_percentiles=0\n"
                             "percentile_list=50:90:99:99.9\n[r]\nrw=randread\n");
    p.warmup_ms = 0;
    assert_true(fio_job_file_text(&p, "[r]\n", out, sizeof(out)) > 0);
    assert_null(strstr(out, "ramp_time"));
    assert_int_equal(fio_job_file_text(&p, "[r]\n", out, 40), -1);
    assert_int_equal(fio_job_build_file_argv("/usr/bin/fio", "/tmp/j.fio", &a), 0);
    assert_string_equal(a.argv[0], "/usr/bin/fio");
    assert_string_equal(a.argv[1], "--eta=never");
    assert_string_equal(a.argv[2], "--output-format=json");
    assert_string_equal(a.argv[3], "/tmp/j.fio");
    assert_null(a.argv[4]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_normalises), cmocka_unit_test(test_parse_defaults),
        cmocka_unit_test(test_parse_refusals),   cmocka_unit_test(test_parse_accepts),
        cmocka_unit_test(test_parse_limits),     cmocka_unit_test(test_load),
        cmocka_unit_test(test_hex),              cmocka_unit_test(test_file_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
