#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""siphash.py KEYFILE FILE: SipHash-2-4 of FILE's bytes under KEYFILE's 16 bytes, printed as 16
lower-case hex digits: the digest provd's quarantine stores (provd/quarantine.h: in-flight
marker and quarantine.list lines). Checked against the SipHash paper's Appendix A vector."""
import struct
import sys

M = (1 << 64) - 1


def rotl(x, b):
    return ((x << b) | (x >> (64 - b))) & M


def siphash24(key, data):
    k0, k1 = struct.unpack("<QQ", key)
    v = [k0 ^ 0x736F6D6570736575, k1 ^ 0x646F72616E646F6D, k0 ^ 0x6C7967656E657261, k1 ^ 0x7465646279746573]

    def rnd():
        v[0] = (v[0] + v[1]) & M; v[1] = rotl(v[1], 13) ^ v[0]; v[0] = rotl(v[0], 32)
        v[2] = (v[2] + v[3]) & M; v[3] = rotl(v[3], 16) ^ v[2]
        v[0] = (v[0] + v[3]) & M; v[3] = rotl(v[3], 21) ^ v[0]
        v[2] = (v[2] + v[1]) & M; v[1] = rotl(v[1], 17) ^ v[2]; v[2] = rotl(v[2], 32)

    n = len(data) // 8 * 8
    for i in range(0, n, 8):
        m, = struct.unpack("<Q", data[i:i + 8])
        v[3] ^= m; rnd(); rnd(); v[0] ^= m
    b = (len(data) & 0xFF) << 56
    for i, c in enumerate(data[n:]):
        b |= c << (8 * i)
    v[3] ^= b; rnd(); rnd(); v[0] ^= b
    v[2] ^= 0xFF
    for _ in range(4):
        rnd()
    return v[0] ^ v[1] ^ v[2] ^ v[3]


assert siphash24(bytes(range(16)), bytes(range(15))) == 0xA129CA6149BE45E5

if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    print("%016x" % siphash24(open(sys.argv[1], "rb").read(), open(sys.argv[2], "rb").read()))
