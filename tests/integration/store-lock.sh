#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# store-lock.sh: verifierd keeps its SQLite locks while another process reads its store
# (issue 9 finding 2). POSIX advisory locks belong to the process and the inode: closing ANY
# descriptor of the database file drops every lock the process holds on it, including the ones
# SQLite holds. If verifierd loses them, the next reader of provboot.db (an administrator's
# `sqlite3`, a backup) believes it is the only connection: when it closes it checkpoints and
# deletes the live write-ahead log that verifierd keeps appending to, and everything committed
# after that lives only in an unlinked file.
#
# On a real dbus-daemon with the shipped policy, verifierd as root (bootstrap enabled, NETWPIN
# without confirmation, static IMSI), provd as user provd:
#   1. pushes 1..3 (distinct genuine NETWPIN NAPDEFs) applied;
#   2. a reader (Debian's python3 sqlite3 module: the same library as the sqlite3 CLI) opens the
#      database read-write as root, reads, and closes it, twice, while verifierd runs;
#      verifierd's write-ahead log must still be there afterwards;
#   3. pushes 4..6 applied;
#   4. verifierd killed with SIGKILL (no clean close, no checkpoint), then started again;
#   5. every push that was answered "applied" is still in the history with that verdict and
#      digest, its settings are in the store and its NetworkManager keyfile is still there
#      (verifierd rebuilds the exports from the store at start-up); a new push gets an id above
#      every id handed out before (no id reused) and is applied.
# Every wait is a bounded poll; every process is stopped by PID.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
trap pb_cleanup EXIT
PY=/usr/bin/python3
T=$PB_TOP/tests/tools
MKPUSH=$PB_TOP/tools/mkpush.py
IMSI=262011234567890
N=7

pb_setup_users
pb_workdir
W=$PB_WORK
mkdir -p "$W/conf" "$W/pconf" "$W/nm" "$W/push"
cat >"$W/conf/verifierd.conf" <<CONF
[Bootstrap]
Enabled=yes
ConfirmNetworkPin=no
[NetworkPin]
Source=static
Imsi=$IMSI
[Export]
NetworkManagerDir=$W/nm
CONF
printf '[Intake]\nOfono=no\nModemManager=no\n' >"$W/pconf/provd.conf"

for ((i = 1; i <= N; i++)); do
        cat >"$W/push/doc-$i.xml" <<XML
<?xml version="1.0"?>
<wap-provisioningdoc version="1.1">
  <characteristic type="NAPDEF">
    <parm name="NAPID" value="LOCK$i"/>
    <parm name="BEARER" value="GSM-GPRS"/>
    <parm name="NAME" value="Lock test APN $i"/>
    <parm name="INTERNET"/>
    <parm name="NAP-ADDRESS" value="apn$i.lock.example"/>
    <parm name="NAP-ADDRTYPE" value="APN"/>
  </characteristic>
</wap-provisioningdoc>
XML
        $PY "$MKPUSH" --xml "$W/push/doc-$i.xml" --sec netwpin --imsi "$IMSI" --out "$W/push/$i.wsp" || fail "mkpush $i"
        $PY "$T/pbstate.py" wsp-body "$W/push/$i.wsp" "$W/push/$i.body"
        echo "$i $(sha256sum <"$W/push/$i.body" | cut -d' ' -f1)" >>"$W/digests"
done

: >"$W/told"
inject() { # inject I: inject push I, append "I ID VERDICT" to $W/told
        local out v id
        out=$(pb_provctl inject --json "$W/push/$1.wsp" 2>&1)
        v=$(pb_json_field "$out" verdict)
        id=$(pb_json_field "$out" id)
        echo "$1 ${id:-?} ${v:-?}" >>"$W/told"
        pb_expect "push $1 answered applied (id ${id:-?})" applied "$v"
}
wal_exists() { test -e "$W/state/provboot.db-wal"; }

pb_start_bus "$W" || exit 1
pb_start_verifierd "$W/conf" "$W/state" || exit 1
pb_start_provd "$W/pconf" || exit 1

# ---- 1. pushes before the reader -----------------------------------------------------------------
for i in 1 2 3; do inject "$i"; done
wal_exists && ok "verifierd's store is in WAL mode (provboot.db-wal exists)" || fail "no provboot.db-wal while verifierd runs"

# ---- 2. an administrator reads the store while verifierd runs ------------------------------------
for k in 1 2; do
        out=$($PY - "$W/state/provboot.db" <<'PYEOF' 2>&1
import sqlite3, sys
con = sqlite3.connect(sys.argv[1])          # read-write, as `sqlite3 provboot.db` opens it
n = con.execute("SELECT COUNT(*) FROM pushes WHERE verdict = 'applied'").fetchone()[0]
con.close()                                 # the last connection it believes: checkpoint + unlink?
print(n)
PYEOF
)
        echo "      reader $k saw $out applied pushes"
done
wal_exists && ok "after two readers closed the database, verifierd's write-ahead log is still there" ||
        fail "a reader's close checkpointed and DELETED verifierd's live write-ahead log (verifierd lost its locks)"

# ---- 3. more pushes ------------------------------------------------------------------------------
for i in 4 5 6; do inject "$i"; done
wal_exists && ok "write-ahead log present after more pushes" || fail "verifierd now writes into an unlinked write-ahead log"
ls "$W/nm" >"$W/keyfiles.before"
[ "$(wc -l <"$W/keyfiles.before")" -eq 6 ] && ok "six keyfiles before the crash" ||
        fail "keyfiles before the crash: $(tr '\n' ' ' <"$W/keyfiles.before")"

# ---- 4. SIGKILL, restart -------------------------------------------------------------------------
kill -KILL "$PB_VERIFIERD_PID"
wait "$PB_VERIFIERD_PID" 2>/dev/null
pb_wait_for 10 sh -c "! busctl --address='$PB_BUS' status org.provboot.Verifier1" ||
        fail "verifierd's name still owned after SIGKILL"
pb_start_verifierd "$W/conf" "$W/state" || exit 1
ok "verifierd restarted on its store after SIGKILL"

# ---- 5. everything answered "applied" is still there --------------------------------------------
$PY "$T/pbstate.py" snapshot "$PB_BUS" "$W/nm" "$W/s.json" || fail "snapshot after the restart"
pb_python_checks "$W/s.json" "$W/told" "$W/digests" "$W/keyfiles.before" <<'PYEOF'
import json, sys
s = json.load(open(sys.argv[1]))
told = [l.split() for l in open(sys.argv[2])]
digest = dict(l.split() for l in open(sys.argv[3]))
kf_before = [l.strip() for l in open(sys.argv[4]) if l.strip()]
def check(cond, msg):
    print(("PASS " if cond else "FAIL ") + msg)
hist = {h["id"]: h for h in s["history"]}
for i, pid, v in told:
    h = hist.get(int(pid)) if pid.isdigit() else None
    check(h is not None and h["verdict"] == "applied" and h["digest"] == digest[i],
          "push %s (id %s, answered %s) is in the history as applied with its digest%s" %
          (i, pid, v, "" if h else " - GONE"))
setting_push = {x["push"] for x in s["settings"]}
names = {x["value"] for x in s["settings"] if x["name"] == "NAPID"}
for i, pid, v in told:
    check(pid.isdigit() and int(pid) in setting_push and ("LOCK" + i) in names,
          "the settings of push %s (NAPDEF LOCK%s) are in the store" % (i, i))
kf = s["keyfiles"]
lost = [k for k in kf_before if k not in kf]
check(not lost, "every keyfile from before the crash is still there (%d)%s" % (len(kf_before), " lost: %s" % lost if lost else ""))
check(sorted(v for v in kf.values()) == sorted(int(p) for _, p, _ in told if p.isdigit()),
      "one keyfile per applied push, each naming its push id")
PYEOF
maxid=$(awk '$2 ~ /^[0-9]+$/ && $2 > m { m = $2 } END { print m + 0 }' "$W/told")
out=$(pb_provctl inject --json "$W/push/$N.wsp" 2>&1)
id=$(pb_json_field "$out" id)
pb_expect "a new push after the restart is applied" applied "$(pb_json_field "$out" verdict)"
[ -n "$id" ] && [ "$id" -gt "$maxid" ] && ok "its id $id is above every id handed out before ($maxid): no id reused" ||
        fail "new push got id '${id:-?}', but ids up to $maxid were already answered"
pb_summary
