#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# bus-authz.sh: the three authorisation layers on a real dbus-daemon with the shipped policy
# (ipc/org.provboot.conf) and the daemons started as they would be (verifierd root, provd as
# user provd):
#   - another uid (nobody) calling Submit, the PIN methods or Inject gets AccessDenied;
#   - provd's user calling the user-side methods is refused;
#   - root calling Submit passes the bus policy but is refused by verifierd itself (3rd layer);
#   - a member of group provboot may use the user-side methods, a non-member may not;
#   - nobody may own the service names.
set -u
. "$(dirname "$0")/lib.sh"
trap pb_cleanup EXIT

pb_setup_users
getent passwd provboot-tester >/dev/null || useradd --system --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin -G provboot provboot-tester
pb_workdir
mkdir -p "$PB_WORK/conf" "$PB_WORK/pconf"
printf '[Bootstrap]\nEnabled=yes\n[NetworkPin]\nSource=static\nImsi=262011234567890\n[Export]\nNetworkManagerDir=%s/nm\n' \
        "$PB_WORK" >"$PB_WORK/conf/verifierd.conf"
pb_start_bus "$PB_WORK" || exit 1
pb_start_verifierd "$PB_WORK/conf" "$PB_WORK/state" || exit 1
pb_start_provd "$PB_WORK/pconf" || exit 1

V="org.provboot.Verifier1 /org/provboot/Verifier1 org.provboot.Verifier1"
P="org.provboot.Parser1 /org/provboot/Parser1 org.provboot.Parser1"
as() { # as USER busctl-args... : run busctl as USER (with its groups from /etc/group)
        local u=$1; shift
        if [ "$u" = root ]; then
                busctl --address="$PB_BUS" "$@" 2>&1
        else
                setpriv --reuid="$u" --regid="$(id -g "$u")" --init-groups busctl --address="$PB_BUS" "$@" 2>&1
        fi
}
denied() { # denied DESCRIPTION USER busctl-args...
        local d=$1 u=$2 out; shift 2
        out=$(as "$u" "$@")
        case "$out" in
        *AccessDenied* | *"Access denied"* | *"not authorized"* | *"Only provd"* | *"Requires root"* | *"may not"*)
                ok "$d" ;;
        *) fail "$d: $out" ;;
        esac
}
allowed() { # allowed DESCRIPTION USER busctl-args...
        local d=$1 u=$2 out; shift 2
        if out=$(as "$u" "$@"); then ok "$d"; else fail "$d: $out"; fi
}
SUBMIT_ARGS=(Submit aysissst 3 3 11 106 application/vnd.wap.connectivity-wbxml -1 "" x inject 0)

# Layer 1 (bus policy) and layer 3 (verifierd's own uid check)
denied "nobody may not call Submit" nobody -- call $V "${SUBMIT_ARGS[@]}"
denied "root may not call Submit (verifierd refuses: only provd's uid)" root -- call $V "${SUBMIT_ARGS[@]}"
denied "provboot group member may not call Submit" provboot-tester -- call $V "${SUBMIT_ARGS[@]}"
denied "nobody may not call ProvidePin" nobody call $V ProvidePin ts 1 1234
denied "nobody may not call Confirm" nobody call $V Confirm t 1
denied "nobody may not call ListPending" nobody call $V ListPending
denied "nobody may not call GetHistory" nobody call $V GetHistory u 10
denied "nobody may not call Inject" nobody call $P Inject ays 2 1 6 wsp
denied "provd may not call ProvidePin" provd call $V ProvidePin ts 1 1234
denied "provd may not call ListPending" provd call $V ListPending
denied "provd may not call GetHistory" provd call $V GetHistory u 10
denied "provd may not call RegisterAgent" provd call $V RegisterAgent o /x
denied "provboot group member may not call Inject (root only)" provboot-tester call $P Inject ays 2 1 6 wsp
allowed "provboot group member may call ListPending" provboot-tester call $V ListPending
allowed "provboot group member may call GetHistory" provboot-tester call $V GetHistory u 10
allowed "provboot group member may call GetPolicy" provboot-tester call $V GetPolicy
allowed "root may call ListPending" root call $V ListPending
allowed "anyone may read provd's counters" nobody get-property $P Received

# Names
out=$(setpriv --reuid=nobody --regid=nogroup --clear-groups busctl --address="$PB_BUS" call org.freedesktop.DBus \
        /org/freedesktop/DBus org.freedesktop.DBus RequestName su org.provboot.Verifier1 0 2>&1)
case "$out" in *AccessDenied* | *"not allowed"* | *"Access denied"*) ok "nobody may not own org.provboot.Verifier1" ;;
*) fail "nobody owning org.provboot.Verifier1: $out" ;; esac
out=$(setpriv --reuid=nobody --regid=nogroup --clear-groups busctl --address="$PB_BUS" call org.freedesktop.DBus \
        /org/freedesktop/DBus org.freedesktop.DBus RequestName su org.provboot.Parser1 0 2>&1)
case "$out" in *AccessDenied* | *"not allowed"* | *"Access denied"*) ok "nobody may not own org.provboot.Parser1" ;;
*) fail "nobody owning org.provboot.Parser1: $out" ;; esac

# provctl maps AccessDenied to exit 77
setpriv --reuid=nobody --regid=nogroup --clear-groups env DBUS_SYSTEM_BUS_ADDRESS="$PB_BUS" \
        "$PB_BUILD/provctl" history >/dev/null 2>&1
rc=$?
[ $rc -eq 77 ] && ok "provctl history as nobody exits 77" || fail "provctl history as nobody exited $rc"

# Nothing of the above changed anything
out=$(pb_provctl --json history)
[ "$out" = "[]" ] && ok "no push recorded by any refused call" || fail "history after refused calls: $out"
pb_summary
