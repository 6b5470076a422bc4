#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# export-dbus.sh: the D-Bus exporters (verifierd/export-dbus.c) end to end on a real dbus-daemon
# with the shipped policy. A NETWPIN push (tools/mkpush.py, IMSI 262011234567890) with an Internet
# NAPDEF (+NAPAUTHINFO PAP), an MMS NAPDEF (+NAPAUTHINFO CHAP), the MMS proxy (PXLOGICAL/
# PXPHYSICAL/PORT, TO-NAPID MMS) and an APPLICATION w4 (TO-NAPID MMS, TO-PROXY the proxy) goes
# provctl inject -> provd (user provd) -> verifierd (root), which commits it; then the exporter runs
# on the bus and must produce exactly the expected oFono contexts and published MMS settings
# (Verifier1.GetMmsSettings, for provboot-mmsd-sync) and never call mmsd-tng on the system bus,
# create nothing on a second run, update only what a later push changed, leave an active
# context and a context it does not own alone, and remove a stale context of its own.
#
# oFono is a MOCK here (tests/tools/ofono-export-mock.py): real oFono makes contexts only on a
# modem with a SIM. The mock owns org.ofono and org.ofono.mms on the private bus as root
# (PB_BUS_EXTRA below), implements the methods the exporter calls with oFono's types and errors,
# and writes its state to JSON; its org.ofono.mms logs any ChangeSettings, which verifierd must
# never send (mmsd-tng is on the user's session bus: tests/integration/mmsd-sync.sh runs the real one).
#
# verifierd runs the exporters itself after every applied push and at start-up; each step first
# checks what verifierd did, then stops it and runs the same function again through
# build/export-dbus-drive on the same store and configuration (one writer at a time) to check
# idempotence and the cases verifierd cannot be made to show on demand (an active context).
set -u
. "$(dirname "$0")/lib.sh"
trap pb_cleanup EXIT
PY=/usr/bin/python3
MOCK=$PB_TOP/tests/tools/ofono-export-mock.py
DRIVE=$PB_BUILD/export-dbus-drive

[ -x "$DRIVE" ] || { echo "missing $DRIVE (make all)"; echo "0 passed, 1 failed"; exit 1; }
pb_require_python_dbus

pb_setup_users
pb_workdir
mkdir -p "$PB_WORK/conf" "$PB_WORK/pconf" "$PB_WORK/nm" "$PB_WORK/state"
cat >"$PB_WORK/conf/verifierd.conf" <<CONF
[Bootstrap]
Enabled=yes
ConfirmNetworkPin=no
[NetworkPin]
Source=static
Imsi=262011234567890
[Export]
NetworkManagerDir=$PB_WORK/nm
OfonoContexts=yes
Mmsd=yes
CONF

# The stand-ins run as root and own the names oFono and mmsd-tng own (oFono's own ofono.conf
# grants root the same on a real system).
PB_BUS_EXTRA='<policy user="root">
    <allow own="org.ofono"/>
    <allow own="org.ofono.mms"/>
    <allow send_destination="org.ofono"/>
    <allow send_destination="org.ofono.mms"/>
  </policy>'
pb_start_bus "$PB_WORK" || exit 1
pb_start_provd "$PB_WORK/pconf" || exit 1
pb_start_verifierd "$PB_WORK/conf" "$PB_WORK/state" || exit 1

# A context of the user's own with the very APN and Type provboot will want, and a stale one of
# provboot's (its Name prefix) that no stored NAPDEF backs any more.
cat >"$PB_WORK/seed.json" <<'JSON'
[
 {"Name": "Operator Internet", "Type": "internet", "AccessPointName": "internet.example.com",
  "Username": "opuser", "Password": "oppass", "AuthenticationMethod": "pap"},
 {"Name": "provboot: Stale", "Type": "internet", "AccessPointName": "stale.example.com"}
]
JSON
MOCK_STATE=$PB_WORK/mock.json
$PY "$MOCK" --state "$MOCK_STATE" --seed "$PB_WORK/seed.json" >"$PB_WORK/mock.log" 2>&1 &
PB_PIDS+=("$!")
pb_wait_for 10 pb_has_name org.ofono && pb_wait_for 10 pb_has_name org.ofono.mms ||
        { echo "mock did not start"; cat "$PB_WORK/mock.log"; echo "0 passed, 1 failed"; exit 1; }

json_field() { # json_field JSON KEY
        $PY -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"
}

# mock_check DESCRIPTION PYTHON-EXPR: the expression over s (the mock's state) and helper
# ctx(name, type) must be true.
mock_check() {
        local d=$1 expr=$2
        if $PY - "$MOCK_STATE" "$expr" <<'PYEOF'; then ok "$d"; else fail "$d: $(cat "$MOCK_STATE")"; fi
import json, sys
s = json.load(open(sys.argv[1]))
def ctx(name, type):
    m = [c["props"] for c in s["contexts"] if c["props"]["Name"] == name and c["props"]["Type"] == type]
    return m[0] if len(m) == 1 else None
sys.exit(0 if eval(sys.argv[2]) else 1)
PYEOF
}

# mock_wait PYTHON-EXPR: poll (bounded) until the expression holds over the mock's state
mock_eval() {
        $PY - "$MOCK_STATE" "$1" <<'PYEOF'
import json, sys
try:
    s = json.load(open(sys.argv[1]))
except Exception:
    sys.exit(1)
def ctx(name, type):
    m = [c["props"] for c in s["contexts"] if c["props"]["Name"] == name and c["props"]["Type"] == type]
    return m[0] if len(m) == 1 else None
sys.exit(0 if eval(sys.argv[2]) else 1)
PYEOF
}
mock_wait() { pb_wait_for 10 mock_eval "$1"; }

# expect_inject FILE: the push must be applied with the Operator role
expect_inject() {
        local out
        out=$(pb_provctl inject --json "$1" 2>&1)
        if [ "$(json_field "$out" verdict 2>/dev/null)" = applied ] && [ "$(json_field "$out" roles 2>/dev/null)" = 4 ]; then
                ok "$(basename "$1"): applied (roles 4)"
        else
                fail "$(basename "$1"): expected applied/4, got: $out"
        fi
}

# drive NAME: run the exporter on verifierd's store (verifierd stopped); sets D_<key> from its output
drive() {
        local name=$1 line
        "$DRIVE" --config-dir="$PB_WORK/conf" --state-dir="$PB_WORK/state" >"$PB_WORK/$name.out" 2>"$PB_WORK/$name.err"
        DRIVE_RC=$?
        for k in modems created updated unchanged removed busy failed planned invalid skipped; do
                eval "D_$k="
        done
        while IFS='=' read -r k v; do
                case "$k" in modems | created | updated | unchanged | removed | busy | failed | planned | invalid | skipped)
                        eval "D_$k=\$v" ;;
                esac
        done <"$PB_WORK/$name.out"
        echo "    $name: $(head -3 "$PB_WORK/$name.err" | tr '\n' ' ')($(grep -m1 ^elapsed_usec= "$PB_WORK/$name.out" | cut -d= -f2) µs)"
}

stop_verifierd() {
        pb_stop "$PB_VERIFIERD_PID"
}

restart_verifierd() {
        pb_start_verifierd "$PB_WORK/conf" "$PB_WORK/state"
}

mkdoc() { # mkdoc FILE INTERNET-APN: the document of this test
        cat >"$1" <<XML
<?xml version="1.0"?>
<wap-provisioningdoc version="1.1">
  <characteristic type="NAPDEF">
    <parm name="NAPID" value="INTERNET"/>
    <parm name="BEARER" value="GSM-GPRS"/>
    <parm name="NAME" value="Example Internet"/>
    <parm name="INTERNET"/>
    <parm name="NAP-ADDRESS" value="$2"/>
    <parm name="NAP-ADDRTYPE" value="APN"/>
    <characteristic type="NAPAUTHINFO">
      <parm name="AUTHTYPE" value="PAP"/>
      <parm name="AUTHNAME" value="web"/>
      <parm name="AUTHSECRET" value="webpass"/>
    </characteristic>
  </characteristic>
  <characteristic type="NAPDEF">
    <parm name="NAPID" value="MMS"/>
    <parm name="BEARER" value="GSM-GPRS"/>
    <parm name="NAME" value="Example MMS"/>
    <parm name="NAP-ADDRESS" value="mms.example.com"/>
    <parm name="NAP-ADDRTYPE" value="APN"/>
    <characteristic type="NAPAUTHINFO">
      <parm name="AUTHTYPE" value="CHAP"/>
      <parm name="AUTHNAME" value="mms"/>
      <parm name="AUTHSECRET" value="mmspass"/>
    </characteristic>
  </characteristic>
  <characteristic type="PXLOGICAL">
    <parm name="PROXY-ID" value="MMSPROXY"/>
    <parm name="NAME" value="Example MMS Proxy"/>
    <characteristic type="PXPHYSICAL">
      <parm name="PHYSICAL-PROXY-ID" value="MMSPX1"/>
      <parm name="PXADDR" value="10.11.12.13"/>
      <parm name="PXADDRTYPE" value="IPV4"/>
      <parm name="TO-NAPID" value="MMS"/>
      <characteristic type="PORT">
        <parm name="PORTNBR" value="8080"/>
      </characteristic>
    </characteristic>
  </characteristic>
  <characteristic type="APPLICATION">
    <parm name="APPID" value="w4"/>
    <parm name="NAME" value="Example MMS"/>
    <parm name="TO-PROXY" value="MMSPROXY"/>
    <parm name="TO-NAPID" value="MMS"/>
    <parm name="ADDR" value="http://mms.example.com/servlets/mms"/>
  </characteristic>
</wap-provisioningdoc>
XML
}

FOREIGN='ctx("Operator Internet", "internet") == {"Name": "Operator Internet", "Type": "internet",
  "AccessPointName": "internet.example.com", "Username": "opuser", "Password": "oppass",
  "AuthenticationMethod": "pap", "Protocol": "ip", "MessageProxy": "", "MessageCenter": "", "Active": False}'
INTERNET_OK='(lambda c: c is not None and c["AccessPointName"] == "%s" and c["Username"] == "web"
  and c["Password"] == "webpass" and c["AuthenticationMethod"] == "pap" and not c["Active"])(ctx("provboot: Example Internet", "internet"))'
MMS_OK='(lambda c: c is not None and c["AccessPointName"] == "mms.example.com" and c["Username"] == "mms"
  and c["Password"] == "mmspass" and c["AuthenticationMethod"] == "chap"
  and c["MessageCenter"] == "http://mms.example.com/servlets/mms" and c["MessageProxy"] == "10.11.12.13:8080")(ctx("provboot: Example MMS", "mms"))'
PUBLISHED="http://mms.example.com/servlets/mms mms.example.com 10.11.12.13:8080"
# published: the MMS settings verifierd publishes for mmsd-tng, "MMSC APN PROXY" (or "none")
published() {
        busctl --address="$PB_BUS" --json=short call org.provboot.Verifier1 /org/provboot/Verifier1 \
                org.provboot.Verifier1 GetMmsSettings 2>/dev/null | $PY -c 'import json,sys
d = json.load(sys.stdin)["data"][0]
print(" ".join(d[k]["data"] for k in ("CarrierMMSC", "MMS_APN", "CarrierMMSProxy")) if d else "none")'
}

# ---- 1. the push, then the export ----
mkdoc "$PB_WORK/doc1.xml" internet.example.com
"$PB_TOP/tools/mkpush.py" --xml "$PB_WORK/doc1.xml" --sec netwpin --imsi 262011234567890 --out "$PB_WORK/doc1.wsp"
expect_inject "$PB_WORK/doc1.wsp"
# verifierd runs the exporters itself after the commit ([Export] OfonoContexts=yes, Mmsd=yes)
mock_wait 'ctx("provboot: Example MMS", "mms") is not None'
mock_check "verifierd itself created the internet context" "$(printf "$INTERNET_OK" internet.example.com)"
mock_check "verifierd itself created the mms context" "$MMS_OK"
mock_check "verifierd itself removed its stale context" 'ctx("provboot: Stale", "internet") is None'
check "verifierd publishes the MMS settings for mmsd-tng (GetMmsSettings)" [ "$(published)" = "$PUBLISHED" ]
mock_check "verifierd never called mmsd-tng on the system bus" 's["mms"] == []'
stop_verifierd
drive run1
check "first export succeeds" [ "$DRIVE_RC" -eq 0 ]
check "one modem with ConnectionManager handled" [ "${D_modems:-}" = 1 ]
check "two contexts planned, nothing invalid" [ "${D_planned:-}/${D_invalid:-}" = 2/0 ]
check "both contexts exist after the first export (created+unchanged = 2)" \
        [ $((${D_created:-0} + ${D_unchanged:-0})) -eq 2 ]
check "nothing left for the driver to remove (verifierd removed the stale context)" [ "${D_removed:-}" = 0 ]
mock_check "internet context: APN, PAP credentials" "$(printf "$INTERNET_OK" internet.example.com)"
mock_check "mms context: APN, CHAP credentials, MessageCenter, MessageProxy" "$MMS_OK"
mock_check "exactly three contexts: the user's and provboot's two" 'len(s["contexts"]) == 3'
mock_check "the user's context is untouched" "$FOREIGN"
mock_check "the stale provboot context is gone" 'ctx("provboot: Stale", "internet") is None'
mock_check "the export run did not call mmsd-tng on the system bus either" 's["mms"] == []'

# ---- 2. again: nothing created, nothing set ----
SETS=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["calls"]["SetProperty"])' "$MOCK_STATE")
ADDS=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["calls"]["AddContext"])' "$MOCK_STATE")
drive run2
check "second export succeeds" [ "$DRIVE_RC" -eq 0 ]
check "second export: 0 created, 0 updated, 2 unchanged, 0 removed" \
        [ "${D_created:-}/${D_updated:-}/${D_unchanged:-}/${D_removed:-}" = 0/0/2/0 ]
mock_check "no duplicate: still three contexts" 'len(s["contexts"]) == 3'
mock_check "no AddContext and no SetProperty on the second run" \
        "s[\"calls\"][\"AddContext\"] == $ADDS and s[\"calls\"][\"SetProperty\"] == $SETS"

# ---- 3. a later push changes the Internet APN: updated in place ----
restart_verifierd || exit 1
mkdoc "$PB_WORK/doc2.xml" internet2.example.com
"$PB_TOP/tools/mkpush.py" --xml "$PB_WORK/doc2.xml" --sec netwpin --out "$PB_WORK/doc2.wsp"
expect_inject "$PB_WORK/doc2.wsp"
mock_wait 'ctx("provboot: Example Internet", "internet") is not None and ctx("provboot: Example Internet", "internet")["AccessPointName"] == "internet2.example.com"'
mock_check "verifierd itself updated the APN in place" "$(printf "$INTERNET_OK" internet2.example.com)"
stop_verifierd
drive run3
check "the driver's run finds both contexts up to date (verifierd updated them)" \
        [ "${D_updated:-}/${D_unchanged:-}/${D_created:-}/$DRIVE_RC" = 0/2/0/0 ]
mock_check "internet context now has the new APN" "$(printf "$INTERNET_OK" internet2.example.com)"
mock_check "still three contexts, the user's untouched" "len(s[\"contexts\"]) == 3 and $FOREIGN"

# ---- 4. an active context is left alone ----
IPATH=$($PY -c 'import json,sys
s = json.load(open(sys.argv[1]))
print([c["path"] for c in s["contexts"] if c["props"]["Name"] == "provboot: Example Internet"][0])' "$MOCK_STATE")
busctl --address="$PB_BUS" call org.ofono "$IPATH" org.ofono.ConnectionContext SetProperty sv Active b true
restart_verifierd || exit 1
mkdoc "$PB_WORK/doc3.xml" internet3.example.com
"$PB_TOP/tools/mkpush.py" --xml "$PB_WORK/doc3.xml" --sec netwpin --out "$PB_WORK/doc3.wsp"
expect_inject "$PB_WORK/doc3.wsp"
stop_verifierd
drive run4
check "active context: counted busy, not updated" [ "${D_busy:-}/${D_updated:-}/$DRIVE_RC" = 1/0/0 ]
mock_check "active context keeps its APN" "$(printf "$INTERNET_OK" internet2.example.com | sed 's/and not c\["Active"\]/and c["Active"]/')"

# ---- 5. no secret in what the exporter printed ----
if grep -l -e webpass -e mmspass -e oppass "$PB_WORK"/run*.out "$PB_WORK"/run*.err "$PB_WORK/verifierd.log" >/dev/null 2>&1; then
        fail "a password appears in the exporter's output or verifierd's log"
else
        ok "no password in the exporter's output or verifierd's log"
fi

kill -0 "$PB_PROVD_PID" 2>/dev/null && ok "provd alive" || fail "provd died"
pb_summary
