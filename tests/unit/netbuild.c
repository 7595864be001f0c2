#include "tests/unit/netbuild.h"

#include <arpa/inet.h>
#include <string.h>

static bool is_v6(const char *a)
{
    return strchr(a, ':') != NULL;
}

static void addr(struct builder *b, const char *a)
{
    uint8_t raw[16];
    if (is_v6(a)) {
        inet_pton(AF_INET6, a, raw);
        b_bytes(b, raw, 16);
    } else {
        inet_pton(AF_INET, a, raw);
        b_bytes(b, raw, 4);
    }
}

static void ip_header(struct builder *b, const char *src, const char *dst,
                      uint8_t proto, size_t payload)
{
    if (is_v6(src)) {
        b_u32(b, 0x60000000);
        b_u16(b, (uint16_t)payload);
        b_u8(b, proto);
        b_u8(b, 64);
    } else {
        b_u8(b, 0x45);
        b_u8(b, 0);
        b_u16(b, (uint16_t)(20 + payload));
        b_u16(b, 0x1234);
        b_u16(b, 0x4000);
        b_u8(b, 64);
        b_u8(b, proto);
        b_u16(b, 0);
    }
    addr(b, src);
    addr(b, dst);
}

void ip_tcp(struct builder *b, const struct tcpseg *s)
{
    ip_header(b, s->src, s->dst, 6, 20 + s->len);
    b_u16(b, s->sport);
    b_u16(b, s->dport);
    b_u32(b, s->seq);
    b_u32(b, s->ack);
    b_u8(b, 5 << 4);
    b_u8(b, s->flags);
    b_u16(b, s->zero_window ? 0 : 65535);
    b_u32(b, 0);
    if (s->len)
        b_bytes(b, s->data, s->len);
}

void ip_udp(struct builder *b, const char *src, const char *dst, uint16_t sport,
            uint16_t dport, const void *data, size_t len)
{
    ip_header(b, src, dst, 17, 8 + len);
    b_u16(b, sport);
    b_u16(b, dport);
    b_u16(b, (uint16_t)(8 + len));
    b_u16(b, 0);
    b_bytes(b, data, len);
}

static void *r_open(void *ctx, const struct flow_info *fi)
{
    struct recorder *r = ctx;
    r->opened++;
    r->fi = *fi;
    return r;
}

static size_t r_data(void *ctx, void *user, int dir, struct cur bytes,
                     const struct seg_meta *m)
{
    (void)ctx;
    (void)m;
    struct recorder *r = user;
    if (!r->had_data) {
        r->had_data = true;
        r->syns_before_data = r->syns[0] + r->syns[1];
    }
    b_bytes(&r->stream[dir], bytes.p, bytes.left);
    size_t skip = r->skip_once[dir];
    r->skip_once[dir] = 0;
    return skip;
}

static enum flow_verdict r_datagram(void *ctx, void *user, int dir, struct cur payload, uint32_t wire_len,
                                    const struct seg_meta *m)
{
    (void)ctx;
    (void)m;
    (void)wire_len;
    struct recorder *r = user;
    if (r->restart_next) {
        r->restart_next = false;
        return FLOW_NEW_CONNECTION;
    }
    r->datagrams[dir]++;
    b_bytes(&r->stream[dir], payload.p, payload.left);
    return r->forget_datagrams ? FLOW_NOTHING : FLOW_KEEP;
}

static void r_path(void *ctx, void *user, const struct endpoint *a, const struct endpoint *b,
                   const struct seg_meta *m)
{
    (void)ctx;
    (void)m;
    struct recorder *r = user;
    r->paths++;
    r->path_a = *a;
    r->path_b = *b;
}

static void r_gap(void *ctx, void *user, int dir, uint64_t len,
                  const struct seg_meta *m)
{
    (void)ctx;
    (void)m;
    struct recorder *r = user;
    r->gap[dir] += len;
}

static void r_flags(void *ctx, void *user, int dir, uint8_t flags, const struct seg_meta *m)
{
    (void)ctx;
    (void)m;
    struct recorder *r = user;
    if (flags & TCPF_SYN)
        r->syns[dir]++;
    if (flags & (TCPF_FIN | TCPF_RST)) {
        r->fins[dir]++;
        if (!r->had_data)
            r->fins_before_data++;
    }
}

static void r_quiet(void *ctx, const struct flow_info *fi, bool reset, int closer,
                    const struct seg_meta *m)
{
    (void)m;
    struct recorder *r = ctx;
    r->quiet++;
    r->quiet_reset = reset;
    r->quiet_closer = closer;
    r->fi = *fi;
}

static void r_note(void *ctx, void *user, int dir, enum tcp_note note, int64_t wait,
                   const struct seg_meta *m)
{
    (void)ctx;
    struct recorder *r = user;
    r->notes[note][dir]++;
    r->last_wait = wait;
    if (note == TCPN_HANDSHAKE_ACK)
        r->hs_ack_packet = m->packet;
}

static void r_close(void *ctx, void *user, enum flow_end why)
{
    (void)ctx;
    struct recorder *r = user;
    r->closed++;
    r->why = why;
}

struct flow_handler recorder_handler(struct recorder *r)
{
    struct flow_handler h = {.ctx = r, .open = r_open, .data = r_data, .datagram = r_datagram, .path = r_path,
                             .gap = r_gap, .flags = r_flags, .tcp_note = r_note,
                             .close = r_close, .quiet = r_quiet};
    return h;
}

void feed(struct capture *c, uint16_t linktype, const struct builder *frame,
          uint64_t no)
{
    struct pkt p = {.ts = (int64_t)no * 1000000, .no = no, .data = b_cur(frame),
                    .wire_len = (uint32_t)frame->n, .linktype = linktype};
    capture_packet(c, &p);
}
