/* The flow table: the project's hash map (include/hmap.h) over a symmetric
 * hash of the 4-tuple, so both directions find the same flow without a
 * second lookup; flows are allocated one by one and never move. Flows sit on an LRU list by last packet time, which makes idle
 * eviction and eviction-when-full O(1) per flow. A closed flow lingers a
 * while so late retransmissions do not look like a new connection. */
#include "capture/internal.h"

#include <stdlib.h>
#include <string.h>

static const int64_t CLOSED_LINGER = 30LL * 1000000000;
static const int64_t SWEEP_EVERY = 1LL * 1000000000;

struct capture_limits capture_limits_default(void)
{
    struct capture_limits l = {
        .max_flows = 262144, /* ~80 MB of flow state at most; oldest idle evicted beyond */
        .ooo_per_flow = 4u << 20,
        .ooo_total = 256u << 20,
        .idle_timeout = 300LL * 1000000000,
        /* QUIC's idle timeouts are mostly 30 s (Chrome, quic-go) to 60 s,
         * and nothing ends a UDP flow sooner: without this, every
         * connection of a capture's last five minutes stays in memory */
        .udp_idle_timeout = 60LL * 1000000000,
        /* ~130 bytes each: 8 MB at most, beside max_flows' 80 */
        .max_cids = 65536,
        .frag_bytes = 16u << 20,
    };
    return l;
}

/* murmur3's finalizer: a bijection, so distinct words stay distinct */
static uint64_t fmix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

static uint64_t ep_hash(const struct endpoint *e, uint64_t seed)
{
    uint64_t a, b;
    memcpy(&a, e->addr, 8);
    memcpy(&b, e->addr + 8, 8);
    uint64_t port = ((uint64_t)e->family << 16) | e->port;
    return fmix(a ^ seed) + fmix(b ^ (port << 32 | port));
}

/* Every packet a tracker follows is hashed: a sum of the two sides needs
 * no comparison to be symmetric, and the four mixes do not wait on one
 * another. */
uint64_t pair_hash(const struct endpoint *x, const struct endpoint *y, uint64_t seed)
{
    return ep_hash(x, seed) + ep_hash(y, seed);
}

/* never 0, which in a capture_seg means "not hashed yet" */
static uint64_t flow_hash(const struct endpoint *x, const struct endpoint *y, uint8_t proto)
{
    return pair_hash(x, y, proto == CAPTURE_UDP ? 0x87654321 : 0x12345678) | 1;
}

/* a moved QUIC datagram's flow is the one of the path it began on */
static uint64_t hash_of_seg(const struct capture_seg *d)
{
    return d->moved ? flow_hash(&d->home_src, &d->home_dst, d->proto) : flow_hash(&d->src, &d->dst, d->proto);
}

/* the hash capture_decode stored, or one made now for a segment built by
 * hand (a test, a fuzz harness) */
static uint64_t seg_flow_hash(const struct capture_seg *d)
{
    return d->flow_hash ? d->flow_hash : hash_of_seg(d);
}

void capture_seg_hash(struct capture_seg *d)
{
    d->flow_hash = hash_of_seg(d);
}

struct flow_key {
    const struct endpoint *src, *dst;
    uint8_t proto;
};

static bool same_flow(uintptr_t value, const void *key, const void *ctx)
{
    (void)ctx;
    const struct flow *fl = (const struct flow *)value;
    const struct flow_key *k = key;
    if (fl->proto != k->proto)
        return false;
    return (endpoint_eq(&fl->a, k->src) && endpoint_eq(&fl->b, k->dst)) ||
           (endpoint_eq(&fl->a, k->dst) && endpoint_eq(&fl->b, k->src));
}

/* A flow's key in the open flows' table, else among the lingering ones:
 * the open ones' table stays small enough to stay in cache, where one
 * table of both cost a cache miss for nearly every packet. */
static struct flow *lookup(struct flowtab *t, uint64_t hash, const struct flow_key *key)
{
    struct flow *fl = (struct flow *)hmap_get(&t->map, hash, same_flow, key, NULL);
    return fl ? fl : (struct flow *)hmap_get(&t->closed, hash, same_flow, key, NULL);
}

static size_t flows_held(const struct flowtab *t)
{
    return t->map.n + t->closed.n;
}

static struct lru *lru_of(struct flowtab *t, const struct flow *fl)
{
    return &t->lru[fl->proto == CAPTURE_UDP];
}

static void lru_unlink(struct lru *l, struct flow *fl)
{
    if (fl->lru_prev)
        fl->lru_prev->lru_next = fl->lru_next;
    else
        l->head = fl->lru_next;
    if (fl->lru_next)
        fl->lru_next->lru_prev = fl->lru_prev;
    else
        l->tail = fl->lru_prev;
    fl->lru_prev = fl->lru_next = NULL;
}

static void lru_append(struct lru *l, struct flow *fl)
{
    fl->lru_prev = l->tail;
    fl->lru_next = NULL;
    if (l->tail)
        l->tail->lru_next = fl;
    else
        l->head = fl;
    l->tail = fl;
}

/* The least recently active flow of either list. */
static struct flow *oldest(struct flowtab *t)
{
    struct flow *tcp = t->lru[0].head, *udp = t->lru[1].head;
    if (!tcp || !udp)
        return tcp ? tcp : udp;
    return udp->last_packet < tcp->last_packet ? udp : tcp;
}

static void touch(struct flowtab *t, struct flow *fl, int64_t ts, uint64_t packet)
{
    if (ts > fl->last_ts)
        fl->last_ts = ts;
    fl->last_packet = packet;
    struct lru *l = lru_of(t, fl);
    if (l->tail != fl) {
        lru_unlink(l, fl);
        lru_append(l, fl);
    }
}

static void destroy(struct capture *c, struct flow *fl)
{
    if (!hmap_remove(&c->tab.map, fl->hash, (uintptr_t)fl))
        hmap_remove(&c->tab.closed, fl->hash, (uintptr_t)fl);
    lru_unlink(lru_of(&c->tab, fl), fl);
    free(fl);
}

/* A closed flow stays a while, so that a late segment does not start a
 * connection; only its key, clock and place in the LRU are read from then
 * on. It moves into a block of that size, in the lingering flows' table,
 * and its full one goes back for the next connection to take. Without
 * memory for the move it stays as it is, where it is. */
static void linger(struct capture *c, struct flow *fl)
{
    struct flow *small = malloc(FLOW_LINGER_SIZE);
    if (!small)
        return;
    memcpy(small, fl, FLOW_LINGER_SIZE);
    if (!hmap_put(&c->tab.closed, fl->hash, (uintptr_t)small)) {
        free(small);
        return;
    }
    if (!hmap_remove(&c->tab.map, fl->hash, (uintptr_t)fl)) {
        /* not among the open flows: nothing may point at a copy */
        hmap_remove(&c->tab.closed, fl->hash, (uintptr_t)small);
        free(small);
        return;
    }
    struct lru *l = lru_of(&c->tab, fl);
    if (fl->lru_prev)
        fl->lru_prev->lru_next = small;
    else
        l->head = small;
    if (fl->lru_next)
        fl->lru_next->lru_prev = small;
    else
        l->tail = small;
    free(fl);
}

void flow_close(struct capture *c, struct flow *fl, enum flow_end why,
                const struct seg_meta *m)
{
    /* A connection made and ended without a byte never reached the
     * consumer; its shape still says something (a client that gave up
     * before its first message, a health check). */
    if (fl->state == FLOW_OPEN && !fl->opened && fl->hs_ack_seen && fl->a_sent_syn && c->h.quiet &&
        (why == FLOW_END_FIN || why == FLOW_END_RST) && fl->closer >= 0) {
        struct flow_info fi = {
            .a = fl->a, .b = fl->b, .ts = fl->first_ts, .packet = fl->first_packet,
            .a_sent_syn = fl->a_sent_syn, .b_sent_synack = fl->b_sent_synack,
        };
        c->h.quiet(c->h.ctx, &fi, why == FLOW_END_RST, fl->closer, m);
    }
    if (fl->state == FLOW_OPEN) {
        for (int dir = 0; dir < 2; dir++)
            reasm_flush(c, fl, dir, m);
        if (fl->opened && fl->interested && c->h.close)
            c->h.close(c->h.ctx, fl->user, why);
        fl->interested = false;
        fl->user = NULL;
        fl->state = FLOW_CLOSED;
        for (int dir = 0; dir < 2; dir++)
            reasm_free(c, &fl->half[dir]);
        if (why == FLOW_END_IDLE)
            c->st.flows_idle_evicted++;
        else if (why == FLOW_END_EVICTED)
            c->st.flows_full_evicted++;
    }
    if (why != FLOW_END_FIN && why != FLOW_END_RST)
        destroy(c, fl);
    else if (fl->state == FLOW_CLOSED)
        linger(c, fl);
}

static struct flow *create(struct capture *c, const struct capture_seg *d,
                           const struct seg_meta *m)
{
    struct flowtab *t = &c->tab;
    if (flows_held(t) >= c->lim.max_flows && oldest(t)) {
        struct seg_meta em = {.ts = c->now, .packet = m->packet};
        flow_close(c, oldest(t), FLOW_END_EVICTED, &em);
    }
    struct flow *fl = calloc(1, sizeof(*fl));
    if (!fl)
        return NULL;
    bool synack = (d->flags & (TCPF_SYN | TCPF_ACK)) == (TCPF_SYN | TCPF_ACK);
    fl->a = synack ? d->dst : d->src;
    fl->b = synack ? d->src : d->dst;
    fl->proto = d->proto;
    fl->hash = flow_hash(&fl->a, &fl->b, fl->proto);
    fl->last_ts = m->ts;
    fl->last_packet = m->packet;
    if (!hmap_put(&t->map, fl->hash, (uintptr_t)fl)) {
        free(fl);
        return NULL;
    }
    if (flows_held(t) > c->st.flows_peak)
        c->st.flows_peak = flows_held(t);
    lru_append(lru_of(t, fl), fl);
    c->st.flows++;
    c->st.udp_flows += d->proto == CAPTURE_UDP;

    fl->first_ts = m->ts;
    fl->first_packet = m->packet;
    fl->closer = -1;
    fl->a_sent_syn = (d->flags & TCPF_SYN) && !synack;
    fl->b_sent_synack = synack;
    fl->interested = c->h.open != NULL;
    return fl;
}

/* What a segment says of the network besides its bytes: the ACK that
 * completes the three-way handshake (SYN to it is the round trip, wherever
 * the capture point sits), and a receive window closing. */
static void watch(struct capture *c, struct flow *fl, int dir, const struct capture_seg *d,
                  const struct seg_meta *m)
{
    if (dir == 1 && (d->flags & (TCPF_SYN | TCPF_ACK)) == (TCPF_SYN | TCPF_ACK))
        fl->synack_seen = true;
    if (dir == 0 && (d->flags & (TCPF_SYN | TCPF_ACK | TCPF_RST)) == TCPF_ACK && !fl->hs_ack_seen &&
        fl->synack_seen) {
        fl->hs_ack_seen = true;
        fl->hs_ack_meta = *m;
        if (fl->opened && fl->interested && c->h.tcp_note) {
            fl->hs_ack_told = true;
            c->h.tcp_note(c->h.ctx, fl->user, 0, TCPN_HANDSHAKE_ACK, 0, m);
        }
    }
    struct half *h = &fl->half[dir];
    bool zero = d->window == 0 && (d->flags & (TCPF_SYN | TCPF_RST | TCPF_ACK)) == TCPF_ACK;
    if (zero && !h->zero_window && fl->interested && c->h.tcp_note && flow_consumer(c, fl))
        c->h.tcp_note(c->h.ctx, fl->user, dir, TCPN_ZERO_WINDOW, 0, m);
    h->zero_window = zero;
}

void flow_segment(struct capture *c, const struct capture_seg *d,
                  const struct seg_meta *m)
{
    struct flowtab *t = &c->tab;
    uint64_t hash = seg_flow_hash(d);
    struct flow_key key = {&d->src, &d->dst, CAPTURE_TCP};
    struct flow *fl = lookup(t, hash, &key);
    bool pure_syn = (d->flags & (TCPF_SYN | TCPF_ACK)) == TCPF_SYN;
    if (fl && pure_syn) {
        /* a lingering closed flow has no halves to look at */
        int dir = endpoint_eq(&fl->a, &d->src) ? 0 : 1;
        bool reused = fl->state == FLOW_CLOSED || dir == 1;
        if (!reused) {
            const struct half *h = &fl->half[dir];
            reused = h->seq_known && h->offset > 0 && h->next_seq != d->seq + 1;
        }
        if (reused) {
            flow_close(c, fl, FLOW_END_REUSED, m);
            fl = NULL;
        }
    }
    if (!fl) {
        if (d->flags & TCPF_RST)
            return; /* a stray reset opens nothing */
        fl = create(c, d, m);
        if (!fl)
            return;
    }
    touch(t, fl, m->ts, m->packet);
    if (fl->state == FLOW_CLOSED)
        return;
    int dir = endpoint_eq(&fl->a, &d->src) ? 0 : 1;
    if (fl->interested && c->h.flags && (d->flags & (TCPF_SYN | TCPF_FIN | TCPF_RST))) {
        if (fl->opened) {
            c->h.flags(c->h.ctx, fl->user, dir, d->flags, m);
        } else if ((d->flags & TCPF_SYN) && !(fl->syn_held & (1 << dir))) {
            /* kept for the consumer */
            fl->syn_held |= (uint8_t)(1 << dir);
            fl->syn_flags[dir] = d->flags;
            fl->syn_meta[dir] = *m;
        } else if ((d->flags & (TCPF_FIN | TCPF_RST)) && !(fl->fin_held & (1 << dir))) {
            fl->fin_held |= (uint8_t)(1 << dir);
            fl->fin_flags[dir] = d->flags;
            fl->fin_meta[dir] = *m;
        }
    }
    if ((d->flags & (TCPF_FIN | TCPF_RST)) && fl->closer < 0)
        fl->closer = (int8_t)dir;
    watch(c, fl, dir, d, m);
    reasm_segment(c, fl, dir, d, m);
    if (d->flags & TCPF_ACK)
        reasm_peer_ack(c, fl, 1 - dir, d->ack, m);
    if (d->flags & TCPF_RST)
        flow_close(c, fl, FLOW_END_RST, m);
    else if (fl->half[0].fin_done && fl->half[1].fin_done)
        flow_close(c, fl, FLOW_END_FIN, m);
}

/* Tell the consumer which path the flow's datagrams take now, when it
 * changed: a moved QUIC connection, or one back on its first path. */
static void follow_path(struct capture *c, struct flow *fl, int dir, const struct capture_seg *d,
                        const struct seg_meta *m)
{
    if (!d->moved && !fl->off_home)
        return;
    const struct endpoint *a = dir == 0 ? &d->src : &d->dst, *b = dir == 0 ? &d->dst : &d->src;
    if (d->moved && fl->off_home && endpoint_eq(a, &fl->path_a) && endpoint_eq(b, &fl->path_b))
        return;
    fl->off_home = d->moved;
    fl->path_a = *a;
    fl->path_b = *b;
    if (c->h.path)
        c->h.path(c->h.ctx, fl->user, a, b, m);
}

/* A UDP flow is what one pair of ports exchanges until it goes idle:
 * DTLS and QUIC have no connection setup the capture layer could see.
 * A QUIC connection that moved to other ports stays the flow it began as
 * (paths.c found it), and a new connection on the same ports ends it. */
void flow_datagram(struct capture *c, const struct capture_seg *d,
                   const struct seg_meta *m)
{
    struct flowtab *t = &c->tab;
    const struct endpoint *src = d->moved ? &d->home_src : &d->src, *dst = d->moved ? &d->home_dst : &d->dst;
    uint64_t hash = seg_flow_hash(d);
    struct flow_key key = {src, dst, CAPTURE_UDP};
    struct flow *fl = lookup(t, hash, &key);
    for (int restarts = 0; restarts < 2; restarts++) {
        if (!fl) {
            if (!d->udp_tls || d->moved)
                return;
            fl = create(c, d, m);
            if (!fl)
                return;
        }
        touch(t, fl, m->ts, m->packet);
        if (fl->state == FLOW_CLOSED || !fl->interested || !c->h.datagram || !flow_consumer(c, fl))
            return;
        int dir = endpoint_eq(&fl->a, src) ? 0 : 1;
        follow_path(c, fl, dir, d, m);
        enum flow_verdict v = c->h.datagram(c->h.ctx, fl->user, dir, d->payload, d->payload_wire_len, m);
        if (v == FLOW_KEEP)
            return;
        flow_close(c, fl, v == FLOW_NOTHING ? FLOW_END_NOTHING : FLOW_END_REUSED, m);
        if (v == FLOW_NOTHING || d->moved)
            return;
        fl = NULL;
    }
}

uint64_t capture_shard_key(const struct endpoint *e)
{
    uint64_t a, b;
    memcpy(&a, e->addr, 8);
    memcpy(&b, e->addr + 8, 8);
    return a ^ b ^ ((uint64_t)e->family << 16 | e->port);
}

/* A shard is chosen for every packet by every tracker, most often from
 * the headers alone (capture_tcp_shard): a sum of the two sides (the
 * same both ways) times one odd constant, whose top bits, scaled to
 * [0, count), depend on every bit of it. No division per packet, and
 * cheaper than the flow table's hash. */
uint32_t capture_shard_of_keys(uint64_t a, uint64_t b, uint8_t proto, uint32_t count)
{
    uint64_t h = (a + b + proto) * 0x9e3779b97f4a7c15ull;
    return (uint32_t)(((h >> 32) * count) >> 32);
}

/* a moved QUIC datagram goes with the path it began on */
uint32_t capture_seg_shard(const struct capture_seg *seg, uint32_t count)
{
    const struct endpoint *src = seg->moved ? &seg->home_src : &seg->src;
    const struct endpoint *dst = seg->moved ? &seg->home_dst : &seg->dst;
    return capture_shard_of_keys(capture_shard_key(src), capture_shard_key(dst), seg->proto, count);
}

void flow_sweep(struct capture *c)
{
    if (c->now < c->next_sweep)
        return;
    c->next_sweep = c->now + SWEEP_EVERY;
    struct flowtab *t = &c->tab;
    int64_t udp_idle = c->lim.udp_idle_timeout && c->lim.udp_idle_timeout < c->lim.idle_timeout
                           ? c->lim.udp_idle_timeout : c->lim.idle_timeout;
    for (int k = 0; k < 2; k++) {
        while (t->lru[k].head) {
            struct flow *fl = t->lru[k].head;
            int64_t idle = c->now - fl->last_ts;
            int64_t limit = fl->state == FLOW_CLOSED ? CLOSED_LINGER : k ? udp_idle : c->lim.idle_timeout;
            if (idle <= limit || idle <= CLOSED_LINGER)
                break;
            struct seg_meta m = {.ts = c->now, .packet = c->last_packet};
            c->order.flow_last = fl->last_packet;
            flow_close(c, fl, FLOW_END_IDLE, &m);
        }
    }
}

void flowtab_fini(struct capture *c)
{
    struct flowtab *t = &c->tab;
    struct seg_meta m = {.ts = c->now, .packet = c->last_packet};
    for (struct flow *fl; (fl = oldest(t));) {
        c->order.flow_last = fl->last_packet;
        flow_close(c, fl, FLOW_END_EOF, &m);
    }
    hmap_free(&t->map);
    hmap_free(&t->closed);
}
