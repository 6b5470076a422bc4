#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# pin-attempts.sh: issue 9, finding 10. Resending identical bytes used to give a push three fresh
# PIN attempts. On a real dbus-daemon with the shipped policy, verifierd (bootstrap enabled,
# PinAttempts=3), a compromised provd (user provd) that resends the same USERPIN push, and a
# guesser on the user's side (root, as `provctl pin` would be):
#   1. two wrong PINs; then the guesser is refused for a while (LimitExceeded), on every new
#      connection of the same uid, without an attempt being used;
#   2. the same bytes resent are the same pending push: the count goes on;
#   3. the third wrong PIN rejects it (pin-attempts-exceeded); resent, the same bytes are refused
#      at once with pin-attempts-exceeded and the agent is not asked; also after a restart of
#      verifierd and with another MAC parameter on the same body;
#   4. the refusal window doubles; the right PIN for another push (after the window) applies it
#      and clears the back-off.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
. "$HERE/lib-pending.sh"
trap pb_cleanup EXIT
pb_setup_users
pb_workdir
W=$PB_WORK
pb_pending_conf "$W"
pb_start_bus "$W" || exit 1
pb_start_verifierd "$W" "$W/state" || exit 1
pb_start_agent "$W/agent.log" || fail "test agent registered"

pb_doc_xml "$W/a.xml" '<characteristic type="APPLICATION"><parm name="APPID" value="w2"/><parm name="NAME" value="Guess me"/></characteristic>'
pb_doc_xml "$W/b.xml" '<characteristic type="APPLICATION"><parm name="APPID" value="w2"/><parm name="NAME" value="Bookmarks"/></characteristic>'
send() { pb_as_provd submit --body "$1" --sec 1 --userpin 1234 "${@:2}"; }
# pin_when_allowed ID PIN: ProvidePin, retried while the back-off refuses it (bounded: 20 s)
pin_when_allowed() {
        local i out
        for ((i = 0; i < 1000; i++)); do
                out=$(pb_vc pin "$1" "$2")
                case "$out" in "error org.provboot.Error.LimitExceeded"*) sleep 0.02 ;; *) break ;; esac
        done
        echo "$out"
}
AUTH="error org.provboot.Error.AuthenticationFailed Authentication failed"

out=$(send "$W/a.xml")
pb_expect "USERPIN push waits" "pending needs-pin" "$(pb_field 3 "$out") $(pb_field 4 "$out")"
A=$(pb_field 2 "$out")

# ---- 1. two wrong PINs, then the guesser waits ---------------------------------------------------
pb_vc pins "$A" 0000 0001 0002 >"$W/pins.out"
pb_expect "wrong PIN 1" "$AUTH" "$(sed -n 1p "$W/pins.out")"
pb_expect "wrong PIN 2 (one retype is free)" "$AUTH" "$(sed -n 2p "$W/pins.out")"
out=$(sed -n 3p "$W/pins.out")
case "$out" in
"error org.provboot.Error.LimitExceeded"*) ok "at once again, from a new connection: refused ($out)" ;;
*) fail "a third guess right after two wrong PINs: $out" ;;
esac

# ---- 2. the same bytes again: the same push, the count goes on -----------------------------------
out=$(send "$W/a.xml" --sender +4915551234)
pb_expect "the same bytes resent are the same pending push" "verdict $A pending needs-pin" \
        "$(pb_field 1 "$out") $(pb_field 2 "$out") $(pb_field 3 "$out") $(pb_field 4 "$out")"

# ---- 3. the last attempt, and the bytes are used up ----------------------------------------------
pb_expect "wrong PIN 3 (after the back-off)" "$AUTH" "$(pin_when_allowed "$A" 0003)"
pb_expect "the push is rejected: pin-attempts-exceeded" "rejected pin-attempts-exceeded" \
        "$(pb_vc history | /usr/bin/python3 -c 'import json,sys; h={x["id"]: x for x in json.load(sys.stdin)}[int(sys.argv[1])]; print(h["verdict"], h["reason"])' "$A")"
out=$(send "$W/a.xml")
pb_expect "the same bytes resent are refused at once" "rejected pin-attempts-exceeded" "$(pb_field 3 "$out") $(pb_field 4 "$out")"
R=$(pb_field 2 "$out")
out=$(pb_as_provd submit --body "$W/a.xml" --sec 2 --netwpin "$PB_IMSI" --userpin 1234)
pb_expect "... and with another SEC and MAC on the same body" "rejected pin-attempts-exceeded" "$(pb_field 3 "$out") $(pb_field 4 "$out")"
pb_stop "$PB_VERIFIERD_PID"
pb_start_verifierd "$W" "$W/state" || exit 1
out=$(send "$W/a.xml")
pb_expect "... and after a restart of verifierd" "rejected pin-attempts-exceeded" "$(pb_field 3 "$out") $(pb_field 4 "$out")"
grep -q "\"id\": $R," "$W/agent.log" && fail "the agent was asked about the refused copy $R" ||
        ok "the agent was not asked about a refused copy"
asked=$(grep -c "\"id\": $A," "$W/agent.log")
pb_expect "the agent was asked once about the push, not once per copy" 1 "$asked"

# ---- 4. the window doubles; the right PIN clears it ----------------------------------------------
pb_start_agent "$W/agent2.log" || fail "test agent registered" # verifierd restarted: register again
out=$(send "$W/b.xml")
B=$(pb_field 2 "$out")
pb_expect "another push waits" "pending needs-pin" "$(pb_field 3 "$out") $(pb_field 4 "$out")"
window() { sed -E 's/^error org.provboot.Error.LimitExceeded ([0-9]+) wrong PINs in a row from this user: wait ([0-9]+) s .*/\1 wrong, \2 s/'; }
pb_vc pins "$B" 9999 9998 1234 >"$W/pins.out"
pb_expect "wrong PIN (free)" "$AUTH" "$(sed -n 1p "$W/pins.out")"
pb_expect "wrong PIN again" "$AUTH" "$(sed -n 2p "$W/pins.out")"
pb_expect "the next one waits 1 s" "2 wrong, 1 s" "$(sed -n 3p "$W/pins.out" | window)"
pb_expect "wrong PIN after the window" "$AUTH" "$(pin_when_allowed "$B" 9997)"
pb_expect "the window has doubled (on any push)" "3 wrong, 2 s" "$(pb_vc pin "$A" 1234 | window)"
# (push B used all three attempts: a fresh push for the right PIN)
pb_doc_xml "$W/c.xml" '<characteristic type="APPLICATION"><parm name="APPID" value="w2"/><parm name="NAME" value="Right PIN"/></characteristic>'
out=$(send "$W/c.xml")
C=$(pb_field 2 "$out")
pb_expect "the right PIN, after the window, applies it" "verdict applied - 16" "$(pin_when_allowed "$C" 1234)"
pb_doc_xml "$W/d.xml" '<characteristic type="APPLICATION"><parm name="APPID" value="w2"/><parm name="NAME" value="After"/></characteristic>'
out=$(send "$W/d.xml")
D=$(pb_field 2 "$out")
pb_expect "the back-off was cleared: a wrong PIN is answered at once" "$AUTH" "$(pb_vc pin "$D" 0000)"
pb_summary
