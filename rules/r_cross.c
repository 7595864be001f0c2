/* Cross-field consistency no single message shows: the certificates
 * against what the client said it can verify, and key shares against what
 * the server wanted. */
#include "rules/internal.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static bool offered(const struct u16s *l, uint16_t code)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->v[i] == code)
            return true;
    return false;
}

/* The TLS SignatureScheme that verifies a certificate signed with the
 * X.509 algorithm `alg` (0 when there is no single answer). */
static uint16_t scheme_of(const char *alg)
{
    static const struct {
        const char *alg;
        uint16_t scheme;
    } map[] = {
        {"sha256WithRSAEncryption", 0x0401}, {"sha384WithRSAEncryption", 0x0501},
        {"sha512WithRSAEncryption", 0x0601}, {"sha1WithRSAEncryption", 0x0201},
        {"ecdsa-with-SHA256", 0x0403},       {"ecdsa-with-SHA384", 0x0503},
        {"ecdsa-with-SHA512", 0x0603},       {"ecdsa-with-SHA1", 0x0203},
        {"ED25519", 0x0807},                 {"ED448", 0x0808},
    };
    for (size_t i = 0; alg && i < ARRAY_LEN(map); i++)
        if (strcasecmp(map[i].alg, alg) == 0)
            return map[i].scheme;
    return 0;
}

static uint16_t curve_group(const char *curve)
{
    if (!curve)
        return 0;
    if (strcmp(curve, "prime256v1") == 0 || strcmp(curve, "P-256") == 0)
        return 0x0017;
    if (strcmp(curve, "secp384r1") == 0 || strcmp(curve, "P-384") == 0)
        return 0x0018;
    if (strcmp(curve, "secp521r1") == 0 || strcmp(curve, "P-521") == 0)
        return 0x0019;
    return 0;
}

static bool cert_sigalg_not_offered(const struct session *s, const struct rule_env *env,
                                    struct finding_out *out)
{
    (void)env;
    const struct hello *ch = &s->ch;
    if (!hello_whole(ch) || !ch->sig_algs.n || !s->server_certs.n)
        return false;
    const struct u16s *for_certs = ch->sig_algs_cert.n ? &ch->sig_algs_cert : &ch->sig_algs;
    bool hit = false;
    char buf[REG_LABEL_LEN];
    for (size_t i = 0; i < s->server_certs.n; i++) {
        const struct cert *c = &s->server_certs.v[i];
        if (c->parse_error || (c->self_signed && c->ca))
            continue;
        uint16_t scheme = scheme_of(c->sig_alg);
        if (!scheme || offered(for_certs, scheme))
            continue;
        hit = true;
        finding_note(out, "server certificate [%zu] is signed with %s (%s), which the client's %s does not list",
                     i, c->sig_alg, registry_sigscheme_label(scheme, buf),
                     ch->sig_algs_cert.n ? "signature_algorithms_cert" : "signature_algorithms");
    }
    const struct cert *leaf = chain_leaf(&s->server_certs);
    uint16_t group = leaf ? curve_group(leaf->curve) : 0;
    if (group && ch->groups.n && !session_is_tls13(s) && !offered(&ch->groups, group)) {
        hit = true;
        finding_note(out, "the server's ECDSA key is on %s, which the client's supported_groups does not list",
                     registry_group_label(group, buf));
    }
    return hit;
}

const struct rule rule_cert_sigalg_not_offered = {
    .info = {.id = "cert-sigalg-not-offered", .severity = SEV_MEDIUM, .title = "Certificate algorithms the client did not offer",
             .rationale = "The client lists the signature algorithms (and, for ECDSA in TLS 1.2, the curves) it can verify; a certificate outside them may be rejected."},
    .fix = "Serve a certificate chain signed with an algorithm the client supports (SHA-256 RSA or ECDSA), or extend the client's signature_algorithms / groups.",
    .mq = "AMQ9633E (client)",
    .check = cert_sigalg_not_offered,
};

void narrow_sigalgs_note(const struct hello *ch, struct finding_out *out)
{
    /* A handful of schemes is a client restricted by hand (-sigalgs, a
     * Java jdk.tls.client.SignatureSchemes): then a server key outside
     * them is as likely a cause of the refusal as the suites. */
    static const struct {
        const char *key;
        uint16_t lo, hi;
    } kinds[] = {
        {"RSASSA-PSS (rsa_pss_pss_*)", 0x0809, 0x080b},
        {"ECDSA P-256", 0x0403, 0x0403},
        {"ECDSA P-384", 0x0503, 0x0503},
        {"Ed25519", 0x0807, 0x0807},
    };
    if (!hello_whole(ch) || !ch->sig_algs.n || ch->sig_algs.n > 4)
        return;
    char list[256] = "", buf[REG_LABEL_LEN];
    size_t used = 0;
    for (size_t i = 0; i < ch->sig_algs.n && used < sizeof(list); i++)
        used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s", i ? ", " : "",
                                 registry_sigscheme_label(ch->sig_algs.v[i], buf));
    char missing[160] = "";
    used = 0;
    for (size_t i = 0; i < ARRAY_LEN(kinds) && used < sizeof(missing); i++)
        if (!offers_schemes(ch, kinds[i].lo, kinds[i].hi))
            used += (size_t)snprintf(missing + used, sizeof(missing) - used, "%s%s", used ? ", " : "", kinds[i].key);
    if (!missing[0])
        return;
    finding_note(out, "but the client's signature_algorithms lists only %s: a server whose key cannot sign with "
                      "those (%s) refuses with the same alert, so check the server's key type before the suites",
                 list, missing);
    bool mandatory = false;
    for (size_t i = 0; i < ch->ciphers.n; i++)
        mandatory |= ch->ciphers.v[i] == 0x1301;
    if (offers_tls13(ch) && mandatory)
        finding_note(out, "the more so as the client offers TLS 1.3 with TLS_AES_128_GCM_SHA256, which every TLS 1.3 "
                          "server must implement (RFC 8446 9.1): only a server limited to TLS 1.2 can lack it");
    finding_fix(out, "Compare the server's certificate key type (openssl x509 -noout -text) with the client's "
                     "signature algorithms, and widen them (OpenSSL -sigalgs) if they do not cover it. If they do:");
}

static bool rsa_without_pss(const struct session *s, const struct rule_env *env,
                            struct finding_out *out)
{
    unsigned verdict = rsa_pss_missing(s, env);
    if (!verdict)
        return false;
    if (verdict == 1) {
        finding_note(out, "TLS 1.3 signs the handshake with RSA-PSS only, but the client's signature_algorithms lists no rsa_pss_rsae_* scheme and the server's key is RSA");
    } else if (verdict == 3) {
        finding_note(out, "the server's key is RSASSA-PSS (id-RSASSA-PSS), which signs only with rsa_pss_pss_* schemes, "
                          "and the client's signature_algorithms lists none (rsa_pss_rsae_* are for ordinary RSA keys)");
    } else {
        out->severity = SEV_MEDIUM;
        finding_note(out, "the server answered the TLS 1.3 ClientHello with handshake_failure, and the client's signature_algorithms lists no rsa_pss_rsae_* scheme: "
                     "a server with an RSA key (the usual kind) cannot sign its TLS 1.3 handshake for this client");
    }
    const struct alert *al = failure_alert(s);
    if (al && al->dir == DIR_S2C) {
        finding_note(out, "the server ended the handshake with %s (packet %llu)",
                     al->encrypted ? "an encrypted alert" : registry_alert_name(al->desc),
                     (unsigned long long)al->at.packet);
        out->severity = SEV_HIGH; /* the handshake failed, most likely for this */
        out->explains = true;
    } else if (!s->established) {
        finding_note(out, "the handshake did not complete");
    }
    return true;
}

const struct rule rule_rsa_without_pss = {
    .info = {.id = "rsa-without-pss", .severity = SEV_HIGH, .title = "No RSA-PSS scheme the server's RSA key can sign with",
             .rationale = "In TLS 1.3 an RSA key signs with RSA-PSS (rsa_pss_rsae_*, RFC 8446 4.2.3), and an RSASSA-PSS key only ever signs with rsa_pss_pss_*; a client that offers neither the server's key can use cannot complete the handshake."},
    .fix = "Add the scheme the key needs to the client's signature algorithms (rsa_pss_rsae_sha256 for an RSA key, rsa_pss_pss_sha256 for an RSASSA-PSS key; OpenSSL -sigalgs), limit the client to TLS 1.2 (RSA keys), or give the server an ECDSA or ordinary RSA certificate.",
    .mq = "AMQ9616E (queue manager); AMQ9665E / MQRC 2393 (client)",
    .check = rsa_without_pss,
};

static bool hello_retry(const struct session *s, const struct rule_env *env,
                        struct finding_out *out)
{
    (void)env;
    char buf[REG_LABEL_LEN], b2[REG_LABEL_LEN];
    if (!s->hrr.present)
        return false;
    uint16_t wanted = s->hrr.key_share_groups.n ? s->hrr.key_share_groups.v[0] : 0;
    finding_note(out, "the server sent a HelloRetryRequest%s%s", wanted ? " asking for " : "",
                 wanted ? registry_group_label(wanted, buf) : "");
    if (s->ch.key_share_groups.n)
        finding_note(out, "the first ClientHello carried a key share for %s",
                     registry_group_label(s->ch.key_share_groups.v[0], b2));
    if (s->ch_retry.present && wanted && !offered(&s->ch_retry.key_share_groups, wanted)) {
        out->severity = SEV_MEDIUM;
        finding_note(out, "the second ClientHello still has no key share for %s: the handshake cannot proceed",
                     registry_group_label(wanted, buf));
    } else if (wanted && s->ch.groups.n && !offered(&s->ch.groups, wanted)) {
        out->severity = SEV_MEDIUM;
        finding_note(out, "the client never listed %s in supported_groups", registry_group_label(wanted, buf));
    } else {
        finding_note(out, "this costs one extra round trip on every connection");
    }
    return true;
}

const struct rule rule_hello_retry = {
    .info = {.id = "hello-retry", .severity = SEV_INFO, .title = "HelloRetryRequest: key share not accepted",
             .rationale = "The client guessed a key-exchange group the server does not take, so the server asked again; every new connection pays an extra round trip."},
    .fix = "Put the server's preferred group first in the client's groups (OpenSSL -groups X25519:P-256), or let the server accept the client's first choice.",
    .mq = NULL,
    .check = hello_retry,
};
