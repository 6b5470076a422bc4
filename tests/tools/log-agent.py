#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""log-agent.py ADDRESS LOG: a user agent (org.provboot.Agent1, ipc/org.provboot.Agent1.xml) that
registers with verifierd (Verifier1.RegisterAgent) at /org/provboot/TestAgent and appends every
call verifierd makes to LOG: "registered UNIQUE-NAME", "RequestPin ID", "RequestConfirmation ID",
"Release". It answers no prompt (org.provboot.Test.NoAnswer), so the push stays pending. Run it
as root or a member of group provboot (the bus policy and verifierd allow only those)."""
import sys

import dbus
import dbus.mainloop.glib
import dbus.service
from gi.repository import GLib

dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
bus = dbus.bus.BusConnection(sys.argv[1])
log = sys.argv[2]
PATH = "/org/provboot/TestAgent"


def note(s):
    with open(log, "a") as f:
        f.write(s + "\n")


class NoAnswer(dbus.exceptions.DBusException):
    _dbus_error_name = "org.provboot.Test.NoAnswer"


class Agent(dbus.service.Object):
    @dbus.service.method("org.provboot.Agent1", in_signature="tsas", out_signature="s")
    def RequestPin(self, push_id, sender, summary):
        note("RequestPin %d" % push_id)
        raise NoAnswer("test agent does not answer")

    @dbus.service.method("org.provboot.Agent1", in_signature="tsas", out_signature="b")
    def RequestConfirmation(self, push_id, sender, summary):
        note("RequestConfirmation %d" % push_id)
        raise NoAnswer("test agent does not answer")

    @dbus.service.method("org.provboot.Agent1", in_signature="", out_signature="")
    def Release(self):
        note("Release")


Agent(bus, PATH)
bus.get_object("org.provboot.Verifier1", "/org/provboot/Verifier1", introspect=False).RegisterAgent(
    dbus.ObjectPath(PATH), dbus_interface="org.provboot.Verifier1")
note("registered %s" % bus.get_unique_name())
GLib.MainLoop().run()
