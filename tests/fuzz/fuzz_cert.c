/* Certificate decoding (OpenSSL underneath, then every fact tlsscope
 * takes from it) and OCSP responses. Input: DER. */
#include <stdlib.h>

#include "dissect/internal.h"
#include "tests/fuzz/fuzz.h"

static void no_session(void *ctx, struct session *s)
{
    (void)ctx;
    session_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct dissect_config dc = dissect_config_default();
    struct dissect *d = dissect_new(&dc, no_session, NULL);
    struct arena *a = arena_new();
    if (!d || !a)
        abort();
    struct cert cert, again;
    x509_decode(d, a, cur_make(data, size), &cert);
    x509_decode(d, a, cur_make(data, size), &again); /* from the cache */
    struct cert_status status;
    ocsp_decode(a, cur_make(data, size), &status);
    arena_free(a);
    dissect_free(d);
    return 0;
}
