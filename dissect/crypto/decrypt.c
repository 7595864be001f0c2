/* Decrypting protected records with secrets from a key log: each
 * session's key schedule. Deriving keys (tls_keys.c) and opening records
 * (tls_open.c) are the two jobs it uses.
 *
 * TLS 1.3 (RFC 8446 7): each direction moves through early, handshake and
 * application traffic secrets, a Finished or EndOfEarlyData moving it on,
 * KeyUpdate to the next generation. TLS <= 1.2: one key block from the
 * master secret; a renegotiation's keys take over at each side's next
 * ChangeCipherSpec.
 *
 * A record that does not authenticate under the expected key is tried
 * under the one that may have replaced it (a missed key change); when none
 * fits, the record is handled as if there were no keys, and the failure is
 * reported on the session. */
#include "dissect/internal.h"

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#include "dissect/crypto/tls_crypto.h"

enum phase { PH_NONE, PH_EARLY, PH_HANDSHAKE, PH_APP };

struct decrypt {
    struct keylog_entry keys; /* a copy: the key log may grow meanwhile */
    const struct suite *su;
    const EVP_MD *hash; /* TLS 1.3 hash, or the TLS 1.2 PRF's */
    uint16_t version;
    struct protection prot;
    const EVP_MD *mac_md; /* CBC suites' HMAC */
    /* by session direction */
    struct dkeys cur[2], alt[2]; /* alt: the key that may replace cur */
    enum phase phase[2];
    struct dkeys pending[2];     /* TLS <= 1.2 renegotiation: after CCS */
    uint8_t reneg_client_random[32];
    bool reneg_have_client_random;
    uint8_t buf[MAX_RECORD];
};

/* ---- setting up ------------------------------------------------------------ */

static void set_problem(struct session *s, const char *why)
{
    if (!s->decryption.problem)
        s->decryption.problem = why;
}

void decrypt_free(struct decrypt *d)
{
    if (!d)
        return;
    EVP_CIPHER_CTX_free(d->prot.ctx);
    OPENSSL_cleanse(d, sizeof(*d));
    free(d);
}

static struct decrypt *decrypt_new(void)
{
    struct decrypt *d = calloc(1, sizeof(*d));
    if (!d)
        return NULL;
    d->prot.ctx = EVP_CIPHER_CTX_new();
    if (!d->prot.ctx) {
        free(d);
        return NULL;
    }
    return d;
}

void decrypt_server_hello(struct tflow *tf)
{
    struct session *s = tf->s;
    struct keylog *kl = tf->d->keylog;
    if (!kl || !s->sh.present || s->sh.is_hrr || s->transport != TR_TCP)
        return; /* QUIC opens its packets itself; DTLS records are not opened */
    if (!s->ch.present || s->ch.random_len != 32) {
        set_problem(s, "the ClientHello was not captured, so its client random (the key log's key) is unknown");
        return;
    }
    struct keylog_entry found;
    s->decryption.keys = keylog_find(kl, s->ch.random, &found);
    const struct keylog_entry *e = &found;
    if (!s->decryption.keys) {
        char why[200];
        /* "no line" would be a guess when the file could not be read */
        const char *unread = keylog_unreadable(kl, why, sizeof(why))
                                 ? arena_sprintf(s->arena, "the key log could not be read: %s", why)
                                 : NULL;
        set_problem(s, unread ? unread : "the key log has no line for this session's client random");
        return;
    }
    const struct cipher_info *ci = registry_cipher(s->cipher);
    bool tls13 = registry_version_is_tls13(s->version);
    if (s->version < VER_TLS10 && !tls13) {
        set_problem(s, "SSL 3.0 and 2.0 sessions are not decrypted");
        return;
    }
    const struct suite *su = tls_suite(ci);
    const EVP_MD *hash = ci && ci->mac && strcmp(ci->mac, "SHA384") == 0 ? tls_hash("SHA384")
                                                                         : tls_hash("SHA256");
    bool needs_mac = su && (su->kind == AK_CBC || su->kind == AK_NULL);
    if (!su || !tls_suite_usable(su) || !hash || (tls13 && needs_mac) ||
        (needs_mac && !tls_mac_hash(ci->mac))) {
        set_problem(s, "its cipher suite is not one tlsscope decrypts (AES-GCM/CCM, ChaCha20-Poly1305, "
                       "ARIA-GCM, AES/Camellia/ARIA/3DES-CBC and NULL with HMAC)");
        return;
    }
    struct decrypt *d = tf->dec ? tf->dec : decrypt_new();
    if (!d)
        return;
    tf->dec = d;
    d->keys = found;
    d->su = su;
    d->hash = hash;
    d->version = s->version;
    d->prot.tls13 = tls13;
    if (tls13) {
        /* Each direction on its own: a client that gives up while reading
         * the server's flight logs only the server's secret. */
        struct dkeys early = d->cur[DIR_C2S];
        bool had_early = d->phase[DIR_C2S] == PH_EARLY;
        bool server = tls13_keys(d->su, d->hash, &e->secret[KL_SERVER_HANDSHAKE], &d->cur[DIR_S2C]);
        bool client = tls13_keys(d->su, d->hash, &e->secret[KL_CLIENT_HANDSHAKE], &d->alt[DIR_C2S]);
        if (!server && !client) {
            set_problem(s, "the key log has no TLS 1.3 handshake traffic secrets for this session");
            tf->dec = NULL;
            decrypt_free(d);
            return;
        }
        if (server) {
            d->phase[DIR_S2C] = PH_HANDSHAKE;
            (void)tls13_keys(d->su, d->hash, &e->secret[KL_SERVER_TRAFFIC], &d->alt[DIR_S2C]);
        } else {
            set_problem(s, "the key log lacks the server's handshake traffic secret");
        }
        if (had_early && early.su == su) {
            d->cur[DIR_C2S] = early; /* EndOfEarlyData moves it to cur = alt */
        } else if (client) {
            d->cur[DIR_C2S] = d->alt[DIR_C2S];
            (void)tls13_keys(d->su, d->hash, &e->secret[KL_CLIENT_TRAFFIC], &d->alt[DIR_C2S]);
            d->phase[DIR_C2S] = PH_HANDSHAKE;
        } else {
            d->phase[DIR_C2S] = PH_NONE;
            set_problem(s, "the key log lacks the client's handshake traffic secret (a client logs it "
                           "only once it has accepted the server's flight)");
        }
        return;
    }
    d->mac_md = needs_mac ? tls_mac_hash(ci->mac) : NULL;
    d->prot.explicit_iv = s->version >= VER_TLS11;
    d->prot.etm = su->kind == AK_CBC && hello_has_extension(&s->sh, 22);
    if (!tls12_keys(d->su, d->version, d->hash, d->mac_md, &e->secret[KL_MASTER_SECRET], s->ch.random, s->sh.random, d->cur)) {
        set_problem(s, "the key log has no CLIENT_RANDOM master secret for this TLS 1.2 session");
        tf->dec = NULL;
        decrypt_free(d);
        return;
    }
    d->phase[DIR_C2S] = d->phase[DIR_S2C] = PH_HANDSHAKE;
}

/* 0-RTT data follows the ClientHello before any ServerHello says which
 * suite the PSK uses: try the TLS 1.3 suites the client offered whose hash
 * fits the early secret's length. */
void decrypt_client_hello(struct tflow *tf)
{
    struct session *s = tf->s;
    struct keylog *kl = tf->d->keylog;
    if (!kl || tf->dec || !s->ch.early_data || s->ch.random_len != 32 || s->transport != TR_TCP)
        return;
    struct keylog_entry found;
    if (!keylog_find(kl, s->ch.random, &found) || !found.secret[KL_CLIENT_EARLY].len)
        return;
    struct decrypt *d = decrypt_new();
    if (!d)
        return;
    d->keys = found;
    d->prot.tls13 = true;
    d->phase[DIR_C2S] = PH_EARLY;
    tf->dec = d;
}

/* Early keys for one offered suite: set as cur when it opens the record. */
static bool try_early(struct decrypt *d, const struct session *s, const uint8_t hdr[5], struct cur body,
                      uint8_t *out, size_t *out_len, uint8_t *type)
{
    for (size_t i = 0; i < s->ch.ciphers.n; i++) {
        const struct cipher_info *ci = registry_cipher(s->ch.ciphers.v[i]);
        if (!ci || !(ci->flags & CF_TLS13))
            continue;
        d->su = tls_suite(ci);
        d->hash = strcmp(ci->mac, "SHA384") == 0 ? tls_hash("SHA384") : tls_hash("SHA256");
        struct dkeys k;
        if (!d->su || !d->hash || !tls13_keys(d->su, d->hash, &d->keys.secret[KL_CLIENT_EARLY], &k))
            continue;
        if (tls_open(&d->prot, &k, hdr, body, out, out_len, type)) {
            d->cur[DIR_C2S] = k;
            return true;
        }
    }
    d->su = NULL;
    return false;
}

/* ---- records --------------------------------------------------------------------- */

bool decrypt_active(const struct tflow *tf, int sdir)
{
    const struct decrypt *d = tf->dec;
    return d && d->phase[sdir] != PH_NONE;
}

bool decrypt_covers(const struct tflow *tf, int sdir, uint8_t type)
{
    if (!decrypt_active(tf, sdir))
        return false;
    if (tf->dec->prot.tls13)
        return type == CT_APPDATA;
    return tf->s->encrypted[sdir];
}

bool decrypt_wants(struct tflow *tf, int sdir, uint8_t type, uint32_t len)
{
    struct decrypt *d = tf->dec;
    if (!decrypt_active(tf, sdir))
        return false;
    bool want;
    if (d->prot.tls13)
        /* application data is read only when asked; small records may be
         * tickets, key updates or alerts */
        want = d->phase[sdir] != PH_APP || tf->d->cfg.decrypt_app || len <= 2048;
    else
        want = type != CT_APPDATA || tf->d->cfg.decrypt_app ||
               (d->su->kind == AK_CBC && !d->prot.explicit_iv); /* TLS 1.0 chains IVs */
    if (!want)
        d->cur[sdir].seq++;
    return want;
}

void decrypt_lost(struct tflow *tf, int sdir)
{
    if (decrypt_active(tf, sdir))
        tf->dec->cur[sdir].seq++;
}

void decrypt_protected_ccs(struct tflow *tf, int sdir)
{
    struct decrypt *d = tf->dec;
    /* TLS <= 1.2 renegotiation: the new keys start now */
    if (d && d->pending[sdir].ready) {
        d->cur[sdir] = d->pending[sdir];
        memset(&d->pending[sdir], 0, sizeof(d->pending[sdir]));
    }
}

/* The key that took over from cur: it becomes cur, and alt the one after. */
static void advance(struct decrypt *d, int sdir)
{
    d->cur[sdir] = d->alt[sdir];
    d->cur[sdir].seq = 0;
    struct dkeys next = {0};
    switch (d->phase[sdir]) {
    case PH_EARLY:
        d->phase[sdir] = PH_HANDSHAKE;
        (void)tls13_keys(d->su, d->hash, &d->keys.secret[KL_CLIENT_TRAFFIC], &next);
        break;
    case PH_HANDSHAKE:
        d->phase[sdir] = PH_APP;
        (void)tls13_next_keys(d->su, d->hash, &d->cur[sdir], &next);
        break;
    default:
        (void)tls13_next_keys(d->su, d->hash, &d->cur[sdir], &next);
        break;
    }
    d->alt[sdir] = next;
}

bool decrypt_record(struct tflow *tf, int fdir, const uint8_t hdr[5], struct cur body, struct plaintext *out)
{
    struct decrypt *d = tf->dec;
    struct session *s = tf->s;
    int sdir = tflow_sdir(tf, fdir);
    size_t n = 0;
    uint8_t type = 0;
    bool ok;
    if (d->prot.tls13 && d->phase[sdir] == PH_EARLY && !d->su)
        ok = try_early(d, s, hdr, body, d->buf, &n, &type);
    else
        ok = tls_open(&d->prot, &d->cur[sdir], hdr, body, d->buf, &n, &type);
    if (!ok && d->prot.tls13 && d->alt[sdir].ready &&
        tls_open(&d->prot, &d->alt[sdir], hdr, body, d->buf, &n, &type)) {
        /* the key changed without our seeing why (a lost message) */
        advance(d, sdir);
        ok = true;
    }
    d->cur[sdir].seq++;
    if (!ok) {
        if (!s->decryption.failures++)
            set_problem(s, arena_sprintf(s->arena,
                                         "record %u from the %s (packet %llu) did not authenticate with the "
                                         "key log's secrets: a key log for another session, or damaged data",
                                         tf->dir[fdir].records, sdir == DIR_C2S ? "client" : "server",
                                         (unsigned long long)tf->at[fdir].packet));
        return false;
    }
    s->decryption.records++;
    s->decrypted = true;
    if (d->phase[sdir] == PH_EARLY && type == CT_APPDATA)
        s->decryption.early_records++;
    *out = (struct plaintext){.type = type, .bytes = cur_make(d->buf, n), .early = d->phase[sdir] == PH_EARLY};
    return true;
}

/* TLS <= 1.2 renegotiation: the new hellos' randoms give the keys that
 * take over at each side's next ChangeCipherSpec. */
static void renegotiation(struct tflow *tf, int sdir, uint8_t type, struct cur body)
{
    struct decrypt *d = tf->dec;
    struct session *s = tf->s;
    if (type == HS_CLIENT_HELLO && sdir == DIR_C2S) {
        d->reneg_have_client_random = cur_skip(&body, 2) && cur_copy(&body, d->reneg_client_random, 32);
        return;
    }
    uint8_t server_random[32];
    if (type != HS_SERVER_HELLO || sdir != DIR_S2C || !d->reneg_have_client_random ||
        !cur_skip(&body, 2) || !cur_copy(&body, server_random, 32))
        return;
    struct keylog_entry found;
    const struct keylog_entry *e = &found;
    if (!keylog_find(tf->d->keylog, d->reneg_client_random, &found)) {
        set_problem(s, "the key log has no line for the renegotiated handshake's client random");
        return;
    }
    /* the renegotiation keeps the cipher suite in all but rare cases */
    if (!tls12_keys(d->su, d->version, d->hash, d->mac_md, &e->secret[KL_MASTER_SECRET], d->reneg_client_random, server_random, d->pending))
        set_problem(s, "the key log has no master secret for the renegotiated handshake");
}

void decrypt_on_message(struct tflow *tf, int fdir, uint8_t type, struct cur body)
{
    struct decrypt *d = tf->dec;
    struct session *s = tf->s;
    int sdir = tflow_sdir(tf, fdir);
    if (!d)
        return;
    if (!d->prot.tls13) {
        if (tf->renegotiating)
            renegotiation(tf, sdir, type, body);
        return;
    }
    switch (type) {
    case HS_FINISHED:
        if (d->phase[sdir] == PH_HANDSHAKE)
            advance(d, sdir);
        break;
    case HS_END_OF_EARLY_DATA:
        if (d->phase[sdir] == PH_EARLY)
            advance(d, sdir);
        break;
    case HS_KEY_UPDATE:
        if (d->phase[sdir] == PH_APP) {
            advance(d, sdir);
            s->decryption.key_updates[sdir]++;
        }
        break;
    default:
        break;
    }
}

void decrypt_finish(struct tflow *tf)
{
    struct session *s = tf->s;
    if (!tf->d->keylog || !s)
        return;
    s->decryption.attempted = true;
    if (s->decrypted || s->decryption.problem)
        return;
    if (s->transport == TR_DTLS) {
        set_problem(s, "tlsscope does not decrypt DTLS records");
        return;
    }
    if (s->transport == TR_QUIC && s->decryption.records) {
        /* the Handshake packets: the 1-RTT ones are not read */
        s->decrypted = !s->decryption.failures;
        if (s->decryption.failures)
            set_problem(s, "some Handshake packets did not authenticate with the key log's secrets");
        return;
    }
    if (!s->ch.present)
        set_problem(s, "the ClientHello was not captured, so its client random (the key log's key) is unknown");
    else if (!s->sh.present)
        set_problem(s, "no ServerHello was captured: nothing was encrypted, or the handshake start is missing");
    else if (!s->encrypted[DIR_C2S] && !s->encrypted[DIR_S2C] && !tf->server_tls13)
        set_problem(s, "no record was encrypted");
}
