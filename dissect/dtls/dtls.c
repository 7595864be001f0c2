/* DTLS records and handshake fragments.
 *
 *   record (<= 1.2, and 1.3 in the clear): type(1) version(2) epoch(2)
 *       sequence_number(6) length(2) fragment[length]
 *   record (1.3 protected, unified header): 001CSLEE, then a connection ID
 *       (C), a sequence number of 1 or 2 bytes (S), a length (L)
 *   handshake fragment: msg_type(1) length(3) message_seq(2)
 *       fragment_offset(3) fragment_length(3) body[fragment_length]
 *
 * A datagram holds several records; a record holds several fragments; a
 * message spans fragments of several records and datagrams, which come
 * out of order, again when retransmitted, and overlapping. Each message is
 * gathered by its message_seq and handed on once whole, in the order the
 * messages complete; one already handed on is a retransmission. */
#include "dissect/dtls/dtls.h"

#include <stdlib.h>
#include <string.h>

#include "dissect/internal.h"
#include "include/gather.h"

enum { PENDING = 4 };

struct message {
    bool used;
    uint8_t type;
    uint16_t seq;
    uint32_t len;
    struct gather body;
};

struct dtls_conn {
    /* by flow direction */
    uint32_t next_seq[2];          /* every message below it was handed on */
    struct message pending[2][PENDING];
};

static struct dtls_conn *conn(struct tflow *tf)
{
    if (!tf->dtls)
        tf->dtls = calloc(1, sizeof(*tf->dtls));
    return tf->dtls;
}

void dtls_free(struct dtls_conn *c)
{
    if (!c)
        return;
    for (int d = 0; d < 2; d++)
        for (int i = 0; i < PENDING; i++)
            gather_free(&c->pending[d][i].body);
    free(c);
}

static struct session *session_of(struct tflow *tf, int fdir)
{
    struct session *s = tflow_session(tf, fdir);
    if (s && s->transport != TR_DTLS) {
        s->transport = TR_DTLS;
        s->mid_stream = false;
    }
    return s;
}

static void deliver(struct tflow *tf, int fdir, uint8_t type, struct cur body, uint32_t len)
{
    struct hsctx h = {.tf = tf, .s = tf->s, .fdir = fdir, .sdir = tflow_sdir(tf, fdir), .at = tf->at[fdir]};
    handshake_message(&h, type, body, len);
}

static struct message *slot_for(struct tflow *tf, struct dtls_conn *c, int fdir, uint16_t seq, uint8_t type,
                                uint32_t len)
{
    struct message *free_slot = NULL, *oldest = NULL;
    for (int i = 0; i < PENDING; i++) {
        struct message *m = &c->pending[fdir][i];
        if (m->used && m->seq == seq)
            return m->type == type && m->len == len ? m : NULL;
        if (!m->used && !free_slot)
            free_slot = m;
        if (m->used && (!oldest || m->seq < oldest->seq))
            oldest = m;
    }
    if (!free_slot) {
        tflow_anomaly(tf, fdir, "dtls_message_dropped",
                      "handshake message %u left unfinished: more than %d messages at once in pieces",
                      oldest->seq, PENDING);
        free_slot = oldest;
        gather_reset(&free_slot->body);
    }
    free_slot->used = true;
    free_slot->seq = seq;
    free_slot->type = type;
    free_slot->len = len;
    gather_reset(&free_slot->body);
    free_slot->body.limit = len;
    return free_slot;
}

static void fragment(struct tflow *tf, struct dtls_conn *c, int fdir, uint8_t type, uint32_t len, uint16_t seq,
                     uint32_t offset, struct cur data)
{
    struct session *s = tf->s;
    int sdir = tflow_sdir(tf, fdir);
    if (seq < c->next_seq[fdir]) {
        s->dtls.retransmits[sdir]++;
        return;
    }
    if (len > tf->d->cfg.max_handshake_msg) {
        tflow_anomaly(tf, fdir, "handshake_too_long",
                      "%s message %u claims %u bytes (limit %zu)",
                      registry_handshake_name(type) ? registry_handshake_name(type) : "handshake", seq, len,
                      tf->d->cfg.max_handshake_msg);
        c->next_seq[fdir] = (uint32_t)seq + 1;
        return;
    }
    if (offset == 0 && data.left == len) { /* whole: no copy */
        c->next_seq[fdir] = (uint32_t)seq + 1;
        deliver(tf, fdir, type, data, len);
        return;
    }
    s->dtls.fragments[sdir]++;
    struct message *m = slot_for(tf, c, fdir, seq, type, len);
    if (!m) {
        tflow_anomaly(tf, fdir, "dtls_fragment_mismatch",
                      "a fragment of handshake message %u disagrees on its type or length", seq);
        return;
    }
    if (gather_add(&m->body, offset, data) != GATHER_OK) {
        tflow_anomaly(tf, fdir, "dtls_fragment_dropped",
                      "fragment at %u (%zu bytes) of handshake message %u (%u bytes) not kept", offset,
                      data.left, seq, len);
        return;
    }
    if (gather_whole(&m->body) < len)
        return;
    m->used = false;
    c->next_seq[fdir] = (uint32_t)seq + 1;
    deliver(tf, fdir, type, cur_make(m->body.p, len), len);
    gather_reset(&m->body);
}

static void handshake_record(struct tflow *tf, struct dtls_conn *c, int fdir, struct cur body)
{
    while (body.left) {
        uint8_t type;
        uint32_t len, offset, frag_len;
        uint16_t seq;
        struct cur data;
        if (!cur_u8(&body, &type) || !cur_u24(&body, &len) || !cur_u16(&body, &seq) ||
            !cur_u24(&body, &offset) || !cur_u24(&body, &frag_len) || !cur_take(&body, frag_len, &data) ||
            offset > len || frag_len > len - offset) {
            tflow_anomaly(tf, fdir, "dtls_bad_fragment",
                          "a handshake fragment in record %u does not parse (%zu bytes left)",
                          tf->dir[fdir].records, body.left);
            return;
        }
        fragment(tf, c, fdir, type, len, seq, offset, data);
        if (!tf->s)
            return;
    }
}

/* A DTLS 1.3 protected record: its length, or the rest of the datagram. */
static bool unified_record(struct tflow *tf, int fdir, struct cur *d)
{
    uint8_t first;
    if (!cur_u8(d, &first))
        return false;
    if (first & 0x10) {
        /* a connection ID of a length only the handshake told: the record's end is unknown */
        cur_advance(d, d->left);
        return true;
    }
    struct cur body = *d;
    uint16_t len = 0;
    if (!cur_skip(d, (first & 0x08) ? 2 : 1) || ((first & 0x04) && !cur_u16(d, &len)))
        return false;
    if (first & 0x04) {
        if (!cur_take(d, len, &body))
            return false;
    } else {
        body = *d;
        cur_advance(d, d->left);
    }
    struct session *s = tf->s;
    s->dtls.unified_records[tflow_sdir(tf, fdir)]++;
    (void)record_whole(tf, fdir, CT_APPDATA, VER_DTLS12, body);
    return true;
}

void dtls_datagram(struct tflow *tf, int fdir, struct cur d)
{
    struct dtls_conn *c = conn(tf);
    if (!c)
        return;
    while (d.left >= 1) {
        uint8_t type;
        if (!cur_peek(&d, 0, &type))
            return;
        if ((type & 0xe0) == 0x20) {
            if (!tf->s || !unified_record(tf, fdir, &d))
                return;
            continue;
        }
        uint16_t version, epoch, len;
        struct cur body;
        if (d.left < 13 || !cur_u8(&d, &type) || !cur_u16(&d, &version) || !cur_u16(&d, &epoch) ||
            !cur_skip(&d, 6) || !cur_u16(&d, &len))
            return;
        if (type < CT_CCS || type > CT_ACK || ((version >> 8) != 0xfe && version != 0x0100))
            return; /* not DTLS: a multiplexed STUN or RTP packet, or noise */
        struct session *s = session_of(tf, fdir);
        if (!s)
            return;
        if (!cur_take(&d, len, &body)) {
            tflow_anomaly(tf, fdir, "dtls_truncated", "a record claims %u bytes; the datagram holds %zu", len,
                          d.left);
            return;
        }
        int sdir = tflow_sdir(tf, fdir);
        if (!s->dtls.record_version)
            s->dtls.record_version = version;
        if (type == CT_ACK || type == CT_TLS12_CID) {
            tf->dir[fdir].records++;
            s->records[sdir][type - CT_CCS]++;
            continue;
        }
        /* a record's epoch says whether it is protected: epoch 0 after a
         * ChangeCipherSpec is an earlier flight sent again, in the clear,
         * and a later epoch is protected even if its ChangeCipherSpec was lost */
        bool was = s->encrypted[sdir];
        s->encrypted[sdir] = epoch > 0;
        bool hs = record_whole(tf, fdir, type, version, body);
        s->encrypted[sdir] = s->encrypted[sdir] || was;
        if (hs)
            handshake_record(tf, c, fdir, body);
        if (tf->dir[fdir].mode == DM_IGNORE)
            return;
    }
}
