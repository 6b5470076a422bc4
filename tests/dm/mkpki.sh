#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# mkpki.sh OUTDIR: a fresh test PKI for the DM route's TLS tests (docs/architecture.md §2.4.1).
# Every run makes new keys (EC P-256); nothing is checked in. OUTDIR gets:
#   ca.pem ca.key                 the good CA ([DM] TrustFile= in the tests)
#   rogue-ca.pem rogue-ca.key     a CA nobody trusts
#   server.pem server.key         good CA, SAN DNS:dm.test DNS:localhost IP:127.0.0.1, valid now
#   rogue.pem rogue.key           the same names, issued by the rogue CA
#   expired.pem expired.key       good CA, the same names, valid only in January 2020
#   wrong-name.pem wrong-name.key good CA, valid now, SAN DNS:wrong.test only
#   cn-only.pem cn-only.key       good CA, valid now, NO subjectAltName, subject CN=dm.test
# Only the openssl command-line tool is needed (Debian's openssl package).
set -eu
out=${1:?usage: mkpki.sh OUTDIR}
mkdir -p "$out"
cd "$out"
umask 077

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1.key" 2>/dev/null; }
ca() { # ca NAME SUBJECT
        key "$1"
        openssl req -x509 -new -key "$1.key" -sha256 -days 30 -subj "$2" \
                -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
                -out "$1.pem" 2>/dev/null
}
ext() { # ext SAN -> extension file for a TLS server certificate
        printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=%s\n' "$1" >"ext.cnf"
}
leaf() { # leaf NAME CA SAN: valid from now for 30 days
        key "$1"
        openssl req -new -key "$1.key" -subj "/CN=$1" -out "$1.csr" 2>/dev/null
        ext "$3"
        openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" -CAcreateserial -sha256 -days 30 \
                -extfile ext.cnf -out "$1.pem" 2>/dev/null
        rm -f "$1.csr"
}
NAMES="DNS:dm.test,DNS:localhost,IP:127.0.0.1"

ca ca "/CN=provboot test DM CA"
ca rogue-ca "/CN=provboot rogue CA"
leaf server ca "$NAMES"
leaf rogue rogue-ca "$NAMES"
leaf wrong-name ca "DNS:wrong.test"
# cn-only: the host name only in the subject's CN (the legacy fallback a client must not take)
key cn-only
openssl req -new -key cn-only.key -subj "/CN=dm.test" -out cn-only.csr 2>/dev/null
printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n' >ext.cnf
openssl x509 -req -in cn-only.csr -CA ca.pem -CAkey ca.key -CAcreateserial -sha256 -days 30 \
        -extfile ext.cnf -out cn-only.pem 2>/dev/null
rm -f cn-only.csr

# expired: `openssl x509 -req` cannot back-date (no -not_before before OpenSSL 3.4), `openssl ca`
# can (-startdate/-enddate)
key expired
openssl req -new -key expired.key -subj "/CN=expired" -out expired.csr 2>/dev/null
mkdir -p ca.db && : >ca.db/index.txt && echo 1000 >ca.db/serial
cat >ca.cnf <<CNF
[ca]
default_ca = test
[test]
database = ca.db/index.txt
serial = ca.db/serial
new_certs_dir = ca.db
default_md = sha256
policy = any
copy_extensions = none
unique_subject = no
[any]
commonName = supplied
[ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = $NAMES
CNF
openssl ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key -in expired.csr -out expired.pem \
        -startdate 20200101000000Z -enddate 20200201000000Z -extensions ext -notext 2>/dev/null
rm -rf expired.csr ca.db ca.cnf ext.cnf ./*.srl
chmod 0644 ./*.pem
chmod 0600 ./*.key
# the server runs as the invoking user; the keys are test keys and never leave OUTDIR
for f in server rogue expired wrong-name cn-only; do
        openssl verify -CAfile ca.pem "$f.pem" >/dev/null 2>&1 || [ "$f" != server ] || {
                echo "mkpki.sh: server.pem does not verify" >&2; exit 1; }
done
