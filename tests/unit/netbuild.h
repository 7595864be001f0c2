#pragma once

/* Building IPv4/IPv6 + TCP/UDP packets for capture tests, and a flow
 * handler that records what the capture layer delivers. */

#include "capture/capture.h"
#include "tests/unit/builder.h"

struct tcpseg {
    const char *src, *dst; /* "10.0.0.1" or "2001:db8::1" */
    uint16_t sport, dport;
    uint32_t seq, ack;
    uint8_t flags;
    const void *data;
    size_t len;
    bool zero_window; /* advertise a window of 0 (else 65535) */
};

/* ip_tcp - append an IP packet carrying the segment. */
void ip_tcp(struct builder *b, const struct tcpseg *s);
/* ip_udp - append an IPv4 packet carrying a UDP datagram. */
void ip_udp(struct builder *b, const char *src, const char *dst, uint16_t sport,
            uint16_t dport, const void *data, size_t len);

struct recorder {
    struct builder stream[2];
    uint64_t gap[2];
    int opened, closed;
    enum flow_end why;
    struct flow_info fi;
    size_t skip_once[2]; /* returned by the next data callback */
    int syns[2];         /* SYN flags seen per direction */
    int syns_before_data; /* how many had been seen when the first byte came */
    bool had_data;
    /* tcp_note: how many of each kind per direction, the last wait, and
     * the packet of the handshake's ACK */
    int notes[4][2];
    int64_t last_wait;
    uint64_t hs_ack_packet;
    /* FIN/RST flags seen per direction, and the order they came in
     * relative to the first byte */
    int fins[2];
    int fins_before_data;
    /* quiet: connections that ended without a byte */
    int quiet;
    bool quiet_reset;
    int quiet_closer;
    int datagrams[2]; /* UDP datagrams by direction (their bytes go to stream[]) */
    bool forget_datagrams; /* the datagram callback says the flow holds nothing */
    bool restart_next;     /* the next datagram begins a new connection */
    int paths;             /* path callbacks, and the last one's endpoints */
    struct endpoint path_a, path_b;
};

struct flow_handler recorder_handler(struct recorder *r);

/* feed - one packet with the given link type through the capture. */
void feed(struct capture *c, uint16_t linktype, const struct builder *frame,
          uint64_t no);
