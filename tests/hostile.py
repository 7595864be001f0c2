#!/usr/bin/env python3
"""Hostile captures, built here, and what tlsscope must do with each: the
exit status, the one-line error, the anomalies and limits it reports, the
sessions it must still report, and its peak memory (getrusage of the
child, with a generous bound).

    hostile.py TLSSCOPE SOURCE_DIR

Standard library only.
"""
import json
import os
import random
import struct
import subprocess
import sys
import tempfile

BIN, SRC = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
WORK = tempfile.mkdtemp()
# AddressSanitizer (make check-sanitize) holds freed memory in quarantine:
# its peak says nothing about ours, so memory is checked without it
SCALE = float("inf") if b"libasan" in subprocess.run(["ldd", BIN], capture_output=True).stdout else 1
failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL: " + msg)


def run(*args):
    """exit status, stdout, stderr and peak RSS (MB) of tlsscope ARGS. The
    child is started from a small shell and measured with getrusage there
    (GNU time): a child forked straight from this script would count the
    memory this script holds."""
    out, err, rss = (os.path.join(WORK, n) for n in ("out", "err", "rss"))
    with open(out, "wb") as o, open(err, "wb") as e:
        code = subprocess.call(["/usr/bin/time", "-q", "-f", "%M", "-o", rss, BIN] + list(args), stdout=o, stderr=e)
    with open(rss) as f:
        peak = int(f.read().split()[-1]) / 1024
    return code, open(out, errors="replace").read(), open(err, errors="replace").read(), peak


def sessions(text):
    return [json.loads(line) for line in text.splitlines() if line.startswith('{"type":"session"')]


def summary(text):
    for line in text.splitlines():
        if line.startswith('{"type":"summary"'):
            return json.loads(line)
    return {}


# ---- building captures --------------------------------------------------------------

def pcap(records, snaplen=262144):
    parts = [struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, snaplen, 1)]
    for ts, frame, wire in records:
        parts.append(struct.pack("<IIII", ts // 1000000, ts % 1000000, len(frame), wire) + frame)
    return b"".join(parts)


def tcp_frame(src, dst, sport, dport, seq, ack, flags, payload=b""):
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 40 + len(payload), 0, 0x4000, 64, 6, 0,
                     bytes(src), bytes(dst))
    tcp = struct.pack(">HHIIBBHHH", sport, dport, seq, ack, 0x50, flags, 65535, 0, 0)
    return b"\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00" + ip + tcp + payload


def connection(client_stream, server_stream=b"", segment=1448, cport=40000):
    """SYN, SYN-ACK, ACK, the client's bytes, the server's bytes, FINs."""
    c, s = [10, 0, 0, 1], [10, 0, 0, 2]
    cs, ss, ts, recs = 1000, 5000, 1_800_000_000_000_000, []

    def add(frame):
        nonlocal ts
        ts += 100
        recs.append((ts, frame, len(frame)))

    add(tcp_frame(c, s, cport, 443, cs, 0, 0x02))
    add(tcp_frame(s, c, 443, cport, ss, cs + 1, 0x12))
    cs, ss = cs + 1, ss + 1
    add(tcp_frame(c, s, cport, 443, cs, ss, 0x10))
    for at in range(0, len(client_stream), segment):
        piece = client_stream[at:at + segment]
        add(tcp_frame(c, s, cport, 443, cs, ss, 0x18, piece))
        cs += len(piece)
    for at in range(0, len(server_stream), segment):
        piece = server_stream[at:at + segment]
        add(tcp_frame(s, c, 443, cport, ss, cs, 0x18, piece))
        ss += len(piece)
    add(tcp_frame(c, s, cport, 443, cs, ss, 0x11))
    add(tcp_frame(s, c, 443, cport, ss, cs + 1, 0x11))
    return recs


def write(name, data):
    path = os.path.join(WORK, name)
    with open(path, "wb") as f:
        f.write(data)
    return path


def client_hello():
    """The first ClientHello of traces/tls13.pcap, as a handshake message."""
    data = open(os.path.join(SRC, "traces", "tls13.pcap"), "rb").read()
    off = 24
    while off + 16 <= len(data):
        incl = struct.unpack("<I", data[off + 8:off + 12])[0]
        frame = data[off + 16:off + 16 + incl]
        off += 16 + incl
        if len(frame) < 54:
            continue
        tcp = frame[14 + (frame[14] & 15) * 4:]
        payload = tcp[(tcp[12] >> 4) * 4:]
        if len(payload) > 9 and payload[0] == 22 and payload[5] == 1:
            length = struct.unpack(">H", payload[3:5])[0]
            return payload[5:5 + length]
    sys.exit("hostile: no ClientHello in traces/tls13.pcap")


def records(hs, size):
    out = b""
    for at in range(0, len(hs), size):
        piece = hs[at:at + size]
        out += bytes([22, 3, 1]) + struct.pack(">H", len(piece)) + piece
    return out


CH = client_hello()

# ---- the cases --------------------------------------------------------------------------

# 1. a file cut in the middle of a packet: exit 3, one line naming the file,
#    the sessions before the cut still reported
whole = open(os.path.join(SRC, "traces", "burst.pcap"), "rb").read()
cut = write("cut.pcap", whole[:len(whole) * 2 // 3 + 7])
code, out, err, rss = run("read", "-f", "json", cut)
if code != 3:
    fail("cut file: exit %d, expected 3" % code)
if len(err.strip().splitlines()) != 1 or cut not in err:
    fail("cut file: not one line naming the file: %r" % err)
if len(sessions(out)) < 5:
    fail("cut file: only %d sessions reported before the cut" % len(sessions(out)))

# 2. random bytes after a valid header: no crash, a defined status, bounded
rng = random.Random(7)
noise = write("noise.pcap", pcap([]) + bytes(rng.getrandbits(8) for _ in range(1 << 20)))
code, out, err, rss = run("read", "-f", "json", noise)
if code not in (0, 3) or (code == 3 and len(err.strip().splitlines()) != 1):
    fail("random bytes: exit %d, %r" % (code, err[:200]))
if rss > 200 * SCALE:
    fail("random bytes: %.0f MB peak" % rss)

# 3. a ClientHello in 1-byte records: still parsed whole
split = write("split.pcap", pcap(connection(records(CH, 1))))
code, out, err, rss = run("read", "-f", "json", split)
ss = sessions(out)
if code != 0 or len(ss) != 1 or ss[0].get("sni") != "localhost" or not ss[0].get("client_hello", {}).get("ja4"):
    fail("1-byte records: exit %d, sessions %s" % (code, [(s.get("sni"), s.get("client_hello", {}).get("ja4")) for s in ss]))

# 4. 16 MB length claims: a record of 65535 bytes (over 2^14+2048) and a
#    handshake message claiming 16 MB; reported as anomalies, memory bounded
huge_record = bytes([22, 3, 3, 0xff, 0xff]) + b"\0" * 65535
huge_message = records(bytes([11, 0xff, 0xff, 0xff]) + b"\0" * 20000, 16384)
claims = write("claims.pcap", pcap(connection(records(CH, 16384), bytes([22, 3, 3, 0, 40]) + bytes(
    [2, 0, 0, 36, 3, 3]) + b"\x11" * 32 + b"\0\x13\x01" + b"\0" * 0 + huge_message + huge_record)))
code, out, err, rss = run("read", "-f", "json", claims)
ss = sessions(out)
anomalies = [a.get("what", "") + " " + a.get("detail", "") for s in ss for a in s.get("anomalies", [])]
if code != 0 or len(ss) != 1:
    fail("length claims: exit %d, %d sessions" % (code, len(ss)))
elif not anomalies:
    fail("length claims: no anomaly reported")
if summary(out).get("anomalies", 0) < 1:
    fail("length claims: the summary counts no anomaly")
if rss > 200 * SCALE:
    fail("length claims: %.0f MB peak" % rss)

# 5. overlapping segments with different bytes: the first copy is kept
first = records(CH, 16384)
other = first.replace(b"localhost", b"evilhostx")
recs = connection(first, cport=40001)
# the same bytes again, altered, right after the original data segment
data_seq = 1001
altered = tcp_frame([10, 0, 0, 1], [10, 0, 0, 2], 40001, 443, data_seq, 5001, 0x18, other)
recs.insert(4, (recs[3][0] + 1, altered, len(altered)))
overlap = write("overlap.pcap", pcap(recs))
code, out, err, rss = run("read", "-f", "json", overlap)
ss = sessions(out)
if code != 0 or len(ss) != 1 or ss[0].get("sni") != "localhost":
    fail("overlapping segments: exit %d, SNI %s (the first copy must win)" % (code, [s.get("sni") for s in ss]))

# 6. 1,000,000 SYN-only flows: memory flat, evictions counted
frames = []
for i in range(1_000_000):
    frame = tcp_frame([10, (i >> 16) & 255, (i >> 8) & 255, i & 255], [192, 168, 0, 1], 1024 + i % 60000, 443,
                      i * 7, 0, 0x02)
    frames.append((1_800_000_000_000_000 + i * 10, frame, len(frame)))
syn = write("syn.pcap", pcap(frames))
del frames
code, out, err, rss_flood = run("read", "-f", "json", syn)
limits = summary(out).get("limits", {})
if code != 0 or summary(out).get("tcp_flows") != 1_000_000:
    fail("SYN flood: exit %d, %s flows" % (code, summary(out).get("tcp_flows")))
if limits.get("flows_evicted_table_full", 0) < 700_000:
    fail("SYN flood: evictions not counted: %s" % limits)
if rss_flood > 160 * SCALE:
    fail("SYN flood: %.0f MB peak for 1,000,000 flows" % rss_flood)
code, out, err, rss_small = run("read", "-f", "json", "--max-flows", "10000", syn)
if rss_small > 60 * SCALE:
    fail("SYN flood with --max-flows 10000: %.0f MB peak" % rss_small)

# 6a. one-byte segments behind a hole that never fills, 30,000 on each of
#     20 connections: each segment is charged its own cost, and at most
#     4,096 wait per direction, so memory stays flat and each is placed
#     without a walk of all the others (this took 20 s, and 48 bytes of
#     memory for each byte held)
frames, ts = [], 1_800_000_000_000_000
for conn in range(20):
    c, port = [10, 1, 0, conn], 40000 + conn
    for frame in (tcp_frame(c, [192, 168, 0, 1], port, 443, 1000, 0, 0x02),
                  tcp_frame([192, 168, 0, 1], c, 443, port, 5000, 1001, 0x12)):
        ts += 10
        frames.append((ts, frame, len(frame)))
    for i in range(30_000):  # byte 0 of the stream never comes
        frame = tcp_frame(c, [192, 168, 0, 1], port, 443, 1002 + i, 5001, 0x18, b"\x16")
        ts += 10
        frames.append((ts, frame, len(frame)))
tiny = write("tiny-segments.pcap", pcap(frames))
del frames
code, out, err, rss = run("read", "-f", "json", tiny)
hits = summary(out).get("limits", {}).get("out_of_order_limit_hits", 0)
if code != 0 or summary(out).get("tcp_flows") != 20 or hits < 20:
    fail("tiny segments: exit %d, %s flows, %d out-of-order limit hits" % (code, summary(out).get("tcp_flows"), hits))
if rss > 40 * SCALE:
    fail("tiny segments: %.0f MB peak" % rss)

# 6c. a ClientHello, then 500,000 warning alerts on one connection: the
#     session keeps the first 63 and the latest, and counts the others
#     (its JSON line was 52 MB for a 4 MB capture)
storm = write("alert-storm.pcap", pcap(connection(records(CH, 16384) + bytes([21, 3, 3, 0, 2, 1, 0]) * 500_000)))
code, out, err, rss = run("read", "-f", "json", storm)
ss = sessions(out)
if code != 0 or len(ss) != 1 or len(ss[0].get("alerts", [])) != 64 or ss[0].get("alerts_dropped") != 500_000 - 64:
    fail("alert storm: exit %d, %d sessions, %s alerts kept, %s dropped" % (
        code, len(ss), [len(s.get("alerts", [])) for s in ss], [s.get("alerts_dropped") for s in ss]))
elif ss[0]["last_alert"] != ss[0]["alerts"][-1] or max(len(line) for line in out.splitlines()) > 100_000:
    fail("alert storm: the latest alert is not kept last, or a line of %d bytes" % max(len(l) for l in out.splitlines()))
elif len(ss[0]["handshake"]) + len(ss[0]["tcp"]["events"]) + ss[0].get("events_dropped", 0) < 500_001:
    fail("alert storm: timeline events not all kept or counted: %d, %d, %s dropped" % (
        len(ss[0]["handshake"]), len(ss[0]["tcp"]["events"]), ss[0].get("events_dropped")))

# 6d. 64 files captured side by side, a connection in each, taking turns
#     packet by packet: every file stays open, and their reads share a few
#     megabytes (each read up to a megabyte ahead: 42 MB at peak; now
#     23.4-25.7 MB, the heap's huge pages moving it by 2 MB from run to run)
side, ts0 = [], 1_800_000_000_000_000
for conn in range(64):
    recs = connection(records(CH, 16384) + (bytes([23, 3, 3, 0x3f, 0xf0]) + bytes(0x3ff0)) * 64, cport=41000 + conn)
    side.append(write("side-%02d.pcap" % conn, pcap([(ts0 + i * 1000 + conn, f, w) for i, (_, f, w) in enumerate(recs)])))
code, out, err, rss = run("read", "-f", "csv", "--fields", "sni", *side)
if code != 0 or len(out.splitlines()) != 65:
    fail("64 files side by side: exit %d, %d lines" % (code, len(out.splitlines())))
if rss > 30 * SCALE:
    fail("64 files side by side: %.0f MB peak" % rss)
for path in side:
    os.remove(path)

# 6b. datagrams that only look like QUIC Initials (a flood from 300,000
#     ports): a small one is not even worth deriving keys for, a junk one
#     opens nothing, so no flow is kept and memory stays flat; full-size ones
#     in a version tlsscope does not read look like a client forcing version
#     negotiation and are kept, within --max-flows; the connection IDs
#     they carry are remembered within their own bound
def udp_frame(src, dst, sport, dport, payload):
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 28 + len(payload), 0, 0x4000, 64, 17, 0, bytes(src), bytes(dst))
    udp = struct.pack(">HHHH", sport, dport, 8 + len(payload), 0)
    return b"\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00" + ip + udp + payload


junk = bytes((i * 37 + 11) & 255 for i in range(1200))
for name, count, version, size in (("quic-small", 300_000, b"\0\0\0\1", 90), ("quic-junk", 60_000, b"\0\0\0\1", 1200),
                                   ("quic-reserved", 60_000, b"\x1a\x2a\x3a\x4a", 1200)):
    frames = []
    for i in range(count):
        # each with a connection ID of its own, which the capture learns
        # (bounded: --max-flows does not cover them, capture_limits.max_cids does)
        head = (bytes([0xc3]) + version + bytes([8]) + struct.pack(">Q", i) + bytes([8]) + struct.pack(">Q", ~i & (2**64 - 1))
                + bytes([0, 0x40 | ((size - 30) >> 8), (size - 30) & 255]))
        payload = head + junk[:size - len(head)]
        frame = udp_frame([10, (i >> 16) & 255, (i >> 8) & 255, i & 255], [192, 168, 0, 1], 1024 + i % 60000, 443,
                          payload)
        frames.append((1_800_000_000_000_000 + i * 10, frame, len(frame)))
    path = write(name + ".pcap", pcap(frames))
    del frames
    args = ("--max-flows", "20000") if name == "quic-reserved" else ()
    code, out, err, rss = run("read", "-f", "json", *args, path)
    got = summary(out)
    if code != 0 or got.get("quic_sessions") != 0 or sessions(out):
        fail("%s flood: exit %d, %s QUIC sessions" % (name, code, got.get("quic_sessions")))
    if got.get("quic_datagrams") != count:
        fail("%s flood: %s QUIC datagrams counted of %d" % (name, got.get("quic_datagrams"), count))
    evicted = got.get("limits", {}).get("quic_connection_ids_evicted")
    if evicted != max(0, count - 65536):
        fail("%s flood: %s connection IDs evicted, %d expected (a table of 65,536)" % (name, evicted,
                                                                                     max(0, count - 65536)))
    limit = 100 if name == "quic-reserved" else 40
    if rss > limit * SCALE:
        fail("%s flood: %.0f MB peak for %d datagrams (limit %d MB)" % (name, rss, count, limit))

# 7. snaplen 64: every packet cut inside its TCP header: counted as cut
#    and undecodable, nothing invented; snaplen 200: the session is still
#    reported, the lost bytes as TCP gaps
trace = open(os.path.join(SRC, "traces", "tls13.pcap"), "rb").read()
for snaplen in (64, 200):
    off, cut_recs = 24, []
    while off + 16 <= len(trace):
        sec, usec, incl, orig = struct.unpack("<IIII", trace[off:off + 16])
        frame = trace[off + 16:off + 16 + incl]
        off += 16 + incl
        cut_recs.append((sec * 1000000 + usec, frame[:snaplen], orig))
    snap = write("snap%d.pcap" % snaplen, pcap(cut_recs, snaplen=snaplen))
    code, out, err, rss = run("read", "-f", "json", snap)
    summ = summary(out)
    cut = summ.get("limits", {}).get("packets_cut_by_snaplen", 0)
    if code != 0 or cut < 4:
        fail("snaplen %d: exit %d, %d packets counted as cut" % (snaplen, code, cut))
    if snaplen == 64 and (sessions(out) or summ.get("undecodable_packets") != summ.get("packets")):
        fail("snaplen 64: %d sessions, %s of %s packets undecodable"
             % (len(sessions(out)), summ.get("undecodable_packets"), summ.get("packets")))
    if snaplen == 200:
        gaps = [a for s in sessions(out) for a in s.get("anomalies", []) if a.get("what") == "tcp_gap"]
        if len(sessions(out)) != 1 or not gaps or summ.get("tcp_gaps", 0) < 1:
            fail("snaplen 200: %d sessions, %d gap anomalies" % (len(sessions(out)), len(gaps)))

# 8. the IP fragment budget (16 MB) filled by lone fragments that never
#    complete, then a connection whose ClientHello segment arrives as two
#    fragments: room is made by dropping the oldest, the new datagram is
#    rebuilt and its session reported, the drops counted
def ipv4_fragments(frame, ident, cut):
    """frame (Ethernet + IPv4) as two fragments split at payload byte cut (a multiple of 8)."""
    eth, ip = frame[:14], frame[14:]
    head, payload = ip[:20], ip[20:]
    out = []
    for offset, piece, more in ((0, payload[:cut], True), (cut, payload[cut:], False)):
        flags = (0x2000 if more else 0) | (offset // 8)
        h = head[:2] + struct.pack(">HHH", 20 + len(piece), ident, flags) + head[8:]
        out.append(eth + h + piece)
    return out


lone = []
for ident in range(1, 259):
    frag = tcp_frame([10, 9, 0, 1], [10, 9, 0, 2], 1000 + ident, 443, 0, 0, 0x18, b"x" * 8)
    eth, ip = frag[:14], frag[14:34]
    ip = ip[:2] + struct.pack(">HHH", 20 + 520, ident, 0x2000 | (65000 // 8)) + ip[8:]
    lone.append(eth + ip + b"y" * 520)
# the rebuilt segment outgrows a fragment's first buffer (2 KB) while the
# budget is full: the datagram being grown must survive the evictions
recs = connection(records(CH, 16384) + bytes([23, 3, 3, 0x0f, 0xa0]) + b"z" * 4000, segment=8000, cport=40002)
start = recs[0][0] - 10_000
frag_recs = [(start + i, f, len(f)) for i, f in enumerate(lone)]
data = recs[3][1]
for i, f in enumerate(ipv4_fragments(data, 4242, 64)):
    frag_recs.append((recs[3][0] + i, f, len(f)))
budget = write("fragbudget.pcap", pcap(recs[:3] + frag_recs[:258] + frag_recs[258:] + recs[4:]))
code, out, err, rss = run("read", "-f", "json", budget)
ss = sessions(out)
dropped = summary(out).get("limits", {}).get("fragments_dropped", 0)
if code != 0 or len(ss) != 1 or ss[0].get("sni") != "localhost":
    fail("fragment budget: exit %d (%s), SNI %s" % (code, err.strip()[:200], [s.get("sni") for s in ss]))
if dropped < 1:
    fail("fragment budget: no fragment counted as dropped (%s)" % summary(out).get("limits"))

# 9. absurd numbers in a pcapng file: if_tsoffset of 10^12 s, resolutions
#    finer than 10^-19 s, timestamps beyond 2116 or before 1970, and in a
#    pcap a fraction of a second over a second. Each is a warning naming
#    the block or packet, counted in the summary; every packet is still
#    read and the session reported.
def pcapng_block(btype, body):
    body += b"\0" * (-len(body) % 4)
    return struct.pack("<II", btype, len(body) + 12) + body + struct.pack("<I", len(body) + 12)


def idb(options):
    opts = b""
    for code, value in options:
        opts += struct.pack("<HH", code, len(value)) + value + b"\0" * (-len(value) % 4)
    return pcapng_block(1, struct.pack("<HHI", 1, 0, 262144) + opts + b"\0\0\0\0")


def epb(ifid, units, frame):
    return pcapng_block(6, struct.pack("<IIIII", ifid, units >> 32, units & 0xffffffff, len(frame), len(frame)) + frame)


recs = connection(records(CH, 16384), cport=40003)
blocks = [pcapng_block(0x0a0d0d0a, struct.pack("<IHHq", 0x1a2b3c4d, 1, 0, -1)),
          idb([(9, b"\x06")]),                                    # 0: fine, microseconds
          idb([(9, b"\x06"), (14, struct.pack("<q", 10 ** 12))]),   # 1: offset of 10^12 s
          idb([(9, bytes([0xff]))]),                               # 2: 2^-127 s
          idb([(9, bytes([200]))]),                                # 3: 10^-200 s
          idb([(9, b"\x00"), (14, struct.pack("<q", -4 * 10 ** 9))])]  # 4: seconds, 127 years back
weird = [(1, recs[0][0]), (2, recs[1][0]), (3, recs[2][0]), (0, (1 << 64) - 1), (4, 10)]
for i, (ts, frame, _) in enumerate(recs):
    ifid, units = weird[i] if i < len(weird) else (0, ts)
    blocks.append(epb(ifid, units, frame))
absurd = write("absurd.pcapng", b"".join(blocks))
code, out, err, rss = run("read", "-f", "json", absurd)
ss = sessions(out)
warned = [l for l in err.splitlines() if "warning" in l]
expect_words = ["if_tsoffset of 1000000000000 s", "if_tsresol 0xff", "if_tsresol 0xc8",
                "packet 4 (block", "packet 5 (block"]
if code != 0 or len(ss) != 1 or ss[0].get("sni") != "localhost":
    fail("absurd pcapng numbers: exit %d (%s), %d sessions" % (code, err.strip()[:300], len(ss)))
for words in expect_words:
    if not any(words in l and absurd in l for l in warned):
        fail("absurd pcapng numbers: no warning naming the file with %r: %r" % (words, warned))
if summary(out).get("file_anomalies") != 5 or summary(out).get("packets") != len(recs):
    fail("absurd pcapng numbers: summary %s" % {k: summary(out).get(k) for k in ("file_anomalies", "packets")})
frac = [(ts, frame, wire) for ts, frame, wire in recs]
pcap_frac = bytearray(pcap(frac))
struct.pack_into("<I", pcap_frac, 24 + 4, 2_000_000)  # packet 1: 2 s of microseconds
fracfile = write("frac.pcap", bytes(pcap_frac))
code, out, err, rss = run("read", "-f", "json", fracfile)
if code != 0 or len(sessions(out)) != 1 or "packet 1: the fraction of its timestamp (2000000 us)" not in err:
    fail("pcap fraction over a second: exit %d, %r" % (code, err.strip()[:300]))

# 10. hostile names: a ClientHello whose SNI and ALPN, a ServerHello whose
#     ALPN, and a certificate whose subject, issuer, SAN dNSName, rfc822Name
#     and URI, OCSP and CRL URIs hold (a) bytes that are not UTF-8
#     (surrogates, F5..FF leads, overlong forms) and (b) a NUL. Every JSON
#     line must be strict (raw UTF-8 valid, no lone surrogate), every string
#     must map back to the wire bytes (docs/json.md), no name with a NUL may
#     match, cert-name-nul must fire, and the text, CSV and Zeek outputs
#     must carry no NUL or other control byte.
PLACE, DN_PLACE = b"QQQQ", b"RRRR"


def hostile_cert(tag, dn_tag):
    """A self-signed certificate from openssl whose extensions' names hold
    tag and whose subject (and so issuer) holds dn_tag. OpenSSL refuses to
    decode a distinguished name that is not UTF-8, so dn_tag is."""
    key, pem = os.path.join(WORK, "hk.pem"), os.path.join(WORK, "hc.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-keyout", key, "-out", pem, "-days", "30", "-subj", "/CN=cnRRRR.example/O=orgRRRR",
                    "-addext", "subjectAltName=DNS:dnsQQQQ.example,email:mail@QQQQ.example,URI:http://uriQQQQ.example/",
                    "-addext", "authorityInfoAccess=OCSP;URI:http://ocspQQQQ.example/",
                    "-addext", "crlDistributionPoints=URI:http://crlQQQQ.example/"],
                   check=True, capture_output=True)
    der = subprocess.run(["openssl", "x509", "-in", pem, "-outform", "DER"], check=True, capture_output=True).stdout
    assert der.count(PLACE) == 5 and der.count(DN_PLACE) == 4, (der.count(PLACE), der.count(DN_PLACE))
    return der.replace(PLACE, tag).replace(DN_PLACE, dn_tag)


def handshake_message(mtype, body):
    return bytes([mtype]) + struct.pack(">I", len(body))[1:] + body


def vec(width, body):
    return struct.pack(">I", len(body))[4 - width:] + body


def hostile_hello(sni, alpn):
    exts = struct.pack(">H", 0) + vec(2, vec(2, b"\0" + vec(2, sni)))
    exts += struct.pack(">H", 16) + vec(2, vec(2, vec(1, alpn) + vec(1, b"h2")))
    exts += struct.pack(">H", 10) + vec(2, vec(2, b"\x00\x17"))
    exts += struct.pack(">H", 13) + vec(2, vec(2, b"\x04\x03"))
    body = b"\x03\x03" + b"\x11" * 32 + vec(1, b"") + vec(2, b"\xc0\x2b") + vec(1, b"\0") + vec(2, exts)
    return handshake_message(1, body)


def hostile_server(alpn, der):
    exts = struct.pack(">H", 16) + vec(2, vec(2, vec(1, alpn)))
    hello = handshake_message(2, b"\x03\x03" + b"\x22" * 32 + vec(1, b"") + b"\xc0\x2b\x00" + vec(2, exts))
    cert = handshake_message(11, vec(3, vec(3, der)))
    return hello + cert + handshake_message(14, b"")


def wire_bytes(s):
    return b"".join(bytes([ord(c) - 0x10FF00]) if 0x10FF00 <= ord(c) <= 0x10FFFF else c.encode("utf-8") for c in s)


def strings_of(v):
    if isinstance(v, str):
        yield v
    elif isinstance(v, list):
        for x in v:
            yield from strings_of(x)
    elif isinstance(v, dict):
        for k, x in v.items():
            yield k
            yield from strings_of(x)


for label, tag in (("not UTF-8", b"\xed\xa0\x80\xff"), ("overlong and F5", b"\xc0\xaf\xf5\x80"),
                   ("NUL", b"\x00xyz")):
    sni, alpn = b"sni" + tag + b".example", b"pr" + tag
    der = hostile_cert(tag, tag if tag.startswith(b"\0") else "\u00e9\u00e8".encode())
    recs = connection(records(hostile_hello(sni, alpn), 16384), records(hostile_server(alpn, der), 16384), cport=40004)
    path = write("names.pcap", pcap(recs))
    raw = subprocess.run([BIN, "read", "-f", "json", path], capture_output=True)
    try:
        text = raw.stdout.decode("utf-8")  # strict: a raw surrogate or invalid byte fails here
        lines = [json.loads(l) for l in text.splitlines()]
        for obj in lines:
            for s in strings_of(obj):
                s.encode("utf-8")  # a lone surrogate escape fails here
    except (UnicodeError, ValueError) as e:
        fail("%s names: JSON output not strict: %s" % (label, e))
        continue
    ss = [o for o in lines if o.get("type") == "session"]
    if raw.returncode != 0 or len(ss) != 1:
        fail("%s names: exit %d, %d sessions" % (label, raw.returncode, len(ss)))
        continue
    s = ss[0]
    leaf = (s.get("server_certs") or [{}])[0]
    want = {"sni": sni, "alpn_offered[0]": alpn, "alpn_selected": alpn, "san.dns": b"dns" + tag + b".example",
            "san.email": b"mail@" + tag + b".example", "san.uri": b"http://uri" + tag + b".example/",
            "ocsp_urls": b"http://ocsp" + tag + b".example/", "crl_urls": b"http://crl" + tag + b".example/"}
    got = {"sni": s.get("sni"), "alpn_offered[0]": ((s.get("alpn") or {}).get("offered") or [None])[0],
           "alpn_selected": (s.get("alpn") or {}).get("selected"), "san.dns": (leaf.get("san", {}).get("dns") or [None])[0],
           "san.email": (leaf.get("san", {}).get("email") or [None])[0],
           "san.uri": (leaf.get("san", {}).get("uri") or [None])[0], "ocsp_urls": (leaf.get("ocsp_urls") or [None])[0],
           "crl_urls": (leaf.get("crl_urls") or [None])[0]}
    for k, v in want.items():
        if got[k] is None or wire_bytes(got[k]) != v:
            fail("%s names: %s is %r, the wire had %r" % (label, k, got[k], v))
    if not leaf.get("subject") or not leaf.get("issuer"):
        fail("%s names: subject %r, issuer %r" % (label, leaf.get("subject"), leaf.get("issuer")))
    rules = {f["rule"]: f["severity"] for f in s.get("findings", [])}
    if tag.startswith(b"\0"):
        if rules.get("cert-name-nul") != "high" or "cert-sni-mismatch" not in rules:
            fail("NUL names: findings %s (cert-name-nul high and cert-sni-mismatch expected)" % rules)
        nul = [f for f in s["findings"] if f["rule"] == "cert-name-nul"]
        for what in ("subject", "issuer", "SAN dNSName", "SAN rfc822Name", "SAN URI", "OCSP", "CRL"):
            if nul and what not in nul[0]["evidence"]:
                fail("NUL names: cert-name-nul does not name the %s: %s" % (what, nul[0]["evidence"]))
    elif "cert-name-nul" in rules:
        fail("%s names: cert-name-nul without a NUL" % label)
    for fmt in ("text", "csv", "zeek"):
        args = [BIN, "read", "-f", fmt, path] + (["-o", os.path.join(WORK, "zeek")] if fmt == "zeek" else [])
        out = subprocess.run(args, capture_output=True).stdout
        if fmt == "zeek":
            out = b"".join(open(os.path.join(WORK, "zeek", n), "rb").read() for n in ("ssl.log", "x509.log"))
        bad = [b for b in set(out) if b < 0x20 and b not in (b"\n\t\r" if fmt == "csv" else b"\n\t")]
        if bad:
            fail("%s names: %s output carries control bytes %s" % (label, fmt, sorted(bad)))
        if tag in out:
            fail("%s names: %s output carries the hostile bytes as they were" % (label, fmt))

if failures:
    print("%d hostile case(s) failed" % len(failures))
    sys.exit(1)
print("hostile: cut file, random bytes, 1-byte records, 16 MB claims, overlaps, 1,000,000 SYNs "
      "(%.0f MB peak, %.0f MB with --max-flows 10000%s), 600,000 one-byte segments behind holes, "
      "500,000 alerts on one connection, 64 files side by side, "
      "snaplen 64 and 200, a full fragment budget, "
      "absurd pcapng numbers, names not UTF-8 or holding a NUL, floods of fake QUIC Initials: all handled"
      % (rss_flood, rss_small, "; not bounded under ASan" if SCALE > 1 else ""))
