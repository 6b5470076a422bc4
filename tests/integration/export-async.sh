#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# export-async.sh: a stuck NetworkManager never holds a verdict back (issue 11). On a real
# dbus-daemon with the shipped policy, a stand-in NetworkManager (tests/tools/nm-settings-mock.py
# --hang) records every LoadConnections call and never answers it. verifierd's call is
# asynchronous (EXPORT_NM_LOAD_TIMEOUT_USEC, 5 s): three NETWPIN pushes in a row are applied well
# within one time-out; the changes made while the call is out are queued, not sent in more calls;
# provctl status says the load is pending; when the time-out ends the call, verifierd logs the
# failure and provctl status says the last load failed.
set -u
. "$(dirname "$0")/lib.sh"
trap pb_cleanup EXIT
PY=/usr/bin/python3
MOCK=$PB_TOP/tests/tools/nm-settings-mock.py
IMSI=262011234567890
TIMEOUT_MS=5000                 # EXPORT_NM_LOAD_TIMEOUT_USEC

$PY -c 'import dbus, gi; from gi.repository import GLib' 2>/dev/null ||
        { echo "python3-dbus / python3-gi missing (make deps)"; echo "0 passed, 1 failed"; exit 1; }
command -v xml2wbxml >/dev/null || { echo "xml2wbxml missing (make deps)"; echo "0 passed, 1 failed"; exit 1; }

pb_setup_users
pb_workdir
NM=$PB_WORK/nm
mkdir -p "$PB_WORK/conf" "$PB_WORK/pconf" "$NM" "$PB_WORK/state"
chmod 700 "$NM"
cat >"$PB_WORK/conf/verifierd.conf" <<CONF
[Bootstrap]
Enabled=yes
ConfirmNetworkPin=no
[NetworkPin]
Source=static
Imsi=$IMSI
[Export]
NetworkManagerDir=$NM
CONF
PB_BUS_EXTRA='<policy user="root">
    <allow own="org.freedesktop.NetworkManager"/>
  </policy>'
pb_start_bus "$PB_WORK" || exit 1
pb_start_provd "$PB_WORK/pconf" || exit 1
pb_start_verifierd "$PB_WORK/conf" "$PB_WORK/state" || exit 1

MOCK_STATE=$PB_WORK/nm-mock.json
$PY "$MOCK" --state "$MOCK_STATE" --dir "$NM" --hang >>"$PB_WORK/mock.log" 2>&1 &
PB_PIDS+=($!)
pb_wait_for 10 pb_has_name org.freedesktop.NetworkManager || { fail "stand-in NetworkManager did not start"; pb_summary; exit 1; }
ncalls() { $PY -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["calls"]))' "$MOCK_STATE" 2>/dev/null || echo 0; }

mkpush() { # mkpush N: a NAPDEF push of its own
        cat >"$PB_WORK/doc$1.xml" <<XML
<?xml version="1.0"?>
<wap-provisioningdoc version="1.1">
  <characteristic type="NAPDEF">
    <parm name="NAPID" value="A$1"/><parm name="NAME" value="Async $1"/>
    <parm name="NAP-ADDRESS" value="apn$1.example.com"/><parm name="NAP-ADDRTYPE" value="APN"/>
  </characteristic>
</wap-provisioningdoc>
XML
        "$PB_TOP/tools/mkpush.py" --xml "$PB_WORK/doc$1.xml" --sec netwpin --imsi $IMSI --out "$PB_WORK/doc$1.wsp"
}
for n in 1 2 3; do mkpush $n || fail "mkpush $n"; done

start=$(date +%s%N)
for n in 1 2 3; do
        out=$(pb_provctl inject --json "$PB_WORK/doc$n.wsp" 2>&1)
        grep -q '"verdict": *"applied"' <<<"$out" && ok "push $n applied while NetworkManager does not answer" ||
                fail "push $n: $out"
done
elapsed=$((($(date +%s%N) - start) / 1000000))
[ "$elapsed" -lt "$TIMEOUT_MS" ] && ok "three verdicts in $elapsed ms, within one LoadConnections time-out" ||
        fail "three verdicts took $elapsed ms: a verdict waited for NetworkManager"
[ "$(ls "$NM"/provboot-A*.nmconnection 2>/dev/null | wc -l)" -eq 3 ] && ok "three keyfiles written" ||
        fail "keyfiles: $(ls "$NM")"
pb_wait_for 10 bash -c "[ \$($PY -c 'import json,sys; print(len(json.load(open(sys.argv[1]))[\"calls\"]))' '$MOCK_STATE' 2>/dev/null || echo 0) -ge 1 ]" &&
        ok "LoadConnections called" || fail "no LoadConnections call"
st=$(pb_provctl status 2>&1)
grep -q "no answer yet" <<<"$st" && ok "provctl status: the load is pending" || fail "status while the call is out: $st"
[ "$(ncalls)" -eq 1 ] && ok "one call out at a time: the later changes are queued" || fail "calls: $(ncalls)"
# The time-out ends the call (5 s from the first push): a logged result, a truthful status.
pb_wait_for 20 grep -q "Failed to ask NetworkManager to load .*timed out" "$PB_WORK/verifierd.log" &&
        ok "verifierd log: the stuck call timed out" || fail "no log line for the time-out: $(tail -5 "$PB_WORK/verifierd.log")"
st=$(pb_provctl status 2>&1)
grep -q "the last load failed" <<<"$st" && ok "provctl status: the last load failed" || fail "status after the time-out: $st"
kill -0 "$PB_VERIFIERD_PID" && ok "verifierd alive" || fail "verifierd died"
pb_summary
