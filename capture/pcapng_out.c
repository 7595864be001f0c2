/* Writing what a live capture saw as pcapng: one section, one interface
 * with nanosecond timestamps, an Enhanced Packet Block per packet. */
#include "capture/capture.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_INTERFACES = 16 };

/* Packets of another link type (a pcapng read back with several) get an
 * interface of their own. */
struct pcapng_out {
    FILE *f;
    char path[256];
    bool failed;
    uint32_t snaplen;
    uint16_t links[MAX_INTERFACES];
    size_t n_links;
};

static void put32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, 4); /* the section is written in this host's byte order */
}

static void block(struct pcapng_out *w, uint32_t type, const void *body, size_t len,
                  const void *tail, size_t tail_len)
{
    uint8_t head[8], trailer[4];
    size_t padded = (len + tail_len + 3) & ~(size_t)3;
    uint32_t total = (uint32_t)(12 + padded);
    static const uint8_t zeros[4];
    put32(head, type);
    put32(head + 4, total);
    put32(trailer, total);
    if (fwrite(head, 1, 8, w->f) != 8 || fwrite(body, 1, len, w->f) != len ||
        (tail_len && fwrite(tail, 1, tail_len, w->f) != tail_len) ||
        fwrite(zeros, 1, padded - len - tail_len, w->f) != padded - len - tail_len ||
        fwrite(trailer, 1, 4, w->f) != 4)
        w->failed = true;
}

static void interface(struct pcapng_out *w, uint16_t linktype)
{
    /* Interface Description: if_tsresol = 9 (nanoseconds), then opt_endofopt */
    uint32_t snaplen = w->snaplen;
    uint8_t idb[8 + 8 + 4];
    memcpy(idb, &linktype, 2);
    memset(idb + 2, 0, 2);
    put32(idb + 4, snaplen);
    uint16_t code = 9, olen = 1;
    memcpy(idb + 8, &code, 2);
    memcpy(idb + 10, &olen, 2);
    idb[12] = 9;
    memset(idb + 13, 0, 3);
    memset(idb + 16, 0, 4);
    block(w, 1, idb, sizeof(idb), NULL, 0);
    w->links[w->n_links++] = linktype;
}

enum st pcapng_out_open(const char *path, uint16_t linktype, uint32_t snaplen,
                        struct pcapng_out **out, char *err, size_t errlen)
{
    struct pcapng_out *w = calloc(1, sizeof(*w));
    if (!w) {
        snprintf(err, errlen, "out of memory");
        return ST_NOMEM;
    }
    w->f = fopen(path, "wb");
    if (!w->f) {
        snprintf(err, errlen, "%s", strerror(errno));
        free(w);
        return ST_IO;
    }
    snprintf(w->path, sizeof(w->path), "%s", path);
    /* Section Header: byte-order magic, version 1.0, length unknown */
    uint8_t shb[16];
    put32(shb, 0x1a2b3c4d);
    uint16_t major = 1, minor = 0;
    memcpy(shb + 4, &major, 2);
    memcpy(shb + 6, &minor, 2);
    memset(shb + 8, 0xff, 8);
    block(w, 0x0a0d0d0a, shb, sizeof(shb), NULL, 0);
    w->snaplen = snaplen;
    interface(w, linktype);
    *out = w;
    return w->failed ? ST_IO : ST_OK;
}

enum st pcapng_out_packet(struct pcapng_out *w, const struct pkt *p)
{
    uint8_t epb[20];
    uint64_t ts = (uint64_t)p->ts;
    size_t id = 0;
    while (id < w->n_links && w->links[id] != p->linktype)
        id++;
    if (id == w->n_links) {
        if (w->n_links == MAX_INTERFACES)
            return ST_BAD;
        interface(w, p->linktype);
    }
    put32(epb, (uint32_t)id);
    put32(epb + 4, (uint32_t)(ts >> 32));
    put32(epb + 8, (uint32_t)ts);
    put32(epb + 12, (uint32_t)p->data.left);
    put32(epb + 16, p->wire_len);
    block(w, 6, epb, sizeof(epb), p->data.p, p->data.left);
    return w->failed ? ST_IO : ST_OK;
}

enum st pcapng_out_flush(struct pcapng_out *w)
{
    if (fflush(w->f) != 0)
        w->failed = true;
    return w->failed ? ST_IO : ST_OK;
}

enum st pcapng_out_close(struct pcapng_out *w)
{
    if (!w)
        return ST_OK;
    bool failed = w->failed || fclose(w->f) != 0;
    free(w);
    return failed ? ST_IO : ST_OK;
}
