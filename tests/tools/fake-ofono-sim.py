#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""fake-ofono-sim.py ADDRESS IMSI LOG [PAD_MODEMS]: a STAND-IN for oFono for tests/integration/spoof-signals.sh
(the real ofonod with phonesim is exercised by tests/integration/ofono.sh). It owns org.ofono on
the bus of ADDRESS and exports exactly what provd and verifierd use (oFono's doc/manager-api.txt,
doc/modem-api.txt, doc/sim-api.txt, doc/pushnotification-api.txt):

  /        org.ofono.Manager           GetModems() -> a(oa{sv}): one modem /fake_0 whose Interfaces
                                       list org.ofono.SimManager and org.ofono.PushNotification,
                                       after PAD_MODEMS (default 0) modems /pad_N without
                                       Interfaces (no object behind them)
  /fake_0  org.ofono.SimManager        GetProperties() -> a{sv} with SubscriberIdentity = IMSI
           org.ofono.PushNotification  RegisterAgent(o), UnregisterAgent(o) (one agent, as oFono)
           org.provboot.Test           Deliver(ay pdu, s sender) -> s: calls the agent's
                                       ReceiveNotification like ofonod does ("ok", "no agent" or
                                       "error NAME")
                                       SetImsi(s imsi): a new SIM; broadcasts SimManager.PropertyChanged
                                       ("SubscriberIdentity", imsi) as ofonod does (doc/sim-api.txt)
                                       Replug(s imsi, u pad): a new SIM whose GetProperties has `pad`
                                       more entries ("Pad0".. before SubscriberIdentity, which is
                                       last: pad + 2 entries in all); broadcasts Manager.ModemAdded

Every call is appended to LOG ("GetModems", "GetProperties", "register PATH", ...)."""
import sys

import dbus
import dbus.mainloop.glib
import dbus.service
from gi.repository import GLib

dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
bus = dbus.bus.BusConnection(sys.argv[1])
imsi, log = sys.argv[2], sys.argv[3]
pad_modems = int(sys.argv[4]) if len(sys.argv) > 4 else 0
pad = 0
IFACES = dbus.Array(["org.ofono.SimManager", "org.ofono.PushNotification"], signature="s")
agent = {}


def note(s):
    with open(log, "a") as f:
        f.write(s + "\n")


class Manager(dbus.service.Object):
    @dbus.service.signal("org.ofono.Manager", signature="oa{sv}")
    def ModemAdded(self, path, props):
        pass

    @dbus.service.method("org.ofono.Manager", in_signature="", out_signature="a(oa{sv})")
    def GetModems(self):
        note("GetModems")
        pads = [(dbus.ObjectPath("/pad_%d" % i), dbus.Dictionary({"Powered": True}, signature="sv"))
                for i in range(pad_modems)]
        return pads + [(dbus.ObjectPath("/fake_0"), dbus.Dictionary({"Interfaces": IFACES, "Powered": True}, signature="sv"))]


class Modem(dbus.service.Object):
    @dbus.service.method("org.ofono.SimManager", in_signature="", out_signature="a{sv}")
    def GetProperties(self):
        note("GetProperties")
        props = {"Present": True}
        for i in range(pad):
            props["Pad%d" % i] = ""
        props["SubscriberIdentity"] = imsi  # last: a reader that stops at its limit never sees it
        return dbus.Dictionary(props, signature="sv")

    @dbus.service.method("org.ofono.PushNotification", in_signature="o", out_signature="", sender_keyword="sender")
    def RegisterAgent(self, path, sender=None):
        if agent:
            raise dbus.exceptions.DBusException("busy", name="org.ofono.Error.InProgress")
        agent["path"], agent["name"] = str(path), sender
        note("register %s" % path)

    @dbus.service.method("org.ofono.PushNotification", in_signature="o", out_signature="")
    def UnregisterAgent(self, path):
        agent.clear()
        note("unregister %s" % path)

    @dbus.service.signal("org.ofono.SimManager", signature="sv")
    def PropertyChanged(self, name, value):
        pass

    @dbus.service.method("org.provboot.Test", in_signature="s", out_signature="")
    def SetImsi(self, new):
        global imsi
        imsi = str(new)
        note("SetImsi")
        self.PropertyChanged("SubscriberIdentity", dbus.String(imsi, variant_level=1))

    @dbus.service.method("org.provboot.Test", in_signature="su", out_signature="")
    def Replug(self, new, n):
        global imsi, pad
        imsi, pad = str(new), int(n)
        note("Replug %d" % pad)
        manager.ModemAdded(dbus.ObjectPath("/fake_0"), dbus.Dictionary({"Interfaces": IFACES, "Powered": True}, signature="sv"))

    @dbus.service.method("org.provboot.Test", in_signature="ays", out_signature="s")
    def Deliver(self, pdu, sender):
        if not agent:
            return "no agent"
        try:
            bus.get_object(agent["name"], agent["path"], introspect=False).ReceiveNotification(
                dbus.ByteArray(bytes(pdu)), dbus.Dictionary({"Sender": sender}, signature="sv"),
                dbus_interface="org.ofono.PushNotificationAgent")
            return "ok"
        except dbus.exceptions.DBusException as e:
            return "error " + e.get_dbus_name()


manager = Manager(bus, "/")
Modem(bus, "/fake_0")
bus.request_name("org.ofono")
print("ready", flush=True)
GLib.MainLoop().run()
