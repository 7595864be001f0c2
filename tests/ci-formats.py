#!/usr/bin/env python3
"""check's CI reports as the tools that read them see them.

SARIF is validated against the OASIS SARIF 2.1.0 JSON schema and JUnit
against Jenkins' JUnit XSD (copies in tests/schemas/), and each holds the
promises docs/ci.md makes: one SARIF artifact per input with results on
the file their session came from, valid URIs relative to SRCROOT when the
file is under the working directory, the exit status in `invocations`;
JUnit ids that do not change from run to run, a suite named after the
input, times filled in. A baseline made from `check -f json` covers the
capture-wide findings too.

usage: ci-formats.py TLSSCOPE SOURCE_DIR
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

import jsonschema

tool, src = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
traces = os.path.join(src, "traces")
schemas = os.path.join(src, "tests", "schemas")
sarif_schema = json.load(open(os.path.join(schemas, "sarif-schema-2.1.0.json")))
problems = []


def problem(what):
    problems.append(what)
    print("FAIL: " + what)


def run(args, cwd):
    p = subprocess.run([tool] + args, cwd=cwd, capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout, p.stderr


# RFC 3986 URI characters; '%' only as an escape
URI_OK = re.compile(r"^(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-F]{2})*$")


def sarif(args, cwd, want_rc):
    rc, out, err = run(args + ["-f", "sarif"], cwd)
    if rc != want_rc:
        problem("%s: exit %d, expected %d (%s)" % (" ".join(args), rc, want_rc, err.strip()))
    try:
        doc = json.loads(out)
        jsonschema.validate(doc, sarif_schema)
    except (ValueError, jsonschema.ValidationError) as e:
        problem("%s: not SARIF 2.1.0: %s" % (" ".join(args), str(e).splitlines()[0]))
        return None
    run0 = doc["runs"][0]
    inv = run0["invocations"][0]
    if inv["exitCode"] != rc:
        problem("%s: invocations says exit %s, the process exited %d" % (" ".join(args), inv["exitCode"], rc))
    for a in run0.get("artifacts", []):
        uri = a.get("location", {}).get("uri", "")
        if uri and not URI_OK.match(uri):
            problem("%s: artifact URI %r is not percent-encoded" % (" ".join(args), uri))
    return run0


work = tempfile.mkdtemp(prefix="tlsscope-ci-")
try:
    # inputs under the working directory, one with a space and a '#'
    os.mkdir(os.path.join(work, "caps"))
    odd = os.path.join(work, "caps", "tls 1.2#rsa.pcap")
    shutil.copy(os.path.join(traces, "tls12-rsa.pcap"), odd)
    shutil.copy(os.path.join(traces, "cert-expired.pcap"), os.path.join(work, "caps", "expired.pcap"))
    outside = os.path.join(traces, "tls13.pcap")

    r = sarif(["check", "-e", "version>=1.3", "caps/tls 1.2#rsa.pcap", "caps/expired.pcap", outside], work, 1)
    if r:
        arts = r["artifacts"]
        uris = [a["location"]["uri"] for a in arts]
        if uris != ["caps/tls%201.2%23rsa.pcap", "caps/expired.pcap", "file://" + outside]:
            problem("SARIF artifacts: %r" % uris)
        if [a["location"].get("uriBaseId") for a in arts] != ["SRCROOT", "SRCROOT", None]:
            problem("SARIF: files under the working directory are relative to SRCROOT")
        base = r.get("originalUriBaseIds", {}).get("SRCROOT", {}).get("uri")
        if base != "file://" + work + "/":
            problem("SARIF: SRCROOT is %r, not the working directory" % base)
        # each session's results point at the file it came from
        on = {}
        for res in r["results"]:
            if res["ruleId"] in ("expectation", "cert-expired"):
                for loc in res["locations"]:
                    on.setdefault(res["ruleId"], set()).add(loc["physicalLocation"]["artifactLocation"]["index"])
        if on.get("cert-expired") != {1}:
            problem("SARIF: cert-expired lands on artifacts %r, not expired.pcap" % on.get("cert-expired"))
        if on.get("expectation") != {0, 1}:
            problem("SARIF: version>=1.3 failures land on %r, not the two TLS 1.2 files" % on.get("expectation"))
        # code scanning follows an alert by its fingerprint: no client port in it
        prints = [res["partialFingerprints"]["tlsscopeIdentity/v1"] for res in r["results"] if res["ruleId"] == "cert-expired"]
        if prints != ["cert-expired|127.0.0.1:44315|localhost"]:
            problem("SARIF: cert-expired's fingerprint is %r" % prints)
        cmd = r["invocations"][0]["commandLine"]
        if "'caps/tls 1.2#rsa.pcap'" not in cmd or "'version>=1.3'" not in cmd:
            problem("SARIF commandLine does not give the arguments back: %r" % cmd)

    r = sarif(["check", os.path.join(traces, "tls13.pcap")], work, 0)
    if r and r["invocations"][0]["executionSuccessful"] is not True:
        problem("SARIF: a passing check is a successful execution")
    if r and any("baselineState" in res for res in r["results"]):
        problem("SARIF: baselineState without a --baseline")
    # a session with no finding is kept to the end for a failed expectation
    r = sarif(["check", "-e", "version=1.2", os.path.join(traces, "tls13.pcap")], work, 1)
    if r and [res["ruleId"] for res in r["results"]] != ["expectation"]:
        problem("SARIF: a failed expectation alone gives %r" % [res["ruleId"] for res in r["results"]])

    # a capture that cannot be read: exit 3, the error in invocations
    with open(os.path.join(traces, "tls13.pcap"), "rb") as f:
        data = f.read()
    with open(os.path.join(work, "cut.pcap"), "wb") as f:
        f.write(data[: len(data) // 2])
    r = sarif(["check", "cut.pcap"], work, 3)
    if r:
        inv = r["invocations"][0]
        notes = [n["message"]["text"] for n in inv.get("toolExecutionNotifications", [])]
        if inv["executionSuccessful"] or not any("cut.pcap" in n for n in notes):
            problem("SARIF: a cut capture is not reported in invocations: %r" % inv)

    # ---- JUnit ------------------------------------------------------------------
    junit_xsd = os.path.join(schemas, "junit.xsd")

    def junit(args, cwd, want_rc):
        rc, out, err = run(args + ["-f", "junit"], cwd)
        if rc != want_rc:
            problem("%s: exit %d, expected %d (%s)" % (" ".join(args), rc, want_rc, err.strip()))
        path = os.path.join(work, "junit.xml")
        with open(path, "w") as f:
            f.write(out)
        v = subprocess.run(["xmllint", "--noout", "--schema", junit_xsd, path], capture_output=True, text=True)
        if v.returncode:
            problem("%s: JUnit does not validate: %s" % (" ".join(args), v.stderr.strip()))
            return None
        return ET.fromstring(out)

    burst = os.path.join(traces, "burst.pcap")
    first = junit(["check", "-e", "version>=1.3", burst], work, 0)
    rc, out, _ = run(["read", "-f", "json", burst], work)
    ports = [json.loads(l)["client"]["port"] for l in out.splitlines() if '"type":"session"' in l]
    if first is not None:
        suite = first.find("testsuite")
        if suite.get("name") != "tlsscope check " + burst:
            problem("JUnit suite is %r, not named after the input" % suite.get("name"))
        cases = suite.findall("testcase")
        classes = [c.get("classname") for c in cases]
        for c in classes:
            if c.count(".") != 1 or not c.startswith("tlsscope."):
                problem("JUnit classname %r: dots other than tlsscope's package" % c)
                break
            if any(":%d" % p in c for p in ports):
                problem("JUnit classname %r holds a client port" % c)
                break
        if len(set((c.get("classname"), c.get("name")) for c in cases)) != len(cases):
            problem("JUnit: testcase ids repeat")
        if not any(float(c.get("time")) > 0 for c in cases):
            problem("JUnit: no testcase has a time")
        if suite.get("time") is None or float(suite.get("time")) <= 0:
            problem("JUnit: the suite has no time")
        if "tlsscope.127_0_0_1:44329 sni=localhost #12" not in classes:
            problem("JUnit: sessions are not numbered per server and SNI: %r" % sorted(set(classes))[:3])
    again = junit(["check", "-e", "version>=1.3", burst], work, 0)
    if first is not None and again is not None:
        ids = lambda t: [(c.get("classname"), c.get("name")) for c in t.iter("testcase")]
        if ids(first) != ids(again):
            problem("JUnit ids differ from one run to the next")
    cut = junit(["check", "cut.pcap"], work, 3)
    if cut is not None and not any(c.get("name") == "the capture could be read" and c.find("failure") is not None
                                   for c in cut.iter("testcase")):
        problem("JUnit: a cut capture has no failing 'the capture could be read' case")

    # ---- a baseline from check -f json covers capture-wide findings -----------------
    rc, out, _ = run(["check", "--fail-on", "info", "-f", "json", burst], work)
    base = os.path.join(work, "baseline.json")
    with open(base, "w") as f:
        f.write(out)
    if rc != 1 or '"capture_findings":[{' not in out:
        problem("burst.pcap at --fail-on info should fail on a capture-wide finding (exit %d)" % rc)
    rc, out, _ = run(["check", "--fail-on", "info", "--baseline", base, burst], work)
    if rc != 0:
        problem("a baseline from check -f json does not cover capture-wide findings: %s" % out.splitlines()[-1])
finally:
    shutil.rmtree(work)

if problems:
    print("ci-formats: %d problem(s)" % len(problems))
    sys.exit(1)
print("ci-formats: SARIF and JUnit reports validate and keep their promises")
