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

void capture_packet(struct capture *c, const struct pkt *p)
{
    c->st.packets++;
    c->st.bytes += p->wire_len;
    if (p->data.left < p->wire_len)
        c->st.truncated++;
    /* Capture time only moves forward, so a packet stamped in the past
     * cannot make flows look idle. */
    if (p->ts > c->now)
        c->now = p->ts;
    struct decoded d;
    if (decode_packet(c, p, &d) == DEC_TCP) {
        struct seg_meta m = {.ts = p->ts, .packet = p->no};
        flow_segment(c, &d, &m);
    }
    flow_sweep(c);
}

void capture_flush(struct capture *c)
{
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
}

void capture_free(struct capture *c)
{
    if (!c)
        return;
    flowtab_fini(c);
    ipfrag_free(c->frag);
    free(c);
}

bool capture_tcp_tuple(struct capture *c, const struct pkt *p, struct endpoint *src,
                       struct endpoint *dst)
{
    struct decoded d;
    if (decode_packet(c, p, &d) != DEC_TCP)
        return false;
    *src = d.src;
    *dst = d.dst;
    return true;
}
