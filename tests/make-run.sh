#!/bin/sh
# The README's first command on a machine without the test-only packages:
# `make run` with cmocka invisible to pkg-config (a PKG_CONFIG_LIBDIR holding
# every .pc file but cmocka.pc) configures, builds only the tool, prints the
# report and no build chatter. Then a configure that asks for the tests says
# in one line that the unit tests are skipped, and keeps the others.
#
#   make-run.sh SOURCE_DIR
set -u
src=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
fail() { echo "make-run: $*"; status=1; }

mkdir "$tmp/pc"
for dir in $(pkg-config --variable pc_path pkg-config | tr ':' ' '); do
  [ -d "$dir" ] || continue
  for pc in "$dir"/*.pc; do
    [ -e "$pc" ] || continue
    name=$(basename "$pc")
    [ "$name" = cmocka.pc ] || [ -e "$tmp/pc/$name" ] || ln -s "$pc" "$tmp/pc/$name"
  done
done
if PKG_CONFIG_LIBDIR="$tmp/pc" pkg-config --exists cmocka; then
  echo "make-run: cmocka still visible to pkg-config"
  exit 1
fi

# As a user types it: not inside another make.
unset MAKEFLAGS MFLAGS MAKELEVEL
PKG_CONFIG_LIBDIR="$tmp/pc" make -C "$src" --no-print-directory run BUILD="$tmp/build" \
  >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 0 ] || { fail "make run exited $rc"; tail -n 30 "$tmp/err"; }
grep -q '^#1 ' "$tmp/out" || fail "no session in the report"
grep -q '^Across the capture' "$tmp/out" || fail "no capture-wide part in the report"
if grep -E 'Entering directory|Leaving directory|Building C object|Linking C|Built target|^-- ' \
    "$tmp/out" "$tmp/err"; then
  fail "build chatter in make run's output"
fi
for t in test_cur test_hello tlsscope-benchgen pcap-noop; do
  [ -z "$(find "$tmp/build" -name "$t" -type f)" ] || fail "make run built $t"
done

# Tests asked for, cmocka missing: one line, no unit tests, the rest kept.
PKG_CONFIG_LIBDIR="$tmp/pc" cmake -S "$src" -B "$tmp/tests" -DTLSSCOPE_TESTS=ON >"$tmp/conf" 2>&1 \
  || { fail "configuring the tests without cmocka failed"; tail -n 20 "$tmp/conf"; }
[ "$(grep -c 'unit tests skipped: cmocka not found' "$tmp/conf")" -eq 1 ] \
  || fail "no single line saying the unit tests are skipped"
(cd "$tmp/tests" && ctest -N) >"$tmp/list" 2>&1
grep -q 'unit\.' "$tmp/list" && fail "unit tests configured without cmocka"
grep -q ' golden\.tls13$' "$tmp/list" || fail "the golden tests were dropped with the unit tests"

[ $status -eq 0 ] && echo "make-run: the tool builds and runs without cmocka, quietly; tests skip the unit tier with one line"
exit $status
