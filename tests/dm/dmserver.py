# SPDX-License-Identifier: LGPL-2.1-or-later
"""dmserver.py: a scriptable OMA DM 1.2 server for provboot's tests (test code only).

A handler module for tests/dm/tlsserver.py: tlsserver.py calls
    handle(state: dict, path: str, headers: dict, body: bytes) -> (status, content_type, body)
for every request and keeps `state` between requests.

The server speaks SyncML DM 1.2 in XML (OMA-TS-DM_RepPro-V1_2 §4, OMA-TS-DM_Protocol-V1_2 §2.3):
  - it checks the client's Cred (syncml:auth-md5, OMA-TS-DM_Security-V1_2 §5.1.3.2:
    B64(MD5(B64(MD5(user:pw)):nonce)), nonce = the raw bytes of the current client nonce) and
    answers 212 with a Chal carrying a fresh NextNonce for the client's next session, or 401 / 407
    with a Chal (then the client must resend package 1);
  - it sends its own Cred (SRVCRED, syncml:auth-md5 over the server nonce the client issued last);
  - it sends the management commands of its scenario, one list per package, and ends the session
    with a package holding only Status + Final;
  - it takes the client's new server nonce from the Chal of the client's Status for its header.

Configuration: a JSON file named by $DMSERVER_CONFIG (read at every request, so a test can
change it between sessions) with the keys
  server_id, server_name (LocName of the server, default server_id), server_secret,
  server_nonce_b64 (the SRVCRED nonce of the bootstrap), client_name, client_secret,
  client_nonce_b64 (the CLCRED nonce of the bootstrap), record (a JSON-lines file),
  state_file (the current nonces per server id as JSON, rewritten after every request),
  release_file (the "hold" scenario answers package 3 only once this file exists),
  scenario (a name from SCENARIOS below, or a dict of the same shape),
and $DMSERVER_SCENARIO overrides the scenario's name. A scenario dict:
  challenge:   "407" or "401": the first package 1 of a session gets that challenge
  challenge_always: true: every package 1 gets it
  server_cred: "good" (default), "wrong", "none"
  resp_uri:    a RespURI sent in the header of every server package (a string; "{port}" and
               "{host}" are filled in from the request's Host header)
  packages:    a list of packages; each a list of commands, each a dict
               {"cmd": "Get"|"Replace"|"Add"|"Delete"|"Exec"|"Copy"|"Alert"|"Sequence"|"Atomic",
                "target": URI, "source": URI, "data": str, "format": str, "type": str,
                "children": [...], "cmdid": false (omit CmdID), "alert": code}
               or {"raw": "<xml element text>"} for anything else (an unknown element)
  oversize:    a number of bytes of padding added to the first management package
  wbxml:       true: every reply is WBXML (application/vnd.syncml.dm+wbxml, encoded with libwbxml's
               xml2wbxml -v 1.2, with its string table)
  mislabel:    true (with wbxml): the WBXML replies go out as application/vnd.syncml.dm+xml
Requests may be XML or WBXML (decoded with libwbxml's wbxml2xml); the Content-Type must match
the bytes (a WBXML body starts with its version octet 0x00-0x03), else 415. The record gets
"ctype", "encoding" ("xml"/"wbxml") and, for WBXML, "wbxml_head" (the first five octets, hex).
Each request is appended to the record file as one JSON object (n, path, session_id, msg_id,
locname, cred_ok, alerts, devinfo, statuses, results, new_server_nonce_b64, replied) BEFORE the
reply is sent; tlsserver.py's own log records the raw request first.

The md5 digests are computed here with hashlib (independent of the C code under test).
"""

import base64
import hashlib
import json
import os
import re
import secrets
import subprocess
import tempfile
import time
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape

DM_TYPE = "application/vnd.syncml.dm+xml"
DM_WBXML_TYPE = "application/vnd.syncml.dm+wbxml"
NS = "SYNCML:SYNCML1.2"

SCENARIOS = {
    # §7.6 test 2: Get -> Results, a Replace within the roles, then only statuses.
    "happy": {
        "packages": [[
            {"cmd": "Get", "target": "./DevInfo/Man"},
            {"cmd": "Replace", "target": "./Vendor/provboot/NAPDEF/INTERNET/NAP-ADDRESS",
             "data": "internet.dm.test", "format": "chr"},
        ]],
    },
    # make demo: an APN change within an OPERATOR account's roles, a policy change beyond them.
    "demo": {
        "packages": [[
            {"cmd": "Get", "target": "./DevInfo/Man"},
            {"cmd": "Replace", "target": "./Vendor/provboot/NAPDEF/INTERNET/NAP-ADDRESS",
             "data": "internet.dm.example.com", "format": "chr"},
            {"cmd": "Replace", "target": "./Vendor/provboot/SecurityPolicy/4119", "data": "4",
             "format": "chr"},
        ]],
    },
    # A session that only reads: nothing changes, for the nonce tests.
    "get-only": {"packages": [[{"cmd": "Get", "target": "./DevInfo/Mod"}]]},
    # §7.6 test 4: 407 + Chal first.
    "challenge": {"challenge": "407", "packages": [[{"cmd": "Get", "target": "./DevInfo/Man"}]]},
    "challenge-respuri": {"challenge": "407", "resp_uri": "https://{host}/dm/next",
                          "packages": [[{"cmd": "Get", "target": "./DevInfo/Man"}]]},
    # A server that challenges every package 1 (DM_SESSION_CHALLENGES_MAX).
    "challenge-always": {"challenge": "401", "challenge_always": True, "packages": [[]]},
    # §7.6 test 5: the server's own Cred missing or wrong.
    "no-server-cred": {"server_cred": "none", "packages": [[
        {"cmd": "Replace", "target": "./Vendor/provboot/NAPDEF/INTERNET/NAP-ADDRESS",
         "data": "evil.dm.test", "format": "chr"},
        {"cmd": "Get", "target": "./DevInfo/Man"}]]},
    "wrong-server-cred": {"server_cred": "wrong", "packages": [[
        {"cmd": "Replace", "target": "./Vendor/provboot/NAPDEF/INTERNET/NAP-ADDRESS",
         "data": "evil.dm.test", "format": "chr"},
        {"cmd": "Get", "target": "./DevInfo/Man"}]]},
    # §7.6 test 8: role escalation attempts of an OPERATOR-only account.
    "roles": {"packages": [[
        {"cmd": "Replace", "target": "./Vendor/provboot/SecurityPolicy/4119", "data": "4",
         "format": "chr"},
        {"cmd": "Replace", "target": "./DMAcc/{server_id}/Ext/Role", "data": "12",
         "format": "int"},
        {"cmd": "Add", "target": "./DMAcc/evil", "format": "node", "children_add": True},
        {"cmd": "Add", "target": "./DMAcc/evil/ServerID", "data": "evil.test", "format": "chr"},
        {"cmd": "Add", "target": "./DMAcc/evil/Ext/Role", "data": "12", "format": "int"},
        {"cmd": "Get", "target": "./DMAcc/{server_id}/AppAuth/SRVCRED/AAuthSecret"},
        {"cmd": "Atomic", "children": [
            {"cmd": "Replace", "target": "./Vendor/provboot/NAPDEF/INTERNET/NAP-ADDRESS",
             "data": "atomic.dm.test", "format": "chr"},
            {"cmd": "Replace", "target": "./Vendor/provboot/SecurityPolicy/4119", "data": "4",
             "format": "chr"}]},
    ]]},
    # The same Atomic alone (a MANAGER account gets it applied).
    "atomic": {"packages": [[
        {"cmd": "Atomic", "children": [
            {"cmd": "Replace", "target": "./Vendor/provboot/NAPDEF/INTERNET/NAP-ADDRESS",
             "data": "atomic.dm.test", "format": "chr"},
            {"cmd": "Replace", "target": "./Vendor/provboot/SecurityPolicy/4119", "data": "4",
             "format": "chr"}]}]]},
    # §7.6 test 9: command semantics.
    "semantics": {"packages": [[
        {"cmd": "Replace", "target": "./Vendor/provboot/NAPDEF/NOSUCH/NAP-ADDRESS",
         "data": "x.dm.test", "format": "chr"},
        {"cmd": "Add", "target": "./Vendor/provboot/NAPDEF/INTERNET/NAP-ADDRESS",
         "data": "x.dm.test", "format": "chr"},
        {"cmd": "Delete", "target": "./DevInfo/Man"},
        {"cmd": "Exec", "target": "./Vendor/provboot/NAPDEF/INTERNET"},
        {"cmd": "Copy", "target": "./Vendor/provboot/NAPDEF/INTERNET/NAME",
         "source": "./DevInfo/Man"},
        {"raw": "<Frobnicate><CmdID>{cmdid}</CmdID></Frobnicate>"},
        {"cmd": "Get", "target": "./DevInfo/Lang", "cmdid": False},
        {"cmd": "Sequence", "children": [
            {"cmd": "Get", "target": "./DevInfo/DmV"},
            {"cmd": "Replace", "target": "./Vendor/provboot/NAPDEF/INTERNET/NAP-ADDRESS",
             "data": "seq.dm.test", "format": "chr"},
            {"cmd": "Get", "target": "./Vendor/provboot/NAPDEF/INTERNET/NAP-ADDRESS"}]},
    ]]},
    # Alert 1223 from the server ends the session: the client sends nothing more.
    "abort": {"packages": [[{"cmd": "Alert", "alert": "1223"}],
                           [{"cmd": "Get", "target": "./DevInfo/Man"}]]},
    # A message larger than the client's MaxMsgSize.
    "oversize": {"oversize": 20000, "packages": [[{"cmd": "Get", "target": "./DevInfo/Man"}]]},
    # Package 3 is held until the file named by the config's "release_file" exists (bounded poll,
    # 60 s): a test kills verifierd meanwhile (the nonce it sent must be durable), or lets the
    # client's per-read timeout expire.
    "hold": {"hold": True, "packages": [[{"cmd": "Get", "target": "./DevInfo/Man"}]]},
    # RespURI to another host: the client must not follow it (dm_url_same_origin).
    "respuri-other": {"resp_uri": "https://dm-other.test:{port}/dm",
                      "packages": [[{"cmd": "Get", "target": "./DevInfo/Man"}]]},
    # RespURI on the same origin: followed.
    "respuri-same": {"resp_uri": "https://{host}/dm/next",
                     "packages": [[{"cmd": "Get", "target": "./DevInfo/Man"}],
                                  [{"cmd": "Get", "target": "./DevInfo/Mod"}]]},
    # WBXML (§7.6 test 11): the happy path with every server message in WBXML, so the client
    # answers in WBXML from package 3 on; with a challenge, package 1 goes again in WBXML.
    "wbxml": {"wbxml": True, "packages": [[
        {"cmd": "Get", "target": "./DevInfo/Man"},
        {"cmd": "Replace", "target": "./Vendor/provboot/NAPDEF/INTERNET/NAP-ADDRESS",
         "data": "wbxml.dm.test", "format": "chr"}],
        [{"cmd": "Get", "target": "./DevInfo/Mod"}]]},
    "wbxml-challenge": {"wbxml": True, "challenge": "407",
                        "packages": [[{"cmd": "Get", "target": "./DevInfo/Man"}]]},
    "wbxml-mislabelled": {"wbxml": True, "mislabel": True,
                          "packages": [[{"cmd": "Get", "target": "./DevInfo/Man"}]]},
    # A server that never stops sending commands (DM_SESSION_PACKAGES_MAX).
    "endless": {"endless": True, "packages": [[{"cmd": "Get", "target": "./DevInfo/Man"}]]},
}


def md5(b):
    return hashlib.md5(b).digest()


def b64(b):
    return base64.b64encode(b).decode()


def md5_cred(user, pw, nonce):
    """OMA-TS-DM_Security-V1_2 §5.1.3.2: B64(H(B64(H(user:pw)):nonce)), nonce raw bytes."""
    inner = b64(md5(user.encode() + b":" + pw.encode()))
    return b64(md5(inner.encode() + b":" + nonce))


def local(tag):
    return tag.split("}", 1)[1] if tag.startswith("{") else tag


def child(el, name):
    if el is None:
        return None
    for c in el:
        if local(c.tag) == name:
            return c
    return None


def children(el, name):
    return [c for c in el if local(c.tag) == name] if el is not None else []


def text(el, *path):
    for p in path:
        el = child(el, p)
        if el is None:
            return None
    return (el.text or "").strip() if el is not None else None


def load_config():
    path = os.environ.get("DMSERVER_CONFIG")
    if not path:
        raise RuntimeError("DMSERVER_CONFIG not set")
    with open(path) as f:
        cfg = json.load(f)
    name = os.environ.get("DMSERVER_SCENARIO") or cfg.get("scenario", "happy")
    scen = SCENARIOS[name] if isinstance(name, str) else name
    return cfg, scen


def save_nonces(cfg, state):
    """The current nonces per server id, for tests that build a package 0 (digest over the
    server nonce the client issued last) or check the nonce lifecycle."""
    path = cfg.get("state_file")
    if not path:
        return
    out = {sid: {"server_nonce_b64": b64(n["server"]), "client_nonce_b64": b64(n["client"])}
           for sid, n in state.get("nonces", {}).items()}
    with open(path + ".tmp", "w") as f:
        json.dump(out, f)
    os.replace(path + ".tmp", path)


def record(cfg, entry, state=None):
    if state is not None:
        save_nonces(cfg, state)
    path = cfg.get("record")
    if not path:
        return
    with open(path, "a") as f:
        f.write(json.dumps(entry) + "\n")
        f.flush()
        os.fsync(f.fileno())


class Writer:
    """Builds one server message."""

    def __init__(self, session_id, msg_id, target, source, locname, cred, resp_uri):
        self.cmdid = 0
        self.body = []
        hdr = ["<VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto>",
               "<SessionID>%s</SessionID><MsgID>%d</MsgID>" % (escape(session_id), msg_id),
               "<Target><LocURI>%s</LocURI></Target>" % escape(target or ""),
               "<Source><LocURI>%s</LocURI>%s</Source>" % (
                   escape(source), "<LocName>%s</LocName>" % escape(locname) if locname else "")]
        if resp_uri:
            hdr.append("<RespURI>%s</RespURI>" % escape(resp_uri))
        if cred:
            hdr.append('<Cred><Meta><Format xmlns="syncml:metinf">b64</Format>'
                       '<Type xmlns="syncml:metinf">syncml:auth-md5</Type></Meta>'
                       "<Data>%s</Data></Cred>" % escape(cred))
        self.hdr = "".join(hdr)

    def next_id(self):
        self.cmdid += 1
        return self.cmdid

    def status(self, msg_ref, cmd_ref, cmd, code, chal_nonce=None, target_ref=None):
        s = "<Status><CmdID>%d</CmdID><MsgRef>%s</MsgRef><CmdRef>%s</CmdRef><Cmd>%s</Cmd>" % (
            self.next_id(), escape(msg_ref), escape(cmd_ref), escape(cmd))
        if target_ref:
            s += "<TargetRef>%s</TargetRef>" % escape(target_ref)
        if chal_nonce is not None:
            s += ('<Chal><Meta><Type xmlns="syncml:metinf">syncml:auth-md5</Type>'
                  '<Format xmlns="syncml:metinf">b64</Format>'
                  '<NextNonce xmlns="syncml:metinf">%s</NextNonce></Meta></Chal>' % b64(chal_nonce))
        s += "<Data>%d</Data></Status>" % code
        self.body.append(s)

    def command(self, c, server_id):
        self.body.append(self.render(c, server_id))

    def render(self, c, server_id):
        if "raw" in c:
            return c["raw"].replace("{cmdid}", str(self.next_id()))
        name = c["cmd"]
        parts = []
        if c.get("cmdid", True):
            parts.append("<CmdID>%d</CmdID>" % self.next_id())
        if name in ("Sequence", "Atomic"):
            for ch in c.get("children", []):
                parts.append(self.render(ch, server_id))
            return "<%s>%s</%s>" % (name, "".join(parts), name)
        if name == "Alert":
            parts.append("<Data>%s</Data>" % escape(c["alert"]))
            return "<Alert>%s</Alert>" % "".join(parts)
        item = []
        if c.get("target"):
            item.append("<Target><LocURI>%s</LocURI></Target>" %
                        escape(c["target"].replace("{server_id}", server_id)))
        if c.get("source"):
            item.append("<Source><LocURI>%s</LocURI></Source>" % escape(c["source"]))
        meta = ""
        if c.get("format") or c.get("type"):
            meta = "<Meta>"
            if c.get("format"):
                meta += '<Format xmlns="syncml:metinf">%s</Format>' % escape(c["format"])
            if c.get("type"):
                meta += '<Type xmlns="syncml:metinf">%s</Type>' % escape(c["type"])
            meta += "</Meta>"
            item.append(meta)
        if "data" in c:
            item.append("<Data>%s</Data>" % escape(c["data"]))
        parts.append("<Item>%s</Item>" % "".join(item))
        return "<%s>%s</%s>" % (name, "".join(parts), name)

    def finish(self, final=True, padding=0):
        pad = ("<!-- %s -->" % ("x" * padding)) if padding else ""
        return ('<?xml version="1.0" encoding="UTF-8"?>\n<SyncML xmlns="%s"><SyncHdr>%s</SyncHdr>'
                "<SyncBody>%s%s%s</SyncBody></SyncML>" % (
                    NS, self.hdr, "".join(self.body), pad, "<Final/>" if final else "")).encode()


def libwbxml(tool, data, *args):
    """Run xml2wbxml or wbxml2xml (libwbxml2-utils) on data; returns its output bytes."""
    with tempfile.TemporaryDirectory() as d:
        src, dst = os.path.join(d, "in"), os.path.join(d, "out")
        with open(src, "wb") as f:
            f.write(data)
        subprocess.run([tool, *args, "-o", dst, src], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=30)
        with open(dst, "rb") as f:
            return f.read()


def parse_client(body):
    root = ET.fromstring(body)
    hdr = child(root, "SyncHdr")
    sb = child(root, "SyncBody")
    msg = {
        "session_id": text(hdr, "SessionID"),
        "msg_id": text(hdr, "MsgID"),
        "target": text(hdr, "Target", "LocURI"),
        "source": text(hdr, "Source", "LocURI"),
        "locname": text(hdr, "Source", "LocName"),
        "verdtd": text(hdr, "VerDTD"),
        "verproto": text(hdr, "VerProto"),
        "cred": None, "cred_type": None,
        "alerts": [], "devinfo": {}, "statuses": [], "results": [], "commands": [],
        "final": child(sb, "Final") is not None,
    }
    cred = child(hdr, "Cred")
    if cred is not None:
        msg["cred"] = text(cred, "Data")
        msg["cred_type"] = text(cred, "Meta", "Type")
    for c in (sb if sb is not None else []):
        name = local(c.tag)
        if name == "Final":
            continue
        msg["commands"].append({"cmd": name, "cmdid": text(c, "CmdID")})
        if name == "Alert":
            msg["alerts"].append(text(c, "Data"))
        elif name == "Replace":
            for it in children(c, "Item"):
                msg["devinfo"][text(it, "Source", "LocURI")] = text(it, "Data")
        elif name == "Status":
            st = {"msg_ref": text(c, "MsgRef"), "cmd_ref": text(c, "CmdRef"),
                  "cmd": text(c, "Cmd"), "data": text(c, "Data"),
                  "target_ref": text(c, "TargetRef")}
            chal = child(c, "Chal")
            if chal is not None:
                st["chal_type"] = text(chal, "Meta", "Type")
                nn = text(chal, "Meta", "NextNonce")
                if nn is not None:
                    st["next_nonce_b64"] = nn
            msg["statuses"].append(st)
        elif name == "Results":
            for it in children(c, "Item"):
                msg["results"].append({"cmd_ref": text(c, "CmdRef"),
                                       "source": text(it, "Source", "LocURI"),
                                       "data": text(it, "Data")})
    return msg


def reply(scen, xml):
    """The 200 answer: the XML as it is, or re-encoded as WBXML 1.2 by libwbxml."""
    if scen.get("wbxml"):
        # "mislabel": WBXML bytes under the XML type (the client must refuse them)
        return (200, DM_TYPE if scen.get("mislabel") else DM_WBXML_TYPE,
                libwbxml("xml2wbxml", xml, "-v", "1.2"))
    return 200, DM_TYPE, xml


def handle(state, path, headers, body):
    cfg, scen = load_config()
    lower = {k.lower(): v for k, v in headers.items()}
    ctype = lower.get("content-type", "").split(";")[0].strip().lower()
    host = lower.get("host", "127.0.0.1")
    port = host.rsplit(":", 1)[1] if ":" in host else "443"
    n = state.setdefault("n", 0) + 1
    state["n"] = n
    entry = {"n": n, "path": path}
    is_wbxml = bool(body) and body[0] <= 0x03
    entry["ctype"] = ctype
    entry["encoding"] = "wbxml" if is_wbxml else "xml"
    if ctype not in (DM_TYPE, DM_WBXML_TYPE) or (ctype == DM_WBXML_TYPE) != is_wbxml:
        entry["replied"] = "415"
        record(cfg, entry, state)
        return 415, "text/plain", b"unsupported media type\n"
    try:
        if is_wbxml:
            entry["wbxml_head"] = body[:5].hex()
            body = libwbxml("wbxml2xml", body, "-m", "0")
        msg = parse_client(body)
    except subprocess.CalledProcessError as e:
        entry["replied"] = "400"
        entry["error"] = "wbxml2xml: %s" % e
        record(cfg, entry, state)
        return 400, "text/plain", b"bad wbxml\n"
    except ET.ParseError as e:
        entry["replied"] = "400"
        entry["error"] = str(e)
        record(cfg, entry, state)
        return 400, "text/plain", b"bad xml\n"

    server_id = cfg["server_id"]
    nonces = state.setdefault("nonces", {}).setdefault(server_id, {
        "client": base64.b64decode(cfg.get("client_nonce_b64", "")),
        "server": base64.b64decode(cfg.get("server_nonce_b64", "")),
    })
    sid = msg["session_id"]
    sess = state.setdefault("sessions", {}).setdefault(sid, {
        "msg_id": 0, "authed": False, "challenged": False, "pkg": 0, "ended": False})
    sess["msg_id"] += 1
    is_pkg1 = bool(msg["alerts"]) and any(a in ("1200", "1201") for a in msg["alerts"])
    entry.update({k: msg[k] for k in ("session_id", "msg_id", "locname", "alerts", "devinfo",
                                     "statuses", "results", "cred_type", "verdtd", "verproto",
                                     "target", "source", "final", "commands")})

    # The client's new server nonce (sent in the Chal of its Status for our header).
    for st in msg["statuses"]:
        if st.get("cmd") == "SyncHdr" and st.get("next_nonce_b64"):
            nonces["server"] = base64.b64decode(st["next_nonce_b64"])
            entry["new_server_nonce_b64"] = st["next_nonce_b64"]

    # Authenticate the client (OMA-TS-DM_Security-V1_2 §5.1.3).
    cred_ok = False
    history = state.setdefault("nonce_history", {}).setdefault(server_id, [b64(nonces["client"])])
    if msg["cred"] is not None and msg["locname"] == cfg["client_name"]:
        cred_ok = md5_cred(cfg["client_name"], cfg["client_secret"], nonces["client"]) == msg["cred"]
        # which client nonce ever issued the Cred was computed over (the nonce lifecycle tests)
        for n in history:
            if md5_cred(cfg["client_name"], cfg["client_secret"], base64.b64decode(n)) == msg["cred"]:
                entry["cred_nonce_b64"] = n
    entry["cred_ok"] = cred_ok
    entry["client_nonce_b64"] = b64(nonces["client"])

    resp_uri = scen.get("resp_uri", "").replace("{port}", port).replace("{host}", host) or None
    server_cred = scen.get("server_cred", "good")
    cred = None
    if server_cred == "good":
        cred = md5_cred(cfg.get("server_name", server_id), cfg["server_secret"], nonces["server"])
    elif server_cred == "wrong":
        cred = md5_cred(cfg.get("server_name", server_id), cfg["server_secret"] + "x",
                        nonces["server"])
    w = Writer(sid, sess["msg_id"], msg["source"], cfg.get("server_uri", server_id),
               cfg.get("server_name", server_id), cred, resp_uri)

    def statuses_for_all(code_hdr, chal=None):
        w.status(msg["msg_id"], "0", "SyncHdr", code_hdr, chal)
        for c in msg["commands"]:
            if c["cmd"] in ("Status", "Results"):
                continue
            w.status(msg["msg_id"], c["cmdid"] or "", c["cmd"], 200 if code_hdr < 300 else code_hdr)

    if is_pkg1:
        sess["pkg"] = 0
        chal_code = scen.get("challenge")
        if chal_code and (not sess["challenged"] or scen.get("challenge_always")):
            sess["challenged"] = True
            nonce = secrets.token_bytes(16)
            nonces["client"] = nonce
            history.append(b64(nonce))
            entry["issued_client_nonce_b64"] = b64(nonce)
            statuses_for_all(int(chal_code), nonce)
            entry["replied"] = "challenge-" + chal_code
            record(cfg, entry, state)
            return reply(scen, w.finish())
        if not cred_ok:
            nonce = secrets.token_bytes(16)
            nonces["client"] = nonce
            history.append(b64(nonce))
            entry["issued_client_nonce_b64"] = b64(nonce)
            statuses_for_all(401, nonce)
            entry["replied"] = "401"
            record(cfg, entry, state)
            return reply(scen, w.finish())
        sess["authed"] = True
        nonce = secrets.token_bytes(16)
        nonces["client"] = nonce
        history.append(b64(nonce))
        entry["issued_client_nonce_b64"] = b64(nonce)
        statuses_for_all(212, nonce)
    else:
        if scen.get("hold") and cfg.get("release_file"):
            entry["held"] = True
            record(cfg, dict(entry, replied="held"), state)
            for _ in range(3000):
                if os.path.exists(cfg["release_file"]):
                    break
                time.sleep(0.02)
        if not sess["authed"]:
            statuses_for_all(401, secrets.token_bytes(16))
            entry["replied"] = "401"
            record(cfg, entry, state)
            return reply(scen, w.finish())
        w.status(msg["msg_id"], "0", "SyncHdr", 200)
        for c in msg["commands"]:
            if c["cmd"] in ("Status", "Results"):
                continue
            w.status(msg["msg_id"], c["cmdid"] or "", c["cmd"], 200)

    packages = scen.get("packages", [])
    idx = sess["pkg"]
    if scen.get("endless"):
        cmds = packages[0]
    else:
        cmds = packages[idx] if idx < len(packages) else []
    sess["pkg"] += 1
    for c in cmds:
        w.command(c, server_id)
    entry["replied"] = "commands" if cmds else "end"
    entry["sent"] = [c.get("cmd", "raw") for c in cmds]
    padding = scen.get("oversize", 0) if cmds and idx == 0 else 0
    record(cfg, entry, state)
    return reply(scen, w.finish(padding=padding))
