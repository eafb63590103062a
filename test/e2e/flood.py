#!/usr/bin/env python3
"""Sends N badly signed or malformed POST /pull requests, each on its own
connection, optionally from a given source address, and prints how they were
answered ("401:5 429:395").

  flood.py HOST PORT N BODY [--source ADDRESS] [--header NAME:VALUE]...
           [--parallel P] [--seconds S] [--secret SECRET]

--parallel P sends them over P connections at once (a concurrent flood);
--seconds S stops after S seconds even if fewer than N were sent;
--secret SECRET signs every request validly instead, each with its own body:
every "{i}" in BODY is replaced by the request's number (made-up targets).
"""
import collections
import hashlib
import hmac
import http.client
import itertools
import sys
import threading
import time


def main():
    host, port, count, body = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    source, headers, parallel, seconds, secret = None, {}, 1, None, None
    rest = sys.argv[5:]
    while rest:
        if rest[0] == "--source":
            source = (rest[1], 0)
        elif rest[0] == "--header":
            name, value = rest[1].split(":", 1)
            headers[name] = value
        elif rest[0] == "--parallel":
            parallel = int(rest[1])
        elif rest[0] == "--seconds":
            seconds = float(rest[1])
        elif rest[0] == "--secret":
            secret = rest[1].encode()
        rest = rest[2:]
    answers = collections.Counter()
    lock = threading.Lock()
    numbers = itertools.count()
    now = int(time.time())
    deadline = None if seconds is None else time.monotonic() + seconds

    def one(i):
        request_headers = {"Content-Type": "application/json", **headers}
        payload = body
        if secret is not None:
            payload = body.replace("{i}", str(i))
            timestamp = str(int(time.time()))
            request_headers["X-Timestamp"] = timestamp
            request_headers["X-Signature"] = hmac.new(
                secret, (payload + timestamp).encode(), hashlib.sha256).hexdigest()
        elif i % 2 == 0:
            request_headers["X-Timestamp"] = str(now)
            request_headers["X-Signature"] = "%064x" % i  # well-formed, wrong
        else:
            request_headers["X-Timestamp"] = "not-a-number"
            request_headers["X-Signature"] = "zz"
        connection = http.client.HTTPConnection(host, port, timeout=10, source_address=source)
        try:
            connection.request("POST", "/pull", body=payload, headers=request_headers)
            status = connection.getresponse().status
        except OSError:
            status = 0  # the connection failed: counted as 0
        finally:
            connection.close()
        return status

    def worker():
        while True:
            with lock:
                i = next(numbers)
            if i >= count or (deadline is not None and time.monotonic() > deadline):
                return
            status = one(i)
            with lock:
                answers[status] += 1

    threads = [threading.Thread(target=worker) for _ in range(parallel)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(" ".join("%d:%d" % item for item in sorted(answers.items())))


if __name__ == "__main__":
    main()
