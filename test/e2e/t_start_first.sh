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

# Each trigger spaces its JSON differently: a byte-identical body signed in
# the same second would be refused as a replay.
trigger() {  # $1: the body's spacing
  sign_and_post /pull "{\"container_name\":$1\"$app\"}"
  assert_eq 202 "$RESP_CODE" "trigger: $RESP_BODY"
  accept_job "$RESP_BODY"
  wait_for_job "$JOB_ID" "$JOB_TOKEN"
}

log "a good image: the new container starts before the old one stops"
old=$(container_id "$app")
v2=$(build_app_image startfirst "v2 of $project")
since=$(date +%s.%N)
trigger " "
assert_eq succeeded "$JOB_STATE" "job state (error: $JOB_ERROR)"
assert_contains "$JOB_JSON" "order start-first: the old container runs until the new one is verified" \
  "the job log names the order"
new=$(container_id "$app")
assert_ne "$old" "$new" "the container was recreated"
assert_eq "$v2" "$(container_image_id "$app")" "the service runs v2"
events=$(engine_events "$since")
new_start=$(event_time "$events" start "$new")
old_die=$(event_time "$events" die "$old")
if [ -z "$new_start" ] || [ -z "$old_die" ]; then fail "missing engine events: $events"; fi
[ "$new_start" -lt "$old_die" ] ||
  fail "the old container died ($old_die) before the new one started ($new_start)"
log "new started $(((old_die - new_start) / 1000000)) ms before the old one was stopped"
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

# Waits up to 60 s for the killed hook to be gone.
wait_hook_killed() {
  local i
  for ((i = 0; i < 240; i++)); do
    kill -0 "$HOOK_PID" 2>/dev/null || break
    sleep 0.25
  done
  kill -0 "$HOOK_PID" 2>/dev/null && fail "the hook did not kill itself after $1"
  wait "$HOOK_PID" 2>/dev/null || true
  HOOK_PID=
}

spacing=" "
for checkpoint in created started stopped moved_aside renamed; do
  log "killed after $checkpoint of a start-first swap"
  hook_stop
  old=$(container_id "$app")
  next=$(build_app_image startfirst "after $checkpoint of $project")
  hook_start DELIVERY_HOOK_FAULT_KILL_AFTER="$checkpoint"
  spacing+=" "
  sign_and_post /pull "{\"container_name\":$spacing\"$app\"}"
  assert_eq 202 "$RESP_CODE" "trigger before the kill after $checkpoint: $RESP_BODY"
  wait_hook_killed "$checkpoint"
  hook_start
  grep -q "event=recovered" "$HOOK_LOG" || fail "no repair logged after a kill after $checkpoint"
  assert_eq 1 "$(project_containers "$project" | wc -l)" "one container after a kill after $checkpoint"
  container_running "$app" || fail "$app is not running after a kill after $checkpoint"
  if [ "$checkpoint" = renamed ]; then
    assert_eq "$next" "$(container_image_id "$app")" "the new container stays once it has the name"
  else
    assert_eq "$old" "$(container_id "$app")" "the old container serves after $checkpoint"
  fi
done

log "a published host port: stop first, and the job says why"
port=$(free_port)
write_compose "    ports:
      - \"127.0.0.1:$port:8080\""
compose_in 2.40.3 "$dir" up -d 2>&1 | sed 's/^/  compose: /' >&2
assert_eq "after renamed of $project" "$(http_get "$port" /version)" "compose published the port"
old=$(container_id "$app")
v4=$(build_app_image startfirst "v4 of $project")
since=$(date +%s.%N)
trigger "$spacing "
assert_eq succeeded "$JOB_STATE" "job state (error: $JOB_ERROR)"
assert_contains "$JOB_JSON" "order start-first is not possible, as it publishes host port $port/tcp: the old container stops first" \
  "the job log says why it stopped first"
new=$(container_id "$app")
events=$(engine_events "$since")
new_start=$(event_time "$events" start "$new")
old_die=$(event_time "$events" die "$old")
if [ -z "$new_start" ] || [ -z "$old_die" ]; then fail "missing engine events: $events"; fi
[ "$old_die" -lt "$new_start" ] || fail "the new container started before the old one was stopped"
assert_eq "$v4" "$(container_image_id "$app")" "the service runs v4"
assert_eq "v4 of $project" "$(http_get "$port" /version)" "v4 served"
compose_noop 2.40.3 "$dir"
log "PASS"
