#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Jobs as a pipeline sees them:
#   - 50 concurrent triggers for one service (distinct bodies) share at most
#     two jobs, and the service is recreated at most twice;
#   - ?wait holds the answer until the job ends and returns it (200);
#   - a job is still there, with its outcome, after the hook restarts.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

deploy_app jobs 2.40.3
v2=$(build_app_image "$APP_TAG" "v2 of $PREFIX-jobs")
hook_start

# Sign all 50 first, then send them at once.
mkdir -p "$WORK/burst"
timestamp=$(date +%s)
for i in $(seq 1 50); do
  body="{\"container_name\": \"$APP_NAME\", \"n\": $i}"
  printf '%s' "$body" >"$WORK/burst/$i.body"
  signature openssl "${body}${timestamp}" "$HOOK_SECRET" >"$WORK/burst/$i.sig"
done
burst_pids=()
for i in $(seq 1 50); do
  curl -sS --max-time 30 -o "$WORK/burst/$i.answer" -w '%{http_code}' \
    -H "X-Timestamp: $timestamp" -H "X-Signature: $(cat "$WORK/burst/$i.sig")" \
    --data-binary "@$WORK/burst/$i.body" "$API_BASE/pull" >"$WORK/burst/$i.code" &
  burst_pids+=($!)
done
wait "${burst_pids[@]}"  # not a bare wait: the hook runs in the background too
for i in $(seq 1 50); do
  assert_eq 202 "$(cat "$WORK/burst/$i.code")" "burst request $i: $(cat "$WORK/burst/$i.answer")"
done
mapfile -t jobs < <(for i in $(seq 1 50); do json_get job_id <"$WORK/burst/$i.answer"; done | sort -u)
log "50 triggers made ${#jobs[@]} job(s)"
[ "${#jobs[@]}" -le 2 ] || fail "50 triggers for one service made ${#jobs[@]} jobs"

recreations=0
for job in "${jobs[@]}"; do
  token=$(for i in $(seq 1 50); do
    if [ "$(json_get job_id <"$WORK/burst/$i.answer")" = "$job" ]; then json_get job_token <"$WORK/burst/$i.answer"; break; fi
  done)
  wait_for_job "$job" "$token"
  assert_eq succeeded "$JOB_STATE" "burst job $job (error: $JOB_ERROR)"
  [ "$(json_get step <<<"$JOB_JSON")" = unchanged ] || recreations=$((recreations + 1))
  last_job=$job last_token=$token
done
[ "$recreations" -le 2 ] || fail "the service was recreated $recreations times"
assert_eq "$v2" "$(container_image_id "$APP_NAME")" "$APP_NAME runs v2 after the burst"

# ?wait: the answer is the finished job.
v3=$(build_app_image "$APP_TAG" "v3 of $PREFIX-jobs")
sign_and_post "/pull?wait=120" "{\"container_name\": \"$APP_NAME\"}"
assert_eq 200 "$RESP_CODE" "?wait answer: $RESP_BODY"
assert_eq succeeded "$(json_get state <<<"$RESP_BODY")" "?wait job state"
assert_eq "$v3" "$(json_get image_id <<<"$RESP_BODY")" "?wait job image"
assert_eq "$v3" "$(container_image_id "$APP_NAME")" "$APP_NAME runs v3"

# The history survives a restart.
hook_stop
hook_start
wait_for_job "$last_job" "$last_token" 5
assert_eq succeeded "$JOB_STATE" "burst job after a restart"
compose_noop 2.40.3 "$APP_DIR"
log "PASS"
