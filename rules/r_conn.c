/* What the connection itself says when the TLS messages are silent: a
 * peer that does not speak TLS, a side that hung up without an alert, a
 * capture that saw one direction only. */
#include "include/escape.h"
#include "rules/internal.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *side(int dir)
{
    return dir == DIR_C2S ? "client" : "server";
}

/* ---- one direction ------------------------------------------------------------ */

static bool one_direction(const struct session *s, const struct rule_env *env,
                          struct finding_out *out)
{
    (void)env;
    if (!s->one_way)
        return false;
    int seen = s->one_way - 1;
    finding_note(out, "the capture holds only the %s's packets (%llu bytes in %u handshake records); the %s's "
                      "never appear",
                 side(seen), (unsigned long long)s->bytes[seen], s->records[seen][REC_HANDSHAKE],
                 side(1 - seen));
    if (seen == DIR_C2S)
        finding_note(out, "yet the client went on past its hello (%s), which it does only after reading the "
                          "server's flight: the server answered, out of the capture's sight",
                     s->cke_seen ? "its key exchange"
                     : s->transport == TR_QUIC ? "its Handshake or 1-RTT packets" : "ChangeCipherSpec or data");
    else
        finding_note(out, "the server's hello answers a ClientHello the capture does not hold");
    finding_note(out, "so whether the handshake succeeded cannot be told: the session is reported partial, not "
                      "failed");
    out->explains = true;
    return true;
}

const struct rule rule_one_direction = {
    .info = {.id = "one-direction", .severity = SEV_INFO, .title = "Only one direction captured",
             .rationale = "A capture point that sees one direction (asymmetric routing, a one-way SPAN or TAP port, a capture filter on the source) shows half a handshake; judging it as failed would blame a peer for what the capture missed."},
    .fix = "Capture where both directions pass: on one of the endpoints, or a SPAN session of both directions; check the capture filter (src/dst host).",
    .mq = NULL,
    .check = one_direction,
};

/* ---- a peer that does not speak TLS ------------------------------------------- */

struct banner {
    const char *start, *what, *hint;
    uint16_t implicit_tls[2]; /* the ports where this protocol starts in TLS */
};

/* First bytes a server that speaks first (or answers anything) sends,
 * and what that means for a client that expected TLS. */
static const struct banner banners[] = {
    {"HTTP/", "an HTTP server",
     "the client reached a plain HTTP port (http:// on 80 or 8080), or a proxy or load balancer whose TLS is on "
     "another port", {443, 8443}},
    {"<!DOCTYPE", "an HTTP server (an error page sent without headers)",
     "the client reached a plain HTTP port, or a proxy or load balancer whose TLS is on another port", {443, 8443}},
    {"<html", "an HTTP server (an error page sent without headers)",
     "the client reached a plain HTTP port, or a proxy or load balancer whose TLS is on another port", {443, 8443}},
    {"SSH-", "an SSH server", "the port is SSH's", {0, 0}},
    {"220", "an SMTP or FTP server (its 220 greeting)",
     "a mail or FTP port that starts in plaintext: use STARTTLS (SMTP 25/587) or AUTH TLS (FTP 21), or the "
     "implicit-TLS port (SMTP 465, FTP 990)", {465, 990}},
    {"+OK", "a POP3 server", "use STLS on 110, or implicit TLS on 995", {995, 0}},
    {"* OK", "an IMAP server", "use STARTTLS on 143, or implicit TLS on 993", {993, 0}},
    {"* PREAUTH", "an IMAP server", "use STARTTLS on 143, or implicit TLS on 993", {993, 0}},
    {"-ERR", "a POP3 or Redis server", "the port is not a TLS one", {995, 0}},
    {"RFB ", "a VNC server", "the port is VNC's", {0, 0}},
};

static const struct banner *banner_of(const struct bytes *b)
{
    for (size_t i = 0; i < ARRAY_LEN(banners); i++) {
        size_t n = strlen(banners[i].start);
        if (b->len >= n && strncasecmp((const char *)b->p, banners[i].start, n) == 0)
            return &banners[i];
    }
    return NULL;
}

static bool peer_not_tls(const struct session *s, const struct rule_env *env,
                         struct finding_out *out)
{
    (void)env;
    /* a plaintext MQ answer has its own rule, with the channel and status */
    if (!s->not_tls_reply.len || s->mq.server || s->mq.client)
        return false;
    int talker = s->not_tls_dir, hello = 1 - talker;
    const struct hello *h = hello == DIR_C2S ? &s->ch : &s->sh;
    char shown[4 * NOT_TLS_KEEP + 1];
    escape_bytes(s->not_tls_reply.p, s->not_tls_reply.len, shown, sizeof(shown));
    bool first = h->present && s->not_tls_at.ts < h->at.ts;
    finding_note(out, "the %s sent a TLS hello and the %s %s in packet %llu with \"%s\"", side(hello),
                 side(talker), first ? "had already greeted it, before that hello," : "answered it",
                 (unsigned long long)s->not_tls_at.packet, shown);
    if (talker == DIR_C2S) {
        finding_note(out, "the client does not speak TLS on this connection");
        finding_fix(out, "Check what the client runs on this port: it expected another protocol.");
        out->explains = true;
        return true;
    }
    const struct banner *b = banner_of(&s->not_tls_reply);
    finding_note(out, "that is %s, not a TLS server", b ? b->what : "another protocol");
    uint16_t port = s->server.port;
    if (b && port && (b->implicit_tls[0] == port || b->implicit_tls[1] == port))
        finding_note(out, "on port %u, where this protocol is expected to start in TLS: the server is set up for "
                          "plaintext (or STARTTLS) there, or something in front of it answers instead",
                     port);
    else if (b)
        finding_note(out, "%s", b->hint);
    out->explains = true;
    return true;
}

const struct rule rule_peer_not_tls = {
    .info = {.id = "peer-not-tls", .severity = SEV_HIGH, .title = "TLS sent to a peer that does not speak TLS",
             .rationale = "One side sent a TLS hello and the other answered in another protocol: the client has the wrong port, or the service expects STARTTLS first. No TLS setting on either side fixes it."},
    .fix = "Point the client at the server's TLS port, or make it start TLS the way that protocol does (STARTTLS); if the port should speak TLS, the server or a proxy in front of it does not.",
    .mq = NULL,
    .check = peer_not_tls,
};

/* ---- a silent close ------------------------------------------------------------- */

/* The first FIN or RST after the ClientHello. */
static const struct event *first_close(const struct session *s)
{
    for (size_t i = 0; i < s->events.n; i++) {
        const struct event *e = &s->events.v[i];
        if ((e->kind == EV_TCP_FIN || e->kind == EV_TCP_RST) && e->at.ts >= s->ch.at.ts)
            return e;
    }
    return NULL;
}

/* The last TLS message either side sent before t. */
static const struct event *last_message_before(const struct session *s, int64_t t)
{
    const struct event *last = NULL;
    for (size_t i = 0; i < s->events.n; i++) {
        const struct event *e = &s->events.v[i];
        if (e->kind < EV_TCP_SYN && e->at.ts <= t)
            last = e;
    }
    return last;
}

static double ms_between(int64_t from, int64_t to)
{
    return (double)(to - from) / 1e6;
}

/* The closer answers what the other side sent last: it refused it. A
 * refusal is decided in milliseconds; a close seconds later is a side
 * that stalled (a revocation fetch, a prompt to a person) or an
 * application that gave up waiting on it. */
static void refused_silently(const struct session *s, const struct event *close, const struct event *last,
                             struct finding_out *out)
{
    double after = ms_between(last->at.ts, close->at.ts);
    bool quick = after < 1000;
    const char *how = close->kind == EV_TCP_RST ? "reset the connection" : "closed the connection";
    if (close->dir == DIR_S2C && !s->sh.present && !s->hrr.present) {
        finding_note(out, "the server %s %.1f ms after the ClientHello (packet %llu) without answering it or "
                          "sending an alert",
                     how, after, (unsigned long long)last->at.packet);
        if (quick)
            finding_note(out, "it refused the hello without saying why: servers and the load balancers or "
                              "firewalls in front of them do this when nothing offered is acceptable (protocol "
                              "version, cipher suite, group), when the server name is unknown or blocked, or when "
                              "no certificate is configured");
        finding_fix(out, "Compare the client's offer with what the server enables (openssl s_client -connect "
                         "HOST:PORT -servername NAME -tls1_2 / -tls1_3), and read the server's log and any device "
                         "in front of it for that time.");
    } else if (close->dir == DIR_C2S && s->hrr.present && !s->sh.present) {
        char g[REG_LABEL_LEN];
        finding_note(out, "the client %s %.1f ms after the server's HelloRetryRequest (packet %llu) instead of "
                          "sending a second ClientHello",
                     how, after, (unsigned long long)last->at.packet);
        if (s->hrr.key_share_groups.n)
            finding_note(out, "the server asked for a key share in %s: the client cannot (or will not) make one",
                         registry_group_label(s->hrr.key_share_groups.v[0], g));
        finding_fix(out, "Make the groups the two sides enable overlap in the client's first key share, or enable "
                         "on the client the group the server asks for.");
    } else if (close->dir == DIR_C2S) {
        finding_note(out, "the client %s %.1f ms after the server's flight ended (packet %llu), without an alert "
                          "and without answering it",
                     how, after, (unsigned long long)last->at.packet);
        if (quick)
            finding_note(out, "the usual sign of a client that rejected the server's certificate without saying "
                              "so (an untrusted CA, a name or date it refuses, a pinned key; Java, .NET and many "
                              "applications close instead of alerting), or one that cannot use what the server "
                              "chose");
        if (s->encrypted[DIR_S2C] && !s->decrypted)
            finding_note(out, "the server's certificate was encrypted (TLS 1.3): decrypt with the client's key log "
                              "to see which certificate it was");
        finding_fix(out, "Read the client's own error (Java SSLHandshakeException, .NET AuthenticationException, "
                         "MQ AMQ9633E), and test the chain as the client would: openssl s_client "
                         "-connect HOST:PORT -servername NAME -verify_return_error -CAfile CLIENT_TRUST.pem.");
        out->mq = "AMQ9633E (client, if it rejected the certificate); AMQ9665E (queue manager)";
    } else {
        finding_note(out, "the server %s %.1f ms after the client's flight (packet %llu), without an alert and "
                          "before its Finished",
                     how, after, (unsigned long long)last->at.packet);
        if (s->cert_request.present && s->client_certs.seen && !s->client_certs.n)
            finding_note(out, "the server asked for a client certificate and the client sent none: a server "
                              "that requires one drops the connection");
        else if (s->client_certs.n)
            finding_note(out, "the client sent a certificate: the server refused it (its CA, its key usage, its "
                              "validity) without an alert");
        else
            finding_note(out, "it refused the client's key exchange or Finished: a key or version mismatch, or a "
                              "device in the path altering the handshake");
        finding_fix(out, "Read the server's log at that time; check that it trusts the CA of the client's "
                         "certificate and that the certificate has clientAuth.");
    }
    if (!quick)
        finding_note(out, "it took %.1f s, far longer than a refusal takes: the %s more likely stalled (a "
                          "revocation check, a prompt to a person) or its application timed out",
                     after / 1000, side(close->dir));
}

/* The closer sent the last message and then hung up: it waited for an
 * answer that did not come, or never meant to wait. */
static void gave_up(const struct session *s, const struct event *close, const struct event *last,
                    struct finding_out *out)
{
    double waited = ms_between(last->at.ts, close->at.ts);
    double rtt = session_rtt_ms(s, NULL, NULL);
    const char *who = side(close->dir);
    finding_note(out, "the %s sent the last message (packet %llu) and %s the connection %.1f ms later, with no "
                      "answer from the %s in between",
                 who, (unsigned long long)last->at.packet,
                 close->kind == EV_TCP_RST ? "reset" : "closed", waited, side(1 - close->dir));
    if (rtt >= 0 && waited < rtt) {
        if (close->dir == DIR_C2S && !s->sh.present && !s->hrr.present) {
            out->severity = SEV_LOW;
            finding_note(out, "it hung up sooner than one network round trip (%.1f ms): it never meant to wait; "
                              "a scanner or a client that cancelled, not a failed handshake",
                         rtt);
            return;
        }
        finding_note(out, "sooner than an answer could come back (round trip %.1f ms): it did not wait for one, "
                          "it ended the connection",
                     rtt);
        finding_fix(out, "Look at the %s's log: why it ended the connection in the middle of the handshake.", who);
        return;
    }
    if (waited >= 1000)
        finding_note(out, "a wait that long is a timeout: the %s was silent, or its answer was lost",
                     side(1 - close->dir));
    finding_fix(out, "Look at the %s: why it did not answer in time (its load, its own checks such as an OCSP "
                     "or CRL fetch, or a device in the path dropping its answer).",
                side(1 - close->dir));
}

static bool silent_close(const struct session *s, const struct rule_env *env,
                         struct finding_out *out)
{
    (void)env;
    if (s->established || s->mid_stream || s->one_way || !s->ch.present || s->not_tls_reply.len)
        return false;
    const struct event *close = first_close(s);
    if (!close)
        return false;
    /* an alert before the close said why; one after it only reacts */
    for (size_t i = 0; i < s->alerts.n; i++) {
        const struct alert *a = &s->alerts.v[i];
        if ((a->level == 2 || a->encrypted) && a->at.ts <= close->at.ts)
            return false;
    }
    const struct event *last = last_message_before(s, close->at.ts);
    if (!last)
        return false;
    if (last->dir != close->dir)
        refused_silently(s, close, last, out);
    else
        gave_up(s, close, last, out);
    for (size_t i = 0; i < s->alerts.n; i++) {
        const struct alert *a = &s->alerts.v[i];
        if (!a->encrypted && a->level == 2 && a->dir != close->dir) {
            const char *n = registry_alert_name(a->desc);
            finding_note(out, "the %s's %s afterwards (packet %llu) only reports the unexpected end", side(a->dir),
                         n ? n : "alert", (unsigned long long)a->at.packet);
            break;
        }
    }
    out->explains = true;
    return true;
}

const struct rule rule_silent_close = {
    .info = {.id = "silent-close", .severity = SEV_HIGH, .title = "Connection closed during the handshake without an alert",
             .rationale = "A side that hangs up (FIN or RST) instead of sending an alert still says something: what it had just received, and how long it waited, tell a refusal from a timeout. It speaks only when no more specific rule explains the failure."},
    .fix = "The side that closed logs why; read its log for the time of the close.",
    .mq = NULL,
    .check = silent_close,
    .fallback = true,
};
