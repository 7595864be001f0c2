/* The JSON writer: commas, nesting, and strings that stay valid JSON
 * whatever bytes a capture holds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/jsonw.h"
#include "tests/unit/jsoncheck.h"

static char *out;
static size_t out_len;

static struct jw start(FILE **f)
{
    *f = open_memstream(&out, &out_len);
    struct jw w;
    jw_init(&w, *f);
    return w;
}

static void structure(void **state)
{
    (void)state;
    FILE *f;
    struct jw w = start(&f);
    jw_obj(&w);
    jw_key(&w, "a");
    jw_int(&w, -1);
    jw_key(&w, "b");
    jw_arr(&w);
    jw_uint(&w, 1);
    jw_bool(&w, true);
    jw_null(&w);
    jw_obj(&w);
    jw_obj_end(&w);
    jw_arr_end(&w);
    jw_key(&w, "c");
    jw_scaled(&w, 1500, 3, 3);
    jw_key(&w, "d");
    jw_hex(&w, (const uint8_t *)"\x01\xab", 2);
    jw_obj_end(&w);
    jw_end_line(&w);
    jw_flush(&w);
    fclose(f);
    assert_string_equal(out, "{\"a\":-1,\"b\":[1,true,null,{}],\"c\":1.500,\"d\":\"01ab\"}\n");
    free(out);
}

static void strings_are_escaped(void **state)
{
    (void)state;
    FILE *f;
    struct jw w = start(&f);
    jw_arr(&w);
    jw_str(&w, "quote\" back\\ nl\n tab\t");
    jw_strn(&w, (const uint8_t *)"\x01\x7f", 2);
    jw_strn(&w, (const uint8_t *)"caf\xc3\xa9", 5);     /* valid UTF-8 kept */
    jw_strn(&w, (const uint8_t *)"\xff\xc3", 2);         /* invalid bytes escaped */
    jw_strn(&w, (const uint8_t *)"\xc0\xaf", 2);         /* overlong */
    jw_strn(&w, (const uint8_t *)"a\0b", 3);              /* NUL kept, escaped */
    jw_strn(&w, (const uint8_t *)"\xe2\x80\xa8", 3);     /* U+2028 */
    jw_str(&w, NULL);
    jw_arr_end(&w);
    jw_flush(&w);
    fclose(f);
    assert_string_equal(out, "[\"quote\\\" back\\\\ nl\\n tab\\t\",\"\\u0001\\u007f\","
                             "\"caf\xc3\xa9\",\"\\udbff\\udfff\\udbff\\udfc3\","
                             "\"\\udbff\\udfc0\\udbff\\udfaf\",\"a\\u0000b\",\"\\u2028\",null]");
    free(out);
}

/* The checker the round trips rely on refuses what strict parsers do. */
static void checker_is_strict(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "\"\xed\xa0\x80\"", "\"\xf5\x80\x80\x80\"", "\"\xc0\xaf\"", "\"\xff\"", "\"\\udc00\"",
        "\"\\ud800x\"", "\"\\ud800\\u0041\"", "\"a\tb\"", "\"\\x41\"", "[1,]", "01", "{\"a\" 1}", "\"a", "1 2",
    };
    static const char *const good[] = {
        "\"\\ud83d\\ude00\"", "\"\xf0\x9f\x98\x80\"", "{\"a\":[1,-2.5e3,true,null]}", " \"\\u0000\" ",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (json_check(bad[i], strlen(bad[i]), NULL, 0))
            fail_msg("accepted %s", bad[i]);
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        char why[128] = "";
        if (!json_check(good[i], strlen(good[i]), why, sizeof(why)))
            fail_msg("refused %s: %s", good[i], why);
    }
}

/* Every string comes out as strict JSON and maps back to its bytes. */
static void round_trip(const uint8_t *s, size_t n)
{
    FILE *f;
    struct jw w = start(&f);
    jw_strn(&w, s, n);
    jw_flush(&w);
    fclose(f);
    char why[128] = "";
    if (!json_check(out, strlen(out), why, sizeof(why)))
        fail_msg("not strict JSON (%s): %s", why, out);
    uint8_t back[1024];
    long len = json_string_bytes(out, strlen(out), back, sizeof(back));
    assert_int_equal(len, (long)n);
    assert_memory_equal(back, s, n);
    free(out);
}

static void invalid_utf8_is_strict_and_reversible(void **state)
{
    (void)state;
    static const struct {
        const char *bytes;
        size_t n;
    } cases[] = {
        {"\xed\xa0\x80", 3},             /* a surrogate, U+D800 */
        {"\xed\xbf\xbf", 3},             /* U+DFFF */
        {"\xf5\x80\x80\x80", 4},         /* lead bytes F5..F7: beyond U+10FFFF */
        {"\xf7\xbf\xbf\xbf", 4},
        {"\xf4\x90\x80\x80", 4},         /* U+110000 */
        {"\xc0\xaf", 2},                 /* overlong '/' */
        {"\xc1\xbf", 2},
        {"\xe0\x80\xaf", 3},             /* overlong, three bytes */
        {"\xf0\x80\x80\xaf", 4},         /* overlong, four bytes */
        {"\xe2\x82", 2},                 /* cut short */
        {"\xe2\x82\xac\x80", 4},         /* a lone continuation after a valid one */
        {"\xf4\x8f\xbc\x80", 4},         /* U+10FF00: the mapping's own range */
        {"\xf4\x8f\xbf\xbf", 4},         /* U+10FFFF */
        {"\xf4\x8f\xbb\xbf", 4},         /* U+10FEFF: valid, passed through */
        {"\xf0\x9f\x98\x80", 4},         /* an emoji */
        {"\xff\xfe\x00\x01", 4},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        round_trip((const uint8_t *)cases[i].bytes, cases[i].n);
    /* every byte value at every place in plain strings of every length
     * to 40, for the writer that checks eight or sixteen bytes at a time
     * (whole blocks, then the last few as one block) */
    for (unsigned v = 0; v < 256; v++)
        for (size_t n = 1; n <= 40; n++)
            for (size_t at = 0; at < n; at++) {
                uint8_t s[40];
                memset(s, 'a', sizeof(s));
                s[at] = (uint8_t)v;
                round_trip(s, n);
            }
    /* and 20,000 strings of random bytes, weighted to UTF-8's edges */
    static const uint8_t edges[] = {0x00, 0x22, 0x5c, 0x7f, 0x80, 0xbf, 0xc0, 0xc2, 0xdf, 0xe0,
                                    0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff, 0x8f, 0x90, 0xa0, 0x9f};
    uint32_t x = 2463534242u;
    for (int k = 0; k < 20000; k++) {
        uint8_t s[32];
        size_t n = k % 32;
        for (size_t i = 0; i < n; i++) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            s[i] = (x & 1) ? edges[(x >> 1) % sizeof(edges)] : (uint8_t)(x >> 8);
        }
        round_trip(s, n);
    }
}

static char *written(void (*write)(struct jw *w, const char *s), const char *s)
{
    FILE *f;
    struct jw w = start(&f);
    jw_arr(&w);
    jw_null(&w); /* so that the string needs its comma */
    write(&w, s);
    jw_flush(&w);
    fclose(f);
    return out;
}

static void as_str(struct jw *w, const char *s) { jw_str(w, s); }
static void as_key(struct jw *w, const char *s) { jw_key_n(w, s, strlen(s)); }

/* A plain byte is never escaped, whatever its place; a NUL-terminated
 * string and a key not the program's own come out as the same bytes given
 * by length do. Up to
 * 40 bytes: the checks go eight and sixteen at a time, with the last
 * eight or sixteen overlapping, so every length of two blocks and a
 * tail is covered. */
static void plain_bytes_stay_and_strings_agree(void **state)
{
    (void)state;
    for (unsigned v = 1; v < 256; v++)
        for (size_t n = 1; n <= 40; n++)
            for (size_t at = 0; at < n; at++) {
                char s[41];
                memset(s, 'a', n);
                s[at] = (char)v;
                s[n] = 0;
                FILE *f;
                struct jw w = start(&f);
                jw_arr(&w);
                jw_null(&w);
                jw_strn(&w, (const uint8_t *)s, n);
                jw_flush(&w);
                fclose(f);
                char *by_length = out;
                if (v >= 0x20 && v < 0x7f && v != '"' && v != '\\') {
                    char want[64];
                    snprintf(want, sizeof(want), "[null,\"%s\"", s);
                    assert_string_equal(by_length, want);
                }
                char *by_str = written(as_str, s);
                assert_string_equal(by_str, by_length);
                free(by_str);
                char *by_key = written(as_key, s);
                size_t len = strlen(by_length);
                assert_int_equal(strlen(by_key), len + 1);
                assert_memory_equal(by_key, by_length, len);
                assert_int_equal(by_key[len], ':');
                free(by_key);
                free(by_length);
            }
}

/* One line as json_session writes it: type first, nested values. */
static void a_line(struct jw *w)
{
    jw_obj(w);
    jw_key_str(w, "type", "session");
    jw_key_uint(w, "id", 7);
    jw_key(w, "server");
    jw_obj(w);
    jw_key_str(w, "ip", "10.0.0.2");
    jw_key(w, "ports");
    jw_arr(w);
    jw_uint(w, 443);
    jw_obj(w);
    jw_obj_end(w);
    jw_arr_end(w);
    jw_obj_end(w);
    jw_key(w, "ms");
    jw_scaled(w, 1500, 3, 3);
    jw_key_str(w, "sni", "a\"b");
    jw_obj_end(w);
    jw_end_line(w);
}

/* --fields: members kept as they are written, put out in the order asked;
 * absent names skipped, "type" always first and once, a name given twice
 * once; lines after the selection is lifted are whole again. */
static void selection(void **state)
{
    (void)state;
    FILE *f;
    struct jw w = start(&f);
    struct jw_select *sel = jw_select_new("sni,absent,server,type,ms,sni");
    assert_non_null(sel);
    w.sel = sel;
    a_line(&w);
    a_line(&w);
    w.sel = NULL;
    a_line(&w);
    jw_flush(&w);
    fclose(f);
    const char *one = "{\"type\":\"session\",\"sni\":\"a\\\"b\",\"server\":{\"ip\":\"10.0.0.2\",\"ports\":[443,{}]},"
                      "\"ms\":1.500}\n";
    const char *whole = "{\"type\":\"session\",\"id\":7,\"server\":{\"ip\":\"10.0.0.2\",\"ports\":[443,{}]},"
                        "\"ms\":1.500,\"sni\":\"a\\\"b\"}\n";
    char *want;
    assert_true(asprintf(&want, "%s%s%s", one, one, whole) > 0);
    assert_string_equal(out, want);
    free(want);
    free(out);
    jw_select_free(sel);
}

/* a member past the limit is left out, not cut into invalid JSON */
static void selection_limit(void **state)
{
    (void)state;
    FILE *f;
    struct jw w = start(&f);
    struct jw_select *sel = jw_select_new("id,sni");
    assert_non_null(sel);
    sel->limit = 4; /* "a\"b" with its quotes and escape is 6 bytes */
    w.sel = sel;
    a_line(&w);
    jw_flush(&w);
    fclose(f);
    assert_string_equal(out, "{\"type\":\"session\",\"id\":7}\n");
    free(out);
    jw_select_free(sel);
}

static void scaled_as_printf(int64_t v, int scale, int decimals)
{
    static const int64_t pow10[] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000};
    FILE *f;
    struct jw w = start(&f);
    jw_scaled(&w, v, scale, decimals);
    jw_flush(&w);
    fclose(f);
    char want[64];
    snprintf(want, sizeof(want), "%.*f", decimals, (double)v / (double)pow10[scale]);
    if (strcmp(out, want) != 0)
        fail_msg("jw_scaled(%lld, %d, %d) wrote %s, printf %s", (long long)v, scale, decimals, out, want);
    free(out);
}

/* jw_scaled writes what printf writes of the double, digit for digit:
 * timestamps in nanoseconds to microseconds (also near the reader's 2^62
 * limit, where a double keeps less than a microsecond), differences to
 * milliseconds, negative ones, and values with more digits than kept
 * (which go through printf). */
static void scaled_matches_printf(void **state)
{
    (void)state;
    static const int64_t pow10[] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000};
    static const int forms[][2] = {{9, 6}, {6, 3}, {3, 3}, {9, 3}};
    uint64_t seed = 0x9e3779b97f4a7c15u;
    for (size_t form = 0; form < sizeof(forms) / sizeof(forms[0]); form++) {
        int scale = forms[form][0], decimals = forms[form][1];
        for (int k = 0; k < 20000; k++) {
            seed = seed * 6364136223846793005u + 1442695040888963407u;
            int64_t v;
            switch (k % 6) {
            case 0: v = (int64_t)(seed >> 2); break; /* up to 2^62 */
            case 1: v = (int64_t)(1700000000 + (seed >> 40)) * 1000000000 + (int64_t)(seed % 1000000) * 1000; break;
            case 2: v = -(int64_t)(seed >> 30); break;
            case 3: v = (int64_t)(seed >> 34) * pow10[scale - decimals]; break;
            case 4: v = (int64_t)(seed >> 2) / pow10[scale - decimals] * pow10[scale - decimals]; break;
            default: v = (int64_t)(seed % 100000); break;
            }
            scaled_as_printf(v, scale, decimals);
        }
        /* fewer digits than are kept, so zeros come before them */
        for (int64_t k = -1200; k <= 1200; k++)
            scaled_as_printf(k * pow10[scale - decimals], scale, decimals);
    }
    /* values a double holds exactly, whose whole part has as many bits as
     * may be written without printf for each number of decimals, and one
     * more */
    for (int decimals = 1; decimals <= 9; decimals++)
        for (int scale = decimals; scale <= 9; scale += 9 - decimals ? 9 - decimals : 1)
            for (int bits = 18; bits <= 53; bits++)
                for (int64_t step = -3; step <= 3; step++) {
                    int64_t v = ((int64_t)1 << bits) + step * pow10[scale - decimals];
                    v -= v % pow10[scale - decimals];
                    scaled_as_printf(v, scale, decimals);
                }
}

/* integers at every change of width, and the extremes */
static void numbers(void **state)
{
    (void)state;
    FILE *f;
    struct jw w = start(&f);
    jw_arr(&w);
    char want[4096] = "[";
    size_t len = 1;
    uint64_t v = 1;
    for (int digits = 1; digits <= 20; digits++) {
        jw_uint(&w, v - 1);
        jw_uint(&w, v);
        len += (size_t)snprintf(want + len, sizeof(want) - len, "%s%llu,%llu", digits > 1 ? "," : "",
                                (unsigned long long)(v - 1), (unsigned long long)v);
        if (digits < 20)
            v *= 10;
    }
    jw_uint(&w, UINT64_MAX);
    jw_int(&w, INT64_MIN);
    jw_int(&w, 0);
    jw_arr_end(&w);
    jw_flush(&w);
    fclose(f);
    snprintf(want + len, sizeof(want) - len, ",18446744073709551615,-9223372036854775808,0]");
    assert_string_equal(out, want);
    free(out);
}

/* Each kind of value written inline, at every place near the end of the
 * buffer: one that does not fit is written after the buffer is put out,
 * never past its end (ASan) and never cut or doubled. Against the same
 * values written from the buffer's start. */
static void append_values(struct jw *w)
{
    jw_uint(w, UINT64_MAX);
    jw_int(w, INT64_MIN);
    jw_bool(w, true);
    jw_bool(w, false);
    jw_null(w);
    jw_label(w, "encrypted_change_cipher_spec");
    jw_label(w, NULL);
    jw_scaled(w, INT64_MIN, 0, 9); /* the longest a scaled value is: printf's */
    jw_scaled(w, -1234567, 6, 3);  /* more digits than kept: printf rounds them */
    jw_scaled(w, 1796710896000156000, 9, 6);
    jw_obj(w);
    jw_key_label(w, "dir", "c2s");
    jw_key_uint(w, "len", 301);
    jw_key_bool(w, "ok", true);
    jw_obj_end(w);
    jw_arr(w);
    jw_arr_end(w);
}

static void values_at_the_buffer_end(void **state)
{
    (void)state;
    FILE *f;
    struct jw w = start(&f);
    jw_arr(&w);
    append_values(&w);
    jw_arr_end(&w);
    jw_flush(&w);
    fclose(f);
    char why[128];
    assert_true(json_check(out, out_len, why, sizeof(why)));
    assert_non_null(strstr(out, ",-9223372036854775808.000000000,-1.235,1796710896.000156,"));
    char *values = out; /* [ and the values, then ] */
    size_t values_len = out_len - 1;

    static char filler[sizeof(w.buf)];
    memset(filler, 'x', sizeof(filler));
    for (size_t gap = 0; gap <= 2 * JW_SCALED_MAX + 8; gap++) {
        /* [ and the filler in its quotes up to sizeof(buf) - gap, then
         * the values */
        size_t n = sizeof(w.buf) - gap - 3;
        w = start(&f);
        jw_arr(&w);
        jw_strn(&w, (const uint8_t *)filler, n);
        assert_int_equal(w.len, sizeof(w.buf) - gap);
        append_values(&w);
        jw_arr_end(&w);
        jw_flush(&w);
        fclose(f);
        assert_int_equal(out_len, 3 + n + 1 + values_len);
        assert_int_equal(out[3 + n], ',');
        assert_memory_equal(out + 4 + n, values + 1, values_len);
        free(out);
    }
    free(values);

    /* and closing brackets when a string has filled the buffer */
    for (size_t gap = 0; gap < 3; gap++) {
        size_t n = sizeof(w.buf) - gap - 4;
        w = start(&f);
        jw_arr(&w);
        jw_arr(&w);
        jw_strn(&w, (const uint8_t *)filler, n);
        jw_arr_end(&w);
        jw_arr_end(&w);
        jw_flush(&w);
        fclose(f);
        assert_int_equal(out_len, n + 6);
        assert_memory_equal(out + n + 3, "\"]]", 3);
        free(out);
    }
}

/* hex of every length to 48 (blocks of sixteen and what is left), every
 * byte value at every place, against printf */
static void hex_of_every_length(void **state)
{
    (void)state;
    for (unsigned v = 0; v < 256; v++)
        for (size_t n = 0; n <= 48; n++) {
            uint8_t bytes[48];
            char want[2 * 48 + 3] = "\"";
            for (size_t i = 0; i < n; i++) {
                bytes[i] = (uint8_t)(v + i * 97);
                snprintf(want + 1 + 2 * i, 3, "%02x", bytes[i]);
            }
            strcpy(want + 1 + 2 * n, "\"");
            FILE *f;
            struct jw w = start(&f);
            jw_hex(&w, bytes, n);
            jw_flush(&w);
            fclose(f);
            assert_string_equal(out, want);
            free(out);
        }
}

/* values longer than the writer's buffer, between short ones, come out
 * whole and in order, as do lines put out one by one */
static void long_values(void **state)
{
    (void)state;
    enum { N = 40000 };
    char *text = malloc(N + 1);
    uint8_t *bytes = malloc(N);
    assert_non_null(text);
    assert_non_null(bytes);
    for (size_t i = 0; i < N; i++) {
        text[i] = (char)('a' + i % 26);
        bytes[i] = (uint8_t)i;
    }
    text[N] = 0;
    FILE *f;
    struct jw w = start(&f);
    jw_arr(&w);
    jw_str(&w, "x");
    jw_str(&w, text);
    jw_hex(&w, bytes, N);
    jw_uint(&w, 1);
    jw_arr_end(&w);
    jw_end_line(&w);
    fclose(f);
    assert_int_equal(out_len, 3 * N + 14); /* [ "x" , "text" , "hex" , 1 ] \n */
    assert_memory_equal(out, "[\"x\",\"", 6);
    assert_memory_equal(out + 6, text, N);
    assert_memory_equal(out + 6 + N, "\",\"000102", 9);
    /* every byte's two digits, across the chunks and the buffer's ends */
    for (size_t i = 0; i < N; i++) {
        char two[3];
        snprintf(two, sizeof(two), "%02x", bytes[i]);
        if (memcmp(out + 6 + N + 3 + 2 * i, two, 2) != 0)
            fail_msg("byte %zu: %.2s, not %s", i, out + 6 + N + 3 + 2 * i, two);
    }
    char tail[16];
    snprintf(tail, sizeof(tail), "%02x\",1]\n", (unsigned)(uint8_t)(N - 1));
    assert_memory_equal(out + out_len - strlen(tail), tail, strlen(tail));
    free(out);
    free(text);
    free(bytes);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(structure),
        cmocka_unit_test(selection),
        cmocka_unit_test(selection_limit),
        cmocka_unit_test(strings_are_escaped),
        cmocka_unit_test(checker_is_strict),
        cmocka_unit_test(invalid_utf8_is_strict_and_reversible),
        cmocka_unit_test(plain_bytes_stay_and_strings_agree),
        cmocka_unit_test(scaled_matches_printf),
        cmocka_unit_test(hex_of_every_length),
        cmocka_unit_test(long_values),
        cmocka_unit_test(numbers),
        cmocka_unit_test(values_at_the_buffer_end),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
