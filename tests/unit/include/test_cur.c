/* The byte cursor: every read checks length, length-prefixed bodies cannot
 * see past themselves, and failures leave no out-of-bounds access. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "include/cur.h"

static void reads_big_endian(void **state)
{
    (void)state;
    const uint8_t b[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
    struct cur c = cur_make(b, sizeof(b));
    uint8_t u8;
    uint16_t u16;
    uint32_t u24, u32;
    assert_true(cur_u8(&c, &u8));
    assert_int_equal(u8, 1);
    assert_true(cur_u16(&c, &u16));
    assert_int_equal(u16, 0x0203);
    assert_true(cur_u24(&c, &u24));
    assert_int_equal(u24, 0x040506);
    assert_true(cur_u32(&c, &u32));
    assert_int_equal(u32, 0x0708090a);
    assert_int_equal(c.left, 1);
    assert_false(cur_u16(&c, &u16));
}

static void reads_little_endian(void **state)
{
    (void)state;
    const uint8_t b[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14};
    struct cur c = cur_make(b, sizeof(b));
    uint16_t u16;
    uint32_t u32;
    uint64_t u64;
    assert_true(cur_u16le(&c, &u16));
    assert_int_equal(u16, 0x0201);
    assert_true(cur_u32le(&c, &u32));
    assert_int_equal(u32, 0x06050403);
    assert_true(cur_u64le(&c, &u64));
    assert_true(u64 == 0x0e0d0c0b0a090807ULL);
    assert_int_equal(c.left, 0);
    assert_false(cur_u64le(&c, &u64));
}

static void every_read_fails_when_short(void **state)
{
    (void)state;
    const uint8_t b[8] = {0};
    for (size_t n = 0; n < sizeof(b); n++) {
        struct cur c = cur_make(b, n);
        uint8_t u8;
        uint16_t u16;
        uint32_t u32;
        uint64_t u64;
        struct cur out;
        assert_true(cur_u8(&c, &u8) == (n >= 1));
        c = cur_make(b, n);
        assert_true(cur_u16(&c, &u16) == (n >= 2));
        c = cur_make(b, n);
        assert_true(cur_u24(&c, &u32) == (n >= 3));
        c = cur_make(b, n);
        assert_true(cur_u32(&c, &u32) == (n >= 4));
        c = cur_make(b, n);
        assert_true(cur_u64(&c, &u64) == (n >= 8));
        c = cur_make(b, n);
        assert_true(cur_take(&c, 5, &out) == (n >= 5));
    }
}

static void length_prefixed_bodies(void **state)
{
    (void)state;
    const uint8_t b[] = {0, 3, 'a', 'b', 'c', 2, 'x', 'y', 0, 0, 1, 'z', 0, 5, 1};
    struct cur c = cur_make(b, sizeof(b)), body;
    assert_true(cur_take_len16(&c, &body));
    assert_true(cur_eq(&body, "abc", 3));
    assert_true(cur_take_len8(&c, &body));
    assert_true(cur_eq(&body, "xy", 2));
    assert_true(cur_take_len24(&c, &body));
    assert_true(cur_eq(&body, "z", 1));
    /* a length larger than what is left fails */
    assert_false(cur_take_len16(&c, &body));
}

static void peeks_and_tails(void **state)
{
    (void)state;
    const uint8_t b[] = {0x16, 0x03, 0x01, 0x00, 0x05};
    struct cur c = cur_make(b, sizeof(b));
    uint8_t v;
    uint16_t u16;
    uint32_t u24;
    assert_true(cur_peek(&c, 4, &v));
    assert_int_equal(v, 5);
    assert_false(cur_peek(&c, 5, &v));
    assert_true(cur_peek_u16(&c, 3, &u16));
    assert_int_equal(u16, 5);
    assert_false(cur_peek_u16(&c, 4, &u16));
    assert_true(cur_peek_u24(&c, 2, &u24));
    assert_int_equal(u24, 0x010005);
    assert_false(cur_peek_u24(&c, 3, &u24));
    struct cur t = cur_tail(&c, 2);
    assert_int_equal(t.left, 3);
    assert_int_equal(cur_tail(&c, 9).left, 0);
    assert_int_equal(cur_head(&c, 2).left, 2);
    assert_int_equal(cur_head(&c, 20).left, 5);
    assert_int_equal(c.left, 5); /* peeks do not move */
    size_t at;
    assert_true(cur_find(&c, 0, 0x03, &at));
    assert_int_equal(at, 1);
    assert_false(cur_find(&c, 2, 0x03, &at));
    struct cur later = cur_tail(&c, 3);
    assert_int_equal(cur_offset(&c, &later), 3);
    cur_advance(&c, 100);
    assert_int_equal(c.left, 0);
}

/* RFC 9000 A.1's examples, and every cut of each. */
static void quic_varints(void **state)
{
    (void)state;
    static const struct {
        uint8_t b[8];
        size_t n;
        uint64_t v;
    } cases[] = {
        {{0xc2, 0x19, 0x7c, 0x5e, 0xff, 0x14, 0xe8, 0x8c}, 8, 151288809941952652ULL},
        {{0x9d, 0x7f, 0x3e, 0x7d}, 4, 494878333},
        {{0x7b, 0xbd}, 2, 15293},
        {{0x25}, 1, 37},
        {{0x40, 0x25}, 2, 37},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint64_t v = 0;
        struct cur c = cur_make(cases[i].b, cases[i].n);
        assert_true(cur_varint(&c, &v));
        assert_int_equal(v, cases[i].v);
        assert_int_equal(c.left, 0);
        for (size_t cut = 0; cut < cases[i].n; cut++) {
            struct cur short_one = cur_make(cases[i].b, cut);
            assert_false(cur_varint(&short_one, &v));
            assert_int_equal(short_one.left, cut);
        }
    }
}

static void compares(void **state)
{
    (void)state;
    struct cur c = cur_make("EHLO mail", 9);
    assert_true(cur_starts(&c, "EHLO", 4));
    assert_true(cur_starts_nocase(&c, "ehlo m"));
    assert_false(cur_starts_nocase(&c, "ehlo mail!"));
    assert_false(cur_eq(&c, "EHLO", 4));
    struct cur empty = cur_make(NULL, 7);
    assert_int_equal(empty.left, 0);
}

/* a needle anywhere, any case, never past the end */
static void contains_nocase(void **state)
{
    (void)state;
    const uint8_t b[] = "Content-Type: Application/OCSP-request";
    struct cur c = cur_make(b, sizeof(b) - 1);
    assert_true(cur_contains_nocase(c, "application/ocsp-request"));
    assert_true(cur_contains_nocase(c, "content"));
    assert_true(cur_contains_nocase(c, ""));
    assert_false(cur_contains_nocase(c, "ocsp-requests"));
    assert_false(cur_contains_nocase(cur_make(b, 10), "type"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reads_big_endian),
        cmocka_unit_test(reads_little_endian),
        cmocka_unit_test(every_read_fails_when_short),
        cmocka_unit_test(length_prefixed_bodies),
        cmocka_unit_test(peeks_and_tails),
        cmocka_unit_test(quic_varints),
        cmocka_unit_test(compares),
        cmocka_unit_test(contains_nocase),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
