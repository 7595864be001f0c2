#!/bin/sh
# -j N gives the same output as -j 1, byte for byte, and several files are
# one capture in timestamp order:
#  - every trace in traces/ as one capture, in every format, with -j 1, 2
#    and 3, verified against a CA file (one store for all trackers), and
#    decrypted with all their key logs joined, up to -j 4 (and each
#    capture of the corpus in ../shared when it is there);
#  - a dense capture made by bench/ (real OpenSSL handshakes), with the
#    default and a 1-second idle timeout (idle sweeps on every tracker),
#    and with its first connection held open behind all the others, so
#    that it is reported early (the 4,096 finished sessions held for
#    order), at the same packet whatever the trackers;
#  - a capture of a few long transfers, and the dense one for a CSV of a
#    few fields, which one tracker reads with all of the limits whatever
#    -j says;
#  - a capture cut in two at a point in time, the halves given in reverse
#    order (one gzip-compressed), reads as the whole file did; so do 300
#    rotated parts and 60 parts side by side under a limit of 40 open files;
#  - standard input and a compressed file, read by one thread for all
#    trackers, give the same;
#  - a bad file among good ones is said once, whatever the threads;
#  - the memory -j 2 and check take stays near read's on 20,000 sessions;
#  - the progress line shows on a terminal only.
#
#   tests/jobs.sh TLSSCOPE BENCHGEN SOURCE_DIR
set -u
bin=$(realpath "$1")
gen=$(realpath "$2")
src=$(realpath "$3")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
cd "$src"

# same_output NAME ARGS... - run read with -j 1 and each of $jobs (2 and 3
# unless set) and compare
same_output() {
  name=$1
  shift
  "$bin" read -j 1 "$@" >"$work/j1.out" 2>"$work/j1.err"
  rc1=$?
  for j in ${jobs:-2 3}; do
    "$bin" read -j $j "$@" >"$work/j$j.out" 2>"$work/j$j.err"
    rc=$?
    [ $rc -eq $rc1 ] || fail "$name: -j $j exits $rc, -j 1 exits $rc1"
    cmp -s "$work/j1.out" "$work/j$j.out" ||
      { fail "$name: -j $j output differs from -j 1"; diff "$work/j1.out" "$work/j$j.out" | head -5; }
    cmp -s "$work/j1.err" "$work/j$j.err" || fail "$name: -j $j messages differ from -j 1"
  done
}

checked=0
# one capture of every trace: each session's output in every format
# (a process per trace costs a third of a second under ASan, and the
# sessions are the same)
for f in text json csv; do
  # shellcheck disable=SC2046
  same_output "all traces ($f)" -f "$f" $(ls traces/*.pcap traces/*.pcapng)
  checked=$((checked + 1))
done
# verified against a CA file, whose store the trackers share
# shellcheck disable=SC2046
same_output "all traces against a CA file (json)" -f json --ca-file traces/pki/ca.pem \
  $(ls traces/*.pcap traces/*.pcapng)
verified=$(grep -c '"ca_file":{"ok":true' "$work/j1.out")
[ "$verified" -ge 50 ] || fail "all traces against a CA file: only $verified chains verified"
# decrypting: every trace as one capture with all the key logs joined (the
# trackers decrypt on several threads at once), up to -j 4
cat traces/*.keylog >"$work/all.keylog"
# shellcheck disable=SC2046
jobs="2 3 4" same_output "all traces decrypting (json)" -f json --keylog "$work/all.keylog" \
  $(ls traces/*.pcap traces/*.pcapng)
decrypted=$(grep -c '"decrypted":true' "$work/j1.out")
[ "$decrypted" -ge 60 ] || fail "all traces with all key logs: only $decrypted sessions decrypted"
for j in 1 2; do
  mkdir -p "$work/zeek$j"
  # shellcheck disable=SC2046
  "$bin" read -j $j -f zeek -o "$work/zeek$j" $(ls traces/*.pcap) >/dev/null 2>&1
done
# #open and #close carry the time the log was written
for f in ssl.log x509.log; do
  for j in 1 2; do grep -v '^#open\|^#close' "$work/zeek$j/$f" >"$work/zeek$j/$f.body"; done
  cmp -s "$work/zeek1/$f.body" "$work/zeek2/$f.body" || fail "zeek $f: -j 2 differs from -j 1"
done

corpus="$src/../shared/corpus"
if [ -d "$corpus" ]; then
  for t in "$corpus"/*.pcap "$corpus"/*.pcapng "$corpus"/*.gz; do
    [ -f "$t" ] || continue
    same_output "corpus $(basename "$t")" -f json "$t"
    checked=$((checked + 1))
  done
else
  echo "note: ../shared/corpus is not here; -j checked on traces/ only"
fi

# a dense capture of real handshakes: 20,000 sessions over 5,000 clients,
# made once beside the generator and made again only when it is rebuilt
cache="$(dirname "$gen")/test-cache"
dense="$cache/dense.pcap"
if [ ! -s "$dense" ] || [ "$gen" -nt "$dense" ]; then
  rm -rf "$cache"
  mkdir -p "$cache"
  "$src/bench/gen-pki.sh" "$cache/pki" || fail "bench/gen-pki.sh failed"
  "$gen" --pki "$cache/pki" --out "$cache/making.pcap" --sessions 20000 --unique 2000 2>/dev/null &&
    mv "$cache/making.pcap" "$dense" || fail "tlsscope-benchgen failed"
fi
sessions=$("$bin" read -f json "$dense" | grep -c '"type":"session"')
[ "$sessions" -eq 20000 ] || fail "dense capture: $sessions sessions reported, 20000 made"
same_output "dense capture (json)" -f json "$dense"
# peak COMMAND ARGS... - tlsscope's peak RSS in MB
peak() { /usr/bin/time -f %M -o "$work/peak" "$bin" "$@" >/dev/null 2>&1; echo $(($(tail -1 "$work/peak") / 1024)); }
# AddressSanitizer (make check-sanitize) holds freed memory in quarantine:
# its peaks say nothing about ours (the -j 2 one moved 108 -> 119-131 MB
# from run to run), so memory is checked without it, as in hostile.py
if ldd "$bin" | grep -q libasan; then
  echo "jobs: peak memory not checked under AddressSanitizer"
else
  # two trackers free each finished flow after the meeting that hands its
  # session on: held to the end instead, 20,000 of them took 45 MB more.
  # -j 3 for two trackers: the CSV's findings keep a thread for the rules
  one=$(peak read -j 1 -f csv "$dense")
  two=$(peak read -j 3 -f csv "$dense")
  [ "$two" -le $((one + 20)) ] || fail "dense capture: -j 3 peaks at $two MB, -j 1 at $one MB"
  # check streams its text and JSON verdicts and keeps none (kept, they
  # took 20 MB more here, 230 MB for 200,000 sessions); SARIF keeps only
  # those with something to report (6 MB more here), JUnit all of them
  read_peak=$(peak read -q "$dense")
  for fmt_more in text:8 json:8 sarif:12; do
    fmt=${fmt_more%:*}
    check_peak=$(peak check -f $fmt "$dense")
    [ "$check_peak" -le $((read_peak + ${fmt_more#*:})) ] ||
      fail "dense capture: check -f $fmt peaks at $check_peak MB, read at $read_peak MB"
  done
fi
same_output "dense capture, idle timeout 1 s" -f json --idle-timeout 1 "$dense"

# the first connection never ends and sends a record every 500 packets:
# 20,000 finished sessions pile up behind it, so it is reported early once
# 4,096 wait, and followed no further, at the same packet whatever the
# trackers; how many records it shows says where
python3 - "$dense" "$work/held.pcap" <<'EOF' || fail "cannot make held.pcap"
import struct, sys
data = open(sys.argv[1], "rb").read()
out, off, key, last_data, since = [data[:24]], 24, None, None, 0
def tcp_of(pkt):
    if len(pkt) < 34 or pkt[12:14] != b"\x08\x00" or pkt[23] != 6:
        return None
    t = 14 + (pkt[14] & 15) * 4
    sport, dport, seq = struct.unpack(">HHI", pkt[t:t + 8])
    return (pkt[26:30], sport, pkt[30:34], dport), t, seq, pkt[t + 13], len(pkt) - t - (pkt[t + 12] >> 4) * 4
while off + 16 <= len(data):
    hdr = data[off:off + 16]
    pkt = data[off + 16:off + 16 + struct.unpack("<I", hdr[8:12])[0]]
    off += 16 + len(pkt)
    seg = tcp_of(pkt)
    if seg and key is None and seg[3] == 0x02:
        key = seg[0]
    if seg and key in (seg[0], (seg[0][2], seg[0][3], seg[0][0], seg[0][1])):
        if seg[3] & 0x05:  # its FIN and RST are left out
            continue
        if seg[0] == key and seg[4] > 0:
            last_data = (bytearray(pkt), seg[1], seg[2] + seg[4], seg[4])
    elif last_data and since >= 500:  # its last record again, next in sequence
        copy, t, seq, n = last_data
        copy[t + 4:t + 8] = struct.pack(">I", seq & 0xffffffff)
        out.append(hdr[:8] + struct.pack("<II", len(copy), len(copy)) + bytes(copy))
        last_data, since = (copy, t, seq + n, n), 0
    since += 1
    out.append(hdr + pkt)
open(sys.argv[2], "wb").write(b"".join(out))
EOF
same_output "a connection held open behind 20,000 sessions (json)" -f json "$work/held.pcap"
held=$(head -1 "$work/j1.out" | sed -n 's/.*"c2s":{[^}]*"application_data":\([0-9]*\).*/\1/p')
# reported early: after some of the records added, long before the last
if [ -z "$held" ] || [ "$held" -le 10 ] || [ "$held" -ge 300 ]; then
  fail "held connection: reported with ${held:-no} client records, not early (the window not reached?)"
fi

# a few long transfers: connections seldom begin, so one tracker reads the
# capture whatever -j says (a second would only read every byte again),
# and it has all of the limits: with two, each would hold 2 flows of 4
bulk="$cache/bulk.pcap"
if [ ! -s "$bulk" ]; then
  "$gen" --pki "$cache/pki" --out "$cache/making.pcap" --sessions 12 --bulk-bytes 1000000 2>/dev/null &&
    mv "$cache/making.pcap" "$bulk" || fail "tlsscope-benchgen failed (bulk)"
fi
same_output "few long transfers (csv)" -f csv "$bulk"
jobs="2 3 4" same_output "few long transfers, 4 flows at most (csv)" -f csv --max-flows 4 "$bulk"
jobs="3 4" same_output "few long transfers, 4 flows at most (json)" -f json --max-flows 4 "$bulk"
grep -q evicted "$work/j1.out" || fail "few long transfers, 4 flows at most: nothing was evicted, so nothing was checked"

# a light report (a CSV of a few fields, no findings): a second tracker
# would cost more, reading every byte again and passing each session to
# another thread, than the TCP handshakes it takes over. One tracker
# reads the capture whatever -j says, with all of the limits
jobs="2 3" same_output "dense capture, a light report, 4 flows at most (csv)" \
  -f csv --fields version,cipher,sni --max-flows 4 "$dense"

# what can be read only once (standard input) is read by one thread that
# hands the trackers the packets; the same output again
"$bin" read -j 1 -f json "$dense" >"$work/file.out" 2>&1
for j in 2 3; do
  "$bin" read -j $j -f json - <"$dense" >"$work/stdin.out" 2>&1 || fail "dense from standard input, -j $j: exit $?"
  cmp -s "$work/file.out" "$work/stdin.out" || fail "dense from standard input, -j $j: differs from the file with -j 1"
done
# a compressed file is inflated once, by one thread for all trackers,
# which takes a tracker's place (so a CSV of a few fields runs one tracker
# with -j 2, two with -j 3)
gzip -1 -c "$dense" >"$work/dense.pcap.gz"
same_output "dense capture, gzip-compressed (json)" -f json "$work/dense.pcap.gz"
same_output "dense capture, gzip-compressed (csv)" -f csv --fields version,cipher,sni,ja4 "$work/dense.pcap.gz"
rm -f "$work/dense.pcap.gz"
# every tracker reads the files: a file that is not a capture, or ends in
# the middle of a packet, is still said once, as with -j 1
printf 'not a capture file, but a regular one\n' >"$work/not-a-capture.pcap"
head -c 5000 traces/tls13.pcap >"$work/cut.pcap"
same_output "a file that is not a capture, and one cut short (json)" -f json traces/burst.pcap \
  "$work/not-a-capture.pcap" "$work/cut.pcap"
grep -c "not-a-capture.pcap" "$work/j2.err" | grep -qx 1 || fail "the bad file is not said once: $(cat "$work/j2.err")"

# the progress line: on a terminal (script gives one) for a file of 64 MB
# or more, erased at the end; nothing when stderr is not a terminal
if command -v script >/dev/null 2>&1; then
  script -qc "'$bin' read -q '$dense' >/dev/null" /dev/null >"$work/tty.out" 2>&1
  grep -q "reading 0 of [0-9]* MB (0%), 0 sessions" "$work/tty.out" ||
    fail "progress: no progress line on a terminal: $(head -c 300 "$work/tty.out")"
  tr '\r' '\n' <"$work/tty.out" | tail -1 | grep -q "reading" && fail "progress: the line is left behind"
  script -qc "'$bin' read -j 2 -q '$dense' >/dev/null" /dev/null >"$work/tty2.out" 2>&1
  grep -q "reading 0 of [0-9]* MB (0%), 0 sessions" "$work/tty2.out" ||
    fail "progress, -j 2: no progress line on a terminal: $(head -c 300 "$work/tty2.out")"
else
  echo "note: script(1) is missing; the progress line is not checked"
fi
"$bin" read -q "$dense" 2>"$work/quiet.err" >/dev/null
[ -s "$work/quiet.err" ] && fail "progress: printed when stderr is a file: $(head -c 200 "$work/quiet.err")"

# rotated files: cut at the middle packet, named in reverse order
split="$src/tests/tools/split_pcap.py"
python3 "$split" traces/burst.pcap "$work/halves" rotated 2 || fail "cannot split burst.pcap"
mv "$work/halves/part000.pcap" "$work/part1.pcap"
mv "$work/halves/part001.pcap" "$work/part2.pcap"
gzip "$work/part2.pcap"
"$bin" read -f json traces/burst.pcap >"$work/whole.json"
"$bin" read -f json "$work/part2.pcap.gz" "$work/part1.pcap" >"$work/parts.json"
cmp -s "$work/whole.json" "$work/parts.json" ||
  { fail "rotated files given in reverse order do not read as the whole capture"; diff "$work/whole.json" "$work/parts.json" | head -5; }
"$bin" read -j 2 -f json "$work/part2.pcap.gz" "$work/part1.pcap" >"$work/parts2.json"
cmp -s "$work/whole.json" "$work/parts2.json" || fail "rotated files with -j 2 differ from the whole capture"

# Many files: rotated ones are opened one at a time, and files captured
# side by side only as many at once as the descriptors allow, the others
# set aside and opened again where they stopped. Under a limit of 40
# descriptors, 300 rotated parts of the dense capture, and 60 parts taking
# turns every 500 packets, read as the whole file did (past the limit,
# both were refused with "Too many open files").
{ python3 "$split" "$dense" "$work/many/rotated" rotated 300 &&
  python3 "$split" "$dense" "$work/many/side-by-side" turns 60 500; } || fail "cannot split the dense capture"
"$bin" read -f json "$dense" >"$work/dense-whole.json"
for kind in rotated side-by-side; do
  for j in 1 2; do
    (ulimit -n 40 && "$bin" read -j $j -f json "$work/many/$kind"/*.pcap >"$work/many.json" 2>"$work/many.err")
    rc=$?
    [ $rc -eq 0 ] || fail "$kind files, -j $j, 40 descriptors: exit $rc: $(head -c 300 "$work/many.err")"
    cmp -s "$work/dense-whole.json" "$work/many.json" ||
      { fail "$kind files, -j $j, 40 descriptors: not read as the whole capture"; diff "$work/dense-whole.json" "$work/many.json" | head -5; }
  done
done
rm -rf "$work/many" "$work/dense-whole.json" "$work/many.json"

# packets only some trackers decode are counted once: cut by the snaplen
# (placed from their headers, counted by their own tracker), undecodable
# and fragments (decoded by every tracker, counted by the first)
python3 - "$src/traces/burst.pcap" "$work/odd.pcap" <<'EOF' || fail "cannot make odd.pcap"
import struct, sys
data = open(sys.argv[1], "rb").read()
out, off, last = [data[:24]], 24, 0
def rec(ts, pkt, orig=None):
    out.append(struct.pack("<IIII", ts, 0, len(pkt), orig or len(pkt)) + pkt)
while off + 16 <= len(data):
    sec, usec, incl, orig = struct.unpack("<IIII", data[off:off + 16])
    pkt = data[off + 16:off + 16 + incl]
    out.append(data[off:off + 16 + incl])
    if len(pkt) > 100:
        rec(sec, pkt[:70], len(pkt))  # cut after the TCP header
    last, off = sec, off + 16 + incl
eth = b"\x02" * 12 + b"\x08\x00"
rec(last + 1, eth + b"\x35" + b"\x00" * 40)  # IP version 3
# the first fragment of a datagram never completed
ip = b"\x45\x00\x00\x30\x12\x34\x20\x00\x40\x06\x00\x00" + bytes([10, 9, 9, 1, 10, 9, 9, 2]) + b"\x00" * 28
rec(last + 1, eth + ip)
open(sys.argv[2], "wb").write(b"".join(out))
EOF
jobs="2 3 4" same_output "cut, undecodable and fragmented packets (json)" -f json "$work/odd.pcap"
summary=$(grep '"type":"summary"' "$work/j1.out")
echo "$summary" | grep -q '"undecodable_packets":1,' || fail "odd.pcap: the undecodable packet is not counted once: $summary"
echo "$summary" | grep -q '"packets_cut_by_snaplen":[1-9]' || fail "odd.pcap: no packet counted as cut: $summary"

# -j takes a number of threads
"$bin" read -j 0 traces/tls13.pcap >/dev/null 2>"$work/err"
[ $? -eq 2 ] || fail "-j 0 is not a usage error"
grep -q "^tlsscope: -j takes a number of threads" "$work/err" || fail "-j 0: $(cat "$work/err")"

if [ $failures -gt 0 ]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "ok: -j 1/2/3 identical on $checked runs (traces in 3 formats, corpus captures)," \
  "all traces with all key logs ($decrypted sessions decrypted, also -j 4) and 20,000 generated sessions;" \
  "rotated files merge, 300 of them and 60 side by side under 40 descriptors"
