#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# A service with a `build:` context: compose builds and starts v1, a file of
# the context changes, POST /build, the rebuilt image runs, tagged as
# compose tags it, and compose sees nothing left to do.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

VERSION=2.40.3
project=$PREFIX
dir=$WORK/$project
name=$project-site
port=$(free_port)

mkdir -p "$dir/site"
echo "v1 of $project" >"$dir/site/version"
cat >"$dir/site/Dockerfile" <<EOF
FROM $DH_BASE_IMAGE
LABEL $E2E_LABEL=$PREFIX
COPY version /version
STOPSIGNAL SIGKILL
CMD ["httpd", "-f", "-p", "8080", "-h", "/"]
EOF
cat >"$dir/compose.yaml" <<EOF
services:
  web:
    build: ./site
    container_name: $name
    ports:
      - "127.0.0.1:$port:8080"
EOF

compose_in "$VERSION" "$dir" up -d --build 2>&1 | sed 's/^/  compose: /' >&2
container_running "$name" || fail "compose did not start $name"
assert_eq "v1 of $project" "$(http_get "$port" /version)" "v1 served"
old_id=$(container_id "$name")
old_image=$(container_image_id "$name")

echo "v2 of $project" >"$dir/site/version"
hook_start
sign_and_post /build "{\"container_name\": \"$name\"}"
assert_eq 202 "$RESP_CODE" "/build accepted: $RESP_BODY"
accept_job "$RESP_BODY"
wait_for_job "$JOB_ID" "$JOB_TOKEN"
assert_eq succeeded "$JOB_STATE" "build job (error: $JOB_ERROR)"

container_running "$name" || fail "$name is not running after the build job"
assert_ne "$old_id" "$(container_id "$name")" "$name was recreated"
assert_ne "$old_image" "$(container_image_id "$name")" "$name runs a new image"
# Compose names a built image <project>-<service>.
assert_eq "$(image_id "$project-web")" "$(container_image_id "$name")" "$name runs $project-web"
assert_eq "v2 of $project" "$(http_get "$port" /version)" "v2 served"
compose_noop "$VERSION" "$dir"
log "PASS"
