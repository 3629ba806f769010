/*
 * Unit tests of the CI formats (bench/out/cireport.c): the JUnit file is validated against
 * a JUnit schema (bench/tests/fixtures/junit/junit.xsd) and read back; the Markdown summary
 * lists worse cells first and says what UNKNOWN means.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <libxml/parser.h>
#include <libxml/xmlschemas.h>
#include <libxml/xpath.h>

#include "cireport.h"

#define XSD "bench/tests/fixtures/junit/junit.xsd"

static void rows_init(struct cireport_row *r)
{
    memset(r, 0, 4 * sizeof(*r));
    r[0] = (struct cireport_row){"ide", "randread", "iops", "IOPS", {0}};
    r[0].v = (struct verdict){.kind = VERDICT_SAME, .boots_a = 5, .boots_b = 5, .change_pct = 1.2,
                              .lo_pct = -2.0, .hi_pct = 3.9, .p = 0.5, .threshold_pct = 5.0};
    r[1] = (struct cireport_row){"virtio-blk", "randread", "iops", NULL, {0}};
    r[1].v = (struct verdict){.kind = VERDICT_DIFFERENT, .worse = 1, .boots_a = 6, .boots_b = 6,
                              .change_pct = -12.3, .lo_pct = -15.0, .hi_pct = -9.8,
                              .p = 0.002, .threshold_pct = 5.0};
    r[2] = (struct cireport_row){"virtio-net", "tcp_rr", "lat_p99_us", NULL, {0}};
    r[2].v = (struct verdict){.kind = VERDICT_UNKNOWN, .boots_a = 1, .boots_b = 1,
                              .change_pct = 30.0, .lo_pct = NAN, .hi_pct = NAN, .p = 1.0,
                              .threshold_pct = 5.0, .boots_needed = 5};
    r[3] = (struct cireport_row){"a|b<&>\"", "w", "m", NULL, {0}};
    r[3].v = (struct verdict){.kind = VERDICT_DIFFERENT, .worse = 0, .boots_a = 6, .boots_b = 6,
                              .change_pct = 20.0, .lo_pct = 15.0, .hi_pct = 25.0, .p = 0.001,
                              .threshold_pct = 8.0, .threshold_calibrated = 1};
}

static int xpath_count(xmlDocPtr doc, const char *expr)
{
    xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
    xmlXPathObjectPtr o = xmlXPathEvalExpression(BAD_CAST expr, ctx);
    int n = o && o->nodesetval ? o->nodesetval->nodeNr : -1;

    xmlXPathFreeObject(o);
    xmlXPathFreeContext(ctx);
    return n;
}

static void test_junit_valid_and_read_back(void **state)
{
    struct cireport_row rows[4];
    char path[] = "/tmp/pvb-junit-XXXXXX";
    int fd = mkstemp(path);
    xmlSchemaParserCtxtPtr pc;
    xmlSchemaPtr schema;
    xmlSchemaValidCtxtPtr vc;
    xmlDocPtr doc;
    xmlChar *msg;
    xmlXPathContextPtr ctx;
    xmlXPathObjectPtr o;

    (void)state;
    assert_true(fd >= 0);
    close(fd);
    rows_init(rows);
    assert_int_equal(cireport_junit_write(path, "pvbench compare", rows, 4), 0);

    pc = xmlSchemaNewParserCtxt(XSD);
    schema = xmlSchemaParse(pc);
    assert_non_null(schema);
    vc = xmlSchemaNewValidCtxt(schema);
    doc = xmlReadFile(path, NULL, 0);
    assert_non_null(doc);
    assert_int_equal(xmlSchemaValidateDoc(vc, doc), 0);

    assert_int_equal(xpath_count(doc, "//testcase"), 4);
    assert_int_equal(xpath_count(doc, "//testcase/failure"), 1);
    assert_int_equal(xpath_count(doc, "//testcase/skipped"), 1);
    assert_int_equal(xpath_count(doc, "//testsuite[@tests='4' and @failures='1' and "
                                      "@skipped='1']"),
                     1);
    assert_int_equal(xpath_count(doc, "//testcase[@classname='virtio-blk.randread' and "
                                      "@name='iops']/failure"),
                     1);
    /* the escaped configuration name comes back as it was */
    assert_int_equal(xpath_count(doc, "//testcase[@classname='a|b<&>\".w']"), 1);

    ctx = xmlXPathNewContext(doc);
    o = xmlXPathEvalExpression(BAD_CAST "string(//failure/@message)", ctx);
    msg = xmlXPathCastToString(o);
    assert_non_null(strstr((const char *)msg, "-12.3 % [-15.0, -9.8]"));
    assert_non_null(strstr((const char *)msg, "worse"));
    xmlFree(msg);
    xmlXPathFreeObject(o);
    o = xmlXPathEvalExpression(BAD_CAST "string(//skipped/@message)", ctx);
    msg = xmlXPathCastToString(o);
    assert_non_null(strstr((const char *)msg, "inconclusive"));
    assert_non_null(strstr((const char *)msg, "no interval"));
    assert_non_null(strstr((const char *)msg, "about 5 boots"));
    xmlFree(msg);
    xmlXPathFreeObject(o);
    xmlXPathFreeContext(ctx);

    xmlFreeDoc(doc);
    xmlSchemaFreeValidCtxt(vc);
    xmlSchemaFree(schema);
    xmlSchemaFreeParserCtxt(pc);
    unlink(path);
}

static void test_junit_unwritable(void **state)
{
    struct cireport_row rows[4];

    (void)state;
    rows_init(rows);
    assert_int_equal(cireport_junit_write("/nonexistent/dir/j.xml", "s", rows, 4), -1);
}

static void test_markdown(void **state)
{
    struct cireport_row rows[4];
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    const char *worse, *unknown, *better, *same;

    (void)state;
    rows_init(rows);
    assert_int_equal(cireport_markdown_write(f, "quick: BASE against NEW", rows, 4), 0);
    fclose(f);
    assert_non_null(strstr(buf, "## quick: BASE against NEW"));
    assert_non_null(strstr(buf, "**1 worse** of 4 cells"));
    assert_non_null(strstr(buf, "SAME 1, DIFFERENT worse 1, DIFFERENT better 1, UNKNOWN 1."));
    assert_non_null(strstr(buf, "not \"no change\""));
    worse = strstr(buf, "| DIFFERENT (worse) | virtio-blk |");
    unknown = strstr(buf, "| UNKNOWN | virtio-net |");
    better = strstr(buf, "| DIFFERENT (better) | a\\|b");
    same = strstr(buf, "| SAME | ide | randread | IOPS |");
    assert_non_null(worse);
    assert_non_null(unknown);
    assert_non_null(better);
    assert_non_null(same);
    assert_true(worse < unknown && unknown < better && better < same);
    assert_non_null(strstr(buf, "about 5 boots a side"));
    free(buf);
}

static void test_describe_calibrated(void **state)
{
    struct cireport_row rows[4];
    char s[512];

    (void)state;
    rows_init(rows);
    cireport_describe(&rows[3], s, sizeof(s));
    assert_non_null(strstr(s, "DIFFERENT, better"));
    assert_non_null(strstr(s, "beyond +-8.0 %"));
    assert_non_null(strstr(s, "calibrated noise"));
    cireport_describe(&rows[0], s, sizeof(s));
    assert_non_null(strstr(s, "SAME: +1.2 % [-2.0, +3.9], inside +-5.0 %"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_junit_valid_and_read_back),
        cmocka_unit_test(test_junit_unwritable),
        cmocka_unit_test(test_markdown),
        cmocka_unit_test(test_describe_calibrated),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
