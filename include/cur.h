#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "include/status.h"

/* A cursor borrows bytes it never owns; copying one is a free bookmark.
 * Every read checks the remaining length first. After a failed read the
 * cursor's position is undefined: give up on the enclosing structure. */
struct cur {
    const uint8_t *p;
    size_t left;
};

/* cur_make - a cursor over len bytes at p (p may be NULL when len is 0). */
static inline struct cur cur_make(const void *p, size_t len)
{
    struct cur c = {.p = p, .left = p ? len : 0};
    return c;
}

/* The reads every packet makes many of are inline: a call each cost as
 * much as the read (and a copy of four bytes through memcpy eight times
 * as much). Big-endian unless named le. */
MUST_CHECK static inline bool cur_u8(struct cur *c, uint8_t *out)
{
    if (c->left < 1)
        return false;
    *out = c->p[0];
    c->p += 1;
    c->left -= 1;
    return true;
}

MUST_CHECK static inline bool cur_u16(struct cur *c, uint16_t *out)
{
    if (c->left < 2)
        return false;
    *out = (uint16_t)((c->p[0] << 8) | c->p[1]);
    c->p += 2;
    c->left -= 2;
    return true;
}

MUST_CHECK static inline bool cur_u32(struct cur *c, uint32_t *out)
{
    if (c->left < 4)
        return false;
    *out = ((uint32_t)c->p[0] << 24) | ((uint32_t)c->p[1] << 16) | ((uint32_t)c->p[2] << 8) | c->p[3];
    c->p += 4;
    c->left -= 4;
    return true;
}

MUST_CHECK static inline bool cur_u16le(struct cur *c, uint16_t *out)
{
    if (c->left < 2)
        return false;
    *out = (uint16_t)(c->p[0] | (c->p[1] << 8));
    c->p += 2;
    c->left -= 2;
    return true;
}

MUST_CHECK static inline bool cur_u32le(struct cur *c, uint32_t *out)
{
    if (c->left < 4)
        return false;
    *out = (uint32_t)c->p[0] | ((uint32_t)c->p[1] << 8) | ((uint32_t)c->p[2] << 16) | ((uint32_t)c->p[3] << 24);
    c->p += 4;
    c->left -= 4;
    return true;
}

MUST_CHECK static inline bool cur_u24(struct cur *c, uint32_t *out)
{
    if (c->left < 3)
        return false;
    *out = ((uint32_t)c->p[0] << 16) | ((uint32_t)c->p[1] << 8) | c->p[2];
    c->p += 3;
    c->left -= 3;
    return true;
}

MUST_CHECK bool cur_u64(struct cur *c, uint64_t *out);
MUST_CHECK bool cur_u64le(struct cur *c, uint64_t *out);
/* cur_varint - a QUIC variable-length integer (RFC 9000 16): the top two
 * bits of the first byte give its length, 1, 2, 4 or 8 bytes. */
MUST_CHECK bool cur_varint(struct cur *c, uint64_t *out);

/* cur_take - split n bytes off the front into out. */
MUST_CHECK static inline bool cur_take(struct cur *c, size_t n, struct cur *out)
{
    if (c->left < n)
        return false;
    out->p = c->p;
    out->left = n;
    c->p += n;
    c->left -= n;
    return true;
}

MUST_CHECK static inline bool cur_skip(struct cur *c, size_t n)
{
    if (c->left < n)
        return false;
    c->p += n;
    c->left -= n;
    return true;
}

/* cur_advance - skip min(n, remaining) bytes; for lengths already known
 * to fit, or where running out simply means "nothing left". */
static inline void cur_advance(struct cur *c, size_t n)
{
    if (n > c->left)
        n = c->left;
    c->p += n;
    c->left -= n;
}

/* cur_copy - copy n bytes out (for fixed-size fields such as randoms). */
MUST_CHECK static inline bool cur_copy(struct cur *c, void *dst, size_t n)
{
    if (c->left < n)
        return false;
    if (n)
        memcpy(dst, c->p, n);
    c->p += n;
    c->left -= n;
    return true;
}

/* Length-prefixed bodies: read the big-endian length, then take the body. */
MUST_CHECK static inline bool cur_take_len8(struct cur *c, struct cur *out)
{
    uint8_t n;
    return cur_u8(c, &n) && cur_take(c, n, out);
}

MUST_CHECK static inline bool cur_take_len16(struct cur *c, struct cur *out)
{
    uint16_t n;
    return cur_u16(c, &n) && cur_take(c, n, out);
}

MUST_CHECK static inline bool cur_take_len24(struct cur *c, struct cur *out)
{
    uint32_t n;
    return cur_u24(c, &n) && cur_take(c, n, out);
}

/* cur_peek - the byte at offset `at` without moving; false when absent. */
MUST_CHECK static inline bool cur_peek(const struct cur *c, size_t at, uint8_t *out)
{
    if (at >= c->left)
        return false;
    *out = c->p[at];
    return true;
}

/* cur_peek_u16 / cur_peek_u24 - big-endian values at an offset. */
MUST_CHECK static inline bool cur_peek_u16(const struct cur *c, size_t at, uint16_t *out)
{
    if (at >= c->left || c->left - at < 2)
        return false;
    *out = (uint16_t)((c->p[at] << 8) | c->p[at + 1]);
    return true;
}

MUST_CHECK static inline bool cur_peek_u24(const struct cur *c, size_t at, uint32_t *out)
{
    if (at >= c->left || c->left - at < 3)
        return false;
    *out = ((uint32_t)c->p[at] << 16) | ((uint32_t)c->p[at + 1] << 8) | c->p[at + 2];
    return true;
}

/* cur_tail - the bytes from offset `at` to the end (empty if beyond). */
static inline struct cur cur_tail(const struct cur *c, size_t at)
{
    struct cur t = {.p = c->p, .left = 0};
    if (at <= c->left) {
        t.p = c->p + at;
        t.left = c->left - at;
    }
    return t;
}

/* cur_head - at most n bytes from the front, without moving c. */
static inline struct cur cur_head(const struct cur *c, size_t n)
{
    struct cur h = {.p = c->p, .left = n < c->left ? n : c->left};
    return h;
}

/* cur_find - offset of the first byte equal to b at or after `from`;
 * false when there is none. */
bool cur_find(const struct cur *c, size_t from, uint8_t b, size_t *at);

/* cur_offset - how far `later` has advanced from `start`; both must be
 * cursors over the same bytes, later taken from start. */
size_t cur_offset(const struct cur *start, const struct cur *later);

/* cur_eq - the remaining bytes equal n bytes at s. */
bool cur_eq(const struct cur *c, const void *s, size_t n);
/* cur_starts - the remaining bytes start with n bytes at s. */
bool cur_starts(const struct cur *c, const void *s, size_t n);
/* cur_starts_nocase - as cur_starts, ASCII case-insensitive. */
bool cur_starts_nocase(const struct cur *c, const char *s);
/* cur_contains_nocase - does s occur anywhere in c (ASCII case-insensitive)? */
bool cur_contains_nocase(struct cur c, const char *s);
