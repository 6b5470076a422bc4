#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# unpriv.sh: verifierd without uid 0 (issue 14), on a real dbus-daemon with the shipped policy.
# verifierd runs as provboot-verifier with no capabilities (as verifierd.service runs it), its
# keyfiles written by provboot-nm-writer (root) on a socket only that user's group may use.
#   1. an authenticated NETWPIN push applies; its keyfile is root's, 0600, in the one directory;
#   2. the writer serves only verifierd's uid: the socket's mode keeps user provd out, and on a
#      socket anyone may reach the writer itself closes provd's connection (SO_PEERCRED);
#   3. a verifierd compromised through its decoders: build/verifierd-test (the same verifierd
#      plus tests/tools/compromise-hook.c, never installed) runs the hook from inside the
#      document decoder when a push holds the marker. From there it tries to write outside its
#      state directory (a root directory, /etc, the NetworkManager directory), to start a unit
#      (StartTransientUnit on the system bus it has: the bus credits it its uid, not 0), and to
#      make the writer write something that is not a rendering (keyfile text, a name that is a
#      path, a field that would add keys, a file name in a WRITE). Each attempt must fail, and
#      afterwards the directory holds exactly the renderings of the applied documents.
# That the same user cannot start a unit under a real systemd + polkit is nspawn.sh's check.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
. "$HERE/lib-pending.sh"
trap pb_cleanup EXIT
if [ "$(id -u)" -ne 0 ]; then
        fail "unpriv.sh needs root (it starts verifierd as provboot-verifier and the writer as root)"
        pb_summary
        exit 1
fi
if [ ! -x "$PB_BUILD/verifierd-test" ]; then
        fail "$PB_BUILD/verifierd-test is built (make check builds it: verifierd/ota-policy.mk)"
        pb_summary
        exit 1
fi
pb_setup_users
PB_VERIFIERD_USER=provboot-verifier
pb_workdir
W=$PB_WORK
mkdir -p "$W/conf" "$W/nm" "$W/outside"
chmod 0755 "$W/nm" "$W/outside"
{
        printf '[Bootstrap]\nEnabled=yes\nConfirmNetworkPin=no\n'
        printf '[NetworkPin]\nSource=static\nImsi=%s\n' "$PB_IMSI"
        printf '[Export]\nNetworkManagerDir=%s/nm\n' "$W"
} >"$W/conf/verifierd.conf"
napdef() { # napdef NAPID NAME APN
        printf '<characteristic type="NAPDEF"><parm name="NAPID" value="%s"/><parm name="NAME" value="%s"/>' "$1" "$2"
        printf '<parm name="NAP-ADDRESS" value="%s"/><parm name="NAP-ADDRTYPE" value="APN"/></characteristic>' "$3"
}
pb_doc_xml "$W/good.xml" "$(napdef INTERNET 'Example Internet' internet.example.com)"
pb_doc_xml "$W/hook.xml" "$(napdef MMS 'PROVBOOT-TEST-COMPROMISE' mms.example.com)"

pb_start_bus "$W" || exit 1
# The hook's targets: a file in a root directory, one in /etc, one in the NetworkManager
# directory (a name of ours), and the writer's socket for its requests.
EVIL_NM="$W/nm/provboot-EVIL-000000000000.nmconnection"
export PROVBOOT_TEST_COMPROMISE="$W/outside/evil:/etc/provboot-compromise-test:$EVIL_NM"
export PROVBOOT_TEST_COMPROMISE_WRITER="$W/nm-writer.socket"
rm -f /etc/provboot-compromise-test
PB_VERIFIERD_BIN=$PB_BUILD/verifierd-test pb_start_verifierd "$W/conf" "$W/state" || exit 1
pb_check_verifierd_uid

# ---- 1. a push applies; the writer wrote its rendering --------------------------------------------
out=$(pb_as_provd submit --body "$W/good.xml" --sec 0 --netwpin "$PB_IMSI")
[ "$(pb_field 3 "$out")" = applied ] && ok "NETWPIN push applied by the unprivileged verifierd" || fail "push: $out"
kf() { stat -c '%a %U %n' "$W"/nm/*.nmconnection 2>/dev/null; }
has_keyfile() { compgen -G "$W/nm/provboot-$1-*.nmconnection" >/dev/null; }
pb_wait_for 10 has_keyfile INTERNET || fail "no keyfile for INTERNET after the push"
k=$(kf)
[ -n "$k" ] && ! grep -qv '^600 root ' <<<"$k" && ok "keyfile written by provboot-nm-writer: 0600 root ($(basename "$(awk '{print $3}' <<<"$k")"))" ||
        fail "keyfiles: '$k'"
grep -q "COMPROMISE" "$PB_WORK/verifierd.log" && fail "the hook ran without its marker" ||
        ok "no marker, no hook: the test-only path stays shut for ordinary documents"

# ---- 2. the compromise ----------------------------------------------------------------------------
out=$(pb_as_provd submit --body "$W/hook.xml" --sec 0 --netwpin "$PB_IMSI")
echo "push with the marker: $out"
pb_wait_for 20 grep -q "COMPROMISE done" "$PB_WORK/verifierd.log" && ok "the hook ran inside verifierd's decoder" ||
        { fail "the hook did not run: $(tail -5 "$PB_WORK/verifierd.log")"; pb_summary; exit 1; }
grep '^COMPROMISE' "$PB_WORK/verifierd.log" | sed 's/^/    /'
uid=$(id -u provboot-verifier)
grep -q "^COMPROMISE hook: uid $uid euid $uid$" "$PB_WORK/verifierd.log" &&
        ok "the hook runs as provboot-verifier (uid $uid), not root" || fail "hook's uid: $(grep 'COMPROMISE hook' "$PB_WORK/verifierd.log")"
for p in "$W/outside/evil" /etc/provboot-compromise-test "$EVIL_NM"; do
        grep -q "^COMPROMISE write $p: refused" "$PB_WORK/verifierd.log" && [ ! -e "$p" ] &&
                ok "cannot write outside its state directory: $p refused, absent" ||
                fail "write $p: $(grep "COMPROMISE write $p" "$PB_WORK/verifierd.log"); exists: $([ -e "$p" ] && echo yes || echo no)"
done
grep -q "^COMPROMISE bus-uid: $uid$" "$PB_WORK/verifierd.log" &&
        ok "the system bus credits its connection uid $uid (systemd would ask polkit, not trust it as root)" ||
        fail "bus uid: $(grep 'COMPROMISE bus-uid' "$PB_WORK/verifierd.log")"
grep -q "^COMPROMISE unit: refused" "$PB_WORK/verifierd.log" && ok "StartTransientUnit started nothing: $(sed -n 's/^COMPROMISE unit: //p' "$PB_WORK/verifierd.log") (real systemd + polkit: nspawn.sh)" ||
        fail "StartTransientUnit: $(grep 'COMPROMISE unit' "$PB_WORK/verifierd.log")"
for a in text remove-path read-path write-injected-keys write-with-name; do
        grep -q "^COMPROMISE writer $a: refused" "$PB_WORK/verifierd.log" && ok "provboot-nm-writer refuses $a" ||
                fail "writer $a: $(grep "COMPROMISE writer $a" "$PB_WORK/verifierd.log")"
done
[ -s /etc/passwd ] && grep -q '^root:' /etc/passwd && ok "/etc/passwd untouched" || fail "/etc/passwd"

# ---- the writer serves verifierd's uid only ---------------------------------------------------------
# writer_list SOCKET: one LIST request; prints "reply <n bytes>", "closed" (no reply), or why the
# connect failed
writer_list() {
        /usr/bin/python3 - "$1" <<'PY'
import socket, struct, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(5)
try:
    s.connect(sys.argv[1])
except OSError as e:
    print(type(e).__name__)
    sys.exit(0)
try:
    # closed by the peer before or after the request: EOF, EPIPE or ECONNRESET, never a reply
    s.sendall(b"PBNW" + bytes([1, 4, 0, 0]) + struct.pack(">I", 0))
    d = s.recv(64)
    print("reply %d" % len(d) if d else "closed")
except (BrokenPipeError, ConnectionResetError):
    print("closed")
PY
}
out=$(setpriv --reuid=provd --regid=provd --clear-groups /usr/bin/env bash -c "$(declare -f writer_list); writer_list '$W/nm-writer.socket'")
[ "$out" = PermissionError ] && ok "user provd cannot connect to the writer's socket (0660 root:provboot-verifier)" ||
        fail "provd on the writer's socket: $out"
# A second writer on a socket anyone may connect to: the writer itself refuses every uid but
# verifierd's (SO_PEERCRED), and serves verifierd's.
"$PB_BUILD/provboot-nm-writer" --listen="$W/open.socket" --allow-user=provboot-verifier "$W/nm" >>"$W/open-writer.log" 2>&1 &
PB_PIDS+=("$!")
pb_wait_for 10 test -S "$W/open.socket" || fail "second writer did not start: $(cat "$W/open-writer.log")"
chmod 0666 "$W/open.socket"
out=$(setpriv --reuid=provd --regid=provd --clear-groups /usr/bin/env bash -c "$(declare -f writer_list); writer_list '$W/open.socket'")
[ "$out" = closed ] && grep -qi "connection from uid $(id -u provd) refused" "$W/open-writer.log" &&
        ok "the writer closes a connection from uid provd without serving it (SO_PEERCRED)" ||
        fail "provd on an open writer socket: '$out'; log: $(cat "$W/open-writer.log")"
out=$(setpriv --reuid=provboot-verifier --regid=provboot-verifier --clear-groups /usr/bin/env bash -c "$(declare -f writer_list); writer_list '$W/open.socket'")
[ "${out%% *}" = reply ] && ok "the writer serves provboot-verifier's LIST ($out)" || fail "provboot-verifier on the writer: '$out'"

# ---- afterwards: the directory holds the renderings of the applied documents only ---------------
pb_wait_for 10 has_keyfile MMS || true     # the marked document applies too, if it was valid
k=$(kf)
echo "keyfiles: $(tr '\n' ' ' <<<"$k")"
n_other=$(find "$W/nm" -mindepth 1 ! -name 'provboot-*.nmconnection' | wc -l)
[ "$n_other" = 0 ] && ok "nothing but provboot-*.nmconnection in the directory" || fail "$n_other other entries in $W/nm: $(ls -la "$W/nm")"
! grep -qv '^600 root ' <<<"$k" && ok "every keyfile 0600 root" || fail "keyfile modes: $k"
grep -l -e evil -e '^\[vpn\]' "$W"/nm/* >/dev/null 2>&1 && fail "a keyfile holds the hook's text: $(grep -l evil "$W"/nm/*)" ||
        ok "no keyfile holds the hook's text"
apns=$(sed -n 's/^apn=//p' "$W"/nm/*.nmconnection | sort | paste -sd' ')
case "$apns" in
"internet.example.com" | "internet.example.com mms.example.com")
        ok "the keyfiles' APNs are the applied documents' ($apns)" ;;
*) fail "keyfile APNs '$apns'" ;;
esac
pb_summary
