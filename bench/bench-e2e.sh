#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# bench-e2e.sh: end to end on a private dbus-daemon with the shipped policy (P3, P5, P6, S8):
#   - inject -> verdict durable, p50/p99 over BENCH_E2E_N (default 1000) distinct NETWPIN pushes,
#     beside a bare sd-bus round trip with the same payload on the same bus in the same run, and
#     the durable-write floor measured in the same file system;
#   - RSS of both daemons idle and after the run (targets: provd <= 2 MiB, verifierd <= 4 MiB);
#   - a flood of BENCH_FLOOD_RATE (1000) malformed pushes/s for BENCH_FLOOD_SECONDS (60) s: provd's
#     RSS growth and a valid push's latency during the flood.
# Needs root (provd runs as user provd). Run by `make bench`.
set -u
. "$(dirname "$0")/../tests/integration/lib.sh"
trap pb_cleanup EXIT
N=${BENCH_E2E_N:-1000}
FLOOD_SECS=${BENCH_FLOOD_SECONDS:-60}
FLOOD_RATE=${BENCH_FLOOD_RATE:-1000}
BIN=${BENCH_BIN:-$PB_BUILD/bench/bench-e2e}
[ "$(id -u)" -eq 0 ] || { echo "bench-e2e.sh: needs root" >&2; exit 1; }

pb_setup_users
pb_workdir
mkdir -p "$PB_WORK/conf" "$PB_WORK/pconf" "$PB_WORK/nm" "$PB_WORK/pushes" "$PB_WORK/state"
cat >"$PB_WORK/conf/verifierd.conf" <<CONF
[Bootstrap]
Enabled=yes
ConfirmNetworkPin=no
[NetworkPin]
Source=static
Imsi=262011234567890
[Export]
NetworkManagerDir=$PB_WORK/nm
CONF
# N + FLOOD_SECS distinct documents (distinct digests: no replay), NETWPIN MACs, WSP with XML body
/usr/bin/python3 - "$PB_WORK/pushes" $((N + FLOOD_SECS)) <<'PY'
import hmac, hashlib, sys
out, n = sys.argv[1], int(sys.argv[2])
key = bytes.fromhex("2926102143658709")   # netwpin_key("262011234567890"), docs/wire-notes.md §5.3
for i in range(n):
    body = ('<wap-provisioningdoc version="1.1"><characteristic type="NAPDEF">'
            '<parm name="NAPID" value="N%d"/><parm name="NAME" value="Bench %d"/>'
            '<parm name="NAP-ADDRESS" value="apn%d.example.com"/><parm name="NAP-ADDRTYPE" value="APN"/>'
            '</characteristic></wap-provisioningdoc>' % (i, i, i)).encode()
    mac = hmac.new(key, body, hashlib.sha1).hexdigest().upper().encode()
    value = bytes([0xB5, 0x91, 0x80, 0x92]) + mac + b"\0"
    ct = b"\x1f" + bytes([len(value)]) + value
    open("%s/push-%d.wsp" % (out, i), "wb").write(bytes([1, 6, len(ct)]) + ct + body)
PY
PB_BUS_EXTRA='<policy context="default"><allow own="org.provboot.BenchEcho1"/><allow send_destination="org.provboot.BenchEcho1"/></policy>'
pb_start_bus "$PB_WORK" || exit 1
pb_start_verifierd "$PB_WORK/conf" "$PB_WORK/state" || exit 1
pb_start_provd "$PB_WORK/pconf" || exit 1
"$BIN" echo & PB_PIDS+=($!)
pb_wait_for 10 pb_has_name org.provboot.BenchEcho1 || { echo "echo server did not start"; exit 1; }

rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
mem() { # RSS, PSS and private anonymous memory in KiB: RSS counts every resident page of the shared
        # libraries (libc, libsystemd, libxml2 with ICU, ...), PSS divides them among their users,
        # anonymous is the daemon's own heap and stacks.
        awk '/^Rss:/ { r = $2 } /^Pss:/ { p = $2 } /^Anonymous:/ { a = $2 }
             END { printf "RSS %d KiB (PSS %d, anonymous %d)", r, p, a }' "/proc/$1/smaps_rollup"
}
echo "idle: provd $(mem "$PB_PROVD_PID"); verifierd $(mem "$PB_VERIFIERD_PID")"
echo "  (targets: provd <= 2048 KiB, verifierd <= 4096 KiB RSS)"
BENCH_FSYNC_DIR=$PB_WORK/state "$BIN" run "$N" "$PB_WORK/pushes" || { echo "bench-e2e: run failed"; tail "$PB_WORK"/*.log; exit 1; }
echo "after $N pushes: provd $(mem "$PB_PROVD_PID"); verifierd $(mem "$PB_VERIFIERD_PID")"

# flood: fresh documents for the valid pushes (the first N are applied already)
mkdir -p "$PB_WORK/flood"
for ((i = 0; i < FLOOD_SECS; i++)); do cp "$PB_WORK/pushes/push-$((N + i)).wsp" "$PB_WORK/flood/push-$i.wsp"; done
before=$(rss "$PB_PROVD_PID")
"$BIN" flood "$FLOOD_SECS" "$FLOOD_RATE" "$PB_WORK/flood" | tail -4
after=$(rss "$PB_PROVD_PID")
echo "provd RSS before flood $before KiB, after $after KiB, growth $((after - before)) KiB (S8 target <= 1024 KiB)"
kill -0 "$PB_PROVD_PID" && echo "provd alive after the flood"
