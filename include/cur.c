/* With cur.h (the reads inlined for speed), the only file that does pointer
 * arithmetic on packet bytes. */
#include "include/cur.h"

#include <ctype.h>
#include <string.h>

static bool need(const struct cur *c, size_t n)
{
    return c->left >= n;
}

static void advance(struct cur *c, size_t n)
{
    c->p += n;
    c->left -= n;
}

bool cur_varint(struct cur *c, uint64_t *out)
{
    uint8_t first;
    if (!cur_peek(c, 0, &first))
        return false;
    size_t n = (size_t)1 << (first >> 6);
    if (!need(c, n))
        return false;
    uint64_t v = first & 0x3f;
    for (size_t i = 1; i < n; i++)
        v = (v << 8) | c->p[i];
    advance(c, n);
    *out = v;
    return true;
}

bool cur_u64(struct cur *c, uint64_t *out)
{
    uint32_t hi, lo;
    if (!need(c, 8) || !cur_u32(c, &hi) || !cur_u32(c, &lo))
        return false;
    *out = ((uint64_t)hi << 32) | lo;
    return true;
}

bool cur_u64le(struct cur *c, uint64_t *out)
{
    uint32_t lo, hi;
    if (!need(c, 8) || !cur_u32le(c, &lo) || !cur_u32le(c, &hi))
        return false;
    *out = ((uint64_t)hi << 32) | lo;
    return true;
}

bool cur_find(const struct cur *c, size_t from, uint8_t b, size_t *at)
{
    if (from >= c->left)
        return false;
    const uint8_t *hit = memchr(c->p + from, b, c->left - from);
    if (!hit)
        return false;
    *at = (size_t)(hit - c->p);
    return true;
}

size_t cur_offset(const struct cur *start, const struct cur *later)
{
    return (size_t)(later->p - start->p);
}

bool cur_eq(const struct cur *c, const void *s, size_t n)
{
    return c->left == n && (n == 0 || memcmp(c->p, s, n) == 0);
}

bool cur_starts(const struct cur *c, const void *s, size_t n)
{
    return c->left >= n && (n == 0 || memcmp(c->p, s, n) == 0);
}

bool cur_starts_nocase(const struct cur *c, const char *s)
{
    size_t n = strlen(s);
    if (c->left < n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (tolower(c->p[i]) != tolower((unsigned char)s[i]))
            return false;
    return true;
}

bool cur_contains_nocase(struct cur c, const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i + n <= c.left; i++) {
        struct cur t = cur_tail(&c, i);
        if (cur_starts_nocase(&t, s))
            return true;
    }
    return false;
}
