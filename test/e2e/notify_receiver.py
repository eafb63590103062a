#!/usr/bin/env python3
"""A local receiver for the hook's notifications (test/e2e/t_notify.sh).

Usage: notify_receiver.py PORT_FILE RECORD_FILE [CERT_FILE KEY_FILE]

Listens on a free port of 127.0.0.1 (written to PORT_FILE) and appends one
JSON line per request to RECORD_FILE: {"path", "headers", "body", "time"}.
With CERT_FILE and KEY_FILE it speaks HTTPS. The path chooses the answer:
  /fail...   500
  /hang...   nothing for 60 s (the hook's per-try timeout cuts it)
  otherwise  200
"""
import http.server
import json
import ssl
import sys
import threading
import time

port_file, record_file = sys.argv[1], sys.argv[2]
lock = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length).decode("utf-8")
        with lock, open(record_file, "a", encoding="utf-8") as out:
            out.write(json.dumps({"path": self.path, "headers": dict(self.headers.items()),
                                  "body": body, "time": time.time()}) + "\n")
        if self.path.startswith("/hang"):
            time.sleep(60)
            return
        self.send_response(500 if self.path.startswith("/fail") else 200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
if len(sys.argv) > 4:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(sys.argv[3], sys.argv[4])
    server.socket = context.wrap_socket(server.socket, server_side=True)
with open(port_file, "w", encoding="utf-8") as out:
    out.write(str(server.server_address[1]))
server.serve_forever()
