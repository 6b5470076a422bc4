#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# strength-packages.sh: issue 9, finding 6 (strength laundering through an installed
# certificate) on a real dbus-daemon with the shipped policy: verifierd as root, provd as user
# provd, GrantManager=4 (Operator-role messages act with Manager rights), ConfirmNetworkPin=yes.
#   1. The operator's USERNETWPIN push (+ PIN) installs its Internet APN.
#   2. One NETWPIN push, confirmed by the user, installed an SPC certificate (Role 12: all a
#      NETWPIN message holds with the grant). Since issue 12 no NETWPIN push installs one,
#      whatever the grant (policy-denied); such a certificate may still be in a store from before,
#      so the test puts it there as that push did (its row, with NETWPIN strength) and goes on.
#   3. Before the fix every package signed with it applied at the top strength with no
#      confirmation and overwrote the operator's USERNETWPIN APN, which the same change as
#      NETWPIN could not. Now a package is at most as strong as the message that installed its
#      anchor: the change is refused (policy-denied, the downgrade rule), through Install and over
#      the air, and nothing changes (settings, NetworkManager profile).
#   4. A package that NETWPIN strength allows waits for the user's confirmation (the anchor keeps
#      ConfirmNetworkPin) and applies once confirmed.
#   5. No laundering through a second certificate: one such a package installs keeps NETWPIN
#      strength, and what it signs cannot replace the operator's APN either.
#   6. The administrator's certificates (certs.d) keep full strength: a package signed with one
#      replaces the operator's APN at once.
# Keys and certificates are generated here with the openssl command; none is kept.
set -u
. "$(dirname "$0")/lib.sh"
trap pb_cleanup EXIT
PY=/usr/bin/python3
MKPUSH=$PB_TOP/tools/mkpush.py

command -v openssl >/dev/null || { echo "openssl missing"; echo "0 passed, 1 failed"; exit 1; }
pb_setup_users
pb_workdir
W=$PB_WORK
mkdir -p "$W/conf/verifierd.conf.d" "$W/conf/certs.d" "$W/pconf" "$W/nm" "$W/keys"
cat >"$W/conf/verifierd.conf" <<CONF
[Bootstrap]
Enabled=yes
ConfirmNetworkPin=yes
[NetworkPin]
Source=static
Imsi=262011234567890
[Export]
NetworkManagerDir=$W/nm
CONF
printf '[Policy]\nGrantManager=4\n' >"$W/conf/verifierd.conf.d/50-grant-manager.conf"

mkcert() { # mkcert NAME CN
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$W/keys/$1.key" \
                -out "$W/keys/$1.pem" -subj "/CN=$2/O=provboot integration" -days 30 \
                -addext "basicConstraints=critical,CA:FALSE" -addext "keyUsage=critical,digitalSignature" 2>/dev/null
        openssl x509 -in "$W/keys/$1.pem" -outform DER -out "$W/keys/$1.der"
}
thumb() { openssl dgst -sha1 -hex "$W/keys/$1.der" | awk '{print toupper($NF)}'; }
mkcert evil "NETWPIN-installed signer"
mkcert second "Second signer"
mkcert admin "Administrator's signer"
EVIL=$(thumb evil)
SECOND=$(thumb second)

serial=0
certdoc() { # certdoc NAME ROLE: a CertificateStore SPC document on stdout
        serial=$((serial + 1))
        printf '<?xml version="1.0"?>\n<!-- %s -->\n<wap-provisioningdoc version="1.1"><characteristic type="CertificateStore">' "$serial"
        printf '<characteristic type="SPC"><characteristic type="%s">' "$(thumb "$1")"
        printf '<parm name="EncodedCertificate" value="%s"/><parm name="Role" value="%s"/>' "$(base64 -w0 "$W/keys/$1.der")" "$2"
        printf '</characteristic></characteristic></characteristic></wap-provisioningdoc>\n'
}
napdoc() { # napdoc NAPID APN: a NAPDEF document on stdout
        serial=$((serial + 1))
        printf '<?xml version="1.0"?>\n<!-- %s -->\n<wap-provisioningdoc version="1.1"><characteristic type="NAPDEF">' "$serial"
        printf '<parm name="NAPID" value="%s"/><parm name="NAME" value="%s"/><parm name="INTERNET"/>' "$1" "$1"
        printf '<parm name="NAP-ADDRESS" value="%s"/><parm name="NAP-ADDRTYPE" value="APN"/></characteristic></wap-provisioningdoc>\n' "$2"
}
sign() { # sign KEYNAME IN OUT
        openssl cms -sign -signer "$W/keys/$1.pem" -inkey "$W/keys/$1.key" -binary -nodetach -in "$2" -outform DER -out "$3"
}
json_field() { $PY -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2" 2>/dev/null; }
expect_verdict() { # expect_verdict DESC OUT VERDICT REASON
        if [ "$(json_field "$2" verdict)" = "$3" ] && [ "$(json_field "$2" reason)" = "$4" ]; then
                ok "$1: $3${4:+ ($4)}"
        else
                fail "$1: expected $3/$4, got: $2"
        fi
}
# apn NAPID: the stored NAP-ADDRESS of that NAPDEF ("absent" when none)
apn() {
        pb_provctl settings --json | $PY -c '
import json, sys
for r in json.load(sys.stdin):
    if r["path"] == "/NAPDEF[NAPID=%s]/NAP-ADDRESS" % sys.argv[1] or (r["path"] == "/NAPDEF[NAPID=%s]" % sys.argv[1] and r["name"] == "NAP-ADDRESS"):
        print(r["value"]); break
else:
    print("absent")' "$1"
}
nm_apn() { sed -n 's/^apn=//p' "$W"/nm/provboot-"$1"-*.nmconnection 2>/dev/null; }
# confirm_it DESC OUT: OUT is pending/needs-confirmation; confirm it; prints the confirm output
confirm_it() {
        expect_verdict "$1 waits for the user's confirmation" "$2" pending needs-confirmation >&2
        pb_provctl confirm --json "$(json_field "$2" id)" 2>&1
}

pb_start_bus "$W" || exit 1
pb_start_provd "$W/pconf" || exit 1
pb_start_verifierd "$W/conf" "$W/state" || exit 1

# ---- 1. the operator's APN, USERNETWPIN ----
napdoc INTERNET op.example >"$W/op.xml"
$PY "$MKPUSH" --xml "$W/op.xml" --format xml --sec usernetwpin --pin 1234 --out "$W/op.wsp"
out=$(pb_provctl inject --json "$W/op.wsp" 2>&1)
expect_verdict "operator push waits for the PIN" "$out" pending needs-pin
out=$(echo 1234 | pb_provctl pin --json "$(json_field "$out" id)" 2>&1)
expect_verdict "operator push + PIN" "$out" applied ""
check "operator's APN stored" test "$(apn INTERNET)" = op.example
napdoc INTERNET evil.example >"$W/evil.xml"
$PY "$MKPUSH" --xml "$W/evil.xml" --format xml --sec netwpin --out "$W/evil.wsp"
out=$(pb_provctl inject --json "$W/evil.wsp" 2>&1)
expect_verdict "the same change as a NETWPIN push: downgrade" "$out" rejected policy-denied

# ---- 2. one confirmed NETWPIN push installs an SPC certificate ----
certdoc evil 12 >"$W/cert.xml"
$PY "$MKPUSH" --xml "$W/cert.xml" --format xml --sec netwpin --out "$W/cert.wsp"
out=$(pb_provctl inject --json "$W/cert.wsp" 2>&1)
expect_verdict "NETWPIN certificate push, Manager lent by GrantManager=4: refused (issue 12)" "$out" rejected policy-denied
check "certs: nothing installed" test "$(pb_provctl certs --json)" = "[]"
# The row that push wrote before issue 12 (store schema as of now), verifierd stopped meanwhile.
pb_stop "$PB_VERIFIERD_PID"
$PY - "$W/state/provboot.db" "$W/keys/evil.der" "$EVIL" "$(json_field "$out" id)" <<'PYEOF' || fail "seed the legacy certificate row"
import sqlite3, sys, time
db, der, thumb, push = sys.argv[1], open(sys.argv[2], "rb").read(), sys.argv[3], int(sys.argv[4])
now = int(time.time() * 1e6)
c = sqlite3.connect(db)
c.execute("INSERT INTO certificates (store, thumbprint, roles, source, der, push_id, added_usec, sec, strength,"
          " installer_roles, subject, not_after_usec) VALUES ('SPC', ?, 12, 'push', ?, ?, ?, 0, 2, 12, ?, ?)",
          (thumb, der, push, now, "CN=NETWPIN-installed signer", now + 30 * 86400 * 1000000))
c.commit()
c.close()
PYEOF
pb_start_verifierd "$W/conf" "$W/state" || exit 1
check "certs: the NETWPIN-installed certificate is in SPC with roles 12" \
        test "$(pb_provctl certs --json | $PY -c 'import json,sys; print([c["roles"] for c in json.load(sys.stdin) if c["thumbprint"] == sys.argv[1]])' "$EVIL")" = "[12]"

# ---- 3. a package signed with it cannot replace the operator's APN ----
sign evil "$W/evil.xml" "$W/evil.p7"
out=$(pb_provctl install --json "$W/evil.p7" 2>&1)
expect_verdict "package signed by the NETWPIN-installed certificate changing the operator's APN (install)" "$out" rejected policy-denied
shows_root() { pb_provctl show --json "$1" | grep -q 'NAPDEF\[NAPID=INTERNET\]'; }
check "history names the blocking root" shows_root "$(json_field "$out" id)"
napdoc INTERNET evil-ota.example >"$W/evil-ota.xml"
sign evil "$W/evil-ota.xml" "$W/evil-ota.p7"
$PY "$MKPUSH" --pkcs7 "$W/evil-ota.p7" --out "$W/evil-ota.wsp"
out=$(pb_provctl inject --json "$W/evil-ota.wsp" 2>&1)
expect_verdict "the same, pushed over the air" "$out" rejected policy-denied
check "the operator's APN is unchanged" test "$(apn INTERNET)" = op.example
check "the NetworkManager profile is unchanged" test "$(nm_apn INTERNET)" = op.example

# ---- 4. what NETWPIN may do, after the user's confirmation ----
napdoc corp corp.example >"$W/corp.xml"
sign evil "$W/corp.xml" "$W/corp.p7"
out=$(pb_provctl install --json "$W/corp.p7" 2>&1)
check "the package is not applied before the confirmation" test "$(apn corp)" = absent
out=$(confirm_it "package allowed at NETWPIN strength" "$out")
expect_verdict "package allowed at NETWPIN strength, confirmed" "$out" applied ""
check "its APN is stored" test "$(apn corp)" = corp.example

# ---- 5. no laundering through a second certificate ----
certdoc second 8 >"$W/second.xml"
sign evil "$W/second.xml" "$W/second.p7"
out=$(pb_provctl install --json "$W/second.p7" 2>&1)
out=$(confirm_it "package installing a second SPC certificate" "$out")
expect_verdict "package installing a second SPC certificate, confirmed" "$out" applied ""
napdoc INTERNET evil2.example >"$W/evil2.xml"
sign second "$W/evil2.xml" "$W/evil2.p7"
out=$(pb_provctl install --json "$W/evil2.p7" 2>&1)
expect_verdict "package signed by the second certificate changing the operator's APN" "$out" rejected policy-denied
check "the operator's APN is still unchanged" test "$(apn INTERNET)" = op.example

# ---- 6. the administrator's certificate keeps full strength ----
cp "$W/keys/admin.pem" "$W/conf/certs.d/admin.pem"
printf '[Certificate]\nStore=SPC\nFile=admin.pem\nRole=MANAGER|OPERATOR\n' >"$W/conf/certs.d/50-admin.conf"
kill -HUP "$PB_VERIFIERD_PID"
pb_wait_for 10 sh -c "DBUS_SYSTEM_BUS_ADDRESS=$PB_BUS $PB_BUILD/provctl certs --json | grep -q $(thumb admin)"
napdoc INTERNET admin.example >"$W/adm.xml"
sign admin "$W/adm.xml" "$W/adm.p7"
out=$(pb_provctl install --json "$W/adm.p7" 2>&1)
expect_verdict "package signed by the administrator's certificate replaces the operator's APN" "$out" applied ""
check "the administrator's APN is stored" test "$(apn INTERNET)" = admin.example

kill -0 "$PB_PROVD_PID" 2>/dev/null && ok "provd alive" || fail "provd died"
pb_summary
