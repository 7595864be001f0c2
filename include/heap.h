#pragma once

#include <stdbool.h>

/* The heaps in huge pages where the system gives them to memory a program
 * asks for (Linux's transparent huge pages, mode "madvise" or "always");
 * nothing elsewhere. */

/* heap_prepare - once, at start, before any thread: the main heap then
 * grows 16 MB at a time, so that most of what it grows can be asked for
 * before it is touched, and blocks up to 32 MB come from the heaps. */
void heap_prepare(void);

/* heap_advise - asks for huge pages over what the main heap grew since the
 * last call (its whole 2 MB pages); no system call when it did not grow.
 * Call it now and then; any thread may. Not while capturing live: a fault
 * in memory so marked may make the kernel compact memory first, a stall
 * packets arriving should not wait for, and a live capture's memory grows
 * too slowly for its faults to matter. */
void heap_advise(void);

/* heap_advise_off - for a live capture: heap_advise does nothing from
 * now on (the reason is above). */
void heap_advise_off(void);

/* heap_thread_prepare - at the start of a thread that will allocate much
 * (a tracker, the output thread): most of its heap's 64 MB in huge pages. */
void heap_thread_prepare(void);

/* heap_asks - whether this build asks at all: glibc's heaps on Linux, not
 * a sanitizer's allocator in their place. */
bool heap_asks(void);
