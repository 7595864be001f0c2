/* OpenSSL's names for cipher suites (ECDHE-RSA-AES128-GCM-SHA256), so a
 * user can name a suite the way openssl ciphers and server configurations
 * do. The table is OpenSSL's own, read once from every suite it knows. */
#include "dissect/registry/registry.h"

#include <openssl/ssl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct openssl_name {
    uint16_t code;
    char name[64];
};

static struct openssl_name *names;
static size_t n_names;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void load(void)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_method());
    if (!ctx)
        return;
    /* every suite this OpenSSL has, however weak, at security level 0 */
    SSL_CTX_set_security_level(ctx, 0);
    SSL_CTX_set_min_proto_version(ctx, 0);
    (void)SSL_CTX_set_cipher_list(ctx, "ALL:COMPLEMENTOFALL:@SECLEVEL=0");
    SSL *ssl = SSL_new(ctx);
    STACK_OF(SSL_CIPHER) *list = ssl ? SSL_get_ciphers(ssl) : NULL;
    int n = list ? sk_SSL_CIPHER_num(list) : 0;
    names = n > 0 ? calloc((size_t)n, sizeof(*names)) : NULL;
    for (int i = 0; names && i < n; i++) {
        const SSL_CIPHER *c = sk_SSL_CIPHER_value(list, i);
        names[n_names].code = SSL_CIPHER_get_protocol_id(c);
        snprintf(names[n_names].name, sizeof(names[n_names].name), "%s", SSL_CIPHER_get_name(c));
        n_names++;
    }
    SSL_free(ssl);
    SSL_CTX_free(ctx);
}

const char *registry_openssl_cipher_name(uint32_t code)
{
    pthread_once(&once, load);
    for (size_t i = 0; i < n_names; i++)
        if (names[i].code == code)
            return names[i].name;
    return NULL;
}

bool registry_openssl_cipher_code(const char *name, uint32_t *code)
{
    pthread_once(&once, load);
    for (size_t i = 0; i < n_names; i++)
        if (strcasecmp(names[i].name, name) == 0) {
            *code = names[i].code;
            return true;
        }
    return false;
}
