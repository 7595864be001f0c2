/* SSL 2.0 (draft-hickman-netscape-ssl-00). Records have a 2-byte header
 * (high bit set, 15-bit length) or a 3-byte header (14-bit length, then a
 * padding count). Messages, by their first byte:
 *   0 ERROR: error_code(2)
 *   1 CLIENT-HELLO: version(2) cipher_specs_len(2) session_id_len(2)
 *     challenge_len(2), then the specs (3 bytes each), id and challenge
 *   2 CLIENT-MASTER-KEY: cipher_kind(3) clear_key_len(2) encrypted_key_len(2)
 *     key_arg_len(2) ...; everything after it is encrypted
 *   4 SERVER-HELLO: session_id_hit(1) certificate_type(1) version(2)
 *     certificate_len(2) cipher_specs_len(2) connection_id_len(2), then
 *     the certificate, specs and connection id
 * A CLIENT-HELLO whose version is 3.x is the SSLv2-compatible hello of
 * RFC 6101 E.1 / RFC 5246 E.2: TLS records follow it. */
#include "dissect/internal.h"

#include <stdlib.h>
#include <string.h>

static enum st specs(struct session *s, struct hello *h, struct cur c,
                     bool tls_codes)
{
    while (c.left) {
        uint32_t spec;
        if (!cur_u24(&c, &spec))
            return ST_BAD;
        /* In a 3.x hello, TLS suites are the specs whose first byte is 0. */
        if (tls_codes && spec > 0xffff)
            continue;
        if (!ARENA_PUSH(s->arena, h->ciphers, spec))
            return ST_NOMEM;
    }
    return ST_OK;
}

static enum st client_hello(struct hsctx *hc, struct cur b)
{
    struct session *s = hc->s;
    tflow_set_client(hc->tf, hc->fdir, true);
    hc->sdir = DIR_C2S;
    struct hello *h = &s->ch;
    if (h->present)
        return ST_OK;
    uint16_t nspecs, nsid, nchal;
    struct cur sp, sid, chal;
    h->present = h->sslv2 = true;
    h->at = hc->at;
    s->n_client_hellos++;
    if (!cur_u16(&b, &h->version) || !cur_u16(&b, &nspecs) ||
        !cur_u16(&b, &nsid) || !cur_u16(&b, &nchal) ||
        !cur_take(&b, nspecs, &sp) || !cur_take(&b, nsid, &sid) ||
        !cur_take(&b, nchal, &chal) || nchal > 32)
        return ST_BAD;
    TRY(specs(s, h, sp, h->version >= VER_SSL3));
    if (!store_bytes(s->arena, sid, &h->session_id))
        return ST_NOMEM;
    /* The challenge is the client random, right-aligned in 32 bytes. */
    size_t n = chal.left;
    if (!cur_copy(&chal, &h->random[32 - n], n))
        return ST_BAD;
    h->random_len = 32;
    if (h->version >= VER_SSL3)
        hc->tf->dir[hc->fdir].mode = DM_RECORDS;
    return ST_OK;
}

static enum st server_hello(struct hsctx *hc, struct cur b)
{
    struct session *s = hc->s;
    tflow_set_client(hc->tf, hc->fdir, false);
    hc->sdir = DIR_S2C;
    struct hello *h = &s->sh;
    if (h->present)
        return ST_OK;
    uint8_t hit, cert_type;
    uint16_t ncert, nspecs, nconn;
    struct cur cert, sp, conn;
    h->present = h->sslv2 = true;
    h->at = hc->at;
    if (!cur_u8(&b, &hit) || !cur_u8(&b, &cert_type) || !cur_u16(&b, &h->version) ||
        !cur_u16(&b, &ncert) || !cur_u16(&b, &nspecs) || !cur_u16(&b, &nconn) ||
        !cur_take(&b, ncert, &cert) || !cur_take(&b, nspecs, &sp) ||
        !cur_take(&b, nconn, &conn))
        return ST_BAD;
    TRY(specs(s, h, sp, false));
    s->version = VER_SSL2;
    s->has_version = true;
    if (h->ciphers.n && !s->has_cipher) {
        s->cipher = h->ciphers.v[0];
        s->has_cipher = true;
    }
    if (hit)
        s->resumed = true;
    if (cert.left && cert_type == 1) { /* SSL_CT_X509_CERTIFICATE */
        struct cert c = {0};
        x509_decode(hc->tf->d, s->arena, cert, &c);
        s->server_certs.seen = true;
        s->server_certs.at = hc->at;
        if (!ARENA_PUSH(s->arena, s->server_certs, c))
            return ST_NOMEM;
    }
    return ST_OK;
}

static enum st client_master_key(struct hsctx *hc, struct cur b)
{
    struct session *s = hc->s;
    uint32_t kind;
    if (!cur_u24(&b, &kind))
        return ST_BAD;
    s->cipher = kind;
    s->has_cipher = true;
    s->cke_seen = true;
    /* The handshake continues encrypted in both directions. */
    hc->tf->dir[0].ssl2_encrypted = hc->tf->dir[1].ssl2_encrypted = true;
    s->encrypted[DIR_C2S] = s->encrypted[DIR_S2C] = true;
    s->established = true;
    s->hs_end = hc->at;
    s->has_hs_end = true;
    return ST_OK;
}

static void error_msg(struct hsctx *hc, struct cur b)
{
    static const char *const names[] = {"", "no-cipher", "no-certificate", "",
                                        "bad-certificate", "",
                                        "unsupported-certificate-type"};
    uint16_t code = 0;
    if (!cur_u16(&b, &code))
        code = 0xffff;
    hsctx_anomaly(hc, "sslv2_error", "SSLv2 ERROR %s (code %u)",
                  code < ARRAY_LEN(names) ? names[code] : "unknown", code);
}

static void message(struct tflow *tf, int fdir, struct cur body)
{
    struct hsctx hc = {.tf = tf, .s = tf->s, .fdir = fdir,
                       .sdir = tflow_sdir(tf, fdir), .at = tf->at[fdir]};
    uint8_t type;
    if (!cur_u8(&body, &type))
        return;
    if (!tf->s->hs_start.ts && !tf->s->hs_start.packet)
        tf->s->hs_start = hc.at;
    enum st st = ST_OK;
    switch (type) {
    case 0: error_msg(&hc, body); break;
    case 1: st = client_hello(&hc, body); break;
    case 2: st = client_master_key(&hc, body); break;
    case 4: st = server_hello(&hc, body); break;
    default: break;
    }
    session_event(tf->s, EV_SSL2, type, (uint8_t)hc.sdir, (uint32_t)body.left + 1,
                  &hc.at);
    if (st != ST_OK)
        hsctx_anomaly(&hc, "malformed_handshake", "SSLv2 message type %u is %s",
                      type, st_name(st));
}

size_t sslv2_feed(struct tflow *tf, int fdir, struct cur c)
{
    struct dirstate *ds = &tf->dir[fdir];
    while (c.left) {
        if (ds->mode != DM_SSL2)
            return record_feed(tf, fdir, c);
        if (!ds->in_body) {
            uint8_t b0 = ds->hdr[0];
            if (!ds->hdr_len && !cur_peek(&c, 0, &b0))
                return 0;
            uint8_t hlen = (b0 & 0x80) ? 2 : 3;
            size_t want = hlen - ds->hdr_len;
            size_t n = want < c.left ? want : c.left;
            if (!cur_copy(&c, &ds->hdr[ds->hdr_len], n))
                return 0;
            ds->hdr_len = (uint8_t)(ds->hdr_len + n);
            if (ds->hdr_len < hlen)
                return 0;
            ds->hdr_len = 0;
            struct cur h = cur_make(ds->hdr, hlen);
            uint16_t len;
            if (!cur_u16(&h, &len))
                return 0;
            ds->rlen = ds->rleft = hlen == 2 ? (len & 0x7fffu) : (len & 0x3fffu);
            ds->in_body = true;
            buf_clear(&ds->hs);
            ds->records++;
            tf->at[fdir].record = ds->records;
            continue;
        }
        size_t n = ds->rleft < c.left ? ds->rleft : c.left;
        struct cur piece;
        if (!cur_take(&c, n, &piece))
            return 0;
        ds->rleft -= (uint32_t)n;
        if (!ds->ssl2_encrypted) {
            ds->hs.limit = 0x7fff; /* the longest record length */
            if (!buf_add(&ds->hs, piece.p, piece.left))
                return FLOW_IGNORE;
        }
        if (ds->rleft == 0) {
            ds->in_body = false;
            if (!ds->ssl2_encrypted)
                message(tf, fdir, cur_make(ds->hs.p, ds->hs.len));
            buf_clear(&ds->hs);
        }
    }
    if (ds->in_body && ds->ssl2_encrypted && ds->rleft) {
        size_t skip = ds->rleft;
        ds->rleft = 0;
        ds->in_body = false;
        return skip;
    }
    return 0;
}
