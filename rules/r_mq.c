/* IBM MQ rules: plaintext channels, servers answering TLS without it,
 * CipherSpec and SNI problems, and the channel's SSLCIPH / SSLCAUTH /
 * SSLPEER when the policy names them. Facts from the project's MQ
 * reference notes (IBM documentation). */
#include "rules/internal.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "include/escape.h"

static bool channel_sni(const struct session *s, char *channel)
{
    bool canonical;
    const struct bytes *sni = s->ch.sni.n ? &s->ch.sni.v[0] : NULL;
    return sni && mq_sni_decode(sni->p, sni->len, channel, &canonical);
}

bool mq_session(const struct session *s, const struct rule_env *env)
{
    char ch[MQ_CHANNEL_MAX + 1];
    return env->mq_port || channel_sni(s, ch) || s->mq.client || s->mq.server;
}

static const char *status_name(uint32_t code)
{
    switch (code) {
    case 1: return "no such channel";
    case 2: return "wrong channel type";
    case 3: return "queue manager unavailable";
    case 20: return "security failure";
    case 22: return "channel unavailable";
    case 24: return "CipherSpec mismatch (the channel expects TLS)";
    case 25: return "peer name (SSLPEER) mismatch";
    case 26: return "client certificate required";
    default: return "status";
    }
}

static void mq_names(const struct mq_plain *mq, struct finding_out *out)
{
    if (mq->channel[0])
        finding_note(out, "channel %s", mq->channel);
    if (mq->qmgr[0])
        finding_note(out, "queue manager %s", mq->qmgr);
    if (mq->fap)
        finding_note(out, "FAP level %u", mq->fap);
}

static bool mq_plaintext(const struct session *s, const struct rule_env *env,
                         struct finding_out *out)
{
    (void)env;
    if (!s->mq.client || s->ch.present)
        return false;
    finding_note(out, "the client started an IBM MQ conversation without TLS (TSH segments from packet %llu)",
                 (unsigned long long)s->mq.at.packet);
    mq_names(&s->mq, out);
    if (s->mq.userid || s->mq.password)
        finding_note(out, "a user id%s flowed in clear", s->mq.password ? " and password" : "");
    if (s->mq.has_status)
        finding_note(out, "the queue manager answered with STATUS %u: %s", s->mq.status,
                     status_name(s->mq.status));
    /* A channel with SSLCIPH refuses a plaintext start at once: a STATUS
     * naming the CipherSpec, or a close after at most its own initial
     * data (mq-tls.md 3e). One that carries on has no SSLCIPH either. */
    int64_t when;
    bool closed_soon = closed_by(s, s->mq.at.ts, &when) == DIR_S2C && when - s->mq.at.ts < 2000000000LL &&
                       s->bytes[DIR_S2C] < 512;
    bool refused = (s->mq.has_status && s->mq.status == 24) || closed_soon;
    if (closed_soon)
        finding_note(out, "the queue manager closed the connection %.1f ms after the client's first segment%s",
                     (double)(when - s->mq.at.ts) / 1e6,
                     s->bytes[DIR_S2C] ? ", with no more than a short reply" : ", without a reply");
    if (refused) {
        finding_note(out, "its channel expects TLS (SSLCIPH is set there) and this client has no SSLCIPH");
        finding_mq(out, "AMQ9639E (queue manager); AMQ9641E / MQRC 2393 (client)");
        out->explains = true;
    } else if (s->mq.server && s->bytes[DIR_S2C] >= 512) {
        finding_note(out, "the queue manager carried on in plaintext: its channel has no SSLCIPH either, and "
                          "everything on it, messages and credentials, can be read on the network");
    } else {
        /* how the queue manager took it is not in the capture */
        finding_mq(out, "AMQ9639E (queue manager); AMQ9641E / MQRC 2393 (client), where the channel has SSLCIPH");
    }
    return true;
}

const struct rule rule_mq_plaintext = {
    .info = {.id = "mq-plaintext", .severity = SEV_HIGH, .title = "IBM MQ channel without TLS",
             .rationale = "The channel runs with a blank SSLCIPH on the client side: messages and any credentials cross the network in clear, and a queue manager channel that expects TLS refuses it."},
    .fix = "Set SSLCIPH on both channel ends, e.g. ALTER CHANNEL(NAME) CHLTYPE(SVRCONN) SSLCIPH(ANY_TLS12_OR_HIGHER) on the queue manager "
           "and the same in the client's CCDT or MQCD (SSLCipherSpec), with a key repository on both sides (runmqakm -keydb -create -stash). "
           "A client loses its SSLCIPH when it is configured by MQSERVER or ServerConnectionParms, which cannot carry one (use a CCDT or MQCD instead), "
           "or when its CCDT's first entry matching the queue manager name is a channel without SSLCIPH.",
    .mq = NULL,
    .check = mq_plaintext,
};

static bool mq_server_plaintext(const struct session *s, const struct rule_env *env,
                                struct finding_out *out)
{
    (void)env;
    if (!s->mq.server || !s->ch.present)
        return false;
    char ch[MQ_CHANNEL_MAX + 1];
    finding_note(out, "the client sent a ClientHello%s%s and the server answered with plaintext IBM MQ (packet %llu)",
                 channel_sni(s, ch) ? " for channel " : "", channel_sni(s, ch) ? ch : "",
                 (unsigned long long)s->mq.at.packet);
    if (s->mq.has_status)
        finding_note(out, "STATUS %u: %s", s->mq.status, status_name(s->mq.status));
    mq_names(&s->mq, out);
    /* mq-tls.md 3e: a queue manager takes a ClientHello as TLS on any
     * listener and judges SSLCIPH only after the handshake */
    finding_note(out, "a queue manager does not answer this way: it takes a ClientHello as TLS on any listener and "
                      "compares the channel's SSLCIPH only after the handshake (a blank one shows as a completed "
                      "handshake and then a close); what answered is something else speaking MQ on this port, "
                      "such as a proxy or bridge in front of the queue manager");
    out->explains = true;
    return true;
}

const struct rule rule_mq_server_plaintext = {
    .info = {.id = "mq-server-plaintext", .severity = SEV_HIGH, .title = "Plaintext IBM MQ answered a ClientHello",
             .rationale = "The client wants TLS, and the endpoint answered with plaintext MQ segments: it did not take the bytes as TLS. A queue manager would have run the handshake, so the answer comes from something else on the path."},
    .fix = "Find what listens on this address and port (a proxy, bridge or port forward that speaks MQ itself), and connect the client to the queue manager's own listener; "
           "if the channel is meant to run without TLS, remove SSLCIPH from the client's channel definition instead.",
    .mq = "MQRC 2393 (client)",
    .check = mq_server_plaintext,
};

static bool mq_closed_after_hello(const struct session *s, const struct rule_env *env,
                                  struct finding_out *out)
{
    int64_t when;
    if (!mq_session(s, env) || !s->ch.present || s->sh.present || s->hrr.present || s->mq.server)
        return false;
    if (closed_by(s, s->ch.at.ts, &when) != DIR_S2C)
        return false;
    /* an alert from the server is an answer; the client's after the close is
     * only its reaction */
    for (size_t i = 0; i < s->alerts.n; i++)
        if (s->alerts.v[i].dir == DIR_S2C || s->alerts.v[i].at.ts < when)
            return false;
    char ch[MQ_CHANNEL_MAX + 1];
    finding_note(out, "the server closed the connection %.3f ms after the ClientHello%s%s without answering it",
                 (double)(when - s->ch.at.ts) / 1e6, channel_sni(s, ch) ? " for channel " : "",
                 channel_sni(s, ch) ? ch : "");
    finding_note(out, "a queue manager closes without a ServerHello when it cannot open its key repository (the "
                      "stash file missing or unreadable, or SSLKEYR naming the wrong stem) or has no certificate to "
                      "answer with; a blank SSLCIPH alone does not do this (with a certificate the handshake "
                      "completes first, then the queue manager closes: mq-cipherspec-mismatch), and a CipherSpec "
                      "it has not enabled gets a handshake_failure alert, not a silent close");
    out->explains = true;
    return true;
}

const struct rule rule_mq_closed_after_hello = {
    .info = {.id = "mq-closed-after-hello", .severity = SEV_HIGH, .title = "IBM MQ server closed after the ClientHello",
             .rationale = "The queue manager dropped the connection instead of answering the TLS hello."},
    .fix = "Check the queue manager's error log at the same time: AMQ9660E (the key repository's stash file is missing or unusable: "
           "recreate it with runmqakm -keydb -stashpw, and check SSLKEYR names the repository without its .kdb), or AMQ9637E "
           "(no certificate: set CERTLABL or the default label ibmwebspheremq<qmgr>); then REFRESH SECURITY TYPE(SSL).",
    .mq = "AMQ9660E or AMQ9637E (queue manager); AMQ9665E / MQRC 2393 (client)",
    .check = mq_closed_after_hello,
};

static bool mq_cipherspec_mismatch(const struct session *s, const struct rule_env *env,
                                   struct finding_out *out)
{
    char buf[REG_LABEL_LEN], ver[REG_LABEL_LEN], ch[MQ_CHANNEL_MAX + 1];
    if (!s->established || !s->has_cipher || !s->has_version)
        return false;
    const struct mq_cipherspec *mq = mq_cipherspec_find(s->version, s->cipher);
    const char *sslciph = env->channel && env->channel->sslciph[0] ? env->channel->sslciph
                        : env->server_pol && env->server_pol->sslciph[0] ? env->server_pol->sslciph
                                                                         : NULL;
    if (sslciph) {
        bool known;
        if (mq_sslciph_accepts(sslciph, s->version, s->cipher, &known))
            return false;
        finding_note(out, "negotiated %s at %s (MQ %s); the policy gives %s SSLCIPH(%s), which does not accept it",
                     cipher_text(s->cipher, buf), version_text(s->version, ver), mq ? mq->name : "no CipherSpec",
                     env->channel ? "the channel" : "this server", sslciph);
        out->explains = true;
        return true;
    }
    /* An MQ client speaks first after the handshake (its initial data
     * names the channel); the queue manager checks SSLCIPH on reading it
     * and closes without a word, where it would otherwise answer. In TLS
     * 1.3 its two session tickets are not an answer. */
    int64_t when, spoke = s->hs_end.ts;
    for (size_t i = 0; i < s->events.n; i++)
        if (s->events.v[i].kind == EV_APPDATA && s->events.v[i].dir == DIR_C2S) {
            spoke = s->events.v[i].at.ts;
            break;
        }
    uint32_t tickets = registry_version_is_tls13(s->version) ? 2 : 0;
    if (!mq_session(s, env) || !s->appdata_records[DIR_C2S] ||
        s->appdata_records[DIR_S2C] > tickets || closed_by(s, spoke, &when) != DIR_S2C ||
        when - spoke > 2000000000LL)
        return false;
    out->severity = SEV_MEDIUM;
    finding_note(out, "the handshake completed (%s at %s%s%s); the client sent its first MQ data and the server closed the connection %.3f ms later without answering",
                 cipher_text(s->cipher, buf), version_text(s->version, ver), mq ? ", MQ " : "",
                 mq ? mq->name : "", (double)(when - spoke) / 1e6);
    if (channel_sni(s, ch))
        finding_note(out, "channel %s", ch);
    finding_note(out, "the usual cause is a CipherSpec that does not match the channel's SSLCIPH, or a channel whose "
                      "SSLCIPH is blank on a queue manager that has a certificate (it completes the handshake, then "
                      "closes)");
    if (registry_version_is_tls13(s->version))
        finding_note(out, "TLS 1.3 was negotiated: a channel with SSLCIPH(ANY_TLS12) or a TLS 1.2 CipherSpec rejects it");
    finding_fix(out, "Give tlsscope the channel's SSLCIPH ([channel NAME] sslciph = ... in --policy) to know for certain.");
    out->explains = true;
    return true;
}

const struct rule rule_mq_cipherspec_mismatch = {
    .info = {.id = "mq-cipherspec-mismatch", .severity = SEV_HIGH, .title = "Negotiated CipherSpec does not match the channel's SSLCIPH",
             .rationale = "The TLS handshake happens before MQ knows the channel; afterwards the queue manager compares the negotiated CipherSpec with the channel's SSLCIPH and ends the connection when they differ."},
    .fix = "Make both ends agree: the same specific CipherSpec, or ANY_TLS12_OR_HIGHER on both (IBM recommends minimum-protocol values on both ends).",
    .mq = "AMQ9631E (queue manager); AMQ9641E / MQRC 2393 (client)",
    .check = mq_cipherspec_mismatch,
};

static bool mq_sni_not_channel(const struct session *s, const struct rule_env *env,
                               struct finding_out *out)
{
    char ch[MQ_CHANNEL_MAX + 1];
    if (!env->mq_port || !hello_whole(&s->ch) || s->ch.sslv2 || channel_sni(s, ch))
        return false;
    if (!s->ch.sni.n) {
        finding_note(out, "the client sent no server name to the MQ port %u", s->server.port);
    } else {
        const struct bytes *sni = &s->ch.sni.v[0];
        char host[256];
        finding_note(out, "the client sent the host name %s, not a channel name of the form <channel>.chl.mq.ibm.com",
                     escape_bytes(sni->p, sni->len, host, sizeof(host)));
    }
    finding_note(out, "the queue manager cannot pick a per-channel certificate (CERTLABL) and uses its default");
    return true;
}

const struct rule rule_mq_sni_not_channel = {
    .info = {.id = "mq-sni-not-channel", .severity = SEV_MEDIUM, .title = "No channel name in the SNI towards IBM MQ",
             .rationale = "MQ clients put the channel name in the SNI unless OutboundSNI is HOSTNAME (or the client is old or a proxy strips it); without it a channel's CERTLABL cannot apply."},
    .fix = "Set OutboundSNI=CHANNEL in the client's SSL stanza (mqclient.ini) or MQOUTBOUND_SNI=CHANNEL, or remove CERTLABL from the channel so the queue manager's default certificate is expected.",
    .mq = "AMQ9673E (queue manager, when the channel has CERTLABL); MQRC 2393, or MQRC 2059 from a Java client (client)",
    .check = mq_sni_not_channel,
};

static bool mq_sslcauth(const struct session *s, const struct rule_env *env,
                        struct finding_out *out)
{
    if (!env->channel || env->channel->sslcauth != SSLCAUTH_REQUIRED || !s->ch.present ||
        session_is_tls13(s) || !s->sh.present)
        return false;
    if (s->client_certs.n)
        return false;
    finding_note(out, "the policy gives channel %s SSLCAUTH(REQUIRED), and the client %s", env->channel->name,
                 s->client_certs.seen ? "sent an empty certificate list"
                 : s->cert_request.present ? "sent no certificate" : "was not even asked for one");
    if (!s->cert_request.present)
        finding_note(out, "the server did not request a client certificate in this handshake");
    if (s->established) {
        /* a queue manager enforcing it would have ended the handshake */
        out->severity = SEV_MEDIUM;
        finding_note(out, "yet the handshake completed: this queue manager did not insist, so check that the "
                          "channel really has SSLCAUTH(REQUIRED)");
        return true;
    }
    out->explains = true;
    return true;
}

const struct rule rule_mq_sslcauth = {
    .info = {.id = "mq-sslcauth", .severity = SEV_HIGH, .title = "SSLCAUTH(REQUIRED) without a client certificate",
             .rationale = "A channel with SSLCAUTH(REQUIRED) needs the client to present a certificate."},
    .fix = "Give the client a personal certificate (label ibmwebspheremq<user> or the CERTLABL in its CCDT) issued by a CA in the queue manager's key repository.",
    .mq = "AMQ9637E (queue manager); MQRC 2393 (client)",
    .check = mq_sslcauth,
};

/* SSLRKEYC (KeyResetCount, MQSSLRESET): after that many bytes the
 * initiating side renegotiates the secret key. In TLS 1.2 each reset is a
 * handshake inside the encrypted connection, seen without keys; in TLS
 * 1.3 a KeyUpdate, seen only decrypted (mq-tls.md 4). */
static bool mq_key_reset(const struct session *s, const struct rule_env *env,
                         struct finding_out *out)
{
    uint32_t updates = s->decryption.key_updates[DIR_C2S] + s->decryption.key_updates[DIR_S2C];
    if (!mq_session(s, env) || (!s->renegotiations && !updates))
        return false;
    int64_t first = 0, last = 0;
    uint32_t seen = 0;
    int dir = s->protected_ccs[DIR_C2S] >= s->protected_ccs[DIR_S2C] ? DIR_C2S : DIR_S2C;
    for (size_t i = 0; i < s->events.n; i++) {
        const struct event *e = &s->events.v[i];
        if (e->kind == EV_CCS && e->type == 1 && e->dir == dir) {
            last = e->at.ts;
            first = seen++ ? first : e->at.ts;
        }
    }
    uint64_t bytes = s->bytes[DIR_C2S] + s->bytes[DIR_S2C];
    uint32_t resets = s->renegotiations ? s->renegotiations : updates;
    finding_note(out, "%u secret-key reset%s (%s) in this connection, which carried %llu bytes in all: about one "
                      "every %llu bytes",
                 resets, resets == 1 ? "" : "s",
                 s->renegotiations ? "TLS renegotiations inside the encrypted connection" : "TLS 1.3 KeyUpdate messages",
                 (unsigned long long)bytes, (unsigned long long)(bytes / (resets + 1)));
    if (seen > 1)
        finding_note(out, "%u of them %.1f s apart on average", seen,
                     (double)(last - first) / 1e9 / (seen - 1));
    finding_note(out, "the initiating side's SSLRKEYC (KeyResetCount, MQSSLRESET) sets how many bytes pass between "
                      "resets; 1 to 32 KB counts as 32 KB, and with heartbeats a reset also comes before the data "
                      "after each one");
    return true;
}

const struct rule rule_mq_key_reset = {
    .info = {.id = "mq-key-reset", .severity = SEV_INFO, .title = "MQ secret-key resets (SSLRKEYC)",
             .rationale = "A channel with SSLRKEYC renegotiates its secret key after that many bytes: a handshake inside the encrypted TLS 1.2 connection (a KeyUpdate in TLS 1.3, visible only decrypted). Frequent resets cost handshakes; a client that cannot renegotiate disconnects instead."},
    .fix = "Set SSLRKEYC (queue manager, for its initiating channels) or KeyResetCount / MQSSLRESET (client) to the bytes you want between resets, 0 for never; a managed .NET client cannot renegotiate and reconnects (MQRC 2009) when it is reached.",
    .mq = NULL,
    .check = mq_key_reset,
};

/* SSLPEER: "ATTR=value" pairs, a trailing '*' matches any rest; every
 * attribute named must match one of the certificate's. */
static const char *attr_alias(const char *a)
{
    static const struct {
        const char *mq, *rfc;
    } aliases[] = {
        {"SP", "ST"}, {"S", "ST"}, {"MAIL", "emailAddress"}, {"E", "emailAddress"},
        {"EMAIL", "emailAddress"}, {"SERIALNUMBER", "serialNumber"}, {"PC", "postalCode"},
        {"USERID", "UID"}, {"T", "title"},
    };
    for (size_t i = 0; i < ARRAY_LEN(aliases); i++)
        if (strcasecmp(aliases[i].mq, a) == 0)
            return aliases[i].rfc;
    return a;
}

static bool value_match(const char *pattern, const char *value)
{
    size_t n = strlen(pattern);
    if (n && pattern[n - 1] == '*')
        return strncasecmp(pattern, value, n - 1) == 0;
    return strcasecmp(pattern, value) == 0;
}

/* Next "attr=value" of an RFC 2253 string or pattern, unescaped. */
static const char *next_pair(const char *p, char *attr, size_t alen, char *val, size_t vlen)
{
    while (*p == ' ' || *p == ',' || *p == '+')
        p++;
    if (!*p)
        return NULL;
    size_t a = 0, v = 0;
    while (*p && *p != '=')
        if (a + 1 < alen)
            attr[a++] = *p++;
        else
            p++;
    attr[a] = 0;
    while (a && attr[a - 1] == ' ')
        attr[--a] = 0;
    if (*p == '=')
        p++;
    while (*p == ' ')
        p++;
    while (*p && *p != ',' && *p != '+') {
        if (*p == '\\' && p[1])
            p++;
        if (v + 1 < vlen)
            val[v++] = *p;
        p++;
    }
    while (v && val[v - 1] == ' ')
        v--;
    val[v] = 0;
    return p;
}

bool sslpeer_matches(const char *pattern, const char *dn)
{
    char pa[32], pv[256];
    for (const char *p = pattern; (p = next_pair(p, pa, sizeof(pa), pv, sizeof(pv))) != NULL;) {
        bool found = false;
        char da[32], dv[256];
        for (const char *d = dn; !found && (d = next_pair(d, da, sizeof(da), dv, sizeof(dv))) != NULL;)
            found = strcasecmp(attr_alias(pa), da) == 0 && value_match(pv, dv);
        if (!found)
            return false;
    }
    return true;
}

/* SSLPEER is checked on both ends after the handshake: the queue
 * manager's channel filters the client's DN (AMQ9636E there, AMQ9643E at
 * the client), the client's MQCD or CCDT filters the queue manager's
 * (MQRC 2398 at the client). */
static bool mq_sslpeer(const struct session *s, const struct rule_env *env,
                       struct finding_out *out)
{
    if (!env->channel)
        return false;
    const struct cert *cl = chain_leaf(&s->client_certs), *sv = chain_leaf(&s->server_certs);
    bool qmgr_refuses = env->channel->sslpeer[0] && cl && cl->subject &&
                        !sslpeer_matches(env->channel->sslpeer, cl->subject);
    bool client_refuses = env->channel->client_sslpeer[0] && sv && sv->subject &&
                          !sslpeer_matches(env->channel->client_sslpeer, sv->subject);
    if (!qmgr_refuses && !client_refuses)
        return false;
    if (qmgr_refuses)
        finding_note(out, "the client certificate's subject %s does not match the queue manager's SSLPEER('%s') of "
                          "channel %s",
                     cl->subject, env->channel->sslpeer, env->channel->name);
    if (client_refuses)
        finding_note(out, "the queue manager certificate's subject %s does not match the client's SSLPEER('%s') for "
                          "channel %s",
                     sv->subject, env->channel->client_sslpeer, env->channel->name);
    if (qmgr_refuses && client_refuses)
        finding_mq(out, "AMQ9636E (queue manager); AMQ9643E and MQRC 2398 (client)");
    else if (qmgr_refuses)
        finding_mq(out, "AMQ9636E (queue manager); AMQ9643E (client)");
    else
        finding_mq(out, "MQRC 2398 (client)");
    /* the check follows a completed handshake; a failure elsewhere is not its doing */
    out->explains = s->established;
    if (!s->established)
        out->severity = SEV_MEDIUM;
    return true;
}

const struct rule rule_mq_sslpeer = {
    .info = {.id = "mq-sslpeer", .severity = SEV_HIGH, .title = "Certificate does not match SSLPEER",
             .rationale = "After the handshake each end compares its peer's distinguished name with its SSLPEER filter: the queue manager's channel the client's certificate, the client's MQCD or CCDT the queue manager's; a mismatch ends the channel."},
    .fix = "Correct the SSLPEER that refused (on the channel: ALTER CHANNEL(NAME) CHLTYPE(SVRCONN) SSLPEER('CN=...'); on the client: SSLPEER in its CCDT entry or MQCD) "
           "or use a certificate with the expected DN; one SSLPEER string cannot match two DN shapes, so for several use channel authentication records (SET CHLAUTH ... TYPE(SSLPEERMAP)).",
    .mq = "AMQ9636E (queue manager), AMQ9643E (client) for the client's DN; MQRC 2398 (client) for the queue manager's DN",
    .check = mq_sslpeer,
};
