/* gather: bytes at offsets in any order, repeated and overlapping, come
 * out whole and as first sent; the limit and the span cap refuse without
 * changing anything; checked against a plain bitmap over random pieces. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "include/gather.h"

static void out_of_order_and_repeated(void **state)
{
    (void)state;
    struct gather g = {.limit = 100};
    const uint8_t msg[] = "0123456789abcdefghij";
    assert_int_equal(gather_add(&g, 10, cur_make(msg + 10, 5)), GATHER_OK);
    assert_int_equal(gather_whole(&g), 0);
    assert_int_equal(gather_add(&g, 0, cur_make(msg, 4)), GATHER_OK);
    assert_int_equal(gather_whole(&g), 4);
    assert_int_equal(g.n, 2);
    /* a piece spanning the hole and both neighbours, with other bytes in
     * the parts already held: the first copy stays */
    uint8_t other[20];
    memcpy(other, msg, 20);
    other[2] = 'X';
    other[12] = 'Y';
    assert_int_equal(gather_add(&g, 2, cur_make(other + 2, 14)), GATHER_OK);
    assert_int_equal(gather_whole(&g), 16);
    assert_int_equal(g.n, 1);
    assert_memory_equal(g.p, msg, 16);
    /* touching spans merge */
    assert_int_equal(gather_add(&g, 16, cur_make(msg + 16, 4)), GATHER_OK);
    assert_int_equal(g.n, 1);
    assert_int_equal(gather_whole(&g), 20);
    gather_free(&g);
}

/* Bytes dropped once read: the spans still know them, later bytes still come. */
static void dropped_bytes(void **state)
{
    (void)state;
    struct gather g = {.limit = 100};
    const uint8_t msg[] = "0123456789abcdefghij";
    assert_int_equal(gather_add(&g, 0, cur_make(msg, 10)), GATHER_OK);
    gather_drop_bytes(&g);
    assert_null(g.p);
    assert_int_equal(gather_whole(&g), 10);
    assert_int_equal(gather_add(&g, 0, cur_make(msg, 10)), GATHER_OK); /* sent again: nothing to copy */
    assert_int_equal(gather_add(&g, 5, cur_make(msg + 5, 15)), GATHER_OK);
    assert_int_equal(gather_whole(&g), 20);
    assert_memory_equal(g.p + 10, msg + 10, 10);
    gather_free(&g);
}

static void limit_and_spans(void **state)
{
    (void)state;
    struct gather g = {.limit = 1000};
    uint8_t b[10] = {0};
    assert_int_equal(gather_add(&g, 995, cur_make(b, 6)), GATHER_LIMIT);
    assert_int_equal(gather_add(&g, UINT64_MAX - 2, cur_make(b, 6)), GATHER_LIMIT);
    assert_int_equal(g.n, 0);
    assert_int_equal(gather_add(&g, 994, cur_make(b, 6)), GATHER_OK);
    assert_true(g.cap <= 1000);
    gather_reset(&g);
    for (int i = 0; i < GATHER_SPANS; i++)
        assert_int_equal(gather_add(&g, 1 + (uint64_t)i * 3, cur_make(b, 1)), GATHER_OK);
    assert_int_equal(g.n, GATHER_SPANS);
    assert_int_equal(gather_add(&g, 999, cur_make(b, 1)), GATHER_SPANS_FULL);
    assert_int_equal(g.n, GATHER_SPANS);
    /* filling a hole needs no new span */
    assert_int_equal(gather_add(&g, 2, cur_make(b, 2)), GATHER_OK);
    assert_int_equal(g.n, GATHER_SPANS - 1);
    gather_free(&g);
}

static void against_a_bitmap(void **state)
{
    (void)state;
    enum { N = 600 };
    uint8_t truth[N], have[N];
    srand(7);
    for (int round = 0; round < 300; round++) {
        struct gather g = {.limit = N};
        memset(have, 0, sizeof(have));
        for (int i = 0; i < N; i++)
            truth[i] = (uint8_t)rand();
        for (int k = 0; k < 40; k++) {
            size_t off = (size_t)rand() % N, len = (size_t)rand() % 64;
            if (off + len > N)
                len = N - off;
            enum gather_result r = gather_add(&g, off, cur_make(truth + off, len));
            assert_true(r == GATHER_OK || r == GATHER_SPANS_FULL);
            if (r == GATHER_OK)
                memset(have + off, 1, len);
            size_t whole = 0;
            while (whole < N && have[whole])
                whole++;
            assert_int_equal(gather_whole(&g), whole);
            for (uint8_t s = 0; s < g.n; s++) {
                assert_true(g.span[s].lo < g.span[s].hi);
                if (s)
                    assert_true(g.span[s - 1].hi < g.span[s].lo);
                for (uint64_t x = g.span[s].lo; x < g.span[s].hi; x++)
                    assert_true(have[x]);
            }
        }
        if (gather_whole(&g))
            assert_memory_equal(g.p, truth, gather_whole(&g));
        gather_free(&g);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(out_of_order_and_repeated),
        cmocka_unit_test(dropped_bytes),
        cmocka_unit_test(limit_and_spans),
        cmocka_unit_test(against_a_bitmap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
