#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# dm-notify.sh: acceptance test 3 of the DM route: a package 0 (OMA DM notification, WSP content
# type 0x44) through the real provd -> verifierd path (provctl inject -> provd ->
# Verifier1.SubmitDmNotification) on a real dbus-daemon with the shipped policy:
#   - a valid trigger starts a server-initiated session: Alert 1200, SessionID = the trigger's
#     session id in upper-case hex;
#   - a wrong digest, an unknown ServerID, a truncated trigger, version 10 (not 11), ui-mode 3
#     (ask the user: no DM agent yet): dropped
#     with their reasons, and the DM server records no request at all (nothing was dialled);
#   - the same trigger twice: one session (the second is a replay);
#   - 100 valid triggers in a burst (distinct session ids): at most one session per
#     DM_NOTIFY_MIN_INTERVAL_USEC (60 s) for the account, so exactly one here;
#   - only provd's user may call SubmitDmNotification.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
. "$PB_TOP/tests/dm/dm-lib.sh"
trap pb_cleanup EXIT

dm_setup 0 || { echo "set-up failed"; exit 1; }
W=$PB_WORK
expect() { [ "$2" = "$3" ] && ok "$1" || fail "$1: want '$2', got '$3'"; }

dm_bootstrap dm.test 4 && ok "account dm.test created by an authenticated push" || fail "bootstrap dm.test"
dm_config get-only

# pkg0 NAME ARGS...: build tests/dm/mkpkg0.py --wsp for dm.test with the server nonce the client
# issued last (the bootstrap's, or the one the DM server got in the last session)
server_nonce() { # server_nonce SERVER-ID
        if [ -s "$W/dm-nonces.json" ] && "$DM_PY" -c 'import json,sys; sys.exit(0 if sys.argv[2] in json.load(open(sys.argv[1])) else 1)' \
                "$W/dm-nonces.json" "$1"; then
                "$DM_PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]]["server_nonce_b64"])' \
                        "$W/dm-nonces.json" "$1"
        else
                echo "$DM_SERVER_NONCE_B64"
        fi
}
pkg0() {
        local name=$1 sid=$2; shift 2
        "$DM_PY" "$DM_DIR/mkpkg0.py" --server-id "$sid" --secret "$DM_SERVER_SECRET" \
                --nonce-b64 "$(server_nonce "$sid")" --wsp --out "$W/push/$name.wsp" "$@"
}
inject() { # inject FILE: sets OUT
        OUT=$(pb_provctl inject --json "$1" 2>&1)
}
sessions_with() { # sessions_with SESSION-ID: package 1s the server got with that SessionID and Alert 1200
        [ -f "$W/dm-records.jsonl" ] || { echo 0; return; }
        "$DM_PY" - "$W/dm-records.jsonl" "$1" <<'PY'
import json, sys
print(sum(1 for l in open(sys.argv[1]) if l.strip() and (lambda r: r.get("session_id") == sys.argv[2]
          and "1200" in r.get("alerts", []))(json.loads(l))))
PY
}
session_done() { grep -q "DM session $1 with .*: \(completed\|failed\)" "$W/verifierd.log"; }

# ---- refused triggers: nothing dialled ---------------------------------------------------------
pkg0 bad-digest dm.test --session 0x0B01 --wrong-digest
pkg0 unknown nosuch.test --session 0x0B02
pkg0 truncated dm.test --session 0x0B03 --truncate 5
pkg0 version10 dm.test --session 0x0B04 --version 10
pkg0 ui3 dm.test --session 0x0B05 --ui 3
for t in bad-digest:bad-mac unknown:unauthenticated truncated:malformed version10:unsupported ui3:policy-denied; do
        inject "$W/push/${t%%:*}.wsp"
        expect "${t%%:*}: rejected ${t##*:}" "rejected ${t##*:}" \
                "$(pb_json_field "$OUT" verdict) $(pb_json_field "$OUT" reason)"
done
# verifierd is synchronous: a GetPolicy answered after the rejections means no session is queued
pb_provctl --json policy >/dev/null 2>&1
expect "no connection for any of them: the DM server recorded no request" 0 "$(dm_posts)"

# ---- a valid trigger ---------------------------------------------------------------------------
pkg0 good dm.test --session 0x1A2B
inject "$W/push/good.wsp"
expect "a valid trigger is accepted (pending: the session starts)" "pending " \
        "$(pb_json_field "$OUT" verdict) $(pb_json_field "$OUT" reason)"
pb_wait_for 30 session_done 1A2B && ok "the server-initiated session ran" || fail "no session 1A2B in verifierd's log"
expect "package 1 has Alert 1200 and SessionID 1A2B (the trigger's id in hex)" 1 "$(sessions_with 1A2B)"
grep -q "DM session 1A2B with dm.test: completed" "$W/verifierd.log" && ok "the triggered session completed" ||
        fail "the triggered session did not complete: $(grep 'DM session 1A2B' "$W/verifierd.log")"

# The same trigger twice -> one session. After a completed session the old trigger's digest no
# longer verifies anyway (the session issued a new server nonce): bad-mac.
inject "$W/push/good.wsp"
expect "the 1A2B trigger again after its session: rejected (the nonce it was made with is gone)" \
        "rejected bad-mac" "$(pb_json_field "$OUT" verdict) $(pb_json_field "$OUT" reason)"
# A session that ends before a new nonce is issued (the server aborts it with Alert 1223) leaves
# the trigger valid: the same bytes again are a replay.
dm_bootstrap dm2.test 4 && ok "account dm2.test created" || fail "bootstrap dm2.test"
dm_config abort dm2.test
pkg0 twice dm2.test --session 0x3001
inject "$W/push/twice.wsp"
expect "trigger 3001 accepted" "pending " "$(pb_json_field "$OUT" verdict) $(pb_json_field "$OUT" reason)"
pb_wait_for 30 session_done 3001 || fail "no session 3001"
inject "$W/push/twice.wsp"
expect "the same trigger again: rejected replay" "rejected replay" \
        "$(pb_json_field "$OUT" verdict) $(pb_json_field "$OUT" reason)"
pb_provctl --json policy >/dev/null 2>&1
expect "one session 3001" 1 "$(sessions_with 3001)"

# ---- 100 triggers in a burst (another account, none triggered yet; its sessions end with Alert
# 1223, so the server nonce and every trigger's digest stay valid) -------------------------------
dm_bootstrap dm3.test 4 && ok "account dm3.test created" || fail "bootstrap dm3.test"
dm_config abort dm3.test
for i in $(seq 0 99); do
        pkg0 "burst$i" dm3.test --session $((0x2000 + i))
done
accepted=0 denied=0
for i in $(seq 0 99); do
        inject "$W/push/burst$i.wsp"
        case "$(pb_json_field "$OUT" verdict) $(pb_json_field "$OUT" reason)" in
        "pending ") accepted=$((accepted + 1)) ;;
        "rejected policy-denied") denied=$((denied + 1)) ;;
        esac
done
expect "100 triggers in a burst: one accepted, 99 refused for the interval" "1 99" "$accepted $denied"
pb_wait_for 30 grep -q "DM session 2[0-9A-F]* with dm3.test: \(completed\|failed\)" "$W/verifierd.log"
pb_provctl --json policy >/dev/null 2>&1
n=$("$DM_PY" - "$W/dm-records.jsonl" <<'PY'
import json, sys
print(len({r["session_id"] for r in map(json.loads, filter(str.strip, open(sys.argv[1])))
           if "1200" in r.get("alerts", []) and r["session_id"].startswith("20")}))
PY
)
expect "the burst started exactly one session" 1 "$n"

# ---- the caller check ---------------------------------------------------------------------------
out=$(busctl --address="$PB_BUS" call org.provboot.Verifier1 /org/provboot/Verifier1 org.provboot.Verifier1 \
        SubmitDmNotification ayss 3 1 2 3 x inject 2>&1)
case "$out" in *AccessDenied* | *"Access denied"*) ok "root may not call SubmitDmNotification (provd's user only)" ;;
*) fail "SubmitDmNotification from root: $out" ;; esac

kill -0 "$PB_VERIFIERD_PID" 2>/dev/null && ok "verifierd still runs" || fail "verifierd died"
kill -0 "$PB_PROVD_PID" 2>/dev/null && ok "provd still runs" || fail "provd died"
pb_summary
