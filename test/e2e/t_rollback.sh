#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Faults during a deploy: whatever goes wrong, exactly one container serves
# the service afterwards and the job says what happened.
#   - the new image's process exits at once      -> rolled_back, v1 serves
#   - the new image fails its healthcheck        -> rolled_back, v1 serves
#   - the new container cannot start (port taken) -> rolled_back, v1 serves
#   - the pushed tag does not exist               -> failed, v1 untouched
#   - the docker socket is unreachable            -> 503, nothing queued
# After a rollback the image tag names v1 again, so compose agrees: its
# `up -d` recreates nothing.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

hook_start

# Deploys v1 with compose, pushes a broken v2 built with the extra
# Dockerfile lines $2, triggers /pull and expects the job to roll back.
expect_rollback() {
  local variant=$1 extra=$2 reason=$3 old_id
  deploy_app "$variant" 2.40.3
  old_id=$(container_id "$APP_NAME")
  APP_DOCKERFILE_EXTRA=$extra build_app_image "$APP_TAG" "v2 of $PREFIX-$variant" >/dev/null
  sign_and_post /pull "{\"container_name\": \"$APP_NAME\"}"
  assert_eq 202 "$RESP_CODE" "$variant: trigger: $RESP_BODY"
  accept_job "$RESP_BODY"
  wait_for_job "$JOB_ID" "$JOB_TOKEN"
  assert_eq rolled_back "$JOB_STATE" "$variant: job state (error: $JOB_ERROR)"
  assert_contains "$JOB_ERROR" "$reason" "$variant: the job says why"
  assert_service_on_v1 "$variant" "$old_id"
}

assert_service_on_v1() {
  local variant=$1 old_id=$2 containers
  containers=$(project_containers "$PREFIX-$variant")
  assert_eq 1 "$(wc -l <<<"$containers")" "$variant: one container ($containers)"
  container_running "$APP_NAME" || fail "$variant: $APP_NAME is not running"
  assert_eq "$old_id" "$(container_id "$APP_NAME")" "$variant: the old container serves"
  assert_eq "v1 of $PREFIX-$variant" "$(http_get "$APP_PORT" /version)" "$variant: v1 served"
}

expect_rollback exits 'CMD ["sh", "-c", "exit 3"]' "exit code 3"
compose_noop 2.40.3 "$APP_DIR"

expect_rollback unhealthy 'HEALTHCHECK --interval=1s --timeout=1s --retries=1 CMD ["false"]' "unhealthy"
compose_noop 2.40.3 "$APP_DIR"

# A second published port that a process on the host already holds.
deploy_app port-taken 2.40.3
old_id=$(container_id "$APP_NAME")
taken_port=$(free_port)
python3 -c "import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', $taken_port)); s.listen(); time.sleep(600)" &
holder=$!
on_cleanup "kill $holder"
sleep 0.3
printf '      - "127.0.0.1:%s:8081"\n' "$taken_port" >>"$APP_DIR/compose.yaml"
sign_and_post /pull "{\"container_name\": \"$APP_NAME\"}"
accept_job "$RESP_BODY"
wait_for_job "$JOB_ID" "$JOB_TOKEN"
assert_eq rolled_back "$JOB_STATE" "port-taken: job state (error: $JOB_ERROR)"
assert_contains "$JOB_ERROR" "start the new container" "port-taken: the job says why"
assert_service_on_v1 port-taken "$old_id"

# The tag the compose file names is gone from the registry.
deploy_app missing-tag 2.40.3
old_id=$(container_id "$APP_NAME")
registry_forget
sign_and_post /pull "{\"container_name\": \"$APP_NAME\"}"
accept_job "$RESP_BODY"
wait_for_job "$JOB_ID" "$JOB_TOKEN"
assert_eq failed "$JOB_STATE" "missing-tag: job state"
assert_contains "$JOB_ERROR" "pull" "missing-tag: the job says why"
assert_service_on_v1 missing-tag "$old_id"
compose_noop 2.40.3 "$APP_DIR"

# No engine behind DOCKER_HOST: refused at once, nothing queued.
hook_stop
hook_start DOCKER_HOST=unix:///nonexistent/docker.sock
# Spaced unlike the trigger above: a byte-identical body signed in the same
# second would be a replay.
sign_and_post /pull "{\"container_name\":\"$APP_NAME\"}"
assert_eq 503 "$RESP_CODE" "engine unreachable: $RESP_BODY"
# The answer names no engine address (a host path); the log keeps it.
assert_eq "the Docker engine is not reachable; try again shortly" "$(json_get error <<<"$RESP_BODY")" \
  "engine unreachable: message"
assert_not_contains "$RESP_BODY" "nonexistent" "engine unreachable: no address in the answer"
log "PASS"
