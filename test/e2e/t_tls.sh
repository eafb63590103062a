#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# HTTPS (TLS_CERT_FILE, TLS_KEY_FILE) with a self-signed certificate made by
# the openssl CLI:
#   - one of the two variables alone, or a file that is no certificate,
#     stops the start with a clear message;
#   - the README's openssl+curl recipe, with `curl --cacert`, deploys v2;
#     the job's events stream over TLS too;
#   - plain HTTP to the TLS port fails at once, and the hook serves on;
#   - TLS 1.1 is refused, 1.2 and 1.3 are spoken;
#   - `delivery-hook trigger --url https://... --cacert` deploys v3 and
#     waits for it; without --cacert the certificate is refused (exit 2);
#   - compose 2.40.3 sees nothing to do afterwards.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CERT=$WORK/cert.pem
KEY=$WORK/key.pem
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=127.0.0.1" \
  -addext "subjectAltName=IP:127.0.0.1" -keyout "$KEY" -out "$CERT" 2>/dev/null ||
  fail "openssl could not make a certificate"

log "TLS settings that cannot work stop the start"
rc=0
err=$(env SECRET_KEY=x PORT="$(free_port)" LISTEN_ADDRESS=127.0.0.1 DATA_DIR="$WORK/data" \
  TLS_CERT_FILE="$CERT" "$DELIVERY_HOOK_BIN" serve 2>&1) || rc=$?
assert_eq 2 "$rc" "TLS_CERT_FILE alone"
assert_contains "$err" "TLS_CERT_FILE and TLS_KEY_FILE go together: set both for HTTPS, or neither" \
  "TLS_CERT_FILE alone: message"
rc=0
err=$(env SECRET_KEY=x PORT="$(free_port)" LISTEN_ADDRESS=127.0.0.1 DATA_DIR="$WORK/data" \
  TLS_CERT_FILE="$KEY" TLS_KEY_FILE="$KEY" "$DELIVERY_HOOK_BIN" serve 2>&1) || rc=$?
assert_eq 1 "$rc" "a key as the certificate"
assert_contains "$err" "delivery-hook: cannot load the TLS certificate $KEY: " "a key as the certificate: message"

deploy_app tls 2.40.3
v2=$(build_app_image "$APP_TAG" "v2 of $PREFIX-tls")

# hook_start checks the hook over plain HTTP; this one speaks HTTPS only.
HOOK_PORT=$(free_port)
API_BASE="https://127.0.0.1:$HOOK_PORT"
log "starting hook on $API_BASE"
env SECRET_KEY="$HOOK_SECRET" PORT="$HOOK_PORT" LISTEN_ADDRESS=127.0.0.1 DATA_DIR="$WORK/data" \
  TLS_CERT_FILE="$CERT" TLS_KEY_FILE="$KEY" SETTLE_MS=1500 \
  "$DELIVERY_HOOK_BIN" serve >"$HOOK_LOG" 2>&1 &
HOOK_PID=$!
retry 15 curl -fsS --max-time 2 --cacert "$CERT" "$API_BASE/healthz" >/dev/null ||
  fail "the hook does not answer on $API_BASE: $(tail -n 20 "$HOOK_LOG")"
assert_contains "$(cat "$HOOK_LOG")" "tls=on" "the hook logs that it speaks TLS"

log "the README's openssl+curl recipe with --cacert"
sign_and_post /pull "{\"container_name\": \"$APP_NAME\"}" --cacert "$CERT"
assert_eq 202 "$RESP_CODE" "HTTPS trigger: $RESP_BODY $(cat "$WORK/curl.err")"
accept_job "$RESP_BODY"
curl -N -sS --max-time 120 --cacert "$CERT" -o "$WORK/events.ndjson" \
  -H "Authorization: Bearer $JOB_TOKEN" "$API_BASE/jobs/$JOB_ID/events?format=ndjson" ||
  fail "the job's events over TLS"
last=$(grep -v keep-alive "$WORK/events.ndjson" | tail -n 1)
assert_eq state "$(json_get event <<<"$last")" "the stream ends with the state"
assert_eq succeeded "$(json_get state <<<"$last")" "the job over HTTPS (events: $(cat "$WORK/events.ndjson"))"
assert_eq "$v2" "$(container_image_id "$APP_NAME")" "$APP_NAME runs v2"

log "plain HTTP to the TLS port fails at once"
start=$SECONDS
rc=0
curl -sS --max-time 10 -o /dev/null "http://127.0.0.1:$HOOK_PORT/healthz" 2>"$WORK/plain.err" || rc=$?
assert_ne 0 "$rc" "plain HTTP to the TLS port must fail"
[ $((SECONDS - start)) -le 5 ] || fail "plain HTTP took $((SECONDS - start))s to fail"
log "plain HTTP: curl exit $rc ($(cat "$WORK/plain.err"))"
assert_contains "$(curl -fsS --max-time 5 --cacert "$CERT" "$API_BASE/healthz")" '"status":"ok"' \
  "the hook still serves HTTPS"

log "TLS 1.1 is refused; 1.2 and 1.3 are spoken"
for version in 1.2 1.3; do
  curl -fsS --max-time 5 --cacert "$CERT" --tlsv"$version" --tls-max "$version" -o /dev/null "$API_BASE/healthz" ||
    fail "TLS $version was refused"
done
rc=0
openssl s_client -connect "127.0.0.1:$HOOK_PORT" -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0' \
  </dev/null >"$WORK/tls11.out" 2>&1 || rc=$?
assert_ne 0 "$rc" "a TLS 1.1 handshake must fail: $(tail -n 5 "$WORK/tls11.out")"
# The client offered 1.1 (its own floor lowered): the hook said no.
assert_contains "$(cat "$WORK/tls11.out")" "alert protocol version" "the hook refuses TLS 1.1"

log "delivery-hook trigger over HTTPS"
v3=$(build_app_image "$APP_TAG" "v3 of $PREFIX-tls")
rc=0
SECRET_KEY="$HOOK_SECRET" "$DELIVERY_HOOK_BIN" trigger --url "$API_BASE" --container "$APP_NAME" \
  --wait --timeout 120 2>"$WORK/cli.err" >/dev/null || rc=$?
assert_eq 2 "$rc" "trigger without --cacert: $(cat "$WORK/cli.err")"
assert_contains "$(cat "$WORK/cli.err")" "cannot reach the hook at https://127.0.0.1:$HOOK_PORT" \
  "trigger without --cacert: message"
rc=0
out=$(SECRET_KEY="$HOOK_SECRET" "$DELIVERY_HOOK_BIN" trigger --url "$API_BASE" --cacert "$CERT" \
  --container "$APP_NAME" --wait --timeout 120 2>"$WORK/cli.err") || rc=$?
sed 's/^/  cli: /' "$WORK/cli.err" >&2
assert_eq 0 "$rc" "trigger --cacert --wait exit code"
assert_contains "$(cat "$WORK/cli.err")" "job $out succeeded" "trigger over HTTPS: the outcome"
assert_contains "$(cat "$HOOK_LOG")" "event=job_events client=127.0.0.1 job=$out format=ndjson" \
  "trigger followed the job's stream over TLS"
assert_eq "$v3" "$(container_image_id "$APP_NAME")" "$APP_NAME runs v3"
rc=0
SECRET_KEY="$HOOK_SECRET" "$DELIVERY_HOOK_BIN" jobs --url "$API_BASE" --cacert "$CERT" >"$WORK/jobs.out" 2>&1 || rc=$?
assert_eq 0 "$rc" "jobs over HTTPS: $(cat "$WORK/jobs.out")"
assert_contains "$(cat "$WORK/jobs.out")" "$out" "jobs lists the job"
compose_noop 2.40.3 "$APP_DIR"
log "PASS"
