#pragma once

/* Bytes that arrive at offsets, out of order, repeated or overlapping
 * (QUIC CRYPTO frames, DTLS handshake fragments), gathered into one buffer
 * that never grows past a limit stated where it is used. What has arrived
 * is kept as a few disjoint spans; the prefix that is whole is what a
 * reader may take. */

#include <stddef.h>
#include <stdint.h>

#include "include/cur.h"

enum { GATHER_SPANS = 32 };

struct gather_span {
    uint64_t lo, hi; /* [lo, hi) */
};

struct gather {
    uint8_t *p;
    size_t cap;   /* allocated */
    size_t limit; /* no byte at or past this offset is kept */
    struct gather_span span[GATHER_SPANS]; /* sorted, disjoint, not touching */
    uint8_t n;
};

enum gather_result {
    GATHER_OK,
    GATHER_LIMIT, /* the bytes reach past the limit: none kept */
    GATHER_SPANS_FULL, /* too many holes: none kept */
    GATHER_NOMEM,
};

/* gather_add - keep bytes found at offset. Bytes already held are not
 * compared: the first copy stays. */
enum gather_result gather_add(struct gather *g, uint64_t offset, struct cur bytes);
/* gather_whole - how many bytes from offset 0 on have all arrived. */
size_t gather_whole(const struct gather *g);
/* gather_drop_bytes - the bytes held are no longer needed (a reader took
 * them): their storage goes, the spans stay, so bytes sent again are still
 * known as held. A later gather_add makes room again. */
void gather_drop_bytes(struct gather *g);
/* gather_reset - empty, the storage kept; gather_free - released. */
void gather_reset(struct gather *g);
void gather_free(struct gather *g);
