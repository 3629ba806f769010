/*
 * Unit tests of kvmstats.c: KVM's counters out of QMP query-stats replies (the shape QEMU
 * 7.2 answers with, as seen in a nested KVM guest), summed over vCPUs, and their deltas.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "kvmstats.h"

/* Two vCPUs; a histogram and an unrelated provider that must not count. */
static const char reply_vcpu[] =
    "[{\"provider\":\"kvm\",\"qom-path\":\"/machine/unattached/device[0]\",\"stats\":["
    "{\"name\":\"exits\",\"value\":1000},{\"name\":\"io_exits\",\"value\":300},"
    "{\"name\":\"mmio_exits\",\"value\":200},{\"name\":\"halt_exits\",\"value\":50},"
    "{\"name\":\"irq_injections\",\"value\":40},"
    "{\"name\":\"halt_poll_success_hist\",\"value\":[1,2,3]}]},"
    "{\"provider\":\"kvm\",\"qom-path\":\"/machine/unattached/device[1]\",\"stats\":["
    "{\"name\":\"exits\",\"value\":10},{\"name\":\"io_exits\",\"value\":3},"
    "{\"name\":\"mmio_exits\",\"value\":2},{\"name\":\"halt_exits\",\"value\":5},"
    "{\"name\":\"irq_injections\",\"value\":4}]},"
    "{\"provider\":\"cryptodev\",\"stats\":[{\"name\":\"exits\",\"value\":999999}]}]";

static json_object *parse(const char *text)
{
    json_object *o = json_tokener_parse(text);

    assert_non_null(o);
    return o;
}

static void test_sums_vcpus(void **state)
{
    json_object *o = parse(reply_vcpu);
    struct kvmstats k;

    (void)state;
    kvmstats_init(&k);
    assert_int_equal(kvmstats_add_reply(&k, o), 10);
    assert_true(k.exits == 1010);
    assert_true(k.io_exits == 303);
    assert_true(k.mmio_exits == 202);
    assert_true(k.halt_exits == 55);
    assert_true(k.irq_injections == 44);
    json_object_put(o);
}

static void test_missing_and_bad(void **state)
{
    json_object *vm = parse("[{\"provider\":\"kvm\",\"stats\":[{\"name\":\"remote_tlb_flush\","
                            "\"value\":7}]}]");
    json_object *obj = parse("{\"stats\":[]}");
    json_object *neg = parse("[{\"provider\":\"kvm\",\"stats\":[{\"name\":\"exits\","
                             "\"value\":-5},{\"name\":\"io_exits\",\"value\":\"12\"}]}]");
    struct kvmstats k;

    (void)state;
    /* the vm target: none of ours, all stay unknown */
    kvmstats_init(&k);
    assert_int_equal(kvmstats_add_reply(&k, vm), 0);
    assert_true(k.exits == -1 && k.io_exits == -1 && k.irq_injections == -1);
    /* not an array */
    assert_int_equal(kvmstats_add_reply(&k, obj), -1);
    /* a negative value or a string is no counter */
    assert_int_equal(kvmstats_add_reply(&k, neg), 0);
    assert_true(k.exits == -1 && k.io_exits == -1);
    json_object_put(vm);
    json_object_put(obj);
    json_object_put(neg);
}

static void test_delta(void **state)
{
    struct kvmstats a = {100, 10, 20, 5, -1}, b = {250, 40, 20, 4, 9}, d;

    (void)state;
    kvmstats_delta(&a, &b, &d);
    assert_true(d.exits == 150);
    assert_true(d.io_exits == 30);
    assert_true(d.mmio_exits == 0);
    assert_true(d.halt_exits == -1);     /* went backwards: a reset, not a count */
    assert_true(d.irq_injections == -1); /* unknown before */
}

/* A backend's query: the vm target has none of ours, the vcpu target reply_vcpu. */
static int fake_query(void *arg, const char *target, json_object **ret, char *err,
                      size_t errlen)
{
    int *calls = arg;

    (*calls)++;
    if (*calls > 2) {
        snprintf(err, errlen, "monitor gone");
        return -1;
    }
    *ret = parse(strcmp(target, "vcpu") == 0 ? reply_vcpu : "[]");
    return 0;
}

static int empty_query(void *arg, const char *target, json_object **ret, char *err,
                       size_t errlen)
{
    (void)arg;
    (void)target;
    (void)err;
    (void)errlen;
    *ret = parse("[{\"provider\":\"kvm\",\"stats\":[]}]");
    return 0;
}

static void test_collect(void **state)
{
    struct kvmstats k;
    char err[128];
    int calls = 0;

    (void)state;
    assert_int_equal(kvmstats_collect(&k, fake_query, &calls, err, sizeof(err)), 0);
    assert_int_equal(calls, 2);
    assert_true(k.exits == 1010 && k.halt_exits == 55);
    /* a query that fails: its error */
    assert_int_equal(kvmstats_collect(&k, fake_query, &calls, err, sizeof(err)), -1);
    assert_string_equal(err, "monitor gone");
    /* QEMU without KVM counters (TCG answers with no kvm provider): an error, said so */
    assert_int_equal(kvmstats_collect(&k, empty_query, NULL, err, sizeof(err)), -1);
    assert_string_equal(err, "no KVM counters in query-stats");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sums_vcpus),
        cmocka_unit_test(test_missing_and_bad),
        cmocka_unit_test(test_delta),
        cmocka_unit_test(test_collect),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
