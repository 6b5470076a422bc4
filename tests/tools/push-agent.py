#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""push-agent.py ADDRESS LOG [--register MODEM]: a stand-in for an MMS daemon's oFono push agent
(org.ofono.PushNotificationAgent, oFono's doc/pushnotification-api.txt: ReceiveNotification(ay
notification, a{sv} info), Release()). It owns org.provboot.Test.MmsAgent and exports the agent
at /org/provboot/Test/MmsAgent, as an MMS daemon would for provd's [Intake] OfonoNextAgent=.
Every call is appended to LOG, one line each:
  "ready UNIQUE-NAME"
  "ReceiveNotification FROM HEX-PDU SENDER" (FROM: "ofono" when the caller owns org.ofono, else
      "other"; SENDER is info["Sender"])
  "Release"
With --register MODEM it also registers itself with oFono's PushNotification on MODEM first (as
mmsd does), taking that modem's one agent slot: then "registered MODEM" or "register-failed ERROR".
Run it as root (the test bus policy lets root own the name and call oFono)."""
import sys

import dbus
import dbus.mainloop.glib
import dbus.service
from gi.repository import GLib

dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
bus = dbus.bus.BusConnection(sys.argv[1])
log = sys.argv[2]
NAME = "org.provboot.Test.MmsAgent"
PATH = "/org/provboot/Test/MmsAgent"
IFACE = "org.ofono.PushNotificationAgent"


def note(s):
    with open(log, "a") as f:
        f.write(s + "\n")


def ofono_owner():
    try:
        return bus.get_name_owner("org.ofono")
    except dbus.exceptions.DBusException:
        return None


class Agent(dbus.service.Object):
    @dbus.service.method(IFACE, in_signature="aya{sv}", out_signature="", sender_keyword="caller")
    def ReceiveNotification(self, pdu, info, caller=None):
        who = "ofono" if caller == ofono_owner() else "other"
        note("ReceiveNotification %s %s %s" % (who, bytes(pdu).hex().upper(), info.get("Sender", "-")))

    @dbus.service.method(IFACE, in_signature="", out_signature="")
    def Release(self):
        note("Release")


name = dbus.service.BusName(NAME, bus)
Agent(bus, PATH)
if len(sys.argv) > 4 and sys.argv[3] == "--register":
    modem = sys.argv[4]
    try:
        bus.get_object("org.ofono", modem, introspect=False).RegisterAgent(
            dbus.ObjectPath(PATH), dbus_interface="org.ofono.PushNotification")
        note("registered %s" % modem)
    except dbus.exceptions.DBusException as e:
        note("register-failed %s" % e.get_dbus_name())
note("ready %s" % bus.get_unique_name())
GLib.MainLoop().run()
