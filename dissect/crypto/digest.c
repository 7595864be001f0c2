/* Digests of small inputs, many times a session (certificate cache keys,
 * JA3/JA4). OpenSSL 3's one-shot calls fetch the algorithm and allocate a
 * context every time, which cost more than hashing a few hundred bytes; here
 * the algorithms are fetched once and each thread keeps its context. */
#include "dissect/internal.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <stdlib.h>

static EVP_MD *algs[DIGEST_COUNT];
static pthread_once_t fetch_once = PTHREAD_ONCE_INIT;
static pthread_key_t ctx_key;

static void free_ctx(void *ctx)
{
    EVP_MD_CTX_free(ctx);
}

static void fetch(void)
{
    static const char *const names[DIGEST_COUNT] = {"MD5", "SHA1", "SHA256"};
    for (int i = 0; i < DIGEST_COUNT; i++)
        algs[i] = EVP_MD_fetch(NULL, names[i], NULL);
    (void)pthread_key_create(&ctx_key, free_ctx);
}

unsigned digest(enum digest_alg alg, const void *p, size_t n, uint8_t out[64])
{
    pthread_once(&fetch_once, fetch);
    EVP_MD_CTX *ctx = pthread_getspecific(ctx_key);
    if (!ctx && (ctx = EVP_MD_CTX_new()) != NULL && pthread_setspecific(ctx_key, ctx) != 0) {
        EVP_MD_CTX_free(ctx);
        ctx = NULL;
    }
    unsigned len = 0;
    if (!ctx || !algs[alg] || !EVP_DigestInit_ex2(ctx, algs[alg], NULL) || !EVP_DigestUpdate(ctx, p, n) ||
        !EVP_DigestFinal_ex(ctx, out, &len))
        return 0;
    return len;
}
