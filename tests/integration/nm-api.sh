#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# nm-api.sh: the NetworkManager profiles through NetworkManager's settings D-Bus API (issue 14,
# verifierd/export-nm-api.h), end to end on a real dbus-daemon with the shipped policy: NETWPIN
# pushes go provctl inject -> provd (user provd) -> verifierd (user provboot-verifier, no
# capabilities, as verifierd.service runs it), with no [Export] NetworkManagerDir= set.
#   - while NetworkManager owns its name, a push adds its profiles with AddConnection2 (flag
#     to-disk), with the keyfile's values and the owner marker; nothing is written by
#     provboot-nm-writer; a reload reads every profile back (GetSettings + GetSecrets) and finds it
#     as it was set (no write); a newer push updates it with Update2 (to-disk);
#   - a profile the user changed is left alone at the next reload, one the user deleted is not
#     recreated, until a newer push for it arrives; a connection of someone else with the UUID of
#     a profile of ours is never touched ("not written");
#   - ListConnections is read up to EXPORT_NM_API_CONNECTIONS_MAX entries, one more is refused;
#   - NetworkManager gone: the next push is a keyfile again, written by provboot-nm-writer.
# NetworkManager is a MOCK here (tests/tools/nm-api-mock.py: the methods verifierd calls, with
# NetworkManager's signatures, checked below against its introspection data when
# network-manager-dev is installed); the real one is in nspawn.sh, with polkit.
set -u
. "$(dirname "$0")/lib.sh"
trap pb_cleanup EXIT
PY=/usr/bin/python3
MOCK=$PB_TOP/tests/tools/nm-api-mock.py
XML_DIR=/usr/share/dbus-1/interfaces
IMSI=262011234567890
CONNECTIONS_MAX=$(sed -n 's/^#define EXPORT_NM_API_CONNECTIONS_MAX \([0-9]*\)U.*/\1/p' "$PB_TOP/verifierd/export-nm-api.h")

pb_require_python_dbus
pb_require xml2wbxml command -v xml2wbxml

pb_setup_users
pb_workdir
mkdir -p "$PB_WORK/conf" "$PB_WORK/pconf" "$PB_WORK/state"
# No NetworkManagerDir=: NetworkManager's settings API while it runs. The writer lib.sh starts
# for the unprivileged verifierd gets $PB_WORK/nm-unused (the fallback's directory here).
cat >"$PB_WORK/conf/verifierd.conf" <<CONF
[Bootstrap]
Enabled=yes
ConfirmNetworkPin=no
[NetworkPin]
Source=static
Imsi=$IMSI
CONF
KEYDIR=$PB_WORK/nm-unused

PB_BUS_EXTRA='<policy user="root">
    <allow own="org.freedesktop.NetworkManager"/>
  </policy>'
pb_start_bus "$PB_WORK" || exit 1
pb_start_provd "$PB_WORK/pconf" || exit 1

STATE=$PB_WORK/nm-api-mock.json
MOCK_PID=
start_mock() {
        $PY "$MOCK" --state "$STATE" >>"$PB_WORK/mock.log" 2>&1 &
        MOCK_PID=$!
        PB_PIDS+=("$MOCK_PID")
        pb_wait_for 10 pb_has_name org.freedesktop.NetworkManager
}
# ms EXPR: a Python expression over s (the mock's state) and c (its connections by NAPID, from
# the name verifierd gave each); prints its value
ms() {
        $PY - "$STATE" "$1" <<'PYEOF'
import json, re, sys
s = json.load(open(sys.argv[1]))
c = {}
for u, v in s["connections"].items():
    m = re.fullmatch(r"provboot-(.*)-[0-9a-f]{12}\.nmconnection", v["name"])
    if m:
        c[m.group(1)] = dict(v, uuid=u)
r = eval(sys.argv[2])
print(int(r) if isinstance(r, bool) else r)
PYEOF
}
ncalls() { ms "len([x for x in s['calls'] if x[0] in ('$1',)])"; }
mock_call() { # mock_call METHOD SIGNATURE ARGS...: the test-only interface, as root
        busctl --address="$PB_BUS" call org.freedesktop.NetworkManager /org/freedesktop/NetworkManager/Settings \
                org.provboot.test.NmMock "$@"
}
pj() { $PY -c 'import json, sys; d = json.load(sys.stdin); r = eval(sys.argv[1]); print(int(r) if isinstance(r, bool) else r)' "$1"; }
export_of() { # export_of NAPID: "state|detail" in provctl settings --json
        pb_provctl settings --json | pj "next((e['export'] + '|' + e['export_detail'] for e in d if e['path'] == '/NAPDEF[NAPID=$1]'), 'none')"
}
nreloads() { grep -c "Configuration reloaded" "$PB_WORK/verifierd.log"; }
# The runs through the settings API are made off verifierd's event loop (export-nm-worker.h):
# the state reads pending from the apply (or the reload's handler) until the run returned and its
# result is logged. settled: no run out.
settled() { ! pb_provctl status 2>&1 | grep -q "NetworkManager: running; asked to load changed profiles, no answer yet"; }
settle() { pb_wait_for 20 settled || fail "a settings API run is still out"; }
reload() { # SIGHUP and wait for it: the full rebuild starts in the same handler, after the log line
        local n
        n=$(nreloads)
        kill -HUP "$PB_VERIFIERD_PID"
        pb_wait_for 20 pb_grep_count_gt "$PB_WORK/verifierd.log" "Configuration reloaded" "$n" ||
                fail "verifierd did not log the reload"
        # one bus call: answered after the handler (and its run's start) returned; then the run
        settle
}
mkdoc() { # mkdoc FILE NAPID NAME APN [INTERNET]
        local inet=
        [ -n "${5:-}" ] && inet='<parm name="INTERNET"/>'
        cat >"$1" <<XML
<?xml version="1.0"?>
<wap-provisioningdoc version="1.1">
  <characteristic type="NAPDEF">
    <parm name="NAPID" value="$2"/>
    <parm name="NAME" value="$3"/>
    $inet
    <parm name="NAP-ADDRESS" value="$4"/>
    <parm name="NAP-ADDRTYPE" value="APN"/>
    <characteristic type="NAPAUTHINFO">
      <parm name="AUTHTYPE" value="PAP"/>
      <parm name="AUTHNAME" value="web"/>
      <parm name="AUTHSECRET" value="webpass"/>
    </characteristic>
  </characteristic>
</wap-provisioningdoc>
XML
}
N=0
push() { # push NAPID NAME APN [INTERNET]: it must be applied
        local out
        N=$((N + 1))
        mkdoc "$PB_WORK/doc$N.xml" "$@"
        "$PB_TOP/tools/mkpush.py" --xml "$PB_WORK/doc$N.xml" --sec netwpin --imsi $IMSI --out "$PB_WORK/doc$N.wsp" ||
                { fail "mkpush doc$N"; return 1; }
        out=$(pb_provctl inject --json "$PB_WORK/doc$N.wsp" 2>&1)
        [ "$(pj 'd["verdict"]' <<<"$out" 2>/dev/null)" = applied ] && ok "push $N ($1 $3): applied" ||
                fail "push $N: expected applied, got: $out"
        [ -n "${NOSETTLE:-}" ] || settle
}

# ---- the stand-in against NetworkManager's introspection data: every method it has on the two
# interfaces, argument by argument
start_mock || { fail "mock NetworkManager did not start: $(cat "$PB_WORK/mock.log")"; pb_summary; exit 1; }
mock_call AddForeign ss 00000000-0000-8000-8000-000000000000 probe >/dev/null || fail "mock AddForeign"
PROBE=$(ms "s['connections']['00000000-0000-8000-8000-000000000000']['path']")
if [ -r "$XML_DIR/org.freedesktop.NetworkManager.Settings.xml" ] &&
        [ -r "$XML_DIR/org.freedesktop.NetworkManager.Settings.Connection.xml" ]; then
        busctl --address="$PB_BUS" introspect --xml-interface org.freedesktop.NetworkManager \
                /org/freedesktop/NetworkManager/Settings >"$PB_WORK/mock-settings.xml" 2>&1
        busctl --address="$PB_BUS" introspect --xml-interface org.freedesktop.NetworkManager "$PROBE" \
                >"$PB_WORK/mock-connection.xml" 2>&1
        d=$($PY - "$XML_DIR" "$PB_WORK/mock-settings.xml" "$PB_WORK/mock-connection.xml" <<'PYEOF'
import sys, xml.etree.ElementTree as ET
def methods(path, iface):
    for i in ET.parse(path).getroot().iter("interface"):
        if i.get("name") == iface:
            return {m.get("name"): [(a.get("type"), a.get("direction", "in")) for a in m.findall("arg")]
                    for m in i.findall("method")}
    return {}
out, bad = [], []
for iface, mock in (("org.freedesktop.NetworkManager.Settings", sys.argv[2]),
                    ("org.freedesktop.NetworkManager.Settings.Connection", sys.argv[3])):
    real = methods("%s/%s.xml" % (sys.argv[1], iface), iface)
    have = methods(mock, iface)
    for name, args in sorted(have.items()):
        (out if real.get(name) == args else bad).append("%s.%s" % (iface.rsplit(".", 1)[-1], name))
print("same " + " ".join(out) if out and not bad else "differ " + " ".join(bad))
PYEOF
)
        [ "${d%% *}" = same ] && ok "stand-in methods match NetworkManager's introspection data: ${d#same }" ||
                fail "stand-in differs from NetworkManager's introspection data: $d"
        for m in ListConnections GetConnectionByUuid AddConnection2 GetSettings GetSecrets Update2 Delete; do
                grep -qw "$m" <<<"$d" || fail "stand-in lacks $m"
        done
else
        echo "skip - signature check: $XML_DIR/org.freedesktop.NetworkManager.Settings*.xml missing (network-manager-dev)"
fi
mock_call UserDelete s 00000000-0000-8000-8000-000000000000 >/dev/null

pb_verifierd_unprivileged
pb_start_verifierd "$PB_WORK/conf" "$PB_WORK/state" || exit 1
pb_check_verifierd_uid
pb_wait_for 10 grep -q "NetworkManager profiles: added, updated and deleted through its settings API" "$PB_WORK/verifierd.log" &&
        ok "verifierd log: the profiles go through NetworkManager's settings API" || fail "no log line for the settings API"

# ---- a push adds the profiles, to disk, with the keyfile's values and our marker
push INTERNET "Example Internet" internet.example.com yes
push WAP "Example WAP" wap.example.com
[ "$(ms "(c['INTERNET']['apn'], c['INTERNET']['id'], c['INTERNET']['owner'], c['INTERNET']['password'], c['WAP']['apn'])")" = \
        "('internet.example.com', 'Example Internet', 'verifierd', True, 'wap.example.com')" ] &&
        ok "AddConnection2: INTERNET and WAP with their APN, name, our owner marker and the password" ||
        fail "the mock's connections: $(ms "c")"
[ "$(ms "sorted(set(x[2] for x in s['calls'] if x[0] == 'AddConnection2'))")" = "[1]" ] &&
        ok "every AddConnection2 with flags to-disk (0x1)" || fail "AddConnection2 flags: $(ms "s['calls']")"
[ -z "$(ls -A "$KEYDIR" 2>/dev/null)" ] && ok "provboot-nm-writer wrote nothing (its directory is empty)" ||
        fail "keyfiles written although NetworkManager runs: $(ls "$KEYDIR")"
grep -q "NetworkManager asked to load" "$PB_WORK/verifierd.log" && fail "LoadConnections called on the API path" ||
        ok "no LoadConnections on the API path"
e=$(export_of INTERNET)
[ "${e%%|*}" = exported ] && ok "provctl settings: INTERNET exported ($e)" || fail "provctl settings INTERNET: $e"

# ---- a reload reads every profile back and writes nothing
a=$(ncalls AddConnection2); u=$(ncalls Update2); g=$(ncalls GetSecrets)
reload
[ "$(ncalls AddConnection2) $(ncalls Update2)" = "$a $u" ] && [ "$(ncalls GetSecrets)" -gt "$g" ] &&
        ok "reload: the profiles read back (GetSettings, GetSecrets) as they were set: nothing written" ||
        fail "reload wrote: AddConnection2 $a -> $(ncalls AddConnection2), Update2 $u -> $(ncalls Update2), GetSecrets $g -> $(ncalls GetSecrets)"
e=$(export_of INTERNET)
[ "${e%%|*}" = exported ] && ok "still exported after the reload" || fail "after reload: $e"

# ---- a newer push updates
p=$(ms "c['INTERNET']['path']")
push INTERNET "Example Internet" internet2.example.com yes
[ "$(ms "(c['INTERNET']['apn'], c['INTERNET']['path'], [x[2] for x in s['calls'] if x[0] == 'Update2'][-1:])")" = \
        "('internet2.example.com', '$p', [1])" ] && ok "Update2 (to-disk) on the same connection: internet2.example.com" ||
        fail "after the update: $(ms "c['INTERNET']")"

# ---- the user's edit and deletion are left alone
IU=$(ms "c['INTERNET']['uuid']"); WU=$(ms "c['WAP']['uuid']")
mock_call UserSetApn ss "$IU" users.choice >/dev/null || fail "mock UserSetApn"
mock_call UserDelete s "$WU" >/dev/null || fail "mock UserDelete"
a=$(ncalls AddConnection2); u=$(ncalls Update2)
reload
[ "$(ms "c['INTERNET']['apn']")" = users.choice ] && [ "$(ms "'WAP' in c")" = 0 ] &&
        [ "$(ncalls AddConnection2) $(ncalls Update2)" = "$a $u" ] &&
        ok "reload: the user's APN stays, the deleted WAP is not recreated, nothing written" ||
        fail "after the user's changes: $(ms "c"), writes $a/$u -> $(ncalls AddConnection2)/$(ncalls Update2)"
e=$(export_of INTERNET)
[ "${e%%|*}" = "changed by the user, not overwritten" ] && ok "provctl settings: INTERNET changed by the user" ||
        fail "INTERNET: $e"
e=$(export_of WAP)
[ "${e%%|*}" = "removed by the user, not recreated" ] && ok "provctl settings: WAP removed by the user" || fail "WAP: $e"
grep -q "provboot-INTERNET-.*was changed by someone else: left alone" "$PB_WORK/verifierd.log" &&
        grep -q "provboot-WAP-.*was removed by someone else: not recreated" "$PB_WORK/verifierd.log" &&
        ok "verifierd log: both noticed once" || fail "no log lines for the user's changes"
# a newer push for each wins (the user accepted it)
push INTERNET "Example Internet" internet3.example.com yes
push WAP "Example WAP" wap3.example.com
[ "$(ms "(c['INTERNET']['apn'], c['WAP']['apn'])")" = "('internet3.example.com', 'wap3.example.com')" ] &&
        ok "newer pushes: INTERNET updated over the user's edit, WAP added again" || fail "after newer pushes: $(ms "c")"

# ---- someone else's connection with the UUID of a profile of ours: never touched
FU=$($PY -c '
import hashlib
u = bytearray(hashlib.sha256(b"provboot-nm-uuid:/NAPDEF[NAPID=FOREIGN]").digest()[:16])
u[6] = (u[6] & 0x0F) | 0x80
u[8] = (u[8] & 0x3F) | 0x80
h = u.hex()
print("%s-%s-%s-%s-%s" % (h[:8], h[8:12], h[12:16], h[16:20], h[20:]))')
mock_call AddForeign ss "$FU" "Someone else's" >/dev/null || fail "mock AddForeign"
u=$(ncalls Update2)
push FOREIGN "Ours" foreign2.example.com
[ "$(ms "(s['connections']['$FU']['apn'], s['connections']['$FU']['id'], s['connections']['$FU']['owner'])")" = \
        "('foreign.example', \"Someone else's\", '')" ] && [ "$(ncalls Update2)" = "$u" ] &&
        ok "a connection without our marker that has our UUID is not updated" || fail "foreign: $(ms "s['connections']['$FU']")"
e=$(export_of FOREIGN)
[ "${e%%|*}" = "not written" ] && ok "provctl settings: FOREIGN not written ($e)" || fail "FOREIGN: $e"

# ---- ownership without a record: the marker and a name of ours are anyone's to copy. A connection
# that no store record names is taken for a name only when the root in its user data gives that
# name and its UUID (export-nm-api.h); otherwise the full rebuild leaves it alone. The control: an
# orphan of ours (a crash between AddConnection2 and the record) is removed, not being wanted.
rootinfo() { # rootinfo ROOT: "NAME UUID" of the profile of ROOT with NAPID $2
        $PY -c '
import hashlib, sys
root, napid = sys.argv[1], sys.argv[2]
u = bytearray(hashlib.sha256(b"provboot-nm-uuid:" + root.encode()).digest()[:16])
u[6] = (u[6] & 0x0F) | 0x80
u[8] = (u[8] & 0x3F) | 0x80
h = u.hex()
print("provboot-%s-%s.nmconnection %s-%s-%s-%s-%s" % (napid, hashlib.sha256(root.encode()).hexdigest()[:12],
      h[:8], h[8:12], h[12:16], h[16:20], h[20:]))' "$1" "$2"
}
read -r GN _ < <(rootinfo "/NAPDEF[NAPID=GHOST]" GHOST)
read -r PN _ < <(rootinfo "/NAPDEF[NAPID=PLAIN]" PLAIN)
read -r ON OU < <(rootinfo "/NAPDEF[NAPID=ORPHAN]" ORPHAN)
GU=11111111-2222-8333-8444-555555555555
PU=11111111-2222-8333-8444-666666666666
mock_call AddMarked sss "$GU" "$GN" "/NAPDEF[NAPID=GHOST]" >/dev/null || fail "mock AddMarked ghost"
mock_call AddMarked sss "$PU" "$PN" "" >/dev/null || fail "mock AddMarked plain"
mock_call AddMarked sss "$OU" "$ON" "/NAPDEF[NAPID=ORPHAN]" >/dev/null || fail "mock AddMarked orphan"
reload
[ "$(ms "'$GU' in s['connections'] and '$PU' in s['connections']")" = 1 ] &&
        ok "marked connections with a name of ours, no record and not their root's UUID are left alone" ||
        fail "a marked connection of another UUID was removed: $(ms "sorted(s['connections'])")"
[ "$(ms "'$OU' in s['connections']")" = 0 ] && ok "an orphan of ours (its root's UUID, no record) is removed" ||
        fail "the orphan was not removed"

# ---- ListConnections at EXPORT_NM_API_CONNECTIONS_MAX and past it
n=$(ms "len(s['connections'])")
mock_call AddJunk u $((CONNECTIONS_MAX - n)) >/dev/null || fail "mock AddJunk"
# (FOREIGN makes every full rebuild end in "File exists"; a refused listing ends it in "Bad message")
f=$(grep -c "Failed to rebuild the exports.*Bad message" "$PB_WORK/verifierd.log")
e=$(grep -c "Failed to rebuild the exports.*File exists" "$PB_WORK/verifierd.log")
reload
[ "$(grep -c "Failed to rebuild the exports.*Bad message" "$PB_WORK/verifierd.log")" = "$f" ] &&
        pb_grep_count_gt "$PB_WORK/verifierd.log" "Failed to rebuild the exports.*File exists" "$e" &&
        ok "ListConnections of $CONNECTIONS_MAX entries (EXPORT_NM_API_CONNECTIONS_MAX) is read (the rebuild ran to its end)" ||
        fail "a listing at its limit failed: $(grep "Failed to rebuild" "$PB_WORK/verifierd.log" | tail -1)"
mock_call AddJunk u 1 >/dev/null
reload
pb_grep_count_gt "$PB_WORK/verifierd.log" "Failed to rebuild the exports.*Bad message" "$f" &&
        ok "one entry more is refused (the rebuild fails, retried later)" || fail "a listing past its limit was read"
[ "$(ms "c['INTERNET']['apn']")" = internet3.example.com ] && ok "nothing was removed by the refused listing" ||
        fail "after the refused listing: $(ms "c")"

# ---- a stuck NetworkManager: the stand-in stopped with SIGSTOP (owns its name, answers nothing).
# The verdicts do not wait for it (the runs are a worker's, export-nm-worker.h): two pushes are
# answered within one call's time-out; the run is pending; once it resumes, both profiles arrive
# (the second push's in the one more run that follows the first).
CALL_TIMEOUT_MS=$(($(sed -n 's/^#define EXPORT_NM_API_TIMEOUT_USEC (\([0-9]*\)ULL .*/\1/p' "$PB_TOP/verifierd/export-nm-api.h") * 1000))
[ "$CALL_TIMEOUT_MS" -gt 0 ] || fail "EXPORT_NM_API_TIMEOUT_USEC not found"
kill -STOP "$MOCK_PID" && ok "the stand-in NetworkManager is stopped (SIGSTOP)" || fail "cannot stop the stand-in"
start=$(date +%s%N)
NOSETTLE=1 push STUCK1 "Stuck 1" stuck1.example.com
NOSETTLE=1 push STUCK2 "Stuck 2" stuck2.example.com
elapsed=$((($(date +%s%N) - start) / 1000000))
[ "$elapsed" -lt "$CALL_TIMEOUT_MS" ] && ok "two verdicts in $elapsed ms while NetworkManager answers nothing" ||
        fail "two verdicts took $elapsed ms: a verdict waited for NetworkManager"
settled && fail "provctl status: no run out while NetworkManager is stopped" || ok "provctl status: the run is pending"
# ListExports (provctl settings) reads no profile from NetworkManager on the event loop: it answers
# within a bound below one call's time-out, from the records of the last run (export-nm.h,
# export_nm_status_recorded): INTERNET as exported then, STUCK1 (no run has recorded it) not written.
start=$(date +%s%N)
st=$(DBUS_SYSTEM_BUS_ADDRESS=$PB_BUS timeout 3 "$PB_BUILD/provctl" settings --json) && ok "provctl settings answered" ||
        fail "provctl settings did not answer within 3 s while NetworkManager answers nothing"
elapsed=$((($(date +%s%N) - start) / 1000000))
[ "$elapsed" -lt "$CALL_TIMEOUT_MS" ] && ok "provctl settings in $elapsed ms while NetworkManager answers nothing" ||
        fail "provctl settings took $elapsed ms: it waited for NetworkManager"
ex() { printf '%s' "$st" | pj "next((e['export'] + '|' + e['export_detail'] for e in d if e['path'] == '/NAPDEF[NAPID=$1]'), 'none')"; }
e=$(ex INTERNET)
[ "${e%%|*}" = exported ] && case $e in *"state as of the last run through NetworkManager's settings API"*) true ;; *) false ;; esac &&
        ok "provctl settings: INTERNET exported as of the last run ($e)" || fail "stopped: INTERNET: $e"
e=$(ex STUCK1)
[ "${e%%|*}" = "not written" ] && case $e in *"no run has written it yet"*"a newer run is under way"*) true ;; *) false ;; esac &&
        ok "provctl settings: STUCK1 not written yet ($e)" || fail "stopped: STUCK1: $e"
kill -CONT "$MOCK_PID" && ok "the stand-in resumed (SIGCONT)" || fail "cannot resume the stand-in"
settle
[ "$(ms "(c['STUCK1']['apn'], c['STUCK2']['apn'])" 2>/dev/null)" = "('stuck1.example.com', 'stuck2.example.com')" ] &&
        ok "both profiles arrived once NetworkManager resumed" || fail "after the resume: $(ms "sorted(c)")"
e=$(export_of STUCK1)
[ "${e%%|*}" = exported ] && ok "provctl settings: STUCK1 exported once the run returned ($e)" || fail "resumed: STUCK1: $e"

# ---- NetworkManager gone: keyfiles again, through provboot-nm-writer
pb_stop "$MOCK_PID"
pb_wait_for 10 bash -c "! busctl --address='$PB_BUS' status org.freedesktop.NetworkManager" || fail "mock still owns its name"
push INTERNET "Example Internet" internet4.example.com yes
K=$(ls "$KEYDIR"/provboot-INTERNET-*.nmconnection 2>/dev/null | head -1)
[ -n "$K" ] && grep -qx "apn=internet4.example.com" "$K" && [ "$(stat -c %a "$K")" = 600 ] &&
        ok "NetworkManager not running: the push is a keyfile, written by provboot-nm-writer ($(basename "$K"))" ||
        fail "no keyfile after NetworkManager stopped: $(ls -l "$KEYDIR")"
grep -q "NetworkManager profiles: keyfiles" "$PB_WORK/verifierd.log" && ok "verifierd log: back to keyfiles" ||
        fail "no log line for the switch back to keyfiles"

pb_summary
