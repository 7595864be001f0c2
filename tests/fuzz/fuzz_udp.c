/* One UDP flow's datagrams straight into the dissector: QUIC long and
 * short headers, Version Negotiation, Retry, coalesced packets, truncated
 * ones; DTLS records of every version, the unified header, handshake
 * fragments out of order, repeated and overlapping, HelloVerifyRequest.
 * Input: datagrams as [direction and length: u16, the top bit the
 * direction][bytes]. */
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pipe c;
    pipe_open(&c);
    struct flow_handler h;
    void *user = pipe_datagrams(&c, &h);
    uint64_t packet = 2;
    while (user && size >= 2) {
        int dir = data[0] >> 7;
        size_t n = ((size_t)(data[0] & 0x7f) << 8 | data[1]);
        data += 2;
        size -= 2;
        if (n > size)
            n = size;
        struct seg_meta m = {.ts = (int64_t)packet * 1000, .packet = packet};
        packet++;
        h.datagram(h.ctx, user, dir, cur_make(data, n), (uint32_t)n, &m);
        data += n;
        size -= n;
    }
    if (user)
        h.close(h.ctx, user, FLOW_END_EOF);
    pipe_finish(&c);
    pipe_close(&c);
    return 0;
}
