#pragma once

/* Numbers in decimal without printf, for the writers that put out
 * hundreds of them per session (JSON, fingerprints). */

#include <stddef.h>
#include <stdint.h>

enum { DIGITS_U64_MAX = 20 }; /* digits of 2^64 - 1 */

size_t digits_u64_wide(char *to, uint64_t v);

/* digits_u64 - v in decimal at to (no NUL), two digits per division;
 * returns how many were written, at most DIGITS_U64_MAX. Inline for the
 * one-digit numbers a JSON line is full of (flags, counts, byte codes). */
static inline size_t digits_u64(char *to, uint64_t v)
{
    if (v < 10) {
        to[0] = (char)('0' + v);
        return 1;
    }
    return digits_u64_wide(to, v);
}
