/* QUIC frames behind real packet protection: each input piece becomes the
 * payload of an Initial packet sealed with the Initial keys of a fixed
 * Destination Connection ID (RFC 9001 5), from the client or the server,
 * so the fuzzer reaches the frame parser, CRYPTO reassembly (offsets out
 * of order, repeated, overlapping, past the limit) and the handshake
 * parsers behind it. Input: pieces as [flags: u8 (bit 0 the server, bit 1
 * QUIC v2), length: u16][frames]. */
#include "tests/fuzz/fuzz.h"

#include "tests/unit/quicbuild.h"

static const uint8_t dcid[8] = {0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08};
static const uint8_t scid[8] = {1, 2, 3, 4, 5, 6, 7, 8};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pipe c;
    pipe_open(&c);
    struct flow_handler h;
    void *user = pipe_datagrams(&c, &h);
    uint16_t pn[2] = {0, 0};
    uint64_t packet = 2;
    uint8_t dg[1400];
    struct cur client_id = cur_make(dcid, sizeof(dcid)), server_id = cur_make(scid, sizeof(scid));
    while (user && size >= 3) {
        bool server = data[0] & 1;
        uint32_t version = (data[0] & 2) ? 0x6b3343cf : 1;
        size_t n = (size_t)data[1] << 8 | data[2];
        data += 3;
        size -= 3;
        if (n > size)
            n = size;
        if (n > sizeof(dg) - 80)
            n = sizeof(dg) - 80;
        size_t len = quic_initial_packet(version, server, client_id, server ? server_id : client_id,
                                         server ? client_id : server_id, pn[server]++, data, n, dg);
        struct seg_meta m = {.ts = (int64_t)packet * 1000, .packet = packet};
        packet++;
        /* the datagram as if a snaplen cut its padding: a client's Initial
         * is opened only from a full-size datagram (RFC 9000 14.1) */
        uint32_t wire = len < 1200 ? 1200 : (uint32_t)len;
        h.datagram(h.ctx, user, server, cur_make(dg, len), wire, &m);
        data += n;
        size -= n;
    }
    if (user)
        h.close(h.ctx, user, FLOW_END_EOF);
    pipe_finish(&c);
    pipe_close(&c);
    return 0;
}
