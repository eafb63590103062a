#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# A job's live events (GET /jobs/<id>/events) during a real deploy:
#   - curl -N with the job's token gets server-sent events: the job at once,
#     the steps and log lines as they happen, and the final state last; then
#     the hook closes the stream;
#   - a finished job's stream (NDJSON by ?format and by Accept) is the job
#     and nothing more;
#   - a wrong token and an unknown job get the same 404;
#   - `delivery-hook trigger --wait` follows a deploy through the stream;
#   - compose 2.40.3 sees nothing to do afterwards.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

deploy_app events 2.40.3
v2=$(build_app_image "$APP_TAG" "v2 of $PREFIX-events")
# A settle time that makes the first deploy last long enough to queue a
# second one behind it and watch that one from its start.
hook_start SETTLE_MS=4000

sign_and_post /pull "{\"container_name\": \"$APP_NAME\"}"
assert_eq 202 "$RESP_CODE" "first trigger: $RESP_BODY"
accept_job "$RESP_BODY"
first_job=$JOB_ID first_token=$JOB_TOKEN
for ((i = 0; i < 100; i++)); do
  state=$(curl -sS --max-time 5 -H "Authorization: Bearer $first_token" "$API_BASE/jobs/$first_job" | json_get state)
  [ "$state" = queued ] || break
  sleep 0.1
done
assert_eq running "$state" "the first job runs"
curl -N -sS --max-time 120 -o "$WORK/first-events.txt" \
  -H "Authorization: Bearer $first_token" "$API_BASE/jobs/$first_job/events" &
first_stream=$!
# The same service again: queued behind the first (distinct body: no replay).
sign_and_post /pull "{\"container_name\": \"$APP_NAME\", \"again\": 1}"
assert_eq 202 "$RESP_CODE" "second trigger: $RESP_BODY"
accept_job "$RESP_BODY"
assert_ne "$first_job" "$JOB_ID" "the second trigger is a job of its own"
log "reading the queued job's events"
curl_rc=0
curl -N -sS --max-time 120 -D "$WORK/events.headers" -o "$WORK/events.txt" \
  -H "Authorization: Bearer $JOB_TOKEN" "$API_BASE/jobs/$JOB_ID/events" || curl_rc=$?
assert_eq 0 "$curl_rc" "curl -N ends without an error when the hook closes the stream"
first_rc=0
wait "$first_stream" || first_rc=$?
assert_eq 0 "$first_rc" "the first job's stream ended cleanly too"
sed 's/^/  stream: /' "$WORK/events.txt" | head -n 60 >&2
headers=$(tr -d '\r' <"$WORK/events.headers")
assert_contains "$headers" "Content-Type: text/event-stream" "content type"
assert_contains "$headers" "Transfer-Encoding: chunked" "streamed chunked"

# Every event is "event: <type>" then one "data: <json>" line and a blank
# line; prints the event types.
check_events() {
  python3 - "$1" "$2" <<'PY'
import json, sys
text = open(sys.argv[1]).read()
job_id = sys.argv[2]
events = []
for block in text.split("\n\n"):
    if not block.strip():
        continue
    lines = block.split("\n")
    if all(line.startswith(":") for line in lines):
        continue  # keep-alive comment
    assert len(lines) == 2 and lines[0].startswith("event: ") and lines[1].startswith("data: "), block
    events.append((lines[0][7:], json.loads(lines[1][6:])))
types = [t for t, _ in events]
assert types[0] == "job" and events[0][1]["job_id"] == job_id, events[0]
assert types[-1] == "state" and events[-1][1]["state"] == "succeeded", events[-1]
assert all(d["state"] != "succeeded" for t, d in events[:-1] if t == "state"), types
print(" ".join(types))
PY
}
first_types=$(check_events "$WORK/first-events.txt" "$first_job") || fail "the first job's events are wrong"
log "first job: $first_types"
types=$(check_events "$WORK/events.txt" "$JOB_ID") || fail "the queued job's events are wrong"
log "queued job: $types"
# Watched from the queue: its start, its steps and its progress lines.
assert_eq queued "$(head -n 2 "$WORK/events.txt" | sed -n 's/^data: //p' | json_get state)" "the job event shows it queued"
assert_contains "$types" "job state step" "the start, then the first step"
assert_contains "$types" "log" "progress lines"
steps=$(sed -n 's/^data: {"step":"\(.*\)"}$/\1/p' "$WORK/events.txt" | tr '\n' ' ')
log "steps: $steps"
assert_contains "$steps" "pulling " "the pull step"
assert_contains " $steps" " done " "the last step"
assert_eq "$v2" "$(container_image_id "$APP_NAME")" "$APP_NAME runs v2"

log "a finished job's stream is the job alone"
for how in "?format=ndjson" "Accept"; do
  if [ "$how" = Accept ]; then
    url="$API_BASE/jobs/$JOB_ID/events"
    extra=(-H "Accept: application/x-ndjson")
  else
    url="$API_BASE/jobs/$JOB_ID/events$how"
    extra=()
  fi
  body=$(curl -N -sS --max-time 10 -D "$WORK/nd.headers" -H "Authorization: Bearer $JOB_TOKEN" "${extra[@]}" "$url")
  assert_contains "$(tr -d '\r' <"$WORK/nd.headers")" "Content-Type: application/x-ndjson" "NDJSON by $how"
  assert_eq 1 "$(printf '%s\n' "$body" | wc -l)" "one line for a finished job ($how): $body"
  assert_eq job "$(json_get event <<<"$body")" "the line is the job ($how)"
  assert_eq succeeded "$(json_get state <<<"$body")" "its state ($how)"
done

log "a wrong token and an unknown job get the same 404"
wrong=$(curl -sS --max-time 10 -w ' %{http_code}' -H "Authorization: Bearer 0000" "$API_BASE/jobs/$JOB_ID/events")
unknown=$(curl -sS --max-time 10 -w ' %{http_code}' -H "Authorization: Bearer $JOB_TOKEN" \
  "$API_BASE/jobs/0123456789abcdef0123456789abcdef/events")
assert_eq '{"error":"no such job"} 404' "$wrong" "wrong token"
assert_eq "$wrong" "$unknown" "unknown job"

log "trigger --wait follows the stream"
v3=$(build_app_image "$APP_TAG" "v3 of $PREFIX-events")
rc=0
out=$(SECRET_KEY="$HOOK_SECRET" "$DELIVERY_HOOK_BIN" trigger --url "$API_BASE" --container "$APP_NAME" \
  --wait --timeout 120 2>"$WORK/cli.err") || rc=$?
sed 's/^/  cli: /' "$WORK/cli.err" >&2
assert_eq 0 "$rc" "trigger --wait exit code"
assert_contains "$(cat "$WORK/cli.err")" "[running] verifying" "progress lines from the stream"
assert_contains "$(cat "$WORK/cli.err")" "job $out succeeded" "the outcome"
assert_contains "$(cat "$HOOK_LOG")" "event=job_events client=127.0.0.1 job=$out format=ndjson" \
  "the CLI read the job's NDJSON stream"
assert_eq "$v3" "$(container_image_id "$APP_NAME")" "$APP_NAME runs v3"
compose_noop 2.40.3 "$APP_DIR"
log "PASS"
