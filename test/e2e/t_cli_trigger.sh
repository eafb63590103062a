#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# The CLI against a real hook, engine, registry and compose 2.40.3:
#   - v1 by compose, v2 pushed: `trigger --wait` exits 0, the container runs v2
#   - a v3 whose process exits at once: `trigger --wait` exits 1 (rolled back),
#     v2 keeps serving
#   - a wrong or missing SECRET_KEY, an unreachable hook, https to a plain-HTTP hook: exit 2
#   - `jobs` lists both jobs with their states
#   - `sign` prints what openssl computes, and the hook accepts it
#   - `trigger --wait --timeout 1` on a slow deploy exits 2; the deploy continues
#   - `trigger --image <tag>` with the secret in SECRET_KEY_FILE deploys that tag
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Runs the CLI with VAR=value arguments first: sets CLI_RC, CLI_OUT, CLI_ERR.
run_cli() {
  CLI_RC=0
  CLI_OUT=$(env "$@" 2>"$WORK/cli.err") || CLI_RC=$?
  CLI_ERR=$(cat "$WORK/cli.err")
  [ -z "$CLI_ERR" ] || printf '%s\n' "$CLI_ERR" | sed 's/^/  cli: /' >&2
}

# A settle time long enough that a deploy outlasts `--timeout 1`.
hook_start SETTLE_MS=2500
BIN=$DELIVERY_HOOK_BIN
deploy_app cli 2.40.3
old=$(container_id "$APP_NAME")
v2=$(build_app_image "$APP_TAG" "v2 of $PREFIX-cli")

log "trigger --wait: v2 deploys"
run_cli SECRET_KEY="$HOOK_SECRET" "$BIN" trigger --url "$API_BASE" --container "$APP_NAME" --wait
assert_eq 0 "$CLI_RC" "trigger --wait exit code (stderr: $CLI_ERR)"
[[ "$CLI_OUT" =~ ^[0-9a-f]{32}$ ]] || fail "trigger printed no job id on stdout: '$CLI_OUT'"
job_ok=$CLI_OUT
assert_contains "$CLI_ERR" "job $job_ok succeeded" "trigger says the job succeeded"
assert_contains "$CLI_ERR" "[running]" "plain progress lines when stderr is no terminal"
assert_not_contains "$CLI_ERR" $'\r' "no carriage returns when stderr is no terminal"
container_running "$APP_NAME" || fail "$APP_NAME is not running after the job"
assert_eq "$v2" "$(container_image_id "$APP_NAME")" "$APP_NAME runs v2"
assert_ne "$old" "$(container_id "$APP_NAME")" "$APP_NAME was recreated"
assert_eq "v2 of $PREFIX-cli" "$(http_get "$APP_PORT" /version)" "v2 served"
compose_noop 2.40.3 "$APP_DIR"
on_v2=$(container_id "$APP_NAME")

log "trigger --wait: a v3 that exits at once is rolled back"
APP_DOCKERFILE_EXTRA='CMD ["sh", "-c", "exit 3"]' build_app_image "$APP_TAG" "v3 of $PREFIX-cli" >/dev/null
run_cli SECRET_KEY="$HOOK_SECRET" "$BIN" trigger --url "$API_BASE" --container "$APP_NAME" --wait
assert_eq 1 "$CLI_RC" "trigger --wait exit code for a rolled-back job (stderr: $CLI_ERR)"
job_rolled_back=$CLI_OUT
assert_contains "$CLI_ERR" "job $job_rolled_back rolled_back: " "trigger names the final state"
assert_contains "$CLI_ERR" "exit code 3" "trigger prints the job's error"
assert_eq "$on_v2" "$(container_id "$APP_NAME")" "the v2 container serves again"
assert_eq "v2 of $PREFIX-cli" "$(http_get "$APP_PORT" /version)" "v2 served after the rollback"
compose_noop 2.40.3 "$APP_DIR"

log "trigger --image: the secret from SECRET_KEY_FILE, a pinned tag of the same repository"
pinned=$(build_app_image "$PREFIX-pinned" "pinned v4 of $PREFIX-cli")
printf '%s\n' "$HOOK_SECRET" >"$WORK/secret"
run_cli -u SECRET_KEY SECRET_KEY_FILE="$WORK/secret" "$BIN" trigger --url "$API_BASE" \
  --container "$APP_NAME" --image "$(app_ref "$PREFIX-pinned")" --wait
assert_eq 0 "$CLI_RC" "trigger --image --wait exit code (stderr: $CLI_ERR)"
assert_eq "$pinned" "$(container_image_id "$APP_NAME")" "$APP_NAME runs the pinned image"
assert_eq "pinned v4 of $PREFIX-cli" "$(http_get "$APP_PORT" /version)" "the pinned image serves"
compose_noop 2.40.3 "$APP_DIR"
on_v2=$(container_id "$APP_NAME")

log "refusals exit 2"
run_cli SECRET_KEY="not-the-hooks-secret" "$BIN" trigger --url "$API_BASE" --container "$APP_NAME" --wait
assert_eq 2 "$CLI_RC" "wrong SECRET_KEY"
assert_contains "$CLI_ERR" "401" "wrong SECRET_KEY: the hook's answer"
assert_eq "" "$CLI_OUT" "no job id for a refused trigger"
run_cli -u SECRET_KEY "$BIN" trigger --url "$API_BASE" --container "$APP_NAME"
assert_eq 2 "$CLI_RC" "missing SECRET_KEY"
assert_contains "$CLI_ERR" "SECRET_KEY is not set" "missing SECRET_KEY: message"
run_cli SECRET_KEY="$HOOK_SECRET" "$BIN" trigger --url "$API_BASE" --container "$PREFIX-nothing"
assert_eq 2 "$CLI_RC" "unknown container"
assert_contains "$CLI_ERR" "404" "unknown container: the hook's answer"
run_cli SECRET_KEY="$HOOK_SECRET" "$BIN" trigger --url "http://127.0.0.1:$(free_port)" --container "$APP_NAME"
assert_eq 2 "$CLI_RC" "unreachable hook"
assert_contains "$CLI_ERR" "cannot reach the hook" "unreachable hook: message"
run_cli SECRET_KEY="$HOOK_SECRET" "$BIN" trigger --url "https://127.0.0.1:$HOOK_PORT" --container "$APP_NAME"
assert_eq 2 "$CLI_RC" "https URL to a plain-HTTP hook"
assert_contains "$CLI_ERR" "cannot reach the hook at https://" "https URL to a plain-HTTP hook: message"
run_cli SECRET_KEY="$HOOK_SECRET" "$BIN" trigger --url "$API_BASE"
assert_eq 2 "$CLI_RC" "usage error"

log "jobs lists both jobs"
run_cli SECRET_KEY="$HOOK_SECRET" "$BIN" jobs --url "$API_BASE"
assert_eq 0 "$CLI_RC" "jobs exit code"
assert_contains "$(head -n 1 <<<"$CLI_OUT")" "ID" "jobs table header"
line_ok=$(grep "^$job_ok " <<<"$CLI_OUT") || fail "jobs does not list $job_ok: $CLI_OUT"
assert_contains "$line_ok" "succeeded" "jobs: state of $job_ok"
assert_contains "$line_ok" "$APP_NAME" "jobs: container of $job_ok"
line_rb=$(grep "^$job_rolled_back " <<<"$CLI_OUT") || fail "jobs does not list $job_rolled_back: $CLI_OUT"
assert_contains "$line_rb" "rolled_back" "jobs: state of $job_rolled_back"
assert_contains "$line_rb" "exit code 3" "jobs: error of $job_rolled_back"
run_cli SECRET_KEY="$HOOK_SECRET" "$BIN" jobs --url "$API_BASE" --json
assert_eq 0 "$CLI_RC" "jobs --json exit code"
states=$(python3 -c 'import json, sys
jobs = {j["job_id"]: j["state"] for j in json.load(sys.stdin)["jobs"]}
print(jobs.get(sys.argv[1]), jobs.get(sys.argv[2]))' "$job_ok" "$job_rolled_back" <<<"$CLI_OUT")
assert_eq "succeeded rolled_back" "$states" "jobs --json states"
run_cli SECRET_KEY="not-the-hooks-secret" "$BIN" jobs --url "$API_BASE"
assert_eq 2 "$CLI_RC" "jobs with a wrong SECRET_KEY"

log "sign agrees with openssl"
payload="{\"container_name\": \"$APP_NAME\"}"
check_sign_output() {
  local output=$1 body=$2 timestamp signature expected
  timestamp=$(sed -n 's/^X-Timestamp: //p' <<<"$output")
  signature=$(sed -n 's/^X-Signature: //p' <<<"$output")
  [[ "$timestamp" =~ ^[0-9]+$ ]] || fail "sign printed no X-Timestamp: $output"
  expected=$(echo -n "${body}${timestamp}" | openssl dgst -sha256 -hmac "$HOOK_SECRET" | cut -d " " -f 2)
  assert_eq "$expected" "$signature" "sign's X-Signature against openssl"
}
run_cli SECRET_KEY="$HOOK_SECRET" "$BIN" sign "$payload"
assert_eq 0 "$CLI_RC" "sign exit code"
check_sign_output "$CLI_OUT" "$payload"
CLI_OUT=$(printf '%s' "$payload" | SECRET_KEY="$HOOK_SECRET" "$BIN" sign)
check_sign_output "$CLI_OUT" "$payload"
# GET /jobs is signed over its path: the hook accepts sign's headers for it.
headers=$(SECRET_KEY="$HOOK_SECRET" "$BIN" sign /jobs)
code=$(curl -sS -o /dev/null -w '%{http_code}' \
  -H "$(sed -n 1p <<<"$headers")" -H "$(sed -n 2p <<<"$headers")" "$API_BASE/jobs")
assert_eq 200 "$code" "GET /jobs with sign's headers"
run_cli -u SECRET_KEY "$BIN" sign "$payload"
assert_eq 2 "$CLI_RC" "sign without SECRET_KEY"

log "trigger --wait --timeout 1 gives up on a slow deploy; the deploy continues"
v4=$(build_app_image "$APP_TAG" "v4 of $PREFIX-cli")
run_cli SECRET_KEY="$HOOK_SECRET" "$BIN" trigger --url "$API_BASE" \
  --project "$PREFIX-cli" --service web --wait --timeout 1
assert_eq 2 "$CLI_RC" "trigger --timeout exit code"
assert_contains "$CLI_ERR" "timed out after 1s" "trigger says it timed out"
job_slow=$CLI_OUT
state=
for _ in $(seq 60); do
  state=$(SECRET_KEY="$HOOK_SECRET" "$BIN" jobs --url "$API_BASE" --json | python3 -c 'import json, sys
print({j["job_id"]: j["state"] for j in json.load(sys.stdin)["jobs"]}.get(sys.argv[1]))' "$job_slow")
  case "$state" in queued | running) sleep 0.5 ;; *) break ;; esac
done
assert_eq succeeded "$state" "the timed-out trigger's job"
assert_eq "$v4" "$(container_image_id "$APP_NAME")" "$APP_NAME runs v4"
assert_eq "v4 of $PREFIX-cli" "$(http_get "$APP_PORT" /version)" "v4 served"

log "PASS"
