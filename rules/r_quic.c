/* QUIC's own ways of failing (RFC 9000): a server that never answers the
 * client's Initial packets, versions that do not meet, Retry packets that
 * do not end, and a connection closed with a transport error. Errors in
 * the TLS handshake itself arrive as alerts (CONNECTION_CLOSE with a
 * crypto error) and are the alert rules' business. */
#include "rules/internal.h"

#include <stdio.h>

#include "dissect/quic/quic.h"

static uint32_t packets_of(const struct session *s, int dir)
{
    uint32_t n = 0;
    for (int k = 0; k < QP_KINDS; k++)
        n += s->quic.packets[dir][k];
    return n;
}

static bool quic_no_answer(const struct session *s, const struct rule_env *env, struct finding_out *out)
{
    (void)env;
    const struct quic_info *q = &s->quic;
    uint32_t initials = q->packets[DIR_C2S][QP_INITIAL];
    /* Initial packets beyond the ones that carried the ClientHello: the
     * client sent again, which it does only after a probe timeout without
     * an answer (one Initial alone may be a capture that ended) */
    if (s->transport != TR_QUIC || s->established || !s->ch.present || packets_of(s, DIR_S2C) ||
        initials + q->packets[DIR_C2S][QP_0RTT] != packets_of(s, DIR_C2S) || initials <= q->client_hello_packets)
        return false;
    double ms = (double)(s->ts_last - s->ch.at.ts) / 1e6;
    finding_note(out, "the client sent %u Initial packet%s over %.0f ms (its ClientHello in %u, then again) and "
                      "nothing came back",
                 initials, initials == 1 ? "" : "s", ms, q->client_hello_packets);
    finding_note(out, "a client sends its Initial again only after waiting a probe timeout for an answer: the "
                      "server's packets did not reach the capture point, nor, most likely, the client");
    finding_note(out, "browsers fall back to TLS over TCP when UDP is blocked; other clients fail");
    out->explains = true;
    return true;
}

const struct rule rule_quic_no_answer = {
    .info = {.id = "quic-no-answer", .severity = SEV_MEDIUM, .title = "QUIC server never answered",
             .rationale = "UDP to port 443 is often dropped by firewalls and middleboxes; a QUIC client then repeats its Initial packets until it gives up or falls back to TCP, which costs seconds."},
    .fix = "Allow UDP to the server's port through the firewalls on the path (and back), or check that the server listens for QUIC there (ss -ulpn).",
    .mq = NULL,
    .check = quic_no_answer,
};

static bool quic_version_negotiation(const struct session *s, const struct rule_env *env, struct finding_out *out)
{
    (void)env;
    const struct quic_info *q = &s->quic;
    uint32_t vn = q->packets[DIR_S2C][QP_VERSION_NEG];
    if (s->transport != TR_QUIC || !vn)
        return false;
    char first[32], list[200] = "", name[32];
    size_t n = 0;
    for (size_t i = 0; i < q->offered.n && n < sizeof(list); i++)
        n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s", i ? ", " : "", quic_version_name(q->offered.v[i], name));
    quic_version_name(q->first_version, first);
    bool greased = (q->first_version & 0x0f0f0f0f) == 0x0a0a0a0a;
    if (!q->initials_after_vn) {
        finding_note(out, "the client tried %s; the server's Version Negotiation offered %s; the client never came "
                          "back with one of them",
                     first, list[0] ? list : "nothing");
        out->severity = SEV_HIGH;
        out->explains = true;
        return true;
    }
    if (vn > 1) {
        finding_note(out, "the server sent Version Negotiation %u times to one connection (offering %s): the client "
                          "kept starting in a version the server does not speak",
                     vn, list);
        out->severity = SEV_MEDIUM;
        return true;
    }
    if (greased)
        return false; /* a reserved version first: the client exercised negotiation on purpose */
    finding_note(out, "the client started in %s, which the server does not speak (it offered %s): one round trip "
                      "lost before the handshake began, in %s",
                 first, list, quic_version_name(q->version, name));
    return true;
}

const struct rule rule_quic_version_negotiation = {
    .info = {.id = "quic-version-negotiation", .severity = SEV_LOW, .title = "QUIC versions did not meet at once",
             .rationale = "A client that starts in a version the server lacks gets Version Negotiation and loses a round trip, or, with no version in common, the connection."},
    .fix = "Enable a common QUIC version on both sides (version 1 is the one everyone speaks); for a client, start in the version the server advertises (Alt-Svc, HTTPS DNS records).",
    .mq = NULL,
    .check = quic_version_negotiation,
};

static bool quic_retry(const struct session *s, const struct rule_env *env, struct finding_out *out)
{
    (void)env;
    const struct quic_info *q = &s->quic;
    if (s->transport != TR_QUIC || !q->retries)
        return false;
    bool unanswered = !q->initials_after_retry && !s->established;
    if (q->retry_tag == RETRY_TAG_INVALID) {
        finding_note(out, "the %s Retry's integrity tag does not verify (RFC 9001 5.8), so a client must throw it "
                          "away: it was damaged, or made by something on the path that is not the server%s",
                     q->retries > 1 ? "last" : "server's", unanswered ? "; the client never answered it" : "");
        out->severity = unanswered ? SEV_MEDIUM : SEV_LOW;
        out->explains = unanswered;
        return true;
    }
    if (q->retries > 1) {
        finding_note(out, "the server sent %u Retry packets to one connection; a client accepts only one (RFC 9000 "
                          "17.2.5.2), so every later one was thrown away",
                     q->retries);
        out->severity = SEV_MEDIUM;
        return true;
    }
    if (unanswered) {
        finding_note(out, "the server answered with a Retry (a %zu-byte token), and the client never sent an Initial "
                          "with it",
                     q->retry_token.len);
        out->severity = SEV_MEDIUM;
        out->explains = true;
        return true;
    }
    return false;
}

const struct rule rule_quic_retry = {
    .info = {.id = "quic-retry", .severity = SEV_MEDIUM, .title = "QUIC Retry not followed through",
             .rationale = "A Retry makes the client prove its address before the server keeps state; a client that does not answer it, or a server that sends it again and again (a load balancer that forgets its tokens), never gets to the handshake."},
    .fix = "Check that every server behind the address accepts the others' Retry tokens (a shared token key), and that the client's QUIC stack supports Retry; a Retry whose integrity tag is wrong comes from a device on the path rewriting QUIC, or from damage: find it by capturing nearer the server.",
    .mq = NULL,
    .check = quic_retry,
};

/* RFC 9000 20.1 */
static const char *transport_error(uint64_t code)
{
    static const char *const names[] = {
        "NO_ERROR", "INTERNAL_ERROR", "CONNECTION_REFUSED", "FLOW_CONTROL_ERROR", "STREAM_LIMIT_ERROR",
        "STREAM_STATE_ERROR", "FINAL_SIZE_ERROR", "FRAME_ENCODING_ERROR", "TRANSPORT_PARAMETER_ERROR",
        "CONNECTION_ID_LIMIT_ERROR", "PROTOCOL_VIOLATION", "INVALID_TOKEN", "APPLICATION_ERROR",
        "CRYPTO_BUFFER_EXCEEDED", "KEY_UPDATE_ERROR", "AEAD_LIMIT_REACHED", "NO_VIABLE_PATH",
        "VERSION_NEGOTIATION_ERROR",
    };
    return code < ARRAY_LEN(names) ? names[code] : NULL;
}

static bool quic_closed(const struct session *s, const struct rule_env *env, struct finding_out *out)
{
    (void)env;
    const struct quic_info *q = &s->quic;
    if (s->transport != TR_QUIC || !q->close_seen || q->close_app ||
        (q->close_code >= 0x100 && q->close_code <= 0x1ff) || s->established)
        return false;
    const char *name = transport_error(q->close_code);
    finding_note(out, "the %s closed the connection during the handshake with QUIC transport error %s (0x%llx)%s%s%s "
                      "in packet %llu",
                 q->close_dir == DIR_C2S ? "client" : "server", name ? name : "unknown",
                 (unsigned long long)q->close_code, q->close_reason ? ": \"" : "",
                 q->close_reason ? q->close_reason : "", q->close_reason ? "\"" : "",
                 (unsigned long long)q->close_at.packet);
    if (q->close_code == 0)
        finding_note(out, "NO_ERROR before the handshake completed: that side gave up on it (an idle timeout, or its "
                          "application stopped waiting); the %s's answer was missing or late",
                     q->close_dir == DIR_C2S ? "server" : "client");
    else if (q->close_code == 0x8)
        finding_note(out, "its peer's quic_transport_parameters were malformed or not acceptable");
    else if (q->close_code == 0x2)
        finding_note(out, "the server refused the connection (overloaded, or not accepting new ones)");
    else if (q->close_code == 0xb)
        finding_note(out, "the Retry or NEW_TOKEN token the client presented was not accepted");
    out->explains = true;
    return true;
}

const struct rule rule_quic_closed = {
    .info = {.id = "quic-closed", .severity = SEV_HIGH, .title = "QUIC connection closed during the handshake",
             .rationale = "A QUIC endpoint that rejects its peer's packets, transport parameters or tokens, or gives up waiting, says so in CONNECTION_CLOSE; the code names the fault."},
    .fix = "Read the error: TRANSPORT_PARAMETER_ERROR and PROTOCOL_VIOLATION point at one side's QUIC stack (update it), CONNECTION_REFUSED at the server's load, INVALID_TOKEN at Retry or address-validation tokens; NO_ERROR during the handshake at a peer that did not answer in time.",
    .mq = NULL,
    .check = quic_closed,
};
