#pragma once

/* The session model: one struct session per TCP connection that carried
 * TLS (or an attempt at it). Dissectors record facts here; rules judge them;
 * report and TUI print copies. Everything a session points to lives in its
 * arena. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "include/arena.h"

enum { DIR_C2S = 0, DIR_S2C = 1 };

/* Protocol version codes as on the wire. */
enum {
    VER_SSL2 = 0x0002,
    VER_SSL3 = 0x0300,
    VER_TLS10 = 0x0301,
    VER_TLS11 = 0x0302,
    VER_TLS12 = 0x0303,
    VER_TLS13 = 0x0304,
    VER_DTLS10 = 0xfeff,
    VER_DTLS12 = 0xfefd,
    VER_DTLS13 = 0xfefc,
};

struct endpoint {
    uint8_t family; /* 4 or 6 */
    uint8_t addr[16];
    uint16_t port;
};

struct bytes {
    const uint8_t *p;
    size_t len;
};

struct u16s {
    uint16_t *v;
    size_t n, cap;
};

struct u32s {
    uint32_t *v;
    size_t n, cap;
};

struct byteslist {
    struct bytes *v;
    size_t n, cap;
};

struct strs {
    const char **v;
    size_t n, cap;
};

/* Where in the capture something happened. */
struct where {
    int64_t ts;      /* nanoseconds since the epoch */
    uint64_t packet; /* 1-based packet number in the capture */
    uint32_t record; /* 1-based TLS record number in its direction */
};

struct ext_seen {
    uint16_t type;
    uint16_t len;
    bool bad;       /* body did not parse */
    bool duplicate; /* the same type appeared earlier in this hello */
};

struct ext_list {
    struct ext_seen *v;
    size_t n, cap;
};

enum ech_kind { ECH_NONE = 0, ECH_OUTER, ECH_INNER, ECH_UNKNOWN };

/* One QUIC transport parameter (RFC 9000 18.2): an integer, or bytes
 * (connection IDs, tokens, addresses; empty for a flag). */
struct quic_param {
    uint64_t id;
    bool integer;
    uint64_t value;
    struct bytes raw;
};

struct quic_params {
    struct quic_param *v;
    size_t n, cap;
};

/* A ClientHello, ServerHello or HelloRetryRequest. */
struct hello {
    bool present;
    bool sslv2;  /* SSLv2 record format */
    bool is_hrr; /* HelloRetryRequest (ServerHello with the special random) */
    bool truncated;
    bool exts_unreadable; /* bytes follow the fixed fields, but not an extension list */
    uint16_t record_version;
    uint16_t version; /* legacy_version, or the SSLv2 version */
    uint8_t random[32];
    uint8_t random_len;
    struct bytes session_id;
    struct u32s ciphers; /* SSLv2 specs are 24-bit */
    uint32_t cipher;     /* ServerHello: the chosen suite */
    struct bytes compression;
    struct ext_list exts; /* in wire order, GREASE included */

    /* Decoded extensions. */
    struct byteslist sni;
    struct u16s groups, sig_algs, sig_algs_cert, versions, key_share_groups;
    struct u16s dc_sig_algs; /* delegated_credential: schemes a credential may be signed with */
    struct quic_params quic_params; /* quic_transport_parameters, in the order sent */
    bool has_quic_params;
    struct u16s cert_compression;
    struct bytes point_formats, psk_modes, alpn_raw;
    struct byteslist alpn;
    uint16_t selected_version; /* ServerHello supported_versions */
    uint16_t n_psk_identities;
    int32_t psk_selected; /* -1: none */
    bool has_session_ticket;
    uint32_t session_ticket_len;
    bool early_data, ems, etm, reneg_info, sct, status_request;
    bool post_handshake_auth, heartbeat, npn;
    uint8_t status_request_type, heartbeat_mode, max_fragment_length;
    uint16_t record_size_limit, padding_len, cookie_len;
    uint16_t dtls_cookie_len; /* DTLS ClientHello: the cookie echoed (RFC 6347 4.2.1) */
    enum ech_kind ech;
    uint16_t ech_payload_len;
    struct where at;
};

/* A stapled OCSP response (RFC 6066 8, RFC 8446 4.4.2.1). */
struct cert_status {
    bool present;
    uint8_t type;          /* 1 = ocsp */
    uint32_t response_len;
    const char *response_status; /* "successful", ... */
    const char *cert_status;     /* "good", "revoked", "unknown" */
    int64_t this_update, next_update, produced_at;
};

struct cert {
    struct bytes der;
    uint8_t sha256[32], sha1[20];
    const char *parse_error; /* NULL when OpenSSL decoded it */
    int version;
    const char *serial, *subject, *issuer;
    int64_t not_before, not_after; /* seconds since the epoch */
    bool has_validity;
    const char *key_alg, *key_type, *curve, *exponent, *sig_alg;
    int key_bits;
    /* names as their bytes: one may hold a NUL (the NUL-prefix trick:
     * "www.example.com\0.evil.test"), so each keeps its length; p[len]
     * is 0 for convenience */
    struct byteslist san_dns, san_email, san_uri;
    struct strs san_ip;
    bool has_basic_constraints, ca;
    bool proxy; /* an RFC 3820 proxy certificate (proxyCertInfo): short-lived by design */
    int path_len; /* -1: absent */
    uint16_t key_usage; /* KU_* bits */
    bool has_key_usage, has_ext_key_usage;
    struct strs ext_key_usage;
    struct byteslist ocsp_urls, crl_urls;
    uint8_t nul_names; /* CERT_NUL_*: the names that hold a NUL byte */
    bool self_signed; /* subject == issuer and the signature verifies */
    uint16_t n_scts;  /* embedded SCTs */
    /* sent with the certificate in the handshake, not part of it: TLS
     * 1.3 CertificateEntry extensions, and for a TLS 1.2 leaf the
     * CertificateStatus message */
    struct cert_status stapled_ocsp;
    uint16_t stapled_scts;
};

enum {
    CERT_NUL_SUBJECT = 1 << 0,
    CERT_NUL_ISSUER = 1 << 1,
    CERT_NUL_DNS = 1 << 2,
    CERT_NUL_EMAIL = 1 << 3,
    CERT_NUL_URI = 1 << 4,
    CERT_NUL_OCSP = 1 << 5,
    CERT_NUL_CRL = 1 << 6,
};

enum {
    CERT_KU_DIGITAL_SIGNATURE = 1 << 0,
    CERT_KU_NON_REPUDIATION = 1 << 1,
    CERT_KU_KEY_ENCIPHERMENT = 1 << 2,
    CERT_KU_DATA_ENCIPHERMENT = 1 << 3,
    CERT_KU_KEY_AGREEMENT = 1 << 4,
    CERT_KU_KEY_CERT_SIGN = 1 << 5,
    CERT_KU_CRL_SIGN = 1 << 6,
    CERT_KU_ENCIPHER_ONLY = 1 << 7,
    CERT_KU_DECIPHER_ONLY = 1 << 8,
};

/* What OpenSSL said of a chain (checked when a trust store was given). */
struct chain_check {
    bool checked, ok;
    const char *error; /* OpenSSL's reason when not ok */
    int error_depth;   /* which certificate it concerns */
};

struct chain {
    bool seen; /* a Certificate message was read (it may be empty) */
    struct cert *v;
    size_t n, cap;
    struct where at;
    struct chain_check trusted; /* against --ca-file, at capture time */
    uint16_t compression;       /* RFC 8879 algorithm it came compressed with, or 0 */
    bool public_root;           /* chains to a root of the system trust store */
    bool from_record_size;      /* TLS 1.3 without keys: an empty Certificate known by its size */
};

/* IBM MQ spoken in plaintext on the connection (TSH segments). */
struct mq_plain {
    bool client, server; /* who sent TSH segments */
    bool ebcdic;
    uint8_t fap;
    char channel[21], qmgr[49];
    bool userid, password;   /* credentials flowed in clear */
    bool has_status;
    uint32_t status;         /* STATUS segment code from the server */
    struct where at;
};

enum kx_kind { KX_NONE = 0, KX_ECDHE, KX_DHE, KX_RSA_EXPORT, KX_OTHER };

struct server_kx {
    bool present, parsed;
    enum kx_kind kind;
    uint16_t group;      /* ECDHE named curve */
    uint16_t dh_p_bits;  /* DHE prime size */
    uint16_t pubkey_len;
    bool has_sig_scheme;
    uint16_t sig_scheme; /* TLS 1.2 SignatureAndHashAlgorithm */
};

struct cert_request {
    bool present;
    struct bytes cert_types;
    struct u16s sig_algs;
    struct strs ca_names; /* RFC 2253 */
};

struct alert {
    uint8_t dir;
    bool encrypted;
    uint8_t level, desc;
    struct where at;
};

struct alerts {
    struct alert *v;
    size_t n, cap;
    uint32_t dropped; /* beyond the per-session cap (session_alert) */
};

/* What the timeline lists: handshake messages by type, and the other
 * record-level and TCP events that explain a handshake. */
enum ev_kind {
    EV_HANDSHAKE = 0, /* type = handshake message type */
    EV_ENC_HANDSHAKE, /* encrypted handshake record(s), content unknown */
    EV_CCS,      /* type = 1 when sent under the previous keys (a renegotiation) */
    EV_ALERT,    /* type = description, or 255 when encrypted */
    EV_APPDATA,  /* first application data record of a direction */
    EV_EARLY_DATA, /* 0-RTT application data after the ClientHello */
    EV_HEARTBEAT,
    EV_SSL2,     /* type = SSLv2 message type */
    EV_QUIC_VERSION_NEG, /* len = the versions offered */
    EV_QUIC_RETRY,       /* len = the token's bytes */
    EV_QUIC_PATH,        /* the connection moved (quic.paths); dir: the side whose address or port changed */
    EV_TCP_SYN,
    EV_TCP_FIN,
    EV_TCP_RST,
    EV_TCP_ACK,         /* the client's ACK completing the three-way handshake */
    EV_TCP_RETRANSMIT,  /* type 0: bytes sent again, 1: a hole filled late; len = the wait in microseconds */
    EV_TCP_ZERO_WINDOW, /* the sender's receive window closed */
};

struct event {
    uint8_t kind, type, dir;
    uint32_t len;
    struct where at;
};

struct events {
    struct event *v;
    size_t n, cap;
    uint32_t dropped; /* beyond the per-session cap (session_event) */
};

struct anomaly {
    const char *what; /* stable identifier, e.g. "tcp_gap" */
    const char *detail;
    uint8_t dir;
    struct where at;
};

struct anomalies {
    struct anomaly *v;
    size_t n, cap;
    uint32_t dropped; /* beyond the per-session cap */
};

enum severity { SEV_INFO = 0, SEV_LOW, SEV_MEDIUM, SEV_HIGH };

struct finding {
    const char *rule, *title, *evidence, *fix, *mq;
    enum severity severity;
    bool explains; /* it says why the handshake failed */
};

/* A handshake message as it was on the wire (or decrypted), kept only
 * when asked for (dissect_config.keep_messages): the first
 * SESSION_MESSAGES_KEPT of a session, as many as its timeline can show. */
enum { SESSION_MESSAGES_KEPT = 512 };
struct raw_message {
    uint8_t type, dir;
    struct where at;
    struct bytes body;
};

struct raw_messages {
    struct raw_message *v;
    size_t n, cap;
};

struct findings {
    struct finding *v;
    size_t n, cap;
};

/* records[dir][slot]: content types 20..26, then "other" */
enum {
    REC_CCS, REC_ALERT, REC_HANDSHAKE, REC_APPDATA, REC_HEARTBEAT,
    REC_TLS12_CID, REC_ACK, REC_OTHER, REC_TYPE_SLOTS,
};

/* What decrypting with a key log gave (when one was given). */
struct decryption {
    bool attempted;       /* a key log was available */
    bool keys;            /* it had a line for this session */
    const char *problem;  /* why it could not be (fully) decrypted, or NULL */
    uint32_t records;     /* records decrypted */
    uint32_t failures;    /* records that did not authenticate */
    uint32_t early_records;
    uint32_t key_updates[2];
    uint32_t renegotiations;
    /* application data (read only with --decrypt-app, or when small) */
    uint64_t app_bytes[2];
    uint32_t app_records[2];
    struct bytes app_first[2]; /* the first bytes of the first record */
    uint32_t app_first_len[2]; /* that record's plaintext length */
};

/* Fingerprints of the hellos (dissect/fingerprint/fingerprint.h); NULL or "" when
 * there was no hello to take them from. */
struct fingerprints {
    const char *ja3, *ja3s;           /* the strings hashed */
    char ja3_hash[33], ja3s_hash[33]; /* lowercase hex MD5 */
    char ja4[40], ja4_o[40];          /* JA4, and over the original order */
    const char *ja4_r, *ja4_ro;       /* raw forms: sorted, original order */
    bool made;                        /* filled in, by whichever thread made them */
};

/* What the server made of an Encrypted Client Hello offer. The outer
 * hello alone cannot tell real ECH from GREASE ECH (browsers send one to
 * every server, with the real name in the outer SNI); only the server's
 * answer can. */
enum ech_outcome {
    EO_NONE,      /* no ECH offered */
    EO_UNKNOWN,   /* offered; nothing seen tells whether the server used it */
    EO_NOT_USED,  /* the server answered the outer hello: the SNI shown is the name it served */
    EO_ACCEPTED,  /* the server confirmed it: the SNI shown is only a public name */
};

/* What the TCP layer showed in one direction while tlsscope followed the
 * connection: loss (seen from either side of the capture point) and flow
 * control. */
struct tcp_dir_stats {
    uint32_t retransmits; /* segments repeating bytes already seen */
    uint32_t late_fills;  /* holes filled after later bytes had arrived */
    uint32_t gaps;        /* holes never filled: bytes the capture lacks */
    uint64_t gap_bytes;
    uint32_t zero_windows; /* times its receive window closed */
    int64_t longest_wait;  /* ns the connection waited on one retransmission or late fill */
    uint64_t longest_wait_packet;
};

/* How the handshake travelled: TLS records over TCP, CRYPTO frames in
 * QUIC packets, or DTLS records in UDP datagrams. */
enum transport { TR_TCP = 0, TR_QUIC, TR_DTLS };

/* same_endpoint - one address and port (one listener, one client socket). */
bool same_endpoint(const struct endpoint *a, const struct endpoint *b);

/* transport_protocol - "tls", "quic" or "dtls"; transport_carrier - "tcp"
 * or "udp": the names JSON, CSV, filters and expectations use. */
const char *transport_protocol(enum transport t);
const char *transport_carrier(enum transport t);

/* QUIC packet types as one numbering for every version (v2 puts them at
 * other codes on the wire), and the short header. */
enum { QP_INITIAL, QP_0RTT, QP_HANDSHAKE, QP_RETRY, QP_SHORT, QP_VERSION_NEG, QP_KINDS };

/* What QUIC's own headers and frames showed (RFC 9000). */
/* A Retry's integrity tag (RFC 9001 5.8). */
enum quic_retry_tag {
    RETRY_TAG_UNCHECKED, /* no key for the version (drafts before 25), or the client's Initial not seen */
    RETRY_TAG_VALID,
    RETRY_TAG_INVALID,
};

/* A path a QUIC connection moved to (RFC 9000 9), found by its
 * connection ID, or its first path again. */
struct quic_path {
    struct endpoint client, server;
    struct where at; /* its first datagram */
};

struct quic_paths {
    struct quic_path *v;
    size_t n, cap;
};

struct quic_info {
    uint32_t version;       /* of the server's Initial packets; else the client's first Initial's */
    uint32_t first_version; /* the client's first Initial's (a reserved one forces negotiation) */
    struct bytes dcid;      /* of the client's first Initial of `version`: the Initial keys' source */
    struct bytes scid;      /* the client's source connection ID */
    bool has_client_ids;    /* dcid and scid were read (either may be empty) */
    struct bytes server_scid;
    bool has_server_scid;
    struct u32s offered;    /* versions a Version Negotiation packet listed */
    uint32_t packets[2][QP_KINDS]; /* by session direction */
    uint32_t undecrypted[2];       /* long-header packets whose protection could not be removed */
    uint32_t client_hello_packets; /* Initial packets that carried ClientHello bytes */
    uint32_t crypto_out_of_order;  /* CRYPTO frames that arrived before the bytes ahead of them */
    uint32_t retries;
    struct bytes retry_token;      /* the last Retry's token */
    enum quic_retry_tag retry_tag; /* the last Retry's integrity tag */
    uint32_t initials_after_retry; /* the client's Initial packets after the last Retry */
    uint32_t initials_after_vn;    /* the client's Initial packets (opened) after a Version Negotiation */
    bool close_seen, close_app;    /* a CONNECTION_CLOSE in a packet we could open */
    uint8_t close_dir;
    uint64_t close_code;
    const char *close_reason;
    struct where close_at;
    /* Zeek's quic.log history: I Initial, H Handshake, Z 0-RTT, R Retry,
     * C CONNECTION_CLOSE, S a hello, U an unknown version, O short-header
     * packets at 1, 2, 4, 8... of them; upper case from the side that sent
     * the first datagram */
    char history[101];
    /* the paths the connection took after its first, in order (at most
     * QUIC_PATHS_KEPT; path_changes counts them all) */
    struct quic_paths paths;
    uint32_t path_changes;
};

enum { QUIC_PATHS_KEPT = 16 };

/* What DTLS's own headers showed (RFC 6347, RFC 9147). */
struct dtls_info {
    bool hello_verify;         /* the server answered with a HelloVerifyRequest */
    uint16_t cookie_len;       /* the cookie it asked the client to echo */
    uint32_t retransmits[2];   /* handshake messages seen again, by session direction */
    uint32_t fragments[2];     /* handshake fragments that were not whole messages */
    uint32_t unified_records[2]; /* DTLS 1.3 records with the unified header (protected) */
    uint16_t record_version;   /* the first cleartext record's */
};

/* how much of a non-TLS answer to a hello a session keeps */
enum { NOT_TLS_KEEP = 64 };

struct session {
    struct arena *arena;
    uint64_t id;
    enum transport transport;
    struct quic_info quic; /* transport == TR_QUIC */
    struct dtls_info dtls; /* transport == TR_DTLS */
    struct endpoint client, server;
    bool roles_guessed; /* neither SYN nor hello proved who is the client */
    int64_t ts_first, ts_last;
    uint64_t packet_first, packet_last;
    const char *starttls; /* "smtp", "imap", ... or NULL */
    const char *tunnel;   /* "socks4", "socks5", "http-connect" or NULL */
    const char *tunnel_host; /* the host the client asked the proxy for, or NULL */
    uint16_t tunnel_port;

    struct hello ch, ch_retry, sh, hrr;
    struct hello ee; /* TLS 1.3 EncryptedExtensions, when decrypted */
    uint8_t n_client_hellos;

    /* Negotiated facts. */
    bool has_version, has_cipher, has_group;
    uint16_t version;
    uint32_t cipher;
    uint16_t group;
    struct bytes alpn_selected;
    bool has_alpn_selected;
    bool resumed, established, decrypted;
    bool client_finished, server_finished;
    bool mid_stream; /* the capture starts after the connection did */

    struct chain server_certs, client_certs;
    struct mq_plain mq;
    struct server_kx ske;
    struct cert_request cert_request;
    struct cert_status cert_status;
    bool cke_seen;
    uint32_t cke_len;
    bool cert_verify_seen;
    uint16_t cert_verify_scheme;
    bool ticket_seen;
    uint32_t ticket_lifetime, ticket_len;
    uint32_t tickets;           /* NewSessionTicket messages */
    uint32_t max_early_data;    /* TLS 1.3 ticket's early_data limit */
    struct decryption decryption;
    struct fingerprints fp;

    struct alerts alerts;
    struct events events;
    struct anomalies anomalies;
    struct findings findings;
    struct raw_messages messages;

    uint32_t records[2][REC_TYPE_SLOTS];
    uint64_t bytes[2];
    bool saw_appdata[2];
    /* protected records after the handshake (TLS 1.3: tickets included) */
    uint32_t appdata_records[2];
    bool encrypted[2]; /* this direction's records are protected */
    /* TLS <= 1.2 renegotiations: ChangeCipherSpec records sent under the
     * previous handshake's keys, by direction; renegotiations is the
     * larger count (with or without keys) */
    uint32_t protected_ccs[2];
    uint32_t renegotiations;
    /* the capture holds one direction only: 1 + the direction seen (DIR_C2S
     * or DIR_S2C), 0 when both were, or when nothing tells */
    uint8_t one_way;
    /* the first bytes one side answered a TLS hello with, when they were
     * not TLS (an HTTP or SMTP server, say), from not_tls_dir */
    struct bytes not_tls_reply;
    uint8_t not_tls_dir;
    struct where not_tls_at;
    enum ech_outcome ech; /* dissect/finalize.c */
    struct tcp_dir_stats tcp[2]; /* by session direction */
    struct where hs_start, hs_end;
    bool has_hs_end;
};

/* session_new - an empty session with its own arena; NULL on no memory. */
struct session *session_new(uint64_t id);
/* session_free - free the session and its arena. */
void session_free(struct session *s);

/* session_anomaly - record something malformed or surprising. Keeps the
 * first few per session and counts the rest. */
void session_anomaly(struct session *s, uint8_t dir, const struct where *at,
                     const char *what, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* session_event - append to the timeline: the first SESSION_MESSAGES_KEPT
 * events, the rest counted. */
void session_event(struct session *s, uint8_t kind, uint8_t type, uint8_t dir,
                   uint32_t len, const struct where *at);

/* session_alert - record an alert. Keeps the first 64 per session; past
 * them the last kept is the latest, and the others are counted. */
void session_alert(struct session *s, const struct alert *al);

/* hello_has_extension - did the hello carry an extension of this type? */
bool hello_has_extension(const struct hello *h, uint16_t type);

/* session_last_alert - the last alert whose content could be read, or NULL. */
const struct alert *session_last_alert(const struct session *s);

/* session_handshake_ms - milliseconds from the first handshake message to
 * the end of the handshake; negative when the end was not seen.
 * session_handshake_ns - the same in nanoseconds, for writing it exactly. */
double session_handshake_ms(const struct session *s);
int64_t session_handshake_ns(const struct session *s);

/* session_rtt_ms - the network round trip: SYN to the ACK that completes
 * the three-way handshake, which holds wherever the capture point sits
 * (SYN to SYN-ACK alone is the far side's share, and all there is when
 * the ACK was not seen); negative without the SYN and its answer. syn_synack and synack_ack, when not NULL,
 * get the two shares (negative when unknown). session_rtt_ns - the same
 * in nanoseconds. */
double session_rtt_ms(const struct session *s, double *syn_synack, double *synack_ack);
int64_t session_rtt_ns(const struct session *s, int64_t *syn_synack, int64_t *synack_ack);

/* is_grease - RFC 8701 reserved values (0x?A?A with equal bytes). */
static inline bool is_grease(uint32_t v)
{
    return v <= 0xffff && (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}
