/* TCP reassembly orderings: in order, reversed, duplicated, overlapping
 * (first copy kept), holes that become gaps, sequence wraparound, flows
 * picked up mid-stream, the out-of-order cap, skipping, and closing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "capture/internal.h"
#include "tests/unit/netbuild.h"

enum { RAW = 101 };
static struct recorder *rec;
static struct capture *cap;
static uint64_t pkt_no;
static char payload[20000];

/* the capture under test, made again with these limits */
static void capture_with(const struct capture_limits *lim)
{
    capture_free(cap);
    struct flow_handler h = recorder_handler(rec);
    cap = capture_new(lim, &h);
}

static int setup(void **state)
{
    (void)state;
    rec = calloc(1, sizeof(*rec));
    struct capture_limits lim = capture_limits_default();
    cap = NULL;
    capture_with(&lim);
    pkt_no = 0;
    for (size_t i = 0; i < sizeof(payload); i++)
        payload[i] = (char)('a' + i % 26);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    capture_free(cap);
    free(rec);
    return 0;
}

/* a segment of the client on this port and the server on 443 */
static void seg_on(uint16_t port, int dir, uint32_t seq, uint32_t ack, uint8_t flags,
                   const void *data, size_t len)
{
    struct builder *frame = malloc(sizeof(*frame));
    b_reset(frame);
    struct tcpseg s = {.src = dir ? "10.0.0.2" : "10.0.0.1",
                       .dst = dir ? "10.0.0.1" : "10.0.0.2",
                       .sport = dir ? 443 : port, .dport = dir ? port : 443,
                       .seq = seq, .ack = ack, .flags = flags, .data = data,
                       .len = len};
    ip_tcp(frame, &s);
    feed(cap, RAW, frame, ++pkt_no);
    free(frame);
}

static void seg(int dir, uint32_t seq, uint32_t ack, uint8_t flags,
                const void *data, size_t len)
{
    seg_on(40000, dir, seq, ack, flags, data, len);
}

enum { ISN_C = 1000, ISN_S = 5000 };

static void handshake(uint32_t isn_c, uint32_t isn_s)
{
    seg(0, isn_c, 0, TCPF_SYN, NULL, 0);
    seg(1, isn_s, isn_c + 1, TCPF_SYN | TCPF_ACK, NULL, 0);
    seg(0, isn_c + 1, isn_s + 1, TCPF_ACK, NULL, 0);
}

static void in_order_and_fin(void **state)
{
    (void)state;
    handshake(ISN_C, ISN_S);
    seg(0, ISN_C + 1, ISN_S + 1, TCPF_ACK, payload, 100);
    seg(1, ISN_S + 1, ISN_C + 101, TCPF_ACK, payload + 100, 50);
    seg(0, ISN_C + 101, ISN_S + 51, TCPF_ACK, payload + 100, 10);
    assert_true(rec->fi.a_sent_syn);
    assert_int_equal(rec->fi.a.port, 40000);
    assert_int_equal(rec->stream[0].n, 110);
    assert_memory_equal(rec->stream[1].b, payload + 100, 50);
    seg(0, ISN_C + 111, ISN_S + 51, TCPF_FIN | TCPF_ACK, NULL, 0);
    assert_int_equal(rec->closed, 0);
    seg(1, ISN_S + 51, ISN_C + 112, TCPF_FIN | TCPF_ACK, NULL, 0);
    assert_int_equal(rec->closed, 1);
    assert_int_equal(rec->why, FLOW_END_FIN);
    /* a late retransmission does not open a new flow */
    seg(0, ISN_C + 1, ISN_S + 1, TCPF_ACK, payload, 100);
    assert_int_equal(rec->opened, 1);
}

/* Closed connections stay in the flow table, shrunk to their key, for
 * 30 s of capture time: enough of them to grow the table, each closed
 * in turn (so each moves while others sit around it in the table and the
 * LRU), still keep late segments from opening anything; a SYN on the
 * same ports is a new connection; after the 30 s they are gone. */
static void closed_flows_linger_then_go(void **state)
{
    (void)state;
    enum { CONNS = 300, FIRST_PORT = 30000 };
    for (uint16_t i = 0; i < CONNS; i++) {
        uint16_t port = (uint16_t)(FIRST_PORT + i);
        seg_on(port, 0, ISN_C, 0, TCPF_SYN, NULL, 0);
        seg_on(port, 1, ISN_S, ISN_C + 1, TCPF_SYN | TCPF_ACK, NULL, 0);
        seg_on(port, 0, ISN_C + 1, ISN_S + 1, TCPF_ACK, payload, 10);
    }
    assert_int_equal(rec->opened, CONNS);
    for (uint16_t i = 0; i < CONNS; i++) { /* every other one closed by the server first */
        uint16_t port = (uint16_t)(FIRST_PORT + i);
        seg_on(port, i & 1, i & 1 ? ISN_S + 1 : ISN_C + 11, 0, TCPF_FIN | TCPF_ACK, NULL, 0);
        seg_on(port, !(i & 1), i & 1 ? ISN_C + 11 : ISN_S + 1, 0, TCPF_FIN | TCPF_ACK, NULL, 0);
    }
    assert_int_equal(rec->closed, CONNS);
    for (uint16_t i = 0; i < CONNS; i++)
        seg_on((uint16_t)(FIRST_PORT + i), 0, ISN_C + 1, ISN_S + 1, TCPF_ACK, payload, 10);
    assert_int_equal(rec->opened, CONNS);

    /* the ports used again: a new connection */
    seg_on(FIRST_PORT + 7, 0, ISN_C + 90000, 0, TCPF_SYN, NULL, 0);
    seg_on(FIRST_PORT + 7, 1, ISN_S + 90000, ISN_C + 90001, TCPF_SYN | TCPF_ACK, NULL, 0);
    seg_on(FIRST_PORT + 7, 0, ISN_C + 90001, ISN_S + 90001, TCPF_ACK, payload, 10);
    assert_int_equal(rec->opened, CONNS + 1);

    /* 31 s on (a packet moves the clock and sweeps), a late segment is
     * the middle of a connection not seen */
    pkt_no += 31000;
    seg_on(FIRST_PORT - 1, 0, ISN_C, 0, TCPF_SYN, NULL, 0);
    seg_on(FIRST_PORT + 200, 0, ISN_C + 1, ISN_S + 1, TCPF_ACK, payload, 10);
    seg_on(FIRST_PORT + 201, 0, ISN_C + 1, ISN_S + 1, TCPF_ACK, payload, 10);
    assert_int_equal(rec->opened, CONNS + 3);
}

/* A full table makes room with its least recently active flow, open or
 * lingering (they sit in tables of their own): four connections closed,
 * a fifth open one evicts the oldest lingering one, whose late segment
 * is then the middle of a connection not seen, while the others' still
 * open nothing; the table never holds more than its limit. */
static void full_table_evicts_lingering_flows(void **state)
{
    (void)state;
    struct capture_limits lim = capture_limits_default();
    lim.max_flows = 4;
    capture_with(&lim);
    enum { FIRST_PORT = 30000 };
    for (uint16_t i = 0; i < 4; i++) {
        uint16_t port = (uint16_t)(FIRST_PORT + i);
        seg_on(port, 0, ISN_C, 0, TCPF_SYN, NULL, 0);
        seg_on(port, 1, ISN_S, ISN_C + 1, TCPF_SYN | TCPF_ACK, NULL, 0);
        seg_on(port, 0, ISN_C + 1, ISN_S + 1, TCPF_ACK, payload, 10);
        seg_on(port, 0, ISN_C + 11, ISN_S + 1, TCPF_FIN | TCPF_ACK, NULL, 0);
        seg_on(port, 1, ISN_S + 1, ISN_C + 12, TCPF_FIN | TCPF_ACK, NULL, 0);
    }
    assert_int_equal(rec->closed, 4);
    assert_int_equal(capture_stats(cap)->flows_full_evicted, 0);
    seg_on(FIRST_PORT + 9, 0, ISN_C, 0, TCPF_SYN, NULL, 0);
    /* a lingering flow evicted gives up no connection: not counted */
    assert_int_equal(capture_stats(cap)->flows_full_evicted, 0);
    assert_int_equal(capture_stats(cap)->flows_peak, 4);
    assert_int_equal(rec->opened, 4);
    seg_on(FIRST_PORT + 1, 0, ISN_C + 1, ISN_S + 1, TCPF_ACK, payload, 10); /* still lingering */
    assert_int_equal(rec->opened, 4);
    seg_on(FIRST_PORT, 0, ISN_C + 1, ISN_S + 1, TCPF_ACK, payload, 10); /* evicted */
    assert_int_equal(rec->opened, 5);
    assert_int_equal(capture_stats(cap)->flows_peak, 4);
}

static void reversed(void **state)
{
    (void)state;
    handshake(ISN_C, ISN_S);
    for (int i = 9; i >= 0; i--)
        seg(0, ISN_C + 1 + (uint32_t)i * 300, ISN_S + 1, TCPF_ACK, payload + i * 300, 300);
    assert_int_equal(rec->stream[0].n, 3000);
    assert_memory_equal(rec->stream[0].b, payload, 3000);
    assert_int_equal(rec->gap[0], 0);
}

static void duplicated(void **state)
{
    (void)state;
    handshake(ISN_C, ISN_S);
    for (int i = 0; i < 5; i++) {
        seg(0, ISN_C + 1 + (uint32_t)i * 100, ISN_S + 1, TCPF_ACK, payload + i * 100, 100);
        seg(0, ISN_C + 1 + (uint32_t)i * 100, ISN_S + 1, TCPF_ACK, payload + i * 100, 100);
    }
    assert_int_equal(rec->stream[0].n, 500);
    assert_memory_equal(rec->stream[0].b, payload, 500);
}

static void overlapping_keeps_first_copy(void **state)
{
    (void)state;
    static char a[100], b[100], x[100], y[100];
    memset(a, 'A', 100);
    memset(b, 'B', 100);
    memset(x, 'X', 100);
    memset(y, 'Y', 100);
    handshake(ISN_C, ISN_S);
    seg(0, ISN_C + 1, 0, TCPF_ACK, a, 100);      /* [0,100) A */
    seg(0, ISN_C + 51, 0, TCPF_ACK, b, 100);     /* [50,150): only [100,150) new */
    seg(0, ISN_C + 201, 0, TCPF_ACK, x, 100);    /* [200,300) X, out of order */
    seg(0, ISN_C + 251, 0, TCPF_ACK, y, 100);    /* [250,350): only [300,350) new */
    seg(0, ISN_C + 151, 0, TCPF_ACK, b, 100);    /* [150,250) fills the hole */
    assert_int_equal(rec->stream[0].n, 350);
    const uint8_t *s = rec->stream[0].b;
    assert_int_equal(s[99], 'A');
    assert_int_equal(s[100], 'B');
    assert_int_equal(s[199], 'B');
    assert_int_equal(s[200], 'X');
    assert_int_equal(s[299], 'X');
    assert_int_equal(s[300], 'Y');
}

static void hole_acked_becomes_gap(void **state)
{
    (void)state;
    handshake(ISN_C, ISN_S);
    seg(0, ISN_C + 1, ISN_S + 1, TCPF_ACK, payload, 100);
    seg(0, ISN_C + 201, ISN_S + 1, TCPF_ACK, payload + 200, 100); /* 100 lost */
    assert_int_equal(rec->stream[0].n, 100);
    seg(1, ISN_S + 1, ISN_C + 301, TCPF_ACK, NULL, 0); /* peer has it all */
    assert_int_equal(rec->gap[0], 100);
    assert_int_equal(rec->stream[0].n, 200);
    assert_memory_equal(rec->stream[0].b + 100, payload + 200, 100);
}

static void hole_at_end_of_capture(void **state)
{
    (void)state;
    handshake(ISN_C, ISN_S);
    seg(0, ISN_C + 1, ISN_S + 1, TCPF_ACK, payload, 100);
    seg(0, ISN_C + 501, ISN_S + 1, TCPF_ACK, payload + 500, 100);
    capture_flush(cap);
    assert_int_equal(rec->gap[0], 400);
    assert_int_equal(rec->stream[0].n, 200);
    assert_int_equal(rec->closed, 1);
    assert_int_equal(rec->why, FLOW_END_EOF);
}

static void sequence_wraparound(void **state)
{
    (void)state;
    uint32_t isn = 0xffffff00u;
    handshake(isn, ISN_S);
    /* 600 bytes crossing 2^32, the middle segment late */
    seg(0, isn + 1, ISN_S + 1, TCPF_ACK, payload, 200);
    seg(0, isn + 401, ISN_S + 1, TCPF_ACK, payload + 400, 200);
    seg(0, isn + 201, ISN_S + 1, TCPF_ACK, payload + 200, 200);
    assert_int_equal(rec->stream[0].n, 600);
    assert_memory_equal(rec->stream[0].b, payload, 600);
}

static void picked_up_mid_stream(void **state)
{
    (void)state;
    seg(1, 777777, 12345, TCPF_ACK, payload, 100);
    seg(0, 12345, 777877, TCPF_ACK, payload, 30);
    assert_false(rec->fi.a_sent_syn);
    assert_int_equal(rec->fi.a.port, 443); /* the first sender */
    assert_int_equal(rec->stream[0].n, 100);
    assert_int_equal(rec->stream[1].n, 30);
}

static void out_of_order_cap(void **state)
{
    (void)state;
    cap->lim.ooo_per_flow = 1000;
    handshake(ISN_C, ISN_S);
    for (int i = 1; i <= 5; i++) /* the first 500 bytes never arrive */
        seg(0, ISN_C + 1 + (uint32_t)i * 500, ISN_S + 1, TCPF_ACK, payload + i * 500, 500);
    assert_true(capture_stats(cap)->ooo_limit_hits > 0);
    assert_int_equal(rec->gap[0], 500);
    assert_true(rec->stream[0].n >= 2000);
    assert_true(cap->ooo_total <= 1000);
}

/* Each buffered segment is charged its own cost with its bytes: one-byte
 * segments behind a hole reach a limit of 10,000 long before 10,000 of
 * them are held. */
static void tiny_segments_cost_their_keep(void **state)
{
    (void)state;
    cap->lim.ooo_per_flow = 10000;
    handshake(ISN_C, ISN_S);
    for (uint32_t i = 1; i <= 2000; i++) { /* byte 0 never arrives */
        seg(0, ISN_C + 1 + i, ISN_S + 1, TCPF_ACK, payload + i, 1);
        assert_true(cap->ooo_total <= 10000);
    }
    assert_true(capture_stats(cap)->ooo_limit_hits > 0);
    assert_int_equal(rec->gap[0], 1);
    assert_int_equal(rec->stream[0].n, 2000);
    assert_memory_equal(rec->stream[0].b, payload + 1, 2000);
}

/* Many small segments in no order: within the byte limits, yet too many
 * to place each by a walk of all the others; the oldest hole gives way. */
static void many_segments_in_no_order(void **state)
{
    (void)state;
    enum { N = 6000 };
    handshake(ISN_C, ISN_S);
    uint32_t at = 1;
    for (uint32_t i = 0; i < N; i++) { /* 1..N, each once, scattered */
        at = (at * 3601 + 7) % N; /* a full cycle: 3600 is a multiple of 4, 3 and 5 */
        seg(0, ISN_C + 2 + at, ISN_S + 1, TCPF_ACK, payload + 1 + at, 1);
    }
    assert_true(capture_stats(cap)->ooo_limit_hits > 0);
    assert_true(cap->ooo_total < 4u << 20);
    capture_flush(cap);
    assert_int_equal(rec->stream[0].n + rec->gap[0], N + 1);
}

/* Segments behind a hole in order are added after the last one held;
 * one overlapping the last is placed by a walk, and the stream comes out
 * whole once the hole is filled. */
static void in_order_behind_a_hole(void **state)
{
    (void)state;
    handshake(ISN_C, ISN_S);
    seg(0, ISN_C + 101, ISN_S + 1, TCPF_ACK, payload + 100, 100);
    seg(0, ISN_C + 201, ISN_S + 1, TCPF_ACK, payload + 200, 100);
    seg(0, ISN_C + 251, ISN_S + 1, TCPF_ACK, payload + 250, 150); /* [250,400): [300,400) new */
    seg(0, ISN_C + 401, ISN_S + 1, TCPF_ACK, payload + 400, 100);
    seg(0, ISN_C + 151, ISN_S + 1, TCPF_ACK, payload + 150, 300); /* all held already */
    assert_int_equal(rec->stream[0].n, 0);
    seg(0, ISN_C + 1, ISN_S + 1, TCPF_ACK, payload, 100);
    assert_int_equal(rec->stream[0].n, 500);
    assert_memory_equal(rec->stream[0].b, payload, 500);
    assert_int_equal(cap->ooo_total, 0);
    /* and again, the list emptied in between */
    seg(0, ISN_C + 601, ISN_S + 1, TCPF_ACK, payload + 600, 100);
    seg(0, ISN_C + 701, ISN_S + 1, TCPF_ACK, payload + 700, 100);
    seg(0, ISN_C + 501, ISN_S + 1, TCPF_ACK, payload + 500, 100);
    assert_int_equal(rec->stream[0].n, 800);
    assert_memory_equal(rec->stream[0].b, payload, 800);
    assert_int_equal(rec->gap[0], 0);
}

static void skipped_bytes_are_not_buffered(void **state)
{
    (void)state;
    handshake(ISN_C, ISN_S);
    rec->skip_once[0] = 5000; /* after the first chunk, skip 5000 bytes */
    seg(0, ISN_C + 1, ISN_S + 1, TCPF_ACK, payload, 100);
    /* segments inside the skipped range, out of order */
    seg(0, ISN_C + 3101, ISN_S + 1, TCPF_ACK, payload, 1000);
    assert_int_equal(cap->ooo_total, 0);
    seg(0, ISN_C + 101, ISN_S + 1, TCPF_ACK, payload, 1000);
    seg(0, ISN_C + 5101, ISN_S + 1, TCPF_ACK, payload + 5100, 50);
    assert_int_equal(rec->stream[0].n, 150);
    assert_memory_equal(rec->stream[0].b + 100, payload + 5100, 50);
    assert_int_equal(rec->gap[0], 0); /* the missing bytes were not wanted */
}

static void reset_closes(void **state)
{
    (void)state;
    handshake(ISN_C, ISN_S);
    seg(0, ISN_C + 1, ISN_S + 1, TCPF_ACK, payload, 10);
    seg(1, ISN_S + 1, ISN_C + 11, TCPF_RST | TCPF_ACK, NULL, 0);
    assert_int_equal(rec->closed, 1);
    assert_int_equal(rec->why, FLOW_END_RST);
}

static void repeated_synack_moves_the_start(void **state)
{
    (void)state;
    seg(0, ISN_C, 0, TCPF_SYN, NULL, 0);
    seg(1, 9000, ISN_C + 1, TCPF_SYN | TCPF_ACK, NULL, 0);
    seg(1, ISN_S, ISN_C + 1, TCPF_SYN | TCPF_ACK, NULL, 0);
    seg(1, ISN_S + 1, ISN_C + 1, TCPF_ACK, payload, 64);
    assert_int_equal(rec->stream[1].n, 64);
    assert_int_equal(rec->gap[1], 0);
}

static void port_reuse_opens_a_new_flow(void **state)
{
    (void)state;
    handshake(ISN_C, ISN_S);
    seg(0, ISN_C + 1, ISN_S + 1, TCPF_ACK, payload, 10);
    seg(0, ISN_C + 11, ISN_S + 1, TCPF_RST, NULL, 0);
    handshake(ISN_C + 100000, ISN_S + 100000);
    seg(0, ISN_C + 100001, ISN_S + 100001, TCPF_ACK, payload, 10);
    assert_int_equal(rec->opened, 2);
}

/* The consumer hears of a connection at its first byte: the handshake's
 * SYNs reach it then, before the bytes, and connections that never carry
 * one (a SYN flood, a refused port) cost it nothing. */
static void consumer_asked_at_first_byte(void **state)
{
    (void)state;
    handshake(ISN_C, ISN_S);
    assert_int_equal(rec->opened, 0);
    seg(0, ISN_C + 1, ISN_S + 1, TCPF_ACK, payload, 10);
    assert_int_equal(rec->opened, 1);
    assert_int_equal(rec->syns_before_data, 2);
    assert_true(rec->fi.a_sent_syn);
    assert_int_equal(rec->fi.packet, 1); /* where the connection began */
}

/* A connection made and ended without a byte is reported as quiet, with
 * who closed it; one that carried a byte is not, and a FIN that came
 * before the first byte (a side that hung up before speaking) still
 * reaches the consumer, after the SYNs. */
static void quiet_connections(void **state)
{
    (void)state;
    handshake(ISN_C, ISN_S);
    seg(0, ISN_C + 1, ISN_S + 1, TCPF_FIN | TCPF_ACK, NULL, 0);
    seg(1, ISN_S + 1, ISN_C + 2, TCPF_FIN | TCPF_ACK, NULL, 0);
    assert_int_equal(rec->quiet, 1);
    assert_int_equal(rec->quiet_closer, 0);
    assert_false(rec->quiet_reset);
    assert_true(rec->fi.a_sent_syn);
    assert_int_equal(rec->opened, 0);

    /* the server resets a new connection before anyone spoke */
    handshake(ISN_C + 100000, ISN_S + 100000);
    seg(1, ISN_S + 100001, ISN_C + 100001, TCPF_RST, NULL, 0);
    assert_int_equal(rec->quiet, 2);
    assert_int_equal(rec->quiet_closer, 1);
    assert_true(rec->quiet_reset);

    /* the client hangs up first, the server answers after: not quiet, and
     * the consumer hears of the FIN before the answer's bytes */
    handshake(ISN_C + 200000, ISN_S + 200000);
    seg(0, ISN_C + 200001, ISN_S + 200001, TCPF_FIN | TCPF_ACK, NULL, 0);
    seg(1, ISN_S + 200001, ISN_C + 200002, TCPF_ACK, payload, 7);
    assert_int_equal(rec->quiet, 2);
    assert_int_equal(rec->opened, 1);
    assert_int_equal(rec->fins[0], 1);
    assert_int_equal(rec->fins_before_data, 1);

    /* a SYN never answered is no connection at all */
    seg(0, ISN_C + 300000, 0, TCPF_SYN, NULL, 0);
    capture_flush(cap);
    assert_int_equal(rec->quiet, 2);
}

static void syn_flood_costs_the_consumer_nothing(void **state)
{
    (void)state;
    for (uint32_t i = 0; i < 1000; i++) {
        struct builder *frame = malloc(sizeof(*frame));
        b_reset(frame);
        struct tcpseg s = {.src = "10.0.0.1", .dst = "10.0.0.2", .sport = (uint16_t)(1024 + i),
                           .dport = 443, .seq = ISN_C + i, .flags = TCPF_SYN};
        ip_tcp(frame, &s);
        feed(cap, RAW, frame, ++pkt_no);
        free(frame);
    }
    assert_int_equal(capture_stats(cap)->flows, 1000);
    capture_flush(cap);
    assert_int_equal(rec->opened, 0);
    assert_int_equal(rec->closed, 0);
}

static void snaplen_cut_segment(void **state)
{
    (void)state;
    handshake(ISN_C, ISN_S);
    struct builder frame;
    b_reset(&frame);
    struct tcpseg s = {.src = "10.0.0.1", .dst = "10.0.0.2", .sport = 40000,
                       .dport = 443, .seq = ISN_C + 1, .flags = TCPF_ACK,
                       .data = payload, .len = 1000};
    ip_tcp(&frame, &s);
    struct pkt p = {.ts = 9, .no = ++pkt_no, .data = cur_make(frame.b, 40 + 200),
                    .wire_len = (uint32_t)frame.n, .linktype = RAW};
    capture_packet(cap, &p);
    assert_int_equal(rec->stream[0].n, 200);
    assert_int_equal(rec->gap[0], 800);
}

static void ip_fragments_reassemble(void **state)
{
    (void)state;
    handshake(ISN_C, ISN_S);
    struct builder whole, f1, f2;
    b_reset(&whole);
    struct tcpseg s = {.src = "10.0.0.1", .dst = "10.0.0.2", .sport = 40000,
                       .dport = 443, .seq = ISN_C + 1, .flags = TCPF_ACK,
                       .data = payload, .len = 1200};
    ip_tcp(&whole, &s);
    /* split the IP payload (TCP header + data) at 800, send the tail first */
    size_t cut = 800;
    b_reset(&f1);
    b_bytes(&f1, whole.b, 20);
    b_bytes(&f1, whole.b + 20, cut);
    b_set_u16(&f1, 2, (uint16_t)(20 + cut));
    b_set_u16(&f1, 6, 0x2000); /* MF */
    b_reset(&f2);
    b_bytes(&f2, whole.b, 20);
    b_bytes(&f2, whole.b + 20 + cut, whole.n - 20 - cut);
    b_set_u16(&f2, 2, (uint16_t)(whole.n - cut));
    b_set_u16(&f2, 6, (uint16_t)(cut / 8));
    feed(cap, RAW, &f2, ++pkt_no);
    assert_int_equal(rec->stream[0].n, 0);
    feed(cap, RAW, &f1, ++pkt_no);
    assert_int_equal(rec->stream[0].n, 1200);
    assert_memory_equal(rec->stream[0].b, payload, 1200);
    assert_int_equal(capture_stats(cap)->frags_reassembled, 1);
}

/* What the TCP layer tells of the network: a resent segment with how long
 * the sender had been quiet, a hole filled late, a window closing, and
 * the ACK that completes the three-way handshake (kept until the flow
 * opens, like the SYNs). Packets are 1 ms apart. */
static void network_notes(void **state)
{
    (void)state;
    handshake(ISN_C, ISN_S);
    seg(1, ISN_S + 1, ISN_C + 1, TCPF_ACK, payload, 100);         /* packet 4 */
    assert_int_equal(rec->hs_ack_packet, 3);
    assert_int_equal(rec->notes[TCPN_HANDSHAKE_ACK][0], 1);
    for (int i = 0; i < 3; i++)                                   /* packets 5..7 */
        seg(0, ISN_C + 1, ISN_S + 101, TCPF_ACK, NULL, 0);
    seg(1, ISN_S + 1, ISN_C + 1, TCPF_ACK, payload, 100);         /* packet 8: resent */
    assert_int_equal(rec->notes[TCPN_RETRANSMIT][1], 1);
    assert_int_equal(rec->last_wait, 4000000);                    /* quiet since packet 4 */
    seg(1, ISN_S + 100, ISN_C + 1, TCPF_ACK, payload + 99, 1);    /* a keep-alive: not a loss */
    assert_int_equal(rec->notes[TCPN_RETRANSMIT][1], 1);
    seg(1, ISN_S + 151, ISN_C + 1, TCPF_ACK, payload + 150, 50);  /* packet 10: ahead of a hole */
    seg(1, ISN_S + 101, ISN_C + 1, TCPF_ACK, payload + 100, 50);  /* packet 11: the hole filled */
    assert_int_equal(rec->notes[TCPN_LATE_FILL][1], 1);
    assert_int_equal(rec->last_wait, 1000000);
    assert_int_equal(rec->stream[1].n, 200);
    assert_int_equal(rec->notes[TCPN_RETRANSMIT][1], 1);
    /* a zero window is told when it closes, not for every segment that repeats it */
    struct builder frame;
    for (int i = 0; i < 2; i++) {
        b_reset(&frame);
        struct tcpseg z = {.src = "10.0.0.1", .dst = "10.0.0.2", .sport = 40000, .dport = 443,
                           .seq = ISN_C + 1, .ack = ISN_S + 201, .flags = TCPF_ACK, .zero_window = true};
        ip_tcp(&frame, &z);
        feed(cap, RAW, &frame, ++pkt_no);
    }
    assert_int_equal(rec->notes[TCPN_ZERO_WINDOW][0], 1);
    seg(0, ISN_C + 1, ISN_S + 201, TCPF_ACK, NULL, 0);            /* it opens again */
    b_reset(&frame);
    struct tcpseg z = {.src = "10.0.0.1", .dst = "10.0.0.2", .sport = 40000, .dport = 443,
                       .seq = ISN_C + 1, .ack = ISN_S + 201, .flags = TCPF_ACK, .zero_window = true};
    ip_tcp(&frame, &z);
    feed(cap, RAW, &frame, ++pkt_no);
    assert_int_equal(rec->notes[TCPN_ZERO_WINDOW][0], 2);
    /* a SYN is no zero window, whatever it advertises */
    assert_int_equal(rec->notes[TCPN_ZERO_WINDOW][1], 0);
}

/* Without a SYN-ACK there is no handshake ACK to time. */
static void no_handshake_ack_mid_stream(void **state)
{
    (void)state;
    seg(0, ISN_C + 1, ISN_S + 1, TCPF_ACK, NULL, 0);
    seg(0, ISN_C + 1, ISN_S + 1, TCPF_ACK, payload, 10);
    assert_int_equal(rec->notes[TCPN_HANDSHAKE_ACK][0], 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(in_order_and_fin),
        T(closed_flows_linger_then_go),
        T(full_table_evicts_lingering_flows),
        T(reversed),
        T(duplicated),
        T(overlapping_keeps_first_copy),
        T(hole_acked_becomes_gap),
        T(hole_at_end_of_capture),
        T(sequence_wraparound),
        T(picked_up_mid_stream),
        T(out_of_order_cap),
        T(tiny_segments_cost_their_keep),
        T(many_segments_in_no_order),
        T(in_order_behind_a_hole),
        T(skipped_bytes_are_not_buffered),
        T(reset_closes),
        T(repeated_synack_moves_the_start),
        T(port_reuse_opens_a_new_flow),
        T(consumer_asked_at_first_byte),
        T(quiet_connections),
        T(syn_flood_costs_the_consumer_nothing),
        T(snaplen_cut_segment),
        T(ip_fragments_reassemble),
        T(network_notes),
        T(no_handshake_ack_mid_stream),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
