/* Link layer, IP and transport headers, all bounds-checked through the
 * cursor; the fixed IPv4 and TCP headers are read in place once their
 * length is checked.
 * Tunnels (VLAN, QinQ, MPLS, PPPoE, GRE, IP-in-IP, VXLAN) are unwrapped to
 * the innermost IP packet, with a depth limit against loops. */
#include "capture/internal.h"

#include <string.h>

enum {
    LINK_NULL = 0,
    LINK_ETHERNET = 1,
    LINK_PPP = 9,
    LINK_RAW_BSD = 12,
    LINK_RAW_OPENBSD = 14,
    LINK_PPP_HDLC = 50,
    LINK_RAW = 101,
    LINK_CHDLC = 104,
    LINK_LOOP = 108,
    LINK_SLL = 113,
    LINK_NFLOG = 239,
    LINK_IPV4 = 228,
    LINK_IPV6 = 229,
    LINK_PKTAP = 258,
    LINK_SLL2 = 276,
};

enum {
    ETH_IPV4 = 0x0800,
    ETH_IPV6 = 0x86dd,
    ETH_VLAN = 0x8100,
    ETH_QINQ = 0x88a8,
    ETH_QINQ_OLD1 = 0x9100,
    ETH_QINQ_OLD2 = 0x9200,
    ETH_MPLS = 0x8847,
    ETH_MPLS_MC = 0x8848,
    ETH_PPPOE = 0x8864,
    ETH_TEB = 0x6558, /* GRE transparent Ethernet bridging */
    ETH_ERSPAN2 = 0x88be,
    MAX_DEPTH = 8,
};

enum { IPP_HOPOPTS = 0, IPP_IPIP = 4, IPP_TCP = 6, IPP_UDP = 17, IPP_IPV6 = 41,
       IPP_ROUTING = 43, IPP_FRAGMENT = 44, IPP_GRE = 47, IPP_ESP = 50,
       IPP_AH = 51, IPP_NONE = 59, IPP_DSTOPTS = 60, IPP_MOBILITY = 135,
       IPP_HIP = 139, IPP_SHIM6 = 140 };

static enum dec ip_any(struct capture *c, struct cur b, int depth,
                       struct capture_seg *out);

/* A field of a fixed header whose length was checked once: nearly every
 * packet has an IPv4 and a TCP header, and reading each of their fields
 * through the cursor checked its bounds again (40 instructions a packet). */
static uint16_t be16(const uint8_t *b)
{
    return (uint16_t)(b[0] << 8 | b[1]);
}

static uint32_t be32(const uint8_t *b)
{
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static enum dec ethernet(struct capture *c, struct cur b, int depth,
                         struct capture_seg *out);

bool capture_link_decoded(uint16_t linktype)
{
    return strcmp(capture_link_name(linktype), "unknown") != 0;
}

const char *capture_link_name(uint16_t linktype)
{
    switch (linktype) {
    case LINK_NULL: return "bsd-loopback";
    case LINK_ETHERNET: return "ethernet";
    case LINK_PPP: return "ppp";
    case LINK_RAW_BSD: case LINK_RAW_OPENBSD: case LINK_RAW: return "raw-ip";
    case LINK_PPP_HDLC: return "ppp-hdlc";
    case LINK_CHDLC: return "cisco-hdlc";
    case LINK_LOOP: return "openbsd-loopback";
    case LINK_SLL: return "linux-cooked";
    case LINK_SLL2: return "linux-cooked-v2";
    case LINK_NFLOG: return "nflog";
    case LINK_IPV4: return "ipv4";
    case LINK_IPV6: return "ipv6";
    case LINK_PKTAP: return "pktap";
    default: return "unknown";
    }
}

static enum dec by_ethertype(struct capture *c, uint16_t type, struct cur b,
                             int depth, struct capture_seg *out)
{
    if (depth > MAX_DEPTH)
        return DEC_BAD;
    for (;;) {
        switch (type) {
        case ETH_IPV4:
        case ETH_IPV6:
            return ip_any(c, b, depth + 1, out);
        case ETH_VLAN:
        case ETH_QINQ:
        case ETH_QINQ_OLD1:
        case ETH_QINQ_OLD2:
            if (!cur_skip(&b, 2) || !cur_u16(&b, &type))
                return DEC_BAD;
            continue;
        case ETH_MPLS:
        case ETH_MPLS_MC: {
            uint32_t label;
            do {
                if (!cur_u32(&b, &label))
                    return DEC_BAD;
            } while (!(label & 0x100));
            uint8_t first;
            if (!cur_peek(&b, 0, &first))
                return DEC_BAD;
            /* No type field after the label stack: guess by IP version;
             * a zero nibble is a pseudowire control word before Ethernet. */
            if ((first >> 4) == 4 || (first >> 4) == 6)
                return ip_any(c, b, depth + 1, out);
            if ((first >> 4) == 0 && cur_skip(&b, 4))
                return ethernet(c, b, depth + 1, out);
            return DEC_NOT_IP;
        }
        case ETH_PPPOE: {
            uint16_t proto;
            if (!cur_skip(&b, 6) || !cur_u16(&b, &proto))
                return DEC_BAD;
            if (proto == 0x0021)
                type = ETH_IPV4;
            else if (proto == 0x0057)
                type = ETH_IPV6;
            else
                return DEC_NOT_IP;
            continue;
        }
        case ETH_TEB:
            return ethernet(c, b, depth + 1, out);
        default:
            return DEC_NOT_IP;
        }
    }
}

static enum dec ethernet(struct capture *c, struct cur b, int depth,
                         struct capture_seg *out)
{
    uint16_t type;
    if (!cur_skip(&b, 12) || !cur_u16(&b, &type))
        return DEC_BAD;
    if (type <= 1500) {
        /* 802.3 length field: only LLC/SNAP carries an ethertype. */
        static const uint8_t snap[] = {0xaa, 0xaa, 0x03};
        if (!cur_starts(&b, snap, sizeof(snap)) || !cur_skip(&b, 6) ||
            !cur_u16(&b, &type))
            return DEC_NOT_IP;
    }
    return by_ethertype(c, type, b, depth, out);
}

/* ---- transport ----------------------------------------------------------- */

static enum dec tcp(struct cur b, uint32_t wire_len, struct capture_seg *out)
{
    enum { FIXED = 20 };
    if (b.left < FIXED)
        return DEC_BAD;
    const uint8_t *h = b.p;
    size_t hlen = (size_t)(h[12] >> 4) * 4;
    if (hlen < FIXED || hlen > wire_len || !cur_skip(&b, hlen))
        return DEC_BAD;
    out->src.port = be16(h);
    out->dst.port = be16(h + 2);
    out->seq = be32(h + 4);
    out->ack = be32(h + 8);
    out->window = be16(h + 14);
    out->proto = IPP_TCP;
    out->flags = h[13];
    out->payload = b;
    out->payload_wire_len = wire_len - (uint32_t)hlen;
    if (out->payload.left > out->payload_wire_len)
        out->payload.left = out->payload_wire_len;
    return DEC_TCP;
}

static bool looks_dtls(struct cur b)
{
    uint8_t type, major, minor;
    if (!cur_peek(&b, 0, &type) || !cur_peek(&b, 1, &major) || !cur_peek(&b, 2, &minor) ||
        type < 20 || type > 26)
        return false;
    /* OpenSSL before 0.9.8f numbered DTLS 1.0 0x0100: only a handshake counts */
    return (major == 0xfe && (minor == 0xff || minor == 0xfd || minor == 0xfc)) ||
           (type == 22 && major == 0x01 && minor == 0x00);
}

/* A QUIC long header (RFC 8999 5.1): the form bit, a version, and
 * connection IDs of at most 255 bytes that fit. Version 0 is Version
 * Negotiation, whose fixed bit is unset; any other version must set it.
 * Which versions the dissector reads is its business: a capture also
 * holds greased versions and drafts a client tries first. */
static bool looks_quic(struct cur b)
{
    uint8_t first, dcid_len, scid_len;
    uint32_t version;
    if (!cur_u8(&b, &first) || !(first & 0x80) || !cur_u32(&b, &version) ||
        !cur_u8(&b, &dcid_len) || !cur_skip(&b, dcid_len) || !cur_u8(&b, &scid_len) ||
        !cur_skip(&b, scid_len))
        return false;
    if (version == 0)
        return b.left >= 4; /* at least one version offered */
    return (first & 0x40) && dcid_len <= 20 && scid_len <= 20;
}

/* GTP-U (3GPP TS 29.281): flags(1) type(1) length(2) teid(4), then
 * seq(2) npdu(1) next_ext(1) when any of E/S/PN is set, then extension
 * headers (length in 4-byte units, the last byte naming the next one). */
static enum dec gtpu(struct capture *c, struct cur b, int depth,
                     struct capture_seg *out)
{
    uint8_t flags, type, next = 0;
    if (!cur_u8(&b, &flags) || !cur_u8(&b, &type) || !cur_skip(&b, 6))
        return DEC_UDP;
    if ((flags >> 5) != 1 || !(flags & 0x10) || type != 0xff)
        return DEC_UDP; /* not a GTPv1 G-PDU */
    if (flags & 0x07) {
        if (!cur_skip(&b, 3) || !cur_u8(&b, &next))
            return DEC_BAD;
    }
    for (int guard = 0; next && guard < 8; guard++) {
        uint8_t units;
        if (!cur_u8(&b, &units) || units == 0 || !cur_skip(&b, units * 4u - 2) ||
            !cur_u8(&b, &next))
            return DEC_BAD;
    }
    return ip_any(c, b, depth + 1, out);
}

static enum dec udp(struct capture *c, struct cur b, uint32_t wire_len,
                    int depth, struct capture_seg *out)
{
    uint16_t len;
    if (!cur_u16(&b, &out->src.port) || !cur_u16(&b, &out->dst.port) ||
        !cur_u16(&b, &len) || !cur_skip(&b, 2) || wire_len < 8)
        return DEC_BAD;
    out->proto = IPP_UDP;
    out->payload = b;
    out->payload_wire_len = wire_len - 8;
    if (out->dst.port == 4789 || out->src.port == 4789) {
        uint8_t vflags;
        if (cur_peek(&b, 0, &vflags) && (vflags & 0x08) && cur_skip(&b, 8))
            return ethernet(c, b, depth + 1, out);
    }
    if (out->dst.port == 2152 || out->src.port == 2152) {
        enum dec r = gtpu(c, b, depth, out);
        if (r != DEC_UDP)
            return r;
    }
    out->udp_tls = true;
    if (looks_dtls(b))
        c->st.dtls_datagrams++;
    else if (looks_quic(b))
        c->st.quic_datagrams++;
    else
        out->udp_tls = false;
    return DEC_UDP;
}

static enum dec gre(struct capture *c, struct cur b, int depth,
                    struct capture_seg *out)
{
    uint16_t fl, type;
    if (!cur_u16(&b, &fl) || !cur_u16(&b, &type))
        return DEC_BAD;
    if ((fl & 0x0007) != 0) /* only GRE version 0 carries packets */
        return DEC_OTHER;
    size_t opt = ((fl & 0x8000) ? 4 : 0) + ((fl & 0x2000) ? 4 : 0) +
                 ((fl & 0x1000) ? 4 : 0);
    if (!cur_skip(&b, opt))
        return DEC_BAD;
    if (type == ETH_ERSPAN2) {
        if (!cur_skip(&b, 8))
            return DEC_BAD;
        return ethernet(c, b, depth + 1, out);
    }
    return by_ethertype(c, type, b, depth + 1, out);
}

static enum dec transport(struct capture *c, uint8_t proto, struct cur b,
                          uint32_t wire_len, int depth, struct capture_seg *out)
{
    if (b.left > wire_len)
        b.left = wire_len;
    switch (proto) {
    case IPP_TCP:
        c->st.tcp++;
        return tcp(b, wire_len, out);
    case IPP_UDP:
        c->st.udp++;
        return udp(c, b, wire_len, depth, out);
    case IPP_IPIP:
    case IPP_IPV6:
        return ip_any(c, b, depth + 1, out);
    case IPP_GRE:
        return gre(c, b, depth, out);
    default:
        c->st.other++;
        return DEC_OTHER;
    }
}

/* ---- IP ------------------------------------------------------------------ */

static enum dec fragment(struct capture *c, uint8_t proto, uint32_t id,
                         uint32_t offset, bool more, struct cur payload,
                         int depth, struct capture_seg *out)
{
    struct cur whole;
    c->st.frags++;
    if (!ipfrag_feed(c->frag, &out->src, &out->dst, proto, id, offset, more,
                     payload, c->now, &whole, &c->st))
        return DEC_FRAG_HELD;
    c->st.frags_reassembled++;
    return transport(c, proto, whole, (uint32_t)whole.left, depth, out);
}

static enum dec ipv4(struct capture *c, struct cur b, int depth,
                     struct capture_seg *out)
{
    enum { FIXED = 20 };
    struct cur start = b;
    if (b.left < FIXED)
        return DEC_BAD;
    const uint8_t *h = b.p;
    uint8_t proto = h[9];
    uint16_t total = be16(h + 2), id = be16(h + 4), frag = be16(h + 6);
    size_t hlen = (size_t)(h[0] & 0x0f) * 4;
    /* Offloaded (TSO) captures carry a zero total length. */
    if (total == 0)
        total = (uint16_t)(start.left < 0xffff ? start.left : 0xffff);
    /* A length beyond a complete frame is a lie, not a snaplen cut. */
    if (!c->pkt_cut && total > start.left)
        total = (uint16_t)start.left;
    if (hlen < FIXED || total < hlen || !cur_skip(&b, hlen))
        return DEC_BAD;
    out->src.family = out->dst.family = 4;
    memset(out->src.addr, 0, 16);
    memset(out->dst.addr, 0, 16);
    memcpy(out->src.addr, h + 12, 4);
    memcpy(out->dst.addr, h + 16, 4);
    c->st.ip++;
    uint32_t wire_len = total - (uint32_t)hlen;
    uint32_t offset = (uint32_t)(frag & 0x1fff) * 8;
    bool more = frag & 0x2000;
    if (offset || more) {
        if (b.left > wire_len)
            b.left = wire_len;
        if (b.left < wire_len) { /* a cut fragment cannot be reassembled */
            c->st.truncated++;
            return DEC_BAD;
        }
        return fragment(c, proto, id, offset, more, b, depth, out);
    }
    return transport(c, proto, b, wire_len, depth, out);
}

static enum dec ipv6(struct capture *c, struct cur b, int depth,
                     struct capture_seg *out)
{
    uint16_t plen;
    uint8_t next;
    if (!cur_skip(&b, 4) || !cur_u16(&b, &plen) || !cur_u8(&b, &next) ||
        !cur_skip(&b, 1))
        return DEC_BAD;
    out->src.family = out->dst.family = 6;
    if (!cur_copy(&b, out->src.addr, 16) || !cur_copy(&b, out->dst.addr, 16))
        return DEC_BAD;
    c->st.ip++;
    uint32_t wire_len = plen ? plen : (uint32_t)b.left; /* jumbogram: trust capture */
    if (!c->pkt_cut && wire_len > b.left)
        wire_len = (uint32_t)b.left;
    for (int guard = 0; guard < 16; guard++) {
        uint8_t nh, hl;
        switch (next) {
        case IPP_HOPOPTS:
        case IPP_ROUTING:
        case IPP_DSTOPTS:
        case IPP_MOBILITY:
        case IPP_HIP:
        case IPP_SHIM6:
        case IPP_AH: {
            if (!cur_u8(&b, &nh) || !cur_u8(&b, &hl))
                return DEC_BAD;
            size_t len = next == IPP_AH ? ((size_t)hl + 2) * 4 : ((size_t)hl + 1) * 8;
            if (len > wire_len || !cur_skip(&b, len - 2))
                return DEC_BAD;
            wire_len -= (uint32_t)len;
            next = nh;
            continue;
        }
        case IPP_FRAGMENT: {
            uint16_t offflags;
            uint32_t id;
            if (!cur_u8(&b, &nh) || !cur_skip(&b, 1) || !cur_u16(&b, &offflags) ||
                !cur_u32(&b, &id) || wire_len < 8)
                return DEC_BAD;
            wire_len -= 8;
            uint32_t offset = (uint32_t)(offflags & 0xfff8);
            bool more = offflags & 1;
            if (!offset && !more) { /* atomic fragment */
                next = nh;
                continue;
            }
            if (b.left > wire_len)
                b.left = wire_len;
            if (b.left < wire_len) {
                c->st.truncated++;
                return DEC_BAD;
            }
            return fragment(c, nh, id, offset, more, b, depth, out);
        }
        case IPP_ESP:
        case IPP_NONE:
            c->st.other++;
            return DEC_OTHER;
        default:
            return transport(c, next, b, wire_len, depth, out);
        }
    }
    return DEC_BAD;
}

static enum dec ip_any(struct capture *c, struct cur b, int depth,
                       struct capture_seg *out)
{
    uint8_t first;
    if (depth > MAX_DEPTH || !cur_peek(&b, 0, &first))
        return DEC_BAD;
    if ((first >> 4) == 4)
        return ipv4(c, b, depth, out);
    if ((first >> 4) == 6)
        return ipv6(c, b, depth, out);
    return DEC_BAD;
}

/* ---- link layers --------------------------------------------------------- */

static enum dec bsd_null(struct capture *c, struct cur b, bool network_order,
                         struct capture_seg *out)
{
    uint32_t af_le, af_be;
    struct cur b2 = b;
    if (!cur_u32le(&b, &af_le) || !cur_u32(&b2, &af_be))
        return DEC_BAD;
    /* The family is in the capturing host's byte order; accept either.
     * IPv6 is 10 (Linux), 24 (NetBSD/OpenBSD), 28 (FreeBSD), 30 (macOS). */
    uint32_t af = network_order ? af_be : (af_le < 256 ? af_le : af_be);
    if (af == 2 || af == 10 || af == 24 || af == 28 || af == 30)
        return ip_any(c, b, 1, out);
    return DEC_NOT_IP;
}

static enum dec ppp(struct capture *c, struct cur b, struct capture_seg *out)
{
    static const uint8_t hdlc[] = {0xff, 0x03};
    if (cur_starts(&b, hdlc, 2) && !cur_skip(&b, 2))
        return DEC_BAD;
    uint8_t first;
    uint16_t proto;
    if (!cur_peek(&b, 0, &first))
        return DEC_BAD;
    if (first & 1) { /* protocol field compression */
        if (!cur_u8(&b, &first))
            return DEC_BAD;
        proto = first;
    } else if (!cur_u16(&b, &proto)) {
        return DEC_BAD;
    }
    if (proto == 0x0021 || proto == 0x0057)
        return ip_any(c, b, 1, out);
    return DEC_NOT_IP;
}

static enum dec nflog(struct capture *c, struct cur b, struct capture_seg *out)
{
    if (!cur_skip(&b, 4))
        return DEC_BAD;
    while (b.left >= 4) {
        uint16_t len, type;
        struct cur val;
        if (!cur_u16le(&b, &len) || !cur_u16le(&b, &type) || len < 4 ||
            !cur_take(&b, len - 4u, &val))
            return DEC_BAD;
        if (type == 9) /* NFULA_PAYLOAD */
            return ip_any(c, val, 1, out);
        if (!cur_skip(&b, (4 - len % 4) % 4))
            break;
    }
    return DEC_NOT_IP;
}

static enum dec link_layer(struct capture *c, uint16_t linktype, struct cur b,
                           int depth, struct capture_seg *out)
{
    uint16_t type;
    switch (linktype) {
    case LINK_ETHERNET:
        return ethernet(c, b, depth, out);
    case LINK_SLL:
        if (!cur_skip(&b, 14) || !cur_u16(&b, &type))
            return DEC_BAD;
        return by_ethertype(c, type, b, depth, out);
    case LINK_SLL2:
        if (!cur_u16(&b, &type) || !cur_skip(&b, 18))
            return DEC_BAD;
        return by_ethertype(c, type, b, depth, out);
    case LINK_NULL:
        return bsd_null(c, b, false, out);
    case LINK_LOOP:
        return bsd_null(c, b, true, out);
    case LINK_RAW:
    case LINK_RAW_BSD:
    case LINK_RAW_OPENBSD:
    case LINK_IPV4:
    case LINK_IPV6:
        return ip_any(c, b, depth, out);
    case LINK_PPP:
    case LINK_PPP_HDLC:
        return ppp(c, b, out);
    case LINK_CHDLC:
        if (!cur_skip(&b, 2) || !cur_u16(&b, &type))
            return DEC_BAD;
        return by_ethertype(c, type, b, depth, out);
    case LINK_NFLOG:
        return nflog(c, b, out);
    case LINK_PKTAP: {
        uint32_t hlen, dlt;
        struct cur h = b;
        if (!cur_u32le(&h, &hlen) || !cur_u32le(&h, &dlt) || hlen < 8 ||
            !cur_skip(&b, hlen) || depth > 1 || dlt == LINK_PKTAP)
            return DEC_BAD;
        return link_layer(c, (uint16_t)dlt, b, depth + 1, out);
    }
    default:
        if (!c->st.unsupported_link)
            c->st.first_unsupported_link = linktype;
        c->st.unsupported_link++;
        return DEC_UNSUPPORTED;
    }
}

/* ---- the shard of a plain TCP packet, without decoding it -------------- */

/* Where the IP header of a packet on a common link starts: Ethernet with
 * at most one VLAN tag, Linux cooked captures, raw IP; false for anything
 * else (decoded in full by every tracker). */
static bool plain_ip_at(const uint8_t *d, size_t n, uint16_t linktype, size_t *at)
{
    size_t type_at;
    switch (linktype) {
    case LINK_RAW:
    case LINK_IPV4:
    case LINK_IPV6:
        *at = 0;
        return true;
    case LINK_ETHERNET:
        type_at = n >= 18 && be16(d + 12) == ETH_VLAN ? 16 : 12;
        break;
    case LINK_SLL:
        type_at = 14;
        break;
    case LINK_SLL2:
        type_at = 0;
        break;
    default:
        return false;
    }
    if (n < type_at + 2)
        return false;
    uint16_t type = be16(d + type_at);
    *at = linktype == LINK_SLL2 ? 20 : type_at + 2;
    return type == ETH_IPV4 || type == ETH_IPV6;
}

/* capture_shard_key, from the header's bytes */
static uint64_t ipv4_key(const uint8_t *addr, const uint8_t *port)
{
    uint32_t a;
    memcpy(&a, addr, 4);
    return a ^ ((uint64_t)4 << 16 | be16(port));
}

static uint64_t ipv6_key(const uint8_t *addr, const uint8_t *port)
{
    uint64_t a, b;
    memcpy(&a, addr, 8);
    memcpy(&b, addr + 8, 8);
    return a ^ b ^ ((uint64_t)6 << 16 | be16(port));
}

bool capture_tcp_shard(const struct pkt *p, uint32_t count, uint32_t *shard)
{
    const uint8_t *d = p->data.p;
    size_t n = p->data.left, at;
    if (!plain_ip_at(d, n, p->linktype, &at) || n < at + 40)
        return false;
    const uint8_t *ip = d + at;
    if (ip[0] >> 4 == 4) {
        size_t hlen = (size_t)(ip[0] & 0x0f) * 4;
        /* a fragment, or another protocol: decoded in full */
        if (hlen < 20 || ip[9] != IPP_TCP || (be16(ip + 6) & 0x3fff) || n - at < hlen + 4)
            return false;
        *shard = capture_shard_of_keys(ipv4_key(ip + 12, ip + hlen), ipv4_key(ip + 16, ip + hlen + 2),
                                       CAPTURE_TCP, count);
        return true;
    }
    if (ip[0] >> 4 == 6 && ip[6] == IPP_TCP && n - at >= 44) {
        *shard = capture_shard_of_keys(ipv6_key(ip + 8, ip + 40), ipv6_key(ip + 24, ip + 42),
                                       CAPTURE_TCP, count);
        return true;
    }
    return false;
}

enum dec decode_packet(struct capture *c, const struct pkt *p,
                       struct capture_seg *out)
{
    memset(out, 0, sizeof(*out));
    c->pkt_cut = p->data.left < p->wire_len;
    enum dec r = link_layer(c, p->linktype, p->data, 0, out);
    if (r == DEC_NOT_IP)
        c->st.not_ip++;
    else if (r == DEC_BAD)
        c->st.bad_headers++;
    return r;
}
