#!/usr/bin/env python3
"""--format zeek against Zeek's own published baselines, as the reference
corpus carries them (../shared/corpus/expected/*.json: a "zeek" block per
session from ssl.log, and "zeek_x509" rows by fingerprint from x509.log):
every ssl.log field but ts and uid, every x509.log field Zeek logged, and
the header lines; and quic.log's columns for every QUIC connection Zeek
logged (Zeek starts a second row after a Retry, kept as later_rows: the
connection's one row here has the first row's identity, the last row's
server_scid and the rows' histories joined). Exit 77 (skipped) when the corpus is not next to the
project. A field tests/conformance-corrections.txt proves the reference
wrong on (the same field name as in the conformance JSON) is compared with
that file's second opinion (tests/corroborate.py) instead of Zeek's value.

    zeek.py TLSSCOPE SOURCE_DIR
"""
import glob
import json
import os
import subprocess
import sys
import tempfile

SSL_FIELDS = ["ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "version", "cipher",
              "curve", "server_name", "resumed", "last_alert", "next_protocol", "established",
              "ssl_history", "cert_chain_fps", "client_cert_chain_fps", "sni_matches_cert"]


def read_log(path):
    """(fields, types, rows as dicts) of a Zeek TSV log, checking its frame."""
    lines = open(path, encoding="utf-8").read().splitlines()
    head = [l for l in lines if l.startswith("#")]
    want = ["#separator \\x09", "#set_separator\t,", "#empty_field\t(empty)", "#unset_field\t-"]
    if head[:4] != want:
        raise ValueError("%s: header lines %r" % (path, head[:4]))
    meta = {l.split("\t", 1)[0]: l.split("\t", 1)[1] for l in head[4:] if "\t" in l}
    for k in ("#path", "#open", "#fields", "#types", "#close"):
        if k not in meta:
            raise ValueError("%s: no %s line" % (path, k))
    fields = meta["#fields"].split("\t")
    types = meta["#types"].split("\t")
    if len(fields) != len(types):
        raise ValueError("%s: %d fields but %d types" % (path, len(fields), len(types)))
    rows = []
    for l in lines:
        if l.startswith("#"):
            continue
        values = l.split("\t")
        if len(values) != len(fields):
            raise ValueError("%s: a row with %d values for %d fields" % (path, len(values), len(fields)))
        rows.append(dict(zip(fields, values)))
    return fields, types, rows


QUIC_FIELDS = ["ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "version",
               "client_initial_dcid", "client_scid", "server_scid", "server_name", "client_protocol",
               "history"]


def compare_quic(row, q, note):
    """quic.log row against Zeek's (and its later rows after a Retry)."""
    rows = [q] + (q.get("later_rows") or [])
    def value(v):
        return None if unset(v) else "" if v == "(empty)" else v
    want = {
        "version": q.get("version_raw"),
        "client_initial_dcid": q.get("client_initial_dcid"),
        "client_scid": q.get("client_scid"),
        "server_scid": rows[-1].get("server_scid") or next(
            (r.get("server_scid") for r in rows if r.get("server_scid")), None),
        "server_name": q.get("server_name"),
        "client_protocol": q.get("client_protocol"),
    }
    out = []
    for k, v in want.items():
        # some baselines were cut to a few columns: compare what Zeek logged
        if (k == "version" and "version_raw" not in q) or (k != "version" and k not in q and
                                                             k != "server_scid"):
            continue
        if k == "server_scid" and "server_scid" not in q and not q.get("later_rows"):
            continue
        if value(row[k]) != v:
            out.append("%s quic.log %s: ours %r, Zeek's %r" % (note, k, value(row[k]), v))
    return out


def quic_history(q):
    return "".join(r.get("history") or "" for r in [q] + (q.get("later_rows") or []))


def unset(v):
    return v == "-"


def as_bool(v):
    return None if unset(v) else v == "T"


def as_list(v):
    return None if unset(v) else [] if v == "(empty)" else v.split(",")


def as_str(v):
    return None if unset(v) else "" if v == "(empty)" else v


def corrections(src):
    """{trace: (fields Zeek is wrong on, corroborate check)} from
    tests/conformance-corrections.txt."""
    out = {}
    for line in open(os.path.join(src, "tests", "conformance-corrections.txt"), encoding="utf-8"):
        if line.startswith("#") or not line.strip():
            continue
        words = line.split()
        opts = dict(w.split("=", 1) for w in words[1:3] if "=" in w)
        out[words[0]] = (opts["skip"].split(","), opts["check"])
    return out


def compare_ssl(row, z, note, wrong=()):
    """Differences between our ssl.log row and Zeek's, one string each."""
    out = []

    def check(name, got, key):
        # some baselines logged fewer columns: compare what Zeek wrote
        if name in wrong:
            return
        if key in z and got != z[key]:
            out.append("%s %s: ours %r, Zeek's %r" % (note, name, got, z[key]))

    check("version", as_str(row["version"]), "version_raw")
    check("cipher", as_str(row["cipher"]), "cipher_name")
    check("curve", as_str(row["curve"]), "curve")
    check("server_name", as_str(row["server_name"]), "server_name")
    check("resumed", as_bool(row["resumed"]), "resumed")
    check("established", as_bool(row["established"]), "established")
    check("last_alert", as_str(row["last_alert"]), "last_alert")
    check("next_protocol", as_str(row["next_protocol"]), "next_protocol")
    check("sni_matches_cert", as_bool(row["sni_matches_cert"]), "sni_matches_cert")
    check("cert_chain_fps", as_list(row["cert_chain_fps"]), "cert_chain_fps")
    check("client_cert_chain_fps", as_list(row["client_cert_chain_fps"]), "client_cert_chain_fps")
    return out


def history_agrees(row, z):
    """ssl_history is compared apart: the issue allows "-" for it, and Zeek's
    letters stop where its analyzer gave up on a connection."""
    return "ssl_history" not in z or as_str(row["ssl_history"]) == z["ssl_history"]


def compare_x509(row, z, note):
    out = []

    def check(name, got, want):
        if got != want:
            out.append("%s %s: ours %r, Zeek's %r" % (note, name, got, want))

    def number(v):
        return None if unset(v) else int(float(v))

    check("version", number(row["certificate.version"]), z.get("version"))
    check("serial", as_str(row["certificate.serial"]), z.get("serial"))
    check("subject", as_str(row["certificate.subject"]), z.get("subject"))
    check("issuer", as_str(row["certificate.issuer"]), z.get("issuer"))
    check("not_before", number(row["certificate.not_valid_before"]), z.get("not_before"))
    check("not_after", number(row["certificate.not_valid_after"]), z.get("not_after"))
    check("key_alg", as_str(row["certificate.key_alg"]), z.get("key_alg"))
    check("sig_alg", as_str(row["certificate.sig_alg"]), z.get("sig_alg"))
    check("key_type", as_str(row["certificate.key_type"]), z.get("key_type"))
    check("key_length", number(row["certificate.key_length"]), z.get("key_bits"))
    check("exponent", as_str(row["certificate.exponent"]), z.get("exponent"))
    check("curve", as_str(row["certificate.curve"]), z.get("curve"))
    check("san.dns", as_list(row["san.dns"]), z.get("san_dns"))
    check("basic_constraints.ca", as_bool(row["basic_constraints.ca"]), z.get("ca"))
    check("basic_constraints.path_len", number(row["basic_constraints.path_len"]), z.get("path_len"))
    check("host_cert", as_bool(row["host_cert"]), z.get("host_cert"))
    check("client_cert", as_bool(row["client_cert"]), z.get("client_cert"))
    return out


def main():
    binary, src = sys.argv[1], sys.argv[2]
    corpus = os.path.join(src, "..", "shared", "corpus")
    if not os.path.isdir(os.path.join(corpus, "expected")):
        print("zeek: skipped, %s is not present (it lives next to the project's checkout)" % corpus)
        return 77
    problems, sessions, certs, fields = [], 0, 0, 0
    histories, history_notes, quic_sessions, quic_histories = 0, [], 0, 0
    fixed = corrections(src)
    for exp_path in sorted(glob.glob(os.path.join(corpus, "expected", "*.json"))):
        exp = json.load(open(exp_path))
        blocks = [s for s in exp["sessions"] if s.get("zeek")]
        x509 = exp.get("zeek_x509") or {}
        if not blocks and not x509:
            continue
        capture = os.path.join(corpus, exp["trace"])
        with tempfile.TemporaryDirectory() as out:
            run = subprocess.run([binary, "read", "--format", "zeek", "-o", out, capture],
                                 capture_output=True, text=True)
            if run.returncode not in (0, 3):
                problems.append("%s: exit %d %s" % (exp["trace"], run.returncode, run.stderr.strip()))
                continue
            try:
                ssl_fields, _, ssl_rows = read_log(os.path.join(out, "ssl.log"))
                _, _, x509_rows = read_log(os.path.join(out, "x509.log"))
                quic_fields, _, quic_rows = read_log(os.path.join(out, "quic.log"))
            except (OSError, ValueError) as e:
                problems.append("%s: %s" % (exp["trace"], e))
                continue
        wrong, second_opinion = fixed.get(exp["trace"], ((), None))
        if second_opinion:
            proof = subprocess.run([sys.executable, os.path.join(src, "tests", "corroborate.py"),
                                    second_opinion, binary, capture], capture_output=True, text=True)
            print("zeek: %s: Zeek's %s checked by %s instead: %s" % (
                exp["trace"], ",".join(wrong), second_opinion, proof.stdout.strip()))
            if proof.returncode != 0:
                problems.append("%s: %s failed" % (exp["trace"], second_opinion))
        if ssl_fields != SSL_FIELDS:
            problems.append("%s: ssl.log fields %s" % (exp["trace"], ssl_fields))
        if quic_fields != QUIC_FIELDS:
            problems.append("%s: quic.log fields %s" % (exp["trace"], quic_fields))
        quic_by_conn = {(r["id.orig_h"], int(r["id.orig_p"]), r["id.resp_h"], int(r["id.resp_p"])): r
                        for r in quic_rows}
        by_conn = {}
        for r in ssl_rows:
            by_conn[(r["id.orig_h"], int(r["id.orig_p"]), r["id.resp_h"], int(r["id.resp_p"]))] = r
        for s in blocks:
            z = s["zeek"]
            key = (z["orig"]["ip"], z["orig"]["port"], z["resp"]["ip"], z["resp"]["port"])
            rkey = (key[2], key[3], key[0], key[1])
            row = by_conn.get(key) or by_conn.get(rkey)
            note = "%s %s:%s" % (exp["trace"], key[0], key[1])
            if z.get("quic"):
                qrow = quic_by_conn.get(key) or quic_by_conn.get(rkey)
                if qrow is None:
                    problems.append("%s: no quic.log row" % note)
                else:
                    quic_sessions += 1
                    fields += 6
                    problems += compare_quic(qrow, z["quic"], note)
                    if qrow["history"] == quic_history(z["quic"]):
                        quic_histories += 1
                    else:
                        history_notes.append("%s quic.log history: ours %s, Zeek's %s" % (
                            note, qrow["history"], quic_history(z["quic"])))
            if row is None:
                problems.append("%s: no ssl.log row" % note)
                continue
            sessions += 1
            fields += 11
            # Zeek's QUIC analyzer reads Initial packets only: its ssl.log says
            # established F for every QUIC connection (the corpus README)
            problems += compare_ssl(row, z, note, tuple(wrong) + (("established",) if z.get("quic") else ()))
            if history_agrees(row, z):
                histories += 1
            else:
                history_notes.append("%s ssl_history: ours %s, Zeek's %s" % (note, row["ssl_history"], z["ssl_history"]))
        ours = {}
        for r in x509_rows:
            ours.setdefault(r["fingerprint"], []).append(r)
        for fp, z in x509.items():
            rows = [r for r in ours.get(fp, []) if as_bool(r["host_cert"]) == z.get("host_cert") and
                    as_bool(r["client_cert"]) == z.get("client_cert")]
            note = "%s x509 %s" % (exp["trace"], fp[:12])
            if not rows:
                problems.append("%s: no x509.log row" % note)
                continue
            certs += 1
            fields += 17
            problems += compare_x509(rows[0], z, note)
    for p in problems:
        print("zeek: " + p)
    for p in history_notes:
        print("zeek: (not failing) " + p)
    print("zeek: ssl_history equal to Zeek's in %d of %d sessions, quic.log history in %d of %d" % (
        histories, sessions, quic_histories, quic_sessions))
    print("zeek: %d ssl.log sessions, %d quic.log connections and %d x509.log certificates compared "
          "with Zeek's baselines (%d fields), %d differences" % (sessions, quic_sessions, certs, fields,
                                                                  len(problems)))
    if sessions < 30:
        print("zeek: too few sessions compared")
        return 1
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
