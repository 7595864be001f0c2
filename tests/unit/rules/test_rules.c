/* Every rule on hand-built sessions: when it must speak, what evidence it
 * gives, and when it must stay silent. Sessions are filled field by field,
 * as the dissector would leave them, so each test shows exactly which
 * facts a rule depends on. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "include/session.h"
#include "rules/rules.h"

enum { DAY = 86400 };
static const int64_t T0 = 1767225600; /* 2026-01-01 00:00:00 UTC */

/* ---- building sessions ---------------------------------------------------------- */

static void set_endpoint(struct endpoint *e, uint8_t a, uint8_t b, uint8_t c, uint8_t d,
                         uint16_t port)
{
    memset(e, 0, sizeof(*e));
    e->family = 4;
    e->addr[0] = a, e->addr[1] = b, e->addr[2] = c, e->addr[3] = d;
    e->port = port;
}

static struct session *new_session(uint64_t id)
{
    struct session *s = session_new(id);
    assert_non_null(s);
    set_endpoint(&s->client, 10, 0, 0, 1, 40000);
    set_endpoint(&s->server, 10, 0, 0, 2, 443);
    s->ts_first = T0 * 1000000000LL;
    s->ts_last = s->ts_first + 50000000;
    s->hs_start.ts = s->ts_first;
    return s;
}

static void push16(struct session *s, struct u16s *l, uint16_t v)
{
    assert_true(ARENA_PUSH(s->arena, *l, v));
}

static void offer(struct session *s, const uint32_t *suites, size_t n)
{
    s->ch.present = true;
    s->ch.version = VER_TLS12;
    for (size_t i = 0; i < n; i++)
        assert_true(ARENA_PUSH(s->arena, s->ch.ciphers, suites[i]));
}

/* A TLS 1.2 client offering ECDHE-RSA and ECDHE-ECDSA GCM with the usual
 * protections. */
static void modern_client(struct session *s)
{
    static const uint32_t suites[] = {0xc02f, 0xc02b, 0xc030, 0xc02c};
    offer(s, suites, 4);
    s->ch.reneg_info = true;
    s->ch.ems = true;
    push16(s, &s->ch.sig_algs, 0x0403);
    push16(s, &s->ch.sig_algs, 0x0804);
    push16(s, &s->ch.sig_algs, 0x0401);
    push16(s, &s->ch.groups, 0x001d);
    push16(s, &s->ch.groups, 0x0017);
}

static void negotiate(struct session *s, uint16_t version, uint32_t cipher)
{
    s->sh.present = true;
    s->sh.version = version;
    s->sh.reneg_info = true;
    s->sh.ems = true;
    s->has_version = s->has_cipher = true;
    s->version = version;
    s->cipher = cipher;
    s->established = s->client_finished = s->server_finished = true;
    s->has_hs_end = true;
    s->hs_end.ts = s->hs_start.ts + 20000000; /* 20 ms */
}

static struct cert *add_cert(struct session *s, struct chain *c, const char *subject,
                             const char *issuer)
{
    struct cert ce = {0};
    ce.subject = subject;
    ce.issuer = issuer;
    ce.key_type = "rsa";
    ce.key_bits = 2048;
    ce.sig_alg = "sha256WithRSAEncryption";
    ce.not_before = T0 - 30 * DAY;
    ce.not_after = T0 + 60 * DAY - 1;
    ce.has_validity = true;
    ce.path_len = -1;
    ce.sha256[0] = (uint8_t)(c->n + 1);
    ce.sha256[1] = (uint8_t)strlen(subject);
    assert_true(ARENA_PUSH(s->arena, *c, ce));
    c->seen = true;
    return &c->v[c->n - 1];
}

static void add_str(struct session *s, struct strs *l, const char *v)
{
    assert_true(ARENA_PUSH(s->arena, *l, v));
}

/* add_name - a certificate name of n bytes (it may hold a NUL). */
static void add_name_n(struct session *s, struct byteslist *l, const char *v, size_t n)
{
    struct bytes b = {(const uint8_t *)v, n};
    assert_true(ARENA_PUSH(s->arena, *l, b));
}

static void add_name(struct session *s, struct byteslist *l, const char *v)
{
    add_name_n(s, l, v, strlen(v));
}

/* A server leaf for www.example.com issued by an intermediate, with the
 * right extensions for a TLS server. */
static struct cert *server_leaf(struct session *s)
{
    struct cert *c = add_cert(s, &s->server_certs, "CN=www.example.com", "CN=Example CA");
    add_name(s, &c->san_dns, "www.example.com");
    c->has_key_usage = true;
    c->key_usage = CERT_KU_DIGITAL_SIGNATURE | CERT_KU_KEY_ENCIPHERMENT;
    c->has_ext_key_usage = true;
    add_str(s, &c->ext_key_usage, "serverAuth");
    c->has_basic_constraints = true;
    return c;
}

static void add_sni(struct session *s, const char *name)
{
    struct bytes b = {(const uint8_t *)name, strlen(name)};
    assert_true(ARENA_PUSH(s->arena, s->ch.sni, b));
}

static void add_alert(struct session *s, uint8_t dir, uint8_t level, uint8_t desc, uint64_t packet)
{
    struct alert a = {.dir = dir, .level = level, .desc = desc};
    a.at.packet = packet;
    a.at.ts = s->ts_first + 2000000;
    assert_true(ARENA_PUSH(s->arena, s->alerts, a));
}

static void add_event(struct session *s, uint8_t kind, uint8_t type, uint8_t dir, int64_t ms)
{
    struct where at = {.ts = s->hs_start.ts + ms * 1000000};
    session_event(s, kind, type, dir, 0, &at);
}

/* ---- running the rules ------------------------------------------------------------ */

struct run {
    struct policy *pol;
    struct rules *rules;
};

static void run_open(struct run *r, const char *policy_text, enum as_of as_of, int64_t when)
{
    if (policy_text) {
        char path[] = "/tmp/tlsscope-policy-XXXXXX";
        int fd = mkstemp(path);
        assert_true(fd >= 0);
        assert_true(write(fd, policy_text, strlen(policy_text)) == (ssize_t)strlen(policy_text));
        close(fd);
        char err[256];
        r->pol = policy_load(path, NULL, err, sizeof(err));
        unlink(path);
        if (!r->pol)
            fail_msg("policy: %s", err);
    } else {
        r->pol = policy_default();
    }
    struct rules_config cfg = {.policy = r->pol, .as_of = as_of, .as_of_time = when};
    r->rules = rules_new(&cfg);
    assert_non_null(r->rules);
}

static void run_close(struct run *r)
{
    rules_free(r->rules);
    policy_free(r->pol);
}

/* eval - the rules with the default policy at the capture's clock. */
static void eval(struct session *s)
{
    struct run r;
    run_open(&r, NULL, AS_OF_CAPTURE, 0);
    rules_eval(r.rules, s);
    run_close(&r);
}

static void eval_policy(struct session *s, const char *policy_text)
{
    struct run r;
    run_open(&r, policy_text, AS_OF_CAPTURE, 0);
    rules_eval(r.rules, s);
    run_close(&r);
}

static const struct finding *finding(const struct session *s, const char *rule)
{
    for (size_t i = 0; i < s->findings.n; i++)
        if (strcmp(s->findings.v[i].rule, rule) == 0)
            return &s->findings.v[i];
    return NULL;
}

/* expect - the rule fired with this severity and its evidence holds every
 * given fragment; the list ends with NULL, which the compiler checks. */
static void expect(const struct session *s, const char *rule, enum severity sev, ...) __attribute__((sentinel));
static void expect(const struct session *s, const char *rule, enum severity sev, ...)
{
    const struct finding *f = finding(s, rule);
    if (!f)
        fail_msg("rule %s did not fire", rule);
    if (f->severity != sev)
        fail_msg("rule %s: severity %s, expected %s", rule, severity_name(f->severity),
                 severity_name(sev));
    va_list ap;
    va_start(ap, sev);
    for (const char *frag; (frag = va_arg(ap, const char *)) != NULL;)
        if (!strstr(f->evidence, frag))
            fail_msg("rule %s: evidence '%s' lacks '%s'", rule, f->evidence, frag);
    va_end(ap);
}

static void silent(const struct session *s, const char *rule)
{
    const struct finding *f = finding(s, rule);
    if (f)
        fail_msg("rule %s fired: %s", rule, f->evidence);
}

/* A clean modern session raises nothing at all. */
static void test_clean_session_is_silent(void **state)
{
    (void)state;
    struct session *s = new_session(1);
    modern_client(s);
    add_sni(s, "www.example.com");
    negotiate(s, VER_TLS12, 0xc02f);
    server_leaf(s);
    struct cert *ca = add_cert(s, &s->server_certs, "CN=Example CA", "CN=Example Root");
    ca->has_basic_constraints = ca->ca = true;
    s->server_certs.public_root = true;
    eval(s);
    if (s->findings.n)
        fail_msg("unexpected finding %s: %s", s->findings.v[0].rule, s->findings.v[0].evidence);
    session_free(s);
}

/* ---- certificates ------------------------------------------------------------------ */

static void test_cert_validity_clock(void **state)
{
    (void)state;
    struct session *s = new_session(1);
    struct cert *c = server_leaf(s);
    c->not_after = T0 - 2 * DAY;
    eval(s);
    expect(s, "cert-expired", SEV_HIGH, "www.example.com", "expired on 2025-12-30",
           "the capture's time (2026-01-01)", NULL);
    silent(s, "cert-expiring");
    session_free(s);

    /* the same certificate judged at a date before it expired */
    s = new_session(2);
    c = server_leaf(s);
    c->not_after = T0 - 2 * DAY;
    struct run r;
    run_open(&r, NULL, AS_OF_DATE, T0 - 10 * DAY);
    rules_eval(r.rules, s);
    run_close(&r);
    silent(s, "cert-expired");
    expect(s, "cert-expiring", SEV_LOW, "in 8 days", "--as-of", NULL);
    session_free(s);

    s = new_session(3);
    c = server_leaf(s);
    c->not_before = T0 + 5 * DAY;
    eval(s);
    expect(s, "cert-not-yet-valid", SEV_HIGH, "valid only from 2026-01-06", NULL);
    session_free(s);
}

/* A capture clock that cannot be the real time: the certificate dates are
 * not judged against it, and capture-clock says why. */
static void test_capture_clock(void **state)
{
    (void)state;
    /* every packet at one instant */
    struct session *s = new_session(1);
    s->packet_first = 1, s->packet_last = 5;
    s->ts_last = s->ts_first;
    server_leaf(s)->not_before = T0 + 5 * DAY;
    eval(s);
    silent(s, "cert-not-yet-valid");
    expect(s, "capture-clock", SEV_INFO, "all 5 packets of the session carry one timestamp",
           "would have been called not yet valid", NULL);
    session_free(s);

    /* dated before the version it speaks */
    s = new_session(2);
    modern_client(s);
    negotiate(s, VER_TLS12, 0xc02f);
    s->ts_first = 946684799LL * 1000000000; /* 1999-12-31 */
    server_leaf(s);
    eval(s);
    silent(s, "cert-not-yet-valid");
    expect(s, "capture-clock", SEV_INFO, "dated 1999-12-31, before TLS 1.2 (RFC 5246", NULL);
    session_free(s);

    /* a leaf from before even its CA: the clock, not the certificate */
    s = new_session(3);
    server_leaf(s)->not_before = T0 + 5 * DAY;
    struct cert *ca = add_cert(s, &s->server_certs, "CN=Example CA", "CN=Example Root");
    ca->has_basic_constraints = ca->ca = true;
    ca->not_before = T0 + 2 * DAY;
    eval(s);
    silent(s, "cert-not-yet-valid");
    expect(s, "capture-clock", SEV_INFO, "before even the CA certificate Example CA", NULL);
    session_free(s);

    /* only the leaf in the future: a certificate issued with a wrong clock */
    s = new_session(4);
    server_leaf(s)->not_before = T0 + 5 * DAY;
    ca = add_cert(s, &s->server_certs, "CN=Example CA", "CN=Example Root");
    ca->has_basic_constraints = ca->ca = true;
    eval(s);
    expect(s, "cert-not-yet-valid", SEV_HIGH, "valid only from 2026-01-06", NULL);
    silent(s, "capture-clock");
    session_free(s);

    /* a doubtful clock with every date in range says nothing */
    s = new_session(5);
    s->packet_first = 1, s->packet_last = 5;
    s->ts_last = s->ts_first;
    server_leaf(s);
    eval(s);
    silent(s, "capture-clock");
    session_free(s);

    /* a date given with --as-of is believed */
    s = new_session(6);
    s->packet_first = 1, s->packet_last = 5;
    s->ts_last = s->ts_first;
    server_leaf(s)->not_before = T0 + 5 * DAY;
    struct run r;
    run_open(&r, NULL, AS_OF_DATE, T0);
    rules_eval(r.rules, s);
    run_close(&r);
    expect(s, "cert-not-yet-valid", SEV_HIGH, "--as-of", NULL);
    silent(s, "capture-clock");
    session_free(s);
}

/* RFC 3820 proxy certificates live hours by design: their end is no
 * warning, but an expired one is still expired. */
static void test_proxy_certificate(void **state)
{
    (void)state;
    struct session *s = new_session(1);
    struct cert *c = server_leaf(s);
    c->proxy = true;
    c->not_before = T0 - 3600;
    c->not_after = T0 + 11 * 3600;
    eval(s);
    silent(s, "cert-expiring");
    session_free(s);

    s = new_session(2);
    c = server_leaf(s);
    c->proxy = true;
    c->not_after = T0 - 3600;
    eval(s);
    expect(s, "cert-expired", SEV_HIGH, "expired on 2025-12-31", NULL);
    session_free(s);
}

static void test_cert_expiring_window(void **state)
{
    (void)state;
    struct session *s = new_session(1);
    server_leaf(s)->not_after = T0 + 29 * DAY;
    eval(s);
    expect(s, "cert-expiring", SEV_LOW, "in 29 days", "expiry_warning_days", NULL);
    session_free(s);

    s = new_session(2);
    server_leaf(s)->not_after = T0 + 31 * DAY;
    eval(s);
    silent(s, "cert-expiring");
    session_free(s);

    s = new_session(3);
    server_leaf(s)->not_after = T0 + 31 * DAY;
    eval_policy(s, "expiry_warning_days = 60\n");
    expect(s, "cert-expiring", SEV_LOW, "in 31 days", NULL);
    session_free(s);
}

static void test_cert_validity_too_long(void **state)
{
    (void)state;
    /* issued 2021 for 500 days: above the 398 days public CAs may issue */
    struct session *s = new_session(1);
    struct cert *c = server_leaf(s);
    c->not_before = 1612137600; /* 2021-02-01 */
    c->not_after = c->not_before + 500 * DAY;
    s->ts_first = (c->not_before + 10 * DAY) * 1000000000LL;
    s->server_certs.public_root = true;
    eval(s);
    expect(s, "cert-validity-too-long", SEV_MEDIUM, "500 days and 00:00:01", "at most 398 days", NULL);
    session_free(s);

    /* a private CA may issue what it likes */
    s = new_session(2);
    c = server_leaf(s);
    c->not_before = 1612137600;
    c->not_after = c->not_before + 3650 * DAY;
    s->ts_first = (c->not_before + 10 * DAY) * 1000000000LL;
    eval(s);
    silent(s, "cert-validity-too-long");
    session_free(s);
}

static void test_cert_key_strength(void **state)
{
    (void)state;
    struct session *s = new_session(1);
    struct cert *c = server_leaf(s);
    c->key_bits = 1024;
    struct cert *ca = add_cert(s, &s->server_certs, "CN=Example CA", "CN=Example CA");
    ca->key_type = "ecdsa";
    ca->key_bits = 224;
    ca->curve = "secp224r1";
    ca->self_signed = ca->ca = ca->has_basic_constraints = true;
    struct cert *dsa = add_cert(s, &s->client_certs, "CN=client", "CN=Example CA");
    dsa->key_type = "dsa";
    dsa->key_bits = 2048;
    eval(s);
    expect(s, "cert-weak-rsa-key", SEV_MEDIUM, "server certificate [0]", "1024-bit", "min_rsa_bits",
           NULL);
    expect(s, "cert-weak-ec-curve", SEV_MEDIUM, "secp224r1", NULL);
    expect(s, "cert-dsa-key", SEV_MEDIUM, "client certificate [0]", NULL);
    session_free(s);

    s = new_session(2);
    server_leaf(s)->key_bits = 1024;
    eval_policy(s, "min_rsa_bits = 1024\n");
    silent(s, "cert-weak-rsa-key");
    session_free(s);
}

static void test_cert_weak_signature(void **state)
{
    (void)state;
    struct session *s = new_session(1);
    server_leaf(s)->sig_alg = "sha1WithRSAEncryption";
    struct cert *root = add_cert(s, &s->server_certs, "CN=Example CA", "CN=Example CA");
    root->sig_alg = "md5WithRSAEncryption";
    root->self_signed = root->ca = root->has_basic_constraints = true;
    eval(s);
    expect(s, "cert-weak-signature", SEV_MEDIUM, "[0] CN=www.example.com", "sha1WithRSAEncryption",
           NULL);
    /* a self-signed root's own signature is never checked */
    if (strstr(finding(s, "cert-weak-signature")->evidence, "md5"))
        fail_msg("the root's signature was judged");
    session_free(s);

    s = new_session(2);
    server_leaf(s)->sig_alg = "md5WithRSAEncryption";
    eval(s);
    expect(s, "cert-weak-signature", SEV_HIGH, "md5WithRSAEncryption", NULL);
    session_free(s);
}

static void test_cert_self_signed_leaf(void **state)
{
    (void)state;
    struct session *s = new_session(1);
    struct cert *c = add_cert(s, &s->server_certs, "CN=localhost", "CN=localhost");
    c->self_signed = true;
    eval(s);
    expect(s, "cert-self-signed-leaf", SEV_MEDIUM, "CN=localhost", NULL);
    silent(s, "cert-chain-incomplete");
    session_free(s);

    /* a self-signed CA certificate sent alone is a root, judged elsewhere */
    s = new_session(2);
    server_leaf(s);
    c = add_cert(s, &s->server_certs, "CN=Example CA", "CN=Example CA");
    c->self_signed = c->ca = c->has_basic_constraints = true;
    eval(s);
    silent(s, "cert-self-signed-leaf");
    session_free(s);
}

static void test_cert_chain_shape(void **state)
{
    (void)state;
    /* leaf, root, intermediate: the intermediate is there but misplaced */
    struct session *s = new_session(1);
    struct cert *leaf = add_cert(s, &s->server_certs, "CN=leaf", "CN=Inter");
    (void)leaf;
    struct cert *root = add_cert(s, &s->server_certs, "CN=Root", "CN=Root");
    root->self_signed = root->ca = root->has_basic_constraints = true;
    struct cert *inter = add_cert(s, &s->server_certs, "CN=Inter", "CN=Root");
    inter->ca = inter->has_basic_constraints = true;
    eval(s);
    expect(s, "cert-chain-order", SEV_LOW, "[0] is issued by CN=Inter but [1] is CN=Root", NULL);
    silent(s, "cert-chain-incomplete");
    session_free(s);

    /* a gap inside the chain is certain */
    s = new_session(2);
    add_cert(s, &s->server_certs, "CN=leaf", "CN=Inter A");
    inter = add_cert(s, &s->server_certs, "CN=Inter B", "CN=Root");
    inter->ca = inter->has_basic_constraints = true;
    eval(s);
    expect(s, "cert-chain-incomplete", SEV_MEDIUM, "CN=Inter A", "not among the 2 sent", NULL);
    silent(s, "cert-chain-order");
    session_free(s);

    /* a public CA's leaf without its intermediate: Java, OpenSSL and MQ fail */
    s = new_session(3);
    leaf = add_cert(s, &s->server_certs, "CN=leaf", "CN=R3");
    add_name(s, &leaf->ocsp_urls, "http://r3.o.lencr.org");
    eval(s);
    expect(s, "cert-chain-incomplete", SEV_MEDIUM, "from a public CA", "CN=R3", "an intermediate is missing", NULL);
    session_free(s);

    /* ... and the client refusing it: the reason the handshake failed */
    s = new_session(31);
    modern_client(s);
    leaf = add_cert(s, &s->server_certs, "CN=leaf", "CN=R3");
    add_name(s, &leaf->crl_urls, "http://r3.c.lencr.org/1.crl");
    add_alert(s, DIR_C2S, 2, 48, 7); /* unknown_ca */
    eval(s);
    expect(s, "cert-chain-incomplete", SEV_HIGH, "a CRL location", "refused the server's certificate with unknown_ca", NULL);
    silent(s, "alert-explained");
    session_free(s);

    /* a private CA's leaf whose issuer was not sent: it may be the root
     * (leaving it out is normal); without --ca-file nothing is claimed */
    s = new_session(4);
    add_cert(s, &s->server_certs, "CN=leaf", "CN=Private Root");
    eval(s);
    silent(s, "cert-chain-incomplete");
    session_free(s);

    /* an intermediate at the top, its root left out (the Let's Encrypt X3 ->
     * DST Root CA X3 chain, whose root today's trust stores dropped) */
    s = new_session(41);
    add_cert(s, &s->server_certs, "CN=leaf", "CN=Let's Encrypt Authority X3");
    leaf = &s->server_certs.v[0];
    add_name(s, &leaf->ocsp_urls, "http://ocsp.int-x3.letsencrypt.org");
    inter = add_cert(s, &s->server_certs, "CN=Let's Encrypt Authority X3", "CN=DST Root CA X3");
    inter->ca = inter->has_basic_constraints = true;
    eval(s);
    silent(s, "cert-chain-incomplete");
    session_free(s);

    /* a self-signed v1 root (no basicConstraints) is a root */
    s = new_session(42);
    add_cert(s, &s->server_certs, "CN=leaf", "CN=Old Root");
    root = add_cert(s, &s->server_certs, "CN=Old Root", "CN=Old Root");
    root->self_signed = true;
    root->version = 1;
    root->sig_alg = "sha1WithRSAEncryption";
    eval(s);
    silent(s, "cert-chain-incomplete");
    silent(s, "cert-weak-signature"); /* a root's own signature is not checked */
    session_free(s);

    /* ends at a public root, or verified with --ca-file: nothing to say */
    s = new_session(5);
    add_cert(s, &s->server_certs, "CN=leaf", "CN=Public Root");
    s->server_certs.public_root = true;
    eval(s);
    silent(s, "cert-chain-incomplete");
    session_free(s);
}

static void test_cert_untrusted(void **state)
{
    (void)state;
    struct session *s = new_session(1);
    server_leaf(s);
    s->server_certs.trusted.checked = true;
    s->server_certs.trusted.error = "unable to get local issuer certificate";
    eval(s);
    expect(s, "cert-untrusted", SEV_HIGH, "unable to get local issuer certificate",
           "certificate [0]", NULL);
    silent(s, "cert-chain-incomplete"); /* cert-untrusted says it exactly */
    session_free(s);

    s = new_session(2);
    server_leaf(s);
    s->server_certs.trusted.checked = s->server_certs.trusted.ok = true;
    eval(s);
    silent(s, "cert-untrusted");
    silent(s, "cert-chain-incomplete");
    session_free(s);
}

static void test_cert_key_usage(void **state)
{
    (void)state;
    struct session *s = new_session(1);
    modern_client(s);
    negotiate(s, VER_TLS12, 0x009c); /* TLS_RSA_WITH_AES_128_GCM_SHA256 */
    struct cert *c = server_leaf(s);
    c->key_usage = CERT_KU_DIGITAL_SIGNATURE | CERT_KU_KEY_CERT_SIGN;
    c->ca = true;
    c->ext_key_usage.n = 0;
    add_str(s, &c->ext_key_usage, "clientAuth");
    add_cert(s, &s->server_certs, "CN=Example CA", "CN=Example CA")->ca = true;
    struct cert *cl = add_cert(s, &s->client_certs, "CN=app", "CN=Example CA");
    cl->has_ext_key_usage = true;
    add_str(s, &cl->ext_key_usage, "serverAuth");
    eval(s);
    /* the handshake completed: a stricter peer refuses it (medium) */
    expect(s, "cert-key-usage", SEV_MEDIUM, "serverAuth", "keyEncipherment", "keyCertSign",
           "CA:TRUE", "client certificate", "clientAuth", NULL);
    session_free(s);

    /* a leaf that is a CA is flagged alone too (mq-tls.md 7), and a peer
     * refusing it makes that the reason the handshake failed: high */
    s = new_session(11);
    modern_client(s);
    c = add_cert(s, &s->server_certs, "CN=www.example.com", "CN=www.example.com");
    c->self_signed = c->ca = c->has_basic_constraints = true;
    s->established = false;
    add_alert(s, DIR_C2S, 2, 42, 6); /* bad_certificate */
    eval(s);
    expect(s, "cert-key-usage", SEV_HIGH, "CA:TRUE though it is used as an end entity",
           "refused the server's certificate with bad_certificate", NULL);
    expect(s, "cert-self-signed-leaf", SEV_HIGH, "self-signed", NULL);
    silent(s, "alert-explained");
    session_free(s);

    /* ECDHE needs digitalSignature only; anyExtendedKeyUsage covers all */
    s = new_session(2);
    modern_client(s);
    negotiate(s, VER_TLS12, 0xc02f);
    c = server_leaf(s);
    c->key_usage = CERT_KU_DIGITAL_SIGNATURE;
    c->ext_key_usage.n = 0;
    add_str(s, &c->ext_key_usage, "anyExtendedKeyUsage");
    eval(s);
    silent(s, "cert-key-usage");
    session_free(s);
}

static void test_cert_names(void **state)
{
    (void)state;
    struct session *s = new_session(1);
    modern_client(s);
    add_sni(s, "api.example.com");
    server_leaf(s);
    eval(s);
    expect(s, "cert-sni-mismatch", SEV_MEDIUM, "asked for api.example.com", "www.example.com", NULL);
    session_free(s);

    /* wildcards cover one label */
    s = new_session(2);
    modern_client(s);
    add_sni(s, "api.example.com");
    add_name(s, &server_leaf(s)->san_dns, "*.example.com");
    eval(s);
    silent(s, "cert-sni-mismatch");
    session_free(s);

    /* with ECH offered, the outer name is checked only once the server is
     * known to have answered the outer hello */
    static const struct {
        enum ech_outcome ech;
        bool fires;
    } ech[] = {{EO_UNKNOWN, false}, {EO_ACCEPTED, false}, {EO_NOT_USED, true}};
    for (size_t i = 0; i < ARRAY_LEN(ech); i++) {
        s = new_session(10 + i);
        modern_client(s);
        add_sni(s, "api.example.com");
        s->ch.ech = ECH_OUTER;
        s->ech = ech[i].ech;
        server_leaf(s);
        eval(s);
        if (ech[i].fires)
            expect(s, "cert-sni-mismatch", SEV_MEDIUM, "asked for api.example.com", NULL);
        else
            silent(s, "cert-sni-mismatch");
        session_free(s);
    }

    /* an MQ channel SNI is not a host name */
    s = new_session(3);
    modern_client(s);
    add_sni(s, "to2e-qmgr12e-svrconn.chl.mq.ibm.com");
    server_leaf(s);
    eval(s);
    silent(s, "cert-sni-mismatch");
    session_free(s);

    /* no SNI to an internal address the SAN lacks */
    s = new_session(4);
    modern_client(s);
    add_name(s, &server_leaf(s)->san_dns, "localhost");
    eval(s);
    expect(s, "cert-ip-not-in-san", SEV_MEDIUM, "10.0.0.2", "localhost", NULL);
    session_free(s);

    /* ... listed as an IP SAN, written another way */
    s = new_session(5);
    modern_client(s);
    set_endpoint(&s->server, 0, 0, 0, 0, 443);
    s->server.family = 6;
    s->server.addr[0] = 0xfd, s->server.addr[15] = 1;
    add_str(s, &server_leaf(s)->san_ip, "FD00:0:0::1");
    eval(s);
    silent(s, "cert-ip-not-in-san");
    session_free(s);

    /* a public address without SNI is most likely an old client using a name */
    s = new_session(6);
    modern_client(s);
    set_endpoint(&s->server, 93, 184, 216, 34, 443);
    server_leaf(s);
    eval(s);
    silent(s, "cert-ip-not-in-san");
    session_free(s);

    /* through a proxy, the host asked for is the name that counts, not the
     * proxy's address */
    static const struct {
        const char *tunnel, *host, *rule, *says;
    } proxied[] = {
        {"http-connect", "www.example.com", NULL, NULL},
        {"http-connect", "api.example.com", "cert-sni-mismatch", "asked the http-connect proxy for api.example.com"},
        {"socks4", "10.1.2.3", "cert-ip-not-in-san", "asked the socks4 proxy for the internal address 10.1.2.3"},
        {"socks5", "93.184.216.34", NULL, NULL}, /* a public address: as above */
    };
    for (size_t i = 0; i < ARRAY_LEN(proxied); i++) {
        s = new_session(20 + i);
        modern_client(s);
        s->tunnel = proxied[i].tunnel;
        s->tunnel_host = proxied[i].host;
        s->tunnel_port = 443;
        server_leaf(s); /* www.example.com only; the proxy at 10.0.0.2 is not in it */
        eval(s);
        if (proxied[i].rule)
            expect(s, proxied[i].rule, SEV_MEDIUM, proxied[i].says, NULL);
        if (!proxied[i].rule || strcmp(proxied[i].rule, "cert-sni-mismatch") != 0)
            silent(s, "cert-sni-mismatch");
        if (!proxied[i].rule || strcmp(proxied[i].rule, "cert-ip-not-in-san") != 0)
            silent(s, "cert-ip-not-in-san");
        session_free(s);
    }

    /* an internationalised name sent raw where the certificate holds its
     * A-label: the client's fault, and the fix says so */
    s = new_session(30);
    modern_client(s);
    add_sni(s, "b\xc3\xbc" "cher.example");
    add_name(s, &server_leaf(s)->san_dns, "xn--bcher-kva.example");
    eval(s);
    expect(s, "cert-sni-mismatch", SEV_MEDIUM, "asked for b\\xc3\\xbccher.example", "raw UTF-8",
           "xn--bcher-kva.example", "the client sent the name unprepared", NULL);
    const struct finding *f = finding(s, "cert-sni-mismatch");
    assert_non_null(strstr(f->fix, "A-labels"));
    assert_null(strstr(f->fix, "subjectAltName"));
    session_free(s);

    /* ... and one the certificate does not hold in any form */
    s = new_session(31);
    modern_client(s);
    add_sni(s, "b\xc3\xbc" "cher.example");
    server_leaf(s);
    eval(s);
    expect(s, "cert-sni-mismatch", SEV_MEDIUM, "www.example.com", NULL);
    assert_null(strstr(finding(s, "cert-sni-mismatch")->evidence, "raw UTF-8"));
    session_free(s);
}

/* The NUL-prefix trick: a name that holds a NUL matches nothing, and
 * cert-name-nul names every such name, escaped. */
static void test_cert_name_nul(void **state)
{
    (void)state;
    static const char evil[] = "www.example.com\0.evil.test";
    struct session *s = new_session(1);
    modern_client(s);
    add_sni(s, "www.example.com");
    struct cert *leaf = add_cert(s, &s->server_certs, "CN=www.example.com", "CN=Example CA");
    add_name_n(s, &leaf->san_dns, evil, sizeof(evil) - 1);
    add_name_n(s, &leaf->crl_urls, "http://crl\0x", 12);
    leaf->nul_names = CERT_NUL_DNS | CERT_NUL_CRL;
    eval(s);
    expect(s, "cert-name-nul", SEV_HIGH, "server certificate [0]", "issued by CN=Example CA",
           "SAN dNSName www.example.com\\x00.evil.test", "CRL distribution point URI http://crl\\x00x", NULL);
    expect(s, "cert-sni-mismatch", SEV_MEDIUM, "asked for www.example.com", "www.example.com\\x00.evil.test", NULL);
    assert_false(server_name_matches(leaf, (const uint8_t *)"www.example.com", 15));
    assert_false(server_name_matches(leaf, (const uint8_t *)evil, sizeof(evil) - 1));
    session_free(s);

    /* the CN is not a fallback when it holds a NUL */
    s = new_session(2);
    leaf = add_cert(s, &s->server_certs, "CN=www.example.com\\00.evil.test", "CN=Example CA");
    assert_false(server_name_matches(leaf, (const uint8_t *)"www.example.com", 15));
    leaf->subject = "CN=www.example.com";
    leaf->nul_names = CERT_NUL_SUBJECT; /* the subject text came from the escaped form */
    assert_false(server_name_matches(leaf, (const uint8_t *)"www.example.com", 15));
    leaf->nul_names = 0;
    assert_true(server_name_matches(leaf, (const uint8_t *)"www.example.com", 15));
    session_free(s);

    /* a clean certificate is silent; an SNI holding a NUL matches nothing */
    s = new_session(3);
    modern_client(s);
    add_sni(s, "www.example.com");
    leaf = server_leaf(s);
    eval(s);
    silent(s, "cert-name-nul");
    silent(s, "cert-sni-mismatch");
    assert_false(server_name_matches(leaf, (const uint8_t *)"www.example.com\0", 16));
    session_free(s);
}

static void test_cert_ocsp_url_on_mq(void **state)
{
    (void)state;
    struct session *s = new_session(1);
    s->server.port = 1414;
    add_name(s, &server_leaf(s)->ocsp_urls, "http://ocsp.example.com");
    eval(s);
    expect(s, "cert-ocsp-url", SEV_INFO, "http://ocsp.example.com", NULL);
    session_free(s);

    s = new_session(2);
    add_name(s, &server_leaf(s)->ocsp_urls, "http://ocsp.example.com");
    eval(s);
    silent(s, "cert-ocsp-url"); /* not MQ: browsers' business */
    session_free(s);
}

/* ---- negotiation ----------------------------------------------------------------------- */

static void test_key_type_mismatch(void **state)
{
    (void)state;
    /* an ECDSA-only client refused by handshake_failure */
    struct session *s = new_session(1);
    static const uint32_t ecdsa_only[] = {0xc02b, 0xc02c};
    offer(s, ecdsa_only, 2);
    add_alert(s, DIR_S2C, 2, 40, 6);
    eval(s);
    expect(s, "cert-key-type-mismatch", SEV_HIGH, "only suites for ECDSA certificates",
           "handshake_failure", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", NULL);
    silent(s, "no-shared-cipher");
    silent(s, "alert-explained"); /* one explanation per alert: the specific one */
    session_free(s);

    /* the same refusal when the client also offers TLS 1.3: not key type */
    s = new_session(2);
    offer(s, ecdsa_only, 2);
    push16(s, &s->ch.versions, VER_TLS13);
    add_alert(s, DIR_S2C, 2, 40, 6);
    eval(s);
    silent(s, "cert-key-type-mismatch");
    expect(s, "no-shared-cipher", SEV_HIGH, "handshake_failure (packet 6)", NULL);
    assert_null(strstr(finding(s, "no-shared-cipher")->evidence, "signature_algorithms"));
    session_free(s);

    /* a client restricted to two signature schemes, TLS 1.3 with its
     * mandatory suite: the server's key is the likelier cause (an
     * RSASSA-PSS key needs rsa_pss_pss_*), and the finding says so */
    s = new_session(2);
    static const uint32_t with_tls13[] = {0x1301, 0xc02f};
    offer(s, with_tls13, 2);
    push16(s, &s->ch.versions, VER_TLS13);
    push16(s, &s->ch.sig_algs, 0x0804);
    push16(s, &s->ch.sig_algs, 0x0403);
    add_alert(s, DIR_S2C, 2, 40, 6);
    eval(s);
    expect(s, "no-shared-cipher", SEV_HIGH, "lists only rsa_pss_rsae_sha256, ecdsa_secp256r1_sha256",
           "RSASSA-PSS (rsa_pss_pss_*), ECDSA P-384, Ed25519", "RFC 8446 9.1", NULL);
    assert_non_null(strstr(finding(s, "no-shared-cipher")->fix, "server's certificate key type"));
    session_free(s);

    /* a completed handshake with an ECDSA suite and an RSA certificate: it
     * worked here, a stricter peer refuses it */
    s = new_session(3);
    modern_client(s);
    negotiate(s, VER_TLS12, 0xc02b);
    server_leaf(s);
    eval(s);
    expect(s, "cert-key-type-mismatch", SEV_MEDIUM, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "rsa",
           NULL);
    session_free(s);

    /* EdDSA keys with ECDSA suites are legal (RFC 8422); an RSASSA-PSS key
     * signs ECDHE_RSA suites but cannot decrypt for TLS_RSA_* */
    static const struct {
        const char *key;
        uint32_t suite;
        bool fires;
    } legal[] = {
        {"ed25519", 0xc02b, false}, {"ed448", 0xc02c, false}, {"rsa-pss", 0xc02f, false},
        {"rsa-pss", 0x009c, true},  {"ed25519", 0xc02f, true},
    };
    for (size_t i = 0; i < ARRAY_LEN(legal); i++) {
        s = new_session(4);
        modern_client(s);
        negotiate(s, VER_TLS12, legal[i].suite);
        server_leaf(s)->key_type = legal[i].key;
        eval(s);
        if (legal[i].fires)
            expect(s, "cert-key-type-mismatch", SEV_MEDIUM, legal[i].key, NULL);
        else
            silent(s, "cert-key-type-mismatch");
        session_free(s);
    }
}

static void test_key_type_confirmed_across_sessions(void **state)
{
    (void)state;
    struct run r;
    run_open(&r, NULL, AS_OF_CAPTURE, 0);
    struct session *refused = new_session(1);
    static const uint32_t ecdsa_only[] = {0xc02b};
    offer(refused, ecdsa_only, 1);
    add_alert(refused, DIR_S2C, 2, 40, 4);
    rules_eval(r.rules, refused);
    expect(refused, "cert-key-type-mismatch", SEV_HIGH, "probably not ECDSA", NULL);
    struct session *ok = new_session(2);
    modern_client(ok);
    negotiate(ok, VER_TLS12, 0xc02f);
    server_leaf(ok);
    rules_eval(r.rules, ok);
    /* a later refusal already knows the certificate */
    struct session *again = new_session(3);
    offer(again, ecdsa_only, 1);
    add_alert(again, DIR_S2C, 2, 40, 4);
    rules_eval(r.rules, again);
    expect(again, "cert-key-type-mismatch", SEV_HIGH, "rsa 2048 bits (seen in session #2)", NULL);
    /* offering only RSA suites is not blamed on the key type unless shown */
    struct session *rsa_only = new_session(4);
    static const uint32_t rsa_suites[] = {0x002f};
    offer(rsa_only, rsa_suites, 1);
    set_endpoint(&rsa_only->server, 10, 0, 0, 9, 443);
    add_alert(rsa_only, DIR_S2C, 2, 40, 4);
    rules_eval(r.rules, rsa_only);
    silent(rsa_only, "cert-key-type-mismatch");
    expect(rsa_only, "no-shared-cipher", SEV_HIGH, "if the server's is ECDSA", NULL);

    const struct capture_finding *cf;
    size_t n = rules_finish(r.rules, &cf);
    const struct capture_finding *confirmed = NULL;
    for (size_t i = 0; i < n; i++)
        if (strcmp(cf[i].f.rule, "cert-key-type-confirmed") == 0) {
            assert_null(confirmed); /* only the refusal made before it was known */
            confirmed = &cf[i];
        }
    assert_non_null(confirmed);
    assert_string_equal(confirmed->subject, "server 10.0.0.2:443");
    assert_non_null(strstr(confirmed->f.evidence, "1 session (the first #1) offered only ecdsa suites and was refused"));
    assert_int_equal(confirmed->n_sessions, 2);
    session_free(refused);
    session_free(ok);
    session_free(again);
    session_free(rsa_only);
    run_close(&r);
}

static void test_protocol_version_mismatch(void **state)
{
    (void)state;
    struct session *s = new_session(1);
    modern_client(s);
    push16(s, &s->ch.versions, VER_TLS13);
    add_alert(s, DIR_S2C, 2, 70, 6);
    eval(s);
    expect(s, "protocol-version-mismatch", SEV_HIGH, "protocol_version (packet 6)", "TLSv1.3", NULL);
    silent(s, "no-shared-cipher");
    session_free(s);
}

static void test_weak_negotiation(void **state)
{
    (void)state;
    struct session *s = new_session(1);
    modern_client(s);
    negotiate(s, VER_TLS10, 0x0005); /* TLS_RSA_WITH_RC4_128_SHA */
    s->sh.ems = s->sh.reneg_info = false;
    s->ch.ems = s->ch.reneg_info = false;
    server_leaf(s);
    eval(s);
    expect(s, "weak-protocol", SEV_MEDIUM, "TLSv1.0", "min_protocol", "client offered up to TLSv1.2",
           NULL);
    expect(s, "weak-cipher", SEV_HIGH, "TLS_RSA_WITH_RC4_128_SHA", "RC4", NULL);
    expect(s, "no-forward-secrecy", SEV_LOW, "RSA key exchange", NULL);
    /* a client that did not signal: the server's silence proves nothing */
    expect(s, "insecure-renegotiation", SEV_MEDIUM, "neither renegotiation_info", NULL);
    assert_null(strstr(finding(s, "insecure-renegotiation")->evidence, "server"));
    expect(s, "no-extended-master-secret", SEV_LOW, "did not offer", NULL);
    session_free(s);

    /* the client signalled with the SCSV, the server did not answer */
    s = new_session(11);
    static const uint32_t with_scsv[] = {0x00ff, 0xc02f};
    offer(s, with_scsv, 2);
    negotiate(s, VER_TLS12, 0xc02f);
    s->sh.reneg_info = false;
    eval(s);
    expect(s, "insecure-renegotiation", SEV_MEDIUM, "the client signalled", "the server does not support it", NULL);
    assert_null(strstr(finding(s, "insecure-renegotiation")->evidence, "the client sent neither"));
    session_free(s);

    /* absence in a hello that did not parse whole proves nothing */
    s = new_session(12);
    static const uint32_t plain[] = {0xc02f};
    offer(s, plain, 1);
    s->ch.truncated = true;
    negotiate(s, VER_TLS12, 0xc02f);
    s->sh.ems = false;
    eval(s);
    silent(s, "insecure-renegotiation");
    expect(s, "no-extended-master-secret", SEV_LOW, "its hello did not parse whole", NULL);
    s->sh.truncated = true;
    s->findings.n = 0;
    eval(s);
    silent(s, "no-extended-master-secret");
    session_free(s);

    s = new_session(2);
    modern_client(s);
    negotiate(s, VER_SSL3, 0x000a);
    eval(s);
    expect(s, "weak-protocol", SEV_HIGH, "SSLv3", NULL);
    expect(s, "weak-cipher", SEV_MEDIUM, "3DES", NULL); /* Sweet32 needs hundreds of GB */
    session_free(s);

    s = new_session(3);
    modern_client(s);
    negotiate(s, VER_TLS12, 0xc013); /* ECDHE_RSA AES_128_CBC_SHA */
    server_leaf(s);
    eval(s);
    expect(s, "cbc-sha1", SEV_LOW, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", NULL);
    silent(s, "no-forward-secrecy");
    silent(s, "weak-cipher");
    session_free(s);
}

static void test_weak_cipher_offered(void **state)
{
    (void)state;
    struct session *s = new_session(1);
    static const uint32_t suites[] = {0xc02f, 0x0004, 0x0001, 0x0003};
    offer(s, suites, 4);
    eval(s);
    expect(s, "weak-cipher-offered", SEV_INFO, "TLS_RSA_WITH_RC4_128_MD5", "TLS_RSA_WITH_NULL_MD5",
           "3 weak suites", NULL);
    session_free(s);
}

static void test_cipher_policy(void **state)
{
    (void)state;
    struct session *s = new_session(1);
    modern_client(s);
    negotiate(s, VER_TLS12, 0xc02f);
    server_leaf(s);
    eval_policy(s, "allowed_ciphers = TLS_AES_256_GCM_SHA384, ECDHE_RSA_AES_256_GCM_SHA384\n");
    expect(s, "cipher-not-allowed", SEV_MEDIUM, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
           "the policy's allowed_ciphers", NULL);
    session_free(s);

    /* MQ list names and a per-server list that replaces the global one */
    s = new_session(2);
    modern_client(s);
    negotiate(s, VER_TLS12, 0xc02f);
    server_leaf(s);
    eval_policy(s, "allowed_ciphers = TLS_AES_256_GCM_SHA384\n"
                   "[server 10.0.0.2:443]\n"
                   "allowed_ciphers = ANY_TLS12_OR_HIGHER\n"
                   "min_protocol = TLSv1.3\n");
    silent(s, "cipher-not-allowed");
    expect(s, "weak-protocol", SEV_MEDIUM, "[server 10.0.0.2:443]", "TLSv1.3", NULL);
    session_free(s);

    s = new_session(3);
    modern_client(s);
    negotiate(s, VER_TLS12, 0xc02f);
    eval_policy(s, "[server *:443]\nallowed_ciphers = 0xc030\n");
    expect(s, "cipher-not-allowed", SEV_MEDIUM, "[server *:443]", NULL);
    session_free(s);
}

static void test_weak_dh(void **state)
{
    (void)state;
    struct session *s = new_session(1);
    s->ske.present = true;
    s->ske.dh_p_bits = 1024;
    eval(s);
    expect(s, "weak-dh", SEV_MEDIUM, "1024-bit prime", NULL);
    session_free(s);

    s = new_session(2);
    s->ske.dh_p_bits = 512;
    eval(s);
    expect(s, "weak-dh", SEV_HIGH, "512-bit", NULL);
    session_free(s);

    s = new_session(3);
    s->ske.dh_p_bits = 2048;
    eval(s);
    silent(s, "weak-dh");
    session_free(s);
}

static void test_compression_and_heartbeat(void **state)
{
    (void)state;
    static const uint8_t deflate = 1, none = 0, deflate_or_none[] = {1, 0};
    struct session *s = new_session(1);
    modern_client(s);
    negotiate(s, VER_TLS12, 0xc02f);
    s->ch.compression = (struct bytes){deflate_or_none, 2};
    s->sh.compression = (struct bytes){&deflate, 1};
    struct where at = {.packet = 19};
    session_anomaly(s, DIR_C2S, &at, "heartbeat_overread", "heartbeat request claims 16384");
    eval(s);
    expect(s, "tls-compression", SEV_HIGH, "DEFLATE", NULL);
    if (strstr(finding(s, "tls-compression")->evidence, "did not offer"))
        fail_msg("the client offered DEFLATE: %s", finding(s, "tls-compression")->evidence);
    expect(s, "heartbeat-overread", SEV_HIGH, "claims 16384", "client, packet 19", NULL);
    session_free(s);

    /* A server picking a method the client never offered. */
    s = new_session(3);
    modern_client(s);
    negotiate(s, VER_TLS12, 0xc02f);
    s->ch.compression = (struct bytes){&none, 1};
    s->sh.compression = (struct bytes){&deflate, 1};
    eval(s);
    expect(s, "tls-compression", SEV_HIGH, "DEFLATE", "client did not offer", NULL);
    session_free(s);

    s = new_session(2);
    modern_client(s);
    negotiate(s, VER_TLS12, 0xc02f);
    s->sh.compression = (struct bytes){&none, 1};
    eval(s);
    silent(s, "tls-compression");
    silent(s, "heartbeat-overread");
    session_free(s);

    /* encrypted: a request shorter than any heartbeat with AES-GCM (3 + 16
     * bytes, an 8-byte nonce, a 16-byte tag: 43), and an answer larger */
    static const struct {
        uint32_t request, answer;
        bool fires;
    } beats[] = {{29, 1200, true}, {43, 43, false}, {60, 60, false}};
    for (size_t i = 0; i < ARRAY_LEN(beats); i++) {
        s = new_session(3);
        modern_client(s);
        negotiate(s, VER_TLS12, 0xc02f);
        struct where when = {.ts = s->hs_start.ts + 50000000, .packet = 20};
        session_event(s, EV_HEARTBEAT, 255, DIR_C2S, beats[i].request, &when);
        when.packet = 21;
        session_event(s, EV_HEARTBEAT, 255, DIR_S2C, beats[i].answer, &when);
        eval(s);
        if (beats[i].fires)
            expect(s, "heartbeat-overread", SEV_HIGH, "request of 29 bytes", "shorter than 43 bytes",
                   "answered with 1200 bytes (packet 21)", NULL);
        else
            silent(s, "heartbeat-overread");
        session_free(s);
    }
}

static void test_client_cert_missing(void **state)
{
    (void)state;
    struct session *s = new_session(1);
    modern_client(s);
    negotiate(s, VER_TLS12, 0xc02f);
    s->established = false;
    s->cert_request.present = true;
    s->client_certs.seen = true; /* empty Certificate */
    add_alert(s, DIR_S2C, 2, 40, 9);
    eval(s);
    expect(s, "client-cert-missing", SEV_HIGH, "empty Certificate message", "handshake_failure", NULL);
    session_free(s);

    /* optional client authentication: the server carried on */
    s = new_session(2);
    modern_client(s);
    negotiate(s, VER_TLS12, 0xc02f);
    s->cert_request.present = true;
    s->client_certs.seen = true;
    eval(s);
    expect(s, "client-cert-missing", SEV_LOW, "accepted", NULL);
    session_free(s);

    s = new_session(3);
    modern_client(s);
    negotiate(s, VER_TLS12, 0xc02f);
    s->cert_request.present = true;
    add_cert(s, &s->client_certs, "CN=app", "CN=Example CA");
    eval(s);
    silent(s, "client-cert-missing");
    session_free(s);
}

static void test_cross_field(void **state)
{
    (void)state;
    /* the certificate's signature the client did not list */
    struct session *s = new_session(1);
    modern_client(s);
    negotiate(s, VER_TLS12, 0xc02b);
    struct cert *c = server_leaf(s);
    c->key_type = "ecdsa";
    c->key_bits = 384;
    c->curve = "secp384r1";
    c->sig_alg = "sha512WithRSAEncryption";
    eval(s);
    expect(s, "cert-sigalg-not-offered", SEV_MEDIUM, "sha512WithRSAEncryption", "rsa_pkcs1_sha512",
           "secp384r1", NULL);
    session_free(s);

    /* TLS 1.3 with an RSA key and no RSA-PSS scheme */
    s = new_session(2);
    s->ch.present = true;
    push16(s, &s->ch.versions, VER_TLS13);
    push16(s, &s->ch.sig_algs, 0x0401);
    push16(s, &s->ch.sig_algs, 0x0403);
    negotiate(s, VER_TLS13, 0x1301);
    server_leaf(s);
    eval(s);
    expect(s, "rsa-without-pss", SEV_HIGH, "no rsa_pss_rsae_* scheme", NULL);
    session_free(s);

    /* refused before any certificate: the likely reason, said as such */
    s = new_session(4);
    s->ch.present = true;
    push16(s, &s->ch.versions, VER_TLS13);
    push16(s, &s->ch.sig_algs, 0x0401);
    add_alert(s, DIR_S2C, 2, 40, 6);
    eval(s);
    /* the handshake failed, most likely for this: high, and the explanation */
    expect(s, "rsa-without-pss", SEV_HIGH, "handshake_failure", "RSA key (the usual kind)", NULL);
    silent(s, "alert-explained");
    silent(s, "no-shared-cipher");
    session_free(s);

    /* an ECDSA server does not care */
    s = new_session(5);
    s->ch.present = true;
    push16(s, &s->ch.versions, VER_TLS13);
    push16(s, &s->ch.sig_algs, 0x0403);
    negotiate(s, VER_TLS13, 0x1301);
    server_leaf(s)->key_type = "ecdsa";
    eval(s);
    silent(s, "rsa-without-pss");
    session_free(s);

    /* a HelloRetryRequest for a group the first hello had no share for */
    s = new_session(3);
    s->ch.present = true;
    push16(s, &s->ch.versions, VER_TLS13);
    push16(s, &s->ch.key_share_groups, 0x001d);
    s->hrr.present = true;
    push16(s, &s->hrr.key_share_groups, 0x0017);
    negotiate(s, VER_TLS13, 0x1301);
    eval(s);
    expect(s, "hello-retry", SEV_INFO, "secp256r1", "x25519", NULL);
    session_free(s);
}

static void test_alerts_explained(void **state)
{
    (void)state;
    struct session *s = new_session(1);
    modern_client(s);
    negotiate(s, VER_TLS12, 0xc02f);
    s->established = s->client_finished = false;
    add_alert(s, DIR_C2S, 2, 48, 8);
    eval(s);
    const struct finding *f = finding(s, "alert-explained");
    /* the handshake failed, and no specific rule explains it: high */
    expect(s, "alert-explained", SEV_HIGH, "client sent fatal unknown_ca (48) in packet 8",
           "does not trust the CA", "it answers the server's flight", NULL);
    /* the side that refused names it; its peer sees the connection closed */
    assert_string_equal(f->mq, "AMQ9633E (client); AMQ9665E (queue manager)");
    assert_non_null(strstr(f->fix, "trust store"));
    session_free(s);

    /* TLS 1.3: an alert-sized protected record from the client */
    s = new_session(2);
    s->ch.present = true;
    negotiate(s, VER_TLS13, 0x1302);
    s->established = false;
    struct alert a = {.dir = DIR_C2S, .encrypted = true, .at = {.packet = 8}};
    assert_true(ARENA_PUSH(s->arena, s->alerts, a));
    eval(s);
    expect(s, "alert-explained", SEV_HIGH, "encrypted alert in packet 8",
           "rejecting the server's certificate", NULL);
    session_free(s);

    /* after the handshake completed: the connection failed (medium) */
    s = new_session(21);
    modern_client(s);
    negotiate(s, VER_TLS12, 0xc02f);
    add_alert(s, DIR_S2C, 2, 20, 15); /* bad_record_mac */
    eval(s);
    expect(s, "alert-explained", SEV_MEDIUM, "bad_record_mac", "after the handshake had completed", NULL);
    session_free(s);

    /* a refused renegotiation is neither a cipher nor a certificate problem */
    s = new_session(22);
    modern_client(s);
    negotiate(s, VER_TLS12, 0xc02f);
    add_alert(s, DIR_S2C, 1, 100, 14); /* no_renegotiation, a warning */
    add_alert(s, DIR_C2S, 2, 40, 15);  /* handshake_failure */
    eval(s);
    expect(s, "alert-explained", SEV_MEDIUM, "declined a renegotiation", "refused renegotiation", NULL);
    assert_null(strstr(finding(s, "alert-explained")->evidence, "cannot use what the server chose"));
    session_free(s);

    /* internal_error straight after a hello: the server could not answer it */
    s = new_session(23);
    modern_client(s);
    add_alert(s, DIR_S2C, 2, 80, 5);
    eval(s);
    expect(s, "alert-explained", SEV_HIGH, "internal_error", "failed preparing its answer", NULL);
    silent(s, "protocol-version-mismatch");
    session_free(s);

    /* ... unless the hello offered only TLS 1.1 or older: OpenSSL 3 has no
     * version for it, and says so with internal_error */
    s = new_session(24);
    static const uint32_t old_suites[] = {0xc013, 0x002f};
    offer(s, old_suites, 2);
    s->ch.version = VER_TLS11;
    add_alert(s, DIR_S2C, 2, 80, 5);
    eval(s);
    expect(s, "protocol-version-mismatch", SEV_HIGH, "offering at most TLSv1.1 with internal_error",
           "version mismatch, not a server fault", NULL);
    silent(s, "alert-explained");
    session_free(s);

    /* close_notify is not a failure */
    s = new_session(3);
    modern_client(s);
    negotiate(s, VER_TLS12, 0xc02f);
    add_alert(s, DIR_C2S, 1, 0, 12);
    eval(s);
    silent(s, "alert-explained");
    session_free(s);
}

static void test_slow_handshake(void **state)
{
    (void)state;
    struct session *s = new_session(1);
    modern_client(s);
    negotiate(s, VER_TLS12, 0xc02f);
    s->hs_end.ts = s->hs_start.ts + 1500 * 1000000LL;
    struct where syn = {.ts = s->hs_start.ts - 2000000}, synack = {.ts = s->hs_start.ts - 1000000};
    session_event(s, EV_TCP_SYN, 0, DIR_C2S, 0, &syn);
    session_event(s, EV_TCP_SYN, 1, DIR_S2C, 0, &synack);
    add_event(s, EV_HANDSHAKE, 1, DIR_C2S, 0);
    add_event(s, EV_HANDSHAKE, 2, DIR_S2C, 1400);
    add_event(s, EV_HANDSHAKE, 14, DIR_S2C, 1400);
    add_event(s, EV_HANDSHAKE, 16, DIR_C2S, 1410);
    eval(s);
    expect(s, "slow-handshake", SEV_LOW, "1500.0 ms", "round trip (SYN to SYN-ACK) 1.0 ms",
           "server: ClientHello to its first flight 1400.0 ms (time spent in the server",
           "client: from the server's flight to its answer 10.0 ms", NULL);
    session_free(s);

    /* the server's flight lost twice and sent again after 200 and 400 ms:
     * the waits overlap, and the time is the network's */
    s = new_session(3);
    modern_client(s);
    negotiate(s, VER_TLS12, 0xc02f);
    s->hs_end.ts = s->hs_start.ts + 1220 * 1000000LL;
    session_event(s, EV_TCP_SYN, 0, DIR_C2S, 0, &syn);
    session_event(s, EV_TCP_SYN, 1, DIR_S2C, 0, &synack);
    struct where ack = {.ts = s->hs_start.ts - 900000};
    session_event(s, EV_TCP_ACK, 0, DIR_C2S, 0, &ack);
    add_event(s, EV_HANDSHAKE, 1, DIR_C2S, 0);
    add_event(s, EV_HANDSHAKE, 2, DIR_S2C, 5);
    struct where resent = {.ts = s->hs_start.ts + 405 * 1000000LL, .packet = 7};
    session_event(s, EV_TCP_RETRANSMIT, 0, DIR_S2C, 400000, &resent);
    resent.ts = s->hs_start.ts + 1205 * 1000000LL;
    resent.packet = 8;
    session_event(s, EV_TCP_RETRANSMIT, 0, DIR_S2C, 1200000, &resent);
    add_event(s, EV_HANDSHAKE, 16, DIR_C2S, 1210);
    eval(s);
    expect(s, "slow-handshake", SEV_LOW, "round trip (SYN to the handshake's ACK) 1.1 ms",
           "1200.0 ms of it waiting for lost segments", "the longest, 1200.0 ms, for a segment from the server "
           "(packet 8)", "(mostly waiting for lost segments)", "packet loss, not either endpoint", NULL);
    const struct finding *f = finding(s, "slow-handshake");
    assert_null(strstr(f->evidence, "time spent in the client"));
    session_free(s);

    s = new_session(2);
    modern_client(s);
    negotiate(s, VER_TLS12, 0xc02f);
    eval(s);
    silent(s, "slow-handshake");
    session_free(s);
}

/* ---- IBM MQ --------------------------------------------------------------------------- */

static void test_mq_plaintext(void **state)
{
    (void)state;
    struct session *s = new_session(1);
    s->server.port = 1414;
    s->mq.client = s->mq.server = true;
    strcpy(s->mq.channel, "APP.SVRCONN");
    strcpy(s->mq.qmgr, "QM1");
    s->mq.password = s->mq.userid = true;
    s->mq.at.packet = 4;
    eval(s);
    expect(s, "mq-plaintext", SEV_HIGH, "without TLS", "channel APP.SVRCONN", "queue manager QM1",
           "password flowed in clear", NULL);
    silent(s, "mq-server-plaintext");
    session_free(s);

    /* a ClientHello answered in plaintext MQ */
    s = new_session(2);
    modern_client(s);
    add_sni(s, "app2e-svrconn.chl.mq.ibm.com");
    s->mq.server = true;
    s->mq.has_status = true;
    s->mq.status = 24;
    s->mq.at.packet = 6;
    eval(s);
    expect(s, "mq-server-plaintext", SEV_HIGH, "for channel APP.SVRCONN", "STATUS 24", NULL);
    silent(s, "mq-plaintext");
    session_free(s);
}

static void test_mq_closed_after_hello(void **state)
{
    (void)state;
    struct session *s = new_session(1);
    s->server.port = 1414;
    modern_client(s);
    s->ch.at.ts = s->hs_start.ts;
    add_event(s, EV_TCP_FIN, 0, DIR_S2C, 3);
    eval(s);
    expect(s, "mq-closed-after-hello", SEV_HIGH, "closed the connection 3.000 ms after the ClientHello",
           NULL);
    session_free(s);

    /* OpenSSL clients answer the close with decode_error: still the server's doing */
    s = new_session(3);
    s->server.port = 1414;
    modern_client(s);
    s->ch.at.ts = s->hs_start.ts;
    add_event(s, EV_TCP_FIN, 0, DIR_S2C, 1);
    add_alert(s, DIR_C2S, 2, 50, 7); /* 2 ms */
    eval(s);
    expect(s, "mq-closed-after-hello", SEV_HIGH, "1.000 ms after the ClientHello", NULL);
    silent(s, "alert-explained"); /* mq-closed-after-hello explains the failure */
    session_free(s);

    /* a server alert is an answer */
    s = new_session(4);
    s->server.port = 1414;
    modern_client(s);
    s->ch.at.ts = s->hs_start.ts;
    add_alert(s, DIR_S2C, 2, 40, 5);
    add_event(s, EV_TCP_FIN, 0, DIR_S2C, 3);
    eval(s);
    silent(s, "mq-closed-after-hello");
    session_free(s);

    /* not an MQ port, no channel SNI: some other server's business */
    s = new_session(2);
    modern_client(s);
    s->ch.at.ts = s->hs_start.ts;
    add_event(s, EV_TCP_FIN, 0, DIR_S2C, 3);
    eval(s);
    silent(s, "mq-closed-after-hello");
    session_free(s);
}

/* A TLS 1.2 handshake up to the server's flight (ClientHello at 0 ms, the
 * flight at 5 ms), not completed. */
static struct session *until_server_flight(uint64_t id)
{
    struct session *s = new_session(id);
    modern_client(s);
    s->ch.at.ts = s->hs_start.ts;
    add_event(s, EV_TCP_SYN, 0, DIR_C2S, -2);
    add_event(s, EV_TCP_SYN, 1, DIR_S2C, -1);
    add_event(s, EV_HANDSHAKE, 1, DIR_C2S, 0);
    s->sh.present = true;
    s->sh.version = VER_TLS12;
    s->has_version = s->has_cipher = true;
    s->version = VER_TLS12;
    s->cipher = 0xc02f;
    add_event(s, EV_HANDSHAKE, 2, DIR_S2C, 5);
    add_event(s, EV_HANDSHAKE, 11, DIR_S2C, 5);
    add_event(s, EV_HANDSHAKE, 14, DIR_S2C, 5);
    return s;
}

static void test_silent_close(void **state)
{
    (void)state;
    /* the client hangs up on the server's flight: a silent refusal */
    struct session *s = until_server_flight(1);
    add_event(s, EV_TCP_RST, 0, DIR_C2S, 8);
    eval(s);
    expect(s, "silent-close", SEV_HIGH, "the client reset the connection 3.0 ms after the server's flight",
           "rejected the server's certificate without saying so", NULL);
    silent(s, "alert-explained");
    session_free(s);

    /* an alert before the close says why: that one explains */
    s = until_server_flight(2);
    add_alert(s, DIR_C2S, 2, 48, 7); /* 2 ms */
    add_event(s, EV_TCP_FIN, 0, DIR_C2S, 8);
    eval(s);
    silent(s, "silent-close");
    expect(s, "alert-explained", SEV_HIGH, "unknown_ca", NULL);
    session_free(s);

    /* seconds later it is a stall or a timeout, not a quick refusal */
    s = until_server_flight(10);
    add_event(s, EV_TCP_FIN, 0, DIR_C2S, 2305);
    eval(s);
    expect(s, "silent-close", SEV_HIGH, "2300.0 ms after the server's flight", "it took 2.3 s", NULL);
    session_free(s);

    /* the server's alert after the client's close only reacts to it */
    s = until_server_flight(3);
    add_event(s, EV_TCP_FIN, 0, DIR_C2S, 1); /* before the alert at 2 ms */
    add_alert(s, DIR_S2C, 2, 50, 9);
    eval(s);
    expect(s, "silent-close", SEV_HIGH, "decode_error afterwards (packet 9) only reports", NULL);
    silent(s, "alert-explained");
    session_free(s);

    /* the server hangs up on the ClientHello */
    s = new_session(4);
    modern_client(s);
    s->ch.at.ts = s->hs_start.ts;
    add_event(s, EV_HANDSHAKE, 1, DIR_C2S, 0);
    add_event(s, EV_TCP_FIN, 0, DIR_S2C, 12);
    eval(s);
    expect(s, "silent-close", SEV_HIGH, "the server closed the connection 12.0 ms after the ClientHello",
           "refused the hello without saying why", NULL);
    session_free(s);

    /* a client that hangs up sooner than a round trip never meant to wait */
    s = new_session(5);
    modern_client(s);
    s->ch.at.ts = s->hs_start.ts;
    add_event(s, EV_TCP_SYN, 0, DIR_C2S, -30);
    add_event(s, EV_TCP_SYN, 1, DIR_S2C, -10);
    add_event(s, EV_HANDSHAKE, 1, DIR_C2S, 0);
    add_event(s, EV_TCP_FIN, 0, DIR_C2S, 1);
    eval(s);
    expect(s, "silent-close", SEV_LOW, "sooner than one network round trip (20.0 ms)", "scanner", NULL);
    session_free(s);

    /* ... and one that waited seconds timed out */
    s = new_session(6);
    modern_client(s);
    s->ch.at.ts = s->hs_start.ts;
    add_event(s, EV_HANDSHAKE, 1, DIR_C2S, 0);
    add_event(s, EV_TCP_FIN, 0, DIR_C2S, 5000);
    eval(s);
    expect(s, "silent-close", SEV_HIGH, "closed the connection 5000.0 ms later", "a timeout", NULL);
    session_free(s);

    /* the server hangs up on a client flight that lacked the certificate it asked for */
    s = until_server_flight(7);
    s->cert_request.present = true;
    s->cke_seen = true;
    s->client_certs.seen = true;
    add_event(s, EV_HANDSHAKE, 11, DIR_C2S, 8);
    add_event(s, EV_HANDSHAKE, 16, DIR_C2S, 8);
    add_event(s, EV_TCP_RST, 0, DIR_S2C, 9);
    eval(s);
    expect(s, "silent-close", SEV_HIGH, "the server reset the connection 1.0 ms after the client's flight",
           "the client sent none", NULL);
    session_free(s);

    /* a HelloRetryRequest the client did not answer */
    s = new_session(8);
    modern_client(s);
    s->ch.at.ts = s->hs_start.ts;
    add_event(s, EV_HANDSHAKE, 1, DIR_C2S, 0);
    s->hrr.present = true;
    push16(s, &s->hrr.key_share_groups, 0x0017);
    add_event(s, EV_HANDSHAKE, 2, DIR_S2C, 3);
    add_event(s, EV_TCP_FIN, 0, DIR_C2S, 4);
    eval(s);
    expect(s, "silent-close", SEV_HIGH, "instead of sending a second ClientHello", "key share in secp256r1",
           NULL);
    session_free(s);

    /* nothing to say: completed, seen from the middle, or no close at all */
    for (int c = 0; c < 3; c++) {
        s = until_server_flight(9);
        if (c == 0)
            s->established = true;
        if (c == 1)
            s->mid_stream = true;
        if (c != 2)
            add_event(s, EV_TCP_FIN, 0, DIR_C2S, 8);
        eval(s);
        silent(s, "silent-close");
        session_free(s);
    }
}

static void test_one_direction(void **state)
{
    (void)state;
    struct session *s = new_session(1);
    modern_client(s);
    s->ch.at.ts = s->hs_start.ts;
    s->cke_seen = true;
    s->one_way = 1 + DIR_C2S;
    s->bytes[DIR_C2S] = 330;
    s->records[DIR_C2S][REC_HANDSHAKE] = 3;
    struct alert a = {.dir = DIR_C2S, .encrypted = true};
    assert_true(ARENA_PUSH(s->arena, s->alerts, a));
    eval(s);
    expect(s, "one-direction", SEV_INFO, "only the client's packets (330 bytes in 3 handshake records)",
           "its key exchange", "partial, not failed", NULL);
    silent(s, "alert-explained");
    session_free(s);

    s = new_session(2);
    modern_client(s);
    negotiate(s, VER_TLS12, 0xc02f);
    s->established = false;
    s->one_way = 1 + DIR_S2C;
    eval(s);
    expect(s, "one-direction", SEV_INFO, "only the server's packets", "answers a ClientHello the capture does "
           "not hold", NULL);
    session_free(s);
}

static void not_tls_reply(struct session *s, uint8_t dir, const char *text)
{
    s->not_tls_reply.p = (const uint8_t *)text;
    s->not_tls_reply.len = strlen(text);
    s->not_tls_dir = dir;
    s->not_tls_at.packet = 6;
    s->not_tls_at.ts = s->hs_start.ts + 1000000;
}

static void test_peer_not_tls(void **state)
{
    (void)state;
    static const struct {
        uint16_t port;
        const char *reply, *says;
    } cases[] = {
        {8080, "HTTP/1.1 400 Bad Request\r\n", "an HTTP server, not a TLS server; the client reached a plain HTTP port"},
        {443, "HTTP/1.0 400 Bad request\r\n", "on port 443, where this protocol is expected to start in TLS"},
        {25, "220 mail.example.com ESMTP\r\n", "use STARTTLS (SMTP 25/587)"},
        {465, "220 mail.example.com ESMTP\r\n", "on port 465, where"},
        {8443, "<!doctype html><title>", "an error page sent without headers"},
        {2222, "SSH-2.0-OpenSSH_9.2\r\n", "an SSH server"},
        {7000, "\x01\x02 what", "\"\\x01\\x02 what\"; that is another protocol"},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        struct session *s = new_session(i + 1);
        s->server.port = cases[i].port;
        modern_client(s);
        s->ch.at.ts = s->hs_start.ts;
        add_event(s, EV_HANDSHAKE, 1, DIR_C2S, 0);
        not_tls_reply(s, DIR_S2C, cases[i].reply);
        add_event(s, EV_TCP_FIN, 0, DIR_S2C, 2);
        eval(s);
        expect(s, "peer-not-tls", SEV_HIGH, "answered it in packet 6", cases[i].says, NULL);
        silent(s, "silent-close");
        session_free(s);
    }

    /* a banner before the hello is a greeting, not an answer */
    struct session *s = new_session(20);
    s->server.port = 25;
    modern_client(s);
    s->ch.at.ts = s->hs_start.ts + 5000000;
    not_tls_reply(s, DIR_S2C, "220 ready\r\n");
    eval(s);
    expect(s, "peer-not-tls", SEV_HIGH, "had already greeted it, before that hello,", NULL);
    session_free(s);

    /* plaintext MQ has its own rule */
    s = new_session(21);
    modern_client(s);
    not_tls_reply(s, DIR_S2C, "TSH ");
    s->mq.server = true;
    eval(s);
    silent(s, "peer-not-tls");
    session_free(s);
}

static void mq_established(struct session *s, uint16_t version, uint32_t cipher)
{
    modern_client(s);
    push16(s, &s->ch.versions, VER_TLS13);
    add_sni(s, "app2e-svrconn.chl.mq.ibm.com");
    negotiate(s, version, cipher);
    s->saw_appdata[DIR_C2S] = true;
    s->appdata_records[DIR_C2S] = 1;
    add_event(s, EV_APPDATA, 0, DIR_C2S, 20);
    if (version == VER_TLS13) /* the server's session tickets */
        s->saw_appdata[DIR_S2C] = true, s->appdata_records[DIR_S2C] = 2;
    add_event(s, EV_TCP_FIN, 0, DIR_S2C, 25);
}

static void test_mq_cipherspec_mismatch(void **state)
{
    (void)state;
    /* closed right after the client's first MQ data, no policy: likely */
    struct session *s = new_session(1);
    mq_established(s, VER_TLS13, 0x1302);
    eval(s);
    expect(s, "mq-cipherspec-mismatch", SEV_MEDIUM, "closed the connection 5.000 ms later", "APP.SVRCONN",
           "TLS 1.3 was negotiated", NULL);
    session_free(s);

    /* the policy names SSLCIPH: certain */
    s = new_session(2);
    mq_established(s, VER_TLS13, 0x1302);
    eval_policy(s, "[channel APP.SVRCONN]\nsslciph = ANY_TLS12\n");
    expect(s, "mq-cipherspec-mismatch", SEV_HIGH, "SSLCIPH(ANY_TLS12)", "TLS_AES_256_GCM_SHA384", NULL);
    session_free(s);

    s = new_session(3);
    mq_established(s, VER_TLS13, 0x1302);
    eval_policy(s, "[channel APP.SVRCONN]\nsslciph = ANY_TLS12_OR_HIGHER\n");
    silent(s, "mq-cipherspec-mismatch");
    session_free(s);

    /* the client never spoke: the server closing is not about SSLCIPH */
    s = new_session(4);
    mq_established(s, VER_TLS12, 0xc030);
    s->saw_appdata[DIR_C2S] = false;
    s->appdata_records[DIR_C2S] = 0;
    eval(s);
    silent(s, "mq-cipherspec-mismatch");
    session_free(s);

    /* the queue manager answered before closing: a conversation, not SSLCIPH */
    s = new_session(5);
    mq_established(s, VER_TLS12, 0xc030);
    s->appdata_records[DIR_S2C] = 1;
    eval(s);
    silent(s, "mq-cipherspec-mismatch");
    session_free(s);
}

static void test_mq_sni(void **state)
{
    (void)state;
    struct session *s = new_session(1);
    s->server.port = 1414;
    modern_client(s);
    add_sni(s, "mq.example.com");
    eval(s);
    expect(s, "mq-sni-not-channel", SEV_MEDIUM, "host name mq.example.com", NULL);
    session_free(s);

    s = new_session(2);
    modern_client(s);
    s->server.port = 1515;
    eval_policy(s, "mq_ports = 1515\n");
    expect(s, "mq-sni-not-channel", SEV_MEDIUM, "no server name to the MQ port 1515", NULL);
    session_free(s);

    s = new_session(3);
    s->server.port = 1414;
    modern_client(s);
    add_sni(s, "app2e-svrconn.chl.mq.ibm.com");
    eval(s);
    silent(s, "mq-sni-not-channel");
    session_free(s);
}

static void test_mq_sslcauth_sslpeer(void **state)
{
    (void)state;
    static const char policy[] = "[channel APP.SVRCONN]\n"
                                 "sslcauth = REQUIRED\n"
                                 "sslpeer = CN=app*, O=Example\n"
                                 "client_sslpeer = CN=qm1*\n";
    /* refused after an empty Certificate: AMQ9637E, as a fact */
    struct session *s = new_session(1);
    mq_established(s, VER_TLS12, 0xc030);
    s->established = false;
    s->cert_request.present = true;
    s->client_certs.seen = true;
    add_alert(s, DIR_S2C, 2, 40, 8);
    eval_policy(s, policy);
    expect(s, "mq-sslcauth", SEV_HIGH, "SSLCAUTH(REQUIRED)", "empty certificate list", NULL);
    assert_string_equal(finding(s, "mq-sslcauth")->mq, "AMQ9637E (queue manager); MQRC 2393 (client)");
    session_free(s);

    /* the same where the handshake carried on: nothing failed for MQ to report */
    s = new_session(2);
    mq_established(s, VER_TLS12, 0xc030);
    s->cert_request.present = true;
    s->client_certs.seen = true;
    add_cert(s, &s->server_certs, "CN=qm1.example.com,O=Example", "CN=Example CA");
    eval_policy(s, policy);
    expect(s, "mq-sslcauth", SEV_MEDIUM, "did not insist", NULL);
    assert_string_equal(finding(s, "mq-sslcauth")->mq, "if it failed on this: AMQ9637E (queue manager); MQRC 2393 (client)");
    session_free(s);

    /* the queue manager's SSLPEER refuses the client's DN */
    s = new_session(3);
    mq_established(s, VER_TLS12, 0xc030);
    s->cert_request.present = true;
    add_cert(s, &s->client_certs, "CN=batch01,O=Example", "CN=Example CA");
    add_cert(s, &s->server_certs, "CN=qm1.example.com,O=Example", "CN=Example CA");
    eval_policy(s, policy);
    silent(s, "mq-sslcauth");
    expect(s, "mq-sslpeer", SEV_HIGH, "CN=batch01,O=Example", "queue manager's SSLPEER('CN=app*, O=Example')", NULL);
    assert_string_equal(finding(s, "mq-sslpeer")->mq, "AMQ9636E (queue manager); AMQ9643E (client)");
    session_free(s);

    /* the client's SSLPEER refuses the queue manager's DN: MQRC 2398 at the client */
    s = new_session(4);
    mq_established(s, VER_TLS12, 0xc030);
    s->cert_request.present = true;
    add_cert(s, &s->client_certs, "CN=app01,O=Example", "CN=Example CA");
    add_cert(s, &s->server_certs, "CN=qm2.example.com,O=Example", "CN=Example CA");
    eval_policy(s, policy);
    expect(s, "mq-sslpeer", SEV_HIGH, "CN=qm2.example.com,O=Example", "client's SSLPEER('CN=qm1*')", NULL);
    assert_string_equal(finding(s, "mq-sslpeer")->mq, "MQRC 2398 (client)");
    session_free(s);

    s = new_session(5);
    mq_established(s, VER_TLS12, 0xc030);
    s->cert_request.present = true;
    add_cert(s, &s->client_certs, "CN=app01,OU=Payments,O=Example,C=GB", "CN=Example CA");
    add_cert(s, &s->server_certs, "CN=qm1.example.com,O=Example", "CN=Example CA");
    eval_policy(s, policy);
    silent(s, "mq-sslpeer");
    session_free(s);
}

/* ---- capture-wide ---------------------------------------------------------------------- */

static const struct capture_finding *capture_finding(const struct capture_finding *cf, size_t n,
                                                     const char *rule, const char *subject)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(cf[i].f.rule, rule) == 0 && (!subject || strcmp(cf[i].subject, subject) == 0))
            return &cf[i];
    return NULL;
}

static void test_many_short_connections(void **state)
{
    (void)state;
    struct run r;
    run_open(&r, "burst_connections = 5\n", AS_OF_CAPTURE, 0);
    for (int i = 0; i < 6; i++) {
        struct session *s = new_session((uint64_t)i + 1);
        s->ts_first += i * 100000000LL;
        s->hs_start.ts = s->ts_first;
        modern_client(s);
        negotiate(s, VER_TLS12, 0xc02f);
        server_leaf(s);
        rules_eval(r.rules, s);
        session_free(s);
    }
    const struct capture_finding *cf;
    size_t n = rules_finish(r.rules, &cf);
    const struct capture_finding *f = capture_finding(cf, n, "many-short-connections", NULL);
    assert_non_null(f);
    assert_string_equal(f->subject, "server 10.0.0.2:443");
    assert_non_null(strstr(f->f.evidence, "6 full handshakes and none resumed over 0.5 s"));
    assert_non_null(strstr(f->f.evidence, "median 20.0 ms, 120.0 ms in total"));
    assert_int_equal(f->n_sessions, 6);
    run_close(&r);

    /* one resumption shows the client can: silent */
    run_open(&r, "burst_connections = 5\n", AS_OF_CAPTURE, 0);
    for (int i = 0; i < 6; i++) {
        struct session *s = new_session((uint64_t)i + 1);
        modern_client(s);
        negotiate(s, VER_TLS12, 0xc02f);
        s->resumed = i == 5;
        rules_eval(r.rules, s);
        session_free(s);
    }
    n = rules_finish(r.rules, &cf);
    assert_null(capture_finding(cf, n, "many-short-connections", NULL));
    run_close(&r);
}

/* A session whose handshake takes 900 ms, and an OCSP fetch 5 ms into
 * it, answered in `answer_ms`; the fetch's client is the caller's. */
static struct session *fetch_during(struct revocation_fetch *rf, int64_t answer_ms)
{
    struct session *s = new_session(7);
    modern_client(s);
    negotiate(s, VER_TLS12, 0xc02f);
    s->hs_end.ts = s->hs_start.ts + 900 * 1000000LL;
    *rf = (struct revocation_fetch){.kind = "ocsp", .status = 200, .packet = 12};
    strcpy(rf->host, "ocsp.example.com");
    strcpy(rf->path, "/MFEw");
    set_endpoint(&rf->server, 192, 0, 2, 9, 80);
    rf->ts_request = s->hs_start.ts + 5 * 1000000LL;
    rf->ts_response = rf->ts_request + answer_ms * 1000000LL;
    return s;
}

static void test_revocation_fetch_correlation(void **state)
{
    (void)state;
    struct run r;
    run_open(&r, NULL, AS_OF_CAPTURE, 0);
    struct revocation_fetch rf;
    struct session *s = fetch_during(&rf, 800);
    /* the session is reported before the fetch's connection closes */
    rules_eval(r.rules, s);
    rf.client = s->client;
    rules_fetch(r.rules, &rf);
    /* a fetch by an unrelated host */
    set_endpoint(&rf.client, 10, 9, 9, 9, 50000);
    rf.ts_response = rf.ts_request + 10 * 1000000LL;
    rules_fetch(r.rules, &rf);
    const struct capture_finding *cf;
    size_t n = rules_finish(r.rules, &cf);
    const struct capture_finding *slow = capture_finding(cf, n, "revocation-fetch", "ocsp fetch from 10.0.0.1:40000");
    assert_non_null(slow);
    assert_int_equal(slow->f.severity, SEV_MEDIUM);
    assert_non_null(strstr(slow->f.evidence, "answered in 800.0 ms with HTTP 200"));
    assert_non_null(strstr(slow->f.evidence, "handshake of session #7, which took 900.0 ms"));
    const struct capture_finding *other = capture_finding(cf, n, "revocation-fetch", "ocsp fetch from 10.9.9.9:50000");
    assert_non_null(other);
    assert_int_equal(other->f.severity, SEV_INFO);
    assert_int_equal(other->n_sessions, 0);
    session_free(s);
    run_close(&r);
}

/* how many handshakes the fetches were matched to, over all of them */
static size_t fetch_matches(const struct capture_finding *cf, size_t n)
{
    size_t matched = 0;
    for (size_t i = 0; i < n; i++)
        if (strcmp(cf[i].f.rule, "revocation-fetch") == 0)
            matched += cf[i].n_sessions;
    return matched;
}

/* Fetches made before the handshake is reported are matched to it by
 * host: among 2,000 fetches by other hosts, the client's fetch during
 * the handshake and the server's are its, the client's earlier one is
 * not. */
static void test_revocation_fetch_among_many_hosts(void **state)
{
    (void)state;
    struct run r;
    run_open(&r, NULL, AS_OF_CAPTURE, 0);
    struct revocation_fetch rf;
    struct session *s = fetch_during(&rf, 10);
    for (int i = 0; i < 2000; i++) {
        set_endpoint(&rf.client, 10, 50, (uint8_t)(i / 250), (uint8_t)(i % 250), 50000);
        rules_fetch(r.rules, &rf);
    }
    set_endpoint(&rf.client, 10, 0, 0, 1, 40001); /* the client, during */
    rules_fetch(r.rules, &rf);
    set_endpoint(&rf.client, 10, 0, 0, 2, 40002); /* the server, during */
    rules_fetch(r.rules, &rf);
    set_endpoint(&rf.client, 10, 0, 0, 1, 40003); /* the client, before */
    rf.ts_request = s->hs_start.ts - 5 * 1000000000LL;
    rf.ts_response = rf.ts_request + 10 * 1000000LL;
    rules_fetch(r.rules, &rf);
    rules_eval(r.rules, s);
    const struct capture_finding *cf;
    size_t n = rules_finish(r.rules, &cf);
    assert_int_equal(fetch_matches(cf, n), 2);
    const struct capture_finding *f = capture_finding(cf, n, "revocation-fetch", "ocsp fetch from 10.0.0.1:40001");
    assert_non_null(f);
    assert_int_equal(f->n_sessions, 1);
    assert_non_null(strstr(f->f.evidence, "handshake of session #7"));
    f = capture_finding(cf, n, "revocation-fetch", "ocsp fetch from 10.0.0.2:40002");
    assert_non_null(f);
    assert_int_equal(f->n_sessions, 1);
    f = capture_finding(cf, n, "revocation-fetch", "ocsp fetch from 10.0.0.1:40003");
    assert_non_null(f);
    assert_int_equal(f->n_sessions, 0);
    session_free(s);
    run_close(&r);
}

/* A proxy fetches for a whole network: 2,000 fetches by one host, a
 * second apart, and one that arrives last but was sent early. Each of
 * its handshakes gets the fetches sent during it, however far back in
 * its host's list they are, and no other. */
static void test_revocation_fetch_by_a_busy_host(void **state)
{
    (void)state;
    struct run r;
    run_open(&r, NULL, AS_OF_CAPTURE, 0);
    struct revocation_fetch rf;
    struct session *s = fetch_during(&rf, 10);
    const int64_t base = s->hs_start.ts, second = 1000000000LL;
    session_free(s);
    rf.client = (struct endpoint){.family = 4, .addr = {10, 0, 0, 1}, .port = 50000};
    for (int k = 0; k < 2000; k++) {
        rf.ts_request = base + k * second;
        rf.ts_response = rf.ts_request + 10 * 1000000LL;
        rules_fetch(r.rules, &rf);
    }
    rf.client.port = 50001; /* sent at 50.7 s, seen after the others */
    rf.ts_request = base + 50 * second + 700 * 1000000LL;
    rf.ts_response = rf.ts_request + 10 * 1000000LL;
    rules_fetch(r.rules, &rf);
    /* handshakes from 0.5 to 1.2 s after fetches 50, 1500 and 1998: each
     * holds the fetch after (and the 50th the late one too) */
    static const int after[] = {50, 1500, 1998};
    for (size_t i = 0; i < ARRAY_LEN(after); i++) {
        s = new_session(100 + i);
        modern_client(s);
        negotiate(s, VER_TLS12, 0xc02f);
        s->hs_start.ts = base + after[i] * second + 500 * 1000000LL;
        s->hs_end.ts = s->hs_start.ts + 700 * 1000000LL;
        rules_eval(r.rules, s);
        session_free(s);
    }
    const struct capture_finding *cf;
    size_t n = rules_finish(r.rules, &cf);
    assert_int_equal(fetch_matches(cf, n), 4);
    const struct capture_finding *late = capture_finding(cf, n, "revocation-fetch", "ocsp fetch from 10.0.0.1:50001");
    assert_non_null(late);
    assert_int_equal(late->n_sessions, 1);
    assert_non_null(strstr(late->f.evidence, "handshake of session #100"));
    run_close(&r);
}

static void test_channel_certificates(void **state)
{
    (void)state;
    struct run r;
    run_open(&r, NULL, AS_OF_CAPTURE, 0);
    for (int i = 0; i < 3; i++) {
        struct session *s = new_session((uint64_t)i + 1);
        mq_established(s, VER_TLS12, 0xc030);
        struct cert *c = server_leaf(s);
        c->sha256[5] = i == 2; /* the third got another certificate */
        rules_eval(r.rules, s);
        session_free(s);
    }
    const struct capture_finding *cf;
    size_t n = rules_finish(r.rules, &cf);
    const struct capture_finding *f = capture_finding(cf, n, "mq-channel-certificates", "MQ channel APP.SVRCONN");
    assert_non_null(f);
    assert_int_equal(f->f.severity, SEV_LOW);
    assert_non_null(strstr(f->f.evidence, "3 sessions were answered with 2 different certificates"));
    assert_non_null(strstr(f->f.evidence, "in 2 sessions, first #1"));
    assert_non_null(strstr(f->f.evidence, "in 1 session, first #3"));
    assert_non_null(strstr(f->f.evidence, "rsa 2048 bits"));
    assert_non_null(strstr(f->f.evidence, "negotiated ECDHE_RSA_AES_256_GCM_SHA384 (TLSv1.2)"));
    run_close(&r);

    /* two channels of one queue manager, an RSA and an EC certificate:
     * each channel's CipherSpec must fit its own */
    run_open(&r, NULL, AS_OF_CAPTURE, 0);
    struct session *rsa = new_session(1);
    mq_established(rsa, VER_TLS12, 0xc030);
    server_leaf(rsa);
    rules_eval(r.rules, rsa);
    struct session *ec = new_session(2);
    mq_established(ec, VER_TLS12, 0xc02c);
    ec->ch.sni.n = 0;
    add_sni(ec, "to2e-qmgr12e-svrconn.chl.mq.ibm.com");
    struct cert *leaf = server_leaf(ec);
    leaf->key_type = "ecdsa";
    leaf->key_bits = 256;
    leaf->sha256[7] = 1;
    rules_eval(r.rules, ec);
    n = rules_finish(r.rules, &cf);
    f = capture_finding(cf, n, "mq-channel-certificates", "MQ channel TO.QMGR1.SVRCONN");
    assert_non_null(f);
    assert_int_equal(f->f.severity, SEV_LOW);
    assert_non_null(strstr(f->f.evidence, "channel APP.SVRCONN of the same queue manager has an rsa certificate, "
                                          "this one ecdsa"));
    assert_non_null(strstr(f->f.evidence, "negotiated ECDHE_ECDSA_AES_256_GCM_SHA384"));
    session_free(rsa);
    session_free(ec);
    run_close(&r);
}

/* Connections to an MQ listener that end before a byte: an SSLCIPH the
 * client cannot use when they come unevenly, a health check when they
 * keep one interval, nothing on a port that is not MQ's. */
static void quiet_run(const int64_t *gaps_ms, size_t n, uint16_t port, const struct capture_finding **f)
{
    struct run r;
    run_open(&r, NULL, AS_OF_CAPTURE, 0);
    int64_t t = 1000000000LL;
    for (size_t i = 0; i <= n; i++) {
        struct quiet_conn q = {.ts_open = t, .ts_close = t + 1000000, .packet = i * 4 + 1, .client_closed = true};
        set_endpoint(&q.client, 10, 0, 0, 7, (uint16_t)(40000 + i));
        set_endpoint(&q.server, 10, 0, 0, 9, port);
        rules_quiet(r.rules, &q);
        if (i < n)
            t += gaps_ms[i] * 1000000;
    }
    const struct capture_finding *cf;
    size_t k = rules_finish(r.rules, &cf);
    const struct capture_finding *found = capture_finding(cf, k, "mq-no-clienthello", NULL);
    if (found) {
        static struct capture_finding copy;
        static char evidence[1024];
        copy = *found;
        snprintf(evidence, sizeof(evidence), "%s", found->f.evidence);
        copy.f.evidence = evidence;
        found = &copy;
    }
    *f = found;
    run_close(&r);
}

static void test_mq_no_clienthello(void **state)
{
    (void)state;
    static const int64_t uneven[] = {300, 700, 400};
    static const int64_t steady[] = {5000, 5100, 4950, 5000};
    const struct capture_finding *f;
    quiet_run(uneven, ARRAY_LEN(uneven), 1414, &f);
    assert_non_null(f);
    assert_int_equal(f->f.severity, SEV_MEDIUM);
    assert_non_null(strstr(f->f.evidence, "4 TCP connections to this MQ listener ended before the client sent a byte"));
    assert_non_null(strstr(f->f.evidence, "all from 10.0.0.7"));
    assert_non_null(strstr(f->f.evidence, "an SSLCIPH that is misspelt"));
    assert_string_equal(f->subject, "server 10.0.0.9:1414");

    quiet_run(steady, ARRAY_LEN(steady), 1414, &f);
    assert_non_null(f);
    assert_int_equal(f->f.severity, SEV_INFO);
    assert_non_null(strstr(f->f.evidence, "every 5.0 s, steady"));

    quiet_run(uneven, ARRAY_LEN(uneven), 443, &f);
    assert_null(f);
    quiet_run(uneven, 0, 1414, &f); /* once is not a pattern */
    assert_null(f);
}

static void test_mq_key_reset(void **state)
{
    (void)state;
    struct session *s = new_session(1);
    mq_established(s, VER_TLS12, 0xc030);
    s->renegotiations = s->protected_ccs[DIR_C2S] = 2;
    s->bytes[DIR_C2S] = 60000;
    s->bytes[DIR_S2C] = 30000;
    add_event(s, EV_CCS, 1, DIR_C2S, 1000);
    add_event(s, EV_CCS, 1, DIR_C2S, 3000);
    eval(s);
    expect(s, "mq-key-reset", SEV_INFO, "2 secret-key resets (TLS renegotiations", "about one every 30000 bytes",
           "2.0 s apart", "SSLRKEYC", NULL);
    session_free(s);

    /* a renegotiation on a connection that is not MQ is not SSLRKEYC */
    s = new_session(2);
    modern_client(s);
    negotiate(s, VER_TLS12, 0xc02f);
    s->renegotiations = 1;
    eval(s);
    silent(s, "mq-key-reset");
    session_free(s);
}

/* One connection of a reconnecting client: opened at `second`, closed by
 * the client half a second later after `bytes`. */
static void reconnect_once(struct run *r, uint64_t id, int second, uint16_t port, uint64_t bytes)
{
    struct session *s = new_session(id);
    mq_established(s, VER_TLS12, 0xc030);
    s->server.port = port;
    s->ts_first = s->hs_start.ts = 1000000000LL * second;
    s->events.n = 0;
    add_event(s, EV_TCP_FIN, 0, DIR_C2S, 500);
    s->ts_last = s->ts_first + 600000000LL;
    s->bytes[DIR_C2S] = bytes;
    rules_eval(r->rules, s);
    session_free(s);
}

/* The reconnect pattern is followed per client host and listener: one
 * host reconnecting to two listeners, with 3,000 other hosts connecting
 * between its connections (each once, in sizes that make no pattern),
 * gives one finding per listener, each with its own connections. */
static void test_mq_reconnect_among_many_hosts(void **state)
{
    (void)state;
    struct run r;
    run_open(&r, NULL, AS_OF_CAPTURE, 0);
    uint64_t id = 1;
    for (int round = 0; round < 5; round++) {
        reconnect_once(&r, id++, 2 * round + 1, 1414, 50000);
        reconnect_once(&r, id++, 2 * round + 1, 1415, 70000);
        for (int other = 0; other < 600; other++) {
            struct session *s = new_session(id++);
            mq_established(s, VER_TLS12, 0xc030);
            set_endpoint(&s->client, 10, 1 + (uint8_t)round, (uint8_t)(other / 200), (uint8_t)(other % 200), 40000);
            s->server.port = 1414;
            s->bytes[DIR_C2S] = 1000 + (uint64_t)other * 997;
            rules_eval(r.rules, s);
            session_free(s);
        }
    }
    const struct capture_finding *cf;
    size_t n = rules_finish(r.rules, &cf);
    size_t findings = 0;
    for (size_t i = 0; i < n; i++)
        findings += strcmp(cf[i].f.rule, "mq-reconnect-at-reset") == 0;
    assert_int_equal(findings, 2);
    const struct capture_finding *f = capture_finding(cf, n, "mq-reconnect-at-reset", "server 10.0.0.2:1414");
    assert_non_null(f);
    assert_non_null(strstr(f->f.evidence, "client 10.0.0.1 closed 4 MQ connections after about 50000 bytes"));
    f = capture_finding(cf, n, "mq-reconnect-at-reset", "server 10.0.0.2:1415");
    assert_non_null(f);
    assert_non_null(strstr(f->f.evidence, "client 10.0.0.1 closed 4 MQ connections after about 70000 bytes"));
    run_close(&r);
}

/* Connections closed by the client after the same number of bytes, each
 * followed at once by the next: a client reconnecting at its reset count. */
static void test_mq_reconnect_at_reset(void **state)
{
    (void)state;
    static const uint64_t sizes[2][4] = {{50000, 51000, 49500, 50200}, {50000, 9000, 80000, 50200}};
    for (int even = 0; even < 2; even++) {
        struct run r;
        run_open(&r, NULL, AS_OF_CAPTURE, 0);
        for (int i = 0; i < 4; i++) {
            struct session *s = new_session((uint64_t)i + 1);
            mq_established(s, VER_TLS12, 0xc030);
            s->ts_first = s->hs_start.ts = 1000000000LL * (i + 1);
            s->events.n = 0;
            add_event(s, EV_TCP_FIN, 0, DIR_C2S, 500);
            s->ts_last = s->ts_first + 600000000LL;
            s->bytes[DIR_C2S] = sizes[even][i];
            rules_eval(r.rules, s);
            session_free(s);
        }
        const struct capture_finding *cf;
        size_t n = rules_finish(r.rules, &cf);
        const struct capture_finding *f = capture_finding(cf, n, "mq-reconnect-at-reset", NULL);
        if (even == 0) {
            assert_non_null(f);
            assert_int_equal(f->f.severity, SEV_LOW);
            assert_non_null(strstr(f->f.evidence, "closed 3 MQ connections after about 50"));
            assert_non_null(strstr(f->f.evidence, "within 500.0 ms"));
        } else {
            assert_null(f); /* sizes that differ are ordinary work, not a reset count */
        }
        run_close(&r);
    }
}

static void test_server_grade_and_client_audit(void **state)
{
    (void)state;
    struct run r;
    run_open(&r, NULL, AS_OF_CAPTURE, 0);
    struct session *good = new_session(1);
    modern_client(good);
    push16(good, &good->ch.versions, VER_TLS13);
    negotiate(good, VER_TLS12, 0xc02f);
    server_leaf(good);
    rules_eval(r.rules, good);
    struct session *old = new_session(2);
    static const uint32_t suites[] = {0x002f, 0x000a};
    offer(old, suites, 2);
    set_endpoint(&old->client, 10, 0, 0, 7, 40001);
    set_endpoint(&old->server, 10, 0, 0, 3, 443);
    negotiate(old, VER_TLS10, 0x002f);
    rules_eval(r.rules, old);
    const struct capture_finding *cf;
    size_t n = rules_finish(r.rules, &cf);
    assert_null(capture_finding(cf, n, "server-grade", "server 10.0.0.2:443"));
    const struct capture_finding *g = capture_finding(cf, n, "server-grade", "server 10.0.0.3:443");
    assert_non_null(g);
    assert_int_equal(g->f.severity, SEV_LOW);
    assert_non_null(strstr(g->f.evidence, "\"old\" profile only"));
    /* each reason with the sessions that show it, and only those */
    assert_non_null(strstr(g->f.evidence, "TLSv1.0 negotiated (session #2)"));
    assert_non_null(strstr(g->f.evidence, "RSA key exchange (no forward secrecy, TLS_RSA_WITH_AES_128_CBC_SHA) negotiated (session #2)"));
    assert_int_equal(g->n_sessions, 1);
    assert_int_equal(g->sessions[0], 2);
    const struct capture_finding *c = capture_finding(cf, n, "client-audit", "client 10.0.0.7");
    assert_non_null(c);
    assert_int_equal(c->f.severity, SEV_LOW); /* 3DES as a last resort is hygiene */
    assert_non_null(strstr(c->f.evidence, "offers 3DES (session #2)"));
    assert_non_null(strstr(c->f.evidence, "never offers TLS 1.3"));
    assert_null(capture_finding(cf, n, "client-audit", "client 10.0.0.1"));
    session_free(good);
    session_free(old);
    run_close(&r);

    /* a client offering 3DES in one hello of three: that one is named */
    run_open(&r, NULL, AS_OF_CAPTURE, 0);
    struct session *mix[3];
    for (int k = 0; k < 3; k++) {
        mix[k] = new_session((uint64_t)k + 1);
        static const uint32_t modern[] = {0x1301, 0xc02f}, legacy[] = {0x1301, 0xc02f, 0x000a};
        offer(mix[k], k == 1 ? legacy : modern, k == 1 ? 3 : 2);
        push16(mix[k], &mix[k]->ch.versions, VER_TLS13);
        mix[k]->ch.ems = mix[k]->ch.reneg_info = true;
        rules_eval(r.rules, mix[k]);
    }
    n = rules_finish(r.rules, &cf);
    c = capture_finding(cf, n, "client-audit", "client 10.0.0.1");
    assert_non_null(c);
    assert_non_null(strstr(c->f.evidence, "offers 3DES (session #2)"));
    assert_int_equal(c->n_sessions, 1);
    assert_int_equal(c->sessions[0], 2);
    for (int k = 0; k < 3; k++)
        session_free(mix[k]);
    run_close(&r);
}

/* A client's JA4 fingerprints are kept as rows shared between hosts and
 * its weak offers in a row of their own: each host names its own, the
 * first three fingerprints and "and more". */
static void test_client_audit_rows(void **state)
{
    (void)state;
    static const char *const ja4[] = {
        "t12d020000_000000000001_000000000000", "t12d020000_000000000002_000000000000",
        "t12d020000_000000000003_000000000000", "t12d020000_000000000004_000000000000",
    };
    static const uint32_t modern[] = {0xc02f}, legacy[] = {0xc02f, 0x000a}, rc4[] = {0xc02f, 0x0005};
    struct run r;
    run_open(&r, NULL, AS_OF_CAPTURE, 0);
    struct session *s[7];
    for (int k = 0; k < 7; k++) {
        s[k] = new_session((uint64_t)k + 1);
        /* sessions 1-4 from 10.0.0.1, each a fingerprint of its own, the
         * third and fourth offering 3DES; 5-7 from 10.0.0.9, with the
         * third's, the seventh offering RC4 */
        if (k >= 4)
            set_endpoint(&s[k]->client, 10, 0, 0, 9, 40000);
        bool weak = k == 2 || k == 3 || k == 6;
        offer(s[k], k == 6 ? rc4 : weak ? legacy : modern, weak ? 2 : 1);
        snprintf(s[k]->fp.ja4, sizeof(s[k]->fp.ja4), "%s", ja4[k < 4 ? k : 2]);
        s[k]->fp.made = true;
        rules_eval(r.rules, s[k]);
    }
    const struct capture_finding *cf;
    size_t n = rules_finish(r.rules, &cf);
    const struct capture_finding *one = capture_finding(cf, n, "client-audit", "client 10.0.0.1");
    const struct capture_finding *nine = capture_finding(cf, n, "client-audit", "client 10.0.0.9");
    assert_non_null(one);
    assert_non_null(nine);
    assert_non_null(strstr(one->f.evidence, "offers 3DES (sessions #3, #4)"));
    assert_null(strstr(one->f.evidence, "RC4"));
    assert_non_null(strstr(one->f.evidence, "4 hellos in all"));
    char want[200];
    snprintf(want, sizeof(want), "JA4 %s, %s, %s and more", ja4[0], ja4[1], ja4[2]);
    assert_non_null(strstr(one->f.evidence, want));
    assert_null(strstr(nine->f.evidence, "3DES"));
    assert_non_null(strstr(nine->f.evidence, "offers RC4 (session #7)"));
    assert_non_null(strstr(nine->f.evidence, "3 hellos in all"));
    snprintf(want, sizeof(want), "JA4 %s", ja4[2]);
    const char *at = strstr(nine->f.evidence, want);
    assert_non_null(at);
    assert_false(at[strlen(want)] == ',' || strstr(at, " and more")); /* one, however many hellos */
    for (int k = 0; k < 7; k++)
        session_free(s[k]);
    run_close(&r);
}

/* ---- policy and the table ------------------------------------------------------------- */

static void test_disable_rule(void **state)
{
    (void)state;
    struct session *s = new_session(1);
    server_leaf(s)->key_bits = 1024;
    eval_policy(s, "disable = cert-weak-rsa-key, no-forward-secrecy # not today\n");
    silent(s, "cert-weak-rsa-key");
    session_free(s);
}

/* A site's grading replaces the rule's own, whatever it decided. */
static void test_policy_severity(void **state)
{
    (void)state;
    struct session *s = new_session(1);
    modern_client(s);
    negotiate(s, VER_TLS12, 0x009c);
    server_leaf(s)->key_bits = 512; /* the rule would say high */
    eval_policy(s, "severity = cert-weak-rsa-key:low, no-forward-secrecy : HIGH\n");
    expect(s, "cert-weak-rsa-key", SEV_LOW, "512-bit", NULL);
    expect(s, "no-forward-secrecy", SEV_HIGH, "RSA key exchange", NULL);
    session_free(s);
}

static void test_findings_worst_first(void **state)
{
    (void)state;
    struct session *s = new_session(1);
    modern_client(s);
    negotiate(s, VER_TLS12, 0x0005);
    struct cert *c = server_leaf(s);
    c->not_after = T0 - DAY;
    c->key_bits = 1024;
    eval(s);
    assert_true(s->findings.n >= 3);
    for (size_t i = 1; i < s->findings.n; i++)
        assert_true(s->findings.v[i - 1].severity >= s->findings.v[i].severity);
    session_free(s);
}

static void test_rule_table(void **state)
{
    (void)state;
    assert_true(rules_count() >= 45);
    for (size_t i = 0; i < rules_count(); i++) {
        const struct rule_info *ri = rules_at(i);
        assert_non_null(ri->title);
        assert_true(strlen(ri->rationale) > 20);
        assert_ptr_equal(rules_find(ri->id), ri);
        for (size_t k = 0; k < i; k++)
            if (strcmp(rules_at(k)->id, ri->id) == 0)
                fail_msg("rule id %s twice", ri->id);
        const char *fix, *mq;
        rules_advice(i, &fix, &mq);
        /* alert-explained writes its fix per alert */
        if (!fix && strcmp(ri->id, "alert-explained") != 0)
            fail_msg("rule %s has no fix", ri->id);
    }
    assert_null(rules_find("no-such-rule"));
}

/* QUIC's failures, each from the packets the session counted. */
static struct session *quic_session(uint64_t id)
{
    struct session *s = new_session(id);
    s->transport = TR_QUIC;
    s->quic.version = 1;
    s->quic.first_version = 1;
    s->ch.present = true;
    s->ch.version = VER_TLS12;
    push16(s, &s->ch.versions, VER_TLS13);
    s->ch.at.ts = s->ts_first;
    return s;
}

static void test_quic_rules(void **state)
{
    (void)state;
    /* Initial packets again and again, nothing back: UDP blocked */
    struct session *s = quic_session(1);
    s->quic.packets[DIR_C2S][QP_INITIAL] = 3;
    s->quic.client_hello_packets = 1;
    s->ts_last = s->ts_first + 1200000000LL;
    eval(s);
    expect(s, "quic-no-answer", SEV_MEDIUM, "3 Initial packets over 1200 ms", "probe timeout", NULL);
    silent(s, "alert-explained");
    session_free(s);
    /* a ClientHello in two packets and nothing more: maybe the capture ended */
    s = quic_session(2);
    s->quic.packets[DIR_C2S][QP_INITIAL] = 2;
    s->quic.client_hello_packets = 2;
    eval(s);
    silent(s, "quic-no-answer");
    session_free(s);
    /* the client went on with Handshake packets: the server answered out of sight */
    s = quic_session(3);
    s->quic.packets[DIR_C2S][QP_INITIAL] = 2;
    s->quic.packets[DIR_C2S][QP_HANDSHAKE] = 1;
    eval(s);
    silent(s, "quic-no-answer");
    session_free(s);
    /* no version in common */
    s = quic_session(4);
    s->quic.first_version = 0xff00001d;
    s->quic.packets[DIR_C2S][QP_INITIAL] = 1;
    s->quic.packets[DIR_S2C][QP_VERSION_NEG] = 1;
    assert_true(ARENA_PUSH(s->arena, s->quic.offered, (uint32_t)0x6b3343cf));
    eval(s);
    expect(s, "quic-version-negotiation", SEV_HIGH, "tried draft-29", "offered QUICv2", "never came back", NULL);
    /* the same, answered: a round trip lost, unless the first version was a reserved one */
    s->findings.n = 0;
    s->quic.initials_after_vn = 1;
    eval(s);
    expect(s, "quic-version-negotiation", SEV_LOW, "started in draft-29", "one round trip", NULL);
    s->findings.n = 0;
    s->quic.first_version = 0x1a2a3a4a;
    eval(s);
    silent(s, "quic-version-negotiation");
    s->quic.packets[DIR_S2C][QP_VERSION_NEG] = 3;
    eval(s);
    expect(s, "quic-version-negotiation", SEV_MEDIUM, "3 times", NULL);
    session_free(s);
    /* Retry: one, answered, is silent; two are a storm; unanswered explains the failure */
    s = quic_session(5);
    s->quic.retries = 1;
    s->quic.initials_after_retry = 2;
    eval(s);
    silent(s, "quic-retry");
    s->quic.retries = 4;
    eval(s);
    expect(s, "quic-retry", SEV_MEDIUM, "4 Retry packets", NULL);
    s->findings.n = 0;
    s->quic.retries = 1;
    s->quic.initials_after_retry = 0;
    eval(s);
    expect(s, "quic-retry", SEV_MEDIUM, "never sent an Initial with it", NULL);
    /* a Retry with a wrong integrity tag: the client rightly ignored it */
    s->findings.n = 0;
    s->quic.retry_tag = RETRY_TAG_INVALID;
    eval(s);
    expect(s, "quic-retry", SEV_MEDIUM, "integrity tag does not verify", "never answered it", NULL);
    s->findings.n = 0;
    s->established = true;
    eval(s);
    expect(s, "quic-retry", SEV_LOW, "integrity tag does not verify", NULL);
    session_free(s);
    /* a transport error explains the failure; a crypto error is an alert's business */
    s = quic_session(6);
    s->quic.packets[DIR_S2C][QP_INITIAL] = 1;
    s->quic.close_seen = true;
    s->quic.close_dir = DIR_S2C;
    s->quic.close_code = 0x8;
    s->quic.close_at.packet = 2;
    eval(s);
    expect(s, "quic-closed", SEV_HIGH, "TRANSPORT_PARAMETER_ERROR (0x8)", "packet 2", NULL);
    s->findings.n = 0;
    s->quic.close_code = 0x178;
    eval(s);
    silent(s, "quic-closed");
    session_free(s);
    /* a TLS session never meets these rules */
    s = new_session(7);
    modern_client(s);
    s->quic.retries = 3;
    eval(s);
    silent(s, "quic-retry");
    session_free(s);
}

/* DTLS versions are judged as the TLS version they match. */
static void test_dtls_versions(void **state)
{
    (void)state;
    struct session *s = new_session(1);
    s->transport = TR_DTLS;
    modern_client(s);
    s->ch.version = VER_DTLS12;
    negotiate(s, VER_DTLS12, 0xc02f);
    eval(s);
    silent(s, "weak-protocol");
    session_free(s);
    s = new_session(2);
    s->transport = TR_DTLS;
    modern_client(s);
    s->ch.version = VER_DTLS10;
    negotiate(s, VER_DTLS10, 0xc013);
    eval(s);
    expect(s, "weak-protocol", SEV_MEDIUM, "DTLSv1.0", NULL);
    session_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clean_session_is_silent),
        cmocka_unit_test(test_cert_validity_clock),
        cmocka_unit_test(test_capture_clock),
        cmocka_unit_test(test_proxy_certificate),
        cmocka_unit_test(test_cert_expiring_window),
        cmocka_unit_test(test_cert_validity_too_long),
        cmocka_unit_test(test_cert_key_strength),
        cmocka_unit_test(test_cert_weak_signature),
        cmocka_unit_test(test_cert_self_signed_leaf),
        cmocka_unit_test(test_cert_chain_shape),
        cmocka_unit_test(test_cert_untrusted),
        cmocka_unit_test(test_cert_key_usage),
        cmocka_unit_test(test_cert_names),
        cmocka_unit_test(test_cert_name_nul),
        cmocka_unit_test(test_cert_ocsp_url_on_mq),
        cmocka_unit_test(test_key_type_mismatch),
        cmocka_unit_test(test_key_type_confirmed_across_sessions),
        cmocka_unit_test(test_protocol_version_mismatch),
        cmocka_unit_test(test_weak_negotiation),
        cmocka_unit_test(test_weak_cipher_offered),
        cmocka_unit_test(test_cipher_policy),
        cmocka_unit_test(test_weak_dh),
        cmocka_unit_test(test_compression_and_heartbeat),
        cmocka_unit_test(test_client_cert_missing),
        cmocka_unit_test(test_cross_field),
        cmocka_unit_test(test_alerts_explained),
        cmocka_unit_test(test_slow_handshake),
        cmocka_unit_test(test_silent_close),
        cmocka_unit_test(test_one_direction),
        cmocka_unit_test(test_quic_rules),
        cmocka_unit_test(test_dtls_versions),
        cmocka_unit_test(test_peer_not_tls),
        cmocka_unit_test(test_mq_plaintext),
        cmocka_unit_test(test_mq_closed_after_hello),
        cmocka_unit_test(test_mq_cipherspec_mismatch),
        cmocka_unit_test(test_mq_sni),
        cmocka_unit_test(test_mq_sslcauth_sslpeer),
        cmocka_unit_test(test_many_short_connections),
        cmocka_unit_test(test_revocation_fetch_correlation),
        cmocka_unit_test(test_revocation_fetch_among_many_hosts),
        cmocka_unit_test(test_revocation_fetch_by_a_busy_host),
        cmocka_unit_test(test_channel_certificates),
        cmocka_unit_test(test_mq_no_clienthello),
        cmocka_unit_test(test_mq_key_reset),
        cmocka_unit_test(test_mq_reconnect_at_reset),
        cmocka_unit_test(test_mq_reconnect_among_many_hosts),
        cmocka_unit_test(test_server_grade_and_client_audit),
        cmocka_unit_test(test_client_audit_rows),
        cmocka_unit_test(test_disable_rule),
        cmocka_unit_test(test_policy_severity),
        cmocka_unit_test(test_findings_worst_first),
        cmocka_unit_test(test_rule_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
