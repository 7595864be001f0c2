#include "include/digits.h"

#include <string.h>

static const uint64_t pow10[DIGITS_U64_MAX] = {
    1u, 10u, 100u, 1000u, 10000u, 100000u, 1000000u, 10000000u, 100000000u, 1000000000u,
    10000000000u, 100000000000u, 1000000000000u, 10000000000000u, 100000000000000u,
    1000000000000000u, 10000000000000000u, 100000000000000000u, 1000000000000000000u,
    10000000000000000000u,
};

/* how many digits v, 10,000 or more, has: from its bits (log10(2) is
 * about 1233 / 4096), one more when it reaches the next power of ten */
static size_t count(uint64_t v)
{
    size_t n = ((size_t)(64 - __builtin_clzll(v)) * 1233) >> 12;
    return n + (v >= pow10[n]);
}

static const char pairs[] = "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
                           "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
                           "8081828384858687888990919293949596979899";

size_t digits_u64_wide(char *to, uint64_t v)
{
    /* the codes and lengths most numbers are, without the loop */
    if (v < 100) {
        memcpy(to, &pairs[v * 2], 2);
        return 2;
    }
    if (v < 10000) {
        size_t hi = (size_t)v / 100, lo = (size_t)v % 100;
        if (hi < 10) {
            to[0] = (char)('0' + hi);
            memcpy(to + 1, &pairs[lo * 2], 2);
            return 3;
        }
        memcpy(to, &pairs[hi * 2], 2);
        memcpy(to + 2, &pairs[lo * 2], 2);
        return 4;
    }
    size_t n = count(v);
    char *at = to + n;
    /* four digits a division: half the chain of dependent ones */
    while (v >= 10000) {
        size_t r = (size_t)(v % 10000);
        v /= 10000;
        at -= 4;
        memcpy(at, &pairs[r / 100 * 2], 2);
        memcpy(at + 2, &pairs[r % 100 * 2], 2);
    }
    if (v >= 100) {
        size_t r = (size_t)v % 100;
        v /= 100;
        at -= 2;
        memcpy(at, &pairs[r * 2], 2);
    }
    if (v >= 10)
        memcpy(at - 2, &pairs[v * 2], 2);
    else
        at[-1] = (char)('0' + v);
    return n;
}
