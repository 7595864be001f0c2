/* Opening protected records, through the cursor: every part of a record
 * (explicit nonce, ciphertext, tag, MAC) is split off before it is used.
 *
 * TLS 1.3 (RFC 8446 5.2): the nonce is the IV XOR the record's sequence
 * number, the additional data the record header, and the plaintext ends
 * with its real content type and zero padding.
 * TLS <= 1.2 (RFC 5246 6.2.3, RFC 5288, RFC 6655, RFC 7905): AES-GCM/CCM
 * carry an explicit 8-byte nonce, ChaCha20-Poly1305 XORs the sequence
 * number into its IV, CBC suites MAC-then-encrypt (or encrypt-then-MAC,
 * RFC 7366) with HMAC, and NULL suites only MAC. */
#include "dissect/crypto/tls_crypto.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <string.h>

/* split_tail - c as its first bytes and its last n; false when shorter. */
static bool split_tail(struct cur c, size_t n, struct cur *head, struct cur *tail)
{
    if (c.left < n)
        return false;
    *head = cur_head(&c, c.left - n);
    *tail = cur_tail(&c, c.left - n);
    return true;
}

bool tls_aead_open(EVP_CIPHER_CTX *ctx, const struct dkeys *k, const uint8_t nonce[12], const uint8_t *aad,
                   size_t aad_len, struct cur in, uint8_t *out, size_t *out_len)
{
    const struct suite *su = k->su;
    EVP_CIPHER *cipher = tls_suite_cipher(su);
    struct cur ct, tag;
    if (!cipher || !split_tail(in, su->tag_len, &ct, &tag))
        return false;
    int n = 0;
    if (EVP_DecryptInit_ex2(ctx, cipher, NULL, NULL, NULL) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, 12, NULL) != 1)
        return false;
    if (su->kind == AK_CCM) {
        /* CCM wants the tag and the length before any data */
        if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, su->tag_len, (void *)tag.p) != 1 ||
            EVP_DecryptInit_ex2(ctx, NULL, k->key, nonce, NULL) != 1 ||
            EVP_DecryptUpdate(ctx, NULL, &n, NULL, (int)ct.left) != 1 ||
            EVP_DecryptUpdate(ctx, NULL, &n, aad, (int)aad_len) != 1 ||
            EVP_DecryptUpdate(ctx, out, &n, ct.p, (int)ct.left) != 1)
            return false;
        *out_len = ct.left;
        return true;
    }
    int fin = 0;
    if (EVP_DecryptInit_ex2(ctx, NULL, k->key, nonce, NULL) != 1 ||
        EVP_DecryptUpdate(ctx, NULL, &n, aad, (int)aad_len) != 1 ||
        EVP_DecryptUpdate(ctx, out, &n, ct.p, (int)ct.left) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, su->tag_len, (void *)tag.p) != 1 ||
        EVP_DecryptFinal_ex(ctx, out + n, &fin) != 1)
        return false;
    *out_len = ct.left;
    return true;
}

static void seq_bytes(uint64_t seq, uint8_t out[8])
{
    for (int i = 7; i >= 0; i--, seq >>= 8)
        out[i] = (uint8_t)seq;
}

/* The MAC of TLS <= 1.2 (RFC 5246 6.2.3.1) over data, against expect. */
static bool hmac_ok(const struct dkeys *k, uint8_t type, uint16_t version, struct cur data, struct cur expect)
{
    uint8_t head[13], mac[EVP_MAX_MD_SIZE];
    seq_bytes(k->seq, head);
    head[8] = type;
    head[9] = (uint8_t)(version >> 8);
    head[10] = (uint8_t)version;
    head[11] = (uint8_t)(data.left >> 8);
    head[12] = (uint8_t)data.left;
    EVP_MAC *hmac = tls_hmac();
    EVP_MAC_CTX *mctx = hmac ? EVP_MAC_CTX_new(hmac) : NULL;
    if (!mctx)
        return false;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)EVP_MD_get0_name(k->mac_md), 0),
        OSSL_PARAM_construct_end(),
    };
    size_t got = 0;
    bool ok = EVP_MAC_init(mctx, k->mac_key, k->mac_len, params) == 1 &&
              EVP_MAC_update(mctx, head, sizeof(head)) == 1 && EVP_MAC_update(mctx, data.p, data.left) == 1 &&
              EVP_MAC_final(mctx, mac, &got, sizeof(mac)) == 1 && got == k->mac_len && expect.left == got &&
              CRYPTO_memcmp(mac, expect.p, got) == 0;
    EVP_MAC_CTX_free(mctx);
    return ok;
}

/* Whole blocks of ciphertext into out; TLS 1.0 (no explicit IV) chains
 * the IV from the last ciphertext block into k. */
static bool cbc_decrypt(const struct protection *p, struct dkeys *k, struct cur in, uint8_t *out, size_t *out_len)
{
    size_t bs = k->su->block;
    struct cur iv = cur_make(k->iv, bs);
    if (p->explicit_iv && !cur_take(&in, bs, &iv))
        return false;
    if (!in.left || in.left % bs)
        return false;
    EVP_CIPHER *cipher = tls_suite_cipher(k->su);
    int n = 0, fin = 0;
    if (!cipher || EVP_DecryptInit_ex2(p->ctx, cipher, k->key, iv.p, NULL) != 1 ||
        EVP_CIPHER_CTX_set_padding(p->ctx, 0) != 1 || EVP_DecryptUpdate(p->ctx, out, &n, in.p, (int)in.left) != 1 ||
        EVP_DecryptFinal_ex(p->ctx, out + n, &fin) != 1)
        return false;
    if (!p->explicit_iv) {
        struct cur last = cur_tail(&in, in.left - bs);
        memcpy(k->iv, last.p, bs);
    }
    *out_len = in.left;
    return true;
}

/* The padding at the end of decrypted CBC plaintext: how many bytes remain
 * before it, or false when it is not pad_len+1 bytes of pad_len. */
static bool unpad(const uint8_t *pt, size_t len, bool check_bytes, size_t *data)
{
    if (!len)
        return false;
    uint8_t pad = pt[len - 1];
    if ((size_t)pad + 1 > len)
        return false;
    for (size_t i = len - pad - 1; check_bytes && i < len; i++)
        if (pt[i] != pad)
            return false;
    *data = len - pad - 1;
    return true;
}

/* TLS <= 1.2 CBC: MAC-then-encrypt, or with encrypt_then_mac the MAC over
 * the ciphertext after it. */
static bool cbc_open(const struct protection *p, struct dkeys *k, uint8_t type, uint16_t version, struct cur in,
                     uint8_t *out, size_t *out_len)
{
    size_t pt_len, data;
    if (p->etm) {
        struct cur ct, mac;
        return split_tail(in, k->mac_len, &ct, &mac) && hmac_ok(k, type, version, ct, mac) &&
               cbc_decrypt(p, k, ct, out, &pt_len) && unpad(out, pt_len, false, out_len);
    }
    if (!cbc_decrypt(p, k, in, out, &pt_len) || !unpad(out, pt_len, true, &data))
        return false;
    struct cur plain, mac;
    if (!split_tail(cur_make(out, data), k->mac_len, &plain, &mac) || !hmac_ok(k, type, version, plain, mac))
        return false;
    *out_len = plain.left;
    return true;
}

static bool tls13_open(const struct protection *p, const struct dkeys *k, const uint8_t hdr[5], struct cur body,
                       uint8_t *out, size_t *out_len, uint8_t *type)
{
    uint8_t nonce[12], sq[8];
    memcpy(nonce, k->iv, 12);
    seq_bytes(k->seq, sq);
    for (int i = 0; i < 8; i++)
        nonce[4 + i] ^= sq[i];
    size_t n;
    if (!tls_aead_open(p->ctx, k, nonce, hdr, 5, body, out, &n))
        return false;
    while (n && out[n - 1] == 0) /* padding */
        n--;
    if (!n)
        return false;
    *type = out[--n];
    *out_len = n;
    return true;
}

bool tls_open(const struct protection *p, struct dkeys *k, const uint8_t hdr[5], struct cur body, uint8_t *out,
              size_t *out_len, uint8_t *type)
{
    if (!k->ready)
        return false;
    if (p->tls13)
        return tls13_open(p, k, hdr, body, out, out_len, type);
    uint16_t version = (uint16_t)(hdr[1] << 8 | hdr[2]);
    *type = hdr[0];
    const struct suite *su = k->su;
    if (su->kind == AK_CBC)
        return cbc_open(p, k, hdr[0], version, body, out, out_len);
    if (su->kind == AK_NULL) {
        struct cur data, mac;
        if (!split_tail(body, k->mac_len, &data, &mac) || !hmac_ok(k, hdr[0], version, data, mac))
            return false;
        memcpy(out, data.p, data.left);
        *out_len = data.left;
        return true;
    }
    struct cur explicit_nonce;
    if (!cur_take(&body, su->explicit_len, &explicit_nonce) || body.left < su->tag_len)
        return false;
    size_t plain = body.left - su->tag_len;
    uint8_t nonce[12], aad[13];
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
        memcpy(nonce + 4, explicit_nonce.p, 8);
    }
    return tls_aead_open(p->ctx, k, nonce, aad, sizeof(aad), body, out, out_len);
}
