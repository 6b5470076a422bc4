#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# provd-crash.sh: parser containment (docs/testing.md §7.4) on a real dbus-daemon with the
# shipped policy, verifierd as root and provd as user provd with RUNTIME_DIRECTORY set (as its
# unit gives it):
#   1. a stream of distinct genuine NETWPIN pushes (WBXML and XML WSP PDUs, and SMS segments
#      injected one Inject call each) runs over one connection; provd is killed with SIGSEGV in
#      the middle of it. verifierd stays up; its state (history, pending, settings, DM accounts,
#      NetworkManager keyfiles, compared before/after) changed only by complete pushes: every new
#      history row is a whole push of the stream, applied all-or-nothing (same number of settings
#      rows and one keyfile per push), every applied answer the stream got is in the history, at
#      most the one push in flight was applied without its answer, nothing older changed.
#   2. provd restarted by the test carries on: the pushes the crash cut off go through (or are
#      replays of the one verifierd had already applied), and a new push is applied.
#   3. poison-push quarantine (provd/quarantine.h, provd(8) QUARANTINE): a digest left in
#      $RUNTIME_DIRECTORY/inflight as provd's format defines is quarantined at the next start
#      (Quarantined counter, quarantine.list); that push — a genuine one verifierd would apply —
#      is answered rejected/malformed and never forwarded (no Submit: not in verifierd's history,
#      Forwarded unchanged), also after a further restart; other pushes still go through.
#   4. a real crash inside the intake: gdb stops provd right after it marked a push in flight
#      (quarantine_begin returned) and delivers SIGSEGV; the restarted provd quarantines exactly
#      that push and never forwards it. (Skipped with a note when gdb is missing.)
# Every process is stopped by PID; waits are bounded polls; no core file is left (ulimit -c 0).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
trap pb_cleanup EXIT
ulimit -c 0
PY=/usr/bin/python3
T=$PB_TOP/tests/tools
MKPUSH=$PB_TOP/tools/mkpush.py
D=$PB_TOP/tests/data/demo
N=${CRASH_PUSHES:-60}

pb_setup_users
pb_workdir
W=$PB_WORK
mkdir -p "$W/conf" "$W/pconf" "$W/nm" "$W/push" "$W/run"
chown provd:provd "$W/run"
chmod 700 "$W/run"
cat >"$W/conf/verifierd.conf" <<CONF
[Bootstrap]
Enabled=yes
ConfirmNetworkPin=no
[NetworkPin]
Source=static
Imsi=262011234567890
[Export]
NetworkManagerDir=$W/nm
CONF
printf '[Intake]\nOfono=no\nModemManager=no\n' >"$W/pconf/provd.conf"

start_provd() { RUNTIME_DIRECTORY=$W/run pb_start_provd "$W/pconf"; }
inject_verdict() { # inject_verdict FILE -> "VERDICT/REASON"
        local out
        out=$(pb_provctl inject --json "$1" 2>&1)
        echo "$(pb_json_field "$out" verdict)/$(pb_json_field "$out" reason)"
}
lines_ge() { [ "$(grep -c . "$1" 2>/dev/null)" -ge "$2" ]; }
sha() { sha256sum <"$1" | cut -d' ' -f1; }

# ---- pushes: N distinct genuine NETWPIN documents (each its own APN, so each is applied) -------
mkdoc() { # mkdoc I -> $W/push/doc-I.xml
        cat >"$W/push/doc-$1.xml" <<XML
<?xml version="1.0"?>
<wap-provisioningdoc version="1.1">
  <characteristic type="NAPDEF">
    <parm name="NAPID" value="CRASH$1"/>
    <parm name="BEARER" value="GSM-GPRS"/>
    <parm name="NAME" value="Crash test APN $1"/>
    <parm name="INTERNET"/>
    <parm name="NAP-ADDRESS" value="apn$1.crash.example"/>
    <parm name="NAP-ADDRTYPE" value="APN"/>
  </characteristic>
</wap-provisioningdoc>
XML
}
: >"$W/stream.list"
for ((i = 1; i <= N + 4; i++)); do
        mkdoc "$i"
        if ((i <= N && i % 4 == 0)); then
                # SMS-DELIVER segments, one Inject call per segment: provd reassembles across calls
                $PY "$MKPUSH" --xml "$W/push/doc-$i.xml" --sec netwpin --sms --ref $((i % 250 + 1)) \
                        --out "$W/push/$i.sms.hex" || fail "mkpush $i"
                $PY "$MKPUSH" --xml "$W/push/doc-$i.xml" --sec netwpin --out "$W/push/$i.wsp" || fail "mkpush $i"
                k=0
                while read -r seg; do
                        k=$((k + 1))
                        printf '%s\n' "$seg" >"$W/push/$i.seg$k.hex"
                        echo "$i.$k sms $W/push/$i.seg$k.hex" >>"$W/stream.list"
                done <"$W/push/$i.sms.hex"
        else
                fmt=wbxml
                ((i % 4 == 1)) && fmt=xml
                $PY "$MKPUSH" --xml "$W/push/doc-$i.xml" --sec netwpin --format $fmt --out "$W/push/$i.wsp" ||
                        fail "mkpush $i"
                ((i <= N)) && echo "$i wsp $W/push/$i.wsp" >>"$W/stream.list"
        fi
        $PY "$T/pbstate.py" wsp-body "$W/push/$i.wsp" "$W/push/$i.body"
        echo "$i $(sha "$W/push/$i.body")" >>"$W/digests"
done
ncalls=$(wc -l <"$W/stream.list")

pb_start_bus "$W" || exit 1
pb_start_verifierd "$W/conf" "$W/state" || exit 1
start_provd || exit 1

# ---- state before: an applied APN + proxy, a DM account, a pending USERPIN push, a rejection ---
pb_expect "before: NETWPIN APN push applied" "applied/" "$(inject_verdict "$D/apn-proxy.netwpin.sms.hex")"
pb_expect "before: TV-B (DM account) applied" "applied/" "$(inject_verdict "$PB_TOP/tests/data/tv-b-netwpin.wsp")"
pb_expect "before: USERPIN bookmark pending" "pending/needs-pin" "$(inject_verdict "$D/bookmark.userpin.sms.hex")"
pb_expect "before: unsigned proxy rejected" "rejected/unauthenticated" "$(inject_verdict "$D/proxy-only.unsigned.wsp")"
$PY "$T/pbstate.py" snapshot "$PB_BUS" "$W/nm" "$W/s0.json" || fail "snapshot before"

# ---- 1. SIGSEGV in the middle of the stream ---------------------------------------------------
: >"$W/stream.log"
$PY "$T/inject-stream.py" "$PB_BUS" "$W/stream.list" "$W/stream.log" 120 2>"$W/stream.err" &
STREAM_PID=$!
PB_PIDS+=("$STREAM_PID")
if pb_wait_for 60 lines_ge "$W/stream.log" $((ncalls / 3)); then
        kill -SEGV "$PB_PROVD_PID"
        at_kill=$(grep -c . "$W/stream.log")
        wait "$PB_PROVD_PID"
        rc=$?
        pb_expect "provd killed with SIGSEGV after $at_kill of $ncalls calls (exit status 128+11)" 139 "$rc"
else
        fail "the stream did not get going: $(tail -3 "$W/stream.log") $(cat "$W/stream.err")"
fi
pb_wait_for 60 grep -q '^done' "$W/stream.log" || fail "the stream did not end"
wait "$STREAM_PID" 2>/dev/null
errors=$(grep -c ' error ' "$W/stream.log")
[ "$errors" -gt 0 ] && ok "the calls after the crash failed cleanly ($errors, e.g. $(grep -m1 -o 'error .*' "$W/stream.log"))" ||
        fail "no call failed: was provd really killed mid-stream?"
kill -0 "$PB_VERIFIERD_PID" 2>/dev/null && pb_has_name org.provboot.Verifier1 && ok "verifierd alive after provd's crash" ||
        fail "verifierd died with provd"
$PY "$T/pbstate.py" snapshot "$PB_BUS" "$W/nm" "$W/s1.json" || fail "snapshot after the crash"

pb_python_checks "$W/s0.json" "$W/s1.json" "$W/digests" "$W/stream.log" <<'PYEOF'
import json, sys
s0, s1 = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
digest = dict(l.split() for l in open(sys.argv[3]))
by_digest = {v: k for k, v in digest.items()}
def check(cond, msg):
    print(("PASS " if cond else "FAIL ") + msg)
h0 = {h["id"]: h for h in s0["history"]}
h1 = {h["id"]: h for h in s1["history"]}
changed = [i for i in h0 if h1.get(i) != h0[i]]
check(not changed, "every history row from before is unchanged (%d rows)%s" % (len(h0), " changed: %s" % changed if changed else ""))
check([p["id"] for p in s0["pending"]] == [p["id"] for p in s1["pending"]] and len(s0["pending"]) == 1,
      "the pending USERPIN push is still pending, nothing else pending")
new = [h1[i] for i in sorted(h1) if i not in h0]
bad = [h for h in new if h["verdict"] != "applied" or h["digest"] not in by_digest]
check(new and not bad, "%d new history rows, each an applied, complete push of the stream%s" % (len(new), " bad: %s" % bad if bad else ""))
dup = len({h["digest"] for h in new}) != len(new)
check(not dup, "no push applied twice")
# what the stream was told
told = {}
for l in open(sys.argv[4]):
    f = l.split()
    if len(f) >= 5 and f[1] == "verdict" and f[3] == "applied":
        told[int(f[2])] = f[0].split(".")[0]
missing = [(i, n) for i, n in told.items() if i not in h1 or h1[i]["verdict"] != "applied" or h1[i]["digest"] != digest[n]]
check(told and not missing, "each of the %d 'applied' answers the stream got is that push's row in the history%s" %
      (len(told), " missing: %s" % missing if missing else ""))
unanswered = [h for h in new if h["id"] not in told]
check(len(unanswered) <= 1, "at most the one push in flight was applied without its answer reaching the injector (%d)" % len(unanswered))
# settings: all-or-nothing per push, nothing from before touched
k0 = {(s["path"], s["value"], s["push"]) for s in s0["settings"]}
k1 = {(s["path"], s["value"], s["push"]) for s in s1["settings"]}
check(k0 <= k1, "every setting from before is unchanged (%d)" % len(k0))
newids = {h["id"] for h in new}
extra = [s for s in k1 - k0 if s[2] not in newids]
check(not extra, "every new setting belongs to a new applied push%s" % (" stray: %s" % extra[:3] if extra else ""))
per = {}
for s in k1 - k0:
    per[s[2]] = per.get(s[2], 0) + 1
shapes = {per.get(i, 0) for i in newids}
check(len(shapes) == 1 and 0 not in shapes, "each new push applied whole: %s settings rows per push" % sorted(shapes))
check(s0["accounts"] == s1["accounts"], "DM accounts unchanged")
kf0, kf1 = s0["keyfiles"], s1["keyfiles"]
check(all(kf1.get(k) == v for k, v in kf0.items()), "keyfiles from before unchanged (%d)" % len(kf0))
newkf = sorted(v for k, v in kf1.items() if k not in kf0)
check(newkf == sorted(newids), "one new NetworkManager keyfile per new applied push (%d keyfiles, %d pushes)" % (len(newkf), len(newids)))
json.dump(sorted(unanswered_id for unanswered_id in [h["id"] for h in unanswered]), open(sys.argv[2] + ".unanswered", "w"))
PYEOF

# ---- 2. restart: provd carries on ------------------------------------------------------------
start_provd && ok "provd restarted" || fail "provd restart"
recovered=$(grep -o 'Push [0-9a-f]\{16\} crashed or stalled' "$W/provd.log" | tail -1 | cut -d' ' -f2)
[ -n "$recovered" ] && echo "      note: the SIGSEGV landed inside a decode; provd quarantined input $recovered"
# every push whose last call got no final verdict goes again, all of its calls
$PY - "$W/stream.list" "$W/stream.log" "$W/again.list" <<'PYEOF'
import sys
calls = [l.split() for l in open(sys.argv[1])]
final = set()
for l in open(sys.argv[2]):
    f = l.split()
    if len(f) >= 4 and f[1] == "verdict" and f[3] != "pending":
        final.add(f[0].split(".")[0])
with open(sys.argv[3], "w") as o:
    for idx, fmt, path in calls:
        if idx.split(".")[0] not in final:
            o.write("%s %s %s\n" % (idx, fmt, path))
PYEOF
nagain=$(cut -d' ' -f1 "$W/again.list" | cut -d. -f1 | sort -u | wc -l)
: >"$W/again.log"
$PY "$T/inject-stream.py" "$PB_BUS" "$W/again.list" "$W/again.log" 120 2>"$W/again.err" &
AGAIN_PID=$!
PB_PIDS+=("$AGAIN_PID")
pb_wait_for 120 grep -q '^done' "$W/again.log" || fail "the re-injection did not end"
wait "$AGAIN_PID" 2>/dev/null
pb_python_checks "$W/again.log" "$W/s1.json.unanswered" "${recovered:-none}" "$nagain" <<'PYEOF'
import json, sys
res = {}
for l in open(sys.argv[1]):
    f = l.split()
    if len(f) >= 5 and f[1] == "verdict":
        res[f[0].split(".")[0]] = (f[3], f[4])
    elif len(f) >= 3 and f[1] == "error":
        res[f[0].split(".")[0]] = ("error", f[2])
unanswered = json.load(open(sys.argv[2]))
vals = list(res.values())
applied = sum(1 for v in vals if v[0] == "applied")
replay = sum(1 for v in vals if v == ("rejected", "replay"))
malformed = sum(1 for v in vals if v == ("rejected", "malformed"))
other = [v for v in vals if v[0] != "applied" and v != ("rejected", "replay") and v != ("rejected", "malformed")]
ok = (len(res) == int(sys.argv[4]) and not other and replay <= len(unanswered)
      and malformed <= (0 if sys.argv[3] == "none" else 1))
print(("PASS " if ok else "FAIL ") + "after the restart the %d cut-off pushes went through: %d applied, %d replay of the one "
      "applied in flight, %d quarantined%s" % (len(res), applied, replay, malformed, " other: %s" % other if other else ""))
PYEOF
i=$((N + 1))
pb_expect "a new push after the restart is applied" "applied/" "$(inject_verdict "$W/push/$i.wsp")"
$PY "$T/pbstate.py" snapshot "$PB_BUS" "$W/nm" "$W/s2.json" || fail "snapshot after the restart"
pb_python_checks "$W/s2.json" "$W/digests" "$N" "${recovered:-none}" <<'PYEOF'
import json, sys
s2 = json.load(open(sys.argv[1]))
digest = dict(l.split() for l in open(sys.argv[2]))
applied = {h["digest"] for h in s2["history"] if h["verdict"] == "applied"}
missing = [i for i in range(1, int(sys.argv[3]) + 2) if digest[str(i)] not in applied]
# only a push provd quarantined because the SIGSEGV hit its decode may be missing
print(("PASS " if len(missing) <= (0 if sys.argv[4] == "none" else 1) else "FAIL ") + "every push of the stream and the new one is applied exactly once in the end"
      + (" (not: %s)" % missing if missing else ""))
PYEOF

# ---- 3. quarantine of a push left in the in-flight marker --------------------------------------
pb_stop "$PB_PROVD_PID"
if [ ! -s "$W/run/quarantine.key" ]; then
        fail "provd keeps its quarantine in \$RUNTIME_DIRECTORY (no $W/run/quarantine.key)"
else
        ok "provd keeps its quarantine key in \$RUNTIME_DIRECTORY ($(stat -c '%U %a %s' "$W/run/quarantine.key"))"
        POISON=$W/push/$((N + 2)).wsp # a genuine push: verifierd would apply it
        digest=$($PY "$T/siphash.py" "$W/run/quarantine.key" "$POISON")
        printf '%s\n' "$digest" >"$W/run/inflight" # as if the previous provd died decoding it
        start_provd || fail "provd starts with a marker left"
        grep -q "Push $digest crashed or stalled" "$W/provd.log" && ok "start-up quarantines push $digest left in the marker" ||
                fail "start-up did not report the marker: $(tail -3 "$W/provd.log")"
        pb_expect "Quarantined counter after start-up" 1 "$(pb_parser_counter Quarantined)"
        pb_expect "marker cleared" 0 "$(stat -c %s "$W/run/inflight")"
        grep -qx "$digest" "$W/run/quarantine.list" && ok "digest in quarantine.list" || fail "digest not in quarantine.list"
        fwd=$(pb_parser_counter Forwarded)
        pb_expect "the quarantined (genuine) push is refused" "rejected/malformed" "$(inject_verdict "$POISON")"
        pb_expect "Quarantined counter +1" 2 "$(pb_parser_counter Quarantined)"
        pb_expect "nothing forwarded for it" "$fwd" "$(pb_parser_counter Forwarded)"
        pb_expect "a good push still goes through" "applied/" "$(inject_verdict "$W/push/$((N + 3)).wsp")"
        pb_stop "$PB_PROVD_PID"
        start_provd || fail "provd restarts"
        pb_expect "after a clean restart the push is still quarantined" "rejected/malformed" "$(inject_verdict "$POISON")"
        pb_expect "Quarantined counter counts it" 1 "$(pb_parser_counter Quarantined)"
        $PY "$T/pbstate.py" snapshot "$PB_BUS" "$W/nm" "$W/s3.json"
        pd=$(sha "$W/push/$((N + 2)).body")
        grep -q "$pd" "$W/s3.json" && fail "verifierd saw the quarantined push" ||
                ok "verifierd never saw the quarantined push (no history row with its digest)"
fi

# ---- 4. a real crash inside the intake (gdb) -----------------------------------------------------
if ! command -v gdb >/dev/null; then
        echo "      note: gdb not installed; the real-crash quarantine case is skipped"
elif [ -s "$W/run/quarantine.key" ]; then
        CRASH=$W/push/$((N + 4)).wsp
        cdigest=$($PY "$T/siphash.py" "$W/run/quarantine.key" "$CRASH")
        timeout 60 gdb -q -p "$PB_PROVD_PID" -batch -ex 'set pagination off' -ex 'break quarantine_begin' \
                -ex 'continue' -ex 'finish' -ex 'signal SIGSEGV' >"$W/gdb.log" 2>&1 &
        GDB_PID=$!
        PB_PIDS+=("$GDB_PID")
        if pb_wait_for 30 grep -q 'Breakpoint 1 at' "$W/gdb.log"; then
                # the call waits in provd's socket until gdb lets it run into the breakpoint
                out=$(inject_verdict "$CRASH")
                wait "$PB_PROVD_PID"
                rc=$?
                wait "$GDB_PID" 2>/dev/null
                pb_expect "provd died of SIGSEGV right after marking the push in flight" 139 "$rc"
                pb_expect "the marker holds that push's digest" "$cdigest" "$(head -c 16 "$W/run/inflight")"
                start_provd || fail "provd restarts after the crash"
                grep -q "Push $cdigest crashed or stalled" "$W/provd.log" && ok "the crashing push is quarantined at start-up" ||
                        fail "no quarantine after the real crash: $(tail -3 "$W/provd.log")"
                pb_expect "the crashing push is never decoded again" "rejected/malformed" "$(inject_verdict "$CRASH")"
                $PY "$T/pbstate.py" snapshot "$PB_BUS" "$W/nm" "$W/s4.json"
                grep -q "$(sha "$W/push/$((N + 4)).body")" "$W/s4.json" && fail "verifierd saw the crashing push" ||
                        ok "verifierd never saw the crashing push"
        else
                fail "gdb could not attach to provd: $(tail -5 "$W/gdb.log")"
        fi
fi

kill -0 "$PB_VERIFIERD_PID" 2>/dev/null && ok "verifierd alive at the end" || fail "verifierd died"
pb_summary
