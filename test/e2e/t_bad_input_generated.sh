#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# 600 generated bad requests over raw sockets (bad_requests.py): random
# bytes, truncated and deeply nested JSON, wrong types, huge numbers,
# duplicate keys, invalid UTF-8, repeated and oversized headers, conflicting
# Content-Length / Transfer-Encoding, bad, old and future signatures.
#
# Each must get a 4xx with a JSON {"error": "..."} body and nothing more on
# its connection: httplib's own refusals (400 for a bad request line, method,
# version, header or chunk, 414 for a URI over 8 KiB, 413) get the JSON body
# from the server's error handler. The one exception is input httplib cannot
# split into a request line and headers at all (random bytes, a request cut
# off inside its headers): it waits for the rest until the read timeout
# (10 s), then may close the connection without a byte. No request may hang,
# none may create a job, the hook must keep running, and the compose
# container must keep its id and run on.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

deploy_app bad-gen 2.40.3
old_id=$(container_id "$APP_NAME")
hook_start

seed=${BAD_REQUESTS_SEED:-$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')}
log "sending ${BAD_REQUESTS:-600} bad requests (seed $seed; BAD_REQUESTS_SEED=$seed repeats them)"
summary=$(python3 "$E2E_DIR/bad_requests.py" bad --port "$HOOK_PORT" --secret "$HOOK_SECRET" \
  --container "$APP_NAME" --count "${BAD_REQUESTS:-600}" --seed "$seed") ||
  fail "some bad requests were not refused as they must be:
$summary"
log "$(tail -n 1 <<<"$summary")"

kill -0 "$HOOK_PID" 2>/dev/null || fail "the hook died: $(tail -n 20 "$HOOK_LOG")"
hook_answers || fail "the hook no longer answers"
if grep -q 'decision=accepted' "$HOOK_LOG"; then
  fail "a bad request was accepted: $(grep 'decision=accepted' "$HOOK_LOG" | head -n 3)"
fi
if grep -qE 'Sanitizer|runtime error' "$HOOK_LOG"; then
  fail "sanitizer report in the hook's log: $(grep -m 5 -E 'Sanitizer|runtime error' "$HOOK_LOG")"
fi

container_running "$APP_NAME" || fail "$APP_NAME is not running any more"
assert_eq "$old_id" "$(container_id "$APP_NAME")" "$APP_NAME untouched"
assert_eq "$APP_V1" "$(container_image_id "$APP_NAME")" "$APP_NAME image untouched"

# The hook still does its job afterwards.
sign_and_post /pull "{\"container_name\": \"$APP_NAME\"}"
assert_eq 202 "$RESP_CODE" "a valid request after the bad ones: $RESP_BODY"
accept_job "$RESP_BODY"
wait_for_job "$JOB_ID" "$JOB_TOKEN"
assert_eq succeeded "$JOB_STATE" "pull of an unchanged image (error: $JOB_ERROR)"
assert_eq "$old_id" "$(container_id "$APP_NAME")" "$APP_NAME untouched by an unchanged pull"
compose_noop 2.40.3 "$APP_DIR"
log "PASS"
