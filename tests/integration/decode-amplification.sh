#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# decode-amplification.sh: issue 9 finding 8, memory amplification through the WBXML string
# table, on a real dbus-daemon with the shipped policy. verifierd as root (bootstrap enabled,
# NETWPIN without confirmation, static IMSI), provd as user provd.
#
# The push: a WBXML body of 53 KB whose string table holds one entry of CPDOC_VALUE_MAX (4,096)
# octets, and 8,192 parms (CPDOC_PARMS_MAX) whose values are 2-octet STR_T references to it
# (WBXML 1.3 5.7), wrapped in a WSP push with a correct NETWPIN MAC, so that verifierd would
# authenticate it and decode it as well. Before the fix it decoded into 8,192 x 4 KB = 33.6 MB
# of strings in provd and again in verifierd (root), and was answered "role-denied". Now:
#   1. provctl inject: provd refuses it as malformed naming CPDOC_DECODED_MAX, and neither
#      provd's nor verifierd's peak RSS (VmHWM, /proc/PID/status) grows by MEM_MAX_KB or more;
#   2. the same body handed to verifierd directly as user provd (Submit, as a compromised provd
#      could): verifierd refuses it as malformed, its VmHWM stays within MEM_MAX_KB as well;
#   3. both daemons are still up, and a genuine push is applied afterwards.
# MEM_MAX_KB (2 MiB): a document's arena is bounded at about 1 MiB by CPDOC_DECODED_MAX and the
# count limits (common/cpdoc.h); the unbounded decode grew each daemon by about 33 MB.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
trap pb_cleanup EXIT
PY=/usr/bin/python3
MKPUSH=$PB_TOP/tools/mkpush.py
D=$PB_TOP/tests/data/demo
IMSI=262011234567890
MEM_MAX_KB=2048

pb_setup_users
pb_workdir
W=$PB_WORK
mkdir -p "$W/conf" "$W/pconf" "$W/nm"
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

# ---- the amplification body, built here (docs/wire-notes.md §3: PROV tokens) ------------------------
$PY - "$W/amp.wbxml" <<'PYEOF'
import sys
def mb(n):
    out = [n & 0x7F]; n >>= 7
    while n:
        out.append(0x80 | (n & 0x7F)); n >>= 7
    return bytes(reversed(out))
entry = b"A" * 4096 + b"\0"                          # one string-table entry of CPDOC_VALUE_MAX
body = bytes([0x03, 0x0B, 0x6A]) + mb(len(entry)) + entry  # WBXML 1.3, PROV 1.0, UTF-8
body += bytes([0x45, 0xC6, 0x50, 0x03]) + b"X\0" + bytes([0x01])  # <wap-provisioningdoc><characteristic type="X">
body += bytes([0x87, 0x07, 0x06, 0x83, 0x00, 0x01]) * 8192        # <parm name="NAME" value=STR_T(0)/>
body += bytes([0x01, 0x01])
open(sys.argv[1], "wb").write(body)
PYEOF
$PY "$MKPUSH" --wbxml "$W/amp.wbxml" --sec netwpin --imsi "$IMSI" --out "$W/amp.wsp" || fail "mkpush"
size=$(stat -c %s "$W/amp.wbxml")
[ "$size" -lt 54000 ] && ok "amplification body: $size bytes, 8192 STR_T references to one 4096-octet entry" ||
        fail "amplification body is $size bytes"

pb_start_bus "$W" || exit 1
pb_start_verifierd "$W/conf" "$W/state" || exit 1
pb_start_provd "$W/pconf" || exit 1

hwm() { awk '$1 == "VmHWM:" { print $2 }' "/proc/$1/status"; }

# a genuine push first, so both daemons have done one whole decode before the baseline
out=$(pb_provctl inject --json "$D/apn-proxy.netwpin.sms.hex" 2>&1)
pb_expect "before: a genuine push is applied" applied "$(pb_json_field "$out" verdict)"
p0=$(hwm "$PB_PROVD_PID") v0=$(hwm "$PB_VERIFIERD_PID")
m0=$(pb_parser_counter Malformed)

# ---- 1. through provd ---------------------------------------------------------------------------
out=$(pb_provctl inject --json "$W/amp.wsp" 2>&1)
pb_expect "inject: the amplification push is rejected" rejected "$(pb_json_field "$out" verdict)"
pb_expect "inject: as malformed" malformed "$(pb_json_field "$out" reason)"
pb_expect "provd counted it as malformed" "$((m0 + 1))" "$(pb_parser_counter Malformed)"
pb_wait_for 5 grep -q 'CPDOC_DECODED_MAX' "$W/provd.log" && ok "provd's log names CPDOC_DECODED_MAX" ||
        fail "provd's log does not name CPDOC_DECODED_MAX: $(tail -n 2 "$W/provd.log")"
p1=$(hwm "$PB_PROVD_PID") v1=$(hwm "$PB_VERIFIERD_PID")
[ $((p1 - p0)) -lt $MEM_MAX_KB ] && ok "provd's peak RSS grew by $((p1 - p0)) kB (< $MEM_MAX_KB)" ||
        fail "provd's peak RSS grew by $((p1 - p0)) kB ($p0 -> $p1 kB): the push was decoded unbounded"
[ $((v1 - v0)) -lt $MEM_MAX_KB ] && ok "verifierd's peak RSS grew by $((v1 - v0)) kB (< $MEM_MAX_KB)" ||
        fail "verifierd's peak RSS grew by $((v1 - v0)) kB ($v0 -> $v1 kB): the push was decoded unbounded"

# ---- 2. straight to verifierd, as provd's user, with the right NETWPIN MAC ---------------------
mac=$($PY -c 'import hashlib, hmac, sys
sys.path.insert(0, sys.argv[1])
import mkpush
print(hmac.new(mkpush.netwpin_key(sys.argv[2]), open(sys.argv[3], "rb").read(), hashlib.sha1).hexdigest().upper())' \
        "$PB_TOP/tools" "$IMSI" "$W/amp.wbxml")
mapfile -t bytes < <(od -An -v -tu1 "$W/amp.wbxml" | tr -s ' ' '\n' | sed '/^$/d')
out=$(setpriv --reuid=provd --regid=provd --clear-groups env DBUS_SYSTEM_BUS_ADDRESS="$PB_BUS" \
        busctl --system --json=short call org.provboot.Verifier1 /org/provboot/Verifier1 org.provboot.Verifier1 \
        Submit aysissst "${#bytes[@]}" "${bytes[@]}" application/vnd.wap.connectivity-wbxml 0 "$mac" \
        +4917012345 inject 0 2>&1)
got=$($PY -c 'import json, sys; d = json.loads(sys.argv[1])["data"]; print(d[1], d[2])' "$out" 2>/dev/null)
pb_expect "Submit as provd: verifierd rejects the authenticated amplification body as malformed" \
        "rejected malformed" "$got"
v2=$(hwm "$PB_VERIFIERD_PID")
[ $((v2 - v0)) -lt $MEM_MAX_KB ] && ok "verifierd's peak RSS grew by $((v2 - v0)) kB in all (< $MEM_MAX_KB)" ||
        fail "verifierd's peak RSS grew by $((v2 - v0)) kB ($v0 -> $v2 kB): verifierd decoded it unbounded"

# ---- 3. both still serve ---------------------------------------------------------------------------
pb_alive "$PB_PROVD_PID" && pb_alive "$PB_VERIFIERD_PID" && ok "provd and verifierd are alive" ||
        fail "a daemon died"
sed 's/Example Internet/After the amplification/' "$D/apn-proxy.xml" >"$W/after.xml"
$PY "$MKPUSH" --xml "$W/after.xml" --sec netwpin --imsi "$IMSI" --out "$W/after.wsp" 2>/dev/null
out=$(pb_provctl inject --json "$W/after.wsp" 2>&1)
pb_expect "after: a genuine push is applied" applied "$(pb_json_field "$out" verdict)"
pb_summary
