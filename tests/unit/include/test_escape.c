/* Bytes from the wire as text: what is kept, what is escaped, and cutting
 * only at whole characters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "include/escape.h"

static void escapes_all_but_printable_ascii(void **state)
{
    (void)state;
    char out[64];
    static const uint8_t name[] = "www.example.com\0.evil\x1b[2J\xc3\xa9";
    assert_string_equal(escape_bytes(name, sizeof(name) - 1, out, sizeof(out)),
                        "www.example.com\\x00.evil\\x1b[2J\\xc3\\xa9");
    assert_string_equal(escape_bytes((const uint8_t *)"", 0, out, sizeof(out)), "");
}

static void cuts_at_whole_characters(void **state)
{
    (void)state;
    static const uint8_t b[] = {'a', 0, 'b'};
    char out[8];
    for (size_t len = 1; len <= sizeof(out); len++) {
        escape_bytes(b, sizeof(b), out, len);
        const char *want = len < 2 ? "" : len < 6 ? "a" : len < 7 ? "a\\x00" : "a\\x00b";
        assert_string_equal(out, want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(escapes_all_but_printable_ascii),
        cmocka_unit_test(cuts_at_whole_characters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
