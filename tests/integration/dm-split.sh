#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# dm-split.sh: acceptance test 10 of the DM route, the privilege split (docs/dm.md): verifierd
# holds the secrets and runs TLS; dmsessiond only dials.
#   1. verifierd under RestrictAddressFamilies=AF_UNIX (tests/tools/restrict-af-unix: the same
#      seccomp rule on socket(2), since no systemd runs here; a positive control shows an AF_INET
#      socket fails under it) completes a session over the socket dmsessiond passes;
#   2. the real dmsessiond's memory (/proc/PID/mem, every readable mapping; a positive control
#      proves the scan saw it), everything on the bus (busctl capture; positive control: the
#      DmConnect call naming the account) and the logs of all daemons hold no canary: the
#      account's client and server secrets, the bootstrap nonces (raw and base64) and every
#      nonce a session issued (from the DM server's records);
#   3. a hostile stand-in for dmsessiond (tests/tools/hostile-dialer) that connects verifierd to
#      a MITM server with a rogue certificate, or writes forged bytes into the stream, or hands
#      over an AF_UNIX socket: the session fails (tls-failed / protocol-error), the MITM server
#      records no request, nothing is applied (the settings byte-identical).
#   4. the journal (verifierd's sd_journal_send captured by tests/tools/journal-capture.py in its
#      mount namespace): session start/end, TLS and authentication verdicts, the denied command
#      with its URI, and no canary.
# Not covered: IPAddressDeny=any (cgroup BPF needs systemd; docs/dm.md says why it would not
# block a passed socket).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
. "$PB_TOP/tests/dm/dm-lib.sh"
trap pb_cleanup EXIT
PY=/usr/bin/python3
CANARY=$PB_TOP/tests/tools/canary.py

# verifierd as RestrictAddressFamilies=AF_UNIX would run it, with a journal: a mount namespace
# whose /run is a tmpfs with tests/tools/journal-capture.py on /run/systemd/journal/socket (the
# host's /run is untouched; every exec keeps the pid pb_start_verifierd records)
WRAP=/tmp/.pb-dm-split-$$
cat >"$WRAP" <<WRAPPER
#!/bin/bash
exec unshare -m --propagation private /bin/bash -c '
        mount -t tmpfs -o mode=0755 provboot-test-run /run || exit 1
        mkdir -p /run/systemd/journal
        /usr/bin/python3 "$PB_TOP/tests/tools/journal-capture.py" /run/systemd/journal/socket "\$PB_JOURNAL" \
                >"\$PB_JOURNAL.stdout" 2>&1 &
        for ((i = 0; i < 500; i++)); do grep -q ready "\$PB_JOURNAL.stdout" 2>/dev/null && break; sleep 0.02; done
        exec "$PB_BUILD/restrict-af-unix" "$PB_BUILD/verifierd" "\$@"' verifierd "\$@"
WRAPPER
chmod 755 "$WRAP"
export PB_VERIFIERD_BIN=$WRAP
trap 'rm -f "$WRAP"; pb_cleanup' EXIT

"$PB_BUILD/restrict-af-unix" "$PY" -c 'import socket; socket.socket(socket.AF_INET)' 2>/dev/null &&
        fail "restrict-af-unix let an AF_INET socket through" ||
        ok "positive control: under restrict-af-unix socket(AF_INET) fails"

# the journal file must exist before verifierd starts (dm_setup makes the work dir)
eval "$(declare -f pb_workdir | sed '1s/pb_workdir/pb_workdir_plain/')"
pb_workdir() { pb_workdir_plain; export PB_JOURNAL=$PB_WORK/journal.json; : >"$PB_JOURNAL"; chmod 666 "$PB_JOURNAL"; }
dm_setup 0 || { echo "set-up failed"; exit 1; }
W=$PB_WORK
J=$PB_JOURNAL
grep -q ready "$J.stdout" 2>/dev/null && ok "journal capture socket ready in verifierd's namespace" ||
        fail "journal capture not ready"
expect() { [ "$2" = "$3" ] && ok "$1" || fail "$1: want '$2', got '$3'"; }
grep -q "Seccomp:[[:space:]]*2" "/proc/$PB_VERIFIERD_PID/status" && ok "verifierd runs under a seccomp filter" ||
        fail "verifierd has no seccomp filter: $(grep Seccomp "/proc/$PB_VERIFIERD_PID/status")"

dm_bootstrap dm.test 4 && ok "account created by an authenticated push" || fail "bootstrap"
# The capture starts after the bootstrap: that CP push carries the secrets to verifierd (the
# network's bytes, as provd must forward them); from here on nothing may carry them.
busctl --address="$PB_BUS" capture >"$W/bus.pcap" 2>"$W/capture.err" &
CAP_PID=$!
PB_PIDS+=("$CAP_PID")
pb_wait_for 10 grep -q 'Monitoring' "$W/capture.err" || fail "busctl capture started: $(cat "$W/capture.err")"

# ---- 1. a session over the passed socket -----------------------------------------------------------
dm_config demo
dm_connect dm.test
expect "verifierd (AF_UNIX only) completes a session over dmsessiond's socket" "completed 0" \
        "$(pb_json_field "$DM_OUT" result) $DM_RC"
dm_config get-only
dm_connect dm.test
expect "and a second one (the nonces of the first in use)" completed "$(pb_json_field "$DM_OUT" result)"

# ---- 2. canaries --------------------------------------------------------------------------------
{
        for v in "$DM_CLIENT_SECRET" "$DM_SERVER_SECRET" ClientNonceCanary ServerNonceCanary \
                "$DM_CLIENT_NONCE_B64" "$DM_SERVER_NONCE_B64"; do
                printf 'canary-%s %s\n' "${v:0:12}" "$(printf %s "$v" | xxd -p | tr -d '\n')"
        done
        # every nonce the sessions issued (both directions), raw and base64
        $PY - "$W/dm-records.jsonl" <<'PY'
import base64, json, sys
seen = set()
for l in open(sys.argv[1]):
    r = json.loads(l)
    for k in ("new_server_nonce_b64", "issued_client_nonce_b64"):
        v = r.get(k)
        if v and v not in seen:
            seen.add(v)
            print("%s-raw %s" % (k, base64.b64decode(v).hex()))
            print("%s-b64 %s" % (k, v.encode().hex()))
PY
} >"$W/patterns"
n=$(grep -c . "$W/patterns")
[ "$n" -ge 10 ] && ok "$n canary forms (secrets, bootstrap nonces, the sessions' nonces)" || fail "only $n canaries"
MARK=$(basename "$W")
out=$($PY "$CANARY" scan-mem "$DM_DIALER_PID" "$W/patterns" \
        "workdir-marker=$(printf %s "$MARK" | xxd -p | tr -d '\n')" 2>&1)
case $? in
0) ok "dmsessiond's memory holds no canary; $(tail -1 <<<"$out")" ;;
3) fail "the memory scan did not see dmsessiond's memory: $out" ;;
*) fail "canary in dmsessiond's memory:"$'\n'"$out" ;;
esac
# the scanner does find them where they are: verifierd holds the secrets (positive control)
out=$($PY "$CANARY" scan-mem "$PB_VERIFIERD_PID" "$W/patterns" 2>&1)
[ $? -eq 1 ] && ok "positive control: the scan finds the secrets in verifierd, which holds them" ||
        fail "the scan found no secret in verifierd: $(tail -1 <<<"$out")"
pb_stop "$CAP_PID"
$PY "$CANARY" contains "$W/bus.pcap" "$(printf DmConnect | xxd -p)" &&
        ok "positive control: the capture holds the DmConnect calls" || fail "DmConnect not in the capture"
out=$($PY "$CANARY" scan-files "$W/patterns" "$W/bus.pcap" 2>&1) &&
        ok "no canary in the bus traffic ($(tail -1 <<<"$out"))" || fail "canary on the bus:"$'\n'"$out"

# ---- 3. a hostile dialer ------------------------------------------------------------------------
pb_stop "$DM_DIALER_PID"
pb_wait_for 10 sh -c "! busctl --address='$PB_BUS' status org.provboot.Dialer1 >/dev/null 2>&1" || fail "Dialer1 still owned"
# the MITM: the same DM server, with a certificate of the rogue CA for the same names
rm -f "$W/mitm.port"
DMSERVER_CONFIG=$W/dmserver.json "$PY" "$DM_DIR/tlsserver.py" --cert "$DM_ROGUE_CERT" --key "$DM_ROGUE_KEY" \
        --port-file "$W/mitm.port" --log "$W/mitm.jsonl" --handler "$DM_DIR/dmserver.py" >>"$W/mitm.log" 2>&1 &
PB_PIDS+=("$!")
pb_wait_for 10 test -s "$W/mitm.port" || fail "MITM server did not start"
MITM_PORT=$(cat "$W/mitm.port")
# a plain TCP peer for the forged-bytes mode: it writes a forged HTTP answer with a SyncML body
# into the stream at once, before and instead of any TLS
$PY -c '
import os, socket, sys
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(8)
open(sys.argv[1] + ".tmp", "w").write(str(s.getsockname()[1]))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
body = b"<SyncML xmlns=\"SYNCML:SYNCML1.2\"><SyncHdr/><SyncBody><Final/></SyncBody></SyncML>"
conns = []
while True:
    c, _ = s.accept(); conns.append(c)
    c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/vnd.syncml.dm+xml\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
' "$W/plain.port" &
PB_PIDS+=("$!")
pb_wait_for 10 test -s "$W/plain.port" || fail "plain listener did not start"
before=$(pb_provctl --json settings 2>&1)
dm_config happy
for m in "mitm $MITM_PORT:tls-failed" "inject $(cat "$W/plain.port"):tls-failed" "unix:protocol-error"; do
        args=${m%%:*} want=${m##*:}
        # shellcheck disable=SC2086
        setpriv --reuid=provdial --regid=provdial --clear-groups --inh-caps=-all env DBUS_SYSTEM_BUS_ADDRESS="$PB_BUS" \
                "$PB_BUILD/hostile-dialer" $args >>"$W/hostile.log" 2>&1 &
        HPID=$!
        PB_PIDS+=("$HPID")
        pb_wait_for 10 pb_has_name org.provboot.Dialer1 || fail "hostile dialer ($args) did not start"
        dm_connect dm.test
        expect "hostile dialer ($args): the session fails ($want)" "failed $want" \
                "$(pb_json_field "$DM_OUT" result) $(pb_json_field "$DM_OUT" reason)"
        pb_stop "$HPID"
        pb_wait_for 10 sh -c "! busctl --address='$PB_BUS' status org.provboot.Dialer1 >/dev/null 2>&1"
done
grep -q "dial 127.0.0.1 $DM_PORT -> mitm" "$W/hostile.log" && ok "the hostile dialer was asked (and misrouted the call)" ||
        fail "the hostile dialer was not called: $(cat "$W/hostile.log")"
posts=$(grep -c '"method": *"POST"' "$W/mitm.jsonl" 2>/dev/null)
expect "the MITM server recorded no request" 0 "${posts:-0}"
after=$(pb_provctl --json settings 2>&1)
[ "$before" = "$after" ] && ok "nothing applied through the hostile dialer (settings byte-identical)" ||
        fail "settings changed: $(diff <(echo "$before") <(echo "$after"))"

# ---- the journal ----------------------------------------------------------------------------------
jcount() { # jcount MESSAGE_ID [FIELD=VALUE]: entries with that id (and field)
        $PY - "$J" "$@" <<'PY'
import json, sys
n = 0
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e.get("MESSAGE_ID") != sys.argv[2]:
        continue
    if len(sys.argv) > 3:
        k, v = sys.argv[3].split("=", 1)
        if e.get(k) != v:
            continue
    n += 1
print(n)
PY
}
[ "$(jcount dcff3a819ef1407b8a9efdba82e60230 DM_SERVER_ID=dm.test)" -ge 5 ] &&
        ok "journal: a session-start entry per session" || fail "journal: session starts $(jcount dcff3a819ef1407b8a9efdba82e60230)"
[ "$(jcount e0939536bfbc4464b1cf0fa2f371c4f9 DM_RESULT=completed)" -ge 2 ] &&
[ "$(jcount e0939536bfbc4464b1cf0fa2f371c4f9 DM_REASON=tls-failed)" -ge 2 ] &&
        ok "journal: session-end entries with DM_RESULT and DM_REASON" || fail "journal: session ends"
[ "$(jcount 07c6ca787e834fc4909d8337590306c5 DM_TLS=ok)" -ge 2 ] && [ "$(jcount 07c6ca787e834fc4909d8337590306c5 DM_TLS=failed)" -ge 2 ] &&
        ok "journal: TLS verdicts, ok and failed" || fail "journal: TLS verdicts"
[ "$(jcount 26ba678a3230472a8cc53d6d0c2de124 DM_AUTH_PARTY=server)" -ge 2 ] &&
        ok "journal: authentication verdicts" || fail "journal: authentication verdicts"
[ "$(jcount 530d339940144cb39f8a3a9bd8b6e71a DM_URI=./Vendor/provboot/SecurityPolicy/4119)" -ge 1 ] &&
        ok "journal: the denied command with its URI and the session's roles" || fail "journal: denied command"
out=$($PY "$CANARY" scan-files "$W/patterns" "$J" 2>&1) && ok "no canary in the journal ($(tail -1 <<<"$out"))" ||
        fail "canary in the journal:"$'\n'"$out"

# ---- the logs -----------------------------------------------------------------------------------
pb_stop "$PB_PROVD_PID"
pb_stop "$PB_VERIFIERD_PID"
grep -q "DM session" "$W/verifierd.log" && ok "verifierd.log has the DM sessions" || fail "verifierd.log has no session"
out=$($PY "$CANARY" scan-files "$W/patterns" "$W/verifierd.log" "$W/dmsessiond.log" "$W/provd.log" "$W/bus.err" \
        "$W/hostile.log" 2>&1) && ok "no canary in the logs of verifierd, dmsessiond, provd, dbus-daemon ($(tail -1 <<<"$out"))" ||
        fail "canary in the logs:"$'\n'"$out"
pb_summary
