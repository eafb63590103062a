#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature:
# v1,<base64>), signed here with openssl in bash, beside the original scheme:
#   - a deploy signed with a whsec_ key from the keys file succeeds, and
#     compose up -d agrees; the audit log names the key;
#   - two signatures in one header (a stale key's and the current one's)
#     are accepted;
#   - the same webhook-id again is refused (409), nothing deployed;
#   - a request with both schemes' headers is refused (400);
#   - the original X-Timestamp/X-Signature scheme still deploys.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

random_whsec() { echo "whsec_$(head -c 32 /dev/urandom | base64 | tr -d '\n')"; }
CURRENT_KEY=$(random_whsec)
STALE_KEY=$(random_whsec)  # not in the keys file (any more)

# "v1,<base64>" for secret $1 (whsec_...), id $2, timestamp $3, body $4.
swh_sign() {
  local key
  key=$(printf '%s' "${1#whsec_}" | base64 -d | od -An -v -tx1 | tr -d ' \n')
  printf 'v1,%s' "$(printf '%s' "$2.$3.$4" | openssl dgst -sha256 -mac HMAC -macopt "hexkey:$key" -binary | base64 | tr -d '\n')"
}

# POSTs body $3 to path $2 with webhook-id $1 and signature header from the
# remaining arguments (secrets, each signing once); sets RESP_CODE, RESP_BODY.
swh_post() {
  local id=$1 path=$2 body=$3 timestamp header="" secret
  shift 3
  timestamp=$(date +%s)
  for secret in "$@"; do header="$header${header:+ }$(swh_sign "$secret" "$id" "$timestamp" "$body")"; done
  post_raw "$path" "$body" -H "webhook-id: $id" -H "webhook-timestamp: $timestamp" \
    -H "webhook-signature: $header" ${SWH_EXTRA:+"${SWH_EXTRA[@]}"}
}

deploy_app swh 2.40.3
printf 'pipeline %s services=%s/web\n' "$CURRENT_KEY" "$PREFIX-swh" >"$WORK/keys"
hook_start KEYS_FILE="$WORK/keys"
body="{\"container_name\": \"$APP_NAME\"}"

# A deploy signed the Standard Webhooks way.
v2=$(build_app_image "$APP_TAG" "v2 of $PREFIX-swh")
swh_post "msg_$PREFIX-1" /pull "$body" "$CURRENT_KEY"
assert_eq 202 "$RESP_CODE" "Standard Webhooks deploy: $RESP_BODY"
accept_job "$RESP_BODY"
wait_for_job "$JOB_ID" "$JOB_TOKEN"
assert_eq succeeded "$JOB_STATE" "Standard Webhooks deploy (error: $JOB_ERROR)"
assert_eq "$v2" "$(container_image_id "$APP_NAME")" "$APP_NAME runs v2"
compose_noop 2.40.3 "$APP_DIR"
assert_contains "$(cat "$HOOK_LOG")" "key=pipeline endpoint=/pull decision=accepted" "the audit line names the key"

# Two signatures in one header, the first with a stale key.
v3=$(build_app_image "$APP_TAG" "v3 of $PREFIX-swh")
swh_post "msg_$PREFIX-2" /pull "$body" "$STALE_KEY" "$CURRENT_KEY"
assert_eq 202 "$RESP_CODE" "two signatures, one stale: $RESP_BODY"
accept_job "$RESP_BODY"
wait_for_job "$JOB_ID" "$JOB_TOKEN"
assert_eq succeeded "$JOB_STATE" "two-signature deploy (error: $JOB_ERROR)"
assert_eq "$v3" "$(container_image_id "$APP_NAME")" "$APP_NAME runs v3"
assert_eq "v3 of $PREFIX-swh" "$(http_get "$APP_PORT" /version)" "v3 served"

# Only the stale key: refused.
swh_post "msg_$PREFIX-3" /pull "$body" "$STALE_KEY"
assert_eq 401 "$RESP_CODE" "only the stale key: $RESP_BODY"
assert_eq "webhook-signature does not match" "$(json_get error <<<"$RESP_BODY")" "stale key's error"

# The same webhook-id again, freshly signed: a replay.
before=$(container_id "$APP_NAME")
swh_post "msg_$PREFIX-2" /pull "$body" "$CURRENT_KEY"
assert_eq 409 "$RESP_CODE" "replayed webhook-id: $RESP_BODY"
assert_eq "this webhook-id was already accepted once (replay); send a new one" \
  "$(json_get error <<<"$RESP_BODY")" "replay error"

# Both schemes in one request: ambiguous.
SWH_EXTRA=(-H "X-Timestamp: $(date +%s)" -H "X-Signature: $(printf '%064d' 0)")
swh_post "msg_$PREFIX-4" /pull "$body" "$CURRENT_KEY"
unset SWH_EXTRA
assert_eq 400 "$RESP_CODE" "both schemes: $RESP_BODY"
assert_eq "the request has both X-Signature/X-Timestamp and webhook-* headers; sign it one way only" \
  "$(json_get error <<<"$RESP_BODY")" "ambiguous error"
sleep 1
assert_eq "$before" "$(container_id "$APP_NAME")" "$APP_NAME untouched by the refused requests"

# GET /jobs signed the Standard Webhooks way, over the path.
timestamp=$(date +%s)
code=$(curl -sS -o "$WORK/jobs.json" -w '%{http_code}' --max-time 10 -H "webhook-id: msg_$PREFIX-read" \
  -H "webhook-timestamp: $timestamp" -H "webhook-signature: $(swh_sign "$CURRENT_KEY" "msg_$PREFIX-read" "$timestamp" /jobs)" \
  "$API_BASE/jobs")
assert_eq 200 "$code" "GET /jobs signed the Standard Webhooks way: $(cat "$WORK/jobs.json")"
assert_contains "$(cat "$WORK/jobs.json")" "\"project\":\"$PREFIX-swh\"" "the key's jobs listed"

# The original scheme still works, exactly as before (SECRET_KEY).
v4=$(build_app_image "$APP_TAG" "v4 of $PREFIX-swh")
answer=$(pipeline_post openssl /pull "$body")
accept_job "$answer"
wait_for_job "$JOB_ID" "$JOB_TOKEN"
assert_eq succeeded "$JOB_STATE" "original-scheme deploy (error: $JOB_ERROR)"
assert_eq "$v4" "$(container_image_id "$APP_NAME")" "$APP_NAME runs v4"
compose_noop 2.40.3 "$APP_DIR"
assert_not_contains "$(cat "$HOOK_LOG")" "${CURRENT_KEY#whsec_}" "the secret in the hook's log"
log "PASS"
