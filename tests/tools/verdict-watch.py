#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""verdict-watch.py ADDRESS OUT: record every org.provboot.Verifier1.VerdictReached signal that
the owner of org.provboot.Verifier1 broadcasts on the bus at ADDRESS, one JSON line per signal
{"id", "verdict", "reason", "roles"}. Prints "ready" once its match is in place."""
import json
import sys

import dbus
import dbus.mainloop.glib
from gi.repository import GLib


def main():
    address, out = sys.argv[1], sys.argv[2]
    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    bus = dbus.bus.BusConnection(address)

    def on_verdict(pid, verdict, reason, roles):
        with open(out, "a") as f:
            f.write(json.dumps(dict(id=int(pid), verdict=str(verdict), reason=str(reason), roles=int(roles))) + "\n")

    bus.add_signal_receiver(on_verdict, "VerdictReached", "org.provboot.Verifier1", "org.provboot.Verifier1",
                            "/org/provboot/Verifier1")
    bus.get_object("org.freedesktop.DBus", "/org/freedesktop/DBus").GetId(dbus_interface="org.freedesktop.DBus")
    print("ready", flush=True)
    GLib.MainLoop().run()


if __name__ == "__main__":
    main()
