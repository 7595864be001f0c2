/* The --expect parser. Input: one expectation's text. */
#include <stdlib.h>
#include <string.h>

#include "rules/expect.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        abort();
    memcpy(text, data, size);
    text[size] = 0;
    struct expectation e;
    char err[512];
    (void)expectation_parse(text, &e, err, sizeof(err));
    free(text);
    return 0;
}
