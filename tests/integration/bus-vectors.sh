#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# bus-vectors.sh: every Kannel-generated push (tests/data/kannel) and the docs/wire-notes.md
# vectors go through the real path: provctl inject -> provd (user provd) -> Submit over a real
# dbus-daemon with the shipped policy -> verifierd (root), with the expected verdicts, settings
# and DM-account roles. Each case starts from an empty store so that one case's document is
# not another's replay.
set -u
. "$(dirname "$0")/lib.sh"
trap pb_cleanup EXIT
K=$PB_TOP/tests/data/kannel
D=$PB_TOP/tests/data/demo
PY=/usr/bin/python3

pb_setup_users
pb_workdir
mkdir -p "$PB_WORK/conf" "$PB_WORK/pconf" "$PB_WORK/nm"
write_conf() { # write_conf IMSI
        cat >"$PB_WORK/conf/verifierd.conf" <<CONF
[Bootstrap]
Enabled=yes
ConfirmNetworkPin=no
[NetworkPin]
Source=static
Imsi=$1
[Export]
NetworkManagerDir=$PB_WORK/nm
CONF
}
write_conf 262011234567890
pb_start_bus "$PB_WORK" || exit 1
pb_start_provd "$PB_WORK/pconf" || exit 1

fresh_verifierd() {
        [ -n "${PB_VERIFIERD_PID:-}" ] && pb_stop "$PB_VERIFIERD_PID"
        rm -rf "$PB_WORK/state" "$PB_WORK/nm"/*
        pb_start_verifierd "$PB_WORK/conf" "$PB_WORK/state"
}

json_field() { # json_field JSON KEY
        $PY -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"
}

# expect_inject FILE VERDICT REASON [ROLES]: inject and compare; sets ID
expect_inject() {
        local f=$1 v=$2 why=$3 roles=${4:-} out
        out=$(pb_provctl inject --json "$f" 2>&1)
        ID=$(json_field "$out" id 2>/dev/null)
        if [ "$(json_field "$out" verdict 2>/dev/null)" = "$v" ] && [ "$(json_field "$out" reason 2>/dev/null)" = "$why" ] &&
                { [ -z "$roles" ] || [ "$(json_field "$out" roles)" = "$roles" ]; }; then
                ok "$(basename "$f"): $v${why:+ ($why)}"
        else
                fail "$(basename "$f"): expected $v/$why${roles:+/roles $roles}, got: $out"
        fi
}

# expect_pin ID PIN VERDICT REASON [ROLES]
expect_pin() {
        local id=$1 pin=$2 v=$3 why=$4 roles=${5:-} out
        out=$(echo "$pin" | pb_provctl pin --json "$id" 2>&1)
        if [ "$(json_field "$out" verdict 2>/dev/null)" = "$v" ] && [ "$(json_field "$out" reason 2>/dev/null)" = "$why" ] &&
                { [ -z "$roles" ] || [ "$(json_field "$out" roles)" = "$roles" ]; }; then
                ok "push $id + PIN: $v${why:+ ($why)}"
        else
                fail "push $id + PIN: expected $v/$why${roles:+/roles $roles}, got: $out"
        fi
}

# USERPINMAC: the user types K || check digits, digit i = MAC octet i mod 10 (docs/wire-notes.md §5.5)
pinmac() { # pinmac K MACHEX
        $PY -c 'import sys; k,m=sys.argv[1],bytes.fromhex(sys.argv[2]); print(k+"".join(str(m[i]%10) for i in range(len(k))))' "$1" "$2"
}

# ---- every Kannel push, as SMS-DELIVER TPDUs and as WSP PDU ----
while IFS=$'\t' read -r file sec key mac xml; do
        case "$file" in '#'* | '') continue ;; esac
        stem=${file%.sms.hex}
        for input in "$K/$file" "$K/$stem.wsp"; do
                fresh_verifierd || { fail "verifierd start"; continue; }
                case "$sec" in
                NETWPIN)
                        expect_inject "$input" applied "" 4 ;;
                USERNETWPIN)
                        expect_inject "$input" pending needs-pin 0
                        expect_pin "$ID" 1234 applied "" 20 ;;
                USERPIN)
                        pin=1234
                        case "$stem" in *-default) pin=12345 ;; esac
                        expect_inject "$input" pending needs-pin 0
                        expect_pin "$ID" "$pin" rejected role-denied 16 ;;
                USERPINMAC)
                        expect_inject "$input" pending needs-pin 0
                        expect_pin "$ID" "$(pinmac 1234 "$mac")" rejected role-denied 16 ;;
                none)
                        expect_inject "$input" rejected unauthenticated ;;
                *)
                        fail "unknown SEC '$sec' in MANIFEST" ;;
                esac
        done
done <"$K/MANIFEST"

# ---- docs/wire-notes.md §2.7, §2.8 vectors ----
fresh_verifierd
expect_inject "$PB_TOP/tests/data/tv-b-netwpin.sms.hex" applied "" 4
out=$(pb_provctl accounts --json)
if [ "$($PY -c 'import json,sys; a=json.loads(sys.argv[1]); print(a[0]["server_id"], a[0]["roles"])' "$out" 2>/dev/null)" = "dmsrv 4" ]; then
        ok "TV-B created DM account dmsrv with the message's roles (4)"
else
        fail "DM account after TV-B: $out"
fi
expect_inject "$PB_TOP/tests/data/tv-b-netwpin.cmt.hex" rejected replay
fresh_verifierd
expect_inject "$PB_TOP/tests/data/tv-a-userpin.sms.hex" pending needs-pin 0
out=$(echo 9999 | pb_provctl pin "$ID" 2>&1)
case "$out" in *"Authentication failed"*) ok "wrong PIN: one fixed error" ;; *) fail "wrong PIN answer: $out" ;; esac
expect_pin "$ID" 1234 rejected role-denied 16

# ---- attacks ----
fresh_verifierd
"$PB_TOP/tools/mkpush.py" --xml "$D/apn-proxy.xml" --sec netwpin --flip-in internet --out "$PB_WORK/flip.wsp"
expect_inject "$PB_WORK/flip.wsp" rejected bad-mac
"$PB_TOP/tools/mkpush.py" --xml "$D/apn-proxy.xml" --sec netwpin --flip-bit 100 --out "$PB_WORK/flip2.wsp"
expect_inject "$PB_WORK/flip2.wsp" rejected malformed 0
"$PB_TOP/tools/mkpush.py" --xml "$D/apn-proxy.xml" --sec netwpin --imsi 262011234567891 --out "$PB_WORK/wrongimsi.wsp" 2>/dev/null
expect_inject "$PB_WORK/wrongimsi.wsp" rejected bad-mac
expect_inject "$D/proxy-only.unsigned.wsp" rejected unauthenticated
expect_inject "$D/w7-escalate.netwpin.wsp" rejected role-escalation 4
expect_inject "$D/malformed.wsp.hex" rejected malformed 0
[ -z "$(ls -A "$PB_WORK/nm")" ] && ok "no keyfile written by any rejected push" || fail "keyfiles after rejections: $(ls "$PB_WORK/nm")"
# A network repeats a segment (docs/wire-notes.md §1.6, §2.9.3): the later copy is dropped, the push goes on.
fresh_verifierd
out=$(pb_provctl decode "$PB_TOP/tests/data/repeated-segment.netwpin.sms.hex" 2>&1)
case "$out" in *"1 repeated copy dropped"*) ok "decode: repeated segment dropped and reported" ;; *) fail "decode of a repeated segment: $out" ;; esac
expect_inject "$PB_TOP/tests/data/repeated-segment.netwpin.sms.hex" applied "" 4
fresh_verifierd
expect_inject "$D/apn-proxy.netwpin.sms.hex" applied "" 4
ls "$PB_WORK"/nm/provboot-*.nmconnection >/dev/null 2>&1 && ok "NETWPIN APN push wrote a keyfile" || fail "no keyfile after the APN push"

# ---- bootstrap disabled (the default) ----
cat >"$PB_WORK/conf/verifierd.conf" <<CONF
[NetworkPin]
Source=static
Imsi=262011234567890
[Export]
NetworkManagerDir=$PB_WORK/nm
CONF
fresh_verifierd
expect_inject "$D/apn-proxy.netwpin.sms.hex" rejected bootstrap-disabled
expect_inject "$PB_TOP/tests/data/tv-b-netwpin.sms.hex" rejected bootstrap-disabled

kill -0 "$PB_PROVD_PID" 2>/dev/null && ok "provd alive after every case" || fail "provd died"
pb_summary
