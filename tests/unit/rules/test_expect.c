/* --expect: every key, every comparison, MQ list names, the session
 * filters, and bad syntax rejected with the offending text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "rules/expect.h"

static struct session *tls12(void)
{
    struct session *s = session_new(1);
    assert_non_null(s);
    s->client = (struct endpoint){.family = 4, .addr = {10, 0, 0, 1}, .port = 40000};
    s->server = (struct endpoint){.family = 4, .addr = {10, 0, 0, 2}, .port = 443};
    s->ch.present = s->sh.present = true;
    s->has_version = s->has_cipher = s->has_group = true;
    s->version = VER_TLS12;
    s->cipher = 0xc030; /* ECDHE_RSA_AES_256_GCM_SHA384 in MQ */
    s->group = 0x001d;
    s->established = true;
    static const char host[] = "api.example.com";
    struct bytes sni = {(const uint8_t *)host, sizeof(host) - 1};
    assert_true(ARENA_PUSH(s->arena, s->ch.sni, sni));
    static const char h2[] = "h2";
    s->alpn_selected = (struct bytes){(const uint8_t *)h2, 2};
    s->has_alpn_selected = true;
    struct cert leaf = {.key_type = "rsa", .key_bits = 2048};
    assert_true(ARENA_PUSH(s->arena, s->server_certs, leaf));
    s->server_certs.seen = true;
    return s;
}

/* holds - parse text and judge s; the verdict, with what was seen. */
static bool holds(const char *text, const struct session *s, char *seen)
{
    struct expectation e;
    char err[256];
    if (!expectation_parse(text, &e, err, sizeof(err)))
        fail_msg("'%s' did not parse: %s", text, err);
    assert_string_equal(e.text, text);
    return expectation_met(&e, s, seen, 160);
}

static void every_key(void **state)
{
    (void)state;
    struct session *s = tls12();
    char seen[160];
    assert_true(holds("version=1.2", s, seen));
    assert_string_equal(seen, "TLSv1.2");
    assert_true(holds("version=TLSv1.2", s, seen));
    assert_true(holds("cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", s, seen));
    assert_string_equal(seen, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, MQ ECDHE_RSA_AES_256_GCM_SHA384");
    assert_true(holds("cipher=ECDHE_RSA_AES_256_GCM_SHA384", s, seen)); /* MQ name */
    assert_true(holds("cipher=0xc030", s, seen));
    assert_true(holds("cipher=ANY_TLS12_OR_HIGHER", s, seen)); /* MQ list */
    assert_false(holds("cipher=ANY_TLS13_OR_HIGHER", s, seen));
    assert_true(holds("cipher!=ANY_TLS13", s, seen));
    assert_true(holds("cipher-any-of=TLS_AES_128_GCM_SHA256,0xc030", s, seen));
    assert_false(holds("cipher-any-of=TLS_AES_128_GCM_SHA256,0xc02f", s, seen));
    assert_true(holds("group=x25519", s, seen));
    assert_false(holds("group=secp256r1", s, seen));
    assert_true(holds("sni=api.example.com", s, seen));
    assert_true(holds("sni=*.example.com", s, seen));
    assert_false(holds("sni=*.example.org", s, seen));
    assert_true(holds("alpn=h2", s, seen));
    assert_false(holds("alpn=http/1.1", s, seen));
    assert_true(holds("mq-cipherspec=ECDHE_RSA_AES_256_GCM_SHA384", s, seen));
    assert_true(holds("mq-cipherspec=ANY_TLS12", s, seen));
    assert_false(holds("mq-cipherspec=ANY_TLS13", s, seen));
    assert_true(holds("cert-key=rsa", s, seen));
    assert_string_equal(seen, "rsa-2048");
    assert_true(holds("cert-key=rsa-2048", s, seen));
    assert_true(holds("cert-key>=rsa-2048", s, seen));
    assert_false(holds("cert-key>=rsa-3072", s, seen));
    assert_false(holds("cert-key=ecdsa", s, seen));
    assert_true(holds("cert-key!=ecdsa", s, seen));
    assert_true(holds("established=true", s, seen));
    assert_false(holds("established=no", s, seen));
    assert_true(holds("resumed=false", s, seen));
    assert_false(holds("mq-channel=APP.SVRCONN", s, seen));
    assert_string_equal(seen, "no MQ channel");
    session_free(s);
}

static void version_comparisons(void **state)
{
    (void)state;
    struct session *s = tls12();
    char seen[160];
    assert_true(holds("version>=1.2", s, seen));
    assert_true(holds("version>1.1", s, seen));
    assert_false(holds("version>1.2", s, seen));
    assert_true(holds("version<=1.2", s, seen));
    assert_true(holds("version<1.3", s, seen));
    assert_false(holds("version<1.2", s, seen));
    assert_true(holds("version!=1.3", s, seen));
    /* spaces around the operator, as people write it */
    assert_true(holds("version >= 1.2", s, seen));
    assert_false(holds("version > 1.2", s, seen));
    assert_true(holds("cipher = TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", s, seen));
    /* OpenSSL's names, as openssl ciphers prints them */
    assert_true(holds("cipher=ECDHE-RSA-AES256-GCM-SHA384", s, seen));
    assert_false(holds("cipher=ECDHE-RSA-AES128-GCM-SHA256", s, seen));
    struct expectation e;
    char err[256];
    assert_true(expectation_parse("  version>=1.2\t", &e, err, sizeof(err)));
    assert_string_equal(e.text, "version>=1.2");
    assert_string_equal(e.value, "1.2");
    /* a TLS 1.3 draft counts as 1.3 */
    s->version = 0x7f17;
    assert_true(holds("version>=1.3", s, seen));
    s->version = VER_SSL3;
    assert_true(holds("version<1.0", s, seen));
    assert_true(holds("version=SSLv3", s, seen));
    s->has_version = false;
    assert_false(holds("version>=1.0", s, seen));
    assert_string_equal(seen, "no version negotiated");
    session_free(s);
}

static void mq_channel_and_encrypted_facts(void **state)
{
    (void)state;
    struct session *s = tls12();
    char seen[160];
    static const char channel[] = "qmaclienttls.chl.mq.ibm.com";
    s->ch.sni.v[0] = (struct bytes){(const uint8_t *)channel, sizeof(channel) - 1};
    assert_true(holds("mq-channel=QMACLIENTTLS", s, seen));
    /* TLS 1.3 without a key log: the certificate and ALPN are unknown, so
     * expectations on them fail and say why */
    s->version = VER_TLS13;
    s->cipher = 0x1302;
    s->server_certs.n = 0;
    s->has_alpn_selected = false;
    assert_true(holds("cipher=ANY_TLS13_OR_HIGHER", s, seen));
    assert_false(holds("cert-key=rsa", s, seen));
    assert_string_equal(seen, "certificate not visible (TLS 1.3 without a key log)");
    assert_false(holds("alpn!=h2", s, seen));
    session_free(s);
}

static void parse_failure(const char *text, const char *why)
{
    struct expectation e;
    char err[300];
    if (expectation_parse(text, &e, err, sizeof(err)))
        fail_msg("'%s' parsed", text);
    char quoted[200];
    snprintf(quoted, sizeof(quoted), "--expect '%s'", text);
    if (!strstr(err, quoted) || !strstr(err, why))
        fail_msg("error '%s' lacks '%s' or '%s'", err, quoted, why);
}

static void bad_syntax(void **state)
{
    (void)state;
    parse_failure("version", "expected KEY=VALUE");
    parse_failure("=1.2", "no key");
    parse_failure("versoin=1.2", "unknown key 'versoin'");
    parse_failure("version=", "no value");
    parse_failure("version=1.4", "not a protocol version");
    parse_failure("cipher>=0xc030", "cipher takes = or != only");
    parse_failure("cipher=TLS_NOPE", "'TLS_NOPE' is not a cipher suite");
    parse_failure("cipher=0xc030,0xc02f", "cipher-any-of");
    parse_failure("mq-cipherspec=ANY_TLS12_OR_HIGER", "not an MQ CipherSpec");
    parse_failure("established=maybe", "not true or false");
    parse_failure("cert-key>=rsa", "needs a size");
    parse_failure("cert-key=rsa-big", "unknown key type 'rsa-big'");
    parse_failure("cert-key=elgamal", "unknown key type 'elgamal'");
    parse_failure("sni>example.com", "sni takes = or != only");
}

static void filters(void **state)
{
    (void)state;
    struct session *s = tls12();
    struct session_filter f = {0};
    char err[200];
    assert_true(filter_match(&f, s));
    f.sni = "*.example.com";
    assert_true(filter_match(&f, s));
    f.sni = "www.example.com";
    assert_false(filter_match(&f, s));
    f.sni = NULL;
    assert_true(filter_server("10.0.0.2:443", &f, err, sizeof(err)));
    assert_true(filter_match(&f, s));
    assert_true(filter_server(":443", &f, err, sizeof(err)));
    assert_true(filter_match(&f, s));
    assert_true(filter_server("10.0.0.2", &f, err, sizeof(err)));
    assert_true(filter_match(&f, s));
    assert_true(filter_server("10.0.0.3:443", &f, err, sizeof(err)));
    assert_false(filter_match(&f, s));
    assert_true(filter_server("[::1]:443", &f, err, sizeof(err)));
    assert_false(filter_match(&f, s));
    assert_false(filter_server("host.example:443", &f, err, sizeof(err)));
    assert_non_null(strstr(err, "not an IP address"));
    assert_false(filter_server("10.0.0.2:99999", &f, err, sizeof(err)));
    assert_non_null(strstr(err, "not a port"));
    f.has_server = false;
    f.mq_channel = "APP.SVRCONN";
    assert_false(filter_match(&f, s));
    session_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_key),
        cmocka_unit_test(version_comparisons),
        cmocka_unit_test(mq_channel_and_encrypted_facts),
        cmocka_unit_test(bad_syntax),
        cmocka_unit_test(filters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
