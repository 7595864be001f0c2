#include "include/hmap.h"

#include <stdlib.h>
#include <string.h>

enum { FIRST_CAP = 64 };

static size_t home(const struct hmap *m, uint64_t hash)
{
    return (size_t)((hash * 0x9e3779b97f4a7c15ull) >> m->shift);
}

static size_t next(const struct hmap *m, size_t i)
{
    return (i + 1) & (m->cap - 1);
}

uintptr_t hmap_get(const struct hmap *m, uint64_t hash, hmap_eq eq, const void *key,
                   const void *ctx)
{
    if (!m->n)
        return 0;
    for (size_t i = home(m, hash); m->slots[i].value; i = next(m, i))
        if (m->slots[i].hash == hash && eq(m->slots[i].value, key, ctx))
            return m->slots[i].value;
    return 0;
}

static void place(struct hmap *m, uint64_t hash, uintptr_t value)
{
    size_t i = home(m, hash);
    while (m->slots[i].value)
        i = next(m, i);
    m->slots[i] = (struct hmap_slot){hash, value};
    m->n++;
}

static bool grow(struct hmap *m)
{
    size_t cap = m->cap ? m->cap * 2 : FIRST_CAP;
    if (cap > SIZE_MAX / sizeof(struct hmap_slot))
        return false;
    struct hmap_slot *slots = calloc(cap, sizeof(*slots));
    if (!slots)
        return false;
    struct hmap old = *m;
    m->slots = slots;
    m->cap = cap;
    m->n = 0;
    m->shift = 64;
    for (size_t c = cap; c > 1; c >>= 1)
        m->shift--;
    for (size_t i = 0; i < old.cap; i++)
        if (old.slots[i].value)
            place(m, old.slots[i].hash, old.slots[i].value);
    free(old.slots);
    return true;
}

bool hmap_put(struct hmap *m, uint64_t hash, uintptr_t value)
{
    if (!value)
        return false;
    if ((m->n + 1) * 2 > m->cap && !grow(m))
        return false;
    place(m, hash, value);
    return true;
}

bool hmap_remove(struct hmap *m, uint64_t hash, uintptr_t value)
{
    if (!m->n)
        return false;
    size_t hole = home(m, hash);
    while (m->slots[hole].value != value) {
        if (!m->slots[hole].value)
            return false;
        hole = next(m, hole);
    }
    /* Shift back each later entry of the chain that may move into the
     * hole: one whose home is not cyclically in (hole, i]. */
    for (size_t i = next(m, hole); m->slots[i].value; i = next(m, i)) {
        size_t h = home(m, m->slots[i].hash);
        bool stays = hole <= i ? (hole < h && h <= i) : (hole < h || h <= i);
        if (stays)
            continue;
        m->slots[hole] = m->slots[i];
        hole = i;
    }
    m->slots[hole] = (struct hmap_slot){0, 0};
    m->n--;
    return true;
}

uintptr_t hmap_each(const struct hmap *m, size_t *at)
{
    while (*at < m->cap) {
        uintptr_t v = m->slots[(*at)++].value;
        if (v)
            return v;
    }
    return 0;
}

void hmap_clear(struct hmap *m)
{
    if (m->slots)
        memset(m->slots, 0, m->cap * sizeof(*m->slots));
    m->n = 0;
}

void hmap_free(struct hmap *m)
{
    free(m->slots);
    *m = (struct hmap){0};
}

/* Two words at a time in two independent lanes: a byte at a time (FNV)
 * waited on a multiply for every byte, and for a fingerprint's text of a
 * few hundred bytes cost as much as the digest a lookup would spare. */
uint64_t hmap_hash_bytes(const void *p, size_t n, uint64_t seed)
{
    const uint8_t *b = p;
    uint64_t x = seed ^ (n * 0x9e3779b97f4a7c15u), y = ~seed, w, v;
    for (; n >= 16; b += 16, n -= 16) {
        memcpy(&w, b, 8);
        memcpy(&v, b + 8, 8);
        x = (x ^ w) * 0xbf58476d1ce4e5b9u;
        y = (y ^ v) * 0x94d049bb133111ebu;
        x ^= x >> 31;
        y ^= y >> 29;
    }
    w = v = 0;
    if (n)
        memcpy(&w, b, n < 8 ? n : 8);
    if (n > 8)
        memcpy(&v, b + 8, n - 8);
    x = (x ^ w ^ (y << 1)) * 0xbf58476d1ce4e5b9u;
    x ^= v * 0x94d049bb133111ebu;
    return x ^ x >> 31;
}
