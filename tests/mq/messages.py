#!/usr/bin/env python3
"""Every IBM MQ message tlsscope prints is one the reference documents,
named on the side that reports it, and stated as fact only where it
happened.

    messages.py TLSSCOPE SRC      (ctest -R mq-messages)

Reads tests/mq/messages.txt (taken from mq-tls.md section 5). Over
`tlsscope rules --format json` and every JSON golden output in
tests/golden (which the golden test keeps equal to what tlsscope prints):
  - every AMQ/MQRC number anywhere in a rule or finding is in the table;
  - in an "mq" field, each number is followed by its side in parentheses,
    "queue manager" or "client", matching the table;
  - a finding's "mq" is a fact ("AMQ...") only when the finding explains a
    failure, and conditional ("if it failed on this: ...") otherwise.
"""
import glob
import json
import os
import re
import subprocess
import sys

CODE = re.compile(r"\b(AMQ\d{4}E?|MQRC \d{4})\b")
CONDITIONAL = "if it failed on this: "
SIDE_WORDS = {"queue-manager": ("queue manager",), "client": ("client",),
              "either": ("queue manager", "client")}


def table(src):
    sides = {}
    for line in open(os.path.join(src, "tests", "mq", "messages.txt"), encoding="utf-8"):
        if line.startswith("#") or not line.strip():
            continue
        m = re.match(r"(AMQ\d{4}E?|MQRC \d{4})\s+(\S+)", line)
        sides[m.group(1)] = m.group(2)
    return sides


def check_numbers(where, text, sides):
    return [f"{where}: {code} is not in tests/mq/messages.txt (mq-tls.md section 5)"
            for code in CODE.findall(text or "") if code not in sides]


def check_sides(where, mq, sides):
    errors = []
    for m in CODE.finditer(mq):
        side = re.search(r"\(([^)]*)\)", mq[m.end():])
        if not side:
            errors.append(f"{where}: '{mq}' names no side for {m.group(1)}")
            continue
        said = side.group(1)
        want = SIDE_WORDS.get(sides.get(m.group(1)), ())
        if not any(w in said for w in want):
            errors.append(f"{where}: '{mq}' puts {m.group(1)} on '{said}', the reference on "
                          f"{sides.get(m.group(1))}")
    return errors


def golden_objects(path):
    """The JSON lines of a golden file, which json-golden.py laid out over
    several lines each ("{" to "}" at the start of a line); other lines
    (the exit status, messages) are skipped."""
    held = []
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if held or line == "{":
            held.append(line)
            if line == "}":
                yield json.loads("\n".join(held))
                held = []
        elif line.startswith("{"):
            yield json.loads(line)


def main():
    tlsscope, src = sys.argv[1], sys.argv[2]
    sides = table(src)
    errors, mq_lines, facts, conditionals = [], 0, 0, 0
    rules = subprocess.run([tlsscope, "rules", "--format", "json"], capture_output=True, text=True,
                           check=True).stdout
    for line in rules.splitlines():
        r = json.loads(line)
        where = f"rules {r['id']}"
        for field in ("rationale", "fix", "mq"):
            errors += check_numbers(where, r.get(field), sides)
        if r.get("mq"):
            mq_lines += 1
            errors += check_sides(where, r["mq"], sides)
    for path in sorted(glob.glob(os.path.join(src, "tests", "golden", "*.json"))):
        name = os.path.basename(path)
        for obj in golden_objects(path):
            found = obj.get("findings", []) if obj.get("type") == "session" else \
                [obj] if obj.get("type") == "finding" else []
            for f in found:
                where = f"{name} {f['rule']}"
                for field in ("evidence", "fix", "mq"):
                    errors += check_numbers(where, f.get(field), sides)
                mq = f.get("mq")
                if not mq:
                    continue
                mq_lines += 1
                errors += check_sides(where, mq, sides)
                if obj.get("type") != "session":
                    continue  # capture-wide findings say their own conditions
                if f.get("explains"):
                    facts += 1
                    if mq.startswith(CONDITIONAL):
                        errors.append(f"{where}: explains the failure, yet its MQ message is conditional")
                else:
                    conditionals += 1
                    if not mq.startswith(CONDITIONAL):
                        errors.append(f"{where}: '{mq}' stated as fact on a finding that explains no failure")
    for e in errors:
        print(f"mq-messages: {e}")
    print(f"mq-messages: {mq_lines} MQ lines checked ({facts} facts, {conditionals} conditional), "
          f"{len(sides)} documented numbers, {len(errors)} problem(s)")
    return 1 if errors or not facts or not conditionals else 0


if __name__ == "__main__":
    sys.exit(main())
