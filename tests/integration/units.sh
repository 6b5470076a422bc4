#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# units.sh: the shipped systemd units, checked offline against an installed staging tree
# (`make install DESTDIR=...`): `systemd-analyze verify` passes, and
# `systemd-analyze security --offline=yes` scores <= 1.0 for provd and <= 2.0 for verifierd
# (docs/testing.md §7.10), <= 1.0 for provboot-nm-writer (issue 14), <= 1.2 for dmsessiond (issue 13); verifierd runs as its own
# user and its socket to the writer is its group's only. Whether the sandbox really holds under
# systemd is the nspawn test's job.
set -u
. "$(dirname "$0")/lib.sh"
trap 'rm -rf "$STAGE"; rm -f /run/systemd/systemd-units-load 2>/dev/null' EXIT
STAGE=$(mktemp -d /tmp/provboot-units.XXXXXX)

make -s -C "$PB_TOP" BUILD="$PB_BUILD" install DESTDIR="$STAGE" PREFIX=/usr >/dev/null
check "make install put both units in place" test -f "$STAGE/lib/systemd/system/provd.service" -a \
        -f "$STAGE/lib/systemd/system/verifierd.service"
# verify resolves dependencies (dbus.service, sysinit.target...) and ExecStart/ExecReload paths
# inside the root it is given: give it the host's units and the commands the units name.
mkdir -p "$STAGE/bin"
cp -an /lib/systemd/system/. "$STAGE/lib/systemd/system/"
cp /bin/sh "$STAGE/bin/sh"

out=$(systemd-analyze verify --man=no --root="$STAGE" provd.service verifierd.service provboot-nm-writer.socket \
        provboot-nm-writer.service dmsessiond.service 2>&1)
rc=$?
[ $rc -eq 0 ] && [ -z "$out" ] && ok "systemd-analyze verify: both units clean" || fail "systemd-analyze verify (rc $rc): $out"

score() { # score UNIT-FILE -> the overall exposure number
        systemd-analyze security --offline=yes --no-pager "$1" 2>/dev/null |
                sed -n 's/.*Overall exposure level for .*: \([0-9.]*\) .*/\1/p'
}
p=$(score "$STAGE/lib/systemd/system/provd.service")
v=$(score "$STAGE/lib/systemd/system/verifierd.service")
w=$(score "$STAGE/lib/systemd/system/provboot-nm-writer.service")
echo "exposure: provd $p, verifierd $v, provboot-nm-writer $w"
awk -v s="$w" 'BEGIN { exit !(s != "" && s <= 1.0) }' && ok "provboot-nm-writer exposure $w <= 1.0" ||
        fail "provboot-nm-writer exposure '$w' > 1.0"
awk -v s="$p" 'BEGIN { exit !(s != "" && s <= 1.0) }' && ok "provd exposure $p <= 1.0" || fail "provd exposure '$p' > 1.0"
awk -v s="$v" 'BEGIN { exit !(s != "" && s <= 2.0) }' && ok "verifierd exposure $v <= 2.0" || fail "verifierd exposure '$v' > 2.0"
systemd-analyze security --offline=yes --threshold=10 "$STAGE/lib/systemd/system/provd.service" >/dev/null 2>&1 &&
        ok "systemd-analyze --threshold=10 (1.0) accepts provd" || fail "systemd-analyze --threshold=10 rejects provd"
systemd-analyze security --offline=yes --threshold=20 "$STAGE/lib/systemd/system/verifierd.service" >/dev/null 2>&1 &&
        ok "systemd-analyze --threshold=20 (2.0) accepts verifierd" || fail "systemd-analyze --threshold=20 rejects verifierd"

# Key sandbox settings that the design relies on are present (a weakened unit fails here).
for kv in "verifierd:LimitCORE=0" "verifierd:CapabilityBoundingSet=" "verifierd:StateDirectory=provboot" \
        "verifierd:MemoryMax=128M" "verifierd:TasksMax=8" "verifierd:Type=dbus" "verifierd:BusName=org.provboot.Verifier1" "provd:Type=notify" "provd:User=provd" \
        "provd:CapabilityBoundingSet=" "provd:RestrictAddressFamilies=AF_UNIX" "provd:PrivateNetwork=yes" \
        "verifierd:User=provboot-verifier" "verifierd:Group=provboot-verifier" "verifierd:AmbientCapabilities=" \
        "provboot-nm-writer:CapabilityBoundingSet=" "provboot-nm-writer:ProtectSystem=strict" \
        "provboot-nm-writer:ReadWritePaths=-/etc/NetworkManager/system-connections" \
        "provboot-nm-writer:PrivateNetwork=yes" "provboot-nm-writer:RestrictAddressFamilies=AF_UNIX"; do
        u=${kv%%:*}; setting=${kv#*:}
        grep -qxF "$setting" "$STAGE/lib/systemd/system/$u.service" && ok "$u.service has $setting" ||
                fail "$u.service lacks $setting"
done
# The writer's socket: verifierd's group only (the writer checks the uid again, SO_PEERCRED).
for setting in "SocketGroup=provboot-verifier" "SocketMode=0660" "ListenStream=/run/provboot/nm-writer.socket"; do
        grep -qxF "$setting" "$STAGE/lib/systemd/system/provboot-nm-writer.socket" &&
                ok "provboot-nm-writer.socket has $setting" || fail "provboot-nm-writer.socket lacks $setting"
done
grep -qx 'u provboot-verifier .*' "$STAGE/usr/lib/sysusers.d/provboot.conf" && ok "sysusers creates provboot-verifier" ||
        fail "sysusers lacks provboot-verifier"
grep -qx 'User=provboot-verifier' "$STAGE/usr/share/dbus-1/system-services/org.provboot.Verifier1.service" &&
        ok "D-Bus activation names User=provboot-verifier" || fail "D-Bus activation file still names another user"
# dmsessiond, the DM dialer (issue 13): the only provboot unit with network access, so it is
# checked like provd: exposure <= 1.2 (1.1 measured: the network families are its one exposure), its own user,
# no capabilities, IP families and AF_UNIX only, bus-activated as provdial.
d=$(score "$STAGE/lib/systemd/system/dmsessiond.service")
echo "exposure: dmsessiond $d"
awk -v s="$d" 'BEGIN { exit !(s != "" && s <= 1.2) }' && ok "dmsessiond exposure $d <= 1.2" || fail "dmsessiond exposure '$d' > 1.2"
for setting in "User=provdial" "Group=provdial" "CapabilityBoundingSet=" "AmbientCapabilities=" "NoNewPrivileges=yes" \
        "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6" "ProtectSystem=strict" "Type=dbus" \
        "BusName=org.provboot.Dialer1" "Alias=dbus-org.provboot.Dialer1.service" "MemoryDenyWriteExecute=yes" \
        "IPAddressDeny=localhost link-local multicast" "IPAddressAllow=127.0.0.53 127.0.0.54"; do
        grep -qxF "$setting" "$STAGE/lib/systemd/system/dmsessiond.service" && ok "dmsessiond.service has $setting" ||
                fail "dmsessiond.service lacks $setting"
done
# the drop-in dmsessiond(8) documents for [DM] AllowLoopback=yes (tests) reopens loopback: still clean
mkdir -p "$STAGE/etc/systemd/system/dmsessiond.service.d"
printf '[Service]\nIPAddressAllow=localhost\n' >"$STAGE/etc/systemd/system/dmsessiond.service.d/loopback.conf"
out=$(systemd-analyze verify --man=no --root="$STAGE" dmsessiond.service 2>&1)
rc=$?
[ $rc -eq 0 ] && [ -z "$out" ] && ok "dmsessiond.service with the loopback drop-in: verify clean" ||
        fail "verify with the loopback drop-in (rc $rc): $out"
rm -rf "$STAGE/etc/systemd/system/dmsessiond.service.d"
grep -qx 'u provdial .*' "$STAGE/usr/lib/sysusers.d/provboot.conf" && ok "sysusers creates provdial" ||
        fail "sysusers lacks provdial"
grep -qx 'User=provdial' "$STAGE/usr/share/dbus-1/system-services/org.provboot.Dialer1.service" &&
        grep -qx 'SystemdService=dbus-org.provboot.Dialer1.service' "$STAGE/usr/share/dbus-1/system-services/org.provboot.Dialer1.service" &&
        ok "D-Bus activation of org.provboot.Dialer1 names User=provdial and the unit alias" ||
        fail "D-Bus activation file of Dialer1"
# The user unit of provboot-mmsd-sync (issue 10 point 5): installed, clean under a user manager's
# verify (its ExecStart pointed at the staged binary; a private runtime directory stands in for
# the user's), started with mmsd-tng, and what an unprivileged manager can enforce is there.
UU=$STAGE/usr/lib/systemd/user/provboot-mmsd-sync.service
check "make install put the provboot-mmsd-sync user unit and program in place" test -f "$UU" -a \
        -x "$STAGE/usr/libexec/provboot/provboot-mmsd-sync"
mkdir -p "$STAGE/uverify" "$STAGE/xdg-runtime" && chmod 0700 "$STAGE/xdg-runtime"
sed "s|^ExecStart=/usr/libexec/|ExecStart=$STAGE/usr/libexec/|" "$UU" >"$STAGE/uverify/provboot-mmsd-sync.service"
out=$(XDG_RUNTIME_DIR=$STAGE/xdg-runtime systemd-analyze --user verify --man=no "$STAGE/uverify/provboot-mmsd-sync.service" 2>&1)
rc=$?
[ $rc -eq 0 ] && [ -z "$out" ] && ok "systemd-analyze --user verify: provboot-mmsd-sync.service clean" ||
        fail "systemd-analyze --user verify (rc $rc): $out"
for setting in "ExecStart=/usr/libexec/provboot/provboot-mmsd-sync" "Type=notify" "WantedBy=mmsd-tng.service" \
        "ConditionUser=!@system" "NoNewPrivileges=yes" "RestrictAddressFamilies=AF_UNIX" \
        "StateDirectory=provboot-mmsd-sync"; do
        grep -qxF "$setting" "$UU" && ok "provboot-mmsd-sync.service has $setting" ||
                fail "provboot-mmsd-sync.service lacks $setting"
done
pb_summary
