#!/usr/bin/env python3
"""make bench: tlsscope beside tshark and a libpcap loop that does nothing,
in one run, on captures made by tlsscope-benchgen and quic-gen from real
OpenSSL handshakes. Standard library only.

    bench/run.py BUILD_DIR [--no-tshark] [--runs N] [--doc FILE]

Captures (made once, kept in BUILD_DIR/bench/):
  dense     200,000 sessions, little application data (about 1 GB)
  small     24,000 sessions of the same mix (about 125 MB)
  small-gz  small, gzip-compressed (level 6, as gzip(1) makes it)
  dense-x4  the same mix, four times as long (800,000 sessions), for memory
  bulk      200 sessions of 8 MB application data each (about 1.6 GB)
  quic      20,000 QUIC connections (quic-gen: the ClientHello split over
            two Initial packets, the server's flight in Handshake packets,
            1-RTT data), about 140 MB

Every program reads from the page cache (the file is read once before the
runs); each core's speed is measured first and last (one -j 1 run pinned
to each), since a host can slow one virtual core; each time is the best of --runs (default 3; tshark runs once), made
in rounds that run each program once, so that programs compared are timed
side by side however the machine's speed drifts; each target is judged on
the median of the rounds' ratios. The
same three fields per session are asked of tlsscope and tshark: version,
cipher suite and server name; tlsscope's full JSON is timed too. Two -j 1
runs started together on two cores of their own show what -j 2 would
gain on this machine if splitting the work cost nothing (its ceiling,
beside each -j 2 target).

With --doc, the results replace the part of FILE (docs/performance.md)
between its "bench:begin" and "bench:end" marks, each figure beside the
one the previous run wrote there, with a profile of the dense capture when
perf is installed.
"""
import gzip
import json
import re
import shutil
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TSHARK_FIELDS = ["-e", "tls.handshake.type", "-e", "tls.handshake.version",
                 "-e", "tls.handshake.ciphersuite", "-e", "tls.handshake.extensions_server_name"]
CAPTURES = {
    "dense": ["--sessions", "200000", "--unique", "4000"],
    "small": ["--sessions", "24000", "--unique", "4000"],
    "dense-x4": ["--sessions", "800000", "--unique", "4000"],
    "bulk": ["--sessions", "200", "--bulk-bytes", "8000000"],
    "quic": ["--connections", "20000", "--unique", "200", "--split"],
}
SESSIONS = {"dense": 200000, "small": 24000, "small-gz": 24000, "dense-x4": 800000, "bulk": 200, "quic": 20000}
CSV = ["-f", "csv", "--fields", "version,cipher,sni"]
PAIR = "two tlsscope -j 1 at once"


def start(cmd, tag, cpu=None):
    """cmd started under GNU time, which reports the peak RSS: a child of
    this script would count the memory of the Python process it was
    forked from. Pinned to cpu when given."""
    rss_file = os.path.join(os.environ.get("TMPDIR", "/tmp"), "tlsscope-bench-rss.%d.%s" % (os.getpid(), tag))
    pin = None if cpu is None else (lambda: os.sched_setaffinity(0, {cpu}))
    proc = subprocess.Popen(["/usr/bin/time", "-f", "%M", "-o", rss_file] + cmd,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, preexec_fn=pin)
    return proc, rss_file


def finish(cmd, proc, rss_file):
    """Waits for a started run: its peak RSS in MB."""
    err = proc.communicate()[1]
    if proc.returncode not in (0, 1):
        sys.exit("bench: %s failed (exit %d): %s"
                 % (" ".join(cmd), proc.returncode, err.decode(errors="replace").strip()[:300]))
    with open(rss_file) as f:
        rss_kb = int(f.read().split()[-1])
    os.unlink(rss_file)
    return rss_kb / 1024.0


def run(cmd):
    """Wall seconds and peak RSS (MB) of one run; output thrown away."""
    begin = time.monotonic()
    rss = finish(cmd, *start(cmd, "one"))
    return time.monotonic() - begin, rss


def run_pair(cmd, cpus):
    """Wall seconds and the larger peak RSS of two copies of cmd run at
    once, each pinned to a core of its own: what the machine gives two
    independent jobs."""
    begin = time.monotonic()
    started = [start(cmd, str(cpu), cpu) for cpu in cpus]
    rss = max(finish(cmd, *s) for s in started)
    return time.monotonic() - begin, rss


def make_captures(build, names):
    out = os.path.join(build, "bench")
    pki = os.path.join(out, "pki")
    subprocess.run([os.path.join(HERE, "gen-pki.sh"), pki], check=True)
    paths = {}
    for name in names:
        path = os.path.join(out, name + ".pcap")
        if name == "small-gz":
            path = paths["small"] + ".gz"
            if not os.path.exists(path):
                print("bench: making %s (gzip)..." % path, flush=True)
                with open(paths["small"], "rb") as src, gzip.open(path + ".tmp", "wb", compresslevel=6) as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
                os.rename(path + ".tmp", path)
        elif not os.path.exists(path):
            if name == "quic":
                print("bench: making %s (quic-gen)..." % path, flush=True)
                traces_pki = os.path.join(HERE, "..", "traces", "pki")
                subprocess.run([os.path.join(build, "quic-gen"), "--pki", traces_pki] + CAPTURES[name]
                               + [path + ".tmp"], check=True)
            else:
                print("bench: making %s (tlsscope-benchgen)..." % path, flush=True)
                subprocess.run([os.path.join(build, "tlsscope-benchgen"), "--pki", pki, "--out", path + ".tmp"]
                               + CAPTURES[name], check=True)
            os.rename(path + ".tmp", path)
        paths[name] = path
    return paths


def warm(path):
    with open(path, "rb") as f:
        while f.read(1 << 24):
            pass


def profile(tlsscope, path):
    """The top of a perf profile of tlsscope -j 1's CSV on a capture, or None."""
    if not shutil.which("perf"):
        return None
    data = os.path.join(os.environ.get("TMPDIR", "/tmp"), "tlsscope-bench-perf.%d" % os.getpid())
    rec = subprocess.run(["perf", "record", "-q", "-o", data, "--", tlsscope, "read", "-j", "1"] + CSV + [path],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if rec.returncode != 0:
        return None
    rep = subprocess.run(["perf", "report", "-i", data, "--no-children", "--sort", "dso,symbol", "--stdio"],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    os.unlink(data)
    top = []
    for line in rep.stdout.splitlines():
        m = re.match(r"\s*([0-9.]+)%\s+(\S+)\s+\[[.k]\]\s+(\S+)", line)
        if m:
            top.append((float(m.group(1)), m.group(2), m.group(3)))
    return top[:15]


def core_speeds(cmd, rounds=3):
    """{cpu: best wall} of cmd pinned to each core this process may use, in
    rounds. A host that slows one virtual core (a neighbour's load shows
    here as nowhere else: no steal time is reported) makes -j 2 wait for
    it at every meeting, whatever the code does."""
    cpus = sorted(os.sched_getaffinity(0))
    best = {}
    for _ in range(rounds):
        for cpu in cpus:
            start = time.monotonic()
            subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           preexec_fn=lambda cpu=cpu: os.sched_setaffinity(0, {cpu}))
            wall = time.monotonic() - start
            best[cpu] = min(wall, best.get(cpu, wall))
    return best


def cores_line(when, best):
    slowest, fastest = max(best.values()), min(best.values())
    return "%s: %s (the slowest core %.2fx the fastest)" % (
        when, ", ".join("core %d %.3f s" % (cpu, wall) for cpu, wall in sorted(best.items())), slowest / fastest)


def main():
    args = sys.argv[1:]
    if not args or args[0] in ("-h", "--help"):
        sys.exit(__doc__)
    if args[0].startswith("-") or not os.path.isfile(os.path.join(args[0], "tlsscope")):
        sys.exit("bench/run.py: %s: not a build directory with tlsscope in it (make build first)\n%s" % (args[0], __doc__))
    build = os.path.abspath(args[0])
    with_tshark = "--no-tshark" not in args
    runs = int(args[args.index("--runs") + 1]) if "--runs" in args else 3
    doc = args[args.index("--doc") + 1] if "--doc" in args else None
    tlsscope = os.path.join(build, "tlsscope")
    noop = os.path.join(build, "pcap-noop")
    paths = make_captures(build, ["dense", "small", "small-gz", "dense-x4", "bulk", "quic"])
    warm(paths["small"])
    pinned = [tlsscope, "read", "-j", "1"] + CSV + [paths["small"]]
    pair_cpus = sorted(os.sched_getaffinity(0))[:2]
    cores = [cores_line("before", core_speeds(pinned))]
    print("  cores %s" % cores[0], flush=True)

    rows, figures, rounds = [], {}, {}
    for name in ("dense", "small", "small-gz", "bulk", "quic", "dense-x4"):
        path = paths[name]
        size_mb = os.path.getsize(path) / 1e6
        warm(path)
        # libpcap reads no gzip
        tools = [("pcap-noop", [noop, path], runs)] if name != "small-gz" else []
        formats = [("", CSV)] + ([(" json", ["-f", "json"])] if name in ("dense", "small", "small-gz") else [])
        for suffix, fmt in formats:
            for j in (1, 2):
                tools.append(("tlsscope -j %d%s" % (j, suffix), [tlsscope, "read", "-j", str(j)] + fmt + [path], runs))
            if len(pair_cpus) == 2 and name != "dense-x4":
                tools.append((PAIR + suffix, [tlsscope, "read", "-j", "1"] + fmt + [path], runs))
        if with_tshark and name not in ("dense-x4", "small-gz"):
            stream = ["-e", "udp.stream" if name == "quic" else "tcp.stream"]
            tools.append(("tshark", ["tshark", "-n", "-r", path, "-Y",
                                     "tls.handshake.type == 1 || tls.handshake.type == 2",
                                     "-T", "fields"] + stream + TSHARK_FIELDS, 1))
        tools = [t for t in tools if name != "dense-x4" or t[0] == "tlsscope -j 1"]
        # Rounds of one run of each tool, not each tool's runs in a row: this
        # machine's speed drifts within minutes, and a ratio is only worth
        # something between runs made side by side.
        measured = {}
        for r in range(max(n for _, _, n in tools)):
            for tool, cmd, n in tools:
                if r < n:
                    wall, rss = run_pair(cmd, pair_cpus) if tool.startswith(PAIR) else run(cmd)
                    old = measured.get(tool)
                    measured[tool] = (min(wall, old[0]), max(rss, old[1])) if old else (wall, rss)
                    rounds.setdefault((name, tool), []).append(wall)
        for tool, _, _ in tools:
            wall, rss = measured[tool]
            figures[(name, tool)] = (wall, rss)
            copies = 2 if tool.startswith(PAIR) else 1
            rows.append((name, tool, wall, copies * size_mb / wall, copies * SESSIONS[name] / wall, rss))
            print("  %-9s %-18s %7.2f s" % (name, tool, wall), flush=True)

    warm(paths["small"])
    cores.append(cores_line("after", core_speeds(pinned)))
    print("  cores %s" % cores[1], flush=True)

    def best_ratio(name, a, b):
        if (name, a) in figures and (name, b) in figures:
            return figures[(name, a)][0] / figures[(name, b)][0]
        return None

    def ratio(name, a, b):
        """The median of the rounds' ratios: both programs timed side by
        side in each round, so a moment when the host slowed one core
        moves one round's ratio, not the verdict. The best times of
        each (best_ratio) can pair a lucky run with an unlucky one."""
        if (name, a) not in rounds or (name, b) not in rounds:
            return None
        pairs = sorted(x / y for x, y in zip(rounds[(name, a)], rounds[(name, b)]))
        if len(pairs) < 2:
            return best_ratio(name, a, b)
        mid = len(pairs) // 2
        return pairs[mid] if len(pairs) % 2 else (pairs[mid - 1] + pairs[mid]) / 2

    def ceiling(name, suffix):
        """How much faster two -j 1 runs go at once than one after the
        other: what -j 2 would gain if splitting the work cost nothing."""
        pair = ratio(name, "tlsscope -j 1" + suffix, PAIR + suffix)
        return "this machine's ceiling %.2fx" % (2 * pair) if pair else ""

    def with_best(name, a, b, note):
        best = best_ratio(name, a, b)
        said = "best times %.2fx" % best if best else ""
        return "; ".join(x for x in (said, note) if x)

    checks = []
    for name in ("dense", "small"):
        r = ratio(name, "tlsscope -j 1", "pcap-noop")
        checks.append((name + ", CSV of three fields, 1 thread: within 2x of the no-op loop", r,
                       r is not None and r <= 2, "%.2fx", with_best(name, "tlsscope -j 1", "pcap-noop", "")))
        r = ratio(name, "tlsscope -j 1 json", "pcap-noop")
        checks.append((name + ", full JSON, 1 thread: within 3x of the no-op loop", r,
                       r is not None and r <= 3, "%.2fx", with_best(name, "tlsscope -j 1 json", "pcap-noop", "")))
        for what, suffix in (("CSV", ""), ("JSON", " json")):
            one, two = "tlsscope -j 1" + suffix, "tlsscope -j 2" + suffix
            r = ratio(name, one, two)
            checks.append(("%s, %s: -j 2 at least 1.6x faster than -j 1" % (name, what), r,
                           r is not None and r >= 1.6, "%.2fx", with_best(name, one, two, ceiling(name, suffix))))
        r = ratio(name, "tshark", "tlsscope -j 1")
        checks.append((name + ": at least 50x tshark's throughput", r, r is not None and r >= 50, "%.0fx", ""))
    for name, suffix in (("small-gz", ""), ("small-gz", " json"), ("bulk", ""), ("quic", "")):
        one, two = "tlsscope -j 1" + suffix, "tlsscope -j 2" + suffix
        r = ratio(name, one, two)
        what = "%s%s: -j 2 never slower than -j 1" % (name, ", JSON" if suffix else "")
        checks.append((what, r, r is not None and r >= 1.0, "%.2fx", with_best(name, one, two, ceiling(name, suffix))))
        if name == "small-gz":
            continue
        r = ratio(name, "tshark", "tlsscope -j 1")
        checks.append((name + ": tshark / tlsscope", r, True, "%.0fx", ""))
    rss1 = figures[("dense", "tlsscope -j 1")][1]
    rss4 = figures[("dense-x4", "tlsscope -j 1")][1]
    growth = (rss4 - rss1) / rss1
    checks.append(("dense x4 vs x1: peak RSS within 10%", growth * 100, abs(growth) < 0.10, "%+.1f%%", ""))

    previous = read_previous(doc) if doc else {}
    lines = ["| capture | size | program | wall | before | MB/s | sessions/s | peak RSS | before |",
             "|---|---:|---|---:|---:|---:|---:|---:|---:|"]
    for name, tool, wall, mbs, sps, rss in rows:
        old = previous.get("%s|%s" % (name, tool))
        lines.append("| %s | %.0f MB | %s | %.2f s | %s | %.0f | %.0f | %.0f MB | %s |"
                     % (name, os.path.getsize(paths[name]) / 1e6, tool, wall,
                        "%.2f s" % old[0] if old else "—", mbs, sps, rss, "%.0f MB" % old[1] if old else "—"))
    lines += ["", "Each core's speed, one `-j 1` CSV of small pinned to it, best of three, before and after "
              "the runs above (`-j 2` is only as fast as its slowest core):", ""]
    lines += ["- " + c for c in cores]
    if len(pair_cpus) == 2:
        lines += ["", "`%s` is two `-j 1` runs started together, each pinned to a core of its own: "
                  "two jobs that share nothing but the machine. Twice one run's time over theirs is what "
                  "`-j 2` would gain on this machine if splitting the work cost nothing: the ceiling beside "
                  "each `-j 2` target." % PAIR]
    lines += ["", "Each target's ratio is the median of the rounds' (every round times the programs "
              "compared side by side), and the verdict is the median's; the ratio of their best times, "
              "which can pair one's lucky run with the other's unlucky one, is beside it.",
              "", "| target | measured | | |", "|---|---:|---|---|"]
    for what, value, met, fmt, note in checks:
        if value is None:  # tshark left out (--no-tshark): nothing to judge
            lines.append("| %s | not run | — | |" % what)
            continue
        lines.append("| %s | %s | %s | %s |" % (what, fmt % value, "met" if met else "**missed**", note))
    print()
    print("\n".join(lines))
    if not doc:
        return
    top = profile(tlsscope, paths["dense"])
    if top:
        lines += ["", "The top of a profile of `-j 1`'s CSV on dense (`perf record`, user and kernel time):", "",
                  "| share | where | function |", "|---:|---|---|"]
        lines += ["| %.1f %% | %s | `%s` |" % t for t in top]
    write_doc(doc, lines, figures)


BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"


def read_previous(doc):
    """The figures the previous run left in the document: {"capture|program": [wall, rss]}."""
    try:
        with open(doc) as f:
            text = f.read()
    except OSError:
        return {}
    m = re.search(r"<!-- bench:figures (.*?) -->", text)
    return json.loads(m.group(1)) if m else {}


def write_doc(doc, lines, figures):
    with open(doc) as f:
        text = f.read()
    if BEGIN not in text or END not in text:
        sys.exit("bench: %s has no %s ... %s section to write the results into" % (doc, BEGIN, END))
    commit = subprocess.run(["git", "-C", HERE, "rev-parse", "--short", "HEAD"], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True).stdout.strip() or "unknown"
    # the document being written does not count as a change (its path is
    # from the top: git runs in bench/)
    dirty = subprocess.run(["git", "-C", HERE, "status", "--porcelain", "--untracked-files=no", "--", ":/",
                            ":(top,exclude)" + os.path.relpath(os.path.abspath(doc), os.path.join(HERE, ".."))],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).stdout.strip()
    stamp = "`make bench` on %s at commit %s%s (\"before\": the run this one replaced):" % (
        time.strftime("%Y-%m-%d"), commit, " with changes not yet committed" if dirty else "")
    kept = {"%s|%s" % k: [round(v[0], 3), round(v[1], 1)] for k, v in figures.items()}
    block = "\n".join([BEGIN, "<!-- bench:figures %s -->" % json.dumps(kept, sort_keys=True), "", stamp, ""]
                      + lines + ["", END])
    head, rest = text.split(BEGIN, 1)
    tail = rest.split(END, 1)[1]
    with open(doc, "w") as f:
        f.write(head + block + tail)
    print("bench: results written to %s" % doc)


if __name__ == "__main__":
    main()
