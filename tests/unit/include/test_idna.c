/* Host names to A-labels: RFC 3492's Punycode on known names, ASCII left
 * alone but lower-cased, and every malformed or oversized input refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "include/idna.h"

static const char *a_label(const char *name, char *out, size_t len)
{
    return idna_to_ascii((const uint8_t *)name, strlen(name), out, len) ? out : NULL;
}

static void known_names(void **state)
{
    (void)state;
    static const struct {
        const char *u, *a;
    } names[] = {
        {"b\xc3\xbc" "cher.example", "xn--bcher-kva.example"},
        {"M\xc3\xbc" "nchen.de", "xn--mnchen-3ya.de"},
        {"\xc3\xbc", "xn--tda"},
        {"\xe4\xbe\x8b\xe3\x81\x88.\xe3\x83\x86\xe3\x82\xb9\xe3\x83\x88", "xn--r8jz45g.xn--zckzah"},
        {"WWW.Example.COM", "www.example.com"},
        {"", ""},
        {"a.", "a."},
    };
    char out[256];
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        const char *got = a_label(names[i].u, out, sizeof(out));
        assert_non_null(got);
        assert_string_equal(got, names[i].a);
    }
}

static void refuses_what_is_no_name(void **state)
{
    (void)state;
    char out[256];
    static const char *const bad[] = {
        "\xc3",             /* cut short */
        "\xc3\x28",         /* not a continuation byte */
        "\xc0\xaf",         /* overlong */
        "\xed\xa0\x80",     /* a surrogate */
        "\xf4\x90\x80\x80", /* past U+10FFFF */
        "\xff",
        "a\033b",           /* a control character */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_null(a_label(bad[i], out, sizeof(out)));
    static const uint8_t nul[] = {'a', 0, 'b'};
    assert_false(idna_to_ascii(nul, sizeof(nul), out, sizeof(out)));
}

/* Every output size, short of the whole answer, is refused, never cut. */
static void never_overflows(void **state)
{
    (void)state;
    const char *name = "b\xc3\xbc" "cher.example";
    const char *want = "xn--bcher-kva.example";
    char out[64];
    for (size_t len = 0; len <= strlen(want); len++) {
        memset(out, 'X', sizeof(out));
        assert_false(idna_to_ascii((const uint8_t *)name, strlen(name), out, len));
        for (size_t k = len; k < sizeof(out); k++)
            assert_int_equal(out[k], 'X');
    }
    assert_true(idna_to_ascii((const uint8_t *)name, strlen(name), out, strlen(want) + 1));
    assert_string_equal(out, want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(known_names),
        cmocka_unit_test(refuses_what_is_no_name),
        cmocka_unit_test(never_overflows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
