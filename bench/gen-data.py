#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""gen-data.py: regenerate the decode benchmark inputs in bench/data/ (docs/testing.md §6.1).

    bench/gen-data.py        writes cp-typical.{xml,wbxml,wsp} and cp-large.{xml,wbxml,wsp}

cp-typical: BOOTSTRAP; NAPDEF x2, one with NAPAUTHINFO; PXLOGICAL > PXPHYSICAL > PORT;
APPLICATION w2 (with RESOURCE), w4 and w7 (with 2 x APPAUTH): about 60 elements, about 830 B
of WBXML after `xml2wbxml -v 1.3` (string table on).
cp-large: 294 x (NAPDEF + NAPAUTHINFO + APPLICATION w2 + RESOURCE), about 64 KB of WBXML.
The .wsp files wrap the WBXML in a connectionless WSP Push PDU laid out as Kannel's sendota
does it (docs/wire-notes.md §2.9.1): 01 06 <uintvar> 1F 2D B6 91 81 92 <40 hex> 00, SEC=USERPIN,
MAC = HMAC-SHA1("1234", body). Needs libwbxml2-utils (xml2wbxml)."""
import hashlib
import hmac
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")
HEAD = ('<?xml version="1.0"?>\n'
        '<!DOCTYPE wap-provisioningdoc PUBLIC "-//WAPFORUM//DTD PROV 1.0//EN" '
        '"http://www.wapforum.org/DTD/prov.dtd">\n'
        '<wap-provisioningdoc version="1.1">\n')
TAIL = "</wap-provisioningdoc>\n"


def char(ind, typ, parms, children=()):
    pad = "  " * ind
    s = f'{pad}<characteristic type="{typ}">\n'
    for p in parms:
        if isinstance(p, tuple):
            s += f'{pad}  <parm name="{p[0]}" value="{p[1]}"/>\n'
        else:
            s += f'{pad}  <parm name="{p}"/>\n'
    for c in children:
        s += c
    return s + f"{pad}</characteristic>\n"


def typical():
    d = HEAD
    d += char(1, "BOOTSTRAP", [("NAME", "Example Operator Ltd"), ("PROVURL", "http://prov.example.com/tps/bootstrap"),
                               ("CONTEXT-ALLOW", "1")])
    d += char(1, "NAPDEF", [("NAPID", "INTERNET"), ("BEARER", "GSM-GPRS"), ("NAME", "Example Internet"),
                            ("NAP-ADDRESS", "internet.example.com"), ("NAP-ADDRTYPE", "APN")],
              [char(2, "NAPAUTHINFO", [("AUTHTYPE", "PAP"), ("AUTHNAME", "internetuser"),
                                       ("AUTHSECRET", "internetpass")])])
    d += char(1, "NAPDEF", [("NAPID", "MMSNAP"), ("BEARER", "GSM-GPRS"), ("NAME", "Example MMS access"),
                            ("NAP-ADDRESS", "mms.example.com"), ("NAP-ADDRTYPE", "APN")])
    d += char(1, "PXLOGICAL", [("PROXY-ID", "proxy.example.com"), ("NAME", "Example proxy"),
                               ("STARTPAGE", "http://wap.example.com/")],
              [char(2, "PXPHYSICAL", [("PHYSICAL-PROXY-ID", "PROXY1"), ("PXADDR", "10.11.12.13"),
                                      ("PXADDRTYPE", "IPV4"), ("TO-NAPID", "MMSNAP")],
                    [char(3, "PORT", [("PORTNBR", "8080"), ("SERVICE", "CO-WSP")])])])
    d += char(1, "APPLICATION", [("APPID", "w2"), ("TO-PROXY", "proxy.example.com"), ("NAME", "Example browser")],
              [char(2, "RESOURCE", [("URI", "http://wap.example.com/"), ("NAME", "Example home"), "STARTPAGE"])])
    d += char(1, "APPLICATION", [("APPID", "w4"), ("TO-PROXY", "proxy.example.com"),
                                 ("ADDR", "http://mms.example.com/mms")])
    d += char(1, "APPLICATION", [("APPID", "w7"), ("PROVIDER-ID", "dm.example.com"), ("NAME", "Example DM"),
                                 ("ADDR", "https://dm.example.com:443/dm"), ("TO-NAPID", "INTERNET")],
              [char(2, "APPAUTH", [("AAUTHLEVEL", "APPSRV"), ("AAUTHTYPE", "DIGEST"), ("AAUTHNAME", "dmclient"),
                                   ("AAUTHSECRET", "clientsecret"), ("AAUTHDATA", "Y2xpZW50bm9uY2U=")]),
               char(2, "APPAUTH", [("AAUTHLEVEL", "CLIENT"), ("AAUTHTYPE", "DIGEST"), ("AAUTHNAME", "dmserver"),
                                   ("AAUTHSECRET", "serversecret"), ("AAUTHDATA", "c2VydmVybm9uY2U=")])])
    return d + TAIL


def large(n=294):
    d = HEAD
    for i in range(n):
        d += char(1, "NAPDEF", [("NAPID", f"NAP{i:04d}"), ("BEARER", "GSM-GPRS"), ("NAME", f"Example access {i:04d}"),
                                ("NAP-ADDRESS", f"apn{i:04d}.example.com"), ("NAP-ADDRTYPE", "APN")],
                  [char(2, "NAPAUTHINFO", [("AUTHTYPE", "PAP"), ("AUTHNAME", f"user{i:04d}"),
                                           ("AUTHSECRET", f"secret{i:04d}")])])
        d += char(1, "APPLICATION", [("APPID", "w2"), ("TO-NAPID", f"NAP{i:04d}"), ("NAME", f"Browser {i:04d}")],
                  [char(2, "RESOURCE", [("URI", f"http://portal{i:04d}.example.com/index.html"),
                                        ("NAME", f"Portal {i:04d}")])])
    return d + TAIL


def wsp_push(body: bytes) -> bytes:
    mac = hmac.new(b"1234", body, hashlib.sha1).hexdigest().upper().encode()
    ct = b"\xb6\x91\x81\x92" + mac + b"\x00"          # connectivity-wbxml; SEC=USERPIN; MAC
    hdr = b"\x1f" + bytes([len(ct)]) + ct             # Length-quote + value length (45 < 128)
    assert len(hdr) < 128
    return bytes([0x01, 0x06, len(hdr)]) + hdr + body  # TID, Push, HeadersLen (1-octet uintvar)


def count(xml: str) -> int:
    return 1 + xml.count("<characteristic ") + xml.count("<parm ")


def main():
    for name, xml in (("cp-typical", typical()), ("cp-large", large())):
        x = os.path.join(DATA, name + ".xml")
        w = os.path.join(DATA, name + ".wbxml")
        with open(x, "w") as f:
            f.write(xml)
        subprocess.run(["xml2wbxml", "-v", "1.3", "-o", w, x], check=True, stderr=subprocess.DEVNULL)
        body = open(w, "rb").read()
        with open(os.path.join(DATA, name + ".wsp"), "wb") as f:
            f.write(wsp_push(body))
        print(f"{name}: {len(xml)} B XML, {count(xml)} elements -> {len(body)} B WBXML", file=sys.stderr)


if __name__ == "__main__":
    main()
