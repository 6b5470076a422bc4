#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""mkpush.py: build OMA CP test pushes the way an operator's server would.

Compiles a provisioning XML document to WBXML with libwbxml's xml2wbxml (or takes a WBXML or
XML body as is), computes the ProvBoot MAC (docs/wire-notes.md §5: HMAC-SHA1 over the body; NETWPIN
key = IMSI in EF_IMSI semi-octet form, USERPIN = PIN ASCII, USERNETWPIN = both, USERPINMAC =
PIN, whose check digits are printed), wraps it in a WSP Push PDU (Content-Type 0xB6 or 0xB5 with
SEC and MAC parameters) and optionally splits it into SMS-DELIVER TPDUs (port 2948, 8-bit
concatenation) printed as hex lines.

  mkpush.py --xml doc.xml --sec netwpin --imsi 262011234567890 --out push.wsp
  mkpush.py --xml doc.xml --sec userpin --pin 1234 --sms --out push.sms.hex
  mkpush.py --xml doc.xml --sec none --format xml --out push.wsp      (text XML body)
  mkpush.py --wsp mms.wsp --sms --out mms.sms.hex                        (any WSP push, as is)
  mkpush.py --pkcs7 package.der --out push.wsp                          (a signed package,
      Content-Type application/pkcs7-mime as the well-known code 0x37, or as text with --ct-text)
"""
import argparse
import hashlib
import hmac
import os
import subprocess
import sys
import tempfile

SEC = {"netwpin": 0, "userpin": 1, "usernetwpin": 2, "userpinmac": 3, "none": None}


def netwpin_key(imsi):
    d = [int(c) for c in imsi]
    nib = [0x9 if len(d) % 2 else 0x1] + d
    if len(nib) % 2:
        nib.append(0xF)
    return bytes(nib[i] | (nib[i + 1] << 4) for i in range(0, len(nib), 2))


def uintvar(n):
    out = [n & 0x7F]
    n >>= 7
    while n:
        out.append(0x80 | (n & 0x7F))
        n >>= 7
    return bytes(reversed(out))


def compile_wbxml(xml_path):
    with tempfile.TemporaryDirectory() as t:
        out = os.path.join(t, "out.wbxml")
        subprocess.run(["xml2wbxml", "-v", "1.3", "-n", "-o", out, xml_path], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return open(out, "rb").read()


def wsp_push(body, sec, mac_hex, xml_body, tid=1, media=None):
    params = b""
    if sec is not None:
        params += bytes([0x91, 0x80 | sec])
        if mac_hex:
            params += b"\x92" + mac_hex.encode() + b"\x00"
    if media is None:
        media = bytes([0xB5 if xml_body else 0xB6])
    value = media + params
    if len(value) <= 30:
        ct = bytes([len(value)]) + value
    else:
        ct = b"\x1f" + uintvar(len(value)) + value
    return bytes([tid, 0x06]) + uintvar(len(ct)) + ct + body


def sms_tpdus(wsp, sender, ref):
    def bcd(d):
        d = d + ("F" if len(d) % 2 else "")
        return bytes(int(d[i + 1], 16) << 4 | int(d[i], 16) for i in range(0, len(d), 2))
    intl = sender.startswith("+")
    digits = sender.lstrip("+")
    oa = bytes([len(digits), 0x91 if intl else 0x81]) + bcd(digits)
    scts = bytes.fromhex("62115271000000")
    per = 128
    chunks = [wsp[i:i + per] for i in range(0, len(wsp), per)] or [b""]
    out = []
    for i, c in enumerate(chunks):
        if len(chunks) == 1:
            udh = bytes([0x06, 0x05, 0x04, 0x0B, 0x84, 0x23, 0xF0])
        else:
            udh = bytes([0x0B, 0x05, 0x04, 0x0B, 0x84, 0x23, 0xF0, 0x00, 0x03, ref, len(chunks), i + 1])
        ud = udh + c
        tpdu = bytes([0x44]) + oa + bytes([0x00, 0x04]) + scts + bytes([len(ud)]) + ud
        out.append(tpdu.hex().upper())
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--xml", help="provisioning document (XML), compiled to WBXML unless --format xml")
    src.add_argument("--wbxml", help="WBXML body file")
    src.add_argument("--pkcs7", help="a signed package (CMS) as the body: application/pkcs7-mime")
    src.add_argument("--wsp", help="a whole WSP push PDU, taken as it is (e.g. an MMS notification): only "
                     "--sms applies")
    ap.add_argument("--ct-text", action="store_true",
                    help="with --pkcs7: send the content type as text instead of the code 0x37")
    ap.add_argument("--format", choices=["wbxml", "xml"], default="wbxml")
    ap.add_argument("--sec", choices=list(SEC), default="none")
    ap.add_argument("--imsi", default="262011234567890")
    ap.add_argument("--pin", default="1234")
    ap.add_argument("--mac", help="use this MAC text instead of computing one (for forgeries)")
    ap.add_argument("--flip-bit", type=int, help="flip this bit of the body after computing the MAC")
    ap.add_argument("--flip-in", help="flip the lowest bit of the first octet of this text in the body "
                    "after computing the MAC (keeps the document well-formed)")
    ap.add_argument("--sms", action="store_true", help="print SMS-DELIVER TPDUs as hex lines")
    ap.add_argument("--sender", default="+4917012345")
    ap.add_argument("--ref", type=lambda s: int(s, 0), default=0x5A)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()

    if a.wsp:
        pdu = open(a.wsp, "rb").read()
        if a.sms:
            open(a.out, "w").write("\n".join(sms_tpdus(pdu, a.sender, a.ref)) + "\n")
        else:
            open(a.out, "wb").write(pdu)
        return
    media = None
    if a.pkcs7:
        body = open(a.pkcs7, "rb").read()
        media = b"application/pkcs7-mime\x00" if a.ct_text else bytes([0xB7])
    elif a.xml and a.format == "xml":
        body = open(a.xml, "rb").read()
    elif a.xml:
        body = compile_wbxml(a.xml)
    else:
        body = open(a.wbxml, "rb").read()
    sec = SEC[a.sec]
    key = None
    if sec == 0:
        key = netwpin_key(a.imsi)
    elif sec in (1, 3):
        key = a.pin.encode()
    elif sec == 2:
        key = netwpin_key(a.imsi) + a.pin.encode()
    mac = None
    if key is not None:
        mac = hmac.new(key, body, hashlib.sha1).hexdigest().upper()
    if a.mac is not None:
        mac = a.mac
    if sec == 3:
        m = hmac.new(a.pin.encode(), body, hashlib.sha1).digest()
        digits = "".join(str(m[i] % 10) for i in range(len(a.pin)))
        print("USERPINMAC: the user types %s%s" % (a.pin, digits), file=sys.stderr)
    if a.flip_bit is not None:
        b = bytearray(body)
        b[a.flip_bit // 8] ^= 1 << (a.flip_bit % 8)
        body = bytes(b)
    if a.flip_in is not None:
        i = body.find(a.flip_in.encode())
        if i < 0:
            sys.exit("mkpush: '%s' not in the body" % a.flip_in)
        b = bytearray(body)
        b[i] ^= 1
        body = bytes(b)
    pdu = wsp_push(body, sec, mac, a.format == "xml", media=media)
    if a.sms:
        open(a.out, "w").write("\n".join(sms_tpdus(pdu, a.sender, a.ref)) + "\n")
    else:
        open(a.out, "wb").write(pdu)


if __name__ == "__main__":
    main()
