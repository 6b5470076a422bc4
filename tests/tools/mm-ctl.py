#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""mm-ctl.py ADDRESS COMMAND ...: drive a python-dbusmock mock of ModemManager's D-Bus API
(started as `python3 -m dbusmock --system -m org.freedesktop.ModemManager1
/org/freedesktop/ModemManager1 org.freedesktop.ModemManager1`) through dbusmock's
org.freedesktop.DBus.Mock interface (AddObject, AddProperties, AddMethods, UpdateProperties,
EmitSignal). It is a MOCK of the API ModemManager 1.20 exports (introspection/
org.freedesktop.ModemManager1.*.xml), not ModemManager: the real daemon cannot be fed an SMS on
this machine (it needs PolicyKit and a modem port, env-recipes.md section 7).

  add-modem N [SIM-N]          /Modem/N with Modem and Modem.Messaging (List, Delete, Create),
                               its Sim property pointing at /SIM/SIM-N; emits InterfacesAdded
  add-sim N IMSI               /SIM/N with org.freedesktop.ModemManager1.Sim.Imsi; InterfacesAdded
  add-sms N STATE NUMBER FILE|- [TEXT]
                               /SMS/N with org.freedesktop.ModemManager1.Sms: State, PduType
                               DELIVER (1), Number, Data = FILE's bytes (- for none), Text, ...
  added MODEM-N SMS-N [0|1]    the modem emits Messaging.Added(/SMS/N, received) (default 1)
  set-state SMS-N STATE [FILE] UpdateProperties State (and Data): emits PropertiesChanged
  calls PATH                   the methods called on a mock object, one per line
ModemManager enums used: MM_SMS_STATE_RECEIVING 2, RECEIVED 3; MM_SMS_PDU_TYPE_DELIVER 1;
MM_MODEM_STATE_REGISTERED 8."""
import sys

import dbus

MM = "org.freedesktop.ModemManager1"
ROOT = "/org/freedesktop/ModemManager1"
MOCK = "org.freedesktop.DBus.Mock"
OM = "org.freedesktop.DBus.ObjectManager"

bus = dbus.bus.BusConnection(sys.argv[1])
cmd, args = sys.argv[2], sys.argv[3:]


def obj(path):
    return dbus.Interface(bus.get_object(MM, path, introspect=False), MOCK)


def data(path):
    return dbus.ByteArray(open(path, "rb").read() if path != "-" else b"")


def interfaces_added(path):
    # what ModemManager's GDBusObjectManagerServer emits: every interface with its properties
    o = bus.get_object(MM, path, introspect=False)
    ifaces = {}
    for iface in IFACES[path]:
        ifaces[iface] = o.GetAll(iface, dbus_interface="org.freedesktop.DBus.Properties")
    obj(ROOT).EmitSignal(OM, "InterfacesAdded", "oa{sa{sv}}",
                         [dbus.ObjectPath(path), dbus.Dictionary(ifaces, signature="sa{sv}")], signature="sssav")


IFACES = {}
if cmd == "add-modem":
    n = args[0]
    path = "%s/Modem/%s" % (ROOT, n)
    sim = "%s/SIM/%s" % (ROOT, args[1]) if len(args) > 1 else "/"
    obj(ROOT).AddObject(path, MM + ".Modem", {
        "Sim": dbus.ObjectPath(sim), "State": dbus.Int32(8), "Manufacturer": "provboot-test",
        "Model": "mock", "EquipmentIdentifier": "350000000000006", "PrimaryPort": "ttyMOCK%s" % n,
    }, [], signature="ssa{sv}a(ssss)")
    m = obj(path)
    m.AddProperties(MM + ".Modem.Messaging", {
        "Messages": dbus.Array([], signature="o"), "SupportedStorages": dbus.Array([dbus.UInt32(2)], signature="u"),
        "DefaultStorage": dbus.UInt32(2)}, signature="sa{sv}")
    m.AddMethods(MM + ".Modem.Messaging", [
        ("List", "", "ao", "ret = []"),
        ("Delete", "o", "", ""),
        ("Create", "a{sv}", "o", "ret = '/'"),
    ], signature="sa(ssss)")
    IFACES[path] = [MM + ".Modem", MM + ".Modem.Messaging"]
    interfaces_added(path)
elif cmd == "add-sim":
    path = "%s/SIM/%s" % (ROOT, args[0])
    obj(ROOT).AddObject(path, MM + ".Sim", {"Imsi": args[1], "SimIdentifier": "8949000000000000000",
                                            "OperatorIdentifier": args[1][:5], "Active": True}, [],
                        signature="ssa{sv}a(ssss)")
    IFACES[path] = [MM + ".Sim"]
    interfaces_added(path)
elif cmd == "add-sms":
    n, state, number, f = args[:4]
    text = args[4] if len(args) > 4 else ""
    obj(ROOT).AddObject("%s/SMS/%s" % (ROOT, n), MM + ".Sms", {
        "State": dbus.UInt32(int(state)), "PduType": dbus.UInt32(1), "Number": number, "Text": text,
        "Data": data(f), "SMSC": "+15551234567", "Timestamp": "2026-11-25T17:00:00+00:00",
        "Storage": dbus.UInt32(2), "MessageReference": dbus.UInt32(0),
        "DeliveryReportRequest": False, "Class": dbus.Int32(-1), "TeleserviceId": dbus.UInt32(0),
        "ServiceCategory": dbus.UInt32(0),
    }, [], signature="ssa{sv}a(ssss)")
elif cmd == "added":
    received = args[2] != "0" if len(args) > 2 else True
    obj("%s/Modem/%s" % (ROOT, args[0])).EmitSignal(MM + ".Modem.Messaging", "Added", "ob",
                                                     [dbus.ObjectPath("%s/SMS/%s" % (ROOT, args[1])), dbus.Boolean(received)],
                                                     signature="sssav")
elif cmd == "set-state":
    props = {"State": dbus.UInt32(int(args[1]))}
    if len(args) > 2:
        props["Data"] = data(args[2])
    obj("%s/SMS/%s" % (ROOT, args[0])).UpdateProperties(MM + ".Sms", props, signature="sa{sv}")
elif cmd == "calls":
    for t, name, a in obj(args[0]).GetCalls():
        print(name)
else:
    sys.exit(__doc__)
