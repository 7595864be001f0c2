#include "include/gather.h"

#include <stdlib.h>
#include <string.h>

enum { FIRST_CAP = 2048 };

size_t gather_whole(const struct gather *g)
{
    return g->n && g->span[0].lo == 0 ? (size_t)g->span[0].hi : 0;
}

static bool room(struct gather *g, size_t end)
{
    if (end <= g->cap)
        return true;
    size_t cap = g->cap ? g->cap : FIRST_CAP;
    while (cap < end)
        cap *= 2;
    if (cap > g->limit)
        cap = g->limit;
    uint8_t *bigger = realloc(g->p, cap);
    if (!bigger)
        return false;
    g->p = bigger;
    g->cap = cap;
    return true;
}

/* Copy into the holes of [lo, hi) only, so bytes held keep their first
 * value, then merge the spans it touches into one. */
enum gather_result gather_add(struct gather *g, uint64_t offset, struct cur bytes)
{
    if (offset > g->limit || bytes.left > g->limit - offset)
        return GATHER_LIMIT;
    uint64_t lo = offset, hi = offset + bytes.left;
    if (lo == hi)
        return GATHER_OK;
    size_t first = 0; /* the first span that ends at or after lo */
    while (first < g->n && g->span[first].hi < lo)
        first++;
    size_t last = first; /* one past the last span that starts at or before hi */
    while (last < g->n && g->span[last].lo <= hi)
        last++;
    if (first == last && g->n == GATHER_SPANS)
        return GATHER_SPANS_FULL;
    if (!room(g, (size_t)hi))
        return GATHER_NOMEM;
    uint64_t at = lo;
    for (size_t i = first; i < last && at < hi; i++) {
        if (g->span[i].lo > at)
            memcpy(g->p + at, bytes.p + (at - lo), (size_t)(g->span[i].lo - at));
        if (g->span[i].hi > at)
            at = g->span[i].hi;
    }
    if (at < hi)
        memcpy(g->p + at, bytes.p + (at - lo), (size_t)(hi - at));
    struct gather_span merged = {lo, hi};
    if (first < last) {
        if (g->span[first].lo < merged.lo)
            merged.lo = g->span[first].lo;
        if (g->span[last - 1].hi > merged.hi)
            merged.hi = g->span[last - 1].hi;
    }
    size_t removed = last - first;
    if (removed == 0) {
        memmove(&g->span[first + 1], &g->span[first], (g->n - first) * sizeof(g->span[0]));
        g->n++;
    } else if (removed > 1) {
        memmove(&g->span[first + 1], &g->span[last], (g->n - last) * sizeof(g->span[0]));
        g->n = (uint8_t)(g->n - (removed - 1));
    }
    g->span[first] = merged;
    return GATHER_OK;
}

void gather_drop_bytes(struct gather *g)
{
    free(g->p);
    g->p = NULL;
    g->cap = 0;
}

void gather_reset(struct gather *g)
{
    g->n = 0;
}

void gather_free(struct gather *g)
{
    free(g->p);
    g->p = NULL;
    g->cap = 0;
    g->n = 0;
}
