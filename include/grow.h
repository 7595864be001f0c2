#pragma once

/* Heap arrays that grow by doubling. */

#include <stdbool.h>
#include <stddef.h>

/* grow_array - when an array of n elements of `size` bytes is full (n ==
 * *cap), a larger copy (first elements at the start, then doubling); the
 * array itself otherwise. NULL on no memory, the array left as it was. */
void *grow_array(void *v, size_t n, size_t *cap, size_t size, size_t first);
