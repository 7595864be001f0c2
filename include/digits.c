#include "include/digits.h"

#include <string.h>

/* how many digits v, 10,000 or more, has */
static size_t count(uint64_t v)
{
    size_t n = 5;
    for (uint64_t bound = 100000; n < DIGITS_U64_MAX && v >= bound; bound *= 10)
        n++;
    return n;
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
    size_t at = n;
    while (v >= 100) {
        size_t r = (size_t)(v % 100) * 2;
        v /= 100;
        to[--at] = pairs[r + 1];
        to[--at] = pairs[r];
    }
    if (v >= 10) {
        to[--at] = pairs[v * 2 + 1];
        to[--at] = pairs[v * 2];
    } else {
        to[--at] = (char)('0' + v);
    }
    return n;
}
