/* application_layer_protocol_negotiation (RFC 7301 3.1):
 *   protocol_name_list<2..2^16-1> of ProtocolName<1..2^8-1>
 * The server's list holds exactly the one protocol it selected.
 * next_protocol_negotiation (draft-agl-tls-nextprotoneg): the client sends
 * an empty body; the server lists protocols as 8-bit-length strings. */
#include "dissect/internal.h"

static enum st names(struct hsctx *hc, struct cur list, struct byteslist *out)
{
    while (list.left) {
        struct cur name;
        struct bytes b;
        if (!cur_take_len8(&list, &name) || !name.left)
            return ST_BAD;
        if (!store_bytes(hc->s->arena, name, &b) || !ARENA_PUSH(hc->s->arena, *out, b))
            return ST_NOMEM;
    }
    return ST_OK;
}

static enum st ext_alpn(struct hsctx *hc, struct hello *h, bool from_client,
                        struct cur body)
{
    struct cur list;
    if (!cur_take_len16(&body, &list) || body.left || !list.left)
        return ST_BAD;
    if (!store_bytes(hc->s->arena, list, &h->alpn_raw))
        return ST_NOMEM;
    enum st st = names(hc, list, &h->alpn);
    if (st == ST_OK && !from_client && h->alpn.n != 1)
        return ST_BAD;
    return st;
}

static enum st ext_npn(struct hsctx *hc, struct hello *h, bool from_client,
                       struct cur body)
{
    (void)hc;
    h->npn = true;
    if (from_client)
        return body.left == 0 ? ST_OK : ST_BAD;
    while (body.left) {
        struct cur name;
        if (!cur_take_len8(&body, &name))
            return ST_BAD;
    }
    return ST_OK;
}

static const struct ext_parser parsers[] = {
    {16, "application_layer_protocol_negotiation", ext_alpn},
    {0x3374, "next_protocol_negotiation", ext_npn},
};
const struct ext_table ext_alpn_table = {parsers, ARRAY_LEN(parsers)};
