#pragma once

/* Byte builder for hand-made protocol messages in tests. Length-prefixed
 * vectors nest: b_open() reserves the length field, b_close() fills it. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "include/cur.h"

enum { BUILD_MAX = 1 << 17 };

struct builder {
    uint8_t b[BUILD_MAX];
    size_t n;
};

void b_reset(struct builder *b);
void b_u8(struct builder *b, uint8_t v);
void b_u16(struct builder *b, uint16_t v);
void b_u24(struct builder *b, uint32_t v);
void b_u32(struct builder *b, uint32_t v);
void b_u16le(struct builder *b, uint16_t v);
void b_u32le(struct builder *b, uint32_t v);
void b_bytes(struct builder *b, const void *p, size_t n);
void b_str(struct builder *b, const char *s);
void b_fill(struct builder *b, uint8_t v, size_t n);
/* b_open - reserve a big-endian length of `width` bytes; returns a mark. */
size_t b_open(struct builder *b, int width);
/* b_close - write the length of everything after the mark. */
void b_close(struct builder *b, size_t mark);
struct cur b_cur(const struct builder *b);
/* b_set_u16 / b_set_u24 - overwrite a field (to forge bad lengths). */
void b_set_u16(struct builder *b, size_t at, uint16_t v);
void b_set_u24(struct builder *b, size_t at, uint32_t v);

/* TLS helpers: a record of `type` around what follows the returned mark. */
size_t b_record(struct builder *b, uint8_t type);
/* A handshake message header; close with b_close(b, mark). */
size_t b_handshake(struct builder *b, uint8_t type);

/* tls_client_hello - a ClientHello message (header included) offering
 * TLS 1.3 and 1.2 with SNI `sni`, the common extensions, and `extra`
 * appended inside the extensions block when not NULL. */
void tls_client_hello(struct builder *b, const char *sni, const struct builder *extra);
/* tls_server_hello - a ServerHello message choosing `cipher` at `version`
 * (TLS 1.3: via supported_versions with a key_share for x25519). */
void tls_server_hello(struct builder *b, uint16_t version, uint16_t cipher);
/* read_file_der - a PEM certificate from the source tree, as DER. */
size_t read_cert_der(const char *relpath, uint8_t *out, size_t cap);
