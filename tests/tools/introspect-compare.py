#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""introspect-compare.py REFERENCE.xml EXPORTED.xml: compare two D-Bus introspection documents.

Both are normalised with an XML parse: for every interface outside org.freedesktop.DBus.*,
its methods (argument name, type and direction, in order), signals (argument name and type, in
order) and properties (type and access). Annotations, comments, child <node>s and the standard
interfaces are ignored. Prints one line per difference and exits 1 if there is any, 0 if the
two export the same contract, 2 on unreadable input.
"""
import sys
import xml.etree.ElementTree as ET

STANDARD = "org.freedesktop.DBus."


def normalise(path):
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as e:
        print("cannot read %s: %s" % (path, e))
        sys.exit(2)
    out = {}
    for iface in root.findall("interface"):
        name = iface.get("name", "")
        if name.startswith(STANDARD):
            continue
        members = {}
        for m in iface.findall("method"):
            args = tuple((a.get("name", ""), a.get("type", ""), a.get("direction", "in")) for a in m.findall("arg"))
            members["method " + m.get("name", "")] = args
        for s in iface.findall("signal"):
            # a signal's arguments are always out; the direction attribute is optional
            args = tuple((a.get("name", ""), a.get("type", "")) for a in s.findall("arg"))
            members["signal " + s.get("name", "")] = args
        for p in iface.findall("property"):
            members["property " + p.get("name", "")] = (p.get("type", ""), p.get("access", ""))
        if name in out:
            print("%s: interface %s appears twice" % (path, name))
            sys.exit(2)
        out[name] = members
    return out


def fmt(v):
    if isinstance(v, tuple) and v and isinstance(v[0], tuple):
        return "(" + ", ".join(" ".join(x for x in a if x) for a in v) + ")"
    if isinstance(v, tuple) and v and isinstance(v[0], str):
        return " ".join(v)
    return "()"


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    ref, got = normalise(sys.argv[1]), normalise(sys.argv[2])
    diffs = []
    for iface in sorted(set(ref) | set(got)):
        if iface not in got:
            diffs.append("interface %s: in the reference, not exported" % iface)
            continue
        if iface not in ref:
            diffs.append("interface %s: exported, not in the reference" % iface)
            continue
        r, g = ref[iface], got[iface]
        for member in sorted(set(r) | set(g)):
            if member not in g:
                diffs.append("%s %s: in the reference %s, not exported" % (iface, member, fmt(r[member])))
            elif member not in r:
                diffs.append("%s %s: exported %s, not in the reference" % (iface, member, fmt(g[member])))
            elif r[member] != g[member]:
                diffs.append("%s %s: reference %s, exported %s" % (iface, member, fmt(r[member]), fmt(g[member])))
    for d in diffs:
        print(d)
    if not diffs:
        n = sum(len(v) for v in ref.values())
        print("same contract: %d interface(s), %d member(s)" % (len(ref), n))
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
