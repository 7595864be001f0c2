#!/bin/sh
# The man page and README keep in step with --help: every option and
# command the binary documents is in docs/tlsscope.1, and every rule
# `tlsscope rules` lists has its section in docs/rules.md.
set -u
bin=$1
src=$2
man="$src/docs/tlsscope.1"
status=0
for cmd in read live check run rules tui; do
  for opt in $("$bin" $cmd --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
    escaped=$(printf '%s' "$opt" | sed 's/-/\\\\-/g')
    if ! grep -q -- "$escaped" "$man"; then
      echo "docs: $cmd option $opt is missing from docs/tlsscope.1"
      status=1
    fi
  done
done
for cmd in $("$bin" --help | sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p'); do
  escaped=$(printf '%s' "$cmd" | sed 's/-/\\\\-/g')
  grep -q -- "^\.B $escaped" "$man" || { echo "docs: command $cmd is missing from the man page"; status=1; }
  grep -q -- "$cmd" "$src/README.md" || { echo "docs: command $cmd is missing from README.md"; status=1; }
done
# every rule has its section, with a worked example, in docs/rules.md
for id in $("$bin" rules --format json | sed 's/.*"id":"\([^"]*\)".*/\1/'); do
  grep -q "^#### $id\$" "$src/docs/rules.md" || { echo "docs: rule $id is missing from docs/rules.md"; status=1; }
done
[ $status = 0 ] && echo "docs: man page, README and docs/rules.md cover every command, option and rule"
exit $status
