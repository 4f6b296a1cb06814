#!/usr/bin/env python3
"""Checks that the files of one source folder call each other without cycles.

Each .c file depends on the .c file behind every header of the folder it includes,
directly or through other headers of the folder (X.h stands for X.c when there is
one; a header without a .c is followed through its own includes). Prints each
file's dependencies and exits 1 with the cycle when there is one.

    scripts/check-include-cycles.py src/core/io
"""
import os
import re
import sys

folder = sys.argv[1] if len(sys.argv) > 1 else 'src/core/io'
names = set(os.listdir(folder))
inc = re.compile(r'^\s*#\s*include\s+"([^"/]+)"', re.M)


def includes(name):
    with open(os.path.join(folder, name)) as f:
        return [h for h in inc.findall(f.read()) if h in names]


def deps_of(c):
    seen, out, todo = set(), set(), list(includes(c))
    while todo:
        h = todo.pop()
        if h in seen:
            continue
        seen.add(h)
        impl = h[:-2] + '.c'
        if impl in names and impl != c:
            out.add(impl)
        else:  # a header-only file, or c's own header: what it includes, c depends on
            todo.extend(includes(h))
    return sorted(out)


graph = {c: deps_of(c) for c in sorted(n for n in names if n.endswith('.c'))}
for c, d in graph.items():
    print(f'{c:28} -> {", ".join(d) if d else "(leaf)"}')

state = {}


def visit(n, path):
    state[n] = 1
    for d in graph[n]:
        if state.get(d) == 1:
            print('cycle: ' + ' -> '.join(path[path.index(d):] + [n, d]) if d in path
                  else f'cycle: {n} -> {d}', file=sys.stderr)
            return False
        if d not in state and not visit(d, path + [n]):
            return False
    state[n] = 2
    return True


sys.exit(0 if all(state.get(n) or visit(n, []) for n in graph) else 1)
