/* Handshake messages (RFC 8446 4, RFC 5246 7.4): msg_type(1) length(3)
 * body. Messages span records and records hold several messages, so the
 * cleartext handshake fragments of a direction form one byte stream. A
 * message lying whole inside one fragment is parsed in place; only the
 * pieces of split messages are copied. */
#include "dissect/internal.h"

#include <stdlib.h>
#include <string.h>

struct msg_parser {
    uint8_t type;
    enum st (*parse)(struct hsctx *h, struct cur body);
};

static const struct msg_parser parsers[] = {
    {HS_HELLO_REQUEST, hs_empty},
    {HS_CLIENT_HELLO, hs_client_hello},
    {HS_SERVER_HELLO, hs_server_hello},
    {HS_HELLO_VERIFY_REQUEST, hs_hello_verify_request},
    {HS_NEW_SESSION_TICKET, hs_new_session_ticket},
    {HS_END_OF_EARLY_DATA, hs_empty},
    {HS_ENCRYPTED_EXTENSIONS, hs_encrypted_extensions},
    {HS_CERTIFICATE, hs_certificate},
    {HS_SERVER_KEY_EXCHANGE, hs_server_key_exchange},
    {HS_CERTIFICATE_REQUEST, hs_certificate_request},
    {HS_SERVER_HELLO_DONE, hs_empty},
    {HS_CERTIFICATE_VERIFY, hs_certificate_verify},
    {HS_CLIENT_KEY_EXCHANGE, hs_client_key_exchange},
    {HS_FINISHED, hs_opaque},
    {HS_CERTIFICATE_STATUS, hs_certificate_status},
    {HS_KEY_UPDATE, hs_key_update},
    {HS_COMPRESSED_CERTIFICATE, hs_compressed_certificate},
};

void handshake_message(struct hsctx *h, uint8_t type, struct cur body,
                       uint32_t len)
{
    struct session *s = h->s;
    struct tflow *tf = h->tf;
    if (!s->hs_start.ts && !s->hs_start.packet)
        s->hs_start = h->at;
    /* A ClientHello inside a decrypted TLS <= 1.2 connection is a
     * renegotiation: its messages are shown, not taken for the session's. */
    if (tf->dec && s->established && !tf->server_tls13 &&
        (type == HS_HELLO_REQUEST || type == HS_CLIENT_HELLO) && !tf->renegotiating) {
        tf->renegotiating = true;
        s->decryption.renegotiations++;
    }
    enum st st = ST_OK;
    for (size_t i = 0; i < ARRAY_LEN(parsers) && !tf->renegotiating; i++) {
        if (parsers[i].type == type) {
            st = parsers[i].parse(h, body);
            break;
        }
    }
    if (type == HS_FINISHED)
        tflow_finished(tf, h->fdir);
    if (tf->dec)
        decrypt_on_message(tf, h->fdir, type, body);
    if (tf->renegotiating && type == HS_FINISHED && h->sdir == DIR_S2C)
        tf->renegotiating = false; /* the server's Finished ends either flow */
    uint8_t shown = type;
    if (type == HS_SERVER_HELLO && s->hrr.present && !s->sh.present)
        shown = HS_HELLO_RETRY_REQUEST;
    session_event(s, EV_HANDSHAKE, shown, (uint8_t)h->sdir, len, &h->at);
    if (tf->d->cfg.keep_messages && s->messages.n < SESSION_MESSAGES_KEPT) {
        struct raw_message m = {.type = shown, .dir = (uint8_t)h->sdir, .at = h->at};
        if (store_bytes(s->arena, body, &m.body))
            (void)ARENA_PUSH(s->arena, s->messages, m);
    }
    if (st != ST_OK) {
        const char *name = registry_handshake_name(type);
        tflow_anomaly(h->tf, h->fdir, "malformed_handshake",
                      "%s message of %u bytes in record %u is %s",
                      name ? name : "unknown", len, h->at.record, st_name(st));
    }
}

static bool known_type(uint8_t type)
{
    return registry_handshake_name(type) != NULL;
}

/* Take every whole message off the front of c. Returns false when the
 * stream is unusable (unknown type, oversized message). */
static bool take_messages(struct tflow *tf, int fdir, struct cur *c)
{
    struct dirstate *ds = &tf->dir[fdir];
    while (c->left >= 4) {
        uint8_t type;
        uint32_t len;
        if (!cur_peek(c, 0, &type) || !cur_peek_u24(c, 1, &len))
            return false;
        if (!known_type(type)) {
            tflow_anomaly(tf, fdir, "unknown_handshake_type",
                          "handshake message type %u in record %u", type,
                          ds->records);
            ds->hs_broken = true;
            return false;
        }
        if (len > tf->d->cfg.max_handshake_msg) {
            tflow_anomaly(tf, fdir, "handshake_too_long",
                          "%s message in record %u claims %u bytes (limit %zu); handshake parsing stopped",
                          registry_handshake_name(type), ds->records, len,
                          tf->d->cfg.max_handshake_msg);
            ds->hs_over = true;
            return false;
        }
        if (c->left - 4 < len)
            return true;
        struct cur body;
        if (!cur_skip(c, 4) || !cur_take(c, len, &body))
            return false;
        struct hsctx h = {.tf = tf, .s = tf->s, .fdir = fdir,
                          .sdir = tflow_sdir(tf, fdir), .at = tf->at[fdir]};
        handshake_message(&h, type, body, len);
        if (ds->mode == DM_IGNORE)
            return false;
    }
    return true;
}

/* The largest message allowed, its header, and the record that brought
 * its last bytes (which may begin the next message). */
static bool hbuf_append(struct tflow *tf, struct dirstate *ds, struct cur c)
{
    ds->hs.limit = tf->d->cfg.max_handshake_msg + 4 + MAX_RECORD;
    return buf_add(&ds->hs, c.p, c.left);
}

static void stop(struct dirstate *ds)
{
    buf_clear(&ds->hs);
    if (ds->hs_over)
        dirstate_free(ds);
}

void handshake_feed(struct tflow *tf, int fdir, struct cur c, bool record_start)
{
    struct dirstate *ds = &tf->dir[fdir];
    if (ds->hs_over)
        return;
    if (ds->hs_broken) {
        /* After lost bytes, resume at a record that starts a message. */
        uint8_t type;
        if (!record_start || !cur_peek(&c, 0, &type) || !known_type(type))
            return;
        ds->hs_broken = false;
        buf_clear(&ds->hs);
    }
    if (ds->hs.len == 0) {
        if (!take_messages(tf, fdir, &c)) {
            stop(ds);
            return;
        }
        if (c.left && !hbuf_append(tf, ds, c))
            stop(ds);
        return;
    }
    if (!hbuf_append(tf, ds, c)) {
        stop(ds);
        return;
    }
    struct cur all = cur_make(ds->hs.p, ds->hs.len);
    if (!take_messages(tf, fdir, &all)) {
        stop(ds);
        return;
    }
    /* Keep the unfinished tail at the front of the buffer. */
    buf_drop_front(&ds->hs, ds->hs.len - all.left);
}
