#!/bin/sh
# The TUI on a capture of many sessions (100,000 by default): how long the
# list takes to appear next to tshark reading the same file, how long each
# key takes to show its result (scrolling, sorting, filtering, opening the
# last session), and the memory it holds. Run by hand, not by the tests:
#
#   bench/tui.sh [SESSIONS]          (needs tmux; tshark when installed)
#
# The capture is made by bench/make-sessions.py from traces/ and kept in
# ${BENCH_DIR:-/tmp} between runs.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
bin="$here/build/tlsscope"
n=${1:-100000}
dir=${BENCH_DIR:-/tmp}
cap="$dir/tlsscope-bench-$n.pcap"
[ -x "$bin" ] || { echo "build first (make build)" >&2; exit 2; }
command -v tmux >/dev/null || { echo "bench/tui.sh needs tmux" >&2; exit 2; }
if [ ! -s "$cap" ]; then
  echo "making $cap ($n sessions)..."
  python3 "$here/bench/make-sessions.py" "$n" "$cap" \
    "$here"/traces/tls12-no-shared-cipher.pcap "$here"/traces/tls13-vs-tls12.pcap \
    "$here"/traces/tls12-rsa.pcap "$here"/traces/tls13.pcap "$here"/traces/mq-plaintext.pcap \
    "$here"/traces/cert-expired.pcap
fi
sock="tlsscope-bench-$$"
tm() { tmux -L "$sock" -f /dev/null "$@"; }
trap 'tm kill-server 2>/dev/null || true' EXIT

now_ms() { date +%s%3N; }
# shown TEXT: milliseconds until the screen shows TEXT (60 s at most)
shown() {
  since=$(now_ms)
  while ! tm capture-pane -p -t b | grep -qF -- "$1"; do
    if [ $(($(now_ms) - since)) -gt 60000 ]; then
      echo "timeout waiting for '$1'; the screen:" >&2
      tm capture-pane -p -t b >&2
      return 1
    fi
    sleep 0.01
  done
  echo $(($(now_ms) - since))
}
# key KEYS TEXT: send keys, then the milliseconds until TEXT shows
key() {
  tm send-keys -t b "$1"
  shown "$2"
}

size=$(du -m "$cap" | cut -f1)
echo "capture: $cap, $n sessions, $size MB"

t0=$(now_ms)
"$bin" read -q "$cap" >/dev/null
read_ms=$(($(now_ms) - t0))

tm new-session -d -s b -x 200 -y 60 "$bin tui '$cap'; sleep 600"
t0=$(now_ms)
shown "of $n sessions" >/dev/null
open_ms=$(($(now_ms) - t0))
pid=$(pgrep -f "$bin tui $cap" | head -1)

end_ms=$(key End "  $n ")
pgup_ms=$(key PPage "sort: #")
sort_ms=$(key s "sort: time")
for column in client server name version cipher status sev; do
  key s "sort: $column" >/dev/null
done
tm send-keys -t b g
tm send-keys -t b f
tm send-keys -t b -l "sev>=high version<1.3"
filter_ms=$(key Enter "filter: sev>=high")
tm send-keys -t b f C-u Enter
shown "$n of $n" >/dev/null
tm send-keys -t b w C-u
tm send-keys -t b -l "$dir/tlsscope-bench-saved.json"
save_ms=$(key Enter "saved $n sessions")
rm -f "$dir/tlsscope-bench-saved.json"
key s "sort: ms" >/dev/null
key s "sort: #" >/dev/null
tm send-keys -t b End
shown "  $n " >/dev/null
detail_ms=$(key Enter "1 Overview")
hello_ms=$(key 3 "ClientHello")
tm send-keys -t b q
shown "of $n sessions" >/dev/null
search_ms=$(key / "search:")
tm send-keys -t b -l "10.0.0.7:"
search_ms=$(key Enter "10.0.0.7:")
rss_kb=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
tm send-keys -t b q

tshark_ms=""
if command -v tshark >/dev/null; then
  t0=$(now_ms)
  tshark -r "$cap" -Y "tls.handshake.type == 1" -T fields -e tcp.stream >/dev/null 2>&1
  tshark_ms=$(($(now_ms) - t0))
fi

printf '\n%-44s %8s\n' "what" "ms"
printf '%-44s %8d\n' "tlsscope read -q (whole analysis)" "$read_ms"
printf '%-44s %8d\n' "tlsscope tui: list shown" "$open_ms"
[ -n "$tshark_ms" ] && printf '%-44s %8d\n' "tshark -r -Y tls.handshake.type==1" "$tshark_ms"
printf '%-44s %8d\n' "End (to the last of $n)" "$end_ms"
printf '%-44s %8d\n' "PgUp" "$pgup_ms"
printf '%-44s %8d\n' "s (sort $n rows by time)" "$sort_ms"
printf '%-44s %8d\n' "f sev>=high version<1.3 (filter)" "$filter_ms"
printf '%-44s %8d\n' "w (save all $n sessions as JSON)" "$save_ms"
printf '%-44s %8d\n' "Enter on the last session (re-read)" "$detail_ms"
printf '%-44s %8d\n' "3 (its Hello tab)" "$hello_ms"
printf '%-44s %8d\n' "/ 10.0.0.7: (search)" "$search_ms"
printf '%-44s %8d\n' "memory (peak RSS, KB)" "$rss_kb"
if [ -n "$tshark_ms" ]; then
  awk -v a="$open_ms" -v b="$tshark_ms" 'BEGIN { printf "\nlist shown / tshark: %.2f (below 1: tlsscope is faster)\n", a / b }'
fi
