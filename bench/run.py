#!/usr/bin/env python3
"""make bench: tlsscope beside tshark and a libpcap loop that does nothing,
in one run, on captures made by tlsscope-benchgen and quic-gen from real
OpenSSL handshakes. Standard library only.

    bench/run.py BUILD_DIR [--no-tshark] [--runs N]

Captures (made once, kept in BUILD_DIR/bench/):
  dense     200,000 sessions, little application data (about 1 GB)
  dense-x4  the same mix, four times as long (800,000 sessions), for memory
  bulk      200 sessions of 8 MB application data each (about 1.6 GB)
  quic      20,000 QUIC connections (quic-gen: the ClientHello split over
            two Initial packets, the server's flight in Handshake packets,
            1-RTT data), about 140 MB

Every program reads from the page cache (the file is read once before the
runs); each time is the best of --runs (default 3; tshark runs once). The
same three fields per session are asked of tlsscope and tshark: version,
cipher suite and server name.
"""
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TSHARK_FIELDS = ["-e", "tls.handshake.type", "-e", "tls.handshake.version",
                 "-e", "tls.handshake.ciphersuite", "-e", "tls.handshake.extensions_server_name"]
CAPTURES = {
    "dense": ["--sessions", "200000", "--unique", "4000"],
    "dense-x4": ["--sessions", "800000", "--unique", "4000"],
    "bulk": ["--sessions", "200", "--bulk-bytes", "8000000"],
    "quic": ["--connections", "20000", "--unique", "200", "--split"],
}
SESSIONS = {"dense": 200000, "dense-x4": 800000, "bulk": 200, "quic": 20000}


def run(cmd):
    """Wall seconds and peak RSS (MB) of one run; output thrown away. GNU
    time reports the RSS: a child of this script would count the memory
    of the Python process it was forked from."""
    rss_file = os.path.join(os.environ.get("TMPDIR", "/tmp"), "tlsscope-bench-rss.%d" % os.getpid())
    start = time.monotonic()
    proc = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", rss_file] + cmd,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.monotonic() - start
    if proc.returncode not in (0, 1):
        sys.exit("bench: %s failed (exit %d): %s"
                 % (" ".join(cmd), proc.returncode, proc.stderr.decode(errors="replace").strip()[:300]))
    with open(rss_file) as f:
        rss_kb = int(f.read().split()[-1])
    os.unlink(rss_file)
    return wall, rss_kb / 1024.0


def best(cmd, runs):
    results = [run(cmd) for _ in range(runs)]
    return min(r[0] for r in results), max(r[1] for r in results)


def make_captures(build, names):
    out = os.path.join(build, "bench")
    pki = os.path.join(out, "pki")
    subprocess.run([os.path.join(HERE, "gen-pki.sh"), pki], check=True)
    paths = {}
    for name in names:
        path = os.path.join(out, name + ".pcap")
        if not os.path.exists(path):
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


def main():
    args = sys.argv[1:]
    if not args:
        sys.exit(__doc__)
    build = os.path.abspath(args[0])
    with_tshark = "--no-tshark" not in args
    runs = int(args[args.index("--runs") + 1]) if "--runs" in args else 3
    tlsscope = os.path.join(build, "tlsscope")
    noop = os.path.join(build, "pcap-noop")
    paths = make_captures(build, ["dense", "dense-x4", "bulk", "quic"])

    rows, figures = [], {}
    for name in ("dense", "bulk", "quic", "dense-x4"):
        path = paths[name]
        size_mb = os.path.getsize(path) / 1e6
        warm(path)
        tools = [("pcap-noop", [noop, path], runs)]
        for j in (1, 2):
            tools.append(("tlsscope -j %d" % j,
                          [tlsscope, "read", "-j", str(j), "-f", "csv", "--fields", "version,cipher,sni", path],
                          runs))
        if with_tshark and name != "dense-x4":
            stream = ["-e", "udp.stream" if name == "quic" else "tcp.stream"]
            tools.append(("tshark", ["tshark", "-n", "-r", path, "-Y",
                                     "tls.handshake.type == 1 || tls.handshake.type == 2",
                                     "-T", "fields"] + stream + TSHARK_FIELDS, 1))
        for tool, cmd, n in tools:
            if name == "dense-x4" and tool != "tlsscope -j 1":
                continue
            wall, rss = best(cmd, n)
            figures[(name, tool)] = (wall, rss)
            rows.append((name, tool, wall, size_mb / wall, SESSIONS[name] / wall, rss))
            print("  %-9s %-13s %7.2f s" % (name, tool, wall), flush=True)

    print()
    print("| capture | size | program | wall | MB/s | sessions/s | peak RSS |")
    print("|---|---:|---|---:|---:|---:|---:|")
    for name, tool, wall, mbs, sps, rss in rows:
        print("| %s | %.0f MB | %s | %.2f s | %.0f | %.0f | %.0f MB |"
              % (name, os.path.getsize(paths[name]) / 1e6, tool, wall, mbs, sps, rss))

    def ratio(name, a, b):
        if (name, a) in figures and (name, b) in figures:
            return figures[(name, a)][0] / figures[(name, b)][0]
        return None

    print()
    print("| target | measured | |")
    print("|---|---:|---|")
    checks = []
    r = ratio("dense", "tlsscope -j 1", "pcap-noop")
    checks.append(("dense, 1 thread: within 2.5x of the no-op loop", r, r is not None and r <= 2.5, "%.1fx"))
    r = ratio("dense", "tshark", "tlsscope -j 1")
    checks.append(("dense, 1 thread: at least 100x tshark's throughput", r, r is not None and r >= 100, "%.0fx"))
    r = ratio("bulk", "tlsscope -j 1", "pcap-noop")
    checks.append(("bulk, 1 thread: within 1.3x of the no-op loop", r, r is not None and r <= 1.3, "%.2fx"))
    r = ratio("bulk", "tshark", "tlsscope -j 1")
    checks.append(("bulk: tshark / tlsscope", r, True, "%.0fx"))
    r = ratio("dense", "tlsscope -j 1", "tlsscope -j 2")
    checks.append(("dense: -j 2 at least 1.7x faster than -j 1", r, r is not None and r >= 1.7, "%.2fx"))
    r = ratio("quic", "tlsscope -j 1", "pcap-noop")
    checks.append(("quic, 1 thread: / no-op loop (every Initial decrypted)", r, True, "%.1fx"))
    r = ratio("quic", "tshark", "tlsscope -j 1")
    checks.append(("quic: tshark / tlsscope", r, True, "%.0fx"))
    r = ratio("quic", "tlsscope -j 1", "tlsscope -j 2")
    checks.append(("quic: -j 2 never slower than -j 1", r, r is not None and r >= 1.0, "%.2fx"))
    rss1 = figures[("dense", "tlsscope -j 1")][1]
    checks.append(("dense: peak RSS under 64 MB", rss1, rss1 < 64, "%.0f MB"))
    rss4 = figures[("dense-x4", "tlsscope -j 1")][1]
    growth = (rss4 - rss1) / rss1
    checks.append(("dense x4 vs x1: peak RSS within 10%", growth * 100, abs(growth) < 0.10, "%+.1f%%"))
    for what, value, met, fmt in checks:
        shown = (fmt % value) if value is not None else "not run"
        print("| %s | %s | %s |" % (what, shown, "met" if met else "**missed**"))


if __name__ == "__main__":
    main()
