#include "include/heap.h"

#include <stdatomic.h>
#include <stdint.h>

#if defined(__linux__) && defined(__GLIBC__)
#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>
#endif

/* Each 4 KB page touched for the first time costs a fault: 9 µs on the
 * virtual machines the benchmarks run on, and small's CSV touched 3,000
 * (docs/performance.md, the sixteenth step of issue 19). A 2 MB page costs
 * one. glibc asks for them over its heap only when told so through the
 * environment (glibc.malloc.hugetlb), which a program cannot set for
 * itself; the main heap grows at its end (brk), so what it grew between
 * two calls is known, and is asked for here. The threads' heaps (-j) are
 * left alone: they grow a page at a time, too little for a huge page. */
#if defined(__linux__) && defined(__GLIBC__) && defined(M_TOP_PAD) && defined(MADV_HUGEPAGE)
#define HEAP_HUGE_PAGES 1
#endif

enum { HUGE_PAGE = 2 << 20, TOP_PAD = 16 << 20 };

static _Atomic uintptr_t advised; /* the heap's end when last asked; 0: never prepared */

void heap_prepare(void)
{
#ifdef HEAP_HUGE_PAGES
    void *end = sbrk(0);
    if (end == (void *)-1 || !mallopt(M_TOP_PAD, TOP_PAD))
        return;
    atomic_store(&advised, (uintptr_t)end);
#endif
}

void heap_advise(void)
{
#ifdef HEAP_HUGE_PAGES
    uintptr_t from = atomic_load(&advised);
    void *end = sbrk(0);
    if (!from || end == (void *)-1)
        return;
    uintptr_t brk = (uintptr_t)end;
    if (brk < from) { /* trimmed: what grows again is new memory */
        atomic_compare_exchange_strong(&advised, &from, brk);
        return;
    }
    uintptr_t lo = (from + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
    uintptr_t hi = brk & ~(uintptr_t)(HUGE_PAGE - 1);
    if (hi > lo && atomic_compare_exchange_strong(&advised, &from, hi))
        (void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
#endif
}
