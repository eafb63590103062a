#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# depends_on with `restart: true`: after the hook recreated `app`, compose
# restarts the services that declare it, and only those.
#   worker: depends_on app {condition: service_started, restart: true} -> restarted
#   other:  depends_on app {condition: service_started}                 -> untouched
# Both keep their containers (a restart, not a recreate), and compose's own
# `up -d` afterwards changes nothing. Then a dependant that cannot start again
# (its bind source is gone) is reported in the job's log, and the verified
# deploy of app stands: the job succeeds, v3 serves.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

project=$PREFIX-deps
dir=$WORK/$project
app_name=$project-app
port=$(free_port)
v1=$(build_app_image deps "v1 of $project")
mkdir -p "$dir"
# SIGKILL: busybox as PID 1 ignores SIGTERM, so a stop would wait 10 s.
cat >"$dir/compose.yaml" <<EOF
services:
  app:
    image: $(app_ref deps)
    container_name: $app_name
    ports:
      - "127.0.0.1:$port:8080"
  worker:
    image: $DH_BASE_IMAGE
    command: ["sleep", "86400"]
    stop_signal: SIGKILL
    depends_on:
      app:
        condition: service_started
        restart: true
  other:
    image: $DH_BASE_IMAGE
    command: ["sleep", "86400"]
    stop_signal: SIGKILL
    depends_on:
      app:
        condition: service_started
  fragile:
    image: $DH_BASE_IMAGE
    command: ["sleep", "86400"]
    stop_signal: SIGKILL
    volumes:
      - type: bind
        source: ./fragile
        target: /fragile
        bind:
          create_host_path: false
    depends_on:
      app:
        condition: service_started
        restart: true
EOF
mkdir -p "$dir/fragile"
compose_in 2.40.3 "$dir" up -d 2>&1 | sed 's/^/  compose: /' >&2
worker=$(compose_in 2.40.3 "$dir" ps -q worker)
other=$(compose_in 2.40.3 "$dir" ps -q other)
if [ -z "$worker" ] || [ -z "$other" ]; then fail "compose did not start worker and other"; fi
assert_eq "$v1" "$(container_image_id "$app_name")" "v1 deployed by compose"
started_at() { docker inspect -f '{{.State.StartedAt}}' "$1"; }
worker_started=$(started_at "$worker")
other_started=$(started_at "$other")
old_app=$(container_id "$app_name")

v2=$(build_app_image deps "v2 of $project")
hook_start
sign_and_post /pull "{\"container_name\": \"$app_name\"}"
assert_eq 202 "$RESP_CODE" "trigger: $RESP_BODY"
accept_job "$RESP_BODY"
wait_for_job "$JOB_ID" "$JOB_TOKEN"
assert_eq succeeded "$JOB_STATE" "job state (error: $JOB_ERROR)"
assert_ne "$old_app" "$(container_id "$app_name")" "app was recreated"
assert_eq "$v2" "$(container_image_id "$app_name")" "app runs v2"
assert_eq "v2 of $project" "$(http_get "$port" /version)" "v2 served"

assert_contains "$JOB_JSON" "restarting $project-worker-1, whose depends_on app has restart: true" \
  "the job log names the restarted dependant"
assert_not_contains "$JOB_JSON" "restarting $project-other-1" "other is not restarted"
container_running "$worker" || fail "worker is not running after its restart"
container_running "$other" || fail "other is not running"
assert_ne "$worker_started" "$(started_at "$worker")" "worker was restarted"
assert_eq "$other_started" "$(started_at "$other")" "other was not restarted"
assert_eq "$worker" "$(compose_in 2.40.3 "$dir" ps -q worker)" "worker kept its container"
assert_eq "$other" "$(compose_in 2.40.3 "$dir" ps -q other)" "other kept its container"
compose_noop 2.40.3 "$dir"

log "a dependant that cannot restart does not undo the deploy"
fragile=$(compose_in 2.40.3 "$dir" ps -q fragile)
rm -rf "$dir/fragile"
v3=$(build_app_image deps "v3 of $project")
sign_and_post /pull "{\"container_name\": \"$app_name\"}"
assert_eq 202 "$RESP_CODE" "trigger: $RESP_BODY"
accept_job "$RESP_BODY"
wait_for_job "$JOB_ID" "$JOB_TOKEN"
assert_eq succeeded "$JOB_STATE" "job state with a dependant that cannot restart (error: $JOB_ERROR)"
assert_contains "$JOB_JSON" "could not restart $project-fragile-1" "the failed restart is in the job's log"
assert_eq "$v3" "$(container_image_id "$app_name")" "app runs v3"
assert_eq "v3 of $project" "$(http_get "$port" /version)" "v3 served"
container_running "$worker" || fail "worker is not running after its second restart"
assert_eq "$fragile" "$(docker inspect -f '{{.Id}}' "$project-fragile-1")" "fragile kept its container"
log "PASS"
