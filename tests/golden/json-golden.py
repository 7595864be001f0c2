#!/usr/bin/env python3
"""The JSON goldens as people review them.

Reads `tlsscope read -f json` output (and the run's "exit N" line) on
stdin and writes one part of it: `sessions` (every line but the summary)
or `summary` (the summary line). JSON lines are laid out one top-level
field per line, and the fields of the objects in them one per line too;
anything deeper, and arrays of plain values, stay on one line as written.
Only whitespace is added outside strings, so a golden still pins every
byte tlsscope writes, while a new field changes one line of each file
and a new summary counter changes only the .summary.json files.

Usage: json-golden.py sessions|summary < output
       json-golden.py split SESSIONS_FILE SUMMARY_FILE < output
"""
import sys

EXPAND = 2  # depth of the containers laid out one member per line


def skip_string(s, i):
    i += 1
    while s[i] != '"':
        i += 2 if s[i] == "\\" else 1
    return i + 1


def value_end(s, i):
    """The end of the JSON value starting at s[i]."""
    c = s[i]
    if c == '"':
        return skip_string(s, i)
    if c in "{[":
        depth = 0
        while True:
            c = s[i]
            if c == '"':
                i = skip_string(s, i)
                continue
            if c in "{[":
                depth += 1
            elif c in "}]":
                depth -= 1
                if depth == 0:
                    return i + 1
            i += 1
    while i < len(s) and s[i] not in ",}]":
        i += 1
    return i


def members(s, i, end):
    """(key text or None, value start, value end) of the container s[i:end]."""
    i += 1
    while i < end - 1:
        key = None
        if s[i] == '"' and s[value_end(s, i)] == ":":
            k_end = value_end(s, i)
            key = s[i:k_end]
            i = k_end + 1
        v_end = value_end(s, i)
        yield key, i, v_end
        i = v_end + 1 if s[v_end] == "," else v_end


def layout(s, i, end, depth, out):
    c = s[i]
    plain = c == "[" and not any(s[v] in "{[" for _, v, _ in members(s, i, end))
    if c not in "{[" or depth >= EXPAND or end - i == 2 or plain:
        out.append(s[i:end])
        return
    out.append(c + "\n")
    items = list(members(s, i, end))
    for n, (key, v, v_end) in enumerate(items):
        out.append(" " * (depth + 1))
        if key is not None:
            out.append(key + ":")
        layout(s, v, v_end, depth + 1, out)
        out.append(",\n" if n + 1 < len(items) else "\n")
    out.append(" " * depth + s[end - 1])


def parts(text):
    """The sessions part and the summary part, each as lines."""
    sessions, summary = [], []
    for line in text.split("\n"):
        is_json = line.startswith("{") and line.endswith("}")
        if is_json:
            out = []
            layout(line, 0, len(line), 0, out)
            (summary if line.startswith('{"type":"summary"') else sessions).append("".join(out))
        else:
            sessions.append(line)
    return sessions, summary


def main():
    sessions, summary = parts(sys.stdin.read())
    if sys.argv[1] == "split":  # both at once: one start of Python, not two
        for path, lines in ((sys.argv[2], sessions), (sys.argv[3], summary)):
            with open(path, "w") as f:
                f.writelines(line + "\n" for line in lines)
        return
    print("\n".join(sessions if sys.argv[1] == "sessions" else summary))


main()
