#!/usr/bin/env python3
"""Second opinions for fields where the reference corpus is wrong.

    corroborate.py CHECK TLSSCOPE TRACE

tests/conformance-corrections.txt names, for a corpus capture, fields whose
reference value is known to be wrong and a CHECK here that derives those
fields another way, from tools that are not tlsscope. The capture passes only
when tlsscope's values equal the derived ones, so a correction is proven on
every run, never merely tolerated.

Checks:
  tshark-compressed-chain  TLS 1.3 server chains sent as RFC 8879
      CompressedCertificate: tshark decrypts the handshake (with the key log
      in the capture's Decryption Secrets Block) and prints the compressed
      message but cannot decompress it; here it is decompressed (zlib, brotli)
      and parsed, each certificate hashed, the leaf read by openssl x509.
  tshark-server-finished  established from tshark's record sequence.
  ndpi-missing-sni-ja4  a QUIC ClientHello only nDPI decoded: nDPI's JA4
      marks SNI "d" for every QUIC hello (the corpus README says so), while
      its own risk list says "Missing SNI TLS Extn"; the JA4 is nDPI's with
      "i" there, and the hello's extensions must not hold server_name.
"""
import os
import calendar
import hashlib
import json
import subprocess
import sys
import time
import zlib


def fail(msg):
    print(f"corroborate: {msg}")
    sys.exit(1)


def tshark_fields(trace, display_filter, fields):
    cmd = ["tshark", "-r", trace, "-Y", display_filter, "-T", "fields",
           "-E", "separator=|", "-E", "occurrence=f"]
    for f in fields:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return [line.split("|") for line in out.splitlines() if line]


def tlsscope_sessions(tlsscope, trace, side):
    """tlsscope's sessions of a trace by (ip, port) of its client or server."""
    out = subprocess.run([tlsscope, "read", "--format", "json", trace],
                         capture_output=True, text=True, check=True).stdout
    sessions = {}
    for line in out.splitlines():
        obj = json.loads(line)
        if obj.get("type") == "session":
            sessions[(obj[side]["ip"], obj[side]["port"])] = obj
    return sessions


def decompress(algorithm, data, expected_len):
    if algorithm == 1:
        plain = zlib.decompress(data)
    elif algorithm == 2:
        # The brotli command (Debian package brotli), not a Python module:
        # it works whichever python3 runs the tests.
        plain = subprocess.run(["brotli", "--decompress", "--stdout"], input=data,
                               capture_output=True, check=True).stdout
    else:
        fail(f"compression algorithm {algorithm} has no second opinion here")
    if len(plain) != expected_len:
        fail(f"decompressed {len(plain)} bytes, the message announces {expected_len}")
    return plain


def certificates_of(message):
    """DER certificates of a TLS 1.3 Certificate message body (RFC 8446 4.4.2)."""
    ctx_len = message[0]
    pos = 1 + ctx_len
    list_len = int.from_bytes(message[pos:pos + 3], "big")
    pos += 3
    end = pos + list_len
    if end != len(message):
        fail(f"certificate list of {list_len} bytes in a {len(message)}-byte message")
    ders = []
    while pos < end:
        n = int.from_bytes(message[pos:pos + 3], "big")
        ders.append(message[pos + 3:pos + 3 + n])
        pos += 3 + n
        ext_len = int.from_bytes(message[pos:pos + 2], "big")
        pos += 2 + ext_len
    return ders


def openssl_leaf(der):
    out = subprocess.run(
        ["openssl", "x509", "-inform", "DER", "-noout", "-nameopt", "RFC2253",
         "-subject", "-issuer", "-startdate", "-enddate"],
        input=der, capture_output=True, check=True).stdout.decode()
    facts = dict(line.split("=", 1) for line in out.splitlines())

    def epoch(text):
        return calendar.timegm(time.strptime(text, "%b %d %H:%M:%S %Y GMT"))
    return {"subject": facts["subject"], "issuer": facts["issuer"],
            "not_before": epoch(facts["notBefore"]), "not_after": epoch(facts["notAfter"])}


def tshark_compressed_chain(tlsscope, trace):
    # over TCP, and in QUIC's Handshake packets (tshark opens both with the DSB's secrets)
    rows = tshark_fields(trace, "tls.compress_certificate.compressed_certificate_message",
                         ["ipv6.src", "ip.src", "tcp.srcport", "udp.srcport", "tls.compress_certificate.algorithm",
                          "tls.compress_certificate.uncompressed_length",
                          "tls.compress_certificate.compressed_certificate_message"])
    if not rows:
        fail(f"tshark shows no compressed certificate in {trace}")
    sessions = tlsscope_sessions(tlsscope, trace, "server")
    checked = 0
    for ip6, ip4, tport, uport, algorithm, plain_len, hexdata in rows:
        server = (ip6 or ip4, int(tport or uport))
        got = sessions.get(server)
        if got is None:
            fail(f"tlsscope reports no session with server {server[0]} port {server[1]}")
        ders = certificates_of(decompress(int(algorithm), bytes.fromhex(hexdata), int(plain_len)))
        want = [(hashlib.sha256(d).hexdigest(), hashlib.sha1(d).hexdigest()) for d in ders]
        seen = [(c.get("sha256"), c.get("sha1")) for c in got.get("server_certs", [])]
        if seen != want:
            fail(f"server {server}: tlsscope's chain {seen} differs from tshark's decompressed {want}")
        leaf = openssl_leaf(ders[0])
        tl = got["server_certs"][0]
        mine = {k: tl.get(k) for k in ("subject", "issuer", "not_before", "not_after")}
        if mine != leaf:
            fail(f"server {server}: leaf {mine} differs from openssl's {leaf}")
        checked += 1
    print(f"corroborate: {trace}: {checked} compressed chain(s) equal tshark's decrypted bytes "
          "decompressed here, certificate by certificate")


def tshark_server_finished(tlsscope, trace):
    cmd = ["tshark", "-r", trace, "-Y", "tls", "-T", "fields", "-E", "separator=|",
           "-E", "occurrence=a", "-E", "aggregator=,",
           "-e", "tcp.stream", "-e", "ip.src", "-e", "tcp.srcport",
           "-e", "tls.record.content_type", "-e", "tls.handshake.type"]
    rows = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.splitlines()
    streams = {}
    for row in rows:
        stream, src, port, types, hs = row.split("|")
        st = streams.setdefault(stream, {"client": None, "cke": False, "finished": False,
                                         "data": False})
        hs = hs.split(",") if hs else []
        if "1" in hs and st["client"] is None:
            st["client"] = (src, port)
        from_client = st["client"] == (src, port)
        if from_client and "16" in hs:
            st["cke"] = True
        types = types.split(",") if types else []
        if not from_client and st["cke"] and "20" in types and \
                "22" in types[types.index("20") + 1:]:
            st["finished"] = True
        if not from_client and st["finished"] and "23" in types:
            st["data"] = True
    proven = {st["client"] for st in streams.values() if st["finished"] and st["data"]}
    if not proven:
        fail(f"tshark shows no server Finished after a full handshake in {trace}")
    sessions = tlsscope_sessions(tlsscope, trace, "client")
    for client in sorted(proven):
        got = sessions.get((client[0], int(client[1])))
        if got is None:
            fail(f"tlsscope reports no session with client {client[0]} port {client[1]}")
        if got["established"] is not True:
            fail(f"client {client}: the server's Finished and application data prove the "
                 f"handshake completed; tlsscope says established={got['established']}")
    print(f"corroborate: {trace}: {len(proven)} handshake(s) completed by tshark's record "
          "sequence (server Finished after ClientKeyExchange, then server data), as tlsscope says")


def ndpi_missing_sni_ja4(tlsscope, trace):
    expected = os.path.join(os.path.dirname(trace), "expected", os.path.basename(trace) + ".json")
    with open(expected, encoding="utf-8") as f:
        sessions = json.load(f)["sessions"]
    mine = tlsscope_sessions(tlsscope, trace, "client")
    checked = 0
    for s in sessions:
        nd = s.get("ndpi") or {}
        if "Missing SNI TLS Extn" not in (nd.get("risk") or "") or not nd.get("ja4"):
            continue
        want = nd["ja4"][:3] + "i" + nd["ja4"][4:]
        got = mine.get((s["client"]["ip"], s["client"]["port"]))
        if got is None:
            fail(f"tlsscope reports no session with client {s['client']}")
        exts = [e["type"] if isinstance(e, dict) else e
                for e in (got.get("client_hello") or {}).get("extensions", [])]
        if 0 in exts:
            fail(f"client {s['client']}: nDPI says the hello has no SNI; tlsscope lists server_name")
        if got["client_hello"]["ja4"] != want:
            fail(f"client {s['client']}: JA4 {got['client_hello']['ja4']}, nDPI's without SNI is {want}")
        checked += 1
    if not checked:
        fail(f"no session of {trace} has nDPI's missing-SNI risk")
    print(f"corroborate: {trace}: {checked} QUIC hello(s) without SNI, JA4 as nDPI's with 'i'")


CHECKS = {"tshark-compressed-chain": tshark_compressed_chain,
          "tshark-server-finished": tshark_server_finished,
          "ndpi-missing-sni-ja4": ndpi_missing_sni_ja4}

if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] not in CHECKS:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    CHECKS[sys.argv[1]](sys.argv[2], sys.argv[3])
