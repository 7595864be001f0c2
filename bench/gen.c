/* tlsscope-benchgen: benchmark captures made of real OpenSSL handshakes.
 *
 * Client and server SSL objects talk through memory BIOs in this process;
 * every byte they write is what OpenSSL produced. Those byte streams are
 * cut into TCP segments (SYN, data, ACKs, FIN) on Ethernet/IPv4 or IPv6
 * and written as a pcap, many connections interleaved in time.
 *
 * The mix: TLS 1.2 and 1.3, RSA (3 certificates sent) and ECDSA (2) chains,
 * resumption, ALPN, SNI over thousands of names, TLS 1.2 suites with RSA and
 * ECDHE key exchange, and about one in ten handshakes failing (the client
 * rejects the chain, no shared protocol version, no shared cipher).
 *
 * A dense capture replays a pool of --unique distinct handshakes over
 * --sessions connections (each on its own addresses and ports); a bulk
 * capture gives each connection --bulk-bytes of application data, encrypted
 * by the real session. Every choice (versions, suites, names, failures,
 * addresses, timing) comes from --seed, so the same command writes the same
 * mix; only OpenSSL's keys and randoms are fresh each time.
 *
 *   tlsscope-benchgen --pki DIR --out FILE --sessions N
 *                     [--unique U] [--bulk-bytes B] [--seed S]
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "common.h"

static void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n);
    if (!p)
        die("out of memory");
    return p;
}

/* ---- the choices ------------------------------------------------ */

static uint64_t rng_state;

static uint64_t rnd(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint32_t below(uint32_t n) { return (uint32_t)(rnd() % n); }

/* ---- a connection's byte streams ---------------------------------------------- */

struct flight {
    uint8_t dir; /* 0: client to server */
    uint8_t *p;
    size_t n;
};

struct script {
    struct flight *v;
    size_t n, cap;
};

static void script_add(struct script *s, int dir, const uint8_t *p, size_t n)
{
    if (!n)
        return;
    struct flight *last = s->n ? &s->v[s->n - 1] : NULL;
    if (!last || last->dir != dir) {
        if (s->n == s->cap) {
            s->cap = s->cap ? s->cap * 2 : 8;
            s->v = xrealloc(s->v, s->cap * sizeof(*s->v));
        }
        last = &s->v[s->n++];
        *last = (struct flight){.dir = (uint8_t)dir};
    }
    last->p = xrealloc(last->p, last->n + n);
    memcpy(last->p + last->n, p, n);
    last->n += n;
}

static void script_free(struct script *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i].p);
    free(s->v);
    memset(s, 0, sizeof(*s));
}

/* Move what one side wrote to the other side's input, recording it. */
static void carry(struct script *s, int dir, BIO *from, BIO *to)
{
    uint8_t buf[16384];
    int n;
    while ((n = BIO_read(from, buf, sizeof(buf))) > 0) {
        script_add(s, dir, buf, (size_t)n);
        if (to && BIO_write(to, buf, n) != n)
            die("memory BIO write failed");
    }
}

/* ---- the TLS side ---------------------------------------------------------------- */

struct pki {
    SSL_CTX *server[2]; /* RSA, ECDSA */
};

static const unsigned char alpn_h2_h1[] = "\x02h2\x08http/1.1";
static const unsigned char alpn_h1[] = "\x08http/1.1";

static int select_alpn(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                       const unsigned char *in, unsigned int inlen, void *arg)
{
    (void)ssl;
    (void)arg;
    unsigned char *sel;
    if (SSL_select_next_proto(&sel, outlen, alpn_h2_h1, sizeof(alpn_h2_h1) - 1, in, inlen) !=
        OPENSSL_NPN_NEGOTIATED)
        return SSL_TLSEXT_ERR_NOACK;
    *out = sel;
    return SSL_TLSEXT_ERR_OK;
}

static SSL_CTX *server_ctx(const char *dir, const char *kind)
{
    char chain[4096], key[4096];
    snprintf(chain, sizeof(chain), "%s/%s-chain.pem", dir, kind);
    snprintf(key, sizeof(key), "%s/%s-leaf.key", dir, kind);
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx || SSL_CTX_use_certificate_chain_file(ctx, chain) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1)
        die("%s: cannot load the %s chain (run bench/gen-pki.sh %s)", chain, kind, dir);
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    /* RSA key exchange stays available, as on many MQ and legacy servers */
    SSL_CTX_set_cipher_list(ctx, "ECDHE:AES256-GCM-SHA384:AES128-SHA256:@SECLEVEL=1");
    SSL_CTX_set_alpn_select_cb(ctx, select_alpn, NULL);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
    SSL_CTX_set_session_id_context(ctx, (const unsigned char *)"bench", 5);
    return ctx;
}

enum failure { FAIL_NONE, FAIL_UNTRUSTED, FAIL_VERSION, FAIL_CIPHER };

struct hs_choice {
    int server;     /* index into pki.server */
    int max_version;
    enum failure failure;
    int alpn;       /* 0 none, 1 h2+http/1.1, 2 http/1.1 */
    bool sni;
    uint32_t name;
    int tls12_ciphers, tls13_ciphers, groups;
    bool resume;
};

static const char *const tls12_cipher_lists[] = {
    "DEFAULT",
    ("ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305:"
     "ECDHE-RSA-CHACHA20-POLY1305"),
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES256-GCM-SHA384:AES256-GCM-SHA384",
    "AES256-GCM-SHA384:AES128-SHA256",
};
static const char *const tls13_cipher_lists[] = {
    "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256",
    "TLS_AES_128_GCM_SHA256",
    "TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256",
};
static const char *const group_lists[] = {"X25519:P-256:P-384", "P-256:P-384", "X25519"};

/* The last session each (server, version) pair gave, for resumption. */
static SSL_SESSION *resumable[2][2];

static SSL_CTX *client_ctx(const struct hs_choice *c)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx)
        die("SSL_CTX_new failed");
    SSL_CTX_set_min_proto_version(ctx, c->failure == FAIL_VERSION ? TLS1_VERSION : TLS1_2_VERSION);
    SSL_CTX_set_max_proto_version(ctx, c->max_version);
    const char *ciphers = c->failure == FAIL_CIPHER ? "AES128-SHA:@SECLEVEL=0"
                          : c->failure == FAIL_VERSION ? "DEFAULT:@SECLEVEL=0"
                                                       : tls12_cipher_lists[c->tls12_ciphers];
    SSL_CTX_set_cipher_list(ctx, ciphers);
    SSL_CTX_set_ciphersuites(ctx, tls13_cipher_lists[c->tls13_ciphers]);
    SSL_CTX_set1_groups_list(ctx, group_lists[c->groups]);
    /* no client cache: freeing the context would mark its sessions unresumable */
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    if (c->failure == FAIL_UNTRUSTED)
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL); /* empty store: nothing verifies */
    if (c->alpn == 1)
        SSL_CTX_set_alpn_protos(ctx, alpn_h2_h1, sizeof(alpn_h2_h1) - 1);
    else if (c->alpn == 2)
        SSL_CTX_set_alpn_protos(ctx, alpn_h1, sizeof(alpn_h1) - 1);
    return ctx;
}

struct tls_pair {
    SSL_CTX *cctx;
    SSL *c, *s;
    BIO *c_in, *c_out, *s_in, *s_out;
};

static void pair_free(struct tls_pair *t)
{
    SSL_free(t->c);
    SSL_free(t->s);
    SSL_CTX_free(t->cctx);
    memset(t, 0, sizeof(*t));
}

static void fill_text(uint8_t *p, size_t n)
{
    static const char words[] = "GET /api/v1/items?page=42 HTTP/1.1\r\nHost: bench.example\r\n";
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)words[i % (sizeof(words) - 1)];
}

/* Run one handshake and, when it succeeds, a request and a response;
 * returns whether it succeeded. The pair stays open for bulk data. */
static bool handshake(const struct pki *pki, const struct hs_choice *c, struct script *s,
                      struct tls_pair *t)
{
    t->cctx = client_ctx(c);
    t->c = SSL_new(t->cctx);
    t->s = SSL_new(pki->server[c->server]);
    if (!t->c || !t->s)
        die("SSL_new failed");
    t->c_in = BIO_new(BIO_s_mem());
    t->c_out = BIO_new(BIO_s_mem());
    t->s_in = BIO_new(BIO_s_mem());
    t->s_out = BIO_new(BIO_s_mem());
    SSL_set_bio(t->c, t->c_in, t->c_out);
    SSL_set_bio(t->s, t->s_in, t->s_out);
    SSL_set_connect_state(t->c);
    SSL_set_accept_state(t->s);
    char name[64];
    snprintf(name, sizeof(name), "host%u.bench.example", c->name);
    int vi = c->max_version == TLS1_3_VERSION;
    SSL_SESSION *prev = c->resume ? resumable[c->server][vi] : NULL;
    if (prev) {
        /* a client resumes with the name it used the first time */
        const char *was = SSL_SESSION_get0_hostname(prev);
        if (was)
            SSL_set_tlsext_host_name(t->c, was);
        SSL_set_session(t->c, prev);
    } else if (c->sni) {
        SSL_set_tlsext_host_name(t->c, name);
    }

    bool ok = false;
    for (int round = 0; round < 16; round++) {
        int rc = SSL_do_handshake(t->c);
        carry(s, 0, t->c_out, t->s_in);
        int rs = SSL_do_handshake(t->s);
        carry(s, 1, t->s_out, t->c_in);
        if (rc == 1 && rs == 1) {
            ok = true;
            break;
        }
        bool c_failed = rc <= 0 && SSL_get_error(t->c, rc) == SSL_ERROR_SSL;
        bool s_failed = rs <= 0 && SSL_get_error(t->s, rs) == SSL_ERROR_SSL;
        if (c_failed || s_failed) {
            /* the side that failed has written its alert; let the peer read it */
            SSL_do_handshake(t->c);
            carry(s, 0, t->c_out, NULL);
            ERR_clear_error();
            return false;
        }
    }
    if (!ok)
        die("a handshake did not finish");

    uint8_t buf[4096];
    size_t req = 80 + below(400), resp = 100 + below(900);
    fill_text(buf, req);
    SSL_write(t->c, buf, (int)req);
    carry(s, 0, t->c_out, t->s_in);
    while (SSL_read(t->s, buf, sizeof(buf)) > 0)
        ;
    fill_text(buf, resp);
    SSL_write(t->s, buf, (int)resp);
    carry(s, 1, t->s_out, t->c_in);
    /* the client reads the response and any TLS 1.3 tickets */
    while (SSL_read(t->c, buf, sizeof(buf)) > 0)
        ;
    ERR_clear_error();
    SSL_SESSION *sess = SSL_get1_session(t->c);
    if (sess && SSL_SESSION_is_resumable(sess)) {
        SSL_SESSION_free(resumable[c->server][vi]);
        resumable[c->server][vi] = sess;
    } else {
        SSL_SESSION_free(sess);
    }
    return true;
}

static void goodbye(struct tls_pair *t, struct script *s)
{
    SSL_shutdown(t->c);
    carry(s, 0, t->c_out, t->s_in);
    SSL_shutdown(t->s);
    carry(s, 1, t->s_out, NULL);
    ERR_clear_error();
}

static struct hs_choice choose(uint32_t names)
{
    struct hs_choice c = {
        .server = (int)below(2),
        .max_version = below(10) < 6 ? TLS1_3_VERSION : TLS1_2_VERSION,
        .alpn = (int)below(4) % 3,
        .sni = below(20) != 0,
        .name = below(names),
        .tls12_ciphers = (int)below(4),
        .tls13_ciphers = (int)below(3),
        .groups = (int)below(3),
        .resume = below(5) == 0,
    };
    uint32_t f = below(100);
    c.failure = f < 5 ? FAIL_UNTRUSTED : f < 8 ? FAIL_VERSION : f < 10 ? FAIL_CIPHER : FAIL_NONE;
    if (c.failure == FAIL_VERSION)
        c.max_version = TLS1_1_VERSION;
    if (c.failure == FAIL_CIPHER)
        c.max_version = TLS1_2_VERSION;
    /* RSA key exchange needs an RSA certificate */
    if (c.tls12_ciphers == 3)
        c.server = 0;
    return c;
}

/* ---- TCP/IP framing and the pcap --------------------------------------------- */

static FILE *out;
static uint64_t bytes_written;
static int64_t clock_us;

static void put(const void *p, size_t n)
{
    if (!n)
        return; /* a bare SYN or ACK has no payload (and maybe no pointer) */
    if (fwrite(p, 1, n, out) != n)
        die("writing the capture failed");
    bytes_written += n;
}

static void pcap_header(void)
{
    uint32_t h[6] = {0xa1b2c3d4, 0x00040002, 0, 0, 262144, 1};
    put(h, sizeof(h));
}

enum { MSS = 1448 };
enum { F_FIN = 1, F_SYN = 2, F_RST = 4, F_PSH = 8, F_ACK = 16 };

struct conn {
    bool v6;
    uint8_t cip[16], sip[16];
    uint16_t cport, sport;
    uint32_t seq[2];
    int stage; /* 0 SYN, 1 SYN-ACK, 2 ACK, 3 data, 4.. FIN exchange, 7 done */
    const struct script *shared; /* a pooled handshake, or NULL: own */
    size_t flight, off;
    bool ack_due;   /* the receiver of the last full flight has not acked it */
    int ack_dir;
    unsigned unacked;
    /* bulk: the live pair writes more when the script runs out */
    struct tls_pair pair;
    struct script own;
    uint64_t bulk_left;
    bool bulk;
};

static uint16_t csum(const uint8_t *p, size_t n)
{
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < n; i += 2)
        sum += (uint32_t)(p[i] << 8 | p[i + 1]);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

static void emit(struct conn *k, int dir, uint8_t flags, const uint8_t *payload, size_t n)
{
    uint8_t hdr[14 + 40 + 20];
    size_t ip_len = k->v6 ? 40 : 20;
    size_t hl = 14 + ip_len + 20;
    memset(hdr, 0, hl);
    const uint8_t *src = dir ? k->sip : k->cip, *dst = dir ? k->cip : k->sip;
    uint16_t sport = dir ? k->sport : k->cport, dport = dir ? k->cport : k->sport;
    memcpy(hdr, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01", 12);
    if (dir)
        memcpy(hdr, "\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02", 12);
    uint8_t *ip = hdr + 14;
    if (k->v6) {
        hdr[12] = 0x86, hdr[13] = 0xdd;
        ip[0] = 0x60;
        uint16_t pl = (uint16_t)(20 + n);
        ip[4] = (uint8_t)(pl >> 8), ip[5] = (uint8_t)pl;
        ip[6] = 6, ip[7] = 64;
        memcpy(ip + 8, src, 16);
        memcpy(ip + 24, dst, 16);
    } else {
        hdr[12] = 0x08, hdr[13] = 0x00;
        ip[0] = 0x45;
        uint16_t tl = (uint16_t)(20 + 20 + n);
        ip[2] = (uint8_t)(tl >> 8), ip[3] = (uint8_t)tl;
        ip[6] = 0x40, ip[8] = 64, ip[9] = 6;
        memcpy(ip + 12, src, 4);
        memcpy(ip + 16, dst, 4);
        uint16_t c = csum(ip, 20);
        ip[10] = (uint8_t)(c >> 8), ip[11] = (uint8_t)c;
    }
    uint8_t *tcp = ip + ip_len;
    uint32_t seq = k->seq[dir], ack = k->seq[1 - dir];
    tcp[0] = (uint8_t)(sport >> 8), tcp[1] = (uint8_t)sport;
    tcp[2] = (uint8_t)(dport >> 8), tcp[3] = (uint8_t)dport;
    tcp[4] = (uint8_t)(seq >> 24), tcp[5] = (uint8_t)(seq >> 16), tcp[6] = (uint8_t)(seq >> 8),
    tcp[7] = (uint8_t)seq;
    if (flags & F_ACK)
        tcp[8] = (uint8_t)(ack >> 24), tcp[9] = (uint8_t)(ack >> 16), tcp[10] = (uint8_t)(ack >> 8),
        tcp[11] = (uint8_t)ack;
    tcp[12] = 5 << 4;
    tcp[13] = flags;
    tcp[14] = 0xff, tcp[15] = 0xff;

    clock_us += 3 + below(40);
    uint32_t rec[4] = {(uint32_t)(clock_us / 1000000), (uint32_t)(clock_us % 1000000),
                       (uint32_t)(hl + n), (uint32_t)(hl + n)};
    put(rec, sizeof(rec));
    put(hdr, hl);
    put(payload, n);
    k->seq[dir] += (uint32_t)n + ((flags & (F_SYN | F_FIN)) ? 1 : 0);
}

enum { CLIENTS = 5000, SERVERS = 200 };

static void conn_init(struct conn *k, uint64_t i)
{
    memset(k, 0, sizeof(*k));
    uint32_t client = (uint32_t)(i % CLIENTS), srv = below(SERVERS);
    k->v6 = client % 10 == 9;
    if (k->v6) {
        memcpy(k->cip, "\xfd\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00", 14);
        memcpy(k->sip, "\xfd\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00", 14);
        k->cip[14] = (uint8_t)(client >> 8), k->cip[15] = (uint8_t)client;
        k->sip[14] = (uint8_t)(srv >> 8), k->sip[15] = (uint8_t)srv;
    } else {
        k->cip[0] = 10, k->cip[2] = (uint8_t)(client >> 8), k->cip[3] = (uint8_t)client;
        k->sip[0] = 192, k->sip[1] = 168, k->sip[2] = (uint8_t)(srv >> 8), k->sip[3] = (uint8_t)srv;
    }
    /* a client's connections take successive ports: 4-tuples never repeat
     * (up to 64,000 connections per client) */
    k->cport = (uint16_t)(1024 + (i / CLIENTS) % 64000);
    k->sport = 443;
    k->seq[0] = (uint32_t)rnd();
    k->seq[1] = (uint32_t)rnd();
}

static bool bulk_refill(struct conn *k)
{
    if (!k->bulk)
        return false;
    script_free(&k->own);
    static uint8_t data[16384];
    if (k->bulk_left) {
        size_t n = k->bulk_left < sizeof(data) * 8 ? (size_t)k->bulk_left : sizeof(data) * 8;
        for (size_t done = 0; done < n; done += sizeof(data)) {
            size_t chunk = n - done < sizeof(data) ? n - done : sizeof(data);
            fill_text(data, chunk);
            if (SSL_write(k->pair.s, data, (int)chunk) <= 0)
                die("SSL_write failed");
        }
        carry(&k->own, 1, k->pair.s_out, NULL);
        k->bulk_left -= n;
    } else {
        goodbye(&k->pair, &k->own);
        pair_free(&k->pair);
        k->bulk = false;
    }
    k->flight = k->off = 0;
    return true;
}

/* Not a pointer to own: connections move within the window array. */
static const struct script *script_of(const struct conn *k)
{
    return k->shared ? k->shared : &k->own;
}

/* Emit the connection's next packet; false when it has no more. */
static bool conn_step(struct conn *k)
{
    switch (k->stage) {
    case 0:
        emit(k, 0, F_SYN, NULL, 0);
        k->stage = 1;
        return true;
    case 1:
        emit(k, 1, F_SYN | F_ACK, NULL, 0);
        k->stage = 2;
        return true;
    case 2:
        emit(k, 0, F_ACK, NULL, 0);
        k->stage = 3;
        return true;
    case 3:
        if (k->ack_due) {
            emit(k, k->ack_dir, F_ACK, NULL, 0);
            k->ack_due = false;
            k->unacked = 0;
            return true;
        }
        while (k->flight == script_of(k)->n)
            if (!bulk_refill(k)) {
                k->stage = 4;
                return conn_step(k);
            }
        {
            const struct flight *f = &script_of(k)->v[k->flight];
            size_t n = f->n - k->off < MSS ? f->n - k->off : MSS;
            emit(k, f->dir, F_PSH | F_ACK, f->p + k->off, n);
            k->off += n;
            /* delayed ACK: every second full segment, and at the end of a flight */
            k->ack_dir = 1 - f->dir;
            if (++k->unacked == 2 || k->off == f->n)
                k->ack_due = true;
            if (k->off == f->n)
                k->flight++, k->off = 0;
        }
        return true;
    case 4:
        emit(k, 0, F_FIN | F_ACK, NULL, 0);
        k->stage = 5;
        return true;
    case 5:
        emit(k, 1, F_FIN | F_ACK, NULL, 0);
        k->stage = 6;
        return true;
    case 6:
        emit(k, 0, F_ACK, NULL, 0);
        k->stage = 7;
        return true;
    default:
        return false;
    }
}

/* ---- main ------------------------------------------------------------------------ */

int main(int argc, char **argv)
{
    bench_tool = "tlsscope-benchgen";
    const char *pki_dir = NULL, *path = NULL;
    uint64_t sessions = 0, bulk = 0, seed = 1;
    uint32_t unique = 4000, names = 20000;
    static const struct option lo[] = {
        {"pki", required_argument, NULL, 'p'},      {"out", required_argument, NULL, 'o'},
        {"sessions", required_argument, NULL, 'n'}, {"unique", required_argument, NULL, 'u'},
        {"bulk-bytes", required_argument, NULL, 'b'}, {"seed", required_argument, NULL, 's'},
        {0, 0, 0, 0},
    };
    int opt;
    while ((opt = getopt_long(argc, argv, "p:o:n:u:b:s:", lo, NULL)) != -1) {
        switch (opt) {
        case 'p': pki_dir = optarg; break;
        case 'o': path = optarg; break;
        case 'n': sessions = strtoull(optarg, NULL, 10); break;
        case 'u': unique = (uint32_t)strtoul(optarg, NULL, 10); break;
        case 'b': bulk = strtoull(optarg, NULL, 10); break;
        case 's': seed = strtoull(optarg, NULL, 10); break;
        default:
            fprintf(stderr, "usage: tlsscope-benchgen --pki DIR --out FILE --sessions N "
                            "[--unique U] [--bulk-bytes B] [--seed S]\n");
            return 2;
        }
    }
    if (!pki_dir || !path || !sessions || !unique)
        die("--pki, --out and --sessions are required (see the comment at the top of bench/gen.c)");
    rng_state = seed;

    struct pki pki = {{server_ctx(pki_dir, "rsa"), server_ctx(pki_dir, "ecdsa")}};
    out = fopen(path, "wb");
    if (!out)
        die("%s: cannot create", path);
    static char obuf[1 << 20];
    setvbuf(out, obuf, _IOFBF, sizeof(obuf));
    pcap_header();
    char leaf[4096];
    snprintf(leaf, sizeof(leaf), "%s/rsa-leaf.pem", pki_dir);
    clock_us = capture_start(leaf) * 1000000;

    /* dense: a pool of distinct handshakes, replayed */
    struct script *pool = NULL;
    if (!bulk) {
        if (unique > sessions)
            unique = (uint32_t)sessions;
        pool = calloc(unique, sizeof(*pool));
        if (!pool)
            die("out of memory");
        for (uint32_t u = 0; u < unique; u++) {
            struct hs_choice c = choose(names);
            struct tls_pair t = {0};
            if (handshake(&pki, &c, &pool[u], &t))
                goodbye(&t, &pool[u]);
            pair_free(&t);
        }
    }

    /* connections overlap in time: a window of them advances together */
    enum { WINDOW_DENSE = 64, WINDOW_BULK = 8 };
    size_t window = bulk ? WINDOW_BULK : WINDOW_DENSE;
    struct conn *live = calloc(window, sizeof(*live));
    if (!live)
        die("out of memory");
    uint64_t started = 0, done = 0;
    size_t active = 0;
    while (done < sessions) {
        while (active < window && started < sessions) {
            struct conn *k = &live[active++];
            conn_init(k, started);
            if (bulk) {
                struct hs_choice c = choose(names);
                c.failure = FAIL_NONE;
                if (c.max_version < TLS1_2_VERSION)
                    c.max_version = TLS1_2_VERSION;
                if (handshake(&pki, &c, &k->own, &k->pair)) {
                    k->bulk = true;
                    k->bulk_left = bulk;
                }
            } else {
                k->shared = &pool[started % unique];
            }
            started++;
        }
        size_t pick = below((uint32_t)active);
        if (!conn_step(&live[pick])) {
            script_free(&live[pick].own);
            pair_free(&live[pick].pair);
            live[pick] = live[--active];
            done++;
        }
    }
    if (fclose(out) != 0)
        die("%s: writing failed", path);
    for (uint32_t u = 0; pool && u < unique; u++)
        script_free(&pool[u]);
    free(pool);
    free(live);
    for (int i = 0; i < 2; i++) {
        SSL_CTX_free(pki.server[i]);
        for (int v = 0; v < 2; v++)
            SSL_SESSION_free(resumable[i][v]);
    }
    fprintf(stderr, "%s: %llu sessions, %.1f MB\n", path, (unsigned long long)sessions,
            bytes_written / 1e6);
    return 0;
}
