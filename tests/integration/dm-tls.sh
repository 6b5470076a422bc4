#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# dm-tls.sh: verifierd's DM transport (verifierd/dm-transport.c: dm_tls_open + dm_http_post, driven
# by build/dm-client) against tests/dm/tlsserver.py on 127.0.0.1 with a fresh PKI (tests/dm/mkpki.sh),
# the TLS negatives of the DM route (docs/architecture.md §2.4.1) at the transport level:
#   - good CA + right name: the POSTs are recorded and answered (keep-alive, chunked, by name and
#     by address);
#   - a certificate from a rogue CA, a wrong name, an expired certificate, a TLS 1.1-only server,
#     an http:// URL, the system store instead of the test CA: failure, and the server log shows
#     NO POST (nothing was sent);
#   - a server that drops the kept-alive connection or says Connection: close: the next POST is
#     ECONNRESET (the caller dials again) and is not sent;
#   - a server that closes (no close_notify) after reading the whole request, or cuts its answer:
#     EBADMSG, never ECONNRESET (a POST is not resent); a server that writes a second answer in
#     the same TLS record as the first: the next POST is ECONNRESET and never reads it;
#   - an answer over the response cap: E2BIG; a mute peer and a slow server: ETIMEDOUT.
set -u
. "$(dirname "$0")/lib.sh"
trap pb_cleanup EXIT
pb_workdir
DMC=$PB_BUILD/dm-client
PKI=$PB_WORK/pki
"$PB_TOP/tests/dm/mkpki.sh" "$PKI" || { fail "mkpki.sh"; pb_summary; exit 1; }
ok "mkpki.sh made a fresh PKI"

N=0
start_server() { # start_server NAME CERT [tlsserver options...]: sets PORT, LOG
        local name=$1 cert=$2; shift 2
        N=$((N + 1))
        LOG=$PB_WORK/$name.jsonl
        : >"$LOG"
        python3 "$PB_TOP/tests/dm/tlsserver.py" --cert "$PKI/$cert.pem" --key "$PKI/$cert.key" \
                --port-file "$PB_WORK/$name.port" --log "$LOG" "$@" 2>>"$PB_WORK/$name.err" &
        PB_PIDS+=("$!")
        pb_wait_for 10 test -s "$PB_WORK/$name.port" || { fail "tlsserver $name did not start"; return 1; }
        PORT=$(cat "$PB_WORK/$name.port")
}
posts() { grep -c '"method": "POST"' "$1" 2>/dev/null; }
client() { "$DMC" post "$@" 2>>"$PB_WORK/client.err"; }

# --- good CA, right name ---
start_server good server || exit 1
out=$(client "https://dm.test:$PORT/dm?s=1" --trust="$PKI/ca.pem" --connect="127.0.0.1:$PORT" --count=3 --body='<SyncML>x</SyncML>')
rc=$?
[ $rc -eq 0 ] && [ "$(grep -c '^status 200$' <<<"$out")" = 3 ] && grep -qx 'body <SyncML>x</SyncML>' <<<"$out" &&
        ok "good CA + right name (dm.test): three POSTs answered on one connection" || fail "good server: rc $rc: $out"
[ "$(posts "$LOG")" = 3 ] && ok "the server recorded 3 POSTs" || fail "server recorded $(posts "$LOG") POSTs"
python3 - "$LOG" <<'PY' && ok "request: path, Host, Content-Type, Accept, Cache-Control: no-store, Content-Length, body" || fail "request headers: $(head -1 "$LOG")"
import base64, json, sys
r = json.loads(open(sys.argv[1]).readline())
h = r["headers"]
assert r["method"] == "POST" and r["path"] == "/dm?s=1", r
assert h["host"].startswith("dm.test:"), h
assert h["content-type"] == "application/vnd.syncml.dm+xml", h
assert h["accept"] == "application/vnd.syncml.dm+xml", h
assert h["cache-control"] == "no-store", h
assert h["content-length"] == "18", h
assert base64.b64decode(r["body"]) == b"<SyncML>x</SyncML>"
assert len({json.loads(l)["connection"] for l in open(sys.argv[1])}) == 1
PY
out=$(client "https://127.0.0.1:$PORT/" --trust="$PKI/ca.pem" --connect="127.0.0.1:$PORT")
grep -qx 'status 200' <<<"$out" && ok "good CA, the address 127.0.0.1 checked against the iPAddress SAN" || fail "by address: $out"
out=$(client "https://dm.test:$PORT/" --trust="$PKI/ca.pem" --connect="127.0.0.1:$PORT" --max-response=4 --body=12345)
[ "$out" = "$(printf 'tls ok\nerror E2BIG')" ] && ok "an answer over the response cap: E2BIG" || fail "response cap: $out"
before=$(posts "$LOG")
out=$(client "https://dm.test:$PORT/" --system --connect="127.0.0.1:$PORT")
[ "$out" = "error EPROTO" ] && [ "$(posts "$LOG")" = "$before" ] &&
        ok "the system store does not trust the test CA: EPROTO, no POST" || fail "system store: $out"

start_server chunked server --chunked || exit 1
body=$(head -c 3000 /dev/zero | tr '\0' 'c')
out=$(client "https://dm.test:$PORT/" --trust="$PKI/ca.pem" --connect="127.0.0.1:$PORT" --count=2 --body="$body")
[ "$(grep -c "^body $body\$" <<<"$out")" = 2 ] && ok "chunked answers (3 chunks) read, twice on one connection" ||
        fail "chunked: $(head -c 300 <<<"$out")"

# --- the server ends the kept-alive connection: ECONNRESET, and nothing sent on the dead one ---
start_server drop server --drop-after 1 || exit 1
out=$(client "https://dm.test:$PORT/" --trust="$PKI/ca.pem" --connect="127.0.0.1:$PORT" --count=2 --wait-closed)
[ "$(tail -1 <<<"$out")" = "error ECONNRESET" ] && grep -qx 'status 200' <<<"$out" && [ "$(posts "$LOG")" = 1 ] &&
        ok "server dropped the idle connection: the second POST is ECONNRESET" || fail "drop-after: $out; $(posts "$LOG") POSTs"
# the server reads the whole second request and closes without a byte of an answer (and without
# close_notify: OpenSSL 3 calls that SSL_R_UNEXPECTED_EOF_WHILE_READING): it may have acted on it
start_server unanswered server --drop-unanswered 1 || exit 1
out=$(client "https://dm.test:$PORT/" --trust="$PKI/ca.pem" --connect="127.0.0.1:$PORT" --count=2)
[ "$(tail -1 <<<"$out")" = "error EBADMSG" ] && grep -qx 'status 200' <<<"$out" && [ "$(posts "$LOG")" = 2 ] &&
        ok "closed after the whole request was written, before any answer: EBADMSG, not ECONNRESET (no resend)" ||
        fail "drop-unanswered: $out; $(posts "$LOG") POSTs"
start_server cut server --cut-after 1 || exit 1
out=$(client "https://dm.test:$PORT/" --trust="$PKI/ca.pem" --connect="127.0.0.1:$PORT" --count=2 --body="$(head -c 600 /dev/zero | tr '\0' 'q')")
[ "$(tail -1 <<<"$out")" = "error EBADMSG" ] && grep -qx 'status 200' <<<"$out" && [ "$(posts "$LOG")" = 2 ] &&
        ok "an answer cut by a close without close_notify: EBADMSG" || fail "cut-after: $(cut -c1-80 <<<"$out"); $(posts "$LOG") POSTs"
# a second answer in the same TLS record as the first: with the first filling the client's first
# read (4096 octets: 86 of head for a 4010-octet echo) it stays in OpenSSL's buffer
start_server smuggle server --smuggle || exit 1
for size in 4010 10; do
        : >"$LOG"
        out=$(client "https://dm.test:$PORT/" --trust="$PKI/ca.pem" --connect="127.0.0.1:$PORT" --count=2 \
                --body="$(head -c $size /dev/zero | tr '\0' 's')")
        [ "$(tail -1 <<<"$out")" = "error ECONNRESET" ] && ! grep -q '^body smuggled' <<<"$out" &&
                [ "$(grep -c '^status 200$' <<<"$out")" = 1 ] && [ "$(posts "$LOG")" = 1 ] &&
                ok "bytes after the answer ($size-octet body): the next POST is ECONNRESET, the extra answer never read" ||
                fail "smuggle $size: $(cut -c1-80 <<<"$out"); $(posts "$LOG") POSTs"
done
start_server close server --close || exit 1
out=$(client "https://dm.test:$PORT/" --trust="$PKI/ca.pem" --connect="127.0.0.1:$PORT" --count=2)
[ "$(tail -1 <<<"$out")" = "error ECONNRESET" ] && [ "$(posts "$LOG")" = 1 ] &&
        ok "Connection: close: the next POST is ECONNRESET without being sent" || fail "close: $out; $(posts "$LOG") POSTs"

# --- TLS negatives: failure and NO POST ---
negative() { # negative DESCRIPTION SERVER-NAME CERT URL-HOST [tlsserver options]
        local d=$1 name=$2 cert=$3 host=$4; shift 4
        start_server "$name" "$cert" "$@" || return
        out=$(client "https://$host:$PORT/dm" --trust="$PKI/ca.pem" --connect="127.0.0.1:$PORT")
        rc=$?
        if [ $rc -eq 1 ] && [ "$out" = "error EPROTO" ] && [ "$(posts "$LOG")" = 0 ] && [ ! -s "$LOG" ]; then
                ok "$d: EPROTO, the server log shows no POST"
        else
                fail "$d: rc $rc, '$out', $(posts "$LOG") POSTs"
        fi
}
negative "certificate from a rogue CA" rogue rogue dm.test
negative "certificate for another name (wrong.test) asked as dm.test" wrong wrong-name dm.test
negative "good certificate asked under a name it does not hold (evil.test)" evilname server evil.test
negative "expired certificate" expired expired dm.test
negative "certificate naming dm.test only in the subject CN (no SAN): no CN fallback" cnonly cn-only dm.test
negative "TLS 1.1-only server" tls11 server dm.test --tls-max 1.1
grep -q 'certificate verification failed (unable to get local issuer certificate)' "$PB_WORK/client.err" &&
        grep -q 'hostname mismatch' "$PB_WORK/client.err" && grep -q 'certificate has expired' "$PB_WORK/client.err" &&
        ok "dm_tls_last_error names each verification failure" || fail "reasons: $(cat "$PB_WORK/client.err")"

# --- timeouts (poll deadlines): a peer that never speaks TLS, a server that never answers ---
python3 -c '
import os, socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(4)
open(sys.argv[1] + ".tmp", "w").write(str(s.getsockname()[1])); os.rename(sys.argv[1] + ".tmp", sys.argv[1])
held = []
while True:
    c, _ = s.accept(); held.append(c)
' "$PB_WORK/mute.port" &
PB_PIDS+=("$!")
pb_wait_for 10 test -s "$PB_WORK/mute.port" || fail "mute server did not start"
MUTE=$(cat "$PB_WORK/mute.port")
t0=$(date +%s%N)
out=$(client "https://dm.test:$MUTE/" --trust="$PKI/ca.pem" --connect="127.0.0.1:$MUTE" --timeout-ms=400)
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$out" = "error ETIMEDOUT" ] && [ "$ms" -lt 5000 ] && ok "a peer that never answers the handshake: ETIMEDOUT ($ms ms for 400)" ||
        fail "handshake timeout: '$out' after $ms ms"
printf 'import time\ndef handle(state, path, headers, body):\n    time.sleep(3)\n    return 200, "application/vnd.syncml.dm+xml", body\n' \
        >"$PB_WORK/slow.py"
start_server slow server --handler "$PB_WORK/slow.py" || exit 1
out=$(client "https://dm.test:$PORT/" --trust="$PKI/ca.pem" --connect="127.0.0.1:$PORT" --timeout-ms=500)
[ "$out" = "$(printf 'tls ok\nerror ETIMEDOUT')" ] && [ "$(posts "$LOG")" = 1 ] &&
        ok "a server that does not answer within the deadline: ETIMEDOUT (the handler module was loaded)" ||
        fail "read timeout: '$out'"

# --- http:// is never dialled ---
start_server plain server || exit 1
out=$(client "http://dm.test:$PORT/dm" --trust="$PKI/ca.pem" --connect="127.0.0.1:$PORT")
[ "$out" = "error EPROTONOSUPPORT" ] && [ ! -s "$LOG" ] && ! grep -q 'connection' "$PB_WORK/plain.err" &&
        ok "http:// URL: EPROTONOSUPPORT before any connection; the server log shows no POST" ||
        fail "http://: '$out', log $(wc -c <"$LOG") bytes"

pb_summary
