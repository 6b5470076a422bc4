#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""kannel-testdata.py: the test-data side of capture.sh (pushes from Kannel's sendota).

    kannel-testdata.py variants              lines 'VARIANT QUERY' for cgi-bin/sendota
    kannel-testdata.py nosec-query LOG PLAN NAME
                                             the cgi-bin/sendsms query that resends the
                                             body Kannel compiled for NAME without SEC/MAC
    kannel-testdata.py write LOG PLAN OUTDIR writes OUTDIR/<name>-<variant>.sms.hex and .wsp
                                             and OUTDIR/MANIFEST, verifying every MAC

LOG is fakesmsc's output, PLAN the 'NAME VARIANT' lines capture.sh sent, in order (one
push each, sent one at a time, so the n-th complete datagram belongs to the n-th line).

SEC variants (docs/wire-notes.md §5.1-5.8). Kannel 1.4.5 computes MAC = HMAC-SHA1(pin CGI
bytes, compiled WBXML) for every sec value, so the spec keys are passed as raw octets:
  netwpin      SEC 0, key = netwpin_key(IMSI 262011234567890) = 29 26 10 21 43 65 87 09
  userpin      SEC 1, key = "1234"
  usernetwpin  SEC 2, key = netwpin_key(IMSI) || "1234"
  userpinmac   SEC 3, MAC = HMAC("1234") as Kannel does it: NOT a ProvBoot USERPINMAC
               vector (the receiver derives check digits, 5.5)
  default      no sec/pin CGI variables: Kannel falls back to SEC 1 (USERPIN), pin "12345"
  nosec        Kannel's sendota cannot omit SEC/MAC, so the WSP PDU 01 06 01 B6 + the body
               Kannel compiled is sent through cgi-bin/sendsms (udh = 16-bit ports
               2948/2948, coding=1); Kannel does the segmentation and concatenation UDH."""
import hashlib
import hmac
import importlib.util
import os
import sys
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))


def _load(name, file):
    spec = importlib.util.spec_from_file_location(name, os.path.join(HERE, file))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


fsms = _load("fakesmsc2hex", "fakesmsc2hex.py")
mkdel = _load("make_deliver", "make-deliver.py")

IMSI = "262011234567890"
PIN = b"1234"
KANNEL_DEFAULT_PIN = b"12345"
WDP_PORT_PUSH = 2948          # WAP push connectionless (docs/wire-notes.md §1.4)
SEC_OCTET = {"NETWPIN": 0x80, "USERPIN": 0x81, "USERNETWPIN": 0x82, "USERPINMAC": 0x83}


def netwpin_key(imsi: str) -> bytes:
    """docs/wire-notes.md §5.3: EF_IMSI octets 2..9 (type/parity nibble, digits, F filler)."""
    d = [int(c) for c in imsi]
    nib = [0x9 if len(d) % 2 else 0x1] + d
    if len(nib) % 2:
        nib.append(0xF)
    return bytes(nib[i] | (nib[i + 1] << 4) for i in range(0, len(nib), 2))


NK = netwpin_key(IMSI)
# variant: (SEC name or "none", key bytes or None, key description, sendota query or None)
VARIANTS = {
    "netwpin": ("NETWPIN", NK,
                f"netwpin_key(IMSI {IMSI}) (docs/wire-notes.md §5.3), passed to Kannel as URL-encoded octets"),
    "userpin": ("USERPIN", PIN, 'ASCII user PIN "1234"'),
    "usernetwpin": ("USERNETWPIN", NK + PIN,
                    f'netwpin_key(IMSI {IMSI}) || ASCII "1234" (docs/wire-notes.md §5.4), URL-encoded octets'),
    "userpinmac": ("USERPINMAC", PIN,
                   'Kannel: MAC = HMAC-SHA1("1234", body); NOT a real USERPINMAC vector (5.5, 5.8)'),
    "default": ("USERPIN", KANNEL_DEFAULT_PIN,
                'no sec/pin given to sendota: Kannel defaults to USERPIN with pin "12345"'),
    "nosec": ("none", None, "no SEC/MAC: WSP 01 06 01 B6 + Kannel-compiled body, sent via cgi-bin/sendsms"),
}
ORDER = ["netwpin", "userpin", "usernetwpin", "userpinmac", "default", "nosec"]


def q(b: bytes) -> str:
    return urllib.parse.quote_from_bytes(b, safe="")


def sendota_query(variant: str) -> str:
    sec, key, _ = VARIANTS[variant]
    if variant == "default":
        return "type=oma-settings"
    return f"type=oma-settings&sec={sec}&pin={q(key)}"


def cmd_variants():
    for v in ORDER:
        if v != "nosec":
            print(v, sendota_query(v))


def load(log, plan):
    pushes = fsms.reassemble(fsms.parse_log(log))
    with open(plan) as f:
        lines = [ln.split() for ln in f if ln.strip()]
    if len(pushes) != len(lines):
        sys.exit(f"{len(pushes)} complete pushes in {log} but {len(lines)} sent")
    return [(name, var, p) for (name, var), p in zip(lines, pushes)]


def kannel_body(items, name):
    bodies = {fsms.split_wsp(p["wdp"])[3] for n, v, p in items if n == name and v != "nosec"}
    if len(bodies) != 1:
        sys.exit(f"{name}: {len(bodies)} different compiled bodies (expected exactly 1)")
    return bodies.pop()


def cmd_nosec_query(log, plan, name):
    body = kannel_body(load(log, plan), name)
    wsp = bytes([0x01, 0x06, 0x01, 0xB6]) + body   # TID 1, Push, headers: Content-Type 0x36
    udh = bytes([0x06, 0x05, 0x04]) + WDP_PORT_PUSH.to_bytes(2, "big") * 2
    print(f"udh={q(udh)}&coding=1&text={q(wsp)}")


def check_push(name, var, p, body_ref):
    sec, key, _ = VARIANTS[var]
    tid, pdu, hdr, body = fsms.split_wsp(p["wdp"])
    where = f"{name}-{var}"
    if p["ports"] != (WDP_PORT_PUSH, WDP_PORT_PUSH):
        sys.exit(f"{where}: ports {p['ports']}")
    if (tid, pdu) != (0x01, 0x06):
        sys.exit(f"{where}: TID/PDU {tid:02x}/{pdu:02x}")
    if body != body_ref:
        sys.exit(f"{where}: body differs from the other variants")
    if sec == "none":
        if hdr != b"\xb6":
            sys.exit(f"{where}: headers {hdr.hex()}")
        return "-"
    # 1F 2D B6 91 8x 92 <40 hex> 00 (docs/wire-notes.md §2.9.1)
    if len(hdr) != 47 or hdr[:4] != b"\x1f\x2d\xb6\x91" or hdr[4] != SEC_OCTET[sec] \
            or hdr[5] != 0x92 or hdr[46] != 0:
        sys.exit(f"{where}: unexpected header {hdr.hex()}")
    mac = hdr[6:46].decode("ascii")
    want = hmac.new(key, body, hashlib.sha1).hexdigest().upper()
    if mac != want:
        sys.exit(f"{where}: MAC {mac} != HMAC-SHA1({key.hex()}, body) {want}")
    return mac


def cmd_write(log, plan, out):
    items = load(log, plan)
    names = sorted({n for n, _, _ in items})
    bodies = {n: kannel_body(items, n) for n in names}
    rows = []
    for name, var, p in sorted(items, key=lambda t: (t[0], ORDER.index(t[1]))):
        mac = check_push(name, var, p, bodies[name])
        stem = f"{name}-{var}"
        with open(os.path.join(out, stem + ".sms.hex"), "w") as f:
            for udh, data in p["segments"]:
                f.write(mkdel.make_deliver(udh, data, p["sender"]).hex().upper() + "\n")
        with open(os.path.join(out, stem + ".wsp"), "wb") as f:
            f.write(p["wdp"])
        sec, key, desc = VARIANTS[var]
        keyd = f"hex:{key.hex().upper()} {desc}" if key is not None else f"- {desc}"
        rows.append((stem + ".sms.hex", sec, keyd, mac, name + ".xml", len(p["segments"])))
    with open(os.path.join(out, "MANIFEST"), "w") as f:
        f.write("# tests/data/kannel/MANIFEST: pushes captured from Kannel 1.4.5 (tools/kannel/capture.sh).\n"
                "# Tab-separated: file (SMS-DELIVER TPDUs, hex, one per line; the WSP PDU is the same\n"
                "# stem with .wsp), SEC (NETWPIN|USERPIN|USERNETWPIN|USERPINMAC|none), key ('hex:' + HMAC\n"
                "# key octets, then a description; '-' without SEC), MAC (40 upper-case hex, '-' without\n"
                "# SEC), XML source sent to sendota. Every MAC = HMAC-SHA1(key, WSP body), checked.\n")
        for r in rows:
            f.write("\t".join(r[:5]) + "\n")
    for r in rows:
        print(f"{r[0]:32s} {r[1]:12s} {r[5]} seg  {r[3]}")


def main(argv):
    if argv == ["variants"]:
        cmd_variants()
    elif len(argv) == 4 and argv[0] == "nosec-query":
        cmd_nosec_query(*argv[1:])
    elif len(argv) == 4 and argv[0] == "write":
        cmd_write(*argv[1:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
