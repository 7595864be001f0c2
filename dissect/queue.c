/* The queue that hands sessions on: in the order their connections began
 * (their ids), each once it is finished, or early when too many finished
 * ones wait behind an open one; with -j, merged over every tracker's
 * queue (dissect_pump_all); live, as soon as a session has said what it
 * will say (dissect_tick). */
#include "dissect/internal.h"

#include <stdlib.h>

void tflow_free(struct tflow *tf)
{
    for (int i = 0; i < 2; i++)
        dirstate_free(&tf->dir[i]);
    free(tf->fetch);
    decrypt_free(tf->dec);
    quic_free(tf->quic);
    dtls_free(tf->dtls);
    free(tf);
}

/* The flow is over: what the flow knew goes into the session, then the
 * negotiated facts are derived from the session alone. */
static void finish(struct tflow *tf)
{
    struct session *s = tf->s;
    if (!s)
        return;
    for (int fdir = 0; fdir < 2; fdir++)
        s->tcp[tflow_sdir(tf, fdir)] = tf->tcp[fdir];
    decrypt_finish(tf);
    finalize_session(tf->d, s);
}

static void hand_on(struct dissect *d, struct tflow *tf)
{
    if (tf->emitted)
        return;
    if (!tf->finalized)
        finish(tf);
    tf->emitted = true;
    struct session *s = tf->s;
    tf->s = NULL;
    d->sink(d->sink_ctx, s);
}

static void emit(struct dissect *d, struct tflow *tf)
{
    hand_on(d, tf);
    /* An open flow reported early is not followed further. */
    for (int i = 0; i < 2; i++) {
        dirstate_free(&tf->dir[i]);
        tf->dir[i].mode = DM_IGNORE;
    }
    decrypt_free(tf->dec);
    tf->dec = NULL;
}

/* Emit finished sessions in id order; when too many finished sessions wait
 * behind an open one, report that one early to keep memory bounded. */
void queue_pump(struct dissect *d, bool force)
{
    while (d->q_head) {
        struct tflow *tf = d->q_head;
        if (!tf->closed && !force && d->q_done <= d->cfg.reorder_window)
            break;
        d->q_head = tf->q_next;
        if (!d->q_head)
            d->q_tail = NULL;
        emit(d, tf);
        if (tf->closed) {
            d->q_done--;
            tflow_free(tf);
        }
    }
}

void queue_closed(struct dissect *d, struct tflow *tf)
{
    if (tf->emitted || !tf->s) { /* reported early, or never a session */
        tflow_free(tf);
        return;
    }
    d->q_done++;
    if (d->order) {
        /* the expensive part now, on this tracker's thread; the order is
         * settled later over all trackers */
        finish(tf);
        tf->finalized = true;
        return;
    }
    queue_pump(d, false);
}

static int order_cmp(const struct tflow *x, const struct tflow *y)
{
    const struct capture_order *a = &x->created, *b = &y->created;
    if (a->packet != b->packet)
        return a->packet < b->packet ? -1 : 1;
    if (a->phase != b->phase)
        return a->phase < b->phase ? -1 : 1;
    if (a->flow_last != b->flow_last)
        return a->flow_last < b->flow_last ? -1 : 1;
    if (x->created_seq != y->created_seq)
        return x->created_seq < y->created_seq ? -1 : 1;
    return 0;
}

void dissect_pump_all(struct dissect **ds, size_t n, bool force, uint64_t *next_id)
{
    size_t done = 0;
    for (size_t i = 0; i < n; i++)
        done += ds[i]->q_done;
    for (;;) {
        struct dissect *d = NULL;
        for (size_t i = 0; i < n; i++)
            if (ds[i]->q_head && (!d || order_cmp(ds[i]->q_head, d->q_head) < 0))
                d = ds[i];
        if (!d)
            return;
        struct tflow *tf = d->q_head;
        if (!tf->closed && !force && done <= d->cfg.reorder_window)
            return;
        d->q_head = tf->q_next;
        if (!d->q_head)
            d->q_tail = NULL;
        if (tf->s)
            tf->s->id = (*next_id)++;
        if (tf->closed) {
            hand_on(d, tf);
            d->q_done--;
            done--;
            tf->q_next = d->handed_on;
            d->handed_on = tf;
        } else {
            emit(d, tf);
        }
    }
}

void dissect_free_handed_on(struct dissect *d)
{
    while (d->handed_on) {
        struct tflow *tf = d->handed_on;
        d->handed_on = tf->q_next;
        tflow_free(tf);
    }
}

/* Live capture: has this session said what it will say? */
static bool live_ready(const struct tflow *tf, int64_t now, int64_t settle, int64_t stall)
{
    const struct session *s = tf->s;
    if (!s)
        return false;
    bool ended = s->established || s->mq.client || s->mq.server;
    for (size_t i = 0; i < s->alerts.n && !ended; i++)
        ended = s->alerts.v[i].encrypted || s->alerts.v[i].level == 2;
    int64_t since = s->has_hs_end ? s->hs_end.ts : s->ts_last;
    return (ended && now - since >= settle) || now - s->ts_last >= stall;
}

void dissect_tick(struct dissect *d, int64_t now, int64_t settle, int64_t stall)
{
    struct tflow **link = &d->q_head, *prev = NULL;
    while (*link) {
        struct tflow *tf = *link;
        if (!tf->closed && !live_ready(tf, now, settle, stall)) {
            prev = tf;
            link = &tf->q_next;
            continue;
        }
        *link = tf->q_next;
        if (d->q_tail == tf)
            d->q_tail = prev;
        emit(d, tf);
        if (tf->closed) {
            d->q_done--;
            tflow_free(tf);
        }
    }
}

void queue_free(struct dissect *d)
{
    dissect_free_handed_on(d);
    while (d->q_head) {
        struct tflow *tf = d->q_head;
        d->q_head = tf->q_next;
        session_free(tf->s);
        tf->s = NULL;
        if (tf->closed)
            tflow_free(tf);
        else
            tf->emitted = true; /* freed by its close callback */
    }
}
