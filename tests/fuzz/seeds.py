#!/usr/bin/env python3
"""Seed corpora for the fuzz harnesses, cut from the project's traces/.

    seeds.py SOURCE_DIR OUT_DIR

Writes OUT_DIR/<harness>/<n> for every harness in tests/fuzz: whole capture
files (pcap), each connection's two streams (stream), UDP datagrams of the
QUIC and DTLS traces (udp), hellos in QUIC CRYPTO frames (quic), segments in
fuzz_reasm's framing (reasm), every handshake message (handshake), the
hellos' extension blocks (hello), certificates (cert), key logs, policies
and expectations. Standard library only; the traces are little-endian
Ethernet pcaps (traces/make-traces.sh).
"""
import base64
import glob
import os
import struct
import sys


def frames(path):
    """The Ethernet frames of a little-endian pcap."""
    data = open(path, "rb").read()
    if len(data) < 24 or struct.unpack("<I", data[:4])[0] != 0xa1b2c3d4:
        return
    off = 24
    while off + 16 <= len(data):
        incl = struct.unpack("<I", data[off + 8:off + 12])[0]
        yield data[off + 16:off + 16 + incl]
        off += 16 + incl


def packets(path):
    for frame in frames(path):
        if len(frame) < 54 or frame[12:14] != b"\x08\x00" or frame[23] != 6:
            continue
        ihl = (frame[14] & 15) * 4
        tcp = frame[14 + ihl:]
        sport, dport, seq = struct.unpack(">HHI", tcp[:8])
        flags = tcp[13]
        payload = tcp[(tcp[12] >> 4) * 4:]
        yield (frame[26:30], sport), (frame[30:34], dport), seq, flags, payload


def datagrams(path):
    """(direction, payload) of each UDP datagram, the first sender being 0."""
    first = None
    for frame in frames(path):
        if len(frame) < 42 or frame[12:14] != b"\x08\x00" or frame[23] != 17:
            continue
        ihl = (frame[14] & 15) * 4
        src = (frame[26:30], frame[14 + ihl:16 + ihl])
        first = first or src
        yield (0 if src == first else 1), frame[14 + ihl + 8:]


def connections(path):
    """{(client, server): [(dir, flags, payload)]} in capture order."""
    conns, order = {}, []
    for src, dst, seq, flags, payload in packets(path):
        key = (src, dst) if (src, dst) in conns else (dst, src) if (dst, src) in conns else None
        if key is None:
            key = (src, dst)
            conns[key] = []
            order.append(key)
        conns[key].append((0 if src == key[0] else 1, flags, payload))
    return [conns[k] for k in order]


def records(stream):
    """Handshake bytes of the cleartext handshake records in a stream."""
    out, off = b"", 0
    while off + 5 <= len(stream):
        ctype, length = stream[off], struct.unpack(">H", stream[off + 3:off + 5])[0]
        if ctype == 20:  # ChangeCipherSpec: what follows is encrypted
            break
        if ctype == 22:
            out += stream[off + 5:off + 5 + length]
        off += 5 + length
    return out


def messages(hs):
    off = 0
    while off + 4 <= len(hs):
        mtype, length = hs[off], int.from_bytes(hs[off + 1:off + 4], "big")
        yield mtype, hs[off + 4:off + 4 + length]
        off += 4 + length


def varint(v):
    """A QUIC variable-length integer (RFC 9000 16)."""
    if v < 64:
        return bytes([v])
    if v < 16384:
        return (0x4000 | v).to_bytes(2, "big")
    return (0x80000000 | v).to_bytes(4, "big")


def hello_extensions(mtype, body):
    """The extension block (with its length) of a ClientHello/ServerHello."""
    off = 2 + 32
    if off >= len(body):
        return None
    off += 1 + body[off]
    if mtype == 1:
        off += 2 + int.from_bytes(body[off:off + 2], "big")
        off += 1 + body[off] if off < len(body) else 0
    else:
        off += 3
    return body[off:] if off < len(body) else None


def certificates(body):
    """DER certificates of a TLS 1.2 Certificate message."""
    off = 3
    while off + 3 <= len(body):
        n = int.from_bytes(body[off:off + 3], "big")
        yield body[off + 3:off + 3 + n]
        off += 3 + n


EXPECTATIONS = [
    "version>=1.2", "version=1.3", "cipher=ANY_TLS12_OR_HIGHER", "cipher=TLS_AES_256_GCM_SHA384",
    "cipher=ECDHE_RSA_AES_256_GCM_SHA384", "sni=localhost", "alpn=h2", "cert-key=rsa-2048",
    "established=true", "group=x25519", "findings<=low", "resumed=false",
]


def main():
    src, out = sys.argv[1], sys.argv[2]
    counts = {}

    def put(harness, data):
        d = os.path.join(out, harness)
        os.makedirs(d, exist_ok=True)
        n = counts.get(harness, 0)
        counts[harness] = n + 1
        with open(os.path.join(d, "%04d" % n), "wb") as f:
            f.write(data)

    traces = sorted(glob.glob(os.path.join(src, "traces", "*.pcap")))
    for path in traces + sorted(glob.glob(os.path.join(src, "traces", "*.pcapng"))):
        put("pcap", open(path, "rb").read())
    for path in traces:
        for conn in connections(path):
            streams = [b"".join(p for d, _, p in conn if d == k) for k in (0, 1)]
            split = min(len(streams[0]), 0xffff)
            put("stream", bytes([0, split >> 8, split & 0xff]) + streams[0][:split] + streams[1])
            framed = b""
            for d, flags, payload in conn:
                for at in range(0, max(len(payload), 1), 255):
                    piece = payload[at:at + 255]
                    ctl = d | (flags & 0x16) | (0x20 if flags & 1 else 0)
                    framed += bytes([ctl, 0, 0, len(piece), 0]) + piece
            put("reasm", framed)
            for d in (0, 1):
                for mtype, body in messages(records(streams[d])):
                    put("handshake", bytes([1 - d, mtype]) + body)
                    if mtype in (1, 2):
                        exts = hello_extensions(mtype, body)
                        if exts:
                            put("hello", exts)
                    if mtype == 11:
                        for der in certificates(body):
                            put("cert", der)
    for path in traces:
        framed = b"".join(bytes([d << 7 | len(p) >> 8, len(p) & 0xff]) + p for d, p in datagrams(path))
        if framed:
            put("udp", framed)
    # QUIC frames for fuzz_quic: the hellos of the TCP traces in CRYPTO
    # frames, whole and in two pieces the second first, with an ACK
    for path in traces[:12]:
        for conn in connections(path):
            for d in (0, 1):
                stream = b"".join(p for k, _, p in conn if k == d)
                for mtype, body in messages(records(stream)):
                    if mtype not in (1, 2):
                        continue
                    msg = bytes([mtype]) + len(body).to_bytes(3, "big") + body
                    cut = len(msg) // 2
                    whole = b"\x06\x00" + varint(len(msg)) + msg
                    split = (b"\x06" + varint(cut) + varint(len(msg) - cut) + msg[cut:] +
                             b"\x06\x00" + varint(cut) + msg[:cut] + b"\x02\x00\x00\x00\x00")
                    for frames in (whole, split):
                        put("quic", bytes([d, len(frames) >> 8, len(frames) & 0xff]) + frames)
    for pem in sorted(glob.glob(os.path.join(src, "traces", "pki", "*.pem"))):
        text = open(pem).read()
        for block in text.split("-----BEGIN CERTIFICATE-----")[1:]:
            put("cert", base64.b64decode(block.split("-----END")[0]))
    for path in sorted(glob.glob(os.path.join(src, "traces", "*.keylog"))):
        put("keylog", open(path, "rb").read()[:8192])
    for path in sorted(glob.glob(os.path.join(src, "traces", "*.policy"))):
        put("policy", open(path, "rb").read())
    for text in EXPECTATIONS:
        put("expect", text.encode())
    # strings at UTF-8's edges for the JSON writer
    for s in (b"localhost", "caf\u00e9 \U0001f600".encode(), b"\xed\xa0\x80", b"\xf4\x8f\xbc\x80",
              b"\xc0\xaf\xe0\x80\xaf", b"a\0b\\\"\n\x7f", "\u2028".encode()):
        put("json", s)
    print("seeds: " + ", ".join("%s %d" % kv for kv in sorted(counts.items())))


if __name__ == "__main__":
    main()
