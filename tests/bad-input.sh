#!/bin/sh
# Bad input gets one line on stderr naming the file and the reason, a
# defined exit status, no crash, and every session that could be parsed.
set -u
bin=$1
src=$2
tmp=$(mktemp -d)
trap 'chmod -R u+rwx "$tmp"; rm -rf "$tmp"' EXIT
status=0

# expect NAME WANT_STATUS STDERR_PATTERN [STDOUT_PATTERN] -- ARGS...
expect() {
  name=$1 want=$2 pattern=$3 out_pattern=$4
  shift 5
  "$bin" "$@" >"$tmp/out" 2>"$tmp/err"
  got=$?
  lines=$(wc -l <"$tmp/err")
  fail=""
  [ "$got" = "$want" ] || fail="exit status $got, expected $want"
  [ "$got" -lt 128 ] || fail="killed by a signal ($got)"
  if [ -n "$pattern" ] && ! grep -q -- "$pattern" "$tmp/err"; then fail="${fail:+$fail; }stderr lacks '$pattern'"; fi
  if [ "$want" != 0 ] && [ "$lines" != 1 ] && [ "$want" != 2 ]; then
    fail="${fail:+$fail; }$lines lines on stderr"
  fi
  if [ -n "$out_pattern" ] && ! grep -q -- "$out_pattern" "$tmp/out"; then
    fail="${fail:+$fail; }stdout lacks '$out_pattern'"
  fi
  if [ -n "$fail" ]; then
    echo "bad-input: $name: $fail"
    sed 's/^/  stderr: /' "$tmp/err" | head -5
    status=1
  fi
}

good="$src/traces/tls12-rsa.pcap"
size=$(wc -c <"$good")

expect "missing file" 3 "nope.pcap: No such file or directory" "" -- read "$tmp/nope.pcap"
expect "directory" 3 "is a directory" "" -- read "$tmp"
: >"$tmp/empty.pcap"
expect "empty file" 3 "empty.pcap: not a capture: the file is empty" "" -- read "$tmp/empty.pcap"
printf 'GET / HTTP/1.1\r\n\r\n' >"$tmp/text.pcap"
expect "not a capture" 3 "text.pcap: not a capture: unknown file format" "" -- read "$tmp/text.pcap"
head -c $((size - 30)) "$good" >"$tmp/cut.pcap"
expect "truncated mid-packet" 3 "cut.pcap: truncated: packet .* claims" "TLS_RSA_WITH_AES_256_GCM_SHA384" -- read --color never "$tmp/cut.pcap"
expect "truncated, JSON" 3 "cut.pcap: truncated" '"type":"session"' -- read --format json "$tmp/cut.pcap"
expect "one good file, one missing" 3 "missing.pcap: No such file" "TLS_RSA_WITH_AES_256_GCM_SHA384" -- read --color never "$good" "$tmp/missing.pcap"
head -c 10 "$good" >"$tmp/header.pcap"
expect "cut in the file header" 3 "header.pcap: truncated pcap file header" "" -- read "$tmp/header.pcap"
if [ "$(id -u)" != 0 ]; then
  cp "$good" "$tmp/locked.pcap" && chmod 000 "$tmp/locked.pcap"
  expect "unreadable" 3 "locked.pcap: Permission denied" "" -- read "$tmp/locked.pcap"
fi
printf '\324\303\262\241\002\000\004\000\000\000\000\000\000\000\000\000\377\377\000\000\223\000\000\000\001\000\000\000\000\000\000\000\004\000\000\000\004\000\000\000abcd' >"$tmp/link147.pcap"
expect "unsupported link type" 0 "link147.pcap: warning: 1 packets have link type 147" "0 TLS sessions" -- read -q "$tmp/link147.pcap"
expect "no command" 2 "usage: tlsscope" "" --
expect "unknown command" 2 "unknown command 'frobnicate'" "" -- frobnicate
expect "no file" 2 "no capture file given" "" -- read
expect "bad format" 2 "unknown format 'xml'" "" -- read --format xml "$good"
expect "bad option" 2 "read: unknown option --bogus" "" -- read --bogus "$good"
expect "bad size" 2 "'lots' is not a positive number for --max-flows" "" -- read --max-flows lots "$good"
expect "unwritable output" 3 "cannot write" "" -- read -o "$tmp/no/such/dir/out.txt" "$good"
expect "zeek: no directory" 3 "cannot make the directory for the Zeek logs" "" -- read --format zeek -o "$tmp/no/such/dir" "$good"
expect "zeek: a file for a directory" 3 "cannot" "" -- read --format zeek -o "$good" "$good"
expect "fields: unknown name" 2 "no field 'colour'; json has: type,id" "" -- read --format json --fields sni,colour "$good"
expect "fields: csv name in json" 2 "no field 'cert_subject'" "" -- read --format json --fields cert_subject "$good"
expect "fields: text" 2 "json and csv only" "" -- read --fields sni "$good"
expect "fields: zeek" 2 "json and csv only" "" -- read --format zeek --fields sni "$good"
expect "zeek: truncated, logs kept" 3 "cut.pcap: truncated" "" -- read --format zeek -o "$tmp/zeek" "$tmp/cut.pcap"
grep -q "TLS_RSA_WITH_AES_256_GCM_SHA384" "$tmp/zeek/ssl.log" || { echo "bad-input: zeek: the session before the cut is not in ssl.log"; status=1; }
expect "stdin" 0 "" "TLS_RSA_WITH_AES_256_GCM_SHA384" -- read --color never - <"$good"
expect "unknown cipher" 3 "not a known cipher suite" "" -- cipher TLS_NOPE
printf 'min_rsa_bits = 2048\n\n[channel APP.SVRCONN]\nsslciph = ANY_TLS12_OR_HIGER\n' >"$tmp/typo.policy"
expect "policy: bad SSLCIPH" 2 "typo.policy:4: 'ANY_TLS12_OR_HIGER' is not an SSLCIPH value" "" -- read --policy "$tmp/typo.policy" "$good"
printf 'min_rsa_bits = many\n' >"$tmp/num.policy"
expect "policy: bad number" 2 "num.policy:1: min_rsa_bits wants a number" "" -- read --policy "$tmp/num.policy" "$good"
expect "policy: missing file" 3 "none.policy: No such file or directory" "" -- read --policy "$tmp/none.policy" "$good"
expect "policy: a directory" 3 ": Is a directory" "" -- read --policy "$tmp" "$good"
expect "baseline: missing" 3 "none.json: No such file or directory" "" -- check --baseline "$tmp/none.json" "$good"
expect "baseline: a directory" 3 ": Is a directory" "" -- check --baseline "$tmp" "$good"
expect "keylog: a directory" 3 ": is a directory" "" -- read --keylog "$tmp" "$good"
expect "ca-file: a directory" 3 ": Is a directory" "" -- read --ca-file "$tmp" "$good"
expect "ca-file: missing" 3 "none.pem: No such file or directory" "" -- read --ca-file "$tmp/none.pem" "$good"
expect "ca-file: not PEM" 3 "typo.policy: no PEM certificates in it" "" -- read --ca-file "$tmp/typo.policy" "$good"
sed '/-----/d' "$src/traces/pki/ca.pem" | base64 -d >"$tmp/ca.der"
expect "ca-file: DER" 3 "ca.der: no PEM certificates in it; it looks like DER" "" -- read --ca-file "$tmp/ca.der" "$good"
# a CA file from a pipe (bash's <(...)) is read once, so nothing may look at it first
piped=$(bash -c '"$0" read -f json --ca-file <(cat "$1") "$2"' "$bin" "$src/traces/pki/ca.pem" "$good" 2>&1)
echo "$piped" | grep -q '"ca_file":{"ok":true' ||
  { echo "bad-input: ca-file from a pipe: the chain was not verified"; echo "$piped" | head -3; status=1; }
# the CAs are decoded as chains name them, but a block that cannot be is said now
{ cat "$src/traces/pki/ca.pem"; printf -- '-----BEGIN CERTIFICATE-----\nMIIBkTCB+wIJAK\n-----END CERTIFICATE-----\n'; } >"$tmp/broken.pem"
expect "ca-file: a broken certificate" 3 "broken.pem: PEM block 2 is not a certificate OpenSSL can read" "" -- read --ca-file "$tmp/broken.pem" "$good"
{ cat "$src/traces/pki/ca.pem"; head -c 200 "$src/traces/pki/inter.pem"; } >"$tmp/cut.pem"
expect "ca-file: cut short" 3 "cut.pem: PEM block 2 is not a certificate OpenSSL can read" "" -- read --ca-file "$tmp/cut.pem" "$good"
expect "as-of: not a date" 2 "--as-of takes capture, now or a date" "" -- read --as-of 31/12/2026 "$good"
expect "read: a verdict format" 2 "junit is a verdict format: use 'tlsscope check'" "" -- read --format junit "$good"
expect "check: a report format" 2 "csv is a report format: use 'tlsscope read'" "" -- check --format csv "$good"
expect "unknown rule" 3 "no rule 'no-such-rule'" "" -- rules no-such-rule

# A capture that cannot be read (whole) is an ERROR verdict, in every CI
# format, with the status 3 it exits with; never PASS.
expect "check: cut capture" 3 "cut.pcap: truncated" "^ERROR: .*cut.pcap: truncated" -- check "$tmp/cut.pcap"
if tail -n 1 "$tmp/out" | grep -q '^PASS'; then echo "bad-input: check: a cut capture passed"; status=1; fi
expect "check: not a capture, JSON" 3 "not a capture" '"pass":false,"error":".*not a capture' -- check -f json "$tmp/empty.pcap"
expect "check: cut capture, JUnit" 3 "cut.pcap: truncated" 'name="the capture could be read"' -- check -f junit "$tmp/cut.pcap"

# Options anywhere, as tcpdump and tshark take them ("--" ends them, and
# run needs it before its command); an option refused is one line.
expect "check: -e after the file" 0 "" "^PASS:" -- check "$src/traces/tls13.pcap" -e 'version>=1.3'
"$bin" check "$src/traces/tls12-rsa.pcap" -e ' version >= 1.3 ' >"$tmp/out" 2>&1
[ $? = 1 ] && grep -q '^FAIL: .*expected version >= 1.3' "$tmp/out" ||
  { echo "bad-input: check: spaces around the operator were not read as version >= 1.3"; status=1; }
expect "read: -q after the file" 0 "" "^Summary" -- read "$good" -q
expect "read: -f after the file" 0 "" '"type":"session"' -- read "$good" -f json
one_line() { # NAME STATUS STDERR -- ARGS...: a usage error in exactly one line
  n=$1 w=$2 p=$3
  shift 3
  expect "$n" "$w" "$p" "" "$@"
  [ "$(wc -l <"$tmp/err")" = 1 ] || { echo "bad-input: $n: $(wc -l <"$tmp/err") lines on stderr"; status=1; }
}
one_line "read: unknown long option" 2 "read: unknown option --nope (try 'tlsscope read --help')" -- read --nope "$good"
one_line "read: unknown short option" 2 "read: unknown option -x" -- read -x "$good"
one_line "check: -e without its value" 2 "check: -e needs a value" -- check "$good" -e
one_line "check: --fail-on without its value" 2 "check: --fail-on needs a value" -- check "$good" --fail-on
one_line "live: -j" 2 "live: -j is for capture files" -- live -j 2 -i lo
one_line "live: --jobs" 2 "live: -j is for capture files" -- live -i lo --jobs 2
one_line "run: -j" 2 "run: -j is for capture files" -- run -i lo -j 2 -- true
one_line "run: no -- before the command" 2 "run: no command given" -- run -i lo -e version=1.3 port 1 true
one_line "rules: unknown option" 2 "rules: unknown option -z" -- rules -z
one_line "cipher: an empty name" 2 "cipher: an empty name" -- cipher ''
expect "cipher: OpenSSL name" 0 "" "^name        TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256" -- cipher ECDHE-RSA-AES128-GCM-SHA256
expect "cipher: shows the OpenSSL name" 0 "" "^OpenSSL     ECDHE-RSA-AES256-GCM-SHA384" -- cipher ECDHE_RSA_AES_256_GCM_SHA384
expect "cipher: an MQ list" 0 "" "TLS_AES_256_GCM_SHA384 *TLSv1.3" -- cipher ANY_TLS13_OR_HIGHER
expect "check: an OpenSSL cipher name" 0 "" "^PASS:" -- check "$good" -e cipher=AES256-GCM-SHA384
# A TLS connection picked up after its handshake is TLS whose version was
# not seen, not "no TLS"
python3 -c 'import struct, sys
data = open(sys.argv[1], "rb").read()
out, pos, n = [data[:24]], 24, 0
while pos + 16 <= len(data):
    size = struct.unpack("<I", data[pos + 8:pos + 12])[0]
    n += 1
    if n >= 9:
        out.append(data[pos:pos + 16 + size])
    pos += 16 + size
open(sys.argv[2], "wb").write(b"".join(out))' "$src/traces/tls13.pcap" "$tmp/midstream.pcap"
expect "mid-stream heading" 0 "" "^#1 .*version not seen  partial" -- read --color never "$tmp/midstream.pcap"
# help offers only what the command takes
for cmd in live run tui; do
  if "$bin" "$cmd" --help 2>&1 | grep -q -- '--jobs'; then
    echo "bad-input: $cmd --help offers --jobs, which $cmd refuses"
    status=1
  fi
done
"$bin" read --help | grep -q -- '--jobs' || { echo "bad-input: read --help lost --jobs"; status=1; }

[ $status = 0 ] && echo "bad-input: all cases behave"
exit $status
