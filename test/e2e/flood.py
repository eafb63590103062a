#!/usr/bin/env python3
"""Sends N badly signed or malformed POST /pull requests, each on its own
connection, optionally from a given source address, and prints how they were
answered ("401:5 429:395").

  flood.py HOST PORT N BODY [--source ADDRESS] [--header NAME:VALUE]...
"""
import collections
import http.client
import sys
import time


def main():
    host, port, count, body = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    source, headers = None, {}
    rest = sys.argv[5:]
    while rest:
        if rest[0] == "--source":
            source = (rest[1], 0)
        elif rest[0] == "--header":
            name, value = rest[1].split(":", 1)
            headers[name] = value
        rest = rest[2:]
    answers = collections.Counter()
    now = int(time.time())
    for i in range(count):
        connection = http.client.HTTPConnection(host, port, timeout=10, source_address=source)
        request_headers = {"Content-Type": "application/json", **headers}
        if i % 2 == 0:
            request_headers["X-Timestamp"] = str(now)
            request_headers["X-Signature"] = "%064x" % i  # well-formed, wrong
        else:
            request_headers["X-Timestamp"] = "not-a-number"
            request_headers["X-Signature"] = "zz"
        connection.request("POST", "/pull", body=body, headers=request_headers)
        answers[connection.getresponse().status] += 1
        connection.close()
    print(" ".join("%d:%d" % item for item in sorted(answers.items())))


if __name__ == "__main__":
    main()
