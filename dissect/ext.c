/* Extension dispatch (RFC 8446 4.2): each parser sees only its own body. */
#include "dissect/internal.h"

static const struct ext_parser parsers[] = {
    {0, ext_server_name},
    {1, ext_max_fragment_length},
    {5, ext_status_request},
    {10, ext_supported_groups},
    {11, ext_point_formats},
    {13, ext_sig_algs},
    {15, ext_heartbeat},
    {16, ext_alpn},
    {18, ext_sct},
    {21, ext_padding},
    {22, ext_etm},
    {23, ext_ems},
    {27, ext_compress_cert},
    {28, ext_record_size_limit},
    {35, ext_session_ticket},
    {40, ext_key_share}, /* key_share before TLS 1.3 draft 23 */
    {41, ext_pre_shared_key},
    {42, ext_early_data},
    {43, ext_supported_versions},
    {44, ext_cookie},
    {45, ext_psk_modes},
    {49, ext_post_handshake_auth},
    {50, ext_sig_algs_cert},
    {51, ext_key_share},
    {0x3374, ext_npn},
    {0xfe0d, ext_ech},
    {0xff01, ext_renegotiation_info},
    {0xffce, ext_esni},
};

ext_parse_fn ext_find(uint16_t type)
{
    for (size_t i = 0; i < ARRAY_LEN(parsers); i++)
        if (parsers[i].type == type)
            return parsers[i].parse;
    return NULL;
}

bool ext_u16_list(struct arena *a, struct cur c, struct u16s *out)
{
    if (c.left % 2)
        return false;
    while (c.left) {
        uint16_t v;
        if (!cur_u16(&c, &v) || !ARENA_PUSH(a, *out, v))
            return false;
    }
    return true;
}

bool ext_bytes(struct arena *a, struct cur c, struct bytes *out)
{
    out->len = c.left;
    out->p = NULL;
    if (!c.left)
        return true;
    uint8_t *p = arena_alloc(a, c.left);
    if (!p || !cur_copy(&c, p, c.left))
        return false;
    out->p = p;
    return true;
}
