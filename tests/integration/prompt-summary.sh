#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# prompt-summary.sh: issue 9, finding 11. The confirmation prompt showed the first 16 elements
# and no "+N more": a proxy after 16 bookmarks was never shown. On a real dbus-daemon with the
# shipped policy, verifierd (ConfirmNetworkPin at its default), the real provd and a registered
# agent (root), a document of a NAPDEF, 16 bookmarks and then a proxy (PXLOGICAL) arrives:
#   1. as a NETWPIN push (a compromised provd calling Submit; verifierd's own summary of the
#      authenticated document): the agent's RequestConfirmation, ListPending, `provctl pending`
#      and `provctl --json pending` all show the proxy among the first lines and end with
#      "+3 more not shown";
#   2. as a USERPIN push through the real provd (provctl inject): RequestPin and ListPending show
#      provd's summary, labelled "(unverified)", with the proxy first and the same last line;
#   3. a document that fits shows every element and no "+N more" line.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
. "$HERE/lib-pending.sh"
trap pb_cleanup EXIT
pb_setup_users
pb_workdir
W=$PB_WORK
pb_pending_conf "$W"
mkdir -p "$W/pconf"
printf '[Intake]\nOfono=no\nModemManager=no\n' >"$W/pconf/provd.conf"
pb_start_bus "$W" || exit 1
pb_start_verifierd "$W" "$W/state" || exit 1
pb_start_provd "$W/pconf" || exit 1
pb_start_agent "$W/agent.log" || fail "test agent registered"

doc() { # doc FILE TAG: a NAPDEF, 16 bookmarks, then the proxy
        local inner i
        inner="<characteristic type=\"NAPDEF\"><parm name=\"NAPID\" value=\"INTERNET\"/><parm name=\"NAME\" value=\"Internet $2\"/><parm name=\"NAP-ADDRESS\" value=\"internet.$2\"/></characteristic>"
        for i in $(seq 1 16); do
                inner+="<characteristic type=\"APPLICATION\"><parm name=\"APPID\" value=\"w2\"/><parm name=\"NAME\" value=\"Bookmark $i $2\"/><characteristic type=\"RESOURCE\"><parm name=\"URI\" value=\"http://site$i.example/\"/></characteristic></characteristic>"
        done
        inner+="<characteristic type=\"PXLOGICAL\"><parm name=\"PROXY-ID\" value=\"EVILPX\"/><parm name=\"NAME\" value=\"Proxy $2\"/><characteristic type=\"PXPHYSICAL\"><parm name=\"PHYSICAL-PROXY-ID\" value=\"PX1\"/><parm name=\"PXADDR\" value=\"10.66.66.66\"/><parm name=\"PXADDRTYPE\" value=\"IPV4\"/><parm name=\"TO-NAPID\" value=\"INTERNET\"/><characteristic type=\"PORT\"><parm name=\"PORTNBR\" value=\"3128\"/></characteristic></characteristic></characteristic>"
        pb_doc_xml "$1" "$inner"
}
PROXY_LINE="PXLOGICAL PROXY-ID=EVILPX NAME=Proxy"
agent_summary() { # agent_summary ID: "METHOD" then the lines as JSON
        /usr/bin/python3 -c 'import json,sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r["id"] == int(sys.argv[2]): print(r["method"]); print(json.dumps(r["summary"]))' "$W/agent.log" "$1"
}
pending_summary() { # pending_summary ID: the lines as JSON
        pb_vc pending | /usr/bin/python3 -c 'import json,sys; print(json.dumps([p["summary"] for p in json.load(sys.stdin) if p["id"]==int(sys.argv[1])][0]))' "$1"
}
# check_lines DESCRIPTION JSON LABEL: 16 lines, the proxy among the first two, "+3 more" last
check_lines() {
        pb_python_checks "$2" "$3" "$PROXY_LINE" "$1" <<'PY'
import json, sys
lines, label, proxy, what = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
def check(c, m): print(("PASS " if c else "FAIL ") + what + ": " + m)
check(len(lines) == 16, "16 lines (got %d)" % len(lines))
check(all(l.startswith(label) for l in lines), "each line starts with %r" % label)
body = [l[len(label):] for l in lines]
check(any(l.startswith(proxy) and "PXADDR=10.66.66.66" in l for l in body[:2]),
      "the proxy is among the first lines: %r" % body[:2])
check(body[-1:] == ["+3 more not shown"], "the last line says how many are hidden: %r" % body[-1:])
PY
}

# ---- 1. NETWPIN: verifierd's own summary ---------------------------------------------------------
doc "$W/net.xml" net
out=$(pb_as_provd submit --method Submit --body "$W/net.xml" --sec 0 --netwpin "$PB_IMSI")
pb_expect "NETWPIN push with a proxy after 16 bookmarks" "pending needs-confirmation" "$(pb_field 3 "$out") $(pb_field 4 "$out")"
N=$(pb_field 2 "$out")
pb_wait_for 10 grep -q "\"id\": $N," "$W/agent.log" || fail "the agent was asked about push $N"
a=$(agent_summary "$N")
pb_expect "the agent was asked to confirm" RequestConfirmation "$(head -1 <<<"$a")"
check_lines "RequestConfirmation" "$(tail -1 <<<"$a")" ""
check_lines "ListPending" "$(pending_summary "$N")" ""
out=$(pb_provctl pending 2>&1)
grep -q "$PROXY_LINE net PXADDR=10.66.66.66" <<<"$out" && ok "provctl pending shows the proxy" || fail "provctl pending: $out"
grep -q -- "+3 more not shown" <<<"$out" && ok "provctl pending says +3 more not shown" || fail "provctl pending: $out"
out=$(pb_provctl --json pending 2>&1)
check_lines "provctl --json pending" "$(/usr/bin/python3 -c 'import json,sys; print(json.dumps([p["summary"] for p in json.loads(sys.argv[1]) if p["id"]==int(sys.argv[2])][0]))' "$out" "$N")" ""

# ---- 2. USERPIN through the real provd: provd's summary, labelled ---------------------------------
doc "$W/user.xml" user
"$PB_TOP/tools/mkpush.py" --xml "$W/user.xml" --format xml --sec userpin --pin 1234 --out "$W/user.wsp" >/dev/null
out=$(pb_provctl inject --json "$W/user.wsp" 2>&1)
pb_expect "USERPIN push via provd" "pending needs-pin" "$(pb_json_field "$out" verdict) $(pb_json_field "$out" reason)"
U=$(pb_json_field "$out" id)
pb_wait_for 10 grep -q "\"id\": $U," "$W/agent.log" || fail "the agent was asked about push $U"
a=$(agent_summary "$U")
pb_expect "the agent was asked for the PIN" RequestPin "$(head -1 <<<"$a")"
check_lines "RequestPin" "$(tail -1 <<<"$a")" "(unverified) "
check_lines "ListPending (PIN)" "$(pending_summary "$U")" "(unverified) "

# ---- 3. a document that fits: everything, no "+N more" -------------------------------------------
pb_doc_xml "$W/small.xml" '<characteristic type="APPLICATION"><parm name="APPID" value="w2"/><parm name="NAME" value="One"/></characteristic><characteristic type="NAPDEF"><parm name="NAPID" value="MMS"/><parm name="NAME" value="MMS"/><parm name="NAP-ADDRESS" value="mms.example"/></characteristic>'
out=$(pb_as_provd submit --body "$W/small.xml" --sec 0 --netwpin "$PB_IMSI")
S=$(pb_field 2 "$out")
pb_expect "a small document: every element, network-level first" \
        '["NAPDEF NAPID=MMS NAME=MMS NAP-ADDRESS=mms.example", "APPLICATION APPID=w2 NAME=One"]' "$(pending_summary "$S")"
pb_summary
