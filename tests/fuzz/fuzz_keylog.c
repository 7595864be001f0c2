/* The NSS key log parser. Input: key log text. */
#include <stdlib.h>

#include "dissect/crypto/keylog.h"
#include "tests/fuzz/fuzz.h"

static void count(void *ctx, const char *message)
{
    (void)message;
    (*(size_t *)ctx)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t warnings = 0;
    struct keylog *k = keylog_new(count, &warnings);
    if (!k)
        abort();
    keylog_add_text(k, "fuzz", (const char *)data, size);
    keylog_flush(k);
    keylog_free(k);
    return 0;
}
