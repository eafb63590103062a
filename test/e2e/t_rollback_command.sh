#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# `delivery-hook rollback` (POST /rollback) against a real hook, engine,
# registry and compose:
#   - v1 by compose, v2 by the hook's /pull; `rollback --wait` -> v1's digest
#     runs (taken from the engine, not pulled), compose's `up -d` is a no-op
#     (compose 2.26.1 made the project; 2.26.1 and 2.40.3 judge)
#   - v2's image removed locally; `rollback --to <v2's digest>` -> pulled by
#     digest, v2 runs, `up -d` is a no-op
#   - `--to <job id>` of the job that deployed v2 -> v2 again, nothing recreated
#   - an unknown container, a digest the service never ran, a bad "to", a
#     bad signature -> 4xx, exit 2, nothing on the host changes
# t_rollback.sh is the other rollback: a failed deploy put back by the swap.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Runs the CLI with VAR=value arguments first: sets CLI_RC, CLI_OUT, CLI_ERR.
run_cli() {
  CLI_RC=0
  CLI_OUT=$(env "$@" 2>"$WORK/cli.err") || CLI_RC=$?
  CLI_ERR=$(cat "$WORK/cli.err")
  [ -z "$CLI_ERR" ] || printf '%s\n' "$CLI_ERR" | sed 's/^/  cli: /' >&2
}

rollback() {
  run_cli SECRET_KEY="$HOOK_SECRET" "$DELIVERY_HOOK_BIN" rollback --url "$API_BASE" "$@"
}

# The registry's digest of tag $1 of the scenario's repository.
registry_digest() {
  curl -fsSI -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
    "http://$DH_REGISTRY/v2/$PREFIX-app/manifests/$1" |
    awk -F': ' 'tolower($1) == "docker-content-digest" {print $2}' | tr -d '\r'
}

# GET /jobs/$1, signed over the path: sets JOB_JSON.
read_job() {
  local ts sig
  ts=$(date +%s)
  sig=$(signature openssl "/jobs/$1$ts" "$HOOK_SECRET")
  JOB_JSON=$(curl -fsS --max-time 5 -H "X-Timestamp: $ts" -H "X-Signature: $sig" \
    "$API_BASE/jobs/$1") || fail "GET /jobs/$1 failed"
}

# The container runs image $1 serving text $2; one container in the project.
assert_runs() {
  local image=$1 text=$2 what=$3 containers
  containers=$(project_containers "$PREFIX-rollback")
  assert_eq 1 "$(wc -l <<<"$containers")" "$what: one container ($containers)"
  container_running "$APP_NAME" || fail "$what: $APP_NAME is not running"
  assert_eq "$image" "$(container_image_id "$APP_NAME")" "$what: the image $APP_NAME runs"
  assert_eq "$image" "$(image_id "$(app_ref rollback)")" "$what: the compose tag names it"
  assert_eq "$text" "$(http_get "$APP_PORT" /version)" "$what: served"
  assert_eq "$(app_ref rollback)" "$(docker inspect -f '{{.Config.Image}}' "$APP_NAME")" \
    "$what: the container keeps compose's image reference"
}

both_noop() {
  compose_noop 2.26.1 "$APP_DIR"
  compose_noop 2.40.3 "$APP_DIR"
}

deploy_app rollback 2.26.1
digest_v1=$(registry_digest rollback)
v2=$(build_app_image rollback "v2 of $PREFIX-rollback")
digest_v2=$(registry_digest rollback)
if [ -z "$digest_v1" ] || [ -z "$digest_v2" ]; then fail "no registry digests for v1/v2"; fi
assert_ne "$digest_v1" "$digest_v2" "v1 and v2 digests"
hook_start
repo="$DH_REGISTRY/$PREFIX-app"

log "no deploy by the hook yet: nothing to roll back to"
rollback --container "$APP_NAME" --wait
assert_eq 2 "$CLI_RC" "rollback before any deploy"
assert_contains "$CLI_ERR" "the hook answered 409: no earlier image of $PREFIX-rollback/web is known" \
  "rollback says why"

log "v2 by the hook"
run_cli SECRET_KEY="$HOOK_SECRET" "$DELIVERY_HOOK_BIN" trigger --url "$API_BASE" \
  --container "$APP_NAME" --wait
assert_eq 0 "$CLI_RC" "trigger v2 (stderr: $CLI_ERR)"
job_v2=$CLI_OUT
read_job "$job_v2"
assert_eq "$repo@$digest_v2" "$(json_get repo_digest <<<"$JOB_JSON")" "the job records v2's digest"
assert_eq "$APP_V1" "$(json_get previous_image_id <<<"$JOB_JSON")" "the job records the image it replaced"
assert_eq "$repo@$digest_v1" "$(json_get previous_repo_digest <<<"$JOB_JSON")" \
  "the job records the digest it replaced"
assert_runs "$v2" "v2 of $PREFIX-rollback" "v2"

log "rollback --wait: v1 again"
before=$(container_id "$APP_NAME")
rollback --container "$APP_NAME" --wait
assert_eq 0 "$CLI_RC" "rollback --wait exit code (stderr: $CLI_ERR)"
[[ "$CLI_OUT" =~ ^[0-9a-f]{32}$ ]] || fail "rollback printed no job id on stdout: '$CLI_OUT'"
assert_contains "$CLI_ERR" "delivery-hook rollback: job $CLI_OUT succeeded" "rollback says it succeeded"
read_job "$CLI_OUT"
assert_eq rollback "$(json_get action <<<"$JOB_JSON")" "the job is a rollback"
assert_eq "$repo@$digest_v1" "$(json_get image <<<"$JOB_JSON")" "the rollback is pinned to v1's digest"
assert_eq "$digest_v1" "$(json_get digest <<<"$JOB_JSON")" "the rollback checks v1's digest"
assert_contains "$JOB_JSON" "is here already: not pulling it" "v1 is taken from the engine"
assert_ne "$before" "$(container_id "$APP_NAME")" "the container was recreated"
assert_runs "$APP_V1" "v1 of $PREFIX-rollback" "rolled back"
both_noop

log "v2's image gone locally: rollback --to its digest pulls it by digest"
docker rmi "$v2" >/dev/null || fail "could not remove v2's image"
rollback --container "$APP_NAME" --to "$digest_v2" --wait
assert_eq 0 "$CLI_RC" "rollback --to (stderr: $CLI_ERR)"
read_job "$CLI_OUT"
assert_not_contains "$JOB_JSON" "is here already" "v2 was not here"
assert_contains "$JOB_JSON" "$repo@$digest_v2 has digest $digest_v2" "v2 was pulled and verified"
assert_runs "$v2" "v2 of $PREFIX-rollback" "rolled forward to v2"
both_noop

log "--to the job that deployed v2, by project and service: nothing to recreate"
before=$(container_id "$APP_NAME")
rollback --project "$PREFIX-rollback" --service web --to "$job_v2" --wait
assert_eq 0 "$CLI_RC" "rollback --to a job (stderr: $CLI_ERR)"
read_job "$CLI_OUT"
assert_contains "$JOB_JSON" "the container already runs this image and configuration" "unchanged"
assert_eq "$before" "$(container_id "$APP_NAME")" "the container was kept"
assert_runs "$v2" "v2 of $PREFIX-rollback" "the job's image"

log "refusals change nothing"
before=$(container_id "$APP_NAME")
jobs_before=$(grep -c ' job=' "$HOOK_LOG" || true)
rollback --container "$PREFIX-nope" --wait
assert_eq 2 "$CLI_RC" "an unknown container"
assert_contains "$CLI_ERR" "the hook answered 404: no container named \"$PREFIX-nope\"" "unknown container"
never="sha256:$(printf '%064d' 0)"
rollback --container "$APP_NAME" --to "$never"
assert_eq 2 "$CLI_RC" "a digest the service never ran"
assert_contains "$CLI_ERR" "the hook answered 404: \"to\": $never is not an image that $PREFIX-rollback/web ran" \
  "an unknown digest"
rollback --container "$APP_NAME" --to latest
assert_eq 2 "$CLI_RC" "a bad --to"
assert_contains "$CLI_ERR" "the hook answered 400: \"to\" must be a digest" "a bad --to"
run_cli SECRET_KEY="not-the-secret" "$DELIVERY_HOOK_BIN" rollback --url "$API_BASE" --container "$APP_NAME"
assert_eq 2 "$CLI_RC" "a wrong key"
assert_contains "$CLI_ERR" "the hook answered 401" "a wrong key"
SIGN_SECRET=wrong sign_and_post /rollback "{\"container_name\": \"$APP_NAME\"}"
assert_eq 401 "$RESP_CODE" "a bad signature: $RESP_BODY"
SIGN_TIMESTAMP=$(($(date +%s) - 3600)) sign_and_post /rollback "{\"container_name\": \"$APP_NAME\"}"
assert_eq 401 "$RESP_CODE" "an old timestamp: $RESP_BODY"
assert_eq "$jobs_before" "$(grep -c ' job=' "$HOOK_LOG" || true)" "no job was queued for a refusal"
assert_eq "$before" "$(container_id "$APP_NAME")" "the container is untouched"
assert_runs "$v2" "v2 of $PREFIX-rollback" "after the refusals"
both_noop
log "PASS"
