#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# strength-exports.sh: issue 9, finding 5 (downgrade through the exporters) on a real
# dbus-daemon with the shipped policy: verifierd as root, provd as user provd, the pushes through
# provctl inject, oFono as the stand-in of export-dbus.sh (tests/tools/ofono-export-mock.py),
# ConfirmNetworkPin=yes. The MMS settings are what verifierd publishes for mmsd-tng
# (Verifier1.GetMmsSettings, read before verifierd is stopped; provboot-mmsd-sync hands them to
# mmsd-tng, tests/integration/mmsd-sync.sh); the stand-in's org.ofono.mms must never be called.
#   1. The operator's USERNETWPIN push (+ PIN): an Internet NAPDEF, the MMS NAPDEF, the MMS proxy
#      and the MMS application (w4). Its MMSC is published for mmsd-tng and set on the MMS context.
#   2. A NETWPIN push (confirmed by the user) that cannot replace the operator's w4 adds a
#      SIBLING w4 with the attacker's MMSC and proxy, pointing at the operator's MMS NAPDEF, and
#      a second NAPDEF with the INTERNET flag. Before the fix the exporters took "the w4
#      installed last": mmsd-tng and the oFono MMS context got the attacker's MMSC. Now the
#      stronger w4 wins: mmsd-tng and the MMS context keep the operator's MMSC and proxy; the
#      NetworkManager profiles carry the strength as autoconnect-priority (operator 3 > 2).
#   3. A strong referrer and a weak root: the operator's w4 names a NAPDEF (MMS2) it never sent;
#      a NETWPIN push supplies it with the attacker's APN. Before the fix the operator's w4
#      resolved to it (mmsd-tng got the attacker's APN under the operator's MMSC). Now the
#      reference does not resolve: the w4 is invalid (the exporter counts it), mmsd-tng keeps the
#      operator's first w4 and APN, and the attacker's NAPDEF is no MMS context.
# verifierd runs the exporters itself after every applied push; each step stops verifierd (its
# exports run inside the method call, so they are complete once it has exited) before checking
# the stand-in's state, then runs build/export-dbus-drive on the same store for the plan's counts.
set -u
. "$(dirname "$0")/lib.sh"
trap pb_cleanup EXIT
PY=/usr/bin/python3
MOCK=$PB_TOP/tests/tools/ofono-export-mock.py
MKPUSH=$PB_TOP/tools/mkpush.py
DRIVE=$PB_BUILD/export-dbus-drive

[ -x "$DRIVE" ] || { echo "missing $DRIVE (make all)"; echo "0 passed, 1 failed"; exit 1; }
pb_require_python_dbus

pb_setup_users
pb_workdir
W=$PB_WORK
mkdir -p "$W/conf" "$W/pconf" "$W/nm" "$W/state"
cat >"$W/conf/verifierd.conf" <<CONF
[Bootstrap]
Enabled=yes
ConfirmNetworkPin=yes
[NetworkPin]
Source=static
Imsi=262011234567890
[Export]
NetworkManagerDir=$W/nm
OfonoContexts=yes
Mmsd=yes
CONF
PB_BUS_EXTRA='<policy user="root">
    <allow own="org.ofono"/>
    <allow own="org.ofono.mms"/>
    <allow send_destination="org.ofono"/>
    <allow send_destination="org.ofono.mms"/>
  </policy>'
pb_start_bus "$W" || exit 1
pb_start_provd "$W/pconf" || exit 1
pb_start_verifierd "$W/conf" "$W/state" || exit 1
MOCK_STATE=$W/mock.json
$PY "$MOCK" --state "$MOCK_STATE" >"$W/mock.log" 2>&1 &
PB_PIDS+=("$!")
pb_wait_for 10 pb_has_name org.ofono && pb_wait_for 10 pb_has_name org.ofono.mms ||
        { echo "mock did not start"; cat "$W/mock.log"; echo "0 passed, 1 failed"; exit 1; }

OP_MMSC=http://mmsc.operator.example/mms
EVIL_MMSC=http://mmsc.attacker.example/
json_field() { $PY -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2" 2>/dev/null; }
expect_verdict() { # expect_verdict DESC OUT VERDICT REASON
        if [ "$(json_field "$2" verdict)" = "$3" ] && [ "$(json_field "$2" reason)" = "$4" ]; then
                ok "$1: $3${4:+ ($4)}"
        else
                fail "$1: expected $3/$4, got: $2"
        fi
}
# mock_check DESCRIPTION PYTHON-EXPR over s (the stand-in's state), ctx(name, type), mms_len
mock_check() {
        if $PY - "$MOCK_STATE" "$2" <<'PYEOF'; then ok "$1"; else fail "$1: $(cat "$MOCK_STATE")"; fi
import json, sys
s = json.load(open(sys.argv[1]))
def ctx(name, type):
    m = [c["props"] for c in s["contexts"] if c["props"]["Name"] == name and c["props"]["Type"] == type]
    return m[0] if len(m) == 1 else None
sys.exit(0 if eval(sys.argv[2]) else 1)
PYEOF
}
# published: the MMS settings verifierd publishes for mmsd-tng, "MMSC APN PROXY" (or "none")
published() {
        busctl --address="$PB_BUS" --json=short call org.provboot.Verifier1 /org/provboot/Verifier1 \
                org.provboot.Verifier1 GetMmsSettings 2>/dev/null | $PY -c 'import json,sys
d = json.load(sys.stdin)["data"][0]
print(" ".join(d[k]["data"] for k in ("CarrierMMSC", "MMS_APN", "CarrierMMSProxy")) if d else "none")'
}
# drive NAME: the exporter's plan on verifierd's store (verifierd stopped); D_invalid, D_planned
drive() {
        "$DRIVE" --config-dir="$W/conf" --state-dir="$W/state" >"$W/$1.out" 2>"$W/$1.err"
        D_invalid=$(sed -n 's/^invalid=//p' "$W/$1.out")
        D_planned=$(sed -n 's/^planned=//p' "$W/$1.out")
}
# push_operator XML: USERNETWPIN, then the PIN: applied with roles 20
push_operator() {
        local out id
        $PY "$MKPUSH" --xml "$1" --format xml --sec usernetwpin --pin 1234 --out "$1.wsp"
        out=$(pb_provctl inject --json "$1.wsp" 2>&1)
        expect_verdict "$(basename "$1"): operator push waits for the PIN" "$out" pending needs-pin
        id=$(json_field "$out" id)
        out=$(echo 1234 | pb_provctl pin --json "$id" 2>&1)
        expect_verdict "$(basename "$1"): + PIN" "$out" applied ""
}
# push_netwpin XML: NETWPIN, waits for the user's confirmation, then confirmed: applied
push_netwpin() {
        local out id
        $PY "$MKPUSH" --xml "$1" --format xml --sec netwpin --out "$1.wsp"
        out=$(pb_provctl inject --json "$1.wsp" 2>&1)
        expect_verdict "$(basename "$1"): NETWPIN push waits for confirmation" "$out" pending needs-confirmation
        id=$(json_field "$out" id)
        out=$(pb_provctl confirm --json "$id" 2>&1)
        expect_verdict "$(basename "$1"): confirmed by the user" "$out" applied ""
}

# ---- 1. the operator ----
cat >"$W/operator.xml" <<XML
<?xml version="1.0"?>
<wap-provisioningdoc version="1.1">
  <characteristic type="NAPDEF">
    <parm name="NAPID" value="INTERNET"/><parm name="NAME" value="Operator Internet"/><parm name="INTERNET"/>
    <parm name="NAP-ADDRESS" value="internet.operator.example"/><parm name="NAP-ADDRTYPE" value="APN"/>
  </characteristic>
  <characteristic type="NAPDEF">
    <parm name="NAPID" value="MMS"/><parm name="NAME" value="Operator MMS"/>
    <parm name="NAP-ADDRESS" value="mms.operator.example"/><parm name="NAP-ADDRTYPE" value="APN"/>
  </characteristic>
  <characteristic type="PXLOGICAL">
    <parm name="PROXY-ID" value="OPPROXY"/><parm name="NAME" value="Operator MMS proxy"/>
    <characteristic type="PXPHYSICAL">
      <parm name="PHYSICAL-PROXY-ID" value="OPPX1"/><parm name="PXADDR" value="10.0.0.1"/>
      <parm name="PXADDRTYPE" value="IPV4"/><parm name="TO-NAPID" value="MMS"/>
      <characteristic type="PORT"><parm name="PORTNBR" value="8080"/></characteristic>
    </characteristic>
  </characteristic>
  <characteristic type="APPLICATION">
    <parm name="APPID" value="w4"/><parm name="PROVIDER-ID" value="operator"/><parm name="NAME" value="Operator MMS"/>
    <parm name="TO-PROXY" value="OPPROXY"/><parm name="TO-NAPID" value="MMS"/>
    <parm name="ADDR" value="$OP_MMSC"/>
  </characteristic>
</wap-provisioningdoc>
XML
push_operator "$W/operator.xml"
PUB=$(published)
pb_stop "$PB_VERIFIERD_PID"
OP_MMSD="$OP_MMSC mms.operator.example 10.0.0.1:8080"
check "operator: the published MMS settings (for mmsd-tng) are the operator's MMSC, APN and proxy" \
        [ "$PUB" = "$OP_MMSD" ]
mock_check "operator: verifierd never calls mmsd-tng on the system bus (it is on the user's session bus)" 's["mms"] == []'
mock_check "operator: the MMS context carries the operator's MMSC" \
        "(lambda c: c is not None and c[\"MessageCenter\"] == \"$OP_MMSC\" and c[\"MessageProxy\"] == \"10.0.0.1:8080\")(ctx(\"provboot: Operator MMS\", \"mms\"))"

# ---- 2. a NETWPIN sibling w4 pointing at the operator's NAPDEF ----
pb_start_verifierd "$W/conf" "$W/state" || exit 1
cat >"$W/sibling.xml" <<XML
<?xml version="1.0"?>
<wap-provisioningdoc version="1.1">
  <characteristic type="NAPDEF">
    <parm name="NAPID" value="EVILNET"/><parm name="NAME" value="Free Internet"/><parm name="INTERNET"/>
    <parm name="NAP-ADDRESS" value="internet.attacker.example"/><parm name="NAP-ADDRTYPE" value="APN"/>
  </characteristic>
  <characteristic type="PXLOGICAL">
    <parm name="PROXY-ID" value="EVILPROXY"/>
    <characteristic type="PXPHYSICAL">
      <parm name="PHYSICAL-PROXY-ID" value="EVILPX1"/><parm name="PXADDR" value="10.6.6.6"/>
      <parm name="PXADDRTYPE" value="IPV4"/><parm name="TO-NAPID" value="MMS"/>
    </characteristic>
  </characteristic>
  <characteristic type="APPLICATION">
    <parm name="APPID" value="w4"/><parm name="PROVIDER-ID" value="attacker"/><parm name="NAME" value="MMS"/>
    <parm name="TO-PROXY" value="EVILPROXY"/><parm name="TO-NAPID" value="MMS"/>
    <parm name="ADDR" value="$EVIL_MMSC"/>
  </characteristic>
</wap-provisioningdoc>
XML
push_netwpin "$W/sibling.xml"
PUB=$(published)
pb_stop "$PB_VERIFIERD_PID"
mock_check "sibling: the exporters ran after the NETWPIN push (its Internet NAPDEF is a context)" \
        "ctx(\"provboot: Free Internet\", \"internet\") is not None"
check "sibling: the published MMS settings are still the operator's MMSC, APN and proxy" [ "$PUB" = "$OP_MMSD" ]
check "sibling: the attacker's MMSC or proxy is not published" \
        bash -c 'case "$1" in *"$2"* | *10.6.6.6*) exit 1 ;; esac' _ "$PUB" "$EVIL_MMSC"
mock_check "sibling: the oFono MMS context still carries the operator's MMSC and proxy" \
        "(lambda c: c is not None and c[\"MessageCenter\"] == \"$OP_MMSC\" and c[\"MessageProxy\"] == \"10.0.0.1:8080\")(ctx(\"provboot: Operator MMS\", \"mms\"))"
mock_check "sibling: no context carries the attacker's MMSC" \
        "all(c[\"props\"].get(\"MessageCenter\") != \"$EVIL_MMSC\" for c in s[\"contexts\"])"
drive sibling
check "sibling: the weaker w4 resolves (weak -> strong is allowed) and is simply not chosen" [ "${D_invalid:-x}" = 0 ]
prio() { sed -n 's/^autoconnect-priority=//p' "$(grep -l "^apn=$1\$" "$W"/nm/provboot-*.nmconnection)" 2>/dev/null; }
check "NetworkManager: operator's Internet profile autoconnect-priority 3" [ "$(prio internet.operator.example)" = 3 ]
check "NetworkManager: the NETWPIN Internet profile autoconnect-priority 2 (the operator's wins)" \
        [ "$(prio internet.attacker.example)" = 2 ]

# ---- 3. a strong referrer, a weak root ----
pb_start_verifierd "$W/conf" "$W/state" || exit 1
cat >"$W/operator2.xml" <<XML
<?xml version="1.0"?>
<wap-provisioningdoc version="1.1">
  <characteristic type="APPLICATION">
    <parm name="APPID" value="w4"/><parm name="PROVIDER-ID" value="operator2"/><parm name="NAME" value="Operator MMS 2"/>
    <parm name="TO-NAPID" value="MMS2"/><parm name="ADDR" value="http://mmsc2.operator.example/"/>
  </characteristic>
</wap-provisioningdoc>
XML
push_operator "$W/operator2.xml"
cat >"$W/weakroot.xml" <<XML
<?xml version="1.0"?>
<wap-provisioningdoc version="1.1">
  <characteristic type="NAPDEF">
    <parm name="NAPID" value="MMS2"/><parm name="NAME" value="Attacker MMS2"/>
    <parm name="NAP-ADDRESS" value="mms.attacker.example"/><parm name="NAP-ADDRTYPE" value="APN"/>
  </characteristic>
</wap-provisioningdoc>
XML
push_netwpin "$W/weakroot.xml"
PUB=$(published)
pb_stop "$PB_VERIFIERD_PID"
mock_check "weak root: the exporters ran (the attacker's NAPDEF is a context now)" \
        "ctx(\"provboot: Attacker MMS2\", \"internet\") is not None or ctx(\"provboot: Attacker MMS2\", \"mms\") is not None"
mock_check "weak root: the operator's w4 does not resolve to it: no MMS context on the attacker's NAPDEF" \
        "ctx(\"provboot: Attacker MMS2\", \"mms\") is None and ctx(\"provboot: Attacker MMS2\", \"internet\") is not None"
check "weak root: the attacker's APN is not published" bash -c 'case "$1" in *mms.attacker.example*) exit 1 ;; esac' _ "$PUB"
check "weak root: the published settings stay the operator's first w4" [ "$PUB" = "$OP_MMSD" ]
mock_check "weak root: still no call to mmsd-tng on the system bus" 's["mms"] == []'
drive weakroot
check "weak root: the exporter counts the operator's dangling w4 invalid" [ "${D_invalid:-x}" = 1 ]

kill -0 "$PB_PROVD_PID" 2>/dev/null && ok "provd alive" || fail "provd died"
pb_summary
