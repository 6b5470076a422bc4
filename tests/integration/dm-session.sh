#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# dm-session.sh: acceptance tests 2, 4, 5, 6, 8, 9 and 11 of the DM route (docs/dm.md; OMA DM 1.2
# client sessions over TLS, bounded by the account's roles), end to end: a real dbus-daemon with
# the shipped policy, verifierd + dmsessiond + provd, tests/dm/tlsserver.py + dmserver.py on
# 127.0.0.1 with a fresh PKI; the account is created by an authenticated (NETWPIN) CP push.
#   2. happy path: package 1 (Alert 1201, DevInfo Replace, md5 Cred, LocName), 212, Get ->
#      Results, a Replace within the roles applied, the session ends on a statuses-only package;
#      the history has the session; provctl's JSON and exit status as DESIGN fixes them;
#   4. challenge: 407 + Chal -> package 1 again (same SessionID, next MsgID, to the RespURI) with
#      a Cred over the new nonce;
#   5. server authentication: no / a wrong server Cred -> 407 / 401 for the header and every
#      command, nothing executed (the settings byte-identical), server-auth-failed;
#   6. nonces: a new server nonce in every session, used by the server next time (so it was
#      stored); a NextNonce from an unauthenticated reply is not stored; kill -9 of verifierd
#      between packages leaves the nonce that was sent (the next session authenticates);
#   8. roles: an OPERATOR account's Manager-only Replace, own Role superset, new DMAcc with more
#      roles -> 425; Get AAuthSecret -> 405; Atomic with a denied member -> 507/216, no change;
#      the same Atomic from a MANAGER account is applied;
#   9. semantics: Replace missing 404, Add existing 418, Delete permanent 405, Exec/Copy 406,
#      unknown element 400, no CmdID 400, Sequence in order, Alert 1223 ends the session,
#      oversize message aborts, RespURI to another host aborts without a POST there, a server
#      that never stops hits DM_SESSION_PACKAGES_MAX; one that stops answering: timeout;
#      AllowLoopback=no refuses the 127.0.0.1 account (address-refused) before any request;
#  11. WBXML: a server answering in WBXML gets WBXML answers (Content-Type to match), decoded by
#      libwbxml; after a WBXML challenge package 1 itself goes in WBXML.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
. "$PB_TOP/tests/dm/dm-lib.sh"
trap pb_cleanup EXIT
# verifierd as verifierd.service runs it: its own user, no capabilities (dm-notify.sh and
# dm-split.sh run it as root, as started by hand)
pb_verifierd_unprivileged

# The NetworkManager stand-in (below) runs as root and owns NetworkManager's name, as
# NetworkManager's own bus policy grants root on a real system.
PB_BUS_EXTRA='<policy user="root">
    <allow own="org.freedesktop.NetworkManager"/>
  </policy>'
dm_setup 0 || { echo "set-up failed"; exit 1; }
pb_check_verifierd_uid
W=$PB_WORK
NAP='/NAPDEF[NAPID=INTERNET]'

# status CMD [N]: the data of the client's Status for command CMD in record N (default: last)
status_of() {
        dm_record "${2:--1}" "[s['data'] for s in r['statuses'] if s['cmd'] == '$1']"
}
expect() { # expect DESCRIPTION WANT GOT
        [ "$2" = "$3" ] && ok "$1" || fail "$1: want '$2', got '$3'"
}

dm_bootstrap dm.test 4 && ok "the DM account dm.test (OPERATOR) created by an authenticated NETWPIN push" ||
        fail "bootstrap of dm.test"
nap0=$(dm_setting "$NAP" NAP-ADDRESS)
expect "NAPDEF INTERNET applied by the push" internet.operator.test "$nap0"

# ---- 2. happy path ----------------------------------------------------------------------------
dm_config happy
dm_connect dm.test
expect "provctl dm connect exits 0 for a completed session" 0 "$DM_RC"
expect "JSON server_id" dm.test "$(pb_json_field "$DM_OUT" server_id)"
expect "JSON result" completed "$(pb_json_field "$DM_OUT" result)"
expect "JSON reason empty" "" "$(pb_json_field "$DM_OUT" reason)"
expect "JSON executed: the Get and the Replace" 2 "$(pb_json_field "$DM_OUT" executed)"
expect "JSON denied" 0 "$(pb_json_field "$DM_OUT" denied)"
expect "package 1 has Alert 1201" "['1201']" "$(dm_record 1 "r['alerts']")"
expect "package 1 has the DevInfo Replace (DevId, Man, Mod, DmV, Lang)" \
        "['./DevInfo/DevId', './DevInfo/DmV', './DevInfo/Lang', './DevInfo/Man', './DevInfo/Mod']" \
        "$(dm_record 1 "sorted(r['devinfo'])")"
expect "package 1 Cred is syncml:auth-md5 and verifies (server side, hashlib)" "syncml:auth-md5 True" \
        "$(dm_record 1 "r['cred_type'] + ' ' + str(r['cred_ok'])")"
expect "package 1 Source/LocName is the client's AAUTHNAME" "$DM_CLIENT_NAME" "$(dm_record 1 "r['locname']")"
expect "VerDTD 1.2, VerProto DM/1.2" "1.2 DM/1.2" "$(dm_record 1 "r['verdtd'] + ' ' + r['verproto']")"
expect "package 3: 212 for the server's header" "['212']" "$(status_of SyncHdr 2)"
expect "package 3: a new server nonce in the Chal of that status" True \
        "$(dm_record 2 "bool(r.get('new_server_nonce_b64'))")"
expect "package 3: Get -> 200 and Results of ./DevInfo/Man" "['200'] ['./DevInfo/Man']" \
        "$(dm_record 2 "str([s['data'] for s in r['statuses'] if s['cmd'] == 'Get']) + ' ' + str([x['source'] for x in r['results']])")"
expect "package 3: Replace of NAP-ADDRESS -> 200" "['200']" "$(status_of Replace 2)"
expect "the Replace is applied (the same setting as the CP route's)" internet.dm.test "$(dm_setting "$NAP" NAP-ADDRESS)"
expect "the session ended on the statuses-only package: 2 POSTs" 2 "$(dm_n_records)"
expect "no other request reached the server" 2 "$(dm_posts)"
hist=$(pb_provctl --json history 2>&1)
if "$DM_PY" -c 'import json,sys; h=json.loads(sys.argv[1]); sys.exit(0 if any(r["transport"]=="dm" and r["sender"]=="dm.test" and r["verdict"]=="applied" for r in h) else 1)' "$hist"; then
        ok "provctl history shows the DM session (transport dm, sender dm.test)"
else
        fail "no DM session in the history: $hist"
fi
grep -q "DM session .* with dm.test: completed" "$W/verifierd.log" && ok "verifierd logged the session's end" ||
        fail "no end-of-session line in verifierd's log"
out=$(pb_provctl dm connect 2>&1); rc=$?
expect "provctl dm connect without a SERVER-ID: usage (64)" 64 "$rc"
dm_connect nosuch.test
expect "unknown account: failed no-account, exit status 1" "failed no-account 1" \
        "$(pb_json_field "$DM_OUT" result) $(pb_json_field "$DM_OUT" reason) $DM_RC"

# ---- 4. challenge flow -------------------------------------------------------------------------
: >"$W/dm-records.jsonl"
dm_config challenge-respuri
dm_connect dm.test
expect "challenge: the session completes" completed "$(pb_json_field "$DM_OUT" result)"
expect "challenge: the server answered package 1 with 407" challenge-407 "$(dm_record 1 "r['replied']")"
expect "challenge: package 1 again (Alert, DevInfo), same SessionID, next MsgID, to RespURI" \
        "True True 2 /dm/next" \
        "$(dm_record 2 "str('1201' in r['alerts']) + ' ' + str(r['session_id'] == recs[0]['session_id']) + ' ' + r['msg_id'] + ' ' + r['path']")"
expect "challenge: the new Cred is over the challenge's nonce" True "$(dm_record 2 "r['cred_ok'] and r.get('cred_nonce_b64') == recs[0]['issued_client_nonce_b64']")"

: >"$W/dm-records.jsonl"
dm_config challenge-always
dm_connect dm.test
expect "a server that challenges every package 1: failed server-auth-failed after DM_SESSION_CHALLENGES_MAX (2) resends" \
        "failed server-auth-failed 3" "$(pb_json_field "$DM_OUT" result) $(pb_json_field "$DM_OUT" reason) $(dm_n_records)"

# ---- 5. server authentication ------------------------------------------------------------------
before=$(pb_provctl --json settings 2>&1)
for sc in no-server-cred:407 wrong-server-cred:401; do
        name=${sc%%:*} code=${sc##*:}
        : >"$W/dm-records.jsonl"
        dm_config "$name"
        dm_connect dm.test
        expect "$name: failed server-auth-failed, exit status 1" "failed server-auth-failed 1" \
                "$(pb_json_field "$DM_OUT" result) $(pb_json_field "$DM_OUT" reason) $DM_RC"
        expect "$name: executed 0" 0 "$(pb_json_field "$DM_OUT" executed)"
        expect "$name: $code for the header and for every command" "['$code'] ['$code'] ['$code']" \
                "$(dm_record -1 "' '.join(str([s['data'] for s in r['statuses'] if s['cmd'] == c]) for c in ('SyncHdr', 'Replace', 'Get'))")"
        expect "$name: every status carries a Chal with a fresh nonce" True \
                "$(dm_record -1 "all(s.get('next_nonce_b64') for s in r['statuses'])")"
        expect "$name: no Results (nothing executed)" "[]" "$(dm_record -1 "r['results']")"
done
after=$(pb_provctl --json settings 2>&1)
[ "$before" = "$after" ] && ok "the settings are byte-identical before and after both refused sessions" ||
        fail "the settings changed: $(diff <(echo "$before") <(echo "$after"))"

# ---- 6. nonce lifecycle ------------------------------------------------------------------------
: >"$W/dm-records.jsonl"
dm_config get-only
dm_connect dm.test
dm_connect dm.test
dm_connect dm.test
expect "three sessions completed (each Cred checked with the nonce of the last one)" completed \
        "$(pb_json_field "$DM_OUT" result)"
nonces=$(grep -o '"new_server_nonce_b64": "[^"]*"' "$W/dm-records.jsonl" | sort -u | wc -l)
sessions=$(grep -c '"new_server_nonce_b64"' "$W/dm-records.jsonl")
[ "$sessions" -ge 3 ] && [ "$nonces" = "$sessions" ] && ok "a new server nonce in each of $sessions sessions, all different" ||
        fail "server nonces: $nonces distinct in $sessions sessions"
# An unauthenticated reply's NextNonce: the server below issues one in its 212 but has no valid
# Cred; the client must keep the nonce it had.
: >"$W/dm-records.jsonl"
dm_config wrong-server-cred
dm_connect dm.test
bad=$(dm_record 1 "r.get('issued_client_nonce_b64')")
: >"$W/dm-records.jsonl"
dm_config get-only
dm_connect dm.test
used=$(dm_record 1 "r.get('cred_nonce_b64')")
[ -n "$bad" ] && [ "$bad" != None ] && [ "$used" != "$bad" ] &&
        ok "the NextNonce of an unauthenticated reply was not stored (next Cred over the old nonce)" ||
        fail "the client used the unauthenticated NextNonce ($used = $bad)"
expect "and the session still completes (the server challenges with a fresh nonce)" completed \
        "$(pb_json_field "$DM_OUT" result)"

# kill -9 between packages: the new server nonce went out in package 3, which the server holds;
# verifierd dies meanwhile. After a restart the next session must authenticate the server with
# the nonce that was sent (it was stored durably before sending), never with a mix.
: >"$W/dm-records.jsonl"
rm -f "$W/dm-release"
dm_config hold
pb_provctl --json dm connect dm.test >"$W/held.out" 2>&1 &
HELD=$!
pb_wait_for 30 grep -q '"replied": "held"' "$W/dm-records.jsonl" && ok "package 3 reached the server and is held there" ||
        fail "package 3 never arrived"
sent=$(dm_record -1 "r.get('new_server_nonce_b64')")
kill -9 "$PB_VERIFIERD_PID"
wait "$PB_VERIFIERD_PID" 2>/dev/null
touch "$W/dm-release"
wait "$HELD" 2>/dev/null
pb_start_verifierd "$W/conf" "$W/state" || exit 1
: >"$W/dm-records.jsonl"
dm_config get-only
dm_connect dm.test
expect "after kill -9 between packages the next session completes (the server's Cred over the nonce sent)" \
        completed "$(pb_json_field "$DM_OUT" result)"
[ -n "$sent" ] && [ "$sent" != None ] && ok "that nonce was the one in the killed session's package 3" ||
        fail "no nonce in the held package"

# ---- 8. role bounding --------------------------------------------------------------------------
: >"$W/dm-records.jsonl"
dm_config roles
nap1=$(dm_setting "$NAP" NAP-ADDRESS)
dm_connect dm.test
expect "OPERATOR account: the session completes" completed "$(pb_json_field "$DM_OUT" result)"
expect "Replace of a MANAGER-only node -> 425; own Role to a superset -> 425" "['425', '425']" \
        "$(dm_record 2 "[s['data'] for s in r['statuses'] if s['cmd'] == 'Replace'][:2]")"
expect "Add of a new DMAcc with more roles -> 425" True \
        "$(dm_record 2 "'425' in [s['data'] for s in r['statuses'] if s['cmd'] == 'Add']")"
expect "Get of AAuthSecret -> 405" "['405']" "$(status_of Get 2)"
expect "Atomic with a denied member -> 507, the other member 216" "['507'] True" \
        "$(dm_record 2 "str([s['data'] for s in r['statuses'] if s['cmd'] == 'Atomic']) + ' ' + str('216' in [s['data'] for s in r['statuses']])")"
expect "nothing of the Atomic applied" "$nap1" "$(dm_setting "$NAP" NAP-ADDRESS)"
d=$(pb_json_field "$DM_OUT" denied)
[ "${d:-0}" -ge 4 ] && ok "denied counts the refused commands ($d)" || fail "denied $d, want >= 4"
# The same Atomic from a MANAGER account: verifierd with GrantManager=4 makes the NETWPIN push's
# OPERATOR act as MANAGER, and ROLE 12 is within that.
pb_stop "$PB_VERIFIERD_PID"
sed -i 's/^GrantManager=.*/GrantManager=4/' "$W/conf/verifierd.conf"
pb_start_verifierd "$W/conf" "$W/state" || exit 1
dm_bootstrap dm-mgr.test 12 && ok "MANAGER account dm-mgr.test created" || fail "bootstrap of dm-mgr.test"
: >"$W/dm-records.jsonl"
dm_config atomic dm-mgr.test
dm_connect dm-mgr.test
expect "MANAGER account: the Atomic -> 200" "['200']" "$(dm_record 2 "[s['data'] for s in r['statuses'] if s['cmd'] == 'Atomic']")"
expect "MANAGER account: the Atomic applied" atomic.dm.test "$(dm_setting "$NAP" NAP-ADDRESS)"

# ---- 9. command semantics ----------------------------------------------------------------------
: >"$W/dm-records.jsonl"
dm_config semantics dm-mgr.test
dm_connect dm-mgr.test
expect "semantics: the session completes" completed "$(pb_json_field "$DM_OUT" result)"
expect "Replace of a missing node -> 404 (first Replace)" 404 "$(dm_record 2 "[s['data'] for s in r['statuses'] if s['cmd'] == 'Replace'][0]")"
expect "Add of an existing node -> 418" "['418']" "$(status_of Add 2)"
expect "Delete of a permanent node -> 405" "['405']" "$(status_of Delete 2)"
expect "Exec -> 406" "['406']" "$(status_of Exec 2)"
expect "Copy -> 406" "['406']" "$(status_of Copy 2)"
expect "unknown element -> 400" "['400']" "$(status_of Frobnicate 2)"
expect "a command without CmdID -> 400 with an empty CmdRef" True \
        "$(dm_record 2 "any(s['cmd'] == 'Get' and s['data'] == '400' and not s['cmd_ref'] for s in r['statuses'])")"
expect "Sequence -> 200, its members in order (the Get after the Replace reads the new value)" \
        "['200'] seq.dm.test" \
        "$(dm_record 2 "str([s['data'] for s in r['statuses'] if s['cmd'] == 'Sequence']) + ' ' + [x['data'] for x in r['results'] if x['source'].endswith('NAP-ADDRESS')][0]")"
: >"$W/dm-records.jsonl"
dm_config abort dm-mgr.test
dm_connect dm-mgr.test
expect "Alert 1223 from the server ends the session: no further POST" 1 "$(dm_n_records)"
expect "Alert 1223: result failed" failed "$(pb_json_field "$DM_OUT" result)"
: >"$W/dm-records.jsonl"
dm_config oversize dm-mgr.test
dm_connect dm-mgr.test
expect "a server message over MaxMsgSize aborts the session (protocol-error), nothing more sent" \
        "failed protocol-error 1" "$(pb_json_field "$DM_OUT" result) $(pb_json_field "$DM_OUT" reason) $(dm_n_records)"
: >"$W/dm-records.jsonl"
: >"$W/tls.jsonl"
dm_config respuri-other dm-mgr.test
dm_connect dm-mgr.test
expect "RespURI to another host: failed protocol-error, one POST only (nothing sent there)" \
        "failed protocol-error 1" "$(pb_json_field "$DM_OUT" result) $(pb_json_field "$DM_OUT" reason) $(dm_posts)"
: >"$W/dm-records.jsonl"
dm_config respuri-same dm-mgr.test
dm_connect dm-mgr.test
expect "RespURI on the same origin is followed" "completed /dm/next" \
        "$(pb_json_field "$DM_OUT" result) $(dm_record 2 "r['path']")"
: >"$W/dm-records.jsonl"
dm_config endless dm-mgr.test
dm_connect dm-mgr.test
expect "a server that never ends: aborted after DM_SESSION_PACKAGES_MAX (32) packages" \
        "failed protocol-error 32" "$(pb_json_field "$DM_OUT" result) $(pb_json_field "$DM_OUT" reason) $(dm_n_records)"

# a server that stops answering: the per-read timeout (DM_SESSION_READ_TIMEOUT_MS, 30 s)
: >"$W/dm-records.jsonl"
rm -f "$W/dm-release"
dm_config hold dm-mgr.test
dm_connect dm-mgr.test
touch "$W/dm-release"
expect "a server that stops answering: failed timeout" "failed timeout" \
        "$(pb_json_field "$DM_OUT" result) $(pb_json_field "$DM_OUT" reason)"

# ---- 11. WBXML ---------------------------------------------------------------------------------
# The server answers in WBXML (libwbxml's xml2wbxml); the client answers in the server's encoding
# from then on, with the matching Content-Type; dmserver.py decodes it with libwbxml's wbxml2xml.
: >"$W/dm-records.jsonl"
dm_config wbxml
dm_connect dm.test
expect "WBXML: the session completes (3 client messages)" "completed 3" \
        "$(pb_json_field "$DM_OUT" result) $(dm_n_records)"
expect "WBXML: package 1 is XML (nothing to mirror yet)" "xml application/vnd.syncml.dm+xml" \
        "$(dm_record 1 "r['encoding'] + ' ' + r['ctype']")"
for n in 2 3; do
        expect "WBXML: client message $n is WBXML 1.2, public id 0x1201, UTF-8, sent as +wbxml" \
                "wbxml application/vnd.syncml.dm+wbxml 02a4016a00" \
                "$(dm_record $n "r['encoding'] + ' ' + r['ctype'] + ' ' + r['wbxml_head']")"
done
expect "WBXML: package 3 (decoded by libwbxml): 212 with a new server nonce, Get -> Results" \
        "['212'] True ['./DevInfo/Man']" \
        "$(dm_record 2 "str([s['data'] for s in r['statuses'] if s['cmd'] == 'SyncHdr']) + ' ' + str(bool(r.get('new_server_nonce_b64'))) + ' ' + str([x['source'] for x in r['results']])")"
expect "WBXML: the Replace -> 200 and applied" "['200'] wbxml.dm.test" \
        "$(status_of Replace 2) $(dm_setting "$NAP" NAP-ADDRESS)"
expect "WBXML: the second management package -> Results of ./DevInfo/Mod" "['./DevInfo/Mod']" \
        "$(dm_record 3 "[x['source'] for x in r['results']]")"
: >"$W/dm-records.jsonl"
dm_config wbxml-challenge
dm_connect dm.test
expect "WBXML challenge: 407 in WBXML, then package 1 again in WBXML, and the session completes" \
        "challenge-407 wbxml completed" \
        "$(dm_record 1 "r['replied']") $(dm_record 2 "r['encoding']") $(pb_json_field "$DM_OUT" result)"
expect "WBXML challenge: that package 1 decodes with libwbxml (Alert 1201, DevInfo, Cred verifies)" \
        "['1201'] 5 True" \
        "$(dm_record 2 "str(r['alerts']) + ' ' + str(len(r['devinfo'])) + ' ' + str(r['cred_ok'])")"
: >"$W/dm-records.jsonl"
dm_config wbxml-mislabelled
dm_connect dm.test
expect "WBXML bytes under the XML Content-Type: failed protocol-error, nothing more sent" \
        "failed protocol-error 1" "$(pb_json_field "$DM_OUT" result) $(pb_json_field "$DM_OUT" reason) $(dm_n_records)"

# What a session applied reaches NetworkManager: the keyfile is rewritten on the session's thread,
# and LoadConnections for it is sent on the main bus when the session has ended (dm-runner.h end
# hook). NetworkManager is the stand-in of nm-exports.sh here (it cannot run on a private bus;
# nm-exports.sh checks its LoadConnections against NetworkManager's introspection data).
NM_MOCK_STATE=$W/nm-mock.json
"$DM_PY" "$PB_TOP/tests/tools/nm-settings-mock.py" --state "$NM_MOCK_STATE" --dir "$W/nm" >>"$W/nm-mock.log" 2>&1 &
PB_PIDS+=("$!")
if pb_wait_for 10 pb_has_name org.freedesktop.NetworkManager; then
        dm_config happy dm-mgr.test
        "$DM_PY" - "$W/dmserver.json" <<'PYEOF'
import json, sys
c = json.load(open(sys.argv[1]))
c["scenario"] = {"packages": [[{"cmd": "Replace", "format": "chr", "data": "internet.nm-check.test",
                                "target": "./Vendor/provboot/NAPDEF/INTERNET/NAP-ADDRESS"}]]}
json.dump(c, open(sys.argv[1] + ".tmp", "w"))
PYEOF
        mv "$W/dmserver.json.tmp" "$W/dmserver.json"
        dm_connect dm-mgr.test
        nm_loaded() {
                "$DM_PY" - "$NM_MOCK_STATE" <<'PYEOF'
import json, sys
try:
    s = json.load(open(sys.argv[1]))
except Exception:
    sys.exit(1)
sys.exit(0 if any(v.get("apn") == "internet.nm-check.test" for v in s.get("loaded", {}).values()) else 1)
PYEOF
        }
        expect "a session's APN change: completed" "completed" "$(pb_json_field "$DM_OUT" result)"
        pb_wait_for 10 nm_loaded && ok "NetworkManager was asked to load the keyfile the session changed" ||
                fail "no LoadConnections with the session's APN: $(cat "$NM_MOCK_STATE" 2>/dev/null)"
else
        fail "the NetworkManager stand-in did not start: $(cat "$W/nm-mock.log")"
fi

# [DM] AllowLoopback=no (the default): the account's 127.0.0.1 is refused before anything is sent
pb_stop "$PB_VERIFIERD_PID"
sed -i 's/^AllowLoopback=yes/AllowLoopback=no/' "$W/conf/verifierd.conf.d/50-dm-test.conf"
pb_start_verifierd "$W/conf" "$W/state" || exit 1
posts=$(dm_posts)
dm_config get-only dm-mgr.test
dm_connect dm-mgr.test
expect "AllowLoopback=no: failed address-refused, no request" "failed address-refused $posts" \
        "$(pb_json_field "$DM_OUT" result) $(pb_json_field "$DM_OUT" reason) $(dm_posts)"

kill -0 "$PB_VERIFIERD_PID" 2>/dev/null && ok "verifierd still runs" || fail "verifierd died"
pb_summary
