#pragma once

/* The main heap in huge pages where the system gives them to memory a
 * program asks for (Linux's transparent huge pages, mode "madvise" or
 * "always"); nothing elsewhere. */

/* heap_prepare - once, at start: the main heap then grows 16 MB at a time,
 * so that most of what it grows can be asked for before it is touched. */
void heap_prepare(void);

/* heap_advise - asks for huge pages over what the main heap grew since the
 * last call (its whole 2 MB pages); no system call when it did not grow.
 * Call it now and then; any thread may. */
void heap_advise(void);
