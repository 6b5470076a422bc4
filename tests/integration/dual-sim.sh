#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# dual-sim.sh: which SIM, which modem (issue 10 point 7). A phone with two modems, each with its
# own SIM (A: 262011111111111 in /Modem/0, B: 262022222222222 in /Modem/1), through the
# ModemManager mock (tests/tools/mm-ctl.py: its object model and signatures are checked against
# ModemManager's introspection XML by modemmanager.sh) on a private bus with the shipped policy.
# verifierd (Source=modemmanager) follows both modems' SIMs; provd takes each SMS from the modem
# that announced it and names that modem in SubmitWithSummary. The network PIN of a push is the
# IMSI of the SIM in the modem that RECEIVED it:
#   - a NETWPIN push made for SIM B arriving on modem B -> applied (the old code followed one
#     modem, A: bad-mac);
#   - a NETWPIN push made for SIM A arriving on modem B -> bad-mac (the old code: applied);
#   - the same push arriving on modem A -> applied;
#   - provctl inject --modem=PATH picks the modem; without it, with two SIMs, verifierd tries
#     neither (bad-mac) and the history says why;
#   - an applied document is bound to the SIM that authenticated it (documents.modem, sim_id,
#     sim_operator_id in the store: what the exporters bind NetworkManager profiles and oFono
#     contexts to); after a SIM swap in modem B the binding stays on the old SIM, pushes for the
#     old SIM are bad-mac on that modem and pushes for the new one are applied.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
trap pb_cleanup EXIT
PY=/usr/bin/python3
T=$PB_TOP/tests/tools
MKPUSH=$PB_TOP/tools/mkpush.py
D=$PB_TOP/tests/data/demo
IMSI_A=262011111111111
IMSI_B=262022222222222
IMSI_C=262033333333333
MM_ROOT=/org/freedesktop/ModemManager1
MODEM_A=$MM_ROOT/Modem/0
MODEM_B=$MM_ROOT/Modem/1

if ! $PY -c 'import dbusmock' 2>/dev/null; then
        fail "python3-dbusmock is installed (tools/deps.txt)"
        pb_summary
        exit 1
fi
pb_setup_users
pb_workdir
W=$PB_WORK
mkdir -p "$W/conf" "$W/pconf" "$W/nm" "$W/policy.d" "$W/push"
cat >"$W/conf/verifierd.conf" <<CONF
[Bootstrap]
Enabled=yes
ConfirmNetworkPin=no
[NetworkPin]
Source=modemmanager
[Export]
NetworkManagerDir=$W/nm
CONF
printf '[Intake]\nOfono=no\nModemManager=yes\n' >"$W/pconf/provd.conf"
cat >"$W/policy.d/org.freedesktop.ModemManager1.conf" <<'XML'
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <policy user="root">
    <allow own="org.freedesktop.ModemManager1"/>
    <allow send_destination="org.freedesktop.ModemManager1"/>
  </policy>
  <policy context="default">
    <deny send_destination="org.freedesktop.ModemManager1"/>
  </policy>
</busconfig>
XML

mmctl() { $PY "$T/mm-ctl.py" "$PB_BUS" "$@"; }
newest_id() { pb_newest_push | cut -d' ' -f1; }
LAST=0
newer_than_last() { local id; id=$(newest_id); [ -n "$id" ] && [ "${id:-0}" -gt "$LAST" ]; }
mark() { LAST=$(newest_id); LAST=${LAST:-0}; }
SMS=0
# push NAME IMSI: a NETWPIN WSP push (a distinct APN per NAME) made for IMSI -> $W/push/NAME.wsp
push() {
        sed "s/Example Internet/Dual $1/; s/internet.example.com/$1.example.com/; s/value=\"INTERNET\"/value=\"N-$1\"/;
             s/\"PROXY1\"/\"P-$1\"/" "$D/apn-proxy.xml" >"$W/push/$1.xml"
        $PY "$MKPUSH" --xml "$W/push/$1.xml" --sec netwpin --imsi "$2" --out "$W/push/$1.wsp" >/dev/null ||
                fail "mkpush $1"
}
# on_modem N NAME: the SMS carrying push NAME is received by modem N; sets GOT, ID
on_modem() {
        mark
        SMS=$((SMS + 1))
        mmctl add-sms "$SMS" 3 "+4917012345" "$W/push/$2.wsp"
        mmctl added "$1" "$SMS"
        if pb_wait_for 15 newer_than_last; then
                GOT=$(pb_newest_push)
                ID=${GOT%% *}
                GOT=${GOT#* }
        else
                GOT="no new history entry within 15 s"
                ID=
        fi
}
# inject NAME [--modem=PATH]: verdict/reason of provctl inject; sets ID
inject() {
        local out name=$1
        shift
        out=$(pb_provctl --json inject "$@" "$W/push/$name.wsp" 2>&1)
        ID=$(pb_json_field "$out" id)
        GOT="$(pb_json_field "$out" verdict)/$(pb_json_field "$out" reason)"
        [ "$GOT" = "/" ] && GOT="provctl: $out"
}
# doc ID: the SIM binding of the document push ID applied, "modem|sim_id|sim_operator_id"
doc() {
        $PY - "$W/state/provboot.db" "$1" <<'PY'
import sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
try:
    row = db.execute("SELECT modem, sim_id, sim_operator_id FROM documents WHERE push_id = ?", (int(sys.argv[2]),)).fetchone()
except sqlite3.Error as e:
    print("no binding: %s" % e)
    sys.exit(0)
print("|".join("" if v is None else str(v) for v in row) if row else "no document")
PY
}
denied() { pb_provctl --json history 2>/dev/null | $PY -c 'import json,sys
for p in json.load(sys.stdin):
    if p["id"] == int(sys.argv[1]): print(p.get("denied") or "")' "$1"; }

push b-on-b "$IMSI_B"
push a-on-b "$IMSI_A"
push a-on-a "$IMSI_A"
push inj-b "$IMSI_B"
push inj-none "$IMSI_B"
push old-b "$IMSI_B"
push new-c "$IMSI_C"
push vc-b "$IMSI_B"

pb_start_bus "$W" || exit 1
pb_start_verifierd "$W/conf" "$W/state" || exit 1
pb_start_provd "$W/pconf" || exit 1
DBUS_SYSTEM_BUS_ADDRESS=$PB_BUS $PY -m dbusmock --system -m org.freedesktop.ModemManager1 \
        $MM_ROOT org.freedesktop.ModemManager1 >"$W/mock.out" 2>&1 &
PB_PIDS+=("$!")
pb_wait_for 15 pb_has_name org.freedesktop.ModemManager1 || { fail "dbusmock did not start: $(cat "$W/mock.out")"; pb_summary; exit 1; }
mmctl add-sim 0 "$IMSI_A" && mmctl add-modem 0 0 && mmctl add-sim 1 "$IMSI_B" && mmctl add-sim 2 "$IMSI_C" &&
        mmctl add-modem 1 1 || fail "mock objects created"
pb_wait_for 10 grep -q "Watching ModemManager modem '$MODEM_B'" "$W/provd.log" &&
        ok "provd follows both modems" || fail "provd did not pick up modem B"
pb_wait_for 10 grep -q "Network PIN known (from ModemManager) for modem $MODEM_B" "$W/verifierd.log" &&
        ok "verifierd read the SIM of modem B (Sim.Imsi at modem B's Sim path)" ||
        fail "verifierd did not read modem B's SIM: $(grep -i 'network pin\|ModemManager modem' "$W/verifierd.log" | tail -3)"
pb_wait_for 10 grep -q "Network PIN known (from ModemManager) for modem $MODEM_A" "$W/verifierd.log" &&
        ok "verifierd read the SIM of modem A too" || fail "verifierd did not read modem A's SIM"

# ---- the receiving modem's SIM is the network PIN ------------------------------------------------
on_modem 1 b-on-b
pb_expect "NETWPIN push for SIM B received on modem B -> applied (checked against SIM B's IMSI)" \
        "applied - modemmanager NETWPIN +4917012345" "$GOT"
B_ID=$ID
on_modem 1 a-on-b
pb_expect "NETWPIN push for SIM A received on modem B -> bad-mac (not checked against SIM A)" \
        "rejected bad-mac modemmanager NETWPIN +4917012345" "$GOT"
on_modem 0 a-on-a
pb_expect "NETWPIN push for SIM A received on modem A -> applied" "applied - modemmanager NETWPIN +4917012345" "$GOT"
A_ID=$ID

# ---- provctl inject --modem ----------------------------------------------------------------------
inject inj-b --modem="$MODEM_A"
pb_expect "inject --modem=modem A of a push for SIM B -> bad-mac" "rejected/bad-mac" "$GOT"
inject inj-b --modem="$MODEM_B"
pb_expect "inject --modem=modem B of the same push -> applied" "applied/" "$GOT"
inject inj-none
pb_expect "inject without --modem, two SIMs present -> bad-mac (verifierd does not guess)" "rejected/bad-mac" "$GOT"
why=$(denied "$ID")
case "$why" in
*"several SIMs"*) ok "the history says why: '$why'" ;;
*) fail "the history does not say why push $ID was refused: '$why'" ;;
esac
out=$(pb_provctl inject --modem=not-a-path "$W/push/inj-b.wsp" 2>&1)
rc=$?
[ $rc -eq 64 ] && ok "inject --modem=not-a-path is a usage error (exit 64)" || fail "inject --modem=not-a-path: exit $rc: $out"

# ---- SubmitWithSummary's modem from a compromised provd: IPC_MODEM_MAX (255 bytes) ------------------
as_provd() { setpriv --reuid=provd --regid=provd --clear-groups --inh-caps=-all $PY "$T/verifier-client.py" "$PB_BUS" "$@"; }
at=/$(printf 'a%.0s' $(seq 254))
past=/$(printf 'a%.0s' $(seq 255))
out=$(as_provd submit --body "$W/push/vc-b.xml" --sec 0 --netwpin "$IMSI_B" --modem "$at")
pb_expect "SubmitWithSummary naming a modem of 255 bytes (IPC_MODEM_MAX) is read; no SIM there -> bad-mac" \
        "rejected bad-mac" "$(cut -d' ' -f3-4 <<<"$out")"
out=$(as_provd submit --body "$W/push/vc-b.xml" --sec 0 --netwpin "$IMSI_B" --modem "$past")
pb_expect "a modem of 256 bytes is a protocol violation" "error org.freedesktop.DBus.Error.InvalidArgs" "$out"
out=$(as_provd submit --body "$W/push/vc-b.xml" --sec 0 --netwpin "$IMSI_B" --modem "Modem/1")
pb_expect "a modem that is not an object path is a protocol violation" "error org.freedesktop.DBus.Error.InvalidArgs" "$out"
out=$(as_provd submit --body "$W/push/vc-b.xml" --sec 0 --netwpin "$IMSI_B" --modem "$MODEM_B")
pb_expect "provd's claim only picks one of the phone's SIMs: naming modem B for a push MACed for B -> applied (XML body)" \
        "applied -" "$(cut -d' ' -f3-4 <<<"$out")"

# ---- the binding ---------------------------------------------------------------------------------
pb_expect "push $B_ID's document is bound to modem B's SIM (modem|ICCID|MCC+MNC)" \
        "$MODEM_B|8949000000000000001|26202" "$(doc "$B_ID")"
pb_expect "push $A_ID's document is bound to modem A's SIM" "$MODEM_A|8949000000000000000|26201" "$(doc "$A_ID")"

# ---- a SIM swap in modem B ------------------------------------------------------------------------
n=$(grep -c "Network PIN known (from ModemManager) for modem $MODEM_B" "$W/verifierd.log")
mmctl set-sim 1 2 || fail "set-sim"
pb_wait_for 10 pb_grep_count_gt "$W/verifierd.log" "Network PIN known (from ModemManager) for modem $MODEM_B" "$n" &&
        ok "verifierd read the new SIM of modem B" || fail "verifierd did not follow the SIM swap in modem B"
on_modem 1 old-b
pb_expect "after the swap: NETWPIN push for the old SIM B on modem B -> bad-mac" \
        "rejected bad-mac modemmanager NETWPIN +4917012345" "$GOT"
on_modem 1 new-c
pb_expect "after the swap: NETWPIN push for the new SIM C on modem B -> applied" \
        "applied - modemmanager NETWPIN +4917012345" "$GOT"
pb_expect "after the swap: push $B_ID's document stays bound to the old SIM B" \
        "$MODEM_B|8949000000000000001|26202" "$(doc "$B_ID")"
pb_expect "the new push $ID is bound to the new SIM C" "$MODEM_B|8949000000000000002|26203" "$(doc "$ID")"
on_modem 0 a-on-a
pb_expect "modem A is unaffected: a push for SIM A on modem A is refused only as a replay" \
        "rejected replay modemmanager NETWPIN +4917012345" "$GOT"
grep -q "$IMSI_A\|$IMSI_B\|$IMSI_C" "$W/verifierd.log" "$W/provd.log" &&
        fail "an IMSI appears in a log" || ok "no IMSI in verifierd's or provd's log"
pb_alive "$PB_VERIFIERD_PID" && pb_alive "$PB_PROVD_PID" && ok "both daemons alive" || fail "a daemon died"
pb_summary
