/* buf: appends up to the limit and not a byte past it, the buffer left
 * as it was by a refused append, the NUL after the bytes, dropping from
 * the front, and storage that never exceeds the limit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "include/buf.h"

static void up_to_the_limit(void **state)
{
    (void)state;
    struct buf b = {.limit = 1000};
    uint8_t chunk[300];
    memset(chunk, 'x', sizeof(chunk));
    assert_true(buf_add(&b, chunk, 300));
    assert_true(buf_add(&b, chunk, 300));
    assert_true(buf_add(&b, chunk, 300));
    assert_int_equal(buf_room(&b), 100);
    assert_false(buf_add(&b, chunk, 101)); /* one byte too many: nothing taken */
    assert_int_equal(b.len, 900);
    assert_int_equal(b.p[900], 0);
    assert_true(buf_add(&b, chunk, 100));
    assert_int_equal(b.len, 1000);
    assert_int_equal(buf_room(&b), 0);
    assert_false(buf_add(&b, chunk, 1));
    assert_true(buf_add(&b, chunk, 0));
    assert_true(b.cap <= b.limit + 1); /* never more storage than the limit */
    assert_int_equal(b.p[1000], 0);
    buf_free(&b);
    assert_null(b.p);
    assert_int_equal(b.limit, 1000);
}

static void nothing_allowed(void **state)
{
    (void)state;
    struct buf b = {0};
    assert_false(buf_add(&b, "a", 1));
    assert_null(b.p);
    assert_true(buf_add(&b, "", 0));
    assert_string_equal((char *)b.p, "");
    buf_free(&b);
}

static void text_and_front(void **state)
{
    (void)state;
    struct buf b = {.limit = 64};
    assert_true(buf_puts(&b, "hello, "));
    assert_true(buf_puts(&b, "world"));
    assert_string_equal((char *)b.p, "hello, world");
    buf_drop_front(&b, 7);
    assert_string_equal((char *)b.p, "world");
    assert_int_equal(buf_room(&b), 59);
    buf_drop_front(&b, 99);
    assert_int_equal(b.len, 0);
    assert_string_equal((char *)b.p, "");
    assert_true(buf_puts(&b, "again"));
    buf_clear(&b);
    assert_int_equal(b.len, 0);
    assert_non_null(b.p); /* kept for the next use */
    buf_free(&b);
}

/* growth past the first size keeps every byte in order */
static void grows(void **state)
{
    (void)state;
    struct buf b = {.limit = 1u << 20};
    for (uint32_t i = 0; i < 100000; i++) {
        uint8_t v = (uint8_t)(i * 7);
        assert_true(buf_add(&b, &v, 1));
    }
    for (uint32_t i = 0; i < 100000; i++)
        assert_int_equal(b.p[i], (uint8_t)(i * 7));
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(up_to_the_limit),
        cmocka_unit_test(nothing_allowed),
        cmocka_unit_test(text_and_front),
        cmocka_unit_test(grows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
