#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""ofono-export-mock.py: MOCK oFono and mmsd-tng for tests/integration/export-dbus.sh.

These are stand-ins, not the daemons: real oFono creates packet-data contexts only on a modem
with a SIM (the phonesim plugin of tests/integration/ofono.sh has no usable ConnectionManager
for AddContext without a scripted GPRS attach), and real mmsd-tng needs a user session and a
ModemManager modem. The stand-in implements exactly the D-Bus surface provboot's exporter uses,
with oFono's types and error names (doc/manager-api.txt, doc/connman-api.txt; src/gprs.c:
properties other than Active are read-only while the context is active -> org.ofono.Error.InUse)
and mmsd-tng's as Chatty calls it (docs/trust-boundary.md §2.4). The org.ofono.mms stand-in on the
SYSTEM bus only records calls: verifierd must never make one (mmsd-tng is on the user's session
bus; verifierd publishes the settings for provboot-mmsd-sync, tests/integration/mmsd-sync.sh runs
the real mmsd-tng), so the tests check that its list stays empty:

  org.ofono        /                org.ofono.Manager            GetModems() -> a(oa{sv})
                   /ril_0           org.ofono.ConnectionManager  GetContexts() -> a(oa{sv}),
                                                                 AddContext(s) -> o, RemoveContext(o),
                                                                 GetProperties() -> a{sv}
                   /ril_0/contextN  org.ofono.ConnectionContext  SetProperty(sv), GetProperties() -> a{sv}
  org.ofono.mms    /org/ofono/mms   org.ofono.mms.ModemManager   ChangeSettings(sv)

Both names on the bus of $DBUS_SYSTEM_BUS_ADDRESS (the bus policy must let the caller own them).
After every change it writes its whole state to --state (JSON, atomically): contexts with their
properties, call counters, the ChangeSettings calls in order. --seed FILE (JSON list of
{"Name", "Type", "AccessPointName", ...}) creates contexts at start, e.g. a user's own context.
--set-active NAME marks the context with that Name active after seeding.
--modem PATH (repeatable; default /ril_0) lists several modems, each with its own
ConnectionManager and contexts (issue 10 point 7: a document bound to a modem's SIM is a context
of that modem only); the state's "contexts" are the first modem's, "by_modem" maps every modem's
path to its contexts. (A stuck oFono is the real ofonod, stopped: tests/integration/export-async.sh.)
"""
import argparse
import json
import os
import sys

import dbus
import dbus.mainloop.glib
import dbus.service
from gi.repository import GLib

MODEM = "/ril_0"
STRING_PROPS = ["Name", "Type", "AccessPointName", "Username", "Password", "AuthenticationMethod",
                "Protocol", "MessageProxy", "MessageCenter"]
TYPES = ("internet", "mms", "wap", "ims")


class OfonoError(dbus.DBusException):
    def __init__(self, name, msg):
        super().__init__(msg, name="org.ofono.Error." + name)


class State:
    def __init__(self, path):
        self.path = path
        self.contexts = []          # Context objects of the first modem, in creation order
        self.by_modem = {}          # modem path -> its list of Context objects
        self.calls = {"GetModems": 0, "GetContexts": 0, "AddContext": 0, "RemoveContext": 0,
                      "SetProperty": 0, "ChangeSettings": 0}
        self.mms = []               # [key, value] per ChangeSettings
        self.next_id = 0

    def save(self):
        data = {
            "contexts": [{"path": c.path, "props": c.plain()} for c in self.contexts],
            "by_modem": {m: [c.plain() for c in cs] for m, cs in self.by_modem.items()},
            "calls": self.calls,
            "mms": self.mms,
        }
        tmp = self.path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(data, f, indent=1, sort_keys=True)
        os.replace(tmp, self.path)


class Context(dbus.service.Object):
    def __init__(self, bus, state, ctype, modem=MODEM):
        state.next_id += 1
        self.path = "%s/context%d" % (modem, state.next_id)
        super().__init__(bus, self.path)
        self.state = state
        self.props = {k: "" for k in STRING_PROPS}
        self.props.update({"Name": "MMS" if ctype == "mms" else "Internet", "Type": ctype,
                           "AuthenticationMethod": "chap", "Protocol": "ip"})
        self.active = False

    def plain(self):
        d = dict(self.props)
        d["Active"] = self.active
        return d

    def dbus_props(self):
        d = dbus.Dictionary({}, signature="sv")
        for k in STRING_PROPS:
            if k in ("MessageProxy", "MessageCenter") and self.props["Type"] != "mms":
                continue
            d[k] = dbus.String(self.props[k], variant_level=1)
        d["Active"] = dbus.Boolean(self.active, variant_level=1)
        d["Settings"] = dbus.Dictionary({}, signature="sv", variant_level=1)
        return d

    @dbus.service.method("org.ofono.ConnectionContext", in_signature="", out_signature="a{sv}")
    def GetProperties(self):
        return self.dbus_props()

    @dbus.service.method("org.ofono.ConnectionContext", in_signature="sv", out_signature="")
    def SetProperty(self, key, value):
        self.state.calls["SetProperty"] += 1
        if key == "Active":
            self.active = bool(value)
        elif self.active:
            raise OfonoError("InUse", "Operation currently not available")
        elif key not in STRING_PROPS or not isinstance(value, str):
            raise OfonoError("InvalidArguments", "Invalid arguments in method call")
        elif key == "Type" and value not in TYPES:
            raise OfonoError("InvalidFormat", "Argument format is not recognized")
        else:
            self.props[key] = str(value)
        self.state.save()


class ConnectionManager(dbus.service.Object):
    def __init__(self, bus, state, modem=MODEM, index=0, contexts=None):
        super().__init__(bus, modem)
        self.bus = bus
        self.state = state
        self.modem = modem
        self.index = index
        self.contexts = state.contexts if contexts is None else contexts
        state.by_modem[modem] = self.contexts


    @dbus.service.method("org.ofono.ConnectionManager", in_signature="", out_signature="a{sv}")
    def GetProperties(self):
        return dbus.Dictionary({"Attached": dbus.Boolean(True, variant_level=1),
                                "Powered": dbus.Boolean(True, variant_level=1)}, signature="sv")

    @dbus.service.method("org.ofono.ConnectionManager", in_signature="", out_signature="a(oa{sv})")
    def GetContexts(self):
        self.state.calls["GetContexts"] += 1
        self.state.save()
        return dbus.Array([dbus.Struct((dbus.ObjectPath(c.path), c.dbus_props()), signature="oa{sv}")
                           for c in self.contexts], signature="(oa{sv})")

    def add(self, ctype):
        c = Context(self.bus, self.state, ctype, self.modem)
        self.contexts.append(c)
        return c

    @dbus.service.method("org.ofono.ConnectionManager", in_signature="s", out_signature="o")
    def AddContext(self, ctype):
        self.state.calls["AddContext"] += 1
        if ctype not in TYPES:
            raise OfonoError("InvalidFormat", "Argument format is not recognized")
        c = self.add(str(ctype))
        self.state.save()
        return dbus.ObjectPath(c.path)

    @dbus.service.method("org.ofono.ConnectionManager", in_signature="o", out_signature="")
    def RemoveContext(self, path):
        self.state.calls["RemoveContext"] += 1
        for c in self.contexts:
            if c.path == path:
                if c.active:
                    raise OfonoError("InUse", "Operation currently not available")
                c.remove_from_connection()
                self.contexts.remove(c)
                self.state.save()
                return
        raise OfonoError("NotFound", "Object is not found or not valid for this operation")


class Manager(dbus.service.Object):
    def __init__(self, bus, state, modems=(MODEM,)):
        super().__init__(bus, "/")
        self.state = state
        self.modems = list(modems)

    @dbus.service.method("org.ofono.Manager", in_signature="", out_signature="a(oa{sv})")
    def GetModems(self):
        self.state.calls["GetModems"] += 1
        self.state.save()
        return self.modems_list()

    def modems_list(self):
        props = dbus.Dictionary({
            "Powered": dbus.Boolean(True, variant_level=1),
            "Online": dbus.Boolean(True, variant_level=1),
            "Name": dbus.String("Stand-in modem", variant_level=1),
            "Interfaces": dbus.Array(["org.ofono.SimManager", "org.ofono.ConnectionManager",
                                      "org.ofono.PushNotification"], signature="s", variant_level=1),
        }, signature="sv")
        return dbus.Array([dbus.Struct((dbus.ObjectPath(m), props), signature="oa{sv}") for m in self.modems],
                          signature="(oa{sv})")


class Mmsd(dbus.service.Object):
    def __init__(self, bus, state):
        super().__init__(bus, "/org/ofono/mms")
        self.state = state

    @dbus.service.method("org.ofono.mms.ModemManager", in_signature="sv", out_signature="")
    def ChangeSettings(self, key, value):
        self.state.calls["ChangeSettings"] += 1
        self.state.mms.append([str(key), str(value)])
        self.state.save()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--state", required=True)
    ap.add_argument("--seed")
    ap.add_argument("--set-active", action="append", default=[])
    ap.add_argument("--modem", action="append", default=[])
    args = ap.parse_args()
    modems = args.modem or [MODEM]

    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    bus = dbus.SystemBus()
    state = State(args.state)
    Manager(bus, state, modems)
    cm = ConnectionManager(bus, state, modems[0], 0, state.contexts)
    others = [ConnectionManager(bus, state, m, i, []) for i, m in enumerate(modems[1:], 1)]
    Mmsd(bus, state)
    if args.seed:
        with open(args.seed) as f:
            for item in json.load(f):
                c = cm.add(item.get("Type", "internet"))
                for k, v in item.items():
                    if k in STRING_PROPS:
                        c.props[k] = v
    for c in state.contexts:
        if c.props["Name"] in args.set_active:
            c.active = True
    state.save()
    # Names last: once both are owned the test may call.
    names = [dbus.service.BusName("org.ofono", bus), dbus.service.BusName("org.ofono.mms", bus)]
    loop = GLib.MainLoop()
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, 15, loop.quit)
    loop.run()
    del names
    return 0


if __name__ == "__main__":
    sys.exit(main())
