/* One TCP connection's two byte streams straight into the dissector:
 * detection, TLS/SSLv2 records, handshake messages, hellos and
 * extensions, certificates, alerts, STARTTLS and MQ.
 * Input: [chunk size][split: u16] client bytes, then server bytes. */
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    struct pipe c;
    pipe_open(&c);
    struct flow_handler h;
    void *user = pipe_connection(&c, &h);
    size_t chunk = data[0] ? data[0] : size;
    size_t body = size - 3, split = ((size_t)data[1] << 8 | data[2]) % (body + 1);
    const uint8_t *p[2] = {data + 3, data + 3 + split};
    size_t left[2] = {split, body - split}, skip[2] = {0, 0};
    bool ignored[2] = {false, false};
    uint64_t packet = 2;
    while (user && ((left[0] && !ignored[0]) || (left[1] && !ignored[1]))) {
        for (int dir = 0; dir < 2; dir++) {
            if (!left[dir] || ignored[dir])
                continue;
            size_t n = left[dir] < chunk ? left[dir] : chunk;
            if (skip[dir]) {
                n = skip[dir] < n ? skip[dir] : n;
                skip[dir] -= n;
            } else {
                struct seg_meta m = {.ts = (int64_t)packet * 1000, .packet = packet};
                packet++;
                size_t r = h.data(h.ctx, user, dir, cur_make(p[dir], n), &m);
                if (r == FLOW_IGNORE)
                    ignored[dir] = true;
                else
                    skip[dir] = r;
            }
            p[dir] += n;
            left[dir] -= n;
        }
    }
    if (user)
        h.close(h.ctx, user, FLOW_END_FIN);
    pipe_finish(&c);
    pipe_close(&c);
    return 0;
}
