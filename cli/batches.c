#include "cli/batches.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* A batch ends at whichever comes first; the same rule with one tracker
 * or many, so sessions are settled at the same packets either way. */
enum { BATCH_PACKETS = 4096, BATCH_BYTES = 4 << 20 };
/* Sessions waiting for the output thread before the reader waits. */
enum { OUT_QUEUE = 1024 };

/* A packet, decoded; owner: the tracker its TCP segment goes to, or -1. */
struct entry {
    struct pkt pk;
    struct capture_seg seg;
    int32_t owner;
};

struct batch {
    struct entry *v;
    size_t n;
    size_t bytes; /* of the packets, for where the batch ends */
    uint8_t *data; /* the packets' bytes */
    size_t used, cap;
    uint8_t **extra; /* copies that did not fit in data */
    size_t n_extra, cap_extra;
};

static void batch_reset(struct batch *bt)
{
    for (size_t i = 0; i < bt->n_extra; i++)
        free(bt->extra[i]);
    bt->n_extra = 0;
    bt->n = bt->bytes = bt->used = 0;
}

/* room for n bytes that stay put until the batch is reset; NULL: no memory */
static uint8_t *batch_room(struct batch *bt, size_t n)
{
    if (bt->used + n <= bt->cap) {
        uint8_t *p = bt->data + bt->used;
        bt->used += n;
        return p;
    }
    if (bt->n_extra == bt->cap_extra) {
        size_t cap = bt->cap_extra ? bt->cap_extra * 2 : 8;
        uint8_t **v = realloc(bt->extra, cap * sizeof(*v));
        if (!v)
            return NULL;
        bt->extra = v;
        bt->cap_extra = cap;
    }
    uint8_t *p = malloc(n ? n : 1);
    if (p)
        bt->extra[bt->n_extra++] = p;
    return p;
}

/* A revocation fetch or a quiet connection: what a tracker reports
 * besides sessions, handed on in capture order. */
struct fetch_item {
    struct capture_order at;
    uint32_t tracker;
    uint64_t seq;
    bool quiet;
    struct revocation_fetch f;
    struct quiet_conn q;
};

struct worker {
    struct batches *b;
    uint32_t index;
    struct batch_tracker t;
    pthread_t thread;
    bool started;
    uint64_t seen_gen;
    struct fetch_item *fetches;
    size_t n_fetches, cap_fetches;
    uint64_t fetch_seq;
};

struct out_item {
    struct session *s;
    struct revocation_fetch *f;
    struct quiet_conn *q;
};

struct batches {
    struct batches_config cfg;
    struct worker *w;
    struct dissect **ds;
    size_t n;
    bool threaded;
    uint64_t next_id, handed;

    /* one tracker: packets are analysed as they come, batches only counted */
    size_t counted_packets, counted_bytes;

    /* several: the reader fills one batch while the workers analyse the other */
    struct batch batch[2];
    int filling;
    bool in_flight;
    pthread_mutex_t mu;
    pthread_cond_t go, done;
    uint64_t gen;
    size_t busy;
    const struct batch *work;
    bool quit;

    /* the output thread: rules and report, in order */
    pthread_t out;
    bool out_started;
    pthread_mutex_t qmu;
    pthread_cond_t q_nonempty, q_space, q_idle;
    struct out_item q[OUT_QUEUE];
    size_t qhead, qlen;
    bool out_busy, out_quit;
};

/* ---- the output side --------------------------------------------------------------- */

static void enqueue(struct batches *b, struct out_item it)
{
    pthread_mutex_lock(&b->qmu);
    while (b->qlen == OUT_QUEUE)
        pthread_cond_wait(&b->q_space, &b->qmu);
    b->q[(b->qhead + b->qlen) % OUT_QUEUE] = it;
    b->qlen++;
    pthread_cond_signal(&b->q_nonempty);
    pthread_mutex_unlock(&b->qmu);
}

static void *output_main(void *arg)
{
    struct batches *b = arg;
    pthread_mutex_lock(&b->qmu);
    for (;;) {
        while (!b->qlen && !b->out_quit)
            pthread_cond_wait(&b->q_nonempty, &b->qmu);
        if (!b->qlen)
            break;
        struct out_item it = b->q[b->qhead];
        b->qhead = (b->qhead + 1) % OUT_QUEUE;
        b->qlen--;
        b->out_busy = true;
        pthread_cond_signal(&b->q_space);
        pthread_mutex_unlock(&b->qmu);
        if (it.s) {
            b->cfg.on_session(b->cfg.ctx, it.s);
        } else if (it.q) {
            b->cfg.on_quiet(b->cfg.ctx, it.q);
            free(it.q);
        } else {
            b->cfg.on_fetch(b->cfg.ctx, it.f);
            free(it.f);
        }
        pthread_mutex_lock(&b->qmu);
        b->out_busy = false;
        if (!b->qlen)
            pthread_cond_broadcast(&b->q_idle);
    }
    pthread_mutex_unlock(&b->qmu);
    return NULL;
}

static void wait_output(struct batches *b)
{
    if (!b->threaded)
        return;
    pthread_mutex_lock(&b->qmu);
    while (b->qlen || b->out_busy)
        pthread_cond_wait(&b->q_idle, &b->qmu);
    pthread_mutex_unlock(&b->qmu);
}

void batches_sink(struct batches *b, struct session *s)
{
    b->handed++;
    if (b->threaded)
        enqueue(b, (struct out_item){.s = s});
    else
        b->cfg.on_session(b->cfg.ctx, s);
}

uint64_t batches_sessions(const struct batches *b)
{
    return b->handed;
}

/* ---- revocation fetches and quiet connections, in capture order ------------------- */

static struct fetch_item *next_item(struct worker *w)
{
    if (w->n_fetches == w->cap_fetches) {
        size_t cap = w->cap_fetches ? w->cap_fetches * 2 : 8;
        struct fetch_item *v = realloc(w->fetches, cap * sizeof(*v));
        if (!v)
            return NULL;
        w->fetches = v;
        w->cap_fetches = cap;
    }
    struct fetch_item *it = &w->fetches[w->n_fetches++];
    memset(it, 0, sizeof(*it));
    it->at = *capture_order(w->t.capture);
    it->tracker = w->index;
    it->seq = w->fetch_seq++;
    return it;
}

static void collect_fetch(void *ctx, const struct revocation_fetch *f)
{
    struct fetch_item *it = next_item(ctx);
    if (it)
        it->f = *f;
}

static void collect_quiet(void *ctx, const struct quiet_conn *q)
{
    struct fetch_item *it = next_item(ctx);
    if (it) {
        it->quiet = true;
        it->q = *q;
    }
}

static int fetch_cmp(const void *x, const void *y)
{
    const struct fetch_item *a = x, *b = y;
    if (a->at.packet != b->at.packet)
        return a->at.packet < b->at.packet ? -1 : 1;
    if (a->at.phase != b->at.phase)
        return a->at.phase < b->at.phase ? -1 : 1;
    if (a->at.flow_last != b->at.flow_last)
        return a->at.flow_last < b->at.flow_last ? -1 : 1;
    if (a->tracker != b->tracker)
        return a->tracker < b->tracker ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static void hand_fetches(struct batches *b)
{
    size_t total = 0;
    for (size_t i = 0; i < b->n; i++)
        total += b->w[i].n_fetches;
    if (!total)
        return;
    struct fetch_item *all = malloc(total * sizeof(*all));
    size_t k = 0;
    for (size_t i = 0; i < b->n; i++) {
        if (all && b->w[i].n_fetches)
            memcpy(all + k, b->w[i].fetches, b->w[i].n_fetches * sizeof(*all));
        k += b->w[i].n_fetches;
        b->w[i].n_fetches = 0;
    }
    if (!all)
        return;
    qsort(all, total, sizeof(*all), fetch_cmp);
    for (size_t i = 0; i < total; i++) {
        if (!b->threaded) {
            if (all[i].quiet)
                b->cfg.on_quiet(b->cfg.ctx, &all[i].q);
            else
                b->cfg.on_fetch(b->cfg.ctx, &all[i].f);
            continue;
        }
        if (all[i].quiet) {
            struct quiet_conn *copy = malloc(sizeof(*copy));
            if (copy) {
                *copy = all[i].q;
                enqueue(b, (struct out_item){.q = copy});
            }
            continue;
        }
        struct revocation_fetch *copy = malloc(sizeof(*copy));
        if (!copy)
            continue;
        *copy = all[i].f;
        enqueue(b, (struct out_item){.f = copy});
    }
    free(all);
}

/* With every tracker idle: hand on what is settled. */
static void settle(struct batches *b, bool force)
{
    hand_fetches(b);
    dissect_pump_all(b->ds, b->n, force, &b->next_id);
}

/* ---- the workers ---------------------------------------------------------------- */

static void analyse(struct worker *w, const struct batch *bt)
{
    int32_t me = (int32_t)w->index;
    for (size_t i = 0; i < bt->n; i++) {
        const struct entry *e = &bt->v[i];
        capture_track(w->t.capture, &e->pk, e->owner == me ? &e->seg : NULL);
    }
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct batches *b = w->b;
    pthread_mutex_lock(&b->mu);
    for (;;) {
        while (b->gen == w->seen_gen && !b->quit)
            pthread_cond_wait(&b->go, &b->mu);
        if (b->quit)
            break;
        w->seen_gen = b->gen;
        const struct batch *bt = b->work;
        pthread_mutex_unlock(&b->mu);
        analyse(w, bt);
        pthread_mutex_lock(&b->mu);
        if (--b->busy == 0)
            pthread_cond_signal(&b->done);
    }
    pthread_mutex_unlock(&b->mu);
    return NULL;
}

static void wait_workers(struct batches *b)
{
    if (!b->in_flight)
        return;
    pthread_mutex_lock(&b->mu);
    while (b->busy)
        pthread_cond_wait(&b->done, &b->mu);
    pthread_mutex_unlock(&b->mu);
    b->in_flight = false;
    settle(b, false);
}

static void dispatch(struct batches *b)
{
    struct batch *bt = &b->batch[b->filling];
    if (!bt->n)
        return;
    wait_workers(b);
    pthread_mutex_lock(&b->mu);
    b->work = bt;
    b->busy = b->n;
    b->gen++;
    pthread_cond_broadcast(&b->go);
    pthread_mutex_unlock(&b->mu);
    b->in_flight = true;
    b->filling ^= 1;
    batch_reset(&b->batch[b->filling]);
}

void batches_packet(struct batches *b, const struct pkt *pk)
{
    size_t len = pk->data.left;
    if (!b->threaded) {
        if (b->counted_packets &&
            (b->counted_packets == BATCH_PACKETS || b->counted_bytes + len > BATCH_BYTES)) {
            settle(b, false);
            b->counted_packets = b->counted_bytes = 0;
        }
        capture_packet(b->w[0].t.capture, pk);
        b->counted_packets++;
        b->counted_bytes += len;
        return;
    }
    struct batch *bt = &b->batch[b->filling];
    if (bt->n && (bt->n == BATCH_PACKETS || bt->bytes + len > BATCH_BYTES)) {
        dispatch(b);
        bt = &b->batch[b->filling];
    }
    struct entry *e = &bt->v[bt->n];
    bool tcp = capture_decode(b->cfg.decoder, pk, &e->seg);
    const uint8_t *from = pk->data.p;
    /* a segment rebuilt from IP fragments lies outside the packet */
    bool outside = tcp && e->seg.payload.left &&
                   (e->seg.payload.p < from || e->seg.payload.p + e->seg.payload.left > from + len);
    uint8_t *to = batch_room(bt, len);
    uint8_t *rebuilt = outside ? batch_room(bt, e->seg.payload.left) : NULL;
    if (!to || (outside && !rebuilt))
        return; /* no memory: the packet is lost, as a capture would drop it */
    if (len)
        memcpy(to, from, len);
    e->pk = *pk;
    e->pk.data.p = to;
    e->owner = tcp ? (int32_t)capture_seg_shard(&e->seg, (uint32_t)b->n) : -1;
    if (outside) {
        memcpy(rebuilt, e->seg.payload.p, e->seg.payload.left);
        e->seg.payload.p = rebuilt;
    } else if (tcp && e->seg.payload.left) {
        e->seg.payload.p = to + (e->seg.payload.p - from);
    }
    bt->n++;
    bt->bytes += len;
}

void batches_sync(struct batches *b)
{
    if (!b->threaded) {
        settle(b, false);
        b->counted_packets = b->counted_bytes = 0;
        return;
    }
    dispatch(b);
    wait_workers(b);
}

void batches_finish(struct batches *b)
{
    batches_sync(b);
    for (size_t i = 0; i < b->n; i++)
        capture_flush(b->w[i].t.capture);
    settle(b, true);
    wait_output(b);
}

/* ---- setting up ------------------------------------------------------------------ */

struct batches *batches_new(const struct batches_config *cfg)
{
    struct batches *b = calloc(1, sizeof(*b));
    if (!b)
        return NULL;
    b->cfg = *cfg;
    b->n = cfg->n;
    b->threaded = cfg->n > 1 && cfg->decoder;
    b->next_id = 1;
    b->w = calloc(b->n, sizeof(*b->w));
    b->ds = calloc(b->n, sizeof(*b->ds));
    pthread_mutex_init(&b->mu, NULL);
    pthread_cond_init(&b->go, NULL);
    pthread_cond_init(&b->done, NULL);
    pthread_mutex_init(&b->qmu, NULL);
    pthread_cond_init(&b->q_nonempty, NULL);
    pthread_cond_init(&b->q_space, NULL);
    pthread_cond_init(&b->q_idle, NULL);
    if (!b->w || !b->ds) {
        batches_free(b);
        return NULL;
    }
    for (size_t i = 0; i < b->n; i++) {
        struct worker *w = &b->w[i];
        w->b = b;
        w->index = (uint32_t)i;
        w->t = cfg->trackers[i];
        b->ds[i] = w->t.dissect;
        dissect_set_batched(w->t.dissect, capture_order(w->t.capture));
        dissect_on_fetch(w->t.dissect, collect_fetch, w);
        dissect_on_quiet(w->t.dissect, collect_quiet, w);
    }
    if (!b->threaded)
        return b;
    for (int i = 0; i < 2; i++) {
        b->batch[i].v = malloc(BATCH_PACKETS * sizeof(struct entry));
        b->batch[i].data = malloc(BATCH_BYTES);
        b->batch[i].cap = BATCH_BYTES;
        if (!b->batch[i].v || !b->batch[i].data) {
            batches_free(b);
            return NULL;
        }
    }
    for (size_t i = 0; i < b->n; i++) {
        if (pthread_create(&b->w[i].thread, NULL, worker_main, &b->w[i]) != 0) {
            batches_free(b);
            return NULL;
        }
        b->w[i].started = true;
    }
    if (pthread_create(&b->out, NULL, output_main, b) != 0) {
        batches_free(b);
        return NULL;
    }
    b->out_started = true;
    return b;
}

void batches_free(struct batches *b)
{
    if (!b)
        return;
    pthread_mutex_lock(&b->mu);
    b->quit = true;
    pthread_cond_broadcast(&b->go);
    pthread_mutex_unlock(&b->mu);
    for (size_t i = 0; b->w && i < b->n; i++) {
        if (b->w[i].started)
            pthread_join(b->w[i].thread, NULL);
        free(b->w[i].fetches);
    }
    if (b->out_started) {
        pthread_mutex_lock(&b->qmu);
        b->out_quit = true;
        pthread_cond_signal(&b->q_nonempty);
        pthread_mutex_unlock(&b->qmu);
        pthread_join(b->out, NULL);
    }
    for (int i = 0; i < 2; i++) {
        batch_reset(&b->batch[i]);
        free(b->batch[i].extra);
        free(b->batch[i].v);
        free(b->batch[i].data);
    }
    pthread_mutex_destroy(&b->mu);
    pthread_cond_destroy(&b->go);
    pthread_cond_destroy(&b->done);
    pthread_mutex_destroy(&b->qmu);
    pthread_cond_destroy(&b->q_nonempty);
    pthread_cond_destroy(&b->q_space);
    pthread_cond_destroy(&b->q_idle);
    free(b->w);
    free(b->ds);
    free(b);
}
