/* Small extensions: empty flags and single values.
 *   max_fragment_length (RFC 6066 4): one byte, 1..4
 *   status_request (RFC 6066 8): client: status_type(1)
 *       responder_id_list<0..2^16-1> request_extensions<0..2^16-1>;
 *       server: empty
 *   heartbeat (RFC 6520 2): mode(1)
 *   signed_certificate_timestamp (RFC 6962 3.3.1): client empty; server
 *       SignedCertificateTimestampList
 *   padding (RFC 7685): zero bytes
 *   encrypt_then_mac (RFC 7366), extended_master_secret (RFC 7627),
 *   post_handshake_auth (RFC 8446 4.2.6): empty
 *   record_size_limit (RFC 8449): uint16 >= 64
 *   cookie (RFC 8446 4.2.2): cookie<1..2^16-1>
 *   renegotiation_info (RFC 5746 3.2): renegotiated_connection<0..255> */
#include "dissect/internal.h"

static enum st empty(struct cur body)
{
    return body.left == 0 ? ST_OK : ST_BAD;
}

static enum st ext_max_fragment_length(struct hsctx *hc, struct hello *h,
                                       bool from_client, struct cur body)
{
    (void)hc;
    (void)from_client;
    if (!cur_u8(&body, &h->max_fragment_length) || body.left)
        return ST_BAD;
    return h->max_fragment_length >= 1 && h->max_fragment_length <= 4 ? ST_OK : ST_BAD;
}

static enum st ext_status_request(struct hsctx *hc, struct hello *h, bool from_client,
                                  struct cur body)
{
    (void)hc;
    h->status_request = true;
    if (!from_client)
        return ST_OK; /* an empty ack (TLS 1.2) or a CertificateStatus (1.3) */
    struct cur ids, exts;
    if (!cur_u8(&body, &h->status_request_type))
        return ST_BAD;
    if (h->status_request_type != 1)
        return ST_OK; /* other types are opaque to us */
    if (!cur_take_len16(&body, &ids) || !cur_take_len16(&body, &exts) || body.left)
        return ST_BAD;
    return ST_OK;
}

static enum st ext_heartbeat(struct hsctx *hc, struct hello *h, bool from_client,
                             struct cur body)
{
    (void)hc;
    (void)from_client;
    h->heartbeat = true;
    if (!cur_u8(&body, &h->heartbeat_mode) || body.left)
        return ST_BAD;
    return ST_OK;
}

static enum st ext_sct(struct hsctx *hc, struct hello *h, bool from_client,
                       struct cur body)
{
    (void)hc;
    h->sct = true;
    if (from_client)
        return empty(body);
    struct cur list;
    if (!cur_take_len16(&body, &list) || body.left)
        return ST_BAD;
    while (list.left) {
        struct cur one;
        if (!cur_take_len16(&list, &one))
            return ST_BAD;
    }
    return ST_OK;
}

static enum st ext_padding(struct hsctx *hc, struct hello *h, bool from_client,
                           struct cur body)
{
    (void)hc;
    (void)from_client;
    h->padding_len = (uint16_t)body.left;
    return ST_OK;
}

static enum st ext_etm(struct hsctx *hc, struct hello *h, bool from_client,
                       struct cur body)
{
    (void)hc;
    (void)from_client;
    h->etm = true;
    return empty(body);
}

static enum st ext_ems(struct hsctx *hc, struct hello *h, bool from_client,
                       struct cur body)
{
    (void)hc;
    (void)from_client;
    h->ems = true;
    return empty(body);
}

static enum st ext_post_handshake_auth(struct hsctx *hc, struct hello *h,
                                       bool from_client, struct cur body)
{
    (void)hc;
    (void)from_client;
    h->post_handshake_auth = true;
    return empty(body);
}

static enum st ext_record_size_limit(struct hsctx *hc, struct hello *h,
                                     bool from_client, struct cur body)
{
    (void)hc;
    (void)from_client;
    if (!cur_u16(&body, &h->record_size_limit) || body.left)
        return ST_BAD;
    return h->record_size_limit >= 64 ? ST_OK : ST_BAD;
}

static enum st ext_cookie(struct hsctx *hc, struct hello *h, bool from_client,
                          struct cur body)
{
    (void)hc;
    (void)from_client;
    struct cur cookie;
    if (!cur_take_len16(&body, &cookie) || body.left || !cookie.left)
        return ST_BAD;
    h->cookie_len = (uint16_t)cookie.left;
    return ST_OK;
}

static enum st ext_renegotiation_info(struct hsctx *hc, struct hello *h,
                                      bool from_client, struct cur body)
{
    (void)hc;
    (void)from_client;
    struct cur rc;
    h->reneg_info = true;
    if (!cur_take_len8(&body, &rc) || body.left)
        return ST_BAD;
    return ST_OK;
}

static const struct ext_parser parsers[] = {
    {1, "max_fragment_length", ext_max_fragment_length},
    {5, "status_request", ext_status_request},
    {15, "heartbeat", ext_heartbeat},
    {18, "signed_certificate_timestamp", ext_sct},
    {21, "padding", ext_padding},
    {22, "encrypt_then_mac", ext_etm},
    {23, "extended_master_secret", ext_ems},
    {28, "record_size_limit", ext_record_size_limit},
    {44, "cookie", ext_cookie},
    {49, "post_handshake_auth", ext_post_handshake_auth},
    {0xff01, "renegotiation_info", ext_renegotiation_info},
};
const struct ext_table ext_flags_table = {parsers, ARRAY_LEN(parsers)};
