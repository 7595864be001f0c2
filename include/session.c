#include "include/session.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_ANOMALIES = 64, MAX_EVENTS = SESSION_MESSAGES_KEPT, MAX_ALERTS = 64 };

struct session *session_new(uint64_t id)
{
    struct arena *a = arena_new();
    if (!a)
        return NULL;
    struct session *s = arena_alloc(a, sizeof(*s));
    if (!s) {
        arena_free(a);
        return NULL;
    }
    s->arena = a;
    s->id = id;
    s->ch.psk_selected = s->sh.psk_selected = -1;
    s->ch_retry.psk_selected = s->hrr.psk_selected = -1;
    return s;
}

void session_free(struct session *s)
{
    if (s)
        arena_free(s->arena);
}

void session_anomaly(struct session *s, uint8_t dir, const struct where *at,
                     const char *what, const char *fmt, ...)
{
    if (s->anomalies.n >= MAX_ANOMALIES) {
        s->anomalies.dropped++;
        return;
    }
    struct anomaly an = {.what = what, .dir = dir};
    if (at)
        an.at = *at;
    va_list ap;
    va_start(ap, fmt);
    an.detail = arena_vsprintf(s->arena, fmt, ap);
    va_end(ap);
    if (!ARENA_PUSH(s->arena, s->anomalies, an))
        s->anomalies.dropped++;
}

void session_event(struct session *s, uint8_t kind, uint8_t type, uint8_t dir,
                   uint32_t len, const struct where *at)
{
    if (s->events.n >= MAX_EVENTS) {
        s->events.dropped++;
        return;
    }
    struct event ev = {.kind = kind, .type = type, .dir = dir, .len = len};
    if (at)
        ev.at = *at;
    /* a handshake and its TCP make a dozen or two */
    enum { EVENTS_USUAL = 24 };
    if (!s->events.cap && !ARENA_RESERVE(s->arena, s->events, EVENTS_USUAL)) {
        s->events.dropped++;
        return;
    }
    if (!ARENA_PUSH(s->arena, s->events, ev))
        s->events.dropped++;
}

void session_alert(struct session *s, const struct alert *al)
{
    /* the first say why a handshake failed, the latest how the
     * connection ended; a stack that sends alerts without end (500,000
     * in a 4 MB capture) would otherwise make a session of 40 MB */
    if (s->alerts.n >= MAX_ALERTS) {
        s->alerts.v[s->alerts.n - 1] = *al;
        s->alerts.dropped++;
        return;
    }
    if (!ARENA_PUSH(s->arena, s->alerts, *al))
        s->alerts.dropped++;
}

bool hello_has_extension(const struct hello *h, uint16_t type)
{
    for (size_t i = 0; i < h->exts.n; i++)
        if (h->exts.v[i].type == type)
            return true;
    return false;
}

const struct alert *session_last_alert(const struct session *s)
{
    for (size_t i = s->alerts.n; i > 0; i--)
        if (!s->alerts.v[i - 1].encrypted)
            return &s->alerts.v[i - 1];
    return NULL;
}

int64_t session_handshake_ns(const struct session *s)
{
    if (!s->has_hs_end || s->hs_start.ts == 0)
        return -1;
    return s->hs_end.ts - s->hs_start.ts;
}

double session_handshake_ms(const struct session *s)
{
    if (!s->has_hs_end || s->hs_start.ts == 0)
        return -1.0;
    return (double)(s->hs_end.ts - s->hs_start.ts) / 1e6;
}

int64_t session_rtt_ns(const struct session *s, int64_t *syn_synack, int64_t *synack_ack)
{
    int64_t syn = 0, synack = 0, ack = 0;
    for (size_t i = 0; i < s->events.n; i++) {
        const struct event *e = &s->events.v[i];
        if (e->kind == EV_TCP_SYN && !e->type && !syn)
            syn = e->at.ts;
        else if (e->kind == EV_TCP_SYN && e->type && !synack)
            synack = e->at.ts;
        else if (e->kind == EV_TCP_ACK && !ack)
            ack = e->at.ts;
    }
    bool first = syn && synack && synack >= syn, second = synack && ack && ack >= synack;
    if (syn_synack)
        *syn_synack = first ? synack - syn : -1;
    if (synack_ack)
        *synack_ack = second ? ack - synack : -1;
    if (first && second)
        return ack - syn;
    return first ? synack - syn : -1;
}

static double ns_to_ms(int64_t ns)
{
    return ns < 0 ? -1.0 : (double)ns / 1e6;
}

double session_rtt_ms(const struct session *s, double *syn_synack, double *synack_ack)
{
    int64_t first, second, rtt = session_rtt_ns(s, &first, &second);
    if (syn_synack)
        *syn_synack = ns_to_ms(first);
    if (synack_ack)
        *synack_ack = ns_to_ms(second);
    return ns_to_ms(rtt);
}

const char *transport_protocol(enum transport t)
{
    return t == TR_QUIC ? "quic" : t == TR_DTLS ? "dtls" : "tls";
}

const char *transport_carrier(enum transport t)
{
    return t == TR_TCP ? "tcp" : "udp";
}

bool same_endpoint(const struct endpoint *a, const struct endpoint *b)
{
    return a->family == b->family && a->port == b->port && memcmp(a->addr, b->addr, sizeof(a->addr)) == 0;
}
