#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""pty-run.py TRANSCRIPT TIMEOUT EXPECT SEND [EXPECT SEND]... -- COMMAND...: run COMMAND on a
pseudo-terminal (its stdin, stdout and stderr are the terminal, as in an interactive session),
and for each pair wait until the output seen so far (after the previous match) matches the
regular expression EXPECT, then type SEND (with "\\n" for Enter). All output goes to TRANSCRIPT.
After the last pair it waits for the output to match the last EXPECT of the optional
--final REGEX, then sends SIGINT. Exit status 0 when every expectation was met within TIMEOUT
seconds each, 1 otherwise (the transcript says where it stopped)."""
import os
import pty
import re
import select
import signal
import sys
import time


def main():
    argv = sys.argv[1:]
    sep = argv.index("--")
    head, cmd = argv[:sep], argv[sep + 1:]
    transcript, timeout = head[0], float(head[1])
    rest = head[2:]
    final = None
    if "--final" in rest:
        k = rest.index("--final")
        final = rest[k + 1]
        rest = rest[:k] + rest[k + 2:]
    pairs = list(zip(rest[0::2], rest[1::2]))
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(cmd[0], cmd)
    seen = b""
    pos = 0
    log = open(transcript, "wb")

    def wait_for(rx):
        nonlocal seen, pos
        deadline = time.monotonic() + timeout
        while True:
            m = re.compile(rx.encode()).search(seen, pos)
            if m:
                pos = m.end()
                return True
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            r, _, _ = select.select([fd], [], [], left)
            if r:
                try:
                    chunk = os.read(fd, 4096)
                except OSError:
                    return False
                if not chunk:
                    return False
                seen += chunk
                log.write(chunk)
                log.flush()

    ok = True
    for rx, send in pairs:
        if not wait_for(rx):
            log.write(("\n[pty-run: no match for %r]\n" % rx).encode())
            ok = False
            break
        os.write(fd, send.encode().decode("unicode_escape").encode())
    if ok and final and not wait_for(final):
        log.write(("\n[pty-run: no match for %r]\n" % final).encode())
        ok = False
    os.kill(pid, signal.SIGINT)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        r, _, _ = select.select([fd], [], [], 0.1)
        if r:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            log.write(chunk)
        if os.waitpid(pid, os.WNOHANG)[0]:
            break
    else:
        os.kill(pid, signal.SIGKILL)
    log.close()
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
