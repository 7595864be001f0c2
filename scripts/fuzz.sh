#!/bin/sh
# Build the libFuzzer harnesses (clang, ASan, UBSan) and run each for a
# while, starting from seeds cut from traces/ and from the corpus earlier
# runs kept. Inputs that once crashed (tests/fuzz/regress/HARNESS/) are run
# first and must pass.
#
#   scripts/fuzz.sh [SECONDS] [HARNESS...]     (default 60 s each, all)
#
# FUZZ_BUILD names the build tree (default build-fuzz). A crash, leak or
# timeout stops with exit 1 and names the input to add to tests/fuzz/regress.
set -eu
seconds=${1:-60}
[ $# -gt 0 ] && shift
all="stream handshake hello cert reasm pcap keylog policy expect json udp quic"
harnesses=${*:-$all}
src=$(cd "$(dirname "$0")/.." && pwd)
build=${FUZZ_BUILD:-$src/build-fuzz}

command -v clang >/dev/null || { echo "fuzz: clang is missing (scripts/install-deps.sh test)" >&2; exit 1; }
CC=clang cmake -S "$src" -B "$build" -DTLSSCOPE_FUZZ=ON -DTLSSCOPE_SANITIZE=ON -DTLSSCOPE_WERROR=ON -DTLSSCOPE_TESTS=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
targets=""
for h in $harnesses; do targets="$targets fuzz_$h"; done
# shellcheck disable=SC2086
cmake --build "$build" -j "$(nproc)" --target $targets >"$build/build.log" 2>&1 ||
  { tail -30 "$build/build.log"; exit 1; }
python3 "$src/tests/fuzz/seeds.py" "$src" "$build/seeds" >/dev/null

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
status=0
for h in $harnesses; do
  bin="$build/tests/fuzz/fuzz_$h"
  regress="$src/tests/fuzz/regress/$h"
  if [ -d "$regress" ] && [ -n "$(ls "$regress")" ]; then
    "$bin" "$regress"/* >"$build/regress-$h.log" 2>&1 ||
      { echo "fuzz_$h: a regression input fails again:"; tail -20 "$build/regress-$h.log"; status=1; continue; }
  fi
  corpus="$build/corpus/$h"
  crashes="$build/crashes/$h"
  mkdir -p "$corpus" "$crashes"
  log="$build/fuzz-$h.log"
  if ! "$bin" "$corpus" "$build/seeds/$h" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 \
    -max_len=1048576 -artifact_prefix="$crashes/" -print_final_stats=1 >"$log" 2>&1; then
    echo "fuzz_$h: FAILED; the input is in $crashes (copy it to tests/fuzz/regress/$h/):"
    grep -E "ERROR|SUMMARY|Test unit written" "$log" | head -5
    status=1
    continue
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  done_line=$(grep -E "^#[0-9]+[[:space:]]+DONE" "$log" | tail -1)
  cov=$(echo "$done_line" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
  ft=$(echo "$done_line" | sed -n 's/.*ft: \([0-9]*\).*/\1/p')
  corp=$(echo "$done_line" | sed -n 's/.*corp: \([0-9]*\).*/\1/p')
  rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log")
  echo "fuzz_$h: $runs runs in $seconds s, $cov edges, $ft features, corpus $corp inputs, peak RSS $rss MB"
done
exit $status
