#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# lib.sh: shared helpers for the integration tests and the demo. Sourced, not run.
#
# pb_setup_users      create the system user "provd" and group "provboot" if missing (root)
# pb_start_bus DIR    start a private dbus-daemon with a system-bus-like configuration that
#                     includes the shipped policy ipc/org.provboot.conf; sets PB_BUS, PB_BUS_PID
# pb_start_verifierd CONFDIR STATEDIR   verifierd as root on that bus; sets PB_VERIFIERD_PID
# pb_start_provd CONFDIR                provd as user provd; sets PB_PROVD_PID
# pb_cleanup          stop every process started here (by PID) and remove the work dir
# ok/fail/pb_summary  TAP-like lines and the closing "N passed, N failed"
#
# Every wait is a bounded poll on an observable condition (never a sleep to make a race pass).

PB_TOP=${PB_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
PB_BUILD=${BUILD:-build}
case "$PB_BUILD" in /*) ;; *) PB_BUILD=$PB_TOP/$PB_BUILD ;; esac
PB_PASS=0
PB_FAIL=0
PB_PIDS=()
PB_WORK=

ok() { PB_PASS=$((PB_PASS + 1)); echo "ok   - $*"; }
fail() { PB_FAIL=$((PB_FAIL + 1)); echo "FAIL - $*"; }
check() { # check DESCRIPTION COMMAND...: pass when the command succeeds
        local d=$1; shift
        if "$@"; then ok "$d"; else fail "$d"; fi
}
pb_summary() {
        echo "$PB_PASS passed, $PB_FAIL failed"
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
}

pb_workdir() {
        PB_WORK=$(mktemp -d /tmp/provboot-test.XXXXXX)
        chmod 755 "$PB_WORK"
}

pb_start_bus() {
        local dir=$1
        mkdir -p "$dir/policy.d"
        cp "$PB_TOP/ipc/org.provboot.conf" "$dir/policy.d/"
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
        mkdir -p "$state"
        DBUS_SYSTEM_BUS_ADDRESS=$PB_BUS "$PB_BUILD/verifierd" --config-dir="$conf" --state-dir="$state" \
                >>"$PB_WORK/verifierd.log" 2>&1 &
        PB_VERIFIERD_PID=$!
        PB_PIDS+=("$PB_VERIFIERD_PID")
        pb_wait_for 10 pb_has_name org.provboot.Verifier1 || { echo "verifierd did not start"; cat "$PB_WORK/verifierd.log"; return 1; }
}

pb_start_provd() {
        local conf=$1
        setpriv --reuid=provd --regid=provd --clear-groups --inh-caps=-all env DBUS_SYSTEM_BUS_ADDRESS="$PB_BUS" \
                "$PB_BUILD/provd" --config-dir="$conf" >>"$PB_WORK/provd.log" 2>&1 &
        PB_PROVD_PID=$!
        PB_PIDS+=("$PB_PROVD_PID")
        pb_wait_for 10 pb_has_name org.provboot.Parser1 || { echo "provd did not start"; cat "$PB_WORK/provd.log"; return 1; }
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
