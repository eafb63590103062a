#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# A real "registry down" fault: v2 is pushed, then the registry stops.
# /pull is accepted, the job fails, and the old container keeps running
# untouched (same id, same image), which compose confirms with a no-op.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

deploy_app registry-down 2.40.3
old_id=$(container_id "$APP_NAME")
build_app_image "$APP_TAG" "v2 of $PREFIX" >/dev/null

# Restart the registry whatever happens: the other scenarios need it.
# shellcheck disable=SC2016  # expanded when the cleanup runs
on_cleanup '"$E2E_DIR/testbed.sh" up >/dev/null'
"$E2E_DIR/testbed.sh" registry-stop
if curl -fsS --max-time 3 "http://$DH_REGISTRY/v2/" >/dev/null 2>&1; then
  fail "the registry still answers after registry-stop"
fi

hook_start
sign_and_post /pull "{\"container_name\": \"$APP_NAME\"}"
assert_eq 202 "$RESP_CODE" "/pull with the registry down is still accepted: $RESP_BODY"
accept_job "$RESP_BODY"
wait_for_job "$JOB_ID" "$JOB_TOKEN"
assert_eq failed "$JOB_STATE" "job state with the registry down"
assert_ne "" "$JOB_ERROR" "the failed job says why"

container_running "$APP_NAME" || fail "$APP_NAME stopped after the failed job"
assert_eq "$old_id" "$(container_id "$APP_NAME")" "$APP_NAME untouched"
assert_eq "$APP_V1" "$(container_image_id "$APP_NAME")" "$APP_NAME still runs v1"
assert_eq "v1 of $PREFIX-registry-down" "$(http_get "$APP_PORT" /version)" "v1 still served"
compose_noop 2.40.3 "$APP_DIR"
log "PASS"
