#pragma once

/* dissect/: finds TLS in TCP streams by content (on any port, after
 * STARTTLS or proxy preambles), parses records and handshake messages, and
 * fills in one struct session per connection. Finished sessions are handed
 * to a sink in the order the connections started. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/capture.h"
#include "dissect/crypto/keylog.h"
#include "include/session.h"

struct dissect_config {
    size_t max_handshake_msg; /* bytes; larger messages are an anomaly */
    size_t max_prelude;       /* cleartext bytes searched for a TLS start */
    size_t max_certs;         /* certificates kept per chain */
    size_t reorder_window;    /* finished sessions held back to keep order */
    bool decrypt_app;         /* with a key log: read application data too */
    bool keep_messages;       /* keep each handshake message's bytes (the TUI) */
    bool skip_fingerprints;   /* no output and no rule asks for JA3/JA4: do not compute them */
    bool skip_trust;          /* no output and no rule asks whether chains are trusted: do not check */
    bool skip_certificates;   /* no output and no rule reads certificates: count them, do not decode */
};

/* dissect_config_default - the built-in limits. */
struct dissect_config dissect_config_default(void);

/* Receives each finished session and takes ownership (session_free). */
typedef void (*dissect_sink)(void *ctx, struct session *s);

/* An HTTP fetch of revocation data (OCSP request or CRL download) seen in
 * the capture, which may explain a slow handshake nearby. */
struct revocation_fetch {
    const char *kind; /* "ocsp" or "crl" */
    char host[128], path[128];
    struct endpoint client, server;
    int64_t ts_request, ts_response; /* ns; ts_response 0: no answer seen */
    int status;                      /* HTTP status, 0 when unknown */
    uint64_t packet;
};

typedef void (*dissect_fetch_sink)(void *ctx, const struct revocation_fetch *f);

/* A TCP connection that ended without a byte either way (a client that
 * gave up before its first message, a port check, a health probe). */
struct quiet_conn {
    struct endpoint client, server;
    int64_t ts_open, ts_close; /* ns */
    uint64_t packet;           /* its SYN */
    bool reset;                /* ended by RST rather than FIN */
    bool client_closed;        /* the client sent the first FIN or RST */
};

typedef void (*dissect_quiet_sink)(void *ctx, const struct quiet_conn *q);

struct dissect_stats {
    uint64_t flows_seen, tls_sessions, sslv2_sessions, starttls_sessions;
    uint64_t gaps, anomalies, certs_parsed, cert_cache_hits;
};

struct dissect;

/* dissect_new - NULL on no memory. */
struct dissect *dissect_new(const struct dissect_config *cfg,
                            dissect_sink sink, void *sink_ctx);
/* dissect_load_trust - verify certificate chains at capture time against
 * the CAs in ca_file (NULL: none), and note which chains reach a root of
 * the system trust store when system_roots is set. Returns ST_IO with a
 * reason in err when ca_file cannot be used. */
MUST_CHECK enum st dissect_load_trust(struct dissect *d, const char *ca_file,
                                      bool system_roots, char *err, size_t errlen);
/* dissect_share_trust - verify as from does, with the same stores: the
 * CA file is read once for every tracker. ST_NOMEM without memory. */
MUST_CHECK enum st dissect_share_trust(struct dissect *d, const struct dissect *from);
/* dissect_use_keylog - decrypt with these secrets (not owned; NULL: none). */
void dissect_use_keylog(struct dissect *d, struct keylog *k);
/* dissect_on_fetch - also report revocation fetches to sink. */
void dissect_on_fetch(struct dissect *d, dissect_fetch_sink sink, void *ctx);
/* dissect_on_quiet - also report connections that ended without a byte. */
void dissect_on_quiet(struct dissect *d, dissect_quiet_sink sink, void *ctx);
/* dissect_fingerprint_when - with skip_fingerprints, make them anyway as a
 * session is finished whenever now(ctx) says so: for a reader whose
 * consumer makes the missing ones (fp.made) and is at times behind. */
void dissect_fingerprint_when(struct dissect *d, bool (*now)(void *ctx), void *ctx);

/* dissect_flow_handler - the callbacks to give capture_new. */
struct flow_handler dissect_flow_handler(struct dissect *d);
/* dissect_finish - hand every remaining session to the sink. Call after
 * capture_flush. */
void dissect_finish(struct dissect *d);
/* dissect_tick - live capture: hand over now (out of start order) every
 * session whose handshake ended at least `settle` ns ago (established,
 * refused, or MQ without TLS) and every one quiet for `stall` ns; the rest
 * of such a connection is not followed. now: wall-clock ns. */
void dissect_tick(struct dissect *d, int64_t now, int64_t settle, int64_t stall);
const struct dissect_stats *dissect_stats(const struct dissect *d);

/* Batched reading, several trackers over one capture (cli/pipeline.c):
 * dissect_set_batched - sessions are finished when their flow closes but
 * handed to the sink only by dissect_pump_all, which orders them by where
 * they were made (order: the capture_order of this tracker's capture).
 * dissect_share_certs - use from's certificate cache (it is locked).
 * dissect_pump_all - hand over every finished session of the n trackers
 * that no earlier, still open session holds back (all of them when force),
 * numbering them from *next_id. Call it only while no tracker is fed.
 * The finished flows' own state is left to dissect_free_handed_on, for
 * each tracker to free on its own thread once it is fed again: freeing
 * it while the others wait made them wait longer. */
void dissect_set_batched(struct dissect *d, const struct capture_order *order);
void dissect_share_certs(struct dissect *d, const struct dissect *from);
void dissect_pump_all(struct dissect **ds, size_t n, bool force, uint64_t *next_id);
void dissect_free_handed_on(struct dissect *d);
void dissect_free(struct dissect *d);
