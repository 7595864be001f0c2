#!/bin/sh
# The TUI driven for real in tmux (send-keys, capture-pane) over traces/:
# open, move, search, sort, filter, every tab, the ladder's bytes, compare,
# help, save JSON and pcapng, resize to 200x60 and 80x24, monochrome, quit,
# and the terminal given back after q, SIGTERM and a crash; then live on
# loopback when capturing is permitted.
#
#   tests/tui.sh TLSSCOPE SOURCE_DIR
set -u
bin=$(realpath "$1")
src=$(realpath "$2")
command -v tmux >/dev/null 2>&1 || { echo "SKIP: tmux is not installed (scripts/install-deps.sh test)"; exit 77; }
work=$(mktemp -d)
sock="tlsscope-test-$$"
tm() { tmux -L "$sock" -f /dev/null "$@"; }
trap 'tm kill-server 2>/dev/null; rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
screen() { tm capture-pane -p -t t 2>/dev/null; }

# wait_for TEXT [SECONDS] - until the screen shows TEXT (a fixed string)
wait_for() {
  i=0
  limit=$(( ${2:-10} * 10 ))
  while [ $i -lt "$limit" ]; do
    screen | grep -qF -- "$1" && return 0
    sleep 0.1
    i=$((i + 1))
  done
  return 1
}
expect() { wait_for "$1" "${3:-10}" || { fail "$2: the screen does not show '$1'"; screen | sed 's/^/    | /'; }; }
refute() { sleep 0.3; screen | grep -qF -- "$1" && { fail "$2: the screen shows '$1'"; screen | sed 's/^/    | /'; }; true; }
keys() { tm send-keys -t t "$@"; }
text() { tm send-keys -t t -l "$1"; }

# start W H ENV... -- ARGS: the TUI in a fresh tmux session; when it ends the
# pane says how it exited and whether the terminal is sane again
start() {
  w=$1 h=$2
  shift 2
  envs=""
  while [ "$1" != "--" ]; do envs="$envs $1"; shift; done
  shift
  tm kill-server 2>/dev/null
  sockpath="${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$sock"
  i=0
  while [ -e "$sockpath" ] && [ $i -lt 30 ]; do sleep 0.1; i=$((i + 1)); done
  cat >"$work/run.sh" <<EOF
#!/bin/sh
cd "$work"
env $envs "$bin" tui "\$@"
echo "EXIT=\$?"
stty -a | tr ' ;' '\n\n' | grep -qx -- '-echo' && echo "TERMINAL=raw" || echo "TERMINAL=sane"
sleep 600
EOF
  chmod +x "$work/run.sh"
  # a server still shutting down after kill-server can refuse the new
  # session ("server exited unexpectedly"); a retry then finds no server
  tries=0
  until tm new-session -d -s t -x "$w" -y "$h" "$work/run.sh" "$@" && tm has-session -t t 2>/dev/null; do
    tm kill-server 2>/dev/null
    tries=$((tries + 1))
    [ $tries -lt 20 ] || { fail "tmux: no session could be started"; return 1; }
    sleep 0.2
  done
}

cd "$src"
traces=$(ls traces/*.pcap)
# shellcheck disable=SC2086
sessions=$("$bin" read -f json $traces | grep -c '"type":"session"')

# ---- the list -------------------------------------------------------------------------
# shellcheck disable=SC2086
start 80 24 -- $(printf "$src/%s " $traces)
expect "of $sessions sessions" "list: counts"
expect " tlsscope  $src/traces/" "list: title names the files" 1
expect "server" "list: header at 80 columns" 1
refute "client  " "list: 80 columns leave the client out"
expect "? help" "list: key hints" 1
# at 80 columns the cipher stays readable
expect "ECDHE_RSA_AES_256_" "list: the cipher at 80 columns" 1
# Esc dismisses, it never quits the list
keys Escape
refute "EXIT=" "list: Esc does not quit"
# the capture-wide findings: a count in the status line, a screen, a marker
expect "capture-wide (a)" "list: capture-wide findings counted in the title" 1
screen | grep -q '^+ *[0-9]' || fail "list: no row marked as named by a capture-wide finding"
keys a
expect "about the capture: " "capture-wide: the screen"
expect "many-short-connections" "capture-wide: burst.pcap's short connections"
expect "sessions: #" "capture-wide: the sessions it names"
keys Escape
expect "of $sessions sessions" "capture-wide: Esc goes back to the list"

# search, then open: the session found is the one opened
keys /
text "wrong.example"
keys Enter
keys Enter
expect "wrong.example.com" "search + open: the session" 
expect "1 Overview" "detail: tabs"
expect "SNI        wrong.example.com" "overview: SNI"
expect "[cert-sni-mismatch]" "overview: the finding's rule"
expect "JA4        t12d" "overview: the JA4 fingerprint"
expect "JA3S " "overview: the JA3 and JA3S hashes"
keys 2
expect "client_hello #" "ladder: the ClientHello arrow"
expect "server_hello #" "ladder: the ServerHello arrow"
expect "SYN #" "ladder: TCP SYN"
# Enter on the ClientHello line (after the column header, SYN, SYN-ACK, ACK) shows its bytes
keys Down Down Down Down Down Enter
expect "message 1 of" "ladder Enter: the Bytes tab"
expect "client_hello from the client" "bytes: the message named"
expect "000000  01 00" "bytes: handshake type 1 first"
keys ]
expect "message 2 of" "bytes: ] goes to the next message"
keys 3
expect "ClientHello  TLSv1.2" "hello: the ClientHello tree"
expect ", chosen: TLS_" "hello: the chosen suite named"
expect "+   extensions (" "hello: extensions, folded"
# unfold the suites: the chosen one is marked
keys Down Enter
expect "<- chosen" "hello: Enter unfolds, the chosen suite marked"
# folding the top node hides the rest of the ClientHello
keys g Enter
expect "+ ClientHello" "hello: Enter folds"
refute "cipher suites (" "hello: a folded node hides its children"
keys 4
expect "server chain: " "certificates: the chain"
expect "SAN      " "certificates: SAN"
expect "| = capture time" "certificates: the validity bar"
keys 5
expect "rule: cert-sni-mismatch" "findings: the rule"
expect "fix:  " "findings: the fix"
keys Tab
expect "message 2 of" "Tab: from Findings to Bytes"
keys BTab BTab
expect "server chain: " "Shift-Tab: back two tabs"
keys q
expect "of $sessions sessions" "q: back to the list"
expect "wrong.example.com " "list: the SNI whole at 80 columns" 1

# sort by severity: high first
for column in time client server name version cipher status sev; do
  keys s
  expect "sort: $column" "sort: s goes on to the next column"
done
# the selection stays on its session; g goes to the top
keys g
for _ in $(seq 30); do screen | sed -n 3p | grep -q high && break; sleep 0.1; done
first=$(screen | sed -n 3p)
case "$first" in *high*) ;; *) fail "sort by sev: the first row is not high: $first" ;; esac
keys S
expect "s: sev rev" "sort: S reverses (the short status line at 80 columns)"

# filters
keys f
text "version<1.3 sev>=high"
keys Enter
# shellcheck disable=SC2086
want=$("$bin" read -f json $traces | python3 -c '
import json, sys
old = ("SSLv2", "SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2", "DTLSv1.0", "DTLSv1.2")
n = 0
for line in sys.stdin:
    s = json.loads(line)
    if s["type"] == "session" and s["version"] in old and any(f["severity"] == "high" for f in s["findings"]):
        n += 1
print(n)')
expect "f: version<1.3 sev>=high" "filter: shown in the status bar"
expect " $want/$sessions:" "filter version<1.3 sev>=high: as many as the JSON report has"
screen | grep -q "TLSv1.3" && fail "filter version<1.3 shows a TLSv1.3 row"
keys f C-u
text "colour=red"
keys Enter
expect "unknown field 'colour'" "filter: a bad term explained"
keys f C-u
text "sni~wrong"
keys Enter
expect " 1/$sessions:" "filter sni~wrong: one session"

# save the filtered sessions as JSON
keys w C-u
text "$work/saved.json"
keys Enter
expect "saved 1 sessions to" "save JSON: confirmed"
if [ "$(grep -c '"type":"session"' "$work/saved.json" 2>/dev/null)" != 1 ] ||
   ! grep -q '"sni":"wrong.example.com"' "$work/saved.json" ||
   grep -q '"type":"summary"' "$work/saved.json"; then
  fail "save JSON: $work/saved.json does not hold just that session"
fi
python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$work/saved.json" ||
  fail "save JSON: not JSON lines"

# save its packets as pcapng: the same session when read back
keys p C-u
text "$work/one.pcapng"
keys Enter
expect "saved session #" "save pcapng: confirmed"
back=$("$bin" read -f json "$work/one.pcapng" 2>&1)
echo "$back" | grep -q '"sni":"wrong.example.com"' || fail "save pcapng: the session is not in the file: $back"
[ "$(echo "$back" | grep -c '"type":"session"')" = 1 ] || fail "save pcapng: more than the session"
# every packet of the connection, the FINs and the last ACK after the handshake included
if command -v tcpdump >/dev/null 2>&1; then
  have=$(tcpdump -nr "$work/one.pcapng" 2>/dev/null | wc -l)
  want=$(tcpdump -nr "$src/traces/cert-name-mismatch.pcap" 2>/dev/null | wc -l)
  [ "$have" = "$want" ] || fail "save pcapng: $have packets saved, the connection has $want"
fi

# compare two sessions
keys f C-u
text "sni~localhost"
keys Enter
keys g m m c
expect "compare #" "compare: title"
expect "differences" "compare: count"
expect "negotiated" "compare: sections"
expect "ClientHello" "compare: hellos"
keys d
expect "(only those shown)" "compare: d shows differences only"
keys q
keys '?'
expect "Session list" "help: the list's keys"
keys G
expect "Filters:" "help: scrolls to the filter syntax"
keys q

# resize: 200x60 shows every column and more rows, 80x24 again fewer
keys f C-u Enter
tm resize-window -t t -x 200 -y 60
wait_for "client" 5 && screen | sed -n 2p | grep -q "client .*server" ||
  fail "resize 200x60: client and server columns: $(screen | sed -n 2p)"
expect "cipher" "resize 200x60: cipher column"
rows=$(screen | grep -c '^[*+ ] *[0-9]\+ [0-9]')
[ "$rows" -gt 40 ] || [ "$rows" -ge "$sessions" ] || fail "resize 200x60: only $rows rows shown"
tm resize-window -t t -x 80 -y 24
wait_for " $sessions/$sessions:" 5
rows=$(screen | grep -c '^[*+ ] *[0-9]\+ [0-9]')
[ "$rows" -le 20 ] || fail "resize 80x24: $rows rows on 24 lines"
expect " $sessions/$sessions:" "resize 80x24: the status bar, short"

keys q
expect "EXIT=0" "quit: exit status 0"
expect "TERMINAL=sane" "quit: the terminal given back"

# the mouse (xterm reports, as a terminal sends them): a click on a heading
# sorts, a click selects a row, the wheel moves three rows
chr() { printf "\\$(printf %o "$1")"; }
mouse() { text "$(printf '\033[M')$(chr $((32 + $1)))$(chr $((33 + $2)))$(chr $((33 + $3)))"; }
click() { mouse 0 "$1" "$2"; mouse 3 "$1" "$2"; }
# shellcheck disable=SC2086
start 120 30 -- $(printf "$src/%s " $traces)
expect "of $sessions sessions" "mouse: list"
x=$(screen | sed -n 2p | grep -bo "status" | cut -d: -f1)
click $((x + 1)) 1
expect "sort: status" "mouse: a click on a heading sorts by it"
sleep 0.4 # two clicks within curses' interval would be a double click
click 3 4
sleep 0.3 # curses waits that long to tell a click from a double click
id=$(screen | sed -n 5p | cut -c2- | awk '{print $1}')
keys Enter
expect "session #$id " "mouse: a click selects the row (#$id)"
keys q
mouse 65 3 4
sleep 0.3
id=$(screen | sed -n 8p | cut -c2- | awk '{print $1}')
keys Enter
expect "session #$id " "mouse: the wheel moves three rows (#$id)"
keys q q
expect "EXIT=0" "mouse: quit"

# colours, and none with NO_COLOR
# shellcheck disable=SC2086
start 120 30 -- $(printf "$src/%s " $traces)
expect "of $sessions sessions" "colour: list"
tm capture-pane -e -p -t t | grep -q "$(printf '\033')\[3[1-7]m" || fail "colour: no colour on a colour terminal"
# shellcheck disable=SC2086
start 120 30 NO_COLOR=1 -- $(printf "$src/%s " $traces)
expect "of $sessions sessions" "NO_COLOR: list"
tm capture-pane -e -p -t t | grep -q "$(printf '\033')\[3[1-7]m" && fail "NO_COLOR: colours used"

# signals: SIGTERM ends it cleanly, a crash still gives the terminal back
pid_of() { pgrep -f "$bin tui $src/traces/tls12-rsa.pcap" | head -1; }
start 80 24 -- "$src/traces/tls12-rsa.pcap"
expect "of 1 sessions" "signals: list"
kill -TERM "$(pid_of)"
expect "EXIT=0" "SIGTERM: exit status 0"
expect "TERMINAL=sane" "SIGTERM: the terminal given back"
start 80 24 -- "$src/traces/tls12-rsa.pcap"
expect "of 1 sessions" "crash: list"
kill -SEGV "$(pid_of)"
expect "EXIT=139" "crash: killed by SIGSEGV"
expect "TERMINAL=sane" "crash: the terminal given back"

# bad input: a clear line and status 3, no TUI
start 80 24 -- "$src/traces/no-such.pcap"
expect "EXIT=3" "missing file: exit status 3"
expect "no-such.pcap" "missing file: named"
# a damaged capture: what could be parsed is listed, the reason shown, and
# printed again with status 3 on quitting
head -c 3000 "$src/traces/tls12-resume.pcap" >"$work/cut.pcap"
start 100 24 -- "$work/cut.pcap"
expect "1 of 1 sessions" "truncated capture: the session before the cut"
expect "cut.pcap: truncated" "truncated capture: the reason on the status line"
keys q
expect "EXIT=3" "truncated capture: exit status 3"
expect "tlsscope: $work/cut.pcap: truncated" "truncated capture: the message printed again"
start 80 24 -- "$src/README.md"
expect "EXIT=3" "not a capture: exit status 3"
out=$("$bin" tui - <"$src/traces/tls12-rsa.pcap" 2>&1 >/dev/null)
[ $? = 2 ] && echo "$out" | grep -q "standard input" || fail "tui -: $out"
out=$("$bin" tui "$src/traces/tls12-rsa.pcap" </dev/null 2>&1 >/dev/null)
[ $? = 3 ] && echo "$out" | grep -q "needs a terminal" || fail "no terminal: $out"

# ---- live, where capturing is permitted --------------------------------------------------
if [ "$(id -u)" = 0 ] && command -v openssl >/dev/null; then
  port=$((20000 + $$ % 20000))
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/k.pem" -out "$work/c.pem" -days 2 \
    -subj /CN=localhost >/dev/null 2>&1
  start 120 30 -- -i lo "tcp port $port"
  expect "live on lo" "live: title"
  expect "waiting for handshakes" "live: empty list"
  openssl s_server -accept "$port" -cert "$work/c.pem" -key "$work/k.pem" -naccept 3 -quiet \
    >/dev/null 2>&1 &
  server=$!
  for _ in $(seq 50); do [ -n "$(ss -Hltn "sport = :$port")" ] && break; sleep 0.1; done
  for name in first.example second.example; do
    echo | timeout 5 openssl s_client -connect "127.0.0.1:$port" -servername "$name" >/dev/null 2>&1
  done
  expect "second.example" "live: rows appear" 15
  expect "first.example" "live: earlier rows stay" 1
  expect "2 of 2 sessions" "live: counts"
  # a session opened from the scratch capture while it runs
  keys g Enter
  expect "SNI        first.example" "live: a session opens"
  keys 2
  expect "server_hello #" "live: its ladder"
  keys q j P
  expect "PAUSED" "live: P pauses"
  echo | timeout 5 openssl s_client -connect "127.0.0.1:$port" -servername third.example >/dev/null 2>&1
  expect "(new sessions held)" "live: paused, new sessions are held" 15
  expect "2 of 3 sessions" "live: paused, the list stays" 1
  refute "third.example" "live: paused, no new row"
  keys P
  expect "third.example" "live: resumed, the held session shows"
  # the selection stayed on the second row while a row was appended
  keys Enter
  expect "session #2 " "live: an appended row does not move the selection"
  # quitting a live capture asks first; Esc never quits
  keys q Escape
  refute "EXIT=" "live: Esc does not quit"
  keys q
  expect "stop the capture and quit? (y/n)" "live: q asks first"
  keys n
  refute "EXIT=" "live: n keeps capturing"
  expect "live" "live: still capturing after n" 1
  keys q y
  expect "EXIT=0" "live: quit"
  kill "$server" 2>/dev/null
  ls /tmp/tlsscope-tui-* >/dev/null 2>&1 && fail "live: the scratch capture was left in /tmp"
else
  echo "note: the live TUI test needs root (capturing on lo); skipped"
fi

if [ "$failures" -ne 0 ]; then
  echo "$failures TUI check(s) failed"
  exit 1
fi
echo "TUI: every check passed"
