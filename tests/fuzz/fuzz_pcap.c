/* The whole pipeline on a fuzzed capture file: pcap or pcapng (any block,
 * Decryption Secrets Blocks feeding the key log), every link layer, IPv4
 * and IPv6 with fragments, TCP, TLS, rules and both report formats; and
 * -j's placing of a packet from its headers, which must agree with
 * decoding it. Input: the file. */
#include <stdlib.h>
#include <unistd.h>

#include "dissect/crypto/keylog.h"
#include "tests/fuzz/fuzz.h"

static void no_warning(void *ctx, const char *message)
{
    (void)ctx;
    (void)message;
}

static void on_secrets(void *ctx, uint32_t type, const uint8_t *p, size_t n)
{
    if (type == CAPTURE_SECRETS_TLS_KEYLOG)
        keylog_add_text(ctx, "dsb", (const char *)p, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd;
    const char *path = fuzz_path(data, size, &fd);
    struct capture_file *f;
    char err[256];
    if (capture_file_open(path, &f, err, sizeof(err)) == ST_OK) {
        struct pipe c;
        pipe_open(&c);
        struct keylog *k = keylog_new(no_warning, NULL);
        dissect_use_keylog(c.dissect, k);
        capture_file_on_secrets(f, on_secrets, k);
        capture_file_on_anomaly(f, no_warning, NULL);
        struct capture_limits lim = capture_limits_default();
        struct flow_handler none = {0};
        struct capture *placing = capture_new(&lim, &none);
        struct capture_arrivals *arrivals = capture_arrivals_new();
        struct pkt pk;
        while (capture_file_next(f, &pk) == ST_OK) {
            uint32_t shard;
            struct capture_seg seg;
            if (placing && capture_tcp_shard(&pk, 3, &shard) && capture_decode(placing, &pk, &seg) &&
                capture_seg_shard(&seg, 3) != shard)
                abort();
            if (arrivals)
                capture_arrivals_packet(arrivals, &pk);
            capture_packet(c.capture, &pk);
        }
        capture_arrivals_free(arrivals);
        capture_free(placing);
        (void)capture_file_error(f);
        capture_file_close(f);
        pipe_finish(&c);
        pipe_close(&c);
        keylog_free(k);
    }
    close(fd);
    return 0;
}
