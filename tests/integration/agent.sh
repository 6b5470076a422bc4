#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# agent.sh: issue 10, points 9 and 10, end to end on a real dbus-daemon with the shipped policy.
#   1. Every verdict is journalled and signalled: the lockout after the last wrong PIN
#      (PinAttempts=2), a Discard and an expiry each give a VerdictReached signal, a structured
#      journal entry with its own MESSAGE_ID (verifierd runs in a mount namespace whose
#      /run/systemd/journal/socket is tests/tools/journal-capture.py: sd_journal_send's real
#      datagrams) and a stderr line. Expiry: verifierd's clock is the wall clock and the
#      shortest expiry is 60 s, so the test moves the push's expiry into the past in the store
#      (sqlite3, while verifierd runs: it reads the store afresh on every call).
#   2. An agent that registers after pushes became pending is offered them (the python test
#      agent of tests/tools/verifier-client.py).
#   3. `provctl agent`, run by a phone user in group provboot, non-interactive (answers on
#      stdin): it is offered the two pushes that were pending before it started, prints the
#      document and the diff (or, for the PIN push, provd's words labelled unverified), applies
#      the confirmed one, is asked again after a wrong PIN, applies the right one, and refuses
#      a new push ("n": discarded, journalled with TRANSPORT=agent). A user outside group
#      provboot cannot register (exit 77).
#   4. `provctl agent` on a terminal (tests/tools/pty-run.py): "PIN for push N:" without echo;
#      and `printf 'y\n' | provctl agent` answers and stops at the end of its input.
#   5. `provctl show ID`: the document grouped network-level first and the diff; a PIN push is
#      shown as provd reported it, labelled unverified; --json carries the same.
#   6. `provctl agent --notify` as the phone user, with a private session bus and
#      tests/tools/fake-notifyd.py (the Desktop Notifications Specification's signatures):
#      a notification for a push pending before it started (actions Apply/Discard, the diff in
#      the body, escaped for body-markup), Apply applies it and the notification shows the
#      outcome; a PIN push gets Discard only; an expiry replaces its notification; a server
#      without "actions" gets no actions and the commands in the body; a user outside group
#      provboot is told so (exit 77, which the user unit does not restart); the user unit
#      (packaging/systemd/user/provboot-notify.service.in) passes systemd-analyze --user verify.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
. "$HERE/lib-pending.sh"
trap pb_cleanup EXIT
pb_setup_users
PHONE=provboot-phone
getent passwd "$PHONE" >/dev/null || useradd --system --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin --user-group "$PHONE"
usermod -a -G provboot "$PHONE"
pb_workdir
W=$PB_WORK
TOOLS=$PB_TOP/tests/tools
pb_pending_conf "$W" "[Policy]" "PinAttempts=2"
pb_start_bus "$W" || exit 1

# verifierd with a journal: a tmpfs on /run in its own mount namespace, journal-capture.py on
# /run/systemd/journal/socket there (the host's /run is untouched)
J=$W/journal.json
: >"$J"
chmod 644 "$J"
mkdir -p "$W/state"
unshare -m --propagation private /bin/bash -c '
        mount -t tmpfs -o mode=0755 provboot-test-run /run || exit 1
        mkdir -p /run/systemd/journal
        /usr/bin/python3 "$1" /run/systemd/journal/socket "$2" >"$2.stdout" 2>&1 &
        echo $! >"$2.pid"
        for ((i = 0; i < 500; i++)); do grep -q ready "$2.stdout" 2>/dev/null && break; sleep 0.02; done
        exec env DBUS_SYSTEM_BUS_ADDRESS="$3" "$4" --config-dir="$5" --state-dir="$6"' \
        bash "$TOOLS/journal-capture.py" "$J" "$PB_BUS" "$PB_BUILD/verifierd" "$W" "$W/state" >>"$W/verifierd.log" 2>&1 &
PB_PIDS+=("$!")
pb_wait_for 10 test -s "$J.pid" && PB_PIDS+=("$(cat "$J.pid")")
pb_wait_for 10 pb_has_name org.provboot.Verifier1 || { echo "verifierd did not start"; cat "$W/verifierd.log"; exit 1; }
grep -q ready "$J.stdout" || fail "journal capture socket ready"

S=$W/signals.json
/usr/bin/python3 "$TOOLS/verdict-watch.py" "$PB_BUS" "$S" >"$S.stdout" 2>&1 &
PB_PIDS+=("$!")
pb_wait_for 10 grep -q ready "$S.stdout" || fail "signal watcher ready"

# ---- helpers ------------------------------------------------------------------------------------
as_phone() { setpriv --reuid="$PHONE" --regid="$PHONE" --init-groups env DBUS_SYSTEM_BUS_ADDRESS="$PB_BUS" "$@"; }
# has_signal ID VERDICT REASON: VerdictReached(ID, VERDICT, REASON) was broadcast
has_signal() {
        /usr/bin/python3 -c 'import json,sys
sys.exit(0 if any(json.loads(l) == dict(id=int(sys.argv[2]), verdict=sys.argv[3], reason=sys.argv[4], roles=json.loads(l)["roles"])
                  for l in open(sys.argv[1])) else 1)' "$S" "$1" "$2" "$3"
}
# journal_entry ID MESSAGE_ID: the captured entry of push ID with that MESSAGE_ID, as JSON
journal_entry() {
        /usr/bin/python3 -c 'import json,sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e.get("PUSH_ID") == sys.argv[2] and e.get("MESSAGE_ID") == sys.argv[3]:
        print(json.dumps(e)); sys.exit(0)
sys.exit(1)' "$J" "$1" "$2"
}
MID_LOCKOUT=29e86bd41afd4a348268ede8f3240403
MID_EXPIRED=3297762f28c04456ab4c3c4e153ef105
MID_DISCARDED=01362b7329774d09a083d2ad894aff86
# check_verdict_reported WHAT ID VERDICT REASON MESSAGE_ID TRANSPORT: signal, journal, stderr
check_verdict_reported() {
        local what=$1 id=$2 v=$3 rs=$4 mid=$5 tr=$6 e
        pb_wait_for 10 has_signal "$id" "$v" "$rs" && ok "$what: VerdictReached($id, $v, $rs)" ||
                fail "$what: no VerdictReached($id, $v, $rs): $(cat "$S")"
        if pb_wait_for 10 journal_entry "$id" "$mid"; then
                e=$(journal_entry "$id" "$mid")
                pb_expect "$what: journal entry (MESSAGE_ID=$mid) fields" "$v $rs $tr" \
                        "$(pb_json_field "$e" VERDICT) $(pb_json_field "$e" REASON) $(pb_json_field "$e" TRANSPORT)"
        else
                fail "$what: no journal entry with MESSAGE_ID=$mid for push $id: $(grep "\"PUSH_ID\": \"$id\"" "$J")"
        fi
        grep -q "push $id: verdict $v, reason $rs" "$W/verifierd.log" && ok "$what: stderr line" ||
                fail "$what: no stderr line 'push $id: verdict $v, reason $rs'"
}
# expire_now ID: move the pending push's expiry into the past, then let verifierd sweep (ListPending)
expire_now() {
        /usr/bin/python3 -c 'import sqlite3,sys
db = sqlite3.connect(sys.argv[1], timeout=10)
db.execute("UPDATE pending SET expires_usec = 1 WHERE push_id = ?", (int(sys.argv[2]),))
db.commit()' "$W/state/provboot.db" "$1"
        pb_vc pending >/dev/null
}
netwpin() { pb_field 2 "$(pb_as_provd submit --body "$1" --sec 0 --netwpin "$PB_IMSI")"; }
userpin() { # userpin FILE: a USERPIN push (PIN 1234) with provd's summary line
        pb_field 2 "$(pb_as_provd submit --body "$1" --sec 1 --userpin 1234 --summary "APPLICATION APPID=w2 NAME=$2")"
}
napdef() { # napdef FILE ADDRESS: the operator's data connection
        pb_doc_xml "$1" "<characteristic type=\"NAPDEF\"><parm name=\"NAPID\" value=\"INTERNET\"/><parm name=\"NAME\" value=\"Internet\"/><parm name=\"NAP-ADDRESS\" value=\"$2\"/></characteristic>"
}
bookmark() { # bookmark FILE NAME: a user-level document (USERPIN may set it), a root of its own
        pb_doc_xml "$1" "<characteristic type=\"APPLICATION\"><parm name=\"APPID\" value=\"w2\"/><parm name=\"PROVIDER-ID\" value=\"$2\"/><parm name=\"NAME\" value=\"$2\"/><characteristic type=\"RESOURCE\"><parm name=\"URI\" value=\"http://$2.example/\"/></characteristic></characteristic>"
}
verdict_of() { pb_vc history | /usr/bin/python3 -c 'import json,sys; print(*[p["verdict"] + " " + (p["reason"] or "-") for p in json.load(sys.stdin) if p["id"] == int(sys.argv[1])])' "$1"; }

# the operator's NAPDEF applied now: the diff has something to compare with
napdef "$W/old.xml" internet.old
N=$(netwpin "$W/old.xml")
pb_provctl confirm "$N" >/dev/null
pb_expect "the operator's NAPDEF is applied" "applied -" "$(verdict_of "$N")"

# ---- 1. lockout, discard, expiry: journalled and signalled --------------------------------------
bookmark "$W/bm1.xml" lock
L=$(userpin "$W/bm1.xml" lock)
out=$(pb_vc pin "$L" 0000)
pb_expect "first wrong PIN: authentication failed" "error org.provboot.Error.AuthenticationFailed" "$(pb_field 1 "$out") $(pb_field 2 "$out")"
out=$(pb_vc pin "$L" 1111)
pb_expect "last wrong PIN: the one answer every failure gets" "error org.provboot.Error.AuthenticationFailed" "$(pb_field 1 "$out") $(pb_field 2 "$out")"
pb_expect "push $L is locked out" "rejected pin-attempts-exceeded" "$(verdict_of "$L")"
check_verdict_reported "lockout" "$L" rejected pin-attempts-exceeded "$MID_LOCKOUT" pin
e=$(journal_entry "$L" "$MID_LOCKOUT")
pb_expect "lockout: journal priority warning (4)" 4 "$(pb_json_field "$e" PRIORITY)"

napdef "$W/d.xml" internet.discard
D=$(netwpin "$W/d.xml")
pb_provctl discard "$D" >/dev/null
check_verdict_reported "discard" "$D" rejected discarded "$MID_DISCARDED" discard

bookmark "$W/bm2.xml" expire
X=$(userpin "$W/bm2.xml" expire)
expire_now "$X"
pb_expect "push $X expired" "expired expired" "$(verdict_of "$X")"
check_verdict_reported "expiry" "$X" expired expired "$MID_EXPIRED" expiry
# a discard that comes after the expiry finds nothing to discard, and says nothing more
napdef "$W/x2.xml" internet.late
X2=$(netwpin "$W/x2.xml")
/usr/bin/python3 -c 'import sqlite3,sys
db = sqlite3.connect(sys.argv[1], timeout=10)
db.execute("UPDATE pending SET expires_usec = 1 WHERE push_id = ?", (int(sys.argv[2]),)); db.commit()' "$W/state/provboot.db" "$X2"
out=$(pb_provctl discard "$X2" 2>&1)
grep -q "No such pending push" <<<"$out" && ok "discard after expiry: no such pending push" || fail "discard after expiry: $out"
check_verdict_reported "expiry found by Discard" "$X2" expired expired "$MID_EXPIRED" expiry
journal_entry "$X2" "$MID_DISCARDED" >/dev/null && fail "an expired push was journalled as discarded" ||
        ok "an expired push is not journalled as discarded"

# ---- 2. an agent that registers after the push arrived is offered it ----------------------------
napdef "$W/late.xml" internet.agent
A=$(netwpin "$W/late.xml")
pb_start_agent "$W/pyagent.log" || fail "python test agent registered"
pb_wait_for 10 grep -q "\"id\": $A," "$W/pyagent.log" && ok "an agent registered after push $A was asked about it" ||
        fail "the agent registered after push $A arrived was never asked about it: $(cat "$W/pyagent.log" 2>/dev/null)"
pb_cleanup_agent() { # stop the python agent (the last PID started), so that provctl agent may register
        local pid=${PB_PIDS[-1]}
        pb_stop "$pid"
        unset 'PB_PIDS[-1]'
        pb_wait_for 10 test "$(pb_vc policy Status.Agent)" = none
}
pb_cleanup_agent || fail "python agent gone"
pb_provctl discard "$A" >/dev/null

# ---- 5. provctl show: the document and the diff --------------------------------------------------
pb_doc_xml "$W/new.xml" '<characteristic type="APPLICATION"><parm name="APPID" value="w2"/><parm name="NAME" value="Portal"/></characteristic><characteristic type="NAPDEF"><parm name="NAPID" value="INTERNET"/><parm name="NAME" value="Internet"/><parm name="NAP-ADDRESS" value="internet.new"/><characteristic type="NAPAUTHINFO"><parm name="AUTHTYPE" value="PAP"/><parm name="AUTHNAME" value="user"/><parm name="AUTHSECRET" value="s3cr3t-value"/></characteristic></characteristic><characteristic type="PXLOGICAL"><parm name="PROXY-ID" value="PX"/><parm name="NAME" value="Proxy"/><characteristic type="PXPHYSICAL"><parm name="PHYSICAL-PROXY-ID" value="P1"/><parm name="PXADDR" value="10.66.66.66"/><parm name="PXADDRTYPE" value="IPV4"/><parm name="TO-NAPID" value="INTERNET"/></characteristic></characteristic>'
C=$(netwpin "$W/new.xml")
bookmark "$W/bm3.xml" portal
P=$(userpin "$W/bm3.xml" portal)
out=$(as_phone "$PB_BUILD/provctl" show "$C" 2>&1)
echo "$out" >"$W/show-$C.txt"
pb_python_checks "$out" <<'PY'
import re, sys
out = sys.argv[1]
def check(c, m): print(("PASS " if c else "FAIL ") + "provctl show (NETWPIN push): " + m)
lines = out.splitlines()
check("waits for your confirmation" in out, "says what the push waits for")
d = out.find("What it would set"); c = out.find("Changes against what is applied now")
check(0 <= d < c, "prints the document, then the diff")
doc, diff = out[d:c], out[c:]
g = [doc.find(x) for x in ("Data connections (NAPDEF)", "Proxies (PXLOGICAL)", "Browser (APPLICATION w2)")]
check(all(x >= 0 for x in g) and g == sorted(g), "groups by what it configures, network-level first: %r" % g)
check("PXADDR = 10.66.66.66" in doc and "NAP-ADDRESS = internet.new" in doc, "every value of the document")
check("s3cr3t-value" not in out and "AUTHSECRET = (hidden)" in doc, "the password is hidden")
check("~ /NAPDEF[NAPID=INTERNET].NAP-ADDRESS: internet.old -> internet.new" in diff, "the changed value, old -> new")
check("+ /PXLOGICAL[PROXY-ID=PX]/PXPHYSICAL[PHYSICAL-PROXY-ID=P1].PXADDR = 10.66.66.66" in diff, "the added proxy")
check(re.search(r"\d+ value\(s\) unchanged", diff) is not None, "counts the unchanged values")
check("provctl confirm" in out, "says how to apply")
PY
out=$(pb_provctl show "$P" 2>&1)
grep -q "UNVERIFIED" <<<"$out" && grep -q "(unverified) APPLICATION APPID=w2 NAME=portal" <<<"$out" &&
        ! grep -q "What it would set" <<<"$out" && ok "provctl show (PIN push): provd's words, labelled unverified, no document" ||
        fail "provctl show (PIN push): $out"
out=$(pb_provctl --json show "$C")
pb_python_checks "$out" "$C" <<'PY'
import json, sys
j = json.loads(sys.argv[1])
def check(c, m): print(("PASS " if c else "FAIL ") + "provctl --json show: " + m)
check(j["id"] == int(sys.argv[2]) and j["verdict"] == "pending" and j["waiting"] == "needs-confirmation", "the push, pending")
check(j["verified"] is True and any(r["change"] == "changed" and r["name"] == "NAP-ADDRESS" and r["old_value"] == "internet.old"
                                   and r["value"] == "internet.new" for r in j["document"]), "document rows with the change")
check([r["group"] for r in j["document"]][0] == "NAPDEF", "network-level first")
PY
out=$(pb_provctl --json show "$P")
[ "$(pb_json_field "$out" verified)" = False ] && grep -q '"(unverified) ' <<<"$out" && ok "provctl --json show (PIN push): unverified summary" ||
        fail "provctl --json show (PIN push): $out"
out=$(setpriv --reuid=nobody --regid=nogroup --clear-groups env DBUS_SYSTEM_BUS_ADDRESS="$PB_BUS" "$PB_BUILD/provctl" show "$C" 2>&1)
[ $? -eq 77 ] && ok "provctl show refused outside group provboot (77)" || fail "provctl show as nobody: $out"
for u in nobody provd; do
        out=$(setpriv --reuid=$u --regid="$(id -g $u)" --clear-groups busctl --address="$PB_BUS" call org.provboot.Verifier1 \
                /org/provboot/Verifier1 org.provboot.Verifier1 GetPendingDocument t "$C" 2>&1)
        grep -q "Access denied\|AccessDenied" <<<"$out" && ok "GetPendingDocument refused to $u" || fail "GetPendingDocument as $u: $out"
done

# ---- 3. provctl agent (non-interactive), by the phone user --------------------------------------
out=$(setpriv --reuid=nobody --regid=nogroup --clear-groups env DBUS_SYSTEM_BUS_ADDRESS="$PB_BUS" \
        timeout 20 "$PB_BUILD/provctl" agent </dev/null 2>&1)
rc=$?
[ $rc -eq 77 ] && grep -q "group provboot" <<<"$out" && ok "provctl agent outside group provboot: refused (77)" ||
        fail "provctl agent as nobody (rc $rc): $out"
mkfifo -m 600 "$W/agent.in"
chown "$PHONE" "$W/agent.in"
exec {AIN}<>"$W/agent.in"
AO=$W/agent.out
# its stdin: the FIFO, whose only writer is this shell's AIN (closed for the agent itself)
setpriv --reuid="$PHONE" --regid="$PHONE" --init-groups env DBUS_SYSTEM_BUS_ADDRESS="$PB_BUS" \
        "$PB_BUILD/provctl" agent <"$W/agent.in" >"$AO" 2>&1 {AIN}>&- &
PB_PIDS+=("$!")
pb_wait_for 10 grep -q "Apply push $C? \[y/N\]" "$AO" && ok "provctl agent: offered push $C, pending before it started" ||
        fail "provctl agent: no confirmation prompt for push $C: $(cat "$AO")"
grep -q -F "~ /NAPDEF[NAPID=INTERNET].NAP-ADDRESS: internet.old -> internet.new" "$AO" &&
        grep -q "Proxies (PXLOGICAL)" "$AO" && ok "provctl agent: shows the document and the diff before asking" ||
        fail "provctl agent: no diff before the prompt: $(cat "$AO")"
echo y >&"$AIN"
pb_wait_for 10 grep -q "push $C: applied" "$AO" && ok "provctl agent: 'y' applied push $C" ||
        fail "provctl agent: push $C not applied: $(cat "$AO"); $(verdict_of "$C")"
pb_wait_for 10 grep -q "PIN for push $P:" "$AO" && ok "provctl agent: then asked for the PIN of push $P" ||
        fail "provctl agent: no PIN prompt for push $P: $(cat "$AO")"
grep -q "(unverified) APPLICATION APPID=w2 NAME=portal" "$AO" && ok "provctl agent: the PIN push's summary, labelled unverified" ||
        fail "provctl agent: no unverified summary: $(cat "$AO")"
echo 9999 >&"$AIN"
pb_wait_for 10 grep -q "The PIN given for push $P was wrong." "$AO" && ok "provctl agent: asked again after a wrong PIN" ||
        fail "provctl agent: not asked again after a wrong PIN: $(cat "$AO")"
echo 1234 >&"$AIN"
pb_wait_for 10 grep -q "push $P: applied" "$AO" && ok "provctl agent: the right PIN applied push $P" ||
        fail "provctl agent: push $P: $(cat "$AO"); $(verdict_of "$P")"
grep -q -w "9999\|1234" "$AO" && fail "provctl agent printed a PIN" || ok "provctl agent printed no PIN"
napdef "$W/refuse.xml" internet.refused
R=$(netwpin "$W/refuse.xml")
pb_wait_for 10 grep -q "Apply push $R? \[y/N\]" "$AO" && ok "provctl agent: asked about the new push $R" ||
        fail "provctl agent: not asked about push $R: $(cat "$AO")"
echo n >&"$AIN"
pb_wait_for 10 grep -q "push $R: rejected (discarded)" "$AO" && ok "provctl agent: 'n' discarded push $R" ||
        fail "provctl agent: push $R: $(cat "$AO")"
check_verdict_reported "agent's refusal" "$R" rejected discarded "$MID_DISCARDED" agent
AGENT_PID=${PB_PIDS[-1]}
exec {AIN}>&-
pb_wait_for 10 test "$(pb_vc policy Status.Agent)" = none && ok "provctl agent unregistered at the end of its input" ||
        { fail "provctl agent still registered"; pb_stop "$AGENT_PID"; }

# ---- 4. provctl agent on a terminal: the PIN without echo ----------------------------------------
bookmark "$W/bm4.xml" tty
T=$(userpin "$W/bm4.xml" tty)
/usr/bin/python3 "$TOOLS/pty-run.py" "$W/tty.txt" 15 "PIN for push $T: " '4321\n' "PIN for push $T: " '1234\n' \
        --final "push $T: applied" -- setpriv --reuid="$PHONE" --regid="$PHONE" --init-groups \
        env DBUS_SYSTEM_BUS_ADDRESS="$PB_BUS" "$PB_BUILD/provctl" agent &&
        ok "provctl agent on a terminal: wrong PIN, asked again, right PIN applied push $T" ||
        fail "provctl agent on a terminal: $(cat "$W/tty.txt")"
grep -q -w "4321\|1234" "$W/tty.txt" && fail "the terminal echoed a PIN: $(cat "$W/tty.txt")" || ok "the terminal did not echo the PIN"
pb_expect "push $T applied" "applied -" "$(verdict_of "$T")"
pb_wait_for 10 test "$(pb_vc policy Status.Agent)" = none || fail "the terminal agent unregistered on Ctrl-C"

# the documented non-interactive use: the answers on stdin, and the agent stops after them
napdef "$W/pipe.xml" internet.piped
Y=$(netwpin "$W/pipe.xml")
out=$(printf 'y\n' | setpriv --reuid="$PHONE" --regid="$PHONE" --init-groups env DBUS_SYSTEM_BUS_ADDRESS="$PB_BUS" \
        timeout 20 "$PB_BUILD/provctl" agent 2>&1)
rc=$?
[ $rc -eq 0 ] && grep -q "Apply push $Y? \[y/N\]" <<<"$out" && ok "printf 'y\\n' | provctl agent: answered push $Y, stopped at the end of input" ||
        fail "printf 'y\\n' | provctl agent (rc $rc): $out"
pb_wait_for 10 test "$(verdict_of "$Y")" = "applied -" && ok "push $Y applied from the piped answer" ||
        fail "push $Y: $(verdict_of "$Y")"

# ---- 6. provctl agent --notify: a private session bus and a notification server ------------------
SB=$W/session
mkdir -p "$SB"
chown "$PHONE" "$SB"
cat >"$SB/bus.conf" <<XML
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=$SB/bus.sock</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
XML
setpriv --reuid="$PHONE" --regid="$PHONE" --init-groups dbus-daemon --config-file="$SB/bus.conf" --nofork \
        --print-address=3 3>"$SB/addr" 2>"$SB/err" &
PB_PIDS+=("$!")
pb_wait_for 10 test -s "$SB/addr" || { fail "session bus: $(cat "$SB/err")"; pb_summary; exit 1; }
SESSION=$(head -1 "$SB/addr")
NL=$SB/notify.json
: >"$NL"
chown "$PHONE" "$NL"
mkfifo -m 600 "$SB/ctl"
chown "$PHONE" "$SB/ctl"
start_notifyd() { # start_notifyd CAPS
        setpriv --reuid="$PHONE" --regid="$PHONE" --init-groups /usr/bin/python3 "$TOOLS/fake-notifyd.py" \
                "$SESSION" "$NL" "$SB/ctl" --caps "$1" >"$SB/notifyd.out" 2>&1 &
        PB_PIDS+=("$!")
        pb_wait_for 10 grep -q ready "$SB/notifyd.out" || fail "fake-notifyd: $(cat "$SB/notifyd.out")"
}
# notification PUSH-ID [FIELD...]: the newest Notify whose summary names the push, as JSON
notification() {
        /usr/bin/python3 -c 'import json,sys,re
last = None
for l in open(sys.argv[1]):
    n = json.loads(l)
    if re.search(r"\b[Pp]ush %s\b" % sys.argv[2], n["summary"]): last = n
if last is None: sys.exit(1)
print(json.dumps(last))' "$NL" "$1"
}
notified() { notification "$@" >/dev/null; }
exec {CTL}<>"$SB/ctl"

napdef "$W/n1.xml" internet.notify
N1=$(netwpin "$W/n1.xml")
start_notifyd "actions,body,body-markup"
setpriv --reuid="$PHONE" --regid="$PHONE" --init-groups env DBUS_SYSTEM_BUS_ADDRESS="$PB_BUS" \
        DBUS_SESSION_BUS_ADDRESS="$SESSION" "$PB_BUILD/provctl" agent --notify >"$SB/provctl.out" 2>&1 &
PB_PIDS+=("$!")
pb_wait_for 10 notified "$N1" && ok "--notify: a notification for push $N1, pending before it started" ||
        fail "--notify: no notification for push $N1: $(cat "$NL") / $(cat "$SB/provctl.out")"
n=$(notification "$N1")
pb_python_checks "$n" "$N1" "$(id -u "$PHONE")" <<'PY'
import json, re, sys
n, nid, uid = json.loads(sys.argv[1]), sys.argv[2], int(sys.argv[3])
def check(c, m): print(("PASS " if c else "FAIL ") + "--notify, push %s: " % nid + m)
check(n["app_name"] == "provboot" and n["sender_uid"] == uid, "sent by provctl as the phone user")
check(n["actions"] == ["apply", "Apply", "discard", "Discard"], "actions Apply and Discard: %r" % n["actions"])
check(re.search(r"^~ Data connections \(NAPDEF\): /NAPDEF\[NAPID=INTERNET\]\.NAP-ADDRESS: internet\.piped -&gt; internet\.notify$",
                n["body"], re.M) is not None, "the diff in the body, escaped for body-markup: %r" % n["body"])
check("provctl show %s" % nid in n["body"], "points to provctl show")
check(n["expire_timeout"] == 0, "does not expire by itself")
PY
NID=$(pb_json_field "$n" id)
echo "invoke $NID apply" >&"$CTL"
pb_wait_for 10 test "$(verdict_of "$N1")" = "applied -" && ok "--notify: Apply applied push $N1" ||
        fail "--notify: push $N1 after Apply: $(verdict_of "$N1")"
outcome() { [ "$(pb_json_field "$(notification "$1")" summary)" = "$2" ]; }
pb_wait_for 10 outcome "$N1" "Push $N1: applied" && ok "--notify: the outcome replaces the notification" ||
        fail "--notify: no outcome for push $N1: $(tail -2 "$NL")"

bookmark "$W/bm5.xml" notifypin
N2=$(userpin "$W/bm5.xml" notifypin)
pb_wait_for 10 notified "$N2" && ok "--notify: a notification for the new PIN push $N2" || fail "--notify: none for push $N2: $(cat "$NL")"
n=$(notification "$N2")
pb_python_checks "$n" "$N2" <<'PY'
import json, sys
n, nid = json.loads(sys.argv[1]), sys.argv[2]
def check(c, m): print(("PASS " if c else "FAIL ") + "--notify, PIN push %s: " % nid + m)
check(n["actions"] == ["discard", "Discard"], "Discard only (a PIN is typed with provctl pin): %r" % n["actions"])
check("(unverified) APPLICATION APPID=w2 NAME=notifypin" in n["body"], "provd's words, labelled unverified")
check("provctl pin %s" % nid in n["body"], "says how to give the PIN")
PY
echo "invoke $(pb_json_field "$n" id) discard" >&"$CTL"
pb_wait_for 10 test "$(verdict_of "$N2")" = "rejected discarded" && ok "--notify: Discard discarded push $N2" ||
        fail "--notify: push $N2 after Discard: $(verdict_of "$N2")"

napdef "$W/n3.xml" internet.expiring
N3=$(netwpin "$W/n3.xml")
pb_wait_for 10 notified "$N3" || fail "--notify: none for push $N3"
expire_now "$N3"
pb_wait_for 10 outcome "$N3" "Push $N3: expired (expired)" && ok "--notify: the expiry of push $N3 replaces its notification" ||
        fail "--notify: no expiry notice for push $N3: $(tail -2 "$NL")"

# a server without actions: the commands are in the body instead
napdef "$W/n4.xml" internet.noactions
N4=$(netwpin "$W/n4.xml")
pb_wait_for 10 notified "$N4" || fail "--notify: none for push $N4"
pb_stop "${PB_PIDS[-2]}" # the first fake-notifyd (the last PID is provctl)
: >"$NL"
start_notifyd "body"
pb_wait_for 10 notified "$N4" && ok "--notify: raised again on the new server" || fail "--notify: not raised again: $(cat "$SB/provctl.out")"
n=$(notification "$N4")
[ "$(pb_json_field "$n" actions)" = "[]" ] && grep -q "provctl confirm $N4" <<<"$(pb_json_field "$n" body)" &&
        ok "--notify: without the actions capability, no actions and the commands in the body" ||
        fail "--notify: server without actions: $n"
out=$(setpriv --reuid=nobody --regid=nogroup --clear-groups env DBUS_SYSTEM_BUS_ADDRESS="$PB_BUS" \
        DBUS_SESSION_BUS_ADDRESS="$SESSION" timeout 20 "$PB_BUILD/provctl" agent --notify 2>&1)
rc=$?
[ $rc -eq 77 ] && grep -q "group provboot" <<<"$out" && ok "--notify outside group provboot: told so, exit 77 (not restarted)" ||
        fail "--notify as nobody (rc $rc): $out"

# ---- the user unit -------------------------------------------------------------------------------
U=$W/provboot-notify.service
sed "s|@BINDIR@|$PB_BUILD|" "$PB_TOP/packaging/systemd/user/provboot-notify.service.in" >"$U"
mkdir -p "$W/xdg"
out=$(XDG_RUNTIME_DIR=$W/xdg systemd-analyze --user verify --man=no "$U" 2>&1)
[ $? -eq 0 ] && [ -z "$out" ] && ok "systemd-analyze --user verify: provboot-notify.service clean" ||
        fail "systemd-analyze --user verify provboot-notify.service: $out"
for kv in "ExecStart=$PB_BUILD/provctl agent --notify" "RestartPreventExitStatus=77" "WantedBy=graphical-session.target" \
        "PartOf=graphical-session.target"; do
        grep -qxF "$kv" "$U" && ok "provboot-notify.service has $kv" || fail "provboot-notify.service lacks $kv"
done
pb_summary
