#pragma once

#include <stddef.h>
#include <string.h>

#include "include/hmap.h"

#include "capture/capture.h"

/* A decoded TCP or UDP packet (or reassembled IP datagram). */
enum dec {
    DEC_TCP,
    DEC_UDP,
    DEC_NOT_IP,       /* ARP, LLDP, ... */
    DEC_OTHER,        /* IP but neither TCP nor UDP */
    DEC_FRAG_HELD,    /* an IP fragment was kept for reassembly */
    DEC_BAD,          /* malformed headers */
    DEC_UNSUPPORTED,  /* link type we do not decode */
};

/* ---- IP fragment reassembly (ipfrag.c) ---------------------------------- */

struct ipfrag;

struct ipfrag *ipfrag_new(size_t max_bytes);
void ipfrag_free(struct ipfrag *f);
/* ipfrag_held - bytes held for incomplete datagrams (counted against the
 * budget given to ipfrag_new). */
size_t ipfrag_held(const struct ipfrag *f);

/* ipfrag_feed - add one fragment. The key identifies the datagram (family,
 * addresses, protocol, id). offset and payload are the fragment's place and
 * bytes; more is the MF flag. When this fragment completes its datagram,
 * returns true with *whole set to the reassembled payload, valid until the
 * next call. Old incomplete datagrams are dropped after `timeout` ns. */
bool ipfrag_feed(struct ipfrag *f, const struct endpoint *src,
                 const struct endpoint *dst, uint8_t proto, uint32_t id,
                 uint32_t offset, bool more, struct cur payload, int64_t now,
                 struct cur *whole, struct capture_stats *st);

/* ---- TCP reassembly of one direction (reasm.c) -------------------------- */

struct seg;

struct half {
    bool seq_known, syn, fin_seen, fin_done, ignore;
    uint32_t next_seq; /* next stream byte to deliver */
    uint32_t fin_seq;
    uint64_t skip;     /* bytes the consumer does not want */
    uint64_t offset;   /* stream bytes delivered or skipped so far */
    struct seg *ooo;   /* out-of-order segments, sorted by seq */
    struct seg *ooo_last;
    size_t ooo_bytes;  /* what they hold, each with its own cost (reasm.c) */
    uint32_t ooo_segs;
    int64_t last_new_ts; /* when this direction last sent bytes not seen before */
    bool zero_window;    /* its last segment advertised a zero window */
};

struct flow;
struct capture;

/* reasm_segment - one TCP segment of direction dir of flow fl. */
void reasm_segment(struct capture *c, struct flow *fl, int dir,
                   const struct capture_seg *d, const struct seg_meta *m);
/* reasm_peer_ack - the other direction acknowledged up to ack: a hole that
 * lies before acknowledged data will never be filled. */
void reasm_peer_ack(struct capture *c, struct flow *fl, int dir, uint32_t ack,
                    const struct seg_meta *m);
/* reasm_flush - deliver everything buffered, reporting holes as gaps. */
void reasm_flush(struct capture *c, struct flow *fl, int dir,
                 const struct seg_meta *m);
void reasm_free(struct capture *c, struct half *h);

/* ---- flows (flow.c) ------------------------------------------------------ */

enum flow_state { FLOW_OPEN, FLOW_CLOSED };

struct flow {
    /* A closed flow lingers with these first members only (flow.c):
     * a capture of many short connections holds thousands of them. */
    struct endpoint a, b; /* a -> b is direction 0 */
    uint64_t hash;
    uint8_t proto; /* CAPTURE_TCP or CAPTURE_UDP */
    enum flow_state state;
    int64_t last_ts;
    uint64_t last_packet;
    struct flow *lru_prev, *lru_next;

    /* an open flow's */
    struct half half[2];
    void *user;
    /* The consumer hears of a flow at its first stream byte (or hole):
     * until then a SYN flood costs this entry and nothing more. */
    bool interested; /* the consumer follows it (or will be asked) */
    bool opened;     /* the consumer has been asked */
    bool a_sent_syn, b_sent_synack;
    uint8_t syn_held;          /* bit per direction: a SYN kept for the consumer */
    uint8_t syn_flags[2];
    struct seg_meta syn_meta[2];
    /* a FIN or RST before the first byte: a side that hung up before
     * speaking is what the peer's first bytes may answer */
    uint8_t fin_held;
    uint8_t fin_flags[2];
    struct seg_meta fin_meta[2];
    /* the client's ACK of the SYN-ACK: seen (and kept for the consumer
     * until it opens), and whether it was handed over */
    bool synack_seen, hs_ack_seen, hs_ack_told;
    int8_t closer; /* direction of the first FIN or RST, -1 before one */
    struct seg_meta hs_ack_meta;
    /* UDP: the endpoints standing for a and b now, when a QUIC connection
     * moved off its first path */
    bool off_home;
    struct endpoint path_a, path_b;
    int64_t first_ts;
    uint64_t first_packet;
};

/* what a closed flow keeps */
#define FLOW_LINGER_SIZE offsetof(struct flow, half)

/* Flows by last activity, least recent first: one list per transport, since
 * UDP flows go idle sooner (capture_limits.udp_idle_timeout). */
struct lru {
    struct flow *head, *tail;
};

struct flowtab {
    /* of struct flow *, by flow_hash: the flows open (a few hundred at a
     * time), looked up for nearly every packet, apart from the closed
     * ones that linger (tens of thousands on a capture of short
     * connections), looked up when the first misses */
    struct hmap map, closed;
    struct lru lru[2]; /* TCP, UDP; open and closed flows alike */
};

/* QUIC connection IDs and the paths they moved a connection to (paths.c). */
struct paths {
    struct hmap map; /* of struct pathent * */
    struct pathent *head, *tail;
    size_t paths;              /* of the entries: moved paths */
    uint32_t cids_of_len[21];  /* connection IDs known, by length */
};

struct capture {
    struct capture_limits lim;
    struct flow_handler h;
    struct capture_stats st;
    struct flowtab tab;
    struct ipfrag *frag;
    struct paths paths;
    size_t ooo_total;
    int64_t now;
    int64_t next_sweep;
    struct capture_order order;
    uint64_t last_packet; /* the number of the last packet tracked */
    bool pkt_cut; /* the packet being decoded was cut by the snaplen */
};

/* decode_packet - link layer down to TCP/UDP (decode.c). */
enum dec decode_packet(struct capture *c, const struct pkt *p,
                       struct capture_seg *out);

/* flow_segment - route a decoded TCP segment to its flow (flow.c). */
void flow_segment(struct capture *c, const struct capture_seg *d,
                  const struct seg_meta *m);
/* flow_datagram - route a UDP datagram to its flow; a datagram that looks
 * like neither DTLS nor QUIC starts none (flow.c). */
void flow_datagram(struct capture *c, const struct capture_seg *d,
                   const struct seg_meta *m);
/* flow_consumer - ask the consumer about the flow now if it has not been (consumer.c)
 * (replaying the SYNs it missed); whether it follows the flow. */
bool flow_consumer(struct capture *c, struct flow *fl);
/* flow_close - finish a flow and forget it. */
void flow_close(struct capture *c, struct flow *fl, enum flow_end why,
                const struct seg_meta *m);
void flow_sweep(struct capture *c);
void flowtab_fini(struct capture *c);
/* endpoint_eq - the same family, address and port: every packet asks it
 * of its flow, so it compares words, not bytes through memcmp. */
static inline bool endpoint_eq(const struct endpoint *x, const struct endpoint *y)
{
    uint64_t xa[2], ya[2];
    memcpy(xa, x->addr, sizeof(xa));
    memcpy(ya, y->addr, sizeof(ya));
    return x->family == y->family && x->port == y->port && xa[0] == ya[0] && xa[1] == ya[1];
}
/* pair_hash - a hash of two endpoints that does not depend on their
 * order (flow.c). */
uint64_t pair_hash(const struct endpoint *x, const struct endpoint *y, uint64_t seed);
/* capture_shard_key - an endpoint's part in the choice of its flow's -j
 * shard; capture_shard_of_keys - the shard of the flow between two
 * endpoints given their keys (flow.c). */
uint64_t capture_shard_key(const struct endpoint *e);
uint32_t capture_shard_of_keys(uint64_t a, uint64_t b, uint8_t proto, uint32_t count);
/* capture_seg_hash - set d->flow_hash from its endpoints (flow.c). */
void capture_seg_hash(struct capture_seg *d);

/* paths_route - learn the QUIC connection IDs a decoded UDP datagram
 * shows, and set its home_src/home_dst when it belongs to a connection
 * that began on another path (paths.c). */
void paths_route(struct capture *c, struct capture_seg *d);
void paths_fini(struct capture *c);
