#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""check-includes.py: fail when the product code has a dependency cycle (make check-includes).

Two graphs, each must be acyclic:
  1. headers: header A includes header B (a "#include" cycle between .h files);
  2. modules of the libraries (LAYERED below: common/ and verifierd's layers under the engine):
     module A calls or reads a symbol that module B defines (from `nm` over the objects in
     BUILD/obj), so a cycle hidden behind a header that declares another file's functions
     counts too. A module is one .c file; the files that include a private header
     "<m>-internal.h" are one module <m> with <m>.c (e.g. verifierd/store*.c). The programs'
     own files (provd, provctl, verifierd's main, engine and exporters) are not layered.
Prints every cycle found with its edges. Exit status 1 on a cycle, 2 on a usage error.
"""
import os
import re
import subprocess
import sys

DIRS = ("common", "verifierd", "provd", "provctl", "ipc", "mmsd-sync", "dmsessiond")
LAYERED = ("common/", "verifierd/config", "verifierd/certstore", "verifierd/policy",
           "verifierd/metabase", "verifierd/roles", "verifierd/auth", "verifierd/secret",
           "verifierd/package", "verifierd/store", "verifierd/log-ratelimit")
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def sources(top):
    out = []
    for d in DIRS:
        p = os.path.join(top, d)
        if os.path.isdir(p):
            out += [os.path.join(d, f) for f in sorted(os.listdir(p)) if f.endswith((".c", ".h"))]
    return out


def resolve(inc, src, known):
    for cand in (os.path.join(os.path.dirname(src), inc), inc, os.path.join("common", inc),
                 os.path.join("ipc", inc)):
        cand = os.path.normpath(cand)
        if cand in known:
            return cand
    return None


def cycles(graph):
    """Strongly connected components with more than one node (Tarjan, iterative)."""
    index, low, on, stack, out, counter = {}, {}, set(), [], [], [0]
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.get(root, ()))))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on.add(root)
        while work:
            v, it = work[-1]
            advanced = False
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(graph.get(w, ())))))
                    advanced = True
                    break
                if w in on:
                    low[v] = min(low[v], index[w])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
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
    return out


def report(kind, graph, comps):
    for comp in comps:
        print("check-includes: %s cycle: %s" % (kind, " ".join(comp)))
        for a in comp:
            for b in sorted(graph.get(a, ())):
                if b in comp:
                    print("    %s -> %s" % (a, b))


def main():
    top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    build = os.environ.get("BUILD", "build")
    os.chdir(top)
    files = sources(top)
    known = set(files)
    includes = {}
    for f in files:
        with open(f, encoding="utf-8", errors="replace") as fh:
            includes[f] = {r for r in (resolve(i, f, known) for i in INCLUDE.findall(fh.read())) if r}

    headers = {f: {h for h in inc if h.endswith(".h")} for f, inc in includes.items() if f.endswith(".h")}
    bad = cycles(headers)
    report("#include", headers, bad)

    module = {}
    for f, inc in includes.items():
        if f.endswith(".c") and f.startswith(LAYERED):
            module[f] = os.path.splitext(f)[0]
            for h in inc:
                if h.endswith("-internal.h"):
                    module[f] = h[: -len("-internal.h")]
    defined, used = {}, {}
    objdir = os.path.join(build, "obj")
    if not os.path.isdir(objdir):
        print("check-includes: no %s (run make first)" % objdir)
        return 2
    for f, m in module.items():
        obj = os.path.join(objdir, os.path.splitext(f)[0] + ".o")
        if not os.path.exists(obj):
            continue
        nm = subprocess.run(["nm", obj], capture_output=True, text=True, check=True).stdout
        for line in nm.splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[0] == "U":
                used.setdefault(m, set()).add(parts[1])
            elif len(parts) == 3 and parts[1] in "TDRBCV":
                defined.setdefault(parts[2], set()).add(m)
    mods = {}
    for m, syms in used.items():
        for s in syms:
            for d in defined.get(s, ()):
                if d != m:
                    mods.setdefault(m, set()).add(d)
    mbad = cycles(mods)
    report("module", mods, mbad)
    if bad or mbad:
        return 1
    print("check-includes: no cycle (%d headers, %d modules)" % (len(headers), len(set(module.values()))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
