#!/usr/bin/env python3
"""Cut a classic little-endian pcap into several files that read back, in
timestamp order, as the whole: a cut falls only between two packets of
different times, so merging the parts has no tie to break. Standard
library only.

    split_pcap.py IN OUTDIR rotated N      N consecutive parts, about equal
    split_pcap.py IN OUTDIR turns N RUN    N parts side by side, taking
                                           turns every RUN packets

Writes OUTDIR/part000.pcap, part001.pcap, ...
"""
import os
import struct
import sys


def records(path):
    data = open(path, "rb").read()
    head, off, out = data[:24], 24, []
    while off + 16 <= len(data):
        incl, = struct.unpack("<I", data[off + 8:off + 12])
        out.append(data[off:off + 16 + incl])
        off += 16 + incl
    return head, out


def main():
    src, outdir, kind, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    head, recs = records(src)
    if kind == "rotated":
        per = len(recs) // n + 1
        part_of = lambda i: i // per
    elif kind == "turns":
        run = int(sys.argv[5])
        part_of = lambda i: (i // run) % n
    else:
        sys.exit("split_pcap: rotated or turns, not %s" % kind)
    parts, k = [[] for _ in range(n)], 0
    for i, rec in enumerate(recs):
        if i and rec[:8] != recs[i - 1][:8]:  # the time changes: a cut may fall here
            k = part_of(i)
        parts[k].append(rec)
    os.makedirs(outdir, exist_ok=True)
    for k, part in enumerate(parts):
        with open(os.path.join(outdir, "part%03d.pcap" % k), "wb") as f:
            f.write(head + b"".join(part))


main()
