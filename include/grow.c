#include "include/grow.h"

#include <stdint.h>
#include <stdlib.h>

void *grow_array(void *v, size_t n, size_t *cap, size_t size, size_t first)
{
    if (n < *cap)
        return v;
    size_t more = *cap ? *cap * 2 : first;
    if (more < *cap || more > SIZE_MAX / size)
        return NULL;
    void *bigger = realloc(v, more * size);
    if (bigger)
        *cap = more;
    return bigger;
}
