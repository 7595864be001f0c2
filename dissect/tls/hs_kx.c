/* Key exchange messages of TLS <= 1.2.
 *
 * ServerKeyExchange (RFC 5246 7.4.3, RFC 8422 5.4, RFC 4279 2):
 *   ECDHE: curve_type(1) = 3 named_curve(2) | 1,2 explicit; point<1..2^8-1>
 *   DHE:   dh_p<1..2^16-1> dh_g<1..2^16-1> dh_Ys<1..2^16-1>
 *   RSA export: rsa_modulus<1..2^16-1> rsa_exponent<1..2^16-1>
 *   PSK variants start with psk_identity_hint<0..2^16-1>
 *   then, unless anonymous: [TLS 1.2: SignatureAndHashAlgorithm(2)]
 *   signature<0..2^16-1>
 * Which form applies follows from the cipher suite's key exchange.
 *
 * ClientKeyExchange (RFC 5246 7.4.7): its layout also depends on the suite;
 * only its length is kept. */
#include "dissect/internal.h"

static unsigned bit_length(struct cur n)
{
    uint8_t b = 0;
    while (n.left && cur_peek(&n, 0, &b) && b == 0 && cur_skip(&n, 1))
        ;
    if (!n.left)
        return 0;
    unsigned bits = (unsigned)(n.left - 1) * 8;
    for (; b; b >>= 1)
        bits++;
    return bits;
}

static enum st ecdhe(struct server_kx *kx, struct cur *b)
{
    uint8_t curve_type;
    struct cur point;
    if (!cur_u8(b, &curve_type))
        return ST_BAD;
    kx->kind = KX_ECDHE;
    if (curve_type == 3) {
        if (!cur_u16(b, &kx->group))
            return ST_BAD;
    } else {
        return ST_OK; /* explicit curves: parameters not kept */
    }
    if (!cur_take_len8(b, &point))
        return ST_BAD;
    kx->pubkey_len = (uint16_t)point.left;
    return ST_OK;
}

static enum st dhe(struct server_kx *kx, struct cur *b)
{
    struct cur p, g, ys;
    if (!cur_take_len16(b, &p) || !cur_take_len16(b, &g) || !cur_take_len16(b, &ys))
        return ST_BAD;
    kx->kind = KX_DHE;
    kx->dh_p_bits = (uint16_t)bit_length(p);
    kx->pubkey_len = (uint16_t)ys.left;
    return ST_OK;
}

/* A TLS 1.2 signature starts with the algorithm pair; older versions
 * have none. With the version unknown, a remainder that is exactly one
 * 16-bit-length vector has no algorithm pair. */
bool kx_has_sig_scheme(const struct session *s, struct cur b)
{
    if (s->has_version)
        return s->version >= VER_TLS12;
    uint16_t len;
    return !(cur_peek_u16(&b, 0, &len) && len + 2u == b.left);
}

static enum st signature(const struct session *s, struct server_kx *kx,
                         struct cur *b)
{
    struct cur sig;
    if (kx_has_sig_scheme(s, *b)) {
        if (!cur_u16(b, &kx->sig_scheme))
            return ST_BAD;
        kx->has_sig_scheme = true;
    }
    if (!cur_take_len16(b, &sig) || b->left)
        return ST_BAD;
    return ST_OK;
}

enum st hs_server_key_exchange(struct hsctx *hc, struct cur b)
{
    struct session *s = hc->s;
    struct server_kx *kx = &s->ske;
    kx->present = true;
    const struct cipher_info *ci = s->has_cipher ? registry_cipher(s->cipher) : NULL;
    enum st st;
    if (ci && ci->auth == AUTH_PSK) {
        struct cur hint;
        if (!cur_take_len16(&b, &hint))
            return ST_BAD;
        if (ci->kx == KXA_PSK || ci->kx == KXA_RSA)
            return b.left ? ST_BAD : ST_OK;
    }
    if (ci && (ci->kx == KXA_ECDHE || ci->kx == KXA_ECDH)) {
        st = ecdhe(kx, &b);
    } else if (ci && (ci->kx == KXA_DHE || ci->kx == KXA_DH)) {
        st = dhe(kx, &b);
    } else if (ci && ci->kx == KXA_RSA) {
        struct cur mod, exp;
        kx->kind = KX_RSA_EXPORT;
        if (!cur_take_len16(&b, &mod))
            return ST_BAD;
        kx->pubkey_len = (uint16_t)mod.left;
        st = cur_take_len16(&b, &exp) ? ST_OK : ST_BAD;
    } else {
        /* Unknown suite: ECDHE if it reads as a named curve, else DHE. */
        struct cur try = b;
        uint8_t t;
        kx->kind = KX_OTHER;
        if (cur_peek(&b, 0, &t) && t == 3 && ecdhe(kx, &try) == ST_OK) {
            b = try;
            st = ST_OK;
        } else {
            st = dhe(kx, &b);
        }
    }
    if (st != ST_OK)
        return st;
    if (kx->kind == KX_ECDHE && kx->group) {
        s->group = kx->group;
        s->has_group = true;
    }
    /* Anonymous suites carry no signature; every other known suite must. */
    if (ci && (ci->flags & CF_ANON))
        st = b.left ? ST_BAD : ST_OK;
    else if (b.left || ci)
        st = signature(s, kx, &b);
    kx->parsed = st == ST_OK;
    return st;
}

enum st hs_client_key_exchange(struct hsctx *hc, struct cur b)
{
    hc->s->cke_seen = true;
    hc->s->cke_len = (uint32_t)b.left;
    return ST_OK;
}
