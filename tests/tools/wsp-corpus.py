#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""wsp-corpus.py WSP...: one line per WSP push PDU, "NAME SEC MAC|- CONTENT-TYPE BODYHEX", with
SEC (-1 when absent) and MAC taken from the Content-Type parameters (docs/wire-notes.md: 0x91 SEC,
0x92 MAC) and the body after the headers: the corpus tests/tools/hostile-submit.c reads."""
import os
import sys


def uintvar(d, i):
    n = 0
    while True:
        n = (n << 7) | (d[i] & 0x7F)
        if not d[i] & 0x80:
            return n, i + 1
        i += 1


def parse(d):
    hlen, i = uintvar(d, 2)
    hdr, body = d[i:i + hlen], d[i + hlen:]
    if hdr[0] < 0x1F:
        val = hdr[1:1 + hdr[0]]
    elif hdr[0] == 0x1F:
        vlen, j = uintvar(hdr, 1)
        val = hdr[j:j + vlen]
    else:
        val = hdr[:1]
    media = val[0] & 0x7F if val[0] >= 0x80 else None
    ct = {0x36: "application/vnd.wap.connectivity-wbxml", 0x35: "text/vnd.wap.connectivity-xml"}.get(media)
    sec, mac, j = -1, "-", 1
    while j < len(val):
        if val[j] == 0x91:
            sec = val[j + 1] & 0x7F
            j += 2
        elif val[j] == 0x92:
            k = val.index(0, j + 1)
            mac = val[j + 1:k].decode()
            j = k + 1
        else:
            break
    return sec, mac, ct, body


for f in sys.argv[1:]:
    sec, mac, ct, body = parse(open(f, "rb").read())
    if ct:
        print(os.path.basename(f), sec, mac, ct, body.hex())
