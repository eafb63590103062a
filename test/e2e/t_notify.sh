#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Notifications when a job ends, against a local receiver:
#   - after a real deploy the generic (over HTTPS, verified with
#     NOTIFY_CA_FILE), Slack and Discord messages arrive; the generic one's
#     signature verifies with the README's openssl recipe and NOTIFY_SECRET;
#   - a receiver that answers 500, one that never answers and an HTTPS one
#     whose certificate is not trusted do not slow the deploy down; the
#     failing one is tried NOTIFY_ATTEMPTS times.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

NOTIFY_SECRET_VALUE="notify-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
RECORDS=$WORK/notifications.jsonl
: >"$RECORDS"
python3 "$E2E_DIR/notify_receiver.py" "$WORK/receiver.port" "$RECORDS" &
RECEIVER_PID=$!
on_cleanup 'kill "$RECEIVER_PID" 2>/dev/null; wait "$RECEIVER_PID" 2>/dev/null'
retry 10 test -s "$WORK/receiver.port" || fail "the receiver did not start"
RECEIVER="http://127.0.0.1:$(cat "$WORK/receiver.port")"

# The same receiver over HTTPS, with a certificate of its own for 127.0.0.1.
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 \
  -addext subjectAltName=IP:127.0.0.1 -keyout "$WORK/tls.key" -out "$WORK/tls.crt" 2>/dev/null ||
  fail "cannot make a test certificate"
python3 "$E2E_DIR/notify_receiver.py" "$WORK/tls-receiver.port" "$RECORDS" "$WORK/tls.crt" "$WORK/tls.key" &
TLS_RECEIVER_PID=$!
on_cleanup 'kill "$TLS_RECEIVER_PID" 2>/dev/null; wait "$TLS_RECEIVER_PID" 2>/dev/null'
retry 10 test -s "$WORK/tls-receiver.port" || fail "the HTTPS receiver did not start"
TLS_RECEIVER="https://127.0.0.1:$(cat "$WORK/tls-receiver.port")"

# Lines of $RECORDS whose path starts with $1.
records_for() {
  python3 -c '
import json, sys
for line in open(sys.argv[1]):
    record = json.loads(line)
    if record["path"].startswith(sys.argv[2]):
        print(json.dumps(record))' "$RECORDS" "$1"
}
count_for() { records_for "$1" | wc -l; }
at_least() { [ "$(count_for "$1")" -ge "$2" ]; }

# Deploys $1 with ?wait; sets DEPLOY_SECONDS.
deploy_waiting() {
  local start end
  start=$(date +%s%N)
  sign_and_post "/pull?wait=120" "{\"container_name\": \"$APP_NAME\"}"
  end=$(date +%s%N)
  assert_eq 200 "$RESP_CODE" "pull?wait: $RESP_BODY"
  DEPLOY_SECONDS=$(((end - start) / 1000000000))
  log "deploy took ${DEPLOY_SECONDS}s"
}

deploy_app notify 2.40.3
v2=$(build_app_image "$APP_TAG" "v2 of $PREFIX-notify")
hook_start NOTIFY_URL="$TLS_RECEIVER/generic" NOTIFY_SECRET="$NOTIFY_SECRET_VALUE" \
  NOTIFY_CA_FILE="$WORK/tls.crt" NOTIFY_SLACK_URL="$RECEIVER/slack/T000/B000/XXXX" NOTIFY_DISCORD_URL="$RECEIVER/discord/1/token"
deploy_waiting
first_seconds=$DEPLOY_SECONDS
job=$(json_get job_id <<<"$RESP_BODY")
assert_eq "$v2" "$(container_image_id "$APP_NAME")" "$APP_NAME runs v2"

for path in /generic /slack/T000/B000/XXXX /discord/1/token; do
  retry 10 at_least "$path" 1 || fail "no notification at $path: $(cat "$RECORDS")"
done
generic=$(records_for /generic | head -n 1)
body=$(json_get body <<<"$generic")
assert_eq "$job" "$(json_get job_id <<<"$body")" "generic job_id"
assert_eq succeeded "$(json_get state <<<"$body")" "generic state"
assert_eq pull "$(json_get action <<<"$body")" "generic action"
assert_eq "$PREFIX-notify" "$(json_get project <<<"$body")" "generic project"
assert_eq web "$(json_get service <<<"$body")" "generic service"
assert_eq "$APP_NAME" "$(json_get container_name <<<"$body")" "generic container"
assert_eq "$v2" "$(json_get image_id <<<"$body")" "generic image"
assert_eq application/json "$(json_get headers.Content-Type <<<"$generic")" "generic content type"
timestamp=$(json_get headers.X-Timestamp <<<"$generic")
assert_eq "$(signature openssl "${body}${timestamp}" "$NOTIFY_SECRET_VALUE")" \
  "$(json_get headers.X-Signature <<<"$generic")" "the generic notification's signature"
assert_not_contains "$body" "$(json_get job_token <<<"$RESP_BODY")" "the job token is not sent"

slack_text=$(json_get body <<<"$(records_for /slack)" | json_get text)
assert_eq "delivery-hook: pull of $PREFIX-notify/web (container $APP_NAME) succeeded in" \
  "${slack_text% *.* s}" "Slack text"
discord_text=$(json_get body <<<"$(records_for /discord)" | json_get content)
assert_eq "$slack_text" "$discord_text" "Discord content"

# Receivers that fail and hang: the deploy takes its usual time.
hook_stop
: >"$RECORDS"
v3=$(build_app_image "$APP_TAG" "v3 of $PREFIX-notify")
hook_start NOTIFY_URL="$RECEIVER/fail" NOTIFY_SLACK_URL="$RECEIVER/hang" \
  NOTIFY_DISCORD_URL="$TLS_RECEIVER/untrusted" NOTIFY_TIMEOUT=2 NOTIFY_ATTEMPTS=3
deploy_waiting
assert_eq succeeded "$(json_get state <<<"$RESP_BODY")" "the deploy with bad receivers"
assert_eq "$v3" "$(container_image_id "$APP_NAME")" "$APP_NAME runs v3"
[ "$DEPLOY_SECONDS" -le $((first_seconds + 3)) ] ||
  fail "bad receivers slowed the deploy: ${DEPLOY_SECONDS}s against ${first_seconds}s"
# 3 tries, 1 s then 2 s apart.
retry 15 at_least /fail 3 || fail "the failing receiver got $(count_for /fail) tries"
sleep 2
assert_eq 3 "$(count_for /fail)" "tries of the failing receiver"
retry 15 grep -q 'event=notify_failed receiver=generic' "$HOOK_LOG" || fail "no notify_failed line"
assert_contains "$(grep 'event=notify_failed receiver=generic' "$HOOK_LOG")" \
  'level=warn event=notify_failed receiver=generic job='"$(json_get job_id <<<"$RESP_BODY")"' attempts=3 error="status 500"' \
  "notify_failed line"
retry 15 grep -q 'event=notify_failed receiver=slack' "$HOOK_LOG" || fail "the hanging receiver was not given up"
assert_contains "$(grep 'event=notify_failed receiver=slack' "$HOOK_LOG")" "did not answer in time" "timeout reason"
retry 15 grep -q 'event=notify_failed receiver=discord' "$HOOK_LOG" || fail "no notify_failed line for HTTPS"
assert_contains "$(grep 'event=notify_failed receiver=discord' "$HOOK_LOG")" "certificate" \
  "an untrusted certificate is refused"
assert_eq 0 "$(count_for /untrusted)" "nothing was sent to the untrusted receiver"
assert_not_contains "$(cat "$HOOK_LOG")" "/hang" "receiver URLs stay out of the log"
assert_not_contains "$(cat "$HOOK_LOG")" "/untrusted" "receiver URLs stay out of the log"

# Stopping the hook does not wait for a hanging receiver.
stop_start=$(date +%s)
hook_stop
[ $(($(date +%s) - stop_start)) -le 15 ] || fail "stopping the hook took $(($(date +%s) - stop_start))s"
compose_noop 2.40.3 "$APP_DIR"
log "PASS"
