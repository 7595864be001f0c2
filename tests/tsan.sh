#!/bin/sh
# ThreadSanitizer over the trackers of -j N (make check-tsan builds with
# clang and -fsanitize=thread): every trace with its key log, and every
# trace as one capture with all the key logs joined, read with -j 4 and
# -j 2 in every format (with -j 2, JSON and text run one tracker beside
# the writer, which then makes the fingerprints), checked with -j 4, and
# verified against a CA file with -j 4 (the trackers share its store);
# and, given the bench's generator, a capture of 4,000 real handshakes
# read with -j 2 and -j 3: the traces fill no batch, so only there do the
# trackers meet with sessions to settle, the output queue fill, and the
# tracker make fingerprints while the writer is behind. Any data race
# report fails; so does decrypting fewer sessions than -j 1, or output
# that differs from -j 1's. Skipped for a build without TSan.
#
#   tests/tsan.sh TLSSCOPE SOURCE_DIR [BENCHGEN]
set -u
bin=$(realpath "$1")
src=$(realpath "$2")
gen=${3:+$(realpath "$3")}
if ! grep -qa ThreadSanitizer "$bin"; then
  echo "tsan: skipped, not a ThreadSanitizer build (make check-tsan runs it)"
  exit 77
fi
cd "$src"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export TSAN_OPTIONS="halt_on_error=1 exitcode=66 second_deadlock_stack=1 log_path=$work/tsan"
failures=0
runs=0
# tsan NAME ARGS... - one run; exit 0, 1 (findings) and 3 are the tool's own
tsan() {
  name=$1
  shift
  "$bin" "$@" >"$work/out" 2>"$work/err"
  rc=$?
  runs=$((runs + 1))
  if [ $rc -eq 66 ] || ls "$work"/tsan.* >/dev/null 2>&1; then
    echo "FAIL: $name: ThreadSanitizer reports:"
    cat "$work"/tsan.* 2>/dev/null | head -40
    rm -f "$work"/tsan.*
    failures=$((failures + 1))
  elif [ $rc -ne 0 ] && [ $rc -ne 1 ] && [ $rc -ne 3 ]; then
    echo "FAIL: $name: exit $rc: $(head -c 300 "$work/err")"
    failures=$((failures + 1))
  fi
}

for t in traces/*.pcap traces/*.pcapng; do
  [ -f "${t%.*}.keylog" ] || continue
  tsan "$t" read -j 4 -f json --keylog "${t%.*}.keylog" "$t"
done
cat traces/*.keylog >"$work/all.keylog"
all=$(ls traces/*.pcap traces/*.pcapng)
for f in text json csv; do
  for j in 4 2; do
    # shellcheck disable=SC2086
    tsan "all traces ($f, -j $j)" read -j $j -f $f --keylog "$work/all.keylog" $all
  done
done
# shellcheck disable=SC2086
tsan "all traces, -j 1" read -j 1 -f json --keylog "$work/all.keylog" $all
one=$(grep -c '"decrypted":true' "$work/out")
# shellcheck disable=SC2086
tsan "all traces, -j 4" read -j 4 -f json --keylog "$work/all.keylog" $all
four=$(grep -c '"decrypted":true' "$work/out")
[ "$four" -eq "$one" ] || { echo "FAIL: -j 4 decrypted $four sessions, -j 1 $one"; failures=$((failures + 1)); }
# shellcheck disable=SC2086
tsan "check -j 4" check -j 4 --keylog "$work/all.keylog" -e 'version>=1.2' $all
# one store of the CA file for every tracker, its CAs decoded as chains name them
# shellcheck disable=SC2086
tsan "all traces against a CA file, -j 4" read -j 4 -f json --ca-file traces/pki/ca.pem $all
verified=$(grep -c '"ca_file":{"ok":true' "$work/out")
[ "$verified" -ge 50 ] || { echo "FAIL: -j 4 verified only $verified chains against the CA file"; failures=$((failures + 1)); }

dense=""
if [ -n "$gen" ]; then
  if "$src/bench/gen-pki.sh" "$work/pki" >/dev/null 2>&1 &&
    "$gen" --pki "$work/pki" --out "$work/dense.pcap" --sessions 4000 --unique 400 2>/dev/null; then
    dense="$work/dense.pcap"
  else
    echo "FAIL: cannot make a capture with $gen"
    failures=$((failures + 1))
  fi
fi
if [ -n "$dense" ]; then
  for f in json csv; do
    tsan "4,000 handshakes ($f, -j 1)" read -j 1 -f $f "$dense"
    mv "$work/out" "$work/dense1.out"
    for j in 2 3; do
      tsan "4,000 handshakes ($f, -j $j)" read -j $j -f $f "$dense"
      cmp -s "$work/out" "$work/dense1.out" ||
        { echo "FAIL: 4,000 handshakes ($f): -j $j differs from -j 1"; failures=$((failures + 1)); }
    done
  done
fi

if [ $failures -gt 0 ]; then
  echo "tsan: $failures of $runs runs failed"
  exit 1
fi
echo "tsan: $runs runs with -j 4 and -j 2 over traces/ and their key logs ($four sessions decrypted, as with -j 1)${dense:+, and -j 2 and -j 3 over 4,000 handshakes}: no data race"
