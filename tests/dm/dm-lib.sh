#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# dm-lib.sh: shared set-up of the DM route's acceptance tests (tests/integration/dm-*.sh) and the
# demo's DM part. Sourced after tests/integration/lib.sh. Real parts only: a dbus-daemon with the
# shipped policy, verifierd (root, as started by hand) + dmsessiond (user provdial) + provd (user
# provd), tests/dm/tlsserver.py with tests/dm/dmserver.py on 127.0.0.1 and a fresh PKI
# (tests/dm/mkpki.sh), verifierd's drop-in [DM] TrustFile= the test CA and AllowLoopback=yes.
#
# dm_setup [GRANT]      work dir, PKI, DM server, bus, the three daemons; GRANT: [Policy]
#                       GrantManager= (default 0: a NETWPIN push earns OPERATOR only)
# dm_server_start [ARGS...]  (re)start tlsserver.py+dmserver.py; ARGS go to tlsserver.py
#                       (e.g. --cert/--key of another certificate); sets DM_PORT, DM_SERVER_PID
# dm_config SCENARIO [SERVER-ID]   point dmserver.py at a scenario (read at every request)
# dm_bootstrap SERVER-ID ROLE      create the account by an authenticated (NETWPIN) CP push:
#                       NAPDEF INTERNET + a w7 APPLICATION with APPADDR https://127.0.0.1:PORT/dm,
#                       APPAUTH APPSRV (client) and CLIENT (server) with secrets and nonces, ROLE
# dm_connect SERVER-ID  provctl --json dm connect; sets DM_OUT (the JSON) and DM_RC (exit status)
# dm_posts              number of SyncML POSTs the TLS server recorded
# dm_records            the dmserver record file (JSON lines)
# Canary secrets (distinctive, for the scans): DM_CLIENT_SECRET, DM_SERVER_SECRET.

# shellcheck disable=SC2034,SC2120  # variables and optional arguments for the scripts that source this
DM_PY=/usr/bin/python3
DM_DIR=$PB_TOP/tests/dm
DM_IMSI=${DM_IMSI:-901700123456789}
DM_CLIENT_NAME=device-canary
DM_CLIENT_SECRET=ClSecretCanary$RANDOM$RANDOM
DM_SERVER_SECRET=SrvSecretCanary$RANDOM$RANDOM
DM_CLIENT_NONCE_B64=$(printf 'ClientNonceCanary' | base64 -w0)
DM_SERVER_NONCE_B64=$(printf 'ServerNonceCanary' | base64 -w0)

dm_pki() {
        local out=$1
        mkdir -p "$out"
        "$DM_DIR/mkpki.sh" "$out" >"$PB_WORK/mkpki.log" 2>&1 || { cat "$PB_WORK/mkpki.log"; return 1; }
        DM_CA=$out/ca.pem
        DM_CERT=$out/server.pem
        DM_KEY=$out/server.key
        DM_ROGUE_CERT=$out/rogue.pem
        DM_ROGUE_KEY=$out/rogue.key
        for f in "$DM_CA" "$DM_CERT" "$DM_KEY" "$DM_ROGUE_CERT" "$DM_ROGUE_KEY"; do
                [ -s "$f" ] || { echo "mkpki.sh made no $f"; ls "$out"; return 1; }
        done
}

dm_server_start() {
        local w=$PB_WORK
        rm -f "$w/dm.port"
        DMSERVER_CONFIG=$w/dmserver.json "$DM_PY" "$DM_DIR/tlsserver.py" --cert "$DM_CERT" --key "$DM_KEY" \
                --port-file "$w/dm.port" --log "$w/tls.jsonl" --handler "$DM_DIR/dmserver.py" "$@" \
                >>"$w/tlsserver.log" 2>&1 &
        DM_SERVER_PID=$!
        PB_PIDS+=("$DM_SERVER_PID")
        pb_wait_for 10 test -s "$w/dm.port" || { echo "tlsserver.py did not start"; cat "$w/tlsserver.log"; return 1; }
        DM_PORT=$(cat "$w/dm.port")
}

dm_config() {
        local scenario=$1 sid=${2:-dm.test}
        cat >"$PB_WORK/dmserver.json.tmp" <<JSON
{"server_id": "$sid", "server_secret": "$DM_SERVER_SECRET", "server_nonce_b64": "$DM_SERVER_NONCE_B64",
 "client_name": "$DM_CLIENT_NAME", "client_secret": "$DM_CLIENT_SECRET",
 "client_nonce_b64": "$DM_CLIENT_NONCE_B64", "record": "$PB_WORK/dm-records.jsonl",
 "state_file": "$PB_WORK/dm-nonces.json", "release_file": "$PB_WORK/dm-release",
 "scenario": "$scenario"}
JSON
        mv "$PB_WORK/dmserver.json.tmp" "$PB_WORK/dmserver.json"
}

dm_setup() {
        local grant=${1:-0} w
        pb_setup_users
        pb_workdir
        w=$PB_WORK
        mkdir -p "$w/conf/verifierd.conf.d" "$w/pconf" "$w/dconf" "$w/nm" "$w/push"
        dm_pki "$w/pki" || return 1
        dm_config happy
        dm_server_start || return 1
        cat >"$w/conf/verifierd.conf" <<CONF
[Bootstrap]
Enabled=yes
ConfirmNetworkPin=no
[NetworkPin]
Source=static
Imsi=$DM_IMSI
[Export]
NetworkManagerDir=$w/nm
[Policy]
GrantManager=$grant
CONF
        # the drop-in of the tests: the test CA only, and loopback allowed (127.0.0.1)
        printf '[DM]\nTrustFile=%s\nAllowLoopback=yes\n' "$DM_CA" >"$w/conf/verifierd.conf.d/50-dm-test.conf"
        printf '[Intake]\nOfono=no\nModemManager=no\n' >"$w/pconf/provd.conf"
        pb_start_bus "$w" || return 1
        dm_start_dialer || return 1
        pb_start_verifierd "$w/conf" "$w/state" || return 1
        pb_start_provd "$w/pconf" || return 1
}

dm_start_dialer() {
        pb_start_dmsessiond "$PB_WORK/dconf" || return 1
        DM_DIALER_PID=$PB_DMSESSIOND_PID
}

# dm_account_xml SERVER-ID ROLE [ADDR]: the CP document that creates the account (with the NAPDEF
# INTERNET the sessions change, unless DM_ACCOUNT_NAPDEF=no)
dm_account_xml() {
        local sid=$1 role=$2 addr=${3:-https://127.0.0.1:$DM_PORT/dm}
        echo '<?xml version="1.0"?>'
        echo '<wap-provisioningdoc version="1.1">'
        [ "${DM_ACCOUNT_NAPDEF:-yes}" = yes ] && cat <<XML
  <characteristic type="NAPDEF">
    <parm name="NAPID" value="INTERNET"/>
    <parm name="NAME" value="Internet"/>
    <parm name="BEARER" value="GSM-GPRS"/>
    <parm name="NAP-ADDRESS" value="internet.operator.test"/>
    <parm name="NAP-ADDRTYPE" value="APN"/>
  </characteristic>
XML
        cat <<XML
  <characteristic type="APPLICATION">
    <parm name="APPID" value="w7"/>
    <parm name="PROVIDER-ID" value="$sid"/>
    <parm name="NAME" value="Test DM server"/>
    <parm name="ROLE" value="$role"/>
    <characteristic type="APPADDR">
      <parm name="ADDR" value="$addr"/>
    </characteristic>
    <characteristic type="APPAUTH">
      <parm name="AAUTHLEVEL" value="APPSRV"/>
      <parm name="AAUTHTYPE" value="DIGEST"/>
      <parm name="AAUTHNAME" value="$DM_CLIENT_NAME"/>
      <parm name="AAUTHSECRET" value="$DM_CLIENT_SECRET"/>
      <parm name="AAUTHDATA" value="$DM_CLIENT_NONCE_B64"/>
    </characteristic>
    <characteristic type="APPAUTH">
      <parm name="AAUTHLEVEL" value="CLIENT"/>
      <parm name="AAUTHTYPE" value="DIGEST"/>
      <parm name="AAUTHNAME" value="$sid"/>
      <parm name="AAUTHSECRET" value="$DM_SERVER_SECRET"/>
      <parm name="AAUTHDATA" value="$DM_SERVER_NONCE_B64"/>
    </characteristic>
  </characteristic>
</wap-provisioningdoc>
XML
}

dm_bootstrap() {
        local sid=$1 role=$2 addr=${3:-} out
        dm_account_xml "$sid" "$role" $addr >"$PB_WORK/push/$sid.xml"
        "$DM_PY" "$PB_TOP/tools/mkpush.py" --xml "$PB_WORK/push/$sid.xml" --sec netwpin --imsi "$DM_IMSI" \
                --out "$PB_WORK/push/$sid.wsp" || return 1
        out=$(pb_provctl inject --json "$PB_WORK/push/$sid.wsp" 2>&1)
        [ "$(pb_json_field "$out" verdict)" = applied ] || { echo "bootstrap of $sid: $out"; return 1; }
}

dm_connect() {
        DM_OUT=$(pb_provctl --json dm connect "$1" 2>&1)
        DM_RC=$?
}

dm_posts() {
        [ -f "$PB_WORK/tls.jsonl" ] || { echo 0; return; }
        grep -c '"method": *"POST"' "$PB_WORK/tls.jsonl"
}

dm_records() {
        cat "$PB_WORK/dm-records.jsonl" 2>/dev/null
}

# dm_record_field N EXPR: a Python expression over the N-th record (1-based; -1 the last), as r
dm_record() {
        "$DM_PY" - "$PB_WORK/dm-records.jsonl" "$1" "$2" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
n = int(sys.argv[2])
r = recs[n - 1] if n > 0 else recs[n]
print(eval(sys.argv[3], {"r": r, "recs": recs}))
PY
}

dm_n_records() {
        [ -f "$PB_WORK/dm-records.jsonl" ] || { echo 0; return; }
        grep -c . "$PB_WORK/dm-records.jsonl"
}

# the applied value of a setting, as provctl settings --json shows it
dm_setting() { # dm_setting PATH NAME
        pb_provctl --json settings 2>/dev/null | "$DM_PY" -c '
import json, sys
p, n = sys.argv[1], sys.argv[2]
data = json.load(sys.stdin)
rows = data["settings"] if isinstance(data, dict) and "settings" in data else data
for s in rows:
    if s.get("path") == p and s.get("name") == n:
        print(s.get("value")); break
' "$1" "$2"
}
