#!/bin/sh
# Install the Debian packages tlsscope needs, if any are missing.
#
#   scripts/install-deps.sh [build|test]
#
# "build" (the default) is what compiling needs; "test" adds what the test
# suite needs. As root the missing packages are installed with apt-get;
# otherwise the one command to run is printed and the script fails.
set -eu

build="gcc make cmake pkg-config libssl-dev zlib1g-dev libbrotli-dev libzstd-dev libpcap-dev libncurses-dev"
test="$build libcmocka-dev python3 python3-jsonschema libxml2-utils gzip brotli tshark tmux openssl tcpdump time clang libclang-rt-14-dev valgrind"

case "${1:-build}" in
build) want=$build ;;
test) want=$test ;;
*) echo "usage: $0 [build|test]" >&2; exit 2 ;;
esac

missing=""
for p in $want; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $p"
  fi
done
[ -z "$missing" ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "tlsscope: these packages are missing:$missing (install them with your package manager)" >&2
  exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "tlsscope: missing packages; run this, then try again:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y$missing" >&2
  exit 1
fi
echo "tlsscope: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# apt's own chatter only when it fails
log=$(mktemp)
if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing; } >"$log" 2>&1; then
  cat "$log" >&2
  rm -f "$log"
  echo "tlsscope: installing$missing failed" >&2
  exit 1
fi
rm -f "$log"
