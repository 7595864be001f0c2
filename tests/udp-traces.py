#!/usr/bin/env python3
"""The QUIC and DTLS traces in traces/ against tshark's own dissection.

    udp-traces.py TLSSCOPE SOURCE_DIR

QUIC traces are made by bench/quic-gen.c around real OpenSSL handshakes,
DTLS ones by OpenSSL's and GnuTLS's own DTLS over loopback
(traces/make-traces.sh). tshark decrypts every QUIC Initial packet itself,
and the Handshake and 1-RTT packets with the key log beside the trace, so a
generator that protected a packet wrongly fails here, whatever tlsscope
makes of it. tshark follows QUIC connections by connection ID, across
ports: tlsscope must report one session per connection (a Version
Negotiation joins two of tshark's), with the same later paths (a NAT
rebinding). Each session must agree with tshark on: the QUIC version, the client's Initial DCID, the handshake
messages in order in each direction, the SNI, the ClientHello's extensions,
the cipher suite, the server certificate's SHA-256, a CONNECTION_CLOSE's TLS
alert, a Retry's integrity tag, and for DTLS the HelloVerifyRequest's
cookie; and tshark must have
decrypted every QUIC packet but those of a version it does not know.
"""
import glob
import hashlib
import json
import os
import subprocess
import sys

HS_NAMES = {1: "client_hello", 2: "server_hello", 3: "hello_verify_request", 4: "new_session_ticket",
            8: "encrypted_extensions", 11: "certificate", 12: "server_key_exchange",
            13: "certificate_request", 14: "server_hello_done", 15: "certificate_verify",
            16: "client_key_exchange", 20: "finished"}


def tshark(trace, keylog, fields):
    cmd = ["tshark", "-r", trace, "-T", "fields", "-E", "separator=|", "-E", "occurrence=a",
           "-E", "aggregator=,"]
    if keylog:
        cmd += ["-o", "tls.keylog_file:" + keylog]
    for f in fields:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return [dict(zip(fields, line.split("|"))) for line in out.splitlines()]


def ints(v, base=10):
    return [int(x, base) for x in v.split(",") if x] if v else []


def mine(binary, trace, keylog):
    cmd = [binary, "read", "--format", "json"] + (["--keylog", keylog] if keylog else []) + [trace]
    run = subprocess.run(cmd, capture_output=True, text=True)
    if run.returncode not in (0, 3):
        raise RuntimeError("tlsscope exit %d: %s" % (run.returncode, run.stderr.strip()))
    return [json.loads(l) for l in run.stdout.splitlines() if '"type":"session"' in l]


def only_session(binary, trace, keylog):
    sessions = mine(binary, trace, keylog)
    if len(sessions) != 1:
        raise RuntimeError("%d sessions, one expected" % len(sessions))
    return sessions[0]


def compare(problems, name, what, ours, theirs):
    if ours != theirs:
        problems.append("%s: %s: tlsscope %r, tshark %r" % (name, what, ours, theirs))


def messages(s, direction):
    return [m["msg"] for m in s["handshake"] if m["dir"] == direction and m["msg"] in HS_NAMES.values()]


def quic_connections(rows):
    """tshark's rows by its QUIC connection (it follows connection IDs across
    ports). A connection that holds a Version Negotiation is joined to the
    next: the client's new attempt in the offered version is, to tlsscope,
    the same session with a first_version."""
    groups = {}
    for r in rows:
        groups.setdefault(int(r["quic.connection.number"].split(",")[0]), []).append(r)
    conns = [groups[k] for k in sorted(groups)]
    joined = []
    for c in conns:
        if joined and any(v == "0x00000000" for r in joined[-1] for v in r["quic.version"].split(",")):
            joined[-1] = joined[-1] + c
        else:
            joined.append(c)
    return joined


QUIC_FIELDS = ["frame.number", "quic.connection.number", "ip.src", "udp.srcport", "ip.dst", "udp.dstport",
               "quic.version", "quic.long.packet_type", "quic.dcid", "tls.handshake.type",
               "tls.handshake.extensions_server_name", "tls.handshake.extension.type", "tls.handshake.ciphersuite",
               "tls.handshake.certificate", "quic.cc.error_code", "quic.decryption_failed", "_ws.malformed",
               "quic.retry_integrity_tag", "quic.bad_retry"]


def check_quic(binary, trace, keylog, name, problems):
    rows = tshark(trace, keylog, QUIC_FIELDS)
    sessions = mine(binary, trace, keylog)
    forged = [r["frame.number"] for r in rows if r["quic.bad_retry"]]
    if forged:
        # tshark flags a Retry whose integrity tag is wrong, yet follows its
        # SCID as the server's and then cannot open what the real server
        # sends: a client throws such a Retry away (RFC 9001 5.8). The rest
        # of the trace is checked without it; the Retry's own row stays.
        without = os.path.join(os.environ.get("TMPDIR", "/tmp"), "udp-traces-%d.pcap" % os.getpid())
        subprocess.run(["editcap", trace, without] + forged, check=True, capture_output=True)
        try:
            kept = tshark(without, keylog, QUIC_FIELDS)
        finally:
            os.unlink(without)
        n = 0
        for r in kept:  # the kept frames' numbers in the whole trace
            n += 1
            while str(n) in forged:
                n += 1
            r["frame.number"] = str(n)
        rows = sorted(kept + [r for r in rows if r["quic.bad_retry"]], key=lambda r: int(r["frame.number"]))
        for at, r in enumerate(rows):  # a forged Retry is the connection's it came in
            if r["quic.bad_retry"] and at:
                r["quic.connection.number"] = rows[at - 1]["quic.connection.number"]
    conns = quic_connections(rows)
    compare(problems, name, "connections", len(sessions), len(conns))
    for i, (s, conn) in enumerate(zip(sessions, conns)):
        check_quic_connection(s, conn, "%s#%d" % (name, i + 1), problems)


def check_quic_connection(s, rows, name, problems):
    client = (rows[0]["ip.src"], rows[0]["udp.srcport"])
    server = (rows[0]["ip.dst"], rows[0]["udp.dstport"])
    hs = {"c2s": [], "s2c": []}
    dcid = version = client_version = sni = cipher = cert = close = retry = None
    exts = None
    paths = []  # the paths after the first, as (client, server), in order
    path = (client, server)
    for r in rows:
        src, dst = (r["ip.src"], r["udp.srcport"]), (r["ip.dst"], r["udp.dstport"])
        side = "s2c" if src == server or dst == client else "c2s"
        now = (src, dst) if side == "c2s" else (dst, src)
        if now != path:
            path = now
            paths.append(now)
        types = ints(r["tls.handshake.type"])
        if r["quic.decryption_failed"] and not r["_ws.malformed"]:
            problems.append("%s: tshark could not decrypt a packet the generator protected" % name)
        if side == "c2s" and 1 in types and dcid is None:
            dcid = r["quic.dcid"].split(",")[0]
            sni = r["tls.handshake.extensions_server_name"] or None
            exts = ints(r["tls.handshake.extension.type"])
        if side == "s2c" and r["quic.version"] and version is None and (types or r["quic.cc.error_code"]):
            version = int(r["quic.version"].split(",")[0], 16)
        if side == "c2s" and 1 in types and client_version is None:
            client_version = int(r["quic.version"].split(",")[0], 16)
        if 2 in types:
            cipher = ints(r["tls.handshake.ciphersuite"], 16)[-1]
        if 11 in types and r["tls.handshake.certificate"]:
            cert = hashlib.sha256(bytes.fromhex(r["tls.handshake.certificate"].split(",")[0])).hexdigest()
        if r["quic.cc.error_code"]:
            close = int(r["quic.cc.error_code"].split(",")[0])
        if r["quic.retry_integrity_tag"]:
            retry = "invalid" if r["quic.bad_retry"] else "valid"
        hs[side] += [HS_NAMES[t] for t in types if t in HS_NAMES]
    q = s["quic"]
    compare(problems, name, "Retry integrity tag", q["retry_integrity"], retry)
    # the server's version, or without a server the client's
    compare(problems, name, "quic.version", int(q["version"], 16) if q["version"] else None,
            version if version is not None else client_version)
    compare(problems, name, "quic.dcid", q["dcid"], dcid)
    compare(problems, name, "client", (s["client"]["ip"], str(s["client"]["port"])), client)
    compare(problems, name, "paths", [((p["client"]["ip"], str(p["client"]["port"])),
                                       (p["server"]["ip"], str(p["server"]["port"]))) for p in q["paths"]], paths)
    compare(problems, name, "sni", s["sni"], sni)
    compare(problems, name, "ClientHello extensions", s["client_hello"]["extensions"], exts)
    compare(problems, name, "cipher", s["cipher"]["code"] if s["cipher"] else None, cipher)
    compare(problems, name, "server certificate", s["server_certs"][0]["sha256"] if s["server_certs"] else None,
            cert)
    for d in ("c2s", "s2c"):
        compare(problems, name, "handshake messages " + d, messages(s, d), hs[d])
    if close is not None and 0x100 <= close <= 0x1ff:
        compare(problems, name, "alert of the CONNECTION_CLOSE", s["last_alert"] and s["last_alert"]["code"],
                close - 0x100)


def check_dtls(binary, trace, keylog, name, problems):
    rows = tshark(trace, None, ["udp.srcport", "dtls.handshake.type", "dtls.handshake.extensions_server_name",
                                "dtls.handshake.extension.type", "dtls.handshake.ciphersuite",
                                "dtls.handshake.version", "dtls.handshake.cookie_length",
                                "dtls.handshake.certificate", "dtls.alert_message.desc"])
    s = only_session(binary, trace, keylog)
    client_port = rows[0]["udp.srcport"]
    hs = {"c2s": [], "s2c": []}
    sni = cipher = cert = cookie = alert = version = None
    exts = None
    for r in rows:
        side = "c2s" if r["udp.srcport"] == client_port else "s2c"
        types = ints(r["dtls.handshake.type"])
        if side == "c2s" and 1 in types and exts is None:
            sni = r["dtls.handshake.extensions_server_name"] or None
            exts = ints(r["dtls.handshake.extension.type"])
        if side == "s2c" and 3 in types:
            cookie = ints(r["dtls.handshake.cookie_length"])[0]
        if side == "s2c" and 2 in types:
            cipher = ints(r["dtls.handshake.ciphersuite"], 16)[-1]
            version = ints(r["dtls.handshake.version"], 16)[-1]
        if 11 in types and r["dtls.handshake.certificate"] and cert is None:
            cert = hashlib.sha256(bytes.fromhex(r["dtls.handshake.certificate"].split(",")[0])).hexdigest()
        if r["dtls.alert_message.desc"]:
            alert = ints(r["dtls.alert_message.desc"])[-1]
        # a fragmented message shows once per fragment: count it once
        for t in types:
            if t in HS_NAMES and (not hs[side] or hs[side][-1] != HS_NAMES[t] or t in (1,)):
                hs[side].append(HS_NAMES[t])
    compare(problems, name, "version", s["version"], {0xfeff: "DTLSv1.0", 0xfefd: "DTLSv1.2"}.get(version))
    compare(problems, name, "sni", s["sni"], sni)
    compare(problems, name, "ClientHello extensions", s["client_hello"]["extensions"], exts)
    compare(problems, name, "cipher", s["cipher"]["code"] if s["cipher"] else None, cipher)
    compare(problems, name, "server certificate", s["server_certs"][0]["sha256"] if s["server_certs"] else None,
            cert)
    compare(problems, name, "cookie length", s["dtls"]["cookie_len"], cookie)
    if alert is not None:
        compare(problems, name, "alert", s["last_alert"] and s["last_alert"]["code"], alert)
    for d in ("c2s", "s2c"):
        compare(problems, name, "handshake messages " + d, messages(s, d), hs[d])


def main():
    binary, src = sys.argv[1], sys.argv[2]
    traces = sorted(glob.glob(os.path.join(src, "traces", "quic-*.pcap")) +
                    glob.glob(os.path.join(src, "traces", "dtls*.pcap")))
    problems = []
    for trace in traces:
        name = os.path.basename(trace)
        keylog = trace[:-len(".pcap")] + ".keylog"
        keylog = keylog if os.path.exists(keylog) else None
        try:
            (check_quic if name.startswith("quic-") else check_dtls)(binary, trace, keylog, name, problems)
        except (RuntimeError, KeyError, IndexError, ValueError, TypeError) as e:
            problems.append("%s: %s" % (name, e))
    for p in problems:
        print("udp-traces: " + p)
    print("udp-traces: %d QUIC and DTLS traces compared with tshark, %d differences" % (len(traces), len(problems)))
    if len(traces) < 8:
        print("udp-traces: too few traces")
        return 1
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
