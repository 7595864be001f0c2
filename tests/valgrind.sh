#!/bin/sh
# valgrind over the traces/ suite: no invalid access and no leak (definite
# or indirect) in read (every format, -j 2, decrypting, a damaged file).
# Skipped with a message without valgrind, or for a sanitizer build
# (check-sanitize covers that one with ASan's own leak checker).
#
#   tests/valgrind.sh TLSSCOPE SOURCE_DIR
set -u
bin=$(realpath "$1")
src=$(realpath "$2")
command -v valgrind >/dev/null 2>&1 || { echo "valgrind: skipped, not installed (scripts/install-deps.sh test)"; exit 77; }
if grep -qa "AddressSanitizer\|ThreadSanitizer" "$bin"; then
  echo "valgrind: skipped for a sanitizer build"
  exit 77
fi
cd "$src"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
# vg NAME ARGS... - one run under memcheck; exit 1 and 3 are the tool's own
vg() {
  name=$1
  shift
  valgrind --quiet --leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=99 \
    --log-file="$work/vg.log" "$bin" "$@" >/dev/null 2>"$work/err"
  rc=$?
  if [ $rc -eq 99 ] || [ -s "$work/vg.log" ]; then
    echo "FAIL: $name: valgrind reports:"
    head -30 "$work/vg.log"
    failures=$((failures + 1))
  fi
}
traces=$(ls traces/*.pcap traces/*.pcapng)
# shellcheck disable=SC2086
vg "read, text, verbose" read -v $traces
# shellcheck disable=SC2086
vg "read, json, -j 2" read -j 2 -f json $traces
# shellcheck disable=SC2086
vg "read, csv" read -f csv $traces
mkdir "$work/zeek"
# shellcheck disable=SC2086
vg "read, zeek" read -f zeek -o "$work/zeek" $traces
vg "decrypting" read -f json --decrypt-app --keylog traces/tls13.keylog traces/tls13.pcap
vg "check" check -e 'version>=1.2' traces/tls13.pcap traces/tls12-rsa.pcap
head -c 3000 traces/tls13.pcap >"$work/cut.pcap"
vg "a file cut short" read "$work/cut.pcap"
if [ $failures -gt 0 ]; then
  echo "$failures run(s) with memory errors or leaks"
  exit 1
fi
echo "valgrind: no invalid access and no leak over traces/ (read in every format, -j 2, decrypting, check, a cut file)"
