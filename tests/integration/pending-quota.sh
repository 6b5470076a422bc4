#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# pending-quota.sh: issue 9, finding 4. Eight junk USERPIN pushes used to fill the one global
# pending queue for 24 hours, and every bootstrap after them was refused. On a real dbus-daemon
# with the shipped policy, verifierd with the shipped limits (bootstrap enabled, ConfirmNetworkPin
# at its default), and a compromised provd (user provd) submitting:
#   1. eight junk USERPIN pushes from one sender: MaxUnverifiedPendingPerSender= (2) wait, the
#      rest are refused policy-denied;
#   2. junk from twenty senders: the unverified pushes stop at MaxUnverifiedPending= (8);
#   3. the operator's NETWPIN push (MAC made with the SIM's IMSI) still waits for the user's
#      confirmation, and is applied when confirmed;
#   4. the same bytes again are the same pending push (no new history row, no slot);
#   5. unverified pushes expire after UnverifiedPendingExpirySec= (1 h), the authenticated one
#      after PendingExpirySec= (24 h), both on verifierd's clock.
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

junk() { # junk N SENDER: a USERPIN push of its own (a PIN nobody knows)
        pb_doc_xml "$W/junk$1.xml" "<characteristic type=\"APPLICATION\"><parm name=\"APPID\" value=\"w2\"/><parm name=\"NAME\" value=\"junk $1\"/></characteristic>"
        pb_as_provd submit --body "$W/junk$1.xml" --sec 1 --userpin 0000 --sender "$2"
}
verdicts() { sed -E 's/^verdict [0-9]+ ([a-z-]+ [a-z-]+) .*/\1/; s/^error (.*)/error \1/' | sort | uniq -c | awk '{ printf "%s%s=%s", s, $2 "/" $3, $1; s = " " }'; }

# ---- 1. eight from one sender -------------------------------------------------------------------
for i in $(seq 1 8); do junk "$i" +4915550001; done >"$W/one.out"
pb_expect "eight junk USERPIN pushes from one sender" "pending/needs-pin=2 rejected/policy-denied=6" "$(verdicts <"$W/one.out")"

# ---- 2. twenty senders --------------------------------------------------------------------------
for i in $(seq 11 30); do junk "$i" "+49155500$i"; done >"$W/many.out"
pb_expect "junk from twenty senders stops at MaxUnverifiedPending=8" "pending/needs-pin=6 rejected/policy-denied=14" \
        "$(verdicts <"$W/many.out")"
n=$(pb_vc pending | /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
pb_expect "eight unverified pushes wait" 8 "$n"

# ---- 3. the operator's NETWPIN push is not refused ----------------------------------------------
pb_doc_xml "$W/apn.xml" '<characteristic type="NAPDEF"><parm name="NAPID" value="INTERNET"/><parm name="BEARER" value="GSM-GPRS"/><parm name="NAME" value="Operator Internet"/><parm name="NAP-ADDRESS" value="internet.operator.example"/><parm name="NAP-ADDRTYPE" value="APN"/></characteristic>'
out=$(pb_as_provd submit --body "$W/apn.xml" --sec 0 --netwpin "$PB_IMSI" --sender +4915550999)
pb_expect "the NETWPIN push after the flood" "pending needs-confirmation" "$(pb_field 3 "$out") $(pb_field 4 "$out")"
nid=$(pb_field 2 "$out")
out=$(pb_provctl --json confirm "$nid" 2>&1)
pb_expect "confirmed, it is applied" applied "$(pb_json_field "$out" verdict)"

# ---- 4. identical bytes are one push ------------------------------------------------------------
h0=$(pb_vc history | /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
first=$(awk '$1 == "verdict" && $3 == "pending" { print $2; exit }' "$W/one.out")
for s in +4915550001 +4915557777; do
        out=$(pb_as_provd submit --body "$W/junk1.xml" --sec 1 --userpin 0000 --sender "$s")
        pb_expect "the same bytes again (from $s) are the same pending push" "verdict $first pending needs-pin" \
                "$(pb_field 1 "$out") $(pb_field 2 "$out") $(pb_field 3 "$out") $(pb_field 4 "$out")"
done
pb_expect "no history row for the copies" "$h0" "$(pb_vc history | /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')"

# ---- 5. expiry ----------------------------------------------------------------------------------
out=$(pb_as_provd submit --body "$W/apn.xml" --sec 0 --netwpin "$PB_IMSI" --sender +4915550998)
pb_expect "the applied NETWPIN push again is a replay" "rejected replay" "$(pb_field 3 "$out") $(pb_field 4 "$out")"
pb_doc_xml "$W/apn2.xml" '<characteristic type="NAPDEF"><parm name="NAPID" value="MMS"/><parm name="NAME" value="Operator MMS"/><parm name="NAP-ADDRESS" value="mms.operator.example"/></characteristic>'
out=$(pb_as_provd submit --body "$W/apn2.xml" --sec 0 --netwpin "$PB_IMSI")
pb_expect "a second NETWPIN push waits too" "pending needs-confirmation" "$(pb_field 3 "$out") $(pb_field 4 "$out")"
now=$(date +%s)
/usr/bin/python3 -c '
import json, sys
now = int(sys.argv[1])
for p in json.loads(sys.argv[2]):
    left = p["expires"] // 1000000 - now
    print(p["waiting"], "short" if 3600 - 120 <= left <= 3600 + 5 else "long" if 86400 - 120 <= left <= 86400 + 5 else "left=%d" % left)
' "$now" "$(pb_vc pending)" >"$W/exp.out"
pb_expect "pushes waiting for a PIN expire after 1 h" "8 needs-pin short" "$(grep -c 'needs-pin short' "$W/exp.out") needs-pin short"
pb_expect "the authenticated push expires after 24 h" "needs-confirmation long" "$(grep needs-confirmation "$W/exp.out")"
pb_expect "GetPolicy shows the limits" "8 2 3600" \
        "$(pb_vc policy Policy.MaxUnverifiedPending) $(pb_vc policy Policy.MaxUnverifiedPendingPerSender) $(pb_vc policy Policy.UnverifiedPendingExpirySec)"
pb_summary
