#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""mm-ctl.py ADDRESS COMMAND ...: drive a python-dbusmock mock of ModemManager's D-Bus API
(started as `python3 -m dbusmock --system -m org.freedesktop.ModemManager1
/org/freedesktop/ModemManager1 org.freedesktop.ModemManager1`) through dbusmock's
org.freedesktop.DBus.Mock interface (AddObject, AddProperties, AddMethods, UpdateProperties,
EmitSignal). It is a MOCK of the API ModemManager 1.20 exports, not ModemManager; the real
daemon runs in tests/integration/modemmanager-real.sh, and the mock follows its object model:
  - the ObjectManager at /org/freedesktop/ModemManager1 manages the modems only: InterfacesAdded
    and GetManagedObjects carry /Modem/N objects and nothing else;
  - a SIM is exported outside the ObjectManager, at the path the modem's Modem.Sim property
    names (no InterfacesAdded for it, not in GetManagedObjects); its Sim.Imsi is read there;
  - SMS objects are outside the ObjectManager too, announced by Modem.Messaging.Added.
Every interface, method, property and emitted signal of the mock is checked against
ModemManager's shipped introspection XML (tests/integration/modemmanager.sh, `signals-xml`).

  add-modem N [SIM-N]          /Modem/N with Modem and Modem.Messaging (List, Delete, Create),
                               its Sim property pointing at /SIM/SIM-N; emits InterfacesAdded
  add-sim N IMSI               /SIM/N with org.freedesktop.ModemManager1.Sim (Imsi, SimIdentifier
                               8949000000000000N, OperatorIdentifier = the IMSI's first 5 digits);
                               no signal
  pad-objects N M              GetManagedObjects answers N objects without interfaces first,
                               then the modems, each with M interfaces org.example.PadJ (no
                               properties) before its own (Modem.Messaging, then Modem last):
                               the readers' limits (spoof-signals.sh)
  set-sim MODEM-N SIM-N|none   a SIM swap: the modem's Sim property becomes /SIM/SIM-N (or "/"):
                               emits PropertiesChanged on the modem, as ModemManager does
  add-sms N STATE NUMBER FILE|- [TEXT]
                               /SMS/N with org.freedesktop.ModemManager1.Sms: State, PduType
                               DELIVER (1), Number, Data = FILE's bytes (- for none), Text, ...
  added MODEM-N SMS-N [0|1]    the modem emits Messaging.Added(/SMS/N, received) (default 1)
  set-state SMS-N STATE [FILE] UpdateProperties State (and Data): emits PropertiesChanged
  calls PATH                   the methods called on a mock object, one per line
  signals-xml                  (no bus needed) an introspection document of the signals this
                               tool emits outside org.freedesktop.DBus.*, with their signatures
  wire-xml PATH                the mock object's introspection document with each property's
                               type replaced by the type its value has on the wire (GetAll):
                               dbusmock's Introspect declares every stored property as "v"
ModemManager enums used: MM_SMS_STATE_RECEIVING 2, RECEIVED 3; MM_SMS_PDU_TYPE_DELIVER 1;
MM_MODEM_STATE_REGISTERED 8."""
import sys

import dbus

MM = "org.freedesktop.ModemManager1"
ROOT = "/org/freedesktop/ModemManager1"
MOCK = "org.freedesktop.DBus.Mock"
OM = "org.freedesktop.DBus.ObjectManager"

# the signals emitted below outside org.freedesktop.DBus.*: (interface, member, signature)
SIGNALS = [(MM + ".Modem.Messaging", "Added", "ob")]
if sys.argv[1:2] == ["signals-xml"]:
    print("<node>")
    for iface, member, sig in SIGNALS:
        print('  <interface name="%s"><signal name="%s">%s</signal></interface>'
              % (iface, member, "".join('<arg type="%s"/>' % t for t in dbus.Signature(sig))))
    print("</node>")
    sys.exit(0)
bus = dbus.bus.BusConnection(sys.argv[1])
cmd, args = sys.argv[2], sys.argv[3:]


def obj(path):
    return dbus.Interface(bus.get_object(MM, path, introspect=False), MOCK)


def data(path):
    return dbus.ByteArray(open(path, "rb").read() if path != "-" else b"")


def managed_modems_only():
    # ModemManager's ObjectManager server at ROOT holds the modem objects only (seen on the real
    # 1.20.4 by modemmanager-real.sh): replace dbusmock's GetManagedObjects, which would list
    # every object below ROOT, SIMs and SMS included
    obj(ROOT).AddMethod(OM, "GetManagedObjects", "", "a{oa{sa{sv}}}",
                        "ret = {dbus.ObjectPath(k): objects[k].props for k in objects.keys() "
                        "if k.startswith('%s/Modem/')}" % ROOT)


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
        # a single-SIM modem, as at-modem.py is to the real ModemManager: no slots listed
        "SimSlots": dbus.Array([], signature="o"), "PrimarySimSlot": dbus.UInt32(0),
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
    managed_modems_only()
    interfaces_added(path)
elif cmd == "add-sim":
    path = "%s/SIM/%s" % (ROOT, args[0])
    obj(ROOT).AddObject(path, MM + ".Sim", {"Imsi": args[1], "SimIdentifier": "894900000000000000%s" % args[0],
                                            "OperatorIdentifier": args[1][:5], "Active": True}, [],
                        signature="ssa{sv}a(ssss)")
    managed_modems_only()
elif cmd == "pad-objects":
    n, m = int(args[0]), int(args[1])
    obj(ROOT).AddMethod(OM, "GetManagedObjects", "", "a{oa{sa{sv}}}",
                        "ret = dict([(dbus.ObjectPath('%s/Pad/%%d' %% i), {}) for i in range(%d)] + "
                        "[(dbus.ObjectPath(k), dict([('org.example.Pad%%d' %% j, {}) for j in range(%d)] + "
                        "sorted(objects[k].props.items(), reverse=True))) for k in objects.keys() if k.startswith('%s/Modem/')])"
                        % (ROOT, n, m, ROOT))
elif cmd == "set-sim":
    sim = "%s/SIM/%s" % (ROOT, args[1]) if args[1] != "none" else "/"
    # Properties.Set: dbusmock stores the value and emits PropertiesChanged (its UpdateProperties
    # cannot wrap an object path in a variant)
    dbus.Interface(bus.get_object(MM, "%s/Modem/%s" % (ROOT, args[0]), introspect=False),
                   "org.freedesktop.DBus.Properties").Set(MM + ".Modem", "Sim", dbus.ObjectPath(sim))
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
    obj("%s/Modem/%s" % (ROOT, args[0])).EmitSignal(*SIGNALS[0],
                                                     [dbus.ObjectPath("%s/SMS/%s" % (ROOT, args[1])), dbus.Boolean(received)],
                                                     signature="sssav")
elif cmd == "set-state":
    props = {"State": dbus.UInt32(int(args[1]))}
    if len(args) > 2:
        props["Data"] = data(args[2])
    obj("%s/SMS/%s" % (ROOT, args[0])).UpdateProperties(MM + ".Sms", props, signature="sa{sv}")
elif cmd == "wire-xml":
    import xml.etree.ElementTree as ET
    SIG = {dbus.Boolean: "b", dbus.Byte: "y", dbus.Int16: "n", dbus.UInt16: "q", dbus.Int32: "i",
           dbus.UInt32: "u", dbus.Int64: "x", dbus.UInt64: "t", dbus.Double: "d", dbus.String: "s",
           dbus.ObjectPath: "o", dbus.Signature: "g", dbus.ByteArray: "ay"}

    def wire_type(v):
        if type(v) in SIG:
            return SIG[type(v)]
        if isinstance(v, dbus.Dictionary):
            return "a{%s}" % v.signature
        if isinstance(v, dbus.Array):
            return "a" + v.signature
        if isinstance(v, dbus.Struct):
            return "(%s)" % "".join(wire_type(x) for x in v)
        return "?" + type(v).__name__

    o = bus.get_object(MM, args[0], introspect=False)
    tree = ET.fromstring(o.Introspect(dbus_interface="org.freedesktop.DBus.Introspectable"))
    for iface in tree.findall("interface"):
        props = iface.findall("property")
        if not props:
            continue
        values = o.GetAll(iface.get("name"), dbus_interface="org.freedesktop.DBus.Properties")
        for p in props:
            if p.get("name") in values:
                p.set("type", wire_type(values[p.get("name")]))
    print(ET.tostring(tree, encoding="unicode"))
elif cmd == "calls":
    for t, name, a in obj(args[0]).GetCalls():
        print(name)
else:
    sys.exit(__doc__)
