#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""verifier-client.py ADDRESS CMD ...: talk to verifierd (org.provboot.Verifier1) directly, for
the integration tests of the unauthenticated path (issue 9). Run it as the user the test plays:
as provd (setpriv) it is a compromised provd calling Submit/SubmitWithSummary with whatever it
likes; as root it is the user's side.

  submit --body FILE [--method Submit|SubmitWithSummary] [--ct CONTENT-TYPE] [--sec N]
         [--mac HEX | --netwpin IMSI | --userpin PIN] [--sender S] [--transport T]
         [--summary LINE]... [--modem PATH]
                                      -> "verdict ID VERDICT REASON|- ROLES" or "error NAME"
      --method: SubmitWithSummary when a --summary or --modem is given, else Submit (the call
      every verifierd has); --modem: SubmitWithSummary's receiving modem (default ""); --sec: -1 none, 0 NETWPIN, 1 USERPIN, 2 USERNETWPIN, 3 USERPINMAC (the WSP SEC values);
      --netwpin/--userpin compute the ProvBoot MAC over the body (docs/wire-notes.md §5) with
      tools/mkpush.py's key rules; the default content type is the text XML one.
  pin ID PIN                          -> "verdict VERDICT REASON|- ROLES" or "error NAME MESSAGE"
  pins ID PIN...                      -> one such line per PIN, each call on a new connection,
                                         back to back (no interpreter start-up in between)
  pending                             -> ListPending as JSON (a list of objects)
  history                             -> GetHistory(1000) as JSON
  policy KEY                          -> one GetPolicy value
  agent OUTFILE [--answer error|no|yes|pin:NNNN]
      register an agent at /org/provboot/TestAgent; each RequestPin/RequestConfirmation is
      appended to OUTFILE as one JSON line {"method","id","sender","summary"}; answered with
      an error (the push stays pending; the default), false/true, or the PIN. Prints "ready"
      once registered and runs until killed.
"""
import argparse
import hashlib
import hmac
import importlib.util
import json
import os
import sys

import dbus
import dbus.mainloop.glib

V = ("org.provboot.Verifier1", "/org/provboot/Verifier1")
I = "org.provboot.Verifier1"
CT_XML = "text/vnd.wap.connectivity-xml"


def mkpush():
    here = os.path.dirname(os.path.abspath(__file__))
    spec = importlib.util.spec_from_file_location("mkpush", os.path.join(here, "..", "..", "tools", "mkpush.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def verifier(bus):
    return bus.get_object(*V, introspect=False)


def cmd_submit(bus, argv):
    ap = argparse.ArgumentParser(prog="submit")
    ap.add_argument("--body", required=True)
    ap.add_argument("--method")
    ap.add_argument("--ct", default=CT_XML)
    ap.add_argument("--sec", type=int, default=-1)
    ap.add_argument("--mac", default="")
    ap.add_argument("--netwpin")
    ap.add_argument("--userpin")
    ap.add_argument("--sender", default="+4917012345678")
    ap.add_argument("--transport", default="ofono")
    ap.add_argument("--summary", action="append", default=[])
    ap.add_argument("--modem")
    a = ap.parse_args(argv)
    if not a.method:
        a.method = "SubmitWithSummary" if a.summary or a.modem is not None else "Submit"
    body = open(a.body, "rb").read()
    mac = a.mac
    if a.netwpin or a.userpin:
        key = b""
        if a.netwpin:
            key += mkpush().netwpin_key(a.netwpin)
        if a.userpin:
            key += a.userpin.encode()
        mac = hmac.new(key, body, hashlib.sha1).hexdigest().upper()
    args = [dbus.ByteArray(body), a.ct, dbus.Int32(a.sec), mac, a.sender, a.transport, dbus.UInt64(0)]
    sig = "aysisss" "t"
    if a.method == "SubmitWithSummary":
        args.append(dbus.Array(a.summary, signature="s"))
        args.append(a.modem or "")
        sig += "as" "s"
    try:
        r = verifier(bus).get_dbus_method(a.method, I)(*args, signature=sig, timeout=60)
        print("verdict %d %s %s %d" % (r[0], r[1], r[2] or "-", r[3]))
    except dbus.exceptions.DBusException as e:
        print("error %s" % e.get_dbus_name())


def cmd_pin(bus, argv):
    try:
        r = verifier(bus).ProvidePin(dbus.UInt64(int(argv[0])), argv[1], dbus_interface=I, timeout=60)
        print("verdict %s %s %d" % (r[0], r[1] or "-", r[2]))
    except dbus.exceptions.DBusException as e:
        print("error %s %s" % (e.get_dbus_name(), e.get_dbus_message()))


def cmd_pins(bus, argv):
    for p in argv[1:]:
        cmd_pin(dbus.bus.BusConnection(sys.argv[1]), [argv[0], p])


def cmd_pending(bus, argv):
    out = [dict(id=int(p[0]), sender=str(p[1]), sec=str(p[2]), waiting=str(p[3]), received=int(p[4]),
                expires=int(p[5]), summary=[str(x) for x in p[6]])
           for p in verifier(bus).ListPending(dbus_interface=I)]
    print(json.dumps(out))


def cmd_history(bus, argv):
    out = [dict(id=int(h[0]), time=int(h[1]), sender=str(h[2]), transport=str(h[3]), sec=str(h[4]),
                verdict=str(h[5]), reason=str(h[6]), roles=int(h[7]), denied=str(h[8]), digest=str(h[9]))
           for h in verifier(bus).GetHistory(dbus.UInt32(1000), dbus_interface=I)]
    print(json.dumps(out))


def cmd_policy(bus, argv):
    pol = {str(k): str(v) for k, v in verifier(bus).GetPolicy(dbus_interface=I)}
    print(pol.get(argv[0], ""))


def cmd_agent(bus, argv):
    import dbus.service
    from gi.repository import GLib
    ap = argparse.ArgumentParser(prog="agent")
    ap.add_argument("out")
    ap.add_argument("--answer", default="error")
    a = ap.parse_args(argv)

    def log(method, pid, sender, summary):
        with open(a.out, "a") as f:
            f.write(json.dumps(dict(method=method, id=int(pid), sender=str(sender),
                                    summary=[str(x) for x in summary])) + "\n")

    class Agent(dbus.service.Object):
        @dbus.service.method("org.provboot.Agent1", in_signature="tsas", out_signature="s")
        def RequestPin(self, pid, sender, summary):
            log("RequestPin", pid, sender, summary)
            if a.answer.startswith("pin:"):
                return a.answer[4:]
            raise dbus.exceptions.DBusException("not now", name="org.provboot.Test.NotNow")

        @dbus.service.method("org.provboot.Agent1", in_signature="tsas", out_signature="b")
        def RequestConfirmation(self, pid, sender, summary):
            log("RequestConfirmation", pid, sender, summary)
            if a.answer in ("yes", "no"):
                return a.answer == "yes"
            raise dbus.exceptions.DBusException("not now", name="org.provboot.Test.NotNow")

        @dbus.service.method("org.provboot.Agent1", in_signature="", out_signature="")
        def Release(self):
            pass

    Agent(bus, "/org/provboot/TestAgent")
    verifier(bus).RegisterAgent(dbus.ObjectPath("/org/provboot/TestAgent"), dbus_interface=I)
    print("ready", flush=True)
    GLib.MainLoop().run()


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    cmd = sys.argv[2]
    if cmd == "agent":
        dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    bus = dbus.bus.BusConnection(sys.argv[1])
    {"submit": cmd_submit, "pin": cmd_pin, "pins": cmd_pins, "pending": cmd_pending, "history": cmd_history,
     "policy": cmd_policy, "agent": cmd_agent}[cmd](bus, sys.argv[3:])


if __name__ == "__main__":
    main()
