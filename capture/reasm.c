/* TCP reassembly of one direction. In-order bytes go straight from the
 * packet to the consumer (no copy); only out-of-order segments are copied,
 * and only the bytes the consumer still needs. Overlaps keep the first copy.
 * Sequence numbers compare modulo 2^32, so wraparound needs no special case.
 * A hole becomes a gap when the receiver acknowledges data beyond it, when
 * buffered bytes exceed the limit, or when the flow ends. Bytes sent again,
 * and holes filled late, are told to the consumer with how long the
 * connection waited for them: loss seen from either side of the capture
 * point. */
#include "capture/internal.h"

#include <stdlib.h>
#include <string.h>

struct seg {
    struct seg *next;
    uint32_t seq, len;
    struct seg_meta m;
    uint8_t data[];
};

static int32_t seq_diff(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b);
}

/* A buffered segment is charged its header and malloc's own with its
 * bytes: a flood of one-byte segments then holds no more memory than the
 * limits say, where it held 48 times more. */
enum { SEG_COST = sizeof(struct seg) + 16 };

/* Out-of-order segments kept per direction. An arrival is placed by a
 * walk of the list, so many small segments in no order made each packet
 * cost as much as all of them (40,000 one-byte segments behind a hole
 * took 1.3 s, and the walks grew with their square). 4 MB of full-sized
 * segments is 2,900 of them. */
enum { OOO_SEGMENTS_MOST = 4096 };

static size_t seg_held(const struct seg *s)
{
    return s->len + SEG_COST;
}

static void unlink_first(struct capture *c, struct half *h)
{
    struct seg *s = h->ooo;
    h->ooo = s->next;
    if (!h->ooo)
        h->ooo_last = NULL;
    h->ooo_bytes -= seg_held(s);
    c->ooo_total -= seg_held(s);
    h->ooo_segs--;
}

static void free_ooo(struct capture *c, struct half *h)
{
    struct seg *s = h->ooo;
    while (s) {
        struct seg *next = s->next;
        free(s);
        s = next;
    }
    c->ooo_total -= h->ooo_bytes;
    h->ooo = h->ooo_last = NULL;
    h->ooo_bytes = 0;
    h->ooo_segs = 0;
}

void reasm_free(struct capture *c, struct half *h)
{
    free_ooo(c, h);
}

static void check_fin(struct half *h)
{
    if (h->fin_seen && seq_diff(h->next_seq, h->fin_seq) >= 0)
        h->fin_done = true;
}

static bool wants(const struct flow *fl, const struct half *h)
{
    return fl->interested && !h->ignore;
}

/* n bytes of the stream are passed over without being delivered. */
static void advance(struct half *h, uint64_t n)
{
    h->next_seq += (uint32_t)n;
    h->offset += n;
}

static void deliver(struct capture *c, struct flow *fl, int dir, struct cur b,
                    const struct seg_meta *m)
{
    struct half *h = &fl->half[dir];
    advance(h, b.left);
    if (!wants(fl, h))
        return;
    if (h->skip) {
        size_t s = h->skip < b.left ? (size_t)h->skip : b.left;
        cur_advance(&b, s);
        h->skip -= s;
    }
    if (!b.left || !flow_consumer(c, fl))
        return;
    size_t more = c->h.data(c->h.ctx, fl->user, dir, b, m);
    if (more == FLOW_IGNORE) {
        h->ignore = true;
        free_ooo(c, h);
    } else {
        h->skip += more;
    }
}

/* len stream bytes are missing; skipped bytes were not wanted anyway. */
static void gap(struct capture *c, struct flow *fl, int dir, uint64_t len,
                const struct seg_meta *m)
{
    struct half *h = &fl->half[dir];
    advance(h, len);
    if (!wants(fl, h))
        return;
    if (h->skip >= len) {
        h->skip -= len;
        return;
    }
    len -= h->skip;
    h->skip = 0;
    c->st.gaps++;
    if (c->h.gap && flow_consumer(c, fl))
        c->h.gap(c->h.ctx, fl->user, dir, len, m);
}

static void note(struct capture *c, struct flow *fl, int dir, enum tcp_note what,
                 int64_t wait, const struct seg_meta *m)
{
    if (c->h.tcp_note && wants(fl, &fl->half[dir]) && flow_consumer(c, fl))
        c->h.tcp_note(c->h.ctx, fl->user, dir, what, wait > 0 ? wait : 0, m);
}

/* Bytes before next_seq again. A keep-alive (one byte just before
 * next_seq, RFC 9293 3.8.4) is not a retransmission. */
static void sent_again(struct capture *c, struct flow *fl, int dir, int32_t rel, uint32_t wire,
                       const struct seg_meta *m)
{
    struct half *h = &fl->half[dir];
    if (rel == -1 && wire == 1)
        return;
    note(c, fl, dir, TCPN_RETRANSMIT, h->last_new_ts ? m->ts - h->last_new_ts : 0, m);
}

/* Deliver a segment that starts at next_seq; a snaplen-cut segment has
 * fewer captured bytes than the headers claim, and the rest is a gap. */
static void deliver_cut(struct capture *c, struct flow *fl, int dir,
                        struct cur data, uint32_t wire, const struct seg_meta *m)
{
    size_t have = data.left;
    deliver(c, fl, dir, data, m);
    if (wire > have)
        gap(c, fl, dir, wire - have, m);
}

/* Deliver buffered segments that have become in order. */
static void drain(struct capture *c, struct flow *fl, int dir)
{
    struct half *h = &fl->half[dir];
    while (h->ooo) {
        struct seg *s = h->ooo;
        int32_t rel = seq_diff(s->seq, h->next_seq);
        if (rel > 0) {
            if ((uint64_t)rel > h->skip)
                break;
            gap(c, fl, dir, (uint64_t)rel, &s->m); /* inside the skip */
            continue;
        }
        unlink_first(c, h);
        if ((int64_t)s->len + rel > 0) {
            struct cur b = cur_make(s->data, s->len);
            cur_advance(&b, (size_t)-rel);
            deliver(c, fl, dir, b, &s->m);
        }
        free(s);
    }
    check_fin(h);
}

/* Give up waiting for the hole before the first buffered segment. */
static void force_gap(struct capture *c, struct flow *fl, int dir)
{
    struct half *h = &fl->half[dir];
    if (!h->ooo)
        return;
    int32_t rel = seq_diff(h->ooo->seq, h->next_seq);
    if (rel > 0)
        gap(c, fl, dir, (uint64_t)rel, &h->ooo->m);
    drain(c, fl, dir);
}

/* Would a segment of len more bytes in direction dir be too many? */
static bool over_limit(const struct capture *c, const struct flow *fl, int dir,
                       size_t len)
{
    size_t extra = len + SEG_COST;
    return fl->half[0].ooo_bytes + fl->half[1].ooo_bytes + extra >
               c->lim.ooo_per_flow ||
           c->ooo_total + extra > c->lim.ooo_total ||
           fl->half[dir].ooo_segs >= OOO_SEGMENTS_MOST;
}

static struct seg *seg_new(uint32_t seq, struct cur b, const struct seg_meta *m)
{
    struct seg *s = malloc(sizeof(*s) + b.left);
    if (!s)
        return NULL;
    s->next = NULL;
    s->seq = seq;
    s->len = (uint32_t)b.left;
    s->m = *m;
    if (!cur_copy(&b, s->data, s->len)) {
        free(s);
        return NULL;
    }
    return s;
}

/* Insert [seq, seq+len) keeping bytes already buffered (first copy wins):
 * only the parts that fall into holes of the list are stored. */
static void store(struct capture *c, struct flow *fl, int dir, uint32_t seq,
                  struct cur b, const struct seg_meta *m)
{
    struct half *h = &fl->half[dir];
    struct seg **link = &h->ooo;
    /* segments behind a hole mostly come in order: after the last one,
     * there is nothing to walk */
    if (h->ooo_last && seq_diff(seq, h->ooo_last->seq + h->ooo_last->len) >= 0)
        link = &h->ooo_last->next;
    while (b.left) {
        struct seg *cur = *link;
        if (cur && seq_diff(cur->seq + cur->len, seq) <= 0) {
            link = &cur->next; /* entirely before us */
            continue;
        }
        if (cur && seq_diff(cur->seq, seq) <= 0) {
            /* overlaps the front: drop what cur already holds */
            uint32_t dup = cur->seq + cur->len - seq;
            if (dup >= b.left)
                return;
            cur_advance(&b, dup);
            seq += dup;
            link = &cur->next;
            continue;
        }
        size_t room = b.left;
        if (cur && (uint32_t)seq_diff(cur->seq, seq) < room)
            room = (uint32_t)seq_diff(cur->seq, seq);
        struct cur piece;
        if (!cur_take(&b, room, &piece))
            return;
        struct seg *s = seg_new(seq, piece, m);
        if (!s)
            return;
        s->next = cur;
        *link = s;
        link = &s->next;
        if (!cur)
            h->ooo_last = s;
        h->ooo_bytes += seg_held(s);
        c->ooo_total += seg_held(s);
        h->ooo_segs++;
        seq += s->len;
    }
}

void reasm_segment(struct capture *c, struct flow *fl, int dir,
                   const struct capture_seg *d, const struct seg_meta *m)
{
    struct half *h = &fl->half[dir];
    uint32_t seq = d->seq;
    if (d->flags & TCPF_SYN) {
        /* A repeated SYN (or a SYN-ACK with another ISN) before any data
         * moves the start of the stream. */
        if (!h->seq_known || (h->offset == 0 && !h->ooo)) {
            h->next_seq = seq + 1;
            h->seq_known = true;
        }
        h->syn = true;
        seq += 1;
    }
    uint32_t wire = d->payload_wire_len;
    struct cur data = d->payload;
    if (!h->seq_known) { /* picked up mid-stream */
        h->next_seq = seq;
        h->seq_known = true;
    }
    if ((d->flags & TCPF_FIN) && !h->fin_seen) {
        h->fin_seen = true;
        h->fin_seq = seq + wire;
    }
    if (wire == 0) {
        check_fin(h);
        return;
    }
    int32_t rel = seq_diff(seq, h->next_seq);
    if ((int64_t)rel + wire <= 0) { /* retransmission of delivered bytes */
        sent_again(c, fl, dir, rel, wire, m);
        check_fin(h);
        return;
    }
    if (rel < 0)
        sent_again(c, fl, dir, rel, wire, m);
    else if (rel == 0 && h->ooo)
        note(c, fl, dir, TCPN_LATE_FILL, m->ts - h->ooo->m.ts, m);
    h->last_new_ts = m->ts;
    if (rel < 0) {
        uint32_t dup = (uint32_t)-rel;
        size_t cut = dup < data.left ? dup : data.left;
        cur_advance(&data, cut);
        wire -= dup;
        seq = h->next_seq;
        rel = 0;
    }
    if (rel > 0 && (!wants(fl, h) || (uint64_t)rel <= h->skip)) {
        /* The hole is made only of bytes nobody needs. */
        gap(c, fl, dir, (uint64_t)rel, m);
        rel = 0;
    }
    if (rel == 0 && (!h->ooo || data.left < wire)) {
        deliver_cut(c, fl, dir, data, wire, m);
        drain(c, fl, dir);
        return;
    }
    if (rel == 0) {
        /* Buffered bytes arrived first: merge through the list. */
        store(c, fl, dir, seq, data, m);
        drain(c, fl, dir);
        return;
    }
    if (data.left < wire) {
        /* A cut segment past a hole: keep what we have; its tail will show
         * up as a hole in turn. */
        wire = (uint32_t)data.left;
    }
    if (over_limit(c, fl, dir, data.left)) {
        c->st.ooo_limit_hits++;
        while (h->ooo && over_limit(c, fl, dir, data.left))
            force_gap(c, fl, dir);
        rel = seq_diff(seq, h->next_seq);
        if (rel > 0 && over_limit(c, fl, dir, data.left)) {
            gap(c, fl, dir, (uint64_t)rel, m);
            rel = 0;
        }
        if (rel <= 0) {
            if ((int64_t)rel + data.left > 0) {
                cur_advance(&data, (size_t)-rel);
                deliver(c, fl, dir, data, m);
            }
            drain(c, fl, dir);
            return;
        }
    }
    store(c, fl, dir, seq, data, m);
    check_fin(h);
}

void reasm_peer_ack(struct capture *c, struct flow *fl, int dir, uint32_t ack,
                    const struct seg_meta *m)
{
    (void)m;
    struct half *h = &fl->half[dir];
    if (h->ooo && seq_diff(ack, h->ooo->seq) > 0)
        force_gap(c, fl, dir);
}

void reasm_flush(struct capture *c, struct flow *fl, int dir,
                 const struct seg_meta *m)
{
    (void)m;
    struct half *h = &fl->half[dir];
    while (h->ooo)
        force_gap(c, fl, dir);
}
