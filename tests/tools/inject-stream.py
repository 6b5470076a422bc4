#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""inject-stream.py ADDRESS LIST LOG [DEADLINE-SECONDS]: call Parser1.Inject for each line of LIST,
one call at a time over one connection, and append one line per call to LOG (flushed at once):

  LIST lines:  INDEX FORMAT FILE      (FORMAT as Inject takes it: wsp, sms, auto, ...)
  LOG lines:   INDEX verdict ID VERDICT REASON ROLES    or    INDEX error DBUS-ERROR-NAME

A call that fails (provd gone, no reply) is logged and the stream goes on with the next line, so
a test can kill provd in the middle of it. Stops at the end of LIST or at the deadline."""
import sys
import time

import dbus

address, lst, log = sys.argv[1:4]
deadline = time.monotonic() + (float(sys.argv[4]) if len(sys.argv) > 4 else 120.0)
bus = dbus.bus.BusConnection(address)
out = open(log, "a", buffering=1)
for line in open(lst):
    if time.monotonic() > deadline:
        out.write("deadline\n")
        break
    idx, fmt, path = line.split()
    data = open(path, "rb").read()
    try:
        p = bus.get_object("org.provboot.Parser1", "/org/provboot/Parser1", introspect=False)
        r = p.Inject(dbus.ByteArray(data), fmt, dbus_interface="org.provboot.Parser1", timeout=35)
        out.write("%s verdict %d %s %s %d\n" % (idx, r[0], r[1], r[2] or "-", r[3]))
    except dbus.exceptions.DBusException as e:
        out.write("%s error %s\n" % (idx, e.get_dbus_name()))
out.write("done\n")
