#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# ofono-push-agent.sh: oFono's one push agent per modem (issue 10 point 6), against the REAL
# ofonod (Debian's 1.31, phonesim plugin and the scripted modem of ofono.sh, docs/testing.md
# §4.3) on a private bus with the shipped provboot policy and oFono's own.
# oFono hands EVERY WAP push to port 2948 of a modem to the one agent registered there: MMS
# notifications too. provd's documented choice (provd(8) "oFono's one push agent"):
#   1. provd holds the slot and hands every push it does not handle to [Intake] OfonoNextAgent=
#      exactly as oFono gave it: an MMS m-notification-ind WSP push reaches the next agent
#      (tests/tools/push-agent.py, a stand-in for an MMS daemon's agent) byte for byte with
#      oFono's Sender, and never verifierd; a provisioning push still goes to verifierd only;
#   2. without OfonoNextAgent= such a push is logged as reaching nobody, never dropped silently;
#   3. when another program registered first (the slot is taken: org.ofono.Error.InProgress),
#      provd says so clearly and leaves the slot alone: MMS and even provisioning pushes go to that
#      program, from oFono.
# On the original code (382147a) provd decoded an MMS push as a provisioning one, called it
# malformed and dropped it without a word, and its log for the taken slot named only the error.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
trap pb_cleanup EXIT
PY=/usr/bin/python3
T=$PB_TOP/tests/tools
MKPUSH=$PB_TOP/tools/mkpush.py
K=$PB_TOP/tests/data/kannel
IMSI=262011234567890
AGENT_NAME=org.provboot.Test.MmsAgent
AGENT_PATH=/org/provboot/Test/MmsAgent

if ! command -v ofonod >/dev/null 2>&1 && [ ! -x /usr/sbin/ofonod ]; then
        fail "ofonod is installed (Debian package ofono, in tools/deps.txt)"
        pb_summary
        exit 1
fi
OFONOD=$(command -v ofonod || echo /usr/sbin/ofonod)
pb_setup_users
pb_workdir
W=$PB_WORK
mkdir -p "$W/conf" "$W/pconf" "$W/pconf-nonext" "$W/nm" "$W/policy.d" "$W/push"
cat >"$W/conf/verifierd.conf" <<CONF
[Bootstrap]
Enabled=yes
ConfirmNetworkPin=no
[NetworkPin]
Source=ofono
[Export]
NetworkManagerDir=$W/nm
CONF
printf '[Intake]\nOfono=yes\nModemManager=no\nOfonoNextAgent=%s %s\n' "$AGENT_NAME" "$AGENT_PATH" >"$W/pconf/provd.conf"
printf '[Intake]\nOfono=yes\nModemManager=no\n' >"$W/pconf-nonext/provd.conf"
# What provd(8) tells the administrator who sets OfonoNextAgent=: let user provd call the next
# agent's ReceiveNotification at its bus name (the shipped policy opens no such destination).
cat >"$W/policy.d/next-agent.conf" <<XML
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <policy user="provd">
    <allow send_destination="$AGENT_NAME" send_interface="org.ofono.PushNotificationAgent" send_member="ReceiveNotification"/>
  </policy>
</busconfig>
XML
if [ -r /etc/dbus-1/system.d/ofono.conf ]; then
        cp /etc/dbus-1/system.d/ofono.conf "$W/policy.d/ofono.conf"
else
        cat >"$W/policy.d/ofono.conf" <<'XML'
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <policy user="root">
    <allow own="org.ofono"/>
    <allow send_destination="org.ofono"/>
    <allow send_interface="org.ofono.PushNotificationAgent"/>
  </policy>
  <policy context="default"><deny send_destination="org.ofono"/></policy>
</busconfig>
XML
fi
# the stand-in MMS daemon (root) owns its name, as a distribution's policy for it would allow
cat >"$W/policy.d/test-mms-agent.conf" <<XML
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <policy user="root"><allow own="$AGENT_NAME"/></policy>
</busconfig>
XML

# An MMS m-notification-ind (OMA-WAP-MMS-ENC 1.3 section 6.2) in a WSP push (WAP-230 section 8.2.4):
# TID 01, Push 06, headers 03: Content-Type application/vnd.wap.mms-message (0x3E -> BE),
# X-Wap-Application-Id x-wap-application:mms.ua (AF 84); body: message type m-notification-ind,
# transaction id, MMS 1.0, From, class personal, size 3000, expiry 3 days, Content-Location.
{
        printf '\x01\x06\x03\xbe\xaf\x84'
        printf '\x8c\x82\x98T0001\x00\x8d\x90\x89\x17\x80+4917099999/TYPE=PLMN\x00'
        printf '\x8a\x80\x8e\x02\x0b\xb8\x88\x05\x81\x03\x03\xf4\x80\x83http://mmsc.example.com/m1\x00'
} >"$W/push/mms.wsp"
MMS_HEX=$(od -An -tx1 -v "$W/push/mms.wsp" | tr -d ' \n' | tr a-f A-F)
$PY "$MKPUSH" --wsp "$W/push/mms.wsp" --sms --sender +4917099999 --out "$W/push/mms.sms.hex" || fail "mkpush --wsp"

# ---- OfonoNextAgent= values: PROVD_BUS_NAME_MAX (255) and PROVD_AGENT_PATH_MAX (255) ------------------
# provd reads its configuration before it connects: with no bus it stops either way, and its log
# says whether the value was refused.
next_agent_refused() { # next_agent_refused VALUE: 0 when provd refuses it
        mkdir -p "$W/cfgtest"
        printf '[Intake]\nOfonoNextAgent=%s\n' "$1" >"$W/cfgtest/provd.conf"
        DBUS_SYSTEM_BUS_ADDRESS=unix:path=$W/no-bus "$PB_BUILD/provd" --config-dir="$W/cfgtest" 2>&1 |
                grep -q 'OfonoNextAgent= has a bad value'
}
name255="org.$(printf 'a%.0s' $(seq 249)).x"
path255="/$(printf 'p%.0s' $(seq 254))"
next_agent_refused "$name255 /a" && fail "a bus name of 255 bytes is refused" || ok "a bus name of 255 bytes (PROVD_BUS_NAME_MAX) is taken"
next_agent_refused "${name255}y /a" && ok "a bus name of 256 bytes is refused" || fail "a bus name of 256 bytes is taken"
next_agent_refused "org.example.Mms $path255" && fail "an object path of 255 bytes is refused" || ok "an object path of 255 bytes (PROVD_AGENT_PATH_MAX) is taken"
next_agent_refused "org.example.Mms ${path255}q" && ok "an object path of 256 bytes is refused" || fail "an object path of 256 bytes is taken"
next_agent_refused ":1.42 /a" && ok "a unique name (it changes at every start) is refused" || fail "a unique name is taken"
next_agent_refused "org.example.Mms" && ok "a bus name without an object path is refused" || fail "a name alone is taken"
next_agent_refused "org.example.Mms not/a/path" && ok "a bad object path is refused" || fail "a bad object path is taken"

ofono_call() { busctl --address="$PB_BUS" --timeout=10 call org.ofono "$@"; }
newest_id() { pb_newest_push | cut -d' ' -f1; }
agent_lines() { local c; c=$(grep -c '^ReceiveNotification' "$W/agent.log" 2>/dev/null); echo "${c:-0}"; }
LAST=0
newer_than_last() { local id; id=$(newest_id); [ -n "$id" ] && [ "$id" != "$LAST" ]; }
send() { $PY "$T/modem-send.py" "$CTL_PORT" "$1" >/dev/null 2>&1 || fail "modem-send $1"; }
# quiet SECONDS: a bounded look for a new history row (none expected); prints the newest id
quiet_history() {
        local before=$1 end=$((SECONDS + 2))
        while [ $SECONDS -lt $end ]; do [ "$(newest_id)" != "$before" ] && break; sleep 0.1; done
        newest_id
}

pb_start_bus "$W" || exit 1
$PY "$T/fake-modem.py" "$IMSI" "$W/modem.ports" "$W/modem.log" &
PB_PIDS+=("$!")
pb_wait_for 10 test -s "$W/modem.ports" || { fail "fake modem started"; pb_summary; exit 1; }
read -r MODEM_PORT CTL_PORT <"$W/modem.ports"
printf '[phonesim]\nAddress=127.0.0.1\nPort=%s\n' "$MODEM_PORT" >"$W/phonesim.conf"
OFONO_PHONESIM_CONFIG=$W/phonesim.conf OFONO_AT_DEBUG=1 DBUS_SYSTEM_BUS_ADDRESS=$PB_BUS \
        unshare -m sh -c 'mount -t tmpfs -o mode=0700 tmpfs /var/lib/ofono 2>/dev/null; exec "$0" -n -d' \
        "$OFONOD" >>"$W/ofono.log" 2>&1 &
PB_PIDS+=("$!")
pb_wait_for 15 pb_has_name org.ofono || { fail "ofonod did not start: $(tail -5 "$W/ofono.log")"; pb_summary; exit 1; }
modem_has_push() { ofono_call /phonesim org.ofono.Modem GetProperties 2>/dev/null | grep -q org.ofono.PushNotification; }
ofono_call /phonesim org.ofono.Modem SetProperty sv Powered b true >/dev/null 2>&1 && pb_wait_for 20 modem_has_push ||
        { fail "modem did not come up: $(tail -5 "$W/modem.log")"; pb_summary; exit 1; }
ok "real ofonod with modem /phonesim offering org.ofono.PushNotification"
pb_start_verifierd "$W/conf" "$W/state" || exit 1
$PY "$T/push-agent.py" "$PB_BUS" "$W/agent.log" >"$W/agent.out" 2>&1 &
AGENT_PID=$!
PB_PIDS+=("$AGENT_PID")
pb_wait_for 10 grep -q '^ready ' "$W/agent.log" || { fail "stand-in MMS agent: $(cat "$W/agent.out")"; pb_summary; exit 1; }

# ---- 1. provd holds the slot and hands on what it does not handle -------------------------------
if pb_start_provd "$W/pconf"; then
        pb_wait_for 15 grep -q "Registered as push agent on oFono modem '/phonesim'" "$W/provd.log" &&
                ok "provd registered its push agent on /phonesim" || fail "provd did not register on /phonesim"
        grep -q "not provisioning pushes are handed on to $AGENT_NAME $AGENT_PATH" "$W/provd.log" &&
                ok "provd's log says where other pushes go" || fail "provd's log does not name the next agent"
        before=$(newest_id)
        n=$(agent_lines)
        send "$W/push/mms.sms.hex"
        pb_wait_for 15 pb_grep_count_gt "$W/agent.log" '^ReceiveNotification' "$n" &&
                ok "the MMS notification reached the next agent" || fail "the MMS notification did not reach the next agent (provd: $(tail -2 "$W/provd.log"))"
        got=$(grep '^ReceiveNotification' "$W/agent.log" | tail -1)
        pb_expect "the next agent got oFono's PDU byte for byte, with oFono's Sender, from provd" \
                "ReceiveNotification other $MMS_HEX +4917099999" "$got"
        grep -q "Received push of size" "$W/ofono.log" && ok "oFono itself dispatched it (its log: Received push of size)" ||
                fail "oFono's log shows no push"
        grep -q "not a provisioning push; handed on to the next push agent $AGENT_NAME" "$W/provd.log" &&
                ok "provd logged the hand-over" || fail "provd did not log the hand-over"
        pb_expect "the MMS notification never reached verifierd (no history row)" "$before" "$(quiet_history "$before")"
        pb_expect "provd's Malformed counter (the MMS push is not a malformed provisioning push)" 0 "$(pb_parser_counter Malformed)"

        n=$(agent_lines)
        LAST=$(newest_id)
        send "$K/prov-netwpin.sms.hex"
        pb_wait_for 15 newer_than_last && got=$(pb_newest_push) || got=none
        pb_expect "a NETWPIN provisioning push through the same agent -> verifierd, applied" "applied - ofono NETWPIN 12345" \
                "$(cut -d' ' -f2- <<<"$got")"
        pb_expect "the provisioning push was not handed on" "$n" "$(agent_lines)"

        # the next agent is gone: provd says so, stays up
        pb_stop "$AGENT_PID"
        send "$W/push/mms.sms.hex"
        pb_wait_for 15 grep -q "did not accept a handed-on push" "$W/provd.log" &&
                ok "with the next agent gone, provd logs that it could not hand the push on" ||
                fail "provd said nothing when the next agent was gone: $(tail -2 "$W/provd.log")"
        pb_alive "$PB_PROVD_PID" && ok "provd alive" || fail "provd died"
else
        fail "provd starts with OfonoNextAgent=$AGENT_NAME $AGENT_PATH: $(tail -2 "$W/provd.log")"
        pb_stop "$AGENT_PID"
fi

# ---- 2. no OfonoNextAgent=: logged, not silent -------------------------------------------------------
pb_stop "$PB_PROVD_PID"
: >"$W/provd.log"
pb_start_provd "$W/pconf-nonext" || fail "provd restarts without OfonoNextAgent="
pb_wait_for 15 grep -q "Registered as push agent on oFono modem '/phonesim'" "$W/provd.log" ||
        fail "provd did not register again"
grep -q "reach nobody while provd holds its push agent: no \[Intake\] OfonoNextAgent= is set" "$W/provd.log" &&
        ok "at registration provd says that other pushes will reach nobody" || fail "no notice at registration"
before=$(newest_id)
send "$W/push/mms.sms.hex"
pb_wait_for 15 grep -q "is not a provisioning push (an MMS notification?); no \[Intake\] OfonoNextAgent= is set" "$W/provd.log" &&
        ok "an MMS notification without a next agent is logged as reaching nobody: $(grep -o "oFono modem '/phonesim' delivered a push of [0-9]* bytes" "$W/provd.log" | tail -1)" ||
        fail "provd dropped the MMS notification without a word: $(tail -3 "$W/provd.log")"
pb_expect "it never reached verifierd" "$before" "$(quiet_history "$before")"

# ---- 3. the slot is taken by another program ---------------------------------------------------------
pb_stop "$PB_PROVD_PID"
pb_wait_for 5 grep -q '__ofono_sms_datagram_watch_remove' "$W/ofono.log" || true # UnregisterAgent processed
: >"$W/provd.log"
: >"$W/agent.log"
$PY "$T/push-agent.py" "$PB_BUS" "$W/agent.log" --register /phonesim >"$W/agent.out" 2>&1 &
PB_PIDS+=("$!")
pb_wait_for 10 grep -q '^ready ' "$W/agent.log" || fail "stand-in MMS agent (registering): $(cat "$W/agent.out")"
pb_expect "the stand-in MMS daemon took /phonesim's push agent slot first" "registered /phonesim" \
        "$(grep -m1 '^register' "$W/agent.log")"
pb_start_provd "$W/pconf-nonext" || fail "provd starts after it"
pb_wait_for 15 grep -q "oFono modem '/phonesim': another program holds the modem's one push agent (org.ofono.Error.InProgress)" \
        "$W/provd.log" && ok "provd says clearly that another program holds the slot: $(grep -o "another program holds[^;]*" "$W/provd.log" | head -1)" ||
        fail "provd did not say the slot is taken: $(grep -i ofono "$W/provd.log" | tail -2)"
grep -q "Registered as push agent on oFono modem '/phonesim'" "$W/provd.log" &&
        fail "provd claims to hold the slot" || ok "provd does not claim the slot"
n=$(agent_lines)
before=$(newest_id)
send "$W/push/mms.sms.hex"
send "$K/prov-netwpin.sms.hex"
pb_wait_for 15 pb_grep_count_gt "$W/agent.log" '^ReceiveNotification ofono' "$((n + 1))" &&
        ok "both pushes went from oFono to the program that holds the slot; provd took nothing from it" ||
        fail "the slot holder did not get both pushes: $(cat "$W/agent.log")"
pb_expect "nothing reached verifierd through provd" "$before" "$(quiet_history "$before")"
grep -q Refusing "$W/provd.log" && fail "provd refused a caller: $(grep -m1 Refusing "$W/provd.log")" || ok "provd refused nobody"
pb_alive "$PB_PROVD_PID" && pb_alive "$PB_VERIFIERD_PID" && ok "both daemons alive" || fail "a daemon died"
pb_summary
