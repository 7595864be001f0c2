#include "tests/fuzz/records.h"

#include <stdlib.h>
#include <string.h>

#include "tests/fuzz/fuzz.h"

void out_put(struct bytes_out *o, const void *p, size_t n)
{
    if (o->n + n > o->cap) {
        o->cap = (o->n + n) * 2 + 64;
        o->p = realloc(o->p, o->cap);
        if (!o->p)
            abort();
    }
    if (n)
        memcpy(o->p + o->n, p, n);
    o->n += n;
}

void out_handshake(struct bytes_out *o, uint8_t type, const uint8_t *body, size_t n)
{
    struct bytes_out msg = {0};
    uint8_t head[4] = {type, (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n};
    out_put(&msg, head, 4);
    out_put(&msg, body, n);
    for (size_t at = 0; at < msg.n; at += 16384) {
        size_t len = msg.n - at < 16384 ? msg.n - at : 16384;
        uint8_t rec[5] = {22, 3, 3, (uint8_t)(len >> 8), (uint8_t)len};
        out_put(o, rec, 5);
        out_put(o, msg.p + at, len);
    }
    free(msg.p);
}

static void hello(struct bytes_out *o, uint8_t type, const uint8_t *exts, size_t n)
{
    struct bytes_out b = {0};
    uint8_t fixed[2 + 32 + 1] = {3, 3};
    for (int i = 0; i < 32; i++)
        fixed[2 + i] = (uint8_t)(i * 7 + type);
    out_put(&b, fixed, sizeof(fixed));
    if (type == 1)
        out_put(&b, "\x00\x04\x13\x01\xc0\x2f\x01\x00", 8); /* suites, compression */
    else
        out_put(&b, "\xc0\x2f\x00", 3);
    if (exts)
        out_put(&b, exts, n);
    out_handshake(o, type, b.p, b.n);
    free(b.p);
}

void out_client_hello(struct bytes_out *o, const uint8_t *exts, size_t n)
{
    hello(o, 1, exts, n);
}

void out_server_hello(struct bytes_out *o, const uint8_t *exts, size_t n)
{
    hello(o, 2, exts, n);
}

void feed_connection(const struct bytes_out *client, const struct bytes_out *server)
{
    struct pipe c;
    pipe_open(&c);
    struct flow_handler h;
    void *user = pipe_connection(&c, &h);
    const struct bytes_out *dirs[2] = {client, server};
    for (int dir = 0; user && dir < 2; dir++) {
        struct seg_meta m = {.ts = 2000 + dir, .packet = 2 + (uint64_t)dir};
        if (dirs[dir]->n)
            (void)h.data(h.ctx, user, dir, cur_make(dirs[dir]->p, dirs[dir]->n), &m);
    }
    if (user)
        h.close(h.ctx, user, FLOW_END_FIN);
    pipe_finish(&c);
    pipe_close(&c);
}
