/* A QUIC connection outlives its address and port (RFC 9000 9): after a
 * NAT rebinding, or a client moving, the same connection arrives over a
 * new 4-tuple in short-header packets only, and nothing but the connection
 * ID says whose they are.
 *
 * The decoding capture learns each endpoint's connection ID from the
 * Source Connection ID of the long-header packets it sends, which RFC
 * 8999's invariants keep in the clear whatever the version. A short-header
 * datagram whose Destination Connection ID is one of them, arriving over
 * another path, is sent to the flow its connection began on; that path is
 * then remembered, so the datagrams that follow it either way (a client
 * with a zero-length ID has nothing else to be known by) go there too.
 *
 * A long header on such a path is another connection's: the path is
 * forgotten, and the datagram starts its own flow.
 *
 * This happens while decoding, before -j shards the packets, so every
 * path of a connection reaches the tracker that holds it. Entries go idle
 * with UDP flows and their number is bounded (capture_limits.max_cids):
 * the oldest makes room. IDs handed out later in NEW_CONNECTION_ID frames
 * travel in 1-RTT packets, which are not opened: a client that moves on a
 * fresh ID, as RFC 9000 9.5 asks of a deliberate move, is not followed. */
#include "capture/internal.h"

#include <stdlib.h>
#include <string.h>

enum pe_kind { PE_CID, PE_PATH };

struct pathent {
    uint64_t hash;
    uint8_t kind;
    uint8_t cid_len;
    uint8_t cid[20];
    /* PE_CID: the ID's owner (packets carrying it are sent to it) and its
     * peer, the connection's first path. PE_PATH: a new path as its first
     * datagram went, and where each end of it stands on the first path. */
    struct endpoint x, y;
    struct endpoint home_x, home_y;
    int64_t last_ts;
    struct pathent *prev, *next; /* least recently used first */
};

struct cid_key {
    const uint8_t *p;
    uint8_t len;
};

struct path_key {
    const struct endpoint *src, *dst;
};

static uint64_t cid_hash(const uint8_t *p, size_t n)
{
    return hmap_hash_bytes(p, n, 0x51c1d000 + n);
}

static bool same_cid(uintptr_t value, const void *key, const void *ctx)
{
    (void)ctx;
    const struct pathent *e = (const struct pathent *)value;
    const struct cid_key *k = key;
    return e->kind == PE_CID && e->cid_len == k->len && memcmp(e->cid, k->p, k->len) == 0;
}

static bool same_path(uintptr_t value, const void *key, const void *ctx)
{
    (void)ctx;
    const struct pathent *e = (const struct pathent *)value;
    const struct path_key *k = key;
    return e->kind == PE_PATH && ((endpoint_eq(&e->x, k->src) && endpoint_eq(&e->y, k->dst)) ||
                                  (endpoint_eq(&e->x, k->dst) && endpoint_eq(&e->y, k->src)));
}

static void unlink_entry(struct paths *t, struct pathent *e)
{
    if (e->prev)
        e->prev->next = e->next;
    else
        t->head = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        t->tail = e->prev;
    e->prev = e->next = NULL;
}

static void append(struct paths *t, struct pathent *e)
{
    e->prev = t->tail;
    e->next = NULL;
    if (t->tail)
        t->tail->next = e;
    else
        t->head = e;
    t->tail = e;
}

static void touch(struct paths *t, struct pathent *e, int64_t now)
{
    if (now > e->last_ts)
        e->last_ts = now;
    if (t->tail != e) {
        unlink_entry(t, e);
        append(t, e);
    }
}

static void forget(struct paths *t, struct pathent *e)
{
    hmap_remove(&t->map, e->hash, (uintptr_t)e);
    unlink_entry(t, e);
    if (e->kind == PE_CID)
        t->cids_of_len[e->cid_len]--;
    else
        t->paths--;
    free(e);
}

static struct pathent *add(struct capture *c, uint64_t hash)
{
    struct paths *t = &c->paths;
    if (t->map.n >= c->lim.max_cids && t->head) {
        forget(t, t->head);
        c->st.quic_cids_evicted++;
    }
    struct pathent *e = calloc(1, sizeof(*e));
    if (!e)
        return NULL;
    e->hash = hash;
    if (!hmap_put(&t->map, hash, (uintptr_t)e)) {
        free(e);
        return NULL;
    }
    append(t, e);
    return e;
}

/* Remember the sender's connection ID; home_src/home_dst are the sender
 * and receiver as the connection's first path knows them. */
static void learn(struct capture *c, struct cur dgram, const struct endpoint *home_src,
                  const struct endpoint *home_dst)
{
    uint8_t first, dcid_len, scid_len;
    uint32_t version;
    struct cur scid;
    if (!cur_u8(&dgram, &first) || !cur_u32(&dgram, &version) || !cur_u8(&dgram, &dcid_len) ||
        !cur_skip(&dgram, dcid_len) || !cur_u8(&dgram, &scid_len) || !cur_take(&dgram, scid_len, &scid))
        return;
    /* a Version Negotiation's SCID only echoes the client's DCID */
    if (version == 0 || scid_len == 0 || scid_len > 20)
        return;
    struct paths *t = &c->paths;
    struct cid_key k = {scid.p, scid_len};
    uint64_t h = cid_hash(scid.p, scid_len);
    struct pathent *e = (struct pathent *)hmap_get(&t->map, h, same_cid, &k, NULL);
    if (!e) {
        if (!(e = add(c, h)))
            return;
        e->kind = PE_CID;
        e->cid_len = scid_len;
        memcpy(e->cid, scid.p, scid_len);
        t->cids_of_len[scid_len]++;
    }
    e->x = *home_src;
    e->y = *home_dst;
    touch(t, e, c->now);
}

/* The connection ID a short header is sent to, if one is known: IDs of
 * every length in use are tried, shortest first. Only a path that keeps
 * one end of the connection's first path qualifies (the ID's owner
 * still receiving, or its peer still sending), so bytes of another
 * protocol that happen to match cannot take a stranger's datagram. */
static struct pathent *by_cid(struct paths *t, const struct capture_seg *d)
{
    for (uint8_t len = 1; len <= 20 && (size_t)len + 1 <= d->payload.left; len++) {
        if (!t->cids_of_len[len])
            continue;
        struct cid_key k = {d->payload.p + 1, len};
        struct pathent *e = (struct pathent *)hmap_get(&t->map, cid_hash(k.p, len), same_cid, &k, NULL);
        if (e && (endpoint_eq(&d->dst, &e->x) || endpoint_eq(&d->src, &e->y)))
            return e;
    }
    return NULL;
}

static void expire(struct capture *c)
{
    struct paths *t = &c->paths;
    int64_t idle = c->lim.udp_idle_timeout ? c->lim.udp_idle_timeout : c->lim.idle_timeout;
    while (t->head && c->now - t->head->last_ts > idle)
        forget(t, t->head);
}

void paths_route(struct capture *c, struct capture_seg *d)
{
    struct paths *t = &c->paths;
    d->moved = false;
    uint8_t first;
    if (!cur_peek(&d->payload, 0, &first))
        return;
    if (t->paths) {
        struct path_key k = {&d->src, &d->dst};
        struct pathent *e =
            (struct pathent *)hmap_get(&t->map, pair_hash(&d->src, &d->dst, 0x9a7b5), same_path, &k, NULL);
        /* a connection moves only once its handshake is over (RFC 9000 9):
         * a long header on the path begins another connection, which the
         * path is now */
        if (e && (first & 0x80)) {
            forget(t, e);
            e = NULL;
        }
        if (e) {
            bool same_way = endpoint_eq(&e->x, &d->src);
            d->home_src = same_way ? e->home_x : e->home_y;
            d->home_dst = same_way ? e->home_y : e->home_x;
            d->moved = true;
            touch(t, e, c->now);
        }
    }
    if (!d->moved && (first & 0xc0) == 0x40 && t->map.n > t->paths) {
        struct pathent *e = by_cid(t, d);
        if (e) {
            touch(t, e, c->now);
            bool home = (endpoint_eq(&d->src, &e->y) && endpoint_eq(&d->dst, &e->x));
            if (!home) {
                d->home_src = e->y;
                d->home_dst = e->x;
                d->moved = true;
                uint64_t h = pair_hash(&d->src, &d->dst, 0x9a7b5);
                struct pathent *p = add(c, h);
                if (p) {
                    p->kind = PE_PATH;
                    p->x = d->src;
                    p->y = d->dst;
                    p->home_x = e->y;
                    p->home_y = e->x;
                    p->last_ts = c->now;
                    t->paths++;
                    c->st.quic_paths++;
                }
            }
        }
    }
    if ((first & 0x80) && d->udp_tls)
        learn(c, d->payload, d->moved ? &d->home_src : &d->src, d->moved ? &d->home_dst : &d->dst);
    expire(c);
}

void paths_fini(struct capture *c)
{
    struct paths *t = &c->paths;
    while (t->head)
        forget(t, t->head);
    hmap_free(&t->map);
}
