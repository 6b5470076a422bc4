#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# ofono.sh: provd's oFono intake and verifierd's oFono IMSI source against the REAL ofonod
# (Debian's ofono 1.31), no hardware: ofonod's built-in phonesim plugin talks AT over TCP on
# 127.0.0.1 to a small scripted modem (tests/tools/fake-modem.py, docs/testing.md §4.3),
# which answers AT+CIMI with 262011234567890 and delivers SMS-DELIVER PDUs as unsolicited +CMT
# (tests/tools/modem-send.py; SMSC prefix "00"). All on a private dbus-daemon with the shipped
# provboot policy plus oFono's own policy (Debian's ofono.conf: root owns org.ofono). ofonod runs
# as root in a private mount namespace with a tmpfs on /var/lib/ofono, so it leaves nothing on
# the machine.
#   - provd (user provd) finds the modem by itself (it watches org.ofono) and registers its
#     org.ofono.PushNotificationAgent when the modem gains org.ofono.PushNotification;
#   - verifierd ([NetworkPin] Source=ofono) takes the IMSI from SimManager.SubscriberIdentity;
#   - multi-segment pushes (tools/mkpush.py and Kannel-generated, one out of order) are
#     reassembled by oFono and handed to provd's agent as one WSP PDU; provd forwards them; the
#     verdicts in `provctl history --json` have transport "ofono" and the sender as oFono gave
#     it: a NETWPIN push made for the modem's IMSI is applied (ConfirmNetworkPin=no), one made
#     for another IMSI is refused (bad-mac), a Kannel USERPIN push waits for the PIN, an unsigned
#     one is refused;
#   - provd's SIGTERM unregisters the agent cleanly (oFono logs it, a push sent while no agent
#     is registered reaches nobody), a restarted provd registers again, oFono's own shutdown
#     Releases the agent, and after oFono comes back provd registers again and pushes flow.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
trap pb_cleanup EXIT
PY=/usr/bin/python3
T=$PB_TOP/tests/tools
MKPUSH=$PB_TOP/tools/mkpush.py
D=$PB_TOP/tests/data/demo
K=$PB_TOP/tests/data/kannel
IMSI=262011234567890

if ! command -v ofonod >/dev/null 2>&1 && [ ! -x /usr/sbin/ofonod ]; then
        fail "ofonod is installed (Debian package ofono, in tools/deps.txt)"
        pb_summary
        exit 1
fi
OFONOD=$(command -v ofonod || echo /usr/sbin/ofonod)
pb_setup_users
pb_workdir
W=$PB_WORK
mkdir -p "$W/conf" "$W/pconf" "$W/nm" "$W/policy.d" "$W/push"
cat >"$W/conf/verifierd.conf" <<CONF
[Bootstrap]
Enabled=yes
ConfirmNetworkPin=no
[NetworkPin]
Source=ofono
[Export]
NetworkManagerDir=$W/nm
CONF
printf '[Intake]\nOfono=yes\nModemManager=no\n' >"$W/pconf/provd.conf"
# oFono's bus policy as a system installs it (/etc/dbus-1/system.d/ofono.conf from the ofono
# package); the same rules are written here if that file is missing.
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

ofono_call() { busctl --address="$PB_BUS" --timeout=10 call org.ofono "$@"; }
newest_id() { pb_newest_push | cut -d' ' -f1; }
LAST=0
newer_than_last() { local id; id=$(newest_id); [ -n "$id" ] && [ "$id" -gt "$LAST" ]; }
# deliver FILE [ORDER] -> waits for the verdict; sets GOT to "VERDICT REASON TRANSPORT SEC SENDER", ID
deliver() {
        local out
        LAST=$(newest_id)
        LAST=${LAST:-0}
        out=$($PY "$T/modem-send.py" "$CTL_PORT" "$@" 2>&1) || { GOT="modem-send failed: $out"; ID=; return 1; }
        if pb_wait_for 20 newer_than_last; then
                GOT=$(pb_newest_push)
                ID=${GOT%% *}
                GOT=${GOT#* }
        else
                GOT="no new history entry within 20 s"
                ID=
        fi
}

# ---- the modem, oFono, the daemons -----------------------------------------------------------
pb_start_bus "$W" || exit 1
$PY "$T/fake-modem.py" "$IMSI" "$W/modem.ports" "$W/modem.log" &
MODEM_PID=$!
PB_PIDS+=("$MODEM_PID")
pb_wait_for 10 test -s "$W/modem.ports" || { fail "fake modem started"; pb_summary; exit 1; }
read -r MODEM_PORT CTL_PORT <"$W/modem.ports"
printf '[phonesim]\nAddress=127.0.0.1\nPort=%s\n' "$MODEM_PORT" >"$W/phonesim.conf"

start_ofono() {
        # private mount namespace: oFono's storage (/var/lib/ofono) is a tmpfs that dies with it
        OFONO_PHONESIM_CONFIG=$W/phonesim.conf OFONO_AT_DEBUG=1 DBUS_SYSTEM_BUS_ADDRESS=$PB_BUS \
                unshare -m sh -c 'mount -t tmpfs -o mode=0700 tmpfs /var/lib/ofono 2>/dev/null; exec "$0" -n -d' \
                "$OFONOD" >>"$W/ofono.log" 2>&1 &
        OFONO_PID=$!
        PB_PIDS+=("$OFONO_PID")
        pb_wait_for 15 pb_has_name org.ofono
}
modem_has_push() { ofono_call /phonesim org.ofono.Modem GetProperties 2>/dev/null | grep -q org.ofono.PushNotification; }
power_modem() {
        ofono_call /phonesim org.ofono.Modem SetProperty sv Powered b true >/dev/null 2>&1 &&
                pb_wait_for 20 modem_has_push
}

pb_start_verifierd "$W/conf" "$W/state" || exit 1
pb_start_provd "$W/pconf" || exit 1
# provd and verifierd are up before oFono: both must notice it appear by themselves
if start_ofono; then ok "ofonod owns org.ofono on the private bus"; else fail "ofonod did not start: $(tail -5 "$W/ofono.log")"; pb_summary; exit 1; fi
if pb_wait_for 10 grep -q 'looking for modems' "$W/provd.log"; then ok "provd noticed oFono appear"; else fail "provd did not notice oFono"; fi
if power_modem; then
        ok "modem /phonesim powered: SIM and SMS initialised, org.ofono.PushNotification offered"
else
        fail "modem did not come up: $(tail -5 "$W/modem.log")"
        pb_summary
        exit 1
fi
pb_wait_for 10 grep -q "Registered as push agent on oFono modem '/phonesim'" "$W/provd.log" &&
        ok "provd registered its push agent on /phonesim by itself" ||
        fail "provd did not register its agent: $(grep -i ofono "$W/provd.log" | tail -3)"
imsi_ofono=$(ofono_call /phonesim org.ofono.SimManager GetProperties 2>/dev/null | grep -o "$IMSI")
pb_expect "oFono's SimManager.SubscriberIdentity is the modem's IMSI" "$IMSI" "$imsi_ofono"
pb_wait_for 10 grep -q 'Network PIN known (from oFono)' "$W/verifierd.log" &&
        ok "verifierd read the IMSI from oFono (Source=ofono)" || fail "verifierd did not read the IMSI from oFono"
# the agent object provd exports for this modem has oFono's PushNotificationAgent signature
agent=$(busctl --address="$PB_BUS" introspect org.provboot.Parser1 /org/provboot/Parser1/ofono_agent/phonesim \
        org.ofono.PushNotificationAgent 2>/dev/null | awk '$2 == "method" {print $1, $3, $4}' | tr '\n' ' ')
pb_expect "provd's agent object /org/provboot/Parser1/ofono_agent/phonesim" ".ReceiveNotification aya{sv} - .Release - - " "$agent"

# ---- pushes through oFono's SMS stack ---------------------------------------------------------
deliver "$D/apn-proxy.netwpin.sms.hex"
pb_expect "NETWPIN APN+proxy push (3 segments, made for the modem's IMSI) -> applied via ofono" \
        "applied - ofono NETWPIN +4917012345" "$GOT"
kf=$(grep -l "org.provboot.push-id=$ID\$" "$W"/nm/*.nmconnection 2>/dev/null | head -1)
[ -n "$ID" ] && [ -n "$kf" ] && ok "its NetworkManager keyfile was written ($(basename "$kf"))" || fail "no keyfile for push ${ID:-?}"
grep -q "ofono.*Received push of size" "$W/ofono.log" 2>/dev/null || grep -q 'Received push' "$W/ofono.log" &&
        ok "oFono itself reassembled and dispatched the push (its log: $(grep -m1 -o 'Received push of size: [0-9]*' "$W/ofono.log"))" ||
        fail "oFono's log shows no dispatched push"

deliver "$K/prov-userpin.sms.hex" 2,1
pb_expect "Kannel USERPIN push (2 segments, delivered out of order) -> pending via ofono" \
        "pending needs-pin ofono USERPIN 12345" "$GOT"
if [ -n "$ID" ]; then
        out=$(echo 1234 | pb_provctl pin --json "$ID" 2>&1)
        pb_expect "the PIN for it (via provctl) -> role-denied as policy says" "rejected/role-denied" \
                "$(pb_json_field "$out" verdict)/$(pb_json_field "$out" reason)"
fi

deliver "$K/tvb-netwpin.sms.hex"
pb_expect "Kannel NETWPIN push (DM account) -> applied via ofono" "applied - ofono NETWPIN 12345" "$GOT"

$PY "$MKPUSH" --xml "$D/apn-proxy.xml" --sec netwpin --imsi 262019999999999 --sms --ref 77 --sender +15550001 \
        --out "$W/push/otherimsi.sms.hex"
deliver "$W/push/otherimsi.sms.hex"
pb_expect "NETWPIN push made for another IMSI -> bad-mac" "rejected bad-mac ofono NETWPIN +15550001" "$GOT"

deliver "$K/proxy-nosec.sms.hex"
pb_expect "unsigned proxy push -> unauthenticated" "rejected unauthenticated ofono none 12345" "$GOT"

pb_expect "provd's Forwarded counter" 5 "$(pb_parser_counter Forwarded)"
pb_expect "provd's Received counter" 5 "$(pb_parser_counter Received)"

# ---- shutdown: UnregisterAgent, re-registration, Release -----------------------------------------
pb_stop "$PB_PROVD_PID"
wait "$PB_PROVD_PID" 2>/dev/null
grep -q "Unregistered our push agent from oFono modem '/phonesim'" "$W/provd.log" &&
        ok "provd unregistered its agent on SIGTERM" || fail "provd did not unregister on SIGTERM"
grep -q 'provd stopping' "$W/provd.log" && ok "provd stopped cleanly" || fail "provd did not stop cleanly"
pb_wait_for 5 grep -q '__ofono_sms_datagram_watch_remove' "$W/ofono.log" &&
        ok "oFono processed the UnregisterAgent (its log: push datagram watch removed)" ||
        fail "oFono did not process an UnregisterAgent"
before=$(newest_id)
LAST=${before:-0}
$PY "$T/modem-send.py" "$CTL_PORT" "$K/prov-netwpin.sms.hex" >/dev/null
pb_wait_for 10 grep -q 'Datagram with ports \[2948,2948\] not delivered' "$W/ofono.log" &&
        ok "oFono received a push while no agent was registered and delivered it to nobody" ||
        fail "oFono did not report the undelivered push"
end=$((SECONDS + 2))
while [ $SECONDS -lt $end ]; do newer_than_last && break; sleep 0.1; done # a bounded look: nothing expected
pb_expect "with no agent registered, the push reaches nobody" "$before" "$(newest_id)"
grep -qi 'error.*pushnotification\|ReceiveNotification.*fail' "$W/ofono.log" &&
        fail "oFono reports an error calling a stale agent: $(grep -i -m1 'error.*pushnotification' "$W/ofono.log")" ||
        ok "oFono did not try to call a stale agent"

n_reg=$(grep -c "Registered as push agent on oFono modem '/phonesim'" "$W/provd.log")
pb_start_provd "$W/pconf" || fail "provd restarts"
pb_wait_for 10 pb_grep_count_gt "$W/provd.log" "Registered as push agent on oFono modem '/phonesim'" "$n_reg" &&
        ok "the restarted provd registered again (oFono accepted: the old registration was gone)" ||
        fail "the restarted provd did not register: $(grep -i ofono "$W/provd.log" | tail -2)"
deliver "$K/prov-netwpin.sms.hex"
pb_expect "a push through the new registration -> applied" "applied - ofono NETWPIN 12345" "$GOT"

# verifierd must forget the IMSI only when oFono leaves: provctl, busctl and provd coming and
# going on the bus are not oFono
gone=$(grep -c 'Network PIN unknown (from oFono (gone))' "$W/verifierd.log")
pb_expect "verifierd kept the IMSI while oFono stayed on the bus (times it said 'oFono (gone)')" 0 "$gone"

# oFono goes away: it Releases the agent (or just leaves); provd stays up and waits for it
pb_stop "$OFONO_PID"
pb_wait_for 10 grep -q -e 'oFono released our push agent' -e 'oFono left the bus' "$W/provd.log" &&
        ok "provd noticed oFono leave ($(grep -o -e 'oFono released our push agent' -e 'oFono left the bus' "$W/provd.log" | sort -u | tr '\n' ';'))" ||
        fail "provd did not notice oFono leave"
kill -0 "$PB_PROVD_PID" 2>/dev/null && ok "provd alive without oFono" || fail "provd died when oFono left"
n_reg=$(grep -c "Registered as push agent on oFono modem '/phonesim'" "$W/provd.log")
if start_ofono && power_modem; then
        pb_wait_for 10 pb_grep_count_gt "$W/provd.log" "Registered as push agent on oFono modem '/phonesim'" "$n_reg" &&
                ok "after oFono's restart provd registered again by itself" || fail "no registration after oFono's restart"
        sed 's/Example Internet/After oFono restart/' "$D/apn-proxy.xml" >"$W/push/again.xml"
        $PY "$MKPUSH" --xml "$W/push/again.xml" --sec netwpin --imsi "$IMSI" --sms --ref 99 --out "$W/push/again.sms.hex"
        deliver "$W/push/again.sms.hex"
        pb_expect "a push after oFono's restart -> applied (IMSI read again from oFono)" "applied - ofono NETWPIN +4917012345" "$GOT"
else
        fail "oFono restart: $(tail -3 "$W/ofono.log")"
fi

pb_stop "$PB_PROVD_PID"
grep -c "Unregistered our push agent" "$W/provd.log" | grep -q '^2$' && ok "second SIGTERM: unregistered again" ||
        fail "second SIGTERM: no UnregisterAgent"
grep -q 'Refusing' "$W/provd.log" && fail "provd refused a caller during the test: $(grep -m1 Refusing "$W/provd.log")" ||
        ok "provd accepted calls only from oFono, and oFono's were never refused"
pb_summary
