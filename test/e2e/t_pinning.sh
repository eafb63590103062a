#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Pinning a /pull to one image of the service's repository:
#   - "image" by tag (v1)                   -> v1 runs, the compose tag names v1
#   - "image" by digest (v2) plus "digest"  -> v2 runs
#   - a tag with the wrong "digest"         -> failed, v2 untouched, tag unchanged
#   - the tag of what already runs          -> succeeded, nothing recreated
#   - the service's own tag, re-pushed, with the digest of what runs
#                                           -> failed; the pull moved the compose
#                                              tag, so the hook points it back
#   - another repository, or on /build      -> 400, nothing queued
# After each, compose's own `up -d` changes nothing: the container keeps
# compose's image reference and config hash.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# The registry's digest of tag $1 of the scenario's repository, as the
# engine records it in RepoDigests after a pull.
registry_digest() {
  curl -fsSI -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
    "http://$DH_REGISTRY/v2/$PREFIX-app/manifests/$1" |
    awk -F': ' 'tolower($1) == "docker-content-digest" {print $2}' | tr -d '\r'
}

# POSTs /pull with body $1, expects the job to end in state $2.
pull_expecting() {
  local body=$1 state=$2
  sign_and_post /pull "$body"
  assert_eq 202 "$RESP_CODE" "trigger $body: $RESP_BODY"
  accept_job "$RESP_BODY"
  wait_for_job "$JOB_ID" "$JOB_TOKEN"
  assert_eq "$state" "$JOB_STATE" "job for $body (error: $JOB_ERROR)"
}

assert_runs() {
  local image=$1 text=$2 what=$3 containers
  containers=$(project_containers "$PREFIX-pinning")
  assert_eq 1 "$(wc -l <<<"$containers")" "$what: one container ($containers)"
  container_running "$APP_NAME" || fail "$what: $APP_NAME is not running"
  assert_eq "$image" "$(container_image_id "$APP_NAME")" "$what: the image $APP_NAME runs"
  assert_eq "$image" "$(image_id "$(app_ref pinning)")" "$what: the compose tag names it"
  assert_eq "$text" "$(http_get "$APP_PORT" /version)" "$what: served"
  assert_eq "$(app_ref pinning)" "$(docker inspect -f '{{.Config.Image}}' "$APP_NAME")" \
    "$what: the container keeps compose's image reference"
}

deploy_app pinning 2.40.3
v1=$(build_app_image v1 "pinned one")
v2=$(build_app_image v2 "pinned two")
digest_v1=$(registry_digest v1)
digest_v2=$(registry_digest v2)
if [ -z "$digest_v1" ] || [ -z "$digest_v2" ]; then fail "no registry digests for v1/v2"; fi
hook_start

log "pinned by tag"
pull_expecting "{\"container_name\": \"$APP_NAME\", \"image\": \"$(app_ref v1)\"}" succeeded
assert_eq "$(app_ref v1)" "$(json_get image <<<"$JOB_JSON")" "the job records the pin"
assert_runs "$v1" "pinned one" "pinned by tag"
compose_noop 2.40.3 "$APP_DIR"

log "pinned by digest, with the digest checked"
by_digest="$DH_REGISTRY/$PREFIX-app@$digest_v2"
pull_expecting "{\"container_name\": \"$APP_NAME\", \"image\": \"$by_digest\", \"digest\": \"$digest_v2\"}" succeeded
assert_eq "$by_digest" "$(json_get image <<<"$JOB_JSON")" "the job records the pin"
assert_eq "$digest_v2" "$(json_get digest <<<"$JOB_JSON")" "the job records the digest"
assert_runs "$v2" "pinned two" "pinned by digest"
compose_noop 2.40.3 "$APP_DIR"

log "a tag whose digest is not the one expected"
before=$(container_id "$APP_NAME")
pull_expecting "{\"container_name\": \"$APP_NAME\", \"image\": \"$(app_ref v1)\", \"digest\": \"$digest_v2\"}" failed
assert_contains "$JOB_ERROR" "digest mismatch: $(app_ref v1) is $digest_v1, not the requested $digest_v2" \
  "the job says why"
assert_eq "$before" "$(container_id "$APP_NAME")" "the running container is untouched"
assert_runs "$v2" "pinned two" "after the digest mismatch"
compose_noop 2.40.3 "$APP_DIR"

log "pinned to the image that already runs: nothing is recreated"
pull_expecting "{\"container_name\": \"$APP_NAME\", \"image\": \"$(app_ref v2)\", \"digest\": \"$digest_v2\"}" succeeded
assert_contains "$JOB_JSON" "the container already runs this image and configuration" "an unchanged deploy"
assert_eq "$before" "$(container_id "$APP_NAME")" "the running container is kept"
assert_runs "$v2" "pinned two" "pinned to what runs"
compose_noop 2.40.3 "$APP_DIR"

log "the service's own tag, re-pushed, with the wrong digest: the tag is pointed back"
v3=$(build_app_image pinning "pinned three")
digest_v3=$(registry_digest pinning)
pull_expecting "{\"container_name\": \"$APP_NAME\", \"digest\": \"$digest_v2\"}" failed
assert_contains "$JOB_ERROR" "digest mismatch: $(app_ref pinning) is $digest_v3, not the requested $digest_v2" \
  "the job says why"
assert_contains "$JOB_JSON" "back at the running container's image" "the job log says the tag went back"
assert_eq "$before" "$(container_id "$APP_NAME")" "the running container is untouched"
assert_runs "$v2" "pinned two" "after the re-pushed tag's mismatch"
compose_noop 2.40.3 "$APP_DIR"
[ "$v3" != "$v2" ] || fail "the re-pushed tag should be a new image"

log "refusals"
jobs_before=$(grep -c ' job=' "$HOOK_LOG" || true)
sign_and_post /pull "{\"container_name\": \"$APP_NAME\", \"image\": \"$DH_REGISTRY/$PREFIX-other:v1\"}"
assert_eq 400 "$RESP_CODE" "a foreign repository: $RESP_BODY"
assert_eq "\"image\" must be a tag or digest of $DH_REGISTRY/$PREFIX-app" "$(json_get error <<<"$RESP_BODY")" \
  "a foreign repository is named"
sign_and_post /build "{\"container_name\": \"$APP_NAME\", \"image\": \"$(app_ref v1)\"}"
assert_eq 400 "$RESP_CODE" "a pin on /build: $RESP_BODY"
assert_eq "\"image\" and \"digest\" are for /pull only" "$(json_get error <<<"$RESP_BODY")" "/build"
sign_and_post /pull "{\"container_name\": \"$APP_NAME\", \"image\": \"$DH_REGISTRY/$PREFIX-app\"}"
assert_eq 400 "$RESP_CODE" "a pin without tag or digest: $RESP_BODY"
sign_and_post /pull "{\"container_name\": \"$APP_NAME\", \"digest\": \"sha256:1234\"}"
assert_eq 400 "$RESP_CODE" "a short digest: $RESP_BODY"
assert_eq "\"digest\" must be \"sha256:\" followed by 64 lowercase hex digits" \
  "$(json_get error <<<"$RESP_BODY")" "a short digest"
assert_eq "$jobs_before" "$(grep -c ' job=' "$HOOK_LOG" || true)" "no job was queued for a refusal"
assert_runs "$v2" "pinned two" "after the refusals"
compose_noop 2.40.3 "$APP_DIR"
log "PASS"
