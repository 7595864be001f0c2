/* Facts that need the whole connection: resumption, and the timeline put
 * into capture order. */
#include "dissect/internal.h"

#include <stdlib.h>
#include <string.h>

#include "dissect/fingerprint/fingerprint.h"

static bool all_zero(struct bytes b)
{
    for (size_t i = 0; i < b.len; i++)
        if (b.p[i])
            return false;
    return true;
}

/* TLS <= 1.2: the server echoed the client's session id (RFC 5246 7.4.1.3
 * allows that only when it resumes), or it went straight from ServerHello
 * to ChangeCipherSpec without a certificate or a client key exchange.
 * TLS 1.3: the server accepted one of the client's pre-shared keys. */
static bool resumed(const struct session *s)
{
    const struct hello *ch = &s->ch, *sh = &s->sh;
    if (!ch->present || !sh->present)
        return s->resumed;
    if (registry_version_is_tls13(s->version))
        return hello_has_extension(ch, 41) && sh->psk_selected >= 0;
    if (sh->sslv2)
        return s->resumed;
    if (ch->session_id.len && !all_zero(ch->session_id) &&
        ch->session_id.len == sh->session_id.len &&
        memcmp(ch->session_id.p, sh->session_id.p, ch->session_id.len) == 0)
        return true;
    uint32_t client_records = 0;
    for (int i = 0; i < REC_TYPE_SLOTS; i++)
        client_records += s->records[DIR_C2S][i];
    return client_records && !s->cke_seen && !s->server_certs.seen &&
           s->records[DIR_S2C][CT_CCS - CT_CCS] > 0;
}

/* Only one side's packets in the capture, while that side's messages
 * answer the other's: the client's key exchange, ChangeCipherSpec or data
 * follow a server flight the capture does not hold; a server's hello
 * answers a ClientHello it does not hold. */
static uint8_t one_way(const struct session *s)
{
    bool synack = false, syn = false;
    for (size_t i = 0; i < s->events.n; i++)
        if (s->events.v[i].kind == EV_TCP_SYN)
            *(s->events.v[i].type ? &synack : &syn) = true;
    uint32_t client_after_hello = s->records[DIR_C2S][REC_CCS] + s->records[DIR_C2S][REC_APPDATA] +
                                  s->quic.packets[DIR_C2S][QP_HANDSHAKE] + s->quic.packets[DIR_C2S][QP_SHORT];
    if (!s->bytes[DIR_S2C] && !synack && s->ch.present && (s->cke_seen || client_after_hello))
        return 1 + DIR_C2S;
    if (!s->bytes[DIR_C2S] && !syn && s->sh.present)
        return 1 + DIR_S2C;
    return 0;
}

/* Only the server's answer tells real ECH from GREASE: a HelloRetryRequest
 * carrying the ECH confirmation comes from a server that accepted it;
 * retry configurations in the (decrypted) EncryptedExtensions, or a
 * version below TLS 1.3, mean the outer hello was the one used. */
static enum ech_outcome ech_outcome(const struct session *s)
{
    if (s->ch.ech != ECH_OUTER)
        return EO_NONE;
    if (s->hrr.present && s->hrr.ech != ECH_NONE)
        return EO_ACCEPTED;
    if (s->ee.present && s->ee.ech != ECH_NONE)
        return EO_NOT_USED;
    if (s->sh.present && s->has_version && !registry_version_is_tls13(s->version))
        return EO_NOT_USED;
    return EO_UNKNOWN;
}

static int by_time(const void *x, const void *y)
{
    const struct event *a = x, *b = y;
    if (a->at.packet != b->at.packet)
        return a->at.packet < b->at.packet ? -1 : 1;
    return 0;
}

void finalize_session(struct dissect *d, struct session *s)
{
    s->resumed = resumed(s);
    /* Up to TLS 1.2 a server sends application data only after the
     * client's Finished verified: data both ways after the server's
     * Finished is a completed handshake, even when the client's Finished
     * was lost to the capture or to a record that did not parse. */
    if (!s->established && s->server_finished && !registry_version_is_tls13(s->version) &&
        s->records[DIR_S2C][REC_APPDATA] && s->records[DIR_C2S][REC_APPDATA])
        s->established = true;
    s->one_way = one_way(s);
    s->ech = ech_outcome(s);
    if (!d->cfg.skip_fingerprints || (d->fingerprint_now && d->fingerprint_now(d->fingerprint_ctx)))
        fingerprint_session(s);
    if (!d->cfg.skip_trust) {
        trust_check(d, s, &s->server_certs);
        trust_check(d, s, &s->client_certs);
    }
    /* Messages delivered late by reassembly keep their packet numbers;
     * a stable merge keeps same-packet events in parse order. */
    struct event *v = s->events.v;
    for (size_t i = 1; i < s->events.n; i++) {
        struct event e = v[i];
        size_t j = i;
        while (j > 0 && by_time(&v[j - 1], &e) > 0) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = e;
    }
}
