#pragma once

/* TLS parsing (dissect/tls/): the record layer, SSLv2, handshake
 * messages and their extensions, read through the cursor into struct
 * session. Private to dissect/. */

#include "dissect/dissect.h"
#include "include/cur.h"
#include "include/status.h"

struct tflow;
struct dirstate;

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
    HS_HELLO_VERIFY_REQUEST = 3,
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

/* Handshake message context. */
struct hsctx {
    struct tflow *tf;
    struct session *s;
    int fdir; /* flow direction the message came in */
    int sdir; /* DIR_C2S or DIR_S2C */
    struct where at;
};

/* hsctx_anomaly (tflow.c) - note a problem found while parsing a message. */
void hsctx_anomaly(const struct hsctx *h, const char *what, const char *fmt,
                   ...) __attribute__((format(printf, 3, 4)));

/* ---- record.c ------------------------------------------------------------ */

/* record_feed - bytes of one direction in DM_RECORDS or DM_RESYNC mode.
 * Returns the count of following bytes not needed (see flow_handler). */
size_t record_feed(struct tflow *tf, int fdir, struct cur c);
/* record_whole - a record that came whole, its header read by the caller
 * (DTLS): counted and judged as record_feed would. True when its body is
 * cleartext handshake bytes, which the caller reads itself. */
bool record_whole(struct tflow *tf, int fdir, uint8_t type, uint16_t version, struct cur body);
/* record_gap - len bytes are missing from the direction. */
void record_gap(struct tflow *tf, int fdir, uint64_t len);
/* What a decrypted record holds, told to the record layer's bookkeeping. */
void record_alert(struct tflow *tf, int fdir, uint8_t level, uint8_t desc);
void record_appdata(struct tflow *tf, int fdir, bool early);
/* record_protected_ccs - a TLS <= 1.2 ChangeCipherSpec under the current
 * keys: a renegotiated handshake switching to its own (read or not). */
void record_protected_ccs(struct tflow *tf, int fdir);

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
enum st hs_hello_verify_request(struct hsctx *h, struct cur body);
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
    ext_key_share_table, ext_versions_table, ext_ech_table, ext_quic_table;

/* ext_find - the parser for an extension type, or NULL. */
const struct ext_parser *ext_find(uint16_t type);
/* ext_tables - all the tables (n of them). */
const struct ext_table *const *ext_tables(size_t *n);

/* ---- store.c ------------------------------------------------------------- */

/* store_u16s / store_bytes - a body of big-endian u16s, or the bytes of c,
 * copied into arena a (false: odd length or no memory). */
MUST_CHECK bool store_u16s(struct arena *a, struct cur c, struct u16s *out);
MUST_CHECK bool store_bytes(struct arena *a, struct cur c, struct bytes *out);
