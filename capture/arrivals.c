/* How often connections begin in a stretch of packets. A tracker of -j
 * reads every byte of a capture and follows its share of the connections,
 * so a second one pays only where following connections, not reading
 * bytes, is the work: where they begin often. */
#include "capture/internal.h"

#include <stdlib.h>

struct capture_arrivals {
    struct capture *decoder; /* follows nothing: decoding needs its fragments and QUIC paths */
    struct hmap udp_flows;   /* flow hashes of the UDP flows already counted */
    uint64_t bytes, connections, quic_connections;
};

struct capture_arrivals *capture_arrivals_new(void)
{
    struct capture_arrivals *a = calloc(1, sizeof(*a));
    struct capture_limits lim = capture_limits_default();
    struct flow_handler none = {0};
    if (a && !(a->decoder = capture_new(&lim, &none))) {
        free(a);
        return NULL;
    }
    return a;
}

/* the flow hash is the key: two flows sharing 64 bits of it are one
 * connection fewer in an estimate */
static bool same_flow_hash(uintptr_t value, const void *key, const void *ctx)
{
    (void)value, (void)key, (void)ctx;
    return true;
}

void capture_arrivals_packet(struct capture_arrivals *a, const struct pkt *p)
{
    a->bytes += p->data.left;
    uint64_t quic_before = a->decoder->st.quic_datagrams;
    struct capture_seg seg;
    if (!capture_decode(a->decoder, p, &seg))
        return;
    if (seg.proto == CAPTURE_TCP) {
        a->connections += (seg.flags & (TCPF_SYN | TCPF_ACK)) == TCPF_SYN;
        return;
    }
    /* a UDP flow begins with its first handshake-looking datagram; the
     * rest of a QUIC or DTLS handshake has the same look */
    if (!seg.udp_tls || hmap_get(&a->udp_flows, seg.flow_hash, same_flow_hash, NULL, NULL))
        return;
    if (!hmap_put(&a->udp_flows, seg.flow_hash, 1)) {
        /* no memory to remember the flow: its next datagram counts it
         * again, erring towards splitting the work */
    }
    a->connections++;
    a->quic_connections += a->decoder->st.quic_datagrams != quic_before;
}

static double per_mb(const struct capture_arrivals *a, uint64_t connections)
{
    return a->bytes ? (double)connections * 1e6 / (double)a->bytes : 0;
}

double capture_arrivals_per_mb(const struct capture_arrivals *a)
{
    return per_mb(a, a->connections);
}

double capture_arrivals_quic_per_mb(const struct capture_arrivals *a)
{
    return per_mb(a, a->quic_connections);
}

uint64_t capture_arrivals_bytes(const struct capture_arrivals *a) { return a->bytes; }

void capture_arrivals_free(struct capture_arrivals *a)
{
    if (!a)
        return;
    capture_free(a->decoder);
    hmap_free(&a->udp_flows);
    free(a);
}
