#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# `docker compose up -d` (2.40.3) run while a deploy verifies its new container
# (a healthcheck keeps the swap in its verify phase for a few seconds), once
# stop-first and once start-first. Judged once the job has ended: compose's
# up -d did not fail, the job succeeded, exactly one container of the service
# runs the new image, and a final up -d changes nothing.
# Compose 2.26.1 at that moment still fails (it removes the new container and
# hits a name conflict; docs/deploys.md), so it is not run here.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

project=$PREFIX-midswap
dir=$WORK/$project
app=$project-app-1
mkdir -p "$dir"
write_compose() {  # $1: the swap order
  # The first check runs one interval after start: "starting" until then.
  cat >"$dir/compose.yaml" <<YAML
services:
  app:
    image: $(app_ref midswap)
    healthcheck:
      test: ["CMD", "true"]
      interval: 5s
    deploy:
      update_config:
        order: $1
YAML
}
build_app_image midswap "v1 of $project" >/dev/null
hook_start

spacing=""
for order in stop-first start-first; do
  write_compose "$order"
  compose_in 2.40.3 "$dir" up -d 2>&1 | sed 's/^/  compose: /' >&2
  container_running "$app" || fail "compose did not start $app"
  log "$order: compose 2.40.3 up -d while the deploy verifies"
  image=$(build_app_image midswap "$order of $project")
  spacing+=" "
  sign_and_post /pull "{\"container_name\":$spacing\"$app\"}"
  assert_eq 202 "$RESP_CODE" "trigger: $RESP_BODY"
  accept_job "$RESP_BODY"
  # The verify phase: two containers of the service, the new one starting.
  for ((i = 0; i < 80; i++)); do
    [ "$(project_containers "$project" | wc -l)" = 2 ] &&
      docker ps --filter "label=com.docker.compose.project=$project" \
        --filter health=starting -q | grep -q . && break
    sleep 0.25
  done
  [ "$i" -lt 80 ] || fail "the deploy never reached its verify phase"
  log "mid swap: $(project_containers "$project" | tr '\n' ' ')"
  out=$(compose_in 2.40.3 "$dir" up -d 2>&1) && rc=0 || rc=$?
  sed 's/^/  compose: /' <<<"$out" >&2
  wait_for_job "$JOB_ID" "$JOB_TOKEN" 60
  assert_eq 0 "$rc" "compose 2.40.3 up -d during the swap succeeded: $out"
  assert_eq succeeded "$JOB_STATE" "job state (error: $JOB_ERROR)"
  assert_eq 1 "$(project_containers "$project" | wc -l)" "one container of the service"
  assert_eq "$image" "$(container_image_id "$app")" "it runs the new image"
  container_running "$app" || fail "$app is not running"
  compose_noop 2.40.3 "$dir"
done
log "PASS"
