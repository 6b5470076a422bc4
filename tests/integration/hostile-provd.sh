#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# hostile-provd.sh: confused-deputy resistance (docs/testing.md §7.7, docs/conventions.md §3).
# On a real dbus-daemon with the shipped policy, verifierd as root (bootstrap enabled, NETWPIN
# without confirmation, static IMSI 262011234567890). The real provd runs first (a genuine push
# goes through), then is stopped, and tests/tools/hostile-submit runs AS USER provd (setpriv):
# thousands (HOSTILE_CALLS, default 6,000, at least 5,000, within HOSTILE_SECONDS) of randomised,
# well-typed Submit calls with a printed seed (HOSTILE_SEED to replay one): forged SEC values
# (-1..3 and out of range), MACs of other bodies, MACs of the right body under wrong keys (other
# IMSIs, near-miss IMSIs, PINs), random, truncated, empty and oversize (> 64 KiB) bodies, the
# genuine TV/Kannel/demo bodies with their MACs and a swapped SEC, genuine MACs with SEC
# switched to a user-PIN method, replays, control characters/noncharacters/over-long strings in
# sender and content type, wrong transports, malformed MAC text, unsigned NAPDEF/PXLOGICAL/w7/
# bookmark documents; plus hand-marshalled calls with invalid UTF-8, which the bus itself must
# drop. One control class (every 40th call) is the genuine thing: a fresh NAPDEF with the MAC
# made with the real key; those must be applied. Then:
#   - verifierd is alive and answered every call with a verdict, InvalidArgs or AccessDenied;
#   - only genuine calls were applied, every genuine control push was, none twice;
#   - Status.ProtocolViolations (GetPolicy) equals the InvalidArgs answers, and is > 0;
#   - verifierd's state, read through the bus and straight from its SQLite store: every applied
#     document, history row, setting, DM account and NetworkManager keyfile comes from a push
#     whose MAC was made with the real key (the state before the run is left as it was);
#   - the real provd, started again, still gets a genuine push applied.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
trap pb_cleanup EXIT
PY=/usr/bin/python3
T=$PB_TOP/tests/tools
BIN=$PB_BUILD/hostile-submit
MKPUSH=$PB_TOP/tools/mkpush.py
D=$PB_TOP/tests/data/demo
IMSI=262011234567890
CALLS=${HOSTILE_CALLS:-6000}
SECONDS_MAX=${HOSTILE_SECONDS:-300}
SEED=${HOSTILE_SEED:-$((RANDOM * 32768 + RANDOM + 1))}
RAW=6

if [ ! -x "$BIN" ]; then
        fail "$BIN is built (make all builds it: tests/integration2.mk)"
        pb_summary
        exit 1
fi
pb_setup_users
pb_workdir
W=$PB_WORK
mkdir -p "$W/conf" "$W/pconf" "$W/nm" "$W/tpl"
cat >"$W/conf/verifierd.conf" <<CONF
[Bootstrap]
Enabled=yes
ConfirmNetworkPin=no
[NetworkPin]
Source=static
Imsi=$IMSI
[Export]
NetworkManagerDir=$W/nm
CONF
printf '[Intake]\nOfono=no\nModemManager=no\n' >"$W/pconf/provd.conf"

# ---- templates: documents with a placeholder the generator fills with fresh random text --------
cat >"$W/tpl/napdef.xml" <<'XML'
<?xml version="1.0"?>
<wap-provisioningdoc version="1.1">
  <characteristic type="NAPDEF">
    <parm name="NAPID" value="QQQQQQQQQQ"/>
    <parm name="BEARER" value="GSM-GPRS"/>
    <parm name="NAME" value="Hostile test QQQQQQQQQQ"/>
    <parm name="INTERNET"/>
    <parm name="NAP-ADDRESS" value="QQQQQQQQQQ.apn.example"/>
    <parm name="NAP-ADDRTYPE" value="APN"/>
  </characteristic>
</wap-provisioningdoc>
XML
cat >"$W/tpl/pxlogical.xml" <<'XML'
<?xml version="1.0"?>
<wap-provisioningdoc version="1.1">
  <characteristic type="PXLOGICAL">
    <parm name="PROXY-ID" value="QQQQQQQQQQ"/>
    <parm name="NAME" value="Evil proxy"/>
    <characteristic type="PXPHYSICAL">
      <parm name="PHYSICAL-PROXY-ID" value="PX1"/>
      <parm name="PXADDR" value="QQQQQQQQQQ.proxy.example"/>
      <parm name="PXADDRTYPE" value="IPV4"/>
      <parm name="TO-NAPID" value="INTERNET"/>
      <characteristic type="PORT">
        <parm name="PORTNBR" value="3128"/>
      </characteristic>
    </characteristic>
  </characteristic>
</wap-provisioningdoc>
XML
cat >"$W/tpl/w7.xml" <<'XML'
<?xml version="1.0"?>
<wap-provisioningdoc version="1.1">
  <characteristic type="APPLICATION">
    <parm name="APPID" value="w7"/>
    <parm name="PROVIDER-ID" value="QQQQQQQQQQ"/>
    <parm name="NAME" value="Evil DM"/>
    <parm name="ADDR" value="https://QQQQQQQQQQ.dm.example/dm"/>
    <parm name="ROLE" value="8"/>
  </characteristic>
</wap-provisioningdoc>
XML
cat >"$W/tpl/bookmark.xml" <<'XML'
<?xml version="1.0"?>
<wap-provisioningdoc version="1.1">
  <characteristic type="APPLICATION">
    <parm name="APPID" value="w2"/>
    <parm name="NAME" value="QQQQQQQQQQ portal"/>
    <characteristic type="RESOURCE">
      <parm name="URI" value="https://QQQQQQQQQQ.example/"/>
      <parm name="STARTPAGE"/>
    </characteristic>
  </characteristic>
</wap-provisioningdoc>
XML
for t in napdef pxlogical w7 bookmark; do
        $PY "$MKPUSH" --xml "$W/tpl/$t.xml" --sec none --out "$W/tpl/$t.wsp" &&
                $PY "$T/pbstate.py" wsp-body "$W/tpl/$t.wsp" "$W/tpl/$t.wbxml" || fail "compile template $t"
        grep -q QQQQQQQQQQ "$W/tpl/$t.wbxml" || fail "template $t.wbxml keeps its placeholder inline"
done
$PY "$T/wsp-corpus.py" "$PB_TOP"/tests/data/kannel/*.wsp "$PB_TOP"/tests/data/*.wsp "$D"/*.wsp >"$W/corpus"
chmod -R a+rX "$W/tpl" "$W/corpus"
ok "$(wc -l <"$W/corpus") genuine TV/Kannel/demo bodies and 4 templates (WBXML and XML) for the generator"

pb_start_bus "$W" || exit 1
pb_start_verifierd "$W/conf" "$W/state" || exit 1
pb_start_provd "$W/pconf" || exit 1

out=$(pb_provctl inject --json "$D/apn-proxy.netwpin.sms.hex" 2>&1)
[ "$(pb_json_field "$out" verdict)" = applied ] && ok "before: the real provd gets a genuine push applied" ||
        fail "before: genuine push through the real provd: $out"
$PY "$T/pbstate.py" snapshot "$PB_BUS" "$W/nm" "$W/s0.json" || fail "snapshot before"
pv0=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["policy"].get("Status.ProtocolViolations","?"))' "$W/s0.json")

# ---- the hostile stand-in replaces provd ----------------------------------------------------------
pb_stop "$PB_PROVD_PID"
pb_has_name org.provboot.Parser1 && fail "the real provd is still on the bus" || ok "the real provd is stopped"
echo "      seed $SEED (HOSTILE_SEED=$SEED reruns this sequence)"
start=$(date +%s)
timeout $((SECONDS_MAX + 120)) setpriv --reuid=provd --regid=provd --clear-groups --inh-caps=-all \
        env DBUS_SYSTEM_BUS_ADDRESS="$PB_BUS" "$BIN" --seed "$SEED" --count "$CALLS" --seconds "$SECONDS_MAX" \
        --real-imsi "$IMSI" --templates "$W/tpl" --corpus "$W/corpus" --raw "$RAW" >"$W/calls.log" 2>"$W/hostile.err"
rc=$?
took=$(($(date +%s) - start))
sed 's/^/      /' "$W/hostile.err"
summary=$(grep '^summary ' "$W/hostile.err" | tail -1)
get() { sed -n "s/.* $1=\([0-9]*\).*/\1/p" <<<"$summary"; }
[ $rc -eq 0 ] && ok "hostile-submit finished in ${took}s (exit 0)" || fail "hostile-submit exited $rc after ${took}s"
calls=$(get calls)
[ "${calls:-0}" -ge 5000 ] && ok "$calls randomised Submit calls as user provd" ||
        fail "only ${calls:-0} calls (at least 5000 wanted within ${SECONDS_MAX}s)"
[ "$(get unexpected)" = 0 ] && ok "every answer was a verdict ($(get verdicts)), InvalidArgs ($(get invalid)) or AccessDenied ($(get denied))" ||
        fail "$(get unexpected) answers were something else (see above)"
[ "$(get applied_nongenuine)" = 0 ] && ok "no call applied unless its MAC was made with the real key" ||
        fail "$(get applied_nongenuine) NON-GENUINE pushes applied (seed $SEED)"
ctl=$(get control)
[ "${ctl:-0}" -gt 0 ] && [ "$(get genuine_applied)" = "$ctl" ] &&
        ok "every one of the $ctl genuine control pushes was applied" ||
        fail "genuine control pushes: $ctl sent, $(get genuine_applied) applied"
[ "$(get raw_dropped)" = "$RAW" ] && ok "$RAW hand-marshalled calls with invalid UTF-8: the bus dropped each connection" ||
        fail "invalid UTF-8: $(get raw_dropped) of $RAW dropped by the bus, $(get raw_not_dropped) not"

kill -0 "$PB_VERIFIERD_PID" 2>/dev/null && pb_has_name org.provboot.Verifier1 && ok "verifierd alive after the flood" ||
        fail "verifierd died"
$PY "$T/pbstate.py" snapshot "$PB_BUS" "$W/nm" "$W/s1.json" || fail "snapshot after"
pv1=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["policy"].get("Status.ProtocolViolations","?"))' "$W/s1.json")
inv=$(get invalid)
if [ "$pv1" != "?" ] && [ "$pv1" -gt 0 ] && [ "$((pv1 - pv0))" = "$inv" ]; then
        ok "GetPolicy Status.ProtocolViolations = $pv1, one per InvalidArgs answer"
else
        fail "Status.ProtocolViolations before $pv0, after $pv1; InvalidArgs answers $inv"
fi
grep -q 'provd protocol violation' "$W/verifierd.log" && ok "verifierd logged the protocol violations" ||
        fail "no 'provd protocol violation' warning in verifierd's log"

# ---- the state: only what genuine pushes could apply ----------------------------------------------
pb_stop "$PB_VERIFIERD_PID"
$PY "$T/pbstate.py" db "$W/state" "$W/db.json" || fail "read verifierd's store"
pb_python_checks "$W/calls.log" "$W/s0.json" "$W/s1.json" "$W/db.json" <<'PYEOF'
import json, sys
def check(cond, msg):
    print(("PASS " if cond else "FAIL ") + msg)
genuine, applied_ids, reasons = set(), {}, {}
TOKENS = {"-", "bootstrap-disabled", "unauthenticated", "bad-mac", "bad-signature", "untrusted-signer", "role-denied",
          "role-escalation", "policy-denied", "replay", "malformed", "pin-attempts-exceeded", "expired", "needs-pin",
          "needs-confirmation"}
for l in open(sys.argv[1]):
    f = l.split()
    if len(f) < 6 or f[0] == "raw":
        continue
    if f[3] == "1":
        genuine.add(f[4])
    if f[5] == "verdict":
        reasons[f[8]] = reasons.get(f[8], 0) + 1
        if f[7] == "applied":
            applied_ids[int(f[6])] = f[4]
s0, s1, db = (json.load(open(p)) for p in sys.argv[2:5])
print("verdict reasons: " + " ".join("%s=%d" % kv for kv in sorted(reasons.items())))
check(set(reasons) <= TOKENS, "every reason is a documented token")
before = {h["id"] for h in s0["history"]}
before_docs = {h["digest"] for h in s0["history"] if h["verdict"] == "applied"}
docs = db["documents"]
bad = [d for d in docs if d["digest"] not in genuine and d["digest"] not in before_docs]
check(not bad, "store: all %d applied documents were genuine (MAC with the real key)%s" % (len(docs), " BAD: %s" % bad[:3] if bad else ""))
check(len(docs) == len(before_docs) + len(applied_ids), "store: %d documents = %d before + %d applied during the run" %
      (len(docs), len(before_docs), len(applied_ids)))
ap = [p for p in db["pushes"] if p["verdict"] == "applied"]
check(len(ap) == len(docs) and all(p["digest"] in genuine or p["digest"] in before_docs for p in ap),
      "store: every push with verdict 'applied' (%d) is a genuine one" % len(ap))
check(len({p["digest"] for p in ap}) == len(ap), "store: no document applied twice")
okids = before | set(applied_ids)
stray = [s for s in db["settings"] if s["push"] not in okids]
check(not stray, "store: all %d settings come from genuine pushes%s" % (len(db["settings"]), " stray: %s" % stray[:3] if stray else ""))
check([a["server"] for a in db["accounts"]] == [a["server"] for a in s0["accounts"]], "no DM account created (w7 never authenticated)")
check(not db["pending"] or all(p > max(before | {0}) for p in db["pending"]), "pending pushes: %d (user-PIN methods wait for a PIN nobody gives)" % len(db["pending"]))
tr = {p["transport"] for p in db["pushes"]}
print("transports recorded: %s" % sorted(tr))
hist = [h for h in s1["history"] if h["verdict"] == "applied"]
check(all(h["digest"] in genuine or h["digest"] in before_docs for h in hist), "bus: GetHistory's applied rows (%d of the last 1000) are genuine" % len(hist))
sbad = [s for s in s1["settings"] if s["push"] not in okids]
check(not sbad, "bus: ListSettings (%d) shows only genuine pushes' settings" % len(s1["settings"]))
kbad = {k: v for k, v in s1["keyfiles"].items() if v not in okids}
check(not kbad, "NetworkManager keyfiles: %d, each from a genuine push%s" % (len(s1["keyfiles"]), " stray: %s" % kbad if kbad else ""))
check(len(s1["keyfiles"]) == len(s0["keyfiles"]) + len(applied_ids), "one keyfile per applied NAPDEF (%d)" % len(s1["keyfiles"]))
for k, v in s0["keyfiles"].items():
    check(s1["keyfiles"].get(k) == v, "keyfile from before kept: %s" % k)
PYEOF

# ---- afterwards the real provd still works ---------------------------------------------------------
pb_start_verifierd "$W/conf" "$W/state" || fail "verifierd restarts on its store"
pb_start_provd "$W/pconf" || fail "provd restarts"
sed 's/Example Internet/After the flood/' "$D/apn-proxy.xml" >"$W/after.xml"
$PY "$MKPUSH" --xml "$W/after.xml" --sec netwpin --imsi "$IMSI" --out "$W/after.wsp" 2>/dev/null
out=$(pb_provctl inject --json "$W/after.wsp" 2>&1)
case "$(pb_json_field "$out" verdict)/$(pb_json_field "$out" reason)" in
applied/*) ok "after the flood the real provd gets a genuine push applied" ;;
*) fail "after the flood: $out" ;;
esac
pb_summary
