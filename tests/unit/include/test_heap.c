/* heap_advise: what the main heap grew after heap_prepare is marked for
 * huge pages (the "hg" flag of its mapping in /proc/self/smaps), and what
 * it held before is not; arenas ask as they grow it; heap_advise_off
 * stops it; heap_thread_prepare: a thread's heap is marked where its
 * next blocks come from. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "include/arena.h"
#include "include/heap.h"

/* Skips the test where heap.c cannot ask (another allocator, a kernel
 * without transparent huge pages); prepares the heaps otherwise. */
static void prepare_or_skip(void)
{
    if (!heap_asks())
        skip();
    if (access("/sys/kernel/mm/transparent_hugepage/enabled", R_OK) != 0)
        skip();
    heap_prepare();
}

/* Does the mapping holding addr carry VmFlags flag? */
static bool mapping_has(uintptr_t addr, const char *flag)
{
    FILE *f = fopen("/proc/self/smaps", "r");
    assert_non_null(f);
    char line[512];
    bool inside = false, has = false;
    while (fgets(line, sizeof(line), f)) {
        unsigned long lo, hi;
        if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2) { /* a mapping's first line; its fields follow */
            inside = addr >= lo && addr < hi;
            continue;
        }
        if (inside && strncmp(line, "VmFlags:", 8) == 0) {
            char want[8];
            snprintf(want, sizeof(want), " %s", flag);
            has = strstr(line, want) != NULL;
            break;
        }
    }
    fclose(f);
    return has;
}

static void grown_heap_is_marked(void **state)
{
    (void)state;
    prepare_or_skip();
    uintptr_t before = (uintptr_t)sbrk(0);
    enum { BLOCKS = 10000, BLOCK = 4000 };
    void **v = calloc(BLOCKS, sizeof(*v));
    assert_non_null(v);
    for (size_t i = 0; i < BLOCKS; i++) {
        v[i] = malloc(BLOCK);
        assert_non_null(v[i]);
    }
    uintptr_t after = (uintptr_t)sbrk(0);
    if (after - before < (8u << 20)) {
        for (size_t i = 0; i < BLOCKS; i++)
            free(v[i]);
        free(v);
        skip(); /* not glibc's heap at the end of the data (a sanitizer's allocator) */
    }
    uintptr_t first_huge = (before + (2u << 20) - 1) & ~(uintptr_t)((2u << 20) - 1);
    assert_false(mapping_has(first_huge, "hg"));
    heap_advise();
    assert_true(mapping_has(first_huge, "hg"));
    assert_true(mapping_has((after & ~(uintptr_t)((2u << 20) - 1)) - 1, "hg"));
    assert_false(mapping_has(before - 1, "hg"));
    for (size_t i = 0; i < BLOCKS; i++)
        free(v[i]);
    free(v);
}

/* On a thread: whether the last of the blocks taken after
 * heap_thread_prepare (or without it) lies in memory marked for huge
 * pages. Blocks of an arena chunk's size, as sessions take them. */
enum { THREAD_BLOCK = 8 << 10 };

struct thread_run {
    bool prepare;
    size_t bytes;
    bool marked;
};

static void *thread_blocks(void *arg)
{
    struct thread_run *run = arg;
    if (run->prepare)
        heap_thread_prepare();
    size_t n = run->bytes / THREAD_BLOCK;
    char **v = calloc(n, sizeof(*v));
    assert_non_null(v);
    for (size_t i = 0; i < n; i++) {
        v[i] = malloc(THREAD_BLOCK);
        assert_non_null(v[i]);
        memset(v[i], 1, THREAD_BLOCK);
    }
    run->marked = mapping_has((uintptr_t)v[n - 1], "hg");
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
    return NULL;
}

static bool last_block_marked(bool prepare, size_t bytes)
{
    struct thread_run run = {.prepare = prepare, .bytes = bytes};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, thread_blocks, &run), 0);
    assert_int_equal(pthread_join(t, NULL), 0);
    return run.marked;
}

/* past the first huge page boundary of the room the thread's heap made,
 * and past the 16 MB it once made (quic's sessions on a tracker outgrew
 * them) */
static void thread_heap_is_marked(void **state)
{
    (void)state;
    prepare_or_skip();
    assert_false(last_block_marked(false, 4u << 20));
    assert_true(last_block_marked(true, 4u << 20));
    assert_true(last_block_marked(true, 48u << 20));
}

/* What the main heap grew under `count` blocks from take: whether it grew
 * (8 MB or more; the test is skipped otherwise, for it is not glibc's
 * heap at the end of the data) and whether its last whole 2 MB page is
 * marked, looked at after heap_advise when `advise`. */
static bool last_grown_page_marked(void *(*take)(void), void (*give)(void *), size_t count, bool advise)
{
    void **v = calloc(count, sizeof(*v));
    assert_non_null(v);
    uintptr_t before = (uintptr_t)sbrk(0);
    for (size_t i = 0; i < count; i++) {
        v[i] = take();
        assert_non_null(v[i]);
    }
    uintptr_t after = (uintptr_t)sbrk(0);
    if (advise)
        heap_advise();
    bool grew = after - before >= (8u << 20);
    bool marked = grew && mapping_has((after & ~(uintptr_t)((2u << 20) - 1)) - 1, "hg");
    for (size_t i = 0; i < count; i++)
        give(v[i]);
    free(v);
    if (!grew)
        skip();
    return marked;
}

static void *take_arena(void) { return arena_new(); }
static void give_arena(void *a) { arena_free(a); }
static void *take_block(void) { return malloc(4000); }

/* Arena chunks ask as they are taken: what the heap grew under new
 * sessions is marked without a call to heap_advise. 64 MB of chunks:
 * past the heap's 16 MB of room. */
static void arenas_mark_what_they_grow(void **state)
{
    (void)state;
    prepare_or_skip();
    assert_true(last_grown_page_marked(take_arena, give_arena, 8000, false));
}

/* After heap_advise_off (a live capture), nothing more is asked for. Last:
 * it cannot be undone. */
static void nothing_asked_after_off(void **state)
{
    (void)state;
    prepare_or_skip();
    heap_advise_off();
    assert_false(last_grown_page_marked(take_block, free, 16000, true));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(grown_heap_is_marked),
        cmocka_unit_test(thread_heap_is_marked),
        cmocka_unit_test(arenas_mark_what_they_grow),
        cmocka_unit_test(nothing_asked_after_off),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
