#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# unverified-decode.sh: issue 9, finding 3. verifierd runs as root, so it must decode only bytes
# it has authenticated, and keep nothing of the content of a push it rejected before that.
# On a real dbus-daemon with the shipped policy, a compromised provd (user provd) submits:
#   1. with OTA bootstrap disabled (the default): Submit and SubmitWithSummary of a USERPIN push
#      whose body and summary hold distinctive values -> rejected bootstrap-disabled; verifierd
#      decoded nothing (GetPolicy Status.DocumentsDecoded), and neither value is in its database
#      files, raw bytes (the old code decoded every such body and stored the decoded values);
#   2. bootstrap enabled, a USERPIN push waiting for its PIN: still nothing decoded; ListPending
#      and the agent's RequestPin show provd's lines, each labelled "(unverified)"; the push is
#      discarded and then neither provd's words nor the body are in the database;
#   3. the right PIN for another one: now verifierd decodes (once) and applies it, and provd's
#      words are gone from the database (verifierd's own summary replaces them);
#   4. a bad SubmitWithSummary (a control character in a line, 17 lines) is a protocol
#      violation (InvalidArgs), and nobody but provd may call SubmitWithSummary.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
. "$HERE/lib-pending.sh"
trap pb_cleanup EXIT
pb_setup_users
# verifierd as verifierd.service runs it: its own user, no capabilities (issue 14)
pb_verifierd_unprivileged
pb_workdir
W=$PB_WORK
mkdir -p "$W/off" "$W/on"
chmod 755 "$W"
pb_pending_conf "$W/on"
printf '[NetworkPin]\nSource=static\nImsi=%s\n' "$PB_IMSI" >"$W/off/verifierd.conf" # bootstrap: default (no)

pb_doc_xml "$W/a.xml" '<characteristic type="APPLICATION"><parm name="APPID" value="w2"/><parm name="NAME" value="CANARY-BODY-ONE"/></characteristic>'
pb_doc_xml "$W/b.xml" '<characteristic type="APPLICATION"><parm name="APPID" value="w2"/><parm name="NAME" value="CANARY-BODY-TWO"/></characteristic>'
pb_doc_xml "$W/c.xml" '<characteristic type="APPLICATION"><parm name="APPID" value="w2"/><parm name="NAME" value="GOOD-BODY-THREE"/></characteristic>'

decoded() { pb_vc policy Status.DocumentsDecoded; }
expect_verdict() { # DESCRIPTION "VERDICT REASON" OUTPUT
        if [ "$(pb_field 3 "$3") $(pb_field 4 "$3")" = "$2" ]; then ok "$1: $2"; else fail "$1: expected $2, got '$3'"; fi
}

pb_start_bus "$W" || exit 1

# ---- 1. bootstrap disabled ----------------------------------------------------------------------
pb_start_verifierd "$W/off" "$W/state" || exit 1
pb_check_verifierd_uid
d0=$(decoded)
out=$(pb_as_provd submit --method Submit --body "$W/a.xml" --sec 1 --userpin 1234)
expect_verdict "bootstrap disabled, Submit" "rejected bootstrap-disabled" "$out"
id1=$(pb_field 2 "$out")
out=$(pb_as_provd submit --body "$W/a.xml" --sec 1 --userpin 1234 --summary "APPLICATION APPID=w2 NAME=CANARY-PROVD-ONE")
expect_verdict "bootstrap disabled, SubmitWithSummary" "rejected bootstrap-disabled" "$out"
out=$(pb_as_provd submit --method Submit --body "$W/a.xml" --sec -1)
expect_verdict "bootstrap disabled, unsigned" "rejected bootstrap-disabled" "$out"
pb_expect "nothing was decoded (Status.DocumentsDecoded)" "${d0:-missing}" "$(decoded)"
[ "$d0" = 0 ] || fail "Status.DocumentsDecoded is '$d0' at start (expected 0)"
hist=$(pb_vc history)
/usr/bin/python3 -c 'import json,sys; h=[x for x in json.loads(sys.argv[1]) if x["id"]==int(sys.argv[2])]
sys.exit(0 if h and h[0]["denied"]=="" and h[0]["digest"] else 1)' "$hist" "${id1:-0}" &&
        ok "GetHistory keeps the rejected push's digest and reason, nothing else" || fail "history row of push $id1: $hist"
pb_db_grep "$W/state" CANARY-BODY-ONE && fail "the database holds a value decoded from the rejected body" ||
        ok "the database holds no value of the rejected body"
pb_db_grep "$W/state" CANARY-PROVD-ONE && fail "the database holds provd's summary of a rejected push" ||
        ok "the database holds nothing of provd's summary of a rejected push"
pb_stop "$PB_VERIFIERD_PID"

# ---- 2. waiting for a PIN: provd's words, labelled, and nothing decoded -------------------------
pb_start_verifierd "$W/on" "$W/state" || exit 1
pb_start_agent "$W/agent.log" || fail "test agent registered"
d0=$(decoded)
out=$(pb_as_provd submit --body "$W/b.xml" --sec 1 --userpin 1234 --sender +4917099 \
        --summary "APPLICATION APPID=w2 NAME=CANARY-PROVD-TWO" --summary "second line")
expect_verdict "USERPIN push" "pending needs-pin" "$out"
id2=$(pb_field 2 "$out")
pb_expect "nothing decoded while the push waits for its PIN" "$d0" "$(decoded)"
want='["(unverified) APPLICATION APPID=w2 NAME=CANARY-PROVD-TWO", "(unverified) second line"]'
got=$(pb_vc pending | /usr/bin/python3 -c 'import json,sys; print(json.dumps([p["summary"] for p in json.load(sys.stdin) if p["id"]==int(sys.argv[1])][0]))' "$id2" 2>&1)
pb_expect "ListPending shows provd's lines, each labelled (unverified)" "$want" "$got"
pb_wait_for 10 grep -q "\"id\": $id2" "$W/agent.log"
got=$(/usr/bin/python3 -c 'import json,sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r["id"] == int(sys.argv[2]): print(r["method"], json.dumps(r["summary"]))' "$W/agent.log" "$id2" 2>&1)
pb_expect "the agent's RequestPin shows the same labelled lines" "RequestPin $want" "$got"
out=$(pb_provctl discard "$id2" 2>&1) && ok "discarded: $out" || fail "discard $id2: $out"
pb_stop "$PB_VERIFIERD_PID" # a clean close checkpoints the WAL into the database file
pb_db_grep "$W/state" CANARY-PROVD-TWO && fail "provd's summary outlived the rejected push" ||
        ok "provd's summary went with the rejected push"
pb_db_grep "$W/state" CANARY-BODY-TWO && fail "the rejected push's body is still in the database" ||
        ok "nothing of the rejected push's body is left in the database"

# ---- 3. authenticated by the PIN: decoded once, provd's words replaced --------------------------
pb_start_verifierd "$W/on" "$W/state" || exit 1
d0=$(decoded)
out=$(pb_as_provd submit --body "$W/c.xml" --sec 1 --userpin 1234 --summary "APPLICATION NAME=PROVD-WORDS-THREE")
expect_verdict "USERPIN push" "pending needs-pin" "$out"
id3=$(pb_field 2 "$out")
pb_db_grep "$W/state" PROVD-WORDS-THREE && ok "provd's summary is kept while the push waits" ||
        fail "provd's summary of the waiting push is not stored"
out=$(pb_vc pin "$id3" 1234)
pb_expect "the right PIN applies it" "verdict applied - 16" "$out"
pb_expect "verifierd decoded the authenticated bytes once" "$((d0 + 1))" "$(decoded)"
pb_stop "$PB_VERIFIERD_PID"
pb_db_grep "$W/state" PROVD-WORDS-THREE && fail "provd's summary outlived the authentication" ||
        ok "after authentication provd's summary is gone"
pb_db_grep "$W/state" GOOD-BODY-THREE && ok "verifierd's own summary and settings hold the authenticated values" ||
        fail "the applied document's values are not in the store"

# ---- 4. what a compromised provd may send, and who may call ------------------------------------
pb_start_verifierd "$W/on" "$W/state" || exit 1
pv0=$(pb_vc policy Status.ProtocolViolations)
out=$(pb_as_provd submit --body "$W/b.xml" --sec 1 --userpin 1234 --summary "$(printf 'a\033[2Jb')")
pb_expect "a summary line with a control character: InvalidArgs" "error org.freedesktop.DBus.Error.InvalidArgs" "$out"
args=()
for i in $(seq 17); do args+=(--summary "line $i"); done
out=$(pb_as_provd submit --body "$W/b.xml" --sec 1 --userpin 1234 "${args[@]}")
pb_expect "17 summary lines: InvalidArgs" "error org.freedesktop.DBus.Error.InvalidArgs" "$out"
out=$(pb_as_provd submit --body "$W/b.xml" --sec 1 --userpin 1234 "${args[@]:2}")
expect_verdict "16 summary lines (the limit)" "pending needs-pin" "$out"
pb_expect "each refused call counted as a protocol violation" "$((pv0 + 2))" "$(pb_vc policy Status.ProtocolViolations)"
out=$(setpriv --reuid=nobody --regid=nogroup --clear-groups /usr/bin/python3 "$PB_VC" "$PB_BUS" submit \
        --method SubmitWithSummary --body "$W/b.xml" --sec 1 --userpin 1234)
pb_expect "nobody may not call SubmitWithSummary" "error org.freedesktop.DBus.Error.AccessDenied" "$out"
out=$(pb_vc submit --method SubmitWithSummary --body "$W/b.xml" --sec 1 --userpin 1234)
pb_expect "root (not provd) is refused by verifierd itself" "error org.freedesktop.DBus.Error.AccessDenied" "$out"
pb_summary
