/* Capture-wide rules: what only many sessions together show. */
#include "rules/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return x < y ? -1 : x > y;
}

static double median(const float *v, size_t n)
{
    float *copy = malloc(n * sizeof(*copy));
    if (!copy || !n) {
        free(copy);
        return 0;
    }
    memcpy(copy, v, n * sizeof(*copy));
    qsort(copy, n, sizeof(*copy), cmp_float);
    double m = n % 2 ? copy[n / 2] : ((double)copy[n / 2 - 1] + copy[n / 2]) / 2;
    free(copy);
    return m;
}

static void add_ids(struct capture_finding *f, const uint64_t *ids, size_t n)
{
    for (size_t i = 0; i < n; i++)
        capture_session(f, ids[i]);
}

static const char *server_subject(const struct endpoint *e, char *buf, size_t len)
{
    char ep[80];
    snprintf(buf, len, "server %s", endpoint_text(e, ep, sizeof(ep)));
    return buf;
}

/* host_text - an address without its port ("10.0.0.1", "[2001:db8::1]"). */
static const char *host_text(uint8_t family, const uint8_t *addr, char *buf, size_t len)
{
    struct endpoint e = {.family = family};
    memcpy(e.addr, addr, 16);
    endpoint_text(&e, buf, len);
    char *colon = strrchr(buf, ':');
    if (colon)
        *colon = 0;
    return buf;
}

/* ---- many short connections ------------------------------------------------------ */

static void many_connections(const struct capture_state *st, const struct rule *self,
                             struct capture_out *out)
{
    for (size_t i = 0; i < st->n_servers; i++) {
        const struct server_facts *f = &st->servers[i];
        if (f->full < (uint32_t)st->pol->burst_connections || f->resumed)
            continue;
        char subject[96];
        struct capture_finding *cf = capture_add(out, self, SEV_LOW,
                                                 server_subject(&f->server, subject, sizeof(subject)));
        if (!cf)
            return;
        double span = (double)(f->last_ts - f->first_ts) / 1e9;
        double med = median(f->hs_ms, f->n_hs);
        capture_note(cf, "%u full handshakes and none resumed over %.1f s (%.1f per second)", f->full,
                     span, span > 0 ? f->full / span : (double)f->full);
        capture_note(cf, "handshake time: median %.1f ms, %.1f ms in total", med, f->hs_total_ms);
        capture_note(cf, "reusing one connection would save about %.1f ms of handshakes; session resumption would skip the certificate exchange and key agreement on all but the first",
                     f->hs_total_ms - med);
        add_ids(cf, f->first_ids, f->n_ids);
        if (f->sessions > f->n_ids)
            cf->more_sessions += f->sessions - f->n_ids;
    }
}

const struct capture_rule rule_many_connections = {
    .rule = {.info = {.id = "many-short-connections", .severity = SEV_LOW, .title = "Many short connections without resumption",
                      .rationale = "Each new connection repeats a full handshake; reusing connections or resuming sessions saves the time and the server's CPU.", .capture_wide = true},
             .fix = "Keep connections open and reuse them (connection pools, HTTP keep-alive; MQ: keep the connection, use SHARECNV) and enable session resumption (tickets or a session cache).",
             .mq = NULL},
    .run = many_connections,
};

/* ---- connections to MQ without a ClientHello --------------------------------------- */

static const char *sessions_text(struct capture_finding *cf, const struct idset *set, char *buf, size_t len);

static int cmp_i64(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return a < b ? -1 : a > b;
}

/* Opening times at one steady interval (every gap within a fifth of the
 * median): the pattern of a monitor, not of an application. */
static double steady_interval(const struct quiet_facts *f)
{
    size_t n = f->n < QUIET_TIMES ? f->n : QUIET_TIMES;
    if (n < 3)
        return 0;
    int64_t t[QUIET_TIMES], gaps[QUIET_TIMES];
    memcpy(t, f->opens, n * sizeof(*t));
    qsort(t, n, sizeof(*t), cmp_i64);
    for (size_t i = 1; i < n; i++)
        gaps[i - 1] = t[i] - t[i - 1];
    qsort(gaps, n - 1, sizeof(*gaps), cmp_i64);
    int64_t med = gaps[(n - 1) / 2];
    if (med < 1000000) /* under 1 ms apart: a burst, not a schedule */
        return 0;
    for (size_t i = 0; i + 1 < n; i++)
        if (gaps[i] < med - med / 5 || gaps[i] > med + med / 5)
            return 0;
    return (double)med / 1e9;
}

/* An MQ client whose SSLCIPH is invalid (misspelt, an IANA or OpenSSL
 * name, a deprecated CipherSpec not re-enabled) fails before its first
 * byte, often after connecting (mq-tls.md 5, 6): on an MQ listener,
 * connections the client closes without a word, again and again. */
static void mq_no_clienthello(const struct capture_state *st, const struct rule *self,
                              struct capture_out *out)
{
    for (size_t i = 0; i < st->n_quiet; i++) {
        const struct quiet_facts *f = &st->quiet[i];
        if (f->client_closed < 2)
            continue;
        char subject[96], client[80];
        double every = steady_interval(f);
        struct capture_finding *cf = capture_add(out, self, every > 0 ? SEV_INFO : SEV_MEDIUM,
                                                 server_subject(&f->server, subject, sizeof(subject)));
        if (!cf)
            return;
        capture_note(cf, "%u TCP connection%s to this MQ listener ended before the client sent a byte, %u of them "
                         "closed by the client%s, over %.1f s from packet %llu",
                     f->n, f->n == 1 ? "" : "s", f->client_closed, f->resets ? " (some by reset)" : "",
                     (double)(f->last_ts - f->first_ts) / 1e9, (unsigned long long)f->first_packet);
        capture_note(cf, "%s %s", f->one_client_host ? "all from" : "the first from",
                     host_text(f->first_client.family, f->first_client.addr, client, sizeof(client)));
        if (f->sessions.n) {
            char ids[160];
            capture_note(cf, "the server answered the close in %s", sessions_text(cf, &f->sessions, ids, sizeof(ids)));
        }
        if (every > 0)
            capture_note(cf, "they open every %.1f s, steady: the pattern of a load balancer's or monitor's TCP "
                             "health check rather than an MQ client", every);
        else
            capture_note(cf, "an MQ client that connects and gives up before its ClientHello has a channel "
                             "definition it cannot use: an SSLCIPH that is misspelt, an IANA or OpenSSL suite name, or a "
                             "deprecated CipherSpec not re-enabled; a health check from a load balancer looks the "
                             "same but keeps a steady interval");
    }
}

const struct capture_rule rule_mq_no_clienthello = {
    .rule = {.info = {.id = "mq-no-clienthello", .severity = SEV_MEDIUM, .title = "Connections to MQ that end before a ClientHello",
                      .rationale = "An MQ client whose SSLCIPH is not a valid CipherSpec cannot start TLS: it connects and closes without a byte, on every retry. Health checks look alike but keep a steady interval, and are reported as info.", .capture_wide = true},
             .fix = "Check the SSLCIPH of the client's channel definition (CCDT, MQCD, mqclient.ini) against the MQ names (tlsscope cipher NAME; "
                    "ECDHE_RSA_AES_256_GCM_SHA384, not TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 or ECDHE-RSA-AES256-GCM-SHA384; at most 32 characters), "
                    "re-enable a deprecated CipherSpec only deliberately (AllowWeakCipherSpec), and for Java clients the CipherSuite name the JRE maps "
                    "(com.ibm.mq.cfg.useIBMCipherMappings).",
             .mq = "AMQ9635E / MQRC 2393, or MQRC 2400 from a Java client (client), when a client gave up"},
    .run = mq_no_clienthello,
};

/* ---- reconnecting instead of resetting the secret key ------------------------------ */

static int cmp_u64(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return a < b ? -1 : a > b;
}

/* A client that cannot renegotiate (managed .NET) disconnects when
 * SSLKeyResetCount is reached and reconnects (mq-tls.md 4, 6): its MQ
 * connections end, by its own close, after about the same number of
 * bytes (at least the 32 KB a reset count is rounded up to), each followed
 * at once by the next. */
static void mq_reconnect_at_reset(const struct capture_state *st, const struct rule *self,
                                  struct capture_out *out)
{
    for (size_t i = 0; i < st->n_reconnects; i++) {
        const struct reconnect_facts *f = &st->reconnects[i];
        uint64_t sizes[RECONNECT_SESSIONS], ids[RECONNECT_SESSIONS];
        int64_t worst_gap = 0;
        size_t n = 0;
        for (uint32_t k = 0; k + 1 < f->n; k++) {
            int64_t gap = f->v[k + 1].start - f->v[k].end;
            if (!f->v[k].client_closed || gap < 0 || gap > 2000000000LL)
                continue;
            sizes[n] = f->v[k].bytes;
            ids[n++] = f->v[k].id;
            worst_gap = gap > worst_gap ? gap : worst_gap;
        }
        if (n < 2)
            continue;
        uint64_t sorted[RECONNECT_SESSIONS];
        memcpy(sorted, sizes, n * sizeof(*sorted));
        qsort(sorted, n, sizeof(*sorted), cmp_u64);
        uint64_t med = sorted[n / 2];
        if (med < 32768 || sorted[0] < med - med / 7 || sorted[n - 1] > med + med / 7)
            continue;
        char subject[96], client[80];
        host_text(f->family, f->addr, client, sizeof(client));
        struct capture_finding *cf = capture_add(out, self, SEV_LOW,
                                                 server_subject(&f->server, subject, sizeof(subject)));
        if (!cf)
            return;
        capture_note(cf, "client %s closed %zu MQ connections after about %llu bytes each (all within a seventh "
                         "of that) and opened the next within %.1f ms every time",
                     client, n, (unsigned long long)med, (double)worst_gap / 1e6);
        capture_note(cf, "the pattern of a client that cannot renegotiate the secret key and disconnects when "
                         "SSLKeyResetCount is reached instead (a managed .NET client does)");
        add_ids(cf, ids, n < FACT_SESSIONS ? n : FACT_SESSIONS);
        if (n > FACT_SESSIONS)
            cf->more_sessions += n - FACT_SESSIONS;
    }
}

const struct capture_rule rule_mq_reconnect_at_reset = {
    .rule = {.info = {.id = "mq-reconnect-at-reset", .severity = SEV_LOW, .title = "MQ client reconnects instead of resetting its key",
                      .rationale = "A client that cannot renegotiate TLS disconnects when its SSLKeyResetCount is reached and relies on reconnecting: connections that end after the same number of bytes, each followed at once by another.", .capture_wide = true},
             .fix = "Set SSLKeyResetCount (MQSSLRESET) to 0 on a client that cannot renegotiate (managed .NET), or use an unmanaged client that can; on the queue manager side, SSLRKEYC applies to its own initiating channels only.",
             .mq = "MQRC 2009 (client), at each disconnect"},
    .run = mq_reconnect_at_reset,
};

/* ---- the sessions behind each reason ------------------------------------------------ */

/* sessions_text - "session #3" or "sessions #1, #4 and 6 more" for the
 * sessions of one fact; they join the finding's own list. */
static const char *sessions_text(struct capture_finding *cf, const struct idset *set, char *buf, size_t len)
{
    size_t listed = set->n < FACT_SESSIONS ? set->n : FACT_SESSIONS, k = 0;
    k += (size_t)snprintf(buf, len, "session%s ", set->n == 1 ? "" : "s");
    for (size_t i = 0; i < listed && k < len; i++) {
        k += (size_t)snprintf(buf + k, len - k, "%s#%llu", i ? ", " : "", (unsigned long long)set->ids[i]);
        capture_session(cf, set->ids[i]);
    }
    if (set->n > listed && k < len)
        snprintf(buf + k, len - k, " and %u more", set->n - (unsigned)listed);
    /* at least this many beyond those the finding lists */
    if (set->n > cf->n_sessions && set->n - cf->n_sessions > cf->more_sessions)
        cf->more_sessions = set->n - cf->n_sessions;
    return buf;
}

/* ---- Mozilla server-side TLS profiles ---------------------------------------------- */

/* The best of Mozilla's profiles (version 5.7) the sessions of one server
 * are consistent with, and every reason it misses a better one, each with
 * the sessions that show it; "intermediate" covers "modern" too, as only a
 * server that refuses TLS 1.2 is modern and a passive capture cannot see a
 * refusal that never happened. Certificate lifespan is left to
 * cert-validity-too-long: the profiles' 366 days are the public CAs'
 * business, not a private PKI's. */
static void describe(const struct grade_fact *g, enum grade_reason why, char *out, size_t len)
{
    char ver[REG_LABEL_LEN], cs[REG_LABEL_LEN];
    switch (why) {
    case GR_SSL:
    case GR_TLS10_11: snprintf(out, len, "%s negotiated", version_text(g->version, ver)); break;
    case GR_WEAK_SUITE: snprintf(out, len, "the weak suite %s negotiated", registry_cipher_label(g->cipher, cs)); break;
    case GR_CBC: snprintf(out, len, "the CBC suite %s negotiated", registry_cipher_label(g->cipher, cs)); break;
    case GR_STATIC_RSA:
        snprintf(out, len, "RSA key exchange (no forward secrecy, %s) negotiated", registry_cipher_label(g->cipher, cs));
        break;
    case GR_RSA_SMALL: snprintf(out, len, "a %d-bit RSA certificate", g->bits); break;
    case GR_DH_TINY:
    case GR_DH_SMALL: snprintf(out, len, "a %d-bit DH group", g->bits); break;
    case GR_COUNT: out[0] = 0; break;
    }
}

static void server_grades(const struct capture_state *st, const struct rule *self,
                          struct capture_out *out)
{
    for (size_t i = 0; i < st->n_servers; i++) {
        const struct server_facts *f = &st->servers[i];
        if (!f->n_versions || !f->n_ciphers)
            continue;
        bool none = false, old = false;
        for (int r = 0; r < GR_COUNT; r++)
            if (f->grade[r].sessions.n)
                *(r < GR_TLS10_11 ? &none : &old) = true;
        if (!none && !old)
            continue;
        char subject[96];
        struct capture_finding *cf = capture_add(out, self, none ? SEV_MEDIUM : SEV_LOW,
                                                 server_subject(&f->server, subject, sizeof(subject)));
        if (!cf)
            return;
        capture_note(cf, none ? "below even Mozilla's \"old\" profile" : "consistent with Mozilla's \"old\" profile only");
        for (int r = 0; r < GR_COUNT; r++) {
            const struct grade_fact *g = &f->grade[r];
            if (!g->sessions.n)
                continue;
            char what[160], ids[160];
            describe(g, (enum grade_reason)r, what, sizeof(what));
            capture_note(cf, "%s (%s)", what, sessions_text(cf, &g->sessions, ids, sizeof(ids)));
        }
        capture_note(cf, "judged on %u session%s", f->sessions, f->sessions == 1 ? "" : "s");
        if (f->has_leaf)
            capture_note(cf, "certificate %s %d bits", f->leaf_key_type, f->leaf_key_bits);
        capture_note(cf, "a passive view: only what these clients negotiated is known, not everything the server would accept");
    }
}

const struct capture_rule rule_server_grade = {
    .rule = {.info = {.id = "server-grade", .severity = SEV_LOW, .title = "Server below Mozilla's intermediate profile",
                      .rationale = "Mozilla's server-side TLS guidelines define modern, intermediate and old configurations; intermediate suits almost every service, and a server whose sessions only fit old (or nothing) is worth fixing.", .capture_wide = true},
             .fix = "Configure the server to Mozilla's intermediate profile (https://wiki.mozilla.org/Security/Server_Side_TLS, or https://ssl-config.mozilla.org for a ready configuration): TLS 1.2 and 1.3 only, ECDHE or DHE (2048 bits or more) with AES-GCM or ChaCha20-Poly1305.",
             .mq = NULL},
    .run = server_grades,
};

/* ---- client audit ------------------------------------------------------------------ */

static void client_audit(const struct capture_state *st, const struct rule *self,
                         struct capture_out *out)
{
    static const char *const offer_names[CO_COUNT] = {
        "NULL (unencrypted) suites", "export-grade suites", "anonymous suites", "RC4", "single DES", "3DES",
    };
    for (size_t i = 0; i < st->n_clients; i++) {
        const struct client_facts *c = &st->clients[i];
        const struct client_offers *o = c->offers_at ? &st->offers[c->offers_at - 1] : NULL;
        /* suites that protect nothing, or are broken outright: a server
         * preferring them, or a downgrade, takes this client there (medium);
         * 3DES as a last resort, and missing protections, are hygiene */
        bool weak = false;
        for (int k = 0; o && k < CO_COUNT; k++)
            weak |= k != CO_3DES && o->offers[k].n;
        bool never_tls13 = c->whole.n && !c->with_tls13, never_ems = c->whole.n && !c->with_ems,
             never_reneg = c->whole.n && !c->with_reneg;
        if (!o && !never_tls13 && !never_ems && !never_reneg)
            continue;
        char ep[80], subject[96], ids[160];
        snprintf(subject, sizeof(subject), "client %s", host_text(c->family, c->addr, ep, sizeof(ep)));
        struct capture_finding *cf = capture_add(out, self, weak ? SEV_MEDIUM : SEV_LOW, subject);
        if (!cf)
            return;
        for (int k = 0; o && k < CO_COUNT; k++)
            if (o->offers[k].n)
                capture_note(cf, "offers %s (%s)", offer_names[k], sessions_text(cf, &o->offers[k], ids, sizeof(ids)));
        if (never_tls13 || never_ems || never_reneg) {
            char never[200];
            snprintf(never, sizeof(never), "%s%s%s%s%s", never_tls13 ? "TLS 1.3" : "",
                     never_tls13 && (never_ems || never_reneg) ? ", " : "", never_ems ? "extended_master_secret" : "",
                     never_ems && never_reneg ? ", " : "",
                     never_reneg ? "secure renegotiation (renegotiation_info or the SCSV)" : "");
            capture_note(cf, "never offers %s in %u hello%s that parsed whole (%s)", never, c->whole.n,
                         c->whole.n == 1 ? "" : "s", sessions_text(cf, &c->whole, ids, sizeof(ids)));
        }
        capture_note(cf, "%u hello%s in all", c->sessions, c->sessions == 1 ? "" : "s");
        if (c->n_ja4) {
            const char *ja4[FACT_FINGERPRINTS] = {""};
            for (size_t k = 0; k < c->n_ja4; k++)
                ja4[k] = st->ja4s[c->ja4[k] - 1].s;
            capture_note(cf, "JA4 %s%s%s%s%s%s", ja4[0], c->n_ja4 > 1 ? ", " : "", c->n_ja4 > 1 ? ja4[1] : "",
                         c->n_ja4 > 2 ? ", " : "", c->n_ja4 > 2 ? ja4[2] : "", c->more_ja4 ? " and more" : "");
        }
    }
}

const struct capture_rule rule_client_audit = {
    .rule = {.info = {.id = "client-audit", .severity = SEV_LOW, .title = "Client offers what it should not",
                      .rationale = "A client's hellos show its TLS configuration: weak suites it still offers, TLS 1.3 and other protections it lacks.", .capture_wide = true},
             .fix = "Update the client's TLS library or configuration: drop NULL/EXPORT/anonymous/RC4/DES/3DES suites, enable TLS 1.3 and extended master secret.",
             .mq = NULL},
    .run = client_audit,
};

/* ---- refusals explained by a certificate seen later --------------------------------- */

static int same_group(const struct refusal *a, const struct refusal *b)
{
    if (a->server_index != b->server_index)
        return a->server_index < b->server_index ? -1 : 1;
    return strcmp(a->offered_key, b->offered_key);
}

static int by_group_then_id(const void *pa, const void *pb)
{
    const struct refusal *a = pa, *b = pb;
    int c = same_group(a, b);
    return c ? c : (a->id < b->id ? -1 : a->id > b->id);
}

/* One finding per server and offered key type, however many refusals it
 * explains. */
static void key_type_confirmed(const struct capture_state *st, const struct rule *self,
                               struct capture_out *out)
{
    if (!st->n_refusals)
        return;
    struct refusal *sorted = malloc(st->n_refusals * sizeof(*sorted));
    if (!sorted)
        return;
    memcpy(sorted, st->refusals, st->n_refusals * sizeof(*sorted));
    qsort(sorted, st->n_refusals, sizeof(*sorted), by_group_then_id);
    for (size_t i = 0, end; i < st->n_refusals; i = end) {
        const struct refusal *n = &sorted[i];
        for (end = i + 1; end < st->n_refusals && same_group(&sorted[end], n) == 0; end++)
            ;
        const struct server_facts *f = &st->servers[n->server_index];
        if (!f->has_leaf || strcmp(f->leaf_key_type, n->offered_key) == 0)
            continue;
        char subject[96];
        struct capture_finding *cf =
            capture_add(out, self, SEV_HIGH, server_subject(&f->server, subject, sizeof(subject)));
        if (!cf)
            break;
        size_t refused = end - i;
        for (size_t k = i; k < end; k++)
            capture_session(cf, sorted[k].id);
        capture_note(cf, "%zu session%s (the first #%llu) offered only %s suites and %s refused; session #%llu shows this server's certificate is %s %d bits",
                     refused, refused == 1 ? "" : "s", (unsigned long long)n->id, n->offered_key,
                     refused == 1 ? "was" : "were", (unsigned long long)f->leaf_session,
                     f->leaf_key_type, f->leaf_key_bits);
        capture_session(cf, f->leaf_session);
    }
    free(sorted);
}

const struct capture_rule rule_key_type_confirmed = {
    .rule = {.info = {.id = "cert-key-type-confirmed", .severity = SEV_HIGH, .title = "Refused key type confirmed by a later session",
                      .rationale = "A handshake refused before any certificate was sent is explained by the certificate the same server presented in another session.", .capture_wide = true},
             .fix = "Offer suites for the server's certificate key type on the refused client (MQ: a CipherSpec of that key type), or give the server a certificate of the type the client expects.",
             .mq = "AMQ9616E (queue manager); AMQ9665E / MQRC 2393 (client)"},
    .run = key_type_confirmed,
};

/* ---- revocation fetches ------------------------------------------------------------- */

static void revocation_delays(const struct capture_state *st, const struct rule *self,
                              struct capture_out *out)
{
    for (size_t i = 0; i < st->n_fetches; i++) {
        const struct fetch_facts *ff = &st->fetches[i];
        const struct revocation_fetch *rf = &ff->f;
        double took = rf->ts_response ? (double)(rf->ts_response - rf->ts_request) / 1e6 : -1;
        char subject[96], c[80];
        snprintf(subject, sizeof(subject), "%s fetch from %s", rf->kind,
                 endpoint_text(&rf->client, c, sizeof(c)));
        enum severity sev = took < 0 || took > 500 ? SEV_MEDIUM : SEV_INFO;
        struct capture_finding *cf = capture_add(out, self, sev, subject);
        if (!cf)
            return;
        if (took >= 0)
            capture_note(cf, "%s request to %s%s (packet %llu) answered in %.1f ms with HTTP %d",
                         rf->kind, rf->host, rf->path,
                         (unsigned long long)rf->packet, took, rf->status);
        else
            capture_note(cf, "%s request to %s%s (packet %llu) got no answer in the capture", rf->kind,
                         rf->host, rf->path, (unsigned long long)rf->packet);
        for (size_t k = 0; k < ff->n_ids; k++) {
            capture_note(cf, "made during the handshake of session #%llu, which took %.1f ms",
                         (unsigned long long)ff->ids[k], ff->hs_ms[k]);
            capture_session(cf, ff->ids[k]);
        }
    }
}

const struct capture_rule rule_revocation_fetch = {
    .rule = {.info = {.id = "revocation-fetch", .severity = SEV_INFO, .title = "Revocation check during a handshake",
                      .rationale = "An OCSP or CRL fetch made while a handshake waits adds its round trip to the handshake; when it fails, MQ's default OCSPAuthentication=REQUIRED stops the channel.", .capture_wide = true},
             .fix = "Make the responder fast and reachable from the validating host (MQ: SSLHTTPProxyName in the SSL stanza when it is reached through a proxy), "
                    "or relax the check: OCSPAuthentication=WARN or OCSPCheckExtensions=NO / CDPCheckExtensions=NO on a queue manager, ClientRevocationChecks=OPTIONAL or DISABLED in a client's mqclient.ini. "
                    "Certificates without an AIA URL are checked only against what SSLCRLNL names (AUTHINFO objects); MQ on z/OS has no OCSP at all and reads CRLs from LDAP (AUTHINFO of type CRLLDAP).",
             .mq = "AMQ9716E (the validating side: client for the queue manager's certificate, queue manager for the client's), when the check fails"},
    .run = revocation_delays,
};

/* ---- certificates per MQ channel ---------------------------------------------------- */

/* Which certificate each decoded channel got. One channel answered with
 * several certificates means the queue managers behind one name (a
 * multi-instance pair, a cluster behind a load balancer) hold different
 * key repositories or CERTLABL values: clients trusting one fail on the
 * other. One certificate for several channels is normal unless channels
 * were meant to have their own CERTLABL. */
/* ", negotiated NAME (VERSION)" for the CipherSpec a channel's session got. */
static const char *channel_spec(const uint16_t *version, uint32_t cipher, char *buf, size_t len)
{
    const struct mq_cipherspec *mq = *version ? mq_cipherspec_find(*version, cipher) : NULL;
    char ver[REG_LABEL_LEN], name[REG_LABEL_LEN];
    if (!*version)
        buf[0] = 0;
    else
        snprintf(buf, len, ", negotiated %s (%s)", mq ? mq->name : cipher_text(cipher, name),
                 version_text(*version, ver));
    return buf;
}

/* Each channel can have its own certificate (CERTLABL), and its SSLCIPH
 * must fit that certificate's key type: channels of one queue manager
 * whose certificates differ in key type are where a CipherSpec copied
 * from one channel to another breaks (mq-tls.md 7). */
static void key_types_differ(const struct capture_state *st, size_t i, struct capture_finding *cf)
{
    const struct channel_facts *c = &st->channels[i];
    for (size_t k = 0; k < c->n_certs; k++)
        for (size_t j = 0; j < st->n_channels; j++) {
            const struct channel_facts *o = &st->channels[j];
            for (size_t m = 0; j != i && m < o->n_certs; m++) {
                if (!same_endpoint(&c->certs[k].server, &o->certs[m].server) || !c->certs[k].key_type[0] ||
                    !o->certs[m].key_type[0] || strcmp(c->certs[k].key_type, o->certs[m].key_type) == 0)
                    continue;
                cf->f.severity = cf->f.severity < SEV_LOW ? SEV_LOW : cf->f.severity;
                capture_note(cf, "channel %s of the same queue manager has an %s certificate, this one %s: each "
                                 "channel's SSLCIPH must fit its own certificate's key type (ECDHE_ECDSA_* for EC, "
                                 "ECDHE_RSA_* or TLS_RSA_* for RSA; TLS 1.3 and ANY_TLS* values fit both)",
                             o->channel, o->certs[m].key_type, c->certs[k].key_type);
                return;
            }
        }
}

static void channel_certificates(const struct capture_state *st, const struct rule *self,
                                 struct capture_out *out)
{
    for (size_t i = 0; i < st->n_channels; i++) {
        const struct channel_facts *c = &st->channels[i];
        char subject[96];
        snprintf(subject, sizeof(subject), "MQ channel %s", c->channel);
        bool several = c->n_certs > 1;
        struct capture_finding *cf = capture_add(out, self, several ? SEV_LOW : SEV_INFO, subject);
        if (!cf)
            return;
        if (several)
            capture_note(cf, "%u sessions were answered with %zu different certificates",
                         c->sessions, c->n_certs + (c->other_certs ? 1 : 0));
        for (size_t k = 0; k < c->n_certs; k++) {
            char ep[80], spec[64];
            capture_note(cf, "%s (sha256 %02x%02x%02x%02x..., %s %d bits) from server %s in %u session%s, first #%llu%s",
                         c->certs[k].subject, c->certs[k].sha256[0], c->certs[k].sha256[1],
                         c->certs[k].sha256[2], c->certs[k].sha256[3],
                         c->certs[k].key_type[0] ? c->certs[k].key_type : "unknown key", c->certs[k].key_bits,
                         endpoint_text(&c->certs[k].server, ep, sizeof(ep)), c->certs[k].sessions,
                         c->certs[k].sessions == 1 ? "" : "s", (unsigned long long)c->certs[k].first_id,
                         channel_spec(&c->certs[k].version, c->certs[k].cipher, spec, sizeof(spec)));
            capture_session(cf, c->certs[k].first_id);
        }
        key_types_differ(st, i, cf);
        if (c->other_certs)
            capture_note(cf, "and %u sessions with yet other certificates", c->other_certs);
        for (size_t j = 0; j < st->n_channels; j++) {
            if (j == i)
                continue;
            for (size_t k = 0; k < c->n_certs; k++)
                for (size_t m = 0; m < st->channels[j].n_certs; m++)
                    if (memcmp(c->certs[k].sha256, st->channels[j].certs[m].sha256, 32) == 0)
                        capture_note(cf, "the same certificate also answered channel %s (session #%llu)",
                                     st->channels[j].channel,
                                     (unsigned long long)st->channels[j].certs[m].first_id);
        }
    }
}

const struct capture_rule rule_channel_certificates = {
    .rule = {.info = {.id = "mq-channel-certificates", .severity = SEV_INFO, .title = "Certificates per MQ channel",
                      .rationale = "Which certificate each channel (decoded from the SNI) was answered with, its key type and the CipherSpec negotiated; low when a channel was answered with different certificates (clients trusting one may fail on another), or when channels of one queue manager have certificates of different key types (each channel's CipherSpec must fit its own).", .capture_wide = true},
             .fix = "Give every queue manager serving the channel the same certificate label (CERTLABL on the channel, or the queue manager's CERTLABL) and the same CA chain; check each with: runmqakm -cert -list -db key.kdb -stashed.",
             .mq = "AMQ9633E (client, for a certificate it does not trust)"},
    .run = channel_certificates,
};
