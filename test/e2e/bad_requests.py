#!/usr/bin/env python3
"""Raw-socket clients for the hardening scenarios (python3 standard library only).

  bad_requests.py bad  --port P --secret S --container NAME [--count N] [--seed N]
      Sends N generated bad requests, each on its own connection, and checks
      each answer (see EXPECTATIONS). Prints one line per failure and a summary;
      exits 1 when any request got a wrong answer or none at all.

  bad_requests.py slow --port P --secret S --container NAME [--connections N]
                       [--trickle SECONDS] [--watch SECONDS]
      Opens N connections that each send part of a request and then trickle a
      byte every --trickle seconds; with all of them open, sends one valid
      signed POST /pull. Then trickles on until the server has closed every
      slow connection (at most --watch seconds from the start), and prints
      {"status", "seconds", "body"} of the trigger, the number of slow
      connections and of those closed, and how long the slowest stayed open.
"""
import argparse
import concurrent.futures
import hashlib
import hmac
import json
import random
import resource
import selectors
import socket
import sys
import time

# How each generated request must be answered:
#   "json4xx":  an HTTP response with a 4xx status and a JSON object body
#               {"error": non-empty string}; afterwards the server sends
#               nothing more on that connection.
#   "closed":   only random bytes and a request cut off inside its headers,
#               which httplib cannot split into a request line and headers:
#               "json4xx" or the connection closed without a single byte
#               (the hook waits for the rest until the request's header
#               deadline, 10 s).
# Everything else httplib can frame (a bad method or version, a header line
# over 8 KiB, a URI over 8 KiB, conflicting Content-Length/Transfer-Encoding,
# broken chunks, a body cut short) must get the JSON 4xx.
# Never allowed: no answer within TIMEOUT (a hang), a 2xx/3xx/5xx, a body
# that is not the JSON error, a second response on the same connection.
TIMEOUT = 15.0


def sign(secret, body, timestamp):
    return hmac.new(secret.encode(), body + str(timestamp).encode(), hashlib.sha256).hexdigest()


class Generator:
    def __init__(self, rng, secret, container):
        self.rng = rng
        self.secret = secret
        self.container = container

    def rand_bytes(self, lo, hi):
        return bytes(self.rng.getrandbits(8) for _ in range(self.rng.randint(lo, hi)))

    def request(self, body, headers=(), method="POST", path=None, version="HTTP/1.1", length=True):
        path = path or self.rng.choice(["/pull", "/build"])
        lines = [f"{method} {path} {version}".encode(), b"Host: 127.0.0.1"]
        for name, value in headers:
            lines.append(name.encode() + b": " + (value if isinstance(value, bytes) else str(value).encode()))
        if length:
            lines.append(b"Content-Length: " + str(len(body)).encode())
        return b"\r\n".join(lines) + b"\r\n\r\n" + body

    def signed(self, body, offset=0, path=None, method="POST", extra=()):
        ts = int(time.time()) + offset
        return self.request(body, [("Content-Type", "application/json"), ("X-Timestamp", ts),
                                   ("X-Signature", sign(self.secret, body, ts))] + list(extra),
                            method=method, path=path)

    # --- bodies that are not a valid selector, sent validly signed -> 400 ---
    def bad_bodies(self):
        c = json.dumps(self.container)
        depth = self.rng.choice([100, 1000, 10000, 30000])
        return [
            b"",
            b"null", b"true", b"1", b'"web"', b"[]", b"{}",
            b'{"container_name": ' + c.encode(),                       # truncated
            b'{"container_name": ' + c.encode()[: self.rng.randint(1, len(c))],
            b"[" * depth + b"]" * self.rng.choice([0, depth]),           # deeply nested
            b'{"a":' * depth + b"1" + b"}" * depth,
            b'{"container_name": ' + b"[" * depth,
            b'{"container_name": 123}', b'{"container_name": null}', b'{"container_name": true}',
            b'{"container_name": [' + c.encode() + b"]}", b'{"container_name": {"name": ' + c.encode() + b"}}",
            b'{"container_name": 1e999999}', b'{"container_name": ' + c.encode() + b', "n": 1e999999}',
            b'{"container_name": ' + c.encode() + b', "n": -' + b"9" * 5000 + b"}",
            b'{"container_name": ' + c.encode() + b', "container_name": "x!"}',   # duplicate keys
            b'{"container_name": "x!", "container_name": ' + c.encode() + b"}",
            b'{"container_name": "\xc3\x28"}', b'{"container_name": "' + self.container.encode() + b'\xff"}',
            b'{"container_name": "\xed\xa0\x80"}',                           # UTF-16 surrogate in UTF-8
            b'{"container_name": "' + self.container.encode() + b'\\u0000"}',
            b'{"container_name": "' + self.container.encode() + b'\\ud800"}',
            b'{"container_name": "../' + self.container.encode() + b'"}',
            b'{"container_name": "' + b"a" * 300 + b'"}',
            b'{"container_name": ' + c.encode() + b"}garbage",
            b'{"container_name": ' + c.encode() + b"} {}",
            b'{"project": "p"}', b'{"service": "s"}',
            b'{"container_name": ' + c.encode() + b', "project": "p", "service": "s"}',
            # Not here: a UTF-8 byte order mark before a valid body. RapidJSON
            # skips it as Python's json does for bytes; the signed body is
            # unambiguous, so it is accepted.
            self.rand_bytes(1, 200),
        ]

    def case(self):
        """Returns (kind, bytes, expectation). Every case is built before the
        first is sent and they take up to a minute to send: a timestamp meant
        to be outside the 300 s window is off by more than 300 + 60 s."""
        r = self.rng
        c = json.dumps({"container_name": self.container}).encode()
        kind = r.choice(["body", "body", "body", "signature", "signature", "headers", "garbage",
                         "smuggle", "method", "oversized"])
        if kind == "body":
            return kind, self.signed(r.choice(self.bad_bodies())), "json4xx"
        if kind == "signature":
            ts = int(time.time())
            good = sign(self.secret, c, ts)
            variant = r.randrange(14)
            headers = {
                0: [("X-Timestamp", ts - r.choice([301, 3600, 86400 * 365, ts])),
                    ("X-Signature", sign(self.secret, c, ts - 301))],
                1: [("X-Timestamp", ts + r.choice([400, 3600, 10 ** 9])), ("X-Signature", None)],
                2: [("X-Timestamp", ts), ("X-Signature", sign("wrong-" + self.secret, c, ts))],
                3: [("X-Timestamp", ts), ("X-Signature", good[:-1])],
                4: [("X-Timestamp", ts), ("X-Signature", good + "0")],
                5: [("X-Timestamp", ts), ("X-Signature", good.replace(good[0], "g", 1))],
                6: [("X-Timestamp", ts), ("X-Signature", good.encode() + b"\xc3\xa9")],
                7: [("X-Timestamp", str(ts).encode() + b"\xff"), ("X-Signature", good)],
                8: [("X-Timestamp", "-1"), ("X-Signature", good)],
                9: [("X-Timestamp", "9" * r.choice([13, 100, 4000])), ("X-Signature", good)],
                10: [("X-Timestamp", f"{ts}.0"), ("X-Signature", good)],
                11: [("X-Timestamp", f"+{ts}"), ("X-Signature", good)],
                12: [("X-Signature", good)],
                13: [("X-Timestamp", ts)],
            }[variant]
            headers = [(n, sign(self.secret, c, v) if v is None else v) for n, v in headers]
            # Variant 1 signs with the future timestamp it sends.
            if variant == 1:
                headers = [headers[0], ("X-Signature", sign(self.secret, c, headers[0][1]))]
            return kind, self.request(c, headers), "json4xx"
        if kind == "headers":
            ts = int(time.time())
            good = sign(self.secret, c, ts)
            bad = sign(self.secret, c, ts - 1)
            variant = r.randrange(7)
            if variant == 0:    # the signature twice, the right one second
                h = [("X-Timestamp", ts), ("X-Signature", bad), ("X-Signature", good)]
            elif variant == 1:  # the right one first: duplicated auth headers are refused outright
                h = [("X-Timestamp", ts), ("X-Signature", good), ("X-Signature", bad)]
            elif variant == 2:
                h = [("X-Timestamp", ts - 1), ("X-Timestamp", ts), ("X-Signature", good)]
            elif variant == 3:  # one header line over httplib's 8 KiB limit
                h = [("X-Timestamp", ts), ("X-Signature", good), ("X-Pad", "a" * r.choice([9000, 70000]))]
            elif variant == 4:  # many headers
                h = [("X-Timestamp", ts), ("X-Signature", bad)] + [(f"X-H{i}", "v") for i in range(r.choice([100, 2000]))]
            elif variant == 5:  # header names and values with control and 8-bit bytes
                h = [("X-Timestamp", ts), ("X-Signature", bad), ("X-\x01", b"\xff\xfe\x00v")]
            else:               # a huge X-Signature
                h = [("X-Timestamp", ts), ("X-Signature", "a" * r.choice([65, 8000]))]
            return kind, self.request(c, h), "json4xx"
        if kind == "garbage":
            variant = r.randrange(6)
            data = {
                0: self.rand_bytes(1, 2000),
                1: self.rand_bytes(1, 100) + b"\r\n\r\n",
                2: b"POST /pull HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n{\"co",  # body cut short
                3: b"POST /pull HTTP/1.1\r\nHost",                                      # headers cut short
                4: b"POST /pull HTTP/9.9\r\nContent-Length: 2\r\n\r\n{}",
                5: b"POST " + b"/" * r.choice([9000, 20000]) + b" HTTP/1.1\r\n\r\n",
            }[variant]
            # httplib answers 400 (or 414) to everything it can split into a
            # request line and headers; random bytes and a request cut off in
            # its headers it can only drop, at the read timeout.
            return kind, data, "closed" if variant in (0, 3) else "json4xx"
        if kind == "smuggle":
            ts = int(time.time())
            inner = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
            chunked = b"0\r\n\r\n" + inner
            base = [("X-Timestamp", ts), ("X-Signature", sign(self.secret, c, ts - 7))]
            variant = r.randrange(6)
            if variant == 0:  # CL and TE: chunked, CL covering the smuggled request
                data = self.request(chunked, base + [("Content-Length", len(chunked)), ("Transfer-Encoding", "chunked")], length=False)
            elif variant == 1:  # TE and CL, the other order, CL short
                data = self.request(chunked, base + [("Transfer-Encoding", "chunked"), ("Content-Length", 3)], length=False)
            elif variant == 2:  # two different Content-Length
                body = c + inner
                data = self.request(body, base + [("Content-Length", len(c)), ("Content-Length", len(body))], length=False)
            elif variant == 3:  # obfuscated TE
                data = self.request(chunked, base + [("Transfer-Encoding", r.choice(["xchunked", "chunked, identity", " chunked", "CHUNKED"])),
                                                     ("Content-Length", len(chunked))], length=False)
            elif variant == 4:  # negative / non-numeric / huge Content-Length
                data = self.request(c, base + [("Content-Length", r.choice(["-1", "abc", "1e3", "99999999999999999999", "0x10"]))], length=False)
            else:  # bad chunk sizes
                data = self.request(r.choice([b"zz\r\n{}\r\n0\r\n\r\n", b"ffffffffffffffff\r\n{}", b"-1\r\n{}\r\n0\r\n\r\n"]),
                                    base + [("Transfer-Encoding", "chunked")], length=False)
            return kind, data, "json4xx"
        if kind == "method":
            variant = r.randrange(5)
            data = {
                0: self.signed(c, method="GET"),
                1: self.signed(c, method=r.choice(["PUT", "DELETE", "PATCH"])),
                2: self.signed(c, method="FOO"),
                3: self.signed(c, path=r.choice(["/", "/pull/", "/PULL", "/jobs/x", "/%00", "/../pull"])),
                4: self.signed(c, path="/jobs/" + "a" * 64, method="GET"),
            }[variant]
            return kind, data, "json4xx"
        # oversized body: declared and sent, or declared only
        size = r.choice([65537, 200000, 2 * 1024 * 1024])
        if r.random() < 0.5:
            return kind, self.signed(b'{"container_name": "' + b"a" * size + b'"}'), "json4xx"
        ts = int(time.time())
        return kind, self.request(c[:10], [("X-Timestamp", ts), ("X-Signature", "0" * 64),
                                           ("Content-Length", 10 ** 9)], length=False), "json4xx"


def read_response(sock):
    """Reads one HTTP response; returns (status, headers, body, extra) or None when
    the connection closed before a single byte. Raises socket.timeout on a hang."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            if not data:
                return None
            raise ValueError(f"connection closed inside the response head: {data[:200]!r}")
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    parts = lines[0].split(b" ", 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/1."):
        raise ValueError(f"not an HTTP status line: {lines[0][:200]!r}")
    status = int(parts[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        headers[name.strip().lower().decode("latin-1")] = value.strip().decode("latin-1")
    length = int(headers.get("content-length", "0"))
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise ValueError("connection closed inside the response body")
        rest += chunk
    return status, headers, rest[:length], rest[length:]


def check(data, expectation, smuggle=False):
    """Sends one request on a new connection; returns None or what is wrong."""
    sock = socket.create_connection(("127.0.0.1", ARGS.port), timeout=TIMEOUT)
    try:
        try:
            sock.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may refuse before reading everything
        try:
            response = read_response(sock)
        except ConnectionResetError:
            response = None
        if response is None:
            return None if expectation == "closed" else "connection closed without an answer"
        status, headers, body, extra = response
        if not 400 <= status <= 499:
            return f"status {status}: {body[:200]!r}"
        try:
            error = json.loads(body).get("error")
        except (ValueError, AttributeError):
            error = None
        if not isinstance(error, str) or not error:
            return f"status {status} without a JSON error body: {body[:200]!r}"
        if not headers.get("content-type", "").startswith("application/json"):
            return f"status {status} with Content-Type {headers.get('content-type')!r}"
        # Whatever followed (a smuggled request) must not have been answered.
        sock.settimeout(1.0)
        try:
            while smuggle:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                extra += chunk
        except (ConnectionResetError, socket.timeout):
            pass
        if extra:
            return f"status {status}, then more on the connection: {extra[:200]!r}"
        return None
    except socket.timeout:
        return f"no answer within {TIMEOUT}s (hang)"
    except ValueError as e:
        return str(e)
    finally:
        sock.close()


def run_bad():
    rng = random.Random(ARGS.seed)
    gen = Generator(rng, ARGS.secret, ARGS.container)
    failures, counts = [], {}
    cases = [gen.case() for _ in range(ARGS.count)]
    # A request the server cannot parse may only end with its read timeout, so
    # they run side by side; the order of the answers does not matter.
    with concurrent.futures.ThreadPoolExecutor(ARGS.parallel) as pool:
        problems = pool.map(lambda case: check(case[1], case[2], case[0] == "smuggle"), cases)
        for i, ((kind, data, expectation), problem) in enumerate(zip(cases, problems)):
            counts[kind] = counts.get(kind, 0) + 1
            if problem:
                failures.append(f"#{i} {kind} ({expectation}): {problem}; request {data[:160]!r}")
    for f in failures:
        print("FAIL", f)
    print(json.dumps({"sent": ARGS.count, "failed": len(failures), "kinds": counts}))
    return 1 if failures else 0


def run_slow():
    """The slow connections send part of a request, then a byte every
    --trickle seconds; each is watched until the server closes it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = ARGS.connections + 64
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard), hard))
    partial = b"POST /pull HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 40\r\nX-Times"
    watcher = selectors.DefaultSelector()
    opened, closed = {}, {}  # socket: when it was opened / seconds it stayed open
    for _ in range(ARGS.connections):
        s = socket.create_connection(("127.0.0.1", ARGS.port), timeout=5)
        s.sendall(partial)
        s.setblocking(False)
        opened[s] = time.monotonic()
        watcher.register(s, selectors.EVENT_READ)

    def watch(seconds):
        until = time.monotonic() + seconds
        while opened.keys() - closed.keys():
            left = until - time.monotonic()
            if left <= 0:
                return
            for key, _ in watcher.select(left):
                s = key.fileobj
                try:
                    data = s.recv(65536)
                except BlockingIOError:
                    continue
                except OSError:
                    data = b""
                if not data:
                    closed[s] = time.monotonic() - opened[s]
                    watcher.unregister(s)

    def trickle():
        for s in opened.keys() - closed.keys():
            try:
                s.send(b"t")
            except OSError:
                pass

    started = time.monotonic()
    watch(min(1.0, ARGS.trickle))  # every slow connection has been accepted
    trickle()
    body = json.dumps({"container_name": ARGS.container}).encode()
    ts = int(time.time())
    request = (b"POST /pull HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
               b"X-Timestamp: " + str(ts).encode() + b"\r\nX-Signature: " + sign(ARGS.secret, body, ts).encode() +
               b"\r\nContent-Length: " + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body)
    start = time.monotonic()
    status, reply = 0, ""
    try:
        s = socket.create_connection(("127.0.0.1", ARGS.port), timeout=ARGS.deadline)
        s.sendall(request)
        response = read_response(s)
        if response:
            status, reply = response[0], response[2].decode("utf-8", "replace")
        s.close()
    except socket.timeout:
        pass
    seconds = time.monotonic() - start
    # Keep trickling until the server has closed every slow connection, or
    # for --watch seconds.
    while opened.keys() - closed.keys() and time.monotonic() - started < ARGS.watch:
        watch(ARGS.trickle)
        trickle()
    for s in opened:
        s.close()
    print(json.dumps({"status": status, "seconds": round(seconds, 3), "body": reply,
                      "slow_connections": len(opened), "slow_closed": len(closed),
                      "slowest_close": round(max(closed.values(), default=0), 3)}))
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["bad", "slow"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--container", required=True)
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("--parallel", type=int, default=16)
    parser.add_argument("--connections", type=int, default=300)
    parser.add_argument("--deadline", type=float, default=10.0)
    parser.add_argument("--trickle", type=float, default=3.0)
    parser.add_argument("--watch", type=float, default=20.0)
    ARGS = parser.parse_args()
    sys.exit(run_bad() if ARGS.mode == "bad" else run_slow())
