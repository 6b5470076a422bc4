#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""spoof-signal.py ADDRESS DEST PATH INTERFACE MEMBER SIGNATURE ARGS: the attacker of
tests/integration/spoof-signals.sh (run it as an unprivileged user, e.g. nobody). Sends ONE
D-Bus signal with the given header fields and body and reports what the bus did with it.

  DEST   "-"       a broadcast (no DESTINATION header field)
         "@NAME"   unicast to the unique name that currently owns NAME (GetNameOwner), i.e.
                   "send a signal to verifierd's connection": the attack of issue 9 finding 1
         NAME      unicast addressed to NAME as given (well-known or unique)
  ARGS   a Python literal list of the body values, e.g. '["SubscriberIdentity", "001019999999999"]';
         "@NAME" strings inside it are replaced by the unique owner of NAME ("@@ME" by our own)

The message bus writes the real SENDER into every message (D-Bus Specification, "Message Bus
Specification": the bus sets the sender field), so the attacker cannot claim to be org.ofono: it
relies on receivers that route by interface/member/path and do not check who sent it. After the
signal the script makes one round trip to the bus driver (GetId): the bus handles a connection's
messages in order, so when that reply arrives the signal has been either delivered (queued to
the receiver ahead of anything sent to it later by anyone) or refused; a refusal comes back as
an error whose REPLY_SERIAL is the signal's serial, before the GetId reply.

Prints one line: "delivered" or "denied ERROR-NAME"; exit status 0 either way, 2 on usage or
bus errors."""
import ast
import sys

import dbus
import dbus.lowlevel
import dbus.mainloop.glib
from gi.repository import GLib

if len(sys.argv) != 8:
    sys.exit(__doc__)
address, dest, path, iface, member, sig, args = sys.argv[1:]
dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
bus = dbus.bus.BusConnection(address)
driver = bus.get_object("org.freedesktop.DBus", "/org/freedesktop/DBus", introspect=False)


def owner(name):
    if name == "@ME":
        return bus.get_unique_name()
    return str(driver.GetNameOwner(name, dbus_interface="org.freedesktop.DBus"))


def resolve(v):
    if isinstance(v, str) and v.startswith("@"):
        return owner(v[1:])
    if isinstance(v, list):
        return [resolve(x) for x in v]
    if isinstance(v, dict):
        return {resolve(k): resolve(x) for k, x in v.items()}
    return v


body = resolve(ast.literal_eval(args))
msg = dbus.lowlevel.SignalMessage(path, iface, member)
if dest != "-":
    msg.set_destination(owner(dest[1:]) if dest.startswith("@") else dest)
if sig:
    msg.append(*body, signature=sig)
result = []


def on_message(conn, m):
    if isinstance(m, dbus.lowlevel.ErrorMessage) and m.get_reply_serial() == serial:
        result.append("denied " + m.get_error_name())
    return dbus.lowlevel.HANDLER_RESULT_NOT_YET_HANDLED


bus.add_message_filter(on_message)
serial = bus.send_message(msg)
loop = GLib.MainLoop()


def done(*_):
    loop.quit()


driver.GetId(dbus_interface="org.freedesktop.DBus", reply_handler=done, error_handler=done)
GLib.timeout_add_seconds(10, done)  # bounded: a bus that never answers is a failure below
loop.run()
print(result[0] if result else "delivered")
