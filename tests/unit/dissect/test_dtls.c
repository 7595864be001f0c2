/* DTLS: records and handshake fragments through the dissector. A
 * ClientHello with its cookie; HelloVerifyRequest and the second hello; a
 * message cut into fragments that come out of order, repeated and
 * overlapping, across datagrams; a retransmitted message; several records
 * in one datagram; alerts; ChangeCipherSpec then a protected Finished; the
 * DTLS 1.3 unified header; STUN beside DTLS; bad fragment lengths; and
 * every truncation of a datagram. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "tests/unit/builder.h"
#include "tests/unit/fixture.h"

static struct builder msg, dg;
static uint64_t seq;

/* A DTLS record header: type, version, epoch, 48-bit sequence, length. */
static size_t record_open(struct builder *b, uint8_t type, uint16_t version, uint16_t epoch)
{
    b_u8(b, type);
    b_u16(b, version);
    b_u16(b, epoch);
    b_u16(b, 0);
    b_u32(b, (uint32_t)seq++);
    return b_open(b, 2);
}

/* One fragment of a handshake message (msg holds type, length, body). */
static void fragment(struct builder *b, uint16_t message_seq, size_t offset, size_t len)
{
    uint32_t body_len = (uint32_t)msg.n - 4;
    b_u8(b, msg.b[0]);
    b_u24(b, body_len);
    b_u16(b, message_seq);
    b_u24(b, (uint32_t)offset);
    b_u24(b, (uint32_t)len);
    b_bytes(b, msg.b + 4 + offset, len);
}

static void send_fragment(struct fx *f, int fdir, uint16_t message_seq, size_t offset, size_t len, uint64_t packet)
{
    b_reset(&dg);
    size_t r = record_open(&dg, 22, 0xfefd, 0);
    fragment(&dg, message_seq, offset, len);
    b_close(&dg, r);
    fx_datagram(f, fdir, b_cur(&dg), packet);
}

/* A DTLS ClientHello: TLS's with an empty cookie after the session ID. */
static void dtls_client_hello(struct builder *b, size_t cookie)
{
    b_reset(b);
    size_t m = b_handshake(b, 1);
    b_u16(b, 0xfefd);
    b_fill(b, 0x11, 32);
    b_u8(b, 0); /* no session ID */
    size_t c = b_open(b, 1);
    b_fill(b, 0xcc, cookie);
    b_close(b, c);
    size_t cs = b_open(b, 2);
    b_u16(b, 0xc02b);
    b_u16(b, 0xc02f);
    b_close(b, cs);
    b_u8(b, 1);
    b_u8(b, 0);
    size_t exts = b_open(b, 2);
    b_u16(b, 0); /* server_name */
    size_t e = b_open(b, 2), l = b_open(b, 2);
    b_u8(b, 0);
    size_t n = b_open(b, 2);
    b_str(b, "dtls.example");
    b_close(b, n);
    b_close(b, l);
    b_close(b, e);
    b_close(b, exts);
    b_close(b, m);
}

static void hello_verify_and_second_hello(void **state)
{
    (void)state;
    struct fx f;
    fx_open_udp(&f);
    dtls_client_hello(&msg, 0);
    send_fragment(&f, 0, 0, 0, msg.n - 4, 2);
    struct session *s = f.tf->s;
    assert_non_null(s);
    assert_int_equal(s->transport, TR_DTLS);
    assert_true(s->ch.present);
    assert_int_equal(s->ch.dtls_cookie_len, 0);
    assert_int_equal(s->ch.sni.n, 1);
    assert_int_equal(s->ch.ciphers.n, 2);
    /* HelloVerifyRequest: server_version, a 20-byte cookie */
    b_reset(&msg);
    size_t m = b_handshake(&msg, 3);
    b_u16(&msg, 0xfeff);
    b_u8(&msg, 20);
    b_fill(&msg, 0xcc, 20);
    b_close(&msg, m);
    send_fragment(&f, 1, 0, 0, msg.n - 4, 3);
    assert_true(s->dtls.hello_verify);
    assert_int_equal(s->dtls.cookie_len, 20);
    /* the same hello again (a retransmission), then the one with the cookie */
    dtls_client_hello(&msg, 0);
    send_fragment(&f, 0, 0, 0, msg.n - 4, 4);
    assert_int_equal(s->dtls.retransmits[DIR_C2S], 1);
    dtls_client_hello(&msg, 20);
    send_fragment(&f, 0, 1, 0, msg.n - 4, 5);
    assert_true(s->ch_retry.present);
    assert_int_equal(s->ch_retry.dtls_cookie_len, 20);
    assert_int_equal(s->n_client_hellos, 2);
    assert_int_equal(s->dtls.record_version, 0xfefd);
    assert_int_equal(s->anomalies.n, 0);
    fx_free(&f);
}

static void fragments_out_of_order(void **state)
{
    (void)state;
    struct fx f;
    fx_open_udp(&f);
    dtls_client_hello(&msg, 0);
    size_t body = msg.n - 4;
    send_fragment(&f, 0, 0, 40, body - 40, 2); /* the end first */
    assert_false(f.tf->s->ch.present);
    send_fragment(&f, 0, 0, 10, 35, 3);        /* the middle, overlapping it */
    send_fragment(&f, 0, 0, 40, body - 40, 4); /* a repeat */
    assert_false(f.tf->s->ch.present);
    send_fragment(&f, 0, 0, 0, 12, 5);         /* the start completes it */
    struct session *s = f.tf->s;
    assert_true(s->ch.present);
    assert_int_equal(s->ch.sni.n, 1);
    assert_memory_equal(s->ch.sni.v[0].p, "dtls.example", 12);
    assert_int_equal(s->dtls.fragments[DIR_C2S], 4);
    assert_int_equal(s->n_client_hellos, 1);
    fx_free(&f);
}

static void records_after_the_hellos(void **state)
{
    (void)state;
    struct fx f;
    fx_open_udp(&f);
    dtls_client_hello(&msg, 0);
    send_fragment(&f, 0, 0, 0, msg.n - 4, 2);
    /* ServerHello and ServerHelloDone in one record, then ChangeCipherSpec
     * and a protected Finished in one datagram */
    b_reset(&msg);
    tls_server_hello(&msg, 0, 0xc02f);
    msg.b[4] = 0xfe, msg.b[5] = 0xfd;
    b_reset(&dg);
    size_t r = record_open(&dg, 22, 0xfefd, 0);
    fragment(&dg, 0, 0, msg.n - 4);
    b_reset(&msg);
    b_close(&msg, b_handshake(&msg, 14));
    fragment(&dg, 1, 0, 0);
    b_close(&dg, r);
    fx_datagram(&f, 1, b_cur(&dg), 3);
    struct session *s = f.tf->s;
    assert_true(s->sh.present);
    assert_int_equal(s->cipher, 0xc02f);
    b_reset(&dg);
    r = record_open(&dg, 20, 0xfefd, 0);
    b_u8(&dg, 1);
    b_close(&dg, r);
    r = record_open(&dg, 22, 0xfefd, 1);
    b_fill(&dg, 0x5a, 40);
    b_close(&dg, r);
    fx_datagram(&f, 0, b_cur(&dg), 4);
    assert_true(s->client_finished);
    fx_datagram(&f, 1, b_cur(&dg), 5);
    assert_true(s->established);
    /* STUN beside DTLS on the same ports is not DTLS */
    static const uint8_t stun[] = {0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    fx_datagram(&f, 0, cur_make(stun, sizeof(stun)), 6);
    /* a fatal alert in the clear, then the DTLS 1.3 unified header */
    b_reset(&dg);
    r = record_open(&dg, 21, 0xfefd, 0);
    b_u8(&dg, 2);
    b_u8(&dg, 40);
    b_close(&dg, r);
    b_u8(&dg, 0x2c); /* 001 C=0 S=1 L=1 epoch 0: sequence 2 bytes, a length */
    b_u16(&dg, 7);
    size_t l = b_open(&dg, 2);
    b_fill(&dg, 0x77, 30);
    b_close(&dg, l);
    fx_datagram(&f, 1, b_cur(&dg), 7);
    assert_int_equal(s->alerts.n, 1);
    assert_int_equal(s->alerts.v[0].desc, 40);
    assert_int_equal(s->dtls.unified_records[DIR_S2C], 1);
    assert_int_equal(s->anomalies.n, 0);
    fx_free(&f);
}

static void bad_fragments(void **state)
{
    (void)state;
    struct fx f;
    fx_open_udp(&f);
    dtls_client_hello(&msg, 0);
    /* a fragment claiming to run past its message */
    b_reset(&dg);
    size_t r = record_open(&dg, 22, 0xfefd, 0);
    b_u8(&dg, 1);
    b_u24(&dg, 10);
    b_u16(&dg, 0);
    b_u24(&dg, 8);
    b_u24(&dg, 5);
    b_fill(&dg, 0, 5);
    b_close(&dg, r);
    fx_datagram(&f, 0, b_cur(&dg), 2);
    assert_true(fx_has_anomaly(f.tf->s, "dtls_bad_fragment"));
    /* fragments of one message_seq that disagree on its length */
    send_fragment(&f, 0, 0, 0, 10, 3);
    b_reset(&dg);
    r = record_open(&dg, 22, 0xfefd, 0);
    b_u8(&dg, 1);
    b_u24(&dg, 999);
    b_u16(&dg, 0);
    b_u24(&dg, 10);
    b_u24(&dg, 4);
    b_fill(&dg, 0, 4);
    b_close(&dg, r);
    fx_datagram(&f, 0, b_cur(&dg), 4);
    assert_true(fx_has_anomaly(f.tf->s, "dtls_fragment_mismatch"));
    fx_free(&f);
}

static void every_truncation(void **state)
{
    (void)state;
    dtls_client_hello(&msg, 0);
    b_reset(&dg);
    size_t r = record_open(&dg, 22, 0xfefd, 0);
    fragment(&dg, 0, 0, msg.n - 4);
    b_close(&dg, r);
    for (size_t cut = 0; cut <= dg.n; cut++) {
        struct fx f;
        fx_open_udp(&f);
        fx_datagram(&f, 0, cur_make(dg.b, cut), 2);
        bool whole = cut == dg.n;
        assert_int_equal(f.tf->s && f.tf->s->ch.present, whole);
        fx_free(&f);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hello_verify_and_second_hello),
        cmocka_unit_test(fragments_out_of_order),
        cmocka_unit_test(records_after_the_hellos),
        cmocka_unit_test(bad_fragments),
        cmocka_unit_test(every_truncation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
