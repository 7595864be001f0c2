#!/bin/sh
# Golden-output test: the text, JSON, CSV and Zeek reports of every capture
# in traces/ must equal tests/golden/NAME.txt, .json with .summary.json
# (laid out by json-golden.py), .csv and .zeek (ssl.log then x509.log,
# without the #open/#close times), and the runs listed in
# tests/golden/variants (other options on the same capture) must equal
# NAME@VARIANT.txt, .json and .summary.json; a variant's leading VAR=VALUE words are set in
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

# The interpreter itself, asked once: a version manager's shim (pyenv) in
# PATH costs a third of a second per start, and JSON runs start it twice.
py=$(python3 -c 'import sys; print(sys.executable)') || py=python3

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# run FMT FILE ARGS...: the report of one run in one format, then its exit status
run() {
  fmt=$1 file=$2
  shift 2
  case $fmt in
  txt) (cd "$src/traces" && env $run_env "$bin" read --color never "$@" "$file" 2>&1; echo "exit $?") ;;
  json) (cd "$src/traces" && env $run_env "$bin" read --format json "$@" "$file" 2>&1; echo "exit $?") ;;
  csv) (cd "$src/traces" && env $run_env "$bin" read --format csv "$@" "$file" 2>&1; echo "exit $?") ;;
  zeek)
    (cd "$src/traces" && env $run_env "$bin" read --format zeek -o "$scratch" "$@" "$file" 2>&1; echo "exit $?")
    grep -hv '^#open\|^#close' "$scratch/ssl.log" "$scratch/x509.log" ;;
  esac
}

# compare GOLDEN GOT: one golden file against what the run gave
compare() {
  want="$golden/$1"
  if [ "${UPDATE_GOLDEN:-}" = 1 ]; then
    printf '%s\n' "$2" > "$want"
    return
  fi
  if [ ! -f "$want" ]; then
    echo "golden: $want is missing (run with UPDATE_GOLDEN=1)"
    status=1
    return
  fi
  if ! printf '%s\n' "$2" | diff -u "$want" - >"/tmp/golden.$$.diff"; then
    echo "golden: $1 differs:"
    head -40 "/tmp/golden.$$.diff" | cut -c1-240
    status=1
  fi
  rm -f "/tmp/golden.$$.diff"
}

# check FILE OUT FORMATS ARGS...: the formats of one run against OUT.FORMAT;
# JSON as OUT.json (the sessions) and OUT.summary.json, laid out by
# json-golden.py so that a new field is a one-line change
check() {
  file=$1 out=$2 formats=$3
  shift 3
  for fmt in $formats; do
    got=$(run "$fmt" "$file" "$@")
    if [ "$fmt" = json ]; then
      printf '%s\n' "$got" | "$py" "$golden/json-golden.py" split "$scratch/sessions" "$scratch/summary"
      compare "$out.json" "$(cat "$scratch/sessions")"
      compare "$out.summary.json" "$(cat "$scratch/summary")"
    else
      compare "$out.$fmt" "$got"
    fi
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
for f in "$golden"/*.txt "$golden"/*.json "$golden"/*.csv "$golden"/*.zeek; do
  out=$(basename "$f")
  out=${out%.summary.json}
  out=${out%.*}
  [ "$f" = "$golden/$out.txt" ] || { [ -f "$golden/$out.txt" ] && continue; }
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
