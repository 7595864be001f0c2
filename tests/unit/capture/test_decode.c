/* Link layers, tunnels and IP versions down to a TCP payload: every link
 * type we claim to read delivers the same bytes to the same flow. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/netbuild.h"

static struct recorder *rec;
static struct capture *cap;
static struct builder ip, frame;

static int setup(void **state)
{
    (void)state;
    rec = calloc(1, sizeof(*rec));
    struct capture_limits lim = capture_limits_default();
    struct flow_handler h = recorder_handler(rec);
    cap = capture_new(&lim, &h);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    capture_free(cap);
    free(rec);
    return 0;
}

static void tcp_hello(const char *src, const char *dst)
{
    b_reset(&ip);
    struct tcpseg s = {.src = src, .dst = dst, .sport = 40000, .dport = 443,
                       .seq = 7, .flags = 0x18, .data = "hello", .len = 5};
    ip_tcp(&ip, &s);
}

static void expect_hello(uint16_t linktype)
{
    feed(cap, linktype, &frame, 1);
    assert_int_equal(rec->opened, 1);
    assert_int_equal(rec->stream[0].n, 5);
    assert_memory_equal(rec->stream[0].b, "hello", 5);
    assert_int_equal(rec->fi.b.port, 443);
}

static void eth(uint16_t type)
{
    b_reset(&frame);
    b_fill(&frame, 0x02, 12);
    b_u16(&frame, type);
}

static void ethernet(void **state)
{
    (void)state;
    tcp_hello("10.0.0.1", "10.0.0.2");
    eth(0x0800);
    b_bytes(&frame, ip.b, ip.n);
    b_fill(&frame, 0, 20); /* padding and FCS beyond the IP length */
    expect_hello(1);
    assert_int_equal(rec->fi.a.family, 4);
    assert_int_equal(rec->fi.a.addr[3], 1);
}

static void vlan_and_qinq(void **state)
{
    (void)state;
    tcp_hello("10.0.0.1", "10.0.0.2");
    eth(0x88a8);
    b_u16(&frame, 100);
    b_u16(&frame, 0x8100);
    b_u16(&frame, 200);
    b_u16(&frame, 0x0800);
    b_bytes(&frame, ip.b, ip.n);
    expect_hello(1);
}

static void linux_cooked_v1_and_v2(void **state)
{
    (void)state;
    tcp_hello("10.0.0.1", "10.0.0.2");
    b_reset(&frame);
    b_u16(&frame, 0);    /* packet type */
    b_u16(&frame, 772);  /* ARPHRD_LOOPBACK */
    b_u16(&frame, 6);
    b_fill(&frame, 0, 8);
    b_u16(&frame, 0x0800);
    b_bytes(&frame, ip.b, ip.n);
    expect_hello(113);
    teardown(state);
    setup(state);
    b_reset(&frame);
    b_u16(&frame, 0x0800);
    b_u16(&frame, 0);
    b_u32(&frame, 3); /* ifindex */
    b_u16(&frame, 1);
    b_u8(&frame, 0);
    b_u8(&frame, 6);
    b_fill(&frame, 0, 8);
    b_bytes(&frame, ip.b, ip.n);
    expect_hello(276);
}

static void bsd_loopback_either_order_and_ipv6(void **state)
{
    (void)state;
    tcp_hello("10.0.0.1", "10.0.0.2");
    b_reset(&frame);
    b_u32le(&frame, 2); /* AF_INET, little-endian host */
    b_bytes(&frame, ip.b, ip.n);
    expect_hello(0);
    teardown(state);
    setup(state);
    tcp_hello("2001:db8::1", "2001:db8::2");
    b_reset(&frame);
    b_u32(&frame, 30); /* AF_INET6 on macOS, big-endian host */
    b_bytes(&frame, ip.b, ip.n);
    expect_hello(0);
    assert_int_equal(rec->fi.a.family, 6);
    teardown(state);
    setup(state);
    tcp_hello("10.0.0.1", "10.0.0.2");
    b_reset(&frame);
    b_u32(&frame, 2); /* OpenBSD loopback: network order */
    b_bytes(&frame, ip.b, ip.n);
    expect_hello(108);
}

static void raw_ip_with_ipv6_extension_headers(void **state)
{
    (void)state;
    tcp_hello("2001:db8::1", "2001:db8::2");
    /* insert a hop-by-hop header (8 bytes) after the fixed header */
    b_reset(&frame);
    b_bytes(&frame, ip.b, 40);
    b_set_u16(&frame, 4, (uint16_t)(ip.n - 40 + 8));
    frame.b[6] = 0; /* next header: hop-by-hop */
    b_u8(&frame, 6); /* then TCP */
    b_u8(&frame, 0);
    b_fill(&frame, 0, 6);
    b_bytes(&frame, ip.b + 40, ip.n - 40);
    expect_hello(101);
}

static void mpls_and_pppoe(void **state)
{
    (void)state;
    tcp_hello("10.0.0.1", "10.0.0.2");
    eth(0x8847);
    b_u32(&frame, (16u << 12) | 0x100 | 64); /* bottom of stack */
    b_bytes(&frame, ip.b, ip.n);
    expect_hello(1);
    teardown(state);
    setup(state);
    eth(0x8864);
    b_u8(&frame, 0x11);
    b_u8(&frame, 0);
    b_u16(&frame, 1);
    b_u16(&frame, (uint16_t)(ip.n + 2));
    b_u16(&frame, 0x0021);
    b_bytes(&frame, ip.b, ip.n);
    expect_hello(1);
}

static void gre_and_ip_in_ip(void **state)
{
    (void)state;
    tcp_hello("10.0.0.1", "10.0.0.2");
    struct builder inner;
    b_reset(&inner);
    b_u16(&inner, 0x2000); /* key present */
    b_u16(&inner, 0x0800);
    b_u32(&inner, 42);
    b_bytes(&inner, ip.b, ip.n);
    b_reset(&frame);
    /* outer IPv4 header with protocol 47 */
    b_u8(&frame, 0x45);
    b_u8(&frame, 0);
    b_u16(&frame, (uint16_t)(20 + inner.n));
    b_u32(&frame, 0);
    b_u8(&frame, 64);
    b_u8(&frame, 47);
    b_u16(&frame, 0);
    b_u32(&frame, 0xc0a80001);
    b_u32(&frame, 0xc0a80002);
    b_bytes(&frame, inner.b, inner.n);
    expect_hello(101);
    teardown(state);
    setup(state);
    b_reset(&frame);
    b_u8(&frame, 0x45);
    b_u8(&frame, 0);
    b_u16(&frame, (uint16_t)(20 + ip.n));
    b_u32(&frame, 0);
    b_u8(&frame, 64);
    b_u8(&frame, 4); /* IP in IP */
    b_u16(&frame, 0);
    b_u32(&frame, 0xc0a80001);
    b_u32(&frame, 0xc0a80002);
    b_bytes(&frame, ip.b, ip.n);
    expect_hello(101);
}

static void vxlan_and_gtpu(void **state)
{
    (void)state;
    tcp_hello("10.0.0.1", "10.0.0.2");
    struct builder inner;
    b_reset(&inner);
    b_u8(&inner, 0x08);
    b_fill(&inner, 0, 7);
    b_fill(&inner, 0x02, 12);
    b_u16(&inner, 0x0800);
    b_bytes(&inner, ip.b, ip.n);
    b_reset(&frame);
    ip_udp(&frame, "192.168.0.1", "192.168.0.2", 50000, 4789, inner.b, inner.n);
    expect_hello(101);
    teardown(state);
    setup(state);
    b_reset(&inner);
    b_u8(&inner, 0x30); /* GTPv1, PT=1, no optional fields */
    b_u8(&inner, 0xff);
    b_u16(&inner, (uint16_t)ip.n);
    b_u32(&inner, 0x1234);
    b_bytes(&inner, ip.b, ip.n);
    b_reset(&frame);
    ip_udp(&frame, "192.168.0.1", "192.168.0.2", 2152, 2152, inner.b, inner.n);
    expect_hello(101);
}

/* A UDP flow starts only with a datagram that looks like DTLS or a QUIC
 * long header; after that every datagram of the pair of ports is its. */
static void udp_quic_and_dtls_open_flows(void **state)
{
    (void)state;
    static const uint8_t quic[] = {0xc3, 0, 0, 0, 1, 8, 1, 2, 3, 4, 5, 6, 7, 8, 0};
    static const uint8_t dtls[] = {22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 10};
    static const uint8_t dns[] = {0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0};
    static const uint8_t truncated_quic[] = {0xc3, 0, 0, 0, 1, 8, 1, 2, 3};
    b_reset(&frame);
    ip_udp(&frame, "10.0.0.1", "10.0.0.2", 5353, 53, dns, sizeof(dns));
    feed(cap, 101, &frame, 1);
    b_reset(&frame);
    ip_udp(&frame, "10.0.0.1", "10.0.0.2", 5001, 443, truncated_quic, sizeof(truncated_quic));
    feed(cap, 101, &frame, 2);
    assert_int_equal(rec->opened, 0);
    b_reset(&frame);
    ip_udp(&frame, "10.0.0.1", "10.0.0.2", 5000, 443, quic, sizeof(quic));
    feed(cap, 101, &frame, 3);
    assert_int_equal(rec->opened, 1);
    assert_true(rec->fi.udp);
    assert_int_equal(rec->fi.a.port, 5000);
    b_reset(&frame); /* the answer, whatever it looks like, is the flow's */
    ip_udp(&frame, "10.0.0.2", "10.0.0.1", 443, 5000, dns, sizeof(dns));
    feed(cap, 101, &frame, 4);
    assert_int_equal(rec->datagrams[0], 1);
    assert_int_equal(rec->datagrams[1], 1);
    assert_int_equal(rec->stream[1].n, sizeof(dns));
    b_reset(&frame);
    ip_udp(&frame, "10.0.0.1", "10.0.0.2", 5000, 4433, dtls, sizeof(dtls));
    feed(cap, 101, &frame, 5);
    assert_int_equal(rec->opened, 2);
    assert_int_equal(capture_stats(cap)->quic_datagrams, 1);
    assert_int_equal(capture_stats(cap)->dtls_datagrams, 1);
    /* a consumer that finds nothing in a flow has it closed at once */
    rec->forget_datagrams = true;
    b_reset(&frame);
    ip_udp(&frame, "10.0.0.9", "10.0.0.2", 6000, 443, quic, sizeof(quic));
    feed(cap, 101, &frame, 6);
    assert_int_equal(rec->opened, 3);
    assert_int_equal(rec->closed, 1);
    assert_int_equal(rec->why, FLOW_END_NOTHING);
    capture_flush(cap);
    assert_int_equal(rec->closed, 3);
}

static const uint8_t client_cid[4] = {0xc1, 0xc2, 0xc3, 0xc4};
static const uint8_t server_cid[8] = {0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58};

/* A QUIC long header whose Source Connection ID is scid. */
static void quic_long(const char *src, const char *dst, uint16_t sport, uint16_t dport, const uint8_t *scid,
                      size_t scid_len, uint64_t no)
{
    static struct builder d;
    b_reset(&d);
    b_u8(&d, 0xc3);
    b_bytes(&d, "\0\0\0\1", 4);
    b_u8(&d, 8);
    b_fill(&d, 0xdd, 8);
    b_u8(&d, (uint8_t)scid_len);
    b_bytes(&d, scid, scid_len);
    b_fill(&d, 0, 20);
    b_reset(&frame);
    ip_udp(&frame, src, dst, sport, dport, d.b, d.n);
    feed(cap, 101, &frame, no);
}

/* A short header sent to dcid. */
static void quic_short(const char *src, const char *dst, uint16_t sport, uint16_t dport, const uint8_t *dcid,
                       size_t dcid_len, uint64_t no)
{
    static struct builder d;
    b_reset(&d);
    b_u8(&d, 0x41);
    b_bytes(&d, dcid, dcid_len);
    b_fill(&d, 0x99, 24);
    b_reset(&frame);
    ip_udp(&frame, src, dst, sport, dport, d.b, d.n);
    feed(cap, 101, &frame, no);
}

/* A QUIC connection whose client's port changes (a NAT rebinding) stays
 * its flow: the short header's DCID is the server's, learnt from its long
 * header; the new path then carries the answers too, and coming back to
 * the first path is told as well. Bytes sent to a known ID between two
 * strangers go nowhere. */
static void quic_connection_ids_follow_a_moved_client(void **state)
{
    (void)state;
    quic_long("10.0.0.1", "10.0.0.2", 5000, 443, client_cid, 4, 1);
    quic_long("10.0.0.2", "10.0.0.1", 443, 5000, server_cid, 8, 2);
    assert_int_equal(rec->opened, 1);
    quic_short("10.0.0.1", "10.0.0.2", 5000, 443, server_cid, 8, 3);
    assert_int_equal(rec->paths, 0);
    quic_short("10.0.0.1", "10.0.0.2", 6000, 443, server_cid, 8, 4);
    assert_int_equal(rec->opened, 1);
    assert_int_equal(rec->datagrams[0], 3);
    assert_int_equal(rec->paths, 1);
    assert_int_equal(rec->path_a.port, 6000);
    assert_int_equal(rec->path_b.port, 443);
    assert_int_equal(capture_stats(cap)->quic_paths, 1);
    quic_short("10.0.0.2", "10.0.0.1", 443, 6000, client_cid, 0, 5); /* a zero-length ID: the path alone */
    assert_int_equal(rec->datagrams[1], 2);
    assert_int_equal(rec->paths, 1);
    quic_short("10.0.0.1", "10.0.0.2", 5000, 443, server_cid, 8, 6);
    assert_int_equal(rec->paths, 2);
    assert_int_equal(rec->path_a.port, 5000);
    /* the server's packets to the client's ID, at a new client address */
    quic_short("10.0.0.2", "10.0.0.7", 443, 7000, client_cid, 4, 7);
    assert_int_equal(rec->datagrams[1], 3);
    assert_int_equal(rec->paths, 3);
    assert_memory_equal(rec->path_a.addr, ((uint8_t[]){10, 0, 0, 7}), 4); /* a: the client */
    assert_int_equal(rec->path_a.port, 7000);
    quic_short("10.0.0.9", "10.0.0.8", 7000, 443, server_cid, 8, 8);
    quic_short("10.0.0.9", "10.0.0.8", 7000, 443, client_cid, 4, 9);
    assert_int_equal(rec->datagrams[0] + rec->datagrams[1], 7);
    assert_int_equal(rec->opened, 1);
    /* a long header on the moved path is a new connection's (the NAT gave
     * the port to another): its own flow */
    static const uint8_t other_cid[6] = {0xee, 1, 2, 3, 4, 5};
    quic_long("10.0.0.2", "10.0.0.1", 443, 6000, other_cid, 6, 9);
    assert_int_equal(rec->opened, 2);
    assert_int_equal(rec->paths, 3);

    /* -j shards a moved datagram with its connection */
    struct capture_seg seg, home;
    static struct builder d;
    b_reset(&d);
    b_u8(&d, 0x41);
    b_bytes(&d, server_cid, 8);
    b_fill(&d, 0x99, 24);
    b_reset(&frame);
    ip_udp(&frame, "10.0.0.1", "10.0.0.2", 6000, 443, d.b, d.n);
    struct pkt p = {.ts = 10000000, .no = 10, .data = b_cur(&frame), .wire_len = (uint32_t)frame.n, .linktype = 101};
    assert_true(capture_decode(cap, &p, &seg));
    assert_true(seg.moved);
    b_reset(&frame);
    ip_udp(&frame, "10.0.0.1", "10.0.0.2", 5000, 443, d.b, d.n);
    p.data = b_cur(&frame);
    assert_true(capture_decode(cap, &p, &home));
    assert_false(home.moved);
    for (uint32_t n = 2; n < 9; n++)
        assert_int_equal(capture_seg_shard(&seg, n), capture_seg_shard(&home, n));

    /* a consumer that sees a new connection on the same ports ends the flow */
    rec->restart_next = true;
    quic_long("10.0.0.1", "10.0.0.2", 5000, 443, client_cid, 4, 11);
    assert_int_equal(rec->closed, 1);
    assert_int_equal(rec->why, FLOW_END_REUSED);
    assert_int_equal(rec->opened, 3);
    assert_int_equal(rec->datagrams[0], 6);
}

/* The table of IDs is bounded: the oldest makes room, and is counted. */
static void quic_connection_ids_are_bounded(void **state)
{
    (void)state;
    capture_free(cap);
    struct capture_limits lim = capture_limits_default();
    lim.max_cids = 3;
    struct flow_handler h = recorder_handler(rec);
    cap = capture_new(&lim, &h);
    for (uint8_t i = 0; i < 10; i++) {
        uint8_t id[4] = {0xa0, 0xa1, 0xa2, i};
        quic_long("10.0.0.1", "10.0.0.2", (uint16_t)(5000 + i), 443, id, 4, 1 + i);
    }
    assert_int_equal(capture_stats(cap)->quic_cids_evicted, 7);
    uint8_t gone[4] = {0xa0, 0xa1, 0xa2, 0}, kept[4] = {0xa0, 0xa1, 0xa2, 9};
    quic_short("10.0.0.2", "10.0.0.1", 443, 6000, gone, 4, 20);
    assert_int_equal(rec->paths, 0);
    quic_short("10.0.0.2", "10.0.0.1", 443, 6000, kept, 4, 21);
    assert_int_equal(rec->paths, 1);
}

static void unsupported_and_malformed(void **state)
{
    (void)state;
    tcp_hello("10.0.0.1", "10.0.0.2");
    b_reset(&frame);
    b_bytes(&frame, ip.b, ip.n);
    feed(cap, 147, &frame, 1); /* a user-defined link type */
    assert_int_equal(capture_stats(cap)->unsupported_link, 1);
    assert_int_equal(capture_stats(cap)->first_unsupported_link, 147);
    for (size_t n = 0; n < 40; n++) { /* every truncation of the headers */
        struct builder cut;
        b_reset(&cut);
        b_bytes(&cut, ip.b, n);
        feed(cap, 101, &cut, 2 + n);
    }
    assert_int_equal(rec->stream[0].n, 0);
    assert_true(capture_stats(cap)->bad_headers > 0);
}

static void lying_ip_length_is_clamped(void **state)
{
    (void)state;
    tcp_hello("10.0.0.1", "10.0.0.2");
    b_reset(&frame);
    b_bytes(&frame, ip.b, ip.n);
    b_set_u16(&frame, 2, 4000); /* claims more than the complete frame */
    expect_hello(101);
    assert_int_equal(rec->gap[0], 0);
}

/* IP and TCP options are stepped over by their header lengths, and each
 * field of the fixed headers lands where it belongs. */
static void ip_and_tcp_options_and_fields(void **state)
{
    (void)state;
    b_reset(&frame);
    b_u8(&frame, 0x46); /* IPv4, 24-byte header */
    b_u8(&frame, 0);
    b_u16(&frame, 24 + 32 + 5);
    b_u16(&frame, 0x1234);
    b_u16(&frame, 0x4000); /* don't fragment */
    b_u8(&frame, 64);
    b_u8(&frame, 6);
    b_u16(&frame, 0);
    b_bytes(&frame, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
    b_bytes(&frame, "\x94\x04\x00\x00", 4); /* router alert */
    b_u16(&frame, 40001);
    b_u16(&frame, 8443);
    b_u32(&frame, 0x01020304);
    b_u32(&frame, 0x0a0b0c0d);
    b_u8(&frame, 8 << 4); /* 32-byte header */
    b_u8(&frame, 0x18);
    b_u16(&frame, 29200);
    b_u32(&frame, 0); /* checksum, urgent pointer */
    b_bytes(&frame, "\x01\x01\x08\x0a", 4); /* timestamps */
    b_fill(&frame, 0x77, 8);
    b_str(&frame, "data!");
    struct pkt p = {.data = b_cur(&frame), .wire_len = (uint32_t)frame.n, .linktype = 101, .no = 1};
    struct capture_seg seg;
    assert_true(capture_decode(cap, &p, &seg));
    assert_int_equal(seg.proto, 6);
    assert_int_equal(seg.src.addr[3], 1);
    assert_int_equal(seg.dst.addr[3], 2);
    assert_int_equal(seg.src.port, 40001);
    assert_int_equal(seg.dst.port, 8443);
    assert_int_equal(seg.seq, 0x01020304);
    assert_int_equal(seg.ack, 0x0a0b0c0d);
    assert_int_equal(seg.flags, 0x18);
    assert_int_equal(seg.window, 29200);
    assert_int_equal(seg.payload_wire_len, 5);
    assert_int_equal(seg.payload.left, 5);
    assert_memory_equal(seg.payload.p, "data!", 5);
}

/* -j places a TCP packet from its headers alone (capture_tcp_shard): it
 * must give the shard decoding gives, or decline. Checked on every link
 * it reads and on what it must leave to the decoder, cut at every byte. */
static int shard_checks(uint16_t linktype, const struct builder *f)
{
    int placed = 0;
    for (size_t len = 0; len <= f->n; len++) {
        struct pkt p = {.ts = 1000000, .no = 1, .data = cur_make(f->b, len),
                        .wire_len = (uint32_t)f->n, .linktype = linktype};
        for (uint32_t n = 2; n <= 8; n++) {
            uint32_t shard;
            if (!capture_tcp_shard(&p, n, &shard))
                continue;
            placed += len == f->n;
            struct capture_seg seg;
            if (capture_decode(cap, &p, &seg))
                assert_int_equal(shard, capture_seg_shard(&seg, n));
        }
    }
    return placed; /* shard counts of the whole frame that were placed */
}

static void framed(uint16_t linktype)
{
    b_reset(&frame);
    switch (linktype) {
    case 1:
        eth(0x0800);
        if (ip.b[0] >> 4 == 6)
            frame.b[12] = 0x86, frame.b[13] = 0xdd;
        break;
    case 113:
        b_fill(&frame, 0, 14);
        b_u16(&frame, ip.b[0] >> 4 == 6 ? 0x86dd : 0x0800);
        break;
    case 276:
        b_u16(&frame, ip.b[0] >> 4 == 6 ? 0x86dd : 0x0800);
        b_fill(&frame, 0, 18);
        break;
    }
    b_bytes(&frame, ip.b, ip.n);
}

static void tcp_shard_from_headers(void **state)
{
    (void)state;
    static const char *const hosts[][2] = {
        {"10.0.0.1", "10.0.0.2"}, {"192.168.7.200", "8.8.4.4"}, {"2001:db8::1", "2001:db8::2"},
        {"fe80::1:2:3:4", "2001:db8:ffff::9"},
    };
    static const uint16_t links[] = {1, 113, 276, 101, 228, 229};
    for (size_t h = 0; h < 4; h++) {
        for (uint16_t port = 1000; port < 1040; port += 13) {
            b_reset(&ip);
            struct tcpseg sg = {.src = hosts[h][0], .dst = hosts[h][1], .sport = port,
                                .dport = (uint16_t)(port * 7), .seq = 1, .flags = 0x18, .data = "hi", .len = 2};
            ip_tcp(&ip, &sg);
            bool v6 = ip.b[0] >> 4 == 6;
            for (size_t l = 0; l < 6; l++) {
                if ((links[l] == 228 && v6) || (links[l] == 229 && !v6))
                    continue;
                framed(links[l]);
                assert_int_equal(shard_checks(links[l], &frame), 7);
            }
            /* one VLAN tag */
            b_reset(&frame);
            eth(0x8100);
            b_u16(&frame, 5);
            b_u16(&frame, v6 ? 0x86dd : 0x0800);
            b_bytes(&frame, ip.b, ip.n);
            assert_int_equal(shard_checks(1, &frame), 7);
        }
    }
    /* IPv4 options: the TCP header is further on */
    tcp_hello("10.0.0.1", "10.0.0.2");
    b_reset(&frame);
    b_bytes(&frame, ip.b, 20);
    frame.b[0] = 0x46;
    b_set_u16(&frame, 2, (uint16_t)(ip.n + 4));
    b_fill(&frame, 1, 4); /* four no-operation options */
    b_bytes(&frame, ip.b + 20, ip.n - 20);
    assert_int_equal(shard_checks(101, &frame), 7);
    /* left to the decoder: a fragment, UDP, an IPv6 extension header, two
     * VLAN tags, a tunnel, another link */
    tcp_hello("10.0.0.1", "10.0.0.2");
    b_reset(&frame);
    b_bytes(&frame, ip.b, ip.n);
    frame.b[6] |= 0x20;
    assert_int_equal(shard_checks(101, &frame), 0);
    b_reset(&frame);
    ip_udp(&frame, "10.0.0.1", "10.0.0.2", 5000, 443, "hello", 5);
    assert_int_equal(shard_checks(101, &frame), 0);
    tcp_hello("2001:db8::1", "2001:db8::2");
    b_reset(&frame);
    b_bytes(&frame, ip.b, 40);
    frame.b[6] = 0;
    b_u8(&frame, 6);
    b_fill(&frame, 0, 7);
    b_bytes(&frame, ip.b + 40, ip.n - 40);
    assert_int_equal(shard_checks(101, &frame), 0);
    tcp_hello("10.0.0.1", "10.0.0.2");
    eth(0x8100);
    b_u16(&frame, 5);
    b_u16(&frame, 0x8100);
    b_u16(&frame, 6);
    b_u16(&frame, 0x0800);
    b_bytes(&frame, ip.b, ip.n);
    assert_int_equal(shard_checks(1, &frame), 0);
    eth(0x0800);
    ip_udp(&frame, "10.0.0.1", "10.0.0.2", 5000, 4789, "", 0); /* VXLAN's port, nothing inside */
    assert_int_equal(shard_checks(1, &frame), 0);
    b_reset(&frame);
    b_u32le(&frame, 2);
    b_bytes(&frame, ip.b, ip.n);
    assert_int_equal(shard_checks(0, &frame), 0);
}

/* -j's look at a capture: a connection begins with a TCP SYN, or with a UDP
 * flow's first datagram that looks like QUIC or DTLS; nothing else counts,
 * and every captured byte does. QUIC's are also counted on their own. */
static void arrive(struct capture_arrivals *a, uint64_t no)
{
    struct pkt p = {.ts = (int64_t)no * 1000, .no = no, .data = b_cur(&frame), .wire_len = (uint32_t)frame.n,
                    .linktype = 101};
    capture_arrivals_packet(a, &p);
}

static void arrivals_count_connections_begun(void **state)
{
    (void)state;
    static const uint8_t quic[] = {0xc3, 0, 0, 0, 1, 8, 1, 2, 3, 4, 5, 6, 7, 8, 0};
    static const uint8_t dtls[] = {22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 10};
    static const uint8_t dns[] = {0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0};
    struct capture_arrivals *a = capture_arrivals_new();
    assert_non_null(a);
    assert_true(capture_arrivals_per_mb(a) == 0);
    uint64_t no = 0, bytes = 0;
    const char *clients[] = {"10.0.0.1", "10.0.0.2", "2001:db8::3"};
    for (size_t i = 0; i < 3; i++) {
        /* the SYN counts; the answer, the ACK and the data do not */
        static const uint8_t flags[] = {TCPF_SYN, TCPF_SYN | TCPF_ACK, TCPF_ACK, TCPF_ACK | 0x08, TCPF_FIN | TCPF_ACK};
        for (size_t k = 0; k < sizeof(flags); k++) {
            bool back = k == 1;
            struct tcpseg sg = {.src = back ? (i == 2 ? "2001:db8::9" : "10.0.0.9") : clients[i],
                                .dst = back ? clients[i] : (i == 2 ? "2001:db8::9" : "10.0.0.9"),
                                .sport = back ? 443 : 40000, .dport = back ? 40000 : 443, .flags = flags[k],
                                .data = "data", .len = k == 3 ? 4 : 0};
            b_reset(&frame);
            ip_tcp(&frame, &sg);
            arrive(a, ++no);
            bytes += frame.n;
        }
    }
    /* a QUIC flow counts once however many long headers it sends; DTLS
     * too; a DNS query never */
    const struct {
        uint16_t sport, dport;
        const uint8_t *d;
        size_t n;
    } udp[] = {{5000, 443, quic, sizeof(quic)}, {5000, 443, quic, sizeof(quic)}, {443, 5000, quic, sizeof(quic)},
               {5001, 443, quic, sizeof(quic)}, {6000, 4433, dtls, sizeof(dtls)}, {6000, 4433, dtls, sizeof(dtls)},
               {7000, 53, dns, sizeof(dns)}};
    for (size_t i = 0; i < sizeof(udp) / sizeof(udp[0]); i++) {
        bool back = udp[i].sport == 443;
        b_reset(&frame);
        ip_udp(&frame, back ? "10.0.0.9" : "10.0.0.1", back ? "10.0.0.1" : "10.0.0.9", udp[i].sport, udp[i].dport,
               udp[i].d, udp[i].n);
        arrive(a, ++no);
        bytes += frame.n;
    }
    /* what does not decode is still read */
    b_reset(&frame);
    b_fill(&frame, 0x45, 3);
    arrive(a, ++no);
    bytes += 3;
    assert_int_equal(capture_arrivals_bytes(a), bytes);
    double expected = 6 * 1e6 / (double)bytes; /* 3 TCP, 2 QUIC, 1 DTLS */
    assert_true(capture_arrivals_per_mb(a) > expected * 0.999 && capture_arrivals_per_mb(a) < expected * 1.001);
    /* QUIC's alone: its handshakes are decrypted, the work a light report
     * splits between trackers */
    double quic_expected = 2 * 1e6 / (double)bytes;
    assert_true(capture_arrivals_quic_per_mb(a) > quic_expected * 0.999 &&
                capture_arrivals_quic_per_mb(a) < quic_expected * 1.001);
    capture_arrivals_free(a);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(ethernet),
        T(vlan_and_qinq),
        T(linux_cooked_v1_and_v2),
        T(bsd_loopback_either_order_and_ipv6),
        T(raw_ip_with_ipv6_extension_headers),
        T(mpls_and_pppoe),
        T(gre_and_ip_in_ip),
        T(vxlan_and_gtpu),
        T(udp_quic_and_dtls_open_flows),
        T(quic_connection_ids_follow_a_moved_client),
        T(quic_connection_ids_are_bounded),
        T(unsupported_and_malformed),
        T(lying_ip_length_is_clamped),
        T(ip_and_tcp_options_and_fields),
        T(tcp_shard_from_headers),
        T(arrivals_count_connections_begun),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
