/* QUIC versions and their Initial keys (RFC 9001 5.2, RFC 9369 3.3):
 *
 *   initial_secret = HKDF-Extract(salt, client's first DCID)
 *   client_initial_secret = HKDF-Expand-Label(initial_secret, "client in", "", 32)
 *   server_initial_secret = HKDF-Expand-Label(initial_secret, "server in", "", 32)
 *   key, iv, hp = HKDF-Expand-Label(secret, "quic key" / "quic iv" / "quic hp")
 *
 * Each draft family has its own salt; version 2 also its own labels. The
 * Initial packets of every version use AES-128-GCM with SHA-256. */
#include "dissect/quic/quic.h"

#include <stdio.h>
#include <string.h>

#include "dissect/crypto/tls_crypto.h"
#include "dissect/internal.h"

static const uint8_t salt_draft21[20] = {0x7f, 0xbc, 0xdb, 0x0e, 0x7c, 0x66, 0xbb, 0xe9, 0x19, 0x3a,
                                         0x96, 0xcd, 0x21, 0x51, 0x9e, 0xbd, 0x7a, 0x02, 0x64, 0x4a};
static const uint8_t salt_draft23[20] = {0xc3, 0xee, 0xf7, 0x12, 0xc7, 0x2e, 0xbb, 0x5a, 0x11, 0xa7,
                                         0xd2, 0x43, 0x2b, 0xb4, 0x63, 0x65, 0xbe, 0xf9, 0xf5, 0x02};
static const uint8_t salt_draft29[20] = {0xaf, 0xbf, 0xec, 0x28, 0x99, 0x93, 0xd2, 0x4c, 0x9e, 0x97,
                                         0x86, 0xf1, 0x9c, 0x61, 0x11, 0xe0, 0x43, 0x90, 0xa8, 0x99};
static const uint8_t salt_v1[20] = {0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
                                    0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a};
static const uint8_t salt_v2[20] = {0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93,
                                    0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb, 0xf9, 0xbd, 0x2e, 0xd9};
/* The Retry Integrity Tag's AES-128-GCM key and nonce (RFC 9001 5.8, RFC
 * 9369 3.3.3; drafts 25-28 and 29-32 had their own; earlier drafts had no
 * tag). */
static const uint8_t retry_v1[28] = {0xbe, 0x0c, 0x69, 0x0b, 0x9f, 0x66, 0x57, 0x5a, 0x1d, 0x76, 0x6b, 0x54, 0xe3, 0x68,
                                     0xc8, 0x4e, 0x46, 0x15, 0x99, 0xd3, 0x5d, 0x63, 0x2b, 0xf2, 0x23, 0x98, 0x25, 0xbb};
static const uint8_t retry_v2[28] = {0x8f, 0xb4, 0xb0, 0x1b, 0x56, 0xac, 0x48, 0xe2, 0x60, 0xfb, 0xcb, 0xce, 0xad, 0x7c,
                                     0xcc, 0x92, 0xd8, 0x69, 0x69, 0xbc, 0x2d, 0x7c, 0x6d, 0x99, 0x90, 0xef, 0xb0, 0x4a};
static const uint8_t retry_draft25[28] = {0x4d, 0x32, 0xec, 0xdb, 0x2a, 0x21, 0x33, 0xc8, 0x41, 0xe4,
                                          0x04, 0x3d, 0xf2, 0x7d, 0x44, 0x30, 0x4d, 0x16, 0x11, 0xd0,
                                          0x55, 0x13, 0xa5, 0x52, 0xc5, 0x87, 0xd5, 0x75};
static const uint8_t retry_draft29[28] = {0xcc, 0xce, 0x18, 0x7e, 0xd0, 0x9a, 0x09, 0xd0, 0x57, 0x28,
                                          0x15, 0x5a, 0x6c, 0xb9, 0x6b, 0xe1, 0xe5, 0x49, 0x30, 0xf9,
                                          0x7f, 0x21, 0x36, 0xf0, 0x53, 0x0a, 0x8c, 0x1c};

/* Google's TLS-based QUIC (T050, T051) */
static const uint8_t salt_t050[20] = {0x7f, 0xf5, 0x79, 0xe5, 0xac, 0xd0, 0x72, 0x91, 0x55, 0x80,
                                      0x30, 0x4c, 0x43, 0xa2, 0x36, 0x7c, 0x60, 0x48, 0x83, 0x10};
static const uint8_t salt_t051[20] = {0x7a, 0x4e, 0xde, 0xf4, 0xe7, 0xcc, 0xee, 0x5f, 0xa4, 0x50,
                                      0x6c, 0x19, 0x12, 0x4f, 0xc8, 0xcc, 0xda, 0x6e, 0x03, 0x3d};

static const struct quic_version versions[] = {
    {0x00000001, "QUICv1", salt_v1, "quic ", false, retry_v1},
    {0x6b3343cf, "QUICv2", salt_v2, "quicv2 ", true, retry_v2},
    {0xfaceb001, "mvfst-draft-22", salt_draft21, "quic ", false, NULL},
    {0xfaceb002, "mvfst-draft-27", salt_draft23, "quic ", false, retry_draft25},
    {0xfaceb00e, "mvfst-experimental", salt_draft23, "quic ", false, NULL},
    {0x54303530, "T050", salt_t050, "quic ", false, NULL},
    {0x54303531, "T051", salt_t051, "quic ", false, NULL},
    /* the IETF drafts still seen in captures */
    {0xff000015, "draft-21", salt_draft21, "quic ", false, NULL},
    {0xff000016, "draft-22", salt_draft21, "quic ", false, NULL},
    {0xff000017, "draft-23", salt_draft23, "quic ", false, NULL},
    {0xff000018, "draft-24", salt_draft23, "quic ", false, NULL},
    {0xff000019, "draft-25", salt_draft23, "quic ", false, retry_draft25},
    {0xff00001a, "draft-26", salt_draft23, "quic ", false, retry_draft25},
    {0xff00001b, "draft-27", salt_draft23, "quic ", false, retry_draft25},
    {0xff00001c, "draft-28", salt_draft23, "quic ", false, retry_draft25},
    {0xff00001d, "draft-29", salt_draft29, "quic ", false, retry_draft29},
    {0xff00001e, "draft-30", salt_draft29, "quic ", false, retry_draft29},
    {0xff00001f, "draft-31", salt_draft29, "quic ", false, retry_draft29},
    {0xff000020, "draft-32", salt_draft29, "quic ", false, retry_draft29},
    {0xff000021, "draft-33", salt_v1, "quic ", false, retry_v1},
    {0xff000022, "draft-34", salt_v1, "quic ", false, retry_v1},
};

const struct quic_version *quic_version_find(uint32_t code)
{
    for (size_t i = 0; i < ARRAY_LEN(versions); i++)
        if (versions[i].code == code)
            return &versions[i];
    return NULL;
}

const char *quic_version_name(uint32_t code, char buf[32])
{
    const struct quic_version *v = quic_version_find(code);
    if (v)
        snprintf(buf, 32, "%s", v->name);
    else if (code == 0)
        snprintf(buf, 32, "version-negotiation");
    else if ((code & 0x0f0f0f0f) == 0x0a0a0a0a)
        snprintf(buf, 32, "reserved-0x%08x", code);
    else if ((code >> 8) == 0xff0000)
        snprintf(buf, 32, "draft-%u", code & 0xff);
    else if ((code >> 24) == 'Q' || (code >> 24) == 'T')
        snprintf(buf, 32, "%c%c%c%c", (char)(code >> 24), (char)(code >> 16), (char)(code >> 8),
                 (char)code);
    else
        snprintf(buf, 32, "0x%08x", code);
    return buf;
}

const char *quic_param_name(uint64_t id)
{
    static const char *const names[] = {
        "original_destination_connection_id", "max_idle_timeout", "stateless_reset_token",
        "max_udp_payload_size", "initial_max_data", "initial_max_stream_data_bidi_local",
        "initial_max_stream_data_bidi_remote", "initial_max_stream_data_uni", "initial_max_streams_bidi",
        "initial_max_streams_uni", "ack_delay_exponent", "max_ack_delay", "disable_active_migration",
        "preferred_address", "active_connection_id_limit", "initial_source_connection_id",
        "retry_source_connection_id", "version_information",
    };
    if (id < ARRAY_LEN(names))
        return names[id];
    if (id == 0x20)
        return "max_datagram_frame_size"; /* RFC 9221 */
    if (id == 0x2ab2)
        return "grease_quic_bit"; /* RFC 9287 */
    if (id >= 27 && (id - 27) % 31 == 0)
        return "grease";
    return NULL;
}

static bool expand(const struct quic_version *v, const EVP_MD *md, const uint8_t *secret, size_t len,
                   const char *what, uint8_t *out, size_t out_len)
{
    char label[32];
    snprintf(label, sizeof(label), "%s%s", v->label, what);
    return tls_hkdf_expand_label(md, secret, len, label, out, out_len);
}

bool quic_traffic_keys(const struct quic_version *v, const struct suite *su, const uint8_t *secret,
                       size_t secret_len, struct quic_keys *out)
{
    memset(out, 0, sizeof(*out));
    const EVP_MD *md = tls_hash(secret_len == 48 ? "SHA384" : "SHA256");
    if (!md || !su || (su->kind != AK_GCM && su->kind != AK_CHACHA && su->kind != AK_CCM))
        return false;
    out->su = su;
    out->ready = expand(v, md, secret, secret_len, "key", out->key, su->key_len) &&
                 expand(v, md, secret, secret_len, "iv", out->iv, 12) &&
                 expand(v, md, secret, secret_len, "hp", out->hp, su->key_len);
    return out->ready;
}

bool quic_initial_keys(const struct quic_version *v, struct cur dcid, bool client,
                       struct quic_keys *out, uint8_t secret[32])
{
    const EVP_MD *md = tls_hash("SHA256");
    uint8_t initial[32], side[32];
    if (!md || !tls_hkdf_extract(md, v->salt, 20, dcid.p, dcid.left, initial, 32) ||
        !tls_hkdf_expand_label(md, initial, 32, client ? "client in" : "server in", side, 32))
        return false;
    if (secret)
        memcpy(secret, side, 32);
    return quic_traffic_keys(v, tls_suite_named("AES_128_GCM"), side, 32, out);
}

enum quic_retry_tag quic_retry_check(EVP_CIPHER_CTX *ctx, const struct quic_version *v, struct cur odcid,
                                     struct cur retry)
{
    if (!v->retry_key || odcid.left > 20 || retry.left < 16)
        return RETRY_TAG_UNCHECKED;
    /* the pseudo-packet: the ODCID with its length, then the Retry up to its tag */
    uint8_t pseudo[1 + 20 + 1500];
    size_t body = retry.left - 16;
    if (1 + odcid.left + body > sizeof(pseudo))
        return RETRY_TAG_UNCHECKED;
    pseudo[0] = (uint8_t)odcid.left;
    memcpy(pseudo + 1, odcid.p, odcid.left);
    memcpy(pseudo + 1 + odcid.left, retry.p, body);
    struct dkeys k = {.ready = true, .su = tls_suite_named("AES_128_GCM")};
    memcpy(k.key, v->retry_key, 16);
    uint8_t none[16];
    size_t n = 0;
    return tls_aead_open(ctx, &k, v->retry_key + 16, pseudo, 1 + odcid.left + body, cur_make(retry.p + body, 16), none,
                         &n)
               ? RETRY_TAG_VALID
               : RETRY_TAG_INVALID;
}

bool quic_hp_mask(EVP_CIPHER_CTX *ctx, const struct quic_keys *k, const uint8_t sample[16], uint8_t mask[5])
{
    EVP_CIPHER *c = tls_hp_cipher(k->su);
    if (!c)
        return false;
    uint8_t out[16 + 16];
    int n = 0;
    bool ok;
    if (k->su->kind == AK_CHACHA) {
        /* the sample is ChaCha20's counter (4 bytes, little-endian) and nonce */
        static const uint8_t zeros[5] = {0};
        ok = EVP_EncryptInit_ex2(ctx, c, k->hp, sample, NULL) == 1 &&
             EVP_EncryptUpdate(ctx, out, &n, zeros, 5) == 1;
    } else {
        ok = EVP_EncryptInit_ex2(ctx, c, k->hp, NULL, NULL) == 1 &&
             EVP_CIPHER_CTX_set_padding(ctx, 0) == 1 &&
             EVP_EncryptUpdate(ctx, out, &n, sample, 16) == 1;
    }
    if (ok)
        memcpy(mask, out, 5);
    return ok && n >= 5;
}
