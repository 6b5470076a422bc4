#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""make-deliver.py: build an SMS-DELIVER TPDU (3GPP TS 23.040 9.2.2.1) around one
captured MT segment (UDH + 8-bit user data), as a modem reports it in +CMT/+CMGR.

Adapted from the recipe in docs/testing.md §5.2. Usable as a module (make_deliver()) and as a tool:
    make-deliver.py [--smsc] UDH_HEX DATA_HEX [ORIG]
prints the TPDU in upper-case hex; with --smsc it prints '<tpdu_len> 00<tpdu>' (empty
SMSC address first, length without it, as AT+CMT PDU mode gives it).
The service-centre time stamp is fixed so regenerated files only differ where Kannel
itself differs (the concatenation reference)."""
import sys

# 2026-11-25 17:00:00 +00, semi-octets (23.040 9.2.3.11)
SCTS = bytes.fromhex("62115271000000")


def bcd(digits: str) -> bytes:
    """Address digits as semi-octets, low nibble first, F filler (23.040 9.1.2.3)."""
    d = digits + ("F" if len(digits) % 2 else "")
    return bytes(int(d[i + 1], 16) << 4 | int(d[i], 16) for i in range(0, len(d), 2))


def make_deliver(udh: bytes, data: bytes, orig: str = "12345") -> bytes:
    """One SMS-DELIVER TPDU, 8-bit data (DCS 04), TP-MMS set, TP-UDHI when udh is given."""
    ud = udh + data
    if len(ud) > 140:
        raise ValueError(f"user data {len(ud)} > 140 octets")
    fo = 0x04 | (0x40 if udh else 0)            # SMS-DELIVER, TP-MMS (no more messages), TP-UDHI
    toa = 0x91 if orig.startswith("+") else 0x81  # international / unknown TON, ISDN plan
    num = orig.lstrip("+")
    oa = bytes([len(num), toa]) + bcd(num)
    pid, dcs = 0x00, 0x04                       # 8-bit data, no message class
    return bytes([fo]) + oa + bytes([pid, dcs]) + SCTS + bytes([len(ud)]) + ud


def main(argv):
    smsc = False
    if argv and argv[0] == "--smsc":
        smsc, argv = True, argv[1:]
    if len(argv) not in (2, 3):
        sys.exit("usage: make-deliver.py [--smsc] UDH_HEX DATA_HEX [ORIG]")
    tpdu = make_deliver(bytes.fromhex(argv[0]), bytes.fromhex(argv[1]),
                        argv[2] if len(argv) > 2 else "12345")
    if smsc:
        print(len(tpdu), "00" + tpdu.hex().upper())
    else:
        print(tpdu.hex().upper())


if __name__ == "__main__":
    main(sys.argv[1:])
