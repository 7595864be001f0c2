/* A flow's state and its session, which every layer of the dissector
 * reads and writes: which side is the client, the session (made when TLS
 * is found), anomalies, and the end of each side's handshake. It calls
 * nothing in dissect/, so any layer may use it without turning back. */
#include "dissect/internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

/* The session joins the dissector's queue in the order connections
 * began; queue.c hands it on from there. */
static void enqueue(struct dissect *d, struct tflow *tf)
{
    if (d->order) {
        tf->created = *d->order;
        tf->created_seq = d->created++;
    }
    if (d->q_tail)
        d->q_tail->q_next = tf;
    else
        d->q_head = tf;
    d->q_tail = tf;
}

/* ---- roles ---------------------------------------------------------------- */

static int guess_client_fdir(const struct tflow *tf)
{
    if (tf->client_fdir >= 0)
        return tf->client_fdir;
    /* No SYN and no hello: the lower port is more likely the service. */
    return tf->fi.a.port < tf->fi.b.port ? 1 : 0;
}

int tflow_sdir(const struct tflow *tf, int fdir)
{
    return fdir == guess_client_fdir(tf) ? DIR_C2S : DIR_S2C;
}

static void swap_roles(struct session *s)
{
    struct endpoint e = s->client;
    s->client = s->server;
    s->server = e;
    for (int i = 0; i < REC_TYPE_SLOTS; i++) {
        uint32_t t = s->records[0][i];
        s->records[0][i] = s->records[1][i];
        s->records[1][i] = t;
    }
    uint64_t b = s->bytes[0];
    s->bytes[0] = s->bytes[1];
    s->bytes[1] = b;
    bool x = s->saw_appdata[0];
    s->saw_appdata[0] = s->saw_appdata[1];
    s->saw_appdata[1] = x;
    x = s->encrypted[0];
    s->encrypted[0] = s->encrypted[1];
    s->encrypted[1] = x;
    for (size_t i = 0; i < s->events.n; i++)
        s->events.v[i].dir ^= 1;
    for (size_t i = 0; i < s->alerts.n; i++)
        s->alerts.v[i].dir ^= 1;
    for (size_t i = 0; i < s->anomalies.n; i++)
        s->anomalies.v[i].dir ^= 1;
}

void tflow_set_client(struct tflow *tf, int fdir, bool is_client)
{
    int client = is_client ? fdir : 1 - fdir;
    int before = guess_client_fdir(tf);
    if (tf->roles_from_hello && tf->client_fdir != client) {
        /* Both ends sent the same kind of hello: keep the first verdict. */
        tflow_anomaly(tf, fdir, "role_conflict",
                      "both ends of the connection sent a %s",
                      is_client ? "ClientHello" : "ServerHello");
        return;
    }
    tf->client_fdir = client;
    tf->roles_from_hello = true;
    if (tf->s) {
        tf->s->roles_guessed = false;
        if (before != client)
            swap_roles(tf->s);
    }
}

/* ---- sessions ------------------------------------------------------------- */

struct session *tflow_session(struct tflow *tf, int fdir)
{
    (void)fdir;
    if (tf->s)
        return tf->s;
    struct dissect *d = tf->d;
    struct session *s = session_new(d->next_id);
    if (!s)
        return NULL;
    d->next_id++;
    d->st.tls_sessions++;
    int client = guess_client_fdir(tf);
    s->client = client == 0 ? tf->fi.a : tf->fi.b;
    s->server = client == 0 ? tf->fi.b : tf->fi.a;
    s->roles_guessed = tf->client_fdir < 0;
    s->ts_first = s->ts_last = tf->fi.ts;
    s->packet_first = s->packet_last = tf->fi.packet;
    s->mid_stream = !(tf->fi.a_sent_syn || tf->fi.b_sent_synack);
    if (tf->prelude_proto) {
        if (tf->prelude_is_tunnel) {
            s->tunnel = tf->prelude_proto;
            if (tf->tunnel_host[0]) {
                s->tunnel_host = arena_strdup(s->arena, tf->tunnel_host);
                s->tunnel_port = tf->tunnel_port;
            }
        }
        else
            s->starttls = tf->prelude_proto;
        d->st.starttls_sessions++;
    } else if (!s->mid_stream && (tf->dir[0].prelude_bytes || tf->dir[1].prelude_bytes)) {
        /* TLS after cleartext we could not name */
        s->starttls = "unknown";
        d->st.starttls_sessions++;
    }
    if (tf->has_syn)
        session_event(s, EV_TCP_SYN, 0, DIR_C2S, 0, &tf->syn);
    if (tf->has_synack)
        session_event(s, EV_TCP_SYN, 1, DIR_S2C, 0, &tf->synack);
    if (tf->has_hs_ack)
        session_event(s, EV_TCP_ACK, 0, DIR_C2S, 0, &tf->hs_ack);
    tf->s = s;
    if (tf->early_close_fdir >= 0)
        session_event(s, tf->early_close_rst ? EV_TCP_RST : EV_TCP_FIN, 0,
                      (uint8_t)tflow_sdir(tf, tf->early_close_fdir), 0, &tf->early_close);
    enqueue(d, tf);
    return s;
}

void tflow_anomaly(struct tflow *tf, int fdir, const char *what,
                   const char *fmt, ...)
{
    struct session *s = tf->s ? tf->s : tflow_session(tf, fdir);
    if (!s)
        return;
    char detail[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof(detail), fmt, ap);
    va_end(ap);
    tf->d->st.anomalies++;
    session_anomaly(s, (uint8_t)tflow_sdir(tf, fdir), &tf->at[fdir], what,
                    "%s", detail);
}

void hsctx_anomaly(const struct hsctx *h, const char *what, const char *fmt,
                   ...)
{
    char detail[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof(detail), fmt, ap);
    va_end(ap);
    tflow_anomaly(h->tf, h->fdir, what, "%s", detail);
}

void tflow_finished(struct tflow *tf, int fdir)
{
    struct session *s = tf->s;
    int sdir = tflow_sdir(tf, fdir);
    bool *done = sdir == DIR_C2S ? &s->client_finished : &s->server_finished;
    if (*done)
        return;
    *done = true;
    if (s->client_finished && s->server_finished && !s->has_hs_end) {
        s->hs_end = tf->at[fdir];
        s->has_hs_end = true;
        s->established = true;
    }
}

void dirstate_free(struct dirstate *ds)
{
    buf_free(&ds->hs);
    free(ds->rbuf);
    ds->rbuf = NULL;
    ds->rbuf_len = 0;
}
