#pragma once

/* Cryptography (dissect/crypto/): the key log, each session's key
 * schedule and record decryption (decrypt.c, over tls_keys.c and
 * tls_open.c), and digests safe on any thread. Private to dissect/; the
 * key log's own API is keylog.h. */

#include "include/cur.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tflow;

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

/* ---- digest.c --------------------------------------------------------------- */

enum digest_alg { DIGEST_MD5, DIGEST_SHA1, DIGEST_SHA256, DIGEST_COUNT };

/* digest - alg over n bytes at p into out (up to 64 bytes); its length, or
 * 0 when OpenSSL failed. Safe on any thread. */
unsigned digest(enum digest_alg alg, const void *p, size_t n, uint8_t out[64]);
