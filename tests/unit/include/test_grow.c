/* grow_array: room when needed, doubling from the first size, the same
 * array while there is room, and sizes that would overflow refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "include/grow.h"

static void grows_by_doubling(void **state)
{
    (void)state;
    size_t cap = 0;
    int *v = grow_array(NULL, 0, &cap, sizeof(*v), 4);
    assert_non_null(v);
    assert_int_equal(cap, 4);
    for (size_t n = 0; n < 100; n++) {
        int *again = grow_array(v, n, &cap, sizeof(*v), 4);
        assert_non_null(again);
        if (n < 4)
            assert_ptr_equal(again, v); /* room left: untouched */
        v = again;
        v[n] = (int)n;
        assert_true(cap > n);
    }
    assert_int_equal(cap, 128);
    for (int i = 0; i < 100; i++)
        assert_int_equal(v[i], i);
    free(v);
}

static void overflow_refused(void **state)
{
    (void)state;
    size_t cap = SIZE_MAX / 16 + 1;
    char stay[1];
    assert_null(grow_array(stay, cap, &cap, 16, 4));
    assert_int_equal(cap, SIZE_MAX / 16 + 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(grows_by_doubling), cmocka_unit_test(overflow_refused)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
