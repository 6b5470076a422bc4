#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# capture.sh [OUTDIR]: regenerate tests/data/kannel/ from a real Kannel.
#
# Starts bearerbox + fakesmsc + smsbox (Kannel 1.4.5) on 127.0.0.1 only, sends every
# OUTDIR/*.xml through cgi-bin/sendota (type=oma-settings) once per SEC variant of
# kannel-testdata.py, resends each compiled body without SEC/MAC through cgi-bin/sendsms,
# captures what the fake SMSC receives, stops every process it started (by PID) and writes
# OUTDIR/<name>-<variant>.sms.hex, .wsp and OUTDIR/MANIFEST (MACs verified).
# Pushes are sent one at a time and each is awaited, so the order maps them to names.
# Not run by make check. Needs: kannel kannel-extras curl python3 (docs/testing.md §5.2).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
OUT=$(cd "${1:-$TOP/tests/data/kannel}" && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/provboot-kannel.XXXXXX")
BB= FS= SB=

stop() { # PID: SIGTERM, then wait for it (it is our child)
        [ -n "$1" ] || return 0
        kill "$1" 2>/dev/null || true
        wait "$1" 2>/dev/null || true
}
cleanup() {
        stop "$SB"; SB=
        stop "$BB"; BB=
        stop "$FS"; FS=
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ls "$OUT"/*.xml >/dev/null
# Four free loopback ports (admin, smsbox, fake SMSC, sendsms).
set -- $(python3 -c 'import socket
ss = [socket.socket() for _ in range(4)]
for s in ss: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in ss])')
P_ADMIN=$1 P_SMSBOX=$2 P_FAKE=$3 P_SEND=$4
sed -e "s|@OUT@|$WORK|g" -e "s/@PORT_ADMIN@/$P_ADMIN/" -e "s/@PORT_SMSBOX@/$P_SMSBOX/g" \
    -e "s/@PORT_FAKESMSC@/$P_FAKE/" -e "s/@PORT_SENDSMS@/$P_SEND/" \
    "$HERE/kannel.conf" > "$WORK/kannel.conf"
cd "$WORK"

wait_for() { # DESCRIPTION COMMAND...: poll for up to 10 s
        what=$1; shift
        i=0
        until "$@"; do
                i=$((i + 1))
                if [ $i -gt 100 ]; then echo "capture.sh: timeout waiting for $what (logs: $WORK)" >&2; exit 1; fi
                sleep 0.1
        done
}
listening() { ss -ltn | grep -q "127.0.0.1:$1 "; }

/usr/sbin/bearerbox -v 1 kannel.conf > bb.out 2>&1 &
BB=$!
wait_for "bearerbox fake SMSC port" listening "$P_FAKE"
# -m 0 with one dummy message: stay connected and send nothing (docs/testing.md §5.2).
/usr/lib/kannel/test/fakesmsc -H 127.0.0.1 -r "$P_FAKE" -m 0 "100 200 text nop" > fakesmsc.out 2>&1 &
FS=$!
/usr/sbin/smsbox -v 1 kannel.conf > sb.out 2>&1 &
SB=$!
wait_for "smsbox" grep -q 'Connected to bearerbox' sb.out
wait_for "sendsms port" listening "$P_SEND"

n=0
: > plan
complete() { [ "$(python3 "$HERE/fakesmsc2hex.py" --count fakesmsc.out)" -ge "$n" ]; }
send() { # NAME VARIANT CGI QUERY [XMLFILE]
        if [ $# -ge 5 ]; then
                r=$(curl -sS -G "http://127.0.0.1:$P_SEND/cgi-bin/$3" \
                        --data "username=tester&password=testpw&to=0123456" --data "$4" \
                        --data-urlencode "text@$5")
        else
                r=$(curl -sS -G "http://127.0.0.1:$P_SEND/cgi-bin/$3" \
                        --data "username=tester&password=testpw&to=0123456" --data "$4")
        fi
        case $r in
        *"Accepted for delivery"*) ;;
        *) echo "capture.sh: $1 $2: Kannel answered: $r" >&2; exit 1 ;;
        esac
        n=$((n + 1))
        wait_for "push $n ($1 $2)" complete
        echo "$1 $2" >> plan
}

python3 "$HERE/kannel-testdata.py" variants > variants
for xml in "$OUT"/*.xml; do
        name=$(basename "$xml" .xml)
        while read -r var query; do
                send "$name" "$var" sendota "$query" "$xml"
        done < variants
done
for xml in "$OUT"/*.xml; do
        name=$(basename "$xml" .xml)
        query=$(python3 "$HERE/kannel-testdata.py" nosec-query fakesmsc.out plan "$name")
        send "$name" nosec sendsms "$query"
done
cleanup
python3 "$HERE/kannel-testdata.py" write fakesmsc.out plan "$OUT"
echo "capture.sh: $n pushes -> $OUT (Kannel logs in $WORK)"
