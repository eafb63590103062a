#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# The hook is SIGKILLed right after each host-changing step of a deploy
# (DELIVERY_HOOK_FAULT_KILL_AFTER), then started again. Its start-up repair
# must leave exactly one container for the service, under its name and
# running: the new one (v2) once it had started, the old one (v1) otherwise,
# and compose's `up -d` changes nothing after it.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

for checkpoint in created stopped moved_aside renamed started; do
  deploy_app "kill-${checkpoint//_/-}" 2.40.3
  project=$PREFIX-kill-${checkpoint//_/-}
  old_id=$(container_id "$APP_NAME")
  v2=$(build_app_image "$APP_TAG" "v2 of $project")

  hook_start DELIVERY_HOOK_FAULT_KILL_AFTER="$checkpoint"
  sign_and_post /pull "{\"container_name\": \"$APP_NAME\"}"
  assert_eq 202 "$RESP_CODE" "trigger before the kill after $checkpoint: $RESP_BODY"
  hook_restart_repairs "$checkpoint" "$project" "$APP_NAME"
  if [ "$checkpoint" = started ]; then
    assert_eq "$v2" "$(container_image_id "$APP_NAME")" "the new container stays once started"
  else
    assert_eq "$old_id" "$(container_id "$APP_NAME")" "the old container is back after $checkpoint"
    assert_eq "v1 of $project" "$(http_get "$APP_PORT" /version)" "v1 served after $checkpoint"
  fi
  # The repair also pointed the image tag back at what runs.
  compose_noop 2.40.3 "$APP_DIR"
  hook_stop
  log "killed after $checkpoint: one running container"
done
log "PASS"
