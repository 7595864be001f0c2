/* supported_versions (RFC 8446 4.2.1):
 *   ClientHello: versions<2..254> (1-byte length)
 *   ServerHello/HelloRetryRequest: selected_version(2) */
#include "dissect/internal.h"

static enum st ext_supported_versions(struct hsctx *hc, struct hello *h,
                                      bool from_client, struct cur body)
{
    if (!from_client) {
        if (!cur_u16(&body, &h->selected_version) || body.left)
            return ST_BAD;
        return ST_OK;
    }
    struct cur list;
    if (!cur_take_len8(&body, &list) || body.left || !list.left)
        return ST_BAD;
    return store_u16s(hc->s->arena, list, &h->versions) ? ST_OK : ST_BAD;
}

static const struct ext_parser parsers[] = {
    {43, "supported_versions", ext_supported_versions},
};
const struct ext_table ext_versions_table = {parsers, ARRAY_LEN(parsers)};
