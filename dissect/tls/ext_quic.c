/* quic_transport_parameters (RFC 9000 18, RFC 9001 8.2), in the
 * ClientHello and in EncryptedExtensions: a sequence of
 *   id(varint) length(varint) value[length]
 * where the integers' values are themselves one varint. Drafts up to 32
 * sent it as 0xffa5; before draft 27 the list had a 16-bit length and
 * 16-bit ids and lengths. A body in neither layout (older drafts put
 * version fields in front) is kept as an extension seen but not decoded,
 * rather than called malformed. */
#include "dissect/internal.h"

/* RFC 9000 18.2, RFC 9221, RFC 9287, RFC 9368 */
static bool integer_param(uint64_t id)
{
    return id == 0x01 || (id >= 0x03 && id <= 0x0b) || id == 0x0e || id == 0x20;
}

static bool next_param(struct cur *body, bool old_layout, uint64_t *id, struct cur *value)
{
    if (!old_layout) {
        uint64_t len;
        return cur_varint(body, id) && cur_varint(body, &len) && cur_take(body, len, value);
    }
    uint16_t id16;
    if (!cur_u16(body, &id16) || !cur_take_len16(body, value))
        return false;
    *id = id16;
    return true;
}

static enum st params(struct hsctx *hc, struct hello *h, struct cur body, bool old_layout)
{
    struct arena *a = hc->s->arena;
    h->quic_params.n = 0;
    if (old_layout) {
        struct cur list;
        if (!cur_take_len16(&body, &list) || body.left)
            return ST_BAD;
        body = list;
    }
    while (body.left) {
        uint64_t id;
        struct cur value;
        if (!next_param(&body, old_layout, &id, &value))
            return ST_BAD;
        struct quic_param p = {.id = id};
        if (integer_param(id)) {
            struct cur v = value;
            if (!cur_varint(&v, &p.value) || v.left)
                return ST_BAD;
            p.integer = true;
        } else if (!store_bytes(a, value, &p.raw)) {
            return ST_NOMEM;
        }
        if (!ARENA_PUSH(a, h->quic_params, p))
            return ST_NOMEM;
    }
    h->has_quic_params = true;
    return ST_OK;
}

static enum st ext_quic(struct hsctx *hc, struct hello *h, bool from_client, struct cur body)
{
    (void)from_client;
    return params(hc, h, body, false);
}

static enum st ext_quic_draft(struct hsctx *hc, struct hello *h, bool from_client, struct cur body)
{
    (void)from_client;
    /* a 16-bit length that covers exactly the rest is the older layout */
    uint16_t len;
    bool old = cur_peek_u16(&body, 0, &len) && len == body.left - 2;
    if (params(hc, h, body, old) != ST_OK && params(hc, h, body, !old) != ST_OK) {
        h->quic_params.n = 0; /* an older draft's layout: seen, not decoded */
        h->has_quic_params = false;
    }
    return ST_OK;
}

static const struct ext_parser parsers[] = {
    {0x39, "quic_transport_parameters", ext_quic},
    {0xffa5, "quic_transport_parameters_draft", ext_quic_draft},
};
const struct ext_table ext_quic_table = {parsers, ARRAY_LEN(parsers)};
