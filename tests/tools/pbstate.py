#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""pbstate.py: snapshots of verifierd's state for the integration tests (run as root).

  pbstate.py snapshot ADDRESS NMDIR OUT.json
      through the bus, as a user would see it: GetHistory(1000), ListPending, ListSettings,
      ListAccounts, GetPolicy, plus the NetworkManager keyfiles in NMDIR (name -> push id)
  pbstate.py db STATEDIR OUT.json
      straight from verifierd's SQLite store (read-only; stop verifierd first or accept a
      snapshot of the last commit): every push (id, verdict, reason, sec, digest), applied
      documents (push id, digest, sec, roles), settings and accounts with their push ids
  pbstate.py sha256 FILE...   -> the body digest verifierd records (SHA-256 hex) of each file
  pbstate.py wsp-body WSP OUT -> write the body of a WSP push PDU (headers stripped)
"""
import glob
import hashlib
import json
import os
import sqlite3
import sys


def snapshot(address, nmdir, out):
    import dbus
    bus = dbus.bus.BusConnection(address)
    v = bus.get_object("org.provboot.Verifier1", "/org/provboot/Verifier1", introspect=False)
    I = "org.provboot.Verifier1"
    hist = [dict(id=int(h[0]), time=int(h[1]), sender=str(h[2]), transport=str(h[3]), sec=str(h[4]),
                 verdict=str(h[5]), reason=str(h[6]), roles=int(h[7]), denied=str(h[8]), digest=str(h[9]))
            for h in v.GetHistory(dbus.UInt32(1000), dbus_interface=I)]
    pending = [dict(id=int(p[0]), sender=str(p[1]), sec=str(p[2]), waiting=str(p[3])) for p in v.ListPending(dbus_interface=I)]
    settings = [dict(path=str(s[0]), name=str(s[1]), value=str(s[2]), roles=int(s[3]), push=int(s[4]))
                for s in v.ListSettings(dbus_interface=I)]
    accounts = [dict(server=str(a[0]), name=str(a[1]), addr=str(a[2]), roles=int(a[3]), push=int(a[4]))
                for a in v.ListAccounts(dbus_interface=I)]
    policy = {str(k): str(val) for k, val in v.GetPolicy(dbus_interface=I)}
    keyfiles = {}
    for f in sorted(glob.glob(os.path.join(nmdir, "*"))):
        pid = None
        for line in open(f, errors="replace"):
            if line.startswith("org.provboot.push-id="):
                pid = int(line.split("=", 1)[1])
        keyfiles[os.path.basename(f)] = pid
    json.dump(dict(history=hist, pending=pending, settings=settings, accounts=accounts, policy=policy,
                   keyfiles=keyfiles), open(out, "w"), indent=1, sort_keys=True)


def db(statedir, out):
    cands = [f for f in glob.glob(os.path.join(statedir, "**", "*"), recursive=True)
             if os.path.isfile(f) and open(f, "rb").read(16) == b"SQLite format 3\x00"]
    if len(cands) != 1:
        sys.exit("pbstate: expected one SQLite file in %s, found %s" % (statedir, cands))
    con = sqlite3.connect("file:%s?mode=ro" % cands[0], uri=True)
    q = lambda sql: con.execute(sql).fetchall()
    res = dict(
        file=cands[0],
        pushes=[dict(id=r[0], verdict=r[1], reason=r[2], sec=r[3], digest=r[4], transport=r[5])
                for r in q("SELECT id, verdict, reason, sec, digest, transport FROM pushes ORDER BY id")],
        documents=[dict(push=r[0], digest=r[1], sec=r[2], roles=r[3])
                   for r in q("SELECT push_id, digest, sec, roles FROM documents ORDER BY id")],
        settings=[dict(path=r[0], value=r[1], push=r[2]) for r in q("SELECT path, value, push_id FROM settings")],
        accounts=[dict(server=r[0], push=r[1]) for r in q("SELECT server_id, push_id FROM accounts")],
        pending=[r[0] for r in q("SELECT push_id FROM pending")],
    )
    json.dump(res, open(out, "w"), indent=1, sort_keys=True)


def wsp_body(data):
    i, n = 3, 0
    while True:
        n = (n << 7) | (data[i - 1] & 0x7F)
        if not data[i - 1] & 0x80:
            break
        i += 1
    return data[i + n:]


def main():
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    if cmd == "snapshot":
        snapshot(sys.argv[2], sys.argv[3], sys.argv[4])
    elif cmd == "db":
        db(sys.argv[2], sys.argv[3])
    elif cmd == "sha256":
        for f in sys.argv[2:]:
            print(hashlib.sha256(open(f, "rb").read()).hexdigest(), f)
    elif cmd == "wsp-body":
        open(sys.argv[3], "wb").write(wsp_body(open(sys.argv[2], "rb").read()))
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
