#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# deploy.update_config.order: start-first. The engine's own events are the
# judge of the order:
#   - a good image: the new container starts before the old one is stopped;
#     the service is never without a running container; compose 2.40.3 and
#     2.26.1 list the new container and their `up -d` changes nothing;
#   - an image whose process exits at once: the job fails, and the old
#     container was never stopped (same id, same start time);
#   - the hook SIGKILLed after each step of a start-first swap, then started
#     again: one running container is left, the new one only once it holds
#     the service's name;
#   - the same service with a published host port: two of its containers
#     cannot run at once, so the hook says so and stops the old one first.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

project=$PREFIX-startfirst
dir=$WORK/$project
app=$project-app-1
write_compose() {  # $1: extra lines for the service
  cat >"$dir/compose.yaml" <<YAML
services:
  app:
    image: $(app_ref startfirst)
    deploy:
      update_config:
        order: start-first
$1
YAML
}
mkdir -p "$dir"
build_app_image startfirst "v1 of $project" >/dev/null
write_compose ""
compose_in 2.40.3 "$dir" up -d 2>&1 | sed 's/^/  compose: /' >&2
container_running "$app" || fail "compose did not start $app"
hook_start

# Prints "<unix nanos> <action> <container id>" for the start and die events
# of the engine since $1 (unix seconds).
engine_events() {
  docker events --since "$1" --until "$(date +%s.%N)" --filter type=container \
    --filter event=start --filter event=die --format '{{.TimeNano}} {{.Action}} {{.Actor.ID}}'
}
event_time() {  # $1: events, $2: action, $3: container id
  awk -v a="$2" -v id="$3" '$2 == a && $3 == id {print $1; exit}' <<<"$1"
}
# Sets NEW_START and OLD_DIE (unix nanos) for the swap of container $1 by
# container $2, from the engine's events since $3.
swap_times() {
  local events
  events=$(engine_events "$3")
  NEW_START=$(event_time "$events" start "$2")
  OLD_DIE=$(event_time "$events" die "$1")
  if [ -z "$NEW_START" ] || [ -z "$OLD_DIE" ]; then fail "missing engine events: $events"; fi
}

# Each trigger spaces its JSON differently: a byte-identical body signed in
# the same second would be refused as a replay.
trigger() {  # $1: the body's spacing
  sign_and_post /pull "{\"container_name\":$1\"$app\"}"
  assert_eq 202 "$RESP_CODE" "trigger: $RESP_BODY"
  accept_job "$RESP_BODY"
  wait_for_job "$JOB_ID" "$JOB_TOKEN"
}

# Pushes an image that serves $1, triggers with the spacing $2 and expects the
# job to succeed with the line $3 in its log. Sets old, new and image, and
# NEW_START and OLD_DIE from the engine's events.
deploy_expecting() {
  local since
  old=$(container_id "$app")
  image=$(build_app_image startfirst "$1")
  since=$(date +%s.%N)
  trigger "$2"
  assert_eq succeeded "$JOB_STATE" "job state (error: $JOB_ERROR)"
  assert_contains "$JOB_JSON" "$3" "the job log says which order"
  new=$(container_id "$app")
  assert_ne "$old" "$new" "the container was recreated"
  assert_eq "$image" "$(container_image_id "$app")" "the service runs $1"
  swap_times "$old" "$new" "$since"
}

log "a good image: the new container starts before the old one stops"
deploy_expecting "v2 of $project" " " \
  "order start-first: the old container runs until the new one is verified"
v2=$image
[ "$NEW_START" -lt "$OLD_DIE" ] ||
  fail "the old container died ($OLD_DIE) before the new one started ($NEW_START)"
log "new started $(((OLD_DIE - NEW_START) / 1000000)) ms before the old one was stopped"
assert_eq 1 "$(project_containers "$project" | wc -l)" "one container left"
for version in 2.40.3 2.26.1; do
  assert_eq "$new" "$(compose_in "$version" "$dir" ps -q app)" "compose $version ps lists the new container"
  compose_noop "$version" "$dir"
done

log "an image that exits at once: the old container is never stopped"
started=$(docker inspect -f '{{.State.StartedAt}}' "$app")
APP_DOCKERFILE_EXTRA='CMD ["sh", "-c", "exit 3"]' build_app_image startfirst "v3 of $project" >/dev/null
trigger "  "
assert_eq failed "$JOB_STATE" "job state (error: $JOB_ERROR)"
assert_contains "$JOB_ERROR" "the new container stopped right after start (exit code 3); the old container kept running" \
  "the job says why"
assert_eq "$new" "$(container_id "$app")" "the same container serves"
assert_eq "$started" "$(docker inspect -f '{{.State.StartedAt}}' "$app")" "it was never restarted"
assert_eq "$v2" "$(container_image_id "$app")" "it runs v2"
assert_eq 1 "$(project_containers "$project" | wc -l)" "the failed container is gone"
compose_noop 2.40.3 "$dir"

spacing="  "  # the triggers above used one and two spaces
for checkpoint in created started stopped moved_aside renamed; do
  log "killed after $checkpoint of a start-first swap"
  hook_stop
  old=$(container_id "$app")
  next=$(build_app_image startfirst "after $checkpoint of $project")
  hook_start DELIVERY_HOOK_FAULT_KILL_AFTER="$checkpoint"
  spacing+=" "
  sign_and_post /pull "{\"container_name\":$spacing\"$app\"}"
  assert_eq 202 "$RESP_CODE" "trigger before the kill after $checkpoint: $RESP_BODY"
  hook_restart_repairs "$checkpoint" "$project" "$app"
  if [ "$checkpoint" = renamed ]; then
    assert_eq "$next" "$(container_image_id "$app")" "the new container stays once it has the name"
  else
    assert_eq "$old" "$(container_id "$app")" "the old container serves after $checkpoint"
  fi
  compose_noop 2.40.3 "$dir"
done

log "a published host port: stop first, and the job says why"
port=$(free_port)
write_compose "    ports:
      - \"127.0.0.1:$port:8080\""
compose_in 2.40.3 "$dir" up -d 2>&1 | sed 's/^/  compose: /' >&2
assert_eq "after renamed of $project" "$(http_get "$port" /version)" "compose published the port"
deploy_expecting "v4 of $project" "$spacing " \
  "order start-first is not possible, as it publishes host port $port/tcp: the old container stops first"
[ "$OLD_DIE" -lt "$NEW_START" ] || fail "the new container started before the old one was stopped"
assert_eq "v4 of $project" "$(http_get "$port" /version)" "v4 served"
compose_noop 2.40.3 "$dir"
log "PASS"
