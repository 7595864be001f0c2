/* Decrypting protected records with secrets from a key log.
 *
 * TLS 1.3 (RFC 8446 5.2, 7): each direction moves through early, handshake
 * and application traffic secrets; key and IV are HKDF-Expand-Label(secret,
 * "key"/"iv"), the nonce is the IV XOR the record's sequence number, the
 * additional data the record header, and the plaintext ends with its real
 * content type and zero padding. KeyUpdate derives the next secret with
 * "traffic upd".
 * TLS <= 1.2 (RFC 5246 6.3, RFC 5288, RFC 7905): the key block is
 * PRF(master_secret, "key expansion", server_random + client_random) cut
 * into MAC keys, encryption keys and IVs; AES-GCM/CCM carry an explicit
 * 8-byte nonce, ChaCha20-Poly1305 XORs the sequence number into its IV, and
 * CBC suites MAC-then-encrypt (or encrypt-then-MAC, RFC 7366) with HMAC.
 *
 * A record that does not authenticate under the expected key is tried
 * under the one that may have replaced it (a missed key change); when none
 * fits, the record is handled as if there were no keys, and the failure is
 * reported on the session. */
#include "dissect/internal.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

enum aead_kind { AK_GCM, AK_CCM, AK_CHACHA, AK_CBC, AK_NULL };

struct suite {
    const char *enc;       /* the registry's name for the bulk cipher */
    const char *evp;       /* OpenSSL's */
    enum aead_kind kind;
    uint8_t key_len, fixed_iv_len, explicit_len, tag_len, block;
};

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

/* OpenSSL algorithm objects, fetched once per process: the trackers of
 * -j N decrypt on several threads, so the fetch happens under
 * pthread_once and the objects are only read afterwards. */
static const char *const md_names[] = {"SHA256", "SHA384", "SHA1", "MD5", "MD5-SHA1"};

static struct {
    EVP_CIPHER *cipher[ARRAY_LEN(suites)];
    EVP_MD *md[ARRAY_LEN(md_names)];
    EVP_KDF *hkdf, *prf;
    EVP_MAC *hmac;
} algs;
static pthread_once_t algs_once = PTHREAD_ONCE_INIT;

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
    ERR_clear_error(); /* an algorithm a provider lacks stays NULL; its error is no one's */
}

static EVP_CIPHER *cipher_for(const struct suite *su)
{
    pthread_once(&algs_once, fetch_algs);
    return algs.cipher[su - suites];
}

static const EVP_MD *md_named(const char *name)
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

static EVP_MAC *hmac_alg(void)
{
    pthread_once(&algs_once, fetch_algs);
    return algs.hmac;
}

/* One direction's protection. */
struct dkeys {
    bool ready;
    const struct suite *su;
    uint8_t key[32], iv[16];
    const EVP_MD *mac_md; /* CBC */
    uint8_t mac_key[48];
    size_t mac_len;
    uint64_t seq;
    uint8_t secret[KEYLOG_SECRET_MAX]; /* TLS 1.3: for KeyUpdate */
    size_t secret_len;
};

enum phase { PH_NONE, PH_EARLY, PH_HANDSHAKE, PH_APP };

struct decrypt {
    struct keylog_entry keys; /* a copy: the key log may grow meanwhile */
    const struct suite *su;
    const EVP_MD *hash; /* TLS 1.3 hash, or the TLS 1.2 PRF's */
    uint16_t version;
    bool tls13, etm, explicit_iv;
    const EVP_MD *mac_md; /* CBC suites' HMAC */
    EVP_CIPHER_CTX *ctx;
    /* by session direction */
    struct dkeys cur[2], alt[2]; /* alt: the key that may replace cur */
    enum phase phase[2];
    struct dkeys pending[2];     /* TLS <= 1.2 renegotiation: after CCS */
    uint8_t reneg_client_random[32];
    bool reneg_have_client_random;
    uint8_t buf[MAX_RECORD];
};

/* ---- key derivation ------------------------------------------------------ */

static bool hkdf_expand_label(const EVP_MD *md, const uint8_t *secret, size_t secret_len,
                              const char *label, uint8_t *out, size_t out_len)
{
    uint8_t info[2 + 1 + 255 + 1];
    size_t llen = strlen(label);
    info[0] = (uint8_t)(out_len >> 8);
    info[1] = (uint8_t)out_len;
    info[2] = (uint8_t)(6 + llen);
    memcpy(info + 3, "tls13 ", 6);
    memcpy(info + 9, label, llen);
    info[9 + llen] = 0; /* empty context */
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

/* TLS 1.3: key and IV from a traffic secret. */
static bool keys13(const struct decrypt *d, const struct keylog_secret *sec, struct dkeys *k)
{
    memset(k, 0, sizeof(*k));
    size_t hlen = (size_t)EVP_MD_get_size(d->hash);
    if (sec->len != hlen)
        return false;
    k->su = d->su;
    memcpy(k->secret, sec->v, sec->len);
    k->secret_len = sec->len;
    k->ready = hkdf_expand_label(d->hash, sec->v, sec->len, "key", k->key, d->su->key_len) &&
               hkdf_expand_label(d->hash, sec->v, sec->len, "iv", k->iv, 12);
    return k->ready;
}

/* TLS 1.3 KeyUpdate: the next generation of a direction's secret. */
static bool next_generation(const struct decrypt *d, const struct dkeys *from, struct dkeys *to)
{
    struct keylog_secret next = {.len = (uint8_t)from->secret_len};
    if (!hkdf_expand_label(d->hash, from->secret, from->secret_len, "traffic upd", next.v,
                           from->secret_len))
        return false;
    return keys13(d, &next, to);
}

/* TLS <= 1.2: both directions' keys from the master secret. */
static bool keys12(const struct decrypt *d, const struct keylog_secret *master,
                   const uint8_t client_random[32], const uint8_t server_random[32],
                   struct dkeys out[2])
{
    const struct suite *su = d->su;
    memset(out, 0, 2 * sizeof(*out));
    if (master->len != 48)
        return false;
    size_t mac_len = d->mac_md ? (size_t)EVP_MD_get_size(d->mac_md) : 0;
    size_t iv_len = su->fixed_iv_len;
    uint8_t seed[13 + 64], block[2 * (48 + 32 + 16)];
    memcpy(seed, "key expansion", 13);
    memcpy(seed + 13, server_random, 32);
    memcpy(seed + 45, client_random, 32);
    size_t need = 2 * (mac_len + su->key_len + iv_len);
    const char *prf = d->version < VER_TLS12 ? "MD5-SHA1" : EVP_MD_get0_name(d->hash);
    if (!tls_prf(prf, master->v, 48, seed, sizeof(seed), block, need))
        return false;
    const uint8_t *p = block;
    for (int dir = 0; dir < 2; dir++) {
        out[dir].su = su;
        out[dir].mac_md = d->mac_md;
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

/* ---- opening records -------------------------------------------------------- */

static bool aead_open(struct decrypt *d, const struct dkeys *k, const uint8_t nonce[12],
                      const uint8_t *aad, size_t aad_len, const uint8_t *in, size_t in_len,
                      uint8_t *out, size_t *out_len)
{
    const struct suite *su = k->su;
    EVP_CIPHER *cipher = cipher_for(su);
    if (!cipher || in_len < su->tag_len)
        return false;
    size_t len = in_len - su->tag_len;
    const uint8_t *tag = in + len;
    EVP_CIPHER_CTX *ctx = d->ctx;
    int n = 0;
    if (EVP_DecryptInit_ex2(ctx, cipher, NULL, NULL, NULL) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, 12, NULL) != 1)
        return false;
    if (su->kind == AK_CCM) {
        /* CCM wants the tag and the length before any data */
        if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, su->tag_len, (void *)tag) != 1 ||
            EVP_DecryptInit_ex2(ctx, NULL, k->key, nonce, NULL) != 1 ||
            EVP_DecryptUpdate(ctx, NULL, &n, NULL, (int)len) != 1 ||
            EVP_DecryptUpdate(ctx, NULL, &n, aad, (int)aad_len) != 1)
            return false;
        if (EVP_DecryptUpdate(ctx, out, &n, in, (int)len) != 1)
            return false;
        *out_len = len;
        return true;
    }
    if (EVP_DecryptInit_ex2(ctx, NULL, k->key, nonce, NULL) != 1 ||
        EVP_DecryptUpdate(ctx, NULL, &n, aad, (int)aad_len) != 1 ||
        EVP_DecryptUpdate(ctx, out, &n, in, (int)len) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, su->tag_len, (void *)tag) != 1)
        return false;
    int fin = 0;
    if (EVP_DecryptFinal_ex(ctx, out + n, &fin) != 1)
        return false;
    *out_len = len;
    return true;
}

static void seq_bytes(uint64_t seq, uint8_t out[8])
{
    for (int i = 7; i >= 0; i--, seq >>= 8)
        out[i] = (uint8_t)seq;
}

static bool hmac_ok(const struct dkeys *k, uint64_t seq, uint8_t type, uint16_t version,
                    const uint8_t *data, size_t len, const uint8_t *expect)
{
    uint8_t head[13], mac[EVP_MAX_MD_SIZE];
    seq_bytes(seq, head);
    head[8] = type;
    head[9] = (uint8_t)(version >> 8);
    head[10] = (uint8_t)version;
    head[11] = (uint8_t)(len >> 8);
    head[12] = (uint8_t)len;
    EVP_MAC *hmac = hmac_alg();
    EVP_MAC_CTX *mctx = hmac ? EVP_MAC_CTX_new(hmac) : NULL;
    if (!mctx)
        return false;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)EVP_MD_get0_name(k->mac_md), 0),
        OSSL_PARAM_construct_end(),
    };
    size_t got = 0;
    bool ok = EVP_MAC_init(mctx, k->mac_key, k->mac_len, params) == 1 &&
              EVP_MAC_update(mctx, head, sizeof(head)) == 1 &&
              EVP_MAC_update(mctx, data, len) == 1 &&
              EVP_MAC_final(mctx, mac, &got, sizeof(mac)) == 1 && got == k->mac_len &&
              CRYPTO_memcmp(mac, expect, got) == 0;
    EVP_MAC_CTX_free(mctx);
    return ok;
}

static bool cbc_decrypt(struct decrypt *d, const struct dkeys *k, const uint8_t *iv,
                        const uint8_t *in, size_t len, uint8_t *out)
{
    EVP_CIPHER *cipher = cipher_for(k->su);
    int n = 0, fin = 0;
    return cipher && EVP_DecryptInit_ex2(d->ctx, cipher, k->key, iv, NULL) == 1 &&
           EVP_CIPHER_CTX_set_padding(d->ctx, 0) == 1 &&
           EVP_DecryptUpdate(d->ctx, out, &n, in, (int)len) == 1 &&
           EVP_DecryptFinal_ex(d->ctx, out + n, &fin) == 1;
}

/* TLS <= 1.2 CBC: [explicit IV] ciphertext, MAC-then-encrypt or, with
 * encrypt_then_mac, ciphertext then MAC over it. TLS 1.0 chains the IV
 * from the previous record's last block. */
static bool cbc_open(struct decrypt *d, struct dkeys *k, uint8_t type, uint16_t version,
                     const uint8_t *in, size_t len, uint8_t *out, size_t *out_len)
{
    size_t bs = k->su->block, ivl = d->explicit_iv ? bs : 0;
    if (d->etm) {
        if (len < ivl + bs + k->mac_len)
            return false;
        size_t ct_len = len - k->mac_len;
        if (!hmac_ok(k, k->seq, type, version, in, ct_len, in + ct_len))
            return false;
        if ((ct_len - ivl) % bs ||
            !cbc_decrypt(d, k, ivl ? in : k->iv, in + ivl, ct_len - ivl, out))
            return false;
        if (!ivl)
            memcpy(k->iv, in + ct_len - bs, bs);
        size_t pt = ct_len - ivl;
        uint8_t pad = out[pt - 1];
        if ((size_t)pad + 1 > pt)
            return false;
        *out_len = pt - pad - 1;
        return true;
    }
    if (len < ivl + bs || (len - ivl) % bs)
        return false;
    if (!cbc_decrypt(d, k, ivl ? in : k->iv, in + ivl, len - ivl, out))
        return false;
    if (!ivl)
        memcpy(k->iv, in + len - bs, bs);
    size_t pt = len - ivl;
    uint8_t pad = out[pt - 1];
    if ((size_t)pad + 1 + k->mac_len > pt)
        return false;
    for (size_t i = pt - pad - 1; i < pt; i++)
        if (out[i] != pad)
            return false;
    size_t data = pt - pad - 1 - k->mac_len;
    if (!hmac_ok(k, k->seq, type, version, out, data, out + data))
        return false;
    *out_len = data;
    return true;
}

/* Open one record under k (not advancing its sequence number). On success
 * out holds the plaintext and *type the real content type. */
static bool open_record(struct decrypt *d, struct dkeys *k, const uint8_t hdr[5],
                        const uint8_t *in, size_t len, uint8_t *out, size_t *out_len,
                        uint8_t *type)
{
    if (!k->ready)
        return false;
    uint8_t nonce[12], aad[13];
    uint16_t version = (uint16_t)(hdr[1] << 8 | hdr[2]);
    if (d->tls13) {
        memcpy(nonce, k->iv, 12);
        uint8_t sq[8];
        seq_bytes(k->seq, sq);
        for (int i = 0; i < 8; i++)
            nonce[4 + i] ^= sq[i];
        size_t n;
        if (!aead_open(d, k, nonce, hdr, 5, in, len, out, &n))
            return false;
        while (n && out[n - 1] == 0) /* padding */
            n--;
        if (!n)
            return false;
        *type = out[--n];
        *out_len = n;
        return true;
    }
    *type = hdr[0];
    if (k->su->kind == AK_CBC)
        return cbc_open(d, k, hdr[0], version, in, len, out, out_len);
    if (k->su->kind == AK_NULL) {
        if (len < k->mac_len || !hmac_ok(k, k->seq, hdr[0], version, in, len - k->mac_len,
                                         in + len - k->mac_len))
            return false;
        memcpy(out, in, len - k->mac_len);
        *out_len = len - k->mac_len;
        return true;
    }
    const struct suite *su = k->su;
    if (len < su->explicit_len + su->tag_len)
        return false;
    size_t plain = len - su->explicit_len - su->tag_len;
    seq_bytes(k->seq, aad);
    aad[8] = hdr[0];
    aad[9] = hdr[1];
    aad[10] = hdr[2];
    aad[11] = (uint8_t)(plain >> 8);
    aad[12] = (uint8_t)plain;
    if (su->kind == AK_CHACHA) {
        memcpy(nonce, k->iv, 12);
        for (int i = 0; i < 8; i++)
            nonce[4 + i] ^= aad[i];
    } else {
        memcpy(nonce, k->iv, 4);
        memcpy(nonce + 4, in, 8);
    }
    return aead_open(d, k, nonce, aad, sizeof(aad), in + su->explicit_len,
                     len - su->explicit_len, out, out_len);
}

/* ---- setting up ------------------------------------------------------------ */

static const struct suite *suite_for(const struct cipher_info *ci)
{
    for (size_t i = 0; ci && ci->enc && i < ARRAY_LEN(suites); i++)
        if (strcmp(suites[i].enc, ci->enc) == 0)
            return &suites[i];
    return NULL;
}

static void set_problem(struct session *s, const char *why)
{
    if (!s->decryption.problem)
        s->decryption.problem = why;
}

void decrypt_free(struct decrypt *d)
{
    if (!d)
        return;
    EVP_CIPHER_CTX_free(d->ctx);
    OPENSSL_cleanse(d, sizeof(*d));
    free(d);
}

static struct decrypt *decrypt_new(void)
{
    struct decrypt *d = calloc(1, sizeof(*d));
    if (!d)
        return NULL;
    d->ctx = EVP_CIPHER_CTX_new();
    if (!d->ctx) {
        free(d);
        return NULL;
    }
    return d;
}

static const EVP_MD *mac_for(const char *mac)
{
    if (!mac)
        return NULL;
    if (strcmp(mac, "SHA") == 0)
        return md_named("SHA1");
    if (strcmp(mac, "SHA256") == 0 || strcmp(mac, "SHA384") == 0 || strcmp(mac, "MD5") == 0)
        return md_named(mac);
    return NULL;
}

static bool has_ext(const struct hello *h, uint16_t type)
{
    for (size_t i = 0; i < h->exts.n; i++)
        if (h->exts.v[i].type == type)
            return true;
    return false;
}

void decrypt_server_hello(struct tflow *tf)
{
    struct session *s = tf->s;
    struct keylog *kl = tf->d->keylog;
    if (!kl || !s->sh.present || s->sh.is_hrr)
        return;
    if (!s->ch.present || s->ch.random_len != 32) {
        set_problem(s, "the ClientHello was not captured, so its client random (the key log's key) is unknown");
        return;
    }
    struct keylog_entry found;
    s->decryption.keys = keylog_find(kl, s->ch.random, &found);
    const struct keylog_entry *e = &found;
    if (!s->decryption.keys) {
        char why[200];
        /* "no line" would be a guess when the file could not be read */
        const char *unread = keylog_unreadable(kl, why, sizeof(why))
                                 ? arena_sprintf(s->arena, "the key log could not be read: %s", why)
                                 : NULL;
        set_problem(s, unread ? unread : "the key log has no line for this session's client random");
        return;
    }
    const struct cipher_info *ci = registry_cipher(s->cipher);
    bool tls13 = registry_version_is_tls13(s->version);
    if (s->version < VER_TLS10 && !tls13) {
        set_problem(s, "SSL 3.0 and 2.0 sessions are not decrypted");
        return;
    }
    const struct suite *su = suite_for(ci);
    const EVP_MD *hash = ci && ci->mac && strcmp(ci->mac, "SHA384") == 0 ? md_named("SHA384")
                                                                         : md_named("SHA256");
    bool mac_only = su && su->kind == AK_NULL;
    bool needs_mac = su && (su->kind == AK_CBC || mac_only);
    if (!su || (!mac_only && !cipher_for(su)) || !hash || (tls13 && needs_mac) ||
        (needs_mac && !mac_for(ci->mac))) {
        set_problem(s, "its cipher suite is not one tlsscope decrypts (AES-GCM/CCM, ChaCha20-Poly1305, "
                       "ARIA-GCM, AES/Camellia/ARIA/3DES-CBC and NULL with HMAC)");
        return;
    }
    struct decrypt *d = tf->dec ? tf->dec : decrypt_new();
    if (!d)
        return;
    tf->dec = d;
    d->keys = found;
    d->su = su;
    d->hash = hash;
    d->version = s->version;
    d->tls13 = tls13;
    if (tls13) {
        /* Each direction on its own: a client that gives up while reading
         * the server's flight logs only the server's secret. */
        struct dkeys early = d->cur[DIR_C2S];
        bool had_early = d->phase[DIR_C2S] == PH_EARLY;
        bool server = keys13(d, &e->secret[KL_SERVER_HANDSHAKE], &d->cur[DIR_S2C]);
        bool client = keys13(d, &e->secret[KL_CLIENT_HANDSHAKE], &d->alt[DIR_C2S]);
        if (!server && !client) {
            set_problem(s, "the key log has no TLS 1.3 handshake traffic secrets for this session");
            tf->dec = NULL;
            decrypt_free(d);
            return;
        }
        if (server) {
            d->phase[DIR_S2C] = PH_HANDSHAKE;
            (void)keys13(d, &e->secret[KL_SERVER_TRAFFIC], &d->alt[DIR_S2C]);
        } else {
            set_problem(s, "the key log lacks the server's handshake traffic secret");
        }
        if (had_early && early.su == su) {
            d->cur[DIR_C2S] = early; /* EndOfEarlyData moves it to cur = alt */
        } else if (client) {
            d->cur[DIR_C2S] = d->alt[DIR_C2S];
            (void)keys13(d, &e->secret[KL_CLIENT_TRAFFIC], &d->alt[DIR_C2S]);
            d->phase[DIR_C2S] = PH_HANDSHAKE;
        } else {
            d->phase[DIR_C2S] = PH_NONE;
            set_problem(s, "the key log lacks the client's handshake traffic secret (a client logs it "
                           "only once it has accepted the server's flight)");
        }
        return;
    }
    d->mac_md = needs_mac ? mac_for(ci->mac) : NULL;
    d->explicit_iv = s->version >= VER_TLS11;
    d->etm = su->kind == AK_CBC && has_ext(&s->sh, 22);
    if (!keys12(d, &e->secret[KL_MASTER_SECRET], s->ch.random, s->sh.random, d->cur)) {
        set_problem(s, "the key log has no CLIENT_RANDOM master secret for this TLS 1.2 session");
        tf->dec = NULL;
        decrypt_free(d);
        return;
    }
    d->phase[DIR_C2S] = d->phase[DIR_S2C] = PH_HANDSHAKE;
}

/* 0-RTT data follows the ClientHello before any ServerHello says which
 * suite the PSK uses: try the TLS 1.3 suites the client offered whose hash
 * fits the early secret's length. */
void decrypt_client_hello(struct tflow *tf)
{
    struct session *s = tf->s;
    struct keylog *kl = tf->d->keylog;
    if (!kl || tf->dec || !s->ch.early_data || s->ch.random_len != 32)
        return;
    struct keylog_entry found;
    if (!keylog_find(kl, s->ch.random, &found) || !found.secret[KL_CLIENT_EARLY].len)
        return;
    struct decrypt *d = decrypt_new();
    if (!d)
        return;
    d->keys = found;
    d->tls13 = true;
    d->phase[DIR_C2S] = PH_EARLY;
    tf->dec = d;
}

/* Early keys for one offered suite: set as cur when it opens the record. */
static bool try_early(struct decrypt *d, const struct session *s, const uint8_t hdr[5],
                      const uint8_t *in, size_t len, uint8_t *out, size_t *out_len, uint8_t *type)
{
    for (size_t i = 0; i < s->ch.ciphers.n; i++) {
        const struct cipher_info *ci = registry_cipher(s->ch.ciphers.v[i]);
        if (!ci || !(ci->flags & CF_TLS13))
            continue;
        d->su = suite_for(ci);
        d->hash = strcmp(ci->mac, "SHA384") == 0 ? md_named("SHA384") : md_named("SHA256");
        struct dkeys k;
        if (!d->su || !d->hash || !keys13(d, &d->keys.secret[KL_CLIENT_EARLY], &k))
            continue;
        if (open_record(d, &k, hdr, in, len, out, out_len, type)) {
            d->cur[DIR_C2S] = k;
            return true;
        }
    }
    d->su = NULL;
    return false;
}

/* ---- records --------------------------------------------------------------------- */

bool decrypt_active(const struct tflow *tf, int sdir)
{
    const struct decrypt *d = tf->dec;
    return d && d->phase[sdir] != PH_NONE;
}

bool decrypt_covers(const struct tflow *tf, int sdir, uint8_t type)
{
    if (!decrypt_active(tf, sdir))
        return false;
    if (tf->dec->tls13)
        return type == CT_APPDATA;
    return tf->s->encrypted[sdir];
}

bool decrypt_wants(struct tflow *tf, int sdir, uint8_t type, uint32_t len)
{
    struct decrypt *d = tf->dec;
    if (!decrypt_active(tf, sdir))
        return false;
    bool want;
    if (d->tls13)
        /* application data is read only when asked; small records may be
         * tickets, key updates or alerts */
        want = d->phase[sdir] != PH_APP || tf->d->cfg.decrypt_app || len <= 2048;
    else
        want = type != CT_APPDATA || tf->d->cfg.decrypt_app ||
               (d->su->kind == AK_CBC && !d->explicit_iv); /* TLS 1.0 chains IVs */
    if (!want)
        d->cur[sdir].seq++;
    return want;
}

void decrypt_lost(struct tflow *tf, int sdir)
{
    if (decrypt_active(tf, sdir))
        tf->dec->cur[sdir].seq++;
}

void decrypt_protected_ccs(struct tflow *tf, int sdir)
{
    struct decrypt *d = tf->dec;
    /* TLS <= 1.2 renegotiation: the new keys start now */
    if (d && d->pending[sdir].ready) {
        d->cur[sdir] = d->pending[sdir];
        memset(&d->pending[sdir], 0, sizeof(d->pending[sdir]));
    }
}

/* The key that took over from cur: it becomes cur, and alt the one after. */
static void advance(struct decrypt *d, int sdir)
{
    d->cur[sdir] = d->alt[sdir];
    d->cur[sdir].seq = 0;
    struct dkeys next = {0};
    switch (d->phase[sdir]) {
    case PH_EARLY:
        d->phase[sdir] = PH_HANDSHAKE;
        (void)keys13(d, &d->keys.secret[KL_CLIENT_TRAFFIC], &next);
        break;
    case PH_HANDSHAKE:
        d->phase[sdir] = PH_APP;
        (void)next_generation(d, &d->cur[sdir], &next);
        break;
    default:
        (void)next_generation(d, &d->cur[sdir], &next);
        break;
    }
    d->alt[sdir] = next;
}

bool decrypt_record(struct tflow *tf, int fdir, const uint8_t hdr[5], struct cur body, struct plaintext *out)
{
    struct decrypt *d = tf->dec;
    struct session *s = tf->s;
    int sdir = tflow_sdir(tf, fdir);
    size_t n = 0;
    uint8_t type = 0;
    bool ok;
    if (d->tls13 && d->phase[sdir] == PH_EARLY && !d->su)
        ok = try_early(d, s, hdr, body.p, body.left, d->buf, &n, &type);
    else
        ok = open_record(d, &d->cur[sdir], hdr, body.p, body.left, d->buf, &n, &type);
    if (!ok && d->tls13 && d->alt[sdir].ready &&
        open_record(d, &d->alt[sdir], hdr, body.p, body.left, d->buf, &n, &type)) {
        /* the key changed without our seeing why (a lost message) */
        advance(d, sdir);
        ok = true;
    }
    d->cur[sdir].seq++;
    if (!ok) {
        if (!s->decryption.failures++)
            set_problem(s, arena_sprintf(s->arena,
                                         "record %u from the %s (packet %llu) did not authenticate with the "
                                         "key log's secrets: a key log for another session, or damaged data",
                                         tf->dir[fdir].records, sdir == DIR_C2S ? "client" : "server",
                                         (unsigned long long)tf->at[fdir].packet));
        return false;
    }
    s->decryption.records++;
    s->decrypted = true;
    if (d->phase[sdir] == PH_EARLY && type == CT_APPDATA)
        s->decryption.early_records++;
    *out = (struct plaintext){.type = type, .bytes = cur_make(d->buf, n), .early = d->phase[sdir] == PH_EARLY};
    return true;
}

/* TLS <= 1.2 renegotiation: the new hellos' randoms give the keys that
 * take over at each side's next ChangeCipherSpec. */
static void renegotiation(struct tflow *tf, int sdir, uint8_t type, struct cur body)
{
    struct decrypt *d = tf->dec;
    struct session *s = tf->s;
    if (type == HS_CLIENT_HELLO && sdir == DIR_C2S) {
        d->reneg_have_client_random = cur_skip(&body, 2) && cur_copy(&body, d->reneg_client_random, 32);
        return;
    }
    uint8_t server_random[32];
    if (type != HS_SERVER_HELLO || sdir != DIR_S2C || !d->reneg_have_client_random ||
        !cur_skip(&body, 2) || !cur_copy(&body, server_random, 32))
        return;
    struct keylog_entry found;
    const struct keylog_entry *e = &found;
    if (!keylog_find(tf->d->keylog, d->reneg_client_random, &found)) {
        set_problem(s, "the key log has no line for the renegotiated handshake's client random");
        return;
    }
    /* the renegotiation keeps the cipher suite in all but rare cases */
    if (!keys12(d, &e->secret[KL_MASTER_SECRET], d->reneg_client_random, server_random, d->pending))
        set_problem(s, "the key log has no master secret for the renegotiated handshake");
}

void decrypt_on_message(struct tflow *tf, int fdir, uint8_t type, struct cur body)
{
    struct decrypt *d = tf->dec;
    struct session *s = tf->s;
    int sdir = tflow_sdir(tf, fdir);
    if (!d)
        return;
    if (!d->tls13) {
        if (tf->renegotiating)
            renegotiation(tf, sdir, type, body);
        return;
    }
    switch (type) {
    case HS_FINISHED:
        if (d->phase[sdir] == PH_HANDSHAKE)
            advance(d, sdir);
        break;
    case HS_END_OF_EARLY_DATA:
        if (d->phase[sdir] == PH_EARLY)
            advance(d, sdir);
        break;
    case HS_KEY_UPDATE:
        if (d->phase[sdir] == PH_APP) {
            advance(d, sdir);
            s->decryption.key_updates[sdir]++;
        }
        break;
    default:
        break;
    }
}

void decrypt_finish(struct tflow *tf)
{
    struct session *s = tf->s;
    if (!tf->d->keylog || !s)
        return;
    s->decryption.attempted = true;
    if (s->decrypted || s->decryption.problem)
        return;
    if (!s->ch.present)
        set_problem(s, "the ClientHello was not captured, so its client random (the key log's key) is unknown");
    else if (!s->sh.present)
        set_problem(s, "no ServerHello was captured: nothing was encrypted, or the handshake start is missing");
    else if (!s->encrypted[DIR_C2S] && !s->encrypted[DIR_S2C] && !tf->server_tls13)
        set_problem(s, "no record was encrypted");
}
