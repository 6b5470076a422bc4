#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# no-secret.sh: no secret byte in the unprivileged process (docs/testing.md §7.5).
# verifierd (root) is configured with a distinctive IMSI and the user types a distinctive PIN;
# pushes of every SEC type (NETWPIN, USERPIN, USERNETWPIN, USERPINMAC, none; as WSP PDUs and as
# SMS-DELIVER segments; built by tools/mkpush.py with that IMSI and PIN) go through
# provctl inject -> provd (user provd) -> verifierd on a real dbus-daemon with the shipped
# policy, the PINs given with `provctl pin` (straight to verifierd), then a bulk run of the same
# pushes. Then, with canaries in every form (tests/tools/canary.py: ASCII, UTF-16, EF_IMSI
# semi-octet key, swapped BCD, PIN, USERNETWPIN key, HMAC ipad/opad blocks):
#   (a) provd's whole memory, read as root from /proc/PID/mem over every readable mapping of
#       /proc/PID/maps, holds none of them (a positive control proves the scan read the image);
#   (b) every message provd SENT on the bus (a `busctl capture` pcap, filtered on provd's unique
#       name as SENDER; positive control: its Submit calls carry a known push body) holds none;
#   (c) the logs of both daemons hold none;
#   (d) build/provd links neither libcrypto nor libsodium (readelf -d NEEDED, ldd, and the
#       running process's /proc/PID/maps).
# Not covered here: the journal (no journald on the test machine; sd_journal_send goes nowhere).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
trap pb_cleanup EXIT
PY=/usr/bin/python3
CANARY=$PB_TOP/tests/tools/canary.py
MKPUSH=$PB_TOP/tools/mkpush.py
D=$PB_TOP/tests/data/demo
IMSI=901700123456789
PIN=73915824
BULK=${NO_SECRET_BULK:-1000}

pb_setup_users
pb_workdir
W=$PB_WORK
# A marker in provd's argv (it lives on provd's stack): the memory scan must find it.
MARK=pbmemctl$RANDOM$RANDOM
mkdir -p "$W/conf" "$W/$MARK" "$W/nm" "$W/push"
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
printf '[Intake]\nOfono=no\nModemManager=no\n' >"$W/$MARK/provd.conf"
$PY "$CANARY" patterns "$IMSI" "$PIN" >"$W/patterns"

# ---- (d) linking, before anything runs ------------------------------------------------------
needed=$(readelf -d "$PB_BUILD/provd" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')
if [ -n "$needed" ] && ! grep -Eq 'libcrypto|libsodium|libssl|libgnutls|libnettle' <<<"$needed"; then
        ok "readelf -d build/provd: no crypto library NEEDED ($needed)"
else
        fail "readelf -d build/provd NEEDED: '$needed'"
fi
deps=$(ldd "$PB_BUILD/provd" 2>&1)
if grep -Eq 'libcrypto|libsodium' <<<"$deps"; then
        fail "ldd build/provd pulls libcrypto or libsodium: $(grep -E 'libcrypto|libsodium' <<<"$deps")"
else
        ok "ldd build/provd: neither libcrypto nor libsodium, not even indirectly"
fi

# ---- the pushes -------------------------------------------------------------------------------
ref=16
for doc in apn-proxy bookmark w7-account; do
        for sec in netwpin userpin usernetwpin userpinmac none; do
                $PY "$MKPUSH" --xml "$D/$doc.xml" --sec "$sec" --imsi "$IMSI" --pin "$PIN" \
                        --out "$W/push/$doc.$sec.wsp" 2>"$W/push/$doc.$sec.typed" || fail "mkpush $doc $sec"
                ref=$((ref + 1))
                $PY "$MKPUSH" --xml "$D/$doc.xml" --sec "$sec" --imsi "$IMSI" --pin "$PIN" --sms --ref "$ref" \
                        --out "$W/push/$doc.$sec.sms.hex" 2>/dev/null || fail "mkpush --sms $doc $sec"
        done
done

pb_start_bus "$W" || exit 1
# busctl capture sees every message on the bus (root may monitor); provd's are picked out later.
busctl --address="$PB_BUS" capture >"$W/bus.pcap" 2>"$W/capture.err" &
CAP_PID=$!
PB_PIDS+=("$CAP_PID")
pb_wait_for 10 grep -q 'Monitoring' "$W/capture.err" || fail "busctl capture started: $(cat "$W/capture.err")"
pb_start_verifierd "$W/conf" "$W/state" || exit 1
pb_start_provd "$W/$MARK" || exit 1
PROVD_NAME=$(busctl --address="$PB_BUS" call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus \
        GetNameOwner s org.provboot.Parser1 | sed -n 's/^s "\(.*\)"$/\1/p')
[ -n "$PROVD_NAME" ] && ok "provd is $PROVD_NAME on the bus" || fail "provd's unique name"

applied=0 pinned=0 pin_verdicts=0
for f in "$W"/push/*.wsp "$W"/push/*.sms.hex; do
        out=$(pb_provctl inject --json "$f" 2>&1)
        v=$(pb_json_field "$out" verdict)
        [ "$v" = applied ] && applied=$((applied + 1))
        if [ "$v" = pending ] && [ "$(pb_json_field "$out" reason)" = needs-pin ]; then
                id=$(pb_json_field "$out" id)
                stem=${f%.sms.hex}
                stem=${stem%.wsp}
                typed=$PIN
                # USERPINMAC: the user types the PIN followed by the check digits mkpush printed
                t=$(sed -n 's/^USERPINMAC: the user types //p' "$stem.typed" 2>/dev/null)
                [ -n "$t" ] && typed=$t
                out=$(echo "$typed" | pb_provctl pin --json "$id" 2>&1)
                pinned=$((pinned + 1))
                case "$(pb_json_field "$out" verdict)" in applied | rejected) pin_verdicts=$((pin_verdicts + 1)) ;; esac
                [ "$(pb_json_field "$out" verdict)" = applied ] && applied=$((applied + 1))
        fi
done
n_pushes=$(ls "$W"/push/*.wsp "$W"/push/*.sms.hex | wc -l)
[ "$applied" -ge 2 ] && ok "$n_pushes pushes of every SEC type injected; $applied applied" ||
        fail "only $applied of $n_pushes pushes applied (the keys made from the IMSI/PIN were not accepted?)"
[ "$pinned" -ge 6 ] && [ "$pin_verdicts" -eq "$pinned" ] &&
        ok "the PIN was typed into provctl for $pinned pending pushes, each answered with a verdict" ||
        fail "PIN path: $pinned pending pushes got a PIN, $pin_verdicts verdicts"

# Bulk: the same pushes again and again over one connection (replays, pending limit, ...).
cat >"$W/bulk.py" <<'PYEOF'
import sys, dbus
bus = dbus.bus.BusConnection(sys.argv[1])
p = bus.get_object("org.provboot.Parser1", "/org/provboot/Parser1")
files, n = sys.argv[3:], int(sys.argv[2])
data = [open(f, "rb").read() for f in files]
verdicts = {}
for i in range(n):
    try:
        r = p.Inject(dbus.ByteArray(data[i % len(data)]), "auto", dbus_interface="org.provboot.Parser1", timeout=30)
        k = "%s/%s" % (r[1], r[2] or "-")
    except dbus.exceptions.DBusException as e:
        k = e.get_dbus_name()
    verdicts[k] = verdicts.get(k, 0) + 1
print(" ".join("%s=%d" % kv for kv in sorted(verdicts.items())))
PYEOF
bulk=$(timeout 300 $PY "$W/bulk.py" "$PB_BUS" "$BULK" "$W"/push/*.wsp "$W"/push/*.sms.hex 2>&1)
[ $? -eq 0 ] && ok "bulk: $BULK more injections ($bulk)" || fail "bulk injections: $bulk"
kill -0 "$PB_PROVD_PID" 2>/dev/null && ok "provd alive after the pushes" || fail "provd died"

# ---- (a) provd's memory -------------------------------------------------------------------------
out=$($PY "$CANARY" scan-mem "$PB_PROVD_PID" "$W/patterns" "argv-marker=$(printf %s "$MARK" | xxd -p | tr -d '\n')" 2>&1)
rc=$?
case $rc in
0) ok "provd's memory (/proc/$PB_PROVD_PID/mem, all readable mappings): no canary; $(tail -1 <<<"$out")" ;;
3) fail "memory scan did not see provd's memory: $out" ;;
*) fail "canary in provd's memory:"$'\n'"$out" ;;
esac
if grep -Eq 'libcrypto|libsodium' "/proc/$PB_PROVD_PID/maps"; then
        fail "the running provd has libcrypto or libsodium mapped"
else
        ok "the running provd maps neither libcrypto nor libsodium"
fi
# the same scan finds the canaries where they legitimately are: in this test's own pattern file
# turned into bytes (a check of the scanner itself)
$PY -c 'import sys
with open(sys.argv[2],"wb") as o:
    for l in open(sys.argv[1]): o.write(b"xx" + bytes.fromhex(l.split()[1]) + b"yy")' "$W/patterns" "$W/all-canaries.bin"
out=$($PY "$CANARY" scan-files "$W/patterns" "$W/all-canaries.bin" 2>&1)
n=$(wc -l <"$W/patterns")
grep -q "forms $n " <<<"$out" && ok "scanner self-check: all $n canary forms are found when present" ||
        fail "scanner self-check: $(tail -1 <<<"$out") of $n"

# ---- (b) what provd sent on the bus -------------------------------------------------------------
sent=$($PY "$CANARY" pcap-sent "$W/bus.pcap" "$PROVD_NAME" "$W/provd-sent.bin" 2>&1)
nmsg=$(sed -n 's/^messages \([0-9]*\) .*/\1/p' <<<"$sent")
if [ "${nmsg:-0}" -gt "$BULK" ] && grep -q Submit <<<"$sent"; then
        ok "captured what provd sent: $sent"
else
        fail "capture of provd's messages: $sent"
fi
body=$($PY -c 'import sys
d = open(sys.argv[1], "rb").read()
i, n = 3, 0
while True:
    n = (n << 7) | (d[i - 1] & 0x7f)
    if not d[i - 1] & 0x80: break
    i += 1
print(d[i + n:].hex())' "$W/push/apn-proxy.netwpin.wsp")
$PY "$CANARY" contains "$W/provd-sent.bin" "$body" && ok "positive control: provd's Submit carried the APN push body" ||
        fail "positive control: the APN push body is not in provd's captured messages"
out=$($PY "$CANARY" scan-files "$W/patterns" "$W/provd-sent.bin" 2>&1) &&
        ok "no canary in provd's bus traffic ($(tail -1 <<<"$out"))" || fail "canary in provd's bus traffic:"$'\n'"$out"

# ---- (c) logs --------------------------------------------------------------------------------
pb_stop "$PB_PROVD_PID"
pb_stop "$PB_VERIFIERD_PID"
grep -q 'verdict' "$W/verifierd.log" && ok "verifierd.log has the verdicts ($(grep -c verdict "$W/verifierd.log") lines)" ||
        fail "verifierd.log is empty?"
out=$($PY "$CANARY" scan-files "$W/patterns" "$W/provd.log" "$W/verifierd.log" "$W/bus.err" 2>&1) &&
        ok "no canary in provd.log, verifierd.log, dbus-daemon's log ($(tail -1 <<<"$out"))" ||
        fail "canary in the logs:"$'\n'"$out"

pb_summary
