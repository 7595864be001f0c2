/* Negotiation rules: why a handshake failed (from what each side offered
 * and the alert that ended it), and what a completed one agreed that it
 * should not have. */
#include "rules/internal.h"

#include <stdio.h>
#include <string.h>

/* ---- failures before a ServerHello ----------------------------------------------- */

static void list_offer(const struct hello *ch, struct finding_out *out)
{
    char buf[REG_LABEL_LEN], line[640];
    size_t n = 0, shown = 0, real = 0;
    for (size_t i = 0; i < ch->ciphers.n; i++)
        if (!is_grease(ch->ciphers.v[i]) && ch->ciphers.v[i] != 0x00ff && ch->ciphers.v[i] != 0x5600)
            real++;
    line[0] = 0;
    for (size_t i = 0; i < ch->ciphers.n && shown < 6; i++) {
        uint32_t c = ch->ciphers.v[i];
        if (is_grease(c) || c == 0x00ff || c == 0x5600)
            continue;
        n += (size_t)snprintf(line + n, sizeof(line) - n, "%s%s", shown ? ", " : "", cipher_text(c, buf));
        shown++;
        if (n >= sizeof(line))
            break;
    }
    finding_note(out, "the client offered %zu suite%s: %s%s", real, real == 1 ? "" : "s", line,
                 real > shown ? ", ..." : "");
    if (ch->versions.n) {
        n = 0;
        line[0] = 0;
        for (size_t i = 0; i < ch->versions.n; i++) {
            if (is_grease(ch->versions.v[i]))
                continue;
            n += (size_t)snprintf(line + n, sizeof(line) - n, "%s%s", n ? ", " : "",
                                  version_text(ch->versions.v[i], buf));
            if (n >= sizeof(line))
                break;
        }
        finding_note(out, "and versions %s", line);
    } else {
        finding_note(out, "up to %s", version_text(ch->version, buf));
    }
}

static const char *key_kind_name(unsigned kinds)
{
    return kinds == 1 ? "RSA" : kinds == 2 ? "ECDSA" : "other";
}

/* Does the certificate key type explain a refusal at the hello? A client
 * offering only ECDSA suites to a server with (most likely) an RSA
 * certificate is the classic case; offering only RSA suites is explained
 * that way only when another session showed a non-RSA certificate, since
 * RSA certificates are the norm. */
static bool key_type_explains(const struct session *s, const struct rule_env *env,
                              unsigned *kinds, bool *known)
{
    *kinds = refused_key_type(s);
    const struct server_facts *f = env->server;
    *known = f && f->has_leaf;
    if (!*kinds)
        return false;
    if (*known)
        return !((*kinds == 1 && strcmp(f->leaf_key_type, "rsa") == 0) ||
                 (*kinds == 2 && strcmp(f->leaf_key_type, "ecdsa") == 0));
    return *kinds == 2;
}

static bool key_type_mismatch(const struct session *s, const struct rule_env *env,
                              struct finding_out *out)
{
    char buf[REG_LABEL_LEN];
    unsigned kinds;
    bool known;
    if (key_type_explains(s, env, &kinds, &known)) {
        finding_note(out, "the client offered only suites for %s certificates and the server answered %s",
                     key_kind_name(kinds), registry_alert_name(fatal_alert(s)->desc));
        list_offer(&s->ch, out);
        const struct server_facts *f = env->server;
        if (known)
            finding_note(out, "this server's certificate is %s %d bits (seen in session #%llu)",
                         f->leaf_key_type, f->leaf_key_bits, (unsigned long long)f->leaf_session);
        else
            finding_note(out, "the server's certificate is probably not %s (no session of this server showed it yet)",
                         key_kind_name(kinds));
        finding_fix(out, "Offer %s suites too (MQ: an %s CipherSpec, e.g. %s) or give the server an %s certificate.",
                    kinds == 1 ? "ECDHE_ECDSA" : "ECDHE_RSA", kinds == 1 ? "ECDHE_ECDSA_*" : "ECDHE_RSA_*",
                    kinds == 1 ? "ECDHE_ECDSA_AES_256_GCM_SHA384" : "ECDHE_RSA_AES_256_GCM_SHA384",
                    key_kind_name(kinds));
        out->explains = true;
        return true;
    }
    /* A suite whose authentication the leaf's key cannot give. ECDSA
     * suites take EdDSA keys too (RFC 8422 5.1); RSA-signed ones take
     * RSA-PSS keys (RFC 8446 4.2.3), static RSA key exchange only an RSA
     * key that can decrypt. */
    const struct cert *leaf = chain_leaf(&s->server_certs);
    const struct cipher_info *ci = s->has_cipher ? registry_cipher(s->cipher) : NULL;
    if (!leaf || !leaf->key_type || !ci || (ci->flags & CF_TLS13))
        return false;
    const char *k = leaf->key_type;
    bool ecdsa_like = strcmp(k, "ecdsa") == 0 || strcmp(k, "ed25519") == 0 || strcmp(k, "ed448") == 0;
    bool rsa_like = strcmp(k, "rsa") == 0 || (strcmp(k, "rsa-pss") == 0 && ci->kx != KXA_RSA);
    bool bad = (ci->auth == AUTH_ECDSA && !ecdsa_like) || (ci->auth == AUTH_RSA && !rsa_like);
    if (!bad)
        return false;
    finding_note(out, "the server chose %s but its certificate has a %s key", cipher_text(s->cipher, buf), k);
    if (s->established)
        out->severity = SEV_MEDIUM; /* it worked here: a stricter peer refuses */
    return true;
}

const struct rule rule_key_type_mismatch = {
    .info = {.id = "cert-key-type-mismatch", .severity = SEV_HIGH, .title = "Certificate key type does not fit the cipher suites",
             .rationale = "TLS 1.2 suites name the key type of the server certificate (ECDHE_ECDSA_* needs ECDSA, ECDHE_RSA_* and TLS_RSA_* need RSA); when the client offers only the other kind the handshake fails."},
    .fix = "In MQ, the channel's SSLCIPH must match the key type of the certificate the queue manager presents (IBM lists the key type per CipherSpec).",
    .mq = "AMQ9616E, cause e: the certificate key type (queue manager); AMQ9665E / MQRC 2393 (client)",
    .check = key_type_mismatch,
};

static bool no_shared_cipher(const struct session *s, const struct rule_env *env,
                             struct finding_out *out)
{
    const struct alert *al;
    char buf[REG_LABEL_LEN];
    unsigned kinds;
    bool known;
    if (!refused_at_hello(s, &al) || (al->desc != 40 && al->desc != 71) ||
        key_type_explains(s, env, &kinds, &known) || rsa_pss_missing(s, env))
        return false;
    finding_note(out, "the server answered the ClientHello with %s (packet %llu) instead of a ServerHello",
                 registry_alert_name(al->desc), (unsigned long long)al->at.packet);
    list_offer(&s->ch, out);
    if (kinds == 1 && !known)
        finding_note(out, "all of them need an RSA certificate: if the server's is ECDSA, that alone explains the refusal");
    narrow_sigalgs_note(&s->ch, out);
    const struct server_facts *f = env->server;
    if (f && f->n_ciphers) {
        char ver[REG_LABEL_LEN];
        finding_note(out, "with other clients this server chose %s at %s",
                     cipher_text(f->ciphers[0], buf), version_text(f->versions[0], ver));
    }
    out->explains = true;
    return true;
}

const struct rule rule_no_shared_cipher = {
    .info = {.id = "no-shared-cipher", .severity = SEV_HIGH, .title = "No cipher suite in common",
             .rationale = "The server found nothing it accepts among the client's suites (or its policy, such as FIPS or Suite B, excludes them)."},
    .fix = "Compare both sides' lists (openssl ciphers -v 'LIST'; tlsscope cipher NAME) and enable a common suite. "
           "In MQ the SSLCIPH of both channel ends must name the same CipherSpec or compatible ANY_* values, and AllowedCipherSpecs / SSLFIPS / SUITEB must not exclude it.",
    .mq = "AMQ9616E (queue manager); AMQ9665E / MQRC 2393 (client)",
    .check = no_shared_cipher,
};

/* The newest version the ClientHello offers, as sent (DTLS's codes are
 * compared by the TLS version they match). */
static uint16_t best_offered(const struct hello *ch)
{
    uint16_t best = ch->versions.n ? 0 : ch->version;
    for (size_t i = 0; i < ch->versions.n; i++) {
        uint16_t v = ch->versions.v[i];
        if (!is_grease(v) && (!best || registry_version_rank(v) > registry_version_rank(best)))
            best = v;
    }
    return best;
}

static bool protocol_version_mismatch(const struct session *s, const struct rule_env *env,
                                      struct finding_out *out)
{
    const struct alert *al = failure_alert(s);
    char buf[REG_LABEL_LEN];
    if (!al || al->encrypted || !s->ch.present || s->ch.sslv2)
        return false;
    /* OpenSSL 3 answers a hello limited to TLS 1.1 or older with
     * internal_error: at its default security level those versions'
     * MD5+SHA-1 handshake signatures are refused, so it has no version to
     * offer; the alert says "internal", the cause is the versions */
    bool old_offer = al->dir == DIR_S2C && !s->sh.present && al->desc == 80 &&
                     registry_version_rank(best_offered(&s->ch)) <= VER_TLS11;
    if (al->desc != 70 && !old_offer)
        return false;
    if (old_offer)
        finding_note(out, "the server answered a ClientHello offering at most %s with internal_error (packet %llu): "
                          "OpenSSL 3 does so when none of the offered versions is enabled (its default minimum, "
                          "at security level 2, is TLS 1.2), so this is a version mismatch, not a server fault",
                     version_text(best_offered(&s->ch), buf), (unsigned long long)al->at.packet);
    else
        finding_note(out, "the %s ended the handshake with protocol_version (packet %llu)",
                     al->dir == DIR_S2C ? "server" : "client", (unsigned long long)al->at.packet);
    out->explains = true;
    list_offer(&s->ch, out);
    if (s->sh.present)
        finding_note(out, "the server chose %s", version_text(s->version, buf));
    const struct server_facts *f = env->server;
    if (f && f->n_versions)
        finding_note(out, "this server negotiated %s with other clients", version_text(f->versions[0], buf));
    return true;
}

const struct rule rule_protocol_version_mismatch = {
    .info = {.id = "protocol-version-mismatch", .severity = SEV_HIGH, .title = "No protocol version in common",
             .rationale = "One side accepts only versions the other does not offer (for example a TLS 1.3-only client and a TLS 1.2-only server)."},
    .fix = "Enable a common version on both sides (openssl s_client -tls1_2 / -tls1_3 to test). In MQ: AllowTLSV13 for TLS 1.3, AllowTLSV1 for TLS 1.0, "
           "and SSLCIPH values whose protocol both ends accept (ANY_TLS12_OR_HIGHER on both is the usual choice).",
    .mq = "AMQ9616E (queue manager); AMQ9665E / MQRC 2393 (client)",
    .check = protocol_version_mismatch,
};

/* ---- what a completed handshake agreed --------------------------------------------- */

static bool weak_protocol(const struct session *s, const struct rule_env *env,
                          struct finding_out *out)
{
    char buf[REG_LABEL_LEN], min[REG_LABEL_LEN];
    if (!s->sh.present || !s->has_version || registry_version_is_tls13(s->version))
        return false;
    bool per_server = env->server_pol && env->server_pol->min_version;
    uint16_t floor = per_server ? env->server_pol->min_version : env->pol->min_version;
    uint16_t rank = registry_version_rank(s->version);
    if (rank >= floor)
        return false;
    if (rank <= VER_SSL3)
        out->severity = SEV_HIGH;
    char where[128];
    if (per_server)
        snprintf(where, sizeof(where), "[server %s:%u] of the policy", env->server_pol->host,
                 env->server_pol->port);
    else
        snprintf(where, sizeof(where), "the policy (min_protocol)");
    finding_note(out, "negotiated %s; %s asks for at least %s", version_text(s->version, buf), where,
                 version_text(floor, min));
    uint16_t best = best_offered(&s->ch);
    if (s->ch.present && registry_version_rank(best) > rank)
        finding_note(out, "the client offered up to %s, so the server chose the older version",
                     version_text(best, buf));
    else if (s->ch.present)
        finding_note(out, "the client offered nothing newer");
    return true;
}

const struct rule rule_weak_protocol = {
    .info = {.id = "weak-protocol", .severity = SEV_MEDIUM, .title = "Old protocol version negotiated",
             .rationale = "SSLv2 and SSLv3 are broken; TLS 1.0 and 1.1 are deprecated (RFC 8996) and lack modern cipher suites."},
    .fix = "Disable versions below TLS 1.2 (nginx ssl_protocols TLSv1.2 TLSv1.3; Java jdk.tls.disabledAlgorithms; "
           "MQ: use TLS 1.2/1.3 CipherSpecs or ANY_TLS12_OR_HIGHER and leave AllowTLSV1/AllowSSLV3 off).",
    .mq = NULL,
    .check = weak_protocol,
};

static bool weak_cipher(const struct session *s, const struct rule_env *env,
                        struct finding_out *out)
{
    (void)env;
    const char *why;
    char buf[REG_LABEL_LEN];
    if (!s->sh.present || !s->has_cipher)
        return false;
    const struct cipher_info *ci = registry_cipher(s->cipher);
    if (!ci) {
        if (s->version == VER_SSL2) {
            finding_note(out, "negotiated the SSLv2 cipher %s", cipher_text(s->cipher, buf));
            return true;
        }
        return false;
    }
    if (!cipher_is_weak(ci, &why))
        return false;
    /* 3DES needs hundreds of gigabytes under one key (Sweet32): weak
     * against a realistic attacker, not broken for this session */
    if (strstr(ci->enc, "3DES") && !(ci->flags & (CF_NULL | CF_EXPORT | CF_ANON)))
        out->severity = SEV_MEDIUM;
    finding_note(out, "negotiated %s: %s", ci->name, why);
    const struct mq_cipherspec *mq = mq_cipherspec_find(s->version, s->cipher);
    if (mq && mq->deprecated)
        finding_note(out, "the MQ CipherSpec %s is deprecated and works only when re-enabled (AllowWeakCipherSpec)", mq->name);
    return true;
}

const struct rule rule_weak_cipher = {
    .info = {.id = "weak-cipher", .severity = SEV_HIGH, .title = "Weak cipher suite negotiated",
             .rationale = "NULL, export, anonymous, RC4, DES and 3DES suites and MD5 MACs give no or breakable protection."},
    .fix = "Remove the suite from the server's list (OpenSSL: '!aNULL:!eNULL:!EXPORT:!RC4:!DES:!3DES:!MD5'); in MQ choose a current CipherSpec such as ECDHE_RSA_AES_256_GCM_SHA384 and unset AllowWeakCipherSpec.",
    .mq = NULL,
    .check = weak_cipher,
};

static bool weak_cipher_offered(const struct session *s, const struct rule_env *env,
                                struct finding_out *out)
{
    (void)env;
    const char *why;
    size_t n = 0;
    if (!s->ch.present)
        return false;
    for (size_t i = 0; i < s->ch.ciphers.n; i++) {
        const struct cipher_info *ci = registry_cipher(s->ch.ciphers.v[i]);
        if (!ci || !cipher_is_weak(ci, &why))
            continue;
        if (n++ < 5)
            finding_note(out, "%s (%s)", ci->name, why);
    }
    if (!n)
        return false;
    if (n > 5)
        finding_note(out, "and %zu more", n - 5);
    finding_note(out, "%zu weak suite%s offered by the client", n, n == 1 ? "" : "s");
    return true;
}

const struct rule rule_weak_cipher_offered = {
    .info = {.id = "weak-cipher-offered", .severity = SEV_INFO, .title = "Client offers weak cipher suites",
             .rationale = "A client that offers weak suites can be talked into them by a server that prefers them, or by an attacker where the handshake is not protected."},
    .fix = "Remove the weak suites from the client's configuration (OpenSSL cipher string, Java jdk.tls.disabledAlgorithms, the CipherSpec list of the MQ client).",
    .mq = NULL,
    .check = weak_cipher_offered,
};

static bool no_forward_secrecy(const struct session *s, const struct rule_env *env,
                               struct finding_out *out)
{
    (void)env;
    if (!s->sh.present || !s->has_cipher)
        return false;
    const struct cipher_info *ci = registry_cipher(s->cipher);
    if (!ci || ci->kx != KXA_RSA || (ci->flags & CF_TLS13))
        return false;
    finding_note(out, "%s uses RSA key exchange: whoever obtains the server's private key can decrypt this recorded session",
                 ci->name);
    return true;
}

const struct rule rule_no_forward_secrecy = {
    .info = {.id = "no-forward-secrecy", .severity = SEV_LOW, .title = "No forward secrecy",
             .rationale = "With static RSA key exchange every recorded session can be decrypted later with the server's private key."},
    .fix = "Prefer ECDHE suites (MQ: ECDHE_RSA_AES_256_GCM_SHA384 instead of TLS_RSA_WITH_AES_256_GCM_SHA384) or TLS 1.3.",
    .mq = NULL,
    .check = no_forward_secrecy,
};

static bool cbc_sha1(const struct session *s, const struct rule_env *env,
                     struct finding_out *out)
{
    (void)env;
    const char *why;
    if (!s->sh.present || !s->has_cipher)
        return false;
    const struct cipher_info *ci = registry_cipher(s->cipher);
    if (!ci || !(ci->flags & CF_CBC) || strcmp(ci->mac, "SHA") != 0 || cipher_is_weak(ci, &why))
        return false;
    finding_note(out, "negotiated %s: CBC mode with an HMAC-SHA1 MAC%s", ci->name,
                 s->sh.etm ? "" : ", MAC-then-encrypt (no encrypt_then_mac)");
    return true;
}

const struct rule rule_cbc_sha1 = {
    .info = {.id = "cbc-sha1", .severity = SEV_LOW, .title = "CBC suite with SHA-1 MAC",
             .rationale = "CBC suites with MAC-then-encrypt are prone to padding-oracle attacks (Lucky13) and SHA-1 is dated; AEAD suites avoid both."},
    .fix = "Prefer AES-GCM or ChaCha20-Poly1305 suites.",
    .mq = NULL,
    .check = cbc_sha1,
};

static bool cipher_not_allowed(const struct session *s, const struct rule_env *env,
                               struct finding_out *out)
{
    char cs[REG_LABEL_LEN], ver[REG_LABEL_LEN], where[128];
    if (!s->sh.present || !s->has_cipher || !s->has_version)
        return false;
    /* a [server] section's list replaces the global one for that server */
    const struct cipher_list *l = &env->pol->allowed;
    snprintf(where, sizeof(where), "the policy's allowed_ciphers");
    if (env->server_pol && env->server_pol->allowed.n) {
        l = &env->server_pol->allowed;
        snprintf(where, sizeof(where), "allowed_ciphers of [server %s:%u]", env->server_pol->host,
                 env->server_pol->port);
    }
    if (!l->n || cipher_list_allows(l, s->version, s->cipher))
        return false;
    finding_note(out, "negotiated %s at %s, which %s (%s%s) does not include", cipher_text(s->cipher, cs),
                 version_text(s->version, ver), where, l->v[0], l->n > 1 ? ", ..." : "");
    return true;
}

const struct rule rule_cipher_not_allowed = {
    .info = {.id = "cipher-not-allowed", .severity = SEV_MEDIUM, .title = "Cipher suite outside the policy",
             .rationale = "The policy names the suites (or MQ CipherSpec lists) this server may use; the session used another."},
    .fix = "Align the server's cipher configuration with the policy, or update allowed_ciphers in the policy file.",
    .mq = NULL,
    .check = cipher_not_allowed,
};

static bool weak_dh(const struct session *s, const struct rule_env *env,
                    struct finding_out *out)
{
    if (!s->ske.dh_p_bits || s->ske.dh_p_bits >= env->pol->min_dh_bits)
        return false;
    if (s->ske.dh_p_bits < 1024)
        out->severity = SEV_HIGH;
    finding_note(out, "the server's DHE group has a %u-bit prime; the policy asks for %d (min_dh_bits)",
                 s->ske.dh_p_bits, env->pol->min_dh_bits);
    return true;
}

const struct rule rule_weak_dh = {
    .info = {.id = "weak-dh", .severity = SEV_MEDIUM, .title = "Weak Diffie-Hellman group",
             .rationale = "DHE primes below 2048 bits are within reach of well-funded attackers (Logjam); below 1024 bits of anyone."},
    .fix = "Use 2048-bit or larger DH parameters (openssl dhparam 2048; nginx ssl_dhparam) or prefer ECDHE suites.",
    .mq = NULL,
    .check = weak_dh,
};

static bool tls_compression(const struct session *s, const struct rule_env *env,
                            struct finding_out *out)
{
    (void)env;
    uint8_t method;
    struct cur c = cur_make(s->sh.compression.p, s->sh.compression.len);
    if (!s->sh.present || !cur_u8(&c, &method) || method == 0)
        return false;
    finding_note(out, "the server selected compression method %u%s", method,
                 method == 1 ? " (DEFLATE)" : "");
    const struct bytes *offered = &s->ch.compression;
    if (s->ch.present && !(offered->len && memchr(offered->p, method, offered->len)))
        finding_note(out, "which the client did not offer (a conforming client ends the handshake)");
    const struct alert *al = failure_alert(s);
    if (al && al->dir == DIR_C2S) {
        finding_note(out, "the client ended the handshake with %s (packet %llu)",
                     al->encrypted ? "an encrypted alert" : registry_alert_name(al->desc),
                     (unsigned long long)al->at.packet);
        out->explains = true;
    }
    return true;
}

const struct rule rule_tls_compression = {
    .info = {.id = "tls-compression", .severity = SEV_HIGH, .title = "TLS compression enabled",
             .rationale = "Compressing before encrypting leaks secrets through the ciphertext length (CRIME)."},
    .fix = "Disable TLS compression (OpenSSL: SSL_OP_NO_COMPRESSION, the default since 1.1.0).",
    .mq = NULL,
    .check = tls_compression,
};

static bool client_offers_reneg(const struct hello *ch)
{
    if (ch->reneg_info)
        return true;
    for (size_t i = 0; i < ch->ciphers.n; i++)
        if (ch->ciphers.v[i] == 0x00ff)
            return true;
    return false;
}

static bool insecure_renegotiation(const struct session *s, const struct rule_env *env,
                                   struct finding_out *out)
{
    (void)env;
    bool hit = false;
    if (session_is_tls13(s) || s->hrr.present || (s->has_version && s->version <= VER_SSL2))
        return false;
    /* TLS 1.3 has no renegotiation: a client offering nothing older has
     * nothing to secure. Absence means something only in a hello that
     * parsed whole. */
    bool client_signalled = s->ch.present && client_offers_reneg(&s->ch);
    if (hello_whole(&s->ch) && !s->ch.sslv2 && !client_signalled && offers_below_tls13(&s->ch)) {
        hit = true;
        finding_note(out, "the client sent neither renegotiation_info nor TLS_EMPTY_RENEGOTIATION_INFO_SCSV");
    }
    /* RFC 5746 3.6: a server answers with renegotiation_info only to a
     * client that signalled (an SSLv2-format hello can carry the SCSV) */
    if (client_signalled && hello_whole(&s->sh) && !s->sh.sslv2 && !s->sh.reneg_info) {
        hit = true;
        finding_note(out, "the client signalled secure renegotiation but the server's hello lacks renegotiation_info: "
                          "the server does not support it");
    }
    return hit;
}

const struct rule rule_insecure_renegotiation = {
    .info = {.id = "insecure-renegotiation", .severity = SEV_MEDIUM, .title = "No secure renegotiation",
             .rationale = "Without RFC 5746 an attacker can splice a prefix into a renegotiated connection."},
    .fix = "Upgrade the TLS library (every maintained one supports RFC 5746) or disable renegotiation.",
    .mq = NULL,
    .check = insecure_renegotiation,
};

static bool no_ems(const struct session *s, const struct rule_env *env,
                   struct finding_out *out)
{
    (void)env;
    if (!hello_whole(&s->sh) || s->sh.sslv2 || !s->has_version || registry_version_rank(s->version) < VER_TLS10 ||
        registry_version_is_tls13(s->version) || s->sh.ems)
        return false;
    finding_note(out, "%s without extended_master_secret (the client %s it)",
                 s->version == VER_TLS12 ? "TLS 1.2" : s->version == VER_DTLS12 ? "DTLS 1.2" : "an old TLS version",
                 s->ch.ems ? "offered" : hello_whole(&s->ch) ? "did not offer" : "may have offered: its hello did not parse whole");
    return true;
}

const struct rule rule_no_ems = {
    .info = {.id = "no-extended-master-secret", .severity = SEV_LOW, .title = "No extended master secret",
             .rationale = "Without RFC 7627 the master secret is not bound to the handshake, which allows triple-handshake attacks on resumption and renegotiation."},
    .fix = "Enable extended_master_secret on both sides (on by default in current OpenSSL, Java and Go).",
    .mq = NULL,
    .check = no_ems,
};

/* The smallest protected record a real heartbeat can be with the suite
 * negotiated: type(1) length(2) and at least 16 bytes of padding (RFC 6520
 * 4), then the record protection: a MAC and CBC padding with its own
 * block (and an explicit IV from TLS 1.1), or an AEAD tag (and GCM/CCM's
 * explicit nonce). 0 when the suite is not known well enough. */
static uint32_t min_heartbeat_record(const struct session *s)
{
    const struct cipher_info *ci = s->has_cipher ? registry_cipher(s->cipher) : NULL;
    if (!ci || (ci->flags & CF_TLS13) || !ci->enc || !ci->mac)
        return 0;
    uint32_t plain = 3 + 16;
    if (strstr(ci->enc, "GCM") || strstr(ci->enc, "CCM"))
        return plain + 8 + (strstr(ci->enc, "CCM_8") ? 8 : 16);
    if (strstr(ci->enc, "CHACHA20"))
        return plain + 16;
    uint32_t mac = strcmp(ci->mac, "SHA") == 0 ? 20 : strcmp(ci->mac, "SHA256") == 0 ? 32
                 : strcmp(ci->mac, "SHA384") == 0 ? 48 : strcmp(ci->mac, "MD5") == 0 ? 16 : 0;
    if (!mac)
        return 0;
    if (!(ci->flags & CF_CBC))
        return plain + mac; /* a stream cipher */
    uint32_t block = strstr(ci->enc, "AES") || strstr(ci->enc, "CAMELLIA") || strstr(ci->enc, "ARIA") ? 16 : 8;
    uint32_t body = (plain + mac + 1 + block - 1) / block * block;
    return body + (registry_version_rank(s->version) >= VER_TLS11 ? block : 0);
}

/* Heartbleed under encryption: a request shorter than any real heartbeat
 * can be with this suite is the probe, and an answer larger than the
 * request is a peer sending more than it was given: its memory. */
static bool encrypted_heartbleed(const struct session *s, struct finding_out *out)
{
    uint32_t least = min_heartbeat_record(s);
    bool hit = false;
    for (size_t i = 0; i < s->events.n; i++) {
        const struct event *q = &s->events.v[i];
        if (q->kind != EV_HEARTBEAT || q->type != 255 || !least || q->len >= least)
            continue;
        hit = true;
        char cs[REG_LABEL_LEN];
        finding_note(out, "an encrypted heartbeat request of %u bytes from the %s (packet %llu): with %s no real "
                          "heartbeat is shorter than %u bytes, so it claims a payload it does not carry",
                     q->len, q->dir == DIR_C2S ? "client" : "server", (unsigned long long)q->at.packet,
                     cipher_text(s->cipher, cs), least);
        for (size_t k = i + 1; k < s->events.n; k++) {
            const struct event *a = &s->events.v[k];
            if (a->kind != EV_HEARTBEAT || a->dir == q->dir)
                continue;
            if (a->len > q->len)
                finding_note(out, "the %s answered with %u bytes (packet %llu), more than the request: a "
                                  "vulnerable peer sending part of its memory",
                             a->dir == DIR_C2S ? "client" : "server", a->len, (unsigned long long)a->at.packet);
            break;
        }
        break;
    }
    return hit;
}

static bool heartbeat_overread(const struct session *s, const struct rule_env *env,
                               struct finding_out *out)
{
    (void)env;
    bool hit = encrypted_heartbleed(s, out);
    for (size_t i = 0; i < s->anomalies.n; i++) {
        const struct anomaly *a = &s->anomalies.v[i];
        if (strcmp(a->what, "heartbeat_overread") != 0)
            continue;
        hit = true;
        finding_note(out, "%s (from the %s, packet %llu)", a->detail,
                     a->dir == DIR_C2S ? "client" : "server", (unsigned long long)a->at.packet);
        /* an alert that follows it answers the attack */
        const struct alert *al = failure_alert(s);
        if (!al)
            al = fatal_alert(s);
        if (al && al->dir != a->dir && al->at.ts >= a->at.ts)
            finding_note(out, "the %s answered with %s (packet %llu)", al->dir == DIR_S2C ? "server" : "client",
                         al->encrypted ? "an encrypted alert" : registry_alert_name(al->desc),
                         (unsigned long long)al->at.packet);
    }
    /* a probe, not a client: whatever ended the connection, the attack is
     * what to know about it */
    out->explains = hit;
    return hit;
}

const struct rule rule_heartbeat_overread = {
    .info = {.id = "heartbeat-overread", .severity = SEV_HIGH, .title = "Heartbleed: a heartbeat claiming more than it carries",
             .rationale = "A heartbeat request claiming more payload than it carries is the Heartbleed attack; a vulnerable peer answers with its memory. Encrypted, the request is too short for any real heartbeat, and an answer larger than it is the memory."},
    .fix = "Check the server for CVE-2014-0160 (OpenSSL 1.0.1 to 1.0.1f) and upgrade; disable the heartbeat extension.",
    .mq = NULL,
    .check = heartbeat_overread,
};

/* ---- client certificates --------------------------------------------------------- */

static bool client_cert_missing(const struct session *s, const struct rule_env *env,
                                struct finding_out *out)
{
    bool empty = s->client_certs.seen && s->client_certs.n == 0;
    /* a TLS 1.3 client sends a Certificate only when asked (RFC 8446
     * 4.4.2), so an empty one proves the request even unseen (encrypted) */
    bool tls13 = session_is_tls13(s);
    if (!(tls13 ? empty : s->cert_request.present))
        return false;
    bool absent = !tls13 && !s->client_certs.seen && s->cke_seen; /* SSLv3 clients just skip it */
    if (!empty && !absent)
        return false;
    finding_note(out, "the server asked for a client certificate; the client %s",
                 empty ? "answered with an empty Certificate message" : "sent none");
    if (s->client_certs.from_record_size)
        finding_note(out, "(its encrypted record has the size of an empty Certificate and nothing else)");
    if (s->cert_request.ca_names.n)
        finding_note(out, "the server accepts certificates issued by %s%s", s->cert_request.ca_names.v[0],
                     s->cert_request.ca_names.n > 1 ? " (and others)" : "");
    const struct alert *al = failure_alert(s);
    if (al && al->dir == DIR_S2C) {
        finding_note(out, "the server then ended the handshake with %s (packet %llu)",
                     al->encrypted ? "an encrypted alert" : registry_alert_name(al->desc),
                     (unsigned long long)al->at.packet);
        out->explains = true;
    } else if (s->established) {
        out->severity = SEV_LOW;
        finding_note(out, "the server accepted that (client authentication optional)");
    }
    if (env->channel && env->channel->sslcauth == SSLCAUTH_REQUIRED)
        finding_note(out, "the policy says channel %s has SSLCAUTH(REQUIRED)", env->channel->name);
    return true;
}

const struct rule rule_client_cert_missing = {
    .info = {.id = "client-cert-missing", .severity = SEV_HIGH, .title = "Client certificate requested but not sent",
             .rationale = "The client had no certificate matching the server's request (or none configured); a server requiring one ends the handshake."},
    .fix = "Give the client a certificate issued by a CA the server names, and make the client use it "
           "(MQ: a personal certificate labelled ibmwebspheremq<user> or CERTLABL in the client's key repository; "
           "Java: javax.net.ssl.keyStore). Or set SSLCAUTH(OPTIONAL) on the server channel if client authentication is not wanted.",
    .mq = "AMQ9637E (queue manager, with SSLCAUTH(REQUIRED)); AMQ9665E / MQRC 2393 (client)",
    .check = client_cert_missing,
};
