#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""tlsserver.py: a generic HTTPS server on 127.0.0.1 for the DM route's tests.

  tlsserver.py --cert PEM --key PEM --port-file F --log F.jsonl [--tls-max 1.1]
               [--handler module.py] [--chunked] [--close] [--drop-after N]
               [--drop-unanswered N] [--cut-after N] [--smuggle]

Listens on 127.0.0.1, an ephemeral port written to --port-file (atomically, once listening).
Every request is recorded as one JSON line in --log BEFORE it is answered:
  {"method": "POST", "path": "/dm", "headers": {"content-type": "...", ...}, "body": "<base64>",
   "connection": N, "request": M}
(header names lower-cased; a request that never got past the TLS handshake records nothing, so
"no POST in the log" means the client sent nothing). A TLS handshake failure is reported on
stderr only.

The answer comes from the handler module (--handler FILE.py), which defines
    handle(state: dict, path: str, headers: dict, body: bytes) -> (status: int, content_type: str, body: bytes)
state is one dict for the server's lifetime (calls are serialised); headers as in the log. Without
--handler the body is echoed back with the request's Content-Type.

--tls-max 1.1: offer TLS 1.0-1.1 only (a client requiring TLS >= 1.2 must fail the handshake).
--chunked: answer with Transfer-Encoding: chunked instead of Content-Length.
--close: say "Connection: close" and close after each answer.
--drop-after N: silently close a connection after N answers (a server dropping an idle
  kept-alive connection).
--drop-unanswered N: read (and log) request N+1 of a connection, then close it without a byte of
  an answer and without close_notify (the client wrote the whole request: it must not resend it).
--cut-after N: answer request N+1 with the first half of the answer only, then close without
  close_notify (a cut answer).
--smuggle: write a second complete answer ("smuggled") right after each answer, in the same
  write (one TLS record), as a desynchronising server would.
"""
import argparse
import base64
import importlib.util
import json
import os
import socket
import ssl
import sys
import threading

LOCK = threading.Lock()
MAX_BODY = 1 << 20
MAX_HEADERS = 100


def load_handler(path):
    spec = importlib.util.spec_from_file_location("dm_handler", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.handle


def echo(state, path, headers, body):
    return 200, headers.get("content-type", "application/octet-stream"), body


def read_line(f):
    line = f.readline(8192 + 1)
    if len(line) > 8192:
        raise ValueError("line too long")
    return line


def serve_connection(conn, args, handler, state, log, conn_no):
    f = conn.makefile("rb")
    answered = 0
    try:
        while True:
            line = read_line(f)
            if not line:
                return
            parts = line.decode("latin-1").rstrip("\r\n").split(" ")
            if len(parts) != 3:
                return
            method, path, _version = parts
            headers = {}
            for _ in range(MAX_HEADERS):
                h = read_line(f)
                if h in (b"\r\n", b"\n", b""):
                    break
                name, _, value = h.decode("latin-1").partition(":")
                headers[name.strip().lower()] = value.strip()
            n = int(headers.get("content-length", "0"))
            if n < 0 or n > MAX_BODY:
                return
            body = f.read(n) if n else b""
            if args.drop_unanswered and answered >= args.drop_unanswered:
                with LOCK:
                    log.write(json.dumps({"method": method, "path": path, "headers": headers,
                                          "body": base64.b64encode(body).decode(), "connection": conn_no,
                                          "request": answered + 1}) + "\n")
                    log.flush()
                # SSLSocket.shutdown drops the TLS layer without close_notify, then ends TCP
                conn.shutdown(socket.SHUT_RDWR)
                return
            with LOCK:
                log.write(json.dumps({"method": method, "path": path, "headers": headers,
                                      "body": base64.b64encode(body).decode(), "connection": conn_no,
                                      "request": answered + 1}) + "\n")
                log.flush()
                status, ctype, out = handler(state, path, headers, body)
            reason = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found",
                      415: "Unsupported Media Type", 500: "Internal Server Error"}.get(status, "Status")
            head = "HTTP/1.1 %d %s\r\nContent-Type: %s\r\n" % (status, reason, ctype)
            if args.close:
                head += "Connection: close\r\n"
            if args.chunked:
                head += "Transfer-Encoding: chunked\r\n\r\n"
                payload = b""
                for i in range(0, len(out), 1000):
                    piece = out[i:i + 1000]
                    payload += b"%x\r\n" % len(piece) + piece + b"\r\n"
                payload += b"0\r\n\r\n"
            else:
                head += "Content-Length: %d\r\n\r\n" % len(out)
                payload = out
            data = head.encode("latin-1") + payload
            if args.cut_after and answered >= args.cut_after:
                conn.sendall(data[:len(data) // 2])
                conn.shutdown(socket.SHUT_RDWR)
                return
            if args.smuggle:
                evil = b"smuggled"
                data += (b"HTTP/1.1 200 OK\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n"
                         % (ctype.encode("latin-1"), len(evil))) + evil
            conn.sendall(data)
            answered += 1
            if args.close or (args.drop_after and answered >= args.drop_after):
                return
    except (ssl.SSLError, OSError, ValueError) as e:
        print("tlsserver: connection %d: %s" % (conn_no, e), file=sys.stderr, flush=True)
    finally:
        try:
            conn.close()
        except OSError:
            pass


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--port-file", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--tls-max", choices=["1.1", "1.2", "1.3"])
    p.add_argument("--handler")
    p.add_argument("--chunked", action="store_true")
    p.add_argument("--close", action="store_true")
    p.add_argument("--drop-after", type=int, default=0)
    p.add_argument("--drop-unanswered", type=int, default=0)
    p.add_argument("--cut-after", type=int, default=0)
    p.add_argument("--smuggle", action="store_true")
    args = p.parse_args()

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.cert, args.key)
    if args.tls_max == "1.1":
        # OpenSSL 3 refuses TLS < 1.2 at its default security level: open it for this test server
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
        ctx.minimum_version = ssl.TLSVersion.TLSv1
        ctx.maximum_version = ssl.TLSVersion.TLSv1_1
    elif args.tls_max == "1.2":
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    handler = load_handler(args.handler) if args.handler else echo
    state = {}
    log = open(args.log, "a", encoding="utf-8")

    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.getsockname()[1])
    os.rename(tmp, args.port_file)

    conn_no = 0
    while True:
        raw, _ = srv.accept()
        conn_no += 1
        try:
            raw.settimeout(30)
            conn = ctx.wrap_socket(raw, server_side=True)
        except (ssl.SSLError, OSError) as e:
            print("tlsserver: connection %d: handshake failed: %s" % (conn_no, e), file=sys.stderr, flush=True)
            raw.close()
            continue
        threading.Thread(target=serve_connection, args=(conn, args, handler, state, log, conn_no),
                         daemon=True).start()


if __name__ == "__main__":
    main()
