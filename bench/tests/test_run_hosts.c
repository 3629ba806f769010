/*
 * Unit tests of run_hosts.c's grouping of hosts into machines: two URIs that reach one
 * machine (the same hostname and host UUID) are measured in turn, every other host in
 * parallel; a host without an identity (unreachable, or no UUID) is never merged.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "run_ctx.h"

static void set_id(struct backend_host *b, const char *hostname, const char *uuid)
{
    memset(b, 0, sizeof(*b));
    strcpy(b->hostname, hostname);
    strcpy(b->uuid, uuid);
}

static void test_distinct_hosts(void **state)
{
    struct backend_host ids[3];
    int known[3] = {1, 1, 1};
    unsigned group[3];

    (void)state;
    set_id(&ids[0], "labA", "11111111-0000-4000-8000-000000000001");
    set_id(&ids[1], "labB", "11111111-0000-4000-8000-000000000002");
    /* same hostname, other UUID: two machines of one name, still apart */
    set_id(&ids[2], "labA", "11111111-0000-4000-8000-000000000003");
    assert_int_equal(run_hosts_group(ids, known, 3, group), 3);
    assert_int_equal(group[0], 0);
    assert_int_equal(group[1], 1);
    assert_int_equal(group[2], 2);
}

static void test_same_machine(void **state)
{
    struct backend_host ids[4];
    int known[4] = {1, 1, 1, 1};
    unsigned group[4];

    (void)state;
    set_id(&ids[0], "labA", "11111111-0000-4000-8000-000000000001");
    set_id(&ids[1], "labB", "11111111-0000-4000-8000-000000000002");
    set_id(&ids[2], "labA", "11111111-0000-4000-8000-000000000001"); /* labA again, by tcp */
    set_id(&ids[3], "labB", "11111111-0000-4000-8000-000000000002");
    assert_int_equal(run_hosts_group(ids, known, 4, group), 2);
    assert_int_equal(group[0], 0);
    assert_int_equal(group[1], 1);
    assert_int_equal(group[2], 0);
    assert_int_equal(group[3], 1);
}

static void test_unknown_never_merged(void **state)
{
    struct backend_host ids[3];
    int known[3] = {1, 0, 1};
    unsigned group[3];

    (void)state;
    set_id(&ids[0], "labA", "11111111-0000-4000-8000-000000000001");
    set_id(&ids[1], "labA", "11111111-0000-4000-8000-000000000001"); /* not reached */
    set_id(&ids[2], "labA", "");                                     /* no UUID said */
    assert_int_equal(run_hosts_group(ids, known, 3, group), 3);
    assert_int_equal(group[1], 1);
    assert_int_equal(group[2], 2);
    /* a host without a UUID is not merged with a later one either */
    set_id(&ids[0], "labA", "");
    known[1] = 1;
    set_id(&ids[1], "labA", "");
    assert_int_equal(run_hosts_group(ids, known, 2, group), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_distinct_hosts),
        cmocka_unit_test(test_same_machine),
        cmocka_unit_test(test_unknown_never_merged),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
