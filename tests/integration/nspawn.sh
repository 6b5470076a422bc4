#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# nspawn.sh: the units under a real systemd (issue 4, "Integration tests"). A debootstrapped
# Debian 12 tree (cached, see lib.sh pb_nspawn_cache) gets provboot through
# `make install DESTDIR=... PREFIX=/usr` -- what debian/rules does -- plus a test drop-in, and is
# booted with `systemd-nspawn -b` (docs/testing.md §4.2). Inside, with PID 1 systemd and the
# distribution's dbus-daemon:
#   - systemd-sysusers/-tmpfiles at boot create the users and directories the units need;
#   - verifierd runs as its own user provboot-verifier without capabilities (issue 14); the
#     keyfiles are written by provboot-nm-writer (root, no capabilities, socket-activated on a
#     socket only that user's group may use) and stay root's and 0600; that user cannot start a
#     unit (systemd asks polkit, which says no), while NetworkManager's LoadConnections is allowed
#     to it by the shipped polkit rule; `systemd-analyze security` of each unit is printed, the
#     writer's exposure is at most 1.0;
#   - provd.service is active (Type=notify reached); verifierd.service is not running until the
#     first bus call, which activates it through systemd (dbus-daemon's log says so);
#   - the shipped bus policy: nobody/provd's user are refused by dbus-daemon, root is served;
#   - a real NETWPIN push injected with provctl is applied, is in `provctl history --json`, the
#     NetworkManager keyfile exists with mode 0600, and verifierd's journal entry carries the
#     structured fields MESSAGE_ID, PUSH_ID, SEC, ROLES, VERDICT, REASON;
#   - `systemctl show` has the sandbox settings, and the processes really run with them
#     (uid, no capabilities, no_new_privs, seccomp, read-only /, own network namespace, core limit);
#   - `systemctl reload verifierd.service` works (ExecReload= runs in a minimal system);
#   - the real NetworkManager (in the tree; the container has a private network namespace) sees
#     the pushed APN without any manual step (`nmcli connection show`, gsm.apn, [ppp] and the SIM
#     binding as NetworkManager parsed them): verifierd asks it to load exactly the keyfiles it
#     wrote (Settings.LoadConnections, issue 10 point 2); a change the user makes with nmcli
#     survives a verifierd restart and is shown as such (point 4); with NetworkManager stopped,
#     provctl status says the profile is written and loaded when it starts, and it is;
#   - without NetworkManagerDir= and with NetworkManager running, verifierd (as its user, allowed
#     by the polkit rule) manages its profiles through NetworkManager's settings API (issue 14):
#     a push adds one (AddConnection2, TO_DISK: NetworkManager's own file, 0600 root), a newer
#     push updates it (Update2), it reads back as what verifierd set, a user's nmcli edit is left
#     alone by the next push and a reload, a profile the user deleted is not recreated, and
#     provboot-nm-writer is not activated meanwhile;
#   - the DM route (issue 13) under systemd: dmsessiond.service enabled as the package does and
#     bus-activated (user provdial), verifierd's drop-in [DM] TrustFile= a fresh test CA and
#     AllowLoopback=yes, dmsessiond's drop-in IPAddressAllow=localhost (dmsessiond(8)); accounts
#     created by NETWPIN pushes; tests/dm/tlsserver.py + dmserver.py on the container's 127.0.0.1
#     (the host's python3 in the container's network namespace: the tree has no python3);
#     `provctl dm connect` completes a session whose Replace of NAP-ADDRESS gets 200 and reaches
#     provctl settings and NetworkManager, while verifierd keeps PrivateNetwork=yes,
#     RestrictAddressFamilies=AF_UNIX and IPAddressDeny=any; a server with the rogue certificate
#     gets a tls-failed session and no POST.
# Root; ~1 min with a warm cache. Always powers the container off and deletes the copy.
set -u
. "$(dirname "$0")/lib.sh"

PUSH=$PB_TOP/tests/data/demo/apn-proxy.netwpin.sms.hex  # NETWPIN, IMSI 262011234567890
IMSI=262011234567890
ms() { date +%s%3N; }
T_START=$(ms)

if [ "$(id -u)" -ne 0 ]; then
        fail "nspawn.sh needs root"
        pb_summary
        exit 1
fi
for c in systemd-nspawn debootstrap nsenter flock python3; do
        command -v "$c" >/dev/null || { fail "missing $c (make deps: tools/deps.txt)"; pb_summary; exit 1; }
done
# the DM servers of the last phase (host processes in the container's network namespace)
DM_NS_PIDS=()
dm_ns_stop() {
        local p
        for p in "${DM_NS_PIDS[@]}"; do
                kill "$p" 2>/dev/null
                wait "$p" 2>/dev/null
        done
        DM_NS_PIDS=()
}
trap 'dm_ns_stop; pb_nspawn_cleanup' EXIT
trap 'exit 130' INT TERM

# pj EXPR: evaluate a Python expression over the JSON document on stdin (bound to d)
pj() { python3 -c 'import json, sys; d = json.load(sys.stdin); r = eval(sys.argv[1]); print(r if not isinstance(r, bool) else int(r))' "$1"; }

# ---- the tree
t=$(ms)
if ! pb_nspawn_cache; then
        fail "cached Debian 12 tree in $PB_NS_CACHE"
        pb_summary
        exit 1
fi
ok "cached Debian 12 tree $PB_NS_CACHE ($(($(ms) - t)) ms)"
pb_nspawn_copy || { fail "disposable copy of the tree"; pb_summary; exit 1; }
R=$PB_NS_ROOT
echo "disposable root: $R ($([ -n "$PB_NS_MOUNTED" ] && echo overlayfs || echo cp -a))"

t=$(ms)
if ! make -s -C "$PB_TOP" BUILD="$PB_BUILD" install DESTDIR="$R" PREFIX=/usr >"$PB_NS_DIR/install.log" 2>&1; then
        fail "make install DESTDIR=<tree> PREFIX=/usr"
        tail -n 20 "$PB_NS_DIR/install.log"
        pb_summary
        exit 1
fi
ok "make install DESTDIR=<tree> PREFIX=/usr ($(($(ms) - t)) ms)"

missing=$(chroot "$R" ldd /usr/libexec/provboot/provd /usr/libexec/provboot/verifierd /usr/bin/provctl 2>&1 |
        grep 'not found')
[ -z "$missing" ] && ok "every shared library of the binaries is in the tree" ||
        fail "libraries missing in the tree (add their packages to PB_NS_PACKAGES in lib.sh): $missing"

mkdir -p "$R/etc/provboot/verifierd.conf.d" "$R/etc/NetworkManager/system-connections" "$R/root/pushes"
cat >"$R/etc/provboot/verifierd.conf.d/50-test.conf" <<EOF
# nspawn.sh: OTA bootstrap on, network PIN from a static IMSI, NETWPIN pushes without confirmation
[Bootstrap]
Enabled=yes
ConfirmNetworkPin=no

[NetworkPin]
Source=static
Imsi=$IMSI

[Export]
NetworkManagerDir=/etc/NetworkManager/system-connections
EOF
cp "$PUSH" "$R/root/pushes/"
# A newer push from the same operator: the Internet APN changes (NETWPIN, same IMSI).
cat >"$PB_NS_DIR/apn2.xml" <<'XML'
<?xml version="1.0"?>
<wap-provisioningdoc version="1.1">
  <characteristic type="NAPDEF">
    <parm name="NAPID" value="INTERNET"/>
    <parm name="NAME" value="Example Internet"/>
    <parm name="INTERNET"/>
    <parm name="NAP-ADDRESS" value="internet2.example.com"/>
    <parm name="NAP-ADDRTYPE" value="APN"/>
    <characteristic type="NAPAUTHINFO">
      <parm name="AUTHTYPE" value="CHAP"/>
      <parm name="AUTHNAME" value="web"/>
      <parm name="AUTHSECRET" value="web"/>
    </characteristic>
  </characteristic>
</wap-provisioningdoc>
XML
"$PB_TOP/tools/mkpush.py" --xml "$PB_NS_DIR/apn2.xml" --sec netwpin --imsi $IMSI --out "$R/root/pushes/apn2.netwpin.wsp" ||
        fail "tools/mkpush.py for the second push (xml2wbxml: make deps)"

# The settings API phase (issue 14, below): a NAPDEF of its own, then an update of it, then
# another NAPDEF (a push that does not touch the first).
mkapi() { # mkapi NAPID NAME APN OUT
        cat >"$PB_NS_DIR/$1-$4.xml" <<XML
<?xml version="1.0"?>
<wap-provisioningdoc version="1.1">
  <characteristic type="NAPDEF">
    <parm name="NAPID" value="$1"/>
    <parm name="NAME" value="$2"/>
    <parm name="NAP-ADDRESS" value="$3"/>
    <parm name="NAP-ADDRTYPE" value="APN"/>
    <characteristic type="NAPAUTHINFO">
      <parm name="AUTHTYPE" value="PAP"/>
      <parm name="AUTHNAME" value="api"/>
      <parm name="AUTHSECRET" value="apisecret"/>
    </characteristic>
  </characteristic>
</wap-provisioningdoc>
XML
        "$PB_TOP/tools/mkpush.py" --xml "$PB_NS_DIR/$1-$4.xml" --sec netwpin --imsi $IMSI --out "$R/root/pushes/$4" ||
                fail "tools/mkpush.py for $4"
}
mkapi APIWEB "API Web" api.example.com api1.netwpin.wsp
mkapi APIWEB "API Web" api2.example.com api2.netwpin.wsp
mkapi APIMORE "API More" more.example.com api3.netwpin.wsp

# The DM phase (at the end): a fresh test PKI (tests/dm/mkpki.sh); verifierd trusts only its CA
# and may reach loopback (drop-in, as tests/dm/dm-lib.sh's); dmsessiond's kernel backstop
# (IPAddressDeny=localhost ...) opened for loopback by the drop-in dmsessiond(8) documents.
DM_IMSI=$IMSI
. "$PB_TOP/tests/dm/dm-lib.sh"
PB_WORK=$PB_NS_DIR/dm
mkdir -p "$PB_WORK"
if dm_pki "$PB_WORK/pki"; then
        install -m 0644 "$DM_CA" "$R/etc/provboot/dm-test-ca.pem"
        printf '[DM]\nTrustFile=/etc/provboot/dm-test-ca.pem\nAllowLoopback=yes\n' \
                >"$R/etc/provboot/verifierd.conf.d/60-dm-test.conf"
        mkdir -p "$R/etc/systemd/system/dmsessiond.service.d"
        printf '[Service]\nIPAddressAllow=localhost\n' >"$R/etc/systemd/system/dmsessiond.service.d/50-loopback.conf"
        ok "DM test PKI (tests/dm/mkpki.sh), verifierd [DM] TrustFile=/AllowLoopback=yes and dmsessiond IPAddressAllow=localhost drop-ins"
else
        fail "tests/dm/mkpki.sh"
fi

grep -q '^provd:' "$R/etc/passwd" && fail "user provd exists before boot (sysusers would not be tested)" ||
        ok "no user provd in the tree before boot (systemd-sysusers at boot creates it)"
# What the Debian package's postinst does (dh_installsystemd): enable provd.service, and enable
# verifierd.service, which only creates its Alias dbus-org.provboot.Verifier1.service -- the name
# the D-Bus activation file's SystemdService= uses. Without that alias, activation fails with
# "Unit dbus-org.provboot.Verifier1.service not found".
if systemctl --root="$R" enable provd.service verifierd.service provboot-nm-writer.socket >"$PB_NS_DIR/enable.log" 2>&1; then
        ok "systemctl --root enable provd.service verifierd.service provboot-nm-writer.socket"
else
        fail "systemctl --root enable: $(cat "$PB_NS_DIR/enable.log")"
fi
[ -L "$R/etc/systemd/system/dbus-org.provboot.Verifier1.service" ] &&
        ok "enabling verifierd.service created the activation alias dbus-org.provboot.Verifier1.service" ||
        fail "no alias /etc/systemd/system/dbus-org.provboot.Verifier1.service after enable"

# dh_installsystemd enables dmsessiond.service too (packaging/debian/rules): its Alias is the
# unit org.provboot.Dialer1's activation file names.
if systemctl --root="$R" enable dmsessiond.service >>"$PB_NS_DIR/enable.log" 2>&1 &&
        [ -L "$R/etc/systemd/system/dbus-org.provboot.Dialer1.service" ]; then
        ok "systemctl --root enable dmsessiond.service: alias dbus-org.provboot.Dialer1.service"
else
        fail "systemctl --root enable dmsessiond.service: $(cat "$PB_NS_DIR/enable.log")"
fi

# ---- boot
t=$(ms)
if ! pb_nspawn_boot 60; then
        fail "container booted to running|degraded (state '$PB_NS_STATE')"
        [ -n "$PB_NS_LEADER" ] && { pb_ns systemctl --failed --no-pager; pb_ns_diag provd.service; }
        pb_summary
        exit 1
fi
ok "booted with systemd-nspawn -b: system $PB_NS_STATE ($(($(ms) - t)) ms, PID 1 = host pid $PB_NS_LEADER)"
if [ "$PB_NS_STATE" = degraded ]; then
        echo "failed units:"
        pb_ns systemctl --failed --no-pager --no-legend
fi

# ---- boot-time setup by systemd itself
[ "$(pb_ns systemctl show -p Result --value systemd-sysusers.service)" = success ] &&
        pb_ns getent passwd provd >/dev/null && pb_ns getent group provboot >/dev/null &&
        pb_ns getent passwd provboot-verifier >/dev/null &&
        ok "systemd-sysusers.service at boot created users provd, provboot-verifier and group provboot" ||
        fail "sysusers at boot: $(pb_ns systemctl show -p Result systemd-sysusers.service); $(pb_ns getent passwd provd)"
PROVD_UID=$(pb_ns id -u provd 2>/dev/null)
VERIFIER_UID=$(pb_ns id -u provboot-verifier 2>/dev/null)
st=$(pb_ns stat -c '%a %U %G' /var/lib/provboot 2>&1)
[ "$st" = "700 provboot-verifier provboot-verifier" ] && ok "/var/lib/provboot is 0700 provboot-verifier" ||
        fail "/var/lib/provboot: $st"
st=$(pb_ns stat -c '%a %U %G' /run/provboot/nm-writer.socket 2>&1)
[ "$st" = "660 root provboot-verifier" ] && [ "$(pb_ns systemctl is-active provboot-nm-writer.socket)" = active ] &&
        ok "provboot-nm-writer.socket listening, 0660 root:provboot-verifier" || fail "writer socket: $st"

# ---- provd: started at boot, Type=notify
unit_is() { [ "$(pb_ns systemctl is-active "$1" 2>/dev/null)" = "$2" ]; }
if pb_wait_for 20 unit_is provd.service active; then
        ok "provd.service active (Type=notify: READY=1 reached)"
else
        fail "provd.service is $(pb_ns systemctl is-active provd.service)"
        pb_ns_diag provd.service
fi
s=$(pb_ns systemctl show -p StatusText --value provd.service)
[ -n "$s" ] && ok "provd sent STATUS= over sd_notify: '$s'" || fail "provd.service has no StatusText"

# ---- verifierd: bus-activated
v="$(pb_ns systemctl show -p ActiveState --value verifierd.service) $(pb_ns systemctl show -p MainPID --value verifierd.service)"
[ "$v" = "inactive 0" ] && ok "verifierd.service not running before first use" ||
        fail "verifierd.service before first use: $v"
pb_ns busctl list --activatable --no-legend 2>/dev/null | awk '$1 == "org.provboot.Verifier1"' | grep -q activatable &&
        ok "org.provboot.Verifier1 is activatable on the system bus" ||
        fail "org.provboot.Verifier1 not activatable: $(pb_ns busctl list --activatable --no-legend | grep provboot)"

out=$(pb_ns provctl status 2>&1)
rc=$?
[ $rc -eq 0 ] && ok "provctl status (first call to verifierd) rc 0" || fail "provctl status rc $rc: $out"
if pb_wait_for 20 unit_is verifierd.service active; then
        ok "verifierd.service active after the first call"
else
        fail "verifierd.service is $(pb_ns systemctl is-active verifierd.service) after provctl status"
        pb_ns_diag verifierd.service
fi
activated() {
        pb_ns journalctl -b -u dbus.service --no-pager -o cat | grep -q \
                "Activating via systemd: service name='org.provboot.Verifier1' unit='dbus-org.provboot.Verifier1.service'" &&
                pb_ns journalctl -b -u dbus.service --no-pager -o cat | grep -q "Successfully activated service 'org.provboot.Verifier1'"
}
pb_wait_for 10 activated && ok "dbus-daemon activated org.provboot.Verifier1 through systemd (dbus-org.provboot.Verifier1.service)" ||
        fail "no bus activation of verifierd in dbus.service's journal: $(pb_ns journalctl -b -u dbus.service --no-pager -o cat | tail -5)"

# ---- the shipped bus policy, enforced by the distribution's dbus-daemon
V="--system --print-reply --dest=org.provboot.Verifier1 /org/provboot/Verifier1"
denied() { # denied WHO DESCRIPTION dbus-send ARGS...: dbus-daemon refuses (policy, not the daemon)
        local who=$1 d=$2 out
        shift 2
        case $who in
        nobody) out=$(pb_ns setpriv --reuid=nobody --regid=nogroup --clear-groups "$@" 2>&1) ;;
        provd) out=$(pb_ns setpriv --reuid=provd --regid=provd --clear-groups "$@" 2>&1) ;;
        esac
        if grep -q 'org.freedesktop.DBus.Error.AccessDenied: Rejected send message' <<<"$out"; then
                ok "$d: AccessDenied by the bus policy"
        else
                fail "$d: expected AccessDenied from dbus-daemon, got: $out"
        fi
}
# shellcheck disable=SC2086
denied nobody "nobody calls Verifier1.Submit" dbus-send $V org.provboot.Verifier1.Submit \
        array:byte:1,2,3 string:application/vnd.wap.connectivity-wbxml int32:0 string: \
        string:+4917012345 string:inject uint64:0
# shellcheck disable=SC2086
denied nobody "nobody calls Verifier1.ListPending" dbus-send $V org.provboot.Verifier1.ListPending
# shellcheck disable=SC2086
denied provd "provd's user calls Verifier1.ListPending (user side)" dbus-send $V org.provboot.Verifier1.ListPending
denied nobody "nobody calls Parser1.Inject" dbus-send --system --print-reply --dest=org.provboot.Parser1 \
        /org/provboot/Parser1 org.provboot.Parser1.Inject array:byte:1 string:wsp
out=$(pb_ns busctl call org.provboot.Verifier1 /org/provboot/Verifier1 org.provboot.Verifier1 ListPending 2>&1)
[ "$out" = "a(tsssttas) 0" ] && ok "root calls ListPending: $out" || fail "root ListPending: $out"

# ---- a real push, injected inside
out=$(pb_ns provctl --json inject --sms /root/pushes/apn-proxy.netwpin.sms.hex 2>&1)
echo "provctl inject: $out"
ID=$(pj 'd["id"]' <<<"$out" 2>/dev/null)
[ "$(pj 'd["verdict"]' <<<"$out" 2>/dev/null)" = applied ] && ok "NETWPIN push injected inside: applied (push $ID)" ||
        fail "NETWPIN push not applied: $out"
hist=$(pb_ns provctl --json history 2>&1)
[ "$(pj "[e['verdict'] for e in d if e['id'] == ${ID:-0}] == ['applied'] and \
        [e['sec'] for e in d if e['id'] == ${ID:-0}] == ['NETWPIN']" <<<"$hist" 2>/dev/null)" = 1 ] &&
        ok "provctl history --json: push $ID applied, SEC NETWPIN" || fail "provctl history --json: $hist"
kf=$(pb_ns sh -c 'stat -c "%a %U %n" /etc/NetworkManager/system-connections/*.nmconnection' 2>&1)
echo "keyfiles: $kf"
[ -n "$kf" ] && ! grep -qv '^600 root ' <<<"$kf" && ok "NetworkManager keyfile written by provboot-nm-writer, mode 0600 root" ||
        { fail "NetworkManager keyfile: $kf"; pb_ns_diag provboot-nm-writer.service; }

# ---- the real NetworkManager: the pushed APN is there without any manual step (issue 10)
if pb_wait_for 30 unit_is NetworkManager.service active; then
        ok "NetworkManager.service active in the container"
else
        fail "NetworkManager.service is $(pb_ns systemctl is-active NetworkManager.service)"
        pb_ns_diag NetworkManager.service
fi
CON="Example Internet"
nm_apn() { pb_ns nmcli -g gsm.apn connection show "$CON" 2>/dev/null; }
nm_apn_is() { [ "$(nm_apn)" = "$1" ]; }
if pb_wait_for 20 nm_apn_is internet.example.com; then
        ok "nmcli connection show: '$CON' with gsm.apn internet.example.com (no reload, no restart)"
else
        fail "NetworkManager does not have the pushed APN: gsm.apn '$(nm_apn)'; connections: $(pb_ns nmcli -t connection show 2>&1)"
        pb_ns journalctl -b -u verifierd.service -u NetworkManager.service --no-pager -o cat | tail -n 15 | sed 's/^/    /'
fi
f=$(pb_ns nmcli -t -f UUID,FILENAME connection show 2>&1)
kuuid=$(pb_ns sh -c 'sed -n "s/^uuid=//p" /etc/NetworkManager/system-connections/provboot-INTERNET-*.nmconnection' 2>&1)
[ -n "$kuuid" ] && grep -q "^$kuuid:/etc/NetworkManager/system-connections/provboot-INTERNET-" <<<"$f" &&
        ok "NetworkManager loaded verifierd's keyfile (uuid $kuuid)" || fail "uuid/filename as NetworkManager has them: $f (keyfile uuid '$kuuid')"
v=$(pb_ns nmcli -g ppp.refuse-pap,ppp.refuse-chap,ppp.refuse-mschap,ppp.refuse-mschapv2,ppp.refuse-eap,gsm.sim-operator-id,connection.autoconnect \
        connection show "$CON" 2>&1 | paste -sd' ')
[ "$v" = "no yes yes yes yes 26201 yes" ] &&
        ok "NetworkManager has AUTHTYPE PAP as refuse-{chap,mschap,mschapv2,eap}, sim-operator-id 26201, autoconnect" ||
        fail "ppp.refuse-pap,chap,mschap,mschapv2,eap,gsm.sim-operator-id,autoconnect: '$v'"
out=$(pb_ns provctl settings --json 2>&1)
[ "$(pj "[e['export'] for e in d if e['path'] == '/PXLOGICAL[PROXY-ID=PROXY1]'][:1] == ['stored, not exported']" <<<"$out" 2>/dev/null)" = 1 ] &&
        ok "provctl settings --json: the pushed proxy is stored, not exported" || fail "provctl settings --json: $out"
pb_ns journalctl -b -u verifierd.service --no-pager -o cat | grep -q "NetworkManager asked to load" &&
        ok "verifierd's journal: NetworkManager asked to load the keyfile" || fail "no 'NetworkManager asked to load' in verifierd's journal"

# The user changes the APN in NetworkManager (as the phone's settings would): NetworkManager
# rewrites verifierd's file; a verifierd restart leaves it, and says so.
out=$(pb_ns nmcli connection modify "$CON" gsm.apn users.choice 2>&1)
[ $? -eq 0 ] && ok "nmcli connection modify '$CON' gsm.apn users.choice" || fail "nmcli connection modify: $out"
pb_ns systemctl stop verifierd.service
pb_ns provctl status >/dev/null 2>&1
pb_wait_for 20 unit_is verifierd.service active || fail "verifierd.service not re-activated"
a=$(pb_ns sh -c 'sed -n "s/^apn=//p" /etc/NetworkManager/system-connections/provboot-INTERNET-*.nmconnection' 2>&1)
[ "$a" = users.choice ] && nm_apn_is users.choice && ok "verifierd restarted: the user's change stays (file and NetworkManager: users.choice)" ||
        fail "after restart: file apn '$a', NetworkManager '$(nm_apn)'"
out=$(pb_ns provctl settings --json 2>&1)
[ "$(pj "[e['export'] for e in d if e['path'] == '/NAPDEF[NAPID=INTERNET]'][:1] == ['changed by the user, not overwritten']" <<<"$out" 2>/dev/null)" = 1 ] &&
        ok "provctl settings --json: INTERNET changed by the user, not overwritten" || fail "provctl settings after the user's change: $out"
pb_ns journalctl -b -u verifierd.service --no-pager -o cat | grep -q "was changed by someone else: left alone" &&
        ok "verifierd's journal: changed by someone else, left alone" || fail "no journal line for the user's change"

# NetworkManager stopped: the next push is written and announced as such; NetworkManager loads
# it when it starts.
pb_ns systemctl stop NetworkManager.service
out=$(pb_ns provctl status 2>&1)
grep -q "Status.NetworkManager: not running: the profiles are written and will be loaded when it starts" <<<"$out" &&
        ok "provctl status: NetworkManager not running, profiles loaded when it starts" || fail "provctl status: $out"
out=$(pb_ns provctl --json inject /root/pushes/apn2.netwpin.wsp 2>&1)
[ "$(pj 'd["verdict"]' <<<"$out" 2>/dev/null)" = applied ] && ok "a newer push while NetworkManager is stopped: applied" ||
        fail "second push: $out"
pb_ns systemctl start NetworkManager.service
if pb_wait_for 30 nm_apn_is internet2.example.com; then
        ok "NetworkManager started: '$CON' has the newer push's APN internet2.example.com (it replaced the user's edit)"
else
        fail "after NetworkManager's start: gsm.apn '$(nm_apn)'"
fi
v=$(pb_ns nmcli -g ppp.refuse-pap,ppp.refuse-chap connection show "$CON" 2>&1 | paste -sd' ')
[ "$v" = "yes no" ] && ok "AUTHTYPE CHAP now: NetworkManager refuses PAP, allows CHAP" || fail "ppp after CHAP push: '$v'"

# ---- the verdict in the journal, with its structured fields
verdict_logged() {
        pb_ns journalctl -b -u verifierd.service --no-pager -o json "VERDICT=applied" "PUSH_ID=$ID" >"$PB_NS_DIR/verdict.json" 2>&1 &&
                [ -s "$PB_NS_DIR/verdict.json" ] && grep -q '^{' "$PB_NS_DIR/verdict.json"
}
if pb_wait_for 10 verdict_logged; then
        f=$(python3 -c '
import json, re, sys
e = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")][-1]
want = {"PUSH_ID": sys.argv[2], "SEC": "NETWPIN", "ROLES": "4", "VERDICT": "applied", "REASON": ""}
bad = [k + "=" + repr(e.get(k)) for k, v in want.items() if e.get(k) != v]
if not re.fullmatch(r"[0-9a-f]{32}", e.get("MESSAGE_ID", "")): bad.append("MESSAGE_ID=" + repr(e.get("MESSAGE_ID")))
print(" ".join(bad) if bad else "ok " + " ".join(k + "=" + e[k] for k in ["MESSAGE_ID"] + list(want)))' "$PB_NS_DIR/verdict.json" "$ID")
        [ "${f%% *}" = ok ] && ok "journalctl -u verifierd: verdict entry ${f#ok }" || fail "verdict journal entry fields: $f"
else
        fail "no journal entry VERDICT=applied PUSH_ID=$ID for verifierd.service: $(cat "$PB_NS_DIR/verdict.json")"
fi

# ---- sandbox settings as systemd loaded them
declare -A P
expect() { # expect UNIT KEY=VALUE...
        local u=$1 kv k v props=
        shift
        for kv in "$@"; do props+=${props:+,}${kv%%=*}; done
        P=()
        while IFS='=' read -r k v; do P[$k]=$v; done < <(pb_ns systemctl show "$u" -p "$props")
        for kv in "$@"; do
                k=${kv%%=*}; v=${kv#*=}
                [ "${P[$k]-<unset>}" = "$v" ] && ok "systemctl show $u: $k=$v" || fail "systemctl show $u: $k='${P[$k]-<unset>}', want '$v'"
        done
}
expect provd.service Type=notify User=provd CapabilityBoundingSet= AmbientCapabilities= NoNewPrivileges=yes \
        ProtectSystem=strict ProtectHome=yes PrivateNetwork=yes PrivateUsers=yes PrivateDevices=yes \
        RestrictAddressFamilies=AF_UNIX MemoryDenyWriteExecute=yes SystemCallArchitectures=native
expect verifierd.service Type=dbus BusName=org.provboot.Verifier1 User=provboot-verifier CapabilityBoundingSet= \
        AmbientCapabilities= NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes PrivateNetwork=yes PrivateDevices=yes \
        RestrictAddressFamilies=AF_UNIX LimitCORE=0 StateDirectory=provboot MemoryDenyWriteExecute=yes ReadWritePaths=
expect provboot-nm-writer.service Type=notify User= CapabilityBoundingSet= AmbientCapabilities= NoNewPrivileges=yes \
        ProtectSystem=strict PrivateNetwork=yes PrivateUsers=no RestrictAddressFamilies=AF_UNIX \
        ReadWritePaths=-/etc/NetworkManager/system-connections
for u in provd verifierd; do
        f=$(pb_ns systemctl show -p SystemCallFilter --value "$u.service")
        [ -n "$f" ] && ! grep -qw -e mount -e reboot -e setrlimit <<<"$f" &&
                ok "$u.service SystemCallFilter is an allow list without mount/reboot/setrlimit" ||
                fail "$u.service SystemCallFilter: ${f:0:200}"
done

# ---- ... and in force on the running processes (read from the container's /proc)
proc_status() { # proc_status PID KEY: the values of /proc/PID/status's KEY line, joined by single spaces
        pb_ns awk -v k="$2:" '$1 == k { $1 = ""; sub(/^ /, ""); print }' "/proc/$1/status"
}
PPID_=$(pb_ns systemctl show -p MainPID --value provd.service)
VPID=$(pb_ns systemctl show -p MainPID --value verifierd.service)
echo "provd pid $PPID_ (uid provd = $PROVD_UID), verifierd pid $VPID (container pids)"
u=$(proc_status "$PPID_" Uid)
[ -n "$PROVD_UID" ] && [ "$u" = "$PROVD_UID $PROVD_UID $PROVD_UID $PROVD_UID" ] &&
        ok "provd runs as uid provd ($PROVD_UID) real/effective/saved/fs" || fail "provd Uid: '$u' (provd = $PROVD_UID)"
u=$(proc_status "$VPID" Uid)
[ -n "$VERIFIER_UID" ] && [ "$u" = "$VERIFIER_UID $VERIFIER_UID $VERIFIER_UID $VERIFIER_UID" ] &&
        ok "verifierd runs as provboot-verifier ($VERIFIER_UID) real/effective/saved/fs, not root" ||
        fail "verifierd Uid: '$u' (provboot-verifier = $VERIFIER_UID)"
WPID=$(pb_ns systemctl show -p MainPID --value provboot-nm-writer.service)
u=$(proc_status "$WPID" Uid)
[ "$u" = "0 0 0 0" ] && ok "provboot-nm-writer (pid $WPID, socket-activated by the push) runs as root, for root's 0600 keyfiles" ||
        fail "provboot-nm-writer Uid: '$u' (pid '$WPID')"
for p in "provd:$PPID_" "verifierd:$VPID" "provboot-nm-writer:$WPID"; do
        n=${p%%:*}; pid=${p#*:}
        for k in CapEff CapPrm CapBnd CapAmb; do
                v=$(proc_status "$pid" $k)
                [ "$v" = 0000000000000000 ] && ok "$n $k 0" || fail "$n $k '$v'"
        done
        v=$(proc_status "$pid" NoNewPrivs)
        [ "$v" = 1 ] && ok "$n NoNewPrivs 1" || fail "$n NoNewPrivs '$v'"
        v=$(proc_status "$pid" Seccomp)
        [ "$v" = 2 ] && ok "$n Seccomp 2 (filter)" || fail "$n Seccomp '$v'"
        a=$(pb_ns readlink "/proc/$pid/ns/net"); b=$(pb_ns readlink /proc/1/ns/net)
        [ -n "$a" ] && [ "$a" != "$b" ] && ok "$n has its own network namespace (PrivateNetwork)" || fail "$n net ns '$a' = PID 1's '$b'"
        # the last mount on / in the process's mount namespace is read-only (ProtectSystem=strict)
        m=$(pb_ns awk '$5 == "/" { o = $6 } END { print o }' "/proc/$pid/mountinfo")
        [ "${m%%,*}" = ro ] && ok "$n sees / read-only ($m)" || fail "$n / mount options '$m'"
done
a=$(pb_ns readlink "/proc/$PPID_/ns/user"); b=$(pb_ns readlink /proc/1/ns/user)
[ -n "$a" ] && [ "$a" != "$b" ] && ok "provd has its own user namespace (PrivateUsers)" || fail "provd user ns '$a' = PID 1's '$b'"
m=$(pb_ns awk '$5 == "/var/lib/provboot" { o = $6 } END { print o }' "/proc/$VPID/mountinfo")
[ "${m%%,*}" = rw ] && ok "verifierd's StateDirectory /var/lib/provboot is writable ($m)" || fail "verifierd /var/lib/provboot mount '$m'"
l=$(pb_ns awk '/^Max core file size/ { print $5, $6 }' "/proc/$VPID/limits")
[ "$l" = "0 0" ] && ok "verifierd core file size limit 0 0 (LimitCORE=0)" || fail "verifierd core limit '$l'"

# ---- what the user provboot-verifier may ask others for (issue 14): no unit, NetworkManager yes
out=$(pb_ns setpriv --reuid=provboot-verifier --regid=provboot-verifier --clear-groups busctl call \
        org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.systemd1.Manager StartTransientUnit \
        'ssa(sv)a(sa(sv))' provboot-compromise.service fail 1 ExecStart 'a(sbas)' 1 /bin/touch false 2 /bin/touch \
        /provboot-compromise 0 2>&1)
rc=$?
[ $rc -ne 0 ] && ! pb_ns test -e /provboot-compromise &&
        ok "provboot-verifier cannot start a unit under systemd + polkit: $out" ||
        fail "StartTransientUnit as provboot-verifier: rc $rc $out"
out=$(pb_ns setpriv --reuid=provboot-verifier --regid=provboot-verifier --clear-groups busctl call \
        org.freedesktop.NetworkManager /org/freedesktop/NetworkManager/Settings \
        org.freedesktop.NetworkManager.Settings LoadConnections as 0 2>&1)
[ "${out%% *}" = bas ] && ok "provboot-verifier may call NetworkManager's LoadConnections (the polkit rule): $out" ||
        fail "LoadConnections as provboot-verifier: $out"

# ---- systemd-analyze security of each unit (the writer at most 1.0; issue 14)
for u in provd.service verifierd.service provboot-nm-writer.service; do
        out=$(pb_ns systemd-analyze security --no-pager "$u" 2>&1)
        e=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' <<<"$out")
        echo "systemd-analyze security $u:"
        sed 's/^/    /' <<<"$out"
        case $u in
        provboot-nm-writer.service) max=1.0 ;; verifierd.service) max=2.0 ;; *) max=1.0 ;;
        esac
        [ -n "$e" ] && awk -v e="$e" -v m="$max" 'BEGIN { exit !(e <= m) }' &&
                ok "systemd-analyze security $u: exposure $e (<= $max)" || fail "systemd-analyze security $u: '$e' (> $max?)"
done

# ---- unit lifecycle
for u in provd verifierd; do
        n=$(pb_ns systemctl show -p NRestarts --value "$u.service")
        [ "$n" = 0 ] && ok "$u.service NRestarts=0" || fail "$u.service restarted $n times"
done
out=$(pb_ns systemctl reload verifierd.service 2>&1)
rc=$?
reloaded() { pb_ns journalctl -b -u verifierd.service --no-pager -o cat | grep -qi 'configuration reloaded'; }
if [ $rc -eq 0 ] && [ "$(pb_ns systemctl show -p MainPID --value verifierd.service)" = "$VPID" ] &&
        pb_wait_for 10 reloaded; then
        ok "systemctl reload verifierd.service (ExecReload=): rc 0, same MainPID, verifierd logged the reload"
else
        fail "systemctl reload verifierd.service rc $rc: $out"
        pb_ns journalctl -b -u verifierd.service --no-pager -o cat | tail -n 6 | sed 's/^/    /'
fi
pb_wait_for 10 unit_is verifierd.service active && ok "verifierd.service active after reload" ||
        fail "verifierd.service after reload: $(pb_ns systemctl is-active verifierd.service)"

# ---- NetworkManager's settings API (issue 14): without NetworkManagerDir=, while NetworkManager
# runs, verifierd (provboot-verifier, allowed by the polkit rule) adds, updates and deletes its
# profiles through Settings.AddConnection2 / Connection.Update2 / Delete with TO_DISK:
# NetworkManager writes the files itself, and provboot-nm-writer is not used.
ncount() { pb_ns journalctl -b -u provboot-nm-writer.service --no-pager -o cat | grep -c '^Started provboot-nm-writer'; }
# reload_v: systemctl reload verifierd.service (SIGHUP) and wait until verifierd logged it; the
# rebuild runs in the same handler, so every later bus call sees its result.
nreloads() { pb_ns journalctl -b -u verifierd.service --no-pager -o cat | grep -c 'Configuration reloaded'; }
reload_v() {
        local n
        n=$(nreloads)
        pb_ns systemctl reload verifierd.service
        reloaded_past() { [ "$(nreloads)" -gt "$n" ]; }
        pb_wait_for 20 reloaded_past || fail "verifierd did not log the reload"
}
pb_ns systemctl stop provboot-nm-writer.service
W_STARTS=$(ncount)
pb_ns sed -i '/^NetworkManagerDir=/d' /etc/provboot/verifierd.conf.d/50-test.conf
VPID=$(pb_ns systemctl show -p MainPID --value verifierd.service)
reload_v
api_mode() { pb_ns journalctl -b -u verifierd.service --no-pager -o cat | grep -q "NetworkManager profiles: added, updated and deleted through its settings API"; }
pb_wait_for 20 api_mode && ok "NetworkManagerDir= removed, reload: verifierd manages the profiles through NetworkManager's settings API" ||
        { fail "no switch to the settings API after the reload"; pb_ns journalctl -b -u verifierd.service --no-pager -o cat | tail -n 15 | sed 's/^/    /'; }
# The keyfile-era profile is adopted (its UUID, our marker) and stays as it was.
nm_apn_is internet2.example.com && ok "the profile written as a keyfile before is adopted: '$CON' still internet2.example.com" ||
        fail "after the switch: '$CON' gsm.apn '$(nm_apn)'"

API="API Web"
api_apn() { pb_ns nmcli -g gsm.apn connection show "$API" 2>/dev/null; }
api_apn_is() { [ "$(api_apn)" = "$1" ]; }
api_export() { # api_export NAPID: its export state in provctl settings --json
        pb_ns provctl settings --json 2>/dev/null | pj "[e['export'] for e in d if e['path'] == '/NAPDEF[NAPID=$1]'][:1][0]" 2>/dev/null
}
out=$(pb_ns provctl --json inject /root/pushes/api1.netwpin.wsp 2>&1)
[ "$(pj 'd["verdict"]' <<<"$out" 2>/dev/null)" = applied ] && ok "push of NAPDEF APIWEB: applied" || fail "api1 push: $out"
if pb_wait_for 20 api_apn_is api.example.com; then
        ok "nmcli connection show '$API': gsm.apn api.example.com, added through the settings API"
else
        fail "NetworkManager does not have '$API': '$(api_apn)'; $(pb_ns nmcli -t connection show 2>&1)"
        pb_ns journalctl -b -u verifierd.service -u NetworkManager.service --no-pager -o cat | tail -n 20 | sed 's/^/    /'
fi
f=$(pb_ns nmcli -t -f NAME,UUID,FILENAME connection show 2>&1 | grep "^$API:")
AFILE=${f##*:}
AUUID=$(cut -d: -f2 <<<"$f")
echo "NetworkManager's profile: $f"
st=$(pb_ns stat -c '%a %U' "$AFILE" 2>&1)
case $AFILE in
/etc/NetworkManager/system-connections/provboot-*) fail "'$API' is in a provboot keyfile ($AFILE): not NetworkManager's own" ;;
/etc/NetworkManager/system-connections/*)
        [ "$st" = "600 root" ] && ok "NetworkManager wrote the profile itself (TO_DISK): $AFILE, 0600 root" ||
                fail "NetworkManager's file $AFILE: $st" ;;
*) fail "'$API' is not on disk under /etc/NetworkManager/system-connections: '$f'" ;;
esac
pb_ns sh -c 'ls /etc/NetworkManager/system-connections/provboot-APIWEB-* 2>/dev/null' | grep -q . &&
        fail "a provboot keyfile of APIWEB exists (the writer was used)" || ok "no provboot keyfile for APIWEB: the keyfile path was not used"
v=$(pb_ns nmcli -s -g gsm.username,gsm.password,ppp.refuse-chap,gsm.sim-operator-id,connection.autoconnect connection show "$API" 2>&1 | paste -sd' ')
[ "$v" = "api apisecret yes 26201 no" ] && ok "'$API': username, the password (stored by NetworkManager), PAP only, SIM binding, no autoconnect" ||
        fail "'$API' username,password,refuse-chap,sim-operator-id,autoconnect: '$v'"
[ "$(api_export APIWEB)" = exported ] && ok "provctl settings: APIWEB exported" || fail "provctl settings APIWEB: '$(api_export APIWEB)'"
# A reload reads every profile back (GetSettings + GetSecrets): untouched, it is still "exported"
# (the canonical form of what NetworkManager returns matches what verifierd sent).
reload_v
[ "$(api_export APIWEB)" = exported ] && api_apn_is api.example.com &&
        ok "reload: NetworkManager's copy reads back as what verifierd set (still exported, not a user change)" ||
        { fail "after reload: APIWEB '$(api_export APIWEB)', apn '$(api_apn)'"; pb_ns journalctl -b -u verifierd.service --no-pager -o cat | tail -n 10 | sed 's/^/    /'; }
# the adopted profile (autoconnect, a priority, CHAP) reads back the same way
[ "$(api_export INTERNET)" = exported ] && nm_apn_is internet2.example.com &&
        ok "reload: the adopted '$CON' (autoconnect, priority, CHAP) reads back as set too" ||
        fail "after reload: INTERNET '$(api_export INTERNET)', apn '$(nm_apn)'"

out=$(pb_ns provctl --json inject /root/pushes/api2.netwpin.wsp 2>&1)
[ "$(pj 'd["verdict"]' <<<"$out" 2>/dev/null)" = applied ] && ok "a newer push for APIWEB: applied" || fail "api2 push: $out"
pb_wait_for 20 api_apn_is api2.example.com && ok "Update2: '$API' has the newer APN api2.example.com" ||
        fail "after the update: '$(api_apn)'"
f2=$(pb_ns nmcli -t -f NAME,UUID,FILENAME connection show 2>&1 | grep "^$API:")
[ "$f2" = "$f" ] && ok "the same connection and file (uuid $AUUID) were updated" || fail "after the update: '$f2' (was '$f')"
a=$(pb_ns sed -n 's/^apn=//p' "$AFILE" 2>&1)
[ "$a" = api2.example.com ] && ok "NetworkManager stored the update to disk: apn=api2.example.com in $AFILE" ||
        fail "file $AFILE apn '$a'"

# The user edits the profile with nmcli: the next push (of another profile) and a reload leave it.
out=$(pb_ns nmcli connection modify "$API" gsm.apn users.api 2>&1)
[ $? -eq 0 ] && ok "nmcli connection modify '$API' gsm.apn users.api" || fail "nmcli modify: $out"
out=$(pb_ns provctl --json inject /root/pushes/api3.netwpin.wsp 2>&1)
[ "$(pj 'd["verdict"]' <<<"$out" 2>/dev/null)" = applied ] && ok "the next push (NAPDEF APIMORE): applied" || fail "api3 push: $out"
more_is() { [ "$(pb_ns nmcli -g gsm.apn connection show "API More" 2>/dev/null)" = more.example.com ]; }
pb_wait_for 20 more_is && ok "'API More' added through the settings API" || fail "'API More' missing"
reload_v
api_apn_is users.api && ok "after the next push and a reload: the user's APN users.api stays" || fail "user's edit overwritten: '$(api_apn)'"
[ "$(api_export APIWEB)" = "changed by the user, not overwritten" ] &&
        ok "provctl settings: APIWEB changed by the user, not overwritten" || fail "provctl settings APIWEB: '$(api_export APIWEB)'"
user_logged() { pb_ns journalctl -b -u verifierd.service --no-pager -o cat | grep "provboot-APIWEB-" | grep -q "was changed by someone else: left alone"; }
pb_wait_for 10 user_logged && ok "verifierd's journal: APIWEB changed by someone else, left alone" || fail "no journal line for the user's edit of APIWEB"

# The user deletes a profile: not recreated.
pb_ns nmcli connection delete "API More" >/dev/null 2>&1
reload_v
[ "$(api_export APIMORE)" = "removed by the user, not recreated" ] && ! more_is &&
        ok "'API More' deleted with nmcli: not recreated (provctl settings: removed by the user)" ||
        fail "after nmcli delete: APIMORE '$(api_export APIMORE)', apn '$(pb_ns nmcli -g gsm.apn connection show "API More" 2>&1)'"

# The writer was never used in this phase: its service was not started again by its socket.
[ "$(pb_ns systemctl is-active provboot-nm-writer.service)" = inactive ] && [ "$(ncount)" = "$W_STARTS" ] &&
        ok "provboot-nm-writer was not activated while the settings API was used" ||
        fail "provboot-nm-writer: $(pb_ns systemctl is-active provboot-nm-writer.service), starts $W_STARTS -> $(ncount)"
pb_ns journalctl -b -u verifierd.service --no-pager -o cat | grep -iE "failed|warning" | grep -i -e "NetworkManager" -e export |
        sed 's/^/    verifierd: /'
[ "$(pb_ns systemctl show -p MainPID --value verifierd.service)" = "$VPID" ] &&
        ok "verifierd.service kept its MainPID through the phase (reloads only)" || fail "verifierd restarted during the API phase"

# ---- the DM route (issue 13) under systemd: verifierd (provboot-verifier, PrivateNetwork=yes,
# RestrictAddressFamilies=AF_UNIX, IPAddressDeny=any) does TLS and the session on the TCP socket
# that dmsessiond (provdial, bus-activated) connected and passed to it. The DM servers run in the
# container's network namespace (127.0.0.1 is the container's loopback), with the host's
# python3 and files in $PB_WORK: the tree has no python3.
W=$PB_WORK
NAP='/NAPDEF[NAPID=INTERNET]'
dm_ns_server() { # dm_ns_server NAME TLSSERVER-ARGS...: sets DM_PORT
        local n=$1
        shift
        rm -f "$W/$n.port"
        DMSERVER_CONFIG=$W/dmserver.json nsenter -t "$PB_NS_LEADER" -n python3 "$DM_DIR/tlsserver.py" \
                --port-file "$W/$n.port" --log "$W/$n.jsonl" --handler "$DM_DIR/dmserver.py" "$@" >>"$W/$n.log" 2>&1 &
        DM_NS_PIDS+=("$!")
        pb_wait_for 10 test -s "$W/$n.port" || { echo "tlsserver.py $n did not start:"; cat "$W/$n.log"; return 1; }
        DM_PORT=$(cat "$W/$n.port")
}
dm_ns_account() { # dm_ns_account SERVER-ID ADDR: the account's NETWPIN push (no NAPDEF), injected inside
        DM_ACCOUNT_NAPDEF=no dm_account_xml "$1" 4 "$2" >"$W/$1.xml"
        "$PB_TOP/tools/mkpush.py" --xml "$W/$1.xml" --sec netwpin --imsi $IMSI --out "$W/$1.wsp" || return 1
        pb_ns sh -c "cat >/root/pushes/$1.wsp" <"$W/$1.wsp"
        pb_ns provctl --json inject "/root/pushes/$1.wsp" 2>&1
}
dm_ns_posts() { # dm_ns_posts NAME: the POSTs server NAME recorded
        [ -f "$W/$1.jsonl" ] || { echo 0; return; }
        grep -c '"method": *"POST"' "$W/$1.jsonl"
}
nap_value() {
        pb_ns provctl --json settings 2>/dev/null |
                pj "[e['value'] for e in d if e['path'] == '$NAP' and e['name'] == 'NAP-ADDRESS']" 2>/dev/null
}
PROVDIAL_UID=$(pb_ns id -u provdial 2>/dev/null)
[ -n "$PROVDIAL_UID" ] && ok "systemd-sysusers created the user provdial ($PROVDIAL_UID)" || fail "no user provdial"
nap0=$(nap_value)
echo "NAPDEF INTERNET NAP-ADDRESS before the DM session: $nap0"
dm_config happy dm.test
if dm_ns_server good --cert "$DM_CERT" --key "$DM_KEY"; then
        ok "tlsserver.py + dmserver.py (happy) on the container's 127.0.0.1:$DM_PORT"
else
        fail "DM server in the container's network namespace"
fi
out=$(dm_ns_account dm.test "https://127.0.0.1:$DM_PORT/dm")
[ "$(pj 'd["verdict"]' <<<"$out" 2>/dev/null)" = applied ] &&
        ok "the DM account dm.test (w7, ROLE 4, APPAUTH CLIENT/APPSRV) created by a NETWPIN push: applied" ||
        fail "account push dm.test: $out"
out=$(pb_ns provctl --json dm connect dm.test 2>&1)
rc=$?
echo "provctl --json dm connect dm.test: $out"
v="$rc $(pj 'd["result"], d["reason"], d["executed"], d["denied"]' <<<"$out" 2>/dev/null)"
[ "$v" = "0 ('completed', '', 2, 0)" ] && ok "provctl dm connect dm.test: rc 0, completed, the Get and the Replace executed" ||
        { fail "provctl dm connect dm.test: '$v'"; pb_ns_diag dmsessiond.service; pb_ns_diag verifierd.service; cat "$W/good.log"; }
v=$(dm_record 2 "[s['data'] for s in r['statuses'] if s['cmd'] == 'Replace']" 2>&1)
[ "$v" = "['200']" ] && ok "the server's record: the Replace of NAPDEF/INTERNET/NAP-ADDRESS got 200" ||
        fail "server record, Replace status: $v"
v=$(dm_record 1 "r['cred_type'] + ' ' + str(r['cred_ok'])" 2>&1)
[ "$v" = "syncml:auth-md5 True" ] && ok "the server's record: package 1 Cred is syncml:auth-md5 and verifies" ||
        fail "server record, package 1 Cred: $v"
[ "$(nap_value)" = "['internet.dm.test']" ] && ok "provctl --json settings: NAP-ADDRESS internet.dm.test (was $nap0)" ||
        fail "provctl settings NAP-ADDRESS after the session: $(nap_value)"
if pb_wait_for 30 nm_apn_is internet.dm.test; then
        ok "nmcli connection show '$CON': gsm.apn internet.dm.test (the DM change reached NetworkManager)"
else
        fail "NetworkManager after the DM session: gsm.apn '$(nm_apn)'"
        pb_ns journalctl -b -u verifierd.service --no-pager -o cat | tail -n 15 | sed 's/^/    /'
fi
pb_ns journalctl -b -u dbus.service --no-pager -o cat | grep -q "Successfully activated service 'org.provboot.Dialer1'" &&
        ok "dbus-daemon activated org.provboot.Dialer1 through systemd" ||
        fail "no bus activation of dmsessiond in dbus.service's journal"
out=$(pb_ns systemctl show -p IPAddressDeny,RestrictAddressFamilies,PrivateNetwork,User verifierd.service)
echo "systemctl show verifierd.service:"
sed 's/^/    /' <<<"$out"
grep -qx 'RestrictAddressFamilies=AF_UNIX' <<<"$out" && grep -qx 'PrivateNetwork=yes' <<<"$out" &&
        grep -qx 'User=provboot-verifier' <<<"$out" && grep -Eqx 'IPAddressDeny=(any|0\.0\.0\.0/0 ::/0|::/0 0\.0\.0\.0/0)' <<<"$out" &&
        ok "verifierd.service kept IPAddressDeny=any, RestrictAddressFamilies=AF_UNIX, PrivateNetwork=yes, User=provboot-verifier" ||
        fail "verifierd.service properties: $out"
out=$(pb_ns systemctl show -p IPAddressAllow,IPAddressDeny,RestrictAddressFamilies,User dmsessiond.service)
echo "systemctl show dmsessiond.service:"
sed 's/^/    /' <<<"$out"
grep -q '^IPAddressAllow=.*127\.0\.0\.0/8' <<<"$out" && grep -qx 'User=provdial' <<<"$out" &&
        ok "dmsessiond.service: User=provdial, the drop-in's IPAddressAllow=localhost in force" ||
        fail "dmsessiond.service properties: $out"
VPID=$(pb_ns systemctl show -p MainPID --value verifierd.service)
DPID=$(pb_ns systemctl show -p MainPID --value dmsessiond.service)
u=$(proc_status "$VPID" Uid)
[ -n "$VERIFIER_UID" ] && [ "$u" = "$VERIFIER_UID $VERIFIER_UID $VERIFIER_UID $VERIFIER_UID" ] &&
        ok "verifierd (pid $VPID) runs as provboot-verifier" || fail "verifierd Uid: '$u'"
u=$(proc_status "$DPID" Uid)
[ -n "$PROVDIAL_UID" ] && [ "$u" = "$PROVDIAL_UID $PROVDIAL_UID $PROVDIAL_UID $PROVDIAL_UID" ] &&
        ok "dmsessiond (pid $DPID) runs as provdial" || fail "dmsessiond Uid: '$u' (provdial = $PROVDIAL_UID)"
a=$(pb_ns readlink "/proc/$VPID/ns/net"); b=$(pb_ns readlink /proc/1/ns/net)
[ -n "$a" ] && [ "$a" != "$b" ] && ok "verifierd is still in its own network namespace (the session's socket was dmsessiond's)" ||
        fail "verifierd net ns '$a' = PID 1's '$b'"

# A server with the rogue CA's certificate for the same names: the TLS handshake fails, no POST.
if dm_ns_server rogue --cert "$DM_ROGUE_CERT" --key "$DM_ROGUE_KEY"; then
        ROGUE_PORT=$DM_PORT
        ok "tlsserver.py with the rogue certificate on the container's 127.0.0.1:$ROGUE_PORT"
else
        fail "rogue DM server"
fi
out=$(dm_ns_account dm-rogue.test "https://127.0.0.1:${ROGUE_PORT:-1}/dm")
[ "$(pj 'd["verdict"]' <<<"$out" 2>/dev/null)" = applied ] && ok "the account dm-rogue.test created by a NETWPIN push" ||
        fail "account push dm-rogue.test: $out"
out=$(pb_ns provctl --json dm connect dm-rogue.test 2>&1)
rc=$?
echo "provctl --json dm connect dm-rogue.test (rc $rc): $out"
v=$(pj 'd["result"], d["reason"]' <<<"$out" 2>/dev/null)
[ $rc -ne 0 ] && [ "$v" = "('failed', 'tls-failed')" ] && ok "provctl dm connect dm-rogue.test: failed tls-failed (rc $rc)" ||
        fail "provctl dm connect dm-rogue.test: rc $rc '$v'"
[ "$(dm_ns_posts rogue)" = 0 ] && ok "the rogue server's log has no POST" || fail "the rogue server got $(dm_ns_posts rogue) POSTs"
[ "$(nap_value)" = "['internet.dm.test']" ] && nm_apn_is internet.dm.test &&
        ok "after the rogue session: NAP-ADDRESS and NetworkManager unchanged (internet.dm.test)" ||
        fail "after the rogue session: $(nap_value), '$(nm_apn)'"
dm_ns_stop

# ---- power off
t=$(ms)
pb_nspawn_poweroff
ok "container powered off ($(($(ms) - t)) ms)"
echo "total $(($(ms) - T_START)) ms"
pb_summary
