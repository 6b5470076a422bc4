#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# provd-basic.sh: provd alone on a private, permissive dbus-daemon (docs/testing.md §4.1), with
# small stand-ins written in Python (Debian's /usr/bin/python3 with python3-dbus) for verifierd
# (records every Submit and answers "applied") and for oFono (one modem with
# org.ofono.PushNotification; it calls provd's agent like ofonod does). Checks: no crypto library
# linked; options and config errors; READY=1 over NOTIFY_SOCKET; the name and the counters;
# Inject from root (malformed -> verdict rejected/malformed and provd alive; unknown format ->
# InvalidArgs; not root -> AccessDenied; valid push without verifierd -> Unavailable; SMS
# segments in separate calls -> "pending" then a verdict); the Submit fields, body byte-exact;
# PropertiesChanged; the oFono agent (registration, delivery, spoofed caller refused, per-sender
# rate limit, Release and re-registration, oFono restart); the ModemManager intake against a
# stand-in (ModemManager itself cannot be fed an SMS here without PolicyKit and a modem port);
# quarantine of a push left in the in-flight marker; a two-segment push through the real ofonod
# (phonesim plugin and a scripted AT modem, when ofonod is installed); clean SIGTERM exit.
# Every process is stopped by PID; waits are bounded polls.
# PROVD_WRAPPER (e.g. "valgrind --leak-check=full --error-exitcode=99") runs provd under a tool.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
PY=/usr/bin/python3
PROVD=$PB_BUILD/provd
trap pb_cleanup EXIT
pb_workdir
W=$PB_WORK

if [ ! -x "$PROVD" ]; then
        fail "build/provd exists (run make first)"
        pb_summary
        exit 1
fi
if ! $PY -c 'import dbus, gi' 2>/dev/null; then
        fail "python3-dbus and python3-gi are installed (needed for the stand-ins)"
        pb_summary
        exit 1
fi

# ---- helpers written into the work directory ---------------------------------------------------

cat >"$W/client.py" <<'PYEOF'
#!/usr/bin/python3
"""client.py ADDRESS CMD ...: one D-Bus call, result on stdout.
  inject FILE|hex:HEX|text:TEXT FORMAT -> "verdict ID VERDICT REASON ROLES" or "error NAME"
  agent-call PATH             -> call ReceiveNotification on provd's agent path (spoof test)
  get NAME                    -> a Parser1 counter
  siphash KEYFILE FILE        -> SipHash-2-4 of FILE under KEYFILE's 16 bytes, 16 hex digits
"""
import sys, struct
def siphash24(key, data):
    M = (1 << 64) - 1
    rotl = lambda x, b: ((x << b) | (x >> (64 - b))) & M
    k0, k1 = struct.unpack("<QQ", key)
    v = [k0 ^ 0x736f6d6570736575, k1 ^ 0x646f72616e646f6d, k0 ^ 0x6c7967656e657261, k1 ^ 0x7465646279746573]
    def rnd():
        v[0] = (v[0] + v[1]) & M; v[1] = rotl(v[1], 13) ^ v[0]; v[0] = rotl(v[0], 32)
        v[2] = (v[2] + v[3]) & M; v[3] = rotl(v[3], 16) ^ v[2]
        v[0] = (v[0] + v[3]) & M; v[3] = rotl(v[3], 21) ^ v[0]
        v[2] = (v[2] + v[1]) & M; v[1] = rotl(v[1], 17) ^ v[2]; v[2] = rotl(v[2], 32)
    n = len(data) // 8 * 8
    for i in range(0, n, 8):
        m, = struct.unpack("<Q", data[i:i + 8]); v[3] ^= m; rnd(); rnd(); v[0] ^= m
    b = (len(data) & 0xff) << 56
    for i, c in enumerate(data[n:]):
        b |= c << (8 * i)
    v[3] ^= b; rnd(); rnd(); v[0] ^= b
    v[2] ^= 0xff
    for _ in range(4):
        rnd()
    return v[0] ^ v[1] ^ v[2] ^ v[3]
# the paper's Appendix A example, so this copy is checked too
assert siphash24(bytes(range(16)), bytes(range(15))) == 0xa129ca6149be45e5
cmd = sys.argv[2]
if cmd == "siphash":
    print("%016x" % siphash24(open(sys.argv[3], "rb").read(), open(sys.argv[4], "rb").read()))
    sys.exit(0)
import dbus
bus = dbus.bus.BusConnection(sys.argv[1])
P = ("org.provboot.Parser1", "/org/provboot/Parser1")
try:
    if cmd == "inject":
        src = sys.argv[3]
        if src.startswith("hex:"):
            data = bytes.fromhex(src[4:])
        elif src.startswith("text:"):
            data = src[5:].encode()
        else:
            data = open(src, "rb").read()
        r = bus.get_object(*P).Inject(dbus.ByteArray(data), sys.argv[4], dbus_interface="org.provboot.Parser1")
        print("verdict %d %s %s %d" % (r[0], r[1], r[2] or "-", r[3]))
    elif cmd == "agent-call":
        bus.get_object("org.provboot.Parser1", sys.argv[3]).ReceiveNotification(
            dbus.ByteArray(b"\x01\x06\x00"), dbus.Dictionary({"Sender": "+1"}, signature="sv"),
            dbus_interface="org.ofono.PushNotificationAgent")
        print("ok")
    elif cmd == "get":
        print(int(bus.get_object(*P).Get("org.provboot.Parser1", sys.argv[3],
                                         dbus_interface="org.freedesktop.DBus.Properties")))
except dbus.exceptions.DBusException as e:
    print("error %s" % e.get_dbus_name())
PYEOF

cat >"$W/fake-verifier.py" <<'PYEOF'
#!/usr/bin/python3
"""fake-verifier.py ADDRESS OUT: owns org.provboot.Verifier1; every Submit is appended to OUT as
'body_hex content_type sec mac|- sender|- transport' and answered (id, "applied", "", 4)."""
import sys, dbus, dbus.service, dbus.mainloop.glib
from gi.repository import GLib
dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
bus = dbus.bus.BusConnection(sys.argv[1])
out = sys.argv[2]
class Verifier(dbus.service.Object):
    n = 0
    @dbus.service.method("org.provboot.Verifier1", in_signature="aysisss" "t", out_signature="tssu")
    def Submit(self, body, ct, sec, mac, sender, transport, received):
        Verifier.n += 1
        with open(out, "a") as f:
            f.write("%s %s %d %s %s %s\n" % (bytes(body).hex(), ct, sec, mac or "-", sender or "-", transport))
        return (dbus.UInt64(Verifier.n), "applied", "", dbus.UInt32(4))
Verifier(bus, "/org/provboot/Verifier1")
bus.request_name("org.provboot.Verifier1")
print("ready", flush=True)
GLib.MainLoop().run()
PYEOF

cat >"$W/fake-ofono.py" <<'PYEOF'
#!/usr/bin/python3
"""fake-ofono.py ADDRESS LOG: owns org.ofono with one modem /fake_0 offering
org.ofono.PushNotification. RegisterAgent/UnregisterAgent are logged to LOG. A test interface
org.provboot.Test at /fake_0 drives it: Deliver(ay pdu, s sender) calls the agent's
ReceiveNotification like ofonod does; Release() calls the agent's Release; Replug() emits
Modem.PropertyChanged("Interfaces") with the push interface again."""
import sys, dbus, dbus.service, dbus.mainloop.glib
from gi.repository import GLib
dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
bus = dbus.bus.BusConnection(sys.argv[1])
log = sys.argv[2]
IFACES = dbus.Array(["org.ofono.SimManager", "org.ofono.PushNotification"], signature="s")
agent = {}
def L(s):
    with open(log, "a") as f:
        f.write(s + "\n")
class Manager(dbus.service.Object):
    @dbus.service.method("org.ofono.Manager", in_signature="", out_signature="a(oa{sv})")
    def GetModems(self):
        return [(dbus.ObjectPath("/fake_0"), dbus.Dictionary({"Interfaces": IFACES, "Powered": True}, signature="sv"))]
class Modem(dbus.service.Object):
    @dbus.service.method("org.ofono.PushNotification", in_signature="o", out_signature="", sender_keyword="sender")
    def RegisterAgent(self, path, sender=None):
        if agent:
            raise dbus.exceptions.DBusException("busy", name="org.ofono.Error.InProgress")
        agent["path"], agent["name"] = str(path), sender
        L("register %s" % path)
    @dbus.service.method("org.ofono.PushNotification", in_signature="o", out_signature="")
    def UnregisterAgent(self, path):
        agent.clear()
        L("unregister %s" % path)
    @dbus.service.signal("org.ofono.Modem", signature="sv")
    def PropertyChanged(self, name, value):
        pass
    @dbus.service.method("org.provboot.Test", in_signature="ays", out_signature="s")
    def Deliver(self, pdu, sender):
        if not agent:
            return "no agent"
        try:
            bus.get_object(agent["name"], agent["path"]).ReceiveNotification(
                dbus.ByteArray(bytes(pdu)),
                dbus.Dictionary({"Sender": sender, "SentTime": "2026-11-25T17:00:00+0000",
                                 "LocalSentTime": "2026-11-25T17:00:00+0000"}, signature="sv"),
                dbus_interface="org.ofono.PushNotificationAgent")
            return "ok"
        except dbus.exceptions.DBusException as e:
            return "error " + e.get_dbus_name()
    @dbus.service.method("org.provboot.Test", in_signature="", out_signature="")
    def Release(self):
        if agent:
            bus.get_object(agent["name"], agent["path"]).Release(
                dbus_interface="org.ofono.PushNotificationAgent", ignore_reply=True)
            agent.clear()
            L("released")
    @dbus.service.method("org.provboot.Test", in_signature="", out_signature="")
    def Replug(self):
        self.PropertyChanged("Interfaces", dbus.Array(IFACES, signature="s", variant_level=1))
Manager(bus, "/")
modem = Modem(bus, "/fake_0")
bus.request_name("org.ofono")
print("ready", flush=True)
GLib.MainLoop().run()
PYEOF

cat >"$W/fake-mm.py" <<'PYEOF'
#!/usr/bin/python3
"""fake-mm.py ADDRESS: owns org.freedesktop.ModemManager1 with one modem offering Modem.Messaging.
Test method org.provboot.Test.Receive(ay data, s text, s number) at the modem makes an Sms object
in State RECEIVING (2), emits Messaging.Added(path, true), then moves it to RECEIVED (3) with
PropertiesChanged, like ModemManager does for a message whose parts arrive one by one."""
import sys, dbus, dbus.service, dbus.mainloop.glib
from gi.repository import GLib
dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
bus = dbus.bus.BusConnection(sys.argv[1])
ROOT = "/org/freedesktop/ModemManager1"
MODEM = ROOT + "/Modem/0"
MSG = "org.freedesktop.ModemManager1.Modem.Messaging"
SMS = "org.freedesktop.ModemManager1.Sms"
PROPS = "org.freedesktop.DBus.Properties"
class Root(dbus.service.Object):
    @dbus.service.method("org.freedesktop.DBus.ObjectManager", in_signature="", out_signature="a{oa{sa{sv}}}")
    def GetManagedObjects(self):
        return {dbus.ObjectPath(MODEM): {"org.freedesktop.ModemManager1.Modem": dbus.Dictionary({}, signature="sv"),
                                         MSG: dbus.Dictionary({}, signature="sv")}}
class Sms(dbus.service.Object):
    def __init__(self, path, props):
        dbus.service.Object.__init__(self, bus, path)
        self.props = props
    @dbus.service.method(PROPS, in_signature="s", out_signature="a{sv}")
    def GetAll(self, iface):
        return dbus.Dictionary(self.props, signature="sv")
    @dbus.service.signal(PROPS, signature="sa{sv}as")
    def PropertiesChanged(self, iface, changed, invalidated):
        pass
class Modem(dbus.service.Object):
    n = 0
    keep = []
    @dbus.service.signal(MSG, signature="ob")
    def Added(self, path, received):
        pass
    @dbus.service.method("org.provboot.Test", in_signature="ayss", out_signature="o")
    def Receive(self, data, text, number):
        Modem.n += 1
        path = ROOT + "/SMS/%d" % Modem.n
        props = {"State": dbus.UInt32(2), "PduType": dbus.UInt32(1), "Number": number,
                 "Text": text, "Data": dbus.ByteArray(bytes(data))}
        sms = Sms(path, props)
        Modem.keep.append(sms)
        self.Added(dbus.ObjectPath(path), True)
        def complete():
            sms.props["State"] = dbus.UInt32(3)
            sms.PropertiesChanged(SMS, dbus.Dictionary({"State": dbus.UInt32(3)}, signature="sv"),
                                  dbus.Array([], signature="s"))
            return False
        GLib.timeout_add(50, complete)
        return dbus.ObjectPath(path)
Root(bus, ROOT)
Modem(bus, MODEM)
bus.request_name("org.freedesktop.ModemManager1")
print("ready", flush=True)
GLib.MainLoop().run()
PYEOF

cat >"$W/at-modem.py" <<'PYEOF'
#!/usr/bin/python3
"""at-modem.py OUT: a minimal AT modem for ofonod's phonesim plugin (after docs/testing.md §4.3).
Listens on two free loopback ports and writes "MODEMPORT CTLPORT" to OUT. ofonod connects to the
first; each line "LEN PDUHEX" sent to the second is delivered as an unsolicited +CMT (an incoming
SMS-DELIVER, PDU with SMSC prefix)."""
import re, selectors, socket, sys
ANSWERS = [
    (r"^AT\+SIMSTATE\?", ["+SIMSTATE: 1"]), (r"^AT\+CPIN\?", ["+CPIN: READY"]), (r"^AT\+CIMI", ["001010123456789"]),
    (r"^AT\+CGMI$", ["provboot"]), (r"^AT\+CGMM$", ["at-modem"]), (r"^AT\+CGMR$", ["1"]), (r"^AT\+CGSN$", ["350000000000006"]),
    (r"^AT\+CSMS=\?", ["+CSMS: (0,1)"]), (r"^AT\+CSMS\?", ["+CSMS: 1,1,1,1"]), (r"^AT\+CSMS=", ["+CSMS: 1,1,1"]),
    (r"^AT\+CMGF=\?", ["+CMGF: (0,1)"]), (r"^AT\+CPMS=\?", ['+CPMS: ("ME","SM"),("ME","SM"),("ME","SM")']),
    (r"^AT\+CPMS=", ["+CPMS: 0,10,0,10,0,10"]), (r"^AT\+CPMS\?", ['+CPMS: "ME",0,10,"ME",0,10,"ME",0,10']),
    (r"^AT\+CNMI=\?", ["+CNMI: (0,1,2),(0,1,2,3),(0,2),(0,1,2),(0,1)"]), (r"^AT\+CSCA\?", ['+CSCA: "+15551234567",145']),
    (r"^AT\+CLCK=\?", ['+CLCK: ("SC","FD")']), (r"^AT\+CPINR", ["+CPINR: SIM PIN,3,3"]), (r"^AT\+CFUN\?", ["+CFUN: 1"]),
    (r"^AT\+CBC", ["+CBC: 0,80"]),
]
def answer(cmd):
    c = cmd.upper()
    if re.search(r"^AT\+CRSM=", c):
        return ["+CRSM: 106,130", "OK"]
    if re.search(r"^AT\+CSIM=", c):
        return ["ERROR"]
    for pat, lines in ANSWERS:
        if re.search(pat, c):
            return lines + ["OK"]
    return ["OK"]
def listener():
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0)); s.listen(4); return s
ml, cl = listener(), listener()
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write("%d %d\n" % (ml.getsockname()[1], cl.getsockname()[1]))
import os; os.rename(sys.argv[1] + ".tmp", sys.argv[1])
sel = selectors.DefaultSelector()
sel.register(ml, selectors.EVENT_READ, "accept-modem"); sel.register(cl, selectors.EVENT_READ, "accept-ctl")
modem, buf = None, b""
print("ready", flush=True)
while True:
    for key, _ in sel.select():
        if key.data == "accept-modem":
            modem, _ = ml.accept(); sel.register(modem, selectors.EVENT_READ, "modem")
        elif key.data == "accept-ctl":
            c, _ = cl.accept(); sel.register(c, selectors.EVENT_READ, "ctl")
        elif key.data == "modem":
            d = modem.recv(4096)
            if not d:
                sel.unregister(modem); modem.close(); modem = None; continue
            buf += d
            while b"\r" in buf:
                line, _, buf = buf.partition(b"\r")
                cmd = line.strip().decode("latin-1")
                if cmd:
                    modem.sendall(b"".join(b"\r\n" + o.encode() + b"\r\n" for o in answer(cmd)))
        else:
            d = key.fileobj.recv(65536)
            if not d:
                sel.unregister(key.fileobj); key.fileobj.close(); continue
            for ln in d.decode().split("\n"):
                if ln.strip() and modem:
                    n, pdu = ln.split()
                    modem.sendall(("\r\n+CMT: ,%s\r\n%s\r\n" % (n, pdu)).encode())
PYEOF

cat >"$W/watch.py" <<'PYEOF'
#!/usr/bin/python3
"""watch.py ADDRESS OUT: append the names in every Parser1 PropertiesChanged to OUT."""
import sys, dbus, dbus.mainloop.glib
from gi.repository import GLib
dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
bus = dbus.bus.BusConnection(sys.argv[1])
def changed(iface, props, inval):
    with open(sys.argv[2], "a") as f:
        f.write(" ".join(sorted(str(k) + "=" + str(int(v)) for k, v in props.items())) + "\n")
bus.add_signal_receiver(changed, signal_name="PropertiesChanged", dbus_interface="org.freedesktop.DBus.Properties",
                        path="/org/provboot/Parser1")
print("ready", flush=True)
GLib.MainLoop().run()
PYEOF

cat >"$W/notify.py" <<'PYEOF'
#!/usr/bin/python3
"""notify.py SOCKET OUT: receive sd_notify datagrams on SOCKET, append them to OUT."""
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print("ready", flush=True)
while True:
    d = s.recv(4096)
    with open(sys.argv[2], "ab") as f:
        f.write(d + b"\n")
PYEOF

# start_bg NAME CMD...: run in the background, remember the PID in PID_<NAME>, wait for "ready".
start_bg() {
        local name=$1; shift
        "$@" >"$W/$name.out" 2>&1 &
        local pid=$!
        PB_PIDS+=("$pid")
        printf -v "PID_$name" '%s' "$pid"
        pb_wait_for 10 grep -q ready "$W/$name.out" || { echo "$name did not start:"; cat "$W/$name.out"; return 1; }
}

client() { $PY "$W/client.py" "$BUS" "$@"; }
counter() { # a Parser1 counter as a plain number (busctl: quicker than starting Python)
        busctl --address="$BUS" get-property org.provboot.Parser1 /org/provboot/Parser1 org.provboot.Parser1 "$1" |
                sed -n 's/^t //p'
}
expect_counter() { # NAME VALUE
        local got
        got=$(counter "$1")
        if [ "$got" = "$2" ]; then ok "counter $1 = $2"; else fail "counter $1 = $2 (got '$got')"; fi
}
expect() { # DESCRIPTION EXPECTED ACTUAL
        if [ "$2" = "$3" ]; then ok "$1"; else fail "$1: expected '$2', got '$3'"; fi
}
provd_alive() { kill -0 "$PROVD_PID" 2>/dev/null && pb_has_name org.provboot.Parser1; }
lines() { [ -f "$1" ] && wc -l <"$1" || echo 0; }
count_ge() { # FILE REGEX N: at least N lines of FILE match (re-evaluated on every poll)
        [ "$(grep -c -- "$2" "$1" 2>/dev/null)" -ge "$3" ]
}

start_provd() {
        RUNTIME_DIRECTORY=$W/run NOTIFY_SOCKET=$W/notify.sock DBUS_SYSTEM_BUS_ADDRESS=$BUS \
                ${PROVD_WRAPPER:-} "$PROVD" --config-dir="$W/conf" --log-level=debug >>"$W/provd.log" 2>&1 &
        PROVD_PID=$!
        PB_PIDS+=("$PROVD_PID")
        pb_wait_for 10 pb_has_name org.provboot.Parser1
}

stop_provd() { # sends SIGTERM, waits (bounded), sets PROVD_RC
        local i
        kill -TERM "$PROVD_PID"
        for ((i = 0; i < 500; i++)); do
                kill -0 "$PROVD_PID" 2>/dev/null || break
                sleep 0.02
        done
        kill -0 "$PROVD_PID" 2>/dev/null && kill -KILL "$PROVD_PID" # hung: the check below fails
        wait "$PROVD_PID"
        PROVD_RC=$?
}

# Extract the WSP body of a push PDU (TID, type, uintvar HeadersLen, headers, body) as hex.
wsp_body_hex() {
        $PY -c '
import sys
p = open(sys.argv[1], "rb").read()
i, n = 2, 0
while True:
    b = p[i]; i += 1; n = (n << 7) | (b & 0x7f)
    if not b & 0x80: break
print(p[i + n:].hex())' "$1"
}

# ---- 1. the binary ----------------------------------------------------------------------------

needed=$(readelf -d "$PROVD" | grep NEEDED)
if grep -Eq 'libcrypto|libssl|libsodium' <<<"$needed"; then fail "provd links no crypto library: $needed"; else ok "provd NEEDED has no libcrypto/libssl/libsodium"; fi
if ldd "$PROVD" | grep -Eq 'libcrypto|libssl|libsodium'; then fail "provd loads libcrypto/libsodium indirectly"; else ok "no libcrypto/libsodium among provd's loaded libraries"; fi
check "provd --help exits 0" bash -c "\"\$1\" --help >/dev/null" _ "$PROVD"
expect "provd --version" "provd" "$("$PROVD" --version | cut -d' ' -f1)"
"$PROVD" --bogus-option >/dev/null 2>&1
expect "an unknown option fails" 1 $?

mkdir -p "$W/badconf" "$W/conf/provd.conf.d" "$W/run"
printf '[Limits]\nNoSuchKey=1\n' >"$W/badconf/provd.conf"
"$PROVD" --config-dir="$W/badconf" >"$W/badconf.log" 2>&1
rc=$?
if [ $rc -ne 0 ] && grep -q 'provd.conf:2: unknown key' "$W/badconf.log"; then ok "an unknown config key stops provd, naming file:line"; else fail "bad config: rc=$rc $(cat "$W/badconf.log")"; fi

# The test configuration: a main file and a drop-in that overrides it (rate 2/minute, burst 2).
printf '[Limits]\nRatePerSenderPerMinute=50\n[Intake]\nOfono=yes\nModemManager=yes\n' >"$W/conf/provd.conf"
printf '# drop-in\n[Limits]\nRatePerSenderPerMinute=2\n' >"$W/conf/provd.conf.d/50-test.conf"

# ---- 2. bus, provd, counters ----------------------------------------------------------------

cat >"$W/bus.conf" <<XML
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>custom</type>
  <listen>unix:path=$W/bus.sock</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
  </policy>
</busconfig>
XML
dbus-daemon --config-file="$W/bus.conf" --nofork --print-address=3 3>"$W/bus.addr" 2>"$W/bus.err" &
PB_PIDS+=("$!")
pb_wait_for 10 test -s "$W/bus.addr" || { fail "dbus-daemon starts"; pb_summary; exit 1; }
BUS=$(head -1 "$W/bus.addr")
PB_BUS=$BUS

start_bg notify $PY "$W/notify.py" "$W/notify.sock" "$W/notify.log"
start_bg watch $PY "$W/watch.py" "$BUS" "$W/props.log"
if start_provd; then ok "provd owns org.provboot.Parser1"; else fail "provd owns org.provboot.Parser1"; cat "$W/provd.log"; pb_summary; exit 1; fi
if pb_wait_for 5 grep -q 'READY=1' "$W/notify.log"; then ok "provd sent READY=1"; else fail "provd sent READY=1"; fi
for c in Received Malformed Forwarded Dropped Quarantined; do expect_counter $c 0; done
busctl --address="$BUS" get-property org.provboot.Parser1 /org/provboot/Parser1 org.provboot.Parser1 Received >"$W/busctl.out" 2>&1
expect "busctl get-property Received" "t 0" "$(cat "$W/busctl.out")"

# ---- 3. Inject --------------------------------------------------------------------------------

expect "malformed WSP (MSL-2008-001) -> rejected/malformed" "verdict 0 rejected malformed 0" \
        "$(client inject hex:01062F1FB691 wsp)"
expect "garbage bytes, auto -> rejected/malformed" "verdict 0 rejected malformed 0" "$(client inject hex:ffffffff00 auto)"
expect "empty data -> rejected/malformed" "verdict 0 rejected malformed 0" "$(client inject hex: auto)"
check "provd still alive after malformed input" provd_alive
expect_counter Received 3
expect_counter Malformed 3
expect "unknown format -> InvalidArgs" "error org.freedesktop.DBus.Error.InvalidArgs" "$(client inject hex:0106 bogus)"
expect "Inject as nobody -> AccessDenied" "error org.freedesktop.DBus.Error.AccessDenied" \
        "$(setpriv --reuid=nobody --regid=nogroup --clear-groups $PY "$W/client.py" "$BUS" inject hex:0106 wsp)"
expect_counter Received 3
if pb_wait_for 5 grep -q 'Malformed=3' "$W/props.log"; then ok "PropertiesChanged announced Malformed=3"; else fail "PropertiesChanged announced Malformed=3: $(tail -3 "$W/props.log")"; fi

WSP=$PB_TOP/tests/data/tv-b-netwpin.wsp
expect "valid push, no verifierd -> org.provboot.Error.Unavailable" "error org.provboot.Error.Unavailable" \
        "$(client inject "$WSP" wsp)"
expect_counter Dropped 1
check "provd still alive without verifierd" provd_alive

# ---- 4. with a verifierd stand-in ------------------------------------------------------------

start_bg verifier $PY "$W/fake-verifier.py" "$BUS" "$W/submits.log"
expect "valid push -> verifierd's verdict" "verdict 1 applied - 4" "$(client inject "$WSP" wsp)"
expect_counter Forwarded 1
read -r s_body s_ct s_sec s_mac s_sender s_transport <"$W/submits.log"
expect "Submit body is the WSP body byte for byte" "$(wsp_body_hex "$WSP")" "$s_body"
expect "Submit content type" "application/vnd.wap.connectivity-wbxml" "$s_ct"
expect "Submit SEC (NETWPIN = 0)" "0" "$s_sec"
if [[ "$s_mac" =~ ^[0-9A-Fa-f]{40}$ ]]; then ok "Submit MAC is 40 hex digits"; else fail "Submit MAC: '$s_mac'"; fi
expect "Submit transport" "inject" "$s_transport"

# Concatenated SMS, one segment (a line of TPDU hex text, as provctl sends it) per Inject call:
# incomplete -> "pending" with id 0, then the verdict.
mapfile -t SEGS <"$PB_TOP/tests/data/tv-b-netwpin.sms.hex"
expect "first of two SMS segments -> pending, id 0" "verdict 0 pending - 0" "$(client inject "text:${SEGS[0]}" sms)"
expect "second segment completes the push" "verdict 2 applied - 4" "$(client inject "text:${SEGS[1]}" sms)"
s_sender=$(sed -n 2p "$W/submits.log" | cut -d' ' -f5)
expect "Submit sender is the SMS originating address" "+4917012345" "$s_sender"
expect "reassembled SMS body equals the WSP file's body" "$(wsp_body_hex "$WSP")" "$(sed -n 2p "$W/submits.log" | cut -d' ' -f1)"

# ---- 5. oFono agent ---------------------------------------------------------------------------

start_bg ofono $PY "$W/fake-ofono.py" "$BUS" "$W/ofono.log"
AGENT=/org/provboot/Parser1/ofono_agent/fake_5f0
if pb_wait_for 10 grep -q "register $AGENT" "$W/ofono.log"; then ok "provd registered its agent on the oFono modem"; else fail "agent registration: $(cat "$W/ofono.log" 2>/dev/null)"; fi
deliver() { busctl --address="$BUS" call org.ofono /fake_0 org.provboot.Test Deliver ays "$(stat -c %s "$1")" $(od -An -v -tu1 "$1") "$2"; }
before=$(lines "$W/submits.log")
expect "oFono delivers a push" 's "ok"' "$(deliver "$WSP" +15551234)"
pb_wait_for 5 count_ge "$W/submits.log" . $((before + 1))
last=$(tail -1 "$W/submits.log")
expect "oFono push reaches Submit with transport ofono" "ofono" "$(cut -d' ' -f6 <<<"$last")"
expect "oFono push carries info[Sender]" "+15551234" "$(cut -d' ' -f5 <<<"$last")"
expect "a caller that is not oFono is refused" "error org.freedesktop.DBus.Error.AccessDenied" "$(client agent-call "$AGENT")"

# Rate limit (drop-in: 2 per minute per sender): the 3rd push from one sender is dropped.
dropped=$(counter Dropped)
deliver "$WSP" +15559999 >/dev/null
deliver "$WSP" +15559999 >/dev/null
deliver "$WSP" +15559999 >/dev/null
expect_counter Dropped $((dropped + 1))
pb_wait_for 5 count_ge "$W/submits.log" ' +15559999 ofono$' 2
expect "two pushes from that sender reached verifierd" 2 "$(grep -c ' +15559999 ofono$' "$W/submits.log")"
expect "another sender is not limited" 's "ok"' "$(deliver "$WSP" +15550000)"

# Release, then the modem's Interfaces change: provd registers again.
busctl --address="$BUS" call org.ofono /fake_0 org.provboot.Test Release >/dev/null
pb_wait_for 5 grep -q "oFono released our push agent" "$W/provd.log"
busctl --address="$BUS" call org.ofono /fake_0 org.provboot.Test Replug >/dev/null
if pb_wait_for 10 count_ge "$W/ofono.log" "^register " 2; then ok "re-registered after Release"; else fail "re-registered after Release: $(cat "$W/ofono.log")"; fi

# oFono restarts: provd follows the new owner and registers again.
pb_stop "$PID_ofono"
: >"$W/ofono.log"
start_bg ofono $PY "$W/fake-ofono.py" "$BUS" "$W/ofono.log"
if pb_wait_for 10 grep -q "register $AGENT" "$W/ofono.log"; then ok "re-registered after oFono restarted"; else fail "re-registered after oFono restarted"; fi

# ---- 5b. ModemManager ------------------------------------------------------------------------

# Messaging.Added, then State RECEIVING -> RECEIVED via PropertiesChanged; only a WSP push is taken.
start_bg mm $PY "$W/fake-mm.py" "$BUS"
pb_wait_for 10 grep -q "Watching ModemManager modem" "$W/provd.log" && ok "provd follows the ModemManager modem" || fail "provd follows the ModemManager modem"
mm_receive() { busctl --address="$BUS" call org.freedesktop.ModemManager1 /org/freedesktop/ModemManager1/Modem/0 \
        org.provboot.Test Receive ayss "$@" >/dev/null; }
received=$(counter Received)
before=$(lines "$W/submits.log")
mm_receive 0 "hello, a text SMS" +15557777
mm_receive 5 1 2 3 4 5 "" +15557777
mm_receive "$(stat -c %s "$WSP")" $(od -An -v -tu1 "$WSP") "" +15558888
if pb_wait_for 10 count_ge "$W/submits.log" ' +15558888 modemmanager$' 1; then ok "a WAP push SMS from ModemManager reaches Submit (sender = Number)"; else fail "ModemManager push: $(tail -3 "$W/provd.log")"; fi
expect "text and non-push binary SMS are left alone (one push received)" $((received + 1)) "$(counter Received)"
expect "exactly one Submit from ModemManager" $((before + 1)) "$(lines "$W/submits.log")"
expect "ModemManager body byte for byte" "$(wsp_body_hex "$WSP")" "$(tail -1 "$W/submits.log" | cut -d' ' -f1)"

# ---- 6. quarantine, restart, clean exit ------------------------------------------------------

stop_provd
expect "SIGTERM: provd exits 0" 0 "$PROVD_RC"
if pb_wait_for 5 grep -q "unregister $AGENT" "$W/ofono.log"; then ok "provd unregistered from oFono on exit"; else fail "provd unregistered from oFono on exit"; fi
# Pretend the previous provd died decoding the malformed push below: leave its digest in the marker.
printf '\x01\x06\x2f\x1f\xb6\x91' >"$W/poison.wsp"
digest=$($PY "$W/client.py" - siphash "$W/run/quarantine.key" "$W/poison.wsp")
printf '%s\n' "$digest" >"$W/run/inflight"
start_provd || fail "provd restarts"
if grep -q "Push $digest crashed or stalled" "$W/provd.log"; then ok "start-up quarantines the push left in the marker"; else fail "start-up quarantine: $(tail -5 "$W/provd.log")"; fi
expect "marker cleared" 0 "$(stat -c %s "$W/run/inflight")"
grep -qx "$digest" "$W/run/quarantine.list" && ok "digest stored in quarantine.list" || fail "digest stored in quarantine.list"
expect_counter Quarantined 1
expect "the quarantined push is not decoded again" "verdict 0 rejected malformed 0" "$(client inject "$W/poison.wsp" wsp)"
expect_counter Quarantined 2
expect_counter Malformed 0
expect "a good push still goes through after the restart" "applied" "$(client inject "$WSP" wsp | cut -d' ' -f3)"

# ---- 7. the real ofonod ------------------------------------------------------------------------

# docs/testing.md §4.3: ofonod's phonesim plugin talks AT to a scripted modem that delivers the two
# SMS-DELIVER segments of a NETWPIN push as +CMT; oFono reassembles them and calls provd's agent.
if [ -x /usr/sbin/ofonod ]; then
        pb_stop "$PID_ofono"
        start_bg atmodem $PY "$W/at-modem.py" "$W/at-modem.ports"
        read -r mport cport <"$W/at-modem.ports"
        printf '[phonesim]\nAddress=127.0.0.1\nPort=%s\n' "$mport" >"$W/phonesim.conf"
        OFONO_PHONESIM_CONFIG=$W/phonesim.conf DBUS_SYSTEM_BUS_ADDRESS=$BUS /usr/sbin/ofonod -n -d >"$W/ofonod.log" 2>&1 &
        PB_PIDS+=("$!")
        pb_wait_for 10 pb_has_name org.ofono || fail "ofonod starts"
        pb_wait_for 10 busctl --address="$BUS" call org.ofono /phonesim org.ofono.Modem SetProperty sv Powered b true
        if pb_wait_for 15 grep -q "Registered as push agent on oFono modem '/phonesim'" "$W/provd.log"; then
                ok "provd registered with the real ofonod once the modem offered push notification"
        else
                fail "registration with ofonod: $(grep -i ofono "$W/provd.log" | tail -3)"
        fi
        n_ofono=$(grep -c ' ofono$' "$W/submits.log")
        $PY -c '
import socket, sys
lines = []
for l in open(sys.argv[2]):
    l = l.strip()
    if l:
        lines.append("%d %s\n" % (len(l) // 2 - int(l[0:2], 16) - 1, l))  # TPDU length: minus the SMSC prefix
s = socket.create_connection(("127.0.0.1", int(sys.argv[1]))); s.sendall("".join(lines).encode()); s.close()' \
                "$cport" "$PB_TOP/tests/data/tv-b-netwpin.cmt.hex"
        if pb_wait_for 15 count_ge "$W/submits.log" ' ofono$' $((n_ofono + 1)); then
                last=$(tail -1 "$W/submits.log")
                expect "two-segment push through ofonod: body byte for byte" "$(wsp_body_hex "$WSP")" "$(cut -d' ' -f1 <<<"$last")"
                expect "two-segment push through ofonod: sender" "+4917012345" "$(cut -d' ' -f5 <<<"$last")"
        else
                fail "push through ofonod reached Submit: $(tail -3 "$W/provd.log")"
        fi
else
        echo "note: /usr/sbin/ofonod not installed; the real-ofonod check is skipped"
fi

stop_provd
expect "second SIGTERM: provd exits 0" 0 "$PROVD_RC"
if grep -qE '^<[0-7]>' "$W/provd.log"; then ok "log lines carry <N> syslog prefixes"; else fail "log prefixes"; fi
if grep -q "$(wsp_body_hex "$WSP" | cut -c1-32)" "$W/provd.log"; then fail "push bytes appear in the log"; else ok "no push bytes in the log"; fi

pb_summary
