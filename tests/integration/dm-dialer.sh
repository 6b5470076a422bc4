#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# dm-dialer.sh: the DM dialer dmsessiond (org.provboot.Dialer1) on a real dbus-daemon with the
# shipped policy (ipc/org.provboot.conf), run as its user provdial, driven through verifierd's own
# client code (verifierd/dm-dial.c, by build/dm-client):
#   - Dial to 127.0.0.1 (and to "localhost") with allow_loopback=false: AddressRefused;
#   - with allow_loopback=true: a connected TCP socket to the echo server comes back over the bus;
#   - a closed port: ConnectFailed; a bad host or port 0: InvalidArgs; a connect that hangs:
#     Timeout; a Dial beyond MaxDials=: LimitExceeded;
#   - callers: root and provboot-verifier may Dial; nobody, provd and a provboot group member may
#     not (bus policy), and with a policy opened to everyone dmsessiond refuses them itself (uid
#     check, the third layer); nobody may own the name;
#   - a hostile dialer stand-in (tests/tools/dm-fake-dialer.c) answering with a loopback socket
#     nobody asked for, a pipe, a UDP socket or a UNIX socket: dm_dial refuses each
#     (EADDRNOTAVAIL, EPROTO) — verifierd trusts the dialer with nothing.
set -u
. "$(dirname "$0")/lib.sh"
trap pb_cleanup EXIT

pb_setup_users
getent passwd provboot-tester >/dev/null || useradd --system --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin -G provboot provboot-tester
pb_workdir
mkdir -p "$PB_WORK/dconf" "$PB_WORK/bus"
printf '[Dialer]\nConnectTimeoutSec=5\n' >"$PB_WORK/dconf/dmsessiond.conf"
pb_start_bus "$PB_WORK/bus" || exit 1
pb_start_dmsessiond "$PB_WORK/dconf" || exit 1
uid=$(awk '$1 == "Uid:" { print $2, $3, $4, $5 }' "/proc/$PB_DMSESSIOND_PID/status")
want=$(id -u provdial)
[ "$uid" = "$want $want $want $want" ] && ok "dmsessiond runs as provdial" || fail "dmsessiond uid '$uid'"

# An echo server on 127.0.0.1 (the DM server stand-in: the dialer never talks to it itself).
python3 -c '
import socket, sys, threading
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(8)
open(sys.argv[1] + ".tmp", "w").write(str(s.getsockname()[1])); __import__("os").rename(sys.argv[1] + ".tmp", sys.argv[1])
def serve(c):
    with c:
        f = c.makefile("rb")
        for line in f:
            c.sendall(line)
while True:
    c, _ = s.accept(); threading.Thread(target=serve, args=(c,), daemon=True).start()
' "$PB_WORK/echo.port" &
PB_PIDS+=("$!")
pb_wait_for 10 test -s "$PB_WORK/echo.port" || { fail "echo server"; pb_summary; exit 1; }
PORT=$(cat "$PB_WORK/echo.port")
# A port nobody listens on: bind, read the number, close.
CLOSED=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

as() { # as USER CMD...
        local u=$1; shift
        if [ "$u" = root ]; then
                "$@" 2>&1
        else
                setpriv --reuid="$u" --regid="$(id -g "$u")" --init-groups env DBUS_SYSTEM_BUS_ADDRESS="$PB_BUS" "$@" 2>&1
        fi
}
dial() { as "$1" "$PB_BUILD/dm-client" dial "${@:2}"; }
send() { # send USER HOST PORT ALLOW: dbus-send, so the D-Bus error NAME is visible
        as "$1" dbus-send --system --print-reply --dest=org.provboot.Dialer1 /org/provboot/Dialer1 \
                org.provboot.Dialer1.Dial "string:$2" "uint16:$3" "boolean:$4"
}

out=$(dial root 127.0.0.1 "$PORT" 0)
[ "$out" = "error EADDRNOTAVAIL" ] && ok "Dial 127.0.0.1 with allow_loopback=false: refused" || fail "loopback refused: $out"
out=$(send root 127.0.0.1 "$PORT" false)
grep -q 'org.provboot.Error.AddressRefused' <<<"$out" && ok "... as org.provboot.Error.AddressRefused" || fail "error name: $out"
out=$(dial root localhost "$PORT" 0)
[ "$out" = "error EADDRNOTAVAIL" ] && ok "Dial localhost (a name resolving to loopback) with allow_loopback=false: refused" ||
        fail "localhost refused: $out"
out=$(dial root 127.0.0.1 "$PORT" 1)
[ "$out" = "$(printf 'connected 127.0.0.1\necho ping')" ] &&
        ok "Dial 127.0.0.1 with allow_loopback=true: a connected socket, the echo server answers through it" ||
        fail "loopback allowed: $out"
out=$(dial root 127.0.0.1 "$CLOSED" 1)
[ "$out" = "error ECONNREFUSED" ] && ok "Dial a closed port: ConnectFailed" || fail "closed port: $out"
out=$(send root 127.0.0.1 "$CLOSED" true)
grep -q 'org.provboot.Error.ConnectFailed' <<<"$out" && ok "... as org.provboot.Error.ConnectFailed" || fail "error name: $out"
for h in "bad host" "[::1]" "dm.test:443" "0x7f.1" "a..b" ""; do
        out=$(send root "$h" "$PORT" true)
        grep -q 'org.freedesktop.DBus.Error.InvalidArgs' <<<"$out" && ok "host '$h': InvalidArgs" || fail "host '$h': $out"
done
out=$(send root 127.0.0.1 0 true)
grep -q 'InvalidArgs' <<<"$out" && ok "port 0: InvalidArgs" || fail "port 0: $out"

# The exported interface is the contract in ipc/org.provboot.Dialer1.xml (as introspect.sh checks
# the other daemons), introspectable by anyone
if as nobody busctl --address="$PB_BUS" introspect --xml-interface org.provboot.Dialer1 /org/provboot/Dialer1 \
        >"$PB_WORK/dialer.xml" && out=$(python3 "$PB_TOP/tests/tools/introspect-compare.py" \
        "$PB_TOP/ipc/org.provboot.Dialer1.xml" "$PB_WORK/dialer.xml" 2>&1); then
        ok "Dialer1 as exported equals ipc/org.provboot.Dialer1.xml ($out)"
else
        fail "Dialer1 introspection: $out"
fi

# Callers: bus policy (layer 1)
out=$(dial provboot-verifier 127.0.0.1 "$PORT" 1)
grep -qx 'echo ping' <<<"$out" && ok "provboot-verifier (verifierd's user) may Dial" || fail "provboot-verifier: $out"
for u in nobody provd provboot-tester provdial; do
        out=$(send "$u" 127.0.0.1 "$PORT" true)
        grep -q 'AccessDenied' <<<"$out" && ok "$u may not call Dial (bus policy)" || fail "$u Dial: $out"
done
out=$(as nobody dbus-send --system --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
        org.freedesktop.DBus.RequestName string:org.provboot.Dialer1 uint32:0)
grep -q 'AccessDenied' <<<"$out" && ok "nobody may not own org.provboot.Dialer1" || fail "nobody owning Dialer1: $out"
grep -q "Dial '127.0.0.1' port $PORT for uid 0: connected" "$PB_WORK/dmsessiond.log" &&
        ok "dmsessiond logs each Dial (host, port, caller uid, outcome)" || fail "log: $(cat "$PB_WORK/dmsessiond.log")"

# Layer 3: the same daemon behind a policy that lets everyone call Dial
pb_stop "$PB_DMSESSIOND_PID"
pb_stop "$PB_BUS_PID"
mkdir -p "$PB_WORK/bus2"
sed 's|<!-- Dialer1: end -->|<policy context="default"><allow send_destination="org.provboot.Dialer1" send_interface="org.provboot.Dialer1"/></policy>|' \
        "$PB_TOP/ipc/org.provboot.conf" >"$PB_WORK/open.conf"
PB_POLICY=$PB_WORK/open.conf pb_start_bus "$PB_WORK/bus2" || exit 1
pb_start_dmsessiond "$PB_WORK/dconf" || exit 1
for u in nobody provd; do
        out=$(send "$u" 127.0.0.1 "$PORT" true)
        grep -q 'AccessDenied' <<<"$out" && grep -q 'Only verifierd may dial' <<<"$out" &&
                ok "policy opened: dmsessiond itself refuses $u (uid from the bus)" || fail "layer 3, $u: $out"
done
out=$(dial provboot-verifier 127.0.0.1 "$PORT" 1)
grep -qx 'echo ping' <<<"$out" && ok "policy opened: provboot-verifier still may Dial" || fail "layer 3 verifier: $out"

# Timeout and MaxDials: a listener whose accept queue is full drops SYNs, so connect() hangs.
# ConnectTimeoutSec=5, not 1: the second Dial must arrive while the first still hangs, and on a
# loaded machine starting that second client can take more than a second.
pb_stop "$PB_DMSESSIOND_PID"
printf '[Dialer]\nConnectTimeoutSec=5\nMaxDials=1\n' >"$PB_WORK/dconf/dmsessiond.conf"
pb_start_dmsessiond "$PB_WORK/dconf" || exit 1
python3 -c '
import os, socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(0)
port = s.getsockname()[1]
held = []
for i in range(4):
    c = socket.socket(); c.setblocking(False)
    try: c.connect(("127.0.0.1", port))
    except BlockingIOError: pass
    held.append(c)
open(sys.argv[1] + ".tmp", "w").write(str(port)); os.rename(sys.argv[1] + ".tmp", sys.argv[1])
while True: time.sleep(60)
' "$PB_WORK/full.port" &
PB_PIDS+=("$!")
pb_wait_for 10 test -s "$PB_WORK/full.port" || fail "full-backlog listener"
FULL=$(cat "$PB_WORK/full.port")
send root 127.0.0.1 "$FULL" true >"$PB_WORK/first.out" 2>&1 &
first=$!
# the first Dial is in progress once dmsessiond holds a connecting socket to FULL
# (/proc/net/tcp: state 02 is SYN_SENT; the remote address is 0100007F:PORT in hex)
syn_sent() { awk -v p="$(printf '%04X' "$FULL")" '$4 == "02" && $3 == "0100007F:" p { f = 1 } END { exit !f }' /proc/net/tcp; }
pb_wait_for 5 syn_sent || fail "the first Dial is not connecting"
out=$(send root 127.0.0.1 "$PORT" true)
grep -q 'org.provboot.Error.LimitExceeded' <<<"$out" && ok "MaxDials=1: a second Dial while one is in progress: LimitExceeded" ||
        fail "MaxDials: $out"
wait "$first"
grep -q 'org.provboot.Error.Timeout' "$PB_WORK/first.out" && ok "a connect that hangs past ConnectTimeoutSec=5: org.provboot.Error.Timeout" ||
        fail "Timeout: $(cat "$PB_WORK/first.out")"
out=$(dial root 127.0.0.1 "$FULL" 1)
[ "$out" = "error ETIMEDOUT" ] && ok "... which dm_dial reads as ETIMEDOUT" || fail "dm_dial timeout: $out"
out=$(dial root 127.0.0.1 "$PORT" 1)
grep -qx 'echo ping' <<<"$out" && ok "after the timeouts the dialer serves again (the slot was released)" || fail "after timeout: $out"

# A hostile dialer: dm_dial checks the socket it is handed
pb_stop "$PB_DMSESSIOND_PID"
for m in loopback:EADDRNOTAVAIL pipe:EPROTO udp:EPROTO unix:EPROTO; do
        mode=${m%%:*} want=${m#*:}
        "$PB_BUILD/dm-fake-dialer" "$mode" "$PORT" >"$PB_WORK/fake.out" 2>&1 &
        fpid=$!
        PB_PIDS+=("$fpid")
        pb_wait_for 10 grep -q ready "$PB_WORK/fake.out" || { fail "fake dialer $mode did not start"; continue; }
        out=$(dial root dm.example.com 443 0)
        [ "$out" = "error $want" ] && ok "hostile dialer answering with a $mode socket: dm_dial says $want" ||
                fail "hostile dialer $mode: $out"
        pb_stop "$fpid"
done
pb_summary
