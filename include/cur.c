/* With cur.h (the reads inlined for speed), the only file that does pointer
 * arithmetic on packet bytes. */
#include "include/cur.h"

#include <ctype.h>
#include <string.h>

struct cur cur_make(const void *p, size_t len)
{
    struct cur c = {.p = p, .left = p ? len : 0};
    return c;
}

static bool need(const struct cur *c, size_t n)
{
    return c->left >= n;
}

static void advance(struct cur *c, size_t n)
{
    c->p += n;
    c->left -= n;
}



bool cur_u24(struct cur *c, uint32_t *out)
{
    if (!need(c, 3))
        return false;
    *out = ((uint32_t)c->p[0] << 16) | ((uint32_t)c->p[1] << 8) | c->p[2];
    advance(c, 3);
    return true;
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

bool cur_take(struct cur *c, size_t n, struct cur *out)
{
    if (!need(c, n))
        return false;
    out->p = c->p;
    out->left = n;
    advance(c, n);
    return true;
}


void cur_advance(struct cur *c, size_t n)
{
    advance(c, n < c->left ? n : c->left);
}

bool cur_copy(struct cur *c, void *dst, size_t n)
{
    if (!need(c, n))
        return false;
    if (n)
        memcpy(dst, c->p, n);
    advance(c, n);
    return true;
}

bool cur_take_len8(struct cur *c, struct cur *out)
{
    uint8_t n;
    return cur_u8(c, &n) && cur_take(c, n, out);
}

bool cur_take_len16(struct cur *c, struct cur *out)
{
    uint16_t n;
    return cur_u16(c, &n) && cur_take(c, n, out);
}

bool cur_take_len24(struct cur *c, struct cur *out)
{
    uint32_t n;
    return cur_u24(c, &n) && cur_take(c, n, out);
}

bool cur_peek(const struct cur *c, size_t at, uint8_t *out)
{
    if (at >= c->left)
        return false;
    *out = c->p[at];
    return true;
}

bool cur_peek_u16(const struct cur *c, size_t at, uint16_t *out)
{
    if (at >= c->left || c->left - at < 2)
        return false;
    *out = (uint16_t)((c->p[at] << 8) | c->p[at + 1]);
    return true;
}

bool cur_peek_u24(const struct cur *c, size_t at, uint32_t *out)
{
    if (at >= c->left || c->left - at < 3)
        return false;
    *out = ((uint32_t)c->p[at] << 16) | ((uint32_t)c->p[at + 1] << 8) |
           c->p[at + 2];
    return true;
}

struct cur cur_tail(const struct cur *c, size_t at)
{
    struct cur t = {.p = c->p, .left = 0};
    if (at <= c->left) {
        t.p = c->p + at;
        t.left = c->left - at;
    }
    return t;
}

struct cur cur_head(const struct cur *c, size_t n)
{
    struct cur h = {.p = c->p, .left = n < c->left ? n : c->left};
    return h;
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
