/* Certificate, ServerKeyExchange, CertificateRequest, CertificateStatus,
 * NewSessionTicket, CertificateVerify and ClientKeyExchange: valid
 * messages, every truncation, and the facts recorded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include <brotli/encode.h>
#include <zlib.h>
#include <zstd.h>

#include "tests/unit/builder.h"
#include "tests/unit/fixture.h"

static struct builder msg;
static uint8_t der_rsa[4096], der_ca[4096], der_ec[4096];
static size_t n_rsa, n_ca, n_ec;

static int load(void **state)
{
    (void)state;
    n_rsa = read_cert_der("traces/pki/server-rsa.pem", der_rsa, sizeof(der_rsa));
    n_ca = read_cert_der("traces/pki/ca.pem", der_ca, sizeof(der_ca));
    n_ec = read_cert_der("traces/pki/server-ecdsa.pem", der_ec, sizeof(der_ec));
    return 0;
}

typedef enum st (*parser)(struct hsctx *, struct cur);

/* Parse with the session already at `version` (0: unknown). */
static enum st run(parser p, int fdir, uint16_t version, uint16_t cipher,
                   struct cur body, struct fx *f)
{
    struct hsctx h = fx_hsctx(f, fdir);
    if (version) {
        f->tf->s->version = version;
        f->tf->s->has_version = true;
        f->tf->server_tls13 = version == 0x0304;
    }
    if (cipher) {
        f->tf->s->cipher = cipher;
        f->tf->s->has_cipher = true;
    }
    return p(&h, body);
}

/* Every strict prefix of a valid body must be rejected. */
static void truncations_fail(parser p, int fdir, uint16_t version, uint16_t cipher,
                             struct cur full)
{
    for (size_t n = 0; n < full.left; n++) {
        struct fx f;
        fx_open(&f);
        if (run(p, fdir, version, cipher, cur_head(&full, n), &f) == ST_OK)
            fail_msg("a body cut to %zu of %zu bytes parsed", n, full.left);
        fx_free(&f);
    }
}

static void build_chain12(void)
{
    b_reset(&msg);
    size_t list = b_open(&msg, 3);
    size_t c = b_open(&msg, 3);
    b_bytes(&msg, der_rsa, n_rsa);
    b_close(&msg, c);
    c = b_open(&msg, 3);
    b_bytes(&msg, der_ca, n_ca);
    b_close(&msg, c);
    b_close(&msg, list);
}

static void certificate_tls12(void **state)
{
    (void)state;
    build_chain12();
    struct fx f;
    fx_open(&f);
    assert_int_equal(run(hs_certificate, 1, 0x0303, 0, b_cur(&msg), &f), ST_OK);
    const struct chain *ch = &f.tf->s->server_certs;
    assert_true(ch->seen);
    assert_int_equal(ch->n, 2);
    const struct cert *leaf = &ch->v[0];
    assert_null(leaf->parse_error);
    assert_string_equal(leaf->subject, "CN=localhost,O=tlsscope test,C=US");
    assert_string_equal(leaf->issuer, "CN=tlsscope test CA,O=tlsscope test,C=US");
    assert_string_equal(leaf->key_type, "rsa");
    assert_int_equal(leaf->key_bits, 2048);
    assert_string_equal(leaf->exponent, "65537");
    assert_string_equal(leaf->sig_alg, "sha256WithRSAEncryption");
    assert_int_equal(leaf->san_dns.n, 1);
    assert_int_equal(leaf->san_dns.v[0].len, 9);
    assert_memory_equal(leaf->san_dns.v[0].p, "localhost", 9);
    assert_string_equal(leaf->san_ip.v[0], "127.0.0.1");
    assert_true(leaf->has_ext_key_usage);
    assert_string_equal(leaf->ext_key_usage.v[0], "serverAuth");
    assert_true(leaf->key_usage & CERT_KU_KEY_ENCIPHERMENT);
    assert_true(leaf->has_basic_constraints && !leaf->ca);
    assert_false(leaf->self_signed);
    assert_false(leaf->proxy);
    assert_true(ch->v[1].ca && ch->v[1].self_signed);
    assert_true(leaf->not_after > leaf->not_before);
    fx_free(&f);
    truncations_fail(hs_certificate, 1, 0x0303, 0, b_cur(&msg));
}

/* An RFC 3820 proxy certificate (traces/pki/proxy.pem, issued by the
 * client's own certificate) is known for one. */
static void proxy_certificate(void **state)
{
    (void)state;
    static uint8_t der[4096];
    size_t n = read_cert_der("traces/pki/proxy.pem", der, sizeof(der));
    struct fx f;
    fx_open(&f);
    struct cert c;
    struct hsctx h = fx_hsctx(&f, 1);
    x509_decode(f.d, h.s->arena, cur_make(der, n), &c);
    assert_null(c.parse_error);
    assert_true(c.proxy);
    assert_string_equal(c.issuer, "CN=app-client,O=tlsscope test,C=US");
    fx_free(&f);
}

/* The decoded-certificate cache knows a certificate by its bytes: the
 * same DER again is a hit with the same facts and digests, and one byte
 * changed (the signature's last, same length) is decoded afresh. */
static void certificate_cache_knows_the_bytes(void **state)
{
    (void)state;
    static uint8_t der[4096];
    size_t n = read_cert_der("traces/pki/server-ecdsa.pem", der, sizeof(der));
    struct fx f;
    fx_open(&f);
    struct hsctx h = fx_hsctx(&f, 1);
    struct cert first, again, changed;
    x509_decode(f.d, h.s->arena, cur_make(der, n), &first);
    x509_decode(f.d, h.s->arena, cur_make(der, n), &again);
    assert_int_equal(dissect_stats(f.d)->certs_parsed, 1);
    assert_int_equal(dissect_stats(f.d)->cert_cache_hits, 1);
    assert_string_equal(again.subject, first.subject);
    assert_memory_equal(again.sha256, first.sha256, 32);
    assert_memory_equal(again.sha1, first.sha1, 20);
    assert_int_equal(again.der.len, n);
    assert_memory_equal(again.der.p, der, n);
    assert_ptr_not_equal(again.der.p, first.der.p); /* each its own copy */
    der[n - 1] ^= 1;
    x509_decode(f.d, h.s->arena, cur_make(der, n), &changed);
    assert_int_equal(dissect_stats(f.d)->certs_parsed, 2);
    assert_int_equal(dissect_stats(f.d)->cert_cache_hits, 1);
    assert_memory_not_equal(changed.sha256, first.sha256, 32);
    assert_memory_equal(changed.der.p, der, n);
    fx_free(&f);
}

static void certificate_tls13_and_unknown_version(void **state)
{
    (void)state;
    b_reset(&msg);
    b_u8(&msg, 0); /* request context */
    size_t list = b_open(&msg, 3);
    size_t c = b_open(&msg, 3);
    b_bytes(&msg, der_ec, n_ec);
    b_close(&msg, c);
    b_u16(&msg, 0); /* entry extensions */
    b_close(&msg, list);
    struct fx f;
    fx_open(&f);
    assert_int_equal(run(hs_certificate, 1, 0x0304, 0, b_cur(&msg), &f), ST_OK);
    assert_int_equal(f.tf->s->server_certs.n, 1);
    assert_string_equal(f.tf->s->server_certs.v[0].key_type, "ecdsa");
    assert_string_equal(f.tf->s->server_certs.v[0].curve, "prime256v1");
    fx_free(&f);
    /* With no ServerHello seen, the form that parses wins. */
    fx_open(&f);
    assert_int_equal(run(hs_certificate, 1, 0, 0, b_cur(&msg), &f), ST_OK);
    assert_int_equal(f.tf->s->server_certs.n, 1);
    fx_free(&f);
    truncations_fail(hs_certificate, 1, 0x0304, 0, b_cur(&msg));
}

/* TLS 1.3 entries carry the stapled OCSP response and SCTs of their
 * certificate (RFC 8446 4.4.2.1); the leaf's response is the session's. */
static void certificate_tls13_entry_extensions(void **state)
{
    (void)state;
    b_reset(&msg);
    b_u8(&msg, 0);
    size_t list = b_open(&msg, 3);
    size_t c = b_open(&msg, 3);
    b_bytes(&msg, der_rsa, n_rsa);
    b_close(&msg, c);
    size_t exts = b_open(&msg, 2);
    b_u16(&msg, 5); /* status_request: CertificateStatus, ocsp(1) */
    size_t e = b_open(&msg, 2);
    b_u8(&msg, 1);
    size_t resp = b_open(&msg, 3);
    b_str(&msg, "not DER");
    b_close(&msg, resp);
    b_close(&msg, e);
    b_u16(&msg, 18); /* signed_certificate_timestamp: two SCTs */
    e = b_open(&msg, 2);
    size_t scts = b_open(&msg, 2);
    for (int k = 0; k < 2; k++) {
        size_t sct = b_open(&msg, 2);
        b_fill(&msg, (uint8_t)k, 40);
        b_close(&msg, sct);
    }
    b_close(&msg, scts);
    b_close(&msg, e);
    b_u16(&msg, 0x7777); /* unknown: passed over */
    b_u16(&msg, 0);
    b_close(&msg, exts);
    c = b_open(&msg, 3);
    b_bytes(&msg, der_ca, n_ca);
    b_close(&msg, c);
    exts = b_open(&msg, 2);
    b_u16(&msg, 18); /* an SCT list whose length overruns it */
    e = b_open(&msg, 2);
    b_u16(&msg, 9);
    b_u16(&msg, 1);
    b_close(&msg, e);
    b_close(&msg, exts);
    b_close(&msg, list);
    struct fx f;
    fx_open(&f);
    assert_int_equal(run(hs_certificate, 1, 0x0304, 0, b_cur(&msg), &f), ST_OK);
    const struct session *s = f.tf->s;
    assert_int_equal(s->server_certs.n, 2);
    const struct cert *leaf = &s->server_certs.v[0];
    assert_true(leaf->stapled_ocsp.present);
    assert_int_equal(leaf->stapled_ocsp.type, 1);
    assert_int_equal(leaf->stapled_ocsp.response_len, 7);
    assert_string_equal(leaf->stapled_ocsp.response_status, "unparsable");
    assert_int_equal(leaf->stapled_scts, 2);
    assert_true(s->cert_status.present);
    assert_int_equal(s->cert_status.response_len, 7);
    const struct cert *ca = &s->server_certs.v[1];
    assert_false(ca->stapled_ocsp.present);
    assert_null(ca->parse_error); /* kept despite its malformed extension */
    assert_int_equal(s->anomalies.n, 1);
    assert_string_equal(s->anomalies.v[0].what, "malformed_extension");
    fx_free(&f);
    truncations_fail(hs_certificate, 1, 0x0304, 0, b_cur(&msg));
    /* a client's certificate keeps its own response; the session's is the server's */
    fx_open(&f);
    assert_int_equal(run(hs_certificate, 0, 0x0304, 0, b_cur(&msg), &f), ST_OK);
    assert_true(f.tf->s->client_certs.v[0].stapled_ocsp.present);
    assert_false(f.tf->s->cert_status.present);
    fx_free(&f);
}

static void certificate_garbage_is_kept_with_a_reason(void **state)
{
    (void)state;
    b_reset(&msg);
    size_t list = b_open(&msg, 3);
    size_t c = b_open(&msg, 3);
    b_str(&msg, "not a certificate");
    b_close(&msg, c);
    b_close(&msg, list);
    struct fx f;
    fx_open(&f);
    assert_int_equal(run(hs_certificate, 0, 0x0303, 0, b_cur(&msg), &f), ST_OK);
    const struct chain *ch = &f.tf->s->client_certs;
    assert_int_equal(ch->n, 1);
    assert_non_null(ch->v[0].parse_error);
    assert_int_equal(ch->v[0].der.len, 17);
    fx_free(&f);
}

static void empty_client_certificate(void **state)
{
    (void)state;
    b_reset(&msg);
    b_u24(&msg, 0);
    struct fx f;
    fx_open(&f);
    assert_int_equal(run(hs_certificate, 0, 0x0303, 0, b_cur(&msg), &f), ST_OK);
    assert_true(f.tf->s->client_certs.seen);
    assert_int_equal(f.tf->s->client_certs.n, 0);
    fx_free(&f);
}

static void ske_ecdhe(void **state)
{
    (void)state;
    b_reset(&msg);
    b_u8(&msg, 3);
    b_u16(&msg, 0x0017);
    size_t p = b_open(&msg, 1);
    b_fill(&msg, 4, 65);
    b_close(&msg, p);
    b_u16(&msg, 0x0804);
    size_t sig = b_open(&msg, 2);
    b_fill(&msg, 7, 256);
    b_close(&msg, sig);
    struct fx f;
    fx_open(&f);
    assert_int_equal(run(hs_server_key_exchange, 1, 0x0303, 0xc02f, b_cur(&msg), &f), ST_OK);
    const struct session *s = f.tf->s;
    assert_int_equal(s->ske.kind, KX_ECDHE);
    assert_int_equal(s->ske.group, 0x0017);
    assert_int_equal(s->ske.pubkey_len, 65);
    assert_true(s->ske.has_sig_scheme && s->ske.sig_scheme == 0x0804);
    assert_true(s->has_group && s->group == 0x0017);
    fx_free(&f);
    truncations_fail(hs_server_key_exchange, 1, 0x0303, 0xc02f, b_cur(&msg));
}

static void ske_dhe_tls10(void **state)
{
    (void)state;
    b_reset(&msg);
    size_t p = b_open(&msg, 2);
    b_u8(&msg, 0x80); /* a 1024-bit prime */
    b_fill(&msg, 0xff, 127);
    b_close(&msg, p);
    p = b_open(&msg, 2);
    b_u8(&msg, 2);
    b_close(&msg, p);
    p = b_open(&msg, 2);
    b_fill(&msg, 5, 128);
    b_close(&msg, p);
    size_t sig = b_open(&msg, 2); /* TLS 1.0: no algorithm pair */
    b_fill(&msg, 7, 128);
    b_close(&msg, sig);
    struct fx f;
    fx_open(&f);
    assert_int_equal(run(hs_server_key_exchange, 1, 0x0301, 0x0039, b_cur(&msg), &f), ST_OK);
    assert_int_equal(f.tf->s->ske.kind, KX_DHE);
    assert_int_equal(f.tf->s->ske.dh_p_bits, 1024);
    assert_false(f.tf->s->ske.has_sig_scheme);
    assert_false(f.tf->s->has_group);
    fx_free(&f);
    truncations_fail(hs_server_key_exchange, 1, 0x0301, 0x0039, b_cur(&msg));
}

static void certificate_request_tls12_and_tls13(void **state)
{
    (void)state;
    b_reset(&msg);
    size_t t = b_open(&msg, 1);
    b_u8(&msg, 1);
    b_u8(&msg, 64);
    b_close(&msg, t);
    size_t algs = b_open(&msg, 2);
    b_u16(&msg, 0x0401);
    b_u16(&msg, 0x0804);
    b_close(&msg, algs);
    size_t cas = b_open(&msg, 2);
    size_t dn = b_open(&msg, 2);
    /* DER of the Name CN=MQ QMGR CA */
    static const uint8_t name[] = {0x30, 0x15, 0x31, 0x13, 0x30, 0x11, 0x06, 0x03,
                                   0x55, 0x04, 0x03, 0x0c, 0x0a, 'M', 'Q', ' ',
                                   'Q', 'M', 'G', 'R', ' ', 'C', 'A'};
    b_bytes(&msg, name, sizeof(name));
    b_close(&msg, dn);
    b_close(&msg, cas);
    struct fx f;
    fx_open(&f);
    assert_int_equal(run(hs_certificate_request, 1, 0x0303, 0, b_cur(&msg), &f), ST_OK);
    const struct cert_request *cr = &f.tf->s->cert_request;
    assert_true(cr->present);
    assert_int_equal(cr->cert_types.len, 2);
    assert_int_equal(cr->sig_algs.n, 2);
    assert_int_equal(cr->ca_names.n, 1);
    assert_string_equal(cr->ca_names.v[0], "CN=MQ QMGR CA");
    fx_free(&f);
    truncations_fail(hs_certificate_request, 1, 0x0303, 0, b_cur(&msg));

    b_reset(&msg);
    b_u8(&msg, 0);
    size_t exts = b_open(&msg, 2);
    b_u16(&msg, 13);
    size_t e = b_open(&msg, 2), l = b_open(&msg, 2);
    b_u16(&msg, 0x0403);
    b_close(&msg, l);
    b_close(&msg, e);
    b_close(&msg, exts);
    fx_open(&f);
    assert_int_equal(run(hs_certificate_request, 1, 0x0304, 0, b_cur(&msg), &f), ST_OK);
    assert_int_equal(f.tf->s->cert_request.sig_algs.v[0], 0x0403);
    fx_free(&f);
    truncations_fail(hs_certificate_request, 1, 0x0304, 0, b_cur(&msg));
}

static void small_messages(void **state)
{
    (void)state;
    struct fx f;
    /* NewSessionTicket: lifetime(4) ticket<0..2^16-1> */
    b_reset(&msg);
    b_u32(&msg, 7200);
    size_t t = b_open(&msg, 2);
    b_fill(&msg, 1, 160);
    b_close(&msg, t);
    fx_open(&f);
    assert_int_equal(run(hs_new_session_ticket, 1, 0x0303, 0, b_cur(&msg), &f), ST_OK);
    assert_int_equal(f.tf->s->ticket_lifetime, 7200);
    assert_int_equal(f.tf->s->ticket_len, 160);
    fx_free(&f);
    truncations_fail(hs_new_session_ticket, 1, 0x0303, 0, b_cur(&msg));

    /* CertificateVerify (TLS 1.2) */
    b_reset(&msg);
    b_u16(&msg, 0x0804);
    size_t sig = b_open(&msg, 2);
    b_fill(&msg, 3, 256);
    b_close(&msg, sig);
    fx_open(&f);
    assert_int_equal(run(hs_certificate_verify, 0, 0x0303, 0, b_cur(&msg), &f), ST_OK);
    assert_int_equal(f.tf->s->cert_verify_scheme, 0x0804);
    fx_free(&f);
    truncations_fail(hs_certificate_verify, 0, 0x0303, 0, b_cur(&msg));

    /* CertificateStatus with a response OpenSSL cannot read */
    b_reset(&msg);
    b_u8(&msg, 1);
    size_t r = b_open(&msg, 3);
    b_str(&msg, "garbage");
    b_close(&msg, r);
    fx_open(&f);
    assert_int_equal(run(hs_certificate_status, 1, 0x0303, 0, b_cur(&msg), &f), ST_OK);
    assert_true(f.tf->s->cert_status.present);
    assert_int_equal(f.tf->s->cert_status.response_len, 7);
    assert_string_equal(f.tf->s->cert_status.response_status, "unparsable");
    fx_free(&f);
    truncations_fail(hs_certificate_status, 1, 0x0303, 0, b_cur(&msg));

    /* ServerHelloDone must be empty */
    fx_open(&f);
    assert_int_equal(run(hs_empty, 1, 0x0303, 0, cur_make(NULL, 0), &f), ST_OK);
    assert_int_equal(run(hs_empty, 1, 0x0303, 0, cur_make("x", 1), &f), ST_BAD);
    /* ClientKeyExchange keeps its length */
    assert_int_equal(run(hs_client_key_exchange, 0, 0x0303, 0, cur_make(der_rsa, 258), &f), ST_OK);
    assert_true(f.tf->s->cke_seen);
    assert_int_equal(f.tf->s->cke_len, 258);
    fx_free(&f);
}

/* The TLS 1.3 messages only a key log shows. */
static void tls13_encrypted_messages(void **state)
{
    (void)state;
    struct fx f;
    /* NewSessionTicket: lifetime(4) age_add(4) nonce<0..255> ticket<1..>
     * extensions<0..> with early_data(42) = max_early_data_size(4) */
    b_reset(&msg);
    b_u32(&msg, 7200);
    b_u32(&msg, 0x01020304);
    size_t n = b_open(&msg, 1);
    b_u8(&msg, 0);
    b_close(&msg, n);
    size_t t = b_open(&msg, 2);
    b_fill(&msg, 9, 192);
    b_close(&msg, t);
    size_t e = b_open(&msg, 2);
    b_u16(&msg, 42);
    size_t ed = b_open(&msg, 2);
    b_u32(&msg, 16384);
    b_close(&msg, ed);
    b_close(&msg, e);
    fx_open(&f);
    assert_int_equal(run(hs_new_session_ticket, 1, 0x0304, 0x1302, b_cur(&msg), &f), ST_OK);
    assert_int_equal(f.tf->s->ticket_lifetime, 7200);
    assert_int_equal(f.tf->s->ticket_len, 192);
    assert_int_equal(f.tf->s->max_early_data, 16384);
    assert_int_equal(f.tf->s->tickets, 1);
    fx_free(&f);
    truncations_fail(hs_new_session_ticket, 1, 0x0304, 0x1302, b_cur(&msg));

    /* EncryptedExtensions: server_name ack, ALPN h2, early_data, record_size_limit */
    b_reset(&msg);
    size_t all = b_open(&msg, 2);
    b_u16(&msg, 0);
    b_u16(&msg, 0);
    b_u16(&msg, 16);
    size_t alpn = b_open(&msg, 2);
    size_t list = b_open(&msg, 2);
    size_t name = b_open(&msg, 1);
    b_str(&msg, "h2");
    b_close(&msg, name);
    b_close(&msg, list);
    b_close(&msg, alpn);
    b_u16(&msg, 42);
    b_u16(&msg, 0);
    b_u16(&msg, 28);
    b_u16(&msg, 2);
    b_u16(&msg, 16385);
    b_close(&msg, all);
    fx_open(&f);
    assert_int_equal(run(hs_encrypted_extensions, 1, 0x0304, 0x1302, b_cur(&msg), &f), ST_OK);
    const struct session *s = f.tf->s;
    assert_true(s->ee.present);
    assert_int_equal(s->ee.exts.n, 4);
    assert_true(s->has_alpn_selected);
    assert_memory_equal(s->alpn_selected.p, "h2", 2);
    assert_int_equal(s->ee.record_size_limit, 16385);
    fx_free(&f);
    truncations_fail(hs_encrypted_extensions, 1, 0x0304, 0x1302, b_cur(&msg));
    /* an empty list is fine; trailing bytes are not */
    fx_open(&f);
    assert_int_equal(run(hs_encrypted_extensions, 1, 0x0304, 0, cur_make("\0\0", 2), &f), ST_OK);
    fx_free(&f);
    fx_open(&f);
    assert_int_equal(run(hs_encrypted_extensions, 1, 0x0304, 0, cur_make("\0\0\0", 3), &f), ST_BAD);
    fx_free(&f);

    /* KeyUpdate: request_update is 0 or 1 */
    fx_open(&f);
    assert_int_equal(run(hs_key_update, 0, 0x0304, 0, cur_make("\1", 1), &f), ST_OK);
    assert_int_equal(run(hs_key_update, 0, 0x0304, 0, cur_make("\2", 1), &f), ST_BAD);
    assert_int_equal(run(hs_key_update, 0, 0x0304, 0, cur_make("", 0), &f), ST_BAD);
    assert_int_equal(run(hs_key_update, 0, 0x0304, 0, cur_make("\0\0", 2), &f), ST_BAD);
    fx_free(&f);
}

/* RFC 8879: the TLS 1.3 Certificate body, compressed three ways. */
static void compressed_certificate(void **state)
{
    (void)state;
    b_reset(&msg);
    b_u8(&msg, 0); /* request context */
    size_t list = b_open(&msg, 3);
    size_t c = b_open(&msg, 3);
    b_bytes(&msg, der_ec, n_ec);
    b_close(&msg, c);
    b_u16(&msg, 0); /* extensions */
    b_close(&msg, list);
    static uint8_t packed[8192];
    static struct builder cc;
    for (uint16_t alg = 1; alg <= 3; alg++) {
        size_t n = sizeof(packed);
        if (alg == 1) {
            uLongf zn = n;
            assert_int_equal(compress2(packed, &zn, msg.b, msg.n, 9), Z_OK);
            n = zn;
        } else if (alg == 2) {
            assert_true(BrotliEncoderCompress(5, 22, BROTLI_MODE_GENERIC, msg.n, msg.b, &n, packed));
        } else {
            n = ZSTD_compress(packed, n, msg.b, msg.n, 3);
            assert_false(ZSTD_isError(n));
        }
        b_reset(&cc);
        b_u16(&cc, alg);
        b_u24(&cc, (uint32_t)msg.n);
        size_t body = b_open(&cc, 3);
        b_bytes(&cc, packed, n);
        b_close(&cc, body);
        struct fx f;
        fx_open(&f);
        assert_int_equal(run(hs_compressed_certificate, 1, 0x0304, 0x1302, b_cur(&cc), &f), ST_OK);
        const struct chain *ch = &f.tf->s->server_certs;
        assert_int_equal(ch->n, 1);
        assert_int_equal(ch->compression, alg);
        assert_string_equal(ch->v[0].key_type, "ecdsa");
        fx_free(&f);
        truncations_fail(hs_compressed_certificate, 1, 0x0304, 0x1302, b_cur(&cc));
        /* a claimed length that does not match what comes out */
        b_set_u24(&cc, 2, (uint32_t)msg.n + 1);
        fx_open(&f);
        assert_int_equal(run(hs_compressed_certificate, 1, 0x0304, 0x1302, b_cur(&cc), &f), ST_OK);
        assert_int_equal(f.tf->s->server_certs.n, 0);
        assert_true(fx_has_anomaly(f.tf->s, "malformed_compressed_certificate"));
        fx_free(&f);
    }
    /* an algorithm RFC 8879 does not define */
    b_set_u16(&cc, 0, 9);
    b_set_u24(&cc, 2, (uint32_t)msg.n);
    struct fx f;
    fx_open(&f);
    assert_int_equal(run(hs_compressed_certificate, 1, 0x0304, 0x1302, b_cur(&cc), &f), ST_OK);
    assert_true(fx_has_anomaly(f.tf->s, "unknown_certificate_compression"));
    fx_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(certificate_tls12),
        cmocka_unit_test(proxy_certificate),
        cmocka_unit_test(certificate_cache_knows_the_bytes),
        cmocka_unit_test(certificate_tls13_and_unknown_version),
        cmocka_unit_test(certificate_tls13_entry_extensions),
        cmocka_unit_test(certificate_garbage_is_kept_with_a_reason),
        cmocka_unit_test(empty_client_certificate),
        cmocka_unit_test(ske_ecdhe),
        cmocka_unit_test(ske_dhe_tls10),
        cmocka_unit_test(certificate_request_tls12_and_tls13),
        cmocka_unit_test(small_messages),
        cmocka_unit_test(tls13_encrypted_messages),
        cmocka_unit_test(compressed_certificate),
    };
    return cmocka_run_group_tests(tests, load, NULL);
}
