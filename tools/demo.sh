#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# demo.sh (`make demo`): provboot end to end on a private system-like bus.
#   - a private dbus-daemon with the shipped policy (ipc/org.provboot.conf),
#   - verifierd as root with a demo configuration (OTA bootstrap enabled, static IMSI,
#     NetworkManager keyfiles into a temporary directory),
#   - provd as its own user "provd",
#   - a handful of real pushes injected with provctl, their verdicts, the history, the
#     settings and the keyfile written; every process started here is stopped at the end.
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

say "Starting a private system bus with the shipped policy, verifierd (root) and provd (user provd)"
pb_start_bus "$PB_WORK" || exit 1
pb_start_verifierd "$PB_WORK/conf" "$PB_WORK/state" || exit 1
pb_start_provd "$PB_WORK/provd-conf" || exit 1
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
