#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# SIGTERM with a bounded grace period (STOP_GRACE_SECONDS):
#   (a) a deploy in its settle time, the grace long enough: the job
#       succeeds, then the hook exits 0; one container, running v2;
#   (b) the grace shorter than the settle time: the swap is rolled back, the
#       job ends rolled_back ("the hook was stopping"), the old container
#       runs again, exactly one container; the hook exits 0;
#   (c) a job queued behind (b)'s at SIGTERM ends failed, nothing changed;
#   job states are persisted (a restarted hook shows them) and compose
#   2.40.3 sees nothing to do afterwards.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Polls GET /jobs/$1 until its step is $2 (at most 60 s).
wait_for_step() {
  local id=$1 token=$2 step=$3 i json
  for ((i = 0; i < 240; i++)); do
    json=$(curl -sS --max-time 5 -H "Authorization: Bearer $token" "$API_BASE/jobs/$id" || true)
    [ "$(json_get step <<<"$json" 2>/dev/null)" = "$step" ] && return 0
    sleep 0.25
  done
  fail "job $id never reached step $step: $json"
}

# SIGTERM to the hook; waits for it to exit; sets STOP_RC and STOP_SECONDS.
stop_hook_with_sigterm() {
  local start=$SECONDS
  kill -TERM "$HOOK_PID"
  STOP_RC=0
  wait "$HOOK_PID" || STOP_RC=$?
  STOP_SECONDS=$((SECONDS - start))
  HOOK_PID=
  log "the hook exited $STOP_RC after ${STOP_SECONDS}s"
}

project_container_count() {
  docker ps -a -q --filter "label=com.docker.compose.project=$(basename "$APP_DIR")" | wc -l
}

# Starts the hook again on the same DATA_DIR and reads job $1 (token $2).
job_after_restart() {
  hook_start
  wait_for_job "$1" "$2" 5
  hook_stop
}

deploy_app sigterm 2.40.3

log "(a) SIGTERM during the settle time, the grace long enough"
v2=$(build_app_image "$APP_TAG" "v2 of $PREFIX-sigterm")
hook_start SETTLE_MS=6000 STOP_GRACE_SECONDS=60
sign_and_post /pull "{\"container_name\": \"$APP_NAME\"}"
assert_eq 202 "$RESP_CODE" "trigger (a): $RESP_BODY"
accept_job "$RESP_BODY"
job_a=$JOB_ID token_a=$JOB_TOKEN
wait_for_step "$job_a" "$token_a" verifying
stop_hook_with_sigterm
assert_eq 0 "$STOP_RC" "exit code after SIGTERM (a)"
[ "$STOP_SECONDS" -ge 2 ] || fail "the hook exited after ${STOP_SECONDS}s, before the job could end"
assert_contains "$(cat "$HOOK_LOG")" "event=stopping signal=15 grace_seconds=60" "the hook logs the stop"
assert_contains "$(cat "$HOOK_LOG")" "event=stopped" "the hook logs the end"
assert_eq 1 "$(project_container_count)" "one container after (a)"
assert_eq "$v2" "$(container_image_id "$APP_NAME")" "$APP_NAME runs v2"
container_running "$APP_NAME" || fail "$APP_NAME is not running after (a)"
job_after_restart "$job_a" "$token_a"
assert_eq succeeded "$JOB_STATE" "job (a) after the restart (error: $JOB_ERROR)"
compose_noop 2.40.3 "$APP_DIR"
on_v2=$(container_id "$APP_NAME")

log "(b) the grace shorter than the settle time; (c) a job queued behind it"
build_app_image "$APP_TAG" "v3 of $PREFIX-sigterm" >/dev/null
hook_start SETTLE_MS=30000 STOP_GRACE_SECONDS=2
sign_and_post /pull "{\"container_name\": \"$APP_NAME\"}"
assert_eq 202 "$RESP_CODE" "trigger (b): $RESP_BODY"
accept_job "$RESP_BODY"
job_b=$JOB_ID token_b=$JOB_TOKEN
wait_for_step "$job_b" "$token_b" verifying
# A body of its own: the original scheme does not sign the path, so (b)'s
# body signed in the same second would be refused as a replay of (b).
sign_and_post /build "{\"container_name\": \"$APP_NAME\", \"trigger\": \"c\"}"
assert_eq 202 "$RESP_CODE" "trigger (c): $RESP_BODY"
accept_job "$RESP_BODY"
job_c=$JOB_ID token_c=$JOB_TOKEN
assert_ne "$job_b" "$job_c" "(c) is a job of its own"
stop_hook_with_sigterm
assert_eq 0 "$STOP_RC" "exit code after SIGTERM (b)"
[ "$STOP_SECONDS" -lt 25 ] || fail "the hook took ${STOP_SECONDS}s to stop with a 2 s grace"
assert_contains "$(cat "$HOOK_LOG")" "event=stop_grace_over" "the hook logs the end of the grace"
assert_eq 1 "$(project_container_count)" "exactly one container after (b)"
container_running "$APP_NAME" || fail "$APP_NAME is not running after the rollback"
assert_eq "$on_v2" "$(container_id "$APP_NAME")" "the old container serves again"
assert_eq "v2 of $PREFIX-sigterm" "$(http_get "$APP_PORT" /version)" "v2 served after the rollback"
job_after_restart "$job_b" "$token_b"
assert_eq rolled_back "$JOB_STATE" "job (b) after the restart"
assert_eq "the hook was stopping; rolled back to the old container" "$JOB_ERROR" "job (b) error"
job_after_restart "$job_c" "$token_c"
assert_eq failed "$JOB_STATE" "job (c) after the restart"
assert_eq "the hook stopped before the job started; nothing on the host changed" "$JOB_ERROR" "job (c) error"
compose_noop 2.40.3 "$APP_DIR"
log "PASS"
