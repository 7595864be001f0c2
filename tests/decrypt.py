#!/usr/bin/env python3
"""Decryption agrees with tshark and with the certificates the script made.

For every trace in traces/ that has its key log beside it (NAME.keylog), and
for the pcapng that carries its key log inside (tls13-dsb.pcapng):
  - tlsscope decrypts the session (decrypted: true, no problem);
  - the certificates it reads equal those tshark reads with the same key
    log (SHA-256 of each DER, per connection and direction), and the server
    leaf is a certificate of traces/pki/;
  - the alerts it decodes equal tshark's (description codes, in order);
  - every handshake message type tshark decrypts, tlsscope shows.
Then the ways a key log goes wrong: a key log for another capture, a
truncated one and one with a damaged secret each give the same sessions,
undecrypted, with the reason, and a clear warning for bad lines.

usage: decrypt.py TLSSCOPE SOURCE_DIR   (exit 77: tshark is not installed)
"""
import glob
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile

BIN, SRC = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
TRACES = os.path.join(SRC, "traces")
failures = []


def fail(msg):
    failures.append(msg)
    print("decrypt: " + msg)


def tlsscope(*args):
    env = dict(os.environ)
    env.pop("SSLKEYLOGFILE", None)
    p = subprocess.run([BIN, "read", "--format", "json"] + list(args), cwd=TRACES,
                       capture_output=True, text=True, env=env)
    lines = [json.loads(l) for l in p.stdout.splitlines() if l.startswith("{")]
    return p.returncode, [l for l in lines if l["type"] == "session"], p.stderr


def tshark(pcap, keylog):
    # the trace ports include some tshark gives to other protocols (pmproxy)
    args = ["tshark", "-r", pcap, "-d", "tcp.port==44300-44400,tls", "-Y", "tls",
            "-T", "fields", "-E", "separator=|",
            "-E", "occurrence=a", "-E", "aggregator=,",
            "-e", "tcp.srcport", "-e", "tcp.dstport", "-e", "tls.handshake.type",
            "-e", "tls.alert_message.desc", "-e", "tls.handshake.certificate"]
    if keylog:
        args[3:3] = ["-o", "tls.keylog_file:" + keylog]
    out = subprocess.run(args, cwd=TRACES, capture_output=True, text=True, check=True).stdout
    conns = {}
    for line in out.splitlines():
        sport, dport, types, alerts, certs = (line.split("|") + [""] * 5)[:5]
        if not sport:
            continue  # QUIC: tests/udp-traces.py compares those with tshark
        c = conns.setdefault(frozenset((int(sport), int(dport))),
                             {"types": set(), "alerts": [], "certs": {}})
        c["types"].update(int(t) for t in types.split(",") if t)
        c["alerts"] += [int(a) for a in alerts.split(",") if a]
        for der in certs.split(","):
            if der:
                c["certs"].setdefault(int(sport), []).append(
                    hashlib.sha256(bytes.fromhex(der.replace(":", ""))).hexdigest())
    return conns


NAMES = {"client_hello": 1, "server_hello": 2, "new_session_ticket": 4, "end_of_early_data": 5,
         "encrypted_extensions": 8, "certificate": 11, "server_key_exchange": 12,
         "certificate_request": 13, "server_hello_done": 14, "certificate_verify": 15,
         "client_key_exchange": 16, "finished": 20, "certificate_status": 22, "key_update": 24,
         "hello_request": 0}

pki = set()
for pem in glob.glob(os.path.join(TRACES, "pki", "*.pem")):
    der = subprocess.run(["openssl", "x509", "-in", pem, "-outform", "DER"], capture_output=True)
    if der.returncode == 0:
        pki.add(hashlib.sha256(der.stdout).hexdigest())


def compare(name, pcap, keylog):
    rc, sessions, err = tlsscope(*(["--keylog", keylog] if keylog else []), pcap)
    if rc != 0 or err:
        fail(f"{name}: exit {rc}, stderr {err.strip()!r}")
    theirs = tshark(pcap, keylog)
    for s in sessions:
        if not s["client_hello"] or not s["server_hello"]:
            continue
        label = f"{name} #{s['id']}"
        d = s["decryption"]
        problem = d and d["problem"] or ""
        # a client that gives up on the server's certificate never computes
        # (so never logs) its own secrets: only what it did log can count
        gave_up = not s["established"] and ("no line" in problem or "client's handshake" in problem)
        if (not s["decrypted"] or problem) and not gave_up:
            fail(f"{label}: not decrypted ({problem})")
            continue
        t = theirs.get(frozenset((s["client"]["port"], s["server"]["port"])))
        if t is None:
            fail(f"{label}: tshark has no connection {s['client']['port']}-{s['server']['port']}")
            continue
        ours_s = [c["sha256"] for c in s["server_certs"]]
        ours_c = [c["sha256"] for c in s["client_certs"]]
        their_s = t["certs"].get(s["server"]["port"], [])
        their_c = t["certs"].get(s["client"]["port"], [])
        if d and d["renegotiations"]:  # tlsscope keeps the first handshake's
            their_s, their_c = their_s[:len(ours_s)], their_c[:len(ours_c)]
        if ours_s != their_s or ours_c != their_c:
            fail(f"{label}: certificates {ours_s}/{ours_c} differ from tshark's {their_s}/{their_c}")
        if ours_s and ours_s[0] not in pki:
            fail(f"{label}: the server leaf is not a certificate of traces/pki/")
        ours_alerts = [a["code"] for a in s["alerts"] if not a["encrypted"]]
        if 20 not in t["types"] and s["established"]:
            # tshark (libgcrypt) cannot open this suite, e.g. ARIA: the
            # Finished messages tlsscope decrypted and verified must do
            if not any(e["msg"] == "finished" for e in s["handshake"]):
                fail(f"{label}: no Finished decrypted")
            continue
        if ours_alerts != t["alerts"]:
            fail(f"{label}: alerts {ours_alerts} differ from tshark's {t['alerts']}")
        ours_types = {NAMES[e["msg"]] for e in s["handshake"] if e["msg"] in NAMES}
        missing = t["types"] - ours_types
        if missing:
            fail(f"{label}: handshake types {sorted(missing)} decrypted by tshark are missing")
    return sessions


def undecrypted_same(name, sessions_plain, sessions, why):
    for a, b in zip(sessions_plain, sessions):
        for k in ("version", "cipher", "sni", "established", "status"):
            if a[k] != b[k]:
                fail(f"{name}: {k} {b[k]!r} differs from the run without a key log ({a[k]!r})")
        if b["decrypted"] or not b["decryption"] or why not in (b["decryption"]["problem"] or ""):
            fail(f"{name}: session #{b['id']} should be undecrypted because '{why}', got {b['decryption']}")


def main():
    if not shutil.which("tshark"):
        print("decrypt: tshark is not installed; skipped (make check installs it)")
        sys.exit(77)
    traces = sorted(glob.glob(os.path.join(TRACES, "*.keylog")))
    checked = 0
    for keylog in traces:
        name = os.path.basename(keylog)[:-len(".keylog")]
        if not os.path.exists(os.path.join(TRACES, name + ".pcap")):
            continue
        if name.startswith(("quic-", "dtls")):
            continue  # over UDP: tests/udp-traces.py compares them with tshark
        compare(name, name + ".pcap", name + ".keylog")
        checked += 1
    # the key log inside the capture
    _, sessions, _ = tlsscope("tls13-dsb.pcapng")
    if not sessions or not all(s["decrypted"] for s in sessions):
        fail("tls13-dsb.pcapng: not decrypted from its decryption secrets block")
    # the block at the head of a later file, read as that file is opened
    for jobs in ("1", "2"):
        _, sessions, _ = tlsscope("-j", jobs, "tls13.pcap", "tls13-dsb.pcapng")
        if [s["decrypted"] for s in sessions] != [False, True]:
            fail(f"tls13.pcap then tls13-dsb.pcapng, -j {jobs}: decrypted {[s['decrypted'] for s in sessions]}, "
                 "expected only the second file's session")

    _, plain, _ = tlsscope("tls13.pcap")
    # a key log for another capture
    rc, other, err = tlsscope("--keylog", "tls12-rsa.keylog", "tls13.pcap")
    undecrypted_same("foreign key log", plain, other, "no line for this session")
    with tempfile.TemporaryDirectory() as tmp:
        lines = open(os.path.join(TRACES, "tls13.keylog")).read().splitlines()
        # cut in the middle of the client's handshake secret line
        cut = os.path.join(tmp, "cut.keylog")
        keep = [l for l in lines if not l.startswith(("CLIENT_HANDSHAKE", "CLIENT_TRAFFIC", "SERVER_TRAFFIC"))]
        with open(cut, "w") as f:
            f.write("\n".join(keep) + "\n" + next(l for l in lines if l.startswith("CLIENT_HANDSHAKE"))[:80])
        rc, got, err = tlsscope("--keylog", cut, "tls13.pcap")
        if rc != 0 or "line skipped" not in err or "cut.keylog:" not in err:
            fail(f"truncated key log: exit {rc}, stderr {err.strip()!r}: expected a warning naming the line")
        if got and got[0]["server_certs"] and not got[0]["decryption"]["problem"]:
            fail("truncated key log: the missing client secret is not reported")
        # a damaged secret: every record fails to authenticate
        bad = os.path.join(tmp, "bad.keylog")
        with open(bad, "w") as f:
            for l in lines:
                parts = l.split()
                if len(parts) == 3:
                    parts[2] = ("0" if parts[2][0] != "0" else "1") + parts[2][1:]
                f.write(" ".join(parts) + "\n")
        rc, got, err = tlsscope("--keylog", bad, "tls13.pcap")
        undecrypted_same("damaged key log", plain, got, "did not authenticate")
    print(f"decrypt: {checked} traces agree with tshark; bad key logs handled" if not failures
          else f"decrypt: {len(failures)} problems")
    sys.exit(1 if failures else 0)


main()
