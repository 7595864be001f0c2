#pragma once

/* A byte buffer that grows by doubling up to a limit it never passes, so
 * the most a peer can make tlsscope hold for one purpose is stated where
 * the buffer is used. The bytes are always followed by a NUL, so a buffer
 * of text is a C string. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "include/status.h"

struct buf {
    uint8_t *p;
    size_t len, cap; /* cap counts the NUL's byte */
    size_t limit;    /* most bytes it may hold */
};

/* buf_add - append n bytes; false, and the buffer as it was, when they
 * would pass the limit or memory ran out. */
MUST_CHECK bool buf_add(struct buf *b, const void *p, size_t n);
MUST_CHECK bool buf_puts(struct buf *b, const char *s);
/* buf_room - how many more bytes the limit allows. */
size_t buf_room(const struct buf *b);
/* buf_drop_front - forget the first n bytes (all, when n >= len). */
void buf_drop_front(struct buf *b, size_t n);
/* buf_clear - empty, the storage kept; buf_free - the storage released
 * (the limit stays). */
void buf_clear(struct buf *b);
void buf_free(struct buf *b);
