/* ClientHello and ServerHello parsers: a valid message, every truncation,
 * lengths larger than their bodies, duplicate extensions, HelloRetryRequest
 * and the draft ServerHello layout. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "tests/unit/builder.h"
#include "tests/unit/fixture.h"

static struct builder msg, extra;

/* The message body (after the 4-byte handshake header). */
static struct cur body_of(const struct builder *b)
{
    struct cur c = b_cur(b);
    return cur_tail(&c, 4);
}

static enum st parse_client(struct fx *f, struct cur body)
{
    struct hsctx h = fx_hsctx(f, 0);
    return hs_client_hello(&h, body);
}

static enum st parse_server(struct fx *f, struct cur body)
{
    struct hsctx h = fx_hsctx(f, 1);
    return hs_server_hello(&h, body);
}

static void client_hello_fields(void **state)
{
    (void)state;
    b_reset(&msg);
    tls_client_hello(&msg, "example.com", NULL);
    struct fx f;
    fx_open(&f);
    assert_int_equal(parse_client(&f, body_of(&msg)), ST_OK);
    const struct hello *ch = &f.tf->s->ch;
    assert_true(ch->present);
    assert_int_equal(ch->version, 0x0303);
    assert_int_equal(ch->session_id.len, 32);
    assert_int_equal(ch->ciphers.n, 5);
    assert_int_equal(ch->ciphers.v[0], 0x0a0a);
    assert_int_equal(ch->ciphers.v[4], 0x009d);
    assert_int_equal(ch->compression.len, 1);
    assert_int_equal(ch->exts.n, 5);
    assert_int_equal(ch->exts.v[0].type, 0);
    assert_int_equal(ch->exts.v[4].type, 51);
    assert_int_equal(ch->sni.n, 1);
    assert_memory_equal(ch->sni.v[0].p, "example.com", 11);
    assert_int_equal(ch->groups.n, 2);
    assert_int_equal(ch->groups.v[0], 0x001d);
    assert_int_equal(ch->sig_algs.v[1], 0x0403);
    assert_int_equal(ch->versions.n, 2);
    assert_int_equal(ch->versions.v[0], 0x0304);
    assert_int_equal(ch->key_share_groups.n, 1);
    assert_int_equal(f.tf->s->anomalies.n, 0);
    fx_free(&f);
}

/* The body without extensions is itself a valid (SSLv3-era) hello. */
enum { CH_NO_EXT_LEN = 2 + 32 + 1 + 32 + 2 + 10 + 1 + 1 };

static void client_hello_every_truncation(void **state)
{
    (void)state;
    b_reset(&msg);
    tls_client_hello(&msg, "example.com", NULL);
    struct cur full = body_of(&msg);
    for (size_t n = 0; n < full.left; n++) {
        struct fx f;
        fx_open(&f);
        enum st st = parse_client(&f, cur_head(&full, n));
        if (n == CH_NO_EXT_LEN)
            assert_int_equal(st, ST_OK);
        else
            assert_int_not_equal(st, ST_OK);
        fx_free(&f);
    }
}

static void client_hello_lengths_larger_than_body(void **state)
{
    (void)state;
    /* offsets in the body: session id length at 34, cipher_suites length
     * at 67, extensions at 81, the first extension's length at 85 */
    static const struct {
        size_t at;
        int width;
    } fields[] = {{34, 1}, {67, 2}, {81, 2}, {83 + 2, 2}};
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        b_reset(&msg);
        tls_client_hello(&msg, "example.com", NULL);
        size_t at = 4 + fields[i].at;
        if (fields[i].width == 1)
            msg.b[at] = (uint8_t)(msg.b[at] + 1);
        else
            b_set_u16(&msg, at, (uint16_t)(((msg.b[at] << 8) | msg.b[at + 1]) + 1));
        struct fx f;
        fx_open(&f);
        assert_int_equal(parse_client(&f, body_of(&msg)), ST_BAD);
        assert_true(f.tf->s->ch.truncated);
        fx_free(&f);
    }
}

/* What parsed is kept: a wrong length after the suites, or the suites'
 * own length overrunning, leaves the suites there (as tshark shows them);
 * the hello is marked truncated so that nothing is judged missing. */
static void client_hello_keeps_what_parsed(void **state)
{
    (void)state;
    for (int overrun = 0; overrun < 2; overrun++) {
        b_reset(&msg);
        tls_client_hello(&msg, "example.com", NULL);
        if (overrun)
            b_set_u16(&msg, 4 + 67, 0xfff0); /* cipher_suites length */
        else
            msg.b[4 + 79] = 40; /* compression_methods length, past the body */
        struct fx f;
        fx_open(&f);
        assert_int_equal(parse_client(&f, body_of(&msg)), ST_BAD);
        const struct hello *ch = &f.tf->s->ch;
        assert_true(ch->truncated);
        assert_true(ch->ciphers.n >= 5);
        assert_int_equal(ch->ciphers.v[1], 0x1301); /* after GREASE */
        fx_free(&f);
    }
}

/* A second supported_groups extension (secp384r1 alone), appended to extra. */
static void second_groups_extension(void)
{
    b_u16(&extra, 10);
    size_t e = b_open(&extra, 2), l = b_open(&extra, 2);
    b_u16(&extra, 0x0018);
    b_close(&extra, l);
    b_close(&extra, e);
}

/* A ClientHello carrying extra after its own extensions, parsed. */
static const struct hello *client_hello_with_extra(struct fx *f)
{
    b_reset(&msg);
    tls_client_hello(&msg, "example.com", &extra);
    fx_open(f);
    assert_int_equal(parse_client(f, body_of(&msg)), ST_OK);
    return &f->tf->s->ch;
}

static void client_hello_duplicate_extension(void **state)
{
    (void)state;
    b_reset(&extra);
    second_groups_extension();
    struct fx f;
    const struct hello *ch = client_hello_with_extra(&f);
    assert_int_equal(ch->exts.n, 6);
    assert_true(ch->exts.v[5].duplicate);
    assert_false(ch->exts.v[1].duplicate);
    assert_int_equal(ch->groups.n, 2); /* the first list is kept */
    assert_true(fx_has_anomaly(f.tf->s, "duplicate_extension"));
    fx_free(&f);
}

/* Past the first 32 extensions duplicates are found through a bitmap of
 * types: 3,000 empty extensions of types spread over all 16 bits, the
 * first 1,500 again after them, and the groups extension of the hello
 * again last. */
static void client_hello_many_extensions(void **state)
{
    (void)state;
    enum { N = 3000 };
    b_reset(&extra);
    for (int pass = 0; pass < 2; pass++)
        for (uint32_t i = 0; i < (pass ? N / 2 : N); i++) {
            b_u16(&extra, (uint16_t)(0x0100 + i * 21)); /* none of the hello's own types */
            b_u16(&extra, 0);
        }
    second_groups_extension();
    struct fx f;
    const struct hello *ch = client_hello_with_extra(&f);
    assert_int_equal(ch->exts.n, 5 + N + N / 2 + 1);
    size_t dups = 0;
    for (size_t i = 0; i < ch->exts.n; i++) {
        dups += ch->exts.v[i].duplicate;
        assert_int_equal(ch->exts.v[i].duplicate, i >= 5 + N);
    }
    assert_int_equal(dups, N / 2 + 1);
    assert_int_equal(ch->groups.n, 2); /* the first list is kept */
    fx_free(&f);
}

static void client_hello_bad_extension_body(void **state)
{
    (void)state;
    /* an extension we do not decode is kept as it is */
    b_reset(&extra);
    b_u16(&extra, 0x4469); /* unknown to us: kept opaque */
    size_t e = b_open(&extra, 2);
    b_u8(&extra, 1);
    b_close(&extra, e);
    b_reset(&msg);
    tls_client_hello(&msg, NULL, &extra);
    struct fx f;
    fx_open(&f);
    assert_int_equal(parse_client(&f, body_of(&msg)), ST_OK);
    assert_int_equal(f.tf->s->ch.exts.n, 5);
    assert_false(f.tf->s->ch.exts.v[4].bad);
    fx_free(&f);

    /* an ALPN list whose names overrun the list */
    b_reset(&extra);
    b_u16(&extra, 16);
    e = b_open(&extra, 2);
    size_t l = b_open(&extra, 2);
    b_u8(&extra, 9);
    b_str(&extra, "h2");
    b_close(&extra, l);
    b_close(&extra, e);
    b_reset(&msg);
    tls_client_hello(&msg, NULL, &extra);
    fx_open(&f);
    assert_int_equal(parse_client(&f, body_of(&msg)), ST_OK);
    assert_true(f.tf->s->ch.exts.v[4].bad);
    assert_true(fx_has_anomaly(f.tf->s, "malformed_extension"));
    fx_free(&f);
}

static void server_hello_tls12(void **state)
{
    (void)state;
    b_reset(&msg);
    tls_server_hello(&msg, 0x0303, 0xc02f);
    struct fx f;
    fx_open(&f);
    assert_int_equal(parse_server(&f, body_of(&msg)), ST_OK);
    const struct session *s = f.tf->s;
    assert_true(s->sh.present);
    assert_true(s->has_version && s->version == 0x0303);
    assert_true(s->has_cipher && s->cipher == 0xc02f);
    assert_false(s->has_group);
    assert_false(s->encrypted[DIR_S2C]);
    assert_true(s->sh.reneg_info);
    fx_free(&f);
}

static void server_hello_tls13(void **state)
{
    (void)state;
    b_reset(&msg);
    tls_server_hello(&msg, 0x0304, 0x1301);
    struct fx f;
    fx_open(&f);
    assert_int_equal(parse_server(&f, body_of(&msg)), ST_OK);
    const struct session *s = f.tf->s;
    assert_int_equal(s->version, 0x0304);
    assert_true(s->has_group && s->group == 0x001d);
    assert_true(s->encrypted[DIR_S2C]);
    assert_true(f.tf->server_tls13);
    fx_free(&f);
}

enum { SH_NO_EXT_LEN = 2 + 32 + 1 + 32 + 2 + 1 };

static void server_hello_every_truncation(void **state)
{
    (void)state;
    b_reset(&msg);
    tls_server_hello(&msg, 0x0304, 0x1301);
    struct cur full = body_of(&msg);
    for (size_t n = 0; n < full.left; n++) {
        struct fx f;
        fx_open(&f);
        enum st st = parse_server(&f, cur_head(&full, n));
        if (n == SH_NO_EXT_LEN)
            assert_int_equal(st, ST_OK);
        else
            assert_int_not_equal(st, ST_OK);
        fx_free(&f);
    }
}

static void hello_retry_request(void **state)
{
    (void)state;
    static const uint8_t hrr_random[32] = {
        0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c,
        0x02, 0x1e, 0x65, 0xb8, 0x91, 0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb,
        0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c};
    b_reset(&msg);
    size_t m = b_handshake(&msg, 2);
    b_u16(&msg, 0x0303);
    b_bytes(&msg, hrr_random, 32);
    b_u8(&msg, 0);
    b_u16(&msg, 0x1302);
    b_u8(&msg, 0);
    size_t exts = b_open(&msg, 2);
    b_u16(&msg, 43);
    size_t e = b_open(&msg, 2);
    b_u16(&msg, 0x0304);
    b_close(&msg, e);
    b_u16(&msg, 51);
    e = b_open(&msg, 2);
    b_u16(&msg, 0x0017);
    b_close(&msg, e);
    b_close(&msg, exts);
    b_close(&msg, m);
    struct fx f;
    fx_open(&f);
    assert_int_equal(parse_server(&f, body_of(&msg)), ST_OK);
    const struct session *s = f.tf->s;
    assert_true(s->hrr.present && s->hrr.is_hrr);
    assert_false(s->sh.present);
    /* what it asks for stays with it: nothing is negotiated until a ServerHello */
    assert_int_equal(s->hrr.key_share_groups.n, 1);
    assert_int_equal(s->hrr.key_share_groups.v[0], 0x0017);
    assert_int_equal(s->hrr.cipher, 0x1302);
    assert_false(s->has_group || s->has_version || s->has_cipher);
    assert_false(s->encrypted[DIR_S2C]); /* the real ServerHello is still to come */
    assert_true(f.tf->server_tls13);
    fx_free(&f);
}

static void draft_server_hello_layout(void **state)
{
    (void)state;
    /* draft-14: version random cipher extensions, key_share is type 40 */
    b_reset(&msg);
    size_t m = b_handshake(&msg, 2);
    b_u16(&msg, 0x7f0e);
    b_fill(&msg, 0x44, 32);
    b_u16(&msg, 0x1301);
    size_t exts = b_open(&msg, 2);
    b_u16(&msg, 40);
    size_t e = b_open(&msg, 2);
    b_u16(&msg, 0x001d);
    size_t k = b_open(&msg, 2);
    b_fill(&msg, 1, 32);
    b_close(&msg, k);
    b_close(&msg, e);
    b_close(&msg, exts);
    b_close(&msg, m);
    struct fx f;
    fx_open(&f);
    assert_int_equal(parse_server(&f, body_of(&msg)), ST_OK);
    assert_int_equal(f.tf->s->version, 0x7f0e);
    assert_int_equal(f.tf->s->cipher, 0x1301);
    assert_int_equal(f.tf->s->group, 0x001d);
    assert_true(f.tf->server_tls13);
    fx_free(&f);
}

static void server_hello_from_initiator_swaps_roles(void **state)
{
    (void)state;
    b_reset(&msg);
    tls_server_hello(&msg, 0x0303, 0xc02f);
    struct fx f;
    fx_open(&f);
    struct hsctx h = fx_hsctx(&f, 0); /* from the side that sent the SYN */
    assert_int_equal(f.tf->s->client.port, 40000);
    assert_int_equal(hs_server_hello(&h, body_of(&msg)), ST_OK);
    assert_int_equal(f.tf->s->client.port, 443);
    assert_int_equal(f.tf->s->server.port, 40000);
    fx_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(client_hello_fields),
        cmocka_unit_test(client_hello_every_truncation),
        cmocka_unit_test(client_hello_lengths_larger_than_body),
        cmocka_unit_test(client_hello_keeps_what_parsed),
        cmocka_unit_test(client_hello_duplicate_extension),
        cmocka_unit_test(client_hello_many_extensions),
        cmocka_unit_test(client_hello_bad_extension_body),
        cmocka_unit_test(server_hello_tls12),
        cmocka_unit_test(server_hello_tls13),
        cmocka_unit_test(server_hello_every_truncation),
        cmocka_unit_test(hello_retry_request),
        cmocka_unit_test(draft_server_hello_layout),
        cmocka_unit_test(server_hello_from_initiator_swaps_roles),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
