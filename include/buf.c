#include "include/buf.h"

#include <stdlib.h>
#include <string.h>

enum { FIRST_CAP = 256 };

size_t buf_room(const struct buf *b)
{
    return b->limit > b->len ? b->limit - b->len : 0;
}

bool buf_add(struct buf *b, const void *p, size_t n)
{
    if (n > buf_room(b))
        return false;
    if (b->cap - b->len <= n) { /* room for the bytes and the NUL */
        size_t cap = b->cap ? b->cap : FIRST_CAP;
        while (cap - b->len <= n)
            cap *= 2; /* len + n <= limit: no overflow before a limit near SIZE_MAX */
        if (cap > b->limit + 1)
            cap = b->limit + 1;
        uint8_t *bigger = realloc(b->p, cap);
        if (!bigger)
            return false;
        b->p = bigger;
        b->cap = cap;
    }
    if (n)
        memcpy(b->p + b->len, p, n);
    b->len += n;
    b->p[b->len] = 0;
    return true;
}

bool buf_puts(struct buf *b, const char *s)
{
    return buf_add(b, s, strlen(s));
}

void buf_drop_front(struct buf *b, size_t n)
{
    if (n >= b->len) {
        buf_clear(b);
        return;
    }
    memmove(b->p, b->p + n, b->len - n);
    b->len -= n;
    b->p[b->len] = 0;
}

void buf_clear(struct buf *b)
{
    b->len = 0;
    if (b->p)
        b->p[0] = 0;
}

void buf_free(struct buf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}
