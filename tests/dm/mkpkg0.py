#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""mkpkg0.py: build an OMA DM package 0 (server-alerted notification) for tests (test code only).

  mkpkg0.py --server-id ID --secret S --nonce-b64 N --session 0x1A2B [--ui 1] [--version 11]
            [--wrong-digest] [--truncate N] [--wsp] --out FILE

OMA-TS-DM_Notification-V1_2 §6.2: digest (16) || header (64 bits: version 10 | ui-mode 2 |
initiator 1 | future 27 | session-id 16 | id-length 8) || server id || vendor bytes; digest =
MD5(B64(MD5(server-id:secret)):nonce:B64(MD5(trigger))), nonce = the raw server nonce bytes.
--wsp wraps it in a connectionless WSP Push PDU (Content-Type 0x44
application/vnd.syncml.notification, X-Wap-Application-Id 0x07 x-wap-application:syncml.dm), the
form provctl inject and the modem stacks hand provd. Own vector (for the unit tests too):
dm.test / serversecret / SrvNonce / 0x1A2B -> 47e146a531312ca7b1d11609805ac301 02d80000001a2b07 ...
"""
import argparse
import base64
import hashlib


def pkg0(server_id, secret, nonce, session, ui=1, version=11, initiator=1, vendor=b""):
    sid = server_id.encode()
    hdr = (version << 54) | (ui << 52) | (initiator << 51) | (session << 8) | len(sid)
    trigger = hdr.to_bytes(8, "big") + sid + vendor
    h = lambda b: hashlib.md5(b).digest()
    b64 = base64.b64encode
    digest = h(b64(h(sid + b":" + secret.encode())) + b":" + nonce + b":" + b64(h(trigger)))
    return digest + trigger


def wsp(body):
    # TID 0x01, PDU type Push 0x06, HeadersLen 3: Content-Type 0xC4 (0x44), X-Wap-Application-Id
    # (0x2F | 0x80 = 0xAF) short integer 0x07 (0x87)
    return bytes([0x01, 0x06, 0x03, 0xC4, 0xAF, 0x87]) + body


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--server-id", required=True)
    ap.add_argument("--secret", required=True)
    ap.add_argument("--nonce-b64", required=True)
    ap.add_argument("--session", required=True, type=lambda v: int(v, 0))
    ap.add_argument("--ui", type=int, default=1)
    ap.add_argument("--version", type=int, default=11)
    ap.add_argument("--wrong-digest", action="store_true")
    ap.add_argument("--truncate", type=int, default=0, help="drop this many bytes at the end")
    ap.add_argument("--wsp", action="store_true")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    p = pkg0(a.server_id, a.secret, base64.b64decode(a.nonce_b64), a.session, a.ui, a.version)
    if a.wrong_digest:
        p = bytes([p[0] ^ 1]) + p[1:]
    if a.truncate:
        p = p[:-a.truncate]
    if a.wsp:
        p = wsp(p)
    with open(a.out, "wb") as f:
        f.write(p)


if __name__ == "__main__":
    main()
