#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""nm-api-mock.py: MOCK of NetworkManager's settings API for tests/integration/nm-api.sh.

A stand-in, not the daemon (the real NetworkManager is tested in tests/integration/nspawn.sh,
inside a booted Debian tree: it needs its own system bus, polkit and systemd). It owns
org.freedesktop.NetworkManager on $DBUS_SYSTEM_BUS_ADDRESS and exports the methods verifierd
calls (verifierd/export-nm-api.h), with NetworkManager's signatures (network-manager-dev's
/usr/share/dbus-1/interfaces/org.freedesktop.NetworkManager.Settings.xml and
...Settings.Connection.xml; the test compares every method of both interfaces):

  /org/freedesktop/NetworkManager/Settings, org.freedesktop.NetworkManager.Settings:
    ListConnections() -> ao; GetConnectionByUuid(s) -> o;
    AddConnection2(a{sa{sv}} settings, u flags, a{sv} args) -> (o, a{sv})
  /org/freedesktop/NetworkManager/Settings/N, org.freedesktop.NetworkManager.Settings.Connection:
    GetSettings() -> a{sa{sv}}; GetSecrets(s) -> a{sa{sv}};
    Update2(a{sa{sv}}, u, a{sv}) -> a{sv}; Delete()

with NetworkManager's semantics where verifierd depends on them: AddConnection2 and Update2 need
the flag to-disk (0x1) or in-memory (0x2) and refuse unknown flags and args; a UUID exists once;
GetConnectionByUuid of an unknown UUID fails with ...Settings.InvalidConnection; GetSettings
leaves the secrets out (gsm.password), GetSecrets returns them; and GetSettings adds what
NetworkManager 1.42 adds by itself (connection.timestamp, empty legacy arrays, autoconnect=true
when it was not sent) and returns settings and properties in another order than they came.
A test-only interface, org.provboot.test.NmMock, stands for the user and for others:
UserSetApn(s uuid, s apn) (an nmcli edit), UserDelete(s uuid), AddForeign(s uuid, s id) (a
connection of someone else), AddMarked(s uuid, s name, s root) (a connection with the owner
marker, that name and, unless empty, that root in its user data, and no store record),
AddJunk(u n) (n more object paths in ListConnections that answer
nothing). After every call it writes its state to --state (JSON, atomically): the connections by
UUID (id, apn, owner marker, name, whether a password is stored, the flags of the last write)
and every call in order as [method, uuid or "", flags].
"""
import argparse
import json
import os
import sys

import dbus
import dbus.mainloop.glib
import dbus.service
from gi.repository import GLib

SETTINGS = "org.freedesktop.NetworkManager.Settings"
CONNECTION = "org.freedesktop.NetworkManager.Settings.Connection"
TEST = "org.provboot.test.NmMock"
BASE = "/org/freedesktop/NetworkManager/Settings"
FLAGS_KNOWN = 0x1 | 0x2 | 0x4 | 0x8 | 0x10 | 0x20 | 0x40


class Failed(dbus.DBusException):
    _dbus_error_name = "org.freedesktop.NetworkManager.Settings.Failed"


class InvalidConnection(dbus.DBusException):
    _dbus_error_name = "org.freedesktop.NetworkManager.Settings.InvalidConnection"


class InvalidArguments(dbus.DBusException):
    _dbus_error_name = "org.freedesktop.NetworkManager.Settings.InvalidArguments"


def check_write(settings, flags, args):
    if flags & ~FLAGS_KNOWN or not flags & 0x3:
        raise InvalidArguments("flags: to-disk or in-memory required, no unknown flag")
    if len(args) > 0:
        raise InvalidArguments("unknown args")
    con = settings.get("connection", {})
    if "uuid" not in con or "id" not in con or "type" not in con:
        raise InvalidArguments("connection.uuid, id and type are required")


class Connection(dbus.service.Object):
    def __init__(self, mock, path, settings, flags):
        super().__init__(mock.bus, path)
        self.mock = mock
        self.path = path
        self.store(settings, flags)

    def store(self, settings, flags):
        # secrets apart, as NetworkManager keeps them
        self.settings = {}
        self.secrets = {}
        for name, props in settings.items():
            keep = dbus.Dictionary({}, signature="sv")
            for k, v in props.items():
                if name == "gsm" and k == "password":
                    self.secrets.setdefault(name, dbus.Dictionary({}, signature="sv"))[k] = v
                else:
                    keep[k] = v
            self.settings[str(name)] = keep
        self.flags = int(flags)

    @property
    def uuid(self):
        return str(self.settings["connection"]["uuid"])

    @dbus.service.method(CONNECTION, in_signature="", out_signature="a{sa{sv}}")
    def GetSettings(self):
        self.mock.call("GetSettings", self.uuid)
        out = dbus.Dictionary({}, signature="sa{sv}")
        for name in reversed(list(self.settings)):
            props = dbus.Dictionary({}, signature="sv")
            for k in reversed(list(self.settings[name])):
                props[k] = self.settings[name][k]
            if name == "connection":
                props["timestamp"] = dbus.UInt64(1765100000)
                props["permissions"] = dbus.Array([], signature="s")
                if "autoconnect" not in props:
                    props["autoconnect"] = dbus.Boolean(True)
            if name == "ipv4":
                props["address-data"] = dbus.Array([], signature="a{sv}")
                props["dns"] = dbus.Array([], signature="u")
                props["dns-search"] = dbus.Array([], signature="s")
            out[name] = props
        return out

    @dbus.service.method(CONNECTION, in_signature="s", out_signature="a{sa{sv}}")
    def GetSecrets(self, setting):
        self.mock.call("GetSecrets", self.uuid)
        out = dbus.Dictionary({}, signature="sa{sv}")
        if str(setting) in self.secrets:
            out[str(setting)] = self.secrets[str(setting)]
        return out

    @dbus.service.method(CONNECTION, in_signature="a{sa{sv}}ua{sv}", out_signature="a{sv}")
    def Update2(self, settings, flags, args):
        check_write(settings, flags, args)
        if str(settings["connection"]["uuid"]) != self.uuid:
            raise InvalidArguments("the UUID of a connection cannot change")
        self.store(settings, flags)
        self.mock.call("Update2", self.uuid, int(flags))
        return dbus.Dictionary({}, signature="sv")

    @dbus.service.method(CONNECTION, in_signature="", out_signature="")
    def Delete(self):
        self.mock.call("Delete", self.uuid)
        self.mock.drop(self)


class Settings(dbus.service.Object):
    def __init__(self, bus, state_path):
        super().__init__(bus, BASE)
        self.bus = bus
        self.state_path = state_path
        self.cons = {}      # uuid -> Connection
        self.junk = []
        self.calls = []
        self.next = 1
        self.save()

    def save(self):
        cons = {}
        for u, c in self.cons.items():
            data = c.settings.get("user", {}).get("data", {})
            cons[u] = {"path": c.path, "id": str(c.settings["connection"].get("id", "")),
                       "apn": str(c.settings.get("gsm", {}).get("apn", "")),
                       "owner": str(data.get("org.provboot.owner", "")),
                       "name": str(data.get("org.provboot.name", "")),
                       "push_id": str(data.get("org.provboot.push-id", "")),
                       "password": "password" in c.secrets.get("gsm", {}), "flags": c.flags}
        tmp = self.state_path + ".tmp"
        with open(tmp, "w") as f:
            json.dump({"connections": cons, "calls": self.calls}, f, indent=1, sort_keys=True)
        os.replace(tmp, self.state_path)

    def call(self, method, uuid="", flags=0):
        self.calls.append([method, uuid, flags])
        self.save()

    def add(self, settings, flags):
        uuid = str(settings["connection"]["uuid"])
        if uuid in self.cons:
            raise Failed("a connection with this UUID exists")
        path = "%s/%d" % (BASE, self.next)
        self.next += 1
        self.cons[uuid] = Connection(self, path, settings, flags)
        return path

    def drop(self, con):
        con.remove_from_connection()
        self.cons.pop(con.uuid, None)
        self.save()

    @dbus.service.method(SETTINGS, in_signature="", out_signature="ao")
    def ListConnections(self):
        self.call("ListConnections")
        return dbus.Array([c.path for c in self.cons.values()] + self.junk, signature="o")

    @dbus.service.method(SETTINGS, in_signature="s", out_signature="o")
    def GetConnectionByUuid(self, uuid):
        self.call("GetConnectionByUuid", str(uuid))
        if str(uuid) not in self.cons:
            raise InvalidConnection("No connection with the UUID was found.")
        return dbus.ObjectPath(self.cons[str(uuid)].path)

    @dbus.service.method(SETTINGS, in_signature="a{sa{sv}}ua{sv}", out_signature="oa{sv}")
    def AddConnection2(self, settings, flags, args):
        check_write(settings, flags, args)
        path = self.add(settings, flags)
        self.call("AddConnection2", str(settings["connection"]["uuid"]), int(flags))
        return dbus.ObjectPath(path), dbus.Dictionary({}, signature="sv")

    # ---- the user and the others (test only)
    @dbus.service.method(TEST, in_signature="ss", out_signature="")
    def UserSetApn(self, uuid, apn):
        self.cons[str(uuid)].settings["gsm"]["apn"] = dbus.String(apn, variant_level=1)
        self.call("UserSetApn", str(uuid))

    @dbus.service.method(TEST, in_signature="s", out_signature="")
    def UserDelete(self, uuid):
        self.call("UserDelete", str(uuid))
        self.drop(self.cons[str(uuid)])

    @dbus.service.method(TEST, in_signature="ss", out_signature="")
    def AddForeign(self, uuid, name):
        self.add({"connection": {"id": dbus.String(name), "uuid": dbus.String(uuid), "type": dbus.String("gsm")},
                  "gsm": {"apn": dbus.String("foreign.example")}}, 1)
        self.call("AddForeign", str(uuid))

    @dbus.service.method(TEST, in_signature="sss", out_signature="")
    def AddMarked(self, uuid, name, root):
        data = {"org.provboot.owner": "verifierd", "org.provboot.name": str(name)}
        if root:
            data["org.provboot.root"] = str(root)
        self.add({"connection": {"id": dbus.String(name), "uuid": dbus.String(uuid), "type": dbus.String("gsm")},
                  "gsm": {"apn": dbus.String("marked.example")},
                  "user": {"data": dbus.Dictionary(data, signature="ss")}}, 1)
        self.call("AddMarked", str(uuid))

    @dbus.service.method(TEST, in_signature="u", out_signature="")
    def AddJunk(self, n):
        self.junk += ["%s/junk%d" % (BASE, len(self.junk) + i) for i in range(int(n))]
        self.call("AddJunk")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--state", required=True)
    a = ap.parse_args()
    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    bus = dbus.bus.BusConnection(os.environ["DBUS_SYSTEM_BUS_ADDRESS"])
    Settings(bus, a.state)
    name = dbus.service.BusName("org.freedesktop.NetworkManager", bus)  # noqa: F841 (kept)
    print("nm-api-mock: ready", flush=True)
    GLib.MainLoop().run()


if __name__ == "__main__":
    sys.exit(main())
