#!/bin/sh
# Golden-output test: the text and JSON reports of every capture in traces/
# must equal tests/golden/NAME.txt and NAME.json. With UPDATE_GOLDEN=1 the
# files are rewritten instead; review that diff like code.
set -u
bin=$1
src=$2
golden="$src/tests/golden"
status=0
for trace in "$src"/traces/*.pcap; do
  name=$(basename "$trace" .pcap)
  for fmt in txt json; do
    if [ "$fmt" = txt ]; then args="--color never"; else args="--format json"; fi
    got=$(cd "$src/traces" && "$bin" read $args "$name.pcap" 2>&1; echo "exit $?")
    want="$golden/$name.$fmt"
    if [ "${UPDATE_GOLDEN:-}" = 1 ]; then
      printf '%s\n' "$got" > "$want"
      continue
    fi
    if [ ! -f "$want" ]; then
      echo "golden: $want is missing (run with UPDATE_GOLDEN=1)"
      status=1
      continue
    fi
    if ! printf '%s\n' "$got" | diff -u "$want" - >"/tmp/golden.$$.diff"; then
      echo "golden: $name.$fmt differs:"
      head -40 "/tmp/golden.$$.diff" | cut -c1-240
      status=1
    fi
    rm -f "/tmp/golden.$$.diff"
  done
done
[ $status = 0 ] && echo "golden: all outputs match"
exit $status
