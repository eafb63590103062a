#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# 1,000 connections (twice MAX_CONNECTIONS) that each send part of a request
# and then a byte every 3 s (slowloris) must not keep a valid signed trigger
# from being answered within 2 seconds: the oldest of them make room. Every
# slow connection is closed by its header deadline (10 s after its accept),
# however steadily it trickles; the trigger's job then runs as usual.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

deploy_app slow 2.40.3
old_id=$(container_id "$APP_NAME")
hook_start

result=$(python3 "$E2E_DIR/bad_requests.py" slow --port "$HOOK_PORT" --secret "$HOOK_SECRET" \
  --container "$APP_NAME" --connections 1000 --trickle 3 --deadline 10 --watch 20)
log "$result"
assert_eq 1000 "$(json_get slow_connections <<<"$result")" "slow connections opened"
assert_eq 1000 "$(json_get slow_closed <<<"$result")" "slow connections closed by the hook"
slowest=$(json_get slowest_close <<<"$result")
python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) < 12.0 else 1)" "$slowest" ||
  fail "a slow connection stayed open ${slowest}s (header deadline 10s)"
assert_eq 202 "$(json_get status <<<"$result")" "the signed trigger's status"
seconds=$(json_get seconds <<<"$result")
python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) < 2.0 else 1)" "$seconds" ||
  fail "the signed trigger was answered after ${seconds}s (limit 2s)"

accept_job "$(json_get body <<<"$result")"
wait_for_job "$JOB_ID" "$JOB_TOKEN"
assert_eq succeeded "$JOB_STATE" "pull of an unchanged image (error: $JOB_ERROR)"
kill -0 "$HOOK_PID" 2>/dev/null || fail "the hook died: $(tail -n 20 "$HOOK_LOG")"
container_running "$APP_NAME" || fail "$APP_NAME is not running any more"
assert_eq "$old_id" "$(container_id "$APP_NAME")" "$APP_NAME untouched"
log "PASS"
