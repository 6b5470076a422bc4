#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# packages.sh: the certificate store and signed packages through the real bus (issue 5): a
# private dbus-daemon with the shipped policy, verifierd as root, provd as user provd.
#   - the seed's flow: a package signed by a corporate key is untrusted-signer; the operator's
#     USERNETWPIN push (provctl inject, then provctl pin 1234; GrantManager=4 from a drop-in)
#     installs the corporate certificate in SPC with Role=8; provctl certs --json lists it;
#     provctl install applies the package with Manager rights (it installs a ROOT certificate);
#   - a package pushed over the air as application/pkcs7-mime (well-known 0x37 and as text)
#     goes through provd to verifierd and is applied the same way; history shows sec "signed";
#   - a tampered package is bad-signature, an unknown signer untrusted-signer, garbage
#     malformed; nothing of them is stored;
#   - the administrator's certs.d: an SPC certificate with its role, listed as "admin";
#   - Install is refused to a caller that is neither root nor in group provboot.
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
ConfirmNetworkPin=no
[NetworkPin]
Source=static
Imsi=262011234567890
[Export]
NetworkManagerDir=$W/nm
CONF
# docs/trust-boundary.md §1.4 "Enabling OTA bootstrapping": Operator-role messages get Manager rights
printf '[Policy]\nGrantManager=4\n' >"$W/conf/verifierd.conf.d/50-grant-manager.conf"

# ---- keys and certificates, made now ----
mkcert() { # mkcert NAME CN [extra -addext ...]
        local name=$1 cn=$2; shift 2
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$W/keys/$name.key" \
                -out "$W/keys/$name.pem" -subj "/CN=$cn/O=provboot integration" -days 30 \
                -addext "basicConstraints=critical,CA:FALSE" "$@" 2>/dev/null
        openssl x509 -in "$W/keys/$name.pem" -outform DER -out "$W/keys/$name.der"
}
thumb() { openssl dgst -sha1 -hex "$W/keys/$1.der" | awk '{print toupper($NF)}'; }
mkcert corp "Corporate signer" -addext "keyUsage=critical,digitalSignature"
mkcert root "Corporate root" -addext "keyUsage=critical,digitalSignature"
mkcert stranger "Stranger" -addext "keyUsage=critical,digitalSignature"
mkcert admin "Administrator's signer" -addext "keyUsage=critical,digitalSignature"
CORP=$(thumb corp)
ROOT=$(thumb root)
ADMIN=$(thumb admin)

certdoc() { # certdoc STORE NAME [ROLE] [COMMENT]: a CertificateStore document on stdout
        local role=${3:-}
        printf '<?xml version="1.0"?>\n<!-- %s -->\n<wap-provisioningdoc version="1.1"><characteristic type="CertificateStore">' "${4:-}"
        printf '<characteristic type="%s"><characteristic type="%s">' "$1" "$(thumb "$2")"
        printf '<parm name="EncodedCertificate" value="%s"/>' "$(base64 -w0 "$W/keys/$2.der")"
        [ -n "$role" ] && printf '<parm name="Role" value="%s"/>' "$role"
        printf '</characteristic></characteristic></characteristic></wap-provisioningdoc>\n'
}
sign() { # sign KEYNAME IN OUT [FORMAT]
        openssl cms -sign -signer "$W/keys/$1.pem" -inkey "$W/keys/$1.key" -binary -nodetach -in "$2" \
                -outform "${4:-DER}" -out "$3"
}
json_field() { $PY -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }
expect_verdict() { # expect_verdict DESC OUT VERDICT REASON [ROLES]
        local d=$1 out=$2 v=$3 why=$4 roles=${5:-}
        if [ "$(json_field "$out" verdict 2>/dev/null)" = "$v" ] && [ "$(json_field "$out" reason 2>/dev/null)" = "$why" ] &&
                { [ -z "$roles" ] || [ "$(json_field "$out" roles 2>/dev/null)" = "$roles" ]; }; then
                ok "$d: $v${why:+ ($why)}${roles:+, roles $roles}"
        else
                fail "$d: expected $v/$why${roles:+/roles $roles}, got: $out"
        fi
}
# cert_field THUMBPRINT KEY: a field of that entry of `provctl certs --json`
cert_field() {
        pb_provctl certs --json | $PY -c '
import json, sys
for c in json.load(sys.stdin):
    if c["thumbprint"] == sys.argv[1]:
        print(c[sys.argv[2]]); break
else:
    print("absent")' "$1" "$2"
}

# the package: a ROOT certificate (Manager only by the metabase default) and an APN
{
        certdoc ROOT root "" package
} >"$W/pkg.xml"
sign corp "$W/pkg.xml" "$W/pkg.der"

pb_start_bus "$W" || exit 1
pb_start_provd "$W/pconf" || exit 1
pb_start_verifierd "$W/conf" "$W/state" || exit 1

# ---- before the corporate certificate is installed ----
out=$(pb_provctl install --json "$W/pkg.der" 2>&1)
expect_verdict "package before the certificate" "$out" rejected untrusted-signer
check "certificate store starts empty" test "$(pb_provctl certs --json)" = "[]"

# ---- the operator installs the corporate certificate (USERNETWPIN + PIN) ----
certdoc SPC corp 8 operator >"$W/op.xml"
$PY "$MKPUSH" --xml "$W/op.xml" --format xml --sec usernetwpin --pin 1234 --out "$W/op.wsp"
out=$(pb_provctl inject --json "$W/op.wsp" 2>&1)
expect_verdict "operator push waits for the PIN" "$out" pending needs-pin
id=$(json_field "$out" id 2>/dev/null)
out=$(echo 1234 | pb_provctl pin --json "$id" 2>&1)
expect_verdict "operator push + PIN installs the certificate (GrantManager=4)" "$out" applied "" 28
check "certs: corporate thumbprint listed" test "$(cert_field "$CORP" store)" = SPC
check "certs: roles 8" test "$(cert_field "$CORP" roles)" = 8
check "certs: source push, push id $id" test "$(cert_field "$CORP" source)/$(cert_field "$CORP" push)" = "push/$id"
check "certs: expiry and subject shown" test "$(cert_field "$CORP" expiry)" != "-" -a \
        -n "$(cert_field "$CORP" subject | grep 'Corporate signer')"

# ---- the corporate package now applies with Manager rights ----
out=$(pb_provctl install --json "$W/pkg.der" 2>&1)
expect_verdict "provctl install of the corporate package" "$out" applied "" 8
pid=$(json_field "$out" id 2>/dev/null)
check "history: sec signed" test "$(json_field "$(pb_provctl show --json "$pid")" sec 2>/dev/null)" = signed
check "certs: ROOT installed by the package" test "$(cert_field "$ROOT" store)/$(cert_field "$ROOT" source)" = ROOT/package
out=$(pb_provctl install --json "$W/pkg.der" 2>&1)
expect_verdict "the same package again" "$out" rejected replay

# ---- a package over the air: application/pkcs7-mime through provd ----
cat >"$W/ota.xml" <<'XML'
<?xml version="1.0"?>
<wap-provisioningdoc version="1.1"><characteristic type="NAPDEF"><parm name="NAPID" value="corp"/><parm name="NAME" value="Corporate APN"/><parm name="NAP-ADDRESS" value="corp.example"/><parm name="NAP-ADDRTYPE" value="APN"/></characteristic></wap-provisioningdoc>
XML
sign corp "$W/ota.xml" "$W/ota.der"
$PY "$MKPUSH" --pkcs7 "$W/ota.der" --out "$W/ota.wsp"
out=$(pb_provctl inject --json "$W/ota.wsp" 2>&1)
expect_verdict "pushed package (content type 0x37)" "$out" applied "" 8
oid=$(json_field "$out" id 2>/dev/null)
check "pushed package: history sec signed, transport inject" \
        test "$(pb_provctl show --json "$oid" | $PY -c 'import json,sys; d=json.load(sys.stdin); print(d["sec"], d["transport"])')" = "signed inject"
check "pushed package: APN exported to NetworkManager" test -n "$(ls "$W/nm")"
sed 's/Corporate APN/Corporate APN 2/' "$W/ota.xml" >"$W/ota2.xml"
sign corp "$W/ota2.xml" "$W/ota2.der" PEM
$PY "$MKPUSH" --pkcs7 "$W/ota2.der" --ct-text --out "$W/ota2.wsp"
out=$(pb_provctl inject --json "$W/ota2.wsp" 2>&1)
expect_verdict "pushed PEM package (content type as text)" "$out" applied "" 8

# ---- what must not pass, and changes nothing ----
before=$(pb_provctl certs --json; pb_provctl settings --json 2>/dev/null)
sed 's/Corporate APN/Evil APN/' "$W/ota.xml" >"$W/evil.xml"
sign corp "$W/evil.xml" "$W/evil.der"
$PY - "$W/evil.der" <<'PY'
import sys
p = sys.argv[1]; b = bytearray(open(p, "rb").read())
i = b.find(b"Evil APN"); b[i] ^= 0x01           # one bit of the content
open(p + ".content", "wb").write(b)
b[i] ^= 0x01; b[-3] ^= 0x04                      # one bit of the signature
open(p + ".signature", "wb").write(b)
PY
out=$(pb_provctl install --json "$W/evil.der.content" 2>&1)
expect_verdict "flipped content bit" "$out" rejected bad-signature
out=$(pb_provctl install --json "$W/evil.der.signature" 2>&1)
expect_verdict "flipped signature bit" "$out" rejected bad-signature
sign stranger "$W/evil.xml" "$W/stranger.der"
out=$(pb_provctl install --json "$W/stranger.der" 2>&1)
expect_verdict "unknown signer" "$out" rejected untrusted-signer
$PY "$MKPUSH" --pkcs7 "$W/stranger.der" --out "$W/stranger.wsp"
out=$(pb_provctl inject --json "$W/stranger.wsp" 2>&1)
expect_verdict "unknown signer, pushed" "$out" rejected untrusted-signer
printf 'not a package' >"$W/garbage.bin"
out=$(pb_provctl install --json "$W/garbage.bin" 2>&1)
expect_verdict "garbage" "$out" rejected malformed
after=$(pb_provctl certs --json; pb_provctl settings --json 2>/dev/null)
check "rejected packages changed nothing" test "$before" = "$after"

# ---- Install needs root or group provboot ----
out=$(setpriv --reuid=nobody --regid=nogroup --clear-groups env DBUS_SYSTEM_BUS_ADDRESS="$PB_BUS" \
        "$PB_BUILD/provctl" install "$W/pkg.der" 2>&1)
rc=$?
check "Install refused to nobody (exit $rc)" test "$rc" -eq 77

# ---- the administrator's certs.d, loaded on reload (SIGHUP) ----
cp "$W/keys/admin.pem" "$W/conf/certs.d/admin.pem"
printf '[Certificate]\nStore=SPC\nFile=admin.pem\nRole=MANAGER|OPERATOR\n' >"$W/conf/certs.d/50-admin.conf"
kill -HUP "$PB_VERIFIERD_PID"
pb_wait_for 10 sh -c "DBUS_SYSTEM_BUS_ADDRESS=$PB_BUS $PB_BUILD/provctl certs --json | grep -q $ADMIN"
check "certs: administrator's certificate listed as admin, roles 12" \
        test "$(cert_field "$ADMIN" source)/$(cert_field "$ADMIN" roles)" = admin/12
sed 's/Corporate APN/Admin APN/' "$W/ota.xml" >"$W/adm.xml"
sign admin "$W/adm.xml" "$W/adm.der" SMIME
out=$(pb_provctl install --json "$W/adm.der" 2>&1)
expect_verdict "S/MIME package signed by the administrator's certificate" "$out" applied "" 12

pb_summary
