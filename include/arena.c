#include "include/arena.h"

#include "include/heap.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { CHUNK_SIZE = 8192, ALIGN = 16 };

struct chunk {
    struct chunk *next;
    size_t size, used;
    _Alignas(ALIGN) unsigned char mem[];
};

struct arena {
    struct chunk *head;
    size_t used, cap;
};

/* Chunks of the usual size are kept for reuse when an arena is freed.
 * Sessions are made on one thread and freed on another (-j): through
 * malloc, every chunk would go back under the lock of the heap it came
 * from while its owner takes new ones from it. Each thread keeps the
 * chunks it frees and takes from them first, without a lock; they move
 * between threads a batch at a time. A lock taken for every chunk was
 * contended at -j 2 (a tracker taking, the writer giving): each time a
 * thread slept and was woken by the other, 2,600 times on small's full
 * JSON (docs/performance.md, nineteenth step). Bounded: what is beyond
 * POOL_MAX in the shared pool goes back to malloc, and a thread keeps
 * at most two batches. */
enum { POOL_MAX = 1024, BATCH = 32, POOL_BATCHES = POOL_MAX / BATCH };

struct batch {
    struct chunk *head; /* linked by next */
    size_t n;
};

static struct {
    pthread_mutex_t lock;
    struct batch full[POOL_BATCHES]; /* BATCH chunks each, fewer from a thread that ended */
    size_t n;
    pthread_once_t once;
    pthread_key_t exit_key; /* gives an ending thread's chunks back */
    bool has_key;
} pool = {.lock = PTHREAD_MUTEX_INITIALIZER, .once = PTHREAD_ONCE_INIT};

/* This thread's chunks: one batch filling and emptying, one full. */
static _Thread_local struct {
    struct batch open, full;
    bool registered;
} mine;

static void free_list(struct chunk *c)
{
    while (c) {
        struct chunk *next = c->next;
        free(c);
        c = next;
    }
}

/* A batch to the shared pool, or back to malloc when the pool is full. */
static void pool_put(struct batch bt)
{
    if (!bt.n)
        return;
    pthread_mutex_lock(&pool.lock);
    bool kept = pool.n < POOL_BATCHES;
    if (kept)
        pool.full[pool.n++] = bt;
    pthread_mutex_unlock(&pool.lock);
    if (!kept)
        free_list(bt.head);
}

static void thread_ends(void *unused)
{
    (void)unused;
    pool_put(mine.full);
    pool_put(mine.open);
    mine.open = mine.full = (struct batch){0};
    mine.registered = false; /* a later destructor's frees register again */
}

static void make_exit_key(void)
{
    pool.has_key = pthread_key_create(&pool.exit_key, thread_ends) == 0;
}

/* Before a thread holds chunks: they go back to the pool when it ends. A
 * thread that takes a batch and ends before using it all would lose the
 * rest otherwise, as would one that only frees. False when that cannot
 * be arranged; the thread then holds none. */
static bool may_hold(void)
{
    if (!mine.registered) {
        pthread_once(&pool.once, make_exit_key);
        mine.registered = pool.has_key && pthread_setspecific(pool.exit_key, &mine) == 0;
    }
    return mine.registered;
}

static struct chunk *pool_take(void)
{
    if (!mine.open.n) {
        if (mine.full.n) {
            mine.open = mine.full;
            mine.full = (struct batch){0};
        } else {
            if (!may_hold())
                return NULL;
            pthread_mutex_lock(&pool.lock);
            if (pool.n)
                mine.open = pool.full[--pool.n];
            pthread_mutex_unlock(&pool.lock);
            if (!mine.open.n)
                return NULL;
        }
    }
    struct chunk *c = mine.open.head;
    mine.open.head = c->next;
    mine.open.n--;
    return c;
}

static void keep(struct chunk *c)
{
    if (!may_hold()) {
        c->next = NULL;
        pool_put((struct batch){.head = c, .n = 1});
        return;
    }
    c->next = mine.open.head;
    mine.open.head = c;
    if (++mine.open.n < BATCH)
        return;
    pool_put(mine.full);
    mine.full = mine.open;
    mine.open = (struct batch){0};
}

/* Gives back a list of chunks of any size: those of the usual size are
 * kept. */
static void pool_give(struct chunk *c)
{
    while (c) {
        struct chunk *next = c->next;
        if (c->size == CHUNK_SIZE)
            keep(c);
        else
            free(c);
        c = next;
    }
}

static struct chunk *chunk_new(size_t size)
{
    struct chunk *c = size == CHUNK_SIZE ? pool_take() : NULL;
    if (!c) {
        if (!(c = malloc(sizeof(*c) + size)))
            return NULL;
        /* Sessions are most of what the heap grows by: what it grew is
         * asked for in huge pages now, before the session touches it,
         * not at the end of the batch (small's CSV: 849 page faults
         * instead of 1,635; its full JSON 4-8 % faster) */
        heap_advise();
    }
    c->next = NULL;
    c->size = size;
    c->used = 0;
    return c;
}

/* The arena lives at the start of its first chunk, so that a session is
 * made of chunks only, all kept for reuse when it is freed. */
enum { HEADER = (sizeof(struct arena) + ALIGN - 1) & ~(size_t)(ALIGN - 1) };

struct arena *arena_new(void)
{
    struct chunk *c = chunk_new(CHUNK_SIZE);
    if (!c)
        return NULL;
    struct arena *a = (struct arena *)(void *)c->mem;
    *a = (struct arena){.head = c};
    c->used = HEADER;
    return a;
}

void arena_free(struct arena *a)
{
    if (a)
        pool_give(a->head); /* a itself is in one of them */
}

/* n bytes as they were left: for a copy, which writes each one anyway
 * (on small's full JSON, a third of the bytes the arenas zeroed were
 * then copied over). */
static void *take(struct arena *a, size_t n)
{
    if (n == 0)
        n = 1;
    if (n > SIZE_MAX / 2)
        return NULL;
    size_t rounded = (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    if (a->cap && a->used + rounded > a->cap)
        return NULL;
    struct chunk *c = a->head;
    if (!c || c->size - c->used < rounded) {
        if (rounded > CHUNK_SIZE / 4) {
            /* A big block gets a chunk of its own (of the usual size when
             * it fits, to be kept for reuse); of that chunk and the
             * current one, the one with more room left goes on. */
            struct chunk *big = chunk_new(rounded <= CHUNK_SIZE ? CHUNK_SIZE : rounded);
            if (!big)
                return NULL;
            big->used = rounded;
            if (c && c->size - c->used >= big->size - big->used) {
                big->next = c->next;
                c->next = big;
            } else {
                big->next = c;
                a->head = big;
            }
            a->used += rounded;
            return big->mem;
        }
        c = chunk_new(CHUNK_SIZE);
        if (!c)
            return NULL;
        c->next = a->head;
        a->head = c;
    }
    void *p = c->mem + c->used;
    c->used += rounded;
    a->used += rounded;
    return p;
}

void *arena_alloc(struct arena *a, size_t n)
{
    void *p = take(a, n);
    if (p)
        memset(p, 0, n ? n : 1);
    return p;
}

void *arena_memdup(struct arena *a, const void *p, size_t n)
{
    void *d = take(a, n);
    if (d && n)
        memcpy(d, p, n);
    return d;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *d = take(a, len + 1);
    if (d) {
        memcpy(d, s, len);
        d[len] = '\0';
    }
    return d;
}

char *arena_strdup(struct arena *a, const char *s)
{
    return arena_strndup(a, s, strlen(s));
}

char *arena_vsprintf(struct arena *a, const char *fmt, va_list ap)
{
    va_list again;
    va_copy(again, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    char *d = NULL;
    if (n >= 0 && (d = take(a, (size_t)n + 1)) != NULL)
        vsnprintf(d, (size_t)n + 1, fmt, again);
    va_end(again);
    return d;
}

char *arena_sprintf(struct arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *d = arena_vsprintf(a, fmt, ap);
    va_end(ap);
    return d;
}

/* the list in room for ncap elements: what it holds copied, the rest zeroed */
static bool move_to(struct arena *a, void **items, size_t n, size_t *cap, size_t size, size_t ncap)
{
    if (ncap > SIZE_MAX / size)
        return false;
    unsigned char *fresh = take(a, ncap * size);
    if (!fresh)
        return false;
    if (n)
        memcpy(fresh, *items, n * size);
    memset(fresh + n * size, 0, (ncap - n) * size);
    *items = fresh;
    *cap = ncap;
    return true;
}

bool arena_grow(struct arena *a, void **items, size_t n, size_t *cap,
                size_t size)
{
    if (n < *cap)
        return true;
    return move_to(a, items, n, cap, size, *cap ? *cap * 2 : 4);
}

bool arena_reserve(struct arena *a, void **items, size_t n, size_t *cap, size_t size,
                   size_t more)
{
    if (more <= *cap - n)
        return true;
    if (more > SIZE_MAX - n)
        return false;
    return move_to(a, items, n, cap, size, n + more);
}

size_t arena_used(const struct arena *a)
{
    return a->used;
}

void arena_set_cap(struct arena *a, size_t cap)
{
    a->cap = cap;
}
