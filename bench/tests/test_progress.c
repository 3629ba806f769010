/*
 * Unit tests of progress_fit(): the live progress line cut to the terminal's width, counted
 * in characters (columns), never splitting a UTF-8 sequence.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "progress.h"

/* Characters (not bytes) of a UTF-8 string. */
static size_t columns(const char *s)
{
    size_t n = 0;

    for (; *s; s++) {
        n += ((unsigned char)*s & 0xc0) != 0x80;
    }
    return n;
}

static void test_fit_ascii(void **state)
{
    char out[64];

    (void)state;
    assert_int_equal(progress_fit("[3/12] virtio-blk  randread  rep 2/5", 12, out, sizeof(out)),
                     12);
    assert_string_equal(out, "[3/12] virti");
    /* Shorter than the width: unchanged. */
    progress_fit("booting ide", 40, out, sizeof(out));
    assert_string_equal(out, "booting ide");
    progress_fit("abc", 3, out, sizeof(out));
    assert_string_equal(out, "abc");
    progress_fit("abc", 0, out, sizeof(out));
    assert_string_equal(out, "");
}

static void test_fit_utf8_columns(void **state)
{
    char out[64];
    const char *text = "lat 12.5 \xc2\xb5s \xe2\x80\x94 rep 1/3"; /* µ: 2 bytes, —: 3 bytes */

    (void)state;
    /* "lat 12.5 µ" is 10 columns and 11 bytes. */
    assert_int_equal(progress_fit(text, 10, out, sizeof(out)), 11);
    assert_string_equal(out, "lat 12.5 \xc2\xb5");
    assert_int_equal(columns(out), 10);
    /* Up to the dash: 13 columns, 15 bytes; the 3-byte dash is kept whole or not at all. */
    progress_fit(text, 13, out, sizeof(out));
    assert_string_equal(out, "lat 12.5 \xc2\xb5s \xe2\x80\x94");
    progress_fit(text, 12, out, sizeof(out));
    assert_string_equal(out, "lat 12.5 \xc2\xb5s ");
    progress_fit(text, 200, out, sizeof(out));
    assert_string_equal(out, text);
    assert_int_equal(columns(out), columns(text));
}

static void test_fit_small_buffer(void **state)
{
    char out[4];

    (void)state;
    /* The buffer ends before the width: cut at a character, NUL-terminated. */
    assert_int_equal(progress_fit("a\xc2\xb5\xc2\xb5", 10, out, sizeof(out)), 3);
    assert_string_equal(out, "a\xc2\xb5");
    assert_int_equal(progress_fit("abc", 10, out, 1), 0);
    assert_string_equal(out, "");
}

static void test_fit_bad_bytes(void **state)
{
    char out[64];

    (void)state;
    /* A tab or newline would move the cursor: shown as a space. */
    progress_fit("a\tb\nc", 10, out, sizeof(out));
    assert_string_equal(out, "a b c");
    /* A sequence cut short (lead byte, then ASCII) counts its lead as one column. */
    progress_fit("x\xc2y", 2, out, sizeof(out));
    assert_string_equal(out, "x\xc2");
    progress_fit("x\xe2\x80", 5, out, sizeof(out));
    assert_string_equal(out, "x\xe2\x80");
    assert_int_equal(strlen(out), 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fit_ascii),
        cmocka_unit_test(test_fit_utf8_columns),
        cmocka_unit_test(test_fit_small_buffer),
        cmocka_unit_test(test_fit_bad_bytes),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
