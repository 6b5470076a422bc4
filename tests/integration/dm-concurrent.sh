#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# dm-concurrent.sh: a DM session holds back no other bus call (docs/dm.md "Threads"; issue 13).
# verifierd runs a session on a thread of its own under the engine lock, released during every
# network wait; the event loop answers everything else meanwhile. Real parts (tests/dm/dm-lib.sh):
# a dbus-daemon with the shipped policy, verifierd + dmsessiond + provd, tlsserver.py + dmserver.py.
#   1. while the server holds its answer to package 3 (scenario "hold": it waits for a release
#      file, bounded): a NETWPIN push through provctl inject is answered and applied, provctl
#      history answers, a second DmConnect gets "A DM session is running"; after the release the
#      held session completes;
#   2. SIGTERM to verifierd during a held session: it exits within STOP_BOUND seconds with
#      status 0, the DmConnect caller gets an answer, and after a restart the state is consistent:
#      the next session authenticates the server (the nonce sent in the held package was stored),
#      the push of step 1 is still applied, the cancelled session has its history row.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
. "$PB_TOP/tests/dm/dm-lib.sh"
trap pb_cleanup EXIT

CALL_BOUND=10   # seconds for a bus call answered while a session is held
STOP_BOUND=5    # seconds for verifierd to exit on SIGTERM during a held session

dm_setup 0 || { echo "set-up failed"; exit 1; }
W=$PB_WORK
expect() { # expect DESCRIPTION WANT GOT
        [ "$2" = "$3" ] && ok "$1" || fail "$1: want '$2', got '$3'"
}
held() { grep -q '"replied": "held"' "$W/dm-records.jsonl"; }
gone() { ! kill -0 "$1" 2>/dev/null; }

dm_bootstrap dm.test 4 && ok "the DM account dm.test (OPERATOR) created by an authenticated NETWPIN push" ||
        fail "bootstrap of dm.test"

# a second push, made now, injected while a session is held
cat >"$W/push/side.xml" <<'XML'
<?xml version="1.0"?>
<wap-provisioningdoc version="1.1">
  <characteristic type="NAPDEF">
    <parm name="NAPID" value="SIDE"/>
    <parm name="NAME" value="Side"/>
    <parm name="BEARER" value="GSM-GPRS"/>
    <parm name="NAP-ADDRESS" value="side.concurrent.test"/>
    <parm name="NAP-ADDRTYPE" value="APN"/>
  </characteristic>
</wap-provisioningdoc>
XML
"$DM_PY" "$PB_TOP/tools/mkpush.py" --xml "$W/push/side.xml" --sec netwpin --imsi "$DM_IMSI" \
        --out "$W/push/side.wsp" || fail "mkpush.py"

# ---- 1. other calls while a session is held ------------------------------------------------------
: >"$W/dm-records.jsonl"
rm -f "$W/dm-release"
dm_config hold
pb_provctl --json dm connect dm.test >"$W/held1.out" 2>&1 &
HELD=$!
pb_wait_for 30 held && ok "package 3 reached the server and is held there" || fail "package 3 never arrived"

out=$(DBUS_SYSTEM_BUS_ADDRESS=$PB_BUS timeout "$CALL_BOUND" "$PB_BUILD/provctl" inject --json "$W/push/side.wsp" 2>&1)
rc=$?
expect "while the session is held: provctl inject of a NETWPIN push is answered within ${CALL_BOUND} s" 0 "$rc"
expect "while the session is held: the push is applied" applied "$(pb_json_field "$out" verdict)"
expect "its NAPDEF is in the settings" side.concurrent.test "$(dm_setting '/NAPDEF[NAPID=SIDE]' NAP-ADDRESS)"
hist=$(DBUS_SYSTEM_BUS_ADDRESS=$PB_BUS timeout "$CALL_BOUND" "$PB_BUILD/provctl" --json history 2>&1)
rc=$?
if [ "$rc" = 0 ] && "$DM_PY" -c 'import json,sys; h=json.loads(sys.argv[1]); sys.exit(0 if any(r.get("verdict")=="applied" for r in h) else 1)' "$hist"; then
        ok "while the session is held: provctl history answers (with the applied push)"
else
        fail "provctl history while held: rc $rc: $hist"
fi
out=$(DBUS_SYSTEM_BUS_ADDRESS=$PB_BUS timeout "$CALL_BOUND" "$PB_BUILD/provctl" --json dm connect dm.test 2>&1)
rc=$?
[ "$rc" != 0 ] && [ "$rc" != 124 ] && grep -q "A DM session is running" <<<"$out" &&
        ok "a second DmConnect meanwhile: 'A DM session is running' (exit $rc)" ||
        fail "a second DmConnect meanwhile: rc $rc: $out"
kill -0 "$HELD" 2>/dev/null && held && ok "and the first session is still held (the answers did not wait for it)" ||
        fail "the held session ended before the release"
touch "$W/dm-release"
pb_wait_for 30 gone "$HELD" && ok "released: the DmConnect call returns" || fail "the held DmConnect did not return"
wait "$HELD"
expect "the released session completes (exit 0)" "completed 0" "$(pb_json_field "$(cat "$W/held1.out")" result) $?"
expect "the released session ran its Get" 1 "$(pb_json_field "$(cat "$W/held1.out")" executed)"

# ---- 2. SIGTERM during a held session ------------------------------------------------------------
: >"$W/dm-records.jsonl"
rm -f "$W/dm-release"
dm_config hold
pb_provctl --json dm connect dm.test >"$W/held2.out" 2>&1 &
HELD=$!
pb_wait_for 30 held && ok "second session: package 3 held" || fail "second session: package 3 never arrived"
sent=$(dm_record -1 "r.get('new_server_nonce_b64')")
kill -TERM "$PB_VERIFIERD_PID"
if pb_wait_for "$STOP_BOUND" gone "$PB_VERIFIERD_PID"; then
        ok "SIGTERM during a held session: verifierd exits within ${STOP_BOUND} s"
else
        fail "SIGTERM during a held session: verifierd still runs after ${STOP_BOUND} s"
fi
wait "$PB_VERIFIERD_PID"
expect "verifierd's exit status after SIGTERM" 0 "$?"
pb_wait_for "$STOP_BOUND" gone "$HELD" && ok "the DmConnect caller got its answer" || fail "the DmConnect caller still waits"
wait "$HELD"
rc=$?
out=$(cat "$W/held2.out")
expect "the cancelled session: failed timeout, exit 1 ($out)" "failed timeout 1" \
        "$(pb_json_field "$out" result) $(pb_json_field "$out" reason) $rc"
grep -q "cancelled: verifierd is stopping" "$W/verifierd.log" && ok "verifierd logged the cancel" ||
        fail "no cancel line in verifierd's log"
touch "$W/dm-release"

pb_start_verifierd "$W/conf" "$W/state" || exit 1
: >"$W/dm-records.jsonl"
dm_config get-only
dm_connect dm.test
expect "after the restart the next session completes (the server's Cred over the nonce sent)" \
        completed "$(pb_json_field "$DM_OUT" result)"
[ -n "$sent" ] && [ "$sent" != None ] && ok "the cancelled session had sent a new server nonce" ||
        fail "no nonce in the held package"
expect "the push applied during the first held session is still applied" side.concurrent.test \
        "$(dm_setting '/NAPDEF[NAPID=SIDE]' NAP-ADDRESS)"
hist=$(pb_provctl --json history 2>&1)
n=$("$DM_PY" -c 'import json,sys; h=json.loads(sys.argv[1]); print(sum(1 for r in h if r["transport"]=="dm" and r["verdict"]=="rejected" and r.get("reason")=="timeout"))' "$hist" 2>&1)
[ "$n" = 1 ] && ok "the cancelled session has its history row (rejected, timeout)" ||
        fail "history rows of the cancelled session: $n: $hist"
kill -0 "$PB_VERIFIERD_PID" 2>/dev/null && ok "verifierd still runs" || fail "verifierd died"
pb_summary
