#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""at-modem.py IMSI PTYFILE CONTROL LOG: a scripted 3GPP TS 27.007/27.005 AT modem on a pseudo
terminal, for the real ModemManager (tests/integration/modemmanager-real.sh).

Opens a pty pair, puts the slave in raw mode and keeps it open (so the master never sees a hang-up
while ModemManager closes and reopens the port), and writes the slave's name relative to /dev
("pts/N", the kernel name ModemManager is told about) to PTYFILE once it is ready.
Every command ModemManager sends on the slave is answered from TABLE below: just enough for
ModemManager 1.20's generic plugin to probe an AT port, create a 3GPP modem with a SIM whose
IMSI (AT+CIMI) is IMSI, and enable SMS in PDU mode with new-message indications (AT+CNMI
mode 2, mt 1: "+CMTI: <mem>,<index>", TS 27.005 section 3.4.1). Unknown commands get ERROR.

CONTROL is a FIFO, opened read-write so writers never block and it never reaches end of file.
Each line is one of
    sms HEX      store HEX (an SMS-DELIVER TPDU in hex, without the SMSC part) at the next free
                 index of "SM" and send "+CMTI: "SM",<index>" on the port
    quit         stop
A stored message is read back with AT+CMGR=<index> and listed with AT+CMGL=4 in PDU mode: each
PDU carries the SMSC part "00" (no SMSC address, TS 24.011 section 8.2.5.1) and <length> counts
the TPDU octets only (TS 27.005 section 3.1). AT+CMGD deletes.
Every command, answer and control line is logged to LOG with a timestamp."""
import argparse
import os
import pty
import re
import select
import signal
import socket
import sys
import time
import tty

ICCID = "8949020000123456789"
# EF_ICCID (file 2FE2, TS 102 221 section 13.2): BCD, low nibble first, padded with F
EF_ICCID = "".join(b + a for a, b in zip(*[iter(ICCID + "F" * (len(ICCID) % 2))] * 2))
log = sys.stderr
STORE = {}  # index -> TPDU hex (status 0: received unread, 1: received read)
READ = set()
SLOTS = 30
QUIET = 0.2  # seconds without traffic on the port before an indication is sent
REINDICATE, REINDICATE_MAX = 3.0, 5  # an unread indicated message is indicated again


def L(*a):
    log.write("%.3f %s\n" % (time.monotonic(), " ".join(map(str, a))))


def pdu_line(i):
    tpdu = STORE[i]
    return "00" + tpdu, len(tpdu) // 2


def cmgr(m):
    i = int(m.group(1))
    if i not in STORE:
        return ["+CMS ERROR: 321"]  # invalid memory index
    pdu, n = pdu_line(i)
    st = 1 if i in READ else 0
    READ.add(i)
    return ["+CMGR: %d,,%d" % (st, n), pdu]


def cmgl(m):
    want = int(m.group(1))
    out = []
    for i in sorted(STORE):
        st = 1 if i in READ else 0
        if want not in (4, st):
            continue
        pdu, n = pdu_line(i)
        out += ["+CMGL: %d,%d,,%d" % (i, st, n), pdu]
        READ.add(i)
    return out


def cmgd(m):
    i = int(m.group(1))
    STORE.pop(i, None)
    READ.discard(i)
    return []


def cpms_set(m):
    n = len(STORE)
    return ["+CPMS: %d,%d,%d,%d,%d,%d" % (n, SLOTS, n, SLOTS, n, SLOTS)]


def cpms_get(m):
    n = len(STORE)
    return ['+CPMS: "SM",%d,%d,"SM",%d,%d,"SM",%d,%d' % (n, SLOTS, n, SLOTS, n, SLOTS)]


# (pattern on the upper-cased command, answer lines or a function of the match); OK follows
# unless an answer line is an error
TABLE = [
    (r"^AT$", []),
    (r"^ATZ$", []), (r"^ATE0", []), (r"^ATV1", []), (r"^AT&C1", []), (r"^ATX4", []),
    (r"^ATQ0", []), (r"^AT\+CMEE=", []), (r"^AT\+IFC", []),
    (r"^ATI$", ["provboot-test at-modem"]),
    (r"^AT\+GCAP$", ["+GCAP: +CGSM"]),
    (r"^AT\+CGMI$", ["provboot-test"]), (r"^AT\+GMI$", ["provboot-test"]),
    (r"^AT\+CGMM$", ["at-modem"]), (r"^AT\+GMM$", ["at-modem"]),
    (r"^AT\+CGMR$", ["1.0"]), (r"^AT\+GMR$", ["1.0"]),
    (r"^AT\+CGSN$", ["350000000000006"]), (r"^AT\+GSN$", ["350000000000006"]),
    (r"^AT\+CPIN\?$", ["+CPIN: READY"]),
    (r"^AT\+CCID$", ["+CCID: " + ICCID]),
    (r"^AT\+CRSM=176,12258,", ["+CRSM: 144,0,\"%s\"" % EF_ICCID]),
    (r"^AT\+CNUM$", ['+CNUM: ,"+4917000000000",145']),
    (r"^AT\+CFUN\?$", ["+CFUN: 1"]), (r"^AT\+CFUN=", []),
    (r"^AT\+CREG=\?$", ["+CREG: (0-2)"]), (r"^AT\+CREG=", []), (r"^AT\+CREG\?$", ["+CREG: 2,1,\"1A2B\",\"0001ABCD\""]),
    (r"^AT\+CGREG=\?$", ["+CGREG: (0-2)"]), (r"^AT\+CGREG=", []), (r"^AT\+CGREG\?$", ["+CGREG: 2,1,\"1A2B\",\"0001ABCD\""]),
    (r"^AT\+COPS=3,", []), (r"^AT\+COPS\?$", ['+COPS: 0,2,"26201",0']), (r"^AT\+COPS=0", []),
    (r"^AT\+CSQ$", ["+CSQ: 20,99"]),
    (r"^AT\+CSCS=\?$", ['+CSCS: ("IRA","GSM","UCS2")']), (r"^AT\+CSCS\?$", ['+CSCS: "IRA"']), (r"^AT\+CSCS=", []),
    (r"^AT\+CSMS=\?$", ["+CSMS: (0,1)"]), (r"^AT\+CSMS\?$", ["+CSMS: 0,1,1,1"]), (r"^AT\+CSMS=", ["+CSMS: 1,1,1"]),
    (r"^AT\+CMGF=\?$", ["+CMGF: (0,1)"]), (r"^AT\+CMGF=0$", []), (r"^AT\+CMGF\?$", ["+CMGF: 0"]),
    (r"^AT\+CPMS=\?$", ['+CPMS: ("SM"),("SM"),("SM")']), (r"^AT\+CPMS=", cpms_set), (r"^AT\+CPMS\?$", cpms_get),
    (r"^AT\+CNMI=\?$", ["+CNMI: (0-2),(0-3),(0,2),(0-2),(0,1)"]), (r"^AT\+CNMI=", []),
    (r"^AT\+CSCA\?$", ['+CSCA: "+15551234567",145']),
    (r"^AT\+CMGR=(\d+)$", cmgr), (r"^AT\+CMGL=(\d+)$", cmgl), (r"^AT\+CMGD=(\d+)", cmgd),
]


def reply(cmd):
    c = cmd.upper()
    for pat, ans in TABLE:
        m = re.search(pat, c)
        if m:
            lines = ans(m) if callable(ans) else list(ans)
            if lines and ("ERROR" in lines[-1]):
                return lines
            return lines + ["OK"]
    return ["ERROR"]


running = True


def stop(*_):
    global running
    running = False


def main():
    global running
    ap = argparse.ArgumentParser(description="a scripted AT modem (see the module comment)")
    ap.add_argument("--imsi", required=True)
    ap.add_argument("--control", required=True, help="FIFO of control lines")
    ap.add_argument("--log", required=True)
    where = ap.add_mutually_exclusive_group(required=True)
    where.add_argument("--pty", metavar="NAMEFILE", help="serve on a pty; write its name (pts/N) to NAMEFILE")
    where.add_argument("--socket", metavar="PATH", help="serve on a UNIX stream socket at PATH")
    a = ap.parse_args()
    TABLE.insert(0, (r"^AT\+CIMI$", [a.imsi]))
    global log
    log = open(a.log, "a", buffering=1)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    ctl = os.open(a.control, os.O_RDWR | os.O_NONBLOCK)
    poller = select.poll()
    poller.register(ctl, select.POLLIN)
    ports = {}  # fd -> input buffer, for every open connection to the modem
    listener = None
    if a.pty:
        master, slave = pty.openpty()
        # raw, so that nothing written by either side is echoed or edited before ModemManager
        # applies its own settings; the slave stays open here so that the master never reads EIO
        # while ModemManager has the port closed between probing and use
        tty.setraw(slave)
        os.set_blocking(master, False)
        ports[master] = b""
        poller.register(master, select.POLLIN)
        name = os.ttyname(slave)[len("/dev/"):]
        with open(a.pty + ".tmp", "w") as f:
            f.write(name + "\n")
        os.rename(a.pty + ".tmp", a.pty)
        L("serving on pty", name, "imsi", a.imsi)
    else:
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(a.socket)
        listener.listen(4)
        poller.register(listener.fileno(), select.POLLIN)
        L("serving on socket", a.socket, "imsi", a.imsi)
    newest = [None]

    def send(fd, lines):
        try:
            os.write(fd, b"".join(b"\r\n" + ln.encode() + b"\r\n" for ln in lines))
        except OSError as e:
            L("write failed on", fd, e)

    def drop(fd):
        poller.unregister(fd)
        del ports[fd]
        os.close(fd)
        if newest[0] == fd:
            newest[0] = max(ports) if ports else None
        L("connection", fd, "closed")

    cbuf = b""
    # +CMTI indications not sent yet, the index of the last one sent, when, and how often.
    # ModemManager 1.20 reads an indicated message while it holds its SMS storage lock (AT+CPMS,
    # then AT+CMGR) and drops an indication that arrives while the lock is held (cmti_received
    # in src/mm-broadband-modem.c: "SMS storage currently locked, try again later", a TODO
    # there); two indications in one write, or one right behind the +CMGR answer, are lost that
    # way. So, like a TA that buffers result codes while the TA-TE link is reserved (TS 27.005
    # section 3.4.1, +CNMI mode 2), an indication goes out alone, only after the previous message
    # was read (AT+CMGR/AT+CMGL) and the port has been quiet for QUIET seconds; one not read
    # within REINDICATE seconds is indicated again, at most REINDICATE_MAX times (ModemManager
    # ignores an indication of a part it already has), each time logged.
    pending, shown, last_io = [], [None, 0.0, 0], [0.0]

    def indicate():
        now = time.monotonic()
        if now - last_io[0] < QUIET or newest[0] is None:
            return
        if shown[0] is not None and shown[0] in STORE and shown[0] not in READ:
            if now - shown[1] >= REINDICATE and shown[2] < REINDICATE_MAX:
                shown[1], shown[2] = now, shown[2] + 1
                L("indicating", shown[0], "again (not read after %.1f s)" % REINDICATE, "on", newest[0])
                send(newest[0], ['+CMTI: "SM",%d' % shown[0]])
            return
        if pending:
            shown[:] = [pending.pop(0), now, 0]
            L("indicating", shown[0], "on", newest[0])
            send(newest[0], ['+CMTI: "SM",%d' % shown[0]])

    if a.pty:
        newest[0] = master
    while running:
        try:
            unread = shown[0] is not None and shown[0] in STORE and shown[0] not in READ
            events = poller.poll(50 if pending or unread else 500)
        except InterruptedError:
            continue
        for fd, ev in events:
            if listener is not None and fd == listener.fileno():
                c, _ = listener.accept()
                c.setblocking(False)
                cfd = c.detach()
                ports[cfd] = b""
                poller.register(cfd, select.POLLIN)
                newest[0] = cfd
                L("connection", cfd, "opened")
            elif fd in ports:
                try:
                    d = os.read(fd, 4096)
                except (BlockingIOError, InterruptedError):
                    continue
                except OSError:
                    d = b""
                if not d:
                    if listener is not None:
                        drop(fd)
                    continue
                buf = ports[fd] + d
                # commands end with S3 (carriage return, ITU-T V.250 section 5.2.1); a line that
                # is not printable text (e.g. a QCDM probe frame) is logged and dropped
                while b"\r" in buf:
                    line, _, buf = buf.partition(b"\r")
                    cmd = line.strip(b"\n ").decode("latin-1")
                    if not cmd:
                        continue
                    if not cmd.isprintable():
                        L(fd, ">> (binary)", line.hex())
                        continue
                    out = reply(cmd)
                    L(fd, ">>", cmd, "<<", out)
                    send(fd, out)
                    last_io[0] = time.monotonic()
                if len(buf) > 4096:
                    L(fd, ">> (dropped)", buf[:64].hex())
                    buf = b""
                ports[fd] = buf
            elif fd == ctl:
                try:
                    cbuf += os.read(ctl, 65536)
                except (BlockingIOError, InterruptedError):
                    continue
                while b"\n" in cbuf:
                    ln, _, cbuf = cbuf.partition(b"\n")
                    words = ln.decode(errors="replace").split()
                    if not words:
                        continue
                    if words[0] == "quit":
                        running = False
                    elif words[0] == "sms" and len(words) == 2 and re.fullmatch(r"([0-9A-Fa-f]{2})+", words[1]):
                        free = [k for k in range(SLOTS) if k not in STORE]
                        if not free:
                            L("control: storage full, dropped", words[1][:40])
                            continue
                        STORE[free[0]] = words[1].upper()
                        pending.append(free[0])
                        L("control: stored at", free[0], words[1][:40] + "...")
                    else:
                        L("control: bad line", ln[:80])
        indicate()
    if listener is not None:
        listener.close()
        os.unlink(a.socket)
    L("stopping")


if __name__ == "__main__":
    main()
