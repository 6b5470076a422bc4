#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# lib.sh: shared helpers for the integration tests and the demo. Sourced, not run.
#
# pb_setup_users      create the system user "provd" and group "provboot" if missing (root)
# pb_start_bus DIR    start a private dbus-daemon with a system-bus-like configuration that
#                     includes the shipped policy ipc/org.provboot.conf (PB_POLICY names another
#                     file instead, for tests that take one layer away) and every file named in
#                     PB_BUS_POLICIES (e.g. a service's own system.d policy); sets PB_BUS, PB_BUS_PID
# pb_start_verifierd CONFDIR STATEDIR   verifierd (PB_VERIFIERD_BIN: another build of it) on that
#                     bus; sets PB_VERIFIERD_PID. As root by
#                     default; with PB_VERIFIERD_USER=provboot-verifier (pb_setup_users creates it)
#                     as that user with no capabilities (setpriv), as verifierd.service runs it
#                     (issue 14), the state directory chowned to it, its keyfiles written by
#                     provboot-nm-writer (pb_start_nm_writer, started here once when needed)
# pb_verifierd_unprivileged   for the tests that must hold against verifierd as systemd runs it
#                     (no-secret, hostile-parser): PB_VERIFIERD_USER=provboot-verifier unless the
#                     caller set it (set and empty: root, as started by hand); after
#                     pb_start_verifierd, pb_check_verifierd_uid says (ok/fail) which uid and
#                     capabilities the running verifierd has
# pb_start_nm_writer DIR   provboot-nm-writer (root) for DIR on $PB_WORK/nm-writer.socket, which
#                     only the group provboot-verifier may connect to; sets PB_NM_WRITER_PID
# pb_start_provd CONFDIR                provd as user provd; sets PB_PROVD_PID
# pb_start_dmsessiond CONFDIR           dmsessiond (the DM dialer) as user provdial; sets PB_DMSESSIOND_PID
# pb_cleanup          stop every process started here (by PID) and remove the work dir
# ok/fail/pb_summary  TAP-like lines and the closing "N passed, N failed"
# pb_xfail            a check known to fail until a named fix lands ("xfail - ...", not counted)
# pb_start_polkitd, pb_start_at_modem, pb_start_modemmanager, pb_mm_add_modem, ...: the real
#                     ModemManager on the private bus (section at the end of this file)
#
# Every wait is a bounded poll on an observable condition (never a sleep to make a race pass).

PB_TOP=${PB_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
PB_BUILD=${BUILD:-build}
case "$PB_BUILD" in /*) ;; *) PB_BUILD=$PB_TOP/$PB_BUILD ;; esac
PB_PASS=0
PB_FAIL=0
PB_XFAIL=0
PB_PIDS=()
PB_WORK=

ok() { PB_PASS=$((PB_PASS + 1)); echo "ok   - $*"; }
fail() { PB_FAIL=$((PB_FAIL + 1)); echo "FAIL - $*"; }
check() { # check DESCRIPTION COMMAND...: pass when the command succeeds
        local d=$1; shift
        if "$@"; then ok "$d"; else fail "$d"; fi
}
# pb_xfail WHY DESCRIPTION COMMAND...: a check that is known to fail until the fix named in WHY
# lands. Failing, it prints "xfail - DESCRIPTION (WHY)" and counts neither as passed nor failed;
# passing, it prints "XPASS - ..." and counts as a FAILURE, so that a stale mark is noticed: then
# turn the pb_xfail into a check.
pb_xfail() {
        local why=$1 d=$2; shift 2
        if "$@"; then
                PB_FAIL=$((PB_FAIL + 1))
                echo "XPASS - $d: passes now ($why); make it an ordinary check"
        else
                PB_XFAIL=$((PB_XFAIL + 1))
                echo "xfail - $d ($why)"
        fi
}
pb_summary() {
        if [ "$PB_XFAIL" -gt 0 ]; then
                echo "$PB_PASS passed, $PB_FAIL failed, $PB_XFAIL expected failures (xfail, not counted)"
        else
                echo "$PB_PASS passed, $PB_FAIL failed"
        fi
        [ "$PB_FAIL" -eq 0 ]
}

# pb_wait_for SECONDS COMMAND...: poll COMMAND every 20 ms until it succeeds or time runs out.
pb_wait_for() {
        local secs=$1 i; shift
        for ((i = 0; i < secs * 50; i++)); do
                "$@" >/dev/null 2>&1 && return 0
                sleep 0.02
        done
        return 1
}

pb_setup_users() {
        getent group provboot >/dev/null || groupadd --system provboot
        getent passwd provd >/dev/null || useradd --system --no-create-home --home-dir /nonexistent \
                --shell /usr/sbin/nologin --user-group provd
        getent passwd provboot-verifier >/dev/null || useradd --system --no-create-home \
                --home-dir /nonexistent --shell /usr/sbin/nologin --user-group provboot-verifier
        getent passwd provdial >/dev/null || useradd --system --no-create-home --home-dir /nonexistent \
                --shell /usr/sbin/nologin --user-group provdial
}

pb_workdir() {
        PB_WORK=$(mktemp -d /tmp/provboot-test.XXXXXX)
        chmod 755 "$PB_WORK"
}

pb_start_bus() {
        local dir=$1
        mkdir -p "$dir/policy.d"
        cp "${PB_POLICY:-$PB_TOP/ipc/org.provboot.conf}" "$dir/policy.d/org.provboot.conf" || return 1
        if [ -n "${PB_BUS_POLICIES:-}" ]; then
                # shellcheck disable=SC2086
                cp ${PB_BUS_POLICIES} "$dir/policy.d/" || return 1
        fi
        cat >"$dir/bus.conf" <<XML
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$dir/bus.sock</listen>
  <auth>EXTERNAL</auth>
  <!-- the default-deny body of /usr/share/dbus-1/system.conf -->
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Properties"/>
    <deny send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus" send_member="UpdateActivationEnvironment"/>
    <deny send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Debug.Stats"/>
    <deny send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.systemd1.Activator"/>
  </policy>
  <!-- root may eavesdrop for the no-secret capture test (as busctl monitor needs) -->
  <policy user="root">
    <allow eavesdrop="true"/>
    <allow send_destination="*" eavesdrop="true"/>
  </policy>
  <includedir>$dir/policy.d</includedir>
  ${PB_BUS_EXTRA:-}
</busconfig>
XML
        dbus-daemon --config-file="$dir/bus.conf" --nofork --print-address=3 3>"$dir/bus.addr" 2>"$dir/bus.err" &
        PB_BUS_PID=$!
        PB_PIDS+=("$PB_BUS_PID")
        pb_wait_for 10 test -s "$dir/bus.addr" || { echo "dbus-daemon did not start"; cat "$dir/bus.err"; return 1; }
        PB_BUS=$(head -1 "$dir/bus.addr")
        export DBUS_SYSTEM_BUS_ADDRESS=$PB_BUS
}

pb_has_name() {
        busctl --address="$PB_BUS" status "$1" >/dev/null 2>&1
}

pb_start_verifierd() {
        local conf=$1 state=$2
        local run=()
        mkdir -p "$state"
        local args=()
        if [ -n "${PB_VERIFIERD_USER:-}" ]; then
                chown -R "$PB_VERIFIERD_USER:$PB_VERIFIERD_USER" "$state" && chmod 0700 "$state" || return 1
                run=(setpriv --reuid="$PB_VERIFIERD_USER" --regid="$PB_VERIFIERD_USER" --clear-groups
                     --inh-caps=-all --bounding-set=-all --no-new-privs)
                if [ -z "${PB_NM_WRITER_PID:-}" ]; then
                        local nmdir
                        nmdir=$(sed -n 's/^NetworkManagerDir=//p' "$conf/verifierd.conf" 2>/dev/null | tail -1)
                        [ -n "$nmdir" ] || nmdir=$PB_WORK/nm-unused
                        mkdir -p "$nmdir"
                        pb_start_nm_writer "$nmdir" || return 1
                fi
                args=(--nm-writer="$PB_WORK/nm-writer.socket")
        fi
        DBUS_SYSTEM_BUS_ADDRESS=$PB_BUS "${run[@]}" "${PB_VERIFIERD_BIN:-$PB_BUILD/verifierd}" --config-dir="$conf" --state-dir="$state" \
                "${args[@]}" >>"$PB_WORK/verifierd.log" 2>&1 &
        PB_VERIFIERD_PID=$!
        PB_PIDS+=("$PB_VERIFIERD_PID")
        pb_wait_for 10 pb_has_name org.provboot.Verifier1 || { echo "verifierd did not start"; cat "$PB_WORK/verifierd.log"; return 1; }
}

pb_verifierd_unprivileged() {
        PB_VERIFIERD_USER=${PB_VERIFIERD_USER-provboot-verifier}
}

pb_check_verifierd_uid() {
        local want uid caps
        uid=$(awk '$1 == "Uid:" { print $2, $3, $4, $5 }' "/proc/$PB_VERIFIERD_PID/status" 2>/dev/null)
        caps=$(awk '$1 == "CapEff:" || $1 == "CapPrm:" || $1 == "CapBnd:" { printf "%s ", $2 }' \
                "/proc/$PB_VERIFIERD_PID/status" 2>/dev/null)
        if [ -z "${PB_VERIFIERD_USER:-}" ]; then
                [ "$uid" = "0 0 0 0" ] && ok "verifierd runs as root (started by hand, PB_VERIFIERD_USER empty)" ||
                        fail "verifierd uid '$uid', want root"
                return
        fi
        want=$(id -u "$PB_VERIFIERD_USER")
        [ "$uid" = "$want $want $want $want" ] && [ "$caps" = "0000000000000000 0000000000000000 0000000000000000 " ] &&
                ok "verifierd runs as $PB_VERIFIERD_USER (uid $want), no capabilities, as verifierd.service runs it" ||
                fail "verifierd uid '$uid' caps '$caps', want $PB_VERIFIERD_USER ($want) without capabilities"
}

pb_start_nm_writer() {
        local dir=$1 sock=$PB_WORK/nm-writer.socket
        "$PB_BUILD/provboot-nm-writer" --listen="$sock" --allow-user="${PB_VERIFIERD_USER:-provboot-verifier}" "$dir" \
                >>"$PB_WORK/nm-writer.log" 2>&1 &
        PB_NM_WRITER_PID=$!
        PB_PIDS+=("$PB_NM_WRITER_PID")
        pb_wait_for 10 test -S "$sock" || { echo "provboot-nm-writer did not start"; cat "$PB_WORK/nm-writer.log"; return 1; }
        # As provboot-nm-writer.socket: SocketGroup=provboot-verifier, SocketMode=0660.
        chgrp provboot-verifier "$sock" && chmod 0660 "$sock"
}

pb_start_provd() {
        local conf=$1
        setpriv --reuid=provd --regid=provd --clear-groups --inh-caps=-all env DBUS_SYSTEM_BUS_ADDRESS="$PB_BUS" \
                "$PB_BUILD/provd" --config-dir="$conf" >>"$PB_WORK/provd.log" 2>&1 &
        PB_PROVD_PID=$!
        PB_PIDS+=("$PB_PROVD_PID")
        pb_wait_for 10 pb_has_name org.provboot.Parser1 || { echo "provd did not start"; cat "$PB_WORK/provd.log"; return 1; }
}

pb_start_dmsessiond() {
        local conf=$1
        setpriv --reuid=provdial --regid=provdial --clear-groups --inh-caps=-all env DBUS_SYSTEM_BUS_ADDRESS="$PB_BUS" \
                "$PB_BUILD/dmsessiond" --config-dir="$conf" >>"$PB_WORK/dmsessiond.log" 2>&1 &
        PB_DMSESSIOND_PID=$!
        PB_PIDS+=("$PB_DMSESSIOND_PID")
        pb_wait_for 10 pb_has_name org.provboot.Dialer1 || { echo "dmsessiond did not start"; cat "$PB_WORK/dmsessiond.log"; return 1; }
}

pb_stop() { # pb_stop PID: TERM, then wait (bounded), then KILL
        local pid=$1 i
        kill -TERM "$pid" 2>/dev/null || return 0
        for ((i = 0; i < 250; i++)); do
                kill -0 "$pid" 2>/dev/null || break
                sleep 0.02
        done
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        return 0
}

pb_cleanup() {
        local i
        for ((i = ${#PB_PIDS[@]} - 1; i >= 0; i--)); do
                pb_stop "${PB_PIDS[$i]}"
        done
        PB_PIDS=()
        [ -n "$PB_WORK" ] && [ -z "${PB_KEEP:-}" ] && rm -rf "$PB_WORK"
        return 0
}

pb_provctl() {
        DBUS_SYSTEM_BUS_ADDRESS=$PB_BUS "$PB_BUILD/provctl" "$@"
}

# --- systemd-nspawn: a booted Debian 12 tree (tests/integration/nspawn.sh, nspawn-deb.sh) ---
# pb_nspawn_mirror          the Debian mirror of the machine's apt sources (suite bookworm);
#                           PROVBOOT_NSPAWN_MIRROR overrides
# pb_nspawn_cache           make sure the cached debootstrapped tree (PB_NS_PACKAGES) exists;
#                           built once, rebuilt when its stamp (the package list) changes; then
#                           holds a shared lock on it until the script exits
# pb_nspawn_copy            a disposable copy of the cache: overlayfs, else cp -a; sets PB_NS_ROOT
# pb_nspawn_boot SECONDS    boot PB_NS_ROOT with `systemd-nspawn -b`, find its PID 1 (PB_NS_LEADER),
#                           wait for `systemctl is-system-running` = running|degraded (PB_NS_STATE)
# pb_ns CMD...              run CMD inside the container (nsenter, clean environment)
# pb_ns_diag UNIT           print the unit's status and journal from inside, and what its exit
#                           status says about the unit setting that failed
# pb_nspawn_cleanup         power the container off (bounded; SIGTERM/SIGKILL as fallback),
#                           unmount and delete the copy
# The cache lives in PROVBOOT_NSPAWN_CACHE (default /var/cache/provboot-test/bookworm-nm-root: a
# tree with NetworkManager; the name changed with the package set, so that a checkout with the
# older set, which caches bookworm-root, and this one do not rebuild each other's tree in turn).
PB_NS_CACHE=${PROVBOOT_NSPAWN_CACHE:-/var/cache/provboot-test/bookworm-nm-root}
# systemd as PID 1, the system bus, and the runtime libraries of provd/verifierd/provctl
# (`ldd build/verifierd build/provd`; the tests check inside the tree that nothing is missing),
PB_NS_PACKAGES="systemd systemd-sysv dbus libsystemd0 libsodium23 libsqlite3-0 libxml2 libssl3"
# Installed with apt inside the debootstrapped tree (debootstrap's own configuration pass cannot
# order polkitd's maintainer scripts): NetworkManager, for nspawn.sh's check that a pushed APN
# reaches the running NetworkManager (verifierd asks it to load the keyfiles it writes; issue 10,
# point 2). No recommends: no wpasupplicant, ModemManager or dnsmasq.
PB_NS_APT_PACKAGES="network-manager"
PB_NS_PID=
PB_NS_LEADER=
PB_NS_DIR=
PB_NS_ROOT=
PB_NS_MOUNTED=
PB_NS_STATE=

pb_nspawn_mirror() {
        local f uri
        if [ -n "${PROVBOOT_NSPAWN_MIRROR:-}" ]; then echo "$PROVBOOT_NSPAWN_MIRROR"; return 0; fi
        for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
                [ -f "$f" ] || continue
                # deb [options] URI SUITE COMPONENT...
                uri=$(awk '$1 == "deb" { i = 2; if ($i ~ /^\[/) { while (i < NF && $i !~ /\]$/) i++; i++ }
                        if ($(i + 1) == "bookworm") { print $i; exit } }' "$f")
                if [ -n "$uri" ]; then echo "$uri"; return 0; fi
        done
        for f in /etc/apt/sources.list.d/*.sources; do
                [ -f "$f" ] || continue
                # deb822 stanzas: Types: deb, Suites: ... bookworm ..., URIs: first one
                uri=$(awk 'BEGIN { RS = ""; FS = "\n" }
                        { t = ""; s = ""; u = ""; en = "yes"
                          for (i = 1; i <= NF; i++) {
                                  l = $i
                                  if (l ~ /^Types:/) { sub(/^Types:[ \t]*/, "", l); t = " " l " " }
                                  else if (l ~ /^Suites:/) { sub(/^Suites:[ \t]*/, "", l); s = " " l " " }
                                  else if (l ~ /^URIs:/) { sub(/^URIs:[ \t]*/, "", l); split(l, a, /[ \t]+/); u = a[1] }
                                  else if (l ~ /^Enabled:/) { sub(/^Enabled:[ \t]*/, "", l); en = l }
                          }
                          if (en != "no" && t ~ / deb / && s ~ / bookworm / && u != "") { print u; exit } }' "$f")
                if [ -n "$uri" ]; then echo "$uri"; return 0; fi
        done
        echo http://deb.debian.org/debian
}

pb_nspawn_cache() {
        local stamp mirror new pkgs t0
        pkgs=$(printf '%s\n' $PB_NS_PACKAGES | sort -u | paste -sd, -)
        stamp="provboot nspawn tree v2: debootstrap --variant=minbase --include=$pkgs bookworm; apt-get install $PB_NS_APT_PACKAGES"
        mkdir -p "$(dirname "$PB_NS_CACHE")"
        exec {PB_NS_LOCKFD}>"$PB_NS_CACHE.lock"
        flock -w 900 "$PB_NS_LOCKFD" || { echo "nspawn cache: lock $PB_NS_CACHE.lock busy for 900 s"; return 1; }
        if [ -d "$PB_NS_CACHE" ] && [ "$(cat "$PB_NS_CACHE.stamp" 2>/dev/null)" = "$stamp" ]; then
                flock -s "$PB_NS_LOCKFD"
                return 0
        fi
        mirror=$(pb_nspawn_mirror)
        new=$PB_NS_CACHE.new
        rm -rf --one-file-system "$new"
        echo "nspawn cache: building $PB_NS_CACHE (once): debootstrap bookworm minbase from $mirror"
        t0=$(date +%s)
        if ! timeout 900 debootstrap --variant=minbase --include="$pkgs" bookworm "$new" "$mirror" \
                >"$PB_NS_CACHE.log" 2>&1; then
                echo "nspawn cache: debootstrap failed (log $PB_NS_CACHE.log):"
                tail -n 20 "$PB_NS_CACHE.log"
                rm -rf --one-file-system "$new"
                return 1
        fi
        if [ -n "$PB_NS_APT_PACKAGES" ]; then
                # apt in the tree: the host's resolver for the download, no service started
                # (policy-rc.d 101), no /proc needed by these packages' scripts.
                local had_resolv=
                [ -e "$new/etc/resolv.conf" ] || [ -L "$new/etc/resolv.conf" ] && had_resolv=1
                [ -n "$had_resolv" ] || cp /etc/resolv.conf "$new/etc/resolv.conf" 2>/dev/null
                printf '#!/bin/sh\nexit 101\n' >"$new/usr/sbin/policy-rc.d"
                chmod 755 "$new/usr/sbin/policy-rc.d"
                # shellcheck disable=SC2086
                if ! timeout 900 chroot "$new" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
                        sh -c "apt-get update -q && apt-get install -y -q --no-install-recommends $PB_NS_APT_PACKAGES" \
                        >>"$PB_NS_CACHE.log" 2>&1; then
                        echo "nspawn cache: apt-get install $PB_NS_APT_PACKAGES in the tree failed (log $PB_NS_CACHE.log):"
                        tail -n 20 "$PB_NS_CACHE.log"
                        rm -rf --one-file-system "$new"
                        return 1
                fi
                rm -f "$new/usr/sbin/policy-rc.d"
                [ -n "$had_resolv" ] || rm -f "$new/etc/resolv.conf"
                rm -rf "$new"/var/lib/apt/lists/*
        fi
        rm -f "$new"/var/cache/apt/archives/*.deb
        rm -rf --one-file-system "$PB_NS_CACHE"
        rm -f "$PB_NS_CACHE.stamp"
        mv "$new" "$PB_NS_CACHE"
        echo "$stamp" >"$PB_NS_CACHE.stamp"
        echo "nspawn cache: built in $(($(date +%s) - t0)) s ($(du -sh "$PB_NS_CACHE" | cut -f1))"
        flock -s "$PB_NS_LOCKFD"
}

pb_nspawn_copy() {
        PB_NS_DIR=$(mktemp -d "${TMPDIR:-/var/tmp}/provboot-nspawn.XXXXXX") || return 1
        mkdir -m 0755 "$PB_NS_DIR/upper" "$PB_NS_DIR/work" "$PB_NS_DIR/root"
        PB_NS_ROOT=$PB_NS_DIR/root
        if [ -z "${PROVBOOT_NSPAWN_NO_OVERLAY:-}" ] && mount -t overlay provboot-nspawn \
                -o "lowerdir=$PB_NS_CACHE,upperdir=$PB_NS_DIR/upper,workdir=$PB_NS_DIR/work" "$PB_NS_ROOT" 2>/dev/null; then
                PB_NS_MOUNTED=1
        else
                cp -a "$PB_NS_CACHE/." "$PB_NS_ROOT/" || return 1
        fi
}

# pb_alive PID: the process exists and is not a zombie (kill -0 succeeds on an unreaped child)
pb_alive() {
        local st
        st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) || return 1
        [ -n "$st" ] && [ "${st%% *}" != Z ]
}

pb_ns() {
        nsenter -t "$PB_NS_LEADER" -a env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
                LANG=C.UTF-8 TERM=dumb SYSTEMD_PAGER= SYSTEMD_COLORS=0 "$@"
}

# The container's PID 1: a child of systemd-nspawn (itself the child of `timeout`) whose comm is
# "systemd" and that is PID 1 in its PID namespace (an intermediate child exists briefly).
pb_nspawn_leader() {
        local ns p
        for ns in $(ps -o pid= --ppid "$PB_NS_PID"); do
                for p in $(ps -o pid= --ppid "$ns"); do
                        [ "$(cat "/proc/$p/comm" 2>/dev/null)" = systemd ] || continue
                        awk '$1 == "NSpid:" { found = 1; exit !($NF == 1) } END { if (!found) exit 1 }' \
                                "/proc/$p/status" 2>/dev/null || continue
                        echo "$p"
                        return 0
                done
        done
        return 1
}

pb_nspawn_boot() {
        local secs=${1:-60} i st=
        PB_NS_LEADER=
        # --private-network: the container has only its loopback. NetworkManager runs inside (the
        # tree has it) and must never see, let alone configure, the host's interfaces.
        timeout --kill-after=10 "${PROVBOOT_NSPAWN_TIMEOUT:-600}" systemd-nspawn --register=no --keep-unit \
                --private-network -M "provboot-test-$$" -D "$PB_NS_ROOT" -b --console=pipe </dev/null \
                >"$PB_NS_DIR/boot.log" 2>&1 &
        PB_NS_PID=$!
        for ((i = 0; i < secs * 50; i++)); do
                pb_alive "$PB_NS_PID" || break
                PB_NS_LEADER=$(pb_nspawn_leader) && break
                sleep 0.02
        done
        if [ -z "$PB_NS_LEADER" ]; then
                echo "nspawn: no container PID 1 found; boot log:"
                tail -n 30 "$PB_NS_DIR/boot.log"
                return 1
        fi
        # `is-system-running --wait` fails before systemd's private socket exists: poll
        for ((; i < secs * 50; i++)); do
                st=$(pb_ns systemctl is-system-running 2>/dev/null)
                case "$st" in running | degraded) PB_NS_STATE=$st; return 0 ;; esac
                pb_alive "$PB_NS_PID" || break
                sleep 0.02
        done
        PB_NS_STATE=$st
        echo "nspawn: system state '$st' after $secs s; boot log:"
        tail -n 30 "$PB_NS_DIR/boot.log"
        return 1
}

pb_ns_diag() {
        local unit=$1 st
        echo "---- $unit, from inside the container:"
        pb_ns systemctl status --no-pager --full -n 0 "$unit" 2>&1 | sed 's/^/    /'
        pb_ns journalctl -b -u "$unit" --no-pager -o short-monotonic 2>&1 | tail -n 40 | sed 's/^/    /'
        st=$(pb_ns systemctl show -p ExecMainStatus --value "$unit" 2>/dev/null)
        case "$st" in
        203) echo "    hint: 203/EXEC: ExecStart= (or ExecReload=) names a missing or non-executable file" ;;
        216 | 217) echo "    hint: $st/GROUP|USER: User=/Group= does not exist (sysusers.d not applied?)" ;;
        218) echo "    hint: 218/CAPABILITIES: CapabilityBoundingSet=/AmbientCapabilities=" ;;
        226) echo "    hint: 226/NAMESPACE: mount namespace setup: ProtectSystem=/ProtectHome=/ReadWritePaths=/PrivateTmp=/PrivateDevices=/PrivateMounts=/ProtectProc=" ;;
        227) echo "    hint: 227/NO_NEW_PRIVILEGES" ;;
        228 | 31) echo "    hint: $st: SystemCallFilter= (seccomp) killed or refused the process" ;;
        232) echo "    hint: 232/ADDRESS_FAMILIES: RestrictAddressFamilies=" ;;
        233 | 238 | 241) echo "    hint: $st: RuntimeDirectory=/StateDirectory=/ConfigurationDirectory=" ;;
        esac
}

pb_nspawn_poweroff() {
        local i ns
        [ -n "$PB_NS_PID" ] || return 0
        if pb_alive "$PB_NS_PID"; then
                [ -n "$PB_NS_LEADER" ] && pb_ns systemctl poweroff >/dev/null 2>&1
                for ((i = 0; i < 1500; i++)); do
                        pb_alive "$PB_NS_PID" || break
                        sleep 0.02
                done
        fi
        if pb_alive "$PB_NS_PID"; then
                echo "nspawn: container still up 30 s after poweroff: SIGTERM to systemd-nspawn"
                for ns in $(ps -o pid= --ppid "$PB_NS_PID"); do kill -TERM "$ns" 2>/dev/null; done
                for ((i = 0; i < 500; i++)); do
                        pb_alive "$PB_NS_PID" || break
                        sleep 0.02
                done
        fi
        if pb_alive "$PB_NS_PID"; then
                echo "nspawn: still up: SIGKILL to the container's PID 1 and systemd-nspawn"
                [ -n "$PB_NS_LEADER" ] && kill -KILL "$PB_NS_LEADER" 2>/dev/null
                for ns in $(ps -o pid= --ppid "$PB_NS_PID"); do kill -KILL "$ns" 2>/dev/null; done
                kill -KILL "$PB_NS_PID" 2>/dev/null
        fi
        wait "$PB_NS_PID" 2>/dev/null
        PB_NS_PID=
        PB_NS_LEADER=
}

pb_nspawn_cleanup() {
        pb_nspawn_poweroff
        [ -n "$PB_NS_DIR" ] || return 0
        if [ -n "$PB_NS_MOUNTED" ]; then
                umount "$PB_NS_ROOT" 2>/dev/null || umount -l "$PB_NS_ROOT"
                PB_NS_MOUNTED=
        fi
        if [ -n "${PB_KEEP:-}" ]; then
                echo "kept $PB_NS_DIR"
        else
                rm -rf --one-file-system "$PB_NS_DIR"
        fi
        PB_NS_DIR=
        return 0
}

# ---- helpers added for the adversarial and modem-stack tests (tests/integration2.mk) -----------

# pb_json_field JSON KEY: print one top-level field of a JSON object (empty when absent or bad)
pb_json_field() {
        /usr/bin/python3 -c 'import json,sys; print(json.loads(sys.argv[1]).get(sys.argv[2], ""))' "$1" "$2" 2>/dev/null
}

# pb_expect DESCRIPTION WANT GOT: ok when equal, else fail showing both
pb_expect() {
        if [ "$2" = "$3" ]; then ok "$1"; else fail "$1: expected '$2', got '$3'"; fi
}

# pb_parser_counter NAME: one of provd's counters (Received, Malformed, ...) as a number
pb_parser_counter() {
        busctl --address="$PB_BUS" get-property org.provboot.Parser1 /org/provboot/Parser1 org.provboot.Parser1 "$1" \
                2>/dev/null | sed -n 's/^t //p'
}

# pb_newest_push: the newest history row as "ID VERDICT REASON|- TRANSPORT SEC SENDER|-" (root)
pb_newest_push() {
        pb_provctl history --json 2>/dev/null | /usr/bin/python3 -c 'import json,sys
h = json.load(sys.stdin)
if h:
    p = max(h, key=lambda x: x["id"])
    print(p["id"], p["verdict"], p["reason"] or "-", p["transport"], p["sec"], p["sender"] or "-")'
}

# pb_python_checks ARGS... <<'PY': run a python program (Debian's python3) whose output lines
# "PASS text" and "FAIL text" become ok/fail lines; other lines are shown indented
# pb_require WHAT CMD...: CMD must succeed, else the test ends as one failure saying WHAT is
# missing (make deps installs it): a missing tool is never a silent pass.
pb_require() {
        "${@:2}" >/dev/null 2>&1 && return 0
        echo "$1 missing (make deps)"
        echo "0 passed, 1 failed"
        exit 1
}
pb_require_python_dbus() {
        pb_require "python3-dbus / python3-gi" /usr/bin/python3 -c 'import dbus, gi; from gi.repository import GLib'
}

pb_python_checks() {
        local line
        while IFS= read -r line; do
                case "$line" in
                PASS\ *) ok "${line#PASS }" ;;
                FAIL\ *) fail "${line#FAIL }" ;;
                *) echo "      $line" ;;
                esac
        done < <(/usr/bin/python3 - "$@" 2>&1 || echo "FAIL the check program itself failed")
}

# pb_grep_count_gt FILE PATTERN N: FILE has more than N lines matching PATTERN (grep -e); a
# function, so that pb_wait_for re-counts on every poll
pb_grep_count_gt() {
        [ "$(grep -c -e "$2" "$1" 2>/dev/null)" -gt "$3" ]
}

# ---- the real ModemManager on the private bus (tests/integration/modemmanager-real.sh) ---------
# How it runs here (ModemManager 1.20.4, Debian 12; measured, see modemmanager-real.sh):
#   - bus: the private system-like bus of pb_start_bus with ModemManager's own policy
#     (PB_MM_POLICY; Debian 12 installs it in /etc/dbus-1/system.d) and polkit's
#     (PB_POLKIT_POLICY) in PB_BUS_POLICIES; ModemManager finds the bus through
#     DBUS_SYSTEM_BUS_ADDRESS.
#   - polkit: ModemManager authorises Modem.Enable (and ReportKernelEvent, Messaging.Delete, ...)
#     through org.freedesktop.PolicyKit1 on the bus it serves. Without polkitd every such call
#     fails ("PolicyKit authorization failed: ... ServiceUnknown"), so pb_start_polkitd runs
#     Debian's polkitd on the private bus; started as root it switches to user polkitd itself
#     (its own setgroups fails if it is started as polkitd). polkit authorises uid 0 for every
#     action, so root's calls pass without an agent; other users get the system's rules.
#   - no udev: --test-no-udev --no-auto-scan; --test-no-suspend-resume (no logind here).
#   - the modem: a port reported with ReportKernelEvent (or --initial-kernel-events) must have
#     a /sys/class/<subsystem>/<name> node, and a pty has none: 1.20 answers "device
#     tty/pts/N not found" (src/kerneldevice/mm-kernel-device-generic.c). ModemManager's own test
#     route is used instead: --test-enable exports org.freedesktop.ModemManager1.Test, whose
#     SetProfile(id, plugin, ports) creates a virtual device whose AT port is the UNIX stream
#     socket named by ports[0] (src/mm-base-manager.c handle_set_profile, src/mm-port-serial.c
#     MM_PORT_SUBSYS_UNIX); the generic plugin then probes and drives it exactly like a serial
#     AT port. tests/tools/at-modem.py answers on that socket (or on a pty with --pty).
# the first of the two places a distribution installs a bus policy that has it
pb_system_policy() {
        local f
        for f in "/usr/share/dbus-1/system.d/$1" "/etc/dbus-1/system.d/$1"; do
                [ -f "$f" ] && { echo "$f"; return; }
        done
        echo "/usr/share/dbus-1/system.d/$1"
}
PB_MM_POLICY=${PB_MM_POLICY:-$(pb_system_policy org.freedesktop.ModemManager1.conf)}
PB_POLKIT_POLICY=${PB_POLKIT_POLICY:-$(pb_system_policy org.freedesktop.PolicyKit1.conf)}
PB_POLKITD=${PB_POLKITD:-/usr/lib/polkit-1/polkitd}

# pb_name_or_gone NAME PID: NAME is on PB_BUS, or process PID has ended (so a wait for a daemon
# that could not start ends at once)
pb_name_or_gone() {
        pb_has_name "$1" || ! pb_alive "$2"
}

# pb_mm_missing: print why the real ModemManager cannot be run here (nothing if it can)
pb_mm_missing() {
        command -v ModemManager >/dev/null || { echo "ModemManager is not installed (Debian package modemmanager; make deps)"; return; }
        [ -f "$PB_MM_POLICY" ] || { echo "no ModemManager bus policy at $PB_MM_POLICY"; return; }
        [ -x "$PB_POLKITD" ] || { echo "polkitd is not installed (Debian package polkitd; make deps)"; return; }
        [ -f "$PB_POLKIT_POLICY" ] || { echo "no polkit bus policy at $PB_POLKIT_POLICY"; return; }
        getent passwd polkitd >/dev/null || echo "no user polkitd (Debian package polkitd creates it)"
}

# pb_start_polkitd: polkitd on PB_BUS (needs PB_POLKIT_POLICY in PB_BUS_POLICIES); PB_POLKITD_PID
pb_start_polkitd() {
        DBUS_SYSTEM_BUS_ADDRESS=$PB_BUS "$PB_POLKITD" >>"$PB_WORK/polkitd.log" 2>&1 &
        PB_POLKITD_PID=$!
        PB_PIDS+=("$PB_POLKITD_PID")
        pb_wait_for 15 pb_name_or_gone org.freedesktop.PolicyKit1 "$PB_POLKITD_PID"
        pb_has_name org.freedesktop.PolicyKit1 || { echo "polkitd did not start:"; tail -n 5 "$PB_WORK/polkitd.log"; return 1; }
}

# pb_start_at_modem IMSI [NAME]: tests/tools/at-modem.py on the UNIX socket $PB_WORK/NAME.sock
# (NAME defaults to at-modem), control FIFO $PB_WORK/NAME.ctl, log $PB_WORK/NAME.log; sets
# PB_MODEM_SOCK, PB_MODEM_CTL, PB_MODEM_PID. Start it before ModemManager, so that pb_cleanup
# stops ModemManager (which talks to the modem while it disables it) first.
pb_start_at_modem() {
        local name=${2:-at-modem}
        PB_MODEM_SOCK=$PB_WORK/$name.sock
        PB_MODEM_CTL=$PB_WORK/$name.ctl
        rm -f "$PB_MODEM_SOCK" "$PB_MODEM_CTL"
        mkfifo -m 600 "$PB_MODEM_CTL" || return 1
        /usr/bin/python3 "$PB_TOP/tests/tools/at-modem.py" --imsi "$1" --socket "$PB_MODEM_SOCK" \
                --control "$PB_MODEM_CTL" --log "$PB_WORK/$name.log" >>"$PB_WORK/$name.log" 2>&1 &
        PB_MODEM_PID=$!
        PB_PIDS+=("$PB_MODEM_PID")
        pb_wait_for 10 test -S "$PB_MODEM_SOCK" || { echo "at-modem did not start:"; tail -n 5 "$PB_WORK/$name.log"; return 1; }
}

# pb_modem_sms HEX: the modem stores the SMS-DELIVER TPDU HEX and indicates it (+CMTI)
pb_modem_sms() {
        echo "sms $1" >"$PB_MODEM_CTL"
}

# pb_start_modemmanager: ModemManager as root on PB_BUS, log $PB_WORK/modemmanager.log; waits
# (bounded) for it to own org.freedesktop.ModemManager1; sets PB_MM_PID
pb_start_modemmanager() {
        DBUS_SYSTEM_BUS_ADDRESS=$PB_BUS ModemManager --test-no-udev --test-no-suspend-resume --test-enable \
                --no-auto-scan --log-level=DEBUG >>"$PB_WORK/modemmanager.log" 2>&1 &
        PB_MM_PID=$!
        PB_PIDS+=("$PB_MM_PID")
        pb_wait_for 30 pb_name_or_gone org.freedesktop.ModemManager1 "$PB_MM_PID"
        pb_has_name org.freedesktop.ModemManager1 || {
                echo "ModemManager did not own org.freedesktop.ModemManager1 (exited, or not within 30 s):"
                grep -v -e 'loaded plugin' -e 'registered plugin' -e '\[filter\]' "$PB_WORK/modemmanager.log" | tail -n 5
                return 1
        }
}

# pb_mm_add_modem ID PORT: ask ModemManager (Test.SetProfile) to create a modem with the generic
# plugin whose AT port is the UNIX socket PORT; prints busctl's error on failure
pb_mm_add_modem() {
        busctl --address="$PB_BUS" call org.freedesktop.ModemManager1 /org/freedesktop/ModemManager1 \
                org.freedesktop.ModemManager1.Test SetProfile ssas "$1" generic 1 "$2" 2>&1 >/dev/null
}

# pb_stop_modemmanager: SIGTERM (ModemManager disables its modems, then exits), bounded
pb_stop_modemmanager() {
        [ -n "${PB_MM_PID:-}" ] && pb_stop "$PB_MM_PID"
        PB_MM_PID=
}
