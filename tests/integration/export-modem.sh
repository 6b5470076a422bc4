#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# export-modem.sh: oFono contexts go to the modem that received the push (issue 10 point 7). Two
# oFono modems (/ril_0, /ril_1) in the oFono stand-in of export-dbus.sh
# (tests/tools/ofono-export-mock.py --modem, with oFono's types and errors); verifierd with
# [Export] OfonoContexts=yes. A NETWPIN push injected as received on /ril_1
# (provctl inject --modem=/ril_1) becomes a context of /ril_1 only; a push that names no modem
# stays unbound and goes to every modem, as before. On the original code provctl has no --modem
# and every context went to every modem.
set -u
. "$(dirname "$0")/lib.sh"
trap pb_cleanup EXIT
PY=/usr/bin/python3
MOCK=$PB_TOP/tests/tools/ofono-export-mock.py
MKPUSH=$PB_TOP/tools/mkpush.py
D=$PB_TOP/tests/data/demo
IMSI=262011234567890

pb_setup_users
pb_workdir
W=$PB_WORK
mkdir -p "$W/conf" "$W/pconf" "$W/nm" "$W/state" "$W/push"
cat >"$W/conf/verifierd.conf" <<CONF
[Bootstrap]
Enabled=yes
ConfirmNetworkPin=no
[NetworkPin]
Source=static
Imsi=$IMSI
[Export]
NetworkManagerDir=$W/nm
OfonoContexts=yes
CONF
printf '[Intake]\nOfono=no\nModemManager=no\n' >"$W/pconf/provd.conf"
PB_BUS_EXTRA='<policy user="root">
    <allow own="org.ofono"/>
    <allow own="org.ofono.mms"/>
    <allow send_destination="org.ofono"/>
    <allow send_destination="org.ofono.mms"/>
  </policy>'
pb_start_bus "$W" || exit 1
MOCK_STATE=$W/mock.json
$PY "$MOCK" --state "$MOCK_STATE" --modem /ril_0 --modem /ril_1 >"$W/mock.log" 2>&1 &
PB_PIDS+=("$!")
pb_wait_for 10 pb_has_name org.ofono || { fail "oFono stand-in: $(cat "$W/mock.log")"; pb_summary; exit 1; }
pb_start_provd "$W/pconf" || exit 1
pb_start_verifierd "$W/conf" "$W/state" || exit 1

# push NAME: a NETWPIN push whose Internet NAPDEF is named NAME (its own NAPID and proxy)
push() {
        sed "s/Example Internet/$1/; s/value=\"INTERNET\"/value=\"N-$1\"/; s/\"PROXY1\"/\"P-$1\"/" \
                "$D/apn-proxy.xml" >"$W/push/$1.xml"
        $PY "$MKPUSH" --xml "$W/push/$1.xml" --sec netwpin --imsi "$IMSI" --out "$W/push/$1.wsp" >/dev/null
}
# names MODEM: the context names on MODEM, sorted, space-separated
names() {
        $PY - "$MOCK_STATE" "$1" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
print(" ".join(sorted(c["Name"] for c in s.get("by_modem", {}).get(sys.argv[2], []))))
PY
}
has() { [ "$(names "$1")" = "$2" ]; }

push OnModemOne
push Unbound
out=$(pb_provctl --json inject --modem=/ril_1 "$W/push/OnModemOne.wsp" 2>&1)
pb_expect "NETWPIN push injected as received on /ril_1 -> applied" "applied" "$(pb_json_field "$out" verdict)"
pb_wait_for 10 has /ril_1 "provboot: OnModemOne" &&
        ok "its context is on /ril_1" || fail "no context on /ril_1: '$(names /ril_1)' ($(tail -2 "$PB_WORK/verifierd.log"))"
pb_expect "and not on /ril_0" "" "$(names /ril_0)"
out=$(pb_provctl --json inject "$W/push/Unbound.wsp" 2>&1)
pb_expect "a push naming no modem (one SIM: the static Imsi=) -> applied" "applied" "$(pb_json_field "$out" verdict)"
pb_wait_for 10 has /ril_0 "provboot: Unbound" &&
        ok "the unbound context is on /ril_0" || fail "contexts on /ril_0: '$(names /ril_0)'"
pb_wait_for 10 has /ril_1 "provboot: OnModemOne provboot: Unbound" &&
        ok "and on /ril_1, next to the bound one" || fail "contexts on /ril_1: '$(names /ril_1)'"
pb_alive "$PB_VERIFIERD_PID" && ok "verifierd alive" || fail "verifierd died"
pb_summary
