#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# spoof-signals.sh: issue 9 finding 1, spoofed D-Bus signals. On a real dbus-daemon, verifierd as
# root ([NetworkPin] Source=ofono, then Source=modemmanager), provd as user provd, a stand-in for
# oFono (tests/tools/fake-ofono-sim.py) or python-dbusmock's ModemManager (tests/tools/mm-ctl.py),
# a user agent (tests/tools/log-agent.py, root), and the attacker as user nobody
# (tests/tools/spoof-signal.py). The attacker cannot forge the SENDER header field (the bus sets
# it), but it can send a signal ADDRESSED to a daemon's connection whose path, interface and
# member match what the daemon watches; sd-bus hands such a unicast signal to a match with
# sender='org.ofono' whatever its real sender. The attacks, exactly as the review reproduced them:
#   - SimManager.PropertyChanged("SubscriberIdentity", attacker's IMSI) to verifierd, then a NETWPIN
#     push MACed with the attacker's IMSI: must be bad-mac, and one for the SIM's IMSI still applied;
#     the same with ModemManager's Sim PropertiesChanged(Imsi) and ObjectManager.InterfacesAdded;
#   - NameOwnerChanged("org.ofono" / ModemManager1, owner, "") to verifierd: the IMSI must stay;
#   - NameOwnerChanged(agent, agent, "") to verifierd: the agent must stay registered (it is still
#     asked for the PIN of the next USERPIN push);
#   - NameOwnerChanged("org.ofono" / ModemManager1, owner, attacker or "") to provd: provd must
#     keep following the real owner (a push the real oFono / ModemManager delivers next still
#     arrives and is applied);
#   - the same signals as broadcasts (no destination) reach nobody's match, while oFono's own
#     broadcast of a new SIM's IMSI is still taken;
#   - verifierd's IMSI_DICT_MAX: a SIM property dictionary of 64 entries is read, 65 is refused;
#   - oFono's GetModems list (verifierd's IMSI_OFONO_MODEM_LIST_MAX, provd's OFONO_MODEM_LIST_MAX,
#     both 64, read with ipc/buswatch.h's bus_object_list_read): the modem at entry 64 is
#     followed by both daemons, the one at entry 65 by neither;
#   - ModemManager's GetManagedObjects (verifierd's MM_OBJECTS_MAX and MM_INTERFACES_MAX, provd's
#     MM_DICT_MAX interfaces, all 64): the modem at entry 64 with 64 interfaces is followed; at
#     entry 65 verifierd ignores it; with 65 interfaces neither daemon does;
#   - the bus policy: a signal addressed to org.provboot.Verifier1 / Parser1 (or to their unique
#     names) by anyone is refused by dbus-daemon (AccessDenied), while the daemons still get the
#     broadcast signals of the bus driver, oFono and ModemManager (the genuine flows above).
# Every scenario runs twice: with the shipped policy (ipc/org.provboot.conf), where the policy
# refuses the forged unicast signals, and with that policy minus its signal rules (the block
# between the "signal rules" markers), where the signals are delivered and the daemons' own sender
# checks alone must drop them. Waits are bounded polls; the attacker's round trip to the bus
# driver orders each forged signal before everything the test sends afterwards.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
PY=/usr/bin/python3
T=$PB_TOP/tests/tools
MKPUSH=$PB_TOP/tools/mkpush.py
D=$PB_TOP/tests/data/demo
IMSI=262011234567890
EVIL_IMSI=001019999999999
NEW_IMSI=262017654321098
AT_IMSI=262010000000064
PAST_IMSI=262010000000065
ROOT=
trap 'phase_end; PB_WORK=$ROOT; pb_cleanup' EXIT

if ! $PY -c 'import dbus, gi, dbusmock' 2>/dev/null; then
        fail "python3-dbus, python3-gi and python3-dbusmock are installed (tools/deps.txt)"
        pb_summary
        exit 1
fi
pb_setup_users
pb_workdir
ROOT=$PB_WORK
mkdir -p "$ROOT/push"

# ---- the pushes (tools/mkpush.py, WSP PDUs): distinct bodies so that no replay check interferes --
mkpush() { # mkpush NAME SEC IMSI|PIN
        local name=$1 sec=$2 key=$3
        sed "s/Example Internet/Spoof test $name/" "$D/apn-proxy.xml" >"$ROOT/push/$name.xml"
        if [ "$sec" = netwpin ]; then
                $PY "$MKPUSH" --xml "$ROOT/push/$name.xml" --sec netwpin --imsi "$key" --out "$ROOT/push/$name.wsp"
        else
                $PY "$MKPUSH" --xml "$ROOT/push/$name.xml" --sec "$sec" --pin "$key" --out "$ROOT/push/$name.wsp"
        fi >/dev/null || fail "mkpush $name"
}
for n in 1 2 3 4 5 6; do mkpush "real$n" netwpin "$IMSI"; done
mkpush evil netwpin "$EVIL_IMSI"
mkpush new netwpin "$NEW_IMSI"
mkpush at64 netwpin "$AT_IMSI"
mkpush at64b netwpin "$AT_IMSI"
mkpush past65 netwpin "$PAST_IMSI"
mkpush userpin userpin 1234

# The shipped policy without its signal rules: only the daemons' own checks remain.
sed '/<!-- signal rules: begin/,/<!-- signal rules: end/d' "$PB_TOP/ipc/org.provboot.conf" >"$ROOT/nosignalrules.conf"
# Only the signal rules go: every other block (the Dialer1 policy among them) must lie outside the
# markers, or this variant would test a policy with more missing than its signal rules.
for want in 'allow own="org.provboot.Dialer1"' 'send_destination="org.provboot.Dialer1" send_interface="org.provboot.Dialer1" send_member="Dial"' \
        'allow own="org.provboot.Verifier1"' 'allow own="org.provboot.Parser1"'; do
        [ "$(grep -cF "$want" "$ROOT/nosignalrules.conf")" = "$(grep -cF "$want" "$PB_TOP/ipc/org.provboot.conf")" ] &&
                ok "policy without its signal rules still has every '$want'" ||
                fail "the signal-rules markers enclose more than the signal rules: '$want' lost"
done
[ "$(grep -c 'send_type="signal"' "$ROOT/nosignalrules.conf")" = 0 ] && ok "no signal rule left in that variant" ||
        fail "signal rules outside the markers"

# ---- helpers ---------------------------------------------------------------------------------------
attack() { # attack DEST PATH INTERFACE MEMBER SIGNATURE ARGS: as nobody; prints delivered|denied NAME
        setpriv --reuid=nobody --regid=nogroup --clear-groups $PY "$T/spoof-signal.py" "$PB_BUS" "$@" 2>&1
}
# unicast DESCRIPTION DEST PATH IFACE MEMBER SIG ARGS: a forged signal addressed to one daemon; the
# shipped policy must refuse it, without the signal rules the bus delivers it (the daemon must drop it)
unicast() {
        local d=$1 out; shift
        out=$(attack "$@")
        if [ "$POLICY" = shipped ]; then
                case "$out" in
                "denied org.freedesktop.DBus.Error.AccessDenied") ok "$d: refused by the bus policy" ;;
                *) fail "$d: the shipped policy let it through ($out)" ;;
                esac
        else
                pb_expect "$d: delivered (no signal rules: only the daemon's check is left)" delivered "$out"
        fi
}
broadcast() { # broadcast DESCRIPTION PATH IFACE MEMBER SIG ARGS: the bus accepts it; no match takes it
        local d=$1 out; shift
        out=$(attack - "$@")
        pb_expect "$d: sent as a broadcast" delivered "$out"
}
# inject NAME WANT: provctl inject (root) -> provd -> verifierd; WANT is "VERDICT/REASON"
inject() {
        local out
        out=$(pb_provctl inject --json --format=wsp "$ROOT/push/$1.wsp" 2>&1)
        INJ_ID=$(pb_json_field "$out" id)
        pb_expect "$3" "$2" "$(pb_json_field "$out" verdict)/$(pb_json_field "$out" reason)"
}
newest_id() { pb_newest_push | cut -d' ' -f1; }
LAST=0
mark() { LAST=$(newest_id); LAST=${LAST:-0}; }
newer_than_last() { local id; id=$(newest_id); [ -n "$id" ] && [ "$id" -gt "$LAST" ]; }
wait_verdict() { # sets GOT to "VERDICT REASON TRANSPORT SEC SENDER" of the next history row
        if pb_wait_for 15 newer_than_last; then GOT=$(pb_newest_push); GOT=${GOT#* }; else GOT="no new history entry within 15 s"; fi
}
ofono_deliver() { # ofono_deliver NAME SENDER: the stand-in oFono calls provd's agent
        local f=$ROOT/push/$1.wsp
        busctl --address="$PB_BUS" --timeout=20 call org.ofono /fake_0 org.provboot.Test Deliver ays \
                "$(stat -c %s "$f")" $(od -An -v -tu1 "$f") "$2" 2>&1
}
MM_SMS=0
mm_deliver() { # mm_deliver NAME SENDER: the ModemManager mock gets a complete SMS with the push in Data
        MM_SMS=$((MM_SMS + 1))
        $PY "$T/mm-ctl.py" "$PB_BUS" add-sms "$MM_SMS" 3 "$2" "$ROOT/push/$1.wsp" &&
                $PY "$T/mm-ctl.py" "$PB_BUS" added 0 "$MM_SMS"
}
phase_end() {
        local i
        for ((i = ${#PB_PIDS[@]} - 1; i >= 0; i--)); do pb_stop "${PB_PIDS[$i]}"; done
        PB_PIDS=()
}
# phase_begin NAME POLICY SOURCE: a fresh bus, state and logs under $ROOT/NAME
phase_begin() {
        PHASE=$1 POLICY=$2
        PB_WORK=$ROOT/$1
        mkdir -p "$PB_WORK/conf" "$PB_WORK/pconf" "$PB_WORK/nm" "$PB_WORK/policy.d"
        chmod 755 "$PB_WORK"
        printf '[Bootstrap]\nEnabled=yes\nConfirmNetworkPin=no\n[NetworkPin]\nSource=%s\n[Export]\nNetworkManagerDir=%s/nm\n' \
                "$3" "$PB_WORK" >"$PB_WORK/conf/verifierd.conf"
        if [ "$3" = ofono ]; then
                printf '[Intake]\nOfono=yes\nModemManager=no\n' >"$PB_WORK/pconf/provd.conf"
        else
                printf '[Intake]\nOfono=no\nModemManager=yes\n' >"$PB_WORK/pconf/provd.conf"
        fi
        # the owner rules of oFono's and ModemManager's own bus policies: root owns the name
        cat >"$PB_WORK/policy.d/modem.conf" <<'XML'
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <policy user="root">
    <allow own="org.ofono"/>
    <allow send_destination="org.ofono"/>
    <allow own="org.freedesktop.ModemManager1"/>
    <allow send_destination="org.freedesktop.ModemManager1"/>
  </policy>
</busconfig>
XML
        if [ "$POLICY" = shipped ]; then PB_POLICY=; else PB_POLICY=$ROOT/nosignalrules.conf; fi
        echo "# ---- $PHASE: Source=$3, $([ "$POLICY" = shipped ] && echo "the shipped policy" || echo "the policy without its signal rules")"
        pb_start_bus "$PB_WORK"
}

# ---- oFono -----------------------------------------------------------------------------------------
phase_ofono() {
        local out agent n
        phase_begin "ofono-$1" "$1" ofono || return 1
        $PY "$T/fake-ofono-sim.py" "$PB_BUS" "$IMSI" "$PB_WORK/ofono.log" >"$PB_WORK/ofono.out" 2>&1 &
        PB_PIDS+=("$!")
        pb_wait_for 10 pb_has_name org.ofono || { fail "stand-in oFono started: $(cat "$PB_WORK/ofono.out")"; return 1; }
        pb_start_verifierd "$PB_WORK/conf" "$PB_WORK/state" || { fail "verifierd started"; return 1; }
        pb_start_provd "$PB_WORK/pconf" || { fail "provd started"; return 1; }
        pb_wait_for 10 grep -q 'Network PIN known (from oFono)' "$PB_WORK/verifierd.log" &&
                ok "verifierd read the SIM's IMSI from oFono" || fail "verifierd did not read the IMSI from oFono"
        pb_wait_for 10 grep -q '^register ' "$PB_WORK/ofono.log" &&
                ok "provd registered its push agent with oFono" || fail "provd did not register with oFono"
        $PY "$T/log-agent.py" "$PB_BUS" "$PB_WORK/agent.log" >"$PB_WORK/agent.out" 2>&1 &
        PB_PIDS+=("$!")
        pb_wait_for 10 grep -q '^registered ' "$PB_WORK/agent.log" || { fail "agent registered: $(cat "$PB_WORK/agent.out")"; return 1; }
        agent=$(sed -n 's/^registered //p' "$PB_WORK/agent.log")
        ok "a user agent ($agent) registered with verifierd"

        mark
        out=$(ofono_deliver real1 +4917012345)
        wait_verdict
        pb_expect "genuine: oFono delivers a NETWPIN push for the SIM's IMSI -> applied ($out)" \
                "applied - ofono NETWPIN +4917012345" "$GOT"

        # 1. a forged IMSI
        unicast "forged SimManager.PropertyChanged(SubscriberIdentity) to verifierd's connection" \
                @org.provboot.Verifier1 /fake_0 org.ofono.SimManager PropertyChanged sv "['SubscriberIdentity', '$EVIL_IMSI']"
        broadcast "forged SimManager.PropertyChanged(SubscriberIdentity)" \
                /fake_0 org.ofono.SimManager PropertyChanged sv "['SubscriberIdentity', '$EVIL_IMSI']"
        unicast "forged Manager.ModemAdded to verifierd's connection" \
                @org.provboot.Verifier1 / org.ofono.Manager ModemAdded 'oa{sv}' "['/evil_0', {}]"
        inject evil rejected/bad-mac "NETWPIN push MACed with the attacker's IMSI -> bad-mac (the forged IMSI was not adopted)"
        inject real2 applied/ "NETWPIN push for the SIM's IMSI -> still applied"

        # 2. a forged "oFono left the bus"
        unicast "forged NameOwnerChanged(org.ofono, owner, '') to verifierd's connection" \
                @org.provboot.Verifier1 /org/freedesktop/DBus org.freedesktop.DBus NameOwnerChanged sss "['org.ofono', '@org.ofono', '']"
        broadcast "forged NameOwnerChanged(org.ofono, owner, '')" \
                /org/freedesktop/DBus org.freedesktop.DBus NameOwnerChanged sss "['org.ofono', '@org.ofono', '']"
        inject real3 applied/ "NETWPIN push after it -> applied (verifierd kept the IMSI)"
        n=$(grep -c 'from oFono (gone)' "$PB_WORK/verifierd.log")
        pb_expect "verifierd never said the IMSI went away with oFono" 0 "$n"

        # 3. a forged "the agent left the bus"
        unicast "forged NameOwnerChanged(agent, agent, '') to verifierd's connection" \
                @org.provboot.Verifier1 /org/freedesktop/DBus org.freedesktop.DBus NameOwnerChanged sss "['$agent', '$agent', '']"
        inject userpin pending/needs-pin "USERPIN push -> pending"
        pb_wait_for 10 grep -qx "RequestPin $INJ_ID" "$PB_WORK/agent.log" &&
                ok "the agent is still registered: verifierd asked it for push $INJ_ID's PIN" ||
                fail "verifierd did not ask the agent for push $INJ_ID's PIN (agent forgotten: $(grep -c 'Agent .* disappeared' "$PB_WORK/verifierd.log"))"

        # 4. forged owner changes of org.ofono sent to provd
        unicast "forged NameOwnerChanged(org.ofono, owner, attacker) to provd's connection" \
                @org.provboot.Parser1 /org/freedesktop/DBus org.freedesktop.DBus NameOwnerChanged sss "['org.ofono', '@org.ofono', '@@ME']"
        mark
        out=$(ofono_deliver real4 +4917012345)
        wait_verdict
        pb_expect "the real oFono delivers next -> provd takes it and it is applied ($out)" \
                "applied - ofono NETWPIN +4917012345" "$GOT"
        unicast "forged NameOwnerChanged(org.ofono, owner, '') to provd's connection" \
                @org.provboot.Parser1 /org/freedesktop/DBus org.freedesktop.DBus NameOwnerChanged sss "['org.ofono', '@org.ofono', '']"
        mark
        out=$(ofono_deliver real5 +4917012345)
        wait_verdict
        pb_expect "the real oFono delivers again -> applied ($out)" "applied - ofono NETWPIN +4917012345" "$GOT"
        n=$(grep -c -e 'oFono is on the bus' -e 'oFono left the bus' "$PB_WORK/provd.log")
        pb_expect "provd followed org.ofono's owner once (it never moved)" 1 "$n"
        grep -q Refusing "$PB_WORK/provd.log" && fail "provd refused the real oFono: $(grep -m1 Refusing "$PB_WORK/provd.log")" ||
                ok "provd never refused the real oFono"

        # 5. signals addressed to the service names
        unicast "a signal addressed to org.provboot.Verifier1" \
                org.provboot.Verifier1 /org/provboot/Verifier1 org.provboot.Verifier1 VerdictReached tssu "[1, 'applied', '', 4]"
        unicast "a signal addressed to org.provboot.Parser1" \
                org.provboot.Parser1 /org/provboot/Parser1 org.freedesktop.DBus.Properties PropertiesChanged 'sa{sv}as' \
                "['org.provboot.Parser1', {}, []]"

        # 6. the genuine broadcast still counts: oFono announces a new SIM
        n=$(grep -c 'Network PIN known (from oFono)' "$PB_WORK/verifierd.log")
        busctl --address="$PB_BUS" call org.ofono /fake_0 org.provboot.Test SetImsi s "$NEW_IMSI" ||
                fail "SetImsi on the stand-in oFono"
        pb_wait_for 10 pb_grep_count_gt "$PB_WORK/verifierd.log" 'Network PIN known (from oFono)' "$n" &&
                ok "oFono's own SimManager.PropertyChanged broadcast reached verifierd" ||
                fail "verifierd did not take oFono's broadcast IMSI change"
        inject new applied/ "NETWPIN push for the new SIM's IMSI -> applied"

        # 7. IMSI_DICT_MAX (verifierd/imsi.c, 64): oFono's SIM property dictionary is read up to
        # 64 entries (SubscriberIdentity last); at 65 it is refused and the IMSI stays as it was
        n=$(grep -c 'Network PIN known (from oFono)' "$PB_WORK/verifierd.log")
        busctl --address="$PB_BUS" call org.ofono /fake_0 org.provboot.Test Replug su "$AT_IMSI" 62 ||
                fail "Replug on the stand-in oFono"
        pb_wait_for 10 pb_grep_count_gt "$PB_WORK/verifierd.log" 'Network PIN known (from oFono)' "$n" &&
                ok "a SIM property dictionary of 64 entries (IMSI_DICT_MAX) is read" ||
                fail "verifierd did not read a SIM property dictionary of 64 entries"
        inject at64 applied/ "NETWPIN push for the IMSI read from 64 entries -> applied"
        busctl --address="$PB_BUS" call org.ofono /fake_0 org.provboot.Test Replug su "$PAST_IMSI" 63 ||
                fail "Replug on the stand-in oFono"
        pb_wait_for 10 grep -q "Ignoring oFono's SIM properties: Argument list too long" "$PB_WORK/verifierd.log" &&
                ok "a SIM property dictionary of 65 entries is refused (-E2BIG)" ||
                fail "verifierd did not refuse a SIM property dictionary of 65 entries"
        inject past65 rejected/bad-mac "NETWPIN push for the IMSI past the limit -> bad-mac"
        inject at64b applied/ "NETWPIN push for the IMSI read before -> still applied"
        pb_alive "$PB_VERIFIERD_PID" && pb_alive "$PB_PROVD_PID" && ok "both daemons alive" || fail "a daemon died"
        phase_end
}

# ---- ModemManager ----------------------------------------------------------------------------------
phase_mm() {
        local n
        phase_begin "mm-$1" "$1" modemmanager || return 1
        DBUS_SYSTEM_BUS_ADDRESS=$PB_BUS $PY -m dbusmock --system -m org.freedesktop.ModemManager1 \
                /org/freedesktop/ModemManager1 org.freedesktop.ModemManager1 >"$PB_WORK/mock.out" 2>&1 &
        PB_PIDS+=("$!")
        pb_wait_for 15 pb_has_name org.freedesktop.ModemManager1 || { fail "ModemManager mock started: $(cat "$PB_WORK/mock.out")"; return 1; }
        pb_start_verifierd "$PB_WORK/conf" "$PB_WORK/state" || { fail "verifierd started"; return 1; }
        pb_start_provd "$PB_WORK/pconf" || { fail "provd started"; return 1; }
        pb_wait_for 10 grep -q 'ModemManager is on the bus' "$PB_WORK/provd.log" || fail "provd noticed ModemManager"
        MM_SMS=0
        $PY "$T/mm-ctl.py" "$PB_BUS" add-sim 0 "$IMSI" && $PY "$T/mm-ctl.py" "$PB_BUS" add-modem 0 0 || fail "mock objects created"
        pb_wait_for 10 grep -q 'Network PIN known (from ModemManager)' "$PB_WORK/verifierd.log" &&
                ok "verifierd read the SIM's IMSI from ModemManager" || fail "verifierd did not read the IMSI from ModemManager"
        pb_wait_for 10 grep -q "Watching ModemManager modem" "$PB_WORK/provd.log" &&
                ok "provd follows the modem" || fail "provd did not pick up the modem"
        mark
        mm_deliver real1 +4917012345
        wait_verdict
        pb_expect "genuine: an SMS with a NETWPIN push for the SIM's IMSI -> applied" \
                "applied - modemmanager NETWPIN +4917012345" "$GOT"

        # 1. a forged IMSI, two ways
        unicast "forged Sim PropertiesChanged(Imsi) to verifierd's connection" \
                @org.provboot.Verifier1 /org/freedesktop/ModemManager1/SIM/0 org.freedesktop.DBus.Properties PropertiesChanged \
                'sa{sv}as' "['org.freedesktop.ModemManager1.Sim', {'Imsi': '$EVIL_IMSI'}, []]"
        unicast "forged InterfacesAdded(SIM with Imsi) to verifierd's connection" \
                @org.provboot.Verifier1 /org/freedesktop/ModemManager1 org.freedesktop.DBus.ObjectManager InterfacesAdded \
                'oa{sa{sv}}' "['/org/freedesktop/ModemManager1/SIM/9', {'org.freedesktop.ModemManager1.Sim': {'Imsi': '$EVIL_IMSI'}}]"
        broadcast "forged Sim PropertiesChanged(Imsi)" \
                /org/freedesktop/ModemManager1/SIM/0 org.freedesktop.DBus.Properties PropertiesChanged \
                'sa{sv}as' "['org.freedesktop.ModemManager1.Sim', {'Imsi': '$EVIL_IMSI'}, []]"
        inject evil rejected/bad-mac "NETWPIN push MACed with the attacker's IMSI -> bad-mac (the forged IMSI was not adopted)"
        inject real2 applied/ "NETWPIN push for the SIM's IMSI -> still applied"

        # 2. a forged "ModemManager left the bus"
        unicast "forged NameOwnerChanged(ModemManager1, owner, '') to verifierd's connection" \
                @org.provboot.Verifier1 /org/freedesktop/DBus org.freedesktop.DBus NameOwnerChanged sss \
                "['org.freedesktop.ModemManager1', '@org.freedesktop.ModemManager1', '']"
        inject real3 applied/ "NETWPIN push after it -> applied (verifierd kept the IMSI)"
        n=$(grep -c 'from ModemManager (gone)' "$PB_WORK/verifierd.log")
        pb_expect "verifierd never said the IMSI went away with ModemManager" 0 "$n"

        # 3. forged owner changes of ModemManager sent to provd
        unicast "forged NameOwnerChanged(ModemManager1, owner, attacker) to provd's connection" \
                @org.provboot.Parser1 /org/freedesktop/DBus org.freedesktop.DBus NameOwnerChanged sss \
                "['org.freedesktop.ModemManager1', '@org.freedesktop.ModemManager1', '@@ME']"
        mark
        mm_deliver real4 +4917012345
        wait_verdict
        pb_expect "the real ModemManager announces an SMS next -> provd takes it and it is applied" \
                "applied - modemmanager NETWPIN +4917012345" "$GOT"
        unicast "forged NameOwnerChanged(ModemManager1, owner, '') to provd's connection" \
                @org.provboot.Parser1 /org/freedesktop/DBus org.freedesktop.DBus NameOwnerChanged sss \
                "['org.freedesktop.ModemManager1', '@org.freedesktop.ModemManager1', '']"
        mark
        mm_deliver real5 +4917012345
        wait_verdict
        pb_expect "the real ModemManager announces another SMS -> applied" "applied - modemmanager NETWPIN +4917012345" "$GOT"
        n=$(grep -c -e 'ModemManager is on the bus' -e 'ModemManager left the bus' "$PB_WORK/provd.log")
        pb_expect "provd followed ModemManager's owner once (it never moved)" 1 "$n"
        pb_alive "$PB_VERIFIERD_PID" && pb_alive "$PB_PROVD_PID" && ok "both daemons alive" || fail "a daemon died"
        phase_end
}

# ---- oFono's GetModems at its limit (64 entries) and past it ---------------------------------------
phase_ofono_list() { # phase_ofono_list PAD: GetModems lists PAD modems without a SIM, then /fake_0
        local entries=$(($1 + 1))
        phase_begin "ofono-list-$1" shipped ofono || return 1
        $PY "$T/fake-ofono-sim.py" "$PB_BUS" "$IMSI" "$PB_WORK/ofono.log" "$1" >"$PB_WORK/ofono.out" 2>&1 &
        PB_PIDS+=("$!")
        pb_wait_for 10 pb_has_name org.ofono || { fail "stand-in oFono started: $(cat "$PB_WORK/ofono.out")"; return 1; }
        pb_start_verifierd "$PB_WORK/conf" "$PB_WORK/state" || { fail "verifierd started"; return 1; }
        pb_start_provd "$PB_WORK/pconf" || { fail "provd started"; return 1; }
        if [ "$entries" -le 64 ]; then
                pb_wait_for 10 grep -q 'Network PIN known (from oFono)' "$PB_WORK/verifierd.log" &&
                        ok "verifierd follows the modem at GetModems entry $entries (IMSI_OFONO_MODEM_LIST_MAX)" ||
                        fail "verifierd did not read the SIM of the modem at GetModems entry $entries"
                pb_wait_for 10 grep -q '^register ' "$PB_WORK/ofono.log" &&
                        ok "provd follows the modem at GetModems entry $entries (OFONO_MODEM_LIST_MAX)" ||
                        fail "provd did not register on the modem at GetModems entry $entries"
        else
                pb_wait_for 10 grep -q 'oFono lists more than 64 modems' "$PB_WORK/verifierd.log" &&
                        ok "verifierd refuses GetModems entry $entries (IMSI_OFONO_MODEM_LIST_MAX)" ||
                        fail "verifierd did not stop at GetModems entry $entries"
                pb_wait_for 10 grep -q "Failed to parse oFono's GetModems reply: Argument list too long" \
                        "$PB_WORK/provd.log" &&
                        ok "provd refuses GetModems entry $entries (OFONO_MODEM_LIST_MAX)" ||
                        fail "provd did not stop at GetModems entry $entries"
                grep -q 'Network PIN known (from oFono)' "$PB_WORK/verifierd.log" &&
                        fail "verifierd read the SIM of the modem past the limit" ||
                        ok "verifierd did not read the SIM of the modem past the limit"
                grep -q '^register ' "$PB_WORK/ofono.log" &&
                        fail "provd registered on the modem past the limit" ||
                        ok "provd did not register on the modem past the limit"
        fi
        pb_alive "$PB_VERIFIERD_PID" && pb_alive "$PB_PROVD_PID" && ok "both daemons alive" || fail "a daemon died"
        phase_end
}

# ---- ModemManager's GetManagedObjects at its limits (64 objects, 64 interfaces) and past them --------
phase_mm_list() { # phase_mm_list PAD_OBJECTS PAD_INTERFACES: the modem comes after them (2 interfaces)
        local entries=$(($1 + 1)) ifaces=$(($2 + 2))
        phase_begin "mm-list-$1-$2" shipped modemmanager || return 1
        DBUS_SYSTEM_BUS_ADDRESS=$PB_BUS $PY -m dbusmock --system -m org.freedesktop.ModemManager1 \
                /org/freedesktop/ModemManager1 org.freedesktop.ModemManager1 >"$PB_WORK/mock.out" 2>&1 &
        PB_PIDS+=("$!")
        pb_wait_for 15 pb_has_name org.freedesktop.ModemManager1 || { fail "ModemManager mock started: $(cat "$PB_WORK/mock.out")"; return 1; }
        # the objects first: both daemons read them once, from GetManagedObjects at start
        $PY "$T/mm-ctl.py" "$PB_BUS" add-sim 0 "$IMSI" && $PY "$T/mm-ctl.py" "$PB_BUS" add-modem 0 0 &&
                $PY "$T/mm-ctl.py" "$PB_BUS" pad-objects "$1" "$2" || fail "mock objects created"
        pb_start_verifierd "$PB_WORK/conf" "$PB_WORK/state" || { fail "verifierd started"; return 1; }
        pb_start_provd "$PB_WORK/pconf" || { fail "provd started"; return 1; }
        pb_wait_for 10 grep -q 'ModemManager is on the bus' "$PB_WORK/provd.log" || fail "provd noticed ModemManager"
        if [ "$entries" -le 64 ] && [ "$ifaces" -le 64 ]; then
                pb_wait_for 10 grep -q 'Network PIN known (from ModemManager)' "$PB_WORK/verifierd.log" &&
                        ok "verifierd follows the modem at entry $entries with $ifaces interfaces (MM_OBJECTS_MAX, MM_INTERFACES_MAX)" ||
                        fail "verifierd did not read the SIM of the modem at entry $entries with $ifaces interfaces"
                pb_wait_for 10 grep -q "Watching ModemManager modem" "$PB_WORK/provd.log" &&
                        ok "provd follows the modem with $ifaces interfaces (MM_DICT_MAX)" ||
                        fail "provd did not pick up the modem with $ifaces interfaces"
                pb_alive "$PB_VERIFIERD_PID" && pb_alive "$PB_PROVD_PID" && ok "both daemons alive" || fail "a daemon died"
                phase_end
                return 0
        fi
        if [ "$ifaces" -gt 64 ]; then
                pb_wait_for 10 grep -q "Ignoring ModemManager's object .*: Argument list too long" "$PB_WORK/verifierd.log" &&
                        ok "verifierd refuses an object with $ifaces interfaces (MM_INTERFACES_MAX)" ||
                        fail "verifierd did not stop at an object with $ifaces interfaces"
                pb_wait_for 10 grep -q "Failed to parse ModemManager's objects: Argument list too long" "$PB_WORK/provd.log" &&
                        ok "provd refuses an object with $ifaces interfaces (MM_DICT_MAX)" ||
                        fail "provd did not stop at an object with $ifaces interfaces"
                grep -q "Watching ModemManager modem" "$PB_WORK/provd.log" &&
                        fail "provd follows the modem with $ifaces interfaces" ||
                        ok "provd does not follow the modem with $ifaces interfaces"
        else
                pb_wait_for 10 grep -q 'ModemManager lists more than 64 objects' "$PB_WORK/verifierd.log" &&
                        ok "verifierd refuses GetManagedObjects entry $entries (MM_OBJECTS_MAX)" ||
                        fail "verifierd did not stop at GetManagedObjects entry $entries"
                pb_wait_for 10 grep -q "Watching ModemManager modem" "$PB_WORK/provd.log" &&
                        ok "provd (MM_OBJECTS_MAX 1024) follows the modem at entry $entries" ||
                        fail "provd did not pick up the modem at entry $entries"
        fi
        grep -q 'Network PIN known (from ModemManager)' "$PB_WORK/verifierd.log" &&
                fail "verifierd read the SIM of the modem past a limit" ||
                ok "verifierd did not read the SIM of the modem past a limit"
        pb_alive "$PB_VERIFIERD_PID" && pb_alive "$PB_PROVD_PID" && ok "both daemons alive" || fail "a daemon died"
        phase_end
}

phase_ofono shipped
phase_ofono nosignalrules
phase_ofono_list 63
phase_ofono_list 64
phase_mm_list 63 62
phase_mm_list 64 0
phase_mm_list 0 63
phase_mm shipped
phase_mm nosignalrules
pb_summary
