#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""canary.py: look for secret canaries (docs/testing.md §7.5) in a process image, files
and captured D-Bus traffic.

  canary.py patterns IMSI PIN                 -> "NAME HEX" lines: every form of the secrets
  canary.py scan-mem PID PATTERNS [NAME=HEX]  -> scan all readable mappings of PID (/proc/PID/mem)
  canary.py scan-files PATTERNS FILE...       -> scan files
  canary.py pcap-sent PCAP UNIQUE-NAME OUT    -> write the raw D-Bus messages whose SENDER is
                                                 UNIQUE-NAME from a `busctl capture` pcap to OUT;
                                                 prints "messages N members M1,M2,..."
  canary.py contains FILE HEX                 -> exit 0 if FILE contains the bytes

Scans print one line per hit ("HIT name where offset") and a closing "hits N (scanned B bytes)";
they exit 1 on any hit. Extra NAME=HEX arguments of scan-mem are positive controls: they must be
found (exit 3 if one is missing), which proves the scan saw the memory at all.

Forms of the secrets (docs/wire-notes.md §5.3, §5.4): the IMSI in ASCII, UTF-16LE/BE, as the EF_IMSI
semi-octet NETWPIN key (parity nibble first, nibble-swapped digits, F filler), as plain swapped
BCD digits without the parity nibble, and its key's last 7 octets alone; the PIN in ASCII and
UTF-16LE/BE; the USERNETWPIN key (NETWPIN key || PIN); and the HMAC-SHA1 pad forms of every key
(key XOR 0x36 / 0x5c, the inner and outer key blocks an HMAC implementation keeps).
"""
import struct
import sys


def netwpin_key(imsi):
    d = [int(c) for c in imsi]
    nib = [0x9 if len(d) % 2 else 0x1] + d
    if len(nib) % 2:
        nib.append(0xF)
    return bytes(nib[i] | (nib[i + 1] << 4) for i in range(0, len(nib), 2))


def swapped_bcd(digits):
    d = digits + ("F" if len(digits) % 2 else "")
    return bytes(int(d[i + 1], 16) << 4 | int(d[i], 16) for i in range(0, len(d), 2))


def patterns(imsi, pin):
    nk = netwpin_key(imsi)
    out = [
        ("imsi-ascii", imsi.encode()),
        ("imsi-utf16le", imsi.encode("utf-16-le")),
        ("imsi-utf16be", imsi.encode("utf-16-be")),
        ("imsi-semioctet-key", nk),
        ("imsi-semioctet-tail", nk[1:]),
        ("imsi-swapped-bcd", swapped_bcd(imsi)),
        ("pin-ascii", pin.encode()),
        ("pin-utf16le", pin.encode("utf-16-le")),
        ("pin-utf16be", pin.encode("utf-16-be")),
        ("usernetwpin-key", nk + pin.encode()),
    ]
    for name, key in (("netwpin", nk), ("userpin", pin.encode()), ("usernetwpin", nk + pin.encode())):
        out.append((name + "-hmac-ipad", bytes(b ^ 0x36 for b in key)))
        out.append((name + "-hmac-opad", bytes(b ^ 0x5C for b in key)))
    return out


def load_patterns(path):
    pats = []
    for line in open(path):
        line = line.strip()
        if line and not line.startswith("#"):
            name, hx = line.split()
            pats.append((name, bytes.fromhex(hx)))
    return pats


def find_all(data, pat):
    i = data.find(pat)
    while i >= 0:
        yield i
        i = data.find(pat, i + 1)


def scan(chunks, pats):
    """chunks: iterable of (where, base, bytes). Returns (hits, scanned, found-names)."""
    hits, scanned, found = 0, 0, set()
    for where, base, data in chunks:
        scanned += len(data)
        for name, pat in pats:
            for off in find_all(data, pat):
                found.add(name)
                if not name.startswith("control:"):
                    hits += 1
                    if hits <= 50:
                        print("HIT %s %s 0x%x" % (name, where, base + off))
    return hits, scanned, found


def mem_chunks(pid):
    with open("/proc/%s/maps" % pid) as maps, open("/proc/%s/mem" % pid, "rb", 0) as mem:
        for line in maps:
            f = line.split()
            if "r" not in f[1]:
                continue
            start, end = (int(x, 16) for x in f[0].split("-"))
            name = f[5] if len(f) > 5 else "[anon]"
            if name in ("[vvar]", "[vvar_vclock]", "[vsyscall]"):
                continue
            try:
                mem.seek(start)
                data = mem.read(end - start)
            except (OSError, ValueError, OverflowError):
                continue
            yield (name, start, data)


def dbus_sender(msg):
    """The SENDER header field (code 7) of one marshalled D-Bus message, and its MEMBER (3)."""
    endian = "<" if msg[0:1] == b"l" else ">"
    fields_len = struct.unpack(endian + "I", msg[12:16])[0]
    pos, end = 16, 16 + fields_len
    out = {}
    while pos < end:
        pos = (pos + 7) & ~7
        if pos >= end:
            break
        code = msg[pos]
        siglen = msg[pos + 1]
        sig = msg[pos + 2:pos + 2 + siglen].decode()
        pos = pos + 2 + siglen + 1
        if sig in ("s", "o"):
            pos = (pos + 3) & ~3
            n = struct.unpack(endian + "I", msg[pos:pos + 4])[0]
            out[code] = msg[pos + 4:pos + 4 + n].decode(errors="replace")
            pos += 4 + n + 1
        elif sig == "g":
            n = msg[pos]
            out[code] = msg[pos + 1:pos + 1 + n].decode(errors="replace")
            pos += 1 + n + 1
        elif sig in ("u", "h"):
            pos = (pos + 3) & ~3
            out[code] = struct.unpack(endian + "I", msg[pos:pos + 4])[0]
            pos += 4
        else:
            raise ValueError("unexpected header field signature %r" % sig)
    return out.get(7), out.get(3)


def pcap_messages(path):
    """Packets of a pcap or pcapng file (busctl capture writes pcapng, dbus-monitor --pcap pcap)."""
    data = open(path, "rb").read()
    if len(data) < 24:
        return
    if data[:4] == b"\x0a\x0d\x0d\x0a":
        endian = "<" if data[8:12] == b"\x4d\x3c\x2b\x1a" else ">"
        pos = 0
        while pos + 12 <= len(data):
            btype, blen = struct.unpack(endian + "II", data[pos:pos + 8])
            if blen < 12 or pos + blen > len(data):
                break
            if btype == 6:  # Enhanced Packet Block
                caplen = struct.unpack(endian + "I", data[pos + 20:pos + 24])[0]
                yield data[pos + 28:pos + 28 + caplen]
            elif btype == 3:  # Simple Packet Block
                plen = struct.unpack(endian + "I", data[pos + 8:pos + 12])[0]
                yield data[pos + 12:pos + 12 + min(plen, blen - 16)]
            pos += blen
        return
    magic = struct.unpack("<I", data[:4])[0]
    endian = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    pos = 24
    while pos + 16 <= len(data):
        _, _, incl, _ = struct.unpack(endian + "IIII", data[pos:pos + 16])
        pos += 16
        yield data[pos:pos + incl]
        pos += incl


def main():
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    if cmd == "patterns":
        for name, pat in patterns(sys.argv[2], sys.argv[3]):
            print(name, pat.hex())
        return 0
    if cmd == "scan-mem":
        pats = load_patterns(sys.argv[3])
        controls = []
        for a in sys.argv[4:]:
            n, hx = a.split("=", 1)
            controls.append(("control:" + n, bytes.fromhex(hx)))
        hits, scanned, found = scan(mem_chunks(sys.argv[2]), pats + controls)
        print("hits %d (scanned %d bytes)" % (hits, scanned))
        missing = [n for n, _ in controls if n not in found]
        if missing:
            print("positive control(s) not found: %s" % " ".join(missing))
            return 3
        return 1 if hits else 0
    if cmd == "scan-files":
        pats = load_patterns(sys.argv[2])
        hits, scanned, found = scan(((p, 0, open(p, "rb").read()) for p in sys.argv[3:]), pats)
        print("hits %d, forms %d (scanned %d bytes)" % (hits, len(found), scanned))
        return 1 if hits else 0
    if cmd == "pcap-sent":
        n, members = 0, set()
        with open(sys.argv[4], "wb") as out:
            for msg in pcap_messages(sys.argv[2]):
                sender, member = dbus_sender(msg)
                if sender == sys.argv[3]:
                    n += 1
                    members.add(member or "-")
                    out.write(msg)
        print("messages %d members %s" % (n, ",".join(sorted(members))))
        return 0
    if cmd == "contains":
        return 0 if bytes.fromhex(sys.argv[3]) in open(sys.argv[2], "rb").read() else 1
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
