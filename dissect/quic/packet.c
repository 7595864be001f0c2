/* QUIC packets (RFC 9000 17): a datagram holds long-header packets one
 * after another (each with its Length), perhaps ending in a short-header
 * one. Initial packets are opened with keys anyone can derive from the
 * client's first Destination Connection ID; Handshake packets only with a
 * key log's handshake secrets. Header protection comes off first (RFC
 * 9001 5.4), then the AEAD (5.3) with the packet number in the nonce.
 *
 * Which side sent an Initial is learnt by which keys open it: the client's
 * first Initial fixes the connection's DCID, a Retry or a Version
 * Negotiation makes the client start again with a new DCID or version, and
 * the server's Initial packets use the server keys of the same DCID. */
#include "dissect/quic/quic.h"

#include <stdlib.h>
#include <string.h>

#include "dissect/crypto/tls_crypto.h"
#include "dissect/internal.h"
#include "include/gather.h"

enum level { LV_INITIAL, LV_HANDSHAKE, LEVELS };

/* One direction at one encryption level. */
struct space {
    struct gather *crypto; /* the level's CRYPTO stream, made at its first frame */
    size_t fed;            /* of which handed to the handshake parsers */
    uint64_t largest_pn;
    bool any_pn;
    struct quic_keys keys;
};

struct quic_conn {
    const struct quic_version *ver; /* of the Initial keys */
    uint8_t dcid[20];
    uint8_t dcid_len;
    bool have_dcid;
    int client_fdir; /* -1 until the client's Initial was opened */
    struct space sp[2][LEVELS]; /* by flow direction */
    bool hs_keys_tried;
    bool server_answered;   /* an Initial of the server was opened */
    uint32_t dcid_version;  /* the version the session's DCID was shown for */
    uint32_t first_version; /* the first long header's, known or not */
    uint32_t packets[2][QP_KINDS], undecrypted[2]; /* by flow direction */
    char history[101];
    uint8_t history_len;
    bool unknown_initial; /* a full-size datagram in a version not read: a client forcing negotiation */
};

/* What opening a packet needs, shared by a tracker's connections: a
 * cipher context, and room for an unprotected header and the plaintext. */
struct quic_work {
    EVP_CIPHER_CTX *ctx;
    uint8_t *scratch;
    size_t cap;
};

/* A long-header packet as read, before its protection is removed. */
struct lpacket {
    struct cur whole;   /* from the first byte to the end of its Length */
    size_t pn_offset;
    uint8_t kind;       /* QP_* */
    uint32_t version;
    struct cur dcid, scid;
};

/* Zeek's letters (session.h), by who sent the flow's first datagram. */
static void history(struct quic_conn *q, int fdir, char letter)
{
    if (q->history_len + 1u < sizeof(q->history))
        q->history[q->history_len++] = fdir == 0 ? letter : (char)(letter - 'A' + 'a');
}

static struct quic_conn *conn(struct tflow *tf)
{
    if (!tf->quic && (tf->quic = calloc(1, sizeof(*tf->quic))))
        tf->quic->client_fdir = -1;
    return tf->quic;
}

void quic_free(struct quic_conn *q)
{
    if (!q)
        return;
    for (int d = 0; d < 2; d++)
        for (int l = 0; l < LEVELS; l++)
            if (q->sp[d][l].crypto) {
                gather_free(q->sp[d][l].crypto);
                free(q->sp[d][l].crypto);
            }
    free(q);
}

void quic_work_free(struct quic_work *w)
{
    if (!w)
        return;
    EVP_CIPHER_CTX_free(w->ctx);
    free(w->scratch);
    free(w);
}

/* The tracker's work area, with room for n bytes. */
static struct quic_work *work(struct dissect *d, size_t n)
{
    struct quic_work *w = d->quic_work;
    if (!w) {
        w = calloc(1, sizeof(*w));
        if (!w || !(w->ctx = EVP_CIPHER_CTX_new())) {
            free(w);
            return NULL;
        }
        d->quic_work = w;
    }
    if (n > w->cap) {
        uint8_t *p = realloc(w->scratch, n);
        if (!p)
            return NULL;
        w->scratch = p;
        w->cap = n;
    }
    return w;
}

static struct session *session_of(struct tflow *tf, int fdir)
{
    struct session *s = tflow_session(tf, fdir);
    if (s && s->transport != TR_QUIC) {
        s->transport = TR_QUIC;
        s->mid_stream = false;
    }
    return s;
}

/* ---- protection ------------------------------------------------------------ */

/* RFC 9000 A.3: the packet number nearest the one expected next. */
static uint64_t full_pn(const struct space *sp, uint64_t truncated, size_t bytes)
{
    uint64_t expected = sp->any_pn ? sp->largest_pn + 1 : 0;
    uint64_t win = (uint64_t)1 << (bytes * 8), half = win / 2, mask = win - 1;
    uint64_t candidate = (expected & ~mask) | truncated;
    if (candidate + half <= expected && candidate < (UINT64_C(1) << 62) - win)
        return candidate + win;
    if (candidate > expected + half && candidate >= win)
        return candidate - win;
    return candidate;
}

/* Open a packet under k: the plaintext into *out (the work area, after
 * the header). False when it does not authenticate. */
static bool open_packet(struct dissect *d, struct space *sp, const struct quic_keys *k,
                        const struct lpacket *p, struct cur *out)
{
    const uint8_t *w = p->whole.p;
    size_t total = p->whole.left, pn_at = p->pn_offset;
    struct quic_work *wk;
    if (!k->ready || total < pn_at + 4 + 16 || !(wk = work(d, total)))
        return false;
    uint8_t mask[5];
    if (!quic_hp_mask(wk->ctx, k, w + pn_at + 4, mask))
        return false;
    uint8_t first = w[0] ^ (mask[0] & 0x0f);
    size_t pn_len = (size_t)(first & 3) + 1;
    uint8_t *hdr = wk->scratch;
    memcpy(hdr, w, pn_at + pn_len);
    hdr[0] = first;
    uint64_t truncated = 0;
    for (size_t i = 0; i < pn_len; i++) {
        hdr[pn_at + i] ^= mask[1 + i];
        truncated = truncated << 8 | hdr[pn_at + i];
    }
    uint64_t pn = full_pn(sp, truncated, pn_len);
    uint8_t nonce[12];
    memcpy(nonce, k->iv, 12);
    for (int i = 0; i < 8; i++)
        nonce[11 - i] ^= (uint8_t)(pn >> (8 * i));
    struct dkeys dk = {.ready = true, .su = k->su};
    memcpy(dk.key, k->key, sizeof(dk.key));
    size_t hdr_len = pn_at + pn_len, n = 0;
    struct cur ct = cur_make(w + hdr_len, total - hdr_len);
    uint8_t *pt = wk->scratch + hdr_len;
    if (!tls_aead_open(wk->ctx, &dk, nonce, hdr, hdr_len, ct, pt, &n))
        return false;
    if (!sp->any_pn || pn > sp->largest_pn)
        sp->largest_pn = pn;
    sp->any_pn = true;
    *out = cur_make(pt, n);
    return true;
}

/* Derive the Initial keys of a DCID and open the packet as the client
 * (client true) or the server would have sent it. */
static bool open_initial_as(struct tflow *tf, struct quic_conn *q, int fdir, const struct quic_version *v,
                            struct cur dcid, bool client, const struct lpacket *p, struct cur *out)
{
    struct quic_keys k;
    if (dcid.left > 20 || !quic_initial_keys(v, dcid, client, &k, NULL))
        return false;
    if (!open_packet(tf->d, &q->sp[fdir][LV_INITIAL], &k, p, out))
        return false;
    q->sp[fdir][LV_INITIAL].keys = k;
    if (client) {
        /* the connection starts (again) from this DCID: the server's keys follow */
        q->ver = v;
        q->client_fdir = fdir;
        memcpy(q->dcid, dcid.p, dcid.left);
        q->dcid_len = (uint8_t)dcid.left;
        q->have_dcid = true;
        (void)quic_initial_keys(v, dcid, false, &q->sp[1 - fdir][LV_INITIAL].keys, NULL);
    }
    return true;
}

/* A client pads every datagram with an Initial to 1200 bytes (RFC 9000
 * 14.1): a shorter one is not worth deriving keys for, which keeps a flood
 * of small packets that only look like Initials cheap. */
enum { CLIENT_INITIAL_MIN = 1200 };

static bool open_initial(struct tflow *tf, struct quic_conn *q, int fdir, const struct quic_version *v,
                         const struct lpacket *p, uint32_t dgram_len, struct cur *out, bool *new_dcid)
{
    *new_dcid = false;
    struct space *sp = &q->sp[fdir][LV_INITIAL];
    if (q->ver == v && open_packet(tf->d, sp, &sp->keys, p, out))
        return true;
    bool maybe_client = (q->client_fdir < 0 || q->client_fdir == fdir) && dgram_len >= CLIENT_INITIAL_MIN;
    if (maybe_client && open_initial_as(tf, q, fdir, v, p->dcid, true, p, out)) {
        *new_dcid = true;
        return true;
    }
    /* the server answering in another version than the keys were made for */
    return q->have_dcid && q->client_fdir != fdir &&
           open_initial_as(tf, q, fdir, v, cur_make(q->dcid, q->dcid_len), false, p, out);
}

/* With a key log, the handshake secrets open the Handshake packets: the
 * rest of the server's flight (EncryptedExtensions, Certificate, ...) and
 * the client's Finished. */
static void handshake_keys(struct tflow *tf, struct quic_conn *q)
{
    struct session *s = tf->s;
    if (q->hs_keys_tried || !tf->d->keylog || !s || !s->ch.present || !s->sh.present ||
        q->client_fdir < 0 || !q->ver)
        return;
    q->hs_keys_tried = true;
    s->decryption.attempted = true;
    struct keylog_entry e;
    if (!keylog_find(tf->d->keylog, s->ch.random, &e)) {
        s->decryption.problem = "the key log has no line for this session's client random";
        return;
    }
    const struct keylog_secret *cs = &e.secret[KL_CLIENT_HANDSHAKE], *ss = &e.secret[KL_SERVER_HANDSHAKE];
    if (!cs->len || !ss->len) {
        s->decryption.problem = "the key log lacks the handshake traffic secrets";
        return;
    }
    s->decryption.keys = true;
    const struct suite *su = tls_suite(registry_cipher(s->cipher));
    int c = q->client_fdir;
    if (!quic_traffic_keys(q->ver, su, cs->v, cs->len, &q->sp[c][LV_HANDSHAKE].keys) ||
        !quic_traffic_keys(q->ver, su, ss->v, ss->len, &q->sp[1 - c][LV_HANDSHAKE].keys))
        s->decryption.problem = "the cipher suite's packet protection is not available";
}

/* ---- frames ------------------------------------------------------------------ */

static void crypto_bytes(struct tflow *tf, int fdir, enum level lv, uint64_t offset, struct cur data)
{
    struct space *sp = &tf->quic->sp[fdir][lv];
    struct session *s = tf->s;
    if (!sp->crypto && (sp->crypto = calloc(1, sizeof(*sp->crypto))))
        sp->crypto->limit = tf->d->cfg.max_handshake_msg + 4;
    if (!sp->crypto)
        return;
    if (offset > gather_whole(sp->crypto))
        s->quic.crypto_out_of_order++;
    enum gather_result r = gather_add(sp->crypto, offset, data);
    if (r != GATHER_OK) {
        tflow_anomaly(tf, fdir, "quic_crypto_dropped",
                      "CRYPTO frame at offset %llu (%zu bytes) not kept: %s",
                      (unsigned long long)offset, data.left,
                      r == GATHER_LIMIT ? "past the handshake message limit"
                      : r == GATHER_SPANS_FULL ? "too many holes in the stream" : "no memory");
        return;
    }
    size_t whole = gather_whole(sp->crypto);
    if (whole <= sp->fed)
        return;
    struct cur fresh = cur_make(sp->crypto->p + sp->fed, whole - sp->fed);
    bool start = sp->fed == 0;
    sp->fed = whole;
    handshake_feed(tf, fdir, fresh, start);
    /* everything that came is read (a partial message is in the handshake
     * layer's own buffer): a connection that lingers keeps no copy */
    if (sp->crypto->n == 1)
        gather_drop_bytes(sp->crypto);
}

/* CONNECTION_CLOSE (RFC 9000 19.19); a crypto error 0x0100 + N is TLS
 * alert N (RFC 9001 4.8). */
static void connection_close(struct tflow *tf, int fdir, bool app, uint64_t code, struct cur reason)
{
    struct session *s = tf->s;
    struct quic_info *qi = &s->quic;
    qi->close_seen = true;
    qi->close_app = app;
    qi->close_code = code;
    qi->close_dir = (uint8_t)tflow_sdir(tf, fdir);
    qi->close_at = tf->at[fdir];
    if (reason.left) {
        char *r = arena_alloc(s->arena, reason.left + 1);
        if (r) {
            memcpy(r, reason.p, reason.left);
            r[reason.left] = 0;
            qi->close_reason = r;
        }
    }
    if (!app && code >= 0x100 && code <= 0x1ff)
        record_alert(tf, fdir, 2, (uint8_t)(code - 0x100));
}

static bool skip_varints(struct cur *c, int n)
{
    uint64_t v;
    for (int i = 0; i < n; i++)
        if (!cur_varint(c, &v))
            return false;
    return true;
}

/* The frames of an opened Initial or Handshake packet: only PADDING, PING,
 * ACK, CRYPTO and CONNECTION_CLOSE may appear there (RFC 9000 12.4). */
static bool frames(struct tflow *tf, struct quic_conn *q, int fdir, enum level lv, struct cur c,
                   bool *had_crypto)
{
    while (c.left) {
        uint64_t type, n, offset, len, code;
        struct cur data;
        if (!cur_varint(&c, &type))
            return false;
        switch (type) {
        case 0x00: /* PADDING */
        case 0x01: /* PING */
            break;
        case 0x02: /* ACK */
        case 0x03:
            if (!skip_varints(&c, 2) || !cur_varint(&c, &n) || !skip_varints(&c, 1) || n > c.left ||
                !skip_varints(&c, (int)(2 * n)) || (type == 0x03 && !skip_varints(&c, 3)))
                return false;
            break;
        case 0x06: /* CRYPTO */
            if (!cur_varint(&c, &offset) || !cur_varint(&c, &len) || !cur_take(&c, len, &data))
                return false;
            *had_crypto = true;
            crypto_bytes(tf, fdir, lv, offset, data);
            break;
        case 0x1c: /* CONNECTION_CLOSE: a transport error */
        case 0x1d: /* an application's */
            if (!cur_varint(&c, &code) || (type == 0x1c && !skip_varints(&c, 1)) || !cur_varint(&c, &len) ||
                !cur_take(&c, len, &data))
                return false;
            history(q, fdir, 'C');
            connection_close(tf, fdir, type == 0x1d, code, data);
            break;
        default:
            tflow_anomaly(tf, fdir, "quic_unexpected_frame", "frame type 0x%llx in %s packet %u",
                          (unsigned long long)type, lv == LV_INITIAL ? "an Initial" : "a Handshake",
                          tf->at[fdir].record);
            return true;
        }
    }
    return true;
}

/* ---- packets ----------------------------------------------------------------- */

static void count(struct quic_conn *q, int fdir, uint8_t kind)
{
    static const char letters[QP_KINDS] = {
        [QP_INITIAL] = 'I', [QP_0RTT] = 'Z', [QP_HANDSHAKE] = 'H', [QP_RETRY] = 'R',
    };
    uint32_t n = ++q->packets[fdir][kind];
    if (kind == QP_SHORT) {
        if ((n & (n - 1)) == 0) /* 1, 2, 4, 8...: a busy connection stays short */
            history(q, fdir, 'O');
    } else if (letters[kind]) {
        history(q, fdir, letters[kind]);
    }
}

static void version_negotiation(struct tflow *tf, int fdir, struct cur versions)
{
    struct session *s = session_of(tf, fdir);
    if (!s)
        return;
    s->quic.offered.n = 0;
    uint32_t v;
    while (cur_u32(&versions, &v))
        (void)ARENA_PUSH(s->arena, s->quic.offered, v);
    session_event(s, EV_QUIC_VERSION_NEG, 0, (uint8_t)tflow_sdir(tf, fdir), (uint32_t)s->quic.offered.n,
                  &tf->at[fdir]);
}

/* A Retry (RFC 9000 17.2.5): the client sends its Initial packets again,
 * under keys from the DCID the Retry chose; the CRYPTO frames in them
 * repeat the same ClientHello, which is not read twice. Its integrity tag
 * is checked against the DCID of the client's Initial it answers: a client
 * throws away a Retry whose tag is wrong. */
static void retry(struct tflow *tf, const struct quic_version *v, int fdir, struct cur packet, struct cur rest)
{
    struct session *s = session_of(tf, fdir);
    if (!s)
        return;
    s->quic.retries++;
    const struct quic_conn *q = tf->quic;
    struct quic_work *w = work(tf->d, 0);
    s->quic.retry_tag = q->have_dcid && fdir != q->client_fdir && w
                            ? quic_retry_check(w->ctx, v, cur_make(q->dcid, q->dcid_len), packet)
                            : RETRY_TAG_UNCHECKED;
    struct cur token = rest.left >= 16 ? cur_head(&rest, rest.left - 16) : rest;
    if (!store_bytes(s->arena, token, &s->quic.retry_token))
        s->quic.retry_token.len = 0;
    session_event(s, EV_QUIC_RETRY, 0, (uint8_t)tflow_sdir(tf, fdir), (uint32_t)token.left, &tf->at[fdir]);
}

/* What an opened Initial says of the connection: the version is the
 * server's once it answered, and the DCID the client's first of that
 * version (a Retry's new DCID does not replace it). */
static void initial_opened(struct tflow *tf, struct quic_conn *q, int fdir, const struct lpacket *p,
                           bool new_dcid)
{
    struct session *s = tf->s;
    struct quic_info *qi = &s->quic;
    if (fdir == q->client_fdir) {
        if (new_dcid && (!qi->has_client_ids || q->dcid_version != p->version) &&
            store_bytes(s->arena, p->dcid, &qi->dcid) && store_bytes(s->arena, p->scid, &qi->scid)) {
            q->dcid_version = p->version;
            qi->has_client_ids = true;
        }
        if (!q->server_answered)
            qi->version = p->version;
        return;
    }
    q->server_answered = true;
    qi->version = p->version;
    if (!qi->has_server_scid && store_bytes(s->arena, p->scid, &qi->server_scid))
        qi->has_server_scid = true;
}

/* A long header's first byte, version and connection IDs (RFC 8999 5.1). */
static bool read_ids(struct cur *c, struct lpacket *p, uint8_t *first)
{
    uint8_t dl, sl;
    return cur_u8(c, first) && cur_u32(c, &p->version) && cur_u8(c, &dl) && cur_take(c, dl, &p->dcid) &&
           cur_u8(c, &sl) && cur_take(c, sl, &p->scid);
}

static uint8_t kind_of(const struct quic_version *v, uint8_t first)
{
    static const uint8_t v1_kinds[4] = {QP_INITIAL, QP_0RTT, QP_HANDSHAKE, QP_RETRY};
    static const uint8_t v2_kinds[4] = {QP_RETRY, QP_INITIAL, QP_0RTT, QP_HANDSHAKE};
    return (v->v2_types ? v2_kinds : v1_kinds)[(first >> 4) & 3];
}

/* The rest of an Initial, 0-RTT or Handshake packet's header: c is past
 * the connection IDs of the packet that begins at start. Sets p->pn_offset
 * and p->whole (cut at the datagram's end) and the Length it claims. */
static bool read_length(struct cur start, struct cur c, struct lpacket *p, uint64_t *length)
{
    uint64_t token_len = 0;
    if (p->kind == QP_INITIAL && (!cur_varint(&c, &token_len) || !cur_skip(&c, token_len)))
        return false;
    if (!cur_varint(&c, length))
        return false;
    p->pn_offset = start.left - c.left;
    p->whole = cur_head(&start, p->pn_offset + (*length < c.left ? *length : c.left));
    return true;
}

/* Does this datagram begin a new connection between the same ports? A
 * client's Initial, after the server had answered, under a Destination
 * Connection ID that is neither the connection's first nor the server's
 * (which the client uses once it heard from it): a client sends one only
 * for a connection of its own (RFC 9000 7.2). Read without side effects,
 * so the datagram can start the next flow. */
bool quic_new_connection(struct tflow *tf, int fdir, struct cur dgram, uint32_t wire_len)
{
    const struct quic_conn *q = tf->quic;
    const struct session *s = tf->s;
    struct lpacket p = {0};
    uint8_t first;
    struct cur c = dgram;
    const struct quic_version *v;
    uint64_t length;
    if (!q || !s || !q->server_answered || fdir != q->client_fdir || wire_len < CLIENT_INITIAL_MIN ||
        !cur_peek(&dgram, 0, &first) || !(first & 0x80) || !read_ids(&c, &p, &first) ||
        !(v = quic_version_find(p.version)) || p.dcid.left > 20 || (p.kind = kind_of(v, first)) != QP_INITIAL ||
        !read_length(dgram, c, &p, &length) || length > p.whole.left - p.pn_offset)
        return false;
    if ((p.dcid.left == q->dcid_len && memcmp(p.dcid.p, q->dcid, q->dcid_len) == 0) ||
        (s->quic.has_server_scid && p.dcid.left == s->quic.server_scid.len &&
         memcmp(p.dcid.p, s->quic.server_scid.p, p.dcid.left) == 0))
        return false;
    struct quic_keys k;
    struct space scratch = {0};
    struct cur plain;
    return quic_initial_keys(v, p.dcid, true, &k, NULL) && open_packet(tf->d, &scratch, &k, &p, &plain);
}

static size_t long_packet(struct tflow *tf, struct quic_conn *q, int fdir, struct cur c, uint32_t dgram_len)
{
    struct cur start = c;
    struct lpacket p = {0};
    uint8_t first;
    if (!read_ids(&c, &p, &first))
        return 0;
    if (!q->first_version && p.version)
        q->first_version = p.version;
    if (p.version == 0) {
        count(q, fdir, QP_VERSION_NEG);
        version_negotiation(tf, fdir, c);
        return start.left;
    }
    const struct quic_version *v = quic_version_find(p.version);
    /* the fixed bit is not demanded: both ends may agree to grease it (RFC 9287) */
    if (!v || p.dcid.left > 20 || p.scid.left > 20) {
        history(q, fdir, 'U');
        q->undecrypted[fdir]++; /* a version we cannot read: nor can we find where it ends */
        q->unknown_initial |= dgram_len >= CLIENT_INITIAL_MIN;
        return 0;
    }
    p.kind = kind_of(v, first);
    count(q, fdir, p.kind);
    if (p.kind == QP_RETRY) {
        retry(tf, v, fdir, start, c);
        return start.left;
    }
    uint64_t length;
    if (!read_length(start, c, &p, &length))
        return 0;
    size_t end = p.whole.left;
    if (length > end - p.pn_offset) {
        q->undecrypted[fdir]++;
        if (tf->s) /* before a session, bytes that only look like QUIC make none */
            tflow_anomaly(tf, fdir, "quic_truncated", "a packet claims %llu bytes; the datagram holds %zu",
                          (unsigned long long)length, end - p.pn_offset);
        return 0;
    }
    struct cur plain;
    bool opened = false, new_dcid = false;
    enum level lv = LV_INITIAL;
    if (p.kind == QP_INITIAL) {
        opened = open_initial(tf, q, fdir, v, &p, dgram_len, &plain, &new_dcid);
    } else if (p.kind == QP_HANDSHAKE && q->ver) {
        handshake_keys(tf, q);
        lv = LV_HANDSHAKE;
        struct space *sp = &q->sp[fdir][LV_HANDSHAKE];
        opened = open_packet(tf->d, sp, &sp->keys, &p, &plain);
        if (sp->keys.ready && tf->s) {
            if (opened)
                tf->s->decryption.records++;
            else
                tf->s->decryption.failures++;
        }
    }
    if (!opened) {
        if (p.kind != QP_0RTT)
            q->undecrypted[fdir]++;
        return end;
    }
    struct session *s = session_of(tf, fdir);
    if (!s)
        return end;
    tf->dir[fdir].records++;
    tf->at[fdir].record = tf->dir[fdir].records;
    if (lv == LV_INITIAL) {
        initial_opened(tf, q, fdir, &p, new_dcid);
        if (fdir == q->client_fdir) {
            s->quic.initials_after_retry += s->quic.retries > 0;
            s->quic.initials_after_vn += q->packets[1 - fdir][QP_VERSION_NEG] > 0;
        }
    }
    unsigned hellos = s->n_client_hellos;
    bool before_ch = !s->ch.present, before_sh = !s->sh.present, had_crypto = false;
    if (!frames(tf, q, fdir, lv, plain, &had_crypto))
        tflow_anomaly(tf, fdir, "quic_malformed_frames", "the frames of %s packet %u do not parse",
                      lv == LV_INITIAL ? "Initial" : "Handshake", tf->at[fdir].record);
    if (had_crypto && before_ch && lv == LV_INITIAL && fdir == q->client_fdir)
        s->quic.client_hello_packets++;
    if (s->n_client_hellos != hellos || (before_sh && s->sh.present))
        history(q, fdir, 'S');
    return end;
}

/* A 1-RTT packet says how far the handshake went without opening it: the
 * server sends one only after its Finished, the client only after its own
 * (RFC 9001 4.1.4, 5.7), so a client's means the handshake completed. */
static void one_rtt(struct tflow *tf, struct quic_conn *q, int fdir)
{
    struct session *s = tf->s;
    if (!s || !s->sh.present || q->client_fdir < 0)
        return;
    if (fdir == q->client_fdir)
        tflow_finished(tf, 1 - fdir);
    tflow_finished(tf, fdir);
}

/* Counts live in the connection by flow direction; the session shows them
 * by its own, whichever way the roles settled. */
static void publish(struct tflow *tf, struct quic_conn *q)
{
    struct session *s = tf->s;
    if (!s || s->transport != TR_QUIC)
        return;
    for (int fdir = 0; fdir < 2; fdir++) {
        int sdir = tflow_sdir(tf, fdir);
        memcpy(s->quic.packets[sdir], q->packets[fdir], sizeof(q->packets[fdir]));
        s->quic.undecrypted[sdir] = q->undecrypted[fdir];
    }
    memcpy(s->quic.history, q->history, q->history_len);
    s->quic.history[q->history_len] = 0;
    if (!s->quic.first_version)
        s->quic.first_version = q->first_version;
    if (!s->quic.version && q->first_version && quic_version_find(q->first_version))
        s->quic.version = q->first_version;
}

bool quic_datagram(struct tflow *tf, int fdir, struct cur c, uint32_t wire_len)
{
    struct quic_conn *q = conn(tf);
    if (!q)
        return false;
    uint32_t opened = tf->dir[fdir].records;
    while (c.left) {
        uint8_t first;
        if (!cur_peek(&c, 0, &first))
            break;
        if (!(first & 0x80)) {
            /* a short header runs to the end of the datagram; its keys are 1-RTT */
            count(q, fdir, QP_SHORT);
            one_rtt(tf, q, fdir);
            break;
        }
        if (first == 0 && c.left) /* padding after the last packet */
            break;
        size_t used = long_packet(tf, q, fdir, c, wire_len);
        if (!used || !cur_skip(&c, used))
            break;
        /* coalesced packets: what follows must be another QUIC packet */
        if (c.left && !cur_peek(&c, 0, &first))
            break;
        if (c.left && first == 0)
            break;
    }
    /* bytes after the last packet of a datagram that held an opened one:
     * padding, which Zeek's history marks as a discarded packet */
    if (c.left && !(c.p[0] & 0x80) && (c.p[0] & 0x40) == 0 && tf->dir[fdir].records != opened)
        history(q, fdir, 'X');
    publish(tf, q);
    /* nothing opened and no session: the flow is worth nothing yet, unless
     * it began like a client trying a version the server may negotiate */
    return tf->s != NULL || q->unknown_initial;
}
