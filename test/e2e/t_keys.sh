#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Several keys, as an operator uses them:
#   - SECRET_KEY_FILE (a Docker secret) is the key "default"; KEYS_FILE adds
#     named keys; the audit log names the key, never a secret;
#   - rotation without a restart: after SIGHUP old and new key both deploy
#     during the overlap; after the old one is removed from the keys file and
#     SIGHUP again, it gets 401; a keys file that no longer parses keeps the
#     keys in use;
#   - a key scoped to another project gets exactly the unknown-target answer
#     for a container outside its scope, and nothing changes; GET /jobs with
#     it lists only its project's jobs;
#   - REQUIRE_OPT_IN=true: a container without org.deliveryhook.enable=true
#     gets the unknown-target answer; once compose puts the label on, it
#     deploys, and compose up -d agrees;
#   - the hook's own container (the hook run with that container's short id
#     as hostname) is redeployed only by a key with allow_self;
#   - after AUTH_FAIL_LIMIT failed signatures the client's failing requests
#     get 429 with Retry-After; a valid signature from it still deploys.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

OLD_SECRET="old-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
NEW_SECRET="new-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
OTHER_SECRET="other-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
OPS_SECRET="ops-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
KEYS_FILE=$WORK/keys
printf '%s\n' "$HOOK_SECRET" >"$WORK/default.secret"  # with the newline Docker secrets often have

# Signs with secret $1 and POSTs body $3 to path $2 (curl args from $4 on).
post_with() {
  local secret=$1
  shift
  SIGN_SECRET=$secret sign_and_post "$@"
}

# GET path $2 signed with secret $1 over the path; sets RESP_CODE, RESP_BODY.
get_with() {
  local timestamp signature
  timestamp=$(date +%s)
  signature=$(signature openssl "$2$timestamp" "$1")
  RESP_CODE=$(curl -sS -o "$WORK/response.body" -w '%{http_code}' --max-time 10 \
    -H "X-Timestamp: $timestamp" -H "X-Signature: $signature" "$API_BASE$2" || true)
  RESP_BODY=$(cat "$WORK/response.body")
}

# Deploys $APP_NAME with secret $1; the job must succeed.
deploy_with() {
  post_with "$1" /pull "{\"container_name\": \"$APP_NAME\"}"
  assert_eq 202 "$RESP_CODE" "${2:-deploy}: $RESP_BODY"
  accept_job "$RESP_BODY"
  wait_for_job "$JOB_ID" "$JOB_TOKEN"
  assert_eq succeeded "$JOB_STATE" "${2:-deploy} (error: $JOB_ERROR)"
}

# SIGHUP: the hook reads its key files again; waits for the log line.
reload_keys() {
  local before
  before=$(grep -c 'event=keys_reload' "$HOOK_LOG" || true)
  kill -HUP "$HOOK_PID"
  for _ in $(seq 50); do
    [ "$(grep -c 'event=keys_reload' "$HOOK_LOG" || true)" -gt "$before" ] && return 0
    sleep 0.1
  done
  fail "no keys_reload line after SIGHUP"
}

restart_hook() {
  hook_stop
  hook_start SECRET_KEY= SECRET_KEY_FILE="$WORK/default.secret" KEYS_FILE="$KEYS_FILE" "$@"
}

# The other project, the one the scoped key may deploy.
deploy_app other 2.40.3
OTHER_NAME=$APP_NAME OTHER_DIR=$APP_DIR
deploy_app keys 2.40.3

# --- SECRET_KEY_FILE and KEYS_FILE; rotation -------------------------------
cat >"$KEYS_FILE" <<EOF
# the pipelines' keys
ci-old   $OLD_SECRET
ci-other $OTHER_SECRET projects=$PREFIX-other
EOF
restart_hook
assert_contains "$(cat "$HOOK_LOG")" 'event=keys ids=default,ci-old,ci-other' "the keys in use"

v2=$(build_app_image "$APP_TAG" "v2 of $PREFIX-keys")
deploy_with "$HOOK_SECRET" "deploy with SECRET_KEY_FILE's key"
assert_eq "$v2" "$(container_image_id "$APP_NAME")" "$APP_NAME runs v2"
assert_contains "$(cat "$HOOK_LOG")" "key=default endpoint=/pull decision=accepted" "audit line of the default key"

# Rotation step 1: the new key is added, the hook told by SIGHUP; both work.
pid_before=$HOOK_PID
echo "ci-new   $NEW_SECRET" >>"$KEYS_FILE"
reload_keys
assert_contains "$(cat "$HOOK_LOG")" 'event=keys_reloaded ids=default,ci-old,ci-other,ci-new' "the reloaded keys"
v3=$(build_app_image "$APP_TAG" "v3 of $PREFIX-keys")
deploy_with "$OLD_SECRET" "deploy with the old key during the overlap"
assert_eq "$v3" "$(container_image_id "$APP_NAME")" "$APP_NAME runs v3"
v4=$(build_app_image "$APP_TAG" "v4 of $PREFIX-keys")
deploy_with "$NEW_SECRET" "deploy with the new key during the overlap"
assert_eq "$v4" "$(container_image_id "$APP_NAME")" "$APP_NAME runs v4"
assert_contains "$(cat "$HOOK_LOG")" "key=ci-old endpoint=/pull decision=accepted" "audit line of the old key"
assert_contains "$(cat "$HOOK_LOG")" "key=ci-new endpoint=/pull decision=accepted" "audit line of the new key"

# A keys file that no longer parses: the keys in use stay.
cp "$KEYS_FILE" "$WORK/keys.good"
echo "ci-broken" >>"$KEYS_FILE"
reload_keys
assert_contains "$(cat "$HOOK_LOG")" 'event=keys_reload_failed' "a broken keys file is reported"
cp "$WORK/keys.good" "$KEYS_FILE"

# Rotation step 2: the old key is removed, SIGHUP again.
sed -i '/^ci-old /d' "$KEYS_FILE"
reload_keys
assert_eq "$pid_before" "$HOOK_PID" "the same hook process all along"
kill -0 "$HOOK_PID" || fail "the hook exited on SIGHUP"
before=$(container_id "$APP_NAME")
post_with "$OLD_SECRET" /pull "{\"container_name\": \"$APP_NAME\"}"
assert_eq 401 "$RESP_CODE" "the removed key: $RESP_BODY"
assert_eq "signature does not match" "$(json_get error <<<"$RESP_BODY")" "the removed key's error"
assert_eq "$before" "$(container_id "$APP_NAME")" "$APP_NAME untouched by the removed key"
v5=$(build_app_image "$APP_TAG" "v5 of $PREFIX-keys")
deploy_with "$NEW_SECRET" "deploy with the new key after the rotation"
assert_eq "$v5" "$(container_image_id "$APP_NAME")" "$APP_NAME runs v5"
assert_eq "v5 of $PREFIX-keys" "$(http_get "$APP_PORT" /version)" "v5 served"
compose_noop 2.40.3 "$APP_DIR"
for secret in "$HOOK_SECRET" "$OLD_SECRET" "$NEW_SECRET" "$OTHER_SECRET"; do
  assert_not_contains "$(cat "$HOOK_LOG")" "$secret" "a secret in the hook's log"
done

# --- scope: the unknown-target answer, nothing changed ----------------------
before=$(container_id "$APP_NAME")
post_with "$OTHER_SECRET" /pull "{\"container_name\": \"$PREFIX-no-such\"}"
assert_eq 404 "$RESP_CODE" "an unknown container: $RESP_BODY"
unknown_body=$RESP_BODY
post_with "$OTHER_SECRET" /pull "{\"container_name\": \"$APP_NAME\"}"
assert_eq 404 "$RESP_CODE" "a container outside the key's scope: $RESP_BODY"
assert_eq "${unknown_body//$PREFIX-no-such/$APP_NAME}" "$RESP_BODY" "the out-of-scope answer is the unknown one"
post_with "$OTHER_SECRET" /pull "{\"project\": \"$PREFIX-keys\", \"service\": \"web\"}"
assert_eq 404 "$RESP_CODE" "a service outside the key's scope: $RESP_BODY"
assert_eq "no container of service \"web\" in project \"$PREFIX-keys\"" "$(json_get error <<<"$RESP_BODY")" \
  "the out-of-scope answer for project/service"
sleep 2
assert_eq "$before" "$(container_id "$APP_NAME")" "$APP_NAME untouched by the scoped key"
assert_eq "$v5" "$(container_image_id "$APP_NAME")" "$APP_NAME still runs v5"
assert_contains "$(cat "$HOOK_LOG")" "key=ci-other endpoint=/pull decision=denied_out_of_scope status=404" \
  "the log says why"

other_v2=$(build_app_image other "v2 of $PREFIX-other")
APP_NAME=$OTHER_NAME deploy_with "$OTHER_SECRET" "the scoped key deploys its own project"
other_job=$JOB_ID
assert_eq "$other_v2" "$(container_image_id "$OTHER_NAME")" "$OTHER_NAME runs v2"
compose_noop 2.40.3 "$OTHER_DIR"

get_with "$OTHER_SECRET" /jobs
assert_eq 200 "$RESP_CODE" "GET /jobs with the scoped key: $RESP_BODY"
assert_eq "[\"$PREFIX-other\"]" "$(python3 -c 'import json,sys; print(json.dumps(sorted({j["project"] for j in json.load(sys.stdin)["jobs"]})))' <<<"$RESP_BODY")" \
  "the scoped key lists its project's jobs only"
get_with "$NEW_SECRET" /jobs
assert_contains "$RESP_BODY" "\"project\":\"$PREFIX-keys\"" "an unrestricted key lists every job"
get_with "$OTHER_SECRET" "/jobs/$other_job"
assert_eq 200 "$RESP_CODE" "the scoped key reads its job"

# --- REQUIRE_OPT_IN ----------------------------------------------------------
restart_hook REQUIRE_OPT_IN=true
before=$(container_id "$APP_NAME")
# A body of its own: a refused but authenticated request still uses up its
# signature, and the deploy below may fall in the same second.
post_with "$NEW_SECRET" /pull "{\"container_name\": \"$APP_NAME\", \"attempt\": \"no-label\"}"
assert_eq 404 "$RESP_CODE" "a container without the opt-in label: $RESP_BODY"
assert_eq "no container named \"$APP_NAME\"" "$(json_get error <<<"$RESP_BODY")" "the opt-in refusal is the unknown answer"
assert_eq "$before" "$(container_id "$APP_NAME")" "$APP_NAME untouched without the label"

printf '    labels:\n      org.deliveryhook.enable: "true"\n' >>"$APP_DIR/compose.yaml"
compose_in 2.40.3 "$APP_DIR" up -d 2>&1 | sed 's/^/  compose: /' >&2
v6=$(build_app_image "$APP_TAG" "v6 of $PREFIX-keys")
deploy_with "$NEW_SECRET" "deploy of the opted-in container"
assert_eq "$v6" "$(container_image_id "$APP_NAME")" "$APP_NAME runs v6"
compose_noop 2.40.3 "$APP_DIR"

# --- the hook's own container ------------------------------------------------
# The hook runs in a UTS namespace whose hostname is the short id of
# $APP_NAME's container, as Docker names a container's host: to the hook,
# that container is its own. Only a key with allow_self may redeploy it.
echo "ops      $OPS_SECRET allow_self" >>"$KEYS_FILE"
{
  echo '#!/bin/sh'
  # shellcheck disable=SC2016  # expanded by the wrapper's shells
  printf 'exec unshare --uts sh -c %s %q "$@"\n' \
    "'hostname \"\$SELF_HOSTNAME\" && exec \"\$0\" \"\$@\"'" "$DELIVERY_HOOK_BIN"
} >"$WORK/hook-in-uts"
chmod +x "$WORK/hook-in-uts"
real_bin=$DELIVERY_HOOK_BIN
DELIVERY_HOOK_BIN=$WORK/hook-in-uts
restart_hook SELF_HOSTNAME="$(container_id "$APP_NAME" | cut -c1-12)"
DELIVERY_HOOK_BIN=$real_bin
before=$(container_id "$APP_NAME")
post_with "$NEW_SECRET" /pull "{\"container_name\": \"$APP_NAME\"}"
assert_eq 404 "$RESP_CODE" "the hook's own container without allow_self: $RESP_BODY"
assert_eq "no container named \"$APP_NAME\"" "$(json_get error <<<"$RESP_BODY")" "the self refusal is the unknown answer"
assert_contains "$(cat "$HOOK_LOG")" "key=ci-new endpoint=/pull decision=denied_self status=404" "the log says why"
assert_eq "$before" "$(container_id "$APP_NAME")" "$APP_NAME untouched without allow_self"
v7=$(build_app_image "$APP_TAG" "v7 of $PREFIX-keys")
deploy_with "$OPS_SECRET" "the allow_self key redeploys the hook's own container"
assert_eq "$v7" "$(container_image_id "$APP_NAME")" "$APP_NAME runs v7"
compose_noop 2.40.3 "$APP_DIR"

# --- failed authentications: 429 with Retry-After ----------------------------
restart_hook AUTH_FAIL_LIMIT=3 AUTH_FAIL_WINDOW_SECONDS=120
for i in 1 2 3; do
  post_with "wrong-secret" /pull "{\"container_name\": \"$APP_NAME\"}"
  assert_eq 401 "$RESP_CODE" "failed authentication $i: $RESP_BODY"
done
post_with "wrong-secret" /pull "{\"container_name\": \"$APP_NAME\"}" -D "$WORK/headers"
assert_eq 429 "$RESP_CODE" "a failing request after 3 failures: $RESP_BODY"
assert_contains "$(json_get error <<<"$RESP_BODY")" "too many failed authentications from this address" "429 error"
grep -qiE '^Retry-After: [0-9]+' "$WORK/headers" || fail "no Retry-After: $(cat "$WORK/headers")"
# A valid signature always gets through the limit.
deploy_with "$OPS_SECRET" "a valid request from the locked-out address"
log "PASS"
