#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# nspawn-deb.sh: the Debian package in a booted Debian 12 (issue 6, "Installed with dpkg -i into
# the booted Debian 12 tree"). A fresh copy of the cached tree of nspawn.sh is booted with
# systemd-nspawn -b; inside:
#   - `dpkg -i provboot_*.deb` (from `make deb`): its maintainer scripts create the user, the
#     directories, enable and start provd.service and enable (not start) verifierd.service;
#   - a NETWPIN push goes through (applied, keyfile 0600), a USERPIN push is left pending;
#   - an upgrade to a rebuilt package (the same .deb repacked with a higher version, so the
#     maintainer scripts run the upgrade path) restarts provd, makes the next call reach a
#     new verifierd, and keeps the store: history and the pending push, whose PIN still works;
#   - `apt-get purge provboot` stops both daemons, removes the files, the unit symlinks and
#     /var/lib/provboot; the system user provd and group provboot stay (Debian policy: system
#     users are not removed, a reused uid could inherit leftover files -- see debian/provboot.postrm),
#     as do files the administrator created (the drop-in) and the NetworkManager connection.
# The package comes from $BUILD/dist/deb/ when it is newer than every source file, else this
# runs `make deb`. Without packaging/debian/ the test is skipped (0 passed, 0 failed).
set -u
. "$(dirname "$0")/lib.sh"

IMSI=262011234567890
PIN=1234
ms() { date +%s%3N; }
T_START=$(ms)
pj() { python3 -c 'import json, sys; d = json.load(sys.stdin); r = eval(sys.argv[1]); print(r if not isinstance(r, bool) else int(r))' "$1"; }

if [ "$(id -u)" -ne 0 ]; then
        fail "nspawn-deb.sh needs root"
        pb_summary
        exit 1
fi
if [ ! -f "$PB_TOP/packaging/debian/control" ]; then
        echo "SKIP: no packaging/debian/ (no Debian package to test yet)"
        pb_summary
        exit 0
fi
for c in systemd-nspawn debootstrap nsenter flock python3 dpkg-deb; do
        command -v "$c" >/dev/null || { fail "missing $c (make deps: tools/deps.txt)"; pb_summary; exit 1; }
done
trap 'pb_nspawn_cleanup; rm -rf "${DEBWORK:-/nonexistent}"' EXIT
trap 'exit 130' INT TERM
DEBWORK=$(mktemp -d "${TMPDIR:-/var/tmp}/provboot-nspawn-deb.XXXXXX")

# ---- the package: reuse a fresh `make deb` result, else build it
# `make deb` runs with the default BUILD and without BUILD in its environment: a BUILD variable
# reaches the package's own `make clean`/`make` inside dpkg-buildpackage, which would then
# delete and rebuild that directory instead of the staged tree's build/.
DEBDIR=$PB_TOP/build/dist/deb
deb_find() { ls -t "$DEBDIR"/provboot_*.deb 2>/dev/null | head -1; }
DEB=$(deb_find)
if [ -n "$DEB" ] && [ -z "$(find "$PB_TOP" \( -path "$PB_TOP/.git" -o -path "$PB_TOP/build" -o -path "$PB_BUILD" \) -prune -o \
        -type f -newer "$DEB" -print -quit)" ]; then
        echo "using $DEB (newer than every source file)"
else
        t=$(ms)
        if ! env -u BUILD make -C "$PB_TOP" deb >"$DEBWORK/make-deb.log" 2>&1; then
                fail "make deb"
                tail -n 25 "$DEBWORK/make-deb.log"
                pb_summary
                exit 1
        fi
        DEB=$(deb_find)
        [ -n "$DEB" ] && ok "make deb: $(basename "$DEB") ($(($(ms) - t)) ms)" || { fail "make deb made no provboot_*.deb"; pb_summary; exit 1; }
fi
cp "$DEB" "$DEBWORK/"
DEB=$DEBWORK/$(basename "$DEB")
V1=$(dpkg-deb -f "$DEB" Version)
V2=$V1+nspawn1
# The upgrade: the same package rebuilt with a higher version (dpkg-deb -R / -b).
dpkg-deb -R "$DEB" "$DEBWORK/pkg" &&
        sed -i "s/^Version: .*/Version: $V2/" "$DEBWORK/pkg/DEBIAN/control" &&
        dpkg-deb -b "$DEBWORK/pkg" "$DEBWORK/provboot_${V2}_new.deb" >/dev/null &&
        rm -rf "$DEBWORK/pkg" &&
        ok "package $V1 and its rebuild $V2" || { fail "repacking $DEB as $V2"; pb_summary; exit 1; }

# ---- a fresh copy of the cached tree, booted without provboot
t=$(ms)
pb_nspawn_cache || { fail "cached Debian 12 tree in $PB_NS_CACHE"; pb_summary; exit 1; }
ok "cached Debian 12 tree $PB_NS_CACHE ($(($(ms) - t)) ms)"
pb_nspawn_copy || { fail "disposable copy of the tree"; pb_summary; exit 1; }
R=$PB_NS_ROOT
mkdir -p "$R/root/debs" "$R/root/pushes"
cp "$DEB" "$R/root/debs/provboot_${V1}.deb"
cp "$DEBWORK/provboot_${V2}_new.deb" "$R/root/debs/provboot_${V2}.deb"
cp "$PB_TOP/tests/data/demo/apn-proxy.netwpin.sms.hex" "$PB_TOP/tests/data/demo/bookmark.userpin.sms.hex" "$R/root/pushes/"
t=$(ms)
if ! pb_nspawn_boot 60; then
        fail "container booted to running|degraded (state '$PB_NS_STATE')"
        pb_summary
        exit 1
fi
ok "booted with systemd-nspawn -b: system $PB_NS_STATE ($(($(ms) - t)) ms)"

unit_is() { [ "$(pb_ns systemctl is-active "$1" 2>/dev/null)" = "$2" ]; }
show() { pb_ns systemctl show -p "$2" --value "$1"; }

# ---- install
t=$(ms)
out=$(pb_ns env DEBIAN_FRONTEND=noninteractive dpkg -i "/root/debs/provboot_${V1}.deb" 2>&1)
rc=$?
[ $rc -eq 0 ] && ok "dpkg -i provboot_${V1}.deb inside the booted system ($(($(ms) - t)) ms)" ||
        { fail "dpkg -i rc $rc:"; echo "$out" | tail -n 25
          grep -q 'dependency problems' <<<"$out" &&
                  echo "(a Depends: of the package is not in the cached tree: add it to PB_NS_PACKAGES in lib.sh)"
          pb_summary; exit 1; }
pb_ns getent passwd provd >/dev/null && pb_ns getent group provboot >/dev/null &&
        pb_ns getent passwd provboot-verifier >/dev/null &&
        ok "postinst created users provd, provboot-verifier and group provboot" ||
        fail "no user provd / provboot-verifier / group provboot after dpkg -i"
st=$(pb_ns stat -c '%a %U %G' /var/lib/provboot 2>&1)
[ "$st" = "700 provboot-verifier provboot-verifier" ] && ok "/var/lib/provboot 0700 provboot-verifier (tmpfiles)" ||
        fail "/var/lib/provboot: $st"
[ "$(pb_ns systemctl is-active provboot-nm-writer.socket)" = active ] && ok "postinst started provboot-nm-writer.socket" ||
        fail "provboot-nm-writer.socket is $(pb_ns systemctl is-active provboot-nm-writer.socket) after dpkg -i"
if pb_wait_for 20 unit_is provd.service active; then
        ok "postinst started provd.service"
else
        fail "provd.service is $(pb_ns systemctl is-active provd.service) after dpkg -i"
        pb_ns_diag provd.service
fi
[ "$(pb_ns systemctl is-enabled provd.service)" = enabled ] && ok "provd.service enabled" || fail "provd.service not enabled"
[ "$(pb_ns systemctl is-enabled verifierd.service)" = enabled ] &&
        pb_ns test -L /etc/systemd/system/dbus-org.provboot.Verifier1.service &&
        ok "verifierd.service enabled: alias dbus-org.provboot.Verifier1.service in place" ||
        fail "verifierd.service: $(pb_ns systemctl is-enabled verifierd.service), alias $(pb_ns ls -l /etc/systemd/system/dbus-org.provboot.Verifier1.service 2>&1)"
[ "$(show verifierd.service ActiveState)" = inactive ] && ok "verifierd.service not started by the package" ||
        fail "verifierd.service $(show verifierd.service ActiveState) right after dpkg -i"

# The administrator's drop-in, as README's "Install on a phone" says
mkdir -p "$R/etc/provboot/verifierd.conf.d" "$R/etc/NetworkManager/system-connections"
cat >"$R/etc/provboot/verifierd.conf.d/50-test.conf" <<EOF
[Bootstrap]
Enabled=yes
ConfirmNetworkPin=no

[NetworkPin]
Source=static
Imsi=$IMSI

[Export]
NetworkManagerDir=/etc/NetworkManager/system-connections
EOF

# ---- provctl and a push
out=$(pb_ns provctl status 2>&1)
rc=$?
[ $rc -eq 0 ] && grep -q 'Bootstrap.Enabled: yes' <<<"$out" && ok "provctl status: verifierd activated, drop-in in effect" ||
        fail "provctl status rc $rc: $(tail -n 5 <<<"$out")"
pb_wait_for 20 unit_is verifierd.service active && ok "verifierd.service active (bus-activated)" ||
        { fail "verifierd.service $(pb_ns systemctl is-active verifierd.service)"; pb_ns_diag verifierd.service; }
out=$(pb_ns provctl --json inject --sms /root/pushes/apn-proxy.netwpin.sms.hex 2>&1)
A=$(pj 'd["id"]' <<<"$out" 2>/dev/null)
[ "$(pj 'd["verdict"]' <<<"$out" 2>/dev/null)" = applied ] && ok "NETWPIN push applied (push $A)" || fail "NETWPIN push: $out"
kf=$(pb_ns sh -c 'stat -c "%a %U %n" /etc/NetworkManager/system-connections/*.nmconnection' 2>&1)
[ -n "$kf" ] && ! grep -qv '^600 root ' <<<"$kf" && ok "NetworkManager keyfile mode 0600 root" || fail "keyfile: $kf"
out=$(pb_ns provctl --json inject --sms /root/pushes/bookmark.userpin.sms.hex 2>&1)
B=$(pj 'd["id"]' <<<"$out" 2>/dev/null)
[ "$(pj 'd["verdict"]' <<<"$out" 2>/dev/null)" = pending ] && ok "USERPIN push left pending (push $B)" || fail "USERPIN push: $out"
out=$(pb_ns provctl --json pending 2>&1)
[ "$(pj "[e['id'] for e in d] == [${B:-0}]" <<<"$out" 2>/dev/null)" = 1 ] && ok "provctl pending lists push $B" ||
        fail "provctl pending: $out"
P1=$(show provd.service MainPID)
VP1=$(show verifierd.service MainPID)
STORE1=$(pb_ns sh -c 'ls /var/lib/provboot' 2>&1 | paste -sd' ')
echo "before upgrade: provd pid $P1, verifierd pid $VP1, store: $STORE1"

# ---- upgrade
t=$(ms)
out=$(pb_ns env DEBIAN_FRONTEND=noninteractive dpkg -i "/root/debs/provboot_${V2}.deb" 2>&1)
rc=$?
[ $rc -eq 0 ] && [ "$(pb_ns dpkg-query -W -f '${Version}' provboot)" = "$V2" ] &&
        ok "upgrade with dpkg -i to $V2 ($(($(ms) - t)) ms)" || { fail "upgrade rc $rc:"; echo "$out" | tail -n 25; }
if pb_wait_for 20 unit_is provd.service active; then
        P2=$(show provd.service MainPID)
        [ "$P2" != "$P1" ] && ok "provd.service restarted by the upgrade (pid $P1 -> $P2)" ||
                fail "provd.service not restarted by the upgrade (pid $P1)"
else
        fail "provd.service $(pb_ns systemctl is-active provd.service) after the upgrade"
        pb_ns_diag provd.service
fi
echo "after upgrade: verifierd $(show verifierd.service ActiveState) pid $(show verifierd.service MainPID)"
hist=$(pb_ns provctl --json history 2>&1)
[ "$(pj "{e['id']: e['verdict'] for e in d} == {${A:-0}: 'applied', ${B:-0}: 'pending'}" <<<"$hist" 2>/dev/null)" = 1 ] &&
        ok "store kept: history has push $A applied and push $B pending" || fail "history after upgrade: $hist"
VP2=$(show verifierd.service MainPID)
[ "$VP2" != 0 ] && [ "$VP2" != "$VP1" ] && ok "a new verifierd serves after the upgrade (pid $VP1 -> $VP2)" ||
        fail "verifierd after upgrade: pid $VP2 (before $VP1): the old binary still serves"
out=$(pb_ns provctl --json pending 2>&1)
[ "$(pj "[e['id'] for e in d] == [${B:-0}]" <<<"$out" 2>/dev/null)" = 1 ] && ok "push $B still pending after the upgrade" ||
        fail "pending after upgrade: $out"
out=$(pb_ns sh -c "echo $PIN | provctl --json pin $B" 2>&1)
[ "$(pj 'd["verdict"]' <<<"$out" 2>/dev/null)" = applied ] && ok "the PIN for push $B is accepted after the upgrade: applied" ||
        fail "provctl pin $B after upgrade: $out"

# ---- purge
VP3=$(show verifierd.service MainPID)
P3=$(show provd.service MainPID)
t=$(ms)
out=$(pb_ns env DEBIAN_FRONTEND=noninteractive apt-get purge -y provboot 2>&1)
rc=$?
[ $rc -eq 0 ] && ok "apt-get purge provboot ($(($(ms) - t)) ms)" || { fail "apt-get purge rc $rc:"; echo "$out" | tail -n 25; }
s=$(pb_ns dpkg-query -W -f '${db:Status-Abbrev}' provboot 2>/dev/null)
[ -z "$s" ] || [ "${s:0:2}" = pn ] && ok "provboot purged (no config-files state left)" ||
        fail "dpkg status of provboot after purge: '$s'"
gone() { ! pb_ns test -e "/proc/$1"; }
pb_wait_for 10 gone "$P3" && pb_wait_for 10 gone "$VP3" && ok "provd (pid $P3) and verifierd (pid $VP3) stopped" ||
        fail "daemons still running after purge: $(pb_ns sh -c "cat /proc/$P3/comm /proc/$VP3/comm" 2>/dev/null)"
left=$(pb_ns sh -c 'for f in /var/lib/provboot /run/provboot /usr/libexec/provboot /usr/lib/provboot /usr/bin/provctl \
        /lib/systemd/system/provd.service /lib/systemd/system/verifierd.service \
        /etc/systemd/system/multi-user.target.wants/provd.service /etc/systemd/system/dbus-org.provboot.Verifier1.service \
        /usr/share/dbus-1/system.d/org.provboot.conf /usr/share/dbus-1/system-services/org.provboot.Verifier1.service \
        /usr/lib/sysusers.d/provboot.conf /usr/lib/tmpfiles.d/provboot.conf; do [ -e "$f" ] || [ -L "$f" ] && echo "$f"; done')
[ -z "$left" ] && ok "purge removed the store /var/lib/provboot, /run/provboot, every file and unit symlink" ||
        fail "left after purge: $(paste -sd' ' <<<"$left")"
not_activatable() { ! pb_ns busctl list --activatable --no-legend | awk '{ print $1 }' | grep -qx org.provboot.Verifier1; }
pb_wait_for 10 not_activatable && ok "org.provboot.Verifier1 no longer activatable" ||
        fail "org.provboot.Verifier1 still activatable after purge"
[ "$(show provd.service LoadState)" = not-found ] && [ "$(show verifierd.service LoadState)" = not-found ] &&
        ok "systemd no longer knows provd.service / verifierd.service" ||
        fail "after purge: provd.service $(show provd.service LoadState), verifierd.service $(show verifierd.service LoadState)"
# Debian policy (9.2.1 and the sysusers practice): system users and groups are not removed on
# purge; debian/provboot.postrm says so.
pb_ns getent passwd provd >/dev/null && pb_ns getent group provboot >/dev/null &&
        ok "user provd and group provboot stay after purge (Debian practice, as provboot.postrm documents)" ||
        fail "purge removed user provd / group provboot, which provboot.postrm says stay"
pb_ns test -f /etc/provboot/verifierd.conf.d/50-test.conf &&
        ok "the administrator's drop-in stays after purge" || fail "purge removed the administrator's drop-in"
pb_ns sh -c 'ls /etc/NetworkManager/system-connections/*.nmconnection' >/dev/null 2>&1 &&
        ok "the NetworkManager connection verifierd wrote stays after purge" ||
        fail "purge removed the NetworkManager connection"

t=$(ms)
pb_nspawn_poweroff
ok "container powered off ($(($(ms) - t)) ms)"
echo "total $(($(ms) - T_START)) ms"
pb_summary
