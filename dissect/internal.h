#pragma once

#include "dissect/dissect.h"
#include "dissect/registry.h"

/* TLS content types (RFC 8446 B.1, RFC 6520, RFC 9146). */
enum {
    CT_CCS = 20,
    CT_ALERT = 21,
    CT_HANDSHAKE = 22,
    CT_APPDATA = 23,
    CT_HEARTBEAT = 24,
    CT_TLS12_CID = 25,
    CT_ACK = 26,
};

/* Handshake types used by the dissector's logic. */
enum {
    HS_HELLO_REQUEST = 0,
    HS_CLIENT_HELLO = 1,
    HS_SERVER_HELLO = 2,
    HS_NEW_SESSION_TICKET = 4,
    HS_END_OF_EARLY_DATA = 5,
    HS_HELLO_RETRY_REQUEST = 6,
    HS_ENCRYPTED_EXTENSIONS = 8,
    HS_CERTIFICATE = 11,
    HS_SERVER_KEY_EXCHANGE = 12,
    HS_CERTIFICATE_REQUEST = 13,
    HS_SERVER_HELLO_DONE = 14,
    HS_CERTIFICATE_VERIFY = 15,
    HS_CLIENT_KEY_EXCHANGE = 16,
    HS_FINISHED = 20,
    HS_CERTIFICATE_STATUS = 22,
    HS_KEY_UPDATE = 24,
    HS_COMPRESSED_CERTIFICATE = 25,
};

enum {
    MAX_PLAINTEXT = 16384,
    MAX_RECORD = 16384 + 2048, /* TLSCiphertext limit */
};

enum dmode {
    DM_DETECT,  /* nothing decided for this direction yet */
    DM_PRELUDE, /* cleartext before TLS (STARTTLS, proxy) or not TLS */
    DM_RECORDS, /* TLS record layer */
    DM_SSL2,    /* SSLv2 record layer */
    DM_RESYNC,  /* lost record framing; searching for the next header */
    DM_MQ,      /* IBM MQ segments in plaintext */
    DM_IGNORE,
};

enum body_act { BODY_SKIP, BODY_HANDSHAKE, BODY_SMALL, BODY_DECRYPT };

struct dirstate {
    enum dmode mode;
    /* record layer */
    uint8_t hdr[5];
    uint8_t hdr_len;
    uint8_t rtype;
    uint16_t rversion;
    uint32_t rlen, rleft;
    bool in_body;
    enum body_act act;
    uint8_t small[8];
    uint8_t small_len;
    bool small_encrypted;
    uint32_t records;
    /* handshake byte stream */
    uint8_t *hbuf;
    size_t hlen, hcap;
    bool hs_broken; /* lost bytes: wait for a message at a record start */
    bool hs_over;   /* an oversized message: handshake parsing stopped */
    /* cleartext prelude */
    uint8_t carry[16];
    uint8_t carry_len;
    uint64_t prelude_bytes;
    uint64_t stream_bytes;
    bool noted_enc_flight;
    bool noted_appdata;
    bool ssl2_encrypted;
    /* a protected record collected for decryption */
    uint8_t *rbuf;
    uint32_t rbuf_len;
    /* plaintext MQ */
    uint32_t mq_segments;
    size_t mq_consumed;
};

struct tflow {
    struct dissect *d;
    struct flow_info fi;
    struct session *s; /* created when TLS is found */
    int client_fdir;   /* flow direction the client sends in; -1 unknown */
    bool roles_from_hello;
    const char *prelude_proto;
    bool prelude_is_tunnel;
    char tunnel_host[256]; /* what the client asked the proxy for, or "" */
    uint16_t tunnel_port;
    bool gave_up;
    bool closed, emitted, finalized;
    struct capture_order created; /* batched: where the session was made */
    uint64_t created_seq;         /* and its rank among this tracker's */
    struct dirstate dir[2]; /* by flow direction */
    struct where at[2];     /* where the bytes being parsed came from */
    struct tflow *q_next;
    bool server_tls13;      /* a TLS 1.3 ServerHello was seen */
    uint32_t client_flight_bytes; /* TLS 1.3: protected bytes the client sent before the server's next record */
    struct where syn, synack, hs_ack; /* kept until a session exists */
    bool has_syn, has_synack, has_hs_ack;
    /* the first FIN or RST, when it came before the session: a side that
     * hung up before speaking, which the other's first bytes answer */
    struct where early_close;
    int8_t early_close_fdir; /* -1: none */
    bool early_close_rst;
    struct tcp_dir_stats tcp[2]; /* by flow direction; the session's at finalize */
    struct revocation_fetch *fetch; /* an OCSP/CRL fetch on this flow */
    struct decrypt *dec;            /* keys for this session, when known */
    bool renegotiating;             /* TLS <= 1.2, inside a decrypted renegotiation */
};

struct certcache;
struct trust;

struct dissect {
    struct dissect_config cfg;
    dissect_sink sink;
    void *sink_ctx;
    struct dissect_stats st;
    uint64_t next_id;
    struct tflow *q_head, *q_tail; /* sessions in id order */
    size_t q_done;                 /* of which finished */
    struct certcache *certs;
    struct trust *trust;
    dissect_fetch_sink fetch_sink;
    void *fetch_ctx;
    dissect_quiet_sink quiet_sink;
    void *quiet_ctx;
    struct keylog *keylog;
    /* batched: sessions leave only through dissect_pump_all */
    const struct capture_order *order;
    uint64_t created;
};

/* Handshake message context. */
struct hsctx {
    struct tflow *tf;
    struct session *s;
    int fdir; /* flow direction the message came in */
    int sdir; /* DIR_C2S or DIR_S2C */
    struct where at;
};

/* ---- tflow.c: the flow's state, beneath every layer ---------------------- */

/* tflow_session - the flow's session, created on first use (NULL on no
 * memory). fdir is the direction whose bytes showed TLS. */
struct session *tflow_session(struct tflow *tf, int fdir);
/* tflow_sdir - session direction of flow direction fdir. */
int tflow_sdir(const struct tflow *tf, int fdir);
/* tflow_set_client - the hello sent in fdir proves who the client is. */
void tflow_set_client(struct tflow *tf, int fdir, bool is_client);
void tflow_anomaly(struct tflow *tf, int fdir, const char *what,
                   const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* hsctx_anomaly - note a problem found while parsing a message. */
void hsctx_anomaly(const struct hsctx *h, const char *what, const char *fmt,
                   ...) __attribute__((format(printf, 3, 4)));
/* tflow_finished - the side sending in fdir finished its handshake (its
 * Finished was read, or a protected record could only be it). */
void tflow_finished(struct tflow *tf, int fdir);
/* dirstate_free - a direction's buffers. */
void dirstate_free(struct dirstate *ds);

/* ---- detect.c ------------------------------------------------------------ */

enum start_kind { START_NONE, START_TLS, START_SSL2, START_MQ, START_MAYBE };

/* detect_start - do the bytes at the front look like the start of TLS?
 * START_MAYBE: too few bytes to tell. hello_only demands a hello. */
enum start_kind detect_start(struct cur c, bool hello_only);
/* detect_record_header - a plausible TLS record header at the front. */
bool detect_record_header(struct cur c);
/* detect_resync - offset of the next plausible record boundary in c. */
bool detect_resync(struct cur c, size_t *at);
/* detect_prelude - name the cleartext protocol the bytes belong to, or
 * NULL; *tunnel tells a proxy (SOCKS, HTTP CONNECT) from STARTTLS. */
const char *detect_prelude(struct cur c, bool from_client, bool *tunnel);
/* tunnel_target - the host (a name or an address literal) and port a
 * client's proxy request names: HTTP CONNECT's request line, a SOCKS4(a)
 * request, or a SOCKS5 CONNECT request (not its greeting); false when c
 * holds none of them. host gets at most 255 bytes and a terminator. */
bool tunnel_target(const char *proto, struct cur c, char host[256], uint16_t *port);

/* ---- record.c ------------------------------------------------------------ */

/* record_feed - bytes of one direction in DM_RECORDS or DM_RESYNC mode.
 * Returns the count of following bytes not needed (see flow_handler). */
size_t record_feed(struct tflow *tf, int fdir, struct cur c);
/* record_gap - len bytes are missing from the direction. */
void record_gap(struct tflow *tf, int fdir, uint64_t len);
/* What a decrypted record holds, told to the record layer's bookkeeping. */
void record_alert(struct tflow *tf, int fdir, uint8_t level, uint8_t desc);
void record_appdata(struct tflow *tf, int fdir, bool early);
/* record_protected_ccs - a TLS <= 1.2 ChangeCipherSpec under the current
 * keys: a renegotiated handshake switching to its own (read or not). */
void record_protected_ccs(struct tflow *tf, int fdir);

/* ---- queue.c: handing sessions on, in order ------------------------------ */

/* queue_closed - its connection ended: the session can go (or its flow is
 * freed, if it went already or never was one). */
void queue_closed(struct dissect *d, struct tflow *tf);
/* queue_pump - hand on what may go; force: everything. */
void queue_pump(struct dissect *d, bool force);
/* queue_free - drop what is still queued (the dissector is being freed). */
void queue_free(struct dissect *d);
void tflow_free(struct tflow *tf);

/* ---- decrypt.c ------------------------------------------------------------ */

struct decrypt;
/* decrypt_client_hello / decrypt_server_hello - look the session up in the
 * key log once its hellos are parsed, and derive keys (or say why not). */
void decrypt_client_hello(struct tflow *tf);
void decrypt_server_hello(struct tflow *tf);
/* decrypt_active - this session direction has keys. */
bool decrypt_active(const struct tflow *tf, int sdir);
/* decrypt_covers - a record of this type in this direction is protected
 * and decryptable. */
bool decrypt_covers(const struct tflow *tf, int sdir, uint8_t type);
/* decrypt_wants - should the record starting now be collected and
 * decrypted? When not, its sequence number is counted as skipped. */
bool decrypt_wants(struct tflow *tf, int sdir, uint8_t type, uint32_t len);
/* decrypt_lost - a collected record was cut by a gap. */
void decrypt_lost(struct tflow *tf, int sdir);
/* A record opened: its real content type and bytes (valid until the next
 * record is opened), and whether it came under the early-data keys. */
struct plaintext {
    uint8_t type;
    struct cur bytes;
    bool early;
};
/* decrypt_record - open a whole record into *out; false when it did not
 * authenticate (the caller treats it as unreadable). Decryption is a stage
 * of the record layer: it returns plaintext and calls nothing above it. */
bool decrypt_record(struct tflow *tf, int fdir, const uint8_t hdr[5], struct cur body, struct plaintext *out);
/* decrypt_protected_ccs - a protected ChangeCipherSpec was read: TLS <= 1.2
 * renegotiation's keys take over from here. */
void decrypt_protected_ccs(struct tflow *tf, int sdir);
/* decrypt_on_message - key changes driven by handshake messages. */
void decrypt_on_message(struct tflow *tf, int fdir, uint8_t type, struct cur body);
/* decrypt_finish - at the end: say why a session was not decrypted. */
void decrypt_finish(struct tflow *tf);
void decrypt_free(struct decrypt *d);

/* ---- sslv2.c ------------------------------------------------------------- */

size_t sslv2_feed(struct tflow *tf, int fdir, struct cur c);

/* ---- handshake.c --------------------------------------------------------- */

/* handshake_feed - cleartext handshake bytes of one record (fragment). */
void handshake_feed(struct tflow *tf, int fdir, struct cur c, bool record_start);
/* handshake_message - dispatch one complete message. */
void handshake_message(struct hsctx *h, uint8_t type, struct cur body,
                       uint32_t len);

/* Message parsers (hs_*.c). */
enum st hs_client_hello(struct hsctx *h, struct cur body);
enum st hs_server_hello(struct hsctx *h, struct cur body);
enum st hs_certificate(struct hsctx *h, struct cur body);
enum st hs_server_key_exchange(struct hsctx *h, struct cur body);
enum st hs_certificate_request(struct hsctx *h, struct cur body);
enum st hs_certificate_status(struct hsctx *h, struct cur body);
/* cert_status_parse - a CertificateStatus body (RFC 6066 8): the message
 * of TLS 1.2, or a TLS 1.3 CertificateEntry's status_request extension. */
MUST_CHECK enum st cert_status_parse(struct arena *a, struct cur b, struct cert_status *out);
enum st hs_new_session_ticket(struct hsctx *h, struct cur body);
enum st hs_client_key_exchange(struct hsctx *h, struct cur body);
enum st hs_certificate_verify(struct hsctx *h, struct cur body);
enum st hs_encrypted_extensions(struct hsctx *h, struct cur body);
enum st hs_compressed_certificate(struct hsctx *h, struct cur body);
enum st hs_key_update(struct hsctx *h, struct cur body);
enum st hs_empty(struct hsctx *h, struct cur body);
enum st hs_opaque(struct hsctx *h, struct cur body);

/* kx_has_sig_scheme - does a signature in b start with a TLS 1.2
 * SignatureAndHashAlgorithm? */
bool kx_has_sig_scheme(const struct session *s, struct cur b);

/* hello_exts - parse an extensions block into h (RFC 8446 4.2). */
enum st hello_exts(struct hsctx *hc, struct hello *h, bool from_client,
                   struct cur *c);

/* ---- ext_*.c ------------------------------------------------------------- */

typedef enum st (*ext_parse_fn)(struct hsctx *hc, struct hello *h,
                                bool from_client, struct cur body);

/* An extension type's parser, which sees only its own body. Each ext_*.c
 * file has a table of the ones it parses; adding an extension is a parser
 * and an entry there (the name is the IANA registry's; a unit test keeps
 * the two the same). */
struct ext_parser {
    uint16_t type;
    const char *name;
    ext_parse_fn parse;
};

struct ext_table {
    const struct ext_parser *v;
    size_t n;
};

extern const struct ext_table ext_sni_table, ext_flags_table, ext_lists_table, ext_alpn_table, ext_psk_table,
    ext_key_share_table, ext_versions_table, ext_ech_table;

/* ext_find - the parser for an extension type, or NULL. */
const struct ext_parser *ext_find(uint16_t type);
/* ext_tables - all the tables (n of them). */
const struct ext_table *const *ext_tables(size_t *n);

/* ---- store.c ------------------------------------------------------------- */

/* store_u16s / store_bytes - a body of big-endian u16s, or the bytes of c,
 * copied into arena a (false: odd length or no memory). */
MUST_CHECK bool store_u16s(struct arena *a, struct cur c, struct u16s *out);
MUST_CHECK bool store_bytes(struct arena *a, struct cur c, struct bytes *out);

/* ---- digest.c --------------------------------------------------------------- */

enum digest_alg { DIGEST_MD5, DIGEST_SHA1, DIGEST_SHA256, DIGEST_COUNT };

/* digest - alg over n bytes at p into out (up to 64 bytes); its length, or
 * 0 when OpenSSL failed. Safe on any thread. */
unsigned digest(enum digest_alg alg, const void *p, size_t n, uint8_t out[64]);

/* ---- x509.c / certcache --------------------------------------------------- */

struct certcache *certcache_new(void);
/* certcache_ref - one more owner (trackers of one capture share a cache). */
struct certcache *certcache_ref(struct certcache *cc);
void certcache_free(struct certcache *cc);
/* x509_decode - decode DER into out (strings in arena a); a certificate
 * OpenSSL cannot parse gets parse_error set and its hashes still filled. */
void x509_decode(struct dissect *d, struct arena *a, struct cur der,
                 struct cert *out);
/* x509_name_rfc2253 - a DER Name (from a CertificateRequest) as text. */
const char *x509_name_rfc2253(struct arena *a, struct cur der);
/* ocsp_decode - facts of a stapled OCSP response. */
void ocsp_decode(struct arena *a, struct cur der, struct cert_status *out);

/* ---- mq_plain.c ------------------------------------------------------------ */

/* mq_tsh_start - an MQ Transmission Segment Header at the front? */
enum start_kind mq_tsh_start(struct cur c);
/* mq_feed - plaintext MQ bytes: the first segments are read for the
 * channel, queue manager, status and credentials; the rest is ignored. */
size_t mq_feed(struct tflow *tf, int fdir, struct cur c);

/* ---- fetch.c --------------------------------------------------------------- */

/* fetch_request - is this HTTP request an OCSP or CRL fetch? Records it. */
bool fetch_request(struct tflow *tf, int fdir, struct cur c);
void fetch_response(struct tflow *tf, int fdir, struct cur c);
/* fetch_close - hand a recorded fetch to the sink and forget it. */
void fetch_close(struct tflow *tf);

/* ---- trust.c --------------------------------------------------------------- */

/* trust_check - fill in c->trusted and c->public_root. */
void trust_check(struct dissect *d, struct session *s, struct chain *c);
void trust_free(struct trust *t);

/* ---- finalize.c ---------------------------------------------------------- */

/* finalize_session - derive the negotiated facts once the flow is over. */
void finalize_session(struct dissect *d, struct session *s);
