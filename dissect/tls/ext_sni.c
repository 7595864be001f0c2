/* server_name (RFC 6066 3):
 *   ServerNameList: server_name_list<1..2^16-1> of
 *     { name_type(1); host_name<1..2^16-1> }
 * The server acknowledges with an empty body. */
#include "dissect/internal.h"

static enum st ext_server_name(struct hsctx *hc, struct hello *h, bool from_client,
                               struct cur body)
{
    if (!from_client)
        return body.left == 0 ? ST_OK : ST_BAD;
    struct cur list;
    if (!cur_take_len16(&body, &list) || body.left || !list.left)
        return ST_BAD;
    while (list.left) {
        uint8_t type;
        struct cur name;
        if (!cur_u8(&list, &type) || !cur_take_len16(&list, &name))
            return ST_BAD;
        if (type != 0)
            continue; /* only host_name is defined */
        struct bytes b;
        if (!store_bytes(hc->s->arena, name, &b) || !ARENA_PUSH(hc->s->arena, h->sni, b))
            return ST_NOMEM;
    }
    return ST_OK;
}

static const struct ext_parser parsers[] = {
    {0, "server_name", ext_server_name},
};
const struct ext_table ext_sni_table = {parsers, ARRAY_LEN(parsers)};
