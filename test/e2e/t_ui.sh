#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# The operator's page (UI=1) in headless Chromium against the hook on the
# real engine (ui_browser.js): log in with a read key; a deploy appears live
# and ends succeeded; a rolled-back deploy (an image whose healthcheck fails)
# shows its reason; the filters; services with earlier digests and their
# rollback commands; the audit counts; a scoped key sees only its services;
# after logout the cookie no longer works; no request leaves for another
# origin; the CSP header is there and the DOM has no inline script or
# style. Screenshots at phone and desktop widths go to
# <build>/ui-screenshots/ (UI_SCREENSHOT_DIR to choose another folder).
# Then the page behind nginx under a path prefix (UI_BASE_PATH=/hook).
# Then the page's bad input, with curl: each a clean 4xx.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

command -v chromium >/dev/null || fail "chromium is not installed (scripts/install-deps.sh --with-test-tools)"
NODE_PATH=$("$E2E_DIR/test_tools.sh" node-path)
export NODE_PATH

read_secret="read-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
scoped_secret="scoped-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"

deploy_app good 2.40.3
good_name=$APP_NAME good_project=$PREFIX-good
build_app_image good "v2 of $good_project" >/dev/null
deploy_app bad 2.40.3
bad_name=$APP_NAME bad_project=$PREFIX-bad
APP_DOCKERFILE_EXTRA='HEALTHCHECK --interval=1s --timeout=1s --retries=1 CMD ["false"]' \
  build_app_image bad "v2 of $bad_project" >/dev/null

printf 'viewer %s read\nscoped %s read projects=%s\n' "$read_secret" "$scoped_secret" "$good_project" \
  >"$WORK/keys"
# SETTLE_MS: the first deploy runs long enough for the page to watch it.
hook_start KEYS_FILE="$WORK/keys" UI=1 SETTLE_MS=5000

# An earlier deploy (v2) through the hook, so the services view has an
# earlier digest once the page has watched v3 go out.
sign_and_post "/pull?wait=120" "{\"container_name\": \"$good_name\"}"
assert_eq 200 "$RESP_CODE" "v2 deployed: $RESP_BODY"
build_app_image good "v3 of $good_project" >/dev/null

# A refused request for the audit view.
SIGN_SECRET=wrong sign_and_post /pull "{\"container_name\": \"$good_name\"}"
assert_eq 401 "$RESP_CODE" "a wrong signature"

screenshots=${UI_SCREENSHOT_DIR:-$(cd "$(dirname "$DELIVERY_HOOK_BIN")/.." && pwd)/ui-screenshots}
API_BASE=$API_BASE HOOK_SECRET=$HOOK_SECRET READ_SECRET=$read_secret SCOPED_SECRET=$scoped_secret \
  GOOD_NAME=$good_name GOOD_PROJECT=$good_project BAD_NAME=$bad_name BAD_PROJECT=$bad_project \
  SCREENSHOT_DIR=$screenshots node "$E2E_DIR/ui_browser.js" || fail "the browser checks failed"
for shot in jobs-desktop jobs-phone services-desktop services-phone job-desktop audit-desktop; do
  [ -s "$screenshots/$shot.png" ] || fail "no screenshot $shot.png"
done
log "screenshots in $screenshots"

# Behind nginx under a path prefix (UI_BASE_PATH): the same hook, its page
# at /hook/ui/, every URL relative.
hook_stop
hook_start KEYS_FILE="$WORK/keys" UI=1 UI_BASE_PATH=/hook
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$NGINX" ] || fail "nginx is not installed (scripts/install-deps.sh --with-test-tools)"
proxy_port=$(free_port)
mkdir -p "$WORK/nginx"
cat >"$WORK/nginx/nginx.conf" <<CONF
worker_processes 1;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path $WORK/nginx/body;
  proxy_temp_path $WORK/nginx/proxy;
  fastcgi_temp_path $WORK/nginx/fastcgi;
  uwsgi_temp_path $WORK/nginx/uwsgi;
  scgi_temp_path $WORK/nginx/scgi;
  server {
    listen 127.0.0.1:$proxy_port;
    location /hook/ {
      proxy_pass http://127.0.0.1:$HOOK_PORT/;
      proxy_buffering off;
      proxy_set_header X-Forwarded-For \$remote_addr;
    }
  }
}
CONF
"$NGINX" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -g 'daemon off;' >"$WORK/nginx/stdout.log" 2>&1 &
nginx_pid=$!
on_cleanup "kill $nginx_pid 2>/dev/null || true"
retry 20 curl -fsS --max-time 2 -o /dev/null "http://127.0.0.1:$proxy_port/hook/healthz" ||
  fail "nginx did not come up: $(cat "$WORK/nginx/error.log" "$WORK/nginx/stdout.log" 2>/dev/null)"
UI_PREFIX="http://127.0.0.1:$proxy_port/hook" API_BASE=$API_BASE READ_SECRET=$read_secret \
  SCREENSHOT_DIR=$screenshots node "$E2E_DIR/ui_browser.js" || fail "the page behind the proxy failed"

# Bad input: never a 5xx.
code() { curl -s -o "$WORK/answer" -w '%{http_code}' "$@"; }
assert_eq 401 "$(code -d token=wrong "$API_BASE/ui/login")" "a wrong token"
assert_eq 401 "$(code -H "Cookie: dh_session=$(printf 'a%.0s' {1..64})" "$API_BASE/ui/api/jobs")" "a forged cookie"
assert_eq '{"error":"not logged in"}' "$(cat "$WORK/answer")" "a forged cookie's answer"
assert_eq 401 "$(code -H 'Cookie: dh_session=../../etc/passwd' "$API_BASE/ui/api/jobs")" "a malformed cookie"
assert_eq 404 "$(code --path-as-is "$API_BASE/ui/../../etc/passwd")" "a traversal"
assert_eq 404 "$(code "$API_BASE/ui/%2e%2e%2fetc%2fpasswd")" "an encoded traversal"
assert_eq 404 "$(code "$API_BASE/ui/index.html")" "an asset that is not there"
long=$(head -c 6000 /dev/zero | tr '\0' x)
status=$(code "$API_BASE/ui/api/jobs?service=$long")
[[ "$status" =~ ^4 ]] || fail "a long query string got $status"
status=$(code "$API_BASE/ui/?q=$(head -c 20000 /dev/zero | tr '\0' x)")
[[ "$status" =~ ^4 ]] || fail "a very long query string got $status"
cookie=$(curl -s -D - -o /dev/null -d "token=$read_secret" "$API_BASE/ui/login" | sed -n 's/^Set-Cookie: dh_session=\([0-9a-f]*\);.*/\1/p')
assert_eq 64 "${#cookie}" "a login's cookie"
assert_eq 400 "$(code -H "Cookie: dh_session=$cookie" "$API_BASE/ui/api/jobs?service=$long")" "a long filter, logged in"
assert_eq 400 "$(code -H "Cookie: dh_session=$cookie" "$API_BASE/ui/api/jobs?state=bogus")" "a bad state filter"
# A read key never triggers.
SIGN_SECRET=$read_secret sign_and_post /pull "{\"container_name\": \"$good_name\"}"
assert_eq 403 "$RESP_CODE" "a read key's trigger"
if grep -q "level=error" "$HOOK_LOG"; then fail "errors in the hook's log: $(grep level=error "$HOOK_LOG")"; fi
log "ok"
