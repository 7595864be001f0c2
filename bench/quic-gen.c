/* quic-gen: QUIC captures around real OpenSSL TLS 1.3 handshakes.
 *
 * Debian 12's OpenSSL 3.0 has no QUIC, so the handshake runs as TLS 1.3
 * over memory BIOs (no middlebox compatibility, no tickets, ALPN h3, the
 * quic_transport_parameters extension added as a custom one), the key log
 * callback hands over its secrets, and the records are opened here to
 * take out the handshake messages. Those messages then travel as QUIC
 * does it (RFC 9000, RFC 9001, RFC 9369): CRYPTO frames in Initial and
 * Handshake packets, Initial keys from the client's first Destination
 * Connection ID, the other levels' keys from the key log's secrets, AEAD
 * and header protection, coalesced packets, Initial datagrams padded to
 * 1200 bytes, then a request and a response in 1-RTT packets.
 *
 * This file derives every key itself (HKDF through OpenSSL's EVP_KDF) and
 * shares no code with tlsscope, and tests/quic-traces.py checks each
 * capture against tshark's own QUIC decryption, so the two cannot drift
 * into agreeing only with each other.
 *
 *   quic-gen --pki DIR [--keylog FILE] [--version 1|2|draft-29]
 *            [--cipher TLS_AES_128_GCM_SHA256|TLS_AES_256_GCM_SHA384|
 *                      TLS_CHACHA20_POLY1305_SHA256]
 *            [--split] [--retry] [--vn] [--refuse] [--no-answer]
 *            [--connections N] [--unique U] [--seed S] OUT.pcap
 *
 * --split sends the ClientHello in two CRYPTO frames, the second first
 * (as Chrome does); --retry has the server answer the first Initial with a
 * Retry; --vn has the client try a reserved version first and the server
 * answer with Version Negotiation; --refuse has the server refuse the
 * client's ALPN, which QUIC carries as CONNECTION_CLOSE with a crypto
 * error; --no-answer has no server: the client sends its Initial three
 * times, as when UDP is blocked; --forged-retry has a Retry with a wrong
 * integrity tag, which the client ignores; --rebind moves the client to
 * another port after the handshake (a NAT rebinding). --connections N
 * writes N connections (one after another, each on its own client address
 * and port, or with --same-ports all on one) made from U distinct
 * handshakes. */
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/ssl.h>

#include "common.h"

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static void fill_random(uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)rnd();
}

/* ---- byte strings ------------------------------------------------------------ */

struct bytes {
    uint8_t *p;
    size_t n, cap;
};

static void put(struct bytes *b, const void *p, size_t n)
{
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 256;
        while (cap < b->n + n)
            cap *= 2;
        b->p = realloc(b->p, cap);
        if (!b->p)
            die("out of memory");
        b->cap = cap;
    }
    if (n)
        memcpy(b->p + b->n, p, n);
    b->n += n;
}

static void put8(struct bytes *b, uint8_t v)
{
    put(b, &v, 1);
}

static void put_varint(struct bytes *b, uint64_t v)
{
    uint8_t x[8];
    if (v < 64) {
        put8(b, (uint8_t)v);
    } else if (v < 16384) {
        x[0] = (uint8_t)(0x40 | v >> 8), x[1] = (uint8_t)v;
        put(b, x, 2);
    } else if (v < 1073741824) {
        for (int i = 0; i < 4; i++)
            x[i] = (uint8_t)(v >> (24 - 8 * i));
        x[0] |= 0x80;
        put(b, x, 4);
    } else {
        for (int i = 0; i < 8; i++)
            x[i] = (uint8_t)(v >> (56 - 8 * i));
        x[0] |= 0xc0;
        put(b, x, 8);
    }
}

/* ---- keys ------------------------------------------------------------------------ */

struct suite {
    const char *name, *aead, *hp, *md;
    size_t key_len;
};

static const struct suite suites[] = {
    {"TLS_AES_128_GCM_SHA256", "AES-128-GCM", "AES-128-ECB", "SHA256", 16},
    {"TLS_AES_256_GCM_SHA384", "AES-256-GCM", "AES-256-ECB", "SHA384", 32},
    {"TLS_CHACHA20_POLY1305_SHA256", "ChaCha20-Poly1305", "ChaCha20", "SHA256", 32},
};

static void hkdf(int mode, const char *md, const uint8_t *key, size_t key_len, const uint8_t *salt,
                 size_t salt_len, const uint8_t *info, size_t info_len, uint8_t *out, size_t out_len)
{
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
    EVP_KDF_CTX *k = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
    OSSL_PARAM params[6], *p = params;
    *p++ = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
    *p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)md, 0);
    *p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)key, key_len);
    if (salt)
        *p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, salt_len);
    if (info)
        *p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info, info_len);
    *p = OSSL_PARAM_construct_end();
    if (!k || EVP_KDF_derive(k, out, out_len, params) != 1)
        die("HKDF failed");
    EVP_KDF_CTX_free(k);
    EVP_KDF_free(kdf);
}

/* HKDF-Expand-Label with an empty context (RFC 8446 7.1) */
static void expand_label(const char *md, const uint8_t *secret, size_t len, const char *label, uint8_t *out,
                         size_t out_len)
{
    uint8_t info[300];
    size_t l = strlen(label);
    info[0] = (uint8_t)(out_len >> 8), info[1] = (uint8_t)out_len;
    info[2] = (uint8_t)(6 + l);
    memcpy(info + 3, "tls13 ", 6);
    memcpy(info + 9, label, l);
    info[9 + l] = 0;
    hkdf(EVP_KDF_HKDF_MODE_EXPAND_ONLY, md, secret, len, NULL, 0, info, 10 + l, out, out_len);
}

struct version {
    uint32_t code;
    const char *name, *prefix; /* the labels' "quic " or "quicv2 " */
    uint8_t salt[20];
    uint8_t retry_key[16], retry_nonce[12];
    uint8_t types[4]; /* the header's type bits of Initial, 0-RTT, Handshake, Retry */
};

static const struct version versions[] = {
    {1, "1", "quic ",
     {0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17, 0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a},
     {0xbe, 0x0c, 0x69, 0x0b, 0x9f, 0x66, 0x57, 0x5a, 0x1d, 0x76, 0x6b, 0x54, 0xe3, 0x68, 0xc8, 0x4e},
     {0x46, 0x15, 0x99, 0xd3, 0x5d, 0x63, 0x2b, 0xf2, 0x23, 0x98, 0x25, 0xbb},
     {0, 1, 2, 3}},
    {0x6b3343cf, "2", "quicv2 ",
     {0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93, 0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb, 0xf9, 0xbd, 0x2e, 0xd9},
     {0x8f, 0xb4, 0xb0, 0x1b, 0x56, 0xac, 0x48, 0xe2, 0x60, 0xfb, 0xcb, 0xce, 0xad, 0x7c, 0xcc, 0x92},
     {0xd8, 0x69, 0x69, 0xbc, 0x2d, 0x7c, 0x6d, 0x99, 0x90, 0xef, 0xb0, 0x4a},
     {1, 2, 3, 0}},
    {0xff00001d, "draft-29", "quic ",
     {0xaf, 0xbf, 0xec, 0x28, 0x99, 0x93, 0xd2, 0x4c, 0x9e, 0x97, 0x86, 0xf1, 0x9c, 0x61, 0x11, 0xe0, 0x43, 0x90, 0xa8, 0x99},
     {0xcc, 0xce, 0x18, 0x7e, 0xd0, 0x9a, 0x09, 0xd0, 0x57, 0x28, 0x15, 0x5a, 0x6c, 0xb9, 0x6b, 0xe1},
     {0xe5, 0x49, 0x30, 0xf9, 0x7f, 0x21, 0x36, 0xf0, 0x53, 0x0a, 0x8c, 0x1c},
     {0, 1, 2, 3}},
};

enum { INITIAL, ZERO_RTT, HANDSHAKE, RETRY };

struct keys {
    const struct suite *su;
    uint8_t key[32], iv[12], hp[32];
};

static void keys_from(const struct version *v, const struct suite *su, const uint8_t *secret, size_t len,
                      struct keys *k)
{
    char label[32];
    k->su = su;
    snprintf(label, sizeof(label), "%skey", v->prefix);
    expand_label(su->md, secret, len, label, k->key, su->key_len);
    snprintf(label, sizeof(label), "%siv", v->prefix);
    expand_label(su->md, secret, len, label, k->iv, 12);
    snprintf(label, sizeof(label), "%shp", v->prefix);
    expand_label(su->md, secret, len, label, k->hp, su->key_len);
}

static void initial_keys(const struct version *v, const uint8_t *dcid, size_t n, struct keys k[2])
{
    uint8_t initial[32], side[32];
    hkdf(EVP_KDF_HKDF_MODE_EXTRACT_ONLY, "SHA256", dcid, n, v->salt, 20, NULL, 0, initial, 32);
    expand_label("SHA256", initial, 32, "client in", side, 32);
    keys_from(v, &suites[0], side, 32, &k[0]);
    expand_label("SHA256", initial, 32, "server in", side, 32);
    keys_from(v, &suites[0], side, 32, &k[1]);
}

static void aead(const char *alg, const uint8_t *key, const uint8_t nonce[12], const uint8_t *aad, size_t aad_len,
                 const uint8_t *in, size_t n, uint8_t *out, bool seal)
{
    EVP_CIPHER *c = EVP_CIPHER_fetch(NULL, alg, NULL);
    EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
    int len = 0;
    bool ok = c && x && EVP_CipherInit_ex2(x, c, NULL, NULL, seal, NULL) == 1 &&
              EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_SET_IVLEN, 12, NULL) == 1 &&
              EVP_CipherInit_ex2(x, NULL, key, nonce, seal, NULL) == 1;
    if (ok && !seal)
        ok = EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_SET_TAG, 16, (void *)(in + n)) == 1;
    ok = ok && EVP_CipherUpdate(x, NULL, &len, aad, (int)aad_len) == 1 &&
         EVP_CipherUpdate(x, out, &len, in, (int)n) == 1 && EVP_CipherFinal_ex(x, out + len, &len) == 1;
    if (ok && seal)
        ok = EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_GET_TAG, 16, out + n) == 1;
    if (!ok)
        die("%s %s failed", alg, seal ? "sealing" : "opening");
    EVP_CIPHER_CTX_free(x);
    EVP_CIPHER_free(c);
}

static void hp_mask(const struct keys *k, const uint8_t sample[16], uint8_t mask[5])
{
    EVP_CIPHER *c = EVP_CIPHER_fetch(NULL, k->su->hp, NULL);
    EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
    uint8_t out[32];
    static const uint8_t zeros[16];
    int len = 0;
    bool chacha = strcmp(k->su->hp, "ChaCha20") == 0;
    bool ok = c && x && EVP_EncryptInit_ex2(x, c, k->hp, chacha ? sample : NULL, NULL) == 1 &&
              EVP_CIPHER_CTX_set_padding(x, 0) == 1 &&
              EVP_EncryptUpdate(x, out, &len, chacha ? zeros : sample, chacha ? 5 : 16) == 1;
    if (!ok)
        die("header protection failed");
    memcpy(mask, out, 5);
    EVP_CIPHER_CTX_free(x);
    EVP_CIPHER_free(c);
}

/* ---- the TLS handshake ---------------------------------------------------------- */

/* What one real handshake gave: each side's handshake bytes by level, and
 * the secrets (kept in the key log too). */
struct handshake {
    const struct suite *su;
    size_t secret_len;
    uint8_t chts[48], shts[48], cats[48], sats[48];
    struct bytes crypto[2][2]; /* [side 0 client, 1 server][level 0 Initial, 1 Handshake] */
    bool refused;
    uint8_t alert;
};

static struct handshake *current;
static FILE *keylog_out;

static bool hex_secret(const char *hex, uint8_t *out, size_t *len)
{
    size_t n = strlen(hex) / 2;
    if (n > 48)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        if (sscanf(hex + 2 * i, "%2x", &v) != 1)
            return false;
        out[i] = (uint8_t)v;
    }
    *len = n;
    return true;
}

static void on_keylog(const SSL *ssl, const char *line)
{
    (void)ssl;
    if (keylog_out)
        fprintf(keylog_out, "%s\n", line);
    char label[64], random[80], secret[120];
    if (!current || sscanf(line, "%63s %79s %119s", label, random, secret) != 3)
        return;
    uint8_t *to = !strcmp(label, "CLIENT_HANDSHAKE_TRAFFIC_SECRET") ? current->chts
                : !strcmp(label, "SERVER_HANDSHAKE_TRAFFIC_SECRET") ? current->shts
                : !strcmp(label, "CLIENT_TRAFFIC_SECRET_0")         ? current->cats
                : !strcmp(label, "SERVER_TRAFFIC_SECRET_0")         ? current->sats : NULL;
    if (to && !hex_secret(secret, to, &current->secret_len))
        die("bad key log line");
}

static const uint8_t transport_params[] = {
    0x01, 0x04, 0x80, 0x00, 0x75, 0x30, /* max_idle_timeout 30000 ms */
    0x04, 0x04, 0x80, 0x10, 0x00, 0x00, /* initial_max_data 1 MiB */
    0x08, 0x02, 0x40, 0x64,             /* initial_max_streams_bidi 100 */
};

static int tp_add(SSL *s, unsigned type, unsigned ctx, const unsigned char **out, size_t *len, X509 *x,
                  size_t chain, int *al, void *arg)
{
    (void)s, (void)type, (void)ctx, (void)x, (void)chain, (void)al, (void)arg;
    *out = transport_params;
    *len = sizeof(transport_params);
    return 1;
}

static int tp_parse(SSL *s, unsigned type, unsigned ctx, const unsigned char *in, size_t len, X509 *x,
                    size_t chain, int *al, void *arg)
{
    (void)s, (void)type, (void)ctx, (void)in, (void)len, (void)x, (void)chain, (void)al, (void)arg;
    return 1;
}

static bool refuse_alpn, no_answer, rebind, forged_retry;

static int select_alpn(SSL *ssl, const unsigned char **out, unsigned char *outlen, const unsigned char *in,
                       unsigned int inlen, void *arg)
{
    (void)ssl, (void)arg;
    if (refuse_alpn)
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    return SSL_select_next_proto((unsigned char **)out, outlen, (const unsigned char *)"\x02h3", 3, in, inlen) ==
                   OPENSSL_NPN_NEGOTIATED
               ? SSL_TLSEXT_ERR_OK
               : SSL_TLSEXT_ERR_ALERT_FATAL;
}

static SSL_CTX *context(bool server, const char *pki, const struct suite *su)
{
    SSL_CTX *c = SSL_CTX_new(TLS_method());
    if (!c || !SSL_CTX_set_min_proto_version(c, TLS1_3_VERSION) ||
        !SSL_CTX_set_ciphersuites(c, su->name))
        die("SSL_CTX_new failed");
    SSL_CTX_clear_options(c, SSL_OP_ENABLE_MIDDLEBOX_COMPAT); /* QUIC has no ChangeCipherSpec */
    SSL_CTX_set_keylog_callback(c, on_keylog);
    unsigned where = SSL_EXT_CLIENT_HELLO | SSL_EXT_TLS1_3_ENCRYPTED_EXTENSIONS;
    if (!SSL_CTX_add_custom_ext(c, 57, where, tp_add, NULL, NULL, tp_parse, NULL))
        die("adding quic_transport_parameters failed");
    if (server) {
        char cert[4096], key[4096];
        snprintf(cert, sizeof(cert), "%s/server-ecdsa.pem", pki);
        snprintf(key, sizeof(key), "%s/server-ecdsa.key", pki);
        if (SSL_CTX_use_certificate_chain_file(c, cert) != 1 ||
            SSL_CTX_use_PrivateKey_file(c, key, SSL_FILETYPE_PEM) != 1)
            die("cannot load %s", cert);
        SSL_CTX_set_num_tickets(c, 0);
        SSL_CTX_set_alpn_select_cb(c, select_alpn, NULL);
    } else {
        SSL_CTX_set_verify(c, SSL_VERIFY_NONE, NULL);
        if (SSL_CTX_set_alpn_protos(c, (const unsigned char *)"\x02h3", 3) != 0)
            die("ALPN failed");
    }
    return c;
}

/* Open the TLS 1.3 records one side wrote and keep their handshake
 * messages, by level; a plaintext alert is the refusal. */
static void take_records(struct handshake *h, int side, BIO *from, BIO *to, uint64_t *seq)
{
    uint8_t buf[65536];
    int n;
    struct bytes all = {0};
    while ((n = BIO_read(from, buf, sizeof(buf))) > 0) {
        put(&all, buf, (size_t)n);
        if (to && BIO_write(to, buf, n) != n)
            die("BIO_write failed");
    }
    for (size_t at = 0; at + 5 <= all.n;) {
        uint8_t type = all.p[at];
        size_t len = (size_t)all.p[at + 3] << 8 | all.p[at + 4];
        const uint8_t *body = all.p + at + 5;
        if (type == 22) {
            put(&h->crypto[side][0], body, len);
        } else if (type == 21) {
            h->refused = true;
            h->alert = body[1];
        } else if (type == 23) {
            struct keys k;
            uint8_t nonce[12], plain[65536];
            struct version plain_v = versions[0];
            plain_v.prefix = ""; /* TLS's own "key" and "iv" */
            keys_from(&plain_v, h->su, side ? h->shts : h->chts, h->secret_len, &k);
            memcpy(nonce, k.iv, 12);
            for (int i = 0; i < 8; i++)
                nonce[11 - i] ^= (uint8_t)(*seq >> (8 * i));
            (*seq)++;
            aead(h->su->aead, k.key, nonce, all.p + at, 5, body, len - 16, plain, false);
            size_t m = len - 16;
            while (m && plain[m - 1] == 0)
                m--;
            if (m && plain[m - 1] == 22)
                put(&h->crypto[side][1], plain, m - 1);
            else if (m && plain[m - 1] == 21)
                h->refused = true, h->alert = plain[0 + 1];
        }
        at += 5 + len;
    }
    free(all.p);
}

static void run_handshake(const char *pki, const struct suite *su, struct handshake *h)
{
    memset(h, 0, sizeof(*h));
    h->su = su;
    current = h;
    SSL_CTX *cc = context(false, pki, su), *sc = context(true, pki, su);
    SSL *c = SSL_new(cc), *s = SSL_new(sc);
    BIO *c_in = BIO_new(BIO_s_mem()), *c_out = BIO_new(BIO_s_mem());
    BIO *s_in = BIO_new(BIO_s_mem()), *s_out = BIO_new(BIO_s_mem());
    if (!c || !s || !c_in || !c_out || !s_in || !s_out)
        die("SSL_new failed");
    SSL_set_bio(c, c_in, c_out);
    SSL_set_bio(s, s_in, s_out);
    SSL_set_connect_state(c);
    SSL_set_accept_state(s);
    SSL_set_tlsext_host_name(c, "localhost");
    uint64_t seq[2] = {0, 0};
    for (int round = 0; round < 8; round++) {
        int rc = SSL_do_handshake(c);
        take_records(h, 0, c_out, s_in, &seq[0]);
        int rs = SSL_do_handshake(s);
        take_records(h, 1, s_out, c_in, &seq[1]);
        if ((rc == 1 && rs == 1) || h->refused)
            break;
    }
    SSL_do_handshake(c);
    take_records(h, 0, c_out, NULL, &seq[0]);
    ERR_clear_error();
    if (!h->refused && (!h->crypto[0][1].n || !h->crypto[1][1].n))
        die("the handshake did not finish");
    SSL_free(c);
    SSL_free(s);
    SSL_CTX_free(cc);
    SSL_CTX_free(sc);
    current = NULL;
}

/* ---- packets and the capture -------------------------------------------------- */

struct conn {
    const struct version *v;
    const struct handshake *h;
    uint8_t dcid[8], scid[8], server_cid[8];
    uint8_t client_ip[4], server_ip[4];
    uint16_t client_port, server_port;
    struct keys initial[2], hs[2], app[2];
    uint64_t pn[2][3]; /* [side][Initial, Handshake, 1-RTT] */
    bool heard_server;
    struct bytes token;
};

static FILE *out;
static int64_t clock_us; /* the capture's clock, from capture_start */

static void write_pcap_header(void)
{
    uint32_t h[6] = {0xa1b2c3d4, 0x00040002, 0, 0, 262144, 1};
    if (fwrite(h, sizeof(h), 1, out) != 1)
        die("writing the capture failed");
}

static uint16_t checksum(const uint8_t *p, size_t n)
{
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < n; i += 2)
        sum += (uint32_t)(p[i] << 8 | p[i + 1]);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

static void datagram(const struct conn *k, int side, const struct bytes *payload)
{
    uint8_t hdr[14 + 20 + 8] = {0};
    memcpy(hdr, side ? "\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02" : "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01", 12);
    hdr[12] = 0x08;
    uint8_t *ip = hdr + 14, *udp = ip + 20;
    size_t tl = 20 + 8 + payload->n;
    ip[0] = 0x45, ip[2] = (uint8_t)(tl >> 8), ip[3] = (uint8_t)tl, ip[6] = 0x40, ip[8] = 64, ip[9] = 17;
    memcpy(ip + 12, side ? k->server_ip : k->client_ip, 4);
    memcpy(ip + 16, side ? k->client_ip : k->server_ip, 4);
    uint16_t c = checksum(ip, 20);
    ip[10] = (uint8_t)(c >> 8), ip[11] = (uint8_t)c;
    uint16_t sp = side ? k->server_port : k->client_port, dp = side ? k->client_port : k->server_port;
    udp[0] = (uint8_t)(sp >> 8), udp[1] = (uint8_t)sp, udp[2] = (uint8_t)(dp >> 8), udp[3] = (uint8_t)dp;
    udp[4] = (uint8_t)((8 + payload->n) >> 8), udp[5] = (uint8_t)(8 + payload->n);
    clock_us += 200 + (int64_t)(rnd() % 3000);
    uint32_t rec[4] = {(uint32_t)(clock_us / 1000000), (uint32_t)(clock_us % 1000000),
                       (uint32_t)(sizeof(hdr) + payload->n), (uint32_t)(sizeof(hdr) + payload->n)};
    if (fwrite(rec, sizeof(rec), 1, out) != 1 || fwrite(hdr, sizeof(hdr), 1, out) != 1 ||
        fwrite(payload->p, 1, payload->n, out) != payload->n)
        die("writing the capture failed");
}

/* Seal frames into a packet: the header up to the packet number, the
 * packet number (2 bytes), the AEAD, then header protection. */
static void seal(struct bytes *dg, const struct keys *k, struct bytes *hdr, size_t length_at, uint64_t pn,
                 struct bytes *frames, bool long_header)
{
    while (frames->n < 20)
        put8(frames, 0); /* enough ciphertext for the header protection sample */
    size_t pn_at = hdr->n;
    if (length_at) { /* the Length field: 2-byte varint of packet number + payload + tag */
        size_t len = 2 + frames->n + 16;
        hdr->p[length_at] = (uint8_t)(0x40 | len >> 8);
        hdr->p[length_at + 1] = (uint8_t)len;
    }
    put8(hdr, (uint8_t)(pn >> 8));
    put8(hdr, (uint8_t)pn);
    uint8_t nonce[12];
    memcpy(nonce, k->iv, 12);
    for (int i = 0; i < 8; i++)
        nonce[11 - i] ^= (uint8_t)(pn >> (8 * i));
    size_t start = dg->n;
    put(dg, hdr->p, hdr->n);
    struct bytes room = {0};
    put(&room, frames->p, frames->n);
    put(&room, frames->p, 16); /* room for the tag */
    aead(k->su->aead, k->key, nonce, hdr->p, hdr->n, frames->p, frames->n, room.p, true);
    put(dg, room.p, frames->n + 16);
    free(room.p);
    uint8_t mask[5];
    hp_mask(k, dg->p + start + pn_at + 4 - 2 + 2, mask);
    dg->p[start] ^= mask[0] & (long_header ? 0x0f : 0x1f);
    dg->p[start + pn_at] ^= mask[1];
    dg->p[start + pn_at + 1] ^= mask[2];
    frames->n = 0;
    hdr->n = 0;
}

static void long_packet(struct bytes *dg, struct conn *k, int side, int type, struct bytes *frames)
{
    struct bytes hdr = {0};
    int level = type == HANDSHAKE ? 1 : 0;
    put8(&hdr, (uint8_t)(0xc0 | k->v->types[type] << 4 | 0x01)); /* packet number length 2 */
    for (int i = 0; i < 4; i++)
        put8(&hdr, (uint8_t)(k->v->code >> (24 - 8 * i)));
    /* once it heard from the server, a client sends to the server's ID (RFC 9000 7.2) */
    const uint8_t *dcid = side ? k->scid : k->heard_server ? k->server_cid : k->dcid;
    const uint8_t *scid = side ? k->server_cid : k->scid;
    put8(&hdr, 8);
    put(&hdr, dcid, 8);
    put8(&hdr, 8);
    put(&hdr, scid, 8);
    if (type == INITIAL) {
        put_varint(&hdr, side ? 0 : k->token.n);
        if (!side)
            put(&hdr, k->token.p, k->token.n);
    }
    size_t length_at = hdr.n;
    put8(&hdr, 0);
    put8(&hdr, 0);
    const struct keys *keys = level ? &k->hs[side] : &k->initial[side];
    seal(dg, keys, &hdr, length_at, k->pn[side][level]++, frames, true);
    free(hdr.p);
    k->heard_server |= side == 1;
}

static void short_packet(struct bytes *dg, struct conn *k, int side, struct bytes *frames)
{
    struct bytes hdr = {0};
    put8(&hdr, 0x41); /* fixed bit, packet number length 2 */
    put(&hdr, side ? k->scid : k->server_cid, 8);
    seal(dg, &k->app[side], &hdr, 0, k->pn[side][2]++, frames, false);
    free(hdr.p);
}

static void crypto_frame(struct bytes *f, uint64_t offset, const uint8_t *p, size_t n)
{
    put8(f, 0x06);
    put_varint(f, offset);
    put_varint(f, n);
    put(f, p, n);
}

static void ack_frame(struct bytes *f, uint64_t largest)
{
    put8(f, 0x02);
    put_varint(f, largest);
    put_varint(f, 0);
    put_varint(f, 0);
    put_varint(f, 0);
}

/* Padding inside the last packet, so the datagram is at least 1200 bytes
 * (RFC 9000 14.1): the frames are sealed later, their size known now. */
static void pad_to(struct bytes *frames, size_t already, size_t header)
{
    size_t total = already + header + 2 + frames->n + 16;
    while (total < 1200) {
        put8(frames, 0);
        total++;
    }
}

/* A Retry from the server, or with forged set one whose integrity tag is
 * wrong (made by something on the path): a client throws that away and
 * goes on as before (RFC 9001 5.8). */
static void retry_packet(struct conn *k, bool forged)
{
    struct bytes dg = {0}, pseudo = {0};
    uint8_t new_cid[8];
    fill_random(new_cid, 8);
    put8(&dg, (uint8_t)(0xc0 | k->v->types[RETRY] << 4));
    for (int i = 0; i < 4; i++)
        put8(&dg, (uint8_t)(k->v->code >> (24 - 8 * i)));
    put8(&dg, 8);
    put(&dg, k->scid, 8);
    put8(&dg, 8);
    put(&dg, new_cid, 8);
    k->token.n = 0;
    uint8_t token[24];
    fill_random(token, sizeof(token));
    put(&k->token, token, sizeof(token));
    put(&dg, token, sizeof(token));
    /* the integrity tag: AES-128-GCM over the pseudo-packet (RFC 9001 5.8) */
    put8(&pseudo, 8);
    put(&pseudo, k->dcid, 8);
    put(&pseudo, dg.p, dg.n);
    uint8_t tag[16];
    aead("AES-128-GCM", k->v->retry_key, k->v->retry_nonce, pseudo.p, pseudo.n, NULL, 0, tag, true);
    tag[0] ^= forged;
    put(&dg, tag, 16);
    datagram(k, 1, &dg);
    if (!forged) { /* the client starts again towards the Retry's connection ID */
        memcpy(k->dcid, new_cid, 8);
        initial_keys(k->v, k->dcid, 8, k->initial);
    }
    free(dg.p);
    free(pseudo.p);
}

static void version_negotiation(struct conn *k)
{
    struct bytes dg = {0}, f = {0};
    /* the client's Initial in a reserved version, which no server speaks */
    put8(&dg, 0xc3);
    put(&dg, "\x1a\x2a\x3a\x4a", 4);
    put8(&dg, 8);
    put(&dg, k->dcid, 8);
    put8(&dg, 8);
    put(&dg, k->scid, 8);
    uint8_t junk[1200 - 23];
    fill_random(junk, sizeof(junk));
    put(&dg, junk, sizeof(junk));
    datagram(k, 0, &dg);
    dg.n = 0;
    put8(&dg, 0x80 | (uint8_t)(rnd() & 0x7f));
    put(&dg, "\0\0\0\0", 4);
    put8(&dg, 8);
    put(&dg, k->scid, 8);
    put8(&dg, 8);
    put(&dg, k->dcid, 8);
    for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++)
        for (int b = 0; b < 4; b++)
            put8(&dg, (uint8_t)(versions[i].code >> (24 - 8 * b)));
    datagram(k, 1, &dg);
    /* a new attempt in a version the server offered, with a new connection ID */
    fill_random(k->dcid, 8);
    initial_keys(k->v, k->dcid, 8, k->initial);
    free(dg.p);
    free(f.p);
}

static void connection(struct conn *k, bool split, bool retry, bool vn)
{
    const struct handshake *h = k->h;
    struct bytes dg = {0}, f = {0};
    initial_keys(k->v, k->dcid, 8, k->initial);
    if (vn)
        version_negotiation(k);
    const struct bytes *ch = &h->crypto[0][0];
    for (int attempt = 0; attempt < (retry ? 2 : no_answer ? 3 : 1); attempt++) {
        if (no_answer && attempt)
            clock_us += 300000LL << (attempt - 1); /* the probe timeout, doubling */
        /* the client's first flight: its ClientHello, whole or in two frames the second first */
        if (split) {
            size_t cut = ch->n / 2;
            crypto_frame(&f, cut, ch->p + cut, ch->n - cut);
            crypto_frame(&f, 0, ch->p, cut);
        } else {
            crypto_frame(&f, 0, ch->p, ch->n);
        }
        pad_to(&f, 0, 1 + 4 + 1 + 8 + 1 + 8 + 1 + k->token.n + 2);
        long_packet(&dg, k, 0, INITIAL, &f);
        datagram(k, 0, &dg);
        dg.n = 0;
        if (retry && attempt == 0)
            retry_packet(k, false);
        if (forged_retry && attempt == 0)
            retry_packet(k, true);
    }
    if (no_answer) {
        free(dg.p);
        free(f.p);
        return;
    }
    /* the server's answer: ServerHello in an Initial, the rest in Handshake packets */
    ack_frame(&f, k->pn[0][0] - 1);
    if (h->refused) {
        put8(&f, 0x1c);
        put_varint(&f, 0x100 + h->alert);
        put_varint(&f, 0);
        put_varint(&f, 0);
        long_packet(&dg, k, 1, INITIAL, &f);
        datagram(k, 1, &dg);
        free(dg.p);
        free(f.p);
        return;
    }
    const struct bytes *sh = &h->crypto[1][0], *rest = &h->crypto[1][1];
    crypto_frame(&f, 0, sh->p, sh->n);
    long_packet(&dg, k, 1, INITIAL, &f);
    keys_from(k->v, h->su, h->chts, h->secret_len, &k->hs[0]);
    keys_from(k->v, h->su, h->shts, h->secret_len, &k->hs[1]);
    keys_from(k->v, h->su, h->cats, h->secret_len, &k->app[0]);
    keys_from(k->v, h->su, h->sats, h->secret_len, &k->app[1]);
    size_t first = rest->n < 900 ? rest->n : 900;
    crypto_frame(&f, 0, rest->p, first);
    long_packet(&dg, k, 1, HANDSHAKE, &f);
    datagram(k, 1, &dg);
    dg.n = 0;
    for (size_t at = first; at < rest->n; at += 1100) {
        size_t n = rest->n - at < 1100 ? rest->n - at : 1100;
        crypto_frame(&f, at, rest->p + at, n);
        long_packet(&dg, k, 1, HANDSHAKE, &f);
        datagram(k, 1, &dg);
        dg.n = 0;
    }
    /* the client: an ACK in an Initial, its Finished in a Handshake packet */
    ack_frame(&f, k->pn[1][0] - 1);
    long_packet(&dg, k, 0, INITIAL, &f);
    const struct bytes *fin = &h->crypto[0][1];
    ack_frame(&f, k->pn[1][1] - 1);
    crypto_frame(&f, 0, fin->p, fin->n);
    pad_to(&f, dg.n, 1 + 4 + 1 + 8 + 1 + 8 + 2);
    long_packet(&dg, k, 0, HANDSHAKE, &f);
    datagram(k, 0, &dg);
    dg.n = 0;
    /* 1-RTT: a request on stream 0, the server's HANDSHAKE_DONE and answer */
    static const char request[] = "GET /index.html\r\n";
    put8(&f, 0x0b);
    put_varint(&f, 0);
    put_varint(&f, sizeof(request) - 1);
    put(&f, request, sizeof(request) - 1);
    short_packet(&dg, k, 0, &f);
    datagram(k, 0, &dg);
    dg.n = 0;
    put8(&f, 0x1e);
    ack_frame(&f, 0);
    char answer[300];
    memset(answer, 'x', sizeof(answer));
    put8(&f, 0x0b);
    put_varint(&f, 0);
    put_varint(&f, sizeof(answer));
    put(&f, answer, sizeof(answer));
    short_packet(&dg, k, 1, &f);
    datagram(k, 1, &dg);
    dg.n = 0;
    ack_frame(&f, 0);
    short_packet(&dg, k, 0, &f);
    datagram(k, 0, &dg);
    dg.n = 0;
    if (rebind) {
        /* a NAT gives the client a new port: same connection IDs, and the
         * server validates the new path (RFC 9000 8.2, 9.3) */
        k->client_port = (uint16_t)(k->client_port + 1000);
        clock_us += 5000000;
        put8(&f, 0x01); /* PING */
        short_packet(&dg, k, 0, &f);
        datagram(k, 0, &dg);
        dg.n = 0;
        uint8_t challenge[8];
        fill_random(challenge, sizeof(challenge));
        put8(&f, 0x1a);
        put(&f, challenge, sizeof(challenge));
        ack_frame(&f, k->pn[0][2] - 1);
        short_packet(&dg, k, 1, &f);
        datagram(k, 1, &dg);
        dg.n = 0;
        put8(&f, 0x1b);
        put(&f, challenge, sizeof(challenge));
        short_packet(&dg, k, 0, &f);
        datagram(k, 0, &dg);
    }
    free(dg.p);
    free(f.p);
}

int main(int argc, char **argv)
{
    bench_tool = "quic-gen";
    static const struct option opts[] = {
        {"pki", required_argument, NULL, 'p'},     {"keylog", required_argument, NULL, 'k'},
        {"version", required_argument, NULL, 'v'}, {"cipher", required_argument, NULL, 'c'},
        {"split", no_argument, NULL, 's'},         {"retry", no_argument, NULL, 'r'},
        {"vn", no_argument, NULL, 'n'},            {"refuse", no_argument, NULL, 'x'},
        {"no-answer", no_argument, NULL, 'a'},     {"rebind", no_argument, NULL, 'b'},
        {"same-ports", no_argument, NULL, 'P'},    {"forged-retry", no_argument, NULL, 'F'},
        {"connections", required_argument, NULL, 'N'}, {"unique", required_argument, NULL, 'U'},
        {"seed", required_argument, NULL, 'S'},    {NULL, 0, NULL, 0},
    };
    const char *pki = NULL, *keylog = NULL, *version = "1", *cipher = suites[0].name;
    bool split = false, retry = false, vn = false, same_ports = false;
    unsigned long connections = 1, unique = 1;
    int o;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case 'p': pki = optarg; break;
        case 'k': keylog = optarg; break;
        case 'v': version = optarg; break;
        case 'c': cipher = optarg; break;
        case 's': split = true; break;
        case 'r': retry = true; break;
        case 'n': vn = true; break;
        case 'x': refuse_alpn = true; break;
        case 'a': no_answer = true; break;
        case 'b': rebind = true; break;
        case 'P': same_ports = true; break;
        case 'F': forged_retry = true; break;
        case 'N': connections = strtoul(optarg, NULL, 10); break;
        case 'U': unique = strtoul(optarg, NULL, 10); break;
        case 'S': rng_state = strtoull(optarg, NULL, 10) * 0x9e3779b97f4a7c15ULL | 1; break;
        default: return 2;
        }
    }
    if (!pki || optind != argc - 1 || !connections || !unique) {
        fprintf(stderr, "usage: quic-gen --pki DIR [--keylog FILE] [--version 1|2|draft-29] [--cipher NAME]\n"
                        "                [--split] [--retry] [--forged-retry] [--vn] [--refuse] [--no-answer] [--rebind]\n"
                        "                [--connections N] [--same-ports]\n"
                        "                [--unique U]"
                        " [--seed S] OUT.pcap\n");
        return 2;
    }
    const struct version *v = NULL;
    for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++)
        if (!strcmp(versions[i].name, version))
            v = &versions[i];
    const struct suite *su = NULL;
    for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
        if (!strcmp(suites[i].name, cipher))
            su = &suites[i];
    if (!v || !su)
        die("unknown version %s or cipher suite %s", version, cipher);
    if (keylog && !(keylog_out = fopen(keylog, "w")))
        die("cannot write %s", keylog);
    if (!(out = fopen(argv[optind], "wb")))
        die("cannot write %s", argv[optind]);
    if (unique > connections)
        unique = connections;
    struct handshake *pool = calloc(unique, sizeof(*pool));
    if (!pool)
        die("out of memory");
    for (unsigned long i = 0; i < unique; i++)
        run_handshake(pki, su, &pool[i]);
    char leaf[4096];
    snprintf(leaf, sizeof(leaf), "%s/server-ecdsa.pem", pki);
    clock_us = capture_start(leaf) * 1000000;
    write_pcap_header();
    for (unsigned long i = 0; i < connections; i++) {
        struct conn k = {.v = v, .h = &pool[i % unique], .server_port = 443};
        fill_random(k.dcid, 8);
        fill_random(k.scid, 8);
        fill_random(k.server_cid, 8);
        /* --same-ports: one client socket reconnecting to one server */
        unsigned long at = same_ports ? 0 : i;
        memcpy(k.client_ip, (uint8_t[]){10, (uint8_t)(1 + at / 60000 % 250), 0, 1}, 4);
        memcpy(k.server_ip, (uint8_t[]){10, 200, 0, (uint8_t)(1 + at % 200)}, 4);
        k.client_port = (uint16_t)(1024 + at % 60000);
        connection(&k, split, retry, vn);
        free(k.token.p);
    }
    for (unsigned long i = 0; i < unique; i++)
        for (int s = 0; s < 2; s++)
            for (int l = 0; l < 2; l++)
                free(pool[i].crypto[s][l].p);
    free(pool);
    if (fclose(out) != 0 || (keylog_out && fclose(keylog_out) != 0))
        die("writing failed");
    return 0;
}
