#!/usr/bin/env bash
# Regenerate the sample captures in traces/: real OpenSSL s_server/s_client
# handshakes over loopback, captured with tcpdump. Needs root (or
# CAP_NET_RAW) for tcpdump, openssl and python3 (for the STARTTLS peer).
#
#   traces/make-traces.sh            # all scenarios
#   traces/make-traces.sh tls13      # one scenario
#
# The PKI in traces/pki/ is reused when present so certificates stay stable
# between regenerations; delete it to mint a new one. Each capture gets the
# client's key log beside it (NAME.keylog). After regenerating, refresh the
# golden outputs (UPDATE_GOLDEN=1 ctest -L golden) and review the diff.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
pki="$here/pki"
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

need() { command -v "$1" >/dev/null || { echo "make-traces: $1 is required" >&2; exit 1; }; }
need openssl; need tcpdump; need python3

mkpki() {
  [ -f "$pki/ca.pem" ] && return
  mkdir -p "$pki"
  cd "$pki"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 7300 \
    -subj "/C=US/O=tlsscope test/CN=tlsscope test CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
  sign() { # name subject san eku keyopts...
    local name=$1 subj=$2 san=$3 eku=$4; shift 4
    openssl req -new -nodes -keyout "$name.key" -out "$name.csr" -subj "$subj" "$@" 2>/dev/null
    printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=%s\n%s' \
      "$eku" "${san:+subjectAltName=$san}" > "$name.ext"
    openssl x509 -req -in "$name.csr" -CA ca.pem -CAkey ca.key -CAcreateserial \
      -days 3650 -sha256 -extfile "$name.ext" -out "$name.pem" 2>/dev/null
    rm -f "$name.csr" "$name.ext"
  }
  sign server-rsa "/C=US/O=tlsscope test/CN=localhost" "DNS:localhost,IP:127.0.0.1" serverAuth -newkey rsa:2048
  sign server-ecdsa "/C=US/O=tlsscope test/CN=localhost" "DNS:localhost,IP:127.0.0.1" serverAuth \
    -newkey ec -pkeyopt ec_paramgen_curve:P-256
  sign client "/C=US/O=tlsscope test/CN=app-client" "" clientAuth -newkey rsa:2048
  # A self-signed certificate that no test CA vouches for.
  openssl req -x509 -newkey rsa:2048 -nodes -keyout rogue.key -out rogue.pem -days 3650 \
    -subj "/C=US/O=nobody/CN=localhost" 2>/dev/null
  rm -f ca.srl
  cd - >/dev/null
}

port=44300
# capture NAME SERVER_ARGS -- CLIENT_COMMAND...: run one s_server, then the
# client command, with tcpdump on loopback around them.
capture() {
  local name=$1; shift
  local sargs=()
  while [ "$1" != "--" ]; do sargs+=("$1"); shift; done
  shift
  port=$((port + 1))
  local p=${PORT:-$port}
  tcpdump -i lo -s 0 -U -w "$work/$name.pcap" "tcp port $p" 2>"$work/tcpdump.err" &
  local tcpdump_pid=$!
  for _ in $(seq 50); do grep -q "listening on" "$work/tcpdump.err" && break; sleep 0.1; done
  local server_pid=
  if [ ${#sargs[@]} -gt 0 ]; then # no arguments: the client brings its own peer
    openssl s_server -accept "$p" -naccept "${NACCEPT:-1}" -quiet "${sargs[@]}" \
      </dev/null >"$work/server.out" 2>&1 &
    server_pid=$!
    sleep 0.4
  fi
  P=$p "$@" || true
  [ -n "$server_pid" ] && { wait "$server_pid" 2>/dev/null || true; }
  sleep 0.3
  kill -INT "$tcpdump_pid"
  wait "$tcpdump_pid" 2>/dev/null || true
  cp "$work/$name.pcap" "$here/$name.pcap"
  [ -f "$work/$name.keylog" ] && cp "$work/$name.keylog" "$here/$name.keylog"
  echo "made traces/$name.pcap"
}

client() { # NAME ARGS...: one s_client that says hello and quits
  local name=$1; shift
  (sleep 0.3; printf 'hello\n'; sleep 0.3) |
    openssl s_client -connect "127.0.0.1:$P" -keylogfile "$work/$name.keylog" "$@" >/dev/null 2>&1
}

resume_pair() { # NAME ARGS...: a full handshake, then a resumed one
  local name=$1; shift
  client "$name" -sess_out "$work/sess" "$@"
  client "$name" -sess_in "$work/sess" "$@"
}

starttls_smtp() {
  python3 "$here/smtp-peer.py" "$P" "$pki/server-rsa.pem" "$pki/server-rsa.key" &
  local peer=$!
  sleep 0.4
  client "$1" -starttls smtp -name client.example
  wait "$peer" || true
}

scenario() {
  local s=$1
  local rsa=(-cert "$pki/server-rsa.pem" -key "$pki/server-rsa.key")
  local ecdsa=(-cert "$pki/server-ecdsa.pem" -key "$pki/server-ecdsa.key")
  case $s in
  tls12-rsa)
    capture "$s" "${rsa[@]}" -tls1_2 -- client "$s" -tls1_2 -cipher AES256-GCM-SHA384 -servername localhost ;;
  tls12-ecdsa)
    capture "$s" "${ecdsa[@]}" -tls1_2 -- client "$s" -tls1_2 -cipher ECDHE-ECDSA-AES128-GCM-SHA256 -servername localhost ;;
  tls13)
    capture "$s" "${rsa[@]}" -- client "$s" -servername localhost ;;
  tls12-resume)
    NACCEPT=2 capture "$s" "${rsa[@]}" -tls1_2 -- resume_pair "$s" -tls1_2 -servername localhost ;;
  tls13-resume)
    NACCEPT=2 capture "$s" "${rsa[@]}" -- resume_pair "$s" -servername localhost ;;
  tls12-client-cert)
    capture "$s" "${rsa[@]}" -tls1_2 -Verify 1 -CAfile "$pki/ca.pem" -- \
      client "$s" -tls1_2 -cert "$pki/client.pem" -key "$pki/client.key" -servername localhost ;;
  tls13-hrr)
    capture "$s" "${rsa[@]}" -groups P-256 -- client "$s" -groups X25519:P-256 -servername localhost ;;
  tls13-alpn)
    capture "$s" "${ecdsa[@]}" -alpn h2,http/1.1 -- client "$s" -alpn h2,http/1.1 -servername localhost ;;
  tls12-no-shared-cipher)
    capture "$s" "${rsa[@]}" -tls1_2 -cipher ECDHE-RSA-AES256-GCM-SHA384 -- \
      client "$s" -tls1_2 -cipher AES128-SHA -servername localhost ;;
  tls12-unknown-ca)
    capture "$s" -cert "$pki/rogue.pem" -key "$pki/rogue.key" -tls1_2 -- \
      client "$s" -tls1_2 -CAfile "$pki/ca.pem" -verify_return_error -servername localhost ;;
  tls13-unknown-ca)
    capture "$s" -cert "$pki/rogue.pem" -key "$pki/rogue.key" -- \
      client "$s" -CAfile "$pki/ca.pem" -verify_return_error -servername localhost ;;
  mq-channel)
    PORT=1414 capture "$s" "${rsa[@]}" -tls1_2 -- \
      client "$s" -tls1_2 -cipher ECDHE-RSA-AES256-GCM-SHA384 -servername to2e-qmgr12e-svrconn.chl.mq.ibm.com ;;
  smtp-starttls)
    PORT=2525 capture "$s" -- starttls_smtp "$s" ;;
  *)
    echo "make-traces: unknown scenario $s" >&2; exit 2 ;;
  esac
}

mkpki
all=(tls12-rsa tls12-ecdsa tls13 tls12-resume tls13-resume tls12-client-cert tls13-hrr
     tls13-alpn tls12-no-shared-cipher tls12-unknown-ca tls13-unknown-ca mq-channel smtp-starttls)
for s in "${@:-${all[@]}}"; do scenario "$s"; done
