/* Stream-level dissection: finding TLS by content, records split and
 * coalesced, STARTTLS and proxy preambles, alerts, heartbeats, gaps and
 * resynchronisation, skipping protected records, a whole handshake, and
 * fingerprints made as the session is finished only when asked. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "dissect/fingerprint/fingerprint.h"
#include "tests/unit/builder.h"
#include "tests/unit/fixture.h"

static struct builder ch_rec, sh_rec, tmp;

static void client_hello_record(struct builder *b, const char *sni)
{
    b_reset(&tmp);
    tls_client_hello(&tmp, sni, NULL);
    b_reset(b);
    size_t r = b_record(b, 22);
    b_bytes(b, tmp.b, tmp.n);
    b_close(b, r);
}

static void server_flight12(struct builder *b)
{
    b_reset(b);
    size_t r = b_record(b, 22);
    tls_server_hello(b, 0x0303, 0xc02f);
    size_t m = b_handshake(b, 14); /* ServerHelloDone */
    b_close(b, m);
    b_close(b, r);
}

static void feed_all(struct fx *f, int fdir, const struct builder *b)
{
    assert_int_equal(fx_feed(f, fdir, b_cur(b)), 0);
}

static void ccs_and_finished(struct builder *b)
{
    b_reset(b);
    size_t r = b_record(b, 20);
    b_u8(b, 1);
    b_close(b, r);
    r = b_record(b, 22);
    b_fill(b, 0x9e, 40); /* encrypted Finished */
    b_close(b, r);
}

static void full_tls12_handshake(void **state)
{
    (void)state;
    struct fx f;
    fx_open(&f);
    client_hello_record(&ch_rec, "example.com");
    feed_all(&f, 0, &ch_rec);
    server_flight12(&sh_rec);
    feed_all(&f, 1, &sh_rec);
    struct builder cke;
    b_reset(&cke);
    size_t r = b_record(&cke, 22);
    size_t m = b_handshake(&cke, 16);
    b_fill(&cke, 0x44, 33);
    b_close(&cke, m);
    b_close(&cke, r);
    feed_all(&f, 0, &cke);
    struct builder fin;
    ccs_and_finished(&fin);
    feed_all(&f, 0, &fin);
    feed_all(&f, 1, &fin);
    fx_close(&f);
    struct session *s = f.got;
    assert_non_null(s);
    assert_true(s->established);
    assert_int_equal(s->version, 0x0303);
    assert_int_equal(s->cipher, 0xc02f);
    assert_false(s->resumed);
    assert_true(s->encrypted[0] && s->encrypted[1]);
    assert_int_equal(s->records[DIR_C2S][CT_HANDSHAKE - CT_CCS], 3);
    /* client_hello, server_hello, server_hello_done, client_key_exchange,
     * ccs, enc, ccs, enc */
    assert_int_equal(s->events.n, 8);
    assert_int_equal(s->events.v[0].type, 1);
    assert_int_equal(s->events.v[1].type, 2);
    assert_int_equal(s->events.v[2].type, 14);
    assert_int_equal(s->events.v[3].type, 16);
    assert_int_equal(s->events.v[4].kind, EV_CCS);
    assert_int_equal(s->events.v[5].kind, EV_ENC_HANDSHAKE);
    fx_free(&f);
}

static void hello_split_at_every_byte(void **state)
{
    (void)state;
    client_hello_record(&ch_rec, "split.example");
    struct cur all = b_cur(&ch_rec);
    for (size_t k = 1; k < all.left; k++) {
        struct fx f;
        fx_open(&f);
        fx_feed(&f, 0, cur_head(&all, k));
        fx_feed(&f, 0, cur_tail(&all, k));
        fx_close(&f);
        assert_non_null(f.got);
        assert_true(f.got->ch.present);
        assert_int_equal(f.got->ch.sni.n, 1);
        assert_memory_equal(f.got->ch.sni.v[0].p, "split.example", 13);
        assert_int_equal(f.got->anomalies.n, 0);
        fx_free(&f);
    }
}

static void hello_in_one_byte_records(void **state)
{
    (void)state;
    b_reset(&tmp);
    tls_client_hello(&tmp, "tiny.example", NULL);
    struct builder recs;
    b_reset(&recs);
    for (size_t i = 0; i < tmp.n; i++) {
        size_t r = b_record(&recs, 22);
        b_u8(&recs, tmp.b[i]);
        b_close(&recs, r);
    }
    struct fx f;
    fx_open(&f);
    feed_all(&f, 0, &recs);
    fx_close(&f);
    assert_non_null(f.got);
    assert_memory_equal(f.got->ch.sni.v[0].p, "tiny.example", 12);
    assert_int_equal(f.got->records[DIR_C2S][CT_HANDSHAKE - CT_CCS], tmp.n);
    fx_free(&f);
}

static void two_messages_in_one_record_and_one_message_in_two(void **state)
{
    (void)state;
    /* ServerHello + ServerHelloDone in one record is covered above; here a
     * Certificate-sized message spans two records. */
    b_reset(&tmp);
    size_t m = b_handshake(&tmp, 12); /* ServerKeyExchange, ECDHE */
    b_u8(&tmp, 3);
    b_u16(&tmp, 0x0017);
    size_t p = b_open(&tmp, 1);
    b_fill(&tmp, 4, 65);
    b_close(&tmp, p);
    b_u16(&tmp, 0x0804);
    size_t sig = b_open(&tmp, 2);
    b_fill(&tmp, 1, 256);
    b_close(&tmp, sig);
    b_close(&tmp, m);
    struct builder recs;
    b_reset(&recs);
    size_t r = b_record(&recs, 22);
    tls_server_hello(&recs, 0x0303, 0xc02f);
    b_bytes(&recs, tmp.b, 100);
    b_close(&recs, r);
    r = b_record(&recs, 22);
    b_bytes(&recs, tmp.b + 100, tmp.n - 100);
    b_close(&recs, r);
    struct fx f;
    fx_open(&f);
    client_hello_record(&ch_rec, NULL);
    feed_all(&f, 0, &ch_rec);
    feed_all(&f, 1, &recs);
    fx_close(&f);
    assert_true(f.got->ske.present);
    assert_int_equal(f.got->group, 0x0017);
    assert_int_equal(f.got->anomalies.n, 0);
    fx_free(&f);
}

static void alert_and_failure(void **state)
{
    (void)state;
    struct fx f;
    fx_open(&f);
    client_hello_record(&ch_rec, NULL);
    feed_all(&f, 0, &ch_rec);
    struct builder al;
    b_reset(&al);
    size_t r = b_record(&al, 21);
    b_u8(&al, 2);
    b_u8(&al, 40);
    b_close(&al, r);
    feed_all(&f, 1, &al);
    fx_close(&f);
    const struct alert *last = session_last_alert(f.got);
    assert_non_null(last);
    assert_int_equal(last->desc, 40);
    assert_int_equal(last->level, 2);
    assert_int_equal(last->dir, DIR_S2C);
    assert_false(last->encrypted);
    assert_false(f.got->established);
    fx_free(&f);
}

static void encrypted_alert_after_ccs(void **state)
{
    (void)state;
    struct fx f;
    fx_open(&f);
    client_hello_record(&ch_rec, NULL);
    feed_all(&f, 0, &ch_rec);
    server_flight12(&sh_rec);
    feed_all(&f, 1, &sh_rec);
    struct builder b;
    ccs_and_finished(&b);
    feed_all(&f, 0, &b);
    b_reset(&b);
    size_t r = b_record(&b, 21);
    b_fill(&b, 0x77, 26);
    b_close(&b, r);
    feed_all(&f, 0, &b);
    fx_close(&f);
    assert_int_equal(f.got->alerts.n, 1);
    assert_true(f.got->alerts.v[0].encrypted);
    assert_null(session_last_alert(f.got));
    fx_free(&f);
}

/* TLS 1.3 without keys: a 19-byte protected record where the client's
 * Finished should be is an alert, and the handshake did not complete. */
static void tls13_refused_with_an_encrypted_alert(void **state)
{
    (void)state;
    struct fx f;
    fx_open(&f);
    client_hello_record(&ch_rec, "example.com");
    feed_all(&f, 0, &ch_rec);
    struct builder b;
    b_reset(&b);
    size_t r = b_record(&b, 22);
    tls_server_hello(&b, 0x0304, 0x1301);
    b_close(&b, r);
    r = b_record(&b, 23);
    b_fill(&b, 0x5a, 900); /* EncryptedExtensions .. Finished */
    b_close(&b, r);
    feed_all(&f, 1, &b);
    b_reset(&b);
    r = b_record(&b, 20);
    b_u8(&b, 1);
    b_close(&b, r);
    r = b_record(&b, 23);
    b_fill(&b, 0x3c, 19);
    b_close(&b, r);
    feed_all(&f, 0, &b);
    fx_close(&f);
    assert_false(f.got->established);
    assert_int_equal(f.got->alerts.n, 1);
    assert_true(f.got->alerts.v[0].encrypted);
    assert_int_equal(f.got->alerts.v[0].dir, DIR_C2S);
    fx_free(&f);

    /* the same with a Finished-sized record completes */
    fx_open(&f);
    feed_all(&f, 0, &ch_rec);
    b_reset(&b);
    r = b_record(&b, 22);
    tls_server_hello(&b, 0x0304, 0x1301);
    b_close(&b, r);
    r = b_record(&b, 23);
    b_fill(&b, 0x5a, 900);
    b_close(&b, r);
    feed_all(&f, 1, &b);
    b_reset(&b);
    r = b_record(&b, 23);
    b_fill(&b, 0x3c, 53);
    b_close(&b, r);
    feed_all(&f, 0, &b);
    fx_close(&f);
    assert_true(f.got->established);
    assert_int_equal(f.got->alerts.n, 0);
    fx_free(&f);
}

static void heartbleed_request(void **state)
{
    (void)state;
    struct fx f;
    fx_open(&f);
    client_hello_record(&ch_rec, NULL);
    feed_all(&f, 0, &ch_rec);
    struct builder hb;
    b_reset(&hb);
    size_t r = b_record(&hb, 24);
    b_u8(&hb, 1);
    b_u16(&hb, 0x4000);
    b_close(&hb, r);
    feed_all(&f, 0, &hb);
    fx_close(&f);
    assert_true(fx_has_anomaly(f.got, "heartbeat_overread"));
    fx_free(&f);
}

static void oversized_record_resynchronises(void **state)
{
    (void)state;
    struct fx f;
    fx_open(&f);
    client_hello_record(&ch_rec, NULL);
    feed_all(&f, 0, &ch_rec);
    struct builder b;
    b_reset(&b);
    b_u8(&b, 23);
    b_u16(&b, 0x0303);
    b_u16(&b, 0xffff); /* longer than 2^14 + 2048 */
    b_fill(&b, 0x00, 20);
    size_t r = b_record(&b, 21); /* a sane record after the junk */
    b_u8(&b, 2);
    b_u8(&b, 10);
    b_close(&b, r);
    r = b_record(&b, 21);
    b_u8(&b, 1);
    b_u8(&b, 0);
    b_close(&b, r);
    fx_feed(&f, 0, b_cur(&b));
    fx_close(&f);
    assert_true(fx_has_anomaly(f.got, "record_too_long"));
    assert_true(fx_has_anomaly(f.got, "resync"));
    assert_int_equal(f.got->alerts.n, 2);
    assert_int_equal(f.got->alerts.v[0].desc, 10);
    fx_free(&f);
}

static void gap_inside_a_record_keeps_framing(void **state)
{
    (void)state;
    struct fx f;
    fx_open(&f);
    client_hello_record(&ch_rec, NULL);
    struct cur all = b_cur(&ch_rec);
    /* deliver the first 20 bytes, lose 30, deliver the rest */
    fx_feed(&f, 0, cur_head(&all, 20));
    struct seg_meta m = {.ts = 3, .packet = 3};
    f.h.gap(f.d, f.tf, 0, 30, &m);
    fx_feed(&f, 0, cur_tail(&all, 50));
    struct builder al;
    b_reset(&al);
    size_t r = b_record(&al, 21);
    b_u8(&al, 2);
    b_u8(&al, 40);
    b_close(&al, r);
    feed_all(&f, 0, &al);
    fx_close(&f);
    assert_true(fx_has_anomaly(f.got, "tcp_gap"));
    assert_false(fx_has_anomaly(f.got, "resync"));
    assert_false(f.got->ch.present); /* its bytes were lost */
    assert_int_equal(f.got->alerts.n, 1); /* the next record still parses */
    fx_free(&f);
}

static void gap_across_records_resynchronises(void **state)
{
    (void)state;
    struct fx f;
    fx_open(&f);
    client_hello_record(&ch_rec, NULL);
    feed_all(&f, 0, &ch_rec);
    struct seg_meta m = {.ts = 3, .packet = 3};
    f.h.gap(f.d, f.tf, 0, 1000, &m);
    struct builder b;
    b_reset(&b);
    b_fill(&b, 0x41, 7); /* the tail of a lost record */
    size_t r = b_record(&b, 21);
    b_u8(&b, 2);
    b_u8(&b, 48);
    b_close(&b, r);
    r = b_record(&b, 21);
    b_u8(&b, 1);
    b_u8(&b, 0);
    b_close(&b, r);
    fx_feed(&f, 0, b_cur(&b));
    fx_close(&f);
    assert_true(fx_has_anomaly(f.got, "resync"));
    assert_int_equal(f.got->alerts.n, 2);
    assert_int_equal(f.got->alerts.v[0].desc, 48);
    fx_free(&f);
}

static void protected_records_are_skipped(void **state)
{
    (void)state;
    struct fx f;
    fx_open(&f);
    client_hello_record(&ch_rec, NULL);
    feed_all(&f, 0, &ch_rec);
    struct builder b;
    b_reset(&b);
    b_u8(&b, 23);
    b_u16(&b, 0x0303);
    b_u16(&b, 16000);
    b_fill(&b, 0xee, 100);
    /* 15900 bytes of this record are still to come: not wanted */
    assert_int_equal(fx_feed(&f, 1, b_cur(&b)), 15900);
    fx_close(&f);
    fx_free(&f);
}

static void smtp_starttls(void **state)
{
    (void)state;
    struct fx f;
    fx_open(&f);
    static const char banner[] = "220 mail.example.com ESMTP Postfix\r\n";
    static const char ehlo[] = "EHLO client\r\n";
    static const char caps[] = "250-mail.example.com\r\n250 STARTTLS\r\n";
    static const char starttls[] = "STARTTLS\r\n";
    static const char ready[] = "220 2.0.0 Ready to start TLS\r\n";
    fx_feed(&f, 1, cur_make(banner, strlen(banner)));
    fx_feed(&f, 0, cur_make(ehlo, strlen(ehlo)));
    fx_feed(&f, 1, cur_make(caps, strlen(caps)));
    /* the command and the hello in one segment */
    client_hello_record(&ch_rec, "mail.example.com");
    struct builder both;
    b_reset(&both);
    b_str(&both, starttls);
    b_bytes(&both, ch_rec.b, ch_rec.n);
    fx_feed(&f, 0, b_cur(&both));
    fx_feed(&f, 1, cur_make(ready, strlen(ready)));
    server_flight12(&sh_rec);
    feed_all(&f, 1, &sh_rec);
    fx_close(&f);
    assert_non_null(f.got);
    assert_string_equal(f.got->starttls, "smtp");
    assert_true(f.got->ch.present && f.got->sh.present);
    assert_int_equal(f.got->anomalies.n, 0);
    fx_free(&f);
}

/* TLS after a proxy exchange: the preamble names the tunnel. */
static void tunnels(void **state)
{
    (void)state;
    static const uint8_t socks5_hello[] = {5, 1, 0};
    static const uint8_t socks5_choice[] = {5, 0};
    static const uint8_t socks5_connect[] = {5, 1, 0, 3, 11, 'e', 'x', 'a', 'm', 'p',
                                             'l', 'e', '.', 'c', 'o', 'm', 1, 187};
    static const uint8_t socks5_ok[] = {5, 0, 0, 1, 10, 0, 0, 2, 1, 187};
    struct fx f;
    fx_open(&f);
    fx_feed(&f, 0, cur_make(socks5_hello, sizeof(socks5_hello)));
    fx_feed(&f, 1, cur_make(socks5_choice, sizeof(socks5_choice)));
    fx_feed(&f, 0, cur_make(socks5_connect, sizeof(socks5_connect)));
    fx_feed(&f, 1, cur_make(socks5_ok, sizeof(socks5_ok)));
    client_hello_record(&ch_rec, "example.com");
    feed_all(&f, 0, &ch_rec);
    fx_close(&f);
    assert_non_null(f.got);
    assert_string_equal(f.got->tunnel, "socks5");
    assert_null(f.got->starttls);
    fx_free(&f);

    static const char connect[] = "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com\r\n\r\n";
    static const char established[] = "HTTP/1.1 200 Connection established\r\n\r\n";
    fx_open(&f);
    fx_feed(&f, 0, cur_make(connect, strlen(connect)));
    fx_feed(&f, 1, cur_make(established, strlen(established)));
    feed_all(&f, 0, &ch_rec);
    server_flight12(&sh_rec);
    feed_all(&f, 1, &sh_rec);
    fx_close(&f);
    assert_string_equal(f.got->tunnel, "http-connect");
    assert_true(f.got->sh.present);
    fx_free(&f);

    /* an unnamed cleartext preamble */
    static const char hello[] = "HELLO-PROTO v1\n";
    fx_open(&f);
    fx_feed(&f, 0, cur_make(hello, strlen(hello)));
    feed_all(&f, 0, &ch_rec);
    fx_close(&f);
    assert_string_equal(f.got->starttls, "unknown");
    fx_free(&f);
}

static void not_tls_makes_no_session(void **state)
{
    (void)state;
    struct fx f;
    fx_open(&f);
    static const char get[] = "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n";
    assert_int_equal(fx_feed(&f, 0, cur_make(get, strlen(get))), FLOW_IGNORE);
    fx_close(&f);
    assert_null(f.got);
    fx_free(&f);
}

static void server_answering_in_plaintext(void **state)
{
    (void)state;
    struct fx f;
    fx_open(&f);
    client_hello_record(&ch_rec, "www.example.com");
    feed_all(&f, 0, &ch_rec);
    static const char resp[] = "HTTP/1.1 400 Bad Request\r\n\r\n";
    fx_feed(&f, 1, cur_make(resp, strlen(resp)));
    fx_close(&f);
    assert_true(fx_has_anomaly(f.got, "peer_not_tls"));
    fx_free(&f);
}

static void sslv2_client_hello(void **state)
{
    (void)state;
    struct builder b;
    b_reset(&b);
    /* 2-byte header, CLIENT-HELLO, version 3.1, 2 specs, no id, 16-byte challenge */
    b_u8(&b, 0x80);
    b_u8(&b, 9 + 6 + 16);
    b_u8(&b, 1);
    b_u16(&b, 0x0301);
    b_u16(&b, 6);
    b_u16(&b, 0);
    b_u16(&b, 16);
    b_u8(&b, 0);
    b_u16(&b, 0x0035);
    b_u8(&b, 0x01);
    b_u16(&b, 0x0080); /* an SSLv2-only spec */
    b_fill(&b, 0xab, 16);
    struct fx f;
    fx_open(&f);
    fx_feed(&f, 0, b_cur(&b));
    server_flight12(&sh_rec);
    feed_all(&f, 1, &sh_rec);
    fx_close(&f);
    assert_true(f.got->ch.sslv2);
    assert_int_equal(f.got->ch.version, 0x0301);
    assert_int_equal(f.got->ch.ciphers.n, 1); /* TLS suites only */
    assert_int_equal(f.got->ch.ciphers.v[0], 0x35);
    assert_int_equal(f.got->ch.random[31], 0xab);
    assert_int_equal(f.got->ch.random[0], 0);
    assert_true(f.got->sh.present);
    fx_free(&f);
}

/* A client that gives up before its hello: its cleartext alert and the
 * server's answer make a failed session, not nothing. */
/* Kept for the TUI's hex view, a session's messages stop at the first
 * 512, as its timeline does: a connection of endless HelloRequests holds
 * no more. */
static void kept_messages_bounded(void **state)
{
    (void)state;
    struct fx f;
    fx_open(&f);
    f.d->cfg.keep_messages = true;
    client_hello_record(&ch_rec, "example.com");
    feed_all(&f, 0, &ch_rec);
    b_reset(&tmp);
    size_t r = b_record(&tmp, 22);
    for (int i = 0; i < 2000; i++) /* HelloRequest: type 0, empty */
        b_close(&tmp, b_handshake(&tmp, 0));
    b_close(&tmp, r);
    feed_all(&f, 1, &tmp);
    fx_close(&f);
    struct session *s = f.got;
    assert_non_null(s);
    assert_int_equal(s->messages.n, SESSION_MESSAGES_KEPT);
    assert_int_equal(s->messages.v[0].type, 1);
    assert_int_equal(s->messages.v[1].type, 0);
    assert_int_equal(s->events.n, SESSION_MESSAGES_KEPT);
    assert_int_equal(s->events.n + s->events.dropped, 2001); /* every message counted */
    fx_free(&f);
}

static void alerts_before_any_hello(void **state)
{
    (void)state;
    static const uint8_t client[] = {21, 3, 3, 0, 2, 2, 70}, server[] = {21, 3, 3, 0, 2, 2, 10};
    struct fx f;
    fx_open(&f);
    assert_int_equal(fx_feed(&f, 0, cur_make(client, sizeof(client))), 0);
    assert_int_equal(fx_feed(&f, 1, cur_make(server, sizeof(server))), 0);
    fx_close(&f);
    struct session *s = f.got;
    assert_non_null(s);
    assert_false(s->ch.present);
    assert_int_equal(s->alerts.n, 2);
    assert_int_equal(s->alerts.v[0].dir, DIR_C2S);
    assert_int_equal(s->alerts.v[0].desc, 70);
    assert_int_equal(s->alerts.v[1].desc, 10);
    assert_int_equal(s->anomalies.n, 0);
    fx_free(&f);
}

static void detect_start_verdicts(void **state)
{
    (void)state;
    client_hello_record(&ch_rec, NULL);
    struct cur all = b_cur(&ch_rec);
    assert_int_equal(detect_start(all, true), START_TLS);
    for (size_t n = 0; n < 11; n++)
        assert_int_equal(detect_start(cur_head(&all, n), true), START_MAYBE);
    static const uint8_t appdata[] = {23, 3, 3, 0, 2, 1, 2};
    assert_int_equal(detect_start(cur_make(appdata, sizeof(appdata)), true), START_NONE);
    assert_true(detect_record_header(cur_make(appdata, sizeof(appdata))));
    static const uint8_t bad_version[] = {22, 4, 1, 0, 10, 1, 0, 0, 6, 3, 3};
    assert_int_equal(detect_start(cur_make(bad_version, sizeof(bad_version)), true), START_NONE);
    /* a whole alert record starts TLS too; any byte off and it does not */
    static const uint8_t alert[] = {21, 3, 3, 0, 2, 2, 70};
    struct cur a = cur_make(alert, sizeof(alert));
    assert_int_equal(detect_start(a, true), START_TLS);
    for (size_t n = 0; n < sizeof(alert); n++) {
        assert_int_equal(detect_start(cur_head(&a, n), true), START_MAYBE);
        uint8_t bad[sizeof(alert)];
        memcpy(bad, alert, sizeof(alert));
        bad[n] = n == 6 ? 99 : (uint8_t)(bad[n] + 7); /* 99: no alert has that code */
        assert_int_equal(detect_start(cur_make(bad, sizeof(bad)), true), START_NONE);
    }
    bool tunnel;
    assert_string_equal(detect_prelude(cur_make("* OK IMAP4rev1\r\n", 16), false, &tunnel), "imap");
    assert_string_equal(detect_prelude(cur_make("+OK POP3\r\n", 10), false, &tunnel), "pop3");
    assert_string_equal(detect_prelude(cur_make("220 ProFTPD Server\r\n", 20), false, &tunnel), "ftp");
    assert_string_equal(detect_prelude(cur_make("CONNECT a:443 HTTP/1.1\r\n", 24), true, &tunnel), "http-connect");
    assert_true(tunnel);
    static const uint8_t pg[] = {0, 0, 0, 8, 4, 0xd2, 0x16, 0x2f};
    assert_string_equal(detect_prelude(cur_make(pg, 8), true, &tunnel), "postgres");
    static const uint8_t socks5[] = {5, 1, 0};
    assert_string_equal(detect_prelude(cur_make(socks5, 3), true, &tunnel), "socks5");
    assert_string_equal(detect_prelude(cur_make("<?xml version='1.0'?><stream:stream", 34), true, &tunnel), "xmpp");
    assert_string_equal(detect_prelude(cur_make("EHLO mx\r\n", 9), true, &tunnel), "smtp");
    assert_string_equal(detect_prelude(cur_make("AUTH TLS\r\n", 10), true, &tunnel), "ftp");
    static const uint8_t ldap[] = {0x30, 0x1d, 0x02, 0x01, 0x01, 0x77, 0x18, 0x80, 0x16,
                                   '1', '.', '3', '.', '6', '.', '1', '.', '4', '.', '1', '.',
                                   '1', '4', '6', '6', '.', '2', '0', '0', '3', '7'};
    assert_string_equal(detect_prelude(cur_make(ldap, sizeof(ldap)), true, &tunnel), "ldap");
    static const uint8_t mysql[] = {0x4a, 0, 0, 0, 10, '8', '.', '0', 0};
    assert_string_equal(detect_prelude(cur_make(mysql, sizeof(mysql)), false, &tunnel), "mysql");
    static const uint8_t rdp[] = {3, 0, 0, 0x13, 0x0e, 0xe0, 0, 0, 0, 0, 0, 1, 0, 8, 0, 1, 0, 0, 0};
    assert_string_equal(detect_prelude(cur_make(rdp, sizeof(rdp)), true, &tunnel), "rdp");
    static const uint8_t socks4[] = {4, 1, 1, 187, 10, 0, 0, 2, 0};
    assert_string_equal(detect_prelude(cur_make(socks4, sizeof(socks4)), true, &tunnel), "socks4");
    assert_true(tunnel);
    assert_null(detect_prelude(cur_make("hello", 5), true, &tunnel));
}

/* ---- fingerprints made at finalize, or left for the reader -------------------------- */

enum fp_mode { FP_ALWAYS, FP_NEVER, FP_WHEN_ASKED, FP_WHEN_REFUSED };

static bool answer_yes(void *ctx)
{
    (*(int *)ctx)++;
    return true;
}

static bool answer_no(void *ctx)
{
    (*(int *)ctx)++;
    return false;
}

/* A TLS 1.2 hello and answer through a dissector set up for mode; the
 * session, and in *asked how often the dissector asked. */
static struct session *hello_session(enum fp_mode mode, int *asked)
{
    struct fx f;
    fx_open(&f);
    f.d->cfg.skip_fingerprints = mode != FP_ALWAYS;
    if (mode == FP_WHEN_ASKED || mode == FP_WHEN_REFUSED)
        dissect_fingerprint_when(f.d, mode == FP_WHEN_ASKED ? answer_yes : answer_no, asked);
    client_hello_record(&ch_rec, "example.com");
    feed_all(&f, 0, &ch_rec);
    server_flight12(&sh_rec);
    feed_all(&f, 1, &sh_rec);
    fx_close(&f);
    struct session *s = f.got;
    f.got = NULL;
    fx_free(&f);
    assert_non_null(s);
    return s;
}

static void same_fingerprints(const struct fingerprints *a, const struct fingerprints *b)
{
    assert_true(a->made && b->made);
    assert_string_equal(a->ja3, b->ja3);
    assert_string_equal(a->ja3_hash, b->ja3_hash);
    assert_string_equal(a->ja3s, b->ja3s);
    assert_string_equal(a->ja3s_hash, b->ja3s_hash);
    assert_string_equal(a->ja4, b->ja4);
    assert_string_equal(a->ja4_o, b->ja4_o);
    assert_string_equal(a->ja4_r, b->ja4_r);
    assert_string_equal(a->ja4_ro, b->ja4_ro);
}

static void fingerprints_made_when_asked(void **state)
{
    (void)state;
    int asked = 0;
    struct session *always = hello_session(FP_ALWAYS, &asked);
    assert_true(always->fp.made);
    assert_int_equal(strlen(always->fp.ja4), 36);
    assert_int_equal(asked, 0);

    struct session *never = hello_session(FP_NEVER, &asked);
    assert_false(never->fp.made);
    assert_null(never->fp.ja3);
    assert_string_equal(never->fp.ja4, "");

    /* asked once, at the end of the session: made there, as always */
    struct session *yes = hello_session(FP_WHEN_ASKED, &asked);
    assert_int_equal(asked, 1);
    same_fingerprints(&yes->fp, &always->fp);

    /* refused: left undone, and the reader's making them gives the same */
    asked = 0;
    struct session *no = hello_session(FP_WHEN_REFUSED, &asked);
    assert_int_equal(asked, 1);
    assert_false(no->fp.made);
    assert_null(no->fp.ja3);
    fingerprint_session(no);
    same_fingerprints(&no->fp, &always->fp);

    session_free(always);
    session_free(never);
    session_free(yes);
    session_free(no);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(full_tls12_handshake),
        cmocka_unit_test(hello_split_at_every_byte),
        cmocka_unit_test(hello_in_one_byte_records),
        cmocka_unit_test(two_messages_in_one_record_and_one_message_in_two),
        cmocka_unit_test(alert_and_failure),
        cmocka_unit_test(encrypted_alert_after_ccs),
        cmocka_unit_test(tls13_refused_with_an_encrypted_alert),
        cmocka_unit_test(heartbleed_request),
        cmocka_unit_test(oversized_record_resynchronises),
        cmocka_unit_test(gap_inside_a_record_keeps_framing),
        cmocka_unit_test(gap_across_records_resynchronises),
        cmocka_unit_test(protected_records_are_skipped),
        cmocka_unit_test(smtp_starttls),
        cmocka_unit_test(tunnels),
        cmocka_unit_test(not_tls_makes_no_session),
        cmocka_unit_test(server_answering_in_plaintext),
        cmocka_unit_test(sslv2_client_hello),
        cmocka_unit_test(alerts_before_any_hello),
        cmocka_unit_test(kept_messages_bounded),
        cmocka_unit_test(detect_start_verdicts),
        cmocka_unit_test(fingerprints_made_when_asked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
