/* Certificate (RFC 5246 7.4.2 and RFC 8446 4.4.2):
 *   TLS <= 1.2: certificate_list<0..2^24-1> of ASN.1Cert<1..2^24-1>
 *   TLS 1.3:    certificate_request_context<0..2^8-1>
 *               certificate_list<0..2^24-1> of
 *                 { cert_data<1..2^24-1>; extensions<0..2^16-1> }
 * When the version is unknown (the ServerHello was not captured), the
 * form that parses is the one used. */
#include "dissect/internal.h"

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
        struct cur der, exts;
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
