#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""fakesmsc2hex.py: turn Kannel fakesmsc 'Got message' log lines into hex segments and
reassembled WDP datagrams / WSP pushes.

Adapted from the recipe in docs/testing.md §5.2. fakesmsc (run with its default log level) prints every
MT SMS as 'Got message N: <SENDER RECEIVER udh UDH-URLENC DATA-URLENC>' (or 'data'/'text'
without a UDH). Usable as a module (parse_log(), reassemble(), split_wsp()) and as a tool:
    fakesmsc2hex.py LOG          one 'SMS ...' line per segment, one 'PUSH ...' per datagram
    fakesmsc2hex.py --count LOG  number of complete datagrams"""
import re
import sys
import urllib.parse

LINE = re.compile(r"Got message \d+: <(\S+) (\S+) (udh|data|text) (.*)>$")


def _dec(s: str) -> bytes:
    return urllib.parse.unquote_to_bytes(s.replace("+", " "))


def parse_log(path):
    """List of (sender, receiver, udh bytes, data bytes) in log order."""
    msgs = []
    with open(path, encoding="latin-1") as f:
        for line in f:
            m = LINE.search(line.rstrip("\n"))
            if not m:
                continue
            snd, rcv, typ, rest = m.groups()
            if typ == "udh":
                udh, sep, data = rest.partition(" data ")  # 'udh UDH data DATA'
                if not sep:
                    raise ValueError("fakesmsc line without data: " + line)
            else:
                udh, data = "", rest
            msgs.append((snd, rcv, _dec(udh), _dec(data)))
    return msgs


def udh_ies(udh: bytes):
    """{iei: value} of a UDH (first octet = UDHL); the last occurrence wins."""
    ies, i = {}, 1
    end = 1 + udh[0] if udh else 0
    while i + 1 < end:
        iei, ln = udh[i], udh[i + 1]
        ies[iei] = udh[i + 2:i + 2 + ln]
        i += 2 + ln
    return ies


def reassemble(msgs):
    """Complete datagrams in completion order: dicts with sender, receiver, ports
    (dst, src) or None, segments [(udh, data)] in seq order, wdp (joined data).
    Incomplete groups are dropped. A reference is reused once its group completed."""
    done, open_groups = [], {}
    for snd, rcv, udh, data in msgs:
        ies = udh_ies(udh)
        ports = None
        if 5 in ies:
            ports = (int.from_bytes(ies[5][0:2], "big"), int.from_bytes(ies[5][2:4], "big"))
        elif 4 in ies:
            ports = (ies[4][0], ies[4][1])
        if 0 in ies or 8 in ies:
            c = ies[0] if 0 in ies else ies[8]
            ref = c[0] if 0 in ies else int.from_bytes(c[0:2], "big")
            tot, seq = c[-2], c[-1]
            key = (snd, rcv, 8 in ies, ref)
            g = open_groups.setdefault(key, {"sender": snd, "receiver": rcv, "ports": ports,
                                             "total": tot, "parts": {}})
            g["parts"][seq] = (udh, data)
            if len(g["parts"]) == g["total"]:
                segs = [g["parts"][k] for k in sorted(g["parts"])]
                done.append({"sender": snd, "receiver": rcv, "ports": g["ports"],
                             "segments": segs, "wdp": b"".join(d for _, d in segs)})
                del open_groups[key]
        else:
            done.append({"sender": snd, "receiver": rcv, "ports": ports,
                         "segments": [(udh, data)], "wdp": data})
    return done


def uintvar(b: bytes, i: int):
    v = 0
    for n in range(5):
        c = b[i + n]
        v = v << 7 | (c & 0x7F)
        if not c & 0x80:
            return v, i + n + 1
    raise ValueError("uintvar longer than 5 octets")


def split_wsp(wdp: bytes):
    """(tid, pdu_type, header bytes, body) of a connectionless WSP Push."""
    tid, pdu = wdp[0], wdp[1]
    hl, i = uintvar(wdp, 2)
    return tid, pdu, wdp[i:i + hl], wdp[i + hl:]


def main(argv):
    if len(argv) == 2 and argv[0] == "--count":
        print(len(reassemble(parse_log(argv[1]))))
        return
    if len(argv) != 1:
        sys.exit("usage: fakesmsc2hex.py [--count] LOG")
    msgs = parse_log(argv[0])
    for snd, rcv, udh, data in msgs:
        print(f"SMS {snd}->{rcv} UDH={udh.hex()} DATA={data.hex()}")
    for d in reassemble(msgs):
        tid, pdu, hdr, body = split_wsp(d["wdp"])
        ports = "%04x%04x" % d["ports"] if d["ports"] else None
        print(f"PUSH ports={ports} tid={tid:02x} pdu={pdu:02x} headers={hdr.hex()} body={body.hex()}")


if __name__ == "__main__":
    main(sys.argv[1:])
