#!/usr/bin/env python3
"""uri_server.py: the HTTP server the compat playbook 23_net_modules.yml talks to (uri and
get_url), started by tests/compat.rs on the tier-2 bridge. Usage: uri_server.py ADDR PORT.
Its answers are fixed so that both tools' results compare equal; it knows nothing of them.

  /json            a JSON document
  /echo            any method: the request (method, path, body, content type, agent, X-Test)
  /redirect        302 to /json
  /redirect/NNN    answers NNN (301, 302, 303, 307, 308) with a Location of /echo
  /auth            Basic auth as u:p, else 401 with a Basic challenge
  /cookie          sets a cookie
  /status/NNN      answers with status NNN
  /file.txt        a text file last modified in 2020 (If-Modified-Since gives 304)
"""
import base64
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODIFIED = "Wed, 01 Jan 2020 00:00:00 GMT"


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self, code, body, ctype="application/json", extra=()):
        data = body.encode() if isinstance(body, str) else json.dumps(body, sort_keys=True).encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-Test-Server", "compat")
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def handle_any(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n).decode() if n else ""
        path = self.path
        if path == "/json":
            self.answer(200, {"a": 1, "list": [1, 2], "name": "compat"})
        elif path == "/echo":
            self.answer(200, {
                "method": self.command,
                "body": body,
                "content_type": self.headers.get("Content-Type"),
                "agent": self.headers.get("User-Agent"),
                "x_test": self.headers.get("X-Test"),
            })
        elif path == "/redirect":
            self.answer(302, "moved\n", "text/plain", [("Location", "/json")])
        elif path.startswith("/redirect/"):
            self.answer(int(path[10:]), "moved\n", "text/plain", [("Location", "/echo")])
        elif path == "/auth":
            want = "Basic " + base64.b64encode(b"u:p").decode()
            if self.headers.get("Authorization") == want:
                self.answer(200, {"user": "u"})
            else:
                self.answer(401, "no\n", "text/plain", [("WWW-Authenticate", 'Basic realm="compat"')])
        elif path == "/cookie":
            self.answer(200, "cookie\n", "text/plain", [("Set-Cookie", "s=abc; Path=/")])
        elif path.startswith("/status/"):
            self.answer(int(path[8:]), "status\n", "text/plain")
        elif path == "/file.txt":
            if self.headers.get("If-Modified-Since"):
                self.send_response(304)
                self.end_headers()
            else:
                self.answer(200, "a file\n", "text/plain", [("Last-Modified", MODIFIED)])
        else:
            self.answer(404, "not here\n", "text/plain")

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = handle_any


ThreadingHTTPServer((sys.argv[1], int(sys.argv[2])), Handler).serve_forever()
