#include "capture/internal.h"

#include <stdlib.h>

struct capture *capture_new(const struct capture_limits *lim,
                            const struct flow_handler *handler)
{
    struct capture *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->lim = *lim;
    c->h = *handler;
    c->frag = ipfrag_new(lim->frag_bytes);
    if (!c->frag) {
        free(c);
        return NULL;
    }
    return c;
}

bool capture_decode(struct capture *c, const struct pkt *p, struct capture_seg *seg)
{
    c->st.packets++;
    c->st.bytes += p->wire_len;
    if (p->data.left < p->wire_len)
        c->st.truncated++;
    /* the clock IP fragments expire by, on a decoder that tracks nothing */
    if (p->ts > c->now)
        c->now = p->ts;
    enum dec r = decode_packet(c, p, seg);
    if (r == DEC_UDP)
        paths_route(c, seg);
    if (r != DEC_TCP && r != DEC_UDP)
        return false;
    capture_seg_hash(seg);
    return true;
}

bool capture_decode_uncounted(struct capture *c, const struct pkt *p, struct capture_seg *seg)
{
    struct capture_stats counted = c->st;
    bool carries = capture_decode(c, p, seg);
    c->st = counted;
    return carries;
}

void capture_track(struct capture *c, const struct pkt *p, const struct capture_seg *seg)
{
    /* Capture time only moves forward, so a packet stamped in the past
     * cannot make flows look idle. */
    if (p->ts > c->now)
        c->now = p->ts;
    c->last_packet = p->no;
    c->order = (struct capture_order){.packet = p->no, .phase = 0, .flow_last = p->no};
    if (seg) {
        struct seg_meta m = {.ts = p->ts, .packet = p->no};
        if (seg->proto == CAPTURE_UDP)
            flow_datagram(c, seg, &m);
        else
            flow_segment(c, seg, &m);
    }
    c->order.phase = 1;
    flow_sweep(c);
}

void capture_packet(struct capture *c, const struct pkt *p)
{
    struct capture_seg seg;
    bool followed = capture_decode(c, p, &seg);
    capture_track(c, p, followed ? &seg : NULL);
}

const struct capture_order *capture_order(const struct capture *c)
{
    return &c->order;
}

void capture_flush(struct capture *c)
{
    c->order = (struct capture_order){.packet = UINT64_MAX, .phase = 1};
    flowtab_fini(c);
}

const struct capture_stats *capture_stats(const struct capture *c)
{
    return &c->st;
}

void capture_note_live(struct capture *c, const struct live_stats *ls)
{
    c->st.live = true;
    c->st.live_received = ls->received;
    c->st.live_dropped = ls->dropped;
    c->st.live_if_dropped = ls->if_dropped;
    c->st.live_packets = ls->packets;
    c->st.live_loopback = ls->loopback;
}

void capture_free(struct capture *c)
{
    if (!c)
        return;
    flowtab_fini(c);
    paths_fini(c);
    ipfrag_free(c->frag);
    free(c);
}

bool capture_tcp_peek(struct capture *c, const struct pkt *p, struct capture_seg *seg)
{
    return decode_packet(c, p, seg) == DEC_TCP;
}
