#pragma once

/* The dissector's core: each flow's state (struct tflow), content
 * detection, the queue and the end of a flow. The jobs it hands bytes to
 * each have their header: tls/tls.h (records, handshake messages,
 * extensions), crypto/crypto.h (decryption, digests), x509/x509.h
 * (certificates, trust); mq/ and revocation/ are declared here, since
 * they read a flow's bytes as the record layer does. */

#include "dissect/dissect.h"
#include "include/buf.h"
#include "dissect/crypto/crypto.h"
#include "dissect/dtls/dtls.h"
#include "dissect/quic/quic.h"
#include "dissect/registry/registry.h"
#include "dissect/tls/tls.h"
#include "dissect/x509/x509.h"

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
    /* handshake bytes of an unfinished message (SSLv2: of a record; plaintext
     * MQ: the first segments), capped by whichever reads them */
    struct buf hs;
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
    enum transport udp_kind;        /* a UDP flow: TR_QUIC or TR_DTLS once told; TR_TCP before */
    struct quic_conn *quic;         /* QUIC's packet state */
    struct dtls_conn *dtls;         /* DTLS's fragment state */
    bool renegotiating;             /* TLS <= 1.2, inside a decrypted renegotiation */
};


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
    bool (*fingerprint_now)(void *ctx);
    void *fingerprint_ctx;
    struct keylog *keylog;
    struct quic_work *quic_work; /* QUIC's cipher context and scratch, made at first use */
    /* batched: sessions leave only through dissect_pump_all */
    const struct capture_order *order;
    uint64_t created;
    struct tflow *handed_on; /* their sessions handed on, left to free */
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

/* ---- queue.c: handing sessions on, in order ------------------------------ */

/* queue_closed - its connection ended: the session can go (or its flow is
 * freed, if it went already or never was one). */
void queue_closed(struct dissect *d, struct tflow *tf);
/* queue_pump - hand on what may go; force: everything. */
void queue_pump(struct dissect *d, bool force);
/* queue_free - drop what is still queued (the dissector is being freed). */
void queue_free(struct dissect *d);
void tflow_free(struct tflow *tf);

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

/* ---- finalize.c ---------------------------------------------------------- */

/* finalize_session - derive the negotiated facts once the flow is over. */
void finalize_session(struct dissect *d, struct session *s);
