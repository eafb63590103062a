# shellcheck shell=bash
# Helpers sourced by every end-to-end scenario (test/e2e/t_*.sh).
#
# A scenario gets: a unique prefix ($PREFIX) for everything it creates, a
# work dir ($WORK), the test bed up, the real compose v2 as the judge
# (compose_v), the hook started on a free port (hook_start), the README's
# signature recipes (pipeline_post, sign_and_post), job polling, image
# helpers and assertions. An EXIT trap removes whatever the scenario created.
#
# Never skips: if the test bed or the hook cannot come up, the scenario fails.
set -euo pipefail

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SCENARIO=$(basename "$0" .sh)
SCENARIO=${SCENARIO#t_}
# Lowercase letters, digits and dashes only: valid as compose project,
# container, network, volume and image repository name alike.
PREFIX="dhe2e-${SCENARIO//_/-}-$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')"
WORK=$(mktemp -d "/tmp/$PREFIX.XXXX")
E2E_LABEL=deliveryhook.e2e

HOOK_PID=
HOOK_PORT=
HOOK_LOG=$WORK/hook.log
HOOK_SECRET="e2e-secret-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
CLEANUP_HOOKS=()

# --- output and assertions -------------------------------------------------

log() { printf '[%s] %s\n' "$SCENARIO" "$*" >&2; }
fail() {
  printf '[%s] FAIL: %s\n' "$SCENARIO" "$*" >&2
  exit 1
}

assert_eq() {
  [ "$1" = "$2" ] || fail "${3:-values differ}: expected '$1', got '$2'"
}
assert_ne() {
  [ "$1" != "$2" ] || fail "${3:-values are equal}: both '$1'"
}
assert_contains() {
  case "$1" in *"$2"*) ;; *) fail "${3:-missing text}: '$2' not in: $1" ;; esac
}
assert_not_contains() {
  case "$1" in *"$2"*) fail "${3:-unexpected text}: '$2' in: $1" ;; *) ;; esac
}

# Prints key $1 of the JSON object on stdin (nested keys with dots, list
# items by number); empty when absent. Non-strings are printed as JSON.
json_get() {
  python3 -c '
import json, sys
v = json.load(sys.stdin)
for k in sys.argv[1].split("."):
    if isinstance(v, list) and k.isdigit() and int(k) < len(v):
        v = v[int(k)]
    elif isinstance(v, dict) and k in v:
        v = v[k]
    else:
        v = ""
        break
print(v if isinstance(v, str) else json.dumps(v, sort_keys=True))' "$1"
}

# Waits up to $1 seconds for command "$@" (from $2 on) to succeed.
retry() {
  local seconds=$1 i
  shift
  for ((i = 0; i < seconds * 2; i++)); do
    "$@" && return 0
    sleep 0.5
  done
  "$@"
}

# --- test bed and the judge ------------------------------------------------

testbed_up() {
  local env_lines
  env_lines=$("$E2E_DIR/testbed.sh" up) || fail "the test bed did not come up (see above)"
  eval "$env_lines"
}

# The real compose v2 at version $1, called as the standalone binary (the
# plugin binary accepts `docker-compose ARGS` directly; no ~/.docker needed).
compose_v() {
  local version=$1 var bin
  shift
  var="DH_COMPOSE_${version//./_}"
  bin=${!var:-}
  [ -x "$bin" ] || fail "no compose $version (is the test bed up?)"
  "$bin" "$@"
}

# Runs compose $1 in project dir $2: the project name is the dir's name and
# the config_files/working_dir labels point there, as with a user's `cd`.
compose_in() {
  local version=$1 dir=$2
  shift 2
  (cd "$dir" && compose_v "$version" "$@")
}

# --- containers and images -------------------------------------------------

container_id() { docker inspect -f '{{.Id}}' "$1"; }
container_image_id() { docker inspect -f '{{.Image}}' "$1"; }
container_running() { [ "$(docker inspect -f '{{.State.Running}}' "$1" 2>/dev/null)" = true ]; }
image_id() { docker image inspect -f '{{.Id}}' "$1"; }

# One line per container of compose project $1: "name id", sorted.
project_containers() {
  docker ps -a --no-trunc --filter "label=com.docker.compose.project=$1" \
    --format '{{.Names}} {{.ID}}' | sort
}

# A free TCP port on 127.0.0.1 (the kernel picks it; tiny race accepted).
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# The body of http://127.0.0.1:$1$2, retried while the server starts.
http_get() {
  retry 15 curl -fsS --max-time 3 "http://127.0.0.1:$1$2"
}

app_ref() { echo "$DH_REGISTRY/$PREFIX-app:$1"; }

# Builds $(app_ref $1) from the busybox base with /version containing $2,
# pushes it, then puts the local tag back where it was (or drops it), as
# when CI pushes from elsewhere: only a real pull brings the new image to
# this engine. Prints the image id.
# Extra Dockerfile lines (a later CMD, a HEALTHCHECK) come from
# $APP_DOCKERFILE_EXTRA.
build_app_image() {
  local tag=$1 text=$2 ctx ref id previous
  ref=$(app_ref "$tag")
  previous=$(image_id "$ref" 2>/dev/null || true)
  ctx=$(mktemp -d "$WORK/image.XXXX")
  printf '%s\n' "$text" >"$ctx/version"
  # STOPSIGNAL SIGKILL: busybox as PID 1 ignores SIGTERM, so every stop
  # would wait out the grace period. The label lets cleanup find it.
  cat >"$ctx/Dockerfile" <<EOF
FROM $DH_BASE_IMAGE
LABEL $E2E_LABEL=$PREFIX
COPY version /version
STOPSIGNAL SIGKILL
EXPOSE 8080
CMD ["httpd", "-f", "-p", "8080", "-h", "/"]
${APP_DOCKERFILE_EXTRA:-}
EOF
  # The classic builder: no buildx plugin on a plain Debian machine.
  DOCKER_BUILDKIT=0 docker build -q -t "$ref" "$ctx" >"$ctx.log" 2>&1 ||
    fail "docker build of $ref failed: $(cat "$ctx.log")"
  docker push -q "$ref" >/dev/null || fail "docker push of $ref failed"
  id=$(image_id "$ref")
  docker rmi "$ref" >/dev/null
  [ -z "$previous" ] || docker tag "$previous" "$ref"
  log "pushed $ref ($id)"
  echo "$id"
}

# Asserts that `compose up -d` (compose $1, project dir $2) changes nothing:
# every container reported Running, none created or recreated, same ids.
compose_noop() {
  local version=$1 dir=$2 before after out
  before=$(project_containers "$(basename "$dir")")
  [ -n "$before" ] || fail "compose_noop: project $(basename "$dir") has no containers"
  out=$(compose_in "$version" "$dir" up -d 2>&1) || fail "compose $version up -d failed: $out"
  after=$(project_containers "$(basename "$dir")")
  assert_contains "$out" "Running" "compose $version up -d did not report Running"
  local word
  for word in Recreat Creat Start Stop Remov Pull; do
    assert_not_contains "$out" "$word" "compose $version up -d is not a no-op"
  done
  assert_eq "$before" "$after" "compose $version up -d changed the containers"
  log "compose $version up -d is a no-op"
}

# --- the hook --------------------------------------------------------------

hook_answers() {
  local code
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$HOOK_PORT/" || true)
  [ "$code" != 000 ]
}

# shellcheck disable=SC2120  # scenarios may pass VAR=value arguments
# Starts the hook on a free port. Extra VAR=value arguments go to its
# environment; DOCKER_HOST passes through when the scenario exported it.
hook_start() {
  [ -n "${DELIVERY_HOOK_BIN:-}" ] || fail "DELIVERY_HOOK_BIN is not set (run through ctest)"
  [ -x "$DELIVERY_HOOK_BIN" ] || fail "DELIVERY_HOOK_BIN=$DELIVERY_HOOK_BIN is not executable"
  HOOK_PORT=$(free_port)
  API_BASE="http://127.0.0.1:$HOOK_PORT"
  log "starting hook on $API_BASE (log: $HOOK_LOG)"
  # AUTH_FAIL_LIMIT=0: scenarios that send many bad signatures from 127.0.0.1
  # and then a good one test the checks, not the limit (t_keys tests that).
  env SECRET_KEY="$HOOK_SECRET" PORT="$HOOK_PORT" LISTEN_ADDRESS=127.0.0.1 DATA_DIR="$WORK/data" \
    AUTH_FAIL_LIMIT=0 "$@" \
    "$DELIVERY_HOOK_BIN" serve >"$HOOK_LOG" 2>&1 &
  HOOK_PID=$!
  local i
  for ((i = 0; i < 60; i++)); do
    hook_answers && return 0
    kill -0 "$HOOK_PID" 2>/dev/null || fail "the hook exited at start: $(tail -n 20 "$HOOK_LOG")"
    sleep 0.25
  done
  fail "the hook did not answer on $API_BASE within 15s"
}

hook_stop() {
  [ -n "$HOOK_PID" ] || return 0
  kill "$HOOK_PID" 2>/dev/null || true
  wait "$HOOK_PID" 2>/dev/null || true
  HOOK_PID=
}

# Waits up to 60 s for a hook started with DELIVERY_HOOK_FAULT_KILL_AFTER to
# have killed itself after step $1.
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

# After a kill after step $1: starts the hook again and checks its repair left
# project $2 with one container, $3, running.
hook_restart_repairs() {
  local checkpoint=$1 project=$2 name=$3 containers
  wait_hook_killed "$checkpoint"
  hook_start
  grep -q "event=recovered" "$HOOK_LOG" || fail "no repair logged after a kill after $checkpoint"
  containers=$(project_containers "$project")
  assert_eq 1 "$(grep -c . <<<"$containers")" "containers of $project after a kill after $checkpoint ($containers)"
  container_running "$name" || fail "$name is not running after a kill after $checkpoint"
}

# --- the README's signature recipes ----------------------------------------

# `python` may be only `python3` on Debian; the README recipe calls `python`.
# A shim in a private PATH dir, the system stays untouched.
ensure_python_shim() {
  command -v python >/dev/null 2>&1 && return 0
  mkdir -p "$WORK/bin"
  ln -sf "$(command -v python3)" "$WORK/bin/python"
  PATH="$WORK/bin:$PATH"
}

# The README's SIGNATURE line for recipe $1, verbatim (run with MESSAGE and
# SECRET_KEY set).
signature_line() {
  case "$1" in
    openssl)
      cat <<'EOF'
SIGNATURE=$(echo -n "$MESSAGE" | openssl dgst -sha256 -hmac "$SECRET_KEY" | cut -d " " -f 2)
EOF
      ;;
    python)
      cat <<'EOF'
SIGNATURE=$(python -c "import hmac, hashlib; print(hmac.new(b'$SECRET_KEY', b'$MESSAGE', hashlib.sha256).hexdigest())")
EOF
      ;;
    node)
      cat <<'EOF'
SIGNATURE=$(node -e "
  const crypto = require('crypto');
  const signature = crypto.createHmac('sha256', '$SECRET_KEY').update('$MESSAGE').digest('hex');
  console.log(signature);
")
EOF
      ;;
    *) fail "unknown signature recipe '$1'" ;;
  esac
}

# Runs the README's "Pipeline Example" verbatim in a fresh bash, with only
# the values of PAYLOAD, SECRET_KEY and API_ENDPOINT filled in and the
# SIGNATURE line of recipe $1. Prints what the pipeline's curl prints.
pipeline_post() {
  local recipe=$1 path=$2 payload=$3 script=$WORK/pipeline-$1.sh
  [ "$recipe" = python ] && ensure_python_shim
  # shellcheck disable=SC2016  # the pipeline's own lines, expanded there
  {
    printf 'API_ENDPOINT=%q\n' "$API_BASE$path"
    printf 'PAYLOAD=%q\n' "$payload"
    printf 'SECRET_KEY=%q\n' "$HOOK_SECRET"
    echo 'TIMESTAMP=$(date +%s)'
    echo 'MESSAGE="${PAYLOAD}${TIMESTAMP}"'
    signature_line "$recipe"
    cat <<'EOF'

curl -X POST -H "Content-Type: application/json" \
 	-H "X-Timestamp: $TIMESTAMP" \
 	-H "X-Signature: $SIGNATURE" \
 	-d "$PAYLOAD" \
 	$API_ENDPOINT
EOF
  } >"$script"
  bash "$script" 2>/dev/null || fail "the pipeline example ($recipe) failed: $(cat "$script")"
}

# The signature recipe $1 over message $2 with key $3: the README's line,
# evaluated here (a 2 MiB message does not fit into an environment string).
signature() {
  # shellcheck disable=SC2034  # read by the evaluated recipe line
  local recipe=$1 MESSAGE=$2 SECRET_KEY=$3 SIGNATURE
  [ "$recipe" = python ] && ensure_python_shim
  eval "$(signature_line "$recipe")"
  echo "$SIGNATURE"
}

# POSTs $2 to path $1 with extra curl args "$@" (from $3 on); sets
# RESP_CODE and RESP_BODY. The body goes from a file, byte for byte (curl's
# `-d STRING` sends the same bytes; a file also carries a 2 MiB body).
post_raw() {
  local path=$1 payload=$2 bodyfile=$WORK/request.body
  shift 2
  printf '%s' "$payload" >"$bodyfile"
  # shellcheck disable=SC2034  # RESP_CODE and RESP_BODY are read by scenarios
  RESP_CODE=$(curl -sS -o "$WORK/response.body" -w '%{http_code}' --max-time 30 \
    -X POST -H "Content-Type: application/json" "$@" \
    --data-binary "@$bodyfile" "$API_BASE$path" 2>"$WORK/curl.err" || true)
  # shellcheck disable=SC2034
  RESP_BODY=$(cat "$WORK/response.body" 2>/dev/null || true)
}

# Signs and POSTs like the README (recipe $SIGN_RECIPE, default openssl).
# Overrides for fault scenarios: SIGN_TIMESTAMP, SIGN_SECRET. Remembers
# LAST_TIMESTAMP and LAST_SIGNATURE for replays.
sign_and_post() {
  local path=$1 payload=$2
  shift 2
  LAST_TIMESTAMP=${SIGN_TIMESTAMP:-$(date +%s)}
  LAST_SIGNATURE=$(signature "${SIGN_RECIPE:-openssl}" "${payload}${LAST_TIMESTAMP}" "${SIGN_SECRET:-$HOOK_SECRET}")
  post_raw "$path" "$payload" -H "X-Timestamp: $LAST_TIMESTAMP" -H "X-Signature: $LAST_SIGNATURE" "$@"
}

# Reads the 202 answer in $1: sets JOB_ID and JOB_TOKEN.
accept_job() {
  JOB_ID=$(json_get job_id <<<"$1")
  JOB_TOKEN=$(json_get job_token <<<"$1")
  if [ -z "$JOB_ID" ] || [ -z "$JOB_TOKEN" ]; then fail "no job_id/job_token in the answer: $1"; fi
  assert_eq "/jobs/$JOB_ID" "$(json_get status_url <<<"$1")" "status_url"
  log "job $JOB_ID accepted"
}

# Polls GET /jobs/$1 (Bearer $2) until the job ends, at most $3 seconds.
# Sets JOB_STATE, JOB_ERROR and JOB_JSON.
wait_for_job() {
  local id=$1 token=$2 seconds=${3:-300} i code
  for ((i = 0; i < seconds * 2; i++)); do
    code=$(curl -sS -o "$WORK/job.json" -w '%{http_code}' --max-time 5 \
      -H "Authorization: Bearer $token" "$API_BASE/jobs/$id" || true)
    [ "$code" = 200 ] || fail "GET /jobs/$id answered $code: $(cat "$WORK/job.json" 2>/dev/null)"
    JOB_JSON=$(cat "$WORK/job.json")
    JOB_STATE=$(json_get state <<<"$JOB_JSON")
    JOB_ERROR=$(json_get error <<<"$JOB_JSON")
    case "$JOB_STATE" in
      succeeded | failed | rolled_back)
        log "job $id: $JOB_STATE ${JOB_ERROR:+($JOB_ERROR)}"
        return 0 ;;
      queued | running) sleep 0.5 ;;
      *) fail "job $id has unknown state '$JOB_STATE': $JOB_JSON" ;;
    esac
  done
  fail "job $id did not end within ${seconds}s: $JOB_JSON"
}

# --- the common pull flow --------------------------------------------------

# Deploys a one-service project "$PREFIX-$1" with compose $2: image
# $(app_ref $1) (v1, pushed first), a container_name, a published port.
# The project folder is in $WORK, or in $APP_ROOT when the scenario sets it.
# Sets APP_DIR, APP_NAME, APP_PORT, APP_V1, APP_TAG.
deploy_app() {
  local variant=$1 version=$2 project=$PREFIX-$1
  APP_TAG=$variant
  APP_DIR=${APP_ROOT:-$WORK}/$project
  APP_NAME=$project-web
  APP_PORT=$(free_port)
  APP_V1=$(build_app_image "$APP_TAG" "v1 of $project")
  mkdir -p "$APP_DIR"
  cat >"$APP_DIR/compose.yaml" <<EOF
services:
  web:
    image: $(app_ref "$APP_TAG")
    container_name: $APP_NAME
    ports:
      - "127.0.0.1:$APP_PORT:8080"
EOF
  compose_in "$version" "$APP_DIR" up -d 2>&1 | sed 's/^/  compose: /' >&2
  container_running "$APP_NAME" || fail "compose $version did not start $APP_NAME"
  assert_eq "$APP_V1" "$(container_image_id "$APP_NAME")" "v1 deployed by compose $version"
  assert_eq "v1 of $project" "$(http_get "$APP_PORT" /version)" "v1 served"
}

# The README's use case end to end, judged by compose $2:
#   compose up -d with v1 -> push v2 under the same tag -> the pipeline
#   example (signature recipe $1) against /pull -> the job succeeds -> the
#   container runs v2 and serves it -> compose ps lists it -> compose up -d
#   is a no-op.
# Runs against whatever engine DOCKER_HOST names (the hook inherits it).
pull_flow() {
  local recipe=$1 version=$2 v2 old answer
  deploy_app "$recipe" "$version"
  old=$(container_id "$APP_NAME")
  v2=$(build_app_image "$APP_TAG" "v2 of $PREFIX-$recipe")
  assert_ne "$APP_V1" "$v2" "v1 and v2 image ids"

  [ -n "$HOOK_PID" ] || hook_start
  answer=$(pipeline_post "$recipe" /pull "{\"container_name\": \"$APP_NAME\"}")
  accept_job "$answer"
  wait_for_job "$JOB_ID" "$JOB_TOKEN"
  assert_eq succeeded "$JOB_STATE" "job state (error: $JOB_ERROR)"

  container_running "$APP_NAME" || fail "$APP_NAME is not running after the job"
  assert_eq "$v2" "$(container_image_id "$APP_NAME")" "$APP_NAME runs v2"
  assert_ne "$old" "$(container_id "$APP_NAME")" "$APP_NAME was recreated"
  assert_eq "v2 of $PREFIX-$recipe" "$(http_get "$APP_PORT" /version)" "v2 served on the published port"
  assert_eq "$(container_id "$APP_NAME")" "$(compose_in "$version" "$APP_DIR" ps -q web)" \
    "compose $version ps lists $APP_NAME"
  compose_noop "$version" "$APP_DIR"
}

# --- cleanup ---------------------------------------------------------------

# Registers a command to run first at exit (e.g. restart the registry).
on_cleanup() { CLEANUP_HOOKS+=("$*"); }

# Prints the ids in column 1 of lines whose other columns start with $PREFIX.
ours() { awk -v p="$PREFIX" '{for (i = 2; i <= NF; i++) if (index($i, p) == 1) {print $1; next}}'; }

# Deletes the scenario's tags from the loopback registry (blobs stay until a
# registry garbage collection; they are small).
registry_forget() {
  local repo="$PREFIX-app" tags tag digest
  tags=$(curl -fsS "http://$DH_REGISTRY/v2/$repo/tags/list" 2>/dev/null) || return 0
  for tag in $(json_get tags <<<"$tags" | tr -d '[]",'); do
    digest=$(curl -fsSI -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
      "http://$DH_REGISTRY/v2/$repo/manifests/$tag" | awk -F': ' 'tolower($1) == "docker-content-digest" {print $2}' | tr -d '\r')
    [ -z "$digest" ] || curl -fsS -X DELETE "http://$DH_REGISTRY/v2/$repo/manifests/$digest" >/dev/null || true
  done
}

cleanup() {
  local rc=$? cmd
  # Best effort from here: remove as much as possible, keep the exit code.
  set +eu
  for cmd in "${CLEANUP_HOOKS[@]}"; do eval "$cmd"; done
  if [ "$rc" != 0 ]; then
    log "--- scenario failed (exit $rc); hook log tail:"
    tail -n 40 "$HOOK_LOG" >&2 2>/dev/null
    docker ps -a --filter "name=$PREFIX" >&2
  fi
  hook_stop
  if [ -n "${KEEP_E2E:-}" ]; then
    log "KEEP_E2E set: leaving $WORK and the $PREFIX-* objects"
    exit "$rc"
  fi
  docker ps -a --no-trunc --format '{{.ID}} {{.Names}} {{.Label "com.docker.compose.project"}}' |
    ours | xargs -r docker rm -f -v >/dev/null
  docker network ls --format '{{.ID}} {{.Name}} {{.Label "com.docker.compose.project"}}' |
    ours | xargs -r docker network rm >/dev/null
  docker volume ls --format '{{.Name}} {{.Name}} {{.Label "com.docker.compose.project"}}' |
    ours | xargs -r docker volume rm -f >/dev/null
  { docker images -q --filter "label=$E2E_LABEL=$PREFIX"
    docker images --format '{{.ID}} {{.Repository}}' | ours
    docker images --format '{{.ID}} {{.Repository}}' | awk -v r="$DH_REGISTRY/$PREFIX" 'index($2, r) == 1 {print $1}'
  } | sort -u | xargs -r docker rmi -f >/dev/null 2>&1
  registry_forget
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT

# Every scenario needs the bed: bring it up when sourced.
testbed_up
