/* Telling the consumer (the dissector) about a flow: only once it has
 * something to say (data, a gap, a TCP note), with the SYNs and the
 * handshake's ACK held until then. Both the flow table and reassembly ask;
 * neither calls the other back for it. */
#include "capture/internal.h"

bool flow_consumer(struct capture *c, struct flow *fl)
{
    if (fl->opened)
        return fl->interested;
    fl->opened = true;
    struct flow_info fi = {
        .a = fl->a, .b = fl->b, .ts = fl->first_ts, .packet = fl->first_packet,
        .a_sent_syn = fl->a_sent_syn, .b_sent_synack = fl->b_sent_synack,
        .udp = fl->proto == CAPTURE_UDP,
    };
    fl->user = fl->interested ? c->h.open(c->h.ctx, &fi) : NULL;
    fl->interested = fl->user != NULL;
    for (int dir = 0; dir < 2 && fl->interested && c->h.flags; dir++)
        if (fl->syn_held & (1 << dir))
            c->h.flags(c->h.ctx, fl->user, dir, fl->syn_flags[dir], &fl->syn_meta[dir]);
    if (fl->interested && fl->hs_ack_seen && !fl->hs_ack_told && c->h.tcp_note) {
        fl->hs_ack_told = true;
        c->h.tcp_note(c->h.ctx, fl->user, 0, TCPN_HANDSHAKE_ACK, 0, &fl->hs_ack_meta);
    }
    for (int dir = 0; dir < 2 && fl->interested && c->h.flags; dir++)
        if (fl->fin_held & (1 << dir))
            c->h.flags(c->h.ctx, fl->user, dir, fl->fin_flags[dir], &fl->fin_meta[dir]);
    return fl->interested;
}
