#!/usr/bin/env python3
"""Rewrite a classic little-endian Ethernet pcap into other file formats and
link layers, so tests can check that tlsscope reports the same sessions
whatever the container. Standard library only.

    recapture.py IN.pcap OUTDIR

Writes into OUTDIR: pcap-be-us.pcap, pcap-le-ns.pcap, pcap-be-ns.pcap,
pcapng-le.pcapng (Ethernet and raw-IP interfaces mixed, the second with
nanosecond timestamps), pcapng-be.pcapng, gzip.pcap.gz, and one pcap per
link layer: vlan, qinq, sll, sll2, null, raw.
"""
import gzip
import os
import struct
import sys


def read_pcap(path):
    data = open(path, "rb").read()
    magic, = struct.unpack("<I", data[:4])
    if magic != 0xa1b2c3d4:
        sys.exit("recapture: %s is not a little-endian microsecond pcap" % path)
    link, = struct.unpack("<I", data[20:24])
    if link != 1:
        sys.exit("recapture: %s is not Ethernet" % path)
    out, off = [], 24
    while off + 16 <= len(data):
        sec, usec, incl, orig = struct.unpack("<IIII", data[off:off + 16])
        out.append((sec, usec * 1000, data[off + 16:off + 16 + incl], orig))
        off += 16 + incl
    return out


def write_pcap(path, packets, link, endian, ns):
    magic = 0xa1b23c4d if ns else 0xa1b2c3d4
    with open(path, "wb") as f:
        f.write(struct.pack(endian + "IHHiIII", magic, 2, 4, 0, 0, 262144, link))
        for sec, nsec, frame, orig in packets:
            frac = nsec if ns else nsec // 1000
            f.write(struct.pack(endian + "IIII", sec, frac, len(frame), max(orig, len(frame))))
            f.write(frame)


def block(endian, btype, body):
    body += b"\0" * ((4 - len(body) % 4) % 4)
    total = 12 + len(body)
    return struct.pack(endian + "II", btype, total) + body + struct.pack(endian + "I", total)


def write_pcapng(path, packets, endian):
    shb = struct.pack(endian + "IHHq", 0x1a2b3c4d, 1, 0, -1)
    idb_eth = struct.pack(endian + "HHI", 1, 0, 0)
    tsresol = struct.pack(endian + "HH", 9, 1) + b"\x09\0\0\0" + struct.pack(endian + "HH", 0, 0)
    idb_raw = struct.pack(endian + "HHI", 101, 0, 0) + tsresol
    with open(path, "wb") as f:
        f.write(block(endian, 0x0a0d0d0a, shb))
        f.write(block(endian, 1, idb_eth))
        f.write(block(endian, 1, idb_raw))
        for i, (sec, nsec, frame, orig) in enumerate(packets):
            if i % 2:   # odd packets travel on the raw-IP interface
                ifid, data, units = 1, frame[14:], sec * 10**9 + nsec
                olen = orig - 14
            else:
                ifid, data, units = 0, frame, sec * 10**6 + nsec // 1000
                olen = orig
            body = struct.pack(endian + "IIIII", ifid, units >> 32, units & 0xffffffff,
                               len(data), olen) + data
            f.write(block(endian, 6, body))


def relink(packets, kind):
    out = []
    for sec, nsec, frame, orig in packets:
        eth_type, payload = frame[12:14], frame[14:]
        if kind == "vlan":
            new = frame[:12] + b"\x81\x00\x00\x64" + eth_type + payload
        elif kind == "qinq":
            new = frame[:12] + b"\x88\xa8\x00\x0a\x81\x00\x00\x64" + eth_type + payload
        elif kind == "sll":
            new = struct.pack(">HHH8s", 0, 772, 6, b"\0" * 8) + eth_type + payload
        elif kind == "sll2":
            new = eth_type + b"\0\0" + struct.pack(">IHBB8s", 1, 772, 0, 6, b"\0" * 8) + payload
        elif kind == "null":
            new = struct.pack("<I", 2 if eth_type == b"\x08\x00" else 30) + payload
        elif kind == "raw":
            new = payload
        out.append((sec, nsec, new, orig - len(frame) + len(new)))
    return out


LINKS = {"vlan": 1, "qinq": 1, "sll": 113, "sll2": 276, "null": 0, "raw": 101}


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    packets = read_pcap(sys.argv[1])
    d = sys.argv[2]
    write_pcap(os.path.join(d, "pcap-be-us.pcap"), packets, 1, ">", False)
    write_pcap(os.path.join(d, "pcap-le-ns.pcap"), packets, 1, "<", True)
    write_pcap(os.path.join(d, "pcap-be-ns.pcap"), packets, 1, ">", True)
    write_pcapng(os.path.join(d, "pcapng-le.pcapng"), packets, "<")
    write_pcapng(os.path.join(d, "pcapng-be.pcapng"), packets, ">")
    with open(sys.argv[1], "rb") as src, gzip.open(os.path.join(d, "gzip.pcap.gz"), "wb") as dst:
        dst.write(src.read())
    for kind, link in LINKS.items():
        write_pcap(os.path.join(d, "link-%s.pcap" % kind), relink(packets, kind), link, "<", False)


if __name__ == "__main__":
    main()
