#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""fake-notifyd.py ADDRESS LOG CONTROL [--caps CAP,CAP...]: a desktop notification server for
the tests of `provctl agent --notify` (tests/integration/agent.sh), on the session bus at ADDRESS.

It owns org.freedesktop.Notifications at /org/freedesktop/Notifications with the interface of the
Desktop Notifications Specification 1.2 (the signatures below are the specification's; the
tool checks at start that its own introspection says exactly these, and exits otherwise):
  Notify(s app_name, u replaces_id, s app_icon, s summary, s body, as actions, a{sv} hints,
         i expire_timeout) -> u id
  CloseNotification(u id), GetCapabilities() -> as, GetServerInformation() -> ssss
  signals NotificationClosed(u id, u reason), ActionInvoked(u id, s action_key)
Each Notify is appended to LOG as one JSON line {"id", "app_name", "replaces_id", "app_icon",
"summary", "body", "actions", "hints", "expire_timeout", "sender_uid"}. CONTROL is a FIFO read
line by line:
  invoke ID KEY   emit ActionInvoked(ID, KEY), then NotificationClosed(ID, 2) as servers that
                  close a notification after its action do (unless it was marked resident)
  close ID        emit NotificationClosed(ID, 2) (dismissed by the user)
Prints "ready" once it owns the name. --caps: the GetCapabilities answer (default
"actions,body,body-markup", as Phosh's).
"""
import argparse
import json
import os
import sys
import threading
import xml.etree.ElementTree as ET

import dbus
import dbus.mainloop.glib
import dbus.service
from gi.repository import GLib

NAME = "org.freedesktop.Notifications"
PATH = "/org/freedesktop/Notifications"
IFACE = "org.freedesktop.Notifications"
SPEC = {  # Desktop Notifications Specification 1.2, "D-BUS Protocol"
    ("method", "Notify"): ("susssasa{sv}i", "u"),
    ("method", "CloseNotification"): ("u", ""),
    ("method", "GetCapabilities"): ("", "as"),
    ("method", "GetServerInformation"): ("", "ssss"),
    ("signal", "NotificationClosed"): ("uu", None),
    ("signal", "ActionInvoked"): ("us", None),
}


class Server(dbus.service.Object):
    def __init__(self, bus, log, caps):
        super().__init__(bus, PATH)
        self.log = log
        self.caps = caps
        self.next_id = 1

    @dbus.service.method(IFACE, in_signature="susssasa{sv}i", out_signature="u", sender_keyword="sender")
    def Notify(self, app_name, replaces_id, app_icon, summary, body, actions, hints, expire_timeout, sender=None):
        if replaces_id:
            nid = int(replaces_id)
        else:
            nid = self.next_id
            self.next_id += 1
        uid = int(self.connection.get_unix_user(sender)) if sender else -1
        with open(self.log, "a") as f:
            f.write(json.dumps(dict(id=nid, app_name=str(app_name), replaces_id=int(replaces_id),
                                    app_icon=str(app_icon), summary=str(summary), body=str(body),
                                    actions=[str(a) for a in actions],
                                    hints={str(k): str(v) for k, v in hints.items()},
                                    expire_timeout=int(expire_timeout), sender_uid=uid)) + "\n")
        return dbus.UInt32(nid)

    @dbus.service.method(IFACE, in_signature="u", out_signature="")
    def CloseNotification(self, nid):
        self.NotificationClosed(nid, dbus.UInt32(3))

    @dbus.service.method(IFACE, in_signature="", out_signature="as")
    def GetCapabilities(self):
        return dbus.Array(self.caps, signature="s")

    @dbus.service.method(IFACE, in_signature="", out_signature="ssss")
    def GetServerInformation(self):
        return ("fake-notifyd", "provboot tests", "1", "1.2")

    @dbus.service.signal(IFACE, signature="uu")
    def NotificationClosed(self, nid, reason):
        pass

    @dbus.service.signal(IFACE, signature="us")
    def ActionInvoked(self, nid, key):
        pass


def check_signatures(server, bus):
    """The exported interface must be the specification's, member by member (the object's own
    Introspect, as a client would receive it)."""
    xml = server.Introspect(PATH, bus)
    got = {}
    for iface in ET.fromstring(xml).findall("interface"):
        if iface.get("name") != IFACE:
            continue
        for el in iface:
            ins = "".join(a.get("type") for a in el.findall("arg") if a.get("direction", "in") == "in" or el.tag == "signal")
            outs = "".join(a.get("type") for a in el.findall("arg") if a.get("direction") == "out")
            got[(el.tag, el.get("name"))] = (ins, outs if el.tag == "method" else None)
    if got != SPEC:
        sys.exit("fake-notifyd: exported %r, the specification says %r" % (got, SPEC))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("address")
    ap.add_argument("log")
    ap.add_argument("control")
    ap.add_argument("--caps", default="actions,body,body-markup")
    a = ap.parse_args()
    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    bus = dbus.bus.BusConnection(a.address)
    server = Server(bus, a.log, [c for c in a.caps.split(",") if c])
    check_signatures(server, bus)
    name = dbus.service.BusName(NAME, bus, do_not_queue=True)
    loop = GLib.MainLoop()

    def control(line):
        w = line.split()
        if len(w) == 3 and w[0] == "invoke":
            server.ActionInvoked(dbus.UInt32(int(w[1])), w[2])
            server.NotificationClosed(dbus.UInt32(int(w[1])), dbus.UInt32(2))
        elif len(w) == 2 and w[0] == "close":
            server.NotificationClosed(dbus.UInt32(int(w[1])), dbus.UInt32(2))
        return False

    def reader():
        while True:
            with open(a.control) as f:
                for line in f:
                    GLib.idle_add(control, line)

    threading.Thread(target=reader, daemon=True).start()
    print("ready", flush=True)
    loop.run()
    del name


if __name__ == "__main__":
    main()
