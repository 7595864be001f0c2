#pragma once

/* Names and properties of TLS code points: cipher suites, extensions,
 * groups, signature schemes, alerts, versions, handshake types. The tables
 * are generated from the IANA registries (registry_data.c). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum kx_alg {
    KXA_NULL, KXA_RSA, KXA_DH, KXA_DHE, KXA_ECDH, KXA_ECDHE, KXA_PSK,
    KXA_SRP, KXA_KRB5, KXA_TLS13, KXA_SCSV, KXA_OTHER,
};

enum auth_alg {
    AUTH_NONE, AUTH_RSA, AUTH_DSS, AUTH_ECDSA, AUTH_ANON, AUTH_PSK,
    AUTH_KRB5, AUTH_TLS13, AUTH_OTHER,
};

enum {
    CF_SCSV = 1 << 0,       /* signalling value, not a suite */
    CF_TLS13 = 1 << 1,      /* TLS 1.3 suite */
    CF_AEAD = 1 << 2,
    CF_NULL = 1 << 3,       /* no encryption */
    CF_EXPORT = 1 << 4,
    CF_RC4 = 1 << 5,
    CF_WEAK_BLOCK = 1 << 6, /* DES, 3DES, IDEA, RC2 */
    CF_CBC = 1 << 7,
    CF_TLS12 = 1 << 8,      /* needs TLS 1.2 (SHA-2 MAC or AEAD) */
    CF_PFS = 1 << 9,        /* ephemeral key exchange */
    CF_ANON = 1 << 10,      /* no authentication */
};

struct cipher_info {
    uint16_t code;
    const char *name;
    uint8_t kx, auth;
    const char *enc, *mac;
    uint16_t flags;
};

struct code_name {
    uint16_t code;
    const char *name;
};

/* SSL 2.0 CIPHER-SPECs are 24-bit. */
struct sslv2_cipher {
    uint32_t code;
    const char *name;
};

extern const struct sslv2_cipher registry_sslv2_ciphers[];
extern const size_t registry_n_sslv2_ciphers;
extern const struct cipher_info registry_ciphers[];
extern const size_t registry_n_ciphers;
extern const struct code_name registry_extensions[], registry_groups[],
    registry_sigschemes[], registry_alerts[], registry_point_formats[];
extern const size_t registry_n_extensions, registry_n_groups,
    registry_n_sigschemes, registry_n_alerts, registry_n_point_formats;

/* Lookups return NULL for codes the registries do not name. */
const struct cipher_info *registry_cipher(uint32_t code);
/* registry_cipher_by_name - by IANA name, or else by OpenSSL's name. */
const struct cipher_info *registry_cipher_by_name(const char *name);
const char *registry_ext_name(uint16_t code);
const char *registry_group_name(uint16_t code);
const char *registry_sigscheme_name(uint16_t code);
const char *registry_alert_name(uint8_t code);
const char *registry_point_format_name(uint8_t code);
const char *registry_handshake_name(uint8_t type);
const char *registry_sslv2_cipher_name(uint32_t code);

/* Labels never fail: a name, "grease_0xNNNN" for GREASE, else "0xNNNN".
 * buf must hold at least REG_LABEL_LEN bytes. */
enum { REG_LABEL_LEN = 24 };
const char *registry_group_label(uint16_t code, char *buf);
const char *registry_sigscheme_label(uint16_t code, char *buf);
const char *registry_ext_label(uint16_t code, char *buf);
/* registry_openssl_cipher_name - OpenSSL's name for a suite (NULL when
 * this OpenSSL has none); registry_openssl_cipher_code - the reverse
 * (false when OpenSSL has no suite of that name). */
const char *registry_openssl_cipher_name(uint32_t code);
bool registry_openssl_cipher_code(const char *name, uint32_t *code);
const char *registry_cipher_label(uint32_t code, char *buf);
/* registry_version_label - "TLSv1.2", "TLSv1.3-draft23", "SSLv2", or 0xNNNN. */
const char *registry_version_label(uint16_t code, char *buf);

/* registry_version_note - who used a pre-standard TLS 1.3 version and
 * what it was ("Facebook's Fizz, based on TLS 1.3 draft 26"), in buf;
 * NULL for the standard versions and unknown codes. */
const char *registry_version_note(uint16_t code, char *buf, size_t len);

/* registry_version_is_tls13 - 1.3 or one of its drafts and experiments. */
/* registry_version_rank - a version as the TLS version it matches, to
 * compare versions of either family: a TLS 1.3 draft or DTLS 1.3 is 1.3,
 * DTLS 1.2 is 1.2, DTLS 1.0 (and OpenSSL's pre-RFC 0x0100) is TLS 1.1, on
 * which it was built. */
uint16_t registry_version_rank(uint16_t code);
bool registry_version_is_tls13(uint16_t code);
