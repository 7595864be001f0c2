#!/bin/sh
# The same sessions, byte for byte in JSON, from every container and link
# layer tlsscope reads: each trace is rewritten by tools/recapture.py.
set -u
bin=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
sessions() { "$bin" read --format json "$1" | grep '"type":"session"'; }
for trace in tls13-hrr tls12-client-cert smtp-starttls; do
  mkdir -p "$tmp/$trace"
  python3 "$src/tests/tools/recapture.py" "$src/traces/$trace.pcap" "$tmp/$trace" || exit 1
  sessions "$src/traces/$trace.pcap" > "$tmp/$trace.want"
  [ -s "$tmp/$trace.want" ] || { echo "formats: no session in $trace"; exit 1; }
  for variant in "$tmp/$trace"/*; do
    sessions "$variant" > "$tmp/got"
    if ! cmp -s "$tmp/$trace.want" "$tmp/got"; then
      echo "formats: $trace as $(basename "$variant") reports different sessions:"
      diff "$tmp/$trace.want" "$tmp/got" | head -5 | cut -c1-300
      status=1
    fi
  done
done
# --fields knows every top-level field a session line has: each one the
# traces produce is accepted, and kept
for key in $(for t in "$src"/traces/*.pcap "$src"/traces/*.pcapng; do "$bin" read -f json "$t"; done |
             python3 -c 'import json, sys
keys = set()
for line in sys.stdin:
    d = json.loads(line)
    if d["type"] == "session":
        keys.update(d)
print(" ".join(sorted(keys)))'); do
  got=$("$bin" read -f json --fields "$key" "$src/traces/tls12-rsa.pcap" 2>&1 | head -1)
  case "$got" in
  "{\"type\":\"session\""*) ;;
  *) echo "formats: --fields $key: $got"; status=1 ;;
  esac
done
# A CSV of some columns skips what they do not show (the rules, the
# fingerprints, decoding certificates): over every trace read as one
# capture, the plain columns, each fingerprint, findings and certificate
# column alone and a few mixes must be those columns of the full CSV
"$bin" read -f csv "$src"/traces/*.pcap > "$tmp/all.csv" 2>/dev/null
plain=$(head -1 "$tmp/all.csv" | tr -d '\r' | tr , '\n' | grep -vx 'ja3_hash\|ja4\|ja3s_hash\|findings\|worst_severity\|rules\|cert_.*' | paste -sd,)
for cols in "$plain" ja3_hash ja4 ja3s_hash findings worst_severity rules quic_dcid version,cipher,sni ja4,findings,sni \
            rules,status cert_subject cert_issuer cert_not_after cert_key cert_sha256 sni,cert_key,status; do
  "$bin" read -f csv --fields "$cols" "$src"/traces/*.pcap > "$tmp/some.csv" 2>/dev/null
  python3 - "$tmp/all.csv" "$tmp/some.csv" "$cols" <<'PY' || status=1
import csv, sys
full = list(csv.DictReader(open(sys.argv[1], newline="")))
some = list(csv.reader(open(sys.argv[2], newline="")))
cols = sys.argv[3].split(",")
want = [cols] + [[row[c] for c in cols] for row in full]
if some != want or len(full) < 100:
    bad = next((i for i, (a, b) in enumerate(zip(some, want)) if a != b), min(len(some), len(want)))
    print("formats: csv --fields %s differs from the full CSV at row %d: %r, %r" % (
        sys.argv[3], bad, some[bad] if bad < len(some) else None, want[bad] if bad < len(want) else None))
    sys.exit(1)
PY
done
# The system's roots are loaded when the first chain is checked, never for
# a capture that shows no certificate (TLS 1.3 without its keys): a FIFO
# stands in for the bundle, which a read would wait on until killed
mkfifo "$tmp/roots.pem"
if ! SSL_CERT_FILE="$tmp/roots.pem" timeout 20 "$bin" read -f json "$src/traces/tls13.pcap" >/dev/null 2>&1; then
  echo "formats: a capture without certificates waited for the system's roots"
  status=1
fi
[ $status = 0 ] && echo "formats: every container and link layer gives the same sessions; --fields knows every field; every CSV column alone is the full CSV's; no certificate, no roots loaded"
exit $status
