/* Deriving record keys from a key log's secrets.
 *
 * TLS 1.3 (RFC 8446 7.1, 7.3): key and IV are HKDF-Expand-Label(secret,
 * "key"/"iv"); KeyUpdate derives the next secret with "traffic upd".
 * TLS <= 1.2 (RFC 5246 6.3): the key block is PRF(master_secret, "key
 * expansion", server_random + client_random), cut into MAC keys,
 * encryption keys and IVs.
 *
 * The OpenSSL algorithm objects are fetched once per process: the trackers
 * of -j N derive keys on several threads, so the fetch happens under
 * pthread_once and the objects are only read afterwards. */
#include "dissect/crypto/tls_crypto.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/kdf.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "dissect/internal.h"

static const struct suite suites[] = {
    {"AES_128_GCM", "AES-128-GCM", AK_GCM, 16, 4, 8, 16, 0},
    {"AES_256_GCM", "AES-256-GCM", AK_GCM, 32, 4, 8, 16, 0},
    {"ARIA_128_GCM", "ARIA-128-GCM", AK_GCM, 16, 4, 8, 16, 0},
    {"ARIA_256_GCM", "ARIA-256-GCM", AK_GCM, 32, 4, 8, 16, 0},
    {"CHACHA20_POLY1305", "ChaCha20-Poly1305", AK_CHACHA, 32, 12, 0, 16, 0},
    {"AES_128_CCM", "AES-128-CCM", AK_CCM, 16, 4, 8, 16, 0},
    {"AES_256_CCM", "AES-256-CCM", AK_CCM, 32, 4, 8, 16, 0},
    {"AES_128_CCM_8", "AES-128-CCM", AK_CCM, 16, 4, 8, 8, 0},
    {"AES_256_CCM_8", "AES-256-CCM", AK_CCM, 32, 4, 8, 8, 0},
    {"AES_128_CBC", "AES-128-CBC", AK_CBC, 16, 16, 0, 0, 16},
    {"AES_256_CBC", "AES-256-CBC", AK_CBC, 32, 16, 0, 0, 16},
    {"CAMELLIA_128_CBC", "CAMELLIA-128-CBC", AK_CBC, 16, 16, 0, 0, 16},
    {"CAMELLIA_256_CBC", "CAMELLIA-256-CBC", AK_CBC, 32, 16, 0, 0, 16},
    {"ARIA_128_CBC", "ARIA-128-CBC", AK_CBC, 16, 16, 0, 0, 16},
    {"ARIA_256_CBC", "ARIA-256-CBC", AK_CBC, 32, 16, 0, 0, 16},
    {"3DES_EDE_CBC", "DES-EDE3-CBC", AK_CBC, 24, 8, 0, 0, 8},
    {"NULL", NULL, AK_NULL, 0, 0, 0, 0, 0}, /* MAC only */
};

/* TLS 1.3's two hashes first: HKDF keeps an HMAC context for each */
static const char *const md_names[] = {"SHA256", "SHA384", "SHA1", "MD5", "MD5-SHA1"};

static struct {
    EVP_CIPHER *cipher[ARRAY_LEN(suites)];
    EVP_MD *md[ARRAY_LEN(md_names)];
    EVP_KDF *hkdf, *prf;
    EVP_MAC *hmac;
    EVP_CIPHER *aes128_ecb, *aes256_ecb, *chacha20; /* QUIC header protection */
} algs;
static pthread_once_t algs_once = PTHREAD_ONCE_INIT;
static pthread_key_t hmac_key;

static void free_hmacs(void *p);

static void fetch_algs(void)
{
    for (size_t i = 0; i < ARRAY_LEN(suites); i++)
        if (suites[i].evp)
            algs.cipher[i] = EVP_CIPHER_fetch(NULL, suites[i].evp, NULL);
    for (size_t i = 0; i < ARRAY_LEN(md_names); i++)
        algs.md[i] = EVP_MD_fetch(NULL, md_names[i], NULL);
    algs.hkdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
    algs.prf = EVP_KDF_fetch(NULL, "TLS1-PRF", NULL);
    algs.hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    algs.aes128_ecb = EVP_CIPHER_fetch(NULL, "AES-128-ECB", NULL);
    algs.aes256_ecb = EVP_CIPHER_fetch(NULL, "AES-256-ECB", NULL);
    algs.chacha20 = EVP_CIPHER_fetch(NULL, "ChaCha20", NULL);
    (void)pthread_key_create(&hmac_key, free_hmacs);
    ERR_clear_error(); /* an algorithm a provider lacks stays NULL; its error is no one's */
}

EVP_CIPHER *tls_suite_cipher(const struct suite *su)
{
    pthread_once(&algs_once, fetch_algs);
    return algs.cipher[su - suites];
}

const EVP_MD *tls_hash(const char *name)
{
    pthread_once(&algs_once, fetch_algs);
    for (size_t i = 0; i < ARRAY_LEN(md_names); i++)
        if (strcmp(md_names[i], name) == 0)
            return algs.md[i];
    return NULL;
}

static EVP_KDF *hkdf_alg(void)
{
    pthread_once(&algs_once, fetch_algs);
    return algs.hkdf;
}

static EVP_KDF *prf_alg(void)
{
    pthread_once(&algs_once, fetch_algs);
    return algs.prf;
}

EVP_MAC *tls_hmac(void)
{
    pthread_once(&algs_once, fetch_algs);
    return algs.hmac;
}

const struct suite *tls_suite_named(const char *enc)
{
    for (size_t i = 0; enc && i < ARRAY_LEN(suites); i++)
        if (strcmp(suites[i].enc, enc) == 0)
            return &suites[i];
    return NULL;
}

const struct suite *tls_suite(const struct cipher_info *ci)
{
    return ci ? tls_suite_named(ci->enc) : NULL;
}

EVP_CIPHER *tls_hp_cipher(const struct suite *su)
{
    pthread_once(&algs_once, fetch_algs);
    if (su->kind == AK_CHACHA)
        return algs.chacha20;
    if (su->kind == AK_GCM || su->kind == AK_CCM)
        return su->key_len == 16 ? algs.aes128_ecb : su->key_len == 32 ? algs.aes256_ecb : NULL;
    return NULL;
}

bool tls_suite_usable(const struct suite *su)
{
    return su->kind == AK_NULL || tls_suite_cipher(su);
}

const EVP_MD *tls_mac_hash(const char *mac)
{
    if (!mac)
        return NULL;
    if (strcmp(mac, "SHA") == 0)
        return tls_hash("SHA1");
    if (strcmp(mac, "SHA256") == 0 || strcmp(mac, "SHA384") == 0 || strcmp(mac, "MD5") == 0)
        return tls_hash(mac);
    return NULL;
}

/* HKDF over HMAC contexts each thread keeps, one per hash of TLS 1.3
 * (SHA-256, SHA-384), keyed anew for each use. OpenSSL's HKDF fetched the
 * digest by its name and HMAC by its name at every call: 41 % of reading
 * the QUIC bench capture, where each connection's Initial keys take eight
 * of them. Any other hash takes OpenSSL's HKDF. */
enum { HMAC_HASHES = 2 }; /* md_names' first */

static void free_hmacs(void *p)
{
    EVP_MAC_CTX **ctx = p;
    for (int i = 0; i < HMAC_HASHES; i++)
        EVP_MAC_CTX_free(ctx[i]);
    free(ctx);
}

/* this thread's HMAC context for md, or NULL: take OpenSSL's HKDF then.
 * Every caller has md from tls_hash, so the fetched objects are known by
 * their address (asking OpenSSL for a name would look it up each time). */
static EVP_MAC_CTX *thread_hmac(const EVP_MD *md)
{
    pthread_once(&algs_once, fetch_algs);
    int h = 0;
    while (h < HMAC_HASHES && md != algs.md[h])
        h++;
    if (!md || h == HMAC_HASHES || !algs.hmac)
        return NULL;
    EVP_MAC_CTX **ctx = pthread_getspecific(hmac_key);
    if (!ctx) {
        if (!(ctx = calloc(HMAC_HASHES, sizeof(*ctx))))
            return NULL;
        if (pthread_setspecific(hmac_key, ctx) != 0) {
            free(ctx);
            return NULL;
        }
    }
    if (!ctx[h]) {
        EVP_MAC_CTX *c = EVP_MAC_CTX_new(algs.hmac);
        OSSL_PARAM params[] = {
            OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)md_names[h], 0),
            OSSL_PARAM_construct_end(),
        };
        if (!c || EVP_MAC_CTX_set_params(c, params) != 1) {
            EVP_MAC_CTX_free(c);
            ERR_clear_error();
            return NULL;
        }
        ctx[h] = c;
    }
    return ctx[h];
}

/* HMAC(key, a || b || c), of the context's hash size into out */
static bool hmac3(EVP_MAC_CTX *c, const uint8_t *key, size_t key_len, const uint8_t *a, size_t a_len,
                  const uint8_t *b, size_t b_len, const uint8_t *cc, size_t c_len, uint8_t *out, size_t out_size)
{
    size_t got;
    return EVP_MAC_init(c, key, key_len, NULL) == 1 && EVP_MAC_update(c, a, a_len) == 1 &&
           EVP_MAC_update(c, b, b_len) == 1 && EVP_MAC_update(c, cc, c_len) == 1 &&
           EVP_MAC_final(c, out, &got, out_size) == 1 && got == out_size;
}

/* HKDF-Expand (RFC 5869 2.3) with this thread's HMAC */
static bool hkdf_expand(EVP_MAC_CTX *c, size_t hlen, const uint8_t *prk, size_t prk_len, const uint8_t *info,
                        size_t info_len, uint8_t *out, size_t out_len)
{
    uint8_t t[EVP_MAX_MD_SIZE];
    size_t t_len = 0;
    if (out_len > 255 * hlen || hlen > sizeof(t))
        return false;
    for (uint8_t i = 1; out_len; i++) {
        if (!hmac3(c, prk, prk_len, t, t_len, info, info_len, &i, 1, t, hlen))
            return false;
        t_len = hlen;
        size_t n = out_len < hlen ? out_len : hlen;
        memcpy(out, t, n);
        out += n;
        out_len -= n;
    }
    OPENSSL_cleanse(t, sizeof(t));
    return true;
}

bool tls_hkdf_extract(const EVP_MD *md, const uint8_t *salt, size_t salt_len, const uint8_t *ikm,
                      size_t ikm_len, uint8_t *out, size_t out_len)
{
    EVP_MAC_CTX *c = thread_hmac(md);
    if (c) /* PRK = HMAC(salt, IKM); no salt is a key of zeros, as HMAC pads */
        return out_len == (size_t)EVP_MD_get_size(md) &&
               hmac3(c, salt, salt_len, ikm, ikm_len, NULL, 0, NULL, 0, out, out_len);

    EVP_KDF *kdf = hkdf_alg();
    EVP_KDF_CTX *kctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
    if (!kctx)
        return false;
    int mode = EVP_KDF_HKDF_MODE_EXTRACT_ONLY;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)EVP_MD_get0_name(md), 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)ikm, ikm_len),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, salt_len),
        OSSL_PARAM_construct_end(),
    };
    bool ok = EVP_KDF_derive(kctx, out, out_len, params) == 1;
    EVP_KDF_CTX_free(kctx);
    return ok;
}

bool tls_hkdf_expand_label(const EVP_MD *md, const uint8_t *secret, size_t secret_len,
                           const char *label, uint8_t *out, size_t out_len)
{
    uint8_t info[2 + 1 + 255 + 1];
    size_t llen = strlen(label);
    if (llen > 255 - 6)
        return false;
    info[0] = (uint8_t)(out_len >> 8);
    info[1] = (uint8_t)out_len;
    info[2] = (uint8_t)(6 + llen);
    memcpy(info + 3, "tls13 ", 6);
    memcpy(info + 9, label, llen);
    info[9 + llen] = 0; /* empty context */
    EVP_MAC_CTX *c = thread_hmac(md);
    if (c)
        return hkdf_expand(c, (size_t)EVP_MD_get_size(md), secret, secret_len, info, 10 + llen, out, out_len);
    EVP_KDF *kdf = hkdf_alg();
    EVP_KDF_CTX *kctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
    if (!kctx)
        return false;
    int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)EVP_MD_get0_name(md), 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)secret, secret_len),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info, 10 + llen),
        OSSL_PARAM_construct_end(),
    };
    bool ok = EVP_KDF_derive(kctx, out, out_len, params) == 1;
    EVP_KDF_CTX_free(kctx);
    return ok;
}

static bool tls_prf(const char *digest, const uint8_t *secret, size_t secret_len,
                    const uint8_t *seed, size_t seed_len, uint8_t *out, size_t out_len)
{
    EVP_KDF *kdf = prf_alg();
    EVP_KDF_CTX *kctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
    if (!kctx)
        return false;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)digest, 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, (void *)secret, secret_len),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, (void *)seed, seed_len),
        OSSL_PARAM_construct_end(),
    };
    bool ok = EVP_KDF_derive(kctx, out, out_len, params) == 1;
    EVP_KDF_CTX_free(kctx);
    return ok;
}

bool tls13_keys(const struct suite *su, const EVP_MD *hash, const struct keylog_secret *sec, struct dkeys *k)
{
    memset(k, 0, sizeof(*k));
    size_t hlen = (size_t)EVP_MD_get_size(hash);
    if (sec->len != hlen)
        return false;
    k->su = su;
    memcpy(k->secret, sec->v, sec->len);
    k->secret_len = sec->len;
    k->ready = tls_hkdf_expand_label(hash, sec->v, sec->len, "key", k->key, su->key_len) &&
               tls_hkdf_expand_label(hash, sec->v, sec->len, "iv", k->iv, 12);
    return k->ready;
}

bool tls13_next_keys(const struct suite *su, const EVP_MD *hash, const struct dkeys *from, struct dkeys *to)
{
    struct keylog_secret next = {.len = (uint8_t)from->secret_len};
    if (!tls_hkdf_expand_label(hash, from->secret, from->secret_len, "traffic upd", next.v, from->secret_len))
        return false;
    return tls13_keys(su, hash, &next, to);
}

bool tls12_keys(const struct suite *su, uint16_t version, const EVP_MD *prf_hash, const EVP_MD *mac_hash,
                const struct keylog_secret *master, const uint8_t client_random[32],
                const uint8_t server_random[32], struct dkeys out[2])
{
    memset(out, 0, 2 * sizeof(*out));
    if (master->len != 48)
        return false;
    size_t mac_len = mac_hash ? (size_t)EVP_MD_get_size(mac_hash) : 0;
    size_t iv_len = su->fixed_iv_len;
    uint8_t seed[13 + 64], block[2 * (48 + 32 + 16)];
    memcpy(seed, "key expansion", 13);
    memcpy(seed + 13, server_random, 32);
    memcpy(seed + 45, client_random, 32);
    size_t need = 2 * (mac_len + su->key_len + iv_len);
    const char *prf = version < VER_TLS12 ? "MD5-SHA1" : EVP_MD_get0_name(prf_hash);
    if (!tls_prf(prf, master->v, 48, seed, sizeof(seed), block, need))
        return false;
    const uint8_t *p = block;
    for (int dir = 0; dir < 2; dir++) {
        out[dir].su = su;
        out[dir].mac_md = mac_hash;
        out[dir].mac_len = mac_len;
        memcpy(out[dir].mac_key, p, mac_len);
        p += mac_len;
    }
    for (int dir = 0; dir < 2; dir++) {
        memcpy(out[dir].key, p, su->key_len);
        p += su->key_len;
    }
    for (int dir = 0; dir < 2; dir++) {
        memcpy(out[dir].iv, p, iv_len);
        p += iv_len;
        out[dir].ready = true;
    }
    return true;
}
