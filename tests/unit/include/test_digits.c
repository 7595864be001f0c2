/* digits_u64: what printf's "%llu" writes, for every number up to a
 * million, each power of ten and its neighbours, the largest, and a
 * spread of random ones; nothing written past the digits it counts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "include/digits.h"

static void check(uint64_t v)
{
    char want[32], got[DIGITS_U64_MAX + 2];
    int n = snprintf(want, sizeof(want), "%llu", (unsigned long long)v);
    memset(got, '#', sizeof(got));
    size_t len = digits_u64(got, v);
    if (len != (size_t)n || memcmp(got, want, len) != 0 || got[len] != '#')
        fail_msg("%s: wrote %zu bytes, \"%.*s\"", want, len, (int)len, got);
}

static void as_printf_writes(void **state)
{
    (void)state;
    for (uint64_t v = 0; v <= 1000000; v++)
        check(v);
    for (uint64_t p = 10; p; p = p > UINT64_MAX / 10 ? 0 : p * 10) {
        check(p - 1);
        check(p);
        check(p + 1);
    }
    check(UINT64_MAX);
    check(UINT64_MAX - 1);
    uint64_t x = 88172645463325252u;
    for (int i = 0; i < 100000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        check(x);
        check(x >> (i % 64));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(as_printf_writes)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
