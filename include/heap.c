#include "include/heap.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

#if defined(__linux__) && defined(__GLIBC__)
#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>
#endif

/* Each 4 KB page touched for the first time costs a fault: 9 µs on the
 * virtual machines the benchmarks run on, and small's CSV touched 3,000
 * (docs/performance.md, the sixteenth step of issue 19). A 2 MB page costs
 * one. glibc asks for them over its heaps only when told so through the
 * environment (glibc.malloc.hugetlb), which a program cannot set for
 * itself, so it is done here:
 * - the main heap grows at its end (brk), so what it grew between two
 *   calls is known, and is asked for;
 * - a thread's heap grows a page at a time, too little for a huge page:
 *   it is grown to most of its 64 MB at once, by blocks taken and given
 *   back, and that room asked for. */
#if defined(__linux__) && defined(__GLIBC__) && defined(M_TOP_PAD) && defined(M_MMAP_THRESHOLD) &&              \
    defined(MADV_HUGEPAGE)
#define HEAP_HUGE_PAGES 1
#endif
/* A sanitizer's allocator takes the place of glibc's heaps: there a
 * thread's block would only be poisoned and held in quarantine. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#undef HEAP_HUGE_PAGES
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#undef HEAP_HUGE_PAGES
#endif
#endif

#ifdef HEAP_HUGE_PAGES
enum { HUGE_PAGE = 2 << 20, TOP_PAD = 16 << 20, MMAP_THRESHOLD = 32 << 20 };
/* A thread's heap is at most 64 MB (glibc's HEAP_MAX_SIZE), and a block
 * must stay under MMAP_THRESHOLD to come from it: two blocks of 28 MB
 * fill most of it. With one of 16 MB, quic's sessions outgrew the room
 * on each tracker at -j 2, and every page past it was a fault: 14,700
 * faults against 2,900 at -j 1 (docs/performance.md, nineteenth step). */
enum { THREAD_BLOCK = 28 << 20, THREAD_BLOCKS = 2 };

static _Atomic uintptr_t advised; /* the heap's end when last asked; 0: never prepared */
static _Atomic bool advise_off;    /* a live capture */

static uintptr_t page_up(uintptr_t p)
{
    return (p + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
}

static uintptr_t page_down(uintptr_t p)
{
    return p & ~(uintptr_t)(HUGE_PAGE - 1);
}
#endif

void heap_prepare(void)
{
#ifdef HEAP_HUGE_PAGES
    void *end = sbrk(0);
    /* blocks up to 32 MB from the heaps, not mapped and unmapped each on
     * its own (a thread's THREAD_BLOCKs among them) */
    if (end == (void *)-1 || !mallopt(M_TOP_PAD, TOP_PAD) || !mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD))
        return;
    atomic_store(&advised, (uintptr_t)end);
#endif
}

void heap_advise(void)
{
#ifdef HEAP_HUGE_PAGES
    if (atomic_load_explicit(&advise_off, memory_order_relaxed))
        return;
    uintptr_t from = atomic_load(&advised);
    void *end = sbrk(0);
    if (!from || end == (void *)-1)
        return;
    uintptr_t brk = (uintptr_t)end;
    if (brk < from) { /* trimmed: what grows again is new memory */
        atomic_compare_exchange_strong(&advised, &from, brk);
        return;
    }
    uintptr_t lo = page_up(from), hi = page_down(brk);
    if (hi > lo && atomic_compare_exchange_strong(&advised, &from, hi))
        (void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
#endif
}

void heap_advise_off(void)
{
#ifdef HEAP_HUGE_PAGES
    atomic_store(&advise_off, true);
#endif
}

void heap_thread_prepare(void)
{
#ifdef HEAP_HUGE_PAGES
    if (!atomic_load(&advised))
        return; /* not prepared: the blocks would be mapped on their own */
    uint8_t *blocks[THREAD_BLOCKS];
    size_t n = 0;
    while (n < THREAD_BLOCKS && (blocks[n] = malloc(THREAD_BLOCK)) != NULL) {
        uintptr_t lo = page_up((uintptr_t)blocks[n]), hi = page_down((uintptr_t)blocks[n] + THREAD_BLOCK);
        if (hi > lo)
            (void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
        n++;
    }
    /* back to the thread's heap: trimmed or not, the room keeps the flag */
    while (n)
        free(blocks[--n]);
#endif
}

bool heap_asks(void)
{
#ifdef HEAP_HUGE_PAGES
    return true;
#else
    return false;
#endif
}
