#!/usr/bin/env python3
"""nn-deps.py: the file graph of src/core/nn, and its cycles.

Two graphs over the engine's files:
  includes  A -> B when A #includes B (quoted includes only);
  calls     A.c -> B.c when A's object file uses a symbol that B's defines
            (from `nm` on the objects of a build directory).
For the include graph a header and its same-named .c count as one node, so a
cycle through a header pair shows up. Prints each graph's cycles (none when
the files can be drawn as a tree) and whether kernels/ includes only itself.

  scripts/nn-deps.py [BUILD_DIR]
"""
import os, re, subprocess, sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'src', 'core', 'nn')
ROOT = os.path.normpath(ROOT)


def files():
    out = []
    for d, _, fs in os.walk(ROOT):
        out += [os.path.relpath(os.path.join(d, f), ROOT) for f in fs if f.endswith(('.c', '.h'))]
    return sorted(out)


def node(path):
    return os.path.splitext(path)[0]


def cycles(graph):
    """The strongly connected components with more than one node (Tarjan)."""
    index, low, stack, on, out, n = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = n[0]
        n[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
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

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def include_graph(fs):
    by_name = {}
    for f in fs:
        by_name.setdefault(os.path.basename(f), f)
    g, leaf_ok = {}, True
    for f in fs:
        src = open(os.path.join(ROOT, f)).read()
        for inc in re.findall(r'^\s*#\s*include\s+"([^"]+)"', src, re.M):
            target = by_name.get(os.path.basename(inc))
            if f.startswith('kernels/') and (target is None or not target.startswith('kernels/')):
                print(f'  kernels/ reaches out: {f} includes "{inc}"')
                leaf_ok = False
            if target is None:
                continue
            a, b = node(f), node(target)
            if a != b:
                g.setdefault(a, set()).add(b)
    return g, leaf_ok


def call_graph(build):
    objdir = os.path.join(build, 'src', 'core', 'nn', 'libdigits-nn.a.p')
    defs, uses = {}, {}
    for o in sorted(os.listdir(objdir)):
        if not o.endswith('.o'):
            continue
        name = o[:-len('.c.o')].replace('_', '/', 1) if o.startswith(('kernels_', 'layers_')) else o[:-len('.c.o')]
        out = subprocess.run(['nm', os.path.join(objdir, o)], capture_output=True, text=True).stdout
        for line in out.splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[1] in 'TDBRi':
                defs[parts[2]] = name
            elif len(parts) == 2 and parts[0] == 'U':
                uses.setdefault(name, set()).add(parts[1])
    g = {}
    for a, syms in uses.items():
        for s in syms:
            b = defs.get(s)
            if b and b != a:
                g.setdefault(a, set()).add(b)
    return g


def main():
    fs = files()
    inc, leaf_ok = include_graph(fs)
    c = cycles(inc)
    print('include cycles:', c if c else 'none')
    print('kernels/ includes only itself and system headers:', 'yes' if leaf_ok else 'no')
    if len(sys.argv) > 1:
        calls = call_graph(sys.argv[1])
        cc = cycles(calls)
        print('call cycles between files:', cc if cc else 'none')
        kern = {a: sorted(b) for a, b in calls.items() if a.startswith('kernels/')
                and any(not x.startswith('kernels/') for x in b)}
        print('kernels/ calling out:', kern if kern else 'none')
    return 0 if not c and leaf_ok else 1


if __name__ == '__main__':
    sys.exit(main())
