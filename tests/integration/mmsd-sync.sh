#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# mmsd-sync.sh: issue 10 point 5. mmsd-tng lives on the phone user's SESSION bus; verifierd, a
# system service, used to call it on the system bus, so Mmsd=yes never reached a real mmsd-tng.
# Now verifierd publishes the MMS settings on the system bus (Verifier1.GetMmsSettings,
# MmsSettingsChanged) and provboot-mmsd-sync, running as the phone user, hands them to mmsd-tng.
#
# Real parts: a private system bus with the shipped policy (lib.sh), verifierd (root) and provd
# (user provd); a private SESSION bus (dbus-daemon --session) of an unprivileged phone user
# (provboot-phone, created if missing: not root, not in group provboot) running the REAL mmsd-tng
# (Debian 12: mmsdtng 2.1.0, `make deps`) with its home in the work directory. mmsd-tng needs a
# system bus (without one 2.1.0 aborts on an assertion in its ModemManager plugin) but not
# ModemManager: on the private system bus it finds none, says MMSD_MM_STATE_NO_MANAGER and keeps
# serving its settings API on the session bus (its per-modem org.ofono.mms.Service objects appear
# only with a modem, and hold no carrier settings).
# The program under test runs as the same user on both buses.
#   1. the names provboot-mmsd-sync uses (org.ofono.mms /org/ofono/mms org.ofono.mms.ModemManager
#      ChangeSettings(sv), ViewSettings() -> a{sv}) are what the live mmsd-tng introspects;
#   2. a NETWPIN push with a w4 (MMSC, MMS APN, proxy) is applied: mmsd-tng's ViewSettings and its
#      key file hold the pushed values; the phone user and nobody may call GetMmsSettings;
#   3. mmsd-tng restarted with its key file: already in sync, nothing sent;
#   4. mmsd-tng restarted WITHOUT its key file (back to its unset values): handed over again;
#   5. the user changes the MMSC in mmsd-tng (as Chatty would): kept across an mmsd-tng restart and
#      a provboot-mmsd-sync restart (until a newer push);
#   6. another local user (nobody) forges MmsSettingsChanged with an attacker's MMSC, addressed to
#      provboot-mmsd-sync and broadcast; then a newer push: mmsd-tng gets the new push's values
#      (over the user's edit) and never the attacker's;
#   7. a push whose MMSC carries userinfo (a credential): verifierd publishes nothing, mmsd-tng keeps
#      what it had.
# If mmsd-tng cannot start here the test says "skipped: <reason>" with "0 passed, 0 failed".
set -u
. "$(dirname "$0")/lib.sh"
trap pb_cleanup EXIT
PY=/usr/bin/python3
MKPUSH=$PB_TOP/tools/mkpush.py
SYNC=$PB_BUILD/provboot-mmsd-sync
PHONE=provboot-phone
MMSD=$(command -v mmsdtng || true)

[ -n "$MMSD" ] || { echo "mmsdtng missing (make deps: mmsd-tng)"; echo "0 passed, 1 failed"; exit 1; }
skip() {
        echo "skipped: $*"
        echo "0 passed, 0 failed"
        exit 0
}

pb_setup_users
getent passwd "$PHONE" >/dev/null || useradd --system --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin --user-group "$PHONE"
pb_workdir
W=$PB_WORK
mkdir -p "$W/conf" "$W/pconf" "$W/nm" "$W/state" "$W/home" "$W/sess"
chown "$PHONE:$PHONE" "$W/home" "$W/sess"
cat >"$W/conf/verifierd.conf" <<CONF
[Bootstrap]
Enabled=yes
ConfirmNetworkPin=no
[NetworkPin]
Source=static
Imsi=262011234567890
[Export]
NetworkManagerDir=$W/nm
Mmsd=yes
CONF
pb_start_bus "$W" || exit 1
pb_start_provd "$W/pconf" || exit 1
pb_start_verifierd "$W/conf" "$W/state" || exit 1

# phone_cmd: PHONE_CMD, the prefix that runs a command as the phone user with both buses and its
# home. Background processes are started as "${PHONE_CMD[@]}" CMD & (setpriv and env exec, so
# $! is the process itself, which pb_cleanup stops by PID); as_phone CMD runs one in the foreground.
phone_cmd() {
        PHONE_CMD=(setpriv --reuid="$PHONE" --regid="$PHONE" --init-groups --inh-caps=-all
                env -i PATH=/usr/bin:/bin HOME="$W/home" DBUS_SYSTEM_BUS_ADDRESS="$PB_BUS"
                DBUS_SESSION_BUS_ADDRESS="${SESS:-}")
}
as_phone() {
        phone_cmd
        "${PHONE_CMD[@]}" "$@"
}
as_nobody() {
        setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all env -i PATH=/usr/bin:/bin "$@"
}

# wait_until SECONDS COMMAND...: poll COMMAND until it succeeds, bounded by wall-clock time (the
# commands here start processes, which on a loaded machine take longer than pb_wait_for's ticks)
wait_until() {
        local end=$((SECONDS + $1)); shift
        while :; do
                "$@" >/dev/null 2>&1 && return 0
                [ "$SECONDS" -lt "$end" ] || return 1
                sleep 0.05
        done
}
# The phone user's session bus (only that uid may connect to it, as on a phone).
phone_cmd
"${PHONE_CMD[@]}" dbus-daemon --session --nofork --address="unix:path=$W/sess/bus.sock" --print-address=3 \
        3>"$W/sess.addr" 2>"$W/sess.err" &
PB_PIDS+=("$!")
wait_until 10 test -s "$W/sess.addr" || skip "a session dbus-daemon cannot start here: $(cat "$W/sess.err")"
SESS=$(head -1 "$W/sess.addr")
sbus() { as_phone busctl --address="$SESS" "$@"; }

MMSD_PID=
MMSD_N=0
start_mmsd() {
        MMSD_N=$((MMSD_N + 1))
        phone_cmd
        "${PHONE_CMD[@]}" "$MMSD" -d >"$W/mmsd.$MMSD_N.log" 2>&1 &
        MMSD_PID=$!
        PB_PIDS+=("$MMSD_PID")
        wait_until 10 sbus status org.ofono.mms
}
stop_mmsd() { # and wait until the bus says its name is gone
        pb_stop "$MMSD_PID"
        wait_until 10 bash -c '! "$@" status org.ofono.mms' _ "${PHONE_CMD[@]}" busctl --address="$SESS"
}

start_mmsd || skip "mmsd-tng cannot start here: $(tail -5 "$W/mmsd.1.log")"

# view KEY: mmsd-tng's current value of KEY (ViewSettings, as Chatty reads it); busctl prints
# a{sv} N "KEY" s "VALUE" ... (the values here hold no quote)
view() {
        local out re="\"$1\" s \"([^\"]*)\""
        out=$(sbus call org.ofono.mms /org/ofono/mms org.ofono.mms.ModemManager ViewSettings 2>/dev/null) || return 1
        [[ $out =~ $re ]] && echo "${BASH_REMATCH[1]}"
}
view_is() { [ "$(view "$1")" = "$2" ]; }
# wait_view KEY VALUE DESCRIPTION: poll (bounded) until mmsd-tng reports the value
wait_view() {
        if wait_until 10 view_is "$1" "$2"; then ok "$3"; else fail "$3: $1 is '$(view "$1")', want '$2'"; fi
}
sync_log_count() { grep -c -F -- "$1" "$W/sync.log" 2>/dev/null || true; }
# wait_sync_log TEXT N: until the program's log has TEXT at least N times
wait_sync_log() { wait_until 10 bash -c '[ "$(grep -c -F -- "$1" "$2" 2>/dev/null)" -ge "$3" ]' _ "$1" "$W/sync.log" "$2"; }

SYNC_PID=
start_sync() {
        if [ ! -x "$SYNC" ]; then
                echo "    $SYNC missing (make all)"
                return 1
        fi
        phone_cmd
        "${PHONE_CMD[@]}" "$SYNC" >>"$W/sync.log" 2>&1 &
        SYNC_PID=$!
        PB_PIDS+=("$SYNC_PID")
}

# ---- 1. the names against the live mmsd-tng ----
INTRO=$(sbus introspect --xml-interface org.ofono.mms /org/ofono/mms 2>&1)
check "live mmsd-tng: org.ofono.mms.ModemManager.ChangeSettings(s setting, v value)" $PY - "$INTRO" <<'PYEOF'
import sys, xml.etree.ElementTree as ET
root = ET.fromstring(sys.argv[1])
i = [x for x in root.findall("interface") if x.get("name") == "org.ofono.mms.ModemManager"][0]
m = [x for x in i.findall("method") if x.get("name") == "ChangeSettings"][0]
sys.exit(0 if [(a.get("type"), a.get("direction")) for a in m.findall("arg")] == [("s", "in"), ("v", "in")] else 1)
PYEOF
check "live mmsd-tng: org.ofono.mms.ModemManager.ViewSettings() -> a{sv}" $PY - "$INTRO" <<'PYEOF'
import sys, xml.etree.ElementTree as ET
root = ET.fromstring(sys.argv[1])
i = [x for x in root.findall("interface") if x.get("name") == "org.ofono.mms.ModemManager"][0]
m = [x for x in i.findall("method") if x.get("name") == "ViewSettings"][0]
sys.exit(0 if [(a.get("type"), a.get("direction")) for a in m.findall("arg")] == [("a{sv}", "out")] else 1)
PYEOF
check "fresh mmsd-tng reports its unset values (http://mms.invalid, apn.invalid, NULL)" \
        [ "$(view CarrierMMSC)/$(view MMS_APN)/$(view CarrierMMSProxy)" = "http://mms.invalid/apn.invalid/NULL" ]

start_sync || fail "provboot-mmsd-sync started"

mkdoc() { # mkdoc FILE MMSC [PROXY-ID]: MMS NAPDEF, proxy MMSPROXY (10.11.12.13:8080), w4
        local to_proxy=""
        [ -n "${3:-}" ] && to_proxy="<parm name=\"TO-PROXY\" value=\"$3\"/>"
        cat >"$1" <<XML
<?xml version="1.0"?>
<wap-provisioningdoc version="1.1">
  <characteristic type="NAPDEF">
    <parm name="NAPID" value="MMS"/>
    <parm name="BEARER" value="GSM-GPRS"/>
    <parm name="NAME" value="Example MMS"/>
    <parm name="NAP-ADDRESS" value="mms.example.com"/>
    <parm name="NAP-ADDRTYPE" value="APN"/>
  </characteristic>
  <characteristic type="PXLOGICAL">
    <parm name="PROXY-ID" value="MMSPROXY"/>
    <parm name="NAME" value="Example MMS Proxy"/>
    <characteristic type="PXPHYSICAL">
      <parm name="PHYSICAL-PROXY-ID" value="MMSPX1"/>
      <parm name="PXADDR" value="10.11.12.13"/>
      <parm name="PXADDRTYPE" value="IPV4"/>
      <parm name="TO-NAPID" value="MMS"/>
      <characteristic type="PORT"><parm name="PORTNBR" value="8080"/></characteristic>
    </characteristic>
  </characteristic>
  <characteristic type="APPLICATION">
    <parm name="APPID" value="w4"/>
    <parm name="NAME" value="Example MMS"/>
    $to_proxy
    <parm name="TO-NAPID" value="MMS"/>
    <parm name="ADDR" value="$2"/>
  </characteristic>
</wap-provisioningdoc>
XML
}
json_field() { $PY -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2" 2>/dev/null; }
push() { # push NAME MMSC [PROXY-ID]: build and inject a NETWPIN push; expect applied
        mkdoc "$W/$1.xml" "$2" "${3:-}"
        "$MKPUSH" --xml "$W/$1.xml" --sec netwpin --imsi 262011234567890 --out "$W/$1.wsp"
        local out
        out=$(pb_provctl inject --json "$W/$1.wsp" 2>&1)
        if [ "$(json_field "$out" verdict)" = applied ]; then ok "$1: applied"; else fail "$1: expected applied, got: $out"; fi
}
# get_mms AS...: GetMmsSettings on the system bus, as the given command prefix
get_mms() { "$@" busctl --address="$PB_BUS" --json=short call org.provboot.Verifier1 /org/provboot/Verifier1 \
        org.provboot.Verifier1 GetMmsSettings 2>&1; }

MMSC1=http://mms.example.com/servlets/mms
MMSC2=http://mmsc2.example.com/mms
USER_MMSC=http://user.example.org/mms
EVIL_MMSC=http://mmsc.attacker.example/

# ---- 2. a push with a w4 reaches the real mmsd-tng ----
push push1 "$MMSC1" MMSPROXY
wait_view CarrierMMSC "$MMSC1" "mmsd-tng's CarrierMMSC is the pushed MMSC"
wait_view MMS_APN mms.example.com "mmsd-tng's MMS_APN is the pushed MMS APN"
wait_view CarrierMMSProxy 10.11.12.13:8080 "mmsd-tng's CarrierMMSProxy is the pushed proxy"
KEYFILE=$W/home/.mms/modemmanager/mms
check "mmsd-tng stored them in its own key file ($KEYFILE)" \
        grep -qx "CarrierMMSC=$MMSC1" "$KEYFILE"
STATEFILE=$W/home/.local/state/provboot-mmsd-sync/applied
check "provboot-mmsd-sync recorded what it handed over (~/.local/state/provboot-mmsd-sync/applied, 0600)" \
        wait_until 10 bash -c 'grep -qx "CarrierMMSC=$2" "$1" && [ "$(stat -c %a "$1")" = 600 ]' _ "$STATEFILE" "$MMSC1"
OUT=$(get_mms as_phone)
check "the phone user (not root, not in group provboot) may call GetMmsSettings" \
        $PY -c 'import json,sys; d=json.loads(sys.argv[1])["data"][0]; sys.exit(0 if d["CarrierMMSC"]["data"] == sys.argv[2] and d["PushId"]["type"] == "t" else 1)' "$OUT" "$MMSC1" 2>/dev/null
OUT=$(get_mms as_nobody)
check "any local user (nobody) may call GetMmsSettings: no secret in it" \
        $PY -c 'import json,sys; d=json.loads(sys.argv[1])["data"][0]; sys.exit(0 if set(d) == {"CarrierMMSC","MMS_APN","CarrierMMSProxy","PushId"} else 1)' "$OUT" 2>/dev/null
OUT=$(as_nobody busctl --address="$PB_BUS" call org.provboot.Verifier1 /org/provboot/Verifier1 org.provboot.Verifier1 ListSettings 2>&1)
case "$OUT" in *AccessDenied* | *"Access denied"* | *"not allowed"*) ok "nobody still may not call ListSettings" ;;
*) fail "nobody may call ListSettings: $OUT" ;; esac

# ---- 3. mmsd-tng restarted with its key file: in sync, nothing sent ----
n=$(sync_log_count "mmsd-tng already holds")
stop_mmsd
start_mmsd || fail "mmsd-tng restarted"
if wait_sync_log "mmsd-tng already holds" $((n + 1)); then ok "restarted mmsd-tng (key file kept): found in sync"; else fail "restarted mmsd-tng: no 'in sync' from provboot-mmsd-sync"; fi
check "nothing sent to the restarted mmsd-tng (its log has no 'set to')" \
        bash -c '! grep -q "save_string_settings" "$1"' _ "$W/mmsd.$MMSD_N.log"

# ---- 4. mmsd-tng restarted without its key file: handed over again ----
stop_mmsd
rm -f "$KEYFILE"
start_mmsd || fail "mmsd-tng restarted"
wait_view CarrierMMSC "$MMSC1" "mmsd-tng that lost its key file gets the MMSC again"
wait_view CarrierMMSProxy 10.11.12.13:8080 "... and the proxy"

# ---- 5. the user's own change in mmsd-tng is kept ----
sbus call org.ofono.mms /org/ofono/mms org.ofono.mms.ModemManager ChangeSettings sv CarrierMMSC s "$USER_MMSC"
n=$(sync_log_count "were changed after push")
stop_mmsd
start_mmsd || fail "mmsd-tng restarted"
if wait_sync_log "were changed after push" $((n + 1)); then ok "mmsd-tng restart: the user's change is noticed"; else fail "mmsd-tng restart: no 'changed' from provboot-mmsd-sync"; fi
check "the user's MMSC is kept" view_is CarrierMMSC "$USER_MMSC"
n=$(sync_log_count "were changed after push")
pb_stop "$SYNC_PID"
start_sync || fail "provboot-mmsd-sync restarted"
if wait_sync_log "were changed after push" $((n + 1)); then ok "provboot-mmsd-sync restart: the user's change is noticed (state file)"; else fail "provboot-mmsd-sync restart: no 'changed'"; fi
check "the user's MMSC is kept across a provboot-mmsd-sync restart (state file)" view_is CarrierMMSC "$USER_MMSC"

# ---- 6. forged signals from another local user, then a newer push ----
SYNC_UNIQUE=$(busctl --address="$PB_BUS" list --no-legend 2>/dev/null | awk -v p="$SYNC_PID" '$2 == p && $1 ~ /^:/ { print $1; exit }')
for dest in "$SYNC_UNIQUE" ""; do
        as_nobody busctl --address="$PB_BUS" ${dest:+--destination="$dest"} emit /org/provboot/Verifier1 \
                org.provboot.Verifier1 MmsSettingsChanged 'a{sv}' 4 CarrierMMSC s "$EVIL_MMSC" MMS_APN s evil.apn \
                CarrierMMSProxy s 6.6.6.6:80 PushId t 999 >"$W/emit.out" 2>&1 ||
                echo "    (emit${dest:+ to $dest}: $(cat "$W/emit.out"))"
done
push push2 "$MMSC2"
wait_view CarrierMMSC "$MMSC2" "a newer push replaces the user's MMSC"
wait_view CarrierMMSProxy NULL "... and its lack of a proxy is 'NULL' in mmsd-tng"
check "mmsd-tng never got the forged MMSC, APN or proxy (all its logs)" \
        bash -c '! grep -q -e "mmsc.attacker" -e "evil.apn" -e "6.6.6.6" "$@"' _ "$W"/mmsd.*.log "$KEYFILE"

# ---- 7. an MMSC with userinfo is not published ----
n=$(sync_log_count "publishes no MMS settings")
push push3 "http://user:secret@mms3.example.com/mms"
if wait_sync_log "publishes no MMS settings" $((n + 1)); then ok "userinfo in the MMSC: verifierd publishes nothing"; else fail "userinfo in the MMSC: still published"; fi
check "verifierd says why" grep -q "break the publication rules" "$PB_WORK/verifierd.log"
check "mmsd-tng keeps the previous MMSC" view_is CarrierMMSC "$MMSC2"
check "the credential reached neither mmsd-tng nor provboot-mmsd-sync's log" \
        bash -c '! grep -q "secret" "$@"' _ "$W"/mmsd.*.log "$KEYFILE" "$W/sync.log"

kill -0 "$SYNC_PID" 2>/dev/null && ok "provboot-mmsd-sync alive" || fail "provboot-mmsd-sync died: $(tail -5 "$W/sync.log")"
kill -0 "$PB_VERIFIERD_PID" 2>/dev/null && ok "verifierd alive" || fail "verifierd died"
if [ "$PB_FAIL" -gt 0 ]; then
        echo "--- provboot-mmsd-sync log"; tail -40 "$W/sync.log" 2>/dev/null
        echo "--- verifierd log"; tail -20 "$W/verifierd.log"
fi
pb_summary
