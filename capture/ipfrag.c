/* IP fragment reassembly (IPv4, and IPv6 fragment headers). Overlapping
 * fragments keep the bytes that arrived first. Memory is bounded: the
 * oldest incomplete datagrams are dropped when the budget is exceeded or
 * when they are older than FRAG_TIMEOUT. */
#include "capture/internal.h"

#include <stdlib.h>
#include <string.h>

enum { MAX_DATAGRAM = 65535 + 65535, MAX_PENDING = 1024 };

static const int64_t FRAG_TIMEOUT = 30LL * 1000000000;

struct pending {
    struct endpoint src, dst;
    uint8_t proto;
    uint32_t id;
    int64_t first_ts;
    uint8_t *buf, *seen; /* bytes and a one-bit-per-byte coverage map */
    size_t cap;          /* bytes of buf (seen holds cap bits) */
    size_t covered;      /* bytes filled so far */
    size_t total;        /* known once the last fragment arrived; else 0 */
};

/* Each datagram is allocated on its own, so evicting another one never
 * moves it: a pointer to the datagram being grown stays valid. */
struct ipfrag {
    struct pending **v;
    size_t n;
    size_t bytes, max_bytes; /* buf and seen of every pending datagram */
    uint8_t *done;           /* the datagram handed out by the previous call */
};

struct ipfrag *ipfrag_new(size_t max_bytes)
{
    struct ipfrag *f = calloc(1, sizeof(*f));
    if (!f)
        return NULL;
    f->v = calloc(MAX_PENDING, sizeof(*f->v));
    if (!f->v) {
        free(f);
        return NULL;
    }
    f->max_bytes = max_bytes;
    return f;
}

static size_t cost(size_t cap)
{
    return cap + (cap + 7) / 8;
}

static void drop(struct ipfrag *f, const struct pending *p)
{
    size_t i = 0;
    while (f->v[i] != p)
        i++;
    f->bytes -= cost(p->cap);
    free(p->buf);
    free(p->seen);
    free(f->v[i]);
    f->v[i] = f->v[--f->n];
}

void ipfrag_free(struct ipfrag *f)
{
    if (!f)
        return;
    while (f->n)
        drop(f, f->v[0]);
    free(f->v);
    free(f->done);
    free(f);
}

size_t ipfrag_held(const struct ipfrag *f)
{
    return f->bytes;
}

static bool same(const struct pending *p, const struct endpoint *src,
                 const struct endpoint *dst, uint8_t proto, uint32_t id)
{
    return p->id == id && p->proto == proto && p->src.family == src->family &&
           memcmp(p->src.addr, src->addr, 16) == 0 &&
           memcmp(p->dst.addr, dst->addr, 16) == 0;
}

static void expire(struct ipfrag *f, int64_t now, struct capture_stats *st)
{
    for (size_t i = 0; i < f->n;) {
        if (now - f->v[i]->first_ts > FRAG_TIMEOUT) {
            st->frags_dropped++;
            drop(f, f->v[i]); /* the last one moved into i: look at i again */
        } else {
            i++;
        }
    }
}

/* oldest - the datagram waiting longest, other than keep (NULL when there
 * is no other). */
static struct pending *oldest(const struct ipfrag *f, const struct pending *keep)
{
    struct pending *o = NULL;
    for (size_t i = 0; i < f->n; i++)
        if (f->v[i] != keep && (!o || f->v[i]->first_ts < o->first_ts))
            o = f->v[i];
    return o;
}

/* reserve - room for need bytes in p, evicting the oldest other datagrams
 * while the budget is exceeded. On failure p is unchanged. */
static bool reserve(struct ipfrag *f, struct pending *p, size_t need,
                    struct capture_stats *st)
{
    if (need <= p->cap)
        return true;
    size_t ncap = need < 2048 ? 2048 : need;
    if (ncap > MAX_DATAGRAM)
        ncap = MAX_DATAGRAM;
    size_t grow = cost(ncap) - cost(p->cap);
    struct pending *victim;
    while (f->bytes + grow > f->max_bytes && (victim = oldest(f, p))) {
        st->frags_dropped++;
        drop(f, victim);
    }
    if (f->bytes + grow > f->max_bytes)
        return false;
    uint8_t *nb = malloc(ncap), *ns = calloc((ncap + 7) / 8, 1);
    if (!nb || !ns) {
        free(nb);
        free(ns);
        return false;
    }
    if (p->cap) {
        memcpy(nb, p->buf, p->cap);
        memcpy(ns, p->seen, (p->cap + 7) / 8);
    }
    free(p->buf);
    free(p->seen);
    p->buf = nb;
    p->seen = ns;
    f->bytes += grow;
    p->cap = ncap;
    return true;
}

/* Bogus fragments beyond the end also count as covered, so check holes. */
static bool complete(const struct pending *p)
{
    if (p->total > p->cap)
        return false;
    for (size_t at = 0; at < p->total; at++)
        if (!(p->seen[at / 8] & (1u << (at % 8))))
            return false;
    return true;
}

bool ipfrag_feed(struct ipfrag *f, const struct endpoint *src,
                 const struct endpoint *dst, uint8_t proto, uint32_t id,
                 uint32_t offset, bool more, struct cur payload, int64_t now,
                 struct cur *whole, struct capture_stats *st)
{
    free(f->done);
    f->done = NULL;
    expire(f, now, st);
    size_t end = (size_t)offset + payload.left;
    if (end > MAX_DATAGRAM) {
        st->frags_dropped++;
        return false;
    }
    struct pending *p = NULL;
    for (size_t i = 0; i < f->n && !p; i++)
        if (same(f->v[i], src, dst, proto, id))
            p = f->v[i];
    if (!p) {
        if (f->n == MAX_PENDING) {
            st->frags_dropped++;
            drop(f, oldest(f, NULL));
        }
        p = calloc(1, sizeof(*p));
        if (!p) {
            st->frags_dropped++;
            return false;
        }
        *p = (struct pending){.src = *src, .dst = *dst, .proto = proto,
                              .id = id, .first_ts = now};
        f->v[f->n++] = p;
    }
    if (!more)
        p->total = end;
    if (!reserve(f, p, end, st)) {
        st->frags_dropped++;
        drop(f, p);
        return false;
    }
    uint8_t tmp[64];
    size_t at = offset;
    struct cur c = payload;
    while (c.left) {
        size_t n = c.left < sizeof(tmp) ? c.left : sizeof(tmp);
        if (!cur_copy(&c, tmp, n))
            break;
        for (size_t k = 0; k < n; k++, at++) {
            if (p->seen[at / 8] & (1u << (at % 8)))
                continue; /* the first copy wins */
            p->seen[at / 8] |= (uint8_t)(1u << (at % 8));
            p->buf[at] = tmp[k];
            p->covered++;
        }
    }
    if (!p->total || p->covered < p->total || !complete(p))
        return false;
    f->done = p->buf; /* handed out until the next call */
    *whole = cur_make(f->done, p->total);
    p->buf = NULL;
    drop(f, p);
    return true;
}
