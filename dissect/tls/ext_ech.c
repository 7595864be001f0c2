/* Encrypted Client Hello (draft-ietf-tls-esni-18, 5):
 *   ClientHello: type(1); outer (0): cipher_suite { kdf_id(2) aead_id(2) }
 *       config_id(1) enc<0..2^16-1> payload<1..2^16-1>; inner (1): empty
 *   server: retry configurations or an acceptance confirmation (opaque)
 * The older encrypted_server_name (draft-ietf-tls-esni-02) is only noted. */
#include "dissect/internal.h"

static enum st ext_ech(struct hsctx *hc, struct hello *h, bool from_client,
                       struct cur body)
{
    (void)hc;
    if (!from_client) {
        h->ech = ECH_UNKNOWN;
        return ST_OK;
    }
    uint8_t type;
    if (!cur_u8(&body, &type))
        return ST_BAD;
    if (type == 1) {
        h->ech = ECH_INNER;
        return body.left ? ST_BAD : ST_OK;
    }
    if (type != 0) {
        h->ech = ECH_UNKNOWN;
        return ST_OK;
    }
    uint16_t kdf, aead;
    uint8_t config_id;
    struct cur enc, payload;
    h->ech = ECH_OUTER;
    if (!cur_u16(&body, &kdf) || !cur_u16(&body, &aead) ||
        !cur_u8(&body, &config_id) || !cur_take_len16(&body, &enc) ||
        !cur_take_len16(&body, &payload) || body.left || !payload.left)
        return ST_BAD;
    h->ech_payload_len = (uint16_t)payload.left;
    return ST_OK;
}

static enum st ext_esni(struct hsctx *hc, struct hello *h, bool from_client,
                        struct cur body)
{
    (void)hc;
    (void)from_client;
    (void)body;
    h->ech = ECH_UNKNOWN;
    return ST_OK;
}

static const struct ext_parser parsers[] = {
    {0xfe0d, "encrypted_client_hello", ext_ech},
    {0xffce, "encrypted_server_name", ext_esni},
};
const struct ext_table ext_ech_table = {parsers, ARRAY_LEN(parsers)};
