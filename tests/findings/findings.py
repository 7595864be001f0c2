#!/usr/bin/env python3
"""The labelled findings suite and the properties every finding must keep.

  findings.py TLSSCOPE SRC [CORPUS]      (ctest -R findings)

For every capture in SRC/traces (and CORPUS, when given and present) it
lists, per session, the status and the exact (rule, severity) set, and per
capture-wide finding its rule, severity and subject; the list must equal
tests/findings/expected.txt, reviewed by hand, so any change in findings is
a diff someone approves (UPDATE_FINDINGS=1 rewrites the file). Lines of a
source that is absent (the corpus, for users who clone the project) are
skipped with a message.

Then, over everything read, the properties:
  P1  a failed session has a finding of low or above that explains it;
  P2  a rule concluding from absence stays silent on a hello that did not
      parse whole (truncated, or an extension that did not parse);
  P3  every session a capture-wide finding cites shows the fact cited;
  P4  the per-session rules that fire most state a fact the session shows:
      weak-cipher-offered names suites the client offered, weak-cipher and
      weak-protocol what was negotiated, no-extended-master-secret a TLS 1.2
      or older handshake the server did not give EMS, on the side it says.
"""
import json
import os
import re
import subprocess
import sys

ORDER = {"info": 0, "low": 1, "medium": 2, "high": 3}
# rules that conclude from something missing in the ClientHello
ABSENCE_RULES = {"cert-ip-not-in-san", "cert-sigalg-not-offered", "rsa-without-pss", "mq-sni-not-channel"}


def captures(folder):
    names = sorted(n for n in os.listdir(folder)
                   if re.search(r"\.(pcap|pcapng|cap)(\.gz)?$", n) and ".notest." not in n)
    return [os.path.join(folder, n) for n in names]


def read(tlsscope, path):
    run = subprocess.run([tlsscope, "read", "--format", "json", os.path.basename(path)],
                         cwd=os.path.dirname(path), capture_output=True, text=True)
    sessions, capture_findings = [], []
    for line in run.stdout.splitlines():
        d = json.loads(line)
        if d["type"] == "session":
            sessions.append(d)
        elif d["type"] == "finding":
            capture_findings.append(d)
    return sessions, capture_findings


def labels(source, path, sessions, capture_findings):
    name = f"{source}/{os.path.basename(path)}"
    out = []
    for s in sessions:
        rules = sorted(f"{f['rule']}:{f['severity']}" for f in s["findings"])
        out.append(f"{name} #{s['id']} {s['status']} {' '.join(rules) or '-'}")
    for f in capture_findings:
        out.append(f"{name} capture {f['rule']}:{f['severity']} {f['subject']}")
    return out


# ---- properties -------------------------------------------------------------------

def p1_failed_explained(name, s):
    if s["status"] != "failed":
        return []
    if any(f.get("explains") and ORDER[f["severity"]] >= 1 for f in s["findings"]):
        return []
    return [f"P1 {name} #{s['id']}: failed, and no finding of low or above explains it"]


def hello_broken(h):
    return bool(h) and (h.get("truncated") or h.get("bad_extensions"))


def p2_absence(name, s):
    errors = []
    ch, sh = s.get("client_hello"), s.get("server_hello")
    for f in s["findings"]:
        rule = f["rule"]
        if rule in ABSENCE_RULES and hello_broken(ch):
            errors.append(f"P2 {name} #{s['id']}: {rule} on a ClientHello that did not parse whole")
        if rule == "no-extended-master-secret":
            if hello_broken(sh):
                errors.append(f"P2 {name} #{s['id']}: no-extended-master-secret on a ServerHello that did not parse whole")
            if "did not offer" in f["evidence"] and hello_broken(ch):
                errors.append(f"P2 {name} #{s['id']}: no-extended-master-secret says a broken ClientHello did not offer it")
        if rule == "insecure-renegotiation":
            blames_client = "the client sent neither" in f["evidence"]
            if blames_client and hello_broken(ch):
                errors.append(f"P2 {name} #{s['id']}: insecure-renegotiation blames a broken ClientHello")
            if not blames_client and hello_broken(sh):
                errors.append(f"P2 {name} #{s['id']}: insecure-renegotiation blames a broken ServerHello")
    return errors


def suite_names(s):
    """IANA names of the client's offered suites (the JSON carries codes)."""
    return [IANA.get(c, "") for c in (s.get("client_hello") or {}).get("ciphers", [])]


OFFERS = {
    "NULL (unencrypted) suites": lambda n: "_WITH_NULL_" in n or n.endswith("_NULL_SHA") or "NULL_NULL" in n,
    "export-grade suites": lambda n: "EXPORT" in n,
    "anonymous suites": lambda n: "_anon_" in n,
    "RC4": lambda n: "_RC4_" in n,
    "single DES": lambda n: "_DES_" in n or "_DES40_" in n,
    "3DES": lambda n: "_3DES_" in n,
}


def cited_sessions(text):
    """'session #3', 'sessions #1, #4 and 6 more' -> [3] / [1, 4]"""
    return [int(x) for x in re.findall(r"#(\d+)", text)]


def reasons(evidence):
    """'REASON (sessions #1, #2)' parts of a capture finding's evidence."""
    for part in evidence.split("; "):
        m = re.fullmatch(r"(.*) \((sessions? #[^)]*)\)", part)
        if m:
            yield m.group(1), cited_sessions(m.group(2))


def grade_fact(reason, s):
    """Does session s show the server-grade reason?"""
    cipher = (s.get("cipher") or {}).get("name") or ""
    # DTLS 1.0 (and OpenSSL's pre-RFC 0x0100) is TLS 1.1's age
    m = re.fullmatch(r"(SSLv\d|TLSv1\.[01]|DTLSv1\.0|0x0100) negotiated", reason)
    if m:
        return s.get("version") == m.group(1)
    m = re.fullmatch(r"the (?:weak|CBC) suite (\S+) negotiated", reason)
    if m:
        return cipher == m.group(1) and ("CBC" in cipher or "weak" in reason)
    m = re.fullmatch(r"RSA key exchange \(no forward secrecy, (\S+)\) negotiated", reason)
    if m:
        return cipher == m.group(1) and cipher.startswith("TLS_RSA_")
    m = re.fullmatch(r"a (\d+)-bit RSA certificate", reason)
    if m:
        leaf = (s.get("server_certs") or [{}])[0]
        return leaf.get("key_type") == "rsa" and leaf.get("key_bits") == int(m.group(1))
    m = re.fullmatch(r"a (\d+)-bit DH group", reason)
    if m:
        return (s.get("server_key_exchange") or {}).get("dh_bits") == int(m.group(1))
    return None


def audit_fact(reason, s):
    m = re.fullmatch(r"offers (.*)", reason)
    if m and m.group(1) in OFFERS:
        return any(OFFERS[m.group(1)](n) for n in suite_names(s))
    m = re.fullmatch(r"never offers (.*) in \d+ hellos? that parsed whole", reason)
    if m:
        ch = s.get("client_hello") or {}
        if hello_broken(ch):
            return False
        facts = {"TLS 1.3": "TLSv1.3" in (ch.get("supported_versions") or []),
                 "extended_master_secret": ch.get("extended_master_secret"),
                 "secure renegotiation (renegotiation_info or the SCSV)":
                     ch.get("renegotiation_info") or 255 in (ch.get("ciphers") or [])}
        return not any(facts[k] for k in facts if k in m.group(1))
    return None


def p3_cited(name, sessions, capture_findings):
    by_id = {s["id"]: s for s in sessions}
    errors = []
    for f in capture_findings:
        judge = {"server-grade": grade_fact, "client-audit": audit_fact}.get(f["rule"])
        if not judge:
            continue
        for reason, ids in reasons(f["evidence"]):
            for i in ids:
                ok = judge(reason, by_id[i]) if i in by_id else False
                if ok is None:
                    errors.append(f"P3 {name}: {f['rule']} reason '{reason}' is unknown to this test")
                    break
                if not ok:
                    errors.append(f"P3 {name}: {f['rule']} cites session #{i} for '{reason}', which does not show it")
    return errors


def p4_session_fact(name, s):
    errors = []
    ch, sh = s.get("client_hello") or {}, s.get("server_hello") or {}
    cipher = (s.get("cipher") or {}).get("name") or ""
    offered = set(suite_names(s))
    for f in s["findings"]:
        rule, ev = f["rule"], f["evidence"]
        ok = True
        if rule == "weak-cipher-offered":
            named = re.findall(r"\b((?:TLS|SSL)_[A-Za-z0-9_]+) \(", ev)
            ok = bool(named) and set(named) <= offered
        elif rule == "weak-cipher":
            ok = bool(cipher) and ev.startswith("negotiated ") and cipher in ev.split(":")[0].split()
        elif rule == "weak-protocol":
            ok = ev.startswith(f"negotiated {s.get('version')}")
        elif rule == "no-extended-master-secret":
            ok = s.get("version") in ("SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2", "DTLSv1.0", "DTLSv1.2", "0x0100") and \
                not sh.get("extended_master_secret")
            if "the client did not offer it" in ev:
                ok = ok and not ch.get("extended_master_secret")
            elif "the client offered it" in ev:
                ok = ok and bool(ch.get("extended_master_secret"))
        if not ok:
            errors.append(f"P4 {name} #{s['id']}: {rule} says '{ev[:80]}', which the session does not show")
    return errors


def load_iana(src):
    """Suite names by code, from the project's copy of the IANA registry."""
    names = {}
    table = os.path.join(src, "dissect", "registry", "registry_data.c")
    for m in re.finditer(r'\{\s*0x([0-9a-fA-F]+),\s*"((?:TLS|SSL)_[A-Za-z0-9_]+)"', open(table).read()):
        names[int(m.group(1), 16)] = m.group(2)
    return names


def main():
    tlsscope, src = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    corpus = sys.argv[3] if len(sys.argv) > 3 else None
    global IANA
    IANA = load_iana(src)
    sources = [("traces", os.path.join(src, "traces"))]
    if corpus and os.path.isdir(corpus):
        sources.append(("corpus", corpus))
    else:
        print("findings: no corpus folder: its labelled lines are skipped")
    got, errors, counts = [], [], {}
    for source, folder in sources:
        for path in captures(folder):
            sessions, capture_findings = read(tlsscope, path)
            name = f"{source}/{os.path.basename(path)}"
            got += labels(source, path, sessions, capture_findings)
            for s in sessions:
                errors += p1_failed_explained(name, s) + p2_absence(name, s) + \
                    p4_session_fact(name, s)
                if source == "corpus":
                    for f in s["findings"]:
                        counts[f["rule"]] = counts.get(f["rule"], 0) + 1
            errors += p3_cited(name, sessions, capture_findings)
            if source == "corpus":
                for f in capture_findings:
                    counts[f["rule"]] = counts.get(f["rule"], 0) + 1
    expected_path = os.path.join(src, "tests", "findings", "expected.txt")
    present = {s for s, _ in sources}
    header, want = [], []
    for line in open(expected_path).read().splitlines():
        if line.startswith("#") or not line.strip():
            header.append(line)
        elif line.split("/", 1)[0] in present:
            want.append(line)
    if os.environ.get("UPDATE_FINDINGS") == "1":
        kept = [l for l in open(expected_path).read().splitlines()
                if l and not l.startswith("#") and l.split("/", 1)[0] not in present]
        with open(expected_path, "w") as out:
            out.write("\n".join(header + sorted(kept + got)) + "\n")
        print(f"findings: rewrote {expected_path}; review the diff")
    elif sorted(got) != sorted(want):
        missing = sorted(set(want) - set(got))
        extra = sorted(set(got) - set(want))
        for line in missing[:40]:
            print(f"findings: expected, not found: {line}")
        for line in extra[:40]:
            print(f"findings: found, not expected: {line}")
        errors.append(f"{len(missing)} expected line(s) missing, {len(extra)} unexpected")
    if os.environ.get("FINDINGS_COUNTS") == "1":
        for rule in sorted(counts, key=lambda r: (-counts[r], r)):
            print(f"{rule} {counts[rule]}")
    for e in errors:
        print(f"findings: {e}")
    print(f"findings: {len(got)} labelled lines, {len(errors)} problem(s)")
    return 1 if errors else 0


IANA = {}

if __name__ == "__main__":
    sys.exit(main())
