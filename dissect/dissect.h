#pragma once

/* dissect/: finds TLS in TCP streams by content (on any port, after
 * STARTTLS or proxy preambles), parses records and handshake messages, and
 * fills in one struct session per connection. Finished sessions are handed
 * to a sink in the order the connections started. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/capture.h"
#include "include/session.h"

struct dissect_config {
    size_t max_handshake_msg; /* bytes; larger messages are an anomaly */
    size_t max_prelude;       /* cleartext bytes searched for a TLS start */
    size_t max_certs;         /* certificates kept per chain */
    size_t reorder_window;    /* finished sessions held back to keep order */
};

/* dissect_config_default - the built-in limits. */
struct dissect_config dissect_config_default(void);

/* Receives each finished session and takes ownership (session_free). */
typedef void (*dissect_sink)(void *ctx, struct session *s);

struct dissect_stats {
    uint64_t flows_seen, tls_sessions, sslv2_sessions, starttls_sessions;
    uint64_t gaps, anomalies, certs_parsed, cert_cache_hits;
};

struct dissect;

/* dissect_new - NULL on no memory. */
struct dissect *dissect_new(const struct dissect_config *cfg,
                            dissect_sink sink, void *sink_ctx);
/* dissect_flow_handler - the callbacks to give capture_new. */
struct flow_handler dissect_flow_handler(struct dissect *d);
/* dissect_finish - hand every remaining session to the sink. Call after
 * capture_flush. */
void dissect_finish(struct dissect *d);
const struct dissect_stats *dissect_stats(const struct dissect *d);
void dissect_free(struct dissect *d);
