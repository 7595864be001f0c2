/* Certificate rules: validity, key strength, signature hashes, chain shape
 * and trust, usage extensions, and whether the names fit. Each looks at
 * the server's chain and the client's. */
#include "rules/internal.h"

#include <arpa/inet.h>

#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "include/escape.h"
#include "include/idna.h"

/* Every certificate of both chains with a label for evidence. */
struct cert_ref {
    const struct cert *c;
    const char *role; /* "server" or "client" */
    size_t index;
    size_t chain_len;
};

typedef void (*cert_visit)(const struct cert_ref *ref, const struct session *s,
                           const struct rule_env *env, struct finding_out *out,
                           bool *hit);

/* A chain as the bit of a mask: whose certificates a finding is about. */
#define SERVER_CHAIN (1u << DIR_S2C)
#define CLIENT_CHAIN (1u << DIR_C2S)

/* each_cert - visit every decoded certificate of both chains; the chains
 * the visit found something in (SERVER_CHAIN, CLIENT_CHAIN), 0 for none. */
static unsigned each_cert(const struct session *s, const struct rule_env *env,
                          struct finding_out *out, cert_visit visit)
{
    unsigned chains_hit = 0;
    const struct chain *chains[2] = {&s->server_certs, &s->client_certs};
    static const char *const roles[2] = {"server", "client"};
    static const unsigned masks[2] = {SERVER_CHAIN, CLIENT_CHAIN};
    for (int k = 0; k < 2; k++) {
        for (size_t i = 0; i < chains[k]->n; i++) {
            const struct cert *c = &chains[k]->v[i];
            if (c->parse_error)
                continue;
            struct cert_ref ref = {c, roles[k], i, chains[k]->n};
            bool hit = false;
            visit(&ref, s, env, out, &hit);
            if (hit)
                chains_hit |= masks[k];
        }
    }
    return chains_hit;
}

/* What a refusal of each kind of certificate problem looks like: the
 * alert that names it, and the two every stack may use for any
 * (bad_certificate, certificate_unknown; Java says certificate_unknown for
 * most). An encrypted TLS 1.3 alert after the chain fits any of them. */
enum refusal_kind { R_VALIDITY, R_TRUST, R_USAGE, R_STRENGTH, R_NAME };

static bool refusal_fits(const struct alert *a, enum refusal_kind kind)
{
    if (a->encrypted || a->desc == 42 || a->desc == 46)
        return true;
    switch (kind) {
    case R_VALIDITY: return a->desc == 45;              /* certificate_expired */
    case R_TRUST: return a->desc == 48;                 /* unknown_ca */
    case R_USAGE: return a->desc == 43;                 /* unsupported_certificate */
    case R_STRENGTH: return a->desc == 43 || a->desc == 71; /* insufficient_security */
    case R_NAME: return false;
    }
    return false;
}

/* claim_refusal - a certificate problem is why the handshake failed when
 * the side that validates that chain refused it with an alert that fits
 * the problem: the finding becomes high and explains the alert
 * (alert-explained then stays silent). */
static void claim_refusal(const struct session *s, struct finding_out *out, unsigned chains,
                          enum refusal_kind kind)
{
    for (int role = DIR_C2S; role <= DIR_S2C; role++) {
        const struct alert *a = (chains & (1u << role)) ? cert_refusal(s, role) : NULL;
        if (!a || !refusal_fits(a, kind))
            continue;
        out->severity = SEV_HIGH;
        out->explains = true;
        const char *name = a->encrypted ? NULL : registry_alert_name(a->desc);
        finding_note(out, "the %s then refused the %s's certificate with %s%s (packet %llu)",
                     role == DIR_S2C ? "client" : "server", role == DIR_S2C ? "server" : "client",
                     name ? name : "an encrypted alert", name ? "" : " (TLS 1.3: the certificate is encrypted too)",
                     (unsigned long long)a->at.packet);
        return;
    }
}

/* claimed - each_cert's result after claim_refusal: whether to report. */
static bool claimed(const struct session *s, struct finding_out *out, unsigned chains,
                    enum refusal_kind kind)
{
    if (chains)
        claim_refusal(s, out, chains, kind);
    return chains != 0;
}

/* refused - claimed, for the problems MQ reports as AMQ9633E on the side
 * that validates the chain: the client for the queue manager's
 * certificate, the queue manager for the client's. */
static bool refused(const struct session *s, struct finding_out *out, unsigned chains,
                    enum refusal_kind kind)
{
    if (!claimed(s, out, chains, kind))
        return false;
    if (chains == SERVER_CHAIN)
        finding_mq(out, "AMQ9633E (client); AMQ9665E (queue manager)");
    else if (chains == CLIENT_CHAIN)
        finding_mq(out, "AMQ9633E (queue manager); AMQ9665E / MQRC 2393 (client)");
    else
        finding_mq(out, "AMQ9633E (client, for the queue manager's certificate; queue manager, for the client's)");
    return true;
}

static const char *who(const struct cert_ref *r, char *buf, size_t len)
{
    char cn[128];
    cert_cn(r->c, cn, sizeof(cn));
    snprintf(buf, len, "%s certificate [%zu] %s%s", r->role, r->index,
             cn[0] ? "CN=" : "", cn[0] ? cn : (r->c->subject ? r->c->subject : "?"));
    return buf;
}

/* A root: self-signed and a CA, or self-signed with no basicConstraints at
 * all (an X.509 v1 root, or one made before the extension was usual). */
static bool is_root(const struct cert *c)
{
    return c->self_signed && (!c->has_basic_constraints || c->ca);
}

/* A CA certificate: what issues others (basicConstraints CA:TRUE, or a
 * v1 root, which has no extensions to say so). */
static bool is_ca(const struct cert *c)
{
    return (c->has_basic_constraints && c->ca) || is_root(c);
}

/* ---- validity ------------------------------------------------------------------ */

static void expired_one(const struct cert_ref *r, const struct session *s,
                        const struct rule_env *env, struct finding_out *out, bool *hit)
{
    (void)s;
    char w[200], d[16];
    if (!r->c->has_validity || env->now <= r->c->not_after)
        return;
    *hit = true;
    finding_note(out, "%s expired on %s", who(r, w, sizeof(w)),
                 utc_text(r->c->not_after, UTC_DAY, d, sizeof(d)));
}

static bool cert_expired(const struct session *s, const struct rule_env *env,
                         struct finding_out *out)
{
    if (env->clock_doubt) /* capture-clock says why the dates were not judged */
        return false;
    unsigned chains = each_cert(s, env, out, expired_one);
    if (!chains)
        return false;
    finding_note(out, "judged at %s (use --as-of to choose another clock)", rule_clock(env));
    return refused(s, out, chains, R_VALIDITY);
}

const struct rule rule_cert_expired = {
    .info = {.id = "cert-expired", .severity = SEV_HIGH, .title = "Certificate expired",
             .rationale = "A peer that checks validity rejects an expired certificate; MQ reports it on the validating side."},
    .fix = "Renew the certificate and install it with its chain (openssl x509 -noout -enddate -in cert.pem to check; "
           "runmqakm -cert -receive / keytool -importcert for MQ and Java key stores), then REFRESH SECURITY TYPE(SSL) on the queue manager.",
    .mq = "AMQ9633E (the validating side: client for the queue manager's certificate, queue manager for the client's)",
    .check = cert_expired,
};

static void future_one(const struct cert_ref *r, const struct session *s,
                       const struct rule_env *env, struct finding_out *out, bool *hit)
{
    (void)s;
    char w[200], d[16];
    if (!r->c->has_validity || env->now >= r->c->not_before)
        return;
    *hit = true;
    finding_note(out, "%s is valid only from %s", who(r, w, sizeof(w)),
                 utc_text(r->c->not_before, UTC_DAY, d, sizeof(d)));
}

static bool cert_not_yet_valid(const struct session *s, const struct rule_env *env,
                               struct finding_out *out)
{
    if (env->clock_doubt)
        return false;
    unsigned chains = each_cert(s, env, out, future_one);
    if (!chains)
        return false;
    finding_note(out, "judged at %s", rule_clock(env));
    return refused(s, out, chains, R_VALIDITY);
}

const struct rule rule_cert_not_yet_valid = {
    .info = {.id = "cert-not-yet-valid", .severity = SEV_HIGH, .title = "Certificate not yet valid",
             .rationale = "A certificate whose validity starts in the future is rejected; usually a clock set wrong on the issuing or the validating host."},
    .fix = "Check the clocks of both hosts (timedatectl; NTP), or issue the certificate with a start date in the past.",
    .mq = "AMQ9633E (the validating side: client for the queue manager's certificate, queue manager for the client's)",
    .check = cert_not_yet_valid,
};

/* A certificate outside its validity at the doubted clock: what would
 * have been reported, had the clock been believed. */
static void outside_one(const struct cert_ref *r, const struct session *s,
                        const struct rule_env *env, struct finding_out *out, bool *hit)
{
    (void)s;
    char w[200], from[16], to[16];
    if (!r->c->has_validity || (env->now >= r->c->not_before && env->now <= r->c->not_after))
        return;
    *hit = true;
    finding_note(out, "%s (valid %s .. %s) would have been called %s", who(r, w, sizeof(w)),
                 utc_text(r->c->not_before, UTC_DAY, from, sizeof(from)), utc_text(r->c->not_after, UTC_DAY, to, sizeof(to)),
                 env->now < r->c->not_before ? "not yet valid" : "expired");
}

static bool capture_clock(const struct session *s, const struct rule_env *env, struct finding_out *out)
{
    if (!env->clock_doubt)
        return false;
    struct finding_out probe = *out;
    if (!each_cert(s, env, &probe, outside_one))
        return false;
    finding_note(out, "%s", env->clock_doubt);
    finding_note(out, "so certificate dates were not judged against it");
    (void)each_cert(s, env, out, outside_one);
    return true;
}

const struct rule rule_capture_clock = {
    .info = {.id = "capture-clock", .severity = SEV_INFO, .title = "The capture's clock cannot be trusted",
             .rationale = "Validity is judged at the capture's time by default; a capture whose timestamps stood still, predate the protocol it carries, lie in the future or precede the CA that issued the leaf would turn every certificate into a false expired or not-yet-valid finding."},
    .fix = "Judge the certificates at a date you know: --as-of YYYY-MM-DD, or --as-of now.",
    .mq = NULL,
    .check = capture_clock,
};

static void expiring_one(const struct cert_ref *r, const struct session *s,
                         const struct rule_env *env, struct finding_out *out, bool *hit)
{
    (void)s;
    char w[200], d[16];
    int64_t left = r->c->not_after - env->now;
    int64_t window = (int64_t)env->pol->expiry_warning_days * 86400;
    /* a proxy certificate lives hours by design: its end is no warning */
    if (!r->c->has_validity || r->c->proxy || left < 0 || left > window)
        return;
    *hit = true;
    if (left < 7 * 86400)
        out->severity = SEV_MEDIUM;
    finding_note(out, "%s expires on %s, in %lld days", who(r, w, sizeof(w)),
                 utc_text(r->c->not_after, UTC_DAY, d, sizeof(d)), (long long)(left / 86400));
}

static bool cert_expiring(const struct session *s, const struct rule_env *env,
                          struct finding_out *out)
{
    if (env->clock_doubt)
        return false;
    if (!each_cert(s, env, out, expiring_one))
        return false;
    finding_note(out, "judged at %s; warning window %d days (policy expiry_warning_days)",
                 rule_clock(env), env->pol->expiry_warning_days);
    return true;
}

const struct rule rule_cert_expiring = {
    .info = {.id = "cert-expiring", .severity = SEV_LOW, .title = "Certificate expires soon",
             .rationale = "Renewing before expiry avoids an outage; MQ channels stop at the first handshake after it."},
    .fix = "Renew and deploy the certificate before it expires.",
    .mq = NULL,
    .check = cert_expiring,
};

/* The CA/Browser Forum Baseline Requirements' longest subscriber
 * certificate validity, by issue date. */
static int64_t cab_limit_days(int64_t issued)
{
    static const struct {
        int64_t from; /* seconds since the epoch */
        int64_t days;
    } limits[] = {
        {1857945600LL, 47},   /* 2029-03-15 */
        {1804982400LL, 100},  /* 2027-03-15 */
        {1773532800LL, 200},  /* 2026-03-15 */
        {1598918400LL, 398},  /* 2020-09-01 */
        {1519862400LL, 825},  /* 2018-03-01 */
        {1427846400LL, 1185}, /* 2015-04-01: 39 months */
        {1341100800LL, 1826}, /* 2012-07-01: 60 months */
    };
    for (size_t i = 0; i < ARRAY_LEN(limits); i++)
        if (issued >= limits[i].from)
            return limits[i].days;
    return 0;
}

static bool cert_validity_too_long(const struct session *s, const struct rule_env *env,
                                   struct finding_out *out)
{
    (void)env;
    const struct cert *leaf = chain_leaf(&s->server_certs);
    if (!leaf || leaf->parse_error || !leaf->has_validity || !s->server_certs.public_root)
        return false;
    int64_t limit = cab_limit_days(leaf->not_before);
    /* the Baseline Requirements count notBefore through notAfter inclusive */
    int64_t seconds = leaf->not_after - leaf->not_before + 1;
    if (!limit || seconds <= limit * 86400)
        return false;
    char d[16], extra[48] = "";
    int64_t rest = seconds % 86400;
    if (rest)
        snprintf(extra, sizeof(extra), " and %02lld:%02lld:%02lld", (long long)(rest / 3600),
                 (long long)(rest / 60 % 60), (long long)(rest % 60));
    finding_note(out, "the publicly trusted server certificate issued %s is valid for %lld days%s; "
                 "the CA/Browser Forum allowed at most %lld days for certificates issued then",
                 utc_text(leaf->not_before, UTC_DAY, d, sizeof(d)), (long long)(seconds / 86400), extra,
                 (long long)limit);
    return claimed(s, out, SERVER_CHAIN, R_VALIDITY);
}

const struct rule rule_cert_validity_too_long = {
    .info = {.id = "cert-validity-too-long", .severity = SEV_MEDIUM, .title = "Validity longer than public CAs may issue",
             .rationale = "Browsers and other clients following the CA/Browser Forum reject publicly trusted certificates valid for longer than the limit in force when they were issued; private CAs are exempt."},
    .fix = "Reissue the certificate with a validity within the CA/Browser Forum limit (200 days from 2026-03-15, 100 from 2027-03-15, 47 from 2029-03-15) and automate renewal (ACME).",
    .mq = NULL,
    .check = cert_validity_too_long,
};

/* ---- keys and signatures --------------------------------------------------------- */

static void rsa_one(const struct cert_ref *r, const struct session *s,
                    const struct rule_env *env, struct finding_out *out, bool *hit)
{
    (void)s;
    char w[200];
    if (!r->c->key_type || strcmp(r->c->key_type, "rsa") != 0 ||
        r->c->key_bits >= env->pol->min_rsa_bits)
        return;
    *hit = true;
    if (r->c->key_bits < 1024)
        out->severity = SEV_HIGH;
    finding_note(out, "%s has a %d-bit RSA key%s", who(r, w, sizeof(w)), r->c->key_bits,
                 is_ca(r->c) ? " (a CA certificate)" : "");
}

static bool cert_weak_rsa(const struct session *s, const struct rule_env *env,
                          struct finding_out *out)
{
    unsigned chains = each_cert(s, env, out, rsa_one);
    if (!chains)
        return false;
    finding_note(out, "minimum %d bits (policy min_rsa_bits)", env->pol->min_rsa_bits);
    if (mq_session(s, env))
        finding_note(out, "MQ checks this only where MinimumRSAKeySize is set in the SSL stanza (its default, 1, "
                          "enforces nothing); from MQ 9.2 it applies to the CA certificates as well as the leaf, "
                          "in every queue manager and client that sees the chain");
    return claimed(s, out, chains, R_STRENGTH);
}

const struct rule rule_cert_weak_rsa = {
    .info = {.id = "cert-weak-rsa-key", .severity = SEV_MEDIUM, .title = "RSA key too short",
             .rationale = "RSA keys below 2048 bits can be factored with feasible effort; MQ rejects them where MinimumRSAKeySize is set (its default enforces nothing), for the CA certificates as well as the leaf."},
    .fix = "Issue a new key of at least 2048 bits (openssl req -newkey rsa:3072; runmqakm -certreq -create -size 3072; keytool -genkeypair -keysize 3072).",
    .mq = NULL, /* the reference documents no message for MinimumRSAKeySize */
    .check = cert_weak_rsa,
};

static void ec_one(const struct cert_ref *r, const struct session *s,
                   const struct rule_env *env, struct finding_out *out, bool *hit)
{
    (void)s;
    char w[200];
    if (!r->c->key_type || strcmp(r->c->key_type, "ecdsa") != 0 ||
        r->c->key_bits >= env->pol->min_ec_bits)
        return;
    *hit = true;
    if (r->c->key_bits < 224)
        out->severity = SEV_HIGH;
    finding_note(out, "%s uses the %d-bit curve %s", who(r, w, sizeof(w)), r->c->key_bits,
                 r->c->curve ? r->c->curve : "?");
}

static bool cert_weak_ec(const struct session *s, const struct rule_env *env,
                         struct finding_out *out)
{
    unsigned chains = each_cert(s, env, out, ec_one);
    if (!chains)
        return false;
    finding_note(out, "minimum %d bits (policy min_ec_bits)", env->pol->min_ec_bits);
    return claimed(s, out, chains, R_STRENGTH);
}

const struct rule rule_cert_weak_ec = {
    .info = {.id = "cert-weak-ec-curve", .severity = SEV_MEDIUM, .title = "Elliptic curve too small",
             .rationale = "Curves below 256 bits give less than 128-bit security and many clients no longer accept them."},
    .fix = "Issue a new key on P-256 or P-384 (openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256; runmqakm -certreq -create -sig_alg EC_ecdsa_with_SHA256).",
    .mq = NULL,
    .check = cert_weak_ec,
};

static void dsa_one(const struct cert_ref *r, const struct session *s,
                    const struct rule_env *env, struct finding_out *out, bool *hit)
{
    (void)s;
    (void)env;
    char w[200];
    if (!r->c->key_type || strcmp(r->c->key_type, "dsa") != 0)
        return;
    *hit = true;
    finding_note(out, "%s has a %d-bit DSA key", who(r, w, sizeof(w)), r->c->key_bits);
}

static bool cert_dsa(const struct session *s, const struct rule_env *env,
                     struct finding_out *out)
{
    return claimed(s, out, each_cert(s, env, out, dsa_one), R_STRENGTH);
}

const struct rule rule_cert_dsa = {
    .info = {.id = "cert-dsa-key", .severity = SEV_MEDIUM, .title = "DSA key",
             .rationale = "DSA is removed from TLS 1.3 and deprecated elsewhere; most clients cannot use a DSA certificate any more."},
    .fix = "Replace the certificate with an RSA (2048+) or ECDSA (P-256+) one.",
    .mq = NULL,
    .check = cert_dsa,
};

static void sig_one(const struct cert_ref *r, const struct session *s,
                    const struct rule_env *env, struct finding_out *out, bool *hit)
{
    (void)s;
    (void)env;
    char w[200];
    const char *alg = r->c->sig_alg;
    /* A root's own signature is never checked, so its hash does not matter. */
    if (!alg || is_root(r->c))
        return;
    bool md5 = strcasestr(alg, "md5") != NULL;
    bool sha1 = strcasestr(alg, "sha1") != NULL || strcasecmp(alg, "dsaWithSHA") == 0;
    if (!md5 && !sha1)
        return;
    *hit = true;
    if (md5)
        out->severity = SEV_HIGH;
    finding_note(out, "%s is signed with %s", who(r, w, sizeof(w)), alg);
}

static bool cert_weak_signature(const struct session *s, const struct rule_env *env,
                                struct finding_out *out)
{
    return refused(s, out, each_cert(s, env, out, sig_one), R_STRENGTH);
}

const struct rule rule_cert_weak_signature = {
    .info = {.id = "cert-weak-signature", .severity = SEV_MEDIUM, .title = "Certificate signed with MD5 or SHA-1",
             .rationale = "MD5 and SHA-1 signatures can be forged; current clients reject them (roots excepted, their signature is not checked)."},
    .fix = "Have the CA reissue the certificate with a SHA-256 signature (openssl x509 -sha256 / runmqakm -cert -sign -sig_alg SHA256WithRSA).",
    .mq = "AMQ9633E (the validating side: client for the queue manager's certificate, queue manager for the client's)",
    .check = cert_weak_signature,
};

/* ---- chain shape and trust ------------------------------------------------------- */

static bool cert_self_signed_leaf(const struct session *s, const struct rule_env *env,
                                  struct finding_out *out)
{
    (void)env;
    unsigned chains_hit = 0;
    const struct chain *chains[2] = {&s->server_certs, &s->client_certs};
    static const char *const roles[2] = {"server", "client"};
    static const unsigned masks[2] = {SERVER_CHAIN, CLIENT_CHAIN};
    for (int k = 0; k < 2; k++) {
        const struct cert *leaf = chain_leaf(chains[k]);
        if (!leaf || leaf->parse_error || !leaf->self_signed)
            continue;
        char cn[128];
        chains_hit |= masks[k];
        finding_note(out, "the %s's certificate CN=%s is self-signed", roles[k],
                     cert_cn(leaf, cn, sizeof(cn)));
    }
    return refused(s, out, chains_hit, R_TRUST);
}

const struct rule rule_cert_self_signed_leaf = {
    .info = {.id = "cert-self-signed-leaf", .severity = SEV_MEDIUM, .title = "Self-signed certificate",
             .rationale = "A self-signed certificate is trusted only by peers that hold a copy of it; everyone else rejects it."},
    .fix = "Use a certificate issued by a CA both sides trust, or add this certificate to the peer's trust store "
           "(runmqakm -cert -add -label ... ; keytool -importcert -trustcacerts).",
    .mq = "AMQ9633E (the validating side: client for the queue manager's certificate, queue manager for the client's)",
    .check = cert_self_signed_leaf,
};

static bool subject_in_chain(const struct chain *c, const char *dn)
{
    for (size_t i = 0; dn && i < c->n; i++)
        if (c->v[i].subject && strcmp(c->v[i].subject, dn) == 0)
            return true;
    return false;
}

static bool cert_chain_order(const struct session *s, const struct rule_env *env,
                             struct finding_out *out)
{
    (void)env;
    bool hit = false;
    const struct chain *chains[2] = {&s->server_certs, &s->client_certs};
    static const char *const roles[2] = {"server", "client"};
    for (int k = 0; k < 2; k++) {
        const struct chain *c = chains[k];
        for (size_t i = 0; i + 1 < c->n; i++) {
            const struct cert *a = &c->v[i], *b = &c->v[i + 1];
            if (!a->issuer || !b->subject || strcmp(a->issuer, b->subject) == 0 ||
                a->self_signed)
                continue;
            if (!subject_in_chain(c, a->issuer))
                continue; /* missing, not misplaced: cert-chain-incomplete */
            hit = true;
            finding_note(out, "%s chain: certificate [%zu] is issued by %s but [%zu] is %s",
                         roles[k], i, a->issuer, i + 1, b->subject);
        }
    }
    return hit;
}

const struct rule rule_cert_chain_order = {
    .info = {.id = "cert-chain-order", .severity = SEV_LOW, .title = "Certificate chain out of order",
             .rationale = "TLS 1.2 requires each certificate to be followed by its issuer; strict clients reject a shuffled chain."},
    .fix = "Send the chain leaf first, then each issuer in turn (cat leaf.pem intermediate.pem > chain.pem; ssl_certificate chain.pem in nginx).",
    .mq = NULL,
    .check = cert_chain_order,
};

/* Without a trust store the issuer of the last certificate sent may be a
 * root the peer holds (leaving it out is allowed, and normal) or an
 * intermediate it lacks. A gap inside the chain is certain. At the top:
 * a CA certificate is normally signed by a root, perhaps one since retired
 * from today's trust store, so that is complete; a leaf is incomplete when
 * it comes from a public CA (SCTs, an OCSP responder or CRL: public roots
 * never sign leaves directly), and Java, OpenSSL and MQ then fail. A leaf
 * of a private CA may be signed by its root directly: nothing is claimed
 * without --ca-file, where cert-untrusted says exactly. */
static bool cert_chain_incomplete(const struct session *s, const struct rule_env *env,
                                  struct finding_out *out)
{
    (void)env;
    unsigned chains_hit = 0;
    const struct chain *chains[2] = {&s->server_certs, &s->client_certs};
    static const char *const roles[2] = {"server", "client"};
    static const unsigned masks[2] = {SERVER_CHAIN, CLIENT_CHAIN};
    for (int k = 0; k < 2; k++) {
        const struct chain *c = chains[k];
        if (!c->n || c->public_root || c->trusted.checked)
            continue;
        for (size_t i = 0; i < c->n; i++) {
            const struct cert *a = &c->v[i];
            if (a->parse_error || a->self_signed || !a->issuer || subject_in_chain(c, a->issuer))
                continue;
            bool top = i + 1 == c->n;
            bool public_leaf = a->n_scts || a->ocsp_urls.n || a->crl_urls.n;
            if (top && (is_ca(a) || !public_leaf))
                continue;
            chains_hit |= masks[k];
            if (!top)
                finding_note(out, "%s chain: the issuer of certificate [%zu], %s, is not among the %zu sent",
                             roles[k], i, a->issuer, c->n);
            else
                finding_note(out, "%s chain: the leaf, from a public CA (it carries %s), was sent without its "
                             "issuer %s, which is not a root of the system trust store: public roots do not sign "
                             "leaves, so an intermediate is missing; browsers may fetch it, Java, OpenSSL and "
                             "IBM MQ fail",
                             roles[k], a->n_scts ? "SCTs" : a->ocsp_urls.n ? "an OCSP responder" : "a CRL location",
                             a->issuer);
        }
    }
    return refused(s, out, chains_hit, R_TRUST);
}

const struct rule rule_cert_chain_incomplete = {
    .info = {.id = "cert-chain-incomplete", .severity = SEV_MEDIUM, .title = "Intermediate missing from the chain",
             .rationale = "A peer can only build the path to its trusted root if the sender includes every intermediate; leaving out the root itself is normal."},
    .fix = "Send the intermediate certificates with the leaf (MQ: add them to the key repository, runmqakm -cert -add; nginx: ssl_certificate with the full chain), "
           "and make sure the peer trusts the root. Check with: openssl s_client -showcerts, or tlsscope --ca-file ROOT.pem.",
    .mq = "AMQ9633E (the validating side: client for the queue manager's certificate, queue manager for the client's)",
    .check = cert_chain_incomplete,
};

static bool cert_untrusted(const struct session *s, const struct rule_env *env,
                           struct finding_out *out)
{
    (void)env;
    unsigned chains_hit = 0;
    const struct chain *chains[2] = {&s->server_certs, &s->client_certs};
    static const char *const roles[2] = {"server", "client"};
    static const unsigned masks[2] = {SERVER_CHAIN, CLIENT_CHAIN};
    for (int k = 0; k < 2; k++) {
        const struct chain_check *t = &chains[k]->trusted;
        if (!t->checked || t->ok)
            continue;
        chains_hit |= masks[k];
        finding_note(out, "OpenSSL rejects the %s's chain against --ca-file at the capture's time: %s (certificate [%d])",
                     roles[k], t->error ? t->error : "?", t->error_depth);
    }
    return refused(s, out, chains_hit, R_TRUST);
}

const struct rule rule_cert_untrusted = {
    .info = {.id = "cert-untrusted", .severity = SEV_HIGH, .title = "Chain does not verify against the given CAs",
             .rationale = "The chain cannot be verified with the CA certificates passed with --ca-file, so a peer trusting only those rejects it."},
    .fix = "Fix what OpenSSL names: add the missing intermediate or root to the sender's chain or the peer's trust store, or renew an expired certificate. "
           "Reproduce with: openssl verify -CAfile CA.pem -untrusted chain.pem leaf.pem.",
    .mq = "AMQ9633E (the validating side: client for the queue manager's certificate, queue manager for the client's)",
    .check = cert_untrusted,
};

/* ---- usage --------------------------------------------------------------------- */

static bool has_eku(const struct cert *c, const char *name)
{
    for (size_t i = 0; i < c->ext_key_usage.n; i++)
        if (strcmp(c->ext_key_usage.v[i], name) == 0 ||
            strcmp(c->ext_key_usage.v[i], "anyExtendedKeyUsage") == 0)
            return true;
    return false;
}

/* Whether or not its chain came with it, a certificate used as an end
 * entity should not be a CA (mq-tls.md 7: KEYUSAGE(CERTSIGN) must not be
 * the server's own certificate). */
static void leaf_usage(const struct cert *leaf, const char *role, const char *eku,
                       struct finding_out *out, bool *hit)
{
    char cn[128];
    cert_cn(leaf, cn, sizeof(cn));
    if (leaf->has_ext_key_usage && !has_eku(leaf, eku)) {
        *hit = true;
        finding_note(out, "the %s certificate CN=%s has extended key usage without %s", role, cn, eku);
    }
    if (leaf->has_key_usage && (leaf->key_usage & CERT_KU_KEY_CERT_SIGN)) {
        *hit = true;
        finding_note(out, "the %s certificate CN=%s may sign certificates (keyCertSign) though it is used as an end entity",
                     role, cn);
    }
    if (leaf->has_basic_constraints && leaf->ca) {
        *hit = true;
        finding_note(out, "the %s certificate CN=%s is marked CA:TRUE though it is used as an end entity", role, cn);
    }
}

static bool cert_key_usage(const struct session *s, const struct rule_env *env,
                           struct finding_out *out)
{
    (void)env;
    bool hit = false;
    unsigned chains_hit = 0;
    const struct cert *leaf = chain_leaf(&s->server_certs);
    if (leaf && !leaf->parse_error) {
        leaf_usage(leaf, "server", "serverAuth", out, &hit);
        const struct cipher_info *ci = s->has_cipher ? registry_cipher(s->cipher) : NULL;
        if (ci && leaf->has_key_usage && !(ci->flags & CF_TLS13)) {
            char cn[128], cb[REG_LABEL_LEN];
            cert_cn(leaf, cn, sizeof(cn));
            if (ci->kx == KXA_RSA && !(leaf->key_usage & CERT_KU_KEY_ENCIPHERMENT)) {
                hit = true;
                finding_note(out, "%s uses RSA key exchange but CN=%s lacks keyEncipherment",
                             cipher_text(s->cipher, cb), cn);
            }
            if ((ci->kx == KXA_ECDHE || ci->kx == KXA_DHE) &&
                !(leaf->key_usage & CERT_KU_DIGITAL_SIGNATURE)) {
                hit = true;
                finding_note(out, "%s needs a signing key but CN=%s lacks digitalSignature",
                             cipher_text(s->cipher, cb), cn);
            }
        }
    }
    if (hit)
        chains_hit |= SERVER_CHAIN;
    const struct cert *cl = chain_leaf(&s->client_certs);
    bool client_hit = false;
    if (cl && !cl->parse_error)
        leaf_usage(cl, "client", "clientAuth", out, &client_hit);
    if (client_hit)
        chains_hit |= CLIENT_CHAIN;
    return refused(s, out, chains_hit, R_USAGE);
}

const struct rule rule_cert_key_usage = {
    .info = {.id = "cert-key-usage", .severity = SEV_MEDIUM, .title = "Key usage wrong for the certificate's role",
             .rationale = "Peers check that a server certificate allows serverAuth, a client certificate clientAuth, and that the key usage fits the key exchange; an end-entity certificate should not be a CA."},
    .fix = "Reissue the certificate with the right extensions, e.g. openssl x509 -extfile with "
           "'keyUsage=digitalSignature,keyEncipherment' and 'extendedKeyUsage=serverAuth' (clientAuth for MQ client and sender channels' certificates); "
           "runmqakm -certreq -create accepts -eku.",
    .mq = "AMQ9633E (the validating side: client for the queue manager's certificate, queue manager for the client's)",
    .check = cert_key_usage,
};

/* ---- names --------------------------------------------------------------------- */

static bool mq_channel_sni(const struct bytes *sni)
{
    char ch[MQ_CHANNEL_MAX + 1];
    bool canonical;
    return mq_sni_decode(sni->p, sni->len, ch, &canonical);
}

static void cert_names(const struct cert *leaf, struct finding_out *out)
{
    char cn[128], names[512];
    size_t len = 0;
    names[0] = 0;
    for (size_t i = 0; i < leaf->san_dns.n && i < 8 && len < sizeof(names); i++) {
        char name[256];
        escape_bytes(leaf->san_dns.v[i].p, leaf->san_dns.v[i].len, name, sizeof(name));
        len += (size_t)snprintf(names + len, sizeof(names) - len, "%s%s", i ? ", " : "", name);
    }
    for (size_t i = 0; i < leaf->san_ip.n && i < 4 && len < sizeof(names); i++)
        len += (size_t)snprintf(names + len, sizeof(names) - len, "%s%s", len ? ", " : "", leaf->san_ip.v[i]);
    size_t more = leaf->san_dns.n + leaf->san_ip.n;
    more -= (leaf->san_dns.n < 8 ? leaf->san_dns.n : 8) + (leaf->san_ip.n < 4 ? leaf->san_ip.n : 4);
    if (leaf->san_dns.n || leaf->san_ip.n)
        finding_note(out, "the certificate's SAN lists %s%s", names, more ? " and more" : "");
    else if (cert_cn(leaf, cn, sizeof(cn))[0])
        finding_note(out, "the certificate has no SAN; its CN is %s", cn);
    else
        finding_note(out, "the certificate names no host at all (no SAN, no CN): %s",
                     leaf->subject ? leaf->subject : "empty subject");
}

static bool is_ip_literal(const char *host)
{
    uint8_t addr[16];
    return inet_pton(AF_INET, host, addr) == 1 || inet_pton(AF_INET6, host, addr) == 1;
}

/* The first name of a list that holds a NUL. */
static const struct bytes *nul_name(const struct byteslist *l)
{
    for (size_t i = 0; i < l->n; i++)
        if (memchr(l->v[i].p, 0, l->v[i].len))
            return &l->v[i];
    return NULL;
}

static void nul_one(const struct cert_ref *r, const struct session *s,
                    const struct rule_env *env, struct finding_out *out, bool *hit)
{
    (void)s;
    (void)env;
    static const struct {
        uint8_t flag;
        const char *what;
        size_t list; /* offset of the names in struct cert; 0: a distinguished name */
    } kinds[] = {
        {CERT_NUL_SUBJECT, "subject", 0},
        {CERT_NUL_ISSUER, "issuer", 0},
        {CERT_NUL_DNS, "SAN dNSName", offsetof(struct cert, san_dns)},
        {CERT_NUL_EMAIL, "SAN rfc822Name", offsetof(struct cert, san_email)},
        {CERT_NUL_URI, "SAN URI", offsetof(struct cert, san_uri)},
        {CERT_NUL_OCSP, "OCSP responder URI", offsetof(struct cert, ocsp_urls)},
        {CERT_NUL_CRL, "CRL distribution point URI", offsetof(struct cert, crl_urls)},
    };
    if (!r->c->nul_names)
        return;
    *hit = true;
    char w[200];
    who(r, w, sizeof(w));
    finding_note(out, "%s, issued by %s, has a NUL byte in these names", w, r->c->issuer ? r->c->issuer : "?");
    for (size_t k = 0; k < ARRAY_LEN(kinds); k++) {
        if (!(r->c->nul_names & kinds[k].flag))
            continue;
        const char *dn = kinds[k].flag == CERT_NUL_SUBJECT ? r->c->subject : r->c->issuer;
        if (!kinds[k].list) {
            finding_note(out, "its %s %s", kinds[k].what, dn ? dn : "?");
            continue;
        }
        const struct bytes *name = nul_name((const struct byteslist *)((const char *)r->c + kinds[k].list));
        char text[512];
        if (name)
            finding_note(out, "its %s %s", kinds[k].what, escape_bytes(name->p, name->len, text, sizeof(text)));
    }
}

static bool cert_name_nul(const struct session *s, const struct rule_env *env,
                          struct finding_out *out)
{
    unsigned chains = each_cert(s, env, out, nul_one);
    if (!chains)
        return false;
    finding_note(out, "software reading names as C strings stops at the NUL; tlsscope matches no name that holds one");
    return claimed(s, out, chains, R_NAME);
}

const struct rule rule_cert_name_nul = {
    .info = {.id = "cert-name-nul", .severity = SEV_HIGH, .title = "Certificate name with an embedded NUL byte",
             .rationale = "A NUL inside a certificate name is the NUL-prefix attack (CVE-2009-2408): a library that reads "
                          "'www.example.com\\x00.evil.test' as a C string sees www.example.com and accepts a "
                          "certificate a CA issued to the owner of evil.test."},
    .fix = "Treat the certificate as hostile: no CA may issue a name holding a NUL. Find who issued it (the issuer "
           "in the evidence), have it revoked, remove it from the server, and check that the clients' TLS library rejects such "
           "names (every maintained one does; very old ones did not).",
    .mq = NULL,
    .check = cert_name_nul,
};

/* A name sent as raw UTF-8 where RFC 6066 wants its A-label: when the
 * certificate holds that A-label, the certificate is right and the client
 * is not. */
static bool raw_utf8_name(const struct cert *leaf, const struct bytes *sni, struct finding_out *out)
{
    bool raw = false;
    for (size_t i = 0; i < sni->len && !raw; i++)
        raw = sni->p[i] >= 0x80;
    char a_label[256];
    if (!raw || !idna_to_ascii(sni->p, sni->len, a_label, sizeof(a_label)) ||
        !server_name_matches(leaf, (const uint8_t *)a_label, strlen(a_label)))
        return false;
    finding_note(out, "that name is raw UTF-8, where RFC 6066 requires its A-label, %s, and the certificate "
                      "holds %s: the certificate is right, the client sent the name unprepared",
                 a_label, a_label);
    finding_fix(out, "Make the client convert internationalised names to A-labels (IDNA, RFC 5891) before it "
                     "sends them as SNI and checks the certificate; the certificate needs no change.");
    out->own_fix = true;
    return true;
}

static bool cert_sni_mismatch(const struct session *s, const struct rule_env *env,
                              struct finding_out *out)
{
    (void)env;
    const struct cert *leaf = chain_leaf(&s->server_certs);
    const struct bytes *sni = s->ch.sni.n ? &s->ch.sni.v[0] : NULL;
    struct bytes target = {(const uint8_t *)s->tunnel_host, s->tunnel_host ? strlen(s->tunnel_host) : 0};
    /* without SNI, a proxy request names the host the client expects */
    bool by_proxy = !sni && target.len && !is_ip_literal(s->tunnel_host) && hello_whole(&s->ch);
    if (by_proxy)
        sni = &target;
    if (!leaf || leaf->parse_error || !sni || !sni->len || sni->len > 253 ||
        mq_channel_sni(sni) || (s->ech != EO_NONE && s->ech != EO_NOT_USED))
        return false;
    if (server_name_matches(leaf, sni->p, sni->len))
        return false;
    char host[256 * 4];
    escape_bytes(sni->p, sni->len, host, sizeof(host));
    if (by_proxy)
        finding_note(out, "the client sent no SNI and asked the %s proxy for %s", s->tunnel, host);
    else
        finding_note(out, "the client asked for %s", host);
    if (is_ip_literal(host) && !by_proxy)
        finding_note(out, "an IP address, which RFC 6066 does not allow in SNI: a client that sends one checks the certificate's IP SANs");
    if (!raw_utf8_name(leaf, sni, out))
        cert_names(leaf, out);
    return claimed(s, out, SERVER_CHAIN, R_NAME);
}

const struct rule rule_cert_sni_mismatch = {
    .info = {.id = "cert-sni-mismatch", .severity = SEV_MEDIUM, .title = "Server name not in the certificate",
             .rationale = "A client that checks host names rejects a certificate whose SAN (or CN, without SANs) does not cover the name it asked for."},
    .fix = "Add the name to the certificate's subjectAltName (openssl req -addext 'subjectAltName=DNS:name'), or make the server pick the right certificate for that SNI.",
    .mq = NULL,
    .check = cert_sni_mismatch,
};

/* Private, loopback, link-local, CGNAT and unique-local addresses: where
 * clients are commonly pointed at an address rather than a name. On the
 * public Internet a hello without SNI far more often comes from an old
 * client that used a name and did not send it. */
static bool internal_address(const struct endpoint *e)
{
    const uint8_t *a = e->addr;
    if (e->family == 4)
        return a[0] == 10 || a[0] == 127 || (a[0] == 172 && (a[1] & 0xf0) == 16) ||
               (a[0] == 192 && a[1] == 168) || (a[0] == 169 && a[1] == 254) ||
               (a[0] == 100 && (a[1] & 0xc0) == 64);
    static const uint8_t loopback[16] = {[15] = 1};
    return memcmp(a, loopback, 16) == 0 || (a[0] & 0xfe) == 0xfc || (a[0] == 0xfe && (a[1] & 0xc0) == 0x80);
}

static bool cert_ip_not_in_san(const struct session *s, const struct rule_env *env,
                               struct finding_out *out)
{
    const struct cert *leaf = chain_leaf(&s->server_certs);
    if (!leaf || leaf->parse_error || s->ch.sni.n || !hello_whole(&s->ch))
        return false;
    /* Through a proxy the address the client means is the one it asked the
     * proxy for, not the proxy's; a host name there is cert-sni-mismatch's. */
    struct endpoint meant = s->server;
    char ip[96];
    if (s->tunnel_host) {
        uint8_t a[16];
        if (inet_pton(AF_INET, s->tunnel_host, a) == 1)
            meant.family = 4, memcpy(meant.addr, a, 4);
        else if (inet_pton(AF_INET6, s->tunnel_host, a) == 1)
            meant.family = 6, memcpy(meant.addr, a, 16);
        else
            return false;
    }
    if (!internal_address(&meant))
        return false;
    inet_ntop(meant.family == 6 ? AF_INET6 : AF_INET, meant.addr, ip, sizeof(ip));
    if (server_name_matches(leaf, (const uint8_t *)ip, strlen(ip)))
        return false;
    if (env->mq_port)
        out->severity = SEV_LOW; /* MQ checks peers by SSLPEER, not host name */
    if (s->tunnel_host)
        finding_note(out, "the client sent no server name and asked the %s proxy for the internal address %s: if "
                          "it checks host names, it needs %s among the certificate's IP SANs",
                     s->tunnel, ip, ip);
    else
        finding_note(out, "the client sent no server name to the internal address %s: if it connected by address "
                          "and checks host names, it needs %s among the certificate's IP SANs", ip, ip);
    cert_names(leaf, out);
    return claimed(s, out, SERVER_CHAIN, R_NAME);
}

const struct rule rule_cert_ip_not_in_san = {
    .info = {.id = "cert-ip-not-in-san", .severity = SEV_MEDIUM, .title = "Address not in the certificate",
             .rationale = "A client connecting to an IP address checks it against the certificate's IP SANs; the classic case is a certificate made for 'localhost' only."},
    .fix = "Connect by a name the certificate lists, or add the address (openssl req -addext 'subjectAltName=DNS:host,IP:10.0.0.5').",
    .mq = NULL,
    .check = cert_ip_not_in_san,
};

static bool cert_ocsp_url(const struct session *s, const struct rule_env *env,
                          struct finding_out *out)
{
    const struct cert *leaf = chain_leaf(&s->server_certs);
    const struct cert *cl = chain_leaf(&s->client_certs);
    if (!mq_session(s, env))
        return false;
    bool hit = false;
    const struct cert *certs[2] = {leaf, cl};
    static const char *const roles[2] = {"server", "client"};
    for (int k = 0; k < 2; k++) {
        if (!certs[k] || !certs[k]->ocsp_urls.n)
            continue;
        hit = true;
        char url[512];
        finding_note(out, "the %s certificate names the OCSP responder %s", roles[k],
                     escape_bytes(certs[k]->ocsp_urls.v[0].p, certs[k]->ocsp_urls.v[0].len, url, sizeof(url)));
    }
    if (hit)
        finding_note(out, "the validating side contacts it during the handshake when OCSPCheckExtensions is YES (the default)");
    return hit;
}

const struct rule rule_cert_ocsp_url = {
    .info = {.id = "cert-ocsp-url", .severity = SEV_INFO, .title = "Certificate names an OCSP responder",
             .rationale = "MQ checks revocation online for certificates carrying an OCSP URL; an unreachable or slow responder delays or stops channel start."},
    .fix = "Make sure the responder is reachable from the validating host (SSLHTTPProxyName in the SSL stanza when only a proxy reaches it), "
           "or relax the check: OCSPAuthentication=WARN or OCSPCheckExtensions=NO on a queue manager, ClientRevocationChecks=OPTIONAL or DISABLED in a client's mqclient.ini. "
           "MQ on z/OS has no OCSP: it checks CRLs in LDAP (AUTHINFO of type CRLLDAP, named by SSLCRLNL), so a slow channel start there points at the LDAP server.",
    .mq = "AMQ9716E (the validating side: client for the queue manager's certificate, queue manager for the client's), when the check fails",
    .check = cert_ocsp_url,
};
