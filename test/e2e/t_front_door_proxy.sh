#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Behind a real reverse proxy (Debian's nginx, run as a plain process on
# 127.0.0.1 with docs/security.md's configuration), with TRUSTED_PROXIES=127.0.0.1:
#   - an attacker (source address 127.0.0.2) floods bad signatures through
#     the proxy, claiming in X-Forwarded-For to be the pipeline (127.0.0.3):
#     it locks out only itself (the right-most untrusted address), and the
#     audit and rate_limited lines name it;
#   - the pipeline (127.0.0.3) through the same proxy is not locked out (a
#     bad signature of its own is a plain 401) and deploys v2;
#   - a spoofed X-Forwarded-For sent straight to the hook from a peer that
#     is not a proxy changes nothing: the client is that peer.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$NGINX" ] || fail "nginx is not installed (scripts/install-deps.sh --with-test-tools)"

testbed_up
deploy_app proxy 2.40.3
V2=$(build_app_image "$APP_TAG" "v2 of $PREFIX-proxy")
BODY="{\"container_name\": \"$APP_NAME\"}"

hook_start TRUSTED_PROXIES="127.0.0.1, ::1" AUTH_FAIL_LIMIT=5 AUTH_FAIL_WINDOW_SECONDS=300
HOOK_BASE=$API_BASE

# docs/security.md's nginx location, in a configuration of its own.
PROXY_PORT=$(free_port)
mkdir -p "$WORK/nginx"
cat >"$WORK/nginx/nginx.conf" <<CONF
worker_processes 1;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path $WORK/nginx/body;
  proxy_temp_path $WORK/nginx/proxy;
  fastcgi_temp_path $WORK/nginx/fastcgi;
  uwsgi_temp_path $WORK/nginx/uwsgi;
  scgi_temp_path $WORK/nginx/scgi;
  server {
    listen 127.0.0.1:$PROXY_PORT;
    location / {
      proxy_pass http://127.0.0.1:$HOOK_PORT;
      proxy_set_header Host \$host;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto \$scheme;
      proxy_http_version 1.1;
      proxy_buffering off;
    }
  }
}
CONF
"$NGINX" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -g 'daemon off;' >"$WORK/nginx/stdout.log" 2>&1 &
NGINX_PID=$!
on_cleanup "kill $NGINX_PID 2>/dev/null || true"
retry 20 curl -fsS --max-time 2 -o /dev/null "http://127.0.0.1:$PROXY_PORT/healthz" ||
  fail "nginx did not come up: $(cat "$WORK/nginx/error.log" "$WORK/nginx/stdout.log" 2>/dev/null)"
API_BASE="http://127.0.0.1:$PROXY_PORT"

# --- the attacker, through the proxy, claiming to be the pipeline -----------
answers=$(python3 "$E2E_DIR/flood.py" 127.0.0.1 "$PROXY_PORT" 100 "$BODY" \
  --source 127.0.0.2 --header "X-Forwarded-For:127.0.0.3")
assert_eq "401:5 429:95" "$answers" "the attacker's answers"
assert_contains "$(grep 'decision=unauthenticated' "$HOOK_LOG" | head -n 1)" "client=127.0.0.2 " \
  "the audit line names the attacker, not the address it claimed"
assert_contains "$(grep 'event=rate_limited' "$HOOK_LOG")" "client=127.0.0.2 " "the aggregate line"
assert_not_contains "$(cat "$HOOK_LOG")" "client=127.0.0.1 " "the proxy itself is never the client"

# --- the pipeline, through the same proxy ------------------------------------
SIGN_SECRET=wrong-secret sign_and_post /pull "$BODY" --interface 127.0.0.3
assert_eq 401 "$RESP_CODE" "the pipeline's own bad signature is not locked out: $RESP_BODY"
sign_and_post /pull "$BODY" --interface 127.0.0.3
assert_eq 202 "$RESP_CODE" "the pipeline's trigger through the proxy: $RESP_BODY"
accept_job "$RESP_BODY"
wait_for_job "$JOB_ID" "$JOB_TOKEN"
assert_eq succeeded "$JOB_STATE" "the pipeline's deploy (error: $JOB_ERROR)"
assert_eq "$V2" "$(container_image_id "$APP_NAME")" "$APP_NAME runs v2"
assert_eq "v2 of $PREFIX-proxy" "$(http_get "$APP_PORT" /version)" "v2 served"
assert_contains "$(grep 'decision=accepted' "$HOOK_LOG")" "client=127.0.0.3 " "the accepted line names the pipeline"

# --- a spoofed X-Forwarded-For from a peer that is no proxy -------------------
API_BASE=$HOOK_BASE
SIGN_SECRET=wrong-secret sign_and_post /pull "$BODY" --interface 127.0.0.4 -H "X-Forwarded-For: 127.0.0.2"
assert_eq 401 "$RESP_CODE" "a spoofed header from an untrusted peer (not the locked-out 429): $RESP_BODY"
assert_contains "$(grep 'decision=unauthenticated' "$HOOK_LOG" | tail -n 1)" "client=127.0.0.4 " \
  "the client is the peer"
compose_noop 2.40.3 "$APP_DIR"
log "PASS"
