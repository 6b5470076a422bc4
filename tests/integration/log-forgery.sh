#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# log-forgery.sh: issue 9, finding 9. A newline in an APPID value put a forged
# "<2>... verdict applied" line into verifierd's log and the history text. On a real dbus-daemon
# with the shipped policy, verifierd and the real provd, pushes whose element names and values
# carry "\n<2>push 999: verdict applied" go through every path that logs or stores push-derived
# text, and afterwards:
#   - verifierd's and provd's logs (stderr, "<N>" lines as journald parses them) have no line
#     starting with the forged text, and each verdict is one line;
#   - the history (GetHistory's denied text, `provctl history`) shows the values escaped, one
#     element per line;
#   - ListPending and the agent's prompts show them escaped, one element per line (provd's
#     summary and verifierd's own);
#   - a sender with a control character is refused (InvalidArgs), not stored.
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
FORGE='&#10;&lt;2&gt;push 999: verdict applied, sec NETWPIN, roles 4 (OPERATOR)'

pb_start_bus "$W" || exit 1
pb_start_verifierd "$W" "$W/state" || exit 1
pb_start_provd "$W/pconf" || exit 1
pb_start_agent "$W/agent.log" || fail "test agent registered"

# 1. NETWPIN (authenticated), an APPLICATION whose APPID and a characteristic whose type carry the
#    forged line: refused with a denied list naming them
pb_doc_xml "$W/appid.xml" "<characteristic type=\"APPLICATION\"><parm name=\"APPID\" value=\"w2$FORGE\"/><parm name=\"NAME\" value=\"x\"/></characteristic><characteristic type=\"X$FORGE\"/>"
out=$(pb_as_provd submit --body "$W/appid.xml" --sec 0 --netwpin "$PB_IMSI")
[ "$(pb_field 3 "$out")" = rejected ] && ok "NETWPIN push with the forged APPID: $(pb_field 3 "$out") $(pb_field 4 "$out")" ||
        fail "NETWPIN push with the forged APPID: $out"
id1=$(pb_field 2 "$out")

# 2. through the real provd (provctl inject): a USERPIN push with the forged value, waiting for its
#    PIN (provd's summary), then the right PIN (verifierd's decoding and denied list)
pb_doc_xml "$W/boot.xml" "<characteristic type=\"BOOTSTRAP\"><parm name=\"NAME\" value=\"boot$FORGE\"/></characteristic><characteristic type=\"APPLICATION\"><parm name=\"APPID\" value=\"w2$FORGE\"/></characteristic>"
"$PB_TOP/tools/mkpush.py" --xml "$W/boot.xml" --format xml --sec userpin --pin 1234 --out "$W/boot.wsp" >/dev/null
out=$(pb_provctl inject --json "$W/boot.wsp" 2>&1)
pb_expect "USERPIN push via provd waits for its PIN" "pending needs-pin" "$(pb_json_field "$out" verdict) $(pb_json_field "$out" reason)"
id2=$(pb_json_field "$out" id)
pb_wait_for 10 grep -q "\"id\": $id2" "$W/agent.log" || fail "the agent was asked for push $id2"
out=$(pb_vc pin "$id2" 1234)
[ "$(pb_field 2 "$out")" = rejected ] && ok "the right PIN: $out" || fail "PIN for push $id2: $out"

# 3. NETWPIN waiting for confirmation: the agent sees verifierd's own summary
pb_doc_xml "$W/nap.xml" "<characteristic type=\"APPLICATION\"><parm name=\"APPID\" value=\"w2\"/><parm name=\"NAME\" value=\"Op$FORGE\"/></characteristic>"
out=$(pb_as_provd submit --body "$W/nap.xml" --sec 0 --netwpin "$PB_IMSI")
pb_expect "NETWPIN bookmark waits for confirmation" "pending needs-confirmation" "$(pb_field 3 "$out") $(pb_field 4 "$out")"
id3=$(pb_field 2 "$out")
pb_wait_for 10 grep -q "\"id\": $id3" "$W/agent.log" || fail "the agent was asked for push $id3"

# 4. a sender with a newline: refused before anything is stored
out=$(pb_as_provd submit --body "$W/nap.xml" --sec 0 --netwpin "$PB_IMSI" --sender "$(printf '+49\n<2>push 998: verdict applied')")
pb_expect "a sender with a control character is a protocol violation" "error org.freedesktop.DBus.Error.InvalidArgs" "$out"

# ---- the logs -----------------------------------------------------------------------------------
pb_wait_for 10 grep -q "push $id1: verdict" "$W/verifierd.log"
forged=$(grep -a -c -E '^<[0-7]>push 99[89]|^push 99[89]' "$W/verifierd.log" "$W/provd.log" | awk -F: '{ s += $2 } END { print s + 0 }')
pb_expect "no forged line in verifierd's or provd's log" 0 "$forged"
line=$(grep -a "push $id1: verdict" "$W/verifierd.log")
case "$line" in
*"denied: '"*"%0A<2>push%20999"*) ok "the verdict line shows the value escaped: ${line:0:170}..." ;;
*) fail "the verdict line of push $id1: $line" ;;
esac
bad=$(grep -a -v -c -E '^<[0-7]>' "$W/verifierd.log")
pb_expect "every line of verifierd's log carries its own priority prefix" 0 "$bad"

# ---- the history, ListPending, the agent --------------------------------------------------------
pb_python_checks "$(pb_vc history)" "$(pb_vc pending)" "$W/agent.log" "$id1" "$id2" "$id3" <<'PY'
import json, sys
hist = {h["id"]: h for h in json.loads(sys.argv[1])}
pend = {p["id"]: p for p in json.loads(sys.argv[2])}
agent = [json.loads(l) for l in open(sys.argv[3])]
id1, id2, id3 = (int(x) for x in sys.argv[4:7])
def check(c, m): print(("PASS " if c else "FAIL ") + m)
def clean(s): return all(0x20 <= ord(ch) != 0x7f for ch in s)
for i in (id1, id2):
    d = hist[i]["denied"]
    check(d and all(clean(l) and not l.startswith("<2>") for l in d.split("\n")),
          "push %d: GetHistory denied is one printable line per element: %r" % (i, d[:200]))
    check("push 999" not in d, "push %d: the forged value is never shown as it came (element paths percent-encode)" % i)
lines = [l for a in agent for l in a["summary"]] + [l for p in pend.values() for l in p["summary"]]
check(lines and all(clean(l) for l in lines), "%d summary lines (agent, ListPending): each one printable line" % len(lines))
check(not any(l.lstrip().startswith("<2>") for l in lines), "no summary line starts with the forged text")
p2 = [a for a in agent if a["id"] == id2]
check(p2 and all(l.startswith("(unverified) ") for l in p2[0]["summary"]) and any("\\x0a<2>" in l for l in p2[0]["summary"]),
      "RequestPin: provd's lines, labelled, the value escaped: %r" % (p2[0]["summary"] if p2 else None))
p3 = [a for a in agent if a["id"] == id3]
check(p3 and p3[0]["summary"][0].startswith("APPLICATION APPID=w2 NAME=Op\\x0a<2>push 999"),
      "RequestConfirmation: verifierd's own line, the value escaped: %r" % (p3[0]["summary"] if p3 else None))
PY
out=$(pb_provctl history 2>&1)
n=$(grep -c -E '^<[0-7]>|^ *<2>push' <<<"$out")
pb_expect "provctl history prints no forged line" 0 "$n"
pb_summary
