#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""fake-modem.py IMSI PORTFILE LOG: a minimal scripted AT-command modem for ofonod's phonesim plugin
(adapted from the recipe in docs/testing.md §4.3; no phonesim exists in Debian 12).

Listens on two TCP ports on 127.0.0.1 chosen by the kernel and writes "MODEM-PORT CONTROL-PORT"
to PORTFILE once both listen. ofonod (phonesim.conf: Address=127.0.0.1, Port=MODEM-PORT)
connects to the first and walks its SIM and SMS initialisation; the answers below are enough
for it to create the SMS and push-notification atoms, and AT+CIMI answers IMSI (so oFono's
SimManager.SubscriberIdentity is IMSI). Each line "LEN PDUHEX" written to the control port is
delivered to ofonod as an unsolicited "+CMT: ,LEN" + PDU, i.e. an incoming SMS-DELIVER in PDU
mode (PDUHEX starts with the SMSC part, "00" for none; LEN counts the TPDU octets only). The
control connection answers "ok N" after each line (N = +CMT sent so far), or "no-modem".
Every AT command and answer is logged. Stops on SIGTERM or when the control connection sends
"quit"."""
import os
import re
import selectors
import signal
import socket
import sys
import time

IMSI, PORTFILE, LOGFILE = sys.argv[1], sys.argv[2], sys.argv[3]
log = open(LOGFILE, "a", buffering=1)


def L(*a):
    log.write(time.strftime("%H:%M:%S ") + " ".join(map(str, a)) + "\n")


TABLE = [
    (r"^AT\+SIMSTATE\?", ["+SIMSTATE: 1"]),
    (r"^AT\+CPIN\?", ["+CPIN: READY"]),
    (r"^AT\+CIMI", [IMSI]),
    (r"^AT\+CGMI$", ["provboot-test"]), (r"^AT\+CGMM$", ["fake-modem"]),
    (r"^AT\+CGMR$", ["1.0"]), (r"^AT\+CGSN$", ["350000000000006"]),
    (r"^AT\+CSMS=\?", ["+CSMS: (0,1)"]), (r"^AT\+CSMS\?", ["+CSMS: 1,1,1,1"]),
    (r"^AT\+CSMS=", ["+CSMS: 1,1,1"]),
    (r"^AT\+CMGF=\?", ["+CMGF: (0,1)"]),
    (r"^AT\+CPMS=\?", ['+CPMS: ("ME","SM"),("ME","SM"),("ME","SM")']),
    (r"^AT\+CPMS=", ["+CPMS: 0,10,0,10,0,10"]),
    (r"^AT\+CPMS\?", ['+CPMS: "ME",0,10,"ME",0,10,"ME",0,10']),
    (r"^AT\+CNMI=\?", ["+CNMI: (0,1,2),(0,1,2,3),(0,2),(0,1,2),(0,1)"]),
    (r"^AT\+CSCA\?", ['+CSCA: "+15551234567",145']),
    (r"^AT\+CRSM=", None),  # SIM file access: "file not found", oFono copes
    (r"^AT\+CSIM=", None),
    (r"^AT\+CLCK=\?", ['+CLCK: ("SC","FD")']),
    (r"^AT\+CPINR", ["+CPINR: SIM PIN,3,3"]),
    (r"^AT\+CFUN\?", ["+CFUN: 1"]),
    (r"^AT\+CBC", ["+CBC: 0,80"]),
]


def reply(cmd):
    c = cmd.upper()
    for pat, lines in TABLE:
        if re.search(pat, c):
            if lines is None:
                return ["ERROR"] if "CSIM" in c else ["+CRSM: 106,130", "OK"]
            return lines + ["OK"]
    return ["OK"]


def listen():
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(4)
    return s


running = True


def stop(*_):
    global running
    running = False


signal.signal(signal.SIGTERM, stop)
sel = selectors.DefaultSelector()
ls, cs = listen(), listen()
sel.register(ls, selectors.EVENT_READ, "accept-modem")
sel.register(cs, selectors.EVENT_READ, "accept-ctl")
with open(PORTFILE + ".tmp", "w") as f:
    f.write("%d %d\n" % (ls.getsockname()[1], cs.getsockname()[1]))
os.rename(PORTFILE + ".tmp", PORTFILE)
L("listening", ls.getsockname()[1], cs.getsockname()[1], "imsi", IMSI)
modem, buf, delivered, ctlbuf = None, b"", 0, {}
while running:
    for key, _ in sel.select(timeout=0.5):
        tag = key.data
        if tag == "accept-modem":
            if modem is not None:
                L("second modem connection refused")
                key.fileobj.accept()[0].close()
                continue
            modem, _ = ls.accept()
            sel.register(modem, selectors.EVENT_READ, "modem")
            L("ofono connected")
        elif tag == "accept-ctl":
            c, _ = cs.accept()
            sel.register(c, selectors.EVENT_READ, "ctl")
            ctlbuf[c] = b""
        elif tag == "modem":
            d = modem.recv(4096)
            if not d:
                L("ofono disconnected")
                sel.unregister(modem)
                modem.close()
                modem, buf = None, b""
                continue
            buf += d
            while b"\r" in buf:
                line, _, buf = buf.partition(b"\r")
                cmd = line.strip().decode("latin-1")
                if not cmd:
                    continue
                out = reply(cmd)
                L(">>", cmd, "<<", out)
                modem.sendall(b"".join(b"\r\n" + o.encode() + b"\r\n" for o in out))
        elif tag == "ctl":
            c = key.fileobj
            d = c.recv(65536)
            if not d:
                sel.unregister(c)
                c.close()
                ctlbuf.pop(c, None)
                continue
            ctlbuf[c] += d
            while b"\n" in ctlbuf[c]:
                ln, _, ctlbuf[c] = ctlbuf[c].partition(b"\n")
                ln = ln.decode().strip()
                if not ln:
                    continue
                if ln == "quit":
                    running = False
                    break
                if modem is None:
                    L("inject without modem:", ln[:60])
                    c.sendall(b"no-modem\n")
                    continue
                n, pdu = ln.split()
                modem.sendall(("\r\n+CMT: ,%s\r\n%s\r\n" % (n, pdu)).encode())
                delivered += 1
                L("+CMT", n, pdu[:60])
                c.sendall(b"ok %d\n" % delivered)
L("stopping")
