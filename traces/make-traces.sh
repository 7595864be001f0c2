#!/usr/bin/env bash
# Regenerate the sample captures in traces/: real OpenSSL s_server/s_client
# handshakes over loopback, captured with tcpdump. Needs root (or
# CAP_NET_RAW) for tcpdump, openssl, python3 (for the STARTTLS and MQ
# peers) and editcap (Wireshark's, to put a key log into a pcapng); the
# DTLS scenario with GnuTLS needs gnutls-bin, the QUIC ones the generator
# the build makes (build/quic-gen, or QUIC_GEN=path); the
# lossy-handshake scenario also needs unshare, ip and nft (nftables), and
# CAP_NET_ADMIN, to drop segments in a network namespace of its own.
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
need openssl; need tcpdump; need python3; need editcap
# QUIC scenarios use the generator the test build makes; DTLS ones GnuTLS too
QUIC_GEN=${QUIC_GEN:-$here/../build/quic-gen}

# Files in traces/pki/ are made only when missing, so certificates stay
# stable between regenerations (the expiring one is remade when its end
# date leaves the 3..30 day window).
mkpki() {
  mkdir -p "$pki"
  cd "$pki"
  [ -f ca.pem ] || openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 7300 \
    -subj "/C=US/O=tlsscope test/CN=tlsscope test CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
  sign() { # name subject san eku keyusage keyopts...
    local name=$1 subj=$2 san=$3 eku=$4 ku=$5; shift 5
    [ -f "$name.pem" ] && return
    openssl req -new -nodes -keyout "$name.key" -out "$name.csr" -subj "$subj" "$@" 2>/dev/null
    printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,%s\nextendedKeyUsage=%s\n%s' \
      "$ku" "$eku" "${san:+subjectAltName=$san}" > "$name.ext"
    openssl x509 -req -in "$name.csr" -CA ca.pem -CAkey ca.key -CAcreateserial \
      -days 3650 -sha256 -extfile "$name.ext" -out "$name.pem" 2>/dev/null
    rm -f "$name.csr" "$name.ext" ca.srl
  }
  local both=digitalSignature,keyEncipherment san="DNS:localhost,IP:127.0.0.1"
  sign server-rsa "/C=US/O=tlsscope test/CN=localhost" "$san" serverAuth $both -newkey rsa:2048
  sign server-ecdsa "/C=US/O=tlsscope test/CN=localhost" "$san" serverAuth $both \
    -newkey ec -pkeyopt ec_paramgen_curve:P-256
  sign client "/C=US/O=tlsscope test/CN=app-client" "" clientAuth $both -newkey rsa:2048
  if [ ! -f proxy.pem ]; then # an RFC 3820 proxy certificate the client issues itself, for 12 hours
    openssl req -new -nodes -newkey rsa:2048 -keyout proxy.key -out proxy.csr \
      -subj "/C=US/O=tlsscope test/CN=app-client/CN=1001" 2>/dev/null
    printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nproxyCertInfo=critical,language:id-ppl-inheritAll\n' \
      > proxy.ext
    openssl x509 -req -in proxy.csr -CA client.pem -CAkey client.key -set_serial 1001 -days 1 -sha256 \
      -extfile proxy.ext -out proxy.pem 2>/dev/null
    rm -f proxy.csr proxy.ext
  fi
  sign server-rsa1024 "/C=US/O=tlsscope test/CN=localhost" "$san" serverAuth $both -newkey rsa:1024
  sign server-name-only "/C=US/O=tlsscope test/CN=localhost" "DNS:localhost" serverAuth $both -newkey rsa:2048
  sign server-ec224 "/C=US/O=tlsscope test/CN=localhost" "$san" serverAuth digitalSignature \
    -newkey ec -pkeyopt ec_paramgen_curve:P-224
  sign server-ed25519 "/C=US/O=tlsscope test/CN=localhost" "$san" serverAuth digitalSignature -newkey ed25519
  sign server-rsa-pss "/C=US/O=tlsscope test/CN=localhost" "$san" serverAuth digitalSignature -newkey rsa-pss \
    -pkeyopt rsa_keygen_bits:2048
  sign server-idn "/C=US/O=tlsscope test/CN=xn--bcher-kva.example" "DNS:xn--bcher-kva.example" serverAuth $both \
    -newkey rsa:2048
  sign server-dsa "/C=US/O=tlsscope test/CN=localhost" "$san" serverAuth digitalSignature \
    -newkey dsa:<(openssl dsaparam 2048 2>/dev/null)
  if [ ! -f server-sha1.pem ]; then # the CA signs with SHA-1
    openssl req -new -nodes -newkey rsa:2048 -keyout server-sha1.key -out server-sha1.csr \
      -subj "/C=US/O=tlsscope test/CN=localhost" 2>/dev/null
    printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,%s\nextendedKeyUsage=serverAuth\nsubjectAltName=%s\n' \
      "$both" "$san" > server-sha1.ext
    openssl x509 -req -in server-sha1.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 3650 -sha1 \
      -extfile server-sha1.ext -out server-sha1.pem 2>/dev/null
    rm -f server-sha1.csr server-sha1.ext ca.srl
  fi
  # The NUL-prefix trick: names that read "www.example.com" as C strings.
  # OpenSSL's configuration cannot spell a NUL, so the extensions are
  # given as DER (traces/nul-names.py writes them).
  if [ ! -f server-nul.pem ]; then
    openssl req -new -nodes -newkey rsa:2048 -keyout server-nul.key -out server-nul.csr \
      -subj "/C=US/O=tlsscope test/CN=www.example.com" 2>/dev/null
    { printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,%s\nextendedKeyUsage=serverAuth\n' "$both"
      python3 "$here/nul-names.py"; } > server-nul.ext
    openssl x509 -req -in server-nul.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 3650 -sha256 \
      -extfile server-nul.ext -out server-nul.pem 2>/dev/null
    rm -f server-nul.csr server-nul.ext ca.srl
  fi
  # made for a client: no serverAuth, and no keyEncipherment for RSA key exchange
  sign server-wrong-usage "/C=US/O=tlsscope test/CN=localhost" "$san" clientAuth digitalSignature -newkey rsa:2048
  # A self-signed certificate that no test CA vouches for.
  [ -f rogue.pem ] || openssl req -x509 -newkey rsa:2048 -nodes -keyout rogue.key -out rogue.pem -days 3650 \
    -subj "/C=US/O=nobody/CN=localhost" 2>/dev/null
  # An intermediate CA and a leaf it issued that names an OCSP responder.
  if [ ! -f inter.pem ]; then
    openssl req -new -newkey rsa:2048 -nodes -keyout inter.key -out inter.csr \
      -subj "/C=US/O=tlsscope test/CN=tlsscope test intermediate" 2>/dev/null
    printf 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n' > inter.ext
    openssl x509 -req -in inter.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 7000 -sha256 \
      -extfile inter.ext -out inter.pem 2>/dev/null
    rm -f inter.csr inter.ext ca.srl
  fi
  # Certificates with chosen dates come from `openssl ca`, which also keeps
  # the index the OCSP responder answers from.
  mkdir -p cadb
  [ -f cadb/index.txt ] || { : > cadb/index.txt; echo 1000 > cadb/serial; }
  cat > cadb/ca.cnf <<CNF
[ca]
default_ca = test
[test]
dir = $pki/cadb
database = \$dir/index.txt
serial = \$dir/serial
new_certs_dir = \$dir
certificate = $pki/CAFILE
private_key = $pki/CAKEY
default_md = sha256
policy = any
unique_subject = no
copy_extensions = copy
[any]
commonName = supplied
organizationName = optional
countryName = optional
[leaf]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost,IP:127.0.0.1
[leaf_ocsp]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost,IP:127.0.0.1
authorityInfoAccess = OCSP;URI:http://127.0.0.1:44380
CNF
  dated() { # name issuer startdate enddate section
    local name=$1 issuer=$2 start=$3 end=$4 section=$5
    openssl req -new -newkey rsa:2048 -nodes -keyout "$name.key" -out "$name.csr" \
      -subj "/C=US/O=tlsscope test/CN=localhost" 2>/dev/null
    sed "s|CAFILE|$issuer.pem|; s|CAKEY|$issuer.key|" cadb/ca.cnf > cadb/use.cnf
    openssl ca -batch -config cadb/use.cnf -extensions "$section" -startdate "$start" -enddate "$end" \
      -in "$name.csr" -out "$name.pem" -notext 2>/dev/null
    rm -f "$name.csr"
  }
  [ -f expired.pem ] || dated expired ca 20200101000000Z 20210101000000Z leaf
  [ -f not-yet-valid.pem ] || dated not-yet-valid ca 20400101000000Z 20410101000000Z leaf
  if [ ! -f expiring.pem ] || openssl x509 -in expiring.pem -noout -checkend $((30 * 86400)) >/dev/null ||
     ! openssl x509 -in expiring.pem -noout -checkend $((3 * 86400)) >/dev/null; then
    dated expiring ca "$(date -u -d '-1 day' +%Y%m%d%H%M%SZ)" "$(date -u -d '+12 days' +%Y%m%d%H%M%SZ)" leaf
  fi
  [ -f ocsp-leaf.pem ] || dated ocsp-leaf inter 20250101000000Z 20350101000000Z leaf_ocsp
  [ -f dh1024.pem ] || openssl dhparam -out dh1024.pem 1024 2>/dev/null
  # A root that stands in for a public CA (tests point SSL_CERT_FILE at it)
  # and a leaf it issued in 2025 for five years, when public CAs could issue
  # for at most 398 days.
  [ -f public-root.pem ] || openssl req -x509 -newkey rsa:2048 -nodes -keyout public-root.key \
    -out public-root.pem -days 7300 -subj "/C=US/O=tlsscope test/CN=tlsscope stand-in public root" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
  [ -f long-validity.pem ] || dated long-validity public-root 20250101000000Z 20300101000000Z leaf
  cd - >/dev/null
}

# Each scenario keeps its own port (44301 + its place in the list below),
# so regenerating one trace gives the same addresses as a full run.
scenario_port() {
  local i=1
  for n in "${all[@]}"; do [ "$n" = "$1" ] && break; i=$((i + 1)); done
  echo $((44300 + i))
}

# capture NAME SERVER_ARGS -- CLIENT_COMMAND...: run one s_server, then the
# client command, with tcpdump on loopback around them.
capture() {
  local name=$1; shift
  local sargs=()
  while [ "$1" != "--" ]; do sargs+=("$1"); shift; done
  shift
  local p=${PORT:-$(scenario_port "$name")}
  # FILTER: another capture filter, e.g. one direction only
  tcpdump -i lo -s 0 -U --immediate-mode -w "$work/$name.pcap" "${FILTER:-tcp port $p${EXTRA_PORT:+ or tcp port $EXTRA_PORT}}" \
    2>"$work/tcpdump.err" &
  local tcpdump_pid=$!
  for _ in $(seq 50); do grep -q "listening on" "$work/tcpdump.err" && break; sleep 0.1; done
  local server_pid=
  if [ ${#sargs[@]} -gt 0 ]; then # no arguments: the client brings its own peer
    # s_server ends a connection when its stdin ends: HOLD keeps it open
    # SERVER_CONF: an OpenSSL configuration file for the server alone
    sleep "${HOLD:-0}" | env ${SERVER_CONF:+OPENSSL_CONF="$SERVER_CONF"} \
      openssl s_server -accept "$p" -naccept "${NACCEPT:-1}" -quiet "${sargs[@]}" >"$work/server.out" 2>&1 &
    server_pid=$!
    sleep 0.4
  fi
  P=$p "$@" || true
  [ -n "$server_pid" ] && { wait "$server_pid" 2>/dev/null || true; }
  sleep 0.3
  kill -INT "$tcpdump_pid"
  wait "$tcpdump_pid" 2>/dev/null || true
  [ -n "${DEBUG:-}" ] && cat "$work/tcpdump.err" >&2
  cp "$work/$name.pcap" "$here/$name.pcap"
  [ -f "$work/$name.keylog" ] && cp "$work/$name.keylog" "$here/$name.keylog"
  echo "made traces/$name.pcap"
}

client() { # NAME ARGS...: one s_client that says hello and quits
  local name=$1; shift
  (sleep 0.3; printf 'hello\n'; sleep 0.3) |
    openssl s_client -connect "127.0.0.1:$P" -keylogfile "$work/$name.keylog" "$@" >/dev/null 2>&1
}

late_client() { # NAME ARGS...: a client that speaks after a slow handshake has had time to end
  local name=$1; shift
  (sleep 1.5; printf 'hello\n'; sleep 0.3) |
    openssl s_client -connect "127.0.0.1:$P" -keylogfile "$work/$name.keylog" "$@" >/dev/null 2>&1
}

resume_pair() { # NAME ARGS...: a full handshake, then a resumed one
  local name=$1; shift
  client "$name" -sess_out "$work/sess" "$@"
  client "$name" -sess_in "$work/sess" "$@"
}

burst() { # NAME N ARGS...: N fresh clients, none resuming
  local name=$1 n=$2; shift 2
  for _ in $(seq "$n"); do client "$name" "$@"; done
}

key_type_pair() { # an ECDSA-only client refused, then an RSA one served
  client "$1" -tls1_2 -cipher ECDHE-ECDSA-AES128-GCM-SHA256 -servername localhost
  client "$1" -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256 -servername localhost
}

mq_peer() { # NAME MODE [ARGS...] -- CLIENT...: a python MQ peer as server
  local name=$1 mode=$2; shift 2
  local args=()
  while [ "$1" != "--" ]; do args+=("$1"); shift; done
  shift
  python3 "$here/mq-peer.py" "$mode" "$P" "${args[@]}" &
  local peer=$!
  sleep 0.5
  "$@"
  wait "$peer" || true
}

reconnecting_client() { # NAME: 40 KB per connection, closed by the client, the next at once; three times
  python3 -c 'import socket, ssl, sys
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
ctx.maximum_version = ssl.TLSVersion.TLSv1_2
ctx.keylog_filename = sys.argv[2]
for _ in range(3):
    with socket.create_connection(("127.0.0.1", int(sys.argv[1]))) as raw:
        with ctx.wrap_socket(raw, server_hostname="app2e-svrconn.chl.mq.ibm.com") as tls:
            tls.sendall(b"x" * 40000)' "$P" "$work/$1.keylog"
}
quiet_connections() { # a client that connects and closes without a byte, retrying at uneven intervals
  python3 -c 'import socket, sys, time
for wait in (0.3, 0.7, 0.4, 0):
    socket.create_connection(("127.0.0.1", int(sys.argv[1]))).close()
    time.sleep(wait)' "$P"
}
mq_two_channels() { # NAME: a client per channel, each with the CipherSpec of its certificate
  client "$1" -tls1_2 -cipher ECDHE-RSA-AES256-GCM-SHA384 -servername app2e-svrconn.chl.mq.ibm.com
  client "$1" -tls1_2 -cipher ECDHE-ECDSA-AES256-GCM-SHA384 -servername to2e-qmgr12e-svrconn.chl.mq.ibm.com
}
mq_plain_client() { python3 "$here/mq-peer.py" client-plain "$P"; }

ocsp_stapling() { # the server asks the responder named in its certificate
  openssl ocsp -index "$pki/cadb/index.txt" -port "$EXTRA_PORT" -rsigner "$pki/inter.pem" \
    -rkey "$pki/inter.key" -CA "$pki/inter.pem" -nrequest 1 >/dev/null 2>&1 &
  local responder=$!
  sleep 0.5
  client "$1" -tls1_2 -status -servername app2e-svrconn.chl.mq.ibm.com
  kill "$responder" 2>/dev/null || true
}

ocsp_sct() { # TLS 1.3: the OCSP response and SCTs travel in the leaf's CertificateEntry
  openssl ocsp -index "$pki/cadb/index.txt" -port "$EXTRA_PORT" -rsigner "$pki/inter.pem" \
    -rkey "$pki/inter.key" -CA "$pki/inter.pem" -nrequest 1 >/dev/null 2>&1 &
  local responder=$!
  sleep 0.5
  printf 'enabled_logs =\n' > "$work/ct-logs.cnf" # the SCTs are made up: no log to check them against
  client "$1" -status -ct -ctlogfile "$work/ct-logs.cnf" -servername localhost
  kill "$responder" 2>/dev/null || true
}

say() { # NAME ARGS... -- LINES...: one s_client that sends each line, a moment apart
  local name=$1; shift
  local args=()
  while [ "$1" != "--" ]; do args+=("$1"); shift; done
  shift
  local lines=("$@")
  (sleep 0.3; for l in "${lines[@]}"; do printf '%s\n' "$l"; sleep 0.3; done) |
    openssl s_client -connect "127.0.0.1:$P" -keylogfile "$work/$name.keylog" \
      -servername localhost "${args[@]}" >/dev/null 2>&1
}

early_data() { # a full handshake, then a resumption with 0-RTT data
  client "$1" -sess_out "$work/sess" -servername localhost
  printf 'early hello\n' > "$work/early.txt"
  client "$1" -sess_in "$work/sess" -early_data "$work/early.txt" -servername localhost
}

hello_peer() { python3 "$here/hello-peer.py" "$1" "$P"; }

deflate_server() { # a hand-built server picks DEFLATE; the OpenSSL client refuses it
  python3 "$here/hello-peer.py" server-deflate "$P" &
  local peer=$!
  sleep 0.4
  client "$1" -tls1_2 -servername localhost
  wait "$peer" || true
}

silent_client() { # Python's OpenSSL client, which hangs up on a chain it does not trust
  python3 "$here/hello-peer.py" client-silent-close "$P" "$pki/public-root.pem"
}

silent_server() { # a server that reads the ClientHello and hangs up; a real client
  python3 "$here/hello-peer.py" server-silent-close "$P" &
  local peer=$!
  sleep 0.4
  client "$1" -servername localhost
  wait "$peer" || true
}

http_server() { # TLS to a real (plaintext) HTTP server
  python3 -m http.server --bind 127.0.0.1 "$P" >/dev/null 2>&1 &
  local server=$!
  sleep 0.8
  client "$1" -servername localhost
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
}

connect_proxy() { # NAME: s_client through an HTTP CONNECT proxy on 127.0.0.2, asking for localhost
  python3 "$here/connect-proxy.py" 127.0.0.2 "$EXTRA_PORT" &
  local proxy=$!
  sleep 1
  (sleep 0.5; printf 'hello\n'; sleep 0.3) |
    openssl s_client -proxy "127.0.0.2:$EXTRA_PORT" -connect "localhost:$P" -noservername -tls1_2 \
      -keylogfile "$work/$1.keylog" >/dev/null 2>&1
  wait "$proxy" || true
}

dtls_client() { # NAME ARGS...: an s_client over DTLS that says hello and quits
  local name=$1; shift
  (sleep 0.4; printf 'hello\n'; sleep 0.4) |
    timeout 10 openssl s_client -connect "127.0.0.1:$P" -keylogfile "$work/$name.keylog" "$@" >/dev/null 2>&1
}

gnutls_dtls() { # NAME: GnuTLS's own DTLS 1.2 server and client
  local name=$1
  need gnutls-serv; need gnutls-cli # Debian: gnutls-bin
  gnutls-serv --udp -p "$P" --x509certfile "$pki/server-ecdsa.pem" --x509keyfile "$pki/server-ecdsa.key" \
    >"$work/gnutls-serv.out" 2>&1 &
  local srv=$!
  sleep 0.5
  (sleep 0.4; printf 'hello\n'; sleep 0.4) |
    SSLKEYLOGFILE="$work/$name.keylog" timeout 10 gnutls-cli --udp -p "$P" --x509cafile "$pki/ca.pem" \
      --priority 'NORMAL:-VERS-ALL:+VERS-DTLS1.2' localhost >/dev/null 2>&1 || true
  kill "$srv" 2>/dev/null || true
  wait "$srv" 2>/dev/null || true
}

quic_gen() { # NAME ARGS...: a QUIC connection built around a real OpenSSL handshake (quic-gen.c)
  local name=$1; shift
  [ -x "$QUIC_GEN" ] || { echo "make-traces: build the quic-gen tool first (cmake --build build --target quic-gen)" >&2; exit 1; }
  "$QUIC_GEN" --pki "$pki" --keylog "$here/$name.keylog" "$@" "$here/$name.pcap"
  echo "made traces/$name.pcap"
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
  # ---- one or more rules each (docs/rules.md) ----
  cert-rsa1024)
    capture "$s" -cert "$pki/server-rsa1024.pem" -key "$pki/server-rsa1024.key" -tls1_2 -cipher 'DEFAULT:@SECLEVEL=0' -- \
      client "$s" -tls1_2 -cipher 'DEFAULT:@SECLEVEL=0' -servername localhost ;;
  cert-expired | cert-not-yet-valid | cert-expiring) # TLS 1.2: certificates in clear
    local name=${s#cert-}
    capture "$s" -cert "$pki/$name.pem" -key "$pki/$name.key" -tls1_2 -- client "$s" -tls1_2 -servername localhost ;;
  cert-wrong-usage)
    capture "$s" -cert "$pki/server-wrong-usage.pem" -key "$pki/server-wrong-usage.key" -tls1_2 -- \
      client "$s" -tls1_2 -cipher AES256-GCM-SHA384 -servername localhost ;;
  cert-name-mismatch)
    capture "$s" "${rsa[@]}" -tls1_2 -- client "$s" -tls1_2 -servername wrong.example.com ;;
  cert-ip-not-in-san)
    capture "$s" -cert "$pki/server-name-only.pem" -key "$pki/server-name-only.key" -tls1_2 -- \
      client "$s" -tls1_2 -noservername ;;
  chain-incomplete)
    capture "$s" -cert "$pki/ocsp-leaf.pem" -key "$pki/ocsp-leaf.key" -tls1_2 -- \
      client "$s" -tls1_2 -servername localhost ;;
  chain-order)
    cat "$pki/ca.pem" "$pki/inter.pem" > "$work/root-first.pem"
    capture "$s" -cert "$pki/ocsp-leaf.pem" -key "$pki/ocsp-leaf.key" -cert_chain "$work/root-first.pem" -tls1_2 -- \
      client "$s" -tls1_2 -servername localhost ;;
  cert-ec224)
    capture "$s" -cert "$pki/server-ec224.pem" -key "$pki/server-ec224.key" -tls1_2 -- \
      client "$s" -tls1_2 -groups X25519:P-224 -servername localhost ;;
  cert-dsa)
    capture "$s" -cert "$pki/server-dsa.pem" -key "$pki/server-dsa.key" -tls1_2 -cipher 'DHE-DSS-AES128-GCM-SHA256:@SECLEVEL=0' -- \
      client "$s" -tls1_2 -cipher 'DHE-DSS-AES128-GCM-SHA256:@SECLEVEL=0' -sigalgs 'DSA+SHA256:RSA+SHA256' -servername localhost ;;
  cert-sha1)
    capture "$s" -cert "$pki/server-sha1.pem" -key "$pki/server-sha1.key" -tls1_2 -cipher 'DEFAULT:@SECLEVEL=0' -- \
      client "$s" -tls1_2 -cipher 'DEFAULT:@SECLEVEL=0' -servername localhost ;;
  null-cipher)
    capture "$s" "${rsa[@]}" -tls1_2 -cipher 'NULL-SHA256:@SECLEVEL=0' -- \
      client "$s" -tls1_2 -cipher 'ECDHE-RSA-AES128-GCM-SHA256:NULL-SHA256:@SECLEVEL=0' -servername localhost ;;
  sigalgs-not-offered)
    capture "$s" "${rsa[@]}" -tls1_2 -- \
      client "$s" -tls1_2 -sigalgs 'rsa_pss_rsae_sha256:ecdsa_secp256r1_sha256' -servername localhost ;;
  # ---- decryption with the key logs (docs/decryption.md) ----
  tls13-aes128gcm | tls13-chacha20 | tls13-aes128ccm | tls13-aes128ccm8)
    local suite
    case $s in
    tls13-aes128gcm) suite=TLS_AES_128_GCM_SHA256 ;;
    tls13-chacha20) suite=TLS_CHACHA20_POLY1305_SHA256 ;;
    tls13-aes128ccm) suite=TLS_AES_128_CCM_SHA256 ;;
    tls13-aes128ccm8) suite=TLS_AES_128_CCM_8_SHA256 ;;
    esac
    capture "$s" "${rsa[@]}" -ciphersuites "$suite" -- client "$s" -ciphersuites "$suite" -servername localhost ;;
  tls13-client-cert)
    capture "$s" "${rsa[@]}" -Verify 1 -CAfile "$pki/ca.pem" -- \
      client "$s" -cert "$pki/client.pem" -key "$pki/client.key" -servername localhost ;;
  tls13-client-cert-rejected) # the server's alert is sent under its traffic keys
    capture "$s" "${rsa[@]}" -Verify 1 -verify_return_error -CAfile "$pki/ca.pem" -- \
      client "$s" -cert "$pki/rogue.pem" -key "$pki/rogue.key" -servername localhost ;;
  tls13-key-update) # 'K': a KeyUpdate asking the server to update too
    HOLD=3 capture "$s" "${rsa[@]}" -- say "$s" -- hello K "after the update" ;;
  tls13-early-data)
    NACCEPT=2 capture "$s" "${rsa[@]}" -early_data -- early_data "$s" ;;
  tls12-chacha20)
    capture "$s" "${rsa[@]}" -tls1_2 -- client "$s" -tls1_2 -cipher ECDHE-RSA-CHACHA20-POLY1305 -servername localhost ;;
  tls12-ccm8 | tls12-aria | tls12-camellia)
    local suite
    case $s in
    tls12-ccm8) suite=AES128-CCM8 ;;
    tls12-aria) suite=ECDHE-ARIA256-GCM-SHA384 ;;
    tls12-camellia) suite=CAMELLIA256-SHA256 ;;
    esac
    HOLD=2 capture "$s" "${rsa[@]}" -tls1_2 -cipher "$suite" -- say "$s" -tls1_2 -cipher "$suite" -- hello ;;
  tls12-cbc-sha256) # encrypt-then-MAC, OpenSSL's default for CBC
    capture "$s" "${rsa[@]}" -tls1_2 -- client "$s" -tls1_2 -cipher ECDHE-RSA-AES256-SHA384 -servername localhost ;;
  tls12-cbc-no-etm) # MAC-then-encrypt
    capture "$s" "${rsa[@]}" -tls1_2 -no_etm -- client "$s" -tls1_2 -cipher AES128-SHA256 -servername localhost ;;
  tls12-renegotiation) # 'R': the client renegotiates inside the encrypted connection
    HOLD=3 capture "$s" "${rsa[@]}" -tls1_2 -client_renegotiation -- say "$s" -tls1_2 -- hello R "after the renegotiation" ;;
  tls13-dsb) # the key log inside the capture, in a pcapng Decryption Secrets Block
    capture "$s" "${rsa[@]}" -- client "$s" -servername localhost
    editcap --inject-secrets "tls,$here/$s.keylog" "$here/$s.pcap" "$here/$s.pcapng"
    rm -f "$here/$s.pcap" "$here/$s.keylog"
    echo "made traces/$s.pcapng" ;;
  tls13-vs-tls12)
    capture "$s" "${rsa[@]}" -tls1_2 -- client "$s" -tls1_3 -servername localhost ;;
  dtls12) # HelloVerifyRequest with a cookie (-listen), and a certificate cut into fragments (-mtu)
    FILTER="udp port $(scenario_port "$s")" capture "$s" "${rsa[@]}" -dtls1_2 -listen -- \
      dtls_client "$s" -dtls1_2 -mtu 500 -servername localhost ;;
  dtls10) # DTLS 1.0 needs OpenSSL's security level 0 (SHA-1 in the handshake)
    FILTER="udp port $(scenario_port "$s")" capture "$s" "${rsa[@]}" -dtls1 -cipher 'DEFAULT:@SECLEVEL=0' -- \
      dtls_client "$s" -dtls1 -cipher 'DEFAULT:@SECLEVEL=0' -servername localhost ;;
  dtls12-unknown-ca) # the client refuses the chain with a fatal alert
    FILTER="udp port $(scenario_port "$s")" capture "$s" "${rsa[@]}" -dtls1_2 -- \
      dtls_client "$s" -dtls1_2 -verify_return_error -CAfile "$pki/rogue.pem" -servername localhost ;;
  dtls12-gnutls)
    FILTER="udp port $(scenario_port "$s")" capture "$s" -- gnutls_dtls "$s" ;;
  quic-v1) # Chrome's way: the ClientHello in two CRYPTO frames, the second first
    quic_gen "$s" --version 1 --split ;;
  quic-v2-chacha)
    quic_gen "$s" --version 2 --cipher TLS_CHACHA20_POLY1305_SHA256 ;;
  quic-draft29)
    quic_gen "$s" --version draft-29 --cipher TLS_AES_256_GCM_SHA384 ;;
  quic-retry)
    quic_gen "$s" --version 1 --retry --split ;;
  quic-vn) # a reserved version first: Version Negotiation, then QUIC v1
    quic_gen "$s" --version 1 --vn ;;
  quic-refused) # the server closes with a CRYPTO_ERROR: TLS alert no_application_protocol
    quic_gen "$s" --version 1 --refuse ;;
  quic-no-answer) # UDP blocked: the client's Initial three times, no server
    quic_gen "$s" --version 1 --no-answer ;;
  quic-rebind) # a NAT rebinding: the client's port changes after the handshake, its connection IDs do not
    quic_gen "$s" --version 1 --rebind ;;
  quic-retry-forged) # a Retry whose integrity tag is wrong: the client ignores it and the server answers
    quic_gen "$s" --version 1 --forged-retry ;;
  quic-same-ports) # one client socket makes two connections, one after the other
    quic_gen "$s" --version 1 --connections 2 --same-ports ;;
  client-cert-missing)
    capture "$s" "${rsa[@]}" -tls1_2 -Verify 1 -CAfile "$pki/ca.pem" -- client "$s" -tls1_2 -servername localhost ;;
  tls13-hrr-abandoned) # the server asks for P-256; the hand-built client closes instead of retrying
    HOLD=2 capture "$s" "${rsa[@]}" -groups P-256 -- hello_peer client-hrr-gives-up ;;
  client-alert-first) # no version enabled: the client's protocol_version comes before any hello
    capture "$s" "${rsa[@]}" -- client "$s" -min_protocol TLSv1.3 -max_protocol TLSv1.2 ;;
  tls13-client-cert-missing) # the refusal is encrypted: known by the records' sizes and order
    capture "$s" "${rsa[@]}" -Verify 1 -CAfile "$pki/ca.pem" -- client "$s" -servername localhost ;;
  dhe-1024)
    capture "$s" "${rsa[@]}" -tls1_2 -dhparam "$pki/dh1024.pem" -cipher 'DHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0' -- \
      client "$s" -tls1_2 -cipher 'DHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0' -servername localhost ;;
  tls10-cbc)
    capture "$s" "${rsa[@]}" -tls1 -cipher 'ECDHE-RSA-AES128-SHA:@SECLEVEL=0' -- \
      client "$s" -tls1 -cipher 'ECDHE-RSA-AES128-SHA:@SECLEVEL=0' -servername localhost ;;
  tls13-no-pss)
    capture "$s" "${rsa[@]}" -- client "$s" -tls1_3 -sigalgs 'rsa_pkcs1_sha256:ecdsa_secp256r1_sha256' -servername localhost ;;
  key-type-refused)
    NACCEPT=2 capture "$s" "${rsa[@]}" -tls1_2 -- key_type_pair "$s" ;;
  burst)
    NACCEPT=12 capture "$s" "${rsa[@]}" -- burst "$s" 12 -servername localhost ;;
  slow-handshake)
    capture "$s" -- mq_peer "$s" server-tls-slow "$pki/server-rsa.pem" "$pki/server-rsa.key" 1.2 -- \
      client "$s" -servername localhost ;;
  mq-plaintext)
    PORT=1414 capture "$s" -- mq_peer "$s" server-plain -- mq_plain_client ;;
  mq-server-plaintext)
    PORT=1414 capture "$s" -- mq_peer "$s" server-plain -- client "$s" -servername app2e-svrconn.chl.mq.ibm.com ;;
  mq-closed-after-hello)
    PORT=1414 capture "$s" -- mq_peer "$s" server-close -- client "$s" -servername app2e-svrconn.chl.mq.ibm.com ;;
  mq-cipherspec)
    PORT=1414 capture "$s" -- mq_peer "$s" server-tls-close "$pki/server-rsa.pem" "$pki/server-rsa.key" -- \
      client "$s" -servername app2e-svrconn.chl.mq.ibm.com ;;
  mq-hostname-sni)
    PORT=1414 capture "$s" "${rsa[@]}" -- client "$s" -servername mq.example.com ;;
  mq-sslpeer)
    PORT=1414 capture "$s" "${rsa[@]}" -tls1_2 -Verify 1 -CAfile "$pki/ca.pem" -- \
      client "$s" -tls1_2 -cert "$pki/client.pem" -key "$pki/client.key" -servername app2e-svrconn.chl.mq.ibm.com ;;
  mq-ocsp)
    PORT=1414 EXTRA_PORT=44380 capture "$s" -cert "$pki/ocsp-leaf.pem" -key "$pki/ocsp-leaf.key" \
      -cert_chain "$pki/inter.pem" -CAfile "$pki/inter.pem" -status -tls1_2 -- ocsp_stapling "$s" ;;
  no-ems) # OpenSSL 3's ExtendedMasterSecret option, off on the server only
    printf 'openssl_conf = conf\n[conf]\nssl_conf = ssl\n[ssl]\nsystem_default = sys\n[sys]\nOptions = -ExtendedMasterSecret\n' \
      > "$work/no-ems.cnf"
    SERVER_CONF="$work/no-ems.cnf" capture "$s" "${rsa[@]}" -tls1_2 -- client "$s" -tls1_2 -servername localhost ;;
  insecure-renegotiation) # a pre-RFC 5746 client (hand-built hello), a real server
    capture "$s" "${rsa[@]}" -tls1_2 -- hello_peer client-legacy ;;
  heartbleed) # a Heartbleed-shaped request after the hello; OpenSSL 3 has no heartbeat and refuses it
    capture "$s" "${rsa[@]}" -tls1_2 -- hello_peer client-heartbleed ;;
  tls-compression)
    capture "$s" -- deflate_server "$s" ;;
  cert-validity-too-long)
    capture "$s" -cert "$pki/long-validity.pem" -key "$pki/long-validity.key" -tls1_2 -- \
      client "$s" -tls1_2 -servername localhost ;;
  tls13-ocsp-sct)
    python3 "$here/sct-serverinfo.py" "$work/sct.pem"
    EXTRA_PORT=44380 capture "$s" -cert "$pki/ocsp-leaf.pem" -key "$pki/ocsp-leaf.key" \
      -cert_chain "$pki/inter.pem" -CAfile "$pki/inter.pem" -status -serverinfo "$work/sct.pem" -- ocsp_sct "$s" ;;
  cert-name-nul) # SNI www.example.com; the certificate's names hold a NUL after it
    capture "$s" -cert "$pki/server-nul.pem" -key "$pki/server-nul.key" -tls1_2 -- \
      client "$s" -tls1_2 -servername www.example.com ;;
  client-silent-close) # the server's chain is from a CA the client does not trust
    capture "$s" "${rsa[@]}" -tls1_2 -- silent_client ;;
  server-silent-close)
    capture "$s" -- silent_server "$s" ;;
  tls-to-http)
    capture "$s" -- http_server "$s" ;;
  one-direction) # a capture filter that keeps the client's packets only
    FILTER="tcp dst port $(scenario_port "$s")" capture "$s" "${rsa[@]}" -tls1_2 -- client "$s" -tls1_2 -servername localhost ;;
  cert-ed25519) # legal with ECDHE_ECDSA suites in TLS 1.2 (RFC 8422)
    capture "$s" -cert "$pki/server-ed25519.pem" -key "$pki/server-ed25519.key" -tls1_2 -- \
      client "$s" -tls1_2 -cipher ECDHE-ECDSA-AES128-GCM-SHA256 -servername localhost ;;
  rsa-pss-key) # an RSASSA-PSS key signs only with rsa_pss_pss_*; the client offers rsa_pss_rsae_* alone
    capture "$s" -cert "$pki/server-rsa-pss.pem" -key "$pki/server-rsa-pss.key" -- \
      client "$s" -sigalgs 'rsa_pss_rsae_sha256:ecdsa_secp256r1_sha256' -servername localhost ;;
  old-client) # a TLS 1.1 client: OpenSSL 3 has no protocol left to offer it and says internal_error
    capture "$s" "${rsa[@]}" -- client "$s" -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0' -servername localhost ;;
  renegotiation-refused) # 'R' on a server that does not allow client renegotiation
    HOLD=3 capture "$s" "${rsa[@]}" -tls1_2 -- say "$s" -tls1_2 -- hello R "after the renegotiation" ;;
  idn-raw-sni) # the client sends the name as UTF-8, not as the A-label the certificate holds
    capture "$s" -cert "$pki/server-idn.pem" -key "$pki/server-idn.key" -tls1_2 -- \
      client "$s" -tls1_2 -servername "$(printf 'b\303\274cher.example')" ;;
  mq-two-channels) # one queue manager, a channel answered with RSA and one with EC (s_server -servername/-cert2)
    NACCEPT=2 PORT=1414 capture "$s" "${rsa[@]}" -tls1_2 -servername to2e-qmgr12e-svrconn.chl.mq.ibm.com \
      -cert2 "$pki/server-ecdsa.pem" -key2 "$pki/server-ecdsa.key" -- mq_two_channels "$s" ;;
  mq-key-reset) # SSLRKEYC: the channel's initiator renegotiates its secret key twice inside the connection
    HOLD=4 PORT=1414 capture "$s" "${rsa[@]}" -tls1_2 -client_renegotiation -- \
      say "$s" -tls1_2 -servername app2e-svrconn.chl.mq.ibm.com -- hello R "after the first reset" R "after the second" ;;
  mq-reconnect-at-reset) # a client that reconnects where it would reset its secret key (managed .NET)
    HOLD=2 NACCEPT=3 PORT=1414 capture "$s" "${rsa[@]}" -tls1_2 -- reconnecting_client "$s" ;;
  mq-no-clienthello) # what an MQ client with an SSLCIPH it cannot use does: connect, give up, retry
    NACCEPT=4 PORT=1414 capture "$s" "${rsa[@]}" -- quiet_connections ;;
  tunnel-connect) # no SNI; the CONNECT names localhost, which the certificate holds, not the proxy's 127.0.0.2
    EXTRA_PORT=44381 capture "$s" "${rsa[@]}" -tls1_2 -- connect_proxy "$s" ;;
  lossy-handshake) # the server's flight is dropped twice after tcpdump saw it: TCP resends it
    if [ -z "${LOSSY_NETNS:-}" ]; then # a network namespace of its own, so the drop touches nothing else
      need unshare; need nft; need ip
      LOSSY_NETNS=1 unshare -n "$here/make-traces.sh" "$s"
      return
    fi
    ip link set lo up
    nft add table inet lossy
    nft add chain inet lossy in '{ type filter hook input priority 0; }'
    nft add rule inet lossy in tcp sport "$(scenario_port "$s")" tcp flags \& \(syn\|rst\|fin\) == 0 \
      ip length \> 100 numgen inc mod 1000 \< 2 drop
    HOLD=3 capture "$s" "${rsa[@]}" -tls1_2 -- late_client "$s" -tls1_2 -servername localhost ;;
  *)
    echo "make-traces: unknown scenario $s" >&2; exit 2 ;;
  esac
}

mkpki
all=(tls12-rsa tls12-ecdsa tls13 tls12-resume tls13-resume tls12-client-cert tls13-hrr
     tls13-alpn tls12-no-shared-cipher tls12-unknown-ca tls13-unknown-ca mq-channel smtp-starttls
     cert-rsa1024 cert-expired cert-not-yet-valid cert-expiring cert-wrong-usage cert-name-mismatch
     cert-ip-not-in-san chain-incomplete chain-order tls13-vs-tls12 client-cert-missing dhe-1024
     tls10-cbc tls13-no-pss key-type-refused burst slow-handshake mq-plaintext
     mq-server-plaintext mq-closed-after-hello mq-cipherspec mq-hostname-sni mq-sslpeer mq-ocsp
     cert-ec224 cert-dsa cert-sha1 null-cipher sigalgs-not-offered
     tls13-aes128gcm tls13-chacha20 tls13-aes128ccm tls13-aes128ccm8 tls13-client-cert
     tls13-key-update tls13-early-data tls12-chacha20 tls12-cbc-sha256 tls12-cbc-no-etm
     tls12-renegotiation tls13-dsb tls12-ccm8 tls12-aria tls12-camellia tls13-client-cert-rejected
     no-ems insecure-renegotiation heartbleed tls-compression cert-validity-too-long cert-name-nul
     tls13-ocsp-sct tls13-client-cert-missing client-alert-first tls13-hrr-abandoned
     client-silent-close server-silent-close tls-to-http one-direction lossy-handshake tunnel-connect
     cert-ed25519 rsa-pss-key old-client renegotiation-refused idn-raw-sni mq-two-channels
     mq-no-clienthello mq-key-reset mq-reconnect-at-reset dtls12 dtls10 dtls12-unknown-ca dtls12-gnutls
     quic-v1 quic-v2-chacha quic-draft29 quic-retry quic-vn quic-refused quic-no-answer quic-rebind
     quic-same-ports quic-retry-forged)
for s in "${@:-${all[@]}}"; do scenario "$s"; done
