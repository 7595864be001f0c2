#include "tests/unit/builder.h"

#include <assert.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <string.h>

void b_reset(struct builder *b) { b->n = 0; }

void b_u8(struct builder *b, uint8_t v)
{
    assert(b->n + 1 <= BUILD_MAX);
    b->b[b->n++] = v;
}

void b_u16(struct builder *b, uint16_t v)
{
    b_u8(b, (uint8_t)(v >> 8));
    b_u8(b, (uint8_t)v);
}

void b_u24(struct builder *b, uint32_t v)
{
    b_u8(b, (uint8_t)(v >> 16));
    b_u16(b, (uint16_t)v);
}

void b_u32(struct builder *b, uint32_t v)
{
    b_u16(b, (uint16_t)(v >> 16));
    b_u16(b, (uint16_t)v);
}

void b_u16le(struct builder *b, uint16_t v)
{
    b_u8(b, (uint8_t)v);
    b_u8(b, (uint8_t)(v >> 8));
}

void b_u32le(struct builder *b, uint32_t v)
{
    b_u16le(b, (uint16_t)v);
    b_u16le(b, (uint16_t)(v >> 16));
}

void b_bytes(struct builder *b, const void *p, size_t n)
{
    assert(b->n + n <= BUILD_MAX);
    memcpy(b->b + b->n, p, n);
    b->n += n;
}

void b_str(struct builder *b, const char *s) { b_bytes(b, s, strlen(s)); }

void b_fill(struct builder *b, uint8_t v, size_t n)
{
    assert(b->n + n <= BUILD_MAX);
    memset(b->b + b->n, v, n);
    b->n += n;
}

/* A mark encodes the position (low bits) and the width (top bits). */
size_t b_open(struct builder *b, int width)
{
    size_t mark = b->n | ((size_t)width << 24);
    b_fill(b, 0, (size_t)width);
    return mark;
}

void b_close(struct builder *b, size_t mark)
{
    size_t at = mark & 0xffffff;
    int width = (int)(mark >> 24);
    size_t len = b->n - at - (size_t)width;
    for (int i = width - 1; i >= 0; i--, len >>= 8)
        b->b[at + (size_t)i] = (uint8_t)len;
}

struct cur b_cur(const struct builder *b) { return cur_make(b->b, b->n); }

void b_set_u16(struct builder *b, size_t at, uint16_t v)
{
    b->b[at] = (uint8_t)(v >> 8);
    b->b[at + 1] = (uint8_t)v;
}

void b_set_u24(struct builder *b, size_t at, uint32_t v)
{
    b->b[at] = (uint8_t)(v >> 16);
    b_set_u16(b, at + 1, (uint16_t)v);
}

size_t b_record(struct builder *b, uint8_t type)
{
    b_u8(b, type);
    b_u16(b, 0x0303);
    return b_open(b, 2);
}

size_t b_handshake(struct builder *b, uint8_t type)
{
    b_u8(b, type);
    return b_open(b, 3);
}

void tls_client_hello(struct builder *b, const char *sni, const struct builder *extra)
{
    size_t m = b_handshake(b, 1);
    b_u16(b, 0x0303);
    b_fill(b, 0x11, 32);
    size_t sid = b_open(b, 1);
    b_fill(b, 0x22, 32);
    b_close(b, sid);
    size_t cs = b_open(b, 2);
    b_u16(b, 0x0a0a); /* GREASE */
    b_u16(b, 0x1301);
    b_u16(b, 0x1302);
    b_u16(b, 0xc02f);
    b_u16(b, 0x009d);
    b_close(b, cs);
    b_u8(b, 1);
    b_u8(b, 0);
    size_t exts = b_open(b, 2);
    if (sni) {
        b_u16(b, 0);
        size_t e = b_open(b, 2), l = b_open(b, 2);
        b_u8(b, 0);
        size_t n = b_open(b, 2);
        b_str(b, sni);
        b_close(b, n);
        b_close(b, l);
        b_close(b, e);
    }
    b_u16(b, 10); /* supported_groups */
    size_t e = b_open(b, 2), l = b_open(b, 2);
    b_u16(b, 0x001d);
    b_u16(b, 0x0017);
    b_close(b, l);
    b_close(b, e);
    b_u16(b, 13); /* signature_algorithms */
    e = b_open(b, 2), l = b_open(b, 2);
    b_u16(b, 0x0804);
    b_u16(b, 0x0403);
    b_close(b, l);
    b_close(b, e);
    b_u16(b, 43); /* supported_versions */
    e = b_open(b, 2), l = b_open(b, 1);
    b_u16(b, 0x0304);
    b_u16(b, 0x0303);
    b_close(b, l);
    b_close(b, e);
    b_u16(b, 51); /* key_share */
    e = b_open(b, 2), l = b_open(b, 2);
    b_u16(b, 0x001d);
    size_t k = b_open(b, 2);
    b_fill(b, 0x33, 32);
    b_close(b, k);
    b_close(b, l);
    b_close(b, e);
    if (extra)
        b_bytes(b, extra->b, extra->n);
    b_close(b, exts);
    b_close(b, m);
}

void tls_server_hello(struct builder *b, uint16_t version, uint16_t cipher)
{
    size_t m = b_handshake(b, 2);
    b_u16(b, 0x0303);
    b_fill(b, 0x44, 32);
    size_t sid = b_open(b, 1);
    b_fill(b, 0x66, 32); /* a new session, not the client's */
    b_close(b, sid);
    b_u16(b, cipher);
    b_u8(b, 0);
    size_t exts = b_open(b, 2);
    if (version == 0x0304) {
        b_u16(b, 43);
        size_t e = b_open(b, 2);
        b_u16(b, 0x0304);
        b_close(b, e);
        b_u16(b, 51);
        e = b_open(b, 2);
        b_u16(b, 0x001d);
        size_t k = b_open(b, 2);
        b_fill(b, 0x55, 32);
        b_close(b, k);
        b_close(b, e);
    } else {
        b_u16(b, 0xff01);
        size_t e = b_open(b, 2);
        b_u8(b, 0);
        b_close(b, e);
    }
    b_close(b, exts);
    b_close(b, m);
}

size_t read_cert_der(const char *relpath, uint8_t *out, size_t cap)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", TLSSCOPE_SOURCE_DIR, relpath);
    FILE *f = fopen(path, "r");
    assert(f);
    X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    assert(x);
    int n = i2d_X509(x, NULL);
    assert(n > 0 && (size_t)n <= cap);
    unsigned char *p = out;
    i2d_X509(x, &p);
    X509_free(x);
    return (size_t)n;
}
