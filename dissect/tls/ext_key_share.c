/* key_share (RFC 8446 4.2.8):
 *   ClientHello:       client_shares<0..2^16-1> of KeyShareEntry
 *   ServerHello:       server_share (one KeyShareEntry)
 *   HelloRetryRequest: selected_group(2)
 *   KeyShareEntry:     group(2) key_exchange<1..2^16-1> */
#include "dissect/internal.h"

static enum st entry(struct hsctx *hc, struct cur *c, struct hello *h)
{
    uint16_t group;
    struct cur key;
    if (!cur_u16(c, &group) || !cur_take_len16(c, &key))
        return ST_BAD;
    return ARENA_PUSH(hc->s->arena, h->key_share_groups, group) ? ST_OK : ST_NOMEM;
}

static enum st ext_key_share(struct hsctx *hc, struct hello *h, bool from_client,
                             struct cur body)
{
    if (!from_client) {
        if (h->is_hrr) { /* HelloRetryRequest: the group to use */
            uint16_t group;
            if (!cur_u16(&body, &group) || body.left)
                return ST_BAD;
            return ARENA_PUSH(hc->s->arena, h->key_share_groups, group) ? ST_OK : ST_NOMEM;
        }
        TRY(entry(hc, &body, h));
        return body.left ? ST_BAD : ST_OK;
    }
    struct cur list;
    if (!cur_take_len16(&body, &list) || body.left)
        return ST_BAD;
    while (list.left)
        TRY(entry(hc, &list, h));
    return ST_OK;
}

static const struct ext_parser parsers[] = {
    {40, "key_share_old", ext_key_share}, /* key_share before TLS 1.3 draft 23 */
    {51, "key_share", ext_key_share},
};
const struct ext_table ext_key_share_table = {parsers, ARRAY_LEN(parsers)};
