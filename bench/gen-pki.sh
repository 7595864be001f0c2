#!/bin/sh
# The certificates the benchmark generator's servers present: an RSA chain
# (root -> intermediate -> leaf, the server sends all three) and an ECDSA
# chain (root -> leaf, the server sends both), each leaf valid for
# *.bench.example. Made once per directory; reruns keep what is there.
#
#   bench/gen-pki.sh DIR
set -eu
dir=$1
[ -f "$dir/ecdsa-chain.pem" ] && exit 0
mkdir -p "$dir"
cd "$dir"
days=3650
san="subjectAltName=DNS:*.bench.example,DNS:bench.example"

openssl req -x509 -newkey rsa:3072 -nodes -keyout rsa-root.key -out rsa-root.pem \
  -subj "/O=tlsscope bench/CN=Bench RSA Root" -days $days 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout rsa-inter.key -out rsa-inter.csr \
  -subj "/O=tlsscope bench/CN=Bench RSA Issuing CA" 2>/dev/null
openssl x509 -req -in rsa-inter.csr -CA rsa-root.pem -CAkey rsa-root.key -CAcreateserial \
  -out rsa-inter.pem -days $days \
  -extfile /dev/stdin 2>/dev/null <<EOF
basicConstraints=critical,CA:TRUE,pathlen:0
keyUsage=critical,keyCertSign,cRLSign
EOF
openssl req -newkey rsa:2048 -nodes -keyout rsa-leaf.key -out rsa-leaf.csr \
  -subj "/O=tlsscope bench/CN=bench.example" 2>/dev/null
openssl x509 -req -in rsa-leaf.csr -CA rsa-inter.pem -CAkey rsa-inter.key -CAcreateserial \
  -out rsa-leaf.pem -days 397 \
  -extfile /dev/stdin 2>/dev/null <<EOF
$san
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
EOF
cat rsa-leaf.pem rsa-inter.pem rsa-root.pem >rsa-chain.pem

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes -keyout ecdsa-root.key \
  -out ecdsa-root.pem -subj "/O=tlsscope bench/CN=Bench ECDSA Root" -days $days 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ecdsa-leaf.key \
  -out ecdsa-leaf.csr -subj "/O=tlsscope bench/CN=bench.example" 2>/dev/null
openssl x509 -req -in ecdsa-leaf.csr -CA ecdsa-root.pem -CAkey ecdsa-root.key -CAcreateserial \
  -out ecdsa-leaf.pem -days 397 \
  -extfile /dev/stdin 2>/dev/null <<EOF
$san
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
EOF
cat ecdsa-leaf.pem ecdsa-root.pem >ecdsa-chain.pem
rm -f ./*.csr ./*.srl
