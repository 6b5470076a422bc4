#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""mm-check.py ADDRESS IMSI ICCID CONTROL SMSHEX WSP: check the object model of a REAL ModemManager
(1.20) on the bus at ADDRESS, whose only modem is tests/tools/at-modem.py (control FIFO CONTROL).

Prints "PASS text" / "FAIL text" lines (tests/integration/lib.sh pb_python_checks) and other
lines as information. Every wait is bounded. What is checked, in order:
  - the modem appears in the ObjectManager at /org/freedesktop/ModemManager1 (GetManagedObjects);
  - its Modem.Sim property names a SIM object; that object is NOT one of the managed objects
    (ModemManager exports SIM objects on the connection, outside its ObjectManager), no managed
    object carries org.freedesktop.ModemManager1.Sim, and Sim.Imsi / Sim.SimIdentifier read at
    the Sim path equal what the modem answered to AT+CIMI and for EF_ICCID;
  - Modem.Enable(true) (polkit action org.freedesktop.ModemManager1.Device.Control; the caller is
    root) brings the modem to enabled or better, which is when ModemManager sets up SMS reception;
  - each line of SMSHEX (an SMS-DELIVER TPDU in hex) is given to the modem, which indicates it
    with +CMTI; ModemManager emits Modem.Messaging.Added(path, received=true) from its unique
    name, and the SMS object at that path reaches State RECEIVED (3) with PduType DELIVER (1),
    the originator as Number, and Data equal to WSP (the concatenated user data, without UDH);
    the path is in Messaging.Messages and Messaging.List, and SMS objects are not managed objects
    either.
Enum values: ModemManager-enums.h of 1.20 (MMModemState, MMSmsState, MMSmsPduType)."""
import sys
import time

import dbus
import dbus.mainloop.glib
from gi.repository import GLib

ADDR, IMSI, ICCID, CONTROL, SMSHEX, WSP = sys.argv[1:7]
MM = "org.freedesktop.ModemManager1"
ROOT = "/org/freedesktop/ModemManager1"
OM = "org.freedesktop.DBus.ObjectManager"
PROPS = "org.freedesktop.DBus.Properties"
MODEM, SIM, MSG, SMS = MM + ".Modem", MM + ".Sim", MM + ".Modem.Messaging", MM + ".Sms"
MM_MODEM_STATE_ENABLED = 6
MM_SMS_STATE_RECEIVED = 3
MM_SMS_PDU_TYPE_DELIVER = 1

dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
bus = dbus.bus.BusConnection(ADDR)
loop = GLib.MainContext.default()
failed = 0


def check(cond, text):
    global failed
    print(("PASS " if cond else "FAIL ") + text, flush=True)
    if not cond:
        failed += 1
    return cond


def wait(secs, pred):
    """iterate the main loop until pred() is true or secs have passed"""
    end = time.monotonic() + secs
    while time.monotonic() < end:
        v = pred()
        if v:
            return v
        loop.iteration(False) or time.sleep(0.02)
    return pred()


def managed():
    try:
        return bus.get_object(MM, ROOT, introspect=False).GetManagedObjects(dbus_interface=OM, timeout=10)
    except dbus.DBusException as e:
        print("GetManagedObjects:", e.get_dbus_message())
        return {}


def get(path, iface, name):
    return bus.get_object(MM, path, introspect=False).Get(iface, name, dbus_interface=PROPS, timeout=10)


def modems():
    return [p for p, ifs in managed().items() if MODEM in ifs]


# ---- the modem and its SIM -----------------------------------------------------------------
found = wait(60, modems)
if not check(found, "the modem appears in ModemManager's ObjectManager (GetManagedObjects)"):
    sys.exit(1)
modem = found[0]
objs = managed()
print("managed objects:", ", ".join(sorted(str(p) for p in objs)))
print("modem %s interfaces: %s" % (modem, ", ".join(sorted(str(i) for i in objs[modem]))))
sim = str(objs[modem][MODEM].get("Sim", "/"))
check(sim.startswith(ROOT + "/SIM/"), "the modem's Sim property names a SIM object (%s)" % sim)
check(sim not in objs, "the SIM object %s is NOT in GetManagedObjects" % sim)
check(not [p for p, ifs in objs.items() if SIM in ifs], "no managed object carries %s" % SIM)
try:
    imsi = str(get(sim, SIM, "Imsi"))
    iccid = str(get(sim, SIM, "SimIdentifier"))
except dbus.DBusException as e:
    imsi = iccid = "(%s)" % e.get_dbus_message()
check(imsi == IMSI, "Sim.Imsi read at the Sim path is the modem's AT+CIMI answer (%s, want %s)" % (imsi, IMSI))
check(iccid == ICCID, "Sim.SimIdentifier is the modem's EF_ICCID (%s, want %s)" % (iccid, ICCID))
slots = list(objs[modem][MODEM].get("SimSlots", []))
print("Modem.SimSlots:", [str(s) for s in slots] or "empty (single-SIM modem)")

# ---- enable, then an SMS -------------------------------------------------------------------
try:
    bus.get_object(MM, modem, introspect=False).Enable(True, dbus_interface=MODEM, timeout=60)
    enabled = True
except dbus.DBusException as e:
    enabled = False
    print("Enable:", e.get_dbus_name(), e.get_dbus_message())
check(enabled, "Modem.Enable(true) from root is authorised (polkit on the same bus) and completes")
state = wait(30, lambda: int(get(modem, MODEM, "State")) >= MM_MODEM_STATE_ENABLED and int(get(modem, MODEM, "State")))
check(state, "the modem reaches state enabled or better (State %s)" % int(get(modem, MODEM, "State")))

mm_owner = bus.get_name_owner(MM)
added = []
bus.add_signal_receiver(lambda p, rx, sender=None: added.append((str(p), bool(rx), str(sender))),
                        signal_name="Added", dbus_interface=MSG, path=modem, sender_keyword="sender")
tpdus = [ln.strip() for ln in open(SMSHEX) if ln.strip()]
with open(CONTROL, "w") as c:
    for t in tpdus:
        c.write("sms %s\n" % t)
print("gave the modem %d SMS-DELIVER TPDU(s) from %s" % (len(tpdus), SMSHEX))
wait(30, lambda: added)
check(len(added) == 1 and added[0][1] and added[0][2] == mm_owner,
      "Messaging.Added(path, received=true) emitted once, by ModemManager (%s; owner %s)" % (added, mm_owner))
if not added:
    sys.exit(1)
sms = added[0][0]


def sms_state():
    return int(get(sms, SMS, "State"))


wait(30, lambda: sms_state() == MM_SMS_STATE_RECEIVED)
props = bus.get_object(MM, sms, introspect=False).GetAll(SMS, dbus_interface=PROPS, timeout=10)
check(int(props["State"]) == MM_SMS_STATE_RECEIVED, "the SMS reaches State RECEIVED (%d)" % int(props["State"]))
check(int(props["PduType"]) == MM_SMS_PDU_TYPE_DELIVER, "Sms.PduType is DELIVER (%d)" % int(props["PduType"]))
check(str(props["Number"]) == "+4917012345", "Sms.Number is the TPDU's originator (%s)" % props["Number"])
data = bytes(props["Data"])
want = open(WSP, "rb").read()
check(data == want, "Sms.Data is the concatenated user data of the %d segments = %s (%d bytes, want %d)"
      % (len(tpdus), WSP.rsplit("/", 1)[-1], len(data), len(want)))
print("Sms.Text %r, Storage %d, Timestamp %s" % (str(props["Text"]), int(props["Storage"]), props["Timestamp"]))
msgs = [str(p) for p in get(modem, MSG, "Messages")]
listed = [str(p) for p in bus.get_object(MM, modem, introspect=False).List(dbus_interface=MSG, timeout=10)]
check(sms in msgs and sms in listed, "the SMS is in Messaging.Messages %s and Messaging.List %s" % (msgs, listed))
check(sms not in managed(), "the SMS object %s is not in GetManagedObjects either" % sms)
sys.exit(1 if failed else 0)
