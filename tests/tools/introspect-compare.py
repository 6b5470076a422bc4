#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Compare D-Bus introspection documents.

introspect-compare.py REFERENCE.xml EXPORTED.xml
    the two export the same contract: the same interfaces with the same members.
introspect-compare.py [--ignore=INTERFACE]... --present EXPORTED.xml REFERENCE.xml...
    every interface EXPORTED has is in one of the references with exactly the same members
    (interfaces EXPORTED lacks are not looked at: e.g. one object of a service whose interfaces
    are documented one file each, as ModemManager's are).
introspect-compare.py [--ignore=INTERFACE]... --subset EXPORTED.xml REFERENCE.xml...
    every interface EXPORTED has is in the references, and every member EXPORTED has is there
    with the same types: method in/out signatures, signal signatures, property types. Argument
    names and property access are not compared and members EXPORTED lacks are allowed, because
    a partial mock (python-dbusmock) exports only what it implements, cannot name arguments and
    declares every property readwrite.
--ignore=INTERFACE leaves an exported interface out (e.g. one that exists only in a test mode).

Documents are normalised with an XML parse: for every interface outside org.freedesktop.DBus.*,
its methods (argument name, type and direction, in order), signals (argument name and type, in
order) and properties (type and access). Annotations, comments, child <node>s and the standard
interfaces are ignored. Prints one line per difference and exits 1 if there is any, 0 if none
(with a closing "same contract: ..." line), 2 on unreadable input.
"""
import sys
import xml.etree.ElementTree as ET

STANDARD = "org.freedesktop.DBus."


def normalise(path, into=None):
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as e:
        print("cannot read %s: %s" % (path, e))
        sys.exit(2)
    out = {} if into is None else into
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


def types(member, v):
    """the part of a member --subset compares: signatures without names, property type only"""
    kind = member.split(" ", 1)[0]
    if kind == "method":
        return ("in " + "".join(a[1] for a in v if a[2] == "in"), "out " + "".join(a[1] for a in v if a[2] == "out"))
    if kind == "signal":
        return ("".join(a[1] for a in v),)
    return (v[0],)


def compare(ref, got, mode):
    diffs = []
    names = sorted(set(ref) | set(got)) if mode == "same" else sorted(got)
    for iface in names:
        if iface not in got:
            diffs.append("interface %s: in the reference, not exported" % iface)
            continue
        if iface not in ref:
            diffs.append("interface %s: exported, not in the reference" % iface)
            continue
        r, g = ref[iface], got[iface]
        members = sorted(set(r) | set(g)) if mode != "subset" else sorted(g)
        for member in members:
            if member not in g:
                diffs.append("%s %s: in the reference %s, not exported" % (iface, member, fmt(r[member])))
            elif member not in r:
                diffs.append("%s %s: exported %s, not in the reference" % (iface, member, fmt(g[member])))
            elif mode == "subset" and types(member, r[member]) != types(member, g[member]):
                diffs.append("%s %s: reference %s, exported %s" % (iface, member, " ".join(types(member, r[member])),
                                                                   " ".join(types(member, g[member]))))
            elif mode != "subset" and r[member] != g[member]:
                diffs.append("%s %s: reference %s, exported %s" % (iface, member, fmt(r[member]), fmt(g[member])))
    return diffs, names


def main():
    args = sys.argv[1:]
    ignore = [a.split("=", 1)[1] for a in args if a.startswith("--ignore=")]
    args = [a for a in args if not a.startswith("--ignore=")]
    if len(args) == 2 and not args[0].startswith("--"):
        mode, ref, got = "same", normalise(args[0]), normalise(args[1])
    elif len(args) >= 3 and args[0] in ("--present", "--subset"):
        mode, got, ref = args[0][2:], normalise(args[1]), {}
        for f in args[2:]:
            normalise(f, ref)
    else:
        print(__doc__)
        return 2
    for i in ignore:
        got.pop(i, None)
    diffs, names = compare(ref, got, mode)
    for d in diffs:
        print(d)
    if not diffs:
        n = sum(len(got[i]) for i in names)
        print("same contract: %d interface(s), %d member(s)%s" % (len(names), n, " (subset)" if mode == "subset" else ""))
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
