#!/usr/bin/env python3
"""Build a large capture for benchmarks from the project's own traces: their
TCP connections replayed over and over, each copy from another client
address and port, one after another in time. Standard library only.

    make-sessions.py SESSIONS OUT.pcap TRACE.pcap...

Every trace must be a little-endian microsecond Ethernet/IPv4 pcap (the
ones traces/make-traces.sh writes). The traces' connections are used in
turn, so the mix of handshakes (small failures, full handshakes with
certificates, plaintext MQ) is the one given.
"""
import struct
import sys


def connections(path):
    """The packets of a trace, grouped by TCP connection, in order."""
    data = open(path, "rb").read()
    if struct.unpack("<I", data[:4])[0] != 0xa1b2c3d4 or struct.unpack("<I", data[20:24])[0] != 1:
        sys.exit("make-sessions: %s is not a little-endian Ethernet pcap" % path)
    flows, order, off = {}, [], 24
    while off + 16 <= len(data):
        sec, usec, incl, orig = struct.unpack("<IIII", data[off:off + 16])
        frame = data[off + 16:off + 16 + incl]
        off += 16 + incl
        if len(frame) < 34 or frame[12:14] != b"\x08\x00" or frame[23] != 6:
            continue
        ihl = (frame[14] & 15) * 4
        sport, dport = struct.unpack(">HH", frame[14 + ihl:18 + ihl])
        key = (min(sport, dport), max(sport, dport))
        if key not in flows:
            flows[key] = []
            order.append(key)
        flows[key].append((sec * 1000000 + usec, frame, orig))
    return [flows[k] for k in order]


def checksum(header):
    s = sum(struct.unpack(">%dH" % (len(header) // 2), header))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def rewrite(frame, server_port, client_ip, client_port):
    """The frame with the client's address and port replaced (the server
    keeps its own); the IP checksum fixed, TCP's left alone as tools do not
    check it by default."""
    f = bytearray(frame)
    ihl = (f[14] & 15) * 4
    sport, dport = struct.unpack(">HH", f[14 + ihl:18 + ihl])
    if dport == server_port:
        f[26:30] = client_ip
        struct.pack_into(">H", f, 14 + ihl, client_port)
    else:
        f[30:34] = client_ip
        struct.pack_into(">H", f, 16 + ihl, client_port)
    f[24:26] = b"\0\0"
    struct.pack_into(">H", f, 24, checksum(bytes(f[14:14 + ihl])))
    return bytes(f)


def server_port_of(conn):
    """The port of whoever answered the first SYN (or the lower port)."""
    frame = conn[0][1]
    ihl = (frame[14] & 15) * 4
    sport, dport = struct.unpack(">HH", frame[14 + ihl:18 + ihl])
    return dport if frame[14 + ihl + 13] & 0x02 else min(sport, dport)


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    want = int(sys.argv[1])
    conns = []
    for path in sys.argv[3:]:
        conns += connections(path)
    if not conns:
        sys.exit("make-sessions: no TCP connections in the traces")
    with open(sys.argv[2], "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 262144, 1))
        t = 1795300000 * 1000000
        for i in range(want):
            conn = conns[i % len(conns)]
            port = server_port_of(conn)
            client_ip = bytes([10, (i >> 16) & 255, (i >> 8) & 255, i & 255])
            client_port = 1024 + i % 60000
            start = conn[0][0]
            for ts, frame, orig in conn:
                when = t + (ts - start)
                data = rewrite(frame, port, client_ip, client_port)
                out.write(struct.pack("<IIII", when // 1000000, when % 1000000, len(data), orig))
                out.write(data)
            t += (conn[-1][0] - start) + 100


if __name__ == "__main__":
    main()
