#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""modem-send.py CONTROL-PORT FILE [ORDER]: deliver the SMS-DELIVER TPDUs of FILE (hex, one per
line, as tools/mkpush.py --sms and tests/data/*.sms.hex hold them) through tests/tools/fake-modem.py
as +CMT unsolicited results: each becomes "LEN 00TPDU" (no SMSC address; LEN = TPDU octets, as
tools/kannel/make-deliver.py (docs/testing.md §5.2) does). ORDER, e.g. "2,1,3", sends the segments in that order.
Waits (bounded) for the modem's "ok" after each line; exit 1 if the modem has no ofono connection."""
import socket
import sys

port, path = int(sys.argv[1]), sys.argv[2]
tpdus = [l.strip() for l in open(path) if l.strip()]
order = [int(x) - 1 for x in sys.argv[3].split(",")] if len(sys.argv) > 3 else range(len(tpdus))
s = socket.create_connection(("127.0.0.1", port), timeout=10)
f = s.makefile("rb")
for i in order:
    t = tpdus[i]
    s.sendall(("%d 00%s\n" % (len(t) // 2, t.upper())).encode())
    ans = f.readline().decode().strip()
    if not ans.startswith("ok"):
        print("modem-send: segment %d: %s" % (i + 1, ans or "no answer"))
        sys.exit(1)
print("delivered %d segment(s)" % len(list(order)))
