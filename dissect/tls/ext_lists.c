/* Extensions that are one list of code points:
 *   supported_groups (RFC 8446 4.2.7): named_group_list<2..2^16-1>
 *   ec_point_formats (RFC 8422 5.1.2): ec_point_format_list<1..2^8-1>
 *   signature_algorithms(_cert) (RFC 8446 4.2.3):
 *       supported_signature_algorithms<2..2^16-2>
 *   psk_key_exchange_modes (RFC 8446 4.2.9): ke_modes<1..255>
 *   compress_certificate (RFC 8879 3): algorithms<2..2^8-2>
 *   delegated_credential (RFC 9345 4.1.1): the client's
 *       SignatureSchemeList for a credential's signature */
#include "dissect/internal.h"

static enum st u16_vector16(struct hsctx *hc, struct cur body, struct u16s *out)
{
    struct cur list;
    if (!cur_take_len16(&body, &list) || body.left)
        return ST_BAD;
    return store_u16s(hc->s->arena, list, out) ? ST_OK : ST_BAD;
}

static enum st byte_vector8(struct hsctx *hc, struct cur body, struct bytes *out)
{
    struct cur list;
    if (!cur_take_len8(&body, &list) || body.left)
        return ST_BAD;
    return store_bytes(hc->s->arena, list, out) ? ST_OK : ST_NOMEM;
}

static enum st ext_supported_groups(struct hsctx *hc, struct hello *h,
                                    bool from_client, struct cur body)
{
    (void)from_client;
    return u16_vector16(hc, body, &h->groups);
}

static enum st ext_point_formats(struct hsctx *hc, struct hello *h, bool from_client,
                                 struct cur body)
{
    (void)from_client;
    return byte_vector8(hc, body, &h->point_formats);
}

static enum st ext_sig_algs(struct hsctx *hc, struct hello *h, bool from_client,
                            struct cur body)
{
    (void)from_client;
    return u16_vector16(hc, body, &h->sig_algs);
}

static enum st ext_sig_algs_cert(struct hsctx *hc, struct hello *h, bool from_client,
                                 struct cur body)
{
    (void)from_client;
    return u16_vector16(hc, body, &h->sig_algs_cert);
}

static enum st ext_delegated_credential(struct hsctx *hc, struct hello *h, bool from_client,
                                        struct cur body)
{
    (void)from_client;
    return u16_vector16(hc, body, &h->dc_sig_algs);
}

static enum st ext_psk_modes(struct hsctx *hc, struct hello *h, bool from_client,
                             struct cur body)
{
    (void)from_client;
    return byte_vector8(hc, body, &h->psk_modes);
}

static enum st ext_compress_cert(struct hsctx *hc, struct hello *h, bool from_client,
                                 struct cur body)
{
    (void)from_client;
    struct cur list;
    if (!cur_take_len8(&body, &list) || body.left)
        return ST_BAD;
    return store_u16s(hc->s->arena, list, &h->cert_compression) ? ST_OK : ST_BAD;
}

static const struct ext_parser parsers[] = {
    {10, "supported_groups", ext_supported_groups},
    {11, "ec_point_formats", ext_point_formats},
    {13, "signature_algorithms", ext_sig_algs},
    {27, "compress_certificate", ext_compress_cert},
    {45, "psk_key_exchange_modes", ext_psk_modes},
    {34, "delegated_credential", ext_delegated_credential},
    {50, "signature_algorithms_cert", ext_sig_algs_cert},
};
const struct ext_table ext_lists_table = {parsers, ARRAY_LEN(parsers)};
