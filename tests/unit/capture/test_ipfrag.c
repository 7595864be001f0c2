/* IP fragment reassembly under its memory budget: the datagram being grown
 * survives the evictions that make room for it, and the bytes held are
 * exactly those of the datagrams still pending. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdint.h>
#include <string.h>

#include "capture/internal.h"

enum { BUDGET = 20000, LONE_OFFSET = 4000 };

static const struct endpoint SRC = {.family = 4, .addr = {10, 0, 0, 1}};
static const struct endpoint DST = {.family = 4, .addr = {10, 0, 0, 2}};

static uint8_t bytes[8000];

static bool feed(struct ipfrag *f, uint32_t id, uint32_t offset, size_t len,
                 bool more, int64_t now, struct cur *whole,
                 struct capture_stats *st)
{
    return ipfrag_feed(f, &SRC, &DST, 17, id, offset, more,
                       cur_make(bytes + offset, len), now, whole, st);
}

/* Lone fragments that never complete fill the budget. */
static size_t fill(struct ipfrag *f, struct capture_stats *st)
{
    struct cur whole;
    size_t n = 0;
    for (uint32_t id = 1; ipfrag_held(f) + 4600 < BUDGET; id++, n++)
        assert_false(feed(f, id, LONE_OFFSET, 8, true, id, &whole, st));
    assert_int_equal(st->frags_dropped, 0);
    return n;
}

static void grown_datagram_survives_eviction(void **state)
{
    (void)state;
    struct capture_stats st = {0};
    struct ipfrag *f = ipfrag_new(BUDGET);
    assert_non_null(f);
    fill(f, &st);
    struct cur whole;
    /* the newest datagram, first in 2 KB, then grown past the budget */
    assert_false(feed(f, 999, 0, 64, true, 100, &whole, &st));
    assert_true(feed(f, 999, 64, 6000 - 64, false, 101, &whole, &st));
    assert_int_equal(whole.left, 6000);
    assert_memory_equal(whole.p, bytes, 6000);
    assert_true(st.frags_dropped > 0);
    ipfrag_free(f);
}

static void bytes_held_match_pending_datagrams(void **state)
{
    (void)state;
    struct capture_stats st = {0};
    struct ipfrag *f = ipfrag_new(BUDGET);
    assert_non_null(f);
    size_t n = fill(f, &st);
    size_t one = ipfrag_held(f) / n;
    assert_int_equal(one * n, ipfrag_held(f));
    struct cur whole;
    /* a new lone fragment evicts exactly one older one */
    assert_false(feed(f, 5000, LONE_OFFSET, 8, true, 50, &whole, &st));
    assert_int_equal(st.frags_dropped, 1);
    assert_int_equal(ipfrag_held(f), one * n);
    /* a datagram completed at once evicts what its buffer needs, then
     * releases its buffer: what is left is the surviving lone fragments */
    for (uint32_t id = 5001; id < 5001 + n; id++)
        assert_true(feed(f, id, 0, 16, false, 60, &whole, &st));
    assert_true(st.frags_dropped > 1);
    assert_int_equal(ipfrag_held(f), one * (n + 1 - st.frags_dropped));
    ipfrag_free(f);
}

static void expired_and_oversized_are_dropped(void **state)
{
    (void)state;
    struct capture_stats st = {0};
    struct ipfrag *f = ipfrag_new(BUDGET);
    assert_non_null(f);
    struct cur whole;
    assert_false(feed(f, 1, LONE_OFFSET, 8, true, 0, &whole, &st));
    assert_true(ipfrag_held(f) > 0);
    /* 31 s later the first datagram has expired */
    assert_false(feed(f, 2, 0, 8, true, 31LL * 1000000000, &whole, &st));
    assert_int_equal(st.frags_dropped, 1);
    /* a datagram larger than the whole budget is refused, nothing held */
    struct ipfrag *tiny = ipfrag_new(1000);
    assert_non_null(tiny);
    assert_false(feed(tiny, 3, 0, 2000, true, 0, &whole, &st));
    assert_int_equal(ipfrag_held(tiny), 0);
    assert_int_equal(st.frags_dropped, 2);
    ipfrag_free(tiny);
    ipfrag_free(f);
}

int main(void)
{
    for (size_t i = 0; i < sizeof(bytes); i++)
        bytes[i] = (uint8_t)(i * 7 + 3);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(grown_datagram_survives_eviction),
        cmocka_unit_test(bytes_held_match_pending_datagrams),
        cmocka_unit_test(expired_and_oversized_are_dropped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
