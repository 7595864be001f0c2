#pragma once

/* Building TLS 1.2 records around fuzzed handshake bytes. */

#include <stddef.h>
#include <stdint.h>

struct bytes_out {
    uint8_t *p;
    size_t n, cap;
};

void out_put(struct bytes_out *o, const void *p, size_t n);
/* out_handshake - a handshake message (type, 24-bit length, body) cut into
 * TLS records of at most 16384 bytes. */
void out_handshake(struct bytes_out *o, uint8_t type, const uint8_t *body, size_t n);
/* out_client_hello / out_server_hello - TLS 1.2 hellos; exts (with its own
 * length field, or NULL for none) as given. */
void out_client_hello(struct bytes_out *o, const uint8_t *exts, size_t n);
void out_server_hello(struct bytes_out *o, const uint8_t *exts, size_t n);
/* feed_connection - give both streams to a fresh chain's dissector as one
 * connection, each in one piece, and finish. */
void feed_connection(const struct bytes_out *client, const struct bytes_out *server);
