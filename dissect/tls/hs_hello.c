/* ClientHello and ServerHello (RFC 8446 4.1.2-4.1.4, RFC 5246 7.4.1):
 *
 *   ClientHello: legacy_version(2) random(32) legacy_session_id<0..32>
 *                cipher_suites<2..2^16-2> legacy_compression_methods<1..2^8-1>
 *                extensions<8..2^16-1> (absent in SSLv3-era hellos)
 *   ServerHello: legacy_version(2) random(32) legacy_session_id_echo<0..32>
 *                cipher_suite(2) legacy_compression_method(1) extensions
 *
 * A ServerHello whose random is the SHA-256 of "HelloRetryRequest" is a
 * HelloRetryRequest. TLS 1.3 drafts up to 21 sent ServerHello as
 * version(2) random(32) cipher_suite(2) extensions, without the legacy
 * fields. */
#include "dissect/internal.h"

#include <string.h>

static const uint8_t hrr_random[32] = {
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c,
    0x02, 0x1e, 0x65, 0xb8, 0x91, 0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb,
    0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
};

/* Has a hello had an extension of this type before? A walk of those so
 * far for the few a hello has; a bitmap of all 65,536 types past them,
 * since a hello of 16,000 extensions made the walks grow with their
 * square (7 ms of the 60 such a hello takes). */
enum { EXTS_WALKED = 32 };

struct ext_types {
    bool mapped;
    uint64_t bits[65536 / 64]; /* set only once mapped */
};

static bool seen_before(struct ext_types *t, const struct hello *h, uint16_t type)
{
    if (!t->mapped && h->exts.n < EXTS_WALKED)
        return hello_has_extension(h, type);
    if (!t->mapped) {
        memset(t->bits, 0, sizeof(t->bits));
        for (size_t i = 0; i < h->exts.n; i++)
            t->bits[h->exts.v[i].type / 64] |= UINT64_C(1) << (h->exts.v[i].type % 64);
        t->mapped = true;
    }
    uint64_t bit = UINT64_C(1) << (type % 64);
    bool seen = t->bits[type / 64] & bit;
    t->bits[type / 64] |= bit;
    return seen;
}

enum st hello_exts(struct hsctx *hc, struct hello *h, bool from_client,
                   struct cur *c)
{
    struct arena *a = hc->s->arena;
    struct cur list;
    if (!cur_take_len16(c, &list)) {
        h->exts_unreadable = true;
        return ST_BAD;
    }
    /* as many as the bytes hold, up to what a hello usually has */
    enum { EXTS_USUAL = 32 };
    if (!ARENA_RESERVE(a, h->exts, list.left / 4 < EXTS_USUAL ? list.left / 4 : EXTS_USUAL))
        return ST_NOMEM;
    struct ext_types types;
    types.mapped = false;
    while (list.left) {
        uint16_t type;
        struct cur body;
        if (!cur_u16(&list, &type) || !cur_take_len16(&list, &body))
            return ST_BAD;
        struct ext_seen e = {.type = type, .len = (uint16_t)body.left};
        e.duplicate = seen_before(&types, h, type);
        if (e.duplicate) {
            char lb[REG_LABEL_LEN];
            hsctx_anomaly(hc, "duplicate_extension",
                          "%s extension %s appears twice",
                          from_client ? "ClientHello" : "ServerHello",
                          registry_ext_label(type, lb));
        }
        const struct ext_parser *parser = ext_find(type);
        if (parser && !e.duplicate && parser->parse(hc, h, from_client, body) != ST_OK) {
            char lb[REG_LABEL_LEN];
            e.bad = true;
            hsctx_anomaly(hc, "malformed_extension",
                          "%s extension %s (%zu bytes) does not parse",
                          from_client ? "ClientHello" : "ServerHello",
                          registry_ext_label(type, lb), body.left);
        }
        if (!ARENA_PUSH(a, h->exts, e))
            return ST_NOMEM;
    }
    if (c->left)
        hsctx_anomaly(hc, "trailing_bytes", "%zu bytes after the %s extensions",
                      c->left, from_client ? "ClientHello" : "ServerHello");
    return ST_OK;
}

static enum st hello_common(struct arena *a, struct hello *h, struct cur *b)
{
    struct cur sid;
    if (!cur_u16(b, &h->version) || !cur_copy(b, h->random, 32) ||
        !cur_take_len8(b, &sid))
        return ST_BAD;
    h->random_len = 32;
    return store_bytes(a, sid, &h->session_id) ? ST_OK : ST_NOMEM;
}

static struct hello *client_slot(struct hsctx *hc)
{
    struct session *s = hc->s;
    s->n_client_hellos++;
    if (!s->ch.present)
        return &s->ch;
    if ((s->hrr.present || s->dtls.hello_verify) && !s->ch_retry.present)
        return &s->ch_retry;
    hsctx_anomaly(hc, "extra_client_hello",
                  "ClientHello number %u in cleartext", s->n_client_hellos);
    return NULL;
}

enum st hs_client_hello(struct hsctx *hc, struct cur b)
{
    tflow_set_client(hc->tf, hc->fdir, true);
    hc->sdir = tflow_sdir(hc->tf, hc->fdir);
    struct hello *h = client_slot(hc);
    if (!h)
        return ST_OK;
    struct arena *a = hc->s->arena;
    h->present = true;
    h->at = hc->at;
    h->record_version = hc->tf->dir[hc->fdir].rversion;
    struct cur suites = cur_make(NULL, 0), comp;
    enum st st = hello_common(a, h, &b);
    struct cur cookie;
    if (st == ST_OK && hc->s->transport == TR_DTLS) {
        /* DTLS: the cookie a HelloVerifyRequest asked for (RFC 6347 4.2.1) */
        if (!cur_take_len8(&b, &cookie))
            st = ST_BAD;
        else
            h->dtls_cookie_len = (uint16_t)cookie.left;
    }
    /* What parsed is kept, as tshark does: a cipher_suites length that
     * overruns the message still leaves the suites that are there, and a
     * later field gone wrong does not take the suites with it. */
    struct cur at_suites = b; /* a failed read leaves b anywhere */
    if (st == ST_OK && !cur_take_len16(&b, &suites)) {
        /* past the length field, whatever the message still holds */
        suites = cur_tail(&at_suites, 2);
        b = cur_make(NULL, 0);
        st = ST_BAD;
    }
    if (!ARENA_RESERVE(a, h->ciphers, suites.left / 2))
        st = ST_NOMEM;
    while (st != ST_NOMEM && suites.left >= 2) {
        uint16_t cs;
        if (!cur_u16(&suites, &cs) || !ARENA_PUSH(a, h->ciphers, (uint32_t)cs)) {
            st = ST_NOMEM;
            break;
        }
    }
    if (st == ST_OK && (suites.left || !cur_take_len8(&b, &comp)))
        st = ST_BAD;
    if (st == ST_OK && !store_bytes(a, comp, &h->compression))
        st = ST_NOMEM;
    if (st == ST_OK && b.left)
        st = hello_exts(hc, h, true, &b);
    if (st != ST_OK)
        h->truncated = true;
    if (h == &hc->s->ch)
        decrypt_client_hello(hc->tf);
    return st;
}

/* HelloVerifyRequest (RFC 6347 4.2.1): server_version(2) cookie<0..255>.
 * The client sends its ClientHello again with the cookie. */
enum st hs_hello_verify_request(struct hsctx *hc, struct cur b)
{
    tflow_set_client(hc->tf, hc->fdir, false);
    hc->sdir = tflow_sdir(hc->tf, hc->fdir);
    struct session *s = hc->s;
    uint16_t version;
    struct cur cookie;
    if (!cur_u16(&b, &version) || !cur_take_len8(&b, &cookie))
        return ST_BAD;
    s->dtls.hello_verify = true;
    s->dtls.cookie_len = (uint16_t)cookie.left;
    return b.left ? ST_BAD : ST_OK;
}

static bool draft_layout(uint16_t version)
{
    return ((version >> 8) == 0x7f && (version & 0xff) < 22) ||
           (version >> 8) == 0x7e || (version >> 8) == 0xfb;
}

/* What a ServerHello settles for the session. */
static void negotiated(struct hsctx *hc, const struct hello *h)
{
    struct session *s = hc->s;
    if (h->is_hrr) {
        /* A retry negotiates nothing yet: what it asks for stays in s->hrr
         * until a ServerHello settles version, suite and group. Only TLS 1.3
         * retries, so ChangeCipherSpec is a no-op from now on. */
        hc->tf->server_tls13 = true;
        return;
    }
    uint16_t v = h->selected_version ? h->selected_version : h->version;
    s->version = v;
    s->has_version = true;
    s->cipher = h->cipher;
    s->has_cipher = true;
    if (h->key_share_groups.n == 1) {
        s->group = h->key_share_groups.v[0];
        s->has_group = true;
    }
    if (h->alpn.n == 1) {
        s->alpn_selected = h->alpn.v[0];
        s->has_alpn_selected = true;
    }
    if (registry_version_is_tls13(v)) {
        hc->tf->server_tls13 = true;
        s->encrypted[DIR_S2C] = true;
    }
}

enum st hs_server_hello(struct hsctx *hc, struct cur b)
{
    tflow_set_client(hc->tf, hc->fdir, false);
    hc->sdir = tflow_sdir(hc->tf, hc->fdir);
    struct session *s = hc->s;
    struct arena *a = s->arena;
    uint16_t version;
    uint8_t random[32];
    struct cur peek = b;
    if (!cur_u16(&peek, &version) || !cur_copy(&peek, random, 32))
        return ST_BAD;
    bool hrr = memcmp(random, hrr_random, 32) == 0;
    struct hello *h = hrr ? &s->hrr : &s->sh;
    if (h->present) {
        hsctx_anomaly(hc, "extra_server_hello", "a second %s in cleartext",
                      hrr ? "HelloRetryRequest" : "ServerHello");
        return ST_OK;
    }
    h->present = true;
    h->is_hrr = hrr;
    h->at = hc->at;
    h->record_version = hc->tf->dir[hc->fdir].rversion;
    enum st st = ST_OK;
    uint16_t cs = 0;
    uint8_t comp = 0;
    if (draft_layout(version)) {
        h->version = version;
        h->random_len = 32;
        memcpy(h->random, random, 32);
        if (!cur_skip(&b, 34) || !cur_u16(&b, &cs))
            st = ST_BAD;
    } else {
        st = hello_common(a, h, &b);
        if (st == ST_OK && (!cur_u16(&b, &cs) || !cur_u8(&b, &comp)))
            st = ST_BAD;
        if (st == ST_OK && !store_bytes(a, cur_make(&comp, 1), &h->compression))
            st = ST_NOMEM;
    }
    if (st == ST_OK) {
        h->cipher = cs;
        if (!ARENA_PUSH(a, h->ciphers, (uint32_t)cs))
            st = ST_NOMEM;
    }
    if (st == ST_OK && b.left)
        st = hello_exts(hc, h, false, &b);
    if (st != ST_OK)
        h->truncated = true;
    if (h->ciphers.n)
        negotiated(hc, h);
    if (!hrr && h->ciphers.n)
        decrypt_server_hello(hc->tf);
    return st;
}
