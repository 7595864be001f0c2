#!/usr/bin/env python3
"""JA3 and JA3S over every trace in traces/ agree with tshark's (tshark 4.0
computes both; JA4 is checked against FoxIO's values on the reference corpus
by tests/conformance.sh). Skipped (77) without tshark.

    fingerprints.py TLSSCOPE SOURCE_DIR
"""
import glob
import json
import os
import shutil
import subprocess
import sys


def tshark_fingerprints(path):
    """{(client port, server port): {"ja3": ..., "ja3s": ...}} from tshark."""
    out = subprocess.run(
        ["tshark", "-r", path, "-o", "tls.desegment_ssl_records:TRUE",
         "-Y", "tls.handshake.type == 1 || tls.handshake.type == 2",
         "-T", "fields", "-E", "separator=|", "-e", "tcp.srcport", "-e", "tcp.dstport",
         "-e", "tls.handshake.ja3_full", "-e", "tls.handshake.ja3s_full", "-e", "udp.srcport", "-e", "udp.dstport"],
        capture_output=True, text=True, check=False).stdout
    seen = {}
    for line in out.splitlines():
        src, dst, ja3, ja3s, usrc, udst = (line.split("|") + [""] * 6)[:6]
        src, dst = src or usrc, dst or udst  # QUIC's hellos ride in UDP
        if ja3:
            seen.setdefault((int(src), int(dst)), {}).setdefault("ja3", ja3)
        if ja3s:
            seen.setdefault((int(dst), int(src)), {}).setdefault("ja3s", ja3s)
    return seen


def main():
    binary, src = sys.argv[1], sys.argv[2]
    if not shutil.which("tshark"):
        print("fingerprints: skipped, tshark is not installed (scripts/install-deps.sh test)")
        return 77
    compared = failures = 0
    for path in sorted(glob.glob(os.path.join(src, "traces", "*.pcap*"))):
        expected = tshark_fingerprints(path)
        out = subprocess.run([binary, "read", "-f", "json", path], capture_output=True, text=True).stdout
        for line in out.splitlines():
            s = json.loads(line)
            if s.get("type") != "session":
                continue
            key = (s["client"]["port"], s["server"]["port"])
            want = expected.get(key, {})
            # without a ServerHello, JA3S comes from the HelloRetryRequest, as tshark's does
            ch, sh = s.get("client_hello") or {}, s.get("server_hello") or s.get("hello_retry_request") or {}
            for field, got in (("ja3", ch.get("ja3")), ("ja3s", sh.get("ja3s"))):
                if field not in want:
                    continue
                compared += 1
                if got != want[field]:
                    failures += 1
                    print("fingerprints: %s %s:%d->%d: tlsscope %s, tshark %s" %
                          (os.path.basename(path), field, key[0], key[1], got, want[field]))
    if compared < 50:
        print("fingerprints: only %d fingerprints compared; tshark found too few hellos" % compared)
        return 1
    print("fingerprints: %d JA3/JA3S strings over traces/ agree with tshark, %d differ" %
          (compared - failures, failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
