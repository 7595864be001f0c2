#!/bin/sh
# The man page and README keep in step with --help: every option and
# command the binary documents is in docs/tlsscope.1, every rule
# `tlsscope rules` lists has its section in docs/rules.md, and every JSON
# field the traces produce (with and without their key logs) is named in
# docs/json.md.
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
# every field name of the JSON output, at any depth, is in docs/json.md
# (as `name` or "name"); the keys of count maps such as summary.ciphers are
# data, not fields
(cd "$src/traces" && for f in *.pcap *.pcapng; do
  "$bin" read --format json "$f"
  [ -f "${f%.*}.keylog" ] && "$bin" read --format json --decrypt-app --keylog "${f%.*}.keylog" "$f"
  "$bin" read --format json --policy mq-channels.policy --ca-file pki/ca.pem "$f"
done) 2>/dev/null | python3 -c '
import json, re, sys
doc = open(sys.argv[1]).read()
maps = {"summary.ciphers", "summary.findings", "summary.alerts", "summary.versions"}
seen = set()
def walk(v, path):
    if isinstance(v, dict) and path not in maps:
        for k, sub in v.items():
            seen.add((k, path + "." + k))
            walk(sub, path + "." + k)
    elif isinstance(v, list):
        for sub in v:
            walk(sub, path + "[]")
for line in sys.stdin:
    obj = json.loads(line)
    walk(obj, obj["type"])
missing = sorted(p for k, p in seen if not re.search("[`\"]" + re.escape(k) + "[`\"]", doc))
for p in missing:
    print("docs: JSON field " + p + " is not in docs/json.md")
if not seen:
    print("docs: no JSON output from the traces")
sys.exit(1 if missing or not seen else 0)
' "$src/docs/json.md" || status=1
# a section appears once: a botched edit of docs/performance.md once
# repeated a dozen of them
for doc in "$src/README.md" "$src"/docs/*.md; do
  grep '^## ' "$doc" | sort | uniq -d | while IFS= read -r heading; do
    echo "docs: $(basename "$doc") has the section \"$heading\" twice"
  done | grep . && status=1
done
[ $status = 0 ] && echo "docs: man page, README, docs/rules.md and docs/json.md cover every command, option, rule and JSON field, and no section repeats"
exit $status
