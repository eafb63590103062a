#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Request framing over raw sockets against the real binary: pipelined
# requests are answered in order; a request with both Content-Length and
# Transfer-Encoding, or a Transfer-Encoding that is not exactly "chunked", is
# answered 400 and its connection closed, so the request hidden after it is
# never answered; Expect: 100-continue with a Content-Length over the body
# limit is answered 413 at once, without 100 Continue. The refusals carry an
# X-Request-Id and are counted in /metrics. Pipelining and the framing check
# again over TLS.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

hook_start MAX_BODY_BYTES=1000

python3 - "$HOOK_PORT" <<'PY'
import re, socket, sys, time

PORT = int(sys.argv[1])
SMUGGLED = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"


def exchange(data, wait_for_close=True):
    """Sends `data` in one write; returns everything until the hook closes."""
    s = socket.create_connection(("127.0.0.1", PORT), timeout=5)
    s.sendall(data)
    out = b""
    start = time.monotonic()
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
    except socket.timeout:
        sys.exit(f"FAIL: the hook kept the connection open 5s after {data[:80]!r}; got {out[:300]!r}")
    s.close()
    return out, time.monotonic() - start


def check(cond, what):
    if not cond:
        sys.exit("FAIL: " + what)
    print("ok:", what.split(":")[0])


answers, _ = exchange(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
                      b"GET /nothing HTTP/1.1\r\nHost: x\r\nX-Request-Id: second\r\n\r\n"
                      b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
statuses = re.findall(rb"HTTP/1\.1 (\d{3}) ", answers)
check(statuses == [b"200", b"404", b"200"], f"pipelined requests answered in order: {statuses} {answers[:400]!r}")
check(b"X-Request-Id: second\r\n" in answers, "the second answer has its request id")

for headers in [b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
                b"Transfer-Encoding: chunked\r\nContent-Length: 40\r\n",
                b"Transfer-Encoding: gzip, chunked\r\n",
                b"Transfer-Encoding: xchunked\r\n",
                b"Transfer-Encoding: chunked, identity\r\n",
                b"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n"]:
    answer, _ = exchange(b"POST /pull HTTP/1.1\r\nHost: x\r\n" + headers + b"\r\n0\r\n\r\n" + SMUGGLED)
    check(answer.startswith(b"HTTP/1.1 400 "), f"{headers!r} is answered 400: {answer[:300]!r}")
    check(answer.count(b"HTTP/1.1 ") == 1, f"{headers!r}: the smuggled request is not answered: {answer!r}")
    check(b"Connection: close\r\n" in answer and b"X-Request-Id: " in answer,
          f"{headers!r}: Connection: close and X-Request-Id: {answer[:300]!r}")

answer, took = exchange(b"POST /pull HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5000\r\n\r\n")
check(answer.startswith(b"HTTP/1.1 413 ") and b"100 Continue" not in answer,
      f"Expect: 100-continue over the limit is 413 without 100: {answer[:300]!r}")
check(took < 1.0, f"the 413 comes at once: {took:.2f}s")

metrics, _ = exchange(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
check(b'deliveryhook_http_requests_total{endpoint="/pull",status="400"} 6' in metrics,
      f"the refusals are counted: {metrics[-1500:]!r}")
check(b'deliveryhook_http_requests_total{endpoint="/pull",status="413"} 1' in metrics, "the 413 is counted")
PY
kill -0 "$HOOK_PID" 2>/dev/null || fail "the hook died: $(tail -n 20 "$HOOK_LOG")"
hook_stop

log "the same over TLS: pipelined requests in order, CL+TE refused and the connection closed"
CERT=$WORK/cert.pem
KEY=$WORK/key.pem
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=127.0.0.1" \
  -addext "subjectAltName=IP:127.0.0.1" -keyout "$KEY" -out "$CERT" 2>/dev/null ||
  fail "openssl could not make a certificate"
HOOK_PORT=$(free_port)
env SECRET_KEY="$HOOK_SECRET" PORT="$HOOK_PORT" LISTEN_ADDRESS=127.0.0.1 DATA_DIR="$WORK/data-tls" \
  TLS_CERT_FILE="$CERT" TLS_KEY_FILE="$KEY" "$DELIVERY_HOOK_BIN" serve >"$HOOK_LOG" 2>&1 &
HOOK_PID=$!
retry 15 curl -fsS --max-time 2 --cacert "$CERT" "https://127.0.0.1:$HOOK_PORT/healthz" >/dev/null ||
  fail "the hook does not answer over TLS: $(tail -n 20 "$HOOK_LOG")"
tls_exchange() {
  # -ign_eof: s_client keeps reading after its input ends, until the hook closes.
  printf '%b' "$1" | timeout 10 openssl s_client -quiet -connect "127.0.0.1:$HOOK_PORT" -ign_eof 2>/dev/null |
    grep -ao 'HTTP/1.1 [0-9]*' | tr '\n' ' '
}
statuses=$(tls_exchange 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /nothing HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
assert_eq "HTTP/1.1 200 HTTP/1.1 404 HTTP/1.1 200 " "$statuses" "pipelined requests over TLS"
statuses=$(tls_exchange 'POST /pull HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n')
assert_eq "HTTP/1.1 400 " "$statuses" "CL+TE over TLS: one 400, the smuggled request unanswered"
log "PASS"
