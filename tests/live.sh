#!/bin/sh
# Live capture for real, on loopback: live, check -i and run against
# openssl s_server. Capturing needs root or CAP_NET_RAW; without them the
# test says so and is skipped (exit 77). .ci/run runs as root.
set -u
bin=$1
src=$2
pki="$src/traces/pki"
tmp=$(mktemp -d)
chmod 755 "$tmp" # written by the capture once it runs as nobody
pids=""
trap 'for p in $pids; do kill $p 2>/dev/null; done; rm -rf "$tmp"' EXIT
status=0
fail() { echo "live: $*"; status=1; }

if ! "$bin" live -i lo --duration 0.2 >/dev/null 2>"$tmp/probe.err"; then
  echo "live: skipped, cannot capture on lo here: $(cat "$tmp/probe.err")"
  exit 77
fi
command -v openssl >/dev/null || { echo "live: skipped, openssl is not installed"; exit 77; }

# failures after the capture device is open: one line, a defined exit, and
# the device closed once (it was closed twice: a crash after the message)
for cmd in live check run tui; do
  extra=""
  [ $cmd = run ] && extra="-- true"
  if [ $cmd = tui ]; then # the TUI wants a terminal: util-linux's script gives it one
    script -qec "$bin tui -i lo -Z no-such-user-here" /dev/null </dev/null >"$tmp/z.out" 2>&1
  else
    # shellcheck disable=SC2086
    "$bin" $cmd -i lo -Z no-such-user-here --duration 0.1 $extra </dev/null >"$tmp/z.out" 2>&1
  fi
  rc=$?
  [ $rc = 2 ] && [ "$(tr -d '\r' <"$tmp/z.out")" = "tlsscope: -Z: no user 'no-such-user-here' on this system" ] ||
    fail "$cmd -Z unknown user: exit $rc: $(cat "$tmp/z.out")"
  [ $cmd = tui ] && continue
  # shellcheck disable=SC2086
  "$bin" $cmd -i lo -w /nonexistent-dir/kept.pcapng --duration 0.1 $extra </dev/null >"$tmp/w.out" 2>&1
  rc=$?
  [ $rc = 3 ] && grep -qx "tlsscope: /nonexistent-dir/kept.pcapng: cannot write: No such file or directory" "$tmp/w.out" ||
    fail "$cmd -w unwritable: exit $rc: $(cat "$tmp/w.out")"
done

# run never leaves its command behind: giving up root fails after the
# command started (setpriv takes CAP_SETUID/SETGID from the bounding set),
# and a command that ignores SIGTERM outlives --duration
if command -v setpriv >/dev/null 2>&1 && command -v pgrep >/dev/null 2>&1; then
  setpriv --bounding-set -setuid,-setgid "$bin" run -i lo -Z nobody --duration 5 -- sleep 1234.5 \
    </dev/null >"$tmp/priv.out" 2>&1
  rc=$?
  [ $rc = 3 ] && grep -q "cannot give up root to run as 'nobody'" "$tmp/priv.out" ||
    fail "run, privileges not given up: exit $rc: $(cat "$tmp/priv.out")"
  pgrep -f "sleep 1234.5" >/dev/null && { fail "run left its command running after failing"; pkill -f "sleep 1234.5"; }
  start=$(date +%s)
  timeout -k 5 30 "$bin" run -i lo --duration 1 -- sh -c 'trap "" TERM; while :; do sleep 0.1; done # tlsscope-stubborn' \
    </dev/null >"$tmp/stubborn.out" 2>&1
  rc=$?
  [ $rc != 124 ] && [ $rc != 137 ] && [ $(($(date +%s) - start)) -le 10 ] ||
    fail "run: a command ignoring SIGTERM kept run from ending (exit $rc)"
  grep -q "was stopped after --duration 1 s" "$tmp/stubborn.out" ||
    fail "run, stubborn command: $(cat "$tmp/stubborn.out")"
  pgrep -f "tlsscope-stubborn" >/dev/null && { fail "run left a command ignoring SIGTERM running"; pkill -9 -f tlsscope-stubborn; }
else
  echo "live: note: setpriv or pgrep missing; run's clean-up after a failure is not checked"
fi

port=$((45000 + $$ % 2000))
# server PORT HOLD ARGS...: an s_server for a few connections in the background
server() {
  p=$1 hold=$2
  shift 2
  # s_server outlives its stdin and the subshell killed on exit: timeout
  # makes sure no server is left behind once the test is over
  (sleep "$hold" | timeout $((hold + 5)) openssl s_server -accept "$p" -naccept 4 -quiet \
    -cert "$pki/server-rsa.pem" -key "$pki/server-rsa.key" "$@" >/dev/null 2>&1) &
  pids="$pids $!"
  for _ in $(seq 50); do [ -n "$(ss -Hltn "sport = :$p")" ] && return; sleep 0.1; done
  fail "s_server is not listening on $p"
}
# ready FILE: the capture has said it is listening (its stderr is in FILE)
ready() {
  for _ in $(seq 100); do grep -q "^tlsscope: listening on lo" "$1" 2>/dev/null && return 0; sleep 0.1; done
  fail "no 'listening on lo' line in $1: $(cat "$1")"
}
client() { # PORT ARGS...
  p=$1
  shift
  echo hi | timeout 5 openssl s_client -connect "127.0.0.1:$p" -servername localhost "$@" >/dev/null 2>&1
}

# run: passes against s_server, the certificate read through the key log
server $port 8
"$bin" run -i lo -e 'version>=1.3' -e 'cert-key=rsa-2048' -e sni=localhost "tcp port $port" -- \
  sh -c "echo hi | openssl s_client -keylogfile \"\$SSLKEYLOGFILE\" -connect 127.0.0.1:$port -servername localhost" \
  >"$tmp/run.out" 2>&1
rc=$?
[ $rc = 0 ] || fail "run against s_server: exit $rc, expected 0: $(cat "$tmp/run.out")"
grep -q "^PASS #1 .*TLSv1.3" "$tmp/run.out" || fail "run: no PASS verdict line: $(cat "$tmp/run.out")"
grep -q "^PASS: 1 matching handshake; expected version>=1.3, cert-key=rsa-2048, sni=localhost" "$tmp/run.out" ||
  fail "run: no final PASS line"

# a failing expectation: exit 1 and what was seen
"$bin" run -i lo -e 'version=1.2' -f junit -o "$tmp/junit.xml" "tcp port $port" -- \
  sh -c "echo hi | openssl s_client -connect 127.0.0.1:$port -servername localhost" >"$tmp/fail.out" 2>&1
rc=$?
[ $rc = 1 ] || fail "failing expectation: exit $rc, expected 1"
grep -q "expected version=1.2, saw TLSv1.3" "$tmp/fail.out" || fail "failing expectation: no verdict text: $(cat "$tmp/fail.out")"
grep -q "^FAIL: 1 of 1 matching handshake failed" "$tmp/fail.out" || fail "failing expectation: no FAIL line"
# JUnit: the elements and attributes the schema requires, counts that add up
python3 - "$tmp/junit.xml" <<'EOF' || fail "JUnit report does not hold up"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
assert root.tag == "testsuites", root.tag
suites = root.findall("testsuite")
assert suites, "no testsuite"
for s in suites:
    for attr in ("name", "tests", "failures", "errors"):
        assert attr in s.attrib, "testsuite lacks " + attr
    cases = s.findall("testcase")
    assert int(s.get("tests")) == len(cases), "tests count"
    failed = [c for c in cases if c.find("failure") is not None]
    assert int(s.get("failures")) == len(failed) == 1, "failures count"
    for c in cases:
        assert c.get("name") and c.get("classname"), "testcase lacks name or classname"
    assert failed[0].get("name") == "version=1.2"
    assert "saw TLSv1.3" in failed[0].find("failure").get("message")
    # named after the command, not the temporary capture; the command's case is there
    assert s.get("name").startswith("tlsscope run sh -c "), s.get("name")
    assert [c for c in cases if c.get("name") == "the command succeeded" and c.find("failure") is None]
EOF
xmllint --noout --schema "$src/tests/schemas/junit.xsd" "$tmp/junit.xml" 2>"$tmp/xsd.out" ||
  fail "run: JUnit does not validate: $(cat "$tmp/xsd.out")"

# SIGTERM and SIGINT sent to run reach the command as they are, and the
# handshakes it made are still judged
for sig in TERM INT; do
  sport=$((port + 12))
  [ $sig = INT ] && sport=$((port + 13))
  server $sport 8
  rm -f "$tmp/shook" "$tmp/got"
  "$bin" run -i lo -e 'version>=1.3' "tcp port $sport" -- sh -c "trap 'echo \$0 >$tmp/got; exit 9' $sig
    echo hi | openssl s_client -connect 127.0.0.1:$sport -servername localhost >/dev/null 2>&1
    touch $tmp/shook; sleep 30 & wait" got-$sig >"$tmp/sig-run.out" 2>&1 &
  runpid=$!
  pids="$pids $runpid"
  for _ in $(seq 100); do [ -e "$tmp/shook" ] && break; sleep 0.1; done
  kill -$sig $runpid
  wait $runpid
  rc=$?
  [ $rc = 0 ] || fail "run, SIG$sig: exit $rc, expected the handshake judged (0): $(cat "$tmp/sig-run.out")"
  [ "$(cat "$tmp/got" 2>/dev/null)" = "got-$sig" ] || fail "run, SIG$sig: the command did not get SIG$sig"
  grep -q "^PASS: 1 matching handshake" "$tmp/sig-run.out" || fail "run, SIG$sig: no verdict: $(cat "$tmp/sig-run.out")"
  grep -q "sh was stopped: tlsscope was interrupted (SIG$sig)" "$tmp/sig-run.out" || fail "run, SIG$sig: the stop is not said"
done

# --require with no traffic at all
"$bin" run -i lo -e 'version>=1.2' "tcp port $((port + 1))" -- true >"$tmp/none.out" 2>&1
rc=$?
[ $rc = 1 ] || fail "no traffic: exit $rc, expected 1"
grep -q "^FAIL: 0 matching handshakes seen, at least 1 required" "$tmp/none.out" ||
  fail "no traffic: $(cat "$tmp/none.out")"

# live --count 2 stops by itself, streaming JSON lines as sessions end
server $((port + 2)) 10
timeout 20 "$bin" live -i lo --count 2 -f json "tcp port $((port + 2))" >"$tmp/live.json" 2>"$tmp/live.err" &
live=$!
pids="$pids $live"
ready "$tmp/live.err"
client $((port + 2))
# the first session is on its way out before the capture ends
for _ in $(seq 30); do grep -q '"type":"session"' "$tmp/live.json" && break; sleep 0.2; done
grep -q '"type":"session"' "$tmp/live.json" || fail "live: no session line while capturing"
kill -0 $live 2>/dev/null || fail "live: stopped after one handshake, expected it to wait for two"
client $((port + 2))
wait $live
rc=$?
[ $rc = 0 ] || fail "live --count 2: exit $rc ($(cat "$tmp/live.err"))"
[ "$(grep -c '"type":"session"' "$tmp/live.json")" = 2 ] || fail "live --count 2: not 2 sessions"
grep -q '"type":"summary".*"live":{"captured":[0-9]*,"received":[0-9]*,.*"loopback":true}' "$tmp/live.json" || fail "live: no summary with kernel counts"

# DTLS over UDP, captured live with a UDP filter: the handshake is reported
# when it completes, and --count stops the capture
dport=$((port + 7))
(sleep 8 | timeout 13 openssl s_server -dtls1_2 -accept "$dport" -naccept 1 -quiet \
  -cert "$pki/server-rsa.pem" -key "$pki/server-rsa.key" >/dev/null 2>&1) &
pids="$pids $!"
for _ in $(seq 50); do [ -n "$(ss -Hlun "sport = :$dport")" ] && break; sleep 0.1; done
timeout 20 "$bin" live -i lo --count 1 -f json "udp port $dport" >"$tmp/dtls.json" 2>"$tmp/dtls.err" &
live=$!
pids="$pids $live"
ready "$tmp/dtls.err"
(sleep 0.5; echo hi; sleep 1) | timeout 5 openssl s_client -dtls1_2 -connect "127.0.0.1:$dport" >/dev/null 2>&1
wait $live
rc=$?
[ $rc = 0 ] || fail "live, DTLS: exit $rc ($(cat "$tmp/dtls.err"))"
grep -q '"type":"session".*"transport":"udp","protocol":"dtls".*"established":true' "$tmp/dtls.json" ||
  fail "live, DTLS: no established DTLS session: $(head -c 400 "$tmp/dtls.json")"

# SIGINT and SIGTERM end a capture cleanly: the session seen, the summary
# with the kernel's counts, status 0
for sig in INT TERM; do
  p=$((port + 7))
  [ $sig = TERM ] && p=$((port + 8))
  server $p 6
  "$bin" live -i lo "tcp port $p" >"$tmp/sig.out" 2>&1 &
  live=$!
  pids="$pids $live"
  ready "$tmp/sig.out"
  client $p
  sleep 0.5
  kill -$sig $live
  wait $live
  rc=$?
  [ $rc = 0 ] || fail "live, SIG$sig: exit $rc ($(cat "$tmp/sig.out"))"
  grep -q "TLSv1.3  established" "$tmp/sig.out" || fail "live, SIG$sig: the session is missing"
  grep -q "^Summary: 1 TLS session in" "$tmp/sig.out" || fail "live, SIG$sig: no summary"
  grep -q "packets captured; [0-9]* received by the kernel (on loopback it counts each packet going out and coming in), 0 dropped by it" \
    "$tmp/sig.out" || fail "live, SIG$sig: no kernel counts explained for loopback"
done

# check -i puts each verdict out as it comes, even into a file (read from
# capture files, check lets them gather in the buffer)
server $((port + 10)) 10
timeout 20 "$bin" check -i lo --count 2 "tcp port $((port + 10))" >"$tmp/stream.out" 2>"$tmp/stream.err" &
check=$!
pids="$pids $check"
ready "$tmp/stream.err"
client $((port + 10))
for _ in $(seq 30); do grep -q "^PASS #1 " "$tmp/stream.out" && break; sleep 0.2; done
grep -q "^PASS #1 " "$tmp/stream.out" || fail "check -i: no verdict while capturing: $(cat "$tmp/stream.out")"
kill -0 $check 2>/dev/null || fail "check -i: stopped after one handshake, expected it to wait for two"
client $((port + 10))
wait $check || fail "check -i --count 2: exit $? ($(cat "$tmp/stream.err"))"
grep -q "^PASS: 2 matching handshakes" "$tmp/stream.out" || fail "check -i --count 2: $(cat "$tmp/stream.out")"

# check -i with SARIF, and -w keeping the capture for tlsscope read
server $((port + 3)) 6
timeout 20 "$bin" check -i lo --count 1 -f sarif -o "$tmp/check.sarif" -w "$tmp/kept.pcapng" \
  "tcp port $((port + 3))" >"$tmp/check.out" 2>&1 &
check=$!
pids="$pids $check"
ready "$tmp/check.out"
client $((port + 3))
wait $check || fail "check -i: exit $? ($(cat "$tmp/check.out"))"
python3 - "$tmp/check.sarif" "$src/tests/schemas/sarif-schema-2.1.0.json" "$tmp/kept.pcapng" <<'EOF' ||
import json, sys, jsonschema
d = json.load(open(sys.argv[1]))
jsonschema.validate(d, json.load(open(sys.argv[2])))
run = d["runs"][0]
# the capture kept with -w is what the results point at
assert run["artifacts"][0]["location"]["uri"] == "file://" + sys.argv[3], run["artifacts"]
assert run["invocations"][0]["exitCode"] == 0
EOF
  fail "check -i: not a SARIF 2.1.0 report on the kept capture"
"$bin" read --color never "$tmp/kept.pcapng" | grep -q "TLSv1.3  established" || fail "-w: the kept capture has no session"

# live --format zeek streams ssl.log rows into a directory as sessions end
server $((port + 4)) 6
timeout 20 "$bin" live -i lo --count 1 -f zeek -o "$tmp/zeek" "tcp port $((port + 4))" >"$tmp/zeek.out" 2>&1 &
zeek=$!
pids="$pids $zeek"
ready "$tmp/zeek.out"
client $((port + 4))
wait $zeek || fail "live -f zeek: exit $? ($(cat "$tmp/zeek.out"))"
grep -q "	TLSv13	TLS_AES_256_GCM_SHA384	" "$tmp/zeek/ssl.log" || fail "live -f zeek: no TLS 1.3 row in ssl.log"
grep -q "^#close	" "$tmp/zeek/ssl.log" || fail "live -f zeek: ssl.log not closed"

# --keylog naming a file the client has not written yet: followed as it
# appears and grows, and read after the capture gives up root (the file is
# opened first). One the capture user cannot read is said to be unreadable,
# not to lack the session's line.
# keylog_capture NAME PORT KEYLOG [OPTIONS...] - live --count 1 -f json
# with --keylog KEYLOG against an s_server on PORT, into $tmp/NAME.json
# and .err, ready for the caller's client (which writes the key log);
# keylog_done waits for the capture to end
keylog_capture() {
  kc_name=$1 kc_port=$2 kc_keys=$3
  shift 3
  server "$kc_port" 8
  timeout 20 "$bin" live -i lo --count 1 -f json --keylog "$kc_keys" "$@" "tcp port $kc_port" \
    >"$tmp/$kc_name.json" 2>"$tmp/$kc_name.err" &
  kc_pid=$!
  pids="$pids $kc_pid"
  ready "$tmp/$kc_name.err"
}
keylog_done() { wait $kc_pid || fail "live --keylog ($kc_name): exit $? ($(cat "$tmp/$kc_name.err"))"; }

kport=$((port + 9))
keylog_capture kl $kport "$tmp/later.keys"
grep -q "later.keys: does not exist yet; it is read as it appears" "$tmp/kl.err" || fail "--keylog not there yet: $(cat "$tmp/kl.err")"
client $kport -keylogfile "$tmp/later.keys"
keylog_done
grep -q '"decryption":{"keys":true' "$tmp/kl.json" || fail "live: a key log that appeared later was not read"
grep -q '"key_type":"rsa"' "$tmp/kl.json" || fail "live: the certificate was not decrypted with the later key log"
# root's 0600 key log, opened before the capture becomes nobody
umask_was=$(umask); umask 077
: >"$tmp/root.keys"
umask "$umask_was"
keylog_capture kr $((kport + 1)) "$tmp/root.keys" -Z nobody
client $((kport + 1)) -keylogfile "$tmp/root.keys"
keylog_done
grep -q '"decryption":{"keys":true' "$tmp/kr.json" || fail "live -Z nobody: root's key log was not read after giving up root"
# and one that appears only after root was given up, unreadable to nobody
keylog_capture ku $((kport + 2)) "$tmp/late-root.keys" -Z nobody
umask 077
client $((kport + 2)) -keylogfile "$tmp/late-root.keys"
umask "$umask_was"
keylog_done
grep -q 'the key log could not be read: .*late-root.keys: Permission denied' "$tmp/ku.json" ||
  fail "live: an unreadable key log is not named as such: $(grep -o '"problem":"[^"]*"' "$tmp/ku.json")"
grep -q 'late-root.keys: Permission denied' "$tmp/ku.err" || fail "live: no warning for the unreadable key log"

# --fanout: two processes in one AF_PACKET fanout group share 12
# connections out, each seeing whole connections and none seen twice
fport=$((port + 5))
(sleep 12 | timeout 17 openssl s_server -accept "$fport" -quiet -www -cert "$pki/server-rsa.pem" \
  -key "$pki/server-rsa.key" >/dev/null 2>&1) &
pids="$pids $!"
fan=""
for k in 1 2; do
  timeout 20 "$bin" live -i lo --fanout $((fport % 65000 + 1)) -Z root -f json --duration 8 \
    "tcp port $fport" >"$tmp/fan$k.json" 2>"$tmp/fan$k.err" &
  fan="$fan $!"
done
pids="$pids $fan"
ready "$tmp/fan1.err"
ready "$tmp/fan2.err"
for i in 1 2 3 4 5 6 7 8 9 10 11 12; do client "$fport" -servername "fan$i.example"; done
# shellcheck disable=SC2086
wait $fan || fail "live --fanout: $(cat "$tmp/fan1.err" "$tmp/fan2.err")"
cat "$tmp/fan1.json" "$tmp/fan2.json" | python3 -c '
import json, sys
seen = [json.loads(l) for l in sys.stdin if "\"type\":\"session\"" in l]
names = sorted(s.get("sni") or "" for s in seen)
want = sorted("fan%d.example" % i for i in range(1, 13))
assert names == want, "sessions seen: %s" % names
assert all(s.get("established") for s in seen), "a connection was seen in part"
' || fail "live --fanout: the two processes did not share the connections out whole"
n1=$(grep -c '"type":"session"' "$tmp/fan1.json")
n2=$(grep -c '"type":"session"' "$tmp/fan2.json")
[ "$n1" -gt 0 ] && [ "$n2" -gt 0 ] || fail "live --fanout: one process saw everything ($n1 and $n2 sessions)"

[ $status = 0 ] && echo "live: run, check -i and live behave on a real loopback capture"
exit $status
