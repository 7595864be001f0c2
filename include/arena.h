#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "include/status.h"

/* A bump allocator owned by one session. Everything a dissector keeps is
 * copied in; the arena is freed as a whole and nobody frees pieces of it. */
struct arena;

/* arena_new - an empty arena; NULL when out of memory. */
struct arena *arena_new(void);
/* arena_free - release the arena and everything allocated from it. */
void arena_free(struct arena *a);

/* arena_alloc - n zeroed bytes aligned for any type; NULL when out of
 * memory or when the arena's byte cap would be exceeded. */
void *arena_alloc(struct arena *a, size_t n);
void *arena_memdup(struct arena *a, const void *p, size_t n);
/* arena_strndup - a NUL-terminated copy of at most n bytes of s. */
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_strdup(struct arena *a, const char *s);
char *arena_sprintf(struct arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
char *arena_vsprintf(struct arena *a, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/* arena_grow - make room for one more element in a growing array.
 * *items points to *n elements of `size` bytes with room for *cap; on
 * success the array has room for *n + 1. Old storage stays in the arena. */
MUST_CHECK bool arena_grow(struct arena *a, void **items, size_t n,
                           size_t *cap, size_t size);

/* arena_reserve - room for `more` elements beyond *n in one step, for a
 * list whose length is known (or usually reached) before it is filled:
 * growing by doubling from four copies a list of twenty three times. */
MUST_CHECK bool arena_reserve(struct arena *a, void **items, size_t n,
                              size_t *cap, size_t size, size_t more);

/* arena_used - bytes handed out so far (for limits and reports). */
size_t arena_used(const struct arena *a);
/* arena_set_cap - refuse allocations once `cap` bytes are in use (0: none). */
void arena_set_cap(struct arena *a, size_t cap);

#define ARENA_RESERVE(a, arr, more)                                            \
    arena_reserve((a), (void **)&(arr).v, (arr).n, &(arr).cap,                 \
                  sizeof(*(arr).v), (more))

/* ARENA_PUSH - append *elem to a {v, n, cap} array; false on no memory.
 * The room is checked inline: most pushes need no growing. */
#define ARENA_PUSH(a, arr, elem)                                               \
    (((arr).n < (arr).cap ||                                                   \
      arena_grow((a), (void **)&(arr).v, (arr).n, &(arr).cap,                  \
                 sizeof(*(arr).v))) &&                                         \
     (((arr).v[(arr).n++] = (elem)), true))
