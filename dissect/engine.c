/* The dissector's side of the flow callbacks: each flow's bytes go to
 * content detection, then to the record layer (or SSLv2, plaintext MQ, an
 * OCSP fetch). The flow's state and session are tflow.c's; handing
 * sessions on in order is queue.c's. */
#include "dissect/internal.h"

#include <stdlib.h>
#include <string.h>

struct dissect_config dissect_config_default(void)
{
    struct dissect_config c = {
        .max_handshake_msg = 1u << 20,
        .max_prelude = 64u << 10,
        .max_certs = 32,
        .reorder_window = 4096,
    };
    return c;
}

struct dissect *dissect_new(const struct dissect_config *cfg,
                            dissect_sink sink, void *sink_ctx)
{
    struct dissect *d = calloc(1, sizeof(*d));
    if (!d)
        return NULL;
    d->cfg = *cfg;
    d->sink = sink;
    d->sink_ctx = sink_ctx;
    d->next_id = 1;
    d->certs = certcache_new();
    if (!d->certs) {
        free(d);
        return NULL;
    }
    return d;
}

const struct dissect_stats *dissect_stats(const struct dissect *d)
{
    return &d->st;
}

/* ---- choosing what a direction carries ------------------------------------ */

static bool dir_is_tls(const struct dirstate *ds)
{
    return ds->mode == DM_RECORDS || ds->mode == DM_SSL2 || ds->mode == DM_RESYNC;
}

static size_t feed(struct tflow *tf, int fdir, struct cur c);

static bool quick_not_tls(struct cur c)
{
    static const char *const starts[] = {
        "GET ", "POST ", "HEAD ", "PUT ", "DELETE ", "OPTIONS ", "PATCH ",
        "HTTP/", "SSH-", "PRI * HTTP/2",
    };
    for (size_t i = 0; i < ARRAY_LEN(starts); i++)
        if (cur_starts(&c, starts[i], strlen(starts[i])))
            return true;
    return false;
}

static size_t give_up_dir(struct tflow *tf, int fdir)
{
    tf->dir[fdir].mode = DM_IGNORE;
    tf->dir[fdir].carry_len = 0;
    return FLOW_IGNORE;
}

/* Feed two pieces of one stream in order; the first piece's skip request
 * applies to the second. */
static size_t feed_two(struct tflow *tf, int fdir, struct cur first,
                       struct cur second)
{
    size_t skip = feed(tf, fdir, first);
    if (skip == FLOW_IGNORE)
        return skip;
    size_t cut = skip < second.left ? skip : second.left;
    cur_advance(&second, cut);
    skip -= cut;
    return second.left ? skip + feed(tf, fdir, second) : skip;
}

/* The carried bytes followed by the head of c, for judging a start that
 * straddles two chunks. */
static struct cur join_carry(const struct dirstate *ds, struct cur c,
                             uint8_t tmp[32])
{
    size_t extra = 32 - ds->carry_len;
    if (extra > c.left)
        extra = c.left;
    memcpy(tmp, ds->carry, ds->carry_len);
    struct cur head = cur_head(&c, extra);
    if (!cur_copy(&head, tmp + ds->carry_len, extra))
        extra = 0;
    return cur_make(tmp, ds->carry_len + extra);
}

static bool stash(struct dirstate *ds, struct cur c)
{
    if (c.left > sizeof(ds->carry))
        return false;
    ds->carry_len = (uint8_t)c.left;
    return cur_copy(&c, ds->carry, c.left);
}

static bool tls_start_at(struct cur c, enum start_kind *k)
{
    uint8_t b;
    if (!cur_peek(&c, 0, &b) || b != 0x16)
        return false;
    *k = detect_start(c, true);
    return *k != START_NONE;
}

/* Search cleartext for the first TLS hello; bytes before it belong to the
 * STARTTLS or proxy exchange. */
static size_t prelude(struct tflow *tf, int fdir, struct cur c)
{
    struct dirstate *ds = &tf->dir[fdir];
    if (!tf->prelude_proto) {
        bool tunnel = false;
        const char *p = detect_prelude(c, tflow_sdir(tf, fdir) == DIR_C2S || tf->client_fdir < 0,
                                       &tunnel);
        if (p) {
            tf->prelude_proto = p;
            tf->prelude_is_tunnel = tunnel;
        }
    }
    if (tf->prelude_is_tunnel && !tf->tunnel_host[0] && tflow_sdir(tf, fdir) == DIR_C2S)
        (void)tunnel_target(tf->prelude_proto, c, tf->tunnel_host, &tf->tunnel_port);
    if (ds->prelude_bytes == 0 && !tf->prelude_proto &&
        !dir_is_tls(&tf->dir[1 - fdir])) {
        if (!tf->fetch && fetch_request(tf, fdir, c))
            return give_up_dir(tf, fdir);
        if (quick_not_tls(c))
            return give_up_dir(tf, fdir);
    }
    enum start_kind k;
    if (ds->carry_len) { /* a candidate start carried from the last chunk */
        uint8_t tmp[32];
        struct cur joined = join_carry(ds, c, tmp);
        size_t carried = ds->carry_len;
        ds->carry_len = 0;
        for (size_t i = 0; i < carried; i++) {
            struct cur at = cur_tail(&joined, i);
            if (!tls_start_at(at, &k))
                continue;
            if (k == START_TLS) {
                uint8_t saved[16];
                struct cur from = cur_head(&at, carried - i);
                size_t n = from.left;
                if (!cur_copy(&from, saved, n))
                    break;
                if (!tflow_session(tf, fdir))
                    return FLOW_IGNORE;
                ds->mode = DM_RECORDS;
                return feed_two(tf, fdir, cur_make(saved, n), c);
            }
            if (stash(ds, at))
                return 0;
        }
    }
    size_t from = 0, at;
    while (cur_find(&c, from, 0x16, &at)) {
        struct cur rest = cur_tail(&c, at);
        if (tls_start_at(rest, &k)) {
            ds->prelude_bytes += at;
            if (k == START_MAYBE && stash(ds, rest))
                return 0;
            if (k == START_TLS) {
                if (!tflow_session(tf, fdir))
                    return FLOW_IGNORE;
                ds->mode = DM_RECORDS;
                return feed(tf, fdir, rest);
            }
        }
        from = at + 1;
    }
    ds->prelude_bytes += c.left;
    if (ds->prelude_bytes > tf->d->cfg.max_prelude)
        return give_up_dir(tf, fdir);
    return 0;
}

static void note_peer_not_tls(struct tflow *tf, int fdir, struct cur c)
{
    struct session *s = tflow_session(tf, fdir);
    if (s && !s->not_tls_reply.len) {
        /* what it said names what it is (rules/r_conn.c) */
        size_t keep = c.left < NOT_TLS_KEEP ? c.left : NOT_TLS_KEEP;
        s->not_tls_reply.p = arena_memdup(s->arena, c.p, keep);
        s->not_tls_reply.len = s->not_tls_reply.p ? keep : 0;
        s->not_tls_dir = (uint8_t)tflow_sdir(tf, fdir);
        s->not_tls_at = tf->at[fdir];
    }
    char shown[41];
    size_t n = 0;
    uint8_t b;
    for (struct cur p = cur_head(&c, 40); cur_u8(&p, &b); n++)
        shown[n] = (b >= 0x20 && b < 0x7f) ? (char)b : '.';
    shown[n] = 0;
    tflow_anomaly(tf, fdir, "peer_not_tls",
                  "the %s answered with non-TLS bytes: \"%s\"",
                  tflow_sdir(tf, fdir) == DIR_S2C ? "server" : "client", shown);
}

/* What the first bytes of a direction say it carries; DM_DETECT when
 * there are too few bytes to tell. */
static enum dmode choose(struct tflow *tf, int fdir, struct cur view)
{
    bool other_tls = dir_is_tls(&tf->dir[1 - fdir]);
    switch (mq_tsh_start(view)) {
    case START_MQ:
        if (other_tls && tflow_session(tf, fdir))
            tflow_anomaly(tf, fdir, "peer_not_tls",
                          "the %s answered the TLS hello with plaintext IBM MQ",
                          tflow_sdir(tf, fdir) == DIR_S2C ? "server" : "client");
        return DM_MQ;
    case START_MAYBE:
        return DM_DETECT;
    default:
        break;
    }
    if (tf->fetch) {
        fetch_response(tf, fdir, view);
        return DM_IGNORE;
    }
    switch (detect_start(view, !other_tls)) {
    case START_TLS: return DM_RECORDS;
    case START_SSL2: return DM_SSL2;
    case START_MAYBE: return DM_DETECT;
    case START_MQ:
    case START_NONE: break;
    }
    bool fresh = tf->fi.a_sent_syn || tf->fi.b_sent_synack;
    if (other_tls) {
        if (detect_record_header(view))
            return DM_RECORDS;
        if (!fresh) /* picked up in the middle of a record */
            return DM_RESYNC;
        note_peer_not_tls(tf, fdir, view);
    } else if (!fresh && detect_record_header(view)) {
        /* The capture starts after the handshake: records, no hello. */
        return DM_RECORDS;
    }
    return DM_PRELUDE;
}

static size_t detect(struct tflow *tf, int fdir, struct cur c)
{
    struct dirstate *ds = &tf->dir[fdir];
    uint8_t tmp[32];
    struct cur view = c;
    if (ds->carry_len || c.left < 16)
        view = join_carry(ds, c, tmp);
    enum dmode m = choose(tf, fdir, view);
    if (m == DM_DETECT) {
        if (view.left == ds->carry_len + c.left && stash(ds, view))
            return 0;
        m = DM_PRELUDE;
    }
    if (m != DM_PRELUDE && m != DM_IGNORE && !tflow_session(tf, fdir))
        return FLOW_IGNORE;
    ds->mode = m;
    if (!ds->carry_len)
        return feed(tf, fdir, c);
    uint8_t saved[16];
    struct cur carried = cur_make(ds->carry, ds->carry_len);
    size_t n = carried.left;
    if (!cur_copy(&carried, saved, n))
        return FLOW_IGNORE;
    ds->carry_len = 0;
    return feed_two(tf, fdir, cur_make(saved, n), c);
}

static size_t feed(struct tflow *tf, int fdir, struct cur c)
{
    struct dirstate *ds = &tf->dir[fdir];
    switch (ds->mode) {
    case DM_DETECT:
        return detect(tf, fdir, c);
    case DM_PRELUDE:
        return prelude(tf, fdir, c);
    case DM_RECORDS:
    case DM_RESYNC:
        return record_feed(tf, fdir, c);
    case DM_SSL2:
        return sslv2_feed(tf, fdir, c);
    case DM_MQ:
        return mq_feed(tf, fdir, c);
    case DM_IGNORE:
        break;
    }
    return FLOW_IGNORE;
}

/* ---- flow callbacks ------------------------------------------------------- */

static void *on_open(void *ctx, const struct flow_info *fi)
{
    struct dissect *d = ctx;
    struct tflow *tf = calloc(1, sizeof(*tf));
    if (!tf)
        return NULL;
    tf->d = d;
    tf->fi = *fi;
    tf->client_fdir = (fi->a_sent_syn || fi->b_sent_synack) ? 0 : -1;
    tf->early_close_fdir = -1;
    d->st.flows_seen++;
    return tf;
}

static void touch(struct tflow *tf, int fdir, const struct seg_meta *m)
{
    tf->at[fdir].ts = m->ts;
    tf->at[fdir].packet = m->packet;
    if (tf->s) {
        if (m->ts > tf->s->ts_last)
            tf->s->ts_last = m->ts;
        tf->s->packet_last = m->packet;
    }
}

static size_t on_data(void *ctx, void *user, int fdir, struct cur bytes,
                      const struct seg_meta *m)
{
    (void)ctx;
    struct tflow *tf = user;
    if (tf->emitted)
        return FLOW_IGNORE;
    touch(tf, fdir, m);
    tf->dir[fdir].stream_bytes += bytes.left;
    size_t n = bytes.left;
    size_t skip = feed(tf, fdir, bytes);
    if (tf->s) {
        int sdir = tflow_sdir(tf, fdir);
        tf->s->bytes[sdir] += n + (skip == FLOW_IGNORE ? 0 : skip);
    }
    return skip;
}

/* RFC 7983's demultiplexing by the first byte: 20-63 is DTLS (with
 * STUN, RTP and others beside it on one port), and QUIC sets the top bit
 * of a long header or the fixed bit of a short one. A flow is told by the
 * first datagram that is either, and keeps to it. */
static enum transport udp_kind(struct cur c, enum transport flow_kind)
{
    uint8_t first;
    if (!cur_peek(&c, 0, &first))
        return TR_TCP;
    if (first >= 20 && first <= 63)
        return TR_DTLS;
    if ((first & 0x80) || (flow_kind == TR_QUIC && (first & 0x40)))
        return TR_QUIC;
    return TR_TCP;
}

static enum flow_verdict on_datagram(void *ctx, void *user, int fdir, struct cur payload, uint32_t wire_len,
                                     const struct seg_meta *m)
{
    (void)ctx;
    struct tflow *tf = user;
    if (tf->emitted)
        return FLOW_KEEP;
    if (tf->udp_kind == TR_QUIC && quic_new_connection(tf, fdir, payload, wire_len))
        return FLOW_NEW_CONNECTION;
    touch(tf, fdir, m);
    enum transport kind = udp_kind(payload, tf->udp_kind);
    if (tf->udp_kind == TR_TCP)
        tf->udp_kind = kind;
    if (kind == TR_TCP || kind != tf->udp_kind) /* STUN, RTP or noise beside the flow's DTLS or QUIC */
        return tf->s ? FLOW_KEEP : FLOW_NOTHING;
    bool keep;
    if (kind == TR_DTLS) {
        dtls_datagram(tf, fdir, payload);
        keep = tf->s != NULL;
    } else {
        keep = quic_datagram(tf, fdir, payload, wire_len);
    }
    if (tf->s)
        tf->s->bytes[tflow_sdir(tf, fdir)] += wire_len;
    return keep ? FLOW_KEEP : FLOW_NOTHING;
}

/* A QUIC connection's datagrams took another path (RFC 9000 9): kept in
 * the order they came, with the side that moved. */
static void on_path(void *ctx, void *user, const struct endpoint *a, const struct endpoint *b,
                    const struct seg_meta *m)
{
    (void)ctx;
    struct tflow *tf = user;
    struct session *s = tf->s;
    if (tf->emitted || !s || s->transport != TR_QUIC)
        return;
    bool a_client = tflow_sdir(tf, 0) == DIR_C2S;
    struct quic_path p = {
        .client = a_client ? *a : *b, .server = a_client ? *b : *a,
        .at = {.ts = m->ts, .packet = m->packet},
    };
    const struct endpoint *server_was = s->quic.paths.n ? &s->quic.paths.v[s->quic.paths.n - 1].server : &s->server;
    bool server_moved = !same_endpoint(&p.server, server_was);
    s->quic.path_changes++;
    if (s->quic.paths.n < QUIC_PATHS_KEPT)
        (void)ARENA_PUSH(s->arena, s->quic.paths, p);
    session_event(s, EV_QUIC_PATH, 0, server_moved ? DIR_S2C : DIR_C2S, s->quic.path_changes, &p.at);
}

static void on_gap(void *ctx, void *user, int fdir, uint64_t len,
                   const struct seg_meta *m)
{
    struct dissect *d = ctx;
    struct tflow *tf = user;
    if (tf->emitted)
        return;
    touch(tf, fdir, m);
    d->st.gaps++;
    tf->tcp[fdir].gaps++;
    tf->tcp[fdir].gap_bytes += len;
    struct dirstate *ds = &tf->dir[fdir];
    if (ds->mode == DM_RECORDS || ds->mode == DM_RESYNC || ds->mode == DM_SSL2) {
        record_gap(tf, fdir, len);
    } else if (ds->mode == DM_DETECT) {
        ds->carry_len = 0; /* the start is lost; judge what follows */
    } else if (ds->mode == DM_PRELUDE) {
        ds->carry_len = 0;
        ds->prelude_bytes += len;
    }
}

static void on_flags(void *ctx, void *user, int fdir, uint8_t flags,
                     const struct seg_meta *m)
{
    (void)ctx;
    struct tflow *tf = user;
    if (tf->emitted)
        return;
    touch(tf, fdir, m);
    if (flags & TCPF_SYN) {
        /* Kept for the session to come: SYN to SYN-ACK is the network's
         * round trip. Repeats keep the first. */
        bool synack = fdir == 1;
        if (synack && !tf->has_synack) {
            tf->synack = tf->at[fdir];
            tf->has_synack = true;
        } else if (!synack && !tf->has_syn) {
            tf->syn = tf->at[fdir];
            tf->has_syn = true;
        }
        return;
    }
    if (!tf->s) {
        if ((flags & (TCPF_FIN | TCPF_RST)) && tf->early_close_fdir < 0) {
            tf->early_close = tf->at[fdir];
            tf->early_close_fdir = (int8_t)fdir;
            tf->early_close_rst = (flags & TCPF_RST) != 0;
        }
        return;
    }
    int sdir = tflow_sdir(tf, fdir);
    if (flags & TCPF_RST)
        session_event(tf->s, EV_TCP_RST, 0, (uint8_t)sdir, 0, &tf->at[fdir]);
    else if (flags & TCPF_FIN)
        session_event(tf->s, EV_TCP_FIN, 0, (uint8_t)sdir, 0, &tf->at[fdir]);
}

/* A retransmission or late fill is timeline-worthy while the handshake
 * runs, or when the connection waited long for it; a bulk transfer's
 * routine losses would only crowd the timeline (they are counted). */
enum { NOTED_WAIT = 200 * 1000000, NOTED_MAX = 16 };

static void on_tcp_note(void *ctx, void *user, int fdir, enum tcp_note note, int64_t wait,
                        const struct seg_meta *m)
{
    (void)ctx;
    struct tflow *tf = user;
    if (tf->emitted)
        return;
    struct where at = {.ts = m->ts, .packet = m->packet};
    struct tcp_dir_stats *st = &tf->tcp[fdir];
    struct session *s = tf->s;
    int sdir = tflow_sdir(tf, fdir);
    switch (note) {
    case TCPN_HANDSHAKE_ACK:
        tf->hs_ack = at;
        tf->has_hs_ack = true;
        if (s)
            session_event(s, EV_TCP_ACK, 0, (uint8_t)sdir, 0, &at);
        return;
    case TCPN_ZERO_WINDOW:
        st->zero_windows++;
        if (s && st->zero_windows <= NOTED_MAX)
            session_event(s, EV_TCP_ZERO_WINDOW, 0, (uint8_t)sdir, 0, &at);
        return;
    case TCPN_RETRANSMIT:
    case TCPN_LATE_FILL:
        break;
    }
    uint32_t *count = note == TCPN_RETRANSMIT ? &st->retransmits : &st->late_fills;
    (*count)++;
    if (wait > st->longest_wait || !st->longest_wait_packet) {
        st->longest_wait = wait;
        st->longest_wait_packet = m->packet;
    }
    if (s && (!s->established || wait >= NOTED_WAIT) && *count <= NOTED_MAX) {
        int64_t us = wait / 1000;
        session_event(s, EV_TCP_RETRANSMIT, note == TCPN_LATE_FILL, (uint8_t)sdir,
                      us > UINT32_MAX ? UINT32_MAX : (uint32_t)us, &at);
    }
}

static void on_close(void *ctx, void *user, enum flow_end why)
{
    struct dissect *d = ctx;
    struct tflow *tf = user;
    (void)why;
    tf->closed = true;
    fetch_close(tf);
    queue_closed(d, tf);
}

static void on_quiet(void *ctx, const struct flow_info *fi, bool reset, int closer,
                     const struct seg_meta *m)
{
    struct dissect *d = ctx;
    if (!d->quiet_sink)
        return;
    struct quiet_conn q = {
        .client = fi->a, .server = fi->b, .ts_open = fi->ts, .ts_close = m->ts, .packet = fi->packet,
        .reset = reset, .client_closed = closer == 0,
    };
    d->quiet_sink(d->quiet_ctx, &q);
}

struct flow_handler dissect_flow_handler(struct dissect *d)
{
    struct flow_handler h = {
        .ctx = d,
        .open = on_open,
        .data = on_data,
        .datagram = on_datagram,
        .path = on_path,
        .gap = on_gap,
        .flags = on_flags,
        .tcp_note = on_tcp_note,
        .close = on_close,
        .quiet = on_quiet,
    };
    return h;
}

void dissect_use_keylog(struct dissect *d, struct keylog *k)
{
    d->keylog = k;
}

void dissect_on_fetch(struct dissect *d, dissect_fetch_sink sink, void *ctx)
{
    d->fetch_sink = sink;
    d->fetch_ctx = ctx;
}

void dissect_on_quiet(struct dissect *d, dissect_quiet_sink sink, void *ctx)
{
    d->quiet_sink = sink;
    d->quiet_ctx = ctx;
}

void dissect_fingerprint_when(struct dissect *d, bool (*now)(void *ctx), void *ctx)
{
    d->fingerprint_now = now;
    d->fingerprint_ctx = ctx;
}

void dissect_finish(struct dissect *d)
{
    queue_pump(d, true);
}

void dissect_set_batched(struct dissect *d, const struct capture_order *order)
{
    d->order = order;
}

void dissect_share_certs(struct dissect *d, const struct dissect *from)
{
    struct certcache *shared = certcache_ref(from->certs);
    if (shared) {
        certcache_free(d->certs);
        d->certs = shared;
    }
}

void dissect_free(struct dissect *d)
{
    if (!d)
        return;
    queue_free(d);
    quic_work_free(d->quic_work);
    certcache_free(d->certs);
    trust_free(d->trust);
    free(d);
}
