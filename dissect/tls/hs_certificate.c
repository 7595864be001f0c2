/* Certificate (RFC 5246 7.4.2 and RFC 8446 4.4.2):
 *   TLS <= 1.2: certificate_list<0..2^24-1> of ASN.1Cert<1..2^24-1>
 *   TLS 1.3:    certificate_request_context<0..2^8-1>
 *               certificate_list<0..2^24-1> of
 *                 { cert_data<1..2^24-1>; extensions<0..2^16-1> }
 * When the version is unknown (the ServerHello was not captured), the
 * form that parses is the one used. A TLS 1.3 entry's extensions carry
 * what TLS 1.2 sent apart: a stapled OCSP response (status_request, RFC
 * 8446 4.4.2.1) and SCTs (signed_certificate_timestamp, RFC 6962 3.3),
 * kept with their certificate. */
#include "dissect/internal.h"

#include <brotli/decode.h>
#include <zlib.h>
#include <zstd.h>

enum { EXT_STATUS_REQUEST = 5, EXT_SCT = 18 };

/* SignedCertificateTimestampList: a u16 list of u16-prefixed SCTs. */
static bool sct_count(struct cur b, uint16_t *n)
{
    struct cur list;
    if (!cur_take_len16(&b, &list) || b.left)
        return false;
    for (*n = 0; list.left; (*n)++) {
        struct cur sct;
        if (!cur_take_len16(&list, &sct) || !sct.left)
            return false;
    }
    return true;
}

/* entry_exts - a TLS 1.3 CertificateEntry's extensions into c; a malformed
 * one is an anomaly, and the certificate is kept. */
static void entry_exts(struct hsctx *hc, struct cur exts, struct cert *c)
{
    while (exts.left) {
        uint16_t type;
        struct cur body;
        if (!cur_u16(&exts, &type) || !cur_take_len16(&exts, &body)) {
            hsctx_anomaly(hc, "malformed_extension", "a certificate entry's extensions overrun their length");
            return;
        }
        bool ok = true;
        if (type == EXT_STATUS_REQUEST)
            ok = cert_status_parse(hc->s->arena, body, &c->stapled_ocsp) == ST_OK;
        else if (type == EXT_SCT)
            ok = sct_count(body, &c->stapled_scts);
        if (!ok)
            hsctx_anomaly(hc, "malformed_extension", "a certificate entry's %s extension is malformed",
                          type == EXT_SCT ? "signed_certificate_timestamp" : "status_request");
    }
}

static enum st chain_parse(struct hsctx *hc, struct cur b, bool tls13,
                           struct chain *out, bool dry_run)
{
    struct cur list;
    if (tls13) {
        struct cur ctx;
        if (!cur_take_len8(&b, &ctx))
            return ST_BAD;
    }
    if (!cur_take_len24(&b, &list) || b.left)
        return ST_BAD;
    size_t kept = 0;
    while (list.left) {
        struct cur der, exts = {0}; /* read only for TLS 1.3 */
        if (!cur_take_len24(&list, &der) || !der.left)
            return ST_BAD;
        if (tls13 && !cur_take_len16(&list, &exts))
            return ST_BAD;
        if (dry_run)
            continue;
        if (kept >= hc->tf->d->cfg.max_certs) {
            hsctx_anomaly(hc, "chain_too_long",
                          "certificate chain longer than %zu; the rest is not decoded",
                          hc->tf->d->cfg.max_certs);
            break;
        }
        struct cert c = {0};
        x509_decode(hc->tf->d, hc->s->arena, der, &c);
        if (tls13)
            entry_exts(hc, exts, &c);
        /* the server leaf's response is the session's, as in TLS 1.2 */
        if (!kept && hc->sdir == DIR_S2C && c.stapled_ocsp.present)
            hc->s->cert_status = c.stapled_ocsp;
        if (!ARENA_PUSH(hc->s->arena, *out, c))
            return ST_NOMEM;
        kept++;
    }
    return ST_OK;
}

enum st hs_certificate(struct hsctx *hc, struct cur body)
{
    struct session *s = hc->s;
    struct chain *chain = hc->sdir == DIR_S2C ? &s->server_certs : &s->client_certs;
    if (chain->seen) {
        hsctx_anomaly(hc, "extra_certificate", "a second %s Certificate message",
                      hc->sdir == DIR_S2C ? "server" : "client");
        return ST_OK;
    }
    bool tls13 = hc->tf->server_tls13;
    if (!s->has_version && chain_parse(hc, body, tls13, chain, true) != ST_OK &&
        chain_parse(hc, body, !tls13, chain, true) == ST_OK)
        tls13 = !tls13;
    chain->seen = true;
    chain->at = hc->at;
    return chain_parse(hc, body, tls13, chain, false);
}

/* CompressedCertificate (RFC 8879 4): algorithm(2) uncompressed_length(3)
 * compressed_certificate_message<1..2^24-1>, a Certificate message body
 * compressed with zlib (1), brotli (2) or zstd (3). */
enum st hs_compressed_certificate(struct hsctx *hc, struct cur b)
{
    struct session *s = hc->s;
    uint16_t alg;
    uint32_t ulen;
    struct cur data;
    if (!cur_u16(&b, &alg) || !cur_u24(&b, &ulen) || !cur_take_len24(&b, &data) || b.left ||
        !data.left)
        return ST_BAD;
    if (ulen > hc->tf->d->cfg.max_handshake_msg) {
        hsctx_anomaly(hc, "handshake_too_long",
                      "a compressed certificate claims %u bytes once decompressed (limit %zu); not decoded",
                      ulen, hc->tf->d->cfg.max_handshake_msg);
        return ST_OK;
    }
    uint8_t *out = arena_alloc(s->arena, ulen ? ulen : 1);
    if (!out)
        return ST_NOMEM;
    bool ok;
    size_t got = ulen;
    switch (alg) {
    case 1: {
        uLongf n = ulen;
        ok = uncompress(out, &n, data.p, (uLong)data.left) == Z_OK;
        got = n;
        break;
    }
    case 2:
        ok = BrotliDecoderDecompress(data.left, data.p, &got, out) == BROTLI_DECODER_RESULT_SUCCESS;
        break;
    case 3: {
        size_t n = ZSTD_decompress(out, ulen, data.p, data.left);
        ok = !ZSTD_isError(n);
        got = ok ? n : 0;
        break;
    }
    default:
        hsctx_anomaly(hc, "unknown_certificate_compression",
                      "certificate compressed with algorithm %u, which RFC 8879 does not define", alg);
        return ST_OK;
    }
    if (!ok || got != ulen) {
        hsctx_anomaly(hc, "malformed_compressed_certificate",
                      "a %s-compressed certificate did not decompress to the %u bytes it claims",
                      alg == 1 ? "zlib" : alg == 2 ? "brotli" : "zstd", ulen);
        return ST_OK;
    }
    struct chain *chain = hc->sdir == DIR_S2C ? &s->server_certs : &s->client_certs;
    chain->compression = alg;
    return hs_certificate(hc, cur_make(out, ulen));
}
