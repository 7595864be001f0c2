#!/bin/sh
# Conformance over ../shared/corpus (captures no one here made, with the
# values tshark, Zeek, JA4 and nDPI report for them). Fingerprints are
# checked in their own issue, so ja3* and ja4 are skipped for now.
# Traces listed in tests/conformance-known.txt (one "NAME  reason" per line)
# are known disagreements and left out; the list should be empty.
set -u
bin=$1
src=$2
corpus="$src/../shared/corpus"
tool="$src/../shared/tools/conformance"
if [ ! -d "$corpus" ] || [ ! -x "$tool" ]; then
  echo "conformance: skipped, $corpus is not present (it lives next to the project's checkout)"
  exit 77
fi
known="$src/tests/conformance-known.txt"
only=""
for f in "$corpus"/*; do
  name=$(basename "$f")
  case "$name" in *.pcap|*.pcapng|*.pcap.gz) ;; *) continue ;; esac
  if [ -f "$known" ] && grep -q "^$name[[:space:]]" "$known"; then
    echo "conformance: known disagreement, not checked: $(grep "^$name[[:space:]]" "$known")"
    continue
  fi
  only="$only --only $name"
done
# shellcheck disable=SC2086
python3 "$tool" --bin "$bin" --corpus "$corpus" --skip-fields 'ja3*,ja4' --jobs 2 \
  --timeout 60 $only >"${TMPDIR:-/tmp}/conformance.$$" 2>&1
rc=$?
tail -n 40 "${TMPDIR:-/tmp}/conformance.$$"
rm -f "${TMPDIR:-/tmp}/conformance.$$"
exit $rc
