#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# introspect.sh: what the running daemons export on a real dbus-daemon (shipped policy, verifierd
# as root, provd as user provd) is the contract in ipc/: org.provboot.Verifier1 at
# /org/provboot/Verifier1 equals ipc/org.provboot.Verifier1.xml and org.provboot.Parser1 at
# /org/provboot/Parser1 equals ipc/org.provboot.Parser1.xml — same interfaces, methods with the
# same argument names, types and directions in order, signals, properties with type and access
# (tests/tools/introspect-compare.py normalises both with an XML parse and ignores annotations
# and the standard org.freedesktop.DBus.* interfaces). Both the busctl view and a plain
# org.freedesktop.DBus.Introspectable.Introspect call (as an unprivileged user, as a UI would)
# are compared. Negative controls prove the comparison fails when a member, an argument type,
# name or direction, a signal or a property differs.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
trap pb_cleanup EXIT
CMP=$PB_TOP/tests/tools/introspect-compare.py
PY=/usr/bin/python3

pb_setup_users
pb_workdir
W=$PB_WORK
mkdir -p "$W/conf" "$W/pconf"
printf '[Bootstrap]\nEnabled=yes\n[NetworkPin]\nSource=static\nImsi=262011234567890\n[Export]\nNetworkManagerDir=%s/nm\n' \
        "$W" >"$W/conf/verifierd.conf"
# provd with its modem intakes off: this test is about the Parser1 object only
printf '[Intake]\nOfono=no\nModemManager=no\n' >"$W/pconf/provd.conf"
pb_start_bus "$W" || exit 1
pb_start_verifierd "$W/conf" "$W/state" || exit 1
pb_start_provd "$W/pconf" || exit 1

# compare DESCRIPTION REFERENCE EXPORTED: the comparer must say "same"
compare() {
        local d=$1 ref=$2 got=$3 out
        if out=$($PY "$CMP" "$ref" "$got" 2>&1); then
                ok "$d ($out)"
        else
                fail "$d:"$'\n'"$(sed 's/^/      /' <<<"$out")"
        fi
}
# differs DESCRIPTION REFERENCE EXPORTED PATTERN: the comparer must fail and name PATTERN
differs() {
        local d=$1 ref=$2 got=$3 pat=$4 out rc
        out=$($PY "$CMP" "$ref" "$got" 2>&1)
        rc=$?
        if [ $rc -eq 1 ] && grep -q -- "$pat" <<<"$out"; then
                ok "negative control: $d is detected"
        else
                fail "negative control: $d not detected (rc $rc): $out"
        fi
}

# ---- the busctl view, per interface and per object -------------------------------------------
for svc in Verifier1 Parser1; do
        name=org.provboot.$svc
        path=/org/provboot/$svc
        if busctl --address="$PB_BUS" introspect --xml-interface "$name" "$path" >"$W/$svc.busctl.xml" 2>"$W/$svc.err" &&
                [ -s "$W/$svc.busctl.xml" ]; then
                ok "busctl introspects $name $path"
        else
                fail "busctl introspect $name $path: $(cat "$W/$svc.err")"
                continue
        fi
        compare "$name exported (busctl) = ipc/$name.xml" "$PB_TOP/ipc/$name.xml" "$W/$svc.busctl.xml"
done

# ---- the raw Introspect call, as an unprivileged peer (the policy lets anyone introspect) -----
cat >"$W/introspect.py" <<'PYEOF'
import sys, dbus
bus = dbus.bus.BusConnection(sys.argv[1])
print(bus.get_object(sys.argv[2], sys.argv[3], introspect=False).Introspect(
    dbus_interface="org.freedesktop.DBus.Introspectable"))
PYEOF
for svc in Verifier1 Parser1; do
        name=org.provboot.$svc
        if setpriv --reuid=nobody --regid=nogroup --clear-groups $PY "$W/introspect.py" "$PB_BUS" "$name" \
                "/org/provboot/$svc" >"$W/$svc.raw.xml" 2>"$W/$svc.raw.err"; then
                compare "$name Introspect() as nobody = ipc/$name.xml" "$PB_TOP/ipc/$name.xml" "$W/$svc.raw.xml"
        else
                fail "Introspect $name as nobody: $(tail -1 "$W/$svc.raw.err")"
        fi
done

# The exports carry no interface beyond the contract and the standard ones.
for svc in Verifier1 Parser1; do
        extra=$($PY - "$W/$svc.raw.xml" "org.provboot.$svc" <<'PYEOF'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
print(" ".join(i.get("name") for i in root.findall("interface")
               if i.get("name") != sys.argv[2] and not i.get("name").startswith("org.freedesktop.DBus.")))
PYEOF
)
        [ -z "$extra" ] && ok "/org/provboot/$svc exports no other interface" ||
                fail "/org/provboot/$svc exports further interfaces: $extra"
done

# ---- negative controls: the comparison fails on any difference -------------------------------
V=$W/Verifier1.busctl.xml
P=$W/Parser1.busctl.xml
mutate() { # mutate IN OUT PYTHON-EXPRESSION-ON-root
        $PY - "$1" "$2" "$3" <<'PYEOF'
import sys, xml.etree.ElementTree as ET
tree = ET.parse(sys.argv[1]); root = tree.getroot()
def iface(n): return [i for i in root.findall("interface") if i.get("name") == n][0]
def member(i, kind, n): return [m for m in iface(i).findall(kind) if m.get("name") == n][0]
exec(sys.argv[3])
tree.write(sys.argv[2])
PYEOF
}
if [ -s "$V" ] && [ -s "$P" ]; then
        mutate "$V" "$W/m1.xml" 'member("org.provboot.Verifier1","method","Submit").findall("arg")[2].set("type","u")'
        differs "Submit's sec typed u instead of i" "$PB_TOP/ipc/org.provboot.Verifier1.xml" "$W/m1.xml" "method Submit"
        mutate "$V" "$W/m2.xml" 'iface("org.provboot.Verifier1").remove(member("org.provboot.Verifier1","method","GetPolicy"))'
        differs "a missing method (GetPolicy)" "$PB_TOP/ipc/org.provboot.Verifier1.xml" "$W/m2.xml" "GetPolicy.*not exported"
        mutate "$V" "$W/m3.xml" 'member("org.provboot.Verifier1","method","ProvidePin").findall("arg")[1].set("name","secret")'
        differs "a renamed argument (ProvidePin pin)" "$PB_TOP/ipc/org.provboot.Verifier1.xml" "$W/m3.xml" "method ProvidePin"
        mutate "$V" "$W/m4.xml" 'member("org.provboot.Verifier1","method","GetHistory").findall("arg")[0].set("direction","out")'
        differs "a flipped direction (GetHistory max)" "$PB_TOP/ipc/org.provboot.Verifier1.xml" "$W/m4.xml" "method GetHistory"
        mutate "$V" "$W/m5.xml" 'member("org.provboot.Verifier1","signal","VerdictReached").findall("arg")[3].set("type","i")'
        differs "a changed signal signature" "$PB_TOP/ipc/org.provboot.Verifier1.xml" "$W/m5.xml" "signal VerdictReached"
        mutate "$V" "$W/m6.xml" 'import copy; e=copy.deepcopy(member("org.provboot.Verifier1","method","Discard")); e.set("name","Debug"); iface("org.provboot.Verifier1").append(e)'
        differs "an extra method (Debug)" "$PB_TOP/ipc/org.provboot.Verifier1.xml" "$W/m6.xml" "Debug.*not in the reference"
        mutate "$P" "$W/m7.xml" 'member("org.provboot.Parser1","property","Dropped").set("access","readwrite")'
        differs "a writable counter" "$PB_TOP/ipc/org.provboot.Parser1.xml" "$W/m7.xml" "property Dropped"
        mutate "$P" "$W/m8.xml" 'member("org.provboot.Parser1","method","Inject").findall("arg")[0].set("type","s")'
        differs "Inject taking s instead of ay" "$PB_TOP/ipc/org.provboot.Parser1.xml" "$W/m8.xml" "method Inject"
        mutate "$P" "$W/m9.xml" 'a=member("org.provboot.Parser1","method","Inject").findall("arg"); m=member("org.provboot.Parser1","method","Inject"); m.remove(a[2]); m.remove(a[3]); m.insert(2,a[3]); m.insert(3,a[2])'
        differs "reordered out arguments of Inject" "$PB_TOP/ipc/org.provboot.Parser1.xml" "$W/m9.xml" "method Inject"
fi

kill -0 "$PB_VERIFIERD_PID" 2>/dev/null && kill -0 "$PB_PROVD_PID" 2>/dev/null && ok "both daemons alive" ||
        fail "a daemon died"
pb_summary
