#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""journal-capture.py SOCKET OUT: stand in for journald's native socket. Binds SOCKET (an AF_UNIX
datagram socket; sd_journal_send() writes to /run/systemd/journal/socket, so the tests run the
daemon in a mount namespace with a tmpfs on /run and this tool on that path) and appends every
entry it receives to OUT as one JSON object per line. The native protocol (systemd's
"Native Journal Protocol"): fields "KEY=VALUE\\n", or "KEY\\n" + 64-bit little-endian length +
value + "\\n" for values that hold a newline; an entry too large for one datagram arrives as a
memfd passed with SCM_RIGHTS. Prints "ready" once bound."""
import array
import json
import os
import socket
import struct
import sys


def parse(data):
    fields = {}
    i = 0
    while i < len(data):
        nl = data.index(b"\n", i)
        line = data[i:nl]
        if b"=" in line:
            k, v = line.split(b"=", 1)
            i = nl + 1
        else:
            k = line
            (n,) = struct.unpack("<Q", data[nl + 1:nl + 9])
            v = data[nl + 9:nl + 9 + n]
            i = nl + 9 + n + 1
        fields[k.decode()] = v.decode(errors="replace")
    return fields


def main():
    path, out = sys.argv[1], sys.argv[2]
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    os.chmod(path, 0o666)
    print("ready", flush=True)
    while True:
        fds = array.array("i")
        data, anc, _, _ = s.recvmsg(1 << 20, socket.CMSG_SPACE(4 * fds.itemsize))
        for level, typ, cdata in anc:
            if level == socket.SOL_SOCKET and typ == socket.SCM_RIGHTS:
                fds.frombytes(cdata[:len(cdata) - (len(cdata) % fds.itemsize)])
        if not data and fds:
            with os.fdopen(fds[0], "rb") as f:
                data = f.read()
        with open(out, "a") as f:
            f.write(json.dumps(parse(data)) + "\n")


if __name__ == "__main__":
    main()
