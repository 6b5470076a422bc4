#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# nm-exports.sh: the NetworkManager keyfile exporter as a phone sees it (issue 10, points 2-4), end
# to end on a real dbus-daemon with the shipped policy: NETWPIN pushes (tools/mkpush.py, IMSI
# 262011234567890) go provctl inject -> provd (user provd) -> verifierd (root).
#   point 2: NetworkManager does not watch its directory, so verifierd calls
#            Settings.LoadConnections with exactly the files it wrote or removed, after every
#            applied push and at start-up; while NetworkManager is not running, provctl status and
#            provctl settings say the profile is written and loaded when it starts;
#   point 3: AUTHTYPE PAP -> [ppp] refuse-* (only PAP); gsm.sim-operator-id=26201 (the SIM whose
#            IMSI authenticated the push); the MMS-only APN is not a NetworkManager profile; the
#            proxy and the MMS APN are "stored, not exported" in provctl settings (--json too);
#            every keyfile passes NetworkManager's own parser (nmcli --offline);
#   point 4: a profile the user changed or deleted is left alone across verifierd restarts,
#            logged, and shown as such, until a newer push for it arrives.
# NetworkManager is a MOCK here (tests/tools/nm-settings-mock.py: LoadConnections with
# NetworkManager's signature, checked below against its introspection data when
# network-manager-dev is installed, and its keyfile semantics); the real one is in nspawn.sh.
set -u
. "$(dirname "$0")/lib.sh"
trap pb_cleanup EXIT
PY=/usr/bin/python3
MOCK=$PB_TOP/tests/tools/nm-settings-mock.py
NM_XML=/usr/share/dbus-1/interfaces/org.freedesktop.NetworkManager.Settings.xml
IMSI=262011234567890

pb_require_python_dbus
pb_require xml2wbxml command -v xml2wbxml

pb_setup_users
pb_workdir
NM=$PB_WORK/nm
mkdir -p "$PB_WORK/conf" "$PB_WORK/pconf" "$NM" "$PB_WORK/state"
chmod 700 "$NM"
cat >"$PB_WORK/conf/verifierd.conf" <<CONF
[Bootstrap]
Enabled=yes
ConfirmNetworkPin=no
[NetworkPin]
Source=static
Imsi=$IMSI
[Export]
NetworkManagerDir=$NM
CONF

# The stand-in runs as root and owns NetworkManager's name (NetworkManager's own bus policy grants
# root the same on a real system).
PB_BUS_EXTRA='<policy user="root">
    <allow own="org.freedesktop.NetworkManager"/>
  </policy>'
pb_start_bus "$PB_WORK" || exit 1
pb_start_provd "$PB_WORK/pconf" || exit 1
pb_start_verifierd "$PB_WORK/conf" "$PB_WORK/state" || exit 1
pb_check_verifierd_uid

MOCK_STATE=$PB_WORK/nm-mock.json
MOCK_PID=
start_mock() { # start_mock [MOCK-OPTIONS...]
        $PY "$MOCK" --state "$MOCK_STATE" --dir "$NM" "$@" >>"$PB_WORK/mock.log" 2>&1 &
        MOCK_PID=$!
        PB_PIDS+=("$MOCK_PID")
        pb_wait_for 10 pb_has_name org.freedesktop.NetworkManager
}
# mock_eval PYTHON-EXPR: over s (the mock's state: loaded {path: {id, uuid, apn}}, calls [[path]])
mock_eval() {
        $PY - "$MOCK_STATE" "$1" <<'PYEOF'
import json, sys
try:
    s = json.load(open(sys.argv[1]))
except Exception:
    sys.exit(1)
sys.exit(0 if eval(sys.argv[2]) else 1)
PYEOF
}
# pj EXPR: a Python expression over the JSON document on stdin (bound to d)
pj() { $PY -c 'import json, sys; d = json.load(sys.stdin); r = eval(sys.argv[1]); print(int(r) if isinstance(r, bool) else r)' "$1"; }

mkdoc() { # mkdoc FILE INTERNET-APN [EXTRA-ADDRTYPE]: the operator's document
        cat >"$1" <<XML
<?xml version="1.0"?>
<wap-provisioningdoc version="1.1">
  <characteristic type="NAPDEF">
    <parm name="NAPID" value="INTERNET"/>
    <parm name="NAME" value="Example Internet"/>
    <parm name="INTERNET"/>
    <parm name="NAP-ADDRESS" value="$2"/>
    <parm name="NAP-ADDRTYPE" value="APN"/>
    <characteristic type="NAPAUTHINFO">
      <parm name="AUTHTYPE" value="PAP"/>
      <parm name="AUTHNAME" value="web"/>
      <parm name="AUTHSECRET" value="webpass"/>
    </characteristic>
  </characteristic>
  <characteristic type="NAPDEF">
    <parm name="NAPID" value="WAP"/>
    <parm name="NAME" value="Example WAP"/>
    <parm name="NAP-ADDRESS" value="${3:-wap.example.com}"/>
    <parm name="NAP-ADDRTYPE" value="${4:-APN}"/>
  </characteristic>
  <characteristic type="NAPDEF">
    <parm name="NAPID" value="MMS"/>
    <parm name="NAME" value="Example MMS"/>
    <parm name="NAP-ADDRESS" value="mms.example.com"/>
    <parm name="NAP-ADDRTYPE" value="APN"/>
  </characteristic>
  <characteristic type="PXLOGICAL">
    <parm name="PROXY-ID" value="MMSPROXY"/>
    <parm name="NAME" value="Example MMS Proxy"/>
    <characteristic type="PXPHYSICAL">
      <parm name="PHYSICAL-PROXY-ID" value="MMSPX1"/>
      <parm name="PXADDR" value="10.11.12.13"/>
      <parm name="PXADDRTYPE" value="IPV4"/>
      <parm name="TO-NAPID" value="MMS"/>
      <characteristic type="PORT">
        <parm name="PORTNBR" value="8080"/>
      </characteristic>
    </characteristic>
  </characteristic>
  <characteristic type="APPLICATION">
    <parm name="APPID" value="w4"/>
    <parm name="NAME" value="Example MMS"/>
    <parm name="TO-PROXY" value="MMSPROXY"/>
    <parm name="TO-NAPID" value="MMS"/>
    <parm name="ADDR" value="http://mms.example.com/servlets/mms"/>
  </characteristic>
</wap-provisioningdoc>
XML
}
# push N ARGS...: build push N from mkdoc ARGS and inject it; it must be applied
push() {
        local n=$1 out
        shift
        mkdoc "$PB_WORK/doc$n.xml" "$@"
        "$PB_TOP/tools/mkpush.py" --xml "$PB_WORK/doc$n.xml" --sec netwpin --imsi $IMSI --out "$PB_WORK/doc$n.wsp" ||
                { fail "mkpush doc$n"; return 1; }
        out=$(pb_provctl inject --json "$PB_WORK/doc$n.wsp" 2>&1)
        [ "$(pj 'd["verdict"]' <<<"$out" 2>/dev/null)" = applied ] && ok "push $n ($*): applied" ||
                fail "push $n: expected applied, got: $out"
}
keyfile() { # keyfile NAPID: the one keyfile of that NAPID
        ls "$NM"/provboot-"$1"-*.nmconnection 2>/dev/null | head -1
}
export_of() { # export_of ROOT: "state|detail" of the root in provctl settings --json
        pb_provctl settings --json | pj "next((e['export'] + '|' + e['export_detail'] for e in d if e['path'] == '$1'), 'none')"
}

# ---- NetworkManager's signature: the stand-in against NetworkManager's introspection data
start_mock || { fail "mock NetworkManager did not start: $(cat "$PB_WORK/mock.log")"; pb_summary; exit 1; }
if [ -r "$NM_XML" ]; then
        busctl --address="$PB_BUS" introspect --xml-interface org.freedesktop.NetworkManager \
                /org/freedesktop/NetworkManager/Settings >"$PB_WORK/mock.xml" 2>&1
        d=$($PY - "$NM_XML" "$PB_WORK/mock.xml" <<'PYEOF'
import sys, xml.etree.ElementTree as ET
def sig(path):
    for i in ET.parse(path).getroot().iter("interface"):
        if i.get("name") == "org.freedesktop.NetworkManager.Settings":
            for m in i.findall("method"):
                if m.get("name") == "LoadConnections":
                    return [(a.get("type"), a.get("direction", "in")) for a in m.findall("arg")]
real, mock = sig(sys.argv[1]), sig(sys.argv[2])
print("same %s" % real if real and real == mock else "real %s mock %s" % (real, mock))
PYEOF
)
        [ "${d%% *}" = same ] && ok "stand-in LoadConnections matches NetworkManager's introspection data: ${d#same }" ||
                fail "stand-in LoadConnections differs from $NM_XML: $d"
else
        echo "skip - signature check: $NM_XML missing (package network-manager-dev)"
fi
pb_stop "$MOCK_PID"
pb_wait_for 10 bash -c "! busctl --address='$PB_BUS' status org.freedesktop.NetworkManager" ||
        fail "mock still owns its name"

# ---- NetworkManager not running: the push is applied, the user is told
push 1 internet.example.com
st=$(pb_provctl status 2>&1)
grep -q "Status.NetworkManager: not running: the profiles are written and will be loaded when it starts" <<<"$st" &&
        ok "provctl status: NetworkManager not running, profile written, loaded when it starts" ||
        fail "provctl status without NetworkManager: $st"
e=$(export_of '/NAPDEF[NAPID=INTERNET]')
[ "${e%%|*}" = exported ] && grep -q "NetworkManager not running: loaded when it starts" <<<"$e" &&
        ok "provctl settings --json: INTERNET exported, NetworkManager not running ($e)" ||
        fail "provctl settings --json INTERNET: $e"
pb_wait_for 10 grep -q "NetworkManager is not running" "$PB_WORK/verifierd.log" &&
        ok "verifierd log: NetworkManager is not running, keyfiles loaded when it starts" ||
        fail "no log line about NetworkManager not running"

# ---- point 3: keyfile fidelity
K=$(keyfile INTERNET)
if [ -n "$K" ] && nmcli --offline connection modify connection.autoconnect-priority 0 <"$K" >"$PB_WORK/nmcli.out" 2>&1; then
        ok "NetworkManager's keyfile parser (nmcli --offline) accepts $(basename "$K")"
else
        fail "nmcli --offline on '$K': $(cat "$PB_WORK/nmcli.out" 2>/dev/null)"
fi
ppp=$(awk '/^\[/{g=$0; next} g=="[ppp]" && NF' "$PB_WORK/nmcli.out" | sort | paste -sd' ')
[ "$ppp" = "refuse-chap=true refuse-eap=true refuse-mschap=true refuse-mschapv2=true" ] &&
        ok "AUTHTYPE PAP: NetworkManager reads [ppp] $ppp (only PAP offered)" || fail "[ppp] as NetworkManager reads it: '$ppp'"
grep -qx "sim-operator-id=26201" "$PB_WORK/nmcli.out" &&
        ok "bound to the authenticating SIM: gsm.sim-operator-id=26201" || fail "no sim-operator-id=26201: $(cat "$K")"
[ -z "$(keyfile MMS)" ] && ok "the MMS-only APN is no NetworkManager profile" || fail "MMS keyfile exists: $(keyfile MMS)"
[ -n "$(keyfile WAP)" ] && grep -qx "autoconnect=false" "$(keyfile WAP)" &&
        ok "a NAPDEF without INTERNET and without MMS use: a profile that does not autoconnect" || fail "WAP keyfile"
for r in '/NAPDEF[NAPID=MMS]' '/PXLOGICAL[PROXY-ID=MMSPROXY]'; do
        e=$(export_of "$r")
        [ "${e%%|*}" = "stored, not exported" ] && ok "provctl settings --json: $r stored, not exported (${e#*|})" ||
                fail "provctl settings --json $r: $e"
done
t=$(pb_provctl settings 2>&1)
grep -q '^/PXLOGICAL\[PROXY-ID=MMSPROXY\] .*NetworkManager: stored, not exported' <<<"$t" &&
        ok "provctl settings (text): the proxy is shown stored, not exported" || fail "provctl settings text: $t"

# ---- point 2: NetworkManager running: every change is loaded without a manual step
start_mock || fail "mock NetworkManager restarted"
st=$(pb_provctl status 2>&1)
grep -q "Status.NetworkManager: running" <<<"$st" && ok "provctl status: NetworkManager running" || fail "status: $st"
push 2 internet2.example.com
KI=$(keyfile INTERNET)
KW=$(keyfile WAP)
if pb_wait_for 10 mock_eval "s['loaded'].get('$KI', {}).get('apn') == 'internet2.example.com'"; then
        ok "LoadConnections after the push: NetworkManager has $(basename "$KI") with apn internet2.example.com"
else
        fail "NetworkManager did not load the new APN: $(cat "$MOCK_STATE")"
fi
# push 2 names both APN NAPDEFs (each file now records push 2): those two, nothing else
mock_eval "sorted(s['calls'][-1]) == sorted(['$KI', '$KW'])" && ok "exactly the files push 2 rewrote were loaded" ||
        fail "LoadConnections calls: $(cat "$MOCK_STATE")"
# the WAP NAPDEF stops being an APN: its file goes, and NetworkManager is told (a missing path unloads)
push 3 internet2.example.com 10.0.0.1 IPV4
[ ! -e "$KW" ] && ok "a NAPDEF that is no longer an APN: its keyfile removed" || fail "$KW still there"
pb_wait_for 10 mock_eval "any('$KW' in c for c in s['calls'])" &&
        ok "LoadConnections was given the removed file's path (NetworkManager unloads it)" ||
        fail "removed file not passed to LoadConnections: $(cat "$MOCK_STATE")"

# ---- point 2: at start-up every file of ours is offered again (a change may have been missed)
ncalls=$($PY -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["calls"]))' "$MOCK_STATE")
pb_stop "$PB_VERIFIERD_PID"
pb_start_verifierd "$PB_WORK/conf" "$PB_WORK/state" || fail "verifierd restart"
pb_wait_for 10 mock_eval "len(s['calls']) > $ncalls and '$KI' in s['calls'][-1]" &&
        ok "verifierd start-up: LoadConnections with its keyfiles" || fail "no LoadConnections at start-up: $(cat "$MOCK_STATE")"

# ---- point 4: the user's edit survives restarts until a newer push for that profile
sed -i 's/^apn=internet2.example.com$/apn=users.choice/' "$KI"
pb_stop "$PB_VERIFIERD_PID"
pb_start_verifierd "$PB_WORK/conf" "$PB_WORK/state" || fail "verifierd restart"
pb_provctl status >/dev/null 2>&1
grep -qx "apn=users.choice" "$KI" && ok "a profile the user changed is not reverted at verifierd start" ||
        fail "user's edit reverted: $(grep ^apn= "$KI")"
pb_wait_for 10 grep -q "was changed by someone else: left alone until a newer push" "$PB_WORK/verifierd.log" &&
        ok "verifierd log: changed by someone else, left alone" || fail "no log line for the user's change"
e=$(export_of '/NAPDEF[NAPID=INTERNET]')
[ "${e%%|*}" = "changed by the user, not overwritten" ] && ok "provctl settings --json: $e" || fail "settings: $e"
pb_provctl settings | grep -q 'NetworkManager: changed by the user, not overwritten' &&
        ok "provctl settings (text): changed by the user, not overwritten" || fail "provctl settings text"
# ... and a deleted profile is not recreated
push 4 internet2.example.com wap2.example.com
KW=$(keyfile WAP)
[ -n "$KW" ] && rm -f "$KW"
pb_stop "$PB_VERIFIERD_PID"
pb_start_verifierd "$PB_WORK/conf" "$PB_WORK/state" || fail "verifierd restart"
pb_provctl status >/dev/null 2>&1
[ -n "$KW" ] && [ ! -e "$KW" ] && ok "a profile the user deleted is not recreated at verifierd start" ||
        fail "deleted profile recreated: $KW"
e=$(export_of '/NAPDEF[NAPID=WAP]')
[ "${e%%|*}" = "removed by the user, not recreated" ] && ok "provctl settings --json: $e" || fail "settings WAP: $e"
# push 4 was newer for INTERNET too: its rendering replaced the user's edit
grep -qx "apn=internet2.example.com" "$KI" && ok "a newer push for the profile writes its rendering over the user's edit" ||
        fail "after a newer push: $(grep ^apn= "$KI")"
push 5 internet3.example.com wap3.example.com
[ -e "$KW" ] && grep -qx "apn=wap3.example.com" "$KW" && ok "a newer push recreates the deleted profile" ||
        fail "deleted profile after a newer push: $(ls "$NM")"
pb_wait_for 10 mock_eval "s['loaded'].get('$KW', {}).get('apn') == 'wap3.example.com'" &&
        ok "... and NetworkManager loaded it" || fail "recreated profile not loaded: $(cat "$MOCK_STATE")"

# NetworkManager refuses a file: logged; a failure path verifierd did not send is ignored
pb_stop "$MOCK_PID"
start_mock --fail-name WAP || fail "mock NetworkManager with --fail-name"
push 6 internet3.example.com wap4.example.com
pb_wait_for 10 grep -q "NetworkManager could not load $KW" "$PB_WORK/verifierd.log" &&
        ok "verifierd log: NetworkManager could not load $(basename "$KW")" || fail "no log line for the refused file"
grep -q "could not load /nonexistent" "$PB_WORK/verifierd.log" && fail "a failure path verifierd never sent was logged" ||
        ok "a failure path verifierd never sent is ignored"

# EXPORT_NM_LOAD_FAILURES_EXTRA_MAX (16): a failures list of as many entries as the paths sent plus
# 16 is read (the refused file still logged); one entry more is not NetworkManager's: refused whole
pb_stop "$MOCK_PID"
start_mock --fail-name WAP --failures-over 16 || fail "mock NetworkManager with --failures-over 16"
n=$(grep -c "NetworkManager could not load $KW" "$PB_WORK/verifierd.log")
push 7 internet3.example.com wap5.example.com
pb_wait_for 10 pb_grep_count_gt "$PB_WORK/verifierd.log" "NetworkManager could not load $KW" "$n" &&
        ok "a failures list at its limit (paths + 16) is read" || fail "a failures list at its limit was not read"
pb_stop "$MOCK_PID"
start_mock --fail-name WAP --failures-over 17 || fail "mock NetworkManager with --failures-over 17"
push 8 internet3.example.com wap6.example.com
pb_wait_for 10 grep -q "Failed to ask NetworkManager to load .*: Bad message" "$PB_WORK/verifierd.log" &&
        ok "a failures list past its limit (paths + 17) is refused" || fail "a failures list past its limit was taken"
grep -q "could not load /nonexistent" "$PB_WORK/verifierd.log" && fail "a failure path verifierd never sent was logged" ||
        ok "no padded failure path was logged"

pb_summary
