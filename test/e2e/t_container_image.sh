#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# The Dockerfile builds an image that runs the hook: the container, with the
# docker socket and the compose project mounted at the same path as on the
# host, redeploys a service on /pull, and compose sees nothing left to do.
# The Debian base images are made offline (testbed.sh debian-images).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

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
size=$(docker image inspect -f '{{.Size}}' "$image")
log "image $image: $((size / 1024 / 1024)) MiB"
assert_eq "delivery-hook 0.1.0" "$(docker run --rm --network none "$image" --version)" "the image runs the hook"

deploy_app image 2.40.3
old_id=$(container_id "$APP_NAME")
v2=$(build_app_image "$APP_TAG" "v2 of $PREFIX-image")
HOOK_PORT=$(free_port)
API_BASE="http://127.0.0.1:$HOOK_PORT"
# The socket of the engine under test (DOCKER_HOST, when a run sets it),
# mounted where the hook looks by default.
engine_socket=${DOCKER_HOST:-unix:///var/run/docker.sock}
engine_socket=${engine_socket#unix://}
docker run -d --name "$PREFIX-hook" --network host \
  -v "$engine_socket:/var/run/docker.sock" -v "$APP_DIR:$APP_DIR:ro" \
  -e SECRET_KEY="$HOOK_SECRET" -e PORT="$HOOK_PORT" -e LISTEN_ADDRESS=127.0.0.1 \
  "$image" >/dev/null
on_cleanup "docker rm -f $PREFIX-hook >/dev/null 2>&1 || true"
for ((i = 0; i < 60; i++)); do hook_answers && break; sleep 0.25; done
hook_answers || fail "the hook's container does not answer: $(docker logs "$PREFIX-hook" 2>&1 | tail -n 20)"

answer=$(pipeline_post openssl /pull "{\"container_name\": \"$APP_NAME\"}")
accept_job "$answer"
wait_for_job "$JOB_ID" "$JOB_TOKEN"
assert_eq succeeded "$JOB_STATE" "deploy through the container (error: $JOB_ERROR)"
assert_ne "$old_id" "$(container_id "$APP_NAME")" "$APP_NAME was recreated"
assert_eq "$v2" "$(container_image_id "$APP_NAME")" "$APP_NAME runs v2"
compose_noop 2.40.3 "$APP_DIR"
log "PASS"
