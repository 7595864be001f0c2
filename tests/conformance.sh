#!/bin/sh
# Conformance over ../shared/corpus (captures no one here made, with the
# values tshark, Zeek, JA4 and nDPI report for them), every field compared
# (JA3, JA3S and JA4 included).
# tests/conformance-known.txt lists known disagreements that are ours to
# fix, each with its reason: "NAME  reason" leaves a trace out; "NAME
# skip=F,G*  reason" checks it without those fields. Resolving an issue means
# emptying it. tests/conformance-corrections.txt lists fields where the
# reference is wrong: "NAME skip=F,G* check=CHECK  reason" compares the
# other fields with the reference and the skipped ones with the second
# opinion tests/corroborate.py CHECK derives from other tools.
# QUIC and DTLS sessions are scored like TCP ones.
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
corrections="$src/tests/conformance-corrections.txt"
out="${TMPDIR:-/tmp}/conformance.$$"
only=""
rc=0
for f in "$corpus"/*; do
  name=$(basename "$f")
  case "$name" in *.pcap|*.pcapng|*.pcap.gz) ;; *) continue ;; esac
  entry=$(grep "^$name[[:space:]]" "$known" 2>/dev/null)
  correction=$(grep "^$name[[:space:]]" "$corrections" 2>/dev/null)
  if [ -n "$correction" ]; then
    fields=$(printf '%s\n' "$correction" | sed 's/.* skip=\([^ ]*\).*/\1/')
    check=$(printf '%s\n' "$correction" | sed 's/.* check=\([^ ]*\).*/\1/')
    echo "conformance: $name: reference wrong on $fields, checked against $check instead"
    python3 "$tool" --bin "$bin" --corpus "$corpus" --skip-fields "$fields" \
      --timeout 60 --only "$name" >"$out" 2>&1 || { rc=1; tail -n 40 "$out"; }
    python3 "$src/tests/corroborate.py" "$check" "$bin" "$f" || rc=1
    continue
  fi
  case "$entry" in
  "")
    only="$only --only $name" ;;
  *" skip="*)
    fields=$(printf '%s\n' "$entry" | sed 's/.* skip=\([^ ]*\).*/\1/')
    echo "conformance: known disagreement, checked without $fields: $entry"
    python3 "$tool" --bin "$bin" --corpus "$corpus" --skip-fields "$fields" \
      --timeout 60 --only "$name" >"$out" 2>&1 || { rc=1; tail -n 40 "$out"; } ;;
  *)
    echo "conformance: known disagreement, not checked: $entry" ;;
  esac
done
# shellcheck disable=SC2086
python3 "$tool" --bin "$bin" --corpus "$corpus" --jobs 2 \
  --timeout 60 $only >"$out" 2>&1 || rc=1
tail -n 40 "$out"
rm -f "$out"
exit $rc
