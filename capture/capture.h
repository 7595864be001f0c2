#pragma once

/* capture/: packet sources (files), link/IP/TCP decoding, the flow table and
 * TCP reassembly. It hands ordered stream bytes of every TCP connection to
 * the per-flow callbacks of a struct flow_handler and never looks inside. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "include/cur.h"
#include "include/session.h"
#include "include/status.h"

/* ---- packets ------------------------------------------------------------ */

struct pkt {
    int64_t ts;    /* nanoseconds since the epoch */
    uint64_t no;   /* 1-based packet number in the capture */
    struct cur data;
    uint32_t wire_len; /* length on the wire (>= data.left) */
    uint16_t linktype;
};

/* ---- capture files: pcap and pcapng, optionally gzip-compressed --------- */

struct capture_file;

/* capture_file_open - open a capture file ("-" reads standard input). On
 * failure returns ST_IO (cannot read) or ST_BAD (not a capture) and writes a
 * one-line reason into err. */
MUST_CHECK enum st capture_file_open(const char *path, struct capture_file **out,
                                     char *err, size_t errlen);
/* capture_file_open_small - the same, reading 64 KB at a time rather than
 * a megabyte: for a look at the first packets of a file. */
MUST_CHECK enum st capture_file_open_small(const char *path, struct capture_file **out,
                                           char *err, size_t errlen);

/* capture_file_next - the next packet. Returns ST_OK with *out valid until
 * the next call; ST_SHORT at the clean end of the file; ST_BAD or ST_IO when
 * the file is damaged or unreadable (capture_file_error says why). */
MUST_CHECK enum st capture_file_next(struct capture_file *f, struct pkt *out);

/* Secrets a pcapng file carries (Decryption Secrets Block): the secrets
 * type (0x544c534b "TLSK": NSS key log lines) and the bytes. */
enum { CAPTURE_SECRETS_TLS_KEYLOG = 0x544c534b };
typedef void (*capture_secrets_fn)(void *ctx, uint32_t type, const uint8_t *p, size_t n);
/* capture_file_on_secrets - call fn with each Decryption Secrets Block. */
void capture_file_on_secrets(struct capture_file *f, capture_secrets_fn fn, void *ctx);

/* Values in the file that cannot be right (a timestamp offset of 10^12
 * seconds, a resolution finer than 10^-19 s, a timestamp beyond 2116): each
 * is replaced as the message says, the file is read on, and fn gets one line
 * naming the block or packet ("interface description block 1 at byte 28:
 * ..."). */
typedef void (*capture_anomaly_fn)(void *ctx, const char *message);
/* capture_file_on_anomaly - call fn with each such value. */
void capture_file_on_anomaly(struct capture_file *f, capture_anomaly_fn fn, void *ctx);

/* capture_file_suspend - close the file and free its buffer until the next
 * capture_file_next, which opens it again where it stopped: a packet it
 * returned before is no longer valid. For many files read as one capture,
 * only those whose packets are due need be open. false (nothing done): the
 * file cannot be opened again (standard input, a pipe) or has failed.
 * Opened again, it must be the same file (device and inode), or the next
 * call fails; a compressed one is inflated again up to where it stopped. */
bool capture_file_suspend(struct capture_file *f);
bool capture_file_suspended(const struct capture_file *f);

/* capture_file_share_reads - f is one of *files_open files read side by
 * side, each holding what it has read ahead: its reads shrink as more are
 * open (a megabyte for up to four, down to 64 KB for 64 and more), so that
 * together they hold a few megabytes. *files_open is read at each read. */
void capture_file_share_reads(struct capture_file *f, const size_t *files_open);

/* capture_file_error - the reason for the last ST_BAD/ST_IO, or "". */
const char *capture_file_error(const struct capture_file *f);
/* capture_file_format - "pcap", "pcapng", with " (gzip)" when compressed. */
const char *capture_file_format(const struct capture_file *f);
/* capture_file_compressed - is the file gzip-compressed? */
bool capture_file_compressed(const struct capture_file *f);
/* capture_file_offset / capture_file_size - progress in bytes read. */
uint64_t capture_file_offset(const struct capture_file *f);
uint64_t capture_file_size(const struct capture_file *f);
void capture_file_close(struct capture_file *f);

/* ---- live capture (libpcap) ---------------------------------------------- */

struct live_options {
    const char *iface;
    const char *filter; /* BPF, or NULL */
    int snaplen;        /* 0: the whole packet */
    int buffer_bytes;   /* 0: 32 MiB */
    int fanout;         /* Linux AF_PACKET fanout group (1-65535), 0: none */
};

struct live_stats {
    uint64_t packets;                       /* handed to the caller */
    uint64_t received, dropped, if_dropped; /* the kernel's counts */
    bool loopback; /* the kernel counts each packet twice: going out and coming in */
};

struct capture_live;

/* capture_live_open - start capturing. ST_IO (cannot capture: permission,
 * no such interface...) or ST_BAD (a bad filter) with a one-line reason
 * naming the interface and what to do. */
MUST_CHECK enum st capture_live_open(const struct live_options *o, struct capture_live **out,
                                     char *err, size_t errlen);
/* capture_live_next - the next packet, waiting up to timeout_ms: ST_OK,
 * ST_SHORT when none came (or a signal arrived), ST_IO on an error
 * (capture_live_error). */
MUST_CHECK enum st capture_live_next(struct capture_live *l, int timeout_ms, struct pkt *out);
const char *capture_live_error(const struct capture_live *l);
uint16_t capture_live_linktype(const struct capture_live *l);
void capture_live_stats(const struct capture_live *l, struct live_stats *st);
void capture_live_close(struct capture_live *l);

/* ---- writing pcapng ------------------------------------------------------- */

struct pcapng_out;

MUST_CHECK enum st pcapng_out_open(const char *path, uint16_t linktype, uint32_t snaplen,
                                   struct pcapng_out **out, char *err, size_t errlen);
MUST_CHECK enum st pcapng_out_packet(struct pcapng_out *w, const struct pkt *p);
/* pcapng_out_flush - make what was written readable by others. */
enum st pcapng_out_flush(struct pcapng_out *w);
/* pcapng_out_close - flush and close; ST_IO when anything failed to write. */
enum st pcapng_out_close(struct pcapng_out *w);

/* ---- flows -------------------------------------------------------------- */

/* Who opened the connection. Direction 0 is a -> b. */
struct flow_info {
    struct endpoint a, b;
    bool a_sent_syn; /* a's SYN (or b's SYN-ACK) was seen: a is the client */
    bool b_sent_synack;
    bool udp; /* a UDP flow: a is the sender of its first datagram */
    int64_t ts;
    uint64_t packet;
};

struct seg_meta {
    int64_t ts;
    uint64_t packet;
};

enum flow_end {
    FLOW_END_FIN,     /* both sides closed */
    FLOW_END_RST,
    FLOW_END_IDLE,    /* evicted after the idle timeout */
    FLOW_END_EVICTED, /* evicted because the flow table was full */
    FLOW_END_EOF,     /* end of capture */
    FLOW_END_REUSED,  /* a new SYN (or QUIC Initial) reused the 4-tuple */
    FLOW_END_NOTHING, /* a UDP flow whose consumer found nothing in it */
};

enum { TCPF_FIN = 0x01, TCPF_SYN = 0x02, TCPF_RST = 0x04, TCPF_ACK = 0x10 };

/* What the TCP layer shows of the network, for flow_handler.tcp_note. */
enum tcp_note {
    TCPN_RETRANSMIT, /* bytes sent again; wait: since this direction last sent new bytes */
    TCPN_LATE_FILL,  /* a hole filled after later bytes had arrived; wait: how long it stayed open */
    TCPN_ZERO_WINDOW, /* the sender's receive buffer is full: its peer must stop */
    TCPN_HANDSHAKE_ACK, /* the ACK that completed the three-way handshake */
};

/* What a UDP flow is worth after a datagram, for flow_handler.datagram. */
enum flow_verdict {
    FLOW_KEEP,
    /* nothing worth keeping (no handshake found in it): the flow is closed
     * and forgotten at once, so a flood of datagrams that only look like
     * QUIC or DTLS costs no state */
    FLOW_NOTHING,
    /* the datagram, not yet read, begins a new connection between the same
     * ports: the flow ends (FLOW_END_REUSED) and a new one starts with it */
    FLOW_NEW_CONNECTION,
};

/* Ignore the rest of a direction: returned by flow_handler.data. */
#define FLOW_IGNORE SIZE_MAX

/* Per-flow callbacks. All bytes are valid only during the call. */
struct flow_handler {
    void *ctx;
    /* open - a new flow; returns the consumer's per-flow state (NULL means
     * the consumer is not interested: no more callbacks for this flow). */
    void *(*open)(void *ctx, const struct flow_info *fi);
    /* data - in-order stream bytes of direction dir. Returns how many of the
     * bytes that follow these the consumer does not need (they are skipped
     * without being copied or buffered), or FLOW_IGNORE. */
    size_t (*data)(void *ctx, void *user, int dir, struct cur bytes,
                   const struct seg_meta *m);
    /* gap - len stream bytes of direction dir were never captured. */
    void (*gap)(void *ctx, void *user, int dir, uint64_t len,
                const struct seg_meta *m);
    /* flags - a segment with SYN, FIN or RST. */
    void (*flags)(void *ctx, void *user, int dir, uint8_t flags,
                  const struct seg_meta *m);
    /* tcp_note - a retransmission, a late fill or a zero window in
     * direction dir (wait_ns as enum tcp_note says, 0 when it has none), or
     * the handshake's last ACK (kept, like SYNs, until the flow opens). */
    void (*tcp_note)(void *ctx, void *user, int dir, enum tcp_note note, int64_t wait_ns,
                     const struct seg_meta *m);
    /* datagram - one UDP datagram of direction dir (a UDP flow begins
     * with a datagram that looks like DTLS or a QUIC long header); wire_len
     * is its length before any snaplen cut. What the flow is worth now
     * (enum flow_verdict). */
    enum flow_verdict (*datagram)(void *ctx, void *user, int dir, struct cur payload, uint32_t wire_len,
                                  const struct seg_meta *m);
    /* path - a UDP flow's datagrams now travel between a and b (the
     * endpoints that stand for the flow's a and b): a QUIC connection
     * moved, found by its connection ID, or came back to its first path.
     * Optional. */
    void (*path)(void *ctx, void *user, const struct endpoint *a, const struct endpoint *b,
                 const struct seg_meta *m);
    /* close - the flow is over; the consumer frees its state. */
    void (*close)(void *ctx, void *user, enum flow_end why);
    /* quiet - a connection that completed its three-way handshake and
     * ended (FIN or RST) without a byte either way, so it never opened:
     * fi->a is the side that sent the SYN, closer the direction (0: a)
     * of the first FIN or RST. Optional. */
    void (*quiet)(void *ctx, const struct flow_info *fi, bool reset, int closer,
                  const struct seg_meta *m);
};

struct capture_limits {
    size_t max_flows;       /* tracked TCP and UDP flows */
    size_t ooo_per_flow;    /* buffered out-of-order bytes per flow */
    size_t ooo_total;       /* and over all flows */
    int64_t idle_timeout;   /* ns without packets before a flow is evicted */
    int64_t udp_idle_timeout; /* the same for UDP flows (DTLS, QUIC), when shorter */
    size_t max_cids;        /* QUIC connection IDs and moved paths remembered */
    size_t frag_bytes;      /* buffered IP fragments */
};

/* capture_limits_default - the built-in limits. */
struct capture_limits capture_limits_default(void);

struct capture_stats {
    uint64_t packets, bytes;
    uint64_t ip, tcp, udp, other;
    uint64_t not_ip, bad_headers, truncated;
    uint64_t unsupported_link;
    uint16_t first_unsupported_link;
    uint64_t frags, frags_reassembled, frags_dropped;
    uint64_t flows, flows_idle_evicted, flows_full_evicted;
    uint64_t udp_flows; /* of flows: UDP ones (DTLS or QUIC) */
    uint64_t ooo_limit_hits, gaps;
    uint64_t dtls_datagrams, quic_datagrams;
    uint64_t quic_paths;        /* new paths of QUIC connections, found by connection ID */
    uint64_t quic_cids_evicted; /* connection IDs forgotten because the table was full */
    uint64_t file_anomalies; /* absurd values in the capture files */
    size_t flows_peak;
    /* a live capture: what the kernel counted */
    bool live;
    uint64_t live_received, live_dropped, live_if_dropped;
    uint64_t live_packets; /* handed over by the capture */
    bool live_loopback;
};

struct capture;

/* capture_new - a tracker that decodes packets and drives handler.
 * NULL on no memory. */
struct capture *capture_new(const struct capture_limits *lim,
                            const struct flow_handler *handler);
/* capture_packet - decode one packet and run the callbacks it causes. */
void capture_packet(struct capture *c, const struct pkt *p);
/* capture_note_live - keep the kernel's counts of a live capture for the
 * summary. */
void capture_note_live(struct capture *c, const struct live_stats *ls);
struct capture_seg;
/* capture_tcp_peek - the TCP segment a packet carries, its connection and
 * flags (decoding only: no flow is touched; fragments may be held in c). */
bool capture_tcp_peek(struct capture *c, const struct pkt *p, struct capture_seg *seg);
/* What is being processed right now, so a consumer can put what it makes
 * in the order one tracker over the whole capture would have made it: the
 * packet being handled (UINT64_MAX at the end of the capture), whether
 * that packet's own segment (0) or the idle sweep after it (1), and the
 * last packet of the flow concerned (flows swept together close in that
 * order). */
struct capture_order {
    uint64_t packet;
    uint8_t phase;
    uint64_t flow_last;
};

/* IP protocol numbers of the transports followed. */
enum { CAPTURE_TCP = 6, CAPTURE_UDP = 17 };

/* A packet decoded down to its transport header. */
struct capture_seg {
    struct endpoint src, dst;
    uint8_t proto; /* CAPTURE_TCP or CAPTURE_UDP */
    uint32_t seq, ack;
    uint8_t flags;
    uint16_t window;           /* as sent, unscaled: only zero matters here */
    struct cur payload;        /* the captured part of the payload */
    uint32_t payload_wire_len; /* the payload length the headers claim */
    bool udp_tls;              /* UDP that looks like DTLS or a QUIC long header */
    /* a QUIC datagram of a connection that began on another path: that
     * path's endpoints, as src and dst stand on it (the flow is found by
     * them) */
    bool moved;
    struct endpoint home_src, home_dst;
    /* the hash of the flow it belongs to, made once for the flow table;
     * 0 until capture_decode sets it (a segment built by hand is hashed
     * where it is used) */
    uint64_t flow_hash;
};

/* capture_packet is capture_decode then capture_track; split, several
 * trackers can share the flows of one capture (-j):
 * capture_decode - decode one packet and count it; true with *seg when it
 * carries a TCP segment or a UDP datagram (its payload may point into c,
 * valid until the next call).
 * capture_decode_uncounted - the same, but the packet is left for another
 * tracker to count (the decoder's state, fragments and QUIC paths, still
 * moves).
 * capture_track - follow the flows with a decoded packet: seg is its TCP
 * segment or UDP datagram, or NULL when it has none this tracker follows
 * (the packet still moves the clock and the idle sweep).
 * capture_seg_shard - which of count shards the segment's flow is in. */
bool capture_decode(struct capture *c, const struct pkt *p, struct capture_seg *seg);
bool capture_decode_uncounted(struct capture *c, const struct pkt *p, struct capture_seg *seg);
void capture_track(struct capture *c, const struct pkt *p, const struct capture_seg *seg);
uint32_t capture_seg_shard(const struct capture_seg *seg, uint32_t count);
/* capture_tcp_shard - the shard of a TCP packet on a common link (Ethernet,
 * cooked, raw IP; no fragment, no IPv6 extension header) from its headers
 * alone, as capture_seg_shard would give it once decoded; false for any
 * other packet, which only capture_decode can place. */
bool capture_tcp_shard(const struct pkt *p, uint32_t count, uint32_t *shard);

/* How often connections begin, for judging whether several trackers pay
 * (each reads every byte; only the connections' work is split): a TCP
 * connection begins with a SYN, a UDP flow with its first datagram that
 * looks like DTLS or a QUIC long header.
 * capture_arrivals_packet - count one packet of the stretch looked at.
 * capture_arrivals_per_mb - connections begun per million captured bytes
 * so far (0 before any byte); capture_arrivals_quic_per_mb - those of
 * QUIC alone, whose handshakes are decrypted to be read;
 * capture_arrivals_bytes - the bytes looked at. */
struct capture_arrivals;
struct capture_arrivals *capture_arrivals_new(void);
void capture_arrivals_packet(struct capture_arrivals *a, const struct pkt *p);
double capture_arrivals_per_mb(const struct capture_arrivals *a);
double capture_arrivals_quic_per_mb(const struct capture_arrivals *a);
uint64_t capture_arrivals_bytes(const struct capture_arrivals *a);
void capture_arrivals_free(struct capture_arrivals *a);

/* capture_order - the order key of the callbacks running now. */
const struct capture_order *capture_order(const struct capture *c);
/* capture_flush - close every flow (end of capture), oldest first. */
void capture_flush(struct capture *c);
const struct capture_stats *capture_stats(const struct capture *c);
void capture_free(struct capture *c);

/* capture_link_decoded - whether packets of this link type are decoded. */
bool capture_link_decoded(uint16_t linktype);
/* capture_link_name - a short name of a link type ("ethernet", ...). */
const char *capture_link_name(uint16_t linktype);
