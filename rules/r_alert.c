/* Every fatal alert explained from the side that sent it, and handshake
 * time split into where it went. */
#include "rules/internal.h"

#include <stdio.h>
#include <string.h>

struct alert_help {
    uint8_t code;
    const char *from_server, *from_client; /* what it usually means */
    const char *check;
    /* what the sender of the alert logs, when the queue manager sent it
     * and when the client did (its peer logs AMQ9665E) */
    const char *mq_server, *mq_client;
};

static const struct alert_help helps[] = {
    {10, "the server got a message it did not expect at that point",
     "the client sent a message out of order", "a middlebox rewriting traffic, or mismatched TLS implementations", "AMQ9638E", "AMQ9638E"},
    {20, "the server could not authenticate a record", "the client could not authenticate a record",
     "the keys disagree: corrupted traffic, a middlebox, or a bug; with TLS 1.2 CBC suites, broken padding", "AMQ9638E", "AMQ9638E"},
    {22, "a record was longer than allowed", "a record was longer than allowed",
     "record size or max_fragment_length handling", NULL, NULL},
    {40, "the server found no acceptable parameters: no common cipher suite, group or signature algorithm, or a certificate key type that does not fit",
     "the client cannot use what the server chose",
     "the suites, groups and signature algorithms each side allows; FIPS or Suite B policies; the certificate key type", "AMQ9616E", NULL},
    {42, "the server rejected the client's certificate", "the client rejected the server's certificate",
     "the certificate's signature, key usage and extended key usage, and that its chain is complete", "AMQ9633E", "AMQ9633E"},
    {43, "the server cannot use the client's certificate type", "the client cannot use the server's certificate type",
     "the key algorithm and size of the certificate", "AMQ9633E", "AMQ9633E"},
    {44, "the server found the client's certificate revoked", "the client found the server's certificate revoked",
     "the certificate's status at its CA (CRL/OCSP), and replace it if it is revoked", "AMQ9633E", "AMQ9633E"},
    {45, "the server found the client's certificate expired", "the client found the server's certificate expired",
     "the certificate's validity and both hosts' clocks", "AMQ9633E", "AMQ9633E"},
    {46, "the server rejected the client's certificate for another reason", "the client rejected the server's certificate for another reason (Java reports most trust failures this way)",
     "that the peer trusts the issuing CA and the chain is complete", "AMQ9633E", "AMQ9633E, or MQRC 2397 from a Java client"},
    {47, "a field of the client's message was out of range", "a field of the server's message was out of range",
     "a group, signature scheme or version one side does not support", NULL, NULL},
    {48, "the server does not trust the CA that issued the client's certificate", "the client does not trust the CA that issued the server's certificate",
     "that the validating side's trust store holds the issuing root and that the sender includes every intermediate", "AMQ9633E", "AMQ9633E"},
    {49, "access denied by the server's policy", "access denied by the client's policy", "the peer's access rules", NULL, NULL},
    {50, "the server could not decode a message", "the client could not decode a message",
     "a malformed message: an implementation bug or a middlebox", NULL, NULL},
    {51, "the server could not verify a signature or Finished message", "the client could not verify the server's signature or Finished message",
     "that the certificate matches the private key in use, and RSA-PSS support", "AMQ9638E", "AMQ9638E"},
    {70, "the server does not accept any protocol version the client offered", "the client does not accept the version the server chose",
     "the versions each side enables (MQ: AllowTLSV13, AllowTLSV1, the protocol of the CipherSpec)", "AMQ9616E", NULL},
    {71, "the server requires stronger suites than the client offered", "the client requires stronger suites",
     "the cipher suites both sides enable", "AMQ9616E", NULL},
    {80, "the server failed internally (often a certificate without its private key, or an unreadable key store)", "the client failed internally",
     "the key store and the certificate/key pair", "AMQ9637E or AMQ9660E", NULL},
    {86, "the client retried with a lower version than the server supports (downgrade protection)", "",
     "why the first, higher-version attempt failed", NULL, NULL},
    {90, "the server cancelled the handshake", "the client cancelled the handshake", "the peer's logs", NULL, NULL},
    {109, "a required extension was missing from the client's hello", "a required extension was missing from the server's hello",
     "TLS 1.3 support on both sides", NULL, NULL},
    {110, "the client sent an extension the server did not offer", "the server sent an extension the client did not offer",
     "implementation compatibility", NULL, NULL},
    {112, "the server does not know the requested server name", "",
     "the SNI the client sends (MQ: channel SNIs need a per-channel certificate or none)", "AMQ9673E", NULL},
    {113, "", "the client rejected the server's stapled OCSP response", "the OCSP response's freshness", NULL, NULL},
    {115, "the server does not recognise the client's pre-shared key", "", "session ticket keys shared between servers", NULL, NULL},
    {116, "the server requires a client certificate and got none", "", "the client's certificate configuration", "AMQ9637E", NULL},
    {120, "the server supports none of the application protocols the client offered (ALPN)", "",
     "the ALPN lists on both sides", NULL, NULL},
};

static const struct alert_help *help_for(uint8_t code)
{
    for (size_t i = 0; i < ARRAY_LEN(helps); i++)
        if (helps[i].code == code)
            return &helps[i];
    return NULL;
}

/* A fatal alert before any hello: its sender could not even make its own.
 * What the other side answers is a reaction to it. */
static bool alert_before_hello(const struct session *s, struct finding_out *out)
{
    const struct alert *first = NULL;
    for (size_t i = 0; i < s->alerts.n && !first; i++)
        if (!s->alerts.v[i].encrypted && s->alerts.v[i].level == 2)
            first = &s->alerts.v[i];
    if (!first || s->ch.present || s->sh.present || s->hrr.present || s->mid_stream)
        return false;
    const char *who = first->dir == DIR_C2S ? "client" : "server";
    const char *name = registry_alert_name(first->desc);
    int64_t closed;
    int peer = !first->dir;
    if (closed_by(s, 0, &closed) == peer && closed <= first->at.ts && !s->bytes[peer]) {
        /* OpenSSL answers a connection closed before its first byte
         * with decode_error: the close is the event, not the alert */
        out->severity = SEV_LOW;
        finding_note(out, "the %s connected and closed the connection without sending a byte; the %s's %s "
                          "(packet %llu) only answers that close",
                     peer == DIR_C2S ? "client" : "server", who, name ? name : "alert",
                     (unsigned long long)first->at.packet);
        finding_fix(out, "A port check or a client that gave up before its first message: find the %s (its "
                         "address is above) and why it stopped (on an MQ listener, see mq-no-clienthello).",
                    peer == DIR_C2S ? "client" : "server");
        return true;
    }
    out->severity = SEV_HIGH;
    finding_note(out, "the %s sent fatal %s (%u) in packet %llu before any hello: it gave up while making its own",
                 who, name ? name : "unknown", first->desc, (unsigned long long)first->at.packet);
    if (first->dir == DIR_C2S && first->desc == 70)
        finding_note(out, "a client sends protocol_version before its ClientHello when no protocol version is "
                          "enabled for it: its minimum is above its maximum, or policy (OpenSSL's SECLEVEL, "
                          "a crypto policy) disabled every version it allows");
    else if (first->desc == 80)
        finding_note(out, "internal_error before a hello: its configuration left it nothing to offer (no "
                          "cipher suite or version enabled) or a key or certificate could not be loaded");
    for (size_t i = 0; i < s->alerts.n; i++) {
        const struct alert *a = &s->alerts.v[i];
        if (a != first && !a->encrypted && a->dir != first->dir) {
            const char *n = registry_alert_name(a->desc);
            finding_note(out, "the %s's %s (packet %llu) only answers it", a->dir == DIR_C2S ? "client" : "server",
                         n ? n : "alert", (unsigned long long)a->at.packet);
            break;
        }
    }
    finding_fix(out, "Look at the %s's TLS configuration: the protocol versions and cipher suites it enables "
                     "(openssl s_client -min_protocol/-max_protocol, Java jdk.tls.client.protocols, MQ AllowTLSV13 "
                     "and the CipherSpec), and its key store.", who);
    return true;
}

/* A renegotiation refused: on an established TLS <= 1.2 connection the
 * server answers the client's new hello with a no_renegotiation warning,
 * and the client, wanting it, gives up. */
static bool renegotiation_refused(const struct session *s, struct finding_out *out)
{
    if (!s->established)
        return false;
    for (size_t i = 0; i + 1 < s->alerts.n; i++) {
        const struct alert *w = &s->alerts.v[i], *f = &s->alerts.v[i + 1];
        if (w->encrypted || w->dir != DIR_S2C || w->level != 1 || w->desc != 100 ||
            f->dir != DIR_C2S || (!f->encrypted && f->level != 2))
            continue;
        finding_note(out, "the server declined a renegotiation with a no_renegotiation warning (packet %llu), "
                          "and the client, which had asked for it, then ended the connection with %s (packet %llu)",
                     (unsigned long long)w->at.packet,
                     f->encrypted ? "an encrypted alert" : registry_alert_name(f->desc),
                     (unsigned long long)f->at.packet);
        finding_note(out, "the first handshake had completed: this is a refused renegotiation, not a cipher or "
                          "certificate mismatch");
        finding_fix(out, "Allow renegotiation on the server, or stop the client from renegotiating (a client "
                         "certificate asked for late, a key update done by renegotiation: TLS 1.3 does neither).");
        out->severity = SEV_MEDIUM;
        return true;
    }
    return false;
}

/* What an alert answers depends on where it came: before the server's
 * hello it answers the ClientHello; after the server's flight it answers
 * that (its certificate, key exchange, choices); after the client's flight
 * it answers that (its certificate, key exchange, Finished). */
static void stage(const struct session *s, const struct alert *al, struct finding_out *out)
{
    bool server = al->dir == DIR_S2C;
    if (!s->sh.present && !s->hrr.present) {
        if (server && al->desc == 80)
            finding_note(out, "it came straight after the ClientHello: the server failed preparing its answer, "
                              "usually because it has no certificate and key usable for what the client offered, "
                              "or cannot read its key store");
        else if (server)
            finding_note(out, "it answers the ClientHello: the server found nothing it accepts in it");
    } else if (!server && !s->client_finished) {
        finding_note(out, "it answers the server's flight (ServerHello%s)",
                     s->server_certs.n ? ", its certificate" : "");
    } else if (server && s->client_finished && !s->established) {
        finding_note(out, "it answers the client's flight (%s its Finished)",
                     s->client_certs.n ? "its certificate and" : "its key exchange and");
    }
}

/* TLS 1.3 without keys: an alert-sized protected record where a flight
 * should be. Who sent it, and after what, says what it most likely is. */
static bool encrypted_refusal(const struct session *s, const struct alert *a, struct finding_out *out)
{
    out->severity = SEV_HIGH;
    finding_note(out, "the %s sent an encrypted alert in packet %llu before the handshake completed",
                 a->dir == DIR_C2S ? "client" : "server", (unsigned long long)a->at.packet);
    if (s->has_version && !session_is_tls13(s)) {
        char ver[REG_LABEL_LEN];
        /* up to TLS 1.2 the certificates were in clear and accepted: an
         * alert is encrypted only after its sender's ChangeCipherSpec */
        finding_note(out, "in %s an alert is encrypted only after its sender's ChangeCipherSpec, which it sends "
                          "once it has accepted the peer's certificate: the failure came later, usually a Finished "
                          "or record that did not verify (different keys: a middlebox altering the handshake, or "
                          "an implementation bug)",
                     version_text(s->version, ver));
        finding_fix(out, "Look at the sending side's log; decrypting with a key log (tlsscope --keylog) shows the "
                         "alert's description.");
        finding_mq(out, "AMQ9665E%s (%s)", a->dir == DIR_S2C ? " / MQRC 2393" : "", mq_side(!a->dir));
        return true;
    }
    if (a->dir == DIR_C2S)
        finding_note(out, "in TLS 1.3 this is usually the client rejecting the server's certificate (untrusted CA, expiry, name), which it saw encrypted");
    else if (s->client_certs.seen && !s->client_certs.n)
        finding_note(out, "it answers the client's flight, which carried an empty Certificate: the server "
                          "requires a client certificate and got none");
    else if (s->client_finished)
        finding_note(out, "it answers the client's flight, which carried a certificate: usually the server rejecting the client's certificate (untrusted CA, expiry, missing clientAuth)");
    finding_fix(out, "Look at the sending side's log, or decrypt the handshake with the client's key log (tlsscope --keylog; docs/decryption.md).");
    finding_mq(out, "AMQ9633E (%s, if it rejected a certificate); AMQ9665E%s (%s)", mq_side(a->dir),
               a->dir == DIR_S2C ? " / MQRC 2393" : "", mq_side(!a->dir));
    return true;
}

static bool alert_explained(const struct session *s, const struct rule_env *env,
                            struct finding_out *out)
{
    (void)env;
    out->explains = true; /* whatever it says, it is the explanation given */
    if (alert_before_hello(s, out))
        return true;
    if (renegotiation_refused(s, out))
        return true;
    const struct alert *al = failure_alert(s);
    if (al && al->encrypted)
        return encrypted_refusal(s, al, out);
    bool after_handshake = false;
    if (!al && (al = fatal_alert(s)) != NULL)
        after_handshake = true;
    if (!al)
        return false;
    const struct alert_help *h = help_for(al->desc);
    const char *name = registry_alert_name(al->desc);
    bool server = al->dir == DIR_S2C;
    const char *meaning = h ? (server ? h->from_server : h->from_client) : "";
    finding_note(out, "the %s sent fatal %s (%u) in packet %llu%s%s", server ? "server" : "client",
                 name ? name : "unknown", al->desc, (unsigned long long)al->at.packet,
                 meaning && *meaning ? ": " : "", meaning ? meaning : "");
    int64_t closed;
    if (closed_by(s, 0, &closed) == (int)(server ? DIR_C2S : DIR_S2C) && closed <= al->at.ts) {
        /* the peer hung up first: the alert is a reaction, not the cause */
        out->severity = SEV_LOW;
        finding_note(out, "but the %s had closed the connection first, so this alert only reports the "
                     "unexpected end; the close is what to explain", server ? "client" : "server");
        finding_fix(out, "Look at why the %s closed the connection (its log).", server ? "client" : "server");
        return true;
    }
    if (after_handshake) {
        out->severity = SEV_MEDIUM;
        finding_note(out, "after the handshake had completed: the connection failed, not the handshake");
    } else {
        out->severity = SEV_HIGH;
        stage(s, al, out);
    }
    if (h)
        finding_fix(out, "Check %s.", h->check);
    const char *own = h ? (server ? h->mq_server : h->mq_client) : NULL;
    if (own)
        finding_mq(out, "%s (%s); AMQ9665E%s (%s)", own, mq_side(al->dir), server ? " / MQRC 2393" : "",
                   mq_side(!al->dir));
    return true;
}

const struct rule rule_alert_explained = {
    .info = {.id = "alert-explained", .severity = SEV_HIGH, .title = "Handshake ended by an alert",
             .rationale = "A fatal alert names why one side gave up; the usual causes depend on which side sent it and what came before. It speaks only when no more specific rule explains the failure."},
    .fix = "",
    .mq = NULL,
    .check = alert_explained,
    .fallback = true,
};

/* Time the handshake spent waiting for lost segments, within (from, to]:
 * each retransmission or late segment carries how long the connection
 * waited for it, and successive ones of one loss overlap, so the time
 * counted is the union of those waits. The longest one is kept for the
 * evidence. Events are in time order. */
static double loss_wait_ms(const struct session *s, int64_t from, int64_t to, const struct event **longest)
{
    int64_t total = 0, covered = from;
    for (size_t i = 0; i < s->events.n; i++) {
        const struct event *e = &s->events.v[i];
        if (e->kind != EV_TCP_RETRANSMIT || e->at.ts <= from || e->at.ts > to)
            continue;
        int64_t start = e->at.ts - (int64_t)e->len * 1000;
        if (start < covered)
            start = covered;
        if (e->at.ts > start)
            total += e->at.ts - start;
        if (e->at.ts > covered)
            covered = e->at.ts;
        if (longest && (!*longest || e->len > (*longest)->len))
            *longest = e;
    }
    return (double)total / 1e6;
}

static bool slow_handshake(const struct session *s, const struct rule_env *env,
                           struct finding_out *out)
{
    double ms = session_handshake_ms(s);
    if (ms < 0 || ms < env->pol->slow_handshake_ms)
        return false;
    if (ms >= 10.0 * env->pol->slow_handshake_ms)
        out->severity = SEV_MEDIUM;
    finding_note(out, "the handshake took %.1f ms (policy slow_handshake_ms %d)", ms,
                 env->pol->slow_handshake_ms);
    /* The three-way handshake gives the network round trip; the server's
     * time runs from the ClientHello to the end of its first flight, the
     * client's from there to its next message. Loss inside either is the
     * network's, not that side's. */
    int64_t first_reply = 0, server_done = 0, client_done = 0;
    for (size_t i = 0; i < s->events.n; i++) {
        const struct event *e = &s->events.v[i];
        bool tls = e->kind < EV_TCP_SYN;
        if (tls && e->dir == DIR_S2C && e->at.ts >= s->hs_start.ts && !client_done) {
            if (!first_reply)
                first_reply = e->at.ts;
            server_done = e->at.ts;
        } else if (tls && e->dir == DIR_C2S && first_reply && !client_done) {
            client_done = e->at.ts;
        }
    }
    const struct event *longest = NULL;
    double lost = loss_wait_ms(s, s->hs_start.ts, s->hs_end.ts, &longest);
    double synack_ack;
    double rtt = session_rtt_ms(s, NULL, &synack_ack);
    double server = first_reply ? (double)(server_done - s->hs_start.ts) / 1e6 : -1;
    double client = server_done && client_done ? (double)(client_done - server_done) / 1e6 : -1;
    double server_lost = first_reply ? loss_wait_ms(s, s->hs_start.ts, server_done, NULL) : 0;
    double client_lost = client >= 0 ? loss_wait_ms(s, server_done, client_done, NULL) : 0;
    if (rtt >= 0)
        finding_note(out, "network round trip (SYN to %s) %.1f ms", synack_ack >= 0 ? "the handshake's ACK" : "SYN-ACK",
                     rtt);
    if (lost > 0 && longest)
        finding_note(out, "%.1f ms of it waiting for lost segments to be sent again: the longest, %.1f ms, for a "
                          "segment from the %s (packet %llu)",
                     lost, longest->len / 1e3, longest->dir == DIR_C2S ? "client" : "server",
                     (unsigned long long)longest->at.packet);
    bool server_slow = rtt >= 0 && server - server_lost > 3 * rtt + 50;
    bool client_slow = rtt >= 0 && client - client_lost > 3 * rtt + 50;
    if (server_slow || client_slow)
        finding_fix(out, "Look at the slower side: its revocation checks (OCSP/CRL reachability), key store "
                         "access and DNS.");
    if (server >= 0)
        finding_note(out, "server: ClientHello to its first flight %.1f ms%s", server,
                     server_slow ? " (time spent in the server: key exchange, certificate lookup, or a revocation check)"
                     : server_lost > 0 ? " (mostly waiting for lost segments)" : "");
    if (client >= 0)
        finding_note(out, "client: from the server's flight to its answer %.1f ms%s", client,
                     client_slow ? " (time spent in the client: certificate validation or a revocation check)"
                     : client_lost > 0 ? " (mostly waiting for lost segments)" : "");
    if (lost >= ms / 2) {
        finding_note(out, "packet loss, not either endpoint, made this handshake slow");
        finding_fix(out, "Look at the network path between the two hosts (drops, a congested or faulty link, "
                         "a firewall dropping segments): each loss costs a retransmission timeout, often a second "
                         "or more.");
    }
    return true;
}

const struct rule rule_slow_handshake = {
    .info = {.id = "slow-handshake", .severity = SEV_LOW, .title = "Slow handshake",
             .rationale = "Where the handshake time goes (network round trip, segments lost and sent again, server, client) tells whether to look at the network path, the server's crypto and key store, or revocation checks."},
    .fix = "Reuse connections or sessions to pay the cost less often.",
    .mq = NULL,
    .check = slow_handshake,
};
