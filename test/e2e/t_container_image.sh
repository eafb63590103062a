#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# The Dockerfile's image, run by the README's compose example (read from
# README.md between its compose-example markers, so the two cannot drift):
# the image is small, runs as a non-root user, turns healthy through its
# HEALTHCHECK, redeploys a service on /pull through the mounted docker
# socket (compose sees nothing left to do), and stops on `docker stop` at
# once with exit code 0.
# The Debian base image of the build stage is made offline
# (testbed.sh debian-images); the runtime stage is FROM scratch.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

MAX_IMAGE_BYTES=30000000   # the issue's target, 30 MB
IMAGE_UID=10001

"$E2E_DIR/testbed.sh" debian-images
image=$PREFIX-hook:test
on_cleanup "docker rmi -f $image >/dev/null 2>&1 || true"
# The build stage's image is left untagged; its label finds it.
on_cleanup "docker image prune -f --filter label=org.deliveryhook.stage=build >/dev/null 2>&1 || true"
log "building the hook's image (the build stage compiles the project)"
# --network host: the build's apt-get reaches Debian's archive without
# depending on the engine's default bridge.
DOCKER_BUILDKIT=0 docker build -q --network host -t "$image" "$DELIVERYHOOK_SOURCE_DIR" \
  >"$WORK/image-build.log" 2>&1 || fail "docker build failed: $(tail -n 20 "$WORK/image-build.log")"

# --- the image itself --------------------------------------------------------
size=$(docker image inspect -f '{{.Size}}' "$image")
log "image $image: $size bytes ($((size / 1000000)) MB)"
[ "$size" -le "$MAX_IMAGE_BYTES" ] || fail "the image has $size bytes, more than $MAX_IMAGE_BYTES"
assert_eq "$IMAGE_UID:$IMAGE_UID" "$(docker image inspect -f '{{.Config.User}}' "$image")" "the image's user"
assert_eq '["CMD","/usr/local/bin/delivery-hook","healthcheck"]' \
  "$(docker image inspect -f '{{json .Config.Healthcheck.Test}}' "$image")" "the image's HEALTHCHECK"
assert_eq "delivery-hook 0.1.0" "$(docker run --rm --network none "$image" --version)" "the image runs the hook"
# Nothing listens in a fresh container: the probe says so and exits 1.
set +e
probe=$(docker run --rm --network none "$image" healthcheck 2>&1)
probe_code=$?
set -e
assert_eq 1 "$probe_code" "healthcheck without a server ($probe)"
assert_contains "$probe" "delivery-hook healthcheck: cannot reach the hook at http://127.0.0.1:8000: " "healthcheck's message"

# --- the README's compose example ------------------------------------------
deploy_app image 2.40.3
old_id=$(container_id "$APP_NAME")
v2=$(build_app_image "$APP_TAG" "v2 of $PREFIX-image")

hook_dir=$WORK/$PREFIX-hook   # the hook's compose project is named after it
mkdir -p "$hook_dir"
sed -n '/<!-- compose-example:start -->/,/<!-- compose-example:end -->/p' \
  "$DELIVERYHOOK_SOURCE_DIR/README.md" | sed '1,2d;$d' | sed '$d' >"$hook_dir/compose.yaml"
grep -q '^services:' "$hook_dir/compose.yaml" || fail "no compose example between the README's markers"

HOOK_PORT=$(free_port)
API_BASE="http://127.0.0.1:$HOOK_PORT"
# The socket of the engine under test (DOCKER_HOST, when a run sets it).
engine_socket=${DOCKER_HOST:-unix:///var/run/docker.sock}
engine_socket=${engine_socket#unix://}
# Only the values the example reads from its environment (its .env).
hook_compose() {
  DELIVERY_HOOK_IMAGE=$image DOCKER_GID=$(stat -c %g "$engine_socket") DOCKER_SOCKET=$engine_socket \
    APP_DIR=$APP_DIR HOOK_PORT=$HOOK_PORT SECRET_KEY=$HOOK_SECRET \
    compose_in 2.40.3 "$hook_dir" "$@"
}
hook_compose up -d 2>&1 | sed 's/^/  compose: /' >&2
hook=$(hook_compose ps -q delivery-hook)
[ -n "$hook" ] || fail "compose did not create the hook's container"
for ((i = 0; i < 60; i++)); do hook_answers && break; sleep 0.25; done
hook_answers || fail "the hook's container does not answer: $(docker logs "$hook" 2>&1 | tail -n 20)"

pid=$(docker inspect -f '{{.State.Pid}}' "$hook")
assert_eq "$IMAGE_UID" "$(stat -c %u "/proc/$pid")" "the hook's process runs as uid $IMAGE_UID, not root"

log "waiting for the HEALTHCHECK"
health=
for ((i = 0; i < 90; i++)); do
  health=$(docker inspect -f '{{.State.Health.Status}}' "$hook")
  [ "$health" = healthy ] && break
  sleep 0.5
done
assert_eq healthy "$health" "the container's health ($(docker inspect -f '{{json .State.Health.Log}}' "$hook"))"

answer=$(pipeline_post openssl /pull "{\"container_name\": \"$APP_NAME\"}")
accept_job "$answer"
wait_for_job "$JOB_ID" "$JOB_TOKEN"
assert_eq succeeded "$JOB_STATE" "deploy through the container (error: $JOB_ERROR)"
assert_ne "$old_id" "$(container_id "$APP_NAME")" "$APP_NAME was recreated"
assert_eq "$v2" "$(container_image_id "$APP_NAME")" "$APP_NAME runs v2"
compose_noop 2.40.3 "$APP_DIR"

# --- SIGTERM as PID 1 ----------------------------------------------------------
started=$(date +%s%N)
docker stop "$hook" >/dev/null
stop_ms=$((($(date +%s%N) - started) / 1000000))
log "docker stop took $stop_ms ms"
[ "$stop_ms" -lt 5000 ] || fail "docker stop took $stop_ms ms: SIGTERM did not stop the hook (the kill comes at 10 s)"
assert_eq 0 "$(docker inspect -f '{{.State.ExitCode}}' "$hook")" "the hook's exit code after SIGTERM"
assert_contains "$(docker logs "$hook" 2>&1)" "event=stopping signal=15" "the hook logged the SIGTERM"
log "PASS"
