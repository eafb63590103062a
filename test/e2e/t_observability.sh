#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# What an operator sees around a real deploy:
#   - GET /healthz names the engine and the job database, and answers 503
#     naming the part that fails: an engine that cannot be reached, a job
#     database on a full filesystem;
#   - GET /metrics passes `promtool check metrics` and its counts move with
#     a deploy, an authentication failure and a 404;
#   - a caller's X-Request-Id comes back in the answer, is stored on the job
#     and is on the request's and the job's log lines, each with a level;
#   - GET /openapi.json validates as OpenAPI 3 and every operation it lists
#     is served; GET /docs only with SHOW_DOCS; METRICS=false hides /metrics.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

tools() { "$E2E_DIR/test_tools.sh" "$@"; }

# GET $1: sets RESP_CODE, RESP_BODY and RESP_HEADERS.
get() {
  RESP_CODE=$(curl -sS -D "$WORK/get.headers" -o "$WORK/get.body" -w '%{http_code}' --max-time 10 \
    "$API_BASE$1" || true)
  RESP_BODY=$(cat "$WORK/get.body")
  RESP_HEADERS=$(tr -d '\r' <"$WORK/get.headers")
}

# The value of sample $1 (exact series text) in $METRICS_TEXT, 0 when absent.
sample() {
  awk -v s="$1" '$1 == s {print $2; found = 1} END {if (!found) print 0}' <<<"$METRICS_TEXT"
}

scrape() {
  get /metrics
  assert_eq 200 "$RESP_CODE" "GET /metrics"
  assert_contains "$RESP_HEADERS" "Content-Type: text/plain; version=0.0.4" "metrics content type"
  METRICS_TEXT=$RESP_BODY
  local lint
  lint=$(tools promtool check metrics <<<"$METRICS_TEXT" 2>&1) || fail "promtool check metrics: $lint"
}

deploy_app obs 2.40.3
v2=$(build_app_image "$APP_TAG" "v2 of $PREFIX-obs")
hook_start

get /healthz
assert_eq 200 "$RESP_CODE" "healthz: $RESP_BODY"
assert_eq '{"status":"ok","engine":"ok","database":"ok"}' "$RESP_BODY" "healthz body"

scrape
assert_eq 0 "$(sample 'deliveryhook_jobs_total{action="pull",outcome="succeeded"}')" "no jobs yet"
auth_before=$(sample deliveryhook_auth_failures_total)
# hook_start polls GET / until the hook answers: those 404s are counted too.
other_before=$(sample 'deliveryhook_http_requests_total{endpoint="other",status="404"}')

# A deploy with the caller's request id, answered when it ends.
request_id="ci-$PREFIX"
sign_and_post "/pull?wait=120" "{\"container_name\": \"$APP_NAME\"}" -H "X-Request-Id: $request_id" \
  -D "$WORK/pull.headers"
assert_eq 200 "$RESP_CODE" "pull?wait: $RESP_BODY"
assert_eq "$v2" "$(container_image_id "$APP_NAME")" "$APP_NAME runs v2"
assert_eq "$request_id" "$(json_get request_id <<<"$RESP_BODY")" "request_id on the job"
assert_contains "$(tr -d '\r' <"$WORK/pull.headers")" "X-Request-Id: $request_id" "X-Request-Id answered"
job=$(json_get job_id <<<"$RESP_BODY")

# Refusals and misses move their counters too.
post_raw /pull '{"container_name": "x"}' -H "X-Timestamp: $(date +%s)" -H "X-Signature: $(printf '0%.0s' {1..64})"
assert_eq 401 "$RESP_CODE" "forged signature"
get /no-such-route
assert_eq 404 "$RESP_CODE" "unknown route"
assert_eq 32 "$(awk -F': ' 'tolower($1) == "x-request-id" {print length($2)}' <<<"$RESP_HEADERS")" \
  "a generated request id"

scrape
assert_eq 1 "$(sample 'deliveryhook_jobs_total{action="pull",outcome="succeeded"}')" "jobs_total"
assert_eq 1 "$(sample 'deliveryhook_http_requests_total{endpoint="/pull",status="200"}')" "pull 200"
assert_eq 1 "$(sample 'deliveryhook_http_requests_total{endpoint="/pull",status="401"}')" "pull 401"
assert_eq $((other_before + 1)) "$(sample 'deliveryhook_http_requests_total{endpoint="other",status="404"}')" "other 404"
assert_eq $((auth_before + 1)) "$(sample deliveryhook_auth_failures_total)" "auth failures"
assert_eq 1 "$(sample deliveryhook_deploy_duration_seconds_count)" "deploy duration count"
assert_eq 1 "$(sample 'deliveryhook_deploy_duration_seconds_bucket{le="+Inf"}')" "+Inf bucket"
assert_eq 0 "$(sample deliveryhook_queue_depth)" "queue depth"
assert_eq 0 "$(sample deliveryhook_engine_api_errors_total)" "engine API errors"
assert_not_contains "$METRICS_TEXT" "$APP_NAME" "container names in /metrics"
assert_not_contains "$METRICS_TEXT" "$job" "job ids in /metrics"

# The request's and the job's lines carry the request id and a level.
for event in request job_start job_step job_end; do
  line=$(grep " event=$event " "$HOOK_LOG" | grep -F "$request_id" | head -n 1)
  [ -n "$line" ] || fail "no $event line with request_id=$request_id: $(cat "$HOOK_LOG")"
  case "$line" in time=*" level=info event=$event "*) ;; *) fail "bad $event line: $line" ;; esac
done
assert_contains "$(grep ' event=job_end ' "$HOOK_LOG")" "job=$job request_id=$request_id state=succeeded" "job_end line"
assert_contains "$(grep 'decision=unauthenticated' "$HOOK_LOG")" "level=warn event=request" "a refusal is a warning"

# Without SHOW_DOCS nothing describes the API: both answer as an unknown route.
get /no-such-route
unknown_body=$RESP_BODY
get /openapi.json
assert_eq 404 "$RESP_CODE" "/openapi.json without SHOW_DOCS"
assert_eq "$unknown_body" "$RESP_BODY" "/openapi.json without SHOW_DOCS is the unknown-route answer"
get /docs
assert_eq 404 "$RESP_CODE" "/docs without SHOW_DOCS"
assert_eq "$unknown_body" "$RESP_BODY" "/docs without SHOW_DOCS is the unknown-route answer"

hook_stop
hook_start SHOW_DOCS=true METRICS=false LOG_LEVEL=debug UI=1
# The API description validates and lists only what the server serves.
get /openapi.json
assert_eq 200 "$RESP_CODE" "GET /openapi.json with SHOW_DOCS"
printf '%s' "$RESP_BODY" >"$WORK/openapi.json"
tools openapi-validate "$WORK/openapi.json" >&2 || fail "/openapi.json is not a valid OpenAPI document"
mapfile -t operations < <(python3 -c '
import json, sys
for path, item in json.load(open(sys.argv[1]))["paths"].items():
    for method in item:
        print(method.upper(), path.replace("{job_id}", "0000").replace("{asset}", "app.css"))' "$WORK/openapi.json")
[ "${#operations[@]}" -ge 8 ] || fail "the document lists ${#operations[@]} operations"
for operation in "${operations[@]}"; do
  read -r method path <<<"$operation"
  body=()
  [ "$method" = POST ] && body=(--data-binary '{}')
  code=$(curl -sS -o "$WORK/op.body" -w '%{http_code}' --max-time 10 -X "$method" "${body[@]}" \
    "$API_BASE$path" || true)
  case "$code" in 405 | 000) fail "$method $path answered $code" ;; esac
  if [ "$path" != /metrics ]; then
    assert_not_contains "$(cat "$WORK/op.body")" "no such endpoint" "$method $path is served"
  fi
done
get /docs
assert_eq 200 "$RESP_CODE" "/docs with SHOW_DOCS"
assert_contains "$RESP_HEADERS" "Content-Type: text/html" "docs content type"
assert_contains "$RESP_BODY" "<code>/jobs/{job_id}</code>" "docs list the routes"
get /metrics
assert_eq 404 "$RESP_CODE" "/metrics with METRICS=false"
assert_contains "$(cat "$HOOK_LOG")" "level=debug event=request" "LOG_LEVEL=debug logs reads"

# An engine that cannot be reached: 503 naming it, the database still fine.
hook_stop
hook_start DOCKER_HOST="unix://$WORK/no-engine.sock"
get /healthz
assert_eq 503 "$RESP_CODE" "healthz without an engine: $RESP_BODY"
assert_eq '{"status":"unavailable","engine":"unreachable","database":"ok","error":"the Docker engine does not answer"}' \
  "$RESP_BODY" "healthz body"
assert_not_contains "$RESP_BODY" "$WORK" "healthz reveals no path"
hook_stop

# A job database that takes no writes (its filesystem is full): 503 naming
# it, and 200 again once there is room. The checks are cached for 2 s.
mkdir -p "$WORK/small"
mount -t tmpfs -o size=512k tmpfs "$WORK/small" || fail "cannot mount a small tmpfs"
on_cleanup 'hook_stop; umount "$WORK/small" 2>/dev/null'
hook_start DATA_DIR="$WORK/small/data"
get /healthz
assert_eq '{"status":"ok","engine":"ok","database":"ok"}' "$RESP_BODY" "healthz with room"
dd if=/dev/zero of="$WORK/small/fill" bs=4k 2>/dev/null || true
sleep 2.2
get /healthz
assert_eq 503 "$RESP_CODE" "healthz with a full disk: $RESP_BODY"
assert_eq '{"status":"unavailable","engine":"ok","database":"unwritable","error":"the job database takes no writes"}' \
  "$RESP_BODY" "healthz body"
assert_contains "$(cat "$HOOK_LOG")" "level=warn event=health_check part=database" "the reason is logged"
rm "$WORK/small/fill"
sleep 2.2
get /healthz
assert_eq 200 "$RESP_CODE" "healthz once there is room again: $RESP_BODY"
hook_stop
umount "$WORK/small"

compose_noop 2.40.3 "$APP_DIR"
log "PASS"
