#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# export-async.sh: a stuck NetworkManager or oFono never holds a verdict back (issue 11). On a
# real dbus-daemon with the shipped policy, a stand-in NetworkManager (tests/tools/
# nm-settings-mock.py --hang; NetworkManager cannot run on a private bus here, and nm-exports.sh
# checks the stand-in against NetworkManager's installed introspection) records every
# LoadConnections call and never answers it; oFono is the REAL ofonod (Debian's ofono), started on
# the private bus and then stopped with SIGSTOP: a daemon that owns its name and answers nothing,
# so GetModems, the first call of every oFono export run ([Export] OfonoContexts=yes), hangs. verifierd's NetworkManager call is
# asynchronous (EXPORT_NM_LOAD_TIMEOUT_USEC, 5 s) and its oFono runs go to a worker
# (export-worker.h; EXPORT_DBUS_CALL_TIMEOUT_USEC, 2 s): three NETWPIN pushes in a row are
# applied well within one time-out; the changes made while a call or run is out are queued, not
# sent in more calls (one more oFono run for all of them); provctl status says pending; when the
# time-outs end the calls, verifierd logs them and provctl status says the last attempt failed.
set -u
. "$(dirname "$0")/lib.sh"
trap pb_cleanup EXIT
PY=/usr/bin/python3
MOCK=$PB_TOP/tests/tools/nm-settings-mock.py
IMSI=262011234567890
TIMEOUT_MS=5000                 # EXPORT_NM_LOAD_TIMEOUT_USEC

pb_require_python_dbus
pb_require xml2wbxml command -v xml2wbxml
OFONOD=$(command -v ofonod || echo /usr/sbin/ofonod)
pb_require "ofonod (Debian package ofono)" test -x "$OFONOD"

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
OfonoContexts=yes
CONF
PB_BUS_EXTRA='<policy user="root">
    <allow own="org.freedesktop.NetworkManager"/>
    <allow own="org.ofono"/>
    <allow own="org.ofono.mms"/>
    <allow send_destination="org.ofono"/>
  </policy>'
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
pb_start_bus "$PB_WORK" || exit 1
# ofonod without a modem, in a mount namespace of its own (its storage, /var/lib/ofono, a tmpfs
# that dies with it), as tests/integration/ofono.sh starts it; then stopped: stuck, not gone.
DBUS_SYSTEM_BUS_ADDRESS=$PB_BUS unshare -m sh -c 'mount -t tmpfs -o mode=0700 tmpfs /var/lib/ofono 2>/dev/null; exec "$0" -n' \
        "$OFONOD" >>"$PB_WORK/ofono.log" 2>&1 &
OFONO_PID=$!
PB_PIDS+=("$OFONO_PID")
pb_wait_for 15 pb_has_name org.ofono || { fail "ofonod did not start: $(tail -5 "$PB_WORK/ofono.log")"; pb_summary; exit 1; }
kill -STOP "$OFONO_PID" && ok "the real ofonod owns org.ofono, then is stopped (SIGSTOP)" || fail "cannot stop ofonod"
pb_start_provd "$PB_WORK/pconf" || exit 1
pb_start_verifierd "$PB_WORK/conf" "$PB_WORK/state" || exit 1

MOCK_STATE=$PB_WORK/nm-mock.json
$PY "$MOCK" --state "$MOCK_STATE" --dir "$NM" --hang >>"$PB_WORK/mock.log" 2>&1 &
PB_PIDS+=($!)
pb_wait_for 10 pb_has_name org.freedesktop.NetworkManager || { fail "stand-in NetworkManager did not start"; pb_summary; exit 1; }
ncalls() { $PY -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["calls"]))' "$MOCK_STATE" 2>/dev/null || echo 0; }


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
grep -q "NetworkManager: running; asked to load changed profiles, no answer yet" <<<"$st" &&
        ok "provctl status: the NetworkManager load is pending" || fail "status while the call is out: $st"
grep -q "Ofono: pending" <<<"$st" && ok "provctl status: the oFono export is pending" || fail "status while the run is out: $st"
[ "$(ncalls)" -eq 1 ] && ok "one call out at a time: the later changes are queued" || fail "calls: $(ncalls)"
# The time-out ends the call (5 s from the first push): a logged result, a truthful status.
pb_wait_for 20 grep -q "Failed to ask NetworkManager to load .*timed out" "$PB_WORK/verifierd.log" &&
        ok "verifierd log: the stuck call timed out" || fail "no log line for the time-out: $(tail -5 "$PB_WORK/verifierd.log")"
st=$(pb_provctl status 2>&1)
grep -q "the last load failed" <<<"$st" && ok "provctl status: the last load failed" || fail "status after the time-out: $st"
# oFono: the run ends at the call's time-out, logged; then exactly one more run for the pushes.
pb_wait_for 20 grep -q "D-Bus exports (Connection timed out" "$PB_WORK/verifierd.log" &&
        ok "verifierd log: the stuck oFono run timed out" || fail "no log line for the oFono time-out: $(tail -5 "$PB_WORK/verifierd.log")"
pb_wait_for 20 bash -c "[ \$(grep -c 'D-Bus exports (Connection timed out' '$PB_WORK/verifierd.log') -ge 2 ]" &&
        ok "one more run for the pushes made during the first, timed out too" || fail "no second oFono run"
ofono_settled() { ! pb_provctl status 2>&1 | grep -q "Ofono: pending"; }
pb_wait_for 20 ofono_settled || fail "an oFono run is still out"
st=$(pb_provctl status 2>&1)
grep -q "Ofono: the last export failed" <<<"$st" && ok "provctl status: the last oFono export failed" ||
        fail "oFono status after the time-outs: $st"
# Coalesced: a run per push would make four (start-up + 3). Two when the pushes came during the
# start-up run (the usual case: one stale mark for all three), three when the start-up run had
# timed out before the first push (that push's run, then one for the two others).
runs=$(grep -c 'D-Bus exports (' "$PB_WORK/verifierd.log")
[ "$runs" -ge 2 ] && [ "$runs" -le 3 ] && ok "$runs oFono runs in all for the start-up and three pushes (coalesced)" ||
        fail "oFono runs: $runs"
kill -0 "$PB_VERIFIERD_PID" && ok "verifierd alive" || fail "verifierd died"
kill -CONT "$OFONO_PID" 2>/dev/null
pb_summary
