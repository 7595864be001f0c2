/* The TLS record layer of one direction (RFC 8446 5.1, RFC 5246 6.2):
 *   type(1) legacy_version(2) length(2) fragment[length]
 * Cleartext handshake fragments go to the handshake reassembler; CCS,
 * alerts and heartbeats are small enough to collect; everything protected
 * is skipped by its length without being copied. */
#include "dissect/internal.h"

#include <stdlib.h>
#include <string.h>

static uint8_t slot(uint8_t type)
{
    return type >= CT_CCS && type <= CT_ACK ? (uint8_t)(type - CT_CCS)
                                            : REC_TYPE_SLOTS - 1;
}

static void note_event_once(struct tflow *tf, int fdir, bool *noted,
                            uint8_t kind)
{
    if (*noted)
        return;
    *noted = true;
    struct dirstate *ds = &tf->dir[fdir];
    session_event(tf->s, kind, 0, (uint8_t)tflow_sdir(tf, fdir), ds->rlen,
                  &tf->at[fdir]);
}

/* TLS 1.3 protected record sizes: content(2) + inner type(1) + AEAD tag
 * (16, or 8 for AES-CCM-8) is an alert; any handshake message is longer. */
static bool looks_like_alert(uint32_t len)
{
    return len == 2 + 1 + 16 || len == 2 + 1 + 8;
}

/* An empty client Certificate is 8 bytes (type, length, an empty request
 * context and an empty list), then the inner type and the AEAD tag; no
 * other handshake message a client sends has that size. */
static bool looks_like_empty_certificate(const struct session *s, uint32_t len)
{
    uint32_t tag = s->has_cipher && s->cipher == 0x1305 ? 8 : 16; /* TLS_AES_128_CCM_8_SHA256 */
    return len == 8 + 1 + tag;
}

/* A TLS 1.3 Finished record: verify_data of the suite's hash length, the
 * message header, the inner type and the tag; 0 when the suite is not
 * known yet. */
static uint32_t finished_record_size(const struct session *s)
{
    if (!s->has_cipher)
        return 0;
    uint32_t hash = s->cipher == 0x1302 ? 48 : 32; /* TLS_AES_256_GCM_SHA384 */
    uint32_t tag = s->cipher == 0x1305 ? 8 : 16;  /* TLS_AES_128_CCM_8_SHA256 */
    return 4 + hash + 1 + tag;
}

/* TLS 1.3: the client's second flight, record by record. It opens with a
 * Certificate when the server asked for one (an empty one is known by its
 * size) and ends with Finished, known by its size too; a flight packed
 * into fewer records ends when the server speaks again. */
static void client_flight_record(struct tflow *tf, int fdir)
{
    struct session *s = tf->s;
    struct dirstate *ds = &tf->dir[fdir];
    if (!tf->client_flight_bytes && !s->client_certs.seen && looks_like_empty_certificate(s, ds->rlen)) {
        s->client_certs.seen = true;
        s->client_certs.from_record_size = true;
        s->client_certs.at = tf->at[fdir];
    }
    tf->client_flight_bytes += ds->rlen;
    s->encrypted[DIR_C2S] = true;
    note_event_once(tf, fdir, &ds->noted_enc_flight, EV_ENC_HANDSHAKE);
    uint32_t finished = finished_record_size(s);
    if (!finished || ds->rlen == finished)
        tflow_finished(tf, fdir);
}

/* A protected record: which part of the handshake it can only be, judged
 * from its type and position since its content is unreadable. */
static void protected_record(struct tflow *tf, int fdir, uint8_t type)
{
    struct session *s = tf->s;
    struct dirstate *ds = &tf->dir[fdir];
    int sdir = tflow_sdir(tf, fdir);
    if (tf->server_tls13) {
        if (type != CT_APPDATA && type != CT_HANDSHAKE)
            return;
        if (!s->sh.present) { /* after a HelloRetryRequest */
            if (sdir == DIR_C2S)
                note_event_once(tf, fdir, &ds->noted_appdata, EV_EARLY_DATA);
            return;
        }
        bool *mine = sdir == DIR_C2S ? &s->client_finished : &s->server_finished;
        if (!*mine && looks_like_alert(ds->rlen)) {
            /* A protected record that can only hold an alert where the
             * Finished flight should be: the handshake was refused. */
            struct alert al = {.dir = (uint8_t)sdir, .encrypted = true,
                               .at = tf->at[fdir]};
            session_alert(s, &al);
            session_event(s, EV_ALERT, 255, (uint8_t)sdir, ds->rlen, &tf->at[fdir]);
            return;
        }
        if (sdir == DIR_C2S && !*mine && s->server_finished) {
            client_flight_record(tf, fdir);
            return;
        }
        if (sdir == DIR_S2C && s->server_finished && !s->client_finished && tf->client_flight_bytes)
            tflow_finished(tf, 1 - fdir); /* its Finished was packed with other messages */
        if (!*mine) {
            /* Server: EncryptedExtensions..Finished (a client before the
             * server's flight: out of order, taken as it comes). */
            s->encrypted[sdir] = true;
            note_event_once(tf, fdir, &ds->noted_enc_flight, EV_ENC_HANDSHAKE);
            tflow_finished(tf, fdir);
        } else if (sdir == DIR_S2C && s->client_finished && !s->appdata_records[DIR_S2C] &&
                   looks_like_alert(ds->rlen) &&
                   (tf->client_flight_bytes > 200 || (s->client_certs.from_record_size && !s->client_certs.n))) {
            /* The client's flight carried a certificate (a bare Finished is
             * under 100 bytes), or an empty one, and the server's first word
             * after it has an alert's size: the server refused the client's
             * certificate, or its lack of one (OpenSSL sends
             * certificate_required, Go bad_certificate). A server that
             * accepts sends a ticket or data, longer than an alert. */
            struct alert al = {.dir = (uint8_t)sdir, .encrypted = true, .at = tf->at[fdir]};
            session_alert(s, &al);
            session_event(s, EV_ALERT, 255, (uint8_t)sdir, ds->rlen, &tf->at[fdir]);
            s->established = false;
        } else if (s->client_finished) {
            s->saw_appdata[sdir] = true;
            s->appdata_records[sdir]++;
            note_event_once(tf, fdir, &ds->noted_appdata, EV_APPDATA);
        }
        return;
    }
    if (type == CT_HANDSHAKE) {
        note_event_once(tf, fdir, &ds->noted_enc_flight, EV_ENC_HANDSHAKE);
        tflow_finished(tf, fdir);
    } else if (type == CT_APPDATA) {
        s->saw_appdata[sdir] = true;
        s->appdata_records[sdir]++;
        ds->noted_enc_flight = false; /* a later handshake is a new flight */
        note_event_once(tf, fdir, &ds->noted_appdata, EV_APPDATA);
    }
}

void record_appdata(struct tflow *tf, int fdir, bool early)
{
    struct session *s = tf->s;
    int sdir = tflow_sdir(tf, fdir);
    if (early) { /* 0-RTT: not the conversation after the handshake */
        note_event_once(tf, fdir, &tf->dir[fdir].noted_appdata, EV_EARLY_DATA);
        tf->dir[fdir].noted_appdata = false;
        return;
    }
    s->saw_appdata[sdir] = true;
    s->appdata_records[sdir]++;
    note_event_once(tf, fdir, &tf->dir[fdir].noted_appdata, EV_APPDATA);
}

static void appdata_in_clear(struct tflow *tf, int fdir)
{
    struct session *s = tf->s;
    int sdir = tflow_sdir(tf, fdir);
    struct dirstate *ds = &tf->dir[fdir];
    if (sdir == DIR_C2S && s->ch.present && !s->sh.present && !s->hrr.present) {
        /* 0-RTT data sent after the ClientHello */
        note_event_once(tf, fdir, &ds->noted_appdata, EV_EARLY_DATA);
        return;
    }
    if (!s->ch.present && !s->sh.present) {
        /* mid-stream: the handshake was not captured */
        s->saw_appdata[sdir] = true;
        s->appdata_records[sdir]++;
        note_event_once(tf, fdir, &ds->noted_appdata, EV_APPDATA);
        return;
    }
    s->saw_appdata[sdir] = true;
    if (!ds->noted_appdata)
        tflow_anomaly(tf, fdir, "appdata_before_ccs",
                      "application data record %u sent before ChangeCipherSpec",
                      ds->records);
    note_event_once(tf, fdir, &ds->noted_appdata, EV_APPDATA);
}

/* A protected record that could not be decrypted: judged as when there
 * are no keys. */
static void protected_unread(struct tflow *tf, int fdir)
{
    struct dirstate *ds = &tf->dir[fdir];
    struct session *s = tf->s;
    int sdir = tflow_sdir(tf, fdir);
    switch (ds->rtype) {
    case CT_ALERT: {
        struct alert al = {.dir = (uint8_t)sdir, .encrypted = true, .at = tf->at[fdir]};
        session_alert(s, &al);
        session_event(s, EV_ALERT, 255, (uint8_t)sdir, ds->rlen, &tf->at[fdir]);
        break;
    }
    case CT_HANDSHAKE:
    case CT_APPDATA:
        protected_record(tf, fdir, ds->rtype);
        break;
    case CT_HEARTBEAT:
        session_event(s, EV_HEARTBEAT, 255, (uint8_t)sdir, ds->rlen, &tf->at[fdir]);
        break;
    default:
        break;
    }
}

static bool alert_in_clear(const struct tflow *tf, int sdir, uint32_t len)
{
    /* After ChangeCipherSpec (TLS <= 1.2) every alert is protected; in TLS
     * 1.3 a cleartext alert is still exactly two bytes long. */
    return len == 2 && (!tf->s->encrypted[sdir] || tf->server_tls13);
}

static void begin_record(struct tflow *tf, int fdir)
{
    struct dirstate *ds = &tf->dir[fdir];
    struct session *s = tf->s;
    int sdir = tflow_sdir(tf, fdir);
    ds->records++;
    tf->at[fdir].record = ds->records;
    s->records[sdir][slot(ds->rtype)]++;
    ds->small_len = 0;
    memset(ds->small, 0, sizeof(ds->small));
    ds->act = BODY_SKIP;
    if (tf->dec && decrypt_covers(tf, sdir, ds->rtype) &&
        decrypt_wants(tf, sdir, ds->rtype, ds->rlen)) {
        if (!ds->rbuf && !(ds->rbuf = malloc(MAX_RECORD))) {
            decrypt_lost(tf, sdir);
            protected_unread(tf, fdir);
            return;
        }
        ds->rbuf_len = 0;
        ds->act = BODY_DECRYPT;
        return;
    }
    bool enc = s->encrypted[sdir];
    switch (ds->rtype) {
    case CT_HANDSHAKE:
        if (enc)
            protected_record(tf, fdir, CT_HANDSHAKE);
        else if (!ds->hs_over)
            ds->act = BODY_HANDSHAKE;
        break;
    case CT_CCS:
        /* protected like everything after the first CCS: its bytes are
         * not a cleartext CCS to judge */
        if (enc && !tf->server_tls13)
            record_protected_ccs(tf, fdir);
        else
            ds->act = BODY_SMALL;
        break;
    case CT_ALERT:
        if (alert_in_clear(tf, sdir, ds->rlen))
            ds->act = BODY_SMALL;
        else
            protected_unread(tf, fdir);
        break;
    case CT_APPDATA:
        if (enc || tf->server_tls13)
            protected_record(tf, fdir, CT_APPDATA);
        else
            appdata_in_clear(tf, fdir);
        break;
    case CT_HEARTBEAT:
        if (enc)
            protected_unread(tf, fdir);
        else
            ds->act = BODY_SMALL;
        break;
    default:
        tflow_anomaly(tf, fdir, "unexpected_record_type",
                      "record %u has content type %u, not used over TCP",
                      ds->records, ds->rtype);
        break;
    }
}

void record_protected_ccs(struct tflow *tf, int fdir)
{
    struct session *s = tf->s;
    int sdir = tflow_sdir(tf, fdir);
    session_event(s, EV_CCS, 1, (uint8_t)sdir, tf->dir[fdir].rlen, &tf->at[fdir]);
    uint32_t n = ++s->protected_ccs[sdir];
    if (n > s->renegotiations)
        s->renegotiations = n;
    tf->dir[fdir].noted_enc_flight = false; /* the renegotiated handshake's Finished follows */
}

static bool hello_offers_tls13(const struct hello *ch)
{
    for (size_t i = 0; i < ch->versions.n; i++)
        if (registry_version_is_tls13(ch->versions.v[i]))
            return true;
    return false;
}

static void end_ccs(struct tflow *tf, int fdir)
{
    struct dirstate *ds = &tf->dir[fdir];
    struct session *s = tf->s;
    int sdir = tflow_sdir(tf, fdir);
    session_event(s, EV_CCS, 0, (uint8_t)sdir, ds->rlen, &tf->at[fdir]);
    if (ds->rlen != 1 || ds->small[0] != 1)
        tflow_anomaly(tf, fdir, "bad_change_cipher_spec",
                      "ChangeCipherSpec record %u is %u bytes, starting 0x%02x",
                      ds->records, ds->rlen, ds->small[0]);
    if (tf->server_tls13 || (sdir == DIR_C2S && !s->sh.present && hello_offers_tls13(&s->ch)))
        return; /* RFC 8446 D.4: a compatibility no-op, also before 0-RTT data */
    s->encrypted[sdir] = true;
    ds->noted_enc_flight = false;
    if (ds->hs.len) {
        tflow_anomaly(tf, fdir, "handshake_truncated",
                      "%zu bytes of an unfinished handshake message before ChangeCipherSpec",
                      ds->hs.len);
        buf_clear(&ds->hs);
    }
}

void record_alert(struct tflow *tf, int fdir, uint8_t level, uint8_t desc)
{
    struct dirstate *ds = &tf->dir[fdir];
    struct session *s = tf->s;
    int sdir = tflow_sdir(tf, fdir);
    struct alert al = {.dir = (uint8_t)sdir, .level = level, .desc = desc, .at = tf->at[fdir]};
    session_alert(s, &al);
    /* TLS 1.3: a server that answers the client's Finished flight with a
     * fatal alert, before any data, refused it (usually its certificate) */
    if (tf->server_tls13 && level == 2 && sdir == DIR_S2C && !s->saw_appdata[DIR_S2C])
        s->established = false;
    session_event(s, EV_ALERT, al.desc, (uint8_t)sdir, 2, &tf->at[fdir]);
    if (al.level != 1 && al.level != 2)
        tflow_anomaly(tf, fdir, "bad_alert_level",
                      "alert in record %u has level %u", ds->records, al.level);
}

static void end_alert(struct tflow *tf, int fdir)
{
    struct dirstate *ds = &tf->dir[fdir];
    record_alert(tf, fdir, ds->small[0], ds->small[1]);
}

static void end_heartbeat(struct tflow *tf, int fdir)
{
    struct dirstate *ds = &tf->dir[fdir];
    int sdir = tflow_sdir(tf, fdir);
    session_event(tf->s, EV_HEARTBEAT, ds->small[0], (uint8_t)sdir, ds->rlen,
                  &tf->at[fdir]);
    if (ds->small_len < 3)
        return;
    uint32_t claimed = (uint32_t)ds->small[1] << 8 | ds->small[2];
    /* RFC 6520 4: type(1) payload_length(2) payload padding(>= 16) */
    if (claimed + 3u + 16u > ds->rlen)
        tflow_anomaly(tf, fdir, "heartbeat_overread",
                      "heartbeat %s in record %u claims %u payload bytes, which with its 3-byte header "
                      "and the 16 bytes of padding RFC 6520 requires need %u, but the record holds %u "
                      "(Heartbleed pattern)",
                      ds->small[0] == 1 ? "request" : "response", ds->records,
                      claimed, claimed + 19u, ds->rlen);
}

/* A decrypted record's plaintext, handed on as a cleartext record's is. */
static void deliver(struct tflow *tf, int fdir, const struct plaintext *p)
{
    struct session *s = tf->s;
    struct cur pt = p->bytes;
    int sdir = tflow_sdir(tf, fdir);
    switch (p->type) {
    case CT_HANDSHAKE:
        handshake_feed(tf, fdir, pt, true);
        break;
    case CT_ALERT: {
        uint8_t level = 0, desc = 0;
        if (!cur_u8(&pt, &level) || !cur_u8(&pt, &desc) || pt.left) {
            tflow_anomaly(tf, fdir, "malformed_alert", "decrypted alert in record %u is not 2 bytes",
                          tf->dir[fdir].records);
            break;
        }
        record_alert(tf, fdir, level, desc);
        break;
    }
    case CT_APPDATA:
        record_appdata(tf, fdir, p->early);
        if (!tf->d->cfg.decrypt_app)
            break; /* a small record opened for what it might be: not counted */
        s->decryption.app_bytes[sdir] += pt.left;
        s->decryption.app_records[sdir]++;
        if (!s->decryption.app_first[sdir].len && pt.left) {
            struct cur head = cur_head(&pt, 32);
            if (store_bytes(s->arena, head, &s->decryption.app_first[sdir]))
                s->decryption.app_first_len[sdir] = (uint32_t)pt.left;
        }
        break;
    case CT_CCS:
        decrypt_protected_ccs(tf, sdir);
        record_protected_ccs(tf, fdir);
        break;
    default:
        tflow_anomaly(tf, fdir, "unexpected_record_type",
                      "decrypted record %u holds content type %u", tf->dir[fdir].records, p->type);
        break;
    }
}

static void end_record(struct tflow *tf, int fdir)
{
    struct dirstate *ds = &tf->dir[fdir];
    ds->in_body = false;
    if (ds->act == BODY_DECRYPT) {
        struct plaintext pt;
        if (decrypt_record(tf, fdir, ds->hdr, cur_make(ds->rbuf, ds->rbuf_len), &pt))
            deliver(tf, fdir, &pt);
        else
            protected_unread(tf, fdir);
        return;
    }
    if (ds->act != BODY_SMALL)
        return;
    switch (ds->rtype) {
    case CT_CCS: end_ccs(tf, fdir); break;
    case CT_ALERT: end_alert(tf, fdir); break;
    case CT_HEARTBEAT: end_heartbeat(tf, fdir); break;
    default: break;
    }
}

static void lose_framing(struct tflow *tf, int fdir)
{
    struct dirstate *ds = &tf->dir[fdir];
    ds->mode = DM_RESYNC;
    ds->in_body = false;
    ds->hdr_len = 0;
    buf_clear(&ds->hs);
    ds->hs_broken = true;
}

static bool header_ok(struct tflow *tf, int fdir)
{
    struct dirstate *ds = &tf->dir[fdir];
    struct cur h = cur_make(ds->hdr, sizeof(ds->hdr));
    uint16_t len;
    if (!cur_u8(&h, &ds->rtype) || !cur_u16(&h, &ds->rversion) ||
        !cur_u16(&h, &len))
        return false;
    ds->rlen = len;
    if ((ds->rversion >> 8) != 3 || (ds->rversion & 0xff) > 4 ||
        ds->rtype < CT_CCS || ds->rtype > 63) {
        char shown[6];
        for (size_t i = 0; i < 5; i++)
            shown[i] = ds->hdr[i] >= 0x20 && ds->hdr[i] < 0x7f ? (char)ds->hdr[i] : '.';
        shown[5] = 0;
        tflow_anomaly(tf, fdir, "not_a_record",
                      "bytes %02x %02x %02x %02x %02x (\"%s\") where record %u should start; resynchronising",
                      ds->hdr[0], ds->hdr[1], ds->hdr[2], ds->hdr[3], ds->hdr[4],
                      shown, ds->records + 1);
        return false;
    }
    if (ds->rlen > MAX_RECORD) {
        tflow_anomaly(tf, fdir, "record_too_long",
                      "record %u claims %u bytes, more than 2^14+2048; resynchronising",
                      ds->records + 1, ds->rlen);
        return false;
    }
    return true;
}

size_t record_feed(struct tflow *tf, int fdir, struct cur c)
{
    struct dirstate *ds = &tf->dir[fdir];
    while (c.left) {
        if (ds->mode == DM_IGNORE)
            return FLOW_IGNORE;
        if (ds->mode == DM_RESYNC) {
            size_t at;
            if (!detect_resync(c, &at))
                return 0;
            cur_advance(&c, at);
            ds->mode = DM_RECORDS;
            if (ds->records)
                tflow_anomaly(tf, fdir, "resync",
                              "record framing found again after %zu skipped bytes", at);
        }
        if (!ds->in_body) {
            size_t want = 5u - ds->hdr_len;
            size_t n = want < c.left ? want : c.left;
            if (!cur_copy(&c, &ds->hdr[ds->hdr_len], n))
                return 0;
            ds->hdr_len = (uint8_t)(ds->hdr_len + n);
            if (ds->hdr_len < 5)
                return 0;
            ds->hdr_len = 0;
            if (!header_ok(tf, fdir)) {
                lose_framing(tf, fdir);
                continue;
            }
            ds->in_body = true;
            ds->rleft = ds->rlen;
            begin_record(tf, fdir);
            if (ds->rleft == 0)
                end_record(tf, fdir);
            continue;
        }
        size_t n = ds->rleft < c.left ? ds->rleft : c.left;
        struct cur piece;
        if (!cur_take(&c, n, &piece))
            return 0;
        bool first = ds->rleft == ds->rlen;
        if (ds->act == BODY_HANDSHAKE) {
            handshake_feed(tf, fdir, piece, first);
        } else if (ds->act == BODY_DECRYPT) {
            size_t k = piece.left;
            if (cur_copy(&piece, ds->rbuf + ds->rbuf_len, k))
                ds->rbuf_len += (uint32_t)k;
        } else if (ds->act == BODY_SMALL) {
            size_t room = sizeof(ds->small) - ds->small_len;
            struct cur keep = cur_head(&piece, room);
            size_t k = keep.left;
            if (cur_copy(&keep, &ds->small[ds->small_len], k))
                ds->small_len = (uint8_t)(ds->small_len + k);
        }
        ds->rleft -= (uint32_t)n;
        if (ds->rleft == 0)
            end_record(tf, fdir);
    }
    if (ds->mode == DM_IGNORE)
        return FLOW_IGNORE;
    if (ds->in_body && ds->act == BODY_SKIP && ds->rleft) {
        /* The rest of this record is not needed: let capture skip it. */
        size_t skip = ds->rleft;
        ds->rleft = 0;
        end_record(tf, fdir);
        return skip;
    }
    return 0;
}

bool record_whole(struct tflow *tf, int fdir, uint8_t type, uint16_t version, struct cur body)
{
    struct dirstate *ds = &tf->dir[fdir];
    ds->rtype = type;
    ds->rversion = version;
    ds->rlen = (uint32_t)body.left;
    begin_record(tf, fdir);
    if (ds->act == BODY_HANDSHAKE)
        return true;
    if (ds->act == BODY_SMALL) {
        struct cur keep = cur_head(&body, sizeof(ds->small));
        ds->small_len = (uint8_t)keep.left;
        if (!cur_copy(&keep, ds->small, ds->small_len))
            ds->small_len = 0;
    }
    end_record(tf, fdir);
    return false;
}

void record_gap(struct tflow *tf, int fdir, uint64_t len)
{
    struct dirstate *ds = &tf->dir[fdir];
    if (ds->mode == DM_SSL2) {
        tflow_anomaly(tf, fdir, "tcp_gap",
                      "%llu bytes missing from the SSLv2 stream; stopped following it",
                      (unsigned long long)len);
        ds->mode = DM_IGNORE;
        return;
    }
    if (ds->mode == DM_RESYNC) {
        tflow_anomaly(tf, fdir, "tcp_gap", "%llu bytes missing while resynchronising",
                      (unsigned long long)len);
        return;
    }
    if (ds->in_body && len <= ds->rleft) {
        /* The gap is inside one record: framing survives, its content not. */
        tflow_anomaly(tf, fdir, "tcp_gap",
                      "%llu bytes missing inside record %u (content type %u)",
                      (unsigned long long)len, ds->records, ds->rtype);
        ds->rleft -= (uint32_t)len;
        if (ds->act == BODY_HANDSHAKE) {
            buf_clear(&ds->hs);
            ds->hs_broken = true;
        }
        if (ds->act == BODY_DECRYPT) {
            decrypt_lost(tf, tflow_sdir(tf, fdir));
            protected_unread(tf, fdir);
        }
        ds->act = BODY_SKIP;
        if (ds->rleft == 0)
            ds->in_body = false;
        return;
    }
    tflow_anomaly(tf, fdir, "tcp_gap",
                  "%llu bytes missing after record %u; record framing lost, resynchronising",
                  (unsigned long long)len, ds->records);
    lose_framing(tf, fdir);
}
