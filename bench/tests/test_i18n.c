/*
 * Unit tests of the language layer (bench/core/i18n.c) with a catalogue compiled from
 * bench/tests/fixtures/i18n/es.po by msgfmt: the language from --lang and from the
 * environment (also when its system locale is not installed), English fallback, and
 * numbers: a decimal comma for people, a point in machine-readable output.
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

#include "i18n.h"

static char localedir[] = "/tmp/pvb-i18n-XXXXXX";

static int setup(void **state)
{
    char cmd[512];

    (void)state;
    if (!mkdtemp(localedir)) {
        return -1;
    }
    snprintf(cmd, sizeof(cmd),
             "mkdir -p %s/es/LC_MESSAGES && msgfmt --check -o %s/es/LC_MESSAGES/%s.mo "
             "bench/tests/fixtures/i18n/es.po",
             localedir, localedir, I18N_DOMAIN);
    return system(cmd) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
    char cmd[512];

    (void)state;
    snprintf(cmd, sizeof(cmd), "rm -rf %s", localedir);
    return system(cmd) == 0 ? 0 : -1;
}

static void clear_env(void)
{
    unsetenv("LANGUAGE");
    unsetenv("LC_ALL");
    unsetenv("LC_MESSAGES");
    unsetenv("LANG");
}

static void test_lang_option(void **state)
{
    char buf[32];

    (void)state;
    clear_env();
    assert_int_equal(i18n_init("es", localedir), 0);
    assert_string_equal(i18n_lang(), "es");
    assert_string_equal(_("emulated"), "emulado");
    assert_string_equal(_("path of one I/O"), "camino de una E/S");
    /* no entry: English, never an empty string */
    assert_string_equal(_("not in the catalogue"), "not in the catalogue");
    assert_string_equal(i18n_num(buf, sizeof(buf), 3.25, 2), "3,25");
    /* machine-readable output keeps its point */
    snprintf(buf, sizeof(buf), "%.2f", 3.25);
    assert_string_equal(buf, "3.25");

    assert_int_equal(i18n_init("en", localedir), 0);
    assert_string_equal(i18n_lang(), "en");
    assert_string_equal(_("emulated"), "emulated");
    assert_string_equal(i18n_num(buf, sizeof(buf), 3.25, 1), "3.2");
}

/* Numbers for people: fewer decimals the larger they are, the language's separator. */
static void test_num_auto(void **state)
{
    char buf[32];

    (void)state;
    clear_env();
    assert_int_equal(i18n_init("es", localedir), 0);
    assert_string_equal(i18n_num_auto(buf, sizeof(buf), 1234.4), "1234");
    assert_string_equal(i18n_num_auto(buf, sizeof(buf), 12.34), "12,3");
    assert_string_equal(i18n_num_auto(buf, sizeof(buf), 1.234), "1,23");
    assert_string_equal(i18n_num_auto(buf, sizeof(buf), 0.01234), "0,012");
    assert_string_equal(i18n_num_auto(buf, sizeof(buf), 0), "0,00");
    assert_string_equal(i18n_num_auto(buf, sizeof(buf), NAN), "?");
    assert_int_equal(i18n_init("en", localedir), 0);
    assert_string_equal(i18n_num_auto(buf, sizeof(buf), 12.34), "12.3");
}

/* LANG=es_ES.UTF-8 works although that system locale is not installed here. */
static void test_lang_from_environment(void **state)
{
    (void)state;
    clear_env();
    setenv("LANG", "es_ES.UTF-8", 1);
    assert_int_equal(i18n_init(NULL, localedir), 0);
    assert_string_equal(i18n_lang(), "es");
    assert_string_equal(_("emulated"), "emulado");

    clear_env();
    setenv("LANGUAGE", "en:es", 1);
    setenv("LANG", "es_ES.UTF-8", 1);
    assert_int_equal(i18n_init(NULL, localedir), 0);
    assert_string_equal(i18n_lang(), "en");

    clear_env();
    setenv("LANG", "C.UTF-8", 1);
    assert_int_equal(i18n_init(NULL, localedir), 0);
    assert_string_equal(i18n_lang(), "en");
}

static void test_unknown_language(void **state)
{
    (void)state;
    clear_env();
    assert_int_equal(i18n_init("fr", localedir), -1);
    assert_string_equal(i18n_lang(), "en");
    assert_string_equal(_("emulated"), "emulated");
    /* from the environment an unknown language is not an error */
    setenv("LANG", "de_DE.UTF-8", 1);
    assert_int_equal(i18n_init(NULL, localedir), 0);
    assert_string_equal(i18n_lang(), "en");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lang_option),
        cmocka_unit_test(test_lang_from_environment),
        cmocka_unit_test(test_num_auto),
        cmocka_unit_test(test_unknown_language),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
