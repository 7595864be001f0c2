#pragma once

/* One hash map for the whole project: open addressing with linear probing,
 * and backward-shift deletion, so probe chains stay short without
 * tombstones however many entries come and go (the flow table's case).
 *
 * A slot holds a 64-bit hash and a nonzero value. What the value is (a
 * pointer to an entry that does not move, or an array index plus one) and
 * when an entry matches a key are the caller's: lookups take an equality
 * callback, so one map serves flows, key log lines, certificates and
 * endpoints. The slot is chosen from the hash's high bits after a
 * multiplication (Fibonacci hashing), so a hash that is weak in its low
 * bits does not pile entries up. The map grows by doubling before it is
 * half full. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "include/status.h"

struct hmap_slot {
    uint64_t hash;
    uintptr_t value; /* 0: empty */
};

struct hmap {
    struct hmap_slot *slots;
    size_t cap, n;
    unsigned shift; /* 64 - log2(cap) */
};

/* hmap_eq - does the entry the value stands for have this key? */
typedef bool (*hmap_eq)(uintptr_t value, const void *key, const void *ctx);

/* hmap_get - the value stored for key (hash is key's), or 0. */
uintptr_t hmap_get(const struct hmap *m, uint64_t hash, hmap_eq eq, const void *key,
                   const void *ctx);
/* hmap_put - add a nonzero value under hash. The caller looked it up
 * first: a map may hold several values with one hash, never one key
 * twice. False on no memory (the map is as it was). */
MUST_CHECK bool hmap_put(struct hmap *m, uint64_t hash, uintptr_t value);
/* hmap_remove - take out the slot holding this very value; false when
 * it is not there. */
bool hmap_remove(struct hmap *m, uint64_t hash, uintptr_t value);
/* hmap_each - the stored values, in slot order, for freeing them: call
 * with *at = 0 until it returns 0. The map must not change meanwhile. */
uintptr_t hmap_each(const struct hmap *m, size_t *at);
/* hmap_clear - no entries, the slots kept; hmap_free - no slots either. */
void hmap_clear(struct hmap *m);
void hmap_free(struct hmap *m);

/* hmap_hash_bytes - a 64-bit hash of n bytes (a word at a time), for keys
 * that are not already random like a client random or a SHA-256. */
uint64_t hmap_hash_bytes(const void *p, size_t n, uint64_t seed);
