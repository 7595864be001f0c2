#pragma once

/* QUIC (dissect/quic/): the long-header packets that carry a handshake
 * (RFC 9000 17.2, RFC 9369), their protection (RFC 9001 5), and the
 * CRYPTO frames whose bytes are TLS handshake messages, handed to the
 * same parsers as TLS over TCP. Private to dissect/. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "include/cur.h"
#include "include/session.h"

struct tflow;
struct quic_conn;
struct quic_work;

/* A version whose Initial packets tlsscope can open. */
struct quic_version {
    uint32_t code;
    const char *name;      /* "QUICv1", "draft-29", "mvfst-draft-27", ... */
    const uint8_t *salt;   /* 20 bytes (RFC 9001 5.2) */
    const char *label;     /* "quic " or "quicv2 " before key, iv, hp, ku */
    bool v2_types;         /* packet types as RFC 9369 3.2 numbers them */
    const uint8_t *retry_key; /* the Retry Integrity Tag's key (16 bytes) and nonce (12), or NULL */
};

/* quic_version_find - the version's parameters, or NULL when its Initial
 * packets cannot be opened (unknown, reserved, Google's own). */
const struct quic_version *quic_version_find(uint32_t code);
/* quic_version_name - "QUICv1", "draft-29", "reserved (forces negotiation)"... */
const char *quic_version_name(uint32_t code, char buf[32]);

/* quic_param_name - a transport parameter's name (RFC 9000 18.2 and its
 * extensions), "grease" for the reserved 31*N+27 ones, NULL when unknown. */
const char *quic_param_name(uint64_t id);

/* Packet protection of one direction at one level. */
struct quic_keys {
    bool ready;
    uint8_t key[32], iv[12], hp[32];
    const struct suite *su;
};

/* quic_initial_keys - the Initial keys of the client (client true) or the
 * server, from the client's first Destination Connection ID (RFC 9001 5.2).
 * The secret, when not NULL, gets the 32-byte Initial secret of that side. */
bool quic_initial_keys(const struct quic_version *v, struct cur dcid, bool client,
                       struct quic_keys *out, uint8_t secret[32]);
/* quic_traffic_keys - keys from a TLS 1.3 traffic secret (a key log's
 * handshake secrets) for a suite. */
bool quic_traffic_keys(const struct quic_version *v, const struct suite *su, const uint8_t *secret,
                       size_t secret_len, struct quic_keys *out);
/* quic_retry_check - a Retry packet's integrity tag (RFC 9001 5.8), the
 * packet whole to the end of its datagram, odcid the Destination
 * Connection ID of the client's Initial it answers. */
enum quic_retry_tag quic_retry_check(EVP_CIPHER_CTX *ctx, const struct quic_version *v, struct cur odcid,
                                     struct cur retry);
/* quic_hp_mask - header protection's 5-byte mask for a 16-byte sample,
 * with a cipher context to reuse. */
bool quic_hp_mask(EVP_CIPHER_CTX *ctx, const struct quic_keys *k, const uint8_t sample[16], uint8_t mask[5]);

/* quic_datagram - one UDP datagram of a QUIC flow, wire_len bytes long
 * before any snaplen cut. False while the flow holds nothing worth
 * keeping (no packet opened, no session). */
bool quic_datagram(struct tflow *tf, int fdir, struct cur dgram, uint32_t wire_len);
/* quic_new_connection - whether the datagram, not yet read, is a client's
 * first Initial of a new connection on the flow's ports. */
bool quic_new_connection(struct tflow *tf, int fdir, struct cur dgram, uint32_t wire_len);
/* quic_free - a flow's QUIC state; quic_work_free - a tracker's work area. */
void quic_free(struct quic_conn *q);
void quic_work_free(struct quic_work *w);
