#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# store-retention.sh: a hostile Submit flood cannot grow verifierd's store without bound (issue 9
# finding 7). On a real dbus-daemon with the shipped policy, verifierd as root with OTA bootstrap
# DISABLED (the default: every push is rejected, each one a history row) and
# verifierd.conf [Store] HistoryMax=$HMAX; tests/tools/hostile-submit runs as user provd (what a
# compromised provd can do) in two rounds, ROUND1 and then ROUND2 (three times as many) calls,
# verifierd stopped cleanly after each (its write-ahead log checkpointed) and started again:
#   - every call was answered (a verdict, InvalidArgs or AccessDenied), none applied;
#   - after each round the history holds at most HistoryMax rows, the newest ones, and push ids
#     went on counting across the restart (no id reused);
#   - the database file after round 2 is no larger than after round 1 (plus a small slack for
#     the b-tree's fill), although round 2 added three times as many rows: the size is bounded
#     by the retention, not by the number of pushes;
#   - the verdict log is rate-limited: fewer verdict lines than verdicts, and a "verdict messages
#     suppressed" line says how many were dropped;
#   - verifierd's peak resident memory stays well below the unit's MemoryMax=128M.
# Every wait is a bounded poll; every process is stopped by PID.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
trap pb_cleanup EXIT
PY=/usr/bin/python3
T=$PB_TOP/tests/tools
BIN=$PB_BUILD/hostile-submit
MKPUSH=$PB_TOP/tools/mkpush.py
IMSI=262011234567890
HMAX=${RETENTION_HISTORY_MAX:-200}
ROUND1=${RETENTION_ROUND1:-1500}
ROUND2=$((ROUND1 * 3))
SEED=${HOSTILE_SEED:-$((RANDOM * 32768 + RANDOM + 1))}

if [ ! -x "$BIN" ]; then
        fail "$BIN is built (make all builds it: tests/integration2.mk)"
        pb_summary
        exit 1
fi
pb_setup_users
pb_workdir
W=$PB_WORK
mkdir -p "$W/conf" "$W/nm" "$W/tpl"
cat >"$W/conf/verifierd.conf" <<CONF
[Bootstrap]
Enabled=no
[NetworkPin]
Source=static
Imsi=$IMSI
[Export]
NetworkManagerDir=$W/nm
[Store]
HistoryMax=$HMAX
CONF

# the generator's documents: a NAPDEF and a bookmark with a placeholder it fills with random text
cat >"$W/tpl/napdef.xml" <<'XML'
<?xml version="1.0"?>
<wap-provisioningdoc version="1.1">
  <characteristic type="NAPDEF">
    <parm name="NAPID" value="QQQQQQQQQQ"/>
    <parm name="BEARER" value="GSM-GPRS"/>
    <parm name="NAME" value="Flood QQQQQQQQQQ"/>
    <parm name="INTERNET"/>
    <parm name="NAP-ADDRESS" value="QQQQQQQQQQ.apn.example"/>
    <parm name="NAP-ADDRTYPE" value="APN"/>
  </characteristic>
</wap-provisioningdoc>
XML
cat >"$W/tpl/bookmark.xml" <<'XML'
<?xml version="1.0"?>
<wap-provisioningdoc version="1.1">
  <characteristic type="APPLICATION">
    <parm name="APPID" value="w2"/>
    <parm name="NAME" value="QQQQQQQQQQ portal"/>
    <characteristic type="RESOURCE">
      <parm name="URI" value="https://QQQQQQQQQQ.example/"/>
    </characteristic>
  </characteristic>
</wap-provisioningdoc>
XML
for t in napdef bookmark; do
        $PY "$MKPUSH" --xml "$W/tpl/$t.xml" --sec none --out "$W/tpl/$t.wsp" &&
                $PY "$T/pbstate.py" wsp-body "$W/tpl/$t.wsp" "$W/tpl/$t.wbxml" || fail "compile template $t"
done
chmod -R a+rX "$W/tpl"

flood() { # flood ROUND COUNT: hostile-submit as user provd; prints its summary line's fields
        local n=$1 count=$2 rc
        timeout 600 setpriv --reuid=provd --regid=provd --clear-groups --inh-caps=-all \
                env DBUS_SYSTEM_BUS_ADDRESS="$PB_BUS" "$BIN" --seed $((SEED + n)) --count "$count" --seconds 480 \
                --real-imsi "$IMSI" --templates "$W/tpl" >"$W/calls$n.log" 2>"$W/hostile$n.err"
        rc=$?
        grep '^summary ' "$W/hostile$n.err" | tail -1 >"$W/summary$n"
        [ $rc -eq 0 ] && ok "round $n: hostile-submit sent $(get $n calls) calls as user provd (exit 0)" ||
                { fail "round $n: hostile-submit exited $rc"; sed 's/^/      /' "$W/hostile$n.err" | tail -5; }
        pb_expect "round $n: nothing applied (bootstrap disabled)" 0 "$(get $n applied)"
        pb_expect "round $n: every call answered with a verdict, InvalidArgs or AccessDenied" 0 "$(get $n unexpected)"
}
get() { sed -n "s/.* $2=\([0-9]*\).*/\1/p" "$W/summary$1"; }
dbsize() { stat -c %s "$W/state/provboot.db"; }
rows() { # rows -> "COUNT MIN MAX" of the history (verifierd stopped)
        $PY - "$W/state/provboot.db" <<'PYEOF'
import sqlite3, sys
con = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
print(*con.execute("SELECT COUNT(*), MIN(id), MAX(id) FROM pushes").fetchone())
con.close()
PYEOF
}
peak_rss() { sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$PB_VERIFIERD_PID/status"; }

echo "      seed $SEED (HOSTILE_SEED=$SEED reruns this sequence), HistoryMax=$HMAX"
pb_start_bus "$W" || exit 1

# ---- round 1 ---------------------------------------------------------------------------------------
pb_start_verifierd "$W/conf" "$W/state" || { fail "verifierd starts with [Store] HistoryMax=$HMAX"; pb_summary; exit 1; }
flood 1 "$ROUND1"
rss1=$(peak_rss)
pb_stop "$PB_VERIFIERD_PID"
read -r n1 min1 max1 <<<"$(rows)"
size1=$(dbsize)
v1=$(get 1 verdicts)
echo "      round 1: $v1 verdicts; history $n1 rows (ids $min1..$max1); provboot.db $size1 bytes; verifierd peak RSS ${rss1:-?} kB"
[ "$n1" -le "$HMAX" ] && ok "round 1: the history holds $n1 <= HistoryMax=$HMAX rows" ||
        fail "round 1: the history holds $n1 rows for $v1 verdicts (HistoryMax=$HMAX not enforced)"
pb_expect "round 1: the newest push id is the number of verdicts" "$v1" "$max1"

# ---- round 2: three times as many ------------------------------------------------------------------
pb_start_verifierd "$W/conf" "$W/state" || { fail "verifierd restarts"; pb_summary; exit 1; }
flood 2 "$ROUND2"
rss2=$(peak_rss)
pb_stop "$PB_VERIFIERD_PID"
read -r n2 min2 max2 <<<"$(rows)"
size2=$(dbsize)
v2=$(get 2 verdicts)
echo "      round 2: $v2 verdicts; history $n2 rows (ids $min2..$max2); provboot.db $size2 bytes; verifierd peak RSS ${rss2:-?} kB"
[ "$n2" -le "$HMAX" ] && ok "round 2: the history holds $n2 <= HistoryMax=$HMAX rows" ||
        fail "round 2: the history holds $n2 rows after $((v1 + v2)) verdicts (HistoryMax=$HMAX not enforced)"
pb_expect "round 2: push ids went on counting across the restart (newest = all verdicts)" "$((v1 + v2))" "$max2"
[ "$min2" -gt "$max1" ] && ok "round 2: the rows kept are the newest (ids $min2..$max2)" ||
        fail "round 2: rows from round 1 kept (ids $min2..$max2, round 1 ended at $max1)"
# bounded: round 2 added three times round 1's rows, the file may grow only by the b-tree's slack
limit=$((size1 + size1 / 4 + 65536))
[ "$size2" -le "$limit" ] &&
        ok "provboot.db stays bounded: $size1 bytes after $v1 pushes, $size2 after $((v1 + v2)) (limit $limit)" ||
        fail "provboot.db grows with the pushes: $size1 bytes after $v1, $size2 after $((v1 + v2)) ($(((size2 - size1) / (v2 > 0 ? v2 : 1))) bytes per push)"

# ---- the verdict log is rate-limited -------------------------------------------------------------
lines=$(grep -c ': verdict ' "$W/verifierd.log")
supp=$(grep -o '[0-9]* verdict messages suppressed' "$W/verifierd.log" | awk '{ s += $1 } END { print s + 0 }')
[ "$lines" -lt "$((v1 + v2))" ] && [ "$supp" -gt 0 ] &&
        ok "verdict log rate-limited: $lines verdict lines for $((v1 + v2)) verdicts, $supp reported suppressed" ||
        fail "verdict log: $lines verdict lines for $((v1 + v2)) verdicts, $supp reported suppressed"
# (the lines suppressed after the last one logged before each stop are never reported)
[ "$((lines + supp))" -le "$((v1 + v2))" ] &&
        ok "logged + reported suppressed ($((lines + supp))) never exceeds the verdicts ($((v1 + v2)))" ||
        fail "logged $lines + suppressed $supp is more than the $((v1 + v2)) verdicts"

# ---- memory ------------------------------------------------------------------------------------
peak=$(printf '%s\n' "${rss1:-0}" "${rss2:-0}" | sort -n | tail -1)
[ "$peak" -gt 0 ] && [ "$peak" -lt $((64 * 1024)) ] &&
        ok "verifierd's peak RSS ${peak} kB stays below half of MemoryMax=128M" ||
        fail "verifierd's peak RSS '${peak}' kB (MemoryMax=128M in the unit)"
pb_summary
