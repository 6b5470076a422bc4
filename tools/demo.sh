#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# demo.sh (`make demo`): provboot end to end on a private system-like bus.
#   - a private dbus-daemon with the shipped policy (ipc/org.provboot.conf),
#   - verifierd as root with a demo configuration (OTA bootstrap enabled, static IMSI,
#     NetworkManager keyfiles into a temporary directory),
#   - provd as its own user "provd",
#   - a handful of real pushes injected with provctl, their verdicts, the history, the
#     settings and the keyfile written;
#   - an OMA DM session (docs/dm.md): dmsessiond (user provdial) dials, verifierd runs TLS against a
#     scripted DM server on 127.0.0.1 (tests/dm/dmserver.py, a fresh test CA) and applies an APN
#     change within the DM account's roles while a policy change beyond them is refused;
# every process started here is stopped at the end.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
if [ "$(id -u)" -ne 0 ]; then
        echo "make demo needs root (it creates the system user 'provd' and runs provd as it): re-running with sudo" >&2
        exec sudo -E BUILD="${BUILD:-build}" "$0" "$@"
fi
# shellcheck source=tests/integration/lib.sh
. "$TOP/tests/integration/lib.sh"
trap pb_cleanup EXIT

D=$TOP/tests/data/demo
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }
provctl() { DBUS_SYSTEM_BUS_ADDRESS=$PB_BUS "$PB_BUILD/provctl" "$@"; }
inject() { # inject FILE -> prints the verdict, sets ID
        local out
        printf '$ provctl inject %s\n' "${1#$TOP/}"
        out=$(provctl inject --json "$1") || { echo "inject failed: $out"; return 1; }
        echo "$out"
        ID=$(sed -E 's/.*"id":([0-9]+).*/\1/' <<<"$out")
}

pb_setup_users
pb_workdir
mkdir -p "$PB_WORK/conf" "$PB_WORK/provd-conf" "$PB_WORK/nm" "$PB_WORK/state"
cat >"$PB_WORK/conf/verifierd.conf" <<CONF
# demo configuration: OTA bootstrap on, the SIM's IMSI given statically
[Bootstrap]
Enabled=yes

[NetworkPin]
Source=static
Imsi=262011234567890

[Export]
NetworkManagerDir=$PB_WORK/nm
CONF

# The DM part's server: a scripted OMA DM server on 127.0.0.1 with a fresh test CA, which the
# drop-in below makes verifierd trust (and allows the loopback address) for the demo only.
# shellcheck source=tests/dm/dm-lib.sh
DM_IMSI=262011234567890
. "$TOP/tests/dm/dm-lib.sh"
mkdir -p "$PB_WORK/conf/verifierd.conf.d" "$PB_WORK/push" "$PB_WORK/dconf"
dm_pki "$PB_WORK/pki" || exit 1
dm_config demo dm.example.com
dm_server_start || exit 1
printf '[DM]\nTrustFile=%s\nAllowLoopback=yes\n' "$DM_CA" >"$PB_WORK/conf/verifierd.conf.d/50-demo-dm.conf"

say "Starting a private system bus with the shipped policy, verifierd (root), provd (user provd) and dmsessiond (user provdial)"
pb_start_bus "$PB_WORK" || exit 1
pb_start_verifierd "$PB_WORK/conf" "$PB_WORK/state" || exit 1
pb_start_provd "$PB_WORK/provd-conf" || exit 1
pb_start_dmsessiond "$PB_WORK/dconf" || exit 1
echo "bus: $PB_BUS"
echo "verifierd pid $PB_VERIFIERD_PID, provd pid $PB_PROVD_PID (uid $(stat -c %u /proc/$PB_PROVD_PID))"

say "1. Operator push, NETWPIN (IMSI), APN + proxy, 3 SMS segments: waits for the user's confirmation"
inject "$D/apn-proxy.netwpin.sms.hex"
run provctl pending
run provctl confirm "$ID"

say "2. USERPIN push with a browser bookmark: pending until the PIN is given"
inject "$D/bookmark.userpin.sms.hex"
printf '$ echo 1234 | provctl pin %s\n' "$ID"
echo 1234 | provctl pin "$ID"

say "3. USERPIN push that tries to set an APN: the PIN is right, but a user PIN may not set a NAPDEF"
inject "$D/napdef-only.userpin.wsp"
printf '$ echo 1234 | provctl pin %s\n' "$ID"
echo 1234 | provctl pin "$ID"

say "4. Unsigned proxy change (the Check Point 2019 attack): rejected"
inject "$D/proxy-only.unsigned.wsp"

say "5. DM account (w7) asking for Manager (ROLE=8) in an Operator-signed push: rejected"
inject "$D/w7-escalate.netwpin.wsp"

say "6. A malformed push: rejected by provd, which stays alive"
inject "$D/malformed.wsp.hex"
run provctl status

say "7. OMA DM: an operator push (NETWPIN) creates a DM account (Operator role), then a DM session"
DM_ACCOUNT_NAPDEF=no dm_account_xml dm.example.com 4 >"$PB_WORK/push/dm-account.xml"
"$DM_PY" "$TOP/tools/mkpush.py" --xml "$PB_WORK/push/dm-account.xml" --sec netwpin --imsi "$DM_IMSI" \
        --out "$PB_WORK/push/dm-account.netwpin.wsp" || exit 1
inject "$PB_WORK/push/dm-account.netwpin.wsp"
run provctl confirm "$ID"
run provctl accounts
echo "(the DM server on 127.0.0.1:$DM_PORT asks for ./DevInfo/Man, replaces the APN of NAPDEF INTERNET,"
echo " and tries to set SecurityPolicy 4119 (GrantManager), which only the Manager role may change)"
run provctl dm connect dm.example.com
printf '$ provctl settings | grep NAP-ADDRESS\n'
provctl settings | grep NAP-ADDRESS
"$DM_PY" - "$PB_WORK/dm-records.jsonl" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print("the DM server saw: package 1 with Alert %s, credentials %s; then the client's statuses:" % (
    ",".join(recs[0]["alerts"]), "verified" if recs[0]["cred_ok"] else "REFUSED"))
for s in recs[-1]["statuses"]:
    print("  %-8s %s" % (s["cmd"], s["data"]))
PY

say "History"
run provctl history
say "Applied settings"
run provctl settings
say "NetworkManager keyfile written"
for f in "$PB_WORK"/nm/*; do
        [ -f "$f" ] || continue
        printf '$ ls -l %s\n' "$(basename "$f")"; ls -l "$f" | sed "s|$PB_WORK/nm/||"
        sed 's/^password=.*/password=(hidden in this output)/' "$f"
done

say "Stopping every process started by the demo"
