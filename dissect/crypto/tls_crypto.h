#pragma once

/* TLS record protection, the two jobs decrypt.c's key schedule uses:
 * deriving keys from a key log's secrets (tls_keys.c) and opening a
 * protected record with them (tls_open.c). Private to dissect/. */

#include <openssl/evp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dissect/crypto/keylog.h"
#include "dissect/registry/registry.h"
#include "include/cur.h"

enum aead_kind { AK_GCM, AK_CCM, AK_CHACHA, AK_CBC, AK_NULL };

struct suite {
    const char *enc;       /* the registry's name for the bulk cipher */
    const char *evp;       /* OpenSSL's */
    enum aead_kind kind;
    uint8_t key_len, fixed_iv_len, explicit_len, tag_len, block;
};

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

/* ---- tls_keys.c: key derivation ------------------------------------------------- */

/* tls_suite - how a cipher suite's records are protected, or NULL when
 * tlsscope does not open them. */
const struct suite *tls_suite(const struct cipher_info *ci);
/* tls_suite_named - by the registry's name of the bulk cipher ("AES_128_GCM"). */
const struct suite *tls_suite_named(const char *enc);
/* tls_hkdf_extract - HKDF-Extract (RFC 5869 2.2); out_len is the hash's size. */
bool tls_hkdf_extract(const EVP_MD *md, const uint8_t *salt, size_t salt_len, const uint8_t *ikm,
                      size_t ikm_len, uint8_t *out, size_t out_len);
/* tls_hkdf_expand_label - HKDF-Expand-Label with "tls13 " before label
 * and an empty context (RFC 8446 7.1). */
bool tls_hkdf_expand_label(const EVP_MD *md, const uint8_t *secret, size_t secret_len,
                           const char *label, uint8_t *out, size_t out_len);
/* tls_hp_cipher - the cipher of QUIC header protection for an AEAD suite
 * (RFC 9001 5.4): AES-ECB of the key's size, or ChaCha20; NULL if none. */
EVP_CIPHER *tls_hp_cipher(const struct suite *su);
/* tls_suite_usable - OpenSSL here has the suite's cipher (MAC-only
 * suites need none). */
bool tls_suite_usable(const struct suite *su);
/* tls_hash - "SHA256", "SHA384", "SHA1", "MD5" or "MD5-SHA1"; NULL when
 * OpenSSL here lacks it. */
const EVP_MD *tls_hash(const char *name);
/* tls_mac_hash - the HMAC hash of a CBC or NULL suite's MAC name ("SHA",
 * "SHA256", ...), or NULL. */
const EVP_MD *tls_mac_hash(const char *mac);
/* tls13_keys - TLS 1.3: key and IV from a traffic secret (RFC 8446 7.3). */
bool tls13_keys(const struct suite *su, const EVP_MD *hash, const struct keylog_secret *secret, struct dkeys *k);
/* tls13_next_keys - KeyUpdate: the next generation of a direction's secret. */
bool tls13_next_keys(const struct suite *su, const EVP_MD *hash, const struct dkeys *from, struct dkeys *to);
/* tls12_keys - TLS <= 1.2: both directions' keys (by session direction)
 * from the master secret (RFC 5246 6.3); prf_hash is the TLS 1.2 PRF's. */
bool tls12_keys(const struct suite *su, uint16_t version, const EVP_MD *prf_hash, const EVP_MD *mac_hash,
                const struct keylog_secret *master, const uint8_t client_random[32],
                const uint8_t server_random[32], struct dkeys out[2]);

/* ---- tls_open.c: opening records ------------------------------------------------- */

/* How a session's records are protected, beyond their keys. */
struct protection {
    EVP_CIPHER_CTX *ctx; /* reused for every record */
    bool tls13;
    bool etm;         /* encrypt_then_mac (RFC 7366) */
    bool explicit_iv; /* CBC from TLS 1.1 on */
};

/* tls_open - open one record under k (its sequence number not advanced):
 * the plaintext into out (room for a whole record), its length and real
 * content type. False when it does not authenticate. TLS 1.0 CBC chains
 * the IV from the record into k. */
bool tls_open(const struct protection *p, struct dkeys *k, const uint8_t hdr[5], struct cur body, uint8_t *out,
              size_t *out_len, uint8_t *type);

/* tls_aead_open - open an AEAD ciphertext whose tag ends it, under k's
 * key with this nonce and additional data (QUIC packets, DTLS 1.3). */
bool tls_aead_open(EVP_CIPHER_CTX *ctx, const struct dkeys *k, const uint8_t nonce[12], const uint8_t *aad,
                   size_t aad_len, struct cur in, uint8_t *out, size_t *out_len);

/* for tls_open.c */
EVP_CIPHER *tls_suite_cipher(const struct suite *su);
EVP_MAC *tls_hmac(void);
