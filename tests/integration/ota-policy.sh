#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# ota-policy.sh: issue 12 end to end, on a real dbus-daemon with the shipped policy, provd (user
# provd) and verifierd (root); every push goes provctl inject -> provd -> Submit -> verifierd,
# built as an operator's server would (tools/mkpush.py, text XML bodies):
#   1. "Enabling OTA bootstrap" (GrantManager=4): an operator NETWPIN push acts as Manager and
#      sets a SecurityPolicy value; a Registry characteristic is unsupported (listed, nothing
#      applied); an SPC certificate from NETWPIN is refused whatever the grant;
#   2. the operator's USERNETWPIN bootstrap with SecurityPolicy 4119=128 is applied; the next
#      NETWPIN push that needs Manager is role-denied; provctl policy shows the value, its source
#      (over the air, with the push id); after a restart too;
#   3. provctl reset-policy: refused to a provboot group member, root reopens (the file decides);
#   4. [Policy] Locked=GrantManager: a bootstrap that would change it is policy-denied whole;
#   5. [Bootstrap] Enabled=once: open until the first applied BOOTSTRAP, then bootstrap-disabled
#      (durable); reset-policy reopens;
#   6. kill -9 inside the apply's transaction (build/verifierd-test, PROVBOOT_TEST_POLICY_PAUSE):
#      the store holds the old policy; applied and killed after the answer: the new one.
set -u
. "$(dirname "$0")/lib.sh"
trap pb_cleanup EXIT
PY=/usr/bin/python3
MKPUSH=$PB_TOP/tools/mkpush.py
IMSI=262011234567890

pb_setup_users
getent passwd provboot-tester >/dev/null || useradd --system --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin -G provboot provboot-tester
pb_workdir
W=$PB_WORK
mkdir -p "$W/conf" "$W/pconf" "$W/nm" "$W/docs"

conf() { # conf EXTRA-LINES...: verifierd.conf for this test
        {
                printf '[Bootstrap]\nEnabled=%s\nConfirmNetworkPin=no\n' "${ENABLED:-yes}"
                printf '[NetworkPin]\nSource=static\nImsi=%s\n[Export]\nNetworkManagerDir=%s/nm\n' "$IMSI" "$W"
                printf '[Policy]\nGrantManager=4\n'
                local l
                for l in "$@"; do printf '%s\n' "$l"; done
        } >"$W/conf/verifierd.conf"
}

# mk NAME SEC INNER-XML: write $W/docs/NAME.xml and the push $W/docs/NAME.wsp
N=0
mk() {
        N=$((N + 1))
        printf '<?xml version="1.0"?>\n<!-- %s %s -->\n<wap-provisioningdoc version="1.1">%s</wap-provisioningdoc>\n' \
                "$1" "$N" "$3" >"$W/docs/$1.xml"
        $PY "$MKPUSH" --xml "$W/docs/$1.xml" --format xml --sec "$2" --imsi "$IMSI" --pin 1234 \
                --out "$W/docs/$1.wsp" || fail "mkpush $1"
        chmod a+r "$W/docs/$1.wsp"
}
jf() { $PY -c 'import json,sys; d=json.loads(sys.argv[1]); print(d.get(sys.argv[2], ""))' "$1" "$2" 2>/dev/null; }
# inject NAME: sets OUT (JSON), ID, V (verdict), R (reason)
inject() {
        OUT=$(pb_provctl --json inject "$W/docs/$1.wsp" 2>&1)
        ID=$(jf "$OUT" id)
        V=$(jf "$OUT" verdict)
        R=$(jf "$OUT" reason)
}
expect() { # expect DESCRIPTION VERDICT REASON
        if [ "$V" = "$2" ] && [ "$R" = "$3" ]; then ok "$1: $2${3:+ ($3)}"; else fail "$1: want $2/$3, got $OUT"; fi
}
pin() { # pin ID: the user types 1234; sets OUT, V, R
        OUT=$(echo 1234 | pb_provctl --json pin "$1" 2>&1)
        V=$(jf "$OUT" verdict)
        R=$(jf "$OUT" reason)
}
# policy KEY: the effective value; source KEY: "source push locked"
policy() { $PY -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1" < <(pb_provctl --json policy); }
source_of() {
        $PY -c 'import json,sys; s=json.load(sys.stdin)["Sources"][sys.argv[1]]; print(s["source"], s["push"], str(s["locked"]).lower())' \
                "$1" < <(pb_provctl --json policy)
}
same() { # same DESCRIPTION WANT GOT
        if [ "$2" = "$3" ]; then ok "$1: $3"; else fail "$1: want '$2', got '$3'"; fi
}
denied_of() { # denied_of ID: the history's denied text of push ID
        pb_provctl --json history | $PY -c 'import json,sys; print({h["id"]: h for h in json.load(sys.stdin)}[int(sys.argv[1])].get("denied",""))' "$1"
}
napdef() { echo "<characteristic type=\"NAPDEF\"><parm name=\"NAPID\" value=\"$1\"/><parm name=\"NAME\" value=\"$1\"/><parm name=\"NAP-ADDRESS\" value=\"$1.example\"/><parm name=\"INTERNET\"/></characteristic>"; }
secpol() { # secpol NUMBER=VALUE...
        local s='<characteristic type="SecurityPolicy">' a
        for a in "$@"; do s+="<parm name=\"${a%%=*}\" value=\"${a#*=}\"/>"; done
        echo "$s</characteristic>"
}
BOOT='<characteristic type="BOOTSTRAP"><parm name="NAME" value="Operator"/></characteristic>'
settings_has() { pb_provctl --json settings | grep -q -F -e "$1"; }

fresh() { # fresh: verifierd on an empty state directory
        [ -n "${PB_VERIFIERD_PID:-}" ] && pb_stop "$PB_VERIFIERD_PID"
        rm -rf "$W/state" "$W/nm"/*
        pb_start_verifierd "$W/conf" "$W/state"
}
restart() {
        pb_stop "$PB_VERIFIERD_PID"
        pb_start_verifierd "$W/conf" "$W/state"
}

conf
pb_start_bus "$W" || exit 1
pb_start_provd "$W/pconf" || exit 1
fresh || exit 1

# ---- 1. the door is open: NETWPIN acts as Manager ---------------------------------------------------
same "GrantManager from the file" "4" "$(policy Policy.GrantManager)"
same "... its source" "file 0 false" "$(source_of Policy.GrantManager)"
same "PinAttempts built in" "built-in 0 false" "$(source_of Policy.PinAttempts)"
mk n1 netwpin "$(napdef first)$(secpol 4105=5)"
inject n1
expect "NETWPIN push with SecurityPolicy 4105=5 while GrantManager=4" applied ""
N1=$ID
same "PinAttempts set over the air" "5" "$(policy Policy.PinAttempts)"
same "... its source names the push" "over-the-air $N1 false" "$(source_of Policy.PinAttempts)"
pb_provctl policy | grep -q "Policy.PinAttempts: 5 .*(over-the-air, push $N1)" &&
        ok "provctl policy shows the source" || fail "provctl policy: $(pb_provctl policy | grep PinAttempts)"

mk reg netwpin "$(napdef viaregistry)<characteristic type=\"Registry\"><characteristic type=\"HKLM\"><parm name=\"Key\" value=\"1\"/></characteristic></characteristic>"
inject reg
expect "a Registry characteristic (Manager rights)" rejected unsupported
same "... the element is listed" "/Registry" "$(denied_of "$ID")"
settings_has viaregistry && fail "the NAPDEF beside the Registry was applied" || ok "nothing of that document was applied"

mk spc netwpin "<characteristic type=\"CertificateStore\"><characteristic type=\"SPC\"><characteristic type=\"0123456789ABCDEF0123456789ABCDEF01234567\"><parm name=\"EncodedCertificate\" value=\"AAAA\"/><parm name=\"Role\" value=\"8\"/></characteristic></characteristic></characteristic>"
inject spc
expect "an SPC certificate from NETWPIN, Manager lent by the grant" rejected policy-denied

# ---- 2. the operator's bootstrap closes the door ------------------------------------------------------
mk boot usernetwpin "$BOOT$(napdef operator)$(secpol 4119=128)"
inject boot
expect "USERNETWPIN bootstrap waits for the PIN" pending needs-pin
B=$ID
pin "$B"
expect "... with the PIN: applied" applied ""
same "GrantManager now" "128" "$(policy Policy.GrantManager)"
same "... from the bootstrap" "over-the-air $B false" "$(source_of Policy.GrantManager)"
grep -q "push $B set the over-the-air policy: GrantManager=128" "$PB_WORK"/verifierd*.log "$W"/verifierd*.log 2>/dev/null &&
        ok "the log says which push set which value" || fail "no log line for push $B's policy values"
mk n2 netwpin "$(napdef second)$(secpol 4105=6)"
inject n2
expect "the next NETWPIN push that needs Manager" rejected role-denied
same "... denied element" "/SecurityPolicy" "$(denied_of "$ID")"
mk n3 netwpin "$(napdef third)"
inject n3
expect "a NETWPIN push that needs no Manager still works" applied ""
restart || exit 1
same "after a restart: GrantManager" "128" "$(policy Policy.GrantManager)"
inject n2
expect "... and NETWPIN still has no Manager rights" rejected role-denied

# ---- 3. reset-policy ---------------------------------------------------------------------------------
out=$(setpriv --reuid=provboot-tester --regid="$(id -g provboot-tester)" --init-groups \
        env DBUS_SYSTEM_BUS_ADDRESS="$PB_BUS" "$PB_BUILD/provctl" reset-policy 2>&1)
rc=$?
same "reset-policy by a provboot group member: refused (exit 77)" 77 "$rc"
same "... nothing changed" "128" "$(policy Policy.GrantManager)"
out=$(setpriv --reuid=provboot-tester --regid="$(id -g provboot-tester)" --init-groups busctl --address="$PB_BUS" \
        call org.provboot.Verifier1 /org/provboot/Verifier1 org.provboot.Verifier1 GetPolicySources 2>&1) &&
        ok "GetPolicySources is open to the group" || fail "GetPolicySources for the group: $out"
out=$(pb_provctl --json reset-policy)
same "reset-policy by root" '{"dropped":2}' "$out"
same "GrantManager from the file again" "4 file 0 false" "$(policy Policy.GrantManager) $(source_of Policy.GrantManager)"
inject n2
expect "NETWPIN acts as Manager again" applied ""

# ---- 4. Locked= ------------------------------------------------------------------------------------------
conf "Locked=GrantManager"
restart || exit 1
same "locked key shown" "file 0 true" "$(source_of Policy.GrantManager)"
mk boot2 usernetwpin "$BOOT$(napdef locked)$(secpol 4119=128 4111=1)"
inject boot2
pin "$ID"
expect "a bootstrap that would change a locked key" rejected policy-denied
same "... GrantManager unchanged" "4" "$(policy Policy.GrantManager)"
settings_has locked && fail "the locked bootstrap's NAPDEF was applied" || ok "nothing of it was applied"
mk boot3 usernetwpin "$BOOT$(napdef samevalue)$(secpol 4119=4 4132=1)"
inject boot3
pin "$ID"
expect "the locked key's value in force may be repeated" applied ""

# ---- 5. Enabled=once ---------------------------------------------------------------------------------
ENABLED=once conf
fresh || exit 1
same "Enabled=once: open" "yes" "$(policy Bootstrap.Enabled)"
mk o1 netwpin "$(napdef beforeboot)"
inject o1
expect "a push without BOOTSTRAP leaves it open" applied ""
mk o2 netwpin "$BOOT$(napdef opboot)"
inject o2
expect "the first BOOTSTRAP is applied" applied ""
O2=$ID
same "then closed" "no" "$(policy Bootstrap.Enabled)"
same "... by that push" "over-the-air $O2 false" "$(source_of Bootstrap.Enabled)"
grep -q "push $O2 set the over-the-air policy: Enabled=0 (Enabled=once closed it)" "$PB_WORK"/verifierd*.log "$W"/verifierd*.log 2>/dev/null &&
        ok "the log says the bootstrap closed itself" || fail "no log line for push $O2 closing the bootstrap"
mk o3 netwpin "$(napdef afterboot)"
inject o3
expect "the next push" rejected bootstrap-disabled
restart || exit 1
inject o3
expect "closed after a restart" rejected bootstrap-disabled
pb_provctl reset-policy >/dev/null || fail "reset-policy"
same "reset-policy reopens" "yes" "$(policy Bootstrap.Enabled)"
mk o4 netwpin "$(napdef reopened)"
inject o4
expect "a push after the reset" applied ""

# ---- 6. kill -9 inside the apply ---------------------------------------------------------------------
conf
fresh || exit 1
if [ ! -x "$PB_BUILD/verifierd-test" ]; then
        fail "build/verifierd-test missing (make $PB_BUILD/verifierd-test)"
else
        pb_stop "$PB_VERIFIERD_PID"
        rm -f "$W/paused"
        DBUS_SYSTEM_BUS_ADDRESS=$PB_BUS PROVBOOT_TEST_POLICY_PAUSE="$W/paused" ASAN_OPTIONS=detect_leaks=0 \
                "$PB_BUILD/verifierd-test" --config-dir="$W/conf" --state-dir="$W/state" >>"$W/verifierd.log" 2>&1 &
        TPID=$!
        PB_PIDS+=("$TPID")
        pb_wait_for 20 pb_has_name org.provboot.Verifier1 || fail "verifierd-test did not start"
        mk k1 netwpin "$(napdef killed)$(secpol 4119=128 4105=7)"
        pb_provctl --json inject "$W/docs/k1.wsp" >"$W/k1.out" 2>&1 &
        IPID=$!
        PB_PIDS+=("$IPID")
        if pb_wait_for 20 test -e "$W/paused"; then
                ok "verifierd is inside the apply's transaction"
        else
                fail "verifierd never reached the pause point"
        fi
        kill -KILL "$TPID"
        wait "$TPID" 2>/dev/null
        wait "$IPID" 2>/dev/null
        pb_start_verifierd "$W/conf" "$W/state" || exit 1
        same "killed inside the transaction: the old policy" "4 3 file" \
                "$(policy Policy.GrantManager) $(policy Policy.PinAttempts) $(source_of Policy.GrantManager | cut -d' ' -f1)"
        settings_has killed && fail "a setting of the killed apply is there" || ok "... and none of its settings"
        inject k1
        expect "the same push again" applied ""
        K=$ID
        kill -KILL "$PB_VERIFIERD_PID"
        wait "$PB_VERIFIERD_PID" 2>/dev/null
        pb_start_verifierd "$W/conf" "$W/state" || exit 1
        same "killed after the answer: the new policy" "128 7 over-the-air $K" \
                "$(policy Policy.GrantManager) $(policy Policy.PinAttempts) $(source_of Policy.GrantManager | cut -d' ' -f1,2)"
fi
pb_summary
