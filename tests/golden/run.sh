#!/bin/sh
# Golden-output test: the text, JSON, CSV and Zeek reports of every capture
# in traces/ must equal tests/golden/NAME.txt, .json, .csv and .zeek (ssl.log
# then x509.log, without the #open/#close times), and the runs listed in
# tests/golden/variants (other options on the same capture) must equal
# NAME@VARIANT.txt and .json; a variant's leading VAR=VALUE words are set in
# tlsscope's environment (paths relative to traces/). With UPDATE_GOLDEN=1
# the files are rewritten instead; review that diff like code.
#
#   tests/golden/run.sh TLSSCOPE SOURCE_DIR [NAME | --orphans]
#
# NAME: only the trace called NAME and its variants (ctest has one test per
# trace); --orphans: only that every golden file belongs to a trace or a
# variant; neither: all of it.
set -u
unset SSLKEYLOGFILE # the runs name their key logs
unset SSL_CERT_FILE SSL_CERT_DIR # the system's public roots, unless a variant says otherwise
run_env=""
bin=$1
src=$2
only=${3:-}
golden="$src/tests/golden"
status=0

# trace_file NAME: the capture called NAME in traces/ (pcap or pcapng)
trace_file() {
  for ext in pcap pcapng; do
    [ -f "$src/traces/$1.$ext" ] && { echo "$1.$ext"; return 0; }
  done
  return 1
}

zeekdir=$(mktemp -d)
trap 'rm -rf "$zeekdir"' EXIT

# run FMT FILE ARGS...: the report of one run in one format, then its exit status
run() {
  fmt=$1 file=$2
  shift 2
  case $fmt in
  txt) (cd "$src/traces" && env $run_env "$bin" read --color never "$@" "$file" 2>&1; echo "exit $?") ;;
  json) (cd "$src/traces" && env $run_env "$bin" read --format json "$@" "$file" 2>&1; echo "exit $?") ;;
  csv) (cd "$src/traces" && env $run_env "$bin" read --format csv "$@" "$file" 2>&1; echo "exit $?") ;;
  zeek)
    (cd "$src/traces" && env $run_env "$bin" read --format zeek -o "$zeekdir" "$@" "$file" 2>&1; echo "exit $?")
    grep -hv '^#open\|^#close' "$zeekdir/ssl.log" "$zeekdir/x509.log" ;;
  esac
}

# check FILE OUT FORMATS ARGS...: the formats of one run against OUT.FORMAT
check() {
  file=$1 out=$2 formats=$3
  shift 3
  for fmt in $formats; do
    got=$(run "$fmt" "$file" "$@")
    want="$golden/$out.$fmt"
    if [ "${UPDATE_GOLDEN:-}" = 1 ]; then
      printf '%s\n' "$got" > "$want"
      continue
    fi
    if [ ! -f "$want" ]; then
      echo "golden: $want is missing (run with UPDATE_GOLDEN=1)"
      status=1
      continue
    fi
    if ! printf '%s\n' "$got" | diff -u "$want" - >"/tmp/golden.$$.diff"; then
      echo "golden: $out.$fmt differs:"
      head -40 "/tmp/golden.$$.diff" | cut -c1-240
      status=1
    fi
    rm -f "/tmp/golden.$$.diff"
  done
}

for trace in "$src"/traces/*.pcap "$src"/traces/*.pcapng; do
  file=$(basename "$trace")
  [ -z "$only" ] || [ "$only" = "${file%.*}" ] || continue
  check "$file" "${file%.*}" "txt json csv zeek"
done
while read -r name variant args; do
  case $name in ''|'#'*) continue ;; esac
  [ -z "$only" ] || [ "$only" = "$name" ] || continue
  file=$(trace_file "$name") || { echo "golden: variants names a missing trace $name"; status=1; continue; }
  run_env=""
  while :; do
    case $args in [A-Z_]*=*) ;; *) break ;; esac
    run_env="$run_env ${args%% *}"
    case $args in *" "*) args=${args#* } ;; *) args="" ;; esac
  done
  # shellcheck disable=SC2086 # the arguments are words
  check "$file" "$name@$variant" "txt json" $args
  run_env=""
done < "$golden/variants"

# every golden file belongs to a trace or a variant
[ -n "$only" ] && [ "$only" != --orphans ] && { [ $status = 0 ] && echo "golden: $only matches"; exit $status; }
for f in "$golden"/*.txt; do
  out=$(basename "$f" .txt)
  name=${out%@*}
  if [ "$out" = "$name" ]; then
    trace_file "$name" >/dev/null && continue
  elif grep -q "^$name ${out#*@} " "$golden/variants"; then
    continue
  fi
  echo "golden: $f belongs to no trace or variant"
  status=1
done
[ $status = 0 ] && echo "golden: all outputs match"
exit $status
