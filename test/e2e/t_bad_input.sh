#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Requests the hook must refuse, each with its status code and a JSON body
# {"error": "..."}; no container may change (same id, still running).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

deploy_app bad-input 2.40.3
old_id=$(container_id "$APP_NAME")
payload="{\"container_name\": \"$APP_NAME\"}"
hook_start

# Asserts the last answer: status $1 and a JSON {"error": non-empty}.
expect_refused() {
  local code=$1 what=$2 error
  assert_eq "$code" "$RESP_CODE" "$what: status (body: $RESP_BODY)"
  error=$(json_get error <<<"$RESP_BODY" 2>/dev/null) || fail "$what: body is not JSON: $RESP_BODY"
  assert_ne "" "$error" "$what: JSON error message"
  log "$what -> $code ($error)"
}

SIGN_SECRET=not-the-secret sign_and_post /pull "$payload"
expect_refused 401 "wrong signature"

# 30 s beyond the 300 s window: the hook reads its clock a moment after the
# test reads its own, and a second may tick in between (now+301 was once
# accepted as now+300).
SIGN_TIMESTAMP=$(($(date +%s) - 330)) sign_and_post /pull "$payload"
expect_refused 401 "stale timestamp (now-330)"

SIGN_TIMESTAMP=$(($(date +%s) + 330)) sign_and_post /pull "$payload"
expect_refused 401 "future timestamp (now+330)"

# An accepted request (same image: nothing to do), then the very same
# request again.
sign_and_post /pull "$payload"
assert_eq 202 "$RESP_CODE" "valid request: $RESP_BODY"
accept_job "$RESP_BODY"
post_raw /pull "$payload" -H "X-Timestamp: $LAST_TIMESTAMP" -H "X-Signature: $LAST_SIGNATURE"
expect_refused 401 "replay of an accepted request"
wait_for_job "$JOB_ID" "$JOB_TOKEN"
assert_eq succeeded "$JOB_STATE" "pull of an unchanged image (error: $JOB_ERROR)"

code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer wrong" "$API_BASE/jobs/$JOB_ID" || true)
assert_ne 200 "$code" "job status with a wrong token"

post_raw /pull "$payload"
expect_refused 401 "no X-Timestamp, no X-Signature"
post_raw /pull "$payload" -H "X-Timestamp: $(date +%s)"
expect_refused 401 "no X-Signature"
sign_and_post /pull "$payload"
post_raw /pull "$payload" -H "X-Signature: $LAST_SIGNATURE"
expect_refused 401 "no X-Timestamp"

sign_and_post /pull "$payload"
post_raw /pull "$payload" -H "X-Timestamp: $LAST_TIMESTAMP" -H "X-Signature: ${LAST_SIGNATURE}é"
expect_refused 401 "non-ASCII X-Signature"

sign_and_post /pull "{\"container_name\": \"$APP_NAME\""
expect_refused 400 "malformed JSON (validly signed)"

sign_and_post /pull "{\"container_name\": \"$PREFIX-no-such-container\"}"
expect_refused 404 "unknown container"

# 2 MiB of padding inside otherwise valid, validly signed JSON.
padding=$(head -c $((2 * 1024 * 1024)) /dev/zero | tr '\0' x)
sign_and_post /pull "{\"container_name\": \"$APP_NAME\", \"padding\": \"$padding\"}"
expect_refused 413 "oversized body (2 MiB)"

container_running "$APP_NAME" || fail "$APP_NAME is not running any more"
assert_eq "$old_id" "$(container_id "$APP_NAME")" "$APP_NAME untouched"
assert_eq "$APP_V1" "$(container_image_id "$APP_NAME")" "$APP_NAME image untouched"
compose_noop 2.40.3 "$APP_DIR"
log "PASS"
