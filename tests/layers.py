#!/usr/bin/env python3
"""The code's dependencies go one way (docs/internals.md, "The layers").

Reads which object file defines and which calls each function (nm), then
checks two things (a table that names entries defined elsewhere, such as
the rules' registry, refers to data and is not a call):
  - directories call only the ones below them:
    include < capture < dissect < rules < report < tui < cli;
  - inside a directory, no files call each other in a circle (so in
    dissect/ a byte can be followed from TCP to a session field without
    turning back). tui/ is the exception: its screens open one another,
    and a prompt keeps a live capture running by calling back into the
    loop that drew it.
Usage: layers.py BUILD_DIR SOURCE_DIR (objects whose source file is gone,
left in a build directory by a move, are not counted)
"""
import collections
import glob
import os
import subprocess
import sys

ORDER = ["include", "capture", "dissect", "rules", "report", "tui", "cli"]
CIRCLES_ALLOWED = {"tui"}


def symbols(build, source):
    objects = {}
    for target in ("libtlsscope.dir", "tlsscope_tui_model.dir", "tlsscope_tui.dir", "tlsscope.dir"):
        base = os.path.join(build, "CMakeFiles", target)
        for obj in sorted(glob.glob(base + "/**/*.o", recursive=True)):
            unit = os.path.relpath(obj, base)[: -len(".c.o")]
            if unit.split("/")[0] in ORDER and os.path.exists(os.path.join(source, unit + ".c")):
                objects[obj] = unit
    defs, uses = {}, {unit: set() for unit in objects.values()}
    if not objects:
        return defs, uses
    # one nm for all of them (-A: each line starts with its file)
    out = subprocess.run(["nm", "-A"] + list(objects), capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        path, _, rest = line.partition(":")
        unit = objects.get(path)
        if unit is None:
            continue
        f = rest.split()
        if len(f) == 3 and f[1] == "T":
            defs[f[2]] = unit
        elif len(f) == 2 and f[0] == "U":
            uses[unit].add(f[1])
    return defs, uses


def cycles(graph):
    """Strongly connected components of more than one node (Tarjan)."""
    index, low, stack, on, out, n = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = n[0]
        n[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in list(graph):
        if v not in index:
            visit(v)
    return out


def main():
    sys.setrecursionlimit(10000)
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    defs, uses = symbols(sys.argv[1], sys.argv[2])
    if len(uses) < 20:
        sys.exit(f"layers: only {len(uses)} object files under {sys.argv[1]}: not a build directory?")
    graph = collections.defaultdict(set)
    why = {}
    bad = []
    for unit, used in uses.items():
        graph[unit]
        for sym in used:
            callee = defs.get(sym)
            if not callee or callee == unit:
                continue
            top, ctop = unit.split("/")[0], callee.split("/")[0]
            if ORDER.index(ctop) > ORDER.index(top):
                bad.append(f"{unit} calls {sym} in {callee}: {ctop}/ is above {top}/")
            if top == ctop and top not in CIRCLES_ALLOWED:
                graph[unit].add(callee)
                why.setdefault((unit, callee), sym)
    for comp in cycles(graph):
        edges = [f"{a} -> {b} ({why[(a, b)]})" for a in comp for b in sorted(graph[a]) if b in comp]
        bad.append("a circle: " + "; ".join(edges))
    for b in bad:
        print("layers:", b)
    print(f"layers: {len(uses)} files, {sum(len(v) for v in graph.values())} calls between files of one directory,"
          f" {len(bad)} going the wrong way")
    sys.exit(1 if bad else 0)


main()
