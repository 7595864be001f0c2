/* TCP reassembly driven by a fuzzed sequence of segments of one
 * connection (both directions): out of order, overlapping with different
 * bytes, retransmitted, SYN/FIN/RST anywhere, wrapping sequence numbers,
 * snaplen-cut payloads, hours of silence; the bytes go on to the
 * dissector. Input: segments, each
 * [dir/flags][seq delta: i16][len][wire extra] then len bytes. */
#include <string.h>

#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pipe c;
    pipe_open(&c);
    struct endpoint client = {.family = 4, .addr = {10, 0, 0, 1}, .port = 40000};
    struct endpoint server = {.family = 4, .addr = {10, 0, 0, 2}, .port = 443};
    uint32_t seq[2] = {0xfffff000u, 0x7ffffff0u}; /* one of them wraps */
    int64_t ts = 1000000000;
    uint64_t no = 0;
    size_t at = 0;
    while (at + 5 <= size) {
        uint8_t ctl = data[at];
        int16_t delta = (int16_t)(data[at + 1] << 8 | data[at + 2]);
        size_t len = data[at + 3], extra = data[at + 4];
        at += 5;
        if (len > size - at)
            len = size - at;
        int dir = ctl & 1;
        struct capture_seg seg = {
            .src = dir ? server : client,
            .dst = dir ? client : server,
            .proto = 6,
            .seq = seq[dir] + (uint32_t)(int32_t)delta,
            .ack = seq[1 - dir],
            .flags = (uint8_t)(ctl & 0x17 & ~1) | ((ctl & 0x20) ? TCPF_FIN : 0) | TCPF_ACK,
            .payload = cur_make(data + at, len),
            .payload_wire_len = (uint32_t)(len + (ctl & 0x40 ? extra : 0)),
        };
        if (ctl & 0x80)
            ts += 400LL * 1000000000; /* past the idle timeout */
        ts += 1000;
        struct pkt pk = {.ts = ts, .no = ++no, .data = cur_make(data + at, len),
                         .wire_len = (uint32_t)(len + 54), .linktype = 1};
        capture_track(c.capture, &pk, &seg);
        if (delta >= 0 && !(ctl & 0x08))
            seq[dir] += (uint32_t)len;
        at += len;
    }
    pipe_finish(&c);
    pipe_close(&c);
    return 0;
}
