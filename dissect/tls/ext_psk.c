/* Resumption extensions.
 *   pre_shared_key (RFC 8446 4.2.11):
 *     ClientHello: identities<7..2^16-1> of { identity<1..2^16-1>;
 *                  obfuscated_ticket_age(4) }, binders<33..2^16-1>
 *     ServerHello: selected_identity(2)
 *   early_data (RFC 8446 4.2.10): empty in ClientHello and
 *     EncryptedExtensions.
 *   session_ticket (RFC 5077 3.2): the opaque ticket, possibly empty. */
#include "dissect/internal.h"

static enum st ext_pre_shared_key(struct hsctx *hc, struct hello *h, bool from_client,
                                  struct cur body)
{
    (void)hc;
    if (!from_client) {
        uint16_t sel;
        if (!cur_u16(&body, &sel) || body.left)
            return ST_BAD;
        h->psk_selected = sel;
        return ST_OK;
    }
    struct cur ids, binders;
    if (!cur_take_len16(&body, &ids) || !cur_take_len16(&body, &binders) ||
        body.left || !ids.left)
        return ST_BAD;
    while (ids.left) {
        struct cur id;
        uint32_t age;
        if (!cur_take_len16(&ids, &id) || !cur_u32(&ids, &age))
            return ST_BAD;
        h->n_psk_identities++;
    }
    return ST_OK;
}

static enum st ext_early_data(struct hsctx *hc, struct hello *h, bool from_client,
                              struct cur body)
{
    (void)hc;
    (void)from_client;
    h->early_data = true;
    return body.left == 0 ? ST_OK : ST_BAD;
}

static enum st ext_session_ticket(struct hsctx *hc, struct hello *h, bool from_client,
                                  struct cur body)
{
    (void)hc;
    (void)from_client;
    h->has_session_ticket = true;
    h->session_ticket_len = (uint32_t)body.left;
    return ST_OK;
}

static const struct ext_parser parsers[] = {
    {35, "session_ticket", ext_session_ticket},
    {41, "pre_shared_key", ext_pre_shared_key},
    {42, "early_data", ext_early_data},
};
const struct ext_table ext_psk_table = {parsers, ARRAY_LEN(parsers)};
