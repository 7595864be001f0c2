/* The remaining handshake messages.
 *
 * CertificateRequest (RFC 5246 7.4.4): certificate_types<1..2^8-1>
 *   [TLS 1.2: supported_signature_algorithms<2..2^16-2>]
 *   certificate_authorities<0..2^16-1> of DistinguishedName<1..2^16-1>
 * TLS 1.3 (RFC 8446 4.3.2): certificate_request_context<0..2^8-1>
 *   extensions<2..2^16-1>
 * CertificateStatus (RFC 6066 8): status_type(1) = ocsp(1):
 *   OCSPResponse<1..2^24-1>
 * NewSessionTicket (RFC 5077 3.3): ticket_lifetime_hint(4) ticket<0..2^16-1>
 * CertificateVerify (RFC 5246 7.4.8): [TLS 1.2: algorithm(2)]
 *   signature<0..2^16-1> */
#include "dissect/internal.h"

static enum st ca_names(struct hsctx *hc, struct cur list, struct strs *out)
{
    while (list.left) {
        struct cur dn;
        if (!cur_take_len16(&list, &dn))
            return ST_BAD;
        const char *name = x509_name_rfc2253(hc->s->arena, dn);
        if (name && !ARENA_PUSH(hc->s->arena, *out, name))
            return ST_NOMEM;
    }
    return ST_OK;
}

static enum st cert_request_tls13(struct hsctx *hc, struct cur b)
{
    struct cert_request *cr = &hc->s->cert_request;
    struct cur ctx, exts;
    if (!cur_take_len8(&b, &ctx) || !cur_take_len16(&b, &exts) || b.left)
        return ST_BAD;
    while (exts.left) {
        uint16_t type;
        struct cur body, list;
        if (!cur_u16(&exts, &type) || !cur_take_len16(&exts, &body))
            return ST_BAD;
        if (type == 13 && (!cur_take_len16(&body, &list) ||
                           !store_u16s(hc->s->arena, list, &cr->sig_algs)))
            return ST_BAD;
        if (type == 47) {
            if (!cur_take_len16(&body, &list))
                return ST_BAD;
            TRY(ca_names(hc, list, &cr->ca_names));
        }
    }
    return ST_OK;
}

enum st hs_certificate_request(struct hsctx *hc, struct cur b)
{
    struct session *s = hc->s;
    struct cert_request *cr = &s->cert_request;
    cr->present = true;
    if (hc->tf->server_tls13)
        return cert_request_tls13(hc, b);
    struct cur types, algs, cas;
    if (!cur_take_len8(&b, &types) || !store_bytes(s->arena, types, &cr->cert_types))
        return ST_BAD;
    bool tls12 = s->has_version ? s->version >= VER_TLS12 : true;
    if (tls12) {
        /* Without a version, the TLS 1.2 form is tried and must fit. */
        struct cur save = b;
        if (!cur_take_len16(&b, &algs) || !store_u16s(s->arena, algs, &cr->sig_algs)) {
            if (s->has_version)
                return ST_BAD;
            b = save;
        }
    }
    if (!cur_take_len16(&b, &cas) || b.left)
        return ST_BAD;
    return ca_names(hc, cas, &cr->ca_names);
}

/* CertificateStatus: status_type(1), then for ocsp(1)
 * OCSPResponse<1..2^24-1>. */
enum st cert_status_parse(struct arena *a, struct cur b, struct cert_status *cs)
{
    struct cur resp;
    cs->present = true;
    if (!cur_u8(&b, &cs->type))
        return ST_BAD;
    if (cs->type != 1)
        return ST_OK;
    if (!cur_take_len24(&b, &resp) || !resp.left || b.left)
        return ST_BAD;
    cs->response_len = (uint32_t)resp.left;
    ocsp_decode(a, resp, cs);
    return ST_OK;
}

/* TLS 1.2: the stapled response is about the leaf. */
enum st hs_certificate_status(struct hsctx *hc, struct cur b)
{
    struct session *s = hc->s;
    TRY(cert_status_parse(s->arena, b, &s->cert_status));
    if (hc->sdir == DIR_S2C && s->server_certs.n)
        s->server_certs.v[0].stapled_ocsp = s->cert_status;
    return ST_OK;
}

/* TLS 1.3 (RFC 8446 4.6.1): ticket_lifetime(4) ticket_age_add(4)
 * ticket_nonce<0..255> ticket<1..2^16-1> extensions<0..2^16-2>, where
 * early_data carries max_early_data_size(4). */
static enum st ticket_tls13(struct session *s, struct cur b)
{
    uint32_t age_add;
    struct cur nonce, ticket, exts;
    if (!cur_u32(&b, &s->ticket_lifetime) || !cur_u32(&b, &age_add) ||
        !cur_take_len8(&b, &nonce) || !cur_take_len16(&b, &ticket) || !ticket.left ||
        !cur_take_len16(&b, &exts) || b.left)
        return ST_BAD;
    s->ticket_len = (uint32_t)ticket.left;
    while (exts.left) {
        uint16_t type;
        struct cur body;
        if (!cur_u16(&exts, &type) || !cur_take_len16(&exts, &body))
            return ST_BAD;
        if (type == 42 && (!cur_u32(&body, &s->max_early_data) || body.left))
            return ST_BAD;
    }
    return ST_OK;
}

enum st hs_new_session_ticket(struct hsctx *hc, struct cur b)
{
    struct session *s = hc->s;
    struct cur ticket;
    s->ticket_seen = true;
    s->tickets++;
    if (hc->tf->server_tls13)
        return ticket_tls13(s, b);
    if (!cur_u32(&b, &s->ticket_lifetime) || !cur_take_len16(&b, &ticket) || b.left)
        return ST_BAD;
    s->ticket_len = (uint32_t)ticket.left;
    return ST_OK;
}

/* EncryptedExtensions (RFC 8446 4.3.1): extensions<0..2^16-1>, answering
 * the ClientHello's (ALPN, server_name, early_data, record_size_limit...). */
enum st hs_encrypted_extensions(struct hsctx *hc, struct cur b)
{
    struct session *s = hc->s;
    struct hello *ee = &s->ee;
    if (ee->present) {
        hsctx_anomaly(hc, "extra_encrypted_extensions", "a second EncryptedExtensions message");
        return ST_OK;
    }
    ee->present = true;
    ee->at = hc->at;
    uint16_t len;
    if (!cur_peek_u16(&b, 0, &len) || len + 2u != b.left)
        return ST_BAD;
    enum st st = hello_exts(hc, ee, false, &b);
    if (ee->alpn.n == 1 && !s->has_alpn_selected) {
        s->alpn_selected = ee->alpn.v[0];
        s->has_alpn_selected = true;
    }
    return st;
}

/* KeyUpdate (RFC 8446 4.6.3): request_update(1), 0 or 1. */
enum st hs_key_update(struct hsctx *hc, struct cur b)
{
    (void)hc;
    uint8_t request;
    return cur_u8(&b, &request) && request <= 1 && !b.left ? ST_OK : ST_BAD;
}

enum st hs_certificate_verify(struct hsctx *hc, struct cur b)
{
    struct session *s = hc->s;
    struct cur sig;
    s->cert_verify_seen = true;
    if (kx_has_sig_scheme(s, b) && !cur_u16(&b, &s->cert_verify_scheme))
        return ST_BAD;
    if (!cur_take_len16(&b, &sig) || b.left)
        return ST_BAD;
    return ST_OK;
}

enum st hs_empty(struct hsctx *hc, struct cur b)
{
    (void)hc;
    return b.left == 0 ? ST_OK : ST_BAD;
}

enum st hs_opaque(struct hsctx *hc, struct cur b)
{
    (void)hc;
    (void)b;
    return ST_OK;
}
