#pragma once

/* Numbers in decimal without printf, for the writers that put out
 * hundreds of them per session (JSON, fingerprints). */

#include <stddef.h>
#include <stdint.h>

enum { DIGITS_U64_MAX = 20 }; /* digits of 2^64 - 1 */

/* digits_u64 - v in decimal at to (no NUL), two digits per division;
 * returns how many were written, at most DIGITS_U64_MAX. */
size_t digits_u64(char *to, uint64_t v);
