/* QUIC: Initial keys against RFC 9001 A.1 and RFC 9369 A.1, header
 * protection masks against RFC 9001 A.2 and A.5, version names; then
 * packets through the dissector: a ClientHello in CRYPTO frames out of
 * order and across packets, the server's Initial, coalesced packets,
 * Version Negotiation, Retry, CONNECTION_CLOSE as a TLS alert, a packet
 * that does not authenticate, and every truncation of a datagram. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/kdf.h>

#include "dissect/crypto/tls_crypto.h"
#include "dissect/quic/quic.h"
#include "tests/unit/builder.h"
#include "tests/unit/fixture.h"
#include "tests/unit/quicbuild.h"

static void unhex(const char *h, uint8_t *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        assert_int_equal(sscanf(h + 2 * i, "%2x", &v), 1);
        out[i] = (uint8_t)v;
    }
}

static void assert_hex(const uint8_t *got, const char *want)
{
    uint8_t w[64];
    size_t n = strlen(want) / 2;
    unhex(want, w, n);
    assert_memory_equal(got, w, n);
}

static const uint8_t rfc_dcid[8] = {0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08};

static void initial_keys_v1(void **state)
{
    (void)state;
    const struct quic_version *v = quic_version_find(1);
    assert_non_null(v);
    struct quic_keys k;
    uint8_t secret[32];
    assert_true(quic_initial_keys(v, cur_make(rfc_dcid, 8), true, &k, secret));
    assert_hex(secret, "c00cf151ca5be075ed0ebfb5c80323c42d6b7db67881289af4008f1f6c357aea");
    assert_hex(k.key, "1f369613dd76d5467730efcbe3b1a22d");
    assert_hex(k.iv, "fa044b2f42a3fd3b46fb255c");
    assert_hex(k.hp, "9f50449e04a0e810283a1e9933adedd2");
    assert_true(quic_initial_keys(v, cur_make(rfc_dcid, 8), false, &k, secret));
    assert_hex(secret, "3c199828fd139efd216c155ad844cc81fb82fa8d7446fa7d78be803acdda951b");
    assert_hex(k.key, "cf3a5331653c364c88f0f379b6067e37");
    assert_hex(k.iv, "0ac1493ca1905853b0bba03e");
    assert_hex(k.hp, "c206b8d9b9f0f37644430b490eeaa314");
}

/* OpenSSL's own HKDF, which tls_hkdf_* replace for SHA-256 and SHA-384 */
static void openssl_hkdf(const char *hash, int mode, const uint8_t *key, size_t key_len, const uint8_t *salt,
                         size_t salt_len, const uint8_t *info, size_t info_len, uint8_t *out, size_t out_len)
{
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
    EVP_KDF_CTX *c = EVP_KDF_CTX_new(kdf);
    OSSL_PARAM params[6], *p = params;
    *p++ = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
    *p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)hash, 0);
    *p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)key, key_len);
    if (salt_len)
        *p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, salt_len);
    if (info_len)
        *p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info, info_len);
    *p = OSSL_PARAM_construct_end();
    assert_int_equal(EVP_KDF_derive(c, out, out_len, params), 1);
    EVP_KDF_CTX_free(c);
    EVP_KDF_free(kdf);
}

/* Extract with and without a salt, and Expand-Label from 1 byte to
 * several blocks, give what OpenSSL's HKDF gives, for both hashes. */
static void hkdf_as_openssl(void **state)
{
    (void)state;
    static const char *const hashes[] = {"SHA256", "SHA384"};
    static const size_t lengths[] = {1, 12, 16, 32, 33, 48, 49, 100, 255};
    uint8_t ikm[40], salt[20];
    for (size_t i = 0; i < sizeof(ikm); i++)
        ikm[i] = (uint8_t)(i * 7 + 1);
    for (size_t i = 0; i < sizeof(salt); i++)
        salt[i] = (uint8_t)(0xa0 + i);
    for (size_t h = 0; h < 2; h++) {
        const EVP_MD *md = tls_hash(hashes[h]);
        assert_non_null(md);
        size_t hlen = (size_t)EVP_MD_get_size(md);
        uint8_t prk[64], want[64];
        for (size_t salted = 0; salted < 2; salted++) {
            assert_true(tls_hkdf_extract(md, salt, salted ? sizeof(salt) : 0, ikm, sizeof(ikm), prk, hlen));
            openssl_hkdf(hashes[h], EVP_KDF_HKDF_MODE_EXTRACT_ONLY, ikm, sizeof(ikm), salt,
                         salted ? sizeof(salt) : 0, NULL, 0, want, hlen);
            assert_memory_equal(prk, want, hlen);
        }
        for (size_t l = 0; l < sizeof(lengths) / sizeof(lengths[0]); l++) {
            size_t n = lengths[l];
            uint8_t got[255], exp[255], info[3 + 6 + 8 + 1] = {(uint8_t)(n >> 8), (uint8_t)n, 6 + 8};
            memcpy(info + 3, "tls13 quic key", 14);
            info[17] = 0;
            assert_true(tls_hkdf_expand_label(md, prk, hlen, "quic key", got, n));
            openssl_hkdf(hashes[h], EVP_KDF_HKDF_MODE_EXPAND_ONLY, prk, hlen, NULL, 0, info, sizeof(info), exp, n);
            assert_memory_equal(got, exp, n);
        }
    }
}

static void initial_keys_v2(void **state)
{
    (void)state;
    const struct quic_version *v = quic_version_find(0x6b3343cf);
    assert_non_null(v);
    assert_true(v->v2_types);
    struct quic_keys k;
    assert_true(quic_initial_keys(v, cur_make(rfc_dcid, 8), true, &k, NULL));
    assert_hex(k.key, "8b1a0bc121284290a29e0971b5cd045d");
    assert_hex(k.iv, "91f73e2351d8fa91660e909f");
    assert_hex(k.hp, "45b95e15235d6f45a6b19cbcb0294ba9");
    assert_true(quic_initial_keys(v, cur_make(rfc_dcid, 8), false, &k, NULL));
    assert_hex(k.key, "82db637861d55e1d011f19ea71d5d2a7");
    assert_hex(k.iv, "dd13c276499c0249d3310652");
    assert_hex(k.hp, "edf6d05c83121201b436e16877593c3a");
}

static void header_protection_masks(void **state)
{
    (void)state;
    struct quic_keys k;
    uint8_t sample[16], mask[5];
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    assert_non_null(ctx);
    /* RFC 9001 A.2: the client's Initial */
    assert_true(quic_initial_keys(quic_version_find(1), cur_make(rfc_dcid, 8), true, &k, NULL));
    unhex("d1b1c98dd7689fb8ec11d242b123dc9b", sample, 16);
    assert_true(quic_hp_mask(ctx, &k, sample, mask));
    assert_hex(mask, "437b9aec36");
    /* RFC 9001 A.5: ChaCha20 */
    static const char secret[] = "9ac312a7f877468ebe69422748ad00a15443f18203a07d6060f688f30f21632b";
    uint8_t s[32];
    unhex(secret, s, 32);
    assert_true(quic_traffic_keys(quic_version_find(1), tls_suite_named("CHACHA20_POLY1305"), s, 32, &k));
    assert_hex(k.hp, "25a282b9e82f06f21f488917a4fc8f1b73573685608597d0efcb076b0ab7a7a4");
    unhex("5e5cd55c41f69080575d7999c25a5bfb", sample, 16);
    assert_true(quic_hp_mask(ctx, &k, sample, mask));
    assert_hex(mask, "aefefe7d03");
    EVP_CIPHER_CTX_free(ctx);
}

/* RFC 9001 A.4 and RFC 9369 A.4: Retry packets answering the A.2 client,
 * whose tags verify; any damaged byte, or another ODCID, fails. Drafts
 * before 25 had no tag. */
static void retry_integrity(void **state)
{
    (void)state;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    assert_non_null(ctx);
    uint8_t v1[36], v2[36];
    unhex("ff000000010008f067a5502a4262b5746f6b656e04a265ba2eff4d829058fb3f0f2496ba", v1, 36);
    unhex("cf6b3343cf0008f067a5502a4262b5746f6b656ec8646ce8bfe33952d955543665dcc7b6", v2, 36);
    struct cur odcid = cur_make(rfc_dcid, 8);
    assert_int_equal(quic_retry_check(ctx, quic_version_find(1), odcid, cur_make(v1, 36)), RETRY_TAG_VALID);
    assert_int_equal(quic_retry_check(ctx, quic_version_find(0x6b3343cf), odcid, cur_make(v2, 36)), RETRY_TAG_VALID);
    for (size_t i = 0; i < 36; i++) {
        v1[i] ^= 0x10;
        assert_int_equal(quic_retry_check(ctx, quic_version_find(1), odcid, cur_make(v1, 36)), RETRY_TAG_INVALID);
        v1[i] ^= 0x10;
    }
    assert_int_equal(quic_retry_check(ctx, quic_version_find(1), cur_make(rfc_dcid, 7), cur_make(v1, 36)),
                     RETRY_TAG_INVALID);
    assert_int_equal(quic_retry_check(ctx, quic_version_find(0xff000017), odcid, cur_make(v1, 36)),
                     RETRY_TAG_UNCHECKED);
    assert_int_equal(quic_retry_check(ctx, quic_version_find(1), odcid, cur_make(v1, 15)), RETRY_TAG_UNCHECKED);
    EVP_CIPHER_CTX_free(ctx);
}

static void version_names(void **state)
{
    (void)state;
    char b[32];
    assert_string_equal(quic_version_name(1, b), "QUICv1");
    assert_string_equal(quic_version_name(0x6b3343cf, b), "QUICv2");
    assert_string_equal(quic_version_name(0xff00001d, b), "draft-29");
    assert_string_equal(quic_version_name(0xff000017, b), "draft-23");
    assert_string_equal(quic_version_name(0xfaceb002, b), "mvfst-draft-27");
    assert_string_equal(quic_version_name(0x1a2a3a4a, b), "reserved-0x1a2a3a4a");
    assert_string_equal(quic_version_name(0x51303530, b), "Q050");
    assert_string_equal(quic_version_name(0, b), "version-negotiation");
    assert_null(quic_version_find(0x51303530)); /* Google's CHLO handshake: no TLS */
    assert_null(quic_version_find(0xff000014));
    assert_non_null(quic_version_find(0xff000022));
}

/* ---- through the dissector ------------------------------------------------------ */

static const uint8_t dcid[8] = {0xd1, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8};
static const uint8_t cscid[4] = {0xc1, 0xc2, 0xc3, 0xc4};
static const uint8_t sscid[5] = {0x51, 0x52, 0x53, 0x54, 0x55};
static struct builder hello, frames;
static uint8_t dg[4096];

static void crypto_frame(struct builder *f, uint32_t offset, const uint8_t *p, size_t n)
{
    b_u8(f, 0x06);
    b_u8(f, 0x80 | (uint8_t)(offset >> 24)); /* 4-byte varints */
    b_u8(f, (uint8_t)(offset >> 16));
    b_u8(f, (uint8_t)(offset >> 8));
    b_u8(f, (uint8_t)offset);
    b_u16(f, (uint16_t)(0x4000 | n));
    b_bytes(f, p, n);
}

/* A client's Initial, its frames padded so the datagram has the 1200
 * bytes RFC 9000 14.1 demands (shorter ones are not worth opening). */
static size_t client_initial(uint32_t version, uint16_t pn, const struct builder *f, uint8_t *out)
{
    static struct builder padded;
    b_reset(&padded);
    b_bytes(&padded, f->b, f->n);
    if (padded.n < 1200)
        b_fill(&padded, 0, 1200 - padded.n);
    return quic_initial_packet(version, false, cur_make(dcid, 8), cur_make(dcid, 8), cur_make(cscid, 4), pn,
                               padded.b, padded.n, out);
}

static size_t server_initial(uint32_t version, uint16_t pn, const struct builder *f, uint8_t *out)
{
    return quic_initial_packet(version, true, cur_make(dcid, 8), cur_make(cscid, 4), cur_make(sscid, 5), pn, f->b,
                               f->n, out);
}

/* The ClientHello in two packets, its second half first, with PADDING. */
static void client_flight(struct fx *f, uint32_t version)
{
    b_reset(&hello);
    tls_client_hello(&hello, "quic.example", NULL);
    size_t cut = hello.n / 2;
    b_reset(&frames);
    crypto_frame(&frames, (uint32_t)cut, hello.b + cut, hello.n - cut);
    b_fill(&frames, 0, 30);
    fx_datagram(f, 0, cur_make(dg, client_initial(version, 0, &frames, dg)), 2);
    assert_false(f->tf->s->ch.present);
    b_reset(&frames);
    b_u8(&frames, 0x01); /* PING */
    crypto_frame(&frames, 0, hello.b, cut);
    fx_datagram(f, 0, cur_make(dg, client_initial(version, 1, &frames, dg)), 3);
}

static void client_hello_in_pieces(void **state)
{
    (void)state;
    struct fx f;
    fx_open_udp(&f);
    client_flight(&f, 1);
    struct session *s = f.tf->s;
    assert_non_null(s);
    assert_int_equal(s->transport, TR_QUIC);
    assert_true(s->ch.present);
    assert_int_equal(s->ch.sni.n, 1);
    assert_memory_equal(s->ch.sni.v[0].p, "quic.example", 12);
    assert_int_equal(s->quic.version, 1);
    assert_true(s->quic.has_client_ids);
    assert_memory_equal(s->quic.dcid.p, dcid, 8);
    assert_int_equal(s->quic.scid.len, 4);
    assert_int_equal(s->quic.packets[DIR_C2S][QP_INITIAL], 2);
    assert_int_equal(s->quic.crypto_out_of_order, 1);
    assert_int_equal(s->quic.client_hello_packets, 2);
    assert_string_equal(s->quic.history, "IIS");
    assert_int_equal(s->anomalies.n, 0);
    fx_free(&f);
}

static void server_answers(void **state)
{
    (void)state;
    struct fx f;
    fx_open_udp(&f);
    client_flight(&f, 0x6b3343cf);
    static struct builder sh;
    b_reset(&sh);
    tls_server_hello(&sh, 0x0304, 0x1301);
    b_reset(&frames);
    b_u8(&frames, 0x02); /* ACK 1 */
    b_u8(&frames, 1);
    b_u8(&frames, 0);
    b_u8(&frames, 0);
    b_u8(&frames, 1);
    crypto_frame(&frames, 0, sh.b, sh.n);
    size_t n = server_initial(0x6b3343cf, 0, &frames, dg);
    /* a Handshake packet coalesced after it (no keys: counted, not read) */
    static const uint8_t hs[] = {0xf0, 0x6b, 0x33, 0x43, 0xcf, 4, 0xc1, 0xc2, 0xc3, 0xc4, 0, 0x40, 0x14,
                                 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20};
    memcpy(dg + n, hs, sizeof(hs));
    fx_datagram(&f, 1, cur_make(dg, n + sizeof(hs)), 4);
    struct session *s = f.tf->s;
    assert_true(s->sh.present);
    assert_int_equal(s->quic.version, 0x6b3343cf);
    assert_true(s->quic.has_server_scid);
    assert_memory_equal(s->quic.server_scid.p, sscid, 5);
    assert_int_equal(s->quic.packets[DIR_S2C][QP_INITIAL], 1);
    assert_int_equal(s->quic.packets[DIR_S2C][QP_HANDSHAKE], 1);
    assert_int_equal(s->cipher, 0x1301);
    /* a short header from the client: it has its 1-RTT keys, so both Finished went by */
    static const uint8_t one_rtt[] = {0x41, 0x51, 0x52, 0x53, 0x54, 0x55, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9,
                                      9, 9, 9, 9, 9};
    assert_false(s->established);
    fx_datagram(&f, 0, cur_make(one_rtt, sizeof(one_rtt)), 5);
    assert_true(s->established);
    assert_int_equal(s->quic.packets[DIR_C2S][QP_SHORT], 1);
    fx_close(&f);
    assert_non_null(f.got);
    assert_memory_equal(f.got->fp.ja4, "q13d", 4); /* JA4's QUIC form */
    fx_free(&f);
}

/* The server's Initial: its ServerHello, from sscid. */
static void server_hello_initial(struct fx *f, uint64_t packet)
{
    static struct builder sh;
    b_reset(&sh);
    tls_server_hello(&sh, 0x0304, 0x1301);
    b_reset(&frames);
    crypto_frame(&frames, 0, sh.b, sh.n);
    fx_datagram(f, 1, cur_make(dg, server_initial(1, 0, &frames, dg)), packet);
}

/* A client Initial of 1200 bytes under other IDs, with a ClientHello. */
static size_t other_initial(struct cur key_dcid, struct cur header_dcid)
{
    static struct builder padded;
    b_reset(&padded);
    crypto_frame(&padded, 0, hello.b, hello.n);
    b_fill(&padded, 0, 1200 - padded.n);
    return quic_initial_packet(1, false, key_dcid, header_dcid, cur_make(cscid, 4), 0, padded.b, padded.n, dg);
}

/* A client's Initial under a DCID of its own after the server answered
 * starts a new connection on the same ports; the Initials that go on with
 * the first one (the first DCID, the server's ID) do not, nor anything
 * before the server answered, nor a small one, nor the server's. */
static void new_connection_on_the_same_ports(void **state)
{
    (void)state;
    struct fx f;
    fx_open_udp(&f);
    static const uint8_t fresh[8] = {0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8};
    client_flight(&f, 1);
    size_t n = other_initial(cur_make(fresh, 8), cur_make(fresh, 8));
    assert_false(quic_new_connection(f.tf, 0, cur_make(dg, n), (uint32_t)n)); /* no answer yet */
    server_hello_initial(&f, 4);
    assert_true(f.tf->s->sh.present);
    n = other_initial(cur_make(fresh, 8), cur_make(fresh, 8));
    assert_true(quic_new_connection(f.tf, 0, cur_make(dg, n), (uint32_t)n));
    assert_false(quic_new_connection(f.tf, 1, cur_make(dg, n), (uint32_t)n));
    assert_false(quic_new_connection(f.tf, 0, cur_make(dg, n), 1100));
    for (size_t cut = 0; cut < n; cut += 97)
        assert_false(quic_new_connection(f.tf, 0, cur_make(dg, cut), (uint32_t)n));
    dg[n - 1] ^= 1; /* it must authenticate */
    assert_false(quic_new_connection(f.tf, 0, cur_make(dg, n), (uint32_t)n));
    n = other_initial(cur_make(dcid, 8), cur_make(dcid, 8));
    assert_false(quic_new_connection(f.tf, 0, cur_make(dg, n), (uint32_t)n));
    n = other_initial(cur_make(sscid, 5), cur_make(sscid, 5));
    assert_false(quic_new_connection(f.tf, 0, cur_make(dg, n), (uint32_t)n));
    /* and the flow says so through the capture's callback, before reading it */
    n = other_initial(cur_make(fresh, 8), cur_make(fresh, 8));
    unsigned initials = f.tf->s->quic.packets[DIR_C2S][QP_INITIAL];
    assert_int_equal(fx_datagram(&f, 0, cur_make(dg, n), 5), FLOW_NEW_CONNECTION);
    assert_int_equal(f.tf->s->quic.packets[DIR_C2S][QP_INITIAL], initials);
    fx_free(&f);
}

static void version_negotiation_and_retry(void **state)
{
    (void)state;
    struct fx f;
    fx_open_udp(&f);
    /* a reserved version first: not readable, and no session yet */
    static const uint8_t reserved[] = {0xc3, 0x1a, 0x2a, 0x3a, 0x4a, 8, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0, 0};
    fx_datagram(&f, 0, cur_make(reserved, sizeof(reserved)), 2);
    assert_null(f.tf->s);
    static const uint8_t vn[] = {0x80, 0, 0, 0, 0, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 1, 0x6b, 0x33, 0x43, 0xcf};
    fx_datagram(&f, 1, cur_make(vn, sizeof(vn)), 3);
    struct session *s = f.tf->s;
    assert_non_null(s);
    assert_int_equal(s->quic.offered.n, 2);
    assert_int_equal(s->quic.offered.v[1], 0x6b3343cf);
    /* a Retry: its token is kept; the client's next Initial uses new keys */
    static const uint8_t retry[] = {0xf0, 0, 0, 0, 1, 0, 4, 0xee, 0xee, 0xee, 0xee, 't', 'o', 'k', 'e', 'n',
                                    1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    fx_datagram(&f, 1, cur_make(retry, sizeof(retry)), 4);
    assert_int_equal(s->quic.retries, 1);
    assert_int_equal(s->quic.retry_token.len, 5);
    client_flight(&f, 1);
    assert_true(s->ch.present);
    assert_int_equal(s->quic.first_version, 0x1a2a3a4a);
    assert_int_equal(s->quic.version, 1);
    assert_int_equal(s->quic.packets[DIR_S2C][QP_VERSION_NEG], 1);
    assert_int_equal(s->quic.packets[DIR_S2C][QP_RETRY], 1);
    fx_free(&f);
}

static void close_is_an_alert(void **state)
{
    (void)state;
    struct fx f;
    fx_open_udp(&f);
    client_flight(&f, 1);
    b_reset(&frames);
    static const uint8_t close[] = {0x1c, 0x41, 0x78, 0x06, 0x05, 'n', 'o', ' ', 'h', '3'}; /* 0x178: alert 120 */
    b_bytes(&frames, close, sizeof(close));
    fx_datagram(&f, 1, cur_make(dg, server_initial(1, 0, &frames, dg)), 4);
    struct session *s = f.tf->s;
    assert_true(s->quic.close_seen);
    assert_int_equal(s->quic.close_code, 0x178);
    assert_string_equal(s->quic.close_reason, "no h3");
    assert_int_equal(s->alerts.n, 1);
    assert_int_equal(s->alerts.v[0].desc, 120);
    assert_int_equal(s->alerts.v[0].dir, DIR_S2C);
    fx_free(&f);
}

static void damaged_packets(void **state)
{
    (void)state;
    b_reset(&hello);
    tls_client_hello(&hello, "quic.example", NULL);
    b_reset(&frames);
    crypto_frame(&frames, 0, hello.b, hello.n);
    size_t n = client_initial(1, 0, &frames, dg);
    /* a client's Initial in a datagram under 1200 bytes is not opened */
    struct fx f;
    fx_open_udp(&f);
    static uint8_t short_dg[1400];
    size_t small = quic_initial_packet(1, false, cur_make(dcid, 8), cur_make(dcid, 8), cur_make(cscid, 4), 0,
                                       frames.b, frames.n, short_dg);
    assert_true(small < 1200);
    fx_datagram(&f, 0, cur_make(short_dg, small), 2);
    assert_null(f.tf->s);
    fx_free(&f);
    /* one flipped byte of ciphertext: the packet does not authenticate */
    fx_open_udp(&f);
    dg[n - 5] ^= 1;
    fx_datagram(&f, 0, cur_make(dg, n), 2);
    assert_null(f.tf->s);
    dg[n - 5] ^= 1;
    fx_free(&f);
    /* every truncation: no ClientHello until the whole packet, nothing read past the end */
    for (size_t cut = 0; cut < n; cut++) {
        fx_open_udp(&f);
        fx_datagram(&f, 0, cur_make(dg, cut), 2);
        assert_true(!f.tf->s || !f.tf->s->ch.present);
        fx_free(&f);
    }
    fx_open_udp(&f);
    fx_datagram(&f, 0, cur_make(dg, n), 2);
    assert_true(f.tf->s->ch.present);
    fx_free(&f);
}

/* CRYPTO frames that overlap, repeat and reach past the limit. */
static void crypto_stream_edges(void **state)
{
    (void)state;
    b_reset(&hello);
    tls_client_hello(&hello, "quic.example", NULL);
    struct fx f;
    fx_open_udp(&f);
    b_reset(&frames);
    crypto_frame(&frames, 10, hello.b + 10, 40);
    crypto_frame(&frames, 0, hello.b, 20);          /* overlaps the first */
    crypto_frame(&frames, 0, hello.b, 20);          /* a repeat */
    crypto_frame(&frames, 30, hello.b + 30, hello.n - 30);
    crypto_frame(&frames, 0x3fffff00, hello.b, 16); /* far past the handshake limit */
    fx_datagram(&f, 0, cur_make(dg, client_initial(1, 0, &frames, dg)), 2);
    struct session *s = f.tf->s;
    assert_true(s->ch.present);
    assert_int_equal(s->ch.sni.n, 1);
    assert_true(fx_has_anomaly(s, "quic_crypto_dropped"));
    fx_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(initial_keys_v1),
        cmocka_unit_test(initial_keys_v2),
        cmocka_unit_test(hkdf_as_openssl),
        cmocka_unit_test(header_protection_masks),
        cmocka_unit_test(retry_integrity),
        cmocka_unit_test(version_names),
        cmocka_unit_test(client_hello_in_pieces),
        cmocka_unit_test(server_answers),
        cmocka_unit_test(new_connection_on_the_same_ports),
        cmocka_unit_test(version_negotiation_and_retry),
        cmocka_unit_test(close_is_an_alert),
        cmocka_unit_test(damaged_packets),
        cmocka_unit_test(crypto_stream_edges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
