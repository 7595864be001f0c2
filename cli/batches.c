#include "cli/batches.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "include/grow.h"
#include "include/heap.h"

/* A batch ends at whichever comes first; the same rule with one tracker
 * or many, so sessions are settled at the same packets either way. */
enum { BATCH_PACKETS = 4096, BATCH_BYTES = 4 << 20 };

/* does a batch of these packets and bytes end before a packet of len? */
static bool batch_ends(size_t packets, size_t bytes, size_t len)
{
    return packets && (packets == BATCH_PACKETS || bytes + len > BATCH_BYTES);
}
/* Sessions waiting for the output thread before the reader waits. */
enum { OUT_QUEUE = 1024 };

/* Packets handed from one reading thread, copied; every tracker decodes
 * each (the state a decoder keeps, IP fragments and QUIC connection IDs,
 * is then the same on each, as each sees every packet). */
struct batch {
    struct pkt *v;
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
    uint64_t next_id;
    uint64_t handed; /* read by the progress line on another thread */

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

    /* or each tracker reads the packets itself (batches_read) */
    void (*start)(void *reader);
    bool (*next)(void *reader, struct pkt *pk);
    void *const *readers;
    /* where they meet: the last to arrive runs fn while the others wait */
    size_t arrived, left;
    uint64_t meetings;
    void (*meet_fn)(void *arg);
    void *meet_arg;

    /* the output thread: rules and report, in order */
    pthread_t out;
    bool out_started;
    pthread_mutex_t qmu;
    pthread_cond_t q_nonempty, q_space, q_idle;
    struct out_item q[OUT_QUEUE];
    size_t qhead, qlen;
    struct out_item *pending; /* gathered while settling, by the thread that settles */
    size_t n_pending, cap_pending;
    bool out_busy, out_quit;
    size_t backlog; /* handed to the output thread, not yet handled (atomic) */
};

/* ---- the output side --------------------------------------------------------------- */

/* Hands items to the output thread, waiting while its queue is full. */
static void put_out(struct batches *b, const struct out_item *v, size_t n)
{
    __atomic_fetch_add(&b->backlog, n, __ATOMIC_RELAXED);
    pthread_mutex_lock(&b->qmu);
    for (size_t i = 0; i < n;) {
        while (b->qlen == OUT_QUEUE)
            pthread_cond_wait(&b->q_space, &b->qmu);
        for (; i < n && b->qlen < OUT_QUEUE; i++)
            b->q[(b->qhead + b->qlen++) % OUT_QUEUE] = v[i];
        pthread_cond_signal(&b->q_nonempty);
    }
    pthread_mutex_unlock(&b->qmu);
}

static void flush_pending(struct batches *b)
{
    put_out(b, b->pending, b->n_pending);
    b->n_pending = 0;
}

/* What a settling hands on goes to the output thread in one go: a lock
 * and a wake-up per session would have the two threads take turns. */
static void enqueue(struct batches *b, struct out_item it)
{
    struct out_item *v = grow_array(b->pending, b->n_pending, &b->cap_pending, sizeof(*v), 256);
    if (!v) { /* no memory to gather: what is gathered, then this one, in order */
        flush_pending(b);
        put_out(b, &it, 1);
        return;
    }
    b->pending = v;
    v[b->n_pending++] = it;
}

static void *output_main(void *arg)
{
    heap_thread_prepare();
    struct batches *b = arg;
    struct out_item taken[OUT_QUEUE];
    pthread_mutex_lock(&b->qmu);
    for (;;) {
        while (!b->qlen && !b->out_quit)
            pthread_cond_wait(&b->q_nonempty, &b->qmu);
        if (!b->qlen)
            break;
        size_t n = b->qlen;
        for (size_t i = 0; i < n; i++)
            taken[i] = b->q[(b->qhead + i) % OUT_QUEUE];
        b->qhead = (b->qhead + n) % OUT_QUEUE;
        b->qlen = 0;
        b->out_busy = true;
        pthread_cond_signal(&b->q_space);
        pthread_mutex_unlock(&b->qmu);
        for (size_t i = 0; i < n; i++) {
            struct out_item *it = &taken[i];
            if (it->s) {
                b->cfg.on_session(b->cfg.ctx, it->s);
            } else if (it->q) {
                b->cfg.on_quiet(b->cfg.ctx, it->q);
                free(it->q);
            } else {
                b->cfg.on_fetch(b->cfg.ctx, it->f);
                free(it->f);
            }
            __atomic_fetch_sub(&b->backlog, 1, __ATOMIC_RELAXED);
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
    __atomic_fetch_add(&b->handed, 1, __ATOMIC_RELAXED);
    if (b->threaded)
        enqueue(b, (struct out_item){.s = s});
    else
        b->cfg.on_session(b->cfg.ctx, s);
}

uint64_t batches_sessions(const struct batches *b)
{
    return __atomic_load_n(&b->handed, __ATOMIC_RELAXED);
}

size_t batches_backlog(const struct batches *b)
{
    return __atomic_load_n(&b->backlog, __ATOMIC_RELAXED);
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
static void hand_on_settled(struct batches *b, bool force)
{
    hand_fetches(b);
    dissect_pump_all(b->ds, b->n, force, &b->next_id);
    flush_pending(b);
}

/* The same, and the finished flows freed here, by the one thread running. */
static void settle(struct batches *b, bool force)
{
    heap_advise();
    hand_on_settled(b, force);
    for (size_t i = 0; i < b->n; i++)
        dissect_free_handed_on(b->ds[i]);
}

/* ---- the workers ---------------------------------------------------------------- */

/* Every tracker sees every packet, but decodes in full only those it may
 * follow: a TCP packet on a common link is placed from its headers alone,
 * and decoded and counted by its own tracker; any other packet (UDP,
 * fragments, tunnels, other links) by every tracker, since the decoder
 * keeps state for them, and counted by the first. */
static void track(struct worker *w, const struct pkt *pk)
{
    struct capture *c = w->t.capture;
    uint32_t n = (uint32_t)w->b->n, shard;
    struct capture_seg seg;
    bool mine;
    if (n > 1 && capture_tcp_shard(pk, n, &shard))
        mine = shard == w->index && capture_decode(c, pk, &seg);
    else if (w->index == 0)
        mine = capture_decode(c, pk, &seg) && capture_seg_shard(&seg, n) == 0;
    else
        mine = capture_decode_uncounted(c, pk, &seg) && capture_seg_shard(&seg, n) == w->index;
    capture_track(c, pk, mine ? &seg : NULL);
}

static void analyse(struct worker *w, const struct batch *bt)
{
    for (size_t i = 0; i < bt->n; i++)
        track(w, &bt->v[i]);
}

/* With b->mu held: everyone is here, or has left for good. */
static void meet_if_all(struct batches *b)
{
    if (!b->arrived || b->arrived + b->left < b->n)
        return;
    if (b->meet_fn)
        b->meet_fn(b->meet_arg);
    b->arrived = 0;
    b->meetings++;
    pthread_cond_broadcast(&b->go);
}

void batches_meet(struct batches *b, void (*fn)(void *arg), void *arg)
{
    pthread_mutex_lock(&b->mu);
    uint64_t meeting = b->meetings;
    b->arrived++;
    /* every arrival brings the same fn; the arg of whoever runs it is
     * alive, as its owner waits here */
    b->meet_fn = fn;
    b->meet_arg = arg;
    meet_if_all(b);
    while (b->meetings == meeting)
        pthread_cond_wait(&b->go, &b->mu);
    pthread_mutex_unlock(&b->mu);
}

/* At a meeting the others wait for whoever settles: each frees its own
 * finished flows after it (a third of the time settling took on dense). */
static void settle_batch(void *arg)
{
    hand_on_settled(arg, false);
}

/* A tracker reading the packets itself: every tracker reads the same
 * packets, so each ends its batches at the same ones and they meet there
 * to hand on what is settled. One whose reading ends early (a file that
 * grew between two readings) leaves, and the others meet without it. */
static void read_all(struct worker *w)
{
    struct batches *b = w->b;
    void *reader = b->readers[w->index];
    size_t count = 0, bytes = 0;
    struct pkt pk;
    b->start(reader);
    while (b->next(reader, &pk)) {
        size_t len = pk.data.left;
        if (batch_ends(count, bytes, len)) {
            batches_meet(b, settle_batch, b);
            dissect_free_handed_on(b->ds[w->index]);
            count = bytes = 0;
        }
        track(w, &pk);
        count++;
        bytes += len;
    }
    pthread_mutex_lock(&b->mu);
    b->left++;
    meet_if_all(b);
    pthread_mutex_unlock(&b->mu);
}

static void *worker_main(void *arg)
{
    heap_thread_prepare();
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
        if (bt)
            analyse(w, bt);
        else
            read_all(w);
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

/* Only when the packets are handed from one reader: trackers that read
 * the files themselves need no batches. */
static bool batch_alloc(struct batches *b)
{
    for (int i = 0; i < 2; i++) {
        struct batch *bt = &b->batch[i];
        if (!bt->v)
            bt->v = malloc(BATCH_PACKETS * sizeof(*bt->v));
        if (!bt->data && (bt->data = malloc(BATCH_BYTES)))
            bt->cap = BATCH_BYTES;
        if (!bt->v || !bt->data)
            return false;
    }
    return true;
}

void batches_packet(struct batches *b, const struct pkt *pk)
{
    size_t len = pk->data.left;
    if (!b->threaded) {
        if (batch_ends(b->counted_packets, b->counted_bytes, len)) {
            settle(b, false);
            b->counted_packets = b->counted_bytes = 0;
        }
        capture_packet(b->w[0].t.capture, pk);
        b->counted_packets++;
        b->counted_bytes += len;
        return;
    }
    struct batch *bt = &b->batch[b->filling];
    if (!bt->v && !batch_alloc(b))
        return; /* no memory: the packet is lost, as a capture would drop it */
    if (batch_ends(bt->n, bt->bytes, len)) {
        dispatch(b);
        bt = &b->batch[b->filling];
    }
    uint8_t *to = batch_room(bt, len);
    if (!to)
        return; /* no memory: the packet is lost, as a capture would drop it */
    if (len)
        memcpy(to, pk->data.p, len);
    bt->v[bt->n] = *pk;
    bt->v[bt->n].data.p = to;
    bt->n++;
    bt->bytes += len;
}

void batches_read(struct batches *b, void (*start)(void *reader), bool (*next)(void *reader, struct pkt *pk),
                  void *const *readers)
{
    batches_sync(b);
    pthread_mutex_lock(&b->mu);
    b->work = NULL;
    b->start = start;
    b->next = next;
    b->readers = readers;
    b->arrived = b->left = 0;
    b->busy = b->n;
    b->gen++;
    pthread_cond_broadcast(&b->go);
    while (b->busy)
        pthread_cond_wait(&b->done, &b->mu);
    b->readers = NULL;
    pthread_mutex_unlock(&b->mu);
    settle(b, false);
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
    b->threaded = cfg->threaded;
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
    free(b->pending);
    free(b->w);
    free(b->ds);
    free(b);
}
