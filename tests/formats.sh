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
[ $status = 0 ] && echo "formats: every container and link layer gives the same sessions"
exit $status
