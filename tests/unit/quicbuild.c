#include "tests/unit/quicbuild.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "dissect/quic/quic.h"

size_t quic_initial_packet(uint32_t version, bool server, struct cur key_dcid, struct cur dcid, struct cur scid,
                           uint16_t pn, const uint8_t *frames, size_t n, uint8_t *out)
{
    const struct quic_version *v = quic_version_find(version);
    struct quic_keys k;
    if (!v || !quic_initial_keys(v, key_dcid, !server, &k, NULL))
        abort();
    size_t body = n < 20 ? 20 : n, at = 0;
    out[at++] = (uint8_t)(0xc1 | (v->v2_types ? 0x10 : 0x00));
    for (int i = 0; i < 4; i++)
        out[at++] = (uint8_t)(version >> (24 - 8 * i));
    out[at++] = (uint8_t)dcid.left;
    memcpy(out + at, dcid.p, dcid.left);
    at += dcid.left;
    out[at++] = (uint8_t)scid.left;
    memcpy(out + at, scid.p, scid.left);
    at += scid.left;
    out[at++] = 0; /* no token */
    size_t len = 2 + body + 16;
    out[at++] = (uint8_t)(0x40 | len >> 8);
    out[at++] = (uint8_t)len;
    size_t pn_at = at;
    out[at++] = (uint8_t)(pn >> 8);
    out[at++] = (uint8_t)pn;
    uint8_t *plain = calloc(1, body);
    if (!plain)
        abort();
    memcpy(plain, frames, n);
    uint8_t nonce[12];
    memcpy(nonce, k.iv, 12);
    nonce[10] ^= (uint8_t)(pn >> 8);
    nonce[11] ^= (uint8_t)pn;
    EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
    int w = 0;
    if (!x || EVP_EncryptInit_ex2(x, EVP_aes_128_gcm(), k.key, nonce, NULL) != 1 ||
        EVP_EncryptUpdate(x, NULL, &w, out, (int)at) != 1 ||
        EVP_EncryptUpdate(x, out + at, &w, plain, (int)body) != 1 ||
        EVP_EncryptFinal_ex(x, out + at + w, &w) != 1 ||
        EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_GET_TAG, 16, out + at + body) != 1)
        abort();
    free(plain);
    uint8_t mask[5];
    if (!quic_hp_mask(x, &k, out + pn_at + 4, mask))
        abort();
    EVP_CIPHER_CTX_free(x);
    out[0] ^= mask[0] & 0x0f;
    out[pn_at] ^= mask[1];
    out[pn_at + 1] ^= mask[2];
    return at + body + 16;
}
