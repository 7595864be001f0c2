/* Copying what a parser read into the session's arena: the bytes of a
 * vector, and a list of 16-bit values (groups, signature schemes...). */
#include "dissect/internal.h"

bool store_u16s(struct arena *a, struct cur c, struct u16s *out)
{
    if (c.left % 2 || !ARENA_RESERVE(a, *out, c.left / 2))
        return false;
    while (c.left) {
        uint16_t v;
        if (!cur_u16(&c, &v) || !ARENA_PUSH(a, *out, v))
            return false;
    }
    return true;
}

bool store_bytes(struct arena *a, struct cur c, struct bytes *out)
{
    out->len = c.left;
    out->p = NULL;
    if (!c.left)
        return true;
    uint8_t *p = arena_memdup(a, c.p, c.left);
    if (!p)
        return false;
    out->p = p;
    return true;
}
